"""The audit's project settings, and which findings the project has silenced.

The settings come from the shared loader, :func:`flask_doctor.config.load_settings`
(``.flask-doctor.toml``, ``flask-doctor.toml`` or ``pyproject.toml`` with
``[tool.flask-doctor]``, found from the working directory upward), which
validates every key: ``[tool.flask-doctor.audit] silenced = 5`` is an error
naming the file and the key, never silently nothing.

``[tool.flask-doctor] audit-silenced = ["FD343", "FD3"]`` lists ids or id
prefixes (``ALL`` too).  ``[tool.flask-doctor.audit] silenced = [...]`` and
``app.config["FLASK_DOCTOR_SILENCED"]`` may also name one object:
``"FD303:config:REMEMBER_COOKIE_SECURE"``.  ``[tool.flask-doctor.audit]
server = "gunicorn"`` says how production runs the app (``--server``).
Silenced findings are still counted ("N findings (M silenced)").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding


@dataclass(frozen=True)
class AuditSettings:
    """What the project file says about the audit."""

    silenced: list[str] = field(default_factory=list)
    #: ``server`` of ``[tool.flask-doctor.audit]`` (None: not set).
    server: str | None = None
    source: Path | None = None


def project_settings(start: Path | None = None) -> AuditSettings:
    """The audit's settings for the project around ``start`` (the working directory).

    Raises :class:`flask_doctor.config.ConfigError` for a wrong key, type or rule id.
    """
    from flask_doctor.config import load_settings
    from flask_doctor.static.engine import known_codes

    loaded = load_settings((start or Path.cwd()), known_codes=known_codes)
    section = loaded.sections.get("audit", {})
    return AuditSettings(
        silenced=[*loaded.audit_silenced, *section.get("silenced", [])],
        server=section.get("server"),
        source=loaded.source,
    )


def silenced_from_pyproject(start: Path | None = None) -> list[str]:
    """The project's silencing entries (ids, prefixes, ``ID:object``), validated."""
    return project_settings(start).silenced


def app_entries(app: Any) -> list[str]:
    """``app.config["FLASK_DOCTOR_SILENCED"]``: a list, or a comma-separated string."""
    value = app.config.get("FLASK_DOCTOR_SILENCED", [])
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple, set)):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def silenced_for(app: Any, start: Path | None = None) -> list[str]:
    return [*silenced_from_pyproject(start), *app_entries(app)]


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
