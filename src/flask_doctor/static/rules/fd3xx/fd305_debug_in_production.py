"""FD305 debug-in-production: Debug mode (the Werkzeug debugger) is on in production."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import env_label, live_in_production, settings, where
from flask_doctor.static.facts.config_values import env_default, short, truthy_constant
from flask_doctor.static.facts.deploy_files import production_env, production_server, scope_label
from flask_doctor.static.facts.devserver import served_in_code
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class DebugInProduction(Rule):
    """
    ## What it does
    Finds debug mode switched on where production runs it: `DEBUG = True` in
    production or base configuration, `app.debug = True` or
    `app.config["DEBUG"] = True` outside development branches, and
    `FLASK_DEBUG=1` / `FLASK_ENV=development` in production deploy files
    (Dockerfile `ENV`, compose `environment:`, `.env.production`).

    ## Why is this bad?
    In debug mode an unhandled exception shows the Werkzeug debugger, whose
    console runs arbitrary Python on the server (protected only by a PIN
    that is derived from guessable machine facts): it is remote code
    execution. Debug mode also leaks source and configuration in tracebacks
    and, with the reloader, runs the app twice. The debugger exists only
    under Werkzeug's development server (`flask run`, `app.run()`): when the
    production deploy files start gunicorn, uWSGI, waitress or another WSGI
    server (and none starts the development server), `DEBUG = True` is
    reported as a warning for what it still does there (exceptions bypass
    the 500 handler and reach the server, extensions switch to debug
    behaviour). Debug settings in development and testing configuration, in
    `if __name__ == "__main__":` blocks and in `.env.example`/`.env.development`
    are fine.

    ## Example
    ```python
    class Config:
        DEBUG = True
    ```

    ## Use instead
    ```python
    class Config:
        DEBUG = False

    class DevelopmentConfig(Config):
        DEBUG = True
    ```
    and `flask --app app run --debug` while developing.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs, Debugging Application Errors: "Do not run the development server, or enable the built-in debugger, in a production environment"
    - Werkzeug docs, Debugging Applications: the debugger PIN
    """

    code = "FD305"
    name = "debug-in-production"
    severity = Severity.ERROR
    catalog = ("S25",)
    summary = "Debug mode (the Werkzeug debugger) is on in production."

    VALID = (
        Valid("""
            class Config:
                DEBUG = False

            class DevelopmentConfig(Config):
                DEBUG = True

            class TestingConfig(Config):
                DEBUG = True
                TESTING = True
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["DEBUG"] = os.environ.get("FLASK_DEBUG") == "1"

            if __name__ == "__main__":
                app.debug = True
                app.run()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.config["ENV"] == "development":
                app.config["DEBUG"] = True
            """),
        # a Django site's settings module beside the Flask app is not Flask configuration
        Valid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config.from_object("app_settings")
            """,
            files={
                "app_settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
                "site/settings.py": """
            DEBUG = True
            INSTALLED_APPS = ["django.contrib.admin"]
            ROOT_URLCONF = "site.urls"
            """,
            },
        ),
    )
    INVALID = (
        # served by gunicorn: no debugger, but still debug mode in production (a warning)
        Invalid(
            """
            class Config:
                DEBUG = True  # expect
            """,
            message="gunicorn",
            files={"Procfile": "web: gunicorn app:app --workers 4\n"},
        ),
        # the app serves itself with gevent's WSGIServer: no debugger, so the message says what debug mode does there
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.config["DEBUG"] = True  # expect
            """,
            message="gevent",
            files={
                "serve.py": """
            from gevent.pywsgi import WSGIServer
            from app import app

            WSGIServer(("0.0.0.0", 8000), app).serve_forever()
            """
            },
        ),
        Invalid(
            """
            class Config:
                DEBUG = True  # expect

            class TestingConfig(Config):
                TESTING = True
            """,
            message="remote code execution",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.debug = True  # expect
            """,
            message="app.debug",
        ),
        Invalid(
            """
            import os

            class ProductionConfig:
                DEBUG = os.environ.get("DEBUG", True)  # expect
            """,
            message="default",
        ),
    )

    DEBUG_ENV_RISK = (
        "under the development server that is the Werkzeug debugger (remote code execution); under any server "
        "errors bypass your 500 handler and extensions switch to their debug behaviour"
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        server = production_server(project)
        for setting in settings(project, ("DEBUG",)):
            if not live_in_production(project, setting):
                continue
            target = "app.debug" if setting.owner == "app" else setting.key
            if truthy_constant(setting.value):
                message = (
                    f"`{target} = {short(setting.value)}` {where(project, setting)} ({env_label(setting)}): the "
                    "Werkzeug debugger on an error page is remote code execution"
                )
                severity = self.effective_severity
            else:
                table = imports_at(project, setting.location.path, setting.location.line)
                default = env_default(setting.value, table)
                if default is None or not truthy_constant(default):
                    continue
                message = (
                    f"`{target}` {where(project, setting)} has the default `{short(default)}`: production runs in "
                    "debug mode (remote code execution through the Werkzeug debugger) whenever the variable is "
                    "missing"
                )
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # one step lower: only a fallback
            evidence: list[Evidence] = []
            runs_under = (server.server, server.source) if server is not None else served_in_code(project)
            if runs_under is not None:
                # gunicorn/uWSGI/gevent never start the debugger: debug mode only changes error handling there
                name, source = runs_under
                severity = Severity(max(Severity.NOTE, min(severity, Severity.WARNING)))
                message = message.split(":", 1)[0] + (
                    f": production runs under {name} (`{source.path}`), which starts no Werkzeug "
                    "debugger, but debug mode still lets exceptions propagate past your 500 handler and switches "
                    "extensions to their debug behaviour"
                )
                evidence.append(Evidence(f"production server: {name}", source))
            report(
                self.finding(
                    setting.location,
                    message,
                    evidence=evidence,
                    hint=(
                        "Keep DEBUG off in production and base config; switch it on in development config or with "
                        "`flask run --debug`."
                    ),
                    severity=severity,
                )
            )
        for entry in self._deploy_env_debug(project):
            report(
                self.finding(
                    entry[0],
                    entry[1],
                    severity=min(Severity.WARNING if server is not None else Severity.ERROR, self.effective_severity),
                    hint=(
                        "Remove FLASK_DEBUG / FLASK_ENV=development from production deploy files; use them only in "
                        "development."
                    ),
                )
            )

    def _deploy_env_debug(self, project: Project) -> Iterator[tuple[Location, str]]:
        """``FLASK_DEBUG=1`` / ``FLASK_ENV=development`` in production deploy files."""
        deploy = project.deploy
        if deploy is None:
            return
        flask_run = {(c.source.path, c.process) for c in deploy.commands if c.server == "flask-run"}
        for item in production_env(project):
            name, value, location = item.name, item.value or "", item.source
            if name not in ("FLASK_DEBUG", "FLASK_ENV"):
                continue
            # ``flask run`` with debug in the same file/service: FD307 reports both at once
            process = item.scope if item.scope.startswith("service:") else None
            if any(path == location.path and (process is None or proc == process) for path, proc in flask_run):
                continue
            source = scope_label(item.scope, location.path)
            if name == "FLASK_DEBUG" and truthy_constant(ast.Constant(value)):
                yield (
                    location,
                    (f"`FLASK_DEBUG={value}` in {source} turns debug mode on in production: {self.DEBUG_ENV_RISK}"),
                )
            elif name == "FLASK_ENV" and value.strip().lower() == "development":
                yield (
                    location,
                    (
                        f"`FLASK_ENV=development` in {source} turns debug mode on in production (Flask < 2.3): "
                        f"{self.DEBUG_ENV_RISK}"
                    ),
                )
