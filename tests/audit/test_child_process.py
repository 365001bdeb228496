"""The app is imported and audited in a child process: hangs, exits, prints and Ctrl-C at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["audit", *args], env=env, catch_exceptions=False)


def test_an_app_that_hangs_at_import_is_stopped_after_the_import_timeout() -> None:
    started = time.monotonic()
    result = invoke(
        "--app", "tests.audit_apps.importtime.sleeps", "--import-timeout", "1.5", env={"IMPORTTIME_SLEEP": "60"}
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        "flask-doctor: error: the application did not finish importing within 1.5 s (--import-timeout)" in result.stderr
    )
    assert "hint: something at import waits" in result.stderr
    assert elapsed < 10


def test_a_slow_import_within_the_limit_is_audited() -> None:
    result = invoke("--app", "tests.audit_apps.importtime.sleeps", "--format", "json", env={"IMPORTTIME_SLEEP": "0.5"})
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["surface"] == "audit"


def test_os_exit_at_import_is_exit_2_never_a_silent_0() -> None:
    result = invoke("--app", "tests.audit_apps.importtime.exits")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "flask-doctor: error: the application exited during import without a report (exit status 0)" in result.stderr
    assert "about to exit" in result.stderr  # what it printed is relayed, on stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_prints_at_import_go_to_stderr_and_stdout_stays_valid(fmt: str) -> None:
    result = invoke(
        "--app",
        "tests.audit_apps.importtime.prints",
        "--format",
        fmt,
        env={"IMPORTTIME_SECRET_KEY": "k" * 8 + "Zq81xP0vLm3NcR7tY2wE5uI9oA4sD6fG"},
    )
    json.loads(result.stdout)  # the whole of stdout is the report
    assert "Connecting to the database... {not json" in result.stderr
    assert result.exit_code in (0, 1)  # a report, not a load failure


def test_keyboard_interrupt_at_import_exits_130() -> None:
    result = invoke("--app", "tests.audit_apps.importtime.interrupts")
    assert result.exit_code == 130
    assert "flask-doctor: error: interrupted (KeyboardInterrupt) while importing the application" in result.stderr


def test_import_error_shows_user_frames_with_secrets_masked_and_escapes_shown() -> None:
    result = invoke("--app", "tests.audit_apps.importtime.leaks", env={"IMPORTTIME_PASSWORD": "Sw0rdf1sh-env-value"})
    assert result.exit_code == 2
    err = result.stderr
    assert (
        "flask-doctor: error: the application failed to load: ConnectionError: cannot reach "
        "postgresql://shop:***@db.internal/shop (password=***)" in err
    )
    assert 'tests/audit_apps/importtime/leaks.py", line 13, in <module>' in err
    assert "Traceback (application frames only):" in err and "importlib" not in err
    for secret in ("Tr0ub4dor", "p@ss/word", "ss/word", "Sw0rdf1sh"):
        assert secret not in err, secret
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]52;c;" in err  # shown as an escape, not sent to the terminal


def test_ctrl_c_in_the_parent_kills_the_child_and_exits_130(tmp_path: Path) -> None:
    env = {**os.environ, "IMPORTTIME_SLEEP": "60", "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask_doctor.cli", "audit", "--app", "tests.audit_apps.importtime.sleeps"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(2.5)
    os.killpg(proc.pid, 2)  # Ctrl-C reaches the foreground process group: here the parent only
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert b"interrupted" in err


@pytest.mark.services
def test_the_audit_never_calls_a_view_unless_named(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine, text

    table = f"cron_orders_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {table} (id serial PRIMARY KEY, note text)"))
    monkeypatch.setenv("CRONAPP_TABLE", table)
    monkeypatch.setenv("CRONAPP_SECRET_KEY", "k" * 8 + "Zq81xP0vLm3NcR7tY2wE5uI9oA4sD6fG")
    try:
        result = invoke("--app", "tests.audit_apps.cronapp:create_app()", "--format", "json")
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        session = json.loads(result.stdout)["extra"]["session"]
        assert session["sampled_views"] == {} and session["synthetic_cookie_bytes"] == 0

        named = invoke(
            "--app", "tests.audit_apps.cronapp:create_app()", "--format", "json", "--sample-view", "purge_old_orders"
        )
        assert named.exit_code == 0, named.output
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1  # one app, one call
        assert json.loads(named.stdout)["extra"]["session"]["sampled_views"] == {"purge_old_orders": 0}
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_unknown_sample_view_is_a_usage_error(good_secret: str) -> None:
    result = invoke("--app", "tests.audit_apps.good:create_app()", "--sample-view", "nowhere")
    assert result.exit_code == 2
    assert "flask-doctor: error: --sample-view 'nowhere': the app has no such endpoint" in result.stderr
