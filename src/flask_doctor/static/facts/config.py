"""Facts shared by the secrets rules (moved from the family module).

FD301-FD305, FD309, FD310 — secrets, cookies, debug and CSRF configuration.

These rules read the configuration the project model collected
(``project.config``: config classes, config modules, ``app.config[...]``,
``app.config.update(...)``) plus two attributes the model does not record,
``app.secret_key = ...`` and ``app.debug = ...``.  A setting is judged only
where it would be live in production (``project.is_production``); settings
in development or testing configuration, in ``if __name__ == "__main__":``
blocks, in CLI-only code and in tests are left alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from flask_doctor.findings import Location, Severity
from flask_doctor.static.model import (
    CLI,
    FLASK_TYPES,
    MAIN,
    TEST,
    ConfigSetting,
    FunctionInfo,
    Project,
    _env_of_test,
    classify_env,
)
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.source import SourceModule

# ---------------------------------------------------------------- helpers
SECRET_KEYS = ("SECRET_KEY", "JWT_SECRET_KEY", "WTF_CSRF_SECRET_KEY", "SECURITY_PASSWORD_SALT")
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
    "Crypto.Random.get_random_bytes": "get_random_bytes",
    "Cryptodome.Random.get_random_bytes": "get_random_bytes",
}
ENV_GETTERS = {"os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config", "environ.get"}
LOADS_OVERRIDES = ("from_pyfile", "from_envvar", "from_prefixed_env", "from_file")
DEV_CONTEXTS = {MAIN, CLI, TEST}


def lower(severity: Severity) -> Severity:
    return Severity(max(Severity.NOTE, severity - 1))


def is_test_path(path: str) -> bool:
    full = f"/{path}"
    last = path.rsplit("/", 1)[-1]
    return (
        "/tests/" in full or "/test/" in full or "/testing/" in full
        or last.startswith("test_") or last.endswith("_test.py") or last == "conftest.py"
    )


def _function_index(project: Project) -> dict[str, list[FunctionInfo]]:
    cached = getattr(project, "_fd_sec_functions", None)
    if cached is None:
        cached = {}
        for fn in project.functions.values():
            cached.setdefault(fn.module.path, []).append(fn)
        project._fd_sec_functions = cached  # type: ignore[attr-defined]
    return cached


def enclosing_function(project: Project, path: str, line: int) -> FunctionInfo | None:
    """The innermost project function whose body holds ``path:line``."""
    best: FunctionInfo | None = None
    for fn in _function_index(project).get(path, ()):
        end = getattr(fn.node, "end_lineno", fn.node.lineno) or fn.node.lineno
        if fn.node.lineno <= line <= end and (best is None or fn.node.lineno >= best.node.lineno):
            best = fn
    return best


def main_guard_ranges(project: Project, path: str) -> list[tuple[int, int]]:
    cache = getattr(project, "_fd_sec_main", None)
    if cache is None:
        cache = {}
        project._fd_sec_main = cache  # type: ignore[attr-defined]
    if path not in cache:
        ranges: list[tuple[int, int]] = []
        module = project.by_path.get(path)
        if module is not None:
            for stmt in module.tree.body:
                if isinstance(stmt, ast.If):
                    text = ast.unparse(stmt.test)
                    if "__name__" in text and "__main__" in text:
                        ranges.append((stmt.lineno, stmt.end_lineno or stmt.lineno))
        cache[path] = ranges
    return cache[path]


def imports_at(project: Project, path: str, line: int) -> ImportTable:
    fn = enclosing_function(project, path, line)
    if fn is not None:
        return fn.imports
    module = project.by_path.get(path)
    if module is not None:
        return project.module_imports.get(module.name) or ImportTable()
    return ImportTable()


def qualify(table: ImportTable, node: ast.AST) -> str:
    name = dotted(node) or ""
    return table.qualify(name) or name


def dev_only(project: Project, setting: ConfigSetting) -> bool:
    """Settings that never run in production: tests, main blocks, CLI-only code."""
    path, line = setting.location.path, setting.location.line
    if is_test_path(path):
        return True
    if any(start <= line <= end for start, end in main_guard_ranges(project, path)):
        return True
    fn = enclosing_function(project, path, line)
    if fn is not None:
        if TEST in fn.roles or (fn.contexts and fn.contexts <= DEV_CONTEXTS):
            return True
    return False


def live_in_production(project: Project, setting: ConfigSetting) -> bool:
    if dev_only(project, setting):
        return False
    if project.is_production(setting):
        return True
    if setting.owner in ("app", "app.config") and setting.env == "base":
        # A production config class sets the key too, but it only wins if it is
        # loaded *after* this assignment: ``app.debug = True`` after
        # ``from_object(ProductionConfig)`` is still live.
        path, line = setting.location.path, setting.location.line
        fn = enclosing_function(project, path, line)
        return not any(
            site.module.path == path and site.function is fn and site.node.lineno > line
            and isinstance(site.node.func, ast.Attribute)
            and site.node.func.attr in ("from_object", "from_mapping", *LOADS_OVERRIDES)
            for site in project.calls
        )
    return False


def where(project: Project, setting: ConfigSetting) -> str:
    if setting.owner == "app.config":
        return "on `app.config`"
    if setting.owner in project.config_classes:
        return f"in config class `{setting.owner.rsplit('.', 1)[-1]}`"
    if setting.owner == "app":
        return "at start-up"
    return f"in config module `{setting.owner}`"


def env_label(setting: ConfigSetting) -> str:
    if setting.env == "production":
        return "production config"
    if setting.owner in ("app", "app.config"):
        return "runs in production"
    return "base config that production uses"


def short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_env_read(node: ast.AST, table: ImportTable) -> bool:
    if isinstance(node, ast.Call):
        name = qualify(table, node.func)
        if name in ENV_GETTERS or name.endswith(("environ.get", ".getenv")):
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


def truthy_constant(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)
    return False


def false_constant(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.strip().lower() in ("0", "false", "no", "off")
        return value is False or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    return False


def literal_secret(node: ast.AST | None) -> str | None:
    """The text of a hard-coded, non-empty secret literal (``"dev"``, ``b"..."``, f-string of constants)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return text if text.strip() else None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        text = "".join(str(v.value) for v in node.values)  # type: ignore[attr-defined]
        return text if text.strip() else None
    return None


def _local_value(project: Project, setting: ConfigSetting, name: str) -> ast.expr | None:
    """``key = os.urandom(24)`` earlier in the same function/module, for ``SECRET_KEY = key``."""
    path, line = setting.location.path, setting.location.line
    fn = enclosing_function(project, path, line)
    body: list[ast.stmt]
    if fn is not None:
        body = list(ast.walk(fn.node))  # type: ignore[arg-type]
    else:
        module = project.by_path.get(path)
        if module is None:
            return None
        body = list(module.tree.body)
    found: ast.expr | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and stmt.lineno < line:
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found = stmt.value
    return found


def random_call(project: Project, setting: ConfigSetting) -> tuple[ast.Call, str, bool] | None:
    """``(call, label, is_fallback)`` when the value is generated at start-up."""
    table = imports_at(project, setting.location.path, setting.location.line)
    value: ast.expr = setting.value
    if isinstance(value, ast.Name):
        local = _local_value(project, setting, value.id)
        if local is not None:
            value = local
    fallback_part = env_default(value, table)
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        name = qualify(table, node.func)
        label = RANDOM_CALLS.get(name)
        if label is None:
            continue
        is_fallback = fallback_part is not None and any(n is node for n in ast.walk(fallback_part))
        return node, label, is_fallback
    return None


# ------------------------------------------------ app.secret_key / app.debug
_ATTR_KEYS = {"secret_key": "SECRET_KEY", "debug": "DEBUG"}
_UPPER_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def attribute_settings(project: Project) -> list[ConfigSetting]:
    """``app.secret_key = ...`` / ``app.debug = ...`` on a Flask app, with the env of their branch."""
    cached = getattr(project, "_fd_sec_attrs", None)
    if cached is not None:
        return cached
    found: list[ConfigSetting] = []
    for module in project.modules.values():
        if not any(attr in module.text for attr in (".secret_key", ".debug", "self.")):
            continue
        last = module.name.rsplit(".", 1)[-1]
        module_env = classify_env(last)
        base_env = module_env if module_env in ("development", "testing") else "base"

        def walk(
            stmts: list[ast.stmt], env: str, fn: FunctionInfo | None, config_class: str | None, module: SourceModule = module
        ) -> None:
            for stmt in stmts:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    info = project.function_at.get((module.path, stmt.lineno, stmt.col_offset))
                    walk(stmt.body, env, info or fn, config_class)
                    continue
                if isinstance(stmt, ast.ClassDef):
                    qualname = f"{module.name}.{stmt.name}" if fn is None else None
                    cls_env = project.config_classes.get(qualname or "")
                    walk(stmt.body, cls_env or env, fn, qualname if cls_env else None)
                    continue
                if isinstance(stmt, ast.If):
                    walk(stmt.body, _env_of_test(stmt.test, False) or env, fn, config_class)
                    walk(stmt.orelse, _env_of_test(stmt.test, True) or env, fn, config_class)
                    continue
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if not isinstance(target, ast.Attribute):
                            continue
                        location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                        if target.attr in _ATTR_KEYS and _is_flask(project, module.name, target.value, fn):
                            found.append(ConfigSetting(_ATTR_KEYS[target.attr], stmt.value, location, env, "app"))
                        elif (
                            config_class and fn is not None and isinstance(target.value, ast.Name)
                            and target.value.id == "self" and _UPPER_NAME.match(target.attr)
                        ):
                            # ``self.SECRET_KEY = ...`` in a config class's ``__init__`` (archivy)
                            found.append(ConfigSetting(target.attr, stmt.value, location, env, config_class))
                for field_name in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(stmt, field_name, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                        if isinstance(inner[0], ast.excepthandler):
                            for handler in inner:
                                walk(handler.body, env, fn, config_class)
                        else:
                            walk(inner, env, fn, config_class)

        walk(module.tree.body, base_env, None, None)
    project._fd_sec_attrs = found  # type: ignore[attr-defined]
    return found


def _is_flask(project: Project, module_name: str, node: ast.expr, fn: FunctionInfo | None) -> bool:
    name = dotted(node)
    if not name:
        return False
    type_name: str | None = None
    if fn is not None and name in fn.local_types:
        type_name = fn.local_types[name]
    else:
        obj = project.objects.get(f"{module_name}.{name}")
        if obj is None:
            table = fn.imports if fn is not None else project.module_imports.get(module_name)
            qualified = table.qualify(name) if table is not None else None
            obj = project.objects.get(qualified or "")
        if obj is not None:
            type_name = obj.type
    if type_name is None:
        return name in ("app", "application", "flask_app") and fn is not None and "factory" in fn.roles
    if project.is_subtype(type_name, FLASK_TYPES):
        return True
    factory = project.functions.get(type_name)
    return factory is not None and "factory" in factory.roles


def settings(project: Project, keys: tuple[str, ...]) -> Iterator[ConfigSetting]:
    for setting in project.config:
        if setting.key in keys:
            yield setting
    for setting in attribute_settings(project):
        if setting.key in keys:
            yield setting


def overridden_later(project: Project, setting: ConfigSetting) -> tuple[ast.Call, str] | None:
    """A later ``app.config.from_pyfile/from_envvar/...`` that may replace ``setting``.

    Flask's tutorial sets ``SECRET_KEY="dev"`` and then loads the instance
    config; FlaskBB and ihatemoney load a default config class/module with
    ``from_object`` and then the operator's file. Returns the overriding call
    and the path of its module.
    """
    path, line = setting.location.path, setting.location.line
    if setting.owner in ("app.config", "app"):
        fn = enclosing_function(project, path, line)
        for site in project.calls:
            if site.module.path != path or site.function is not fn or site.node.lineno <= line:
                continue
            if _loads_overrides(site.node):
                return site.node, path
        return None
    for site in _loaders_of(project, setting.owner):
        for other in project.calls:
            if other.module is not site.module or other.function is not site.function or other.node.lineno <= site.node.lineno:
                continue
            if _loads_overrides(other.node) or _loads_other_object(other.node, site.node):
                return other.node, other.module.path
    return None


def _loads_overrides(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr in LOADS_OVERRIDES


def _loads_other_object(call: ast.Call, first: ast.Call) -> bool:
    """``app.config.from_object(config)`` after ``from_object(DefaultConfig)``, with a variable argument."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "from_object" and call.args):
        return False
    arg = call.args[0]
    if not isinstance(arg, ast.Name) or not first.args:
        return False
    return ast.dump(arg) != ast.dump(first.args[0])


def _loaders_of(project: Project, owner: str) -> list:
    """``from_object`` calls that load config class or module ``owner``."""
    cache = getattr(project, "_fd_sec_loaders", None)
    if cache is None:
        cache = {}
        for site in project.calls:
            call = site.node
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "from_object" and call.args):
                continue
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                target = arg.value.replace(":", ".")
            else:
                name = dotted(arg)
                if not name:
                    continue
                table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
                target = (table.qualify(name) if table is not None else None) or f"{site.module.name}.{name}"
            cache.setdefault(target, []).append(site)
        project._fd_sec_loaders = cache  # type: ignore[attr-defined]
    return cache.get(owner, [])


_SECRET_RISK = {
    "SECRET_KEY": "anyone who can read the source can sign session cookies and log in as any user",
    "JWT_SECRET_KEY": "anyone who can read the source can mint JWT access tokens for any user",
    "WTF_CSRF_SECRET_KEY": "anyone who can read the source can forge valid CSRF tokens",
    "SECURITY_PASSWORD_SALT": "anyone who can read the source knows the salt of Flask-Security's password HMAC and signed tokens",
}


def _redact(text: str) -> str:
    if len(text) <= 8:
        return repr(text)
    return repr(text[:4] + "…")


COOKIE_FLAGS = ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY")


SAMESITE_KEYS = {"SESSION_COOKIE_SAMESITE": "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SAMESITE": "REMEMBER_COOKIE_SECURE"}


DEBUG_KEYS = ("DEBUG",)


def deploy_env_debug(project: Project) -> list[tuple[Location, str]]:
    """``FLASK_DEBUG=1`` / ``FLASK_ENV=development`` in production deploy files (via project.deploy)."""
    deploy = project.deploy
    if deploy is None:
        return []
    flask_run = {
        (c.source.path, c.process) for c in getattr(deploy, "commands", ()) if c.server == "flask-run"
    }
    found: list[tuple[Location, str]] = []
    for item in getattr(deploy, "env", None) or ():
        if item.value is None or item.scope == "build-arg" or not getattr(item, "in_final_image", True):
            continue  # a ``FROM base AS development`` stage the final image does not use
        name, value, location = item.name, item.value, item.source
        if item.scope == "env-file":
            if not _PRODUCTION_ENV_FILE.search(location.path.rsplit("/", 1)[-1]):
                continue
        elif not production_deploy_path(location.path):
            continue
        # ``flask run`` with debug in the same file/service: FD307 reports both at once
        process = item.scope if item.scope.startswith("service:") else None
        if any(path == location.path and (process is None or proc == process) for path, proc in flask_run):
            continue
        source = _scope_label(item.scope, location.path)
        if name == "FLASK_DEBUG" and truthy_constant(ast.Constant(value)):
            found.append((location, f"`FLASK_DEBUG={value}` in {source} turns debug mode on in production: {_DEBUG_ENV_RISK}"))
        elif name == "FLASK_ENV" and value.strip().lower() == "development":
            found.append((location, f"`FLASK_ENV=development` in {source} turns debug mode on in production (Flask < 2.3): {_DEBUG_ENV_RISK}"))
    return found


_DEBUG_ENV_RISK = (
    "under the development server that is the Werkzeug debugger (remote code execution); under any server "
    "errors bypass your 500 handler and extensions switch to their debug behaviour"
)
_PRODUCTION_ENV_FILE = re.compile(r"^\.env\.(prod|production|live|staging)([._-].*)?$", re.IGNORECASE)
_DEV_DEPLOY = re.compile(
    r"(^|[._-])(dev|devel|development|local|test|tests|testing|ci|debug|example|sample|override)([._-]|$)", re.IGNORECASE
)


def production_deploy_path(path: str) -> bool:
    """Deploy files meant for production (not ``docker-compose.dev.yml``, ``Procfile.dev``, ``.env.example``)."""
    if is_test_path(path):
        return False
    parts = path.split("/")
    if any(p.lower() in ("dev", "docs", "tests", "test") for p in parts[:-1]):
        return False
    return not _DEV_DEPLOY.search(parts[-1])


def _scope_label(scope: str, path: str) -> str:
    if scope.startswith("service:"):
        return f"compose service `{scope[len('service:'):]}` (`{path}`)"
    if scope.startswith("process:"):
        return f"Procfile process `{scope[len('process:'):]}`"
    return f"`{path}`"


@dataclass
class _Hosts:
    count: int
    location: Location | None
    description: str


def multi_host(project: Project) -> _Hosts | None:
    """The largest replica count the deploy files declare for a service that runs the app."""
    deploy = project.deploy
    if deploy is None:
        return None
    best: _Hosts | None = None
    web_processes = {c.process for c in getattr(deploy, "commands", ()) if c.server not in ("celery-worker", "other")}
    for service in getattr(deploy, "services", ()):
        count = service.replicas or service.scale
        if not count or count < 2 or service.is_proxy:
            continue
        runs_app = f"service:{service.name}" in web_processes or (service.command is None and service.build is not None)
        if not runs_app:
            continue
        if best is None or count > best.count:
            best = _Hosts(count, service.source, f"{count} replicas of compose service `{service.name}`")
    return best
