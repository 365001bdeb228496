"""Facts about process state: module-level containers request code fills, and values weak references refuse.

A worker process lives for thousands of requests.  A dict, list or set
created at module level and filled by request code keeps every entry for
the life of the worker unless something in the project removes entries
(``pop``, ``clear``, ``del``, a ``len()`` check: how bounded caches evict).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import ImportTable, dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import Project

#: Methods that add entries to a list, set, dict or deque.
GROWING_METHODS = frozenset({"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"})
CONTAINER_CALLS = {
    "dict",
    "list",
    "set",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
    "defaultdict",
    "OrderedDict",
    "Counter",
    "deque",
}


@dataclass
class ModuleContainer:
    """A mutable container assigned at module level."""

    qualname: str
    name: str
    kind: str
    location: Location
    evicted: bool = False  # something in the project removes entries


@project_fact
def module_containers(project: Project) -> dict[str, ModuleContainer]:
    """Module-level mutable containers, by qualified name, and whether anything ever evicts from them."""
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
                    location = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                    found[qual] = ModuleContainer(qual, target.id, kind, location)
    # eviction anywhere (pop/clear/del/len-check) makes a container a bounded cache
    for module_name, name in project.evictions:
        for qual in (f"{module_name}.{name}", _qualify(project, module_name, name)):
            if qual in found:
                found[qual].evicted = True
    return found


def _qualify(project: Project, module_name: str, name: str) -> str:
    table = project.module_imports.get(module_name)
    return (table.qualify(name) if table else None) or ""


def _container_kind(value: ast.expr, table: ImportTable | None) -> str | None:
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        qualified = table.qualify(name) if table is not None and name else None
        full = qualified or name
        if full in CONTAINER_CALLS or name in CONTAINER_CALLS:
            if full.endswith("deque") and any(kw.arg == "maxlen" for kw in value.keywords):
                return None
            if full.endswith("deque") and len(value.args) >= 2:
                return None
            return full.rsplit(".", 1)[-1]
    return None


def module_container_for(ctx: Context, node: ast.expr) -> ModuleContainer | None:
    """The module-level container ``node`` names where the walk is (a local of the same name shadows it)."""
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


def in_request_code(ctx: Context) -> bool:
    """The walk is in code requests run, not in a test or a ``before_first_request`` hook (runs once)."""
    if not ctx.in_request or ctx.is_test_code():
        return False
    fn = ctx.function
    return fn is None or "before_first_request" not in fn.roles


#: Names whose attributes identify the logged-in user (Flask-Login's proxy, ``g.user``).
_USER_HOLDERS = ("current_user", "g.user", "flask.g.user", "flask_login.current_user")
_USER_KEYS = ("id", "user_id", "get_id", "username", "email", "uid", "name", "login")
_SESSION_USER_KEYS = ("user_id", "uid", "_user_id", "username", "user")


def keyed_by_user(key: ast.expr) -> bool:
    """The key is the logged-in user's identity (``current_user.id``, ``session["user_id"]``).

    A dict keyed so holds one entry per user, overwritten on each request:
    it is bounded by the number of accounts, not by the traffic.
    """
    if isinstance(key, ast.Call) and not key.args and not key.keywords:
        key = key.func  # ``current_user.get_id()``
    if isinstance(key, ast.Attribute) and key.attr in _USER_KEYS:
        owner = dotted(key.value) or ""
        return owner in _USER_HOLDERS or owner.endswith(".current_user")
    if isinstance(key, ast.Subscript) and dotted(key.value) in ("session", "flask.session"):
        return isinstance(key.slice, ast.Constant) and key.slice.value in _SESSION_USER_KEYS
    return False


def filled_once(ctx: Context, container: ast.expr) -> bool:
    """The function returns early while the container already holds entries (``if _names: return _names``),
    so it fills the container once per process: a lazily built cache, not one that grows."""
    name = dotted(container)
    fn = ctx.function
    if not name or fn is None:
        return False
    for stmt in fn.node.body:
        if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise))):
            continue
        test = stmt.test.operand if isinstance(stmt.test, ast.UnaryOp) else stmt.test
        if any(dotted(node) == name for node in ast.walk(test) if isinstance(node, (ast.Name, ast.Attribute))):
            return True
    return False


_LOGIN_WORDS = ("login", "signin", "sign_in", "logon", "signup", "sign_up", "register", "authenticate")


def login_flow(ctx: Context) -> str | None:
    """The view at the root of the request path is a login/sign-up view (its name or route says so)."""
    fn = ctx.function
    if fn is None:
        return None
    root = ctx.project.functions.get(ctx.project.chain(fn.qualname, REQUEST)[0])
    if root is None:
        return None
    texts = [root.name.lower(), *(route.rule.lower() for route in root.routes)]
    return root.display if any(word in text for text in texts for word in _LOGIN_WORDS) else None


_IMMORTAL_CALLS = ("str", "int", "float", "tuple", "bytes")


def immortal_kind(value: ast.expr) -> str | None:
    """The type name of a value a weak reference cannot point to (``str``, ``int``, ``tuple``...), else None."""
    if isinstance(value, ast.Constant):
        return type(value.value).__name__ if value.value is not None else "NoneType"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Tuple):
        return "tuple"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _IMMORTAL_CALLS:
        return value.func.id
    return None


__all__ = [
    "filled_once",
    "keyed_by_user",
    "login_flow",
    "CONTAINER_CALLS",
    "GROWING_METHODS",
    "ModuleContainer",
    "immortal_kind",
    "in_request_code",
    "module_container_for",
    "module_containers",
]
