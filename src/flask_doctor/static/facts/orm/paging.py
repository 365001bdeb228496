"""Rows loaded whole and then cut down in Python: a page sliced out of a list, a loop keeping the first few.

The code itself says the rows are more than it needs: ``posts[start:start + size]``
after loading one tag's every post, or ``if len(batch) < job.batch:
batch.append(task)`` over one job's every task. Such a load is unbounded even
when it reads one parent's rows (``tag.posts``, ``filter(Task.job == self)``),
which otherwise count as few: the page or the batch belongs in the query
(``.offset(start).limit(size)``, ``.limit(job.batch)``).

Also here: the collection a relationship of one record holds (``tag.posts``,
a ``lazy="dynamic"`` relationship's ``.all()``), so the rules can see such a
collection loaded whole.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.models import Relation, model_for, relations
from flask_doctor.static.facts.orm.queries import branch_paths, is_session, query_of
from flask_doctor.static.syntax import list_appends, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, ModelInfo


@dataclass(frozen=True)
class PickedInPython:
    """How the code cuts the loaded rows down: ``how`` for the message, ``node`` for the evidence."""

    how: str
    node: ast.AST


def _holder(load: ast.AST, ctx: Context) -> str | None:
    """The local the loaded rows land in: ``rows = q.all()``, ``posts = [p for p in tag.posts if ...]``."""
    for node in reversed(ctx.ancestors):
        if isinstance(node, ast.stmt):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if len(targets) == 1 and isinstance(targets[0], ast.Name):
                    return targets[0].id
            return None
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
    return None


def _derived(fn: FunctionInfo, ctx: Context, names: set[str]) -> set[str]:
    """``names`` and the locals assigned from them (``posts = posts[...]``, ``items = sorted(rows)``), a few steps."""
    found = set(names)
    table = assignments(ctx.project, fn)
    for _ in range(3):
        grew = False
        for name, values in table.items():
            if name in found:
                continue
            if any(
                isinstance(sub, ast.Name) and sub.id in found
                for value in values
                if not isinstance(value, ast.Subscript) or isinstance(value.slice, ast.Slice)
                for sub in ast.walk(value)
            ):
                found.add(name)
                grew = True
        if not grew:
            break
    return found


def _fixed(bound: ast.expr | None) -> bool:
    return (
        bound is None
        or isinstance(bound, ast.Constant)
        or (isinstance(bound, ast.UnaryOp) and isinstance(bound.operand, ast.Constant))
    )


def _page_slice(fn: FunctionInfo, names: set[str], load: ast.AST, ctx: Context) -> ast.Subscript | None:
    """``rows[start:start + size]``: a slice of the rows whose ends the code computes (a page), not ``rows[:3]``.

    The slice runs after the load on the same path: one in another branch cuts rows another load fetched
    (``rows = q.limit(n + 1).all(); rows = rows[:n]`` beside ``else: rows = q.all()``).
    """
    paths = branch_paths(ctx.project, fn)
    here = paths.get(id(load))
    if here is None:
        return None
    chunks = _chunk_slices(fn)
    for node in walk(fn.node):
        if id(node) in chunks:
            continue
        if (
            isinstance(node, ast.Subscript)
            and node.lineno >= getattr(load, "lineno", 0)
            and paths.get(id(node), ())[: len(here)] == here
            and isinstance(node.value, ast.Name)
            and node.value.id in names
            and isinstance(node.slice, ast.Slice)
            and not (_fixed(node.slice.lower) and _fixed(node.slice.upper))
        ):
            return node
    return None


def _chunk_slices(fn: FunctionInfo) -> set[int]:
    """Slices whose ends follow a loop's counter (``for i in range(0, len(rows), 100): rows[i:i + 100]``): the
    rows handled in chunks, every one of them, not a page picked out."""
    found: set[int] = set()
    for loop in walk(fn.node):
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            continue
        counters = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
        for node in ast.walk(loop):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                if any(isinstance(n, ast.Name) and n.id in counters for n in ast.walk(node.slice)):
                    found.add(id(node))
    return found


def _len_of(node: ast.AST) -> str | None:
    """``len(batch)`` -> ``"batch"``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
    ):
        return node.args[0].id
    return None


def _capped(test: ast.expr) -> tuple[str, ast.Compare] | None:
    """``len(batch) < n`` (also inside ``and``): the list the test caps and the comparison, or ``None``."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            if isinstance(node.ops[0], (ast.Lt, ast.LtE)) and _len_of(node.left):
                return str(_len_of(node.left)), node
            if isinstance(node.ops[0], (ast.Gt, ast.GtE)) and _len_of(node.comparators[0]):
                return str(_len_of(node.comparators[0])), node
    return None


def _appends(body: list[ast.stmt], name: str) -> ast.Call | None:
    return next((call for target, call in list_appends(body) if target == name), None)


def _first_few(loop: ast.For | ast.AsyncFor) -> ast.expr | None:
    """A loop that keeps only the first rows: ``if len(batch) < n: batch.append(row)``, or one that stops when
    the list is full (``if len(batch) >= n: break``). Stopping early saves nothing: the query's rows were all
    fetched and buffered before the first pass."""
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.If):
                continue
            capped = _capped(node.test)
            if capped and _appends(node.body, capped[0]):
                return capped[1]
            full = _full(node.test)
            if full and any(isinstance(s, ast.Break) for s in node.body) and _appends(loop.body, full):
                return node.test
    return None


def _full(test: ast.expr) -> str | None:
    """``len(batch) >= n`` / ``len(batch) == n``: the list the test finds full."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        if isinstance(test.ops[0], (ast.Gt, ast.GtE, ast.Eq)) and _len_of(test.left):
            return _len_of(test.left)
        if isinstance(test.ops[0], (ast.Lt, ast.LtE, ast.Eq)) and _len_of(test.comparators[0]):
            return _len_of(test.comparators[0])
    return None


def picked_in_python(
    load: ast.AST, at: ast.AST, ctx: Context, *, names: frozenset[str] = frozenset()
) -> PickedInPython | None:
    """The rows ``load`` materialises are cut down in Python afterwards (see the module's docstring).

    ``at`` is the statement or expression that runs the load (the ``for`` loop walking it, the ``.all()`` call);
    ``names`` are locals already known to hold the rows (``tag_posts = tag.posts`` before the loop).
    """
    fn = ctx.function
    if fn is None:
        return None
    if isinstance(at, (ast.For, ast.AsyncFor)):
        capped = _first_few(at)
        if capped is not None:
            return PickedInPython(f"keeps only the first rows it walks (`{ast.unparse(capped)}`)", capped)
    holders = set(names)
    holder = _holder(load, ctx)
    if holder is not None:
        holders.add(holder)
    if not holders:
        return None
    page = _page_slice(fn, _derived(fn, ctx, holders), load, ctx)
    if page is not None:
        return PickedInPython(f"pages it in Python (`{ast.unparse(page)}`)", page)
    return None


@dataclass(frozen=True)
class Collection:
    """One record's collection relationship read whole (``tag.posts``), with the model of its items."""

    owner: ModelInfo
    relation: Relation
    items: ModelInfo
    names: frozenset[str]  # locals that hold the collection on the way (``tag_posts = tag.posts``)


def record_model(node: ast.expr, ctx: Context) -> ModelInfo | None:
    """The model of one record: ``self`` in a model's method, a local fetched by ``.first()``/``.get()``/``.one()``
    (or ``get_or_404``), or one built as ``Post(...)``."""
    fn = ctx.function
    if fn is None or not isinstance(node, ast.Name):
        return None
    if node.id == "self" and fn.class_name is not None:
        return ctx.project.models.get(fn.class_name)
    values = assignments(ctx.project, fn).get(node.id, [])
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return None
    value = values[0]
    if isinstance(value.func, ast.Attribute) and value.func.attr in _ONE_ROW:
        if value.func.attr in ("get", "get_or_404") and is_session(value.func.value, ctx) and value.args:
            return model_for(value.args[0], ctx)  # ``db.session.get(Tag, tag_id)``
        query = query_of(value, ctx)
        return query.model if query is not None else None
    return model_for(value.func, ctx)  # ``post = Post(...)``


_ONE_ROW = frozenset({"first", "one", "one_or_none", "get", "first_or_404", "one_or_404", "get_or_404", "scalar_one"})


def collection_read(expr: ast.expr, ctx: Context) -> Collection | None:
    """``tag.posts``, ``tag_posts`` (a local holding it), ``post.views.all()`` on a ``lazy="dynamic"`` relationship."""
    names: set[str] = set()
    fn = ctx.function
    for _ in range(2):
        if isinstance(expr, ast.Name) and fn is not None:
            values = assignments(ctx.project, fn).get(expr.id, [])
            if len(values) != 1:
                return None
            names.add(expr.id)
            expr = values[0]
    dynamic_call = False
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "all"
        and not expr.args
        and isinstance(expr.func.value, ast.Attribute)
    ):
        expr, dynamic_call = expr.func.value, True
    if not isinstance(expr, ast.Attribute):
        return None
    owner = record_model(expr.value, ctx)
    if owner is None:
        return None
    rel = relations(ctx.project, owner).get(expr.attr)
    if rel is None or rel.scalar is not False or not rel.target or (dynamic_call and rel.lazy != "dynamic"):
        return None
    items = ctx.project.models.get(rel.target.rsplit(".", 1)[-1])
    if items is None:
        return None
    return Collection(owner, rel, items, frozenset(names))


__all__ = ["Collection", "PickedInPython", "collection_read", "picked_in_python", "record_model"]
