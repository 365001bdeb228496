"""FD507 task-swallows-exceptions: Task catches Exception and returns normally: the failure is recorded as SUCCESS."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.errors import (
    exception_kind,
    handler_label,
)
from flask_doctor.static.facts.jobs.outcomes import swallows, work_tries
from flask_doctor.static.facts.jobs.tasks import celery_tasks
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class TaskSwallowsExceptions(Rule):
    """
    ## What it does
    Finds Celery tasks and RQ jobs whose work runs inside a `try` with
    `except Exception:` (or a bare `except:`) that only passes or logs and
    then lets the task return normally.

    ## Why is this bad?
    A task that returns is recorded as `SUCCESS`. The failure never reaches
    Celery: no `task_failure` signal, no failed state in Flower or the
    result backend, no retry, no alert from monitoring that counts
    failures — at best a log line nobody searches for. Work silently stops
    happening. Re-raise after logging, `raise self.retry(exc=exc)` for
    transient errors, or `raise Reject(exc, requeue=False)` to dead-letter
    the message. Not reported: handlers that re-raise, retry or do real
    recovery work, narrow `except SomeError:` clauses, and log-and-continue
    inside a loop over items (one bad item must not stop the batch).

    ## Example
    ```python
    @shared_task
    def import_feed(url):
        try:
            items = fetch(url)
            save(items)
        except Exception:
            logger.exception("import failed")
    ```

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=5)
    def import_feed(self, url):
        try:
            items = fetch(url)
            save(items)
        except ConnectionError as exc:
            raise self.retry(exc=exc, countdown=60)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Celery docs, Tasks: "Retrying", "Reject", task states and the `task_failure` signal
    """

    code = "FD507"
    name = "task-swallows-exceptions"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task catches Exception and returns normally: the failure is recorded as SUCCESS."

    VALID = (
        Valid("""
            import logging
            from celery import shared_task
            logger = logging.getLogger(__name__)

            @shared_task(bind=True, max_retries=5)
            def import_feed(self, url):
                try:
                    save(fetch(url))
                except ConnectionError as exc:
                    raise self.retry(exc=exc, countdown=60)
                except Exception:
                    logger.exception("import failed")
                    raise

            @shared_task
            def notify_all(user_ids):
                for uid in user_ids:
                    try:
                        notify(uid)
                    except Exception:
                        logger.exception("notify %s failed", uid)
            """),
        Valid("""
            from celery import shared_task

            @shared_task
            def parse(raw):
                try:
                    value = int(raw)
                except ValueError:
                    return None
                return value * 2

            @shared_task
            def export(job_id):
                try:
                    run_export(job_id)
                except Exception as exc:
                    mark_failed(job_id, str(exc))
            """),
    )
    INVALID = (
        Invalid(
            """
            import logging
            from celery import shared_task
            logger = logging.getLogger(__name__)

            @shared_task
            def import_feed(url):
                try:
                    items = fetch(url)
                    save(items)
                except Exception:  # expect
                    logger.exception("import failed")
            """,
            message="SUCCESS",
        ),
        Invalid(
            """
            from celery import Celery
            celery = Celery(__name__)

            @celery.task
            def cleanup(path):
                try:
                    remove_tree(path)
                except:  # expect
                    pass
                return True
            """,
            message="`except:`",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for fn, framework in celery_tasks(project):
            table = fn.imports
            for stmt in work_tries(project, fn):
                for handler in stmt.handlers:
                    if exception_kind(handler.type, table) != "broad":
                        continue
                    if not swallows(handler, table):
                        continue
                    logs = any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) for s in handler.body)
                    what = "logs it and returns" if logs else "drops it"
                    kind = "job" if framework == "rq" else "task"
                    report(
                        self.finding(
                            node_location(fn.module.path, handler),
                            f"`{handler_label(handler)}` in {kind} `{fn.display}` {what}: the {kind} is recorded "
                            f"as SUCCESS, so failures never reach retries, failure signals or monitoring",
                            hint="Re-raise after logging, `raise self.retry(exc=exc)` for transient errors, or "
                            "`raise Reject(exc, requeue=False)`; catch only the exceptions you can really handle.",
                            evidence=[Evidence(f"{kind} `{fn.display}`", fn.location)],
                        )
                    )
                    break
