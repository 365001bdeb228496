"""Flask-SQLAlchemy 2.5 (SQLAlchemy 1.4) and 3.x (SQLAlchemy 2.0), on PostgreSQL and MariaDB.

The same app runs on whichever stack is installed: ``make test`` (3.x) and
``make test-oldest`` (2.5) both run these tests.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from flask_doctor.audit.checks.extensions import fsa_major, fsa_version
from flask_doctor.cli import cli

pytestmark = pytest.mark.services
APP = "tests.audit_apps.fsa_app:create_app()"
KEY = "k" * 8 + "Zq81xP0vLm3NcR7tY2wE5uI9oA4sD6fG"


@pytest.fixture(params=["postgresql", "mariadb"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    url: str = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mariadb_url")
    monkeypatch.setenv("FSA_APP_DATABASE_URL", url)
    monkeypatch.setenv("FSA_APP_SECRET_KEY", KEY)
    return request.param


def _audit(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["audit", "--app", APP, "--format", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_engines_teardown_and_options_are_read(database: str) -> None:
    code, doc, _ = _audit()
    found = {(f["code"], f["object"]) for f in doc["findings"]}
    assert not {c for c, _ in found} & {"FD004", "FD106"}, found  # no crash, teardown recognised
    engines = {e["label"]: e for e in doc["extra"]["engines"]}
    assert set(engines) == {"sqlalchemy:default", "sqlalchemy:reports"}
    assert all(e["pool"] == "QueuePool" and e["pool_pre_ping"] is False for e in engines.values())
    if database == "postgresql":
        assert {("FD204", "sqlalchemy:default"), ("FD204", "sqlalchemy:reports")} <= found
    else:  # Flask-SQLAlchemy sets pool_recycle=7200 for MySQL: covered until the probe measures it
        assert engines["sqlalchemy:default"]["pool_recycle"] == 7200
        assert ("FD204", "sqlalchemy:default") not in found
    assert (("FD205", "config:SQLALCHEMY_TRACK_MODIFICATIONS") in found) == (fsa_major() == 2)
    teardown = doc["extra"]["teardown"]["appcontext"]
    assert any("shutdown_session" in t or "_teardown_session" in t for t in teardown), (fsa_version(), teardown)


def test_probe_reaches_every_bind_and_measures_stale_connections(database: str) -> None:
    code, doc, err = _audit("--probe", "--timeout", "3")
    assert "nothing to probe" not in err
    rows = {r["label"]: r for r in doc["extra"]["probes"]["databases"]}
    assert set(rows) == {"sqlalchemy:default", "sqlalchemy:reports"}
    for row in rows.values():
        assert row["reachable"], row
        assert row["stale_connection_test"]["outcome"] == "failed", row
    measured = [f for f in doc["findings"] if f["code"] == "FD204" and f["object"] == "sqlalchemy:default"]
    assert len(measured) == 1 and "the next checkout through the app's engine failed" in measured[0]["message"]
    expected = "warning" if database == "postgresql" else "note"  # MariaDB: pool_recycle=7200 covers wait_timeout
    assert measured[0]["severity"] == expected
