"""FD406 sync-workers-with-blocking-io: gunicorn sync workers (one thread) serve an app whose views make blocking network calls."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.server import (
    EXAMPLE_NOTE,
    blocking_request_sites,
    gunicorn_deployments,
    single_threaded_uwsgi,
)
from flask_doctor.static.model import CallSite, Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class SyncWorkersWithBlockingIo(Rule):
    """
    ## What it does
    Finds gunicorn deployments (a start command, its config file, or a
    custom gunicorn application the project starts) with sync workers and
    one thread (the default: no `-k`, no `--threads`), and uWSGI started with one thread
    per process and no gevent/async mode, for an app whose request code makes
    blocking network calls (requests/urllib/httpx, subprocess waits,
    sleeps). The finding shows the command line and one such call site.

    ## Why is this bad?
    A sync worker serves exactly one request at a time. While a view waits
    for an external API the worker does nothing else, so capacity is
    `workers` concurrent requests in total: a slow upstream (a payment
    provider taking 10 s) queues every other request behind it, and
    requests start failing with worker timeouts. gunicorn's docs recommend
    threads or an async worker class for apps that make such calls.

    Not reported: `--threads N` (gthread), gevent/eventlet workers, worker
    classes set through variables we cannot see, dev files, and apps whose
    request code makes no blocking calls.

    ## Example
    ```dockerfile
    CMD gunicorn -w 4 shop:app
    ```
    ```python
    @app.post("/checkout")
    def checkout():
        requests.post(PAYMENT_URL, json=order, timeout=10)
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -w 4 --threads 8 shop:app
    ```
    or `-k gevent` when the code is gevent-safe.

    ## Fix safety
    No automatic fix: threads need thread-safe code, gevent needs
    monkey-patching.

    ## References
    - gunicorn docs: "Design" — "Choosing a Worker Type"
    - gunicorn docs: settings `threads`, `worker_class`
    """

    code = "FD406"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "sync-workers-with-blocking-io"
    severity = Severity.WARNING
    catalog = ("S09", "S17")
    summary = "gunicorn sync workers (one thread) serve an app whose views make blocking network calls."

    VALID = (
        Valid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.post("/checkout")
            def checkout():
                return requests.post("https://pay.example.com", timeout=10).text
            """,
            files={"Procfile": "web: gunicorn -w 4 --threads 8 app:app\n"},
        ),
        Valid(
            """
            import click
            import requests

            @click.command()
            def sync():
                requests.get("https://example.com", timeout=5)
            """,
            files={"Procfile": "web: gunicorn -w 4 app:app\n"},
        ),
        Valid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=5).text
            """,
            files={
                "Dockerfile": 'FROM python:3.12\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
                "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nthreads = 8\n",
            },
        ),
        # the single sync worker is the development image's (``Dockerfile-dev``), not production's
        Valid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/report")
            def report():
                return requests.get("https://stats.example.com", timeout=5).text
            """,
            files={"Dockerfile-dev": 'FROM python:3.12\nCMD ["gunicorn", "--workers=1", "app:app"]\n'},
        ),
    )
    INVALID = (
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.post("/checkout")
            def checkout():
                return requests.post("https://pay.example.com", timeout=10).text
            """,
            message="runs sync workers with one thread",
            files={"Procfile": "web: gunicorn -w 4 app:app  # expect\n"},
        ),
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=5).text
            """,
            message="runs uWSGI with one thread per process (4 processes)",
            files={
                "Procfile": "web: uwsgi --http :8000 --module app:app --processes 4  # expect\n",
            },
        ),
        # a production image named ``Dockerfile-<role>`` sets one worker and one thread through ENV
        Invalid(
            """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/report")
            def report():
                return requests.get("https://stats.example.com", timeout=5).text
            """,
            message="capacity: 1 concurrent request",
            files={
                "Dockerfile-web": (
                    "FROM python:3.12\nENV WEB_WORKERS=1\nENV WEB_THREADS=1\n"
                    "CMD gunicorn --workers=$WEB_WORKERS --threads=$WEB_THREADS app:app  # expect\n"
                ),
            },
        ),
        # a custom gunicorn application sets workers and timeout, not the worker class: sync workers
        Invalid(
            """
            import requests
            from flask import Flask
            from gunicorn.app.base import BaseApplication
            app = Flask(__name__)

            @app.get("/weather")
            def weather():
                return requests.get("https://api.example/weather", timeout=10).json()

            class Server(BaseApplication):
                def load_config(self):
                    self.cfg.set("workers", 4)  # expect
                    self.cfg.set("timeout", 60)

                def load(self):
                    return app
            """,
            message="`Server` (a custom gunicorn application) runs sync workers",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        sites = blocking_request_sites(project)
        if not sites:
            return
        for deployment, processes in single_threaded_uwsgi(project):
            _site, label = sites[0]
            report(
                self.finding(
                    deployment.source,
                    f"{deployment.label} runs uWSGI with one thread per "
                    f"process{f' ({processes} processes)' if processes else ''}, and request code makes blocking "
                    f"calls such as {label}: while they wait the process serves nobody"
                    + EXAMPLE_NOTE
                    * deployment.example,
                    severity=min(self.effective_severity, Severity.NOTE) if deployment.example else None,
                    hint=(
                        "Add `threads = 4` (and `enable-threads`) or use `gevent = 100` with gevent-safe code; keep "
                        "timeouts on every call."
                    ),
                    evidence=[self._site_evidence(s, lab) for s, lab in sites[:3]],
                )
            )
        for item in gunicorn_deployments(project):
            worker = item.worker_class()
            threads = item.threads()
            if worker not in ("sync", "gthread") or threads != 1:
                continue
            _site, label = sites[0]
            workers = item.known("workers")
            capacity = (
                f"{workers} concurrent request{'s' if workers != 1 else ''}"
                if isinstance(workers, int)
                else "one request per worker"
            )
            report(
                self.finding(
                    item.source,
                    f"{item.label} runs {worker} workers with one thread, and request code makes blocking calls such "
                    f"as {label}: while they wait the worker serves nobody (capacity: {capacity})"
                    + EXAMPLE_NOTE
                    * item.example,
                    severity=min(self.effective_severity, Severity.NOTE) if item.example else None,
                    hint=(
                        "Add threads (`--threads 4`..`8`, gthread) or use `-k gevent` for I/O-bound apps; keep "
                        "timeouts on every call."
                    ),
                    evidence=[self._site_evidence(s, lab) for s, lab in sites[:3]],
                )
            )

    @staticmethod
    def _site_evidence(site: CallSite, label: str) -> Evidence:
        where = f" in `{site.function.display}`" if site.function is not None else ""
        at = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        return Evidence(f"blocking call {label}{where}", at)
