"""Facts shared by the structure rules (moved from the family module).

FD601-FD605 — structure: how the app is assembled at import time.

These rules look at what runs when the modules are imported: the import
graph (FD601), extensions and config reads at module level (FD602, FD603),
the order of work inside an application factory (FD604) and how many
``Flask`` objects the code builds (FD605).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.context import Context
from flask_doctor.static.model import (
    FACTORY,
    FLASK_TYPES,
    FunctionInfo,
    ObjectInfo,
    Project,
)
from flask_doctor.static.names import ImportRecord, dotted
from flask_doctor.static.source import SourceModule


# ================================================================ helpers
def _is_test_path(module: SourceModule) -> bool:
    path = f"/{module.path}"
    last = module.name.rsplit(".", 1)[-1]
    return (
        "/tests/" in path or "/test/" in path or "/testing/" in path
        or last.startswith("test_") or last.endswith("_test") or last in ("conftest", "tests")
    )


_SIDE_DIRS = ("/examples/", "/example/", "/docs/", "/doc/", "/scripts/", "/script/", "/samples/", "/sample/",
              "/demo/", "/demos/", "/benchmarks/", "/bench/", "/contrib/", "/tools/", "/migrations/", "/alembic/")


def _is_side_path(module: SourceModule) -> bool:
    """Tests, examples, docs and scripts: separate programs, not the application."""
    path = f"/{module.path}"
    return _is_test_path(module) or any(d in path for d in _SIDE_DIRS) or module.name.rsplit(".", 1)[-1] in ("setup", "noxfile", "fabfile", "tasks_dev", "manage")


def _module_display(project: Project, name: str) -> str:
    module = project.modules.get(name)
    return module.path.rsplit("/", 1)[-1] if module is not None and not module.is_package else (
        module.path.rsplit("/", 2)[-2] + "/__init__.py" if module is not None else name
    )


def _factories(project: Project) -> list[FunctionInfo]:
    """Application factories outside tests, examples and docs."""
    cached = getattr(project, "_fd6_factories", None)
    if cached is None:
        cached = [
            f for f in project.functions.values()
            if FACTORY in f.roles and "test" not in f.roles and not _is_side_path(f.module)
        ]
        project._fd6_factories = cached  # type: ignore[attr-defined]
    return cached


def _flask_call(project: Project, table_owner: SourceModule, call: ast.Call) -> bool:
    table = project.module_imports.get(table_owner.name)
    name = table.qualify(dotted(call.func) or "") if table is not None else None
    return bool(name) and project.is_subtype(name, FLASK_TYPES)


# ------------------------------------------------------------ import graph
@dataclass
class Edge:
    """``source`` imports ``target`` at module level."""

    source: str
    target: str
    record: ImportRecord
    names: tuple[str, ...] = ()  # attributes read from ``target`` while ``source`` is importing
    bound: str | None = None  # the local name bound to the module (``import x``)
    module_edge: bool = False  # ``import x`` / ``from pkg import submodule``

    @property
    def line(self) -> int:
        return self.record.line


@dataclass
class ImportGraph:
    edges: dict[str, list[Edge]] = field(default_factory=dict)


def _executed_top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time (into if/try/with/for, not into defs)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or stmt.__class__.__name__ == "TryStar":
            for part in ("body", "orelse", "finalbody"):
                yield from _executed_top_level(getattr(stmt, part, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from _executed_top_level(handler.body)
        elif isinstance(stmt, ast.ClassDef):
            yield from _executed_top_level(stmt.body)


def _definitions(module: SourceModule) -> dict[str, int]:
    """First line where each module-level name is bound."""
    cached = getattr(module, "_fd6_defs", None)
    if cached is not None:
        return cached
    defs: dict[str, int] = {}

    def bind(name: str, line: int) -> None:
        if name not in defs or line < defs[name]:
            defs[name] = line

    for stmt in _executed_top_level(module.tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not _in_class(module, stmt):
                bind(stmt.name, stmt.lineno)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        bind(node.id, stmt.lineno)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bind(alias.asname or alias.name.split(".")[0], stmt.lineno)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                bind(alias.asname or alias.name, stmt.lineno)
    module._fd6_defs = defs  # type: ignore[attr-defined]
    return defs


def _in_class(module: SourceModule, stmt: ast.stmt) -> bool:
    classes = getattr(module, "_fd6_class_members", None)
    if classes is None:
        classes = set()
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                classes.update(id(s) for s in node.body)
        module._fd6_class_members = classes  # type: ignore[attr-defined]
    return id(stmt) in classes


def _import_nodes(module: SourceModule) -> dict[int, list[ast.Import | ast.ImportFrom]]:
    found: dict[int, list[ast.Import | ast.ImportFrom]] = {}
    for stmt in _executed_top_level(module.tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            found.setdefault(stmt.lineno, []).append(stmt)
    return found


def _import_time_attributes(module: SourceModule, bound: str) -> tuple[str, ...]:
    """Attributes of ``bound`` read by code that runs at import (decorators, class bodies, module code)."""
    used: list[str] = []
    stack: list[ast.AST] = list(module.tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(node.decorator_list)
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == bound:
            if node.attr not in used:
                used.append(node.attr)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return tuple(used)


def import_graph(project: Project) -> ImportGraph:
    cached = getattr(project, "_fd6_graph", None)
    if cached is not None:
        return cached
    graph = ImportGraph()
    for name, module in project.modules.items():
        nodes = _import_nodes(module)
        out: list[Edge] = []
        for record in project.imports.get(name, []):
            if record.in_function or record.in_type_checking:
                continue
            statement = next(iter(nodes.get(record.line, [])), None)
            if record.names:  # from X import a, b
                attr_names: list[str] = []
                for imported in record.names:
                    sub = f"{record.module}.{imported}" if record.module else imported
                    if sub in project.modules and sub != name:
                        alias = _alias_of(statement, imported)
                        out.append(Edge(name, sub, record, _import_time_attributes(module, alias), alias, True))
                    elif imported != "*":
                        attr_names.append(imported)
                if attr_names and record.module in project.modules and record.module != name:
                    out.append(Edge(name, record.module, record, tuple(attr_names)))
            elif record.module in project.modules and record.module != name:
                alias = _alias_of(statement, record.module)
                bound = alias if alias != record.module else record.module.split(".")[0]
                used = _import_time_attributes(module, bound) if "." not in (alias or "") else ()
                if "." in record.module and bound == record.module.split(".")[0] and alias == record.module:
                    used = ()  # ``import pkg.sub`` then ``pkg.sub.x``: too indirect to follow
                out.append(Edge(name, record.module, record, used, bound, True))
        graph.edges[name] = out
    project._fd6_graph = graph  # type: ignore[attr-defined]
    return graph


def _alias_of(statement: ast.Import | ast.ImportFrom | None, imported: str) -> str:
    if statement is not None:
        for alias in statement.names:
            if alias.name == imported:
                return alias.asname or (imported if isinstance(statement, ast.ImportFrom) else alias.name)
    return imported


def _strongly_connected(graph: ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative (import graphs of big projects are deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph.edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [e.target for e in graph.edges.get(node, [])]
            recursed = False
            while i < len(targets):
                target = targets[i]
                i += 1
                if target not in index:
                    work.append((node, i))
                    work.append((target, 0))
                    recursed = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recursed:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _shortest_path(graph: ImportGraph, start: str, goal: str, allowed: set[str]) -> list[Edge] | None:
    previous: dict[str, Edge] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        if node == goal:
            path: list[Edge] = []
            while node != start:
                edge = previous[node]
                path.append(edge)
                node = edge.source
            return list(reversed(path))
        for edge in sorted(graph.edges.get(node, []), key=lambda e: (e.line, e.target)):
            if edge.target in allowed and edge.target not in seen:
                seen.add(edge.target)
                previous[edge.target] = edge
                queue.append(edge.target)
    return None


#: Longest cycle (in modules) for which FD601 claims an import-order failure.
MAX_ORDER_CYCLE = 3


@dataclass
class CycleVerdict:
    severity: Severity
    reason: str
    culprit: Edge  # where the finding points
    hint: str
    dedupe: str | None = None  # one finding per key (the documented pattern once per app module)


def _entry_modules(project: Project) -> set[str]:
    """Modules that build the app: module-level ``Flask(...)`` or an application factory."""
    cached = getattr(project, "_fd6_entries", None)
    if cached is None:
        cached = {f.module.name for f in _factories(project)}
        cached.update(
            o.module.name for o in project.objects_of(set(FLASK_TYPES))
            if not o.in_function and not _is_side_path(o.module) and _flask_call(project, o.module, o.call)
        )
        project._fd6_entries = cached  # type: ignore[attr-defined]
    return cached


def _can_be_entered_first(project: Project, module: str, component: set[str]) -> bool:
    """Can an import of ``module`` be the first to enter this cycle?

    Importing ``pkg.sub`` runs ``pkg/__init__.py`` first. When that package
    (or anything it imports at module level) already reaches the cycle, the
    cycle is always entered in the same order, whatever the entry point
    (app server, tests, Celery): a shipped project that starts at all never
    meets the half-initialised module. Only flat modules and modules whose
    packages stay out of the cycle can be entered in either order.
    """
    parts = module.split(".")
    graph = import_graph(project)
    for i in range(1, len(parts)):
        ancestor = ".".join(parts[:i])
        if ancestor not in project.modules:
            continue
        if ancestor in component or _reachable_cached(project, graph, ancestor) & component:
            return False
    return True


def _reachable_cached(project: Project, graph: ImportGraph, start: str) -> set[str]:
    cache: dict[str, set[str]] = getattr(project, "_fd6_reach", None) or {}
    project._fd6_reach = cache  # type: ignore[attr-defined]
    if start not in cache:
        cache[start] = _reachable(graph, start)
    return cache[start]


def _is_app(project: Project, module: str, name: str) -> bool:
    obj = project.objects.get(f"{module}.{name}")
    return obj is not None and project.is_subtype(obj.type, FLASK_TYPES)


def _has_main_guard(module: SourceModule) -> bool:
    for stmt in module.tree.body:
        if isinstance(stmt, ast.If):
            text = ast.unparse(stmt.test)
            if "__name__" in text and "__main__" in text:
                return True
    return False


# ==================================================================== FD602
#: Extension constructors outside the ``flask_*`` namespace.
KNOWN_EXTENSIONS = {
    "flasgger.Swagger", "apifairy.APIFairy", "spectree.SpecTree", "authlib.integrations.flask_client.OAuth",
    "sentry_sdk.integrations.flask.FlaskIntegration", "dynaconf.FlaskDynaconf",
}
NOT_EXTENSIONS = {"flask.Flask", "flask.Blueprint"}


def _extension_name(qualified: str | None) -> bool:
    if not qualified or qualified in NOT_EXTENSIONS:
        return False
    root = qualified.split(".")[0]
    return (root.startswith("flask_") and root != "flask_doctor") or qualified in KNOWN_EXTENSIONS


# ==================================================================== FD603
def _runs_at_import(ctx: Context, node: ast.AST) -> bool:
    """True when ``node`` executes while its module is imported.

    Decorators and default values of a ``def`` run at import; its body does
    not. ``if __name__ == "__main__":`` blocks and ``with app.app_context():``
    blocks are not import-time reads without a context.
    """
    if ctx.in_main:
        return False
    child: ast.AST = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, ast.Lambda):
            return False
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(child is s for s in ancestor.body):
            return False
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in (
                    "app_context", "test_request_context", "request_context"
                ):
                    return False
        child = ancestor
    return True


def _eager_modules(project: Project) -> dict[str, Edge | None]:
    """Modules that run while the application module is imported, before any app context.

    Roots are the modules that build the app (module-level ``Flask(...)`` or
    an application factory); from them, follow module-level imports (and
    the parent packages Python runs first).  Value: the edge it was reached
    by (``None`` for roots), for the evidence.
    """
    cached = getattr(project, "_fd6_eager", None)
    if cached is not None:
        return cached
    graph = import_graph(project)
    found: dict[str, Edge | None] = {}
    roots = {f.module.name for f in _factories(project)}
    roots.update(
        o.module.name for o in project.objects_of(set(FLASK_TYPES))
        if not o.in_function and not _is_side_path(o.module) and _flask_call(project, o.module, o.call)
    )
    queue = deque(sorted(roots))
    for root in roots:
        found[root] = None
    # imports inside a factory run when it builds the app, before any context
    for factory in _factories(project):
        for node, record in _factory_imports(factory):
            for target in _import_targets(project, node, factory.module):
                if target not in found and not _is_side_path(project.modules[target]):
                    found[target] = Edge(factory.module.name, target, record)
                    queue.append(target)
    while queue:
        name = queue.popleft()
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in project.modules and parent not in found:
                found[parent] = None
                queue.append(parent)
        for edge in graph.edges.get(name, []):
            if edge.target not in found and not _is_side_path(project.modules[edge.target]):
                found[edge.target] = edge
                queue.append(edge.target)
    project._fd6_eager = found  # type: ignore[attr-defined]
    return found


def _factory_imports(factory: FunctionInfo) -> Iterator[tuple[ast.Import | ast.ImportFrom, ImportRecord]]:
    """Imports in a factory's body that do not sit under ``with app.app_context():``."""
    stack: list[ast.AST] = list(factory.node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Attribute)
            and i.context_expr.func.attr in ("app_context", "test_request_context")
            for i in node.items
        ):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, ImportRecord("", (), node.lineno, node.col_offset + 1, True, False)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _import_targets(project: Project, node: ast.Import | ast.ImportFrom, module: SourceModule) -> list[str]:
    from flask_doctor.static.names import resolve_relative

    targets: list[str] = []
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        base = resolve_relative(module.name, module.is_package, node.level, node.module)
        targets = [base] + [f"{base}.{a.name}" if base else a.name for a in node.names]
    return [t for t in targets if t in project.modules]


def _import_path(project: Project, eager: dict[str, Edge | None], module: str) -> list[Evidence]:
    steps: list[Evidence] = []
    seen = {module}
    edge = eager.get(module)
    while edge is not None and len(steps) < 8:
        source = project.modules[edge.source]
        text = source.lines[edge.line - 1].strip() if 0 < edge.line <= len(source.lines) else ""
        how = "imported by the application factory" if edge.record.in_function else "imported at module level"
        steps.append(Evidence(f"{how}: `{text}`", Location(source.path, edge.line, edge.record.column)))
        if edge.source in seen:
            break
        seen.add(edge.source)
        edge = eager.get(edge.source)
    return steps


def _read_expression(ctx: Context, node: ast.expr) -> ast.expr:
    """``current_app.config`` -> ``current_app.config["X"]`` / ``current_app.config.get("X", 1)``."""
    expr: ast.expr = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, ast.Subscript) and ancestor.value is expr:
            return ancestor
        if isinstance(ancestor, ast.Call) and ancestor.func is expr:
            return ancestor
        if isinstance(ancestor, ast.Attribute) and ancestor.value is expr:
            expr = ancestor
            continue
        break
    return expr


def _configured_in_module(ctx: Context, app_name: str, before_line: int) -> bool:
    for stmt in _executed_top_level(ctx.module.tree.body):
        if stmt.lineno >= before_line:
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and dotted(node.func.value) == f"{app_name}.config":
                return True
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and dotted(target.value) == f"{app_name}.config":
                        return True
    # Flask(__name__) constructed with instance config or a config module loaded elsewhere
    return False


# ==================================================================== FD604
CONFIG_LOADERS = {"from_object", "from_pyfile", "from_mapping", "from_prefixed_env", "from_envvar", "from_file"}


def _first_arg_in(call: ast.Call, names: set[str]) -> bool:
    arg = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "app"), None)
    return isinstance(arg, ast.Name) and arg.id in names


def _own_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes of ``fn``'s body, not of functions nested in it."""
    stack: list[ast.AST] = list(reversed(fn.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


_MAIN_MODULE_NAMES = ("app", "application", "wsgi", "main", "server", "run", "__init__")


def _main_and_stray(project: Project, first: ObjectInfo, second: ObjectInfo, reach: dict[str, set[str]]) -> tuple[ObjectInfo, ObjectInfo]:
    """Which app is the real one: routes and registrations on it, then its module's name, then import order."""

    def weight(app: ObjectInfo) -> int:
        name = app.qualname
        short = name.rsplit(".", 1)[-1]
        routes = sum(1 for f in project.functions.values() for r in f.routes if r.owner == name)
        registrations = sum(
            1 for site in project.calls
            if site.module is app.module and isinstance(site.node.func, ast.Attribute)
            and site.node.func.attr in ("register_blueprint", "add_url_rule", "route")
            and dotted(site.node.func.value) == short
        )
        return routes + registrations

    w1, w2 = weight(first), weight(second)
    if w1 != w2:
        return (first, second) if w1 > w2 else (second, first)
    n1 = first.module.path.rsplit("/", 1)[-1][:-3]
    n2 = second.module.path.rsplit("/", 1)[-1][:-3]
    if (n1 in _MAIN_MODULE_NAMES) != (n2 in _MAIN_MODULE_NAMES):
        return (first, second) if n1 in _MAIN_MODULE_NAMES else (second, first)
    # the module that imports the other is the program; the imported one holds the stray app
    return (first, second) if second.module.name in reach[first.module.name] else (second, first)


def _top_level_statement(module: SourceModule, call: ast.Call) -> bool:
    """The call is the value of a module-level statement (not under ``if __name__``)."""
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is call:
            return True
    return False


def _reachable(graph: ImportGraph, start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        for edge in graph.edges.get(node, []):
            if edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
    seen.discard(start)
    return seen
