"""Celery broker probe through kombu (RabbitMQ, or any non-Redis transport).

Redis brokers are probed by :mod:`redis_probe` (with version and eviction
policy); here kombu opens a connection with a short timeout, reads the
server's properties and closes it.  Nothing is published or consumed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from flask_doctor.audit.messages import Message
from flask_doctor.audit.probe import ProbeTimeout, with_deadline
from flask_doctor.audit.redact import UNQUOTED_PASSWORD, password_needs_quoting, redact_text
from flask_doctor.findings import Finding
from flask_doctor.redaction import redact_url

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.audit.context import AuditContext

UNREACHABLE = Message(
    "FD440",
    "the Celery broker {url} is not reachable: {error}",
    "check broker_url (host, credentials, vhost) and the network; tasks cannot be queued meanwhile",
)


def _probe(url: str, timeout: float) -> dict[str, Any]:
    from kombu import Connection

    row: dict[str, Any] = {"url": redact_url(url), "reachable": False}
    conn = Connection(url, connect_timeout=timeout)
    try:
        t0 = time.perf_counter()
        conn.ensure_connection(max_retries=0, timeout=timeout)
        row["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        row["reachable"] = True
        props = getattr(conn.connection, "server_properties", None) or {}
        product = props.get("product", b"")
        version = props.get("version", b"")
        row["server"] = f"{_text(product)} {_text(version)}".strip() or conn.transport_cls
        row["transport"] = conn.transport_cls
    finally:
        conn.release()
    return row


def probe_all(audit: AuditContext) -> tuple[list[Finding], list[dict[str, Any]], str]:
    from flask_doctor.audit.checks.celery_checks import find_celery

    celery = find_celery(audit)
    if celery is None or not celery.conf.broker_url:
        return [], [], "brokers"
    url = str(celery.conf.broker_url)
    if url.startswith(("redis://", "rediss://", "memory://")):
        return [], [], "brokers"
    if password_needs_quoting(url):
        row: dict[str, Any] = {"url": redact_url(url), "reachable": False, "error": UNQUOTED_PASSWORD}
    else:
        try:
            row = with_deadline(lambda: _probe(url, audit.timeout), audit.timeout * 3)
        except (ProbeTimeout, Exception) as exc:
            row = {"url": redact_url(url), "reachable": False, "error": redact_text(f"{type(exc).__name__}: {exc}")}
    findings = []
    if not row.get("reachable"):
        findings.append(UNREACHABLE(obj="celery:broker_url", url=row["url"], error=row.get("error", "no answer")))
    return findings, [row], "brokers"


def _text(value: object) -> str:
    """A server property as text (AMQP servers send bytes)."""
    return value.decode() if isinstance(value, bytes) else str(value)
