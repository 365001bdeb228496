"""Facts about self-limiting selections: a query whose loop moves each row it walks out of the selection.

A job that selects ``Reminder.sent == False`` and sets ``reminder.sent = True`` on each row, one that walks
the soft-deleted rows (``deleted_at != None``) and deletes each, or one that selects the documents lacking a
badge (``badges__kind__ne="hvd"``) and adds that badge to each, works through a queue or a delta: every run
sees only what arrived since the previous run, never the table. The write must be to the same attribute the
filter reads, on the loop's own row (or, for ``Cve.events.any(Event.review == False)``, on that row's
children), on every pass of the loop; it may sit in a function the loop hands the row to, or a method of the
row's class, one or two calls down. A loop that writes other attributes (``last_seen`` on every row of an
unfiltered query) or only some rows (under an ``if``) does not empty the selection.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.mongo import QUERY_OPERATORS
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.facts.orm.mongo import MongoRead
    from flask_doctor.static.facts.orm.queries import Query
    from flask_doctor.static.model import FunctionInfo, Project


@dataclass(frozen=True)
class Picked:
    """One condition of a filter on a row's attribute.

    ``mode`` is ``eq`` (the rows hold one of ``values``), ``ne`` (the rows hold none of ``values``) or ``any``
    (a relationship's ``any()``/``has()``, an embedded document's field: something the row has or lacks). ``via`` names the relationship when the condition is on the row's children
    (``Cve.events.any(Event.review == False)``: ``review`` via ``events``).
    """

    field: str
    mode: str
    values: tuple[ast.expr, ...] = ()
    via: str | None = None
    text: str = ""
    #: For ``any``: the rows lack what the condition names (``~X.tags.any()``, ``badges__kind__ne="x"``), so adding
    #: it moves them out; else they have it, and taking it away does.
    lacks: bool = False


@dataclass(frozen=True)
class Write:
    """What one pass of a loop does to an attribute of a row: ``set`` it to ``value``, ``mutate`` a collection
    it holds (``append``, ``$push``), or ``delete`` the row."""

    kind: str
    field: str | None
    value: ast.expr | None
    node: ast.AST
    function: FunctionInfo
    #: For ``mutate``: the change adds to the collection (``append``, ``$push``), else it takes away (``None``:
    #: cannot tell, ``update``).
    adds: bool | None = None


_CONSTANT_CALLS = {"true": True, "false": False, "null": None}
_EQ_METHODS = ("is_", "__eq__", "is_not_distinct_from")
_NE_METHODS = ("isnot", "is_not", "__ne__", "is_distinct_from")
_ADDS = frozenset({"append", "add", "extend", "insert", "push", "push_all", "add_to_set", "$push", "$addToSet"})
_COLLECTION_CHANGES = ("append", "add", "extend", "remove", "discard", "clear", "pop", "insert", "update")
_MONGO_UPDATES = ("set", "unset", "push", "push_all", "pull", "pull_all", "add_to_set", "inc", "dec", "pop")


def _value(node: ast.expr) -> ast.expr:
    """``sa.true()`` / ``false()`` / ``null()`` as the constant they stand for."""
    if isinstance(node, ast.Call) and not node.args:
        name = (dotted(node.func) or "").rsplit(".", 1)[-1]
        if name in _CONSTANT_CALLS:
            return ast.Constant(_CONSTANT_CALLS[name])
    return node


def _flip(mode: str) -> str:
    return {"eq": "ne", "ne": "eq"}.get(mode, mode)


def _picks(term: ast.expr, negated: bool = False, via: str | None = None) -> Iterator[Picked]:
    """The attribute conditions of one SQLAlchemy filter term (equality, ``IS NULL``, a boolean column,
    ``in_``, negations, a relationship's ``any()``/``has()``); nothing for ranges or text searches."""
    text = ast.unparse(term)
    if isinstance(term, ast.UnaryOp) and isinstance(term.op, (ast.Not, ast.Invert)):
        yield from _picks(term.operand, not negated, via)
        return
    if isinstance(term, ast.Call) and (dotted(term.func) or "").rsplit(".", 1)[-1] == "not_" and len(term.args) == 1:
        yield from _picks(term.args[0], not negated, via)
        return
    if isinstance(term, ast.Attribute):  # ``filter(Cert.expired)``: a boolean column
        yield Picked(term.attr, "eq", (ast.Constant(not negated),), via, text)
        return
    if isinstance(term, ast.Compare) and len(term.ops) == 1:
        left, op, right = term.left, term.ops[0], term.comparators[0]
        if not isinstance(left, ast.Attribute) and isinstance(right, ast.Attribute):
            left, right = right, left
        if isinstance(left, ast.Attribute) and isinstance(op, (ast.Eq, ast.Is, ast.NotEq, ast.IsNot)):
            mode = "eq" if isinstance(op, (ast.Eq, ast.Is)) else "ne"
            yield Picked(left.attr, _flip(mode) if negated else mode, (_value(right),), via, text)
        return
    if not (isinstance(term, ast.Call) and isinstance(term.func, ast.Attribute)):
        return
    column, method = term.func.value, term.func.attr
    if not isinstance(column, ast.Attribute):
        return
    if method in ("any", "has") and via is None:
        yield Picked(column.attr, "any", (), None, text, lacks=negated)
        if not negated:  # the children the row has: each condition on them
            for arg in term.args:
                yield from _picks(arg, False, column.attr)
        return
    if method in _EQ_METHODS + _NE_METHODS and len(term.args) == 1:
        mode = "eq" if method in _EQ_METHODS else "ne"
        yield Picked(column.attr, _flip(mode) if negated else mode, (_value(term.args[0]),), via, text)
    elif method in ("in_", "notin_", "not_in") and len(term.args) == 1:
        listed = term.args[0]
        values = tuple(_value(e) for e in listed.elts) if isinstance(listed, (ast.List, ast.Tuple, ast.Set)) else ()
        mode = "eq" if method == "in_" else "ne"
        if values:  # not an ``in_`` over values the code does not show: which values leave is unknown
            yield Picked(column.attr, _flip(mode) if negated else mode, values, via, text)


def query_picks(query: Query, ctx: Context) -> list[Picked]:
    """The attribute conditions of a SQLAlchemy query's filter (``filter``/``where`` terms, ``filter_by``)."""
    from flask_doctor.static.facts.orm.queries import filter_terms

    found: list[Picked] = []
    for term in filter_terms(query, ctx):
        found.extend(_picks(term))
    for method, node in query.methods:
        if method == "filter_by" and isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    found.append(Picked(kw.arg, "eq", (_value(kw.value),), None, f"{kw.arg}={ast.unparse(kw.value)}"))
    return found


def read_picks(read: MongoRead) -> list[Picked]:
    """The field conditions of a mongoengine queryset's keywords (``deleted__ne=None``, ``badges__kind="x"``,
    ``tags__nin=[...]``); an embedded document's field counts as the document's own (``badges``), had or lacked.
    Ranges (``handled_at__lte=t``), text searches and other operators do not count."""
    calls = [read.call] if isinstance(read.call, ast.Call) else []
    calls += [node for method, node in read.methods if method in ("filter", "__call__") and isinstance(node, ast.Call)]
    found: list[Picked] = []
    for call in calls:
        for kw in call.keywords:
            if not kw.arg or kw.arg.startswith("__"):
                continue
            parts = kw.arg.split("__")
            op = parts.pop() if len(parts) > 1 and parts[-1] in QUERY_OPERATORS else "exact"
            text = f"{kw.arg}={ast.unparse(kw.value)}"
            listed = tuple(kw.value.elts) if isinstance(kw.value, (ast.List, ast.Tuple, ast.Set)) else None
            if op == "exists" and isinstance(kw.value, ast.Constant):
                op, value = ("eq" if kw.value.value is False else "ne"), (ast.Constant(None),)
            else:
                value = listed if op in ("in", "nin") and listed is not None else (kw.value,)
            if op not in ("exact", "ne", "in", "nin", "eq"):
                continue  # ``size``, ``all``, a text match: no value a write can be compared with
            mode = "ne" if op in ("ne", "nin") else "eq"
            if len(parts) > 1:  # ``badges__kind="x"``: the document has (or lacks) such an embedded document
                found.append(Picked(parts[0], "any", (), None, text, lacks=mode == "ne"))
            else:
                found.append(Picked(parts[0], mode, value, None, text))
    return found


# ------------------------------------------------------------------ what a loop does to its row
def _steps(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes every pass through ``stmts`` runs: not those under an ``if`` (unless both branches do the same),
    a nested loop (it may run zero times), an ``except`` handler or a nested function."""
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            continue  # handled by :func:`_writes` (a write both branches make)
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _steps(stmt.body)
            continue
        if isinstance(stmt, ast.Try):
            yield from _steps(stmt.body)
            yield from _steps(stmt.finalbody)
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield from body_nodes([stmt])


def _ifs(stmts: list[ast.stmt]) -> Iterator[ast.If]:
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            yield stmt
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _ifs(stmt.body)
        elif isinstance(stmt, ast.Try):
            yield from _ifs(stmt.body)


def _is(node: ast.AST, row: str) -> bool:
    return isinstance(node, ast.Name) and node.id == row


def _writes(
    project: Project, fn: FunctionInfo, stmts: list[ast.stmt], row: str, cls: str | None, depth: int
) -> list[Write]:
    """What every pass through ``stmts`` does to the row named ``row`` (of class ``cls``), following the row
    into a function it is handed or a method of its class, down to ``depth`` more calls."""
    found: list[Write] = []
    for node in _steps(stmts):
        found.extend(_node_writes(project, fn, node, row, cls, depth))
    for test in _ifs(stmts):  # ``if ok: r.state = DONE else: r.state = FAILED``: both branches move the row
        if not test.orelse:
            continue
        body = _writes(project, fn, test.body, row, cls, depth)
        other = {(w.kind, w.field) for w in _writes(project, fn, test.orelse, row, cls, depth)}
        found.extend(w for w in body if (w.kind, w.field) in other)
    return found


def _node_writes(
    project: Project, fn: FunctionInfo, node: ast.AST, row: str, cls: str | None, depth: int
) -> Iterator[Write]:
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _is(target.value, row):
                yield Write("set", target.attr, _value(node.value), node, fn)
        return
    if not isinstance(node, ast.Call):
        return
    func = node.func
    given = [*node.args, *(kw.value for kw in node.keywords)]
    if dotted(func) == "setattr" and len(node.args) == 3 and _is(node.args[0], row):
        field = node.args[1]
        if isinstance(field, ast.Constant) and isinstance(field.value, str):
            yield Write("set", field.value, _value(node.args[2]), node, fn)
        return
    if not isinstance(func, ast.Attribute):
        if depth > 0:
            yield from _handed(project, fn, node, row, cls, depth)
        return
    if func.attr == "delete" and (
        (_is(func.value, row) and not node.args)  # ``row.delete()``
        or (len(node.args) == 1 and _is(node.args[0], row) and "session" in (dotted(func.value) or "").lower())
    ):
        yield Write("delete", None, None, node, fn)
        return
    owner = func.value
    if isinstance(owner, ast.Attribute) and _is(owner.value, row) and func.attr in _COLLECTION_CHANGES:
        adds = True if func.attr in _ADDS else None if func.attr == "update" else False
        yield Write("mutate", owner.attr, None, node, fn, adds)  # ``row.tags.append(tag)``
        return
    if _is(owner, row) and func.attr in ("update", "modify", "update_one"):
        yield from _document_update(node, fn)
        return
    if _is(owner, row) and depth > 0 and cls is not None:
        method = _method(project, cls, func.attr)
        if method is not None and method is not fn:
            yield from _writes(project, method, method.node.body, "self", cls, depth - 1)
        return
    if depth > 0 and any(_is(a, row) for a in given):
        yield from _handed(project, fn, node, row, cls, depth)


def _document_update(node: ast.Call, fn: FunctionInfo) -> Iterator[Write]:
    """``doc.update(set__state="done")``, ``doc.update(__raw__={"$push": {"badges": ...}})``."""
    for kw in node.keywords:
        if kw.arg == "__raw__" and isinstance(kw.value, ast.Dict):
            for op, spec in zip(kw.value.keys, kw.value.values):
                if isinstance(op, ast.Constant) and isinstance(spec, ast.Dict):
                    adds = (
                        op.value in _ADDS if op.value in ("$push", "$addToSet", "$pull", "$pullAll", "$pop") else None
                    )
                    for key in spec.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            yield Write("mutate", key.value.split(".")[0], None, node, fn, adds)
            continue
        if not kw.arg:
            continue
        parts = kw.arg.split("__")
        if len(parts) >= 2 and parts[0] in _MONGO_UPDATES:
            if parts[0] == "set" and len(parts) == 2:
                yield Write("set", parts[1], _value(kw.value), node, fn)
            elif parts[0] == "unset" and len(parts) == 2:
                yield Write("set", parts[1], ast.Constant(None), node, fn)
            else:
                adds = parts[0] in _ADDS if parts[0] in ("push", "push_all", "add_to_set", "pull", "pull_all") else None
                yield Write("mutate", parts[1], None, node, fn, adds)
        elif len(parts) == 1:  # ``doc.update(state="done")``: mongoengine reads it as ``set__state``
            yield Write("set", parts[0], _value(kw.value), node, fn)


def _method(project: Project, cls: str, name: str) -> FunctionInfo | None:
    for current in project.lineage(cls):
        info = project.classes.get(current)
        if info is not None and name in info.methods:
            return info.methods[name]
    return None


def _handed(
    project: Project, fn: FunctionInfo, call: ast.Call, row: str, cls: str | None, depth: int
) -> Iterator[Write]:
    """``purge(row)``, ``finish(item=row)``: what the project function handed the row does to it."""
    name = dotted(call.func)
    if name is None:
        return
    callee = project.resolve_function(name, fn, fn.module)
    if callee is None or callee is fn:
        return
    params = [a.arg for a in [*callee.node.args.posonlyargs, *callee.node.args.args]]
    if callee.class_name is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    for index, arg in enumerate(call.args):
        if _is(arg, row) and index < len(params):
            yield from _writes(project, callee, callee.node.body, params[index], cls, depth - 1)
    for kw in call.keywords:
        if kw.arg and _is(kw.value, row):
            yield from _writes(project, callee, callee.node.body, kw.arg, cls, depth - 1)


def _clears(pick: Picked, write: Write) -> bool:
    """Does ``write`` move a row out of the rows ``pick`` keeps?"""
    if write.kind == "delete":
        return True
    if write.field != pick.field:
        return False
    if pick.mode == "any":  # something the row has or lacks: adding it or taking it away
        if write.kind == "mutate":
            return write.adds is not None and write.adds == pick.lacks
        assert write.value is not None
        return _empty(write.value) != pick.lacks
    if write.kind == "mutate":
        return False  # a collection changed in place where the filter compares a value: cannot tell
    value = write.value
    assert value is not None
    same = [ast.dump(value) == ast.dump(v) or _both_empty(value, v) for v in pick.values]
    if pick.mode == "eq":
        return not any(same)
    return any(same)  # ``deleted_at != None`` is left by ``deleted_at = None`` only


def _empty(value: ast.expr) -> bool:
    """``None``, ``[]``, ``False``: a relationship or marker set to nothing."""
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return not value.elts
    return isinstance(value, ast.Constant) and value.value in (None, False, 0, "")


def _both_empty(a: ast.expr, b: ast.expr) -> bool:
    empty = (None, False, 0)
    return isinstance(a, ast.Constant) and isinstance(b, ast.Constant) and a.value in empty and b.value in empty


# ------------------------------------------------------------------ the loops that walk the rows
def _loops(
    project: Project, load: ast.AST, at: ast.AST, fn: FunctionInfo
) -> list[tuple[ast.For | ast.AsyncFor, FunctionInfo]]:
    """The ``for`` loops over the rows ``load`` fetches: ``at`` itself, a loop over the name the rows are kept
    in or over the loading expression, and, when ``fn`` returns the rows, such loops in its callers."""
    if isinstance(at, (ast.For, ast.AsyncFor)):
        return [(at, fn)]
    found = [(loop, fn) for loop in _loops_over(project, fn, load)]
    returned = any(
        isinstance(n, ast.Return) and n.value is not None and _holds(n.value, load) for n in body_nodes(fn.node.body)
    )
    if returned:
        for caller, call in _callers(project, fn):
            found.extend((loop, caller) for loop in _loops_over(project, caller, call))
    return found


@keyed_fact
def _callers(project: Project, fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.Call]]:
    """The calls of ``fn`` in other project functions (once per function: asked only of helpers returning rows)."""
    return [
        (caller, call)
        for caller in project.functions.values()
        if caller is not fn
        for name, call in caller.calls
        if name.rsplit(".", 1)[-1] == fn.name and project.resolve_function(name, caller, caller.module) is fn
    ]


def _holds(expr: ast.AST, load: ast.AST) -> bool:
    return any(sub is load for sub in ast.walk(expr))


def _loops_over(project: Project, fn: FunctionInfo, load: ast.AST) -> list[ast.For | ast.AsyncFor]:
    names = {
        target.id
        for node in body_nodes(fn.node.body)
        if isinstance(node, ast.Assign) and _holds(node.value, load)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    kept = assignments(project, fn)
    names = {n for n in names if len(kept.get(n, [])) == 1}  # the name holds these rows and nothing else
    return [
        node
        for node in body_nodes(fn.node.body)
        if isinstance(node, (ast.For, ast.AsyncFor))
        and ((isinstance(node.iter, ast.Name) and node.iter.id in names) or _holds(node.iter, load))
    ]


def _inner_loops(stmts: list[ast.stmt]) -> Iterator[ast.For | ast.AsyncFor]:
    """The loops every pass through ``stmts`` reaches (not one under an ``if``)."""
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            yield stmt
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _inner_loops(stmt.body)
        elif isinstance(stmt, ast.Try):
            yield from _inner_loops(stmt.body)


def _child_writes(
    project: Project, fn: FunctionInfo, loop: ast.For | ast.AsyncFor, row: str
) -> list[tuple[str, Write]]:
    """Writes to the children of the loop's row: ``for e in events: e.review = True`` where ``events`` comes from
    the row (``cve.events``, ``Event.query.filter_by(cve=cve)``). Pairs of (the inner loop's iterable, write)."""
    kept = assignments(project, fn)
    found: list[tuple[str, Write]] = []
    for inner in _inner_loops(loop.body):
        if not isinstance(inner.target, ast.Name):
            continue
        sources: list[ast.AST] = [inner.iter]
        if isinstance(inner.iter, ast.Name):
            sources += kept.get(inner.iter.id, [])
        if not any(isinstance(n, ast.Name) and n.id == row for s in sources for n in ast.walk(s)):
            continue
        for write in _writes(project, fn, inner.body, inner.target.id, None, 0):
            found.append((ast.unparse(inner.iter), write))
    return found


def _evidence(write: Write, pick: Picked, row: str) -> Evidence:
    what = (
        f"`{ast.unparse(write.node)}` deletes each row"
        if write.kind == "delete"
        else f"`{ast.unparse(write.node)}` changes `{write.field}`"
    )
    where = Location(write.function.module.path, write.node.lineno, write.node.col_offset + 1)  # type: ignore[attr-defined]
    return Evidence(f"{what}, which the filter `{pick.text}` reads: each row `{row}` leaves the selection", where)


@dataclass(frozen=True)
class Drain:
    """How a loop empties its selection: the write that does it, and whether it deletes the rows (a purge)."""

    evidence: Evidence
    purge: bool


def self_limiting(
    project: Project, fn: FunctionInfo, picks: list[Picked], load: ast.AST, at: ast.AST, cls: str | None
) -> Drain | None:
    """A loop over the rows ``load`` fetches moves each one out of the selection ``picks`` describe.

    The write that does it (a change of what the filter reads is preferred to a deletion: ``purge`` only when
    the loop empties the selection by deleting the rows), or ``None`` when no loop over the rows writes what the
    filter reads on every pass. ``cls`` is the class of the rows (to follow ``row.add_badge(...)`` into its
    method).
    """
    own = [p for p in picks if p.via is None]
    children = [p for p in picks if p.via is not None]
    if not picks:
        return None
    purge: Drain | None = None
    for loop, where in _loops(project, load, at, fn):
        if not isinstance(loop.target, ast.Name):
            continue
        row = loop.target.id
        for write in _writes(project, where, loop.body, row, cls, 2):
            for pick in own:
                if write.kind == "delete" and purge is None:
                    purge = Drain(_evidence(write, pick, row), purge=True)
                elif write.kind != "delete" and _clears(pick, write):
                    return Drain(_evidence(write, pick, row), purge=False)
        for _source, write in _child_writes(project, where, loop, row):
            for pick in children:
                if write.kind != "delete" and _clears(pick, write):
                    return Drain(_evidence(write, pick, row), purge=False)
    return purge


def latest_value(fn: FunctionInfo, iterable: ast.expr, at: ast.AST) -> ast.expr | None:
    """What a loop's name holds when the loop starts: the last ``name = value`` of ``fn``'s body before ``at``.

    ``rows = Doc.objects(a=1)``, a loop, ``rows = Doc.objects(b=2)``, a second loop: the second loop walks the
    second read. ``None`` when ``iterable`` is no name or no such statement precedes the loop in the same body.
    """
    if not isinstance(iterable, ast.Name):
        return None
    bodies = [fn.node.body, *(n.body for n in body_nodes(fn.node.body) if isinstance(getattr(n, "body", None), list))]
    for body in bodies:
        if not any(stmt is at for stmt in body):
            continue
        value = None
        for stmt in body:
            if stmt is at:
                return value
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == iterable.id for t in stmt.targets
            ):
                value = stmt.value
    return None


__all__ = ["Drain", "Picked", "Write", "latest_value", "query_picks", "read_picks", "self_limiting"]
