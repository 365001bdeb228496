"""FD411 preload-with-import-time-resources: gunicorn `--preload` while connections or threads are created at import time."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.server import gunicorn_deployments, import_time_resources
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class PreloadWithImportTimeResources(Rule):
    """
    ## What it does
    Finds gunicorn deployments with `--preload` / `preload_app = True`
    whose app opens per-process resources while it is imported: database
    connections (`psycopg2.connect`, `pymongo.MongoClient`,
    `sqlite3.connect`, `engine.connect()`, `db.create_all()`), threads and
    schedulers started at import. A custom gunicorn application (a
    `BaseApplication` subclass the project starts itself) whose `__init__`
    or `load_config` reads the app it serves holds the app in the master
    too, as `preload_app` does.

    ## Why is this bad?
    With preload, gunicorn imports the app once in the master and then
    forks the workers. A connection opened during the import is one socket
    shared by every worker: their queries interleave on it and results
    reach the wrong worker ("SSL error: decryption failed", "lost
    synchronisation with server"). A thread started during the import runs
    only in the master — the workers get no thread at all, so the
    background job silently never runs where it is needed.

    Not reported: lazily connecting clients such as SQLAlchemy engines
    that have not connected and redis-py clients (which reset their pool
    after a fork), and configs with a `post_fork` / `post_worker_init`
    hook (the usual place to dispose inherited pools).

    ## Example
    ```python
    conn = psycopg2.connect(DATABASE_URL)
    ```
    ```python
    # gunicorn.conf.py
    preload_app = True
    ```

    ## Use instead
    Open connections per worker (a pool created lazily, or in
    `post_fork`), or drop `preload_app`.

    ## Fix safety
    No automatic fix.

    ## References
    - gunicorn docs: settings — `preload_app`
    - SQLAlchemy docs: "Using Connection Pools with Multiprocessing or os.fork()"
    """

    code = "FD411"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "preload-with-import-time-resources"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn `--preload` while connections or threads are created at import time."

    VALID = (
        Valid(
            """
            from flask import Flask
            from sqlalchemy import create_engine
            app = Flask(__name__)
            engine = create_engine("postgresql://db/app")  # connects lazily, in each worker
            """,
            files={"gunicorn.conf.py": "preload_app = True\n"},
        ),
        Valid(
            """
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """,
            files={"gunicorn.conf.py": "preload_app = False\n"},
        ),
        Valid(
            """
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """,
            files={"gunicorn.conf.py": "preload_app = True\n\ndef post_fork(server, worker):\n    pass\n"},
        ),
        # a custom gunicorn application that builds the app in `load()`: in each worker, after the fork
        Valid(
            """
            import psycopg2
            from gunicorn.app.base import BaseApplication
            conn = psycopg2.connect("postgresql://db/app")

            class Server(BaseApplication):
                def load_config(self):
                    self.cfg.set("workers", 4)

                def load(self):
                    from shop import create_app
                    return create_app()
            """,
        ),
    )
    INVALID = (
        Invalid(
            """
            import psycopg2
            conn = psycopg2.connect("postgresql://db/app")
            """,
            message="one shared connection",
            files={"gunicorn.conf.py": "preload_app = True  # expect\n"},
        ),
        Invalid(
            """
            import threading
            from flask import Flask
            app = Flask(__name__)

            def refresh():
                pass

            threading.Thread(target=refresh, daemon=True).start()
            """,
            message="starts a thread",
            files={"Procfile": "web: gunicorn --preload app:app  # expect\n"},
        ),
        # a custom gunicorn application reads the app it serves in `load_config`, which runs in the master
        Invalid(
            """
            import psycopg2
            from gunicorn.app.base import BaseApplication
            from flask import Flask
            app = Flask(__name__)
            conn = psycopg2.connect("postgresql://db/app")

            class Server(BaseApplication):
                def __init__(self, application):
                    self.application = application
                    super().__init__()

                def load_config(self):
                    self.cfg.set("workers", 4)
                    if self.application.config.get("HTTPS"):  # expect
                        self.cfg.set("certfile", "/etc/ssl/app.pem")

                def load(self):
                    return self.application
            """,
            message="one shared connection",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        preloaded = [
            (item, value)
            for item in gunicorn_deployments(project)
            if (value := item.get("preload")) is not None and value.known and value.value is True
        ]
        if not preloaded:
            return
        resources = import_time_resources(project)
        if not resources:
            return
        for item, preload in preloaded:
            if item.hooks & {"post_fork", "post_worker_init"}:
                continue
            first_label = resources[0][1]
            threaded = "thread" in first_label or "scheduler" in first_label
            inherited = "that thread never runs in them" if threaded else "one shared connection"
            report(
                self.finding(
                    preload.source,
                    f"{item.label} preloads the app, and importing it {first_label}: the workers forked from the "
                    f"master inherit {inherited}",
                    hint="Create connections lazily or in a `post_fork` hook (engine.dispose(close=False)), start "
                    "threads in `post_worker_init`, or drop `--preload`.",
                    evidence=[Evidence(label, loc) for loc, label in resources[:3]],
                )
            )
