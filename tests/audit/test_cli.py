"""`flask-doctor audit` and `flask doctor audit` end to end (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup

from flask_doctor.cli import cli

SICK = "tests.audit_apps.sick:create_app()"
GOOD = "tests.audit_apps.good:create_app()"


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["audit", *args], env=env, catch_exceptions=False)


def test_good_app_exits_0_with_no_findings(good_secret: str) -> None:
    result = invoke("--app", GOOD)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No findings (0 silenced)"


def test_good_app_json_extra(good_secret: str) -> None:
    result = invoke("--app", GOOD, "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 0
    assert (doc["surface"], doc["findings"]) == ("audit", [])
    extra = doc["extra"]
    assert extra["app"]["judged_as"] == "production" and extra["app"]["factory_called_twice"] is True
    assert {
        "rule": "/contact",
        "methods": ["GET", "POST"],
        "endpoint": "contact",
        "view": "tests.audit_apps.good.create_app.<locals>.contact",
    } in extra["routes"]
    assert extra["engines"][0]["pool_pre_ping"] is True
    assert extra["celery"]["task_acks_late"] is True
    assert extra["middleware"][0]["class"] == "werkzeug.middleware.proxy_fix.ProxyFix"


def test_sick_app_exits_1_and_names_settings_and_places() -> None:
    result = invoke("--app", SICK, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    found = {(f["code"], f["object"]) for f in doc["findings"]}
    assert {
        ("FD341", "config:SECRET_KEY"),
        ("FD303", "config:SESSION_COOKIE_HTTPONLY"),
        ("FD304", "config:SESSION_COOKIE_SAMESITE"),
        ("FD340", "config:TESTING"),
        ("FD349", "middleware:ProfilerMiddleware"),
        ("FD308", "endpoint:comment"),
        ("FD501", "errorhandler:Exception"),
    } <= found
    secret = next(f for f in doc["findings"] if f["code"] == "FD341")
    assert secret["location"]["path"] == "tests/audit_apps/sick/__init__.py" and secret["location"]["line"] == 12
    assert "change-me" not in result.stdout


def test_text_output_and_fail_level() -> None:
    result = invoke("--app", SICK, "--no-color")
    assert result.exit_code == 1
    assert "tests/audit_apps/sick/__init__.py" in result.stdout
    assert '12 |     SECRET_KEY = "***"' in result.stdout  # the user's own line, secrets masked
    assert invoke("--app", SICK, "--select", "FD340", "--fail-level", "error").exit_code == 0
    assert invoke("--app", SICK, "--select", "FD340").exit_code == 1
    quiet = invoke("--app", SICK, "--ignore", "FD3,FD5", "-q")
    assert quiet.stdout.strip() == "No findings (0 silenced)" and quiet.exit_code == 0


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_other_formats(fmt: str) -> None:
    result = invoke("--app", SICK, "--format", fmt)
    assert result.exit_code == 1
    if fmt == "sarif":
        run = json.loads(result.stdout)["runs"][0]
        assert {r["ruleId"] for r in run["results"]} >= {"FD341", "FD308"}
    else:
        assert "::error file=tests/audit_apps/sick/__init__.py,line=12" in result.stdout


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "audit.json"
    result = invoke("--app", SICK, "--format", "json", "--output", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["surface"] == "audit"


def test_app_that_fails_to_import_exits_2_with_its_own_traceback() -> None:
    result = invoke("--app", "tests.audit_apps.broken")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "flask-doctor: error: the application failed to load: KeyError: 'BROKEN_APP_DATABASE_URL'" in err
    assert 'tests/audit_apps/broken/__init__.py", line 9, in <module>' in err
    assert "hint: the environment variable BROKEN_APP_DATABASE_URL is missing" in err
    assert "flask/cli.py" not in err and "importlib" not in err


def test_wrong_app_exits_2() -> None:
    result = invoke("--app", "tests.audit_apps.nothere")
    assert result.exit_code == 2
    assert "Could not import 'tests.audit_apps.nothere'." in result.stderr
    assert "hint: check --app" in result.stderr


def test_flask_app_env_var() -> None:
    result = invoke("--select", "FD340", env={"FLASK_APP": SICK})
    assert result.exit_code == 1 and "FD340" in result.stdout


def test_deploy_flag_judges_a_debug_app_as_production() -> None:
    result = invoke("--app", "tests.audit_apps.sick:create_app('development')", "--format", "json")
    dev = json.loads(result.stdout)
    assert dev["extra"]["app"]["judged_as"] == "production"  # DEBUG is off in that config too
    forced = json.loads(invoke("--app", "tests.audit_apps.debugapp", "--deploy", "--format", "json").stdout)
    relaxed = json.loads(invoke("--app", "tests.audit_apps.debugapp", "--format", "json").stdout)
    assert [(f["code"], f["severity"]) for f in relaxed["findings"]] == [("FD305", "note")]
    assert ("FD305", "error") in [(f["code"], f["severity"]) for f in forced["findings"]]
    assert ("FD341", "error") in [(f["code"], f["severity"]) for f in forced["findings"]]


def test_celery_option() -> None:
    result = invoke(
        "--app", SICK, "--celery", "tests.audit_apps.celeryapp:celery", "--select", "FD54", "--format", "json"
    )
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["FD540", "FD541"]


def test_probe_summary_on_stderr(good_secret: str, postgres_url: str, redis_url: str) -> None:
    result = invoke("--app", GOOD, "--probe", "--timeout", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        "Probes:\n  database sqlalchemy:default postgresql+psycopg2://postgres@127.0.0.1:5432/test:"
    )
    assert "stale connection: recovered" in result.stderr
    assert "key write/delete ok" in result.stderr


def test_inside_the_flask_cli() -> None:
    result = CliRunner().invoke(
        FlaskGroup(),
        ["--app", SICK, "doctor", "audit", "--select", "FD340", "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["location"]["line"]) == ("FD340", 25)


def test_bad_celery_option_is_a_usage_error() -> None:
    result = invoke("--app", SICK, "--celery", "tests.audit_apps.nothere:celery")
    assert result.exit_code == 2
    assert "flask-doctor: error: --celery 'tests.audit_apps.nothere:celery' cannot be imported" in result.stderr


def test_flask_app_from_the_environment_does_not_override_flask_app_option() -> None:
    result = CliRunner().invoke(
        FlaskGroup(),
        ["--app", SICK, "doctor", "audit", "--select", "FD340"],
        env={"FLASK_APP": "tests.audit_apps.debugapp"},
        catch_exceptions=False,
    )
    assert result.exit_code == 1 and "FD340" in result.stdout


def test_flask_group_with_its_own_factory() -> None:
    from tests.audit_apps.sick import create_app

    group = FlaskGroup(create_app=lambda: create_app("production"))
    result = CliRunner().invoke(
        group, ["doctor", "audit", "--select", "FD304", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert [f["code"] for f in doc["findings"]] == ["FD304"]
    assert doc["extra"]["app"]["factory_called_twice"] is True


def test_facts_are_collected_in_development_too() -> None:
    doc = json.loads(invoke("--app", "tests.audit_apps.debugapp", "--format", "json").stdout)
    extra = doc["extra"]
    assert extra["app"]["judged_as"] == "development"
    assert extra["routes"] == [
        {
            "rule": "/static/<path:filename>",
            "methods": ["GET"],
            "endpoint": "static",
            "view": "flask.app.Flask.__init__.<locals>.<lambda>",
        }
    ]
    assert extra["session"]["storage"] == "signed cookie" and extra["middleware"] == []


def test_debug_shows_the_full_traceback_of_a_load_failure() -> None:
    result = invoke("--app", "tests.audit_apps.broken", "--debug")
    assert result.exit_code == 2
    assert "full traceback (--debug):" in result.stderr and "flask/cli.py" in result.stderr


def test_skipped_deployment_checks_are_named_on_stderr_and_in_json() -> None:
    result = invoke("--app", "tests.audit_apps.debugapp", "--format", "json")
    assert result.exit_code == 0  # only the FD305 note
    doc = json.loads(result.stdout)
    skipped = doc["extra"]["skipped_checks"]
    assert skipped["reason"] == "judged as a development configuration (DEBUG is on)"
    names = {c["check"].rsplit(".", 1)[-1] for c in skipped["checks"]}
    assert {"check_secret_key", "check_engines", "check_session_cookie"} <= names
    assert result.stderr.startswith("note: judged as a development configuration (DEBUG is on), so ")
    assert "deployment checks were skipped: " in result.stderr and "pass --deploy to run them." in result.stderr
    forced = invoke("--app", "tests.audit_apps.debugapp", "--deploy", "--format", "json")
    assert "skipped_checks" not in json.loads(forced.stdout)["extra"] and "skipped" not in forced.stderr
