"""Collect SQLAlchemy models and their relationships into ``project.models``."""

from __future__ import annotations

import ast

from flask_doctor.findings import Location
from flask_doctor.static.facts.roles import role_of_path
from flask_doctor.static.model.project import Project
from flask_doctor.static.model.records import ClassInfo, ModelInfo, RelationshipInfo
from flask_doctor.static.names import dotted


def _model_alias(project: Project, base: str) -> bool:
    """``BaseModel = db.Model`` / ``Base = declarative_base()`` in a project module."""
    module_name, _, name = base.rpartition(".")
    module = project.modules.get(module_name)
    if module is None:
        return False
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        text = dotted(value.func if isinstance(value, ast.Call) else value) or ""
        if text.endswith((".Model", "declarative_base", "as_declarative")) or text == "Model":
            return True
    return False


def _declarative_decorated(cls: ClassInfo) -> bool:
    """``@as_declarative()`` / ``@mapper_registry.mapped`` classes are mapped bases."""
    for deco in cls.node.decorator_list:
        text = dotted(deco.func if isinstance(deco, ast.Call) else deco) or ""
        if text.endswith(("as_declarative", ".mapped", "mapped_as_dataclass")):
            return True
    return False


def _secondary_model_path(path: str) -> bool:
    """A migration's, a test's or an example's copy of a model class (``facts.roles``)."""
    return role_of_path(path).is_side


def _constrained_columns(table_args: ast.expr) -> set[str]:
    """The single columns a ``__table_args__`` constraint makes unique: ``PrimaryKeyConstraint("run_uuid")``,
    ``UniqueConstraint("slug")`` (a constraint over several columns makes none of them unique alone)."""
    found: set[str] = set()
    for node in ast.walk(table_args):
        if not isinstance(node, ast.Call):
            continue
        callee = (dotted(node.func) or "").rsplit(".", 1)[-1]
        if callee not in ("PrimaryKeyConstraint", "UniqueConstraint"):
            continue
        columns = [a for a in node.args if not isinstance(a, ast.Starred)]
        if len(columns) == len(node.args) == 1 and isinstance(columns[0], ast.Constant):
            if isinstance(columns[0].value, str):
                found.add(columns[0].value)
    return found


def _is_model(project: Project, cls: ClassInfo, seen: set[str]) -> bool:
    """``cls`` or a project base of it is an ORM model (a function of the module, not a closure calling itself:
    that would be a cycle the paused collector keeps until the run ends)."""
    if _declarative_decorated(cls):
        return True
    for base in cls.bases:
        if base.endswith((".Model", "DeclarativeBase", "Base", "declarative_base")) or base == "Model":
            return True
        if "." in base and base not in project.classes and _model_alias(project, base):
            return True
        if "." not in base and _model_alias(project, f"{cls.module.name}.{base}"):
            return True  # ``BaseModel = db.Model`` in the models' own module: the name stays unqualified
        parent = project.classes.get(base)
        if parent is not None and parent.qualname not in seen:
            seen.add(parent.qualname)
            if _is_model(project, parent, seen):
                return True
    return False


def collect_models(project: Project) -> None:

    backrefs: list[tuple[str, str, str, Location, str]] = []
    for cls in project.classes.values():
        if not _is_model(project, cls, set()):
            continue
        model = ModelInfo(cls.qualname, cls.name, Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1))
        # ``primary_key=True`` on several columns makes one composite key: like a constraint over several
        # columns, it makes none of them unique alone (``CoreData``'s state, batch and date)
        keys: list[str] = []
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                attr, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                attr, value = stmt.target.id, stmt.value
            else:
                continue
            if attr == "__table_args__":
                model.unique_columns.update(_constrained_columns(value))
                continue
            if not isinstance(value, ast.Call):
                continue
            callee = (dotted(value.func) or "").rsplit(".", 1)[-1]
            kwargs = {kw.arg: kw.value for kw in value.keywords if kw.arg}
            if callee in ("Column", "mapped_column"):
                for flag in ("primary_key", "unique"):
                    v = kwargs.get(flag)
                    if isinstance(v, ast.Constant) and v.value is True:
                        if flag == "primary_key":
                            keys.append(attr)
                        else:
                            model.unique_columns.add(attr)
            elif callee == "relationship":
                lazy = kwargs.get("lazy")
                lazy_value = (
                    lazy.value
                    if isinstance(lazy, ast.Constant) and isinstance(lazy.value, str)
                    else ("joined" if isinstance(lazy, ast.Constant) and lazy.value is False else "select")
                )
                target = ""
                if value.args and isinstance(value.args[0], ast.Constant):
                    target = str(value.args[0].value)
                elif value.args:
                    target = dotted(value.args[0]) or ""
                loc = Location(cls.module.path, stmt.lineno, stmt.col_offset + 1)
                model.relationships[attr] = RelationshipInfo(cls.name, attr, target, lazy_value, loc)
                backref = kwargs.get("backref")
                if isinstance(backref, ast.Constant) and isinstance(backref.value, str):
                    backrefs.append((target, backref.value, "select", loc, cls.name))
                elif isinstance(backref, ast.Call) and backref.args and isinstance(backref.args[0], ast.Constant):
                    lazies = (
                        kw.value.value
                        for kw in backref.keywords
                        if kw.arg == "lazy" and isinstance(kw.value, ast.Constant)
                    )
                    blazy = next(lazies, "select")
                    backrefs.append((target, str(backref.args[0].value), str(blazy), loc, cls.name))
                # ``back_populates``: the other side declares its own relationship
        model.primary_key = tuple(keys)
        if len(keys) == 1:
            model.unique_columns.add(keys[0])
        if (
            cls.name in project.models
            and _secondary_model_path(cls.module.path)
            and not _secondary_model_path(project.models[cls.name].location.path)
        ):
            continue  # a migration's or a test's copy of the class must not hide the real model
        project.models[cls.name] = model
    for target, attr, lazy, loc, declared_on in backrefs:
        model = project.models.get(target.rsplit(".", 1)[-1])
        if model is not None and attr not in model.relationships:
            # ``Post.author = relationship("User", backref="posts")``: ``User.posts`` holds ``Post`` rows
            model.relationships[attr] = RelationshipInfo(model.name, attr, declared_on, lazy, loc)
