"""Guess which environment (production, development, testing) code belongs to."""

from __future__ import annotations

import ast
import re

from flask_doctor.static.syntax import all_child_nodes

_TESTING_NAME = re.compile(r"test|\bci\b")
_DEVELOPMENT_NAME = re.compile(r"dev|local|debug")
_PRODUCTION_NAME = re.compile(r"prod|live|release|deploy|staging|heroku")
_PRODUCTION_TEST = re.compile(r"prod|live")
_TESTING_TEST = re.compile(r"test")
_DEVELOPMENT_TEST = re.compile(r"debug|dev|local")


def classify_env(name: str) -> str:
    """Guess the environment of a config class or module from its name."""
    lowered = name.lower()
    if _TESTING_NAME.search(lowered):
        return "testing"
    if _DEVELOPMENT_NAME.search(lowered):
        return "development"
    if _PRODUCTION_NAME.search(lowered):
        return "production"
    return "base"


def test_words(test: ast.expr) -> str:
    """The names, attributes and strings of an ``if`` test, lower-cased.

    Much cheaper than ``ast.unparse`` and enough to tell ``if app.debug:``
    or ``if env == "production":`` apart.
    """
    words: list[str] = []
    todo = [test]  # ``ast.walk``'s breadth-first order, without its generators
    for node in todo:
        cls = node.__class__
        if cls is ast.Name:
            words.append(node.id)  # type: ignore[attr-defined]
        elif cls is ast.Attribute:
            words.append(node.attr)  # type: ignore[attr-defined]
        elif cls is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
            words.append(node.value)  # type: ignore[attr-defined]
        todo += all_child_nodes(node)
    return " ".join(words)


def env_of_test(test: ast.expr, in_else: bool, words: str | None = None) -> str | None:
    """Which environment an ``if`` test selects (``if app.debug:`` -> development)."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    text = (words if words is not None else test_words(test)).lower()
    env: str | None = None
    if _PRODUCTION_TEST.search(text):
        env = "production"
    elif _TESTING_TEST.search(text):
        env = "testing"
    elif _DEVELOPMENT_TEST.search(text):
        env = "development"
    if env is None:
        return None
    if negated != in_else:
        return "production" if env != "production" else "development"
    return env
