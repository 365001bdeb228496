"""Renderers: the same findings as text, JSON, SARIF 2.1.0 or GitHub annotations.

Every surface calls :func:`render`; nothing else knows about formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding, Location

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class RenderContext:
    """What a renderer may need beyond the findings themselves."""

    surface: str = "check"
    root: Path | None = None
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    files_checked: int = 0
    #: Returns the source line text for a location (for snippets and fingerprints).
    line_text: Callable[[Location], str] | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def text_of(self, loc: Location | None) -> str:
        if loc is None or not loc.line or self.line_text is None:
            return ""
        try:
            return self.line_text(loc)
        except Exception:  # a vanished or unreadable file must not break output
            return ""


def render(findings: Sequence[Finding], fmt: str, ctx: RenderContext | None = None) -> str:
    """Render ``findings`` in ``fmt`` (one of :data:`FORMATS`)."""
    ctx = ctx or RenderContext()
    if fmt == "json":
        from flask_doctor.report.json_format import render_json

        return render_json(findings, ctx)
    if fmt == "sarif":
        from flask_doctor.report.sarif import render_sarif

        return render_sarif(findings, ctx)
    if fmt == "github":
        from flask_doctor.report.github import render_github

        return render_github(findings, ctx)
    if fmt == "text":
        from flask_doctor.report.text import render_text

        return render_text(findings, ctx)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def file_line_reader(root: Path | None = None) -> Callable[[Location], str]:
    """A cached reader of source lines, for snippets and fingerprints."""
    cache: dict[str, list[str]] = {}

    def read(loc: Location) -> str:
        lines = cache.get(loc.path)
        if lines is None:
            path = Path(loc.path)
            if root is not None and not path.is_absolute():
                path = root / path
            try:
                lines = read_text_bounded(path).splitlines()
            except OSError:
                lines = []
            cache[loc.path] = lines
        if 1 <= loc.line <= len(lines):
            return lines[loc.line - 1]
        return ""

    return read
