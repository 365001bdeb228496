"""Upstart jobs (``init/app.conf``, ``/etc/init/app.conf``): the command the job keeps running.

Before systemd, Ubuntu started services with Upstart, and projects still
ship the job that starts their server: ``start on runlevel [2345]``,
``respawn`` and either an ``exec`` stanza (one command, run without a
shell) or a ``script`` ... ``end script`` block (shell text whose commands
run in order).  That command is the production command line, as a unit's
``ExecStart=`` is.  ``env KEY=value`` stanzas are the job's environment
(scope ``upstart:<job>``).  ``pre-start``/``post-stop`` blocks prepare or
clean up and start no server; they are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ServerCommand
from flask_doctor.static.deploy.readers.base import Reader, loc
from flask_doctor.static.deploy.readers.shell_script import BRANCH_MARKER, script_commands

__all__ = ["is_upstart_job", "read_upstart"]

#: Stanzas only an Upstart job has at the start of a line.
_JOB = re.compile(r"^\s*(start on|stop on|respawn\b|console (log|output|none)\b|task\s*$)", re.MULTILINE)
_MAIN = re.compile(r"^\s*(exec\s|script\s*$)", re.MULTILINE)
_ENV = re.compile(r"^\s*env\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def is_upstart_job(text: str) -> bool:
    """Does this ``*.conf`` hold an Upstart job with a main process?"""
    return bool(_JOB.search(text) and _MAIN.search(text))


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def read_upstart(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    process = f"upstart:{path.name.removesuffix('.conf')}"
    env: dict[str, str | None] = {}
    lines = text.splitlines()
    block: str | None = None  # the block being skipped or collected: "script" (the main process) or another
    body: list[tuple[int, str]] = []
    found: list[ServerCommand] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if block is not None:
            if line == "end script":
                if block == "script":
                    found.extend(_script(body, rel, process, env))
                block, body = None, []
            elif block == "script":
                body.append((number, raw))
            continue
        if not line or line.startswith("#"):
            continue
        if line == "script" or line.endswith(" script"):
            block, body = ("script" if line == "script" else "other"), []
            continue
        match = _ENV.match(line)
        if match:
            env[match.group(1)] = _unquote(match.group(2))
            reader.model.env.append(EnvSetting(match.group(1), env[match.group(1)], loc(rel, number), process))
        elif line.startswith("exec "):
            commands, _ = analyze_command(line[len("exec ") :], loc(rel, number, raw.find("exec") + 6), process, env)
            found.extend(commands)
    reader.model.commands.extend(found)


def _script(body: list[tuple[int, str]], rel: str, process: str, env: dict[str, str | None]) -> list[ServerCommand]:
    """The servers a ``script`` block starts; an unrecognised last command is kept as ``other`` (a console
    script the package installs, say), as :func:`analyze_command` keeps a chain's last command."""
    if not body:
        return []
    first = body[0][0]
    commands = script_commands("\n".join(raw for _, raw in body))
    found: list[ServerCommand] = []
    for index, (line, words) in enumerate(commands):
        words = [w for w in words if not w.startswith(BRANCH_MARKER)]
        if not words:
            continue
        cmds, _ = analyze_command(words, loc(rel, first + line - 1), process, env)
        last = index == len(commands) - 1
        found.extend(c for c in cmds if c.server != "other" or last)
    return found
