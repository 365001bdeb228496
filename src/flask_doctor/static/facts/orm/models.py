"""Facts about mapped classes: which names are models, which object is ``db``, which tables grow.

A name is a model only when it resolves to a mapped class of the project
(``User``, ``models.User``, ``cls`` inside a model), never because a local
variable happens to share its name; ``db`` is the Flask-SQLAlchemy extension
only when its type or its import says so.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.orm.assignments import assignments, params_and_locals
from flask_doctor.static.model import SQLALCHEMY_TYPES
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import ModelInfo, Project


@project_fact
def uses_sqlalchemy(project: Project) -> bool:
    """The project builds a SQLAlchemy extension or imports SQLAlchemy, Flask-SQLAlchemy or SQLModel."""
    return bool(project.objects_of(SQLALCHEMY_TYPES)) or any(
        r.module.startswith(("flask_sqlalchemy", "sqlalchemy", "sqlmodel"))
        for records in project.imports.values() for r in records
    )


def model_for(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """The mapped class ``node`` names (``User``, ``models.User``, ``cls`` in a model)."""
    name = dotted(node)
    if not name:
        return None
    project = ctx.project
    if name == "cls" and ctx.function is not None and ctx.function.class_name:
        return project.models.get(ctx.function.class_name)
    last = name.rsplit(".", 1)[-1]
    model = project.models.get(last)
    if model is None:
        return None
    qualified = ctx.qualified(node)
    if qualified:
        return model if qualified == model.qualname or qualified.endswith("." + last) else None
    if "." in name:
        return None
    if ctx.function is not None and name in assignments(project, ctx.function):
        return None  # a local variable that happens to share the name
    return model


def is_db(node: ast.AST, ctx: Context) -> bool:
    """``db`` is a Flask-SQLAlchemy extension object."""
    type_name = ctx.type_of(node)
    if type_name:
        return ctx.project.is_subtype(type_name, SQLALCHEMY_TYPES)
    if dotted(node) != "db" or not ctx.project.objects_of(SQLALCHEMY_TYPES):
        return False
    qualified = ctx.qualified(node)
    if qualified is None:
        # a bare ``db`` that is neither imported nor typed: only when it is not a local/parameter
        return ctx.function is None or "db" not in params_and_locals(ctx.project, ctx.function)
    # imported from somewhere we could not type: accept only the project's own extension object
    modules = ctx.project.modules
    return any(
        o.qualname == qualified
        or (qualified.endswith("." + o.qualname.rsplit(".", 1)[-1]) and qualified.rsplit(".", 1)[0] not in modules)
        for o in ctx.project.objects_of(SQLALCHEMY_TYPES)
    ) and qualified not in modules


def is_flask_sqlalchemy_model(project: Project, model: ModelInfo) -> bool:
    """The model is a Flask-SQLAlchemy ``db.Model`` (its ``query`` needs an app context)."""
    stack, seen = [model.qualname], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.endswith(".Model"):
            owner = project.objects.get(current[: -len(".Model")])
            if owner is not None and project.is_subtype(owner.type, SQLALCHEMY_TYPES):
                return True
        cls = project.classes.get(current)
        if cls is not None:
            stack.extend(cls.bases)
            continue
        module_name, _, name = current.rpartition(".")
        module = project.modules.get(module_name)
        for stmt in module.tree.body if module is not None else []:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            else:
                targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
                text = dotted(value) or ""
                if text.endswith(".Model"):
                    owner = project.objects.get(f"{module_name}.{text[: -len('.Model')]}")
                    if owner is None or project.is_subtype(owner.type, SQLALCHEMY_TYPES):
                        return True
    return False


def unique_columns(model: ModelInfo | None) -> set[str]:
    """Columns whose equality filter selects at most one row (the primary key included)."""
    return (model.unique_columns if model else set()) | {"id", "pk"}


_OWNER_KEY = re.compile(r"(^|_)(user|author|owner|creator|account|member)(_|$)|_email$|_by$")


def parent_columns(project: Project, model: ModelInfo | None) -> set[str]:
    """Foreign keys, relationships, indexed keys and owner columns.

    An equality filter on one (``filter_by(post_id=x)``) selects one parent's rows.
    """
    if model is None:
        return set()
    return _parent_columns(project, model.name)


@keyed_fact
def _parent_columns(project: Project, name: str) -> set[str]:
    # keyed by the name ``project.models`` files the model under: ModelInfo compares by value, no dict key
    model = project.models[name]
    found = set(model.relationships)
    cls = project.classes.get(model.qualname)
    for stmt in cls.node.body if cls is not None else []:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            attr, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            attr, value = stmt.target.id, stmt.value
        else:
            continue
        text = ast.unparse(value)
        if "ForeignKey" in text or (attr.endswith("_id") and "olumn" in text):
            found.add(attr)
        elif "olumn" in text and ("index=True" in text or _OWNER_KEY.search(attr)):
            found.add(attr)  # an indexed lookup key or an owner (author_email): one key's rows, like a foreign key
    return found


GROWING_NAMES = {
    "user", "users", "account", "customer", "member", "person", "order", "post", "comment", "message",
    "event", "log", "transaction", "payment", "invoice", "bill", "entry", "notification", "project",
    "document", "file", "upload", "ticket", "issue", "activity", "audit", "auditlog", "session",
    "visit", "click", "download", "submission", "answer", "reply", "review", "record",
}
_TIME_TYPES = ("datetime", "date", "timestamp", "time")
_NOT_CREATION = ("last_", "updated", "modified", "expire", "deleted", "edited", "birth", "due", "start", "end", "until")


def grows(project: Project, model: ModelInfo) -> str | None:
    """Why the table behind ``model`` grows with use (rows per event/user), or ``None``.

    Reference tables (categories, groups, settings, plugins) are bounded in
    practice; loading all of them is normal.  A table grows when its rows
    record events (a creation timestamp) or when it is a well-known
    per-user/per-event entity.
    """
    return _grows(project, model.name)


@keyed_fact
def _grows(project: Project, name: str) -> str | None:
    model = project.models[name]
    if model.name.lower() in GROWING_NAMES or model.name.lower().rstrip("s") in GROWING_NAMES:
        return f"`{model.name}` rows are created per user/event"
    stack = [model.qualname]
    seen: set[str] = set()
    common = common_bases(project)
    while stack:
        cls = project.classes.get(stack.pop())
        if cls is None or cls.qualname in seen:
            continue
        seen.add(cls.qualname)
        stack.extend(cls.bases)
        if cls.qualname in common:
            continue  # a base every model shares (created_at on all tables) says nothing about this one
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                attr, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                attr, value = stmt.target.id, stmt.value if stmt.value is not None else stmt.annotation
            else:
                continue
            if value is None or attr.lower().startswith(_NOT_CREATION):
                continue
            text = ast.unparse(value).lower()
            if ("column" in text or "mapped" in text) and any(t in text for t in _TIME_TYPES):
                return f"`{model.name}.{attr}` timestamps each row, so the table grows with use"
    return None


@project_fact
def common_bases(project: Project) -> set[str]:
    """Classes that are ancestors of (nearly) every model: the declarative base and its mixins."""
    counts: dict[str, int] = {}
    for model in project.models.values():
        stack, seen = [model.qualname], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            cls = project.classes.get(current)
            if cls is not None:
                stack.extend(cls.bases)
        for name in seen - {model.qualname}:
            counts[name] = counts.get(name, 0) + 1
    total = len(project.models)
    return {name for name, n in counts.items() if total >= 4 and n >= 0.8 * total}


@project_fact
def uses_model_signals(project: Project) -> bool:
    """Something connects to Flask-SQLAlchemy's ``models_committed``/``before_models_committed`` signals."""
    return any(
        c.name.rsplit(".", 2)[-2:] in (["models_committed", "connect"], ["before_models_committed", "connect"])
        or "models_committed" in c.name
        for c in project.calls
    )


__all__ = [
    "GROWING_NAMES",
    "common_bases",
    "grows",
    "is_db",
    "is_flask_sqlalchemy_model",
    "model_for",
    "parent_columns",
    "unique_columns",
    "uses_model_signals",
    "uses_sqlalchemy",
]
