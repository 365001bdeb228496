"""What the local names of a function were assigned: ``q = User.query`` makes ``q`` a query.

The ORM facts follow a name back to its value (a query kept in a variable,
an engine URL read from a constant); this table is built once per function.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.syntax import statements

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project


@keyed_fact
def assignments(project: Project, fn: FunctionInfo) -> dict[str, list[ast.expr]]:
    """Every ``name = value`` in a function (its own body, nested blocks included).

    In ``ast.walk``'s order; assignments are statements, so only statements are read.
    """
    found: dict[str, list[ast.expr]] = {}
    for node in statements(fn.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.setdefault(node.target.id, []).append(node.value)
    return found


@keyed_fact
def unpacked(project: Project, fn: FunctionInfo) -> dict[str, list[tuple[ast.expr, int]]]:
    """``entries, pages = fill_page(...)``: each name -> (the value unpacked, the name's position in it).

    A literal tuple on the right pairs its items instead (``a, b = x, y`` is in :func:`assignments`'s sense
    ``a = x``); only values whose shape the code does not show (a call's result) are listed here.
    """
    found: dict[str, list[tuple[ast.expr, int]]] = {}
    for node in statements(fn.node):  # ``ast.walk``'s assignments, in its order
        if not isinstance(node, ast.Assign) or isinstance(node.value, (ast.Tuple, ast.List)):
            continue
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
                for index, element in enumerate(target.elts):
                    if isinstance(element, ast.Name):
                        found.setdefault(element.id, []).append((node.value, index))
    return found


def params_and_locals(project: Project, fn: FunctionInfo) -> set[str]:
    """The parameters of ``fn`` and the names it assigns."""
    args = fn.node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} | set(assignments(project, fn))


__all__ = ["assignments", "params_and_locals", "unpacked"]
