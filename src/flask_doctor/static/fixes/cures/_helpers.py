"""Node surgery several cures share: keyword arguments, config settings, literal values."""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import FixTree, Skip

__all__ = ["key_of", "keyword_arg", "literal", "set_keyword", "setting_parts"]


def literal(value: object) -> cst.BaseExpression:
    """A libcst expression for a small Python constant (numbers, strings, booleans, tuples of those)."""
    if isinstance(value, str) and '"' not in value and "\\" not in value:
        return cst.SimpleString(f'"{value}"')  # the double quotes most formatters write
    return cst.parse_expression(repr(value))


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def set_keyword(call: cst.Call, name: str, value: cst.BaseExpression, *, replace: bool = True) -> cst.Call:
    """``call`` with ``name=value``: the existing keyword's value replaced, else a new last keyword.

    A call laid out one argument per line with a trailing comma gets the new argument on its own line, in
    the same style.
    """
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            if not replace:
                return call
            args[i] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if args and isinstance(args[-1].comma, cst.Comma):
        last = args[-1]
        between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else None
        whitespace = between.whitespace_after if between is not None else call.whitespace_before_args
        if isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value:
            whitespace = cst.SimpleWhitespace(" ")
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=whitespace))
        new = new.with_changes(comma=last.comma)
    elif args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(new)
    return call.with_changes(args=args)


def setting_parts(tree: FixTree, finding: Finding) -> tuple[cst.CSTNode, cst.BaseExpression]:
    """The node that holds a config setting a finding points at, and the setting's value node.

    The holder is an ``Assign`` (``KEY = value``, ``app.config["KEY"] = value``), a keyword ``Arg``
    (``config.update(KEY=value)``) or a ``DictElement`` (``{"KEY": value}``).
    """
    node = tree.at(finding, cst.CSTNode)
    for candidate in [node, *tree.ancestors(node)]:
        if isinstance(candidate, cst.Arg) and candidate.keyword is not None:
            return candidate, candidate.value
        if isinstance(candidate, cst.DictElement):
            return candidate, candidate.value
        if isinstance(candidate, cst.Assign):
            if len(candidate.targets) != 1:
                raise Skip("an assignment to several targets")
            return candidate, candidate.value
        if isinstance(candidate, cst.SimpleStatementLine):
            statement = candidate.body[0] if len(candidate.body) == 1 else None
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                return statement, statement.value
            if isinstance(statement, cst.AnnAssign) and statement.value is not None:
                return statement, statement.value
            break
    raise Skip("the setting is not a plain assignment, keyword or dict entry")


def key_of(holder: cst.CSTNode) -> str | None:
    """The config key an assignment / keyword / dict entry sets."""
    target: cst.BaseExpression | None = None
    if isinstance(holder, cst.Assign):
        target = holder.targets[0].target
    elif isinstance(holder, cst.AnnAssign):
        target = holder.target
    elif isinstance(holder, cst.Arg) and holder.keyword is not None:
        return holder.keyword.value
    elif isinstance(holder, cst.DictElement) and isinstance(holder.key, cst.SimpleString):
        return holder.key.evaluated_value if isinstance(holder.key.evaluated_value, str) else None
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            return key if isinstance(key, str) else None
    return None
