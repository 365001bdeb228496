"""FD501 error-handler-swallows-http-errors: errorhandler(Exception) (Flask or flask-restx) also catches
HTTPException, or an error handler fails itself: 404s and 405s become 500s."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.dependencies import version_side
from flask_doctor.static.facts.error_handlers import (
    ErrorHandler,
    delegated_missing_response,
    dispatch_overrides,
    empty_args_read,
    error_handlers,
    extension_handles_http,
    first_param,
    http_subclasses_passed,
    missing_response,
    passes_http_through,
    receives_http_errors,
    same_scope,
    status_label,
    unset_local_read,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid, node_location

#: werkzeug's HTTP error classes a handler may let through one by one (``isinstance(e, NotFound)``)
_WERKZEUG_CODES = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "RequestEntityTooLarge": 413,
}


class ErrorHandlerSwallowsHttpErrors(Rule):
    """
    ## What it does
    Finds `@app.errorhandler(Exception)` (or `BaseException`, or
    `register_error_handler(Exception, f)`) handlers that do not let
    `HTTPException` through, on an app or blueprint that has no separate
    `HTTPException` handler; the same on a flask-restx `Api` or
    `Namespace`; `handle_user_exception` of a Flask subclass and
    `handle_error` of a flask-restful/restx `Api` subclass rewritten without
    a way through for HTTP errors; and handlers of HTTP errors that fail
    themselves: they can return `None`, or read `e.args[0]` of an exception
    that has no `args`.

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
    the `HTTPException` (`return e`), builds its response with `e.code` (read
    for a log line only, it changes nothing), or
    sits next to an `@app.errorhandler(HTTPException)` on the same app (the
    more specific handler wins; flask-smorest's `Api` and an `APIFlask` app
    register one) is fine and not reported; handlers for a few
    codes listed in a loop cover those codes only, and so does a check for
    one HTTP error class (`if isinstance(e, NotFound): return e` still
    answers 405s and `abort(403)` with the generic page). Before Flask 1.0
    handlers were looked up by status code first and a handler for
    `Exception` never saw an `HTTPException`: an app pinned below 1.0 is not
    reported.

    flask-restx routes the errors of its resources through its own
    handlers, trying them in registration order with `isinstance`: an
    `@api.errorhandler(Exception)` receives every `abort(404)`, every 400
    from payload validation and the 405s of the API's URLs, and a body
    without a status is sent as 500. There, re-raising the `HTTPException`
    is the way out (restx hands it back to Flask), and an
    `errorhandler(HTTPException)` helps only when it is registered first.
    An `Api.handle_error` (or `Flask.handle_user_exception`) written anew
    receives every HTTP error as well, and what it returns is the answer.

    An error handler is called like a view: if it returns `None` (a missing
    `return`, a branch that falls off the end), Flask raises `TypeError`
    and the client gets a 500 instead of the 404 the handler was written
    for. And werkzeug's HTTP exceptions — including the
    `InternalServerError` that Flask 1.1+ wraps every unhandled error in
    before calling the 500 handler — carry an empty `args`: `e.args[0]`
    raises `IndexError` inside the handler, which Flask cannot handle any
    more, so the server answers with its bare 500 page.

    The handler of every failure (`500`, `Exception`) fails the same way in
    two more shapes. It can hand the error to a method of an object it picks
    at run time (`return context.server.handle_internal_error(e)`): when the
    one project class hierarchy defining that method has a class the code
    builds that inherits a placeholder returning `None`, errors of that
    class's requests end in `TypeError`. And it can read a request-local
    attribute (`g.x`, or a werkzeug `Local()`) that other code of the project
    itself treats as possibly unset (`try: ... except AttributeError`,
    `hasattr`, `getattr(..., default)`): a 500 also comes from a
    `before_request` hook or a view that never set it, and the read raises
    `AttributeError` inside the handler. A handler registered as a method of
    an object the factory receives (`app.register_error_handler(500,
    server.handle_internal_error)`) is found through the class every caller
    of the factory passes.

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
    - Flask 1.0 and 1.1 changelogs: handlers looked up by class hierarchy; unhandled errors passed to the 500
      handler as `InternalServerError` with `original_exception`
    - flask-restx source, `Api.handle_error` and `Api.error_router`
    """

    code = "FD501"
    name = "error-handler-swallows-http-errors"
    severity = Severity.ERROR
    catalog = ("S15",)
    summary = (
        "errorhandler(Exception) (Flask or flask-restx) also catches HTTPException, or an error handler fails "
        "itself: 404s and 405s become 500s."
    )
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
        # flask-restx gives an exception its handler re-raises back to Flask, which keeps the 404
        Valid("""
            from flask import Flask
            from flask_restx import Api
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            api = Api(app, version="2.0")

            @api.errorhandler(Exception)
            def api_failure(err):
                if isinstance(err, HTTPException):
                    raise err
                return {"message": "the server failed"}, 500
            """),
        # restx tries its handlers in registration order: the HTTPException one comes first
        Valid("""
            from flask import Flask
            from flask_restx import Namespace
            from werkzeug.exceptions import HTTPException

            orders = Namespace("orders")

            @orders.errorhandler(HTTPException)
            def http_failure(err):
                return {"message": err.description}, err.code

            @orders.errorhandler(Exception)
            def any_failure(err):
                return {"message": "the server failed"}, 500
            """),
        # Flask 0.12 looked handlers up by status code: errorhandler(Exception) never saw a 404
        Valid(
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def crashed(err):
                return render_template("crash.html"), 500
            """,
            files={"requirements.txt": "Flask==0.12.5\n"},
        ),
        Valid("""
            from flask import Flask, jsonify, request, render_template
            app = Flask(__name__)

            @app.errorhandler(404)
            def missing(err):
                if request.path.startswith("/api/"):
                    return jsonify(error="no such resource"), 404
                return render_template("missing.html"), 404

            @app.errorhandler(500)
            def broken(err):
                detail = err.args[0] if err.args else "unexpected failure"
                return render_template("broken.html", detail=detail), 500

            @app.errorhandler(410)
            def gone(err):
                if request.path.startswith("/api/"):
                    return jsonify(error="gone for good"), 410
                else:
                    return err
            """),
        # flask-smorest registers its own errorhandler(HTTPException) on the app
        Valid("""
            from flask import Flask, jsonify
            from flask_smorest import Api

            app = Flask(__name__)
            api = Api(app)

            @app.errorhandler(Exception)
            def crashed(err):
                return jsonify(message="the server failed"), 500
            """),
        Valid("""
            from flask import Flask
            from flask_restful import Api
            from werkzeug.exceptions import HTTPException

            class JsonApi(Api):
                def handle_error(self, err):
                    if isinstance(err, HTTPException):
                        return {"message": err.description}, err.code
                    return {"message": "the server failed"}, 500

            class QuietApp(Flask):
                def handle_user_exception(self, err):
                    self.logger.info("user error %r", err)
                    return super().handle_user_exception(err)
            """),
    )
    VALID = VALID + (
        # every server class answers, and the 500 handler reads the request-local attribute with a default
        Valid(
            """
            from flask import Flask
            from werkzeug.local import Local

            context = Local()

            class BaseServer:
                def handle_internal_error(self, error):
                    return "server error", 500

            class JsonServer(BaseServer):
                pass

            class Dispatcher:
                def __init__(self):
                    self.servers = [JsonServer()]

                @property
                def current_server(self):
                    try:
                        return context.server
                    except AttributeError:
                        return None

                def handle_internal_error(self, error):
                    server = getattr(context, "server", None) or self.servers[0]
                    return server.handle_internal_error(error)

            def create_app(dispatcher):
                app = Flask(__name__)
                app.register_error_handler(500, dispatcher.handle_internal_error)
                return app

            app = create_app(Dispatcher())
            """
        ),
        # ``g.request_id`` is set by a before_request hook; ``g.audit`` is tested before it is read
        Valid(
            """
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def tag_request():
                g.request_id = "r-1"

            @app.teardown_request
            def finish(exc):
                try:
                    g.audit.flush()
                except AttributeError:
                    pass
                return getattr(g, "request_id", None)

            @app.errorhandler(500)
            def internal_error(e):
                if "audit" in g:
                    g.audit.log(str(e))
                return {"requestId": g.request_id}, 500
            """
        ),
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
        Invalid(
            """
            from flask import Flask, render_template
            app = Flask(__name__)

            @app.errorhandler(Exception)  # expect
            def oops(*args):
                return render_template("oops.html"), 500
            """,
            message="answers them with a 500",
        ),
        # the status is only logged; and the loop registers two codes, not every HTTP error
        Invalid(
            """
            from flask import Flask, render_template

            def error_page(err):
                return render_template("error.html", status=err.code), err.code

            def crash_page(err):
                print("request failed:", err, getattr(err, "code", None))
                return render_template("crash.html"), 500

            def create_app():
                app = Flask(__name__)
                for status in (404, 500):
                    app.register_error_handler(status, error_page)
                app.register_error_handler(Exception, crash_page)  # expect
                return app
            """,
            message="only 404, 500 have their own handlers",
        ),
        Invalid(
            """
            from flask import Blueprint
            from flask_restx import Api

            blueprint = Blueprint("v1", __name__)
            api = Api(blueprint, doc="/docs")

            @api.errorhandler(Exception)  # expect
            def api_failure(err):
                return {"message": "the server failed"}
            """,
            message="answers them with a 500",
        ),
        Invalid(
            """
            from flask import Flask, jsonify, request
            app = Flask(__name__)

            @app.errorhandler(404)
            def missing(err):
                if request.accept_mimetypes.best == "application/json":
                    return jsonify(error="no such resource"), 404
                app.logger.info("missing page %s", request.path)  # expect

            @app.errorhandler(500)
            def broken(err):
                return jsonify(error=err.args[0]), 500  # expect
            """,
            message="can end without returning a response",
        ),
        # the helper builds the answer, but nobody returns it
        Invalid(
            """
            from flask import Blueprint, jsonify

            shop = Blueprint("shop", __name__)

            def problem(err, status):
                return jsonify(error=err.description), status

            @shop.errorhandler(400)
            def bad_request(err):
                problem(err, 400)  # expect
            """,
            message="can end without returning a response",
        ),
        # only one HTTP error class is let through: 405s and abort(403) still become 500s
        Invalid(
            """
            from flask import Flask, jsonify
            from werkzeug.exceptions import NotFound
            app = Flask(__name__)

            @app.errorhandler(Exception)  # expect
            def crashed(err):
                if isinstance(err, NotFound):
                    return err
                return jsonify(message="the server failed"), 500
            """,
            message="only `NotFound` is let through",
        ),
        Invalid(
            """
            from flask_restful import Api

            class JsonApi(Api):
                def handle_error(self, err):  # expect
                    return {"message": "request failed: " + str(err)}, 500
            """,
            message="replaces the library's error dispatch",
        ),
        # the 500 handler dispatches to the server that handled the request: one server class inherits a
        # placeholder that returns None, and the attribute it reads is unset when the error came first
        Invalid(
            """
            from flask import Flask
            from werkzeug.local import Local

            context = Local()

            class BaseServer:
                def handle_internal_error(self, error):
                    \"\"\"Placeholder for subclasses.\"\"\"
                    return  # expect

            class XmlServer(BaseServer):
                def handle_internal_error(self, error):
                    return "<error/>", 500

            class JsonServer(BaseServer):
                pass

            class Dispatcher:
                def __init__(self):
                    self.servers = [XmlServer(), JsonServer()]

                @property
                def current_server(self):
                    try:
                        return context.server
                    except AttributeError:
                        return None

                def handle_request(self, path):
                    context.server = self.servers[0]
                    return "ok"

                def handle_internal_error(self, error):
                    return context.server.handle_internal_error(error)  # expect

            def create_app(dispatcher):
                app = Flask(__name__)
                app.add_url_rule("/<path:path>", "dispatch", dispatcher.handle_request)
                app.register_error_handler(500, dispatcher.handle_internal_error)
                return app

            app = create_app(Dispatcher())
            """,
            message="which returns None and which `JsonServer` does not override",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        self._unset_seen: set[tuple[str, int, int]] = set()
        handlers = [h for h in error_handlers(project) if not is_test_path(h.function.module.path)]
        flask = [h for h in handlers if h.framework == "flask"]
        if version_side(project, "flask", (1, 0)).side != "below":
            # before Flask 1.0 a handler for Exception never saw an HTTPException (it was looked up by code)
            self._broad_handlers(project, flask, report)
        self._restx_handlers(project, [h for h in handlers if h.framework == "restx"], report)
        self._failing_handlers(project, flask, report)
        self._dispatch_overrides(project, report)

    def _dispatch_overrides(self, project: Project, report: Callable[[Finding], None]) -> None:
        """A Flask subclass's ``handle_user_exception`` or an ``Api`` subclass's ``handle_error`` written anew."""
        for fn in dispatch_overrides(project):
            if is_test_path(fn.module.path):
                continue
            ok, reraise = passes_http_through(project, fn, first_param(fn))
            if ok or reraise is not None:
                continue  # a raise hands the error back to Flask, which keeps its status
            where = (
                "the HTTP errors of the API's resources (abort(404), 400 from argument parsing)"
                if fn.node.name == "handle_error"
                else "every HTTP error of the app (404, 405, abort(...))"
            )
            report(
                self.finding(
                    fn.location,
                    f"`{fn.display}` replaces the library's error dispatch and receives {where}, answering them "
                    f"with {status_label(project, fn)}",
                    hint="Keep HTTP errors as they are: `if isinstance(e, HTTPException): return "
                    f"super().{fn.node.name}(e)` at the top of the method.",
                    evidence=[Evidence(f"`{fn.display}`", fn.location)],
                )
            )

    def _broad_handlers(
        self, project: Project, handlers: list[ErrorHandler], report: Callable[[Finding], None]
    ) -> None:
        """``errorhandler(Exception)`` on an app or blueprint with no handler for HTTPException beside it."""
        http_owners = {h.owner for h in handlers if h.kinds() & {"http", "unknown"}}
        if extension_handles_http(project):
            http_owners.add("app:?")
        for handler in handlers:
            if "broad" not in handler.kinds() or any(same_scope(handler.owner, o) for o in http_owners):
                continue
            fn = handler.function
            ok, reraise = passes_http_through(project, fn, first_param(fn))
            if ok:
                continue
            own = sorted({c for h in handlers if same_scope(h.owner, handler.owner) for c in h.codes()})
            if handler.owner.startswith("app:"):
                scope, candidates = "app", (404, 405, 400, 401, 403, 413)
            else:
                # a blueprint's handlers never see routing errors (unknown URL, wrong method): only its views' aborts
                scope, candidates = f"blueprint `{handler.owner[3:].rsplit('.', 1)[-1]}`", (404, 403, 400, 401)
            passed = http_subclasses_passed(fn, first_param(fn))
            let_through = {_WERKZEUG_CODES.get(p.rsplit(".", 1)[-1]) for p in passed}
            examples = [str(c) for c in candidates if c not in own and c not in let_through][:3]
            covered = ""
            if own:
                have = "have their own handlers" if len(own) > 1 else "has its own handler"
                covered = f"; only {', '.join(map(str, own))} {have}"
            if passed:
                covered += f"; only `{'`, `'.join(passed)}` is let through"
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

    def _restx_handlers(
        self, project: Project, handlers: list[ErrorHandler], report: Callable[[Finding], None]
    ) -> None:
        """flask-restx ``@api.errorhandler(Exception)``: restx tries its handlers in registration order with
        ``isinstance``, so an HTTPException raised in a resource lands there too."""
        http = [h for h in handlers if h.kinds() & {"http", "unknown"}]
        for handler in handlers:
            if "broad" not in handler.kinds():
                continue
            later = [h for h in http if h.owner == handler.owner and h.location.path == handler.location.path]
            if any(h not in later or h.location.line < handler.location.line for h in http):
                continue  # an HTTPException handler tried first (or registered where the order is unknown)
            fn = handler.function
            ok, reraise = passes_http_through(project, fn, first_param(fn))
            if ok or reraise is not None:
                continue  # restx hands an exception its handler re-raises back to Flask: the status survives
            order = ""
            if later:
                order = (
                    f"; the `{later[0].describe()}` handler registered below comes too late: flask-restx uses the "
                    "first handler that matches"
                )
            report(
                self.finding(
                    handler.location,
                    f"{handler.describe()} handler `{fn.display}` also receives the HTTP errors raised in the API's "
                    f"resources (abort(404), 400 from payload validation, 405) and answers them with "
                    f"{status_label(project, fn, default=500)}{order}",
                    hint="Let HTTP errors through: `if isinstance(e, HTTPException): raise` at the top of the handler "
                    "(flask-restx then gives it back to Flask), or answer with `e.code`.",
                    evidence=[Evidence(f"handler `{fn.display}`", fn.location)],
                )
            )

    def _unset_read(
        self,
        handler: ErrorHandler,
        unset: tuple[ast.Attribute, FunctionInfo],
        what: str,
        report: Callable[[Finding], None],
    ) -> None:
        """The handler of every failure reads a request-local attribute the project knows may be unset."""
        read, guard = unset
        fn = handler.function
        key = (fn.module.path, read.lineno, read.col_offset)
        if key in self._unset_seen:
            return  # one handler registered on many blueprints: one finding
        self._unset_seen.add(key)
        report(
            self.finding(
                node_location(fn.module.path, read),
                f"error handler `{fn.display}` for {what} reads `{ast.unparse(read)}`, which may be unset "
                f"(`{guard.display}` catches that case): an error raised before it is set (in a before_request "
                f"hook, or a view that never sets it) makes the handler raise AttributeError, and the client "
                f"gets a bare 500",
                hint=f"Read it as `{guard.display}` does (or with `getattr(..., None)`) and answer without it.",
                evidence=[
                    Evidence(f"registered with {handler.describe()}", handler.location),
                    Evidence(f"`{guard.display}` treats it as possibly unset", guard.location),
                ],
            )
        )

    def _failing_handlers(
        self, project: Project, handlers: list[ErrorHandler], report: Callable[[Finding], None]
    ) -> None:
        """Handlers for HTTP errors that fail themselves: a ``None`` answer, or ``e.args[0]`` on an HTTPException."""
        wraps_500 = version_side(project, "flask", (1, 1)).side != "below"
        seen: set[tuple[str, int]] = set()
        for handler in handlers:
            if not receives_http_errors(handler):
                continue
            fn = handler.function
            what = ", ".join(ast.unparse(e) for e in handler.exceptions)
            failure = missing_response(project, fn)
            # a handler of every failure (500, Exception) also runs for errors raised before any view did its part
            catch_all = (
                bool(handler.kinds() & {"broad"})
                or 500 in handler.codes()
                or any((dotted(e) or "").endswith("InternalServerError") for e in handler.exceptions)
            )
            delegated = delegated_missing_response(project, fn) if failure is None and catch_all else None
            unset = unset_local_read(project, fn) if failure is None and catch_all else None
            second = unset if delegated is not None else None  # a second failure of the same handler
            evidence: list[Evidence] = []
            if failure is not None:
                ends = "returns None" if isinstance(failure, ast.Return) else "can end without returning a response"
                message = (
                    f"error handler `{fn.display}` for {what} {ends}: Flask raises TypeError for it and the client "
                    f"gets a 500 instead of the handler's answer"
                )
                hint = "Return a response (with its status) on every path of the handler."
            elif delegated is not None:
                failure, implementation, runs = delegated
                ends = "returns None" if isinstance(failure, ast.Return) else "can end without returning a response"
                runs_name = runs.rsplit(".", 1)[-1]
                message = (
                    f"error handler `{fn.display}` for {what} hands the error to `{implementation.display}`, which "
                    f"{ends} and which `{runs_name}` does not override: for a `{runs_name}` Flask raises TypeError "
                    f"from the handler and the client gets a bare 500"
                )
                hint = f"Implement the method in `{runs_name}` (or return a default response in the base class)."
                fn = implementation
                evidence.append(Evidence(f"error handler `{handler.function.display}`", handler.function.location))
            elif unset is not None:
                self._unset_read(handler, unset, what, report)
                continue
            else:
                read = empty_args_read(fn, first_param(fn))
                if read is None or (not wraps_500 and handler.kinds() <= {"broad"}):
                    continue
                failure = read
                message = (
                    f"error handler `{fn.display}` for {what} reads `{ast.unparse(read)}`, but an HTTPException "
                    f"(and the InternalServerError Flask wraps an unhandled error in) has empty `args`: the "
                    f"handler raises IndexError and the client gets a bare 500"
                )
                hint = "Use `e.description` for HTTP errors (`e.original_exception` for the error behind a 500)."
            key = (fn.module.path, failure.lineno)  # type: ignore[attr-defined]
            if key in seen:
                continue
            seen.add(key)
            report(
                self.finding(
                    node_location(fn.module.path, failure),
                    message,
                    hint=hint,
                    evidence=[Evidence(f"registered with {handler.describe()}", handler.location), *evidence],
                )
            )
            if second is not None:
                self._unset_read(handler, second, what, report)
