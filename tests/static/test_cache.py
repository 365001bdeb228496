"""The check cache: a warm run reports exactly what a cold run reports, and never trusts a bad entry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flask_doctor.config import Settings
from flask_doctor.static.cache import CACHE_DIR_NAME, DISABLE_ENV
from flask_doctor.static.engine import run_check

REPO = Path(__file__).resolve().parents[2]
CLINIC = REPO / "examples" / "clinic" / "sick"
FIXTURE = REPO / "tests" / "fixtures" / "projects" / "err_tasks_bad"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def check(root: Path, cache: bool = True) -> tuple[list[dict], int]:
    """Findings as JSON dicts, and how many modules the run parsed."""
    result = run_check([root], Settings(root=root, preview=True), jobs=1, cache=cache)
    return [f.to_dict() for f in result.findings], len(result.parsed)


def entries(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR_NAME / "entries").rglob("*.json"))


@pytest.fixture(autouse=True)
def cache_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DISABLE_ENV, raising=False)


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    root = tmp_path / "clinic"
    shutil.copytree(CLINIC, root, ignore=shutil.ignore_patterns(CACHE_DIR_NAME, "__pycache__"))
    return root


@pytest.mark.parametrize("source", [CLINIC, FIXTURE], ids=["clinic", "fixture"])
def test_warm_run_reports_what_a_cold_run_reports(tmp_path: Path, source: Path) -> None:
    root = tmp_path / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(CACHE_DIR_NAME, "__pycache__"))
    uncached, parsed = check(root, cache=False)
    assert parsed > 0 and not (root / CACHE_DIR_NAME).exists()
    cold, parsed_cold = check(root)
    warm, parsed_warm = check(root)
    assert uncached and cold == uncached and warm == uncached
    assert parsed_cold == parsed and parsed_warm == 0  # nothing parsed again
    assert (root / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"


def test_edited_file_changes_its_findings_and_only_its_findings(clinic: Path) -> None:
    before, _ = check(clinic)
    views = clinic / "clinic" / "views.py"
    text = views.read_text()
    edited = text.replace(
        "requests.get(f\"{app.config['UPSTREAM_URL']}/lab/{appointment.id}\")",
        "requests.get(f\"{app.config['UPSTREAM_URL']}/lab/{appointment.id}\", timeout=5)",
    )
    assert edited != text
    views.write_text(edited)
    warm, parsed = check(clinic)
    cold, _ = check(clinic, cache=False)
    assert parsed > 0  # the project was checked again
    assert warm == cold

    def at(findings: list[dict], code: str) -> set[int]:
        return {
            f["location"]["line"] for f in findings if f["code"] == code and f["location"]["path"].endswith("views.py")
        }

    assert 91 in at(before, "FD402") and 91 not in at(warm, "FD402")
    assert at(warm, "FD402") == at(before, "FD402") - {91}
    # back to the first text: the first entry is found again
    views.write_text(text)
    again, parsed_again = check(clinic)
    assert again == before and parsed_again == 0


def test_cross_file_edit_changes_another_files_finding(tmp_path: Path) -> None:
    """A helper's findings depend on who calls it: editing the caller's file re-judges the helper's."""
    write(tmp_path / "pyproject.toml", "[project]\nname = 'shop'\n")
    write(tmp_path / "shop" / "__init__.py", "")
    write(
        tmp_path / "shop" / "helpers.py",
        """
        import time


        def slow():
            time.sleep(5)
        """,
    )
    write(
        tmp_path / "shop" / "views.py",
        """
        from flask import Flask

        from shop.helpers import slow

        app = Flask(__name__)


        def index():
            return "ok"
        """,
    )
    first, _ = check(tmp_path)
    assert not [f for f in first if f["code"] == "FD401"]
    views = tmp_path / "shop" / "views.py"
    views.write_text(
        views.read_text().replace(
            'def index():\n    return "ok"', '@app.route("/")\ndef index():\n    slow()\n    return "ok"'
        )
    )
    warm, _ = check(tmp_path)
    assert warm == check(tmp_path, cache=False)[0]
    assert [(f["code"], f["location"]["path"]) for f in warm if f["code"] == "FD401"] == [("FD401", "shop/helpers.py")]


def test_settings_are_part_of_the_key(clinic: Path) -> None:
    check(clinic)
    narrow = run_check([clinic], Settings(root=clinic, preview=True, select=["FD402"]), jobs=1, cache=True)
    assert {f.code for f in narrow.findings} <= {"FD402", "FD001", "FD002", "FD003", "FD004"}
    assert len(narrow.parsed) > 0  # other settings: a miss


def test_the_corpus_measurement_mode_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FLASK_DOCTOR_OWN_SEVERITIES=1 runs the rules that are off by default: not the same run."""
    from flask_doctor.catalogue.precision import off_by_default
    from flask_doctor.static.engine import all_rules

    if not any(off_by_default(code) for code in all_rules()):
        pytest.skip("no rule is off by default in this precision table")
    shutil.copytree(FIXTURE, tmp_path / "app")
    root = tmp_path / "app"
    settings = Settings(root=root)
    monkeypatch.delenv("FLASK_DOCTOR_OWN_SEVERITIES", raising=False)
    run_check([root], settings, jobs=1, cache=True)
    monkeypatch.setenv("FLASK_DOCTOR_OWN_SEVERITIES", "1")
    measured = run_check([root], settings, jobs=1, cache=True)
    assert len(measured.parsed) > 0  # a miss: the first run's entry is not reused
    assert len(entries(root)) == 2


def test_corrupt_missing_and_foreign_entries_are_misses(clinic: Path) -> None:
    cold, _ = check(clinic)
    [entry] = entries(clinic)
    for damage in (
        b"",
        b"{not json",
        b'{"format": 1, "key": "other", "findings": [], "noqa": {}}',
        entry.read_bytes()[:100],
        b"[1, 2]",
    ):
        entry.write_bytes(damage)
        findings, parsed = check(clinic)
        assert findings == cold and parsed > 0
    entry.unlink()
    assert check(clinic)[0] == cold


def test_unwritable_cache_is_silently_skipped(clinic: Path) -> None:
    (clinic / CACHE_DIR_NAME).write_text("a file where the directory should be")
    findings, parsed = check(clinic)
    assert findings == check(clinic, cache=False)[0] and parsed > 0


def test_monorepo_edit_checks_only_the_edited_project(tmp_path: Path) -> None:
    for name in ("one", "two"):
        write(tmp_path / name / "pyproject.toml", f"[project]\nname = '{name}'\n")
        write(
            tmp_path / name / name / "__init__.py",
            """
            import requests
            from flask import Flask

            app = Flask(__name__)


            @app.route("/")
            def index():
                return requests.get("https://example.com").text
            """,
        )
    cold, _ = check(tmp_path)
    target = tmp_path / "two" / "two" / "__init__.py"
    target.write_text(target.read_text().replace('"https://example.com")', '"https://example.com", timeout=3)'))
    result = run_check([tmp_path], Settings(root=tmp_path, preview=True), jobs=1, cache=True)
    assert set(result.parsed) == {"two/two/__init__.py"}
    assert [f.to_dict() for f in result.findings] == check(tmp_path, cache=False)[0]
    assert [f for f in cold if f["code"] == "FD402"] != [f.to_dict() for f in result.findings if f.code == "FD402"]


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), environ.get("PYTHONPATH", "")])
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flask_doctor", "check", ".", "--format", "json", "--no-color", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_no_cache_option_and_environment_variable(clinic: Path) -> None:
    plain = cli(clinic, "--no-cache")
    assert not (clinic / CACHE_DIR_NAME).exists()
    quiet = cli(clinic, env={DISABLE_ENV: "1"})
    assert not (clinic / CACHE_DIR_NAME).exists()
    assert json.loads(plain.stdout) == json.loads(quiet.stdout)
    cached = cli(clinic)
    assert (clinic / CACHE_DIR_NAME).is_dir() and json.loads(cached.stdout) == json.loads(plain.stdout)


def test_concurrent_runs_agree_and_leave_a_valid_entry(clinic: Path) -> None:
    expected = json.loads(cli(clinic, "--no-cache").stdout)
    environ = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), environ.get("PYTHONPATH", "")])
    argv = [sys.executable, "-m", "flask_doctor", "check", ".", "--format", "json", "--no-color"]
    runs = [subprocess.Popen(argv, cwd=clinic, env=environ, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [json.loads(run.communicate(timeout=300)[0]) for run in runs]
    assert all(output == expected for output in outputs)
    assert not [p for p in (clinic / CACHE_DIR_NAME).rglob(".tmp-*")]  # no temporary file left behind
    assert json.loads(cli(clinic).stdout) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_committed_as_an_entry_or_as_pyproject_is_never_read(clinic: Path) -> None:
    cold, _ = check(clinic)
    [entry] = entries(clinic)
    entry.unlink()
    os.mkfifo(entry)  # a hostile repository can commit anything under the cache directory
    done = cli(clinic)  # a blocking read would hang here
    assert done.returncode in (0, 1) and json.loads(done.stdout)["findings"]
    assert check(clinic)[0] == cold


def test_pinned_versions_are_part_of_the_key(tmp_path: Path) -> None:
    """The deploy model, pins included, is in the key: moving to Flask-SQLAlchemy 3 re-judges FD208."""
    write(
        tmp_path / "jobs.py",
        """
        from celery import Celery
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)
        celery = Celery(__name__, broker="redis://localhost")


        @celery.task
        def purge():
            db.session.execute(db.text("DELETE FROM events"))
        """,
    )
    write(tmp_path / "requirements.txt", "Flask-SQLAlchemy==2.5.1\n")
    first, _ = check(tmp_path)
    assert not [f for f in first if f["code"] == "FD208"]
    write(tmp_path / "requirements.txt", "Flask-SQLAlchemy==3.1.1\n")
    warm, parsed = check(tmp_path)
    assert parsed > 0 and warm == check(tmp_path, cache=False)[0]
    assert [(f["location"]["line"], "it raises" in f["message"]) for f in warm if f["code"] == "FD208"] == [(12, True)]


def test_an_edit_to_an_openapi_file_alone_is_seen(tmp_path: Path) -> None:
    """The functions a connexion specification names are views: the file is read while the model is built,
    so the entry records it and a warm run after editing only that file checks again."""
    root = tmp_path / "pets"
    write(root / "app" / "__init__.py", "")
    write(
        root / "app" / "main.py",
        """
        import connexion

        app = connexion.App(__name__, specification_dir="openapi/")
        app.add_api("pets.yaml")
        """,
    )
    write(
        root / "app" / "pets.py",
        """
        import requests


        def list_pets():
            return requests.get("https://pets.example.com/all").json()


        def get_pet(pet_id):
            return requests.get(f"https://pets.example.com/{pet_id}").json()
        """,
    )
    spec = root / "app" / "openapi" / "pets.yaml"

    def spec_naming(function: str) -> str:
        return (
            "openapi: 3.0.0\ninfo: {title: pets, version: '1'}\npaths:\n  /pets:\n    get:\n"
            f"      operationId: app.pets.{function}\n      responses: {{'200': {{description: ok}}}}\n"
        )

    def reached_in(findings: list[dict]) -> set[int]:
        """Lines of FD402 findings whose call the connexion operation reaches (the others say none is known)."""
        return {
            f["location"]["line"]
            for f in findings
            if f["code"] == "FD402" and "no request or job is known to reach it" not in f["message"]
        }

    spec.parent.mkdir(parents=True)
    spec.write_text(spec_naming("list_pets"))
    cold, _ = check(root)
    warm, parsed = check(root)
    assert warm == cold and parsed == 0 and reached_in(cold) == {5}
    spec.write_text(spec_naming("get_pet"))
    edited, parsed = check(root)
    assert parsed > 0, "the entry recorded the specification, so editing it alone is a miss"
    assert reached_in(edited) == {9} and edited == check(root, cache=False)[0]
    spec.unlink()
    gone, parsed = check(root)
    assert parsed > 0 and reached_in(gone) == set()
