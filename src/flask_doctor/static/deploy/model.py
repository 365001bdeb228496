"""The deploy model: how the application is served, each fact with the line that says it.

Rules ask questions of this data (which server, how many workers, which
environment, which proxy in front) instead of re-reading deploy files.  The
readers in :mod:`flask_doctor.static.deploy.readers` fill it; every record
carries a :class:`~flask_doctor.findings.Location` with a real line so that
findings point at the line to change.
"""

from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.deploy.gunicorn import CONFIG_ALIASES, ConfigValue
from flask_doctor.static.deploy.values import as_bool, as_int

__all__ = [
    "HTTP_SERVERS",
    "ConfigFileSecret",
    "DeployModel",
    "EnvSetting",
    "GunicornSettings",
    "ProxyDecl",
    "Requirement",
    "ServerCommand",
    "ServiceDecl",
    "Setting",
    "UwsgiSettings",
    "WorkerDecl",
    "normalise_name",
]

#: Servers that answer HTTP themselves.
HTTP_SERVERS = frozenset({"gunicorn", "uwsgi", "waitress", "flask-run", "hypercorn", "uvicorn"})


@dataclass
class ServerCommand:
    """One process start command and what it says about the server.

    Options not given on the command line are ``None``/``False`` here; the
    server's config file (:meth:`DeployModel.gunicorn_config_for`) or its
    built-in defaults decide them.  Values that depend on an environment
    variable without a default (``-w $WORKERS``) stay ``None`` and the raw
    text is kept in :attr:`unresolved`.
    """

    server: str
    argv: list[str]
    source: Location
    process: str
    workers: int | None = None
    worker_class: str | None = None
    threads: int | None = None
    timeout: int | None = None
    max_requests: int | None = None
    max_requests_jitter: int | None = None
    reload: bool = False
    preload: bool = False
    bind: str | None = None
    config_file: str | None = None
    app_target: str | None = None
    debug: bool = False
    #: ``VAR=x cmd``, ``env VAR=x``, ``gunicorn -e VAR=x``.
    inline_env: dict[str, str] = field(default_factory=dict)
    #: field name -> raw text that could not be resolved to a value.
    unresolved: dict[str, str] = field(default_factory=dict)
    #: fields filled from ``GUNICORN_CMD_ARGS``/``WEB_CONCURRENCY`` rather than argv.
    from_env: list[str] = field(default_factory=list)

    @property
    def serves_http(self) -> bool:
        return self.server in HTTP_SERVERS


@dataclass
class EnvSetting:
    """An environment variable a deploy file sets.

    ``scope`` says who sees it: ``image`` (Dockerfile ``ENV``), ``build-arg``
    (``ARG`` default: build time only), ``service:<name>`` (compose),
    ``env-file`` (a ``.env*`` file), ``process:<name>`` (Procfile inline),
    ``fly``, ``appengine``, ``uwsgi``.  ``value`` is ``None`` when the file
    names the variable without a value (compose ``- SECRET_KEY``).
    """

    name: str
    value: str | None
    source: Location
    scope: str
    #: Dockerfile ``ENV`` only: False when the line belongs to a build stage the
    #: final image does not inherit from (``FROM base AS dev`` before ``FROM base AS prod``).
    in_final_image: bool = True


@dataclass
class Setting:
    """One server setting read from a config file, with where it was set.

    ``value`` is the literal value when it can be known without running
    anything; ``expr`` is the source text.  ``cpu_based`` marks
    ``multiprocessing.cpu_count() * 2 + 1`` style values, ``env_var`` the
    variable an ``os.environ.get("X", "4")`` reads (``value`` is then its
    default), ``conditional`` an assignment under ``if``/``try``.
    """

    name: str
    value: ConfigValue
    source: Location
    expr: str = ""
    cpu_based: bool = False
    env_var: str | None = None
    conditional: bool = False


@dataclass(eq=False)
class GunicornSettings:
    """A ``gunicorn.conf.py`` read with :mod:`ast` (never imported)."""

    path: str
    settings: dict[str, Setting] = field(default_factory=dict)
    #: server hooks defined (``post_fork``, ``when_ready``...) -> where.
    hooks: dict[str, Location] = field(default_factory=dict)

    def get(self, name: str) -> Setting | None:
        return self.settings.get(CONFIG_ALIASES.get(name, name))

    def value(self, name: str, default: ConfigValue = None) -> ConfigValue:
        setting = self.get(name)
        return default if setting is None or setting.value is None else setting.value

    @property
    def workers(self) -> int | None:
        return as_int(self.value("workers"))

    @property
    def worker_class(self) -> str | None:
        value = self.value("worker_class")
        return value if isinstance(value, str) else None

    @property
    def threads(self) -> int | None:
        return as_int(self.value("threads"))

    @property
    def timeout(self) -> int | None:
        return as_int(self.value("timeout"))

    @property
    def max_requests(self) -> int | None:
        return as_int(self.value("max_requests"))

    @property
    def max_requests_jitter(self) -> int | None:
        return as_int(self.value("max_requests_jitter"))

    @property
    def reload(self) -> bool:
        return as_bool(self.value("reload")) is True

    @property
    def preload(self) -> bool:
        return as_bool(self.value("preload_app")) is True

    @property
    def bind(self) -> str | None:
        value = self.value("bind")
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return value if isinstance(value, str) else None


@dataclass(eq=False)
class UwsgiSettings:
    """The ``[uwsgi]`` section of a uWSGI ini file."""

    path: str
    section: str = "uwsgi"
    #: last value of each key (uWSGI keys may repeat; ``entries`` has all).
    settings: dict[str, Setting] = field(default_factory=dict)
    entries: list[Setting] = field(default_factory=list)

    def get(self, *names: str) -> Setting | None:
        for name in names:
            if name in self.settings:
                return self.settings[name]
        return None

    def _value(self, *names: str) -> ConfigValue:
        setting = self.get(*names)
        return None if setting is None else setting.value

    @property
    def processes(self) -> int | None:
        return as_int(self._value("processes", "workers", "p"))

    @property
    def threads(self) -> int | None:
        return as_int(self._value("threads"))

    @property
    def harakiri(self) -> int | None:
        return as_int(self._value("harakiri"))

    @property
    def max_requests(self) -> int | None:
        return as_int(self._value("max-requests"))

    @property
    def master(self) -> bool:
        return as_bool(self._value("master", "M")) is True

    @property
    def lazy_apps(self) -> bool:
        return as_bool(self._value("lazy-apps")) is True or as_bool(self._value("lazy")) is True

    @property
    def enable_threads(self) -> bool:
        return as_bool(self._value("enable-threads")) is True

    @property
    def http_socket(self) -> str | None:
        value = self._value("http-socket", "http", "socket", "uwsgi-socket")
        return value if isinstance(value, str) else None

    @property
    def wsgi_file(self) -> str | None:
        value = self._value("wsgi-file", "file")
        return value if isinstance(value, str) else None

    @property
    def module(self) -> str | None:
        value = self._value("module", "wsgi")
        return value if isinstance(value, str) else None


@dataclass(eq=False)
class ServiceDecl:
    """A compose service."""

    name: str
    source: Location
    image: str | None = None
    build: str | None = None
    command: list[str] | str | None = None
    entrypoint: list[str] | str | None = None
    environment: dict[str, str | None] = field(default_factory=dict)
    env_files: list[str] = field(default_factory=list)
    replicas: int | None = None
    scale: int | None = None
    ports: list[str] = field(default_factory=list)
    is_proxy: bool = False
    #: CPUs the service may use (``cpus:`` or ``deploy.resources.limits.cpus``) and where.
    cpus: float | None = None
    cpus_source: Location | None = None
    #: Built for development: its ``build.dockerfile`` is named for it (``Dockerfile.dev``,
    #: ``docker/dev/Dockerfile``) or its ``build.target`` is a development stage (``target: development``).
    development: bool = False


@dataclass
class ProxyDecl:
    """A reverse proxy in front of the app (compose service or nginx config)."""

    name: str
    source: Location
    kind: str = ""
    #: request headers the proxy sets (nginx ``proxy_set_header``), lower-case.
    sets_headers: tuple[str, ...] = ()
    #: the proxy speaks a gateway protocol to the app (nginx ``uwsgi_pass``/``fastcgi_pass``/``scgi_pass`` with
    #: their ``*_params``), which hands the app the client's ``REMOTE_ADDR`` and scheme itself: nothing is hidden.
    passes_client: bool = False


@dataclass(frozen=True)
class ConfigFileSecret:
    """A secret written in a YAML configuration file the package ships (``defaults.yml``: ``secret: ...``)."""

    #: keys from the document's root to the secret (``("auth_api", "parameters", "secret")``).
    keys: tuple[str, ...]
    value: str
    source: Location
    #: the comment on the value's line (``# change this!``), without the ``#``.
    comment: str = ""


@dataclass
class WorkerDecl:
    """How many worker processes a web server is declared to run, and where."""

    server: str
    processes: int | None
    source: Location
    threads: int | None = None
    cpu_based: bool = False
    #: gunicorn's built-in default (1 worker) because nothing sets it.
    default: bool = False
    #: compose ``deploy.replicas``/``scale`` of the service, when known.
    replicas: int | None = None


@dataclass(frozen=True)
class Requirement:
    """One dependency a project declares (``requirements.txt``, ``pyproject.toml``, ``setup.py``...).

    ``name`` is normalised as PEP 503 says (``Flask_SQLAlchemy`` ->
    ``flask-sqlalchemy``); ``spec`` is the version constraint as written
    (``==2.5.1``, ``>=2.0,<3``, Poetry's ``^2.5``), ``""`` when unpinned or
    given by URL. :mod:`flask_doctor.static.deploy.versions` answers what it allows.
    """

    name: str
    spec: str
    source: Location


def normalise_name(name: str) -> str:
    """A distribution name as PEP 503 compares it: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class DeployModel:
    """Everything the deploy files say, each fact with its location."""

    commands: list[ServerCommand] = field(default_factory=list)
    env: list[EnvSetting] = field(default_factory=list)
    gunicorn: list[GunicornSettings] = field(default_factory=list)
    uwsgi: list[UwsgiSettings] = field(default_factory=list)
    services: list[ServiceDecl] = field(default_factory=list)
    proxies: list[ProxyDecl] = field(default_factory=list)
    #: dependencies the project declares, in file order (:class:`Requirement`).
    requirements: list[Requirement] = field(default_factory=list)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)
    #: secrets written in YAML configuration files (``defaults.yml``, ``config.yaml``), in file order.
    config_secrets: list[ConfigFileSecret] = field(default_factory=list)
    #: relative paths of the files read, by kind (``dockerfile``, ``compose``...).
    files: dict[str, list[str]] = field(default_factory=dict)
    #: plugin entry points by namespace (``pyproject.toml``, ``setup.cfg``): qualified names of the objects
    #: they name (``pkg.plugins.hosts.HostPlugin``), read by ``model.stevedore``.
    entry_points: dict[str, list[str]] = field(default_factory=dict)

    def web_commands(self) -> list[ServerCommand]:
        """Commands that (may) serve HTTP.

        HTTP servers, plus ``python app.py``-style scripts (the rule must
        confirm the script calls ``app.run``) and whatever a Procfile's
        ``web`` process runs.
        """
        return [
            c for c in self.commands if c.server in HTTP_SERVERS or c.server == "python-script" or c.process == "web"
        ]

    def requirement(self, name: str) -> list[Requirement]:
        """Every declaration of the distribution ``name`` (any spelling: ``Flask_SQLAlchemy``), in file order."""
        wanted = normalise_name(name)
        return [r for r in self.requirements if r.name == wanted]

    def env_value(self, name: str) -> EnvSetting | None:
        """The first setting of ``name`` (files are read in sorted order)."""
        for setting in self.env:
            if setting.name == name:
                return setting
        return None

    def gunicorn_config_for(self, command: ServerCommand) -> GunicornSettings | None:
        """The ``gunicorn.conf.py`` a gunicorn command uses.

        ``-c FILE`` names it; without ``-c`` gunicorn reads
        ``./gunicorn.conf.py`` from its working directory, taken to be the
        project root or the directory of the deploy file.
        """
        if command.server != "gunicorn" or not self.gunicorn:
            return None
        wanted = command.config_file
        if wanted:
            if wanted.startswith("python:"):
                # ``-c python:pkg.gunicorn_config`` imports a module: its file is ``pkg/gunicorn_config.py``
                wanted = wanted.removeprefix("python:").replace(".", "/") + ".py"
            wanted = wanted.removeprefix("file:")
            name = wanted.rsplit("/", 1)[-1]
            for conf in self.gunicorn:
                if conf.path == wanted.lstrip("./") or conf.path.endswith("/" + wanted.lstrip("./")):
                    return conf
            for conf in self.gunicorn:
                if conf.path.rsplit("/", 1)[-1] == name:
                    return conf
            return None
        here = command.source.path.rsplit("/", 1)[0] if "/" in command.source.path else ""
        for conf in self.gunicorn:
            if conf.path in ("gunicorn.conf.py", f"{here}/gunicorn.conf.py" if here else ""):
                return conf
        return None

    def declared_workers(self) -> list[WorkerDecl]:
        """Worker processes of every web server, from the most specific source.

        For each HTTP command: the command line (``-w``), else its gunicorn
        config file, else ``WEB_CONCURRENCY``/``GUNICORN_CMD_ARGS`` (already
        folded into the command), else gunicorn's default of one worker.
        Gunicorn configs and uWSGI inis no command refers to count too (they
        are usually started by a script).
        """
        decls: list[WorkerDecl] = []
        used_confs: set[str] = set()
        replicas = {s.name: (s.replicas or s.scale) for s in self.services}
        for cmd in self.web_commands():
            if cmd.server not in HTTP_SERVERS:
                continue
            rep = replicas.get(cmd.process[len("service:") :]) if cmd.process.startswith("service:") else None
            conf = self.gunicorn_config_for(cmd)
            if conf is not None:
                used_confs.add(conf.path)  # the command line overrides it, or it counts here
            if cmd.workers is not None or "workers" in cmd.unresolved:
                decls.append(WorkerDecl(cmd.server, cmd.workers, cmd.source, cmd.threads, replicas=rep))
                continue
            if conf is not None:
                setting = conf.get("workers")
                if setting is not None:
                    decls.append(
                        WorkerDecl(
                            "gunicorn",
                            as_int(setting.value),
                            setting.source,
                            cmd.threads or conf.threads,
                            cpu_based=setting.cpu_based,
                            replicas=rep,
                        )
                    )
                    continue
            if cmd.server == "uwsgi" and cmd.config_file:
                ini = next((u for u in self.uwsgi if u.path.endswith(cmd.config_file.lstrip("./"))), None)
                if ini is not None and ini.get("processes", "workers", "p") is not None:
                    continue  # counted below from the ini itself
            if cmd.server == "gunicorn":
                decls.append(WorkerDecl("gunicorn", 1, cmd.source, cmd.threads, default=True, replicas=rep))
        for conf in self.gunicorn:
            setting = conf.get("workers")
            if conf.path in used_confs or setting is None:
                continue
            decls.append(
                WorkerDecl("gunicorn", as_int(setting.value), setting.source, conf.threads, cpu_based=setting.cpu_based)
            )
        for ini in self.uwsgi:
            setting = ini.get("processes", "workers", "p")
            if setting is not None:
                decls.append(WorkerDecl("uwsgi", as_int(setting.value), setting.source, ini.threads))
        return sorted(decls, key=lambda d: d.source)
