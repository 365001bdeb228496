"""Facts about configuration: which settings exist, and which of them production runs with.

The project model collects the settings it can read without running
anything (``project.config``: config classes, config modules,
``app.config[...]``, ``app.config.update(...)``, ``from_mapping``).  This
module adds the two the model does not record, ``app.secret_key = ...`` and
``app.debug = ...``, and answers the questions every config rule asks:

* is a setting in production configuration (:func:`in_production_config`:
  a production config class, or a base one production inherits or loads
  without overriding the key)?
* is it live in production (:func:`live_in_production`)?  Settings in
  development or testing configuration, in ``if __name__ == "__main__":``
  blocks, in CLI-only code and in test files (:mod:`.roles`) are not;
* may a later ``from_pyfile``/``from_envvar``/``from_object`` replace it
  (:func:`overridden_later`)?
* which config class does production fall back to when the environment
  variable that names one is missing (:func:`config_fallbacks`)?

What a value *is* (a constant, an environment read and its default, a
random value) lives in :mod:`.config_values`; which deploy files are for
production, and what environment they give production, in
:mod:`.deploy_files`; the function, main block and imports of a
``path:line`` in :mod:`.scopes`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.apps import is_flask_type, object_type
from flask_doctor.static.facts.config_values import env_default, false_constant, is_env_read, qualify, short
from flask_doctor.static.facts.deploy_files import production_deploy_path, production_env
from flask_doctor.static.facts.roles import FileRole, is_test_path, role_of
from flask_doctor.static.facts.scopes import enclosing_function, imports_at, in_main_guard
from flask_doctor.static.facts.sites import calls_matching, calls_named, calls_with_keyword
from flask_doctor.static.model import (
    CLI,
    MAIN,
    TEST,
    ConfigSetting,
    _env_of_test,
    classify_env,
    test_words,
)
from flask_doctor.static.model.settings_files import SETTINGS_SUFFIXES, is_file_setting, literal_node
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import statements, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import CallSite, FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: Settings whose value signs or derives secrets: anyone who reads it can forge what it protects.
SECRET_KEYS = ("SECRET_KEY", "JWT_SECRET_KEY", "WTF_CSRF_SECRET_KEY", "SECURITY_PASSWORD_SALT")
#: ``app.config`` methods that load values from outside the source (the operator's file or environment).
LOADS_OVERRIDES = ("from_pyfile", "from_envvar", "from_prefixed_env", "from_file")
#: What a call after ``from_object`` must call to load other settings (:func:`overridden_later`).
_OVERRIDING_LOADERS = (*LOADS_OVERRIDES, "from_object")
#: A function that only runs in these contexts never runs in a production worker.
DEV_CONTEXTS = frozenset({MAIN, CLI, TEST})
#: ``app.<attr> = value`` that set a config key.
_ATTR_KEYS = {"secret_key": "SECRET_KEY", "debug": "DEBUG"}
_UPPER_NAME = on_first_use(r"^[A-Z][A-Z0-9_]*$")


# ------------------------------------------------------------ which settings
def settings(project: Project, keys: tuple[str, ...]) -> Iterator[ConfigSetting]:
    """Every setting of one of ``keys``: the model's, then ``app.secret_key``/``app.debug``-style ones.

    Settings modules of another framework (a Django ``settings.py`` next to the
    Flask app) are not Flask configuration and are left out.
    """
    foreign = foreign_settings_modules(project)
    for setting in project.config:
        if setting.key in keys and setting.owner not in foreign:
            yield setting
    for setting in attribute_settings(project):
        if setting.key in keys:
            yield setting
    for setting in prefixed_env_settings(project):
        if setting.key in keys:
            yield setting


#: Keys that rules read from the deploy files' environment themselves (FD305: ``FLASK_DEBUG=1``).
_DEPLOY_READ_KEYS = frozenset({"DEBUG", "ENV"})


#: What a shell, Docker or compose expands in a value: it is no literal the file gives.
_SHELL_EXPANDED = on_first_use(r"[$`]")


@project_fact
def prefixed_env_settings(project: Project) -> list[ConfigSetting]:
    """Settings ``app.config.from_prefixed_env()`` takes from the environment production deploy files set.

    ``ENV FLASK_SECRET_KEY=...`` in the Dockerfile (or a compose service, a
    ``.env.production``) with ``app.config.from_prefixed_env()`` in
    application code sets ``SECRET_KEY``; Flask parses each value as JSON
    when it can (``"1"`` -> 1, ``"false"`` -> False). The setting is located
    at the deploy file's line. Nested keys (``FLASK_A__B``), placeholders and
    the keys rules read from deploy files themselves are left out.
    """
    if not any("from_prefixed_env" in module.text for module in project.modules.values()):
        return []
    prefixes: set[str] = set()
    for site in project.calls:
        func = site.node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "from_prefixed_env"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "config"
        ) or (site.in_main or role_of(project, site.module) is not FileRole.APPLICATION):
            continue
        given = (
            site.node.args[0]
            if site.node.args
            else next((k.value for k in site.node.keywords if k.arg == "prefix"), None)
        )
        if given is None:
            prefixes.add("FLASK")
        elif isinstance(given, ast.Constant) and isinstance(given.value, str):
            prefixes.add(given.value)
    if not prefixes:
        return []
    found: list[ConfigSetting] = []
    for item in production_env(project):
        for prefix in prefixes:
            key = item.name[len(prefix) + 1 :] if item.name.startswith(prefix + "_") else ""
            if not _UPPER_NAME().match(key) or "__" in key or key in _DEPLOY_READ_KEYS or item.value is None:
                continue
            if _SHELL_EXPANDED().search(item.value):
                continue  # ``$(cat secret)``, ``${KEY}``, ``$KEY``: the value is made when the process starts
            try:
                value = json.loads(item.value)
            except ValueError:
                value = item.value
            node = literal_node(value, item.source.line)
            if node is not None:
                found.append(ConfigSetting(key, node, item.source, "production", item.source.path))
    return found


@project_fact
def attribute_settings(project: Project) -> list[ConfigSetting]:
    """``app.secret_key = ...`` / ``app.debug = ...`` on a Flask app, with the env of their branch.

    Also ``self.SECRET_KEY = ...`` in the ``__init__`` of a config class.
    """
    found: list[ConfigSetting] = []
    # modules that define a config class: only there can ``self.KEY = ...`` be a setting
    config_modules = {name.rpartition(".")[0] for name in project.config_classes}
    for module in project.modules.values():
        if _may_set_attributes(module, config_modules):
            module_env = classify_env(module.name.rsplit(".", 1)[-1])
            base_env = module_env if module_env in ("development", "testing") else "base"
            _AttributeWalk(project, module, found).walk(module.tree.body, base_env, None, None)
    return found


def _may_set_attributes(module: SourceModule, config_modules: set[str]) -> bool:
    """Whether :class:`_AttributeWalk` can find a setting in ``module``, from its text.

    A setting is ``X.config[KEY] = ...``, ``X.secret_key``/``X.debug = ...`` or ``self.KEY = ...`` in a
    config class of this module; each spells ``config``, ``secret_key``, ``debug`` or ``self.`` (a
    non-ASCII text may spell a name in other characters that mean the same, and is always walked).
    """
    text = module.text
    if any(attr in text for attr in (".secret_key", ".debug", "config[")):
        return True
    return "self." in text and (
        module.name in config_modules
        or any(word in text for word in ("config", "secret_key", "debug"))
        or not text.isascii()
    )


class _BranchEnv:
    """The env of one branch of an ``if``, worked out when a setting is first found under it.

    Reading an ``if`` test's words costs more than walking the statements under it, and most branches hold
    no setting: what ``_env_of_test(test, in_else, words) or outer`` gives, asked only then. Both branches
    of one ``if`` share its words (``words``, a one-item list filled on first use).
    """

    __slots__ = ("test", "in_else", "words", "outer", "env")

    def __init__(self, test: ast.expr, in_else: bool, words: list[str | None], outer: str | _BranchEnv) -> None:
        self.test = test
        self.in_else = in_else
        self.words = words
        self.outer = outer
        self.env: str | None = None

    def value(self) -> str:
        env = self.env
        if env is None:
            words = self.words[0]
            if words is None:
                words = self.words[0] = test_words(self.test)
            outer = self.outer
            env = self.env = _env_of_test(self.test, self.in_else, words) or (
                outer if isinstance(outer, str) else outer.value()
            )
        return env


def _env_value(env: str | _BranchEnv) -> str:
    return env if isinstance(env, str) else env.value()


#: Statements other than ``if``, classes and functions that hold statements, and the fields that hold them.
_NESTED_FIELDS: dict[type, tuple[str, ...]] = {}


def _nested_fields(cls: type) -> tuple[str, ...]:
    fields = _NESTED_FIELDS[cls] = tuple(
        name for name in ("body", "orelse", "finalbody", "handlers") if name in getattr(cls, "_fields", ())
    )
    return fields


class _AttributeWalk:
    """Walks one module's statements, keeping the env of each branch and the enclosing function/config class."""

    def __init__(self, project: Project, module: SourceModule, found: list[ConfigSetting]) -> None:
        self.project = project
        self.module = module
        self.found = found

    def walk(
        self, stmts: list[ast.stmt], env: str | _BranchEnv, fn: FunctionInfo | None, config_class: str | None
    ) -> None:
        project, module = self.project, self.module
        nested = _NESTED_FIELDS
        for stmt in stmts:
            cls = stmt.__class__
            if cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
                info = project.function_at.get((module.path, stmt.lineno, stmt.col_offset))
                self.walk(stmt.body, env, info or fn, config_class)  # type: ignore[attr-defined]
                continue
            if cls is ast.ClassDef:
                qualname = f"{module.name}.{stmt.name}" if fn is None else None  # type: ignore[attr-defined]
                cls_env = project.config_classes.get(qualname or "")
                self.walk(stmt.body, cls_env or env, fn, qualname if cls_env else None)  # type: ignore[attr-defined]
                continue
            if cls is ast.If:
                words: list[str | None] = [None]  # the test's words, read once for both branches when needed
                test = stmt.test  # type: ignore[attr-defined]
                self.walk(stmt.body, _BranchEnv(test, False, words, env), fn, config_class)  # type: ignore[attr-defined]
                self.walk(stmt.orelse, _BranchEnv(test, True, words, env), fn, config_class)  # type: ignore[attr-defined]
                continue
            if cls is ast.Assign:
                self.assignment(stmt, env, fn, config_class)  # type: ignore[arg-type]
            fields = nested.get(cls)
            if fields is None:
                fields = _nested_fields(cls)
            for field_name in fields:
                inner = getattr(stmt, field_name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                    if isinstance(inner[0], ast.excepthandler):
                        for handler in inner:
                            self.walk(handler.body, env, fn, config_class)
                    else:
                        self.walk(inner, env, fn, config_class)

    def assignment(
        self, stmt: ast.Assign, env: str | _BranchEnv, fn: FunctionInfo | None, config_class: str | None
    ) -> None:
        module = self.module
        for target in stmt.targets:
            if (
                isinstance(target, ast.Subscript)
                and not isinstance(target.slice, ast.Constant)
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "config"
                and dotted(target.value.value) in ("app", "application", "flask_app", "self.app", "current_app")
            ):
                # ``app.config[ConfigKey.SECRET_KEY] = ...``: a key spelled by a project constant
                key = constant_key(self.project, module, target.slice, fn)
                if key is not None:
                    location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                    self.found.append(ConfigSetting(key, stmt.value, location, _env_value(env), "app.config"))
                continue
            if not isinstance(target, ast.Attribute):
                continue
            location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
            if target.attr in _ATTR_KEYS and _is_flask(self.project, module.name, target.value, fn):
                self.found.append(ConfigSetting(_ATTR_KEYS[target.attr], stmt.value, location, _env_value(env), "app"))
            elif (
                config_class
                and fn is not None
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and _UPPER_NAME().match(target.attr)
            ):
                # ``self.SECRET_KEY = ...`` in a config class's ``__init__`` (archivy)
                self.found.append(ConfigSetting(target.attr, stmt.value, location, _env_value(env), config_class))


def constant_key(project: Project, module: SourceModule, node: ast.expr, fn: FunctionInfo | None) -> str | None:
    """The string a config key expression names: ``ConfigKey.SECRET_KEY`` -> ``"SECRET_KEY"``.

    Follows a class attribute or a module constant of the project, one step.
    """
    name = dotted(node)
    if not name:
        return None
    table = fn.imports if fn is not None else project.module_imports.get(module.name)
    qualified = (table.qualify(name) if table is not None else None) or f"{module.name}.{name}"
    owner, _, attr = qualified.rpartition(".")
    body: list[ast.stmt] = []
    if owner in project.classes:
        body = project.classes[owner].node.body
    elif owner in project.modules:
        body = project.modules[owner].tree.body
    for stmt in body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if (
                any(isinstance(t, ast.Name) and t.id == attr for t in targets)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                return stmt.value.value
    return None


def _is_flask(project: Project, module_name: str, node: ast.expr, fn: FunctionInfo | None) -> bool:
    name = dotted(node)
    if not name:
        return False
    type_name = object_type(project, module_name, name, fn)
    if type_name is None:
        if name not in ("app", "application", "flask_app"):
            return False
        if fn is not None:
            # ``app = Flask(...)`` the model could not type, inside an app factory
            return "factory" in fn.roles
        # at module level, an ``app`` the model could not type (``app = settings.app`` after
        # ``settings.app = Flask(__name__)``) in the module that builds the Flask app itself
        module = project.modules.get(module_name)
        return module is not None and "Flask(" in module.text and _builds_flask_app(module.tree)
    return is_flask_type(project, type_name)


def _builds_flask_app(tree: ast.Module) -> bool:
    """Does a module-level statement of this module assign ``Flask(...)`` to something?"""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if callee == "Flask":
                return True
    return False


#: Names only another framework's settings module defines (Django's ``settings.py``).
_FOREIGN_SETTINGS = frozenset({"INSTALLED_APPS", "ROOT_URLCONF", "WSGI_APPLICATION", "MIDDLEWARE_CLASSES"})


@project_fact
def foreign_settings_modules(project: Project) -> frozenset[str]:
    """Modules that are another framework's settings (``INSTALLED_APPS``, ``ROOT_URLCONF``), never loaded by Flask.

    A project that ships a Django site beside its Flask app has a ``settings.py``
    with ``DEBUG = True`` and a development ``SECRET_KEY``; Flask never reads it
    unless ``from_object``/``from_pyfile`` names the module.
    """
    loaded = set(from_object_loaders(project))
    loaded_files = {
        ast.unparse(site.node.args[0])
        for site in calls_named(project, ("from_pyfile",))
        if isinstance(site.node.func, ast.Attribute) and site.node.func.attr == "from_pyfile" and site.node.args
    }
    found: set[str] = set()
    for module in project.modules.values():
        if not any(f"{key} =" in module.text or f"{key}=" in module.text for key in _FOREIGN_SETTINGS):
            continue
        assigned = {
            target.id
            for node in module.tree.body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if not assigned & _FOREIGN_SETTINGS or module.name in loaded:
            continue
        stem = module.path.rsplit("/", 1)[-1]
        if any(stem in text for text in loaded_files):
            continue
        found.add(module.name)
    return frozenset(found)


# ------------------------------------------------------ what production runs
@project_fact
def _production_config(project: Project) -> tuple[list[ConfigSetting], frozenset[str]]:
    """The settings of production configuration, and the owners (classes/modules) of production config."""
    production = [c for c in project.config if c.env == "production"]
    # a settings file is loaded on top of the config classes, not instead of them: it replaces no base setting
    owners = {c.owner for c in production if not is_file_setting(c)}
    owners |= {q for q, env in project.config_classes.items() if env == "production"}
    return production, frozenset(owners)


def in_production_config(project: Project, setting: ConfigSetting) -> bool:
    """True when production configuration holds ``setting``.

    Settings in a production config class are; so are settings in a base
    class or module that production inherits or loads, unless every
    production config overrides the key.
    """
    if setting.env == "production":
        return True
    if setting.env != "base":
        return False
    production, owners = _production_config(project)
    if not production:
        return True
    overriding = {c.owner for c in production if c.key == setting.key}
    return not owners or not owners <= overriding


def dev_only(project: Project, setting: ConfigSetting) -> bool:
    """Settings that never run in production: tests, main blocks, CLI-only code."""
    path, line = setting.location.path, setting.location.line
    if is_test_path(path) or in_main_guard(project, path, line):
        return True
    fn = enclosing_function(project, path, line)
    if fn is not None:
        if TEST in fn.roles or (fn.contexts and fn.contexts <= DEV_CONTEXTS):
            return True
    return False


def live_in_production(project: Project, setting: ConfigSetting) -> bool:
    """``setting`` is what production runs with (not dev-only, and not replaced by production config)."""
    if dev_only(project, setting):
        return False
    if in_production_config(project, setting):
        return True
    if setting.owner in ("app", "app.config") and setting.env == "base":
        # A production config class sets the key too, but it only wins if it is
        # loaded *after* this assignment: ``app.debug = True`` after
        # ``from_object(ProductionConfig)`` is still live.
        path, line = setting.location.path, setting.location.line
        fn = enclosing_function(project, path, line)
        return not any(
            site.module.path == path
            and site.function is fn
            and site.node.lineno > line
            and isinstance(site.node.func, ast.Attribute)
            and site.node.func.attr in ("from_object", "from_mapping", *LOADS_OVERRIDES)
            for site in project.calls
        )
    return False


def inherited_setting(project: Project, config_class: str, key: str) -> ConfigSetting | None:
    """The ``key`` setting a config class runs with: its own, else the nearest base class's."""
    seen: set[str] = set()
    todo = [config_class]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        own = [c for c in project.config if c.owner == name and c.key == key]
        if own:
            return own[-1]
        cls = project.classes.get(name)
        if cls is not None:
            todo.extend(b for b in cls.bases if b in project.classes)
    return None


# ------------------------------------------------------------------ overrides
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
        # only ``x.<loader>(...)`` counts: those sites are listed under the loader's name (``facts.sites``)
        for site in calls_named(project, LOADS_OVERRIDES):
            if site.module.path != path or site.function is not fn or site.node.lineno <= line:
                continue
            if _loads_overrides(site.node):
                return site.node, path
        return None
    for site in from_object_loaders(project).get(setting.owner, ()):
        for other in calls_named(project, _OVERRIDING_LOADERS):
            if (
                other.module is not site.module
                or other.function is not site.function
                or other.node.lineno <= site.node.lineno
            ):
                continue
            if _loads_overrides(other.node) or _loads_other_object(other.node, site.node):
                return other.node, other.module.path
    return None


#: Owners whose settings are the app's own config, written in code (``app.config[...]``, ``app.secret_key``).
_APP_OWNERS = frozenset({"app.config", "app"})


def replaced_in_function(project: Project, setting: ConfigSetting) -> Location | None:
    """Where the same function sets the same key of the app again, unconditionally, after ``setting``.

    ``app.config.update(SECRET_KEY="dev", ...)`` followed by ``app.config["SECRET_KEY"] = token_hex(32)`` in the
    same factory: the first value never reaches a request.  Only a later statement of the function's own body
    counts (not one under an ``if``, a ``try`` or a loop, which may not run).
    """
    if setting.owner not in _APP_OWNERS:
        return None
    path, line = setting.location.path, setting.location.line
    fn = enclosing_function(project, path, line)
    if fn is None:
        return None
    plain = [
        (stmt.lineno, stmt.end_lineno or stmt.lineno)
        for stmt in fn.node.body
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Expr))
    ]
    for other in settings(project, (setting.key,)):
        later = other.location
        if other is setting or other.owner not in _APP_OWNERS or later.path != path or later.line <= line:
            continue
        if enclosing_function(project, path, later.line) is not fn:
            continue
        if any(first <= later.line <= last for first, last in plain):
            return later
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


@project_fact
def from_object_loaders(project: Project) -> dict[str, list[CallSite]]:
    """``app.config.from_object(...)`` calls, by the qualified name of the config class or module they load."""
    loaders: dict[str, list[CallSite]] = {}
    for site in calls_named(project, ("from_object",)):
        call = site.node
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "from_object" and call.args):
            continue
        arg = call.args[0]
        if isinstance(arg, ast.Name) and site.function is not None:
            # ``def create_app(config="pkg.settings.Defaults"): app.config.from_object(config)``
            arg = _parameter_default(site.function.node, arg.id) or arg
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            target = arg.value.replace(":", ".")
        else:
            name = dotted(arg)
            if not name:
                continue
            table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
            target = (table.qualify(name) if table is not None else None) or f"{site.module.name}.{name}"
        loaders.setdefault(target, []).append(site)
    return loaders


def _parameter_default(fn: ast.AST, name: str) -> ast.expr | None:
    """The default value of parameter ``name`` of ``fn``, if it has one."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    for param, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults):
        if param.arg == name:
            return default
    for param, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        if param.arg == name:
            return kw_default
    return None


# ---------------------------------------------------------------- start-up guards
_REFUSE_CALL = on_first_use(r"(^|[._])(exit|_exit|abort|fatal\w*|die|panic|quit)$", re.IGNORECASE)
_WARN_CALL = on_first_use(r"(^|[._])(warn|warning|critical|error)$", re.IGNORECASE)


def _guard_test(test: ast.expr, key: str, literal: str) -> bool:
    """Does ``test`` compare the setting ``key`` with its placeholder (or check its length)?"""
    text = ast.unparse(test)
    if key not in text and key.lower() not in text:
        return False
    if repr(literal) in text or f'"{literal}"' in text or "len(" in text:
        return True
    return text.count(key) >= 2  # ``config["SECRET_KEY"] == default_settings.SECRET_KEY``


def _guard_action(body: list[ast.stmt]) -> str | None:
    """``"refuse"`` when the branch raises or exits, ``"warn"`` when it only warns, else None."""
    action: str | None = None
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return "refuse"
            if isinstance(node, ast.Call):
                name = dotted(node.func) or ""
                if _REFUSE_CALL().search(name):
                    return "refuse"
                if _WARN_CALL().search(name):
                    action = "warn"
    return action


@keyed_fact
def _guards(project: Project, key: tuple[str, str]) -> tuple[str, Location] | None:
    name, literal = key
    found: tuple[str, Location] | None = None
    for module in project.modules.values():
        if name not in module.text or is_test_path(module.path):
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.If) and _guard_test(node.test, name, literal):
                action = _guard_action(node.body)
            elif isinstance(node, ast.Assert) and _guard_test(node.test, name, literal):
                action = "refuse"
            else:
                continue
            if action is None:
                continue
            at = Location(module.path, node.lineno, node.col_offset + 1)
            if action == "refuse":
                return action, at
            found = found or (action, at)
    return found


def startup_guard(project: Project, setting: ConfigSetting, literal: str) -> tuple[str, Location] | None:
    """Code that refuses (``"refuse"``) or warns about (``"warn"``) the placeholder value of a secret setting.

    ``if SECRET_KEY == "changeme" and not DEBUG: raise RuntimeError(...)``,
    ``if len(app.config["SECRET_KEY"]) < 16: fatal_error(...)``: a literal the
    app refuses to start with never reaches production.
    """
    return _guards(project, (setting.key, literal))


@keyed_fact
def refused_when_missing(project: Project, name: str) -> Location | None:
    """Code that refuses to start when the setting or environment variable ``name`` is missing or empty.

    ``if not os.environ.get("SECRET_KEY"): raise RuntimeError(...)``, ``if "SECRET_KEY" not in os.environ
    and not app.debug: sys.exit(...)``, ``assert os.getenv("SECRET_KEY")``: a fallback for the missing
    value never reaches a deployment that starts.
    """
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")  # not ``JWT_SECRET_KEY``
    for module in project.modules.values():
        if name not in module.text or is_test_path(module.path):
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.If):
                test, refuses = node.test, _guard_action(node.body) == "refuse"
            elif isinstance(node, ast.Assert):
                test, refuses = ast.UnaryOp(ast.Not(), node.test), True
            else:
                continue
            text = ast.unparse(test)
            if refuses and word.search(text) and ("not " in text or " is None" in text or "== ''" in text):
                return Location(module.path, node.lineno, node.col_offset + 1)
    return None


# ---------------------------------------------------------------- generated secrets
#: Calls that return a fresh random value: what a setup command writes as the instance's key.
_RANDOM_SOURCES = ("urandom", "token_hex", "token_urlsafe", "token_bytes", "uuid4", "get_random_bytes")
#: A setting named in the text of a config file a command writes (``f"SECRET_KEY = '{token_hex()}'"``).
_SETTING_IN_TEXT = on_first_use(r"\b([A-Za-z_]*(?:secret|salt)[A-Za-z_]*)\s*[=:]", re.IGNORECASE)
#: Calls that put text in a file: the function that fills the value also writes it out.
_WRITES = on_first_use(r"(^|[._])(write\w*|dump|dumps|render\w*|copy\w*|save\w*)$", re.IGNORECASE)


def _is_random(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] in _RANDOM_SOURCES for n in ast.walk(node)
    )


def _named_random_values(fn: FunctionInfo) -> Iterator[tuple[str, ast.AST]]:
    """``(name, node)`` for every random value ``fn`` puts under a name: a dict key, a keyword, an assignment
    target, or a setting written in the text of an f-string or ``%`` template."""
    for node in walk(fn.node):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _is_random(value):
                    yield key.value, value
        elif isinstance(node, ast.keyword) and node.arg and _is_random(node.value):
            yield node.arg, node.value
        elif isinstance(node, ast.Assign) and _is_random(node.value):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                    if isinstance(target.slice.value, str):
                        yield target.slice.value, node.value
                elif isinstance(target, (ast.Name, ast.Attribute)):
                    yield (dotted(target) or "").rsplit(".", 1)[-1], node.value
        elif isinstance(node, (ast.JoinedStr, ast.BinOp)) and _is_random(node):
            parts = node.values if isinstance(node, ast.JoinedStr) else [node.left]
            for part in parts:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    for match in _SETTING_IN_TEXT().finditer(part.value):
                        yield match.group(1), node


@project_fact
def generated_secrets(project: Project) -> dict[str, Location]:
    """Names a setup command of the project fills with a fresh random value, lower-cased, with where.

    FlaskBB's ``makeconfig`` puts ``"secret_key": hexlify(os.urandom(24))``
    into the values it renders into the instance's ``flaskbb.cfg``; a
    ``create-instance`` command may write ``f"SECRET_KEY = '{token_hex()}'"``.
    The function must be a command (or run by one) or write a file itself: a
    random ``secret_key`` a view stores in the database is not a setting.
    """
    found: dict[str, Location] = {}
    functions = {
        site.function.qualname: site.function
        for site in calls_named(project, _RANDOM_SOURCES)
        if site.function is not None and not is_test_path(site.module.path)
    }
    for fn in functions.values():
        commands = bool(fn.roles & {CLI}) or CLI in fn.contexts or MAIN in fn.contexts
        if not (commands or any(_WRITES().search(name) for name, _call in fn.calls)):
            continue
        for name, node in _named_random_values(fn):
            at = Location(fn.module.path, getattr(node, "lineno", fn.node.lineno), getattr(node, "col_offset", 0) + 1)
            found.setdefault(name.lower(), at)
    return found


def generated_secret(project: Project, key: str) -> Location | None:
    """Where a setup command writes a random value for setting ``key`` (``secret_key`` for ``SECRET_KEY``,
    ``csrf_secret_key`` for ``WTF_CSRF_SECRET_KEY``), if one does."""
    wanted = key.lower()
    for name, at in generated_secrets(project).items():
        if name == wanted:
            return at
        # a shorter name for a longer setting, unless it is the name of another setting (``secret_key``)
        if ("secret" in name or "salt" in name) and wanted.endswith("_" + name) and name.upper() not in SECRET_KEYS:
            return at
    return None


# ---------------------------------------------------------------- fallbacks
@dataclass(frozen=True, eq=False)
class ConfigFallback:
    """A config class production code chooses when the environment does not name one."""

    location: Location  #: where the fallback is written
    how: str  #: the code that falls back, for a message (``os.environ.setdefault(...)``)
    config_class: str  #: qualified name of the config class it falls back to
    env: str  #: that class's environment (``"testing"``, ``"development"``, ...)
    #: when production ends up there, for a message
    when: str = "when the variable is missing"

    @property
    def on_missing_variable(self) -> bool:
        """Production lands there only if the operator leaves out the variable that names the config."""
        return self.when == ConfigFallback.when


#: Project functions that build the app from a config name: ``create_app(os.getenv("CONFIG", "testing"))``.
_FACTORY_NAME = on_first_use(r"^(create|make|build|get|init)_?app(lication)?$")


def _may_fall_back(last: str) -> bool:
    """A callee that :func:`config_fallbacks` reads: ``environ.setdefault``, ``from_object``, an app factory."""
    return last in ("setdefault", "from_object") or bool(_FACTORY_NAME().match(last))


@project_fact
def config_names(project: Project) -> dict[str, str]:
    """Names that select a config class: its dotted path, and keys of a ``{"testing": TestingConfig}`` table."""
    names = {qualname: qualname for qualname in project.config_classes}
    for module in project.modules.values():
        table = project.module_imports.get(module.name)
        for stmt in module.tree.body:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            if not isinstance(value, ast.Dict):
                continue
            for key, item in zip(value.keys, value.values):
                name = dotted(item) if item is not None else None
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and name):
                    continue
                qualified = (table.qualify(name) if table is not None else None) or f"{module.name}.{name}"
                if qualified in project.config_classes:
                    names.setdefault(key.value, qualified)
    return names


@project_fact
def config_fallbacks(project: Project) -> list[ConfigFallback]:
    """Config classes that production code falls back to when an environment variable is missing.

    ``os.environ.setdefault("APP_CONFIG", "app.config.TestConfig")``,
    ``os.environ["APP_CONFIG"] = ...`` under ``if not os.getenv("APP_CONFIG")``,
    ``app.config.from_object(os.getenv("APP_CONFIG", "config.TestingConfig"))``
    and ``create_app(os.getenv("FLASK_CONFIG") or "testing")`` (a key of the
    project's ``{"testing": TestingConfig}`` table).  Code in tests, main
    blocks, CLI-only functions and side files (scripts, examples) is left out:
    only what a WSGI server imports counts.
    """
    names = config_names(project)
    found: list[ConfigFallback] = []

    def add(module: SourceModule, node: ast.AST, literal: ast.AST | None, how: str, when: str = "") -> None:
        if not (isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
            return
        qualname = names.get(literal.value.replace(":", "."))
        if qualname is None:
            return
        location = Location(module.path, node.lineno, node.col_offset + 1)  # type: ignore[attr-defined]
        fallback = ConfigFallback(location, how, qualname, project.config_classes[qualname])
        found.append(ConfigFallback(location, how, qualname, fallback.env, when) if when else fallback)

    for site in calls_matching(project, _may_fall_back):
        call = site.node
        # the callee's name first: it is cheap, and few calls can fall back to a config
        func = dotted(call.func) or ""
        setdefault = func.endswith("environ.setdefault") and len(call.args) == 2
        last = func.rsplit(".", 1)[-1]
        if not (setdefault or last == "from_object" or _FACTORY_NAME().match(last)):
            continue
        if site.in_main or not _production_code(project, site.module, site.node.lineno):
            continue
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        if table is None:
            continue
        if setdefault:
            add(site.module, call, call.args[1], f"`{short(call, 70)}`")
            continue
        if last == "from_object" or _FACTORY_NAME().match(last):
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                for chosen in _chosen_names(site.function.node if site.function is not None else None, arg, call):
                    add(site.module, call, env_default(chosen, table), f"`{short(chosen, 70)}`")
                    bare = _bare_factory_call(project, site.function, chosen)
                    if bare is not None:
                        default, caller = bare
                        add(
                            site.module,
                            call,
                            default,
                            f"`{short(caller.node, 50)}` in `{caller.module.path}` (no `{chosen.id}`)",
                            "when the app is built without a config name",
                        )
    for module in project.modules.values():
        if "environ[" not in module.text:
            continue
        for node in statements(module.tree):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and (dotted(target.value) or "").endswith("environ")
                and _production_code(project, module, node.lineno)
            ):
                add(module, node, _chosen_value(project, module, node), f"`{short(node, 70)}`")
    return found


def _bare_factory_call(
    project: Project, factory: FunctionInfo | None, chosen: ast.expr
) -> tuple[ast.expr, CallSite] | None:
    """``def create_app(config_name="default")`` choosing the config by that parameter, and production code
    building the app without naming one (``app = create_app()``): the parameter's default and that call.

    Only a factory whose name says so, called with no argument for the parameter (nor ``*args``/``**kwargs``)
    from production code.
    """
    if factory is None or not isinstance(chosen, ast.Name) or not _FACTORY_NAME().match(factory.name):
        return None
    node = factory.node
    if (
        not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        or _last_local_value(node, chosen.id, 10**9) is not None
    ):
        return None
    positional = [*node.args.posonlyargs, *node.args.args]
    index = next((i for i, a in enumerate(positional) if a.arg == chosen.id), None)
    if index is None:
        return None
    defaults = node.args.defaults
    offset = len(positional) - len(defaults)
    if index < offset:
        return None
    default = defaults[index - offset]
    for site in calls_named(project, [factory.name]):
        call = site.node
        if (dotted(call.func) or "").rsplit(".", 1)[-1] != factory.name or site.in_main:
            continue
        if len(call.args) > index or any(kw.arg in (chosen.id, None) for kw in call.keywords):
            continue
        if any(isinstance(a, ast.Starred) for a in call.args):
            continue
        if not _production_code(project, site.module, call.lineno):
            continue
        name = dotted(call.func)
        if name is None or project.resolve_function(name, site.function, site.module) is not factory:
            continue
        return default, site
    return None


def _chosen_names(fn: ast.AST | None, arg: ast.expr, call: ast.Call) -> Iterator[ast.expr]:
    """The expressions that choose a config for ``call``'s argument ``arg``.

    The argument itself; for a lookup in a table (``config[name]``) its key;
    and for a local name, the value last assigned to it in the function
    before the call (``name = name or os.getenv("FLASK_CONFIG", "testing")``),
    with the last operand of an ``or`` (where a missing variable ends up).
    """
    yield arg
    seen = {id(arg)}
    todo = [arg.slice] if isinstance(arg, ast.Subscript) else [arg]
    while todo:
        node = todo.pop()
        if node is not arg:
            if id(node) in seen:
                continue  # ``x = x or ...`` leads back to a value already followed
            seen.add(id(node))
            yield node
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                todo.append(node.values[-1])
        if isinstance(node, ast.Name) and fn is not None:
            value = _last_local_value(fn, node.id, call.lineno)
            if value is not None:
                todo.append(value)


def _last_local_value(fn: ast.AST, name: str, before: int) -> ast.expr | None:
    found: ast.expr | None = None
    for stmt in walk(fn):
        if isinstance(stmt, ast.Assign) and stmt.lineno < before:
            if any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                found = stmt.value if found is None or stmt.lineno > found.lineno else found
    return found


def _chosen_value(project: Project, module: SourceModule, node: ast.Assign) -> ast.expr | None:
    """What ``os.environ["K"] = value`` stores when the environment lacks it.

    The literal itself, the default of an environment read, or either one
    through a local name assigned earlier in the function (``env =
    os.getenv("FLASK_ENV", "development")`` then ``os.environ["FLASK_ENV"] = env``).
    """
    value: ast.expr | None = node.value
    fn = enclosing_function(project, module.path, node.lineno)
    if isinstance(value, ast.Name) and fn is not None:
        found = None
        for stmt in walk(fn.node):
            if isinstance(stmt, ast.Assign) and stmt.lineno < node.lineno:
                if any(isinstance(t, ast.Name) and t.id == value.id for t in stmt.targets):
                    found = stmt.value
        value = found
    if value is None:
        return None
    table = fn.imports if fn is not None else project.module_imports.get(module.name)
    default = env_default(value, table) if table is not None else None
    return default if default is not None else value


@project_fact
def server_launchers(project: Project) -> frozenset[str]:
    """Paths of modules whose code starts the production server (a ``service start`` CLI running gunicorn).

    What such a command does before it starts the server -- exporting
    environment variables, choosing the config -- is what production runs
    with, although it is CLI code.
    """
    from flask_doctor.static.facts.server import code_server_commands

    return frozenset(cmd.source.path for cmd in code_server_commands(project))


@project_fact
def _test_helper_modules(project: Project) -> frozenset[str]:
    """Modules named as test helpers (``testlib``, ``test_utils``) that only tests import.

    ``timesketch/lib/testlib.py`` sets the test configuration for the suite
    with ``os.environ.setdefault(...)`` at import; no production module
    imports it.
    """
    candidates = {name for name in project.modules if "test" in name.rsplit(".", 1)[-1].lower()}
    if not candidates:
        return frozenset()
    production_importers: set[str] = set()
    for importer, records in project.imports.items():
        module = project.modules.get(importer)
        if module is None or is_test_path(module.path) or importer in candidates:
            continue
        for record in records:
            production_importers.add(record.module)
            production_importers.update(f"{record.module}.{name}" for name in record.names)
    return frozenset(candidates - production_importers)


def _production_code(project: Project, module: SourceModule, line: int) -> bool:
    """Code a production worker runs: an application file, outside main blocks, tests and CLI-only functions."""
    if role_of(project, module) is not FileRole.APPLICATION or in_main_guard(project, module.path, line):
        return False
    if module.name in _test_helper_modules(project):
        return False
    fn = enclosing_function(project, module.path, line)
    if fn is None:
        return True
    if TEST in fn.roles:
        return False
    # CLI-only code does not run in a worker, unless the command starts the server itself
    return not (fn.contexts and fn.contexts <= DEV_CONTEXTS) or module.path in server_launchers(project)


# ---------------------------------------------------------------- exported secrets
@dataclass(frozen=True, eq=False)
class SecretExport:
    """``os.environ["SECRET_KEY"] = value`` in production code, and the secret settings that read the variable."""

    export: ConfigSetting  #: the assignment, as a setting of the variable (owner ``"os.environ"``)
    readers: tuple[ConfigSetting, ...]  #: live settings that read the variable


@project_fact
def secret_env_exports(project: Project) -> list[SecretExport]:
    """Production code that sets the environment variable a secret setting is read from.

    A ``service start`` command that exports ``SECRET_KEY`` before it starts
    the server decides the key production signs with, as much as the config
    class that reads it (``SECRET_TOKEN_KEY = os.getenv("SECRET_KEY")``). A
    variable counts when its name or the reading setting's is a secret key
    (:data:`SECRET_KEYS`).
    """
    readers: dict[str, list[ConfigSetting]] = {}
    for setting in (*project.config, *attribute_settings(project)):
        value = setting.value
        table = imports_at(project, setting.location.path, setting.location.line)
        if not is_env_read(value, table):
            continue
        name = value.args[0] if isinstance(value, ast.Call) and value.args else getattr(value, "slice", None)
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            continue
        if (setting.key in SECRET_KEYS or name.value in SECRET_KEYS) and live_in_production(project, setting):
            readers.setdefault(name.value, []).append(setting)
    for name, signers in token_key_variables(project).items():
        readers.setdefault(name, []).extend(signers)
    found: list[SecretExport] = []
    if not readers:
        return found
    for module in project.modules.values():
        if "environ[" not in module.text or not production_deploy_path(module.path):
            continue  # ``dev_server/app.py`` exporting a throw-away key for the reloader is development
        for node in walk(module.tree):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if not (isinstance(target, ast.Subscript) and (dotted(target.value) or "").endswith("environ")):
                continue
            key = target.slice
            if not (isinstance(key, ast.Constant) and key.value in readers):
                continue
            if not _production_code(project, module, node.lineno):
                continue
            location = Location(module.path, node.lineno, node.col_offset + 1)
            export = ConfigSetting(key.value, node.value, location, "base", "os.environ")
            found.append(SecretExport(export, tuple(readers[key.value])))
    return found


#: Calls that sign or verify a token with a key, with the key's position and keyword.
TOKEN_SIGNERS = {"jwt.encode": (1, "key"), "jwt.decode": (1, "key")}


@project_fact
def token_key_variables(project: Project) -> dict[str, list[ConfigSetting]]:
    """Environment variables production code hands to a token signer as its key.

    ``jwt.encode(claims, os.environ["TOKEN_KEY"], algorithm="RS256")``: the
    variable is a signing secret like ``SECRET_KEY``, whatever its name. Each
    use is returned as a setting of the variable whose owner is the signer
    (``"jwt.encode"``).
    """
    found: dict[str, list[ConfigSetting]] = {}
    for site in calls_named(project, ("encode", "decode")):
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        if table is None or is_test_path(site.module.path):
            continue
        signer = qualify(table, site.node.func)
        spec = TOKEN_SIGNERS.get(signer)
        if spec is None:
            continue
        position, keyword = spec
        call = site.node
        key = call.args[position] if len(call.args) > position else None
        key = next((k.value for k in call.keywords if k.arg == keyword), key)
        if key is None or not is_env_read(key, table):
            continue
        name = key.args[0] if isinstance(key, ast.Call) and key.args else getattr(key, "slice", None)
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            continue
        if not _production_code(project, site.module, call.lineno):
            continue
        location = Location(site.module.path, call.lineno, call.col_offset + 1)
        found.setdefault(name.value, []).append(ConfigSetting(name.value, key, location, "base", signer))
    return found


# ---------------------------------------------------------------- Talisman
#: ``Talisman`` keywords that, left alone, mark the session cookie Secure and HttpOnly.
TALISMAN_COOKIE_FLAGS = ("session_cookie_secure", "session_cookie_http_only")
_DEV_KEY = on_first_use(r"(^|_)(DEV|DEVELOPMENT|DEBUG|TEST|TESTING|LOCAL)(_|$)")


@keyed_fact
def talisman_cookie_flag_off(project: Project, flag: str) -> Location | None:
    """Where production switches off Flask-Talisman's ``flag`` (``session_cookie_secure``), if it does.

    Talisman marks the session cookie Secure and HttpOnly by default, whatever
    ``SESSION_COOKIE_SECURE`` says; ``Talisman(app, session_cookie_secure=False)``
    or a ``TALISMAN_CONFIG = {"session_cookie_secure": False, ...}`` setting
    that production uses (not ``TALISMAN_DEV_CONFIG``) turns that off.
    """
    if not any(r.module.startswith("flask_talisman") for records in project.imports.values() for r in records):
        return None
    for site in calls_with_keyword(project, (flag,)):
        if site.in_main or not _production_code(project, site.module, site.node.lineno):
            continue
        for kw in site.node.keywords:
            if kw.arg == flag and false_constant(kw.value):
                return Location(site.module.path, kw.value.lineno, kw.value.col_offset + 1)
    for setting in project.config:
        if not isinstance(setting.value, ast.Dict) or _DEV_KEY().search(setting.key):
            continue
        for key, value in zip(setting.value.keys, setting.value.values):
            if (
                isinstance(key, ast.Constant)
                and key.value == flag
                and false_constant(value)
                and live_in_production(project, setting)
            ):
                return Location(setting.location.path, key.lineno, key.col_offset + 1)
    return None


# ---------------------------------------------------------------- describing
def where(project: Project, setting: ConfigSetting) -> str:
    """Where a setting is made, for a message (``in config class `Config```, ``on `app.config```)."""
    if setting.owner == "app.config":
        return "on `app.config`"
    if setting.owner in project.config_classes:
        return f"in config class `{setting.owner.rsplit('.', 1)[-1]}`"
    if setting.owner == "app":
        return "at start-up"
    if is_file_setting(setting) and setting.owner.endswith(SETTINGS_SUFFIXES):
        return f"in settings file `{setting.owner}`"
    if is_file_setting(setting):
        return f"from the environment `{setting.owner}` sets (`from_prefixed_env`)"
    return f"in config module `{setting.owner}`"


def env_label(setting: ConfigSetting) -> str:
    """Why a live setting counts as production, for a message."""
    if setting.env == "production":
        return "production config"
    if setting.owner in ("app", "app.config"):
        return "runs in production"
    return "base config that production uses"


__all__ = [
    "DEV_CONTEXTS",
    "ConfigFallback",
    "LOADS_OVERRIDES",
    "SECRET_KEYS",
    "TOKEN_SIGNERS",
    "SecretExport",
    "TALISMAN_COOKIE_FLAGS",
    "attribute_settings",
    "prefixed_env_settings",
    "config_fallbacks",
    "config_names",
    "constant_key",
    "dev_only",
    "env_label",
    "foreign_settings_modules",
    "from_object_loaders",
    "generated_secret",
    "generated_secrets",
    "in_production_config",
    "inherited_setting",
    "live_in_production",
    "overridden_later",
    "refused_when_missing",
    "server_launchers",
    "secret_env_exports",
    "settings",
    "startup_guard",
    "talisman_cookie_flag_off",
    "token_key_variables",
    "where",
    # re-exported for the web security facts and rules, which import them from here
    "false_constant",
    "is_test_path",
    "production_deploy_path",
]
