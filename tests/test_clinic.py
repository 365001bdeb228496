"""The bundled clinic: the sick app shows every static family, the cured twin is clean."""

from __future__ import annotations

from pathlib import Path

from flask_doctor.config import load_settings
from flask_doctor.static.engine import run_check

CLINIC = Path(__file__).resolve().parent.parent / "examples" / "clinic"

#: Problems the sick clinic must show (catalog ids) — one app, the whole catalog's static side.
#: Every problem of the catalog (S01 and S06 from the context the RQ job pushes, FD105; S08 from the
#: preview rules the app's pyproject.toml switches on).
EXPECTED_CATALOG = {f"S{n:02d}" for n in range(1, 26)}


def check(name: str):
    root = CLINIC / name
    return run_check([root], load_settings(root), jobs=1).findings  # the app's own pyproject.toml


def test_sick_clinic_shows_the_catalog() -> None:
    findings = check("sick")
    covered = {problem for f in findings for problem in f.catalog}
    assert EXPECTED_CATALOG <= covered, sorted(EXPECTED_CATALOG - covered)
    assert not [f for f in findings if f.code in ("FD001", "FD002", "FD004")]


def test_cured_clinic_is_clean() -> None:
    findings = [f for f in check("cured") if not f.suppressed and f.severity.label in ("warning", "error")]
    assert findings == [], [(f.code, f.location, f.message) for f in findings]


def test_sick_socketio_without_queue_seen_from_its_folder() -> None:
    """FD404 needs the deploy files read from the app's folder: `cd sick && flask-doctor check .`."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "flask_doctor.cli", "check", ".", "--select", "FD404", "--format", "json"],
        cwd=CLINIC / "sick",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert '"FD404"' in result.stdout, result.stdout[-1000:] + result.stderr[-1000:]


def test_readme_table_points_at_real_findings() -> None:
    """Every `file:line` of examples/clinic/README.md's table is a `check` finding of that row's problem."""
    import re

    findings = check("sick")
    at = {}
    for f in findings:
        at.setdefault((str(f.location.path).split("sick/")[-1], f.location.line), set()).update(f.catalog)
    rows = [line for line in (CLINIC / "README.md").read_text().splitlines() if re.match(r"\| S\d\d \|", line)]
    assert len(rows) == 25
    wrong = []
    for row in rows:
        problem = row.split("|")[1].strip()
        where = row.split("|")[5]
        for path, lines in re.findall(
            r"`([\w/.-]+\.py|Procfile|docker-compose\.yml|gunicorn\.conf\.py):([\d,-]+)`", where
        ):
            for line in re.split(r"[,-]", lines):
                if path.endswith(".py") and (path, int(line)) not in at:
                    wrong.append(f"{problem}: nothing at {path}:{line}")
    assert not wrong, wrong
