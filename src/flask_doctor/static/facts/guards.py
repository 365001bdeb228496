"""Is a value checked before it is used?  Guards that security rules trust.

Static taint cannot prove a check correct, so rules trust two visible signs
of one: the function names a guard (``secure_filename``, ``is_safe_url``,
``validate_on_submit``), or an ``if`` tests a local that reaches the sink
with more than truthiness (``if table not in TABLES: raise``).
"""

from __future__ import annotations

import ast

from flask_doctor.static.facts.taint import assignments
from flask_doctor.static.model import FunctionInfo, Project


def source_text(fn: FunctionInfo) -> str:
    """The source lines of ``fn`` (decorators excluded), as written."""
    start, end = fn.node.lineno, getattr(fn.node, "end_lineno", fn.node.lineno) or fn.node.lineno
    return "\n".join(fn.module.lines[start - 1 : end])


def mentions(fn: FunctionInfo, words: tuple[str, ...]) -> bool:
    """Does the function's source call or name one of ``words`` (guards, checks)?"""
    text = source_text(fn)
    return any(word in text for word in words)


def validated(project: Project, fn: FunctionInfo, target: ast.expr) -> bool:
    """Is a local that flows into ``target`` checked by an ``if`` beyond truthiness?

    ``if not nxt or not nxt.startswith("/") or nxt[1:2] in ("/", "\\"): nxt = url_for("index")``
    is a check; ``if nxt: return redirect(nxt)`` is not.
    """
    assigned = {t for t, _ in assignments(project, fn)}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    # only the function's own variables: ``if request.method == "POST":`` checks nothing about ``request.args``
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & (assigned | params)
    if not names:
        return False
    for node in ast.walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp, ast.Assert)):
            continue
        for part in ast.walk(node.test):
            if isinstance(part, ast.Call) and any(isinstance(a, ast.Name) and a.id in names for a in ast.walk(part)):
                return True
            if isinstance(part, ast.Subscript) and isinstance(part.value, ast.Name) and part.value.id in names:
                return True
            if isinstance(part, ast.Compare) and any(isinstance(a, ast.Name) and a.id in names for a in ast.walk(part)):
                if not all(isinstance(c, ast.Constant) and c.value is None for c in part.comparators):
                    return True
    return False


def _whole_pattern(call: ast.Call) -> bool:
    """``P.fullmatch(x)``/``re.fullmatch(p, x)``, or ``re.match`` with a pattern anchored at the end."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "fullmatch":
        return True
    if (
        func.attr == "match"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    ):
        return call.args[0].value.endswith(("$", "\\Z", "\\z"))
    return False


def allow_listed(project: Project, fn: FunctionInfo, target: ast.expr) -> bool:
    """Is a value that flows into ``target`` held to a fixed set before use?

    ``if name not in ALLOWED: abort(404)`` and ``if not NAME.fullmatch(name): abort(404)``
    (or ``re.match(r"^[a-z]+\\.pdf$", name)``) leave only the names the project chose; a
    path built from them cannot climb out of its directory. Narrower than :func:`validated`:
    ``os.path.exists(path)`` checks nothing about where the path points.
    """
    assigned = {t for t, _ in assignments(project, fn)}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & (assigned | params)
    if not names:
        return False
    for node in ast.walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp, ast.Assert)):
            continue
        for part in ast.walk(node.test):
            if (
                isinstance(part, ast.Compare)
                and isinstance(part.left, ast.Name)
                and part.left.id in names
                and any(isinstance(op, (ast.In, ast.NotIn)) for op in part.ops)
            ):
                return True
            if (
                isinstance(part, ast.Call)
                and _whole_pattern(part)
                and any(isinstance(a, ast.Name) and a.id in names for a in part.args)
            ):
                return True
    return False


__all__ = ["allow_listed", "mentions", "source_text", "validated"]
