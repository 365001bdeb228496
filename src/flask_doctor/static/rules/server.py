"""FD404-FD411 — the server: how gunicorn and Flask-SocketIO are deployed.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.model import FACTORY, REQUEST, CallSite, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid
from flask_doctor.static.rules.blocking import (
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


# ===================================================================== FD404
class SocketioMultiWorkerWithoutQueue(Rule):
    """
    ## What it does
    Finds Flask-SocketIO applications deployed with more than one worker
    process or host (gunicorn `-w N`/`workers = N`, uWSGI `processes`,
    compose `replicas`/`scale`) and no `message_queue=`, and gunicorn
    deployments of Socket.IO where every gunicorn server runs several
    workers, even when a queue is set.

    ## Why is this bad?
    Each Socket.IO server keeps its clients in memory. With several
    processes, `emit(..., to=room)` in one worker never reaches clients
    connected to another — messages are silently lost — unless the servers
    share a message queue (Redis, RabbitMQ, Kafka). Long-polling clients
    also need every request to reach the same process: gunicorn cannot
    route that ("sticky sessions"), so Flask-SocketIO supports a single
    gunicorn worker per server; scale with several single-worker servers
    behind a load balancer with sticky sessions, plus a message queue.

    A missing `ping_interval`/`ping_timeout` is **not** a problem:
    python-engineio already defaults to 25 s and 20 s.

    ## Example
    ```python
    socketio = SocketIO(app)
    ```
    ```dockerfile
    CMD gunicorn -k eventlet -w 4 app:app
    ```

    ## Use instead
    ```python
    socketio = SocketIO(app, message_queue=os.environ["REDIS_URL"])
    ```
    ```dockerfile
    CMD gunicorn -k eventlet -w 1 app:app
    ```
    and several such containers behind nginx with `ip_hash`.

    ## Fix safety
    No automatic fix: the queue is infrastructure.

    ## References
    - Flask-SocketIO docs: "Deployment" — "Using Multiple Workers", "Gunicorn Web Server"
    - python-engineio: `ping_interval=25`, `ping_timeout=20` defaults
    """

    code = "FD404"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "socketio-multi-worker-without-queue"
    severity = Severity.WARNING
    catalog = ("S08",)
    summary = "Flask-SocketIO with several worker processes/hosts and no message queue loses messages."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)  # no ping_interval/ping_timeout: engineio's defaults are fine
            """, files={"Procfile": "web: gunicorn -k eventlet -w 1 app:app\n"}),
        Valid("""
            import os
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, message_queue=os.environ["REDIS_URL"], async_mode="eventlet")
            """, files={"docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -k eventlet -w 1 app:app
                deploy:
                  replicas: 3
            """}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="eventlet")  # expect
            """, message="no `message_queue`", files={"Dockerfile": "FROM python:3.12\nCMD gunicorn -k eventlet -w 4 app:app\n"}),
        Invalid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, message_queue="redis://redis:6379/0")
            """, message="cannot send a client's polling requests to the same worker",
            files={"Procfile": "web: gunicorn -k eventlet -w 4 app:app  # expect\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        uses = socketio_uses(project)
        if not uses:
            return
        deploy = project.deploy
        if deploy is None:
            return
        many = []
        for decl in deploy.declared_workers():
            if _is_dev(decl.source.path):
                continue
            processes = decl.processes if decl.processes is not None else (3 if decl.cpu_based else None)
            total = (processes or 1) * (decl.replicas or 1)
            if decl.cpu_based or total > 1:
                many.append((decl, total))
        replicated = [s for s in getattr(deploy, "services", []) if (s.replicas or s.scale or 1) > 1 and not s.is_proxy and not _is_dev(s.source.path)]
        for use in uses:
            if not use.message_queue:
                evidence: list[Evidence] = []
                for decl, total in many[:3]:
                    if decl.cpu_based:
                        shown = "a CPU-based number of worker processes"
                    elif decl.replicas and decl.replicas > 1:
                        shown = f"{decl.processes or 1} worker process(es) × {decl.replicas} replicas"
                    else:
                        shown = f"{total} worker processes"
                    evidence.append(Evidence(f"{decl.server} runs {shown}", decl.source))
                for service in replicated[:2]:
                    if not any(d.replicas for d, _ in many):
                        evidence.append(Evidence(f"service `{service.name}` runs {service.replicas or service.scale} replicas", service.source))
                if not evidence:
                    continue
                report(
                    self.finding(
                        use.location,
                        "Flask-SocketIO has no `message_queue` but is deployed with several worker processes/hosts: "
                        "an `emit` in one process never reaches clients connected to another",
                        hint="Pass `message_queue=\"redis://...\"` and run one worker per gunicorn server, several servers "
                        "behind a load balancer with sticky sessions.",
                        evidence=evidence,
                    )
                )
                continue
            gunicorn_decls = [d for d in deploy.declared_workers() if d.server == "gunicorn" and not _is_dev(d.source.path)]
            multi_gunicorn = [(d, t) for d, t in many if d.server == "gunicorn" and ((d.processes or 0) > 1 or d.cpu_based)]
            if multi_gunicorn and len(multi_gunicorn) == len(gunicorn_decls):  # no single-worker server for Socket.IO
                decl, total = multi_gunicorn[0]
                report(
                    self.finding(
                        decl.source,
                        f"gunicorn runs {'a CPU-based number of' if decl.cpu_based else decl.processes} workers for a "
                        f"Flask-SocketIO app: gunicorn cannot send a client's polling requests to the same worker, so "
                        f"connections fail with \"Invalid session\" even with a message queue",
                        hint="Use one gunicorn worker per server (`-w 1`) and scale with several servers behind a "
                        "load balancer with sticky sessions.",
                        evidence=[Evidence("Socket.IO server created here", use.location)],
                    )
                )


# ===================================================================== FD405
class SocketioAsyncModeMismatch(Rule):
    """
    ## What it does
    Compares Flask-SocketIO's `async_mode` with the gunicorn worker class
    that serves the app: `async_mode="eventlet"` under `-k gevent`,
    `"gevent"` under eventlet, `eventlet`/`gevent` under sync or gthread
    workers, `"threading"` under gevent/eventlet workers, and Socket.IO
    served by plain sync workers with one thread.

    ## Why is this bad?
    The async mode decides which server primitives Socket.IO uses. Under a
    different worker class the WebSocket upgrade fails, the app falls back
    to long-polling, or blocking calls stall every connection of the
    worker. A sync worker with one thread can hold only one connection at a
    time: one open WebSocket blocks the worker for everybody else.

    When several gunicorn deployments serve the app and one of them fits
    (say `-k eventlet -w 1` next to a gthread web service), Socket.IO
    traffic is taken to be routed there and the others are not reported.
    Not reported either: no `async_mode` with a green or threaded worker
    (Flask-SocketIO picks the mode from what is installed), and missing
    `ping_interval`/`ping_timeout` (engineio's 25 s/20 s defaults are fine).

    ## Example
    ```python
    socketio = SocketIO(app, async_mode="eventlet")
    ```
    ```dockerfile
    CMD gunicorn -k gevent -w 1 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -k eventlet -w 1 app:app
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-SocketIO docs: "Deployment" — "Gunicorn Web Server"
    - Flask-SocketIO API: `SocketIO(async_mode=...)`
    """

    code = "FD405"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "socketio-async-mode-mismatch"
    severity = Severity.WARNING
    catalog = ("S08",)
    summary = "Flask-SocketIO `async_mode` does not match the gunicorn worker class."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="threading")
            """, files={"Procfile": "web: gunicorn -w 1 --threads 100 app:app\n"}),
        Valid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)
            """, files={"Procfile": "web: gunicorn -k gevent -w 1 app:app\n"}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="eventlet")
            """, message="under gevent workers", files={"Procfile": "web: gunicorn -k gevent -w 1 app:app  # expect\n"}),
        Invalid("""
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)
            """, message="sync workers with one thread", files={"Procfile": "web: gunicorn -w 1 app:app  # expect\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        uses = socketio_uses(project)
        if not uses:
            return
        deployments = gunicorn_deployments(project)
        for use in uses:
            problems = [(item, _mode_problem(use.async_mode, item)) for item in deployments]
            if any(problem is None and _worker_class(item) is not None for item, problem in problems):
                continue  # one deployment fits: Socket.IO traffic is presumably routed there
            for item, problem in problems:
                if problem is None:
                    continue
                report(
                    self.finding(
                        item.source,
                        f"{item.label}: {problem}",
                        hint="Run `gunicorn -k eventlet -w 1` (or `-k gevent`/`geventwebsocket` with "
                        "`async_mode=\"gevent\"`), or `--threads 100` with `async_mode=\"threading\"`.",
                        evidence=[Evidence("Socket.IO server created here", use.location)]
                        + ([Evidence(f"async_mode=\"{use.async_mode}\"", use.async_mode_at)] if use.async_mode_at else []),
                    )
                )


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


# ===================================================================== FD406
class SyncWorkersWithBlockingIo(Rule):
    """
    ## What it does
    Finds gunicorn deployments with sync workers and one thread (the
    default: no `-k`, no `--threads`), and uWSGI started with one thread
    per process and no gevent/async mode, for an app whose request code makes
    blocking network calls (requests/urllib/httpx, subprocess waits,
    sleeps). The finding shows the command line and one such call site.

    ## Why is this bad?
    A sync worker serves exactly one request at a time. While a view waits
    for an external API the worker does nothing else, so capacity is
    `workers` concurrent requests in total: a slow upstream (a payment
    provider taking 10 s) queues every other request behind it, and
    requests start failing with worker timeouts. gunicorn's docs recommend
    threads or an async worker class for apps that make such calls.

    Not reported: `--threads N` (gthread), gevent/eventlet workers, worker
    classes set through variables we cannot see, dev files, and apps whose
    request code makes no blocking calls.

    ## Example
    ```dockerfile
    CMD gunicorn -w 4 shop:app
    ```
    ```python
    @app.post("/checkout")
    def checkout():
        requests.post(PAYMENT_URL, json=order, timeout=10)
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -w 4 --threads 8 shop:app
    ```
    or `-k gevent` when the code is gevent-safe.

    ## Fix safety
    No automatic fix: threads need thread-safe code, gevent needs
    monkey-patching.

    ## References
    - gunicorn docs: "Design" — "Choosing a Worker Type"
    - gunicorn docs: settings `threads`, `worker_class`
    """

    code = "FD406"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "sync-workers-with-blocking-io"
    severity = Severity.WARNING
    catalog = ("S09", "S17")
    summary = "gunicorn sync workers (one thread) serve an app whose views make blocking network calls."

    VALID = (
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.post("/checkout")
            def checkout():
                return requests.post("https://pay.example.com", timeout=10).text
            """, files={"Procfile": "web: gunicorn -w 4 --threads 8 app:app\n"}),
        Valid("""
            import click
            import requests

            @click.command()
            def sync():
                requests.get("https://example.com", timeout=5)
            """, files={"Procfile": "web: gunicorn -w 4 app:app\n"}),
        Valid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=5).text
            """, files={
                "Dockerfile": "FROM python:3.12\nCMD [\"uwsgi\", \"--ini\", \"uwsgi.ini\"]\n",
                "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nthreads = 8\n",
            }),
    )
    INVALID = (
        Invalid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.post("/checkout")
            def checkout():
                return requests.post("https://pay.example.com", timeout=10).text
            """, message="runs sync workers with one thread", files={"Procfile": "web: gunicorn -w 4 app:app  # expect\n"}),
        Invalid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=5).text
            """, message="runs uWSGI with one thread per process (4 processes)", files={
                "Procfile": "web: uwsgi --http :8000 --module app:app --processes 4  # expect\n",
            }),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        sites = blocking_request_sites(project)
        if not sites:
            return
        for cmd, processes in _single_threaded_uwsgi(project):
            _site, label = sites[0]
            text = " ".join(cmd.argv)
            report(
                self.finding(
                    cmd.source,
                    f"`{text[:67] + '...' if len(text) > 70 else text}` runs uWSGI with one thread per process"
                    f"{f' ({processes} processes)' if processes else ''}, and request code makes blocking calls such as "
                    f"{label}: while they wait the process serves nobody",
                    hint="Add `threads = 4` (and `enable-threads`) or use `gevent = 100` with gevent-safe code; keep timeouts on every call.",
                    evidence=[_site_evidence(s, lab) for s, lab in sites[:3]],
                )
            )
        for item in gunicorn_deployments(project):
            worker = _worker_class(item)
            threads = _threads(item)
            if worker not in ("sync", "gthread") or threads != 1:
                continue
            _site, label = sites[0]
            workers = item.known("workers")
            capacity = f"{workers} concurrent request{'s' if workers != 1 else ''}" if isinstance(workers, int) else "one request per worker"
            report(
                self.finding(
                    item.source,
                    f"{item.label} runs {worker} workers with one thread, and request code makes blocking calls such as "
                    f"{label}: while they wait the worker serves nobody (capacity: {capacity})",
                    hint="Add threads (`--threads 4`..`8`, gthread) or use `-k gevent` for I/O-bound apps; keep timeouts on every call.",
                    evidence=[_site_evidence(s, lab) for s, lab in sites[:3]],
                )
            )


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


# ===================================================================== FD407
class GunicornTimeoutDisabled(Rule):
    """
    ## What it does
    Finds gunicorn deployments with the worker timeout disabled (`-t 0`,
    `timeout = 0`) or set above five minutes.

    ## Why is this bad?
    The timeout is gunicorn's safety net: a worker silent for longer is
    killed and replaced. Without it, a request stuck on a hung database or
    an API without a timeout holds its worker for ever; a few of them and
    the app stops answering while gunicorn still reports it as running.
    gunicorn's default is 30 seconds, so *not setting* a timeout is fine
    and is not reported.

    ## Example
    ```dockerfile
    CMD gunicorn --timeout 0 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn --timeout 60 app:app
    ```
    and move work that takes minutes to a background job.

    ## Fix safety
    No automatic fix: long-running views (exports, uploads) must move to
    jobs first.

    ## References
    - gunicorn docs: settings — `timeout` (default 30)
    """

    code = "FD407"
    name = "gunicorn-timeout-disabled"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn worker timeout disabled (0) or above five minutes."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"Procfile": "web: gunicorn app:app\n"}),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"Dockerfile": "FROM python:3.12\nCMD gunicorn --timeout 120 app:app\n"}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="disables the worker timeout", files={"Procfile": "web: gunicorn -t 0 app:app  # expect\n"}),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="600 s", files={"gunicorn.conf.py": "bind = '0.0.0.0:8000'\ntimeout = 600  # expect\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in gunicorn_deployments(project):
            value = item.get("timeout")
            if value is None or not value.known or not isinstance(value.value, int) or isinstance(value.value, bool):
                continue
            if value.value == 0:
                what = "disables the worker timeout (0)"
            elif value.value > MAX_TIMEOUT:
                what = f"sets the worker timeout to {value.value} s"
            else:
                continue
            report(
                self.finding(
                    value.source,
                    f"{item.label} {what}: a request stuck on a hung call holds its worker "
                    f"{'for ever' if value.value == 0 else 'for minutes'} before gunicorn replaces it",
                    hint="Keep gunicorn's timeout short (the default 30 s, or 60-120 s) and move long work to background jobs.",
                )
            )


# ===================================================================== FD408
class GunicornNoMaxRequests(Rule):
    """
    ## What it does
    Notes gunicorn deployments without `max_requests` (`--max-requests`),
    and those with `max_requests` but no `max_requests_jitter`.

    ## Why is this bad?
    `max_requests` restarts each worker after that many requests, which
    caps slow memory leaks (in the app or in C extensions) that would
    otherwise grow until the container is OOM-killed. Without jitter every
    worker reaches the limit at about the same moment and they all restart
    together, dropping capacity to zero for a moment. This is advice, not
    a bug: the severity is *note*.

    ## Example
    ```dockerfile
    CMD gunicorn -w 4 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -w 4 --max-requests 1000 --max-requests-jitter 100 app:app
    ```

    ## Fix safety
    Adding both settings is safe; not automatic because the values depend
    on traffic.

    ## References
    - gunicorn docs: settings — `max_requests`, `max_requests_jitter`
    """

    code = "FD408"
    name = "gunicorn-no-max-requests"
    severity = Severity.NOTE
    catalog = ("S09",)
    summary = "gunicorn without `max_requests` (+ jitter) to recycle workers that leak."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"Procfile": "web: gunicorn --max-requests 1000 --max-requests-jitter 100 app:app\n"}),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"gunicorn.conf.py": "max_requests = 1000\nmax_requests_jitter = 50\n"}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="no `max_requests`", files={"Procfile": "web: gunicorn -w 4 app:app  # expect\n"}),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="without `max_requests_jitter`", files={"Procfile": "web: gunicorn --max-requests 500 app:app  # expect\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in gunicorn_deployments(project):
            max_requests = item.get("max_requests")
            jitter = item.get("max_requests_jitter")
            if max_requests is None and item.complete:
                report(
                    self.finding(
                        item.source,
                        f"{item.label} never recycles its workers (no `max_requests`): a slow memory leak grows until "
                        f"the process is killed",
                        hint="Add `--max-requests 1000 --max-requests-jitter 100` (or `max_requests`/`max_requests_jitter` in gunicorn.conf.py).",
                    )
                )
            elif max_requests is not None and max_requests.known and max_requests.value and jitter is None and item.complete:
                report(
                    self.finding(
                        max_requests.source,
                        f"{item.label} sets `max_requests` without `max_requests_jitter`: all workers reach the limit "
                        f"together and restart at the same moment",
                        hint="Add `--max-requests-jitter` of about 10% of max_requests.",
                    )
                )


# ===================================================================== FD409
class GunicornWorkerCount(Rule):
    """
    ## What it does
    Compares the number of gunicorn worker processes with the CPUs the
    deployment declares (compose `cpus:` or
    `deploy.resources.limits.cpus`): more than twice the usual
    `2 × CPUs + 1`, or — for sync workers with one thread — fewer workers
    than CPUs.

    ## Why is this bad?
    Each worker is a full copy of the app in memory. Far more workers than
    the CPU limit allows do not add throughput; they compete for the same
    CPU share, get throttled, and multiply memory use until the container
    is OOM-killed. Far fewer single-threaded sync workers than CPUs leave
    the CPUs idle while requests queue.

    Only reported when the CPU is declared. A CPU-based formula
    (`multiprocessing.cpu_count() * 2 + 1`) is not reported, nor are
    deployments that use threads or an async worker class when they have
    few processes.

    ## Example
    ```yaml
    services:
      web:
        command: gunicorn -w 16 app:app
        deploy:
          resources:
            limits:
              cpus: "1"
    ```

    ## Use instead
    ```yaml
        command: gunicorn -w 3 --threads 4 app:app
    ```

    ## Fix safety
    No automatic fix: measure memory per worker first.

    ## References
    - gunicorn docs: "Design" — "How Many Workers?" (2-4 × cores)
    - Docker docs: compose `deploy.resources.limits.cpus`
    """

    code = "FD409"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "gunicorn-worker-count"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn worker count far from 2 × CPUs + 1 for the CPUs the deployment declares."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 3 app:app
                cpus: 1
            """}),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 1 --threads 8 app:app
                cpus: 4
              api:
                command: gunicorn -w 64 app:app
            """}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="16 workers", files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 16 app:app  # expect
                deploy:
                  resources:
                    limits:
                      cpus: "1"
            """}),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="fewer", files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 1 app:app  # expect
                cpus: 4
            """}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        deploy = project.deploy
        if deploy is None:
            return
        services = {s.name: s for s in getattr(deploy, "services", [])}
        for item in gunicorn_deployments(project):
            if not item.process.startswith("service:"):
                continue
            service = services.get(item.process[len("service:"):])
            if service is None or not getattr(service, "cpus", None):
                continue
            workers = item.get("workers")
            if workers is None or not workers.known or not isinstance(workers.value, int) or isinstance(workers.value, bool):
                continue
            if item.conf_path is not None and workers.source.path == item.conf_path:
                setting = next((c.get("workers") for c in deploy.gunicorn if c.path == item.conf_path), None)
                if setting is not None and setting.cpu_based:
                    continue
            cpus = float(service.cpus)
            usual = int(2 * cpus + 1)
            count = workers.value
            unit = "CPU" if cpus <= 1 else "CPUs"
            evidence = [Evidence(f"service `{service.name}` may use {cpus:g} {unit}", service.cpus_source)]
            if count > 2 * usual:
                report(
                    self.finding(
                        workers.source,
                        f"{item.label} runs {count} workers on {cpus:g} {unit} (about {usual} is usual): the extra "
                        f"processes compete for the same CPU share and multiply memory use",
                        hint=f"Use about {usual} workers, and threads (`--threads`) for I/O-bound work.",
                        evidence=evidence,
                    )
                )
            elif count < cpus and _worker_class(item) == "sync" and _threads(item) == 1:
                report(
                    self.finding(
                        workers.source,
                        f"{item.label} runs {count} single-threaded sync worker{'s' if count != 1 else ''}, fewer than "
                        f"the {cpus:g} CPUs it may use: requests queue while CPUs stay idle",
                        hint=f"Use about {usual} workers, or add threads.",
                        evidence=evidence,
                        severity=min(self.effective_severity, Severity.NOTE),
                    )
                )


# ===================================================================== FD410
class GunicornReloadInProduction(Rule):
    """
    ## What it does
    Finds `--reload` / `reload = True` in gunicorn commands and config files
    that are not development files.

    ## Why is this bad?
    `--reload` watches the source tree and restarts workers when a file
    changes. In production it costs CPU (polling every file, or inotify on
    the whole tree), restarts workers when logs or uploads are written
    under the watched directory, and is incompatible with `--preload`. Dev
    files (`docker-compose.override.yml`, `docker-compose.dev.yml`,
    `Procfile.dev`, services named `dev`) are where it belongs and are not
    reported.

    ## Example
    ```yaml
    # docker-compose.yml
    services:
      web:
        command: gunicorn --reload -w 4 app:app
    ```

    ## Use instead
    ```yaml
    # docker-compose.override.yml (development only)
    services:
      web:
        command: gunicorn --reload app:app
    ```

    ## Fix safety
    Removing `--reload` is safe; not automatic because the file might be
    a development file under another name.

    ## References
    - gunicorn docs: settings — `reload` ("This setting is intended for development")
    """

    code = "FD410"
    name = "gunicorn-reload-in-production"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn `--reload` in a production command or config."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"docker-compose.override.yml": """
            services:
              web:
                command: gunicorn --reload app:app
            """}),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            """, files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 4 app:app
            """}),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            """, message="`--reload`", files={"docker-compose.yml": """
            services:
              web:
                command: gunicorn --reload -w 4 app:app  # expect
            """}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in gunicorn_deployments(project):
            value = item.get("reload")
            if value is None or not value.known or value.value is not True:
                continue
            report(
                self.finding(
                    value.source,
                    f"{item.label} runs gunicorn with `--reload` in a production file: it watches the source tree "
                    f"and restarts workers on every change",
                    hint="Drop `--reload` here; put it in a development file (docker-compose.override.yml, Procfile.dev).",
                )
            )


# ===================================================================== FD411
DB_CONNECT_CALLS = {
    "psycopg2.connect", "psycopg.connect", "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    "sqlite3.connect", "pymongo.MongoClient", "cx_Oracle.connect", "oracledb.connect",
}
THREAD_TYPES = {"threading.Thread", "threading.Timer", "multiprocessing.Process"}
SCHEDULER_PREFIXES = ("apscheduler.schedulers.", "flask_apscheduler.")


class PreloadWithImportTimeResources(Rule):
    """
    ## What it does
    Finds gunicorn deployments with `--preload` / `preload_app = True`
    whose app opens per-process resources while it is imported: database
    connections (`psycopg2.connect`, `pymongo.MongoClient`,
    `sqlite3.connect`, `engine.connect()`, `db.create_all()`), threads and
    schedulers started at import.

    ## Why is this bad?
    With preload, gunicorn imports the app once in the master and then
    forks the workers. A connection opened during the import is one socket
    shared by every worker: their queries interleave on it and results
    reach the wrong worker ("SSL error: decryption failed", "lost
    synchronisation with server"). A thread started during the import runs
    only in the master — the workers get no thread at all, so the
    background job silently never runs where it is needed.

    Not reported: lazily connecting clients such as SQLAlchemy engines
    that have not connected and redis-py clients (which reset their pool
    after a fork), and configs with a `post_fork` / `post_worker_init`
    hook (the usual place to dispose inherited pools).

    ## Example
    ```python
    conn = psycopg2.connect(DATABASE_URL)
    ```
    ```python
    # gunicorn.conf.py
    preload_app = True
    ```

    ## Use instead
    Open connections per worker (a pool created lazily, or in
    `post_fork`), or drop `preload_app`.

    ## Fix safety
    No automatic fix.

    ## References
    - gunicorn docs: settings — `preload_app`
    - SQLAlchemy docs: "Using Connection Pools with Multiprocessing or os.fork()"
    """

    code = "FD411"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "preload-with-import-time-resources"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn `--preload` while connections or threads are created at import time."

    VALID = (
        Valid("""
            from flask import Flask
            from sqlalchemy import create_engine
            app = Flask(__name__)
            engine = create_engine("postgresql://db/app")  # connects lazily, in each worker
            """, files={"gunicorn.conf.py": "preload_app = True\n"}),
        Valid("""
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """, files={"gunicorn.conf.py": "preload_app = False\n"}),
        Valid("""
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """, files={"gunicorn.conf.py": "preload_app = True\n\ndef post_fork(server, worker):\n    pass\n"}),
    )
    INVALID = (
        Invalid("""
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """, message="one shared connection", files={"gunicorn.conf.py": "preload_app = True  # expect\n"}),
        Invalid("""
            import threading
            from flask import Flask
            app = Flask(__name__)

            def refresh():
                pass

            threading.Thread(target=refresh, daemon=True).start()
            """, message="starts a thread", files={"Procfile": "web: gunicorn --preload app:app  # expect\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        preloaded = [i for i in gunicorn_deployments(project) if (v := i.get("preload")) is not None and v.known and v.value is True]
        if not preloaded:
            return
        resources = list(import_time_resources(project))
        if not resources:
            return
        for item in preloaded:
            if item.hooks & {"post_fork", "post_worker_init"}:
                continue
            first_label = resources[0][1]
            report(
                self.finding(
                    item.get("preload").source,  # type: ignore[union-attr]
                    f"{item.label} preloads the app, and importing it {first_label}: the workers forked from the "
                    f"master inherit {'that thread never runs in them' if 'thread' in first_label or 'scheduler' in first_label else 'one shared connection'}",
                    hint="Create connections lazily or in a `post_fork` hook (engine.dispose(close=False)), start threads "
                    "in `post_worker_init`, or drop `--preload`.",
                    evidence=[Evidence(label, loc) for loc, label in resources[:3]],
                )
            )


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
