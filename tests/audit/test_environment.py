"""`.flaskenv`/`.env` are read the way production reads them, and every value says where it came from."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from flask_doctor.cli import cli

TUTORIAL = Path(__file__).resolve().parents[1] / "audit_apps" / "tutorial"


@pytest.fixture
def tutorial(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(TUTORIAL)
    monkeypatch.delenv("FLASKR_SECRET_KEY", raising=False)
    # Flask's CLI run in this process writes .flaskenv's FLASK_APP and FLASK_DEBUG=1 (and, on Flask 2.2,
    # FLASK_RUN_FROM_CLI) into os.environ: every later app of the test process would start in debug mode.
    saved = dict(os.environ)
    yield TUTORIAL
    os.environ.clear()
    os.environ.update(saved)


def _audit(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["audit", "--deploy", "--format", "json", *args], env=env, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _by_code(doc: dict, code: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in doc["findings"] if f["code"] == code]


def test_gunicorn_does_not_read_flaskenv(tutorial: Path) -> None:
    _, doc = _audit()  # FLASK_APP comes from .flaskenv, only to find the app
    assert doc["extra"]["app"]["import"] == "flaskr"
    assert _by_code(doc, "FD305") == []
    env = doc["extra"]["environment"]
    assert env["server"] == "gunicorn" and env["dotenv_read"] is False
    assert env["not_read_dotenv"] == {"FLASK_APP": ".flaskenv:1", "FLASK_DEBUG": ".flaskenv:2"}


def test_flask_run_reads_flaskenv_and_points_at_its_line(tutorial: Path) -> None:
    _, doc = _audit("--server", "flask-run")
    [debug] = _by_code(doc, "FD305")
    assert debug["severity"] == "error"
    assert debug["location"]["path"] == ".flaskenv" and debug["location"]["line"] == 2
    assert [e["message"] for e in debug["evidence"]] == [
        "value from environment variable FLASK_DEBUG (set in .flaskenv line 2, which flask run reads), "
        "which Flask reads when the app is created"
    ]


def test_flask_skip_dotenv_is_honoured(tutorial: Path) -> None:
    _, doc = _audit("--server", "flask-run", "--app", "flaskr", env={"FLASK_SKIP_DOTENV": "1"})
    assert _by_code(doc, "FD305") == []
    assert doc["extra"]["environment"]["loaded_from_dotenv"] == {}


def test_server_from_the_project_settings(tutorial: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flask-doctor.audit]\nserver = "flask-run"\n')
    for name in (".flaskenv",):
        (tmp_path / name).write_text((tutorial / name).read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tutorial))
    _, doc = _audit(env={"PYTHONPATH": str(tutorial)})
    assert doc["extra"]["environment"]["server"] == "flask-run"
    assert len(_by_code(doc, "FD305")) == 1


def test_flask_doctor_audit_under_the_flask_cli_drops_what_flask_loaded(tutorial: Path) -> None:
    result = CliRunner().invoke(
        FlaskGroup(), ["doctor", "audit", "--deploy", "--format", "json"], catch_exceptions=False
    )
    doc = json.loads(result.stdout)
    assert doc["extra"]["app"]["import"] == "flaskr"
    assert _by_code(doc, "FD305") == []  # flask loaded FLASK_DEBUG=1 from .flaskenv; gunicorn would not


def test_fallback_in_the_source_is_not_called_an_environment_value(tutorial: Path) -> None:
    _, doc = _audit()
    [weak] = _by_code(doc, "FD341")
    assert weak["location"]["path"] == "flaskr/__init__.py"
    messages = [e["message"] for e in weak["evidence"]]
    assert messages == [
        "set by the app's code",
        "environment variable FLASKR_SECRET_KEY is not set: the value written in the source applies",
    ]
    assert not any("value from environment variable FLASKR_SECRET_KEY" in m for m in messages)


def test_environment_value_is_named_with_its_origin(tutorial: Path) -> None:
    _, doc = _audit(env={"FLASKR_SECRET_KEY": "short-key"})
    [weak] = _by_code(doc, "FD341")
    assert "value from environment variable FLASKR_SECRET_KEY (set in the environment)" in [
        e["message"] for e in weak["evidence"]
    ]
