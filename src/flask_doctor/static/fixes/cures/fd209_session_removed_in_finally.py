"""FD209: a job ends the plain SQLAlchemy session it used, whatever happens (unsafe).

A ``scoped_session`` used in a job: the job's body goes into ``try: ... finally: Session.remove()`` (a
docstring stays first; a body that already is one ``try/finally`` gets the call appended to its
``finally``). A session made by a ``sessionmaker`` (``session = SessionLocal()``): the statements after that
assignment go into ``try: ... finally: session.close()``. Only in the job itself: a session used in a helper
the job calls is skipped with a note (the helper may serve requests too).
"""

from __future__ import annotations

import re

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip

_NAME = re.compile(r"^Call `(?P<name>[A-Za-z_][\w.]*)\.remove\(\)`")


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()


def _ending(statements: list[cst.BaseStatement], call: str) -> list[cst.BaseStatement]:
    """``statements`` ending with ``call`` in a ``finally``: one ``try`` already alone there is extended."""
    end = cst.parse_statement(f"{call}\n")
    if len(statements) == 1 and isinstance(statements[0], cst.Try) and statements[0].finalbody is not None:
        only = statements[0]
        final = only.finalbody
        assert final is not None and isinstance(final.body, cst.IndentedBlock)
        if any(_code(s) == call for s in final.body.body):
            return statements
        block = final.body.with_changes(body=[*final.body.body, end])
        return [only.with_changes(finalbody=final.with_changes(body=block))]
    first = statements[0]
    guarded = cst.Try(
        body=cst.IndentedBlock(body=[first.with_changes(leading_lines=[]), *statements[1:]]),
        finalbody=cst.Finally(body=cst.IndentedBlock(body=[end])),
        leading_lines=first.leading_lines,
    )
    return [guarded]


def _remove_in_function(function: cst.FunctionDef, call: str) -> cst.FunctionDef:
    body = function.body
    assert isinstance(body, cst.IndentedBlock)
    statements = list(body.body)
    head = 1 if statements and _is_docstring(statements[0]) else 0
    if len(statements) == head:
        return function
    new = statements[:head] + _ending(statements[head:], call)
    return function.with_changes(body=body.with_changes(body=new))


def _close_after(block: cst.IndentedBlock, assignment: str, call: str) -> cst.IndentedBlock:
    statements = list(block.body)
    index = next(i for i, s in enumerate(statements) if _code(s) == assignment)
    rest = statements[index + 1 :]
    if not rest:
        return block
    return block.with_changes(body=[*statements[: index + 1], *_ending(rest, call)])


def _bound_at_module_level(module: cst.Module, name: str) -> bool:
    """Whether ``name`` (its first component) is imported, assigned, or defined at the module's top level."""
    head = name.split(".")[0]
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == head:
            return True
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, (cst.Name, cst.Attribute)) and _code(bound).split(".")[0] == head:
                        return True
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                if any(isinstance(t, cst.Name) and t.value == head for t in targets):
                    return True
    return False


class SessionRemovedInFinally(Cure):
    code = "FD209"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        named = _NAME.match(finding.hint or "")
        if named is None:
            raise Skip("the finding does not name the session")
        name = named["name"]
        if "called from" in finding.message or any(e.message.startswith("called from") for e in finding.evidence):
            # A helper the job reaches may also serve requests (``Package.get``): removing the session there
            # would detach the objects a request still holds. Only the job itself ends its session.
            raise Skip(
                "the session is used in a helper the job calls, not in the job itself: end it in the job "
                "or in a task_postrun handler"
            )
        call = tree.at(finding, cst.Call)
        scoped = any(e.message.endswith("is a scoped_session") for e in finding.evidence)
        if scoped:
            if not _bound_at_module_level(tree.module, name):
                raise Skip(
                    f"`{name}` is not imported in this module (the job reaches it through a model's "
                    f"`query`): import it and call `{name}.remove()` in a `finally`"
                )
            function = next((a for a in tree.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
            if function is None or not isinstance(function.body, cst.IndentedBlock):
                raise Skip("the session is not used in the body of a function")
            return Plan([Change(function, lambda f: _remove_in_function(f, f"{name}.remove()"))])
        statement = tree.statement_of(call)
        block = tree.parent(statement)
        small = (
            statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        )
        if not (
            isinstance(small, cst.Assign)
            and small.value is call
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == name
            and isinstance(block, cst.IndentedBlock)
        ):
            raise Skip("the session is not created by a plain `session = Factory()` statement in a block")
        if block.body[-1] is statement:
            raise Skip("nothing uses the session after it is created")
        assignment = _code(statement)
        return Plan([Change(block, lambda b: _close_after(b, assignment, f"{name}.close()"))])
