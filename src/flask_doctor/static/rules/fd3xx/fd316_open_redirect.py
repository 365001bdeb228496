"""FD316 open-redirect: redirect() to a URL taken from the request without checking its host."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.csrf import link_reaches
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


class OpenRedirect(Rule):
    """
    ## What it does
    Finds `redirect(target)` where `target` comes from the request
    (`request.args.get("next")`, a form field, a header) and the view never
    checks it: no `url_has_allowed_host_and_scheme`/`is_safe_url`-style
    helper, no `urlparse(...).netloc` comparison, no `if` that tests the
    value beyond truthiness (`if not nxt.startswith("/"): nxt = "/"`; a
    test that only turns listed values away, `if nxt != "None":`, checks
    nothing).
    Targets whose scheme and host the code fixes (`url_for(...)`,
    `"/books/" + slug`, `IMAGE_HOST + "/" + uuid`, a base URL the operator
    sets in the environment or the config followed by the query) are not
    reported: the user only picks a path on a known site. Checks that
    another site passes are reported: `nxt.startswith("/")` alone (lets
    `//evil.example` and `/\\evil.example` through), `"//" not in nxt`
    (misses the backslash), `nxt[0] == "/"`, a test of the scheme alone
    (`startswith("http")`, which `//evil.example` passes either way), and
    `request.host in nxt` (finds the host in a query string) and
    `nxt.startswith("https://" + request.host)` (the host with nothing
    after it: `https://your.host.evil.example` and
    `https://your.host@evil.example` start the same way). A helper that
    hands back the client's target (`redirect(get_redirect_target())`) with
    no check of its own counts as the request value itself.

    A view that accepts no GET at its URL (`methods=["POST"]`, `@app.post`,
    `@app.delete`, a class view with `post` and no `get`) is not reported:
    a link cannot lead the victim there, only a request another site forges,
    and that cross-site POST is what CSRF protection stops. It is reported
    when a page a link opens shares the URL (the class's `get`, another view
    routed to the same rule with GET): the form on that page posts back to
    its own URL, query string and all, so `/login?next=https://evil.example`
    reaches the POST. A site the project stored is not the client's: a
    method of a row or client the request did not give, followed by a fixed
    `/` (`agent.api_url() + "/task_logs/" + name`), a helper named for
    the site's root URL and given nothing (`getrooturl() + "/" + project`),
    and
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
        # `host_url` ends with a slash, so the prefix closes the host
        Valid("""
            from flask import Flask, redirect, request
            app = Flask(__name__)

            @app.get("/return")
            def back_to():
                url = request.args.get("url", "")
                if url.startswith(request.host_url):
                    return redirect(url)
                return redirect("/")
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
        # the site's root comes from the project's own helper; the request only picks the path after a fixed `/`
        Valid("""
            from flask import Flask, redirect, request
            app = Flask(__name__)
            PUBLIC_URL = "https://jobs.example.com"

            def getrooturl():
                return PUBLIC_URL.rstrip("/")

            @app.get("/start")
            def start():
                project = request.args.get("project", "")
                return redirect(getrooturl() + "/" + project + "/")
            """),
        # actions that accept only POST (or DELETE): the list page's forms carry `next`; a link cannot get here
        Valid("""
            from flask import Flask, redirect, request, url_for
            from flask.views import MethodView
            app = Flask(__name__)

            @app.post("/builds/<int:build_id>/cancel")
            def cancel_build(build_id):
                if "next" in request.args:
                    return redirect(request.args.get("next"), 303)
                return redirect(url_for("builds"), 303)

            def retry_build(build_id):
                return redirect(request.args.get("next") or url_for("builds"), 303)

            app.add_url_rule("/builds/<int:build_id>/retry", "retry_build", retry_build, methods=("POST",))

            @app.delete("/builds/<int:build_id>")
            def drop_build(build_id):
                return redirect(request.args.get("next") or url_for("builds"), 303)

            class Archive(MethodView):
                def post(self):
                    return redirect(request.form["back"])

            app.add_url_rule("/builds/archive", view_func=Archive.as_view("archive"))
            """),
    )
    INVALID = (
        # only a leading slash is checked: "//evil.example" is a link to another site
        # a test that only turns away listed values lets every other site through
        Invalid(
            """
            from flask import Flask, redirect, render_template, request, url_for
            from flask_login import login_user
            app = Flask(__name__)

            @app.route("/sign-in", methods=["GET", "POST"])
            def sign_in():
                if request.method == "GET":
                    return render_template("sign_in.html", back=request.args.get("back"))
                login_user(find_account(request.form["email"], request.form["password"]))
                back = request.form.get("back")
                if back and back != "None" and back != "/":
                    return redirect(back)  # expect
                return redirect(url_for("home"))
            """,
            message="without checking its host",
        ),
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
        # the host is compared on the unparsed string, with nothing after it to close it
        Invalid(
            """
            from flask import Flask, redirect, request
            app = Flask(__name__)

            @app.get("/return")
            def back_to():
                url = request.args.get("url", "")
                if url.startswith(f"https://{request.host}"):
                    return redirect(url)  # expect
                return redirect("/")
            """,
            message="your.host.evil.example",
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
        # a POST action shares its URL with a page a link opens: the form there posts back with the query string
        Invalid(
            """
            from flask import Flask, redirect, render_template, request, url_for
            from flask.views import MethodView
            app = Flask(__name__)

            class SignIn(MethodView):
                def get(self):
                    return render_template("sign_in.html")

                def post(self):
                    return redirect(request.args.get("next") or url_for("index"))  # expect

            app.add_url_rule("/sign-in", view_func=SignIn.as_view("sign_in"))

            @app.get("/unlock")
            def unlock_form():
                return render_template("unlock.html")

            @app.post("/unlock")
            def unlock():
                return redirect(request.args.get("next", "/"))  # expect
            """,
            message="a link to this page",
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
        if not link_reaches(ctx.project, fn):
            return  # POST/PUT/DELETE only at its URL: a forged cross-site request gets here, not a link (CSRF)
        if weak is not None:
            message = (
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} after a check "
                f"that another site passes: {weak} (open redirect)"
            )
        else:
            message = (
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to {describe_source(source)} without "
                "checking its host: a link to this page can send users to any site (open redirect)"
            )
        ctx.report(
            self.finding(
                ctx.location(node),
                message,
                hint="Accept only relative paths (no scheme or netloc, not starting with '//' or '/\\'), or compare "
                "urlsplit(target).netloc with request.host before redirecting.",
            )
        )

    def _from_helper(self, node: ast.Call, found: HelperTarget, ctx: Context) -> None:
        """``redirect(get_redirect_target())``: the helper hands back the client's URL unchecked."""
        check = f"after a check that another site passes: {found.weak}" if found.weak else "without checking its host"
        if ctx.function is not None and not link_reaches(ctx.project, ctx.function):
            return  # no link reaches the view: only a forged cross-site request (CSRF's ground)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short(node, 60)}` in {describe_context(ctx)} redirects to what `{found.helper.display}` returns, "
                f"{describe_source(found.source)} {check}: a link to this page can send users to any site "
                "(open redirect)",
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
