"""FD604 blueprint-registered-before-config: Factory registers blueprints/extensions before loading the
configuration they read."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from flask_doctor.dataclass import dataclass
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
from flask_doctor.static.model import FACTORY, FLASK_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid


@dataclass(frozen=True, eq=False)
class _Step:
    """A config load or a registration of a factory: where the factory runs it, the call itself and its function."""

    at: ast.Call  # the factory's own call (the helper's call when the step is inside a helper)
    call: ast.Call
    function: FunctionInfo
    kind: str = ""  # "blueprint"/"extension" for registrations


def _where(step: _Step) -> Location:
    return Location(step.function.module.path, step.call.lineno, step.call.col_offset + 1)


class BlueprintRegisteredBeforeConfig(Rule):
    """
    ## What it does
    Finds application factories that register blueprints or initialise
    extensions (`register_blueprint`, `ext.init_app(app)`, `Ext(app)`)
    before they load the configuration (`app.config.from_object`,
    `from_pyfile`, `from_mapping`, `from_envvar`, `from_prefixed_env`,
    `from_file`), also when the factory does either through a helper of
    the project it hands the app to (`register_extensions(app)` before
    `configure_app(app)`).

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
    defaults are what the extension would get whatever the order. An
    extension configured only by its arguments (Flask-Talisman) reads no
    key and is never reported.

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
        # the helper that loads the configuration runs first
        Valid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app(name="production"):
                app = Flask(__name__)
                configure(app, name)
                db.init_app(app)
                return app

            def configure(app, name):
                app.config.from_object(f"settings.{name}")
            """,
        ),
        # Talisman takes its settings as arguments and reads no config key: nothing to miss
        Valid(
            """
            from flask import Flask
            from flask_talisman import Talisman

            def create_app():
                app = Flask(__name__)
                Talisman(app, force_https=False)
                load_configuration(app)
                return app

            def load_configuration(app):
                app.config.from_pyfile("settings.cfg", silent=True)
            """,
            files={"settings.py": 'SQLALCHEMY_DATABASE_URI = "postgresql://db/app"\n'},
        ),
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
        # the factory's helpers: extensions registered in one, the configuration loaded in the next
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                register_extensions(app)  # expect
                configure(app)
                return app

            def register_extensions(app):
                db.init_app(app)

            def configure(target):
                target.config.from_prefixed_env()
            """,
            message="`db.init_app(app)` in it",
            files={".env": "FLASK_SQLALCHEMY_DATABASE_URI=postgresql://db/shop\n"},
        ),
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
        registrations: list[_Step] = []
        loads: list[_Step] = []
        for node, load, kind in self._steps(project, factory, app_names):
            if load:
                loads.append(_Step(node, node, factory))
            elif kind:
                registrations.append(_Step(node, node, factory, kind))
            else:
                # ``register_extensions(app)`` / ``configure_app(app, name)``: a helper of the project the factory
                # hands the app to runs its loads and registrations at this point of the factory
                helper, params = self._helper(project, factory, node, app_names)
                if helper is None:
                    continue
                for inner, inner_load, inner_kind in self._steps(project, helper, params):
                    if inner_load:
                        loads.append(_Step(node, inner, helper))
                    elif inner_kind:
                        registrations.append(_Step(node, inner, helper, inner_kind))
        if not loads or not registrations:
            return
        registrations = [
            r for r in registrations if r.kind == "blueprint" or self._has_settings(project, r.function, r.call)
        ]
        # Only registrations before the *first* load see a bare app; loads that
        # follow a first load are overrides (test settings) and not reported.
        first_load = min(loads, key=lambda step: step.at.lineno)
        early = [r for r in registrations if r.at.lineno < first_load.at.lineno]
        if not early:
            return
        load_text = f"`{dotted(first_load.call.func)}(...)`"
        if first_load.at is not first_load.call:
            load_text += f" (in `{first_load.function.display}`)"
        loaded_at = Location(factory.module.path, first_load.at.lineno, first_load.at.col_offset + 1)
        for step in early:
            node = step.at
            shown = ast.unparse(node) if len(ast.unparse(node)) <= 60 else f"{dotted(node.func)}(...)"
            consequence = (
                "the extension reads its settings now and keeps the defaults"
                if step.kind == "extension"
                else "anything the blueprint reads from the config while it is registered sees the defaults"
            )
            if step.call is not node:
                inner = ast.unparse(step.call)
                consequence = f"`{inner if len(inner) <= 50 else dotted(step.call.func)}` in it: {consequence}"
            evidence = [Evidence(f"configuration loaded here: {load_text}", loaded_at)]
            if step.call is not node:
                evidence.append(Evidence(f"registered in `{step.function.display}`", _where(step)))
            report(
                self.finding(
                    Location(factory.module.path, node.lineno, node.col_offset + 1),
                    f"`{shown}` in `{factory.display}` runs before {load_text} at line {first_load.at.lineno}: "
                    f"{consequence}",
                    hint="Load the whole configuration first, then initialise extensions and register blueprints.",
                    evidence=evidence,
                )
            )

    @staticmethod
    def _steps(project: Project, fn: FunctionInfo, app_names: set[str]) -> Iterator[tuple[ast.Call, bool, str]]:
        """``fn``'s calls in order, each with whether it loads the config and what it registers (or "")."""
        for node in own_nodes(fn.node):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = dotted(func.value) or ""
                if func.attr in CONFIG_LOADERS and owner in {f"{a}.config" for a in app_names}:
                    # every loader needs an argument but ``from_prefixed_env()`` (``FLASK_`` by default)
                    yield node, bool(node.args or node.keywords or func.attr == "from_prefixed_env"), ""
                    continue
                if func.attr == "register_blueprint" and owner in app_names:
                    yield node, False, "blueprint"
                    continue
                if func.attr == "init_app" and first_arg_in(node, app_names):
                    yield node, False, "extension"
                    continue
            callee = fn.imports.qualify(dotted(func) or "")
            yield node, False, "extension" if extension_name(callee) and first_arg_in(node, app_names) else ""

    @staticmethod
    def _helper(
        project: Project, factory: FunctionInfo, call: ast.Call, app_names: set[str]
    ) -> tuple[FunctionInfo | None, set[str]]:
        """The project function ``call`` hands the app to, and the names of its parameters that receive it."""
        name = dotted(call.func)
        if not name or not any(isinstance(a, ast.Name) and a.id in app_names for a in call.args):
            return None, set()
        helper = project.resolve_function(name, factory, factory.module)
        if helper is None or helper is factory or FACTORY in helper.roles:
            return None, set()
        params = [a.arg for a in (*helper.node.args.posonlyargs, *helper.node.args.args)]
        if params[:1] in (["self"], ["cls"]):
            params = params[1:]
        received = {
            params[i]
            for i, arg in enumerate(call.args)
            if i < len(params) and isinstance(arg, ast.Name) and arg.id in app_names
        }
        return (helper, received) if received else (None, set())

    @staticmethod
    def _has_settings(project: Project, factory: FunctionInfo, call: ast.Call) -> bool:
        """Could the config loaded later hold settings for this extension?  False only when its keys are known
        and the project names none of them."""
        package = extension_package(project, factory, call)
        return package is None or sets_extension_settings(project, package) is not False
