"""FD410 gunicorn-reload-in-production: gunicorn `--reload` or uWSGI `py-autoreload` in a production command or config."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.server import EXAMPLE_NOTE, wsgi_deployments
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class GunicornReloadInProduction(Rule):
    """
    ## What it does
    Finds `--reload` / `reload = True` in gunicorn commands and config files
    that are not development files, and uWSGI's counterpart `py-autoreload`
    (`python-autoreload`, `--py-autoreload N`, `UWSGI_PY_AUTORELOAD`) in
    production uWSGI commands and configs (not inside an `if-env` block).

    ## Why is this bad?
    `--reload` watches the source tree and restarts workers when a file
    changes. In production it costs CPU (polling every file, or inotify on
    the whole tree), restarts workers when logs or uploads are written
    under the watched directory, and is incompatible with `--preload`. Dev
    files (`docker-compose.override.yml`, `docker-compose.dev.yml`,
    `Procfile.dev`, services named `dev`) are where it belongs and are not
    reported; in an example's or a tutorial's deploy file it is a note.

    ## Example
    ```yaml
    # docker-compose.yml
    services:
      web:
        command: gunicorn --reload -w 4 app:app
    ```

    ## Use instead
    ```yaml
    # docker-compose.override.yml (development only)
    services:
      web:
        command: gunicorn --reload app:app
    ```

    ## Fix safety
    Removing `--reload` is safe; not automatic because the file might be
    a development file under another name.

    ## References
    - gunicorn docs: settings — `reload` ("This setting is intended for development")
    - uWSGI docs: Options — `py-autoreload` ("monitor python modules mtime to trigger reload (use only in
      development)")
    """

    code = "FD410"
    name = "gunicorn-reload-in-production"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn `--reload` or uWSGI `py-autoreload` in a production command or config."

    VALID = (
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "docker-compose.override.yml": """
            services:
              web:
                command: gunicorn --reload app:app
            """
            },
        ),
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 4 app:app
            """
            },
        ),
        # uWSGI's autoreload turned on only when a development variable is set
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "uwsgi.ini": (
                    "[uwsgi]\nmodule = app:app\nharakiri = 30\nif-env = DEV_ENV\npython-autoreload = 1\nendif =\n"
                )
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="`--reload`",
            files={
                "docker-compose.yml": """
            services:
              web:
                command: gunicorn --reload -w 4 app:app  # expect
            """
            },
        ),
        # an example's Procfile shows how to run the example, not the production entry point: a note
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="example or tutorial deploy file",
            files={"examples/chat/Procfile": "web: gunicorn --reload app:app  # expect\n"},
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="`py-autoreload`",
            files={"deploy/uwsgi.ini": "[uwsgi]\nmodule = app:app\nharakiri = 30\npy-autoreload = 1  # expect\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for item in wsgi_deployments(project):
            value = item.get("reload")
            if value is None or not value.known or value.value is not True:
                continue
            if item.server == "uwsgi":
                message = (
                    f"{item.label} runs uWSGI with `py-autoreload` in a production file: it polls every Python "
                    f"module and reloads the workers when one changes"
                )
                hint = "Drop `py-autoreload` here (use `touch-reload` for deliberate reloads); keep it in a dev config."
            else:
                message = (
                    f"{item.label} runs gunicorn with `--reload` in a production file: it watches the source tree "
                    f"and restarts workers on every change"
                )
                hint = "Drop `--reload` here; put it in a development file (docker-compose.override.yml, Procfile.dev)."
            report(
                self.finding(
                    value.source,
                    message + EXAMPLE_NOTE * item.example,
                    severity=min(self.effective_severity, Severity.NOTE) if item.example else None,
                    hint=hint,
                )
            )
