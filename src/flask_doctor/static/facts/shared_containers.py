"""Facts about process-wide containers reached through an object rather than a module-level name.

A dict kept on the application (``app.previews = {}`` in the factory,
``app.extensions["audit"] = {"seen": {}}``, ``app.config["SEEN"] = {}``),
read in request code as ``current_app.previews``, lives as long as the
worker, exactly like a module-level dict.  So does a dict an object built
once per process holds (``tracker = Tracker()`` at module level with
``self.visits = {}`` in ``__init__``), and a dict in a class body reached
through ``self``/``cls`` (one object shared by every instance).

A path is written as the steps from its root: attribute names and
constant keys (``("extensions", "['audit']", "['seen']")``).  The root is
the application (:data:`APP`) or a project class (its qualified name).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.apps import CURRENT_APP, is_flask_type, object_type
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import SHRINKING_METHODS
from flask_doctor.static.model.plugins import own_nodes
from flask_doctor.static.names import ImportTable, dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project

#: The root of paths through the Flask application (``app.x``, ``current_app.x``).
APP = "<app>"

#: Roles of functions that run once per process (they build, not serve).
_SETUP_ROLES = frozenset({"factory"})
#: Roles of functions Flask calls for a request: assigning a container there replaces it (a reset).
_REQUEST_ROLES = frozenset({"view", "hook", "error_handler"})


@dataclass(frozen=True, eq=False)
class SharedPath:
    """Where an expression leads: a root and the steps from it."""

    root: str  # :data:`APP` or a project class's qualified name
    steps: tuple[str, ...]
    via_self: bool = False  # reached through ``self``/``cls`` in a method of the class

    def display(self, head: str) -> str:
        text = head
        for step in self.steps:
            text += step if step.startswith("[") else f".{step}"
        return text


@dataclass(eq=False)
class SharedDefinition:
    """How a path's container is created: its kind (None: not a plain container) and where."""

    kind: str | None
    location: Location | None
    reset: bool = False  # assigned anew by request code (a per-request reset)


def split_chain(node: ast.expr) -> tuple[ast.Name, tuple[str, ...]] | None:
    """``current_app.extensions["x"]["seen"]`` -> (``current_app``, ``("extensions", "['x']", "['seen']")``)."""
    steps: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            steps.append(node.attr)
            node = node.value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, (str, int))
        ):
            steps.append(f"[{node.slice.value!r}]")
            node = node.value
        elif isinstance(node, ast.Name):
            return node, tuple(reversed(steps))
        else:
            return None


def shared_path(
    project: Project, module_name: str, fn: FunctionInfo | None, node: ast.expr, *, loose: bool = False
) -> SharedPath | None:
    """The process-wide object ``node`` reaches in ``fn`` (or at module level), with the steps from it.

    ``loose`` also takes a parameter that names or is annotated as an application (``def init_audit(app)``,
    ``def init_app(self, app: Flask)``) for one: what set-up code is handed. Used to find where a container is
    created or emptied, never where it is filled."""
    chain = split_chain(node)
    if chain is None:
        return None
    head, steps = chain
    if not steps:
        return None
    name = head.id
    table: ImportTable | None = fn.imports if fn is not None else project.module_imports.get(module_name)
    local = fn is not None and name in fn.local_names and name not in fn.global_names
    if fn is not None and fn.class_name and _first_param(fn) == name:
        return SharedPath(fn.bound or fn.qualname.rsplit(".", 1)[0], steps, via_self=True)
    if not local and table is not None:
        if table.qualify(name) in CURRENT_APP:
            return SharedPath(APP, steps)
        if len(steps) > 1 and table.qualify(f"{name}.{steps[0]}") in CURRENT_APP:
            return SharedPath(APP, steps[1:])
    if loose and fn is not None and _app_parameter(fn, name, table):
        return SharedPath(APP, steps)
    kind = object_type(project, module_name, name, fn)
    if is_flask_type(project, kind) or (not local and is_flask_type(project, _enclosing_type(fn, name))):
        return SharedPath(APP, steps)  # the module's app, or the factory's, seen from a hook defined inside it
    if local or kind is None or kind not in project.classes:
        return None
    return SharedPath(kind, steps)  # a module-level instance of a project class: built once per process


def _enclosing_type(fn: FunctionInfo | None, name: str) -> str | None:
    """The type of ``name`` in the function ``fn`` is defined in, when ``fn`` reads it from there (a hook
    registered inside the app factory, ``@app.before_request`` over the factory's ``app``)."""
    outer = fn.parent if fn is not None else None
    while outer is not None:
        if name in outer.local_names and name not in outer.global_names:
            return outer.local_types.get(name)
        outer = outer.parent
    return None


_APP_PARAMETERS = frozenset({"app", "application", "flask_app", "the_app"})


def _app_parameter(fn: FunctionInfo, name: str, table: ImportTable | None) -> bool:
    for arg in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs:
        if arg.arg != name:
            continue
        if arg.annotation is not None:
            annotation = dotted(arg.annotation) or ""
            return (table.qualify(annotation) if table is not None else None) == "flask.Flask" or annotation == "Flask"
        return name in _APP_PARAMETERS
    return False


def _first_param(fn: FunctionInfo) -> str | None:
    if any(dotted(d) == "staticmethod" for d in fn.node.decorator_list):
        return None
    args = fn.node.args.posonlyargs + fn.node.args.args
    return args[0].arg if args else None


@project_fact
def _functions_by_module(project: Project) -> dict[str, list[FunctionInfo]]:
    found: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        if fn.bound is None:
            found.setdefault(fn.module.name, []).append(fn)
    return found


Scope = tuple[str, "FunctionInfo | None", list[ast.AST]]


@keyed_fact
def _scopes(project: Project, word: str) -> list[Scope]:
    """(module, function, nodes) of every scope of the modules whose text has ``word`` as a step of a path:
    an attribute (``.seen``) or a constant key (``["seen"]``)."""
    pattern = re.compile(rf"[.'\"]{re.escape(word)}\b")
    scopes: list[Scope] = []
    for name, module in project.modules.items():
        if pattern.search(module.text):
            scopes += _module_scopes(project, name)
    return scopes


@keyed_fact
def _module_scopes(project: Project, module_name: str) -> list[Scope]:
    """The module's own statements and each of its functions, with the nodes :func:`shared_facts` reads
    (assignments, calls, deletions; walked once per module)."""
    module = project.modules[module_name]
    scopes: list[Scope] = [(module_name, None, [n for n in _module_nodes(module.tree) if n.__class__ in _READ])]
    scopes += [
        (module_name, fn, [n for n in own_nodes(fn.node) if n.__class__ in _READ])
        for fn in _functions_by_module(project).get(module_name, ())
    ]
    return scopes


#: The statements and expressions that create, fill or empty a container.
_READ = frozenset({ast.Assign, ast.AnnAssign, ast.Call, ast.Delete})


def _module_nodes(tree: ast.Module) -> list[ast.AST]:
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _word(steps: tuple[str, ...]) -> str:
    """The text a module must hold to mention the path (its most specific step)."""
    for step in reversed(steps):
        text = step.strip("[]'\"")
        if text and text not in ("extensions", "config") and not text.isdigit():
            return text
    return steps[0].strip("[]'\"")


@dataclass(eq=False)
class SharedFacts:
    """The definitions and evictions found for one path."""

    definitions: list[SharedDefinition]
    evicted: bool
    #: Something bounds its size: ``clear``/``popitem``/a ``len()`` check, a reset, or removal of keys it
    #: chooses itself (iterating the container, or a method called in a loop).  Removing only the key a
    #: caller names (``del self.store[key]`` when that key is read back expired, ``pop(name)`` on an explicit
    #: invalidation) leaves every key nobody names again in place.
    bounded: bool = True


@keyed_fact
def shared_facts(project: Project, path: SharedPath) -> SharedFacts:
    """How the container at ``path`` is created and whether anything removes entries from it.

    A definition is an assignment of a container to the path, or to a path
    above it with a dict literal holding it (``app.extensions["audit"] =
    {"seen": {}}``), or ``setdefault`` of one.  Eviction is ``pop``/
    ``clear``/``del``/``len()`` on it, or request code assigning it anew.
    Only modules whose text names the path's last step are read.
    """
    from flask_doctor.static.facts.state import container_kind

    definitions: list[SharedDefinition] = []
    evicted = False
    bounded = False
    key = (path.root, path.steps)
    for module_name, fn, nodes in _scopes(project, _word(path.steps)):
        table = fn.imports if fn is not None else project.module_imports.get(module_name)
        path_module = project.modules[module_name].path

        def lead(node: ast.expr) -> tuple[str, tuple[str, ...]] | None:
            found = shared_path(project, module_name, fn, node, loose=True)  # noqa: B023
            if found is None or found.root != path.root:
                return None
            return found.root, found.steps

        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if not isinstance(target, (ast.Attribute, ast.Subscript)):
                        continue
                    at = lead(target)
                    if at is None or at[1] != path.steps[: len(at[1])]:
                        continue
                    value = _follow(node.value, path.steps[len(at[1]) :])
                    if value is None:
                        continue
                    reset = fn is not None and bool(fn.roles & _REQUEST_ROLES)
                    location = Location(path_module, node.lineno, node.col_offset + 1)
                    definitions.append(SharedDefinition(container_kind(value, table), location, reset))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method in SHRINKING_METHODS and lead(node.func.value) == key:
                    evicted = True
                    given = node.args[0] if node.args and method in _KEYED_REMOVALS else None
                    bounded = bounded or not _caller_named(project, fn, given)
                elif method == "setdefault" and len(node.args) == 2 and isinstance(node.args[0], ast.Constant):
                    at = lead(node.func.value)
                    step = f"[{node.args[0].value!r}]"
                    if at is not None and (*at[1], step) == path.steps[: len(at[1]) + 1]:
                        value = _follow(node.args[1], path.steps[len(at[1]) + 1 :])
                        if value is not None:
                            location = Location(path_module, node.lineno, node.col_offset + 1)
                            definitions.append(SharedDefinition(container_kind(value, table), location))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and node.args:
                if lead(node.args[0]) == key:
                    evicted = bounded = True
            elif isinstance(node, ast.Delete):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and lead(target.value) == key:
                        evicted = True
                        bounded = bounded or not _caller_named(project, fn, target.slice)
    if path.root != APP and len(path.steps) == 1 and _reassigned_in_methods(project, path.root, path.steps[0]):
        evicted = bounded = True
    reset = any(d.reset for d in definitions)
    return SharedFacts(definitions, evicted or reset, bounded or reset)


#: Removals that name the entry to remove (``pop(key)``, ``remove(item)``), as opposed to ``popitem``/``clear``.
_KEYED_REMOVALS = frozenset({"pop", "remove", "discard"})


def _caller_named(project: Project, fn: FunctionInfo | None, key: ast.expr | None) -> bool:
    """The removed key is a parameter of ``fn`` (the caller names it), and no method of the same class calls
    ``fn`` in a loop (a sweep that walks the entries and removes the stale ones bounds the container) or hands
    it out as a callback (``pool.submit(self._run, key)``, a timer: the removal runs for each entry when its
    work ends, not when a client names the key again)."""
    if fn is None or key is None or not isinstance(key, ast.Name):
        return False
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    params.discard(_first_param(fn) or "")
    aliases = {
        t.id
        for node in own_nodes(fn.node)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in params
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    if key.id not in params | aliases:
        return False
    return not (fn.class_name and _called_in_loop(project, fn))


def _called_in_loop(project: Project, fn: FunctionInfo) -> bool:
    cls = project.classes.get(fn.qualname.rsplit(".", 1)[0])
    if cls is None:
        return False
    for method in cls.methods.values():
        own = _first_param(method)
        called: set[int] = set()
        for node in own_nodes(method.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                called.add(id(node.func))
            if isinstance(node, (ast.For, ast.While)) and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == fn.name
                for n in ast.walk(node)
            ):
                return True
        for node in own_nodes(method.node):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == fn.name
                and id(node) not in called
                and isinstance(node.value, ast.Name)
                and node.value.id == own
            ):
                return True  # handed out as a callback
    return False


def _follow(value: ast.expr, steps: tuple[str, ...]) -> ast.expr | None:
    """The part of ``value`` the remaining constant-key ``steps`` lead to (through dict literals)."""
    for step in steps:
        if not (step.startswith("[") and isinstance(value, ast.Dict)):
            return None
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and f"[{key.value!r}]" == step:
                value = item
                break
        else:
            return None
    return value


def _reassigned_in_methods(project: Project, class_qual: str, attr: str) -> bool:
    """``self.cache = {}`` in a method other than ``__init__`` (a reset), for the class or a base."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for method in cls.methods.values():
            if method.name == "__init__":
                continue
            own = _first_param(method)
            for node in own_nodes(method.node):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == attr and dotted(t.value) == own for t in node.targets
                ):
                    return True
    return False


@project_fact
def built_once(project: Project) -> frozenset[str]:
    """Project classes every instance of which lives as long as the process: each call of the class is made
    by set-up code (:func:`setup_functions`: module level, the app factory, a function only start-up runs),
    or by the ``__init__`` of an object that is itself built once (``self._locks = _Locks()`` in the
    constructor of a singleton), and there is at least one.  A class named through an alias in a class body
    (``cache_cls = IndexCache`` then ``cls.cache_cls(...)``) is built where the alias is called."""
    setup = setup_functions(project)
    sites: dict[str, list[FunctionInfo | None]] = {}
    for site in project.calls:
        if is_test_path(site.module.path):
            continue  # tests build their own instances
        name = site.name if site.name in project.classes else _class_alias(project, site.name, site.function)
        if name is not None:
            sites.setdefault(name, []).append(site.function)
    once: set[str] = set()
    changed = True
    while changed:  # an owner found built once makes what its constructor builds built once
        changed = False
        for name, functions in sites.items():
            if name in once:
                continue
            if all(fn is None or fn.qualname in setup or _owned(fn, once) for fn in functions):
                once.add(name)
                changed = True
    return frozenset(once)


def _owned(fn: FunctionInfo, once: set[str]) -> bool:
    """``fn`` is the constructor of a class built once: what it builds is kept by that one object."""
    return fn.name == "__init__" and fn.class_name is not None and fn.qualname.rsplit(".", 1)[0] in once


#: Contexts in which a function may run once per request or per job (what it builds is not kept once).
_PER_CALL_CONTEXTS = frozenset({"request", "job"})


@project_fact
def setup_functions(project: Project) -> frozenset[str]:
    """Functions that run at start-up only: the app factory, functions the module level calls
    (``cache = Cache.from_config()``), and functions the factory reaches (``storage.setup(uri)`` in
    ``create_app``), none of which any request or job reaches."""
    found: set[str] = set()
    for fn in project.functions.values():
        if fn.contexts & _PER_CALL_CONTEXTS:
            continue
        if fn.roles & _SETUP_ROLES or "factory" in fn.contexts:
            found.add(fn.qualname)
    for site in project.calls:
        if site.function is None and site.name in project.functions:
            fn = project.functions[site.name]
            if not fn.contexts & _PER_CALL_CONTEXTS:
                found.add(fn.qualname)
    return frozenset(found)


def _class_alias(project: Project, name: str, fn: FunctionInfo | None) -> str | None:
    """``cls.cache_cls(...)`` in a method of a class whose body says ``cache_cls = IndexCache``: that class."""
    if fn is None or not fn.class_name or name.count(".") != 1:
        return None
    head, attr = name.split(".")
    if head not in ("cls", "self"):
        return None
    for current in project.lineage(fn.bound or fn.qualname.rsplit(".", 1)[0]):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Name)
                and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets)
            ):
                local = f"{cls.module.name}.{stmt.value.id}"
                if local in project.classes:
                    return local
                table = project.module_imports.get(cls.module.name)
                qualified = table.qualify(stmt.value.id) if table is not None else None
                return qualified if qualified in project.classes else None
    return None


__all__ = [
    "APP",
    "SharedDefinition",
    "SharedFacts",
    "SharedPath",
    "built_once",
    "setup_functions",
    "shared_facts",
    "shared_path",
    "split_chain",
]
