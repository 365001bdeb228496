"""``from package import *``: the names a star import binds from a module of the project.

Plugin modules often take their base classes and helpers this way (``from .base import *`` then
``class Graphite(BaseQueryRunner)``); without these names the class's base, and so the plugin family,
is unknown.  Python binds the module's ``__all__`` when it is a literal list of strings, else every
top-level name that does not start with an underscore: its functions, classes, assigned names and the
names it imports itself.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model.project import Project
from flask_doctor.static.names import ImportTable, resolve_relative
from flask_doctor.static.source import SourceModule


def star_exports(project: Project, module: SourceModule) -> dict[str, str]:
    """Local name -> qualified name for ``from <module> import *`` (memoised on the project)."""
    found = project.star_exports.get(module.name)
    if found is None:
        found = project.star_exports[module.name] = _exports(module)
    return found


def _exports(module: SourceModule) -> dict[str, str]:
    table = ImportTable()
    defined: dict[str, str] = {}
    listed: list[str] | None = None
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            table.add_import(stmt, module.name, module.is_package)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[stmt.name] = f"{module.name}.{stmt.name}"
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    defined[target.id] = f"{module.name}.{target.id}"
                    if target.id == "__all__" and isinstance(stmt.value, (ast.List, ast.Tuple)):
                        listed = [
                            e.value for e in stmt.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                        ]
    names = {**table.aliases, **defined}
    if listed is not None:
        return {name: names.get(name, f"{module.name}.{name}") for name in listed}
    return {name: target for name, target in names.items() if not name.startswith("_")}


def star_source(node: ast.ImportFrom, module: SourceModule) -> str | None:
    """The module a ``from x import *`` statement reads, or None for any other import."""
    if not any(alias.name == "*" for alias in node.names):
        return None
    return resolve_relative(module.name, module.is_package, node.level, node.module)
