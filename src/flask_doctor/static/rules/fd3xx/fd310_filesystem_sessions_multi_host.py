"""FD310 filesystem-sessions-multi-host: Flask-Session stores sessions on the local disk of a multi-host deployment."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.config import live_in_production, settings, where
from flask_doctor.static.facts.config_values import production_value
from flask_doctor.static.facts.deploy_files import app_replicas
from flask_doctor.static.model import Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class FilesystemSessionsMultiHost(Rule):
    """
    ## What it does
    Finds Flask-Session configured to keep sessions on the local filesystem
    (`SESSION_TYPE = "filesystem"`, or `SESSION_TYPE = "cachelib"` with a
    `cachelib.FileSystemCache`) in a deployment that declares several hosts
    or replicas (compose `deploy.replicas`/`scale` above 1, several web
    processes) in its production deploy files. A value read from the
    environment counts as what the deploy files set it to, else as its
    default (`os.environ.get("SESSION_TYPE", "filesystem")`).

    ## Why is this bad?
    Each host has its own disk, so a session written by one replica does not
    exist on the next: behind a load balancer users are logged out whenever
    a request lands elsewhere. Several gunicorn workers on *one* host share
    the directory and are fine, so a single-host deployment is not reported.

    ## Example
    ```python
    SESSION_TYPE = "filesystem"
    ```
    with `deploy: {replicas: 3}` in `docker-compose.yml`.

    ## Use instead
    ```python
    SESSION_TYPE = "redis"
    SESSION_REDIS = redis.from_url(os.environ["REDIS_URL"])
    ```
    or Flask's default signed-cookie session when the data is small.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-Session docs: configuration, `SESSION_TYPE`
    - Flask docs, Sessions (signed cookies work across hosts with one `SECRET_KEY`)
    """

    code = "FD310"
    name = "filesystem-sessions-multi-host"
    severity = Severity.WARNING
    catalog = ("S03",)
    summary = "Flask-Session stores sessions on the local disk of a multi-host deployment."

    VALID = (
        Valid("""
            class Config:
                SESSION_TYPE = "filesystem"
            """),
        Valid("""
            class Config:
                SESSION_TYPE = "redis"
            """),
        # the replicas are only in the development compose file
        Valid(
            """
            class Config:
                SESSION_TYPE = "filesystem"
            """,
            files={
                "docker-compose.dev.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn app:app
                        deploy:
                          replicas: 3
                    """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            class Config:
                SESSION_TYPE = "filesystem"  # expect
            """,
            message="replicas",
            files={
                "docker-compose.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn app:app
                        deploy:
                          replicas: 3
                    """,
            },
        ),
        # filesystem is the default when the deployment does not set the variable
        Invalid(
            """
            import os

            class Config:
                SESSION_TYPE = os.environ.get("SESSION_TYPE", "filesystem")  # expect
            """,
            message="replicas",
            files={
                "docker-compose.yml": """
                    services:
                      web:
                        build: .
                        command: gunicorn app:app
                        scale: 2
                    """,
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        hosts = app_replicas(project)
        if hosts is None or hosts.count < 2:
            return
        for setting in settings(project, ("SESSION_TYPE", "SESSION_CACHELIB")):
            if not live_in_production(project, setting):
                continue
            value = production_value(project, setting.value, setting.location.path, setting.location.line)
            if setting.key == "SESSION_TYPE":
                if not (isinstance(value, ast.Constant) and value.value == "filesystem"):
                    continue
                label = '`SESSION_TYPE = "filesystem"`'
            else:
                if not (isinstance(value, ast.Call) and (dotted(value.func) or "").endswith("FileSystemCache")):
                    continue
                label = "`SESSION_CACHELIB = FileSystemCache(...)`"
            report(
                self.finding(
                    setting.location,
                    f"{label} {where(project, setting)} keeps sessions on one host's disk, but the deployment runs "
                    f"{hosts.description}: users are logged out whenever a request reaches another replica",
                    hint=(
                        'Use a shared session store (SESSION_TYPE = "redis"), or Flask\'s signed-cookie session '
                        "with one SECRET_KEY."
                    ),
                    evidence=[Evidence(hosts.description, hosts.location)] if hosts.location else [],
                )
            )
