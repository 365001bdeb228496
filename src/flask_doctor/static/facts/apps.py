"""Facts about application objects: what type a name has at a place, and whether it is a Flask app.

``app.secret_key = ...`` and ``app.run()`` matter only when ``app`` is a
``flask.Flask`` (or what an app factory returns): matching the attribute
name alone is how false alarms are born.  Names are resolved through the
function's local types, the module's objects and its imports.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.model import FLASK_TYPES
from flask_doctor.static.model.plugins import own_nodes
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: The application of the current request, as imported.
CURRENT_APP = frozenset({"flask.current_app", "flask.globals.current_app"})


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


@keyed_fact
def app_attribute_type(project: Project, attribute: str) -> str | None:
    """What ``current_app.<attribute>`` is in every request: the library type a factory or a module builds and
    hangs on a Flask application (``app.http = requests.Session()``), qualified. None when no such assignment
    exists, or two assignments build different types. Only modules whose text assigns the attribute are read."""
    found: set[str] = set()
    assigned = re.compile(rf"\.{re.escape(attribute)}\s*=[^=]")
    modules = {name for name, module in project.modules.items() if assigned.search(module.text)}
    if not modules:
        return None
    scopes: list[tuple[FunctionInfo | None, SourceModule, list[ast.AST]]] = [
        (None, project.modules[name], _module_statements(project.modules[name].tree)) for name in sorted(modules)
    ]
    scopes += [
        (fn, fn.module, list(own_nodes(fn.node))) for fn in project.functions.values() if fn.module.name in modules
    ]
    for fn, module, nodes in scopes:
        for node in nodes:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            for target in node.targets:
                if not (isinstance(target, ast.Attribute) and target.attr == attribute):
                    continue
                holder = dotted(target.value)
                if not holder or "." in holder:
                    continue
                if not is_flask_type(project, object_type(project, module.name, holder, fn)):
                    continue
                table = fn.imports if fn is not None else project.module_imports.get(module.name)
                name = dotted(node.value.func) or ""
                qualified = table.qualify(name) if table is not None and name else None
                if not qualified:
                    return None  # a project class or a call the imports do not name: not a known library type
                found.add(project.canonical(qualified))
    return found.pop() if len(found) == 1 else None


def _module_statements(tree: ast.Module) -> list[ast.AST]:
    """Module-level statements, with those under ``if``/``try``/``with`` blocks (not inside functions or classes)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (ast.If, ast.Try, ast.ExceptHandler, ast.With)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def current_app_attribute(project: Project, qualified: str) -> str | None:
    """``flask.current_app.http`` -> the type :func:`app_attribute_type` gives ``http``, else None."""
    holder, _, attribute = qualified.rpartition(".")
    if holder not in CURRENT_APP:
        return None
    return app_attribute_type(project, attribute)


__all__ = [
    "CURRENT_APP",
    "app_attribute_type",
    "current_app_attribute",
    "imported_in_function",
    "is_flask_type",
    "object_type",
]
