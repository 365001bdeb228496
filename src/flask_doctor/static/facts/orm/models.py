"""Facts about mapped classes: which names are models, which object is ``db``, which tables grow.

A name is a model only when it resolves to a mapped class of the project
(``User``, ``models.User``, ``cls`` inside a model), never because a local
variable happens to share its name; ``db`` is the Flask-SQLAlchemy extension
only when its type or its import says so.
"""

from __future__ import annotations

import ast
import copy
import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.classes import own_class
from flask_doctor.static.facts.dependencies import version_side
from flask_doctor.static.facts.orm.assignments import assignments, params_and_locals
from flask_doctor.static.model import SQLALCHEMY_TYPES
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import statements, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import ClassInfo, FunctionInfo, ModelInfo, Project


@project_fact
def uses_sqlalchemy(project: Project) -> bool:
    """The project builds a SQLAlchemy extension or imports SQLAlchemy, Flask-SQLAlchemy or SQLModel."""
    return bool(project.objects_of(SQLALCHEMY_TYPES)) or any(
        r.module.startswith(("flask_sqlalchemy", "sqlalchemy", "sqlmodel"))
        for records in project.imports.values()
        for r in records
    )


def model_for(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """The mapped class ``node`` names (``User``, ``models.User``, ``cls`` in a model, a local ``aliased(User)``)."""
    name = dotted(node)
    if not name:
        return None
    project = ctx.project
    if name == "cls" and ctx.function is not None:
        owner = own_class(ctx.function)  # the class, or the subclass a base's classmethod is called on
        return project.models.get(owner.rsplit(".", 1)[-1]) if owner else None
    aliased = _aliased(node, ctx)
    if aliased is not None:
        return aliased
    last = name.rsplit(".", 1)[-1]
    model = project.models.get(last)
    qualified = ctx.qualified(node)
    if model is None:
        # ``from models import Order as OrderModel``: the import names the mapped class under another name
        imported = project.models.get(qualified.rsplit(".", 1)[-1]) if qualified else None
        if imported is not None and qualified in (imported.qualname, project.canonical(qualified)):
            return imported
        return None
    if qualified:
        return model if qualified == model.qualname or qualified.endswith("." + last) else None
    if "." in name:
        return None
    if ctx.function is not None and name in assignments(project, ctx.function):
        return None  # a local variable that happens to share the name
    return model


def _aliased(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """``Sequence = aliased(Entity)`` in the function: the local stands for that mapped class."""
    if not isinstance(node, ast.Name) or ctx.function is None:
        return None
    values = assignments(ctx.project, ctx.function).get(node.id, [])
    if len(values) != 1 or not isinstance(values[0], ast.Call) or not values[0].args:
        return None
    call = values[0]
    target = call.args[0]
    if (dotted(call.func) or "").rsplit(".", 1)[-1] != "aliased" or dotted(target) in (None, node.id):
        return None  # not an alias, or ``Parent = aliased(Parent)`` (the local hides the class it names)
    return model_for(target, ctx)


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
    return (
        any(
            o.qualname == qualified
            or (qualified.endswith("." + o.qualname.rsplit(".", 1)[-1]) and qualified.rsplit(".", 1)[0] not in modules)
            for o in ctx.project.objects_of(SQLALCHEMY_TYPES)
        )
        and qualified not in modules
    )


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


OWNER_KEY = re.compile(r"(^|_)(user|author|owner|creator|account|member)(_|$)|_email$|_by$")


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
    found = set(model.relationships) | set(relations(project, model))
    for cls in _lineage(project, model):
        for attr, value in _class_attributes(cls):
            text = ast.unparse(value)
            if "ForeignKey" in text or (attr.endswith("_id") and "olumn" in text):
                found.add(attr)
            elif "olumn" in text and ("index=True" in text or OWNER_KEY.search(attr)):
                found.add(attr)  # an indexed lookup key or an owner (author_email): one key's rows, like a foreign key
    return found


# ------------------------------------------------------------------ relationships
@dataclass(frozen=True, eq=False)
class Relation:
    """A relationship attribute of a model, wherever it is declared (the class, a mixin, a backref)."""

    attr: str
    target: str  # the related class as written ("User", "models.User"), "" when unknown
    lazy: str  # "select" (default), "dynamic", "selectin", "joined", ...
    #: True: one object (many-to-one, one-to-one); False: a collection; None: unknown.
    scalar: bool | None
    location: Location


def foreign_key_of(project: Project, model: ModelInfo, relation: Relation) -> str | None:
    """The column of ``model`` a many-to-one ``relation`` follows: the one whose ``ForeignKey("table.col")``
    names the related model's table (``batchId = Column(ForeignKey("batches.batchId"))`` for ``batch``)."""
    target = project.models.get(relation.target.rsplit(".", 1)[-1]) if relation.target else None
    if target is None:
        return None
    tables = {target.name.lower()}
    for cls in _lineage(project, target):
        for attr, value in _class_attributes(cls):
            if attr == "__tablename__" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                tables.add(value.value.lower())
    for cls in _lineage(project, model):
        for attr, value in _class_attributes(cls):
            for node in walk(value):
                if not (isinstance(node, ast.Call) and (dotted(node.func) or "").endswith("ForeignKey") and node.args):
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    if first.value.rsplit(".", 1)[0].lower() in tables:
                        return attr
    return None


def _lineage(project: Project, model: ModelInfo) -> list[ClassInfo]:
    """The model's class and its project bases and mixins (nearest first)."""
    found: list[ClassInfo] = []
    for qualname in project.lineage(model.qualname):
        cls = project.classes.get(qualname)
        if cls is not None:
            found.append(cls)
    return found


def _class_attributes(cls: ClassInfo) -> list[tuple[str, ast.expr]]:
    """``name = value`` in a class body, and ``@declared_attr`` methods returning a value."""
    found: list[tuple[str, ast.expr]] = []
    for stmt in cls.node.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            found.append((stmt.targets[0].id, stmt.value))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            found.append((stmt.target.id, stmt.value))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            "declared_attr" in _spelled(d) for d in stmt.decorator_list
        ):
            returned = [n.value for n in walk(stmt) if isinstance(n, ast.Return) and n.value is not None]
            if returned:
                found.append((stmt.name, returned[-1]))
    return found


def _spelled(node: ast.expr) -> str:
    """``ast.unparse(node)``; a name or a dotted name (most decorators) without the unparser's cost."""
    name = dotted(node)
    return name if name is not None else ast.unparse(node)


def _annotation(cls: ClassInfo, attr: str) -> str:
    for stmt in cls.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            return ast.unparse(stmt.annotation)
    return ""


#: Wrappers around the related class in a typed mapping (``Mapped[List["Post"]]``, ``Mapped[Optional[User]]``).
_ANNOTATION_WRAPPERS = frozenset(
    {"Mapped", "WriteOnlyMapped", "DynamicMapped", "Optional", "List", "list", "Set", "set", "Sequence"}
)


def _annotated_target(cls: ClassInfo, attr: str) -> str:
    """The related class a typed mapping names, for ``relationship()`` calls that name none themselves:
    ``author: Mapped["User"] = relationship(back_populates="posts")`` relates ``User``, and
    ``posts: Mapped[List["Post"]]`` (or ``Mapped[list[Post]]``, ``Mapped[Optional["User"]]``,
    ``Mapped["User | None"]``) ``Post``; SQLAlchemy 2.0 reads the class from the annotation. ``""`` when the
    annotation names none."""
    for stmt in cls.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            return _unwrap_annotation(stmt.annotation, 0)
    return ""


def _unwrap_annotation(node: ast.expr, depth: int) -> str:
    if depth > 6:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value.strip(), mode="eval").body
        except SyntaxError:
            return ""
        return _unwrap_annotation(parsed, depth + 1)
    if isinstance(node, ast.Subscript):
        wrapper = (dotted(node.value) or "").rsplit(".", 1)[-1]
        if wrapper not in _ANNOTATION_WRAPPERS:
            return ""
        inner = node.slice
        return _unwrap_annotation(inner, depth + 1) if not isinstance(inner, ast.Tuple) else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        for side in (node.left, node.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _unwrap_annotation(side, depth + 1)
        return ""
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = dotted(node) or ""
        return "" if name.rsplit(".", 1)[-1] in _ANNOTATION_WRAPPERS or name == "None" else name
    return ""


def _is_relationship(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] == "relationship"


def _target_name(call: ast.Call) -> str:
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "argument"), None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return (dotted(first) or "") if first is not None else ""


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@keyed_fact
def table_names(project: Project, class_name: str) -> frozenset[str]:
    """Names the table of a mapped class may have (``__tablename__``, the lower or snake-cased class name)."""
    names = {class_name.lower(), _snake(class_name)}
    for cls in project.classes.values():
        if cls.name != class_name:
            continue
        for attr, value in _class_attributes(cls):
            if attr == "__tablename__" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                names.add(value.value.lower())
    return frozenset(names)


def table_names_for(target: str) -> set[str]:
    """Fallback table names for a class name when the project does not define it."""
    last = target.rsplit(".", 1)[-1]
    return {last.lower(), _snake(last)}


def _scalar(project: Project, lineage: list[ClassInfo], owner: ClassInfo, attr: str, call: ast.Call) -> bool | None:
    uselist = _kw(call, "uselist")
    if isinstance(uselist, ast.Constant) and isinstance(uselist.value, bool):
        return not uselist.value
    if _kw(call, "secondary") is not None:
        return False
    lazy = _kw(call, "lazy")
    if isinstance(lazy, ast.Constant) and lazy.value in ("dynamic", "write_only"):
        return False
    if _kw(call, "remote_side") is not None:
        return True
    annotation = _annotation(owner, attr)
    if annotation:
        return not re.search(r"\b(list|List|set|Set|WriteOnlyMapped|DynamicMapped)\b", annotation)
    target = _target_name(call).rsplit(".", 1)[-1]
    if target and target == owner.name:
        # self-referential: the foreign key to its own table says nothing about the direction; the many-to-one
        # side names ``remote_side`` (checked above), so this is the collection of children
        return False
    if target:
        tables = set(table_names(project, target)) | table_names_for(target)
        for cls in lineage:
            for name, value in _class_attributes(cls):
                text = ast.unparse(value)
                if name == f"{attr}_id" and ("olumn" in text or "ForeignKey" in text):
                    return True
                for match in re.finditer(r"ForeignKey\(\s*['\"]([\w.]+)\.\w+['\"]", text):
                    if match.group(1).lower().rsplit(".", 1)[-1] in tables:
                        return True
        return False
    return None


def _loading(lazy: ast.expr | None) -> str:
    """The loader strategy a ``lazy=`` argument names: SQLAlchemy reads ``lazy=False`` as ``"joined"``
    and ``lazy=True`` (or no argument) as ``"select"``, on a relationship and on a ``backref(...)`` alike."""
    if isinstance(lazy, ast.Constant) and isinstance(lazy.value, str):
        return lazy.value
    return "joined" if isinstance(lazy, ast.Constant) and lazy.value is False else "select"


@keyed_fact
def _relations(project: Project, name: str) -> dict[str, Relation]:
    model = project.models[name]
    found: dict[str, Relation] = {}
    lineage = _lineage(project, model)
    for cls in lineage:
        for attr, value in _class_attributes(cls):
            if attr in found or not _is_relationship(value):
                continue
            assert isinstance(value, ast.Call)
            lazy_value = _loading(_kw(value, "lazy"))
            where = Location(cls.module.path, value.lineno, value.col_offset + 1)
            target = _target_name(value) or _annotated_target(cls, attr)
            found[attr] = Relation(attr, target, lazy_value, _scalar(project, lineage, cls, attr, value), where)
    for attr, relation in _backrefs(project).get(model.name, {}).items():
        found.setdefault(attr, relation)
    for attr, info in model.relationships.items():
        found.setdefault(attr, Relation(attr, info.target, info.lazy, None, info.location))
    return found


@project_fact
def _backrefs(project: Project) -> dict[str, dict[str, Relation]]:
    """``relationship("Post", backref="author")`` on ``User`` gives ``Post`` a relation ``author``."""
    found: dict[str, dict[str, Relation]] = {}
    for model in project.models.values():
        lineage = _lineage(project, model)
        for cls in lineage:
            for attr, value in _class_attributes(cls):
                if not _is_relationship(value):
                    continue
                assert isinstance(value, ast.Call)
                backref = _kw(value, "backref")
                target = _target_name(value).rsplit(".", 1)[-1]
                if backref is None or not target:
                    continue
                forward = _scalar(project, lineage, cls, attr, value)
                scalar: bool | None = None if forward is None else not forward
                lazy = "select"
                if isinstance(backref, ast.Constant) and isinstance(backref.value, str):
                    name = backref.value
                elif isinstance(backref, ast.Call) and backref.args and isinstance(backref.args[0], ast.Constant):
                    name = str(backref.args[0].value)
                    lazy, buselist = _loading(_kw(backref, "lazy")), _kw(backref, "uselist")
                    if isinstance(buselist, ast.Constant) and isinstance(buselist.value, bool):
                        scalar = not buselist.value
                    elif _kw(backref, "remote_side") is not None:
                        scalar = True  # ``backref("parent", remote_side=[id])``: the many-to-one side
                else:
                    continue
                if _kw(value, "secondary") is not None:
                    scalar = False
                where = Location(cls.module.path, value.lineno, value.col_offset + 1)
                found.setdefault(target, {}).setdefault(name, Relation(name, model.name, lazy, scalar, where))
    return found


@project_fact
def link_tables(project: Project) -> dict[str, frozenset[str]]:
    """Association tables by the name the code keeps them under (``JobTagAssociation = db.Table(...)`` given as
    ``secondary=JobTagAssociation``), each with the two models it links: one row per pair, so it grows with
    either side."""
    found: dict[str, set[str]] = {}
    for model in project.models.values():
        for cls in _lineage(project, model):
            for _attr, value in _class_attributes(cls):
                if not _is_relationship(value):
                    continue
                assert isinstance(value, ast.Call)
                secondary = _kw(value, "secondary")
                name = dotted(secondary) if secondary is not None else None
                target = _target_name(value).rsplit(".", 1)[-1]
                if name and target in project.models:
                    found.setdefault(name.rsplit(".", 1)[-1], set()).update({model.name, target})
    return {name: frozenset(sides) for name, sides in found.items()}


def relations(project: Project, model: ModelInfo) -> dict[str, Relation]:
    """Every relationship of ``model``: its own, its mixins' (``@declared_attr`` included) and backrefs to it."""
    return _relations(project, model.name)


def association_proxies(project: Project, model: ModelInfo) -> dict[str, str]:
    """``_authors = association_proxy("_authors_assoc", "author")``: each proxy of ``model`` and the relationship
    it reads (reading ``post._authors`` loads ``post._authors_assoc`` first, as reading that would)."""
    return _association_proxies(project, model.qualname)


@keyed_fact
def _association_proxies(project: Project, qualname: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for cls in (c for q in project.lineage(qualname) if (c := project.classes.get(q)) is not None):
        for name, value in _class_attributes(cls):
            if (
                isinstance(value, ast.Call)
                and (dotted(value.func) or "").rsplit(".", 1)[-1] == "association_proxy"
                and value.args
                and isinstance(value.args[0], ast.Constant)
                and isinstance(value.args[0].value, str)
            ):
                found.setdefault(name, value.args[0].value)
    return found


@project_fact
def _property_getters(project: Project) -> dict[str, dict[str, FunctionInfo]]:
    from flask_doctor.static.model.plugins import property_getters  # the model's one reading of the decorators

    return property_getters(project)


def model_property(project: Project, model: ModelInfo, name: str) -> FunctionInfo | None:
    """The getter that reading ``row.name`` runs on a row of ``model`` (``@property``, ``hybrid_property``,
    ``cached_property``), from the model's class or a base; ``None`` for a column, a relationship or a plain
    method of that name."""
    getters = _property_getters(project)
    for qualname in project.lineage(model.qualname):
        getter = getters.get(qualname, {}).get(name)
        if getter is not None:
            return getter
        cls = project.classes.get(qualname)
        if cls is not None and name in cls.methods:
            return None  # a plain method of that name shadows a base's property
    return None


def constructor(project: Project, model: ModelInfo) -> FunctionInfo | None:
    """The project function that runs when code calls ``Model(...)``: one a class decorator of the project puts
    in place of the class's ``__new__``/``__init__`` (SQLAlchemy's "unique object" recipe, whose constructor
    looks the row up first), else the model's own ``__init__``/``__new__``; ``None`` when SQLAlchemy's
    default constructor runs (it only sets attributes)."""
    return _constructor(project, model.qualname)


#: The methods that replacing changes what ``Model(...)`` runs.
_CONSTRUCTORS = ("__new__", "__init__")


@keyed_fact
def _constructor(project: Project, qualname: str) -> FunctionInfo | None:
    cls = project.classes.get(qualname)
    if cls is None:
        return None
    for decorator in cls.node.decorator_list:
        name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        factory = project.resolve_function(name, None, cls.module) if name else None
        if factory is None:
            continue
        installed = _installed_constructor(project, factory)
        if installed is not None:
            return installed
    for name in _CONSTRUCTORS:
        if name in cls.methods:
            return cls.methods[name]
    return None


def _installed_constructor(project: Project, factory: FunctionInfo) -> FunctionInfo | None:
    """``cls.__new__ = classmethod(__new__)`` in ``factory`` or a function nested in it (the decorator a
    decorator factory returns): the nested function put in place of the class's constructor."""
    inside = f"{factory.qualname}."
    installed: dict[str, FunctionInfo] = {}
    for key, scope in project.functions.items():
        if key != factory.qualname and not key.startswith(inside):
            continue
        for node in statements(scope.node):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target, value = node.targets[0], node.value
            if not (isinstance(target, ast.Attribute) and target.attr in _CONSTRUCTORS):
                continue
            if isinstance(value, ast.Call) and dotted(value.func) in ("classmethod", "staticmethod") and value.args:
                value = value.args[0]
            if isinstance(value, ast.Name) and f"{scope.qualname}.{value.id}" in project.functions:
                installed.setdefault(target.attr, project.functions[f"{scope.qualname}.{value.id}"])
    # ``__new__`` decides what the call returns; an ``__init__`` put beside it is often a no-op
    return next((installed[name] for name in _CONSTRUCTORS if name in installed), None)


GROWING_NAMES = {
    "user",
    "users",
    "account",
    "customer",
    "member",
    "person",
    "order",
    "post",
    "comment",
    "message",
    "event",
    "log",
    "transaction",
    "payment",
    "invoice",
    "bill",
    "entry",
    "notification",
    "project",
    "document",
    "file",
    "upload",
    "ticket",
    "issue",
    "activity",
    "audit",
    "auditlog",
    "session",
    "visit",
    "click",
    "download",
    "submission",
    "answer",
    "reply",
    "review",
    "record",
}
_TIME_TYPES = ("datetime", "date", "timestamp", "time", "arrowtype")
#: Columns named for the moment a row was created, whatever their type (``ArrowType``, epoch milliseconds).
_CREATION_COLUMN = re.compile(
    r"^(created|created_(at|on|dt|date|time|ts)|date_created|creation_(date|time|timestamp)|create_(time|date)|"
    r"inserted_at|added_at|date_added)$",
    re.IGNORECASE,
)
#: Moments later in a row's life (it is changed, starts, ends, is completed or closed), not when it was made.
_NOT_CREATION = ("last_", "updated", "modified", "expire", "deleted", "edited", "birth", "due", "start", "end", "until")
_NOT_CREATION += ("finish", "complet", "stop", "closed", "resolved")


def _stamped(column: str) -> bool:
    """A time column (lower-cased source) that stamps the row: a date and time, or a day filled in when the row
    is made (``Column(Date, default=date.today)``). A bare ``Column(Date)`` is a day someone enters (a schedule's
    date, a birthday), which says nothing about how many rows there are."""
    if any(t in column for t in _TIME_TYPES if t != "date"):
        return True
    return "date" in column and "default" in column


#: Keywords of a column that describe it in words (``doc="offset from the time server"``), not its type.
_PROSE_KEYWORDS = frozenset({"doc", "comment", "info", "name", "key"})


class _StripProse(ast.NodeTransformer):
    """Drops string arguments and prose keywords from the calls of a copied column definition."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.keywords = [kw for kw in node.keywords if kw.arg not in _PROSE_KEYWORDS]
        node.args = [a for a in node.args if not (isinstance(a, ast.Constant) and isinstance(a.value, str))]
        return node


def _typed(value: ast.expr) -> str:
    """A column's source (lower-cased) without its strings and prose keywords: what its type and defaults say.
    ``Column(Integer, doc="offset from the time server")`` holds no time; ``ForeignKey("timeline.id")`` neither."""
    return ast.unparse(_StripProse().visit(copy.deepcopy(value))).lower()


def creation_stamp(project: Project, model: ModelInfo, attr: str) -> bool:
    """``model.attr`` is a column stamping each row with a moment (``created_at = Column(DateTime)``, epoch
    milliseconds named ``creation_time``): nearly every row has its own value. A ``Date`` is a day, shared by
    many rows."""
    for cls in _lineage(project, model):
        for name, value in _class_attributes(cls):
            if name != attr:
                continue
            text = ast.unparse(value).lower()
            if not ("column" in text or "mapped" in text):
                return False
            if any(t in text for t in ("datetime", "timestamp", "arrowtype")):
                return True
            return bool(_CREATION_COLUMN.match(attr)) and "date" not in text.replace("datetime", "")
    return False


def grows_by_name(model: ModelInfo) -> bool:
    """A well-known per-user/per-event entity (``Order``, ``Comment``, ``Log``): rows come with use."""
    return model.name.lower() in GROWING_NAMES or model.name.lower().rstrip("s") in GROWING_NAMES


#: Last words of class names for tables people set up rather than fill by using the application: settings, roles,
#: categories, schedules, rules, templates. A creation stamp on such a row says when someone configured it.
CONFIGURATION_WORDS = frozenset(
    {"setting", "config", "configuration", "preference", "role", "permission", "category", "schedule"}
    | {"rule", "template", "type", "kind", "language", "locale", "country", "currency", "timezone", "plugin"}
    | {"webhook", "integration", "menu"}
)
_LAST_WORD = re.compile(r"[A-Z]?[a-z0-9]+$|[A-Z]+$")


def configuration_table(model: ModelInfo) -> str | None:
    """The word that names ``model`` a table people configure (``ReportSchedule``, ``UserRole``, ``Category``),
    or ``None``: its rows are a handful each set up by hand, not rows that come with every use."""
    if grows_by_name(model):
        return None
    match = _LAST_WORD.search(model.name)
    word = match.group(0).lower() if match else ""
    for singular in (word, word[:-3] + "y" if word.endswith("ies") else word, word.rstrip("s")):
        if singular in CONFIGURATION_WORDS:
            return singular
    return None


def grows(project: Project, model: ModelInfo, *, typed: bool = False) -> str | None:
    """Why the table behind ``model`` grows with use (rows per event/user), or ``None``.

    Reference tables (categories, groups, settings, plugins) are bounded in
    practice; loading all of them is normal.  A table grows when its rows
    record events (a creation timestamp) or when it is a well-known
    per-user/per-event entity.
    With ``typed`` a time column counts by its type and defaults only, not by words of its description
    (``Column(Integer, doc="offset from the time server")``): FD201's stricter reading of the evidence.
    """
    return (_grows_typed if typed else _grows)(project, model.name)


#: Columns of a sign-in account: an ``Account`` without any is a bank, cloud or ledger account the owner keeps.
_CREDENTIAL_COLUMN = re.compile(
    r"^(password|password_hash|passwd|pwd|pw_hash|hashed_password|email|username|user_name|login|user_id)$",
    re.IGNORECASE,
)


def sign_in_account(project: Project, model: ModelInfo) -> bool:
    """``model`` holds the accounts people sign in with (credentials, a login mixin), not ledger or bank accounts."""
    return _sign_in_account(project, model)


def _sign_in_account(project: Project, model: ModelInfo) -> bool:
    """An ``Account`` people sign in with (credentials, a login mixin, a link to the user), not a ledger entry."""
    for qualname in project.lineage(model.qualname):
        if qualname.rsplit(".", 1)[-1] in ("UserMixin", "RoleMixin"):
            return True
    return any(_CREDENTIAL_COLUMN.match(attr) for cls in _lineage(project, model) for attr, _ in _class_attributes(cls))


@keyed_fact
def _grows(project: Project, name: str) -> str | None:
    return _growth(project, name, typed=False)


@keyed_fact
def _grows_typed(project: Project, name: str) -> str | None:
    return _growth(project, name, typed=True)


def _growth(project: Project, name: str, *, typed: bool) -> str | None:
    model = project.models[name]
    if grows_by_name(model) and (model.name.lower().rstrip("s") != "account" or _sign_in_account(project, model)):
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
            stamp = _stamped(_typed(value) if typed else text)
            if ("column" in text or "mapped" in text) and (_CREATION_COLUMN.match(attr) or stamp):
                return f"`{model.name}.{attr}` timestamps each row, so the table grows with use"
    return None


def parent_model(project: Project, model: ModelInfo, key: str) -> ModelInfo | None:
    """The mapped class a parent key of ``model`` points at (``account_id`` -> ``Account``), when the code says.

    A relationship names its target; a column names the table of its ``ForeignKey("accounts.id")``;
    ``account_id`` next to a relationship ``account`` takes that one's target.
    """
    rels = relations(project, model)
    rel = rels.get(key) or (rels.get(key[: -len("_id")]) if key.endswith("_id") else None)
    if rel is not None and rel.target:
        return project.models.get(rel.target.rsplit(".", 1)[-1])
    for cls in _lineage(project, model):
        for attr, value in _class_attributes(cls):
            if attr != key:
                continue
            match = re.search(r"ForeignKey\(\s*['\"]([\w.]+)\.\w+['\"]", ast.unparse(value))
            if match is None:
                return None
            table = match.group(1).lower().rsplit(".", 1)[-1]
            found = [m for m in project.models.values() if table in table_names(project, m.name)]
            return found[0] if len(found) == 1 else None
    return None


#: A foreign key or relationship naming the person a row belongs to (``user_id``, ``owner``, ``created_by``).
_OWNER_COLUMN = re.compile(
    r"^(user|owner|author|creator|created_by|submitter|uploader|reporter|requester)(_id|_fk|_user_id)?$",
    re.IGNORECASE,
)


def owner_column(project: Project, model: ModelInfo) -> str | None:
    """The column or relationship that records who a row belongs to (``Sketch.user_id``), declared on the model
    itself or a mixin of its own, not on a base every model shares (``created_by`` on all tables says nothing)."""
    return _owner_column(project, model.name)


@keyed_fact
def _owner_column(project: Project, name: str) -> str | None:
    model = project.models[name]
    common = common_bases(project)
    for cls in _lineage(project, model):
        if cls.qualname in common:
            continue
        for attr, value in _class_attributes(cls):
            if not _OWNER_COLUMN.match(attr):
                continue
            text = ast.unparse(value)
            if _is_relationship(value) or "ForeignKey" in text or (attr.endswith("_id") and "olumn" in text):
                return attr
    return None


@project_fact
def common_bases(project: Project) -> set[str]:
    """Classes that are ancestors of (nearly) every model: the declarative base and its mixins."""
    counts: dict[str, int] = {}
    for model in project.models.values():
        for name in set(project.lineage(model.qualname)) - {model.qualname}:
            counts[name] = counts.get(name, 0) + 1
    total = len(project.models)
    return {name for name, n in counts.items() if total >= 4 and n >= 0.8 * total}


@project_fact
def uses_model_signals(project: Project) -> bool:
    """Something connects to Flask-SQLAlchemy's ``models_committed``/``before_models_committed`` signals."""
    # ``models_committed.connect`` / ``before_models_committed.connect`` and any other use: the name is in it
    return any("models_committed" in c.name for c in project.calls)


__all__ = [
    "GROWING_NAMES",
    "foreign_key_of",
    "OWNER_KEY",
    "Relation",
    "association_proxies",
    "common_bases",
    "constructor",
    "grows",
    "grows_by_name",
    "is_db",
    "is_flask_sqlalchemy_model",
    "owner_column",
    "parent_model",
    "model_for",
    "model_property",
    "parent_columns",
    "relations",
    "sign_in_account",
    "table_names",
    "unique_columns",
    "uses_model_signals",
    "uses_sqlalchemy",
]


#: ``.app`` as written in (ASCII) source: the dot, then spaces, line continuations or a comment, then the name.
_APP_ATTRIBUTE = re.compile(r"\.(?:\s|\\|#[^\n]*)*app(?!\w)")


@project_fact
def app_bound_extensions(project: Project) -> dict[str, Location]:
    """Flask-SQLAlchemy objects bound to one app the 2.x way: qualname -> where it is bound.

    ``SQLAlchemy(app)`` (or ``app=app``) and ``db.app = app`` set the
    extension's ``app`` attribute. Flask-SQLAlchemy 2.x falls back to it
    when no application context is pushed (``SQLAlchemy.get_app``), so
    ``db.session`` works in a bare worker; 3.x never reads it.
    """
    dbs = project.objects_of(SQLALCHEMY_TYPES)
    bound: dict[str, Location] = {}
    for obj in dbs:
        app = _app_argument(project, obj.call, obj.helper)
        if app is not None and not (isinstance(app, ast.Constant) and app.value is None):
            bound[obj.qualname] = obj.location
    if len(bound) == len(dbs):
        return bound
    by_last = {o.qualname.rsplit(".", 1)[-1]: o.qualname for o in dbs}
    for module in project.modules.values():
        if module.text.isascii() and not _APP_ATTRIBUTE.search(module.text):
            continue  # no ``.app`` in the source: no ``x.app = ...`` below
        table = project.module_imports.get(module.name)
        for node in statements(module.tree):
            if not isinstance(node, ast.Assign) or (isinstance(node.value, ast.Constant) and node.value.value is None):
                continue
            for target in node.targets:
                if not (isinstance(target, ast.Attribute) and target.attr == "app"):
                    continue
                name = dotted(target.value)
                if not name or name in ("self", "cls"):
                    continue
                local = f"{module.name}.{name}"
                qualified = local if local in project.objects else table.qualify(name) if table is not None else None
                if qualified is None:
                    # imported inside a function (``from app import db`` in ``create_app``): match by name
                    qualified = by_last.get(name)
                if qualified is not None and qualified in project.objects and qualified not in bound:
                    if any(o.qualname == qualified for o in dbs):
                        bound[qualified] = Location(module.path, node.lineno, node.col_offset + 1)
    return bound


def _app_argument(project: Project, call: ast.Call, helper: str | None) -> ast.expr | None:
    """The app ``SQLAlchemy(app)`` is given; through a helper (``db = get_sqlalchemy(app=app)``), the
    argument the caller passes for the parameter the helper hands to ``SQLAlchemy(app=...)``."""
    fn = project.functions.get(helper) if helper else None
    if fn is None:
        return call.args[0] if call.args and not isinstance(call.args[0], ast.Starred) else _kw(call, "app")
    params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    for inner in ast.walk(fn.node):
        if not (isinstance(inner, ast.Call) and (dotted(inner.func) or "").rsplit(".", 1)[-1] == "SQLAlchemy"):
            continue
        given = _app_argument(project, inner, None)
        if not isinstance(given, ast.Name) or given.id not in params:
            return given  # a literal, or an app the helper finds itself
        index = params.index(given.id)
        if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return call.args[index]
        return _kw(call, given.id)  # not passed: the parameter's default (``app=None``) leaves it unbound
    return None


@project_fact
def bound_to_app(project: Project) -> Location | None:
    """Where the project's Flask-SQLAlchemy extension is bound to an app, when every one of them is."""
    dbs = project.objects_of(SQLALCHEMY_TYPES)
    bound = app_bound_extensions(project)
    if not dbs or any(o.qualname not in bound for o in dbs):
        return None
    return min(bound.values())


#: The extension's import under Flask's old ``flask.ext``/``flaskext`` namespace, gone since Flask 1.0.
_LEGACY_SQLALCHEMY = ("flask.ext.sqlalchemy.SQLAlchemy", "flaskext.sqlalchemy.SQLAlchemy")


@project_fact
def flask_sqlalchemy_before_3(project: Project) -> Evidence | None:
    """Why the project runs Flask-SQLAlchemy 2.x (or older), or None when nothing says so.

    A requirement that allows only versions below 3.0, or the extension
    imported as ``flask.ext.sqlalchemy``: that import needs Flask < 1.0, and
    Flask-SQLAlchemy 3 needs Flask 2.2. Both versions of the answer matter to
    jobs: 2.x falls back to the bound app outside a context (its session is
    then removed only when an app context pops), 3.x raises instead.
    """
    pinned = version_side(project, "flask-sqlalchemy", (3, 0))
    if pinned.side == "below" and pinned.pin is not None:
        return Evidence(f"Flask-SQLAlchemy {pinned.pin.spec} (2.x)", pinned.pin.source)
    if pinned.side == "at-least":
        return None
    for obj in project.objects_of(SQLALCHEMY_TYPES):
        if obj.type in _LEGACY_SQLALCHEMY:
            return Evidence(
                f"`{obj.qualname.rsplit('.', 1)[-1]}` is `{obj.type}`: that import needs Flask < 1.0, so "
                "Flask-SQLAlchemy 2.x or older",
                obj.location,
            )
    return None
