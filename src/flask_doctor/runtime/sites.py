"""Where in the user's code: call sites of statements, views, tasks and tracebacks.

A :class:`~flask_doctor.runtime.records.Site` names the user's line that a
finding should point at.  Which frames are the user's is decided by
:mod:`flask_doctor.userfiles` (the same answer as ``audit`` and ``soak``);
paths are shown relative to the working directory, like ``check`` prints them.
"""

from __future__ import annotations

import inspect
import linecache
import os
import sys
from functools import lru_cache
from types import FrameType
from typing import Any

from flask_doctor.runtime.records import Site
from flask_doctor.userfiles import is_user_frame


@lru_cache(maxsize=2048)
def relpath(path: str) -> str:
    """Relative to the working directory when below it (like ``check`` reports)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def user_site(skip: int = 1, limit: int = 60) -> Site | None:
    """The first frame outside libraries above the caller (``skip`` frames up), walking at most ``limit``."""
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None
    depth = 0
    while frame is not None and depth < limit:
        if is_user_frame(frame):
            return Site(relpath(frame.f_code.co_filename), frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
        depth += 1
    return None


def function_site(func: Any) -> Site | None:
    """The ``def`` line of a function (a view, a task, an error handler), through decorators."""
    try:
        func = inspect.unwrap(func)
        code = func.__code__
    except (AttributeError, ValueError):
        return None
    return Site(relpath(code.co_filename), def_line(code), code.co_name)


def def_line(code: Any) -> int:
    """The line of ``def`` itself (``co_firstlineno`` is the first decorator's line)."""
    line = code.co_firstlineno
    for offset in range(30):
        text = linecache.getline(code.co_filename, line + offset).lstrip()
        if text.startswith(("def ", "async def ")):
            return line + offset
        if not text:
            break
    return line


def traceback_site(exception: BaseException) -> Site | None:
    """The innermost frame of the traceback that is the user's code."""
    site = None
    tb = exception.__traceback__
    while tb is not None:
        if is_user_frame(tb.tb_frame):
            site = Site(relpath(tb.tb_frame.f_code.co_filename), tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return site


__all__ = ["def_line", "function_site", "relpath", "traceback_site", "user_site"]
