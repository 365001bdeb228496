"""Baselines: written sorted, matched by fingerprint and count, robust to moved lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flask_doctor.baseline import (
    BaselineEntry,
    BaselineError,
    apply_baseline,
    load_baseline,
    match_baseline,
    write_baseline,
)
from flask_doctor.findings import Finding, Location, Severity


def make_line_text(files: dict[str, str]):  # type: ignore[no-untyped-def]
    def line_text(location: Location) -> str:
        lines = files.get(location.path, "").splitlines()
        return lines[location.line - 1] if 0 < location.line <= len(lines) else ""

    return line_text


def finding(code: str, path: str, line: int, message: str = "problem") -> Finding:
    return Finding(code, "rule", Severity.ERROR, message, Location(path, line, 1))


OLD = {
    "app/views.py": "import os\nusers = User.query.all()\nposts = Post.query.all()\nusers = User.query.all()\n",
    "app/config.py": "SECRET_KEY = 'dev'\n",
}


def test_write_is_sorted_json_with_schema(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    findings = [
        finding("FD302", "app/config.py", 1, "hard-coded secret"),
        finding("FD201", "app/views.py", 2, "unbounded"),
        finding("FD201", "app/views.py", 3, "unbounded").with_changes(suppressed=True),
    ]
    assert write_baseline(path, findings, make_line_text(OLD)) == 2
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1
    assert [(e["path"], e["code"], e["message"]) for e in data["entries"]] == [
        ("app/config.py", "FD302", "hard-coded secret"),
        ("app/views.py", "FD201", "unbounded"),
    ]
    assert data["entries"][1]["fingerprint"] == findings[1].fingerprint("users = User.query.all()")
    assert path.read_text().endswith("\n")
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]  # no temp file left


def test_findings_survive_lines_added_above(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    old = [finding("FD201", "app/views.py", 2), finding("FD302", "app/config.py", 1)]
    write_baseline(path, old, make_line_text(OLD))
    new_files = {
        "app/views.py": "import os\nimport sys\n\nusers = User.query.all()\nposts = Post.query.all()\n",
        "app/config.py": "SECRET_KEY = 'dev'\n",
    }
    new = [
        finding("FD201", "app/views.py", 4),  # moved: still excused
        finding("FD201", "app/views.py", 5),  # a new offence on another line
        finding("FD302", "app/config.py", 1),
    ]
    result = apply_baseline(new, path, make_line_text(new_files))
    assert result == [new[0].with_changes(suppressed=True), new[1], new[2].with_changes(suppressed=True)]


def test_matching_is_count_aware(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(
        path, [finding("FD201", "app/views.py", 2), finding("FD201", "app/views.py", 4)], make_line_text(OLD)
    )
    assert len(load_baseline(path)) == 2
    files = {"app/views.py": "users = User.query.all()\n" * 3}
    new = [finding("FD201", "app/views.py", n) for n in (3, 1, 2)]
    result = apply_baseline(new, path, make_line_text(files))
    # two entries excuse the first two by location; the third copy is new
    assert [f.suppressed for f in result] == [False, True, True]


def test_editing_the_line_resurfaces_the_finding(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [finding("FD302", "app/config.py", 1)], make_line_text(OLD))
    files = {"app/config.py": "SECRET_KEY = 'still-dev'\n"}
    assert apply_baseline([finding("FD302", "app/config.py", 1)], path, make_line_text(files))[0].suppressed is False


def test_objectless_findings_use_message_and_object(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    config = Finding("FD305", "debug", Severity.ERROR, "DEBUG on", obj="config:DEBUG", surface="audit")
    write_baseline(path, [config], make_line_text({}))
    assert apply_baseline([config], path, make_line_text({})) == [config.with_changes(suppressed=True)]


def test_already_suppressed_findings_do_not_consume_entries(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [finding("FD201", "app/views.py", 2)], make_line_text(OLD))
    files = {"app/views.py": "users = User.query.all()\nusers = User.query.all()\n"}
    noqa_d = finding("FD201", "app/views.py", 1).with_changes(suppressed=True)
    other = finding("FD201", "app/views.py", 2)
    assert apply_baseline([noqa_d, other], path, make_line_text(files)) == [noqa_d, other.with_changes(suppressed=True)]


def test_entries_nothing_matches_are_stale(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    old = [
        finding("FD201", "app/views.py", 2),
        finding("FD201", "app/views.py", 3),
        finding("FD302", "app/config.py", 1, "hard-coded secret"),
    ]
    write_baseline(path, old, make_line_text(OLD))
    entries = load_baseline(path)
    # posts query fixed, secret moved to the environment, users query still there
    files = {"app/views.py": "users = User.query.all()\n", "app/config.py": "SECRET_KEY = os.environ['K']\n"}
    still = finding("FD201", "app/views.py", 1)
    result, stale = match_baseline([still], entries, make_line_text(files))
    assert result == [still.with_changes(suppressed=True)]
    assert stale == [
        BaselineEntry("app/config.py", "FD302", old[2].fingerprint("SECRET_KEY = 'dev'"), "hard-coded secret"),
        BaselineEntry("app/views.py", "FD201", old[1].fingerprint("posts = Post.query.all()"), "problem"),
    ]


def test_stale_entries_are_counted_per_copy(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(
        path, [finding("FD201", "app/views.py", 2), finding("FD201", "app/views.py", 4)], make_line_text(OLD)
    )
    entries = load_baseline(path)
    files = {"app/views.py": "users = User.query.all()\n"}
    _, stale = match_baseline([finding("FD201", "app/views.py", 1)], entries, make_line_text(files))
    assert stale == [entries[0]]  # two equal entries, one finding left: one entry is stale
    _, none_stale = match_baseline(
        [finding("FD201", "app/views.py", 1), finding("FD201", "app/views.py", 1)],
        entries,
        make_line_text(files),
    )
    assert none_stale == []


def test_an_entry_whose_finding_is_now_silenced_otherwise_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(path, [finding("FD302", "app/config.py", 1)], make_line_text(OLD))
    noqa_d = finding("FD302", "app/config.py", 1).with_changes(suppressed=True)
    result, stale = match_baseline([noqa_d], load_baseline(path), make_line_text(OLD))
    assert result == [noqa_d]
    assert [(e.code, e.path) for e in stale] == [("FD302", "app/config.py")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "baseline is not valid JSON"),
        ("[]", "not a flask-doctor baseline"),
        ('{"schema_version": 99, "entries": []}', "schema_version 99 is not supported"),
        ('{"schema_version": 1, "entries": [{"code": "FD201"}]}', "entry 0 needs string code"),
    ],
)
def test_bad_baselines_raise_a_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        apply_baseline([finding("FD201", "a.py", 1)], path, make_line_text({}))
