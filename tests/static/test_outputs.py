"""Every output format on a real run: SARIF valid against the OASIS schema,
stable JSON, GitHub annotations, text grouped by file."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())

APP = textwrap.dedent(
    """
    from flask import Flask, request
    app = Flask(__name__)
    _seen = {}
    hits = 0

    @app.route("/")
    def index():
        global hits
        hits += 1
        _seen[request.path] = 1  # noqa: FD101
        return "ok"
    """
).lstrip()

#: The output and exit-code tests need FD104 at warning and FD101 run (for its suppressed
#: finding), whatever their measured defaults (catalogue/precision.py can switch a rule off):
#: the user's setting pins both.
PINNED = '[tool.flask-doctor]\nseverity = { FD104 = "warning", FD101 = "warning" }\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n" + PINNED)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "broken.py").write_text("def index(:\n    pass\n")
    return tmp_path


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["check", str(project), "--no-color", *args], catch_exceptions=False)


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    result = run(project, "--format", "sarif")
    assert result.exit_code == 1
    document = json.loads(result.output)
    jsonschema.validate(document, SCHEMA)
    run_ = document["runs"][0]
    results = {r["ruleId"]: r for r in run_["results"]}
    assert set(results) == {"FD001", "FD101", "FD104"}
    assert results["FD101"]["suppressions"] == [{"kind": "inSource"}]
    assert "suppressions" not in results["FD104"]
    assert results["FD104"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert "FD104" in rule_ids and all(r["shortDescription"]["text"] for r in run_["tool"]["driver"]["rules"])
    assert results["FD104"]["ruleIndex"] == rule_ids.index("FD104")


def test_sarif_fingerprints_survive_lines_added_above(project: Path) -> None:
    before = json.loads(run(project, "--format", "sarif").output)
    (project / "app.py").write_text("# a new comment\nimport os\n\n" + APP)
    after = json.loads(run(project, "--format", "sarif").output)

    def prints(doc):
        return {r["ruleId"]: r["partialFingerprints"]["flaskDoctor/v1"] for r in doc["runs"][0]["results"]}

    assert prints(before)["FD104"] == prints(after)["FD104"]
    lines = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]
    }
    assert lines["FD104"] == 12


def test_json_shape_is_documented_and_stable(project: Path) -> None:
    document = json.loads(run(project, "--format", "json").output)
    assert document["schema_version"] == 1
    assert document["surface"] == "check"
    assert document["summary"]["findings"] == 2 and document["summary"]["silenced"] == 1
    finding = next(f for f in document["findings"] if f["code"] == "FD104")
    assert finding["location"] == {"path": "app.py", "line": 9, "column": 5, "end_line": 9, "end_column": 14}
    assert finding["name"] == "global-state-in-request" and finding["severity"] == "warning"
    assert finding["catalog"] == ["S14", "S19"] and finding["fingerprint"]


def test_github_annotations(project: Path) -> None:
    out = run(project, "--format", "github").output.splitlines()
    assert any(line.startswith("::error file=broken.py,line=1") and "title=FD001 syntax-error" in line for line in out)
    assert any(
        line.startswith("::warning file=app.py,line=9,endLine=9,col=5,title=FD104 global-state-in-request::")
        for line in out
    )
    assert not any("FD101" in line for line in out)  # suppressed findings are not annotated


def test_text_output_groups_by_file_and_shows_the_line(project: Path) -> None:
    out = run(project).stdout
    assert "app.py\n" in out and "broken.py\n" in out
    assert "FD104 global-state-in-request" in out and "hits += 1" in out and "fix:" in out
    # app.py, broken.py and pyproject.toml (read for the dependencies it declares)
    assert out.rstrip().endswith("2 findings in 3 files (1 silenced)")


def test_output_file_keeps_stdout_clean(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.sarif"
    result = run(project, "--format", "sarif", "--output", str(target))
    assert result.output == ""
    jsonschema.validate(json.loads(target.read_text()), SCHEMA)


@pytest.mark.parametrize("app", [APP, "x = 1\n"], ids=["findings", "none"])
def test_quiet_summary_without_colour_is_what_rich_prints(tmp_path: Path, app: str) -> None:
    """``--quiet`` without colour prints the summary line without rich (issue 13: start-up); with colour, rich
    renders the same line, whose text (escape codes removed) must be identical."""
    import re

    from flask_doctor.findings import Finding, Location, Severity
    from flask_doctor.report import RenderContext
    from flask_doctor.report.text import render_text

    (tmp_path / "app.py").write_text(app)
    quiet = run(tmp_path, "--quiet").stdout
    with_rich = run(tmp_path, "--quiet", "--statistics").stdout  # statistics lines are rendered by rich
    assert quiet.count("\n") == 1 and with_rich.endswith(quiet)
    found = Finding(code="FD104", name="n", severity=Severity.WARNING, message="m", location=Location("a.py", 1, 1))
    for findings in ([], [found], [found, found]):
        ctx = RenderContext(quiet=True, files_checked=3)
        plain = render_text(findings, ctx)
        ctx.color = True
        assert re.sub(r"\x1b\[[0-9;]*m", "", render_text(findings, ctx)) == plain


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the checker itself parses 3.12 syntax")
def test_a_file_of_newer_syntax_is_a_run_note_in_every_format(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_doctor.static import grammar

    monkeypatch.setattr(grammar, "_found", [])  # no newer interpreter to parse it with
    (project / "helpers.py").write_text("def first[T](items: list[T]) -> T:\n    return items[0]\n")
    document = json.loads(run(project, "--format", "json").output)
    assert "helpers.py" not in {f["location"]["path"] for f in document["findings"]}  # nothing wrong in it
    (skipped,) = document["extra"]["files_not_checked"]
    assert skipped["path"] == "helpers.py" and skipped["line"] == 1 and "PEP 695" in skipped["reason"]
    sarif = json.loads(run(project, "--format", "sarif").output)
    jsonschema.validate(sarif, SCHEMA)
    (note,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("not checked: a generic function at line 1")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "helpers.py"
    text = run(project)
    assert "Not checked: helpers.py: a generic function at line 1" in text.stderr
    assert "helpers.py" not in text.stdout
