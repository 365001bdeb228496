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
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.syntax import assignment_targets

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

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


@dataclass(frozen=True)
class SharedSelf:
    """The instance a function's ``self`` names is the one every request shares.

    A route, hook or error handler defined as a closure inside a method
    (``@self.app.route("/")`` in ``define_routes(self)``) captures that
    method's ``self``: the instance is built once at set-up and every request
    to the route runs on it, in the worker's threads at the same time.  The
    methods the closures call as ``self.m(...)`` (and theirs, and the
    closures inside them) run on the same instance.
    """

    name: str  # how the function names the instance (``self``)
    class_qual: str  # the class of the instance the closures capture
    setup: FunctionInfo  # the method that defines the closures
    view: FunctionInfo  # the closure request code enters by


#: Roles of functions Flask calls for a request.
_REQUEST_ROLES = frozenset({"view", "hook", "error_handler"})


@project_fact
def route_serving_selves(project: Project) -> dict[str, SharedSelf]:
    """Functions (by qualname) whose ``self`` is an instance request closures capture (:class:`SharedSelf`)."""
    nested: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if fn.parent is not None:
            nested.setdefault(fn.parent.qualname, []).append(fn)
    found: dict[str, SharedSelf] = {}
    queue: list[tuple[FunctionInfo, SharedSelf]] = []
    for fn in project.functions.values():
        if not fn.roles & _REQUEST_ROLES or fn.parent is None or is_test_path(fn.module.path):
            continue
        shared = _captured_self(fn)
        if shared is not None:
            queue.append((fn, shared))
    while queue:
        fn, shared = queue.pop()
        if fn.qualname in found:
            continue
        found[fn.qualname] = shared
        for inner in nested.get(fn.qualname, ()):
            if shared.name not in inner.local_names:  # a closure of a reached function sees the same ``self``
                queue.append((inner, shared))
        for _name, call in fn.calls:
            func = call.func
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
                continue
            if func.value.id != shared.name:
                continue
            method = _method_of(project, shared.class_qual, func.attr)
            own = _self_name(method) if method is not None else None
            if method is not None and own is not None:
                queue.append((method, SharedSelf(own, shared.class_qual, shared.setup, shared.view)))
    return found


def _captured_self(fn: FunctionInfo) -> SharedSelf | None:
    """The ``self`` of the method a request closure is defined in, when no function in between rebinds it."""
    probe = fn.parent
    inner = [fn]
    while probe is not None and not probe.class_name:
        inner.append(probe)
        probe = probe.parent
    if probe is None:
        return None
    name = _self_name(probe)
    if name is None or any(name in f.local_names for f in inner):
        return None
    class_qual = probe.qualname.rsplit(".", 1)[0]
    return SharedSelf(name, class_qual, probe, fn)


def _self_name(method: FunctionInfo) -> str | None:
    """The first parameter of an instance method (None for static and class methods)."""
    if not method.class_name or any(dotted(d) in ("staticmethod", "classmethod") for d in method.node.decorator_list):
        return None
    args = method.node.args.posonlyargs + method.node.args.args
    return args[0].arg if args else None


def _method_of(project: Project, class_qual: str, name: str) -> FunctionInfo | None:
    """The method ``name`` an instance of ``class_qual`` runs (its own, or the first base's that defines it)."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is not None and name in cls.methods:
            return cls.methods[name]
    return None


def numeric_attribute(project: Project, class_qual: str, attr: str) -> bool:
    """An instance of ``class_qual`` starts ``attr`` as a number (``self.attr = 0`` in a method of the class or
    of a base, or ``attr = 0`` in a class body): a counter, not a list or a string ``+=`` extends."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            targets = assignment_targets(stmt)
            value = getattr(stmt, "value", None)
            if (
                value is not None
                and _is_number(value)
                and any(isinstance(t, ast.Name) and t.id == attr for t in targets)
            ):
                return True
        for method in cls.methods.values():
            own = _self_name(method)
            if own is None:
                continue
            for node in ast.walk(method.node):
                if not (isinstance(node, ast.Assign) and _is_number(node.value)):
                    continue
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr == attr and dotted(t.value) == own:
                        return True
    return False


def _is_number(value: ast.expr) -> bool:
    return (
        isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)
    )


__all__ = [
    "SharedSelf",
    "numeric_attribute",
    "route_serving_selves",
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
