"""Facts about application objects: what type a name has at a place, and whether it is a Flask app.

``app.secret_key = ...`` and ``app.run()`` matter only when ``app`` is a
``flask.Flask`` (or what an app factory returns): matching the attribute
name alone is how false alarms are born.  Names are resolved through the
function's local types, the module's objects and its imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_doctor.static.model import FLASK_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project


def object_type(project: Project, module_name: str, name: str, fn: FunctionInfo | None) -> str | None:
    """The type of the object ``name`` refers to in ``fn`` (or at module level of ``module_name``)."""
    if fn is not None and name in fn.local_types:
        return fn.local_types[name]
    if fn is not None and imported_in_function(project, module_name, name, fn):
        obj = project.objects.get(fn.imports.qualify(name) or "")
        return obj.type if obj is not None else None
    obj = project.objects.get(f"{module_name}.{name}")
    if obj is None:
        table = fn.imports if fn is not None else project.module_imports.get(module_name)
        qualified = table.qualify(name) if table is not None else None
        obj = project.objects.get(qualified or "")
    return obj.type if obj is not None else None


def imported_in_function(project: Project, module_name: str, name: str, fn: FunctionInfo) -> bool:
    """``name`` is bound by an import inside ``fn`` (``from shop.app import app`` in a command), which shadows
    a module-level ``name`` of ``module_name`` for the rest of the function."""
    head = name.partition(".")[0]
    target = fn.imports.aliases.get(head)
    if target is None:
        return False
    module_table = project.module_imports.get(module_name)
    return module_table is None or module_table.aliases.get(head) != target


def is_flask_type(project: Project, type_name: str | None) -> bool:
    """A ``flask.Flask`` (sub)class, or a project app factory (what it returns is an app)."""
    if not type_name:
        return False
    if project.is_subtype(type_name, FLASK_TYPES):
        return True
    factory = project.functions.get(type_name)
    return factory is not None and "factory" in factory.roles


__all__ = ["imported_in_function", "is_flask_type", "object_type"]
