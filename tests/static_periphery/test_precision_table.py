"""The precision levels users read are the ones the verdict ledger supports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from flask_doctor.catalogue.precision import MIN_JUDGED, Tally, level_of, precision_of
from flask_doctor.static.command import rule_markdown

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "precision_table.py"


def test_the_shipped_table_matches_the_ledger_and_the_current_run() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("true", "wrong", "debatable", "level"),
    [
        (19, 1, 0, "very-high"),
        (18, 1, 1, "high"),
        (9, 1, 0, "high"),
        (7, 2, 1, "medium"),
        (6, 2, 2, "low"),
        (3, 0, 0, "unmeasured"),
    ],
)
def test_levels(true: int, wrong: int, debatable: int, level: str) -> None:
    assert level_of(Tally(true, wrong, debatable)) == level


def test_debatable_counts_against_precision() -> None:
    assert level_of(Tally(true=MIN_JUDGED, debatable=MIN_JUDGED)) == "low"


def test_a_rule_without_verdicts_is_unmeasured_and_says_so() -> None:
    assert precision_of("FD999").level == "unmeasured"
    assert "no held findings judged" in precision_of("FD999").describe()


def test_only_findings_of_the_current_run_count(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import precision_table
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    current = tmp_path / "current.jsonl"
    ledger = tmp_path / "ledger.jsonl"
    current.write_text(
        json.dumps({"app": "buku", "code": "FD201", "fingerprint": "a" * 20, "severity": "warning"}) + "\n"
    )
    ledger.write_text(
        "".join(
            json.dumps(row) + "\n"
            for row in [
                {"app": "buku", "rule": "FD201", "fingerprint": "a" * 20, "verdict": "wrong", "reason": "x"},
                {"app": "buku", "rule": "FD201", "fingerprint": "a" * 20, "verdict": "true", "reason": "re-read"},
                {"app": "buku", "rule": "FD201", "fingerprint": "b" * 20, "verdict": "wrong", "reason": "gone"},
            ]
        )
    )
    counts = precision_table.tally(current, ledger)
    assert counts["FD201"]["held"]["all"] == {"true": 1, "wrong": 0, "debatable": 0, "unjudged": 0}


def test_the_rule_page_shows_the_level() -> None:
    assert f"**Precision on real code:** {precision_of('FD201').level}" in rule_markdown("FD201")


def test_a_warning_is_earned_by_the_warnings_judged_on_real_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_doctor.catalogue import precision

    def table(held: Tally, tune: Tally | None = None) -> None:
        row = precision.Precision("FD999", Tally(), Tally(), held_warnings=held, tune_warnings=tune or Tally())
        monkeypatch.setattr(precision, "_table", lambda: {"FD999": row})

    table(Tally(28, 1, 1))  # enough held warnings: 93 %
    assert precision.earns_warning("FD999")
    table(Tally(8, 1, 1))  # enough held warnings: 80 %
    assert not precision.earns_warning("FD999")
    table(Tally(1, 0, 0), Tally(9, 0, 0))  # few held, enough pooled: all true
    assert precision.earns_warning("FD999")
    table(Tally(0, 0, 1), Tally(5, 0, 0))  # few held, enough pooled: one debatable in six
    assert not precision.earns_warning("FD999")
    table(Tally(1, 0, 0), Tally(2, 0, 0))  # few even pooled, all true: not yet measured
    assert not precision.earns_warning("FD999")
    assert "not yet measured on real code (3 of its warnings judged" in precision.demotion_reason("FD999")
    table(Tally())  # never warned on the corpus: unmeasured, so a note
    assert not precision.earns_warning("FD999")
    assert precision.earns_warning("FD001")  # internal ids are not claims about the app


FD104_APP = """
from flask import Flask
app = Flask(__name__)
counter = 0

@app.route("/")
def index():
    global counter
    counter += 1
    return "ok"
"""


@pytest.fixture
def fd104_measured_low(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from flask_doctor.catalogue import precision

    table = {
        "FD104": precision.Precision(
            "FD104", Tally(true=1, wrong=5, debatable=2), Tally(), held_warnings=Tally(true=1, wrong=5, debatable=2)
        )
    }
    monkeypatch.setattr(precision, "_table", lambda: table)


def _fd104(tmp_path: Path, config: str = "") -> dict:
    from click.testing import CliRunner

    from flask_doctor.cli import cli

    (tmp_path / "pyproject.toml").write_text("[project]\nname='demo'\n" + config)
    (tmp_path / "app.py").write_text(FD104_APP)
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "json"], catch_exceptions=False)
    [finding] = [f for f in json.loads(result.output)["findings"] if f["code"] == "FD104"]
    return {"exit": result.exit_code, **finding}


def test_a_rule_measured_low_speaks_as_a_note_that_says_why(tmp_path: Path, fd104_measured_low: None) -> None:
    finding = _fd104(tmp_path)
    assert finding["severity"] == "note" and finding["exit"] == 0
    assert any("1 of 8 warnings on held real code" in e["message"] for e in finding["evidence"])


def test_the_users_severity_setting_raises_it_again(tmp_path: Path, fd104_measured_low: None) -> None:
    finding = _fd104(tmp_path, '[tool.flask-doctor]\nseverity = { FD104 = "warning" }\n')
    assert finding["severity"] == "warning" and finding["exit"] == 1
    assert not any("shown as a note" in e["message"] for e in finding["evidence"])


def test_a_separate_sample_is_tallied_without_touching_the_shipped_run(tmp_path: Path) -> None:
    """A fresh sample is measured against the shipped severities; runs/current.jsonl stays as it is."""
    run = tmp_path / "run.jsonl"
    run.write_text(
        json.dumps({"kind": "run", "app": "buku", "status": "ok"})
        + "\n"
        + json.dumps(
            {"kind": "finding", "app": "buku", "code": "FD402", "fingerprint": "f" * 20, "severity": "warning"}
            | {"path": "buku.py", "line": 3, "message": "m"}
        )
        + "\n"
    )
    sample = tmp_path / "sample.jsonl"
    before = (ROOT / "docs" / "precision" / "runs" / "current.jsonl").read_bytes()
    slimmed = subprocess.run(
        [sys.executable, str(SCRIPT), "--slim", str(run), "--current", str(sample)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert slimmed.returncode == 0, slimmed.stderr
    assert json.loads(sample.read_text())["fingerprint"] == "f" * 20
    assert (ROOT / "docs" / "precision" / "runs" / "current.jsonl").read_bytes() == before
    table = subprocess.run(
        [sys.executable, str(SCRIPT), "--markdown", "--current", str(sample)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert table.returncode == 0, table.stderr
    assert "| FD402 |" in table.stdout and "0 / 0, 1 unjudged" in table.stdout
    refused = subprocess.run(
        [sys.executable, str(SCRIPT), "--current", str(sample)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2


def test_recall_can_count_the_places_a_findings_evidence_points_at(tmp_path: Path) -> None:
    """A reviewer named the view that calls the blocking helper; the finding names the helper."""
    from flask_doctor.catalogue.precision import off_by_default
    from flask_doctor.rulebook import all_metas

    problems = [json.loads(line) for line in (ROOT / "docs" / "precision" / "recall-tune.jsonl").open()]
    problem = next(p for p in problems if str(p["catalog_problem"]).startswith("S17") and "sample" in p)
    code = next(m.code for m in all_metas() if "S17" in m.catalog and not m.preview and not off_by_default(m.code))
    finding = {"kind": "finding", "app": problem["app"], "code": code, "fingerprint": "f", "severity": "warning"}
    run = tmp_path / "run.jsonl"
    run.write_text(
        json.dumps({**finding, "path": "elsewhere.py", "line": 3, "related": [[problem["path"], problem["line"]]]})
        + "\n"
    )

    def found(*options: str) -> str:
        argv = [sys.executable, str(ROOT / "scripts" / "recall_table.py"), str(run), "--half", "tune"]
        out = subprocess.run([*argv, "--sample", problem["sample"], *options], capture_output=True, text=True)
        return out.stdout.splitlines()[0]

    assert ": 0 of " in found()
    assert ": 1 of " in found("--evidence") and "evidence places too" in found("--evidence")


def test_evidence_places_do_not_count_for_problems_outside_the_catalogue(tmp_path: Path) -> None:
    problems = [json.loads(line) for line in (ROOT / "docs" / "precision" / "recall-tune.jsonl").open()]
    problem = next(p for p in problems if str(p["catalog_problem"]).startswith("beyond") and "sample" in p)
    finding = {"kind": "finding", "app": problem["app"], "code": "FD402", "fingerprint": "f", "severity": "warning"}
    run = tmp_path / "run.jsonl"
    run.write_text(
        json.dumps({**finding, "path": "elsewhere.py", "line": 3, "related": [[problem["path"], problem["line"]]]})
        + "\n"
    )
    argv = [sys.executable, str(ROOT / "scripts" / "recall_table.py"), str(run), "--half", "tune", "--evidence"]
    out = subprocess.run([*argv, "--sample", problem["sample"]], capture_output=True, text=True).stdout
    assert ": 0 of " in out.splitlines()[0]


def test_a_rule_right_on_fewer_than_one_in_five_held_findings_is_off_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flask_doctor.catalogue import precision

    def table(held: Tally) -> None:
        monkeypatch.setattr(precision, "_table", lambda: {"FD999": precision.Precision("FD999", held, Tally())})

    table(Tally(1, 8, 1))  # 10 judged, 10 % true
    assert precision.off_by_default("FD999")
    assert "1 of 10 of its findings on held real code" in precision.off_reason("FD999")
    table(Tally(2, 7, 1))  # 10 judged, 20 % true: the floor itself keeps it on
    assert not precision.off_by_default("FD999")
    table(Tally(0, 5, 4))  # 9 judged: too few to switch a rule off
    assert not precision.off_by_default("FD999")
    table(Tally())
    assert not precision.off_by_default("FD999")
    assert not precision.off_by_default("FD001")  # internal ids always run


@pytest.fixture
def fd104_measured_very_low(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from flask_doctor.catalogue import precision

    row = precision.Precision("FD104", Tally(true=1, wrong=9, debatable=2), Tally())
    monkeypatch.setattr(precision, "_table", lambda: {"FD104": row})
    monkeypatch.delenv("FLASK_DOCTOR_OWN_SEVERITIES", raising=False)


def _check(tmp_path: Path, *args: str, config: str = "", source: str = FD104_APP):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from flask_doctor.cli import cli

    (tmp_path / "pyproject.toml").write_text("[project]\nname='demo'\n" + config)
    (tmp_path / "app.py").write_text(source)
    result = CliRunner().invoke(
        cli, ["check", str(tmp_path), "--format", "json", "--no-cache", *args], catch_exceptions=False
    )
    codes = [f["code"] for f in json.loads(result.stdout)["findings"] if not f.get("suppressed")]
    return codes, result.stderr


def test_a_rule_off_by_default_does_not_run_and_the_run_says_so(tmp_path: Path, fd104_measured_very_low: None) -> None:
    from click.testing import CliRunner

    from flask_doctor.cli import cli

    codes, stderr = _check(tmp_path)
    assert "FD104" not in codes
    assert stderr == ""  # a JSON report says it in-band
    report = CliRunner().invoke(cli, ["check", str(tmp_path), "--no-cache", "--format", "json"])
    assert "1 of 12 of its findings" in json.loads(report.stdout)["extra"]["rules_off_by_default"]["FD104"]
    sarif = json.loads(CliRunner().invoke(cli, ["check", str(tmp_path), "--no-cache", "--format", "sarif"]).stdout)
    [run] = sarif["runs"]
    [notification] = run["invocations"][0]["toolConfigurationNotifications"]
    assert notification["associatedRule"]["id"] == "FD104" and "did not run" in notification["message"]["text"]
    rule = run["tool"]["driver"]["rules"][notification["associatedRule"]["index"]]
    assert rule["id"] == "FD104"
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    text = CliRunner().invoke(cli, ["check", str(tmp_path), "--no-cache"], catch_exceptions=False)
    assert "FD104" not in text.stdout
    assert "Off by default: FD104" in text.stderr and "--preview" in text.stderr


@pytest.mark.parametrize(
    ("args", "config"),
    [
        (("--preview",), ""),
        ((), '[tool.flask-doctor]\nselect = ["FD104"]\n'),
        (("--extend-select", "FD104"), ""),
        ((), '[tool.flask-doctor]\nseverity = { FD104 = "warning" }\n'),
    ],
    ids=["preview", "select", "extend-select", "severity"],
)
def test_asking_for_a_rule_off_by_default_runs_it(
    tmp_path: Path, fd104_measured_very_low: None, args: tuple[str, ...], config: str
) -> None:
    codes, stderr = _check(tmp_path, *args, config=config)
    assert "FD104" in codes
    assert "Off by default" not in stderr


def test_the_corpus_measurement_still_runs_a_rule_off_by_default(
    tmp_path: Path, fd104_measured_very_low: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DOCTOR_OWN_SEVERITIES", "1")
    codes, _ = _check(tmp_path)
    assert "FD104" in codes


def test_a_noqa_for_a_rule_off_by_default_is_not_called_unused(tmp_path: Path, fd104_measured_very_low: None) -> None:
    codes, _ = _check(tmp_path, source=FD104_APP.replace("counter += 1", "counter += 1  # noqa: FD104"))
    assert "FD104" not in codes and "FD003" not in codes
    codes, _ = _check(tmp_path, "--preview", source=FD104_APP.replace("counter += 1", "counter += 1  # noqa: FD104"))
    assert "FD104" not in codes and "FD003" not in codes  # it ran, and the directive silenced it
