"""FD310 filesystem-sessions-multi-host: Flask-Session stores sessions on the local disk of a multi-host deployment."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.config import live_in_production, settings, where
from flask_doctor.static.facts.config_values import production_value
from flask_doctor.static.facts.deploy_files import app_replicas, production_deploy_path
from flask_doctor.static.facts.scopes import imports_at
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
    Also on one host: a session directory each process makes for itself
    when it loads the configuration (`SESSION_FILE_DIR = mkdtemp()`, a
    `TemporaryDirectory`) in a deployment whose production deploy files run
    several worker processes that each import the app (gunicorn `-w 4`
    without `--preload`, uvicorn `--workers 4`; uWSGI loads the app before it
    forks unless `lazy-apps` is set, so its workers share the directory).

    ## Why is this bad?
    Each host has its own disk, so a session written by one replica does not
    exist on the next: behind a load balancer users are logged out whenever
    a request lands elsewhere. Several gunicorn workers on *one* host share
    the directory and are fine, so a single-host deployment is not reported
    -- unless every worker makes its own directory: `mkdtemp()` returns a
    new directory in each process that runs it, so a session written by one
    worker is missing in the next, and all of them vanish on restart.

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
        # a temporary session directory is fine for one process, and with --preload the workers share it
        Valid(
            """
            from tempfile import mkdtemp
            class Config:
                SESSION_TYPE = "filesystem"
                SESSION_FILE_DIR = mkdtemp()
            """,
            files={"Procfile": "web: gunicorn --preload -w 4 app:app\n"},
        ),
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
        # each of the four workers makes its own temporary session directory
        Invalid(
            """
            from tempfile import mkdtemp
            class Config:
                SESSION_TYPE = "filesystem"
                SESSION_FILE_DIR = mkdtemp()  # expect
            """,
            message="every worker process",
            files={"Procfile": "web: gunicorn -w 4 app:app\n"},
        ),
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

    #: Calls that make a new directory in each process that runs them.
    PER_PROCESS_DIRS = frozenset({"tempfile.mkdtemp", "tempfile.TemporaryDirectory"})
    #: Servers whose worker processes each import the app (gunicorn unless ``--preload``).
    IMPORTING_WORKERS = frozenset({"gunicorn", "uvicorn", "hypercorn"})

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        self._per_process_directories(project, report)
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

    def _per_process_directories(self, project: Project, report: Callable[[Finding], None]) -> None:
        """``SESSION_FILE_DIR = mkdtemp()`` with filesystem sessions and several worker processes that each load it."""
        deploy = project.deploy
        if deploy is None:
            return
        if any(command.preload for command in deploy.web_commands()):
            return  # the app is loaded once, before the workers fork: they share the directory
        workers = [
            decl
            for decl in deploy.declared_workers()
            if production_deploy_path(decl.source.path)
            and decl.server in self.IMPORTING_WORKERS
            and ((decl.processes or 0) > 1 or decl.cpu_based)
        ]
        if not workers:
            return
        filesystem = False
        for setting in settings(project, ("SESSION_TYPE",)):
            if not live_in_production(project, setting):
                continue
            value = production_value(project, setting.value, setting.location.path, setting.location.line)
            filesystem = filesystem or (isinstance(value, ast.Constant) and value.value == "filesystem")
        if not filesystem:
            return
        decl = workers[0]
        count = str(decl.processes) if decl.processes else "CPU-count-based"
        for setting in settings(project, ("SESSION_FILE_DIR",)):
            if not live_in_production(project, setting):
                continue
            table = imports_at(project, setting.location.path, setting.location.line)
            made = next(
                (
                    node
                    for node in ast.walk(setting.value)
                    if isinstance(node, ast.Call)
                    and (table.qualify(dotted(node.func) or "") or "") in self.PER_PROCESS_DIRS
                ),
                None,
            )
            if made is None:
                continue
            call = (table.qualify(dotted(made.func) or "") or "").rpartition(".")[2]
            report(
                self.finding(
                    setting.location,
                    f"`SESSION_FILE_DIR` {where(project, setting)} is a new `{call}()` directory in every worker "
                    f"process, and {decl.server} runs {count} workers: a session one worker writes is missing in "
                    "the next, so users are logged out at random (and every restart drops all sessions)",
                    hint=(
                        "Give every worker the same directory (a fixed path), or use a shared session store "
                        '(SESSION_TYPE = "redis").'
                    ),
                    evidence=[Evidence(f"{decl.server} workers declared here", decl.source)],
                )
            )
