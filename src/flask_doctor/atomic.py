"""One way to replace a file: readers see the old content or the new one, never half of it.

Used by every writer whose file others may read meanwhile: ``--fix`` on the user's sources,
the check cache (concurrent runs) and the baseline.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomically(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8", *, follow_symlinks: bool = True
) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place in one step.

    The temporary file is made in the same directory (``os.replace`` is atomic only within one file
    system); an existing file keeps its permission bits. A symlink is followed, so the link stays a link
    (``--fix`` on a linked source), unless ``follow_symlinks`` is off: the cache lives in the checked tree,
    where a committed link must be replaced, never written through to a file outside it. On any failure
    the temporary file is removed and the original is untouched.
    """
    target = Path(os.path.realpath(path)) if follow_symlinks else Path(os.path.abspath(path))
    try:
        status = os.stat(target, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        status = None
    # a link that is replaced, not followed, lends the new file no permission bits
    mode = None if status is None or stat.S_ISLNK(status.st_mode) else stat.S_IMODE(status.st_mode)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode(encoding))
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
