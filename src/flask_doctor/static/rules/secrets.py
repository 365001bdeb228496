"""FD301-FD305, FD309, FD310 — secrets, cookies, debug and CSRF configuration.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_doctor.findings import Evidence, Finding, Location, Severity
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
from flask_doctor.static.rules.base import Invalid, Rule, Valid
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


# ------------------------------------------------------------------ rules
class SecretKeyGeneratedAtStartup(Rule):
    """
    ## What it does
    Finds a `SECRET_KEY` (or `JWT_SECRET_KEY`, `WTF_CSRF_SECRET_KEY`,
    `SECURITY_PASSWORD_SALT`, `app.secret_key`) that is generated when the
    process starts: `os.urandom(24)`, `secrets.token_hex()`,
    `uuid.uuid4().hex`, `random.choice(...)`.

    ## Why is this bad?
    Flask's session is a cookie signed with `SECRET_KEY`. It works across
    any number of workers and hosts *as long as every one of them has the
    same key*. A key generated at start-up is different in every gunicorn
    worker and after every restart: a cookie signed by one worker fails the
    signature check in the next one, so users are logged out at random,
    flashed messages and CSRF tokens vanish, and every deploy logs everyone
    out. A key that only falls back to a random value when the environment
    variable is missing (`os.environ.get("SECRET_KEY") or os.urandom(24)`)
    hides a broken deployment behind exactly this symptom, so it is
    reported too, one severity lower. Keys in development and testing
    configuration, and keys generated once and stored (a project function
    that writes the key to a file) are not reported.

    ## Example
    ```python
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(24)
    ```

    ## Use instead
    ```python
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    ```
    Generate the key once (`python -c "import secrets; print(secrets.token_hex())"`)
    and give the same value to every process through the environment or a
    secrets manager.

    ## Fix safety
    No automatic fix: the key has to be provisioned in the deployment.

    ## References
    - Flask docs, Configuration: `SECRET_KEY` ("a long random string ... keep it secret")
    - Flask docs, Sessions: the session is a cookie signed with the secret key
    """

    code = "FD301"
    name = "secret-key-generated-at-startup"
    severity = Severity.ERROR
    catalog = ("S03",)
    summary = "SECRET_KEY is generated when the process starts, so every worker signs sessions differently."

    VALID = (
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            """),
        Valid("""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")

            class DevelopmentConfig(Config):
                SECRET_KEY = os.urandom(24)

            class TestingConfig(Config):
                TESTING = True
                SECRET_KEY = "test"
            """),
        Valid("""
            import os
            from flask import Flask

            def load_or_create_key(path):
                if os.path.exists(path):
                    return open(path, "rb").read()
                key = os.urandom(32)
                with open(path, "wb") as fh:
                    fh.write(key)
                return key

            app = Flask(__name__)
            app.secret_key = load_or_create_key("instance/secret.key")
            """),
        Valid("""
            import secrets
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.secret_key = secrets.token_hex()
                app.run(debug=True)
            """),
    )
    INVALID = (
        Invalid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.urandom(24)  # expect
            """, message="`os.urandom`"),
        Invalid("""
            import uuid

            class ProductionConfig:
                SECRET_KEY = uuid.uuid4().hex  # expect
            """, message="ProductionConfig"),
        Invalid("""
            import os
            import secrets
            from flask import Flask
            app = Flask(__name__)
            app.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)  # expect
            """, message="falls back"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, SECRET_KEYS):
            if not live_in_production(project, setting):
                continue
            found = random_call(project, setting)
            if found is None:
                continue
            call, label, is_fallback = found
            target = "app.secret_key" if setting.owner == "app" else setting.key
            if is_fallback:
                message = (
                    f"`{target}` {where(project, setting)} falls back to `{label}` when the environment variable is "
                    f"missing: a deployment that forgets it gets a different key in every worker and after every "
                    f"restart, and users are logged out at random instead of the app refusing to start"
                )
                severity = lower(self.effective_severity)
            else:
                message = (
                    f"`{target}` {where(project, setting)} is generated with `{label}` when the process starts: every "
                    f"worker signs sessions with its own key, so users are logged out at random and on every restart"
                )
                severity = self.effective_severity
            report(
                self.finding(
                    setting.location,
                    message,
                    hint=f"Read one key from the environment (`os.environ[\"{setting.key}\"]`) and give every process the same value; fail at start-up when it is missing.",
                    evidence=[Evidence(f"generated by `{short(call)}`", Location(setting.location.path, call.lineno, call.col_offset + 1))],
                    severity=severity,
                )
            )


class HardcodedSecretKey(Rule):
    """
    ## What it does
    Finds a literal `SECRET_KEY`, `app.secret_key`, `JWT_SECRET_KEY`,
    `WTF_CSRF_SECRET_KEY` or `SECURITY_PASSWORD_SALT` in configuration
    that production uses (a production config class, or a base config /
    `app.config` assignment that production inherits).

    ## Why is this bad?
    Whoever can read the source (the repository, a leaked image, a public
    fork) can sign their own session cookies and log in as any user, forge
    CSRF and JWT tokens, and with Flask-Security compute password peppers.
    A literal *default* (`os.environ.get("SECRET_KEY", "dev")`) ships the
    same way whenever the variable is missing, so it is reported one
    severity lower. A literal immediately followed by
    `app.config.from_pyfile(...)`/`from_envvar(...)`/`from_prefixed_env()`
    (the Flask tutorial's pattern: a development default that the instance
    config overrides) is reported as a note. Keys in development and testing
    configuration are not reported: that is what they are for.

    ## Example
    ```python
    class Config:
        SECRET_KEY = "super-secret"
    ```

    ## Use instead
    ```python
    class Config:
        SECRET_KEY = os.environ["SECRET_KEY"]
    ```
    or `app.config.from_prefixed_env()` with `FLASK_SECRET_KEY` set in the
    environment.

    ## Fix safety
    No automatic fix: the new key has to be provisioned, and rotating it
    logs every user out.

    ## References
    - Flask docs, Configuration: `SECRET_KEY`, `from_prefixed_env`
    - Flask tutorial, "Make the Project Installable" / "Deploy to Production": set a real `SECRET_KEY`
    """

    code = "FD302"
    name = "hardcoded-secret-key"
    severity = Severity.ERROR
    catalog = ("S20",)
    summary = "A secret key is written in source code that production uses."

    VALID = (
        Valid("""
            import os

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]

            class DevelopmentConfig(Config):
                SECRET_KEY = "dev"

            class TestingConfig(Config):
                SECRET_KEY = "testing"
                WTF_CSRF_ENABLED = False
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config.from_prefixed_env()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.debug:
                app.secret_key = "dev"
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SECRET_KEY = "super-secret"  # expect
            """, message="`SECRET_KEY`"),
        Invalid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")  # expect
            """, message="default"),
        Invalid("""
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_mapping(SECRET_KEY="dev")  # expect
                app.config.from_pyfile("config.py", silent=True)
                return app
            """, message="from_pyfile"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, SECRET_KEYS):
            if not live_in_production(project, setting):
                continue
            table = imports_at(project, setting.location.path, setting.location.line)
            target = "app.secret_key" if setting.owner == "app" else setting.key
            literal = literal_secret(setting.value)
            default = None if literal is not None else env_default(setting.value, table)
            default_text = literal_secret(default) if default is not None else None
            if literal is None and default_text is None:
                continue
            evidence: list[Evidence] = []
            if literal is not None:
                found = overridden_later(project, setting)
                if found is not None:
                    override, override_path = found
                    severity = Severity.NOTE
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {_redact(literal)}, used in production "
                        f"unless the later `{short(override.func, 40)}(...)` loads a file or variable that replaces it"
                    )
                    evidence.append(Evidence("may be replaced here", Location(override_path, override.lineno, override.col_offset + 1)))
                else:
                    severity = self.effective_severity
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {_redact(literal)}: {_SECRET_RISK[setting.key]}"
                    )
            else:
                severity = lower(self.effective_severity)
                message = (
                    f"`{target}` {where(project, setting)} has the literal default {_redact(default_text or '')}: when "
                    f"the environment variable is missing, production runs with a key anyone can read in the source"
                )
            report(
                self.finding(
                    setting.location,
                    message,
                    hint=f"Read it from the environment without a default (`os.environ[\"{setting.key}\"]`), so a missing key stops the app at start-up.",
                    evidence=evidence,
                    severity=severity,
                )
            )


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


class InsecureCookieFlag(Rule):
    """
    ## What it does
    Finds `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY`,
    `REMEMBER_COOKIE_SECURE` or `REMEMBER_COOKIE_HTTPONLY` explicitly set
    to `False` in configuration that production uses.

    ## Why is this bad?
    Without `Secure` the browser also sends the session (or Flask-Login
    remember-me) cookie over plain HTTP, where anyone on the network can
    copy it and take over the account. Without `HttpOnly` any injected
    script can read it. Flask's default for `SESSION_COOKIE_SECURE` is
    `False`, so a *missing* setting is something to verify on the running
    app (`flask-doctor audit`), not a finding here: only an explicit `False`
    in production or base configuration is reported. Development and testing
    configuration may switch the flags off.

    ## Example
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = True
        SESSION_COOKIE_HTTPONLY = True
        REMEMBER_COOKIE_SECURE = True
    ```

    ## Fix safety
    No automatic fix: a site still served over plain HTTP would stop
    keeping sessions once `Secure` is set.

    ## References
    - Flask docs, Security Considerations: "Set-Cookie options"
    - Flask-Login docs: `REMEMBER_COOKIE_SECURE`, `REMEMBER_COOKIE_HTTPONLY`
    """

    code = "FD303"
    name = "insecure-cookie-flag"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A session or remember-me cookie flag (Secure/HttpOnly) is switched off in production."

    VALID = (
        Valid("""
            class Config:
                SESSION_COOKIE_SECURE = True

            class DevelopmentConfig(Config):
                SESSION_COOKIE_SECURE = False
            """),
        Valid("""
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = os.environ.get("HTTPS", "1") == "1"
                SESSION_COOKIE_HTTPONLY = True
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.testing:
                app.config["SESSION_COOKIE_SECURE"] = False
            """),
    )
    INVALID = (
        Invalid("""
            class ProductionConfig:
                SESSION_COOKIE_SECURE = False  # expect
                REMEMBER_COOKIE_HTTPONLY = False  # expect
            """, message="plain HTTP"),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            app.config.update(SESSION_COOKIE_HTTPONLY=False)  # expect
            """, message="script"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, COOKIE_FLAGS):
            if not false_constant(setting.value) or not live_in_production(project, setting):
                continue
            cookie = "Flask-Login remember-me" if setting.key.startswith("REMEMBER") else "session"
            severity = self.effective_severity
            if setting.key.endswith("SECURE"):
                risk = f"the browser also sends the {cookie} cookie over plain HTTP, where anyone on the network can copy it"
                hint = f"Set `{setting.key} = True` in production (and serve the site over HTTPS only)."
                if setting.env != "production":
                    # the same as Flask's/Flask-Login's default: worth knowing, not an error in a base config
                    severity = Severity.NOTE
                    risk += " (this is also the library default; set it True in the production config)"
            else:
                risk = f"any injected script can read the {cookie} cookie and send it away"
                hint = f"Set `{setting.key} = True` (the default of Flask and Flask-Login)."
            report(
                self.finding(
                    setting.location,
                    f"`{setting.key} = False` {where(project, setting)} ({env_label(setting)}): {risk}",
                    hint=hint,
                    severity=severity,
                )
            )


SAMESITE_KEYS = {"SESSION_COOKIE_SAMESITE": "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SAMESITE": "REMEMBER_COOKIE_SECURE"}


class SameSiteNoneWithoutSecure(Rule):
    """
    ## What it does
    Finds `SESSION_COOKIE_SAMESITE = "None"` (or `REMEMBER_COOKIE_SAMESITE`)
    in production configuration when the matching `..._SECURE` flag is not
    set to a true value.

    ## Why is this bad?
    `SameSite=None` asks the browser to send the cookie on cross-site
    requests too, which is only accepted together with `Secure`: current
    browsers reject a `SameSite=None` cookie that lacks `Secure`, so the
    session silently stops working (users cannot log in), and older
    browsers send it cross-site over plain HTTP. Note that the Python value
    `None` (Flask's default, no SameSite attribute) is a different thing and
    is not reported.

    ## Example
    ```python
    class ProductionConfig:
        SESSION_COOKIE_SAMESITE = "None"
    ```

    ## Use instead
    ```python
    class ProductionConfig:
        SESSION_COOKIE_SAMESITE = "None"
        SESSION_COOKIE_SECURE = True
    ```
    or `"Lax"` when the cookie does not need to cross sites.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs, Configuration: `SESSION_COOKIE_SAMESITE`
    - MDN, Set-Cookie: "SameSite=None ... the Secure attribute must also be set"
    """

    code = "FD304"
    name = "samesite-none-without-secure"
    severity = Severity.ERROR
    catalog = ("S20",)
    summary = "SameSite=None cookie without Secure: browsers reject it."

    VALID = (
        Valid("""
            class ProductionConfig:
                SESSION_COOKIE_SAMESITE = "None"
                SESSION_COOKIE_SECURE = True
            """),
        Valid("""
            class Config:
                SESSION_COOKIE_SAMESITE = None
                REMEMBER_COOKIE_SAMESITE = "Lax"
            """),
    )
    INVALID = (
        Invalid("""
            class ProductionConfig:
                SESSION_COOKIE_SAMESITE = "None"  # expect
            """, message="reject"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, tuple(SAMESITE_KEYS)):
            value = setting.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.lower() == "none"):
                continue
            if not live_in_production(project, setting):
                continue
            secure_key = SAMESITE_KEYS[setting.key]
            secure = [s for s in settings(project, (secure_key,)) if live_in_production(project, s)]
            if any(not false_constant(s.value) for s in secure):
                continue
            report(
                self.finding(
                    setting.location,
                    f"`{setting.key} = \"None\"` {where(project, setting)} without `{secure_key} = True`: browsers "
                    f"reject a SameSite=None cookie that is not Secure, so the cookie is dropped",
                    hint=f"Set `{secure_key} = True` next to it, or use `\"Lax\"` if the cookie need not cross sites.",
                    evidence=[Evidence(f"`{secure_key}` is False here", s.location) for s in secure],
                )
            )


DEBUG_KEYS = ("DEBUG",)


class DebugInProduction(Rule):
    """
    ## What it does
    Finds debug mode switched on where production runs it: `DEBUG = True` in
    production or base configuration, `app.debug = True` or
    `app.config["DEBUG"] = True` outside development branches, and
    `FLASK_DEBUG=1` / `FLASK_ENV=development` in production deploy files
    (Dockerfile `ENV`, compose `environment:`, `.env.production`).

    ## Why is this bad?
    In debug mode an unhandled exception shows the Werkzeug debugger, whose
    console runs arbitrary Python on the server (protected only by a PIN
    that is derived from guessable machine facts): it is remote code
    execution. Debug mode also leaks source and configuration in tracebacks
    and, with the reloader, runs the app twice. Debug settings in
    development and testing configuration, in `if __name__ == "__main__":`
    blocks and in `.env.example`/`.env.development` are fine.

    ## Example
    ```python
    class Config:
        DEBUG = True
    ```

    ## Use instead
    ```python
    class Config:
        DEBUG = False

    class DevelopmentConfig(Config):
        DEBUG = True
    ```
    and `flask --app app run --debug` while developing.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs, Debugging Application Errors: "Do not run the development server, or enable the built-in debugger, in a production environment"
    - Werkzeug docs, Debugging Applications: the debugger PIN
    """

    code = "FD305"
    name = "debug-in-production"
    severity = Severity.ERROR
    catalog = ("S25",)
    summary = "Debug mode (the Werkzeug debugger) is on in production."

    VALID = (
        Valid("""
            class Config:
                DEBUG = False

            class DevelopmentConfig(Config):
                DEBUG = True

            class TestingConfig(Config):
                DEBUG = True
                TESTING = True
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"

            if __name__ == "__main__":
                app.debug = True
                app.run()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.config["ENV"] == "development":
                app.config["DEBUG"] = True
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                DEBUG = True  # expect

            class TestingConfig(Config):
                TESTING = True
            """, message="remote code execution"),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            app.debug = True  # expect
            """, message="app.debug"),
        Invalid("""
            import os

            class ProductionConfig:
                DEBUG = os.environ.get("DEBUG", True)  # expect
            """, message="default"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, DEBUG_KEYS):
            if not live_in_production(project, setting):
                continue
            target = "app.debug" if setting.owner == "app" else setting.key
            if truthy_constant(setting.value):
                message = (
                    f"`{target} = {short(setting.value)}` {where(project, setting)} ({env_label(setting)}): the Werkzeug "
                    f"debugger on an error page is remote code execution"
                )
                severity = self.effective_severity
            else:
                table = imports_at(project, setting.location.path, setting.location.line)
                default = env_default(setting.value, table)
                if not truthy_constant(default):
                    continue
                message = (
                    f"`{target}` {where(project, setting)} has the default `{short(default)}`: production runs in debug "
                    f"mode (remote code execution through the Werkzeug debugger) whenever the variable is missing"
                )
                severity = lower(self.effective_severity)
            report(
                self.finding(
                    setting.location,
                    message,
                    hint="Keep DEBUG off in production and base config; switch it on in development config or with `flask run --debug`.",
                    severity=severity,
                )
            )
        for entry in deploy_env_debug(project):
            report(
                self.finding(
                    entry[0],
                    entry[1],
                    hint="Remove FLASK_DEBUG / FLASK_ENV=development from production deploy files; use them only in development.",
                )
            )


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


class CsrfDisabledInProduction(Rule):
    """
    ## What it does
    Finds `WTF_CSRF_ENABLED = False` in production or base configuration.

    ## Why is this bad?
    The setting turns off Flask-WTF's CSRF check for every form and for
    `CSRFProtect`: any site the user visits can then submit forms to the
    app with the user's session cookie (change their email, transfer,
    delete). Flask-WTF's docs recommend disabling it *in tests*, so testing
    configuration (and development configuration) is not reported.

    ## Example
    ```python
    class Config:
        WTF_CSRF_ENABLED = False
    ```

    ## Use instead
    ```python
    class TestingConfig(Config):
        TESTING = True
        WTF_CSRF_ENABLED = False
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-WTF docs, CSRF Protection and Configuration: `WTF_CSRF_ENABLED`
    - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    """

    code = "FD309"
    name = "csrf-disabled-in-production"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "Flask-WTF CSRF protection is switched off in production configuration."

    VALID = (
        Valid("""
            class Config:
                WTF_CSRF_ENABLED = True

            class TestingConfig(Config):
                TESTING = True
                WTF_CSRF_ENABLED = False
            """),
        Valid("""
            import pytest
            from app import create_app

            @pytest.fixture
            def app():
                app = create_app()
                app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
                return app
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                WTF_CSRF_ENABLED = False  # expect

            class TestingConfig(Config):
                TESTING = True
            """, message="WTF_CSRF_ENABLED"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, ("WTF_CSRF_ENABLED",)):
            if not false_constant(setting.value) or not live_in_production(project, setting):
                continue
            report(
                self.finding(
                    setting.location,
                    f"`WTF_CSRF_ENABLED = False` {where(project, setting)} ({env_label(setting)}): every Flask-WTF form "
                    f"and CSRFProtect accept forged cross-site submissions",
                    hint="Disable CSRF only in testing configuration (`TestingConfig.WTF_CSRF_ENABLED = False`).",
                )
            )


@dataclass
class _Hosts:
    count: int
    location: Location | None
    description: str


class FilesystemSessionsMultiHost(Rule):
    """
    ## What it does
    Finds Flask-Session configured to keep sessions on the local filesystem
    (`SESSION_TYPE = "filesystem"`, or `SESSION_TYPE = "cachelib"` with a
    `cachelib.FileSystemCache`) in a deployment that declares several hosts
    or replicas (compose `deploy.replicas`/`scale` above 1, several web
    processes).

    ## Why is this bad?
    Each host has its own disk, so a session written by one replica does not
    exist on the next: behind a load balancer users are logged out whenever
    a request lands elsewhere. Several gunicorn workers on *one* host share
    the directory and are fine, so a single-host deployment is not reported.

    ## Example
    ```python
    SESSION_TYPE = "filesystem"
    ```
    with `deploy: {replicas: 3}` in `docker-compose.yml`.

    ## Use instead
    ```python
    SESSION_TYPE = "redis"
    SESSION_REDIS = redis.from_url(os.environ["REDIS_URL"])
    ```
    or Flask's default signed-cookie session when the data is small.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-Session docs: configuration, `SESSION_TYPE`
    - Flask docs, Sessions (signed cookies work across hosts with one `SECRET_KEY`)
    """

    code = "FD310"
    name = "filesystem-sessions-multi-host"
    severity = Severity.WARNING
    catalog = ("S03",)
    summary = "Flask-Session stores sessions on the local disk of a multi-host deployment."

    VALID = (
        Valid("""
            class Config:
                SESSION_TYPE = "filesystem"
            """),
        Valid("""
            class Config:
                SESSION_TYPE = "redis"
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SESSION_TYPE = "filesystem"  # expect
            """, message="replicas", files={
                "docker-compose.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn app:app
                        deploy:
                          replicas: 3
                    """,
            }),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        hosts = multi_host(project)
        if hosts is None or hosts.count < 2:
            return
        for setting in settings(project, ("SESSION_TYPE", "SESSION_CACHELIB")):
            if not live_in_production(project, setting):
                continue
            value = setting.value
            if setting.key == "SESSION_TYPE":
                if not (isinstance(value, ast.Constant) and value.value == "filesystem"):
                    continue
                label = '`SESSION_TYPE = "filesystem"`'
            else:
                if not (isinstance(value, ast.Call) and (dotted(value.func) or "").endswith("FileSystemCache")):
                    continue
                label = "`SESSION_CACHELIB = FileSystemCache(...)`"
            report(
                self.finding(
                    setting.location,
                    f"{label} {where(project, setting)} keeps sessions on one host's disk, but the deployment runs "
                    f"{hosts.description}: users are logged out whenever a request reaches another replica",
                    hint="Use a shared session store (SESSION_TYPE = \"redis\"), or Flask's signed-cookie session with one SECRET_KEY.",
                    evidence=[Evidence(hosts.description, hosts.location)] if hosts.location else [],
                )
            )


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
