"""Procfile (Heroku, Dokku, honcho...): one ``name: command`` per line.

The ``web`` process is what serves HTTP whatever it runs, behind the
platform's router (Heroku's, Dokku's nginx): a Procfile with a ``web``
process declares that reverse proxy (kind ``platform``).  Inline
assignments (``web: WEB_CONCURRENCY=2 gunicorn ...``) are environment of
that process (scope ``process:<name>``).
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_procfile"]


def read_procfile(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = re.match(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$", stripped)
        if not match:
            reader.problem(path, number, "not a 'name: command' line; ignored")
            continue
        name, command = match.group(1), match.group(2)
        column = line.index(command) + 1 if command else 1
        commands, inline = analyze_command(command, loc(rel, number, column), name)
        for key, value in inline.items():
            reader.model.env.append(EnvSetting(key, value, loc(rel, number, column), f"process:{name}"))
        reader.model.commands.extend(commands)
        if name == "web":
            reader.model.proxies.append(
                ProxyDecl("the platform's router (Procfile `web`)", loc(rel, number), "platform")
            )
