"""FD003: remove unused or unknown codes from ``# noqa`` directives (safe: they suppress nothing)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import FixOptions, TextCure

_MESSAGE_CODE = re.compile(r"(?:rule id|directive for) (\S+)")
_DIRECTIVE = re.compile(r"#\s*noqa\s*:\s*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+[0-9]+")
_SPLIT = re.compile(r"([\s,]+)")


def _comment_columns(text: str, python: bool) -> dict[int, int]:
    """Line (1-based) -> column where its comment starts; tokenized for Python so strings do not count."""
    found: dict[int, int] = {}
    if python:
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.COMMENT:
                    found[tok.start[0]] = tok.start[1]
            return found
        except (tokenize.TokenError, SyntaxError, ValueError):
            found.clear()
    for number, line in enumerate(text.splitlines(), start=1):
        index = line.find("#")
        if index >= 0:
            found[number] = index
    return found


def rewrite_comment(comment: str, remove: set[str]) -> str | None:
    """``comment`` without the codes in ``remove``; ``""`` when nothing is left; ``None`` when unchanged.

    ``# noqa: FD201, E501`` minus FD201 is ``# noqa: E501``. When no code is left the directive goes
    (with the words explaining it): left alone, a ``# noqa:`` with no code would silence everything.
    A comment after the directive (``# noqa: FD201  # pragma: no cover``) stays.
    """
    match = None
    for candidate in re.finditer(r"#", comment):
        directive = _DIRECTIVE.match(comment, candidate.start())
        if directive is not None:
            match = directive
            break
    if match is None:
        return None
    head, rest = comment[: match.start()], comment[match.end() :]
    parts = _SPLIT.split(rest)
    codes: list[str] = []
    consumed = 0
    for i, part in enumerate(parts):
        if i % 2 == 1:
            continue
        if not part:
            consumed = sum(len(p) for p in parts[: i + 1])
            continue
        if not _WORD.fullmatch(part):
            break
        codes.append(part)
        consumed = sum(len(p) for p in parts[: i + 1])
    tail = rest[consumed:]
    kept = [c for c in codes if c.upper() not in remove]
    if len(kept) == len(codes):
        return None
    if kept:
        return head + comment[match.start() : match.end()] + ", ".join(kept) + tail
    after = tail[tail.index("#") :] if "#" in tail else ""
    return (head.rstrip() + " " + after).strip() if head.strip() else after


class UnusedNoqa(TextCure):
    code = "FD003"

    def edit(
        self, path: str, text: str, findings: Sequence[Finding], options: FixOptions
    ) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
        lines = text.splitlines(keepends=True)
        columns = _comment_columns(text, path.endswith(".py"))
        by_line: dict[int, list[tuple[Finding, str]]] = {}
        skipped: list[tuple[Finding, str]] = []
        for finding in findings:
            match = _MESSAGE_CODE.search(finding.message)
            line = finding.location.line if finding.location else 0
            if match is None or line not in columns or not 0 < line <= len(lines):
                skipped.append((finding, "no `# noqa` comment found on that line"))
                continue
            by_line.setdefault(line, []).append((finding, match.group(1).upper()))
        applied: list[Finding] = []
        for line, entries in by_line.items():
            raw = lines[line - 1]
            body = raw.rstrip("\r\n")
            ending = raw[len(body) :]
            start = columns[line]
            new_comment = rewrite_comment(body[start:], {code for _, code in entries})
            if new_comment is None:
                skipped.extend((f, "the code is not in the directive") for f, _ in entries)
                continue
            code_part = body[:start]
            lines[line - 1] = (code_part + new_comment if new_comment else code_part.rstrip()) + ending
            applied.extend(f for f, _ in entries)
        return "".join(lines), applied, skipped
