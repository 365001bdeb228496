"""The ``/_doctor`` blueprint: dashboard, JSON API and Prometheus metrics.

Secure by default: ``init_app`` mounts it only when the app is in debug
mode or ``FLASK_DOCTOR_TOKEN`` is set.  With a token every route requires
``Authorization: Bearer <token>`` (compared with ``hmac.compare_digest``)
and answers 404 otherwise, so the routes' existence is not revealed.
Everything shown is redacted (docs/runtime.md, "Security").  The blueprint
reads the doctor only through
:class:`~flask_doctor.runtime.protocols.DashboardSource`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)

from flask_doctor.findings import Severity
from flask_doctor.redaction import app_secrets
from flask_doctor.report import RenderContext
from flask_doctor.report.json_format import findings_document
from flask_doctor.runtime.protocols import DashboardSource
from flask_doctor.runtime.shown import shown_finding, shown_text
from flask_doctor.runtime.status import LABELS
from flask_doctor.runtime.store import StoredFinding


def _shown(stored: list[StoredFinding]) -> list[StoredFinding]:
    """Findings as they may be shown: a shared store holds what any worker wrote."""
    secrets = app_secrets(current_app.config)
    return [dataclasses.replace(s, finding=shown_finding(s.finding, secrets)) for s in stored]


def make_blueprint(doctor: DashboardSource) -> Blueprint:
    bp = Blueprint(
        "flask_doctor", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
    )

    @bp.before_request
    def _protect() -> None:
        # The WSGI wrapper already turned unauthenticated requests into plain 404s (any
        # method, any slashes); this is the same check once more, for the routes themselves.
        if not doctor.dashboard_allowed(request.headers.get("Authorization", "")):
            abort(404)

    @bp.after_request
    def _no_store(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @bp.get("/")
    def index() -> str:
        stored = _shown(doctor.stored_findings())
        groups: dict[str, list[Any]] = {}
        for s in stored:
            groups.setdefault(s.finding.severity.label, []).append(s)
        snap = doctor.snapshot(flush=False, findings=False)  # stored_findings() just flushed
        memory = doctor.memory_series()
        interval = doctor.settings.memory_interval
        charts = {w: memory_figure([m["rss"] for m in samples], interval) for w, samples in memory.items()}
        return render_template(
            "flask_doctor/dashboard.html",
            groups=[(sev.label, groups.get(sev.label, [])) for sev in sorted(Severity, reverse=True)],
            total=len(stored),
            snap=snap,
            endpoints=sorted(snap["endpoints"].items(), key=lambda kv: -kv[1]["p95_ms"]),
            queries=snap["queries"],
            requests=doctor.requests(50),
            charts=charts,
            store=doctor.store.url,
            store_error=doctor.store_error(),
            collectors_off=[
                f"{LABELS.get(name, name)} collector off: {c['detail']}"
                for name, c in snap["collectors"].items()
                if not c["on"]
            ],
            now=time.time(),
            shown=shown_text,
        )

    @bp.get("/api/findings")
    def api_findings() -> Response:
        stored = _shown(doctor.stored_findings())
        ctx = RenderContext(
            surface="runtime",
            extra={
                "store": doctor.store.url,
                "store_error": _store_error_line(doctor),
                "occurrences": {
                    s.finding.fingerprint(): {
                        "count": s.count,
                        "first_seen": s.first_seen,
                        "last_seen": s.last_seen,
                        "workers": list(s.workers),
                    }
                    for s in stored
                },
            },
        )
        return jsonify(findings_document([s.finding for s in stored], ctx))

    @bp.get("/api/requests")
    def api_requests() -> Response:
        limit = min(max(request.args.get("limit", 100, type=int) or 100, 1), 1000)
        requests = doctor.requests(limit)
        snap = doctor.snapshot(flush=False, findings=False, queries=50)  # requests() just flushed
        return jsonify({"requests": requests, "endpoints": snap["endpoints"], "queries": snap["queries"]})

    @bp.get("/api/snapshot")
    def api_snapshot() -> Response:
        return jsonify(doctor.snapshot())

    @bp.get("/api/snapshots")
    def api_snapshots() -> Response:
        return jsonify(doctor.worker_snapshots())

    @bp.get("/metrics")
    def metrics() -> Response:
        if doctor.metrics is None:
            abort(404)
        doctor.flush()
        body, content_type = doctor.metrics.exposition()
        return Response(body, content_type=content_type)

    return bp


def _store_error_line(doctor: DashboardSource) -> str:
    error = doctor.store_error()
    if not error:
        return ""
    return (
        f"store {doctor.store.url} unavailable ({shown_text(error)}): showing this worker's own findings, "
        "requests and numbers"
    )


def memory_figure(values: list[float], interval: float) -> dict[str, str]:
    """A worker's RSS as a chart, or as words while there are too few samples to draw a line.

    An empty figure would read as "nothing to see"; a worker that has just
    started has one sample (or none), and the page says so and when the next one comes.
    """
    chart = svg_chart(values, label="RSS")
    if chart:
        return {"svg": chart, "note": ""}
    if not values:
        return {"svg": "", "note": f"no RSS sample yet: one is taken every {interval:g} s"}
    mib = values[-1] / (1024 * 1024)
    return {
        "svg": "",
        "note": f"RSS {mib:.1f} MiB, one sample so far: the chart is drawn from two, one every {interval:g} s",
    }


def svg_chart(values: list[float], width: int = 600, height: int = 120, label: str = "") -> str:
    """A tiny inline SVG line chart (no external library, no CDN)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 10 - (v - lo) / span * (height - 20):.1f}" for i, v in enumerate(values)
    )
    mib = 1024 * 1024
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{label} {lo / mib:.1f} to {hi / mib:.1f} MiB">'
        f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{points}"/>'
        f'<text x="4" y="12" font-size="11">{hi / mib:.1f} MiB</text>'
        f'<text x="4" y="{height - 2}" font-size="11">{lo / mib:.1f} MiB</text></svg>'
    )
