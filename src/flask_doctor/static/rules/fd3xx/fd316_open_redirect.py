"""FD316 open-redirect: redirect() to a URL taken from the request without checking its host."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.guards import mentions, validated
from flask_doctor.static.facts.redirects import (
    REDIRECT_GUARDS,
    REDIRECT_SINKS,
    REDIRECT_TARGET,
    fixed_host,
)
from flask_doctor.static.facts.taint import describe_source, taint
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class OpenRedirect(Rule):
    """
    ## What it does
    Finds `redirect(target)` where `target` comes from the request
    (`request.args.get("next")`, a form field, a header) and the view never
    checks it: no `url_has_allowed_host_and_scheme`/`is_safe_url`-style
    helper, no `urlparse(...).netloc` comparison, no `if` that tests the
    value beyond truthiness (`if not nxt.startswith("/"): nxt = "/"`).
    Targets whose scheme and host the code fixes (`url_for(...)`,
    `"/books/" + slug`, `IMAGE_HOST + "/" + uuid`) are not reported: the user
    only picks a path on a known site.

    ## Why is this bad?
    A link such as `https://your.site/login?next=https://evil.example`
    carries your domain, so users trust it; after logging in they land on
    the attacker's look-alike page, which asks for the password again or
    for a payment. Redirects to `url_for(...)`, to `request.url` or
    `request.referrer` (same site, or where the user came from) and to
    values that went through another function first are not reported.

    ## Example
    ```python
    @app.post("/login")
    def login():
        login_user(check_password(request.form))
        return redirect(request.args.get("next") or url_for("index"))
    ```

    ## Use instead
    ```python
    from urllib.parse import urlsplit

    @app.post("/login")
    def login():
        login_user(check_password(request.form))
        target = request.args.get("next", "")
        if urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
            target = url_for("index")
        return redirect(target)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-Login docs, "Login Example": validate `next` before redirecting
    - OWASP Unvalidated Redirects and Forwards Cheat Sheet
    """

    code = "FD316"
    name = "open-redirect"
    severity = Severity.WARNING
    catalog = ()
    summary = "redirect() to a URL taken from the request without checking its host."

    VALID = (
        Valid("""
            from urllib.parse import urlparse
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.get("/login")
            def login():
                target = request.args.get("next", "")
                if urlparse(target).netloc:
                    target = url_for("index")
                return redirect(target)
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.get("/back")
            def back():
                return redirect(request.referrer or url_for("index"))
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            def safe_target(value):
                return value if value.startswith("/") and not value.startswith("//") else "/"

            @app.get("/go")
            def go():
                return redirect(safe_target(request.args.get("to", "/")))
            """),
        Valid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)
            COVER_HOST = "https://covers.example.com"

            @app.post("/login")
            def login():
                next_page = request.form.get("next")
                if not next_page or not next_page.startswith("/") or next_page[1:2] in ("/", "\\\\"):
                    next_page = url_for("index")
                return redirect(next_page)

            @app.get("/cover/<uuid>")
            def cover(uuid):
                return redirect(COVER_HOST + "/" + uuid + ".jpg")
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.post("/login")
            def login():
                next_url = request.args.get("next")
                return redirect(next_url or url_for("index"))  # expect
            """, message="request.args.get('next')"),
        Invalid("""
            import flask
            app = flask.Flask(__name__)

            @app.route("/out")
            def out():
                return flask.redirect(flask.request.form["url"])  # expect
            """, message="`out`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if not node.args or fn is None or ctx.is_test_code():
            return
        if ctx.resolve(node.func) not in REDIRECT_SINKS:
            return
        state = taint(ctx.project, fn, REDIRECT_TARGET)
        source = state.source(node.args[0])
        if source is None or mentions(fn, REDIRECT_GUARDS) or validated(ctx.project, fn, node.args[0]):
            return
        if fixed_host(node.args[0], fn, state):
            return  # f"/books/{slug}", IMAGE_HOST + "/" + uuid: the user picks a path, not a site
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} without "
                f"checking its host: a link to this page can send users to any site (open redirect)",
                hint="Accept only relative paths (no scheme or netloc, not starting with '//'), or compare "
                "urlsplit(target).netloc with request.host before redirecting.",
            )
        )
