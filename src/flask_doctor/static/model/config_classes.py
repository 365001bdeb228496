"""Collect configuration classes and config modules into ``project.config``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from flask_doctor.findings import Location
from flask_doctor.static.model.environments import classify_env
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import ClassInfo, ConfigSetting
from flask_doctor.static.syntax import walk

_CONFIG_NAME = re.compile(r"config|settings|conf$", re.IGNORECASE)
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: Keys Flask itself reads: a class whose ``__init__`` sets two of them on ``self`` is a config object.
FLASK_KEYS = frozenset(
    {
        "DEBUG",
        "TESTING",
        "ENV",
        "SECRET_KEY",
        "SERVER_NAME",
        "APPLICATION_ROOT",
        "PREFERRED_URL_SCHEME",
        "PROPAGATE_EXCEPTIONS",
        "PERMANENT_SESSION_LIFETIME",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "MAX_CONTENT_LENGTH",
        "SEND_FILE_MAX_AGE_DEFAULT",
        "TEMPLATES_AUTO_RELOAD",
    }
)


def _init_keys(cls: ClassInfo) -> set[str]:
    """The attributes ``__init__`` assigns on ``self``."""
    init = next(
        (s for s in cls.node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"),
        None,
    )
    if init is None:
        return set()
    return {
        target.attr
        for node in walk(init)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


def _init_sets_flask_keys(cls: ClassInfo) -> bool:
    """``__init__`` assigns ``self.DEBUG``/``self.SECRET_KEY``/... (two Flask keys at least): a config object.

    A settings holder built from the operator's file (``self.SECRET_KEY =
    settings.get("SECRET_KEY", ...)``) and then handed to
    ``app.config.from_object(instance)`` is configuration whatever its name.
    """
    return len(_init_keys(cls) & FLASK_KEYS) >= 2


# The two below are functions of the module, not closures calling themselves: such a closure is a cycle that
# the paused collector keeps until the run ends.
def _env_of(project: Project, explicit: dict[str, str], cls: ClassInfo, seen: set[str]) -> str:
    """The environment ``cls`` configures: named by the settings, by its name, or by a project base's."""
    if cls.name in explicit or cls.qualname in explicit:
        return explicit.get(cls.name) or explicit[cls.qualname]
    env = classify_env(cls.name)
    if env != "base":
        return env
    for base in cls.bases:
        parent = project.classes.get(base)
        if parent is not None and parent.qualname not in seen:
            seen.add(parent.qualname)
            parent_env = _env_of(project, explicit, parent, seen)
            if parent_env != "base":
                return parent_env
    return "base"


def _is_config_class(project: Project, explicit: dict[str, str], cls: ClassInfo, seen: set[str]) -> bool:
    """``cls`` or a project base of it is named for configuration, named by the settings, or sets Flask keys."""
    if _CONFIG_NAME.search(cls.name) or cls.name in explicit or _init_sets_flask_keys(cls):
        return True
    for base in cls.bases:
        parent = project.classes.get(base)
        if parent is not None and parent.qualname not in seen:
            seen.add(parent.qualname)
            if _is_config_class(project, explicit, parent, seen):
                return True
    return False


def collect_config_classes(
    project: Project, production: Iterable[str], development: Iterable[str], testing: Iterable[str]
) -> None:
    explicit = {n: "production" for n in production}
    explicit.update({n: "development" for n in development})
    explicit.update({n: "testing" for n in testing})
    project.production_names = tuple(explicit)

    config_modules = _config_modules(project)
    for cls in project.classes.values():
        # a class of a settings module (udata's ``settings.Defaults``) counts when it sets UPPER names
        named = _is_config_class(project, explicit, cls, set())
        if not named and cls.module.name not in config_modules:
            continue
        env = _env_of(project, explicit, cls, set())
        assigns = [s for s in cls.node.body if isinstance(s, (ast.Assign, ast.AnnAssign))]
        has_upper = False
        for stmt in assigns:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and _UPPER.match(target.id) and stmt.value is not None:
                    has_upper = True
                    location = Location(cls.module.path, stmt.lineno, stmt.col_offset + 1)
                    project.config.append(ConfigSetting(target.id, stmt.value, location, env, cls.qualname))
        # a class named for configuration whose ``__init__`` sets UPPER names on ``self`` is one too
        init_upper = named and any(_UPPER.match(k) for k in _init_keys(cls))
        if has_upper or (cls.bases and named) or init_upper or _init_sets_flask_keys(cls):
            project.config_classes[cls.qualname] = env
    # config modules: settings.py, config/production.py, ... with UPPER names
    for module in project.modules.values():
        if module.name not in config_modules:
            continue
        last = module.name.rsplit(".", 1)[-1]
        env = explicit.get(module.name) or classify_env(last if last not in ("config", "settings") else module.name)
        for stmt in module.tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and _UPPER.match(target.id):
                        location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                        project.config.append(ConfigSetting(target.id, stmt.value, location, env, module.name))


def _ends_with_from_object(name: str) -> bool:
    return name.endswith("from_object")


def _config_modules(project: Project) -> frozenset[str]:
    """Modules of settings: ``settings.py``, ``config/production.py``, a module loaded with ``from_object(__name__)``."""
    from flask_doctor.static.facts.sites import calls_matching  # noqa: PLC0415 (the facts build on the model)

    # a name ends with ``from_object`` when its last segment does, the segment its site is listed under
    loaded_by_name = {
        c.module.name
        for c in calls_matching(project, _ends_with_from_object)
        if c.name.endswith("from_object")
        and c.node.args
        and isinstance(c.node.args[0], ast.Name)
        and c.node.args[0].id == "__name__"
    }
    found: set[str] = set()
    for module in project.modules.values():
        last = module.name.rsplit(".", 1)[-1]
        if (
            bool(_CONFIG_NAME.search(last))
            or module.name in loaded_by_name
            or (module.is_package is False and classify_env(last) != "base" and _CONFIG_NAME.search(module.name))
        ):
            found.add(module.name)
    return frozenset(found)
