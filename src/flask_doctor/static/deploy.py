"""Read deploy files into one model of how the application is served.

Many production problems of a Flask app are not in its Python code but in
how it is started: ``flask run`` as a container's ``CMD`` (FD307), gunicorn
without ``--timeout`` or ``--max-requests`` (FD407, FD408), sync workers for
a blocking app (FD406), several workers with a process-local cache (FD702)
or Socket.IO without a message queue (FD404), a reverse proxy in front that
ProxyFix must be told about (FD312, FD313).  This module turns Dockerfiles,
Procfiles, compose files, gunicorn/uWSGI configs, ``.env`` files, fly.toml,
App Engine's app.yaml and nginx configs into :class:`DeployModel` so that
rules ask questions of data instead of re-parsing files.

Nothing is ever executed: shell commands are tokenised with :mod:`shlex`,
``gunicorn.conf.py`` is read with :mod:`ast` (a config file is code, and
running a project's code is what ``check`` promises never to do), YAML is
composed with the safe loader.  Every parser turns bad input (invalid YAML,
binary or non-UTF-8 files, empty files) into :attr:`DeployModel.problems`
and never raises.  Every fact carries a :class:`Location` with a real line,
so findings point at the line to change.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml

from flask_doctor.config import relative_posix
from flask_doctor.findings import Location
from flask_doctor.static.files import deploy_kind

if sys.version_info >= (3, 11):  # pragma: no cover - depends on interpreter
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "HTTP_SERVERS",
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
    "parse_deploy_files",
]

#: Servers that answer HTTP themselves.
HTTP_SERVERS = frozenset({"gunicorn", "uwsgi", "waitress", "flask-run", "hypercorn", "uvicorn"})
#: Images (last path component, tag removed) that are reverse proxies.
PROXY_IMAGES = ("nginx", "traefik", "caddy", "haproxy", "envoy")
_MAX_BYTES = 2_000_000


# ===================================================================== model
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
    value: Any
    source: Location
    expr: str = ""
    cpu_based: bool = False
    env_var: str | None = None
    conditional: bool = False


@dataclass
class GunicornSettings:
    """A ``gunicorn.conf.py`` read with :mod:`ast` (never imported)."""

    path: str
    settings: dict[str, Setting] = field(default_factory=dict)
    #: server hooks defined (``post_fork``, ``when_ready``...) -> where.
    hooks: dict[str, Location] = field(default_factory=dict)

    def get(self, name: str) -> Setting | None:
        return self.settings.get(_GUNICORN_ALIASES.get(name, name))

    def value(self, name: str, default: Any = None) -> Any:
        setting = self.get(name)
        return default if setting is None or setting.value is None else setting.value

    @property
    def workers(self) -> int | None:
        return _as_int(self.value("workers"))

    @property
    def worker_class(self) -> str | None:
        value = self.value("worker_class")
        return value if isinstance(value, str) else None

    @property
    def threads(self) -> int | None:
        return _as_int(self.value("threads"))

    @property
    def timeout(self) -> int | None:
        return _as_int(self.value("timeout"))

    @property
    def max_requests(self) -> int | None:
        return _as_int(self.value("max_requests"))

    @property
    def max_requests_jitter(self) -> int | None:
        return _as_int(self.value("max_requests_jitter"))

    @property
    def reload(self) -> bool:
        return _as_bool(self.value("reload")) is True

    @property
    def preload(self) -> bool:
        return _as_bool(self.value("preload_app")) is True

    @property
    def bind(self) -> str | None:
        value = self.value("bind")
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return value if isinstance(value, str) else None


@dataclass
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

    def _value(self, *names: str) -> Any:
        setting = self.get(*names)
        return None if setting is None else setting.value

    @property
    def processes(self) -> int | None:
        return _as_int(self._value("processes", "workers", "p"))

    @property
    def threads(self) -> int | None:
        return _as_int(self._value("threads"))

    @property
    def harakiri(self) -> int | None:
        return _as_int(self._value("harakiri"))

    @property
    def max_requests(self) -> int | None:
        return _as_int(self._value("max-requests"))

    @property
    def master(self) -> bool:
        return _as_bool(self._value("master", "M")) is True

    @property
    def lazy_apps(self) -> bool:
        return _as_bool(self._value("lazy-apps")) is True or _as_bool(self._value("lazy")) is True

    @property
    def enable_threads(self) -> bool:
        return _as_bool(self._value("enable-threads")) is True

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


@dataclass
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


@dataclass
class ProxyDecl:
    """A reverse proxy in front of the app (compose service or nginx config)."""

    name: str
    source: Location
    kind: str = ""
    #: request headers the proxy sets (nginx ``proxy_set_header``), lower-case.
    sets_headers: tuple[str, ...] = ()


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


@dataclass
class DeployModel:
    """Everything the deploy files say, each fact with its location."""

    commands: list[ServerCommand] = field(default_factory=list)
    env: list[EnvSetting] = field(default_factory=list)
    gunicorn: list[GunicornSettings] = field(default_factory=list)
    uwsgi: list[UwsgiSettings] = field(default_factory=list)
    services: list[ServiceDecl] = field(default_factory=list)
    proxies: list[ProxyDecl] = field(default_factory=list)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)
    #: relative paths of the files read, by kind (``dockerfile``, ``compose``...).
    files: dict[str, list[str]] = field(default_factory=dict)

    def web_commands(self) -> list[ServerCommand]:
        """Commands that (may) serve HTTP.

        HTTP servers, plus ``python app.py``-style scripts (the rule must
        confirm the script calls ``app.run``) and whatever a Procfile's
        ``web`` process runs.
        """
        return [
            c
            for c in self.commands
            if c.server in HTTP_SERVERS or c.server == "python-script" or c.process == "web"
        ]

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
            wanted = wanted.removeprefix("python:").removeprefix("file:")
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
            rep = replicas.get(cmd.process[len("service:"):]) if cmd.process.startswith("service:") else None
            conf = self.gunicorn_config_for(cmd)
            if conf is not None:
                used_confs.add(conf.path)  # the command line overrides it, or it counts here
            if cmd.workers is not None or "workers" in cmd.unresolved:
                decls.append(WorkerDecl(cmd.server, cmd.workers, cmd.source, cmd.threads, replicas=rep))
                continue
            if conf is not None:
                setting = conf.get("workers")
                if setting is not None:
                    decls.append(WorkerDecl(
                        "gunicorn", _as_int(setting.value), setting.source,
                        cmd.threads or conf.threads, cpu_based=setting.cpu_based, replicas=rep,
                    ))
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
            decls.append(WorkerDecl("gunicorn", _as_int(setting.value), setting.source, conf.threads,
                                    cpu_based=setting.cpu_based))
        for ini in self.uwsgi:
            setting = ini.get("processes", "workers", "p")
            if setting is not None:
                decls.append(WorkerDecl("uwsgi", _as_int(setting.value), setting.source, ini.threads))
        return sorted(decls, key=lambda d: d.source)


# =================================================================== helpers
def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on", "y", "t"):
            return True
        if text in ("0", "false", "no", "off", "n", "f", ""):
            return False
    return None


_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-=?+])(?P<default>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand_vars(text: str, env: Mapping[str, str | None]) -> tuple[str, bool]:
    """Expand ``$VAR``/``${VAR:-default}`` from ``env``, else from the default.

    Returns the text and whether every variable was resolved.  A variable
    known in ``env`` (set by the same file) wins over the default, as it
    would in the container.
    """
    resolved = True

    def repl(match: re.Match[str]) -> str:
        nonlocal resolved
        name = match.group("braced") or match.group("plain")
        op = match.group("op") or ""
        default = match.group("default")
        value = env.get(name)
        if op.endswith("+"):
            return default or "" if value else ""
        if value is not None and (value != "" or not op.startswith(":")):
            return value
        if default is not None and op.rstrip("?") and not op.endswith("?"):
            return default
        resolved = False
        return match.group(0)

    if "$" not in text:
        return text, True
    return _VAR.sub(repl, text), resolved


def _loc(rel: str, line: int, column: int = 1) -> Location:
    return Location(path=rel, line=line, column=column)


class _Reader:
    """Shared state of one :func:`parse_deploy_files` call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.model = DeployModel()

    def rel(self, path: Path) -> str:
        return relative_posix(path.absolute(), self.root)

    def problem(self, path: Path, line: int, message: str) -> None:
        self.model.problems.append((path, line, message))

    def read(self, path: Path) -> str | None:
        """The text of ``path``, or ``None`` with a problem recorded."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(_MAX_BYTES + 1)
        except OSError as exc:
            self.problem(path, 0, f"cannot read file: {exc.strerror or exc}")
            return None
        if len(data) > _MAX_BYTES:
            self.problem(path, 0, f"larger than {_MAX_BYTES // 1_000_000} MB; not read")
            return None
        if b"\x00" in data[:8192]:
            self.problem(path, 0, "binary file; not read")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(path, line, "not valid UTF-8; read with replacement characters")
            return data.decode("utf-8", errors="replace")


# ============================================================ shell commands
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&"})
_REDIRECT = re.compile(r"(?<![\S])\d*(?:>>?|<|&>)&?\s*(?:&?\d+|\S+)")
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_RUNNERS = frozenset({"poetry", "pipenv", "uv", "pdm", "hatch", "rye", "conda"})
_WRAPPERS = frozenset({"exec", "nohup", "time", "command", "builtin"})
_INIT_WRAPPERS = frozenset({"tini", "tini-static", "dumb-init", "catatonit"})
_INSTRUMENTERS = frozenset({"ddtrace-run", "opentelemetry-instrument", "scout-apm", "sentry-run"})


def _basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def split_shell(text: str) -> list[list[str]]:
    """Tokenise a shell command line into simple commands (split at ``&&``, ``;``, ``|``...).

    Redirections are dropped.  Unbalanced quotes fall back to a plain
    whitespace split rather than failing.
    """
    text = text.replace("\\\n", " ")
    text = _REDIRECT.sub(" ", text)
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    segments: list[list[str]] = [[]]
    for tok in tokens:
        if tok in _OPERATORS:
            segments.append([])
        else:
            segments[-1].append(tok)
    return [s for s in segments if s]


def _is_script(token: str) -> bool:
    name = _basename(token)
    return name.endswith(".sh") or name.startswith(("docker-entrypoint", "entrypoint"))


def _strip_wrappers(argv: list[str], inline_env: dict[str, str]) -> list[list[str]]:
    """Remove ``exec``, ``env X=1``, ``tini --``, ``poetry run``... from the front.

    Returns the simple commands left: none, the one remaining argv, or
    several when a ``sh -c "..."`` string holds a chain.  Assignments found
    on the way go to ``inline_env``.
    """
    args = list(argv)
    for _ in range(20):  # wrappers nest, but not forever
        if not args:
            return [args] if args else []
        while args and _ASSIGN.match(args[0]):
            name, _, value = args[0].partition("=")
            inline_env[name] = value
            args = args[1:]
        if not args:
            return [args] if args else []
        head = _basename(args[0])
        if head in _WRAPPERS:
            args = args[1:]
        elif head == "env":
            args = args[1:]
            while args and (args[0].startswith("-") or _ASSIGN.match(args[0])):
                if _ASSIGN.match(args[0]):
                    name, _, value = args[0].partition("=")
                    inline_env[name] = value
                elif args[0] in ("-u", "--unset", "-C", "--chdir") and len(args) > 1:
                    args = args[1:]
                args = args[1:]
        elif head in _INIT_WRAPPERS:
            args = args[1:]
            while args and args[0].startswith("-"):
                stop = args[0] == "--"
                args = args[1:]
                if stop:
                    break
        elif head in ("gosu", "su-exec") and len(args) > 2:
            args = args[2:]
        elif head == "chpst":
            args = args[1:]
            while args and args[0].startswith("-"):
                args = args[2:] if args[0] in ("-u", "-U", "-e", "-/", "-n", "-l", "-L") else args[1:]
        elif head in _RUNNERS and len(args) > 1 and args[1] == "run":
            args = args[2:]
            while args and args[0].startswith("-"):
                args = args[1:]
        elif head == "doppler" and "--" in args:
            args = args[args.index("--") + 1 :]
        elif head == "newrelic-admin" and len(args) > 2 and args[1] == "run-program":
            args = args[2:]
        elif head in _INSTRUMENTERS:
            args = args[1:]
            while args and args[0].startswith("--"):
                takes_value = "=" not in args[0] and len(args) > 1 and not args[1].startswith("-")
                args = args[2:] if takes_value else args[1:]
        elif head in _SHELLS:
            rest = args[1:]
            command = None
            while rest:
                opt = rest.pop(0)
                if opt.startswith("-") and "c" in opt.lstrip("-") and not opt.startswith("--"):
                    command = rest[0] if rest else None
                    break
                if not opt.startswith("-"):
                    break
            if command is None:
                return [args] if args else []
            nested: list[list[str]] = []
            for segment in split_shell(command):
                nested.extend(_strip_wrappers(segment, inline_env))
            return nested
        elif _is_script(args[0]) and len(args) > 1:
            args = args[1:]  # entrypoint script that ends in exec "$@"
        else:
            return [args] if args else []
    return [args] if args else []


def _only_wrappers(entrypoint: list[str]) -> bool:
    """An entrypoint that only wraps its arguments (``tini --``, ``docker-entrypoint.sh``).

    Then the server is in CMD / ``command:`` and findings should point there.
    """
    left = _strip_wrappers(entrypoint, {})
    return not left or (len(left) == 1 and len(left[0]) == 1 and _is_script(left[0][0]))


@dataclass
class _Opts:
    values: dict[str, str]  # option -> field ("" = consume the value, ignore it)
    flags: dict[str, str]  # option -> field ("" = ignore)


def _parse_options(args: Sequence[str], spec: _Opts) -> tuple[dict[str, list[str]], list[str]]:
    """Parse ``--long=v``, ``--long v``, ``-s v``, ``-sv`` and flags by a table."""
    found: dict[str, list[str]] = {}
    positionals: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            positionals.extend(args[i + 1 :])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in spec.flags and not eq:
                if spec.flags[name]:
                    found.setdefault(spec.flags[name], []).append("true")
                i += 1
                continue
            if eq:
                if name in spec.values and spec.values[name]:
                    found.setdefault(spec.values[name], []).append(value)
                i += 1
                continue
            nxt = args[i + 1] if i + 1 < n else None
            known = name in spec.values
            # An unknown option takes the next word unless that word is the
            # final "module:app" target or another option.
            takes = nxt is not None and (
                known or (not nxt.startswith("-") and not (i + 2 == n and ":" in nxt))
            )
            if takes:
                if known and spec.values[name]:
                    found.setdefault(spec.values[name], []).append(nxt)  # type: ignore[arg-type]
                i += 2
            else:
                i += 1
            continue
        if arg.startswith("-") and len(arg) > 1 and not arg[1].isdigit():
            short = arg[:2]
            if short in spec.flags and len(arg) == 2:
                if spec.flags[short]:
                    found.setdefault(spec.flags[short], []).append("true")
                i += 1
                continue
            if short in spec.values:
                if len(arg) > 2:
                    value = arg[2:].lstrip("=")
                    i += 1
                elif i + 1 < n:
                    value = args[i + 1]
                    i += 2
                else:
                    i += 1
                    continue
                if spec.values[short]:
                    found.setdefault(spec.values[short], []).append(value)
                continue
            i += 1
            continue
        positionals.append(arg)
        i += 1
    return found, positionals


_GUNICORN = _Opts(
    values={
        "-w": "workers", "--workers": "workers",
        "-k": "worker_class", "--worker-class": "worker_class",
        "--threads": "threads",
        "-t": "timeout", "--timeout": "timeout",
        "--max-requests": "max_requests", "--max-requests-jitter": "max_requests_jitter",
        "-b": "bind", "--bind": "bind",
        "-c": "config_file", "--config": "config_file",
        "-e": "env", "--env": "env",
        "--paste": "app_target",
        "-n": "", "-u": "", "-g": "", "-m": "", "-p": "", "--pid": "", "--chdir": "",
        "--log-level": "", "--access-logfile": "", "--error-logfile": "", "--log-file": "",
        "--graceful-timeout": "", "--keep-alive": "", "--worker-connections": "",
        "--backlog": "", "--forwarded-allow-ips": "", "--pythonpath": "",
        "--access-logformat": "", "--log-config": "", "--worker-tmp-dir": "",
        "--certfile": "", "--keyfile": "", "--name": "", "--statsd-host": "",
        "--reload-engine": "", "--reload-extra-file": "", "--proxy-allow-from": "",
        "--limit-request-line": "", "--limit-request-fields": "", "--limit-request-field_size": "",
        "--umask": "", "--user": "", "--group": "", "--log-syslog-to": "",
    },
    flags={
        "--reload": "reload", "--preload": "preload",
        "-D": "", "--daemon": "", "--check-config": "", "--print-config": "", "--spew": "",
        "--capture-output": "", "-R": "", "--enable-stdio-inheritance": "", "--no-sendfile": "",
        "--reuse-port": "", "--strip-header-spaces": "", "--suppress-ragged-eofs": "",
        "--do-handshake-on-connect": "", "--disable-redirect-access-to-syslog": "",
        "--permit-unconventional-http-method": "", "--permit-unconventional-http-version": "",
        "--casefold-http-method": "", "--permit-obsolete-folding": "", "--log-syslog": "",
        "-v": "", "--version": "", "-h": "", "--help": "", "--no-control-socket": "",
    },
)
_UVICORN = _Opts(
    values={
        "--workers": "workers", "--host": "host", "--port": "port", "--uds": "bind",
        "--limit-max-requests": "max_requests", "--timeout-keep-alive": "",
        "--timeout-graceful-shutdown": "", "--loop": "", "--http": "", "--ws": "", "--interface": "",
        "--log-level": "", "--root-path": "", "--app-dir": "", "--env-file": "", "--lifespan": "",
        "--forwarded-allow-ips": "", "--reload-dir": "", "--reload-include": "",
        "--reload-exclude": "", "--log-config": "", "--fd": "", "--backlog": "",
        "--limit-concurrency": "", "--ssl-keyfile": "", "--ssl-certfile": "", "--header": "",
    },
    flags={
        "--reload": "reload", "--factory": "", "--proxy-headers": "", "--no-proxy-headers": "",
        "--access-log": "", "--no-access-log": "", "--use-colors": "", "--no-use-colors": "",
        "--server-header": "", "--no-server-header": "", "--date-header": "", "--no-date-header": "",
    },
)
_HYPERCORN = _Opts(
    values={
        "-w": "workers", "--workers": "workers", "-k": "worker_class", "--worker-class": "worker_class",
        "-b": "bind", "--bind": "bind", "-c": "config_file", "--config": "config_file",
        "--max-requests": "max_requests", "--graceful-timeout": "", "--log-level": "",
        "--access-logfile": "", "--error-logfile": "", "--root-path": "", "--certfile": "",
        "--keyfile": "", "--keep-alive": "", "--backlog": "",
    },
    flags={"--reload": "reload", "--debug": "debug"},
)
_WAITRESS = _Opts(
    values={
        "--threads": "threads", "--listen": "bind", "--host": "host", "--port": "port",
        "--channel-timeout": "timeout", "--url-scheme": "", "--url-prefix": "", "--ident": "",
        "--backlog": "", "--recv-bytes": "", "--send-bytes": "", "--connection-limit": "",
        "--cleanup-interval": "", "--max-request-header-size": "", "--max-request-body-size": "",
        "--asyncore-loop-timeout": "", "--outbuf-overflow": "", "--inbuf-overflow": "",
        "--trusted-proxy": "", "--trusted-proxy-count": "", "--trusted-proxy-headers": "",
        "--unix-socket": "bind", "--unix-socket-perms": "",
    },
    flags={"--call": "", "--expose-tracebacks": "", "--no-expose-tracebacks": "",
           "--ipv4": "", "--ipv6": "", "--no-ipv4": "", "--no-ipv6": "", "--log-untrusted-proxy-headers": "",
           "--clear-untrusted-proxy-headers": "", "--asyncore-use-poll": "", "--help": ""},
)
_UWSGI = _Opts(
    values={
        "--ini": "config_file", "--processes": "workers", "--workers": "workers", "-p": "workers",
        "--threads": "threads", "--harakiri": "timeout", "--max-requests": "max_requests",
        "--http": "bind", "--http-socket": "bind", "--socket": "bind", "-s": "bind",
        "--uwsgi-socket": "bind", "--module": "app_target", "-w": "app_target", "--wsgi": "app_target",
        "--wsgi-file": "app_target", "--file": "app_target", "--callable": "", "--chdir": "",
        "--home": "", "-H": "", "--virtualenv": "", "--uid": "", "--gid": "", "--buffer-size": "",
        "-b": "", "--logto": "", "--pidfile": "", "--env": "env", "--py-autoreload": "autoreload",
        "--touch-reload": "", "--listen": "", "-l": "", "--stats": "", "--plugins": "", "--plugin": "",
        "--static-map": "", "--mount": "", "--cheaper": "", "--reload-on-rss": "",
        "--max-worker-lifetime": "", "--yaml": "config_file", "--json": "config_file", "--xml": "config_file",
    },
    flags={
        "--master": "", "-M": "", "--enable-threads": "", "-T": "", "--die-on-term": "",
        "--vacuum": "", "--lazy-apps": "", "--lazy": "", "--single-interpreter": "",
        "--need-app": "", "--strict": "", "--thunder-lock": "", "--honour-stdin": "",
        "--disable-logging": "", "--log-master": "", "--no-orphans": "", "--manage-script-name": "",
    },
)
_FLASK_GROUP = _Opts(
    values={"--app": "app_target", "-A": "app_target", "-e": "", "--env-file": ""},
    flags={"--debug": "debug", "--no-debug": "no_debug", "--version": "", "--help": ""},
)
_FLASK_RUN = _Opts(
    values={"--host": "host", "-h": "host", "--port": "port", "-p": "port", "--cert": "", "--key": "",
            "--extra-files": "", "--exclude-patterns": ""},
    flags={"--reload": "reload", "--no-reload": "no_reload", "--debugger": "", "--no-debugger": "",
           "--with-threads": "", "--without-threads": "", "--eager-loading": "", "--lazy-loading": "",
           "--debug": "debug", "--no-debug": "no_debug"},
)
_CELERY_GLOBAL = _Opts(
    values={"-A": "app_target", "--app": "app_target", "-b": "", "--broker": "", "--result-backend": "",
            "--loader": "", "--config": "", "--workdir": ""},
    flags={"--quiet": "", "-q": "", "--no-color": ""},
)
_CELERY_WORKER = _Opts(
    values={"-c": "workers", "--concurrency": "workers", "-P": "worker_class", "--pool": "worker_class",
            "-A": "app_target", "--app": "app_target", "--max-tasks-per-child": "max_requests",
            "--time-limit": "timeout", "-l": "", "--loglevel": "", "-Q": "", "--queues": "",
            "-n": "", "--hostname": "", "--autoscale": "", "-X": "", "--exclude-queues": "",
            "--soft-time-limit": "", "--prefetch-multiplier": "", "--max-memory-per-child": "",
            "-s": "", "--schedule": "", "-f": "", "--logfile": "", "--pidfile": "", "-O": "",
            "-E": "", "-B": ""},
    flags={"-E": "", "--task-events": "", "-B": "", "--beat": "", "--without-gossip": "",
           "--without-mingle": "", "--without-heartbeat": "", "-D": "", "--detach": ""},
)
_PYTHON_VALUE_FLAGS = ("-X", "-W", "-Q")


def _set_int(cmd: ServerCommand, name: str, raw: str, env: Mapping[str, str | None]) -> None:
    text, ok = expand_vars(raw, env)
    value = _as_int(text) if ok else None
    if value is None:
        cmd.unresolved[name] = raw
    else:
        setattr(cmd, name, value)
        cmd.unresolved.pop(name, None)


def _set_str(cmd: ServerCommand, name: str, raw: str, env: Mapping[str, str | None]) -> None:
    text, ok = expand_vars(raw, env)
    if not ok:
        cmd.unresolved[name] = raw
    setattr(cmd, name, text)


_INT_FIELDS = ("workers", "threads", "timeout", "max_requests", "max_requests_jitter")
_STR_FIELDS = ("worker_class", "bind", "config_file", "app_target")


def _apply(cmd: ServerCommand, found: Mapping[str, list[str]], env: Mapping[str, str | None]) -> None:
    for name, values in found.items():
        raw = values[-1]
        if name in _INT_FIELDS:
            _set_int(cmd, name, raw, env)
        elif name == "bind":
            _set_str(cmd, "bind", values[0], env)
        elif name in _STR_FIELDS:
            _set_str(cmd, name, raw, env)
        elif name in ("reload", "preload", "debug"):
            setattr(cmd, name, True)
        elif name == "env":
            for item in values:
                key, _, value = item.partition("=")
                if key:
                    cmd.inline_env[key] = value
    if "host" in found or "port" in found:
        host = found.get("host", ["127.0.0.1"])[-1]
        port = found.get("port", [""])[-1]
        _set_str(cmd, "bind", f"{host}:{port}" if port else host, env)


def _python_target(args: list[str]) -> tuple[str | None, list[str]]:
    """``python -u -m flask run`` -> ("-m", ["flask", "run"]); ``python app.py`` -> (None, ["app.py"])."""
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-m":
            return "-m", args[i + 1 :]
        if arg.startswith("-m") and len(arg) > 2:
            return "-m", [arg[2:]] + args[i + 1 :]
        if arg == "-c":
            return "-c", args[i + 1 :]
        if arg in _PYTHON_VALUE_FLAGS:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return None, args[i:]
    return None, []


def _classify(argv: list[str], source: Location, process: str,
              env: Mapping[str, str | None], inline_env: dict[str, str]) -> ServerCommand | None:
    """A :class:`ServerCommand` for one simple command, ``None`` if it is not a server start."""
    if not argv:
        return None
    head = _basename(argv[0])
    args = argv[1:]
    scope_env: dict[str, str | None] = {**env, **inline_env}
    if re.fullmatch(r"python[0-9.]*w?", head):
        mode, rest = _python_target(argv)
        if mode == "-m" and rest:
            module = rest[0]
            mapped = {"gunicorn": "gunicorn", "flask": "flask", "uvicorn": "uvicorn",
                      "hypercorn": "hypercorn", "waitress": "waitress-serve", "celery": "celery",
                      "uwsgi": "uwsgi"}.get(module)
            if mapped:
                return _classify([mapped] + rest[1:], source, process, env, inline_env)
            script = ServerCommand("python-script", list(argv), source, process, app_target=module)
            script.inline_env.update(inline_env)
            return script
        if mode is None and rest:
            script = ServerCommand("python-script", list(argv), source, process, app_target=rest[0])
            script.inline_env.update(inline_env)
            return script
        return None
    cmd: ServerCommand
    if head == "gunicorn":
        cmd = ServerCommand("gunicorn", list(argv), source, process)
        found, positionals = _parse_options(args, _GUNICORN)
        _apply(cmd, found, scope_env)
        if positionals and cmd.app_target is None:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
        _gunicorn_env_defaults(cmd, scope_env)
    elif head in ("uvicorn", "hypercorn"):
        cmd = ServerCommand(head, list(argv), source, process)
        found, positionals = _parse_options(args, _UVICORN if head == "uvicorn" else _HYPERCORN)
        _apply(cmd, found, scope_env)
        if positionals:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
    elif head == "waitress-serve":
        cmd = ServerCommand("waitress", list(argv), source, process)
        found, positionals = _parse_options(args, _WAITRESS)
        _apply(cmd, found, scope_env)
        if positionals:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
    elif head == "uwsgi":
        cmd = ServerCommand("uwsgi", list(argv), source, process)
        found, positionals = _parse_options(args, _UWSGI)
        if found.pop("autoreload", None):
            cmd.reload = True
        _apply(cmd, found, scope_env)
        if positionals and cmd.config_file is None and positionals[0].endswith((".ini", ".yaml", ".yml", ".json", ".xml")):
            _set_str(cmd, "config_file", positionals[0], scope_env)
    elif head == "flask":
        found, positionals = _parse_options(args, _FLASK_GROUP)
        if "run" not in positionals:
            return None
        run_args = args[args.index("run") + 1 :] if "run" in args else []
        run_found, _ = _parse_options(run_args, _FLASK_RUN)
        cmd = ServerCommand("flask-run", list(argv), source, process)
        if "app_target" in found:
            _set_str(cmd, "app_target", found["app_target"][-1], scope_env)
        elif scope_env.get("FLASK_APP"):
            cmd.app_target = scope_env["FLASK_APP"]
        debug_env = _as_bool(scope_env.get("FLASK_DEBUG")) is True or scope_env.get("FLASK_ENV") == "development"
        no_debug = "no_debug" in found or "no_debug" in run_found
        cmd.debug = ("debug" in found or "debug" in run_found or debug_env) and not no_debug
        cmd.reload = ("reload" in run_found or cmd.debug) and "no_reload" not in run_found
        host = run_found.get("host", [scope_env.get("FLASK_RUN_HOST") or "127.0.0.1"])[-1]
        port = run_found.get("port", [scope_env.get("FLASK_RUN_PORT") or "5000"])[-1]
        _set_str(cmd, "bind", f"{host}:{port}", scope_env)
    elif head == "celery":
        found, positionals = _parse_options(args, _CELERY_GLOBAL)
        if not positionals or positionals[0] != "worker":
            cmd = ServerCommand("other", list(argv), source, process)
            if "app_target" in found:
                cmd.app_target = found["app_target"][-1]
            cmd.inline_env.update(inline_env)
            return cmd
        cmd = ServerCommand("celery-worker", list(argv), source, process)
        worker_args = args[args.index("worker") + 1 :]
        wfound, _ = _parse_options(worker_args, _CELERY_WORKER)
        if "app_target" in found and "app_target" not in wfound:
            wfound["app_target"] = found["app_target"]
        _apply(cmd, wfound, scope_env)
    else:
        return None
    for key, value in inline_env.items():
        cmd.inline_env.setdefault(key, value)
    return cmd


def _gunicorn_env_defaults(cmd: ServerCommand, env: Mapping[str, str | None]) -> None:
    """Fold in ``GUNICORN_CMD_ARGS`` and ``WEB_CONCURRENCY`` (gunicorn reads both)."""
    extra = env.get("GUNICORN_CMD_ARGS")
    if extra:
        try:
            tokens = shlex.split(extra)
        except ValueError:
            tokens = extra.split()
        found, _ = _parse_options(tokens, _GUNICORN)
        argv_found, _ = _parse_options(cmd.argv[1:], _GUNICORN)
        for name, values in found.items():
            if name in argv_found:
                continue  # the command line wins
            probe = ServerCommand("gunicorn", [], cmd.source, cmd.process)
            _apply(probe, {name: values}, env)
            if name in _INT_FIELDS + _STR_FIELDS + ("reload", "preload"):
                setattr(cmd, name, getattr(probe, name))
                if name in probe.unresolved:
                    cmd.unresolved[name] = probe.unresolved[name]
                cmd.from_env.append(name)
    if cmd.workers is None and "workers" not in cmd.unresolved and env.get("WEB_CONCURRENCY"):
        value = _as_int(expand_vars(env["WEB_CONCURRENCY"] or "", env)[0])
        if value is not None:
            cmd.workers = value
            cmd.from_env.append("workers")


def analyze_command(
    command: str | Sequence[str],
    source: Location,
    process: str,
    env: Mapping[str, str | None] | None = None,
) -> tuple[list[ServerCommand], dict[str, str]]:
    """Server commands in one start command (shell text or exec-form argv).

    Returns the commands and the inline environment (``VAR=x cmd``).  In a
    chain (``flask db upgrade && gunicorn app:app``) every server is kept;
    a ``python script.py`` counts only as the chain's last command (earlier
    ones are one-off jobs such as migrations).  When nothing is recognised,
    the last command is returned as ``server="other"`` so that a Procfile
    ``web: ./bin/start`` is still visible.
    """
    env = dict(env or {})
    inline_env: dict[str, str] = {}
    if isinstance(command, str):
        segments = split_shell(command)
    else:
        segments = [list(command)]
    simple: list[list[str]] = []
    for segment in segments:
        simple.extend(_strip_wrappers(segment, inline_env))
    results: list[ServerCommand] = []
    for index, argv in enumerate(simple):
        cmd = _classify(argv, source, process, env, inline_env)
        if cmd is None:
            continue
        if cmd.server in ("python-script", "other") and index != len(simple) - 1:
            continue
        results.append(cmd)
    if not results and simple:
        last = simple[-1]
        cmd = ServerCommand("other", list(last), source, process)
        cmd.inline_env.update(inline_env)
        results.append(cmd)
    return results, inline_env


# ================================================================ Dockerfile
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


@dataclass
class _Stage:
    name: str
    env: dict[str, str | None] = field(default_factory=dict)
    cmd: tuple[int, Any] | None = None  # (line, str shell | list exec)
    entrypoint: tuple[int, Any] | None = None
    #: CMD came from the parent stage (an ENTRYPOINT set here resets it).
    cmd_inherited: bool = False
    #: ARG defaults: substituted into ENV at build time, absent at run time.
    args: dict[str, str | None] = field(default_factory=dict)


def _dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    lines = text.splitlines()
    escape = "\\"
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = re.match(r"#\s*escape\s*=\s*(\S)", stripped)
        if match:
            escape = match.group(1)
    out: list[tuple[int, str, str]] = []
    i, n = 0, len(lines)
    while i < n:
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        buf = stripped
        while buf.endswith(escape) and i + 1 < n:
            buf = buf[: -len(escape)].rstrip()
            i += 1
            nxt = lines[i].strip()
            if not nxt or nxt.startswith("#"):
                # Comment and empty lines inside a continuation are skipped
                # and the instruction goes on.
                buf += escape
                continue
            buf = f"{buf} {nxt}"
        if buf.endswith(escape):
            buf = buf[: -len(escape)].rstrip()
        i += 1
        parts = buf.split(None, 1)
        instr = parts[0].upper()
        rest = parts[1] if len(parts) > 1 else ""
        heredoc = _HEREDOC.search(rest) if instr in ("RUN", "COPY", "ADD") else None
        if heredoc:
            terminator = heredoc.group(1)
            while i < n and lines[i].strip() != terminator:
                i += 1
            i += 1
        out.append((start, instr, rest.strip()))
    return out


def _exec_form(rest: str) -> list[str] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _parse_env_instruction(rest: str) -> list[tuple[str, str]]:
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        tokens = rest.split()
    if not tokens:
        return []
    if "=" not in tokens[0]:
        # legacy form: ENV NAME value with spaces
        name, _, value = rest.partition(" ")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        return [(name, value)]
    pairs = []
    for tok in tokens:
        name, eq, value = tok.partition("=")
        if eq and name:
            pairs.append((name, value))
    return pairs


def _read_dockerfile(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    stages: list[_Stage] = []
    named: dict[str, _Stage] = {}
    parents: dict[int, _Stage] = {}  # id(stage) -> the stage it is built FROM
    stage_env: list[tuple[_Stage, EnvSetting]] = []
    for line, instr, rest in _dockerfile_instructions(text):
        if instr == "FROM":
            tokens = rest.split()
            image = next((t for t in tokens if not t.startswith("--")), "")
            alias = tokens[-1] if len(tokens) >= 3 and tokens[-2].lower() == "as" else str(len(stages))
            stage = _Stage(alias)
            parent = named.get(image.lower())
            if parent is not None:
                parents[id(stage)] = parent
                stage.env = dict(parent.env)
                stage.cmd, stage.entrypoint = parent.cmd, parent.entrypoint
                stage.cmd_inherited = parent.cmd is not None
            stages.append(stage)
            named[alias.lower()] = stage
            continue
        if not stages:
            stages.append(_Stage("0"))
        stage = stages[-1]
        if instr == "ENV":
            for name, value in _parse_env_instruction(rest):
                value, _ = expand_vars(value, {**stage.args, **stage.env})
                stage.env[name] = value
                env_setting = EnvSetting(name, value, _loc(rel, line), "image")
                stage_env.append((stage, env_setting))
                reader.model.env.append(env_setting)
        elif instr == "ARG":
            try:
                tokens = shlex.split(rest)
            except ValueError:
                tokens = rest.split()
            for tok in tokens:
                name, eq, value = tok.partition("=")
                stage.args[name] = value if eq else None
                reader.model.env.append(EnvSetting(name, value if eq else None, _loc(rel, line), "build-arg"))
        elif instr == "CMD":
            exec_form = _exec_form(rest)
            stage.cmd = (line, exec_form if exec_form is not None else rest)
            stage.cmd_inherited = False
        elif instr == "ENTRYPOINT":
            exec_form = _exec_form(rest)
            stage.entrypoint = (line, exec_form if exec_form is not None else rest)
            if stage.cmd_inherited:
                # Docker: setting ENTRYPOINT resets a CMD inherited from the base.
                stage.cmd, stage.cmd_inherited = None, False
    if not stages:
        return
    final = stages[-1]
    lineage = {id(final)}
    ancestor = parents.get(id(final))
    while ancestor is not None and id(ancestor) not in lineage:
        lineage.add(id(ancestor))
        ancestor = parents.get(id(ancestor))
    for owner, env_setting in stage_env:
        env_setting.in_final_image = id(owner) in lineage
    env = final.env
    ep, cmd = final.entrypoint, final.cmd
    commands: list[ServerCommand] = []
    if ep is not None:
        ep_line, ep_value = ep
        if isinstance(ep_value, list):
            cmd_args: list[str] = []
            if cmd is not None:
                cmd_args = cmd[1] if isinstance(cmd[1], list) else ["/bin/sh", "-c", cmd[1]]
            if _only_wrappers(list(ep_value)) and cmd is not None:
                commands, _ = analyze_command(cmd[1], _loc(rel, cmd[0]), "CMD", env)
            else:
                commands, _ = analyze_command(list(ep_value) + cmd_args, _loc(rel, ep_line), "ENTRYPOINT", env)
        else:
            commands, _ = analyze_command(ep_value, _loc(rel, ep_line), "ENTRYPOINT", env)
    elif cmd is not None:
        commands, _ = analyze_command(cmd[1], _loc(rel, cmd[0]), "CMD", env)
    reader.model.commands.extend(commands)


# ================================================================== Procfile
def _read_procfile(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = re.match(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$", stripped)
        if not match:
            reader.problem(path, number, "not a 'name: command' line; ignored")
            continue
        name, command = match.group(1), match.group(2)
        column = line.index(command) + 1 if command else 1
        commands, inline = analyze_command(command, _loc(rel, number, column), name)
        for key, value in inline.items():
            reader.model.env.append(EnvSetting(key, value, _loc(rel, number, column), f"process:{name}"))
        reader.model.commands.extend(commands)


# ==================================================================== .env
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


def _read_dotenv(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    for number, name, value in parse_dotenv(text):
        reader.model.env.append(EnvSetting(name, value, _loc(rel, number), "env-file"))


# ==================================================================== YAML
def _compose_yaml(reader: _Reader, path: Path, text: str) -> yaml.Node | None:
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is not None:
                return node
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        reader.problem(path, line, f"invalid YAML: {problem}")
        return None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - pathological input
        reader.problem(path, 0, f"invalid YAML: {exc}")
        return None


def _items(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    """Key/value node pairs of a mapping, with ``<<: *anchor`` merges applied."""
    if not isinstance(node, yaml.MappingNode):
        return []
    try:
        yaml.SafeLoader("").flatten_mapping(node)
    except yaml.YAMLError:
        pass
    return [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value of ``key``; the last one wins, so explicit keys beat ``<<`` merges."""
    found = None
    for k, v in _items(node):
        if k.value == key:
            found = v
    return found


def _py(node: yaml.Node | None) -> Any:
    if node is None:
        return None
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError):
        return node.value if isinstance(node, yaml.ScalarNode) else None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _col(node: yaml.Node) -> int:
    return node.start_mark.column + 1


def _image_proxy_kind(image: str) -> str | None:
    name = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0].lower()
    for kind in PROXY_IMAGES:
        if kind in name:
            return kind
    return None


def _read_compose(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    root = _compose_yaml(reader, path, text)
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        reader.problem(path, _line(root), "compose file is not a mapping; ignored")
        return
    services = _get(root, "services")
    if services is None:
        # Compose v1 files have services at the top level.
        services = root if _get(root, "version") is None and _items(root) else None
    dotenv: dict[str, str | None] = {}
    env_path = path.parent / ".env"
    if env_path.is_file():
        try:
            dotenv = {n: v for _, n, v in parse_dotenv(env_path.read_text(encoding="utf-8", errors="replace"))}
        except OSError:
            dotenv = {}
    for key_node, svc in _items(services):
        name = str(key_node.value)
        if name.startswith("x-") or not isinstance(svc, yaml.MappingNode):
            continue
        decl = ServiceDecl(name=name, source=_loc(rel, _line(key_node), _col(key_node)))
        image = _py(_get(svc, "image"))
        decl.image = str(image) if image is not None else None
        build = _get(svc, "build")
        if build is not None:
            context = _py(_get(build, "context")) if isinstance(build, yaml.MappingNode) else _py(build)
            decl.build = str(context) if context is not None else "."
        environment: dict[str, str | None] = {}
        env_node = _get(svc, "environment")
        if isinstance(env_node, yaml.MappingNode):
            for k, v in _items(env_node):
                value = _py(v)
                value = None if value is None else _scalar_text(value)
                environment[str(k.value)] = value
                reader.model.env.append(EnvSetting(str(k.value), value, _loc(rel, _line(k), _col(k)), f"service:{name}"))
        elif isinstance(env_node, yaml.SequenceNode):
            for item in env_node.value:
                entry = _py(item)
                if not isinstance(entry, str):
                    continue
                key, eq, value = entry.partition("=")
                environment[key] = value if eq else None
                reader.model.env.append(EnvSetting(key, value if eq else None,
                                                   _loc(rel, _line(item), _col(item)), f"service:{name}"))
        decl.environment = environment
        env_files = _py(_get(svc, "env_file"))
        if isinstance(env_files, (str, dict)):
            env_files = [env_files]
        for entry in env_files or []:
            file_name = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(file_name, str):
                decl.env_files.append(file_name)
        deploy = _get(svc, "deploy")
        decl.replicas = _as_int(_py(_get(deploy, "replicas"))) if deploy is not None else None
        decl.scale = _as_int(_py(_get(svc, "scale")))
        limits = _get(_get(_get(deploy, "resources"), "limits"), "cpus") if deploy is not None else None
        for cpu_node in (_get(svc, "cpus"), limits):
            try:
                cpus = float(str(_py(cpu_node))) if cpu_node is not None else None
            except ValueError:
                cpus = None
            if cpus is not None and cpus > 0:
                decl.cpus, decl.cpus_source = cpus, _loc(rel, _line(cpu_node), _col(cpu_node))
        ports = _py(_get(svc, "ports")) or []
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
        command_node = _get(svc, "command")
        entry_node = _get(svc, "entrypoint")
        decl.command = _command_value(_py(command_node))
        decl.entrypoint = _command_value(_py(entry_node))
        reader.model.services.append(decl)
        if decl.is_proxy or (decl.command is None and decl.entrypoint is None):
            continue
        scope_env = {**dotenv, **environment}
        if decl.entrypoint is not None:
            argv = _argv(decl.entrypoint) + (_argv(decl.command) if decl.command is not None else [])
            node = entry_node
            if decl.command is not None and _only_wrappers(_argv(decl.entrypoint)):
                argv, node = _argv(decl.command), command_node
            command_value: str | list[str] = argv
        else:
            node = command_node
            command_value = decl.command if decl.command is not None else []
        assert node is not None
        source = _loc(rel, _line(node), _col(node))
        commands, _ = analyze_command(command_value, source, f"service:{name}", scope_env)
        reader.model.commands.extend(commands)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _command_value(value: Any) -> list[str] | str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [_scalar_text(v) for v in value]
    return _scalar_text(value)


def _argv(value: list[str] | str) -> list[str]:
    if isinstance(value, list):
        return list(value)
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


# ================================================================== app.yaml
def _read_appengine(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    root = _compose_yaml(reader, path, text)
    if not isinstance(root, yaml.MappingNode):
        return
    env: dict[str, str | None] = {}
    env_node = _get(root, "env_variables")
    for k, v in _items(env_node):
        value = _py(v)
        text_value = None if value is None else _scalar_text(value)
        env[str(k.value)] = text_value
        reader.model.env.append(EnvSetting(str(k.value), text_value, _loc(rel, _line(k), _col(k)), "appengine"))
    entry = _get(root, "entrypoint")
    value = _py(entry)
    if isinstance(value, str) and entry is not None:
        commands, _ = analyze_command(value, _loc(rel, _line(entry), _col(entry)), "entrypoint", env)
        reader.model.commands.extend(commands)


# ================================================================== fly.toml
def _toml_line(lines: Sequence[str], table: str, key: str) -> int:
    """Line of ``key = ...`` inside ``[table]`` (``""`` = top level); 0 if not found."""
    current = ""
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = header.group(1)
            continue
        if current == table and key_re.match(line):
            return number
    return 0


def _read_fly(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        reader.problem(path, int(match.group(1)) if match else 0, f"invalid TOML: {exc}")
        return
    lines = text.splitlines()
    env: dict[str, str | None] = {}
    env_table = data.get("env")
    if isinstance(env_table, dict):
        for name, value in env_table.items():
            env[name] = _scalar_text(value)
            reader.model.env.append(EnvSetting(name, env[name], _loc(rel, _toml_line(lines, "env", name) or 1), "fly"))
    processes = data.get("processes")
    if isinstance(processes, dict):
        for name, command in processes.items():
            if isinstance(command, (str, list)):
                line = _toml_line(lines, "processes", name) or 1
                commands, _ = analyze_command(command, _loc(rel, line), name, env)
                reader.model.commands.extend(commands)
    for table in ("experimental", "build", ""):
        section = data if table == "" else data.get(table)
        if not isinstance(section, dict):
            continue
        for key in ("cmd", "entrypoint"):
            command = section.get(key)
            if isinstance(command, (str, list)) and command:
                line = _toml_line(lines, table, key) or 1
                commands, _ = analyze_command(command, _loc(rel, line), key.upper(), env)
                reader.model.commands.extend(commands)
    deploy = data.get("deploy")
    if isinstance(deploy, dict) and isinstance(deploy.get("release_command"), str):
        line = _toml_line(lines, "deploy", "release_command") or 1
        commands, _ = analyze_command(deploy["release_command"], _loc(rel, line), "release", env)
        reader.model.commands.extend(c for c in commands if c.server != "other")


# ================================================================ uwsgi.ini
def _read_uwsgi(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    section: str | None = None
    settings: UwsgiSettings | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
            settings = None
            if section == "uwsgi" or section.startswith("uwsgi"):
                settings = UwsgiSettings(path=rel, section=section)
                reader.model.uwsgi.append(settings)
            continue
        if settings is None:
            if section is None:
                reader.problem(path, number, "setting outside a [uwsgi] section; ignored")
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, value = line, "true"  # a bare option is a flag
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        item = Setting(key, value, _loc(rel, number), expr=value)
        settings.entries.append(item)
        settings.settings[key] = item
        if key == "env" and "=" in value:
            name, _, env_value = value.partition("=")
            reader.model.env.append(EnvSetting(name.strip(), env_value, _loc(rel, number), "uwsgi"))


# ============================================================ gunicorn.conf
_GUNICORN_ALIASES = {"preload": "preload_app", "worker-class": "worker_class", "k": "worker_class"}
_GUNICORN_HOOKS = frozenset({
    "on_starting", "on_reload", "when_ready", "pre_fork", "post_fork", "post_worker_init",
    "worker_int", "worker_abort", "pre_exec", "pre_request", "post_request", "child_exit",
    "worker_exit", "nworkers_changed", "on_exit", "ssl_context",
})
_CPU_CALLS = frozenset({"cpu_count", "process_cpu_count", "sched_getaffinity", "nproc"})


class _Unknown(Exception):
    """An expression whose value cannot be known without running code."""


class _ConfEvaluator:
    """Evaluate the literal part of a config file's assignments, never calling anything."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        #: names assigned a CPU-count based value (``cores = cpu_count()``).
        self.cpu_names: set[str] = set()
        self.cpu_based = False
        self.env_var: str | None = None

    def eval(self, node: ast.expr) -> Any:
        self.cpu_based = False
        self.env_var = None
        value = self._eval_maybe_cpu(node)
        if value is _CPU:
            self.cpu_based = True
            raise _Unknown
        return value

    def _eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self._eval(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {self._eval(k): self._eval(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in ("True", "False", "None"):  # pragma: no cover - py<3.8 shapes
                return {"True": True, "False": False, "None": None}[node.id]
            raise _Unknown
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            value = self._eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            left = self._eval_maybe_cpu(node.left)
            right = self._eval_maybe_cpu(node.right)
            if left is _CPU or right is _CPU:
                self.cpu_based = True
                raise _Unknown
            try:
                return _binop(node.op, left, right)
            except Exception:
                raise _Unknown from None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    parts.append(str(self._eval(value.value)))
            return "".join(parts)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # os.environ.get("X") or "4": the default is the right-hand side.
            # os.cpu_count() or 1: CPU-based whatever the fallback.
            for value in node.values:
                try:
                    result = self._eval_maybe_cpu(value)
                except _Unknown:
                    if self.cpu_based:
                        raise
                    continue
                if result is _CPU:
                    self.cpu_based = True
                    raise _Unknown
                if result:
                    return result
            raise _Unknown
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            name = _dotted(node.value)
            if name in ("os.environ", "environ"):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.env_var = key.value
            raise _Unknown
        raise _Unknown

    def _eval_maybe_cpu(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Name) and node.id in self.cpu_names:
            return _CPU
        if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in _CPU_CALLS:
            return _CPU
        if isinstance(node, ast.Call) and _dotted(node.func) == "len" and node.args and \
                isinstance(node.args[0], ast.Call) and _dotted(node.args[0].func).endswith("sched_getaffinity"):
            return _CPU
        try:
            return self._eval(node)
        except _Unknown:
            if self.cpu_based:
                return _CPU
            raise

    def _call(self, node: ast.Call) -> Any:
        func = _dotted(node.func)
        last = func.rsplit(".", 1)[-1]
        if last in _CPU_CALLS:
            self.cpu_based = True
            raise _Unknown
        if func in ("os.environ.get", "environ.get", "os.getenv", "getenv", "os.environ.setdefault"):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                self.env_var = node.args[0].value
            default: ast.expr | None = node.args[1] if len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "default":
                    default = kw.value
            if default is None:
                raise _Unknown
            return self._eval(default)
        if func in ("int", "str", "float", "bool") and len(node.args) == 1:
            value = self._eval_maybe_cpu(node.args[0])
            if value is _CPU:
                self.cpu_based = True
                raise _Unknown
            if func == "bool" and isinstance(value, str):
                return _as_bool(value)
            try:
                return {"int": int, "str": str, "float": float, "bool": bool}[func](value)
            except (TypeError, ValueError):
                raise _Unknown from None
        if func in ("max", "min") and node.args:
            values = [self._eval_maybe_cpu(a) for a in node.args]
            if any(v is _CPU for v in values):
                self.cpu_based = True
                raise _Unknown
            try:
                return max(values) if func == "max" else min(values)
            except TypeError:
                raise _Unknown from None
        raise _Unknown


_CPU = object()


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        if isinstance(left, (str, list)) and isinstance(right, int) and right > 10_000:
            raise _Unknown
        return left * right
    if isinstance(op, ast.FloorDiv):
        return left // right
    if isinstance(op, ast.Div):
        return left / right
    if isinstance(op, ast.Mod):
        return left % right
    raise _Unknown


def _dotted(node: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _read_gunicorn(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        reader.problem(path, exc.lineno or 0, f"syntax error: {exc.msg}")
        return
    except (ValueError, RecursionError) as exc:
        reader.problem(path, 0, f"cannot parse: {exc}")
        return
    conf = GunicornSettings(path=rel)
    evaluator = _ConfEvaluator()

    def visit(body: Iterable[ast.stmt], conditional: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in _GUNICORN_HOOKS:
                conf.hooks[stmt.name] = _loc(rel, stmt.lineno, stmt.col_offset + 1)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if stmt.value is None:
                    continue
                record(targets, stmt.value, stmt, conditional)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                conf.settings[name] = Setting(name, None, _loc(rel, stmt.lineno, stmt.col_offset + 1),
                                              expr=ast.unparse(stmt), conditional=conditional)
                evaluator.names.pop(name, None)
            elif isinstance(stmt, ast.If):
                visit(stmt.body, True)
                visit(stmt.orelse, True)
            elif isinstance(stmt, ast.Try):
                visit(stmt.body, True)
                for handler in stmt.handlers:
                    visit(handler.body, True)
                visit(stmt.orelse, True)
                visit(stmt.finalbody, conditional)
            elif isinstance(stmt, ast.With):
                visit(stmt.body, conditional)

    def record(targets: Sequence[ast.expr], value_node: ast.expr, stmt: ast.stmt, conditional: bool) -> None:
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            try:
                value = evaluator.eval(value_node)
                known = True
            except (_Unknown, RecursionError):
                value, known = None, False
            cpu_based, env_var = evaluator.cpu_based, evaluator.env_var
            if known:
                evaluator.names[name] = value
                evaluator.cpu_names.discard(name)
            else:
                evaluator.names.pop(name, None)
                if cpu_based:
                    evaluator.cpu_names.add(name)
                else:
                    evaluator.cpu_names.discard(name)
            if name.startswith("_") or name.isupper():
                continue  # helpers and constants, not gunicorn settings
            conf.settings[name] = Setting(
                name, value, _loc(rel, stmt.lineno, stmt.col_offset + 1),
                expr=ast.unparse(value_node), cpu_based=cpu_based, env_var=env_var,
                conditional=conditional,
            )
            if name == "raw_env" and isinstance(value, list):
                for item in value:
                    if isinstance(item, str) and "=" in item:
                        key, _, env_value = item.partition("=")
                        reader.model.env.append(EnvSetting(key, env_value, _loc(rel, stmt.lineno), "gunicorn"))

    visit(tree.body, False)
    reader.model.gunicorn.append(conf)


# ==================================================================== nginx
def _read_nginx(reader: _Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    line = 1
    headers: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.split("#", 1)[0].strip()
        if re.match(r"(proxy_pass|uwsgi_pass|fastcgi_pass|grpc_pass)\b", stripped) and line == 1:
            line = number
        match = re.match(r"proxy_set_header\s+(\S+)", stripped)
        if match:
            headers.append(match.group(1).lower())
    reader.model.proxies.append(
        ProxyDecl(path.name, _loc(rel, line), kind="nginx", sets_headers=tuple(dict.fromkeys(headers)))
    )


# ================================================================ dispatch
_READERS: dict[str, Callable[[_Reader, Path, str], None]] = {
    "dockerfile": _read_dockerfile,
    "procfile": _read_procfile,
    "env": _read_dotenv,
    "compose": _read_compose,
    "appengine": _read_appengine,
    "fly": _read_fly,
    "uwsgi": _read_uwsgi,
    "gunicorn": _read_gunicorn,
    "nginx": _read_nginx,
}


def parse_deploy_files(paths: Sequence[Path], root: Path) -> DeployModel:
    """Read every deploy file in ``paths`` into one :class:`DeployModel`.

    Files are read in sorted order; a file whose kind is unknown is ignored.
    Never raises for bad input: every problem is in ``model.problems`` as
    ``(path, line, message)`` (line 0 when unknown).
    """
    reader = _Reader(root)
    for path in sorted(Path(p) for p in paths):
        kind = deploy_kind(path, at_root=True)
        if kind is None:
            continue
        text = reader.read(path)
        if text is None:
            continue
        reader.model.files.setdefault(kind, []).append(reader.rel(path))
        if not text.strip():
            continue
        try:
            _READERS[kind](reader, path, text)
        except RecursionError:
            reader.problem(path, 0, "too deeply nested; not read")
        except Exception as exc:  # a parser bug must not abort the whole check
            reader.problem(path, 0, f"internal error reading {kind} file: {type(exc).__name__}: {exc}")
    model = reader.model
    model.commands.sort(key=lambda c: c.source)
    model.problems.sort(key=lambda p: (str(p[0]), p[1], p[2]))
    return model
