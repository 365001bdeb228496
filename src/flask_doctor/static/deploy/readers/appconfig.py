"""YAML configuration files the application reads: the secrets written in them.

A package that ships ``defaults.yml`` (merged under the operator's file) or
a ``config.yaml`` to copy hands every installation the values written there.
This reader keeps only string values under keys that name a signing secret
(``secret_key``, ``jwt_secret``, ``secret`` in an ``auth``/``jwt``/``token``
section), with their line; whether the application loads the file, and in
production, is for :mod:`flask_doctor.static.facts.config_files` to say.
A file that is not valid YAML is skipped without a problem: it may be a
template with placeholders rather than YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from flask_doctor.static.deploy.model import ConfigFileSecret
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["SECRET_NAMES", "read_appconfig"]

#: Keys that always name a signing secret (compared lower-case, ``-`` as ``_``).
SECRET_NAMES = frozenset(
    {
        "secret_key",
        "flask_secret_key",
        "jwt_secret",
        "jwt_secret_key",
        "session_secret",
        "session_secret_key",
        "wtf_csrf_secret_key",
        "csrf_secret_key",
        "security_password_salt",
        "signing_key",
    }
)
#: Sections in which a bare ``secret:`` is the key that signs tokens or sessions.
_AUTH_SECTIONS = ("auth", "jwt", "token", "session", "login", "security")
_MAX_DEPTH = 6


def _secret_key(keys: tuple[str, ...]) -> bool:
    name = keys[-1].lower().replace("-", "_")
    if name in SECRET_NAMES:
        return True
    words = [w for k in keys[:-1] for w in re.split(r"[^a-z0-9]+", k.lower())]  # ``auth_api`` -> auth, api
    return name == "secret" and any(w.startswith(_AUTH_SECTIONS) for w in words)  # not ``oauth``


def _comment(lines: list[str], mark: yaml.Mark) -> str:
    """The comment after a value on its line (``secret_key: "x"  # change this!``)."""
    if mark.line >= len(lines):
        return ""
    rest = lines[mark.line][mark.column :].strip()
    return rest[1:].strip() if rest.startswith("#") else ""


def _walk(reader: Reader, rel: str, node: yaml.Node, keys: tuple[str, ...], lines: list[str]) -> None:
    if len(keys) > _MAX_DEPTH or not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(key.value, str):
            continue
        here = (*keys, key.value)
        if isinstance(value, yaml.MappingNode):
            _walk(reader, rel, value, here, lines)
        elif (
            isinstance(value, yaml.ScalarNode)
            and value.tag == "tag:yaml.org,2002:str"
            and value.value.strip()
            and _secret_key(here)
        ):
            at = loc(rel, value.start_mark.line + 1, value.start_mark.column + 1)
            comment = _comment(lines, value.end_mark)
            reader.model.config_secrets.append(ConfigFileSecret(here, value.value, at, comment))


def read_appconfig(reader: Reader, path: Path, text: str) -> None:
    try:
        root = next((n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None), None)
    except (yaml.YAMLError, RecursionError, ValueError):
        return
    if root is not None:
        _walk(reader, reader.rel(path), root, (), text.splitlines())
