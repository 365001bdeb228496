"""FD105–FD106 — contexts and per-request resources: what a request or thread leaves open."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.model import CLI, JOB, MAIN, REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

CONTEXT_METHODS = ("app_context", "test_request_context", "request_context")


def _is_context_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTEXT_METHODS


def _pops(scope: ast.AST, target: str) -> list[ast.Call]:
    """``<target>.pop()`` calls inside ``scope`` (``ctx.pop()``, ``self.ctx.pop()``)."""
    found = []
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("pop", "__exit__")
            and dotted(node.func.value) == target
        ):
            found.append(node)
    return found


def _anonymous_pop(scope: ast.AST) -> bool:
    """Something pops the current context without a name (``app_ctx.pop()``, ``_app_ctx_stack.pop()``)."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop" and not node.args:
            text = (dotted(node.func.value) or "").lower()
            if "ctx" in text or "context" in text:
                return True
    return False


class ContextPushedNeverPopped(Rule):
    """
    ## What it does
    Finds `app.app_context().push()`, `app.test_request_context().push()`
    and `ctx.push()` with no matching `pop()` — in threads, helpers, jobs and
    command code.

    ## Why is this bad?
    A pushed context stays on the context stack of its thread (or greenlet)
    until it is popped. Everything stored on it lives as long: `g` and its
    contents, and Flask-SQLAlchemy's session, which is scoped to the app
    context and removed only when the context is popped — so its connection
    stays checked out. A function that pushes on every call stacks up
    contexts and leaks memory and connections. `with app.app_context():`,
    a push followed by `pop()` (ideally in `finally`), a pytest fixture that
    pops after `yield`, and a `setUp`/`tearDown` pair are not reported; test
    code is not checked. A push at the top of a worker module is reported as
    a note: the one context is then shared by every task the process runs.

    ## Example
    ```python
    def worker():
        app.app_context().push()
        while True:
            process(queue.get())
    ```

    ## Use instead
    ```python
    def worker():
        while True:
            item = queue.get()
            with app.app_context():
                process(item)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "The Application Context" (lifetime, manually pushing a context)
    - Flask-SQLAlchemy 3.x: "Flask Application Context" (session removed on teardown)
    """

    code = "FD105"
    name = "context-pushed-never-popped"
    severity = Severity.WARNING
    catalog = ("S06", "S01")
    summary = "An app/request context is pushed and never popped."

    VALID = (
        Valid("""
            import threading
            from flask import Flask
            app = Flask(__name__)

            def work(item):
                with app.app_context():
                    print(item)

            def work_manual(item):
                ctx = app.app_context()
                ctx.push()
                try:
                    print(item)
                finally:
                    ctx.pop()

            threading.Thread(target=work, args=(1,)).start()
            """),
        Valid("""
            import pytest
            from myapp import create_app

            @pytest.fixture
            def app():
                app = create_app()
                ctx = app.app_context()
                ctx.push()
                yield app
                ctx.pop()
            """),
        Valid("""
            import unittest
            from myapp import create_app

            class Base(unittest.TestCase):
                def setUp(self):
                    self.app = create_app()
                    self.ctx = self.app.test_request_context()
                    self.ctx.push()

                def tearDown(self):
                    self.ctx.pop()
            """),
    )
    INVALID = (
        Invalid("""
            import threading
            from flask import Flask
            app = Flask(__name__)

            def poll(queue):
                app.app_context().push()  # expect
                while True:
                    print(queue.get())

            def handle(item):
                ctx = app.test_request_context("/")
                ctx.push()  # expect
                return str(item)

            threading.Thread(target=poll, args=(None,)).start()
            """, message="never popped"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "push" and not node.args):
            return
        if ctx.is_test_code():
            return
        receiver = node.func.value
        label: str
        if _is_context_call(receiver):
            label = f"`{ast.unparse(node)}`"
            target = None
        else:
            target = dotted(receiver)
            if not target or not self._context_variable(target, receiver, ctx):
                return
            label = f"`{target}.push()`"
        fn = ctx.function
        if fn is None:
            self._module_level(node, label, ctx)
            return
        scope: ast.AST = fn.node
        if target and target.startswith("self."):
            cls = ctx.project.classes.get(fn.qualname.rsplit(".", 1)[0])
            if cls is not None:
                scope = cls.node
        if target is not None and _pops(scope, target):
            return
        if target is not None and self._escapes(target, fn):
            return  # returned or handed to the caller, who pops it
        if _anonymous_pop(scope):
            return
        contexts = fn.contexts
        severity = Severity.NOTE if contexts and contexts <= {CLI, MAIN, "factory"} else None
        where = describe_context(ctx)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} in {where} is never popped: the context (its `g`, and Flask-SQLAlchemy's session with its "
                f"connection) stays on the stack for the life of the thread, one more on every call",
                hint="Use `with app.app_context():` (or pop it in a `finally`).",
                severity=severity,
                evidence=ctx.chain_evidence(REQUEST if REQUEST in contexts else JOB) if contexts & {REQUEST, JOB} else [],
            )
        )

    @staticmethod
    def _context_variable(target: str, receiver: ast.expr, ctx: Context) -> bool:
        """``ctx``/``self.ctx`` was assigned from ``app.app_context()``."""
        fn = ctx.function
        scopes: list[ast.AST] = []
        if fn is not None:
            scopes.append(fn.node)
            cls = ctx.project.classes.get(fn.qualname.rsplit(".", 1)[0]) if target.startswith("self.") else None
            if cls is not None:
                scopes.append(cls.node)
        else:
            scopes.append(ctx.module.tree)
        for scope in scopes:
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign) and _is_context_call(node.value) and any(dotted(t) == target for t in node.targets):
                    return True
        return False

    @staticmethod
    def _escapes(target: str, fn: FunctionInfo) -> bool:
        for node in ast.walk(fn.node):
            if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None and any(
                dotted(n) == target for n in ast.walk(node.value)
            ):
                return True
        return False

    def _module_level(self, node: ast.Call, label: str, ctx: Context) -> None:
        if ctx.in_main:
            return  # a script: one context for one run
        module = ctx.module
        if _anonymous_pop(module.tree):
            return
        worker = any(
            r.module.startswith(("celery", "rq", "dramatiq", "huey")) for r in ctx.project.imports.get(module.name, [])
        ) or any("task" in f.roles for f in ctx.project.functions.values() if f.module is module)
        if not worker:
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} at module level of a worker module is never popped: every task this process runs shares "
                f"one app context, its `g` and one Flask-SQLAlchemy session",
                hint="Push a context per task (a Celery Task base class whose __call__ runs `with app.app_context():`).",
                severity=Severity.NOTE,
            )
        )


# ===================================================================== FD106
RESOURCE_OPENERS = {
    "sqlite3.connect": "SQLite connection",
    "psycopg2.connect": "PostgreSQL connection",
    "psycopg.connect": "PostgreSQL connection",
    "pymysql.connect": "MySQL connection",
    "pymysql.connections.Connection": "MySQL connection",
    "MySQLdb.connect": "MySQL connection",
    "mysql.connector.connect": "MySQL connection",
    "mariadb.connect": "MariaDB connection",
    "pymongo.MongoClient": "MongoDB client",
    "redis.Redis": "Redis client",
    "redis.StrictRedis": "Redis client",
    "redis.from_url": "Redis client",
    "redis.Redis.from_url": "Redis client",
    "smtplib.SMTP": "SMTP connection",
    "smtplib.SMTP_SSL": "SMTP connection",
    "ftplib.FTP": "FTP connection",
    "pika.BlockingConnection": "RabbitMQ connection",
    "open": "file",
}
CLOSERS = ("close", "disconnect", "quit", "release", "shutdown", "dispose")


def teardown_closers(project: Project) -> list[FunctionInfo]:
    """Teardown functions (decorated or registered) that close something."""
    cached = getattr(project, "_fd_teardown_closers", None)
    if cached is not None:
        return cached
    teardowns: dict[str, FunctionInfo] = {}
    for fn in project.functions.values():
        if "teardown" in fn.roles or any(d.rsplit(".", 1)[-1].startswith("teardown") for d in fn.decorators):
            teardowns[fn.qualname] = fn
    for site in project.calls:
        if site.name.rsplit(".", 1)[-1] in ("teardown_appcontext", "teardown_request", "teardown_app_request") and site.node.args:
            name = dotted(site.node.args[0])
            if name:
                fn = project.resolve_function(name, site.function, site.module)
                if fn is not None:
                    teardowns[fn.qualname] = fn
    closing = []
    for fn in teardowns.values():
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOSERS:
                closing.append(fn)
                break
    project._fd_teardown_closers = closing  # type: ignore[attr-defined]
    return closing


def _with_item(ctx: Context) -> bool:
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, ast.withitem):
            return True
        if isinstance(ancestor, (ast.stmt,)):
            return False
    return False


class PerRequestResourceNotClosed(Rule):
    """
    ## What it does
    Finds connections, clients and files opened in request code —
    `sqlite3.connect`, `psycopg2.connect`, `pymysql.connect`,
    `redis.Redis(...)`, `open(...)` — that nothing closes: not a `with`
    block, not a `close()` in the function, not a
    `teardown_appcontext`/`teardown_request` function for ones stored on `g`.

    ## Why is this bad?
    Every request opens a new connection (a TCP and authentication handshake
    each time) and relies on the garbage collector to close it. CPython
    usually does so when the last reference goes, but not while an
    exception's traceback keeps the request's frame alive (error handlers,
    logging, Sentry), not under PyPy, and not for objects caught in
    reference cycles: under errors and load, connections pile up to the
    database's `max_connections` ("too many connections"). A local file
    object is closed when the function returns and is left to linters; one
    stored on `g` without a teardown is reported. The Flask
    tutorial's pattern — `get_db()` storing the connection on `g` and
    `app.teardown_appcontext(close_db)` closing it — is not reported, nor are
    `with` blocks, resources closed in the same function or returned to the
    caller, and clients created once at import time.

    ## Example
    ```python
    @app.get("/stats")
    def stats():
        conn = psycopg2.connect(os.environ["DATABASE_URL"])
        return {"n": conn.cursor().execute("select count(*) from t")}
    ```

    ## Use instead
    ```python
    def get_db():
        if "db" not in g:
            g.db = psycopg2.connect(os.environ["DATABASE_URL"])
        return g.db

    @app.teardown_appcontext
    def close_db(exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()
    ```
    or a connection pool created once (SQLAlchemy engine, `psycopg_pool`).

    ## Fix safety
    No automatic fix.

    ## References
    - Flask tutorial: "Define and Access the Database" (`get_db`, `teardown_appcontext`)
    - Flask docs: "Using SQLite 3 with Flask"
    """

    code = "FD106"
    name = "per-request-resource-not-closed"
    severity = Severity.WARNING
    catalog = ("S06",)
    summary = "A connection or file opened per request is never closed."

    VALID = (
        Valid("""
            import sqlite3
            from flask import Flask, current_app, g
            app = Flask(__name__)

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect(current_app.config["DATABASE"])
                return g.db

            def close_db(e=None):
                db = g.pop("db", None)
                if db is not None:
                    db.close()

            app.teardown_appcontext(close_db)

            @app.get("/")
            def index():
                return str(get_db().execute("select 1").fetchone())
            """),
        Valid("""
            import os
            import psycopg2
            import redis
            from flask import Flask
            app = Flask(__name__)
            cache = redis.Redis.from_url(os.environ["REDIS_URL"])

            @app.get("/stats")
            def stats():
                with psycopg2.connect(os.environ["DATABASE_URL"]) as conn:
                    pass
                conn2 = psycopg2.connect(os.environ["DATABASE_URL"])
                try:
                    conn2.cursor().execute("select 1")
                finally:
                    conn2.close()
                with open("/etc/motd") as f:
                    motd = f.read()
                return {"hits": cache.incr("hits"), "motd": motd}
            """),
    )
    INVALID = (
        Invalid("""
            import os
            import psycopg2
            from flask import Flask, g
            app = Flask(__name__)

            @app.get("/stats")
            def stats():
                conn = psycopg2.connect(os.environ["DATABASE_URL"])  # expect
                cur = conn.cursor()
                cur.execute("select count(*) from orders")
                return {"n": cur.fetchone()[0]}

            @app.before_request
            def open_log():
                g.log = open("/var/log/app/requests.log", "a")  # expect
            """, message="never closed"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None or not ctx.in_request or ctx.is_test_code():
            return
        name = ctx.qualified(node.func) or (dotted(node.func) if isinstance(node.func, ast.Name) and node.func.id == "open" else None)
        if name == "open" and isinstance(node.func, ast.Name) and ctx.qualified(node.func) is not None:
            return  # a project function called open
        kind = RESOURCE_OPENERS.get(name or "")
        if kind is None or _with_item(ctx):
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        target: str | None = None
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            target = dotted(parent.targets[0])
        elif isinstance(parent, ast.Return):
            return  # the caller owns it
        elif isinstance(parent, (ast.Attribute, ast.Call, ast.keyword)):
            return  # ``open(p).read()`` / passed straight to something that owns it
        if target is None:
            return
        if target.startswith(("g.", "flask.g.")):
            if teardown_closers(ctx.project):
                return
            self._report(node, ctx, kind, f"stored on `{target}` and no teardown_appcontext/teardown_request function closes it")
            return
        if "." in target:
            return  # self.x / obj.attr: lifetime unknown
        if kind == "file":
            return  # a local file object is closed when the function returns (CPython refcounting); ruff SIM115 covers style
        if self._closed_or_escapes(target, fn):
            return
        self._report(node, ctx, kind, f"kept in `{target}` and never closed")

    @staticmethod
    def _closed_or_escapes(name: str, fn: FunctionInfo) -> bool:
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOSERS and dotted(node.func.value) == name:
                return True
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                dotted(item.context_expr) == name
                or (isinstance(item.context_expr, ast.Call) and any(dotted(a) == name for a in item.context_expr.args))
                for item in node.items
            ):
                return True
            if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None and any(
                isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
            ):
                return True  # returned (send_file(f), a generator, the caller): not ours to close
            if isinstance(node, ast.Assign) and any(not isinstance(t, ast.Name) for t in node.targets) and any(
                isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
            ):
                return True  # stored somewhere else (g.db = conn, self.conn = conn)
            if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == name for a in node.args) and isinstance(node.func, (ast.Name, ast.Attribute)):
                callee = dotted(node.func) or ""
                if callee.rsplit(".", 1)[-1] in ("closing", "send_file", "Response", "stream_with_context", "register", "callback", "call_on_close", "append", "enter_context"):
                    return True
        return False

    def _report(self, node: ast.Call, ctx: Context, kind: str, why: str) -> None:
        ctx.report(
            self.finding(
                ctx.location(node),
                f"a {kind} opened in {describe_context(ctx)} is {why}: every request opens a new one and leaves "
                f"closing it to garbage collection (delayed whenever an exception traceback keeps the frame alive)",
                hint="Use a `with` block, close it in a `finally`, or store it on `g` and close it in a "
                "`teardown_appcontext` function (the Flask tutorial's get_db/close_db pattern); for clients, create one at import.",
                evidence=ctx.chain_evidence(REQUEST),
            )
        )
