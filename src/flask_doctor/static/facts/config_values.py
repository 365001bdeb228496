"""Facts about the value of a config setting: constants, environment reads and their defaults.

A setting's value is an expression the checker never runs.  What rules need
to know of it is simple and the same everywhere: is it a true or false
constant (``"1"``, ``"off"``, ``True``, ``0``), a hard-coded secret, a read
of an environment variable and, if so, the default production falls back
to when the variable is missing (``os.environ.get("K", "dev")``,
``os.getenv("K") or "dev"``), or a value generated when the process starts
(``os.urandom(24)``).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts.deploy_files import production_env, production_env_names
from flask_doctor.static.facts.scopes import enclosing_function, imports_at
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import ConfigSetting, FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: Calls that read an environment variable (``environ.get``/``.getenv`` of any owner count too).
ENV_GETTERS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config", "environ.get"})
#: Calls that return a new random value, by qualified name, with the label a message shows.
RANDOM_CALLS = {
    "os.urandom": "os.urandom",
    "secrets.token_hex": "secrets.token_hex",
    "secrets.token_bytes": "secrets.token_bytes",
    "secrets.token_urlsafe": "secrets.token_urlsafe",
    "secrets.randbits": "secrets.randbits",
    "secrets.choice": "secrets.choice",
    "uuid.uuid4": "uuid.uuid4",
    "uuid.uuid1": "uuid.uuid1",
    "random.random": "random.random",
    "random.choice": "random.choice",
    "random.choices": "random.choices",
    "random.randint": "random.randint",
    "random.getrandbits": "random.getrandbits",
    "random.randbytes": "random.randbytes",
    "random.sample": "random.sample",
    "random.randrange": "random.randrange",
    "random.SystemRandom": "random.SystemRandom",
    "secrets.SystemRandom": "secrets.SystemRandom",
    "secrets.randbelow": "secrets.randbelow",
    "Crypto.Random.get_random_bytes": "get_random_bytes",
    "Cryptodome.Random.get_random_bytes": "get_random_bytes",
    "cryptography.fernet.Fernet.generate_key": "Fernet.generate_key",
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": "rsa.generate_private_key",
    "cryptography.hazmat.primitives.asymmetric.ec.generate_private_key": "ec.generate_private_key",
    "Crypto.PublicKey.RSA.generate": "RSA.generate",
    "Cryptodome.PublicKey.RSA.generate": "RSA.generate",
}


def qualify(table: ImportTable, node: ast.AST) -> str:
    """The qualified name of a Name/Attribute through ``table``, else its dotted text ("" for others)."""
    name = dotted(node) or ""
    return table.qualify(name) or name


def short(node: ast.AST, limit: int = 60) -> str:
    """The source of ``node`` cut to ``limit`` characters, for a message."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Helpers named for reading one environment variable (``read_env``, ``get_env_var``, ``env``: a project's
#: own wrapper, a shared in-house package's, django-environ's/environs' ``env(...)``), when the first argument
#: is the variable's name: ``read_env("APP_SECRET_KEY", "dev")`` falls back to its second argument.
ENV_HELPER = on_first_use(r"_?(?:(?:read|get|load|fetch)_?)?env(?:iron(?:ment)?)?(?:_?var(?:iable)?)?", re.IGNORECASE)
#: The typed readers of environs' and django-environ's ``Env`` (``env.str("SECRET_KEY", default="dev")``,
#: ``env.bool("SESSION_COOKIE_SECURE", default=False)``): on an object named for the environment, they read
#: one variable like ``env(...)`` does, and fall back to ``default=``.
ENV_CASTS = frozenset({"str", "bool", "int", "float", "list", "json"})
#: How an environment variable is spelled (``APP_SECRET_KEY``).
ENV_VAR_NAME = on_first_use(r"[A-Z][A-Z0-9_]*")


def is_env_read(node: ast.AST, table: ImportTable) -> bool:
    """``os.environ.get("K")``, ``os.getenv("K")``, ``os.environ["K"]``, ``config("K")`` (python-decouple),
    a helper named for it called with the variable's name (``read_env("K", "dev")``, see :data:`ENV_HELPER`),
    and the typed readers of such an object (``env.str("K", default="dev")``, see :data:`ENV_CASTS`)."""
    if isinstance(node, ast.Call):
        name = qualify(table, node.func)
        if name in ENV_GETTERS or name.endswith(("environ.get", ".getenv")):
            return True
        first = node.args[0] if node.args else None
        head, _, last = name.rpartition(".")
        if (
            (
                ENV_HELPER().fullmatch(last)
                or (last in ENV_CASTS and bool(head) and ENV_HELPER().fullmatch(head.rsplit(".", 1)[-1]))
            )
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and ENV_VAR_NAME().fullmatch(first.value)
        ):
            return True
    if isinstance(node, ast.Subscript):
        name = qualify(table, node.value)
        return name.endswith("environ")
    return False


def env_default(node: ast.AST, table: ImportTable) -> ast.expr | None:
    """The default of ``os.environ.get("K", default)`` / ``os.getenv("K") or default``."""
    if isinstance(node, ast.Call) and is_env_read(node, table):
        if len(node.args) >= 2:
            return node.args[1]
        for kw in node.keywords:
            if kw.arg in ("default", "value"):
                return kw.value
        return None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
        if any(is_env_read(v, table) for v in node.values[:-1]):
            return node.values[-1]
    return None


def settings_default(node: ast.AST, table: ImportTable, key: str) -> ast.expr | None:
    """What a setting falls back to when the operator leaves it out.

    The default of an environment read (:func:`env_default`), of a lookup
    of the same key in a settings mapping the code was handed
    (``self.SECRET_KEY = settings.get("SECRET_KEY", "dev")``, a settings
    holder built from the operator's file; ``getattr(settings, "SECRET_KEY",
    "dev")``), or what follows ``or`` after such a lookup: the configured
    value when there is one, else the fallback (``app.secret_key =
    app.config.get("SECRET_KEY") or "dev"``, ``config["secret_key"] or
    "dev"``).
    """
    default = env_default(node, table)
    if default is not None:
        return default
    if _same_key_lookup(node, key, with_default=True):
        assert isinstance(node, ast.Call)
        fallback = node.args[-1]
        if isinstance(fallback, ast.Constant) and str(fallback.value).upper() == key.upper():
            # ``config.get("secret_key", "SECRET_KEY")``: a project getter's second argument names the
            # environment variable to read, it is no value anyone signs with
            return None
        return fallback
    if (
        isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and len(node.values) >= 2
        and any(_same_key_lookup(part, key) for part in node.values[:-1])
    ):
        return node.values[-1]
    return None


def _same_key_lookup(node: ast.AST, key: str, *, with_default: bool = False) -> bool:
    """``settings.get("KEY")``, ``settings["KEY"]``, ``getattr(settings, "KEY")`` or ``settings.KEY``: a
    read of the setting's own key (any case) from a mapping or holder; with ``with_default`` only the
    ``.get``/``getattr`` forms that pass a default as their last argument."""

    def named(text: ast.AST) -> bool:
        return isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value.upper() == key.upper()

    if isinstance(node, ast.Call) and not node.keywords:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if isinstance(node.func.value, ast.Dict) or not node.args or not named(node.args[0]):
                return False
            return len(node.args) == (2 if with_default else 1)
        if isinstance(node.func, ast.Name) and node.func.id == "getattr":
            return len(node.args) == (3 if with_default else 2) and named(node.args[1])
        return False
    if with_default:
        return False
    if isinstance(node, ast.Subscript):
        return named(node.slice)
    return isinstance(node, ast.Attribute) and node.attr.upper() == key.upper()


def env_variables(node: ast.AST, table: ImportTable) -> list[str]:
    """The names of the environment variables read anywhere in ``node`` (spelled as literals)."""
    names: list[str] = []
    for inner in ast.walk(node):
        if not is_env_read(inner, table):
            continue
        if isinstance(inner, ast.Subscript):
            first: ast.AST | None = inner.slice
        else:
            assert isinstance(inner, ast.Call)
            first = inner.args[0] if inner.args else next((k.value for k in inner.keywords if k.arg == "key"), None)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.append(first.value)
    return names


def supplied_by_deploy(project: Project, node: ast.AST, table: ImportTable) -> bool:
    """An environment read in ``node`` whose variable the production deploy files hand the app, so its
    default is not what production runs with."""
    supplied = production_env_names(project)
    return any(name in supplied for name in env_variables(node, table))


def production_value(project: Project, value: ast.expr, path: str, line: int) -> ast.expr:
    """What a setting is in production, for ``value`` an environment read with a default
    (``os.environ.get("CACHE_TYPE", "SimpleCache")``): the literal the production deploy files set the
    variable to (compose ``CACHE_TYPE: RedisCache``), else the default when no production deploy file
    supplies the variable; ``value`` itself otherwise."""
    table = imports_at(project, path, line)
    default = env_default(value, table)
    if default is None:
        return value
    names = env_variables(value, table)
    given = {item.value for item in production_env(project) if item.name in names and item.value is not None}
    if len(given) == 1:
        text = next(iter(given))
        if "$" not in text:  # ``${CACHE_TYPE}``: the operator's value, unknown here
            return ast.copy_location(ast.Constant(text), value)
    if supplied_by_deploy(project, value, table):
        return value
    return default


def missing(node: ast.AST, table: ImportTable) -> str:
    """When a :func:`settings_default` applies, for a message."""
    for wrapper in ("bool", "int", "strtobool"):
        if (
            isinstance(node, ast.Call)
            and (dotted(node.func) or "").rsplit(".", 1)[-1] == wrapper
            and len(node.args) == 1
        ):
            node = node.args[0]
    env = env_default(node, table) is not None or (
        isinstance(node, ast.Compare) and _env_text_default(node.left, table) is not None
    )
    return "the environment variable is missing" if env else "the settings leave it out"


def truthy_constant(node: ast.AST | None) -> bool:
    """``True``, ``1``, ``"1"``, ``"true"``, ``"yes"``, ``"on"`` (how Flask and shells spell "on")."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)
    return False


def false_constant(node: ast.AST | None) -> bool:
    """``False``, ``0``, ``"0"``, ``"false"``, ``"no"``, ``"off"``."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("0", "false", "no", "off")
        return value is False or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    return False


_CASE_CALLS = {"lower": str.lower, "upper": str.upper, "strip": str.strip, "casefold": str.casefold}


def _env_text_default(node: ast.AST, table: ImportTable) -> tuple[str | None, bool] | None:
    """The text an environment read (optionally ``.lower()``-ed) gives when the variable is missing, and whether
    the read is certain to give text then; ``None`` when ``node`` is not such a read."""
    steps: list[str] = []
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _CASE_CALLS
        and not node.args
        and not is_env_read(node, table)
    ):
        steps.append(node.func.attr)
        node = node.func.value
    if not is_env_read(node, table) or isinstance(node, ast.Subscript):
        return None
    default = env_default(node, table)
    if default is None:
        return (None, not steps)  # ``None`` when missing; a ``.lower()`` on it fails at start-up instead
    if not (isinstance(default, ast.Constant) and isinstance(default.value, str)):
        return None
    text = default.value
    for step in reversed(steps):
        text = _CASE_CALLS[step](text)
    return (text, True)


def flag_when_unset(node: ast.AST | None, table: ImportTable) -> bool | None:
    """The boolean a flag built from an environment variable has when the variable is missing.

    ``os.environ.get("K", "false") == "true"`` and ``os.getenv("K", "0").lower() in ("1", "true")`` are
    false, ``os.getenv("K", "on") != "off"`` true; ``os.environ.get("K", False)`` is its default's truth, and so
    are ``bool(int(os.getenv("K", "0")))`` and ``strtobool(os.getenv("K", "false"))``.
    ``None`` when that cannot be told (no such read, a default that is not a constant).
    """
    if node is None:
        return None
    if isinstance(node, ast.Call) and dotted(node.func) == "bool" and len(node.args) == 1 and not node.keywords:
        node = node.args[0]  # ``bool(os.environ.get("K", True))``: the default's truth when the variable is missing
    numeric = False
    if (
        isinstance(node, ast.Call)
        and (dotted(node.func) or "").rsplit(".", 1)[-1] in ("int", "strtobool")
        and len(node.args) == 1
        and not node.keywords
    ):
        numeric = dotted(node.func) == "int"
        node = node.args[0]  # ``bool(int(os.getenv("K", "0")))``, ``strtobool(os.getenv("K", "false"))``
    default = env_default(node, table)
    if (
        numeric
        and default is not None
        and not (isinstance(default, ast.Constant) and str(default.value).strip() in ("0", "1"))
    ):
        return None  # ``int("off")`` fails at start-up: not a value production runs with
    if default is not None:
        if truthy_constant(default):
            return True
        return False if false_constant(default) else None
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    found = _env_text_default(node.left, table)
    if found is None or not found[1]:
        return None
    text, op, right = found[0], node.ops[0], node.comparators[0]
    if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant):
        same = text == right.value
        return same if isinstance(op, ast.Eq) else not same
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        values = [e.value for e in right.elts if isinstance(e, ast.Constant)]
        if len(values) != len(right.elts):
            return None
        inside = text in values
        return inside if isinstance(op, ast.In) else not inside
    return None


def switched_on(node: ast.AST | None, table: ImportTable) -> str | None:
    """Whether a switch is on where it is deployed: ``""`` for a literal ``True`` (or SQLAlchemy's ``"debug"``),
    ``"on when the environment variable is missing"`` for an environment read that is on when the variable is missing
    (``os.getenv("SQL_ECHO", "true") == "true"``); ``None`` when it is off or cannot be told."""
    if isinstance(node, ast.Constant) and (node.value is True or node.value == "debug"):
        return ""
    if flag_when_unset(node, table) is True:
        return "on when the environment variable is missing"
    return None


def literal_secret(node: ast.AST | None) -> str | None:
    """The text of a hard-coded, non-empty secret literal (``"dev"``, ``b"..."``, f-string of constants)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return text if text.strip() else None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return text if text.strip() else None
    return None


@dataclass(frozen=True, eq=False)
class TracedSecret:
    """A secret literal written away from the setting that uses it (a module constant, a holder's attribute)."""

    text: str
    location: Location  # where the literal is written
    fallback: bool  # reached only as a default: used when the environment or the settings leave the key out


#: How many names a setting's value is followed through to reach its literal.
_TRACE_DEPTH = 5


def traced_secret(project: Project, setting: ConfigSetting) -> TracedSecret | None:
    """The literal a setting gets through names: ``SECRET_KEY = KEY`` with ``KEY = "dev"`` in another module,
    ``app.config["SECRET_KEY"] = cfg.secret_key`` whose holder falls back to a module constant.

    Followed: names bound earlier in the same function or module, constants
    imported from the project's modules (``from .config import KEY``,
    ``config.KEY``), attributes of a module-level instance of a project
    class (``self.secret_key = ...`` in its methods), and the defaults of
    environment reads and settings lookups along the way. ``None`` when the
    value is written in place (the caller reads it directly) or leads to no
    literal.
    """
    module = project.by_path.get(setting.location.path)
    if module is None:
        return None
    table = imports_at(project, setting.location.path, setting.location.line)
    value: ast.expr = setting.value
    if isinstance(value, ast.Name):
        local = _local_value(project, setting, value.id)
        if local is not None:
            return _trace(project, local, module, table, setting.key, False, 1)
    preset = _environment_preset(project, value, table)
    if preset is not None:
        return preset
    return _trace(project, value, module, table, setting.key, False, 0)


#: A key no settings lookup is spelled with: a signing call's key is followed through names and environment
#: reads only (``app.config.get("SECRET_KEY", "dev")`` never returns its default, Flask's config has the key).
_NO_SETTING = "\0"


def trace_to_literal(
    project: Project, expr: ast.expr, module: SourceModule, table: ImportTable | None
) -> TracedSecret | None:
    """The literal ``expr`` (a name or an environment read, not a literal itself) leads to: a module constant
    of the same or another project module (``JWT_SECRET = "..."``, ``from .config import JWT_SECRET``), or the
    default of an environment read on the way (``os.getenv("JWT_SECRET", "dev")``, a fallback)."""
    return _trace(project, expr, module, table or ImportTable(), _NO_SETTING, False, 0)


def _environment_preset(project: Project, value: ast.expr, table: ImportTable) -> TracedSecret | None:
    """The literal an application module writes into the environment before the setting reads it without a
    default: ``os.environ.setdefault("SECRET_KEY", "dev")`` and later ``os.environ["SECRET_KEY"]``. Production
    runs with it whenever the deployment does not set the variable, as with a read's own default."""
    from flask_doctor.static.facts.roles import FileRole, role_of
    from flask_doctor.static.facts.sites import calls_named

    variable: str | None = None
    if isinstance(value, ast.Subscript) and is_env_read(value, table):
        key = value.slice
        variable = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    elif isinstance(value, ast.Call) and is_env_read(value, table) and env_default(value, table) is None:
        first = value.args[0] if value.args else None
        variable = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if variable is None:
        return None
    for site in calls_named(project, ("setdefault",)):
        call = site.node
        if not (
            isinstance(call.func, ast.Attribute)
            and (dotted(call.func.value) or "").endswith("environ")
            and len(call.args) == 2
            and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == variable
        ):
            continue
        if site.in_main or role_of(project, site.module) is not FileRole.APPLICATION:
            continue  # a test, a script or a development entry point presets it for itself
        text = literal_secret(call.args[1])
        if text is not None:
            return TracedSecret(
                text, Location(site.module.path, call.args[1].lineno, call.args[1].col_offset + 1), True
            )
    return None


def _trace(
    project: Project, expr: ast.expr, module: SourceModule, table: ImportTable, key: str, fallback: bool, depth: int
) -> TracedSecret | None:
    """Follow ``expr`` to a literal (see :func:`traced_secret`); ``depth`` 0 is the setting's own value."""
    if depth > _TRACE_DEPTH:
        return None
    text = literal_secret(expr)
    if text is not None:
        return TracedSecret(text, Location(module.path, expr.lineno, expr.col_offset + 1), fallback) if depth else None
    default = settings_default(expr, table, key)
    if default is not None:
        return _trace(project, default, module, table, key, True, depth + 1)
    if isinstance(expr, ast.Name):
        found = _imported_constant(project, f"{module.name}.{expr.id}") or _imported_constant(
            project, table.qualify(expr.id) or ""
        )
    elif isinstance(expr, ast.Attribute):
        field = _settings_field_default(project, expr, module, table)
        if field is not None:  # the environment replaces it when set: a default
            return _trace(project, field[0], field[1], field[2], key, True, depth + 1)
        found = _imported_constant(project, qualify(table, expr)) or _holder_attribute(project, expr, module, table)
    else:
        return None
    if found is None:
        return None
    value, where, where_table = found
    return _trace(project, value, where, where_table, key, fallback, depth + 1)


def _imported_constant(project: Project, qualified: str) -> tuple[ast.expr, SourceModule, ImportTable] | None:
    """``pkg.config.KEY`` -> the value of ``KEY = ...`` at the top of the project module ``pkg.config``,
    when it is assigned there once (a constant, not a variable)."""
    owner, _, name = qualified.rpartition(".")
    module = project.modules.get(owner)
    if module is None or not name:
        return None
    values = [
        stmt.value
        for stmt in module.tree.body
        if isinstance(stmt, ast.Assign)
        for target in stmt.targets
        if isinstance(target, ast.Name) and target.id == name
    ]
    if len(values) != 1:
        return None
    return values[0], module, project.module_imports.get(module.name) or ImportTable()


def _instance_class(project: Project, expr: ast.Attribute, module: SourceModule, table: ImportTable) -> str | None:
    """The project class of the module-level object ``expr`` reads an attribute of (``cfg`` of
    ``cfg.secret_key`` where ``cfg = SiteConfig()``), or ``None``."""
    owner = dotted(expr.value)
    if not owner:
        return None
    obj = project.objects.get(table.qualify(owner) or "") or project.objects.get(f"{module.name}.{owner}")
    if obj is None or obj.type not in project.classes:
        return None
    return obj.type


def _holder_attribute(
    project: Project, expr: ast.Attribute, module: SourceModule, table: ImportTable
) -> tuple[ast.expr, SourceModule, ImportTable] | None:
    """``cfg.secret_key`` where ``cfg = SiteConfig()`` at module level -> what ``SiteConfig`` sets on ``self``."""
    class_name = _instance_class(project, expr, module, table)
    if class_name is None:
        return None
    prefix = class_name + "."
    values = [
        (node.value, fn)
        for fn in project.functions.values()
        if fn.qualname.startswith(prefix) and fn.qualname.count(".") == prefix.count(".")
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute)
        and target.attr == expr.attr
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ]
    if len(values) != 1:
        return None  # set in several places: which one production sees is not visible
    value, fn = values[0]
    return value, fn.module, fn.imports


#: Classes whose fields pydantic fills from the environment, falling back to the default written in the class.
_ENV_SETTINGS_BASES = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"})


def _settings_field_default(
    project: Project, expr: ast.Attribute, module: SourceModule, table: ImportTable
) -> tuple[ast.expr, SourceModule, ImportTable] | None:
    """``settings.secret_key`` where ``settings = Settings()`` at module level and ``Settings`` is a pydantic
    ``BaseSettings`` whose field has a default (``secret_key: str = "dev"``, ``Field(default="dev")``): the
    value production gets when the environment does not set the variable."""
    class_name = _instance_class(project, expr, module, table)
    if class_name is None:
        return None
    chain: list[str] = []
    todo = [class_name]
    while todo and len(chain) < 8:
        name = todo.pop(0)
        if name in chain:
            continue
        chain.append(name)
        cls = project.classes.get(name)
        if cls is not None:
            todo.extend(cls.bases)
    if not any(name in _ENV_SETTINGS_BASES for name in chain):
        return None
    for name in chain:
        cls = project.classes.get(name)
        if cls is None:
            continue
        for stmt in cls.node.body:
            target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
            if not (isinstance(target, ast.Name) and target.id == expr.attr) or stmt.value is None:
                continue
            value = stmt.value
            if isinstance(value, ast.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] == "Field":
                value = next(
                    (k.value for k in value.keywords if k.arg == "default"), value.args[0] if value.args else None
                )
                if value is None:
                    return None
            return value, cls.module, project.module_imports.get(cls.module.name) or ImportTable()
    return None


def _local_value(project: Project, setting: ConfigSetting, name: str) -> ast.expr | None:
    """``key = os.urandom(24)`` earlier in the same function/module, for ``SECRET_KEY = key``."""
    path, line = setting.location.path, setting.location.line
    fn = enclosing_function(project, path, line)
    body: list[ast.AST]
    if fn is not None:
        body = list(ast.walk(fn.node))
    else:
        module = project.by_path.get(path)
        if module is None:
            return None
        body = [  # module level, with the branches around it (``if not os.environ.get(...): key = ...``)
            node
            for stmt in module.tree.body
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            for node in ast.walk(stmt)
        ]
    found: ast.expr | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and stmt.lineno < line:
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found = stmt.value
    return found


def random_call(project: Project, setting: ConfigSetting) -> tuple[ast.Call, str, bool] | None:
    """``(call, label, is_fallback)`` when the value is generated at start-up.

    ``is_fallback``: the random value is only the default of an environment
    read (``os.environ.get("K") or secrets.token_hex()``), or is assigned in
    a branch that runs when the key is missing (``if "SECRET_KEY" not in
    app.config: app.config["SECRET_KEY"] = secrets.token_hex()``). ``None``
    for such a fallback when the production deploy files hand the app the
    variable it reads (compose ``SECRET_KEY: ${SECRET_KEY}``). A call to
    a project helper that returns a random value (``_random_password(24)``
    built from ``secrets.choice``) counts as random.
    """
    table = imports_at(project, setting.location.path, setting.location.line)
    value: ast.expr = setting.value
    if isinstance(value, ast.Name):
        local = _local_value(project, setting, value.id)
        if local is not None:
            value = local
    elif (  # ``key.private_bytes(...).decode()`` of ``key = rsa.generate_private_key(...)`` made just before
        isinstance(value, ast.Call)
        and isinstance(receiver := _innermost_receiver(value), ast.Name)
        and (local := _local_value(project, setting, receiver.id)) is not None
        and isinstance(local, ast.Call)
        and qualify(table, local.func) in RANDOM_CALLS
    ):
        value = local
    fallback_part = env_default(value, table) or _same_key_fallback(value, setting.key)
    missing_branch = _assigned_when_missing(project, setting)
    fn = enclosing_function(project, setting.location.path, setting.location.line)
    module = project.by_path.get(setting.location.path)
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        name = qualify(table, node.func)
        label = RANDOM_CALLS.get(name)
        how = ""
        if label is None and module is not None:
            helper = _random_helper(project, node, fn, module)
            if helper is not None:
                label, how = helper
                label += " (the helper warns when it generates one)" if how == "warns" else ""
        if label is None:
            continue
        env_fallback = fallback_part is not None and any(n is node for n in ast.walk(fallback_part))
        if env_fallback and supplied_by_deploy(project, value, table):
            return None  # production deploy files hand the app the variable: the fallback never runs there
        return node, label, missing_branch or bool(how) or env_fallback
    return None


def _innermost_receiver(call: ast.Call) -> ast.expr:
    """``key`` of ``key.private_bytes(...).decode()``: the object a chain of method calls starts from."""
    node: ast.expr = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return node


def _same_key_fallback(value: ast.expr, key: str) -> ast.expr | None:
    """The ``default`` of ``config["SECRET_KEY"] or default`` / ``config.get("SECRET_KEY") or default``: the
    setting's own configured value comes first."""
    if not (isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) >= 2):
        return None
    for part in value.values[:-1]:
        for node in ast.walk(part):
            if isinstance(node, ast.Constant) and node.value == key:
                return value.values[-1]
    return None


def _random_helper(
    project: Project, call: ast.Call, fn: FunctionInfo | None, module: SourceModule
) -> tuple[str, str] | None:
    """``(label, how)`` for ``helper(24)`` where the project's ``helper`` returns a random value.

    ``how`` is ``""`` when the helper always generates, ``"fallback"`` when it
    generates only when its own lookup comes back empty (``if secret_key ==
    "": secret_key = urandom(...)``), ``"warns"`` when that branch also logs a
    warning. Helpers that write the value to a file or commit it to the
    database store it once: not random per start.
    """
    name = dotted(call.func)
    callee = project.resolve_function(name, fn, module) if name else None
    if callee is None:
        return None
    source = "\n".join(callee.module.lines[callee.node.lineno - 1 : callee.node.end_lineno or callee.node.lineno])
    if any(word in source for word in (".write(", "write_text", "write_bytes", ".commit(", ".save(")):
        return None  # generated once and stored (a file, a database row): the next start reads it back
    branches = [stmt for stmt in ast.walk(callee.node) if isinstance(stmt, ast.If)]
    for node in ast.walk(callee.node):
        if isinstance(node, ast.Call):
            inner = RANDOM_CALLS.get(qualify(callee.imports, node.func))
            if inner is None:
                continue
            branch = next((b for b in branches if any(n is node for body in b.body for n in ast.walk(body))), None)
            if branch is None:
                return f"{callee.name}() ({inner})", ""
            warns = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("warning", "warn")
                for body in branch.body
                for n in ast.walk(body)
            )
            return f"{callee.name}() ({inner})", "warns" if warns else "fallback"
    return None


def _assigned_when_missing(project: Project, setting: ConfigSetting) -> bool:
    """The assignment sits in ``if KEY not in config`` / ``if not config[KEY]``: it only fills a gap."""
    module = project.by_path.get(setting.location.path)
    if module is None:
        return False
    line = setting.location.line
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.If) or not node.body:
            continue
        if not (node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.body[-1].lineno)):
            continue
        test = ast.unparse(node.test)
        # ``if not app.config.get("SECRET_KEY")``, and ``if not app.secret_key`` for an attribute setting
        named = setting.key in test or (setting.owner == "app" and f".{setting.key.lower()}" in test)
        if named and (" not in " in test or "not " in test or "is None" in test):
            return True
    return False


def persisted_by_module(project: Project, setting: ConfigSetting) -> bool:
    """A config module that writes its generated defaults to a file on first run (a config template).

    The module both writes files and hands its own globals (``globals()``)
    or the key's name to that writer: the value is generated once, stored,
    and read back from the file by every later process. So does a module
    that reads a key file and, only when it is empty, writes the value it
    generated into it (``key = secret.read()``, ``key = os.urandom(64)``,
    ``secret.write(key)``, ``SECRET_KEY = key``).
    """
    module = project.by_path.get(setting.location.path)
    if module is None or setting.owner in ("app", "app.config"):
        return False
    text = module.text
    writes = ".write(" in text and ("open(" in text or "write_text" in text)
    if writes and ("globals()" in text or text.count(setting.key) > 1 and "{" + setting.key + "}" in text):
        return True
    value = setting.value
    if not (isinstance(value, ast.Name) and ".read" in text and (writes or ".write_" in text)):
        return False
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("write", "write_text", "write_bytes")
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == value.id
        for node in ast.walk(module.tree)
    )


__all__ = [
    "ENV_GETTERS",
    "RANDOM_CALLS",
    "TracedSecret",
    "env_default",
    "env_variables",
    "false_constant",
    "flag_when_unset",
    "is_env_read",
    "literal_secret",
    "missing",
    "persisted_by_module",
    "production_value",
    "qualify",
    "random_call",
    "settings_default",
    "short",
    "supplied_by_deploy",
    "switched_on",
    "traced_secret",
    "truthy_constant",
]
