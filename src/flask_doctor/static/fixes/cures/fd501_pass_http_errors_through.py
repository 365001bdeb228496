"""FD501: a catch-all error handler lets HTTP errors through (unsafe: 404/405 pages change).

The handler's body starts with Flask's documented pass-through::

    if isinstance(e, HTTPException):
        return e

so a 404 stays a 404 instead of becoming the handler's 500.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip


def _handler_for(tree: FixTree, node: cst.CSTNode) -> cst.FunctionDef:
    """The function a decorator decorates, or the one ``register_error_handler(Exception, name)`` names."""
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, cst.Decorator):
            function = tree.parent(ancestor)
            if isinstance(function, cst.FunctionDef):
                return function
            raise Skip("the decorator is not on a function")
    call = tree.enclosing(node, cst.Call)
    if call is not None and len(call.args) >= 2 and isinstance(call.args[1].value, cst.Name):
        name = call.args[1].value.value
        matches = [s for s in tree.module.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
        if len(matches) == 1:
            return matches[0]
    raise Skip("the handler function is not defined in this module")


def _pass_through(function: cst.FunctionDef, param: str) -> cst.FunctionDef:
    guard = cst.parse_statement(f"if isinstance({param}, HTTPException):\n    return {param}\n")
    body = function.body
    assert isinstance(body, cst.IndentedBlock)
    statements = list(body.body)
    docstring = 1 if statements and _is_docstring(statements[0]) else 0
    statements.insert(docstring, guard)
    return function.with_changes(body=body.with_changes(body=statements))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


class PassHttpErrorsThrough(Cure):
    code = "FD501"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        node = tree.at(finding, cst.CSTNode)
        function = _handler_for(tree, node)
        if not isinstance(function.body, cst.IndentedBlock):
            raise Skip("the handler is written on one line")
        params = function.params.params
        if not params:
            raise Skip("the handler takes no argument")
        param = (
            params[0].name.value
            if params[0].name.value not in ("self", "cls") or len(params) < 2
            else params[1].name.value
        )
        return Plan(
            [Change(function, lambda f: _pass_through(f, param))], imports=[("werkzeug.exceptions", "HTTPException")]
        )
