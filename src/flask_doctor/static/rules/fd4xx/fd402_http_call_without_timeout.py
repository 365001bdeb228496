"""FD402 http-call-without-timeout: Outgoing HTTP call (requests/urllib) without a timeout can hang a worker
for ever."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.calls import classify_http_call, describe_where
from flask_doctor.static.model import JOB, REQUEST
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


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
        where_called = describe_where(ctx, REQUEST if ctx.in_request else JOB)
        if http.problem == "timeout=None":
            what = f"`{http.label}(...)` in {where_called} passes `timeout=None`, which disables the timeout"
        else:
            what = f"`{http.label}(...)` in {where_called} has no timeout"
        if hot:
            where = "request" if ctx.in_request else "job"
            consequence = f": if the server never answers, the {where} waits for ever and holds its worker"
        else:
            consequence = (
                " (note: not reached from a request or a job as far as the code shows, so a person can interrupt it)"
            )
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
