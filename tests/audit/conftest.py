"""Helpers for audit tests: real Flask apps, audited in-process."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_doctor.audit.checks.config import flask_version
from flask_doctor.audit.deploy import DeployFacts
from flask_doctor.audit.runner import make_context, run
from flask_doctor.audit.sources import ConfigSources
from flask_doctor.findings import Finding

GOOD_KEY = secrets.token_hex(32)

#: A production config that satisfies every config check.
SAFE_CONFIG: dict[str, Any] = {
    "SECRET_KEY": GOOD_KEY,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "TRUSTED_HOSTS": ["example.com"],
    "PREFERRED_URL_SCHEME": "https",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Flask-SQLAlchemy 2.x treats unset as True (FD205); 3.x defaults to False
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
}
if flask_version() < (3, 1):  # TRUSTED_HOSTS is a Flask 3.1 setting: older apps restrict hosts with SERVER_NAME
    SAFE_CONFIG["SERVER_NAME"] = "example.com"


class RedisKeys:
    """The keys of a Redis database, to show an audit left them as they were.

    The suite shares one Redis with other tests whose job results expire on
    their own; a key that had a time to live may vanish while the audit runs
    without the audit having touched it.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.keys = set(client.scan_iter(count=1000))
        self.lasting = {key for key in self.keys if client.ttl(key) == -1}

    def unchanged(self) -> bool:
        """No key added, and no key without expiry removed."""
        now = set(self.client.scan_iter(count=1000))
        return not (now - self.keys) and not (self.lasting - now)


def make_app(**config: Any) -> Flask:
    """A production-configured app; ``config`` overrides the safe defaults."""
    app = Flask(__name__)
    app.config.update(SAFE_CONFIG)
    app.config.update(config)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app


def audit(
    app: Flask,
    *,
    workers: int | None = None,
    worker_class: str | None = None,
    threads: int | None = None,
    **options: Any,
) -> list[Finding]:
    """Audit ``app`` without source guessing or project silencing; findings sorted."""
    facts = DeployFacts(
        workers=workers,
        worker_class=worker_class,
        threads=threads,
        source="test" if workers or worker_class or threads else "",
    )
    ctx = make_context(app, sources=ConfigSources(), deploy_facts=facts, **options)
    with app.app_context():
        return run(ctx, silenced=[]).findings


def audit_with_extra(app: Flask, **options: Any) -> tuple[list[Finding], dict[str, Any]]:
    ctx = make_context(app, sources=ConfigSources(), **options)
    with app.app_context():
        result = run(ctx, silenced=[])
    return result.findings, result.extra


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


@pytest.fixture
def good_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GOOD_APP_SECRET_KEY", GOOD_KEY)
    yield GOOD_KEY


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "FLASK_APP", "FLASK_DEBUG", "FLASK_SKIP_DOTENV"):
        monkeypatch.delenv(name, raising=False)
    assert os.environ.get("FLASK_APP") is None
