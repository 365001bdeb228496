"""FD311 spoofable-forwarded-header: X-Forwarded-For/-Proto/-Host read by hand: any client can set them."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.proxy import (
    AUDIT,
    DECISION,
    FAILED_LOGIN_LOG,
    NOTIFY,
    address_uses,
    forwarded_header,
    is_last_index,
    last_hop_through_local,
    only_compared_with_constants,
)
from flask_doctor.static.facts.taint import request_names
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

#: A setting that says the app runs behind a proxy, or that forwarded headers are to be trusted.
_PROXY_SETTING = on_first_use(r"FORWARD|PROXY|PROXIES")


def _setting_names(test: ast.expr) -> Iterator[str]:
    """Upper-case names, attributes and string keys in an ``if`` test: the settings it reads."""
    for node in ast.walk(test):
        if isinstance(node, ast.Name) and node.id.isupper():
            yield node.id
        elif isinstance(node, ast.Attribute) and node.attr.isupper():
            yield node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isupper():
            if not node.value.startswith(("X-", "HTTP_")):
                yield node.value  # ``app.config["BEHIND_PROXY"]``, not the header being tested for


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
    (`.split(",")[-1]`, what one proxy appended, on the read or on the
    local name it is assigned to) is not reported, nor is a value filed
    under the header's own name (`x_forwarded_for=...` in a dump of the
    request's headers): such a record keeps what the client sent as such.

    The value is followed to where it goes (local variables, `return` to
    the callers): it is reported when something decides on it (a
    comparison, an allow-list, a rate limiter, a value stored with a record)
    or, for `X-Forwarded-For`, when it lands in a failed-login log line
    (what fail2ban bans on). A value that is only echoed back to the same
    client, written to an ordinary log line or put into a notification mail
    decides nothing and is not reported (nor a field a logging filter sets on
    the record, a line appended to a file opened with `"a"`, or a value a hook
    keeps on `g` that the code reads only for such uses), nor is `X-Forwarded-Proto` only
    compared with fixed text (`== "http"` to redirect to https: the client
    only changes how its own request is answered). `X-Real-IP` is a header proxies
    *set* rather than append to (nginx `proxy_set_header X-Real-IP
    $remote_addr`), so deciding on it is a note. Nor are `X-Forwarded-Host`,
    `-Proto` and `X-Real-IP` read only under a setting the operator turns on
    to say a proxy sets them (`if settings.USE_FORWARDED_HOST and ...:`,
    `if app.config["BEHIND_PROXY"]:`): that is the trust `ProxyFix(x_host=1)`
    gives, declared by whoever knows the deployment. The first
    `X-Forwarded-For` entry stays reported under such a setting: a proxy
    appends to what the client sent, it does not replace it.

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

    call_names = frozenset({"get", "__getitem__", "getlist"})
    attribute_names = frozenset({"access_route"})

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
        # an echo service: the caller's own claim goes back to the caller
        Valid("""
            from flask import Flask, jsonify, request
            app = Flask(__name__)

            def describe_request():
                return {"origin": request.headers.get("X-Forwarded-For", request.remote_addr), "args": request.args}

            @app.get("/anything")
            def anything():
                return jsonify(describe_request())
            """),
        # the address only goes into an access log line and a notification mail: nothing decides on it
        Valid("""
            import logging
            from flask import Flask, request
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.after_request
            def access_log(response):
                log.info({"ip": request.headers.get("X-Real-Ip", request.remote_addr), "status": response.status})
                return response

            @app.post("/password")
            def change_password():
                sender_ip = request.headers.get("X-Forwarded-For") or ""
                send_email(current_user.email, render_email("password_changed", ip=sender_ip))
                return "ok"
            """),
        # the last hop, taken from the local the route is kept in
        Valid("""
            from flask import Flask, abort, request
            app = Flask(__name__)

            @app.post("/hooks/deploy")
            def deploy_hook():
                hops = request.access_route
                if hops[-1] not in {"10.0.0.5"}:
                    abort(403)
                return "ok"
            """),
        # the scheme is only compared with fixed text, to send plain-http visitors to https
        Valid("""
            from flask import Flask, redirect, request
            app = Flask(__name__)

            @app.before_request
            def force_https():
                proto = request.headers.get("X-Forwarded-Proto", "http").lower()
                if proto != "https":
                    return redirect(request.url.replace("http://", "https://", 1), code=301)
            """),
        # a project proxy of something else than the request: its headers are not the client's
        Valid(
            """
            from flask import Flask, g, jsonify
            from werkzeug.local import LocalProxy
            app = Flask(__name__)
            upstream = LocalProxy(lambda: g.upstream_response)

            @app.get("/relay")
            def relay():
                g.hop = upstream.headers.get("X-Forwarded-For", "")
                return jsonify(hops=g.hop)
            """
        ),
        # a field of the log line: set on the record by a logging filter, or appended to an access-log file
        Valid(
            """
            import logging
            from flask import Flask, request
            app = Flask(__name__)

            class ClientAddressFilter(logging.Filter):
                def filter(self, record):
                    record.client = request.headers.get("X-Forwarded-For", request.remote_addr)
                    return True

            @app.post("/import")
            def import_rows():
                sender = request.headers.get("X-Forwarded-For", request.remote_addr)
                with open("imports.log", "a") as trail:
                    trail.write(f"{sender} imported {len(request.files)} files\\n")
                return "queued"
            """
        ),
        # kept on `g` by a hook and read only by the access-log hook
        Valid(
            """
            import logging
            from flask import Flask, g, request
            app = Flask(__name__)
            log = logging.getLogger("access")

            @app.before_request
            def note_caller():
                g.caller = request.headers.get("X-Forwarded-For", request.remote_addr)

            @app.after_request
            def write_access_line(response):
                log.info("%s %s %s", g.caller, request.path, response.status_code)
                return response
            """
        ),
        # a request dump files each header under its own name: the record keeps what the client sent, as such
        Valid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/upload")
            def upload():
                audit.insert(
                    path=request.path,
                    user_agent=request.headers.get("User-Agent"),
                    x_forwarded_for=request.headers.get("X-Forwarded-For"),
                )
                return "stored"
            """
        ),
        # the operator says a proxy sets the host and scheme: read only when that setting is on
        Valid(
            """
            from flask import Flask, redirect, request
            import settings
            app = Flask(__name__)

            def root_url():
                if settings.USE_FORWARDED_HOST and "X-Forwarded-Host" in request.headers:
                    host = request.headers["X-Forwarded-Host"]
                    scheme = request.headers.get("X-Forwarded-Proto", "http")
                    return scheme + "://" + host
                return request.host_url

            @app.get("/login")
            def login():
                return redirect(root_url() + "/auth?back=" + request.path)
            """
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, abort, request
            app = Flask(__name__)
            ALLOWED = {"10.0.0.5"}

            @app.post("/internal/reindex")
            def reindex():
                ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0]  # expect
                if ip not in ALLOWED:
                    abort(403)
                return start_reindex()
            """,
            message="X-Forwarded-For",
        ),
        Invalid(
            """
            from flask import request

            def client_ip():
                return request.environ.get("HTTP_X_REAL_IP") or request.remote_addr  # expect

            def over_limit():
                return limiter.hit(client_ip())
            """,
            message="X-Real-IP",
        ),
        # the failed-login line that fail2ban reads takes the client's claim
        Invalid(
            """
            import logging
            from flask import Flask, request
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.post("/login")
            def login():
                user = check_password(request.form["name"], request.form["password"])
                if user is None:
                    ip = request.headers.get("X-Forwarded-For", request.remote_addr)  # expect
                    log.warning("Login failed for user %s from IP %s", request.form["name"], ip)
                    return "wrong password", 401
                return "welcome"
            """,
            message="failed-login",
        ),
        # kept on `g` by one hook, and another hook turns callers away by it
        Invalid(
            """
            from flask import Flask, abort, g, request
            app = Flask(__name__)
            BLOCKED = {"203.0.113.9"}

            @app.before_request
            def note_caller():
                g.caller = request.headers.get("X-Forwarded-For", request.remote_addr)  # expect

            @app.before_request
            def refuse_blocked():
                if g.caller in BLOCKED:
                    abort(403)
            """,
            message="X-Forwarded-For",
        ),
        # the project's own request proxy; the claimed address becomes the author of anonymous edits
        Invalid(
            """
            from flask import Flask, g
            from shared import request
            app = Flask(__name__)

            @app.before_request
            def identify():
                g.client_ip = request.environ.get("HTTP_X_FORWARDED_FOR", "")  # expect
                if not g.client_ip:
                    g.client_ip = request.environ.get("REMOTE_ADDR", "unknown")
                g.author = g.user_name or g.client_ip
            """,
            files={
                "shared.py": (
                    "import flask\n"
                    "from werkzeug.local import LocalProxy\n\n\n"
                    "class SiteRequest(LocalProxy):\n"
                    "    @property\n"
                    "    def wants_fragment(self):\n"
                    "        return self.headers.get('HX-Request') == 'true'\n\n\n"
                    "def _current():\n"
                    "    return flask.request\n\n\n"
                    "request = SiteRequest(_current)\n"
                )
            },
            message="X-Forwarded-For",
        ),
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
        if self._takes_last(ctx, node) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{short(node, 60)}`", header)

    def visit_Subscript(self, node: ast.Subscript, ctx: Context) -> None:
        if ctx.is_test_code() or isinstance(node.ctx, ast.Store):
            return
        header = forwarded_header(node.slice)
        if header is None or not self._request_mapping(node.value, ctx):
            return
        if self._takes_last(ctx, node) or self._presence_only(ctx):
            return
        self._report(ctx, node, f"`{short(node, 60)}`", header)

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if node.attr != "access_route" or ctx.is_test_code():
            return
        if ctx.resolve(node.value) not in request_names(ctx.project):
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Subscript) and is_last_index(parent.slice):
            return
        if last_hop_through_local(ctx.project, ctx.function, node):
            return  # ``hops = request.access_route`` ... ``hops[-1]``
        self._report(ctx, node, "`request.access_route`", "X-Forwarded-For")

    def _request_mapping(self, node: ast.expr, ctx: Context) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in ("headers", "environ"):
            return ctx.resolve(node.value) in request_names(ctx.project)
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

    def _takes_last(self, ctx: Context, node: ast.AST) -> bool:
        """``...split(",")[-1]`` around the read, or on the local it is assigned to: the hop the proxy appended."""
        for parent in reversed(ctx.ancestors[-4:]):
            if isinstance(parent, ast.Subscript) and is_last_index(parent.slice):
                return True
        return last_hop_through_local(ctx.project, ctx.function, node)

    #: Headers that only name a scheme: compared with fixed text they build nothing a client could redirect.
    SCHEME_HEADERS = ("X-Forwarded-Proto", "X-Forwarded-Scheme")
    URL_HEADERS = ("X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Scheme", "X-Forwarded-Port")
    #: Headers a proxy *sets* (nginx ``proxy_set_header X-Real-IP $remote_addr``) rather than appends to.
    SET_BY_PROXY = ("X-Real-IP", "X-Client-IP")

    #: Headers a proxy replaces (rather than appends to): trusting them is what an operator's opt-in declares.
    TRUSTED_UNDER_OPT_IN = (*URL_HEADERS, *SET_BY_PROXY)

    @staticmethod
    def _under_proxy_setting(ctx: Context) -> bool:
        """In the body of ``if settings.USE_FORWARDED_HOST ...:`` / ``if app.config["BEHIND_PROXY"]:``.

        A setting (an upper-case name, attribute or config key) that names the proxy or the forwarded
        headers, tested by an ``if`` whose body holds the read: the operator turns it on behind a proxy.
        """
        node: ast.AST | None = None
        for parent in reversed(ctx.ancestors):
            if isinstance(parent, ast.If) and node is not None and any(node is n for n in parent.body):
                if any(_PROXY_SETTING().search(name) for name in _setting_names(parent.test)):
                    return True
            node = parent
        return False

    @staticmethod
    def _kept_under_own_name(ctx: Context, node: ast.AST, header: str) -> bool:
        """``x_forwarded_for=request.headers.get("X-Forwarded-For")`` or ``{"X-Forwarded-For": ...}``.

        A record that files the value under the header's own name (a dump of the request's headers
        next to its user agent and referrer) keeps what the client sent as such, not as its address.
        """
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        name: object = None
        if isinstance(parent, ast.keyword):
            name = parent.arg
        elif isinstance(parent, ast.Dict):
            keys = [k for k, v in zip(parent.keys, parent.values) if v is node]
            name = keys[0].value if keys and isinstance(keys[0], ast.Constant) else None
        if not isinstance(name, str):
            return False
        wanted = header.lower().replace("-", "_")
        return name.lower().replace("-", "_").removeprefix("http_") == wanted

    def _report(self, ctx: Context, node: ast.AST, text: str, header: str) -> None:
        if self._kept_under_own_name(ctx, node, header):
            return  # a request dump: the header is recorded as the header, nothing takes it for the client
        if header in self.TRUSTED_UNDER_OPT_IN and self._under_proxy_setting(ctx):
            return  # the operator declared a proxy that sets it: ProxyFix's trust, by configuration
        if header in self.SCHEME_HEADERS and only_compared_with_constants(ctx.project, ctx.function, node):
            return  # ``== "http"`` to redirect to https: a client only changes how its own request is answered
        uses = address_uses(ctx.project, ctx.function, node)
        if header in self.URL_HEADERS:
            harmful = [k for k in (DECISION, NOTIFY, AUDIT) if k in uses]
            risk = (
                "a client can send any value, and URLs built from it (password-reset links, redirects) point "
                "where it says"
            )
            severity = self.effective_severity
        elif header in self.SET_BY_PROXY:
            # the usual proxy overwrites it; without a proxy any client sets it, so say so where it decides
            harmful = [k for k in (DECISION,) if k in uses]
            risk = (
                "a proxy that sets this header makes it trustworthy, but a client that reaches the app directly "
                "(or through a proxy that passes it on) can send any address, and the code decides on it"
            )
            severity = Severity.NOTE
        else:
            harmful = [k for k in (DECISION, AUDIT, FAILED_LOGIN_LOG) if k in uses]
            risk = (
                "a client can send any address, so rate limits, IP allow-lists and audit records keyed on it can be "
                "fooled"
            )
            if harmful == [FAILED_LOGIN_LOG]:
                risk = (
                    "a client can send any address, and it goes into the failed-login log line that fail2ban-style "
                    "tools ban on: an attacker evades bans or gets someone else banned"
                )
            severity = self.effective_severity
        if not harmful:
            return  # only echoed to the same client, logged or mailed: nothing decides on it
        evidence = [Evidence(self.USE_LABELS[kind], uses[kind]) for kind in harmful if uses[kind].path]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{text} in {describe_context(ctx)} reads the `{header}` header by hand: {risk}",
                hint="Wrap the app in werkzeug's ProxyFix with the number of proxies you run, then use "
                "request.remote_addr / request.scheme / request.host.",
                severity=min(severity, self.effective_severity),
                evidence=evidence,
            )
        )

    USE_LABELS = {
        DECISION: "the value is compared, passed on or used here",
        AUDIT: "the value is recorded here",
        NOTIFY: "the value goes into a message here",
        FAILED_LOGIN_LOG: "the value goes into a failed-login log line here",
    }
