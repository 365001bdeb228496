"""Facts shared by the server rules (moved from the family module).

FD404-FD411 — the server: how gunicorn and Flask-SocketIO are deployed.

These rules read the deploy model (:mod:`flask_doctor.static.deploy`:
Dockerfile, Procfile, compose, ``gunicorn.conf.py``...) together with the
Python code. Every finding points at the line of the deploy file to change
(the command line or the config setting) and cites the code that makes it a
problem (the blocking call, the Socket.IO object, the connection opened at
import).

Development files are skipped: ``docker-compose.override.yml``,
``docker-compose.dev.yml``, ``Dockerfile.dev``, ``Procfile.dev``,
``compose.local.yaml`` and services/processes named ``dev``/``local``/
``test`` are where ``--reload`` and a single worker belong.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.model import FACTORY, REQUEST, CallSite, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.facts.calls import (
    HTTP_VERBS,
    HTTPX_FUNCTIONS,
    REQUESTS_FUNCTIONS,
    REQUESTS_SESSION_TYPES,
    SLEEP,
    SUBPROCESS_BLOCKING,
    TINY_SLEEP,
    URLOPEN,
)

_DEV_TOKENS = {"dev", "develop", "development", "local", "override", "debug", "test", "tests", "testing", "ci", "e2e"}
GREEN_WORKERS = ("gevent", "eventlet")
#: gunicorn kills a worker silent for longer than this; more than five
#: minutes is no longer a safety net for a hung request.
MAX_TIMEOUT = 300


def _is_dev(path: str, process: str = "") -> bool:
    tokens = set(re.split(r"[^a-z0-9]+", path.lower())) | set(re.split(r"[^a-z0-9]+", process.lower()))
    return bool(tokens & _DEV_TOKENS)


# ---------------------------------------------------------------- gunicorn view
@dataclass
class Value:
    value: Any
    source: Location
    known: bool = True  # False: depends on an environment variable we cannot see


@dataclass
class Gunicorn:
    """One gunicorn deployment: a command line and/or its config file, merged."""

    source: Location  # where to point when a setting is missing
    label: str  # "`gunicorn -w 4 app:app` (Dockerfile CMD)" / "gunicorn.conf.py"
    settings: dict[str, Value] = field(default_factory=dict)
    hooks: set[str] = field(default_factory=set)
    conf_path: str | None = None
    #: False for a config file no visible command uses (started by a script or
    #: a unit file we cannot read): a setting it leaves out may be on that
    #: command line, so "not set" means "unknown", not "gunicorn's default".
    complete: bool = True
    process: str = ""  # ``service:web`` / ``web`` / ``CMD``

    def get(self, name: str) -> Value | None:
        return self.settings.get(name)

    def known(self, name: str) -> Any:
        value = self.settings.get(name)
        return value.value if value is not None and value.known else None


_FIELDS = ("workers", "worker_class", "threads", "timeout", "max_requests", "max_requests_jitter", "reload", "preload")
_CONF_NAMES = {"preload": "preload_app"}


def _conf_value(deploy: Any, setting: Any) -> Value:
    value = setting.value
    known = value is not None
    if getattr(setting, "env_var", None):
        env = deploy.env_value(setting.env_var)
        if env is not None and env.value is not None:
            value, known = _parse_scalar(env.value), True
        else:
            known = value is not None  # the default applies unless the variable is set elsewhere
    if getattr(setting, "conditional", False):
        known = False
    return Value(value, setting.source, known)


def _parse_scalar(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True if lowered != "1" else 1
    if lowered in ("false", "no", "off", "0"):
        return False if lowered != "0" else 0
    try:
        return int(text)
    except ValueError:
        return text


def gunicorn_deployments(project: Project) -> list[Gunicorn]:
    """Production gunicorn deployments, each with its effective settings."""
    cached = getattr(project, "_fd4_gunicorn", None)
    if cached is not None:
        return cached
    deploy = project.deploy
    found: list[Gunicorn] = []
    used: set[str] = set()
    if deploy is not None:
        for cmd in getattr(deploy, "commands", []):
            if cmd.server != "gunicorn" or _is_dev(cmd.source.path, cmd.process):
                continue
            conf = deploy.gunicorn_config_for(cmd)
            text = " ".join(cmd.argv)
            if len(text) > 70:
                text = text[:67] + "..."
            item = Gunicorn(cmd.source, f"`{text}`", process=cmd.process)
            if conf is None and cmd.config_file:
                item.complete = False  # -c names a file we did not find
            if conf is not None:
                used.add(conf.path)
                item.conf_path = conf.path
                item.hooks = set(conf.hooks)
                for name in _FIELDS:
                    setting = conf.get(_CONF_NAMES.get(name, name))
                    if setting is not None:
                        item.settings[name] = _conf_value(deploy, setting)
            for name in _FIELDS:
                if name in cmd.unresolved:
                    item.settings[name] = Value(None, cmd.source, known=False)
                    continue
                value = getattr(cmd, name)
                if value is None or value is False:
                    continue  # not on the command line: the config file or gunicorn's default decides
                item.settings[name] = Value(value, cmd.source)
            found.append(item)
        for conf in getattr(deploy, "gunicorn", []):
            if conf.path in used or _is_dev(conf.path):
                continue
            anchor = min((s.source for s in conf.settings.values()), key=lambda loc: loc.line, default=Location(conf.path, 1, 1))
            item = Gunicorn(anchor, f"`{conf.path}`", conf_path=conf.path, hooks=set(conf.hooks), complete=False)
            for name in _FIELDS:
                setting = conf.get(_CONF_NAMES.get(name, name))
                if setting is not None:
                    item.settings[name] = _conf_value(deploy, setting)
            found.append(item)
    project._fd4_gunicorn = found  # type: ignore[attr-defined]
    return found


def _worker_class(item: Gunicorn) -> str | None:
    """``sync``/``gthread``/``gevent``/``eventlet``/other; None when unknown."""
    value = item.get("worker_class")
    if value is None:
        if not item.complete:
            return None
        threads = _threads(item)
        return "gthread" if threads is not None and threads > 1 else "sync"  # gunicorn switches to gthread
    if not value.known or not isinstance(value.value, str):
        return None
    raw = value.value.lower()
    for green in GREEN_WORKERS:
        if green in raw:
            return green
    if "gthread" in raw or raw.endswith("threadworker"):
        return "gthread"
    if raw in ("sync", "gunicorn.workers.sync.syncworker"):
        return "sync"
    if "uvicorn" in raw or "asgi" in raw:
        return "asgi"
    return raw


def _threads(item: Gunicorn) -> int | None:
    value = item.get("threads")
    if value is None:
        return 1 if item.complete else None
    return value.value if value.known and isinstance(value.value, int) else None


def _describe(item: Gunicorn) -> str:
    where = f"{item.source.path}:{item.source.line}"
    return f"{item.label} ({where})"


# -------------------------------------------------------------- code facts
def _site_type(project: Project, site: CallSite) -> str | None:
    """``requests.Session.get`` for ``http.get`` when ``http`` is a module-level session."""
    owner, _, method = site.name.rpartition(".")
    obj = project.objects.get(owner)
    if obj is not None:
        return f"{obj.type}.{method}"
    return None


def blocking_request_sites(project: Project) -> list[tuple[CallSite, str]]:
    """Blocking network/sleep/subprocess calls reached from request code."""
    cached = getattr(project, "_fd4_blocking_sites", None)
    if cached is not None:
        return cached
    found: list[tuple[CallSite, str]] = []
    for site in project.calls:
        fn = site.function
        if fn is None or REQUEST not in fn.contexts or _is_test(site):
            continue
        name = site.name
        typed = _site_type(project, site) or name
        owner, _, method = typed.rpartition(".")
        label = dotted(site.node.func) or name
        if name in REQUESTS_FUNCTIONS or typed in REQUESTS_FUNCTIONS or (
            method in HTTP_VERBS and owner in REQUESTS_SESSION_TYPES
        ) or name in URLOPEN or name in HTTPX_FUNCTIONS:
            found.append((site, f"`{label}(...)` (HTTP call)"))
        elif name in SUBPROCESS_BLOCKING:
            found.append((site, f"`{label}(...)` (waits for a subprocess)"))
        elif name in SLEEP:
            arg = site.node.args[0] if site.node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and arg.value < TINY_SLEEP:
                continue
            found.append((site, f"`{label}(...)` (sleep)"))
    project._fd4_blocking_sites = found  # type: ignore[attr-defined]
    return found


def _is_test(site: CallSite) -> bool:
    path = f"/{site.module.path}"
    last = site.module.name.rsplit(".", 1)[-1]
    return "/tests/" in path or "/test/" in path or last.startswith("test_") or last == "conftest"


def _site_evidence(site: CallSite, label: str) -> Evidence:
    where = f" in `{site.function.display}`" if site.function is not None else ""
    return Evidence(f"blocking call {label}{where}", Location(site.module.path, site.node.lineno, site.node.col_offset + 1))


@dataclass
class SocketIOUse:
    location: Location
    message_queue: bool
    async_mode: str | None
    async_mode_at: Location | None


SOCKETIO_TYPES = {"flask_socketio.SocketIO"}


def socketio_uses(project: Project) -> list[SocketIOUse]:
    """``SocketIO(app, ...)`` objects, merged with their ``init_app(app, ...)`` calls."""
    cached = getattr(project, "_fd4_socketio", None)
    if cached is not None:
        return cached
    uses: dict[str, SocketIOUse] = {}
    seen_calls: set[int] = set()
    for obj in project.objects.values():
        if obj.type not in SOCKETIO_TYPES or id(obj.call) in seen_calls or _is_test_path(obj.module.path, obj.module.name):
            continue
        seen_calls.add(id(obj.call))
        use = SocketIOUse(obj.location, False, None, None)
        _absorb(use, obj.call, obj.module.path)
        uses[obj.qualname] = use
    for site in project.calls:
        if _is_test_path(site.module.path, site.module.name):
            continue
        if site.name.endswith(".init_app"):
            owner = site.name[: -len(".init_app")]
            obj = project.objects.get(owner)
            if obj is not None and obj.type in SOCKETIO_TYPES and owner in uses:
                _absorb(uses[owner], site.node, site.module.path)
        elif site.name in SOCKETIO_TYPES and site.function is not None:
            # SocketIO(app) built inside a factory
            use = SocketIOUse(Location(site.module.path, site.node.lineno, site.node.col_offset + 1), False, None, None)
            _absorb(use, site.node, site.module.path)
            uses[f"{site.module.name}:{site.node.lineno}"] = use
    result = list(uses.values())
    project._fd4_socketio = result  # type: ignore[attr-defined]
    return result


def _is_test_path(path: str, name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return "/tests/" in f"/{path}" or last.startswith("test_") or last == "conftest"


def _absorb(use: SocketIOUse, call: ast.Call, path: str) -> None:
    for kw in call.keywords:
        if kw.arg is None:
            use.message_queue = True  # **options may carry it: assume configured
        elif kw.arg == "message_queue" and not (isinstance(kw.value, ast.Constant) and kw.value.value is None):
            use.message_queue = True
        elif kw.arg == "async_mode":
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                use.async_mode = kw.value.value
                use.async_mode_at = Location(path, kw.value.lineno, kw.value.col_offset + 1)
            else:
                use.async_mode = "?"


def _mode_problem(mode: str | None, item: Gunicorn) -> str | None:
    worker = _worker_class(item)
    threads = _threads(item)
    if worker is None:
        return None
    if mode in GREEN_WORKERS and worker in GREEN_WORKERS and mode != worker:
        return f"`async_mode=\"{mode}\"` under {worker} workers: the two event loops cannot run together"
    if mode in GREEN_WORKERS and worker in ("sync", "gthread"):
        return (
            f"`async_mode=\"{mode}\"` under {worker} workers: the {mode} server is never started, so "
            f"WebSocket upgrades fail and blocking waits stall the worker"
        )
    if mode == "threading" and worker in GREEN_WORKERS:
        return f"`async_mode=\"threading\"` under {worker} workers: Socket.IO's threads fight the {worker} hub"
    if worker == "sync" and threads == 1 and mode in (None, "threading"):
        return (
            "Socket.IO served by sync workers with one thread: each open connection holds the worker, "
            "so one client blocks everybody else"
        )
    return None


_UWSGI_GREEN = ("--gevent", "--async", "--ugreen", "--greenlet", "--asyncio")


def _single_threaded_uwsgi(project: Project) -> list[tuple[Any, int | None]]:
    """uWSGI commands (with their ini) that serve one request per process."""
    deploy = project.deploy
    found: list[tuple[Any, int | None]] = []
    if deploy is None:
        return found
    for cmd in getattr(deploy, "commands", []):
        if cmd.server != "uwsgi" or _is_dev(cmd.source.path, cmd.process) or cmd.unresolved:
            continue
        ini = None
        if cmd.config_file:
            wanted = cmd.config_file.split(":", 1)[0].lstrip("./")
            ini = next((u for u in getattr(deploy, "uwsgi", []) if u.path == wanted or u.path.endswith("/" + wanted)), None)
            if ini is None:
                continue  # the settings live in a file we did not read
        green = any(a.split("=", 1)[0] in _UWSGI_GREEN for a in cmd.argv) or (
            ini is not None and ini.get("gevent", "async", "ugreen", "greenlet", "asyncio") is not None
        )
        threads = cmd.threads if cmd.threads is not None else (ini.threads if ini is not None else None)
        if ini is not None and ini.get("threads") is not None and ini.threads is None:
            continue  # threads from a variable
        if green or (threads is not None and threads > 1):
            continue
        processes = cmd.workers if cmd.workers is not None else (ini.processes if ini is not None else None)
        found.append((cmd, processes))
    return found


# ===================================================================== FD411
DB_CONNECT_CALLS = {
    "psycopg2.connect", "psycopg.connect", "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    "sqlite3.connect", "pymongo.MongoClient", "cx_Oracle.connect", "oracledb.connect",
}
THREAD_TYPES = {"threading.Thread", "threading.Timer", "multiprocessing.Process"}
SCHEDULER_PREFIXES = ("apscheduler.schedulers.", "flask_apscheduler.")


def import_time_resources(project: Project) -> Iterator[tuple[Location, str]]:
    """Connections opened and threads started while the app is imported."""
    factory_at_import = any(
        site.function is None and not site.in_main and (fn := project.resolve_function(dotted(site.node.func) or "", None, site.module)) is not None
        and FACTORY in fn.roles
        for site in project.calls
    )
    for site in project.calls:
        if site.in_main or _is_test(site):
            continue
        fn = site.function
        if fn is not None and not (factory_at_import and FACTORY in fn.contexts and len(fn.contexts) == 1):
            continue
        loc = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        node = site.node
        name = site.name
        if name in DB_CONNECT_CALLS:
            yield loc, f"opens a database connection (`{dotted(node.func)}(...)`)"
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        attr = node.func.attr
        receiver = node.func.value
        receiver_type = _receiver_type(project, site, receiver)
        if attr == "start" and receiver_type:
            if receiver_type in THREAD_TYPES:
                yield loc, f"starts a thread (`{ast.unparse(node)[:60]}`)"
            elif receiver_type.startswith(SCHEDULER_PREFIXES):
                yield loc, f"starts a scheduler thread (`{ast.unparse(node)[:60]}`)"
        elif attr in ("connect", "begin", "raw_connection") and receiver_type == "sqlalchemy.create_engine":
            yield loc, f"opens a database connection (`{ast.unparse(node)[:60]}`)"
        elif attr == "create_all" and receiver_type in ("flask_sqlalchemy.SQLAlchemy",):
            yield loc, f"connects to the database (`{ast.unparse(node)[:60]}`)"


def _receiver_type(project: Project, site: CallSite, receiver: ast.expr) -> str | None:
    if isinstance(receiver, ast.Call):
        table = site.function.imports if site.function is not None else project.module_imports.get(site.module.name)
        return table.qualify(dotted(receiver.func) or "") if table is not None else None
    name = dotted(receiver)
    if not name:
        return None
    if site.function is not None and name in site.function.local_types:
        return site.function.local_types[name]
    obj = project.objects.get(f"{site.module.name}.{name}")
    if obj is None:
        table = project.module_imports.get(site.module.name)
        qualified = table.qualify(name) if table is not None else None
        obj = project.objects.get(qualified or "")
    return obj.type if obj is not None else None
