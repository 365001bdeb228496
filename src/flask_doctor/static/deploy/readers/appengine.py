"""Google App Engine's app.yaml: ``env_variables``, the ``entrypoint`` command and Google's front end.

An ``app.yaml`` with a ``runtime:`` is an App Engine service: every request
reaches it through Google's front end, a reverse proxy of kind ``platform``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc, scalar_text
from flask_doctor.static.deploy.readers.yaml_nodes import (
    column_of,
    compose_yaml,
    get,
    items,
    line_of,
    to_python,
)

__all__ = ["read_appengine"]


def read_appengine(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    root = compose_yaml(reader, path, text)
    if not isinstance(root, yaml.MappingNode):
        return
    runtime = get(root, "runtime")
    if runtime is not None:
        reader.model.proxies.append(ProxyDecl("App Engine's front end", loc(rel, line_of(runtime)), "platform"))
    env: dict[str, str | None] = {}
    env_node = get(root, "env_variables")
    for k, v in items(env_node):
        value = to_python(v)
        text_value = None if value is None else scalar_text(value)
        env[str(k.value)] = text_value
        reader.model.env.append(EnvSetting(str(k.value), text_value, loc(rel, line_of(k), column_of(k)), "appengine"))
    entry = get(root, "entrypoint")
    value = to_python(entry)
    if isinstance(value, str) and entry is not None:
        commands, _ = analyze_command(value, loc(rel, line_of(entry), column_of(entry)), "entrypoint", env)
        reader.model.commands.extend(commands)
