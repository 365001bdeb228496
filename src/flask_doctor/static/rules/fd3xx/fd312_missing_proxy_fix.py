"""FD312 missing-proxy-fix: No ProxyFix behind a reverse proxy: rate limits and records keyed on request.remote_addr see the proxy."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.assembly import app_creation
from flask_doctor.static.facts.proxy import (
    AUDIT,
    DECISION,
    LOG,
    PROXY_SENSITIVE_ATTRS,
    SchemeRewrite,
    address_hiding_proxies,
    address_uses,
    declared_proxies,
    fallback_for_forwarded_address,
    proxy_fix_configured,
    proxy_sensitive_uses,
    scheme_rewrites,
    server_handles_proxy,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.scopes import enclosing_function
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid
from flask_doctor.static.source import SourceModule

#: A reverse proxy in front of the app, for the examples.
NGINX = "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"


#: The evidence that points at ``Flask(...)``, after which ``--fix`` wraps the app in ``ProxyFix``.
APP_CREATED = "the app is created here"


class MissingProxyFix(Rule):
    """
    ## What it does
    In a project whose deploy files put a reverse proxy in front of the app
    (an nginx config, an nginx/traefik/caddy service in compose, or a
    platform that routes every request through its own proxy: a Procfile
    `web` process behind Heroku's router, Fly.io's `[http_service]`, App
    Engine's `app.yaml`, a Render web service, a Cloud Run service; not a
    Procfile with only workers, nor one in an example's directory; or, with
    none of these, application code that reads a variable only such a
    platform sets: `RENDER`, Heroku's `DYNO`, `FLY_APP_NAME`, Cloud Run's
    `K_SERVICE`, `GAE_ENV`, `RAILWAY_ENVIRONMENT`, Azure's
    `WEBSITE_SITE_NAME`, the service being set up in the platform's
    dashboard rather than in a file) and that
    never wraps the app in `ProxyFix`, finds code that relies on the client
    address the proxy hides: `request.remote_addr` and Flask-Limiter's
    `get_remote_address` (not `get_ipaddr`, which reads the address the
    nearest proxy appended to `X-Forwarded-For`). Code that turns the request's own URL into https
    by hand (`request.url_root.replace("http", "https")`) says the same
    without any deploy file: users reach the app over https while it sees
    plain http, so a proxy in front terminates TLS. That rewrite is
    reported too, and so are the address reads it puts behind that proxy.
    nginx that reaches the app only through `uwsgi_pass` (or `fastcgi_pass`,
    `scgi_pass`) with the stock `include uwsgi_params;` hides nothing: those
    parameters carry the client's own `REMOTE_ADDR` and `HTTPS`, so the app
    sees the real address and scheme without ProxyFix.

    With no proxy in the deploy files at all, only a rate limiter keyed on
    the connection's address (`Limiter(key_func=get_remote_address)`) is
    reported, as a note: a public site is usually served behind a proxy, and
    the limiter is the code that breaks there.

    ## Why is this bad?
    Behind a proxy the WSGI server sees the proxy's connection: every
    request comes from `127.0.0.1` (or the proxy container). Rate limits
    keyed on the address then throttle all users together (one user's burst
    locks everyone out), logins are logged from one IP, and IP allow-lists
    allow everyone. `ProxyFix` reads the `X-Forwarded-*` headers the proxy
    sets, for exactly the number of proxies you declare. (`request.scheme`
    and external URLs are also affected unless the server trusts the proxy's
    `X-Forwarded-Proto` and the proxy passes `Host`; that depends on server
    settings and is left to `flask-doctor audit`.) Servers that rewrite the
    address themselves (waitress `--trusted-proxy`, uvicorn
    `--proxy-headers`) are not reported, nor are apps that import `ProxyFix`
    to apply it from their settings (`if config["ENABLE_PROXY_FIX"]:`): the
    operator who knows the proxies decides. Nor is a `request.remote_addr`
    taken only when the proxy's address header is missing
    (`request.headers.get("X-Real-IP") or request.remote_addr`, or returned
    after `return request.headers["X-Real-IP"]`): the code reads the address
    from the proxy itself. The message says whether the
    address feeds per-client logic (a rate limit, an allow-list, a stored
    record) or only reaches responses; an address that is only written to a
    log line is not reported. Per-client logic behind a proxy that the
    deploy files show (nginx, a compose proxy service, a platform's files)
    is a warning; the rest is a note (a proxy inferred from the code, an
    address only echoed back, a rate limiter with no deploy file), and the
    audit confirms it on the loaded middleware chain. A WSGI middleware of
    the project that sets `environ["REMOTE_ADDR"]` from the proxy's header
    counts as ProxyFix.

    ## Example
    ```python
    limiter = Limiter(get_remote_address, app=app)
    ```
    with `proxy_pass http://web:8000;` in `nginx.conf`.

    ## Use instead
    ```python
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    ```

    ## Fix safety
    Unsafe: `--unsafe-fixes` adds `app.wsgi_app = ProxyFix(app.wsgi_app,
    x_for=1, x_proto=1)` right after the one `app = Flask(...)` of the
    project (in its factory if that is where it is made; the import added
    once). It trusts exactly one proxy: with more hops in front raise
    `x_for`, and if clients can reach the app without the proxy, anyone can
    set the address the app sees. Skipped with a note when the project
    creates several apps or creates it otherwise than `name = Flask(...)`.

    ## References
    - Flask docs, "Tell Flask it is Behind a Proxy"
    - Werkzeug docs, ProxyFix
    """

    code = "FD312"
    name = "missing-proxy-fix"
    severity = Severity.WARNING
    catalog = ("S24",)
    summary = "No ProxyFix behind a reverse proxy: rate limits and records keyed on request.remote_addr see the proxy."

    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """,
        after="""
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix

            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """,
        files={"nginx.conf": NGINX},
    )

    VALID = (
        # behind nginx, but the address only goes into a debug log line: nothing is decided on it
        Valid(
            """
            import logging
            from flask import Flask, request
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.get("/search")
            def search():
                log.debug("search from %s: %s", request.remote_addr, request.args.get("q"))
                return run_search(request.args.get("q", ""))
            """,
            files={"nginx.conf": NGINX},
        ),
        # the project's own middleware puts the proxy's address header into REMOTE_ADDR: ProxyFix by another name
        Valid(
            """
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)

            class RealAddress:
                def __init__(self, wsgi_app):
                    self.wsgi_app = wsgi_app

                def __call__(self, environ, start_response):
                    if "HTTP_X_REAL_IP" in environ:
                        environ["REMOTE_ADDR"] = environ["HTTP_X_REAL_IP"]
                    return self.wsgi_app(environ, start_response)

            app.wsgi_app = RealAddress(app.wsgi_app)
            limiter = Limiter(get_remote_address, app=app)
            """,
            files={"nginx.conf": NGINX},
        ),
        # behind the platform's router, Flask-Limiter's `get_ipaddr` keys on the address the router appended to
        # X-Forwarded-For: the client's, not the proxy's
        Valid(
            """
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_ipaddr

            app = Flask(__name__)
            limiter = Limiter(app, key_func=get_ipaddr)
            """,
            files={"Procfile": "web: gunicorn app:app\n"},
        ),
        # the code takes the address from the header the proxy sets; `remote_addr` is only the fallback
        # for a request that came without it (FD311 judges the header read)
        Valid(
            """
            from flask import Flask, abort, request
            app = Flask(__name__)
            DENIED = {"198.51.100.7"}

            def caller_address():
                if "X-Real-IP" in request.headers:
                    return request.headers["X-Real-IP"]
                return request.remote_addr

            @app.post("/vote")
            def vote():
                if caller_address() in DENIED:
                    abort(403)
                return "counted"
            """,
            files={"nginx.conf": NGINX},
        ),
        # a Procfile that only runs a worker: no router in front of anything
        Valid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """,
            files={"Procfile": "worker: celery -A app.celery worker\n"},
        ),
        # a URL from the settings forced to https says nothing about what is in front of the app
        Valid("""
            from flask import Flask, current_app, request
            app = Flask(__name__)

            @app.get("/feed")
            def feed():
                base = current_app.config["PUBLIC_URL"].replace("http://", "https://")
                save_visit(path=request.path, ip=request.remote_addr)
                return base + "feed.xml"
            """),
        Valid(
            """
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """,
            files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"},
        ),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr
            """),
        # ProxyFix applied from the operator's settings counts as configured
        Valid(
            """
            from flask import Flask, request
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app(config):
                app = Flask(__name__)
                app.config.from_object(config)
                if app.config.get("ENABLE_PROXY_FIX"):
                    app.wsgi_app = ProxyFix(app.wsgi_app, **app.config["PROXY_FIX_CONFIG"])
                return app

            def audit(event):
                record_event(event, ip=request.remote_addr)
            """,
            files={"nginx.conf": NGINX},
        ),
        # nginx talks the uwsgi protocol to the app: uwsgi_params hands over the client's address itself
        Valid(
            """
            from flask import Flask, request
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)
            limiter = Limiter(get_remote_address, app=app)

            @app.post("/signup")
            def signup():
                store_signup(ip=request.remote_addr)
                return "", 201
            """,
            files={
                "deploy/nginx/site.conf": (
                    "server {\n  listen 80;\n  location / {\n    include uwsgi_params;\n"
                    "    uwsgi_pass unix:/run/site/uwsgi.sock;\n  }\n}\n"
                ),
                "docker-compose.yml": "services:\n  nginx:\n    image: nginx:stable\n  app:\n    build: .\n",
            },
        ),
        # the code reads Heroku's variable, but the app applies ProxyFix for the router
        Valid("""
            import os
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
            app.config["ON_HEROKU"] = "DYNO" in os.environ
            limiter = Limiter(get_remote_address, app=app)
            """),
    )
    INVALID = (
        # no deploy file at all, but a rate limiter keyed on the connection's address: a note, since a public
        # site is usually served behind a proxy, and behind one every visitor shares the proxy's bucket
        Invalid(
            """
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)
            limiter = Limiter(app=app, key_func=get_remote_address)  # expect

            @app.get("/<user>/<day>")
            @limiter.limit("10 per minute")
            def changes(user, day):
                return count_changes(user, day)
            """,
            message="keys the rate limit",
        ),
        # Heroku's router in front: the sign-up throttle stores the router's address with every attempt
        Invalid(
            """
            from flask import Flask
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)

            @app.post("/signup")
            def signup():
                store_signup_attempt(ip=get_remote_address())  # expect
                return "", 201
            """,
            message="Procfile",
            files={"Procfile": "web: gunicorn app:app\n"},
        ),
        # the uwsgi location serves pages, but the API goes over HTTP through proxy_pass: that hop hides the client
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/api/votes")
            def vote():
                record_vote(ip=request.remote_addr)  # expect
                return "", 204
            """,
            message="site.conf",
            files={
                "site.conf": (
                    "server {\n  location / {\n    include uwsgi_params;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n"
                    "  location /api/ {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n"
                ),
            },
        ),
        # Heroku's router is in front of every `web` process
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr  # expect
            """,
            message="Procfile",
            files={"Procfile": "web: gunicorn app:app\n"},
        ),
        # no deploy file, but the sitemap patches https onto the request's URL: a TLS-terminating proxy is in front
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/sitemap.txt")
            def sitemap():
                root = request.url_root.replace("http", "https")  # expect
                return "\\n".join(root + page for page in ("about", "blog"))

            @app.post("/visits")
            def visit():
                save_visit(path=request.path, ip=request.remote_addr)  # expect
                return "", 204
            """,
            message="httpss://",
        ),
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.get("/ip")
            def ip():
                return request.remote_addr  # expect
            """,
            message="nginx.conf",
            files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"},
        ),
        # per-client logic keyed on the proxy's address: one limit and one allow-list for everybody
        Invalid(
            """
            from flask import Flask, abort, request
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)
            limiter = Limiter(get_remote_address, app=app)  # expect
            ADMIN_NETWORKS = ("10.0.0.",)

            @app.before_request
            def admin_only_from_office():
                if request.path.startswith("/admin") and not request.remote_addr.startswith(ADMIN_NETWORKS):  # expect
                    abort(403)
            """,
            message="limit",
            files={"nginx.conf": NGINX},
        ),
        # no deploy file, but the code reads a variable only Render sets: it runs behind Render's router
        Invalid(
            """
            import os
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address
            app = Flask(__name__)
            UPLOADS = "/var/data/uploads" if os.getenv("RENDER") else "uploads"
            limiter = Limiter(key_func=get_remote_address, app=app)  # expect
            """,
            message="behind Render's router",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if proxy_fix_configured(project) or server_handles_proxy(project):
            return
        proxies = address_hiding_proxies(project)
        rewrites = scheme_rewrites(project)
        #: The deploy files themselves put the proxy in front (not code that hints at one): per-client logic
        #: keyed on the address is then a warning.
        shown = bool(proxies) and proxies[0].kind != "platform-code"
        if proxies:
            proxy = proxies[0]
            if proxy.kind == "platform-code":  # the code reads a variable only that platform sets
                where = f"{proxy.source.path}:{proxy.source.line}"
                evidence = [Evidence(f"reads a variable only the platform behind {proxy.name} sets", proxy.source)]
                behind = f"behind {proxy.name} (`{where}` reads a variable only that platform sets)"
            else:
                evidence = [Evidence(f"reverse proxy `{proxy.name}` declared here", proxy.source)]
                behind = f"behind the reverse proxy declared in `{proxy.source.path}`"
        elif rewrites:
            first = rewrites[0].location
            evidence = [Evidence("the request's URL is turned into https by hand here", first)]
            behind = f"behind the TLS-terminating proxy that `{first.path}:{first.line}` works around"
        elif declared_proxies(project):
            return  # nginx speaks uwsgi to the app and hands it the client's own address
        else:
            evidence = []
            behind = ""  # no proxy declared: only a rate limiter keyed on the address is worth a note
        created = app_creation(project)
        if created is not None:
            evidence.append(Evidence(APP_CREATED, created))
        for rewrite in rewrites:
            self._scheme_rewrite(rewrite, evidence[1:], report)
        for module in project.modules.values():
            if is_test_path(module.path) or (not behind and "get_remote_address" not in module.text):
                continue  # with no proxy shown only Flask-Limiter's key is reported
            for what, (node, uses, harmful) in self._worst_uses(project, module).items():
                if not behind and not self._rate_limit_key(node):
                    continue  # nothing shows a proxy: only a rate limiter keyed on the address is worth a note
                if uses and set(uses) <= {LOG}:
                    continue  # only printed in a log line: nothing is decided on the proxy's address
                line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
                used = [
                    Evidence("used here", uses[k])
                    for k in harmful
                    if uses[k].path and (uses[k].path, uses[k].line) != (module.path, line)
                ]
                if not behind:
                    message = (
                        f"{what} keys the rate limit on the connection's address and the app never applies ProxyFix: "
                        "behind a reverse proxy (how a public Flask site is usually served) every client has the "
                        "proxy's address and is treated as one"
                    )
                    severity = Severity.NOTE
                else:
                    if harmful:
                        consequence = (
                            "every client has the proxy's address, so the limit, allow-list or record keyed on it "
                            "treats all users as one"
                        )
                        severity = Severity.WARNING if shown else Severity.NOTE
                    else:
                        consequence = "logs and responses show the proxy's address"
                        severity = Severity.NOTE
                    message = (
                        f"{what} {behind}, and the app never applies ProxyFix: it sees the proxy's connection, "
                        f"not the client's; {consequence}"
                    )
                report(
                    self.finding(
                        Location(module.path, line, col + 1),
                        message,
                        hint="app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1) — one per proxy "
                        "in front.",
                        evidence=evidence + used,
                        severity=min(severity, self.effective_severity),
                    )
                )

    @staticmethod
    def _rate_limit_key(node: ast.AST) -> bool:
        """``get_remote_address`` itself, handed to Flask-Limiter as its key (not called, not ``remote_addr``)."""
        if isinstance(node, ast.Attribute):
            return node.attr not in PROXY_SENSITIVE_ATTRS
        return not isinstance(node, ast.Call)

    @staticmethod
    def _worst_uses(
        project: Project, module: SourceModule
    ) -> dict[str, tuple[ast.AST, dict[str, Location], list[str]]]:
        """One read of the client address per kind of read in ``module``: the first that feeds per-client logic
        (a decision or a stored record), else the first."""
        chosen: dict[str, tuple[ast.AST, dict[str, Location], list[str]]] = {}
        for node, what in proxy_sensitive_uses(project, module):
            fn = enclosing_function(project, module.path, getattr(node, "lineno", 0))
            if not MissingProxyFix._rate_limit_key(node):
                if fn is not None and fallback_for_forwarded_address(project, fn, node):
                    continue  # ``headers.get("X-Real-IP") or request.remote_addr``: the proxy's header first
                uses = address_uses(project, fn, node)
            else:
                uses = {DECISION: Location(module.path, node.lineno, node.col_offset + 1)}  # a rate-limit key
            harmful = [k for k in (DECISION, AUDIT) if k in uses]
            if what not in chosen or (harmful and not chosen[what][2]):
                chosen[what] = (node, uses, harmful)
        return chosen

    def _scheme_rewrite(
        self, rewrite: SchemeRewrite, evidence: list[Evidence], report: Callable[[Finding], None]
    ) -> None:
        """``request.url_root.replace("http", "https")``: the proxy's plain-http scheme patched in one place."""
        doubled = (
            "; the replacement is not anchored to `http://`, so a request that does arrive over https gets `httpss://`"
            if rewrite.unanchored
            else ""
        )
        report(
            self.finding(
                rewrite.location,
                f"`{ast.unparse(rewrite.node)[:70]}` forces https onto the URL the app builds from the request: a "
                "proxy in front terminates TLS and the app never applies ProxyFix, so every other external URL, "
                f"redirect and `request.scheme` still says http{doubled}",
                hint="app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1) (one per proxy in front) "
                "and use `request.url_root` as it is.",
                evidence=evidence,
                severity=min(Severity.NOTE, self.effective_severity),
            )
        )
