"""Database probe: reachability, version, latency, idle timeouts, and the S22 test.

The stale-connection test reproduces "server closed the connection
unexpectedly" / "MySQL server has gone away" on purpose, with the app's own
engine and pool settings:

1. empty the app engine's pool, check out a connection and note its server
   id (``pg_backend_pid()`` / ``CONNECTION_ID()``), return it to the pool;
2. from a separate connection kill exactly that server session
   (``pg_terminate_backend(pid)`` / ``KILL id``) while it sits idle in the
   pool — what an idle timeout, a restart, a failover or a firewall does;
3. check out again through the app's engine and run ``SELECT 1``.

With ``pool_pre_ping`` the pool notices and reconnects; without it the
statement fails, as the next request in production would.
"""

from __future__ import annotations

import socket
import statistics
import time
from typing import TYPE_CHECKING, Any

from flask_doctor.audit.checks.extensions import EngineInfo, app_engines
from flask_doctor.audit.messages import Message
from flask_doctor.audit.probe import ProbeTimeout, with_deadline
from flask_doctor.audit.redact import UNQUOTED_PASSWORD, password_needs_quoting, redact_text
from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.redaction import redact_url

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.audit.context import AuditContext

UNREACHABLE = Message(
    "FD240",
    "{label} ({url}) is not reachable: {error}",
    "check the host, port, credentials and network from where the app runs; add connect_args={{'connect_timeout': 5}} so an outage fails fast",
)
STALE_FAILS = Message(
    "FD204",
    "{label}: after the server dropped an idle pooled connection (probe killed its own session {sid}), the next checkout through the app's engine failed: {error}",
    'SQLALCHEMY_ENGINE_OPTIONS = {{"pool_pre_ping": True}} (checks each connection on checkout and reconnects)',
)
IDLE_TIMEOUT = Message(
    "FD204",
    '{label}: the server closes idle connections after {idle}s ({setting}) but pool_recycle={recycle} and pool_pre_ping is off: a connection idle longer than that fails on next use with "{error}"',
    'SQLALCHEMY_ENGINE_OPTIONS = {{"pool_pre_ping": True, "pool_recycle": {suggest}}}',
)

_SQL = {
    "postgresql": {
        "id": "SELECT pg_backend_pid()",
        "version": "SHOW server_version",
        "kill": "SELECT pg_terminate_backend({sid})",
        "alive": "SELECT 1 FROM pg_stat_activity WHERE pid = {sid}",
    },
    "mysql": {
        "id": "SELECT CONNECTION_ID()",
        "version": "SELECT VERSION()",
        "kill": "KILL {sid}",
        "alive": "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = {sid}",
    },
}
_DISCONNECT = {"postgresql": "server closed the connection unexpectedly", "mysql": "MySQL server has gone away"}


def _family(dialect: str) -> str | None:
    if dialect == "postgresql":
        return "postgresql"
    if dialect in ("mysql", "mariadb"):
        return "mysql"
    return None


def _scalar(dbapi_conn: Any, sql: str) -> Any:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(sql)
        row = cursor.fetchone()
        return row[0] if row else None
    finally:
        cursor.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return redact_text(f"{type(orig).__name__}: {text[0] if text else ''}".strip())


def _tcp_check(url: Any, timeout: float) -> None:
    host = url.host
    if not host or host.startswith("/"):
        return
    default = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}.get(url.get_backend_name(), 0)
    port = url.port or default
    if port:
        with socket.create_connection((host, port), timeout=timeout):
            pass


def _server_facts(family: str, conn: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"server_version": str(_scalar(conn, _SQL[family]["version"]))}
    started = time.perf_counter()
    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        _scalar(conn, "SELECT 1")
        samples.append((time.perf_counter() - t0) * 1000)
    facts["latency_ms"] = round(statistics.median(samples), 2)
    del started
    if family == "postgresql":
        idle = _setting(conn, "SHOW idle_session_timeout")
        keepalive = _setting(conn, "SHOW tcp_keepalives_idle")
        facts["idle_session_timeout"] = idle
        facts["tcp_keepalives_idle"] = keepalive
        facts["idle_in_transaction_session_timeout"] = _setting(conn, "SHOW idle_in_transaction_session_timeout")
        seconds = _pg_seconds(idle)
        if seconds:
            facts["server_idle_timeout"] = seconds
            facts["idle_setting"] = f"idle_session_timeout = {idle}"
    else:
        wait = _scalar(conn, "SELECT @@session.wait_timeout")
        interactive = _scalar(conn, "SELECT @@global.interactive_timeout")
        facts["wait_timeout"] = int(wait) if wait is not None else None
        facts["interactive_timeout"] = int(interactive) if interactive is not None else None
        if wait:
            facts["server_idle_timeout"] = int(wait)
            facts["idle_setting"] = f"wait_timeout = {int(wait)}"
    try:  # end the read-only transaction the driver may have opened
        conn.rollback()
    except Exception:
        pass
    return facts


def _setting(conn: Any, sql: str) -> str | None:
    try:
        value = _scalar(conn, sql)
    except Exception:  # older servers lack idle_session_timeout (PostgreSQL < 14)
        try:
            conn.rollback()
        except Exception:
            pass
        return None
    return None if value is None else str(value)


def _pg_seconds(value: str | None) -> int:
    """``'0'`` -> 0, ``'5min'`` -> 300, ``'30s'`` -> 30, ``'1500ms'`` -> 1."""
    if not value:
        return 0
    text = value.strip().lower()
    units = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}
    for unit in ("ms", "min", "s", "h", "d"):
        if text.endswith(unit):
            try:
                return int(float(text[: -len(unit)]) * units[unit])
            except ValueError:
                return 0
    try:
        return int(int(text) / 1000)  # bare numbers are milliseconds
    except ValueError:
        return 0


def _end(conn: Any) -> None:
    """End the read-only transaction (SQLAlchemy 2.0 and 1.4 "future" connections autobegin; 1.4 legacy ones do not)."""
    rollback = getattr(conn, "rollback", None)
    if callable(rollback):
        rollback()


def stale_connection_test(info: EngineInfo, killer: Any, family: str, timeout: float) -> dict[str, Any]:
    """Kill our own idle pooled connection on the server and check out again."""
    from sqlalchemy import text

    engine = info.engine
    sql = _SQL[family]
    engine.dispose()  # an empty pool: the next checkout is the connection we kill
    with engine.connect() as conn:
        sid = conn.execute(text(sql["id"])).scalar()
        _end(conn)
    # now idle in the pool, as between two requests
    _scalar(killer, sql["kill"].format(sid=int(sid)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            killer.rollback()
        except Exception:
            pass
        if _scalar(killer, sql["alive"].format(sid=int(sid))) is None:
            break
        time.sleep(0.02)
    result: dict[str, Any] = {"killed_session": int(sid), "pool_pre_ping": info.pre_ping, "pool_recycle": info.recycle}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            new_sid = conn.execute(text(sql["id"])).scalar()
            _end(conn)
        result.update(outcome="recovered", new_session=int(new_sid))
    except Exception as exc:
        result.update(outcome="failed", error=_first_line(exc))
    finally:
        engine.dispose()
    return result


def _configured_url(audit: AuditContext, info: EngineInfo) -> Any:
    """The URL string the config gave a Flask-SQLAlchemy engine (None for other engines)."""
    if info.origin != "flask-sqlalchemy":
        return None
    config = audit.app.config
    if info.label == "sqlalchemy:default":
        return config.get("SQLALCHEMY_DATABASE_URI")
    bind = (config.get("SQLALCHEMY_BINDS") or {}).get(info.label.partition(":")[2])
    return bind.get("url") if isinstance(bind, dict) else bind


def probe_engine(audit: AuditContext, info: EngineInfo) -> tuple[list[Finding], dict[str, Any]]:
    url = info.engine.url
    row: dict[str, Any] = {"label": info.label, "url": redact_url(url), "dialect": info.dialect, "reachable": False}
    if password_needs_quoting(_configured_url(audit, info)):
        row["error"] = UNQUOTED_PASSWORD
        return [
            UNREACHABLE(
                obj=info.label, location=info.location, label=info.label, url=row["url"], error=UNQUOTED_PASSWORD
            )
        ], row
    family = _family(info.dialect)
    findings: list[Finding] = []
    timeout = audit.timeout
    started = time.perf_counter()
    try:
        with_deadline(lambda: _tcp_check(url, timeout), timeout + 0.5)
        killer_pool = info.engine.pool.recreate()

        def connect_and_describe() -> tuple[Any, dict[str, Any]]:
            fairy = killer_pool.connect()
            raw = fairy.dbapi_connection
            if family is None:
                return fairy, {"server_version": None, "latency_ms": None}
            return fairy, _server_facts(family, raw)

        fairy, facts = with_deadline(connect_and_describe, timeout * 2)
        row.update(facts, reachable=True, connect_ms=round((time.perf_counter() - started) * 1000, 1))
    except (ProbeTimeout, OSError, Exception) as exc:
        row["error"] = _first_line(exc) if not isinstance(exc, ProbeTimeout) else str(exc)
        findings.append(
            UNREACHABLE(obj=info.label, location=info.location, label=info.label, url=row["url"], error=row["error"])
        )
        return findings, row
    try:
        if family is not None and info.pooled:
            try:
                stale = with_deadline(
                    lambda: stale_connection_test(info, fairy.dbapi_connection, family, timeout), timeout * 3
                )
            except Exception as exc:  # no permission to kill, timeout...: report, do not abort
                stale = {"outcome": "unknown", "error": str(exc) if isinstance(exc, ProbeTimeout) else _first_line(exc)}
            row["stale_connection_test"] = stale
            idle = row.get("server_idle_timeout") or 0
            recycle_covers = idle and 0 < info.recycle < idle
            if stale.get("outcome") == "failed":
                findings.append(
                    STALE_FAILS(
                        obj=info.label,
                        location=info.location,
                        label=info.label,
                        sid=stale["killed_session"],
                        error=stale["error"],
                        severity=Severity.NOTE if recycle_covers else None,  # pool_recycle already covers idle timeouts
                        evidence=[
                            Evidence(
                                f"pool {type(info.pool).__name__}: pool_pre_ping={info.pre_ping}, pool_recycle={info.recycle}"
                            ),
                            Evidence(
                                f"server {row.get('server_version')}: {row.get('idle_setting') or 'no idle timeout'}"
                                + (
                                    " — pool_recycle covers idle timeouts, not restarts, failovers or proxies"
                                    if recycle_covers
                                    else ""
                                )
                            ),
                        ],
                    )
                )
            elif idle and not info.pre_ping and not recycle_covers:
                findings.append(
                    IDLE_TIMEOUT(
                        obj=info.label,
                        location=info.location,
                        label=info.label,
                        idle=idle,
                        setting=row.get("idle_setting"),
                        recycle=info.recycle,
                        error=_DISCONNECT[family],
                        suggest=max(idle // 2, 1),
                    )
                )
        elif family is not None:
            row["stale_connection_test"] = {
                "outcome": "not applicable",
                "reason": f"{type(info.pool).__name__} opens a new connection per checkout",
            }
    finally:
        try:
            fairy.close()
        finally:
            killer_pool.dispose()
    return findings, row


def probe_all(audit: AuditContext) -> tuple[list[Finding], list[dict[str, Any]], str]:
    findings: list[Finding] = []
    rows = []
    for info in app_engines(audit):
        found, row = probe_engine(audit, info)
        findings.extend(found)
        rows.append(row)
    return findings, rows, "databases"
