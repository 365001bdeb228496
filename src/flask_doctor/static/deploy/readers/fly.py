"""fly.toml: ``[env]``, ``[processes]``, ``cmd``/``entrypoint``, the release command and Fly's proxy.

A ``[processes]`` command is process ``fly:<name>`` (``app = "gunicorn ..."``
is the web process Fly's ``[http_service]`` routes to). ``[http_service]``
or ``[[services]]`` puts Fly's proxy in front of the app: a reverse proxy
of kind ``platform``.

:mod:`tomllib` gives values without lines, so each key's line is found in
the text (:func:`_toml_line`) for findings to point at.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc, scalar_text

if sys.version_info >= (3, 11):  # pragma: no cover - depends on interpreter
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["read_fly"]


def _toml_line(lines: Sequence[str], table: str, key: str) -> int:
    """Line of ``key = ...`` inside ``[table]`` (``""`` = top level); 0 if not found."""
    current = ""
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = header.group(1)
            continue
        if current == table and key_re.match(line):
            return number
    return 0


def read_fly(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        reader.problem(path, int(match.group(1)) if match else 0, f"invalid TOML: {exc}")
        return
    lines = text.splitlines()
    env: dict[str, str | None] = {}
    env_table = data.get("env")
    if isinstance(env_table, dict):
        for name, value in env_table.items():
            env[name] = scalar_text(value)
            reader.model.env.append(EnvSetting(name, env[name], loc(rel, _toml_line(lines, "env", name) or 1), "fly"))
    processes = data.get("processes")
    if isinstance(processes, dict):
        for name, command in processes.items():
            if isinstance(command, (str, list)):
                line = _toml_line(lines, "processes", name) or 1
                commands, _ = analyze_command(command, loc(rel, line), f"fly:{name}", env)
                reader.model.commands.extend(commands)
    for table in ("experimental", "build", ""):
        section = data if table == "" else data.get(table)
        if not isinstance(section, dict):
            continue
        for key in ("cmd", "entrypoint"):
            command = section.get(key)
            if isinstance(command, (str, list)) and command:
                line = _toml_line(lines, table, key) or 1
                commands, _ = analyze_command(command, loc(rel, line), key.upper(), env)
                reader.model.commands.extend(commands)
    for table in ("http_service", "services"):
        if data.get(table):
            line = next((n for n, text in enumerate(lines, 1) if re.match(rf"^\s*\[\[?\s*{table}\b", text)), 1)
            reader.model.proxies.append(ProxyDecl("Fly.io's proxy", loc(rel, line), "platform"))
            break
    deploy = data.get("deploy")
    if isinstance(deploy, dict) and isinstance(deploy.get("release_command"), str):
        line = _toml_line(lines, "deploy", "release_command") or 1
        commands, _ = analyze_command(deploy["release_command"], loc(rel, line), "release", env)
        reader.model.commands.extend(c for c in commands if c.server != "other")
