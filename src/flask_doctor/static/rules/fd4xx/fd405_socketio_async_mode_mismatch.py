"""FD405 socketio-async-mode-mismatch: Flask-SocketIO `async_mode` does not match the gunicorn worker class."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.server import (
    GREEN_WORKERS,
    Gunicorn,
    gunicorn_deployments,
    socketio_uses,
)
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class SocketioAsyncModeMismatch(Rule):
    """
    ## What it does
    Compares Flask-SocketIO's `async_mode` with the gunicorn worker class
    that serves the app: `async_mode="eventlet"` under `-k gevent`,
    `"gevent"` under eventlet, `eventlet`/`gevent` under sync or gthread
    workers, `"threading"` under gevent/eventlet workers, and Socket.IO
    served by plain sync workers with one thread.

    ## Why is this bad?
    The async mode decides which server primitives Socket.IO uses. Under a
    different worker class the WebSocket upgrade fails, the app falls back
    to long-polling, or blocking calls stall every connection of the
    worker. A sync worker with one thread can hold only one connection at a
    time: one open WebSocket blocks the worker for everybody else.

    When several gunicorn deployments serve the app and one of them fits
    (say `-k eventlet -w 1` next to a gthread web service), Socket.IO
    traffic is taken to be routed there and the others are not reported.
    Not reported either: no `async_mode` with a green or threaded worker
    (Flask-SocketIO picks the mode from what is installed), and missing
    `ping_interval`/`ping_timeout` (engineio's 25 s/20 s defaults are fine).

    ## Example
    ```python
    socketio = SocketIO(app, async_mode="eventlet")
    ```
    ```dockerfile
    CMD gunicorn -k gevent -w 1 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn -k eventlet -w 1 app:app
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-SocketIO docs: "Deployment" — "Gunicorn Web Server"
    - Flask-SocketIO API: `SocketIO(async_mode=...)`
    """

    code = "FD405"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "socketio-async-mode-mismatch"
    severity = Severity.WARNING
    catalog = ("S08",)
    summary = "Flask-SocketIO `async_mode` does not match the gunicorn worker class."

    VALID = (
        Valid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="threading")
            """,
            files={"Procfile": "web: gunicorn -w 1 --threads 100 app:app\n"},
        ),
        Valid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)
            """,
            files={"Procfile": "web: gunicorn -k gevent -w 1 app:app\n"},
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="eventlet")
            """,
            message="under gevent workers",
            files={"Procfile": "web: gunicorn -k gevent -w 1 app:app  # expect\n"},
        ),
        Invalid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)
            """,
            message="sync workers with one thread",
            files={"Procfile": "web: gunicorn -w 1 app:app  # expect\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        uses = socketio_uses(project)
        if not uses:
            return
        deployments = gunicorn_deployments(project)
        for use in uses:
            problems = [(item, self._mode_problem(use.async_mode, item)) for item in deployments]
            if any(problem is None and item.worker_class() is not None for item, problem in problems):
                continue  # one deployment fits: Socket.IO traffic is presumably routed there
            for item, problem in problems:
                if problem is None:
                    continue
                report(
                    self.finding(
                        item.source,
                        f"{item.label}: {problem}",
                        hint="Run `gunicorn -k eventlet -w 1` (or `-k gevent`/`geventwebsocket` with "
                        '`async_mode="gevent"`), or `--threads 100` with `async_mode="threading"`.',
                        evidence=[Evidence("Socket.IO server created here", use.location)]
                        + (
                            [Evidence(f'async_mode="{use.async_mode}"', use.async_mode_at)] if use.async_mode_at else []
                        ),
                    )
                )

    @staticmethod
    def _mode_problem(mode: str | None, item: Gunicorn) -> str | None:
        """Why Socket.IO's ``async_mode`` cannot work under ``item``'s workers, or None when it can (or is unknown)."""
        worker = item.worker_class()
        threads = item.threads()
        if worker is None:
            return None
        if mode in GREEN_WORKERS and worker in GREEN_WORKERS and mode != worker:
            return f'`async_mode="{mode}"` under {worker} workers: the two event loops cannot run together'
        if mode in GREEN_WORKERS and worker in ("sync", "gthread"):
            return (
                f'`async_mode="{mode}"` under {worker} workers: the {mode} server is never started, so '
                f"WebSocket upgrades fail and blocking waits stall the worker"
            )
        if mode == "threading" and worker in GREEN_WORKERS:
            return f'`async_mode="threading"` under {worker} workers: Socket.IO\'s threads fight the {worker} hub'
        if worker == "sync" and threads == 1 and mode in (None, "threading"):
            return (
                "Socket.IO served by sync workers with one thread: each open connection holds the worker, "
                "so one client blocks everybody else"
            )
        return None
