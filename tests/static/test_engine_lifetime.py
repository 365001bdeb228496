"""FD204 and FD306 shapes seen in real applications (rewritten): long-lived objects and shipped services."""

from __future__ import annotations

import textwrap

from flask_doctor.static.runner import analyse_sources


def codes(select: str, files: dict[str, str]) -> list[tuple[str, int]]:
    sources = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    result = analyse_sources(sources, select=[select])
    return [(f.location.path, f.location.line) for f in result.findings if f.code == select and f.location]


STORE = """
    from flask import Flask
    from sqlalchemy import create_engine, text

    class Store:
        def __init__(self, url, engine_args):
            {body}
            self.engine = create_engine(url, **engine_args)

        def count(self):
            with self.engine.connect() as conn:
                return conn.execute(text("select count(*) from item")).scalar()

    app = Flask(__name__)
    store = Store("postgresql://shop@db/shop", {{"pool_size": 5}})

    @app.get("/count")
    def count():
        return str(store.count())
    """


def test_engine_kept_by_an_object_requests_use_is_reported() -> None:
    assert codes("FD204", {"app.py": STORE.format(body="pass")}) == [("app.py", 7)]


def test_options_rebuilt_in_the_constructor_are_not_the_callers() -> None:
    body = 'engine_args = {"pool_size": 5, **engine_args}'
    assert codes("FD204", {"app.py": STORE.format(body=body)}) == []


def test_engine_of_an_object_built_per_command_is_not_reported() -> None:
    source = STORE.replace('@app.get("/count")', "@app.cli.command()")
    assert codes("FD204", {"app.py": source.format(body="pass")}) == []


ROSTER = """
    import psycopg2
    from flask import Flask, jsonify

    class Roster:
        def __init__(self, dsn):
            self.conn = psycopg2.connect(dsn)

        def names(self):
            with self.conn.cursor() as cur:
                cur.execute("select name from player")
                return [row[0] for row in cur.fetchall()]

    app = Flask(__name__)
    {made}

    @app.get("/players")
    def players():
        {use}
    """


def test_connection_an_object_made_at_import_keeps_for_requests_is_reported() -> None:
    source = ROSTER.format(made='roster = Roster("dbname=league host=pg")', use="return jsonify(roster.names())")
    assert codes("FD204", {"app.py": source}) == [("app.py", 6)]


def test_connection_of_an_object_made_per_request_is_not_reported() -> None:
    source = ROSTER.format(made="", use='return jsonify(Roster("dbname=league host=pg").names())')
    assert codes("FD204", {"app.py": source}) == []


def test_connection_of_an_object_a_command_makes_is_not_reported() -> None:
    source = ROSTER.format(made="", use='print(Roster("dbname=league host=pg").names())').replace(
        '@app.get("/players")', "@app.cli.command()"
    )
    assert codes("FD204", {"app.py": source}) == []


def test_connection_an_object_reconnects_is_not_reported() -> None:
    source = ROSTER.format(made='roster = Roster("dbname=league host=pg")', use="return jsonify(roster.names())")
    source = source.replace(
        "with self.conn.cursor()",
        "if self.conn.closed:\n                self.conn = psycopg2.connect(self.dsn)\n            with self.conn.cursor()",
    )
    assert codes("FD204", {"app.py": source}) == []


SERVER = """
    from flask import Flask
    app = Flask(__name__)

    def start():
        app.run(CONF.host, CONF.port)
    """
SETUP = "from setuptools import setup\nsetup(name='relay', entry_points={'console_scripts': ['relay = app:start']})\n"


def test_console_script_a_shipped_unit_runs_is_reported() -> None:
    files = {"app.py": SERVER, "setup.py": SETUP, "relay.service": "[Service]\nExecStart=/usr/bin/relay\n"}
    assert codes("FD306", files) == [("app.py", 5)]


def test_console_script_no_deploy_file_runs_is_not_reported() -> None:
    files = {"app.py": SERVER, "setup.py": SETUP, "relay.service": "[Service]\nExecStart=/usr/bin/gunicorn app:app\n"}
    assert codes("FD306", files) == []
