"""Patterns compiled on first use (``static/patterns.py``): the same compiled object every time, and every
pattern of the package compiles (import no longer proves it)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import flask_doctor.static
from flask_doctor.static.patterns import every_pattern, on_first_use


def test_compiled_once_with_its_flags() -> None:
    login_wall = on_first_use(r"login_required|roles_required", re.IGNORECASE)
    compiled = login_wall()
    assert isinstance(compiled, re.Pattern)
    assert compiled is login_wall()
    assert compiled.flags & re.IGNORECASE
    assert compiled.search("@Login_Required")
    assert login_wall in every_pattern()


def test_every_pattern_of_the_package_compiles() -> None:
    for info in pkgutil.walk_packages(flask_doctor.static.__path__, prefix="flask_doctor.static."):
        importlib.import_module(info.name)
    patterns = every_pattern()
    assert len(patterns) > 80  # the CSRF words, the deploy-file grammars, the Python 2 hints, ...
    for pattern in patterns:
        assert isinstance(pattern(), re.Pattern)
