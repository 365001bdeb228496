"""FD204 engine-without-stale-connection-guard: A MySQL/PostgreSQL engine or kept connection without pool_pre_ping, pool_recycle or a check goes stale."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.orm.engines import (
    CREATE_ENGINE,
    DBAPI_CONNECT,
    DBAPI_POOLS,
    ENGINE_FROM_CONFIG,
    PEEWEE_DATABASES,
    SERVER_DIALECTS,
    Scope,
    config_options,
    connection_kept_up,
    constant,
    declared_wait_timeout,
    dict_options,
    disposed_after_use,
    engine_factory_kept,
    extension_engine_options,
    forwarded_options,
    global_holder,
    guarded,
    guarded_sibling,
    job_extension_session,
    kept_by_extension,
    kept_for_requests,
    keyword,
    local_only,
    module_cursors,
    named_for_sqlite,
    names_a_guard,
    options_of,
    pool_connections_checked,
    production_settings,
    request_use,
    server_db_hint,
    spread_options,
    stored_globally,
    truthy,
    url_dialect,
    url_scheme,
)
from flask_doctor.static.facts.roles import FileRole, is_test_path, role_of
from flask_doctor.static.model import (
    CLI,
    JOB,
    REQUEST,
    SQLALCHEMY_TYPES,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    FixExample,
    Invalid,
    Rule,
    Valid,
)

#: Files whose engine is opened, used and dropped by one run: nothing stays in a pool long enough to go stale.
_ONE_SHOT = frozenset({FileRole.MIGRATION, FileRole.SCRIPT, FileRole.TEMPLATE, FileRole.TEST})


class EngineWithoutStaleConnectionGuard(Rule):
    """
    ## What it does
    Finds `create_engine(...)` and `engine_from_config(...)` calls to MySQL,
    MariaDB or PostgreSQL that set neither `pool_pre_ping=True` nor
    `pool_recycle`, and single database connections a module keeps for the
    life of the process (a DB-API `connect()` or a peewee database) that
    requests use, directly or through a cursor the module also keeps
    (`cur = conn.cursor()` at import), and psycopg2's own pools
    (`ThreadedConnectionPool`, `SimpleConnectionPool`) kept the same way
    when nothing in the project tests a connection it takes from them.

    ## Why is this bad?
    The engine keeps connections in a pool. When a connection sits idle
    longer than the server (MySQL `wait_timeout`, 8 hours by default), a
    firewall, a load balancer or a PgBouncer allows, the other side closes
    it; the pool does not notice and hands the dead connection to the next
    request, which fails with "MySQL server has gone away" (2006/2013) or
    "server closed the connection unexpectedly". `pool_pre_ping` tests each
    connection on checkout and replaces dead ones; `pool_recycle` replaces
    connections older than a limit. SQLite, `NullPool` engines and
    Flask-SQLAlchemy's own engine for MySQL (which sets `pool_recycle=7200`
    itself) are not reported; an engine whose URL is read from the
    environment is reported only when the project shows it uses a server
    database (a driver import, a URL in code or deploy files, a driver such
    as `psycopg2-binary` among the production requirements), and not in
    code named for SQLite (`backends/sqlite.py`, `class SqliteBackend`):
    one backend among several. When the
    deploy files declare a MySQL `wait_timeout` (compose
    `command: --wait_timeout=600`), a `pool_recycle` — Flask-SQLAlchemy's
    7200 s default included — that is not below it is reported too.

    A database import also tells: SQLAlchemy's PostgreSQL or MySQL dialect
    (`from sqlalchemy.dialects.postgresql import JSONB`) means the models are
    written for that server.

    An engine built by a helper (`def make_engine(url): return
    create_engine(url)`) that a module global or the app factory keeps is
    as long-lived as one built at module level, and is reported; so is one
    a Flask extension class keeps (`self.engine = create_engine(...)` in a
    class with `init_app(app)`), made once and used by every request. An
    engine whose options are the caller's (`def __init__(self, url,
    **kwargs): create_engine(url, **kwargs)`) is a note, and only when
    nothing in the project names `pool_pre_ping`, `pool_recycle` or
    `poolclass` for a caller to pass: a deployment's settings may still
    set them. The same holds for a mapping parameter spread into the call
    (`def __init__(self, url, engine_args): create_engine(url,
    **engine_args)`). An engine a plain class keeps (`self.engine =
    create_engine(...)`) is reported when request handlers call a method of
    that class and its constructor runs outside any request: the object, and
    its pool, outlive the requests it serves. The same holds for the one
    DB-API connection a data-access class opens for itself (`self.db =
    mysql.connector.connect(...)` in `__init__`, the object made once at
    import), unless the project pings or reconnects it. A module that opens
    one connection from its engine at import (`conn = engine.connect()`) and
    binds its sessions to it keeps that one connection for the life of the
    process; it is reported even when the engine has `pool_pre_ping`, which
    tests a connection only when one is taken from the pool. Engines
    in one-shot programs hold no pool long enough to go stale and are not
    reported: migrations, scripts (`scripts/wait_for_db.py`, a module run
    only as `python migrate_legacy.py` that nothing imports), CLI commands
    and `if __name__ == "__main__":` blocks; in an example or the docs it
    is a note.

    Options are read wherever the code writes them: keywords, a mapping
    spread into the call (`**ENGINE_OPTIONS`, a settings class attribute,
    a module constant another module imports), and the prefixed keys of the
    dict `engine_from_config` reads (`"sqlalchemy.pool_recycle"`). A mapping
    the code does not show (an ini file's settings, a function's result)
    may hold the guard, and nothing is said. A URL read from the environment
    with a default (`os.environ.get("DATABASE_URL", "postgresql://...")`)
    is taken to be for the server the default names; a SQLite default is
    the developer's, and the project's imports and dependencies decide.

    Flask-SQLAlchemy's own engine is not reported for lacking pool options
    (a declared `wait_timeout` below its recycling aside): Flask-SQLAlchemy
    2.5 and 3.x recycle MySQL connections themselves, and PostgreSQL keeps
    idle connections open by default, so the harm needs evidence the code
    does not show (a pooler's or proxy's idle timeout, a server
    `idle_session_timeout`). One piece of such evidence the code does show:
    background jobs (Celery or RQ tasks) that use the extension's session.
    A worker keeps its pool between jobs, idle for hours when no job comes,
    and a worker whose connections a firewall, NAT or pooler dropped fails
    its next job; so `SQLALCHEMY_DATABASE_URI` to PostgreSQL with no
    `pool_pre_ping`/`pool_recycle` in `SQLALCHEMY_ENGINE_OPTIONS` (nor a
    guard named anywhere in the project) is a note when jobs use
    `db.session`.

    One DB-API connection (`pymysql.connect`, `MySQLdb.connect`,
    `mysql.connector.connect`, `psycopg2.connect`, `psycopg.connect`) kept in
    a module global, opened at import or once on first use, is one
    connection for the whole process: when the server closes it after its
    idle timeout, or restarts, every later request fails until the worker
    restarts. It is reported when code a request runs reads that global and
    nothing checks the connection (`conn.ping(reconnect=True)`,
    `conn.closed`). The same goes for a peewee `MySQLDatabase` or
    `PostgresqlDatabase` kept at module level when nothing closes it around
    requests (`db.close()` in a teardown, `db.connection_context()`,
    `playhouse.flask_utils.FlaskDB`); `playhouse.pool` databases check a
    connection before reusing it and are not reported.

    ## Example
    ```python
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10)
    ```

    ## Use instead
    ```python
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, pool_pre_ping=True, pool_recycle=1800)
    ```

    ## Fix safety
    Adding `pool_pre_ping=True` to an engine call or to
    `SQLALCHEMY_ENGINE_OPTIONS` is safe (one cheap round trip per
    checkout). A connection a module keeps has no automatic fix: opening
    one per request changes the code around it.

    ## References
    - SQLAlchemy 2.0: "Dealing with Disconnects" (pessimistic disconnect handling, `pool_pre_ping`, `pool_recycle`)
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_ENGINE_OPTIONS`, MySQL `pool_recycle` default)
    """

    code = "FD204"
    name = "engine-without-stale-connection-guard"
    severity = Severity.WARNING
    catalog = ("S22",)
    summary = "A MySQL/PostgreSQL engine or kept connection without pool_pre_ping, pool_recycle or a check goes stale."
    fix_safety = "safe"
    FIX_EXAMPLE = FixExample(
        before="""
            from sqlalchemy import create_engine

            engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=10)
            """,
        after="""
            from sqlalchemy import create_engine

            engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=10, pool_pre_ping=True)
            """,
    )

    call_names = last_segments(CREATE_ENGINE, ENGINE_FROM_CONFIG, DBAPI_CONNECT, DBAPI_POOLS, PEEWEE_DATABASES)

    VALID = (
        # a background lookup that connects to a side database for one run and disposes the engine after it
        Valid("""
            from celery import shared_task
            from sqlalchemy import create_engine, text

            class HashLookup:
                def connect(self, host):
                    engine = create_engine(f"postgresql://reader@{host}/hashes")
                    self.conn = engine

                def known(self, digests):
                    with self.conn.connect() as c:
                        found = c.execute(text("select digest from hashes")).all()
                    self.conn.dispose()
                    return found

            @shared_task
            def annotate(host, digests):
                lookup = HashLookup()
                lookup.connect(host)
                return lookup.known(digests)
            """),
        Valid("""
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
            reporting = create_engine("mysql+pymysql://u@db/reports", pool_recycle=3600)
            local = create_engine("sqlite:///app.db")
            batch = create_engine("postgresql://u@db/app", poolclass=NullPool)
            """),
        Valid("""
            import os
            from sqlalchemy import create_engine

            # the URL comes from the environment and nothing says it is a server database
            engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///dev.db"))
            """),
        # one-shot programs: a script that waits for the database, and a legacy migration run by hand
        Valid(
            """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
            """,
            files={
                "scripts/wait_for_db.py": """
            import time
            from sqlalchemy import create_engine, text

            engine = create_engine("postgresql://app@db/app")
            for _ in range(30):
                try:
                    with engine.connect() as conn:
                        conn.execute(text("select 1"))
                    break
                except Exception:
                    time.sleep(1)
            """,
                "migrate_legacy.py": """
            from sqlalchemy import create_engine

            legacy = create_engine("mysql+pymysql://old@legacy/app")

            def copy_rows():
                with legacy.connect() as conn:
                    return conn.exec_driver_sql("select * from users").fetchall()

            if __name__ == "__main__":
                copy_rows()
            """,
            },
        ),
        # a report helper binds its own session factory to a throwaway engine: nothing keeps either after the call
        Valid("""
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            def count_rows(dsn):
                engine = create_engine(dsn)
                Report = sessionmaker()
                Report.configure(bind=engine)
                return Report().execute("select count(*) from job").scalar()
            """),
        # the options are forwarded, and the project passes `pool_pre_ping` through them (settings, tests aside)
        Valid(
            """
            from sqlalchemy import create_engine
            from sqlalchemy.dialects.postgresql import JSONB

            class Store:
                def __init__(self, url, **engine_options):
                    self.engine = create_engine(url, **engine_options)

                def init_app(self, app):
                    app.extensions["store"] = self

            ENGINE_OPTIONS = {"pool_pre_ping": True}
            store = Store("postgresql://app@db/app", **ENGINE_OPTIONS)
            """
        ),
        # options the caller hands in, and a class that is no extension and that no request uses: nothing shows
        # how long its engine lives
        Valid(
            """
            from sqlalchemy import create_engine
            from sqlalchemy.dialects.postgresql import JSONB

            class Report:
                def __init__(self, url, settings):
                    self.engine = create_engine(url, **settings)
                    self.other = create_engine(url)
            """
        ),
        # the project's models use PostgreSQL types, but this backend is the SQLite one: its URL is SQLite's
        Valid(
            """
            from sqlalchemy.dialects.postgresql import JSONB
            """,
            files={
                "backends/__init__.py": "",
                "backends/sqlite.py": """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["STORE_URL"])
            """,
            },
        ),
        # a ledger object made at import and used by a view, but the options the app hands it name the guard
        Valid(
            """
            from flask import Flask, jsonify
            from sqlalchemy import create_engine, text

            class Ledger:
                def __init__(self, dsn, engine_args):
                    self.engine = create_engine(dsn, **engine_args)

                def balance(self, account):
                    with self.engine.connect() as conn:
                        return conn.execute(text("select total from balances")).scalar()

            app = Flask(__name__)
            ledger = Ledger("mysql+pymysql://bank@db/ledger", {"pool_size": 20, "pool_pre_ping": True})

            @app.get("/balance/<account>")
            def balance(account):
                return jsonify(ledger.balance(account))
            """
        ),
        # the pool options live in the settings class the engine module imports, and they recycle connections
        Valid(
            """
            from sqlalchemy import create_engine
            from settings import Production

            engine = create_engine(Production.DATABASE_URL, **Production.POOL)
            """,
            files={
                "settings.py": """
            class Production:
                DATABASE_URL = "mysql+mysqldb://inventory@mysql/inventory"
                POOL = {"pool_size": 8, "pool_recycle": 900}
            """
            },
        ),
        # the options come from the deployment's ini file, which the code does not show
        Valid("""
            from sqlalchemy import engine_from_config

            def make_wsgi_app(global_config, **settings):
                engine = engine_from_config(settings, prefix="sqlalchemy.")
                return engine
            """),
        # Flask-SQLAlchemy to PostgreSQL with a pre-ping in production's options, and to MySQL (recycled by the
        # extension itself every 7200 s)
        Valid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config.from_object("config.ProductionConfig")
                db.init_app(app)
                return app
            """,
            files={
                "config.py": """
            class ProductionConfig:
                SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://crm@pg/crm"
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10}
            """
            },
        ),
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://forum@mysql/forum"
            db = SQLAlchemy(app)
            """),
        # Flask-SQLAlchemy to PostgreSQL without pool options: PostgreSQL keeps idle connections open by default,
        # and nothing in the code shows a pooler or a server setting that closes them
        Valid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config.from_object("config.ProductionConfig")
                db.init_app(app)
                return app
            """,
            files={
                "config.py": """
            import os

            class ProductionConfig:
                SQLALCHEMY_DATABASE_URI = os.environ.get("CRM_DB", "postgresql+psycopg2://crm@pg/crm")
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10}
            """
            },
        ),
        # the URI comes from the environment and the PostgreSQL driver is among the requirements: the same
        Valid(
            """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
            db = SQLAlchemy(app)
            """,
            files={"requirements.txt": "flask==3.0.3\nFlask-SQLAlchemy==3.1.1\npsycopg2-binary==2.9.9\n"},
        ),
        # a connection per request, kept on `g` and closed when the app context ends
        Valid("""
            import pymysql
            from flask import Flask, g, jsonify

            app = Flask(__name__)

            def db():
                if "conn" not in g:
                    g.conn = pymysql.connect(host="mysql", user="shop", database="shop")
                return g.conn

            @app.teardown_appcontext
            def close(exc):
                conn = g.pop("conn", None)
                if conn is not None:
                    conn.close()

            @app.get("/stock")
            def stock():
                with db().cursor() as cur:
                    cur.execute("select sku, qty from stock")
                    return jsonify(cur.fetchall())
            """),
        # one connection for the process, but each request makes sure it is alive (and reconnects) first
        Valid("""
            import MySQLdb
            from flask import Flask

            app = Flask(__name__)
            conn = MySQLdb.connect(host="mysql", user="wiki", db="wiki")

            @app.get("/pages")
            def pages():
                conn.ping(True)
                cur = conn.cursor()
                cur.execute("select title from page")
                return {"pages": [row[0] for row in cur.fetchall()]}
            """),
        # peewee: connected before each request and closed after it; a pooled database checks connections itself
        Valid("""
            from flask import Flask
            from peewee import CharField, Model, PostgresqlDatabase
            from playhouse.pool import PooledMySQLDatabase

            app = Flask(__name__)
            db = PostgresqlDatabase("notes", host="pg", user="notes")
            archive = PooledMySQLDatabase("archive", host="mysql", max_connections=16)

            class Note(Model):
                text = CharField()

                class Meta:
                    database = db

            @app.before_request
            def open_db():
                db.connect(reuse_if_open=True)

            @app.teardown_request
            def close_db(exc):
                if not db.is_closed():
                    db.close()

            @app.get("/notes")
            def notes():
                return {"notes": [n.text for n in Note.select()]}
            """),
        # a module-level connection that only a one-off loader script uses
        Valid(
            """
            from flask import Flask

            app = Flask(__name__)
            """,
            files={
                "scripts/load_fixtures.py": """
            import psycopg2

            conn = psycopg2.connect("dbname=crm host=pg")
            with conn, conn.cursor() as cur:
                cur.execute("insert into tag (name) values ('new')")
            """
            },
        ),
        # the module's connection and its cursor only serve a nightly command, which exits after its run
        Valid(
            """
            import click
            import mysql.connector
            from flask import Flask

            app = Flask(__name__)
            link = mysql.connector.connect(host="mysql", user="ops", database="ops")
            cur = link.cursor()

            @app.cli.command("purge-sessions")
            def purge_sessions():
                cur.execute("delete from sessions where expires < now()")
                link.commit()
                click.echo("purged")
            """
        ),
        # psycopg2's pool, but each request tests what it took and drops a dead connection
        Valid(
            """
            from flask import Flask, jsonify
            from psycopg2.pool import ThreadedConnectionPool

            app = Flask(__name__)
            pool = ThreadedConnectionPool(1, 8, dsn="dbname=maps host=pg")

            @app.get("/layers")
            def layers():
                conn = pool.getconn()
                if conn.closed:
                    pool.putconn(conn, close=True)
                    conn = pool.getconn()
                try:
                    with conn.cursor() as cur:
                        cur.execute("select name from layer")
                        return jsonify([r[0] for r in cur.fetchall()])
                finally:
                    pool.putconn(conn)
            """
        ),
        # the URL comes from the environment with a SQLite default; that psycopg2 is among the requirements
        # says which servers the app supports, not that production runs PostgreSQL
        Valid(
            """
            import os
            import psycopg2
            from celery import Celery
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            worker = Celery(__name__)

            class Settings:
                SQLALCHEMY_DATABASE_URI = os.environ.get("FARM_DB", "sqlite:///farm.sqlite")

            @worker.task
            def expire_leases():
                db.session.execute(db.text("delete from lease where ends < current_timestamp"))
                db.session.commit()
            """
        ),
        # Flask-SQLAlchemy to PostgreSQL used by a Celery task, with pre-ping in the engine options
        Valid(
            """
            import os
            from celery import Celery
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            worker = Celery(__name__)

            class Settings:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://ledger@pg/ledger")
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

            @worker.task
            def close_period():
                db.session.execute(db.text("update period set closed = true where ends < now()"))
                db.session.commit()
            """
        ),
        # the data-access object is made, used and closed by each request: its connection never idles
        Valid(
            """
            from flask import Flask, jsonify
            from shelter.dao import KennelDao

            app = Flask(__name__)

            @app.get("/kennels")
            def list_kennels():
                dao = KennelDao()
                try:
                    return jsonify(dao.names())
                finally:
                    dao.db.close()
            """,
            files={
                "shelter/__init__.py": "",
                "shelter/dao.py": """
                import mysql.connector

                class KennelDao:
                    def __init__(self):
                        self.db = mysql.connector.connect(host="mysql", user="shelter", database="shelter")

                    def names(self):
                        cur = self.db.cursor()
                        cur.execute("select name from kennel")
                        return [row[0] for row in cur.fetchall()]
                """,
            },
        ),
        # kept for every request, but revived before each use
        Valid(
            """
            import pymysql
            from flask import Flask, jsonify

            app = Flask(__name__)

            class Ledger:
                def __init__(self):
                    self.conn = pymysql.connect(host="mysql", user="books", database="books")

                def total(self):
                    self.conn.ping(reconnect=True)
                    with self.conn.cursor() as cur:
                        cur.execute("select sum(amount) from entry")
                        return cur.fetchone()[0]

            ledger = Ledger()

            @app.get("/total")
            def total():
                return jsonify(ledger.total())
            """
        ),
    )

    INVALID = (
        # one connection opened at import and bound to every session: checking connections out of the pool
        # (`pool_pre_ping`) never happens again for it
        Invalid(
            """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = create_engine(os.environ["STORE_DSN"], pool_pre_ping=True)
            shared = engine.connect()  # expect
            Session = scoped_session(sessionmaker(bind=shared))
            """,
            message="opens one PostgreSQL connection at import",
            files={"requirements.txt": "flask\nsqlalchemy\npsycopg2-binary\n"},
        ),
        # Flask-SQLAlchemy to PostgreSQL with no engine options, and a Celery worker keeps its pool between tasks
        Invalid(
            """
            import os
            from celery import Celery
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            worker = Celery(__name__)

            class Settings:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://ledger@pg/ledger")  # expect

            @worker.task
            def close_period():
                db.session.execute(db.text("update period set closed = true where ends < now()"))
                db.session.commit()
            """,
            message="background jobs use it",
        ),
        # psycopg2's pool kept for the process; what `getconn()` returns is used as it is
        Invalid(
            """
            from flask import Flask, jsonify
            from psycopg2 import pool as pg_pool

            app = Flask(__name__)
            connections = pg_pool.SimpleConnectionPool(1, 4, dsn="dbname=maps host=pg")  # expect

            @app.get("/layers")
            def layers():
                conn = connections.getconn()
                try:
                    with conn.cursor() as cur:
                        cur.execute("select name from layer")
                        return jsonify([r[0] for r in cur.fetchall()])
                finally:
                    connections.putconn(conn)
            """,
            message="never check a connection on `getconn()`",
        ),
        # the tutorial shape: one connection and one cursor made at import, and the views run queries on the cursor
        Invalid(
            """
            import mysql.connector
            from flask import Flask, jsonify

            app = Flask(__name__)
            link = mysql.connector.connect(host="mysql", user="books", database="books")  # expect
            cur = link.cursor()

            @app.get("/books")
            def books():
                cur.execute("select title from book")
                return jsonify([row[0] for row in cur.fetchall()])
            """,
            message="a cursor of `link`",
        ),
        # the same ledger without a guard in the options: made once, outside any request, it serves every request
        # with the pool it keeps (a note: a deployment's settings could still pass one)
        Invalid(
            """
            from flask import Flask, jsonify
            from sqlalchemy import create_engine, text

            class Ledger:
                def __init__(self, dsn, engine_args):
                    self.engine = create_engine(dsn, **engine_args)  # expect

                def balance(self, account):
                    with self.engine.connect() as conn:
                        return conn.execute(text("select total from balances")).scalar()

            app = Flask(__name__)
            ledger = Ledger("mysql+pymysql://bank@db/ledger", {"pool_size": 20})

            @app.get("/balance/<account>")
            def balance(account):
                return jsonify(ledger.balance(account))
            """,
            message="its options come from the callers' `**engine_args`",
        ),
        # a home-made Flask-SQLAlchemy: the extension keeps the engine for every request, the models use
        # PostgreSQL's types, and the engine options are whatever its callers pass (none passes a guard): a note
        Invalid(
            """
            from sqlalchemy import engine, orm

            class Database:
                def __init__(self, url, base, **kwargs):
                    self.engine = engine.create_engine(url, **kwargs)  # expect
                    self.session = orm.scoped_session(orm.sessionmaker(bind=self.engine))

                def init_app(self, app):
                    @app.teardown_appcontext
                    def remove(exc):
                        self.session.remove()
            """,
            message="its options come from the callers' `**kwargs`",
            files={
                "models.py": """
            from sqlalchemy import Column, Integer
            from sqlalchemy.dialects.postgresql import JSONB
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()

            class Event(Base):
                __tablename__ = "event"
                id = Column(Integer, primary_key=True)
                payload = Column(JSONB)
            """
            },
        ),
        Invalid(
            """
            import os
            from sqlalchemy import create_engine

            engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=10)  # expect
            """,
            message="PostgreSQL",
        ),
        Invalid(
            """
            import os
            import pymysql
            from sqlalchemy import create_engine

            DATABASE_URL = os.environ["DATABASE_URL"]
            engine = create_engine(DATABASE_URL)  # expect
            """,
            message="pymysql",
        ),
        # only SQLAlchemy imports the driver; the requirements install it
        Invalid(
            """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"])  # expect
            """,
            message="`psycopg2-binary` (a PostgreSQL driver) is a dependency",
            files={"requirements.txt": "flask==3.0.3\nSQLAlchemy==2.0.31\npsycopg2-binary==2.9.9\n"},
        ),
        Invalid(
            """
            import os
            from sqlalchemy import URL, create_engine

            url = URL.create(drivername="mysql+pymysql", host=os.environ["DB_HOST"], database="shop")
            engine = create_engine(url)  # expect
            """,
            message="to MySQL",
        ),
        # a helper builds the engine and the module keeps it for the life of every worker
        Invalid(
            """
            import os
            import psycopg2
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            def fix_scheme(url):
                return url.replace("postgres://", "postgresql://", 1)

            def make_engine(url, pool_size=1000):
                return create_engine(fix_scheme(url), pool_size=pool_size)  # expect

            engine = make_engine(os.environ.get("DATABASE_URL", "postgresql://app@localhost/app"))
            session = scoped_session(sessionmaker(bind=engine))
            """,
            message="with a URL from `fix_scheme(url)` (PostgreSQL",
        ),
        # a Celery worker builds its engine once per process and keeps it in a global; the signal handler's
        # `**kwargs` are the signal's, not engine options
        Invalid(
            """
            from celery.signals import worker_process_init
            from sqlalchemy import create_engine

            engine = None

            @worker_process_init.connect
            def init_worker(**kwargs):
                global engine
                engine = create_engine("postgresql://app@db/app")  # expect
            """,
            message="PostgreSQL sets neither",
        ),
        # the app's start-up binds the module's session factory to an engine it builds from settings: the factory,
        # and the engine with it, serve every request until the process exits
        Invalid(
            """
            from flask import Flask
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            Session = sessionmaker()

            def create_app(settings):
                app = Flask(__name__)
                engine = create_engine("postgresql://monitor@db/monitor")  # expect
                Session.configure(bind=engine)
                return app
            """,
            message="PostgreSQL",
        ),
        # the options the engine spreads in are the settings class's, and they set no guard
        Invalid(
            """
            from sqlalchemy import create_engine
            from settings import Production

            engine = create_engine(Production.DATABASE_URL, **Production.POOL)  # expect
            """,
            message="to MySQL",
            files={
                "settings.py": """
            class Production:
                DATABASE_URL = "mysql+mysqldb://inventory@mysql/inventory"
                POOL = {"pool_size": 8, "max_overflow": 4}
            """
            },
        ),
        # a dict written out for engine_from_config: its URL and options are its prefixed keys
        Invalid(
            """
            from sqlalchemy import engine_from_config

            SETTINGS = {"db.url": "postgresql://ledger@pg/ledger", "db.pool_size": "10"}
            engine = engine_from_config(SETTINGS, prefix="db.")  # expect
            """,
            message="`engine_from_config` to PostgreSQL",
        ),
        # one MySQL connection opened at import, shared by every request of the process
        Invalid(
            """
            from flask import Blueprint, jsonify
            from db import conn

            bp = Blueprint("stock", __name__)

            @bp.get("/stock")
            def stock():
                with conn.cursor() as cur:
                    cur.execute("select sku, qty from stock")
                    return jsonify(cur.fetchall())
            """,
            message="opens one MySQL connection that the module keeps in `conn`",
            files={
                "db.py": """
            import pymysql

            conn = pymysql.connect(host="mysql", user="shop", database="shop")  # expect
            """
            },
        ),
        # opened lazily on the first request, then kept in a global for every later one
        Invalid(
            """
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)
            _conn = None

            def connection():
                global _conn
                if _conn is None:
                    _conn = psycopg2.connect("dbname=crm host=pg")  # expect
                return _conn

            @app.get("/customers")
            def customers():
                cur = connection().cursor()
                cur.execute("select name from customer")
                return jsonify(cur.fetchall())
            """,
            message="PostgreSQL connection",
        ),
        # a data-access object made once at import keeps its constructor's connection for every request
        Invalid(
            """
            from flask import Flask, jsonify
            from shelter.dao import kennels

            app = Flask(__name__)

            @app.get("/kennels")
            def list_kennels():
                return jsonify(kennels.names())
            """,
            files={
                "shelter/__init__.py": "",
                "shelter/dao.py": """
                import mysql.connector

                class KennelDao:
                    def __init__(self):
                        self.db = mysql.connector.connect(host="mysql", user="shelter", database="shelter")  # expect

                    def names(self):
                        cur = self.db.cursor()
                        cur.execute("select name from kennel")
                        return [row[0] for row in cur.fetchall()]

                kennels = KennelDao()
                """,
            },
            message="an object made once keeps in `self.db`",
        ),
        # a peewee database nothing closes: each thread's connection lives until the server drops it
        Invalid(
            """
            from flask import Flask
            from peewee import CharField, Model, MySQLDatabase

            app = Flask(__name__)
            db = MySQLDatabase("blog", host="mysql", user="blog")  # expect

            class Post(Model):
                title = CharField()

                class Meta:
                    database = db

            @app.get("/posts")
            def posts():
                return {"posts": [p.title for p in Post.select()]}
            """,
            message="peewee's `MySQLDatabase`",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        """Pool recycling slower than a declared MySQL ``wait_timeout`` (Flask-SQLAlchemy's 7200 s default included),
        and Flask-SQLAlchemy's unguarded PostgreSQL pool kept by background job workers."""
        self._idle_worker_pool(project, report)
        declared = declared_wait_timeout(project)
        if declared is None:
            return
        seconds, proof = declared
        options = production_settings(project, "SQLALCHEMY_ENGINE_OPTIONS")
        uris = production_settings(project, "SQLALCHEMY_DATABASE_URI")
        uses_fsa = bool(project.objects_of(SQLALCHEMY_TYPES))
        schemes = {url_scheme(str(constant(u.value))) for u in uris if isinstance(constant(u.value), str)} - {None}
        if uses_fsa and not (schemes - {"mysql", "mariadb"}):
            recycle: object = 7200
            where: Location | None = uris[0].location if uris else None
            label = "Flask-SQLAlchemy's default `pool_recycle=7200`"
            pinged = False
            for setting in options:
                if not isinstance(setting.value, ast.Dict):
                    return  # built elsewhere: cannot tell
                opts = dict_options(setting.value)
                pinged = pinged or truthy(opts.get("pool_pre_ping"))
                if "pool_recycle" in opts:
                    recycle = constant(opts["pool_recycle"])
                    label = f"`pool_recycle={recycle}` in SQLALCHEMY_ENGINE_OPTIONS"
                where = setting.location
            too_slow = isinstance(recycle, int) and (recycle < 0 or recycle >= seconds)
            if where is not None and not pinged and too_slow:
                report(self._recycle_finding(where, label, seconds, proof))
        for site in project.calls:
            if site.name not in CREATE_ENGINE or is_test_path(site.module.path):
                continue
            recycle_kw = keyword(site.node, "pool_recycle")
            if recycle_kw is None or truthy(keyword(site.node, "pool_pre_ping")):
                continue
            value = constant(recycle_kw)
            if isinstance(value, int) and (value < 0 or value >= seconds):
                report(
                    self._recycle_finding(
                        Location(site.module.path, site.node.lineno, site.node.col_offset + 1),
                        f"`pool_recycle={value}`",
                        seconds,
                        proof,
                    )
                )

    def _idle_worker_pool(self, project: Project, report: Callable[[Finding], None]) -> None:
        """``SQLALCHEMY_DATABASE_URI`` to PostgreSQL, no pool guard anywhere, and Celery/RQ jobs use ``db.session``."""
        uris = production_settings(project, "SQLALCHEMY_DATABASE_URI")
        if not uris or not project.objects_of(SQLALCHEMY_TYPES):
            return  # no extension engine
        if production_settings(project, "SQLALCHEMY_POOL_RECYCLE"):
            return
        for setting in production_settings(project, "SQLALCHEMY_ENGINE_OPTIONS"):
            options = options_of(setting.value)
            if options is None or guarded(options):
                return  # options built where the code does not show, or a guard
        if any(guarded(ext.options) for ext in extension_engine_options(project)):
            return
        schemes: set[str | None] = set()
        for setting in uris:
            module = project.by_path.get(setting.location.path)
            if module is None:
                return
            schemes.add(url_dialect(setting.value, Scope(project, module)))
        if {SERVER_DIALECTS.get(s or "") for s in schemes} != {"PostgreSQL"}:
            # MySQL: Flask-SQLAlchemy recycles those connections itself; several servers: cannot tell; a URL the
            # code does not show (a SQLite default, a driver merely installed) is not evidence enough for a note
            # whose harm already depends on the deployment
            return
        job = job_extension_session(project)
        if job is None:
            return  # request traffic alone: PostgreSQL keeps idle connections open unless something in between
        if names_a_guard(project):
            return  # the project names a guard somewhere (a setting may pass it)
        fn, used = job
        report(
            self.finding(
                uris[0].location,
                "Flask-SQLAlchemy's engine to PostgreSQL has neither `pool_pre_ping` nor `pool_recycle` "
                f"(no SQLALCHEMY_ENGINE_OPTIONS), and background jobs use it (`{project.display(fn.qualname)}`): a "
                "worker keeps its pooled connections between jobs, idle for as long as none arrives, and when a "
                "firewall, a pooler or a server restart has dropped them the next job fails "
                '("server closed the connection unexpectedly", "SSL SYSCALL error: EOF detected") (a note: '
                "whether something between the workers and PostgreSQL drops idle connections is the deployment's)",
                severity=min(Severity.NOTE, self.effective_severity),
                hint='Set SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True} (and `pool_recycle` below the idle '
                "timeout of whatever sits between the app and the server).",
                evidence=[Evidence("a job uses the session here", used)],
            )
        )

    def _recycle_finding(self, where: Location, label: str, seconds: int, proof: Evidence) -> Finding:
        return self.finding(
            where,
            f"{label} is not below the MySQL server's `wait_timeout` of {seconds} s: connections idle longer than "
            f'that are closed by the server while the pool still hands them out ("MySQL server has gone away")',
            hint=f"Set `pool_recycle` below {seconds} (e.g. {max(seconds // 2, 1)}) or add `pool_pre_ping=True`.",
            evidence=[proof],
        )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        callee = ctx.qualified(node.func)
        if callee in DBAPI_CONNECT or callee in PEEWEE_DATABASES or callee in DBAPI_POOLS:
            self._kept_connection(node, ctx, callee)
            return
        if callee not in CREATE_ENGINE and callee not in ENGINE_FROM_CONFIG:
            return
        role = role_of(ctx.project, ctx.module)
        if role in _ONE_SHOT:
            return  # a migration, a one-shot script (``wait_for_db.py``), a template: no pool lives long
        # ``def make_engine(url): return create_engine(url)`` kept in a module global lives as long as the process,
        # whoever else (tests, commands) calls the helper too
        kept_by = engine_factory_kept(node, ctx) if ctx.function is not None else None
        if kept_by is None and ctx.is_test_code():
            return
        if ctx.function is not None and ctx.contexts and ctx.contexts <= {CLI, "test", "main"} and kept_by is None:
            return  # a command exits long before a connection goes stale
        if ctx.in_main:
            return  # ``if __name__ == "__main__":`` in a module: a run by hand
        # ``def __init__(self, url, **kwargs): create_engine(url, **kwargs)``: the options are the callers'; said
        # (as a note) only when nothing in the project names a guard a caller could pass
        forwarded = forwarded_options(node, ctx) if ctx.function is not None else None
        spread = spread_options(node, ctx)
        if forwarded is None and spread is None:
            return  # **options built where the code does not show: cannot tell
        if ctx.function is not None and (local_only(node, ctx) or disposed_after_use(node, ctx)):
            return  # an engine made, used and dropped (or disposed) in one run lives too briefly to go stale
        extension = kept_by_extension(node, ctx) if ctx.function is not None else None
        lifetime_known = ctx.contexts & {"factory", REQUEST, JOB}
        served = kept_for_requests(node, ctx) if extension is None and not lifetime_known else None
        if (
            ctx.function is not None
            and not lifetime_known
            and not stored_globally(node, ctx)
            and kept_by is None
            and extension is None
            and served is None
        ):
            return  # a function nothing shows to run at start-up or per request/job: lifetime unknown
        if ctx.function is not None and guarded_sibling(node, ctx):
            return  # ``except TypeError: create_engine(url)``: the fallback for SQLite, which rejects pool options
        options = {kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
        url = node.args[0] if node.args else keyword(node, "url")
        if callee in ENGINE_FROM_CONFIG:
            read = config_options(node, ctx)
            if read is None:
                return  # a settings mapping the code does not show (an ini file's): it may name the guard
            url, options = read[0], read[1] | options
        options |= spread or {}
        kept = _connection_kept_at_import(ctx) if ctx.function is None else None
        if kept is not None:
            # ``conn = engine.connect()`` at import: the pool's guard never runs on a connection nobody gives back
            self._engine_connection_kept(ctx, url, kept)
            return
        if guarded(options):
            return
        scheme = url_dialect(url, ctx)
        evidence: list[Evidence] = []
        if scheme is not None:
            dialect = SERVER_DIALECTS.get(scheme)
            if dialect is None:
                return
            where = f"to {dialect}"
        else:
            hint = server_db_hint(ctx.project)
            if hint is None or named_for_sqlite(ctx):
                return  # no server database in sight, or this engine is the project's SQLite backend
            dialect, proof = hint
            source = ast.unparse(url)[:60] if url is not None else "?"
            where = f"with a URL from `{source}` ({dialect}: {proof.message})"
            evidence.append(proof)
        if kept_by is not None:
            evidence.append(Evidence(f"`{ctx.function.display}` builds the engine kept here", kept_by))  # type: ignore[union-attr]
        if extension is not None and kept_by is None and not lifetime_known:
            owner = ctx.function.qualname.rsplit(".", 2)[-2]  # type: ignore[union-attr]
            evidence.append(
                Evidence(f"`{owner}` is registered on the app (`init_app`) and keeps the engine", extension)
            )
        if served is not None and kept_by is None:
            owner = ctx.function.qualname.rsplit(".", 2)[-2]  # type: ignore[union-attr]
            evidence.append(
                Evidence(
                    f"request handlers use this `{owner}` (made outside any request), so its pool outlives them", served
                )
            )
        side = role is FileRole.EXAMPLE or role is FileRole.DOCS
        less = f"in {'an example' if role is FileRole.EXAMPLE else 'the docs'}" if side else None
        if forwarded is not None and less is None:
            less = (
                f"its options come from the callers' `**{forwarded}` and nothing in the project passes a guard, "
                "so only a deployment's own settings could"
            )
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{callee.rpartition('.')[2]}` {where} sets neither `pool_pre_ping` nor `pool_recycle`: after an idle period "
                f'the pool hands out connections the server already closed ("server has gone away")'
                + (f" (a note: {less})" if less else ""),
                hint="Pass `pool_pre_ping=True` (and `pool_recycle` below the server's idle timeout, e.g. 1800).",
                evidence=evidence,
                severity=Severity.NOTE if less else None,
            )
        )

    def _engine_connection_kept(self, ctx: Context, url: ast.expr | None, kept: tuple[str, ast.Assign]) -> None:
        """A server-database engine whose one connection the module opens at import and keeps."""
        scheme = url_dialect(url, ctx)
        evidence: list[Evidence] = []
        if scheme is not None:
            dialect = SERVER_DIALECTS.get(scheme)
            if dialect is None:
                return
        else:
            hint = server_db_hint(ctx.project)
            if hint is None or named_for_sqlite(ctx):
                return
            dialect, proof = hint
            evidence.append(proof)
        holder, stmt = kept
        ctx.report(
            self.finding(
                Location(ctx.module.path, stmt.lineno, stmt.col_offset + 1),
                f"`{ast.unparse(stmt.value)[:60]}` opens one {dialect} connection at import and keeps it in "
                f"`{holder}` for the life of the process: everything bound to it shares that connection, and once "
                "the server, a proxy or a firewall closes it after an idle period, or the server restarts, every "
                'later query fails ("server closed the connection unexpectedly") until the worker restarts; '
                "`pool_pre_ping` cannot help, it tests a connection only when one is taken from the pool",
                hint="Bind sessions to the engine (`sessionmaker(bind=engine)`) so each one checks a connection out "
                "of the pool and gives it back, and pass `pool_pre_ping=True` to `create_engine`.",
                evidence=evidence,
            )
        )

    def _kept_connection(self, node: ast.Call, ctx: Context, callee: str) -> None:
        """One DB-API connection (or a peewee database) kept in a module global and used by requests."""
        if role_of(ctx.project, ctx.module) in _ONE_SHOT or ctx.is_test_code() or ctx.in_main:
            return
        if ctx.function is not None and ctx.contexts and not ctx.contexts & {REQUEST, "factory"}:
            return  # kept by a command, a task or a test: gone when that run ends
        holder = global_holder(ctx)
        peewee = callee in PEEWEE_DATABASES
        pool = callee in DBAPI_POOLS
        owner = None
        if holder is None and not peewee and not pool:
            # ``self.db = pymysql.connect(...)`` in the constructor of a data-access class that is made outside any
            # request and whose methods request handlers call: the object keeps one connection for all of them
            owner = _attribute_holder(ctx)
            served = kept_for_requests(node, ctx) if owner is not None else None
            if served is None:
                return
            holder = owner
        if holder is None or connection_kept_up(ctx.project, ctx.module, holder, peewee):
            return
        if pool and pool_connections_checked(ctx.project):
            return  # the connections taken from it are tested before use
        used = served if owner is not None else request_use(ctx.project, ctx.module, holder)
        through = None
        if used is None and not peewee and not pool:
            # ``cursor = conn.cursor()`` next to it, and requests execute on that cursor
            for cursor in module_cursors(ctx.module, holder):
                used = request_use(ctx.project, ctx.module, cursor)
                if used is not None:
                    through = cursor
                    break
        if used is None and not (peewee and any(REQUEST in fn.contexts for fn in ctx.project.functions.values())):
            return  # nothing shows a request reading it
        dialect = (PEEWEE_DATABASES if peewee else DBAPI_POOLS if pool else DBAPI_CONNECT)[callee]
        short = callee.rpartition(".")[2] if peewee or pool else callee
        read = f"`{through}`, a cursor of `{holder}`," if through else f"`{holder}`"
        evidence = [Evidence(f"a request reads {read} here", used)] if used is not None else []
        if owner is not None:
            cls = ctx.function.qualname.rsplit(".", 2)[-2]  # type: ignore[union-attr]
            evidence = [Evidence(f"request handlers call this `{cls}` (made outside any request) here", used)]  # type: ignore[arg-type]
        if pool:
            message = (
                f"`{short}(...)` kept in `{holder}` hands requests the {dialect} connections it holds without testing "
                "them: psycopg2's pools never check a connection on `getconn()`, so once the server, a proxy or a "
                "firewall has dropped an idle one, or the server has restarted, the request that gets it fails "
                '("server closed the connection unexpectedly")'
            )
            hint = (
                "Test the connection after `getconn()` (`conn.closed`, or a `SELECT 1`) and give broken ones back "
                "with `putconn(conn, close=True)`; or use a pool that checks (`create_engine(url, "
                "pool_pre_ping=True)`, psycopg_pool's `check=`)."
            )
        elif peewee:
            message = (
                f"peewee's `{short}` kept in `{holder}` opens a {dialect} connection per thread on first use and "
                "keeps it until `close()`, which nothing calls around requests: after an idle period the server "
                "(MySQL `wait_timeout`, 8 hours by default), a proxy or a restart closes it and queries fail "
                '("server has gone away")'
            )
            hint = (
                "Connect before each request and close after it (`before_request`: `db.connect(reuse_if_open=True)`,"
                " `teardown_request`: `db.close()`), or wrap it in `playhouse.flask_utils.FlaskDB`."
            )
        else:
            via = f" (through `{through}`, a cursor of `{holder}` kept beside it)" if through else ""
            keeper = f"an object made once keeps in `self.{holder}`" if owner else f"the module keeps in `{holder}`"
            message = (
                f"`{short}(...)` opens one {dialect} connection that {keeper} for the life of "
                f"the process, and requests use it{via}: once it has been idle longer than the server (MySQL "
                "`wait_timeout`, 8 hours by default), a proxy or a firewall allows, or the server restarts, it is "
                'closed under the app and every request fails ("server has gone away") until the worker restarts'
            )
            hint = (
                "Open a connection per request (keep it on `g`, close it in `teardown_appcontext`), or use a pool "
                "that checks connections (`create_engine(url, pool_pre_ping=True)`)."
            )
        ctx.report(self.finding(ctx.location(node), message, hint=hint, evidence=evidence))


def _connection_kept_at_import(ctx: Context) -> tuple[str, ast.Assign] | None:
    """``conn = engine.connect()`` at module level, for the module global ``engine`` this engine call fills."""
    engine = global_holder(ctx)
    if engine is None:
        return None
    for stmt in ctx.module.tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            continue
        value = stmt.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in ("connect", "raw_connection")
            and isinstance(value.func.value, ast.Name)
            and value.func.value.id == engine
        ):
            return stmt.targets[0].id, stmt
    return None


def _attribute_holder(ctx: Context) -> str | None:
    """``db`` of ``self.db = connect(...)`` in a method of a class (``None`` for any other target)."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if ctx.function is None or ctx.function.class_name is None or not isinstance(parent, ast.Assign):
        return None
    targets = [t for t in parent.targets if isinstance(t, ast.Attribute) and dotted(t.value) == "self"]
    return targets[0].attr if len(parent.targets) == 1 and targets else None
