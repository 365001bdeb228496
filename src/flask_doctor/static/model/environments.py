"""Guess which environment (production, development, testing) code belongs to."""

from __future__ import annotations

import ast
import re


def classify_env(name: str) -> str:
    """Guess the environment of a config class or module from its name."""
    lowered = name.lower()
    if re.search(r"test|\bci\b", lowered):
        return "testing"
    if re.search(r"dev|local|debug", lowered):
        return "development"
    if re.search(r"prod|live|release|deploy|staging|heroku", lowered):
        return "production"
    return "base"


def test_words(test: ast.expr) -> str:
    """The names, attributes and strings of an ``if`` test, lower-cased.

    Much cheaper than ``ast.unparse`` and enough to tell ``if app.debug:``
    or ``if env == "production":`` apart.
    """
    words: list[str] = []
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.append(node.value)
    return " ".join(words)


def env_of_test(test: ast.expr, in_else: bool, words: str | None = None) -> str | None:
    """Which environment an ``if`` test selects (``if app.debug:`` -> development)."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    text = (words if words is not None else test_words(test)).lower()
    env: str | None = None
    if re.search(r"prod|live", text):
        env = "production"
    elif re.search(r"test", text):
        env = "testing"
    elif re.search(r"debug|dev|local", text):
        env = "development"
    if env is None:
        return None
    if negated != in_else:
        return "production" if env != "production" else "development"
    return env
