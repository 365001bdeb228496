"""Time ``flask-doctor check`` cold and warm beside bandit, ruff and semgrep on the same trees, in one run.

Each tree (generated realistic Flask projects of a given size, and copies
of real applications given with ``--real``) is checked by every tool,
rounds interleaved so that load on a shared machine hits every tool alike:

* ``flask-doctor cold``: an empty ``.flask-doctor-cache/`` (the run fills it);
* ``flask-doctor warm (1 file edited)``: one module gets a new function, then a run;
* ``flask-doctor warm (unchanged)``: a run with nothing edited;
* ``bandit -r``; ``ruff check --select S,B`` with ``--no-cache`` (cold) and with its
  cache after the same one-file edit (warm); ``semgrep`` with the local ruleset
  ``benchmarks/semgrep-flask.yml`` (``--metrics=off``, no registry, no network),
  or with the rulesets given by ``--semgrep-config PATH`` (a rule file or a
  directory of them, e.g. a local copy of registry rules; repeat the option to
  time several rulesets in the same run).  Each ruleset's label in the
  results names it and its rule count, e.g. ``semgrep (registry Python rules, 116)``.

Wall and CPU time come from ``os.wait4``; peak memory is the largest sum of
RSS over the tool's whole process tree, sampled every 20 ms with psutil
(semgrep and ruff run several processes or threads), beside ``ru_maxrss``.
Results go to ``benchmarks/results/static_speed.json``; compare the ratios,
not the absolute seconds.  Real applications (and any existing tree, such as
an already generated one) are given with ``--real`` and copied to a
temporary directory first (the warm runs edit a file).

    python benchmarks/static_speed.py --lines 20000 200000 1000000 --real APP_DIR ... [--rounds 1]
    python benchmarks/static_speed.py --lines --real TREE ... \
        --semgrep-config RULES_DIR --semgrep-name "registry Python rules"
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
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_project import generate  # noqa: E402

RULES = HERE / "semgrep-flask.yml"
COLD = "flask-doctor cold"
WARM_EDIT = "flask-doctor warm (1 file edited)"
WARM_SAME = "flask-doctor warm (unchanged)"
BANDIT = "bandit -r"
RUFF_COLD = "ruff S,B (no cache)"
RUFF_WARM = "ruff S,B warm (1 file edited)"
SEMGREP = "semgrep (local Flask rules)"
RULE_FILES = (".yml", ".yaml")


def count_rules(config: Path) -> int:
    """The number of rules in a semgrep config: a rule file, or every rule file under a directory.

    Counts the ``- id:`` entries (one per rule in semgrep's YAML format)
    without a YAML parser, so the benchmark needs nothing beyond psutil.
    """
    files = [config] if config.is_file() else sorted(p for p in config.rglob("*") if p.suffix in RULE_FILES)
    return sum(
        1
        for path in files
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.lstrip().startswith("- id:")
    )


def shown_config(config: Path) -> str:
    """A ruleset as the results name it: relative to this repository, else its own name (a results file
    must not carry the paths of the machine that measured it)."""
    try:
        return config.resolve().relative_to(HERE.parent.resolve()).as_posix()
    except ValueError:
        return config.name


def semgrep_label(config: Path, name: str | None = None) -> str:
    """The results label of one semgrep ruleset: the local default keeps its old label."""
    if name is None and config.resolve() == RULES.resolve():
        return SEMGREP
    return f"semgrep ({name or config.name}, {count_rules(config)})"


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run one tool to completion; wall, CPU, peak tree RSS and ru_maxrss."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            watched = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(watched))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(max(peak[0] / 2**20, usage.ru_maxrss / 1024), 1),
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": proc.returncode,
    }


def count_tree(tree: Path) -> dict[str, int]:
    files = [p for p in tree.rglob("*.py") if p.is_file() and ".flask-doctor-cache" not in p.parts]
    return {"files": len(files), "lines": sum(p.read_bytes().count(b"\n") for p in files)}


def edit_target(tree: Path) -> Path:
    """A module in the middle of the tree that defines functions: the file the warm runs edit."""
    candidates = sorted(p for p in tree.rglob("*.py") if p.is_file() and "def " in p.read_text(errors="replace"))
    candidates = [p for p in candidates if "test" not in p.as_posix().lower()] or candidates
    return candidates[len(candidates) // 2]


def edit(path: Path, round_: int) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\ndef _benchmark_edit_{round_}(value):\n    return value + {round_}\n")


def bench_tree(
    name: str,
    tree: Path,
    rounds: int,
    semgrep: str | None,
    jobs: int,
    semgrep_configs: list[tuple[str, Path]] | None = None,
) -> dict:
    configs = semgrep_configs if semgrep_configs is not None else [(SEMGREP, RULES)]
    info = count_tree(tree)
    env = dict(os.environ)
    env.pop("FLASK_DOCTOR_NO_CACHE", None)
    doctor = [sys.executable, "-m", "flask_doctor", "check", ".", "--quiet", "--no-color"]
    ruff_cache = Path(tempfile.mkdtemp(prefix="ruff-cache-"))
    ruff = ["ruff", "check", ".", "--select", "S,B", "--exit-zero", "--quiet"]
    target = edit_target(tree)
    samples: dict[str, list[dict[str, float]]] = {}

    def record(label: str, result: dict[str, float]) -> None:
        samples.setdefault(label, []).append(result)
        print(f"  {name} {label}: {result}", flush=True)

    for round_ in range(rounds):
        shutil.rmtree(tree / ".flask-doctor-cache", ignore_errors=True)
        record(COLD, run(doctor, tree, env))
        edit(target, round_ * 2)
        record(WARM_EDIT, run(doctor, tree, env))
        record(WARM_SAME, run(doctor, tree, env))
        if shutil.which("bandit"):
            record(BANDIT, run(["bandit", "-r", ".", "-q", "-f", "json", "-o", os.devnull], tree))
        if shutil.which("ruff"):
            record(RUFF_COLD, run([*ruff, "--no-cache"], tree))
            run([*ruff, "--cache-dir", str(ruff_cache)], tree)
            edit(target, round_ * 2 + 1)
            record(RUFF_WARM, run([*ruff, "--cache-dir", str(ruff_cache)], tree))
        for label, config in configs if semgrep else ():
            result = run(
                [
                    semgrep,
                    "scan",
                    "--metrics=off",
                    "--disable-version-check",
                    "--config",
                    str(config),
                    "--quiet",
                    "--jobs",
                    str(jobs),
                    "--json",
                    "-o",
                    os.devnull,
                    ".",
                ],
                tree,
                {**env, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"},
            )
            if result["exit"] not in (0, 1):  # 1: findings; anything else: a broken config or a crash
                print(f"  warning: {label} exited {result['exit']}: its time is not a scan's", file=sys.stderr)
            record(label, result)
    shutil.rmtree(ruff_cache, ignore_errors=True)
    summary = {}
    for label, rows in samples.items():
        wall = statistics.median(r["wall_s"] for r in rows)
        summary[label] = {
            "median_wall_s": wall,
            "median_cpu_s": statistics.median(r["cpu_s"] for r in rows),
            "best_wall_s": min(r["wall_s"] for r in rows),
            "best_cpu_s": min(r["cpu_s"] for r in rows),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
            "files_per_s": round(info["files"] / wall, 1) if wall else None,
        }

    def ratio(a: str, b: str, key: str = "median_wall_s") -> float | None:
        if a in summary and b in summary and summary[b][key]:
            return round(summary[a][key] / summary[b][key], 2)
        return None

    def semgrep_key(label: str) -> str:
        return "semgrep / flask-doctor cold" if label == SEMGREP else f"{label} / flask-doctor cold"

    ratios = {
        "bandit / flask-doctor cold": ratio(BANDIT, COLD),
        **{semgrep_key(label): ratio(label, COLD) for label, _ in configs},
        "flask-doctor warm edit / ruff warm edit": ratio(WARM_EDIT, RUFF_WARM),
        "flask-doctor warm unchanged / ruff warm edit": ratio(WARM_SAME, RUFF_WARM),
    }
    # best of the rounds, by CPU and by wall time: on a shared machine the least disturbed round of each tool
    ratios_best = {
        f"{a} / {COLD} ({unit})": ratio(a, COLD, f"best_{unit}_s")
        for a in (BANDIT, *(label for label, _ in configs))
        for unit in ("cpu", "wall")
        if a in summary
    }
    return {
        "name": name,
        **info,
        "edited_file": target.relative_to(tree).as_posix(),
        "summary": summary,
        "ratios": ratios,
        "ratios_best": ratios_best,
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="*", default=[20_000, 200_000, 1_000_000])
    parser.add_argument("--real", type=Path, nargs="*", default=[], help="real application trees (copied first)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--semgrep", default=shutil.which("semgrep"), help="the semgrep executable")
    parser.add_argument("--semgrep-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--semgrep-config",
        type=Path,
        action="append",
        help="a semgrep rule file or directory of rule files, local (no registry); repeat to time several "
        "rulesets in one run (default: benchmarks/semgrep-flask.yml)",
    )
    parser.add_argument(
        "--semgrep-name",
        action="append",
        help="what to call each --semgrep-config in the results, in the same order (default: its file name)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "static_speed.json")
    args = parser.parse_args()
    # semgrep runs in each tree's copy, so a relative path must not be left to resolve there
    configs = [config.resolve() for config in args.semgrep_config or [RULES]]
    names = args.semgrep_name or []
    if len(names) > len(configs):
        parser.error("more --semgrep-name than --semgrep-config")
    for config in configs:
        if not config.exists():
            parser.error(f"no semgrep config at {config}")
    semgrep_configs = [
        (semgrep_label(config, names[i] if i < len(names) else None), config) for i, config in enumerate(configs)
    ]
    trees = []
    with tempfile.TemporaryDirectory(prefix="flask-doctor-bench-") as scratch:
        for lines in args.lines:
            tree = Path(scratch) / f"generated-{lines}"
            generate(tree, lines)
            print(f"tree generated-{lines}", flush=True)
            trees.append(
                bench_tree(
                    f"generated {lines // 1000}k lines",
                    tree,
                    args.rounds,
                    args.semgrep,
                    args.semgrep_jobs,
                    semgrep_configs,
                )
            )
            shutil.rmtree(tree, ignore_errors=True)
        for source in args.real:
            tree = Path(scratch) / source.name
            shutil.copytree(source, tree, symlinks=True)
            print(f"tree {source.name}", flush=True)
            trees.append(bench_tree(source.name, tree, args.rounds, args.semgrep, args.semgrep_jobs, semgrep_configs))
            shutil.rmtree(tree, ignore_errors=True)
    versions = {}
    for tool, argv in {
        "bandit": ["bandit", "--version"],
        "ruff": ["ruff", "--version"],
        # without the flag, semgrep asks its server for the newest version and, offline, hangs
        "semgrep": [args.semgrep or "semgrep", "--version", "--disable-version-check"],
    }.items():
        quiet = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
        try:
            out = (
                subprocess.run(argv, capture_output=True, text=True, timeout=60, env=quiet).stdout.strip().splitlines()
            )
            versions[tool] = out[0] if out else ""
            if not out:
                err = subprocess.run(argv, capture_output=True, text=True, timeout=60).stderr.strip().splitlines()
                versions[tool] = err[-1] if err else ""
        except (OSError, subprocess.SubprocessError):
            versions[tool] = None
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "tools": versions,
        "rounds": args.rounds,
        "semgrep_configs": [
            {"label": label, "config": shown_config(config), "rules": count_rules(config)}
            for label, config in semgrep_configs
        ],
        "trees": trees,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {
                t["name"]: {"ratios": t["ratios"], "ratios_best": t["ratios_best"], "summary": t["summary"]}
                for t in trees
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
