"""FD404 socketio-multi-worker-without-queue: Flask-SocketIO with several worker processes/hosts and no message queue loses messages."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.deploy_files import production_deploy_path
from flask_doctor.static.facts.server import gunicorn_deployments, socketio_uses
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class SocketioMultiWorkerWithoutQueue(Rule):
    """
    ## What it does
    Finds Flask-SocketIO applications deployed with more than one worker
    process or host (gunicorn `-w N`/`workers = N`, uWSGI `processes`,
    compose `replicas`/`scale`) and no `message_queue=`, and gunicorn
    deployments of Socket.IO where every gunicorn server runs several
    workers, even when a queue is set.

    ## Why is this bad?
    Each Socket.IO server keeps its clients in memory. With several
    processes, `emit(..., to=room)` in one worker never reaches clients
    connected to another — messages are silently lost — unless the servers
    share a message queue (Redis, RabbitMQ, Kafka). Long-polling clients
    also need every request to reach the same process: gunicorn cannot
    route that ("sticky sessions"), so Flask-SocketIO supports a single
    gunicorn worker per server; scale with several single-worker servers
    behind a load balancer with sticky sessions, plus a message queue.

    A missing `ping_interval`/`ping_timeout` is **not** a problem:
    python-engineio already defaults to 25 s and 20 s.

    A gunicorn server configured with `worker_class = "sync"` is not where
    Socket.IO runs: Flask-SocketIO needs eventlet, gevent or threaded workers
    under gunicorn, so such a server serves the plain HTTP pages and the
    project runs its Socket.IO server elsewhere (a dedicated
    `socketio.run(app)` service). Its workers are not counted.

    ## Example
    ```python
    socketio = SocketIO(app)
    ```
    ```dockerfile
    CMD gunicorn -k eventlet -w 4 app:app
    ```

    ## Use instead
    ```python
    socketio = SocketIO(app, message_queue=os.environ["REDIS_URL"])
    ```
    ```dockerfile
    CMD gunicorn -k eventlet -w 1 app:app
    ```
    and several such containers behind nginx with `ip_hash`.

    ## Fix safety
    No automatic fix: the queue is infrastructure.

    ## References
    - Flask-SocketIO docs: "Deployment" — "Using Multiple Workers", "Gunicorn Web Server"
    - python-engineio: `ping_interval=25`, `ping_timeout=20` defaults
    """

    code = "FD404"
    preview = True  # not yet seen on real deploy files with matching code: see docs/precision/server.md
    name = "socketio-multi-worker-without-queue"
    severity = Severity.WARNING
    catalog = ("S08",)
    summary = "Flask-SocketIO with several worker processes/hosts and no message queue loses messages."

    VALID = (
        Valid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app)  # no ping_interval/ping_timeout: engineio's defaults are fine
            """,
            files={"Procfile": "web: gunicorn -k eventlet -w 1 app:app\n"},
        ),
        Valid(
            """
            import os
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, message_queue=os.environ["REDIS_URL"], async_mode="eventlet")
            """,
            files={
                "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -k eventlet -w 1 app:app
                deploy:
                  replicas: 3
            """
            },
        ),
        # the gunicorn settings choose sync workers for the pages; the Socket.IO server is a service of its own
        Valid(
            """
            import os
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, message_queue=os.environ.get("BROKER_URL"), async_mode="gevent")

            def live():
                socketio.run(app, host="0.0.0.0", port=5001)
            """,
            files={"gunicorn.conf.py": 'bind = "127.0.0.1:5000"\nworkers = 4\nworker_class = "sync"\n'},
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, async_mode="eventlet")  # expect
            """,
            message="no `message_queue`",
            files={"Dockerfile": "FROM python:3.12\nCMD gunicorn -k eventlet -w 4 app:app\n"},
        ),
        Invalid(
            """
            from flask import Flask
            from flask_socketio import SocketIO
            app = Flask(__name__)
            socketio = SocketIO(app, message_queue="redis://redis:6379/0")
            """,
            message="cannot send a client's polling requests to the same worker",
            files={"Procfile": "web: gunicorn -k eventlet -w 4 app:app  # expect\n"},
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        uses = socketio_uses(project)
        if not uses:
            return
        deploy = project.deploy
        if deploy is None:
            return
        pages_only = self._sync_gunicorn(project)
        many = []
        for decl in deploy.declared_workers():
            if not production_deploy_path(decl.source.path) or decl.source in pages_only:
                continue
            processes = decl.processes if decl.processes is not None else (3 if decl.cpu_based else None)
            total = (processes or 1) * (decl.replicas or 1)
            if decl.cpu_based or total > 1:
                many.append((decl, total))
        replicated = [
            s
            for s in deploy.services
            if (s.replicas or s.scale or 1) > 1 and not s.is_proxy and production_deploy_path(s.source.path)
        ]
        for use in uses:
            if not use.message_queue:
                evidence: list[Evidence] = []
                for decl, total in many[:3]:
                    if decl.cpu_based:
                        shown = "a CPU-based number of worker processes"
                    elif decl.replicas and decl.replicas > 1:
                        shown = f"{decl.processes or 1} worker process(es) × {decl.replicas} replicas"
                    else:
                        shown = f"{total} worker processes"
                    evidence.append(Evidence(f"{decl.server} runs {shown}", decl.source))
                for service in replicated[:2]:
                    if not any(d.replicas for d, _ in many):
                        count = service.replicas or service.scale
                        evidence.append(Evidence(f"service `{service.name}` runs {count} replicas", service.source))
                if not evidence:
                    continue
                report(
                    self.finding(
                        use.location,
                        "Flask-SocketIO has no `message_queue` but is deployed with several worker processes/hosts: "
                        "an `emit` in one process never reaches clients connected to another",
                        hint='Pass `message_queue="redis://..."` and run one worker per gunicorn server, several '
                        "servers behind a load balancer with sticky sessions.",
                        evidence=evidence,
                    )
                )
                continue
            gunicorn_decls = [
                d
                for d in deploy.declared_workers()
                if d.server == "gunicorn" and production_deploy_path(d.source.path) and d.source not in pages_only
            ]
            multi_gunicorn = [
                (d, t) for d, t in many if d.server == "gunicorn" and ((d.processes or 0) > 1 or d.cpu_based)
            ]
            if multi_gunicorn and len(multi_gunicorn) == len(gunicorn_decls):  # no single-worker server for Socket.IO
                decl, total = multi_gunicorn[0]
                report(
                    self.finding(
                        decl.source,
                        f"gunicorn runs {'a CPU-based number of' if decl.cpu_based else decl.processes} workers for a "
                        f"Flask-SocketIO app: gunicorn cannot send a client's polling requests to the same worker, so "
                        f'connections fail with "Invalid session" even with a message queue',
                        hint="Use one gunicorn worker per server (`-w 1`) and scale with several servers behind a "
                        "load balancer with sticky sessions.",
                        evidence=[Evidence("Socket.IO server created here", use.location)],
                    )
                )

    @staticmethod
    def _sync_gunicorn(project: Project) -> set[Location]:
        """Where the workers of gunicorn servers set to sync workers are declared: they cannot run Socket.IO
        (Flask-SocketIO needs eventlet, gevent or threads under gunicorn), so they serve the pages only."""
        found: set[Location] = set()
        for item in gunicorn_deployments(project):
            if item.get("worker_class") is None or item.worker_class() != "sync":
                continue
            found.add(item.source)
            workers = item.get("workers")
            if workers is not None:
                found.add(workers.source)
        return found
