"""FD401 blocking-call-in-request: `time.sleep` or a subprocess wait without timeout in request code holds a worker."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.calls import (
    SLEEP,
    TINY_SLEEP,
    blocking_subprocess,
    callee_name,
    cooperative,
    describe_where,
    enclosing_loop,
    in_request_code,
    sleep_seconds,
)
from flask_doctor.static.model import REQUEST
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class BlockingCallInRequest(Rule):
    """
    ## What it does
    Finds `time.sleep(...)` and subprocess waits without `timeout=`
    (`subprocess.run/call/check_call/check_output`, `Popen.communicate()`,
    `Popen.wait()`) in code that runs while a request is being served: a
    view, a request hook, an error handler, a Socket.IO handler, or any
    helper they call, however deep.

    ## Why is this bad?
    A sync gunicorn/uWSGI worker serves one request per thread. While it
    sleeps or waits for a child process it serves nobody, so a few slow
    requests exhaust the workers and every other request queues behind
    them (and eventually hits the worker timeout). A child process that
    hangs without a timeout holds the worker for ever. A sleep in a retry
    loop is the same problem multiplied by the number of attempts.

    Not reported: sleeps in CLI commands, background jobs and scripts
    (nothing waits on them), constant sleeps under 0.1 s (`time.sleep(0)`
    is a thread yield, `time.sleep(0.01)` the poll interval of a short
    handshake),
    `gevent.sleep`/`eventlet.sleep`/`asyncio.sleep`, `time.sleep` when the
    project monkey-patches with gevent/eventlet or runs gevent/eventlet
    workers (the sleep then yields to other requests), and sleeps inside
    `async def` functions (FD403 reports those).

    ## Example
    ```python
    @app.post("/reports")
    def create_report():
        for attempt in range(5):
            if backend_ready():
                break
            time.sleep(2)
        output = subprocess.check_output(["wkhtmltopdf", url, "-"])
        return output
    ```

    ## Use instead
    ```python
    @app.post("/reports")
    def create_report():
        job = render_report.delay(url)  # Celery/RQ does the waiting
        return {"job": job.id}, 202
    ```
    or, if the work must stay in the request, bound it:
    `subprocess.check_output([...], timeout=10)`.

    ## Fix safety
    No automatic fix: moving work to a job changes the response.

    ## References
    - gunicorn docs: "Design" — sync workers handle a single request at a time
    - Python docs: `subprocess.run(..., timeout=...)`
    """

    code = "FD401"
    name = "blocking-call-in-request"
    severity = Severity.WARNING
    catalog = ("S17",)
    summary = "`time.sleep` or a subprocess wait without timeout in request code holds a worker."

    VALID = (
        Valid("""
            import time
            import click
            from celery import shared_task

            @click.command()
            def wait_for_db():
                time.sleep(5)

            @shared_task
            def poll():
                time.sleep(30)
            """),
        Valid("""
            import subprocess
            import time
            import gevent
            import asyncio
            from flask import Flask
            app = Flask(__name__)

            @app.route("/")
            def index():
                time.sleep(0)
                gevent.sleep(1)
                out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, timeout=5)
                return out.stdout
            """),
        Valid("""
            from gevent import monkey
            monkey.patch_all()
            import time
            from flask import Flask
            app = Flask(__name__)

            @app.route("/slow")
            def slow():
                time.sleep(1)
                return "ok"
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            def sleep(seconds):
                return seconds

            @app.route("/")
            def index():
                sleep(3)
                return "ok"
            """),
    )
    INVALID = (
        Invalid("""
            from time import sleep
            from flask import Flask
            app = Flask(__name__)

            def wait_for_backend(client):
                for attempt in range(5):
                    if client.ready():
                        return True
                    sleep(2)  # expect
                return False

            @app.route("/orders", methods=["POST"])
            def create_order():
                wait_for_backend(None)
                return "ok"
            """, message="(request path: view `create_order` → `wait_for_backend`)"),
        Invalid("""
            import subprocess
            from flask import Blueprint
            bp = Blueprint("pdf", __name__)

            @bp.get("/pdf")
            def pdf():
                proc = subprocess.Popen(["wkhtmltopdf", "-", "-"], stdout=subprocess.PIPE)
                out, _ = proc.communicate()  # expect
                return subprocess.check_output(["ls"])  # expect
            """, message="without `timeout=`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not in_request_code(ctx) or ctx.function is None:
            return
        if ctx.function.is_async:
            return  # FD403 reports blocking calls in async functions
        name = callee_name(ctx, node)
        if name in SLEEP:
            seconds = sleep_seconds(node)
            if seconds is not None and seconds < TINY_SLEEP:
                return  # a yield or a spin-wait handshake, not a held worker
            if cooperative(ctx.project):
                return
            loop = enclosing_loop(ctx)
            what = f"`{ast.unparse(node)}`"
            message = f"{what} in {describe_where(ctx, REQUEST)} holds the worker while it sleeps"
            evidence = list(ctx.chain_evidence(REQUEST))
            if loop is not None:
                message += "; it sits in a loop, so the worker is held once per iteration"
                evidence.append(Evidence("inside this loop", ctx.location(loop)))
            ctx.report(
                self.finding(
                    ctx.location(node),
                    message,
                    hint="Move the waiting to a background job (Celery/RQ) and return 202, or poll from the client.",
                    evidence=evidence,
                )
            )
            return
        waited = blocking_subprocess(ctx, node)
        if waited is not None:
            short = waited.replace("subprocess.Popen.", "Popen.")
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{short}(...)` without `timeout=` in {describe_where(ctx, REQUEST)}: the worker waits for the "
                    f"child process, for ever if it hangs",
                    hint="Pass `timeout=` (and handle subprocess.TimeoutExpired), or run the command in a background "
                    "job.",
                    evidence=ctx.chain_evidence(REQUEST),
                )
            )
