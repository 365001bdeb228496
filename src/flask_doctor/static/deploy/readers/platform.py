"""Platform service files that put a proxy in front of every app: Render's ``render.yaml``, Cloud Run's service YAML.

Render (a Blueprint's ``services:`` of ``type: web``) and Cloud Run (a
Knative ``Service`` of ``apiVersion: serving.knative.dev/v1``) route every
request through their own load balancer: each declares a reverse proxy of
kind ``platform``. The start command (Render's ``startCommand``, a Cloud Run
container's ``command``/``args``) and the environment they give the app are
read too. A ``service.yaml`` that is something else (a Kubernetes
``Service``) gives nothing.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ProxyDecl
from flask_doctor.static.deploy.readers.base import Reader, loc, scalar_text
from flask_doctor.static.deploy.readers.yaml_nodes import column_of, compose_yaml, get, line_of, to_python

__all__ = ["read_platform"]


def read_platform(reader: Reader, path: Path, text: str) -> None:
    root = compose_yaml(reader, path, text)
    if not isinstance(root, yaml.MappingNode):
        return
    api = to_python(get(root, "apiVersion"))
    if isinstance(api, str) and api.startswith("serving.knative.dev") and to_python(get(root, "kind")) == "Service":
        _read_cloud_run(reader, path, root)
    elif isinstance(get(root, "services"), yaml.SequenceNode):
        _read_render(reader, path, root)


def _env(reader: Reader, rel: str, nodes: yaml.Node | None, key: str, scope: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {}
    if not isinstance(nodes, yaml.SequenceNode):
        return env
    for item in nodes.value:
        name, value = to_python(get(item, key)), get(item, "value")
        if not isinstance(name, str):
            continue
        text = None if value is None else scalar_text(to_python(value))
        env[name] = text
        reader.model.env.append(EnvSetting(name, text, loc(rel, line_of(item), column_of(item)), scope))
    return env


def _read_render(reader: Reader, path: Path, root: yaml.Node) -> None:
    rel = reader.rel(path)
    services = get(root, "services")
    assert isinstance(services, yaml.SequenceNode)
    for service in services.value:
        kind = to_python(get(service, "type"))
        name = to_python(get(service, "name"))
        if kind != "web":
            process = f"render:{name or kind}"
        else:
            process = "web"
            reader.model.proxies.append(ProxyDecl("Render's load balancer", loc(rel, line_of(service)), "platform"))
        env = _env(reader, rel, get(service, "envVars"), "key", f"process:{process}")
        start = get(service, "startCommand")
        command = to_python(start)
        if isinstance(command, str) and start is not None:
            commands, _ = analyze_command(command, loc(rel, line_of(start), column_of(start)), process, env)
            reader.model.commands.extend(commands)


def _read_cloud_run(reader: Reader, path: Path, root: yaml.Node) -> None:
    rel = reader.rel(path)
    reader.model.proxies.append(ProxyDecl("Cloud Run's front end", loc(rel, line_of(root)), "platform"))
    containers = get(get(get(get(root, "spec"), "template"), "spec"), "containers")
    if not isinstance(containers, yaml.SequenceNode):
        return
    for container in containers.value:
        env = _env(reader, rel, get(container, "env"), "name", "image")
        command, args = to_python(get(container, "command")), to_python(get(container, "args"))
        argv = [str(a) for a in (command or []) + (args or []) if isinstance(a, (str, int))]
        node = get(container, "command") or get(container, "args")
        if argv and node is not None:
            commands, _ = analyze_command(argv, loc(rel, line_of(node), column_of(node)), "entrypoint", env)
            reader.model.commands.extend(commands)
