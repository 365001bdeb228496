"""The import graph: which project module imports which at import time.

Edges are module-level imports that run (not inside functions, not under
``if TYPE_CHECKING:``), with the attributes the importing module reads from
its target while it is itself being imported -- what decides whether an
import cycle can see a half-initialised module (FD601) and which modules
run before any app context exists (FD603).  Built once per project.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import field

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.model import Project
from flask_doctor.static.names import ImportRecord, resolve_relative
from flask_doctor.static.source import SourceModule
from flask_doctor.static.syntax import all_child_nodes


def module_display(project: Project, name: str) -> str:
    """``views.py`` / ``shop/__init__.py``: how a module is named in messages."""
    module = project.modules.get(name)
    return (
        module.path.rsplit("/", 1)[-1]
        if module is not None and not module.is_package
        else (module.path.rsplit("/", 2)[-2] + "/__init__.py" if module is not None else name)
    )


@dataclass
class Edge:
    """``source`` imports ``target`` at module level."""

    source: str
    target: str
    record: ImportRecord
    names: tuple[str, ...] = ()  # attributes read from ``target`` while ``source`` is importing
    bound: str | None = None  # the local name bound to the module (``import x``)
    module_edge: bool = False  # ``import x`` / ``from pkg import submodule``

    @property
    def line(self) -> int:
        return self.record.line


@dataclass(eq=False)
class ImportGraph:
    """The project's module-level imports, by importing module."""

    edges: dict[str, list[Edge]] = field(default_factory=dict)


def executed_top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time (into if/try/with/for, not into defs)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or stmt.__class__.__name__ == "TryStar":
            for part in ("body", "orelse", "finalbody"):
                yield from executed_top_level(getattr(stmt, part, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from executed_top_level(handler.body)
        elif isinstance(stmt, ast.ClassDef):
            yield from executed_top_level(stmt.body)


@keyed_fact
def definitions(project: Project, module_name: str) -> dict[str, int]:
    """First line where each module-level name of ``module_name`` is bound."""
    module = project.modules[module_name]
    class_members = {id(s) for node in ast.walk(module.tree) if isinstance(node, ast.ClassDef) for s in node.body}
    defs: dict[str, int] = {}

    def bind(name: str, line: int) -> None:
        if name not in defs or line < defs[name]:
            defs[name] = line

    for stmt in executed_top_level(module.tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if id(stmt) not in class_members:
                bind(stmt.name, stmt.lineno)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        bind(node.id, stmt.lineno)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bind(alias.asname or alias.name.split(".")[0], stmt.lineno)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                bind(alias.asname or alias.name, stmt.lineno)
    return defs


def _import_nodes(module: SourceModule) -> dict[int, list[ast.Import | ast.ImportFrom]]:
    found: dict[int, list[ast.Import | ast.ImportFrom]] = {}
    for stmt in executed_top_level(module.tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            found.setdefault(stmt.lineno, []).append(stmt)
    return found


def _import_time_attributes(module: SourceModule) -> dict[str, tuple[str, ...]]:
    """Name -> its attributes read by code that runs at import (decorators, class bodies, module code), in
    the order a walk meets them.

    One walk of the module answers for every name it imports: a module that imports fifty project modules
    was walked fifty times, once per name.
    """
    used: dict[str, list[str]] = {}
    stack: list[ast.AST] = list(module.tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(node.decorator_list)
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            attrs = used.setdefault(node.value.id, [])
            if node.attr not in attrs:
                attrs.append(node.attr)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        stack.extend(all_child_nodes(node))
    return {name: tuple(attrs) for name, attrs in used.items()}


@project_fact
def import_graph(project: Project) -> ImportGraph:
    """Every project module's module-level imports of other project modules."""
    graph = ImportGraph()
    for name, module in project.modules.items():
        nodes = _import_nodes(module)
        reads: dict[str, tuple[str, ...]] | None = None  # walked when a project module is imported
        out: list[Edge] = []
        for record in project.imports.get(name, []):
            if record.in_function or record.in_type_checking:
                continue
            statement = next(iter(nodes.get(record.line, [])), None)
            if record.names:  # from X import a, b
                attr_names: list[str] = []
                for imported in record.names:
                    sub = f"{record.module}.{imported}" if record.module else imported
                    if sub in project.modules and sub != name:
                        alias = _alias_of(statement, imported)
                        if reads is None:
                            reads = _import_time_attributes(module)
                        out.append(Edge(name, sub, record, reads.get(alias, ()), alias, True))
                    elif imported != "*":
                        attr_names.append(imported)
                if attr_names and record.module in project.modules and record.module != name:
                    out.append(Edge(name, record.module, record, tuple(attr_names)))
            elif record.module in project.modules and record.module != name:
                alias = _alias_of(statement, record.module)
                bound = alias if alias != record.module else record.module.split(".")[0]
                if reads is None:
                    reads = _import_time_attributes(module)
                used = reads.get(bound, ()) if "." not in (alias or "") else ()
                if "." in record.module and bound == record.module.split(".")[0] and alias == record.module:
                    used = ()  # ``import pkg.sub`` then ``pkg.sub.x``: too indirect to follow
                out.append(Edge(name, record.module, record, used, bound, True))
        graph.edges[name] = out
    return graph


def _alias_of(statement: ast.Import | ast.ImportFrom | None, imported: str) -> str:
    if statement is not None:
        for alias in statement.names:
            if alias.name == imported:
                return alias.asname or (imported if isinstance(statement, ast.ImportFrom) else alias.name)
    return imported


@keyed_fact
def reachable_modules(project: Project, start: str) -> set[str]:
    """Project modules that importing ``start`` imports, directly or not (not ``start`` itself)."""
    graph = import_graph(project)
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        for edge in graph.edges.get(node, []):
            if edge.target not in seen:
                seen.add(edge.target)
                stack.append(edge.target)
    seen.discard(start)
    return seen


def shortest_path(graph: ImportGraph, start: str, goal: str, allowed: set[str]) -> list[Edge] | None:
    """The fewest imports from ``start`` to ``goal`` through ``allowed`` modules (earliest lines first)."""
    previous: dict[str, Edge] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        if node == goal:
            path: list[Edge] = []
            while node != start:
                edge = previous[node]
                path.append(edge)
                node = edge.source
            return list(reversed(path))
        for edge in sorted(graph.edges.get(node, []), key=lambda e: (e.line, e.target)):
            if edge.target in allowed and edge.target not in seen:
                seen.add(edge.target)
                previous[edge.target] = edge
                queue.append(edge.target)
    return None


def import_targets(project: Project, node: ast.Import | ast.ImportFrom, module: SourceModule) -> list[str]:
    """The project modules an import statement in ``module`` loads."""
    targets: list[str] = []
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    else:
        base = resolve_relative(module.name, module.is_package, node.level, node.module)
        targets = [base] + [f"{base}.{a.name}" if base else a.name for a in node.names]
    return [t for t in targets if t in project.modules]
