"""FD102: an unbounded functools cache gets a ``maxsize`` (unsafe: evicted entries are computed again).

``@lru_cache(maxsize=None)`` becomes ``@lru_cache(maxsize=N)``; ``@functools.cache`` / ``@cache`` become
``@functools.lru_cache(maxsize=N)`` / ``@lru_cache(maxsize=N)`` (N from ``[tool.flask-doctor.fix]
cache-maxsize``, 1024 by default).
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import literal, set_keyword


class BoundedLruCache(Cure):
    code = "FD102"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        node = tree.at(finding, cst.CSTNode)
        decorator = tree.enclosing(node, cst.Decorator)
        if decorator is None:
            raise Skip("the cache is not applied as a decorator")
        size = literal(int(options.cache_maxsize))
        target = decorator.decorator
        if isinstance(target, cst.Call):
            if len(target.args) == 1 and target.args[0].keyword is None:
                call = target.with_changes(args=[])  # lru_cache(None)
                return Plan([Change(target, lambda _: set_keyword(call, "maxsize", size))])
            return Plan([Change(target, lambda c: set_keyword(c, "maxsize", size))])
        if isinstance(target, cst.Attribute) and target.attr.value == "cache":
            new = cst.Call(
                target.with_changes(attr=cst.Name("lru_cache")),
                args=[cst.Arg(size, keyword=cst.Name("maxsize"), equal=_equal())],
            )
            return Plan([Change(target, lambda _: new)])
        if isinstance(target, cst.Name) and target.value == "cache":
            arg = cst.Arg(size, keyword=cst.Name("maxsize"), equal=_equal())
            new = cst.Call(cst.Name("lru_cache"), args=[arg])
            return Plan([Change(target, lambda _: new)], imports=[("functools", "lru_cache")])
        raise Skip("unrecognised cache decorator")


def _equal() -> cst.AssignEqual:
    nothing = cst.SimpleWhitespace("")
    return cst.AssignEqual(whitespace_before=nothing, whitespace_after=nothing)
