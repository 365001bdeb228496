"""Is this file the user's code, not a library's and not flask-doctor's? One answer for every surface.

``audit`` points findings at the app's own config lines, ``Doctor(app)``
blames the first frame of a stack that is the user's (the line that ran the
query, pushed the context, raised the error), ``soak`` sums memory growth by
the user's allocation sites and scans the user's modules for growing
containers.  All of them ask this module, so a file is the user's for one
surface exactly when it is for the others.

A file is *not* the user's when it is

* synthetic (``<frozen importlib._bootstrap>``, ``<string>``, empty);
* under a ``site-packages`` or ``dist-packages`` directory (installed
  packages, in any virtualenv, on ``sys.path`` or not);
* under the interpreter's standard library or its install directories
  (:func:`sysconfig.get_paths`);
* part of flask-doctor itself.

Paths are compared after :func:`os.path.realpath` (a virtualenv's ``lib``
is often a symlink).  For frames, :func:`is_user_frame` also recognises
well-known libraries by module name, for source checkouts and editable
installs that live outside ``site-packages``.

This module is imported inside production workers: standard library only,
results cached (bounded).
"""

from __future__ import annotations

import os
import sysconfig
from functools import lru_cache
from pathlib import Path
from types import FrameType

#: Top-level packages that are never the user's code, wherever they are installed.
LIBRARY_MODULES = frozenset(
    {
        "sqlalchemy",
        "flask_sqlalchemy",
        "flask",
        "werkzeug",
        "celery",
        "kombu",
        "blinker",
        "jinja2",
        "gevent",
        "eventlet",
        "gunicorn",
        "rq",
        "flask_doctor",
        "_pytest",
        "pytest",
        "pluggy",
    }
)
_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages"})
_CACHE_MAX = 50_000

_files: dict[str, bool] = {}
# Keyed by id(code): hashing a code object hashes its bytecode and constants (~1 µs on the
# request path); the value keeps the code object alive so that its id cannot be reused.
_codes: dict[int, tuple[object, bool]] = {}


@lru_cache(maxsize=1)
def library_roots() -> tuple[str, ...]:
    """Directories whose files are never the user's: the standard library and flask-doctor (real paths)."""
    roots = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            roots.add(os.path.realpath(paths[key]))
    roots.add(os.path.realpath(os.path.dirname(os.__file__)))
    roots.add(str(Path(__file__).resolve().parent))  # flask_doctor itself
    return tuple(sorted(root.rstrip(os.sep) + os.sep for root in roots))


def is_user_file(filename: str | None) -> bool:
    """True for the application's own source files (see the module docstring for what is not)."""
    if not filename or filename.startswith("<"):
        return False
    known = _files.get(filename)
    if known is not None:
        return known
    real = os.path.realpath(filename)
    user = not (_PACKAGE_DIRS.intersection(Path(real).parts) or (real + os.sep).startswith(library_roots()))
    if len(_files) < _CACHE_MAX:
        _files[filename] = user
    return user


def is_user_module(name: str) -> bool:
    """False for the modules of :data:`LIBRARY_MODULES` (``flask.app``, ``sqlalchemy.orm.session``...)."""
    return name.partition(".")[0] not in LIBRARY_MODULES


def is_user_frame(frame: FrameType) -> bool:
    """True when ``frame`` runs the user's code: a user file, not a known library's module.

    Called for every frame of a stack on the request path (SQL call sites,
    pushed contexts): cached per code object.
    """
    code = frame.f_code
    known = _codes.get(id(code))
    if known is not None:
        return known[1]
    user = is_user_module(frame.f_globals.get("__name__", "") or "") and is_user_file(code.co_filename)
    if len(_codes) < _CACHE_MAX:
        _codes[id(code)] = (code, user)
    return user


__all__ = [
    "LIBRARY_MODULES",
    "is_user_file",
    "is_user_frame",
    "is_user_module",
    "library_roots",
]
