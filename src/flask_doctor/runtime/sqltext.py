"""SQL statement fingerprints and the user's call site.

Normalisation runs after the response (in the aggregator) and is cached per
raw statement text: SQLAlchemy reuses the same compiled string for the same
query, so each distinct text is normalised once.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import sysconfig
from functools import lru_cache
from types import FrameType

from flask_doctor.runtime.records import Site

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


# ------------------------------------------------------------------ call sites
def _library_roots() -> tuple[str, ...]:
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            roots.add(os.path.realpath(sysconfig.get_paths()[key]))
        except KeyError:  # pragma: no cover
            pass
    for p in sys.path:
        if p.endswith(("site-packages", "dist-packages")):
            roots.add(os.path.realpath(p))
    import flask_doctor

    roots.add(os.path.dirname(os.path.realpath(flask_doctor.__file__)))
    return tuple(sorted(r + os.sep for r in roots))


_ROOTS: tuple[str, ...] | None = None
_USER_CODE: dict[int, tuple[object, bool]] = {}
_LIBRARY_MODULES = ("sqlalchemy", "flask_sqlalchemy", "flask", "werkzeug", "celery", "kombu", "blinker", "jinja2", "gevent", "gunicorn", "rq", "flask_doctor", "_pytest", "pluggy")


def _is_user_code(frame: FrameType) -> bool:
    code = frame.f_code
    # Keyed by id(): hashing a code object hashes its bytecode and constants (~1 µs);
    # the value keeps the code object alive so the id cannot be reused.
    known = _USER_CODE.get(id(code))
    if known is not None:
        return known[1]
    global _ROOTS
    if _ROOTS is None:
        _ROOTS = _library_roots()
    filename = code.co_filename
    module = frame.f_globals.get("__name__", "") or ""
    top = module.split(".", 1)[0]
    user = not (
        filename.startswith("<")
        or top in _LIBRARY_MODULES
        or os.path.realpath(filename).startswith(_ROOTS)
    )
    if len(_USER_CODE) < 50_000:
        _USER_CODE[id(code)] = (code, user)
    return user


def user_site(skip: int = 1, limit: int = 60) -> Site | None:
    """The first frame outside libraries, walking at most ``limit`` frames."""
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None
    depth = 0
    while frame is not None and depth < limit:
        if _is_user_code(frame):
            return Site(relpath(frame.f_code.co_filename), frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
        depth += 1
    return None


@lru_cache(maxsize=2048)
def relpath(path: str) -> str:
    """Relative to the working directory when below it (like ``check`` reports)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
