"""The checker reads the checked tree only through the bounded reader (bounded_read.py).

A FIFO named ``pyproject.toml`` or a 3 GB sparse file must never be opened for a
plain read: ``Path.read_text``/``read_bytes`` and ``open()`` would block or load
it all. This test keeps new code from bringing such reads back.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "flask_doctor"
#: Modules of ``check`` that may open files: the writer of fixes (it writes files it has just read bounded).
ALLOWED = {"static/fixes/engine.py"}


def _raw_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("read_text", "read_bytes"):
            receiver = ast.unparse(func.value)
            if "resources" in receiver or "files(" in receiver:
                continue  # package data shipped with flask-doctor
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(func)}()")
        elif isinstance(func, ast.Name) and func.id == "open":
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: open()")
    return found


def test_check_reads_the_tree_only_through_the_bounded_reader() -> None:
    offenders = []
    for path in sorted((SRC / "static").rglob("*.py")):
        if path.relative_to(SRC).as_posix() not in ALLOWED:
            offenders += _raw_reads(path)
    assert not offenders, "\n".join(offenders)
