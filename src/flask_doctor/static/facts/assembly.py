"""How the application is assembled: factories, extensions, and what runs at import time.

The structure rules (FD602-FD605) ask which functions are application
factories, which modules build the app, which modules run while the app
module is imported (before any app context exists), and which calls bind
extensions or load configuration.  Files that are not the application
(tests, examples, docs, scripts: ``facts.roles``) never count.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator

from flask_doctor.findings import Evidence, Location
from flask_doctor.static.context import Context, node_location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.imports import (
    Edge,
    executed_top_level,
    import_graph,
    import_targets,
)
from flask_doctor.static.facts.roles import role_of_path
from flask_doctor.static.facts.sites import calls_matching
from flask_doctor.static.model import (
    FACTORY,
    FLASK_TYPES,
    FunctionInfo,
    ObjectInfo,
    Project,
)
from flask_doctor.static.names import ImportRecord, dotted
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import all_child_nodes

#: Extension constructors outside the ``flask_*`` namespace.
KNOWN_EXTENSIONS = {
    "flasgger.Swagger",
    "apifairy.APIFairy",
    "spectree.SpecTree",
    "authlib.integrations.flask_client.OAuth",
    "sentry_sdk.integrations.flask.FlaskIntegration",
    "dynaconf.FlaskDynaconf",
}
NOT_EXTENSIONS = {"flask.Flask", "flask.Blueprint"}
CONFIG_LOADERS = {"from_object", "from_pyfile", "from_mapping", "from_prefixed_env", "from_envvar", "from_file"}
#: Prefixes of the config keys an extension reads when it is bound to the app, by its package.
EXTENSION_SETTINGS: dict[str, tuple[str, ...]] = {
    "flask_cors": ("CORS_",),
    "flask_sqlalchemy": ("SQLALCHEMY_",),
    "flask_mail": ("MAIL_",),
    "flask_caching": ("CACHE_",),
    "flask_limiter": ("RATELIMIT_",),
    "flask_babel": ("BABEL_",),
    "flask_jwt_extended": ("JWT_",),
    "flask_compress": ("COMPRESS_",),
    "flask_debugtoolbar": ("DEBUG_TB_",),
    "flask_pymongo": ("MONGO_",),
    "flask_mongoengine": ("MONGODB_",),
    "flask_redis": ("REDIS_",),
    # configured by the arguments of ``Talisman(app, ...)`` only: it writes ``SESSION_COOKIE_*`` but reads no key
    "flask_talisman": (),
}
_MAIN_MODULE_NAMES = ("app", "application", "wsgi", "main", "server", "run", "__init__")


def is_side(module: SourceModule) -> bool:
    """Tests, examples, docs, migrations and scripts: separate programs, not the application."""
    return role_of_path(module.path).is_side


@project_fact
def app_factories(project: Project) -> list[FunctionInfo]:
    """Application factories outside tests, examples and docs."""
    return [
        f for f in project.functions.values() if FACTORY in f.roles and "test" not in f.roles and not is_side(f.module)
    ]


def is_flask_call(project: Project, table_owner: SourceModule, call: ast.Call) -> bool:
    """``Flask(...)`` (or a subclass) by the imports of ``table_owner``."""
    table = project.module_imports.get(table_owner.name)
    name = table.qualify(dotted(call.func) or "") if table is not None else None
    return bool(name) and project.is_subtype(name, FLASK_TYPES)


@project_fact
def app_modules(project: Project) -> set[str]:
    """Modules that build the app: module-level ``Flask(...)`` or an application factory."""
    found = {f.module.name for f in app_factories(project)}
    found.update(
        o.module.name
        for o in project.objects_of(set(FLASK_TYPES))
        if not o.in_function and not is_side(o.module) and is_flask_call(project, o.module, o.call)
    )
    return found


@project_fact
def app_creation(project: Project) -> Location | None:
    """Where the project's one application is created (``Flask(...)``, at module level or in its factory).

    ``None`` when the application code creates no app or several: nothing says which one to change.
    """
    sites = [
        node_location(o.module.path, o.call)
        for o in project.objects_of(set(FLASK_TYPES))
        if not o.in_function and not is_side(o.module) and is_flask_call(project, o.module, o.call)
    ]
    for factory in app_factories(project):
        for node in ast.walk(factory.node):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and is_flask_call(project, factory.module, node.value)
            ):
                sites.append(node_location(factory.module.path, node.value))
    unique = set(sites)
    return unique.pop() if len(unique) == 1 else None


def extension_name(qualified: str | None) -> bool:
    """A Flask extension's constructor (``flask_sqlalchemy.SQLAlchemy``, ``flasgger.Swagger``)."""
    if not qualified or qualified in NOT_EXTENSIONS:
        return False
    root = qualified.split(".")[0]
    return (root.startswith("flask_") and root != "flask_doctor") or qualified in KNOWN_EXTENSIONS


def runs_at_import(ctx: Context, node: ast.AST) -> bool:
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
                if (
                    isinstance(expr, ast.Call)
                    and isinstance(expr.func, ast.Attribute)
                    and expr.func.attr in ("app_context", "test_request_context", "request_context")
                ):
                    return False
        child = ancestor
    return True


@project_fact
def eager_modules(project: Project) -> dict[str, Edge | None]:
    """Modules that run while the application module is imported, before any app context.

    Roots are the modules that build the app (module-level ``Flask(...)`` or
    an application factory); from them, follow module-level imports (and
    the parent packages Python runs first).  Value: the edge it was reached
    by (``None`` for roots), for the evidence.
    """
    graph = import_graph(project)
    found: dict[str, Edge | None] = {}
    roots = app_modules(project)
    queue = deque(sorted(roots))
    for root in roots:
        found[root] = None
    # imports inside a factory run when it builds the app, before any context
    for factory in app_factories(project):
        for node, record in _factory_imports(factory):
            for target in import_targets(project, node, factory.module):
                if target not in found and not is_side(project.modules[target]):
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
            if edge.target not in found and not is_side(project.modules[edge.target]):
                found[edge.target] = edge
                queue.append(edge.target)
    return found


def _factory_imports(factory: FunctionInfo) -> Iterator[tuple[ast.Import | ast.ImportFrom, ImportRecord]]:
    """Imports in a factory's body that do not sit under ``with app.app_context():``."""
    stack: list[ast.AST] = list(factory.node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(i.context_expr, ast.Call)
            and isinstance(i.context_expr.func, ast.Attribute)
            and i.context_expr.func.attr in ("app_context", "test_request_context")
            for i in node.items
        ):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, ImportRecord("", (), node.lineno, node.col_offset + 1, True, False)
            continue
        stack.extend(all_child_nodes(node))


def import_path(project: Project, eager: dict[str, Edge | None], module: str) -> list[Evidence]:
    """How the app module's import reaches ``module``: one evidence line per import, newest first."""
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


def read_expression(ctx: Context, node: ast.expr) -> ast.expr:
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


def configured_in_module(ctx: Context, app_name: str, before_line: int) -> bool:
    """``app_name.config`` is written (loaded or assigned) at module level before ``before_line``."""
    for stmt in executed_top_level(ctx.module.tree.body):
        if stmt.lineno >= before_line:
            continue
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and dotted(node.func.value) == f"{app_name}.config"
            ):
                return True
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and dotted(target.value) == f"{app_name}.config":
                        return True
    # Flask(__name__) constructed with instance config or a config module loaded elsewhere
    return False


def built_by_helper(ctx: Context, app: ast.expr) -> bool:
    """``app`` names a module-level object a project helper built (``app = create_app()``).

    Such an app is the one the factory builds, with the factory's configuration and extensions: reading its
    config at import time reads configured values, and binding one more extension to it is deliberate.
    """
    name = dotted(app) or ""
    built = ctx.project.objects.get(ctx.qualified(app) or f"{ctx.module.name}.{name}")
    return built is not None and built.helper is not None


def first_arg_in(call: ast.Call, names: set[str]) -> bool:
    """The call's first argument (or ``app=``) is one of ``names``."""
    arg = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "app"), None)
    return isinstance(arg, ast.Name) and arg.id in names


def own_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes of ``fn``'s body, not of functions nested in it."""
    stack: list[ast.AST] = list(reversed(fn.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(reversed(all_child_nodes(node)))


def main_and_stray(
    project: Project, first: ObjectInfo, second: ObjectInfo, reach: dict[str, set[str]]
) -> tuple[ObjectInfo, ObjectInfo]:
    """Which app is the real one: routes and registrations on it, then its module's name, then import order."""

    def weight(app: ObjectInfo) -> int:
        name = app.qualname
        short = name.rsplit(".", 1)[-1]
        routes = sum(1 for f in project.functions.values() for r in f.routes if r.owner == name)
        registrations = sum(
            1
            for site in project.calls
            if site.module is app.module
            and isinstance(site.node.func, ast.Attribute)
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


#: Calls that mount several WSGI apps at their own paths on purpose.
APP_MOUNTS = ("DispatcherMiddleware", "tree.graft", "tree.mount", "PathDispatcher")


def _may_mount(last: str) -> bool:
    """Can a name whose last segment is ``last`` end with one of :data:`APP_MOUNTS`?"""
    return last.endswith(_MOUNT_CLASSES) or last in _MOUNT_METHODS


#: :data:`APP_MOUNTS` seen from a name's last segment: class names it ends with, methods it is.
_MOUNT_CLASSES = tuple(mount for mount in APP_MOUNTS if "." not in mount)
_MOUNT_METHODS = frozenset(mount.rpartition(".")[2] for mount in APP_MOUNTS if "." in mount)


def mounts_apps_separately(project: Project) -> bool:
    """The project serves several apps side by side (``DispatcherMiddleware``, cherrypy ``tree.graft``)."""
    # a site is listed under the last segment of its name (``facts.sites``)
    return any(site.name.endswith(APP_MOUNTS) for site in calls_matching(project, _may_mount))


def app_is_used(project: Project, app: ObjectInfo) -> bool:
    """Something refers to the app besides its creation: a route, a config write, an import, any mention.

    A module-level ``app = Flask(__name__)`` that nothing touches is dead code:
    no route, extension or setting can attach to it, so it splits nothing.
    """
    short = app.qualname.rsplit(".", 1)[-1]
    for node in ast.walk(app.module.tree):
        if isinstance(node, ast.Name) and node.id == short and isinstance(node.ctx, ast.Load):
            return True
    for name, records in project.imports.items():
        if name == app.module.name:
            continue
        for record in records:
            if record.module == app.module.name and (short in record.names or "*" in record.names):
                return True
            if record.module == app.qualname:
                return True
    return any(r.owner == app.qualname for f in project.functions.values() for r in f.routes)


def top_level_statement(module: SourceModule, call: ast.Call) -> bool:
    """The call is the value of a module-level statement (not under ``if __name__``)."""
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is call:
            return True
    return False


def extension_package(project: Project, fn: FunctionInfo, call: ast.Call) -> str | None:
    """The package of the extension a call binds: ``CORS(app)`` -> ``flask_cors``; ``db.init_app(app)`` -> the
    package of ``db``'s class (``flask_sqlalchemy``); ``None`` when it cannot be told."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "init_app":
        name = dotted(func.value) or ""
        kind = fn.local_types.get(name)
        if kind is None:
            qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
            obj = project.objects.get(qualified) or project.objects.get(project.canonical(qualified))
            kind = obj.type if obj is not None else None
    else:
        kind = fn.imports.qualify(dotted(func) or "")
    return kind.split(".")[0] if kind else None


@project_fact
def _setting_texts(project: Project) -> list[str]:
    """Where a project can set config keys: its Python sources and the variables its deploy files set."""
    texts = [module.text for module in project.modules.values()]
    if project.deploy is not None:
        texts.append("\n".join(setting.name for setting in project.deploy.env))
    return texts


@keyed_fact
def sets_extension_settings(project: Project, package: str) -> bool | None:
    """Does the project name any config key of ``package`` (``CORS_ORIGINS`` for ``flask_cors``)?

    ``None`` when the extension's keys are not known: nothing can be said.
    """
    prefixes = EXTENSION_SETTINGS.get(package)
    if prefixes is None:
        return None
    if not prefixes:
        return False  # the extension reads no config key at all
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(p) for p in prefixes) + r")[A-Z0-9]")
    # The pattern starts with a look-behind, so ``re`` tries it at every position of every text; a text
    # that holds no prefix at all (most of them) is passed over by a plain substring search instead.
    return any(pattern.search(text) for text in _setting_texts(project) if any(prefix in text for prefix in prefixes))
