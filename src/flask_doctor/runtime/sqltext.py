"""SQL statement fingerprints.

Normalisation runs after the response (in the aggregator) and is cached per
raw statement text: SQLAlchemy reuses the same compiled string for the same
query, so each distinct text is normalised once.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_PLACEHOLDERS = re.compile(r"%\([^)]+\)s|%s|\?|:[A-Za-z_][\w]*|\$\d+|__\[POSTCOMPILE_[^\]]+\]")
_NUMBERS = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?\b")
_LISTS = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")
_VALUES = re.compile(r"VALUES\s*(\(\s*\?(?:\s*,\s*\?)*\s*\)\s*,?\s*)+", re.I)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def normalise(statement: str) -> str:
    """Literals, placeholders and IN-lists become ``?``; whitespace collapses."""
    text = _COMMENTS.sub(" ", statement)
    text = _STRINGS.sub("?", text)
    text = _PLACEHOLDERS.sub("?", text)
    text = _NUMBERS.sub("?", text)
    text = _LISTS.sub("(?)", text)
    text = _VALUES.sub("VALUES (?) ", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def fingerprint(statement: str) -> str:
    return hashlib.sha1(normalise(statement).encode()).hexdigest()[:16]


def short(statement: str, limit: int = 240) -> str:
    text = normalise(statement)
    return text if len(text) <= limit else text[: limit - 3] + "..."
