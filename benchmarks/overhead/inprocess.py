"""In-process overhead of ``Doctor(app)``: alternate bare and instrumented handling.

Two copies of the same application (same database, same rows), one bare and
one with ``Doctor(app)`` at default settings, handle the same request by a
direct WSGI call, alternating request by request; the paired difference of
thread CPU time gives the added µs per request with a 95 % confidence
interval.  Two costs are reported:

* ``added_request_cpu_us``: CPU added to the thread that handles the
  request (what delays the response), and
* ``aggregation_cpu_us``: the detectors and store writes that normally run
  on the background thread (``doctor.flush()``), timed separately and
  charged per request; ``added_total_cpu_us`` is the sum (what costs
  throughput).

Usage::

    python -m benchmarks.overhead.inprocess [--db URL] [--pairs 5000] [--batch 500] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from benchmarks.overhead.apps import create_app

# Two-sided 95 % Student t quantiles by degrees of freedom.
T95 = {
    1: 12.71,
    2: 4.30,
    3: 3.18,
    4: 2.78,
    5: 2.57,
    6: 2.45,
    7: 2.36,
    8: 2.31,
    9: 2.26,
    10: 2.23,
    15: 2.13,
    20: 2.09,
    25: 2.06,
    30: 2.04,
    40: 2.02,
    60: 2.00,
    120: 1.98,
}


def t95(df: int) -> float:
    for k in sorted(T95):
        if df <= k:
            return T95[k]
    return 1.96


def ci(values: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    return mean, t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def caller(app: Any, path: str) -> Callable[[], None]:
    template = EnvironBuilder(path=path, base_url="http://localhost").get_environ()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"{path}: {status}")

    def call() -> None:
        environ = dict(template)
        result = app(environ, start_response)
        try:
            for _ in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return call


def bench_endpoint(bare: Any, doc_app: Any, doctor: Any, path: str, pairs: int, batch: int) -> dict[str, Any]:
    """Alternate bare and instrumented requests one by one; paired CPU differences.

    Alternating request by request cancels drift (other processes, CPU
    frequency) that makes batch-level comparisons on a shared 2-core machine
    swing by 10 %.  Each request is timed with the thread's CPU clock; the
    aggregation work (``doctor.flush()``, normally on the background thread)
    is timed separately every ``batch`` requests and charged per request.
    """
    from benchmarks.overhead.components import warm_up

    b_call, d_call = caller(bare, path), caller(doc_app, path)
    # warm up both (caches, pools, compiled SQL) for 3 s: the doctor adapts the share of requests
    # it records in detail to the traffic it has seen for 2 s, as it does in production
    warm_up(b_call, d_call, doctor)
    clock = time.thread_time
    diffs: list[float] = []
    bare_times: list[float] = []
    agg_times: list[float] = []
    for i in range(pairs):
        first, second = (b_call, d_call) if i % 2 == 0 else (d_call, b_call)
        t0 = clock()
        first()
        t1 = clock()
        second()
        t2 = clock()
        b, d = (t1 - t0, t2 - t1) if i % 2 == 0 else (t2 - t1, t1 - t0)
        diffs.append((d - b) * 1e6)
        bare_times.append(b * 1e6)
        if (i + 1) % batch == 0:
            a0 = time.process_time()
            doctor.flush()
            agg_times.append((time.process_time() - a0) / batch * 1e6)
    trimmed = trim(diffs, 0.01)
    mean, half = ci(trimmed)
    agg_mean, agg_half = ci(agg_times)
    base = statistics.median(bare_times)
    total = mean + agg_mean
    return {
        "path": path,
        "pairs": pairs,
        "bare_cpu_us_median": round(base, 2),
        "added_request_cpu_us": round(mean, 2),
        "added_request_cpu_us_ci95": round(half, 2),
        "added_request_cpu_us_median": round(statistics.median(diffs), 2),
        "aggregation_cpu_us": round(agg_mean, 2),
        "aggregation_cpu_us_ci95": round(agg_half, 2),
        "added_total_cpu_us": round(total, 2),
        "added_total_cpu_us_ci95": round(math.hypot(half, agg_half), 2),
        "overhead_pct": round(100.0 * total / base, 2),
    }


def bench_toggle(
    app: Any, doctor: Any, path: str, pairs: int, batch: int, floor_us: float, statements: int
) -> dict[str, Any]:
    """One app; the doctor switched on and off request by request: the same objects on both sides.

    Two copies of an app differ by more than the doctor (their engines,
    connections and memory layout): on a loaded 2-core machine a bare copy
    against another bare copy already differs by ±15 µs on the 10-query
    endpoint.  Here the same app handles every request; "off" bypasses the
    WSGI wrapper, so the SQL listeners find no trace and return at once.
    Adding and removing them per request would disturb the garbage
    collector more than they cost, so what an attached listener costs when
    it does nothing (SQLAlchemy's event dispatch, measured alone: the floor
    any listener pays) is added per statement: ``floor_us`` x ``statements``.
    """
    from benchmarks.overhead.components import warm_up

    call = caller(app, path)
    warm_up(call, call, doctor)
    clock = time.thread_time
    diffs: list[float] = []
    bare_times: list[float] = []
    agg_times: list[float] = []
    for i in range(pairs):
        times = {}
        for on in (False, True) if i % 2 == 0 else (True, False):
            doctor._off = not on
            t0 = clock()
            call()
            times[on] = clock() - t0
        diffs.append((times[True] - times[False]) * 1e6)
        bare_times.append(times[False] * 1e6)
        if (i + 1) % batch == 0:
            a0 = time.process_time()
            doctor.flush()
            agg_times.append((time.process_time() - a0) / batch * 1e6)
    doctor._off = False
    mean, half = ci(trim(diffs, 0.01))
    agg_mean, agg_half = ci(agg_times)
    base = statistics.median(bare_times)
    floor = floor_us * statements
    total = mean + agg_mean + floor
    return {
        "path": path,
        "pairs": pairs,
        "bare_cpu_us_median": round(base, 2),
        "added_request_cpu_us": round(mean + floor, 2),
        "added_request_cpu_us_ci95": round(half, 2),
        "added_request_cpu_us_median": round(statistics.median(diffs) + floor, 2),
        "of_which_sqlalchemy_dispatch_us": round(floor, 2),
        "aggregation_cpu_us": round(agg_mean, 2),
        "aggregation_cpu_us_ci95": round(agg_half, 2),
        "added_total_cpu_us": round(total, 2),
        "added_total_cpu_us_ci95": round(math.hypot(half, agg_half), 2),
        "overhead_pct": round(100.0 * total / base, 2),
        "detail_every": doctor._detail_every,
    }


def trim(values: list[float], fraction: float) -> list[float]:
    """Drop the most extreme ``fraction`` at each end (preemption spikes of a shared machine)."""
    data = sorted(values)
    k = int(len(data) * fraction)
    return data[k : len(data) - k] if k else data


def store_memory(doc_app: Any, doctor: Any, total: int) -> list[dict[str, Any]]:
    """Memory held by the doctor's own data structures over ``total`` requests (tracemalloc)."""
    paths = ["/one", "/ten", "/template", "/hello"]
    calls = [caller(doc_app, p) for p in paths]
    miss = [caller(doc_app, f"/nope/{i}") for i in range(0)]
    del miss
    tracemalloc.start(1)
    pattern = [tracemalloc.Filter(True, os.path.join("*", "flask_doctor", "*"))]
    points = []
    checkpoints = {1_000, 10_000, 25_000, 50_000, 75_000, total}
    notfound_template = EnvironBuilder(path="/nope", base_url="http://localhost").get_environ()

    def notfound(i: int) -> None:
        environ = dict(notfound_template, PATH_INFO=f"/nope/{i}")
        for _ in doc_app(environ, lambda *a, **k: None):
            pass

    for i in range(1, total + 1):
        if i % 10 == 0:
            notfound(i)  # unique URLs must not grow anything
        else:
            calls[i % len(calls)]()
        if i % 1000 == 0:
            doctor.flush(memory=(i % 5000 == 0))
        if i in checkpoints:
            doctor.flush()
            snap = tracemalloc.take_snapshot().filter_traces(pattern)
            held = sum(s.size for s in snap.statistics("filename"))
            points.append({"requests": i, "doctor_bytes": held})
    tracemalloc.stop()
    return points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("FLASK_DOCTOR_BENCH_DB", "sqlite:////tmp/fdbench.db"))
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--mode",
        choices=["toggle", "apps"],
        default="toggle",
        help="toggle: one app, the doctor switched on and off per request (default); "
        "apps: a bare and an instrumented copy of the app",
    )
    args = parser.parse_args(argv)

    doc_app, doctor = create_app(args.db, doctor=True, background=False)
    bare = create_app(args.db)[0] if args.mode == "apps" else None
    floor = 0.0
    if bare is None:
        from benchmarks.overhead.components import statement_cost

        floor = statement_cost(rounds=20)["added_us"]["noop listener"]
        print(json.dumps({"sqlalchemy_dispatch_floor_us_per_statement": floor}), file=sys.stderr)
    results = []
    for path, statements in (("/one", 1), ("/ten", 10), ("/template", 1)):
        if bare is not None:
            row = bench_endpoint(bare, doc_app, doctor, path, args.pairs, args.batch)
        else:
            row = bench_toggle(doc_app, doctor, path, args.pairs, args.batch, floor, statements)
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    memory = store_memory(doc_app, doctor, args.memory_requests) if args.memory_requests else []
    document = {
        "benchmark": "inprocess-overhead",
        "db": args.db.split("://")[0],
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": "Doctor(app) defaults; background thread off, doctor.flush() timed separately and charged "
        "per request",
        "mode": args.mode,
        "sqlalchemy_dispatch_floor_us_per_statement": floor,
        "method": (
            "one app, the doctor switched on and off request by request (WSGI wrapper bypassed; the SQL "
            "listeners' idle cost, SQLAlchemy's event dispatch measured alone, added per statement)"
            if args.mode == "toggle"
            else "a bare and an instrumented copy of the app"
        )
        + "; requests alternate one by one after a 3 s warm-up; thread CPU per request; 1 % trimmed mean of "
        "paired differences, Student t 95 % CI",
        "endpoints": results,
        "store_memory": memory,
    }
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
