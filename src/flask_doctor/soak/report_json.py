"""Build ``report.json``: the common findings document plus a ``soak`` section.

The top level is exactly :func:`flask_doctor.report.json_format.findings_document`
(``schema_version``, ``tool``, ``surface: "soak"``, ``summary``, ``findings``),
so every consumer of flask-doctor's JSON reads soak findings unchanged.  The
measurements live under ``"soak"``, versioned by ``soak["version"]``
(:data:`SOAK_REPORT_VERSION`; bumped on any incompatible change; documented
in docs/soak.md).
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any

from flask_doctor.findings import Finding, sort_findings
from flask_doctor.report import RenderContext, file_line_reader
from flask_doctor.report.json_format import findings_document
from flask_doctor.soak import analysis
from flask_doctor.soak.runner import PhaseRun, SoakRun, SoakSettings

SOAK_REPORT_VERSION = 1


def build_report(
    *,
    app: str,
    root: Path,
    out_dir: Path,
    run: SoakRun,
    settings: SoakSettings,
    server_info: dict[str, Any],
    targets_source: str,
    doctor_available: bool,
    log_lines: list[str] | None = None,
    login: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    phases: list[PhaseRun] = run.phases
    measure = "traced" if settings.tracemalloc else "rss"
    samples_all = analysis.read_samples(out_dir)
    rows_all = analysis.read_requests(out_dir)
    exceptions = analysis.read_exceptions(out_dir, root)
    samples_by: dict[str, list[dict[str, Any]]] = {}
    for rec in samples_all:
        samples_by.setdefault(str(rec.get("phase")), []).append(rec)
    rows_by: dict[str, list[analysis.RequestRow]] = {}
    for row in rows_all:
        rows_by.setdefault(row.phase, []).append(row)
    exc_by: dict[str, list[dict[str, Any]]] = {}
    for exc in exceptions:
        group = exc_by.setdefault(str(exc.get("phase")), [])
        same = next(
            (e for e in group if (e["type"], e["file"], e["line"]) == (exc["type"], exc["file"], exc["line"])), None
        )
        if same is None:
            group.append({**exc, "count": 1})
        else:
            same["count"] += 1
    control_phase = next((p for p in phases if p.kind == "control" and p.result is not None), None)
    floor = analysis.noise_floor(
        samples_by.get("control", []), control_phase.warmup if control_phase else settings.resolved_warmup(), measure
    )
    floor_bpr = float(floor["bytes_per_request"])
    crashed_targets = {c.target for c in run.crashes if c.target}

    endpoints: list[dict[str, Any]] = []
    mixed: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    findings: list[Finding] = []
    for phase in phases:
        if phase.kind in ("step", "warmup"):
            continue
        label = phase.targets[0].name if phase.kind == "endpoint" and phase.targets else phase.name
        if phase.result is None:
            if phase.kind == "endpoint" and phase.targets:
                endpoints.append(
                    _not_measured(
                        phase, run.not_measured.get(label) or phase.skipped or "not run (the soak stopped before it)"
                    )
                )
            continue
        entry = analysis.analyse_phase(
            phase.name,
            label,
            samples_by.get(phase.name, []),
            rows_by.get(phase.name, []),
            phase.result,
            phase.warmup,
            measure,
            floor_bpr,
            root,
        )
        entry["exceptions"] = [
            {k: e[k] for k in ("type", "message", "file", "line", "method", "path", "count", "traceback")}
            for e in exc_by.get(phase.name, [])[:5]
        ]
        entry["detectable_bytes_per_request"] = analysis.detectable(entry["requests"], phase.warmup, floor_bpr, measure)
        entry["planned_requests"] = phase.budget
        entry["warmup"] = phase.warmup
        entry["stopped_by"] = phase.result.stopped_by
        if phase.kind == "endpoint":
            t = phase.targets[0]
            entry.update({"method": t.method, "path": t.path, "endpoint": t.endpoint})
        entry["kind"] = phase.kind
        if phase.kind == "custom":
            by_name: dict[str, list[Any]] = {}
            for rec in phase.result.records:
                by_name.setdefault(rec.name, []).append(rec)
            entry["by_name"] = {
                name: {
                    "requests": len(recs),
                    "failures": sum(1 for r in recs if not r.ok),
                    "latency_ms": analysis._pct([r.ms for r in recs]),
                }
                for name, recs in sorted(by_name.items())
            }
        if phase.kind == "control":
            entry["verdict"] = "control"
            control = entry
            continue
        reason = run.not_measured.get(label) if phase.kind == "endpoint" else None
        if reason is None and phase.kind == "endpoint":
            reason = _unmeasured_by_status(entry, phase)
        if reason:
            entry["verdict"] = "not-measured"
            entry["not_measured"] = reason
            fs = (
                analysis.error_findings(entry, crashed=label in crashed_targets) if label not in crashed_targets else []
            )
        else:
            fs = (
                analysis.leak_findings(entry, root)
                + analysis.fd_findings(entry)
                + analysis.error_findings(entry, crashed=bool(crashed_targets))
            )
        if phase.kind == "mixed":
            # the mixed phase only adds what no endpoint alone showed
            seen = {(f.code, f.location) for f in findings}
            fs = [f for f in fs if (f.code, f.location) not in seen]
        if phase.kind == "endpoint" and not reason:
            fs += analysis.waiting_findings(entry)
        entry["findings"] = [f.code for f in fs]
        findings.extend(fs)
        if phase.kind == "endpoint" or phase.kind == "custom":
            endpoints.append(entry)
        else:
            mixed = entry
    crash_fs = analysis.crash_findings(run.crashes)
    findings.extend(crash_fs)
    for e in endpoints:
        e["findings"] = sorted(
            set(e.get("findings", [])) | {f.code for f in crash_fs if f.obj == f"endpoint:{e['name']}"}
        )

    steps = [p for p in phases if p.kind == "step" and p.result is not None]
    saturation = None
    if steps:
        saturation = analysis.analyse_steps(
            steps, rows_by, server_info["capacity"], server_info["workers"], server_info["worker_class"]
        )
        waiting = [e["name"] for e in endpoints if "FD481" in e.get("findings", [])]
        if not waiting:
            waiting = [
                e["name"]
                for e in endpoints
                if e.get("server_ms") and e["server_ms"]["waiting_share"] >= 0.5 and e["server_ms"]["wall"]["p50"] >= 10
            ]
        if not waiting:
            waiting = [
                f"{p['path']} (wall {p['wall_ms_p50']:.0f} ms, CPU {p['cpu_ms_p50']:.1f} ms)"
                for p in saturation["paths"]
                if p["waiting_share"] >= 0.5 and p["wall_ms_p50"] >= 10
            ]
        findings.extend(analysis.saturation_findings(saturation, waiting))

    order = {"leak": 0, "not-measured": 1, "inconclusive": 2, "clean": 3}
    endpoints.sort(key=lambda e: (order.get(e["verdict"], 4), -len(e.get("findings", [])), e["name"]))
    findings = sort_findings(findings)
    fds_by_pid: dict[int, list[list[float]]] = {}
    for rec in samples_all:
        if rec.get("type") in ("sample", "final") and rec.get("fds", -1) >= 0:
            fds_by_pid.setdefault(int(rec["pid"]), []).append([round(rec["t"] - run.started, 2), rec["fds"]])
    workers = []
    for pid in sorted(set(run.rss_series) | set(fds_by_pid)):
        fds = sorted(fds_by_pid.get(pid, []))
        if len(fds) > 400:
            fds = [fds[int(i * len(fds) / 400)] for i in range(400)]
        workers.append({"pid": pid, "rss": [[t, v] for t, v in run.rss_series.get(pid, [])], "fds": fds})
    partial = list(run.partial)
    unmeasured = [e["name"] for e in endpoints if e["verdict"] == "not-measured"]
    if unmeasured and not any("not measured" in r for r in partial):
        partial.append(f"{len(unmeasured)} endpoint(s) not measured (see each one's reason)")
    ctx = RenderContext(surface="soak", root=root, line_text=file_line_reader(root))
    doc = findings_document(findings, ctx)
    ended = run.ended or time.time()
    doc["soak"] = {
        "version": SOAK_REPORT_VERSION,
        "app": app,
        "started": _dt.datetime.fromtimestamp(run.started, _dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round(ended - run.started, 2),
        "partial": bool(partial),
        "partial_reasons": partial,
        "warnings": list(run.warnings),
        "notes": list(run.notes),
        "server": server_info,
        "settings": {**settings.to_dict(), "doctor": doctor_available},
        "targets_source": targets_source,
        "login": login,
        "measure": measure,
        "runtime_doctor": doctor_available,
        "noise_floor": floor,
        "verdicts": {
            "leaks": [e["name"] for e in endpoints if e["verdict"] == "leak"],
            "mixed_leak": bool(mixed and mixed["verdict"] == "leak"),
            "clean": [e["name"] for e in endpoints if e["verdict"] == "clean"],
            "inconclusive": [e["name"] for e in endpoints if e["verdict"] == "inconclusive"],
            "not_measured": unmeasured,
            "saturated": bool(saturation and saturation["saturated"]),
        },
        "endpoints": endpoints,
        "mixed": mixed,
        "control": control,
        "saturation": saturation,
        "workers": workers,
        "crashes": [c.to_dict() for c in run.crashes],
        "log": list(log_lines or []),
    }
    return doc, findings


def _unmeasured_by_status(entry: dict[str, Any], phase: PhaseRun) -> str:
    """Why an endpoint phase measured something else than the endpoint (redirects, 401/403), or ""."""
    from flask_doctor.soak.responses import is_login_location

    counts = {int(k): v for k, v in (entry.get("statuses") or {}).items()}
    n = sum(counts.values())
    if not n:
        return ""
    redirects = sum(c for s, c in counts.items() if 300 <= s < 400)
    if redirects >= 0.5 * n:
        where_counts = (phase.result.redirects or {}).get(entry["name"]) or {"?": 1}
        where = max(where_counts.items(), key=lambda kv: kv[1])[0]
        return f"redirected to {where}" + (
            " (a login page: log in with a scenario's login step)"
            if is_login_location(where)
            else " (soak does not follow redirects; drive the target itself)"
        )
    auth = {s: c for s, c in counts.items() if s in (401, 403)}
    if auth and sum(auth.values()) >= 0.9 * n:
        code = max(auth, key=lambda s: auth[s])
        return (
            f"every request answered {code} (authentication required: give credentials with a scenario's "
            "headers or login step)"
        )
    return ""


def _not_measured(phase: PhaseRun, reason: str) -> dict[str, Any]:
    t = phase.targets[0]
    empty = {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    return {
        "phase": phase.name,
        "name": t.name,
        "method": t.method,
        "path": t.path,
        "endpoint": t.endpoint,
        "kind": "endpoint",
        "requests": 0,
        "failures": 0,
        "errors": {},
        "statuses": {},
        "status_note": "",
        "seconds": 0.0,
        "rps": 0.0,
        "latency_ms": empty,
        "server_ms": None,
        "served": 0,
        "memory": None,
        "rss": None,
        "fds": None,
        "verdict": "not-measured",
        "not_measured": reason,
        "containers": [],
        "sites": [],
        "doctor": None,
        "findings": [],
        "exceptions": [],
        "planned_requests": phase.budget,
        "warmup": 0,
        "stopped_by": "",
        "detectable_bytes_per_request": None,
    }
