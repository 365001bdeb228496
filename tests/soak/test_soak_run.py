"""End to end: the real CLI, a real gunicorn, real Locust load on loopback.

Numbers are smaller than the benchmark's (benchmarks/soak/) so the suite
stays under three minutes on a busy 2-core machine, but still honest: each
leaking endpoint gets 800 requests (100 of them warm-up), each clean one the
same, and the verdicts must come out right with the noise floor the run
measures itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.slow


def _line_of(text: str) -> int:
    lines = (EXAMPLES / "leaky" / "app.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def soak(out: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("GUNICORN_CMD_ARGS", None)
    return subprocess.run(
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
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("soak-leaks")
    proc = soak(
        out,
        "--only",
        "leaks",
        "--requests",
        "800",
        "--duration",
        "30",
        "--fail-on-leak",
        "--endpoints",
        "/leak/*,/clean/json,/",
    )
    return proc, out


def test_leaks_found_with_their_causes_and_clean_views_clean(leak_run):
    proc, out = leak_run
    assert proc.returncode == 1, proc.stdout + proc.stderr  # --fail-on-leak
    doc = json.loads((out / "report.json").read_text())
    verdicts = {e["name"]: e["verdict"] for e in doc["soak"]["endpoints"]}
    assert verdicts == {
        "GET /leak/list": "leak",
        "GET /leak/cache": "leak",
        "GET /leak/context": "leak",
        "GET /clean/json": "clean",
        "GET /": "clean",
    }, proc.stdout
    by_obj = {(f["object"], f["code"]) for f in doc["findings"]}
    assert ("endpoint:GET /leak/list", "FD101") in by_obj
    assert ("endpoint:GET /leak/cache", "FD101") in by_obj
    assert ("endpoint:GET /leak/context", "FD105") in by_obj
    assert not any(obj in ("endpoint:GET /clean/json", "endpoint:GET /") for obj, _ in by_obj)
    listing = next(e for e in doc["soak"]["endpoints"] if e["name"] == "GET /leak/list")
    # ~1 KB per request kept (1024 bytes + the bytes object header + list slot)
    assert 900 < listing["memory"]["low"] <= listing["memory"]["high"] < 1300
    history = next(f for f in doc["findings"] if f["object"] == "endpoint:GET /leak/list")
    assert history["location"] == {
        "path": "leaky/app.py",
        "line": _line_of("HISTORY: list"),
        "column": 0,
        "end_line": 0,
        "end_column": 0,
    }
    context = next(e for e in doc["soak"]["endpoints"] if e["name"] == "GET /leak/context")
    push = _line_of("app_context().push()")
    assert any(s["file"] == "leaky/app.py" and s["line"] == push for s in context["sites"])
    finding = next(f for f in doc["findings"] if f["object"] == "endpoint:GET /leak/context")
    assert finding["location"]["line"] == push


def test_report_schema_and_html(leak_run):
    _, out = leak_run
    doc = json.loads((out / "report.json").read_text())
    assert doc["schema_version"] == 1 and doc["surface"] == "soak" and doc["soak"]["version"] == 1
    for e in doc["soak"]["endpoints"]:
        assert {"requests", "failures", "latency_ms", "memory", "verdict", "sites", "findings"} <= set(e)
        assert {"p50", "p95", "p99"} <= set(e["latency_ms"])
        assert e["requests"] >= 800 and e["failures"] == 0
    assert all(f["surface"] == "soak" for f in doc["findings"])
    page = (out / "report.html").read_text()
    assert "<script" not in page and "GET /leak/context" in page and "<svg" in page


def test_scenario_file_drives_parameters_and_posts(tmp_path):
    proc = soak(
        tmp_path,
        "--only",
        "leaks",
        "--requests",
        "400",
        "--scenario",
        str(EXAMPLES / "leaky" / "scenario.yaml"),
        "--endpoints",
        "drip*,echo*",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "report.json").read_text())
    eps = {e["name"]: e for e in doc["soak"]["endpoints"]}
    assert sorted(eps) == ["drip 128", "echo json"]
    assert eps["drip 128"]["verdict"] == "leak" and eps["echo json"]["verdict"] == "clean"
    assert eps["echo json"]["failures"] == 0 and eps["echo json"]["method"] == "POST"
    assert doc["soak"]["targets_source"].endswith("scenario.yaml")


def _gunicorn_alive(out: Path) -> list[int]:
    """Workers of this soak still running (a zombie waiting to be reaped is not running)."""
    import psutil

    alive = []
    for ready in (out / "agent").glob("ready-*"):
        pid = int(ready.name.split("-", 1)[1])
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("worker_class, saturated", [("sync", True), ("gevent", False)])
def test_blocking_view_saturates_sync_workers_not_gevent(tmp_path, worker_class, saturated):
    proc = soak(
        tmp_path,
        "--only",
        "saturation",
        "--endpoints",
        "/slow",
        "--steps",
        "1,4,8",
        "--step-duration",
        "2",
        "--worker-class",
        worker_class,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "report.json").read_text())
    sat = doc["soak"]["saturation"]
    assert sat["saturated"] is saturated, json.dumps(sat["steps"], indent=1)
    assert [f["code"] for f in doc["findings"]] == (["FD480"] if saturated else [])
    assert [s["users"] for s in sat["steps"]] == [1, 4, 8]
    if saturated:
        assert sat["steps"][-1]["queue_ms"]["p50"] > 100  # 8 users behind one 50 ms sleeper
    assert _gunicorn_alive(tmp_path) == []


def _wait_for_load(out: Path, timeout: float = 90) -> None:
    """Wait until a worker's agent is ready and has logged a request: gunicorn is up and the load runs.

    A worker creates its request log before it writes its ready-file, and the soak plans its phases
    only once gunicorn is up: on a busy machine the log alone can come seconds early.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logged = [p for p in (out / "agent").glob("requests-*.csv") if p.stat().st_size > 0]
        if logged and _gunicorn_alive(out):
            return
        time.sleep(0.2)
    pytest.fail(f"no ready worker with a logged request after {timeout:g} s")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_everything(tmp_path, signum):
    env = dict(os.environ)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "soak",
            "--app",
            "leaky.app:app",
            "--out",
            str(tmp_path),
            "--quiet",
            "--endpoints",
            "/slow",
            "--requests",
            "5000",
            "--duration",
            "60",
        ],
        cwd=EXAMPLES,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_load(tmp_path)
        time.sleep(1.0)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "interrupted" in err
        time.sleep(0.5)
        assert _gunicorn_alive(tmp_path) == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_default_budget_adapts_requests_and_says_what_they_can_see(tmp_path):
    t0 = time.monotonic()
    proc = soak(tmp_path, "--budget", "30", "--no-saturation", "--endpoints", "/leak/list,/clean/json")
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seconds < 60  # a 30 s budget, plus start-up and the report
    doc = json.loads((tmp_path / "report.json").read_text())
    settings = doc["soak"]["settings"]
    assert settings["adaptive"] is True and settings["requests"] is None and settings["budget"] == 30
    eps = {e["name"]: e for e in doc["soak"]["endpoints"]}
    assert eps["GET /leak/list"]["verdict"] == "leak" and eps["GET /clean/json"]["verdict"] == "clean"
    for e in eps.values():
        assert 200 <= e["planned_requests"] <= 2000
        assert e["detectable_bytes_per_request"] >= doc["soak"]["noise_floor"]["bytes_per_request"]
    assert "B/req visible" in proc.stdout


def test_interrupted_soak_writes_a_partial_report(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "soak",
            "--app",
            "leaky.app:app",
            "--out",
            str(tmp_path),
            "--quiet",
            "--endpoints",
            "/,/slow",
            "--requests",
            "3000",
            "--duration",
            "60",
        ],
        cwd=EXAMPLES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_load(tmp_path)
        time.sleep(4)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "partial report" in err
        soak_doc = json.loads((tmp_path / "report.json").read_text())["soak"]
        assert soak_doc["partial"] is True
        assert soak_doc["partial_reasons"][0].startswith("interrupted")
    finally:
        if proc.poll() is None:
            proc.kill()
