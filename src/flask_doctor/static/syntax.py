"""Walking syntax trees fast: the child nodes a rule or the model can care about.

Shared by the model builder and the rule walker, which both visit every node
of every module; ``ast.iter_child_nodes`` costs a generator per node.
"""

from __future__ import annotations

import ast

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
#: Fields whose nodes carry no information a rule visits on its own
#: (``Load``/``Store`` contexts, operators): skipping them removes about a
#: third of all visits.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind"})


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` without the generator overhead (the hot loop)."""
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
    out: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out
