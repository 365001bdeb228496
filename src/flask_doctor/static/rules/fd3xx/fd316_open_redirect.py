"""FD316 open-redirect: redirect() to a URL taken from the request without checking its host."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.csrf import posts_only
from flask_doctor.static.facts.guards import allow_listed, mentions, validated
from flask_doctor.static.facts.redirects import (
    REDIRECT_GUARDS,
    REDIRECT_SINKS,
    REDIRECT_TARGET,
    HelperTarget,
    fixed_host,
    helper_target,
    weak_redirect_check,
)
from flask_doctor.static.facts.taint import describe_source, taint
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

#: Why a view that accepts only POST gets a note: the redirect needs a forged form, not a link.
_POST_ONLY = (
    "; a note: the view accepts only POST, so a link cannot lead here, only a form another site submits "
    "(a cross-site POST, which CSRF protection stops)"
)


def _harm(post_only: bool) -> str:
    return "a form another site submits to this page" if post_only else "a link to this page"


class OpenRedirect(Rule):
    """
    ## What it does
    Finds `redirect(target)` where `target` comes from the request
    (`request.args.get("next")`, a form field, a header) and the view never
    checks it: no `url_has_allowed_host_and_scheme`/`is_safe_url`-style
    helper, no `urlparse(...).netloc` comparison, no `if` that tests the
    value beyond truthiness (`if not nxt.startswith("/"): nxt = "/"`).
    Targets whose scheme and host the code fixes (`url_for(...)`,
    `"/books/" + slug`, `IMAGE_HOST + "/" + uuid`, a base URL the operator
    sets in the environment or the config followed by the query) are not
    reported: the user only picks a path on a known site. Checks that
    another site passes are reported: `nxt.startswith("/")` alone (lets
    `//evil.example` and `/\\evil.example` through), `"//" not in nxt`
    (misses the backslash), `nxt[0] == "/"`, a test of the scheme alone
    (`startswith("http")`, which `//evil.example` passes either way), and
    `request.host in nxt` (finds the host in a query string). A helper that
    hands back the client's target (`redirect(get_redirect_target())`) with
    no check of its own counts as the request value itself.

    A view that accepts only POST (`methods=["POST"]`, `@app.post`, a
    class view's `post`) is a note: a link cannot lead the victim there,
    only a form another site submits, and that cross-site POST is what CSRF
    protection stops. A site the project stored is not the client's: a
    method of a row or client the request did not give, followed by a fixed
    `/` (`agent.api_url() + "/task_logs/" + name`), and
    `os.path.join(BASE_URL, "agent-%s.zip" % version)` (a piece that does
    not start with a slash keeps the base). Nor is a value the view holds
    to a whole-value pattern first (`if not VERSION.match(version): abort(400)`
    with `VERSION = re.compile(r"...$")`, or `fullmatch`).

    ## Why is this bad?
    A link such as `https://your.site/login?next=https://evil.example`
    carries your domain, so users trust it; after logging in they land on
    the attacker's look-alike page, which asks for the password again or
    for a payment. Redirects to `url_for(...)`, to `request.url` or
    `request.referrer` (same site, or where the user came from) and to
    values that another function received as an argument and transformed
    are not reported.

    ## Example
    ```python
    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            login_user(check_password(request.form))
            return redirect(request.args.get("next") or url_for("index"))
        return render_template("login.html")
    ```

    ## Use instead
    ```python
    from urllib.parse import urlsplit

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method != "POST":
            return render_template("login.html")
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

    call_names = last_segments(REDIRECT_SINKS)

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
        # the operator configures the fallback site; the user only supplies the query
        Valid("""
            import os
            from flask import Flask, redirect, request
            app = Flask(__name__)

            @app.errorhandler(500)
            def search_failed(error):
                query = request.form.get("q") or request.args.get("q")
                fallback = os.environ.get("FALLBACK_SEARCH_URL", "")
                if fallback:
                    return redirect(fallback + (query or ""))
                return "search failed", 500
            """),
        # the helper that picks the target compares its host with this site's before handing it back
        Valid("""
            from urllib.parse import urlsplit
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            def next_target():
                for candidate in (request.args.get("next"), request.referrer):
                    if candidate and urlsplit(candidate).netloc in ("", request.host):
                        return candidate
                return None

            @app.get("/login")
            def login():
                return redirect(next_target() or url_for("index"))
            """),
        # the site is the agent's own address, stored in its row; the version is held to a whole-value pattern
        Valid("""
            import re
            from os.path import join
            from flask import Flask, abort, redirect
            app = Flask(__name__)
            UPDATES_URL = "https://files.example.com/agent"
            VERSION = re.compile(r"\\d+(\\.\\d+)*$")

            class Agent:
                def api_url(self):
                    return "http://agent.internal:50000"

            def find_agent(agent_id):
                return Agent()

            @app.get("/agents/<agent_id>/logs/<name>")
            def agent_log(agent_id, name):
                agent = find_agent(agent_id)
                return redirect(agent.api_url() + "/task_logs/" + name)

            @app.get("/updates/<version>")
            def update(version):
                if not VERSION.match(version):
                    abort(400)
                return redirect(join(UPDATES_URL, "agent-%s.zip" % version))

            @app.get("/notes/<version>")
            def notes(version):
                if not re.fullmatch(r"[0-9.]+", version):
                    abort(400)
                page = "%s.html" % version
                return redirect(page)
            """),
    )
    INVALID = (
        # only a leading slash is checked: "//evil.example" is a link to another site
        Invalid(
            """
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.route("/login", methods=["GET", "POST"])
            def login():
                target = request.args.get("next", "")
                if target and target.startswith("/"):
                    return redirect(target)  # expect
                return redirect(url_for("index"))

            @app.get("/theme")
            def theme():
                back = request.args.get("return", "/")
                if "//" not in back:
                    return redirect(back)  # expect
                return redirect("/")
            """,
            message="//evil.example",
        ),
        Invalid(
            """
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.route("/login", methods=["GET", "POST"])
            def login():
                next_url = request.args.get("next")
                return redirect(next_url or url_for("index"))  # expect
            """,
            message="request.args.get('next')",
        ),
        # a POST-only action: a note, since only a form another site submits can lead here
        Invalid(
            """
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            @app.post("/jobs/<int:job_id>/delete")
            def delete_job(job_id):
                if "next" in request.args:
                    return redirect(request.args.get("next"), 303)  # expect
                return redirect(url_for("jobs"), 303)

            def pause_job(job_id):
                return redirect(request.args.get("next") or url_for("jobs"), 303)  # expect

            app.add_url_rule("/jobs/<int:job_id>/pause", "pause_job", pause_job, methods=("POST",))
            """,
            message="accepts only POST",
        ),
        # a method of an object the request gave builds the site; a path join whose piece may be absolute
        Invalid(
            """
            import os.path
            from flask import Flask, redirect, request
            app = Flask(__name__)
            BASE = "https://files.example.com"

            @app.get("/go")
            def go():
                return redirect(request.args.get("site", "").strip() + "/home")  # expect

            @app.get("/file")
            def file():
                return redirect(os.path.join(BASE, request.args["name"]))  # expect
            """,
            message="without checking its host",
        ),
        Invalid(
            """
            import flask
            app = flask.Flask(__name__)

            @app.route("/out")
            def out():
                return flask.redirect(flask.request.form["url"])  # expect
            """,
            message="`out`",
        ),
        # a helper hands back the `next` argument after a truthiness test; a check of the scheme alone
        Invalid(
            """
            from flask import Flask, redirect, request, url_for
            app = Flask(__name__)

            def next_target():
                for candidate in (request.values.get("next"), request.referrer):
                    if not candidate:
                        continue
                    return candidate

            @app.get("/login")
            def login():
                return redirect(next_target() or url_for("index"))  # expect

            @app.get("/continue")
            def resume():
                target = request.args.get("to", "/")
                if not target.startswith(("http://", "https://")):
                    return redirect(target)  # expect
                return redirect("/")
            """,
            message="what `next_target` returns",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if not node.args or fn is None or ctx.is_test_code():
            return
        if ctx.resolve(node.func) not in REDIRECT_SINKS:
            return
        state = taint(ctx.project, fn, REDIRECT_TARGET)
        source = state.source(node.args[0])
        if mentions(fn, REDIRECT_GUARDS):
            return
        if source is None:
            found = helper_target(ctx.project, fn, node.args[0])
            if found is not None:
                self._from_helper(node, found, ctx)
            return
        if fixed_host(node.args[0], fn, state):
            return  # f"/books/{slug}", IMAGE_HOST + "/" + uuid, FALLBACK_URL + q: the user picks a path, not a site
        target_names = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
        weak = weak_redirect_check(fn, set(state.names) | target_names)
        if weak is None and (validated(ctx.project, fn, node.args[0]) or allow_listed(ctx.project, fn, node.args[0])):
            return
        post_only = posts_only(fn)  # a link cannot lead here: only a form another site submits, CSRF's ground
        if weak is not None:
            message = (
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} after a check "
                f"that another site passes: {weak} (open redirect)"
            )
        else:
            message = (
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} without "
                f"checking its host: {_harm(post_only)} can send users to any site (open redirect)"
            )
        severity = None
        if post_only:
            severity = Severity.NOTE
            message += _POST_ONLY
        ctx.report(
            self.finding(
                ctx.location(node),
                message,
                hint="Accept only relative paths (no scheme or netloc, not starting with '//' or '/\\'), or compare "
                "urlsplit(target).netloc with request.host before redirecting.",
                severity=severity,
            )
        )

    def _from_helper(self, node: ast.Call, found: HelperTarget, ctx: Context) -> None:
        """``redirect(get_redirect_target())``: the helper hands back the client's URL unchecked."""
        check = f"after a check that another site passes: {found.weak}" if found.weak else "without checking its host"
        post_only = ctx.function is not None and posts_only(ctx.function)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to what `{found.helper.display}` returns, "
                f"{describe_source(found.source)} {check}: {_harm(post_only)} can send users to any site "
                f"(open redirect){_POST_ONLY if post_only else ''}",
                severity=Severity.NOTE if post_only else None,
                hint="Check the target in the helper: accept only relative paths (no scheme or netloc, not "
                "starting with '//' or '/\\'), or compare urlsplit(target).netloc with request.host.",
                evidence=[
                    Evidence(
                        f"`{found.helper.display}` returns it",
                        Location(found.helper.module.path, found.returned.lineno, found.returned.col_offset + 1),
                    )
                ],
            )
        )
