"""Helpers shared by the check modules."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from flask_doctor.audit.checks.rules import SPEC
from flask_doctor.audit.messages import Message
from flask_doctor.audit.sources import display_path
from flask_doctor.findings import Location, Severity


def message(code: str, text: str, hint: str = "", severity: Severity | None = None) -> Message:
    """A message template for ``code``, with the id's registered name and catalog."""
    name, default, catalog = SPEC[code]
    return Message(code, name, severity or default, text, hint, catalog)


def where(obj: Any) -> Location | None:
    """The source location of a function, class or method (None for builtins)."""
    target = inspect.unwrap(obj) if callable(obj) else obj
    target = getattr(target, "__func__", target)
    try:
        path = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return None
    if not path:
        return None
    return Location(display_path(path), max(line, 1), 1)


def qualname(obj: Any) -> str:
    target = inspect.unwrap(obj) if callable(obj) else obj
    module = getattr(target, "__module__", "") or ""
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or type(target).__name__
    return f"{module}.{name}" if module else str(name)


def safely(func: Callable[[], Any], default: Any = None) -> Any:
    try:
        return func()
    except Exception:
        return default
