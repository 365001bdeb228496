"""A page size the client chooses: ``.limit(n)`` / ``.paginate(per_page=n)`` with ``n`` read from the request, uncapped.

``.limit(n)`` and ``.paginate()`` bound a query only when ``n`` is bounded.
When ``n`` comes straight from the request (``request.args.get("per_page",
type=int)``, ``int(request.json["limit"])``), read in the function or passed
in by a caller one level up (``filter_composes(request)`` reading
``flask_request.args``), any client can ask for ``?per_page=100000000`` and
get the whole table in one response. Flask-SQLAlchemy's ``paginate()``
without ``per_page`` reads ``?per_page`` itself, and does not cap it either
unless given ``max_per_page`` (its docstring says "Defaults to 100", but
``Query.paginate`` and ``db.paginate`` pass ``max_per_page=None`` on,
which means no limit, in 2.x and 3.1 alike).

A size is capped, and not reported, when the code says so: ``min(n, MAX)``
anywhere on the value's way, a comparison of the value with an upper bound
(``if per_page > 100: abort(400)``, ``n in (10, 25, 50)``), or
``max_per_page=`` given a value. A value from anything else (a schema's
``load()``, a ``reqparse`` parser, a helper) is not followed: its validation
is out of sight, so nothing is said.

Which names are the request is :class:`~flask_doctor.static.facts.taint.Taint`'s
answer (``is_request``); callers come from :func:`~flask_doctor.static.facts.flows.callers`.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts.flows import callers
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.models import is_db
from flask_doctor.static.facts.taint import taint
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

#: ``request.<attr>`` holding what the client sent as arguments, form fields or JSON.
_CARRIERS = frozenset({"args", "form", "values", "json"})
#: Casts a page size passes through unchanged in size.
_CASTS = frozenset({"int", "float", "abs"})
#: Calls that read one field of a carrier.
_READS = frozenset({"get", "pop"})


@dataclass(frozen=True, eq=False)
class ClientSize:
    """A page size the client chooses: ``source`` for the message, ``evidence`` pointing at the read."""

    source: str
    evidence: tuple[Evidence, ...]


def _params(fn: FunctionInfo) -> list[str]:
    args = fn.node.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def _argument(fn: FunctionInfo, call: ast.Call, param: str) -> ast.expr | None:
    """The value ``call`` passes as ``fn``'s parameter ``param``."""
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param not in positional:
        return None
    index = positional.index(param)
    if fn.class_name and positional and positional[0] in ("self", "cls"):
        index -= 1
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _capped_name(fn: FunctionInfo, name: str) -> bool:
    """The function holds ``name`` to an upper bound: compares it with one, or an allow-list."""
    for node in walk(fn.node):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            left, right = sides[i], sides[i + 1]
            for mine, other, above in ((left, right, (ast.Gt, ast.GtE)), (right, left, (ast.Lt, ast.LtE))):
                if not (isinstance(mine, ast.Name) and mine.id == name):
                    continue
                if isinstance(op, (ast.In, ast.NotIn)) and mine is left:
                    return True  # ``per_page in (10, 25, 50)``
                small = isinstance(other, ast.Constant) and isinstance(other.value, int) and other.value <= 1
                if isinstance(op, above) and not small:
                    return True  # ``per_page > MAX`` (not the lower bound ``per_page < 1``)
    return False


def _mins(expr: ast.AST) -> bool:
    """``min(n, 100)`` somewhere in ``expr``: the size is capped on its way."""
    return any(isinstance(n, ast.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] == "min" for n in walk(expr))


def _carrier(node: ast.expr, fn: FunctionInfo, project: Project, depth: int, seen: frozenset[str]) -> list[Evidence]:
    """``node`` is ``request.args`` (or ``.form``, ``.json``, ``request.get_json()``), also through a parameter a
    caller fills with the request object (``filter_composes(request)``): the evidence, or ``[]``."""
    checker = taint(project, fn)
    here = Location(fn.module.path, getattr(node, "lineno", fn.node.lineno), getattr(node, "col_offset", 0) + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_json":
        node = ast.Attribute(value=node.func.value, attr="json", ctx=ast.Load())
    if isinstance(node, ast.Attribute) and node.attr in _CARRIERS:
        if checker.is_request(node.value):
            return [Evidence(f"`{ast.unparse(node)}` is what the client sent", here)]
        request = node.value
        if isinstance(request, ast.Name) and request.id in _params(fn) and depth == 0:
            for call, caller in callers(project).get(fn.qualname, ()):
                value = _argument(fn, call, request.id)
                if value is not None and taint(project, caller).is_request(value):
                    return [
                        Evidence(f"`{caller.display}` passes the request as `{request.id}`", _at(caller, call)),
                    ]
        return []
    if isinstance(node, ast.Name) and node.id not in seen:
        values = assignments(project, fn).get(node.id, [])
        if len(values) == 1:
            return _carrier(values[0], fn, project, depth, seen | {node.id})
    return []


def _at(fn: FunctionInfo, node: ast.AST) -> Location:
    return Location(fn.module.path, getattr(node, "lineno", fn.node.lineno), getattr(node, "col_offset", 0) + 1)


def client_value(
    expr: ast.expr, fn: FunctionInfo, project: Project, depth: int = 0, seen: frozenset[str] = frozenset()
) -> ClientSize | None:
    """``expr`` holds a number the client sent, read as it came (``int(request.args.get("n", 20))``) with no cap
    on its way; ``None`` when it is capped, checked, or comes from anything this cannot see through."""
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
        return next((found for v in expr.values if (found := client_value(v, fn, project, depth, seen))), None)
    if isinstance(expr, ast.IfExp):
        return client_value(expr.body, fn, project, depth, seen) or client_value(expr.orelse, fn, project, depth, seen)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in _CASTS and expr.args:
        return client_value(expr.args[0], fn, project, depth, seen)
    read: ast.expr | None = None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _READS and expr.args:
        read = expr.func.value
    elif isinstance(expr, ast.Subscript) and not isinstance(expr.slice, ast.Slice):
        read = expr.value
    if read is not None:
        evidence = _carrier(read, fn, project, depth, seen)
        if not evidence:
            return None
        text = ast.unparse(expr)
        return ClientSize(f"`{text if len(text) <= 60 else text[:57] + '...'}`", tuple(evidence))
    if not isinstance(expr, ast.Name) or expr.id in seen:
        return None
    name = expr.id
    if _capped_name(fn, name):
        return None
    values = assignments(project, fn).get(name, [])
    if not values:
        if name not in _params(fn) or depth > 0:
            return None
        for call, caller in callers(project).get(fn.qualname, ()):
            value = _argument(fn, call, name)
            if value is None or _mins(value):
                continue
            found = client_value(value, caller, project, depth + 1)
            if found is not None:
                hop = Evidence(f"`{caller.display}` passes it as `{name}`", _at(caller, call))
                return ClientSize(found.source, (*found.evidence, hop))
        return None
    if any(_mins(v) for v in values):
        return None
    return next(
        (found for v in values if (found := client_value(v, fn, project, depth, seen | {name})) is not None), None
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def client_page_size(call: ast.AST, ctx: Context) -> ClientSize | None:
    """The page size of ``.limit(n)`` / ``.paginate(...)`` / ``db.paginate(...)`` is the client's, uncapped."""
    fn = ctx.function
    if fn is None or not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    project = ctx.project
    attr = call.func.attr
    if attr == "limit":
        size = call.args[0] if len(call.args) == 1 else _keyword(call, "limit")
        return None if size is None else client_value(size, fn, project)
    if attr != "paginate":
        return None
    on_db = is_db(call.func.value, ctx)
    # Flask-SQLAlchemy 2.x: ``query.paginate(page, per_page, error_out, max_per_page)``; 3.x keywords only
    shift = 1 if on_db else 0
    positional = call.args[shift:]
    cap = _keyword(call, "max_per_page") or (positional[3] if len(positional) > 3 else None)
    if cap is not None and not (isinstance(cap, ast.Constant) and cap.value is None):
        return None
    size = _keyword(call, "per_page") or (positional[1] if len(positional) > 1 else None)
    if size is None:
        # ``paginate()`` reads ``?per_page`` itself, uncapped without ``max_per_page``; not reported (yet): it is the
        # idiom Flask-SQLAlchemy's docs teach, and its own docstring wrongly promises a default cap of 100
        return None
    return client_value(size, fn, project)


__all__ = ["ClientSize", "client_page_size", "client_value"]
