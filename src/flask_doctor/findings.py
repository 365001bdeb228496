"""The one vocabulary every surface speaks.

``check`` (static), ``audit`` (loaded app), ``Doctor(app)`` (runtime) and
``soak`` all produce :class:`Finding` values, and every renderer consumes
them.  A finding is a frozen value so tests can compare whole findings
(``assert findings == [Finding(...)]``) instead of counting them.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from flask_doctor.dataclass import dataclass

#: Bumped whenever the JSON shape of a finding changes incompatibly.
SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so ``>=`` compares against a fail level."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        """Accept ``"error"``, ``"WARNING"``, ``"info"`` (alias of note) or a member."""
        if isinstance(value, Severity):
            return value
        text = str(value).strip().lower()
        aliases = {"info": "note", "warn": "warning", "err": "error"}
        text = aliases.get(text, text)
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r}: use one of error, warning, note") from None


class FixSafety(enum.Enum):
    """Whether a fix may be applied without a human reading it (ruff's model)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


#: What ``flask-doctor rule`` prints for a rule that has no automatic fix.
NO_FIX = "none"


@dataclass(frozen=True)
class FixExample:
    """A rule's fix shown on its page *and* run as a test: ``--fix`` turns ``before`` into ``after``.

    ``files`` are extra project files (path -> text) the fix needs to see (a production config class,
    a deploy file); ``path`` is the file the fix rewrites (``app.py`` unless a deploy file is fixed).
    """

    before: str
    after: str
    files: Mapping[str, str] = field(default_factory=dict)
    path: str = "app.py"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file. Lines and columns are 1-based; 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return self.path


@dataclass(frozen=True)
class Evidence:
    """One fact supporting a finding: a related place, a measured value, a chain step."""

    message: str
    location: Location | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the text between two (1-based line, 0-based column) positions."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A proposed change. ``edits`` may be empty for display-only advice."""

    description: str
    safety: FixSafety = FixSafety.DISPLAY_ONLY
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A problem found by any surface.

    ``location`` points into source or deploy files; ``obj`` names a live
    object instead (``config:SECRET_KEY``, ``endpoint:users.list``) for
    surfaces that look at a running application.
    """

    code: str
    name: str
    severity: Severity
    message: str
    location: Location | None = None
    hint: str = ""
    obj: str = ""
    evidence: tuple[Evidence, ...] = ()
    catalog: tuple[str, ...] = ()
    fix: Fix | None = None
    surface: str = "check"
    suppressed: bool = False
    #: Optional explicit fingerprint (runtime findings use a statement hash);
    #: when empty :meth:`fingerprint` derives one from stable fields.
    key: str = ""

    def fingerprint(self, line_text: str = "") -> str:
        """A hash that survives lines being added above the finding.

        It is built from the rule, the file, the object and the text of the
        offending line (whitespace-normalised), never from the line number.
        """
        if self.key:
            basis = self.key
        else:
            path = self.location.path if self.location else ""
            anchor = " ".join(line_text.split()) or self.message
            basis = "\x1f".join([path, self.obj, anchor])
        return hashlib.sha256(f"{self.code}\x1f{basis}".encode()).hexdigest()[:32]

    def with_changes(self, **changes: Any) -> Finding:
        return dataclasses.replace(self, **changes)

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.path if loc else "",
            loc.line if loc else 0,
            loc.column if loc else 0,
            self.code,
            self.obj,
            self.message,
        )

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (see docs/json-format.md)."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "hint": self.hint,
            "location": _location_dict(self.location),
            "object": self.obj or None,
            "evidence": [{"message": e.message, "location": _location_dict(e.location)} for e in self.evidence],
            "catalog": list(self.catalog),
            "fix": None
            if self.fix is None
            else {
                "description": self.fix.description,
                "safety": self.fix.safety.value,
                "edits": [dataclasses.asdict(e) for e in self.fix.edits],
            },
            "surface": self.surface,
            "suppressed": self.suppressed,
            "fingerprint": self.key or None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        fix_data = data.get("fix")
        return cls(
            code=data["code"],
            name=data.get("name", ""),
            severity=Severity.parse(data.get("severity", "warning")),
            message=data.get("message", ""),
            hint=data.get("hint", ""),
            location=_location_from(data.get("location")),
            obj=data.get("object") or "",
            evidence=tuple(
                Evidence(e.get("message", ""), _location_from(e.get("location"))) for e in data.get("evidence", ())
            ),
            catalog=tuple(data.get("catalog", ())),
            fix=None
            if not fix_data
            else Fix(
                description=fix_data.get("description", ""),
                safety=FixSafety(fix_data.get("safety", "display-only")),
                edits=tuple(Edit(**e) for e in fix_data.get("edits", ())),
            ),
            surface=data.get("surface", "check"),
            suppressed=bool(data.get("suppressed", False)),
            key=data.get("fingerprint") or "",
        )


def _location_dict(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }


def _location_from(data: Mapping[str, Any] | None) -> Location | None:
    if not data:
        return None
    return Location(
        path=data.get("path", ""),
        line=int(data.get("line", 0) or 0),
        column=int(data.get("column", 0) or 0),
        end_line=int(data.get("end_line", 0) or 0),
        end_column=int(data.get("end_column", 0) or 0),
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def worst(findings: Iterable[Finding]) -> Severity | None:
    levels = [f.severity for f in findings if not f.suppressed]
    return max(levels) if levels else None


@dataclass
class Summary:
    """Counts shown at the end of a run ("N findings (M silenced)")."""

    findings: int = 0
    silenced: int = 0
    files: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, findings: Iterable[Finding], files: int = 0) -> Summary:
        summary = cls(files=files)
        for f in findings:
            if f.suppressed:
                summary.silenced += 1
                continue
            summary.findings += 1
            summary.by_severity[f.severity.label] = summary.by_severity.get(f.severity.label, 0) + 1
            summary.by_code[f.code] = summary.by_code.get(f.code, 0) + 1
        return summary
