"""Baselines: adopt flask-doctor on a legacy codebase without fixing everything first.

``--baseline FILE`` records today's findings; later runs report only new
ones.  An entry is keyed by (code, path, fingerprint) where the fingerprint
hashes the text of the offending line, not its number, so adding code above
a finding does not resurrect it, while editing the offending line does (that
is the moment to fix it).

Matching is count-aware: two identical entries excuse two identical
findings, and a third copy of the same mistake pasted into the file is
reported.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_doctor.atomic import write_atomically
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding, Location

__all__ = [
    "BASELINE_SCHEMA_VERSION",
    "BaselineEntry",
    "BaselineError",
    "apply_baseline",
    "load_baseline",
    "match_baseline",
    "write_baseline",
]

BASELINE_SCHEMA_VERSION = 1

LineText = Callable[[Location], str]


class BaselineError(ValueError):
    """The baseline file is missing, unreadable or not a flask-doctor baseline."""


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """A finding accepted into the baseline file: matched by code, path and fingerprint."""

    path: str
    code: str
    fingerprint: str
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.path, self.fingerprint)


def _fingerprint(finding: Finding, line_text: LineText) -> str:
    text = line_text(finding.location) if finding.location is not None else ""
    return finding.fingerprint(text or "")


def _entry(finding: Finding, line_text: LineText) -> BaselineEntry:
    return BaselineEntry(
        path=finding.location.path if finding.location else "",
        code=finding.code,
        fingerprint=_fingerprint(finding, line_text),
        message=finding.message,
    )


def write_baseline(path: Path, findings: Iterable[Finding], line_text: LineText) -> int:
    """Write every unsuppressed finding to ``path``; return the number of entries.

    Pass the findings after ``# noqa`` was applied but before any existing
    baseline, so a refreshed baseline keeps what the old one excused.  The
    file is written atomically and sorted, so it diffs well in review.
    """
    entries = sorted(_entry(f, line_text) for f in findings if not f.suppressed)
    document: dict[str, Any] = {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": "flask-doctor",
        "entries": [
            {"code": e.code, "path": e.path, "fingerprint": e.fingerprint, "message": e.message} for e in entries
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text, follow_symlinks=False)
    return len(entries)


def load_baseline(path: Path) -> list[BaselineEntry]:
    """Read a baseline; :class:`BaselineError` says what is wrong and where."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: baseline is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise BaselineError(f"{path}: not a flask-doctor baseline (no 'entries' array)")
    version = data.get("schema_version")
    if version != BASELINE_SCHEMA_VERSION:
        raise BaselineError(
            f"{path}: baseline schema_version {version!r} is not supported "
            f"(expected {BASELINE_SCHEMA_VERSION}); regenerate it"
        )
    entries = []
    for index, item in enumerate(data["entries"]):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("code", "path", "fingerprint")):
            raise BaselineError(f"{path}: entry {index} needs string code, path and fingerprint")
        entries.append(
            BaselineEntry(
                path=item["path"],
                code=item["code"],
                fingerprint=item["fingerprint"],
                message=str(item.get("message", "")),
            )
        )
    return entries


def apply_baseline(findings: Sequence[Finding], path: Path, line_text: LineText) -> list[Finding]:
    """Return ``findings`` (same order) with those in the baseline marked suppressed.

    Already suppressed findings do not use up baseline entries.  Among equal
    findings the earliest by location consumes the entries first, so the
    result is deterministic.
    """
    return match_baseline(findings, load_baseline(path), line_text)[0]


def match_baseline(
    findings: Sequence[Finding], entries: Sequence[BaselineEntry], line_text: LineText
) -> tuple[list[Finding], list[BaselineEntry]]:
    """Mark the findings ``entries`` excuse, and return the entries nothing used.

    The unused entries are *stale*: the finding they excused was fixed, its
    line was edited, or it is now silenced some other way (``# noqa``, a
    disabled rule).  Keeping them hides the next identical mistake, so
    ``--show-stale-baseline`` lists them.  With two equal entries and one
    matching finding, one of the two is stale.
    """
    budget = Counter(e.key for e in entries)
    result = list(findings)
    order = sorted(range(len(result)), key=lambda i: result[i].sort_key())
    for index in order:
        finding = result[index]
        if finding.suppressed:
            continue
        key = (finding.code, finding.location.path if finding.location else "", _fingerprint(finding, line_text))
        if budget[key] > 0:
            budget[key] -= 1
            result[index] = dataclasses.replace(finding, suppressed=True)
    stale: list[BaselineEntry] = []
    for entry in sorted(entries):
        if budget[entry.key] > 0:
            budget[entry.key] -= 1
            stale.append(entry)
    return result, stale
