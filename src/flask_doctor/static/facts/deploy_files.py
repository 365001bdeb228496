"""Facts about deploy files: which ones describe production, and what production gets from them.

A project keeps its development setup next to its production one:
``docker-compose.override.yml``, ``docker-compose.dev.yml``,
``Dockerfile.dev``, ``Procfile.dev``, ``.env.example``, a
``.devcontainer/`` folder, deploy files under ``tests/`` or ``docs/``.
``--reload``, ``flask run --debug``, a single worker and ``FLASK_DEBUG=1``
belong there, so every rule that reads the deploy model must ask the same
question, "is this file for production?", and get the same answer: it is
answered here alone (rules that disagreed reported a file one of them had
already excused).

This is a different question from a Python file's role
(:mod:`flask_doctor.static.facts.roles`): a deploy file is excused by the
words of its name and of its directories (``dev``, ``local``, ``test``,
``override``...), which would be far too broad for modules.  Test files and
docs directories are excused as the roles define them.  An ``examples/``
directory is *not* an excuse: a project checked from the root of the
repository that holds it (``examples/shop/Dockerfile``) is deployed with
those files; only a file named as a sample (``.env.example``,
``docker-compose.sample.yml``) is.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.deploy.kinds import DEV_WORDS
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.roles import DOCS_DIRS, is_test_path
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import EnvSetting, ServerCommand, ServiceDecl
    from flask_doctor.static.model import Project

#: Words in a deploy file's *name* that mark a template to copy (``.env.example``).
SAMPLE_WORDS = frozenset({"example", "examples", "sample", "samples"})
_WORD = on_first_use(r"[^a-z0-9]+")
_PRODUCTION_ENV_FILE = on_first_use(r"^\.env\.(prod|production|live|staging)([._-].*)?$", re.IGNORECASE)


def _words(text: str) -> set[str]:
    return set(_WORD().split(text.lower()))


def production_deploy_path(path: str) -> bool:
    """A deploy file meant for production (not ``docker-compose.dev.yml``, ``Procfile.dev``, ``tests/...``).

    ``path`` is relative to the checked root, ``/``-separated.
    """
    if is_test_path(path):
        return False
    *directories, name = path.lower().split("/")
    if set(directories) & DOCS_DIRS or any(_words(d) & DEV_WORDS for d in directories):
        return False
    return not (_words(name) & (DEV_WORDS | SAMPLE_WORDS))


def dev_process(process: str) -> bool:
    """A process or compose service named for development (``service:web-dev``, ``local``, ``test``)."""
    return bool(_words(process) & DEV_WORDS)


@project_fact
def development_services(project: Project) -> frozenset[tuple[str, str]]:
    """(compose file, service) of the compose services built for development (``build: {dockerfile:
    Dockerfile.dev}`` or ``build: {target: development}``): a plain ``docker-compose.yml`` often holds the
    developer's stack, and the image it builds says so when its name does not."""
    deploy = project.deploy
    if deploy is None:
        return frozenset()
    return frozenset((service.source.path, service.name) for service in deploy.services if service.development)


def development_scope(project: Project, path: str, process: str) -> bool:
    """A process or compose service named for development (``service:web-dev``), or a compose service of
    ``path`` built for development (:func:`development_services`)."""
    kind, _, name = process.partition(":")
    if dev_process(name if kind in ("service", "process") else process):
        return True
    return kind == "service" and (path, name) in development_services(project)


def production_env_file(path: str) -> bool:
    """A ``.env`` file named for production (``.env.prod``, ``.env.production``, ``.env.staging``).

    A plain ``.env`` holds a developer's local values far more often than the
    production ones, so only an explicit production name counts.
    """
    return bool(_PRODUCTION_ENV_FILE().search(path.rsplit("/", 1)[-1]))


@project_fact
def production_env(project: Project) -> list[EnvSetting]:
    """Environment variables with a value that production deploy files give the running app.

    Build arguments are left out (they exist while the image is built), and
    so are Dockerfile ``ENV`` lines of a stage the final image does not use
    (``FROM base AS development``) and variables set for a process named for
    development (a start script's ``dev_server)`` branch, a compose service
    ``web-dev``).
    """
    deploy = project.deploy
    if deploy is None:
        return []
    found: list[EnvSetting] = []
    for item in deploy.env:
        if item.value is None or item.scope == "build-arg" or not item.in_final_image:
            continue
        if item.scope == "env-file":
            if production_env_file(item.source.path):
                found.append(item)
        elif production_deploy_path(item.source.path) and not development_scope(project, item.source.path, item.scope):
            found.append(item)
    return found


@project_fact
def production_env_names(project: Project) -> frozenset[str]:
    """Names of the environment variables production deploy files hand the running app, with or without a value.

    Unlike :func:`production_env`, a variable named without a value counts: compose's ``- SECRET_KEY`` or
    ``SECRET_KEY: ${SECRET_KEY}`` passes the operator's value through, so the app never runs without it.
    """
    deploy = project.deploy
    if deploy is None:
        return frozenset()
    names: set[str] = set()
    for item in deploy.env:
        if item.scope == "build-arg" or not item.in_final_image:
            continue
        if item.scope == "env-file":
            if production_env_file(item.source.path):
                names.add(item.name)
        elif production_deploy_path(item.source.path) and not development_scope(project, item.source.path, item.scope):
            names.add(item.name)
    return frozenset(names)


def scope_label(scope: str, path: str) -> str:
    """Where an environment setting comes from, for a message (``compose service `web` (`compose.yml`)``)."""
    if scope.startswith("service:"):
        return f"compose service `{scope[len('service:') :]}` (`{path}`)"
    if scope.startswith("process:"):
        return f"Procfile process `{scope[len('process:') :]}`"
    return f"`{path}`"


#: Servers that do not run the Werkzeug debugger whatever ``DEBUG`` says.
WSGI_SERVERS = frozenset({"gunicorn", "uwsgi", "waitress", "hypercorn", "uvicorn"})


@project_fact
def production_server(project: Project) -> ServerCommand | None:
    """The WSGI server the production deploy files start, when none of them starts the development server.

    ``DEBUG = True`` turns on the Werkzeug debugger only under ``flask run``
    or ``app.run()``; under gunicorn or uWSGI it changes error handling but
    runs no debugger. None when no production file names a server, or when
    one of them runs ``flask run``/``python app.py``.
    """
    deploy = project.deploy
    if deploy is None:
        return None
    found: ServerCommand | None = None
    for command in deploy.commands:
        if not production_deploy_path(command.source.path) or development_scope(
            project, command.source.path, command.process
        ):
            continue
        if command.server in ("flask-run", "python-script"):
            return None
        if command.server in WSGI_SERVERS and found is None:
            found = command
    return found


@dataclass(frozen=True, eq=False)
class Replicas:
    """How many copies of the app a deployment runs, and where it says so."""

    count: int
    location: Location | None
    description: str


def _production_service(service: ServiceDecl) -> bool:
    """A compose service of a production file, not named for development (``web-dev``)."""
    return production_deploy_path(service.source.path) and not dev_process(service.name) and not service.development


@project_fact
def app_replicas(project: Project) -> Replicas | None:
    """The largest replica count the deploy files declare for a service that runs the app.

    Proxies and services running a worker (Celery) or another program are not
    the app; a service without a command that builds the project's image is.
    """
    deploy = project.deploy
    if deploy is None:
        return None
    best: Replicas | None = None
    web_processes = {c.process for c in deploy.commands if c.server not in ("celery-worker", "other")}
    for service in deploy.services:
        count = service.replicas or service.scale
        if not count or count < 2 or service.is_proxy or not _production_service(service):
            continue
        runs_app = f"service:{service.name}" in web_processes or (service.command is None and service.build is not None)
        if not runs_app:
            continue
        if best is None or count > best.count:
            best = Replicas(count, service.source, f"{count} replicas of compose service `{service.name}`")
    return best


__all__ = [
    "DEV_WORDS",
    "Replicas",
    "SAMPLE_WORDS",
    "WSGI_SERVERS",
    "app_replicas",
    "dev_process",
    "production_deploy_path",
    "production_env",
    "production_env_file",
    "production_env_names",
    "production_server",
    "scope_label",
]
