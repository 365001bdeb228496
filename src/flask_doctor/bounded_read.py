"""Read a file only when it is a regular file, and never more than a limit.

The checked tree is untrusted input: a FIFO named ``app.py`` or
``Dockerfile`` blocks a plain ``open()`` forever, ``/dev/zero`` linked as a
source file never ends, and a 3 GB sparse ``Dockerfile`` costs gigabytes
when read whole.  Every pass that reads a file from the tree (sources, deploy
files, ``.gitignore``, ``pyproject.toml``, ``# noqa`` comments, snippets for
the report) goes through :func:`read_bounded`: it opens without blocking,
checks the kind and the size on the open descriptor (no race with a swap),
and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

#: Source and deploy files larger than this are generated or hostile: not read.
DEFAULT_LIMIT = 5_000_000

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(OSError):
    """Why a file was not read (not a regular file, too large, unreadable); the message says it."""


def describe_kind(mode: int) -> str:
    """``a named pipe (FIFO)``, ``a device``, ... for a non-regular file's ``st_mode``."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


#: Texts that stand in for files while ``--fix`` checks its result before writing anything.
_OVERLAY: contextvars.ContextVar[Mapping[str, bytes] | None] = contextvars.ContextVar("overlay", default=None)


@contextlib.contextmanager
def overlay(files: Mapping[Path, bytes]) -> Iterator[None]:
    """Make :func:`read_bounded` return ``files[path]`` instead of the disk's bytes, within the block.

    ``--fix`` and ``--diff`` re-run the whole check on the fixed texts (cross-file rules need every
    file) without writing a byte until the result is proven: parsing, and the cured rule quiet.
    """
    token = _OVERLAY.set({os.path.abspath(path): data for path, data in files.items()})
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def read_bounded(path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of ``path``; raises :class:`FileRefused` instead of blocking or reading too much."""
    shadow = _OVERLAY.get()
    if shadow is not None:
        data = shadow.get(os.path.abspath(path))
        if data is not None:
            return data
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise FileRefused(exc.errno, f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{describe_kind(info.st_mode)}, not a regular file; not read")
        if info.st_size > limit:
            raise FileRefused(f"{info.st_size:,} bytes is larger than the {limit:,}-byte limit; not read")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except FileRefused:
        raise
    except OSError as exc:
        raise FileRefused(exc.errno, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew between fstat and read
        raise FileRefused(f"larger than the {limit:,}-byte limit; not read")
    return data


def read_text_bounded(path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT) -> str:
    """:func:`read_bounded` decoded as UTF-8 with replacement (for configs and snippets)."""
    return read_bounded(path, limit).decode("utf-8", errors="replace")


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


__all__ = ["DEFAULT_LIMIT", "FileRefused", "describe_kind", "is_regular_file", "read_bounded", "read_text_bounded"]
