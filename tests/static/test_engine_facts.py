"""Engine facts (``facts.orm.engines``) on small projects: which server, who keeps the engine, whose options."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.orm.engines import (
    forwarded_options,
    guarded,
    kept_by_extension,
    mapping_options,
    named_for_sqlite,
    options_of,
    server_db_hint,
)
from flask_doctor.static.facts.orm.queries import helper_context
from flask_doctor.static.runner import analyse_sources


def _project(files: dict[str, str]):
    return analyse_sources({path: textwrap.dedent(text).lstrip() for path, text in files.items()}, select=[]).project


def _engine_call(project, function: str):
    """The context of ``function``, positioned at its ``create_engine(...)`` call (ancestors filled in)."""
    fn = next(f for f in project.functions.values() if f.qualname.endswith(function))
    ctx = helper_context(project, fn)

    def path_to(node: ast.AST, trail: list[ast.AST]) -> list[ast.AST] | None:
        if isinstance(node, ast.Call) and (ast.unparse(node.func).endswith("create_engine")):
            return trail
        for child in ast.iter_child_nodes(node):
            found = path_to(child, [*trail, node])
            if found is not None:
                return found
        return None

    for stmt in fn.node.body:
        trail = path_to(stmt, [])
        if trail is not None:
            ctx.ancestors = trail
            call = next(
                n for n in ast.walk(stmt) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("create_engine")
            )
            return ctx, call
    raise AssertionError(f"no create_engine in {function}")


EXTENSION = """
    from sqlalchemy import create_engine

    class Database:
        def __init__(self, url, **options):
            self.engine = create_engine(url, **options)

        def init_app(self, app):
            app.extensions["database"] = self

    class Reader:
        def __init__(self, url, **options):
            self.engine = create_engine(url, **options)

    class Mixed:
        def __init__(self, url, settings, **options):
            self.engine = create_engine(url, **settings)

        def init_app(self, app):
            pass
    """


def test_an_engine_kept_by_a_class_with_init_app_lives_as_long_as_the_app() -> None:
    project = _project({"store.py": EXTENSION})
    ctx, call = _engine_call(project, "Database.__init__")
    where = kept_by_extension(call, ctx)
    assert where is not None and where.line == 7  # the `def init_app` line (after dedent)
    ctx, call = _engine_call(project, "Reader.__init__")
    assert kept_by_extension(call, ctx) is None  # no init_app: nothing shows the object outlives its caller


def test_options_forwarded_from_the_function_own_kwargs_unless_the_project_names_a_guard() -> None:
    project = _project({"store.py": EXTENSION})
    ctx, call = _engine_call(project, "Database.__init__")
    assert forwarded_options(call, ctx) == "options"
    ctx, call = _engine_call(project, "Mixed.__init__")
    assert forwarded_options(call, ctx) == "settings"  # a mapping parameter spread in: the callers' options too
    rebuilt = _project(
        {
            "store.py": EXTENSION.replace(
                "self.engine = create_engine(url, **s",
                "settings = dict(settings); self.engine = create_engine(url, **s",
            )
        }
    )
    ctx, call = _engine_call(rebuilt, "Mixed.__init__")
    assert forwarded_options(call, ctx) is None  # reassigned in the function: not only the callers' options
    guarded = _project({"store.py": EXTENSION, "settings.py": 'ENGINE = {"pool_recycle": 1800}\n'})
    ctx, call = _engine_call(guarded, "Database.__init__")
    assert forwarded_options(call, ctx) is None  # a caller may pass the guard through ``**options``
    in_tests = _project({"store.py": EXTENSION, "tests/test_store.py": "OPTIONS = dict(pool_pre_ping=True)\n"})
    ctx, call = _engine_call(in_tests, "Database.__init__")
    assert forwarded_options(call, ctx) == "options"  # tests do not configure the deployed engine


def test_sqlalchemy_dialect_imports_say_which_server() -> None:
    project = _project({"models.py": "from sqlalchemy.dialects.postgresql import JSONB, UUID\n"})
    hint = server_db_hint(project)
    assert hint is not None and hint[0] == "PostgreSQL" and "sqlalchemy.dialects.postgresql" in hint[1].message
    project = _project({"models.py": "from sqlalchemy.dialects import mysql\n"})
    hint = server_db_hint(project)
    assert hint is not None and hint[0] == "MySQL"
    # a driver import is the better evidence, wherever it sorts
    project = _project(
        {"a.py": "from sqlalchemy.dialects import mysql\n", "b.py": "import psycopg2\n"},
    )
    hint = server_db_hint(project)
    assert hint is not None and hint[0] == "PostgreSQL" and "driver" in hint[1].message
    assert server_db_hint(_project({"models.py": "from sqlalchemy.dialects import sqlite\n"})) is None


def test_code_named_for_sqlite_is_that_backend_whatever_the_rest_imports() -> None:
    backend = """
        from sqlalchemy import create_engine

        class SqliteBackend:
            def connect(self, url):
                return create_engine(url)

        class Backend:
            def connect(self, url):
                return create_engine(url)
        """
    project = _project({"backends/__init__.py": "", "backends/sqlite.py": backend, "backends/store.py": backend})
    for module, cls, expected in (
        ("backends.sqlite", "SqliteBackend", True),
        ("backends.sqlite", "Backend", True),  # the module is the SQLite one
        ("backends.store", "SqliteBackend", True),
        ("backends.store", "Backend", False),
    ):
        ctx, _call = _engine_call(project, f"{module}.{cls}.connect")
        assert named_for_sqlite(ctx) is expected, (module, cls)


# ------------------------------------------------------------------ options and URLs written elsewhere
def _module_value(project, module: str, name: str) -> ast.expr:
    return next(
        stmt.value
        for stmt in project.modules[module].tree.body
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    )


def test_mapping_options_follow_imports_class_attributes_and_spreads() -> None:
    project = _project(
        {
            "defaults.py": 'BASE = {"pool_size": 5}\n',
            "settings.py": """
            from defaults import BASE

            class Live:
                POOL = {**BASE, "pool_recycle": 600}
            """,
            "db.py": "from settings import Live\nOPTIONS = Live.POOL\nOTHER = load()\n",
        }
    )
    module = project.modules["db"]
    options = mapping_options(project, module, _module_value(project, "db", "OPTIONS"), None)
    assert options is not None and {k: ast.unparse(v) for k, v in options.items()} == {
        "pool_size": "5",
        "pool_recycle": "600",
    }
    assert mapping_options(project, module, _module_value(project, "db", "OTHER"), None) is None


def test_guarded_reads_pre_ping_recycle_and_pools_that_keep_nothing() -> None:
    def opts(text: str) -> dict[object, ast.expr]:
        return options_of(ast.parse(text, mode="eval").body) or {}

    assert guarded(opts('{"pool_pre_ping": True}'))
    assert guarded(opts('{"pool_recycle": 0}'))
    assert guarded(opts('{"poolclass": NullPool}'))
    assert not guarded(opts('{"pool_recycle": -1, "pool_pre_ping": False}'))
    assert not guarded(opts('{"pool_size": 20}'))
