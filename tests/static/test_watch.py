"""``check --watch``: a real process that re-checks when a file changes and stops cleanly."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli
from flask_doctor.static.watch import MISSING_WATCHFILES, relevant_change, watch_paths

SRC = Path(__file__).resolve().parents[2] / "src"
CLEAN = "from flask import Flask\n\napp = Flask(__name__)\n"
SICK = CLEAN + "app.run(debug=True)\n"


class Lines:
    """Lines of a pipe, read by a thread so the test can wait with a deadline."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 30.0) -> list[str]:
        """Every line read until one containing ``text``."""
        deadline = time.monotonic() + timeout
        start = len(self.seen)
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return self.seen[start:]
        raise AssertionError(f"{text!r} not printed within {timeout}s; got {self.seen[start:]}")


def _start(project: Path, *args: str) -> tuple[subprocess.Popen[str], Lines, Lines]:
    pytest.importorskip("watchfiles", reason="--watch needs the watch extra")
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    process = subprocess.Popen(
        # the rule the sick file trips (FD306) is off by default on its measured precision: name it
        [sys.executable, "-m", "flask_doctor", "check", "--watch", "--extend-select", "FD306", *args, str(project)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, Lines(process.stdout), Lines(process.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "app.py").write_text(CLEAN)
    return tmp_path


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_change_prints_a_new_report_and_stopping_is_clean(project: Path, stop: signal.Signals) -> None:
    process, out, err = _start(project)
    try:
        assert "No findings in 2 files (0 silenced)" in out.wait_for("No findings")  # app.py, pyproject.toml
        err.wait_for("for changes (Ctrl-C to stop)")

        (project / "app.py").write_text(SICK)
        report = out.wait_for("1 finding in 2 files")
        assert any("app.py" == line for line in report)
        assert any("FD306 development-server" in line for line in report), report
        assert "app.py changed; checking again" in "\n".join(err.wait_for("for changes"))

        (project / "notes.txt").write_text("not a file flask-doctor reads\n")  # no run for this
        (project / "app.py").write_text(CLEAN)
        assert "No findings in 2 files (0 silenced)" in out.wait_for("No findings")  # app.py, pyproject.toml
        changed = err.wait_for("changed; checking again")
        assert "notes.txt" not in "\n".join(changed)
    finally:
        process.send_signal(stop)
        code = process.wait(timeout=30)
    assert code == 0
    tail = err.wait_for("stopped watching")
    assert not any("Traceback" in line for line in err.seen + tail), err.seen


def test_a_broken_config_is_reported_and_waited_out(project: Path) -> None:
    process, out, err = _start(project)
    try:
        out.wait_for("No findings")
        err.wait_for("for changes")
        (project / "pyproject.toml").write_text("[tool.flask-doctor]\nselect = ['FD9x']\n")
        assert any("flask-doctor: error:" in line for line in err.wait_for("for changes"))
        (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
        (project / "app.py").write_text(SICK)
        out.wait_for("1 finding in 2 files")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def test_missing_watchfiles_is_a_clear_usage_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # what an environment without it imports
    result = CliRunner().invoke(cli, ["check", "--watch", str(project)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"flask-doctor: error: {MISSING_WATCHFILES}"


def test_watch_refuses_write_baseline(project: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--watch", "--write-baseline", "b.json", str(project)])
    assert result.exit_code == 2
    assert "--watch cannot be combined with --write-baseline" in result.stderr


def test_only_changes_that_can_change_a_finding_count(tmp_path: Path) -> None:
    assert relevant_change(str(tmp_path / "app" / "views.py"))
    assert relevant_change(str(tmp_path / "Dockerfile"))
    assert relevant_change(str(tmp_path / "deploy" / "gunicorn.conf.py"))
    assert relevant_change(str(tmp_path / "pyproject.toml"))
    assert relevant_change(str(tmp_path / "boot.sh"))
    assert not relevant_change(str(tmp_path / "README.md"))
    assert not relevant_change(str(tmp_path / "report.json"))
    baseline = str(tmp_path / "baseline.json")
    assert relevant_change(baseline, frozenset({baseline}))


def test_watched_directories_are_the_targets_and_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("")
    (tmp_path / "deploy").mkdir()
    assert watch_paths([tmp_path / "app" / "views.py", tmp_path / "deploy"], tmp_path) == [tmp_path]
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert watch_paths([other], tmp_path / "app") == [tmp_path / "app", other]
