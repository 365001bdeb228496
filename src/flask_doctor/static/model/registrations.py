"""Handlers a project decorator files in a table that a dispatcher reads: the project's own router.

Some projects route requests themselves: one Flask view takes every path and a dispatcher picks the
handler from a table that a decorator of the project filled::

    def handles(pattern):
        def register(fn):
            ROUTES.append((re.compile(pattern), fn))     # a table: the function is stored
            return fn
        return register

    def endpoint(pattern):
        def mark(fn):
            fn.url_pattern = re.compile(pattern)         # a tag: the function is marked ...
            return fn
        return mark

    class Api:
        def __init__(self):                              # ... and something collects the marked ones
            self.table = [m for m in vars(type(self)).values() if hasattr(m, "url_pattern")]

        def dispatch(self, path):                        # the dispatcher reads the table
            for pattern, handler in ROUTES: ...

The plain call graph never sees ``dispatch`` call a handler: the call goes through the table.  This module
finds such *registering decorators* (project functions whose body stores the decorated function in a
container, or sets attributes on it), the functions each decorates (its *members*), and the functions that
*consult* the registry: they read a table the decorator fills, or an attribute of ``self`` that a function
reading the decorator's tag by name (``hasattr(x, "url_pattern")``) fills (``self.table`` above).  Reading a
tag alone is no dispatch: a function that checks a job function is marked before queueing it
(``if not hasattr(fn, "job_options"): raise ...``) never runs it.

Context propagation gives the members the request (or job) context of a consulting function, and only
those: the members of a registry nothing in a request reads stay unreached, so a handler runs in requests
only when the code shows a Flask view (or a job) reaching the dispatcher.
"""

from __future__ import annotations

import ast
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.static.model.plugins import OwnBodies, own_nodes
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import FunctionInfo
from flask_doctor.static.names import dotted

#: Container methods that file their argument.
_FILING = frozenset({"append", "add", "insert", "appendleft", "setdefault", "register"})
#: Calls that read an attribute by its name.
_BY_NAME = frozenset({"hasattr", "getattr"})


@dataclass(eq=False)
class _Registry:
    """What one registering decorator fills, and the functions it decorates."""

    #: module-level tables, qualified (``pkg.routes.ROUTES``)
    globals: set[str] = field(default_factory=set)
    #: attribute tables, by attribute name (``self.handlers``)
    attributes: set[str] = field(default_factory=set)
    #: attribute names it sets on the decorated function (``fn.url_pattern = ...``)
    tags: set[str] = field(default_factory=set)
    members: dict[str, FunctionInfo] = field(default_factory=dict)


class Registrations:
    """The project's registering decorators and who consults them (built once, asked per reached function)."""

    def __init__(self, project: Project, bodies: OwnBodies) -> None:
        self.project = project
        self.bodies = bodies
        self._registries: list[_Registry] = []
        self._consulting: dict[str, list[FunctionInfo]] = {}
        kinds: dict[str, _Registry | None] = {}
        for fn in project.functions.values():
            for deco in fn.node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = dotted(target)
                if not name:
                    continue
                decorator = project.resolve_function(name, fn.parent, fn.module)
                if decorator is None or decorator is fn:
                    continue
                if decorator.qualname not in kinds:
                    kinds[decorator.qualname] = _registry_of(decorator)
                registry = kinds[decorator.qualname]
                if registry is not None:
                    registry.members[fn.qualname] = fn
        self._registries = [r for r in kinds.values() if r is not None and r.members]
        self._decorators = {q for q, r in kinds.items() if r is not None and r.members}
        self._derived_tables()

    def __bool__(self) -> bool:
        return bool(self._registries)

    def _derived_tables(self) -> None:
        """``self.table = [...]`` in a function that reads a tag by name: ``self.table`` is a table too."""
        tags = {tag for registry in self._registries for tag in registry.tags}
        if not tags:
            return
        quoted = {tag: (f'"{tag}"', f"'{tag}'") for tag in tags}
        modules = {
            module.name
            for module in self.project.modules.values()
            if any(a in module.text or b in module.text for a, b in quoted.values())
        }
        for fn in self.project.functions.values():
            if fn.module.name not in modules or self._inside_decorator(fn):
                continue
            read = _tags_read(self.bodies.of(fn).calls) & tags
            if not read:
                continue
            stored = {
                target.attr
                for node in self.bodies.of(fn).bindings
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Attribute) and dotted(target.value) in ("self", "cls")
            }
            for registry in self._registries:
                if registry.tags & read:
                    registry.attributes |= stored

    def _inside_decorator(self, fn: FunctionInfo) -> bool:
        probe: FunctionInfo | None = fn
        while probe is not None:
            if probe.qualname in self._decorators:
                return True
            probe = probe.parent
        return False

    def members_reached(self, fn: FunctionInfo) -> list[FunctionInfo]:
        """The functions of every registry ``fn`` consults (none when it consults none)."""
        found = self._consulting.get(fn.qualname)
        if found is not None:
            return found
        found = self._consulting[fn.qualname] = []
        if self._inside_decorator(fn):
            return found
        body = self.bodies.of(fn)
        names: set[str] = set()
        attributes: set[str] = set()
        for node in body.loads:
            if isinstance(node, ast.Name):
                names.add(node.id)
            else:
                attributes.add(node.attr)
        for registry in self._registries:
            if registry.attributes & attributes or any(self._names_table(fn, name, registry.globals) for name in names):
                found += [m for m in registry.members.values() if m is not fn]
        return found

    def _names_table(self, fn: FunctionInfo, name: str, tables: set[str]) -> bool:
        if not tables or name in fn.local_names:
            return False
        qualified = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
        return qualified in tables or self.project.canonical(qualified) in tables


def _registry_of(decorator: FunctionInfo) -> _Registry | None:
    """What ``decorator`` (with the functions defined inside it) files the decorated function in."""
    node = decorator.node
    nested = [n for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    held = {n.name for n in nested if n is not node}
    for inner in nested:
        arguments = inner.args
        held |= {a.arg for a in arguments.posonlyargs + arguments.args}
    held -= {"self", "cls"}
    local = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    registry = _Registry()
    for current in ast.walk(node):
        if isinstance(current, ast.Assign):
            for target in current.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in held
                    and not target.attr.startswith("__")
                ):
                    registry.tags.add(target.attr)  # ``fn.url_pattern = ...``
                elif isinstance(target, ast.Subscript) and _files(current.value, held):
                    _table(registry, decorator, target.value, local)  # ``TABLE[key] = fn``
        elif (
            isinstance(current, ast.Call)
            and isinstance(current.func, ast.Attribute)
            and current.func.attr in _FILING
            and any(_files(arg, held) for arg in current.args)
        ):
            _table(registry, decorator, current.func.value, local)  # ``TABLE.append((pattern, fn))``
    return registry if registry.tags or registry.globals or registry.attributes else None


def _files(value: ast.expr, held: set[str]) -> bool:
    """``value`` is the decorated function itself, or a literal holding it (not a call of it)."""
    if isinstance(value, ast.Name):
        return value.id in held
    if isinstance(value, (ast.Tuple, ast.List)):
        return any(_files(element, held) for element in value.elts)
    if isinstance(value, ast.Dict):
        return any(_files(element, held) for element in value.values if element is not None)
    return False


def _table(registry: _Registry, decorator: FunctionInfo, node: ast.expr, local: set[str]) -> None:
    if isinstance(node, ast.Attribute):
        registry.attributes.add(node.attr)
    elif isinstance(node, ast.Name) and node.id not in local and node.id not in _assigned_in(decorator.node):
        qualified = decorator.imports.qualify(node.id) or f"{decorator.module.name}.{node.id}"
        registry.globals.add(qualified)


def _assigned_in(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the decorator binds itself (a local list is no table)."""
    return {
        target.id
        for current in own_nodes(node)
        if isinstance(current, ast.Assign)
        for target in current.targets
        if isinstance(target, ast.Name)
    }


def _tags_read(calls: list[ast.Call]) -> set[str]:
    """Attribute names read by name: ``hasattr(x, "tag")``, ``getattr(x, "tag", None)``."""
    return {
        call.args[1].value
        for call in calls
        if isinstance(call.func, ast.Name)
        and call.func.id in _BY_NAME
        and len(call.args) >= 2
        and isinstance(call.args[1], ast.Constant)
        and isinstance(call.args[1].value, str)
    }
