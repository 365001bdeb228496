"""``--probe``: talk to the real database, Redis and broker the app is configured for.

Every probe uses short timeouts, read-only statements and its own
connections.  The only writes are one Redis key under ``flask-doctor:probe:``
(set with a TTL, read back, deleted) and, in the stale-connection test,
killing the probe's *own* pooled connection from the server side.
Results go to ``extra["probes"]`` (JSON) and a summary on stderr (text);
problems become findings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask_doctor.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.audit.context import AuditContext

T = TypeVar("T")


class ProbeTimeout(Exception):
    pass


def with_deadline(func: Callable[[], T], seconds: float) -> T:
    """Run ``func`` in a daemon thread; raise :class:`ProbeTimeout` if it takes longer."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="flask-doctor-probe", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ProbeTimeout(f"no answer within {seconds:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def run_probes(audit: AuditContext) -> list[Finding]:
    from flask_doctor.audit.probe import broker, database, redis_probe

    findings: list[Finding] = []
    results: dict[str, list[dict[str, Any]]] = {"databases": [], "redis": [], "brokers": []}
    from flask_doctor.audit.registry import internal_error

    for module in (database, redis_probe, broker):
        try:
            probe_findings, rows, key = module.probe_all(audit)
        except Exception as exc:  # one broken probe family must not hide the others
            findings.append(internal_error(f"{module.__name__}.probe_all", exc))
            continue
        findings.extend(probe_findings)
        results[key].extend(rows)
    if audit.extra.get("engines_unreadable"):
        results["notes"] = [f"databases not probed: {audit.extra['engines_unreadable']}"]  # type: ignore[list-item]
    audit.extra["probes"] = results
    return findings


def describe(probes: dict[str, list[dict[str, Any]]]) -> str:
    """A short human summary of what the probes measured (stderr in text mode)."""
    lines = ["Probes:"]
    for row in probes.get("databases", []):
        if not row.get("reachable"):
            lines.append(f"  database {row['label']} {row['url']}: UNREACHABLE ({row.get('error')})")
            continue
        idle = row.get("server_idle_timeout")
        stale = row.get("stale_connection_test", {})
        lines.append(
            f"  database {row['label']} {row['url']}: {row.get('server_version')}, {row.get('latency_ms')} ms"
            + (f", server idle timeout {idle}s ({row.get('idle_setting')})" if idle else ", no server idle timeout")
            + (f", stale connection: {stale.get('outcome')}" if stale else "")
        )
    for row in probes.get("redis", []):
        state = (
            f"{row.get('server_version')}, {row.get('latency_ms')} ms, key write/delete {row.get('write_test')}"
            if row.get("reachable")
            else f"UNREACHABLE ({row.get('error')})"
        )
        lines.append(f"  redis {row['url']} ({', '.join(row['used_by'])}): {state}")
    for row in probes.get("brokers", []):
        state = (
            f"{row.get('server')}, {row.get('latency_ms')} ms"
            if row.get("reachable")
            else f"UNREACHABLE ({row.get('error')})"
        )
        lines.append(f"  broker {row['url']}: {state}")
    for note in probes.get("notes", []):
        lines.append(f"  {note}")
    if len(lines) == 1:
        lines.append("  nothing to probe (no database, Redis or broker configured)")
    return "\n".join(lines)
