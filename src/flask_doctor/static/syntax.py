"""Walking syntax trees fast: the child nodes a rule or the model can care about.

Shared by the model builder, the rule walker and the facts, which between
them visit every node of every module several times; ``ast.iter_child_nodes``
costs a generator per node and a ``getattr`` plus ``isinstance`` per field.
Here each node class gets a plan once: which fields can hold nodes at all,
and which lists may hold something else (``None`` keys of ``{**d}``,
identifiers of ``global``), so the hot loop copies node lists as they are.
"""

from __future__ import annotations

import ast

#: Fields whose nodes carry no information a rule visits on its own
#: (``Load``/``Store`` contexts, operators): skipping them removes about a
#: third of all visits.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind"})
#: Fields that never hold a node: identifiers, flags and constants.
_SCALAR_FIELDS = frozenset(
    {
        ("Name", "id"),
        ("Attribute", "attr"),
        ("Constant", "value"),
        ("Constant", "kind"),
        ("FunctionDef", "name"),
        ("AsyncFunctionDef", "name"),
        ("ClassDef", "name"),
        ("arg", "arg"),
        ("keyword", "arg"),
        ("alias", "name"),
        ("alias", "asname"),
        ("ImportFrom", "module"),
        ("ImportFrom", "level"),
        ("ExceptHandler", "name"),
        ("FormattedValue", "conversion"),
        ("comprehension", "is_async"),
        ("AnnAssign", "simple"),
        ("Global", "names"),
        ("Nonlocal", "names"),
        ("MatchAs", "name"),
        ("MatchStar", "name"),
        ("MatchMapping", "rest"),
        ("MatchClass", "kwd_attrs"),
    }
)
#: List fields that may hold ``None`` (``{**d}`` keys, keyword-only arguments without a default).
_SPARSE_LISTS = frozenset({("Dict", "keys"), ("arguments", "kw_defaults")})

_Plan = tuple[tuple[str, bool], ...]
_CHILD_PLANS: dict[type, _Plan] = {}
_ALL_PLANS: dict[type, _Plan] = {}


def _plan(cls: type, skipped: frozenset[str]) -> _Plan:
    name = cls.__name__
    return tuple(
        (field, (name, field) in _SPARSE_LISTS)
        for field in cls._fields  # type: ignore[attr-defined]
        if field not in skipped and (name, field) not in _SCALAR_FIELDS
    )


def child_plan(cls: type) -> _Plan:
    """The fields of ``cls`` that :func:`child_nodes` reads, each with "may hold a non-node" (for inlined loops)."""
    plan = _CHILD_PLANS.get(cls)
    if plan is None:
        plan = _CHILD_PLANS[cls] = _plan(cls, _SKIPPED_FIELDS)
    return plan


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` without the generator overhead, nor contexts and operators (the hot loop)."""
    plan = _CHILD_PLANS.get(node.__class__)
    if plan is None:
        plan = _CHILD_PLANS[node.__class__] = _plan(node.__class__, _SKIPPED_FIELDS)
    out: list[ast.AST] = []
    for name, sparse in plan:
        value = getattr(node, name, None)
        if value.__class__ is list:
            if sparse:
                out.extend([item for item in value if isinstance(item, ast.AST)])
            else:
                out += value
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def all_child_nodes(node: ast.AST) -> list[ast.AST]:
    """Exactly what ``ast.iter_child_nodes`` yields, in its order, as a list (contexts and operators too)."""
    plan = _ALL_PLANS.get(node.__class__)
    if plan is None:
        plan = _ALL_PLANS[node.__class__] = _plan(node.__class__, frozenset())
    out: list[ast.AST] = []
    for name, sparse in plan:
        value = getattr(node, name, None)
        if value.__class__ is list:
            if sparse:
                out.extend([item for item in value if isinstance(item, ast.AST)])
            else:
                out += value
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk(node: ast.AST) -> list[ast.AST]:
    """Exactly the nodes ``ast.walk`` yields, in its (breadth-first) order, as a list.

    ``ast.walk`` costs two generators per node (``iter_child_nodes`` over
    ``iter_fields``); facts that read a whole function or module take this
    list instead. (A caller that stops at the first match on a large tree may
    still prefer the generator.)
    """
    out: list[ast.AST] = [node]
    plans = _ALL_PLANS
    node_class = ast.AST
    for current in out:  # the list grows while it is read: a queue without pops
        cls = current.__class__
        plan = plans.get(cls)
        if plan is None:
            plan = plans[cls] = _plan(cls, frozenset())
        for name, sparse in plan:
            value = getattr(current, name, None)
            if value.__class__ is list:
                if sparse:
                    out += [item for item in value if isinstance(item, node_class)]
                else:
                    out += value
            elif isinstance(value, node_class):
                out.append(value)
    return out


_BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody", "cases")
_BLOCK_PLANS: dict[type, tuple[str, ...]] = {}


def statements(tree: ast.AST) -> list[ast.AST]:
    """The statements of ``tree`` (with its except handlers and match cases) in ``ast.walk``'s order.

    Statements only nest in statement blocks, never inside expressions, so
    the walk reads the block fields and never enters an expression: the
    same nodes ``ast.walk`` yields that are statements, in the same
    (breadth-first) order, at a fraction of the cost.
    """
    out: list[ast.AST] = [tree]
    index = 0
    while index < len(out):
        node = out[index]
        index += 1
        cls = node.__class__
        plan = _BLOCK_PLANS.get(cls)
        if plan is None:
            plan = _BLOCK_PLANS[cls] = tuple(f for f in cls._fields if f in _BLOCK_FIELDS)  # type: ignore[attr-defined]
        for name in plan:
            value = getattr(node, name, None)
            if value.__class__ is list:
                out += value
    return out


def assignment_targets(stmt: ast.AST) -> list[ast.expr]:
    """The targets a statement binds with ``=`` or an annotated ``x: T = ...``; none for any other statement."""
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, ast.AnnAssign):
        return [stmt.target]
    return []


def list_appends(body: list[ast.stmt]) -> list[tuple[str, ast.Call]]:
    """Every ``name.append(...)`` call in ``body`` (nested blocks included), with the appended-to name, in order."""
    out: list[tuple[str, ast.Call]] = []
    for stmt in body:
        for node in walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and isinstance(node.func.value, ast.Name)
            ):
                out.append((node.func.value.id, node))
    return out
