"""FD305 debug-in-production: Debug mode (the Werkzeug debugger) is on in production."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import (
    ConfigFallback,
    config_fallbacks,
    dev_only,
    env_label,
    inherited_setting,
    live_in_production,
    settings,
    where,
)
from flask_doctor.static.facts.config_values import (
    flag_when_unset,
    missing,
    settings_default,
    short,
    truthy_constant,
)
from flask_doctor.static.facts.deploy_files import production_env, production_server, scope_label
from flask_doctor.static.facts.devserver import console_scripts, served_in_code
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.facts.scopes import enclosing_function, imports_at
from flask_doctor.static.facts.server import code_server_commands
from flask_doctor.static.model import ConfigSetting, Project
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import ServerCommand


_DEBUG_TEST = on_first_use(r"debug", re.IGNORECASE)
#: Packages that hold a project's command-line tools (``pkg/cli/``, ``pkg/commands.py``).
_COMMAND_PACKAGES = frozenset({"cli", "commands", "console"})
#: The object of ``app.debug = True`` / ``app.config["DEBUG"] = True`` on its line.
_RECEIVER = on_first_use(r"\s*(\w+)\.(?:debug\b|config\s*\[)")


class DebugInProduction(Rule):
    """
    ## What it does
    Finds debug mode switched on where production runs it: `DEBUG = True` in
    production or base configuration, `app.debug = True` or
    `app.config["DEBUG"] = True` outside development branches, and
    `FLASK_DEBUG=1` / `FLASK_ENV=development` in production deploy files
    (Dockerfile `ENV`, compose `environment:`, `.env.production`). A
    default counts one severity lower: `os.environ.get("DEBUG", True)`,
    `os.getenv("DEBUG", "True") == "True"`, `bool(os.getenv("DEBUG", True))`,
    `settings.get("DEBUG", True)` in a settings holder handed to
    `from_object`, and `DEBUG = True` in the development config (or the
    base it inherits) that the app factory's default config name selects
    when production code builds the app without one
    (`def create_app(name="default")` with `{"default": DevelopmentConfig}`,
    then `app = create_app()`). The development config that production code
    falls back to when the variable naming the config is missing
    (`os.getenv("APP_SETTINGS") or "config.LocalConfig"`, including the
    project's own command that starts gunicorn with
    `os.getenv("FLASK_ENV", "development")`) is a note: it is what a local
    run picks by design, and production gets it only if the deployment
    leaves that variable out, which nothing in the code says. Settings
    files the app loads count like config classes:
    `app.config.from_file("config.json", load=json.load)` (TOML, YAML,
    `from_json`, `from_pyfile("app.cfg")` too), unless the file is named for
    development, tests or as an example (`config.dev.json`,
    `config.example.json`) or only development code loads it.
    `app.debug = True` at the top of a command-line package (`pkg/cli/`)
    that only that package's commands import, and that the installed
    console scripts start, is the tools' app, not the one a server imports:
    it is not reported.

    Werkzeug's `DebuggedApplication(app.wsgi_app, evalex=True)` in a module
    the app imports is reported too: it puts the debugger's console on error
    pages under any server, gunicorn and uWSGI included. Under an
    `if app.debug:`-style test it is a note, since it then depends on debug
    mode being left on.

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
    `if __name__ == "__main__":` blocks, in `.env.example`/`.env.development`
    and in compose services that build the development image
    (`build: {dockerfile: Dockerfile.dev}` or `target: development`) are fine.

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
    call_names = frozenset({"DebuggedApplication"})

    VALID = (
        # the command that starts the development server by hand switches debug on for that run only
        Valid(
            """
            from flask import Flask

            def build():
                return Flask(__name__)

            def serve_locally(port):
                site = build()
                site.debug = True
                site.run(port=port, debug=True)
            """
        ),
        # the image's start script sets debug only in its development branch; the default branch runs gunicorn
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "Dockerfile": 'FROM python:3.12\nCOPY . /srv/app\nENTRYPOINT ["/srv/app/start.sh"]\nCMD ["web"]\n',
                "start.sh": """#!/bin/sh
            case "$1" in
              web)
                exec gunicorn -w 4 app:app
                ;;
              dev_server)
                export FLASK_DEBUG=1
                exec gunicorn --reload -b 0.0.0.0:5000 app:app
                ;;
            esac
            """,
            },
        ),
        # every production caller names the config: the factory's development default is never used there
        Valid(
            """
            import os
            from flask import Flask

            class LocalConfig:
                DEBUG = True

            class LiveConfig:
                DEBUG = False

            settings = {"local": LocalConfig, "live": LiveConfig}

            def create_app(profile="local"):
                app = Flask(__name__)
                app.config.from_object(settings[profile])
                return app

            app = create_app(os.environ["APP_PROFILE"])
            """
        ),
        # the plain compose file is the developer's stack: its web service builds the development image
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "docker-compose.yml": (
                    "services:\n"
                    "  site:\n"
                    "    build:\n"
                    "      context: .\n"
                    "      dockerfile: docker/Dockerfile.dev\n"
                    "    environment:\n"
                    "      FLASK_DEBUG: 1\n"
                    "    command: flask run --host=0.0.0.0\n"
                ),
            },
        ),
        # the console wrapper only in a development entry point run by hand
        Valid(
            """
            from flask import Flask
            from werkzeug.debug import DebuggedApplication

            app = Flask(__name__)

            if __name__ == "__main__":
                from werkzeug.serving import run_simple
                run_simple("localhost", 5000, DebuggedApplication(app, evalex=True))
            """
        ),
        # the service's WSGI module falls back to the deploy config; only a local run chooses the local one
        Valid(
            """
            from flask import Flask

            def create_app(config_path, app_class=None):
                if app_class is not None:
                    app = app_class(__name__)
                else:
                    app = Flask(__name__)
                app.config.from_object(config_path)
                return app
            """,
            files={
                "settings.py": """
            class LocalSettings:
                DEBUG = True

            class DeploySettings(LocalSettings):
                DEBUG = False
            """,
                "catalog_wsgi.py": """
            import os
            from app import create_app

            application = create_app(os.getenv("CATALOG_SETTINGS") or "settings.DeploySettings")

            if __name__ == "__main__":
                application.run(port=5002)
            """,
            },
        ),
        # the development settings file, and an example for users to copy
        Valid(
            """
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.dev.json", load=json.load)
                return app
            """,
            files={"config.dev.json": '{"DEBUG": true}\n', "config.example.json": '{"DEBUG": true}\n'},
        ),
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

            class Config:
                DEBUG = os.getenv("DEBUG", "False") == "True"
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
        # the same fallback in a command that only opens a shell: no server starts from it
        Valid("""
            import os
            import click
            from flask import Flask

            class BaseConfig:
                DEBUG = True

            class Development(BaseConfig):
                ENV = "development"

            class Production(BaseConfig):
                DEBUG = False

            configs = {"development": Development, "production": Production}

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(configs[name])
                return app

            @click.command()
            def shell():
                env = os.getenv("FLASK_ENV", "development")
                os.environ["FLASK_ENV"] = env
                os.system("ipython")
            """),
        # the app the command-line tools build: only the `cli` package's own commands import it; the WSGI
        # module production serves builds its own app
        Valid(
            """
            from flask import Flask

            def create_app():
                return Flask(__name__)

            app = create_app()
            """,
            files={
                "taxii/__init__.py": "",
                "taxii/cli/__init__.py": "from app import create_app\n\napp = create_app()\napp.debug = True\n",
                "taxii/cli/run.py": "from taxii.cli import app\n\n\ndef run_dev():\n    app.run(port=9000)\n",
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(entry_points={'console_scripts': ['taxii-run-dev = taxii.cli.run:run_dev']})\n"
                ),
            },
        ),
    )
    INVALID = (
        # the module gunicorn imports wraps the app in the debugger's console unconditionally
        Invalid(
            """
            from flask import Flask
            from werkzeug.debug import DebuggedApplication

            app = Flask(__name__)
            app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # expect
            """,
            message="under any server",
        ),
        # only when debug is on, but then under uWSGI too
        Invalid(
            """
            from flask import Flask
            from werkzeug.debug import DebuggedApplication

            app = Flask(__name__)
            app.config.from_object("settings")

            if app.config["DEBUG"]:
                app.wsgi_app = DebuggedApplication(app.wsgi_app, True)  # expect
            """,
            message="whenever debug is on",
        ),
        # a settings file the factory loads
        Invalid(
            """
            import tomllib
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.toml", load=tomllib.load, text=False)
                return app
            """,
            message="settings file `config.toml`",
            files={"config.toml": "DEBUG = true  # expect\n"},
        ),
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
        # the comparison is true when the variable is unset
        Invalid(
            """
            import os

            class Config:
                DEBUG = os.getenv("FLASK_DEBUG", "true").lower() in ("1", "true", "yes")  # expect
            """,
            message="the environment variable is missing",
        ),
        # a settings holder turns debug on when the site's settings file does not mention it
        Invalid(
            """
            class SiteOptions:
                def __init__(self, options):
                    self.DEBUG = options.get("DEBUG", True)  # expect
                    self.SECRET_KEY = options["SECRET_KEY"]
            """,
            message="the settings leave it out",
        ),
        # the factory's default config name is the development one, and the module-level app takes the default
        Invalid(
            """
            from flask import Flask

            class CommonConfig:
                TIMEZONE = "UTC"

            class LocalConfig(CommonConfig):
                DEBUG = True  # expect

            class LiveConfig(CommonConfig):
                DEBUG = False

            settings = {"local": LocalConfig, "live": LiveConfig, "default": LocalConfig}

            def create_app(profile="default"):
                app = Flask(__name__)
                app.config.from_object(settings[profile])
                return app

            app = create_app()
            """,
            message="built without a config name",
        ),
        # the command that starts gunicorn picks the development config when FLASK_ENV is unset
        Invalid(
            """
            import os
            import click
            from flask import Flask

            class BaseConfig:
                DEBUG = True  # expect

            class Development(BaseConfig):
                ENV = "development"

            class Production(BaseConfig):
                DEBUG = False

            configs = {"development": Development, "production": Production}

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(configs[name])
                return app

            @click.command()
            def start():
                env = os.getenv("FLASK_ENV", "development")
                os.environ["FLASK_ENV"] = env
                os.system(f"gunicorn -w 4 'app:create_app(\\"{env}\\")'")
            """,
            message="falls back to config `Development`",
        ),
        # the service's WSGI module (named `*_wsgi.py`, with a main block for local runs) picks the local
        # config when the variable naming the config is unset: a note, production gets it only without the variable
        Invalid(
            """
            from flask import Flask

            def create_app(config_path, app_class=None):
                if app_class is not None:
                    app = app_class(__name__)
                else:
                    app = Flask(__name__)
                app.config.from_object(config_path)
                return app
            """,
            files={
                "settings.py": """
            class LocalSettings:
                DEBUG = True  # expect

            class DeploySettings(LocalSettings):
                DEBUG = False
            """,
                "catalog_wsgi.py": """
            import os
            from app import create_app

            application = create_app(os.getenv("CATALOG_SETTINGS") or "settings.LocalSettings")

            if __name__ == "__main__":
                application.run(host="0.0.0.0", port=5002)
            """,
            },
            message="only if the deployment leaves the variable out",
        ),
    )

    DEBUG_ENV_RISK = (
        "under the development server that is the Werkzeug debugger (remote code execution); under any server "
        "errors bypass your 500 handler and extensions switch to their debug behaviour"
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        server = production_server(project)
        if server is None and not self._dev_server_in_deploy(project):
            server = next(iter(code_server_commands(project)), None)  # a ``service start`` command runs gunicorn
        reported: set[tuple[str, int]] = set()
        for setting in settings(project, ("DEBUG",)):
            if not live_in_production(project, setting) or self._before_dev_server(project, setting):
                continue
            if setting.owner in ("app", "app.config") and self._command_line_app(project, setting):
                continue
            target = "app.debug" if setting.owner == "app" else setting.key
            evidence: list[Evidence] = []
            if truthy_constant(setting.value):
                head = f"`{target} = {short(setting.value)}` {where(project, setting)} ({env_label(setting)})"
                tail = "the Werkzeug debugger on an error page is remote code execution"
                severity = self.effective_severity
            else:
                table = imports_at(project, setting.location.path, setting.location.line)
                default = settings_default(setting.value, table, setting.key)
                if default is not None and truthy_constant(default):
                    shown = f"the default `{short(default)}`"
                elif default is None and flag_when_unset(setting.value, table) is True:
                    # ``os.getenv("DEBUG", "True") == "True"``: the comparison is true when the variable is unset
                    shown = f"a default that makes it true (`{short(setting.value)}`)"
                else:
                    continue
                head = f"`{target}` {where(project, setting)} has {shown}"
                tail = (
                    "production runs in debug mode (remote code execution through the Werkzeug debugger) whenever "
                    f"{missing(setting.value, table)}"
                )
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # one step lower: only a fallback
            reported.add((setting.location.path, setting.location.line))
            self._report(project, report, server, setting, (head, tail), severity, evidence)
        for setting, fallback in self._fallback_debug(project):
            if (setting.location.path, setting.location.line) in reported:
                continue
            reported.add((setting.location.path, setting.location.line))
            head = (
                f"`{setting.key} = {short(setting.value)}` {where(project, setting)} reaches production "
                f"{fallback.when}: {fallback.how} then falls back to config "
                f"`{fallback.config_class.rsplit('.', 1)[-1]}`"
            )
            tail = "the Werkzeug debugger on an error page is remote code execution"
            severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # one step lower: only a fallback
            if fallback.on_missing_variable:
                # the development config is what a local run picks by design; production gets it only if the
                # operator leaves out the variable that names the config: nothing here says they do
                severity = Severity.NOTE
                tail += " (a note: only if the deployment leaves the variable out)"
            evidence = [Evidence("falls back to the development config here", fallback.location)]
            self._report(project, report, server, setting, (head, tail), severity, evidence)
        self._report_deploy_env(project, report, server)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        """``DebuggedApplication(app.wsgi_app, evalex=True)``: the debugger console under whatever server runs the
        app."""
        if ctx.qualified(node.func) != "werkzeug.debug.DebuggedApplication":
            return
        if ctx.in_main or ctx.is_test_code() or role_of(ctx.project, ctx.module) is not FileRole.APPLICATION:
            return  # a run by hand, a test, an example or a script
        if ctx.function is not None and ctx.contexts and not ctx.contexts - {"cli", "test", "main"}:
            return  # a command (``serve --debug``) the operator runs
        evalex = (
            node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "evalex"), None)
        )
        if not truthy_constant(evalex):
            return  # the traceback page without the console: no code runs
        shown = ast.unparse(node)[:70]
        guard = next(
            (a for a in reversed(ctx.ancestors) if isinstance(a, ast.If) and _DEBUG_TEST().search(ast.unparse(a.test))),
            None,
        )
        if guard is None:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{shown}` wraps the app in the Werkzeug debugger with its console on every error page, under "
                    "any server (gunicorn and uWSGI included): whoever triggers an error can run Python in the "
                    "process (remote code execution)",
                    hint="Remove the wrapper from code production imports; use `flask run --debug` on a developer's "
                    "machine instead.",
                )
            )
            return
        evidence = [
            Evidence(f"`{s.key} = {short(s.value)}` is set here", s.location)
            for s in settings(ctx.project, ("DEBUG",))
            if truthy_constant(s.value)
        ][:1]
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{shown}` under `if {ast.unparse(guard.test)[:40]}:` puts the Werkzeug debugger's console on every "
                "error page whenever debug is on, and under any server: `DEBUG` alone runs no debugger under "
                "gunicorn or uWSGI, this wrapper does (a note: it is remote code execution the day a deployment "
                "leaves debug on" + (", and a config here sets it" if evidence else "") + ")",
                hint="Keep the wrapper out of the module production servers import (a separate development "
                "entry point, or `flask run --debug`).",
                severity=Severity.NOTE,
                evidence=evidence,
            )
        )

    @staticmethod
    def _before_dev_server(project: Project, setting: ConfigSetting) -> bool:
        """``app.debug = True`` in a function that then starts the development server on that app (``app.run()``):
        a runner for the development server, which FD306 judges; a WSGI server never runs this function."""
        if setting.owner not in ("app", "app.config"):
            return False
        fn = enclosing_function(project, setting.location.path, setting.location.line)
        module = project.by_path.get(setting.location.path)
        if fn is None or module is None:
            return False
        match = _RECEIVER().match(module.line(setting.location.line))
        if match is None:
            return False
        return any(
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "run"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == match.group(1)
            and call.lineno > setting.location.line
            for _name, call in fn.calls
        )

    @staticmethod
    def _command_line_app(project: Project, setting: ConfigSetting) -> bool:
        """``app.debug = True`` at the top of a command-line package (``pkg/cli/__init__.py``) that only the
        package's own commands import and that the installed console scripts start: the app the commands use,
        not the one a WSGI server imports."""
        path = setting.location.path
        module = project.by_path.get(path)
        if module is None or enclosing_function(project, path, setting.location.line) is not None:
            return False
        parts = module.name.split(".")
        cut = next((i for i, part in enumerate(parts) if part in _COMMAND_PACKAGES), None)
        if cut is None:
            return False
        root = ".".join(parts[: cut + 1])

        def inside(name: str) -> bool:
            return name == root or name.startswith(root + ".")

        if not any(inside(target) for target in console_scripts(project)):
            return False
        return not any(
            inside(record.module) and not inside(importer)
            for importer, records in project.imports.items()
            for record in records
        )

    @staticmethod
    def _dev_server_in_deploy(project: Project) -> bool:
        deploy = project.deploy
        return deploy is not None and any(c.server in ("flask-run", "python-script") for c in deploy.commands)

    def _fallback_debug(self, project: Project) -> Iterator[tuple[ConfigSetting, ConfigFallback]]:
        """``DEBUG = True`` of a development config class production falls back to (itself or a base it inherits)."""
        for fallback in config_fallbacks(project):
            if fallback.env != "development":
                continue
            setting = inherited_setting(project, fallback.config_class, "DEBUG")
            if setting is not None and truthy_constant(setting.value) and not dev_only(project, setting):
                yield setting, fallback

    def _report(
        self,
        project: Project,
        report: Callable[[Finding], None],
        server: ServerCommand | None,
        setting: ConfigSetting,
        message: tuple[str, str],
        severity: Severity,
        evidence: list[Evidence],
    ) -> None:
        """Report ``head: tail``; under a production WSGI server the tail says what debug mode still does there."""
        head, tail = message
        runs_under = (server.server, server.source) if server is not None else served_in_code(project)
        if runs_under is not None:
            # gunicorn/uWSGI/gevent never start the debugger: debug mode only changes error handling there
            name, source = runs_under
            severity = Severity(max(Severity.NOTE, min(severity, Severity.WARNING)))
            tail = (
                f"production runs under {name} (`{source.path}`), which starts no Werkzeug "
                "debugger, but debug mode still lets exceptions propagate past your 500 handler and switches "
                "extensions to their debug behaviour"
            )
            evidence.append(Evidence(f"production server: {name}", source))
        report(
            self.finding(
                setting.location,
                f"{head}: {tail}",
                evidence=evidence,
                hint=(
                    "Keep DEBUG off in production and base config; switch it on in development config or with "
                    "`flask run --debug`."
                ),
                severity=severity,
            )
        )

    def _report_deploy_env(
        self, project: Project, report: Callable[[Finding], None], server: ServerCommand | None
    ) -> None:
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
