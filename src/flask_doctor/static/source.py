"""Reading and parsing one Python file, safely.

Every file is read once, decoded as Python does (PEP 263 cookie, BOM) and
parsed once with :mod:`ast`.  Bad input never raises: a file that cannot be
read or parsed becomes a :class:`SourceProblem` that the runner turns into an
FD001/FD002 finding, and the rest of the tree is still checked.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from flask_doctor.bounded_read import FileRefused, read_bounded
from flask_doctor.dataclass import dataclass

#: Files larger than this are almost always generated; parsing them costs
#: seconds and finds nothing a human can fix.
MAX_FILE_BYTES = 5_000_000


@dataclass(eq=False)
class SourceProblem:
    """Why a file could not be checked: a syntax error (FD001) or an unreadable file (FD002)."""

    code: str  # FD001 (syntax) or FD002 (unreadable)
    message: str
    line: int = 0
    column: int = 0


@dataclass
class SourceModule:
    """A parsed Python file and the facts every rule needs about it."""

    path: str  # posix, relative to the project root when possible
    name: str  # dotted module name ("shop.views", "shop" for shop/__init__.py)
    text: str
    tree: ast.Module
    is_package: bool = False
    #: ``text.splitlines()``, split on first use (few rules read lines; a list of every line
    #: of every module costs twice the text)
    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def line(self, number: int) -> str:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""


def module_name_for(path: Path, root: Path, has_init: Callable[[Path], bool] | None = None) -> tuple[str, bool]:
    """The dotted name Python would import ``path`` under, relative to ``root``.

    Walks up while the parent directory is a package (has ``__init__.py``),
    which is how ``shop/views.py`` becomes ``shop.views`` even when the
    project root is one level higher (``src/`` layouts, monorepos).
    A folder without ``__init__.py`` inside a package is a namespace package of its own (PEP 420):
    ``pkg/common/db/filters.py`` under ``pkg/__init__.py`` imports as ``pkg.common.db.filters``.
    ``has_init`` answers "does this folder hold ``__init__.py``?" (:func:`init_files`, shared by the files
    of one run); without it every folder is asked on disk.
    """
    if has_init is None:
        has_init = _has_init
    is_package = path.name == "__init__.py"
    parts: list[str] = [] if is_package else [path.stem]
    parent = path.parent
    while parent != parent.parent and (
        has_init(parent) or (parent != root and _namespace_in_package(parent, has_init))
    ):
        parts.insert(0, parent.name)
        if parent == root:
            break
        parent = parent.parent
    if not parts:
        parts = [path.parent.name or "__root__"]
    return ".".join(parts), is_package


def _namespace_in_package(folder: Path, has_init: Callable[[Path], bool]) -> bool:
    """``folder`` has no ``__init__.py`` but its parent is a package: Python imports it as a namespace package."""
    parent = folder.parent
    return folder.name.isidentifier() and parent != parent.parent and has_init(parent)


def _has_init(folder: Path) -> bool:
    return (folder / "__init__.py").exists()


def init_files() -> Callable[[Path], bool]:
    """A ``has_init`` test for :func:`module_name_for` that asks the disk once per folder.

    Every file of a package asks about each folder above it (and ``pathlib`` makes each question a
    ``stat`` and a few path objects): on a project of 2,000 files that was ~10,000 questions about
    ~40 folders. The answers are kept for one run only, so a ``--watch`` run sees a new ``__init__.py``.
    """
    known: dict[str, bool] = {}

    def has_init(folder: Path) -> bool:
        key = str(folder)
        answer = known.get(key)
        if answer is None:
            answer = known[key] = _has_init(folder)
        return answer

    return has_init


def read_source(path: Path) -> tuple[str | None, SourceProblem | None]:
    """Decode a file the way the interpreter would; report, never raise or block."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        return None, SourceProblem("FD002", str(exc.strerror or exc))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, SourceProblem(
            "FD002", "UTF-16 encoded: Python reads source as UTF-8 (or a PEP 263 encoding); not checked"
        )
    if b"\x00" in data:
        return None, SourceProblem("FD002", "binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        return None, SourceProblem("FD002", f"cannot decode file: {reason}")
    text = text.removeprefix("\ufeff")
    return text, None


def parse_source(text: str, filename: str) -> tuple[ast.Module | None, SourceProblem | None]:
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences etc. are the file's business, not ours.
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=filename, type_comments=False), None
    except SyntaxError as exc:
        return None, SourceProblem(
            "FD001",
            f"syntax error: {exc.msg}",
            line=exc.lineno or 0,
            column=exc.offset or 0,
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, SourceProblem("FD001", f"cannot parse: {exc.__class__.__name__}: {exc}")


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (posix); ``../x`` rather than an absolute path outside it.

    Only the parent directory is resolved: the file itself may be a link loop
    or a dangling link that is being reported.
    """
    absolute = path.absolute()
    for base in (root.absolute(), None):
        try:
            if base is None:
                base = root.resolve()
                absolute = absolute.parent.resolve() / absolute.name
            return absolute.relative_to(base).as_posix()
        except (ValueError, OSError, RuntimeError):
            continue
    try:
        return Path(os.path.relpath(absolute, root.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()
