"""Helpers shared by the check modules."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

from flask_doctor.audit.sources import display_path, is_user_file
from flask_doctor.findings import Location


def where(obj: Any) -> Location | None:
    """The source location of a function, class or method (None for builtins)."""
    target = inspect.unwrap(obj) if callable(obj) else obj
    target = getattr(target, "__func__", target)
    try:
        path = inspect.getsourcefile(target)
        lines, line = inspect.getsourcelines(target)
    except (OSError, TypeError):
        return None
    if not path:
        return None
    name = getattr(target, "__name__", "")
    for offset, text in enumerate(lines):  # skip decorators: point at the def/class name
        stripped = text.lstrip()
        for keyword in ("async def ", "def ", "class "):
            if name and stripped.startswith(keyword + name):
                column = len(text) - len(stripped) + len(keyword) + 1
                return Location(display_path(path), line + offset, column, line + offset, column + len(name))
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


def user_modules(audit: Any) -> list[tuple[str, Any]]:
    """(name, module) of the app's own modules: files under its root path, outside site-packages."""
    modules = audit.memo.get("user_modules")
    if modules is None:
        root = os.path.abspath(audit.app.root_path) + os.sep
        modules = []
        for module_name, module in sorted(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path.startswith(root) and is_user_file(path):
                modules.append((module_name, module))
        audit.memo["user_modules"] = modules
    return list(modules)


def user_globals(audit: Any, cls: type | None) -> list[tuple[str, str, Any]]:
    """(module, attribute, object) for instances of ``cls`` among the globals of the
    app's own modules (files under its root path, outside site-packages)."""
    if cls is None:
        return []
    found: list[tuple[str, str, Any]] = []
    for module_name, module in user_modules(audit):
        for attr, value in list(vars(module).items()):
            if isinstance(value, cls) and not any(value is v for _, _, v in found):
                found.append((module_name, attr, value))
    return found


def line_of(path: str, attr: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, 1):
                if text.startswith(attr) and "=" in text:
                    return number
    except OSError:
        pass
    return 0
