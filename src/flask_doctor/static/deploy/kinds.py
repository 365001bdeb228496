"""Which files are deploy files, and of which kind: the one definition.

File discovery (:mod:`flask_doctor.static.files`) uses it to collect deploy
files in the same walk as Python files, and :func:`parse_deploy_files`
uses it to pick each file's reader.  A name is matched exactly first
(``Dockerfile``, ``Procfile``, ``gunicorn.conf.py``...), then by pattern
(``Dockerfile.prod``, ``Dockerfile-server``, ``docker-compose.override.yml``, ``.env.production``,
``nginx.conf``, ``app.service``, ``requirements-prod.txt``, ``app_uwsgi.ini``); backups and documentation
(``Dockerfile.md``, ``compose.yml.bak``) are not deploy files.  Any other ``*.ini`` at the root or in a config
directory is offered to the uWSGI reader, which keeps it only if it has a ``[uwsgi]`` section.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path
from typing import Literal

__all__ = [
    "CONFIG_DIRS",
    "CONF_DIRS",
    "DEV_WORDS",
    "NGINX_DIRS",
    "PRODUCTION_WORDS",
    "DeployKind",
    "deploy_kind",
    "gunicorn_settings_candidate",
    "is_gunicorn_settings_module",
]

#: The kinds of deploy file, one reader each.
DeployKind = Literal[
    "dockerfile",
    "procfile",
    "gunicorn",
    "compose",
    "uwsgi",
    "env",
    "fly",
    "appengine",
    "platform",
    "nginx",
    "supervisor",
    "shell",
    "conf",
    "systemd",
    "sysvinit",
    "requirements",
    "appconfig",
]

#: Words in a deploy file's path, a process name or a start script's branch condition that mark a development
#: or test setup (``docker-compose.dev.yml``, ``deploy/local/``, ``.devcontainer/``, compose service ``web-test``,
#: ``if [ "$DEBUG" = 1 ]; then``).
DEV_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "development",
        "devcontainer",
        "local",
        "override",
        "debug",
        "test",
        "tests",
        "testing",
        "ci",
        "e2e",
    }
)
#: Words in a start script's branch condition that name production (``if [ "$APP_ENV" = production ]; then``).
PRODUCTION_WORDS = frozenset({"prod", "production", "live"})

#: Directories where a bare ``gunicorn.py`` is taken to be a gunicorn config
#: (elsewhere it may well be an ordinary module that imports gunicorn).
CONFIG_DIRS = frozenset(
    {"config", "configs", "conf", "deploy", "deployment", "docker", "etc", "gunicorn", "ops", "infra"}
)

_DEPLOY_EXACT: dict[str, DeployKind] = {
    "Dockerfile": "dockerfile",
    "Containerfile": "dockerfile",
    "Procfile": "procfile",
    "gunicorn.conf.py": "gunicorn",
    "gunicorn_config.py": "gunicorn",
    "uwsgi.ini": "uwsgi",
    "uwsgi.yaml": "uwsgi",
    "uwsgi.yml": "uwsgi",
    "uwsgi.xml": "uwsgi",
    "uwsgi.json": "uwsgi",
    ".env": "env",
    "fly.toml": "fly",
    "app.yaml": "appengine",
    # Platforms' service files: Render's Blueprint, a Cloud Run (Knative) service.
    "render.yaml": "platform",
    "render.yml": "platform",
    "service.yaml": "platform",
    "service.yml": "platform",
    "cloudrun.yaml": "platform",
    "cloudrun.yml": "platform",
    "cloud-run.yaml": "platform",
    "cloud-run.yml": "platform",
    "supervisord.conf": "supervisor",
    # Entry-point scripts that start the server (scripts a Dockerfile names are read too).
    "boot.sh": "shell",
    "entrypoint.sh": "shell",
    "docker-entrypoint.sh": "shell",
    "start.sh": "shell",
    "run.sh": "shell",
    # Declared dependencies: which versions of the libraries the project runs.
    "pyproject.toml": "requirements",
    "setup.py": "requirements",
    "setup.cfg": "requirements",
    "Pipfile": "requirements",
    # YAML configuration the application reads (its defaults, or the operator's copy of them).
    "defaults.yml": "appconfig",
    "defaults.yaml": "appconfig",
    "default.yml": "appconfig",
    "default.yaml": "appconfig",
    "config.yml": "appconfig",
    "config.yaml": "appconfig",
    "settings.yml": "appconfig",
    "settings.yaml": "appconfig",
    "secrets.yml": "appconfig",
    "secrets.yaml": "appconfig",
    ".secrets.yml": "appconfig",
    ".secrets.yaml": "appconfig",
}
#: ``requirements.txt``, ``requirements-prod.txt``, ``requirements_base.txt``...
_REQUIREMENTS_TXT = re.compile(r"^requirements[-_.\w]*\.txt$")
#: ``*.conf`` in these directories: supervisor programs, nginx servers or Upstart jobs (``init/app.conf``), told
#: apart by content.
CONF_DIRS = frozenset(
    {
        "init",
        "supervisor",
        "supervisord",
        "supervisor.d",
        "conf.d",
        "deploy",
        "deployment",
        "etc",
        "config",
        "conf",
        "ops",
        "infra",
        "docker",
    }
)
#: Directories whose files are nginx configs (``sites-available/app`` has no suffix).
NGINX_DIRS = frozenset({"nginx", "sites-available", "sites-enabled"})
_DEPLOY_GLOBS: tuple[tuple[str, DeployKind], ...] = (
    ("Dockerfile.*", "dockerfile"),
    ("Dockerfile-*", "dockerfile"),  # ``Dockerfile-server``, ``Dockerfile-prod``
    ("Dockerfile_*", "dockerfile"),
    ("Containerfile.*", "dockerfile"),
    ("Containerfile-*", "dockerfile"),
    ("*.Dockerfile", "dockerfile"),
    ("*.dockerfile", "dockerfile"),
    ("docker-compose*.yml", "compose"),
    ("docker-compose*.yaml", "compose"),
    ("compose*.yml", "compose"),
    ("compose*.yaml", "compose"),
    ("*.uwsgi.ini", "uwsgi"),
    ("*uwsgi*.ini", "uwsgi"),  # ``app_uwsgi.ini``, ``uwsgi-prod.ini``
    (".env.*", "env"),
    ("nginx*.conf", "nginx"),
    ("*.service", "systemd"),
    ("*.nginx.conf", "nginx"),
)


#: Directories where any ``*.ini`` may be a uWSGI config (``vassals/shop.ini``, ``deploy/app.ini``).
_UWSGI_INI_DIRS = CONFIG_DIRS | CONF_DIRS | frozenset({"uwsgi", "vassals", "apps-enabled", "apps-available"})
#: ``*.ini`` files of other tools, never uWSGI configs.
_NOT_UWSGI_INI = frozenset({"pytest.ini", "tox.ini", "mypy.ini", "alembic.ini", "setup.ini", "logging.ini", "php.ini"})
#: SysV init scripts: any file of ``init.d``/``rc.d``, ``init.sh`` (``contrib/centos/init.sh``), ``*.init``.
_INIT_DIRS = frozenset({"init.d", "rc.d"})
_INIT_SCRIPTS = frozenset({"init.sh", "initd.sh", "init.d.sh"})
_NOT_DEPLOY_SUFFIXES = (".py", ".sh", ".md", ".rst", ".txt", ".bak", ".orig", ".swp", "~")
_DEPLOY_REGEXES = tuple((re.compile(fnmatch.translate(p)), kind) for p, kind in _DEPLOY_GLOBS)


def deploy_kind(path: Path, *, at_root: bool = False) -> DeployKind | None:
    """The kind of deploy file ``path`` is, or ``None``.

    Kinds: ``dockerfile``, ``procfile``, ``gunicorn``, ``compose``, ``uwsgi``,
    ``env``, ``fly``, ``appengine``, ``platform`` (Render's ``render.yaml``, a Cloud Run
    ``service.yaml``), ``nginx``, ``supervisor``, ``shell``
    (entry-point scripts), ``conf`` (a ``*.conf`` at the root or in a
    config directory: a supervisor or an nginx config or an Upstart job,
    told by its content)
    ``systemd`` (a ``*.service`` unit, wherever it is), ``sysvinit`` (a file of
    ``init.d``/``rc.d``, an ``init.sh`` or a ``*.init``: a SysV init script), ``requirements``
    (declared dependencies: ``requirements*.txt`` and ``requirements/*.txt``,
    ``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``Pipfile``, at any level)
    and ``appconfig`` (YAML configuration: ``defaults.yml``, ``config.yaml``,
    ``settings.yml``, ``.secrets.yml``).  A bare ``gunicorn.py`` counts
    only at a walked root (``at_root``) or in a config directory
    (:data:`CONFIG_DIRS`).
    """
    name = path.name
    kind = _DEPLOY_EXACT.get(name)
    if kind:
        return kind
    if name == "gunicorn.py":
        return "gunicorn" if at_root or path.parent.name in CONFIG_DIRS else None
    if _REQUIREMENTS_TXT.match(name) or (name.endswith(".txt") and path.parent.name == "requirements"):
        return "requirements"
    if path.parent.name in _INIT_DIRS or name in _INIT_SCRIPTS or name.endswith(".init"):
        return "sysvinit"  # a SysV init script (the reader skips one without an init header)
    if name.endswith(_NOT_DEPLOY_SUFFIXES):
        return None  # Dockerfile.md, .env.sh, compose.yml.bak: not what the tools read
    for regex, kind in _DEPLOY_REGEXES:
        if regex.match(name):
            return kind
    parent = path.parent.name
    if name.endswith(".ini") and name not in _NOT_UWSGI_INI and (at_root or parent in _UWSGI_INI_DIRS):
        return "uwsgi"  # ``app.ini`` with a ``[uwsgi]`` section (the reader skips any other ini)
    if parent in NGINX_DIRS and (name.endswith(".conf") or "." not in name):
        return "nginx"
    if name.endswith(".conf") and (at_root or parent in CONF_DIRS):
        return "conf"
    return None


#: Names only a gunicorn settings module assigns at module level.
_GUNICORN_SETTINGS = frozenset(
    {
        "bind",
        "workers",
        "worker_class",
        "threads",
        "worker_connections",
        "timeout",
        "graceful_timeout",
        "keepalive",
        "max_requests",
        "max_requests_jitter",
        "preload_app",
        "wsgi_app",
    }
)


def gunicorn_settings_candidate(name: str) -> bool:
    """A Python file whose name says it configures gunicorn, wherever it is: ``gunicorn.py``,
    ``gunicorn_conf.py``, ``gunicorn-cfg.py``, ``myapp_gunicorn.py`` (``gunicorn -c <file>`` takes any
    name). Its content decides (:func:`is_gunicorn_settings_module`); test modules never count."""
    lowered = name.lower()
    return lowered.endswith(".py") and "gunicorn" in lowered and not lowered.startswith(("test_", "conftest"))


def is_gunicorn_settings_module(text: str) -> bool:
    """Is this ``gunicorn.py`` (outside a root or config directory) a gunicorn settings file?

    A package module ``pkg/gunicorn.py`` that ``gunicorn -c python:pkg.gunicorn``
    loads assigns gunicorn settings (``workers = 3``, ``max_requests = 1000``)
    at module level; an ordinary module that happens to have that name
    defines a custom application class or imports gunicorn's instead. Two
    settings at least, no class, no ``gunicorn.app`` import.
    """
    if "gunicorn.app" in text or "BaseApplication" in text:
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            return False
        targets = (
            stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        )
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return len(names & _GUNICORN_SETTINGS) >= 2
