"""Facts shared by the state rules (moved from the family module).

FD1xx — state and memory: what request code leaves behind in the process.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.model import Project
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)

GROWING_METHODS = {"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"}
SHRINKING_METHODS = {"pop", "popitem", "clear", "remove", "discard", "popleft"}
CONTAINER_CALLS = {
    "dict", "list", "set", "collections.defaultdict", "collections.OrderedDict",
    "collections.Counter", "collections.deque", "defaultdict", "OrderedDict", "Counter", "deque",
}


@dataclass
class ModuleContainer:
    qualname: str
    name: str
    kind: str
    location: Location
    evicted: bool = False  # something in the project removes entries


def module_containers(project: Project) -> dict[str, ModuleContainer]:
    """Module-level mutable containers, and whether anything ever evicts from them."""
    cached = getattr(project, "_fd_containers", None)
    if cached is not None:
        return cached
    found: dict[str, ModuleContainer] = {}
    for module in project.modules.values():
        table = project.module_imports.get(module.name)
        for stmt in module.tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            if value is None:
                continue
            kind = _container_kind(value, table)
            if kind is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    qual = f"{module.name}.{target.id}"
                    found[qual] = ModuleContainer(qual, target.id, kind, Location(module.path, stmt.lineno, stmt.col_offset + 1))
    # eviction anywhere (pop/clear/del/len-check) makes a container a bounded cache
    for module_name, name in project.evictions:
        for qual in (f"{module_name}.{name}", _qualify(project, module_name, name)):
            if qual in found:
                found[qual].evicted = True
    project._fd_containers = found  # type: ignore[attr-defined]
    return found


def _qualify(project: Project, module_name: str, name: str) -> str:
    table = project.module_imports.get(module_name)
    return (table.qualify(name) if table else None) or ""


def _container_kind(value: ast.expr, table: object) -> str | None:
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        qualified = table.qualify(name) if table is not None and name else None  # type: ignore[attr-defined]
        full = qualified or name
        if full in CONTAINER_CALLS or name in CONTAINER_CALLS:
            if full.endswith("deque") and any(kw.arg == "maxlen" for kw in value.keywords):
                return None
            if full.endswith("deque") and len(value.args) >= 2:
                return None
            return full.rsplit(".", 1)[-1]
    return None


def _container_for(ctx: Context, node: ast.expr) -> ModuleContainer | None:
    name = dotted(node)
    if not name or "." in name:
        return None
    # a local variable of the same name shadows the module-level one
    if ctx.function is not None and _is_local(ctx, name):
        return None
    containers = module_containers(ctx.project)
    found = containers.get(f"{ctx.module.name}.{name}")
    if found is None:
        qualified = ctx.qualified(node)
        if qualified:
            found = containers.get(qualified)
    return found


def _is_local(ctx: Context, name: str) -> bool:
    fn = ctx.function
    assert fn is not None
    return name in fn.local_names and name not in fn.global_names


def _request_code(ctx: Context) -> bool:
    if not ctx.in_request or ctx.is_test_code():
        return False
    fn = ctx.function
    return fn is None or "before_first_request" not in fn.roles


def _immortal_kind(value: ast.expr) -> str | None:
    if isinstance(value, ast.Constant):
        return type(value.value).__name__ if value.value is not None else "NoneType"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Tuple):
        return "tuple"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("str", "int", "float", "tuple", "bytes"):
        return value.func.id
    return None


REQUEST_DATA = ("flask.request", "flask.session", "flask.g", "flask_login.current_user")
