"""Redis probe: every Redis the app uses (sessions, cache, limiter, Socket.IO, Celery).

PING, INFO (version, eviction policy) and one key written, read back and
deleted under ``flask-doctor:probe:`` with a 30 s TTL; no other key is read
or touched.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import field
from typing import TYPE_CHECKING, Any

from flask_doctor.audit.messages import Message
from flask_doctor.audit.probe import ProbeTimeout, with_deadline
from flask_doctor.audit.redact import UNQUOTED_PASSWORD, password_needs_quoting, redact_text
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding
from flask_doctor.redaction import redact_url

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.audit.context import AuditContext

UNREACHABLE = Message(
    "FD440",
    "Redis at {url} (used by {used_by}) is not reachable: {error}",
    "check the URL, password and network from where the app runs",
)
EVICTS = Message(
    "FD441",
    "Redis at {url} evicts any key when full (maxmemory={maxmemory}, maxmemory-policy={policy}) but also holds {precious}: they can vanish silently under memory pressure",
    "keep {precious} on a Redis (or server) with maxmemory-policy noeviction; use allkeys-lru only for a pure cache",
)
KEY_PREFIX = "flask-doctor:probe:"
#: Uses whose keys must not be evicted (a cache may lose anything).
PRECIOUS_USES = ("Flask-Session", "Flask-Limiter", "Flask-SocketIO message queue", "Celery broker")
_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass
class RedisTarget:
    url: str  # redacted, for display and de-duplication
    kwargs: dict[str, Any]
    used_by: list[str] = field(default_factory=list)
    #: Why it is not probed ("" when it is).
    skip: str = ""


def _kwargs_from_url(url: str) -> dict[str, Any]:
    from redis.connection import parse_url

    return dict(parse_url(url))


def _from_client(client: Any) -> tuple[str, dict[str, Any]] | None:
    pool = getattr(client, "connection_pool", None)
    if pool is None:
        return None
    kwargs = dict(pool.connection_kwargs)
    host = kwargs.get("host", "localhost")
    port = kwargs.get("port", 6379)
    db = kwargs.get("db", 0)
    path = kwargs.get("path")
    url = f"unix://{path}?db={db}" if path else f"redis://{host}:{port}/{db}"
    keep = {k: v for k, v in kwargs.items() if k in ("host", "port", "db", "username", "password", "path", "ssl")}
    return url, keep


def targets(audit: AuditContext) -> list[RedisTarget]:
    app = audit.app
    found: dict[str, RedisTarget] = {}

    def add(url_or_client: Any, user: str) -> None:
        if url_or_client is None:
            return
        skip = ""
        if isinstance(url_or_client, str):
            if not url_or_client.startswith(_SCHEMES):
                return
            url = _normalise(redact_url(url_or_client))
            if password_needs_quoting(url_or_client):
                kwargs, skip = {"unparsable": url}, UNQUOTED_PASSWORD
            else:
                kwargs = _kwargs_from_url(url_or_client)
        else:
            pair = _from_client(url_or_client)
            if pair is None:
                return
            url, kwargs = pair
        key = _server_key(kwargs) if not skip else url
        target = found.setdefault(key, RedisTarget(url, kwargs, skip=skip))
        if "***" in url and "***" not in target.url:
            target.url = url  # say that a password is configured
        if user not in target.used_by:
            target.used_by.append(user)

    interface = app.session_interface
    if type(interface).__name__ == "RedisSessionInterface":
        add(getattr(interface, "client", None), "Flask-Session")
    for backend in (app.extensions.get("cache") or {}).values():
        client = getattr(backend, "_write_client", None)
        if client is not None and type(backend).__name__.startswith("Redis"):
            add(client, "Flask-Caching")
    for limiter in app.extensions.get("limiter") or ():
        add(getattr(limiter, "_storage_uri", None) or app.config.get("RATELIMIT_STORAGE_URI"), "Flask-Limiter")
    socketio = app.extensions.get("socketio")
    if socketio is not None:
        add((getattr(socketio, "server_options", None) or {}).get("message_queue"), "Flask-SocketIO message queue")
    celery = _celery(audit)
    if celery is not None:
        add(
            celery.conf.result_backend if isinstance(celery.conf.result_backend, str) else None, "Celery result backend"
        )
        add(celery.conf.broker_url, "Celery broker")
    for key in sorted(app.config):
        value = app.config[key]
        if isinstance(value, str) and key.endswith("_URL") and value.startswith(_SCHEMES):
            add(value, f"config {key}")
    return list(found.values())


def _server_key(kwargs: dict[str, Any]) -> str:
    if kwargs.get("path"):
        return f"unix:{kwargs['path']}:{kwargs.get('db', 0)}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def _normalise(url: str) -> str:
    # redis://host -> redis://host:6379/0, so a client and a URL to the same server merge
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return url
    db = parts.path.strip("/") or "0"
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    host = parts.hostname or "localhost"
    return f"{parts.scheme}://{auth}{host}:{parts.port or 6379}/{db}"


def _celery(audit: AuditContext) -> Any:
    from flask_doctor.audit.checks.celery_checks import find_celery

    return find_celery(audit)


def probe_target(target: RedisTarget, timeout: float) -> dict[str, Any]:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    row: dict[str, Any] = {"url": target.url, "used_by": target.used_by, "reachable": False}
    client = redis.Redis(
        socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0), **target.kwargs
    )
    try:
        t0 = time.perf_counter()
        client.ping()
        row["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        row["reachable"] = True
        server = client.info("server")
        memory = client.info("memory")
        row["server_version"] = f"Redis {server.get('redis_version')}"
        row["maxmemory_policy"] = memory.get("maxmemory_policy")
        row["maxmemory"] = memory.get("maxmemory")
        key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
        client.set(key, "1", ex=30)
        ok = client.get(key) == b"1"
        client.delete(key)
        row["write_test"] = "ok" if ok else "read back a different value"
    finally:
        client.close()
    return row


def probe_all(audit: AuditContext) -> tuple[list[Finding], list[dict[str, Any]], str]:
    findings: list[Finding] = []
    rows = []
    for target in targets(audit):
        try:
            if target.skip:
                raise ValueError(target.skip)
            row = with_deadline(lambda t=target: probe_target(t, audit.timeout), audit.timeout * 3)
        except ValueError as exc:
            row = {"url": target.url, "used_by": target.used_by, "reachable": False, "error": str(exc)}
        except (ProbeTimeout, Exception) as exc:
            row = {
                "url": target.url,
                "used_by": target.used_by,
                "reachable": False,
                "error": redact_text(f"{type(exc).__name__}: {exc}"),
            }
        if not row.get("reachable"):
            row.setdefault("error", "no answer")
            findings.append(
                UNREACHABLE(
                    obj=f"redis:{target.url}",
                    url=target.url,
                    used_by=", ".join(target.used_by),
                    error=row["error"],
                    evidence=[Evidence(f"used by {u}") for u in target.used_by],
                )
            )
        else:
            precious = eviction_risk(row)
            if precious:
                findings.append(
                    EVICTS(
                        obj=f"redis:{target.url}",
                        url=target.url,
                        maxmemory=row["maxmemory"],
                        policy=row["maxmemory_policy"],
                        precious=", ".join(precious),
                    )
                )
        rows.append(row)
    return findings, rows, "redis"


def eviction_risk(row: dict[str, Any]) -> list[str]:
    """The uses of a probed Redis that an ``allkeys-*`` eviction policy endangers."""
    policy = str(row.get("maxmemory_policy") or "")
    if not policy.startswith("allkeys") or not row.get("maxmemory"):
        return []
    return [use for use in row.get("used_by", []) if use in PRECIOUS_USES]
