"""``# noqa`` suppressions, and the FD003 findings that keep them honest.

Suppressions rot: the code they excused is rewritten and the comment stays,
silently hiding the next real problem on that line.  Like ruff's RUF100,
every ``FDnnn`` code in a ``# noqa`` that suppressed nothing, and every
unknown ``FD`` code, becomes an FD003 finding.

Only *our* codes count.  ``# noqa: E501`` belongs to another tool: it must not
silence flask-doctor (otherwise a line-length excuse would hide a hard-coded
secret) and it is never reported as unused.  A blanket ``# noqa`` silences
everything on its line and is never reported.

Lines: a finding is suppressed by a directive on its first line
(``location.line``) **or** on the last line of its range
(``location.end_line``), so a multi-line call can carry the comment after its
closing parenthesis, where formatters leave it.  Rules should therefore end
a range at the end of the offending expression or statement header, not at
the end of a whole function body.
"""

from __future__ import annotations

import dataclasses
import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterable, Mapping

from flask_doctor.findings import Finding, Location
from flask_doctor.rulebook import new_finding

__all__ = ["UNUSED_NOQA_CODE", "apply_noqa", "parse_noqa"]

UNUSED_NOQA_CODE = "FD003"
#: Findings a comment can never hide: a file that does not parse has no
#: trustworthy comments (ruff does not let ``noqa`` hide syntax errors either).
_UNSUPPRESSIBLE = frozenset({"FD001"})

_NOQA = re.compile(r"#\s*noqa(?P<sep>\s*:\s*)?", re.IGNORECASE)
_ANY_CODE = re.compile(r"[A-Za-z]+[0-9]+")
_OUR_CODE = re.compile(r"FD[0-9]+\Z")
_SEPARATORS = re.compile(r"[\s,]+")
#: A string literal or a comment, whichever starts first: the same partition :mod:`tokenize` makes of a
#: source that parses (outside strings and comments no token holds a quote or ``#``; a string's prefix
#: does not change where it ends, a backslash escapes the next character even in a raw string). Up to
#: Python 3.11 an f-string is one token like any string; 3.12 tokenizes inside it, so tokenize is kept there.
_STRING_OR_COMMENT = re.compile(
    r"""'''[^'\\]*(?:(?:\\(?:\r\n|.)|'(?!''))[^'\\]*)*'''"""
    r'|"""[^"\\]*(?:(?:\\(?:\r\n|.)|"(?!""))[^"\\]*)*"""'
    r"""|'[^'\\\n]*(?:\\(?:\r\n|.)[^'\\\n]*)*'"""
    r'|"[^"\\\n]*(?:\\(?:\r\n|.)[^"\\\n]*)*"'
    r"|(?P<comment>#[^\r\n]*)",
    re.DOTALL,
)
_SCAN_COMMENTS = sys.version_info < (3, 12)


def _parse_comment(comment: str) -> frozenset[str] | None | bool:
    """Codes in one comment: ``None`` blanket, a set of FD codes, ``False`` no directive.

    Parsing stops at the first word that is not a code, so ``# noqa: FD201
    because the list is bounded`` yields ``{"FD201"}``.  A directive naming
    only other tools' codes yields an empty set.
    """
    match = _NOQA.search(comment)
    if match is None:
        return False
    end = match.end()
    # A word glued to the marker ("noqa-ish", "noqaFD201") is no directive.
    rest = comment[end:]
    if match.group("sep") is None:
        if rest[:1].isalnum() or rest[:1] in ("_", "-"):
            return False
        return None
    codes: list[str] = []
    for word in _SEPARATORS.split(rest.strip()):
        if not word:
            continue
        if not _ANY_CODE.fullmatch(word):
            break
        codes.append(word.upper())
    if not codes:
        return None  # a colon with no code after it: treat as blanket
    return frozenset(c for c in codes if _OUR_CODE.match(c))


def parse_noqa(source: str, *, parsed: bool = False) -> dict[int, frozenset[str] | None]:
    """Map line number (1-based) to the FD codes of its ``# noqa`` (``None`` = blanket).

    Lines whose directive names only other tools' codes (``# noqa: E501``)
    are absent.  Comments come from :mod:`tokenize`, so ``"# noqa"`` inside a
    string does not count; when the source does not tokenize (a syntax
    error) each line is searched with a regex instead.  ``parsed``: the source
    is known to parse as Python, so it tokenizes, and its comments are found by
    :data:`_STRING_OR_COMMENT` (the same comments, several times faster).
    """
    result: dict[int, frozenset[str] | None] = {}

    def record(line: int, comment: str) -> None:
        parsed = _parse_comment(comment)
        if parsed is False:
            return
        if parsed is None:
            result[line] = None
        elif parsed:
            previous = result.get(line, frozenset())
            if line in result and previous is None:
                return
            result[line] = frozenset(previous or ()) | parsed  # type: ignore[operator]

    if "noqa" not in source.lower() or _NOQA.search(source) is None:
        return result  # the common case: no directive, nothing to tokenize
    if parsed and _SCAN_COMMENTS:
        line, counted = 1, 0  # newlines are counted once, from the previous directive on
        for match in _STRING_OR_COMMENT.finditer(source):
            comment = match.group("comment")
            if comment is not None and _NOQA.search(comment) is not None:
                line += source.count("\n", counted, match.start())
                counted = match.start()
                record(line, comment)
        return result
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        result.clear()
        for number, line in enumerate(source.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                record(number, line[index:])
        return result
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            record(tok.start[0], tok.string)
    return result


def _unused_noqa(path: str, line: int, message: str, hint: str) -> Finding:
    return new_finding(
        UNUSED_NOQA_CODE, surface="check", message=message, location=Location(path=path, line=line), hint=hint
    )


def apply_noqa(
    findings: Iterable[Finding],
    noqa: Mapping[str, Mapping[int, frozenset[str] | None]],
    known_codes: set[str] | frozenset[str],
    enabled: Callable[[str, str], bool] | None = None,
) -> list[Finding]:
    """Mark suppressed findings and append FD003 for directives that did nothing.

    ``noqa`` maps a finding's ``location.path`` to :func:`parse_noqa` of that
    file.  Findings keep their order (suppressed ones are replaced by copies
    with ``suppressed=True``); FD003 findings follow, sorted.

    ``enabled(code, path)`` (e.g. :meth:`Settings.is_enabled`) tells which
    rules actually ran: a known code whose rule did not run cannot be judged
    unused, so it is not reported (otherwise ``--select FD3`` would flag every
    ``# noqa: FD201`` in the project).  A ``# noqa: FD003`` on a line keeps
    FD003 quiet there, as ruff lets ``# noqa: RUF100`` do.
    """
    used: set[tuple[str, int, str]] = set()
    out: list[Finding] = []
    for finding in findings:
        loc = finding.location
        file_noqa = noqa.get(loc.path) if loc is not None else None
        if loc is None or not file_noqa or finding.code in _UNSUPPRESSIBLE:
            out.append(finding)
            continue
        lines = [loc.line]
        if loc.end_line > loc.line:
            lines.append(loc.end_line)
        hit = False
        for line in lines:
            if line not in file_noqa:
                continue
            codes = file_noqa[line]
            if codes is None:
                hit = True
            elif finding.code in codes:
                hit = True
                used.add((loc.path, line, finding.code))
        if hit and not finding.suppressed:
            finding = dataclasses.replace(finding, suppressed=True)
        out.append(finding)

    extra: list[Finding] = []
    for path in sorted(noqa):
        for line, codes in sorted(noqa[path].items()):
            if not codes or UNUSED_NOQA_CODE in codes:
                continue
            for code in sorted(codes):
                if code not in known_codes:
                    extra.append(
                        _unused_noqa(
                            path,
                            line,
                            f"unknown rule id {code} in noqa",
                            "Check the id with `flask-doctor rules`, or remove it from the directive.",
                        )
                    )
                elif (path, line, code) not in used:
                    if enabled is not None and not enabled(code, path):
                        continue
                    extra.append(
                        _unused_noqa(
                            path,
                            line,
                            f"unused noqa directive for {code}",
                            f"Nothing on this line triggers {code} any more: remove it from the directive.",
                        )
                    )
    return out + extra
