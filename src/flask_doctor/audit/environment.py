"""The environment the app would see in production, and where each variable came from.

Only ``flask run`` (and every ``flask`` command) reads ``.env`` and
``.flaskenv``, through python-dotenv, unless ``FLASK_SKIP_DOTENV`` is set.
gunicorn, uWSGI, waitress and mod_wsgi never read them.  The audit judges the
configuration production uses, so it reads those files only when told that
production runs ``flask run`` (``--server flask-run``).  A ``FLASK_DEBUG=1``
in the tutorial's ``.flaskenv`` therefore does not make a gunicorn
deployment look like it runs in debug mode.

Each variable the app read is described by its origin: the process
environment, a line of ``.env``/``.flaskenv`` (loaded for ``flask run``), set
by the app's own code while it was imported (its own ``load_dotenv()``), or
not set at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location

#: The files ``flask`` loads, in increasing precedence (``.env`` wins).
DOTENV_FILES = (".flaskenv", ".env")
#: Servers that read ``.env``/``.flaskenv`` (through the Flask CLI).
READS_DOTENV = frozenset({"flask-run"})


def skip_dotenv(environ: Mapping[str, str] | None = None) -> bool:
    """``FLASK_SKIP_DOTENV`` set to a true value (Flask's ``get_load_dotenv``)."""
    value = (environ if environ is not None else os.environ).get("FLASK_SKIP_DOTENV")
    return bool(value) and value.lower() not in ("0", "false", "no")


def dotenv_paths(cwd: Path | None = None) -> list[Path]:
    """The ``.flaskenv`` and ``.env`` files ``flask`` would find (searching upward), lowest precedence first."""
    start = (cwd or Path.cwd()).resolve()
    found = []
    for name in DOTENV_FILES:
        for folder in (start, *start.parents):
            candidate = folder / name
            if candidate.is_file():
                found.append(candidate)
                break
    return found


def _line_numbers(path: Path) -> dict[str, int]:
    numbers: dict[str, int] = {}
    assign = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return numbers
    for number, text in enumerate(lines, 1):
        match = assign.match(text)
        if match:
            numbers[match.group(1)] = number  # the last assignment wins, as in python-dotenv
    return numbers


def display(path: Path) -> str:
    try:
        return os.path.relpath(path) if str(path).startswith(os.getcwd() + os.sep) else str(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def dotenv_assignments(cwd: Path | None = None) -> dict[str, tuple[str, str]]:
    """``name -> (value, "file:line")`` for what ``flask`` would load (``.env`` over ``.flaskenv``).

    Empty when python-dotenv is not installed: then ``flask`` loads nothing either.
    """
    try:
        import dotenv
    except ImportError:
        return {}
    merged: dict[str, tuple[str, str]] = {}
    for path in dotenv_paths(cwd):
        numbers = _line_numbers(path)
        for name, value in dotenv.dotenv_values(path, encoding="utf-8").items():
            if value is not None:
                merged[name] = (value, f"{display(path)}:{numbers.get(name, 0)}")
    return merged


def _location(where: str) -> Location:
    path, _, line = where.rpartition(":")
    return Location(path, int(line or 0), 1 if line and line != "0" else 0)


@dataclass
class Environment:
    """Where the environment variables the app saw came from."""

    server: str = "gunicorn"
    #: Loaded from a dotenv file for ``flask run``: name -> "file:line".
    from_dotenv: dict[str, str] = field(default_factory=dict)
    #: In ``.env``/``.flaskenv`` but not loaded, because production does not read them: name -> "file:line".
    ignored_dotenv: dict[str, str] = field(default_factory=dict)
    #: Set (or changed) while the app was imported, by its own code: name -> "file:line" when a dotenv file has it.
    set_at_import: dict[str, str] = field(default_factory=dict)
    #: The variables as the app saw them once built.
    values: dict[str, str] = field(default_factory=dict)

    def is_set(self, name: str) -> bool:
        return name in self.values

    def origin(self, name: str) -> str:
        """ "set in the environment", "set in .flaskenv line 2 (read by flask run)", "not set"..."""
        if name in self.from_dotenv:
            path, _, line = self.from_dotenv[name].rpartition(":")
            return f"set in {path} line {line}, which flask run reads"
        if name in self.set_at_import:
            where = self.set_at_import[name]
            if where:
                path, _, line = where.rpartition(":")
                return f"set by the app's own code while it was imported (from {path} line {line})"
            return "set by the app's own code while it was imported"
        if name in self.values:
            return "set in the environment"
        if name in self.ignored_dotenv:
            path, _, line = self.ignored_dotenv[name].rpartition(":")
            return f"not set: only {path} line {line} has it, which {self.server} does not read"
        return "not set"

    def location(self, name: str) -> Location | None:
        """The dotenv line that set ``name``, when one did."""
        where = self.from_dotenv.get(name) or self.set_at_import.get(name)
        return _location(where) if where else None

    def facts(self) -> dict[str, object]:
        """For the JSON ``extra`` block."""
        return {
            "server": self.server,
            "dotenv_read": self.server in READS_DOTENV,
            "loaded_from_dotenv": dict(sorted(self.from_dotenv.items())),
            "not_read_dotenv": dict(sorted(self.ignored_dotenv.items())),
            "set_at_import": sorted(self.set_at_import),
        }


@contextmanager
def production_environment(server: str, dotenv_loaded: Mapping[str, str] | None = None) -> Iterator[Environment]:
    """Make ``os.environ`` what ``server`` would give the app, for the time the app is built.

    For ``flask-run``, load ``.flaskenv``/``.env`` as Flask does (variables
    already set win; nothing when ``FLASK_SKIP_DOTENV`` is set).  For a WSGI
    server, read nothing, and take out what a ``flask`` parent command
    already loaded from those files (``dotenv_loaded``).  Variables the app
    sets itself while it is imported are noted.  The environment is *not*
    restored afterwards: this runs in the audit's child process, whose
    environment is the app's.
    """
    env = Environment(server=server)
    assignments = dotenv_assignments()
    if server in READS_DOTENV:
        if not skip_dotenv():
            for name, (value, where) in assignments.items():
                if name in os.environ and name not in (dotenv_loaded or {}):
                    continue
                os.environ[name] = value
                env.from_dotenv[name] = where
    else:
        for name in dotenv_loaded or {}:
            os.environ.pop(name, None)
        env.ignored_dotenv = {name: where for name, (_, where) in assignments.items() if name not in os.environ}
    before = dict(os.environ)
    try:
        yield env
    finally:
        after = dict(os.environ)
        for name, value in after.items():
            if before.get(name) != value:
                env.set_at_import[name] = assignments[name][1] if name in assignments else ""
        env.values = after


__all__ = ["DOTENV_FILES", "Environment", "dotenv_assignments", "production_environment", "skip_dotenv"]
