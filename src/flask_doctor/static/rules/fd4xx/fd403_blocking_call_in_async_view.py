"""FD403 blocking-call-in-async-view: Blocking call inside an `async def` view stalls its event loop."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.calls import (
    HTTP_LAST_NAMES,
    HTTP_VERBS,
    HTTPX_FUNCTIONS,
    POPEN_TYPES,
    REQUESTS_FUNCTIONS,
    REQUESTS_SESSION_TYPES,
    SLEEP,
    SUBPROCESS_BLOCKING,
    SUBPROCESS_WAIT_NAMES,
    SYNC_DB_CONNECT,
    URLOPEN,
    awaits_something,
    callee_name,
    describe_where,
    in_request_code,
    on_event_loop,
    plainly_blocking,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import REQUEST, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class BlockingCallInAsyncView(Rule):
    """
    ## What it does
    Finds blocking calls — `time.sleep`, requests/urllib/sync httpx calls,
    subprocess waits, sync database connects — inside `async def` views,
    hooks and the `async def` helpers they await, and inside the plain
    `def` helpers they call without awaiting (up to three calls deep: the
    helper runs on the same event loop). A helper handed to an executor or
    a thread (`loop.run_in_executor(None, fetch)`, `asyncio.to_thread`, a
    lambda) is not called inline and is not reported. It also notes
    `async def` views of a Flask app that never await anything.

    Only Flask's views count: the `@app.get("/")` routes of a FastAPI,
    Starlette or other ASGI app in the same repository (an attribute built
    with `FastAPI(...)`, or a module that imports such a framework and not
    Flask) run on that server's own event loop.

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

    #: Every callee :meth:`_blocking` names, by its last segment.
    call_names = (
        last_segments(SLEEP, SYNC_DB_CONNECT, SUBPROCESS_BLOCKING, URLOPEN, REQUESTS_FUNCTIONS, HTTPX_FUNCTIONS)
        | SUBPROCESS_WAIT_NAMES
        | HTTP_LAST_NAMES
    )

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
        # The blocking helper is handed to an executor thread and awaited: the loop keeps running meanwhile.
        Valid("""
            import asyncio
            import requests
            from flask import Flask
            app = Flask(__name__)

            def fetch(url):
                return requests.get(url, timeout=5).json()

            @app.get("/aggregate")
            async def aggregate():
                loop = asyncio.get_running_loop()
                first = await loop.run_in_executor(None, fetch, "https://a.example.com")
                second = await loop.run_in_executor(None, lambda: fetch("https://b.example.com"))
                return {"a": first, "b": second}
            """),
        # A FastAPI server kept beside the Flask app: its async endpoints run on uvicorn's loop, not Flask's.
        Valid("""
            from fastapi import FastAPI

            class AgentServer:
                def __init__(self):
                    self.app = FastAPI(title="agents")
                    self._routes()

                def _routes(self):
                    @self.app.get("/health")
                    async def health():
                        return {"status": "ok"}
            """),
    )
    INVALID = (
        Invalid(
            """
            import time
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/dashboard")
            async def dashboard():
                data = requests.get("https://example.com", timeout=5).json()  # expect
                time.sleep(1)  # expect
                return data
            """,
            message="`requests.get(...)` blocks the event loop of async view `dashboard`",
        ),
        # A plain helper the async view calls without awaiting runs on the view's event loop.
        Invalid(
            """
            import asyncio
            import requests
            from flask import Flask
            app = Flask(__name__)

            def load_stats():
                return requests.get("https://example.com/stats", timeout=5).json()  # expect

            async def load_news():
                await asyncio.sleep(0)
                return []

            @app.get("/home")
            async def home():
                news = await load_news()
                return {"stats": load_stats(), "news": news}
            """,
            message="blocks the event loop of async view `home`, which calls `load_stats` without awaiting it",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            async def index():  # expect
                return "hello"
            """,
            message="awaits nothing",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None or not in_request_code(ctx):
            return
        loop_chain = () if fn.is_async else on_event_loop(ctx.project).get(fn.qualname, ())
        if not fn.is_async and not loop_chain:
            return
        label = self._blocking(ctx, node)
        if label is None:
            return
        if loop_chain:
            self._report_inline(ctx, node, label, loop_chain)
            return
        where = f"async view `{fn.display}`" if "view" in fn.roles else f"async {describe_where(ctx, REQUEST)}"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{label}(...)` blocks the event loop of {where}: nothing else on that loop runs until it returns",
                hint=self._hint(label),
                evidence=ctx.chain_evidence(REQUEST),
            )
        )

    def _report_inline(self, ctx: Context, node: ast.Call, label: str, chain: tuple[str, ...]) -> None:
        """A blocking call in a plain ``def`` helper that an async function calls without awaiting: the helper
        runs on that function's event loop."""
        functions = ctx.project.functions
        root = functions[chain[0]]
        kind = "async view" if "view" in root.roles else "async function"
        path = " → ".join(f"`{functions[name].display}`" for name in chain)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{label}(...)` blocks the event loop of {kind} `{root.display}`, which calls"
                f" `{functions[chain[-1]].display}` without awaiting it ({path}): nothing else on that loop runs"
                f" until it returns",
                hint=self._hint(label),
                evidence=[Evidence(f"{kind} `{root.display}`", root.location)],
            )
        )

    def _blocking(self, ctx: Context, node: ast.Call) -> str | None:
        name = callee_name(ctx, node)
        if not name:
            return None
        label = dotted(node.func) or name
        if name in SLEEP or name in SYNC_DB_CONNECT or name in SUBPROCESS_BLOCKING or name in URLOPEN:
            return label
        owner, _, method = name.rpartition(".")
        if owner in POPEN_TYPES and method in ("communicate", "wait"):
            return label
        session_call = method in HTTP_VERBS and ctx.project.is_subtype(owner, REQUESTS_SESSION_TYPES)
        if name in REQUESTS_FUNCTIONS or session_call:
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
        blocking_roots = {
            chain[0]
            for qualname, chain in on_event_loop(project).items()
            if any(
                plainly_blocking(project.functions[qualname], name) for name, _call in project.functions[qualname].calls
            )
        }
        for fn in project.views():
            if not fn.is_async or is_test_path(fn.module.path) or awaits_something(fn.node):  # type: ignore[arg-type]
                continue
            if any(plainly_blocking(fn, name) for name, _call in fn.calls) or fn.qualname in blocking_roots:
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
