"""uWSGI configuration files: the ``[uwsgi]`` section of an ini file, or the ``uwsgi`` block of YAML/XML/JSON.

Keys may repeat (``entries`` keeps them all); ``env = K=V`` lines are
environment of the app.  A key inside uWSGI's configuration logic
(``if-env = DEV`` ... ``endif =``, ``for = ...`` ... ``endfor =``) is
*conditional*: it may or may not apply, so rules neither report it nor
count it as missing.  Option names are compared with ``-`` for ``_``
(``max_requests`` is ``max-requests``).  Any ``*.ini`` a project keeps in a
config directory is offered to this reader: one without a ``[uwsgi]``
section (``alembic.ini``, ``pytest.ini``) is skipped silently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask_doctor.static.deploy.model import EnvSetting, Setting, UwsgiSettings
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["read_uwsgi"]

_SECTION = re.compile(r"^\s*\[\s*uwsgi", re.MULTILINE)
_OPENS = ("if-", "for")  # ``if-env``, ``if-not-exists``, ``for``, ``for-readline``, ``for-glob``...
_CLOSES = frozenset({"endif", "endfor", "end-if", "end-for"})


def _key(raw: str) -> str:
    return raw.strip().lower().replace("_", "-")


class _Collector:
    """Adds the settings of one uWSGI config, tracking the configuration logic blocks."""

    def __init__(self, reader: Reader, rel: str, settings: UwsgiSettings) -> None:
        self.reader, self.rel, self.settings, self.depth = reader, rel, settings, 0

    def add(self, raw_key: str, value: str, line: int) -> None:
        key = _key(raw_key)
        if key in _CLOSES:
            self.depth = max(0, self.depth - 1)
            return
        if key.startswith(_OPENS):
            self.depth += 1
            return
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        item = Setting(key, value, loc(self.rel, line), expr=value, conditional=self.depth > 0)
        self.settings.entries.append(item)
        self.settings.settings[key] = item
        if key == "env" and "=" in value and not item.conditional:
            name, _, env_value = value.partition("=")
            self.reader.model.env.append(EnvSetting(name.strip(), env_value, loc(self.rel, line), "uwsgi"))


def read_uwsgi(reader: Reader, path: Path, text: str) -> None:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        _read_yaml(reader, path, text)
    elif suffix == ".xml":
        _read_xml(reader, path, text)
    elif suffix == ".json":
        _read_json(reader, path, text)
    elif _SECTION.search(text):
        _read_ini(reader, path, text)


def _read_ini(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    section: str | None = None
    collector: _Collector | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
            collector = None
            if section == "uwsgi" or section.startswith("uwsgi"):
                settings = UwsgiSettings(path=rel, section=section)
                reader.model.uwsgi.append(settings)
                collector = _Collector(reader, rel, settings)
            continue
        if collector is None:
            if section is None:
                reader.problem(path, number, "setting outside a [uwsgi] section; ignored")
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, value = line, "true"  # a bare option is a flag
        collector.add(key, value.strip(), number)


def _line_of(lines: list[str], key: str, start: int = 0) -> int:
    """The first line at or after ``start`` (0-based) naming ``key``, 1-based; the block's line when not found."""
    pattern = re.compile(rf"(^|[\s<\"']){re.escape(key)}([\s>:\"'=]|$)")
    for number in range(start, len(lines)):
        if pattern.search(lines[number]):
            return number + 1
    return start + 1


def _add_mapping(reader: Reader, path: Path, text: str, block: object, start: int) -> None:
    if not isinstance(block, dict):
        return
    rel = reader.rel(path)
    settings = UwsgiSettings(path=rel)
    reader.model.uwsgi.append(settings)
    collector = _Collector(reader, rel, settings)
    lines = text.splitlines()
    for key, value in block.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, (dict, list)):
                continue
            shown = "true" if item is True else "false" if item is False else str(item)
            collector.add(str(key), shown, _line_of(lines, str(key), start))


def _read_yaml(reader: Reader, path: Path, text: str) -> None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reader.problem(path, (mark.line + 1) if mark is not None else 0, f"invalid YAML: {exc}")
        return
    if isinstance(data, dict) and isinstance(data.get("uwsgi"), dict):
        start = next((i for i, line in enumerate(text.splitlines()) if line.startswith("uwsgi")), 0)
        _add_mapping(reader, path, text, data["uwsgi"], start)


def _read_json(reader: Reader, path: Path, text: str) -> None:
    try:
        data = json.loads(text)
    except ValueError as exc:
        reader.problem(path, getattr(exc, "lineno", 0), f"invalid JSON: {exc}")
        return
    if isinstance(data, dict) and isinstance(data.get("uwsgi"), dict):
        _add_mapping(reader, path, text, data["uwsgi"], 0)


def _read_xml(reader: Reader, path: Path, text: str) -> None:
    """``<uwsgi><processes>4</processes><master/>...</uwsgi>``, the simple form (no entities, no attributes)."""
    block = re.search(r"<uwsgi(\s[^>]*)?>(.*?)</uwsgi>", text, re.DOTALL)
    if block is None:
        return
    rel = reader.rel(path)
    settings = UwsgiSettings(path=rel)
    reader.model.uwsgi.append(settings)
    collector = _Collector(reader, rel, settings)
    offset = text[: block.start(2)].count("\n")
    body = block.group(2)
    for match in re.finditer(r"<([A-Za-z][\w.-]*)(\s[^>]*)?(/>|>(.*?)</\1\s*>)", body, re.DOTALL):
        value = (match.group(4) or "").strip() if match.group(3) != "/>" else "true"
        line = offset + body[: match.start()].count("\n") + 1
        collector.add(match.group(1), value or "true", line)
