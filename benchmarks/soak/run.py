"""Soak benchmark on the bundled app (examples/leaky): detection, false leaks, threshold, duration.

    python benchmarks/soak/run.py                 # everything, three runs each (~45 min on 2 busy cores)
    python benchmarks/soak/run.py --runs 1 --only leaks

Writes benchmarks/soak/results.json (and one soak directory per run under
benchmarks/soak/runs/, not committed).  Each experiment is the real CLI:
gunicorn on 127.0.0.1, Locust as a library, bounded requests and time.

Experiments
- leaks:     /leak/list, /leak/cache, /leak/context at 2,000 requests per endpoint
             (200 of them warm-up); found = verdict "leak" with the expected cause.
- clean:     /, /clean/json, /clean/template, /clean/bounded at 20,000 requests each;
             a false leak is any verdict "leak".
- threshold: /drip/{size} (keeps `size` bytes per request) at 2,000 requests for
             sizes 4..128 via a scenario file; the threshold is the smallest size
             found in every run.
- full:      a default `flask-doctor soak --app leaky.app:app` (all endpoints,
             requests per endpoint adapted to the default 240 s budget, saturation
             steps): its wall time, the leaks it finds, the requests each endpoint got.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAMPLES = ROOT / "examples"
RUNS = HERE / "runs"
RESULTS = HERE / "results.json"

EXPECTED = {"GET /leak/list": "FD101", "GET /leak/cache": "FD101", "GET /leak/context": "FD105"}
CLEAN = ["/", "/clean/json", "/clean/template", "/clean/bounded"]
DRIP_SIZES = [4, 8, 16, 32, 64, 128]


def soak(out: Path, *args: str) -> tuple[dict, float, int]:
    env = dict(os.environ)
    env.pop("GUNICORN_CMD_ARGS", None)
    t0 = time.time()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "soak",
            "--app",
            "leaky.app:app",
            "--out",
            str(out),
            "--quiet",
            *args,
        ],
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.time() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"soak failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads((out / "report.json").read_text()), seconds, proc.returncode


def _endpoint_summary(e: dict) -> dict:
    mem = e.get("memory") or {}
    return {
        "verdict": e["verdict"],
        "requests": e["requests"],
        "slope": mem.get("slope"),
        "low": mem.get("low"),
        "high": mem.get("high"),
        "late_slope": mem.get("late_slope"),
        "findings": e.get("findings", []),
    }


def leaks(run: int) -> dict:
    doc, seconds, _ = soak(
        RUNS / f"leaks-{run}", "--only", "leaks", "--requests", "2000", "--duration", "600", "--endpoints", "/leak/*"
    )
    eps = {e["name"]: _endpoint_summary(e) for e in doc["soak"]["endpoints"]}
    found = {
        name: eps.get(name, {}).get("verdict") == "leak" and code in eps.get(name, {}).get("findings", [])
        for name, code in EXPECTED.items()
    }
    return {
        "run": run,
        "seconds": round(seconds, 1),
        "noise_floor": doc["soak"]["noise_floor"]["bytes_per_request"],
        "found": found,
        "endpoints": eps,
    }


def clean(run: int) -> dict:
    doc, seconds, _ = soak(
        RUNS / f"clean-{run}",
        "--only",
        "leaks",
        "--requests",
        "20000",
        "--duration",
        "900",
        "--endpoints",
        ",".join(CLEAN),
    )
    eps = {e["name"]: _endpoint_summary(e) for e in doc["soak"]["endpoints"]}
    return {
        "run": run,
        "seconds": round(seconds, 1),
        "noise_floor": doc["soak"]["noise_floor"]["bytes_per_request"],
        "false_leaks": sorted(n for n, e in eps.items() if e["verdict"] == "leak"),
        "endpoints": eps,
    }


def threshold(run: int) -> dict:
    scenario = RUNS / "drip.yaml"
    scenario.parent.mkdir(parents=True, exist_ok=True)
    scenario.write_text("endpoints:\n" + "".join(f"  - {{name: drip {s}, path: /drip/{s}}}\n" for s in DRIP_SIZES))
    doc, seconds, _ = soak(
        RUNS / f"threshold-{run}",
        "--only",
        "leaks",
        "--requests",
        "2000",
        "--duration",
        "600",
        "--scenario",
        str(scenario),
    )
    eps = {e["name"]: _endpoint_summary(e) for e in doc["soak"]["endpoints"]}
    return {
        "run": run,
        "seconds": round(seconds, 1),
        "noise_floor": doc["soak"]["noise_floor"]["bytes_per_request"],
        "found": {s: eps[f"drip {s}"]["verdict"] == "leak" for s in DRIP_SIZES},
        "endpoints": eps,
    }


def full(run: int) -> dict:
    """A default soak: the requests per endpoint are adapted to the default 240 s budget."""
    doc, seconds, _ = soak(RUNS / f"full-{run}")
    v = doc["soak"]["verdicts"]
    eps = {
        e["name"]: {**_endpoint_summary(e), "detectable": e.get("detectable_bytes_per_request")}
        for e in doc["soak"]["endpoints"]
    }
    found = {
        name: eps.get(name, {}).get("verdict") == "leak" and code in eps.get(name, {}).get("findings", [])
        for name, code in EXPECTED.items()
    }
    return {
        "run": run,
        "seconds": round(seconds, 1),
        "leaks": v["leaks"],
        "clean": v["clean"],
        "saturated": v["saturated"],
        "found": found,
        "noise_floor": doc["soak"]["noise_floor"]["bytes_per_request"],
        "false_leaks": sorted(n for n, e in eps.items() if e["verdict"] == "leak" and n not in EXPECTED),
        "endpoints": eps,
        "findings": [f"{f['code']} {f['object']}" for f in doc["findings"]],
    }


def summarise(results: dict) -> dict:
    s: dict = {}
    if results.get("leaks"):
        runs = results["leaks"]
        s["leaks_found"] = {name: sum(r["found"][name] for r in runs) for name in EXPECTED}
        s["leak_runs"] = len(runs)
    if results.get("clean"):
        runs = results["clean"]
        s["clean_false_leaks"] = sum(len(r["false_leaks"]) for r in runs)
        s["clean_endpoint_runs"] = sum(len(r["endpoints"]) for r in runs)
    if results.get("threshold"):
        runs = results["threshold"]
        reliable = [
            size
            for size in DRIP_SIZES
            if all(r["found"][str(size)] if str(size) in r["found"] else r["found"][size] for r in runs)
        ]
        s["threshold_bytes_per_request"] = min(reliable) if reliable else None
    if results.get("full"):
        runs = results["full"]
        s["full_soak_seconds"] = [r["seconds"] for r in runs]
        if all("found" in r for r in runs):
            s["full_leaks_found"] = {name: sum(r["found"][name] for r in runs) for name in EXPECTED}
            s["full_false_leaks"] = sum(len(r["false_leaks"]) for r in runs)
            s["full_requests_per_endpoint"] = {
                name: [r["endpoints"][name]["requests"] for r in runs] for name in runs[0]["endpoints"]
            }
    return s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", choices=["leaks", "clean", "threshold", "full"])
    args = parser.parse_args()
    experiments = {"leaks": leaks, "threshold": threshold, "clean": clean, "full": full}
    chosen = args.only or list(experiments)
    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_at_start": list(os.getloadavg()),
    }
    results["date"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for name in chosen:
        runs_n = args.runs
        results[name] = []
        for run in range(1, runs_n + 1):
            print(f"{name} run {run}/{runs_n} ...", flush=True)
            results[name].append(experiments[name](run))
            results["summary"] = summarise(results)
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    results["summary"] = summarise(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["summary"], indent=2))


if __name__ == "__main__":
    main()
