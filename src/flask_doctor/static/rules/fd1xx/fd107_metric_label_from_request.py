"""FD107 metric-label-from-request: A Prometheus metric is labelled with a value the client chooses: one
time series per value, kept for ever."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.metrics import METRIC_TYPES, client_taint, returns_client_value
from flask_doctor.static.facts.state import keyed_by_user
from flask_doctor.static.facts.taint import REQUEST_NAMES, assignments, describe_source
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class MetricLabelFromRequest(Rule):
    """
    ## What it does
    Finds `metric.labels(...)` calls of prometheus_client metrics
    (`Counter`, `Gauge`, `Summary`, `Histogram`, `Info`, `Enum`) where a
    label value is one the client chooses: its address
    (`request.remote_addr`, `X-Forwarded-For`), a header, a query, form or
    JSON value (an API key, a user name), or the full URL with its query
    string. The value
    may be read in the same function or returned by a project function it
    calls (`ip = client_address()`).

    ## Why is this bad?
    prometheus_client creates one child series for every distinct tuple of
    label values and keeps it for the life of the process (in multiprocess
    mode also in the files every worker writes, read on every scrape);
    nothing removes it unless the code calls `remove()` or `clear()`. With a
    label per client address or key, memory and scrape size grow with the
    number of clients, and the monitoring server stores every series too.
    The Prometheus docs warn against labels with unbounded sets of values
    such as user IDs or email addresses.

    It also finds `request.path` as a label in a request hook
    (`before_request`/`after_request`/`teardown_request` run for every URL
    a client asks for, 404s included) or in a view whose route has URL
    variables, and the logged-in user's id (`current_user.id`: one series
    per account).

    Not reported: labels from values with a fixed set (`request.method`,
    `request.endpoint`, `request.url_rule`, a status code, a value converted
    with `int(...)`), the bare `request.path` in a view of a fixed route,
    and calls outside functions.

    Severity: *warning* when request code makes the call, *note* when no
    request path to it is found.

    ## Example
    ```python
    REQUESTS = Counter("http_requests", "Requests", ["endpoint", "client"])

    @app.after_request
    def count(response):
        REQUESTS.labels(request.endpoint, request.remote_addr).inc()
        return response
    ```

    ## Use instead
    ```python
    REQUESTS = Counter("http_requests", "Requests", ["endpoint", "status"])

    @app.after_request
    def count(response):
        REQUESTS.labels(request.endpoint, response.status_code).inc()
        return response
    ```

    ## Fix safety
    No automatic fix: drop the label, or record per-client data in logs.

    ## References
    - Prometheus docs: "Metric and label naming" — do not use labels for unbounded values
    - prometheus_client docs: "Labels"
    """

    code = "FD107"
    name = "metric-label-from-request"
    severity = Severity.WARNING
    catalog = ("S16",)
    preview = True
    summary = "A Prometheus metric is labelled with a value the client chooses: one series per value, kept for ever."
    call_names = frozenset({"labels"})

    VALID = (
        # Labels with a fixed set of values: the endpoint, the method, the status code, a fixed route's path.
        Valid("""
            from flask import Flask, request
            from prometheus_client import Counter
            app = Flask(__name__)
            REQUESTS = Counter("http_requests", "Requests", ["endpoint", "method", "status"])

            @app.get("/translate")
            def translate():
                REQUESTS.labels(request.path, request.method, 200).inc()
                return "ok"

            @app.after_request
            def count(response):
                REQUESTS.labels(request.endpoint, request.method, response.status_code).inc()
                return response
            """),
        # A value converted to a number, and a `labels` method of something else fed client text.
        Valid("""
            from flask import Flask, request
            from prometheus_client import Histogram
            app = Flask(__name__)
            SIZES = Histogram("page_size", "Page size", ["size"])

            class Chart:
                def labels(self, *names):
                    return list(names)

            @app.get("/items")
            def items():
                SIZES.labels(request.args.get("size", 10, type=int)).observe(1)
                return {"labels": Chart().labels(request.args.get("x"))}
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, request
            from prometheus_client import Counter
            app = Flask(__name__)
            REQUESTS = Counter("http_requests", "Requests", ["endpoint", "client"])

            @app.after_request
            def count(response):
                REQUESTS.labels(request.endpoint, request.remote_addr).inc()  # expect
                return response
            """,
            message="`request.remote_addr`",
        ),
        # The path in a hook that runs for every URL (404s included), in a view with URL variables, and the
        # logged-in user's id.
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user
            from prometheus_client import Counter, Histogram
            app = Flask(__name__)
            LATENCY = Histogram("latency", "Latency", ["path"])
            ACTIONS = Counter("actions", "Actions", ["user"])

            @app.after_request
            def observe(response):
                LATENCY.labels(path=request.path).observe(1.0)  # expect
                return response

            @app.get("/articles/<slug>")
            def article(slug):
                LATENCY.labels(request.path).observe(1.0)  # expect
                ACTIONS.labels(user=str(current_user.id)).inc()  # expect
                return slug
            """,
            message="one series per",
        ),
        # The metric is built in the factory; the address and the API key come from project helpers.
        Invalid(
            """
            from functools import wraps
            from flask import Flask, request
            from prometheus_client import Summary

            def client_address():
                if request.headers.getlist("X-Forwarded-For"):
                    return request.headers.getlist("X-Forwarded-For")[0].split(",")[0]
                return request.remote_addr

            def api_key():
                return request.values.get("api_key")

            def create_app():
                app = Flask(__name__)
                latency = Summary("latency", "Latency", ["client", "key"])

                def measured(func):
                    @wraps(func)
                    def wrapper(*a, **kw):
                        ip = client_address()
                        with latency.labels(ip, api_key() or "").time():  # expect
                            return func(*a, **kw)
                    return wrapper

                @app.get("/translate")
                @measured
                def translate():
                    return "ok"

                return app
            """,
            message="`client_address()`",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "labels" or ctx.function is None:
            return
        if ctx.type_of(func.value) not in METRIC_TYPES:
            return
        source = self._client_source(ctx, [*node.args, *(kw.value for kw in node.keywords)])
        if source is None:
            return
        where = "request code" if ctx.in_request else "code no request path was found to (note)"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(func.value)}.labels(...)` in {where} takes a label value from {source}:"
                " prometheus_client keeps one series per distinct value for the life of the"
                " process, so memory and scrape size grow with the number of clients",
                hint="Label only with values from a fixed set (endpoint, method, status); log per-client data.",
                evidence=[*_declared(ctx, func.value), *(ctx.chain_evidence() if ctx.in_request else [])],
                severity=self.effective_severity if ctx.in_request else min(self.effective_severity, Severity.NOTE),
            )
        )

    @staticmethod
    def _client_source(ctx: Context, values: list[ast.expr]) -> str | None:
        """How a client-chosen value reaches one of ``values``: read here, or returned by a project helper."""
        fn = ctx.function
        assert fn is not None
        found = client_taint(ctx.project, fn)
        helper_results = {
            name: value
            for name, value in assignments(ctx.project, fn)
            if isinstance(value, ast.Call) and _returns_client_value(ctx, value)
        }
        any_path = _sees_any_path(fn)
        for value in values:
            source = found.source(value)
            if source is not None:
                return f"{describe_source(source)}, which the client chooses"
            if any_path:
                path = _path_read(ctx, value)
                if path is not None:
                    return f"`{path}` in {any_path}"
            user = next((n for n in ast.walk(value) if isinstance(n, ast.expr) and keyed_by_user(n)), None)
            if user is not None:
                return f"`{ast.unparse(user)}` (one series per account)"
            for node in ast.walk(value):
                if isinstance(node, ast.Call) and _returns_client_value(ctx, node):
                    return f"`{ast.unparse(node)}`, which the client chooses"
                if isinstance(node, ast.Name) and node.id in helper_results:
                    return f"`{ast.unparse(helper_results[node.id])}`, which the client chooses"
        return None


def _declared(ctx: Context, metric: ast.expr) -> list[Evidence]:
    """Where the metric named ``metric`` is built with its label names: in the function, a function it is
    defined in (a factory building the metric, a decorator's wrapper using it), or at module level."""
    if not isinstance(metric, ast.Name):
        return []
    scopes: list[ast.AST] = []
    fn = ctx.function
    while fn is not None:
        scopes.append(fn.node)
        fn = fn.parent
    scopes.append(ctx.module.tree)
    for scope in scopes:
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and any(isinstance(t, ast.Name) and t.id == metric.id for t in node.targets)
                and (any(kw.arg == "labelnames" for kw in node.value.keywords) or len(node.value.args) >= 3)
            ):
                where = Location(ctx.module.path, node.lineno, node.col_offset + 1)
                return [Evidence(f"`{metric.id}` declared with its labels here", where)]
    return []


#: Request hooks that run for every URL a client asks for, including ones no route matches (a 404).
_EVERY_URL_HOOKS = frozenset({"before_request", "after_request", "teardown", "before_app_request", "after_app_request"})


def _sees_any_path(fn) -> str | None:  # type: ignore[no-untyped-def]
    """Where ``request.path`` takes any value the client sends: a request hook (it runs for unmatched URLs
    too) or a view whose route has URL variables (``/articles/<slug>``)."""
    hook = sorted(fn.roles & _EVERY_URL_HOOKS)
    if hook:
        return f"a `{hook[0]}` hook, which runs for every URL a client asks for (404s included)"
    varying = next((route.rule for route in fn.routes if "<" in route.rule), None)
    return f"a view of `{varying}`, one path per URL value" if varying else None


def _path_read(ctx: Context, value: ast.expr) -> str | None:
    """``request.path`` / ``request.base_url`` read in ``value`` (the path without its query string)."""
    for node in ast.walk(value):
        if isinstance(node, ast.Attribute) and node.attr in ("path", "base_url"):
            name = dotted(node.value) or ""
            if (ctx.function.imports.qualify(name) or name) in REQUEST_NAMES:  # type: ignore[union-attr]
                return ast.unparse(node)
    return None


def _returns_client_value(ctx: Context, call: ast.Call) -> bool:
    name = ast.unparse(call.func)
    callee = ctx.project.resolve_function(name, ctx.function, ctx.module)
    return callee is not None and returns_client_value(ctx.project, callee.qualname)
