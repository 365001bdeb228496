"""FD306 development-server: app.run() starts Werkzeug's development server where production traffic can reach it."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.devserver import (
    ALL_INTERFACES,
    REFERENCE_SERVERS,
    ConsoleScript,
    allows_unsafe_werkzeug,
    call_kind,
    call_text,
    debug_by_default,
    debug_flag_branch,
    deploy_running_script,
    dev_only_function,
    developer_tool_module,
    development_command,
    entry_point_reaching,
    execs_flask_run,
    host_value,
    import_fallback,
    installs_production_server,
    launcher_script,
    production_runs_elsewhere,
    run_host,
    run_options,
    serves_with_production_server,
    service_running,
)
from flask_doctor.static.rules.base import Context, FixExample, Invalid, Rule, Valid


class DevelopmentServer(Rule):
    """
    ## What it does
    Finds `app.run()` (and `socketio.run(app, debug=True)`) where it can
    serve real traffic: at module level, outside an
    `if __name__ == "__main__":` block, it is an error, and so is
    `app.run(debug=True)` in the function a console script runs (declared in
    `pyproject.toml` `[project.scripts]`, `setup.cfg` `console_scripts`,
    `setup.py` `entry_points` or, in an unpacked wheel or sdist, the
    `[console_scripts]` of its `*.dist-info`/`*.egg-info`
    `entry_points.txt`; or a command of the click group it names):
    that installed command is how users start the app. The same command
    serving with `app.run(host="0.0.0.0")` without debug (or with the host
    of a parameter, click option or argparse option whose default is
    `"0.0.0.0"`: `app.run(host=args.host)`), in its function or
    one it calls (`main()` -> the subcommand handler -> `start()`), is a
    note when nothing in the project names a production server: the
    product's only server is the development one, open to the network, which
    is often the design of a self-hosted tool a few people use. A
    package that installs gunicorn, waitress or another production server
    (its dependencies, also the `requires.txt`/`METADATA` of built metadata)
    hands its users that server, and the command is a convenience beside it:
    not reported. Bound
    to localhost (`app.run()`) it is a desktop tool's server and is not
    reported. Inside a main block
    or a development script `app.run(debug=True)` is a note (which says so
    when it also listens on `0.0.0.0`), and so, when a production deploy
    file runs that script (`CMD ["python", "app.py"]`), a debug flag read
    from the environment that is on while the variable is missing
    (`debug=os.getenv("DEBUG", "true") == "true"`) is; under an explicit flag
    (`if args.debug:`) it is not reported, nor when the project starts the
    app another way and this file is not that way: a deploy file or the
    code runs a production server, a `wsgi.py` (or a module of a `wsgi`
    package) builds the app for one to import, the package installs one
    (gunicorn or waitress in its dependencies), or an installed command
    serves the app. A `devstart.py`, a profiling script or a notebook
    helper is then the developer's (a script named for profiling or
    development, `profiler.py` or `run_dev.py`, is whatever else the
    project does, unless a deploy file runs it); the note stays on a `wsgi.py` and on
    the script a production deploy file runs (`CMD python run.py`). `socketio.run(app,
    allow_unsafe_werkzeug=True)` without debug is a deliberate choice of the
    single-process Werkzeug server: a note. `app` is resolved to a
    `flask.Flask` instance or an app factory first.

    An installed command that serves with a server built for development or
    as a reference (`wsgiref.simple_server.make_server`, which handles one
    request at a time; `werkzeug.serving.run_simple`) is a warning too when
    nothing in the project names a production server (a deploy file or the
    code; a `wsgi.py` the package also ships does not stop users from running
    the command) and it listens on
    every interface (its host, or the default of the parameter, click or
    argparse option that gives it); a note when the address comes from
    configuration. Bound to localhost, or in a command named for
    development (`rundev`) or reached through a module or function named
    for it (`cli/devserver.py`, `serve_debug()`), it is not reported. A
    gunicorn custom application the code runs (a class built on
    `gunicorn.app.base.BaseApplication`) names a production server as
    `waitress.serve(app)` does. A development server started in the
    `except ImportError:` of a `try` that imports a production server
    (`from cheroot.wsgi import Server`) is a stand-in for a missing package,
    not how the command serves: not reported.

    Whatever address it binds and whatever other server the project
    documents, `app.run()` in the function of an installed command (or
    handing the process to `flask run`: `os.execvp("flask", ["flask",
    "run"])`, `subprocess.run([sys.executable, "-m", "flask", "run"])`) is a
    warning when a production deploy file shipped with the project (a
    systemd unit, an Upstart job, a SysV init script, a Dockerfile `CMD`, a
    Procfile `web:`) starts that command: the service runs the development
    server.

    ## Why is this bad?
    `app.run()` starts Werkzeug's development server, which Flask's docs say
    is "not designed to be particularly efficient, stable, or secure". At
    module level it also runs whenever the module is imported: gunicorn or
    uWSGI importing `app:app` starts the development server inside the
    worker, which then never returns to serve. In a main block it is the
    documented way to start a development server, so without debug it is
    not reported; with `debug=True` the interactive debugger is one
    unhandled error away, and on `0.0.0.0` anyone on the network can reach
    it.

    ## Example
    ```python
    app = Flask(__name__)

    app.run(host="0.0.0.0", port=8000)
    ```

    ## Use instead
    ```python
    app = Flask(__name__)

    if __name__ == "__main__":
        app.run()
    ```
    and serve production with `gunicorn "app:app"` (or waitress, uWSGI).

    ## Fix safety
    A main-block guard is a safe fix for module-level calls; the production
    server has to be chosen by hand.

    ## References
    - Flask docs, Deploying to Production: "do not use the development server when deploying to production"
    - Flask docs, Debugging Application Errors: the debugger allows executing arbitrary Python code
    """

    code = "FD306"
    name = "development-server"
    severity = Severity.ERROR
    catalog = ("S25",)
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from flask import Flask
            app = Flask(__name__)

            # start the server
            app.run(host="0.0.0.0", port=8000, debug=True)
            """,
        after="""
            from flask import Flask
            app = Flask(__name__)

            # start the server
            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=8000)
            """,
    )
    summary = "app.run() starts Werkzeug's development server where production traffic can reach it."

    call_names = frozenset(
        {"run", "make_server", "run_simple", "execv", "execve", "execvp", "execvpe", "call", "check_call", "Popen"}
    )

    VALID = (
        # a profiling script beside the app: the developer runs it by hand, no deploy file does
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "profiler.py": (
                    "from werkzeug.middleware.profiler import ProfilerMiddleware\n"
                    "from app import app\n\n"
                    "app.wsgi_app = ProfilerMiddleware(app.wsgi_app)\n"
                    "app.run(debug=True, port=8081)\n"
                ),
            },
        ),
        # a developer's start script: it reads its own command line when it starts, so no WSGI server imports it,
        # and production runs gunicorn on the factory
        Valid(
            """
            import argparse
            from shop import create_app

            parser = argparse.ArgumentParser()
            parser.add_argument("--port", type=int, default=5050)
            options = parser.parse_args()

            app = create_app()
            app.run(debug=True, host="127.0.0.1", port=options.port)
            """,
            files={
                "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
                "Procfile": "web: gunicorn -w 4 'shop:create_app()'\n",
            },
        ),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run()
            """),
        Valid("""
            class Runner:
                def run(self):
                    pass

            runner = Runner()
            runner.run()
            """),
        Valid("""
            from waitress import serve
            from myapp import create_app

            app = create_app()

            if __name__ == "__main__":
                serve(app, host="0.0.0.0", port=8080)
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
            """),
        Valid(
            """
            from werkzeug.middleware.profiler import ProfilerMiddleware
            from shop import app

            app.wsgi_app = ProfilerMiddleware(app.wsgi_app)
            app.run(port=8080)
            """,
            files={"shop/__init__.py": "from flask import Flask\napp = Flask(__name__)\n"},
        ),
        # the command serves with cheroot; Werkzeug's server only stands in when cheroot is not installed
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            def main():
                try:
                    from cheroot.wsgi import Server
                except ImportError:
                    from werkzeug.serving import run_simple
                    run_simple("0.0.0.0", 8000, app, threaded=True)
                    return
                Server(("0.0.0.0", 8000), app).safe_start()
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='share', install_requires=['flask', 'cheroot'], "
                    "entry_points={'console_scripts': ['share = app:main']})\n"
                ),
            },
        ),
        # the installed command serves on localhost (a desktop tool), or with waitress when exposed
        Valid(
            """
            import waitress
            from flask import Flask
            app = Flask(__name__)

            def main():
                app.run(port=5000)

            def serve_public():
                waitress.serve(app, host="0.0.0.0", port=8080)
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='viewer', entry_points={'console_scripts': ['viewer = app:main', 'viewer-public = "
                    "app:serve_public']})\n"
                ),
            },
        ),
        # the web command serves with gunicorn; `--debug` is the operator's explicit opt-in
        Valid(
            """
            from shop import create_app

            def webserver(args):
                if args.debug:
                    app = create_app()
                    app.run(debug=True, host=args.hostname, port=args.port)
                else:
                    run_gunicorn(args)
            """,
            files={"shop/__init__.py": ("from flask import Flask\ndef create_app():\n    return Flask(__name__)\n")},
        ),
        # wsgiref in a development script that no installed command runs, and an installed one bound to localhost
        Valid(
            """
            import click
            from werkzeug.serving import run_simple
            from wsgiref.simple_server import make_server
            from flask import Flask
            app = Flask(__name__)

            def preview():
                make_server("127.0.0.1", 8000, app).serve_forever()

            def debug_server():
                make_server("0.0.0.0", 8000, app).serve_forever()

            @click.command("rundev")
            @click.option("--host", "-h", default="0.0.0.0")
            def rundev_command(host):
                run_simple(host, 5000, app, use_reloader=True, use_debugger=True)

            @click.command("serve")
            @click.option("--host", "-h", default="127.0.0.1")
            def serve_command(host):
                run_simple(host, 5000, app)

            if __name__ == "__main__":
                debug_server()
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='lease', entry_points={'console_scripts': ['lease-preview = app:preview', "
                    "'rundev = app:rundev_command', 'lease-serve = app:serve_command']})\n"
                ),
            },
        ),
        # the installed command's argparse option binds localhost unless the user asks otherwise: a desktop tool
        Valid(
            """
            import argparse
            from flask import Flask
            app = Flask(__name__)

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("-H", "--host", dest="host", default="127.0.0.1")
                parser.add_argument("--listen-all", dest="everywhere", default="0.0.0.0")
                args = parser.parse_args()
                app.run(host=args.host)
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='tool', entry_points={'console_scripts': ['tool = app:main']})\n"
                ),
            },
        ),
        # the developer's start script: `wsgi.py` builds the app that the WSGI server imports
        Valid(
            """
            from kiosk import create_app

            def start(port):
                app = create_app("instance/dev.cfg")
                app.run(debug=True, port=port)

            if __name__ == "__main__":
                start(5001)
            """,
            files={
                "kiosk/__init__.py": "from flask import Flask\n\ndef create_app(path=None):\n    return Flask(__name__)\n",
                "wsgi.py": "from kiosk import create_app\n\napplication = create_app()\n",
            },
        ),
        # the installed `svc-server` command is a convenience: the package installs gunicorn beside it
        Valid(
            """
            import argparse
            from flask import Flask
            app = Flask(__name__)

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--host", default="0.0.0.0")
                app.run(host=parser.parse_args().host, port=8080)
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='svc', install_requires=['flask', 'gunicorn'],\n"
                    "      entry_points={'console_scripts': ['svc-server = app:main']})\n"
                ),
            },
        ),
        # the package installs waitress to serve; the main block is for hacking on it
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(host="0.0.0.0", debug=True)
            """,
            files={"pyproject.toml": '[project]\nname = "tally"\ndependencies = ["flask>=3", "waitress>=3"]\n'},
        ),
        # a notebook helper; the installed `tracer` command is how users open the viewer
        Valid(
            """
            import threading
            from flask import Flask
            app = Flask(__name__)

            def main():
                app.run(port=7100)

            def start_viewer_for_notebook(port):
                threading.Thread(target=lambda: app.run(debug=True, port=port, use_reloader=False)).start()
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='tracer', entry_points={'console_scripts': ['tracer = app:main']})\n"
                ),
            },
        ),
        # the shipped systemd unit runs the app under uWSGI; the installed command's app.run() is the developer's
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            def start():
                app.run(SETTINGS.listen_host, SETTINGS.listen_port)
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='hookd', entry_points={'console_scripts': ['hookd = app:start']})\n"
                ),
                "deploy/hookd.service": "[Service]\nExecStart=/usr/bin/uwsgi --http :9000 --module app:app\n",
            },
        ),
        # the command hands over to `flask run`, but what the package ships to start it as a service is gunicorn
        Valid(
            """
            import os

            def serve():
                os.environ["FLASK_APP"] = "tally.web"
                cmd = ["flask", "run"]
                os.execvp(cmd[0], cmd)
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='tally', entry_points={'console_scripts': ['tally = app:serve']})\n"
                ),
                "packaging/init.d/tally": (
                    "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: tally\n### END INIT INFO\n"
                    "DAEMON=/usr/bin/gunicorn\n\nstart() {\n    $DAEMON --daemon tally.web:app\n}\n"
                ),
            },
        ),
        # debug on by default in the developer's script; the image serves with gunicorn and never runs it
        Valid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(host="0.0.0.0", debug=os.getenv("APP_DEBUG", "yes") == "yes")
            """,
            files={"Dockerfile": 'FROM python:3.12\nCOPY . /srv\nCMD ["gunicorn", "-b", ":8000", "app:app"]\n'},
        ),
        # the installed command's development server lives in a module named for it: `board run` is the
        # developer's (the project documents another way to serve)
        Valid(
            """
            import click
            from board.devserver import serve_locally

            @click.command()
            @click.option("--host", default="0.0.0.0")
            def main(host):
                serve_locally(host)
            """,
            files={
                "board/__init__.py": "from flask import Flask\n\ndef build_app():\n    return Flask(__name__)\n",
                "board/devserver.py": (
                    "from werkzeug.serving import run_simple\nfrom board import build_app\n\n"
                    "def serve_locally(host):\n    run_simple(host, 8000, build_app(), use_reloader=True)\n"
                ),
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='board', entry_points={'console_scripts': ['board = app:main']})\n"
                ),
            },
        ),
        # the command serves with gunicorn through its own application class; Werkzeug only behind `--debug`
        Valid(
            """
            import argparse
            from flask import Flask
            from gunicorn.app.base import BaseApplication

            app = Flask(__name__)

            class Served(BaseApplication):
                def __init__(self, application, options):
                    self.application = application
                    self.options = options
                    super().__init__()

                def load_config(self):
                    for key, value in self.options.items():
                        self.cfg.set(key, value)

                def load(self):
                    return self.application

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--debug", action="store_true")
                args = parser.parse_args()
                if args.debug:
                    app.run(host="0.0.0.0", port=9000)
                else:
                    Served(app, {"bind": "0.0.0.0:9000", "workers": 4}).run()
            """,
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='meter', entry_points={'console_scripts': ['meter = app:main']})\n"
                ),
            },
        ),
    )
    INVALID = (
        # the image runs this very script, and its debug flag is on unless APP_DEBUG says otherwise
        Invalid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=8080, debug=os.getenv("APP_DEBUG", "yes") == "yes")  # expect
            """,
            message="`Dockerfile` runs this script in production",
            files={"Dockerfile": 'FROM python:3.12\nCOPY . /srv\nWORKDIR /srv\nCMD ["python", "app.py"]\n'},
        ),
        # the SysV init script the package ships starts the installed command, which hands over to `flask run`
        Invalid(
            """
            import os

            def serve():
                os.environ["FLASK_APP"] = "tally.web"
                cmd = ["flask", "run", "--port", "8100"]
                os.execvp(cmd[0], cmd)  # expect
            """,
            message="`packaging/init.d/tally` runs that command as the service",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='tally', entry_points={'console_scripts': ['tally = app:serve']})\n"
                ),
                "packaging/init.d/tally": (
                    "#!/bin/sh\n# chkconfig: 2345 90 10\nDAEMON=/usr/bin/tally\n\n"
                    "start() {\n    echo starting\n    daemon --user tally $DAEMON &\n}\n"
                ),
            },
        ),
        # the shipped systemd unit starts the installed command, whose function serves with app.run(); the uWSGI
        # recipe in the container does not change what the unit runs
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            def start():
                app.run(SETTINGS.listen_host, SETTINGS.listen_port)  # expect
            """,
            message="runs that command as the service",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='hookd', entry_points={'console_scripts': ['hookd = app:start']})\n"
                ),
                "deploy/hookd.service": "[Service]\nExecStart=/usr/bin/hookd --config /etc/hookd.ini\n",
                "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["uwsgi", "--http", ":9000", "--module", "app:app"]\n',
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.run(host="0.0.0.0", port=8000)  # expect
            """,
            message="imported",
        ),
        # the installed command serves with wsgiref; the `lease/wsgi/api.py` uWSGI could import does not change that
        Invalid(
            """
            from wsgiref.simple_server import make_server
            from lease.api import build_app

            def main():
                make_server("0.0.0.0", 8778, build_app()).serve_forever()  # expect
            """,
            message="installed `lease-api` command",
            files={
                "lease/__init__.py": "",
                "lease/api.py": "from flask import Flask\n\ndef build_app():\n    return Flask(__name__)\n",
                "lease/wsgi/__init__.py": "",
                "lease/wsgi/api.py": "from lease.api import build_app\n\napplication = build_app()\n",
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='lease', entry_points={'console_scripts': ['lease-api = app:main']})\n"
                ),
            },
        ),
        # the container runs this script, so its debugger faces production, whatever `wsgi.py` offers
        Invalid(
            """
            from kiosk import create_app

            if __name__ == "__main__":
                create_app().run(host="0.0.0.0", port=8000, debug=True)  # expect
            """,
            message="listens on `0.0.0.0`",
            files={
                "kiosk/__init__.py": "from flask import Flask\n\ndef create_app(path=None):\n    return Flask(__name__)\n",
                "wsgi.py": "from kiosk import create_app\n\napplication = create_app()\n",
                "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nWORKDIR /srv\nCMD ["python", "app.py"]\n',
            },
        ),
        # a `wsgi.py` whose main block starts the debugger: the file production points at
        Invalid(
            """
            from flask import Flask

            def create_app():
                return Flask(__name__)
            """,
            message="debug on",
            files={
                "wsgi.py": (
                    "from app import create_app\n\napplication = create_app()\n\n"
                    'if __name__ == "__main__":\n    application.run(debug=True)  # expect\n'
                ),
                "requirements.txt": "flask\ngunicorn\n",
            },
        ),
        # the installed `lease-api` command serves the API with wsgiref's single-threaded reference server
        Invalid(
            """
            import threading
            from wsgiref.simple_server import make_server
            from flask import Flask
            app = Flask(__name__)

            def main():
                def run_server():
                    httpd = make_server(CONF.host, CONF.port, app)  # expect
                    httpd.serve_forever()

                threading.Thread(target=run_server).start()
            """,
            message="the address the configuration gives",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='lease', entry_points={'console_scripts': ['lease-api = app:main']})\n"
                ),
            },
        ),
        # the installed command's click option listens on every interface by default
        Invalid(
            """
            import click
            from werkzeug.serving import run_simple
            from flask import Flask
            app = Flask(__name__)

            @click.command()
            @click.option("-h", "--host", default="0.0.0.0")
            @click.option("-p", "--port", type=int, default=5005)
            def runssl(host, port):
                run_simple(host, port, app, ssl_context="adhoc")  # expect
            """,
            message="listening on `0.0.0.0`",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='lease', entry_points={'console_scripts': ['lease-frontend = app:runssl']})\n"
                ),
            },
        ),
        # the installed `archive` command's `replay` subcommand serves with the development server on 0.0.0.0
        Invalid(
            """
            import argparse
            from flask import Flask
            app = Flask(__name__)

            def start(index, port=5000):
                app.config["INDEX"] = index
                app.run(host="0.0.0.0", port=port)  # expect

            def check_args_replay(args):
                start(args.index, port=args.port)

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("index")
                parser.add_argument("--port", type=int, default=5000)
                check_args_replay(parser.parse_args())
            """,
            message="installed `archive` command serves the app",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='archive', entry_points='''\n[console_scripts]\n    archive = app:main\n''')\n"
                ),
            },
        ),
        # the installed command's argparse option listens on every interface by default
        Invalid(
            """
            import argparse
            from flask import Flask
            app = Flask(__name__)

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--host", default="0.0.0.0")
                parser.add_argument("--port", type=int, default=8080)
                args = parser.parse_args()
                app.run(host=args.host, port=args.port)  # expect
            """,
            message="listening on `0.0.0.0`",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='svc', entry_points={'console_scripts': ['svc-server = app:main']})\n"
                ),
            },
        ),
        # the installed `notes` command is how users start the app, debugger included
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            def serve():
                prepare_folders()
                app.run(host=SETTINGS.host, port=SETTINGS.port, debug=True)  # expect

            if __name__ == "__main__":
                serve()
            """,
            message="installed `notes` command",
            files={
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='notes', entry_points={'console_scripts': ['notes = app:serve']})\n"
                ),
            },
        ),
        # the command imports the app inside its function: that import, not the module's own `app`, is what runs
        Invalid(
            """
            import os

            def run_master():
                from farm.application import app
                load_views(app)
                app.run(debug=True)  # expect

            def create_app():
                from farm.application import app
                return app

            if os.environ.get("FARM_APP_INSTANCE"):
                app = create_app()
            """,
            message="installed `farm-master` command",
            files={
                "farm/__init__.py": "",
                "farm/application.py": (
                    "from flask import Flask\n\ndef get_application():\n    app = Flask('farm')\n    return app\n\n"
                    "app = get_application()\n"
                ),
                "setup.py": (
                    "from setuptools import setup\n"
                    "setup(name='farm', entry_points={'console_scripts': ['farm-master = app:run_master']})\n"
                ),
            },
        ),
        Invalid(
            """
            from flask import Flask

            def create_app():
                return Flask(__name__)

            if __name__ == "__main__":
                create_app().run(debug=True)  # expect
            """,
            message="debug=True",
        ),
        Invalid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0", debug=True)  # expect
            """,
            message="0.0.0.0",
        ),
    )

    def _installed_server(
        self, node: ast.Call, ctx: Context, text: str, host: str, entry: ConsoleScript, chain: list[str]
    ) -> None:
        """``app.run(host="0.0.0.0")`` is how the installed command serves, and nothing names another server."""
        if ctx.in_main or serves_with_production_server(ctx.project):
            return  # a main block's own call, or the project serves with a production server elsewhere
        if installs_production_server(ctx.project):
            return  # the package installs gunicorn (or another): users are handed a production server with it
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{text}` is how the installed `{entry.name}` command serves the app ({entry.declared_in}): "
                f"Werkzeug's development server, listening on `{host or 'every interface'}`, is its only server; "
                "it is not built for production traffic or exposure (no worker management, not hardened) (a note: "
                "one process by design suits a tool a few people use; it matters once the tool faces the internet)",
                hint="Serve with a production WSGI server from the same command (waitress.serve(app, host=..., "
                "port=...) keeps the one-command start), or bind 127.0.0.1 behind a reverse proxy.",
                evidence=self._chain_evidence(ctx, entry.name, chain),
                severity=min(Severity.NOTE, self.effective_severity),
            )
        )

    def _service_server(self, node: ast.Call, ctx: Context, text: str, entry: ConsoleScript, chain: list[str]) -> None:
        """The installed command serves with ``app.run()`` and a shipped service definition runs that command."""
        service = service_running(ctx.project, node)
        if service is None:
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{text}` is how the installed `{entry.name}` command serves the app ({entry.declared_in}), and "
                f"`{service.source.path}` runs that command as the service: production traffic goes through "
                "Werkzeug's development server (no worker management, not hardened), whatever other server the "
                "project documents",
                hint="Serve with a production WSGI server from the same command (waitress.serve(app, host=..., "
                "port=...)), or make the shipped service start gunicorn/uWSGI on the app.",
                evidence=[
                    Evidence("the service starts the command here", service.source),
                    *self._chain_evidence(ctx, entry.name, chain),
                ],
                severity=min(Severity.WARNING, self.effective_severity),
            )
        )

    def _reference_server(self, node: ast.Call, ctx: Context) -> None:
        """``make_server(host, port, app)`` (wsgiref) or ``run_simple(...)`` in the function an installed command
        runs: a warning when it listens on every interface, a note when the address is configured elsewhere."""
        server = REFERENCE_SERVERS.get(ctx.qualified(node.func) or "")
        if server is None or ctx.is_test_code() or ctx.in_main or import_fallback(ctx) is not None:
            return  # tests, a main block, or the stand-in for a production server that is not installed
        reached = entry_point_reaching(ctx.project, ctx.function)
        if reached is None or development_command(*reached) or serves_with_production_server(ctx.project):
            return  # a development script or command, or the project serves with a production server elsewhere
        host_arg = next((kw.value for kw in node.keywords if kw.arg in ("host", "hostname")), None)
        if host_arg is None and node.args:
            host_arg = node.args[0]
        host = host_value(host_arg, ctx.function, ctx.module)
        if host is not None:
            if host not in ALL_INTERFACES:
                return  # bound to localhost: a desktop tool's own server
            where, severity = f"listening on `{host or 'every interface'}`", Severity.WARNING
        else:
            where, severity = "on the address the configuration gives", Severity.NOTE
        entry, chain = reached
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{call_text(node)}` is how the installed `{entry.name}` command serves the app "
                f"({entry.declared_in}): {server}, {where}, is its only server; it is not built for production "
                "traffic (no worker management, no timeouts, not hardened)"
                + ("" if severity is Severity.WARNING else " (a note: whether it faces users depends on that address)"),
                hint="Serve with a production WSGI server from the same command (waitress.serve(app, host=..., "
                "port=...) keeps the one-command start), or document gunicorn/uWSGI as the way to run it.",
                evidence=self._chain_evidence(ctx, entry.name, chain),
                severity=min(severity, self.effective_severity),
            )
        )

    def _debug_by_default(self, node: ast.Call, ctx: Context, fallback: str) -> None:
        """``app.run(debug=os.getenv("DEBUG", "true") == "true")`` in the script a production deploy file runs."""
        runner = deploy_running_script(ctx.project, ctx.module)
        if runner is None or ctx.is_test_code():
            return  # a developer's script: debug by default is what they want there
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{call_text(node)}` turns the Werkzeug debugger on unless the environment says otherwise "
                f"(`{fallback}` is true when the variable is missing), and `{runner.path}` runs this script in "
                "production: any error page there runs arbitrary Python for whoever triggers it",
                hint='Default debug to off (`os.environ.get("FLASK_DEBUG") == "1"`) and serve production with '
                "gunicorn or waitress.",
                evidence=[Evidence("the deploy file starts this script here", runner)],
                severity=min(Severity.NOTE, self.effective_severity),  # like `debug=True` in the same block
            )
        )

    @staticmethod
    def _chain_evidence(ctx: Context, name: str, chain: list[str]) -> list[Evidence]:
        if ctx.function is None:
            return []
        path = " → ".join(f"`{ctx.project.display(q)}`" for q in chain)
        return [Evidence(f"console script `{name}` runs {path}", ctx.function.location)]

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        func = node.func
        if execs_flask_run(node, ctx.function):
            if not ctx.is_test_code() and not ctx.in_main:
                reached = entry_point_reaching(ctx.project, ctx.function)
                if reached is not None and not development_command(*reached):
                    self._service_server(node, ctx, "flask run", *reached)
            return
        if not (isinstance(func, ast.Attribute) and func.attr == "run"):
            self._reference_server(node, ctx)
            return
        if ctx.is_test_code():
            return
        kind = call_kind(ctx.project, node, ctx.module.name, ctx.function, ctx.type_of)
        if kind is None or import_fallback(ctx) is not None:
            return  # not an app, or the stand-in for a production server that is not installed
        debug, host = run_options(node, kind)
        # a main block's debug flag that defaults to on: reported when a production deploy file runs the script
        fallback = debug_by_default(node, ctx) if ctx.in_main and not debug else None
        if fallback is not None:
            self._debug_by_default(node, ctx, fallback)
            return
        text = call_text(node)
        module_level = ctx.function is None and not ctx.in_main and not launcher_script(ctx, func.value)
        unsafe = kind == "socketio" and allows_unsafe_werkzeug(node)
        if debug and debug_flag_branch(ctx):
            return  # ``if args.debug: app.run(debug=True)``: the operator asked for the debugger
        if unsafe and not debug and not ctx.in_main and not dev_only_function(ctx):
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{text}` serves the app with Werkzeug's development server on purpose "
                    "(`allow_unsafe_werkzeug=True`), debug off: one process, no worker management; fine for a small "
                    "self-hosted app, not built for heavy traffic",
                    hint=(
                        "Install eventlet or gevent (Flask-SocketIO then serves with it), or run gunicorn with a "
                        "matching worker class."
                    ),
                    severity=Severity.NOTE,
                )
            )
            return
        if module_level and (kind == "flask" or debug):
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{text}` at module level starts the development server whenever this module is imported "
                    f"(gunicorn/uWSGI importing it never get to serve){', with the debugger on' if debug else ''}: "
                    f"the Werkzeug server is not built for production",
                    hint='Move it under `if __name__ == "__main__":` and serve production with gunicorn, uWSGI or '
                    "waitress.",
                )
            )
            return
        reached = entry_point_reaching(ctx.project, ctx.function)
        if not debug:
            if reached is not None and host is None:
                host = host_value(run_host(node, kind), ctx.function, ctx.module)
            if reached is not None and kind == "flask" and host in ALL_INTERFACES and host is not None:
                self._installed_server(node, ctx, text, host, *reached)
            elif reached is not None and not ctx.in_main:
                self._service_server(node, ctx, text, *reached)
            return
        if reached is not None:
            entry, chain = reached
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{text}` with debug on is what the installed `{entry.name}` command runs ({entry.declared_in}): "
                    "users start the app this way, so production gets the Werkzeug debugger, which runs arbitrary "
                    "Python for anyone who can trigger an error page",
                    hint="Drop debug=True from the entry point (read it from an opt-in flag) and serve with a WSGI "
                    "server (waitress.serve(app) keeps a one-command start).",
                    evidence=self._chain_evidence(ctx, entry.name, chain),
                )
            )
            return
        if production_runs_elsewhere(ctx.project, ctx.module):
            return  # a developer's start script: users and production start the app another way
        if developer_tool_module(ctx.project, ctx.module):
            return  # ``profiler.py``, ``run_dev.py``: named for the developer's use, and no deploy file runs it
        if host in ALL_INTERFACES and host is not None:
            risk = (
                f"fine in a development script, but it listens on `{host or 'every interface'}`: anyone who can reach "
                "this machine while it runs gets the Werkzeug debugger, which runs arbitrary Python"
            )
        else:
            risk = (
                "fine in a development script, but the Werkzeug debugger runs arbitrary Python: never use this entry "
                "point in production"
            )
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{text}` with debug on: {risk}",
                hint=(
                    "Prefer `flask --app app run --debug` for development and a WSGI server (gunicorn, waitress) for "
                    "production."
                ),
                severity=min(Severity.NOTE, self.effective_severity),
            )
        )
