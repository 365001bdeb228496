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
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_doctor.static.context import Context
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.orm.assignments import assignments, unpacked
from flask_doctor.static.facts.orm.models import (
    OWNER_KEY,
    is_db,
    model_for,
    parent_columns,
    unique_columns,
    uses_sqlalchemy,
)
from flask_doctor.static.model import CLI, JOB, REQUEST
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, ModelInfo, Project

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
#: Relationship loading strategies that run one query per row read.
LAZY_PER_ROW = {"select", "dynamic"}


@dataclass
class Query:
    """What :func:`query_of` learnt about a query expression."""

    root: str  # "model" | "session" | "select"
    text: str  # the root as written: "User.query", "db.session.query(User)", "select(User)"
    model: ModelInfo | None
    methods: list[tuple[str, ast.AST]] = field(default_factory=list)  # outermost first
    entities: list[ast.expr] = field(default_factory=list)
    scalars: bool = False  # rows are model instances (Query, .scalars())
    #: The root expression (``User.query``, ``db.session.query(User)``, ``select(User)``) when the query
    #: is built in one place: where ``--fix`` adds ``.options(...)``. ``None`` when several assignments build it.
    root_node: ast.AST | None = None

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
) -> Query | None:
    """Walk ``expr``'s method chain down to a query root, or ``None`` if it is no query.

    With ``helpers`` the root may also be a call to a project function that
    returns a query (``Sketch.all_with_acl().filter(...)``), one level deep.
    """
    methods: list[tuple[str, ast.AST]] = []
    node = expr
    scalars = False
    while True:
        if helpers and isinstance(node, ast.Call) and ctx.function is not None:
            returned = _returned_query(ctx, node)
            if returned is not None:
                returned.methods = methods + returned.methods
                returned.scalars = returned.scalars or scalars
                return returned
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = node.func.value
            if attr == "query" and is_session(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                text = f"{ast.unparse(node.func)}(...)"
                return Query(
                    "session", text, model, methods, list(node.args), scalars=model is not None, root_node=node
                )
            if attr in _RUN_STATEMENT and node.args:
                inner = query_of(node.args[0], ctx, _seen, helpers=helpers)
                if inner is not None and inner.root == "select" and (is_session(receiver, ctx) or is_db(receiver, ctx)):
                    methods.append((attr, node))
                    scalars = scalars or attr in _SCALAR_RUNS
                    inner.methods = methods + inner.methods
                    inner.scalars = scalars and inner.model is not None
                    return inner
            if attr == "scalars":
                scalars = True
            if attr == "select" and is_db(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("select", "db.select(...)", model, methods, list(node.args), root_node=node)
            methods.append((attr, node))
            node = receiver
            continue
        if isinstance(node, ast.Call) and is_select(node, ctx):
            model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
            return Query("select", f"{dotted(node.func)}(...)", model, methods, list(node.args), root_node=node)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            methods.append(("__slice__", node))
            node = node.value
            continue
        if isinstance(node, ast.Attribute) and node.attr == "query":
            model = model_for(node.value, ctx)
            if model is None:
                return None
            return Query("model", f"{ast.unparse(node)}", model, methods, [node.value], scalars=True, root_node=node)
        if isinstance(node, ast.Name) and ctx.function is not None and node.id not in _seen:
            values = assignments(ctx.project, ctx.function).get(node.id, [])
            found: Query | None = None
            extra: list[tuple[str, ast.AST]] = []
            for value in values:
                refined = _refines(value, node.id)
                if refined is not None:
                    extra.extend(refined)  # ``q = q.filter(...)``: the same query, narrowed
                    continue
                sub = query_of(value, ctx, _seen | {node.id}, helpers=helpers)
                if sub is None:
                    if not (isinstance(value, ast.Constant) and value.value is None):
                        return None  # sometimes something else: do not guess
                    continue
                if found is None:
                    found = sub
                else:
                    extra.extend(sub.methods)
                    found.root_node = None  # built in two places: no one place to add options to
            if found is None:
                return None
            found.methods = methods + found.methods + extra
            found.scalars = found.scalars or scalars
            return found
        return None


def _returned_query(ctx: Context, call: ast.Call) -> Query | None:
    """The query a project function returns (every ``return`` the same query), for ``helper().filter(...)``."""
    assert ctx.function is not None
    name = dotted(call.func)
    fn = ctx.project.resolve_function(name, ctx.function, ctx.module) if name else None
    model: ModelInfo | None = None
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        model = model_for(call.func.value, ctx)  # ``Sketch.all_with_acl()``: a query classmethod
        if fn is None and model is not None:
            fn = ctx.project._method(model.qualname, call.func.attr)
    if fn is None or fn is ctx.function:
        return None
    inner = helper_context(ctx.project, fn)
    found: Query | None = None
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Return) and node.value is not None:
            query = query_of(node.value, inner) or (_own_query(node.value, model) if model is not None else None)
            if query is None:
                return None
            found = found or query
    return found


def _own_query(expr: ast.expr, model: ModelInfo) -> Query | None:
    """``cls.query.filter(...)`` in a mixin's classmethod, called on ``model``: a query on that model."""
    methods: list[tuple[str, ast.AST]] = []
    node: ast.AST = expr
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        methods.append((node.func.attr, node))
        node = node.func.value
    if isinstance(node, ast.Attribute) and node.attr == "query" and dotted(node.value) in ("cls", "self"):
        return Query("model", f"{model.name}.query", model, methods, [node.value], scalars=True)
    return None


def _refines(value: ast.expr, name: str) -> list[tuple[str, ast.AST]] | None:
    """The methods of ``name = name.filter(...).join(...)`` (``None`` when the chain does not start at ``name``)."""
    methods: list[tuple[str, ast.AST]] = []
    node: ast.AST = value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        methods.append((node.func.attr, node))
        node = node.func.value
    return methods if methods and isinstance(node, ast.Name) and node.id == name else None


def query_label(query: Query, call: ast.AST) -> str:
    """The query as the finding quotes it, shortened when it is long."""
    text = ast.unparse(call)
    if len(text) > 90:
        text = f"{query.text}...{query.outer}()" if query.outer else query.text
    return f"`{text}`"


# ------------------------------------------------------------------ what bounds a query
_FILTERS = ("filter", "where", "filter_by", "having")
_BOOL_CALLS = {"or_": "or", "and_": "and"}


def filter_terms(query: Query, ctx: Context) -> list[ast.expr]:
    """The conditions of the query's ``filter``/``where`` calls, ``and_`` and local names seen through."""
    terms: list[ast.expr] = []

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
        terms.append(expr)

    for method, node in query.methods:
        if method in ("filter", "where") and isinstance(node, ast.Call):
            for arg in node.args:
                add(arg)
    return terms


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
    (``cond = visible_filter(category)``; ``filter(cond)``).
    """
    for method, node in query.methods:
        if method in _FILTERS and isinstance(node, ast.Call):
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


def _owner_keyword(name: str | None, parents: set[str]) -> bool:
    return bool(name) and (name in parents or name.endswith("_id") or bool(OWNER_KEY.search(name or "")))


def _per_parent_term(term: ast.expr, ctx: Context, parents: set[str]) -> str | None:
    """The parent key of one condition that keeps one parent's rows (``post_id == x``, ``rel.contains(obj)``...)."""
    if isinstance(term, ast.BoolOp) or _bool_call(term):
        values = term.values if isinstance(term, ast.BoolOp) else term.args  # type: ignore[attr-defined]
        either = isinstance(term, ast.BoolOp) and isinstance(term.op, ast.Or) or _bool_call(term) == "or"
        found = [_per_parent_term(v, ctx, parents) for v in values]
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
        for side in (term.left, term.comparators[0]):
            if isinstance(side, ast.Attribute) and (side.attr in parents or side.attr.endswith("_id")):
                model = model_for(side.value, ctx)
                if model is not None and (side.attr in parent_columns(ctx.project, model) or side.attr.endswith("_id")):
                    return side.attr
    return None


def _flag_test(compare: ast.Compare) -> bool:
    """``Event.review == False``, ``X.deleted_at == None``: a state every row may have, not one record's key."""
    return any(
        isinstance(side, ast.Constant) and (side.value is None or isinstance(side.value, bool))
        for side in (compare.left, *compare.comparators)
    )


def parent_key(query: Query, ctx: Context) -> str | None:
    """The foreign key, relationship or owner column an equality filter pins: the rows of one parent."""
    parents = parent_columns(ctx.project, query.model)
    for method, node in query.methods:
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by":
            key = next((kw.arg for kw in node.keywords if kw.arg in parents or (kw.arg or "").endswith("_id")), None)
            if key:
                return key
        if method == "with_parent":
            return "with_parent"
    return next((k for k in (_per_parent_term(t, ctx, parents) for t in filter_terms(query, ctx)) if k), None)


def per_parent(query: Query, ctx: Context) -> bool:
    """An equality filter on a foreign key: the rows of one parent (like reading ``post.comments``)."""
    return parent_key(query, ctx) is not None


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
        owned = [v for v in values if _per_parent_term(v, ctx, parents)]
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
_NOW = re.compile(r"(^|[._])(now|utcnow|now_utc|utc_now|today|time_diff|timedelta|time)\(|timedelta")


def _is_now(expr: ast.expr, ctx: Context, depth: int = 0) -> bool:
    """``now_utc()``, ``datetime.now() - timedelta(days=1)``, a local holding one."""
    if isinstance(expr, ast.Name) and ctx.function is not None and depth < 2:
        return any(_is_now(v, ctx, depth + 1) for v in assignments(ctx.project, ctx.function).get(expr.id, []))
    return bool(_NOW.search(ast.unparse(expr)))


@dataclass(frozen=True)
class Selection:
    """What a query's filter selects by: states, flags and deadlines (a queue), or a recent time window."""

    #: ``(column, kind, selected value)``: kind ``flag`` (``~X.is_sent``, ``X.zapped == None``),
    #: ``state`` (``X.state == Done``), ``due`` (``X.when <= now``)
    columns: tuple[tuple[str, str, ast.expr | None], ...]
    #: String literals compared in the filter (a setting name a job resets).
    keys: frozenset[str]
    #: A column compared as newer than a moment relative to now (``lastseen >= now - 5 min``).
    recent: str | None
    #: A column kept between two moments (``X.start.between(a, b)``, ``X.starts_between(a, b)``).
    window: str | None = None


def selection(query: Query, ctx: Context) -> Selection:
    """How the query's filter picks rows (see :class:`Selection`)."""
    columns: list[tuple[str, str, ast.expr | None]] = []
    keys: set[str] = set()
    recent: str | None = None
    window: str | None = None
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
            window = ast.unparse(term.func)  # a time window: its rows are the ones a calendar page shows
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


_SINGLETON = re.compile(r"(^|_)(default|primary|current|main|system_dark|active_version)($|_)")
_ROW_BUFFER_OPTIONS = ("yield_per", "max_row_buffer", "stream_results")
_AGGREGATE_PREFIXES = ("func.", "sa.func.", "sqlalchemy.func.", "db.func.")


def _singleton_flag(node: ast.AST) -> bool:
    """``Theme.is_system_default``: a boolean that marks one row by design."""
    return isinstance(node, ast.Attribute) and bool(_SINGLETON.search(node.attr))


def bound_reason(query: Query, ctx: Context) -> str | None:
    """Why ``query`` fetches a bounded number of rows, or ``None`` if nothing bounds it."""
    names = query.names
    hit = names & BOUNDING
    if "group_by" in hit and grouped_per_row(query, ctx):
        hit.discard("group_by")  # ``group_by(Task)``: one aggregate row per task, as many rows as the table
    if hit:
        return min(hit)
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
        if method == "filter_by" and any(_SINGLETON.search(kw.arg or "") for kw in node.keywords):
            return "flag that marks one row"
        if method in ("filter", "where", "filter_by", "with_entities", "add_columns", "values", "distinct"):
            for arg in ast.walk(node):
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "in_":
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
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)):
                    for side in (arg.left, arg.comparators[0]):
                        if isinstance(side, ast.Attribute) and _identifying(side.attr):
                            if model_for(side.value, ctx) is not None:
                                return "unique filter"
                        if isinstance(side, ast.Attribute) and side.attr in unique_columns(
                            model_for(side.value, ctx) or query.model
                        ):
                            if model_for(side.value, ctx) is not None or side.attr in ("id",):
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


#: Columns that identify one record even when not declared unique: a certificate's serial, a file's checksum.
_IDENTIFYING_COLUMN = re.compile(
    r"^(serial|serial_number|uuid|guid|fingerprint|checksum|digest|sha1|sha256|sha512|md5)$", re.IGNORECASE
)


def _identifying(column: str | None) -> bool:
    return bool(column) and bool(_IDENTIFYING_COLUMN.match(column or ""))


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
    return False


def column_model(query: Query, ctx: Context) -> ModelInfo | None:
    """The one model whose columns a query selects (``session.query(Task.id, Task.created_at, func.count(...))``)."""
    owners = set()
    found: ModelInfo | None = None
    for entity in query.entities:
        if isinstance(entity, ast.Call):
            continue  # ``func.count(Task.id)``: an aggregate next to the columns
        if not isinstance(entity, ast.Attribute):
            return None
        model = model_for(entity.value, ctx)
        if model is None:
            return None
        owners.add(model.qualname)
        found = model
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
        model = model_for(call.args[0], ctx)
        if model is not None:
            text = f"{ast.unparse(call.func)}(...)"
            return Query("session", text, model, [(attr, call)], [call.args[0]], scalars=True)
    if attr in EXECUTE or attr in SESSION_EXECUTE:
        query = query_of(call, ctx, helpers=helpers)
        if query is not None and (
            query.root != "select" or query.names & (SESSION_EXECUTE | {"first_or_404", "one_or_404"})
        ):
            return query
    return None


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
    query = query_of(iterable, ctx)
    if query is None and helpers:
        query = loop_rows(iterable, ctx, helpers=True)
    return query if query is not None and walks_instances(query) else None


def walks_instances(query: Query) -> bool:
    """The query's rows are model instances, several of them (not one row, not columns)."""
    if query.model is None or not query.scalars or query.names & _ONE_ROW_OR_COLUMNS:
        return False
    return not (query.root == "select" and not (query.names & SESSION_EXECUTE))


def rows_passed_in(iterable: ast.expr, ctx: Context) -> tuple[Query, Context, ast.Call, ast.expr] | None:
    """A parameter a caller fills with the rows of a query (``forum.delete(users)``, ``users = q.all()``).

    Returns the query, a context in the caller, the call and the argument; one caller level, through the
    project's call graph (:func:`~flask_doctor.static.facts.flows.callers`).
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
            return rows, caller_ctx, call, value
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
    ctx = helper_context(project, fn)
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            value = value.generators[0].iter
        elif isinstance(value, ast.Call) and len(value.args) == 1 and query_of(value, ctx) is None:
            value = value.args[0]  # ``serialize_models(persons)``: the rows, converted
        query = query_of(value, ctx)
        if (
            query is not None
            and query.model is not None
            and not (query.names & _ONE_ROW_OR_COLUMNS - {"with_entities"})
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
    query = query_of(iterable, ctx, helpers=helpers)
    if query is not None:
        if query.model is None:  # ``session.query(Book, Archived.flag)``: rows of books with extra columns
            query.model = next(
                (m for m in (model_for(e, ctx) or _passed_model(e, ctx) for e in query.entities) if m is not None),
                None,
            )
        return query if query.model is not None else None
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
        name = dotted(iterable.func)
        helper = ctx.project.resolve_function(name, ctx.function, ctx.module) if name else None
        if helper is not None and helper is not ctx.function:
            return returned_rows(ctx.project, helper)
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
    name = dotted(value.func)
    helper = ctx.project.resolve_function(name, ctx.function, ctx.module) if name else None
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
        text = ast.unparse(node)
        if method == "options" and ("'*'" in text or f".{attr}" in text or f"'{attr}'" in text or f'"{attr}"' in text):
            return True
    return False


__all__ = [
    "BOUNDING",
    "EXECUTE",
    "LAZY_PER_ROW",
    "MATERIALISE",
    "SESSION_EXECUTE",
    "Query",
    "Selection",
    "bound_reason",
    "column_model",
    "columns_only",
    "filter_terms",
    "filters_by_list",
    "grouped_per_row",
    "helper_context",
    "in_application_code",
    "is_query_execution",
    "is_select",
    "is_session",
    "iterated_query",
    "loads_eagerly",
    "loop_rows",
    "own_or_shared",
    "parent_key",
    "per_owner",
    "per_parent",
    "query_label",
    "query_of",
    "returned_rows",
    "rows_passed_in",
    "run_context",
    "selection",
    "unknown_filter",
    "uses_sqlalchemy",
    "walks_instances",
]
