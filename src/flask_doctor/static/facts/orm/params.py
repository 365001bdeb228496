"""Facts about helpers a loop hands its item to: which of their queries run with that item.

``export_row(row)`` costs a query per row when ``export_row`` (or one helper
below it) runs a query built from its parameter. Split from :mod:`.queries`,
which says what a query is; this module follows arguments into helpers.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.classes import method_called
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.loops import dead_branches, flag_values, uses_any
from flask_doctor.static.facts.orm.models import constructor, model_for
from flask_doctor.static.facts.orm.queries import (
    EXECUTE,
    SESSION_EXECUTE,
    Query,
    bound_reason,
    filters_by_list,
    helper_context,
    is_query_execution,
    query_of,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import all_child_nodes, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, ModelInfo, Project
    from flask_doctor.static.rules.base import Context


@dataclass(frozen=True, eq=False)
class ParamQuery:
    """A query in a helper whose arguments come from the helper's parameters."""

    call: ast.Call
    query: Query
    #: Optional parameters (``=None``) tested by the ``if`` around the query: passing them skips it.
    guards: frozenset[str]


@keyed_fact
def param_names(project: Project, fn: FunctionInfo) -> frozenset[str]:
    """``fn``'s parameters and the locals computed from them (what a caller's argument flows into).

    ``*args`` and ``**kwargs`` count, and so do the names a loop over ``kwargs`` binds:
    ``def host_allocation_get_all_by_values(**kwargs)`` filters its query on each ``name, value`` of
    ``kwargs.items()``, so ``compute_host_id=host["id"]`` keys the one query it runs after the loop.
    """
    args = fn.node.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self", "cls"}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return _flowing_from(project, fn, params, {args.kwarg.arg} if args.kwarg is not None else set())


def _flowing_from(
    project: Project, fn: FunctionInfo, names: set[str], spread: set[str] | None = None
) -> frozenset[str]:
    """``names`` and the locals of ``fn`` computed from them, and the targets of loops over ``spread``.

    Only a loop over the keyword arguments binds what flows: a loop over a list parameter that queries per
    element is a per-item query of its own, reported at that loop, not one keyed by the caller's item.
    """
    tainted = set(names)
    if not names:
        return frozenset(tainted)
    values = assignments(project, fn)
    loops = [n for n in walk(fn.node) if isinstance(n, (ast.For, ast.AsyncFor))] if spread else []
    for _ in range(3):  # ``for name, value in kwargs.items(): q = q.filter(col == value)``: a short fixpoint
        before = len(tainted)
        for name, assigned in values.items():
            if name not in tainted and any(uses_any(v, names) for v in assigned):
                tainted.add(name)
        for loop in loops:
            if uses_any(loop.iter, spread or set()):
                tainted |= {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
        names = tainted
        if len(tainted) == before:
            break
    return frozenset(tainted)


@keyed_fact
def item_names_in(project: Project, key: tuple[FunctionInfo, bool]) -> frozenset[str]:
    """What carries the loop's item inside a helper: its parameters, and ``self`` for a method called on the item.

    ``for net in networks: net.size()`` runs ``size`` with ``self`` bound to each row: a query built from
    ``self.id`` there is a query per row, as ``size(net)`` building it from a parameter would be.
    """
    fn, on_item = key
    names = set(param_names(project, fn))
    if on_item:
        names |= _flowing_from(project, fn, {"self"})
    return frozenset(names)


#: Attributes of ``self`` that are the class, not the row (``self.query.count()`` is not keyed by the row).
_CLASS_LEVEL = frozenset({"query", "__class__", "__table__", "__tablename__", "metadata"})


def _keyed_by(node: ast.AST, names: frozenset[str]) -> bool:
    """``node`` reads one of ``names``, other than ``self.query``/``self.__class__`` (the class, not the row)."""
    skip: set[int] = set()
    nodes = walk(node)  # read twice: one list rather than two ``ast.walk`` generators
    for sub in nodes:
        if isinstance(sub, ast.Attribute) and sub.attr in _CLASS_LEVEL and isinstance(sub.value, ast.Name):
            skip.add(id(sub.value))
    return any(
        isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names and id(sub) not in skip
        for sub in nodes
    )


@keyed_fact
def param_queries(project: Project, fn: FunctionInfo) -> list[ParamQuery]:
    """Queries in ``fn`` whose arguments come from its parameters (``def load(uid): User.query.get(uid)``)."""
    return item_queries(project, (fn, False))


@keyed_fact
def item_queries(project: Project, key: tuple[FunctionInfo, bool]) -> list[ParamQuery]:
    """Queries in ``fn`` built from what carries the loop's item (:func:`item_names_in`)."""
    fn, _on_item = key
    found: list[ParamQuery] = []
    tainted = item_names_in(project, key)
    if not tainted:
        return found
    helper_ctx = helper_context(project, fn)
    optional = optional_params(fn)

    def visit(node: ast.AST, guard: frozenset[str]) -> None:
        if isinstance(node, ast.If):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & optional
            visit(node.test, guard)
            for child in node.body + node.orelse:
                visit(child, guard | names)
            return
        if isinstance(node, ast.Call):
            # the query may start at a helper that returns one (``model_query(models.Host, session)``)
            query = is_query_execution(node, helper_ctx, helpers=True)
            if query is not None and _keyed_by(node, tainted) and not filters_by_list(query):
                found.append(ParamQuery(node, query, guard))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.iter, ast.Call):
            # ``for link in Link.query.filter_by(note_id=self.id):``: iterating the query runs it, as ``.all()`` would
            query = _iterated_query(node.iter, helper_ctx)
            if query is not None and _keyed_by(node.iter, tainted) and not filters_by_list(query):
                found.append(ParamQuery(node.iter, query, guard))
        for child in all_child_nodes(node):
            visit(child, guard)

    try:
        for stmt in fn.node.body:
            visit(stmt, frozenset())
    finally:
        visit = None  # type: ignore[assignment]  # it calls itself: a cycle the paused collector would keep
    return found


def _iterated_query(iterable: ast.Call, ctx: Context) -> Query | None:
    """The query a loop runs by iterating it unexecuted (``for r in M.query.filter_by(...)``), or ``None``.

    Not a statement nothing executes (a bare ``select(...)``), nor a chunked ``in_()`` load.
    """
    query = query_of(iterable, ctx)
    if query is None or query.model is None or query.outer in EXECUTE:
        return None
    if query.root == "select" and not (query.names & SESSION_EXECUTE):
        return None
    return None if bound_reason(query, ctx) == "in_()" else query


@dataclass(frozen=True, eq=False)
class ItemQuery:
    """A query a call runs with its argument, directly in the helper or one helper further down."""

    helpers: tuple[FunctionInfo, ...]  # the called helper first, the one holding the query last
    found: ParamQuery


def item_query(
    project: Project,
    scope: FunctionInfo,
    call: ast.Call,
    depth: int = 0,
    items: dict[str, ModelInfo] | None = None,
    callee: FunctionInfo | None = None,
    hops: int = 0,
    given: frozenset[str] | None = None,
) -> ItemQuery | None:
    """The query ``call`` runs with what it is given: ``export_row(row)`` -> ``lookup(row.owner_id)`` -> query.

    ``items`` maps names holding a model row to its model (the loop's item, ``self`` in a method called on
    it): ``net.size()`` reaches ``Network.size`` through the call graph's method lookup, and a query built
    from ``self`` there runs once per row. ``callee`` is the function the call reaches when its name does
    not say it (a template filter ``row|excerpt`` registered under another name). ``given`` names what
    carries the loop's item where ``call`` is made: only a query keyed by the parameters those fill counts
    (``row_for(ticket, board_id)`` whose query reads only ``board_id`` runs the same query for every item).
    """
    helper, on_item = (callee, False) if callee is not None else _callee(project, scope, call, items or {})
    if helper is None or helper is scope:
        return None
    keys = _item_keys(project, helper, call, given, on_item) if given is not None else None
    # ``if relations:`` with ``relations=False`` a caller leaves at its default: what is under it never runs
    dead = dead_branches(project, helper, flag_values(call, helper, scope)) if callee is None else set()
    queries = [
        q
        for q in item_queries(project, (helper, on_item))
        if not passes(call, helper, q.guards) and id(q.call) not in dead and (keys is None or _keyed_by(q.call, keys))
    ]
    if queries:
        return ItemQuery((helper,), queries[0])
    # a facade function that only hands its arguments on (``return IMPL.host_get(host_id)``) is no level of its
    # own: the database API layer behind it is followed as if called directly (at most two such hops)
    hop = forwards(project, helper) and hops < 2
    if depth >= 1 and not hop:
        return None
    tainted = item_names_in(project, (helper, on_item)) if keys is None else keys
    inner_items = {"self": items[_receiver(call) or ""]} if on_item and items else None
    guards = _optional_guards(project, helper)
    for _name, inner in helper.calls:
        if not _keyed_by(inner, tainted):
            continue
        if passes(call, helper, guards.get(id(inner), frozenset())) or id(inner) in dead:
            continue  # ``if priority_map is None: priority_map = load(...)``: the caller passed it
        deeper = item_query(
            project,
            helper,
            inner,
            depth if hop else depth + 1,
            inner_items,
            hops=hops + 1 if hop else hops,
            given=keys,
        )
        if deeper is not None:
            return ItemQuery((helper, *deeper.helpers), deeper.found)
    return None


def _item_keys(
    project: Project, helper: FunctionInfo, call: ast.Call, given: frozenset[str], on_item: bool
) -> frozenset[str] | None:
    """What carries the loop's item inside ``helper`` when ``call`` hands it ``given``: the parameters filled
    from ``given`` and the locals computed from them, and ``self`` when the call is made on the item.

    ``None`` when that cannot be told: an argument spread with ``*``/``**``, or a constructor (whose
    parameters a class decorator may reshape).
    """
    if helper.name in ("__init__", "__new__"):
        return None
    spread = [a.value for a in call.args if isinstance(a, ast.Starred)]
    spread += [kw.value for kw in call.keywords if kw.arg is None]
    if any(uses_any(value, given) for value in spread):
        return None
    filled = set(filled_params(call, helper, given))
    receiver = _receiver(call)
    if on_item or (receiver is not None and receiver in given):
        filled.add("self")
    return _flowing_from(project, helper, filled)


@keyed_fact
def forwards(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` only calls on with its parameters: ``def host_get(host_id): return IMPL.host_get(host_id)``.

    Its body (after a docstring) is one ``return`` or expression of a call whose arguments are all its own
    parameters, or a ``with <session>:`` holding only that: the shape of a database API facade and of the
    session-opening wrapper in front of an ``_host_get(session, host_id)``.
    """
    body = list(fn.node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    while len(body) == 1 and isinstance(body[0], ast.With):
        body = body[0].body
    if len(body) != 1 or not isinstance(body[0], (ast.Return, ast.Expr)):
        return False
    call = body[0].value
    if not isinstance(call, ast.Call) or not isinstance(dotted(call.func), str):
        return False  # ``IMPL.host_get(...)``, ``_host_get(...)``; not ``q.filter_by(...).first()``
    params = param_names(project, fn) | {
        item.optional_vars.id
        for node in ast.walk(fn.node)
        if isinstance(node, ast.With)
        for item in node.items
        if isinstance(item.optional_vars, ast.Name)
    }
    given = [*call.args, *(kw.value for kw in call.keywords)]
    return bool(given) and all(
        isinstance(a.value if isinstance(a, ast.Starred) else a, ast.Name)
        and (a.value if isinstance(a, ast.Starred) else a).id in params
        for a in given
    )


def property_query(project: Project, model: ModelInfo, name: str) -> ItemQuery | None:
    """The query reading ``row.name`` runs when ``name`` is a property of ``model`` built from ``self``.

    ``post.view_user_count`` runs its getter (``@property``, ``hybrid_property``, ``cached_property``) on
    each row: a query there keyed by ``self`` (``PageView.object_id == self.id``), or in a helper or method
    the getter hands ``self`` to, runs once per row, like ``post.count_views()`` would.
    """
    from flask_doctor.static.facts.orm.models import model_property

    getter = model_property(project, model, name)
    if getter is None:
        return None
    queries = item_queries(project, (getter, True))
    if queries:
        return ItemQuery((getter,), queries[0])
    tainted = item_names_in(project, (getter, True))
    for _name, inner in getter.calls:
        if _keyed_by(inner, tainted):
            deeper = item_query(project, getter, inner, 1, {"self": model})
            if deeper is not None:
                return ItemQuery((getter, *deeper.helpers), deeper.found)
    return None


#: Calls that answer one row of the model they start from: ``Kind.query.get(i)``, ``Kind.get_by_id(i)``,
#: ``Kind.query.filter_by(...).first()``, ``db.session.get(Kind, i)``.
_ONE_ROW = frozenset({"get", "get_or_404", "first", "first_or_404", "one", "one_or_none", "get_by_id"})


def property_row_model(project: Project, model: ModelInfo, name: str) -> ModelInfo | None:
    """The model of the one row a property of ``model`` returns (``item.kind`` over ``return
    Kind.query.get(self.kind_id)``), read through a relationship of one object (``comment.post``) too; ``None``
    when the property returns anything else or the attribute is neither. Reading a property of that row runs
    its getter again for every item, whichever row it is."""
    from flask_doctor.static.facts.orm.models import model_property, relations

    getter = model_property(project, model, name)
    if getter is None:
        rel = relations(project, model).get(name)
        if rel is None or not rel.scalar or not rel.target:
            return None
        return project.models.get(rel.target.rsplit(".", 1)[-1])
    found: ModelInfo | None = None
    for node in walk(getter.node):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        if isinstance(node.value, ast.Constant) and node.value.value is None:
            continue
        returned = _one_row_model(project, node.value)
        if returned is None or (found is not None and returned is not found):
            return None
        found = returned
    return found


def _one_row_model(project: Project, value: ast.expr) -> ModelInfo | None:
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _ONE_ROW):
        return None
    if value.func.attr == "get" and dotted(value.func.value) in ("db.session", "session") and value.args:
        name = dotted(value.args[0])  # ``db.session.get(Kind, i)``
    else:
        receiver = value.func.value
        while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
            receiver = receiver.func.value  # ``Kind.query.filter_by(...).first()``
        name = dotted(receiver)
        if name and name.endswith(".query"):
            name = name[: -len(".query")]
    if not name or name in ("self", "cls"):
        return None
    return project.models.get(name.rsplit(".", 1)[-1])


def cached_getter(project: Project, model: ModelInfo, name: str) -> bool:
    """The getter of ``model.name`` keeps what it computed (``cached_property``, ``@cache(...)``,
    ``lru_cache``): an object read twice answers the second time without a query."""
    from flask_doctor.static.facts.orm.models import model_property

    getter = model_property(project, model, name)
    if getter is None:
        return False
    return any(
        "cache" in (dotted(d.func if isinstance(d, ast.Call) else d) or "").lower() for d in getter.node.decorator_list
    )


def _receiver(call: ast.Call) -> str | None:
    """``net`` in ``net.size()``."""
    func = call.func
    return func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None


def _callee(
    project: Project, scope: FunctionInfo, call: ast.Call, items: dict[str, ModelInfo]
) -> tuple[FunctionInfo | None, bool]:
    """The project function ``call`` reaches, and whether it runs as a method of a row in ``items``."""
    receiver = _receiver(call)
    if receiver is not None and receiver in items and isinstance(call.func, ast.Attribute):
        method = project._method(items[receiver].qualname, call.func.attr)
        if method is not None:
            return method, True
    # ``ProductController.get(...)`` / ``ProductService().get(pid)``: the base method, run on that subclass
    ctx = helper_context(project, scope)
    called = method_called(ctx, call)
    if called is None:
        # ``Tag(name=name)``: a model whose constructor the project replaced (or wrote) runs that function
        model = model_for(call.func, ctx)
        if model is not None:
            called = constructor(project, model)
    return called, False


@keyed_fact
def _optional_guards(project: Project, fn: FunctionInfo) -> dict[int, frozenset[str]]:
    """For each call in ``fn`` under ``if <optional param> ...:``, the optional parameters that guard it."""
    optional = optional_params(fn)
    found: dict[int, frozenset[str]] = {}
    if not optional:
        return found

    def visit(node: ast.AST, guard: frozenset[str]) -> None:
        if isinstance(node, ast.If):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & optional
            visit(node.test, guard)
            for child in node.body + node.orelse:
                visit(child, guard | names)
            return
        if isinstance(node, ast.Call) and guard:
            found[id(node)] = guard
        for child in all_child_nodes(node):
            visit(child, guard)

    try:
        for stmt in fn.node.body:
            visit(stmt, frozenset())
    finally:
        visit = None  # type: ignore[assignment]  # it calls itself: a cycle the paused collector would keep
    return found


def optional_params(fn: FunctionInfo) -> set[str]:
    """Parameters defaulting to ``None``: ``realm_names=None`` lets a caller pass prefetched data."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    names = set()
    for arg, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults):
        if isinstance(default, ast.Constant) and default.value is None:
            names.add(arg.arg)
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(kw_default, ast.Constant) and kw_default.value is None:
            names.add(arg.arg)
    return names


def passes(call: ast.Call, fn: FunctionInfo, names: set[str] | frozenset[str]) -> bool:
    """The call gives a value for one of ``names`` (by keyword or position; ``**values`` may give any)."""
    if not names:
        return False
    if any(kw.arg in names or kw.arg is None for kw in call.keywords):
        return True
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    return any(name in names for name in positional[: len(call.args)])


def filled_params(call: ast.Call, fn: FunctionInfo, names: set[str] | frozenset[str]) -> frozenset[str]:
    """The parameters of ``fn`` that ``call`` fills with a value read from ``names`` (by position or keyword).

    ``**kwargs`` counts as filled when a keyword it takes reads ``names``; an argument after ``*args`` stops
    the count (its position is unknown).
    """
    args = fn.node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    filled: set[str] = set()
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            break
        if index < len(positional) and uses_any(arg, names):
            filled.add(positional[index])
        elif index >= len(positional) and args.vararg is not None and uses_any(arg, names):
            filled.add(args.vararg.arg)
    known = set(positional) | {a.arg for a in args.kwonlyargs}
    for kw in call.keywords:
        if kw.arg in known and uses_any(kw.value, names):
            filled.add(kw.arg)
        elif kw.arg is not None and args.kwarg is not None and uses_any(kw.value, names):
            filled.add(args.kwarg.arg)
    return frozenset(filled)


__all__ = [
    "ItemQuery",
    "ParamQuery",
    "item_names_in",
    "item_queries",
    "item_query",
    "filled_params",
    "forwards",
    "optional_params",
    "param_names",
    "param_queries",
    "passes",
    "property_query",
]
