"""Project helpers that build an app, a blueprint or a Flask-SQLAlchemy extension.

``bp = make_blueprint("x")`` then ``@bp.route(...)`` routes views just as
``bp = Blueprint("x", __name__)`` does, and ``db = get_sqlalchemy(app=app)``
is the project's ``db``. The builder asks this after its first pass, when
every module's imports, classes and functions are known.
"""

from __future__ import annotations

import ast

from flask_doctor.dataclass import dataclass
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import BLUEPRINT_TYPES, FLASK_TYPES, SQLALCHEMY_TYPES, FunctionInfo
from flask_doctor.static.names import ImportTable, dotted

#: What a project helper may build and hand back for its caller to decorate routes and hooks on, or to use as
#: its Flask-SQLAlchemy extension (``db = get_sqlalchemy(app=app)``).
BUILT_TYPES = FLASK_TYPES | BLUEPRINT_TYPES | SQLALCHEMY_TYPES

_SKIPPED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCK_FIELDS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})
#: Per node class, its fields that hold statements (or ``except`` handlers, ``match`` cases), in field order.
_BLOCK_PLANS: dict[type, tuple[str, ...]] = {}


def helpers_that_build(project: Project) -> dict[str, str]:
    """Project functions that return a new Flask app, blueprint or SQLAlchemy extension: qualname -> type.

    VALID (a helper builds the blueprint)::

        def get_blueprint(name, import_name):
            return Blueprint(name, import_name, template_folder="../templates")

        def create_app():
            app = Flask(__name__)
            return app

    INVALID (not recorded: the helper returns something else, or an app it was given)::

        def configure(app):
            app.config.update(X=1)
            return app

    The builder's second pass types ``bp = get_blueprint(...)`` with what the
    helper builds. Helpers returning another helper's result are followed
    (three rounds); each function's body is read once, in the first round.
    """
    built: dict[str, str] = {}
    returned = {
        fn.qualname: _returned_calls(project, fn)
        for fn in project.functions.values()
        if fn.parent is None and fn.class_name is None
    }
    candidates = {qualname: names for qualname, names in returned.items() if names}
    for _round in range(3):
        changed = False
        for qualname, names in candidates.items():
            if qualname in built:
                continue
            kind = _built_type(project, names, built)
            if kind is not None:
                built[qualname] = kind
                changed = True
        if not changed:
            break
    return built


@dataclass(frozen=True, eq=False)
class _Returns:
    """What a function's own statements bind and return (nested functions and classes left out)."""

    assigned: dict[str, ast.expr]
    returns: list[ast.expr | None]
    imports: ImportTable | None  # the module's table plus the body's own imports; None when it has none


def _own_statements(fn: FunctionInfo, table: ImportTable) -> _Returns:
    """Read ``fn``'s statements: a later assignment or import (in this walk's order) wins over an earlier one.

    Only statements can bind a name with ``=``, import or return, and they
    only nest in statement blocks, so the walk reads the block fields and
    never enters an expression (a lambda holds no statement). It meets the
    statements in the order a depth-first walk of every child node (last
    child first) meets them.
    """
    assigned: dict[str, ast.expr] = {}
    returns: list[ast.expr | None] = []
    imports: ImportTable | None = None
    stack: list[ast.AST] = list(fn.node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SKIPPED_SCOPES):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if imports is None:
                imports = ImportTable(dict(table.aliases))
            imports.add_import(node, fn.module.name, fn.module.is_package)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
        elif isinstance(node, ast.Return):
            returns.append(node.value)
        cls = node.__class__
        plan = _BLOCK_PLANS.get(cls)
        if plan is None:
            plan = _BLOCK_PLANS[cls] = tuple(f for f in cls._fields if f in _BLOCK_FIELDS)  # type: ignore[attr-defined]
        for name in plan:
            stack += getattr(node, name)
    return _Returns(assigned, returns, imports)


def _returned_calls(project: Project, fn: FunctionInfo) -> tuple[str, ...] | None:
    """The qualified callees of every ``return`` of ``fn`` (``return Blueprint(...)``, ``bp = X(); return bp``).

    None when ``fn`` returns nothing, or any return is not such a call.
    """
    table = project.module_imports.get(fn.module.name)
    if table is None:
        return None
    body = _own_statements(fn, table)
    if not body.returns:
        return None
    imports = body.imports or table
    names = []
    for value in body.returns:
        if isinstance(value, ast.Name):
            value = body.assigned.get(value.id)
        if not isinstance(value, ast.Call):
            return None
        text = dotted(value.func)
        if text is None:
            return None
        names.append(imports.qualify(text) or f"{fn.module.name}.{text}")
    return tuple(names)


def _built_type(project: Project, names: tuple[str, ...], built: dict[str, str]) -> str | None:
    """The one app/blueprint/extension type every returned call builds, or None."""
    kinds = set()
    for name in names:
        name = built.get(reexported(project, name), reexported(project, name))
        if not project.is_subtype(name, BUILT_TYPES):
            return None
        kinds.add(name)
    return kinds.pop() if len(kinds) == 1 else None


def reexported(project: Project, name: str) -> str:
    """``pkg.create_app`` -> ``pkg.factory.create_app`` when ``pkg`` imports it from there."""
    for _hop in range(3):
        module, _, attr = name.rpartition(".")
        table = project.module_imports.get(module)
        target = table.aliases.get(attr) if table is not None else None
        if target is None or target == name:
            return name
        name = target
    return name
