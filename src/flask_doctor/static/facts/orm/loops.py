"""Facts about loops: which loop runs a node once per item, and what changes per item.

An N+1 is a query inside the body of a loop that uses the loop's item; a
loop over a literal list, ``range(3)``, or one that stops at the first match
is not the N+1 shape.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import all_child_nodes, statements, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.facts.orm.queries import Query
    from flask_doctor.static.model import FunctionInfo, ModelInfo, Project

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: A loop: a ``for`` statement or a comprehension.
Loop = ast.For | ast.AsyncFor | ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def enclosing_loop(ctx: Context, node: ast.AST) -> Loop | None:
    """The innermost ``for`` loop or comprehension whose *body* holds ``node``."""
    return _enclosing(ctx.ancestors, node)


def outer_loop(ctx: Context, loop: Loop) -> Loop | None:
    """The loop whose body holds ``loop`` (``for cve in cves: for v in cve.vendors: ...``), if any."""
    ancestors = list(ctx.ancestors)
    if not any(a is loop for a in ancestors):
        return None
    index = next(i for i, a in enumerate(ancestors) if a is loop)
    return _enclosing(ancestors[:index], loop)


#: The ancestors :func:`_enclosing` looks at; any other it passes on the way up (one test instead of four:
#: FD202 asks this of every call in request and job code).
_STOPS = frozenset({*_SCOPES, ast.For, ast.AsyncFor, *_COMPREHENSIONS, ast.comprehension})


def _enclosing(ancestors: list[ast.AST], node: ast.AST) -> Loop | None:
    child: ast.AST = node
    for ancestor in reversed(ancestors):
        if ancestor.__class__ not in _STOPS:
            child = ancestor
            continue
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child not in (ancestor.iter, ancestor.target):
            if child in ancestor.orelse:
                child = ancestor
                continue
            return ancestor
        if isinstance(ancestor, _COMPREHENSIONS):
            first = ancestor.generators[0]
            if child is not first and child is not ancestor:  # not inside the first iterable
                return ancestor
        if isinstance(ancestor, ast.comprehension):
            # the first generator's iter runs once; ifs and later iters run per item
            if any(child is test for test in ancestor.ifs):
                # ``[h for h in hits if located(h.pid) == here]``: the condition runs once per item
                return next(
                    (a for a in reversed(ancestors) if isinstance(a, _COMPREHENSIONS) and ancestor in a.generators),
                    None,
                )
            if child is ancestor.iter:
                parent_comp = next(
                    (a for a in reversed(ancestors) if isinstance(a, _COMPREHENSIONS) and ancestor in a.generators),
                    None,
                )
                if parent_comp is not None and parent_comp.generators[0] is ancestor:
                    child = parent_comp
                    # skip up to the comprehension's parent
                    continue
        child = ancestor
    return None


@keyed_fact
def loop_names(project: Project, loop: Loop) -> frozenset[str]:
    """Names that change per iteration: the loop targets and what the body assigns.

    Once per loop: FD202 asks it of every call in the loop's body, and a body
    can hold hundreds of calls.
    """
    names: set[str] = set()
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        parts: list[ast.AST] = [loop.target, *loop.body]
    else:  # comprehension node
        parts = [g.target for g in loop.generators]
    for part in parts:
        for node in walk(part):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(names)


def uses_any(node: ast.AST, names: AbstractSet[str]) -> bool:
    """``node`` reads one of ``names``."""
    for sub in walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names:
            return True
    return False


@keyed_fact
def item_names(project: Project, loop: Loop) -> frozenset[str]:
    """Names whose value changes with the loop's item: its targets, and body names computed from them.

    ``conclusion_id = request.json["id"]`` inside the loop is the same on every
    iteration; a query that reads only such names is loop-invariant (hoist it).
    Once per loop, as :func:`loop_names`: FD202 asks it of the calls in the loop's body that pass an item,
    and each answer walks the whole body and runs the assignments to a fixed point.
    """
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        targets: list[ast.AST] = [loop.target]
        body: list[ast.AST] = list(loop.body)
    else:
        targets = [g.target for g in loop.generators]
        body = []
    names = {n.id for t in targets for n in walk(t) if isinstance(n, ast.Name)}
    assigns: list[tuple[set[str], ast.AST]] = []
    for part in body:
        for node in walk(part):
            if isinstance(node, ast.Assign):
                stored = {n.id for t in node.targets for n in walk(t) if isinstance(n, ast.Name)}
                assigns.append((stored, node.value))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                assigns.append(({n.id for n in walk(node.target) if isinstance(n, ast.Name)}, node.value))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                assigns.append(({n.id for n in walk(node.target) if isinstance(n, ast.Name)}, node.iter))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                assigns.append(({n.id for n in walk(node.optional_vars) if isinstance(n, ast.Name)}, node.context_expr))
            elif isinstance(node, ast.NamedExpr):
                assigns.append(({node.target.id}, node.value))
    changed = True
    while changed:
        changed = False
        for stored, value in assigns:
            if stored - names and uses_any(value, names):
                names |= stored
                changed = True
    return frozenset(names)


_CONFIG_ROOTS = ("config", "settings", "conf", "current_app.config", "app.config", "flask.current_app.config")
_CONTAINER_DISPLAYS = (ast.Tuple, ast.List, ast.Set, ast.Dict)


def _unwrap(node: ast.expr) -> ast.expr:
    """``enumerate(x)``, ``sorted(x)``, ``list(x)``, ``x.items()``, ``x.keys()`` -> ``x``."""
    while True:
        if (
            isinstance(node, ast.Call)
            and node.args
            and dotted(node.func)
            in (
                "enumerate",
                "sorted",
                "list",
                "tuple",
                "set",
                "reversed",
                "iter",
                "frozenset",
            )
        ):
            node = node.args[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and not node.args
            and node.func.attr in ("items", "keys", "values", "copy")
        ):
            node = node.func.value
        else:
            return node


def _module_level(project: Project, name: str, fn: FunctionInfo) -> list[ast.expr] | None:
    """The values a module-level name of ``fn``'s module is assigned (``None`` if it is no module global)."""
    if name in fn.local_names and name not in fn.global_names:
        return None
    values: list[ast.expr] = []
    for stmt in fn.module.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            values.append(stmt.value)
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == name
            and stmt.value is not None
        ):
            values.append(stmt.value)
    return values or None


def _filled_from_fixed(project: Project, name: str, fn: FunctionInfo, depth: int) -> bool:
    """A local container filled only inside loops over fixed collections (a subset of a registry)."""
    fills = 0
    for loop in walk(fn.node):
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            continue
        writes = [
            n
            for n in walk(loop)
            if (
                isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Subscript) and dotted(t.value) == name for t in n.targets)
            )
            or (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and dotted(n.func.value) == name
                and n.func.attr in ("append", "add", "update", "extend", "setdefault", "insert")
            )
        ]
        if writes:
            if not fixed_collection(project, loop.iter, fn, depth + 1):
                return False
            fills += len(writes)
    return fills > 0


_FILLERS = ("append", "add", "update", "extend", "setdefault", "insert")


def _writes_into(node: ast.AST, name: str) -> bool:
    """``name.append(x)`` / ``name[k] = v``: ``node`` adds to the container ``name``."""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Subscript) and dotted(t.value) == name for t in node.targets)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and dotted(node.func.value) == name
        and node.func.attr in _FILLERS
    )


def fill_loops(project: Project, fn: FunctionInfo, name: str) -> list[ast.For | ast.AsyncFor]:
    """The loops that build the local ``name`` item by item, when that is the only way it gets items.

    ``ids = []`` then ``for row in rows: ids.append(row.book_id)``: a later loop over ``ids`` runs once
    per row of ``rows``. Innermost loops only (the one whose item is added); empty when ``name`` is
    assigned anything but an empty container.
    """
    values = assignments(project, fn).get(name, [])
    if not values or not all(_empty_container(v) for v in values):
        return []
    found: list[ast.For | ast.AsyncFor] = []
    for loop in ast.walk(fn.node):
        if isinstance(loop, (ast.For, ast.AsyncFor)) and any(_writes_into(n, name) for n in _own_body(loop)):
            found.append(loop)
    return found


def kept_if_in(project: Project, fn: FunctionInfo, fill: ast.For | ast.AsyncFor, name: str) -> ast.expr | None:
    """What the items ``fill`` adds to ``name`` must already be in, when the loop adds only those.

    ``for i in searched: if i in book_ids: ids.append(i)`` keeps the items of ``searched`` found in
    ``book_ids``, so ``ids`` holds at most as many items as ``book_ids``, whatever ``searched`` is. Returns
    what walking ``book_ids`` walks: the iterable of the comprehension ``book_ids`` is built with
    (``[b.book_id for b in rows]`` gives ``rows``), else ``book_ids`` itself; ``None`` when a write into
    ``name`` is not under such a test of the loop's item.
    """
    items = {n.id for n in ast.walk(fill.target) if isinstance(n, ast.Name)}
    bounds: list[ast.expr] = []
    guarded: set[int] = set()
    for holder in _own_body(fill):
        test = holder.test if isinstance(holder, ast.If) else None
        if (
            isinstance(holder, ast.If)
            and isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.In)
            and isinstance(test.left, ast.Name)
            and test.left.id in items
        ):
            bounds.append(test.comparators[0])
            guarded.update(id(n) for stmt in holder.body for n in ast.walk(stmt))
    writes = [n for n in _own_body(fill) if _writes_into(n, name)]
    if not writes or any(id(w) not in guarded for w in writes) or len({ast.dump(b) for b in bounds}) != 1:
        return None  # some item is added whatever it is, or the tests name different collections
    bound = bounds[0]
    if isinstance(bound, ast.Name):
        values = assignments(project, fn).get(bound.id, [])
        if len(values) == 1 and isinstance(values[0], (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return values[0].generators[0].iter
    return bound


def _empty_container(value: ast.expr) -> bool:
    """``[]``, ``{}``, ``set()``, ``list()``: a container the code fills later."""
    if isinstance(value, _CONTAINER_DISPLAYS):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    return isinstance(value, ast.Call) and not value.args and dotted(value.func) in ("list", "set", "dict")


def _own_body(loop: ast.For | ast.AsyncFor) -> list[ast.AST]:
    """Nodes of the loop's body, not those of loops or functions nested in it."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, (ast.For, ast.AsyncFor, *_SCOPES)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def fixed_collection(project: Project, node: ast.expr, fn: FunctionInfo | None = None, depth: int = 0) -> bool:
    """A loop over something of fixed, small size written in the code, not data.

    Literals and ``range(3)``; configuration (``config.CATEGORY_CLEANUP``,
    ``current_app.config["PROVIDERS"]``, ``current_app.config.get("ROLES", [])``);
    module-level constants and registries filled at import (``_BUILT_FAMILIES``,
    a dict of OAuth providers); the members of an ``Enum`` class of the project
    (``for status in Status:``, ``Status.__members__``); a literal container a
    class keeps (``Permission.ALL = ("read", "write")``); a local tuple of names
    (``models = [RollupA, RollupB]``); a comprehension over one of these
    (``[s.value for s in Status]``); a local container filled only from one of
    these.
    """
    if depth > 3:
        return False
    node = _unwrap(node)
    if constant_iterable(project, node, fn):
        return True
    if isinstance(node, _COMPREHENSIONS):
        return all(fixed_collection(project, g.iter, fn, depth + 1) for g in node.generators)
    if fn is not None and (_enum_class(project, node, fn) is not None or _class_constant(project, node, fn)):
        return True
    name = dotted(node)
    if isinstance(node, ast.Subscript):
        name = dotted(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        name = dotted(node.func.value)  # ``current_app.config.get("ROLES", [])``
    if name and (
        name.split(".")[0] in _CONFIG_ROOTS or any(name.startswith(r + ".") for r in _CONFIG_ROOTS) or ".config" in name
    ):
        return True
    if isinstance(node, _CONTAINER_DISPLAYS):
        return all(
            not isinstance(e, (ast.Call, ast.ListComp, ast.GeneratorExp, ast.Starred))
            for e in (node.keys if isinstance(node, ast.Dict) else node.elts)
            if e is not None
        )
    if not isinstance(node, ast.Name) or fn is None:
        return False
    module_values = _module_level(project, node.id, fn)
    if module_values is not None:
        return True  # a module global: a constant or a registry filled at import time
    values = assignments(project, fn).get(node.id, [])
    if not values:
        return False
    if all(isinstance(v, _CONTAINER_DISPLAYS) and not (v.keys if isinstance(v, ast.Dict) else v.elts) for v in values):
        return _filled_from_fixed(project, node.id, fn, depth)
    return all(fixed_collection(project, v, fn, depth + 1) for v in values) and not _filled_later(fn, node.id)


#: The bases of an enumeration: iterating the class walks its members, a fixed set written in the code.
_ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})


def _enum_class(project: Project, node: ast.expr, fn: FunctionInfo) -> str | None:
    """The project ``Enum`` class ``node`` names (``Status``, ``Status.__members__``), else ``None``."""
    if isinstance(node, ast.Attribute) and node.attr == "__members__":
        node = node.value
    name = dotted(node)
    if not name or name.split(".", 1)[0] in fn.local_names:
        return None
    found = _project_class(project, name, fn)
    if found is None:
        return None
    return found if any(base in _ENUM_BASES for base in project.lineage(found)) else None


def _project_class(project: Project, name: str, fn: FunctionInfo) -> str | None:
    """The qualified name of the project class ``name`` means in ``fn``'s module, else ``None``."""
    local = f"{fn.module.name}.{name}"
    if local in project.classes:
        return local
    qualified = fn.imports.qualify(name)
    if qualified:
        qualified = project.canonical(qualified)
        if qualified in project.classes:
            return qualified
    return None


def _class_constant(project: Project, node: ast.expr, fn: FunctionInfo) -> bool:
    """``Permission.ALL`` where the class body binds ``ALL`` to a literal container of constants."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = dotted(node.value)
    if not owner or owner.split(".", 1)[0] in fn.local_names:
        return False
    found = _project_class(project, owner, fn)
    if found is None:
        return False
    for current in project.lineage(found):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == node.attr for t in targets):
                value = stmt.value  # type: ignore[union-attr]
                return value is not None and (
                    constant_iterable(project, value)
                    or (isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys))
                )
    return False


def _filled_later(fn: FunctionInfo, name: str) -> bool:
    for sub in walk(fn.node):  # filled later (``names.append(x)``): not a constant
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and dotted(sub.func.value) == name:
            if sub.func.attr in ("append", "add", "update", "extend", "insert", "setdefault"):
                return True
        if isinstance(sub, ast.AugAssign) and dotted(sub.target) == name:
            return True
    return False


#: Calls that list the entries of a directory on disk.
_LISTINGS = frozenset({"os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob"})
#: Methods of a ``pathlib.Path`` that list a directory (``Path(d).iterdir()``).
_PATH_LISTINGS = frozenset({"iterdir", "rglob"})


def directory_listing(project: Project, node: ast.expr, fn: FunctionInfo | None, depth: int = 0) -> ast.Call | None:
    """The call listing a directory on disk whose entries the loop walks: ``os.listdir(d)``, ``glob.glob(p)``,
    ``Path(d).iterdir()``, directly, through a comprehension over one (``[f for f in listdir(d) if ...]``), or
    through a local filled from one (``paths += glob.glob(p)`` in a loop over a few patterns)."""
    if depth > 2:
        return None
    node = _unwrap(node)
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        qualified = (fn.imports.qualify(name) if fn is not None and name else None) or name
        if qualified in _LISTINGS:
            return node
        if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_LISTINGS:
            return node
        return None
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
        return directory_listing(project, node.generators[0].iter, fn, depth + 1)
    if not isinstance(node, ast.Name) or fn is None:
        return None
    values = list(assignments(project, fn).get(node.id, []))
    values += [
        sub.value
        for sub in walk(fn.node)
        if isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name) and sub.target.id == node.id
    ]
    values += [
        sub.args[0]
        for sub in walk(fn.node)
        if isinstance(sub, ast.Call)
        and isinstance(sub.func, ast.Attribute)
        and sub.func.attr == "extend"
        and dotted(sub.func.value) == node.id
        and sub.args
    ]
    for value in values:
        found = directory_listing(project, value, fn, depth + 1)
        if found is not None:
            return found
    return None


def constant_iterable(project: Project, node: ast.expr, fn: FunctionInfo | None = None) -> bool:
    """A loop over literals (``("a", "b")``, ``range(3)``, a local tuple never added to): a fixed, small count."""
    if isinstance(node, ast.Name) and fn is not None:
        values = assignments(project, fn).get(node.id, [])
        if len(values) != 1 or not isinstance(values[0], (ast.Tuple, ast.List, ast.Set)) or not values[0].elts:
            return False
        if _filled_later(fn, node.id):
            return False
        return constant_iterable(project, values[0])
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Call) and dotted(node.func) == "range":
        return all(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.Call) and dotted(node.func) == "enumerate" and node.args:
        return constant_iterable(project, node.args[0])
    return False


@keyed_fact
def stops_at_first_match(project: Project, loop: ast.For | ast.AsyncFor) -> bool:
    """The loop ``break``s (a search, not a per-item load).

    Once per loop: FD202 asks it of every call in the loop's body, and each
    answer walks the whole body.
    """
    stack: list[ast.AST] = list(_reachable(loop.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, *_SCOPES)):
            continue
        for child in all_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                continue  # statement blocks below are taken whole, less what follows a ``return``
            stack.append(child)
        for block in _blocks(node):
            stack.extend(_reachable(block))
    return False


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists a statement holds (``if`` body and ``else``, ``try`` handlers...)."""
    blocks: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            blocks.append(value)
    for handler in getattr(node, "handlers", ()) or ():
        blocks.append(handler.body)
    for case in getattr(node, "cases", ()) or ():
        blocks.append(case.body)
    return blocks


def _reachable(block: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of ``block`` up to the first that always leaves it: a ``break`` written after
    ``return "invalid", 400`` never runs, and the loop does not stop at a match."""
    for index, stmt in enumerate(block):
        if isinstance(stmt, (ast.Return, ast.Raise, ast.Continue)):
            return block[: index + 1]
    return block


def loop_item(target: ast.expr, iterable: ast.expr) -> tuple[str | None, ast.expr]:
    """(item variable, real iterable), seeing through ``enumerate``."""
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
            return target.elts[1].id, iterable.args[0]
        return None, iterable
    if isinstance(target, ast.Name):
        return target.id, iterable
    return None, iterable


_CONDITIONAL = (ast.If, ast.IfExp, ast.BoolOp, ast.While, ast.Try, *_SCOPES)


def _unconditional_nodes(nodes: list[ast.AST]) -> Iterator[ast.AST]:
    """The nodes every run of ``nodes`` evaluates (not under an ``if``, ``and``/``or``, ``try``, a loop's body)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            stack.append(node.test)  # the test runs every time, whichever branch follows
            continue
        if isinstance(node, ast.BoolOp):
            stack.append(node.values[0])  # ``a and b``: ``a`` always runs
            continue
        if isinstance(node, _CONDITIONAL):
            continue
        yield node
        if isinstance(node, (*_COMPREHENSIONS, ast.For, ast.AsyncFor)):
            # a nested loop's body runs once per element of its iterable, perhaps never: only the iterable counts
            stack.append(node.generators[0].iter if isinstance(node, _COMPREHENSIONS) else node.iter)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _unconditional_reads(nodes: list[ast.AST], var: str) -> set[str]:
    """The attributes of ``var`` read by every run of ``nodes`` (not under an ``if``, ``and``/``or``, ``try``)."""
    return {
        node.attr
        for node in _unconditional_nodes(nodes)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == var
    }


def _always_run(fn: FunctionInfo) -> Iterator[ast.AST]:
    """The nodes of ``fn`` every run evaluates: statements after one that may leave early do not count."""
    for stmt in fn.node.body:
        yield from _unconditional_nodes([stmt])
        if isinstance(stmt, (ast.Return, ast.Raise)) or any(
            isinstance(n, (ast.Return, ast.Raise)) for n in walk(stmt) if n is not stmt
        ):
            return


def always_read(fn: FunctionInfo, var: str) -> set[str]:
    """The attributes of ``var`` every run of ``fn`` reads (``return self.author.name``, ``if self.author:``).

    Statements after one that may leave early (``if self.deleted: return None``) do not always run.
    """
    return {
        node.attr
        for node in _always_run(fn)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == var
    }


def _touches(node: ast.AST, rows: str, attr: str) -> bool:
    """``node`` is a loop over the name ``rows`` that reads ``item.attr`` of every row (no ``break``, no ``if``)."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        target, source, body = node.target, node.iter, list(node.body)
    elif isinstance(node, _COMPREHENSIONS) and len(node.generators) == 1 and not node.generators[0].ifs:
        first = node.generators[0]
        target, source = first.target, first.iter
        body = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    else:
        return False
    var, source = loop_item(target, source)
    if var is None or not (isinstance(source, ast.Name) and source.id == rows):
        return False
    if any(isinstance(n, (ast.Break, ast.Return)) for part in body for n in ast.walk(part)):
        return False  # it may stop before the last row
    return attr in _unconditional_reads(body, var)


def touched_before(project: Project, fn: FunctionInfo, iterable: ast.expr, attr: str, loop: ast.AST) -> ast.AST | None:
    """An earlier loop of ``fn`` over the same rows that reads ``row.attr`` of every row: the loop that loaded it.

    A lazy relationship, once loaded, stays in the object's state: a second loop over the same list of rows
    (``items``, assigned once) reads the loaded collection and runs no SQL. The earlier loop is where the
    queries run, and where a finding belongs.
    """
    if not isinstance(iterable, ast.Name) or len(assignments(project, fn).get(iterable.id, [])) != 1:
        return None
    line = getattr(loop, "lineno", 0)
    for node in walk(fn.node):
        if node is not loop and getattr(node, "lineno", line) < line and _touches(node, iterable.id, attr):
            return node
    return None


def preloaded_by(project: Project, fn: FunctionInfo, iterable: ast.expr, attr: str) -> FunctionInfo | None:
    """The helper that returned these rows after reading ``row.attr`` of each (``posts, stats = get_posts()``).

    ``for post in posts: post.authors`` just before ``return posts`` loads every returned row's relationship
    (that loop is the N+1, reported there); the caller's loop over the same rows reads them loaded. The
    helper must return that name from one ``return``, and the loop must run, in the helper's own body,
    after the name's last assignment.
    """
    bound = _last_binding(fn, iterable)
    if bound is None:
        return None
    value, index = bound
    name = dotted(value.func) if isinstance(value, ast.Call) else None
    helper = project.resolve_function(name, fn, fn.module) if name else None
    if helper is None or helper is fn:
        return None
    returns = [n for n in walk(helper.node) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    result = returns[0].value
    if index is not None:
        result = result.elts[index] if isinstance(result, ast.Tuple) and index < len(result.elts) else None
    if not isinstance(result, ast.Name):
        return None
    rows = result.id
    last = max(
        (s.lineno for s in statements(helper.node) if _assigns(s, rows)),
        default=helper.node.lineno,
    )
    for stmt in helper.node.body:
        if last < stmt.lineno < returns[0].lineno and _touches(stmt, rows, attr):
            return helper
    return None


#: Roles of the functions Flask runs when any template is rendered: ``@app.context_processor``.
_PROCESSOR_ROLES = frozenset({"context_processor", "app_context_processor"})
#: Steps of a context processor's query that keep every row its filter matches (no page, join or limit).
_KEEPS_MATCHING = frozenset({"all", "filter", "where", "order_by", "options", "scalars", "execute"})


def preloaded_by_processor(
    project: Project, query: Query, ctx: Context, attrs: AbstractSet[str]
) -> FunctionInfo | None:
    """The function a context processor runs that loaded ``row.attr`` (one of ``attrs``) on every row of ``query``.

    Flask runs the context processors inside ``render_template``: after the view has built the rows it passes
    and before the template reads them. A processor that walks the rows of the same model, picked by
    conditions the view's query applies too (every active account; the view's active bank accounts), and
    reads the relationship of each (itself, or through a property of the model that always reads it), loads
    it on the very objects the view holds: the session's identity map hands the processor those objects,
    and the template then reads what is loaded. The processor's loop is where the queries run.

    The view's rows must be a list (``.all()``) built before rendering, not a query the template runs later:
    the processor's objects would be gone by then. Only calls every run of the processor makes are followed,
    two project functions deep.
    """
    from flask_doctor.static.facts.classes import method_called
    from flask_doctor.static.facts.orm.queries import filter_terms, helper_context

    if query.model is None or not query.methods or query.methods[0][0] != "all":
        return None
    held = {ast.unparse(term) for term in filter_terms(query, ctx, always=True)}
    for processor in project.functions.values():
        if not processor.roles & _PROCESSOR_ROLES or not _every_render(project, processor):
            continue
        stack, seen = [(processor, 0)], set()
        while stack:
            fn, depth = stack.pop()
            if fn.qualname in seen:
                continue
            seen.add(fn.qualname)
            run = {id(node): node for node in _always_run(fn)}
            fn_ctx = helper_context(project, fn)
            for node in run.values():
                if isinstance(node, (ast.For, ast.AsyncFor, *_COMPREHENSIONS)) and _loads_each(
                    node, query.model, held, attrs, fn_ctx
                ):
                    return fn
            if depth < 2:
                for node in run.values():
                    callee = method_called(fn_ctx, node) if isinstance(node, ast.Call) else None
                    if callee is not None:
                        stack.append((callee, depth + 1))
    return None


def _every_render(project: Project, processor: FunctionInfo) -> bool:
    """The context processor runs for every template the application renders: the app's own
    (``@app.context_processor``, a blueprint's ``app_context_processor``), not a blueprint's, which runs
    only for that blueprint's views, nor one whose receiver the code does not show."""
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import BLUEPRINT_TYPES

    module_ctx = Context(processor.module, project, lambda finding: None)
    for decorator in getattr(processor.node, "decorator_list", []):
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not isinstance(func, ast.Attribute):
            continue
        if func.attr == "app_context_processor":
            return True
        if func.attr == "context_processor":
            kind = module_ctx.type_of(func.value)
            return kind is not None and not project.is_subtype(kind, BLUEPRINT_TYPES)
    return False


def _loads_each(loop: ast.AST, model: ModelInfo, held: AbstractSet[str], attrs: AbstractSet[str], ctx: Context) -> bool:
    """``loop`` walks every ``model`` row its query's conditions (all among ``held``) pick and reads one of
    ``attrs`` of each, itself or through properties of the model that always read it."""
    from flask_doctor.static.facts.orm.queries import filter_terms, iterated_query

    if isinstance(loop, (ast.For, ast.AsyncFor)):
        target, source, body = loop.target, loop.iter, list(loop.body)
    elif len(loop.generators) == 1 and not loop.generators[0].ifs:  # type: ignore[attr-defined]
        target, source = loop.generators[0].target, loop.generators[0].iter  # type: ignore[attr-defined]
        body = [loop.key, loop.value] if isinstance(loop, ast.DictComp) else [loop.elt]  # type: ignore[attr-defined]
    else:
        return False
    var, source = loop_item(target, source)
    if var is None or any(isinstance(n, (ast.Break, ast.Return)) for part in body for n in ast.walk(part)):
        return False
    rows = iterated_query(source, ctx)
    if (
        rows is None
        or rows.model is not model
        or rows.via is not None
        or not rows.names <= _KEEPS_MATCHING
        or not {ast.unparse(term) for term in filter_terms(rows, ctx)} <= held
    ):
        return False
    return bool(_with_properties(ctx.project, model, _unconditional_reads(body, var)) & attrs)


def _with_properties(project: Project, model: ModelInfo, reads: set[str], depth: int = 0) -> set[str]:
    """``reads`` and what the model's properties among them always read of the row (``is_stale`` ->
    ``ofx_statement`` -> ``all_statements``), three properties deep."""
    from flask_doctor.static.facts.orm.models import model_property

    found = set(reads)
    if depth < 3:
        for name in reads:
            getter = model_property(project, model, name)
            if getter is not None:
                found |= _with_properties(project, model, always_read(getter, "self") - {name}, depth + 1)
    return found


def _last_binding(fn: FunctionInfo, iterable: ast.expr) -> tuple[ast.expr, int | None] | None:
    """The value the name ``iterable`` holds where it is read (and its position when unpacked from a tuple).

    Only straight-line code counts: every binding of the name is a statement of the function's own body,
    and the last one before the read is the value (``posts = q.all()`` then ``posts, n = get_posts()``).
    """
    if not isinstance(iterable, ast.Name):
        return None
    name = iterable.id
    everywhere = [s for s in statements(fn.node) if _assigns(s, name)]
    top = [s for s in fn.node.body if _assigns(s, name) and s.lineno < iterable.lineno]
    if not top or len(everywhere) != len([s for s in fn.node.body if _assigns(s, name)]):
        return None
    last = top[-1]
    if not isinstance(last, ast.Assign) or len(last.targets) != 1:
        return None
    target = last.targets[0]
    if isinstance(target, ast.Name):
        return last.value, None
    if isinstance(target, ast.Tuple) and not isinstance(last.value, (ast.Tuple, ast.List)):
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name) and element.id == name:
                return last.value, index
    return None


def _assigns(stmt: ast.AST, name: str) -> bool:
    """``stmt`` binds ``name`` (``name = ...``, ``name += ...``, ``a, name = ...``)."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return False
    return any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t))


# ------------------------------------------------------------------ the item handed to a helper
@dataclass(frozen=True, eq=False)
class ItemRead:
    """An attribute of the loop's item that a helper reads: ``row_for(post)`` -> ``post.author``."""

    attr: str
    node: ast.Attribute  # the read, in the last helper
    helpers: tuple[FunctionInfo, ...]  # the called helper first, the one holding the read last


def _parameter_for(call: ast.Call, helper: FunctionInfo, var: str) -> str | None:
    """The parameter of ``helper`` that receives the name ``var`` in ``call`` (by position or keyword)."""
    for kw in call.keywords:
        if kw.arg and isinstance(kw.value, ast.Name) and kw.value.id == var:
            return kw.arg
    positional = [a.arg for a in helper.node.args.posonlyargs + helper.node.args.args]
    if positional and positional[0] in ("self", "cls") and helper.class_name and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None
        if isinstance(arg, ast.Name) and arg.id == var:
            return positional[index] if index < len(positional) else None
    return None


#: Methods that change a collection in place (``cert.sources.remove(s)``).
_MUTATORS = frozenset({"append", "remove", "extend", "clear", "add", "discard", "pop", "insert", "update"})


def changes_attribute(nodes: list[ast.AST], var: str, attr: str) -> bool:
    """``var.attr = ...``, ``var.attr.append(x)``/``var.attr.remove(x)`` among ``nodes``: the code rewrites it."""
    for part in nodes:
        for node in ast.walk(part):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                targets.append(node.func.value)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets.extend(node.targets if isinstance(node, ast.Assign) else [node.target])
            if any(
                isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) and t.value.id == var
                for t in targets
            ):
                return True
    return False


def item_changed_by(
    project: Project, scope: FunctionInfo, body: list[ast.AST], var: str, attr: str, depth: int = 3
) -> FunctionInfo | None:
    """The project function the loop hands its item to that changes the item's ``attr`` (``rotate(endpoint,
    new)`` -> ``endpoint.certificate = new``), following the item down ``depth`` calls; else ``None``.

    The loop then rewrites each row's relationship one by one anyway: loading it first is part of that change.
    """
    frontier: list[tuple[FunctionInfo, list[ast.AST], str]] = [(scope, body, var)]
    seen = {scope.qualname}
    for _ in range(depth):
        following: list[tuple[FunctionInfo, list[ast.AST], str]] = []
        for fn, nodes, name in frontier:
            for part in nodes:
                for call in ast.walk(part):
                    if not isinstance(call, ast.Call):
                        continue
                    callee_name = dotted(call.func)
                    callee = project.resolve_function(callee_name, fn, fn.module) if callee_name else None
                    if callee is None or callee.qualname in seen:
                        continue
                    param = _parameter_for(call, callee, name)
                    if param is None or param in assignments(project, callee):
                        continue
                    seen.add(callee.qualname)
                    if changes_attribute([callee.node], param, attr):
                        return callee
                    following.append((callee, list(callee.node.body), param))
        frontier = following
    return None


def _guarded_reads(fn: FunctionInfo, optional: set[str]) -> set[int]:
    """Nodes under ``if <optional parameter>:``: a caller that does not pass it skips them."""
    guarded: set[int] = set()
    if not optional:
        return guarded
    for node in walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp)):
            continue
        if not {n.id for n in walk(node.test) if isinstance(n, ast.Name)} & optional:
            continue
        parts = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
        for part in parts:
            guarded.update(id(inner) for inner in walk(part))
    return guarded


def flag_values(call: ast.Call, helper: FunctionInfo, scope: FunctionInfo) -> dict[str, bool]:
    """The truth of ``helper``'s parameters in this ``call`` when the code shows it.

    A constant the call passes (``legacy=False``), the default of one it does not pass (``full=False``),
    or the caller's own flag passed on (``full=full`` where the caller's ``full`` defaults to ``False``):
    reads that need such a flag switched on happen only for callers that opt in.
    """
    if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        return {}
    values = _defaults(helper)
    positional = [a.arg for a in helper.node.args.posonlyargs + helper.node.args.args]
    if positional and positional[0] in ("self", "cls") and helper.class_name and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    given = [(positional[i], a) for i, a in enumerate(call.args) if i < len(positional)]
    given += [(kw.arg, kw.value) for kw in call.keywords if kw.arg]
    caller_flags = _defaults(scope)
    for name, value in given:
        values.pop(name, None)
        if isinstance(value, ast.Constant) and (value.value is None or isinstance(value.value, bool)):
            values[name] = bool(value.value)
        elif isinstance(value, ast.Name) and caller_flags.get(value.id) is False:
            values[name] = False
    return values


def _defaults(fn: FunctionInfo) -> dict[str, bool]:
    """Parameters defaulting to ``True``/``False``/``None``, with that truth."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return {
        a.arg: bool(d.value)
        for a, d in pairs
        if isinstance(d, ast.Constant) and (d.value is None or isinstance(d.value, bool))
    }


def _truth(test: ast.expr, values: dict[str, bool]) -> bool | None:
    """``flag``, ``not flag``, ``flag and x``, ``flag or x`` evaluated where the flags are known."""
    if isinstance(test, ast.Name):
        return values.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _truth(test.operand, values)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [_truth(v, values) for v in test.values]
        decisive = False if isinstance(test.op, ast.And) else True
        return decisive if decisive in parts else None
    return None


@keyed_fact
def _branching(project: Project, fn: FunctionInfo) -> list[ast.AST]:
    """``fn``'s ``if`` statements and expressions and its ``and``/``or``, in ``ast.walk``'s order: what
    :func:`dead_branches` reads, listed once (a helper is asked about again for each call to it)."""
    return [node for node in walk(fn.node) if isinstance(node, (ast.BoolOp, ast.If, ast.IfExp))]


def dead_branches(project: Project, fn: FunctionInfo, values: dict[str, bool]) -> set[int]:
    """Nodes of ``fn`` that do not run with these flag values: the branch an ``if`` does not take, and the
    operands of ``flag and x`` after a false flag."""
    dead: set[int] = set()
    if not values:
        return dead
    for node in _branching(project, fn):
        if isinstance(node, ast.BoolOp):
            decisive = False if isinstance(node.op, ast.And) else True
            for index, value in enumerate(node.values):
                if _truth(value, values) is decisive:
                    dead.update(id(n) for later in node.values[index + 1 :] for n in walk(later))
                    break
        if not isinstance(node, (ast.If, ast.IfExp)):
            continue
        taken = _truth(node.test, values)
        if taken is None:
            continue
        skipped = node.orelse if taken else node.body
        for part in skipped if isinstance(skipped, list) else [skipped]:
            dead.update(id(n) for n in walk(part))
    return dead


def _super_method(project: Project, fn: FunctionInfo, name: str) -> FunctionInfo | None:
    """``super().name(...)`` in a method of ``fn``'s class: the first base in its lineage that defines ``name``."""
    if not fn.class_name:
        return None
    own = fn.qualname.rsplit(".", 2)[0] + "." + fn.class_name
    for current in project.lineage(own):
        cls = project.classes.get(current)
        if current != own and cls is not None and name in cls.methods:
            return cls.methods[name]
    return None


def _called_method(project: Project, fn: FunctionInfo, call: ast.expr, param: str) -> FunctionInfo | None:
    """The project method ``param.m(...)`` (or ``super().m(...)`` for ``self``) runs on the same object."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    receiver = call.func.value
    if isinstance(receiver, ast.Name) and receiver.id == param and param == "self":
        return project.resolve_function(f"self.{call.func.attr}", fn, fn.module)
    if (
        param == "self"
        and isinstance(receiver, ast.Call)
        and isinstance(receiver.func, ast.Name)
        and receiver.func.id == "super"
    ):
        return _super_method(project, fn, call.func.attr)
    return None


def sets_before(
    project: Project, fn: FunctionInfo, param: str, attr: str, before: ast.AST | None, depth: int = 0
) -> bool:
    """``fn`` assigns ``param.attr`` on every run before ``before`` (a read, or the call leading to one).

    Assigning a relationship (``self.hidden_by = user``) puts the value in the object's state: reading it
    afterwards loads nothing. Only statements of the function's own body count (not ones under an ``if``
    or a loop), and a method run on the same object first (``super().hide(user)``, ``self.reset()``) that
    assigns it the same way.
    """
    for stmt in fn.node.body:
        if before is not None and stmt.lineno >= getattr(before, "lineno", 0):
            break
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == attr
                and isinstance(target.value, ast.Name)
                and target.value.id == param
            ):
                return True
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        method = _called_method(project, fn, value, param) if value is not None and depth < 2 else None
        if method is not None and method is not fn and sets_before(project, method, "self", attr, None, depth + 1):
            return True
    return False


def item_reads(
    project: Project,
    scope: FunctionInfo,
    call: ast.Call,
    var: str,
    model_qualname: str,
    depth: int = 0,
) -> list[ItemRead]:
    """What ``call`` reads of the loop item ``var`` it is given, in the helper and one helper further down.

    ``[to_row(post) for post in posts]`` where ``to_row`` reads
    ``post.author.name`` loads the author once per row just as a read in
    the loop body would; so does ``post.to_dict()`` when the model's method
    reads ``self.author``.  Reads under ``if <param>:`` for an optional
    parameter the call does not pass are skipped (the caller opted out).
    """
    from flask_doctor.static.facts.orm.params import optional_params, passes

    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == var:
        helper = project._method(model_qualname, func.attr)
        positional = [a.arg for a in helper.node.args.posonlyargs + helper.node.args.args] if helper else []
        param = positional[0] if positional and positional[0] == "self" else None
    else:
        name = dotted(func)
        helper = project.resolve_function(name, scope, scope.module) if name else None
        param = _parameter_for(call, helper, var) if helper is not None else None
    if helper is None or param is None or helper is scope:
        return []
    if param in assignments(project, helper):
        return []  # the helper rebinds the parameter: the reads are of something else
    optional = {n for n in optional_params(helper) if not passes(call, helper, {n})}
    guarded = _guarded_reads(helper, optional) | dead_branches(project, helper, flag_values(call, helper, scope))
    found: list[ItemRead] = []
    for node in walk(helper.node):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == param
            and isinstance(node.ctx, ast.Load)
            and id(node) not in guarded
            and not sets_before(project, helper, param, node.attr, node)
        ):
            found.append(ItemRead(node.attr, node, (helper,)))
    if depth >= 1:
        return found
    for _name, inner in helper.calls:
        if id(inner) in guarded or inner is call:
            continue
        if not any(
            isinstance(a, ast.Name) and a.id == param for a in [*inner.args, *(k.value for k in inner.keywords)]
        ) and not (
            isinstance(inner.func, ast.Attribute)
            and isinstance(inner.func.value, ast.Name)
            and inner.func.value.id == param
        ):
            continue
        for read in item_reads(project, helper, inner, param, model_qualname, depth + 1):
            if sets_before(project, helper, param, read.attr, inner):
                continue  # the helper assigned it first (``self.hidden_by = user``): nothing to load
            found.append(ItemRead(read.attr, read.node, (helper, *read.helpers)))
    return found


def property_reads(project: Project, model: ModelInfo, name: str, depth: int = 0) -> list[ItemRead]:
    """What reading ``row.name`` reads of the row, when ``name`` is a property of its model.

    ``post.authors`` runs the getter (``@property``, ``hybrid_property``...): its reads of ``self``
    (``self._authors``) are reads of each row the loop walks, like ``post._authors`` in the loop body would
    be; so are those of a property it reads in turn (``authors_string`` -> ``self.authors``) and of a helper
    it hands ``self`` to.
    """
    from flask_doctor.static.facts.orm.models import model_property

    getter = model_property(project, model, name)
    if getter is None:
        return []
    found: list[ItemRead] = []
    for node in walk(getter.node):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and isinstance(node.ctx, ast.Load)
            and node.attr != name
        ):
            found.append(ItemRead(node.attr, node, (getter,)))
            if depth < 1:
                for inner in property_reads(project, model, node.attr, depth + 1):
                    found.append(ItemRead(inner.attr, inner.node, (getter, *inner.helpers)))
    if depth < 1:
        for _name, call in getter.calls:
            for read in item_reads(project, getter, call, "self", model.qualname, depth=1):
                found.append(ItemRead(read.attr, read.node, (getter, *read.helpers)))
    return found


# ------------------------------------------------------------------ data the client sends
#: What a WTForms field holds once the form is bound to the request (``form.ids.data``).
_FIELD_DATA = ("data", "raw_data", "entries")


def _form_types() -> set[str]:
    from flask_doctor.static.model.builder import FORM_TYPES  # the model's one list of form base classes

    return FORM_TYPES


def _form_class(project: Project, fn: FunctionInfo, value: ast.expr) -> bool:
    """``Form(...)``/``Form.build(request)``: an instance of a project form class (Flask-WTF, WTForms)."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    for candidate in (func, func.value if isinstance(func, ast.Attribute) else None):
        name = dotted(candidate) if candidate is not None else None
        qualified = fn.imports.qualify(name) if name else None
        if qualified and project.is_subtype(project.canonical(qualified), _form_types()):
            return True
    return False


def form_data(project: Project, fn: FunctionInfo, expr: ast.expr, depth: int = 0) -> ast.expr | None:
    """The field of a submitted form ``expr`` reads (``form.events.raw_data``, a local holding it), else ``None``.

    A form bound to the request carries what the client posted, like ``request.form`` itself.
    """
    expr = _unwrap(expr)
    if isinstance(expr, ast.Name):
        values = assignments(project, fn).get(expr.id, []) if depth < 2 else []
        return next((f for f in (form_data(project, fn, v, depth + 1) for v in values) if f is not None), None)
    while True:  # ``form.ids.data[:50]``, ``form.tags.data.split(",")``: still the posted values
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            expr = expr.func.value
        else:
            break
    if not (
        isinstance(expr, ast.Attribute)
        and expr.attr in _FIELD_DATA
        and isinstance(expr.value, ast.Attribute)
        and isinstance(expr.value.value, ast.Name)
    ):
        return None
    form = expr.value.value.id
    typed = fn.local_types.get(form)
    if typed and project.is_subtype(typed, _form_types()):
        return expr
    return expr if any(_form_class(project, fn, v) for v in assignments(project, fn).get(form, [])) else None


def key_function_rows(fn: ast.Lambda, parent: ast.AST, call: ast.AST) -> ast.expr | None:
    """What the call handing it ``fn`` walks with it: ``sorted(rows, key=fn)``, ``rows.sort(key=fn)``,
    ``map(fn, rows)``, ``filter(fn, rows)``; ``None`` for any other use of the lambda."""
    if not isinstance(call, ast.Call):
        return None
    name = dotted(call.func) or ""
    if isinstance(parent, ast.keyword) and parent.arg == "key":
        if name in ("sorted", "min", "max") and len(call.args) == 1:
            return call.args[0]
        if name.rsplit(".", 1)[-1] in ("nlargest", "nsmallest") and len(call.args) == 2:
            return call.args[1]
        if isinstance(call.func, ast.Attribute) and call.func.attr == "sort" and not call.args:
            return call.func.value
        return None
    if parent is call and name in ("map", "filter") and len(call.args) == 2 and call.args[0] is fn:
        return call.args[1]
    return None


#: The calls :func:`function_loop` reads as loops (by the callee's last name).
FUNCTION_LOOP_CALLS = frozenset({"map", "filter", "sorted", "min", "max", "sort", "nlargest", "nsmallest"})
#: The name a loop :func:`function_loop` makes up gives each item: no code can use it, and it reads well
#: in a message (``row(...)``).
MAPPED_ITEM = "..."


def function_loop(call: ast.Call) -> ast.GeneratorExp | None:
    """``map(serialize, rows)``, ``sorted(rows, key=owner_name)``: a function named (not a lambda) and run once
    per item of what the call walks, as the loop ``(serialize(item) for item in rows)`` it amounts to (the
    call and the loop placed at ``call``; the item's name is :data:`MAPPED_ITEM`). ``None`` for other calls.
    """
    # most calls have neither ``map``'s two arguments nor a ``key=``: no need to spell their callee's name
    if call.keywords:
        if not any(kw.arg == "key" for kw in call.keywords):
            return None
    elif len(call.args) != 2:
        return None
    name = dotted(call.func) or ""
    fn: ast.expr | None = None
    rows: ast.expr | None = None
    if name in ("map", "filter") and len(call.args) == 2 and not call.keywords:
        fn, rows = call.args
    else:
        key = next((kw.value for kw in call.keywords if kw.arg == "key"), None)
        if key is not None:
            fn = key
            rows = key_function_rows(ast.Lambda(), ast.keyword(arg="key", value=key), call)
    if fn is None or rows is None or not isinstance(fn, (ast.Name, ast.Attribute)) or dotted(fn) is None:
        return None
    item = ast.Name(id=MAPPED_ITEM, ctx=ast.Load())
    per_item = ast.copy_location(ast.Call(func=fn, args=[item], keywords=[]), call)
    target = ast.Name(id=MAPPED_ITEM, ctx=ast.Store())
    loop = ast.GeneratorExp(elt=per_item, generators=[ast.comprehension(target, rows, [], 0)])
    return ast.fix_missing_locations(ast.copy_location(loop, call))


__all__ = [
    "FUNCTION_LOOP_CALLS",
    "MAPPED_ITEM",
    "function_loop",
    "key_function_rows",
    "directory_listing",
    "ItemRead",
    "Loop",
    "constant_iterable",
    "dead_branches",
    "enclosing_loop",
    "fill_loops",
    "kept_if_in",
    "fixed_collection",
    "flag_values",
    "form_data",
    "item_names",
    "always_read",
    "item_reads",
    "changes_attribute",
    "item_changed_by",
    "loop_item",
    "loop_names",
    "outer_loop",
    "property_reads",
    "stops_at_first_match",
    "uses_any",
]
