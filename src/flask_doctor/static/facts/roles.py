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
                (``setup.py``, ``manage.py``, ``noxfile.py``), and modules
                nobody imports that run as a program (a main guard, or
                ``sys.argv`` read at module level: a theme's build script)
``client``      a client library, CLI or GUI the project ships for other
                programs and people (a ``client/``, ``clients/``, ``sdk/`` or
                ``gui/`` package), when no module outside that package
                imports or names it and it imports no project module outside
                itself: it runs on the user's machine, not in the server
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
    CLIENT = "client"

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
#: Packages that hold the project's client side, when the server neither imports them nor they it.
CLIENT_DIRS = frozenset({"client", "clients", "sdk", "gui"})
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


def is_server_entry_module(name: str) -> bool:
    """Is the module named as what a WSGI/ASGI server imports: ``wsgi``, ``asgi``, ``service_wsgi``, ``wsgi_app``,
    or a module of a ``wsgi`` package (``booking/wsgi/api.py``, the OpenStack layout uWSGI's ``module=`` names)?"""
    *packages, stem = name.lower().split(".")
    if packages and packages[-1] in SERVER_ENTRY_MODULES:
        return True
    return any(stem == s or stem.endswith("_" + s) or stem.startswith(s + "_") for s in SERVER_ENTRY_MODULES)


@project_fact
def server_entry_modules(project: Project) -> tuple[SourceModule, ...]:
    """The modules a WSGI/ASGI server is there to import: named for it (:func:`is_server_entry_module`) and
    binding an object at module level (``application = create_app()`` in ``wsgi.py``).

    Not test code; a ``wsgi.py`` that only defines functions (a command that
    starts a server) is no such module.
    """
    bound = {o.module.name for o in project.objects.values() if o.in_function is None}
    return tuple(
        module
        for name, module in project.modules.items()
        if name in bound and is_server_entry_module(name) and not is_test_path(module.path)
    )


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
    clients = _client_packages(project)
    for name, module in project.modules.items():
        role = role_of_path(module.path)
        if role is FileRole.APPLICATION and _main_only(project, module, imported, functions_by_module.get(name, ())):
            role = FileRole.SCRIPT
        if role is FileRole.APPLICATION and any(name == c or name.startswith(c + ".") for c in clients):
            role = FileRole.CLIENT
        roles[name] = role
    return roles


def _client_packages(project: Project) -> set[str]:
    """Dotted names of the ``client``/``sdk``/``gui`` packages that live apart from the server.

    ``odcs.client`` (a command-line tool and its library): nothing outside
    the package imports it or names it in a string (``import_string``), and
    it imports nothing of the project outside itself.  Only application code
    counts as outside: tests, scripts and ``setup.py`` (which names the
    client's entry point) do not.
    """
    candidates = {
        name.rsplit(".", 1)[0] if not module.is_package else name
        for name, module in project.modules.items()
        if "." in name and (name if module.is_package else name.rsplit(".", 1)[0]).rsplit(".", 1)[-1] in CLIENT_DIRS
    }
    found: set[str] = set()
    for package in candidates:

        def inside(name: str, package: str = package) -> bool:
            return name == package or name.startswith(package + ".")

        members = [m for n, m in project.modules.items() if inside(n)]
        outside = [
            m for n, m in project.modules.items() if not inside(n) and role_of_path(m.path) is FileRole.APPLICATION
        ]
        if not members or not any(m.tree.body for m in members):
            continue
        if any(
            inside(record.module) or any(inside(f"{record.module}.{n}") for n in record.names)
            for m in outside
            for record in project.imports.get(m.name, ())
        ):
            continue  # the server (or another part of the project) uses it
        if any(package in m.text for m in outside):
            continue  # named in a string: a plugin path, an entry point the project loads
        if any(
            record.module in project.modules and not inside(record.module)
            for m in members
            for record in project.imports.get(m.name, ())
        ):
            continue  # it builds on the project's own modules: maybe the app itself
        found.add(package)
    return found


def role_of(project: Project, module: SourceModule) -> FileRole:
    """The role of ``module`` in ``project`` (path first, then how it is used)."""
    return module_roles(project).get(module.name) or role_of_path(module.path)


def _main_only(project: Project, module: SourceModule, imported: set[str], functions: Iterable[str]) -> bool:
    """A program run as ``python x.py`` that the application never imports.

    It must have a ``__main__`` guard, not be imported by another module, and
    define no app, blueprint, view, job or CLI command (those are served or
    run by the application even when the file also has a main guard).  A
    ``wsgi.py``/``asgi.py`` (or ``service_wsgi.py``) that builds the app at
    module level (``application = create_app()``) is what the WSGI server
    imports, even though only the server names it.
    """
    if module.is_package or module.name in imported or not (_has_main_guard(module) or _reads_argv(module)):
        return False
    if any(o.module is module for o in project.objects.values() if o.type.endswith(("Flask", "Blueprint"))):
        return False
    if module in server_entry_modules(project):
        return False
    for qualname in functions:
        fn = project.functions[qualname]
        if fn.roles & {"view", "task", "cli", "factory", "hook", "error_handler"}:
            return False
    return True


def _reads_argv(module: SourceModule) -> bool:
    """A program without a main guard: module-level code reads ``sys.argv`` (``build_emoji_set.py``)."""
    import ast

    if "argv" not in module.text:
        return False
    for stmt in module.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Attribute) and node.attr == "argv" and isinstance(node.value, ast.Name):
                if node.value.id == "sys":
                    return True
    return False


def _has_main_guard(module: SourceModule) -> bool:
    import ast

    for stmt in module.tree.body:
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare):
            left = stmt.test.left
            if isinstance(left, ast.Name) and left.id == "__name__":
                return True
    return False


__all__ = [
    "FileRole",
    "is_server_entry_module",
    "is_test_path",
    "module_roles",
    "role_of",
    "role_of_path",
    "server_entry_modules",
]
