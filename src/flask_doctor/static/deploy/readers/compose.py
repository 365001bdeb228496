"""docker compose files: services, their environment, replicas, CPUs, and reverse proxies.

Each service with a ``command:``/``entrypoint:`` gives server commands
(process ``service:<name>``), expanded with the service's ``environment:``
and the ``.env`` next to the compose file (compose substitutes from it).
An entrypoint that only wraps (``tini --``) leaves the server in
``command:``, which is where findings then point.  A service whose image is
nginx/traefik/caddy/haproxy/envoy is a reverse proxy in front of the app.
Compose v1 files (services at the top level) are read too.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.kinds import DEV_WORDS
from flask_doctor.static.deploy.model import EnvSetting, ProxyDecl, ServiceDecl
from flask_doctor.static.deploy.readers.base import MAX_BYTES, Reader, loc, scalar_text
from flask_doctor.static.deploy.readers.dotenv import parse_dotenv
from flask_doctor.static.deploy.readers.yaml_nodes import (
    column_of,
    compose_yaml,
    get,
    items,
    line_of,
    to_python,
)
from flask_doctor.static.deploy.shell import only_wrappers
from flask_doctor.static.deploy.values import as_int

__all__ = ["PROXY_IMAGES", "read_compose"]

#: Images (last path component, tag removed) that are reverse proxies.
PROXY_IMAGES = ("nginx", "traefik", "caddy", "haproxy", "envoy")
_WORD = re.compile(r"[^a-z0-9]+")


def _image_proxy_kind(image: str) -> str | None:
    name = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0].lower()
    for kind in PROXY_IMAGES:
        if kind in name:
            return kind
    return None


def read_compose(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    root = compose_yaml(reader, path, text)
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        reader.problem(path, line_of(root), "compose file is not a mapping; ignored")
        return
    services = get(root, "services")
    if services is None:
        # Compose v1 files have services at the top level.
        services = root if get(root, "version") is None and items(root) else None
    dotenv: dict[str, str | None] = {}
    env_path = path.parent / ".env"
    try:
        dotenv = {n: v for _, n, v in parse_dotenv(read_text_bounded(env_path, MAX_BYTES))}
    except OSError:  # missing, not a regular file, or too large
        dotenv = {}
    for key_node, svc in items(services):
        _read_service(reader, rel, key_node, svc, dotenv)


def _read_service(reader: Reader, rel: str, key_node: yaml.Node, svc: yaml.Node, dotenv: dict[str, str | None]) -> None:
    """One service: its declaration, environment, proxy role and server commands."""
    name = str(key_node.value)
    if name.startswith("x-") or not isinstance(svc, yaml.MappingNode):
        return
    decl = ServiceDecl(name=name, source=loc(rel, line_of(key_node), column_of(key_node)))
    image = to_python(get(svc, "image"))
    decl.image = str(image) if image is not None else None
    build = get(svc, "build")
    if build is not None:
        context = to_python(get(build, "context")) if isinstance(build, yaml.MappingNode) else to_python(build)
        decl.build = str(context) if context is not None else "."
        if isinstance(build, yaml.MappingNode):
            decl.development = _built_for_development(
                to_python(get(build, "dockerfile")), to_python(get(build, "target"))
            )
    decl.environment = _environment(reader, rel, name, get(svc, "environment"))
    env_files = to_python(get(svc, "env_file"))
    if isinstance(env_files, (str, dict)):
        env_files = [env_files]
    for entry in env_files or []:
        file_name = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(file_name, str):
            decl.env_files.append(file_name)
    deploy = get(svc, "deploy")
    decl.replicas = as_int(to_python(get(deploy, "replicas"))) if deploy is not None else None
    decl.scale = as_int(to_python(get(svc, "scale")))
    limits = get(get(get(deploy, "resources"), "limits"), "cpus") if deploy is not None else None
    for cpu_node in (get(svc, "cpus"), limits):
        try:
            cpus = float(str(to_python(cpu_node))) if cpu_node is not None else None
        except ValueError:
            cpus = None
        if cpus is not None and cpus > 0 and cpu_node is not None:
            decl.cpus, decl.cpus_source = cpus, loc(rel, line_of(cpu_node), column_of(cpu_node))
    ports = to_python(get(svc, "ports")) or []
    if isinstance(ports, list):
        for port in ports:
            if isinstance(port, dict):
                published, target = port.get("published"), port.get("target")
                decl.ports.append(f"{published}:{target}" if published else str(target))
            else:
                decl.ports.append(str(port))
    proxy_kind = _image_proxy_kind(decl.image) if decl.image else None
    if proxy_kind is None and decl.build:
        proxy_kind = _image_proxy_kind(decl.build.rstrip("/"))
    if proxy_kind is not None:
        decl.is_proxy = True
        reader.model.proxies.append(ProxyDecl(name, decl.source, kind=proxy_kind))
    command_node = get(svc, "command")
    entry_node = get(svc, "entrypoint")
    decl.command = _command_value(to_python(command_node))
    decl.entrypoint = _command_value(to_python(entry_node))
    reader.model.services.append(decl)
    if decl.is_proxy or (decl.command is None and decl.entrypoint is None):
        return
    scope_env = {**dotenv, **decl.environment}
    if decl.entrypoint is not None:
        argv = _argv(decl.entrypoint) + (_argv(decl.command) if decl.command is not None else [])
        node = entry_node
        if decl.command is not None and only_wrappers(_argv(decl.entrypoint)):
            argv, node = _argv(decl.command), command_node
        command_value: str | list[str] = argv
    else:
        node = command_node
        command_value = decl.command if decl.command is not None else []
    assert node is not None
    source = loc(rel, line_of(node), column_of(node))
    commands, _ = analyze_command(command_value, source, f"service:{name}", scope_env)
    reader.model.commands.extend(commands)


def _built_for_development(dockerfile: Any, target: Any) -> bool:
    """``build: {dockerfile: docker/Dockerfile-dev}`` or ``build: {target: development}``: the image the service
    runs is the development one, whatever the compose file is called."""
    words: set[str] = set()
    if isinstance(dockerfile, str):
        words.update(word for part in dockerfile.lower().split("/") for word in _WORD.split(part))
    if isinstance(target, str):
        words.update(_WORD.split(target.lower()))
    return bool(words & DEV_WORDS)


def _environment(reader: Reader, rel: str, name: str, env_node: yaml.Node | None) -> dict[str, str | None]:
    """A service's ``environment:`` (mapping or ``KEY=value`` list); ``None`` for a name without a value."""
    environment: dict[str, str | None] = {}
    if isinstance(env_node, yaml.MappingNode):
        for k, v in items(env_node):
            value = to_python(v)
            value = None if value is None else scalar_text(value)
            environment[str(k.value)] = value
            where = loc(rel, line_of(k), column_of(k))
            reader.model.env.append(EnvSetting(str(k.value), value, where, f"service:{name}"))
    elif isinstance(env_node, yaml.SequenceNode):
        for item in env_node.value:
            entry = to_python(item)
            if not isinstance(entry, str):
                continue
            key, eq, value = entry.partition("=")
            environment[key] = value if eq else None
            reader.model.env.append(
                EnvSetting(key, value if eq else None, loc(rel, line_of(item), column_of(item)), f"service:{name}")
            )
    return environment


def _command_value(value: Any) -> list[str] | str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [scalar_text(v) for v in value]
    return scalar_text(value)


def _argv(value: list[str] | str) -> list[str]:
    if isinstance(value, list):
        return list(value)
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()
