"""Facts about project classes: which class a method is called on, and the method that call runs.

A generic base class (a controller, repository, service or resource) often
writes its queries once, on a class attribute its subclasses set::

    class BaseController:
        model = None

        @classmethod
        def list_items(cls):
            return cls.model.query.all()

    class ProductController(BaseController):
        model = Product

``ProductController.list_items()`` runs ``BaseController.list_items`` with
``cls`` standing for ``ProductController``. :func:`method_called` answers
which method such a call runs, *bound* to the class it is called on
(:func:`bound_method`: a copy of the method whose ``bound`` names that
class), so that facts reading the method see ``cls.model`` as the
subclass's (:func:`own_class`) and ``cls.build_query()`` inside it as the
subclass's override. A call whose receiver is the base class itself, or an
object of unknown class, is not bound: nothing says which subclass it is.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import ClassInfo, FunctionInfo, Project

#: How ``self``/``cls`` are written as a receiver.
_SELF = ("self", "cls")


def _method_of(fn: FunctionInfo) -> FunctionInfo | None:
    """``fn`` or the method a closure of ``fn`` sits in (the one whose ``self`` the closure sees)."""
    method: FunctionInfo | None = fn
    while method is not None and not method.class_name:
        if any(name in method.local_names for name in _SELF):
            return None  # a nested function's own ``self``/``cls`` parameter
        method = method.parent
    return method


def own_class(fn: FunctionInfo | None) -> str | None:
    """The project class ``self``/``cls`` stands for in ``fn``: the subclass a bound copy was made for
    (:func:`bound_method`), else the class ``fn`` (or the method a closure of it sits in) is defined in."""
    method = _method_of(fn) if fn is not None else None
    if method is None or method.class_name is None:
        return None
    if method.bound is not None:
        return method.bound
    return method.qualname.rsplit(".", 2)[0] + "." + method.class_name


def defining_class(fn: FunctionInfo) -> str | None:
    """The class whose body defines method ``fn`` (whatever class a copy is bound to)."""
    if fn.class_name is None:
        return None
    return fn.qualname.rsplit(".", 2)[0] + "." + fn.class_name


@keyed_fact
def bound_method(project: Project, key: tuple[FunctionInfo, str]) -> FunctionInfo:
    """``fn`` as it runs when called on ``class_qual``, a project subclass of the class defining it: a copy
    whose ``bound`` names the subclass (one copy per pair, so facts keyed by function are computed once
    for it). ``fn`` itself when it is no inherited method of that class."""
    fn, class_qual = key
    owner = defining_class(fn)
    if owner is None or fn.parent is not None or owner == class_qual or owner not in class_lineage(project, class_qual):
        return fn
    return dataclasses.replace(fn, bound=class_qual)


def receiver_class(ctx: Context, func: ast.expr) -> str | None:
    """The project class a method call ``func`` (``X.method``) is made on, when the code shows it:
    ``ProductController.list_items``, ``ProductService().get_all``, ``service.get_all`` of a local built
    from the class, ``cls.list``/``self.build_query``/``type(self).get`` (the class ``self`` stands for),
    ``self.store.get_all`` of an object of the class the class keeps on ``self``, ``geo.country`` of a
    module-level ``geo = GeoLookup()``."""
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    fn = ctx.function
    if isinstance(receiver, ast.Name) and receiver.id in _SELF and fn is not None:
        return own_class(fn)
    if is_type_of_self(receiver):
        return own_class(fn) if fn is not None else None
    if isinstance(receiver, ast.Call):  # ``ProductService().get_all()``
        return class_named(ctx, receiver.func)
    if isinstance(receiver, ast.Name) and fn is not None and receiver.id in fn.local_types:
        typed = ctx.project.canonical(fn.local_types[receiver.id])
        return typed if typed in ctx.project.classes else None
    if func.attr in defined_names(ctx.project):
        held = _held_on_self(ctx, receiver)
        if held is not None:
            return held
        if isinstance(receiver, ast.Name):  # ``geo.country(...)`` of a module-level ``geo = GeoLookup()``
            built = ctx.type_of(receiver)
            if built is not None and ctx.project.canonical(built) in ctx.project.classes:
                return ctx.project.canonical(built)
    return class_named(ctx, receiver)


@project_fact
def defined_names(project: Project) -> frozenset[str]:
    """The last part of every project function's name: a call ``x.name()`` with another name (``rows.append``,
    ``session.commit``) runs no project method, whatever ``x`` is."""
    return frozenset(qualname.rpartition(".")[2] for qualname in project.functions)


def _held_on_self(ctx: Context, receiver: ast.expr) -> str | None:
    """``self.store`` where the class sets ``self.store = StoreDb()``: that project class (a repository or
    data-access object the class builds and keeps, whose methods are the project's queries)."""
    if not (
        isinstance(receiver, ast.Attribute)
        and isinstance(receiver.value, ast.Name)
        and receiver.value.id == "self"
        and ctx.function is not None
    ):
        return None
    from flask_doctor.static.facts.calls import self_attribute_types, self_class

    owner = self_class(ctx.function)
    if owner is None:
        return None
    held = self_attribute_types(ctx.project, owner).get(receiver.attr)
    if held is None:
        held = injected_attribute(ctx.project, (owner, receiver.attr))
    return held if held is not None and held in ctx.project.classes else None


@keyed_fact
def injected_attribute(project: Project, key: tuple[str, str]) -> str | None:
    """``def __init__(self, users: UserRepository): self.users = users``: the project class the constructor's
    annotation gives the object it keeps as ``attr`` (a repository handed in rather than built)."""
    class_qual, attr = key
    for current in class_lineage(project, class_qual):
        cls = project.classes.get(current)
        init = cls.methods.get("__init__") if cls is not None else None
        if init is None:
            continue
        args = init.node.args
        annotated = {a.arg: a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation}
        for node in ast.walk(init.node):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in annotated):
                continue
            if not any(
                isinstance(t, ast.Attribute) and t.attr == attr and dotted(t.value) == "self" for t in node.targets
            ):
                continue
            annotation = annotated[node.value.id]
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                name: str | None = annotation.value
            else:
                name = dotted(annotation)
            if not name:
                return None
            qualified = init.imports.qualify(name) or f"{init.module.name}.{name}"
            typed = project.canonical(qualified)
            return typed if typed in project.classes else None
    return None


def is_type_of_self(node: ast.expr) -> bool:
    """``type(self)`` / ``self.__class__``."""
    if isinstance(node, ast.Call) and dotted(node.func) == "type" and len(node.args) == 1:
        return dotted(node.args[0]) == "self"
    return isinstance(node, ast.Attribute) and node.attr == "__class__" and dotted(node.value) == "self"


@keyed_fact
def class_lineage(project: Project, class_qual: str) -> tuple[str, ...]:
    """``class_qual`` and its project bases in the order Python looks attributes up in them (depth first, left
    to right, each once: the method resolution order of the usual single-inheritance and mixin shapes)."""
    found: list[str] = []
    stack = [class_qual]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        cls = project.classes.get(current)
        if cls is not None:
            generic = [base for base in subscripted_bases(project, cls) if base in project.classes]
            stack.extend(reversed(cls.bases + generic))
    return tuple(found)


def subscripted_bases(project: Project, cls: ClassInfo) -> list[str]:
    """The bases ``cls`` names through a generic alias (``class ChartDAO(BaseDAO[Slice])``,
    ``Document[ReuseQuerySet]``), qualified through the module's imports: the class records leave them out.
    Project classes and library classes alike (a caller keeps the ones it knows)."""
    found: list[str] = []
    table = project.module_imports.get(cls.module.name)
    for base in cls.node.bases:
        if not isinstance(base, ast.Subscript):
            continue
        name = dotted(base.value)
        if not name:
            continue
        qualified = (table.qualify(name) if table is not None else None) or f"{cls.module.name}.{name}"
        found.append(project.canonical(qualified))
    return found


def class_named(ctx: Context, node: ast.expr) -> str | None:
    """The project class ``node`` names (``ProductController``, ``controllers.ProductController``)."""
    name = dotted(node)
    if not name:
        return None
    fn = ctx.function
    if fn is not None and name.split(".", 1)[0] in fn.local_names:
        return None  # a local or parameter of the same name
    project = ctx.project
    own = f"{ctx.module.name}.{name}"
    if own in project.classes:
        return own
    qualified = ctx.qualified(node)
    if not qualified:
        return None
    qualified = project.canonical(qualified)
    return qualified if qualified in project.classes else None


def class_method(project: Project, class_qual: str, name: str) -> FunctionInfo | None:
    """The method ``name`` of project class ``class_qual``: its own, or the nearest base's."""
    for current in class_lineage(project, class_qual):
        cls = project.classes.get(current)
        if cls is not None and name in cls.methods:
            return cls.methods[name]
    return None


def method_called(ctx: Context, call: ast.Call) -> FunctionInfo | None:
    """The project function ``call`` runs, as :meth:`Project.resolve_function` finds it, except that a method
    called on a known class runs as that class's (the class's own override, else the inherited method bound
    to it: :func:`bound_method`): ``ProductController.list_items()``, and inside it ``cls.build_query()``."""
    fn = ctx.function
    project = ctx.project
    name = dotted(call.func)
    cls = receiver_class(ctx, call.func)
    if cls is not None and isinstance(call.func, ast.Attribute):
        method = class_method(project, cls, call.func.attr)
        if method is not None:
            return bound_method(project, (method, cls))
    return project.resolve_function(name, fn, ctx.module) if name else None


__all__ = [
    "bound_method",
    "injected_attribute",
    "class_lineage",
    "class_method",
    "class_named",
    "defined_names",
    "defining_class",
    "is_type_of_self",
    "method_called",
    "own_class",
    "receiver_class",
]
