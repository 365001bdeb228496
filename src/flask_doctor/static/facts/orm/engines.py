"""Facts about engines and pools: which database a project talks to, how its pool is set up.

The stale-connection, echo and pool-size rules read ``create_engine(...)``
keywords and Flask-SQLAlchemy settings as literals; a value they cannot read
is never guessed.  Which server the project talks to comes from the URL in
the code, else from driver imports, URLs in the code and the deploy files.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.deploy_files import production_deploy_path
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import ConfigSetting as ConfigSettingType
from flask_doctor.static.model.records import JOB, REQUEST, SQLALCHEMY_TYPES
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import ConfigSetting, FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

CREATE_ENGINE = {
    "sqlalchemy.create_engine",
    "sqlalchemy.engine.create_engine",
    "sqlalchemy.engine.create.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlmodel.create_engine",
}
#: Their last segments, which ``facts.sites`` lists an engine's sites under.
_CREATE_ENGINE_NAMES = frozenset(name.rpartition(".")[2] for name in CREATE_ENGINE)
#: ``engine_from_config(settings, prefix="sqlalchemy.")``: the URL and the pool options are entries of a mapping.
ENGINE_FROM_CONFIG = {
    "sqlalchemy.engine_from_config",
    "sqlalchemy.engine.engine_from_config",
    "sqlalchemy.engine.create.engine_from_config",
    "sqlalchemy.ext.asyncio.async_engine_from_config",
}
#: Pools that hold no connection between uses (or one per thread for SQLite): nothing goes stale.
SAFE_POOLS = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")
SERVER_DIALECTS = {
    "postgres": "PostgreSQL",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "cockroachdb": "PostgreSQL",
}
DRIVER_MODULES = {
    "psycopg2": "PostgreSQL",
    "psycopg": "PostgreSQL",
    "asyncpg": "PostgreSQL",
    "pg8000": "PostgreSQL",
    "pymysql": "MySQL",
    "MySQLdb": "MySQL",
    "mysql.connector": "MySQL",
    "mariadb": "MariaDB",
    "aiomysql": "MySQL",
}
#: Distributions of those drivers, as production requirement files declare them (PEP 503 names): a project
#: that installs one talks to that server even when only SQLAlchemy imports the driver.
DRIVER_DISTRIBUTIONS = {
    "psycopg2": "PostgreSQL",
    "psycopg2-binary": "PostgreSQL",
    "psycopg": "PostgreSQL",
    "psycopg-binary": "PostgreSQL",
    "asyncpg": "PostgreSQL",
    "pg8000": "PostgreSQL",
    "pymysql": "MySQL",
    "mysqlclient": "MySQL",
    "mysql-connector-python": "MySQL",
    "aiomysql": "MySQL",
    "mariadb": "MariaDB",
}
#: SQLAlchemy's per-server packages: column types (``postgresql.JSONB``, ``mysql.MEDIUMBLOB``) or statements
#: (``postgresql.insert`` for an upsert) written for that server, so the project runs against it.
DIALECT_MODULES = {
    "sqlalchemy.dialects.postgresql": "PostgreSQL",
    "sqlalchemy.dialects.mysql": "MySQL",
}
#: ``create_engine`` keywords that keep pooled connections from going stale (or hold none between uses).
STALE_GUARDS = ("pool_pre_ping", "pool_recycle", "poolclass")
_SERVER_IMAGES = {"postgres": "PostgreSQL", "postgis": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}
#: SQLAlchemy's ``QueuePool`` defaults.
DEFAULT_POOL = 5
DEFAULT_OVERFLOW = 10
_SCHEME = on_first_use(r"^\s*([a-z][\w-]*)(?:\+[\w-]+)?://?", re.IGNORECASE)
_UPPER = on_first_use(r"^[A-Z][A-Z0-9_]*$")
#: ``os.environ.get``, ``os.getenv``, ``environ.get``, ``config.get``: a reader with a default as second argument.
_ENV_READERS = on_first_use(r"(?:^|\.)(?:getenv|environ\.get|env\.get|config\.get|settings\.get)$")
_WAIT_TIMEOUT = on_first_use(r"--wait[-_]timeout(?:=|\s+)(\d+)")


# ------------------------------------------------------------------ literals
def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value passed as ``name=`` to ``call``."""
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def constant(expr: ast.expr | None) -> object:
    """The value of a literal, else ``None``."""
    return expr.value if isinstance(expr, ast.Constant) else None


def dict_options(value: ast.Dict) -> dict[object, ast.expr]:
    """The entries of a dict literal whose keys are literals (``{"pool_size": 10}``)."""
    return {k.value: v for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant)}


def options_of(value: ast.expr | None) -> dict[object, ast.expr] | None:
    """The entries of an options mapping written out: ``{"pool_size": 10}`` or ``dict(pool_size=10)``.

    ``None`` when it is something else or spreads another mapping in (``{**base, ...}``, ``dict(**base)``):
    the options it holds cannot all be read.
    """
    if isinstance(value, ast.Dict):
        return None if None in value.keys else dict_options(value)
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "dict"
        and not value.args
        and all(kw.arg is not None for kw in value.keywords)
    ):
        return {kw.arg: kw.value for kw in value.keywords}
    return None


def project_value(
    project: Project, module: SourceModule, node: ast.expr, fn: FunctionInfo | None, depth: int = 0
) -> tuple[ast.expr, SourceModule] | None:
    """The value a name stands for when the project writes it once, with the module it is written in: a local
    (``opts = {...}``), a module constant (``ENGINE_OPTIONS = {...}``, imported or not) or a class attribute
    (``Config.ENGINE_OPTIONS``); a name assigned a name is followed.

    ``None`` when the name is assigned more than once, or nowhere the project shows (a parameter, a call).
    """
    if depth > 3:
        return None
    name = dotted(node)
    if not name:
        return None
    if fn is not None and "." not in name:
        local = assignments(project, fn).get(name, [])
        if len(local) == 1:
            return local[0], module
        if local:
            return None
    table = fn.imports if fn is not None else project.module_imports.get(module.name)
    qualified = (table.qualify(name) if table is not None else None) or f"{module.name}.{name}"
    owner, _, attr = qualified.rpartition(".")
    home: SourceModule | None = None
    body: list[ast.stmt] = []
    if owner in project.classes:
        body, home = project.classes[owner].node.body, project.classes[owner].module
    elif owner in project.modules:
        body, home = project.modules[owner].tree.body, project.modules[owner]
    values = [
        stmt.value
        for stmt in body
        if isinstance(stmt, (ast.Assign, ast.AnnAssign))
        and stmt.value is not None
        and any(
            isinstance(t, ast.Name) and t.id == attr
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
        )
    ]
    if len(values) != 1 or home is None:
        return None
    value = values[0]
    if isinstance(value, (ast.Name, ast.Attribute)):
        return project_value(project, home, value, None, depth + 1)
    return value, home


def mapping_options(
    project: Project, module: SourceModule, value: ast.expr | None, fn: FunctionInfo | None, depth: int = 0
) -> dict[object, ast.expr] | None:
    """The entries of an options mapping the project writes out, following names to their one value and
    ``{**base, "pool_size": 5}`` into ``base``; ``None`` when some entry cannot be read."""
    if value is None or depth > 3:
        return None
    if isinstance(value, (ast.Name, ast.Attribute)):
        found = project_value(project, module, value, fn)
        if found is None:
            return None
        inner, home = found
        return mapping_options(project, home, inner, fn if home is module else None, depth + 1)
    if isinstance(value, ast.Dict):
        entries: dict[object, ast.expr] = {}
        for key, item in zip(value.keys, value.values):
            if key is None:
                inner_options = mapping_options(project, module, item, fn, depth + 1)
                if inner_options is None:
                    return None
                entries.update(inner_options)
            elif isinstance(key, ast.Constant):
                entries[key.value] = item
            else:
                return None
        return entries
    return options_of(value)


def spread_options(call: ast.Call, ctx: Context) -> dict[object, ast.expr] | None:
    """The options ``create_engine(url, **OPTIONS)`` spreads in, when every ``**`` mapping is written out in
    the project (a dict literal, a module constant, a settings class attribute); ``None`` otherwise."""
    found: dict[object, ast.expr] = {}
    for kw in call.keywords:
        if kw.arg is not None:
            continue
        options = mapping_options(ctx.project, ctx.module, kw.value, ctx.function)
        if options is None:
            return None
        found.update(options)
    return found


def config_options(call: ast.Call, ctx: Context) -> tuple[ast.expr | None, dict[object, ast.expr]] | None:
    """``engine_from_config({"sqlalchemy.url": URL, "sqlalchemy.pool_recycle": 1800}, prefix="sqlalchemy.")``:
    the URL and the options the mapping gives the engine (its keys under the prefix, without it).

    ``None`` when the mapping or the prefix is not written out in the project (an ini file's settings).
    """
    config = call.args[0] if call.args else keyword(call, "configuration")
    prefix_expr = call.args[1] if len(call.args) > 1 else keyword(call, "prefix")
    prefix = "sqlalchemy." if prefix_expr is None else constant(prefix_expr)
    entries = mapping_options(ctx.project, ctx.module, config, ctx.function)
    if entries is None or not isinstance(prefix, str):
        return None
    options = {
        key[len(prefix) :]: value for key, value in entries.items() if isinstance(key, str) and key.startswith(prefix)
    }
    return options.pop("url", None), options


def guarded(options: dict[object, ast.expr]) -> bool:
    """Engine options that keep pooled connections from going stale: ``pool_pre_ping`` on, a ``pool_recycle``
    (anything but ``-1``, SQLAlchemy's "never"), or a pool that keeps no idle connection (``NullPool``)."""
    if truthy(options.get("pool_pre_ping")):
        return True
    recycle = options.get("pool_recycle")
    if recycle is not None:
        try:
            value = ast.literal_eval(recycle)
        except ValueError:
            value = 0  # a value the code computes counts as set
        if value is not None and value is not False and value != -1 and value != "-1":
            return True
    poolclass = options.get("poolclass")
    return poolclass is not None and (dotted(poolclass) or "").endswith(SAFE_POOLS)


@dataclass(frozen=True, eq=False)
class ExtensionOptions:
    """``SQLAlchemy(engine_options={...})``: options Flask-SQLAlchemy passes to every engine it creates."""

    options: dict[object, ast.expr]
    location: Location
    owner: str  # the extension object's name (``app.extensions.db``)


@project_fact
def extension_engine_options(project: Project) -> list[ExtensionOptions]:
    """The ``engine_options=`` literals of the project's Flask-SQLAlchemy objects, outside tests.

    Flask-SQLAlchemy 3.x starts every engine from them, lets
    ``SQLALCHEMY_ENGINE_OPTIONS`` replace them key by key, and gives ``echo``
    the value of ``SQLALCHEMY_ECHO`` only when neither names it.
    """
    found: list[ExtensionOptions] = []
    for obj in project.objects_of(SQLALCHEMY_TYPES):
        if is_test_path(obj.module.path):
            continue
        options = options_of(keyword(obj.call, "engine_options"))
        if options:
            found.append(ExtensionOptions(options, obj.location, obj.qualname))
    return found


def configured_engine_keys(project: Project) -> frozenset[object] | None:
    """The engine options production's ``SQLALCHEMY_ENGINE_OPTIONS`` sets (they win over ``engine_options=``);
    ``None`` when one of those settings cannot be read."""
    keys: set[object] = set()
    for setting in production_settings(project, "SQLALCHEMY_ENGINE_OPTIONS"):
        options = options_of(setting.value)
        if options is None:
            return None
        keys.update(options)
    return frozenset(keys)


def truthy(expr: ast.expr | None) -> bool:
    """Given and not a literal ``False``/``None``/``0``/``-1`` (a value we cannot read counts as set)."""
    return expr is not None and not (isinstance(expr, ast.Constant) and expr.value in (False, None, 0, -1))


def _assigns(stmt: ast.stmt, name: str) -> bool:
    """``stmt`` is ``name = ...`` (one of its targets is the bare name)."""
    return isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)


def production_settings(project: Project, key: str) -> list[ConfigSetting]:
    """The settings of ``key`` live in production, outside test files.

    Besides the settings the model collects, a production config class
    inherits the ones of its project bases even when their names do not say
    "config" (``class Common: ...; class ProductionConfig(Common): ...``).
    """
    found = [s for s in project.config_for(key) if project.is_production(s) and not is_test_path(s.location.path)]
    seen = {(s.location.path, s.location.line) for s in project.config_for(key)}
    for setting in inherited_base_settings(project):
        where = (setting.location.path, setting.location.line)
        if setting.key == key and where not in seen and not is_test_path(setting.location.path):
            seen.add(where)
            found.append(setting)
    return found


@project_fact
def inherited_base_settings(project: Project) -> list[ConfigSetting]:
    """Upper-case class attributes of project classes a production config class inherits without overriding.

    The model records config classes by name; a base named ``Common`` or
    ``Defaults`` holds settings production runs with all the same.
    """
    found: list[ConfigSetting] = []
    recorded = set(project.config_classes)
    for qualname, env in project.config_classes.items():
        if env != "production":
            continue
        overridden: set[str] = set()
        for base in project.lineage(qualname):
            cls = project.classes.get(base)
            if cls is None:
                continue
            names = [
                (t.id, stmt)
                for stmt in cls.node.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name) and _UPPER().match(t.id)
            ]
            if base not in recorded:
                for name, stmt in names:
                    if name not in overridden:
                        where = Location(cls.module.path, stmt.lineno, stmt.col_offset + 1)
                        found.append(ConfigSettingType(name, stmt.value, where, "base", cls.qualname))
            overridden.update(name for name, _stmt in names)
    return found


# ------------------------------------------------------------------ database dialects
def url_scheme(text: str) -> str | None:
    """``postgresql`` for ``postgresql+psycopg2://...``."""
    match = _SCHEME().match(text)
    return match.group(1).lower() if match else None


@dataclass(frozen=True, eq=False)
class Scope:
    """Where an expression outside the walk is read (a config setting's value): module level of ``module``."""

    project: Project
    module: SourceModule
    function: FunctionInfo | None = None


def url_dialect(expr: ast.expr | None, ctx: Context | Scope, depth: int = 0) -> str | None:
    """The URL scheme of a database URL expression when it is written in the code."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return url_scheme(expr.value)
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return url_scheme(str(expr.values[0].value))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return url_dialect(expr.left, ctx, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("create", "format"):
        if expr.func.attr == "create":
            # a driver name: ``URL.create("mysql+pymysql", ...)``, ``URL.create(drivername="postgresql", ...)``
            first = expr.args[0] if expr.args else keyword(expr, "drivername")
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return url_scheme(first.value + "://")
        if expr.func.attr == "format":
            return url_dialect(expr.func.value, ctx, depth + 1)
    if isinstance(expr, ast.Call) and len(expr.args) == 2 and _ENV_READERS().search(ast.unparse(expr.func)):
        # ``os.environ.get("DATABASE_URL", "postgresql://localhost/app")``: the documented default names the
        # server the deployment's value is for; a SQLite default for development says nothing of production
        default = url_dialect(expr.args[1], ctx, depth + 1)
        return default if default in SERVER_DIALECTS else None
    if isinstance(expr, (ast.Name, ast.Attribute)) and ctx.function is None and depth == 0:
        found = project_value(ctx.project, ctx.module, expr, None)
        if found is not None:
            return url_dialect(found[0], Scope(ctx.project, found[1]), depth + 1)
    if isinstance(expr, ast.Name):
        values: list[ast.expr] = []
        if ctx.function is not None:
            values = assignments(ctx.project, ctx.function).get(expr.id, [])
        if not values:
            for stmt in ctx.module.tree.body:
                if _assigns(stmt, expr.id):
                    values.append(stmt.value)
        found = {url_dialect(v, ctx, depth + 1) for v in values}
        found.discard(None)
        return found.pop() if len(found) == 1 else None
    return None


def _image_name(image: str | None) -> str:
    """``postgres`` for ``docker.io/library/postgres:16``."""
    return (image or "").rsplit("/", 1)[-1].split(":")[0]


#: A module whose text holds no ``postgresql+psycopg2://``-like URL holds no server database URL constant (a
#: cheap test before its tree is walked; ``://`` first, which most modules lack).
_SERVER_URL_TEXT = on_first_use(rf"(?i:{'|'.join(SERVER_DIALECTS)})[\w+.-]*://")


@project_fact
def server_db_hint(project: Project) -> tuple[str, Evidence] | None:
    """Does the project talk to PostgreSQL/MySQL?  (driver imports, then SQLAlchemy dialect imports such as
    ``from sqlalchemy.dialects.postgresql import JSONB``, URLs in code, deploy files, a driver among the production
    requirements)."""
    for modules, what in ((DRIVER_MODULES, "a {} driver"), (DIALECT_MODULES, "SQLAlchemy's {} dialect")):
        for module_name, records in sorted(project.imports.items()):
            module = project.modules.get(module_name)
            if module is None or is_test_path(module.path):
                continue
            for record in records:
                for name in (record.module, *(f"{record.module}.{n}" for n in record.names)):
                    dialect = modules.get(name)
                    if dialect:
                        where = Location(module.path, record.line, record.column)
                        return dialect, Evidence(f"`{name}` ({what.format(dialect)}) is imported", where)
    for module in project.modules.values():
        text = module.text
        if is_test_path(module.path) or "://" not in text or not _SERVER_URL_TEXT().search(text):
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
                scheme = url_scheme(node.value)
                if scheme in SERVER_DIALECTS and "://" in node.value:
                    dialect = SERVER_DIALECTS[scheme]
                    where = Location(module.path, node.lineno, node.col_offset + 1)
                    return dialect, Evidence(f"a {dialect} URL appears in the code", where)
    deploy = project.deploy
    if deploy is None:
        return None
    for setting in deploy.env:
        scheme = url_scheme(setting.value or "")
        if scheme in SERVER_DIALECTS:
            dialect = SERVER_DIALECTS[scheme]
            return dialect, Evidence(f"`{setting.name}` is a {dialect} URL", setting.source)
    for service in deploy.services:
        dialect = _SERVER_IMAGES.get(_image_name(service.image))
        if dialect:
            return dialect, Evidence(f"compose service `{service.name}` runs {dialect}", service.source)
    for requirement in deploy.requirements:
        dialect = DRIVER_DISTRIBUTIONS.get(requirement.name)
        if dialect and production_deploy_path(requirement.source.path):
            return dialect, Evidence(f"`{requirement.name}` (a {dialect} driver) is a dependency", requirement.source)
    return None


@project_fact
def job_extension_session(project: Project) -> tuple[FunctionInfo, Location] | None:
    """A background job (a Celery/RQ task, a scheduler's function) that uses the project's Flask-SQLAlchemy
    session (``db.session``): a worker process that keeps the extension's pool between jobs, idle for as long as
    no job comes."""
    owners = {obj.qualname for obj in project.objects_of(SQLALCHEMY_TYPES) if not is_test_path(obj.module.path)}
    if not owners:
        return None
    for fn in project.functions.values():
        if JOB not in fn.contexts or REQUEST in fn.contexts or is_test_path(fn.module.path):
            continue
        for node in ast.walk(fn.node):
            if not (isinstance(node, ast.Attribute) and node.attr == "session"):
                continue
            name = dotted(node.value)
            if not name:
                continue
            qualified = fn.imports.qualify(name) or (f"{fn.module.name}.{name}" if "." not in name else "")
            if qualified in owners:
                return fn, Location(fn.module.path, node.lineno, node.col_offset + 1)
    return None


@project_fact
def declared_wait_timeout(project: Project) -> tuple[int, Evidence] | None:
    """A MySQL/MariaDB ``wait_timeout`` declared in the deploy files (compose ``command: --wait_timeout=600``)."""
    deploy = project.deploy
    if deploy is None:
        return None
    for service in deploy.services:
        if _image_name(service.image) not in ("mysql", "mariadb", "percona"):
            continue
        command = service.command if isinstance(service.command, str) else " ".join(service.command or [])
        match = _WAIT_TIMEOUT().search(command or "")
        if match:
            seconds = match.group(1)
            proof = Evidence(f"compose service `{service.name}` sets wait_timeout={seconds}", service.source)
            return int(seconds), proof
    return None


# ------------------------------------------------------------------ engine lifetime
_DEV_SWITCH = on_first_use(r"debug|dev|local|test", re.IGNORECASE)


def under_dev_switch(ctx: Context) -> bool:
    """Inside an ``if`` that tests a debug/dev/local/test flag (``if app.debug:``, ``if LOCAL:``)."""
    return any(isinstance(a, ast.If) and _DEV_SWITCH().search(ast.unparse(a.test)) for a in ctx.ancestors)


def stored_globally(call: ast.Call, ctx: Context) -> bool:
    """The engine goes into a global, the app (``app.extensions``/``app.engine``) or a class attribute, or is
    bound to a module-level session factory (``Session.configure(bind=engine)``), which keeps it for the process."""
    assert ctx.function is not None
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    names = {dotted(t) for t in parent.targets} if isinstance(parent, ast.Assign) else set()
    declared = {n for node in ast.walk(ctx.function.node) if isinstance(node, ast.Global) for n in node.names}
    if names & declared:
        return True
    if any(n and n.split(".")[0] in ("app", "current_app", "cls") for n in names):
        return True
    return any(n and "." not in n and bound_to_module_session(n, ctx) for n in names)


def bound_to_module_session(name: str, ctx: Context) -> bool:
    """``Session.configure(bind=engine)`` in this function, where ``Session`` is assigned at module level: the
    session factory outlives the call, and so does the engine bound to it."""
    assert ctx.function is not None
    module_level = {
        target.id
        for stmt in ctx.module.tree.body
        if isinstance(stmt, ast.Assign)
        for target in stmt.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(ctx.function.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure"):
            continue
        bind, receiver = keyword(node, "bind"), node.func.value
        if isinstance(bind, ast.Name) and bind.id == name and isinstance(receiver, ast.Name):
            if receiver.id in module_level:
                return True
    return False


def engine_factory_kept(call: ast.Call, ctx: Context) -> Location | None:
    """``def make_engine(url): return create_engine(url, ...)`` called at import time or in the app factory.

    The engine the helper returns lives as long as the module global or the
    app that keeps it, like an engine built at module level.
    """
    assert ctx.function is not None
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if not isinstance(parent, ast.Return):
        return None
    fn = ctx.function
    for site in ctx.project.calls:
        if site.name.rsplit(".", 1)[-1] != fn.name:
            continue
        if site.name != fn.qualname and ctx.project.resolve_function(site.name, site.function, site.module) is not fn:
            continue
        if site.function is None or site.function.contexts & {"factory"}:
            return Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
    return None


def named_for_sqlite(ctx: Context) -> bool:
    """The engine is built in code named for SQLite (``backends/sqlite.py``, ``class SqliteBackend``,
    ``def sqlite_engine``): one backend among several, so what the rest of the project imports says nothing
    about the database this one opens."""
    fn = ctx.function
    names = [ctx.module.path, *(fn.qualname.split(".")[-2:] if fn is not None else [])]
    return any("sqlite" in name.lower() for name in names)


def kept_by_extension(call: ast.Call, ctx: Context) -> Location | None:
    """``self.engine = create_engine(...)`` in a class with an ``init_app(app)`` method: a Flask extension.

    The extension object is made once and registered on the app (``db.init_app(app)``), so the engine it
    keeps serves every request until the process exits. The ``init_app`` method's location, else ``None``.
    """
    fn = ctx.function
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if fn is None or fn.class_name is None or not isinstance(parent, ast.Assign):
        return None
    if not any(isinstance(t, ast.Attribute) and dotted(t.value) == "self" for t in parent.targets):
        return None
    init_app = ctx.project._method(fn.qualname.rsplit(".", 1)[0], "init_app")
    if init_app is None or len(init_app.node.args.args) < 2:
        return None
    return Location(init_app.module.path, init_app.node.lineno, init_app.node.col_offset + 1)


def kept_for_requests(call: ast.Call, ctx: Context) -> Location | None:
    """``self.engine = create_engine(...)`` in a method no request runs, of a class another method of which
    request handlers call: the object is made outside any request and serves them all, its pool included.

    The location of such a method, else ``None``; an engine built per request is another matter.
    """
    fn = ctx.function
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if fn is None or fn.class_name is None or not isinstance(parent, ast.Assign) or REQUEST in fn.contexts:
        return None
    if not any(isinstance(t, ast.Attribute) and dotted(t.value) == "self" for t in parent.targets):
        return None
    owner = fn.qualname.rsplit(".", 1)[0]
    for other in ctx.project.functions.values():
        if other is not fn and other.class_name is not None and REQUEST in other.contexts:
            if other.qualname.rsplit(".", 1)[0] == owner:
                return other.location
    return None


def forwarded_options(call: ast.Call, ctx: Context) -> str | None:
    """``create_engine(url, **kwargs)`` in ``def __init__(self, url, **kwargs)``: the options are the callers'.

    The same for a mapping parameter spread into the call (``def __init__(self, url, engine_args=None)`` then
    ``create_engine(url, **engine_args)``). The name of the forwarded parameter when every ``**`` of the call
    is one parameter of the function, the function does not reassign it, and no code of the project (tests
    aside) names a stale-connection guard (``pool_pre_ping``, ``pool_recycle``, ``poolclass``) that a caller
    could pass; ``None`` when any ``**`` is something else or a guard is named somewhere.
    """
    fn = ctx.function
    if fn is None:
        return None
    args = fn.node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
    if args.kwarg is not None:
        params.add(args.kwarg.arg)
    spread = [kw.value for kw in call.keywords if kw.arg is None]
    names = {v.id for v in spread if isinstance(v, ast.Name)}
    if not spread or len(names) != 1 or len(names) != len({id(v) for v in spread}) or not names <= params:
        return None  # nothing forwarded (a signal handler's unused ``**kwargs``), or options built elsewhere
    (name,) = names
    if name != (args.kwarg.arg if args.kwarg is not None else None):
        for node in ast.walk(fn.node):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return None  # ``engine_args = {**defaults, **engine_args}``: built here, not only forwarded
    return name if not _names_a_guard(ctx.project) else None


@project_fact
def names_a_guard(project: Project) -> bool:
    """Public name of :func:`_names_a_guard`."""
    return _names_a_guard(project)


def _names_a_guard(project: Project) -> bool:
    """A ``pool_pre_ping``/``pool_recycle``/``poolclass`` keyword or string anywhere in the project's code."""
    for module in project.modules.values():
        if is_test_path(module.path):
            continue
        if module.text.isascii() and not any(guard in module.text for guard in STALE_GUARDS):
            # a keyword or a string naming a guard is written out in ASCII text (only a non-ASCII identifier
            # can normalise to one); most modules name none, and walking each one cost ~15 % of a run
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.keyword) and node.arg in STALE_GUARDS:
                return True
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STALE_GUARDS:
                return True
    return False


def guarded_sibling(call: ast.Call, ctx: Context) -> bool:
    """Another ``create_engine`` in the same function sets the guard (this one is a dialect fallback)."""
    assert ctx.function is not None
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Call) and node is not call and ctx.qualified(node.func) in CREATE_ENGINE:
            if truthy(keyword(node, "pool_pre_ping")) or keyword(node, "pool_recycle") is not None:
                return True
    return False


def local_only(call: ast.Call, ctx: Context) -> bool:
    """``engine = create_engine(...)`` kept in a local variable that is neither returned nor stored."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    assert ctx.function is not None
    if bound_to_module_session(name, ctx):
        return False
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Global) and name in node.names:
            return False
        if (
            isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))
            and node.value is not None
            and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value))
        ):
            return False
        if (
            isinstance(node, ast.Assign)
            and any(not isinstance(t, ast.Name) for t in node.targets)
            and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value))
        ):
            return False  # self.engine = engine / app.extensions[...] = engine
    return True


def disposed_after_use(call: ast.Call, ctx: Context) -> bool:
    """The engine is ``dispose()``d by the code that made it: a per-run engine whose pool never sits idle.

    ``engine = create_engine(url)`` then ``engine.dispose()`` in the same
    function, or ``self.conn = engine`` and ``self.conn.dispose()`` in a
    method of the same class (an analyser that connects, looks up, disposes).
    """
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if ctx.function is None or not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
        return False
    holders = {ast.unparse(parent.targets[0])}
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in holders:
            holders |= {ast.unparse(t) for t in node.targets}
    scopes: list[ast.AST] = [ctx.function.node]
    if ctx.function.class_name is not None:
        owner = ctx.project.classes.get(ctx.function.qualname.rsplit(".", 1)[0])
        if owner is not None:
            scopes.append(owner.node)
    for scope in scopes:
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "dispose"
                and ast.unparse(node.func.value) in holders
            ):
                return True
    return False


# ------------------------------------------------------------------ long-lived connections without a pool
#: DB-API ``connect`` calls of server databases: each opens one connection, with the server it talks to.
DBAPI_CONNECT = {
    "pymysql.connect": "MySQL",
    "pymysql.Connect": "MySQL",
    "pymysql.connections.Connection": "MySQL",
    "MySQLdb.connect": "MySQL",
    "MySQLdb.Connect": "MySQL",
    "mysql.connector.connect": "MySQL",
    "mariadb.connect": "MariaDB",
    "psycopg2.connect": "PostgreSQL",
    "psycopg.connect": "PostgreSQL",
    "psycopg.Connection.connect": "PostgreSQL",
}
#: psycopg2's own pools: ``getconn()`` hands back whatever connection sits idle in the pool, never testing it.
DBAPI_POOLS = {
    "psycopg2.pool.SimpleConnectionPool": "PostgreSQL",
    "psycopg2.pool.ThreadedConnectionPool": "PostgreSQL",
    "psycopg2.pool.PersistentConnectionPool": "PostgreSQL",
}
#: peewee databases of a server: one connection per thread, opened on first use and kept until ``close()``.
#: (``playhouse.pool``'s pooled databases are not here: their pool checks a connection before reusing it.)
PEEWEE_DATABASES = {
    "peewee.MySQLDatabase": "MySQL",
    "peewee.PostgresqlDatabase": "PostgreSQL",
    "playhouse.postgres_ext.PostgresqlExtDatabase": "PostgreSQL",
    "playhouse.mysql_ext.MySQLConnectorDatabase": "MySQL",
    "playhouse.mysql_ext.MariaDBConnectorDatabase": "MariaDB",
    "playhouse.cockroachdb.CockroachDatabase": "PostgreSQL",
}
#: What a project does with a long-lived connection that keeps it usable: a liveness check or reconnect
#: (DB-API), a connection opened and closed around each request or block (peewee).
_DBAPI_CHECKS = frozenset({"ping", "reconnect", "is_connected", "closed", "open"})
_PEEWEE_CLOSES = frozenset({"close", "connection_context", "close_all", "manual_close"})
#: ``playhouse.flask_utils.FlaskDB`` opens the database before each request and closes it after.
_FLASK_DB = "playhouse.flask_utils.FlaskDB"


def global_holder(ctx: Context) -> str | None:
    """The module global a connection is kept in: ``conn = connect(...)`` at module level, or in a function
    that declares ``global conn`` (a connection opened lazily, once)."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if not isinstance(parent, (ast.Assign, ast.AnnAssign)):
        return None
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    if len(names) != 1:
        return None
    if ctx.function is None:
        return names[0] if not ctx.in_main else None
    return names[0] if names[0] in ctx.function.global_names else None


def _refers(fn: FunctionInfo, module_name: str, node: ast.expr, holder: str) -> bool:
    """``node`` in ``fn`` reads the module global ``holder`` of ``module_name``."""
    name = dotted(node)
    if not name:
        return False
    if fn.module.name == module_name and name.split(".", 1)[0] == holder:
        return True
    qualified = fn.imports.qualify(name)
    return bool(qualified) and (
        qualified == f"{module_name}.{holder}" or qualified.startswith(f"{module_name}.{holder}.")
    )


def request_use(project: Project, module: SourceModule, holder: str) -> Location | None:
    """Where code a request runs reads the module global ``holder`` of ``module`` (its own module's code by
    name, other modules' through an import), else ``None``."""
    for fn in project.functions.values():
        if REQUEST not in fn.contexts or is_test_path(fn.module.path):
            continue
        if fn.module.name == module.name and holder in fn.local_names and holder not in fn.global_names:
            continue
        for node in ast.walk(fn.node):
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                if _refers(fn, module.name, node, holder):
                    return Location(fn.module.path, getattr(node, "lineno", fn.node.lineno), node.col_offset + 1)
    return None


def module_cursors(module: SourceModule, holder: str) -> list[str]:
    """Module globals that hold a cursor of the kept connection ``holder``: ``cursor = conn.cursor()`` at module
    level (the cursor lives, and fails, with the connection it came from)."""
    names: list[str] = []
    for stmt in module.tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        value = stmt.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "cursor"
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id == holder
        ):
            names.append(stmt.targets[0].id)
    return names


@project_fact
def connection_upkeep(project: Project) -> dict[str, set[str]]:
    """The names (last segment) on which the project's code (tests aside) calls or reads each upkeep method:
    ``conn.ping(reconnect=True)`` -> ``{"ping": {"conn"}}``; ``with db:`` counts as ``connection_context``."""
    found: dict[str, set[str]] = {}
    for module in project.modules.values():
        if is_test_path(module.path):
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and node.attr in _DBAPI_CHECKS | _PEEWEE_CLOSES:
                owner = dotted(node.value)
                if owner:
                    found.setdefault(node.attr, set()).add(owner.rsplit(".", 1)[-1])
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    owner = dotted(item.context_expr)
                    if owner:
                        found.setdefault("connection_context", set()).add(owner.rsplit(".", 1)[-1])
    return found


def pool_connections_checked(project: Project) -> bool:
    """The project tests the connections it takes from a pool somewhere (``conn.closed``, ``conn.ping()``...):
    which pool they came from is not followed, so any such check counts."""
    upkeep = connection_upkeep(project)
    return any(upkeep.get(method) for method in _DBAPI_CHECKS)


def connection_kept_up(project: Project, module: SourceModule, holder: str, peewee: bool) -> bool:
    """The project checks or reconnects the connection ``holder`` of ``module`` (``ping``, ``closed``), or, for
    peewee, closes it around requests (``db.close()``, ``db.connection_context()``, ``with db:``, ``FlaskDB``).

    Read by the name's last segment (``self.db.close()``), and through imports under another name
    (``from models import db as database`` then ``database.close()``).
    """
    upkeep = connection_upkeep(project)
    methods = _PEEWEE_CLOSES | _DBAPI_CHECKS if peewee else _DBAPI_CHECKS
    if any(holder in upkeep.get(method, ()) for method in methods):
        return True
    qualified = {f"{module.name}.{holder}.{method}" for method in methods}
    if any(site.name in qualified for site in project.calls if not is_test_path(site.module.path)):
        return True
    return peewee and any(site.name == _FLASK_DB for site in project.calls)


# ------------------------------------------------------------------ pool size
@dataclass(frozen=True, eq=False)
class DeclaredPool:
    """A connection pool size written in the code: ``pool_size`` + ``max_overflow`` per process."""

    size: int
    overflow: int
    location: Location
    label: str  # where it is set: SQLALCHEMY_ENGINE_OPTIONS | SQLALCHEMY_POOL_SIZE | engine_options | create_engine


def _sizes(size: object, overflow: object) -> tuple[int, int]:
    """SQLAlchemy's defaults for the values not written as integers."""
    return (
        size if isinstance(size, int) else DEFAULT_POOL,
        overflow if isinstance(overflow, int) else DEFAULT_OVERFLOW,
    )


@project_fact
def declared_pools(project: Project) -> list[DeclaredPool]:
    """Pools sized in production settings or ``create_engine(...)`` keywords (not ``poolclass=`` or ``**options``)."""
    pools: list[DeclaredPool] = []
    for setting in production_settings(project, "SQLALCHEMY_ENGINE_OPTIONS"):
        opts = options_of(setting.value)
        if opts is None or "poolclass" in opts:
            continue
        size, overflow = constant(opts.get("pool_size")), constant(opts.get("max_overflow"))
        if isinstance(size, int) or isinstance(overflow, int):
            pools.append(DeclaredPool(*_sizes(size, overflow), setting.location, "SQLALCHEMY_ENGINE_OPTIONS"))
    configured = configured_engine_keys(project)
    for ext in extension_engine_options(project):
        # ``SQLAlchemy(engine_options={"pool_size": 2})``, unless production's SQLALCHEMY_ENGINE_OPTIONS resizes it
        opts = ext.options
        if configured is None or configured & {"pool_size", "max_overflow", "poolclass"} or "poolclass" in opts:
            continue
        size, overflow = constant(opts.get("pool_size")), constant(opts.get("max_overflow"))
        if isinstance(size, int) or isinstance(overflow, int):
            pools.append(DeclaredPool(*_sizes(size, overflow), ext.location, "engine_options"))
    sizes = {s.key: s for s in project.config_for("SQLALCHEMY_POOL_SIZE") if project.is_production(s)}
    if sizes:
        s = next(iter(sizes.values()))
        over = next((o for o in project.config_for("SQLALCHEMY_MAX_OVERFLOW") if project.is_production(o)), None)
        size = constant(s.value)
        if isinstance(size, int):
            overflow = constant(over.value) if over is not None else DEFAULT_OVERFLOW
            pools.append(DeclaredPool(*_sizes(int(size), overflow), s.location, "SQLALCHEMY_POOL_SIZE"))
    for site in calls_named(project, _CREATE_ENGINE_NAMES):  # listed under the last segment of their name
        if site.name not in CREATE_ENGINE or is_test_path(site.module.path):
            continue
        call = site.node
        if any(kw.arg is None for kw in call.keywords) or keyword(call, "poolclass") is not None:
            continue
        size, overflow = constant(keyword(call, "pool_size")), constant(keyword(call, "max_overflow"))
        if isinstance(size, int) or isinstance(overflow, int):
            where = Location(site.module.path, call.lineno, call.col_offset + 1)
            pools.append(DeclaredPool(*_sizes(size, overflow), where, "create_engine"))
    return pools


_POOL_KEYS = frozenset({"pool_size", "max_overflow", "poolclass"})


@project_fact
def default_pool(project: Project) -> DeclaredPool | None:
    """SQLAlchemy's own ``QueuePool`` (5 + 10 connections), when the project's engines to a database server
    size no pool anywhere and every engine option is readable (no ``**options``, no ``poolclass``).

    The location is the engine's: the Flask-SQLAlchemy object, else the ``create_engine(...)`` call.
    """
    if declared_pools(project):
        return None
    if project.config_for("SQLALCHEMY_POOL_SIZE") or project.config_for("SQLALCHEMY_MAX_OVERFLOW"):
        return None
    for setting in project.config_for("SQLALCHEMY_ENGINE_OPTIONS"):
        options = options_of(setting.value)
        if options is None or _POOL_KEYS & set(options):
            return None
    anchors: list[Location] = []
    for obj in project.objects_of(SQLALCHEMY_TYPES):
        if is_test_path(obj.module.path):
            continue
        value = keyword(obj.call, "engine_options")
        options = options_of(value) if value is not None else {}
        if options is None or _POOL_KEYS & set(options):
            return None
        anchors.append(obj.location)
    for site in calls_named(project, _CREATE_ENGINE_NAMES):  # listed under the last segment of their name
        if site.name not in CREATE_ENGINE or is_test_path(site.module.path):
            continue
        call = site.node
        if any(kw.arg is None or kw.arg in _POOL_KEYS for kw in call.keywords):
            return None
        url = call.args[0] if call.args else keyword(call, "url")
        if isinstance(url, ast.Constant) and isinstance(url.value, str) and url_scheme(url.value) == "sqlite":
            return None
        anchors.append(Location(site.module.path, call.lineno, call.col_offset + 1))
    if not anchors or server_db_hint(project) is None:
        return None
    return DeclaredPool(DEFAULT_POOL, DEFAULT_OVERFLOW, min(anchors, key=lambda at: (at.path, at.line)), "default")


@project_fact
def threads_per_worker(project: Project) -> tuple[int, Location] | None:
    """The most threads one worker process runs (gunicorn/uWSGI declarations), if more than one."""
    deploy = project.deploy
    best: tuple[int, Location] | None = None
    decls = deploy.declared_workers() if deploy is not None else []
    if not decls:
        # no deploy model: read ``threads = N`` from a gunicorn.conf.py among the sources
        for module in project.modules.values():
            if module.path.rsplit("/", 1)[-1] != "gunicorn.conf.py":
                continue
            for stmt in module.tree.body:
                if not _assigns(stmt, "threads"):
                    continue
                value = constant(stmt.value)
                if isinstance(value, int):
                    best = (int(value), Location(module.path, stmt.lineno, stmt.col_offset + 1))
        return best if best and best[0] > 1 else None
    for decl in decls:
        if decl.threads and decl.threads > 1 and (best is None or decl.threads > best[0]):
            best = (decl.threads, decl.source)
    return best


__all__ = [
    "CREATE_ENGINE",
    "DEFAULT_OVERFLOW",
    "DEFAULT_POOL",
    "DIALECT_MODULES",
    "DBAPI_CONNECT",
    "DBAPI_POOLS",
    "DRIVER_MODULES",
    "PEEWEE_DATABASES",
    "connection_kept_up",
    "global_holder",
    "request_use",
    "ENGINE_FROM_CONFIG",
    "SAFE_POOLS",
    "SERVER_DIALECTS",
    "STALE_GUARDS",
    "constant",
    "DeclaredPool",
    "declared_pools",
    "default_pool",
    "declared_wait_timeout",
    "dict_options",
    "ExtensionOptions",
    "extension_engine_options",
    "configured_engine_keys",
    "options_of",
    "engine_factory_kept",
    "forwarded_options",
    "guarded",
    "guarded_sibling",
    "Scope",
    "config_options",
    "inherited_base_settings",
    "keyword",
    "kept_by_extension",
    "disposed_after_use",
    "job_extension_session",
    "local_only",
    "module_cursors",
    "names_a_guard",
    "pool_connections_checked",
    "mapping_options",
    "project_value",
    "spread_options",
    "named_for_sqlite",
    "production_settings",
    "server_db_hint",
    "stored_globally",
    "threads_per_worker",
    "truthy",
    "under_dev_switch",
    "url_dialect",
    "url_scheme",
]
