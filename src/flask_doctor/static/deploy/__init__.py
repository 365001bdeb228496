"""Read deploy files into one model of how the application is served.

Many production problems of a Flask app are not in its Python code but in
how it is started: ``flask run`` as a container's ``CMD`` (FD307), gunicorn
without ``--timeout`` or ``--max-requests`` (FD407, FD408), sync workers for
a blocking app (FD406), several workers with a process-local cache (FD702)
or Socket.IO without a message queue (FD404), a reverse proxy in front that
ProxyFix must be told about (FD312, FD313).  This package turns Dockerfiles,
Procfiles, compose files, gunicorn/uWSGI configs, ``.env`` files, fly.toml,
App Engine's app.yaml, nginx and supervisor configs, systemd ``.service``
units and entry-point shell scripts (``boot.sh``, the script a Dockerfile's ``ENTRYPOINT`` runs) into
:class:`DeployModel` so that rules ask questions of data instead of
re-parsing files.

Nothing is ever executed: shell commands are tokenised with :mod:`shlex`,
entry-point scripts are parsed with bashlex,
``gunicorn.conf.py`` is read with :mod:`ast` (a config file is code, and
running a project's code is what ``check`` promises never to do), YAML is
composed with the safe loader.  Every reader turns bad input (invalid YAML,
binary or non-UTF-8 files, empty files) into :attr:`DeployModel.problems`
and never raises.  Every fact carries a :class:`Location` with a real line,
so findings point at the line to change.

Modules: :mod:`.model` (the records), :mod:`.kinds` (which files are deploy
files), :mod:`.shell` and :mod:`.commands` (start commands),
:mod:`.gunicorn` (gunicorn's settings from argv, environment and config
file: shared with ``audit`` and the runtime), :mod:`.readers` (one per
format), :mod:`.parse` (:func:`parse_deploy_files`).

Importing this package is cheap: the names below are loaded on first use,
so that the runtime can import :mod:`flask_doctor.static.deploy.gunicorn`
inside a production worker without YAML, TOML or the static model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy.commands import analyze_command
    from flask_doctor.static.deploy.kinds import DeployKind, deploy_kind
    from flask_doctor.static.deploy.model import (
        HTTP_SERVERS,
        DeployModel,
        EnvSetting,
        GunicornSettings,
        ProxyDecl,
        ServerCommand,
        ServiceDecl,
        Setting,
        UwsgiSettings,
        WorkerDecl,
    )
    from flask_doctor.static.deploy.parse import parse_deploy_files
    from flask_doctor.static.deploy.readers.compose import PROXY_IMAGES
    from flask_doctor.static.deploy.readers.dotenv import parse_dotenv
    from flask_doctor.static.deploy.shell import expand_vars, split_shell

#: Exported name -> the module that defines it.
_EXPORTS = {
    "HTTP_SERVERS": "model",
    "DeployModel": "model",
    "EnvSetting": "model",
    "GunicornSettings": "model",
    "ProxyDecl": "model",
    "ServerCommand": "model",
    "ServiceDecl": "model",
    "Setting": "model",
    "UwsgiSettings": "model",
    "WorkerDecl": "model",
    "DeployKind": "kinds",
    "deploy_kind": "kinds",
    "analyze_command": "commands",
    "expand_vars": "shell",
    "split_shell": "shell",
    "parse_dotenv": "readers.dotenv",
    "PROXY_IMAGES": "readers.compose",
    "parse_deploy_files": "parse",
}

__all__ = [
    "HTTP_SERVERS",
    "PROXY_IMAGES",
    "DeployKind",
    "DeployModel",
    "EnvSetting",
    "GunicornSettings",
    "ProxyDecl",
    "ServerCommand",
    "ServiceDecl",
    "Setting",
    "UwsgiSettings",
    "WorkerDecl",
    "analyze_command",
    "deploy_kind",
    "expand_vars",
    "parse_deploy_files",
    "parse_dotenv",
    "split_shell",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
