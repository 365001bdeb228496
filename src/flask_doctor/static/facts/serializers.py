"""Facts about serializers: which attributes of each row a list endpoint's serializer reads.

An API list endpoint rarely loops over its rows itself: it hands them to a
serializer that does, and the N+1 hides in the serializer's field list.
This module tells the rules about per-row queries (FD203) which attributes
of each dumped row the serializer reads, so that they judge those reads
like the reads of a Python loop over the same rows.

* marshmallow (also flask-marshmallow's ``ma.Schema`` and
  marshmallow-sqlalchemy's ``SQLAlchemySchema``/``SQLAlchemyAutoSchema``/
  ``ModelSchema``): ``Schema(many=True).dump(rows)``, ``schema.dump(rows,
  many=True)``, a module-level ``rows_schema = Schema(many=True)`` then
  ``rows_schema.dump(rows)``, and flask-apispec's
  ``@marshal_with(Schema(many=True))`` over what the view returns.  Each
  declared field reads its name, or the first segment of its
  ``attribute=`` (``fields.Nested``, ``fields.List(fields.Nested(...))``,
  ``fields.Pluck``, ``fields.String(attribute="owner.name")``);
  ``fields.Method("m")`` and ``fields.Function(lambda obj: ...)`` read what
  the method or function reads of its object; a name of ``Meta.fields``
  without a declared field is read as it is; ``include_relationships = True``
  with ``Meta.model`` reads every relationship of the model.  ``Meta.fields``,
  ``Meta.exclude`` and the instance's ``only=``/``exclude=`` narrow the
  fields; ``load_only`` fields are not dumped.
* flask-restful / flask-restx: ``marshal(rows, spec)`` and
  ``@marshal_with(spec)`` / ``@ns.marshal_list_with(model)`` over what the
  view returns, where ``spec`` is a dict of fields (a module-level dict,
  ``dict(base, **{...})``, ``{**base, ...}`` or ``ns.model("Name", {...})``).
  Each field reads its key, or the first segment of its ``attribute=``.

* pydantic: ``Out.model_validate(row)`` (``from_attributes``) and ``Out.from_orm(row)``
  (``orm_mode``) build a model from a row's attributes: each annotated field of
  ``Out`` (and of its project bases) reads the attribute of its name, or of its
  ``validation_alias=``/``alias=`` string.  A comprehension or loop doing that
  for every row reads those attributes per row (:func:`pydantic_build`).

* SQLAlchemy-serializer: ``row.to_dict()`` of a model mixing in its
  ``SerializerMixin`` (and defining no ``to_dict`` of its own) serializes every
  relationship of the row, less the names ``serialize_rules``/``rules=``
  exclude (``"-tags"``) and outside ``serialize_only``/``only=`` when given
  (:func:`mixin_serialized`).

A schema also says which project functions its ``fields.Method``/``fields.Function``
fields run on each object (``Serializer.calls``): one that queries with its
object runs a query per dumped row (FD202).

What a field reads only matters when it is a relationship of the rows'
model; the rule asks the model about that, so a ``Nested`` over a JSON
column or a plain attribute is no read of a relationship.  Nothing is
imported or run: classes and dicts are read from the project's source.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.model.plugins import own_nodes
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import ClassInfo, FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: Bases that make a class a marshmallow schema (marshmallow, flask-marshmallow, marshmallow-sqlalchemy).
SCHEMA_BASES = frozenset({"Schema", "SQLAlchemySchema", "SQLAlchemyAutoSchema", "ModelSchema", "TableSchema"})
#: Calls whose last name serializes rows: ``schema.dump(rows)``, ``marshal(rows, spec)``.
DUMP_CALLS = frozenset({"dump", "marshal"})
#: Decorators that serialize what the view returns.
MARSHAL_DECORATORS = frozenset({"marshal_with", "marshal_list_with"})
#: Decorators that dump what the view returns with the marshmallow schema they are given, and the position of
#: that schema among their arguments: flask-smorest's ``response(status, schema)``, APIFlask's ``output(schema)``.
_RESPONSE_DECORATORS = {"response": 1, "output": 0}
#: Modules whose ``marshal``/``marshal_with`` serialize with a dict of fields.
_RESTFUL = ("flask_restful", "flask_restx", "flask_restplus")
#: Field kinds that read no attribute of their own (or every attribute for a URL): never a relationship read.
_NO_READ = frozenset(
    {"Url", "URLFor", "UrlFor", "AbsoluteURLFor", "AbsoluteUrlFor", "Hyperlinks", "Constant", "FormattedString"}
)
#: Calls that build a flask-restx model from a dict of fields: ``ns.model("Name", {...})``.
_MODEL_BUILDERS = frozenset({"model", "inherit", "clone"})


@dataclass(frozen=True, eq=False)
class FieldRead:
    """A field of a serializer and the attribute of each row it reads."""

    field: str  # the field's name in the serializer
    attr: str  # the attribute of the row it reads (first segment of ``attribute=``)
    how: str  # how the field reads it: "fields.Nested(...)", "`attribute=\"owner.name\"`", "method `get_x`"
    location: Location  # where the field (or the method's read) is written


@dataclass(frozen=True, eq=False)
class FieldCall:
    """A project function a field runs on each object it dumps: ``fields.Method("get_x")``'s method,
    ``fields.Function(count_likes)``'s function."""

    field: str  # the field's name in the serializer
    function: FunctionInfo
    how: str  # "`fields.Method(\"get_x\")`"
    location: Location  # where the field is declared


@dataclass(frozen=True, eq=False)
class Serializer:
    """A schema class or a dict of fields, and what it reads of each object it dumps."""

    name: str  # "RoomSchema", "product_fields"
    reads: tuple[FieldRead, ...]
    location: Location
    #: The functions its ``fields.Method``/``fields.Function`` fields run per object (marshmallow schemas).
    calls: tuple[FieldCall, ...] = ()


@dataclass(frozen=True, eq=False)
class Dump:
    """One serialization of many rows: the rows, the serializer, and where it happens."""

    rows: ast.expr
    serializer: Serializer
    site: ast.AST  # the dump call, or the ``return`` a ``@marshal_with`` view returns the rows with
    text: str  # how the finding quotes it: "`rooms_schema.dump(rooms)`"


# ------------------------------------------------------------------ names


def _last(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return (dotted(node) or "").rsplit(".", 1)[-1]


def _qualified(project: Project, module: SourceModule, name: str) -> str:
    """What ``name`` (dotted, as written in ``module``) means: a project qualname when it is one."""
    own = f"{module.name}.{name}"
    if own in project.classes or own in project.objects:
        return own
    table = project.module_imports.get(module.name)
    target = table.qualify(name) if table is not None else None
    return project.canonical(target) if target else own


def _module_value(
    project: Project, module: SourceModule, name: str, depth: int = 0
) -> tuple[ast.expr, SourceModule] | None:
    """The value a module-level ``name = value`` binds, in ``module`` or in the project module it imports it from."""
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt.value, module
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            return (stmt.value, module) if stmt.value is not None else None
    if depth > 2:
        return None
    table = project.module_imports.get(module.name)
    target = table.qualify(name) if table is not None else None
    if not target:
        return None
    owner, _, attr = project.canonical(target).rpartition(".")
    other = project.modules.get(owner)
    if other is None or other is module:
        return None
    return _module_value(project, other, attr, depth + 1)


def _schema_class(project: Project, module: SourceModule, node: ast.expr) -> ClassInfo | None:
    """The project marshmallow schema class ``node`` names."""
    name = dotted(node)
    if not name:
        return None
    cls = project.classes.get(_qualified(project, module, name))
    return cls if cls is not None and is_schema(project, cls.qualname) else None


def is_schema(project: Project, qualname: str) -> bool:
    """A marshmallow schema class: one of its bases (outside the project) is a marshmallow ``Schema``."""
    return any(q not in project.classes and q.rsplit(".", 1)[-1] in SCHEMA_BASES for q in project.lineage(qualname))


#: Class methods of a pydantic model that build it from an object's attributes (``from_attributes``/``orm_mode``).
PYDANTIC_BUILDS = frozenset({"model_validate", "from_orm"})


def is_pydantic_model(project: Project, qualname: str) -> bool:
    """A pydantic model class: one of its bases (outside the project) is ``pydantic.BaseModel``."""
    return any(
        q not in project.classes and q.startswith("pydantic.") and q.rsplit(".", 1)[-1] == "BaseModel"
        for q in project.lineage(qualname)
    )


def pydantic_build(
    project: Project, module: SourceModule, call: ast.Call, var: str
) -> tuple[ClassInfo, tuple[FieldRead, ...]] | None:
    """``Out.model_validate(var)`` / ``Out.from_orm(var)`` with a project pydantic model ``Out``: the model and
    the attributes of ``var`` its fields read, or ``None``."""
    if not (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in PYDANTIC_BUILDS
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == var
    ):
        return None
    name = dotted(call.func.value)
    cls = project.classes.get(_qualified(project, module, name)) if name else None
    if cls is None or not is_pydantic_model(project, cls.qualname):
        return None
    return cls, _pydantic_fields(project, cls.qualname)


@keyed_fact
def _pydantic_fields(project: Project, qualname: str) -> tuple[FieldRead, ...]:
    reads: dict[str, FieldRead] = {}
    for base in reversed(list(project.lineage(qualname))):  # bases first: a subclass's field overrides
        owner = project.classes.get(base)
        if owner is None:
            continue
        for stmt in owner.node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            field = stmt.target.id
            if field.startswith("_") or field == "model_config" or "ClassVar" in ast.unparse(stmt.annotation):
                continue
            attr = field
            if isinstance(stmt.value, ast.Call) and _last(stmt.value.func) == "Field":
                alias = _keyword(stmt.value, "validation_alias") or _keyword(stmt.value, "alias")
                if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
                    attr = alias.value
            at = Location(owner.module.path, stmt.lineno, stmt.col_offset + 1)
            reads[field] = FieldRead(field, attr, f"field `{field}` of `{owner.name}`", at)
    return tuple(reads.values())


def mixin_serialized(project: Project, qualname: str, call: ast.Call, relationships: list[str]) -> list[str] | None:
    """The relationships ``row.to_dict(...)`` serializes on a row of the model ``qualname`` mixing in
    SQLAlchemy-serializer's ``SerializerMixin`` (``None``: not that mixin's ``to_dict``, or rules not written as
    literal strings, so nothing is guessed)."""
    lineage = list(project.lineage(qualname))
    if not any(q.startswith("sqlalchemy_serializer") and q.endswith("SerializerMixin") for q in lineage):
        return None
    only: list[str] | None = None
    excluded: set[str] = set()
    for base in lineage:
        owner = project.classes.get(base)
        if owner is None:
            continue
        if "to_dict" in owner.methods:
            return None  # the project's own ``to_dict``: what it reads is the helper's business
        for stmt in owner.node.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            if stmt.targets[0].id not in ("serialize_rules", "serialize_only"):
                continue
            names = _strings(stmt.value)
            if names is None:
                return None
            if stmt.targets[0].id == "serialize_rules":
                excluded.update(n[1:] for n in names if n.startswith("-") and "." not in n)
            elif names and only is None:
                only = [n.split(".", 1)[0] for n in names]
    for kw in call.keywords:
        if kw.arg not in ("only", "rules"):
            continue
        names = _strings(kw.value)
        if names is None:
            return None
        if kw.arg == "rules":
            excluded.update(n[1:] for n in names if n.startswith("-") and "." not in n)
        else:
            only = [n.split(".", 1)[0] for n in names]
    return [r for r in relationships if r not in excluded and (only is None or r in only)]


# ------------------------------------------------------------------ marshmallow schemas


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _strings(node: ast.expr | None, meta: ast.ClassDef | None = None) -> list[str] | None:
    """The strings of a constant tuple/list/set, else ``None``; ``*public_fields`` and ``Schema.Meta.public_fields``
    name another option of ``meta``."""
    if isinstance(node, ast.Attribute) and meta is not None and (dotted(node.value) or "").rsplit(".", 1)[-1] == "Meta":
        return _strings(_meta_option(meta, node.attr), meta)
    if not isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return None
    found: list[str] = []
    for element in node.elts:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            found.append(element.value)
        elif isinstance(element, ast.Starred) and isinstance(element.value, ast.Name) and meta is not None:
            inner = _strings(_meta_option(meta, element.value.id), meta)
            if inner is None:
                return None
            found.extend(inner)
        else:
            return None
    return found


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _attribute(call: ast.Call, default: str) -> str | None:
    """The first segment of the attribute a field reads (``attribute="owner.name"`` -> ``owner``); ``None``
    when it is computed (a callable ``attribute=``)."""
    value = _keyword(call, "attribute")
    if value is None:
        return default
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
        return value.value.split(".", 1)[0]
    return None


def _param_reads(func: ast.AST, param: str, module: SourceModule) -> list[tuple[str, Location]]:
    """``param.attr`` read in ``func``'s body (a method's or a function's object parameter)."""
    found: list[tuple[str, Location]] = []
    seen: set[str] = set()
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == param
            and isinstance(node.ctx, ast.Load)
            and node.attr not in seen
        ):
            seen.add(node.attr)
            found.append((node.attr, Location(module.path, node.lineno, node.col_offset + 1)))
    return found


def _object_param(args: ast.arguments, *, method: bool) -> str | None:
    names = [a.arg for a in args.posonlyargs + args.args]
    if method:
        names = names[1:]
    return names[0] if names else None


def _method(
    project: Project, cls: ClassInfo, name: str
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, SourceModule] | None:
    """The schema's method ``name`` (its own or a base's) and its module."""
    for qualname in project.lineage(cls.qualname):
        owner = project.classes.get(qualname)
        if owner is None:
            continue
        for stmt in owner.node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return stmt, owner.module
    return None


def _field_call(project: Project, module: SourceModule, name: str, value: ast.expr, cls: ClassInfo) -> FieldCall | None:
    """The project function a declared ``fields.Method``/``fields.Function`` field runs on each object."""
    if not isinstance(value, ast.Call) or _last(value.func) not in ("Method", "Function"):
        return None
    kind = _last(value.func)
    target = value.args[0] if value.args else _keyword(value, "serialize")
    fn: FunctionInfo | None = None
    if kind == "Method" and isinstance(target, ast.Constant) and isinstance(target.value, str):
        for qualname in project.lineage(cls.qualname):
            owner = project.classes.get(qualname)
            if owner is not None and target.value in owner.methods:
                fn = owner.methods[target.value]
                break
    elif isinstance(target, (ast.Name, ast.Attribute)) and dotted(target):
        fn = project.resolve_function(dotted(target) or "", None, module)
    if fn is None or target is None:
        return None
    at = Location(module.path, value.lineno, value.col_offset + 1)
    return FieldCall(name, fn, f"`fields.{kind}({_clip(ast.unparse(target))})`", at)


def _field_reads(
    project: Project, module: SourceModule, name: str, value: ast.expr, cls: ClassInfo | None
) -> list[FieldRead]:
    """What a declared field (``name = value``) reads of the object it dumps."""
    if not isinstance(value, ast.Call):
        return []
    kind = _last(value.func)
    at = Location(module.path, value.lineno, value.col_offset + 1)
    if kind in _NO_READ or _is_true(_keyword(value, "load_only")):
        return []
    if kind in ("Method", "Function"):
        target = value.args[0] if value.args else _keyword(value, "serialize")
        func: ast.AST | None = None
        home = module
        method = False
        if kind == "Method" and isinstance(target, ast.Constant) and isinstance(target.value, str) and cls is not None:
            found = _method(project, cls, target.value)
            if found is not None:
                func, home = found
                method = True
        elif isinstance(target, ast.Lambda):
            func = target
        elif isinstance(target, ast.Name):
            fn = project.resolve_function(target.id, None, module)
            if fn is not None:
                func, home = fn.node, fn.module
        if func is None:
            return []
        param = _object_param(func.args, method=method)  # type: ignore[attr-defined]
        if param is None:
            return []
        label = ast.unparse(target) if not isinstance(target, ast.Lambda) else "lambda ..."
        how = f"`fields.{kind}({_clip(label)})`"
        return [FieldRead(name, attr, how, where) for attr, where in _param_reads(func, param, home)]
    if kind == "List" and value.args and isinstance(value.args[0], ast.Call):
        inner = _last(value.args[0].func)
        attr = _attribute(value, name)
        return [FieldRead(name, attr, f"`fields.List(fields.{inner}(...))`", at)] if attr else []
    attr = _attribute(value, name)
    if attr is None:
        return []
    how = f"`fields.{kind}(...)`"
    written = _keyword(value, "attribute")
    if isinstance(written, ast.Constant) and "." in str(written.value):
        how = f'`fields.{kind}(attribute="{written.value}")`'
    return [FieldRead(name, attr, how, at)]


def _meta(project: Project, cls: ClassInfo) -> tuple[ast.ClassDef | None, SourceModule]:
    """The nearest ``class Meta`` of the schema (a nested class is inherited like any class attribute)."""
    for qualname in project.lineage(cls.qualname):
        owner = project.classes.get(qualname)
        if owner is None:
            continue
        for stmt in owner.node.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                return stmt, owner.module
    return None, cls.module


def _meta_option(meta: ast.ClassDef | None, name: str) -> ast.expr | None:
    if meta is None:
        return None
    for stmt in meta.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt.value
    return None


@keyed_fact
def schema_serializer(project: Project, qualname: str) -> Serializer | None:
    """What a marshmallow schema class reads of each object it dumps (see the module docstring)."""
    from flask_doctor.static.facts.orm.models import relations

    cls = project.classes.get(qualname)
    if cls is None or not is_schema(project, qualname):
        return None
    declared: dict[str, list[FieldRead]] = {}
    calls: dict[str, FieldCall | None] = {}
    for base in reversed(list(project.lineage(qualname))):  # bases first: a subclass's field overrides
        owner = project.classes.get(base)
        if owner is None:
            continue
        for stmt in owner.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                field = stmt.targets[0].id
                declared[field] = _field_reads(project, owner.module, field, stmt.value, cls)
                calls[field] = _field_call(project, owner.module, field, stmt.value, cls)
    meta, meta_module = _meta(project, cls)
    only = _strings(_meta_option(meta, "fields"), meta)
    exclude = set(_strings(_meta_option(meta, "exclude"), meta) or ())
    reads: dict[str, list[FieldRead]] = dict(declared)
    model_node = _meta_option(meta, "model")
    model = project.models.get(_last(model_node)) if model_node is not None else None
    if model is not None and _is_true(_meta_option(meta, "include_relationships")):
        option = _meta_option(meta, "include_relationships")
        assert option is not None
        at = Location(meta_module.path, option.lineno, option.col_offset + 1)
        for attr in relations(project, model):
            reads.setdefault(attr, [FieldRead(attr, attr, "`include_relationships = True`", at)])
    if only is not None:
        option = _meta_option(meta, "fields")
        assert option is not None
        at = Location(meta_module.path, option.lineno, option.col_offset + 1)
        for name in only:
            reads.setdefault(name, [FieldRead(name, name, "`Meta.fields`", at)])  # an inferred field
        reads = {name: found for name, found in reads.items() if name in only}
    flat = tuple(r for name, found in reads.items() if name not in exclude for r in found)
    run = tuple(c for name, c in calls.items() if c is not None and name in reads and name not in exclude)
    return Serializer(cls.name, flat, Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1), run)


def _narrowed(serializer: Serializer, call: ast.Call, meta: ast.ClassDef | None) -> Serializer | None:
    """The serializer as an instance built with ``only=``/``exclude=`` dumps it (``None``: not known)."""
    written = _keyword(call, "only")
    only = _strings(written, meta)
    if written is not None and only is None:
        return None  # computed: which fields it keeps is not known
    exclude = set(_strings(_keyword(call, "exclude"), meta) or ())
    if only is None and not exclude:
        return serializer
    reads = tuple(r for r in serializer.reads if (only is None or r.field in only) and r.field not in exclude)
    calls = tuple(c for c in serializer.calls if (only is None or c.field in only) and c.field not in exclude)
    return Serializer(serializer.name, reads, serializer.location, calls)


# ------------------------------------------------------------------ flask-restful / flask-restx dicts


def _spec_items(
    project: Project, module: SourceModule, node: ast.expr, depth: int = 0
) -> tuple[list[tuple[str, ast.expr, SourceModule]], str] | None:
    """The ``(key, field, module)`` items of a dict of fields, and its name; ``None`` when it is not one."""
    if depth > 4:
        return None
    if isinstance(node, ast.Name):
        found = _module_value(project, module, node.id)
        if found is None:
            return None
        inner = _spec_items(project, found[1], found[0], depth + 1)
        return (inner[0], node.id) if inner is not None else None
    if isinstance(node, ast.Dict):
        items: list[tuple[str, ast.expr, SourceModule]] = []
        for key, value in zip(node.keys, node.values):
            if key is None:  # ``**base``
                inner = _spec_items(project, module, value, depth + 1)
                if inner is None:
                    return None
                items.extend(inner[0])
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                items.append((key.value, value, module))
        return items, "dict"
    if isinstance(node, ast.Call):
        name = _last(node.func)
        if name == "dict":
            items = []
            for arg in node.args:
                inner = _spec_items(project, module, arg, depth + 1)
                if inner is None:
                    return None
                items.extend(inner[0])
            for kw in node.keywords:
                if kw.arg is None:
                    inner = _spec_items(project, module, kw.value, depth + 1)
                    if inner is None:
                        return None
                    items.extend(inner[0])
                else:
                    items.append((kw.arg, kw.value, module))
            return items, "dict"
        if name in _MODEL_BUILDERS and isinstance(node.func, ast.Attribute):
            items = []
            title = node.args[0] if node.args else None
            for arg in node.args[1:]:
                inner = _spec_items(project, module, arg, depth + 1)
                if inner is not None:
                    items.extend(inner[0])
            label = title.value if isinstance(title, ast.Constant) and isinstance(title.value, str) else "model"
            return items, label
    return None


def _restful_reads(items: list[tuple[str, ast.expr, SourceModule]]) -> list[FieldRead]:
    found: list[FieldRead] = []
    for key, value, module in items:
        at = Location(module.path, value.lineno, value.col_offset + 1)
        if isinstance(value, ast.Dict):
            continue  # a nested dict of fields reads the same object: its own fields are read elsewhere
        call = value if isinstance(value, ast.Call) else None
        kind = _last(call.func if call is not None else value)
        if kind in _NO_READ:
            continue
        attr = _attribute(call, key) if call is not None else key
        if attr is None:
            continue
        how = f"`fields.{kind}`"
        written = _keyword(call, "attribute") if call is not None else None
        if isinstance(written, ast.Constant) and "." in str(written.value):
            how = f'`fields.{kind}(attribute="{written.value}")`'
        elif call is not None and kind == "List" and call.args and isinstance(call.args[0], ast.Call):
            how = f"`fields.List(fields.{_last(call.args[0].func)}(...))`"
        elif call is not None:
            how = f"`fields.{kind}(...)`"
        found.append(FieldRead(key, attr, how, at))
    return found


def _spec_serializer(project: Project, module: SourceModule, node: ast.expr) -> Serializer | None:
    spec = _spec_items(project, module, node)
    if spec is None:
        return None
    items, name = spec
    if isinstance(node, ast.Name):
        name = node.id
    return Serializer(name, tuple(_restful_reads(items)), Location(module.path, node.lineno, node.col_offset + 1))


# ------------------------------------------------------------------ dump sites


def _schema_instance(
    project: Project, module: SourceModule, fn: FunctionInfo | None, node: ast.expr
) -> tuple[Serializer, ast.Call] | None:
    """The schema and the constructor call of a schema instance: ``Schema(...)`` itself, or a local or
    module-level name bound to one."""
    from flask_doctor.static.facts.orm.assignments import assignments

    call: ast.Call | None = node if isinstance(node, ast.Call) else None
    home = module
    if isinstance(node, ast.Name):
        values = assignments(project, fn).get(node.id, []) if fn is not None else []
        if len(values) == 1 and isinstance(values[0], ast.Call):
            call = values[0]
        elif not values:
            found = _module_value(project, module, node.id)
            if found is not None and isinstance(found[0], ast.Call):
                call, home = found[0], found[1]
    if call is None:
        return None
    cls = _schema_class(project, home, call.func)
    if cls is None:
        return None
    serializer = schema_serializer(project, cls.qualname)
    narrowed = _narrowed(serializer, call, _meta(project, cls)[0]) if serializer is not None else None
    return (narrowed, call) if narrowed is not None else None


def _is_restful(project: Project, module: SourceModule, func: ast.expr) -> bool:
    name = dotted(func) or ""
    if isinstance(func, ast.Attribute):
        return True  # ``ns.marshal_with(model)`` / ``api.marshal_list_with(model)``: a restx namespace
    target = _qualified(project, module, name)
    return target.startswith(_RESTFUL)


def dump_of(project: Project, module: SourceModule, fn: FunctionInfo | None, call: ast.Call) -> Dump | None:
    """The rows ``call`` serializes with many fields' reads each, or ``None`` (one object, not a serializer)."""
    name = _last(call.func)
    if name == "dump" and isinstance(call.func, ast.Attribute) and call.args:
        found = _schema_instance(project, module, fn, call.func.value)
        if found is None:
            return None
        serializer, built = found
        many = _keyword(call, "many")
        if many is None:
            many = _keyword(built, "many")
        if not _is_true(many):
            return None
        return Dump(call.args[0], serializer, call, f"`{_short(call)}`")
    if name == "marshal" and len(call.args) >= 2 and _is_restful(project, module, call.func):
        if isinstance(call.func, ast.Attribute):
            return None  # a bare ``marshal(...)`` of flask-restful/restx only
        serializer = _spec_serializer(project, module, call.args[1])
        if serializer is None:
            return None
        return Dump(call.args[0], serializer, call, f"`{_short(call)}`")
    return None


def marshalled_returns(project: Project, fn: FunctionInfo) -> list[Dump]:
    """The rows a view decorated with ``@marshal_with(...)`` returns, each with the serializer it applies."""
    return _marshalled(project, fn)


@keyed_fact
def _marshalled(project: Project, fn: FunctionInfo) -> list[Dump]:
    serializer: Serializer | None = None
    decorator: ast.Call | None = None
    for node in fn.node.decorator_list:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _RESPONSE_DECORATORS
        ):
            # flask-smorest ``@blp.response(200, PostSchema(many=True))``, APIFlask ``@app.output(PostSchema(many=True))``
            position = _RESPONSE_DECORATORS[node.func.attr]
            given = _keyword(node, "schema") or (node.args[position] if len(node.args) > position else None)
            found = _schema_instance(project, fn.module, fn, given) if isinstance(given, (ast.Call, ast.Name)) else None
            if found is not None and _is_true(_keyword(found[1], "many")):
                serializer, decorator = found[0], node
                break
            continue
        if not (isinstance(node, ast.Call) and node.args and _last(node.func) in MARSHAL_DECORATORS):
            continue
        spec = node.args[0]
        found = _schema_instance(project, fn.module, fn, spec) if isinstance(spec, (ast.Call, ast.Name)) else None
        if found is not None:  # flask-apispec: ``@marshal_with(Schema(many=True))``
            if _is_true(_keyword(found[1], "many")):
                serializer, decorator = found[0], node
            break
        if _is_restful(project, fn.module, node.func):
            serializer = _spec_serializer(project, fn.module, spec)
            decorator = node
            break
    if serializer is None or decorator is None or not serializer.reads:
        return []
    dumps: list[Dump] = []
    for node in own_nodes(fn.node):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Tuple) and value.elts:
                value = value.elts[0]  # ``return rows, 200``
            dumps.append(Dump(value, serializer, node, f"`@{_short(decorator)}`"))
    return dumps


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "DUMP_CALLS",
    "MARSHAL_DECORATORS",
    "Dump",
    "FieldCall",
    "FieldRead",
    "Serializer",
    "dump_of",
    "is_schema",
    "marshalled_returns",
    "schema_serializer",
]
