"""Time ``flask-doctor check`` beside bandit and ruff on the same tree, in one run.

Rounds are interleaved (doctor, bandit, ruff, doctor, ...) so that load on a
shared machine hits every tool alike; wall time, CPU time and peak RSS of
each child are read with ``os.wait4``. Results go to
``benchmarks/results/static_speed.json``; compare the ratios, not the
absolute seconds.

    python benchmarks/static_speed.py [--lines 200000] [--rounds 3] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_project import generate  # noqa: E402


def run(argv: list[str], cwd: Path) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": os.waitstatus_to_exitcode(status),
    }


def tools(tree: Path) -> dict[str, list[str]]:
    found = {
        "flask-doctor": [sys.executable, "-m", "flask_doctor", "check", str(tree), "--quiet", "--no-color"],
        "flask-doctor -j2": [sys.executable, "-m", "flask_doctor", "check", str(tree), "--quiet", "--no-color", "-j", "2"],
    }
    if shutil.which("bandit"):
        found["bandit"] = ["bandit", "-r", str(tree), "-q", "-f", "json", "-o", os.devnull]
    if shutil.which("ruff"):
        found["ruff (S,B, no cache)"] = ["ruff", "check", str(tree), "--select", "S,B", "--no-cache", "--exit-zero", "--quiet"]
    if shutil.which("semgrep"):
        found["semgrep"] = ["semgrep", "--metrics", "off", "--config", "p/flask", str(tree), "--quiet"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="an existing tree to check instead of a generated one")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "static_speed.json")
    args = parser.parse_args()
    if args.tree:
        tree, info = args.tree.resolve(), {"source": str(args.tree)}
        lines = sum(p.read_bytes().count(b"\n") for p in tree.rglob("*.py") if p.is_file())
        info.update(lines=lines, files=sum(1 for _ in tree.rglob("*.py")))
    else:
        tree = Path(os.environ.get("TMPDIR", "/tmp")) / f"flask-doctor-bench-{args.lines}"
        info = generate(tree, args.lines)
        info["source"] = "generated"
    env_tools = tools(tree)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in env_tools}
    for round_ in range(args.rounds):
        for name, argv in env_tools.items():
            samples[name].append(run(argv, tree))
            print(f"round {round_ + 1}: {name}: {samples[name][-1]}", flush=True)
    summary = {}
    for name, rows in samples.items():
        summary[name] = {
            "median_wall_s": statistics.median(r["wall_s"] for r in rows),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in rows),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
            "files_per_s": round(info["files"] / statistics.median(r["wall_s"] for r in rows), 1),
        }
    doctor = summary["flask-doctor"]["median_wall_s"]
    ratios = {f"{name} / flask-doctor (wall)": round(s["median_wall_s"] / doctor, 2) for name, s in summary.items()}
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "tree": info,
        "rounds": args.rounds,
        "summary": summary,
        "ratios": ratios,
        "samples": samples,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"summary": summary, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
