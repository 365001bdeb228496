"""Declared dependencies: requirements files, ``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``Pipfile``.

Each declaration becomes a :class:`~flask_doctor.static.deploy.model.Requirement`
with its line, so that rules can ask which version of a library the project
runs (Flask-SQLAlchemy 2.x or 3.x behave differently).  Read:

* ``requirements*.txt`` and ``requirements/*.txt``: one PEP 508 requirement a
  line; options (``-r``, ``-e``, ``--hash``), URLs and comments are skipped;
* ``pyproject.toml``: ``[project] dependencies`` and ``[tool.poetry.dependencies]``
  (Poetry constraints such as ``^2.5`` are kept as written);
* ``setup.cfg``: ``install_requires`` of ``[options]``;
* ``setup.py``: ``install_requires=`` of the ``setup(...)`` call, when it is
  a literal list or a module-level name bound to one (parsed with :mod:`ast`,
  never run; a syntax error is left to FD001, which reports the module);
* ``Pipfile``: ``[packages]``.

Optional and development groups are not read: what they pin is not what
production installs.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from flask_doctor.static.deploy.model import Requirement, normalise_name
from flask_doctor.static.deploy.readers.base import Reader, loc
from flask_doctor.static.deploy.readers.entry_points import read_entry_points

if sys.version_info >= (3, 11):  # pragma: no cover - depends on interpreter
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["parse_requirement", "read_requirements"]

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$", re.DOTALL)
_SPEC_START = ("<", ">", "=", "!", "~", "(")
#: How deep ``install_requires=BASE + EXTRA`` is followed through names and ``+``.
_MAX_DEPTH = 8


def parse_requirement(text: str) -> tuple[str, str] | None:
    """``(normalised name, specifier)`` of one PEP 508 requirement, or ``None`` when it is not one.

    ``Flask-SQLAlchemy[async] (>=2.5,<3) ; python_version>"3.8"`` ->
    ``("flask-sqlalchemy", ">=2.5,<3")``; ``name @ https://...`` -> ``(name, "")``.
    """
    text = text.split(";", 1)[0].strip()
    match = _NAME.match(text)
    if match is None:
        return None
    name, rest = match.group(1), match.group(2).strip()
    if rest.startswith("@"):
        return normalise_name(name), ""
    if rest and not rest.startswith(_SPEC_START):
        return None  # a URL, a path, a typo: not a requirement this reader understands
    spec = rest.strip("()").replace(" ", "")
    return normalise_name(name), spec


def read_requirements(reader: Reader, path: Path, text: str) -> None:
    name = path.name
    if name in ("pyproject.toml", "setup.cfg"):
        read_entry_points(reader, path, text)
    if name == "pyproject.toml":
        _read_pyproject(reader, path, text)
    elif name == "Pipfile":
        _read_pipfile(reader, path, text)
    elif name == "setup.cfg":
        _read_setup_cfg(reader, path, text)
    elif name == "setup.py":
        _read_setup_py(reader, path, text)
    else:
        _read_requirements_txt(reader, path, text)


def _add(reader: Reader, rel: str, line: int, name: str, spec: str) -> None:
    reader.model.requirements.append(Requirement(normalise_name(name), spec, loc(rel, max(line, 1))))


# ------------------------------------------------------------ requirements.txt
def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with ``\\`` continuations joined and comments removed, each with its first line number."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        joined = " ".join(pending)
        pending = []
        yield start, re.split(r"(?:^|\s)#", joined, maxsplit=1)[0].strip()
    if pending:
        yield start, re.split(r"(?:^|\s)#", " ".join(pending), maxsplit=1)[0].strip()


def _read_requirements_txt(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    for line, content in _logical_lines(text):
        if not content or content.startswith("-"):
            continue  # ``-r base.txt``, ``-e .``, ``--index-url``: options, not requirements
        content = re.split(r"\s--?[a-z]", content, maxsplit=1)[0]  # ``pkg==1 --hash=sha256:...``
        parsed = parse_requirement(content)
        if parsed is not None:
            _add(reader, rel, line, *parsed)


# ------------------------------------------------------------------- TOML files
def _load_toml(reader: Reader, path: Path, text: str) -> dict[str, object] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        reader.problem(path, int(match.group(1)) if match else 0, f"invalid TOML: {exc}")
        return None


def _table(data: object, *keys: str) -> dict[str, object]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _header_line(lines: list[str], table: str) -> int:
    """Line of ``[table]`` (0 when the table is written inline or dotted elsewhere)."""
    pattern = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
    return next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), 0)


def _line_of(lines: list[str], needle: str, after: int) -> int:
    """First line after ``after`` that contains ``needle``; ``after`` (or 1) when none does."""
    for number in range(after + 1, len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return max(after, 1)


def _key_line(lines: list[str], key: str, after: int) -> int:
    """Line of ``key = ...`` after ``after`` (``"key" = ...`` too); ``after`` (or 1) when none is."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number in range(after + 1, len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return max(after, 1)


def _poetry_spec(value: object) -> str | None:
    """The version constraint of a Poetry/Pipfile dependency value (``"^2.5"``, ``{version = "^2.5"}``)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if value.get("optional") is True:
            return None  # an extra: not installed by default
        version = value.get("version")
        return version.strip() if isinstance(version, str) else ""  # git/path/url dependency
    if isinstance(value, list):  # several constraints by marker: keep them all as alternatives
        specs = [s for s in (_poetry_spec(v) for v in value) if s]
        return " || ".join(specs)
    return None


def _read_pyproject(reader: Reader, path: Path, text: str) -> None:
    data = _load_toml(reader, path, text)
    if data is None:
        return
    rel = reader.rel(path)
    lines = text.splitlines()
    dependencies = _table(data, "project").get("dependencies")
    if isinstance(dependencies, list):
        start = _header_line(lines, "project")
        for item in dependencies:
            if isinstance(item, str) and (parsed := parse_requirement(item)) is not None:
                _add(reader, rel, _line_of(lines, item.strip(), start), *parsed)
    _read_name_table(reader, rel, lines, _table(data, "tool", "poetry", "dependencies"), "tool.poetry.dependencies")


def _read_pipfile(reader: Reader, path: Path, text: str) -> None:
    data = _load_toml(reader, path, text)
    if data is not None:
        _read_name_table(reader, reader.rel(path), text.splitlines(), _table(data, "packages"), "packages")


def _read_name_table(reader: Reader, rel: str, lines: list[str], table: dict[str, object], header: str) -> None:
    """``name = "constraint"`` tables: Poetry's dependencies, Pipfile's packages."""
    start = _header_line(lines, header)
    for name, value in table.items():
        if name.lower() == "python":
            continue
        spec = _poetry_spec(value)
        if spec is None:
            continue
        _add(reader, rel, _key_line(lines, name, start), name, "" if spec == "*" else spec)


# -------------------------------------------------------------------- setup.cfg
def _read_setup_cfg(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    section = ""
    in_value = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, in_value = stripped[1:-1].strip(), False
            continue
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if raw[:1] not in (" ", "\t"):
            key, sep, value = raw.partition("=")
            in_value = bool(sep) and section == "options" and key.strip() == "install_requires"
            if not in_value:
                continue
            stripped = value.strip()
            if not stripped:
                continue
        elif not in_value:
            continue
        if stripped.startswith("file:"):
            continue  # ``file: requirements.txt``: that file is read on its own
        parsed = parse_requirement(stripped)
        if parsed is not None:
            _add(reader, rel, number, *parsed)


# --------------------------------------------------------------------- setup.py
def _read_setup_py(reader: Reader, path: Path, text: str) -> None:
    try:
        tree = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        return  # the module is a Python file too: FD001 reports it
    names: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            names[stmt.target.id] = stmt.value
    rel = reader.rel(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if called != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg == "install_requires":
                for item in _string_items(keyword.value, names, 0):
                    if (parsed := parse_requirement(item.value)) is not None:
                        _add(reader, rel, item.lineno, *parsed)
        return  # one ``setup(...)`` call: the first is the one that runs


def _string_items(expr: ast.expr, names: dict[str, ast.expr], depth: int) -> Iterator[ast.Constant]:
    """String constants of a literal list/tuple, a module-level name bound to one, or ``a + b`` of those."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(expr, (ast.List, ast.Tuple)):
        for element in expr.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                yield element
    elif isinstance(expr, ast.Name) and expr.id in names:
        yield from _string_items(names[expr.id], names, depth + 1)
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        yield from _string_items(expr.left, names, depth + 1)
        yield from _string_items(expr.right, names, depth + 1)
