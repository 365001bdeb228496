"""Facts about queries: what a query is, what bounds it, when and how often it runs.

:func:`query_of` answers *is this expression a SQLAlchemy query?* by
walking a method chain down to its root and accepting only three roots --
``Model.query`` where ``Model`` is a mapped class of the project,
``<session>.query(...)`` on a session object, and ``select(...)`` from
SQLAlchemy (or ``db.select``) -- so ``.all()`` on a list, a dict view or
another library is never a query.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence
from flask_doctor.static.context import Context
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.classes import class_lineage, class_named, is_type_of_self, method_called, own_class
from flask_doctor.static.facts.orm.assignments import assignments, unpacked
from flask_doctor.static.facts.orm.models import (
    OWNER_KEY,
    creation_stamp,
    is_db,
    link_tables,
    model_for,
    model_property,
    parent_columns,
    relations,
    unique_columns,
    uses_sqlalchemy,
)
from flask_doctor.static.facts.orm.page_size import ClientSize, client_page_size
from flask_doctor.static.facts.sql_strings import sql_template
from flask_doctor.static.model import CLI, JOB, REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import ClassInfo, FunctionInfo, ModelInfo, Project

SELECT_FUNCTIONS = {
    "sqlalchemy.select",
    "sqlalchemy.sql.select",
    "sqlalchemy.future.select",
    "sqlalchemy.sql.expression.select",
    "sqlmodel.select",
}
#: Methods after which the rows fetched are bounded (one row, a page, a count).
BOUNDING = {
    "limit",
    "first",
    "one",
    "one_or_none",
    "get",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "count",
    "paginate",
    "exists",
    "yield_per",
    "first_or_404",
    "one_or_404",
    "get_or_404",
    "fetchone",
    "fetchmany",
    "partitions",
    "slice",
    "__slice__",
    "stream",
    "stream_scalars",
    "group_by",
    "having",
    "subquery",
    "cte",
    "scalar_subquery",
    "delete",
    "update",
}
#: Methods that run the query and return rows.
MATERIALISE = {"all", "fetchall"}
#: Calls that execute a query and return something (used for per-item queries).
EXECUTE = {
    "all",
    "first",
    "one",
    "one_or_none",
    "get",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "count",
    "first_or_404",
    "one_or_404",
    "get_or_404",
    "fetchall",
    "fetchone",
}
SESSION_EXECUTE = {"execute", "scalars", "scalar"}
#: A statement the query sends without loading rows (``M.query.filter_by(book_id=b.id).delete()``): a round trip
#: per call, as a read is, and one ``in_()`` statement does the work of all of them.
BULK_DELETE = "delete"
#: Relationship loading strategies that run one query per row read.
LAZY_PER_ROW = {"select", "dynamic"}


#: One way a query built in several places runs: the steps (``id`` of the node) of ``Query.methods`` it does
#: not apply, and its own steps (some may be missing from ``methods``: a helper's other ``return``).
Way = tuple[frozenset[int], tuple[tuple[str, ast.AST], ...]]


@dataclass
class Query:
    """What :func:`query_of` learnt about a query expression."""

    root: str  # "model" | "session" | "select" | "text" (SQL text: :func:`raw_select`)
    text: str  # the root as written: "User.query", "db.session.query(User)", "select(User)"
    model: ModelInfo | None
    methods: list[tuple[str, ast.AST]] = field(default_factory=list)  # outermost first
    entities: list[ast.expr] = field(default_factory=list)
    scalars: bool = False  # rows are model instances (Query, .scalars())
    #: The root expression (``User.query``, ``db.session.query(User)``, ``select(User)``) when the query
    #: is built in one place: where ``--fix`` adds ``.options(...)``. ``None`` when several assignments build it.
    root_node: ast.AST | None = None
    #: The project function that built the query when it starts at a helper's result (``Account.active(db)``).
    via: FunctionInfo | None = None
    #: ``self.__model__`` in a resource class that serves whichever model a subclass or a factory sets
    #: (``model`` is then ``None``): asked for with ``generic=True``.
    generic: str | None = None
    #: Steps (``id`` of the call) a helper applies only when its caller passes an optional argument a call may
    #: leave unset (``if limit is not None: query = query.limit(limit)`` in ``_apply_limit(query, limit)``):
    #: they bound nothing on the paths that skip them (:func:`refining_steps`). Each maps to the optional
    #: parameters of the function asking that decide it (its own callers may pass them or not), or to none
    #: when the call surely leaves it unset.
    optional: dict[int, frozenset[str]] = field(default_factory=dict)
    #: When the query is built in several ways (``if "vendor" in args: q = P.query.filter_by(vendor=v)`` /
    #: ``else: q = P.query``), each way (:data:`Way`); empty when it is built in one way. A bound or a parent
    #: filter holds only when it holds on every way (:func:`variants`).
    ways: list[Way] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {m for m, _ in self.methods}

    @property
    def outer(self) -> str:
        return self.methods[0][0] if self.methods else ""


# ------------------------------------------------------------------ where queries run
def in_application_code(ctx: Context) -> bool:
    """Inside a function of the application, not of its tests."""
    return ctx.function is not None and not ctx.is_test_code()


def run_context(ctx: Context) -> str | None:
    """Whether the code runs per request, in a job or in a CLI command (in that order), else ``None``."""
    contexts = ctx.contexts
    for context in (REQUEST, JOB, CLI):
        if context in contexts:
            return context
    return None


# ------------------------------------------------------------------ roots
def is_session(node: ast.AST, ctx: Context) -> bool:
    """``db.session``, ``session``/``db_session``/``Session`` objects — never ``flask.session``."""
    name = dotted(node)
    if isinstance(node, ast.Call):  # Session() / get_session()
        callee = dotted(node.func) or ""
        return "session" in callee.rsplit(".", 1)[-1].lower()
    if not name:
        return False
    if isinstance(node, ast.Attribute) and node.attr == "session" and is_db(node.value, ctx):
        return True
    if ctx.qualified(node) in ("flask.session", "flask.globals.session"):
        return False
    last = name.rsplit(".", 1)[-1].lower()
    return ("session" in last or last in ("sess", "dbs")) and uses_sqlalchemy(ctx.project)


#: Attributes that hold the model a generic resource class serves (``__model__``, ``model``, ``model_class``).
_MODEL_ATTRIBUTE = on_first_use(r"^_*model(_?(class|cls))?_*$", re.IGNORECASE)


def generic_model(node: ast.AST, ctx: Context) -> ModelInfo | str | None:
    """``self.__model__`` / ``cls.model`` / ``type(self).model_class``: the model a generic class serves.

    The mapped class when the class ``self``/``cls`` stands for sets it (:func:`served_model`): the method's
    own class or one of its bases (``__model__ = Book``, or ``__init__`` passing ``Base.__init__(self,
    Book)``), or the subclass a base method is called on (``ProductController.list_items()`` running
    ``BaseController.list_items``: :func:`~flask_doctor.static.facts.classes.method_called`); the class a
    class attribute is read on (``ProductController.model``). Else the attribute as written
    (``self.__model__``) for a generic class that serves whichever model a subclass or a factory sets
    (``type(name, (Service,), {"__model__": cls})``); ``None`` when ``node`` is no such attribute.
    """
    if not (isinstance(node, ast.Attribute) and _MODEL_ATTRIBUTE().match(node.attr)):
        return None
    if not uses_sqlalchemy(ctx.project):
        return None
    receiver = node.value
    if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") or is_type_of_self(receiver):
        cls = own_class(ctx.function)
        if cls is None:
            return None
        served = served_model(ctx.project, (cls, node.attr))
        if served is None and isinstance(receiver, ast.Name):
            return ast.unparse(node)
        return served
    named = class_named(ctx, receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
    return served_model(ctx.project, (named, node.attr)) if named is not None else None


@keyed_fact
def served_model(project: Project, key: tuple[str, str]) -> ModelInfo | None:
    """The mapped class project class ``class_qual`` serves as its ``attr`` (``model``, ``__model__``): set
    by the class or the nearest base that sets it (:func:`~flask_doctor.static.facts.classes.class_lineage`)
    -- ``attr = Book`` in its body, ``self.attr = Book`` or ``Base.__init__(self, Book)`` /
    ``super().__init__(Book)`` in its ``__init__`` -- or, when a base fills it from the class's generic
    argument in ``__init_subclass__`` (``class ChartDAO(BaseDAO[Slice])``), that argument. ``None`` when the
    first class that sets it sets something else (a parameter, a call): nothing says which model it is.
    """
    class_qual, attr = key
    lineage = class_lineage(project, class_qual)
    for current in lineage:
        cls = project.classes.get(current)
        if cls is None:
            continue
        found = _set_by(project, cls, attr)
        if found is _UNSET:
            continue
        return found  # type: ignore[return-value]  # a mapped class or None
    if any(_fills_from_argument(project.classes[c].node, attr) for c in lineage if c in project.classes):
        for current in lineage:
            cls = project.classes.get(current)
            argument = _generic_argument(project, cls) if cls is not None else None
            if argument is not None:
                return argument
    return None


_UNSET = object()


def _set_by(project: Project, cls: ClassInfo, attr: str) -> object:
    """What ``cls`` itself sets as its ``attr``: a mapped class, ``None`` for something else, :data:`_UNSET`
    when it does not set it (or sets it to ``None``, the base's "no model yet")."""
    ctx = Context(cls.module, project, lambda f: None)
    for stmt in cls.node.body:
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
            value = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            value = stmt.value
        if value is not None:
            if isinstance(value, ast.Constant) and value.value is None:
                return _UNSET
            return model_for(value, ctx)
    init = cls.methods.get("__init__")
    if init is None:
        return _UNSET
    ctx = helper_context(project, init)
    for node in ast.walk(init.node):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == attr and dotted(t.value) == "self" for t in node.targets
        ):
            return model_for(node.value, ctx)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            passed = [a for a in node.args if not (isinstance(a, ast.Name) and a.id == "self")]
            models = [m for m in (model_for(a, ctx) for a in passed) if m is not None]
            if len(models) == 1:
                return models[0]
    return _UNSET


def _fills_from_argument(cls: ast.ClassDef, attr: str) -> bool:
    """``def __init_subclass__(cls): cls.model_cls = get_args(cls.__orig_bases__[0])[0]``."""
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init_subclass__":
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Attribute) and t.attr == attr for t in node.targets)
                    and "get_args" in ast.unparse(node.value)
                ):
                    return True
    return False


def _generic_argument(project: Project, cls: ClassInfo) -> ModelInfo | None:
    """The one mapped class ``cls`` passes its base as a generic argument (``class ChartDAO(BaseDAO[Slice])``)."""
    ctx = Context(cls.module, project, lambda f: None)
    for base in cls.node.bases:
        if isinstance(base, ast.Subscript) and not isinstance(base.slice, ast.Tuple):
            model = model_for(base.slice, ctx)
            if model is not None:
                return model
    return None


def _queries_model(call: ast.Call, ctx: Context) -> bool:
    """``self._db.query(Budget)``, ``dbs.query(Account)``: ``.query`` given one mapped class is a session's,
    whatever the session object is called (Flask-SQLAlchemy's ``db`` has no ``query()`` method)."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.func, ast.Attribute):
        return False
    if ctx.qualified(call.func.value) in ("flask.session", "flask.globals.session"):
        return False
    return _entity_model(call.args[0], ctx) is not None


def _entity_model(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """The mapped class ``node`` names, or the one a generic class serves (``cls.model``: :func:`generic_model`)."""
    model = model_for(node, ctx)
    if model is None:
        served = generic_model(node, ctx)
        model = None if isinstance(served, str) else served
    return model


#: Library helpers returning ``session.query(model)`` for the mapped class given first (OpenStack's oslo.db).
MODEL_QUERY_FUNCTIONS = frozenset({"oslo_db.sqlalchemy.utils.model_query"})


def is_select(call: ast.Call, ctx: Context) -> bool:
    """``select(...)`` from SQLAlchemy/SQLModel, or ``db.select(...)``."""
    resolved = ctx.qualified(call.func)
    if resolved in SELECT_FUNCTIONS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "select" and is_db(call.func.value, ctx)


_RUN_STATEMENT = SESSION_EXECUTE | {"paginate", "first_or_404", "one_or_404", "stream", "stream_scalars"}
_SCALAR_RUNS = ("scalars", "paginate", "first_or_404", "one_or_404", "stream_scalars")


def query_of(
    expr: ast.AST,
    ctx: Context,
    _seen: frozenset[str] = frozenset(),
    *,
    helpers: bool = False,
    generic: bool = False,
    _depth: int = 0,
) -> Query | None:
    """Walk ``expr``'s method chain down to a query root, or ``None`` if it is no query.

    With ``helpers`` the root may also be a call to a project function that
    returns a query (``Sketch.all_with_acl().filter(...)``), one level deep;
    a local may also come from a helper that returns the query in a tuple
    (``query, more = self._filtered(...)``, :func:`_returned_at`, up to two
    helpers down) or be handed to a helper that returns it refined
    (``query = self._apply_filters(query, f)``, :func:`refining_steps`).
    With ``generic`` it may be ``self.__model__.query`` in a class that serves
    whichever model it is given (:func:`generic_model`).
    """
    methods: list[tuple[str, ast.AST]] = []
    node = expr
    scalars = False
    while True:
        if helpers and isinstance(node, ast.Call) and ctx.function is not None:
            returned = _returned_query(ctx, node, _depth)
            if returned is not None:
                returned.methods = methods + returned.methods
                returned.scalars = returned.scalars or scalars
                return returned
        if isinstance(node, ast.Call) and node.args and ctx.qualified(node.func) in MODEL_QUERY_FUNCTIONS:
            # ``utils.model_query(self.model, session)`` (oslo.db): ``session.query(model)`` built by the library
            model = _entity_model(node.args[0], ctx)
            if model is None:
                return None
            text = f"{dotted(node.func)}(...)"
            return Query("session", text, model, methods, [node.args[0]], scalars=True, root_node=node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = node.func.value
            if attr == "query" and (is_session(receiver, ctx) or _queries_model(node, ctx)):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                held = generic_model(node.args[0], ctx) if len(node.args) == 1 and model is None else None
                if not isinstance(held, str):
                    model, held = model or held, None
                elif not generic:
                    held = None
                text = f"{ast.unparse(node.func)}(...)"
                query = Query(
                    "session",
                    text,
                    model,
                    methods,
                    list(node.args),
                    scalars=model is not None or held is not None,
                    root_node=node,
                )
                query.generic = held
                return query
            if attr in _RUN_STATEMENT and node.args:
                inner = query_of(node.args[0], ctx, _seen, helpers=helpers, generic=generic)
                if inner is not None and inner.root == "select" and (is_session(receiver, ctx) or is_db(receiver, ctx)):
                    methods.append((attr, node))
                    scalars = scalars or attr in _SCALAR_RUNS
                    inner.methods = methods + inner.methods
                    inner.scalars = scalars and inner.model is not None
                    return inner
            if attr == "scalars":
                scalars = True
            if attr == "select" and is_db(receiver, ctx):
                model = _entity_model(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("select", "db.select(...)", model, methods, list(node.args), root_node=node)
            methods.append((attr, node))
            node = receiver
            continue
        if isinstance(node, ast.Call) and is_select(node, ctx):
            model = _entity_model(node.args[0], ctx) if len(node.args) == 1 else None
            return Query("select", f"{dotted(node.func)}(...)", model, methods, list(node.args), root_node=node)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            methods.append(("__slice__", node))
            node = node.value
            continue
        if isinstance(node, ast.Attribute) and node.attr == "query":
            model = model_for(node.value, ctx)
            held = generic_model(node.value, ctx) if model is None else None
            if not isinstance(held, str):
                model, held = model or held, None
            elif not generic:
                held = None
            if model is None and held is None:
                return None
            query = Query("model", f"{ast.unparse(node)}", model, methods, [node.value], scalars=True, root_node=node)
            query.generic = held
            return query
        if isinstance(node, ast.Name) and ctx.function is not None and node.id not in _seen:
            values = assignments(ctx.project, ctx.function).get(node.id, [])
            found: Query | None = None
            extra: list[tuple[str, ast.AST]] = []
            optional: dict[int, frozenset[str]] = {}
            parts: list[tuple[ast.expr, int | None]] = [(v, None) for v in values]
            parts += list(unpacked(ctx.project, ctx.function).get(node.id, []))
            built: list[tuple[Query, ast.expr]] = []  # the assignments that build the query afresh
            for value, index in parts:
                refined = _refines(value, node.id) if index is None else None
                if refined is None and index is None:
                    # ``narrowed = q.filter(...)`` then ``q = narrowed.union(other)``: still ``q``, refined through
                    # a local that only ever holds a refinement of it
                    refined = _refines_through(value, node.id, assignments(ctx.project, ctx.function))
                if refined is not None:
                    extra.extend(refined)  # ``q = q.filter(...)``: the same query, narrowed
                    if _run_skips(value, node, ctx):
                        # ``if args.get("search"): q = q.filter(...)``: the runs whose test is false skip it
                        optional.update((id(n), frozenset()) for _, n in refined)
                    continue
                steps = _helper_refines(value, node.id, index, ctx) if helpers else None
                if steps is not None:  # ``q = self._apply_match(q, ids)``: the same query, narrowed by a helper
                    extra.extend(steps[0])
                    optional.update(steps[1])
                    continue
                if index is not None:  # ``q, more = self._filtered(...)``: the query in that place of the result
                    sub = _returned_at(ctx, value, index, _depth) if helpers and _depth < 2 else None
                else:
                    sub = query_of(value, ctx, _seen | {node.id}, helpers=helpers, generic=generic, _depth=_depth)
                if sub is None:
                    if not (isinstance(value, ast.Constant) and value.value is None):
                        return None  # sometimes something else: do not guess
                    continue
                built.append((sub, value))
                if found is None:
                    found = sub
                else:
                    extra.extend(sub.methods)
                    optional.update(sub.optional)
                    found.root_node = None  # built in two places: no one place to add options to
            if found is None:
                return None
            found.ways = _ways([sub for sub, _ in built], _unreached(built, node, ctx))
            found.methods = methods + found.methods + extra
            found.optional.update(optional)
            found.scalars = found.scalars or scalars
            return found
        return None


#: At most this many ways of building one query are told apart (the rest are not followed).
_MAX_WAYS = 16


def _unreached(built: list[tuple[Query, ast.expr]], use: ast.AST, ctx: Context) -> set[int]:
    """The places (index in ``built``) whose query cannot be the one ``use`` reads: replaced on every path by a
    later one before it (``q = A.query...`` then ``q = B.query...``, not under an ``if`` the use is not in),
    or assigned after it outside any loop around both."""
    fn = ctx.function
    if len(built) < 2 or fn is None:
        return set()
    paths = branch_paths(ctx.project, fn)
    use_path = paths.get(id(use))
    line = getattr(use, "lineno", None)
    if use_path is None or line is None:
        return set()
    loops = {id(n) for n in walk(fn.node) if isinstance(n, (ast.For, ast.AsyncFor, ast.While))}
    use_loops = {b for b, _ in use_path if b in loops}
    gone: set[int] = set()
    for i, (_, value) in enumerate(built):
        path = paths.get(id(value), ())
        if value.lineno > line and not use_loops & {b for b, _ in path}:
            gone.add(i)
            continue
        for _, later in built:
            later_path = paths.get(id(later), ())
            if value.lineno < later.lineno < line and use_path[: len(later_path)] == later_path:
                gone.add(i)
                break
    return gone if len(gone) < len(built) else set()


def _ways(built: list[Query], gone: set[int] | None = None) -> list[Way]:
    """The ways a query built in several places (``if vendor: q = P.query.filter_by(vendor=v)`` / ``else: q =
    P.query``, or ``return`` statements that give different queries) may run, for ``Query.ways``: for each,
    the steps it does not apply (the other places' own steps) and its own steps, through what each place
    builds in several ways in turn. A step every place applies (the same node, reached through a local they
    share) is skipped by none."""
    gone = gone or set()
    if len(built) < 2:
        return list(built[0].ways) if built else []
    own = [{id(n) for _, n in way.methods} for way in built]
    every = set().union(*own)
    found: list[Way] = []
    for i, (way, ids) in enumerate(zip(built, own)):
        if i in gone:
            continue  # replaced before the use, or assigned after it: its steps are skipped on every way
        skip = frozenset(every - ids)
        for inner_skip, inner_steps in way.ways or [(frozenset(), ())]:
            steps = tuple(s for s in way.methods if id(s[1]) not in inner_skip) + inner_steps
            if len(found) < _MAX_WAYS:
                found.append((skip | inner_skip, steps))
    return found


def variants(query: Query) -> list[Query]:
    """The query as each way of building it runs (:attr:`Query.ways`), or the query alone when it is built in
    one way: what a fact must hold on every one of them to hold whatever way a run takes."""
    if not query.ways:
        return [query]
    found = []
    for skip, steps in query.ways:
        methods = [(m, n) for m, n in query.methods if id(n) not in skip]
        present = {id(n) for _, n in methods}
        methods += [(m, n) for m, n in steps if id(n) not in present and id(n) not in skip]
        found.append(dataclasses.replace(query, methods=methods, ways=[]))
    return found


#: How many helpers that return a query built by another one :func:`_returned_query` follows.
_QUERY_HOPS = 1


def _returned_query(ctx: Context, call: ast.Call, depth: int = 0) -> Query | None:
    """The query a project function returns (every ``return`` the same query), for ``helper().filter(...)``.

    The helper may build it with another helper (``_events_sorted(session)`` refining what ``_events(session)``
    returns, the database API style where every level starts from ``model_query``): at most
    :data:`_QUERY_HOPS` helpers down.
    """
    assert ctx.function is not None
    fn = method_called(ctx, call)
    model: ModelInfo | None = None
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        model = model_for(call.func.value, ctx)  # ``Sketch.all_with_acl()``: a query classmethod
        if fn is None and model is not None:
            fn = ctx.project._method(model.qualname, call.func.attr)
    if fn is None or fn is ctx.function:
        return None
    inner = helper_context(ctx.project, fn)
    found: Query | None = None
    ways: list[Query] = []
    for node in walk(fn.node):
        if isinstance(node, ast.Return) and node.value is not None:
            query = (
                query_of(node.value, inner, helpers=depth < _QUERY_HOPS, _depth=depth + 1)
                or (_own_query(node.value, model) if model is not None else None)
                or _refined_argument(node.value, inner)
                or _passed_model_query(node.value, fn, call, ctx)
            )
            if query is None:
                return None
            ways.append(query)
            found = found or query
    if found is not None:
        found.ways = _ways(ways)
        found.via = fn
        if found.model is None and len(found.entities) == 1:
            # ``def _get_query(self, session, model): return session.query(model)``: the model the call passes
            passed = _argument(fn, call, found.entities[0])
            found.model = model_for(passed, ctx) if passed is not None else None
            found.scalars = found.scalars or (found.model is not None and found.root == "session")
    return found


def _method_chain(value: ast.expr) -> tuple[list[tuple[str, ast.AST]], ast.AST]:
    """The methods called along ``value`` from the outermost in (``q.filter(...).union(...)``: union, filter) and
    the expression they start from (``q``)."""
    methods: list[tuple[str, ast.AST]] = []
    node: ast.AST = value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        methods.append((node.func.attr, node))
        node = node.func.value
    return methods, node


def _passed_model_query(value: ast.expr, fn: FunctionInfo, call: ast.Call, ctx: Context) -> Query | None:
    """``return model.query.filter_by(...)`` in ``def rows_of(model, ...)``: the query of the model class this call
    passes (inside the helper the model is unknown: each caller passes its own)."""
    methods, node = _method_chain(value)
    if not (isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.value, ast.Name)):
        return None
    argument = _argument(fn, call, node.value)
    model = model_for(argument, ctx) if argument is not None else None
    if model is None:
        return None
    return Query("model", f"{ast.unparse(node)}", model, methods, [node.value], scalars=True)


def _refined_argument(value: ast.expr, ctx: Context) -> Query | None:
    """``return self.order_bills(self.get_bills_unordered())``: a helper handed a query that returns it refined
    (:func:`refining_steps`); the query it is handed, with the helper's steps."""
    fn = _called_function(value, ctx)
    if fn is None or not isinstance(value, ast.Call):
        return None
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if positional[:1] in (["self"], ["cls"]) and isinstance(value.func, ast.Attribute):
        positional = positional[1:]
    given = [(p, a) for p, a in zip(positional, value.args) if not isinstance(a, ast.Starred)]
    given += [(kw.arg, kw.value) for kw in value.keywords if kw.arg]
    for param, arg in given:
        if not isinstance(arg, ast.Call):
            continue  # a local: the caller's ``q = helper(q)`` is :func:`_helper_refines`
        steps = refining_steps(ctx.project, (fn, param, None))
        if steps is None:
            continue
        query = query_of(arg, ctx, helpers=True)
        if query is not None:
            query.methods = [(method, node) for method, node, _ in steps] + query.methods
            return query
    return None


def _returned_at(ctx: Context, call: ast.expr, index: int, depth: int) -> Query | None:
    """The query a project function returns in place ``index`` of a tuple (``return query, more``).

    Every ``return`` must give a tuple whose item there is the same query; the helper's own locals and
    helpers are followed (``query = self._base(...)``, ``query = self._apply(query, x)``).
    """
    fn = _called_function(call, ctx)
    if fn is None:
        return None
    inner = helper_context(ctx.project, fn)
    found: Query | None = None
    ways: list[Query] = []
    for node in walk(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        if not (isinstance(node.value, ast.Tuple) and index < len(node.value.elts)):
            return None
        query = query_of(node.value.elts[index], inner, helpers=True, _depth=depth + 1)
        if query is None:
            return None
        ways.append(query)
        found = found or query
    if found is not None:
        found.ways = _ways(ways)
    if found is not None and isinstance(call, ast.Call):
        found.optional = _decided_by(call, fn, found.optional, ctx)
    return found


def _decided_by(call: ast.Call, fn: FunctionInfo, optional: dict[int, frozenset[str]], ctx: Context):
    """``optional`` (steps of ``fn`` guarded by its parameters) as ``call`` decides it: the steps it may skip,
    each with the parameters of the calling function it hands on (none when the call surely skips it)."""
    decided: dict[int, frozenset[str]] = {}
    for step, guard in optional.items():
        if not guard:
            decided[step] = guard
            continue
        unset = [leaves_unset(call, fn, name, ctx) for name in guard]
        if any(u is True for u in unset):
            decided[step] = frozenset()
        elif any(isinstance(u, str) for u in unset):
            decided[step] = frozenset(u for u in unset if isinstance(u, str))
    return decided


def _guards(fn: FunctionInfo) -> dict[int, frozenset[str]]:
    """For each node of ``fn`` (by ``id``), the parameters tested by the ``if``/``while`` tests and the ``for``
    iterables around it: the arguments that decide whether it runs."""
    args = fn.node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
    found: dict[int, frozenset[str]] = {}

    def visit(node: ast.AST, guard: frozenset[str]) -> None:
        found[id(node)] = guard
        test = node.test if isinstance(node, (ast.If, ast.While, ast.IfExp)) else None
        test = node.iter if isinstance(node, (ast.For, ast.AsyncFor)) else test
        inner = guard
        if test is not None:
            inner = guard | {n.id for n in ast.walk(test) if isinstance(n, ast.Name) and n.id in params}
        for name, value in ast.iter_fields(node):
            branch = test is not None and name in ("body", "orelse")
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    visit(child, inner if branch else guard)

    try:
        visit(fn.node, frozenset())
    finally:
        visit = None  # type: ignore[assignment]  # it calls itself: a cycle the paused collector would keep
    return found


@keyed_fact
def refining_steps(
    project: Project, key: tuple[FunctionInfo, str, int | None]
) -> list[tuple[str, ast.AST, frozenset[str]]] | None:
    """The steps a helper adds to the query it is given in parameter ``param`` and returns (in place ``index``
    of a tuple when not ``None``): ``def _apply_type(self, query, kinds=None): if kinds is not None: query =
    query.filter(...); return query``. ``None`` when the helper returns anything else or replaces the query.

    Each step comes with the parameters whose tests decide whether it runs (an ``if`` around it, an earlier
    ``return`` under an ``if``): empty when it always runs.
    """
    fn, param, index = key
    args = fn.node.args
    if param not in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}:
        return None
    guards = _guards(fn)
    returns = [n for n in walk(fn.node) if isinstance(n, ast.Return)]
    if not returns or any(n.value is None for n in returns):
        return None
    steps: list[tuple[str, ast.AST, frozenset[str]]] = []

    def earlier_exits(line: int) -> frozenset[str]:
        exits = [guards.get(id(r), frozenset()) for r in returns if r.lineno < line]
        return frozenset().union(*exits)

    for ret in returns:
        value = ret.value
        if index is not None:
            if not (isinstance(value, ast.Tuple) and index < len(value.elts)):
                return None
            value = value.elts[index]
        if isinstance(value, ast.Name) and value.id == param:
            continue
        chain = _refines(value, param) if value is not None else None
        if chain is None:
            return None
        guard = guards.get(id(ret), frozenset()) | earlier_exits(ret.lineno)
        steps += [(method, node, guard) for method, node in chain]
    if unpacked(project, fn).get(param):
        return None
    for value in assignments(project, fn).get(param, []):
        chain = _refines(value, param)
        if chain is None:
            return None  # the parameter is replaced by something else
        guard = guards.get(id(value), frozenset()) | earlier_exits(value.lineno)
        steps += [(method, node, guard) for method, node in chain]
    return steps


def _helper_refines(
    value: ast.expr, name: str, index: int | None, ctx: Context
) -> tuple[list[tuple[str, ast.AST]], dict[int, frozenset[str]]] | None:
    """``name = helper(name, ...)`` (``name, more = ...`` with ``index``) where the helper returns the query it
    is given, refined: its steps, and those the call may skip (a step guarded by a parameter this call may
    leave unset: :func:`leaves_unset`)."""
    fn = _called_function(value, ctx)
    if fn is None and index is None and _hook_given(value, name, ctx):
        return [], {}
    if fn is None or not isinstance(value, ast.Call):
        return None
    param = _parameter_given(fn, value, name)
    if param is None:
        return None
    steps = refining_steps(ctx.project, (fn, param, index))
    if steps is None:
        return None
    optional = _decided_by(value, fn, {id(node): guard for _, node, guard in steps if guard}, ctx)
    return [(method, node) for method, node, _ in steps], optional


def _hook_given(value: ast.expr, name: str, ctx: Context) -> bool:
    """``q = narrow(q, *args)`` where ``narrow`` is a callable the function is given (a parameter): a hook the
    caller passes to narrow the query, whose result the function goes on using as the query. Its steps are
    not known; the query stays the one built before."""
    fn = ctx.function
    if fn is None or not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return False
    args = fn.node.args
    if value.func.id not in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}:
        return False
    return bool(value.args) and isinstance(value.args[0], ast.Name) and value.args[0].id == name


def _parameter_given(fn: FunctionInfo, call: ast.Call, name: str) -> str | None:
    """The parameter of ``fn`` to which ``call`` passes the local ``name``."""
    for kw in call.keywords:
        if kw.arg and isinstance(kw.value, ast.Name) and kw.value.id == name:
            return kw.arg
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if positional[:1] in (["self"], ["cls"]) and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    for arg, param in zip(call.args, positional):
        if isinstance(arg, ast.Starred):
            return None
        if isinstance(arg, ast.Name) and arg.id == name:
            return param
    return None


def leaves_unset(call: ast.Call, fn: FunctionInfo, param: str, ctx: Context) -> bool | str:
    """Whether ``call`` may leave ``fn``'s parameter ``param`` unset: ``True`` when it does not pass it (and the
    default is ``None``/empty), passes ``None`` or a value a lookup may not find (``args.get("limit")``); the
    name of the calling function's own optional parameter (``limit=None``) it hands on, which that function's
    callers decide; ``False`` for any other value (given)."""
    from flask_doctor.static.facts.orm.params import optional_params, passes  # params reads these facts

    if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        return False  # ``**options``: what they hold is not visible
    if not passes(call, fn, {param}):
        return param in optional_params(fn) or param in _falsy_defaults(fn)
    value = next((kw.value for kw in call.keywords if kw.arg == param), None)
    if value is None:
        positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
        if positional[:1] in (["self"], ["cls"]) and isinstance(call.func, ast.Attribute):
            positional = positional[1:]
        value = call.args[positional.index(param)]
    if isinstance(value, ast.Constant):
        return not value.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
        return True
    caller = ctx.function
    if isinstance(value, ast.Name) and caller is not None and value.id not in assignments(ctx.project, caller):
        if value.id in optional_params(caller) or value.id in _falsy_defaults(caller):
            return value.id
    return False


def _falsy_defaults(fn: FunctionInfo) -> set[str]:
    """Parameters whose default is falsy (``False``, ``0``, ``()``, ``""``)."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return {
        a.arg
        for a, d in pairs
        if (isinstance(d, ast.Constant) and not d.value) or (isinstance(d, (ast.Tuple, ast.List)) and not d.elts)
    }


def _argument(fn: FunctionInfo, call: ast.Call, param: ast.expr) -> ast.expr | None:
    """The expression ``call`` passes for ``fn``'s parameter named by ``param`` (``None`` when not one)."""
    if not isinstance(param, ast.Name):
        return None
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param.id not in args and param.id not in {a.arg for a in fn.node.args.kwonlyargs}:
        return None
    keyword = next((kw.value for kw in call.keywords if kw.arg == param.id), None)
    if keyword is not None or param.id not in args:
        return keyword
    index = args.index(param.id) - (1 if fn.class_name and args[:1] in (["self"], ["cls"]) else 0)
    if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]) or not 0 <= index < len(call.args):
        return None
    return call.args[index]


def helper_arguments(query: Query, ctx: Context) -> bool:
    """The helper that built ``query`` narrows it with what its caller passes (``_chain(Category.id.in_(ids))``).

    A parameter of the helper (other than ``self``/``cls``) read by the helper's filters or joins, directly or
    through its locals: the rows depend on an argument this query cannot see.
    """
    fn = query.via
    if fn is None:
        return False
    args = fn.node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    local = assignments(ctx.project, fn)
    inside = {id(n) for n in ast.walk(fn.node)}
    todo = [
        name
        for method, node in query.methods
        if id(node) in inside
        and isinstance(node, ast.Call)
        and method in (*_FILTERS, "join", "outerjoin", "with_parent")
        for arg in (*node.args, *(kw.value for kw in node.keywords))
        for name in _criterion_names(arg)
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in params:
            return True
        for value in local.get(name, []) if name not in params else []:
            todo.extend(_criterion_names(value))
    return False


def _criterion_names(expr: ast.expr) -> list[str]:
    """The names ``expr`` reads other than as the value compared with a column: ``Obj.collection_id == cid``
    shows its condition whatever ``cid`` holds, ``filter(criterion)`` does not."""
    compared = {
        id(side)
        for node in ast.walk(expr)
        if isinstance(node, ast.Compare) and len(node.ops) == 1
        for side, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left))
        if isinstance(side, ast.Name) and isinstance(other, ast.Attribute)
    }
    return [n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and id(n) not in compared]


def _own_query(expr: ast.expr, model: ModelInfo) -> Query | None:
    """``cls.query.filter(...)`` in a mixin's classmethod, called on ``model``: a query on that model."""
    methods, node = _method_chain(expr)
    if isinstance(node, ast.Attribute) and node.attr == "query" and dotted(node.value) in ("cls", "self"):
        return Query("model", f"{model.name}.query", model, methods, [node.value], scalars=True)
    return None


def _refines(value: ast.expr, name: str) -> list[tuple[str, ast.AST]] | None:
    """The methods of ``name = name.filter(...).join(...)`` (``None`` when the chain does not start at ``name``)."""
    methods, node = _method_chain(value)
    return methods if methods and isinstance(node, ast.Name) and node.id == name else None


def _refines_through(
    value: ast.expr, name: str, local: dict[str, list[ast.expr]], depth: int = 0
) -> list[tuple[str, ast.AST]] | None:
    """The methods of ``name = other.union(...)`` where ``other`` (assigned once) is ``name.filter(...)``:
    :func:`_refines` through up to two such locals (``None`` when the chain does not lead back to ``name``)."""
    methods, node = _method_chain(value)
    if not methods or not isinstance(node, ast.Name) or node.id == name or depth >= 2:
        return None
    held = local.get(node.id, [])
    if len(held) != 1:
        return None
    inner = _refines(held[0], name) or _refines_through(held[0], name, local, depth + 1)
    return methods + inner if inner is not None else None


def query_label(query: Query, call: ast.AST) -> str:
    """The query as the finding quotes it, shortened when it is long."""
    text = ast.unparse(call)
    if len(text) > 90:
        text = f"{query.text}...{query.outer}()" if query.outer else query.text
    return f"`{text}`"


# ------------------------------------------------------------------ what bounds a query
_FILTERS = ("filter", "where", "filter_by", "having")
_BOOL_CALLS = {"or_": "or", "and_": "and"}


def filter_terms(query: Query, ctx: Context, *, always: bool = False, skipped: bool = True) -> list[ast.expr]:
    """The conditions of the query's ``filter``/``where`` calls, ``and_`` and local names seen through.

    With ``always`` only the conditions every run applies: not one in an ``if`` without ``else``
    (``if not user.is_editor: q = q.filter(X.user_id == user.id)``), nor one a helper applies only when its
    caller passes an optional argument, nor one that only some of the ways the query is built apply
    (``Query.ways``). Without ``skipped`` not one that some run surely skips either (a narrowing under a test
    of what the run holds, in a helper: ``Query.optional`` with nothing deciding it).
    """
    not_always = frozenset().union(*(skip for skip, _ in query.ways)) if always else frozenset()
    terms: list[ast.expr] = []
    use = query.methods[0][1] if query.methods else None

    def add(expr: ast.expr, depth: int = 0) -> None:
        if isinstance(expr, ast.Name) and ctx.function is not None and depth < 3:
            values = assignments(ctx.project, ctx.function).get(expr.id, [])
            if len(values) == 1:
                add(values[0], depth + 1)
                return
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.And):
            for value in expr.values:
                add(value, depth)
            return
        if isinstance(expr, ast.Call) and _bool_call(expr) == "and":
            for arg in expr.args:
                add(arg, depth)
            return
        terms.append(as_compare(expr) or expr)

    try:
        for method, node in query.methods:
            if method in ("filter", "where") and isinstance(node, ast.Call):
                if always and (
                    id(node) in query.optional or id(node) in not_always or _skipped_by_this_run(node, use, ctx)
                ):
                    continue
                if not skipped and query.optional.get(id(node)) == frozenset():
                    continue
                for arg in node.args:
                    add(arg)
    finally:
        # ``add`` calls itself: a cycle the paused collector would keep, with the walk's ``ctx``, until the run ends
        add = None  # type: ignore[assignment]
    return terms


_DUNDER_COMPARE: dict[str, type[ast.cmpop]] = {
    "__eq__": ast.Eq,
    "__ne__": ast.NotEq,
    "__lt__": ast.Lt,
    "__le__": ast.LtE,
    "__gt__": ast.Gt,
    "__ge__": ast.GtE,
}


def as_compare(expr: ast.AST) -> ast.Compare | None:
    """``Txn.account_id.__eq__(x)`` (written so to please linters) as the comparison it is: ``Txn.account_id == x``."""
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in _DUNDER_COMPARE
        and len(expr.args) == 1
        and not expr.keywords
    ):
        compare = ast.Compare(left=expr.func.value, ops=[_DUNDER_COMPARE[expr.func.attr]()], comparators=expr.args)
        return ast.copy_location(compare, expr)
    return None


def _bool_call(expr: ast.AST) -> str | None:
    """``or_(...)`` / ``db.or_(...)`` / ``sa.and_(...)`` -> "or" / "and"."""
    if isinstance(expr, ast.Call):
        name = (dotted(expr.func) or "").rsplit(".", 1)[-1]
        return _BOOL_CALLS.get(name)
    return None


def unknown_filter(query: Query, ctx: Context | None = None) -> bool:
    """The conditions are built elsewhere, so nothing can be said about the rows they keep.

    ``filter(*criterions)``, ``filter_by(**kw)``, ``filter(and_(*criteria))`` or
    ``or_(*user_terms)`` inside it; and, given ``ctx``, a criterion the caller
    passes in (a parameter) or one a project helper builds
    (``cond = visible_filter(category)``; ``filter(cond)``), or a query a helper
    builds from what its caller passes (:func:`helper_arguments`). A filter the
    code applies only on some paths (``if args: q = q.filter(*conds)``) is no
    such filter: on the other paths nothing narrows the rows.
    """
    use = query.methods[0][1] if query.methods else None
    for method, node in query.methods:
        if method in _FILTERS and isinstance(node, ast.Call):
            if id(node) in query.optional:
                continue  # a helper's filter applied only when the caller passes what it tests
            if (
                ctx is not None
                and ctx.function is not None
                and any(isinstance(a, ast.Name) for a in node.args)
                and id(node) not in branch_paths(ctx.project, ctx.function)
                and (query.via is None or id(node) not in branch_paths(ctx.project, query.via))
            ):
                return True  # ``query = query.filter(clause)`` in a helper narrowing the query: a criterion it builds
            if ctx is not None and any(_named_column(arg, query, ctx) for arg in node.args):
                return True  # ``filter(getattr(Model, name) == value)``: the caller names the column
            if ctx is not None and use is not None and skipped_on_some_path(node, use, ctx):
                continue  # ``if args: q = q.filter(*conds)``: without them nothing narrows the rows
            if any(isinstance(a, ast.Starred) for a in node.args) or any(kw.arg is None for kw in node.keywords):
                return True
            if method in ("filter", "where") and any(
                isinstance(inner, ast.Call) and any(isinstance(a, ast.Starred) for a in inner.args)
                for arg in node.args
                for inner in ast.walk(arg)
            ):
                return True
    if ctx is None or ctx.function is None:
        return False
    if helper_arguments(query, ctx):
        return True
    fn = ctx.function
    params = {a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs)}
    for term in filter_terms(query, ctx):
        if isinstance(term, ast.Name) and term.id in params:
            return True
        if isinstance(term, ast.Call) and not _bool_call(term):
            helper = ctx.project.resolve_function(dotted(term.func) or "", fn, fn.module)
            if helper is not None and not helper.class_name:
                return True
    return False


def _named_column(term: ast.expr, query: Query, ctx: Context) -> bool:
    """``getattr(Model, name) == value`` (also through ``column = getattr(Model, name, None)``): a condition on a
    column named at run time, from the keywords a caller passes (``get_all_by_values(reservation_id=r)``), so the
    filter is the caller's, like ``filter_by(**keys)``, even when it is applied in a loop over those keywords."""
    if not isinstance(term, ast.Compare):
        return False
    side = term.left
    if isinstance(side, ast.Name):
        holders = [f.node for f in (ctx.function, query.via) if f is not None]
        side = next(
            (
                node.value
                for holder in holders
                for node in ast.walk(holder)
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == side.id for t in node.targets)
            ),
            side,
        )
    return (
        isinstance(side, ast.Call)
        and isinstance(side.func, ast.Name)
        and side.func.id == "getattr"
        and len(side.args) >= 2
        and not isinstance(side.args[1], ast.Constant)
    )


def _owner_keyword(name: str | None, parents: set[str]) -> bool:
    return bool(name) and (name in parents or name.endswith("_id") or bool(OWNER_KEY.search(name or "")))


def _per_parent_term(term: ast.expr, ctx: Context, parents: set[str], joined: bool = False) -> str | None:
    """The parent key of one condition that keeps one parent's rows (``post_id == x``, ``rel.contains(obj)``...).

    With ``joined`` the key may also be any parent key of a model the query joins (``BookShelf.shelf == s``
    on a query of books): the rows linked to one record through that table.
    """
    term = as_compare(term) or term
    if isinstance(term, ast.BinOp) and isinstance(term.op, (ast.BitAnd, ast.BitOr)):
        # ``(Link.user_id == me) & has_contrib``: SQLAlchemy's operator form of ``and_``/``or_``
        term = ast.BoolOp(op=ast.And() if isinstance(term.op, ast.BitAnd) else ast.Or(), values=[term.left, term.right])
    if isinstance(term, ast.BoolOp) or _bool_call(term):
        values = term.values if isinstance(term, ast.BoolOp) else term.args  # type: ignore[attr-defined]
        either = isinstance(term, ast.BoolOp) and isinstance(term.op, ast.Or) or _bool_call(term) == "or"
        found = [_per_parent_term(v, ctx, parents, joined) for v in values]
        # ``or_(X.submitter == user, X.person_links.any(... user ...))``: each branch is one user's rows
        if not found or (either and not all(found)):
            return None
        return next((f for f in found if f), None)
    if (
        isinstance(term, ast.Call)
        and isinstance(term.func, ast.Attribute)
        and len(term.args) == 1
        and model_for(term.func.value, ctx) is not None
    ):
        # ``Event.is_visible_in(category.id)``: a model's own filter method given one parent's key
        key = term.args[0]
        name = key.attr if isinstance(key, ast.Attribute) else key.id if isinstance(key, ast.Name) else ""
        if name == "id" or name.endswith("_id"):
            return term.func.attr
    if (
        isinstance(term, ast.Call)
        and isinstance(term.func, ast.Attribute)
        and isinstance(term.func.value, ast.Attribute)
    ):
        rel = term.func.value
        if term.func.attr == "contains" and rel.attr in parents:
            return rel.attr  # ``Comment.acknowledgements.contains(person)``: the other side of a relationship
        if term.func.attr in ("any", "has"):
            # ``X.person_links.any(Link.person.has(user=user))``: rows linked to one owner
            owner_kw = next((kw.arg for kw in term.keywords if _owner_keyword(kw.arg, set())), None)
            if owner_kw:
                return owner_kw
            owner = model_for(rel.value, ctx)
            rel_parents = parent_columns(ctx.project, owner) if owner is not None else parents
            if rel.attr in rel_parents and any(kw.arg == "id" for kw in term.keywords):
                return rel.attr  # ``Proposal.team.any(id=member_id)``: the rows linked to the one record that id names
            inner = next((k for k in (_per_parent_term(a, ctx, rel_parents) for a in term.args) if k), None)
            if inner:
                return inner
            # ``Book.authors.any(Author.name == name)``: the rows of one related record; a flag compared to a
            # constant (``Cve.events.any(Event.review == False)``) picks every row with such a child, not one
            if (
                rel.attr in rel_parents
                and any(
                    isinstance(a, ast.Compare) and isinstance(a.ops[0], ast.Eq) and not _flag_test(a) for a in term.args
                )
                and len(term.args) == 1
            ):
                return rel.attr
    if isinstance(term, ast.Compare) and len(term.ops) == 1 and isinstance(term.ops[0], ast.Eq):
        for side, value in ((term.left, term.comparators[0]), (term.comparators[0], term.left)):
            if not isinstance(side, ast.Attribute):
                continue
            if isinstance(value, ast.Attribute) and model_for(value.value, ctx) is not None:
                continue  # ``Change.cve_id == Cve.id``: a join condition, every row has such a parent
            if side.attr in parents or side.attr.endswith("_id"):
                model = model_for(side.value, ctx)
                if model is not None and (side.attr in parent_columns(ctx.project, model) or side.attr.endswith("_id")):
                    return side.attr
            elif (joined or OWNER_KEY.search(side.attr)) and not isinstance(value, ast.Constant):
                # one person's rows through a model the query joins (``AbstractReview.user == user``)
                model = model_for(side.value, ctx)
                if model is not None and side.attr in parent_columns(ctx.project, model):
                    return side.attr
    return None


def _flag_test(compare: ast.Compare) -> bool:
    """``Event.review == False``, ``X.deleted_at == None``: a state every row may have, not one record's key."""
    return any(
        isinstance(side, ast.Constant) and (side.value is None or isinstance(side.value, bool))
        for side in (compare.left, *compare.comparators)
    )


def _pinned_columns(query: Query, ctx: Context) -> set[str]:
    """Columns of the query's model every run pins to one value (``Row.state == s``, ``filter_by(date=d)``)."""
    model = query.model
    found: set[str] = set()
    for term in filter_terms(query, ctx, always=True):
        if not (isinstance(term, ast.Compare) and len(term.ops) == 1 and isinstance(term.ops[0], ast.Eq)):
            continue
        for side in (term.left, term.comparators[0]):
            if isinstance(side, ast.Attribute) and model is not None and dotted(side.value) == model.name:
                found.add(side.attr)
    for method, node in query.methods:
        if method == "filter_by" and isinstance(node, ast.Call) and id(node) not in query.optional:
            found.update(kw.arg for kw in node.keywords if kw.arg)
    return found


def distinct_parents_by_key(query: Query, foreign_key: str | None, ctx: Context) -> bool:
    """The query pins every column of its model's composite primary key but ``foreign_key``: no two rows share
    that key's value, so each row has a parent of its own (the revisions of one state's one day, each from a
    different batch). A many-to-one read per row is then a query per row, however the rows are kept."""
    model = query.model
    if model is None or foreign_key is None or len(model.primary_key) < 2 or foreign_key not in model.primary_key:
        return False
    pinned = _pinned_columns(query, ctx)
    return foreign_key not in pinned and set(model.primary_key) - {foreign_key} <= pinned


def parent_key(query: Query, ctx: Context, *, joined: bool = False, always: bool = False) -> str | None:
    """The foreign key, relationship or owner column an equality filter pins: the rows of one parent.

    With ``joined`` a parent key of a joined model counts too (see :func:`_per_parent_term`). With ``always``
    only a filter every run applies counts (see :func:`filter_terms`): ``if not user.is_editor:`` narrows the
    rows for some requests only. Without it, a filter some run surely skips still never counts: one of the
    ways the query is built (``if "vendor" in args: q = P.query.filter_by(vendor=v)`` / ``else: q = P.query``
    gives every vendor's products on the other way).
    """
    if query.ways:
        keys = {parent_key(way, ctx, joined=joined, always=always) for way in variants(query)}
        return keys.pop() if len(keys) == 1 else None  # one way loads every parent's rows, or another's
    parents = parent_columns(ctx.project, query.model)
    use = query.methods[0][1] if query.methods else None
    for method, node in query.methods:
        if not isinstance(node, ast.Call):
            continue
        if query.optional.get(id(node)) == frozenset():
            continue  # ``if args.get("q"): q = q.filter_by(...)`` in a helper: some runs skip it
        if (
            always
            and method in ("filter_by", "with_parent")
            and (id(node) in query.optional or _skipped_by_this_run(node, use, ctx))
        ):
            continue  # applied on some runs only: the others load every parent's rows
        if method == "filter_by":
            key = next((kw.arg for kw in node.keywords if kw.arg in parents or (kw.arg or "").endswith("_id")), None)
            if key:
                return key
        if method == "with_parent":
            return "with_parent"
    terms = filter_terms(query, ctx, always=always, skipped=False)
    return next((k for k in (_per_parent_term(t, ctx, parents, joined) for t in terms) if k), None)


def loaded_parents(query: Query, ctx: Context) -> frozenset[str]:
    """The many-to-one relationships (and their foreign keys) whose parents the code already holds.

    SQLAlchemy's lazy loader for a many-to-one on the parent's primary key looks in the session's identity
    map first and runs no SQL when the parent is there. Two query shapes say the parents are there:

    - ``Track.query.with_parent(event)``: every row's ``track.event`` is that very ``event``;
    - ``Setting.query.filter(Setting.event_id.in_(e.id for e in events))``: the rows' ``event`` is one of
      the ``events`` held in memory (their keys were read from the objects).

    Only steps every run applies count.
    """
    model = query.model
    if model is None:
        return frozenset()
    use = query.methods[0][1] if query.methods else None
    found: set[str] = set()
    for method, node in query.methods:
        if method != "with_parent" or not isinstance(node, ast.Call) or not node.args:
            continue
        if (
            id(node) in query.optional
            or _skipped_by_this_run(node, use, ctx)
            or any(id(node) in w for w, _ in query.ways)
        ):
            continue
        found |= _with_parent_relations(model, node, ctx)
    for term in filter_terms(query, ctx, always=True):
        column = _in_loaded_keys(term, ctx, query.via)
        if column:
            found.update({column, column.removesuffix("_id")})
    return frozenset(found)


def parents_pinned(query: Query, relation: str, ctx: Context) -> str | None:
    """The query joins the rows' many-to-one ``relation`` and keeps only parents of one record of their own.

    ``Bill.query.join(Person).filter(Bill.payer_id == Person.id, Person.project_id == Project.id,
    Project.id == self.id)``: every bill's ``payer`` is one of the members of that one project, so the
    lazy loads are one per member at most, whatever the number of bills. Returns the pinned column of
    the parent's model (``Person.project_id``), or ``None``. Only conditions every run applies count.
    """
    model = query.model
    if model is None:
        return None
    rel = relations(ctx.project, model).get(relation)
    target = ctx.project.models.get(rel.target.rsplit(".", 1)[-1]) if rel is not None and rel.target else None
    if target is None or target is model:
        return None
    pinned: list[tuple[ModelInfo, str]] = []  # ``Project.id == self.id``: a column held to one value
    joins: list[tuple[tuple[ModelInfo, str], tuple[ModelInfo, str]]] = []  # ``Person.project_id == Project.id``
    for term in filter_terms(query, ctx, always=True):
        if not (isinstance(term, ast.Compare) and len(term.ops) == 1 and isinstance(term.ops[0], ast.Eq)):
            continue
        if _flag_test(term):
            continue
        sides = []
        for side in (term.left, term.comparators[0]):
            owner = model_for(side.value, ctx) if isinstance(side, ast.Attribute) else None
            sides.append((owner, side.attr) if owner is not None and isinstance(side, ast.Attribute) else None)
        left, right = sides
        if left is not None and right is not None:
            joins.append((left, right))
        elif left is not None or right is not None:
            pinned.append(left or right)  # type: ignore[arg-type]

    def same(a: ModelInfo, b: ModelInfo) -> bool:
        return a.qualname == b.qualname

    def held(other: ModelInfo, column: str) -> bool:
        return any(same(m, other) and c == column for m, c in pinned) and column in unique_columns(other)

    # the rows reach their parent through this relationship (``Bill.payer_id == Person.id``, ``join(Bill.payer)``)
    through = any(
        any(same(a[0], model) and a[1] == f"{relation}_id" and same(b[0], target) for a, b in (pair, pair[::-1]))
        for pair in joins
    ) or any(
        method in ("join", "outerjoin")
        and isinstance(node, ast.Call)
        and any(
            isinstance(arg, ast.Attribute) and arg.attr == relation and model_for(arg.value, ctx) is model
            for arg in node.args
        )
        for method, node in query.methods
    )
    if not through:
        return None
    keys = parent_columns(ctx.project, target)
    for owner, column in pinned:
        if same(owner, target) and (column in keys or column.endswith("_id")):
            return f"{target.name}.{column}"  # ``Person.project_id == pid``
    for pair in joins:
        for (owner, column), (other, key) in (pair, pair[::-1]):
            if same(owner, target) and (column in keys or column.endswith("_id")) and held(other, key):
                return f"{target.name}.{column}"  # ``Person.project_id == Project.id`` and ``Project.id == pid``
    return None


def _with_parent_relations(model: ModelInfo, call: ast.Call, ctx: Context) -> set[str]:
    """The relationships of ``model`` that ``with_parent(obj[, Parent.children])`` pins to ``obj``."""
    parent: ModelInfo | None = None
    if len(call.args) > 1 and isinstance(call.args[1], ast.Attribute):
        parent = model_for(call.args[1].value, ctx)
    obj = call.args[0]
    if parent is None and isinstance(obj, ast.Name):
        parent = row_model(obj, ctx)
    found: set[str] = set()
    for name, rel in relations(ctx.project, model).items():
        if not rel.scalar:
            continue
        target = (rel.target or "").rsplit(".", 1)[-1]
        if parent is not None and target == parent.name:
            found.add(name)
        elif parent is None and (dotted(obj) or "").rsplit(".", 1)[-1] == name:
            found.add(name)  # ``with_parent(self.event)`` and the rows' own ``event``: the same object
    return found


def _in_loaded_keys(term: ast.expr, ctx: Context, helper: FunctionInfo | None = None) -> str | None:
    """``X.parent_id.in_(p.id for p in parents)``: the column whose values are the keys of objects held in memory.

    The list may be a local of the function asking or, for a query a helper returns (``team.get_solves()``
    filtering by ``member_ids = [m.id for m in self.members]``), a local of that ``helper``.
    """
    found = _held_keys(term, ctx, helper)
    return found[0] if found is not None else None


def _held_keys(term: ast.expr, ctx: Context, helper: FunctionInfo | None) -> tuple[str, ast.expr] | None:
    """``X.parent_id.in_(p.id for p in parents)``: the column and what the keys were read from (``parents``)."""
    if not (
        isinstance(term, ast.Call)
        and isinstance(term.func, ast.Attribute)
        and term.func.attr == "in_"
        and len(term.args) == 1
        and isinstance(term.func.value, ast.Attribute)
    ):
        return None
    values = term.args[0]
    if isinstance(values, ast.Name):
        for fn in (ctx.function, helper):
            assigned = assignments(ctx.project, fn).get(values.id, []) if fn is not None else []
            if assigned:
                values = assigned[0] if len(assigned) == 1 else values
                break
    if not isinstance(values, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return None
    element = values.elt
    if isinstance(element, ast.Attribute) and element.attr == "id":
        return term.func.value.attr, values.generators[0].iter
    return None


def one_owner_keys(query: Query, ctx: Context) -> str | None:
    """``Solve.user_id.in_(m.id for m in self.members)``: the rows of the children one object holds (one team's
    members), as a container's rows are: the column, else ``None``. Only filters every run applies count."""
    for term in filter_terms(query, ctx, always=True):
        found = _held_keys(term, ctx, query.via)
        if found is None:
            continue
        column, source = found
        if isinstance(source, ast.Attribute) and isinstance(source.value, ast.Name):
            return column  # ``self.members``, ``team.members``: one object's collection
    return None


def per_parent(query: Query, ctx: Context, *, joined: bool = False, always: bool = False) -> bool:
    """An equality filter on a foreign key: the rows of one parent (like reading ``post.comments``)."""
    return parent_key(query, ctx, joined=joined, always=always) is not None


def per_owner(key: str) -> bool:
    """A parent key that is a person (``user_id``, ``owner``, ``author_email``): their rows grow with their use."""
    return bool(OWNER_KEY.search(key))


def own_or_shared(query: Query, ctx: Context) -> bool:
    """``or_(Shelf.is_public == 1, Shelf.user_id == me)``: one owner's rows plus the ones flagged as shared."""
    parents = parent_columns(ctx.project, query.model)
    for term in filter_terms(query, ctx):
        if not ((isinstance(term, ast.BoolOp) and isinstance(term.op, ast.Or)) or _bool_call(term) == "or"):
            continue
        values = term.values if isinstance(term, ast.BoolOp) else term.args  # type: ignore[attr-defined]
        # ``Task.agent == None`` is the shared part (every row without an owner), never the owned one
        owned = [
            v
            for v in values
            if not (isinstance(v, ast.Compare) and _flag_test(v)) and _per_parent_term(v, ctx, parents)
        ]
        flags = [
            v
            for v in values
            if isinstance(v, ast.Compare)
            and isinstance(v.left, ast.Attribute)
            and len(v.ops) == 1
            and isinstance(v.ops[0], (ast.Eq, ast.Is))
            and isinstance(v.comparators[0], ast.Constant)
        ]
        if owned and len(owned) + len(flags) == len(values):
            return True
    return False


# ------------------------------------------------------------------ what a filter selects
_NOW = on_first_use(r"(^|[._])(now|utcnow|now_utc|utc_now|today|time_diff|timedelta|time)\(|timedelta")


def _is_now(expr: ast.expr, ctx: Context, depth: int = 0) -> bool:
    """``now_utc()``, ``datetime.now() - timedelta(days=1)``, a local holding one."""
    if isinstance(expr, ast.Name) and ctx.function is not None and depth < 2:
        return any(_is_now(v, ctx, depth + 1) for v in assignments(ctx.project, ctx.function).get(expr.id, []))
    return bool(_NOW().search(ast.unparse(expr)))


#: Column names that hold a moment or a day (``date``, ``start_dt``, ``created_at``, ``as_of``).
_TIME_COLUMN = on_first_use(
    r"(^|_)(date|day|time|dt|ts|at|on|when|month|year|timestamp|datetime)s?($|_)|^as_of$|date$|time$", re.IGNORECASE
)


@dataclass(frozen=True, eq=False)
class Selection:
    """What a query's filter selects by: states, flags and deadlines (a queue), or a recent time window."""

    #: ``(column, kind, selected value)``: kind ``flag`` (``~X.is_sent``, ``X.zapped == None``),
    #: ``state`` (``X.state == Done``), ``due`` (``X.when <= now``)
    columns: tuple[tuple[str, str, ast.expr | None], ...]
    #: String literals compared in the filter (a setting name a job resets).
    keys: frozenset[str]
    #: A column compared as newer than a moment relative to now (``lastseen >= now - 5 min``).
    recent: str | None
    #: A column kept between two moments, as the filter says it (``X.start.between(...)``,
    #: ``X.date >= ... <= ...``).
    window: str | None = None


def selection(query: Query, ctx: Context) -> Selection:
    """How the query's filter picks rows (see :class:`Selection`)."""
    columns: list[tuple[str, str, ast.expr | None]] = []
    keys: set[str] = set()
    recent: str | None = None
    window: str | None = None
    ends: dict[str, set[str]] = {}  # a time column -> the ends the filter gives it
    for term in filter_terms(query, ctx):
        for node in ast.walk(term):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                keys.add(node.value)
        if (
            isinstance(term, ast.UnaryOp)
            and isinstance(term.op, (ast.Invert, ast.Not))
            and isinstance(term.operand, ast.Attribute)
        ):
            columns.append((term.operand.attr, "flag", None))
            continue
        if (
            isinstance(term, ast.Call)
            and isinstance(term.func, ast.Attribute)
            and len(term.args) >= 2
            and "between" in term.func.attr.lower()
        ):
            window = f"{ast.unparse(term.func)}(...)"  # a time window: its rows are the ones a calendar page shows
            continue
        if (
            isinstance(term, ast.Call)
            and isinstance(term.func, ast.Attribute)
            and isinstance(term.func.value, ast.Attribute)
            and term.args
        ):
            attr, value = term.func.value.attr, term.args[0]
            if term.func.attr in ("is_", "__eq__"):
                kind = "flag" if isinstance(value, ast.Constant) and value.value in (None, False) else "state"
                columns.append((attr, kind, value))
            elif term.func.attr in ("isnot", "is_not") and isinstance(value, ast.Constant) and value.value is True:
                columns.append((attr, "flag", None))
            continue
        if not (isinstance(term, ast.Compare) and len(term.ops) == 1):
            continue
        left, op, right = term.left, term.ops[0], term.comparators[0]
        if isinstance(left, ast.Name) and isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            if _TIME_COLUMN().search(left.id):
                # ``date_prop >= self.start, date_prop <= self.end`` in a helper handed the column: a window too
                ends.setdefault(left.id, set()).add("upper" if isinstance(op, (ast.Lt, ast.LtE)) else "lower")
            continue
        if not isinstance(left, ast.Attribute) and isinstance(right, ast.Attribute):
            left, right = right, left
            op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}.get(type(op), op)
        if not isinstance(left, ast.Attribute):
            continue
        if isinstance(op, (ast.Eq, ast.Is)):
            flag = isinstance(right, ast.Constant) and right.value in (None, False, 0)
            columns.append((left.attr, "flag" if flag else "state", right))
        elif isinstance(op, (ast.Lt, ast.LtE)) and _is_now(right, ctx):
            columns.append((left.attr, "due", None))
        elif isinstance(op, (ast.Gt, ast.GtE)) and _is_now(right, ctx):
            recent = left.attr
        elif isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) and _TIME_COLUMN().search(left.attr):
            ends.setdefault(ast.unparse(left), set()).add("upper" if isinstance(op, (ast.Lt, ast.LtE)) else "lower")
    if window is None:
        # ``Txn.date >= begin, Txn.date <= end``: the rows between two moments, like ``between()``
        window = next((f"{column} >= ... <= ..." for column, found in ends.items() if len(found) == 2), None)
    for method, node in query.methods:
        if method == "filter_by" and isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg and isinstance(kw.value, (ast.Constant, ast.Attribute)):
                    flag = isinstance(kw.value, ast.Constant) and kw.value.value in (None, False, 0)
                    columns.append((kw.arg, "flag" if flag else "state", kw.value))
    return Selection(tuple(columns), frozenset(keys), recent, window)


def columns_only(query: Query) -> bool:
    """``with_entities(Person.id)``, ``session.query(Task.id, Task.created_at)``: columns, not model instances."""
    if query.root == "session" and query.entities and not query.scalars:
        return True
    for method, node in query.methods:
        if method in ("with_entities", "values") and isinstance(node, ast.Call) and node.args:
            return all(isinstance(a, ast.Attribute) for a in node.args)
    return False


_SINGLETON = on_first_use(r"(^|_)(default|primary|current|main|system_dark|active_version)($|_)")
_ROW_BUFFER_OPTIONS = ("yield_per", "max_row_buffer", "stream_results")
_AGGREGATE_PREFIXES = ("func.", "sa.func.", "sqlalchemy.func.", "db.func.")


def _singleton_flag(node: ast.AST) -> bool:
    """``Theme.is_system_default``: a boolean that marks one row by design."""
    return isinstance(node, ast.Attribute) and bool(_SINGLETON().search(node.attr))


def client_sized(node: ast.AST, ctx: Context) -> ClientSize | None:
    """``.limit(n)`` / ``.paginate(...)`` whose page size the client chooses with no cap (:mod:`.page_size`)."""
    return client_page_size(node, ctx)


def _no_limit(node: ast.AST, ctx: Context) -> bool:
    """``.limit(None)``, or ``.limit(n)`` where ``n`` starts as ``None`` and is set only when asked for: no bound."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return False
    arg = node.args[0]
    if isinstance(arg, ast.Constant):
        return arg.value is None
    if not isinstance(arg, ast.Name) or ctx.function is None:
        return False
    values = assignments(ctx.project, ctx.function).get(arg.id, [])
    inside = id(node) in branch_paths(ctx.project, ctx.function)  # the name is this function's local
    return inside and any(isinstance(v, ast.Constant) and v.value is None for v in values)


#: The fields of a node class whose code may not run on the way through: an ``if``'s (or ``x if c else y``'s)
#: body and ``orelse``, a loop's body (it may run zero times) and ``orelse``, a ``match`` case's body.
_BRANCH_FIELDS: dict[type, frozenset[str]] = {
    ast.If: frozenset({"body", "orelse"}),
    ast.IfExp: frozenset({"body", "orelse"}),
    ast.For: frozenset({"body", "orelse"}),
    ast.AsyncFor: frozenset({"body", "orelse"}),
    ast.While: frozenset({"body", "orelse"}),
    ast.match_case: frozenset({"body"}),
}
_NO_BRANCH: frozenset[str] = frozenset()


@keyed_fact
def branch_paths(project: Project, fn: FunctionInfo) -> dict[int, tuple[tuple[int, str], ...]]:
    """For each node of ``fn`` (by ``id``), the conditional branches it sits in, outermost first.

    A branch is ``(id(statement), part)``: an ``if``'s body or ``orelse``, a loop's body (it may run zero
    times), a ``match`` case. Code in ``try``/``with`` bodies runs on the way through, so it adds no branch.
    Every child node counts (``ast.iter_fields`` order, contexts and operators too).
    """
    paths: dict[int, tuple[tuple[int, str], ...]] = {}
    node_class = ast.AST

    def visit(node: ast.AST, path: tuple[tuple[int, str], ...]) -> None:
        paths[id(node)] = path
        branches = _BRANCH_FIELDS.get(node.__class__, _NO_BRANCH)
        for name in node._fields:
            value = getattr(node, name, None)
            inner = (*path, (id(node), name)) if name in branches else path
            if value.__class__ is list:
                for child in value:
                    if isinstance(child, node_class):
                        visit(child, inner)
            elif isinstance(value, node_class):
                visit(value, inner)

    try:
        visit(fn.node, ())
    finally:
        visit = None  # type: ignore[assignment]  # it calls itself: a cycle the paused collector would keep
    return paths


def skipped_on_some_path(step: ast.AST, use: ast.AST, ctx: Context) -> bool:
    """``step`` (``q = q.filter(*conds)``) sits in a branch ``use`` (``q.all()``) is not in: some runs skip it."""
    fn = ctx.function
    if fn is None:
        return False
    paths = branch_paths(ctx.project, fn)
    step_path, use_path = paths.get(id(step)), paths.get(id(use))
    if step_path is None or use_path is None:
        return False
    return use_path[: len(step_path)] != step_path


def _only_if(step: ast.AST, use: ast.AST | None, ctx: Context) -> bool:
    """``step`` sits in the body of an ``if`` without ``else`` that ``use`` is not in: the runs whose test is
    false skip it (``if authors: q = q.filter(...)``). A step on one arm of an ``if``/``else`` is not such a step:
    the other arm may narrow the rows as much."""
    return _skipping_if(step, use, ctx) is not None


def _skipped_by_this_run(step: ast.AST, use: ast.AST | None, ctx: Context) -> bool:
    """:func:`_only_if`, decided here: the test reads no parameter of the function (``if not user.is_editor:``,
    a request argument), so some requests skip the step. A test of a parameter (``if serial is not None:``) is
    the callers' choice, and they may always pass it."""
    test = _skipping_if(step, use, ctx)
    if test is None or ctx.function is None:
        return False
    args = ctx.function.node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
    read = {n.id for n in ast.walk(test.test) if isinstance(n, ast.Name) and n.id in params}
    if not read:
        return True
    return len(read) == 1 and _unset_up_the_chain(ctx, read.pop())


def _unset_up_the_chain(ctx: Context, param: str) -> bool:
    """The function's optional ``param`` (``project_id=None``) is left unset on the way the code is reached: each
    caller up the call chain omits it, passes ``None`` or hands on its own optional parameter, up to the job's
    or request's entry point, whose own optional parameter its client may leave out (``list_leases(self,
    project_id=None)`` on an RPC endpoint, where an administrator asks for every project's rows)."""
    from flask_doctor.static.facts.orm.params import optional_params  # params reads these facts

    fn, project, context = ctx.function, ctx.project, run_context(ctx)
    if fn is None or context is None or param not in optional_params(fn):
        return False
    chain = project.chain(fn.qualname, context)
    for caller_name in reversed(chain[:-1]):
        caller = project.functions.get(caller_name)
        if caller is None:
            return False
        call = next((c for n, c in caller.calls if project.resolve_function(n, caller, caller.module) is fn), None)
        if call is None:
            return False
        unset = leaves_unset(call, fn, param, helper_context(project, caller))
        if unset is True:
            return True
        if unset is False:
            return False
        fn, param = caller, unset
    return len(chain) > 1 and bool(fn.roles) and param in optional_params(fn)


def _run_skips(step: ast.AST, use: ast.AST | None, ctx: Context) -> bool:
    """``step`` sits under an ``if`` (without ``else``, :func:`_skipping_if`) that ``use`` is not in and whose
    test this run decides: it reads no parameter (``self`` included: ``if not self.is_paginated:`` is the
    caller's setting), or reads parameters only for what they hold (``if args.get("search"):``, ``if "vendor"
    in args:``, ``if filters["kind"]:``): the keys a caller's mapping holds (the request's arguments) decide it,
    not whether the caller passes it."""
    test = _skipping_if(step, use, ctx)
    if test is None or ctx.function is None:
        return False
    args = ctx.function.node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}  # ``self.is_paginated``: the caller's
    looked_up: set[int] = set()
    for node in ast.walk(test.test):
        if isinstance(node, ast.Subscript):
            looked_up.add(id(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            looked_up.add(id(node.func.value))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            looked_up.add(id(node.comparators[0]))
    return not any(isinstance(n, ast.Name) and n.id in params and id(n) not in looked_up for n in ast.walk(test.test))


def _skipping_if(step: ast.AST, use: ast.AST | None, ctx: Context) -> ast.If | None:
    """The ``if`` without ``else`` whose body holds ``step`` and not ``use`` (see :func:`_only_if`)."""
    fn = ctx.function
    if fn is None or use is None:
        return None
    paths = branch_paths(ctx.project, fn)
    step_path, use_path = paths.get(id(step)), paths.get(id(use))
    if step_path is None or use_path is None or use_path[: len(step_path)] == step_path:
        return None
    first = next((i for i, b in enumerate(step_path) if i >= len(use_path) or use_path[i] != b), None)
    if first is None:
        return None
    branch_id, part = step_path[first]
    statement = next((n for n in ast.walk(fn.node) if id(n) == branch_id), None)
    if isinstance(statement, ast.If) and part == "body" and not statement.orelse:
        return statement
    return None


def bound_reason(query: Query, ctx: Context) -> str | None:
    """Why ``query`` fetches a bounded number of rows, or ``None`` if nothing bounds it.

    A step a helper applies only when its caller passes an optional argument this call may leave unset
    (``Query.optional``: ``if limit is not None: query = query.limit(limit)``) bounds nothing.
    """
    if query.ways:  # built in several ways: bounded only when every way is (the first way's reason)
        reasons = [bound_reason(way, ctx) for way in variants(query)]
        return None if None in reasons else reasons[0]
    if query.optional:  # whatever the callers pass, a parameter that defaults to ``None`` may be left unset
        query = dataclasses.replace(query, methods=[(m, n) for m, n in query.methods if id(n) not in query.optional])
    names = query.names
    use = query.methods[0][1] if query.methods else None
    hit = names & BOUNDING
    if "group_by" in hit and grouped_per_row(query, ctx):
        hit.discard("group_by")  # ``group_by(Task)``: one aggregate row per task, as many rows as the table
    if "limit" in hit and all(_no_limit(node, ctx) for method, node in query.methods if method == "limit"):
        hit.discard("limit")  # ``limit = None`` unless the client asks for one: ``.limit(None)`` loads everything
    for method in ("limit", "paginate"):
        if method in hit and all(client_sized(node, ctx) for m, node in query.methods if m == method):
            hit.discard(method)  # ``.limit(int(request.args["n"]))``: as many rows as the client asks for
    if hit:
        return min(hit)
    if _latest_per_group(query, ctx):
        return "join to a grouped subquery"
    for method, node in query.methods:
        if (
            method == "execution_options"
            and isinstance(node, ast.Call)
            and any(kw.arg in _ROW_BUFFER_OPTIONS for kw in node.keywords)
        ):
            return "yield_per"
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by" and any(
            kw.arg in unique_columns(query.model) or _identifying(kw.arg) for kw in node.keywords
        ):
            return "unique filter"
        if method == "filter_by" and any(_SINGLETON().search(kw.arg or "") for kw in node.keywords):
            return "flag that marks one row"
        if method == "filter_by" and any(_names_one(kw.arg, kw.value) for kw in node.keywords):
            return "lookup by name"
        if method in ("filter", "where", "filter_by") and _only_if(node, use, ctx):
            continue  # ``if authors: q = q.filter(Post.author_id.in_(ids))``: without them every row loads
        if method in ("filter", "where", "filter_by", "with_entities", "add_columns", "values", "distinct"):
            # the call's own arguments: a join's ``Sub.id == X.sub_id`` further down the chain selects no one row
            given = [*node.args, *(kw.value for kw in node.keywords)]
            for raw in (n for g in given for n in _asserted(g)):
                arg = as_compare(raw) or raw
                if (
                    isinstance(arg, ast.Call)
                    and isinstance(arg.func, ast.Attribute)
                    and arg.func.attr == "in_"
                    and not _states(arg)
                ):
                    return "in_()"
                if (
                    isinstance(arg, ast.Call)
                    and isinstance(arg.func, ast.Attribute)
                    and arg.func.attr == "is_"
                    and _singleton_flag(arg.func.value)
                ):
                    return "flag that marks one row"
                if (
                    isinstance(arg, ast.Compare)
                    and len(arg.ops) == 1
                    and isinstance(arg.ops[0], (ast.Eq, ast.Is))
                    and _singleton_flag(arg.left)
                ):
                    return "flag that marks one row"
                if _variants_of_one(arg, ctx):
                    return "variants of one name"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], ast.Eq):
                    left, right = arg.left, arg.comparators[0]
                    for column, value in ((left, right), (right, left)):
                        if (
                            isinstance(column, ast.Attribute)
                            and _names_one(column.attr, value)
                            and model_for(column.value, ctx) is not None
                        ):
                            return "lookup by name"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)):
                    for side, other in ((arg.left, arg.comparators[0]), (arg.comparators[0], arg.left)):
                        if isinstance(side, ast.Attribute) and _identifying(side.attr):
                            if model_for(side.value, ctx) is not None:
                                return "unique filter"
                        if isinstance(side, ast.Attribute) and side.attr in unique_columns(
                            model_for(side.value, ctx) or query.model
                        ):
                            # ``alias.id == x`` counts, but not the value side of ``Txn.account_id == acct.id``
                            column_other = isinstance(other, ast.Attribute) and model_for(other.value, ctx) is not None
                            if model_for(side.value, ctx) is not None or (side.attr == "id" and not column_other):
                                return "unique filter"
    added = [
        a for m, n in query.methods if m in ("with_entities", "add_columns") and isinstance(n, ast.Call) for a in n.args
    ]
    if grouped_per_row(query, ctx):
        return None
    for entity in query.entities + added:
        text = dotted(entity.func) if isinstance(entity, ast.Call) else None
        if text and (text.startswith(_AGGREGATE_PREFIXES) or text in ("count", "max", "min", "sum")):
            return "aggregate"
        if text and text.rsplit(".", 1)[-1] == "distinct":
            return "distinct values"  # ``with_entities(distinct(Event.name))``: the few names, not the rows
    return None


def one_record(query: Query, ctx: Context) -> str | None:
    """The column that pins the query's rows to one record and its rare twins, or ``None``.

    An equality every run applies (not one under an ``if`` without ``else``) on a unique or identifying
    column of the rows' own model (``Cert.serial == cert.serial``: the duplicates of one certificate,
    ``filter_by(uuid=u)``), or a name given in hand (``Timeline.name == name``): a loop over such rows runs
    once or twice. A key of a model the query joins (``User.id == uid`` on a query of posts) pins the
    parent, not the rows.
    """
    model = query.model
    if model is None:
        return None
    if query.ways:
        columns = {one_record(way, ctx) for way in variants(query)}
        return None if None in columns else columns.pop()
    use = query.methods[0][1] if query.methods else None
    pins: list[tuple[str | None, ast.expr]] = []
    for method, node in query.methods:
        if method not in ("filter", "where", "filter_by") or not isinstance(node, ast.Call):
            continue
        if id(node) in query.optional or _only_if(node, use, ctx):
            continue  # ``if name is not None: q = q.filter_by(name=name)``: the runs without a name list them all
        if method == "filter_by":
            pins.extend((kw.arg, kw.value) for kw in node.keywords)
            continue
        for term in filter_terms(dataclasses.replace(query, methods=[(method, node)], ways=[]), ctx):
            if not (isinstance(term, ast.Compare) and len(term.ops) == 1 and isinstance(term.ops[0], ast.Eq)):
                continue
            for side, value in ((term.left, term.comparators[0]), (term.comparators[0], term.left)):
                if isinstance(value, ast.Attribute) and model_for(value.value, ctx) is not None:
                    continue  # ``User.id == Post.user_id``: a join condition, one row per post
                if isinstance(side, ast.Attribute) and model_for(side.value, ctx) is model:
                    pins.append((side.attr, value))
    for column, value in pins:
        if column and (column in unique_columns(model) or _identifying(column) or _names_one(column, value)):
            return column
    return None


#: Columns that identify one record even when not declared unique: a certificate's serial, a file's checksum.
_IDENTIFYING_COLUMN = on_first_use(
    r"^(serial|serial_number|uuid|guid|fingerprint|checksum|digest|sha1|sha256|sha512|md5)$", re.IGNORECASE
)


#: Columns that name one record (``Project.name == name``, ``filter_by(email=e)``): the rows with one name are the
#: record and its rare namesakes, even without a unique constraint. ``author_email`` is an owner, not a name.
_NAMING_COLUMN = on_first_use(
    r"^(name|title|slug|email|username|user_name|login|filename|file_name|hostname|fqdn|all_emails)$",
    re.IGNORECASE,
)


def _asserted(condition: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a filter condition that are not negated: ``~X.id.in_(ids)``, ``not_(X.name == n)`` and
    ``X.id.notin_(ids)`` select every row but a few, so what they name bounds nothing."""
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
            continue
        if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in _NEGATING:
            continue
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.NotEq, ast.IsNot)) for op in node.ops):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


#: Calls that negate the condition they are given, or select the rows outside a list.
_NEGATING = frozenset({"not_", "notin_", "not_in", "isnot", "is_not", "__ne__"})


def naming_column(column: str) -> bool:
    """A column that names a record (``name``, ``display_name``, ``title``, ``slug``, ``email``)."""
    return bool(_NAMING_COLUMN().match(column)) or column in ("display_name", "slug", "label")


def _names_one(column: str | None, value: ast.expr) -> bool:
    """``name == name`` on a naming column, or ``index_name == other.index_name``: the namesakes of one record.

    The value must be one the code has in hand (a variable, a call, another record's attribute), not a
    literal: ``filter_by(name="login")`` is more often a kind of row than one record. Any other ``*_name``
    column (``analyzer_name``) may name a kind, so only its twins of one given record count.
    """
    if not column or isinstance(value, (ast.Constant, ast.List, ast.Tuple, ast.Set)):
        return False
    if _NAMING_COLUMN().match(column):
        return True
    return column.endswith("_name") and isinstance(value, ast.Attribute) and value.attr == column


def _variants_of_one(call: ast.AST, ctx: Context) -> bool:
    """``Cert.name.ilike(f"{name}%")``, ``Post.slug.like(slug + "-%")``: the names that extend one given name (its
    numbered copies, when the code picks a free ``name-3``), not a search. The prefix must be a value named after
    the column (``name``, ``serial_name``, ``base_slug``); a search term (``q``) may match anything."""
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("like", "ilike", "startswith")
        and isinstance(call.func.value, ast.Attribute)
        and len(call.args) == 1
        and model_for(call.func.value.value, ctx) is not None
    ):
        return False
    column, pattern = call.func.value.attr, call.args[0]
    if not _NAMING_COLUMN().match(column) and column != "slug":
        return False
    prefix: ast.expr | None = None
    if call.func.attr == "startswith":
        prefix = pattern
    elif isinstance(pattern, ast.JoinedStr) and len(pattern.values) == 2:
        head, tail = pattern.values
        if isinstance(head, ast.FormattedValue) and isinstance(tail, ast.Constant) and str(tail.value).endswith("%"):
            prefix = head.value if "%" not in str(tail.value)[:-1] else None
    elif isinstance(pattern, ast.BinOp) and isinstance(pattern.op, ast.Add) and isinstance(pattern.right, ast.Constant):
        tail_text = str(pattern.right.value)
        prefix = pattern.left if tail_text.endswith("%") and "%" not in tail_text[:-1] else None
    name = prefix.id if isinstance(prefix, ast.Name) else ""
    return bool(name) and (name == column or name.endswith(f"_{column}"))


def _states(in_call: ast.Call) -> bool:
    """``X.state.in_([WorkState.DONE, WorkState.FAILED])``, ``X.status.in_(("open", "pending"))``: a literal list of
    states or kinds written in the code. It picks every row in those states, not the rows of a list of keys."""
    if len(in_call.args) != 1 or not isinstance(in_call.args[0], (ast.List, ast.Tuple, ast.Set)):
        return False
    items = in_call.args[0].elts
    column = (
        in_call.func.value.attr
        if isinstance(in_call.func, ast.Attribute) and isinstance(in_call.func.value, ast.Attribute)
        else ""
    )
    return bool(items) and all(
        (isinstance(item, ast.Constant) and isinstance(item.value, str) and bool(_STATE_COLUMN().search(column)))
        or (
            isinstance(item, ast.Attribute)
            and item.attr.isupper()
            and isinstance(item.value, (ast.Name, ast.Attribute))
        )
        for item in items
    )


#: Columns that hold a state or a kind (``status``, ``state``, ``job_type``): a literal list of values picks a class
#: of rows, not a few records.
_STATE_COLUMN = on_first_use(r"(^|_)(state|status|kind|type|level|stage|phase|category|priority)s?$", re.IGNORECASE)


def _identifying(column: str | None) -> bool:
    return bool(column) and bool(_IDENTIFYING_COLUMN().match(column or ""))


def _latest_per_group(query: Query, ctx: Context) -> bool:
    """``select(Run).join(latest, Run.dag_id == latest.c.dag_id ...)`` where ``latest`` is a subquery grouped by
    a column (``select(Run.dag_id, func.max(Run.date)).group_by(Run.dag_id).subquery()``): an inner join keeps
    the rows matching one aggregate row each, the newest row per group, so as many rows as groups, not rows
    (unless the groups are the rows themselves: :func:`grouped_per_row`)."""
    fn = ctx.function
    if fn is None:
        return False
    for method, node in query.methods:
        if method != "join" or not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        target, on = node.args[0], node.args[1]
        if not isinstance(target, ast.Name):
            continue
        built = next(
            (
                n.value
                for n in ast.walk(fn.node)
                if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == target.id for t in n.targets)
            ),
            None,
        )
        if not (
            isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr == "subquery"
        ):
            continue
        grouped = query_of(built.func.value, ctx)
        if grouped is None or "group_by" not in grouped.names or grouped_per_row(grouped, ctx):
            continue
        keys = {
            key.attr
            for m, call in grouped.methods
            if m == "group_by" and isinstance(call, ast.Call)
            for key in call.args
            if isinstance(key, ast.Attribute)
        }
        joined_on = {
            n.attr
            for n in ast.walk(on)
            if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Attribute)
            and n.value.attr == "c"
            and isinstance(n.value.value, ast.Name)
            and n.value.value.id == target.id
        }
        if keys & joined_on:
            return True
    return False


def grouped_per_row(query: Query, ctx: Context) -> bool:
    """``group_by(Task)`` / ``group_by(Task.id)``: the groups are the rows themselves, so nothing is summed away."""
    for method, node in query.methods:
        if method != "group_by" or not isinstance(node, ast.Call):
            continue
        for key in node.args:
            if model_for(key, ctx) is not None:
                return True
            if isinstance(key, ast.Attribute) and key.attr == "id" and model_for(key.value, ctx) is not None:
                return True
            if isinstance(key, ast.Attribute) and (model := model_for(key.value, ctx)) is not None:
                if creation_stamp(ctx.project, model, key.attr):
                    return True  # ``group_by(PageView.created_at)``: a moment per row, so about a group per row
    return False


def listed_rows(query: Query, ctx: Context) -> bool:
    """A query of columns that lists rows rather than looking values up: one summary row per record
    (:func:`grouped_per_row`), the records' columns next to a subquery's per-row value (``counts.c.n``), or the
    pairs of an association table. A plain ``session.query(X.uuid, X.password)`` is a lookup table the code
    builds, judged by nothing here."""
    if grouped_per_row(query, ctx):
        return True
    return any(
        isinstance(entity, ast.Attribute) and isinstance(entity.value, ast.Attribute) and entity.value.attr == "c"
        for entity in query.entities
    )


def column_model(query: Query, ctx: Context) -> ModelInfo | None:
    """The one model whose columns a query selects (``session.query(Task.id, Task.created_at, func.count(...))``)."""
    owners = set()
    found: ModelInfo | None = None
    links: list[frozenset[str]] = []
    for entity in query.entities:
        if isinstance(entity, ast.Call):
            continue  # ``func.count(Task.id)``: an aggregate next to the columns
        if not isinstance(entity, ast.Attribute):
            return None
        if (
            isinstance(entity.value, ast.Attribute)
            and entity.value.attr == "c"
            and model_for(entity.value, ctx) is None
        ):
            table = (dotted(entity.value.value) or "").rsplit(".", 1)[-1]
            sides = link_tables(ctx.project).get(table)
            if sides is not None:
                links.append(sides)  # ``JobTagAssociation.c.job_id``: a row per linked pair
            continue  # else ``counts.c.assigned``: a subquery's column joined to the rows, one value per row
        model = model_for(entity.value, ctx)
        if model is None:
            return None
        owners.add(model.qualname)
        found = model
    if links:
        # the pairs of an association table with the names of one side (``(job_id, Tag.tag)``): a row per link,
        # as many as the other side's rows times their links
        if found is None or len(owners) != 1 or len(links) != 1 or found.name not in links[0]:
            return None
        other = [name for name in links[0] if name != found.name]
        return ctx.project.models.get(other[0]) if len(other) == 1 else None
    return found if len(owners) == 1 else None


def filters_by_list(query: Query) -> bool:
    """An ``in_()``/``any_()`` filter: one query for a whole list of keys."""
    for _, node in query.methods:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr in ("in_", "any_"):
                return True
    return False


# ------------------------------------------------------------------ queries that run per call
def is_query_execution(call: ast.Call, ctx: Context, *, helpers: bool = False) -> Query | None:
    """``call`` runs a query for a result: ``.first()``, ``.get(x)``, ``session.get(M, x)``, ``execute(select)``.

    With ``helpers`` the query may start at a helper that returns one (see :func:`query_of`).
    """
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    receiver = call.func.value
    if attr in ("get", "get_or_404") and len(call.args) >= 2 and (is_session(receiver, ctx) or is_db(receiver, ctx)):
        model = _entity_model(call.args[0], ctx)  # ``session.get(self.model, pk)`` in a generic repository too
        if model is not None:
            text = f"{ast.unparse(call.func)}(...)"
            return Query("session", text, model, [(attr, call)], [call.args[0]], scalars=True)
    if attr in EXECUTE or attr in SESSION_EXECUTE or attr == BULK_DELETE:
        query = query_of(call, ctx, helpers=helpers)
        if attr == BULK_DELETE and (query is None or query.root == "select" or query.model is None):
            return None  # ``session.delete(obj)`` marks a loaded row; a bulk delete starts at ``M.query``
        if query is not None and (
            query.root != "select" or query.names & (SESSION_EXECUTE | {"first_or_404", "one_or_404"})
        ):
            return query
    return raw_select(call, ctx)


#: What reads the result of ``execute(...)``: ``.scalar()``, ``.fetchall()``, ``.mappings().first()``...
_RESULT_READS = frozenset(
    {
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "scalars",
        "mappings",
        "first",
        "one",
        "one_or_none",
        "all",
        "fetchone",
        "fetchall",
        "fetchmany",
    }
)
#: A SELECT (or a ``WITH ... SELECT``) written as SQL text.
_SELECT_TEXT = on_first_use(r"^\s*\(?\s*(select|with)\b", re.IGNORECASE)


def raw_select(call: ast.Call, ctx: Context) -> Query | None:
    """``db.session.execute(text("SELECT count(*) FROM comment WHERE post_id = :p"), {"p": post.id}).scalar()``:
    a SELECT written as SQL text, run by a SQLAlchemy session (or ``db.engine``/a connection), and what reads
    its result. Root ``"text"``, with no model: the SQL names tables, not mapped classes.
    """
    if not uses_sqlalchemy(ctx.project):
        return None
    methods: list[tuple[str, ast.AST]] = []
    while (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in _RESULT_READS
        and isinstance(call.func.value, ast.Call)
    ):
        methods.append((call.func.attr, call))
        call = call.func.value
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("execute", "exec_driver_sql") and call.args):
        return None
    receiver = call.func.value
    last = (dotted(receiver) or "").rsplit(".", 1)[-1].lower()
    if not (is_session(receiver, ctx) or is_db(receiver, ctx) or last in ("engine", "conn", "connection")):
        return None
    sql = _assigned_once(call.args[0], ctx)  # ``sql = text("SELECT ...")`` above the loop
    while isinstance(sql, ast.Call) and isinstance(sql.func, ast.Attribute) and sql.func.attr in _TEXT_BINDS:
        sql = sql.func.value  # ``text("SELECT ... :p").params(p=post.id)``: the same SELECT, values bound
    if isinstance(sql, ast.Call) and ctx.qualified(sql.func) in _TEXT_FUNCTIONS and sql.args:
        sql = _assigned_once(sql.args[0], ctx)  # ``text(sql)`` after ``sql = """SELECT ..."""``
    text = sql.value if isinstance(sql, ast.Constant) and isinstance(sql.value, str) else sql_template(sql)[0]
    if not (text and _SELECT_TEXT().match(text)):
        return None
    methods.append((call.func.attr, call))
    return Query("text", f"{ast.unparse(call.func)}(...)", None, methods, [call.args[0]], root_node=call)


_TEXT_FUNCTIONS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})
#: Methods of a ``text()`` clause that bind values and return the clause.
_TEXT_BINDS = frozenset({"params", "bindparams"})


def _assigned_once(node: ast.expr, ctx: Context) -> ast.expr:
    """The value a name holds when the function assigns it once (``sql = "SELECT ..."``), else ``node``."""
    if isinstance(node, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(node.id, [])
        if len(values) == 1:
            return values[0]
    return node


# ------------------------------------------------------------------ rows a loop walks
_ONE_ROW_OR_COLUMNS = {
    "with_entities",
    "add_columns",
    "values",
    "first",
    "one",
    "scalar",
    "count",
    "get",
    "one_or_none",
    "paginate",
    "scalar_one",
}


def iterated_query(iterable: ast.expr, ctx: Context, *, helpers: bool = False) -> Query | None:
    """The query whose model instances a loop walks (``q.all()``, ``page.items``, ``scalars()``).

    With ``helpers`` the rows may also come from a project function: one that returns the query
    (``self.get_bills()``, ``Board.visible().all()``) or a list of its rows (see :func:`loop_rows`).
    """
    if isinstance(iterable, ast.Attribute) and iterable.attr == "items":
        query = query_of(iterable.value, ctx, helpers=helpers)
        return query if query is not None and "paginate" in query.names else None
    if isinstance(iterable, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(iterable.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Attribute):
            return iterated_query(values[0], ctx, helpers=helpers)
    query = _page_walked(query_of(iterable, ctx), iterable)
    if query is None and helpers:
        query = loop_rows(iterable, ctx, helpers=True)
    return query if query is not None and walks_instances(query) else None


def _page_walked(query: Query | None, iterable: ast.expr) -> Query | None:
    """``for p in db.paginate(select(Post))``: a Flask-SQLAlchemy 3 page yields its items when iterated.

    The loop walks ``page.items``, the page's rows, and the query reads as such (``items`` its outer step).
    """
    if query is not None and query.outer == "paginate":
        query.methods.insert(0, ("items", iterable))
    return query


def walks_instances(query: Query) -> bool:
    """The query's rows are model instances, several of them (not one row, not columns)."""
    names = query.names - {"paginate"} if query.outer == "items" else query.names  # ``page.items``: the page's rows
    if query.model is None or not query.scalars or names & _ONE_ROW_OR_COLUMNS:
        return False
    # ``db.paginate(select(Post))`` runs the statement as ``session.scalars`` would
    return not (query.root == "select" and not (query.names & (SESSION_EXECUTE | {"paginate"})))


#: How many caller levels :func:`rows_passed_in` climbs: the caller, and a caller that passes on its own parameter.
_PASSED_HOPS = 2


@dataclass(frozen=True, eq=False)
class PassedRows:
    """The rows of a query a caller passes for a parameter (:func:`rows_passed_in`)."""

    query: Query
    ctx: Context  # positioned in the caller that built or fetched the rows
    call: ast.Call  # that caller's call
    value: ast.expr  # the argument it passes
    #: The callers in between that pass their own parameter on unchanged (``build_report(orders)`` ->
    #: ``_line_counts(orders)``), nearest first: each one's context and call.
    through: tuple[tuple[Context, ast.Call], ...] = ()

    def evidence(self, callee: FunctionInfo, what: str) -> list[Evidence]:
        """``report`` passes the rows to ``build_report``, which passes them to ``_line_counts``: one per hop."""
        hops = [(self.ctx, self.call), *reversed(self.through)]
        out = []
        for index, (caller_ctx, call) in enumerate(hops):
            target = hops[index + 1][0].function if index + 1 < len(hops) else callee
            assert caller_ctx.function is not None and target is not None
            out.append(
                Evidence(
                    f"`{caller_ctx.function.display}` passes {what} to `{target.display}`", caller_ctx.location(call)
                )
            )
        return out


def rows_passed_in(iterable: ast.expr, ctx: Context, _hops: int = 1) -> PassedRows | None:
    """A parameter a caller fills with the rows of a query (``forum.delete(users)``, ``users = q.all()``).

    Through the project's call graph (:func:`~flask_doctor.static.facts.flows.callers`): the caller passes the
    rows, or passes on its own parameter unchanged and its caller passes the rows (:data:`_PASSED_HOPS`
    levels: a view handing a query's rows to a report builder that hands them to a helper).
    """
    from flask_doctor.static.facts.flows import callers  # flows reads taint facts, which read these

    fn = ctx.function
    if isinstance(iterable, ast.BoolOp) and isinstance(iterable.op, ast.Or):
        iterable = iterable.values[0]  # ``for tag in tags or []``: what the caller passes, if anything
    if not isinstance(iterable, ast.Name) or fn is None or iterable.id in assignments(ctx.project, fn):
        return None
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if iterable.id not in args:
        return None
    index = args.index(iterable.id)
    if fn.class_name and args[0] in ("self", "cls"):
        index -= 1
    passed_on: list[tuple[Context, ast.Call, ast.Name]] = []
    for call, caller in callers(ctx.project).get(fn.qualname, ()):
        value = next((kw.value for kw in call.keywords if kw.arg == iterable.id), None)
        if (
            value is None
            and 0 <= index < len(call.args)
            and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1])
        ):
            value = call.args[index]
        if value is None:
            continue
        caller_ctx = helper_context(ctx.project, caller)
        rows = loop_rows(value, caller_ctx, helpers=True)
        if rows is not None and rows.model is not None:
            return PassedRows(rows, caller_ctx, call, value)
        if isinstance(value, ast.Name) and _hops < _PASSED_HOPS and caller is not fn:
            passed_on.append((caller_ctx, call, value))
    for caller_ctx, call, value in passed_on:
        # ``build_report(orders)`` passing on its own ``orders`` parameter: what its callers pass
        further = rows_passed_in(value, caller_ctx, _hops + 1)
        if further is not None:
            return dataclasses.replace(further, through=((caller_ctx, call), *further.through))
    return None


def helper_context(project: Project, fn: FunctionInfo) -> Context:
    """A :class:`Context` positioned inside ``fn``, for asking query facts about code the walk is not in."""
    ctx = Context(fn.module, project, lambda f: None)
    ctx.function = fn
    ctx.functions = [fn]
    return ctx


@keyed_fact
def returned_rows(project: Project, fn: FunctionInfo) -> Query | None:
    """The query whose rows ``fn`` returns (``return X.query.filter(...).all()``, a list built from one)."""
    return _returned_rows(project, fn, 0)


#: How many functions that return another's result unchanged :func:`returned_rows` follows.
_RETURN_HOPS = 3


def _returned_rows(project: Project, fn: FunctionInfo, hops: int) -> Query | None:
    """:func:`returned_rows`, through ``return IMPL.host_list()`` and ``return host_get_all_by_queries(queries)``.

    A database API facade returns what its backend returns, and a backend function often returns what another
    one does (``reservable_host_get_all_by_queries`` -> ``host_get_all_by_queries`` -> ``query.all()``): the rows
    are the same rows, at most :data:`_RETURN_HOPS` functions away.
    """
    ctx = helper_context(project, fn)
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        callee = method_called(ctx, value) if isinstance(value, ast.Call) and hops < _RETURN_HOPS else None
        if callee is not None and callee is not fn and query_of(value, ctx) is None:
            found = _returned_rows(project, callee, hops + 1)
            if found is not None:
                return found
        if isinstance(value, ast.Attribute) and value.attr == "items":
            # ``return objects.items``: the page of a paginated query (``objects, _ = cls.list(args)``)
            paged = query_of(value.value, ctx, helpers=True)
            if paged is not None and paged.model is not None and "paginate" in paged.names:
                paged.methods.insert(0, ("items", value))
                return paged
            continue
        # ``return [uuid[0] for uuid in q.values(M.id)]``: one key per row, as many as the rows
        keys = {"values"} if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) else set()
        if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            value = value.generators[0].iter
        elif isinstance(value, ast.Call) and len(value.args) == 1 and query_of(value, ctx) is None:
            value = value.args[0]  # ``serialize_models(persons)``: the rows, converted
        # ``q = apply_filters(q, M, **kwargs)`` before ``return q.all()``: a helper narrowing the query keeps its rows
        query = query_of(value, ctx, helpers=True)
        if (
            query is not None
            and query.model is not None
            and not (query.names & _ONE_ROW_OR_COLUMNS - {"with_entities"} - keys)
        ):
            if query.outer in MATERIALISE or query.root != "select" or query.names & SESSION_EXECUTE:
                return query
    return None


def loop_rows(
    iterable: ast.expr, ctx: Context, depth: int = 0, *, helpers: bool = False, unpack: bool = True
) -> Query | None:
    """The query whose rows a loop walks: a query, a local holding one, ``page.items``, a helper returning one.

    With ``helpers`` the query may also start at a helper that returns a query (see :func:`query_of`).
    """
    while (
        isinstance(iterable, ast.Call)
        and iterable.args
        and dotted(iterable.func)
        in (
            "enumerate",
            "sorted",
            "list",
            "tuple",
            "reversed",
            "iter",
        )
    ):
        iterable = iterable.args[0]
    if _kept_rows(iterable):
        # ``[p for p in posts if p.public]``: some of the same row objects, so the same rows to walk
        assert isinstance(iterable, (ast.ListComp, ast.GeneratorExp))
        return loop_rows(iterable.generators[0].iter, ctx, depth, helpers=helpers, unpack=unpack)
    if isinstance(iterable, ast.Attribute) and iterable.attr == "items":
        query = query_of(iterable.value, ctx, helpers=helpers)
        if query is not None and "paginate" in query.names:
            return query
    if isinstance(iterable, ast.BoolOp) and isinstance(iterable.op, ast.Or):
        # ``users or self.involved_users().all()``: the rows a caller passes, else the query's
        for value in iterable.values:
            found = loop_rows(value, ctx, depth, helpers=helpers, unpack=unpack)
            if found is not None:
                return found
        return None
    query = _page_walked(query_of(iterable, ctx, helpers=helpers), iterable)
    if query is not None:
        if query.model is None:  # ``session.query(Book, Archived.flag)``: rows of books with extra columns
            query.model = next(
                (m for m in (model_for(e, ctx) or _passed_model(e, ctx) for e in query.entities) if m is not None),
                None,
            ) or _columns_of_one_model(query, ctx)
        return query if query.model is not None else None
    if helpers and isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name):
        # ``user.liked_posts``: a property of a loaded row whose getter returns a query's rows
        owner = row_model(iterable.value, ctx)
        getter = model_property(ctx.project, owner, iterable.attr) if owner is not None else None
        if getter is not None and getter is not ctx.function:
            return returned_rows(ctx.project, getter)
    if isinstance(iterable, ast.Name) and ctx.function is not None and depth < 2:
        for value in assignments(ctx.project, ctx.function).get(iterable.id, []):
            found = loop_rows(value, ctx, depth + 1, helpers=helpers, unpack=unpack)
            if found is not None:
                return found
        for value, index in unpacked(ctx.project, ctx.function).get(iterable.id, []) if unpack else ():
            # ``entries, pages = fill_page(...)``: the rows in that place of what the helper returns
            helper = _called_function(value, ctx) if helpers else None
            if helper is not None:
                found = returned_part(ctx.project, (helper, index, 0))
                if found is not None:
                    return found
        return None
    if isinstance(iterable, ast.Call) and ctx.function is not None:
        helper = method_called(ctx, iterable)
        if helper is not None and helper is not ctx.function:
            return returned_rows(ctx.project, helper)
    return None


def _kept_rows(node: ast.expr) -> bool:
    """``[p for p in posts if p.public]``: a comprehension that keeps some items of one list unchanged."""
    if not isinstance(node, (ast.ListComp, ast.GeneratorExp)) or len(node.generators) != 1:
        return False
    generator = node.generators[0]
    return (
        isinstance(generator.target, ast.Name)
        and isinstance(node.elt, ast.Name)
        and node.elt.id == generator.target.id
        and not generator.is_async
    )


def _columns_of_one_model(query: Query, ctx: Context) -> ModelInfo | None:
    """``select(Post.id, Post.author_id)``, ``session.query(Post.author_id)``: plain columns of one mapped class.

    Such a query returns one row per row of that class's table (the filters alike), just as ``select(Post)``
    does, so a loop over it walks as many items. Not when a column is wrapped (``func.count(Post.id)``,
    ``distinct(...)``) or the query groups or de-duplicates its rows: then it returns one row per group.
    """
    if not query.entities or query.names & {"group_by", "distinct"}:
        return None
    found: ModelInfo | None = None
    for entity in query.entities:
        if not isinstance(entity, ast.Attribute):
            return None
        model = model_for(entity.value, ctx)
        if model is None or entity.attr in model.relationships or (found is not None and model is not found):
            return None
        found = model
    return found


#: Query steps that end it with one row: what a local assigned from it holds.
_ONE_ROW = frozenset({"first", "one", "one_or_none", "get", "first_or_404", "one_or_404", "get_or_404", "scalar_one"})


def row_model(name: ast.Name, ctx: Context) -> ModelInfo | None:
    """The model of the one row ``name`` holds: ``self`` in a method of a model, or a local assigned a query's
    single row (``user = User.query.filter_by(...).first()``; every assignment, when it has several, one row
    of the same model: ``post = ...first()`` then, under ``if not post:``, ``post = ...first()`` by alias)."""
    fn = ctx.function
    if fn is None:
        return None
    if name.id == "self":
        return ctx.project.models.get(fn.class_name) if fn.class_name else None
    values = assignments(ctx.project, fn).get(name.id, [])
    if not values or len(values) > 3:
        return None
    found: ModelInfo | None = None
    for value in values:
        query = is_query_execution(value, ctx) if isinstance(value, ast.Call) else None
        if query is None and isinstance(value, ast.Call):
            passed = _row_of_passed_model(value, ctx)
            if passed is not None and (found is None or found is passed):
                found = passed
                continue
        if query is None or query.model is None or not (query.names & _ONE_ROW):
            return None
        if found is not None and found is not query.model:
            return None
        found = query.model
    return found


def _row_of_passed_model(call: ast.Call, ctx: Context) -> ModelInfo | None:
    """``source = get_or_404(Source, uuid)`` where the helper returns one row of the model class it is given
    (``return model.query.filter(column == value).one_or_none()``, directly or through a local): a row of the
    model this call passes."""
    helper = _called_function(call, ctx)
    if helper is None:
        return None
    local = assignments(ctx.project, helper)
    found: ModelInfo | None = None
    for node in ast.walk(helper.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.Name) and len(local.get(value.id, [])) == 1:
            value = local[value.id][0]
        entity = _one_row_of_parameter(value, helper)
        if entity is None:
            return None
        argument = _argument(helper, call, entity)
        model = model_for(argument, ctx) if argument is not None else None
        if model is None or (found is not None and found is not model):
            return None
        found = model
    return found


def _one_row_of_parameter(value: ast.expr, fn: FunctionInfo) -> ast.Name | None:
    """The parameter of ``fn`` whose model class ``value`` reads one row of: ``model.query....first()``,
    ``session.query(model)....one()``, ``session.get(model, pk)`` (the model is unknown inside the helper: each
    caller passes its own)."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    if value.func.attr in ("get", "get_or_404") and len(value.args) == 2:
        first = value.args[0]
        return first if isinstance(first, ast.Name) and first.id in params else None
    if value.func.attr not in _ONE_ROW:
        return None
    node: ast.expr = value.func.value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr != "query":
        node = node.func.value
    if isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.value, ast.Name):
        return node.value if node.value.id in params else None  # ``model.query``
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
        return node.args[0] if node.args[0].id in params else None  # ``session.query(model)``
    return None


def _built_elsewhere(loader: ast.expr) -> bool:
    """``strategy``, ``*loaders``, ``self._loaders``: a loader option whose content the call does not show."""
    return isinstance(loader, (ast.Name, ast.Starred)) or (
        isinstance(loader, ast.Attribute) and isinstance(loader.value, ast.Name) and loader.value.id == "self"
    )


def _passed_model(entity: ast.expr, ctx: Context) -> ModelInfo | None:
    """``session.query(database)`` where ``database`` is a parameter: the model every caller passes."""
    fn = ctx.function
    if not isinstance(entity, ast.Name) or fn is None or entity.id in assignments(ctx.project, fn):
        return None
    return passed_model(ctx.project, (fn, entity.id, 0))


@keyed_fact
def passed_model(project: Project, key: tuple[FunctionInfo, str, int]) -> ModelInfo | None:
    """The one model the callers of ``fn`` pass as parameter ``param`` (``fill_page(db.Books, ...)``), or ``None``.

    A caller that hands on its own parameter is asked in turn (``depth`` counts the callers followed); callers
    that pass different models, or something else, leave the model unknown.
    """
    from flask_doctor.static.facts.flows import callers  # flows reads taint facts, which read these

    fn, param, depth = key
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param not in args:
        return None
    index = args.index(param) - (1 if fn.class_name and args[:1] in (["self"], ["cls"]) else 0)
    found: ModelInfo | None = None
    for call, caller in callers(project).get(fn.qualname, ()):
        value = next((kw.value for kw in call.keywords if kw.arg == param), None)
        if value is None and 0 <= index < len(call.args):
            if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                return None
            value = call.args[index]
        if value is None:
            continue
        caller_ctx = helper_context(project, caller)
        model = model_for(value, caller_ctx)
        if model is None and isinstance(value, ast.Name) and depth < 2 and value.id not in assignments(project, caller):
            model = passed_model(project, (caller, value.id, depth + 1))
        if model is None or (found is not None and found is not model):
            return None
        found = model
    return found


def _called_function(value: ast.expr, ctx: Context) -> FunctionInfo | None:
    """The project function ``value`` calls (not the function asking)."""
    if not isinstance(value, ast.Call) or ctx.function is None:
        return None
    helper = method_called(ctx, value)
    return helper if helper is not ctx.function else None


@keyed_fact
def returned_part(project: Project, key: tuple[FunctionInfo, int, int]) -> Query | None:
    """The query whose rows ``fn`` returns at position ``index`` of a tuple (``return entries, pages``).

    ``return other_helper(...)`` asks that helper in turn, ``depth`` counting the helpers followed.
    """
    fn, index, depth = key
    ctx = helper_context(project, fn)
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.Tuple) and index < len(value.elts):
            found = loop_rows(value.elts[index], ctx, helpers=True, unpack=False)
        else:
            callee = _called_function(value, ctx) if depth < 2 else None
            found = returned_part(project, (callee, index, depth + 1)) if callee is not None else None
        if found is not None:
            return found
    return None


def loads_eagerly(query: Query, attr: str) -> bool:
    """The query's ``.options(...)`` load relationship ``attr`` (or every relationship) with its rows.

    A loader built elsewhere (``options(strategy)``, ``options(*loaders)``) may load anything: it counts
    as loading ``attr`` (nothing says it does not).
    """
    for method, node in query.methods:
        if method != "options" and method not in ("join", "outerjoin"):
            continue
        if method == "options" and isinstance(node, ast.Call) and any(_built_elsewhere(a) for a in node.args):
            return True
        if method == "options" and isinstance(node, ast.Call) and any(_names_loaded(a, attr) for a in node.args):
            return True
    return False


#: Loader options that leave a relationship lazy: ``lazyload`` asks for the per-row load, ``defaultload`` only
#: leads a chain to the next link, the others pick columns or narrow what a later load reads.
_NOT_LOADING = frozenset(
    {
        "lazyload",
        "defaultload",
        "load_only",
        "defer",
        "undefer",
        "undefer_group",
        "Load",
        "with_loader_criteria",
        "with_expression",
    }
)


def _names_loaded(option: ast.expr, attr: str) -> bool:
    """A loader in ``option`` (a chain of them) names ``attr``, or ``*``, and loads it with the rows.

    Each call of the chain is read with its own arguments: in ``defaultload(Post.comments).selectinload(
    Comment.author)`` the comments are only a step on the way, and ``lazyload(Post.author)`` keeps the author
    lazy. A loader the code names otherwise (a project helper) counts as loading what it names.
    """
    for call in ast.walk(option):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else dotted(call.func) or ""
        if name.rsplit(".", 1)[-1] in _NOT_LOADING:
            continue
        text = " ".join(ast.unparse(a) for a in [*call.args, *(k.value for k in call.keywords)])
        if "'*'" in text or f".{attr}" in text or f"'{attr}'" in text or f'"{attr}"' in text:
            return True
    return False


__all__ = [
    "distinct_parents_by_key",
    "BOUNDING",
    "one_record",
    "client_sized",
    "BULK_DELETE",
    "EXECUTE",
    "LAZY_PER_ROW",
    "MATERIALISE",
    "SESSION_EXECUTE",
    "PassedRows",
    "Query",
    "Selection",
    "as_compare",
    "bound_reason",
    "branch_paths",
    "column_model",
    "columns_only",
    "filter_terms",
    "filters_by_list",
    "generic_model",
    "grouped_per_row",
    "helper_arguments",
    "helper_context",
    "in_application_code",
    "is_query_execution",
    "is_select",
    "is_session",
    "iterated_query",
    "loads_eagerly",
    "loop_rows",
    "naming_column",
    "own_or_shared",
    "parent_key",
    "parents_pinned",
    "per_owner",
    "per_parent",
    "query_label",
    "query_of",
    "returned_rows",
    "raw_select",
    "row_model",
    "rows_passed_in",
    "run_context",
    "selection",
    "skipped_on_some_path",
    "unknown_filter",
    "uses_sqlalchemy",
    "variants",
    "walks_instances",
]
