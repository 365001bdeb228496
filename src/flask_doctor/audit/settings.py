"""Which audit findings the project has silenced.

``[tool.flask-doctor] audit-silenced = ["FD343", "FD3"]`` in the nearest
``pyproject.toml`` (searched from the working directory upward) lists ids or
id prefixes (``ALL`` too); the shared config loader validates that key, so it
holds codes only.  ``[tool.flask-doctor.audit] silenced = [...]`` and
``app.config["FLASK_DOCTOR_SILENCED"]`` may also name one object:
``"FD303:config:REMEMBER_COOKIE_SECURE"``.  Silenced findings are still
counted ("N findings (M silenced)").
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_doctor.findings import Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def find_pyproject(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def silenced_from_pyproject(start: Path | None = None) -> list[str]:
    path = find_pyproject(start)
    if path is None:
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []
    table = data.get("tool", {}).get("flask-doctor", {})
    section = table.get("audit", {})
    return [*_as_list(table.get("audit-silenced", [])), *_as_list(section.get("silenced", []) if isinstance(section, dict) else [])]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple, set)):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def silenced_for(app: Any, start: Path | None = None) -> list[str]:
    return [*silenced_from_pyproject(start), *_as_list(app.config.get("FLASK_DOCTOR_SILENCED", []))]


def is_silenced(finding: Finding, entries: Iterable[str]) -> bool:
    for entry in entries:
        code, _, obj = entry.partition(":")
        if code.upper() != "ALL" and not finding.code.startswith(code.upper()):
            continue
        if not obj or obj == finding.obj:
            return True
    return False


def apply_silencing(findings: Iterable[Finding], entries: list[str]) -> list[Finding]:
    return [f.with_changes(suppressed=True) if entries and is_silenced(f, entries) else f for f in findings]
