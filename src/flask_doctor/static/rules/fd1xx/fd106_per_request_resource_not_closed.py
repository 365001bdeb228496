"""FD106 per-request-resource-not-closed: A connection or file opened per request is never closed."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.contexts import (
    CLOSERS,
    POOLED_CLIENTS,
    RESOURCE_OPENERS,
    in_with_item,
    resource_helpers,
    teardown_closers,
)
from flask_doctor.static.facts.jobs.sessions import request_session_leaks
from flask_doctor.static.model import REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class PerRequestResourceNotClosed(Rule):
    """
    ## What it does
    Finds connections, clients and files opened in request code —
    `sqlite3.connect`, `psycopg2.connect`, `pymysql.connect`,
    `redis.Redis(...)`, `open(...)`, or a project helper that returns a new
    one (`conn = get_conn()` with `def get_conn(): return
    psycopg2.connect(...)`), a DataJoint `dj.Connection(...)` — that nothing
    closes: not a `with`
    block, not a `close()` in the function, not a
    `teardown_appcontext`/`teardown_request` function for ones stored on `g`
    (one that closes `g.db` does nothing for a connection kept in `g.conn`).
    A project decorator whose wrapper opens one per request and hands it to
    the view it wraps (`return view(conn, **kwargs)`) is reported when
    neither the wrapper nor some of the views it decorates close it: the
    wrapper returns the view's response, not the connection.
    It also finds a plain SQLAlchemy `scoped_session` defined at module
    level (`db_session = scoped_session(sessionmaker(bind=engine))`) that
    request code queries (directly, or as `User.query` under a base given
    `query = db_session.query_property()`) and nothing in the project ever
    ends: no
    `db_session.remove()` (or `close()`) in a teardown, an `after_request`
    or anywhere else.

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
    caller (returning what a query through it gives, `client.db.items.find()`,
    is not returning it), resources handed to a project function that closes
    them (`finish(conn)` with `def finish(conn): conn.close()`), and clients
    created once at import time. Nor is a Redis client kept in a local: it
    owns a connection pool that closes when the client is freed, so a client
    per request costs connection churn (a new pool each time, as a
    connectivity probe does on purpose), not a leak.

    A `scoped_session` keeps one session per thread. Its first query checks
    a connection out of the engine's pool and begins a transaction, and
    both stay with the thread until the session is removed: the next
    request on that thread reads from the old snapshot (stale data under
    MySQL's REPEATABLE READ) and the database keeps an idle-in-transaction
    backend per worker thread. Flask's "SQLAlchemy in Flask" pattern removes
    it in a `teardown_appcontext` function; a project that removes one
    session but not another is the usual slip. Flask-SQLAlchemy's
    `db.session` is removed by the extension and is not concerned, nor is a
    session on a SQLite engine (a local file: no server connection left
    waiting, no pool to run dry).

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

    call_names = last_segments(RESOURCE_OPENERS)

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
        # A teardown that closes every connection it finds under a list of names.
        Valid("""
            import sqlite3
            from flask import Flask, g
            app = Flask(__name__)
            OPENED = ("orders_db", "audit_db")

            @app.before_request
            def connect():
                g.orders_db = sqlite3.connect("orders.db")
                g.audit_db = sqlite3.connect("audit.db")

            @app.teardown_request
            def close_all(exc):
                for name in OPENED:
                    conn = g.pop(name, None)
                    if conn is not None:
                        conn.close()
            """),
        # The plain-SQLAlchemy pattern of Flask's docs: the scoped session is removed after each request.
        Valid("""
            from flask import Flask, jsonify
            from sqlalchemy import create_engine, text
            from sqlalchemy.orm import scoped_session, sessionmaker
            app = Flask(__name__)
            engine = create_engine("postgresql://shop@db/shop")
            db_session = scoped_session(sessionmaker(bind=engine))

            @app.teardown_appcontext
            def shutdown_session(exception=None):
                db_session.remove()

            @app.get("/orders/count")
            def order_count():
                return jsonify(db_session.execute(text("select count(*) from orders")).scalar())
            """),
    )
    INVALID = (
        Invalid(
            """
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
            """,
            message="never closed",
        ),
        # The teardown closes the database connection kept in `g.db`, not the search client kept in `g.search`.
        Invalid(
            """
            import sqlite3
            import pymysql
            from flask import Flask, g
            app = Flask(__name__)

            @app.before_request
            def connect():
                g.db = sqlite3.connect("app.db")
                g.search = pymysql.connect(host="search")  # expect

            @app.teardown_appcontext
            def close_db(exc):
                db = g.pop("db", None)
                if db is not None:
                    db.close()
            """,
            message="g.search",
        ),
    )

    INVALID = INVALID + (
        # a helper hands a new connection to the view, which never closes it
        Invalid(
            """
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            def get_conn():
                return psycopg2.connect("dbname=shop")

            @app.get("/orders")
            def orders():
                conn = get_conn()  # expect
                cur = conn.cursor()
                cur.execute("SELECT id FROM orders")
                return jsonify(cur.fetchall())
            """,
            message="never closed",
        ),
        # returning what a query through the client gives is not returning the client
        Invalid(
            """
            from flask import Flask, jsonify
            from pymongo import MongoClient

            app = Flask(__name__)

            @app.get("/items")
            def items():
                client = MongoClient("mongodb://localhost:27017")  # expect
                return jsonify([item["name"] for item in client.shop.items.find()])
            """,
            message="MongoDB client",
        ),
    )

    INVALID = INVALID + (
        # Two scoped sessions: the teardown removes the accounts one, the reports one stays with the thread.
        Invalid(
            """
            from flask import Flask, jsonify
            from sqlalchemy import create_engine, text
            from sqlalchemy.orm import scoped_session, sessionmaker
            app = Flask(__name__)
            accounts = scoped_session(sessionmaker(bind=create_engine("postgresql://app@db/accounts")))
            reports_engine = create_engine("postgresql://app@db/reports")
            reports = scoped_session(sessionmaker(bind=reports_engine))  # expect

            @app.teardown_appcontext
            def end_accounts(exception=None):
                accounts.remove()

            @app.get("/reports/<int:year>")
            def yearly(year):
                rows = reports.execute(text("select month, total from sales where year = :y"), {"y": year})
                return jsonify([dict(r._mapping) for r in rows])
            """,
            message="nothing in the project removes it",
        ),
    )

    INVALID = INVALID + (
        # The docs' declarative pattern without its teardown: views query through the models' ``query`` property.
        Invalid(
            """
            from flask import Flask, abort
            from sqlalchemy import Column, Integer, String, create_engine
            from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker
            app = Flask(__name__)
            engine = create_engine("mysql://library@db/library")
            db_session = scoped_session(sessionmaker(bind=engine))  # expect
            Base = declarative_base()
            Base.query = db_session.query_property()

            class Book(Base):
                __tablename__ = "books"
                id = Column(Integer, primary_key=True)
                title = Column(String(200))

            @app.get("/books/<int:book_id>")
            def book(book_id):
                found = Book.query.get(book_id)
                if found is None:
                    abort(404)
                return {"title": found.title}
            """,
            message="nothing in the project removes it",
        ),
    )

    VALID = VALID + (
        # A status endpoint probing Redis with a fresh client: its pool closes when the local is freed (churn).
        Valid("""
            import redis
            from flask import Flask
            app = Flask(__name__)

            @app.get("/status")
            def status():
                store = redis.StrictRedis(host=app.config["REDIS_HOST"])
                store.set("probe", "1")
                healthy = store.get("probe") == b"1"
                return {"redis": healthy}
            """),
        # the view hands the connection to its own helper, which commits and closes it
        Valid("""
            import sqlite3
            from flask import Flask
            app = Flask(__name__)

            def finish(conn):
                conn.commit()
                conn.close()

            @app.post("/visits")
            def visit():
                conn = sqlite3.connect("visits.db")
                conn.execute("insert into visits default values")
                finish(conn)
                return "", 204
            """),
    )

    INVALID = INVALID + (
        # the helper the connection is handed to only reads through it: nothing closes it
        Invalid(
            """
            import sqlite3
            from flask import Flask
            app = Flask(__name__)

            def count(conn):
                return conn.execute("select count(*) from visits").fetchone()[0]

            @app.get("/visits")
            def visits():
                conn = sqlite3.connect("visits.db")  # expect
                total = count(conn)
                return {"n": total}
            """,
            message="never closed",
        ),
    )

    INVALID = INVALID + (
        # a login decorator opens a connection with the caller's credentials for each request and hands it to
        # the view it wraps; the view only queries through it
        Invalid(
            """
            from functools import wraps
            import datajoint as dj
            from flask import Flask, request

            app = Flask(__name__)

            def with_connection(view):
                @wraps(view)
                def wrapper(**kwargs):
                    user, password = read_credentials(request.headers["Authorization"])
                    connection = dj.Connection(host="db", user=user, password=password)  # expect
                    return view(connection, **kwargs)

                return wrapper

            @app.get("/schemas")
            @with_connection
            def schemas(connection):
                names = connection.query("SHOW DATABASES").fetchall()
                return {"schemas": [row[0] for row in names]}
            """,
            message="handed by `@with_connection` to the views it wraps",
        ),
    )

    VALID = VALID + (
        # the wrapper closes the connection it handed to the view once the view has answered
        Valid("""
            from functools import wraps
            import psycopg2
            from flask import Flask

            app = Flask(__name__)

            def with_connection(view):
                @wraps(view)
                def wrapper(**kwargs):
                    connection = psycopg2.connect("dbname=shop")
                    try:
                        return view(connection, **kwargs)
                    finally:
                        connection.close()

                return wrapper

            @app.get("/orders")
            @with_connection
            def orders(connection):
                cursor = connection.cursor()
                cursor.execute("SELECT id FROM orders")
                return {"orders": [row[0] for row in cursor.fetchall()]}
            """),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        """A module-level ``scoped_session`` request code queries and nothing removes."""
        for leak in request_session_leaks(project):
            if leak.sqlite:
                continue  # a local file: no server connection waits, no pool runs dry; one idle session per thread
            consequence = (
                "the next request on that thread reads from the old transaction's snapshot, and the database "
                "keeps one idle-in-transaction connection per worker thread"
            )
            report(
                self.finding(
                    leak.where,
                    f"`{leak.factory}` is a plain `scoped_session` that request code queries (`{leak.view.display}`) "
                    f"and nothing in the project removes it: each worker thread keeps its session, with the "
                    f"connection it checked out and the transaction its first query began, from one request to the "
                    f"next; {consequence}",
                    hint=f"Call `{leak.factory}.remove()` in a `teardown_appcontext` function (Flask docs, "
                    "'SQLAlchemy in Flask'), or use Flask-SQLAlchemy, which does it for you.",
                    evidence=[
                        Evidence(f"queried in `{leak.view.display}`", leak.use),
                        *(
                            Evidence(f"called from {project.display(q)}", project.functions[q].location)
                            for q in project.chain(leak.view.qualname, REQUEST)[:-1][:3]
                            if q in project.functions
                        ),
                    ],
                )
            )

    def project_call_names(self, project: Project) -> frozenset[str]:
        # ``conn = get_conn()``: a project helper that returns a new connection
        return frozenset(q.rsplit(".", 1)[-1] for q in resource_helpers(project))

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None or not ctx.in_request or ctx.is_test_code():
            return
        builtin_open = isinstance(node.func, ast.Name) and node.func.id == "open"
        name = ctx.qualified(node.func) or (dotted(node.func) if builtin_open else None)
        if name == "open" and isinstance(node.func, ast.Name) and ctx.qualified(node.func) is not None:
            return  # a project function called open
        kind = RESOURCE_OPENERS.get(name or "")
        if kind is None and not builtin_open and dotted(node.func):
            helper = ctx.project.resolve_function(dotted(node.func) or "", fn, ctx.module)
            kind = resource_helpers(ctx.project).get(helper.qualname) if helper is not None else None
        if kind is None or in_with_item(ctx):
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
            if _teardown_closes(ctx.project, target.rsplit(".", 1)[1]):
                return
            why = f"stored on `{target}` and no teardown_appcontext/teardown_request function closes it"
            self._report(node, ctx, kind, why)
            return
        if "." in target:
            return  # self.x / obj.attr: lifetime unknown
        if kind == "file":
            # a local file object is closed when the function returns (CPython refcounting); ruff SIM115 covers style
            return
        handed = _handed_to_wrapped_views(ctx.project, fn, target)
        if handed is not None:  # a decorator's wrapper opens it and passes it to the view it wraps
            decorator, views = handed
            leaking = [
                view
                for view, param in views
                if not (self._closed_or_escapes(param, view) or _closed_by_helper(ctx, param, view))
            ]
            if _closes(target, fn) or not leaking:
                return
            names = ", ".join(f"`{view.display}`" for view in leaking[:3]) + (" ..." if len(leaking) > 3 else "")
            self._report(
                node,
                ctx,
                kind,
                f"handed by `@{decorator}` to the views it wraps, and neither the wrapper nor {len(leaking)} of "
                f"them ({names}) close it",
            )
            return
        if self._closed_or_escapes(target, fn) or _closed_by_helper(ctx, target, fn):
            return
        if kind in POOLED_CLIENTS:
            return  # the client's own pool closes its connections when the local is freed on return: churn, no leak
        self._report(node, ctx, kind, f"kept in `{target}` and never closed")

    #: Calls that take over a resource passed to them (and close or keep it).
    TAKE_OWNERSHIP = (
        "closing",
        "send_file",
        "Response",
        "stream_with_context",
        "register",
        "callback",
        "call_on_close",
        "append",
        "enter_context",
    )

    @staticmethod
    def _closed_or_escapes(name: str, fn: FunctionInfo) -> bool:
        for node in ast.walk(fn.node):
            if _closes_at(node, name, wrapped=True):
                return True
            if (
                isinstance(node, (ast.Return, ast.Yield))
                and node.value is not None
                and any(isinstance(n, ast.Name) and n.id == name for n in _handed_on(node.value))
            ):
                return True  # returned (send_file(f), a generator, the caller): not ours to close
            if (
                isinstance(node, ast.Assign)
                and any(not isinstance(t, ast.Name) for t in node.targets)
                and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value))
            ):
                return True  # stored somewhere else (g.db = conn, self.conn = conn)
            if (
                isinstance(node, ast.Call)
                and any(isinstance(a, ast.Name) and a.id == name for a in node.args)
                and isinstance(node.func, (ast.Name, ast.Attribute))
            ):
                callee = dotted(node.func) or ""
                if callee.rsplit(".", 1)[-1] in PerRequestResourceNotClosed.TAKE_OWNERSHIP:
                    return True
        return False

    def _report(self, node: ast.Call, ctx: Context, kind: str, why: str) -> None:
        consequence = (
            "every request opens a new one and leaves closing it to garbage collection (delayed whenever an "
            "exception traceback keeps the frame alive)"
        )
        ctx.report(
            self.finding(
                ctx.location(node),
                f"a {kind} opened in {describe_context(ctx)} is {why}: {consequence}",
                hint="Use a `with` block, close it in a `finally`, or store it on `g` and close it in a "
                "`teardown_appcontext` function (the Flask tutorial's get_db/close_db pattern); for clients, create "
                "one at import.",
                evidence=ctx.chain_evidence(REQUEST),
            )
        )


def _closed_by_helper(ctx: Context, name: str, fn: FunctionInfo) -> bool:
    """``finish(conn)``: ``name`` is handed to a project function that closes that parameter (``conn.close()``)."""
    for node in ast.walk(fn.node):
        if not (isinstance(node, ast.Call) and dotted(node.func)):
            continue
        for index, arg in enumerate(node.args):
            if not (isinstance(arg, ast.Name) and arg.id == name):
                continue
            callee = ctx.project.resolve_function(dotted(node.func) or "", fn, ctx.module)
            params = [a.arg for a in callee.node.args.posonlyargs + callee.node.args.args] if callee else []
            if callee is not None and callee.class_name and params[:1] == ["self"]:
                params = params[1:]
            if index < len(params) and PerRequestResourceNotClosed._closed_or_escapes(params[index], callee):
                return True
    return False


def _closes(name: str, fn: FunctionInfo) -> bool:
    """``name.close()`` (or another closer) anywhere in ``fn``, or ``name`` used as a ``with`` item."""
    return any(_closes_at(node, name) for node in ast.walk(fn.node))


def _closes_at(node: ast.AST, name: str, *, wrapped: bool = False) -> bool:
    """``node`` is ``name.close()`` (or another closer), or a ``with`` block over ``name``; with ``wrapped``,
    also one over a call that takes it (``with closing(conn):``)."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr in CLOSERS and dotted(node.func.value) == name
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return any(
            dotted(item.context_expr) == name
            or (
                wrapped
                and isinstance(item.context_expr, ast.Call)
                and any(dotted(a) == name for a in item.context_expr.args)
            )
            for item in node.items
        )
    return False


def _handed_to_wrapped_views(
    project: Project, fn: FunctionInfo, name: str
) -> tuple[str, list[tuple[FunctionInfo, str]]] | None:
    """``return view(conn, **kwargs)`` in the wrapper of a project decorator, where ``view`` is what the decorator
    wraps: the decorator's name and each view it decorates with the parameter that receives ``name``. The
    wrapper returns the view's response, not the resource. None when ``fn`` is no such wrapper or the project
    decorates nothing with it (then the caller's other checks apply)."""
    outer = fn.parent
    if outer is None:
        return None
    wrapped = {a.arg for a in outer.node.args.posonlyargs + outer.node.args.args}
    index: int | None = None
    for node in ast.walk(fn.node):
        if not (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in wrapped
        ):
            continue
        for position, arg in enumerate(node.value.args):
            if isinstance(arg, ast.Name) and arg.id == name:
                index = position
    if index is None:
        return None
    views: list[tuple[FunctionInfo, str]] = []
    for view in project.functions.values():
        if not any(d.rsplit(".", 1)[-1] == outer.name for d in view.decorators):
            continue
        params = [a.arg for a in view.node.args.posonlyargs + view.node.args.args]
        if view.class_name and params[:1] == ["self"]:
            params = params[1:]
        if index < len(params):
            views.append((view, params[index]))
    return (outer.name, views) if views else None


def _handed_on(node: ast.expr) -> list[ast.expr]:
    """The names ``node`` hands on as objects: not those it only reads through (``conn.execute(...)``,
    ``client.db.items.find()``), whose results are returned while the resource stays behind."""
    read_through = {id(n.value) for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    return [n for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in read_through]


def _teardown_closes(project: Project, attr: str) -> bool:
    """A teardown function that closes something and names ``g.<attr>`` (``g.pop("db")``, ``g.db``,
    ``getattr(g, "db", None)``), itself or in a project function it calls. Any teardown that closes counts
    when none names an attribute of ``g`` at all (it closes what it finds some other way)."""
    closers = teardown_closers(project)
    if not closers:
        return False
    named_any = False
    for fn in closers:
        bodies = [fn.node]
        for name, _call in fn.calls:
            callee = project.resolve_function(name, fn, fn.module)
            if callee is not None:
                bodies.append(callee.node)
        for body in bodies:
            for node in ast.walk(body):
                if isinstance(node, ast.Attribute) and dotted(node.value) in ("g", "flask.g"):
                    if node.attr in _G_METHODS:
                        continue  # ``g.pop(...)``: the key says which attribute (a constant below, or any)
                    named_any = True
                    if node.attr == attr:
                        return True
                elif isinstance(node, ast.Constant) and node.value == attr:
                    return True
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _G_METHODS
                    and dotted(node.func.value) in ("g", "flask.g")
                ):
                    if node.args and not isinstance(node.args[0], ast.Constant):
                        return True  # ``g.pop(name)`` over a list of names: it may be this one
                    named_any = True
    return not named_any


#: Methods of ``flask.g`` that take the attribute's name as a string.
_G_METHODS = frozenset({"pop", "get", "setdefault"})
