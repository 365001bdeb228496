"""FD409 gunicorn-worker-count: gunicorn worker count far from 2 × CPUs + 1 for the CPUs the deployment declares."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.server import EXAMPLE_NOTE, gunicorn_deployments
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class GunicornWorkerCount(Rule):
    """
    ## What it does
    Compares the number of gunicorn worker processes with the CPUs the
    deployment declares (compose `cpus:` or
    `deploy.resources.limits.cpus`): more than twice the usual
    `2 × CPUs + 1`, or — for sync workers with one thread — fewer workers
    than CPUs.

    ## Why is this bad?
    Each worker is a full copy of the app in memory. Far more workers than
    the CPU limit allows do not add throughput; they compete for the same
    CPU share, get throttled, and multiply memory use until the container
    is OOM-killed. Far fewer single-threaded sync workers than CPUs leave
    the CPUs idle while requests queue.

    Only reported when the CPU is declared. A CPU-based formula
    (`multiprocessing.cpu_count() * 2 + 1`) is not reported, nor are
    deployments that use threads or an async worker class when they have
    few processes.

    ## Example
    ```yaml
    services:
      web:
        command: gunicorn -w 16 app:app
        deploy:
          resources:
            limits:
              cpus: "1"
    ```

    ## Use instead
    ```yaml
        command: gunicorn -w 3 --threads 4 app:app
    ```

    ## Fix safety
    No automatic fix: measure memory per worker first.

    ## References
    - gunicorn docs: "Design" — "How Many Workers?" (2-4 × cores)
    - Docker docs: compose `deploy.resources.limits.cpus`
    """

    code = "FD409"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "gunicorn-worker-count"
    severity = Severity.WARNING
    catalog = ("S09",)
    summary = "gunicorn worker count far from 2 × CPUs + 1 for the CPUs the deployment declares."

    VALID = (
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 3 app:app
                cpus: 1
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
                command: gunicorn -w 1 --threads 8 app:app
                cpus: 4
              api:
                command: gunicorn -w 64 app:app
            """
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="16 workers",
            files={
                "docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 16 app:app  # expect
                deploy:
                  resources:
                    limits:
                      cpus: "1"
            """
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            message="fewer",
            files={
                "docker-compose.yml": """
            services:
              web:
                command: gunicorn -w 1 app:app  # expect
                cpus: 4
            """
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        deploy = project.deploy
        if deploy is None:
            return
        services = {s.name: s for s in deploy.services}
        for item in gunicorn_deployments(project):
            if not item.process.startswith("service:"):
                continue
            service = services.get(item.process[len("service:") :])
            if service is None or not service.cpus:
                continue
            workers = item.get("workers")
            if (
                workers is None
                or not workers.known
                or not isinstance(workers.value, int)
                or isinstance(workers.value, bool)
            ):
                continue
            if item.conf_path is not None and workers.source.path == item.conf_path:
                setting = next((c.get("workers") for c in deploy.gunicorn if c.path == item.conf_path), None)
                if setting is not None and setting.cpu_based:
                    continue
            cpus = float(service.cpus)
            usual = int(2 * cpus + 1)
            count = workers.value
            unit = "CPU" if cpus <= 1 else "CPUs"
            evidence = [Evidence(f"service `{service.name}` may use {cpus:g} {unit}", service.cpus_source)]
            if count > 2 * usual:
                report(
                    self.finding(
                        workers.source,
                        f"{item.label} runs {count} workers on {cpus:g} {unit} (about {usual} is usual): the extra "
                        f"processes compete for the same CPU share and multiply memory use"
                        + EXAMPLE_NOTE
                        * item.example,
                        severity=min(self.effective_severity, Severity.NOTE) if item.example else None,
                        hint=f"Use about {usual} workers, and threads (`--threads`) for I/O-bound work.",
                        evidence=evidence,
                    )
                )
            elif count < cpus and item.worker_class() == "sync" and item.threads() == 1:
                report(
                    self.finding(
                        workers.source,
                        f"{item.label} runs {count} single-threaded sync worker{'s' if count != 1 else ''}, fewer than "
                        f"the {cpus:g} CPUs it may use: requests queue while CPUs stay idle",
                        hint=f"Use about {usual} workers, or add threads.",
                        evidence=evidence,
                        severity=min(self.effective_severity, Severity.NOTE),
                    )
                )
