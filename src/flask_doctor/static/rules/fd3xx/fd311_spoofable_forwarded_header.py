"""FD311 spoofable-forwarded-header: X-Forwarded-For/-Proto/-Host read by hand: any client can set them."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.proxy import forwarded_header, is_last_index
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class SpoofableForwardedHeader(Rule):
    """
    ## What it does
    Finds code that reads `X-Forwarded-For`, `X-Real-IP`,
    `X-Forwarded-Proto`/`-Host` (or `Forwarded`) by hand from
    `request.headers` or `request.environ`, and `request.access_route`.

    ## Why is this bad?
    Any client can send these headers. Unless a proxy you control
    *replaces* them, the "client IP" taken from the first
    `X-Forwarded-For` entry is whatever the client wrote: rate limits are
    bypassed by sending a new value each time, IP allow-lists are opened,
    audit logs record fake addresses, and `X-Forwarded-Host` poisons
    password-reset links. Werkzeug's `ProxyFix` trusts exactly as many hops
    as you say, and then `request.remote_addr`, `request.scheme` and
    `request.host` are right. Taking the *last* `X-Forwarded-For` entry
    (`.split(",")[-1]`, what one proxy appended) is not reported.

    ## Example
    ```python
    ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0]
    ```

    ## Use instead
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    ...
    ip = request.remote_addr
    ```

    ## Fix safety
    No automatic fix: the number of proxies has to be known.

    ## References
    - Werkzeug docs, "X-Forwarded-For Proxy Fix" (ProxyFix)
    - Flask docs, Deploying: "Tell Flask it is Behind a Proxy"
    """

    code = "FD311"
    name = "spoofable-forwarded-header"
    severity = Severity.WARNING
    catalog = ("S24",)
    summary = "X-Forwarded-For/-Proto/-Host read by hand: any client can set them."

    VALID = (
        Valid("""
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            """),
        Valid("""
            from flask import request

            def behind_proxy():
                return bool(request.headers.get("X-Forwarded-For"))
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/login")
            def login():
                ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0]  # expect
                return ip
            """, message="X-Forwarded-For"),
        Invalid("""
            from flask import request

            def client_ip():
                return request.environ.get("HTTP_X_REAL_IP") or request.remote_addr  # expect
            """, message="X-Real-IP"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("get", "__getitem__", "getlist")):
            return
        header = forwarded_header(node.args[0])
        if header is None or not self._request_mapping(func.value, ctx):
            return
        if self._takes_last(ctx) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{short(node, 60)}`", header)

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> None:
        if ctx.is_test_code() or isinstance(node.ctx, ast.Store):
            return
        header = forwarded_header(node.slice)
        if header is None or not self._request_mapping(node.value, ctx):
            return
        if self._takes_last(ctx) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{short(node, 60)}`", header)

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr != "access_route" or ctx.is_test_code():
            return
        if ctx.resolve(node.value) not in REQUEST_NAMES:
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Subscript) and is_last_index(parent.slice):
            return
        self._report(ctx, node, "`request.access_route`", "X-Forwarded-For")

    def _request_mapping(self, node: ast.expr, ctx: Context) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in ("headers", "environ"):
            return ctx.resolve(node.value) in REQUEST_NAMES
        return False

    @staticmethod
    def _presence_only(ctx: Context) -> bool:
        """``bool(request.headers.get("X-Forwarded-For"))`` or ``if request.headers.get(...):``.

        Both only ask whether a proxy is there.
        """
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Call) and dotted(parent.func) == "bool":
            return True
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and parent.test is not None:
            return True
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        return isinstance(parent, ast.Compare) and all(
            isinstance(c, ast.Constant) and c.value is None for c in parent.comparators
        )

    def _takes_last(self, ctx: Context) -> bool:
        """``...split(",")[-1]`` around the read: the hop the proxy appended."""
        for parent in reversed(ctx.ancestors[-4:]):
            if isinstance(parent, ast.Subscript) and is_last_index(parent.slice):
                return True
        return False

    def _report(self, ctx: Context, node: ast.AST, text: str, header: str) -> None:
        if header in ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Scheme", "X-Forwarded-Port"):
            risk = (
                "a client can send any value, and URLs built from it (password-reset links, redirects) point "
                "where it says"
            )
        else:
            risk = (
                "a client can send any address, so rate limits, IP allow-lists and audit logs keyed on it can be "
                "fooled"
            )
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{text} in {describe_context(ctx)} reads the `{header}` header by hand: {risk}",
                hint="Wrap the app in werkzeug's ProxyFix with the number of proxies you run, then use "
                "request.remote_addr / request.scheme / request.host.",
            )
        )
