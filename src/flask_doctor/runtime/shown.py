"""What the doctor shows: app data with secrets masked and control characters escaped.

Findings are redacted when they are recorded, but a shared store holds what
every worker (and every version of flask-doctor) wrote, so whatever the
dashboard, the JSON API, ``flask-doctor report`` and the log show passes
through :func:`shown_finding` once more: :mod:`flask_doctor.redaction` for
secrets, :mod:`flask_doctor.safe_text` for control characters.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_doctor.findings import Evidence, Finding, Location
from flask_doctor.redaction import redact_text
from flask_doctor.safe_text import printable, printable_lines


def shown_text(text: str, secrets: Iterable[str] = (), *, lines: bool = False) -> str:
    """``text`` redacted and made printable (``lines`` keeps line breaks, for tracebacks)."""
    text = redact_text(text, secrets)
    return printable_lines(text) if lines else printable(text)


def _shown_location(location: Location | None) -> Location | None:
    if location is None or printable(location.path) == location.path:
        return location
    return Location(printable(location.path), location.line, location.column)


def shown_finding(finding: Finding, secrets: Iterable[str] = ()) -> Finding:
    """The finding as it may be shown; its ``key`` (and so its fingerprint) is unchanged."""
    secrets = tuple(secrets)
    return finding.with_changes(
        message=shown_text(finding.message, secrets),
        hint=shown_text(finding.hint, secrets),
        obj=shown_text(finding.obj, secrets),
        location=_shown_location(finding.location),
        evidence=tuple(
            Evidence(shown_text(e.message, secrets, lines=True), _shown_location(e.location)) for e in finding.evidence
        ),
    )


__all__ = ["shown_finding", "shown_text"]
