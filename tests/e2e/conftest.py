"""The clinic on the real stack: one run per test session (its own schema, database and key prefix).

Every process here is real and bound to 127.0.0.1: gunicorn (sync workers for the sick app, gevent for
the cured one), Celery and RQ workers, uvicorn, a reverse proxy and a stand-in for the partners' APIs.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.services import require, services_required

CLINIC = Path(__file__).resolve().parents[2] / "examples" / "clinic"
if str(CLINIC) not in sys.path:
    sys.path.insert(0, str(CLINIC))

from stack.services import TOKEN, Run, Web  # noqa: E402 (the clinic is put on sys.path above)
from stack.upstream import Upstream  # noqa: E402

NEEDED_MODULES = (
    "rq",
    "flask_migrate",
    "uvicorn",
    "asgiref",
    "httpx",
    "gunicorn",
    "gevent",
    "celery",
    "flask_session",
    "flask_socketio",
    "socketio",
    "websocket",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.services)


def _require_stack() -> None:
    for service in ("postgresql", "mariadb", "redis"):
        require(service)
    missing = [name for name in NEEDED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        message = f"the clinic's stack needs {', '.join(missing)} (pip install -e '.[dev]')"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def run(upstream: Upstream) -> Iterator[Run]:
    _require_stack()
    logs = Path(tempfile.mkdtemp(prefix="clinic-e2e-"))
    stack = Run(logs, upstream_url=upstream.url)
    stack.create()
    yield stack
    stack.drop()


@pytest.fixture(scope="session")
def sick(run: Run) -> Web:
    """The sick app as its Procfile would run it under gunicorn: sync workers (one, so tests are exact)."""
    return run.gunicorn("sick", 1)


@pytest.fixture(scope="session")
def cured(run: Run) -> Web:
    """The cured app: gunicorn with two gevent workers (gunicorn.conf.py)."""
    return run.gunicorn("cured", 2)


@pytest.fixture(scope="session")
def celery_workers(run: Run) -> dict[str, object]:
    return {"sick": run.celery("sick"), "cured": run.celery("cured")}


class Client(requests.Session):
    """A browser stand-in: keeps cookies, and sends Secure cookies back even on http.

    The cured app marks its cookies Secure; in production TLS ends at the proxy, here the tests talk
    plain http to loopback, so the client plays the part of a browser on https.
    """

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 15)
        reply = super().request(method, url if url.startswith("http") else self.base + url, *args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return reply

    def csrf_token(self, path: str) -> str | None:
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', self.get(path).text)
        return found.group(1) if found else None

    def login(self, email: str = "alice@clinic.test", password: str = "clinic") -> requests.Response:
        data = {"email": email, "password": password}
        token = self.csrf_token("/login")
        if token:
            data["csrf_token"] = token
        reply = self.post("/login", data=data, allow_redirects=False)
        assert reply.status_code == 302, (reply.status_code, reply.text[:300])
        return reply


@pytest.fixture
def client_for():
    return Client


@pytest.fixture(scope="session")
def soak_report(run: Run) -> Path:
    """A short leak-hunting soak of the sick app's search page (kept with the run's logs)."""
    out = run.logs / "soak"
    out.mkdir()
    scenario = out / "scenario.yaml"
    scenario.write_text("endpoints:\n  - path: /search?q=term{n}\n    name: search\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask_doctor.cli",
            "soak",
            "--app",
            "wsgi:app",
            "--only",
            "leaks",
            "--scenario",
            str(scenario),
            "--requests",
            "800",
            "--duration",
            "15",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=CLINIC / "sick",
        env=run.env("sick", "soak", SOCKETIO_ASYNC_MODE="threading"),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    return out


__all__ = ["TOKEN", "Client"]
