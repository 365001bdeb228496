"""Client text flowing into a sink: read in the function, or passed in by a caller.

Injection rules (template source, file paths, ``Markup``, SQL) look at one
argument of one call.  :func:`sink_source` says whether client-chosen text
reaches it: read in the same function (:data:`~flask_doctor.static.facts.taint.USER_INPUT`),
or received through a parameter that a caller fills with request data -- one
call level up, no further, so the evidence stays something a reader can
check in two places.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.guards import allow_listed, mentions
from flask_doctor.static.facts.taint import (
    USER_INPUT,
    VARYING_REQUEST_DATA,
    TaintPolicy,
    assignments,
    describe_source,
    parameter_taint,
    taint,
)
from flask_doctor.static.model import REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context


@project_fact
def callers(project: Project) -> dict[str, list[tuple[ast.Call, FunctionInfo]]]:
    """Project function (by qualname) -> the calls inside other project functions that reach it."""
    found: dict[str, list[tuple[ast.Call, FunctionInfo]]] = {}
    from flask_doctor.static.facts.classes import defined_names

    defined = defined_names(project)
    for caller in project.functions.values():
        for name, call in caller.calls:
            callee = project.resolve_function(name, caller, caller.module)
            if callee is None and isinstance(call.func, ast.Attribute) and call.func.attr in defined:
                callee = _method_of_object(project, caller, call)
            if callee is not None and callee is not caller:
                found.setdefault(callee.qualname, []).append((call, caller))
    return found


def _method_of_object(project: Project, caller: FunctionInfo, call: ast.Call) -> FunctionInfo | None:
    """``Service().names(ids)``, ``self.service.names(ids)``: the method of the project class the object is of
    (:func:`~flask_doctor.static.facts.classes.method_called`), which the name alone does not resolve."""
    from flask_doctor.static.context import Context
    from flask_doctor.static.facts.classes import method_called

    ctx = Context(caller.module, project, lambda f: None)
    ctx.function = caller
    ctx.functions = [caller]
    return method_called(ctx, call)


#: ``(caller, call, argument)`` -> True when the caller has already made the argument safe for this sink.
CallerCheck = Callable[[FunctionInfo, ast.Call, ast.expr], bool]


def parameter_source(
    project: Project,
    fn: FunctionInfo,
    param: str,
    checked: CallerCheck | None = None,
    policy: TaintPolicy = USER_INPUT,
) -> tuple[ast.AST | str, FunctionInfo, ast.Call] | None:
    """Request data a caller passes as ``param`` of ``fn`` (one call level up), as ``policy`` sees it.

    Callers for which ``checked`` answers True are skipped: they held the value to an allow-list first.
    """
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param not in args and param not in {a.arg for a in fn.node.args.kwonlyargs}:
        return None
    index = args.index(param) if param in args else None
    if index is not None and fn.class_name and args and args[0] in ("self", "cls"):
        index -= 1
    for call, caller in callers(project).get(fn.qualname, ()):
        value: ast.expr | None = next((kw.value for kw in call.keywords if kw.arg == param), None)
        if (
            value is None
            and index is not None
            and 0 <= index < len(call.args)
            and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1])
        ):
            value = call.args[index]
        if value is None:
            continue
        found = taint(project, caller, policy).source(value)
        if found is not None and not (checked is not None and checked(caller, call, value)):
            return found, caller, call
    return None


def sink_source(
    ctx: Context,
    expr: ast.expr,
    guards: tuple[str, ...] = (),
    checked: Callable[[str, FunctionInfo, ast.Call, ast.expr], bool] | None = None,
) -> tuple[str, list[Evidence]] | None:
    """Request data reaching ``expr``: read in this function, or passed in by a caller (one level up).

    Returns a description for the message and evidence pointing at the caller.
    A caller that mentions one of ``guards`` (``secure_filename``) is trusted to have checked the value,
    and so is one for which ``checked(param, caller, call, argument)`` answers True.
    """
    fn = ctx.function
    if fn is None:
        return None
    project = ctx.project
    found = taint(project, fn).source(expr)
    if found is not None:
        return describe_source(found), []
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    for name in sorted({n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} | _feeding_names(project, fn, expr)):
        if name not in params or parameter_taint(project, fn, name).source(expr) is None:
            continue
        check: CallerCheck | None = None
        if checked is not None:

            def check(caller: FunctionInfo, call: ast.Call, value: ast.expr, name: str = name) -> bool:
                return checked(name, caller, call, value)

        via = parameter_source(project, fn, name, check)
        if via is None:
            continue
        origin, caller, call = via
        if guards and mentions(caller, guards):
            continue
        return (
            f"its parameter `{name}`, which `{caller.display}` fills with {describe_source(origin)}",
            [
                Evidence(
                    f"called with request data from {caller.display}",
                    Location(caller.module.path, call.lineno, call.col_offset + 1),
                )
            ],
        )
    return None


def returned_request_data(ctx: Context, expr: ast.expr) -> tuple[str, list[Evidence]] | None:
    """Request data a project helper returns, when ``expr`` is its call or a local assigned only from it.

    ``def selected_ids(): return request.get_json()["ids"]`` then ``for i in selected_ids():``: the loop
    walks what the client sent as surely as if the view read it itself. Every ``return`` of the helper
    must carry request data (:func:`~flask_doctor.static.facts.taint.taint`); a helper that may return
    anything else (a default list, a query's rows) does not count.
    """
    from flask_doctor.static.facts.classes import method_called

    fn = ctx.function
    if fn is None:
        return None
    call = expr
    if isinstance(call, ast.Name):
        values = [value for name, value in assignments(ctx.project, fn) if name == call.id]
        call = values[0] if len(values) == 1 else None
    if not isinstance(call, ast.Call):
        return None
    helper = method_called(ctx, call)
    if helper is None or helper is fn:
        return None
    returns = [
        node.value for node in _own_nodes(helper.node) if isinstance(node, ast.Return) and node.value is not None
    ]
    if not returns:
        return None
    found = [taint(ctx.project, helper).source(_walked(value)) for value in returns]
    if any(source is None for source in found):
        return None
    first = found[0]
    assert first is not None
    return (
        f"what `{helper.display}` returns, {describe_source(first)}",
        [Evidence(f"`{helper.display}` returns request data", Location(helper.module.path, returns[0].lineno, 1))],
    )


def _walked(value: ast.expr) -> ast.expr:
    """What decides how many items ``value`` holds: the list a comprehension walks (``[int(i) for i in ids]``
    has as many items as ``ids``, whatever converting each one does to its taint)."""
    while isinstance(value, ast.Call) and len(value.args) == 1 and dotted(value.func) in ("list", "set", "sorted"):
        value = value.args[0]
    if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and len(value.generators) == 1:
        return value.generators[0].iter
    return value


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, not those of functions or classes nested in it."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        sub = stack.pop()
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        found.append(sub)
        stack.extend(ast.iter_child_nodes(sub))
    return found


def fed_request_data(project: Project, fn: FunctionInfo, expr: ast.expr) -> tuple[FunctionInfo, ast.Call] | None:
    """The caller and call that make ``expr`` vary with the request through a parameter of ``fn`` (one call
    level up): ``def lookup(address): _geo[address] = ...`` called as ``lookup(request.remote_addr)``.

    Request data here means :data:`~flask_doctor.static.facts.taint.VARYING_REQUEST_DATA` (not only the
    endpoint or the method). Only callers in request code count.
    """
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)} | _feeding_names(project, fn, expr)
    for name in sorted(names & params):
        via = parameter_source(project, fn, name, _outside_requests, VARYING_REQUEST_DATA)
        if via is not None:
            return via[1], via[2]
    return None


def fed_along_request_chain(
    project: Project, fn: FunctionInfo, expr: ast.expr, depth: int = 6
) -> tuple[FunctionInfo, ast.Call] | None:
    """The caller and call where request data enters ``expr`` through the parameters of ``fn``, followed up the
    call chain that brings a request to ``fn`` (``project.chain``), up to ``depth`` calls: a view passes a URL
    parameter to a service method, which passes it on to the method of the object that stores it.

    Request data here means :data:`~flask_doctor.static.facts.taint.VARYING_REQUEST_DATA`; a caller that holds
    the value to a fixed set first (``if name not in NAMES: abort(404)``) stops the search.  Used where the
    writing function is reached only through methods of objects the one-level :func:`fed_request_data` does
    not resolve (``s = get_storage(); s.set_str(key, ...)``)."""
    chain = project.chain(fn.qualname, REQUEST)
    current, wanted = fn, [expr]
    for caller_name in list(reversed(chain[:-1]))[:depth]:
        caller = project.functions.get(caller_name)
        if caller is None:
            return None
        params = _parameters(current)
        names: set[str] = set()
        for value in wanted:
            names |= (
                {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} | _feeding_names(project, current, value)
            ) & params
        passed: list[tuple[ast.Call, ast.expr]] = []
        for _name, call in caller.calls:
            if _called_name(call) != current.name:
                continue
            passed += [(call, v) for v in (_argument(current, call, name) for name in sorted(names)) if v is not None]
        if not passed:
            return None
        policy = taint(project, caller, VARYING_REQUEST_DATA)
        for call, value in passed:
            if policy.source(value) is not None or _helper_result(project, caller, value):
                return None if allow_listed(project, caller, value) else (caller, call)
        current, wanted = caller, [v for _, v in passed]
    return None


def _helper_result(project: Project, fn: FunctionInfo, value: ast.expr) -> bool:
    """``value`` is (or is a local assigned from) a call of a project helper that returns a value the client
    chooses (``ip = get_remote_address()``: :func:`~flask_doctor.static.facts.metrics.returns_client_value`)."""
    from flask_doctor.static.facts.metrics import returns_client_value

    names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    candidates = [value] + [v for target, v in assignments(project, fn) if target in names]
    for candidate in candidates:
        if isinstance(candidate, ast.Call):
            callee = project.resolve_function(dotted(candidate.func) or "", fn, fn.module)
            if callee is not None and returns_client_value(project, callee.qualname):
                return True
    return False


def _parameters(fn: FunctionInfo) -> set[str]:
    args = fn.node.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    return names - {"self", "cls"}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _argument(fn: FunctionInfo, call: ast.Call, param: str) -> ast.expr | None:
    """The argument ``call`` passes as ``param`` of ``fn`` (by keyword or position)."""
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    args = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if param not in args:
        return None
    index = args.index(param)
    if (
        fn.class_name
        and args[0] in ("self", "cls")
        and not any(dotted(d) == "staticmethod" for d in fn.node.decorator_list)
    ):
        index -= 1
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _outside_requests(caller: FunctionInfo, call: ast.Call, value: ast.expr) -> bool:
    return REQUEST not in caller.contexts


def _feeding_names(project: Project, fn: FunctionInfo, expr: ast.expr) -> set[str]:
    """Names that flow into the locals ``expr`` reads (``path = join(base, name)`` -> ``base``, ``name``)."""
    wanted = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    out: set[str] = set()
    for _ in range(3):
        for target, value in assignments(project, fn):
            if target in wanted:
                out |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        wanted |= out
    return out


__all__ = [
    "callers",
    "fed_along_request_chain",
    "fed_request_data",
    "parameter_source",
    "returned_request_data",
    "sink_source",
]
