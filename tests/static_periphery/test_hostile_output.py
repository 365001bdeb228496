"""No output passes control characters from file names or file contents to a terminal or a CI log.

A file named ``x\\n::error file=x::INJECTED.py`` must not forge a GitHub
workflow command, and an OSC 52 sequence in a name or a deploy file must not
reach the reader's terminal (a clipboard write).  Every human-readable format
escapes C0 (but tab), DEL and C1 controls as ``\\x1b``-style text; JSON and
SARIF carry them only as JSON escapes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flask_doctor.safe_text import printable

OSC52 = "\x1b]52;c;SU5KRUNURUQ=\x1b\\"
CSI_CLEAR = "\x1b[2J"
C1_CSI = "\x9b31m"
FORGED = "\n::error file=x::INJECTED"
HOSTILE_NAMES = [f"a{FORGED}.py", f"b{OSC52}.py", f"c{CSI_CLEAR}.py", f"d{C1_CSI}.py"]
#: Any raw control character a terminal acts on (newline and tab are the output's own).
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_printable_escapes_every_control_but_tab() -> None:
    assert printable("ok\tstill ok") == "ok\tstill ok"
    assert printable("a\nb") == "a\\x0ab"
    assert printable(OSC52) == "\\x1b]52;c;SU5KRUNURUQ=\\x1b\\"
    assert printable("\x7f\x85\x9b") == "\\x7f\\x85\\x9b"
    # bidirectional overrides reorder what the reader sees (Trojan Source)
    assert printable("x\u202ey") == "x\\u202ey"


@pytest.fixture
def hostile_tree(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    root.mkdir()
    body = "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)  # " + OSC52 + "\n"
    for name in HOSTILE_NAMES:
        try:
            (root / name).write_text(body, encoding="utf-8")
        except OSError:  # pragma: no cover - a filesystem that refuses the name
            pytest.skip(f"filesystem refuses {name!r}")
    (root / "Dockerfile").write_text(f'FROM python:3.12\nCMD ["flask", "run", "--host=0.0.0.0"]  # {OSC52}\n')
    (root / "Procfile").write_text(f"web: flask run --host 0.0.0.0 {CSI_CLEAR}\n")
    return root


#: --fail-level note and --extend-select: the exit code says the hostile files were reported whatever
#: severity the measured precision table gives the development-server rule today, and whether that
#: table leaves it on by default.
REPORT_THE_DEV_SERVER = ("--no-color", "--fail-level", "note", "--extend-select", "FD306")


def _check(root: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask_doctor", "check", ".", "--format", fmt, *REPORT_THE_DEV_SERVER],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_no_raw_control_character_in_any_format(hostile_tree: Path, fmt: str) -> None:
    result = _check(hostile_tree, fmt)
    assert result.returncode == 1, result.stderr
    for stream in (result.stdout, result.stderr):
        assert not RAW_CONTROL.search(stream), repr(RAW_CONTROL.search(stream))
    # every hostile file was still checked and reported
    assert result.stdout.count("development-server") + result.stdout.count("FD306") >= len(HOSTILE_NAMES)


def test_github_annotations_cannot_be_forged(hostile_tree: Path) -> None:
    lines = _check(hostile_tree, "github").stdout.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
    assert not any(line.startswith("::error file=x::") for line in lines)


def test_machine_formats_keep_the_real_name_as_json_escapes(hostile_tree: Path) -> None:
    data = json.loads(_check(hostile_tree, "json").stdout)
    paths = {f["location"]["path"] for f in data["findings"] if f.get("location")}
    assert set(HOSTILE_NAMES) <= paths


def test_a_multi_line_hint_is_shown_as_lines_behind_a_gutter() -> None:
    from flask_doctor.findings import Location
    from flask_doctor.report import RenderContext
    from flask_doctor.report.text import render_text
    from flask_doctor.rulebook import new_finding

    finding = new_finding(
        "FD106",
        surface="check",
        message="m",
        location=Location("app.py", 1, 1),
        hint="add:\n@app.teardown_appcontext\n::error file=x::INJECTED\x1b[2J",
    )
    out = render_text([finding], RenderContext(surface="check"))
    assert "\\x0a" not in out and "\x1b" not in out
    assert "| @app.teardown_appcontext" in out
    assert not any(line.startswith("::") for line in out.splitlines())
