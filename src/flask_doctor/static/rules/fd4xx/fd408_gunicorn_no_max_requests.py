"""FD408 gunicorn-no-max-requests: gunicorn/uWSGI without `max_requests` (+ jitter) to recycle workers that leak."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.server import wsgi_deployments
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class GunicornNoMaxRequests(Rule):
    """
    ## What it does
    Notes gunicorn deployments without `max_requests` (`--max-requests`),
    and those with `max_requests` but no `max_requests_jitter`.

    ## Why is this bad?
    `max_requests` restarts each worker after that many requests, which
    caps slow memory leaks (in the app or in C extensions) that would
    otherwise grow until the container is OOM-killed. Without jitter every
    worker reaches the limit at about the same moment and they all restart
    together, dropping capacity to zero for a moment (with a single worker
    there is nothing to spread, so jitter is not asked for). The settings
    may live in a package's `gunicorn.py` that the project's own start
    command loads (`os.system("gunicorn -c python:pkg.gunicorn ...")`), or
    in the `load_config` of a custom gunicorn application (a
    `BaseApplication` subclass) that the project's own command runs.
    uWSGI deployments are read the same way (command line, `[uwsgi]`
    section, `UWSGI_*` variables): any of `max-requests`, `reload-on-rss`,
    `max-worker-lifetime` or `reload-on-as` recycles its workers (uWSGI has
    no jitter option, so none is asked for; an example's config is not
    reported).
    This is advice, not a bug: the severity is *note*.

    ## Example
    ```dockerfile
    CMD gunicorn -w 4 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -w 4 --max-requests 1000 --max-requests-jitter 100 app:app
    ```

    ## Fix safety
    Adding both settings is safe; not automatic because the values depend
    on traffic.

    ## References
    - gunicorn docs: settings — `max_requests`, `max_requests_jitter`
    - uWSGI docs: Options — `max-requests`, `reload-on-rss`, `max-worker-lifetime`
    """

    code = "FD408"
    name = "gunicorn-no-max-requests"
    severity = Severity.NOTE
    catalog = ("S09",)
    summary = "gunicorn/uWSGI without `max_requests` (+ jitter) to recycle workers that leak."

    VALID = (
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"Procfile": "web: gunicorn --max-requests 1000 --max-requests-jitter 100 app:app\n"},
        ),
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"gunicorn.conf.py": "max_requests = 1000\nmax_requests_jitter = 50\n"},
        ),
        # a systemd unit whose command line names a config module (``-c python:...``) that recycles workers
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "deploy/shop.service": (
                    "[Unit]\nDescription=shop\n\n[Service]\nUser=www-data\n"
                    "ExecStart=/usr/bin/env gunicorn3 -w 2 -c python:shop.gunicorn_config shop.wsgi\n"
                ),
                "shop/__init__.py": "",
                "shop/gunicorn_config.py": "max_requests = 2000\nmax_requests_jitter = 200\n",
            },
        ),
        # ``pkg/gunicorn.py`` that builds a custom application is a module, not a settings file
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "orders/__init__.py": "",
                "orders/gunicorn.py": (
                    "from gunicorn.app.base import BaseApplication\n\n"
                    "class Server(BaseApplication):\n"
                    "    def load_config(self):\n"
                    "        self.cfg.set('workers', 2)\n"
                    "        self.cfg.set('max_requests', 1000)\n"
                    "        self.cfg.set('max_requests_jitter', 100)\n\n"
                    "workers = 2\nmax_requests = 500\n"
                ),
            },
        ),
        # a custom application whose settings the caller hands in: they may well recycle workers
        Valid(
            """
            from gunicorn.app.base import BaseApplication

            class Server(BaseApplication):
                def __init__(self, app, options):
                    self.options = options
                    self.application = app
                    super().__init__()

                def load_config(self):
                    for key, value in self.options.items():
                        self.cfg.set(key.lower(), value)

                def load(self):
                    return self.application
            """,
        ),
        # one worker: there is no herd of workers restarting together for a jitter to spread
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"Procfile": "web: gunicorn --workers 1 --threads 8 --max-requests 1000 app:app\n"},
        ),
        # uWSGI recycling its workers on memory instead of a request count
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"uwsgi.ini": "[uwsgi]\nmodule = app:app\nharakiri = 30\nreload-on-rss = 512\n"},
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="no `max_requests`",
            files={"Procfile": "web: gunicorn -w 4 app:app  # expect\n"},
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="without `max_requests_jitter`",
            files={"Procfile": "web: gunicorn --max-requests 500 app:app  # expect\n"},
        ),
        # the systemd unit a Debian package installs is the production command line
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="no `max_requests`",
            files={
                "packaging/debian/notes-server.notes.service": (
                    "[Unit]\nDescription=notes server\nRequires=notes.socket\n\n[Service]\nUser=www-data\n"
                    "ExecStart=/usr/bin/env gunicorn3 --timeout 90 --workers 1 notes.wsgi  # expect\n"
                    "ExecReload=/bin/kill -s HUP $MAINPID\n\n[Install]\nWantedBy=multi-user.target\n"
                ),
            },
        ),
        # ``-c python:module`` is a config file too: the one here only marks dead workers for metrics
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="no `max_requests`",
            files={
                "Dockerfile": (
                    "FROM python:3.12\n"
                    "CMD gunicorn -k gthread --threads=2 --config python:tiles.gunicorn_config tiles.app:app  # expect\n"
                ),
                "tiles/__init__.py": "",
                "tiles/gunicorn_config.py": "def child_exit(server, worker):\n    pass\n",
            },
        ),
        # a ``service start`` command runs gunicorn with the package's own settings module
        Invalid(
            """
            import os
            import click

            @click.command()
            def start():
                command = "gunicorn -c python:orders.gunicorn orders.app:app"
                os.system(command)
            """,
            message="without `max_requests_jitter`",
            files={
                "orders/__init__.py": "",
                "orders/gunicorn.py": "bind = '0.0.0.0:5000'\nworkers = 4\nmax_requests = 500  # expect\n",
            },
        ),
        # the project's `deploy` command starts gunicorn through a custom application with these settings
        Invalid(
            """
            from gunicorn.app.base import BaseApplication
            from wiki import create_app

            class WikiServer(BaseApplication):
                def __init__(self, host="0.0.0.0", port=7000, workers=4):
                    self.host, self.port, self.workers = host, port, workers
                    super().__init__()

                def load_config(self):
                    options = {
                        "bind": f"{self.host}:{self.port}",  # expect
                        "workers": self.workers,
                        "timeout": 60,
                    }
                    for key, value in options.items():
                        self.cfg.set(key, value)

                def load(self):
                    return create_app()
            """,
            message="`WikiServer` (a custom gunicorn application) never recycles its workers",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="never recycles its workers",
            files={"Dockerfile": "FROM python:3.12\nCMD uwsgi --http :8000 --module app:app --harakiri 30  # expect\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in wsgi_deployments(project):
            if item.server == "uwsgi":
                if (
                    item.complete
                    and not item.example
                    and item.get("max_requests") is None
                    and item.get("recycle") is None
                ):
                    report(
                        self.finding(
                            item.source,
                            f"{item.label} never recycles its workers (no `max-requests`, `reload-on-rss` or "
                            f"`max-worker-lifetime`): a slow memory leak grows until the process is killed",
                            hint="Add `max-requests = 1000` (or `reload-on-rss`) to the `[uwsgi]` section.",
                        )
                    )
                continue
            max_requests = item.get("max_requests")
            jitter = item.get("max_requests_jitter")
            if max_requests is None and item.complete:
                report(
                    self.finding(
                        item.source,
                        f"{item.label} never recycles its workers (no `max_requests`): a slow memory leak grows until "
                        f"the process is killed",
                        hint=(
                            "Add `--max-requests 1000 --max-requests-jitter 100` (or "
                            "`max_requests`/`max_requests_jitter` in gunicorn.conf.py)."
                        ),
                    )
                )
            elif (
                max_requests is not None
                and max_requests.known
                and max_requests.value
                and jitter is None
                and item.complete
                and item.known("workers") != 1  # one worker: no herd to spread, jitter changes nothing
            ):
                report(
                    self.finding(
                        max_requests.source,
                        f"{item.label} sets `max_requests` without `max_requests_jitter`: all workers reach the limit "
                        f"together and restart at the same moment",
                        hint="Add `--max-requests-jitter` of about 10% of max_requests.",
                    )
                )
