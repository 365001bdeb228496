"""Facts about record APIs over a database: Invenio's ``Record.get_record(id)`` and ``get_record_by_pid(pid)``.

A record API loads one JSON record from its database table (and its persistent identifier from another)
per call: ``Item.get_record_by_pid(pid)`` is a database round trip, as ``session.get(Item, id)`` is,
even though no SQLAlchemy query is written in the project. The batched read is ``get_records(ids)``.

A search engine's ``scan()`` (elasticsearch-dsl, opensearch-dsl, Invenio's ``RecordsSearch``) yields
every hit of the search, unpaged: a loop over it walks as many items as the index holds matches.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.loops import uses_any
from flask_doctor.static.facts.orm.mongo import project_callee
from flask_doctor.static.facts.orm.params import _flowing_from, filled_params, optional_params, passes
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import list_appends

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

#: Packages whose records are read from the database one call at a time.
RECORD_PACKAGES = frozenset(
    {"invenio_records", "invenio_records_resources", "invenio_pidstore", "invenio_db", "invenio_circulation"}
)
#: Class methods of a record class that load one record (by its UUID or its persistent identifier).
SINGLE_RECORD = frozenset({"get_record", "get_record_by_pid"})
#: Search packages whose ``Search.scan()`` yields every hit.
SEARCH_PACKAGES = frozenset({"elasticsearch_dsl", "opensearch_dsl", "opensearchpy", "elasticsearch", "invenio_search"})


@project_fact
def uses_record_api(project: Project) -> bool:
    """Application code imports Invenio's record or persistent-identifier API."""
    return _imports_any(project, RECORD_PACKAGES)


@project_fact
def uses_search_dsl(project: Project) -> bool:
    """Application code imports a search DSL whose ``Search.scan()`` walks every hit."""
    return _imports_any(project, SEARCH_PACKAGES)


def _imports_any(project: Project, packages: frozenset[str]) -> bool:
    for module_name, records in project.imports.items():
        module = project.modules.get(module_name)
        if module is None or is_test_path(module.path):
            continue
        if any(r.module.split(".", 1)[0] in packages for r in records):
            return True
    return False


def single_record_read(call: ast.Call) -> bool:
    """``Item.get_record_by_pid(pid)``, ``record_cls.get_record(uuid)``, ``PersistentIdentifier.get(t, v)``,
    ``Resolver(...).resolve(pid)``: one record (or identifier) loaded from the database."""
    if not isinstance(call.func, ast.Attribute) or not (call.args or call.keywords):
        return False
    attr = call.func.attr
    receiver = call.func.value
    if attr in SINGLE_RECORD:
        return True
    if attr == "get" and (dotted(receiver) or "").rsplit(".", 1)[-1] == "PersistentIdentifier":
        return True
    return (
        attr == "resolve"
        and isinstance(receiver, ast.Call)
        and (dotted(receiver.func) or "").rsplit(".", 1)[-1] == "Resolver"
    )


@dataclass(frozen=True, eq=False)
class RecordLookup:
    """A one-record read a call runs with what it is given: itself, or in a helper (one further down)."""

    call: ast.Call  # the ``get_record_by_pid``/``get_record`` call
    helpers: tuple[FunctionInfo, ...] = ()  # the called helper first, the one holding the read last

    def describe(self, call: ast.Call) -> str:
        text = f"`{dotted(self.call.func) or ast.unparse(self.call.func)}(...)`"
        if not self.helpers:
            return f"{text} loads one record from the database"
        via = "".join(f" → `{h.display}`" for h in self.helpers)
        return f"`{dotted(call.func)}(...)`{via} loads one record from the database ({text})"


def _record_reads(project: Project, fn: FunctionInfo, keys: frozenset[str]) -> list[ast.Call]:
    """One-record reads in ``fn`` keyed by ``keys`` (parameters) or the locals computed from them, outside
    loops of its own (a loop there is a per-item read of its own, reported at that loop)."""
    tainted = _flowing_from(project, fn, set(keys)) if keys else frozenset()
    if not tainted:
        return []
    looped = {id(n) for loop in ast.walk(fn.node) if isinstance(loop, (ast.For, ast.AsyncFor)) for n in ast.walk(loop)}
    return [
        node
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Call)
        and id(node) not in looped
        and single_record_read(node)
        and uses_any(node, tainted)
    ]


def record_lookup(
    call: ast.Call, ctx: Context, names: set[str] | frozenset[str], depth: int = 0
) -> RecordLookup | None:
    """The one-record read ``call`` runs with what it is given from ``names`` (the loop's item): itself, or in
    the project helper it calls (one helper further down at most), keyed by a parameter the item fills.

    ``find_next_open_date(location_pid, end)`` reads the location's record with ``location_pid`` only, the
    same for every item: it is not a read per item.
    """
    if depth == 0 and single_record_read(call):
        return RecordLookup(call) if uses_any(call, names) else None
    helper = project_callee(call, ctx)
    if helper is None:
        return None
    optional = optional_params(helper)
    if optional and passes(call, helper, optional):
        return None  # the caller hands over what the helper would otherwise load
    filled = filled_params(call, helper, names)
    if not filled:
        return None
    reads = _record_reads(ctx.project, helper, filled)
    if reads:
        return RecordLookup(reads[0], (helper,))
    if depth >= 1:
        return None
    from flask_doctor.static.facts.orm.queries import helper_context

    tainted = set(_flowing_from(ctx.project, helper, set(filled)))
    inner_ctx = helper_context(ctx.project, helper)
    for _name, inner in helper.calls:
        if not uses_any(inner, tainted):
            continue
        deeper = record_lookup(inner, inner_ctx, tainted, depth + 1)
        if deeper is not None:
            return RecordLookup(deeper.call, (helper, *deeper.helpers))
    return None


def writes_each(body: list[ast.stmt]) -> ast.Call | None:
    """A ``.commit()`` the loop body runs for every item (not under an ``if``): the loop writes each record
    back anyway, so batching its reads is not where the cost is."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.While)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and not node.args
        ):
            return node
        if isinstance(node, ast.Try):
            stack.extend(node.body)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return None


#: Methods of a search indexer that write records into the search index (Invenio's ``RecordIndexer``).
_INDEX_METHODS = frozenset({"index", "bulk_index"})


def indexed_each(project: Project, fn: FunctionInfo, loop: ast.For | ast.AsyncFor, read: ast.Call) -> ast.Call | None:
    """The indexer call that writes every record the loop loads into a search index, else ``None``.

    A reindex job loads each record to send it to the search engine: the loop appends what ``read`` returns
    to a list (``referenced.append(dict(record=loan))``), and that list is handed to an indexer's ``index``
    (``indexer.index(indexed, referenced)``), in the function or, when the function returns the list, at
    every place that calls it (``indexer.index(indexed, get_loans(pid))``). Each record then costs an index
    write anyway, which batching the reads does not remove. The indexer is a receiver whose name says so
    (``indexer``, ``location_indexer``, ``RecordIndexer()``): a list's own ``index(x)`` is a search.
    """
    loaded: set[str] = set()
    for stmt in loop.body:
        if isinstance(stmt, ast.Assign) and any(n is read for n in ast.walk(stmt.value)):
            loaded.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    if not loaded:
        return None
    lists = {
        target for target, call in list_appends(loop.body) if len(call.args) == 1 and uses_any(call.args[0], loaded)
    }
    if not lists:
        return None
    for node in ast.walk(fn.node):
        if _indexer_call(node) and any(isinstance(arg, ast.Name) and arg.id in lists for arg in node.args):
            return node  # type: ignore[return-value]
    if not any(
        isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in lists
        for node in ast.walk(fn.node)
    ):
        return None
    from flask_doctor.static.facts.flows import callers

    sites = callers(project).get(fn.qualname, [])
    found: ast.Call | None = None
    for call, caller in sites:
        outer = next(
            (
                node
                for node in ast.walk(caller.node)
                if _indexer_call(node) and any(arg is call for arg in node.args)  # type: ignore[attr-defined]
            ),
            None,
        )
        if outer is None:
            return None  # one caller keeps the records for something else
        found = found or outer  # type: ignore[assignment]
    return found


def _indexer_call(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _INDEX_METHODS):
        return False
    receiver = node.func.value
    if isinstance(receiver, ast.Call):
        receiver = receiver.func
    name = dotted(receiver) or ""
    return "index" in name.rsplit(".", 1)[-1].lower()


def search_scan(iterable: ast.expr, ctx: Context) -> ast.Call | None:
    """``for hit in search.scan():`` (or a local assigned from one): every hit of a search, unpaged."""
    node: ast.expr = iterable
    if isinstance(node, ast.Name) and ctx.function is not None:
        values = assignments(ctx.project, ctx.function).get(node.id, [])
        if len(values) != 1:
            return None
        node = values[0]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "scan"
        and not node.args
        and not node.keywords
    ):
        return node
    return None


__all__ = [
    "RecordLookup",
    "indexed_each",
    "writes_each",
    "record_lookup",
    "search_scan",
    "single_record_read",
    "uses_record_api",
    "uses_search_dsl",
]
