"""FD602 extension-bound-at-import: Extension built with a module-level app in a project that has an application
factory."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.assembly import app_factories, built_by_helper, extension_name, is_side
from flask_doctor.static.model import FLASK_TYPES
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class ExtensionBoundAtImport(Rule):
    """
    ## What it does
    Finds extensions constructed with an app object at module level
    (`db = SQLAlchemy(app)`, `login = LoginManager(app)`) in a project that
    also has an application factory.

    ## Why is this bad?
    The extension is bound to the one module-level app. Every app the
    factory builds — for tests, for the CLI, per configuration — does not
    have it initialised, so `db.session` raises "The current Flask app is
    not registered with this 'SQLAlchemy' instance", or worse, silently
    uses the module-level app's configuration (the production database in
    a test run). Without a factory a single module-level app is a
    legitimate design and is not reported, nor is an extension bound to a
    module-level app the factory itself built (`app = create_app()` then
    `SocketIO(app)` in a run script).

    ## Example
    ```python
    app = Flask(__name__)
    db = SQLAlchemy(app)

    def create_app(config):
        app = Flask(__name__)
        app.config.from_object(config)
        return app
    ```

    ## Use instead
    ```python
    db = SQLAlchemy()

    def create_app(config):
        app = Flask(__name__)
        app.config.from_object(config)
        db.init_app(app)
        return app
    ```

    ## Fix safety
    No automatic fix: `init_app` must be called in the factory.

    ## References
    - Flask docs: "Application Factories" — "Factories & Extensions"
    - Flask-SQLAlchemy docs: "Quick Start" (`init_app`)
    """

    code = "FD602"
    name = "extension-bound-at-import"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Extension built with a module-level app in a project that has an application factory."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            """),
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                return app
            """),
        # the module-level app is one the factory built (a debug entry point adding Socket.IO to it)
        Valid(
            """
            from flask_socketio import SocketIO
            from shop import create_app
            app = create_app()
            socketio = SocketIO(app)
            """,
            files={
                "shop/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                return app
            """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from flask_login import LoginManager
            app = Flask(__name__)
            db = SQLAlchemy(app)  # expect
            login = LoginManager(app=app)  # expect

            def create_app():
                application = Flask(__name__)
                return application
            """,
            message="`SQLAlchemy(app)`",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.function is not None or ctx.in_main or is_side(ctx.module):
            return
        if not app_factories(ctx.project):
            return
        callee = ctx.qualified(node.func)
        if not extension_name(callee):
            return
        app_arg = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "app"), None)
        if app_arg is None:
            return
        app_type = ctx.type_of(app_arg)
        if not app_type or not ctx.project.is_subtype(app_type, FLASK_TYPES):
            return
        if built_by_helper(ctx, app_arg):
            return  # ``app = create_app()``: an app the factory built, with the factory's extensions and one more
        factory = app_factories(ctx.project)[0]
        short = (dotted(node.func) or callee or "").rsplit(".", 1)[-1]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short}({ast.unparse(app_arg)})` binds the extension to the module-level app at import time, but "
                f"the project builds its apps in `{factory.display}`: those apps do not have `{short}` initialised",
                hint=f"Create it unbound (`{short}()`) and call `.init_app(app)` inside `{factory.display}`.",
                evidence=[Evidence(f"application factory `{factory.display}`", factory.location)],
            )
        )
