"""``check --fix`` / ``--diff``: find, cure, prove, then write (or print the diff).

One run:

1. run the normal check (the same pipeline users run) on the current texts;
2. give each fixable finding whose safety is allowed to its rule's cure, all findings of one file together
   (:func:`flask_doctor.static.fixes.apply.fix_text`);
3. run the whole check again on the fixed texts, held in memory (:func:`flask_doctor.bounded_read.overlay`),
   and for every file and rule cured, require the rule to fire less by as many findings as were fixed;
   a rule that still fires as often in a file has its cures in that file dropped (skipped with a note)
   and the file is cured again without them;
4. repeat from 1 on the new texts (a cure can make a ``# noqa`` unused, whose FD003 is cured next) until
   nothing is left to fix, so that a second ``--fix`` finds nothing to do;
5. only then write each changed file atomically (a temporary file in the same directory, the original's
   mode, ``os.replace``), or print a unified diff and write nothing.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections import Counter
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from flask_doctor.atomic import write_atomically
from flask_doctor.bounded_read import overlay as overlay_files
from flask_doctor.bounded_read import read_bounded
from flask_doctor.config import Settings
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding
from flask_doctor.rulebook import get_meta
from flask_doctor.static.fixes import load_cures
from flask_doctor.static.fixes.apply import fix_text, parses
from flask_doctor.static.fixes.base import CURES, Cure, FixOptions

__all__ = ["FixReport", "fixable", "run_fix"]

#: Rounds of check -> cure -> verify; real projects settle in two (a cure, then the noqa it freed).
MAX_ROUNDS = 4


@dataclass
class FixReport:
    """What ``--fix`` did: per file the new text, and the counts the summary prints."""

    root: Path
    originals: dict[Path, str] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)
    applied: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    #: Python files changed and how many of them still parse (must be all).
    python_changed: int = 0
    python_parsing: int = 0
    #: Fixable findings of unsafe cures left alone because ``--unsafe-fixes`` was not given.
    unsafe_available: int = 0

    @property
    def changed(self) -> dict[Path, str]:
        return {p: t for p, t in self.texts.items() if t != self.originals.get(p)}

    def diff(self) -> str:
        """A unified diff of every changed file, paths relative to the root (``a/`` and ``b/`` prefixes)."""
        chunks: list[str] = []
        for path in sorted(self.changed):
            rel = _rel(path, self.root)
            chunks.extend(
                difflib.unified_diff(
                    self.originals[path].splitlines(keepends=True),
                    self.texts[path].splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)

    def summary(self) -> str:
        by_code = Counter(f.code for f in self.applied)
        parts = [
            f"{len(self.applied)} fixed"
            + (f" ({', '.join(f'{c} ×{n}' for c, n in sorted(by_code.items()))})" if by_code else "")
        ]
        parts.append(f"{len(self.skipped)} skipped")
        parts.append(f"{len(self.changed)} files changed")
        if self.python_changed:
            parts.append(f"{self.python_parsing}/{self.python_changed} changed Python files parse")
        text = ", ".join(parts)
        if self.unsafe_available:
            text += f"; {self.unsafe_available} more with --unsafe-fixes"
        return text


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def fixable(finding: Finding, unsafe: bool) -> bool:
    """Whether ``--fix`` (``unsafe``: with ``--unsafe-fixes``) cures this finding."""
    if finding.suppressed or finding.location is None or finding.code not in CURES:
        return False
    meta = get_meta(finding.code)
    safety = meta.fix_safety if meta is not None else "none"
    return safety == "safe" or (unsafe and safety == "unsafe")


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the encoding to write it back with (a PEP 263 cookie is honoured; a BOM is kept)."""
    if path.suffix == ".py":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:
            encoding = "utf-8"
    else:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    return data.decode(encoding), encoding


def run_fix(
    paths: Sequence[Path],
    settings: Settings,
    *,
    unsafe: bool = False,
    write: bool = True,
    options: FixOptions | None = None,
    jobs: int | None = None,
) -> FixReport:
    """Cure what the check finds under ``paths``; write the files when ``write`` (else only report)."""
    from flask_doctor.static.engine import run_check

    load_cures()
    options = options or FixOptions()
    report = FixReport(root=settings.root)
    encodings: dict[Path, str] = {}
    blocked: set[tuple[Path, str]] = set()  # (file, rule) whose cures failed verification
    seen_skips: set[tuple[str, str, int, str]] = set()

    def check() -> list[Finding]:
        shadow = {p: t.encode(encodings[p]) for p, t in report.texts.items()}
        with overlay_files(shadow):
            return run_check(paths, settings, jobs=jobs).findings

    def file_of(finding: Finding) -> Path:
        assert finding.location is not None
        return (settings.root / finding.location.path).absolute()

    def fix_file(finding: Finding) -> Path:
        """The file the cure edits: the finding's own, or the one the cure names (a project-wide finding)."""
        cure = CURES.get(finding.code)
        target = cure.target_path(finding) if isinstance(cure, Cure) else None
        return (settings.root / target).absolute() if target else file_of(finding)

    findings = check()
    for _ in range(MAX_ROUNDS):
        todo: dict[Path, list[Finding]] = {}
        for f in findings:
            if fixable(f, unsafe) and (fix_file(f), f.code) not in blocked:
                todo.setdefault(fix_file(f), []).append(f)
        report.unsafe_available = (
            0 if unsafe else sum(1 for f in findings if fixable(f, True) and not fixable(f, False))
        )
        if not todo:
            break
        round_applied: dict[Path, list[Finding]] = {}
        candidate: dict[Path, str] = {}
        round_skipped: list[tuple[Finding, str]] = []
        for path, group in sorted(todo.items()):
            if path not in report.texts:
                try:
                    data = read_bounded(path)
                    text, encodings[path] = _decode(data, path)
                except (OSError, UnicodeDecodeError, LookupError) as exc:
                    round_skipped.extend((f, f"cannot read the file: {exc}") for f in group)
                    continue
                report.originals[path] = text
                report.texts[path] = text
            outcome = fix_text(_rel(path, settings.root), report.texts[path], group, options)
            round_skipped.extend(outcome.skipped)
            if outcome.applied and outcome.text != report.texts[path]:
                candidate[path] = outcome.text
                round_applied[path] = outcome.applied
            else:
                round_skipped.extend((f, "the fix changed nothing") for f in outcome.applied)
        after: list[Finding] = findings
        while candidate:
            previous = dict(report.texts)
            report.texts.update(candidate)
            after = check()
            failed = _still_firing(findings, after, round_applied, file_of)
            if not failed:
                break
            # Undo the failing (file, rule) cures and cure those files again without them.
            report.texts = previous
            for path, code in failed:
                blocked.add((path, code))
                bad = [f for f in round_applied[path] if f.code == code]
                round_skipped.extend((f, f"{code} still fires after the fix: not applied") for f in bad)
                round_applied[path] = [f for f in round_applied[path] if f.code != code]
                group = [f for f in todo[path] if (path, f.code) not in blocked]
                rel = _rel(path, settings.root)
                outcome = fix_text(rel, report.texts[path], group, options) if group else None
                if outcome is not None and outcome.applied and outcome.text != report.texts[path]:
                    candidate[path] = outcome.text
                    round_applied[path] = outcome.applied
                else:
                    candidate.pop(path, None)
                    round_applied.pop(path, None)
            if not candidate:
                after = check()
        for f, reason in round_skipped:
            assert f.location is not None
            key = (f.location.path, f.code, f.location.line, reason)
            if key not in seen_skips:
                seen_skips.add(key)
                report.skipped.append((f, reason))
        for done in round_applied.values():
            report.applied.extend(done)
        # A rule whose cure skipped a finding of a file is not offered that file again: the next round
        # would only skip the same finding once more.
        blocked.update((fix_file(f), f.code) for f, _reason in round_skipped if f.location is not None)
        if not round_applied:
            break
        findings = after
    changed = report.changed
    python = [p for p in changed if p.suffix == ".py"]
    report.python_changed = len(python)
    report.python_parsing = sum(1 for p in python if parses(changed[p]))
    if write:
        for path, text in sorted(changed.items()):
            write_atomically(path, text, encodings[path])
    return report


def _still_firing(
    before: Sequence[Finding],
    after: Sequence[Finding],
    applied: dict[Path, list[Finding]],
    file_of,
) -> list[tuple[Path, str]]:
    """(edited file, rule) pairs whose rule did not lose as many findings as cures were applied.

    Findings are counted in their own files: a cure may edit another file than its finding's (``ProxyFix``
    added where the app is created cures ``request.remote_addr`` in every view).
    """

    def counts(findings: Sequence[Finding]) -> Counter[tuple[Path, str]]:
        return Counter((file_of(f), f.code) for f in findings if f.location is not None and not f.suppressed)

    old, new = counts(before), counts(after)
    done = counts([f for group in applied.values() for f in group])
    bad = {key for key, n in done.items() if new[key] > old[key] - n}
    failed = []
    for path, group in applied.items():
        for code in sorted({f.code for f in group if (file_of(f), f.code) in bad}):
            failed.append((path, code))
    return failed
