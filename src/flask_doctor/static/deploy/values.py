"""Coerce the text or literal a deploy file holds into an int or a bool, never raising.

Deploy files spell numbers and switches many ways (``"4"``, ``4``, ``4.0``,
``yes``, ``on``, ``1``); every reader and the gunicorn settings coerce them
the same way, and a value that is not clearly a number or a switch is
``None`` (unknown) rather than a guess.  Standard library only: the runtime
imports this inside a production worker (through
:mod:`flask_doctor.static.deploy.gunicorn`).
"""

from __future__ import annotations

import re

__all__ = ["as_bool", "as_int"]

_INT = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


def as_int(value: object) -> int | None:
    """``4``, ``"4"``, ``" 4 "`` and ``4.0`` are 4; booleans, ``"4.5"`` and ``"$W"`` are unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text)
    return None


def as_bool(value: object) -> bool | None:
    """A switch as gunicorn/uWSGI/Flask read it (``yes``/``on``/``1``...); ``None`` when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None
