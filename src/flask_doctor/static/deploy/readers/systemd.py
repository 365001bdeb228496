"""systemd unit files (``*.service``): the ``[Service]`` section's ``ExecStart=`` and ``Environment=``.

A project packaged for Debian or run on a VM ships the unit that starts its
server (``deploy/app.service``, ``debian/app.service``,
``config/dpkg/app.app.service``): ``ExecStart=/usr/bin/env gunicorn -w 2
app:app`` is then the production command line, just as a Dockerfile's
``CMD`` is in a container.

systemd runs ``ExecStart`` without a shell; its quoting and ``$VAR``
expansion are close enough to the shell's that the command parser reads it
as shell text.  Prefixes that change how systemd treats the command
(``-``, ``@``, ``+``, ``!``, ``!!``, ``:``) are dropped; an empty
``ExecStart=`` resets the list, as systemd does; a line ending in ``\\``
continues on the next.  ``Environment="A=1" B=2`` pairs are the
environment of that unit (scope ``unit:<name>``); ``EnvironmentFile=`` is
another file, not read.  Units of other types (``.socket``, ``.timer``)
start no server and are not deploy files.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_systemd"]

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$")
_EXEC_PREFIX = re.compile(r"^[-@:+!]+")


def _entries(text: str) -> list[tuple[str, str, str, int]]:
    """(section, key, value, line) with ``\\`` continuations joined and comment lines dropped."""
    out: list[tuple[str, str, str, int]] = []
    section = ""
    pending: tuple[str, str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if pending is not None:
            key, value, start = pending
            if line.startswith(("#", ";")):
                continue  # systemd skips comment lines inside a continued value
            if line.endswith("\\"):
                pending = (key, f"{value} {line[:-1].strip()}", start)
                continue
            out.append((section, key, f"{value} {line}".strip(), start))
            pending = None
            continue
        if not line or line.startswith(("#", ";")):
            continue
        match = _SECTION.match(line)
        if match:
            section = match.group(1).strip()
            continue
        match = _KEY.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if value.endswith("\\"):
            pending = (key, value[:-1].strip(), number)
            continue
        out.append((section, key, value, number))
    if pending is not None:
        out.append((section, pending[0], pending[1], pending[2]))
    return out


def _environment(value: str) -> dict[str, str]:
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    env: dict[str, str] = {}
    for word in words:
        name, sep, val = word.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            env[name] = val
    return env


def read_systemd(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    unit = path.name.removesuffix(".service")
    process = f"unit:{unit}"
    env: dict[str, str | None] = {}
    starts: list[tuple[str, int]] = []
    for section, key, value, line in _entries(text):
        if section != "Service":
            continue
        if key == "Environment":
            for var, val in _environment(value).items():
                env[var] = val
                reader.model.env.append(EnvSetting(var, val, loc(rel, line), process))
        elif key == "ExecStart":
            if not value:
                starts.clear()  # ``ExecStart=`` empties the list (drop-ins override this way)
                continue
            starts.append((_EXEC_PREFIX.sub("", value), line))
    for command, line in starts:
        column = text.splitlines()[line - 1].find("=") + 2
        commands, _ = analyze_command(command, loc(rel, line, max(column, 1)), process, env)
        reader.model.commands.extend(commands)
