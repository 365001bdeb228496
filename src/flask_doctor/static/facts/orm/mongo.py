"""Facts about MongoDB reads: which call reads one document, which reads many, and what bounds them.

The SQLAlchemy facts (:mod:`.queries`) answer *is this a query?* for
relational code; this module answers the same questions for pymongo,
Flask-PyMongo, Motor and mongoengine, so that the N+1 and unbounded-read
rules see the same problems in Flask apps that keep their data in MongoDB.

A receiver is a MongoDB collection only on evidence:

* a client built from ``MongoClient(...)`` (``AsyncIOMotorClient``...), then a
  database (``client["shop"]``, ``client.shop``, ``client.get_database(...)``)
  and a collection of it (``db["orders"]``, ``db.orders``,
  ``db.get_collection("orders")``);
* Flask-PyMongo's ``mongo.db.orders`` where ``mongo = PyMongo(app)``;
* a mongoengine ``Document`` subclass: ``Order.objects``;
* in a project that uses MongoDB, an attribute or name written as a
  collection (``self.orders_collection``) or a database (``self.db``,
  ``database``) -- how data-access classes that receive their database
  from configuration spell it;

each followed through local names, module globals, ``self`` attributes set
in the class (or a subclass) and project functions that return one.

A read is a method chain on such a receiver: ``find_one(...)`` and
``Order.objects.get(...)`` read one document; ``find(...)``,
``aggregate([...])`` and ``Order.objects(...)`` read many, bounded by
``.limit(n)``, a slice, pagination, an ``$limit``/``$group`` stage, a filter on
``_id`` or an ``$in`` list chosen by the caller.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import field, replace
from typing import TYPE_CHECKING, TypeVar

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.context import Context
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.classes import subscripted_bases
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.loops import uses_any
from flask_doctor.static.facts.orm.models import (
    _NOT_CREATION,
    GROWING_NAMES,
    OWNER_KEY,
    is_db,
)
from flask_doctor.static.facts.orm.params import _optional_guards, item_names_in, optional_params, passes
from flask_doctor.static.facts.orm.queries import helper_context
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import CLI, JOB, REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import ClassInfo, FunctionInfo, Project
    from flask_doctor.static.source import SourceModule

#: Packages whose import makes a project a MongoDB project.
MONGO_PACKAGES = ("pymongo", "motor", "flask_pymongo", "mongoengine", "flask_mongoengine", "mongomock")
#: Classes whose instances are MongoDB clients.
CLIENT_TYPES = frozenset(
    {
        "pymongo.MongoClient",
        "pymongo.mongo_client.MongoClient",
        "pymongo.AsyncMongoClient",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "motor.motor_tornado.MotorClient",
        "mongomock.MongoClient",
    }
)
#: Flask-PyMongo's extension: ``mongo.db`` is a database, ``mongo.cx`` the client.
FLASK_PYMONGO = frozenset({"flask_pymongo.PyMongo"})
#: Annotations that say a parameter is a collection or a database.
COLLECTION_TYPES = frozenset(
    {"pymongo.collection.Collection", "motor.motor_asyncio.AsyncIOMotorCollection", "mongomock.Collection"}
)
DATABASE_TYPES = frozenset({"pymongo.database.Database", "motor.motor_asyncio.AsyncIOMotorDatabase"})
#: Bases of mongoengine documents (Flask-MongoEngine re-exports them as ``db.Document``).
DOCUMENT_BASES = frozenset(
    {
        "mongoengine.Document",
        "mongoengine.DynamicDocument",
        "mongoengine.document.Document",
        "mongoengine.document.DynamicDocument",
        "flask_mongoengine.Document",
        "flask_mongoengine.DynamicDocument",
        "flask_mongoengine.documents.Document",
        "flask_mongoengine.documents.DynamicDocument",
    }
)
MONGOENGINE_EXTENSIONS = frozenset({"flask_mongoengine.MongoEngine"})

#: Collection methods that read one document.
SINGLE = frozenset(
    {"find_one", "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "find_one_or_404"}
)
#: Collection methods that read many documents.
MANY = frozenset({"find", "aggregate", "find_raw_batches", "aggregate_raw_batches"})
#: Collection methods that answer with a number or a few values, not documents.
COUNTS = frozenset({"count_documents", "estimated_document_count", "distinct", "count"})
#: Queryset methods (mongoengine) that read one document or a number.
QS_SINGLE = frozenset({"get", "first", "get_or_404", "first_or_404", "with_id", "first_or_none"})
QS_COUNTS = frozenset({"count", "sum", "average", "distinct", "item_frequencies", "exists", "in_bulk"})
#: Cursor and queryset methods that keep the read as it is (order, projection, options) or narrow it.
CURSOR_METHODS = frozenset(
    {
        "sort",
        "skip",
        "limit",
        "batch_size",
        "hint",
        "max_time_ms",
        "collation",
        "comment",
        "allow_disk_use",
        "max_scan",
        "no_cursor_timeout",
        "order_by",
        "only",
        "exclude",
        "fields",
        "all_fields",
        "filter",
        "all",
        "no_dereference",
        "select_related",
        "no_cache",
        "clone",
        "timeout",
        "read_preference",
        "as_pymongo",
        "paginate",
        "scalar",
        "values_list",
        "search_text",
        "to_list",
        "__call__",
        "__slice__",
        "__index__",
    }
)
#: Methods after which the documents fetched are bounded.
BOUNDING = frozenset({"limit", "__slice__", "__index__", "paginate", "search_text"})
#: Aggregation stages after which the result is bounded (a page, a summary, a sample).
BOUNDING_STAGES = frozenset(
    {"$limit", "$group", "$count", "$sample", "$bucket", "$bucketAuto", "$facet", "$sortByCount", "$first"}
)
#: Writes that add documents to a collection (an upsert adds one when none matches).
INSERTS = frozenset({"insert_one", "insert_many", "insert", "save", "bulk_write"})
UPSERTS = frozenset(
    {"update_one", "update_many", "update", "replace_one", "find_one_and_update", "find_one_and_replace", "upsert_one"}
)
WRITES = INSERTS | UPSERTS | frozenset({"delete_one", "delete_many", "remove", "find_one_and_delete", "modify"})
#: Attributes of a database that are not collections.
_DATABASE_MEMBERS = frozenset(
    {
        "client",
        "name",
        "command",
        "list_collection_names",
        "collection_names",
        "list_collections",
        "create_collection",
        "drop_collection",
        "get_collection",
        "with_options",
        "codec_options",
        "read_preference",
        "write_concern",
        "read_concern",
        "validate_collection",
        "dereference",
        "watch",
        "cursor_command",
    }
)
#: Names that spell a database or a collection in data-access code.
_DATABASE_NAME = on_first_use(r"^(db|database|mongo_?db|mongodb|mdb)$|_(db|database)$", re.IGNORECASE)
_COLLECTION_NAME = on_first_use(r"^(?:(?P<word>.+?)_?collection|(?P<short>.+?)_coll|collection|coll)$", re.IGNORECASE)
#: mongoengine's keyword operators (``age__gte=18``); any other ``__`` part names an embedded field.
_QUERY_OPERATORS = frozenset(
    {
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "not",
        "in",
        "nin",
        "mod",
        "all",
        "size",
        "exists",
        "exact",
        "iexact",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "match",
        "wholeword",
        "iwholeword",
        "regex",
        "iregex",
        "type",
        "elemMatch",
        "near",
        "max_distance",
        "min_distance",
        "geo_within",
        "geo_within_box",
        "geo_within_polygon",
        "geo_within_center",
        "geo_within_sphere",
        "geo_intersects",
        "within_distance",
        "within_spherical_distance",
        "within_box",
        "within_polygon",
        "raw",
    }
)
#: The operators a mongoengine keyword may end with (``created__gte``, ``tags__nin``).
QUERY_OPERATORS = _QUERY_OPERATORS
_FIELD_REFERENCE = on_first_use(r"(Generic)?(Lazy)?(Cached)?Reference(Field)?\(")
_FIELD_DATE = on_first_use(r"(Complex)?Date(Time)?Field\(")
_FIELD_UNIQUE = on_first_use(r"unique\s*=\s*True|primary_key\s*=\s*True")


# ------------------------------------------------------------------ the project
@project_fact
def uses_mongo(project: Project) -> bool:
    """Application code imports pymongo, Motor, Flask-PyMongo or mongoengine."""
    for module_name, records in project.imports.items():
        module = project.modules.get(module_name)
        if module is None or is_test_path(module.path):
            continue
        if any(r.module.split(".", 1)[0] in MONGO_PACKAGES for r in records):
            return True
    return False


@project_fact
def documents(project: Project) -> dict[str, ClassInfo]:
    """mongoengine ``Document`` subclasses of the project, by qualified name."""
    extensions = {o.qualname for o in project.objects_of(set(MONGOENGINE_EXTENSIONS))}
    verdicts: dict[str, bool] = {}

    def is_document(qualname: str) -> bool:
        if qualname in verdicts:
            return verdicts[qualname]
        verdicts[qualname] = False  # a cycle of bases is no document
        owner, _, last = qualname.rpartition(".")
        answer = qualname in DOCUMENT_BASES or (last in ("Document", "DynamicDocument") and owner in extensions)
        cls = project.classes.get(qualname)
        if not answer and cls is not None:
            answer = any(is_document(base) for base in (*cls.bases, *subscripted_bases(project, cls)))
        verdicts[qualname] = answer
        return answer

    return {q: cls for q, cls in project.classes.items() if is_document(q)}


def document_for(node: ast.AST, ctx: Context) -> ClassInfo | None:
    """The mongoengine document class ``node`` names (``Order``, ``models.Order``, ``cls`` in a document)."""
    project = ctx.project
    docs = documents(project)
    if not docs:
        return None
    name = dotted(node)
    if not name:
        return None
    if name == "cls" and ctx.function is not None and ctx.function.class_name:
        owner = ctx.function.qualname.rsplit(".", 1)[0]
        return docs.get(owner)
    qualified = ctx.qualified(node)
    if qualified is None and "." not in name:
        if ctx.function is not None and name in assignments(project, ctx.function):
            return None  # a local variable that happens to share the name
        qualified = f"{ctx.module.name}.{name}"
    if qualified is None:
        return None
    return docs.get(qualified) or docs.get(project.canonical(qualified))


@keyed_fact
def document_fields(project: Project, qualname: str) -> dict[str, str]:
    """``field name -> its declaration`` for a document and its bases (``organization = ReferenceField(...)``)."""
    fields: dict[str, str] = {}
    for current in reversed(list(project.lineage(qualname))):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                fields[stmt.targets[0].id] = ast.unparse(stmt.value)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                fields[stmt.target.id] = ast.unparse(stmt.value)
    return fields


# ------------------------------------------------------------------ collections
@dataclass(frozen=True)
class Collection:
    """One MongoDB collection: a named pymongo collection or a mongoengine document's."""

    key: str  # the same for every place that names the collection: ``coll:orders``, ``doc:app.models.Order``
    label: str  # ``orders`` or ``Order``
    document: str | None = None  # the document class's qualified name (mongoengine)


def _module_context(project: Project, module: SourceModule) -> Context:
    return Context(module, project, lambda finding: None)


def _module_values(module: SourceModule, name: str) -> list[ast.expr]:
    """The values a module-level ``name = ...`` gives ``name``."""
    values: list[ast.expr] = []
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            values.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            if stmt.value is not None:
                values.append(stmt.value)
    return values


@project_fact
def _subclasses(project: Project) -> dict[str, list[str]]:
    """Class qualname -> the project classes that inherit from it (directly or not)."""
    found: dict[str, list[str]] = {}
    for qualname in project.classes:
        for base in project.lineage(qualname):
            if base != qualname:
                found.setdefault(base, []).append(qualname)
    return found


@keyed_fact
def self_attributes(project: Project, class_qual: str) -> dict[str, list[tuple[ast.expr, FunctionInfo | None]]]:
    """``self.<attr> = value`` (and class-level ``attr = value``) in the class, its bases and its subclasses.

    A mixin's ``self.orders_collection`` is set by the class that mixes it in
    (``setup(self, database): self.orders_collection = database.orders``).
    """
    found: dict[str, list[tuple[ast.expr, FunctionInfo | None]]] = {}
    related = [*project.lineage(class_qual), *_subclasses(project).get(class_qual, [])]
    for qualname in related:
        cls = project.classes.get(qualname)
        if cls is None:
            continue
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append((stmt.value, None))
        for method in cls.methods.values():
            for node in ast.walk(method.node):
                if not isinstance(node, ast.Assign):
                    continue
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        found.setdefault(target.attr, []).append((node.value, method))
    return found


def _owner_class(ctx: Context) -> str | None:
    """The class whose method the context is in (through closures)."""
    fn = ctx.function
    while fn is not None and not fn.class_name:
        fn = fn.parent
    if fn is None or fn.class_name is None:
        return None
    return fn.qualname.rsplit(".", 1)[0]


def bound_values(expr: ast.expr, ctx: Context) -> list[tuple[ast.expr, Context]] | None:
    """What a name, a ``self`` attribute or a project call stands for: each value with the context to read it in.

    ``None`` when ``expr`` is none of these (or nothing is known about it).
    """
    project = ctx.project
    if isinstance(expr, ast.Name):
        fn = ctx.function
        if fn is not None:
            local = assignments(project, fn).get(expr.id)
            if local:
                return [(v, ctx) for v in local]
            if expr.id in fn.local_names and expr.id not in fn.global_names:
                return None  # a parameter, a loop variable, a ``with`` target: not followed
        values = _module_values(ctx.module, expr.id)
        if values:
            module_ctx = _module_context(project, ctx.module)
            return [(v, module_ctx) for v in values]
        qualified = ctx.qualified(expr)
        if qualified:
            qualified = project.canonical(qualified)
            obj = project.objects.get(qualified)
            if obj is not None:
                return [(obj.call, _module_context(project, obj.module))]
            module_name, _, name = qualified.rpartition(".")
            module = project.modules.get(module_name)
            if module is not None:
                values = _module_values(module, name)
                if values:
                    module_ctx = _module_context(project, module)
                    return [(v, module_ctx) for v in values]
        return None
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
        owner = _owner_class(ctx)
        if owner is None:
            return None
        values = self_attributes(project, owner).get(expr.attr)
        if not values:
            return None
        return [(v, helper_context(project, fn) if fn is not None else ctx) for v, fn in values]
    if isinstance(expr, ast.Call) and ctx.function is not None:
        helper = project_callee(expr, ctx)
        if helper is None:
            return None
        helper_ctx = helper_context(project, helper)
        returns = [n.value for n in _own_nodes(helper.node) if isinstance(n, ast.Return) and n.value is not None]
        return [(v, helper_ctx) for v in returns] or None
    return None


def project_callee(call: ast.Call, ctx: Context) -> FunctionInfo | None:
    """The project function ``call`` reaches (not the function asking): by its name, or a method of the class
    of a module object (``store.case(...)`` with ``store = Adapter()``)."""
    if ctx.function is None:
        return None
    name = dotted(call.func)
    helper = ctx.project.resolve_function(name, ctx.function, ctx.module) if name else None
    if helper is None and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        owner = ctx.type_of(call.func.value)  # ``store.case(...)`` on a module object ``store = Adapter()``
        helper = ctx.project._method(owner, call.func.attr) if owner in ctx.project.classes else None
    return helper if helper is not None and helper is not ctx.function else None


def _own_nodes(fn_node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, not of the functions nested in it."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(ast.iter_child_nodes(fn_node))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


T = TypeVar("T")


def _followed(
    expr: ast.expr, ctx: Context, probe: Callable[[ast.expr, Context, int], T | None], depth: int
) -> T | None:
    """``probe`` on what ``expr`` stands for, when every value it may hold answers (the first answer wins)."""
    if depth > 4:
        return None
    values = bound_values(expr, ctx)
    if not values:
        return None
    found = None
    for value, value_ctx in values:
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        answer = probe(value, value_ctx, depth + 1)
        if answer is None:
            return None
        found = found or answer
    return found


def _typed(expr: ast.expr, ctx: Context, types: frozenset[str]) -> bool:
    type_name = ctx.type_of(expr)
    return bool(type_name) and ctx.project.is_subtype(type_name, set(types))


def is_client(expr: ast.expr, ctx: Context, depth: int = 0) -> bool:
    """``MongoClient(...)``, Flask-PyMongo's ``mongo.cx``, or a name/attribute holding one."""
    if isinstance(expr, ast.Call):
        resolved = ctx.qualified(expr.func)
        if resolved and ctx.project.is_subtype(ctx.project.canonical(resolved), set(CLIENT_TYPES)):
            return True
    if _typed(expr, ctx, CLIENT_TYPES):
        return True
    if isinstance(expr, ast.Attribute) and expr.attr == "cx" and _is_flask_pymongo(expr.value, ctx):
        return True
    if isinstance(expr, ast.Attribute) and expr.attr == "client" and is_database(expr.value, ctx, depth + 1):
        return True
    return bool(_followed(expr, ctx, lambda v, c, d: is_client(v, c, d) or None, depth))


def _is_flask_pymongo(expr: ast.expr, ctx: Context) -> bool:
    if _typed(expr, ctx, FLASK_PYMONGO):
        return True
    if isinstance(expr, ast.Call):
        resolved = ctx.qualified(expr.func)
        return bool(resolved) and ctx.project.is_subtype(resolved, set(FLASK_PYMONGO))
    return False


def is_database(expr: ast.expr, ctx: Context, depth: int = 0) -> bool:
    """A MongoDB database: ``client["shop"]``, ``client.shop``, ``mongo.db``, or a name spelt as one.

    The spelling (``db``, ``database``, ``self.db``, ``orders_db``) counts only in a project that uses MongoDB
    and never for Flask-SQLAlchemy's ``db``.
    """
    if depth > 6:
        return False
    if _typed(expr, ctx, DATABASE_TYPES):
        return True
    if isinstance(expr, ast.Subscript) and is_client(expr.value, ctx, depth + 1):
        return True
    if isinstance(expr, ast.Attribute):
        if expr.attr == "db" and _is_flask_pymongo(expr.value, ctx):
            return True
        if expr.attr not in ("admin",) and not expr.attr.startswith("_") and is_client(expr.value, ctx, depth + 1):
            return expr.attr not in ("server_info", "close", "address", "list_database_names")
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr in ("get_database", "get_default_database") and is_client(expr.func.value, ctx, depth + 1):
            return True
        if expr.func.attr == "get_db" and _is_flask_pymongo(expr.func.value, ctx):
            return True
    if _followed(expr, ctx, lambda v, c, d: is_database(v, c, d) or None, depth):
        return True
    return _spelt_as(expr, ctx, _DATABASE_NAME())


def _spelt_as(expr: ast.expr, ctx: Context, pattern: re.Pattern[str]) -> bool:
    """A name or attribute whose last part is spelt like ``pattern``, in a MongoDB project (not SQLAlchemy's db)."""
    last = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else None
    if not last or not pattern.search(last) or not uses_mongo(ctx.project):
        return False
    return not is_db(expr, ctx)


def collection_of(expr: ast.expr, ctx: Context, depth: int = 0) -> Collection | None:
    """The MongoDB collection ``expr`` is (the receiver of ``find``/``find_one``/``insert_one``), or ``None``.

    Answered once per expression and function (rules ask about the same receivers again and again).
    """
    if depth > 6:
        return None
    table = ctx.project.facts.table(collection_of)
    key = (expr, ctx.function, ctx.module.name)
    if key in table:
        return table[key]  # type: ignore[no-any-return]
    table[key] = None  # a receiver defined through itself is no collection
    found = table[key] = _collection_of(expr, ctx, depth)
    return found


def _collection_of(expr: ast.expr, ctx: Context, depth: int) -> Collection | None:
    if isinstance(expr, ast.Attribute) and expr.attr == "objects":
        doc = document_for(expr.value, ctx)
        if doc is not None:
            return Collection(f"doc:{doc.qualname}", doc.name, doc.qualname)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr == "_get_collection":
            doc = document_for(expr.func.value, ctx)
            if doc is not None:
                return Collection(f"doc:{doc.qualname}", doc.name, doc.qualname)
        if expr.func.attr == "get_collection" and expr.args and is_database(expr.func.value, ctx, depth + 1):
            return _named(expr.args[0], ctx)
    if isinstance(expr, ast.Subscript) and is_database(expr.value, ctx, depth + 1):
        return _named(expr.slice, ctx)
    if (
        isinstance(expr, ast.Attribute)
        and not expr.attr.startswith("_")
        and expr.attr not in _DATABASE_MEMBERS
        and is_database(expr.value, ctx, depth + 1)
    ):
        return Collection(f"coll:{expr.attr}", expr.attr)
    if _typed(expr, ctx, COLLECTION_TYPES):
        text = dotted(expr) or ast.unparse(expr)
        return Collection(f"coll:{_collection_word(text)}", _collection_word(text))
    found = _followed(expr, ctx, collection_of, depth)
    if found is not None:
        return found
    if isinstance(expr, (ast.Name, ast.Attribute)) and _spelt_as(expr, ctx, _COLLECTION_NAME()):
        word = _collection_word(expr.id if isinstance(expr, ast.Name) else expr.attr)
        if word:
            return Collection(f"coll:{word}", word)
    return None


def _collection_word(text: str) -> str:
    """``orders`` for ``self.orders_collection``, ``orders_coll``, ``orders``."""
    last = text.rsplit(".", 1)[-1]
    match = _COLLECTION_NAME().match(last)
    word = (match.group("word") or match.group("short")) if match else None
    return word.rstrip("_") if word else last


def _named(key: ast.expr, ctx: Context) -> Collection | None:
    """The collection ``db[key]`` names: a string written in the code, or the expression itself."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return Collection(f"coll:{key.value}", key.value)
    if isinstance(key, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(key.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Constant) and isinstance(values[0].value, str):
            return Collection(f"coll:{values[0].value}", values[0].value)
    text = ast.unparse(key)
    return Collection(f"expr:{text}", text)


# ------------------------------------------------------------------ reads
@dataclass(eq=False)
class MongoRead:
    """A read of a collection: the call that starts it and the cursor/queryset methods after it."""

    collection: Collection
    root: str  # ``find``, ``find_one``, ``aggregate``, ``count_documents``, ``objects``
    call: ast.AST  # ``coll.find(...)``, ``Order.objects`` or ``Order.objects(...)``
    methods: list[tuple[str, ast.AST]] = field(default_factory=list)  # outermost first
    #: The filter the read is given: ``find(filter)``, the keywords of ``objects(...)``/``filter(...)``.
    ctx: Context | None = None

    @property
    def names(self) -> set[str]:
        return {m for m, _ in self.methods}

    @property
    def single(self) -> bool:
        """The read fetches one document (``find_one``, ``objects.get(...)``, ``objects(...).first()``)."""
        if self.root in SINGLE or (self.root in MANY and "next" in self.names):
            return True
        return self.root == "objects" and bool(self.names & QS_SINGLE)

    @property
    def counts(self) -> bool:
        """The read answers with a number or a few values (``count_documents``, ``distinct``)."""
        if self.root in COUNTS:
            return True
        return self.root in ("objects", "find", "aggregate") and bool(self.names & QS_COUNTS)

    @property
    def many(self) -> bool:
        """The read fetches documents, as many as match."""
        return not self.single and not self.counts

    @property
    def text(self) -> str:
        if isinstance(self.call, ast.Call):
            return f"{ast.unparse(self.call.func)}(...)"
        return ast.unparse(self.call)


def read_of(
    expr: ast.expr, ctx: Context, *, helpers: bool = False, _seen: frozenset[str] = frozenset()
) -> MongoRead | None:
    """Walk ``expr``'s method chain down to a collection read, or ``None`` if it is none.

    ``coll.find({...}).sort(...).limit(5)``, ``Order.objects(owner=u).order_by("-created")[:10]``,
    a local holding one (``qs = qs(private=False)`` narrows the same read), and with ``helpers`` a
    call to a project function that returns one. A document's own methods after a single-document read
    (``find_one(...).get("name")``) are no read.
    """
    if not uses_mongo(ctx.project) and not documents(ctx.project):
        return None
    methods: list[tuple[str, ast.AST]] = []
    node: ast.AST = expr
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, receiver = node.func.attr, node.func.value
            if attr == "objects":
                doc = document_for(receiver, ctx)
                if doc is not None:
                    coll = Collection(f"doc:{doc.qualname}", doc.name, doc.qualname)
                    return _checked(MongoRead(coll, "objects", node, methods, ctx))
            if attr in SINGLE or attr in MANY or attr in COUNTS:
                coll = collection_of(receiver, ctx)
                if coll is not None and not _string_search(attr, node):
                    return _checked(MongoRead(coll, attr, node, methods, ctx))
            if helpers and ctx.function is not None:
                returned = _returned_read(node, ctx)
                if returned is not None:
                    return _checked(replace(returned, methods=methods + returned.methods))
            methods.append((attr, node))
            node = receiver
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if helpers:
                returned = _returned_read(node, ctx)
                if returned is not None:
                    return _checked(replace(returned, methods=methods + returned.methods))
            methods.append(("__call__", node))  # ``qs(private=False)``: a queryset called to narrow it
            node = node.func
            continue
        if isinstance(node, ast.Subscript):
            kind = "__slice__" if isinstance(node.slice, ast.Slice) else "__index__"
            methods.append((kind, node))
            node = node.value
            continue
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            doc = document_for(node.value, ctx)
            if doc is None:
                return None
            coll = Collection(f"doc:{doc.qualname}", doc.name, doc.qualname)
            return _checked(MongoRead(coll, "objects", node, methods, ctx))
        if isinstance(node, ast.Name) and ctx.function is not None and node.id not in _seen:
            values = assignments(ctx.project, ctx.function).get(node.id, [])
            found: MongoRead | None = None
            extra: list[tuple[str, ast.AST]] = []
            for value in values:
                refined = _refines(value, node.id)
                if refined is not None:
                    extra.extend(refined)
                    continue
                sub = read_of(value, ctx, helpers=helpers, _seen=_seen | {node.id})
                if sub is None:
                    if isinstance(value, ast.Constant) and value.value is None:
                        continue
                    return None  # sometimes something else: do not guess
                found = found or sub
            if found is None:
                return None
            return _checked(replace(found, methods=methods + found.methods + extra))
        return None


#: Methods that end a cursor read with one document or a number.
_CURSOR_ENDS = frozenset({"next", "count", "distinct", "explain", "to_list", "try_next"})


def _checked(read: MongoRead) -> MongoRead | None:
    """The read, unless a method after it works on what it returned (a document's ``get``, a list's ``sort``)."""
    inner_first = list(reversed(read.methods))
    if read.root in SINGLE or read.root in COUNTS:
        return None if inner_first else read
    ended = False
    for method, _node in inner_first:
        if ended:
            return None
        if read.root == "objects":
            ended = method in QS_SINGLE or method in QS_COUNTS or method in ("to_json", "as_pymongo", "values_list")
            continue
        if method in _CURSOR_ENDS:
            ended = True
        elif method not in CURSOR_METHODS:
            return None
    return read


def _string_search(attr: str, call: ast.Call) -> bool:
    """``text.find("x")`` / ``names.count("a")``: a string or list method, not a read."""
    first = call.args[0] if call.args else None
    return attr in ("find", "count") and isinstance(first, ast.Constant) and isinstance(first.value, str)


def _refines(value: ast.expr, name: str) -> list[tuple[str, ast.AST]] | None:
    """``qs = qs(private=False)`` / ``qs = qs.filter(...)``: the methods that narrow the same read."""
    methods: list[tuple[str, ast.AST]] = []
    node: ast.AST = value
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            methods.append((node.func.attr, node))
            node = node.func.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            methods.append(("__call__", node))
            node = node.func
        elif isinstance(node, ast.Subscript):
            methods.append(("__slice__" if isinstance(node.slice, ast.Slice) else "__index__", node))
            node = node.value
        else:
            break
    return methods if methods and isinstance(node, ast.Name) and node.id == name else None


def _returned_read(call: ast.Call, ctx: Context) -> MongoRead | None:
    """The read a project function returns (``store.cases(owner=x)`` -> ``self.case_collection.find(query)``)."""
    helper = project_callee(call, ctx)
    if helper is None:
        return None
    return returned_read(ctx.project, helper)


@keyed_fact
def returned_read(project: Project, fn: FunctionInfo) -> MongoRead | None:
    """The read whose cursor (or whose documents, listed) ``fn`` returns."""
    inner = helper_context(project, fn)
    for node in _own_nodes(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        read = read_of(node.value, inner) or _listed_read(node.value, inner)
        if read is not None:
            return read
    return None


def _listed_read(expr: ast.expr, ctx: Context, depth: int = 0) -> MongoRead | None:
    """The read whose documents ``expr`` lists: ``list(cursor)``, ``[d for d in cursor]``, a local holding one."""
    if depth > 3:
        return None
    if isinstance(expr, ast.Call) and dotted(expr.func) in ("list", "sorted", "tuple") and len(expr.args) == 1:
        return read_of(expr.args[0], ctx) or _listed_read(expr.args[0], ctx, depth + 1)
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
        first = expr.generators[0].iter
        return read_of(first, ctx) or _listed_read(first, ctx, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "to_list":
        return read_of(expr.func.value, ctx)
    if isinstance(expr, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(expr.id, [])
        if len(values) == 1:
            return _listed_read(values[0], ctx, depth + 1)
    return None


def read_label(read: MongoRead, node: ast.AST) -> str:
    """The read as a finding quotes it, shortened when long (a local holding it is named with it)."""
    text = ast.unparse(node)
    if len(text) > 90:
        text = read.text
    if isinstance(node, ast.Name):
        return f"`{text}` (`{read.text}`)"
    return f"`{text}`"


# ------------------------------------------------------------------ filters
@dataclass(frozen=True, eq=False)
class Condition:
    """One condition of a read's filter: ``{"case_id": x}`` -> ("case_id", "eq", x)."""

    key: str
    op: str  # ``eq``, ``in``, ``cmp`` (any other operator)
    value: ast.expr | None


def conditions(read: MongoRead) -> list[Condition] | None:
    """The conditions of the read's filter, or ``None`` when the filter is built where the code does not show.

    ``find(query)`` with ``query`` a parameter, ``objects(**filters)``, a ``Q`` object, an ``$or`` or a
    queryset method of the project (``Dataset.objects.visible()``) leave the filter unknown.
    """
    ctx = read.ctx
    assert ctx is not None
    found: list[Condition] = []
    if read.root in SINGLE or read.root in ("find", "count_documents", "distinct", "count"):
        call = read.call
        assert isinstance(call, ast.Call)
        spec = next((kw.value for kw in call.keywords if kw.arg in ("filter", "spec")), None)
        if spec is None and call.args:
            spec = call.args[0] if read.root != "distinct" else (call.args[1] if len(call.args) > 1 else None)
        if spec is not None and not _document_conditions(spec, ctx, found):
            return None
    elif read.root == "aggregate":
        stages = pipeline(read)
        if stages is None:
            return None
        for stage in stages:
            if isinstance(stage, ast.Dict):
                for key, value in zip(stage.keys, stage.values):
                    if isinstance(key, ast.Constant) and key.value == "$match":
                        if not _document_conditions(value, ctx, found):
                            return None
    elif read.root == "objects" and isinstance(read.call, ast.Call):
        if not _keyword_conditions(read.call, found):
            return None
    for method, node in read.methods:
        if method in ("filter", "__call__", "get", "first_or_404", "get_or_404") and isinstance(node, ast.Call):
            if not _keyword_conditions(node, found):
                return None
        elif method not in CURSOR_METHODS and method not in QS_SINGLE and method not in QS_COUNTS:
            if read.root == "objects":
                return None  # ``Dataset.objects.visible()``: a queryset method of the project narrows it
    return found


def _keyword_conditions(call: ast.Call, found: list[Condition]) -> bool:
    """mongoengine keywords: ``owner=u`` (eq), ``tags__in=[...]`` (in), ``created__gte=t`` (cmp)."""
    if call.args:
        return False  # a ``Q`` object or a raw query: built elsewhere
    for kw in call.keywords:
        if kw.arg is None:
            return False  # ``**filters``
        parts = kw.arg.split("__")
        op = parts.pop() if len(parts) > 1 and parts[-1] in _QUERY_OPERATORS else "exact"
        name = ".".join(parts)  # ``discussion__posted_by``: the ``posted_by`` of embedded ``discussion``
        if op == "exact":
            found.append(Condition(name, "eq", kw.value))
        elif op == "in":
            found.append(Condition(name, "in", kw.value))
        else:
            found.append(Condition(name, "cmp", kw.value))
    return True


def _document_conditions(spec: ast.expr, ctx: Context, found: list[Condition], depth: int = 0) -> bool:
    """The conditions of a filter document written in the code (a dict, or a local dict filled in the function)."""
    if depth > 3:
        return False
    if isinstance(spec, ast.Constant) and spec.value is None:
        return True
    if isinstance(spec, ast.Dict):
        for key, value in zip(spec.keys, spec.values):
            if key is None:
                return False  # ``{**base, ...}``
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return False
            if key.value == "$and" and isinstance(value, (ast.List, ast.Tuple)):
                for part in value.elts:
                    if not _document_conditions(part, ctx, found, depth + 1):
                        return False
                continue
            if key.value.startswith("$"):
                if key.value in ("$or", "$nor", "$where", "$expr"):
                    return False  # alternatives or code: what they keep is not one key
                continue  # ``$text``: a search, narrows without a key
            found.append(_condition(key.value, value))
        return True
    if isinstance(spec, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(spec.id, [])
        if len(values) != 1 or not _document_conditions(values[0], ctx, found, depth + 1):
            return False
        return _filled_here(spec.id, ctx, found)
    return False


def _filled_here(name: str, ctx: Context, found: list[Condition]) -> bool:
    """The conditions ``query["key"] = value`` adds to a local filter, or ``False`` when code elsewhere fills it.

    ``query["$match"]["$and"].append(...)``, ``query.update(other)`` or ``set_filters(query, form)`` add
    conditions the code does not show here.
    """
    assert ctx.function is not None
    for node in _own_nodes(ctx.function.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if not (isinstance(target, ast.Subscript) and _rooted_at(target, name)):
                    continue
                key = target.slice
                if not (
                    isinstance(target.value, ast.Name) and isinstance(key, ast.Constant) and isinstance(key.value, str)
                ) or key.value.startswith("$"):
                    return False
                found.append(_condition(key.value, node.value))
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and _rooted_at(node.func.value, name):
                if node.func.attr not in ("get", "items", "keys", "values", "copy"):
                    return False  # ``query.update(...)``, ``query["$or"].append(...)``
            if any(isinstance(a, ast.Name) and a.id == name for a in [*node.args, *(k.value for k in node.keywords)]):
                if not _is_read_call(node):
                    return False  # handed to a helper that may add conditions
    return True


def _rooted_at(node: ast.AST, name: str) -> bool:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return isinstance(node, ast.Name) and node.id == name


def _is_read_call(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and (
        call.func.attr in SINGLE or call.func.attr in MANY or call.func.attr in COUNTS
    )


def _condition(key: str, value: ast.expr) -> Condition:
    if isinstance(value, ast.Dict):
        ops = {k.value for k in value.keys if isinstance(k, ast.Constant)}
        if "$in" in ops:
            index = next(i for i, k in enumerate(value.keys) if isinstance(k, ast.Constant) and k.value == "$in")
            return Condition(key, "in", value.values[index])
        if "$eq" in ops:
            return Condition(key, "eq", value.values[0])
        return Condition(key, "cmp", value)
    return Condition(key, "eq", value)


def pipeline(read: MongoRead) -> list[ast.expr] | None:
    """The stages of an ``aggregate`` pipeline written in the code (a list, or a local list built in the function)."""
    ctx = read.ctx
    assert ctx is not None and isinstance(read.call, ast.Call)
    spec = (
        read.call.args[0]
        if read.call.args
        else next((k.value for k in read.call.keywords if k.arg == "pipeline"), None)
    )
    return _stages(spec, ctx) if spec is not None else None


def _stages(spec: ast.expr, ctx: Context, depth: int = 0) -> list[ast.expr] | None:
    if depth > 3:
        return None
    if isinstance(spec, (ast.List, ast.Tuple)):
        stages: list[ast.expr] = []
        for element in spec.elts:
            if isinstance(element, ast.Starred):
                return None
            if isinstance(element, ast.Name) and ctx.function is not None:
                values = assignments(ctx.project, ctx.function).get(element.id, [])
                if len(values) != 1:
                    return None
                element = values[0]
            stages.append(element)
        return stages
    if isinstance(spec, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(spec.id, [])
        if len(values) != 1:
            return None
        stages_found = _stages(values[0], ctx, depth + 1)
        if stages_found is None:
            return None
        for node in _own_nodes(ctx.function.node):  # ``pipeline.append({"$limit": n})``
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == spec.id
                and node.func.attr in ("append", "extend", "insert")
                and node.args
            ):
                added = node.args[-1]
                stages_found.extend(added.elts if isinstance(added, (ast.List, ast.Tuple)) else [added])
        return stages_found
    return None


def _stage_names(stages: list[ast.expr]) -> set[str]:
    names: set[str] = set()
    for stage in stages:
        if isinstance(stage, ast.Dict):
            names.update(k.value for k in stage.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return names


# ------------------------------------------------------------------ what bounds a read
def bound_reason(read: MongoRead) -> str | None:
    """Why ``read`` fetches a bounded number of documents, or ``None`` if nothing bounds it."""
    if read.single:
        return "one document"
    if read.counts:
        return "a count"
    for method, node in read.methods:
        if method == "limit" and isinstance(node, ast.Call):
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, ast.Constant) and arg.value == 0):
                return "limit"  # ``limit(0)`` is no limit in pymongo
        elif method in BOUNDING:
            return method.strip("_")
    if isinstance(read.call, ast.Call) and read.root == "find":
        limit = next((k.value for k in read.call.keywords if k.arg == "limit"), None)
        if limit is not None and not (isinstance(limit, ast.Constant) and limit.value == 0):
            return "limit"
    if read.root == "aggregate":
        stages = pipeline(read)
        if stages is not None and _stage_names(stages) & BOUNDING_STAGES:
            return "a bounding stage"
    found = conditions(read)
    for condition in found or ():
        if condition.op == "eq" and condition.key in ("_id", "id", "pk"):
            return "unique filter"
        if condition.op == "eq" and read.collection.document and _unique_field(read, condition.key):
            return "unique filter"
        if condition.op == "in" and not _listed_from_reads(condition.value, read):
            return "an $in list"
    return None


def _unique_field(read: MongoRead, name: str) -> bool:
    assert read.collection.document is not None and read.ctx is not None
    declaration = document_fields(read.ctx.project, read.collection.document).get(name, "")
    return bool(_FIELD_UNIQUE().search(declaration))


def _listed_from_reads(value: ast.expr | None, read: MongoRead, depth: int = 0) -> bool:
    """The ``$in`` list is built from other reads (every dataset of an organisation), not chosen by the caller."""
    ctx = read.ctx
    if value is None or ctx is None or depth > 3:
        return False
    if read_of(value, ctx, helpers=True) is not None or _listed_read(value, ctx) is not None:
        return True
    if isinstance(value, ast.BinOp):
        return _listed_from_reads(value.left, read, depth + 1) or _listed_from_reads(value.right, read, depth + 1)
    if isinstance(value, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(value.id, [])
        return len(values) == 1 and _listed_from_reads(values[0], read, depth + 1)
    return False


def unknown_filter(read: MongoRead) -> bool:
    """The filter (or the pipeline) is built elsewhere: nothing can be said about what it keeps."""
    if read.root == "aggregate" and pipeline(read) is None:
        return True
    return conditions(read) is None


def parent_key(read: MongoRead) -> str | None:
    """An equality on a reference, a ``*_id`` key or an owner: the documents of one parent (a case's variants)."""
    ctx = read.ctx
    assert ctx is not None
    fields = document_fields(ctx.project, read.collection.document) if read.collection.document else {}
    for condition in conditions(read) or ():
        if condition.op != "eq" or condition.key in ("_id", "id", "pk"):
            continue
        key = condition.key
        last = key.rsplit(".", 1)[-1]  # ``requests__user``: the ``user`` of an embedded request names one owner too
        if last.endswith(("_id", "Id")) or OWNER_KEY.search(last) or _FIELD_REFERENCE().search(fields.get(key, "")):
            return key
        value = condition.value
        text = (dotted(value) or "") if value is not None else ""
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
            text = str(value.slice.value)
        if text.endswith(("_id", ".id", "_pk")) or text in ("_id", "id"):
            return key
    return None


def columns_only(read: MongoRead) -> bool:
    """A projection that names the fields to keep, or ``only(...)``/``scalar(...)``: a few fields per document.

    An exclusion (``{"_id": 0}``, ``exclude("body")``) keeps everything else.
    """
    if read.names & {"only", "scalar", "values_list"}:
        return True
    if isinstance(read.call, ast.Call) and read.root == "find":
        projection = next((k.value for k in read.call.keywords if k.arg == "projection"), None)
        if projection is None and len(read.call.args) > 1:
            projection = read.call.args[1]
        if isinstance(projection, (ast.List, ast.Tuple)):
            return bool(projection.elts)
        if isinstance(projection, ast.Dict):
            kept = [
                k.value
                for k, v in zip(projection.keys, projection.values)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Constant) and v.value in (1, True)
            ]
            return bool(kept)
    return False


def kept_whole(read: MongoRead, *, streamed: bool) -> bool:
    """Walking ``read`` keeps every document in memory.

    ``list(...)``, a list comprehension or ``to_list(None)`` do; so does a ``for`` loop over a mongoengine
    queryset, which caches each document it yields (unless ``no_cache()``). A ``for`` loop or a generator
    over a pymongo cursor streams it in batches: nothing is materialised.
    """
    if not streamed:
        return True
    return read.root == "objects" and "no_cache" not in read.names


def unbounded_read(expr: ast.expr, ctx: Context) -> MongoRead | None:
    """A read of many documents that nothing visible bounds (no limit, page, ``_id``, ``$in`` list or parent).

    The filter must be written in the code: a filter built elsewhere says nothing either way.
    """
    read = read_of(expr, ctx)
    if read is None or not read.many:
        return None
    if bound_reason(read) is not None or unknown_filter(read) or parent_key(read) is not None:
        return None
    return read


#: Builtins that load a whole iterable into memory.
_WHOLE_LOADERS = ("list", "sorted", "tuple")
#: The callees :func:`materialised_read` knows, by name (FD201 looks at no other call for it).
MATERIALISING_CALLS = frozenset({*_WHOLE_LOADERS, "to_list"})


def materialised_read(call: ast.Call) -> ast.expr | None:
    """What ``call`` loads whole: ``list(x)``/``sorted(x)``/``tuple(x)`` -> ``x``; ``x.to_list(None)`` -> ``x``."""
    if isinstance(call.func, ast.Name) and call.func.id in _WHOLE_LOADERS and len(call.args) == 1:
        return call.args[0]
    if isinstance(call.func, ast.Attribute) and call.func.attr == "to_list":
        length = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "length"), None)
        if length is None or (isinstance(length, ast.Constant) and length.value is None):
            return call.func.value  # Motor: ``to_list(None)`` buffers the whole cursor
    return None


# ------------------------------------------------------------------ growth
@dataclass(frozen=True, eq=False)
class DocumentInsert:
    """A place that adds documents to a collection, and the function it sits in."""

    collection: str  # :attr:`Collection.key`
    function: FunctionInfo
    call: ast.Call

    @property
    def location(self) -> Location:
        return Location(self.function.module.path, self.call.lineno, self.call.col_offset + 1)


def _upsert(call: ast.Call) -> bool:
    return any(
        kw.arg == "upsert" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in call.keywords
    )


@project_fact
def document_inserts(project: Project) -> dict[str, list[DocumentInsert]]:
    """Calls that add documents, by collection key: ``insert_one``/``insert_many``/upserts, ``Order(...)``."""
    found: dict[str, list[DocumentInsert]] = {}
    if not uses_mongo(project) and not documents(project):
        return found
    docs = documents(project)
    names = {cls.name for cls in docs.values()}
    for fn in project.functions.values():
        if is_test_path(fn.module.path):
            continue
        ctx: Context | None = None
        for name, call in fn.calls:
            last = name.rsplit(".", 1)[-1]
            is_write = last in INSERTS or (last in UPSERTS and _upsert(call)) or last == "create"
            if not is_write and last not in names:
                continue
            ctx = ctx or helper_context(project, fn)
            coll: Collection | None = None
            if last in names:
                doc = document_for(call.func, ctx)
                if doc is not None:
                    coll = Collection(f"doc:{doc.qualname}", doc.name, doc.qualname)
            elif isinstance(call.func, ast.Attribute):
                coll = collection_of(call.func.value, ctx)
                if coll is None and last in ("create", "upsert_one", "update_one", "update"):
                    read = read_of(call.func.value, ctx)
                    coll = read.collection if read is not None and read.root == "objects" else None
                if coll is not None and last == "create" and not coll.document:
                    coll = None  # ``create`` adds a document only on a mongoengine queryset
            if coll is not None:
                found.setdefault(coll.key, []).append(DocumentInsert(coll.key, fn, call))
    return found


def user_facing_insert(project: Project, collection: Collection) -> DocumentInsert | None:
    """A site that adds documents to ``collection`` from a job, or from a request that is not an admin page."""
    from flask_doctor.static.facts.orm.usage import admin_only  # usage reads query facts, which read models

    for site in document_inserts(project).get(collection.key, []):
        contexts = site.function.contexts
        if JOB in contexts:
            return site
        if REQUEST in contexts and not admin_only(project, site.function):
            return site
    return None


def admin_curated(project: Project, collection: Collection) -> DocumentInsert | None:
    """Documents only administrators or operators add (an admin page, a CLI command): a few by design."""
    from flask_doctor.static.facts.orm.usage import admin_only

    sites = document_inserts(project).get(collection.key, [])
    if not sites or user_facing_insert(project, collection) is not None:
        return None
    for site in sites:
        contexts = site.function.contexts
        if REQUEST in contexts and admin_only(project, site.function):
            return site
    return None


def grows_by_name(collection: Collection) -> bool:
    """A well-known per-user/per-event entity (``orders``, ``events``, ``Comment``): documents come with use."""
    name = collection.label.lower()
    return name in GROWING_NAMES or name.rstrip("s") in GROWING_NAMES


@keyed_fact
def growth(project: Project, coll: Collection) -> str | None:
    """Why ``coll`` grows with use, or ``None``.

    By name (``events``, ``Order``), by a date field of its document
    (``created = DateTimeField(default=...)``), by documents only background jobs add
    (a feed import, run after run), or because the code pages its reads (``skip``/``paginate``):
    its authors expect more documents than one page holds.
    """
    if grows_by_name(coll):
        return f"`{coll.label}` documents are created per user/event"
    if coll.document:
        stamp = _creation_field(project, coll.document)
        if stamp:
            return f"`{coll.label}.{stamp}` timestamps each document, so the collection grows with use"
    sites = document_inserts(project).get(coll.key, [])
    if sites and not any(REQUEST in s.function.contexts for s in sites):
        for site in sites:
            if JOB in site.function.contexts:
                return f"`{site.function.display}` adds `{coll.label}` documents from a background job, run after run"
    paged = paged_reads(project).get(coll.key)
    if paged is not None:
        return f"reads of `{coll.label}` are paged (`{paged}`), so it holds more than a page"
    return None


@project_fact
def _document_common_bases(project: Project) -> set[str]:
    """Bases nearly every document shares (a ``created_at`` on all of them says nothing about one)."""
    counts: dict[str, int] = {}
    docs = documents(project)
    for qualname in docs:
        for base in project.lineage(qualname):
            if base != qualname:
                counts[base] = counts.get(base, 0) + 1
    return {b for b, n in counts.items() if len(docs) >= 4 and n >= 0.8 * len(docs)}


def _creation_field(project: Project, qualname: str) -> str | None:
    common = _document_common_bases(project)
    for current in project.lineage(qualname):
        cls = project.classes.get(current)
        if cls is None or current in common:
            continue
        for stmt in cls.node.body:
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            attr = stmt.targets[0].id
            if attr.lower().startswith(_NOT_CREATION) or not _FIELD_DATE().search(ast.unparse(stmt.value)):
                continue
            return attr
    return None


@project_fact
def paged_reads(project: Project) -> dict[str, str]:
    """Collection key -> a paged read of it (``.skip(n)``, ``.paginate(...)``) somewhere in application code."""
    found: dict[str, str] = {}
    if not uses_mongo(project):
        return found
    for fn in project.functions.values():
        if is_test_path(fn.module.path):
            continue
        ctx: Context | None = None
        for name, call in fn.calls:
            if name.rsplit(".", 1)[-1] not in ("skip", "paginate"):
                continue
            ctx = ctx or helper_context(project, fn)
            read = read_of(call, ctx)
            if read is None:  # ``results.skip(n)`` on a cursor the caller passes
                docs = loop_documents(call, ctx)
                read = docs.read if docs is not None and not docs.how else None
            if read is not None and read.many:
                found.setdefault(read.collection.key, f"{dotted(call.func) or 'skip'}(...)")
    return found


def writes_documents(fn: FunctionInfo, project: Project) -> bool:
    """``fn`` writes to a collection (a get-or-create: ``find_one`` then ``insert_one``)."""
    ctx = helper_context(project, fn)
    for node in _own_nodes(fn.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            if collection_of(node.func.value, ctx) is not None:
                return True
    return False


def unbounded_evidence(
    read: MongoRead, ctx: Context, context: str, *, implicit: bool = False
) -> tuple[str | None, list[Evidence]] | None:
    """How loud to be about an unbounded read: ``(why it is only a note, evidence)``, or ``None`` for silence.

    Mirrors the SQLAlchemy judgement (FD201). Silence where nothing shows harm: a collection nothing shows
    growing, one only administrators fill, an explicit whole read in a command (the operator asked for every
    document), any read in a data migration command (run once per upgrade), an export view (a file of every document),
    a cached result, an account collection (it grows with headcount), or nothing in request or job
    code adding documents. A note for a projection of a few fields, an admin page listing the documents, and
    in a command for a queryset loop (``implicit``: it reads as streaming, yet the queryset keeps every
    document unless ``no_cache()``). A warning names where documents are added.
    """
    from flask_doctor.static.facts.orm.usage import (
        ACCOUNT_TABLES,
        admin_only,
        cached_result,
        export_view,
        one_off_command,
    )

    project, fn, coll = ctx.project, ctx.function, read.collection
    assert fn is not None
    grows = growth(project, coll)
    if grows is None or (not grows_by_name(coll) and admin_curated(project, coll) is not None):
        return None
    insert = user_facing_insert(project, coll)
    evidence = [
        Evidence(f"`{insert.function.display}` adds `{coll.label}` documents", insert.location)
        if insert is not None
        else Evidence(grows, _document_location(project, coll))
    ]
    if context == CLI:
        if one_off_command(fn):
            return None  # a data migration loads every document once per upgrade: that is its work
        return ("in a command an operator runs by hand", evidence) if implicit else None
    if coll.label.lower() in ACCOUNT_TABLES:
        return None  # one document per person: the collection grows with headcount
    if context == REQUEST and export_view(project, fn):
        return None  # an export hands every document over as a file: that is what it is asked for
    if columns_only(read):
        return "only a few fields of each document are loaded", evidence
    if cached_result(project, fn) or insert is None:
        return None
    if context == REQUEST and admin_only(project, fn):
        return "on an admin-only page whose purpose is to list the documents", evidence
    return None, evidence


def _document_location(project: Project, coll: Collection) -> Location | None:
    cls = project.classes.get(coll.document) if coll.document else None
    return Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1) if cls is not None else None


# ------------------------------------------------------------------ one document per item
@dataclass(frozen=True, eq=False)
class DocumentLookup:
    """A single-document read a call runs with what it is given, here or in a helper (one further down)."""

    call: ast.Call  # the ``find_one``/``objects.get`` call
    read: MongoRead
    helpers: tuple[FunctionInfo, ...] = ()  # the called helper first, the one holding the read last
    #: The call is a method of the document the loop walks (``entry.as_row()``): its name says which one.
    on_item: bool = False

    def describe(self, call: ast.Call) -> str:
        """``store.case(...) → `CaseMixin.case` reads a document of `case``` for the call a loop makes."""
        label = self.read.collection.label
        if not self.helpers:
            return f"{read_label(self.read, call)} reads a document of `{label}`"
        via = "".join(f" → `{h.display}`" for h in self.helpers[0 if self.on_item else 1 :])
        return f"`{dotted(call.func)}(...)`{via} reads a document of `{label}`"

    def evidence(self) -> list[Evidence]:
        """Where the read sits when a helper runs it."""
        if not self.helpers:
            return []
        where = self.helpers[-1]
        at = Location(where.module.path, self.call.lineno, self.call.col_offset + 1)
        return [Evidence(f"`{self.read.text}` in `{where.display}`", at)]


def single_read(call: ast.Call, ctx: Context) -> MongoRead | None:
    """``call`` reads one document: ``find_one(...)``, ``Order.objects.get(...)``, ``objects(...).first()``."""
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    if attr not in SINGLE and attr not in QS_SINGLE:
        return None
    read = read_of(call, ctx)
    return read if read is not None and read.single and read.methods[:1] in ([], [(attr, call)]) else None


@keyed_fact
def param_reads(project: Project, fn: FunctionInfo) -> list[tuple[ast.Call, MongoRead]]:
    """Single-document reads in ``fn`` whose filter comes from its parameters (``find_one({"_id": case_id})``).

    A filter dict filled from a parameter (``query["_id"] = case_id``) carries it too.
    """
    from flask_doctor.static.facts.orm.params import param_names

    tainted = set(param_names(project, fn))
    if not tainted:
        return []
    for node in _own_nodes(fn.node):
        if isinstance(node, ast.Assign) and uses_any(node.value, tainted):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    tainted.add(target.value.id)
    ctx = helper_context(project, fn)
    found: list[tuple[ast.Call, MongoRead]] = []
    for node in _own_nodes(fn.node):
        if isinstance(node, ast.Call) and uses_any(node, tainted):
            read = single_read(node, ctx)
            if read is not None:
                found.append((node, read))
    return found


def _in_loops(fn: FunctionInfo) -> frozenset[int]:
    """Calls inside a loop of ``fn``: a helper's own per-item reads are reported at its loop, not at each caller."""
    found: set[int] = set()
    for node in _own_nodes(fn.node):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            found.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Call))
    return frozenset(found)


def document_lookup(call: ast.Call, ctx: Context, depth: int = 0) -> DocumentLookup | None:
    """The single-document read ``call`` runs: itself, or one in the helper it calls with its arguments."""
    read = single_read(call, ctx) if depth == 0 else None
    if read is not None:
        return DocumentLookup(call, read)
    helper = project_callee(call, ctx)
    if helper is None:
        return None
    guards = _optional_guards(ctx.project, helper)
    skipped = {n for n in optional_params(helper) if passes(call, helper, {n})}
    looped = _in_loops(helper)
    reads = [
        (c, r)
        for c, r in param_reads(ctx.project, helper)
        if not (guards.get(id(c), frozenset()) & skipped) and id(c) not in looped
    ]
    if reads:
        return DocumentLookup(reads[0][0], reads[0][1], (helper,))
    if depth >= 1:
        return None
    from flask_doctor.static.facts.orm.params import param_names

    tainted = set(param_names(ctx.project, helper))
    inner_ctx = helper_context(ctx.project, helper)
    for _name, inner in helper.calls:
        if not uses_any(inner, tainted) or guards.get(id(inner), frozenset()) & skipped or id(inner) in looped:
            continue
        deeper = document_lookup(inner, inner_ctx, depth + 1)
        if deeper is not None:
            return DocumentLookup(deeper.call, deeper.read, (helper, *deeper.helpers))
    return None


def method_lookup(call: ast.Call, document: str, ctx: Context) -> DocumentLookup | None:
    """``case.to_json()`` on each document of class ``document``: a single-document read its method runs with
    values of the document (``Assessment.objects(id=self.assessment_id).first()``).

    The method runs once per document it is called on, and mongoengine keeps no identity map: each call reads
    again, even of a document read for the one before. Not a read inside a loop of the method (reported there),
    nor one that does not use ``self`` (the same read each time: hoisting it is the fix, but no N+1 of rows).
    """
    if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)):
        return None
    method = ctx.project._method(document, call.func.attr)
    if method is None or method is ctx.function or not method.node.args.args:
        return None
    if method.node.args.args[0].arg != "self":
        return None
    tainted = item_names_in(ctx.project, (method, True))
    looped = _in_loops(method)
    inner_ctx = helper_context(ctx.project, method)
    for node in _own_nodes(method.node):
        if isinstance(node, ast.Call) and id(node) not in looped and uses_any(node, tainted):
            read = single_read(node, inner_ctx)
            if read is not None:
                return DocumentLookup(node, read, (method,), on_item=True)
    return None


# ------------------------------------------------------------------ what a loop walks
@dataclass(frozen=True, eq=False)
class LoopDocuments:
    """The documents a loop walks: the read they come from, and how the loop reaches them."""

    read: MongoRead
    node: ast.AST  # the read, where it is written
    ctx: Context  # the function it is written in
    #: How the loop reaches them: ``""`` (the documents themselves), ``"inner"`` (a list read from each
    #: document), ``"one"`` (a list inside one document).
    how: str = ""
    via: list[tuple[str, ast.AST, Context]] = field(default_factory=list)  # callers and helpers passed through


_UNWRAP = ("enumerate", "sorted", "list", "tuple", "reversed", "iter", "set", "frozenset", "zip")


def loop_documents(iterable: ast.expr, ctx: Context, budget: int = 10, callers_left: int = 1) -> LoopDocuments | None:
    """The read whose documents (or lists inside them) a loop walks, following names, helpers and one caller.

    ``for e in store.timeline(...)`` (a helper returning an aggregate), ``for case_id, ids in by_case.items()``
    with ``by_case`` built from a read, ``for vid in ids`` where a caller passes ``ids`` from such a loop.
    """
    if budget <= 0:
        return None
    node = iterable
    while isinstance(node, ast.Call) and node.args and dotted(node.func) in _UNWRAP:
        node = node.args[0]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        if node.func.attr in ("items", "values", "keys", "copy"):
            node = node.func.value
    read = read_of(node, ctx, helpers=True)
    if read is not None:
        return LoopDocuments(read, node, ctx, "one" if read.single else "")
    root = node
    while isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr in CURSOR_METHODS:
        root = root.func.value  # ``results.skip(n).limit(size)`` on a cursor a caller passes
    if root is not node and isinstance(root, ast.Name):
        node = root
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return loop_documents(node.generators[0].iter, ctx, budget - 1, callers_left)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return loop_documents(node.values[0], ctx, budget - 1, callers_left)
    if isinstance(node, ast.Subscript) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
    ):
        # ``row["vars"]`` / ``row.get("vars", [])``: a list inside each document the row comes from
        holder = node.value if isinstance(node, ast.Subscript) else node.func.value  # type: ignore[union-attr]
        found = loop_documents(holder, ctx, budget - 1, callers_left)
        return _inner(found) if found is not None else None
    if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name | ast.Attribute):
        return None
    if isinstance(node, ast.Name) and ctx.function is not None:
        table = ctx.project.facts.table(_name_documents)
        key = (ctx.function, node.id, callers_left)
        if key not in table:
            table[key] = None  # a name defined through itself walks nothing known
            table[key] = _name_documents(node, ctx, budget, callers_left)
        return table[key]  # type: ignore[no-any-return]
    if isinstance(node, ast.Call) and ctx.function is not None:
        helper = project_callee(node, ctx)
        if helper is None:
            return None
        inner = helper_context(ctx.project, helper)
        for ret in _own_nodes(helper.node):
            if isinstance(ret, ast.Return) and ret.value is not None:
                found = loop_documents(ret.value, inner, budget - 1, 0)
                if found is not None:
                    return replace(found, via=[*found.via, (f"`{helper.display}` returns them", node, ctx)])
    return None


def _name_documents(name: ast.Name, ctx: Context, budget: int, callers_left: int) -> LoopDocuments | None:
    """A local name: its assignments, the loop that binds it, or what the callers pass for a parameter."""
    fn = ctx.function
    assert fn is not None
    for value in assignments(ctx.project, fn).get(name.id, []):
        found = loop_documents(value, ctx, budget - 1, callers_left)
        if found is not None:
            return found
    for node in _own_nodes(fn.node):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and any(
            isinstance(t, ast.Name) and t.id == name.id for t in ast.walk(node.target)
        ):
            found = loop_documents(node.iter, ctx, budget - 1, callers_left)
            if found is not None:
                return _inner(found)  # the name is an item (or a part of one) of a loop over the documents
    args = fn.node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if callers_left <= 0 or name.id not in positional + [a.arg for a in args.kwonlyargs]:
        return None
    from flask_doctor.static.facts.flows import callers  # flows reads taint facts, which read these

    index = positional.index(name.id) if name.id in positional else None
    if index is not None and fn.class_name and positional[:1] in (["self"], ["cls"]):
        index -= 1
    for call, caller in callers(ctx.project).get(fn.qualname, ()):
        value = next((kw.value for kw in call.keywords if kw.arg == name.id), None)
        if value is None and index is not None and 0 <= index < len(call.args):
            if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                continue
            value = call.args[index]
        if value is None:
            continue
        caller_ctx = helper_context(ctx.project, caller)
        found = loop_documents(value, caller_ctx, budget - 1, callers_left - 1)
        if found is not None:
            passed = (f"`{caller.display}` passes them to `{fn.display}`", call, caller_ctx)
            return replace(found, via=[*found.via, passed])
    return None


def _inner(found: LoopDocuments) -> LoopDocuments:
    """What a loop over a part of each document walks: a list inside each one (or inside the one)."""
    return replace(found, how="one" if found.how == "one" else "inner")


def documents_evidence(docs: LoopDocuments) -> tuple[str | None, list[Evidence]]:
    """Why N is small (a note), or the evidence that N grows: the read the loop walks, the callers and helpers
    it comes through, and who adds documents to the collection."""
    walks = {"inner": "a list read from each document"}.get(docs.how, "the documents")
    walks = "the values" if docs.read.counts and not docs.how else walks
    evidence = [Evidence(f"the loop walks {walks} of {read_label(docs.read, docs.node)}", docs.ctx.location(docs.node))]
    evidence += [Evidence(text, at_ctx.location(at)) for text, at, at_ctx in docs.via]
    less = few_documents(docs)
    insert = user_facing_insert(docs.ctx.project, docs.read.collection)
    if less is None and insert is not None:
        evidence.append(
            Evidence(f"`{insert.function.display}` adds `{docs.read.collection.label}` documents", insert.location)
        )
    return less, evidence


def few_documents(docs: LoopDocuments) -> str | None:
    """Why the documents a loop walks are likely few (a reason for a note), or ``None`` when they grow."""
    read = docs.read
    project = docs.ctx.project
    if docs.how == "one":
        return f"a list inside one `{read.collection.label}` document"
    for condition in conditions(read) or ():
        if condition.op == "in" and not _listed_from_reads(condition.value, read):
            return "the documents of a list of ids chosen by the caller"
    grows = growth(project, read.collection)
    insert = user_facing_insert(project, read.collection)
    if grows is None and insert is None:
        return f"nothing shows `{read.collection.label}` growing: its documents are few"
    key = parent_key(read)
    if key and not OWNER_KEY.search(key):
        return f"the `{read.collection.label}` documents of a single parent (filtered on `{key}`), usually a handful"
    if key and insert is None:
        return f"one owner's `{read.collection.label}` documents, and nothing adds them per request or job"
    return None


__all__ = [
    "BOUNDING",
    "CLIENT_TYPES",
    "DOCUMENT_BASES",
    "MATERIALISING_CALLS",
    "MONGO_PACKAGES",
    "SINGLE",
    "Collection",
    "Condition",
    "DocumentInsert",
    "DocumentLookup",
    "LoopDocuments",
    "MongoRead",
    "admin_curated",
    "bound_reason",
    "bound_values",
    "collection_of",
    "columns_only",
    "conditions",
    "document_for",
    "document_inserts",
    "document_lookup",
    "documents",
    "documents_evidence",
    "few_documents",
    "grows_by_name",
    "growth",
    "is_client",
    "is_database",
    "kept_whole",
    "loop_documents",
    "materialised_read",
    "paged_reads",
    "parent_key",
    "pipeline",
    "project_callee",
    "read_label",
    "read_of",
    "returned_read",
    "single_read",
    "unbounded_evidence",
    "unbounded_read",
    "unknown_filter",
    "user_facing_insert",
    "writes_documents",
]
