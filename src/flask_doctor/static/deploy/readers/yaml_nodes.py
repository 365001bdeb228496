"""YAML read as nodes, so that every value keeps its line.

Compose files and App Engine's app.yaml are composed (not loaded) with the
safe loader: a node knows where it starts, and findings must point at the
line of ``command:`` or ``FLASK_DEBUG:``.  Merges (``<<: *defaults``) are
applied, and a later explicit key beats a merged one, as in YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flask_doctor.static.deploy.readers.base import Reader

__all__ = ["column_of", "compose_yaml", "get", "items", "line_of", "to_python"]


def compose_yaml(reader: Reader, path: Path, text: str) -> yaml.Node | None:
    """The first document's root node, or ``None`` with the YAML error recorded as a problem."""
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is not None:
                return node
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        reader.problem(path, line, f"invalid YAML: {problem}")
        return None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - pathological input
        reader.problem(path, 0, f"invalid YAML: {exc}")
        return None


def items(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    """Key/value node pairs of a mapping, with ``<<: *anchor`` merges applied."""
    if not isinstance(node, yaml.MappingNode):
        return []
    try:
        yaml.SafeLoader("").flatten_mapping(node)
    except yaml.YAMLError:
        pass
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value of ``key``; the last one wins, so explicit keys beat ``<<`` merges."""
    found = None
    for k, v in items(node):
        if k.value == key:
            found = v
    return found


def to_python(node: yaml.Node | None) -> Any:
    """The value under ``node`` as the safe loader builds it (a YAML value can be of any type)."""
    if node is None:
        return None
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError):
        return node.value if isinstance(node, yaml.ScalarNode) else None


def line_of(node: yaml.Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def column_of(node: yaml.Node) -> int:
    """The 1-based column where ``node`` starts."""
    return node.start_mark.column + 1
