"""FD509 response-helper-bad-arguments: make_response()/jsonify() called with arguments Flask always refuses."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.errors import JSONIFY, MAKE_RESPONSE
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context


class ResponseHelperBadArguments(Rule):
    """
    ## What it does
    Finds calls to `flask.make_response` with keyword arguments, and calls
    to `flask.jsonify` with both positional and keyword arguments.

    ## Why is this bad?
    `make_response(*args)` accepts positional arguments only (the body,
    status and headers a view could return), so
    `make_response(render_template("done.html"), title="Done")` raises
    `TypeError` every time it runs: the user gets a 500 instead of the page,
    usually on a branch tests do not cover (the keyword arguments were meant
    for `render_template`). `jsonify` serialises either its positional
    arguments or its keyword arguments and raises `TypeError` when given
    both (Flask 1.0 and later). A call that forwards `**options` may pass
    none and is not reported.

    ## Example
    ```python
    @app.post("/upload")
    def upload():
        save(request.files["file"])
        return make_response(render_template("thankyou.html"), title="Thanks")
    ```

    ## Use instead
    ```python
    @app.post("/upload")
    def upload():
        save(request.files["file"])
        return make_response(render_template("thankyou.html", title="Thanks"))
    ```

    ## Fix safety
    No automatic fix: where the keyword arguments belong is a judgement.

    ## References
    - Flask API, `flask.make_response(*args)` and `flask.json.jsonify(*args, **kwargs)`
    """

    code = "FD509"
    name = "response-helper-bad-arguments"
    severity = Severity.WARNING
    catalog = ()
    summary = "make_response()/jsonify() called with arguments Flask always refuses: TypeError, a 500."

    VALID = (
        Valid("""
            from flask import Flask, jsonify, make_response, render_template
            app = Flask(__name__)

            @app.get("/")
            def index():
                return make_response(render_template("index.html", title="Home"), 200, {"X-A": "1"})

            @app.get("/api")
            def api():
                return jsonify(ok=True) if index else jsonify({"ok": True})

            def respond(*args, **options):
                return make_response(*args, **options), jsonify(*args, **options)
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, jsonify, make_response, render_template
            app = Flask(__name__)

            @app.post("/upload")
            def upload():
                if app.debug:
                    return jsonify({"ok": True}, status="done")  # expect
                return make_response(render_template("thankyou.html"), title="Thanks")  # expect
            """,
            message="raises TypeError",
        ),
    )

    call_names = last_segments(MAKE_RESPONSE, JSONIFY)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = ctx.resolve(node.func) or ""
        named = [kw for kw in node.keywords if kw.arg is not None]
        if name in MAKE_RESPONSE and named:
            words = ", ".join(f"`{kw.arg}`" for kw in named)
            message = (
                f"`make_response(...)` in {describe_context(ctx)} is given keyword arguments ({words}) but "
                f"takes no keyword arguments (`make_response(*args)`): the call raises TypeError and the "
                f"request gets a 500"
            )
            hint = "Pass these to the function that builds the body (`render_template(..., title=...)`)."
        elif name in JSONIFY and named and node.args and not any(isinstance(a, ast.Starred) for a in node.args):
            message = (
                f"`jsonify(...)` in {describe_context(ctx)} is given positional and keyword arguments: it "
                f"serialises one or the other and raises TypeError for both, so the request gets a 500"
            )
            hint = "Put everything in one dict: `jsonify({**data, 'status': ...})`."
        else:
            return
        ctx.report(self.finding(ctx.location(node), message, hint=hint))
