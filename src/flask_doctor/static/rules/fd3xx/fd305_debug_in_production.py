"""FD305 debug-in-production: Debug mode (the Werkzeug debugger) is on in production."""

from __future__ import annotations

from collections.abc import Callable
from flask_doctor.findings import Finding, Severity
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid
from flask_doctor.static.facts.config import DEBUG_KEYS, deploy_env_debug, env_default, env_label, imports_at, live_in_production, lower, settings, short, truthy_constant, where


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
    and, with the reloader, runs the app twice. Debug settings in
    development and testing configuration, in `if __name__ == "__main__":`
    blocks and in `.env.example`/`.env.development` are fine.

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
    )
    INVALID = (
        Invalid("""
            class Config:
                DEBUG = True  # expect

            class TestingConfig(Config):
                TESTING = True
            """, message="remote code execution"),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            app.debug = True  # expect
            """, message="app.debug"),
        Invalid("""
            import os

            class ProductionConfig:
                DEBUG = os.environ.get("DEBUG", True)  # expect
            """, message="default"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, DEBUG_KEYS):
            if not live_in_production(project, setting):
                continue
            target = "app.debug" if setting.owner == "app" else setting.key
            if truthy_constant(setting.value):
                message = (
                    f"`{target} = {short(setting.value)}` {where(project, setting)} ({env_label(setting)}): the Werkzeug "
                    f"debugger on an error page is remote code execution"
                )
                severity = self.effective_severity
            else:
                table = imports_at(project, setting.location.path, setting.location.line)
                default = env_default(setting.value, table)
                if not truthy_constant(default):
                    continue
                message = (
                    f"`{target}` {where(project, setting)} has the default `{short(default)}`: production runs in debug "
                    f"mode (remote code execution through the Werkzeug debugger) whenever the variable is missing"
                )
                severity = lower(self.effective_severity)
            report(
                self.finding(
                    setting.location,
                    message,
                    hint="Keep DEBUG off in production and base config; switch it on in development config or with `flask run --debug`.",
                    severity=severity,
                )
            )
        for entry in deploy_env_debug(project):
            report(
                self.finding(
                    entry[0],
                    entry[1],
                    hint="Remove FLASK_DEBUG / FLASK_ENV=development from production deploy files; use them only in development.",
                )
            )
