"""Is a value checked before it is used?  Guards that security rules trust.

Static taint cannot prove a check correct, so rules trust two visible signs
of one: the function names a guard (``secure_filename``, ``is_safe_url``,
``validate_on_submit``), or an ``if`` tests a local that reaches the sink
with more than truthiness (``if table not in TABLES: raise``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.static.facts.taint import assignments
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted


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
    is a check; ``if nxt: return redirect(nxt)`` is not, nor ``if nxt != "None":`` (it only turns
    away the values it lists).
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
                    if not (_excludes_constants_only(part) and _guards_use(node, target)):
                        return True
    return False


def _excludes_constants_only(compare: ast.Compare) -> bool:
    """``nxt != "None"``, ``nxt != "/"``: only turns away the listed values, every other one passes."""
    return all(isinstance(op, (ast.NotEq, ast.IsNot)) for op in compare.ops) and all(
        isinstance(c, ast.Constant) for c in compare.comparators
    )


def _guards_use(test_owner: ast.AST, target: ast.expr) -> bool:
    """The value is used where the test holds (``if nxt != "None": return redirect(nxt)``).

    Not so for ``if nxt != "/": abort(400)`` followed by the use: there the test rejects all but one value.
    """
    if isinstance(test_owner, ast.If):
        return any(target is n for stmt in test_owner.body for n in ast.walk(stmt))
    return isinstance(test_owner, ast.IfExp) and any(target is n for n in ast.walk(test_owner.body))


def _whole_pattern(call: ast.Call, fn: FunctionInfo | None = None) -> bool:
    """``P.fullmatch(x)``/``re.fullmatch(p, x)``, or ``match``/``search`` with a pattern anchored at the end.

    The pattern may be written in the call or be a module constant of ``fn``'s module: a string, or
    ``VERSION = re.compile(r"\\d+(\\.\\d+)*$")`` whose ``VERSION.match(version)`` holds the whole value to it.
    """
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "fullmatch":
        return True
    if func.attr not in ("match", "search"):
        return False
    receiver = dotted(func.value) or ""
    module_re = fn is not None and (fn.imports.qualify(receiver) or receiver) == "re"
    if module_re or (fn is None and receiver == "re"):
        pattern = _pattern_text(call.args[0], fn) if call.args else None
    else:
        pattern = _pattern_text(func.value, fn, compiled=True)
    if pattern is None or not pattern.endswith(("$", "\\Z", "\\z")) or pattern.endswith("\\$"):
        return False
    return func.attr == "match" or pattern.startswith(("^", "\\A"))


def whole_pattern(call: ast.Call, fn: FunctionInfo | None = None) -> bool:
    """Does ``call`` hold its argument whole to a regular expression (:func:`_whole_pattern`)?"""
    return _whole_pattern(call, fn)


def _pattern_text(node: ast.expr, fn: FunctionInfo | None, *, compiled: bool = False) -> str | None:
    """The text of a regular expression: a string constant, or a module-level name bound once to one
    (``compiled``: to ``re.compile("...")``)."""
    if not compiled and isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if fn is None or not isinstance(node, ast.Name):
        return None
    values = [
        stmt.value
        for stmt in fn.module.tree.body
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets)
    ]
    if len(values) != 1:
        return None
    value = values[0]
    if compiled:
        if not (isinstance(value, ast.Call) and value.args):
            return None
        name = dotted(value.func) or ""
        if (fn.imports.qualify(name) or name) != "re.compile":
            return None
        value = value.args[0]
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def _feeding_values(project: Project, fn: FunctionInfo, target: ast.expr) -> list[ast.expr]:
    """``target`` and the values assigned to the locals it is built from (three steps back)."""
    values: list[ast.expr] = [target]
    wanted = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    seen: set[str] = set()
    for _ in range(3):
        fresh = wanted - seen
        seen |= fresh
        for name, value in assignments(project, fn):
            if name in fresh:
                values.append(value)
                wanted |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return values


def allow_listed(project: Project, fn: FunctionInfo, target: ast.expr, ignore: str | None = None) -> bool:
    """Is a value that flows into ``target`` held to a fixed set before use?

    ``if name not in ALLOWED: abort(404)`` and ``if not NAME.fullmatch(name): abort(404)``
    (or ``re.match(r"^[a-z]+\\.pdf$", name)``) leave only the names the project chose; a
    path built from them cannot climb out of its directory. So does
    ``if request.args["p"] in known_paths:`` around a sink built from that same expression, and
    ``if not is_known_track(path): abort(403)`` when the project function answers True only for
    paths it found in a collection (:func:`membership_predicate`). Narrower than :func:`validated`:
    ``os.path.exists(path)`` checks nothing about where the path points.

    A membership test in ``ignore`` (``if key not in _cache:`` before ``_cache[key] = ...``) holds nothing:
    the collection is the one being filled.
    """
    assigned = {t for t, _ in assignments(project, fn)}
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs}
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & (assigned | params)
    # what feeds the target, worked out on first use (most functions have no test that needs it)
    lazy: dict[str, object] = {}

    def feeding_values() -> list[ast.expr]:
        if "values" not in lazy:
            lazy["values"] = _feeding_values(project, fn, target)
        return lazy["values"]  # type: ignore[return-value]

    def feeding() -> set[str]:
        if "dumps" not in lazy:
            lazy["dumps"] = {ast.dump(part) for value in feeding_values() for part in ast.walk(value)}
        return lazy["dumps"]  # type: ignore[return-value]

    def sole_input() -> str | None:
        if "sole" not in lazy:
            lazy["sole"] = _sole_input(fn, feeding_values(), params)
        return lazy["sole"]  # type: ignore[return-value]

    for node in ast.walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp, ast.Assert)):
            continue
        for part in ast.walk(node.test):
            if isinstance(part, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in part.ops):
                if ignore is not None and any(dotted(c) == ignore for c in part.comparators):
                    continue
                if isinstance(part.left, ast.Name) and part.left.id in names:
                    return True
                if (
                    isinstance(part.left, ast.Call)
                    and ast.dump(part.left) in feeding()
                    and len(part.ops) == 1
                    and not _empty_values(part.comparators[0])
                    and _lets_through(node, part, target, isinstance(part.ops[0], ast.In))
                ):
                    return True  # ``if request.args.get("p") in paths: send_file(abspath(request.args.get("p")))``
            if not isinstance(part, ast.Call):
                continue
            if _whole_pattern(part, fn) and any(
                isinstance(a, ast.Name) and (a.id in names or a.id == sole_input()) for a in part.args
            ):
                return True
            callee = _callee(project, fn, part)
            if (
                callee is not None
                and any(
                    isinstance(arg, ast.Name) and arg.id in names and membership_predicate(project, callee, param)
                    for param, arg in bound_arguments(callee, part).items()
                )
                and _lets_through(node, part, target, True)
            ):
                return True
    return False


def _sole_input(fn: FunctionInfo, values: list[ast.expr], params: set[str]) -> str | None:
    """The one parameter the values feeding a target are built from, when they read nothing of the request.

    ``filename = "agent-%s.zip" % version; path = join(UPDATES_DIR, filename)``: ``version`` alone is the
    client's part, so holding it to a whole-value pattern holds the path.
    """
    used = {n.id for value in values for n in ast.walk(value) if isinstance(n, ast.Name)} & params
    used -= {"self", "cls"}
    if len(used) != 1:
        return None
    for value in values:
        for node in ast.walk(value):
            if isinstance(node, (ast.Name, ast.Attribute)) and (dotted(node) or "").split(".")[0] == "request":
                return None
    return next(iter(used))


def _empty_values(container: ast.expr) -> bool:
    """``(None, "")``: a test for a missing value, not an allow-list."""
    return isinstance(container, (ast.Tuple, ast.List, ast.Set)) and all(
        isinstance(e, ast.Constant) and not e.value for e in container.elts
    )


def _lets_through(guard: ast.AST, test: ast.expr, target: ast.expr, passes_when: bool) -> bool:
    """Does ``guard`` let ``target`` run only when ``test`` is ``passes_when``?

    ``if known(x): use(x)`` (the target inside the body), or ``if not known(x): abort(403)`` /
    ``if known(x) is False: return`` (the body leaves). A deny-list (``if banned(x): abort()``) is neither.
    """
    if not isinstance(guard, ast.If):
        return False
    whole, positive = guard.test, True
    if isinstance(whole, ast.UnaryOp) and isinstance(whole.op, ast.Not):
        whole, positive = whole.operand, False
    elif (
        isinstance(whole, ast.Compare)
        and len(whole.ops) == 1
        and isinstance(whole.ops[0], (ast.Is, ast.Eq))
        and isinstance(whole.comparators[0], ast.Constant)
        and whole.comparators[0].value is False
    ):
        whole, positive = whole.left, False
    if whole is not test:
        return False
    if positive == passes_when:
        return any(n is target for stmt in guard.body for n in ast.walk(stmt))
    last = guard.body[-1] if guard.body else None
    return isinstance(last, (ast.Return, ast.Raise)) or (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and dotted(last.value.func) in ("abort", "flask.abort")
    )


def lets_through(guard: ast.AST, test: ast.expr, target: ast.expr, passes_when: bool) -> bool:
    """Does ``guard`` (an ``if``) let ``target`` run only when ``test`` is ``passes_when`` (:func:`_lets_through`)?"""
    return _lets_through(guard, test, target, passes_when)


def _callee(project: Project, fn: FunctionInfo, call: ast.Call) -> FunctionInfo | None:
    name = dotted(call.func)
    callee = project.resolve_function(name, fn, fn.module) if name else None
    return callee if callee is not fn else None


def bound_arguments(callee: FunctionInfo, call: ast.Call) -> dict[str, ast.expr]:
    """``{parameter: argument}`` of a call to a project function (positional arguments up to a ``*args``)."""
    params = [a.arg for a in callee.node.args.posonlyargs + callee.node.args.args]
    if params and params[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        params = params[1:]
    bound: dict[str, ast.expr] = {}
    for param, arg in zip(params, call.args):
        if isinstance(arg, ast.Starred):
            break
        bound[param] = arg
    bound.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
    return bound


def membership_predicate(project: Project, fn: FunctionInfo, param: str, depth: int = 0) -> bool:
    """Does ``fn`` answer True only after finding ``param`` in a collection (or equal to a value)?

    Every ``return`` either returns ``False``/``None``, returns such a test (``param in paths``,
    ``any(is_known(param, c) for c in cases)``), or returns ``True`` inside ``if`` tests of that
    kind. ``def authorize(path): if path in case_paths: return True; return False`` is one;
    ``return os.path.exists(path)`` is not.
    """
    if depth > 4 or param not in {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args}:
        return False
    returns = [n for n in ast.walk(fn.node) if isinstance(n, ast.Return)]
    if not returns or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(fn.node)):
        return False
    for ret in returns:
        value = ret.value
        if value is None or (isinstance(value, ast.Constant) and value.value in (False, None)):
            continue
        if _membership_test(project, fn, value, param, depth):
            continue
        if (
            isinstance(value, ast.Constant)
            and value.value is True
            and _under_membership_test(project, fn, ret, param, depth)
        ):
            continue
        return False
    return True


def _membership_test(project: Project, fn: FunctionInfo, test: ast.expr, param: str, depth: int) -> bool:
    """``param in xs``, ``param == x``, ``a and <test>``, ``known(param)`` or ``any(known(param, c) for c in cs)``."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return isinstance(test.left, ast.Name) and test.left.id == param and isinstance(test.ops[0], (ast.In, ast.Eq))
    if isinstance(test, ast.BoolOp):
        parts = [_membership_test(project, fn, v, param, depth) for v in test.values]
        return any(parts) if isinstance(test.op, ast.And) else all(parts)
    if not isinstance(test, ast.Call):
        return False
    if isinstance(test.func, ast.Name) and test.func.id in ("any", "all") and test.args:
        inner = test.args[0]
        element = inner.elt if isinstance(inner, (ast.GeneratorExp, ast.ListComp)) else None
        return element is not None and _membership_test(project, fn, element, param, depth)
    callee = _callee(project, fn, test)
    if callee is None:
        return False
    return any(
        isinstance(arg, ast.Name) and arg.id == param and membership_predicate(project, callee, inner_param, depth + 1)
        for inner_param, arg in bound_arguments(callee, test).items()
    )


def _under_membership_test(project: Project, fn: FunctionInfo, ret: ast.Return, param: str, depth: int) -> bool:
    """Is ``return True`` the body of an ``if`` whose test is a membership test of ``param``?"""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.If) and any(stmt is ret for stmt in node.body):
            return _membership_test(project, fn, node.test, param, depth)
    return False


#: String methods that keep a value free of ``/`` when it had none.
_SEGMENT_METHODS = frozenset(
    {"split", "rsplit", "partition", "rpartition", "strip", "lstrip", "rstrip", "lower", "upper", "casefold"}
)


def _segment_expr(expr: ast.expr, segments: frozenset[str]) -> bool:
    """``name``, ``name.split("-")[-1]``, ``name.lower()``: text of one URL segment, still without ``/``."""
    if isinstance(expr, ast.Name):
        return expr.id in segments
    if isinstance(expr, ast.Subscript):
        return _segment_expr(expr.value, segments)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _SEGMENT_METHODS:
        return _segment_expr(expr.func.value, segments)
    return False


def _path_pieces(expr: ast.expr) -> list[ast.expr] | None:
    """The parts a path is built from, in order: ``a + b``, ``f"{a}/{b}"``, ``os.path.join(a, b)``."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _path_pieces(expr.left), _path_pieces(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, ast.JoinedStr):
        return [v.value if isinstance(v, ast.FormattedValue) else v for v in expr.values]
    if isinstance(expr, ast.Call) and dotted(expr.func) in ("os.path.join", "path.join", "posixpath.join"):
        pieces: list[ast.expr] = []
        for arg in expr.args:
            if isinstance(arg, ast.Starred):
                return None
            pieces.append(arg)
        return pieces
    return [expr]


def one_segment_under(
    project: Project,
    fn: FunctionInfo,
    target: ast.expr,
    segments: frozenset[str],
    clean: Callable[[ast.expr], bool],
) -> bool:
    """Is ``target`` a fixed path with one URL segment (a value that cannot hold ``/``) appended last?

    ``send_file(BASE + image)`` or ``os.path.join(folder, name)`` where ``image``/``name`` come from a
    ``<name>`` route variable (not ``<path:name>``): the worst a client can send is ``..``, which names
    a directory, not a file outside it. Every other piece must be free of ``segments``, and the
    segment must come after the first piece and be followed only by text without ``/``; ``clean``
    says that a piece carries no other client data.
    """
    expr = target
    for _ in range(3):
        if not (isinstance(expr, ast.Name) and expr.id not in segments):
            break
        values = [value for name, value in assignments(project, fn) if name == expr.id]
        if len(values) != 1:
            return False
        expr = values[0]
    pieces = _path_pieces(expr)
    if not pieces:
        return False
    carrying = [
        i
        for i, piece in enumerate(pieces)
        if any(isinstance(n, ast.Name) and n.id in segments for n in ast.walk(piece))
    ]
    if len(carrying) != 1 or carrying[0] == 0 or not _segment_expr(pieces[carrying[0]], segments):
        return False
    if not all(clean(p) for i, p in enumerate(pieces) if i != carrying[0]):
        return False
    return all(
        isinstance(p, ast.Constant) and isinstance(p.value, str) and "/" not in p.value and "\\" not in p.value
        for p in pieces[carrying[0] + 1 :]
    )


__all__ = [
    "allow_listed",
    "membership_predicate",
    "lets_through",
    "mentions",
    "one_segment_under",
    "source_text",
    "validated",
    "whole_pattern",
]
