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
from pathlib import Path
from typing import Any

from flask_doctor.findings import Finding, sort_findings
from flask_doctor.report import RenderContext, file_line_reader
from flask_doctor.report.json_format import findings_document
from flask_doctor.soak import analysis
from flask_doctor.soak.runner import PhaseRun, SoakSettings

SOAK_REPORT_VERSION = 1


def build_report(
    *,
    app: str,
    root: Path,
    out_dir: Path,
    run: dict[str, Any],
    settings: SoakSettings,
    server_info: dict[str, Any],
    targets_source: str,
    doctor_available: bool,
) -> tuple[dict[str, Any], list[Finding]]:
    phases: list[PhaseRun] = run["phases"]
    measure = "traced" if settings.tracemalloc else "rss"
    warmup = settings.resolved_warmup()
    samples_all = analysis.read_samples(out_dir)
    rows_all = analysis.read_requests(out_dir)
    samples_by: dict[str, list[dict[str, Any]]] = {}
    for rec in samples_all:
        samples_by.setdefault(str(rec.get("phase")), []).append(rec)
    rows_by: dict[str, list[analysis.RequestRow]] = {}
    for row in rows_all:
        rows_by.setdefault(row.phase, []).append(row)

    floor = analysis.noise_floor(samples_by.get("control", []), warmup, measure)
    floor_bpr = float(floor["bytes_per_request"])

    endpoints: list[dict[str, Any]] = []
    mixed: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    findings: list[Finding] = []
    for phase in phases:
        if phase.kind in ("step", "warmup"):
            continue
        label = phase.targets[0].name if phase.kind == "endpoint" else phase.name
        entry = analysis.analyse_phase(phase.name, label, samples_by.get(phase.name, []), rows_by.get(phase.name, []),
                                       phase.result, warmup, measure, floor_bpr, root)
        if phase.kind == "endpoint":
            t = phase.targets[0]
            entry.update({"method": t.method, "path": t.path, "endpoint": t.endpoint})
        entry["kind"] = phase.kind
        if phase.kind == "custom" and phase.result is not None:
            by_name: dict[str, list[Any]] = {}
            for rec in phase.result.records:
                by_name.setdefault(rec.name, []).append(rec)
            entry["by_name"] = {name: {"requests": len(recs), "failures": sum(1 for r in recs if not r.ok),
                                       "latency_ms": analysis._pct([r.ms for r in recs])}
                                for name, recs in sorted(by_name.items())}
        if phase.kind == "control":
            entry["verdict"] = "control"
            control = entry
            continue
        fs = analysis.leak_findings(entry, root) + analysis.fd_findings(entry) + analysis.error_findings(entry)
        if phase.kind == "mixed":
            # the mixed phase only adds what no endpoint alone showed
            seen = {(f.code, f.location) for f in findings}
            fs = [f for f in fs if (f.code, f.location) not in seen]
        if phase.kind == "endpoint":
            fs += analysis.waiting_findings(entry)
        entry["findings"] = [f.code for f in fs]
        findings.extend(fs)
        if phase.kind == "endpoint" or phase.kind == "custom":
            endpoints.append(entry)
        else:
            mixed = entry

    steps = [p for p in phases if p.kind == "step"]
    saturation = None
    if steps:
        saturation = analysis.analyse_steps(steps, rows_by, server_info["capacity"], server_info["workers"],
                                            server_info["worker_class"])
        waiting = [e["name"] for e in endpoints if "FD481" in e.get("findings", [])]
        if not waiting:
            waiting = [e["name"] for e in endpoints
                       if e["server_ms"]["waiting_share"] >= 0.5 and e["server_ms"]["wall"]["p50"] >= 10]
        if not waiting:
            waiting = [f"{p['path']} (wall {p['wall_ms_p50']:.0f} ms, CPU {p['cpu_ms_p50']:.1f} ms)"
                       for p in saturation["paths"] if p["waiting_share"] >= 0.5 and p["wall_ms_p50"] >= 10]
        findings.extend(analysis.saturation_findings(saturation, waiting))

    order = {"leak": 0, "inconclusive": 1, "clean": 2}
    endpoints.sort(key=lambda e: (order.get(e["verdict"], 3), -len(e.get("findings", [])), e["name"]))
    findings = sort_findings(findings)
    fds_by_pid: dict[int, list[list[float]]] = {}
    for rec in samples_all:
        if rec.get("type") in ("sample", "final") and rec.get("fds", -1) >= 0:
            fds_by_pid.setdefault(int(rec["pid"]), []).append([round(rec["t"] - run["started"], 2), rec["fds"]])
    workers = []
    for pid in sorted(set(run["rss_series"]) | set(fds_by_pid)):
        fds = sorted(fds_by_pid.get(pid, []))
        if len(fds) > 400:
            fds = [fds[int(i * len(fds) / 400)] for i in range(400)]
        workers.append({"pid": pid, "rss": [[t, v] for t, v in run["rss_series"].get(pid, [])], "fds": fds})
    ctx = RenderContext(surface="soak", root=root, line_text=file_line_reader(root))
    doc = findings_document(findings, ctx)
    doc["soak"] = {
        "version": SOAK_REPORT_VERSION,
        "app": app,
        "started": _dt.datetime.fromtimestamp(run["started"], _dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round(run["ended"] - run["started"], 2),
        "server": server_info,
        "settings": settings.to_dict(),
        "targets_source": targets_source,
        "measure": measure,
        "runtime_doctor": doctor_available,
        "noise_floor": floor,
        "verdicts": {
            "leaks": [e["name"] for e in endpoints if e["verdict"] == "leak"],
            "mixed_leak": bool(mixed and mixed["verdict"] == "leak"),
            "clean": [e["name"] for e in endpoints if e["verdict"] == "clean"],
            "inconclusive": [e["name"] for e in endpoints if e["verdict"] == "inconclusive"],
            "saturated": bool(saturation and saturation["saturated"]),
        },
        "endpoints": endpoints,
        "mixed": mixed,
        "control": control,
        "saturation": saturation,
        "workers": workers,
    }
    return doc, findings
