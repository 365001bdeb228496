"""FD509 response-helper-bad-arguments: make_response()/jsonify() called with arguments Flask always refuses,
or jsonify() given a status code as data."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.errors import JSONIFY, MAKE_RESPONSE
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context


class ResponseHelperBadArguments(Rule):
    """
    ## What it does
    Finds calls to `flask.make_response` with keyword arguments, calls
    to `flask.jsonify` with both positional and keyword arguments, and
    calls to `flask.jsonify` whose last positional argument is an HTTP
    status code written as a number (`jsonify(body, 404)`): `jsonify`
    takes no status, so the number becomes part of the body and the
    response goes out as 200.

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

    `jsonify(a, b)` serialises its positional arguments as one JSON array,
    so `jsonify({"error": "not found"}, 404)` answers `[{"error": ...}, 404]`
    with status 200: clients, proxies and monitoring see a success, and an
    error a view meant to report is hidden (the status belongs outside,
    `return jsonify(body), 404`). Only an integer literal between 100 and
    599 in the last place counts; `jsonify(data), 404` and
    `jsonify(first, second)` with computed values are not reported.

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

    or, for a status given to `jsonify`,
    ```python
    @app.get("/items/<int:item_id>")
    def item(item_id):
        found = ITEMS.get(item_id)
        if found is None:
            return jsonify({"error": "no such item"}), 404
        return jsonify(found)
    ```

    ## Fix safety
    No automatic fix: where the keyword arguments belong is a judgement.

    ## References
    - Flask API, `flask.make_response(*args)` and `flask.json.jsonify(*args, **kwargs)`
    """

    code = "FD509"
    name = "response-helper-bad-arguments"
    severity = Severity.WARNING
    catalog = ("S15",)
    summary = (
        "make_response()/jsonify() called with arguments Flask always refuses (TypeError, a 500), or jsonify()"
        " given a status code as data (the error goes out as 200)."
    )

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
        Valid("""
            from flask import Flask, jsonify, make_response
            app = Flask(__name__)

            @app.get("/pairs/<int:n>")
            def pairs(n):
                if n < 0:
                    return make_response(jsonify({"error": "negative"}), 400)
                if n == 0:
                    return jsonify({"error": "zero"}), 422
                return jsonify(n, n * 2)  # two computed values: a JSON array on purpose
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
        Invalid(
            """
            from flask import Flask, jsonify, make_response
            app = Flask(__name__)

            @app.get("/legacy/<path:rest>")
            def legacy(rest):
                return make_response(
                    jsonify(
                        {"status": "gone", "path": rest},
                        410,  # expect
                    )
                )
            """,
            message="goes out with status 200",
        ),
    )

    call_names = last_segments(MAKE_RESPONSE, JSONIFY)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = ctx.resolve(node.func) or ""
        named = [kw for kw in node.keywords if kw.arg is not None]
        at: ast.expr = node
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
        elif name in JSONIFY and not named and len(node.args) >= 2 and _status_literal(node.args[-1]):
            if any(isinstance(a, ast.Starred) for a in node.args):
                return
            status = node.args[-1].value  # type: ignore[attr-defined]
            message = (
                f"`jsonify(..., {status})` in {describe_context(ctx)} passes {status} as data: `jsonify` takes "
                f"no status, so the body becomes a JSON array ending in {status} and the response goes out "
                f"with status 200"
            )
            hint = f"Give the status outside the call: `return jsonify(body), {status}`."
            at = node.args[-1]  # the misplaced status, which is what has to move
        else:
            return
        ctx.report(self.finding(ctx.location(at), message, hint=hint))


def _status_literal(node: ast.expr) -> bool:
    """An integer literal that reads as an HTTP status code (100-599)."""
    return isinstance(node, ast.Constant) and type(node.value) is int and 100 <= node.value <= 599
