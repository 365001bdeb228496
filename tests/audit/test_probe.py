"""--probe against the real services (PostgreSQL, MariaDB, Redis, RabbitMQ on loopback)."""

from __future__ import annotations

import pytest
import redis
from celery import Celery
from flask_caching import Cache
from flask_sqlalchemy import SQLAlchemy

from flask_doctor.audit.probe import database, describe, redis_probe
from flask_doctor.findings import Evidence, Severity
from tests.audit.conftest import RedisKeys, audit_with_extra, make_app

pytestmark = pytest.mark.services


def _db_app(url: str, **engine_options):  # type: ignore[no-untyped-def]
    app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    SQLAlchemy(app)
    return app


def _stale(extra):  # type: ignore[no-untyped-def]
    [row] = extra["probes"]["databases"]
    return row, row["stale_connection_test"]


def test_postgres_without_pre_ping_fails_after_a_server_side_kill(postgres_url: str) -> None:
    findings, extra = audit_with_extra(_db_app(postgres_url), probe=True)
    row, stale = _stale(extra)
    assert row["reachable"] and row["server_version"].split()[0].count(".") >= 1
    assert row["idle_session_timeout"] is not None and row["tcp_keepalives_idle"] is not None
    assert stale["outcome"] == "failed"
    assert stale["error"] == "OperationalError: server closed the connection unexpectedly"
    assert findings == [
        database.STALE_FAILS(
            obj="sqlalchemy:default",
            label="sqlalchemy:default",
            sid=stale["killed_session"],
            error=stale["error"],
            evidence=[
                Evidence("pool QueuePool: pool_pre_ping=False, pool_recycle=-1"),
                Evidence(f"server {row['server_version']}: {row.get('idle_setting') or 'no idle timeout'}"),
            ],
        )
    ]


def test_postgres_with_pre_ping_recovers(postgres_url: str) -> None:
    findings, extra = audit_with_extra(_db_app(postgres_url, pool_pre_ping=True), probe=True)
    _, stale = _stale(extra)
    assert findings == []
    assert stale["outcome"] == "recovered" and stale["new_session"] != stale["killed_session"]


def test_mariadb_without_pre_ping_fails_even_with_recycle(mariadb_url: str) -> None:
    # Flask-SQLAlchemy sets pool_recycle=7200 for MySQL: it covers the idle
    # timeout (wait_timeout) but not a killed connection -> a note (FD204 is a
    # warning; the recycle makes the evidence weaker).
    findings, extra = audit_with_extra(_db_app(mariadb_url), probe=True)
    row, stale = _stale(extra)
    assert row["wait_timeout"] > 0 and row["interactive_timeout"] > 0
    assert stale["outcome"] == "failed" and stale["pool_recycle"] == 7200
    assert "Lost connection to MySQL server" in stale["error"] or "gone away" in stale["error"]
    [finding] = findings
    assert (finding.code, finding.severity, finding.obj) == ("FD204", Severity.NOTE, "sqlalchemy:default")
    assert "pool_recycle covers idle timeouts, not restarts" in finding.evidence[1].message


def test_mariadb_without_pre_ping_or_recycle_is_a_warning(mariadb_url: str) -> None:
    findings, _ = audit_with_extra(_db_app(mariadb_url, pool_recycle=-1), probe=True)
    assert [(f.code, f.severity) for f in findings] == [("FD204", Severity.WARNING)]


def test_mariadb_with_pre_ping_recovers(mariadb_url: str) -> None:
    findings, extra = audit_with_extra(_db_app(mariadb_url, pool_pre_ping=True), probe=True)
    _, stale = _stale(extra)
    assert findings == []
    assert stale["outcome"] == "recovered" and stale["new_session"] != stale["killed_session"]


def test_mariadb_short_wait_timeout_is_measured(mariadb_url: str) -> None:
    app = _db_app(mariadb_url, pool_pre_ping=True, connect_args={"init_command": "SET SESSION wait_timeout=60"})
    findings, extra = audit_with_extra(app, probe=True)
    row, _ = _stale(extra)
    assert findings == []
    assert (row["server_idle_timeout"], row["idle_setting"]) == (60, "wait_timeout = 60")


def test_unreachable_database_is_reported_fast() -> None:
    app = _db_app("postgresql+psycopg2://app:pw@127.0.0.1:1/app", pool_pre_ping=True)
    findings, extra = audit_with_extra(app, probe=True, timeout=1.0)
    [finding] = findings
    assert (finding.code, finding.obj) == ("FD240", "sqlalchemy:default")
    assert "postgresql+psycopg2://app:***@127.0.0.1:1/app" in finding.message and "pw@" not in finding.message
    assert extra["probes"]["databases"][0]["reachable"] is False


def test_redis_probe_writes_only_its_own_key(redis_url: str) -> None:
    client = redis.from_url(redis_url)
    client.set("flask-doctor-test:sentinel", "keep")
    before = RedisKeys(client)
    app = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    Cache(app)
    findings, extra = audit_with_extra(app, probe=True)
    assert findings == []
    [row] = extra["probes"]["redis"]
    assert row["used_by"] == ["Flask-Caching", "config CACHE_REDIS_URL"]
    assert row["reachable"] and row["write_test"] == "ok" and row["server_version"].startswith("Redis ")
    assert client.keys(f"{redis_probe.KEY_PREFIX}*") == []
    assert before.unchanged() and client.get("flask-doctor-test:sentinel") == b"keep"
    client.delete("flask-doctor-test:sentinel")


def test_unreachable_redis() -> None:
    app = make_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://:secret@127.0.0.1:1/0")
    Cache(app)
    findings, _ = audit_with_extra(app, probe=True, timeout=1.0)
    [finding] = findings
    assert (finding.code, finding.obj) == ("FD440", "redis:redis://:***@127.0.0.1:1/0")
    assert "secret" not in finding.message


def test_rabbitmq_broker(amqp_url: str) -> None:
    celery = Celery("probe-test", broker=amqp_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_connection_retry_on_startup=True,
        task_time_limit=60,
    )
    findings, extra = audit_with_extra(make_app(), celery=celery, probe=True)
    assert findings == []
    [row] = extra["probes"]["brokers"]
    assert row["reachable"] and row["server"].startswith("RabbitMQ")
    assert "guest:***@" in row["url"]
    assert "broker amqp://guest:***@127.0.0.1:5672//: RabbitMQ" in describe(extra["probes"])


def test_unreachable_broker() -> None:
    celery = Celery("probe-test", broker="amqp://guest:guest@127.0.0.1:1//", set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_connection_retry_on_startup=True,
        task_time_limit=60,
    )
    findings, _ = audit_with_extra(make_app(), celery=celery, probe=True, timeout=1.0)
    assert [(f.code, f.obj) for f in findings] == [("FD440", "celery:broker_url")]


def test_postgres_idle_session_timeout_against_pool_recycle(postgres_url: str) -> None:
    idle = {"options": "-c idle_session_timeout=60000"}
    findings, extra = audit_with_extra(_db_app(postgres_url, pool_recycle=3600, connect_args=idle), probe=True)
    row, stale = _stale(extra)
    assert (row["server_idle_timeout"], row["idle_setting"]) == (60, "idle_session_timeout = 1min")
    assert stale["outcome"] == "failed"
    assert [(f.code, f.severity) for f in findings] == [("FD204", Severity.WARNING)]  # recycle 3600 > 60
    findings, _ = audit_with_extra(_db_app(postgres_url, pool_recycle=30, connect_args=idle), probe=True)
    assert [(f.code, f.severity) for f in findings] == [("FD204", Severity.NOTE)]  # idle covered, kills are not


def test_eviction_policy_risk() -> None:
    row = {
        "used_by": ["Flask-Caching", "Celery broker", "Flask-Session"],
        "maxmemory_policy": "allkeys-lru",
        "maxmemory": 1 << 28,
    }
    assert redis_probe.eviction_risk(row) == ["Celery broker", "Flask-Session"]
    assert redis_probe.eviction_risk(dict(row, maxmemory=0)) == []  # no limit: nothing is evicted
    assert redis_probe.eviction_risk(dict(row, maxmemory_policy="noeviction")) == []
    assert redis_probe.eviction_risk(dict(row, used_by=["Flask-Caching"])) == []
