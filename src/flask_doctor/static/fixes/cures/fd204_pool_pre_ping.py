"""FD204: engines check connections before use (safe: one cheap ping, dead connections replaced).

* ``create_engine(url, ...)`` gets ``pool_pre_ping=True``;
* a ``SQLALCHEMY_ENGINE_OPTIONS`` dict gets ``"pool_pre_ping": True``;
* a Flask-SQLAlchemy ``SQLALCHEMY_DATABASE_URI`` setting with no engine options gets a
  ``SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": N}`` beside it.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import key_of, set_keyword, setting_parts


def _with_pre_ping(node: cst.Dict) -> cst.Dict:
    elements = list(node.elements)
    for i, element in enumerate(elements):
        if (
            isinstance(element, cst.DictElement)
            and isinstance(element.key, cst.SimpleString)
            and element.key.evaluated_value == "pool_pre_ping"
        ):
            elements[i] = element.with_changes(value=cst.Name("True"))
            return node.with_changes(elements=elements)
    quote = '"'
    for element in elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            quote = element.key.quote
            break
    new = cst.DictElement(cst.SimpleString(f"{quote}pool_pre_ping{quote}"), cst.Name("True"))
    if elements and isinstance(elements[-1].comma, cst.Comma):
        last = elements[-1]
        previous = elements[-2].comma if len(elements) > 1 else None
        between = previous if isinstance(previous, cst.Comma) else None
        whitespace = between.whitespace_after if between is not None else node.lbrace.whitespace_after
        elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=whitespace))
        new = new.with_changes(comma=last.comma)
    elif elements:
        elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return node.with_changes(elements=[*elements, new])


#: The findings about an engine call name it first (``create_engine`` resolved through any alias).
_ENGINE_CALLS = ("`create_engine`", "`create_async_engine`", "`engine_from_config`", "`async_engine_from_config`")


class PoolPrePing(Cure):
    code = "FD204"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        try:
            call = tree.at(finding, cst.Call)
        except Skip:
            call = None
        if isinstance(call, cst.Call):
            if not finding.message.startswith(_ENGINE_CALLS):
                # a DB-API connection, a peewee database or the Flask-SQLAlchemy object: no pool option to add
                raise Skip("the finding is not about an engine's options")
            if any(arg.star == "**" for arg in call.args):
                raise Skip("the call passes **options, which may already set the pool")
            return Plan([Change(call, lambda node: set_keyword(node, "pool_pre_ping", cst.Name("True")))])
        holder, value = setting_parts(tree, finding)
        key = key_of(holder)
        if key == "SQLALCHEMY_ENGINE_OPTIONS":
            if not isinstance(value, cst.Dict):
                raise Skip("SQLALCHEMY_ENGINE_OPTIONS is not a dict literal")
            return Plan([Change(value, _with_pre_ping)])
        if key == "SQLALCHEMY_DATABASE_URI" and isinstance(holder, cst.Assign):
            statement = tree.parent(holder)
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                raise Skip("the URI is set in a compound statement")
            return Plan([Change(statement, lambda node: _add_engine_options(node, options))])
        raise Skip(f"no engine options to add pool_pre_ping to ({key or 'unknown setting'})")


def _add_engine_options(line: cst.SimpleStatementLine, options: FixOptions) -> cst.FlattenSentinel:
    """``KEY = uri`` followed by the same kind of assignment of SQLALCHEMY_ENGINE_OPTIONS."""
    assign = line.body[0]
    assert isinstance(assign, cst.Assign)
    target = assign.targets[0].target
    value = cst.parse_expression(f'{{"pool_pre_ping": True, "pool_recycle": {int(options.pool_recycle)}}}')
    new_target: cst.BaseAssignTargetExpression
    if isinstance(target, cst.Name):
        new_target = cst.Name("SQLALCHEMY_ENGINE_OPTIONS")
    elif isinstance(target, cst.Attribute):
        new_target = target.with_changes(attr=cst.Name("SQLALCHEMY_ENGINE_OPTIONS"))
    elif isinstance(target, cst.Subscript):
        index = target.slice[0].slice
        assert isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
        quote = index.value.quote
        new_index = index.with_changes(value=cst.SimpleString(f"{quote}SQLALCHEMY_ENGINE_OPTIONS{quote}"))
        new_target = target.with_changes(slice=[target.slice[0].with_changes(slice=new_index)])
    else:
        raise Skip("unexpected assignment target")
    added = cst.SimpleStatementLine(
        [cst.Assign([cst.AssignTarget(new_target)], value)],
    )
    return cst.FlattenSentinel([line, added])
