"""Parse the Python the application targets, not only the Python the checker runs on.

An application written for Python 3.12 may reuse quotes inside f-strings
(PEP 701) or declare ``type`` aliases; under a checker running on 3.11 those
files are syntax errors and every rule would skip them.  When a file does not
parse here, it is parsed again by the newest Python interpreter installed on
the machine (``python3.13``, ``python3.12``, ...) in a child process, which
sends the tree back as JSON; it is rebuilt with this interpreter's ``ast``
classes.  Syntax this interpreter has no node for (a ``type`` statement) is
kept as a placeholder at the same position, so rules still see the rest of
the file.

The child process only parses (``ast.parse``): it never imports or runs the
checked code.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.dataclass import dataclass

#: Newest first; only versions newer than the running interpreter are tried.
_CANDIDATE_MINORS = tuple(range(20, sys.version_info.minor, -1))
#: A child parses for at most this long (a batch of files).
PARSE_TIMEOUT_SECONDS = 120

_CHILD_SCRIPT = r"""
import ast, json, sys, warnings
warnings.simplefilter("ignore")

def encode(node):
    if isinstance(node, ast.AST):
        out = {"_": type(node).__name__}
        for name, value in ast.iter_fields(node):
            if name in ("ctx",):
                out[name] = type(value).__name__ if value is not None else None
            else:
                out[name] = encode(value)
        for name in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if hasattr(node, name):
                out[name] = getattr(node, name)
        return out
    if isinstance(node, list):
        return [encode(item) for item in node]
    if isinstance(node, bytes):
        return {"_bytes": node.decode("latin-1")}
    if isinstance(node, complex):
        return {"_complex": [node.real, node.imag]}
    if node is Ellipsis:
        return {"_ellipsis": True}
    if isinstance(node, float) and node != node:
        return {"_nan": True}
    if isinstance(node, float) and node in (float("inf"), float("-inf")):
        return {"_inf": node > 0}
    return node

results = []
for item in json.load(sys.stdin):
    try:
        tree = ast.parse(item["text"], filename=item["filename"])
        results.append({"tree": encode(tree)})
    except SyntaxError as exc:
        results.append({"error": exc.msg, "line": exc.lineno or 0, "column": exc.offset or 0})
    except (ValueError, RecursionError, MemoryError) as exc:
        results.append({"error": f"{exc.__class__.__name__}: {exc}", "line": 0, "column": 0})
sys.stdout.write(json.dumps({"version": list(sys.version_info[:2]), "results": results}))
"""


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int]

    @property
    def label(self) -> str:
        return f"Python {self.version[0]}.{self.version[1]}"


@dataclass(frozen=True)
class Reparsed:
    """What the newer interpreter made of one file: a tree, or its own syntax error."""

    tree: ast.Module | None
    error: str = ""
    line: int = 0
    column: int = 0


_found: list[Interpreter] | None = None


def newer_interpreters() -> list[Interpreter]:
    """Installed ``python3.X`` newer than the running interpreter that really run, newest first.

    Looks on ``PATH`` and in pyenv's versions (a pyenv shim on ``PATH`` fails
    unless that version is selected, so each candidate is asked its version).
    """
    global _found
    if _found is None:
        _found = []
        for minor in _CANDIDATE_MINORS:
            for path in _candidate_paths(minor):
                if _answers(path, minor):
                    _found.append(Interpreter(path, (3, minor)))
                    break
    return _found


def _candidate_paths(minor: int) -> list[str]:
    paths = []
    on_path = shutil.which(f"python3.{minor}")
    if on_path:
        paths.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv_root.is_dir():
        for version_dir in sorted(pyenv_root.glob(f"3.{minor}.*"), reverse=True):
            candidate = version_dir / "bin" / f"python3.{minor}"
            if candidate.is_file():
                paths.append(str(candidate))
    return paths


def _answers(path: str, minor: int) -> bool:
    try:
        done = subprocess.run(
            [path, "-I", "-S", "-c", "import sys; print(sys.version_info[1])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == str(minor)


def reparse(files: Sequence[tuple[str, str]], interpreter: Interpreter) -> list[Reparsed]:
    """Parse ``(filename, text)`` pairs with ``interpreter``; one child process for all."""
    payload = json.dumps([{"filename": name, "text": text} for name, text in files])
    try:
        done = subprocess.run(
            [interpreter.path, "-I", "-S", "-c", _CHILD_SCRIPT],
            input=payload,
            capture_output=True,
            text=True,
            timeout=PARSE_TIMEOUT_SECONDS,
            check=False,
        )
        data = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return [Reparsed(None, f"{interpreter.label} could not parse it") for _ in files]
    out = []
    for item in data.get("results", []):
        if "tree" in item:
            tree = _decode(item["tree"])
            out.append(Reparsed(tree if isinstance(tree, ast.Module) else None))
        else:
            out.append(Reparsed(None, item.get("error", ""), item.get("line", 0), item.get("column", 0)))
    return out if len(out) == len(files) else [Reparsed(None, "incomplete answer") for _ in files]


def _decode(value: object) -> object:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "_bytes" in value:
        return str(value["_bytes"]).encode("latin-1")
    if "_complex" in value:
        real, imag = value["_complex"]  # type: ignore[misc]
        return complex(real, imag)
    if "_ellipsis" in value:
        return Ellipsis
    if "_nan" in value:
        return float("nan")
    if "_inf" in value:
        return float("inf") if value["_inf"] else float("-inf")
    name = str(value.get("_"))
    cls = getattr(ast, name, None)
    if not (isinstance(cls, type) and issubclass(cls, ast.AST)):
        return _placeholder(value)
    fields: dict[str, object] = {}
    for field_name in cls._fields:
        if field_name == "ctx":
            ctx_cls = getattr(ast, str(value.get("ctx") or "Load"), ast.Load)
            fields["ctx"] = ctx_cls()
        elif field_name in value:
            fields[field_name] = _decode(value[field_name])
        else:
            fields[field_name] = [] if field_name in _LIST_FIELDS else None
    node = cls(**fields)
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if attr in value:
            setattr(node, attr, value[attr])
    return node


#: Fields that are lists when a newer version's node lacks them here.
_LIST_FIELDS = frozenset(
    {
        "body",
        "orelse",
        "finalbody",
        "handlers",
        "decorator_list",
        "args",
        "keywords",
        "targets",
        "names",
        "elts",
        "keys",
        "values",
        "ops",
        "comparators",
        "generators",
        "ifs",
        "type_ignores",
        "type_params",
        "bases",
        "posonlyargs",
        "kwonlyargs",
        "kw_defaults",
        "defaults",
        "cases",
        "patterns",
        "kwd_attrs",
        "kwd_patterns",
        "items",
    }
)


def _placeholder(value: dict[str, object]) -> ast.AST:
    """A node this interpreter does not know (``type X = ...``): an inert statement at its place."""
    node = ast.Expr(value=ast.Constant(value=f"<{value.get('_')} needs a newer Python>"))
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if attr in value:
            setattr(node, attr, value[attr])
            setattr(node.value, attr, value[attr])
    return node


# ------------------------------------------------------------ target version
_REQUIRES = re.compile(r"""requires[-_]python\s*=\s*["']([^"']+)["']""")
_CLASSIFIER = re.compile(r"Programming Language :: Python :: 3\.(\d+)")
_DOCKER_FROM = re.compile(r"^\s*FROM\s+(?:[\w./-]+/)?python:3\.(\d+)", re.IGNORECASE | re.MULTILINE)
_LOWER_BOUND = re.compile(r">=?\s*3\.(\d+)")


def target_minor(root: Path, deploy_files: Iterable[Path] = ()) -> tuple[int, str] | None:
    """The newest Python 3 minor version the project says it runs on, and where it says so.

    Read from ``requires-python`` (its lower bound), trove classifiers in
    ``pyproject.toml``/``setup.cfg``/``setup.py``, and ``FROM python:3.X``
    lines of Dockerfiles.  ``None`` when nothing says.
    """
    best: tuple[int, str] | None = None

    def consider(minor: int, source: str) -> None:
        nonlocal best
        if best is None or minor > best[0]:
            best = (minor, source)

    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        text = _read_small(root / name)
        if not text:
            continue
        for spec in _REQUIRES.findall(text):
            for minor in _LOWER_BOUND.findall(spec):
                consider(int(minor), f"requires-python {spec.strip()} in {name}")
        for minor in _CLASSIFIER.findall(text):
            consider(int(minor), f"classifier Python 3.{minor} in {name}")
    for path in deploy_files:
        if "dockerfile" in path.name.lower():
            for minor in _DOCKER_FROM.findall(_read_small(path)):
                consider(int(minor), f"FROM python:3.{minor} in {path.name}")
    return best


def _read_small(path: Path, limit: int = 1_000_000) -> str:
    try:
        return read_text_bounded(path, limit)
    except OSError:
        return ""


__all__ = ["Interpreter", "Reparsed", "newer_interpreters", "reparse", "target_minor"]
