"""``.env`` files: ``NAME=value`` lines as python-dotenv and docker compose read them.

Quotes are removed, ``export`` is allowed, a double-quoted value may span
lines and ``\n`` in it is a newline, `` #`` starts a comment in an unquoted
value.  Compose reads the ``.env`` next to the compose file for variable
substitution, so :func:`parse_dotenv` is shared with the compose reader.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask_doctor.static.deploy.model import EnvSetting
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["parse_dotenv", "read_dotenv"]

_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


def parse_dotenv(text: str) -> list[tuple[int, str, str]]:
    """(line, name, value) of a ``.env`` file; quotes removed, comments dropped."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number = i + 1
        match = _DOTENV.match(lines[i])
        i += 1
        if not match:
            continue
        name, raw = match.group(1), match.group(2)
        if raw[:1] in ("'", '"'):
            quote = raw[0]
            body = raw[1:]
            end = body.find(quote)
            while end < 0 and quote == '"' and i < len(lines):
                body += "\n" + lines[i]
                i += 1
                end = body.find(quote)
            value = body[:end] if end >= 0 else body
            if quote == '"':
                value = value.replace("\\n", "\n")
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        out.append((number, name, value))
    return out


def read_dotenv(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    for number, name, value in parse_dotenv(text):
        reader.model.env.append(EnvSetting(name, value, loc(rel, number), "env-file"))
