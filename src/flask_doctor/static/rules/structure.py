"""FD601-FD605 — structure: how the app is assembled at import time.

These rules look at what runs when the modules are imported: the import
graph (FD601), extensions and config reads at module level (FD602, FD603),
the order of work inside an application factory (FD604) and how many
``Flask`` objects the code builds (FD605).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.model import (
    FACTORY,
    FLASK_TYPES,
    FunctionInfo,
    ObjectInfo,
    Project,
)
from flask_doctor.static.names import ImportRecord, dotted
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid
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


# ==================================================================== FD601
class CircularImport(Rule):
    """
    ## What it does
    Finds cycles in the module import graph that run at import time, and
    reports each cycle once, with the modules in order (`app.py → views.py
    → app.py`) and the import lines that close it.

    ## Why is this bad?
    When module A imports B and B imports A, whichever is imported second
    sees the first *half-initialised*: only the names defined above A's
    import line exist yet. `from a import db` then fails with
    `ImportError: cannot import name 'db' from partially initialized
    module` as soon as someone reorders imports or a test imports B first.
    A cycle through the app object also runs twice when `app.py` is started
    as a script (`python app.py` loads it as `__main__`, `from app import
    app` loads a second copy, and the views register on the copy).

    Severity follows what can actually break:
    - *warning* when a name is read from a module before that module
      defines it. When the cycle contains the module that builds the app,
      that module is the one every server, test and worker imports first, so
      only names read from it count; in other (2–3-module) cycles any module
      that can be imported first counts, and the import order decides
      whether the code loads;
    - *warning* when a flat app module that is also run as a script
      (`if __name__ == "__main__"`) is imported back: it is loaded twice;
    - *note*, once per app module, for Flask's documented pattern (the
      module creates the app, then imports the views, which import the app
      back).

    Not reported: imports inside functions or under `TYPE_CHECKING` (they
    do not run at import time); cycles of plain `import x` statements whose
    modules are only used inside functions; and any other cycle that works
    in every order it can be entered in. Python always runs
    `pkg/__init__.py` before `pkg.sub`; when the package already imports
    into the cycle, the cycle is entered in the same order from every entry
    point, so a project that starts at all is not at risk.

    ## Example
    ```python
    # app.py
    from flask import Flask
    from views import bp          # views imports app before `db` exists
    app = Flask(__name__)
    db = SQLAlchemy(app)

    # views.py
    from app import db
    ```

    ## Use instead
    ```python
    # extensions.py
    db = SQLAlchemy()

    # views.py
    from extensions import db

    # app.py
    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        from views import bp
        app.register_blueprint(bp)
        return app
    ```

    ## Fix safety
    No automatic fix: breaking a cycle means moving code between modules.

    ## References
    - Flask docs: "Large Applications as Packages" (the circular import note)
    - Python docs: "The import system" — partially initialised modules
    """

    code = "FD601"
    name = "circular-import"
    severity = Severity.WARNING
    catalog = ("S07",)
    summary = "Modules import each other at import time; one sees the other half-initialised."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            def register():
                import views
            """, files={"views.py": """
            from app import app

            @app.route("/")
            def index():
                return "ok"
            """}),
        Valid("""
            from typing import TYPE_CHECKING
            import helpers

            if TYPE_CHECKING:
                from models import User

            def name(user):
                return helpers.fmt(user)
            """, files={"helpers.py": """
            import app

            def fmt(user):
                return app.name(user)
            """}),
        Valid("""
            from flask import Flask
            from extensions import db
            from views import bp

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                app.register_blueprint(bp)
                return app
            """, files={"extensions.py": "db = object()\n", "views.py": """
            from flask import Blueprint
            from extensions import db
            bp = Blueprint("v", __name__)
            """}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            from views import bp
            db = object()
            """, message="views.py → app.py → views.py", files={"views.py": """
            from flask import Blueprint
            bp = Blueprint("v", __name__)
            from app import db  # expect
            """}),
        Invalid("""
            x = 1
            """, message="documented", files={
                "shop/__init__.py": """
            from flask import Flask
            app = Flask(__name__)

            from shop import views  # expect
            """,
                "shop/views.py": """
            from shop import app

            @app.route("/")
            def index():
                return "ok"
            """}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        graph = import_graph(project)
        for component in _strongly_connected(graph):
            members = set(component)
            if all(_is_test_path(project.modules[m]) for m in component if m in project.modules):
                continue
            reported: set[frozenset[tuple[str, int]]] = set()
            culprits: set[object] = set()
            candidates = [e for m in component for e in graph.edges.get(m, []) if e.target in members]
            for edge in sorted(candidates, key=lambda e: (e.source, e.line, e.target)):
                back = _shortest_path(graph, edge.target, edge.source, members)
                if back is None:
                    continue
                cycle = [edge, *back]
                key = frozenset((e.source, e.line) for e in cycle)
                if key in reported:
                    continue
                reported.add(key)
                verdict = self._judge(project, cycle, members)
                if verdict is None or (verdict.culprit.source, verdict.culprit.line) in culprits:
                    continue
                if verdict.dedupe is not None:
                    if verdict.dedupe in culprits:
                        continue
                    culprits.add(verdict.dedupe)  # type: ignore[arg-type]
                culprits.add((verdict.culprit.source, verdict.culprit.line))
                report(self._finding(project, cycle, verdict))

    # -------------------------------------------------------------- judging
    def _judge(self, project: Project, cycle: list[Edge], component: set[str]) -> CycleVerdict | None:
        outgoing = {e.source: e for e in cycle}  # each module's import that continues the cycle
        entries = _entry_modules(project)
        entry = next((e.source for e in cycle if e.source in entries), None)
        if entry is not None:
            # importing ``pkg.app`` runs ``pkg/__init__`` first: when the package
            # is part of the cycle, it is the module entered first
            parts = entry.split(".")
            ancestors = [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in component]
            if ancestors:
                entry = ancestors[0]
                if entry not in outgoing:
                    return None  # entered through a package outside this cycle: order unknown
            return self._judge_through_entry(project, cycle, entry, outgoing)
        # No module of the cycle builds the app, so any of them can be the
        # first one imported (a test, a worker, a script). Only short
        # cycles: along a long chain one conditional import is enough to
        # make the claim wrong.
        for edge in cycle if len(cycle) <= MAX_ORDER_CYCLE else ():
            if not edge.names or not _can_be_entered_first(project, edge.target, component):
                continue
            target = project.modules.get(edge.target)
            continuing = outgoing.get(edge.target)
            if target is None or continuing is None:
                continue
            defs = _definitions(target)
            late = [n for n in edge.names if n in defs and defs[n] > continuing.line]
            if late:
                name = late[0]
                return CycleVerdict(
                    Severity.WARNING,
                    f"`{_module_display(project, edge.source)}` reads `{name}` from "
                    f"`{_module_display(project, edge.target)}`, which only defines it at line {defs[name]}, after its own "
                    f"import at line {continuing.line} that leads back: when `{_module_display(project, edge.target)}` is "
                    f"imported first this raises ImportError (partially initialised module)",
                    edge,
                    "Move the shared object (db, config, helpers) into its own module that imports neither side, "
                    "or import inside the function that needs it.",
                )
        # Any other cycle works in every import order it can be entered in:
        # Python handles it, and reporting it would only be noise.
        return None

    def _judge_through_entry(self, project: Project, cycle: list[Edge], entry: str, outgoing: dict[str, Edge]) -> CycleVerdict | None:
        """The cycle contains the module that builds the app, which servers,
        tests and workers all import first: only that module is ever seen
        half-initialised, so only names read *from it* matter."""
        continuing = outgoing[entry]
        into = next((e for e in cycle if e.target == entry), None)
        if into is None or not into.names:
            return None
        module = project.modules[entry]
        shown = _module_display(project, entry)
        defs = _definitions(module)
        late = [n for n in into.names if n in defs and defs[n] > continuing.line]
        if late:
            name = late[0]
            return CycleVerdict(
                Severity.WARNING,
                f"`{_module_display(project, into.source)}` reads `{name}` from `{shown}`, which only defines it at line "
                f"{defs[name]}, after the import at line {continuing.line} that leads back: importing `{shown}` (which "
                f"every server, test and worker does first) raises ImportError (partially initialised module)",
                into,
                "Define the shared object above that import, or better move it into its own module "
                "(extensions.py) that imports neither side.",
            )
        apps = [n for n in into.names if _is_app(project, entry, n)]
        if not apps:
            return None  # works: the names exist before the cycle comes back
        if not module.is_package and _has_main_guard(module):
            return CycleVerdict(
                Severity.WARNING,
                f"`{shown}` is also run as a script (`if __name__ == \"__main__\"`): `python {shown}` loads it as "
                f"`__main__`, and `from {entry} import {apps[0]}` in `{_module_display(project, into.source)}` "
                f"loads a second copy with a second app object — the routes land on the copy",
                into,
                "Create the app in an application factory, register views through blueprints, and start it with "
                "`flask run`/gunicorn instead of running the module.",
            )
        return CycleVerdict(
            Severity.NOTE,
            f"this is Flask's documented pattern (the app module imports the views after creating `{apps[0]}`, and "
            f"the views import `{apps[0]}` back): it works, but breaks as soon as an import moves above `{apps[0]}`",
            continuing,
            "Prefer blueprints and an application factory (`create_app`) so views never import the app.",
            dedupe=f"documented:{entry}",
        )

    def _finding(self, project: Project, cycle: list[Edge], verdict: CycleVerdict) -> Finding:
        # rotate so the cycle starts at the culprit's source
        start = next(i for i, e in enumerate(cycle) if e is verdict.culprit)
        ordered = cycle[start:] + cycle[:start]
        chain = " → ".join(_module_display(project, e.source) for e in ordered)
        chain += f" → {_module_display(project, ordered[0].source)}"
        evidence = []
        for edge in ordered:
            module = project.modules[edge.source]
            text = module.lines[edge.line - 1].strip() if 0 < edge.line <= len(module.lines) else ""
            evidence.append(Evidence(f"`{text}`", Location(module.path, edge.line, edge.record.column)))
        module = project.modules[verdict.culprit.source]
        return self.finding(
            Location(module.path, verdict.culprit.line, verdict.culprit.record.column),
            f"import cycle {chain}: {verdict.reason}",
            hint=verdict.hint,
            evidence=evidence,
            severity=min(verdict.severity, self.effective_severity),
        )


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


class ExtensionBoundAtImport(Rule):
    """
    ## What it does
    Finds extensions constructed with an app object at module level
    (`db = SQLAlchemy(app)`, `login = LoginManager(app)`) in a project that
    also has an application factory.

    ## Why is this bad?
    The extension is bound to the one module-level app. Every app the
    factory builds — for tests, for the CLI, per configuration — does not
    have it initialised, so `db.session` raises "The current Flask app is
    not registered with this 'SQLAlchemy' instance", or worse, silently
    uses the module-level app's configuration (the production database in
    a test run). Without a factory a single module-level app is a
    legitimate design and is not reported.

    ## Example
    ```python
    app = Flask(__name__)
    db = SQLAlchemy(app)

    def create_app(config):
        app = Flask(__name__)
        app.config.from_object(config)
        return app
    ```

    ## Use instead
    ```python
    db = SQLAlchemy()

    def create_app(config):
        app = Flask(__name__)
        app.config.from_object(config)
        db.init_app(app)
        return app
    ```

    ## Fix safety
    No automatic fix: `init_app` must be called in the factory.

    ## References
    - Flask docs: "Application Factories" — "Factories & Extensions"
    - Flask-SQLAlchemy docs: "Quick Start" (`init_app`)
    """

    code = "FD602"
    name = "extension-bound-at-import"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Extension built with a module-level app in a project that has an application factory."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            """),
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                return app
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from flask_login import LoginManager
            app = Flask(__name__)
            db = SQLAlchemy(app)  # expect
            login = LoginManager(app=app)  # expect

            def create_app():
                application = Flask(__name__)
                return application
            """, message="`SQLAlchemy(app)`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.function is not None or ctx.in_main or _is_side_path(ctx.module):
            return
        if not _factories(ctx.project):
            return
        callee = ctx.qualified(node.func)
        if not _extension_name(callee):
            return
        app_arg = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "app"), None)
        if app_arg is None:
            return
        app_type = ctx.type_of(app_arg)
        if not app_type or not ctx.project.is_subtype(app_type, FLASK_TYPES):
            return
        factory = _factories(ctx.project)[0]
        short = (dotted(node.func) or callee or "").rsplit(".", 1)[-1]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short}({ast.unparse(app_arg)})` binds the extension to the module-level app at import time, but "
                f"the project builds its apps in `{factory.display}`: those apps do not have `{short}` initialised",
                hint=f"Create it unbound (`{short}()`) and call `.init_app(app)` inside `{factory.display}`.",
                evidence=[Evidence(f"application factory `{factory.display}`", factory.location)],
            )
        )


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


class ConfigReadAtImport(Rule):
    """
    ## What it does
    Finds `current_app` used by code that runs when the module is imported
    (module level, class bodies, decorator arguments, default values), and
    `app.config[...]` read at import time from a module-level app that is
    never configured in that module, in a project with an application
    factory.

    ## Why is this bad?
    `current_app` only points at an app inside an application context.
    At import time there is none, so the import fails with `RuntimeError:
    Working outside of application context` — often only in production,
    where the import order differs from the test suite. Reading
    `app.config` from a module-level app in a factory project gets the
    values of an app nobody configured, not those of the app the factory
    builds.

    ## Example
    ```python
    from flask import current_app

    PAGE_SIZE = current_app.config["PAGE_SIZE"]

    @bp.get("/items")
    def items():
        return paginate(PAGE_SIZE)
    ```

    ## Use instead
    ```python
    @bp.get("/items")
    def items():
        return paginate(current_app.config["PAGE_SIZE"])
    ```

    ## Fix safety
    No automatic fix: the read must move into the code that uses it.

    ## References
    - Flask docs: "The Application Context" — "Purpose of the Context"
    - Flask docs: "Application Factories"
    """

    code = "FD603"
    name = "config-read-at-import"
    severity = Severity.ERROR
    catalog = ("S05",)
    summary = "`current_app`/`app.config` read while the module is imported, outside any app context."

    VALID = (
        Valid("""
            from flask import Blueprint, current_app
            from werkzeug.local import LocalProxy
            bp = Blueprint("items", __name__)
            page_size = LocalProxy(lambda: current_app.config["PAGE_SIZE"])

            @bp.get("/items")
            def items(size=None):
                return str(current_app.config.get("PAGE_SIZE"))
            """),
        Valid("""
            from flask import Flask, current_app
            app = Flask(__name__)
            app.config.from_object("settings")
            DEBUG = app.config["DEBUG"]

            with app.app_context():
                NAME = current_app.name

            if __name__ == "__main__":
                print(current_app.config)
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            import pager

            def create_app():
                return Flask(__name__)
            """, message="Working outside of application context", files={"pager.py": """
            from flask import current_app

            PAGE_SIZE = current_app.config["PAGE_SIZE"]  # expect

            class Pager:
                size = current_app.config.get("PAGE_SIZE", 20)  # expect
            """}),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            UPLOADS = app.config["UPLOAD_FOLDER"]  # expect

            def create_app():
                new = Flask(__name__)
                new.config.from_object("settings")
                return new
            """, message="create_app"),
    )

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if not isinstance(node.ctx, ast.Load) or ctx.is_test_code():
            return
        if isinstance(node.value, ast.Name) and node.attr != "config":
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
            return
        if isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name) and node.value.attr == "current_app":
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
            return
        if node.attr == "config" and isinstance(node.value, ast.Name):
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
                return
            self._app_config(node, ctx)

    def _current_app(self, node: ast.Attribute, ctx: Context) -> None:
        if _is_side_path(ctx.module) or not _runs_at_import(ctx, node):
            return
        eager = _eager_modules(ctx.project)
        if ctx.module.name not in eager:
            return  # imported lazily (inside functions, often under app_context()) or run by a tool
        path = _import_path(ctx.project, eager, ctx.module.name)
        shown = ast.unparse(_read_expression(ctx, node))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{shown}` runs when the module is imported, where there is no application context: the import "
                f"fails with RuntimeError: Working outside of application context",
                hint="Read it inside the view/function that needs it, or wrap it: `LocalProxy(lambda: current_app.config[...])`.",
                evidence=path,
            )
        )

    def _app_config(self, node: ast.Attribute, ctx: Context) -> None:
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        is_read = (isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load)) or (
            isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "get"
        )
        if not is_read or not _runs_at_import(ctx, node):
            return
        app_type = ctx.type_of(node.value)
        if not app_type or not ctx.project.is_subtype(app_type, FLASK_TYPES) or _is_side_path(ctx.module):
            return
        factories = _factories(ctx.project)
        if not factories or _configured_in_module(ctx, node.value.id, node.lineno):  # type: ignore[attr-defined]
            return
        read = ctx.ancestors[-2] if isinstance(parent, ast.Attribute) and len(ctx.ancestors) >= 2 else parent
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(read)}` reads the config of the module-level app at import time, but the project "
                f"configures the apps it builds in `{factories[0].display}`: this app was never configured",
                hint="Read the value from `current_app.config` inside the code that needs it.",
                evidence=[Evidence(f"application factory `{factories[0].display}`", factories[0].location)],
            )
        )


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


class BlueprintRegisteredBeforeConfig(Rule):
    """
    ## What it does
    Finds application factories that register blueprints or initialise
    extensions (`register_blueprint`, `ext.init_app(app)`, `Ext(app)`)
    before they load the configuration (`app.config.from_object`,
    `from_pyfile`, `from_mapping`, `from_envvar`, `from_prefixed_env`,
    `from_file`).

    ## Why is this bad?
    Extensions read their settings in `init_app`: Flask-SQLAlchemy takes
    `SQLALCHEMY_DATABASE_URI` and the engine options, Flask-Mail the SMTP
    server, Flask-Caching the cache type. Initialised before the config is
    loaded they silently use defaults (an in-memory SQLite database, a
    `null` cache), and blueprints that read config while being registered
    see the same empty values. Only registrations before the *first*
    configuration load are reported: once a configuration is loaded, later
    loads are usually overrides (test settings) whose order is deliberate.

    ## Example
    ```python
    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        app.register_blueprint(shop)
        app.config.from_object("shop.config.Production")
        return app
    ```

    ## Use instead
    ```python
    def create_app():
        app = Flask(__name__)
        app.config.from_object("shop.config.Production")
        db.init_app(app)
        app.register_blueprint(shop)
        return app
    ```

    ## Fix safety
    Moving the config load to the top of the factory is almost always safe,
    but not automatic: a config loader that depends on an extension must
    stay after it.

    ## References
    - Flask docs: "Application Factories"
    - Flask docs: "Configuration Handling"
    """

    code = "FD604"
    name = "blueprint-registered-before-config"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Factory registers blueprints/extensions before loading the configuration they read."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app(test_config=None):
                app = Flask(__name__)
                app.config.from_object("settings")
                if test_config:
                    app.config.from_mapping(test_config)
                db.init_app(app)
                from views import bp
                app.register_blueprint(bp)
                app.config.update(EXTRA=1)
                return app
            """),
        Valid("""
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.register_blueprint(object())
                return app
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from flask_cors import CORS
            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                db.init_app(app)  # expect
                CORS(app)  # expect
                app.config.from_object("shop.config.Production")
                return app
            """, message="`db.init_app(app)` in `create_app` runs before `app.config.from_object(...)`"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for factory in _factories(project):
            self._check_factory(project, factory, report)

    def _check_factory(self, project: Project, factory: FunctionInfo, report: Callable[[Finding], None]) -> None:
        app_names = {n for n, t in factory.local_types.items() if project.is_subtype(t, FLASK_TYPES)}
        if not app_names:
            return
        registrations: list[tuple[ast.Call, str]] = []
        loads: list[ast.Call] = []
        for node in _own_nodes(factory.node):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = dotted(func.value) or ""
                if func.attr in CONFIG_LOADERS and owner in {f"{a}.config" for a in app_names}:
                    if node.args or node.keywords:
                        loads.append(node)
                    continue
                if func.attr == "register_blueprint" and owner in app_names:
                    registrations.append((node, "blueprint"))
                    continue
                if func.attr == "init_app" and _first_arg_in(node, app_names):
                    registrations.append((node, "extension"))
                    continue
            callee = factory.imports.qualify(dotted(func) or "")
            if _extension_name(callee) and _first_arg_in(node, app_names):
                registrations.append((node, "extension"))
        if not loads or not registrations:
            return
        # Only registrations before the *first* load see a bare app; loads that
        # follow a first load are overrides (test settings) and not reported.
        first_load = min(loads, key=lambda n: n.lineno)
        early = [(n, kind) for n, kind in registrations if n.lineno < first_load.lineno]
        if not early:
            return
        last_load = first_load
        load_text = f"{dotted(last_load.func)}(...)"
        for node, kind in early:
            shown = ast.unparse(node) if len(ast.unparse(node)) <= 60 else f"{dotted(node.func)}(...)"
            consequence = (
                "the extension reads its settings now and keeps the defaults"
                if kind == "extension" else
                "anything the blueprint reads from the config while it is registered sees the defaults"
            )
            report(
                self.finding(
                    Location(factory.module.path, node.lineno, node.col_offset + 1),
                    f"`{shown}` in `{factory.display}` runs before `{load_text}` at line {last_load.lineno}: {consequence}",
                    hint="Load the whole configuration first, then initialise extensions and register blueprints.",
                    evidence=[Evidence(f"configuration loaded here: `{load_text}`", Location(factory.module.path, last_load.lineno, last_load.col_offset + 1))],
                )
            )


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


# ==================================================================== FD605
class MultipleFlaskApps(Rule):
    """
    ## What it does
    Finds more than one `Flask(...)` object created at module level in the
    modules of one application (modules that import each other), outside
    tests, examples, docs and scripts.

    ## Why is this bad?
    Routes, extensions and configuration attach to the app object they are
    given. With two module-level apps, some views register on one and some
    settings on the other: routes 404, extensions report "not registered
    with this app", and the config a view reads is not the one that was
    loaded. It usually starts with a helper module that creates its own
    `app = Flask(__name__)` "just to get a context".

    Not reported: apps built by a factory (calling it twice is how tests
    work), projects that mount several apps on purpose
    (`DispatcherMiddleware`), apps in tests/examples/docs/scripts, and
    separate apps whose modules never import each other.

    ## Example
    ```python
    # app.py
    app = Flask(__name__)
    import tasks

    # tasks.py
    app = Flask(__name__)          # a second app "for the context"
    ```

    ## Use instead
    ```python
    # tasks.py
    from app import app
    ```
    or an application factory and `create_app()` where a context is needed.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "Application Factories"
    - Flask docs: "Application Dispatching" (several apps on purpose)
    """

    code = "FD605"
    name = "multiple-flask-apps"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Two module-level Flask apps in modules that import each other."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            application = app
            """, files={"tests/test_app.py": """
            from flask import Flask
            app = Flask(__name__)
            """}),
        Valid("""
            from flask import Flask
            from werkzeug.middleware.dispatcher import DispatcherMiddleware
            import admin
            frontend = Flask(__name__)
            app = DispatcherMiddleware(frontend, {"/admin": admin.app})
            """, files={"admin.py": """
            from flask import Flask
            app = Flask(__name__)
            """}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            import tasks
            """, message="`tasks.py`", files={"tasks.py": """
            from flask import Flask
            app = Flask("worker")  # expect
            """}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if any(site.name.endswith("DispatcherMiddleware") for site in project.calls):
            return
        apps: list[ObjectInfo] = []
        seen_calls: set[int] = set()
        for obj in project.objects_of(set(FLASK_TYPES)):
            if id(obj.call) in seen_calls or obj.in_function or _is_side_path(obj.module):
                continue
            if not _flask_call(project, obj.module, obj.call):
                continue
            if not _top_level_statement(obj.module, obj.call):
                continue
            seen_calls.add(id(obj.call))
            apps.append(obj)
        if len(apps) < 2:
            return
        graph = import_graph(project)
        reach = {a.module.name: _reachable(graph, a.module.name) for a in apps}
        apps.sort(key=lambda o: (o.module.path, o.call.lineno))
        reported: set[str] = set()
        for i, first in enumerate(apps):
            for second in apps[i + 1:]:
                a, b = first.module.name, second.module.name
                if a == b:
                    continue
                if b not in reach[a] and a not in reach[b]:
                    continue
                main, stray = _main_and_stray(project, first, second, reach)
                if stray.qualname in reported:
                    continue
                reported.add(stray.qualname)
                report(
                    self.finding(
                        stray.location,
                        f"second Flask app `{stray.qualname.rsplit('.', 1)[-1]}` in `{_module_display(project, stray.module.name)}`, "
                        f"a module of the same application as `{main.qualname.rsplit('.', 1)[-1]}` in "
                        f"`{_module_display(project, main.module.name)}`: routes, extensions and config attach to "
                        f"whichever app they are given",
                        hint="Import the one app (or use an application factory and `current_app`) instead of creating another.",
                        evidence=[Evidence("the other app", main.location)],
                    )
                )


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
