from __future__ import annotations

import pytest
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy

from flask_doctor.audit.checks import extensions as x
from flask_doctor.findings import Evidence, Severity
from tests.audit.conftest import audit, audit_with_extra, codes, make_app

PG = "postgresql+psycopg2://app:s3cret@db.internal/app"
MY = "mysql+pymysql://app:s3cret@db.internal/app"


def _db_app(uri: str, **engine_options):  # type: ignore[no-untyped-def]
    app = make_app(SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    SQLAlchemy(app)
    return app


def test_postgres_engine_without_guard() -> None:
    app = _db_app(PG)
    findings, extra = audit_with_extra(app)
    assert findings == [
        x.NO_STALE_GUARD(
            obj="sqlalchemy:default",
            label="sqlalchemy:default",
            url="postgresql+psycopg2://app:***@db.internal/app",
            error="server closed the connection unexpectedly",
            evidence=[
                Evidence("QueuePool: pool_size=5, max_overflow=10, pool_pre_ping=False, pool_recycle=-1, echo=False")
            ],
        )
    ]
    assert extra["engines"][0]["url"] == "postgresql+psycopg2://app:***@db.internal/app"
    assert "s3cret" not in repr(findings) + repr(extra)


def test_guarded_engines_are_fine() -> None:
    assert audit(_db_app(PG, pool_pre_ping=True)) == []
    assert audit(_db_app(PG, pool_recycle=1800)) == []
    # Flask-SQLAlchemy 3.x sets pool_recycle=7200 for MySQL by itself
    assert audit(_db_app(MY)) == []


def test_echo_and_track_modifications() -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_ECHO=True, SQLALCHEMY_TRACK_MODIFICATIONS=True)
    SQLAlchemy(app)
    assert [(f.code, f.obj) for f in audit(app)] == [
        ("FD205", "config:SQLALCHEMY_TRACK_MODIFICATIONS"),
        ("FD206", "sqlalchemy:default"),
    ]


def test_pool_smaller_than_threads() -> None:
    app = _db_app(PG, pool_pre_ping=True, pool_size=2, max_overflow=0)
    assert audit(app) == []  # concurrency unknown: nothing to compare
    [finding] = audit(app, workers=2, worker_class="gthread", threads=8)
    assert (finding.code, finding.obj) == ("FD207", "sqlalchemy:default")
    assert (
        "holds at most 2 connections (pool_size=2 + max_overflow=0) but one worker serves 8 requests at once"
        in finding.message
    )
    assert audit(app, workers=2, worker_class="gthread", threads=2) == []


def test_binds_and_module_engines_are_listed() -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_BINDS={"reports": PG})
    SQLAlchemy(app)
    findings, extra = audit_with_extra(app)
    assert [(f.code, f.obj) for f in findings] == [("FD204", "sqlalchemy:reports")]
    assert [e["label"] for e in extra["engines"]] == ["sqlalchemy:default", "sqlalchemy:reports"]


def test_simple_cache_and_worker_count() -> None:
    app = make_app(CACHE_TYPE="SimpleCache")
    Cache(app)
    [unknown] = audit(app)
    assert (unknown.code, unknown.severity) == ("FD702", Severity.NOTE)
    assert "if you run several worker processes" in unknown.message
    assert audit(app, workers=1) == []
    [known] = audit(app, workers=4)
    assert known.severity is Severity.WARNING and "with 4 worker processes (test)" in known.message


def test_redis_cache_is_fine(redis_url: str) -> None:
    app = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    Cache(app)
    assert audit(app, workers=4) == []


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_limiter_in_memory() -> None:
    app = make_app()
    Limiter(get_remote_address, app=app)
    [finding] = audit(app, workers=3)
    assert (finding.code, finding.severity, finding.obj) == ("FD352", Severity.WARNING, "extension:limiter")


def test_socketio_without_queue_cors_and_mode() -> None:
    app = make_app()
    SocketIO(app, cors_allowed_origins="*", async_mode="threading")
    assert [(f.code, f.severity) for f in audit(app, workers=2, worker_class="gevent")] == [
        ("FD350", Severity.WARNING),
        ("FD404", Severity.WARNING),
        ("FD405", Severity.WARNING),
    ]


def test_socketio_with_queue_is_fine(redis_url: str) -> None:
    app = make_app()
    SocketIO(app, message_queue=redis_url, async_mode="threading", cors_allowed_origins=["https://example.com"])
    findings, extra = audit_with_extra(app)
    assert findings == []
    assert extra["socketio"]["client_manager"] == "RedisManager"


def test_login_session_protection() -> None:
    app = make_app(REMEMBER_COOKIE_SECURE=True)
    manager = LoginManager(app)
    assert audit(app) == []
    manager.session_protection = None
    assert codes(audit(app)) == ["FD351"]


def test_scoped_session_without_teardown() -> None:
    from tests.audit_apps import plain_sqlalchemy

    app = plain_sqlalchemy.create_app(remove=False)
    findings = audit(app)
    assert [(f.code, f.obj) for f in findings] == [
        ("FD204", "engine:tests.audit_apps.plain_sqlalchemy.engine"),
        ("FD106", "scoped_session:tests.audit_apps.plain_sqlalchemy.Session"),
    ]
    assert findings[1].location is not None and findings[1].location.line == plain_sqlalchemy.SESSION_LINE
    assert audit(plain_sqlalchemy.create_app(remove=True)) == [findings[0]]
