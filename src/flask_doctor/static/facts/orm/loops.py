"""Facts about loops: which loop runs a node once per item, and what changes per item.

An N+1 is a query inside the body of a loop that uses the loop's item; a
loop over a literal list, ``range(3)``, or one that stops at the first match
is not the N+1 shape.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: A loop: a ``for`` statement or a comprehension.
Loop = ast.For | ast.AsyncFor | ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def enclosing_loop(ctx: Context, node: ast.AST) -> Loop | None:
    """The innermost ``for`` loop or comprehension whose *body* holds ``node``."""
    child: ast.AST = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child not in (ancestor.iter, ancestor.target):
            if child in ancestor.orelse:
                child = ancestor
                continue
            return ancestor
        if isinstance(ancestor, _COMPREHENSIONS):
            first = ancestor.generators[0]
            if child is not first and child is not ancestor:  # not inside the first iterable
                return ancestor
        if isinstance(ancestor, ast.comprehension):
            # the first generator's iter runs once; ifs and later iters run per item
            if child is ancestor.iter:
                parent_comp = next(
                    (a for a in reversed(ctx.ancestors) if isinstance(a, _COMPREHENSIONS) and ancestor in a.generators),
                    None,
                )
                if parent_comp is not None and parent_comp.generators[0] is ancestor:
                    child = parent_comp
                    # skip up to the comprehension's parent
                    continue
        child = ancestor
    return None


def loop_names(loop: Loop) -> set[str]:
    """Names that change per iteration: the loop targets and what the body assigns."""
    names: set[str] = set()
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        parts: list[ast.AST] = [loop.target, *loop.body]
    else:  # comprehension node
        parts = [g.target for g in loop.generators]
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def uses_any(node: ast.AST, names: set[str]) -> bool:
    """``node`` reads one of ``names``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names:
            return True
    return False


def constant_iterable(project: Project, node: ast.expr, fn: FunctionInfo | None = None) -> bool:
    """A loop over literals (``("a", "b")``, ``range(3)``, a local tuple never added to): a fixed, small count."""
    if isinstance(node, ast.Name) and fn is not None:
        values = assignments(project, fn).get(node.id, [])
        if len(values) != 1 or not isinstance(values[0], (ast.Tuple, ast.List, ast.Set)) or not values[0].elts:
            return False
        for sub in ast.walk(fn.node):  # filled later (``names.append(x)``): not a constant
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and dotted(sub.func.value) == node.id:
                return False
            if isinstance(sub, ast.AugAssign) and dotted(sub.target) == node.id:
                return False
        return constant_iterable(project, values[0])
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Call) and dotted(node.func) == "range":
        return all(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.Call) and dotted(node.func) == "enumerate" and node.args:
        return constant_iterable(project, node.args[0])
    return False


def stops_at_first_match(loop: ast.For | ast.AsyncFor) -> bool:
    """The loop ``break``s (a search, not a per-item load)."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, *_SCOPES)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def loop_item(target: ast.expr, iterable: ast.expr) -> tuple[str | None, ast.expr]:
    """(item variable, real iterable), seeing through ``enumerate``."""
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
            return target.elts[1].id, iterable.args[0]
        return None, iterable
    if isinstance(target, ast.Name):
        return target.id, iterable
    return None, iterable


__all__ = ["Loop", "constant_iterable", "enclosing_loop", "loop_item", "loop_names", "stops_at_first_match", "uses_any"]
