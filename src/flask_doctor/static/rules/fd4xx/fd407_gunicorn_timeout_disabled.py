"""FD407 gunicorn-timeout-disabled: gunicorn worker timeout disabled (0) or above five minutes."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.server import EXAMPLE_NOTE, MAX_TIMEOUT, gunicorn_deployments
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class GunicornTimeoutDisabled(Rule):
    """
    ## What it does
    Finds gunicorn deployments with the worker timeout disabled (`-t 0`,
    `timeout = 0`) or set above five minutes.

    ## Why is this bad?
    The timeout is gunicorn's safety net: a worker silent for longer is
    killed and replaced. For sync workers it acts as a request timeout:
    without it, a request stuck on a hung database or an API without a
    timeout holds its worker for ever; a few of them and the app stops
    answering while gunicorn still reports it as running. Threaded and
    async workers (gthread, gevent, eventlet) keep notifying gunicorn while
    one request hangs, so there the timeout only catches a worker whose
    main loop is stuck (a deadlock, a blocking call on the event loop):
    still a safety net worth keeping, and the message says which one is
    lost.
    gunicorn's default is 30 seconds, so *not setting* a timeout is fine
    and is not reported.

    ## Example
    ```dockerfile
    CMD gunicorn --timeout 0 app:app
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn --timeout 60 app:app
    ```
    and move work that takes minutes to a background job.

    ## Fix safety
    No automatic fix: long-running views (exports, uploads) must move to
    jobs first.

    ## References
    - gunicorn docs: settings — `timeout` (default 30; "for the non sync
      workers it just means that the worker process is still communicating")
    """

    code = "FD407"
    name = "gunicorn-timeout-disabled"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn worker timeout disabled (0) or above five minutes."

    VALID = (
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
            files={"Dockerfile": "FROM python:3.12\nCMD gunicorn --timeout 120 app:app\n"},
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="disables the worker timeout",
            files={"Procfile": "web: gunicorn -t 0 app:app  # expect\n"},
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="600 s",
            files={"gunicorn.conf.py": "bind = '0.0.0.0:8000'\ntimeout = 600  # expect\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in gunicorn_deployments(project):
            value = item.get("timeout")
            if value is None or not value.known or not isinstance(value.value, int) or isinstance(value.value, bool):
                continue
            if value.value == 0:
                what = "disables the worker timeout (0)"
            elif value.value > MAX_TIMEOUT:
                what = f"sets the worker timeout to {value.value} s"
            else:
                continue
            worker = item.worker_class()
            span = "for ever" if value.value == 0 else "for minutes"
            if worker is None or worker == "sync":
                harm = f"a request stuck on a hung call holds its worker {span} before gunicorn replaces it"
            else:
                harm = (
                    f"{'an' if worker[:1] in 'aeiou' else 'a'} {worker} worker whose main loop hangs (a deadlock, a blocking call) stays stuck {span} "
                    "before gunicorn replaces it"
                )
            report(
                self.finding(
                    value.source,
                    f"{item.label} {what}: {harm}" + EXAMPLE_NOTE * item.example,
                    severity=min(self.effective_severity, Severity.NOTE) if item.example else None,
                    hint=(
                        "Keep gunicorn's timeout short (the default 30 s, or 60-120 s) and move long work to "
                        "background jobs."
                    ),
                )
            )
