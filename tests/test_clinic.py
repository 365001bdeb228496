"""The bundled clinic: the sick app shows every static family, the cured twin is clean."""

from __future__ import annotations

from pathlib import Path

from flask_doctor.config import Settings
from flask_doctor.static.engine import run_check

CLINIC = Path(__file__).resolve().parent.parent / "examples" / "clinic"

#: Problems the sick clinic must show (catalog ids) — one app, the whole catalog's static side.
EXPECTED_CATALOG = {
    "S02", "S03", "S04", "S05", "S07", "S09", "S10", "S11", "S12", "S13", "S14", "S15",
    "S16", "S17", "S19", "S20", "S21", "S25",
}


def check(name: str):
    root = CLINIC / name
    return run_check([root], Settings(root=root), jobs=1).findings


def test_sick_clinic_shows_the_catalog() -> None:
    findings = check("sick")
    covered = {problem for f in findings for problem in f.catalog}
    assert EXPECTED_CATALOG <= covered, sorted(EXPECTED_CATALOG - covered)
    assert not [f for f in findings if f.code in ("FD001", "FD002", "FD004")]


def test_cured_clinic_is_clean() -> None:
    findings = [f for f in check("cured") if not f.suppressed]
    assert findings == [], [(f.code, f.location, f.message) for f in findings]
