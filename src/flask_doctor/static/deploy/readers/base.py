"""What every deploy-file reader shares: the model being filled, relative paths, problems, safe reading.

A reader is a function ``read(reader, path, text)`` that appends to
``reader.model``.  It never raises for bad input: it records a problem
(``reader.problem(path, line, message)``) and goes on, because one odd file
must not hide what the others say.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask_doctor.bounded_read import FileRefused, read_bounded
from flask_doctor.config import relative_posix
from flask_doctor.findings import Location
from flask_doctor.static.deploy.model import DeployModel

__all__ = ["MAX_BYTES", "ReadFn", "Reader", "loc", "scalar_text"]

#: Larger files are not deploy files anyone writes by hand; they are skipped.
MAX_BYTES = 2_000_000

#: Byte-order marks of the Unicode encodings a text file may be saved in, UTF-32's first (its
#: little-endian mark starts with UTF-16's). Windows tools write UTF-16 with a mark (PowerShell's
#: ``pip freeze > requirements.txt``), and pip reads such requirement files, so they are text, not
#: binary: their NUL bytes are half of every character.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def loc(rel: str, line: int, column: int = 1) -> Location:
    """A location in a deploy file (columns count from 1)."""
    return Location(path=rel, line=line, column=column)


class Reader:
    """Shared state of one :func:`parse_deploy_files` call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.model = DeployModel()
        #: files read so far (resolved), so that a script is read once
        self.done: set[Path] = set()
        #: entry-point scripts a Dockerfile names: (candidate paths, process), read after the files
        self.scripts: list[tuple[list[Path], str]] = []

    def rel(self, path: Path) -> str:
        """``path`` relative to the checked root, as findings print it."""
        return relative_posix(path.absolute(), self.root)

    def problem(self, path: Path, line: int, message: str) -> None:
        """Record why (part of) a file was not read; it becomes an FD002 finding."""
        self.model.problems.append((path, line, message))

    def read(self, path: Path) -> str | None:
        """The text of ``path``, or ``None`` with a problem recorded."""
        try:
            data = read_bounded(path, MAX_BYTES)
        except FileRefused as exc:
            self.problem(path, 0, str(exc.strerror or exc))
            return None
        for bom, encoding in _BOMS:
            if data.startswith(bom):
                return self._decode_marked(path, data[len(bom) :], encoding)
        if b"\x00" in data[:8192]:
            self.problem(path, 0, "binary file; not read")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(path, line, "not valid UTF-8; read with replacement characters")
            return data.decode("utf-8", errors="replace")

    def _decode_marked(self, path: Path, data: bytes, encoding: str) -> str:
        """The text after a byte-order mark, with replacement characters where it is not ``encoding``."""
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            self.problem(path, 0, f"not valid {encoding.upper()}; read with replacement characters")
            return data.decode(encoding, errors="replace")


#: The signature of a reader of one kind of deploy file.
ReadFn = Callable[[Reader, Path, str], None]


def scalar_text(value: object) -> str:
    """A YAML/TOML scalar as the environment would hold it (``true``, not Python's ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
