"""Glob matching that cannot backtrack: ``.gitignore`` lines and settings globs.

A checked repository controls its own ``.gitignore`` and ``pyproject.toml``.
Translated to regular expressions, a pattern like ``*a*a*a*a*a*a*a*a*a*a*a*b``
or twelve ``**/`` takes minutes on one long file name (the regex engine tries
every split), and ``pathspec`` behaves the same.  This matcher works on
tokens instead:

* within one path segment, ``*`` and ``?`` are matched by the classic greedy
  algorithm with a single resume point, which is ``O(len(pattern) * len(text))``;
* ``**`` segments are matched against path segments by dynamic programming
  over (pattern segment, path segment) pairs, each pair computed once.

Syntax: ``*`` (any run of characters), ``?`` (one character), ``[abc]``,
``[a-z]``, ``[!x]``/``[^x]`` (one character of a class), ``\\x`` (a literal
``x``), and ``**`` as a whole segment (zero or more directories; at the end
of a pattern, one or more).  In gitignore mode (``star_crosses_slash=False``)
``*``/``?`` never match ``/``; in settings mode a pattern without ``**`` may
let ``*`` cross ``/`` (fnmatch style, as ruff's ``exclude`` does).
"""

from __future__ import annotations

from functools import cache

from flask_doctor.dataclass import dataclass

_ANY = object()  # "?"
_STAR = object()  # "*"


@dataclass(frozen=True, eq=False)
class _Class:
    """``[...]``: one character in (or, negated, not in) a set of ranges."""

    ranges: tuple[tuple[str, str], ...]
    negated: bool

    def has(self, char: str) -> bool:
        inside = any(low <= char <= high for low, high in self.ranges)
        return inside != self.negated


def _tokens(segment: str) -> tuple[object, ...]:
    out: list[object] = []
    i, n = 0, len(segment)
    while i < n:
        c = segment[i]
        if c == "*":
            if not out or out[-1] is not _STAR:  # "**" inside a segment is one star
                out.append(_STAR)
        elif c == "?":
            out.append(_ANY)
        elif c == "[":
            parsed = _parse_class(segment, i)
            if parsed is None:
                out.append("[")
            else:
                cls, i = parsed
                out.append(cls)
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(segment[i])
        else:
            out.append(c)
        i += 1
    return tuple(out)


def _parse_class(text: str, start: int) -> tuple[_Class, int] | None:
    """``[...]`` starting at ``start``: the class and the index of its ``]``."""
    j = start + 1
    negated = j < len(text) and text[j] in "!^"
    if negated:
        j += 1
    body_start = j
    if j < len(text) and text[j] == "]":
        j += 1
    while j < len(text) and text[j] != "]":
        j += 1
    if j >= len(text):
        return None
    body = text[body_start:j]
    ranges: list[tuple[str, str]] = []
    k = 0
    while k < len(body):
        char = body[k]
        if char == "\\" and k + 1 < len(body):
            k += 1
            char = body[k]
        if k + 2 < len(body) and body[k + 1] == "-":
            ranges.append((char, body[k + 2]))
            k += 3
        else:
            ranges.append((char, char))
            k += 1
    return _Class(tuple(ranges), negated), j


def _one(token: object, char: str, slash_ok: bool) -> bool:
    if token is _ANY:
        return slash_ok or char != "/"
    if isinstance(token, _Class):
        return (slash_ok or char != "/") and token.has(char)
    return token == char


def match_tokens(tokens: tuple[object, ...], text: str, *, slash_ok: bool) -> bool:
    """Greedy wildcard match with one resume point: no exponential backtracking.

    When a later literal fails, only the most recent ``*`` grows by one
    character; earlier stars never need revisiting, so the work is bounded by
    ``len(tokens) * len(text)``.
    """
    t = s = 0
    star_t = -1
    star_s = 0
    n_tokens, n_text = len(tokens), len(text)
    while s < n_text:
        if t < n_tokens and tokens[t] is not _STAR and _one(tokens[t], text[s], slash_ok):
            t += 1
            s += 1
        elif t < n_tokens and tokens[t] is _STAR:
            star_t, star_s = t, s
            t += 1
        elif star_t >= 0 and (slash_ok or text[star_s] != "/"):
            star_s += 1
            s = star_s
            t = star_t + 1
        else:
            return False
    while t < n_tokens and tokens[t] is _STAR:
        t += 1
    return t == n_tokens


class Glob:
    """One compiled glob; :meth:`match` answers for a ``/``-separated path."""

    __slots__ = ("pattern", "_segments", "_flat", "_slash_ok")

    def __init__(self, pattern: str, *, star_crosses_slash: bool = False) -> None:
        self.pattern = pattern
        parts = pattern.split("/")
        self._slash_ok = star_crosses_slash and "**" not in parts
        if self._slash_ok:
            self._flat: tuple[object, ...] | None = _tokens(pattern)
            self._segments: tuple[object, ...] = ()
        else:
            self._flat = None
            collapsed: list[str] = []
            for part in parts:  # "**/**" means the same as "**"
                if not (part == "**" and collapsed and collapsed[-1] == "**"):
                    collapsed.append(part)
            self._segments = tuple("**" if p == "**" else _tokens(p) for p in collapsed)

    def match(self, path: str) -> bool:
        if self._flat is not None:
            return match_tokens(self._flat, path, slash_ok=True)
        return _match_segments(self._segments, tuple(path.split("/")))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


def _match_segments(pattern: tuple[object, ...], path: tuple[str, ...]) -> bool:
    @cache
    def at(p: int, s: int) -> bool:
        if p == len(pattern):
            return s == len(path)
        current = pattern[p]
        if current == "**":
            if p == len(pattern) - 1:
                return s < len(path)  # a trailing "**": one or more entries
            return any(at(p + 1, k) for k in range(s, len(path) + 1))
        if s == len(path):
            return False
        return match_tokens(current, path[s], slash_ok=False) and at(p + 1, s + 1)  # type: ignore[arg-type]

    try:
        return at(0, 0)
    finally:
        at = None  # type: ignore[assignment]  # it calls itself: a cycle the paused collector would keep


__all__ = ["Glob", "match_tokens"]
