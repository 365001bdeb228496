"""FD501 error-handler-swallows-http-errors: errorhandler(Exception) also catches HTTPException: every 404/405
becomes a 500."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.error_handlers import (
    error_handlers,
    first_param,
    passes_http_through,
    same_scope,
    status_label,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid, node_location


class ErrorHandlerSwallowsHttpErrors(Rule):
    """
    ## What it does
    Finds `@app.errorhandler(Exception)` (or `BaseException`, or
    `register_error_handler(Exception, f)`) handlers that do not let
    `HTTPException` through, on an app or blueprint that has no separate
    `HTTPException` handler.

    ## Why is this bad?
    Flask looks up an error handler by the exception's class hierarchy, and
    `HTTPException` subclasses `Exception`: "a handler for `Exception` will
    also catch `HTTPException`". Unless the handler checks for it, every
    `404 Not Found`, `405 Method Not Allowed`, `400 Bad Request` and every
    `abort(403)` is answered by the generic error page — usually with
    status 500, so clients, crawlers and monitoring see server errors for
    mistyped URLs. Re-raising the `HTTPException` from the handler does not
    help: an exception raised inside an error handler goes to
    `handle_exception`, which "always causes a 500". A handler that returns
    the `HTTPException` (`return e`), builds its response with `e.code`, or
    sits next to an `@app.errorhandler(HTTPException)` on the same app (the
    more specific handler wins) is fine and not reported.

    ## Example
    ```python
    @app.errorhandler(Exception)
    def handle_exception(e):
        return render_template("500.html"), 500
    ```

    ## Use instead
    ```python
    @app.errorhandler(Exception)
    def handle_exception(e):
        if isinstance(e, HTTPException):
            return e  # keep 404/405/... as they are
        return render_template("500.html"), 500
    ```

    ## Fix safety
    No automatic fix: the handler may want its own page for HTTP errors.

    ## References
    - Flask docs, "Handling Application Errors": generic exception handlers
      ("a handler for Exception will also catch HTTPException")
    - Flask API, `Flask.handle_exception`: an exception raised from an error handler always becomes a 500
    """

    code = "FD501"
    name = "error-handler-swallows-http-errors"
    severity = Severity.ERROR
    catalog = ("S15",)
    summary = "errorhandler(Exception) also catches HTTPException: every 404/405 becomes a 500."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def handle_exception(e):
                app.logger.exception("unhandled")
                return render_template("500.html"), 500
            """,
        after="""
            from flask import Flask, render_template
            from werkzeug.exceptions import HTTPException

            app = Flask(__name__)

            @app.errorhandler(Exception)
            def handle_exception(e):
                if isinstance(e, HTTPException):
                    return e
                app.logger.exception("unhandled")
                return render_template("500.html"), 500
            """,
    )

    VALID = (
        Valid("""
            from flask import Flask, render_template
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def handle_exception(e):
                if isinstance(e, HTTPException):
                    return e
                return render_template("500_generic.html", e=e), 500
            """),
        Valid("""
            import json
            from flask import Flask, render_template
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.errorhandler(HTTPException)
            def handle_http(e):
                response = e.get_response()
                response.data = json.dumps({"code": e.code, "name": e.name})
                response.content_type = "application/json"
                return response

            @app.errorhandler(Exception)
            def handle_exception(e):
                return render_template("500.html"), 500
            """),
        Valid("""
            from flask import Flask, jsonify

            def create_app():
                app = Flask(__name__)

                @app.errorhandler(Exception)
                def handle(e):
                    code = getattr(e, "code", 500)
                    return jsonify(error=str(e)), code
                return app
            """),
        Valid("""
            from flask import Flask, jsonify
            from flask_restx import Api
            app = Flask(__name__)
            api = Api(app)

            @api.errorhandler(Exception)
            def api_error(e):
                return {"message": "internal error"}, 500
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(Exception)  # expect
            def handle_exception(e):
                app.logger.exception("unhandled")
                return render_template("500.html"), 500
            """,
            message="404",
        ),
        Invalid(
            """
            from flask import Flask, jsonify
            from werkzeug.exceptions import HTTPException

            def handle(e):
                if isinstance(e, HTTPException):
                    raise e
                return jsonify(error="internal"), 500

            def create_app():
                app = Flask(__name__)
                app.register_error_handler(Exception, handle)  # expect
                return app
            """,
            message="re-raising",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        handlers = error_handlers(project)
        http_owners = {h.owner for h in handlers if h.kinds() & {"http", "unknown"}}
        for handler in handlers:
            if "broad" not in handler.kinds() or any(same_scope(handler.owner, o) for o in http_owners):
                continue
            fn = handler.function
            if is_test_path(fn.module.path):
                continue
            ok, reraise = passes_http_through(project, fn, first_param(fn))
            if ok:
                continue
            own = sorted({c for h in handlers if same_scope(h.owner, handler.owner) for c in h.codes()})
            scope = "app" if handler.owner.startswith("app:") else f"blueprint `{handler.owner[3:].rsplit('.', 1)[-1]}`"
            examples = [str(c) for c in (404, 405, 400, 401, 403, 413) if c not in own][:3]
            covered = ""
            if own:
                have = "have their own handlers" if len(own) > 1 else "has its own handler"
                covered = f"; only {', '.join(map(str, own))} {have}"
            errors = f"({', '.join(examples)}, abort(...){covered})"
            if reraise is not None:
                message = (
                    f"{handler.describe()} handler `{fn.display}` also receives the HTTP errors of the {scope} "
                    f"{errors}, and re-raising them from an error handler makes Flask answer 500"
                )
                evidence = [
                    Evidence(
                        "re-raised here: Flask's handle_exception turns it into a 500",
                        node_location(fn.module.path, reraise),
                    )
                ]
            else:
                message = (
                    f"{handler.describe()} handler `{fn.display}` also receives the HTTP errors of the {scope} "
                    f"{errors} and answers them with {status_label(project, fn)}"
                )
                evidence = [Evidence(f"handler `{fn.display}`", fn.location)]
            report(
                self.finding(
                    handler.location,
                    message,
                    hint="Return HTTP errors unchanged: `if isinstance(e, HTTPException): return e` at the top of the "
                    "handler, or register a separate `@app.errorhandler(HTTPException)`.",
                    evidence=evidence,
                )
            )
