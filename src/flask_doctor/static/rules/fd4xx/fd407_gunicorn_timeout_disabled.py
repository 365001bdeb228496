"""FD407 gunicorn-timeout-disabled: gunicorn/uWSGI request timeout disabled (0), above five minutes, or never set in uWSGI."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.server import EXAMPLE_NOTE, MAX_TIMEOUT, Gunicorn, wsgi_deployments
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class GunicornTimeoutDisabled(Rule):
    """
    ## What it does
    Finds gunicorn deployments of sync workers with the worker timeout
    disabled (`-t 0`, `timeout = 0`), and, as a note, set above five minutes
    (a limit written out that long is a choice made for slow requests).

    ## Why is this bad?
    The timeout is gunicorn's safety net: a worker silent for longer is
    killed and replaced. For sync workers it acts as a request timeout:
    without it, a request stuck on a hung database or an API without a
    timeout holds its worker for ever; a few of them and the app stops
    answering while gunicorn still reports it as running. Threaded and
    async workers (gthread, which `--threads 8` selects, gevent, eventlet)
    keep notifying gunicorn while one request hangs, so there the timeout
    never bounds a request, and `--timeout 0` is the documented setting of
    some platforms (Cloud Run's, beside its own request timeout) and of
    long-lived WebSocket workers: not reported.
    gunicorn's default is 30 seconds, so *not setting* a timeout is fine
    and is not reported.

    uWSGI's counterpart is `harakiri` (`--harakiri`, `-t`, `harakiri =` in
    the `[uwsgi]` section, `UWSGI_HARAKIRI`), and its default is *off*: a
    uWSGI deployment that never sets it has no request timeout at all, the
    same harm as `-t 0`. That is reported as a note (the proxy in front may
    give up on the client, but the process stays stuck); `harakiri = 0` or
    above five minutes is a warning as for gunicorn. A config that includes
    another one, or whose `harakiri` sits in an `if-env` block, a config
    no visible command starts (an emperor, a unit file or the operator may
    add options), and an example's or a tutorial's config are not reported
    as missing it. A start script the image runs is read wherever the
    `Dockerfile` names it: by its path in the image, under the directory a
    `COPY . /srv/app` filled, it is the project's own file.

    ## Example
    ```dockerfile
    CMD gunicorn --timeout 0 app:app
    ```

    ```ini
    ; uwsgi.ini
    [uwsgi]
    module = app:app
    processes = 4
    ```

    ## Use instead
    ```dockerfile
    CMD gunicorn --timeout 60 app:app
    ```
    ```ini
    [uwsgi]
    module = app:app
    processes = 4
    harakiri = 60
    ```
    and move work that takes minutes to a background job.

    ## Fix safety
    No automatic fix: long-running views (exports, uploads) must move to
    jobs first.

    ## References
    - gunicorn docs: settings — `timeout` (default 30; "for the non sync
      workers it just means that the worker process is still communicating")
    - uWSGI docs: Glossary — harakiri; Options — `harakiri` (off unless set)
    """

    code = "FD407"
    name = "gunicorn-timeout-disabled"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn/uWSGI request timeout disabled (0), above five minutes, or never set in uWSGI."

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
        # uWSGI with harakiri set
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "Dockerfile": 'FROM python:3.12\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
                "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nharakiri = 60\nmax-requests = 1000\n",
            },
        ),
        # the image's start script, named by its path in the image under the directory the project was copied to,
        # bounds every request
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "Dockerfile": 'FROM python:3.12\nCOPY . /srv/portal\nCMD ["/srv/portal/docker/serve.sh"]\n',
                "docker/serve.sh": "#!/bin/sh\nexec uwsgi --http-socket :8080 --wsgi app:app --processes 2 --harakiri 60\n",
            },
        ),
        # threads (gthread workers) keep notifying gunicorn: the platform's request timeout bounds requests
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "Dockerfile": "FROM python:3.12\nCMD exec gunicorn --bind :$PORT --workers 1 --threads 8 --timeout 0 app:app\n"
            },
        ),
        # eventlet workers holding WebSocket connections open
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"Procfile": "web: gunicorn -k eventlet -w 1 --timeout 0 app:app\n"},
        ),
        # a development uWSGI config
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={"deploy/dev/uwsgi.ini": "[uwsgi]\nmodule = app:app\nharakiri = 0\n"},
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
            message="a limit this long is usually chosen for slow requests",
            files={"gunicorn.conf.py": "bind = '0.0.0.0:8000'\ntimeout = 600  # expect\n"},
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="disables the request timeout",
            files={"Procfile": "web: uwsgi --http :$PORT --module app:app --harakiri 0  # expect\n"},
        ),
        # the start script the image runs, found under the directory `COPY . /srv/portal` filled
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="no `harakiri`",
            files={
                "Dockerfile": 'FROM python:3.12\nCOPY . /srv/portal\nCMD ["/srv/portal/docker/serve.sh"]\n',
                "docker/serve.sh": "#!/bin/sh\nexec uwsgi --http-socket :8080 --wsgi app:app --processes 2  # expect\n",
            },
        ),
        # uWSGI's harakiri is off unless set: no request timeout at all (a note)
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="no `harakiri`",
            files={
                "Dockerfile": "FROM python:3.12\nCMD uwsgi --ini uwsgi.ini  # expect\n",
                "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nmax-requests = 1000\n",
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in wsgi_deployments(project):
            value = item.get("timeout")
            if item.server == "uwsgi" and value is None:
                self._uwsgi_missing(item, report)
                continue
            if value is None or not value.known or not isinstance(value.value, int) or isinstance(value.value, bool):
                continue
            name = "harakiri" if item.server == "uwsgi" else "worker timeout"
            if value.value == 0:
                what = (
                    "disables the request timeout (harakiri = 0)"
                    if item.server == "uwsgi"
                    else ("disables the worker timeout (0)")
                )
            elif value.value > MAX_TIMEOUT:
                what = f"sets the {name} to {value.value} s"
            else:
                continue
            span = "for ever" if value.value == 0 else "for minutes"
            worker = item.worker_class() if item.server == "gunicorn" else None
            if worker is not None and worker != "sync":
                continue  # threaded and async workers keep notifying gunicorn: the timeout never bounds a request
            if item.server == "uwsgi":
                harm = f"a request stuck on a hung call holds its process {span} before uWSGI replaces it"
            else:
                harm = f"a request stuck on a hung call holds its worker {span} before gunicorn replaces it"
            # a long limit written out is a choice for slow work (exports, model inference): a note
            severity = Severity.NOTE if item.example or value.value > 0 else None
            if value.value > 0:
                harm += " (a note: a limit this long is usually chosen for slow requests that belong in a job)"
            report(
                self.finding(
                    value.source,
                    f"{item.label} {what}: {harm}" + EXAMPLE_NOTE * item.example,
                    severity=min(self.effective_severity, severity) if severity is not None else None,
                    hint=(
                        "Set `harakiri = 60` (above your slowest legitimate request) and move long work to background "
                        "jobs."
                        if item.server == "uwsgi"
                        else "Keep gunicorn's timeout short (the default 30 s, or 60-120 s) and move long work to "
                        "background jobs."
                    ),
                )
            )

    def _uwsgi_missing(self, item: Gunicorn, report: Callable[[Finding], None]) -> None:
        """No ``harakiri`` anywhere: uWSGI's default is no request timeout (a note)."""
        if not item.complete or item.example:
            return  # a setting left out of an example's config is not worth a note
        report(
            self.finding(
                item.source,
                f"{item.label} runs uWSGI with no `harakiri`: uWSGI has no request timeout unless it is set, so a "
                f"request stuck on a hung call holds its process for ever" + EXAMPLE_NOTE * item.example,
                severity=min(self.effective_severity, Severity.NOTE),
                hint="Add `harakiri = 60` (`--harakiri 60`), above your slowest legitimate request.",
            )
        )
