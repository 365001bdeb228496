"""FD502 error-handler-returns-success: Error handler returns its error page with status 200."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.error_handlers import error_handlers, is_spa_fallback, suggested_code
from flask_doctor.static.facts.errors import exception_answer_status, response_status, returns_of
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class ErrorHandlerReturnsSuccess(Rule):
    """
    ## What it does
    Finds error handlers (`@app.errorhandler(404)`, `errorhandler(Exception)`,
    `register_error_handler(...)`, `app.errorhandler(404)(f)`) that return an
    error page without an error status: a bare `return
    render_template("404.html")`, `return jsonify(error=...)` or `return
    "not found: %s" % path`, or an explicit `, 200`, or a handler for a
    project exception class that returns one of its methods (`return
    exc.as_json()`) whose every `return` is such a body. Handlers of a
    flask-restx `Api` are left out: restx sends their bare body with 500.

    ## Why is this bad?
    The value an error handler returns becomes the response exactly like a
    view's, and Flask's default status is 200. `return
    render_template("404.html")` therefore answers a missing page with
    "200 OK": search engines index the error page, caches keep it, API
    clients and uptime checks believe the call succeeded, and error rates
    in monitoring stay at zero. Returning the exception itself (`return e`),
    a tuple with a 4xx/5xx status, `make_response(..., 404)`, a response
    whose `status_code` is set, `redirect(...)` or `abort(...)` is fine. A
    404 handler that serves the single-page app's `index.html` on purpose
    is not reported. A handler stays registered when a later `def` reuses
    its name: each decorated definition is checked.

    ## Example
    ```python
    @app.errorhandler(404)
    def page_not_found(e):
        return render_template("404.html")
    ```

    ## Use instead
    ```python
    @app.errorhandler(404)
    def page_not_found(e):
        return render_template("404.html"), 404
    ```

    ## Fix safety
    Display-only: add the status the handler is registered for.

    ## References
    - Flask docs, "Handling Application Errors" (the 404 example returns `..., 404`)
    - Flask docs, "About Responses": the default status is 200
    """

    code = "FD502"
    name = "error-handler-returns-success"
    severity = Severity.WARNING
    catalog = ("S15",)
    summary = "Error handler returns its error page with status 200."

    VALID = (
        # the exception builds the whole answer, status included
        Valid("""
            from flask import Flask, jsonify
            app = Flask(__name__)

            class QuotaExceeded(Exception):
                status = 429

                def as_response(self):
                    return jsonify(error="quota"), self.status

            @app.errorhandler(QuotaExceeded)
            def quota(exc):
                return exc.as_response()
            """),
        Valid("""
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            def page_not_found(e):
                return render_template("404.html"), 404
            """),
        Valid("""
            from flask import Flask, jsonify, redirect, url_for
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(HTTPException)
            def handle_http(e):
                response = jsonify(code=e.code, name=e.name)
                response.status_code = e.code
                return response

            @app.errorhandler(401)
            def unauthorized(e):
                return redirect(url_for("login"))
            """),
        Valid("""
            from flask import Flask, make_response, render_template
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def handle(e):
                if isinstance(e, HTTPException):
                    return e
                return make_response(render_template("500.html"), 500)
            """),
        Valid("""
            from flask import Flask, render_template
            app = Flask(__name__, static_folder="dist")

            @app.errorhandler(404)
            def spa_fallback(e):
                return render_template("index.html")
            """),
    )
    INVALID = (
        # the exception renders its own body, and nobody puts its status on the answer
        Invalid(
            """
            import json
            from flask import Flask
            app = Flask(__name__)

            class QuotaExceeded(Exception):
                def __init__(self, limit, status=429):
                    self.limit = limit
                    self.status = status

                def as_json(self):
                    return json.dumps({"error": "quota", "limit": self.limit})

            @app.errorhandler(QuotaExceeded)
            def quota(exc):
                return exc.as_json()  # expect
            """,
            message="QuotaExceeded",
        ),
        Invalid(
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            def page_not_found(e):
                return render_template("404.html")  # expect
            """,
            message="200",
        ),
        Invalid(
            """
            from flask import Blueprint, jsonify
            bp = Blueprint("api", __name__)

            class ValidationError(Exception):
                pass

            @bp.errorhandler(ValidationError)
            def invalid(e):
                return jsonify(error=str(e)), 200  # expect
            """,
            message="ValidationError",
        ),
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            def no_such_page(err):
                return "Nothing lives at %s" % request.path  # expect

            app.errorhandler(404)(no_such_page)
            """,
            message="without a status",
        ),
        Invalid(
            """
            from flask import Flask, render_template

            def build_app():
                app = Flask(__name__)

                @app.errorhandler(500)
                def oops(e):
                    return render_template("oops.html")  # expect

                @app.errorhandler(503)
                def oops(e):
                    return render_template("oops.html"), 503

                return app
            """,
            message="for 500",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        seen: set[tuple[str, int]] = set()
        for handler in error_handlers(project):
            fn = handler.function
            if is_test_path(fn.module.path) or handler.framework != "flask":
                continue  # flask-restx answers a handler's bare body with 500, not 200
            if any(
                isinstance(e, ast.Constant) and isinstance(e.value, int) and e.value < 400 for e in handler.exceptions
            ):
                continue
            if any("Redirect" in (dotted(e) or "") for e in handler.exceptions):
                continue
            for ret in returns_of(fn):
                kind, code = response_status(ret.value, fn.imports, fn, project)
                if kind == "unknown":
                    kind, code = exception_answer_status(ret.value, fn, handler.exceptions, project)
                if kind != "success" or is_spa_fallback(ret.value, handler):
                    continue
                key = (fn.module.path, ret.lineno)
                if key in seen:
                    continue
                seen.add(key)
                what = ast.unparse(ret.value) if ret.value is not None else "None"
                if len(what) > 60:
                    what = what[:57] + "..."
                explicit = "explicitly" if isinstance(ret.value, ast.Tuple) else "without a status, so Flask sends"
                report(
                    self.finding(
                        node_location(fn.module.path, ret),
                        f"error handler `{fn.display}` for {', '.join(ast.unparse(e) for e in handler.exceptions)} "
                        f"returns `{what}` {explicit} {code} OK: the error looks like a success to browsers, caches "
                        f"and monitoring",
                        hint=f"Return the error status with the page: `return ..., {suggested_code(handler)}` "
                        "(or `return e` to keep the HTTPException's own status).",
                        evidence=[Evidence(f"registered with {handler.describe()}", handler.location)],
                    )
                )
