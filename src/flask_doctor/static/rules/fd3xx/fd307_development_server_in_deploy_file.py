"""FD307 development-server-in-deploy-file: A Dockerfile/Procfile/compose start command runs Flask's development server."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.devserver import (
    call_text,
    command_dev_server,
    dev_server_calls,
    imports_package,
    production_server_call,
    production_web_commands,
    script_module,
    script_subcommand_dev_server,
)
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy.model import ServerCommand
    from flask_doctor.static.source import SourceModule


class DevelopmentServerInDeployFile(Rule):
    """
    ## What it does
    Finds deploy files that start the app with Flask's development server:
    `flask run` / `python -m flask run` as a Dockerfile `CMD`/`ENTRYPOINT`,
    a Procfile `web:` process, a compose `command:`, a systemd unit's
    `ExecStart=`, an Upstart job's `exec` (`init/app.conf`), the daemon a
    SysV init script's `start()` runs (`init.d/app`, `contrib/init.sh` with
    an `### BEGIN INIT INFO` or `# chkconfig:` header), App Engine's
    `entrypoint:` in `app.yaml`, a Fly.io `[processes]` command in
    `fly.toml` (`app = "flask run ..."`, not one named for a worker), a
    Render `startCommand` of a web service, `python app.py`
    when that script ends in `app.run()`, `python manage.py run` when the
    script is a `FlaskGroup` (its `run` is `flask run`) or the click
    command of that name reaches `app.run()`, and a command the package
    installs (a console script, with its click subcommand) that calls
    `app.run()` (or hands the process to `flask run`). `--debug` or `FLASK_DEBUG=1` on
    such a command is mentioned in the message. Files named for development
    (`docker-compose.dev.yml`, `docker-compose.override.yml`,
    `Procfile.dev`, `Dockerfile.dev`) are not reported, nor compose services
    that build the development image (`build: {dockerfile: Dockerfile.dev}`,
    `build: {target: development}`), nor scripts that
    start waitress, gunicorn or another production server, nor a Dockerfile
    `CMD` that the production compose file replaces with gunicorn/uWSGI.
    `python manage.py runserver` (Flask-Script) is reported too.

    ## Why is this bad?
    Werkzeug's development server handles one request at a time per thread
    with no worker management, no request timeouts and no protection from
    slow clients; Flask's docs tell you not to use it in production. With
    debug mode on, every unhandled error offers an interactive Python
    console to whoever sees the page.

    ## Example
    ```dockerfile
    CMD flask run --host 0.0.0.0
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn --bind 0.0.0.0:8000 --workers 4 "app:create_app()"
    ```

    ## Fix safety
    No automatic fix: pick a server and size its workers.

    ## References
    - Flask docs, Deploying to Production (gunicorn, waitress, uWSGI, mod_wsgi)
    - Flask docs, Command Line Interface: `flask run` "is for development only"
    """

    code = "FD307"
    name = "development-server-in-deploy-file"
    severity = Severity.ERROR
    catalog = ("S25",)
    summary = "A Dockerfile/Procfile/compose start command runs Flask's development server."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        path="Dockerfile",
        before="""
            FROM python:3.12-slim
            COPY . /app
            CMD ["flask", "--app", "shop:create_app()", "run", "--host", "0.0.0.0", "--port", "8000"]
            """,
        after="""
            FROM python:3.12-slim
            COPY . /app
            CMD ["gunicorn", "--bind", "0.0.0.0:8000", "shop:create_app()"]
            """,
        files={
            "shop/__init__.py": """
            from flask import Flask

            def create_app():
                return Flask(__name__)
            """
        },
    )

    VALID = (
        # a compose service built from the development stage of the image: the developer's stack
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "compose.yaml": (
                    "services:\n"
                    "  web:\n"
                    "    build:\n"
                    "      context: .\n"
                    "      target: development\n"
                    "    command: flask run --host=0.0.0.0 --debug\n"
                ),
            },
        ),
        # the production image runs the same script's `seed` command once; gunicorn serves
        Valid(
            """
            import click
            from flask import Flask

            app = Flask(__name__)

            @click.group()
            def main():
                pass

            @main.command()
            def serve():
                app.run(debug=True)

            @main.command()
            def seed():
                load_fixtures()

            if __name__ == "__main__":
                main()
            """,
            files={
                "Dockerfile": 'FROM python:3.12\nCOPY . /srv\nCMD ["gunicorn", "-b", ":8000", "app:app"]\n',
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n  seed:\n    build: .\n    command: python app.py seed\n"
                ),
            },
        ),
        # the Upstart job runs the app under uWSGI; the installed command's app.run() is for development
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            def start():
                app.run(CONF.bind_host, CONF.bind_port)
            """,
            files={
                "setup.py": """
                    from setuptools import setup
                    setup(name="relay", entry_points={"console_scripts": ["relay-server = app:start"]})
                    """,
                "init/relay.conf": (
                    "start on runlevel [2345]\nrespawn\n\n"
                    "exec start-stop-daemon --start --exec /usr/bin/uwsgi -- --http :8080 --wsgi app:app\n"
                ),
            },
        ),
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"Procfile": "web: gunicorn app:app\n"},
        ),
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"Procfile.dev": "web: flask --app app run --debug\n"},
        ),
        # the image's start script runs the development server only in its debugging branch
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["/srv/start.sh"]\n',
                "start.sh": (
                    "#!/bin/sh\n"
                    'if [ "$APP_DEBUG" = "1" ]; then\n'
                    "    exec flask --app app run --host 0.0.0.0 --debug\n"
                    "else\n"
                    "    exec gunicorn -w 4 -b 0.0.0.0:8000 app:app\n"
                    "fi\n"
                ),
            },
        ),
        Valid(
            """
            from waitress import serve
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                serve(app, port=8080)
            """,
            files={"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD python app.py\n"},
        ),
        # the installed command's `serve` uses waitress; only its `dev` subcommand runs Werkzeug's server
        Valid(
            """
            import click
            from flask import Flask
            from waitress import serve as waitress_serve
            app = Flask(__name__)

            @click.group()
            def cli():
                pass

            @cli.command()
            def serve():
                waitress_serve(app, port=8080)

            @cli.command()
            def dev():
                app.run(debug=True)
            """,
            files={
                "setup.py": """
                    from setuptools import setup
                    setup(name="sitectl", entry_points={"console_scripts": ["sitectl = app:cli"]})
                    """,
                "Procfile": "web: sitectl serve\n",
            },
        ),
    )
    INVALID = (
        # the image's entry script picks the process by its argument; the `web` branch runs the development server
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="its `web` branch",
            files={
                "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nENTRYPOINT ["/srv/launch.sh"]\nCMD ["web"]\n',
                "launch.sh": (
                    "#!/bin/sh\n"
                    'case "$1" in\n'
                    "  web)\n"
                    "    exec flask --app app run --host 0.0.0.0 --port 8000  # expect\n"
                    "    ;;\n"
                    "  worker)\n"
                    "    exec celery -A app worker\n"
                    "    ;;\n"
                    "esac\n"
                ),
            },
        ),
        # the start script's production branch runs the development server; its other branch is for development
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="starts the app with `flask run`",
            files={
                "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["/srv/start.sh"]\n',
                "start.sh": (
                    "#!/bin/bash\n"
                    'if [ "$DEPLOY_STAGE" == "production" ]; then\n'
                    "    flask --app app run --host 0.0.0.0 --port 8000  # expect\n"
                    "else\n"
                    "    npm run watch &\n"
                    "    flask --app app run --host 0.0.0.0 --port 8000 --debug\n"
                    "fi\n"
                ),
            },
        ),
        # a `FlaskGroup` script: its `run` subcommand is `flask run`, and the production compose file starts it
        Invalid(
            """
            from flask.cli import FlaskGroup
            from inventory import create_app

            cli = FlaskGroup(create_app=create_app)

            if __name__ == "__main__":
                cli()
            """,
            message="the script is a `FlaskGroup`",
            files={
                "inventory/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
                "docker-compose.yml": (
                    "services:\n  api:\n    build: .\n    command: python app.py run --host 0.0.0.0  # expect\n"
                ),
            },
        ),
        # the image runs the script's click command `serve`, which calls app.run()
        Invalid(
            """
            import click
            from flask import Flask

            app = Flask(__name__)

            @click.group()
            def main():
                pass

            @main.command()
            def serve():
                app.run(host="0.0.0.0", port=8000)

            @main.command()
            def seed():
                load_fixtures()

            if __name__ == "__main__":
                main()
            """,
            message="runs `python app.py serve`, whose command starts the development server",
            files={"Dockerfile": "FROM python:3.12\nCOPY . /srv\nWORKDIR /srv\nCMD python app.py serve  # expect\n"},
        ),
        # the SysV init script starts the installed command, whose function execs `flask run`
        Invalid(
            """
            import subprocess
            import sys

            def main():
                subprocess.run([sys.executable, "-m", "flask", "--app", "board.web", "run"], check=True)
            """,
            message="the init script `packaging/rhel/init.sh`",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='board', entry_points={'console_scripts': ['board = app:main']})\n"
                ),
                "packaging/rhel/init.sh": (
                    "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: board\n### END INIT INFO\n"
                    'prog="/usr/local/bin/board"\n\nstart() {\n    [ -x $prog ] || exit 5\n    $prog &  # expect\n}\n'
                ),
            },
        ),
        # Fly.io routes `[http_service]` to the `app` process, which runs the development server
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="the Fly.io process `app`",
            files={
                "fly.toml": (
                    'app = "shop"\n\n[processes]\n  app = "flask --app app run --host 0.0.0.0 --port 8080"  # expect\n'
                    '  worker = "celery -A app.celery worker"\n\n[http_service]\n  internal_port = 8080\n'
                ),
            },
        ),
        # the shipped Upstart job and systemd unit start the installed command, whose function ends in app.run()
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            def start():
                app.run(CONF.bind_host, CONF.bind_port)
            """,
            message="the command `relay-server` installs",
            files={
                "setup.py": """
                    from setuptools import setup
                    setup(name="relay", entry_points={"console_scripts": ["relay-server = app:start"]})
                    """,
                "init/relay.conf": (
                    "start on runlevel [2345]\nrespawn\n\nscript\n"
                    "  exec start-stop-daemon --start --exec /usr/bin/relay-server -- --config-file /etc/relay.conf"
                    "  # expect\nend script\n"
                ),
                "deploy/relay.service": "[Service]\nExecStart=/usr/bin/relay-server --config-file /etc/relay.conf  # expect\n",
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="flask run",
            files={
                "Dockerfile": """
                    FROM python:3.12-slim
                    COPY . /app
                    CMD flask run --host 0.0.0.0  # expect
                    """,
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(host="0.0.0.0")
            """,
            message="app.py",
            files={"Procfile": "web: python app.py  # expect\n"},
        ),
        # the web process runs a command the package installs; its `serve` subcommand calls app.run() on the app a
        # decorator hands it
        Invalid(
            """
            import click
            from flask import Flask

            def with_app(f):
                def wrapper(*args, **kwargs):
                    return f(*args, app=Flask("site"), **kwargs)
                return wrapper

            @click.group()
            def cli():
                pass

            @cli.command()
            @click.option("--host", default="127.0.0.1")
            @with_app
            def serve(app=None, host=None):
                app.run(host=host, port=5000)

            def main():
                cli()
            """,
            message="`sitectl serve`",
            files={
                "setup.py": """
                    from setuptools import setup
                    setup(name="sitectl", entry_points={"console_scripts": ["sitectl = app:main"]})
                    """,
                "Procfile": "web: sitectl serve --host 0.0.0.0  # expect\n",
            },
        ),
    )

    HINT = (
        'Start a production server instead, e.g. `gunicorn --bind 0.0.0.0:8000 "app:create_app()"` '
        "(or waitress-serve, uWSGI)."
    )

    @staticmethod
    def _process_label(process: str, path: str) -> str:
        if process in ("CMD", "ENTRYPOINT", "entrypoint"):  # ``entrypoint``: App Engine's app.yaml
            return f"`{process}` in `{path}`"
        head, _, branch = process.partition(":")
        if head in ("CMD", "ENTRYPOINT"):  # a branch of the start script the image runs
            return f"`{head}` (its `{branch}` branch) in `{path}`"
        if process.startswith("service:"):
            return f"compose service `{process[len('service:') :]}` in `{path}`"
        if process.startswith("unit:"):
            return f"the systemd unit `{process[len('unit:') :]}` in `{path}`"
        if process.startswith("fly:"):
            return f"the Fly.io process `{process[len('fly:') :]}` in `{path}`"
        if process.startswith("sysvinit:"):
            return f"the init script `{path}`"
        if process.startswith("upstart:"):
            return f"the Upstart job `{process[len('upstart:') :]}` in `{path}`"
        return f"the `{process}:` process in `{path}`"

    def _script_subcommand(
        self,
        project: Project,
        cmd: ServerCommand,
        where_text: str,
        sub: tuple[str, tuple[ast.Call, SourceModule] | None],
        report: Callable[[Finding], None],
    ) -> None:
        """``python manage.py run``: the script's ``FlaskGroup`` ``run`` (``flask run``) or its click command that
        reaches ``app.run()``."""
        word, reached = sub
        shown = f"python {cmd.app_target} {word}"
        if reached is None:
            message = (
                f"{where_text} runs `{shown}`: the script is a `FlaskGroup`, so `{word}` is `flask run`, Flask's "
                "development server, not meant for production traffic"
            )
            evidence: list[Evidence] = []
        else:
            call, call_module = reached
            message = (
                f"{where_text} runs `{shown}`, whose command starts the development server with `{call_text(call)}`: "
                "Werkzeug's server is not meant for production traffic"
            )
            evidence = [
                Evidence(
                    "the development server is started here",
                    Location(call_module.path, call.lineno, call.col_offset + 1),
                )
            ]
        report(self.finding(cmd.source, message, hint=self.HINT, evidence=evidence))

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for cmd in production_web_commands(project):
            where_text = self._process_label(cmd.process, cmd.source.path)
            if cmd.server == "flask-run":
                debug = (
                    " with debug mode on (the Werkzeug debugger runs arbitrary Python for whoever sees an error page)"
                    if cmd.debug
                    else ""
                )
                report(
                    self.finding(
                        cmd.source,
                        f"{where_text} starts the app with `flask run`{debug}: Flask's development server is not meant "
                        f"for production traffic",
                        hint=self.HINT,
                    )
                )
            elif cmd.server == "other" and (installed := command_dev_server(project, cmd.argv)) is not None:
                script, command, call, call_module = installed
                shown = " ".join(cmd.argv[:2])
                report(
                    self.finding(
                        cmd.source,
                        f"{where_text} runs `{shown}`, the command `{script.name}` installs ({script.declared_in}), "
                        f"whose `{command.display}` starts the development server with `{call_text(call)}`: "
                        f"Werkzeug's server is not meant for production traffic",
                        hint=self.HINT,
                        evidence=[
                            Evidence(
                                "the development server is started here",
                                Location(call_module.path, call.lineno, call.col_offset + 1),
                            )
                        ],
                    )
                )
            elif cmd.server == "python-script" and cmd.app_target:
                module = script_module(project, cmd.app_target, cmd.source.path)
                if module is None:
                    continue
                if "runserver" in cmd.argv and imports_package(project, module, "flask_script"):
                    report(
                        self.finding(
                            cmd.source,
                            f"{where_text} runs `python {cmd.app_target} runserver`: Flask-Script's runserver is "
                            f"Werkzeug's development server, not meant for production traffic",
                            hint=self.HINT,
                        )
                    )
                    continue
                sub = script_subcommand_dev_server(project, module, cmd.argv, cmd.app_target)
                if sub is not None and not production_server_call(project, module):
                    self._script_subcommand(project, cmd, where_text, sub, report)
                    continue
                found = next(dev_server_calls(project, module), None)
                if found is None or production_server_call(project, module):
                    continue
                call, _kind, call_debug, _host, call_module = found
                debug_text = " with `debug=True`" if call_debug else ""
                report(
                    self.finding(
                        cmd.source,
                        f"{where_text} runs `python {cmd.app_target}`, which starts the development server with "
                        f"`{call_text(call)}`{debug_text}: Werkzeug's server is not meant for production traffic",
                        hint=self.HINT,
                        evidence=[
                            Evidence(
                                "the development server is started here",
                                Location(call_module.path, call.lineno, call.col_offset + 1),
                            )
                        ],
                    )
                )
