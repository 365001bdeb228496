"""FD306: ``app.run(...)`` only when the file is run by hand, never with the debugger (unsafe).

A module-level ``app.run(...)`` moves under ``if __name__ == "__main__":`` (importing the module, as
gunicorn does, no longer starts Werkzeug's server) and loses ``debug=True`` (the debugger runs code sent
by whoever reaches the page).
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip


def _without_debug(call: cst.Call) -> cst.Call:
    debug = ("debug", "use_debugger")
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value in debug)]
    if len(args) == len(call.args):
        return call
    if args:
        last = call.args[-1]
        args[-1] = args[-1].with_changes(comma=last.comma)
    return call.with_changes(args=args)


def _debug_on(call: cst.Call) -> bool:
    """``debug=True`` written in the call; ``debug=config.DEBUG`` is the operator's choice and stays."""
    return any(
        a.keyword is not None
        and a.keyword.value in ("debug", "use_debugger")
        and isinstance(a.value, cst.Name)
        and a.value.value == "True"
        for a in call.args
    )


def _under_main(tree: FixTree, node: cst.CSTNode) -> bool:
    for ancestor in tree.ancestors(node):
        if isinstance(ancestor, cst.If) and "__main__" in tree.module.code_for_node(ancestor.test):
            return True
    return False


class DevServerUnderMainGuard(Cure):
    code = "FD306"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        call = tree.at(finding, cst.Call)
        assert isinstance(call, cst.Call)
        statement = tree.statement_of(call)
        changes = []
        if _debug_on(call):
            changes.append(Change(call, _without_debug))
        at_module_level = tree.parent(statement) is tree.module
        if at_module_level and not _under_main(tree, call):
            if not (
                isinstance(statement, cst.SimpleStatementLine)
                and len(statement.body) == 1
                and isinstance(statement.body[0], cst.Expr)
                and statement.body[0].value is call
            ):
                raise Skip("app.run(...) is part of a larger statement")
            changes.append(Change(statement, _guard))
        if not changes:
            raise Skip("app.run(...) runs inside a function: start the app with a WSGI server instead")
        return Plan(changes)


def _guard(statement: cst.SimpleStatementLine) -> cst.If:
    """``if __name__ == "__main__":`` around ``statement``; comments above it stay above the ``if``."""
    inner = statement.with_changes(leading_lines=[])
    return cst.If(
        test=cst.parse_expression('__name__ == "__main__"'),
        body=cst.IndentedBlock(body=[inner]),
        leading_lines=statement.leading_lines,
    )
