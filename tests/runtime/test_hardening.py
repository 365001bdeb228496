"""Hardening: every label and store filled from requests is bounded, secrets never shown, the dashboard hidden."""

from __future__ import annotations

import http.client
import json
import re
import string
import threading
import uuid
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


@pytest.mark.parametrize(("path", "shown"), [
    ("/reset/9f86d081884c7d659a2feaa0c55ad015", "/reset/***"),
    ("/a/123e4567-e89b-12d3-a456-426614174000/x", "/a/***/x"),
    ("/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "/t/***.***.sig"),
    ("/x;token=abcdef", "/x;token=***"),
    ("/users/42", "/users/42"),
    ("/blog/2024-01-15-my-trip-to-paris", "/blog/2024-01-15-my-trip-to-paris"),
])
def test_stored_paths_are_redacted(path: str, shown: str) -> None:
    from flask_doctor.redaction import redact_path

    assert redact_path(path) == shown


def test_long_paths_are_cut() -> None:
    from flask_doctor.redaction import redact_path

    shown = redact_path("/" + "segment/" * 100)
    assert len(shown) == 120 and shown.endswith("...")
