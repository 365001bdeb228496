"""Hardening: every label and store filled from requests is bounded, secrets never shown, the dashboard hidden."""

from __future__ import annotations

import http.client
import json
import re
import string
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.runtime.serving import get, gunicorn

TOKEN = "hardening-token-1234"


def _method(i: int) -> str:
    """A unique, valid HTTP method token per request: XAAAA, XAAAB, ..."""
    letters = []
    for _ in range(4):
        i, r = divmod(i, 26)
        letters.append(string.ascii_uppercase[r])
    return "X" + "".join(reversed(letters))


def _flood(base: str, count: int, threads: int = 4) -> None:
    host, port = urlsplit(base).hostname, urlsplit(base).port

    def work(start: int) -> None:
        for i in range(start, count, threads):
            conn = http.client.HTTPConnection(host, port, timeout=10)
            try:
                if i % 2:
                    conn.request(_method(i), "/hello")
                else:  # unique 404 paths carrying token-like segments
                    conn.request("GET", f"/reset/{uuid.uuid4().hex}{uuid.uuid4().hex}/{'a' * 300}{i}")
                conn.getresponse().read()
            finally:
                conn.close()

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


@pytest.mark.slow
def test_a_flood_of_unique_methods_and_paths_stays_bounded(tmp_path: Path) -> None:
    env = {"FD_TEST_TOKEN": TOKEN, "FD_TEST_PREFIX": f"fdtest:{uuid.uuid4().hex[:8]}:"}
    with gunicorn("tests.runtime.apps.served:app", env, ["-w", "1"], log=tmp_path / "gunicorn.log") as base:
        _flood(base, 5000)
        status, body = get(base + "/_doctor/metrics", TOKEN)
        assert status == 200
        text = body.decode()
        series = [line for line in text.splitlines() if line.startswith("flask_doctor_requests_total{")]
        methods = set(re.findall(r'method="([^"]*)"', "\n".join(series)))
        endpoints = set(re.findall(r'endpoint="([^"]*)"', "\n".join(series)))
        statuses = set(re.findall(r'status="([^"]*)"', "\n".join(series)))
        assert len(series) <= 12, series[:20]
        assert methods <= {"GET", "OTHER"}, methods
        assert endpoints <= {"hello", "unmatched"}, endpoints
        assert statuses <= {"2xx", "4xx"}, statuses
        assert len(body) < 16_000, len(body)
        status, body = get(base + "/_doctor/api/requests?limit=1000", TOKEN)
        recent = json.loads(body)["requests"]
        assert len(recent) == 1000
        assert {r["method"] for r in recent} <= {"GET", "OTHER"}
        paths = {r["path"] for r in recent}
        assert max(len(p) for p in paths) <= 120
        assert not any(re.search(r"[0-9a-f]{16,}", p) for p in paths), sorted(paths)[:3]
        assert len(body) < 400_000


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/reset/9f86d081884c7d659a2feaa0c55ad015", "/reset/***"),
        ("/a/123e4567-e89b-12d3-a456-426614174000/x", "/a/***/x"),
        ("/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "/t/***.***.sig"),
        ("/x;token=abcdef", "/x;token=***"),
        ("/users/42", "/users/42"),
        ("/blog/2024-01-15-my-trip-to-paris", "/blog/2024-01-15-my-trip-to-paris"),
    ],
)
def test_stored_paths_are_redacted(path: str, shown: str) -> None:
    from flask_doctor.redaction import redact_path

    assert redact_path(path) == shown


def test_long_paths_are_cut() -> None:
    from flask_doctor.redaction import redact_path

    shown = redact_path("/" + "segment/" * 100)
    assert len(shown) == 120 and shown.endswith("...")


# ------------------------------------------------------------------ A2: secrets and control characters
SECRETS = ("hunter2-pw", "Odbc!Pass9", "eyJ0ZXN0Ijp0cnVlfQ", "positional-s3cret")


def _leaky_app(**settings: object):  # type: ignore[no-untyped-def]
    from flask import Flask
    from sqlalchemy import Column, Integer, String, create_engine
    from sqlalchemy.orm import Session, declarative_base

    from flask_doctor import Doctor

    Base = declarative_base()

    class Account(Base):  # type: ignore[misc, valid-type]
        __tablename__ = "fd_hardening_account"
        id = Column(Integer, primary_key=True)
        password = Column(String(40), unique=True)

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    app = Flask(__name__)
    app.config.update(TESTING=False)
    doctor = Doctor(app, background=False, token=TOKEN, error_burst=1, **settings)
    doctor.watch_engine(engine)

    @app.get("/login")
    def login() -> str:
        raise RuntimeError("login failed: password=hunter2-pw PWD=Odbc!Pass9; session=eyJ0ZXN0Ijp0cnVlfQ.sig")

    @app.get("/signup")
    def signup() -> str:
        with Session(engine) as session:
            for _ in range(2):  # the second insert violates the unique constraint
                session.add(Account(password="positional-s3cret"))
                session.flush()
        return "ok"

    return app, doctor


def test_exception_text_is_redacted_in_the_dashboard_and_the_api() -> None:
    app, doctor = _leaky_app()
    client = app.test_client()
    assert client.get("/login").status_code == 500
    assert client.get("/signup").status_code == 500
    auth = {"Authorization": f"Bearer {TOKEN}"}
    html = client.get("/_doctor/", headers=auth).get_data(as_text=True)
    api = client.get("/_doctor/api/findings", headers=auth).get_data(as_text=True)
    assert "login failed: password=***" in html and "IntegrityError" in api
    for secret in SECRETS:
        assert secret not in html and secret not in api, secret


def test_findings_written_elsewhere_are_redacted_when_shown() -> None:
    """A finding in a shared store may come from another worker or version: redact what is shown."""
    from flask_doctor.findings import Evidence
    from flask_doctor.rulebook import new_finding

    app, doctor = _leaky_app()
    raw = new_finding(
        "FD570",
        surface="runtime",
        obj="endpoint:login",
        key="x",
        message="endpoint:login failed: password=hunter2-pw \x1b[2J",
        evidence=[Evidence("first traceback:\nValueError: session=eyJ0ZXN0Ijp0cnVlfQ.sig")],
    )
    doctor.store.upsert([(raw, 1)], "elsewhere:1", 0.0)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    client = app.test_client()
    html = client.get("/_doctor/", headers=auth).get_data(as_text=True)
    doc = client.get("/_doctor/api/findings", headers=auth).get_json()
    text = json.dumps(doc)
    for secret in SECRETS:
        assert secret not in html and secret not in text
    assert "\x1b" not in html and "\\u001b" not in text
    # occurrences are still keyed by the finding's own fingerprint
    assert raw.fingerprint() in doc["extra"]["occurrences"]


def test_the_log_line_has_no_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    app, doctor = _leaky_app()
    with caplog.at_level("WARNING", logger="flask_doctor"):
        with pytest.raises(ValueError):
            with doctor.job("sync\x1b[2J\nflask_doctor finding code=FD000 forged"):
                raise ValueError("bad password=hunter2-pw")
        doctor.flush()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("flask_doctor finding")]
    assert len(lines) == 2  # FD505 and FD570 (error_burst=1)
    for line in lines:
        assert "\x1b" not in line and "\n" not in line and "hunter2" not in line
        assert "object=task:sync\\x1b[2J\\x0aflask_doctor" in line


# ------------------------------------------------------------------ A3: the dashboard stays hidden and answers
HIDDEN_PATHS = [
    "/_doctor",
    "/_doctor/",
    "/_doctor//",
    "//_doctor/",
    "///_doctor/api/findings",
    "/_doctor//api/findings",
    "/_doctor/api//findings",
    "/_doctor/api/findings/",
    "/_doctor/api/snapshot",
    "/_doctor/metrics",
    "/_doctor/static/flask_doctor/doctor.css",
    "/_doctor/static//flask_doctor/doctor.css",
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XFOO"]


def _call(
    app: object, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[str, dict[str, str], bytes]:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(method=method, path="/", headers=headers or {}).get_environ()
    environ["PATH_INFO"] = path  # as the server hands it over, slashes and all
    out: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: object = None) -> None:
        out["status"], out["headers"] = status, dict(response_headers)

    body = b"".join(app(environ, start_response))  # type: ignore[operator]
    return str(out["status"]), out["headers"], body  # type: ignore[return-value]


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic " + TOKEN])
def test_every_unauthenticated_request_under_the_prefix_is_a_plain_404(auth: str | None) -> None:
    from tests.runtime.apps import shop

    app = shop.create_app(token=TOKEN, config={"TESTING": False})
    _, _, not_found_body = _call(app, "GET", "/no-such-page")
    headers = {"Authorization": auth} if auth else {}
    answers = {}
    for method in METHODS:
        for path in HIDDEN_PATHS:
            status, response_headers, body = _call(app, method, path, headers)
            answers[(method, path)] = (
                status,
                "Allow" in response_headers,
                "Location" in response_headers,
                body == not_found_body or method == "HEAD",
            )
    wrong = {k: v for k, v in answers.items() if v != ("404 NOT FOUND", False, False, True)}
    assert wrong == {}
    # with the token, the same paths work (or are the usual 404/405 of the routes that exist)
    status, _, _ = _call(app, "GET", "/_doctor/api/findings", {"Authorization": f"Bearer {TOKEN}"})
    assert status.startswith("200")


def test_the_dashboard_forbids_framing() -> None:
    from tests.runtime.apps import shop

    app = shop.create_app(token=TOKEN)
    response = app.test_client().get("/_doctor/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.fixture(params=["refused", "hung"])
def dead_redis(request: pytest.FixtureRequest) -> Iterator[str]:
    """A Redis URL nobody answers on: a closed port, or a listener that never replies (a hung server)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if request.param == "refused":
        sock.close()
        yield f"redis://127.0.0.1:{port}/0"
        return
    sock.listen(64)  # the kernel completes handshakes; nobody ever reads or answers
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        sock.close()


def test_the_dashboard_answers_quickly_when_the_store_is_down(dead_redis: str) -> None:
    import time

    from tests.runtime.apps import shop

    app = shop.create_app(token=TOKEN, store=dead_redis, n_plus_one=3)
    shop.seed(app, authors=4, books_each=1)
    client = app.test_client()
    assert client.get("/authors/lazy").status_code == 200
    auth = {"Authorization": f"Bearer {TOKEN}"}
    t0 = time.monotonic()
    page = client.get("/_doctor/", headers=auth)
    first = time.monotonic() - t0
    t0 = time.monotonic()
    api = client.get("/_doctor/api/findings", headers=auth)
    snap = client.get("/_doctor/api/snapshot", headers=auth)
    requests = client.get("/_doctor/api/requests", headers=auth)
    rest = time.monotonic() - t0
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and first < 1.5, first
    assert (api.status_code, snap.status_code, requests.status_code) == (200, 200, 200) and rest < 1.5, rest
    assert "store redis://127.0.0.1" in html and "unavailable" in html
    assert "authors_lazy" in html and "FD202" in html  # this worker's own data and findings
    assert "No findings yet" not in html
    assert "unavailable" in api.get_json()["extra"]["store_error"]
    assert snap.get_json()["store"]["available"] is False
