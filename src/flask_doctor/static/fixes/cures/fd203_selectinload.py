"""FD203: the query a loop walks loads the relationship the loop reads, in one more query (unsafe).

``Post.query...`` becomes ``Post.query.options(selectinload(Post.author))...`` at the query's root (the
model's ``query``, ``session.query(Model)`` or ``select(Model)``), where the rule found it built. Two
relationships read from one query share one ``.options(...)``.
"""

from __future__ import annotations

import re

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import (
    Change,
    Cure,
    FixOptions,
    FixTree,
    Plan,
    Skip,
    evidence_location,
)
from flask_doctor.static.rules.fd2xx.fd203_lazy_relationship_in_loop import QUERY_ROOT

_READ = re.compile(r"^`(?P<var>[A-Za-z_][\w]*)\.(?P<attr>[A-Za-z_]\w*)` is a lazy relationship")
#: A serializer's field read (``... serializes every row of ... whose field `author` (...) reads `author`, a lazy
#: relationship``).
_DUMPED = re.compile(r"reads `([A-Za-z_]\w*)`, a lazy relationship")


def _model_expression(root: cst.CSTNode) -> cst.BaseExpression:
    """``Post`` in ``Post.query``, ``db.session.query(Post)``, ``select(Post)``."""
    if isinstance(root, cst.Attribute) and root.attr.value == "query":
        return root.value
    if isinstance(root, cst.Call) and len(root.args) == 1 and root.args[0].keyword is None and not root.args[0].star:
        return root.args[0].value
    raise Skip("the query's root is not `Model.query`, `session.query(Model)` or `select(Model)`")


def _with_loader(root: cst.BaseExpression, loader: cst.Arg, code: str) -> cst.BaseExpression:
    """``root.options(loader)``; a root already given ``.options(...)`` by another fix gets one more loader."""
    if isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute) and root.func.attr.value == "options":
        present = {cst.Module([]).code_for_node(a.value) for a in root.args}
        if code in present:
            return root
        args = list(root.args)
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return root.with_changes(args=[*args, loader])
    return cst.Call(func=cst.Attribute(value=root, attr=cst.Name("options")), args=[loader])


class SelectinloadOnTheQuery(Cure):
    code = "FD203"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        if 'lazy="dynamic"' in finding.message:
            raise Skip(
                'a lazy="dynamic" relationship cannot be loaded eagerly: declare it lazy="selectin" '
                "or query it once for all rows"
            )
        read = _READ.match(finding.message)
        attrs = [read["attr"]] if read is not None else []
        if read is None and " serializes every row of " in finding.message:
            attrs = _DUMPED.findall(finding.message)
        if not attrs:
            raise Skip("the message does not name the relationship")
        where = evidence_location(finding, QUERY_ROOT)
        if where is None or finding.location is None or where.path != finding.location.path:
            raise Skip(
                "the query is not built in one place of this function (several assignments, "
                "a helper, or a relationship)"
            )
        root = tree.node_at(where, (cst.Attribute, cst.Call))
        model = tree.module.code_for_node(_model_expression(root))
        codes = [f"selectinload({model}.{attr})" for attr in attrs]

        def load(node: cst.BaseExpression) -> cst.BaseExpression:
            for code in codes:
                node = _with_loader(node, cst.Arg(cst.parse_expression(code)), code)
            return node

        return Plan([Change(root, load)], imports=[("sqlalchemy.orm", "selectinload")])
