"""Fixture projects: whole trees (several modules, deploy files) with checked marks.

Every line that must produce a finding ends with a comment
``# expect: FD201`` (several ids comma-separated). The harness runs the real
``check`` pipeline on each project under ``tests/fixtures/projects/`` and
fails on a missed mark AND on an unmarked finding, so a good fixture (no
marks) proves the rules stay quiet on it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_doctor.config import Settings
from flask_doctor.static.engine import run_check

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"
MARK = re.compile(r"#\s*expect:\s*((?:FD\d{3}\s*,?\s*)+)")


def expected_marks(root: Path) -> list[tuple[str, int, str]]:
    marks = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            match = MARK.search(line)
            if match:
                for code in re.findall(r"FD\d{3}", match.group(1)):
                    marks.append((path.relative_to(root).as_posix(), number, code))
    return sorted(marks)


def project_dirs() -> list[Path]:
    return sorted(p for p in PROJECTS.iterdir() if p.is_dir()) if PROJECTS.exists() else []


@pytest.mark.parametrize("project", project_dirs(), ids=lambda p: p.name)
def test_fixture_project(project: Path) -> None:
    settings = Settings(root=project, preview=True, respect_gitignore=False)
    result = run_check([project], settings, jobs=1)
    got = sorted(
        (f.location.path, f.location.line, f.code)
        for f in result.findings
        if f.location is not None and not f.suppressed
    )
    expected = expected_marks(project)
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - set(expected))
    details = {(f.location.path, f.location.line, f.code): f.message for f in result.findings if f.location}
    assert not missing and not unexpected, (
        "missing: " + repr(missing) + "\nunexpected: " + repr([(u, details.get(u)) for u in unexpected])
    )


@pytest.mark.parametrize("jobs", [2, 3])
def test_forked_workers_give_the_findings_of_one_process(jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs``: workers walk most modules while the parent walks the rest and runs the project rules;
    the report is the one a single process gives, finding for finding and in the same order."""
    from flask_doctor.static import runner

    if not runner._can_fork() or runner.sys.platform == "darwin":
        pytest.skip("forked workers need fork (elsewhere --jobs runs serially)")
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 1)
    projects = project_dirs()
    assert projects
    for project in projects:
        settings = Settings(root=project, preview=True, respect_gitignore=False)
        one = run_check([project], settings, jobs=1).findings
        many = run_check([project], settings, jobs=jobs).findings
        assert many == one, project.name


def test_the_parent_and_the_workers_share_out_every_module_once() -> None:
    from flask_doctor.static.runner import _shares

    for count in (1, 2, 7, 150, 1001):
        for jobs in (2, 3, 4):
            shares = _shares(count, jobs)
            assert len(shares) == jobs
            assert sorted(i for share in shares for i in share) == list(range(count))
            assert all(share == sorted(share) for share in shares)
