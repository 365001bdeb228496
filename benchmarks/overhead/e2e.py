"""End-to-end throughput under gunicorn: bare vs Doctor vs sentry-sdk vs OpenTelemetry vs prometheus-flask-exporter.

One gthread worker with 4 threads pinned to CPU 0, wrk pinned to CPU 1 on
loopback (the anchors measured the same way); every variant is served at once on
its own port and rounds interleave the variants so drift hits all of them.
Throughput is reported relative to bare in the same round.  On a shared
2-core machine rounds vary by ~10 %: this run compares tools, the
in-process benchmark (``inprocess.py``) proves the budget.

    python -m benchmarks.overhead.e2e [--python /path/to/venv/python] [--rounds 3] [--duration 5]

sentry-sdk, OpenTelemetry and prometheus-flask-exporter are not project
dependencies: install them in a separate environment (see docs/runtime.md)
and pass its interpreter with ``--python``; variants whose library is
missing are skipped.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ["bare", "doctor", "doctor-sampled", "sentry", "sentry-10", "sentry-errors", "otel", "prometheus"]
PATHS = ["/one", "/ten", "/template"]
NEEDS = {
    "sentry": "sentry_sdk",
    "sentry-10": "sentry_sdk",
    "sentry-errors": "sentry_sdk",
    "otel": "opentelemetry.instrumentation.flask",
    "prometheus": "prometheus_flask_exporter",
}


class Sink(http.server.BaseHTTPRequestHandler):
    """A local Sentry ingestion endpoint: reads the envelope, answers 200."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def has(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def wrk(url: str, duration: int, connections: int) -> float:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", url]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "1", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not match or errors:
        raise RuntimeError(f"wrk failed for {url}: {out}")
    return float(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--db", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    dsn = f"http://public@127.0.0.1:{sink.server_address[1]}/1"
    variants = [v for v in args.variants.split(",") if v not in NEEDS or has(args.python, NEEDS[v])]
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for variant in variants:
            port = free_port()
            # keep the caller's PYTHONPATH (a checkout's src/ must win over an installed flask-doctor)
            env = dict(
                os.environ,
                FD_BENCH_VARIANT=variant,
                FD_BENCH_DB=args.db,
                FD_BENCH_SENTRY_DSN=dsn,
                PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            )
            cmd = [
                args.python,
                "-m",
                "gunicorn",
                "-w",
                "1",
                "-k",
                "gthread",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "benchmarks.overhead.serve:app",
            ]
            if shutil.which("taskset"):
                cmd = ["taskset", "-c", "0", *cmd]
            servers[variant] = (subprocess.Popen(cmd, cwd=ROOT, env=env), port)
        for variant, (_, port) in servers.items():
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/one", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{variant} did not start") from None
                    time.sleep(0.2)
        for _variant, (_, port) in servers.items():  # warm up
            for path in PATHS:
                wrk(f"http://127.0.0.1:{port}{path}", 1, args.connections)
        results: dict[str, dict[str, list[float]]] = {p: {v: [] for v in servers} for p in PATHS}
        for r in range(args.rounds):
            for path in PATHS:
                order = list(servers) if r % 2 == 0 else list(servers)[::-1]
                for variant in order:
                    rps = wrk(f"http://127.0.0.1:{servers[variant][1]}{path}", args.duration, args.connections)
                    results[path][variant].append(rps)
                    print(f"round {r} {path} {variant}: {rps:.0f} req/s", file=sys.stderr)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
        for proc, _ in servers.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        sink.shutdown()
    table: dict[str, dict[str, Any]] = {}
    for path, by_variant in results.items():
        bare = by_variant["bare"]
        table[path] = {}
        for variant, values in by_variant.items():
            ratios = [v / b for v, b in zip(values, bare)]
            table[path][variant] = {
                "req_per_s": [round(v, 1) for v in values],
                "ratio_to_bare_median": round(statistics.median(ratios), 3),
            }
    document = {
        "benchmark": "e2e-gunicorn",
        "db": args.db.split("://")[0],
        "rounds": args.rounds,
        "duration_s": args.duration,
        "connections": args.connections,
        "server": "gunicorn 1 gthread worker x 4 threads (CPU 0), wrk -t1 (CPU 1)",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": table,
    }
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
