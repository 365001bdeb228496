"""File roles: is this file the application, or a test, an example, docs, a script?

One definition for every rule and surface.  Rules that disagreed about
"is this test code?" raised false alarms on the files where the versions
differed, so the answer lives here alone.

A role is first read from the path (directories and the file name), then
refined with the project model: a module that runs only as a program
(``if __name__ == "__main__":``), defines no app, view or job, and that no
other module imports is a one-shot script wherever it sits
(``wait_for_db.py``, ``migrate_legacy.py``).

Roles, most specific first:

``test``        tests, fixtures, ``conftest.py``, ``*_tests/`` folders (``ui_tests``)
``template``    project templates whose paths hold Jinja placeholders
                (``{{cookiecutter.name}}/app.py``): not code that runs as is
``migration``   Alembic/Flask-Migrate revisions
``example``     ``examples/``, ``samples/``, ``demo/``, ``example_*/`` (``example_dags``):
                code users copy, not run
``docs``        ``docs/``: snippets and Sphinx configuration
``script``      one-shot programs: ``scripts/``, ``tools/``, ``bin/``,
                ``contrib/``, ``benchmarks/``, a repository's helper programs
                (``setup.py``, ``manage.py``, ``noxfile.py``), and main-only
                modules nobody imports
``application`` everything else
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_doctor.static.facts import project_fact

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import Project
    from flask_doctor.static.source import SourceModule


class FileRole(enum.Enum):
    APPLICATION = "application"
    TEST = "test"
    TEMPLATE = "template"
    MIGRATION = "migration"
    EXAMPLE = "example"
    DOCS = "docs"
    SCRIPT = "script"

    @property
    def is_side(self) -> bool:
        """A separate program or text, not the application that is deployed."""
        return self is not FileRole.APPLICATION


TEST_DIRS = frozenset({"tests", "test", "testing"})
EXAMPLE_DIRS = frozenset({"examples", "example", "samples", "sample", "demo", "demos"})
DOCS_DIRS = frozenset({"docs", "doc", "documentation"})
MIGRATION_DIRS = frozenset({"migrations", "alembic"})
SCRIPT_DIRS = frozenset({"scripts", "script", "tools", "bin", "contrib", "benchmarks", "bench"})
#: Top-level helper programs of a repository, by module name.
SCRIPT_MODULES = frozenset({"setup", "noxfile", "fabfile", "tasks_dev", "manage"})
#: Modules a WSGI/ASGI server imports by convention (``gunicorn pkg.wsgi:application``).
SERVER_ENTRY_MODULES = frozenset({"wsgi", "asgi"})
_PLACEHOLDER = re.compile(r"\{\{|\{%|\$\{\{")


@functools.lru_cache(maxsize=1 << 16)
def role_of_path(path: str) -> FileRole:
    """The role a file has by its path alone (``tests/x.py`` -> test).

    ``path`` is relative to the checked root, ``/``-separated.  Memoised (a
    pure function of one string): rules ask it about the same few thousand
    paths hundreds of thousands of times in one run.
    """
    parts = path.replace("\\", "/").split("/")
    directories = {p.lower() for p in parts[:-1]}
    name = parts[-1]
    stem = name[:-3] if name.endswith(".py") else name
    if (
        directories & TEST_DIRS
        or any(d.endswith("_tests") for d in directories)
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem in ("conftest", "tests")
    ):
        return FileRole.TEST
    if any(_PLACEHOLDER.search(p) for p in parts):
        return FileRole.TEMPLATE
    if directories & MIGRATION_DIRS:
        return FileRole.MIGRATION
    if directories & EXAMPLE_DIRS or any(d.startswith("example_") or d.endswith("_examples") for d in directories):
        return FileRole.EXAMPLE
    if directories & DOCS_DIRS:
        return FileRole.DOCS
    if directories & SCRIPT_DIRS or stem in SCRIPT_MODULES:
        return FileRole.SCRIPT
    return FileRole.APPLICATION


def is_test_path(path: str) -> bool:
    """Test code by its path: ``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    return role_of_path(path) is FileRole.TEST


@project_fact
def module_roles(project: Project) -> dict[str, FileRole]:
    """The role of every module of the project, by module name."""
    imported = {record.module for records in project.imports.values() for record in records}
    imported |= {
        f"{record.module}.{name}" for records in project.imports.values() for record in records for name in record.names
    }
    functions_by_module: dict[str, list[str]] = {}
    for fn in project.functions.values():
        functions_by_module.setdefault(fn.module.name, []).append(fn.qualname)
    roles: dict[str, FileRole] = {}
    for name, module in project.modules.items():
        role = role_of_path(module.path)
        if role is FileRole.APPLICATION and _main_only(project, module, imported, functions_by_module.get(name, ())):
            role = FileRole.SCRIPT
        roles[name] = role
    return roles


def role_of(project: Project, module: SourceModule) -> FileRole:
    """The role of ``module`` in ``project`` (path first, then how it is used)."""
    return module_roles(project).get(module.name) or role_of_path(module.path)


def _main_only(project: Project, module: SourceModule, imported: set[str], functions: Iterable[str]) -> bool:
    """A program run as ``python x.py`` that the application never imports.

    It must have a ``__main__`` guard, not be imported by another module, and
    define no app, blueprint, view, job or CLI command (those are served or
    run by the application even when the file also has a main guard).  A
    ``wsgi.py``/``asgi.py`` that builds the app at module level
    (``application = create_app()``) is what the WSGI server imports, even
    though only the server names it.
    """
    if module.is_package or module.name in imported or not _has_main_guard(module):
        return False
    if any(o.module is module for o in project.objects.values() if o.type.endswith(("Flask", "Blueprint"))):
        return False
    if module.name.rsplit(".", 1)[-1] in SERVER_ENTRY_MODULES and any(
        o.module is module and o.in_function is None for o in project.objects.values()
    ):
        return False
    for qualname in functions:
        fn = project.functions[qualname]
        if fn.roles & {"view", "task", "cli", "factory", "hook", "error_handler"}:
            return False
    return True


def _has_main_guard(module: SourceModule) -> bool:
    import ast

    for stmt in module.tree.body:
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare):
            left = stmt.test.left
            if isinstance(left, ast.Name) and left.id == "__name__":
                return True
    return False


__all__ = ["FileRole", "is_test_path", "module_roles", "role_of", "role_of_path"]
