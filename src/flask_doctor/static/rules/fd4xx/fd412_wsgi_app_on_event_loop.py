"""FD412 wsgi-app-on-event-loop: Tornado's WSGIContainer runs the Flask app on its event-loop thread."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import Context
from flask_doctor.static.facts.devserver import receiver_kind
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.rules.base import Invalid, Rule, Valid

#: Tornado's adapter that serves a WSGI application from its own HTTP server.
WSGI_CONTAINER = "tornado.wsgi.WSGIContainer"


class WsgiAppOnEventLoop(Rule):
    """
    ## What it does
    Finds `tornado.wsgi.WSGIContainer(app)` (or `app.wsgi_app`) built
    without an `executor=` in the application's code: the Flask app served
    by Tornado's HTTP server, usually behind a `FallbackHandler` next to
    Tornado's own handlers.

    ## Why is this bad?
    WSGI is synchronous. Without an executor, `WSGIContainer` calls the
    Flask app on the thread that runs Tornado's event loop, so the whole
    server handles one Flask request at a time: while a view waits for the
    database, an HTTP API or SMTP, every other request, Tornado handlers
    and websockets included, waits too. Tornado's documentation says so and
    recommends a multi-threaded WSGI server instead; since Tornado 6.3
    `WSGIContainer(app, executor=ThreadPoolExecutor(...))` runs requests on
    a thread pool. Not reported: containers given an `executor`, and code in
    tests, examples and scripts.

    ## Example
    ```python
    fallback = WSGIContainer(flask_app.wsgi_app)
    tornado_app.add_handlers(r".*", [(r"/.*", FallbackHandler, {"fallback": fallback})])
    ```

    ## Use instead
    ```python
    from concurrent.futures import ThreadPoolExecutor

    fallback = WSGIContainer(flask_app.wsgi_app, executor=ThreadPoolExecutor(16))
    ```
    or serve the Flask app with gunicorn/uWSGI/waitress and keep Tornado
    for what needs it.

    ## Fix safety
    No automatic fix: the executor needs Tornado 6.3 or later, and the
    views must be thread-safe.

    ## References
    - Tornado docs: `tornado.wsgi.WSGIContainer` (the `executor` argument, Tornado 6.3)
    """

    code = "FD412"
    name = "wsgi-app-on-event-loop"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "Tornado's WSGIContainer runs the Flask app on its event-loop thread: one request at a time."
    call_names = frozenset({"WSGIContainer"})

    VALID = (
        Valid("""
            from concurrent.futures import ThreadPoolExecutor
            from flask import Flask
            from tornado.wsgi import WSGIContainer
            app = Flask(__name__)
            container = WSGIContainer(app, executor=ThreadPoolExecutor(16))
            """),
        # not a Flask app: nothing says what it serves
        Valid("""
            from tornado.wsgi import WSGIContainer
            from legacy import application
            container = WSGIContainer(application)
            """),
    )
    INVALID = (
        Invalid(
            """
            import tornado.web
            from flask import Flask
            from tornado.wsgi import WSGIContainer
            flask_app = Flask(__name__)

            def make_app():
                return tornado.web.Application(
                    [(r"/.*", tornado.web.FallbackHandler, {"fallback": WSGIContainer(flask_app.wsgi_app)})]  # expect
                )
            """,
            message="one Flask request at a time",
        ),
        # the app of the application context the start-up code pushed
        Invalid(
            """
            import tornado.web
            from flask import current_app as flask_app
            from tornado.wsgi import WSGIContainer

            def add_flask(tornado_app):
                fallback = WSGIContainer(flask_app.wsgi_app)  # expect
                tornado_app.add_rules([(r"/.*", tornado.web.FallbackHandler, {"fallback": fallback})])
            """,
            message="event-loop thread",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.resolve(node.func) != WSGI_CONTAINER or not node.args:
            return
        if ctx.is_test_code() or role_of(ctx.project, ctx.module) is not FileRole.APPLICATION:
            return
        if any(kw.arg in ("executor", None) for kw in node.keywords) or len(node.args) > 1:
            return  # an executor (or **options that may carry one)
        served = node.args[0]
        if isinstance(served, ast.Attribute) and served.attr == "wsgi_app":
            served = served.value
        current_app = ctx.resolve(served) == "flask.current_app"  # the app of the context pushed at start-up
        if (
            not current_app
            and receiver_kind(ctx.project, served, ctx.module.name, ctx.function, ctx.type_of) != "flask"
        ):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:70]}` serves the Flask app on Tornado's event-loop thread (no `executor=`): "
                "the server handles one Flask request at a time, and a view waiting on the database or an API "
                "stalls every other request, Tornado's included",
                hint="Pass `executor=ThreadPoolExecutor(n)` (Tornado 6.3+) or serve the Flask app with a WSGI server "
                "such as gunicorn.",
            )
        )
