"""The glob matcher: gitignore and settings semantics, and no catastrophic backtracking."""

from __future__ import annotations

import time

import pytest

from flask_doctor.globs import Glob


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.py", "views.py", True),
        ("*.py", "pkg/views.py", False),
        ("test_?.py", "test_a.py", True),
        ("test_?.py", "test_ab.py", False),
        ("[abc]*.py", "b1.py", True),
        ("[!abc]*.py", "b1.py", False),
        ("[a-c]x", "bx", True),
        ("\\*lit", "*lit", True),
        ("\\*lit", "xlit", False),
        ("**/x.py", "x.py", True),
        ("**/x.py", "a/b/x.py", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**", "a/x/y", True),
        ("a/**", "a", False),
        ("**/**/**/x.py", "x.py", True),
        ("a*b", "a/b", False),
    ],
)
def test_gitignore_mode(pattern: str, path: str, expected: bool) -> None:
    assert Glob(pattern).match(path) is expected


def test_settings_mode_lets_star_cross_slash_without_double_star() -> None:
    assert Glob("app/*.py", star_crosses_slash=True).match("app/x/y.py")
    assert not Glob("app/*.py").match("app/x/y.py")


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 5000),
        ("/".join(["**"] * 12) + "/x.py", "/".join(["d"] * 200) + "/y.py"),
        ("*" + "?*" * 50 + "b", "x" * 3000),
    ],
)
def test_hostile_patterns_take_linear_time(pattern: str, path: str) -> None:
    started = time.perf_counter()
    assert not Glob(pattern).match(path)
    assert not Glob(pattern, star_crosses_slash=True).match(path)
    assert time.perf_counter() - started < 2.0
