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
    obj = project.objects.get(f"{module_name}.{name}")
    if obj is None:
        table = fn.imports if fn is not None else project.module_imports.get(module_name)
        qualified = table.qualify(name) if table is not None else None
        obj = project.objects.get(qualified or "")
    return obj.type if obj is not None else None


def is_flask_type(project: Project, type_name: str | None) -> bool:
    """A ``flask.Flask`` (sub)class, or a project app factory (what it returns is an app)."""
    if not type_name:
        return False
    if project.is_subtype(type_name, FLASK_TYPES):
        return True
    factory = project.functions.get(type_name)
    return factory is not None and "factory" in factory.roles


__all__ = ["is_flask_type", "object_type"]
