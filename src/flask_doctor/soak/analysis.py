"""From raw samples to verdicts and findings.

Memory measure: by default the bytes Python has allocated and still holds
(``tracemalloc.get_traced_memory()``), read right after a full
``gc.collect()`` in a worker that has just finished a request.  That number
moves by the byte and does not depend on when the collector last ran, on
pymalloc arenas or on the kernel's page accounting - so it resolves a leak
of a few dozen bytes per request, where RSS (pages, arenas, fragmentation)
needs kilobytes.  RSS is still sampled and reported, and is the measure
when ``--no-tracemalloc`` is given.

Verdict for a phase (an endpoint driven alone):

* ``leak`` when the Theil-Sen slope's 95% interval is above zero, the slope
  is above the noise floor (twice the largest slope the control phase's
  interval allows, and never below ``MIN_FLOOR``), the total growth is
  above ``MIN_GROWTH``, and the second half of the phase grows too (a cache
  that fills once and stops is not a leak);
* ``clean`` otherwise; ``inconclusive`` when there were too few samples.
"""

from __future__ import annotations

import ast
import json
import math
import os
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding, Fix, Location
from flask_doctor.percentiles import percentile
from flask_doctor.redaction import redact_text
from flask_doctor.rulebook import new_finding
from flask_doctor.soak.stats import Trend, theil_sen

#: bytes/request below which nothing is called a leak, per measure
MIN_FLOOR = {"traced": 8.0, "rss": 256.0}
#: total growth over a phase below which nothing is called a leak
MIN_GROWTH = {"traced": 16 * 1024, "rss": 512 * 1024}
MIN_POINTS = 8


# ------------------------------------------------------------------ reading
def read_samples(out_dir: Path, phase: str | None = None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted((Path(out_dir) / "agent").glob("samples-*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # a line being written right now
                if phase is None or rec.get("phase") == phase:
                    records.append(rec)
    return records


def read_exceptions(out_dir: Path, root: Path) -> list[dict[str, Any]]:
    """Exceptions the app raised in the workers (first of each kind per worker), secrets masked."""
    found: list[dict[str, Any]] = []
    for path in sorted((Path(out_dir) / "agent").glob("errors-*.jsonl")):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines[:200]:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            rec["message"] = redact_text(str(rec.get("message", "")))
            rec["traceback"] = redact_text(str(rec.get("traceback", "")))
            rec["file"] = _relpath(str(rec.get("file", "")), root)
            found.append(rec)
    return found


@dataclass
class RequestRow:
    phase: str
    path: str
    status: int
    seq: int
    start: float
    wall_ms: float
    cpu_ms: float
    inflight: int
    pid: int


def read_requests(out_dir: Path) -> list[RequestRow]:
    rows: list[RequestRow] = []
    for path in sorted((Path(out_dir) / "agent").glob("requests-*.csv")):
        pid = int(path.stem.split("-", 1)[1])
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 8:
                    continue
                try:
                    rows.append(
                        RequestRow(
                            parts[0],
                            parts[1],
                            int(parts[2] or 0),
                            int(parts[3] or -1),
                            float(parts[4]),
                            float(parts[5]),
                            float(parts[6]),
                            int(parts[7]),
                            pid,
                        )
                    )
                except ValueError:
                    continue
    return rows


# ------------------------------------------------------------------ fitting
@dataclass
class Fit:
    measure: str
    trend: Trend
    late: Trend
    growth: float
    series: list[tuple[int, float, int]] = field(default_factory=list)  # (n, value, pid)
    early: Trend | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            **self.trend.to_dict(),
            "late_slope": self.late.slope,
            "late_low": self.late.low,
            "late_high": self.late.high,
            "early_slope": self.early.slope if self.early else self.trend.slope,
            "growth": self.growth,
        }


def _strata(samples: Iterable[dict[str, Any]], warmup: int, key: str) -> dict[int, list[tuple[int, float]]]:
    samples = [rec for rec in samples if rec.get("type") in ("sample", "final") and rec.get("n", 0) >= warmup]
    # With threads or greenlets a sample may catch other requests half-way,
    # holding their temporary objects: keep the samples taken while the
    # worker was otherwise idle, when there are enough of them.
    idle = [rec for rec in samples if not rec.get("inflight")]
    if len(idle) >= max(MIN_POINTS, len(samples) // 2):
        samples = idle
    by_pid: dict[int, dict[int, float]] = {}
    for rec in samples:
        value = rec.get(key)
        if value is None:
            continue
        by_pid.setdefault(int(rec["pid"]), {})[int(rec["n"])] = float(value)
    return {pid: sorted(points.items()) for pid, points in by_pid.items() if len(points) >= 2}


def fit_key(samples: list[dict[str, Any]], warmup: int, key: str, measure: str | None = None) -> Fit | None:
    strata = _strata(samples, warmup, key)
    if sum(len(p) for p in strata.values()) < MIN_POINTS:
        return None
    trend = theil_sen([([x for x, _ in pts], [y for _, y in pts]) for pts in strata.values()])
    early_strata, late_strata = [], []
    for pts in strata.values():
        first, second = pts[: (len(pts) + 1) // 2], pts[len(pts) // 2 :]
        if len(second) >= 3:
            late_strata.append(([x for x, _ in second], [y for _, y in second]))
            early_strata.append(([x for x, _ in first], [y for _, y in first]))
    late = theil_sen(late_strata) if late_strata else trend
    early = theil_sen(early_strata) if early_strata else trend
    series = [(x, y, pid) for pid, pts in strata.items() for x, y in pts]
    return Fit(measure or key, trend, late, trend.slope * trend.x_span, series, early)


def memory_fit(samples: list[dict[str, Any]], warmup: int, measure: str) -> Fit | None:
    return fit_key(samples, warmup, measure, measure)


def noise_floor(samples: list[dict[str, Any]], warmup: int, measure: str) -> dict[str, Any]:
    """Noise floor in bytes/request, from the control phase's interval."""
    fit = memory_fit(samples, warmup, measure)
    base = MIN_FLOOR[measure]
    if fit is None:
        return {"bytes_per_request": base, "measure": measure, "control": None}
    noise = max(abs(fit.trend.low), abs(fit.trend.high), abs(fit.trend.slope))
    return {"bytes_per_request": max(base, 2.0 * noise), "measure": measure, "control": fit.to_dict()}


def verdict(fit: Fit | None, floor: float, measure: str) -> str:
    if fit is None:
        return "inconclusive"
    t = fit.trend
    early = fit.early.slope if fit.early is not None else t.slope
    if (
        t.low > 0
        and t.slope > floor
        and fit.growth >= MIN_GROWTH[measure]
        and fit.late.slope > floor / 2
        and fit.late.low > 0
        # a leak keeps its pace; a bounded cache filling up slows down
        and fit.late.slope >= 0.5 * early
    ):
        return "leak"
    return "clean"


# ------------------------------------------------------------------ helpers
def _pct(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "p99": round(percentile(values, 99), 3),
        "mean": round(sum(values) / len(values), 3) if values else 0.0,
        "max": round(max(values), 3) if values else 0.0,
    }


def _thin(series: list[tuple[int, float, int]], limit: int = 300) -> list[list[float]]:
    if len(series) <= limit:
        return [[x, y, pid] for x, y, pid in series]
    step = len(series) / limit
    return [list(series[int(i * step)]) for i in range(limit)]


def _relpath(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root) if os.path.isabs(path) and path.startswith(str(root)) else path
    except ValueError:
        return path


def _definition_line(path: str, name: str) -> int:
    """Line of the module-level assignment (or def) of ``name`` in ``path``."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return 0
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node.decorator_list[0].lineno if node.decorator_list else node.lineno
    return 0


def _fmt_bytes(n: float) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1024
    return f"{sign}{n:.1f} GiB"  # pragma: no cover


def status_profile(client: Any, accept: tuple[int, ...] = ()) -> dict[str, Any]:
    """Statuses one phase got, and which 4xx count as failures.

    A 4xx is by design when the endpoint answered it from the first request
    to the last (401 of a token API, 404 of a feature that is off); it is a
    failure when it appeared next to successful answers, i.e. the answer
    changed during the run (429 once a limit is hit, 413, 409 under races).
    """
    counts: dict[int, int] = {}
    for per_name in (getattr(client, "statuses", None) or {}).values():
        for status, n in per_name.items():
            counts[int(status)] = counts.get(int(status), 0) + n
    total = sum(counts.values())
    four = {s: n for s, n in counts.items() if 400 <= s < 500 and s not in accept}
    good = sum(n for s, n in counts.items() if 100 <= s < 400 or s in accept)
    changed = bool(four) and good > 0
    note = ""
    if four and not changed and len(four) == 1 and sum(four.values()) == total:
        code = next(iter(four))
        note = f"answered {code} to every request (by design; not counted as errors)"
    return {
        "counts": {str(k): v for k, v in sorted(counts.items())},
        "client_errors": sum(four.values()),
        "client_errors_are_failures": changed,
        "note": note,
    }


def detectable(requests: int, warmup: int, floor: float, measure: str) -> float:
    """The smallest slope (bytes/request) a phase of ``requests`` can call a leak.

    It must be above the noise floor and grow at least ``MIN_GROWTH`` over
    the fitted requests (those after the phase's warm-up).
    """
    fitted = max(1, requests - warmup)
    # Rounded up to 0.1 B/req: rounded to the nearest it could come out below the floor (14.1 for
    # 14.115), a slope the phase cannot tell from noise.
    return math.ceil(round(max(floor, MIN_GROWTH[measure] / fitted) * 10, 6)) / 10


# ------------------------------------------------------------------ per phase
def analyse_phase(
    name: str,
    label: str,
    samples: list[dict[str, Any]],
    rows: list[RequestRow],
    client: Any,
    warmup: int,
    measure: str,
    floor: float,
    root: Path,
) -> dict[str, Any]:
    mem = memory_fit(samples, warmup, measure)
    rss = memory_fit(samples, warmup, "rss") if measure != "rss" else mem
    fds = fit_key(samples, warmup, "fds")
    v = verdict(mem, floor, measure)
    # module-level containers that grow with requests
    containers: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    names: set[str] = set()
    for rec in samples:
        names.update((rec.get("containers") or {}).keys())
        files.update(rec.get("files") or {})
    for cname in sorted(names):
        strata: dict[int, list[tuple[int, float]]] = {}
        for rec in samples:
            if (
                rec.get("type") in ("sample", "final")
                and rec.get("n", 0) >= warmup
                and cname in (rec.get("containers") or {})
            ):
                strata.setdefault(int(rec["pid"]), []).append((int(rec["n"]), float(rec["containers"][cname])))
        pts = [s for s in strata.values() if len(s) >= 2]
        if sum(len(s) for s in pts) < MIN_POINTS:
            continue
        t = theil_sen([([x for x, _ in s], [y for _, y in s]) for s in pts])
        if t.low > 0 and t.slope >= 0.01 and t.slope * t.x_span >= 10:
            module, _, attr = cname.partition(":")
            lru = attr.endswith("()")
            attr = attr[:-2] if lru else attr
            containers.append(
                {
                    "name": cname,
                    "module": module,
                    "attr": attr,
                    "lru": lru,
                    "slope": t.slope,
                    "low": t.low,
                    "high": t.high,
                    "grew_by": round(t.slope * t.x_span),
                    "file": files.get(module, ""),
                }
            )
    sites: list[dict[str, Any]] = []
    for rec in samples:
        if rec.get("type") == "sites":
            for s in rec.get("sites", []):
                sites.append(
                    {
                        **s,
                        "file": _relpath(s["file"], root),
                        "pid": rec["pid"],
                        "per_request": s["size_diff"] / max(1, rec.get("n_end", 0) - rec.get("n_base", 0)),
                    }
                )
    sites.sort(key=lambda s: (-int(s.get("user", False)), -s["size_diff"]))
    lat = [r.ms for r in client.records] if client is not None else []
    walls = [r.wall_ms for r in rows]
    cpus = [r.cpu_ms for r in rows]
    wall_sum = sum(walls)
    waiting = (wall_sum - sum(cpus)) / wall_sum if wall_sum > 0 else 0.0
    errors = dict(client.errors) if client is not None else {}
    status5 = sum(1 for r in rows if r.status >= 500)
    profile = status_profile(client)
    failures = client.failures if client is not None else status5
    if profile["client_errors_are_failures"]:
        failures += profile["client_errors"]
        for status, n in profile["counts"].items():
            if 400 <= int(status) < 500:
                errors[f"HTTP {status} (changed during the run)"] = n
    return {
        "phase": name,
        "name": label,
        "requests": client.requests if client is not None else len(rows),
        "failures": failures,
        "errors": errors,
        "statuses": profile["counts"],
        "status_note": profile["note"],
        "seconds": round(client.seconds, 3) if client is not None else 0.0,
        "rps": round(client.rps, 2) if client is not None else 0.0,
        "latency_ms": _pct(lat),
        "server_ms": {"wall": _pct(walls), "cpu": _pct(cpus), "waiting_share": round(max(0.0, waiting), 3)},
        "served": len(rows),
        "memory": None if mem is None else {**mem.to_dict(), "series": _thin(mem.series)},
        "rss": None if rss is None else {**rss.to_dict(), "series": _thin(rss.series)},
        "fds": None if fds is None else {**fds.to_dict(), "series": _thin(fds.series)},
        "verdict": v,
        "containers": containers,
        "sites": sites[:8],
        "doctor": next((rec.get("doctor") for rec in reversed(samples) if rec.get("doctor") is not None), None),
    }


# ------------------------------------------------------------------ findings
def leak_findings(entry: dict[str, Any], root: Path) -> list[Finding]:
    if entry["verdict"] != "leak":
        return []
    mem = entry["memory"]
    obj = f"endpoint:{entry['name']}"
    slope = f"{mem['slope']:.0f} B/request (95% CI {mem['low']:.0f}..{mem['high']:.0f})"
    base_ev = [
        Evidence(
            f"{entry['name']}: memory kept grows {slope} over {mem['x_span']:.0f} requests "
            f"per worker ({_fmt_bytes(mem['growth'])} in total, {mem['measure']} memory)"
        )
    ]
    user_sites = [s for s in entry["sites"] if s.get("user")]
    site_ev = [
        Evidence(
            f"grew {_fmt_bytes(s['size_diff'])} ({s['per_request']:.0f} B/request, "
            f"{s['count_diff']} blocks)" + (f" via {os.path.basename(s['via'][0])}" if s.get("via") else ""),
            Location(s["file"], s["line"]),
        )
        for s in user_sites[:3]
    ]
    findings: list[Finding] = []
    for c in entry["containers"]:
        file = c.get("file") or ""
        line = _definition_line(file, c["attr"]) if file else 0
        loc = Location(_relpath(file, root), line) if file else None
        is_lru = bool(c.get("lru"))
        ev = (
            base_ev
            + [
                Evidence(
                    f"{c['module']}.{c['attr']} gains {c['slope']:.2f} entries per request "
                    f"(+{c['grew_by']} during the phase)",
                    loc,
                )
            ]
            + site_ev
        )
        if is_lru:
            findings.append(
                new_finding(
                    "FD102",
                    surface="soak",
                    obj=obj,
                    message=f"{c['module']}.{c['attr']} is an lru_cache without maxsize fed by requests to "
                    f"{entry['name']}: it grows {slope}",
                    hint="give the cache a maxsize (or a TTL cache) sized for the distinct keys you expect",
                    location=loc,
                    evidence=tuple(ev),
                    fix=Fix("Bound the cache: functools.lru_cache(maxsize=1024) or cachetools.TTLCache."),
                    key=f"soak:{entry['name']}:{c['name']}",
                )
            )
        else:
            findings.append(
                new_finding(
                    "FD101",
                    surface="soak",
                    obj=obj,
                    message=f"module-level {c['module']}.{c['attr']} grows with every request to {entry['name']}: "
                    f"memory grows {slope}",
                    hint="bound it (cachetools.LRUCache/TTLCache), move it to Redis or Flask-Caching, or keep the "
                    "data per request",
                    location=loc,
                    evidence=tuple(ev),
                    fix=Fix(
                        "Replace the module-level container with a bounded cache "
                        "(cachetools.TTLCache(maxsize=..., ttl=...)) or an external store."
                    ),
                    key=f"soak:{entry['name']}:{c['name']}",
                )
            )
    if findings:
        return findings
    ctx_site = next(
        (
            s
            for s in user_sites
            if any("flask/ctx.py" in f.replace(os.sep, "/") for f in s.get("via", []) + s.get("stack", []))
        ),
        None,
    )
    if ctx_site is not None:
        loc = Location(ctx_site["file"], ctx_site["line"])
        return [
            new_finding(
                "FD105",
                surface="soak",
                obj=obj,
                message=f"app contexts pushed at {ctx_site['file']}:{ctx_site['line']} are never popped: memory grows "
                f"{slope} with requests to {entry['name']}",
                hint="use `with app.app_context():` so the context is popped (and teardown runs) even on errors",
                location=loc,
                evidence=tuple(base_ev + site_ev),
                fix=Fix("Replace `app.app_context().push()` with `with app.app_context(): ...`."),
                key=f"soak:{entry['name']}:ctx",
            )
        ]
    loc = Location(user_sites[0]["file"], user_sites[0]["line"]) if user_sites else None
    return [
        new_finding(
            "FD180",
            surface="soak",
            obj=obj,
            message=f"memory grows {slope} with requests to {entry['name']}"
            + (f"; most of it allocated at {loc}" if loc else ""),
            hint="find what keeps a reference to per-request data (module globals, class attributes, closures, "
            "caches, contexts) and release it or bound it",
            location=loc,
            evidence=tuple(base_ev + site_ev),
            fix=Fix("Release per-request data when the request ends, or bound whatever keeps it."),
            key=f"soak:{entry['name']}:mem",
        )
    ]


def fd_findings(entry: dict[str, Any]) -> list[Finding]:
    fds = entry.get("fds")
    if not fds or not (fds["low"] > 0 and fds["growth"] >= 16 and fds["late_low"] > 0):
        return []
    return [
        new_finding(
            "FD182",
            surface="soak",
            obj=f"endpoint:{entry['name']}",
            message=f"open file descriptors grow {fds['slope']:.3f} per request to {entry['name']} "
            f"(+{fds['growth']:.0f} during the phase)",
            hint="close files, sockets and connections opened per request (with-blocks, teardown_appcontext, "
            "Session.remove())",
            evidence=(Evidence(f"95% CI {fds['low']:.3f}..{fds['high']:.3f} descriptors/request"),),
            fix=Fix("Close per-request resources in a with-block or a teardown function."),
            key=f"soak:{entry['name']}:fds",
        )
    ]


def error_findings(entry: dict[str, Any], crashed: bool = False) -> list[Finding]:
    """FD580: 5xx answers and connection failures (and 4xx that changed during the run), with their cause."""
    req, fail = entry["requests"], entry["failures"]
    if not req or fail / req < 0.01:
        return []
    top = sorted(entry["errors"].items(), key=lambda kv: -kv[1])[:3]
    evidence = [Evidence(f"{n}x {msg}") for msg, n in top]
    exceptions = entry.get("exceptions") or []
    for exc in exceptions[:3]:
        loc = Location(exc["file"], int(exc["line"])) if exc.get("file") and exc.get("line") else None
        evidence.append(Evidence(f"{exc['type']}: {exc['message'][:200]} (raised {exc.get('count', 1)}x)", loc))
    anchor = f"report.html#{_anchor_of(entry)}"
    if exceptions:
        hint = (
            f"the traceback of each exception is in {anchor} and in report.json "
            "(soak.endpoints[].exceptions); fix the line it names"
        )
    elif crashed:
        hint = "a worker died while serving these requests: see FD581 for the request that killed it"
    else:
        hint = (
            "no exception reached Flask: the view or an error handler returned the error itself, or the "
            f"connection failed; the server's last log lines are in {anchor} and report.json (soak.log)"
        )
    first = next((exc for exc in exceptions if exc.get("file") and exc.get("line")), None)
    return [
        new_finding(
            "FD580",
            surface="soak",
            obj=f"endpoint:{entry['name']}",
            message=f"{fail} of {req} requests to {entry['name']} failed under load ({100 * fail / req:.1f}%)",
            hint=hint,
            location=Location(first["file"], int(first["line"])) if first else None,
            evidence=tuple(evidence),
            key=f"soak:{entry['name']}:errors",
        )
    ]


def _anchor_of(entry: dict[str, Any]) -> str:
    return "ep-" + "".join(c if c.isalnum() else "-" for c in str(entry.get("phase") or entry["name"]))


def crash_findings(crashes: list[Any]) -> list[Finding]:
    """FD581: one finding per soak target whose request killed a worker (and one for deaths while idle)."""
    by_target: dict[str, list[Any]] = {}
    for crash in crashes:
        by_target.setdefault(crash.target or "", []).append(crash)
    findings = []
    for target, group in sorted(by_target.items()):
        first = group[0]
        evidence = []
        for crash in group[:5]:
            req = crash.inflight[0] if crash.inflight else None
            what = (
                f"request #{req.count} to {req.target} ({req.request}) in that worker, phase {crash.phase}"
                if req
                else f"no request in flight, phase {crash.phase}"
            )
            how = crash.exit or ("gunicorn stopped with it" if crash.master_died else "exit status not logged")
            evidence.append(
                Evidence(f"worker {crash.pid} died {crash.seconds:.1f}s into the soak during {what}: {how}")
            )
            evidence.extend(Evidence(f"log: {line}") for line in crash.log[-2:])
        if target:
            req = first.inflight[0]
            message = (
                f"a gunicorn worker died while serving {target}: request #{req.count} to it in that worker "
                f"({req.request})"
                + (f"; {len(group)} workers died" if len(group) > 1 else "")
                + "; soak stopped sending it and measured the other endpoints"
            )
            hint = (
                "look for os._exit/sys.exit, a crash in a C extension (segfault), memory use that brings the "
                "OOM killer, or a request longer than gunicorn's timeout in this view"
            )
        else:
            message = f"{len(group)} gunicorn worker(s) died with no request in flight"
            hint = "a background thread or a signal ended the worker: read the log lines in the evidence"
        if first.master_died:
            message += "; gunicorn itself stopped"
            hint += (
                "; gunicorn stops entirely when a worker exits with code 3 or 4 (it reads them as a boot "
                "or app-load failure)"
            )
        findings.append(
            new_finding(
                "FD581",
                surface="soak",
                obj=f"endpoint:{target}" if target else "server:gunicorn",
                message=message,
                hint=hint,
                evidence=tuple(evidence),
                key=f"soak:{target or '-'}:crash",
            )
        )
    return findings


def waiting_findings(entry: dict[str, Any]) -> list[Finding]:
    sm = entry["server_ms"]
    if sm["wall"]["p50"] < 20 or sm["waiting_share"] < 0.7:
        return []
    return [
        new_finding(
            "FD481",
            surface="soak",
            obj=f"endpoint:{entry['name']}",
            message=f"{entry['name']} spends {100 * sm['waiting_share']:.0f}% of its wall time waiting "
            f"(median wall {sm['wall']['p50']:.1f} ms, CPU {sm['cpu']['p50']:.1f} ms)",
            hint="add timeouts, cache the slow call, move it to a background job, or use gevent/gthread workers",
            key=f"soak:{entry['name']}:waiting",
        )
    ]


# ------------------------------------------------------------------ saturation
def analyse_steps(
    steps: list[Any], rows_by_phase: dict[str, list[RequestRow]], capacity: int, workers: int, worker_class: str
) -> dict[str, Any]:
    out = []
    for phase in steps:
        client = phase.result
        rows = rows_by_phase.get(phase.name, [])
        server_by_seq = {r.seq: r for r in rows if r.seq >= 0}
        queue = [
            max(0.0, rec.ms - server_by_seq[rec.seq].wall_ms) for rec in client.records if rec.seq in server_by_seq
        ]
        walls = [r.wall_ms for r in rows]
        cpus = [r.cpu_ms for r in rows]
        span = max(1e-6, phase.ended - phase.started)
        busy = sum(walls) / 1000.0
        in_service = busy / span
        cpu_util = sum(phase.cpu_seconds.values()) / (span * max(1, workers))
        wall_sum = sum(walls)
        out.append(
            {
                "phase": phase.name,
                "users": phase.users,
                "requests": client.requests,
                "failures": client.failures,
                "error_rate": round(client.failures / client.requests, 4) if client.requests else 0.0,
                "rps": round(client.rps, 2),
                "latency_ms": _pct([r.ms for r in client.records]),
                "server_wall_ms": _pct(walls),
                "queue_ms": _pct(queue),
                "in_service_mean": round(in_service, 2),
                "in_service_max": max((r.inflight for r in rows), default=0),
                "capacity": capacity,
                "worker_cpu_util": round(cpu_util, 3),
                "waiting_share": round((wall_sum - sum(cpus)) / wall_sum, 3) if wall_sum else 0.0,
            }
        )
    by_path: dict[str, list[RequestRow]] = {}
    for phase in steps:
        for r in rows_by_phase.get(phase.name, []):
            by_path.setdefault(r.path, []).append(r)
    paths = []
    for path, rs in sorted(by_path.items()):
        wall = sum(r.wall_ms for r in rs)
        paths.append(
            {
                "path": path,
                "requests": len(rs),
                "wall_ms_p50": round(percentile([r.wall_ms for r in rs], 50), 3),
                "cpu_ms_p50": round(percentile([r.cpu_ms for r in rs], 50), 3),
                "waiting_share": round((wall - sum(r.cpu_ms for r in rs)) / wall, 3) if wall else 0.0,
            }
        )
    saturated_at = None
    for s in out:
        if (
            s["users"] > capacity
            and s["in_service_max"] >= capacity
            and s["in_service_mean"] >= 0.5 * capacity
            and s["queue_ms"]["p50"] >= max(10.0, s["server_wall_ms"]["p50"])
            and s["waiting_share"] >= 0.5
        ):
            saturated_at = s
            break
    return {
        "steps": out,
        "paths": paths,
        "capacity": capacity,
        "worker_class": worker_class,
        "workers": workers,
        "saturated": saturated_at is not None,
        "saturated_at_users": saturated_at["users"] if saturated_at else None,
    }


def saturation_findings(sat: dict[str, Any], waiting_endpoints: list[str]) -> list[Finding]:
    if not sat.get("saturated"):
        return []
    s = next(x for x in sat["steps"] if x["users"] == sat["saturated_at_users"])
    ev = [
        Evidence(
            f"{x['users']:>3} users: {x['rps']:.0f} req/s, latency p50 {x['latency_ms']['p50']:.0f} ms / "
            f"p95 {x['latency_ms']['p95']:.0f} ms, queue p50 {x['queue_ms']['p50']:.0f} ms, "
            f"in service {x['in_service_mean']:.1f}/{x['capacity']}, worker CPU {100 * x['worker_cpu_util']:.0f}%, "
            f"errors {100 * x['error_rate']:.1f}%"
        )
        for x in sat["steps"]
    ]
    if waiting_endpoints:
        ev.append(Evidence("endpoints that mostly wait: " + ", ".join(waiting_endpoints[:10])))
    return [
        new_finding(
            "FD480",
            surface="soak",
            obj=f"server:gunicorn {sat['worker_class']} x{sat['workers']}",
            message=f"{sat['workers']} {sat['worker_class']} worker(s) saturate at {s['users']} concurrent users: "
            f"requests wait {s['queue_ms']['p50']:.0f} ms in the queue (median) while the workers spend "
            f"{100 * s['waiting_share']:.0f}% of their time waiting, not computing",
            hint="use gevent or gthread workers for I/O-bound views (gunicorn -k gevent / -k gthread --threads N), "
            "add timeouts, or move slow calls to background jobs",
            evidence=tuple(ev),
            fix=Fix(
                "Run I/O-bound apps with `gunicorn -k gevent` (or `-k gthread --threads 8`) and put timeouts on "
                "outgoing calls."
            ),
            key=f"soak:saturation:{sat['worker_class']}",
        )
    ]
