from __future__ import annotations

import secrets

from cachelib import FileSystemCache, SimpleCache
from flask import session
from flask_session import Session

from flask_doctor.findings import Evidence, Severity
from tests.audit.conftest import audit, audit_with_extra, codes, make_app


def test_filesystem_sessions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(str(tmp_path)))
    Session(app)
    [finding] = audit(app)
    assert (finding.code, finding.obj) == ("FD310", "session:interface")
    assert str(tmp_path) in finding.message


def test_process_local_sessions_depend_on_worker_count() -> None:
    app = make_app(SESSION_TYPE="cachelib", SESSION_CACHELIB=SimpleCache())
    Session(app)
    [unknown] = audit(app)
    assert (unknown.code, unknown.severity) == ("FD347", Severity.WARNING)
    assert "if you run several worker processes" in unknown.message
    assert audit(app, workers=1) == []
    assert codes(audit(app, workers=4)) == ["FD347"]


def test_redis_sessions_are_fine(redis_url: str) -> None:
    import redis

    app = make_app(SESSION_TYPE="redis", SESSION_REDIS=redis.from_url(redis_url))
    Session(app)
    findings, extra = audit_with_extra(app)
    assert findings == []
    assert extra["session"]["storage"] == "server-side (redis)"


def test_big_cookie_session() -> None:
    app = make_app()

    @app.get("/cart")
    def cart() -> str:
        session["cart"] = secrets.token_urlsafe(3000)  # random: zlib cannot shrink it
        return "ok"

    @app.get("/")
    def index() -> str:
        session["visited"] = True
        return "ok"

    findings, extra = audit_with_extra(app)
    [finding] = findings
    assert (finding.code, finding.obj, finding.severity) == ("FD348", "endpoint:cart", Severity.ERROR)
    assert finding.evidence == (Evidence(f"Set-Cookie: session=... ({extra['session']['sampled_cookie_bytes']['/cart']} bytes, limit about 4096)"),)
    assert extra["session"]["sampled_cookie_bytes"]["/"] < 200


def test_views_that_crash_are_skipped_quietly() -> None:
    app = make_app()

    @app.get("/needs-db")
    def needs_db() -> str:
        raise RuntimeError("no database here")

    findings, extra = audit_with_extra(app)
    assert findings == []
    assert extra["session"]["sampled_cookie_bytes"]["/needs-db"] == 0


def test_flask_session_filesystem_type(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import warnings

    monkeypatch.chdir(tmp_path)
    app = make_app(SESSION_TYPE="filesystem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Session(app)
    assert [(f.code, f.obj) for f in audit(app)] == [("FD310", "session:interface")]
