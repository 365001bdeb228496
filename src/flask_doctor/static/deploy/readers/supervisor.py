"""supervisord configs: each ``[program:x]`` section's ``command=`` and ``environment=``.

Supervisor starts processes itself (no shell): ``command=gunicorn -w 4
app:app`` is the server command, with the ``environment=KEY="v",K2=v``
pairs of the same section (scope ``program:<name>``) and ``numprocs``
copies.  Values continue on indented lines; ``;`` starts a comment at the
start of a line or after whitespace.  Supervisor's own ``%(ENV_X)s``
expansions are kept as text (they come from supervisord's environment, not
from the file).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["is_supervisor_config", "read_supervisor"]

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$")
_COMMENT = re.compile(r"(^|\s);.*$")
_PAIR = re.compile(r"""\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*(?:,|$)""")


def is_supervisor_config(text: str) -> bool:
    """Does this ``*.conf`` hold supervisor sections?"""
    return bool(re.search(r"^\[(program|supervisord|group|fcgi-program|include):?[^\]]*\]", text, re.MULTILINE))


def _entries(text: str) -> list[tuple[str, str, str, int]]:
    """(section, key, value, line) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str, str, int]] = []
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(("#", ";")):
            continue
        if raw[:1] in (" ", "\t") and out and out[-1][0] == section:
            sec, key, value, line = out[-1]
            out[-1] = (sec, key, f"{value} {_COMMENT.sub('', raw).strip()}".strip(), line)
            continue
        match = _SECTION.match(raw.strip())
        if match:
            section = match.group(1).strip()
            continue
        match = _KEY.match(raw.strip())
        if match and section:
            out.append((section, match.group(1).lower(), _COMMENT.sub("", match.group(2)).strip(), number))
    return out


def _environment(value: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for match in _PAIR.finditer(value):
        raw = match.group(2).strip()
        if raw[:1] in "\"'" and raw[-1:] == raw[:1] and len(raw) >= 2:
            try:
                raw = shlex.split(raw)[0] if raw else ""
            except ValueError:
                raw = raw[1:-1]
        env[match.group(1)] = raw
    return env


def read_supervisor(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    programs: dict[str, dict[str, tuple[str, int]]] = {}
    for section, key, value, line in _entries(text):
        kind, _, name = section.partition(":")
        if kind.strip() not in ("program", "fcgi-program") or not name.strip():
            continue
        programs.setdefault(name.strip(), {})[key] = (value, line)
    for name, keys in programs.items():
        process = f"program:{name}"
        env: dict[str, str | None] = {}
        if "environment" in keys:
            value, line = keys["environment"]
            for var, val in _environment(value).items():
                env[var] = val
                reader.model.env.append(EnvSetting(var, val, loc(rel, line), process))
        if "command" not in keys:
            continue
        command, line = keys["command"]
        column = 1
        commands, _ = analyze_command(command, loc(rel, line, column), process, env)
        reader.model.commands.extend(commands)
