"""SQL collector on real databases: PostgreSQL and MariaDB through Flask-SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_doctor.findings import Location
from tests.runtime.apps import shop

SHOP = "tests/runtime/apps/shop.py"


@pytest.fixture(params=["postgres_url", "mariadb_url"])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param)


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    app = shop.create_app(db_url, unbounded_rows=50)
    shop.seed(app, authors=8, books_each=3)
    yield app
    for conn in shop.LEAKED_CONNECTIONS:
        conn.close()
    shop.LEAKED_CONNECTIONS.clear()
    shop.drop(app)


def findings(app: Flask, code: str | None = None) -> list:
    found = app.extensions["flask_doctor"].findings()
    return [f for f in found if code is None or f.code == code]


def test_both_hook_styles_see_the_same_statements(db_url: str) -> None:
    counts = {}
    for style in ("dialect", "cursor"):
        app = shop.create_app(db_url, sql_events=style)
        shop.seed(app, authors=6, books_each=1)
        try:
            app.test_client().get("/authors/lazy")
            [r] = app.extensions["flask_doctor"].requests()
            counts[style] = r["queries"]
        finally:
            shop.drop(app)
    assert counts == {"dialect": 7, "cursor": 7}


def test_a_database_error_reaches_the_application(app: Flask) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    doctor = app.extensions["flask_doctor"]
    with app.app_context(), doctor.job("bad-sql"):
        with pytest.raises(ProgrammingError):
            shop.db.session.execute(text("SELECT * FROM no_such_table_fd"))
    assert not doctor.guard.part("sql").disabled


def test_eager_twin_is_not_an_n_plus_one(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/authors/eager").status_code == 200
    assert findings(app) == []


def test_n_plus_one_is_found_with_its_call_site(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/authors/lazy").status_code == 200
    [f] = findings(app)
    assert (f.code, f.name, f.obj, f.surface) == ("FD202", "query-in-loop", "endpoint:authors_lazy", "runtime")
    assert f.location == Location(SHOP, shop.site_line("lazy"))
    assert f.message == (
        "endpoint:authors_lazy ran the same query 8 times in one request (N+1): "
        "lazy load of relationship Author.books (one-to-many)"
    )
    assert f.evidence[0].message.startswith("8 executions in one request, ")
    assert f.evidence[2].message.startswith("the Author rows come from the query at tests/runtime/apps/shop.py:")
    assert "FROM fdrt_book WHERE ? = fdrt_book.author_id" in f.evidence[3].message
    assert f.evidence[4].message.startswith("request GET /authors/lazy -> 200 in ")
    assert "selectinload(Author.books)" in f.hint
    # Repeats are one finding with a count, not a new finding per request.
    client.get("/authors/lazy")
    [stored] = app.extensions["flask_doctor"].stored_findings()
    assert stored.count == 2


def test_doctor_before_flask_sqlalchemy_still_watches_the_engines(db_url: str) -> None:
    app = shop.create_app(db_url, doctor_first=True)
    shop.seed(app, authors=6, books_each=1)
    try:
        app.test_client().get("/authors/lazy")
        assert [f.code for f in findings(app)] == ["FD202"]
    finally:
        shop.drop(app)


def test_unbounded_result_on_real_rows(app: Flask) -> None:
    client = app.test_client()
    client.get("/books/page")
    assert findings(app) == []
    with app.app_context():
        shop.db.session.add_all([shop.Book(title=f"extra {i}", author_id=1) for i in range(40)])
        shop.db.session.commit()
    client.get("/books/all")
    [f] = findings(app)
    assert (f.code, f.message, f.location) == (
        "FD201",
        "endpoint:books_all fetched 64 rows in one query",
        Location(SHOP, shop.site_line("all")),
    )


def test_connection_left_checked_out_after_a_request(app: Flask) -> None:
    client = app.test_client()
    doctor = app.extensions["flask_doctor"]
    client.get("/conn/ok")
    client.get("/conn/leak")
    # Per-request attribution is off by default (it costs ~2 µs a request) ...
    assert findings(app) == [] and not doctor.sql.track_pool
    # ... until the sampler sees more connections checked out than requests in flight.
    for _ in range(3):
        doctor.sample_memory()
    assert doctor.sql.track_pool
    client.get("/conn/ok")
    assert findings(app) == []
    client.get("/conn/leak")
    [f] = findings(app)
    assert (f.code, f.obj) == ("FD106", "endpoint:conn_leak")
    assert f.location == Location(SHOP, shop.site_line("conn"))


def test_scoped_session_never_removed_in_a_job(db_url: str) -> None:
    app = shop.create_app()
    doctor = app.extensions["flask_doctor"]
    engine = create_engine(db_url, pool_size=2)
    doctor.watch_engine(engine)
    Session = scoped_session(sessionmaker(engine))
    try:
        with doctor.job("sync-clean"):
            Session.execute(text("SELECT 1"))
            Session.remove()
        assert doctor.findings() == []
        with doctor.job("sync-leaky"):
            Session.execute(text("SELECT 1"))  # never removed
        [f] = doctor.findings()
        assert (f.code, f.name, f.obj) == ("FD209", "job-session-never-removed", "task:sync-leaky")
        assert f.location is not None and f.location.path == "tests/runtime/test_sql_real.py"
        snap = doctor.snapshot()
        assert snap["pool"][engine.url.render_as_string(hide_password=True)]["checked_out"] == 1
    finally:
        Session.remove()
        engine.dispose()


# ------------------------------------------------------------------ both stacks: Flask-SQLAlchemy 2.x and 3.x
def test_the_app_engines_are_hooked_and_said_so() -> None:
    app = shop.create_app()
    shop.seed(app, authors=6, books_each=1)
    client = app.test_client()
    assert client.get("/authors/lazy").status_code == 200
    doctor = app.extensions["flask_doctor"]
    assert [f.code for f in doctor.findings()] == ["FD202"]
    snap = doctor.snapshot()
    assert snap["endpoints"]["authors_lazy"]["queries_mean"] == 7
    assert snap["collectors"]["sql"] == {"on": True, "detail": "1 engine(s) watched"}
    assert doctor.guard.status()["sql"] == {"disabled": False, "errors": 0}


def test_watch_engine_survives_init_app() -> None:
    from flask_doctor import Doctor

    engine = create_engine("sqlite://")
    doctor = Doctor(background=False)
    doctor.watch_engine(engine)
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_TRACK_MODIFICATIONS=False)
    shop.db.init_app(app)
    doctor.init_app(app)
    with doctor.job("report"):
        with engine.connect() as conn:
            for i in range(6):
                conn.execute(text("SELECT 1 FROM (SELECT 1 AS x) AS t WHERE x = :i"), {"i": i})
    [f] = doctor.findings()
    assert (f.code, f.obj) == ("FD202", "task:report")
    assert engine in doctor.sql.engines and len(doctor.sql.engines) == 2
    engine.dispose()


def test_an_engine_that_cannot_be_hooked_is_said_plainly(caplog: pytest.LogCaptureFixture) -> None:
    from flask_doctor import Doctor

    class StrangeExtension:  # not Flask-SQLAlchemy 2.x or 3.x
        pass

    app = Flask(__name__)
    app.extensions["sqlalchemy"] = StrangeExtension()
    with caplog.at_level("WARNING", logger="flask_doctor"):
        doctor = Doctor(app, background=False, token="tok-1234")

    @app.get("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    client.get("/")
    assert any(
        r.getMessage().startswith("flask-doctor: SQL collector off: app.extensions['sqlalchemy'] is a ")
        for r in caplog.records
    )
    sql = doctor.snapshot()["collectors"]["sql"]
    assert sql["on"] is False and "StrangeExtension" in str(sql["detail"])
    html = client.get("/_doctor/", headers={"Authorization": "Bearer tok-1234"}).get_data(as_text=True)
    assert "SQL collector off: app.extensions[" in html
    assert "No findings yet" not in html


def test_an_app_without_a_database_says_so() -> None:
    from flask_doctor import Doctor

    app = Flask(__name__)
    doctor = Doctor(app, background=False)

    @app.get("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    sql = doctor.snapshot()["collectors"]["sql"]
    assert sql["on"] is False and str(sql["detail"]).startswith("no SQLAlchemy engine found")
