from __future__ import annotations

import secrets

import pytest
from cachelib import FileSystemCache, SimpleCache
from flask import session
from flask_session import Session

from flask_doctor.audit.checks.sessions import BIG_COOKIE
from flask_doctor.findings import Evidence, Severity
from tests.audit.conftest import audit, audit_with_extra, codes, make_app


@pytest.mark.newest_only  # SESSION_TYPE = "cachelib" needs Flask-Session 0.6
def test_filesystem_sessions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(str(tmp_path)))
    Session(app)
    [finding] = audit(app)
    assert (finding.code, finding.obj) == ("FD310", "session:interface")
    assert str(tmp_path) in finding.message


@pytest.mark.newest_only  # SESSION_TYPE = "cachelib" needs Flask-Session 0.6
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


def test_views_are_never_called_unless_named() -> None:
    app = make_app()
    calls: list[str] = []

    @app.get("/cart")
    def cart() -> str:
        calls.append("cart")
        session["cart"] = secrets.token_urlsafe(3000)
        return "ok"

    findings, extra = audit_with_extra(app)
    assert (findings, calls) == ([], [])
    assert extra["session"]["sampled_views"] == {}
    assert extra["session"]["synthetic_cookie_bytes"] == 0  # nothing stores anything: no cookie


def test_big_cookie_from_a_sampled_view() -> None:
    app = make_app()

    @app.get("/cart")
    def cart() -> str:
        session["cart"] = secrets.token_urlsafe(3000)  # random: zlib cannot shrink it
        return "ok"

    @app.get("/")
    def index() -> str:
        raise AssertionError("not named with --sample-view: never called")

    findings, extra = audit_with_extra(app, sample_views=("cart",))
    [finding] = findings
    size = extra["session"]["sampled_views"]["cart"]
    assert finding == BIG_COOKIE(
        obj="endpoint:cart",
        path="/cart",
        endpoint="cart",
        size=size,
        evidence=[
            Evidence(
                f"Set-Cookie: session=... ({size} bytes, limit about 4096), "
                "response of GET /cart sampled with --sample-view"
            )
        ],
    )
    assert finding.severity == Severity.ERROR


def test_synthetic_session_holds_what_the_extensions_store() -> None:
    from flask_login import LoginManager
    from flask_wtf.csrf import CSRFProtect

    app = make_app(REMEMBER_COOKIE_SECURE=True)
    LoginManager(app)
    CSRFProtect(app)
    findings, extra = audit_with_extra(app)
    assert findings == []
    assert extra["session"]["synthetic_session"] == "Flask-Login (_user_id, _fresh, _id), Flask-WTF (csrf_token)"
    # _id is a 128-character SHA-512 digest, csrf_token a 40-character SHA-1 digest: a few hundred bytes signed
    assert 300 < extra["session"]["synthetic_cookie_bytes"] < 600


def test_big_synthetic_session_is_reported_without_calling_a_view() -> None:
    from flask.sessions import SecureCookieSessionInterface

    class PaddedSessions(SecureCookieSessionInterface):
        """A custom interface whose serializer makes big cookies (salted with a 3 KB prefix)."""

        def get_signing_serializer(self, app):  # type: ignore[no-untyped-def]
            serializer = super().get_signing_serializer(app)
            dumps = serializer.dumps
            serializer.dumps = lambda obj: "x" * 3500 + dumps(obj)  # type: ignore[method-assign]
            return serializer

    from flask_login import LoginManager

    app = make_app(REMEMBER_COOKIE_SECURE=True)
    LoginManager(app)
    app.session_interface = PaddedSessions()
    findings, extra = audit_with_extra(app)
    [finding] = findings
    assert (finding.code, finding.obj, finding.severity) == ("FD348", "session:cookie", Severity.WARNING)
    assert finding.evidence[0].message.startswith("synthetic session: Flask-Login (_user_id, _fresh, _id), signed by ")
    assert "no view was called" in finding.evidence[0].message


def test_sampled_view_that_crashes_is_reported_in_extra() -> None:
    app = make_app()

    @app.get("/needs-db")
    def needs_db() -> str:
        raise RuntimeError("no database here")

    findings, extra = audit_with_extra(app, sample_views=("needs_db", "nowhere"))
    assert findings == []
    assert extra["session"]["sampled_views"]["needs_db"] == 0  # a 500 without a cookie
    assert extra["session"]["sampled_views"]["nowhere"] == "error: LookupError: no URL rule has the endpoint 'nowhere'"


def test_flask_session_filesystem_type(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import warnings

    monkeypatch.chdir(tmp_path)
    app = make_app(SESSION_TYPE="filesystem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Session(app)
    assert [(f.code, f.obj) for f in audit(app)] == [("FD310", "session:interface")]
