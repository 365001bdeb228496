"""GitHub Actions workflow commands (``::error file=...::message``)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_doctor.findings import Finding, Severity
from flask_doctor.safe_text import printable

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    """GitHub's own escapes, after every control character was made visible text.

    ``printable`` turns newlines and escapes from file names into ``\\x0a``
    text first, so nothing can end the command line or reach the log viewer's
    terminal emulation.
    """
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], ctx: object) -> str:
    lines = []
    for f in findings:
        if f.suppressed:
            continue
        props = []
        if f.location is not None:
            props.append(f"file={_escape_property(f.location.path)}")
            if f.location.line:
                props.append(f"line={f.location.line}")
                if f.location.end_line:
                    props.append(f"endLine={f.location.end_line}")
            if f.location.column:
                props.append(f"col={f.location.column}")
        props.append(f"title={_escape_property(f'{f.code} {f.name}')}")
        body = f.message + (f" ({f.hint})" if f.hint else "")
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(lines) + ("\n" if lines else "")
