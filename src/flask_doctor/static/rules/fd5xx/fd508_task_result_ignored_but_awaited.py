"""FD508 task-result-ignored-but-awaited: Result of a task with ignore_result=True is read: .get() waits for ever, state stays PENDING."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.jobs.outcomes import (
    ignored_result_reads,
    ignored_result_tasks,
    polled_bare_reads,
    polled_results,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class TaskResultIgnoredButAwaited(Rule):
    """
    ## What it does
    Finds code that reads the result of a Celery task (`.get()`,
    `.ready()`, `.state`, `.result` on what `.delay()`/`.apply_async()`
    returned, or `task.AsyncResult(id)`) when that task is declared with
    `ignore_result=True` (or the app sets `task_ignore_result = True`).
    A status view that rebuilds the handle from a bare id
    (`AsyncResult(task_id).ready()`, `celery_app.AsyncResult(task_id)`)
    is reported when every task whose id the app hands back for polling
    (`return {"id": result.id}` after `.delay()`) stores no result: the
    id it is given can only be one of theirs. Flask's Celery pattern sets
    `task_ignore_result=True` for the whole app, so a polled task needs
    its own `ignore_result=False`.

    ## Why is this bad?
    With `ignore_result` the worker stores no state and no return value.
    The caller cannot tell: `.get()` waits for a result that never comes
    (for ever, without a `timeout`, tying up the web worker that called
    it), `.ready()` is always False and `.state` stays `PENDING` — a
    progress page polls for ever and users see "still running" for tasks
    that finished or failed long ago. Not reported: fire-and-forget calls
    whose result is not read, and calls that pass `ignore_result=False` to
    `apply_async`. A missing result backend is not reported from source:
    Celery also takes it from the `CELERY_RESULT_BACKEND` environment
    variable (`celery/app/utils.py`), which only the running app knows.

    ## Example
    ```python
    @celery.task(ignore_result=True)
    def render_report(report_id):
        return build(report_id)

    @app.post("/reports/<int:rid>")
    def make_report(rid):
        result = render_report.delay(rid)
        return {"url": result.get(timeout=30)}
    ```

    ## Use instead
    ```python
    @celery.task  # results stored in the configured result backend
    def render_report(report_id):
        return build(report_id)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Celery API, `Task.ignore_result` and the `task_ignore_result` setting
    - Celery docs, Tasks: "Result backends" / "Ignore results you don't want"
    """

    code = "FD508"
    name = "task-result-ignored-but-awaited"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Result of a task with ignore_result=True is read: .get() waits for ever, state stays PENDING."
    preview = True  # no occurrence in the real applications measured yet (docs/precision/errors_tasks.md)

    VALID = (
        Valid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def send_mail(to):
                deliver(to)

            @celery.task
            def render_report(rid):
                return rid

            def make_report(rid):
                send_mail.delay("a@example.com")
                result = render_report.delay(rid)
                return result.get(timeout=30)
            """),
        Valid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def render_report(rid):
                return rid

            def make_report(rid):
                result = render_report.apply_async((rid,), ignore_result=False)
                return result.get(timeout=30)
            """),
        # the only task handed out for polling stores its result, overriding the app-wide switch
        Valid("""
            from celery import Celery, shared_task
            from celery.result import AsyncResult
            from flask import Flask

            app = Flask(__name__)
            worker = Celery(app.name)
            worker.conf.update(task_ignore_result=True)

            @shared_task(ignore_result=False)
            def resize(image_id):
                return shrink(image_id)

            @app.post("/images/<int:image_id>/resize")
            def start_resize(image_id):
                job = resize.delay(image_id)
                return {"job": job.id}

            @app.get("/jobs/<job_id>")
            def job_state(job_id):
                return {"done": AsyncResult(job_id).ready()}
            """),
    )
    INVALID = (
        Invalid(
            """
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def render_report(rid):
                return rid

            def make_report(rid):
                result = render_report.delay(rid)
                return result.get(timeout=30)  # expect
            """,
            message="ignore_result=True",
        ),
        Invalid(
            """
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")
            celery.conf.task_ignore_result = True

            @celery.task
            def export(rid):
                return rid

            def status(task_id):
                return export.AsyncResult(task_id).state  # expect
            """,
            message="task_ignore_result",
        ),
        # the status view polls by id, but the only task whose id it hands out stores nothing
        Invalid(
            """
            from celery import Celery, shared_task
            from celery.result import AsyncResult
            from flask import Flask

            app = Flask(__name__)
            worker = Celery(app.name)
            worker.conf.update(task_ignore_result=True)

            @shared_task
            def resize(image_id):
                return shrink(image_id)

            @app.post("/images/<int:image_id>/resize")
            def start_resize(image_id):
                job = resize.delay(image_id)
                return {"job": job.id}

            @app.get("/jobs/<job_id>")
            def job_state(job_id):
                job = AsyncResult(job_id)
                return {"done": job.ready(), "value": job.result}  # expect
            """,
            message="reads a task result by id",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        ignored = ignored_result_tasks(project)
        if not ignored:
            return
        for caller in project.functions.values():
            if is_test_path(caller.module.path):
                continue
            for read, task, call in ignored_result_reads(project, caller):
                why = ignored[task.qualname]
                member = read.attr if isinstance(read, ast.Attribute) else ""
                waits = member in ("get", "wait", "join")
                effect = "waits for a result that is never stored" if waits else "never changes from PENDING"
                report(
                    self.finding(
                        node_location(caller.module.path, read),
                        f"`{ast.unparse(read)[:60]}` in `{caller.display}` reads the result of task "
                        f"`{task.display}`, which has {why}: it {effect}",
                        hint=(
                            f"Remove `ignore_result=True` from `{task.display}`"
                            if "on the task" in why
                            else f"Set `ignore_result=False` on `{task.display}` (it overrides `task_ignore_result`)"
                        )
                        + ", or pass `ignore_result=False` to `apply_async` where the result is read.",
                        evidence=[
                            Evidence(f"task `{task.display}` sent here", node_location(caller.module.path, call)),
                            Evidence(f"task `{task.display}`", task.location),
                        ],
                    )
                )
        self._bare_polls(project, ignored, report)

    def _bare_polls(self, project: Project, ignored: dict[str, str], report: Callable[[Finding], None]) -> None:
        """``AsyncResult(task_id)`` read by a status view, when every task whose id the app hands out stores nothing."""
        polled = polled_results(project)
        if not polled or any(qual not in ignored for qual in polled):
            return  # some task handed out for polling stores its result: the id may well be one of those
        tasks = sorted(polled)
        first = polled[tasks[0]]
        names = ", ".join(f"`{q.rsplit('.', 1)[-1]}`" for q in tasks[:3])
        why = ignored[tasks[0]]
        for caller in project.functions.values():
            if is_test_path(caller.module.path):
                continue
            for read in polled_bare_reads(project, caller)[:1]:  # one per status view: the id is the same
                member = read.attr
                waits = member in ("get", "wait", "join")
                effect = "waits for a result that is never stored" if waits else "never changes from PENDING"
                report(
                    self.finding(
                        node_location(caller.module.path, read),
                        f"`{ast.unparse(read)[:60]}` in `{caller.display}` reads a task result by id, but every "
                        f"task whose id the app hands out ({names}) stores none ({why}): it {effect}",
                        hint=f"Set `ignore_result=False` on {names} (it overrides `task_ignore_result`).",
                        evidence=[first],
                    )
                )
