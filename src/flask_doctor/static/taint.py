"""Does a value come from the request? A small, local, conservative answer.

Several rules only matter when request data flows somewhere: a cache keyed
by a query-string value grows without bound, a cache keyed by a class name
does not. This module answers "is this expression derived from the current
request?" inside one function: direct reads of ``flask.request``,
``session``, ``g`` or ``current_user``, the URL arguments of a view, and
local variables assigned from any of those (followed to a fixed point).
It does not follow values through calls; when unsure it says no, so rules
built on it stay quiet rather than guess.
"""

from __future__ import annotations

import ast

from flask_doctor.static.model import FunctionInfo
from flask_doctor.static.names import dotted

REQUEST_SOURCES = (
    "flask.request",
    "flask.session",
    "flask.g",
    "flask.globals.request",
    "flask.globals.session",
    "flask.globals.g",
    "flask_login.current_user",
    "flask_login.utils.current_user",
)


def _is_source(node: ast.AST, fn: FunctionInfo | None) -> bool:
    name = dotted(node)
    if not name:
        return False
    qualified = fn.imports.qualify(name) if fn is not None else None
    if qualified is None:
        return False
    if any(qualified == s or qualified.startswith(s + ".") for s in REQUEST_SOURCES):
        return True
    # vendored or wrapped login managers still expose ``current_user``
    head = qualified.split(".")
    return "current_user" in head[1:]


def _mentions(expr: ast.AST, fn: FunctionInfo | None, tainted: set[str]) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            if node.id in tainted or _is_source(node, fn):
                return True
        elif isinstance(node, ast.Attribute) and _is_source(node, fn):
            return True
    return False


def tainted_locals(fn: FunctionInfo) -> frozenset[str]:
    """Local names holding request data in ``fn`` (cached on the function)."""
    cached = getattr(fn, "_fd_tainted", None)
    if cached is not None:
        return cached
    tainted: set[str] = set()
    if "view" in fn.roles:
        args = fn.node.args
        tainted.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg not in ("self", "cls"))
    assignments: list[tuple[list[str], ast.AST]] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign):
            names = [t.id for target in node.targets for t in ast.walk(target) if isinstance(t, ast.Name)]
            assignments.append((names, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None and isinstance(node.target, ast.Name):
            assignments.append(([node.target.id], node.value))
        elif isinstance(node, (ast.For, ast.comprehension)):
            names = [t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)]
            assignments.append((names, node.iter))
        elif isinstance(node, ast.NamedExpr):
            assignments.append(([node.target.id], node.value))
    changed = True
    while changed:
        changed = False
        for names, value in assignments:
            if all(n in tainted for n in names):
                continue
            if _mentions(value, fn, tainted):
                before = len(tainted)
                tainted.update(names)
                changed = changed or len(tainted) != before
    result = frozenset(tainted)
    fn._fd_tainted = result  # type: ignore[attr-defined]
    return result


def request_derived(expr: ast.AST, fn: FunctionInfo | None) -> bool:
    """True when ``expr`` (inside ``fn``) is built from the current request."""
    tainted = tainted_locals(fn) if fn is not None else frozenset()
    return _mentions(expr, fn, set(tainted))
