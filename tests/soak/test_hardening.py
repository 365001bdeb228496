"""Soak survives dying workers, hanging imports and signals, and never looks clean by accident.

Each test is a real soak (gunicorn on 127.0.0.1, Locust as a library) of a
small app in ``tests/soak/apps/``, bounded in requests and in seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

APPS = Path(__file__).resolve().parent / "apps"

pytestmark = pytest.mark.slow


def soak(
    out: Path, app: str, *args: str, timeout: float = 120, quiet: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("GUNICORN_CMD_ARGS", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "soak",
            "--app",
            app,
            "--out",
            str(out),
            *(["--quiet"] if quiet else []),
            *args,
        ],
        cwd=APPS,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _line(name: str, marker: str) -> int:
    return next(i for i, line in enumerate((APPS / name).read_text().splitlines(), 1) if marker in line)


@pytest.fixture(scope="module")
def sick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("soak-sick")
    t0 = time.monotonic()
    proc = soak(out, "sick:app", "--only", "leaks", "--requests", "120", "--duration", "20", quiet=False)
    return proc, out, time.monotonic() - t0


def test_dying_workers_are_reported_and_the_rest_is_measured(sick_run):
    proc, out, seconds = sick_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seconds < 90
    doc = json.loads((out / "report.json").read_text())
    soak_doc = doc["soak"]
    eps = {e["name"]: e for e in soak_doc["endpoints"]}
    # /ok keeps being measured after /die killed a worker and /halt brought gunicorn down
    assert eps["GET /ok"]["verdict"] == "clean" and eps["GET /ok"]["failures"] == 0
    assert eps["GET /ok"]["requests"] >= 120
    crashed = {f["object"]: f for f in doc["findings"] if f["code"] == "FD581"}
    assert set(crashed) == {"endpoint:GET /die", "endpoint:GET /halt"}
    die = crashed["endpoint:GET /die"]
    assert "request #30 to it" in die["message"] and die["severity"] == "error"
    assert any("exited with code 1" in ev["message"] for ev in die["evidence"])
    assert "gunicorn itself stopped" in crashed["endpoint:GET /halt"]["message"]
    assert eps["GET /die"]["verdict"] == eps["GET /halt"]["verdict"] == "not-measured"
    assert any("restarted" in note for note in soak_doc["notes"])
    assert soak_doc["partial"] is True and soak_doc["partial_reasons"]
    assert [c["inflight"][0]["count"] for c in soak_doc["crashes"] if c["inflight"][0]["target"] == "GET /die"] == [30]


def test_redirects_are_not_followed_and_never_clean(sick_run):
    proc, out, _ = sick_run
    doc = json.loads((out / "report.json").read_text())
    explore = next(e for e in doc["soak"]["endpoints"] if e["name"] == "GET /explore")
    assert explore["verdict"] == "not-measured"
    assert explore["not_measured"].startswith("redirected to /auth/login (a login page")
    assert "GET /explore" in doc["soak"]["verdicts"]["not_measured"]
    assert "GET /explore" not in doc["soak"]["verdicts"]["clean"]
    assert "NOT MEASURED GET /explore" in " ".join(proc.stdout.split())
    assert "redirected to /auth/login" in proc.stdout
    page = (out / "report.html").read_text()
    assert "not measured" in page and "redirected to /auth/login" in page


def test_errors_by_design_are_not_fd580_and_real_errors_show_their_traceback(sick_run):
    _, out, _ = sick_run
    doc = json.loads((out / "report.json").read_text())
    fd580 = {f["object"]: f for f in doc["findings"] if f["code"] == "FD580"}
    assert set(fd580) == {"endpoint:GET /fail", "endpoint:GET /limited"}
    fail = fd580["endpoint:GET /fail"]
    assert fail["location"]["path"] == "sick.py" and fail["location"]["line"] == _line("sick.py", "fail-raise")
    assert "gunicorn.log" not in fail["hint"] and "report.html#" in fail["hint"]
    assert any(
        ev["message"].startswith("ValueError: cannot reach postgresql://app:***@db/prod") for ev in fail["evidence"]
    )
    eps = {e["name"]: e for e in doc["soak"]["endpoints"]}
    assert eps["GET /fail"]["exceptions"][0]["type"] == "ValueError"
    assert "Traceback" in eps["GET /fail"]["exceptions"][0]["traceback"]
    assert "changed during the run" in json.dumps(fd580["endpoint:GET /limited"]["evidence"])
    assert eps["GET /gone"]["status_note"].startswith("answered 404 to every request")
    assert eps["GET /gone"]["failures"] == 0
    assert eps["GET /token"]["verdict"] == "not-measured" and "401" in eps["GET /token"]["not_measured"]
    for name in ("report.json", "report.html"):
        assert "hunter2" not in (out / name).read_text()


def test_progress_lines_without_a_terminal(sick_run):
    proc, _, seconds = sick_run
    lines = [line for line in proc.stderr.splitlines() if line.startswith("flask-doctor soak: [")]
    assert any(" warmup " in line for line in lines) and any(" ep000 " in line for line in lines)
    assert all("requests" in line for line in lines)
    phases = len({line.split("]")[0] for line in lines})
    assert len(lines) <= phases * (1 + seconds / 10) + 2  # one per phase, then one per 10 s at most


def test_settings_are_honest(sick_run):
    _, out, _ = sick_run
    soak_doc = json.loads((out / "report.json").read_text())["soak"]
    assert soak_doc["settings"]["doctor"] is soak_doc["runtime_doctor"] is False
    assert soak_doc["settings"]["requests"] == 120 and soak_doc["settings"]["adaptive"] is False


def _children_of_test_app(child_file: Path) -> list[int]:
    if not child_file.exists():
        return []
    pid = int(child_file.read_text())
    try:
        return [pid] if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE else []
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_route_discovery_leaves_no_child(tmp_path, signum):
    child_file = tmp_path / "child.pid"
    env = dict(os.environ, SOAK_TEST_CHILD_FILE=str(child_file))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "soak",
            "--app",
            "hang",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
        cwd=APPS,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not child_file.exists():
            time.sleep(0.1)
        assert _children_of_test_app(child_file), "the app's import never started"
        discovery = [c.pid for c in psutil.Process(proc.pid).children()]
        assert discovery
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
        time.sleep(0.5)
        assert _children_of_test_app(child_file) == []
        assert not [
            pid for pid in discovery if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        ]
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _children_of_test_app(child_file):
            os.kill(pid, signal.SIGKILL)


def test_import_hang_is_a_one_line_error_with_a_hint(tmp_path):
    child_file = tmp_path / "child.pid"
    t0 = time.monotonic()
    proc = soak(
        tmp_path / "out", "hang", "--discovery-timeout", "3", timeout=60, env={"SOAK_TEST_CHILD_FILE": str(child_file)}
    )
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        "flask-doctor: error: importing 'hang' to list its routes did not finish within 3s",
        "  hint: something at import time waits (a database, a network call, input()); make the "
        "import finish, or give it longer with --discovery-timeout SECONDS",
    ]
    time.sleep(0.5)
    assert _children_of_test_app(child_file) == []


def test_app_that_fails_to_import_prints_no_secret(tmp_path):
    proc = soak(tmp_path / "out", "secret_fail", timeout=60)
    assert proc.returncode == 2
    assert "s3cr3t" not in proc.stderr and "\x1b" not in proc.stderr
    assert proc.stderr.startswith(
        "flask-doctor: error: could not load app 'secret_fail' to list its routes: "
        "RuntimeError: cannot connect to postgresql://admin:***@db.internal/prod"
    )


def test_server_log_lines_are_redacted_and_printable(tmp_path):
    from flask_doctor.soak.server import GunicornServer

    server = GunicornServer("x:app", tmp_path, tmp_path)
    server.agent_dir.mkdir(parents=True)
    (server.agent_dir / "gunicorn.out").write_text(
        "Traceback (most recent call last):\n"
        "sqlalchemy.exc.OperationalError: postgresql://u:topsecret@db/x password=hunter2 \x1b[2J\n"
    )
    tail = server.log_tail()
    assert "topsecret" not in tail and "hunter2" not in tail and "\x1b" not in tail
    assert "postgresql://u:***@db/x" in tail and "\\x1b" in tail


def test_csrf_login_through_flask_wtf_and_flask_login(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "login:\n  path: /auth/login\n  form: {username: demo, password: demo}\n  csrf: true\n"
        "  check: /explore\nendpoints:\n  - /explore\n"
    )
    proc = soak(
        tmp_path / "good",
        "login_csrf:app",
        "--scenario",
        str(good),
        "--only",
        "leaks",
        "--requests",
        "100",
        "--duration",
        "20",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "good" / "report.json").read_text())
    [explore] = doc["soak"]["endpoints"]
    assert explore["verdict"] != "not-measured" and explore["statuses"] == {"200": explore["requests"]}
    assert doc["soak"]["login"] == {
        "method": "POST",
        "path": "/auth/login",
        "csrf_from": "/auth/login",
        "check": "/explore",
        "fields": ["password", "username"],
    }
    assert "demo" not in json.dumps(doc["soak"]["login"])


@pytest.mark.parametrize(
    "login, reason",
    [
        (
            "  form: {username: demo, password: demo}\n",
            "password form again: wrong credentials, a missing CSRF token (add `csrf: true` to the login step)",
        ),
        ("  form: {username: demo, password: wrong}\n  csrf: true\n", "password form again: wrong credentials"),
    ],
)
def test_failed_login_stops_with_a_clear_error(tmp_path, login, reason):
    bad = tmp_path / "bad.yaml"
    bad.write_text("login:\n  path: /auth/login\n" + login + "endpoints:\n  - /explore\n")
    t0 = time.monotonic()
    proc = soak(tmp_path / "out", "login_csrf:app", "--scenario", str(bad), "--requests", "100")
    assert time.monotonic() - t0 < 40
    assert proc.returncode == 2, proc.stdout + proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith("flask-doctor: error: the scenario's login failed: the login answered 200 with the ")
    assert reason in first


def test_server_name_and_host_matched_routes(tmp_path):
    proc = soak(
        tmp_path / "auto", "hosts:app", "--only", "leaks", "--requests", "60", "--duration", "15", "--no-saturation"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "auto" / "report.json").read_text())
    assert {e["name"]: e["statuses"] for e in doc["soak"]["endpoints"]} == {
        "GET /": {
            "200": doc["soak"]["endpoints"][0]["requests"]
            if doc["soak"]["endpoints"][0]["name"] == "GET /"
            else doc["soak"]["endpoints"][1]["requests"]
        },
        "GET /items": {"200": next(e["requests"] for e in doc["soak"]["endpoints"] if e["name"] == "GET /items")},
    }
    assert any("SERVER_NAME is 'shop.example'" in n for n in doc["soak"]["notes"])
    wrong = soak(
        tmp_path / "wrong",
        "hosts:app",
        "--only",
        "leaks",
        "--requests",
        "60",
        "--duration",
        "15",
        "--server-name",
        "other.example",
    )
    assert wrong.returncode == 0, wrong.stdout + wrong.stderr
    assert "WARNING: every request to every endpoint answered 404" in wrong.stdout
    assert "--server-name HOST" in wrong.stdout
    soak_doc = json.loads((tmp_path / "wrong" / "report.json").read_text())["soak"]
    assert soak_doc["partial"] and soak_doc["verdicts"]["clean"] == []
    assert {e["verdict"] for e in soak_doc["endpoints"]} == {"not-measured"}
