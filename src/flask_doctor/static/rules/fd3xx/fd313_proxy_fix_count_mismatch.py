"""FD313 proxy-fix-count-mismatch: ProxyFix trusts more proxy hops than the deployment declares."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.proxy import declared_proxies, proxy_fixes
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid

_HOP_COUNTS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix", "num_proxies")


class ProxyFixCountMismatch(Rule):
    """
    ## What it does
    Finds `ProxyFix(app.wsgi_app, x_for=N, ...)` whose counts exceed the
    number of reverse proxies the deploy files declare (for example
    `x_for=2` with one nginx in front).

    ## Why is this bad?
    `x_for=N` tells Werkzeug to trust the last N addresses in
    `X-Forwarded-For`. With fewer real proxies than N, the extra entries are
    whatever the client sent, so the client picks its own
    `request.remote_addr` (and with `x_host`/`x_proto`, its own host and
    scheme) — exactly what ProxyFix is meant to prevent. When the deploy
    files do not declare any proxy, nothing is reported (a load balancer
    may live outside the repository).

    ## Example
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=2)
    ```
    with one nginx in `docker-compose.yml`.

    ## Use instead
    ```python
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    ```

    ## Fix safety
    No automatic fix: a proxy outside the repository (a cloud load balancer)
    also counts.

    ## References
    - Werkzeug docs, ProxyFix: "setting a value greater than the number of proxies ... allows clients to spoof"
    - Flask docs, "Tell Flask it is Behind a Proxy"
    """

    code = "FD313"
    name = "proxy-fix-count-mismatch"
    severity = Severity.WARNING
    catalog = ("S24",)
    #: A cloud load balancer in front of the declared nginx is invisible in the
    #: repository and makes x_for=2 right; no real deploy tree exercised this yet.
    preview = True
    summary = "ProxyFix trusts more proxy hops than the deployment declares."

    VALID = (
        Valid(
            """
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
            """,
            files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"},
        ),
        Valid("""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2)
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix
            app = Flask(__name__)
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=3, x_proto=1)  # expect
            """,
            message="x_for=3",
            files={"nginx.conf": "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        proxies = declared_proxies(project)
        if not proxies:
            return
        # an nginx service in compose and its nginx.conf are one proxy: count distinct kinds
        count = max(1, len({p.kind or p.name for p in proxies}))
        for call, location in proxy_fixes(project):
            over = []
            for kw in call.keywords:
                value = kw.value.value if isinstance(kw.value, ast.Constant) else None
                if kw.arg in _HOP_COUNTS and isinstance(value, int) and not isinstance(value, bool) and value > count:
                    over.append(f"{kw.arg}={value}")
            if not over:
                continue
            names = ", ".join(f"`{p.name}`" for p in proxies[:3])
            report(
                self.finding(
                    location,
                    f"`ProxyFix(..., {', '.join(over)})` trusts more hops than the {count} reverse prox"
                    f"{'y' if count == 1 else 'ies'} the deploy files declare ({names}): clients can spoof the extra "
                    f"X-Forwarded-* entries and choose their own address/host",
                    hint=f"Set each x_* count to the number of proxies really in front ({count} here), "
                    "counting load balancers outside the repository.",
                    evidence=[Evidence(f"proxy `{p.name}`", p.source) for p in proxies[:3]],
                )
            )
