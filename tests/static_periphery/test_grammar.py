"""Files written for a newer Python than the checker's are still checked."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from flask_doctor.config import Settings
from flask_doctor.findings import Severity
from flask_doctor.static import grammar
from flask_doctor.static.engine import run_check

#: PEP 701 (3.12): the same quotes inside the replacement field.
PEP701_VIEW = """from flask import Flask
import requests

app = Flask(__name__)


@app.get("/")
def index():
    user = {"name": "x"}
    requests.get("https://api.example.com")
    return f"hello {user["name"]}"
"""

needs_older_checker = pytest.mark.skipif(sys.version_info >= (3, 12), reason="the checker itself parses 3.12 syntax")


def _check(root: Path) -> list:
    return run_check([root], Settings(root=root)).findings


@needs_older_checker
def test_pep701_file_is_parsed_by_a_newer_interpreter(tmp_path: Path) -> None:
    if not grammar.newer_interpreters():
        pytest.skip("no newer python3.X installed")
    (tmp_path / "app.py").write_text(PEP701_VIEW)
    findings = _check(tmp_path)
    assert [f.code for f in findings if f.code == "FD001"] == []
    assert any(f.code == "FD402" and f.location.path == "app.py" for f in findings)  # requests.get without timeout


@needs_older_checker
def test_without_a_newer_interpreter_the_file_is_listed_as_not_checked_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grammar, "_found", [])
    (tmp_path / "app.py").write_text(PEP701_VIEW)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    result = run_check([tmp_path], Settings(root=tmp_path))
    assert [f for f in result.findings if f.code == "FD001"] == []  # valid Python 3.12: nothing wrong in the code
    (skipped,) = result.not_checked
    assert skipped.path == "app.py" and skipped.line == 11
    assert "an f-string at line 11 is newer syntax (PEP 701, Python 3.12)" in skipped.reason
    assert "the project targets Python 3.12 (requires-python >=3.12 in pyproject.toml)" in skipped.reason
    assert "python3.12" in skipped.hint


#: PEP 695 (3.12): a type parameter list, which no older Python accepts.
PEP695_HELPERS = """def first[T](items: list[T]) -> T:
    return items[0]
"""


@needs_older_checker
def test_a_type_parameter_list_is_not_checked_whatever_the_project_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grammar, "_found", [])
    (tmp_path / "helpers.py").write_text(PEP695_HELPERS)
    result = run_check([tmp_path], Settings(root=tmp_path))
    assert [f.code for f in result.findings] == []
    assert [(n.path, n.line) for n in result.not_checked] == [("helpers.py", 1)]
    assert "a generic function at line 1" in result.not_checked[0].reason


@needs_older_checker
def test_an_f_string_error_without_a_newer_target_stays_a_syntax_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grammar, "_found", [])
    (tmp_path / "app.py").write_text(PEP701_VIEW)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.9"\n')
    result = run_check([tmp_path], Settings(root=tmp_path))
    (finding,) = [f for f in result.findings if f.code == "FD001"]
    assert finding.severity is Severity.ERROR and result.not_checked == []


@needs_older_checker
def test_a_target_newer_than_the_checker_without_newer_syntax_keeps_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grammar, "_found", [])
    (tmp_path / "app.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    (finding,) = [f for f in _check(tmp_path) if f.code == "FD001"]
    assert finding.severity is Severity.NOTE
    assert "no rule checked this file" in finding.message


@needs_older_checker
def test_dockerfile_base_image_gives_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grammar, "_found", [])
    (tmp_path / "app.py").write_text(PEP701_VIEW)
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\nCMD gunicorn app:app\n")
    result = run_check([tmp_path], Settings(root=tmp_path))
    assert [f for f in result.findings if f.code == "FD001"] == []
    (skipped,) = result.not_checked
    assert "FROM python:3.13 in Dockerfile" in skipped.reason


def test_a_real_syntax_error_stays_an_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    (finding,) = [f for f in _check(tmp_path) if f.code == "FD001"]
    assert finding.severity is Severity.ERROR


def test_unknown_nodes_become_placeholders_and_constants_survive() -> None:
    if not grammar.newer_interpreters():
        pytest.skip("no newer python3.X installed")
    text = "type Alias = list[int]\nx = (b'\\x00\\xff', 1j, ..., 1e999)\n"
    (answer,) = grammar.reparse([("t.py", text)], grammar.newer_interpreters()[0])
    assert isinstance(answer.tree, ast.Module)
    first, second = answer.tree.body
    if sys.version_info < (3, 12):
        assert isinstance(first, ast.Expr) and first.lineno == 1
    value = second.value
    assert [e.value for e in value.elts[:3]] == [b"\x00\xff", 1j, ...]
    assert value.elts[3].value == float("inf")
    compile(answer.tree, "t.py", "exec")  # a valid tree for this interpreter


def test_target_minor_reads_classifiers_and_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nclassifiers =\n    Programming Language :: Python :: 3.10\n    Programming Language :: Python :: 3.12\n"
    )
    assert grammar.target_minor(tmp_path) == (12, "classifier Python 3.12 in setup.cfg")
    assert grammar.target_minor(tmp_path / "nowhere") is None


@pytest.mark.parametrize(
    ("source", "construct"),
    [
        ('def hello():\n    print "hello"\n', "a print statement"),
        ("try:\n    pass\nexcept ValueError, exc:\n    pass\n", "`except X, e:`"),
        ("def fail():\n    raise ValueError, 'bad'\n", "`raise X, message`"),
        ("MODE = 0755\n", "an old-style octal literal"),
        ("if 1 <> 2:\n    pass\n", "the `<>` operator"),
    ],
)
def test_python2_files_are_a_note_naming_what_is_python2(tmp_path: Path, source: str, construct: str) -> None:
    (tmp_path / "legacy.py").write_text(source)
    (finding,) = [f for f in _check(tmp_path) if f.code == "FD001"]
    assert finding.severity is Severity.NOTE
    assert f"written for Python 2 ({construct}" in finding.message


def test_python2_look_alikes_on_other_lines_do_not_hide_a_real_error(tmp_path: Path) -> None:
    # `print "x"` inside a string elsewhere, and the error on a line that is not Python 2
    (tmp_path / "app.py").write_text('HELP = """print "x" """\ndef broken(:\n    pass\n')
    (finding,) = [f for f in _check(tmp_path) if f.code == "FD001"]
    assert finding.severity is Severity.ERROR
