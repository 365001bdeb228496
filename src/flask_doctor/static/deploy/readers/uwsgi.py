"""uWSGI ini files: the ``[uwsgi]`` section's settings (keys may repeat) and ``env = K=V`` lines."""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.model import EnvSetting, Setting, UwsgiSettings
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_uwsgi"]


def read_uwsgi(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    section: str | None = None
    settings: UwsgiSettings | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
            settings = None
            if section == "uwsgi" or section.startswith("uwsgi"):
                settings = UwsgiSettings(path=rel, section=section)
                reader.model.uwsgi.append(settings)
            continue
        if settings is None:
            if section is None:
                reader.problem(path, number, "setting outside a [uwsgi] section; ignored")
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, value = line, "true"  # a bare option is a flag
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        item = Setting(key, value, loc(rel, number), expr=value)
        settings.entries.append(item)
        settings.settings[key] = item
        if key == "env" and "=" in value:
            name, _, env_value = value.partition("=")
            reader.model.env.append(EnvSetting(name.strip(), env_value, loc(rel, number), "uwsgi"))
