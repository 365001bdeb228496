"""Import cycles, and whether a cycle can hand a module over half-initialised (FD601).

A cycle is a strongly connected component of the import graph
(``facts.imports``).  Most cycles are harmless: Python finishes each module
before anything reads the late names.  What matters is where the cycle is
entered -- the module that builds the app is imported first by servers,
tests and workers -- and whether a package's ``__init__`` already fixes the
order.
"""

from __future__ import annotations

import ast

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Severity
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.imports import Edge, import_graph, reachable_modules
from flask_doctor.static.facts.roles import role_of_path
from flask_doctor.static.model import FLASK_TYPES, Project
from flask_doctor.static.source import SourceModule


@project_fact
def import_cycles(project: Project) -> list[list[str]]:
    """Every import cycle of the project, as its sorted modules.

    Tarjan's algorithm, iterative: the import graphs of big projects are deep.
    """
    graph = import_graph(project)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(graph.edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [e.target for e in graph.edges.get(node, [])]
            recursed = False
            while i < len(targets):
                target = targets[i]
                i += 1
                if target not in index:
                    work.append((node, i))
                    work.append((target, 0))
                    recursed = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recursed:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


#: Longest cycle (in modules) for which FD601 claims an import-order failure.
MAX_ORDER_CYCLE = 3


@dataclass(eq=False)
class CycleVerdict:
    """What FD601 reports about one cycle, and where."""

    severity: Severity
    reason: str
    culprit: Edge  # where the finding points
    hint: str
    dedupe: str | None = None  # one finding per key (the documented pattern once per app module)


def can_be_entered_first(project: Project, module: str, component: set[str]) -> bool:
    """Can an import of ``module`` be the first to enter this cycle?

    Importing ``pkg.sub`` runs ``pkg/__init__.py`` first. When that package
    (or anything it imports at module level) already reaches the cycle, the
    cycle is always entered in the same order, whatever the entry point
    (app server, tests, Celery): a shipped project that starts at all never
    meets the half-initialised module. Only flat modules and modules whose
    packages stay out of the cycle can be entered in either order.
    """
    parts = module.split(".")
    for i in range(1, len(parts)):
        ancestor = ".".join(parts[:i])
        if ancestor not in project.modules:
            continue
        if ancestor in component or reachable_modules(project, ancestor) & component:
            return False
    return True


def outside_importer(project: Project, module: str, component: set[str]) -> str | None:
    """A module outside the cycle (not a test) that enters the cycle by importing ``module`` first, if any.

    Only then can ``module`` be the first of its cycle to be imported. When
    every outside importer reaches the cycle through another of its modules
    first (``plugin.py`` imports ``column_types`` before
    ``column_constraints``), the cycle is always entered there.
    """
    graph = import_graph(project)
    for source in sorted(graph.edges):
        if source in component:
            continue
        importer = project.modules.get(source)
        if importer is None or role_of_path(importer.path).is_side:
            continue
        for edge in sorted(graph.edges[source], key=lambda e: e.line):
            if edge.target == module:
                return source
            if edge.target in component or reachable_modules(project, edge.target) & component:
                break  # entered elsewhere first
    return None


def is_app(project: Project, module: str, name: str) -> bool:
    """``module.name`` is a module-level Flask app."""
    obj = project.objects.get(f"{module}.{name}")
    return obj is not None and project.is_subtype(obj.type, FLASK_TYPES)


def has_main_guard(module: SourceModule) -> bool:
    """The module runs something under ``if __name__ == "__main__":`` (it is also a program)."""
    for stmt in module.tree.body:
        if isinstance(stmt, ast.If):
            text = ast.unparse(stmt.test)
            if "__name__" in text and "__main__" in text:
                return True
    return False
