"""FD401-FD403 — blocking calls: what ties up a worker while a request waits.

All three rules share one notion of "what is this call": names are resolved
through imports (``from time import sleep`` -> ``time.sleep``), local and
module-level instances (``s = requests.Session(); s.get(...)``), ``with
requests.Session() as s:`` blocks, and ``self.session = requests.Session()``
attributes set by the same class.  Nothing is matched on attribute names
alone: ``gevent.sleep``, ``asyncio.sleep`` and a project's own ``get`` method
are different functions from ``time.sleep`` and ``requests.get``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.model import JOB, REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_FUNCTIONS = {f"requests.{v}" for v in HTTP_VERBS} | {f"requests.api.{v}" for v in HTTP_VERBS}
REQUESTS_SESSION_TYPES = {
    "requests.Session", "requests.sessions.Session", "requests.session", "requests.sessions.session",
}
HTTPX_FUNCTIONS = {f"httpx.{v}" for v in (*HTTP_VERBS, "stream")}
HTTPX_CLIENT_TYPES = {"httpx.Client", "httpx.AsyncClient"}
URLOPEN = {"urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"}
SUBPROCESS_BLOCKING = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
}
POPEN_TYPES = {"subprocess.Popen"}
SLEEP = {"time.sleep"}
#: Constant sleeps shorter than this are thread yields and short poll
#: intervals of a bounded handshake (``while not ready: time.sleep(0.01)``).
TINY_SLEEP = 0.1
SYNC_DB_CONNECT = {
    "psycopg2.connect", "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    "sqlite3.connect", "pymongo.MongoClient",
}
#: Where ``Session.request`` takes ``timeout`` positionally (method, url, params,
#: data, headers, cookies, files, auth, timeout).
SESSION_REQUEST_TIMEOUT_INDEX = 8


# ----------------------------------------------------------------- resolution
def _instance_type(ctx: Context, node: ast.expr) -> str | None:
    """The type of the receiver of a method call, as far as the code shows it."""
    if isinstance(node, ast.Call):
        return _callee_name(ctx, node)
    known = ctx.type_of(node)
    if known:
        return known
    name = dotted(node)
    if not name:
        return None
    # ``with requests.Session() as s:`` / ``with Popen(...) as proc:``
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name and isinstance(item.context_expr, ast.Call):
                    return _callee_name(ctx, item.context_expr)
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            break
    # ``self.session = requests.Session()`` anywhere in the class
    if name.startswith("self.") and name.count(".") == 1 and ctx.function is not None and ctx.function.class_name:
        return _self_attribute_types(ctx.project, ctx.function).get(name[5:])
    return None


def _self_attribute_types(project: Project, fn: FunctionInfo) -> dict[str, str]:
    cls_qual = fn.qualname.rsplit(".", 1)[0]
    cache: dict[str, dict[str, str]] = getattr(project, "_fd4_self_types", None) or {}
    project._fd4_self_types = cache  # type: ignore[attr-defined]
    if cls_qual in cache:
        return cache[cls_qual]
    found: dict[str, str] = {}
    cls = project.classes.get(cls_qual)
    if cls is not None:
        for method in cls.methods.values():
            for node in ast.walk(method.node):
                if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                        callee = method.imports.qualify(dotted(node.value.func) or "")
                        if callee:
                            found[target.attr] = callee
    cache[cls_qual] = found
    return found


def _callee_name(ctx: Context, call: ast.Call) -> str | None:
    """``requests.get`` / ``requests.Session.get`` / ``subprocess.Popen.communicate``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Call) or (dotted(receiver) and not ctx.qualified(receiver)):
            owner = _instance_type(ctx, receiver)
            if owner:
                return f"{owner}.{func.attr}"
            return None
        qualified = ctx.qualified(func)
        if qualified:
            # ``from .http import client; client.get(...)``: an imported instance
            obj = ctx.project.objects.get(qualified.rsplit(".", 1)[0])
            return f"{obj.type}.{func.attr}" if obj is not None else qualified
        owner = _instance_type(ctx, receiver)
        return f"{owner}.{func.attr}" if owner else None
    if isinstance(func, ast.Name):
        if ctx.function is not None and func.id in _local_names(ctx.function):
            return None
        return ctx.qualified(func)
    return None


def _local_names(fn: FunctionInfo) -> set[str]:
    """Parameters and names assigned in ``fn`` (they shadow imports)."""
    return fn.local_names


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg == name), None)


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


@dataclass(frozen=True)
class HttpCall:
    label: str  # ``requests.get`` / ``session.get`` (as written)
    library: str  # requests | httpx | urllib
    problem: str | None  # "no timeout" / "timeout=None" / None (has a timeout)


def _session_overrides_timeout(project: Project, type_name: str) -> bool:
    """A project Session subclass with its own ``request``/``send`` usually sets a default timeout."""
    cls = project.classes.get(type_name)
    if cls is not None:
        return any(m in cls.methods for m in ("request", "send"))
    return False


def _project_mounts_timeout_adapter(project: Project) -> bool:
    cached = getattr(project, "_fd4_timeout_adapter", None)
    if cached is None:
        cached = any(
            any(b.endswith("HTTPAdapter") for b in cls.bases) and "timeout" in ast.unparse(cls.node)
            for cls in project.classes.values()
        )
        project._fd4_timeout_adapter = cached  # type: ignore[attr-defined]
    return cached


def _project_sets_socket_timeout(project: Project) -> bool:
    cached = getattr(project, "_fd4_socket_timeout", None)
    if cached is None:
        cached = any(site.name == "socket.setdefaulttimeout" for site in project.calls)
        project._fd4_socket_timeout = cached  # type: ignore[attr-defined]
    return cached


def classify_http_call(ctx: Context, call: ast.Call) -> HttpCall | None:
    """An outgoing HTTP call and what is wrong with its timeout, if anything."""
    name = _callee_name(ctx, call)
    if not name:
        return None
    label = dotted(call.func) or name
    timeout = _keyword(call, "timeout")
    owner, _, method = name.rpartition(".")
    if name in REQUESTS_FUNCTIONS or (method in HTTP_VERBS and ctx.project.is_subtype(owner, REQUESTS_SESSION_TYPES)):
        if owner not in REQUESTS_SESSION_TYPES and owner not in ("requests", "requests.api") and _session_overrides_timeout(
            ctx.project, owner
        ):
            return None
        session = name not in REQUESTS_FUNCTIONS
        if timeout is not None:
            return HttpCall(label, "requests", "timeout=None" if _is_none(timeout.value) else None)
        if _has_star_kwargs(call):
            return HttpCall(label, "requests", None)
        if session and method == "request" and len(call.args) > SESSION_REQUEST_TIMEOUT_INDEX:
            return HttpCall(label, "requests", None)
        if session and _project_mounts_timeout_adapter(ctx.project):
            return HttpCall(label, "requests", None)
        return HttpCall(label, "requests", "no timeout")
    if name in HTTPX_FUNCTIONS or name in HTTPX_CLIENT_TYPES or (
        method in (*HTTP_VERBS, "stream", "send") and owner in HTTPX_CLIENT_TYPES
    ):
        # httpx defaults to a 5 s timeout: only an explicit ``timeout=None`` disables it.
        disabled = timeout is not None and (
            _is_none(timeout.value)
            or (isinstance(timeout.value, ast.Call) and (dotted(timeout.value.func) or "").endswith("Timeout")
                and timeout.value.args and _is_none(timeout.value.args[0]) and not timeout.value.keywords)
        )
        return HttpCall(label, "httpx", "timeout=None" if disabled else None)
    if name in URLOPEN:
        if timeout is not None:
            return HttpCall(label, "urllib", "timeout=None" if _is_none(timeout.value) else None)
        if len(call.args) >= 3 or _has_star_kwargs(call) or _project_sets_socket_timeout(ctx.project):
            return HttpCall(label, "urllib", None)
        return HttpCall(label, "urllib", "no timeout")
    return None


def _cooperative(project: Project) -> bool:
    """gevent/eventlet monkey-patching makes ``time.sleep`` yield instead of block."""
    cached = getattr(project, "_fd4_cooperative", None)
    if cached is None:
        cached = any(
            site.name in ("gevent.monkey.patch_all", "gevent.monkey.patch_time", "eventlet.monkey_patch")
            for site in project.calls
        )
        deploy = project.deploy
        if not cached and deploy is not None:
            for command in getattr(deploy, "commands", []) or []:
                worker = (getattr(command, "worker_class", None) or "").lower()
                if "gevent" in worker or "eventlet" in worker:
                    cached = True
            for settings in getattr(deploy, "gunicorn", []) or []:
                worker = str(getattr(settings, "worker_class", None) or "").lower()
                if "gevent" in worker or "eventlet" in worker:
                    cached = True
        project._fd4_cooperative = cached  # type: ignore[attr-defined]
    return cached


def _where(ctx: Context, context: str) -> str:
    """``view `pay``` or ```charge`` (request path: `pay` → `charge`)`` for helpers."""
    fn = ctx.function
    base = describe_context(ctx)
    if fn is None or fn.roles & {"view", "task", "cli", "hook", "error_handler", "socket_handler"}:
        return base
    chain = ctx.project.chain(fn.qualname, context)
    if len(chain) < 2 or context not in fn.contexts:
        return base
    label = "request path" if context == REQUEST else "job path"
    root = ctx.project.functions.get(chain[0])
    kind = next((k for k in ("view", "task", "hook", "error_handler", "socket_handler") if root is not None and k in root.roles), "")
    names = [ctx.project.display(q) for q in chain]
    first = f"{kind.replace('_', ' ')} `{names[0]}`" if kind else f"`{names[0]}`"
    return f"`{fn.display}` ({label}: {' → '.join([first, *(f'`{n}`' for n in names[1:])])})"


def _enclosing_loop(ctx: Context) -> ast.AST | None:
    for node in reversed(ctx.ancestors):
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
            return node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return None
    return None


def _request_code(ctx: Context) -> bool:
    return ctx.in_request and not ctx.is_test_code()


def _sleep_seconds(call: ast.Call) -> float | None:
    arg = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "secs"), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and not isinstance(arg.value, bool):
        return float(arg.value)
    return None


def blocking_subprocess(ctx: Context, call: ast.Call) -> str | None:
    """``subprocess.run(...)`` / ``proc.communicate()`` waiting without ``timeout=``."""
    name = _callee_name(ctx, call)
    if not name:
        return None
    owner, _, method = name.rpartition(".")
    is_wait = owner in POPEN_TYPES and method in ("communicate", "wait")
    if name not in SUBPROCESS_BLOCKING and not is_wait:
        return None
    if _keyword(call, "timeout") is not None and not _is_none(_keyword(call, "timeout").value):  # type: ignore[union-attr]
        return None
    if _has_star_kwargs(call):
        return None
    if is_wait and ((method == "communicate" and len(call.args) >= 2) or (method == "wait" and call.args)):
        return None
    return name


class BlockingCallInRequest(Rule):
    """
    ## What it does
    Finds `time.sleep(...)` and subprocess waits without `timeout=`
    (`subprocess.run/call/check_call/check_output`, `Popen.communicate()`,
    `Popen.wait()`) in code that runs while a request is being served: a
    view, a request hook, an error handler, a Socket.IO handler, or any
    helper they call, however deep.

    ## Why is this bad?
    A sync gunicorn/uWSGI worker serves one request per thread. While it
    sleeps or waits for a child process it serves nobody, so a few slow
    requests exhaust the workers and every other request queues behind
    them (and eventually hits the worker timeout). A child process that
    hangs without a timeout holds the worker for ever. A sleep in a retry
    loop is the same problem multiplied by the number of attempts.

    Not reported: sleeps in CLI commands, background jobs and scripts
    (nothing waits on them), constant sleeps under 0.1 s (`time.sleep(0)`
    is a thread yield, `time.sleep(0.01)` the poll interval of a short
    handshake),
    `gevent.sleep`/`eventlet.sleep`/`asyncio.sleep`, `time.sleep` when the
    project monkey-patches with gevent/eventlet or runs gevent/eventlet
    workers (the sleep then yields to other requests), and sleeps inside
    `async def` functions (FD403 reports those).

    ## Example
    ```python
    @app.post("/reports")
    def create_report():
        for attempt in range(5):
            if backend_ready():
                break
            time.sleep(2)
        output = subprocess.check_output(["wkhtmltopdf", url, "-"])
        return output
    ```

    ## Use instead
    ```python
    @app.post("/reports")
    def create_report():
        job = render_report.delay(url)  # Celery/RQ does the waiting
        return {"job": job.id}, 202
    ```
    or, if the work must stay in the request, bound it:
    `subprocess.check_output([...], timeout=10)`.

    ## Fix safety
    No automatic fix: moving work to a job changes the response.

    ## References
    - gunicorn docs: "Design" — sync workers handle a single request at a time
    - Python docs: `subprocess.run(..., timeout=...)`
    """

    code = "FD401"
    name = "blocking-call-in-request"
    severity = Severity.WARNING
    catalog = ("S17",)
    summary = "`time.sleep` or a subprocess wait without timeout in request code holds a worker."

    VALID = (
        Valid("""
            import time
            import click
            from celery import shared_task

            @click.command()
            def wait_for_db():
                time.sleep(5)

            @shared_task
            def poll():
                time.sleep(30)
            """),
        Valid("""
            import subprocess
            import time
            import gevent
            import asyncio
            from flask import Flask
            app = Flask(__name__)

            @app.route("/")
            def index():
                time.sleep(0)
                gevent.sleep(1)
                out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, timeout=5)
                return out.stdout
            """),
        Valid("""
            from gevent import monkey
            monkey.patch_all()
            import time
            from flask import Flask
            app = Flask(__name__)

            @app.route("/slow")
            def slow():
                time.sleep(1)
                return "ok"
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            def sleep(seconds):
                return seconds

            @app.route("/")
            def index():
                sleep(3)
                return "ok"
            """),
    )
    INVALID = (
        Invalid("""
            from time import sleep
            from flask import Flask
            app = Flask(__name__)

            def wait_for_backend(client):
                for attempt in range(5):
                    if client.ready():
                        return True
                    sleep(2)  # expect
                return False

            @app.route("/orders", methods=["POST"])
            def create_order():
                wait_for_backend(None)
                return "ok"
            """, message="(request path: view `create_order` → `wait_for_backend`)"),
        Invalid("""
            import subprocess
            from flask import Blueprint
            bp = Blueprint("pdf", __name__)

            @bp.get("/pdf")
            def pdf():
                proc = subprocess.Popen(["wkhtmltopdf", "-", "-"], stdout=subprocess.PIPE)
                out, _ = proc.communicate()  # expect
                return subprocess.check_output(["ls"])  # expect
            """, message="without `timeout=`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not _request_code(ctx) or ctx.function is None:
            return
        if ctx.function.is_async:
            return  # FD403 reports blocking calls in async functions
        name = _callee_name(ctx, node)
        if name in SLEEP:
            seconds = _sleep_seconds(node)
            if seconds is not None and seconds < TINY_SLEEP:
                return  # a yield or a spin-wait handshake, not a held worker
            if _cooperative(ctx.project):
                return
            loop = _enclosing_loop(ctx)
            what = f"`{ast.unparse(node)}`"
            message = f"{what} in {_where(ctx, REQUEST)} holds the worker while it sleeps"
            evidence = list(ctx.chain_evidence(REQUEST))
            if loop is not None:
                message += "; it sits in a loop, so the worker is held once per iteration"
                evidence.append(Evidence("inside this loop", ctx.location(loop)))
            ctx.report(
                self.finding(
                    ctx.location(node),
                    message,
                    hint="Move the waiting to a background job (Celery/RQ) and return 202, or poll from the client.",
                    evidence=evidence,
                )
            )
            return
        waited = blocking_subprocess(ctx, node)
        if waited is not None:
            short = waited.replace("subprocess.Popen.", "Popen.")
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{short}(...)` without `timeout=` in {_where(ctx, REQUEST)}: the worker waits for the child "
                    f"process, for ever if it hangs",
                    hint="Pass `timeout=` (and handle subprocess.TimeoutExpired), or run the command in a background job.",
                    evidence=ctx.chain_evidence(REQUEST),
                )
            )


class HttpCallWithoutTimeout(Rule):
    """
    ## What it does
    Finds outgoing HTTP calls that can wait for ever: `requests.get/post/...`
    and `requests.Session` methods without `timeout=`,
    `urllib.request.urlopen` without a timeout, and any of these or httpx
    with an explicit `timeout=None`.

    ## Why is this bad?
    requests and urllib have **no default timeout**: if the other side
    accepts the connection and never answers, the call blocks for ever. In
    a view that worker is lost until gunicorn kills it; in a Celery task
    the worker process hangs and the queue stops draining. The requests
    docs say nearly all production code should pass a timeout.

    Not reported: httpx calls without `timeout` (httpx defaults to 5
    seconds), calls that pass a timeout (keyword, or positionally where the
    API allows), calls with `**kwargs` (the timeout may be in them),
    sessions of a project subclass that overrides `request`/`send`,
    `urlopen` when the project calls `socket.setdefaulttimeout`, and test
    code. Severity is *warning* when the call is reached from a request or
    a background job, and *note* elsewhere (CLI commands, scripts, code
    whose caller is unknown), where a person can interrupt it.

    ## Example
    ```python
    @app.get("/weather")
    def weather():
        return requests.get(WEATHER_URL, params=request.args).json()
    ```

    ## Use instead
    ```python
    @app.get("/weather")
    def weather():
        return requests.get(WEATHER_URL, params=request.args, timeout=(3.05, 10)).json()
    ```

    ## Fix safety
    Adding `timeout=` is safe but not automatic: the right value depends on
    the service, and callers must handle `requests.Timeout`.

    ## References
    - requests docs: "Timeouts" (Advanced Usage)
    - httpx docs: "Timeouts" — 5 second default
    - bandit B113 request_without_timeout
    """

    code = "FD402"
    name = "http-call-without-timeout"
    severity = Severity.WARNING
    catalog = ("S04", "S17")
    summary = "Outgoing HTTP call (requests/urllib) without a timeout can hang a worker for ever."

    VALID = (
        Valid("""
            import httpx
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/a")
            def a():
                r = requests.get("https://example.com", timeout=5)
                h = httpx.get("https://example.com")
                with httpx.Client() as client:
                    client.get("https://example.com")
                return r.text + h.text
            """),
        Valid("""
            import requests
            from urllib.request import urlopen

            def fetch(url, **kwargs):
                s = requests.Session()
                s.get(url, **kwargs)
                return urlopen(url, None, 10).read()
            """),
        Valid("""
            import requests

            class TimeoutSession(requests.Session):
                def request(self, method, url, **kwargs):
                    kwargs.setdefault("timeout", 10)
                    return super().request(method, url, **kwargs)

            http = TimeoutSession()

            def fetch(url):
                return http.get(url)
            """),
    )
    INVALID = (
        Invalid("""
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/weather")
            def weather():
                return requests.get("https://api.example.com/weather").json()  # expect
            """, message="`requests.get(...)` in view `weather` has no timeout"),
        Invalid("""
            import httpx
            import requests
            from celery import shared_task

            @shared_task
            def sync_orders():
                with requests.Session() as s:
                    s.post("https://erp.example.com/sync", json={})  # expect
                httpx.get("https://example.com", timeout=None)  # expect
            """, message="task `sync_orders`"),
        Invalid("""
            import requests

            class Client:
                def __init__(self):
                    self.session = requests.Session()

                def fetch(self, url):
                    return self.session.get(url)  # expect
            """, message="note"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        http = classify_http_call(ctx, node)
        if http is None or http.problem is None:
            return
        hot = ctx.in_request or ctx.in_job
        severity = self.effective_severity if hot else min(self.effective_severity, Severity.NOTE)
        if http.problem == "timeout=None":
            what = f"`{http.label}(...)` in {_where(ctx, REQUEST if ctx.in_request else JOB)} passes `timeout=None`, which disables the timeout"
        else:
            what = f"`{http.label}(...)` in {_where(ctx, REQUEST if ctx.in_request else JOB)} has no timeout"
        if hot:
            where = "request" if ctx.in_request else "job"
            consequence = f": if the server never answers, the {where} waits for ever and holds its worker"
        else:
            consequence = " (note: not reached from a request or a job as far as the code shows, so a person can interrupt it)"
        context = REQUEST if ctx.in_request else JOB
        ctx.report(
            self.finding(
                ctx.location(node),
                what + consequence,
                hint="Pass `timeout=(connect, read)`, e.g. `timeout=(3.05, 30)`, and handle the Timeout exception.",
                evidence=ctx.chain_evidence(context) if hot else [],
                severity=severity,
            )
        )


class BlockingCallInAsyncView(Rule):
    """
    ## What it does
    Finds blocking calls — `time.sleep`, requests/urllib/sync httpx calls,
    subprocess waits, sync database connects — inside `async def` views,
    hooks and the `async def` helpers they await. It also notes `async def`
    views of a Flask app that never await anything.

    ## Why is this bad?
    Flask runs an `async def` view by starting an event loop for it on the
    worker thread. A blocking call inside it stops that loop, so whatever
    the view runs concurrently (`asyncio.gather`) waits too — the async
    syntax buys nothing, and on an ASGI framework such as Quart the whole
    server stalls. An async view that awaits nothing pays for a new event
    loop per request and gains no concurrency at all.

    ## Example
    ```python
    @app.get("/dashboard")
    async def dashboard():
        weather = requests.get(WEATHER_URL, timeout=5).json()
        time.sleep(1)
        return weather
    ```

    ## Use instead
    ```python
    @app.get("/dashboard")
    async def dashboard():
        async with httpx.AsyncClient() as client:
            weather = (await client.get(WEATHER_URL)).json()
        await asyncio.sleep(1)
        return weather
    ```
    or make the view a plain `def` if nothing in it is asynchronous.

    ## Fix safety
    No automatic fix: the async replacement has a different API.

    ## References
    - Flask docs: "Using async and await" — performance
    - Quart docs: "Blocking code"
    """

    code = "FD403"
    name = "blocking-call-in-async-view"
    severity = Severity.WARNING
    catalog = ("S18",)
    summary = "Blocking call inside an `async def` view stalls its event loop."

    VALID = (
        Valid("""
            import asyncio
            import httpx
            from flask import Flask
            app = Flask(__name__)

            @app.get("/dashboard")
            async def dashboard():
                async with httpx.AsyncClient() as client:
                    r = await client.get("https://example.com")
                await asyncio.sleep(1)
                return r.text
            """),
        Valid("""
            import time
            import requests

            async def script():
                time.sleep(1)
                requests.get("https://example.com", timeout=3)
            """),
        Valid("""
            import time
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return "sync view: FD401 territory"
            """),
    )
    INVALID = (
        Invalid("""
            import time
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/dashboard")
            async def dashboard():
                data = requests.get("https://example.com", timeout=5).json()  # expect
                time.sleep(1)  # expect
                return data
            """, message="`requests.get(...)` blocks the event loop of async view `dashboard`"),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            async def index():  # expect
                return "hello"
            """, message="awaits nothing"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None or not fn.is_async or not _request_code(ctx):
            return
        label = self._blocking(ctx, node)
        if label is None:
            return
        where = f"async view `{fn.display}`" if "view" in fn.roles else f"async {_where(ctx, REQUEST)}"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{label}(...)` blocks the event loop of {where}: nothing else on that loop runs until it returns",
                hint=self._hint(label),
                evidence=ctx.chain_evidence(REQUEST),
            )
        )

    def _blocking(self, ctx: Context, node: ast.Call) -> str | None:
        name = _callee_name(ctx, node)
        if not name:
            return None
        label = dotted(node.func) or name
        if name in SLEEP or name in SYNC_DB_CONNECT or name in SUBPROCESS_BLOCKING or name in URLOPEN:
            return label
        owner, _, method = name.rpartition(".")
        if owner in POPEN_TYPES and method in ("communicate", "wait"):
            return label
        if name in REQUESTS_FUNCTIONS or (method in HTTP_VERBS and ctx.project.is_subtype(owner, REQUESTS_SESSION_TYPES)):
            return label
        if name in HTTPX_FUNCTIONS or (owner == "httpx.Client" and method in (*HTTP_VERBS, "stream", "send")):
            return label
        return None

    @staticmethod
    def _hint(label: str) -> str:
        if label.endswith("sleep"):
            return "Use `await asyncio.sleep(...)`."
        if "subprocess" in label or label.endswith(("communicate", "wait")):
            return "Use `asyncio.create_subprocess_exec` and await it (with `asyncio.wait_for` for a timeout)."
        if "connect" in label or "Mongo" in label:
            return "Use an async driver (asyncpg, aiomysql, motor) or make the view a plain `def`."
        return "Use `httpx.AsyncClient` (or aiohttp) and await the call, or make the view a plain `def`."

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if any(project.is_subtype(o.type, {"quart.Quart"}) for o in project.objects.values()):
            return  # ASGI frameworks run async views natively
        for fn in project.views():
            if not fn.is_async or _is_test_module(fn) or _awaits_something(fn.node):  # type: ignore[arg-type]
                continue
            if any(_plainly_blocking(fn, name) for name, _call in fn.calls):
                continue  # the blocking call is reported instead
            report(
                self.finding(
                    fn.location,
                    f"async view `{fn.display}` awaits nothing: Flask starts an event loop for it on the worker "
                    f"thread on every request and gains no concurrency",
                    hint="Make it a plain `def` view, or await real async I/O in it.",
                    severity=min(self.effective_severity, Severity.NOTE),
                )
            )


def _is_test_module(fn: FunctionInfo) -> bool:
    path = f"/{fn.module.path}"
    last = fn.module.name.rsplit(".", 1)[-1]
    return "/tests/" in path or "/test/" in path or last.startswith("test_") or last == "conftest"


def _plainly_blocking(fn: FunctionInfo, name: str) -> bool:
    head, _, rest = name.partition(".")
    if head in fn.local_types:
        qualified = f"{fn.local_types[head]}.{rest}" if rest else fn.local_types[head]
    else:
        qualified = fn.imports.qualify(name) or ""
    owner, _, method = qualified.rpartition(".")
    return (
        qualified in SLEEP | SYNC_DB_CONNECT | SUBPROCESS_BLOCKING | URLOPEN | REQUESTS_FUNCTIONS | HTTPX_FUNCTIONS
        or (owner in REQUESTS_SESSION_TYPES and method in HTTP_VERBS)
        or (owner in POPEN_TYPES and method in ("communicate", "wait"))
    )


def _awaits_something(fn: ast.AsyncFunctionDef) -> bool:
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
