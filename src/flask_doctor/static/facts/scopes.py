"""Facts about a place in the code given as ``path:line``: its function, main block and imports.

Config settings, deploy findings and call sites carry a :class:`Location`,
not the walker's :class:`~flask_doctor.static.context.Context`.  Rules that
judge them by where they sit ("is this assignment in a main block, in a
CLI command, after that ``from_pyfile``?") ask these facts instead of
re-walking the module.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.names import ImportTable

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project


@project_fact
def functions_by_path(project: Project) -> dict[str, list[FunctionInfo]]:
    """Every project function, grouped by the path of its module."""
    index: dict[str, list[FunctionInfo]] = {}
    for fn in project.functions.values():
        index.setdefault(fn.module.path, []).append(fn)
    return index


def enclosing_function(project: Project, path: str, line: int) -> FunctionInfo | None:
    """The innermost project function whose body holds ``path:line``."""
    best: FunctionInfo | None = None
    for fn in functions_by_path(project).get(path, ()):
        end = getattr(fn.node, "end_lineno", fn.node.lineno) or fn.node.lineno
        if fn.node.lineno <= line <= end and (best is None or fn.node.lineno >= best.node.lineno):
            best = fn
    return best


@keyed_fact
def main_guard_ranges(project: Project, path: str) -> list[tuple[int, int]]:
    """First and last lines of the module-level ``if __name__ == "__main__":`` blocks of ``path``."""
    ranges: list[tuple[int, int]] = []
    module = project.by_path.get(path)
    if module is not None:
        for stmt in module.tree.body:
            if isinstance(stmt, ast.If):
                text = ast.unparse(stmt.test)
                if "__name__" in text and "__main__" in text:
                    ranges.append((stmt.lineno, stmt.end_lineno or stmt.lineno))
    return ranges


def in_main_guard(project: Project, path: str, line: int) -> bool:
    """``path:line`` runs only when the module is run as a program."""
    return any(start <= line <= end for start, end in main_guard_ranges(project, path))


def imports_at(project: Project, path: str, line: int) -> ImportTable:
    """The import table that resolves names at ``path:line`` (its function's, else its module's)."""
    fn = enclosing_function(project, path, line)
    if fn is not None:
        return fn.imports
    module = project.by_path.get(path)
    if module is not None:
        return project.module_imports.get(module.name) or ImportTable()
    return ImportTable()


__all__ = ["enclosing_function", "functions_by_path", "imports_at", "in_main_guard", "main_guard_ranges"]
