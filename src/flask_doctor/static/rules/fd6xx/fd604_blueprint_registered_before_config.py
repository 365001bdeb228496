"""FD604 blueprint-registered-before-config: Factory registers blueprints/extensions before loading the
configuration they read."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.assembly import (
    CONFIG_LOADERS,
    app_factories,
    extension_name,
    extension_package,
    first_arg_in,
    own_nodes,
    sets_extension_settings,
)
from flask_doctor.static.model import FLASK_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class BlueprintRegisteredBeforeConfig(Rule):
    """
    ## What it does
    Finds application factories that register blueprints or initialise
    extensions (`register_blueprint`, `ext.init_app(app)`, `Ext(app)`)
    before they load the configuration (`app.config.from_object`,
    `from_pyfile`, `from_mapping`, `from_envvar`, `from_prefixed_env`,
    `from_file`).

    ## Why is this bad?
    Extensions read their settings in `init_app`: Flask-SQLAlchemy takes
    `SQLALCHEMY_DATABASE_URI` and the engine options, Flask-Mail the SMTP
    server, Flask-Caching the cache type. Initialised before the config is
    loaded they silently use defaults (an in-memory SQLite database, a
    `null` cache), and blueprints that read config while being registered
    see the same empty values. Only registrations before the *first*
    configuration load are reported: once a configuration is loaded, later
    loads are usually overrides (test settings) whose order is deliberate.
    An extension whose settings flask-doctor knows (Flask-CORS reads
    `CORS_*`, Flask-Mail `MAIL_*`, ...) is reported only when the project
    names one of them somewhere (a config class, a config file, an
    environment variable of a deploy file): with no such key anywhere, the
    defaults are what the extension would get whatever the order.

    ## Example
    ```python
    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        app.register_blueprint(shop)
        app.config.from_object("shop.config.Production")
        return app
    ```

    ## Use instead
    ```python
    def create_app():
        app = Flask(__name__)
        app.config.from_object("shop.config.Production")
        db.init_app(app)
        app.register_blueprint(shop)
        return app
    ```

    ## Fix safety
    Moving the config load to the top of the factory is almost always safe,
    but not automatic: a config loader that depends on an extension must
    stay after it.

    ## References
    - Flask docs: "Application Factories"
    - Flask docs: "Configuration Handling"
    """

    code = "FD604"
    name = "blueprint-registered-before-config"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Factory registers blueprints/extensions before loading the configuration they read."

    VALID = (
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app(test_config=None):
                app = Flask(__name__)
                app.config.from_object("settings")
                if test_config:
                    app.config.from_mapping(test_config)
                db.init_app(app)
                from views import bp
                app.register_blueprint(bp)
                app.config.update(EXTRA=1)
                return app
            """),
        Valid("""
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.register_blueprint(object())
                return app
            """),
        # CORS(app) before the config file, but no CORS_* key anywhere: the defaults are all it could read
        Valid(
            """
            from flask import Flask
            from flask_cors import CORS

            def create_app():
                app = Flask(__name__)
                CORS(app)
                app.config.from_pyfile("settings.py")
                return app
            """,
            files={"settings.py": 'SECRET_KEY = "from-env"\nMAIL_SERVER = "smtp.example.org"\n'},
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from flask_cors import CORS
            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                db.init_app(app)  # expect
                CORS(app)  # expect
                app.config.from_object("shop.config.Production")
                return app
            """,
            message="`db.init_app(app)` in `create_app` runs before `app.config.from_object(...)`",
            files={
                "shop/__init__.py": "",
                "shop/config.py": """
            class Production:
                SQLALCHEMY_DATABASE_URI = "postgresql://db/shop"
                CORS_ORIGINS = ["https://shop.example"]
            """,
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for factory in app_factories(project):
            self._check_factory(project, factory, report)

    def _check_factory(self, project: Project, factory: FunctionInfo, report: Callable[[Finding], None]) -> None:
        app_names = {n for n, t in factory.local_types.items() if project.is_subtype(t, FLASK_TYPES)}
        if not app_names:
            return
        registrations: list[tuple[ast.Call, str]] = []
        loads: list[ast.Call] = []
        for node in own_nodes(factory.node):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = dotted(func.value) or ""
                if func.attr in CONFIG_LOADERS and owner in {f"{a}.config" for a in app_names}:
                    if node.args or node.keywords:
                        loads.append(node)
                    continue
                if func.attr == "register_blueprint" and owner in app_names:
                    registrations.append((node, "blueprint"))
                    continue
                if func.attr == "init_app" and first_arg_in(node, app_names):
                    registrations.append((node, "extension"))
                    continue
            callee = factory.imports.qualify(dotted(func) or "")
            if extension_name(callee) and first_arg_in(node, app_names):
                registrations.append((node, "extension"))
        if not loads or not registrations:
            return
        registrations = [
            (n, kind) for n, kind in registrations if kind == "blueprint" or self._has_settings(project, factory, n)
        ]
        # Only registrations before the *first* load see a bare app; loads that
        # follow a first load are overrides (test settings) and not reported.
        first_load = min(loads, key=lambda n: n.lineno)
        early = [(n, kind) for n, kind in registrations if n.lineno < first_load.lineno]
        if not early:
            return
        last_load = first_load
        load_text = f"{dotted(last_load.func)}(...)"
        loaded_at = Location(factory.module.path, last_load.lineno, last_load.col_offset + 1)
        for node, kind in early:
            shown = ast.unparse(node) if len(ast.unparse(node)) <= 60 else f"{dotted(node.func)}(...)"
            consequence = (
                "the extension reads its settings now and keeps the defaults"
                if kind == "extension"
                else "anything the blueprint reads from the config while it is registered sees the defaults"
            )
            report(
                self.finding(
                    Location(factory.module.path, node.lineno, node.col_offset + 1),
                    f"`{shown}` in `{factory.display}` runs before `{load_text}` at line {last_load.lineno}: "
                    f"{consequence}",
                    hint="Load the whole configuration first, then initialise extensions and register blueprints.",
                    evidence=[Evidence(f"configuration loaded here: `{load_text}`", loaded_at)],
                )
            )

    @staticmethod
    def _has_settings(project: Project, factory: FunctionInfo, call: ast.Call) -> bool:
        """Could the config loaded later hold settings for this extension?  False only when its keys are known
        and the project names none of them."""
        package = extension_package(project, factory, call)
        return package is None or sets_extension_settings(project, package) is not False
