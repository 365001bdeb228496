"""Collect configuration classes and config modules into ``project.config``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from flask_doctor.findings import Location
from flask_doctor.static.model.environments import classify_env
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import ClassInfo, ConfigSetting

_CONFIG_NAME = re.compile(r"config|settings|conf$", re.IGNORECASE)
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")


def collect_config_classes(
    project: Project, production: Iterable[str], development: Iterable[str], testing: Iterable[str]
) -> None:
    explicit = {n: "production" for n in production}
    explicit.update({n: "development" for n in development})
    explicit.update({n: "testing" for n in testing})
    project.production_names = tuple(explicit)

    def env_of(cls: ClassInfo, seen: set[str]) -> str:
        if cls.name in explicit or cls.qualname in explicit:
            return explicit.get(cls.name) or explicit[cls.qualname]
        env = classify_env(cls.name)
        if env != "base":
            return env
        for base in cls.bases:
            parent = project.classes.get(base)
            if parent is not None and parent.qualname not in seen:
                seen.add(parent.qualname)
                parent_env = env_of(parent, seen)
                if parent_env != "base":
                    return parent_env
        return "base"

    def is_config_class(cls: ClassInfo, seen: set[str]) -> bool:
        if _CONFIG_NAME.search(cls.name) or cls.name in explicit:
            return True
        for base in cls.bases:
            parent = project.classes.get(base)
            if parent is not None and parent.qualname not in seen:
                seen.add(parent.qualname)
                if is_config_class(parent, seen):
                    return True
        return False

    for cls in project.classes.values():
        if not is_config_class(cls, set()):
            continue
        env = env_of(cls, set())
        assigns = [s for s in cls.node.body if isinstance(s, (ast.Assign, ast.AnnAssign))]
        has_upper = False
        for stmt in assigns:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and _UPPER.match(target.id) and stmt.value is not None:
                    has_upper = True
                    location = Location(cls.module.path, stmt.lineno, stmt.col_offset + 1)
                    project.config.append(ConfigSetting(target.id, stmt.value, location, env, cls.qualname))
        if has_upper or cls.bases:
            project.config_classes[cls.qualname] = env
    # config modules: settings.py, config/production.py, ... with UPPER names
    loaded_by_name = {
        c.module.name
        for c in project.calls
        if c.name.endswith("from_object")
        and c.node.args
        and isinstance(c.node.args[0], ast.Name)
        and c.node.args[0].id == "__name__"
    }
    for module in project.modules.values():
        last = module.name.rsplit(".", 1)[-1]
        is_config_module = (
            bool(_CONFIG_NAME.search(last))
            or module.name in loaded_by_name
            or (module.is_package is False and classify_env(last) != "base" and _CONFIG_NAME.search(module.name))
        )
        if not is_config_module:
            continue
        env = explicit.get(module.name) or classify_env(last if last not in ("config", "settings") else module.name)
        for stmt in module.tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and _UPPER.match(target.id):
                        location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                        project.config.append(ConfigSetting(target.id, stmt.value, location, env, module.name))
