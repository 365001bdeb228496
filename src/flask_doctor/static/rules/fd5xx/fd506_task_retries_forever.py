"""FD506 task-retries-forever: Task retries without limit (max_retries=None, a bare retry loop) or twice per failure."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.errors import (
    body_nodes,
    exception_kind,
    handler_label,
)
from flask_doctor.static.facts.jobs.retries import (
    endless_retry_loops,
    is_polling,
    retries_bounded,
    retry_calls,
    task_attr,
)
from flask_doctor.static.facts.jobs.tasks import celery_tasks, decorator_location
from flask_doctor.static.model import (
    FunctionInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class TaskRetriesForever(Rule):
    """
    ## What it does
    Finds Celery tasks that retry without a limit — `max_retries=None` on
    the task (`@shared_task(max_retries=None, autoretry_for=...)`, a
    `base=` class or a class-based task's own class with `max_retries =
    None`, the app's default task class `Celery(task_cls=...)`, or
    `task_annotations = {"*": {"max_retries": None}}`, which Celery sets on
    every task) — and `self.retry()` calls
    inside a `try` whose `except Exception:`/bare `except:` catches the
    `Retry` exception and retries again.

    ## Why is this bad?
    `Task.max_retries` "if set to None, it will never stop retrying": a
    permanent error (a deleted record, a revoked API key, a bug) keeps the
    task cycling through the queue for ever, burning workers and hiding in
    the `RETRY` state instead of failing. Separately, `self.retry()` first
    sends the retry message and then raises `Retry` — a subclass of
    `Exception`. Inside a `try` with a broad `except` that calls
    `self.retry()` again, each failed attempt schedules *two* retries, and
    the copies multiply with every round.

    Also reported: a retry written by hand without a bound — a loop that
    calls the network and, when the answer is bad, only sleeps and goes
    round again (`if not resp.ok: time.sleep(10); continue`, changing
    nothing and counting nothing). An error that does not go away (a 404
    for a bad range, a revoked key) keeps the task looping for ever and
    holds its worker. Not reported when the branch counts the tries,
    changes what the next round asks for, raises or returns, or when the
    test also reads a counter or a deadline.

    A task that retries only on its own exception classes
    (`autoretry_for=(JobNotFinished,)`) is a deliberate wait-until-done
    poll and is not reported.

    A task whose every `self.retry(...)` passes its own bound
    (`max_retries=MAX_TRIES - 1`) stops there whatever the decorator says,
    and is not reported.

    Note that `self.retry(max_retries=None)` on its own is not unlimited:
    there `None` means "use the task's default" (3), as the
    `Task.retry` documentation says; it is not reported, nor is
    `retry_kwargs={"max_retries": None}` for `autoretry_for`. Neither is a
    bounded `max_retries`, nor `self.retry()` in the `except` clause of a
    `try` (the idiom from the Celery docs).

    ## Example
    ```python
    @shared_task(autoretry_for=(Exception,), max_retries=None)
    def sync_account(account_id):
        push(account_id)
    ```

    ## Use instead
    ```python
    @shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
    def sync_account(account_id):
        push(account_id)
    ```

    ## Fix safety
    No automatic fix: choose a limit and what happens after it.

    ## References
    - Celery API, `Task.max_retries` ("If set to None, it will never stop retrying") and `Task.retry`
      (`max_retries`: "A value of None, means 'use the default'")
    - Celery docs, Tasks: "Retrying"
    """

    code = "FD506"
    name = "task-retries-forever"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task retries without limit (max_retries=None, a bare retry loop) or twice per failure."

    VALID = (
        Valid("""
            from celery import shared_task

            @shared_task(bind=True, max_retries=5)
            def sync(self, account_id):
                try:
                    push(account_id)
                except ConnectionError as exc:
                    raise self.retry(exc=exc, countdown=30)

            @shared_task(bind=True)
            def poll(self, job_id):
                if not ready(job_id):
                    raise self.retry(countdown=10, max_retries=None)

            class JobNotFinished(Exception):
                pass

            @shared_task(bind=True, ignore_result=True, autoretry_for=(JobNotFinished,), retry_backoff=True, max_retries=None)
            def result_watcher(self, job_id):
                if not finished(job_id):
                    raise JobNotFinished(job_id)
            """),
        Valid("""
            from celery import shared_task
            from celery.exceptions import Retry

            @shared_task(bind=True, autoretry_for=(ConnectionError,), retry_kwargs={"max_retries": None})
            def push_all(self):
                try:
                    if not ready():
                        raise self.retry(countdown=5)
                    push()
                except Retry:
                    raise
                except Exception as exc:
                    raise self.retry(exc=exc)
            """),
    )
    VALID = VALID + (
        # the decorator says None, but every retry passes its own bound: ten tries, then the failure is logged
        Valid("""
            from celery import shared_task
            from celery.exceptions import MaxRetriesExceededError, Retry

            ATTEMPTS = 10

            @shared_task(bind=True, max_retries=None)
            def deliver(task, message):
                try:
                    smtp_send(message)
                except Exception as exc:
                    try:
                        task.retry(countdown=60, max_retries=ATTEMPTS - 1)
                    except MaxRetriesExceededError:
                        keep_for_later(message)
                    except Retry:
                        raise
            """),
    )
    VALID = VALID + (
        # the hand-written retry counts its tries and gives up
        Valid("""
            import time
            import requests
            from celery import shared_task

            @shared_task
            def pull_feed(url):
                tries = 0
                while True:
                    resp = requests.get(url, timeout=10)
                    if not resp.ok and tries < 5:
                        tries += 1
                        time.sleep(10)
                        continue
                    resp.raise_for_status()
                    return resp.json()
            """),
    )
    INVALID = (
        # a bad answer only sleeps and asks again for the same page: a lasting 404 loops for ever
        Invalid(
            """
            import time
            import requests
            from celery import shared_task

            @shared_task  # expect
            def pull_pages(url):
                page, pages = 0, 1
                while page < pages:
                    resp = requests.get(url, params={"page": page}, timeout=10)
                    if not resp.ok:
                        time.sleep(10)
                        continue
                    pages = resp.json()["pages"]
                    page += 1
            """,
            message="sleeps and asks again",
        ),
        Invalid(
            """
            from celery import shared_task

            @shared_task(autoretry_for=(Exception,), max_retries=None)  # expect
            def sync_account(account_id):
                push(account_id)
            """,
            message="never stop",
        ),
        Invalid(
            """
            from celery import shared_task

            @shared_task(bind=True)
            def fetch(self, url):
                try:
                    response = get(url)
                    if response.status_code == 503:
                        raise self.retry(countdown=60)  # expect
                except Exception as exc:
                    raise self.retry(exc=exc)
            """,
            message="two",
        ),
    )

    INVALID = INVALID + (
        # `task_annotations` for "*" sets the option on every task, whatever the decorator says
        Invalid(
            """
            import requests
            from celery import Celery

            celery = Celery(__name__)
            celery.conf.task_annotations = {"*": {"max_retries": None}}  # expect

            @celery.task(bind=True)
            def deliver(self, url):
                try:
                    requests.post(url, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)
            """,
            message="task_annotations",
        ),
        # the app's default task class (`task_cls=`) retries for ever, and the task retries
        Invalid(
            """
            import requests
            from celery import Celery, Task

            class PatientTask(Task):
                max_retries = None  # expect

            celery = Celery(__name__, task_cls=PatientTask)

            @celery.task(bind=True)
            def deliver(self, url):
                try:
                    requests.post(url, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)
            """,
            message="PatientTask",
        ),
    )
    VALID = VALID + (
        # autoretry's own retries pass a bound in `retry_kwargs`
        Valid("""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=None, retry_kwargs={"max_retries": 5})
            def deliver(url):
                requests.post(url, timeout=10)
            """),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        reported: set[tuple[str, int]] = set()
        for fn, framework in celery_tasks(project):
            if framework != "celery":
                continue
            retries = retry_calls(fn)
            found = task_attr(project, fn, "max_retries")
            max_retries, source = found if found is not None else (None, "")
            where = (
                "sets `max_retries=None`" if source == "the decorator" else f"gets `max_retries = None` from {source}"
            )
            # ``self.retry(..., max_retries=N)`` on every retry bounds the task whatever its decorator says
            bounded = retries_bounded(fn, retries)
            retrying = (bool(retries) and not bounded) or (
                task_attr(project, fn, "autoretry_for") is not None and not _kwargs_bound(project, fn)
            )
            if (
                isinstance(max_retries, ast.Constant)
                and max_retries.value is None
                and retrying
                and not is_polling(project, fn, retries)
                and (fn.module.path, max_retries.lineno) not in reported
            ):
                reported.add((fn.module.path, max_retries.lineno))
                how = "`self.retry()`" if retries else "`autoretry_for`"
                report(
                    self.finding(
                        node_location(fn.module.path, max_retries),
                        f"task `{fn.display}` {where} and retries with {how}: it will never stop retrying, "
                        f"so a permanent error keeps it cycling through the queue instead of failing",
                        hint="Set a bound (`max_retries=5`) with `retry_backoff=True`, and handle the final failure "
                        "(`on_failure`, a dead-letter queue or an alert).",
                        evidence=[Evidence(f"task `{fn.display}`", fn.location)],
                    )
                )
            for label, test, again in endless_retry_loops(project, fn):
                report(
                    self.finding(
                        decorator_location(fn),
                        f"task `{fn.display}` retries `{label}` by hand with no bound: when the answer is bad it "
                        f"sleeps and asks again, changing nothing, so an error that does not go away keeps it "
                        f"looping for ever and holds the worker",
                        hint="Count the tries and give up (raise, or `self.retry(max_retries=5)`), "
                        "and tell a lasting error (4xx) from a passing one.",
                        evidence=[
                            Evidence(f"`if {ast.unparse(test.test)}:`", node_location(fn.module.path, test)),
                            Evidence("`continue` with nothing changed", node_location(fn.module.path, again)),
                        ],
                    )
                )
            if not retries:
                continue
            table = fn.imports
            for node in body_nodes(fn.node.body):
                if not isinstance(node, ast.Try):
                    continue
                catcher = None
                for handler in node.handlers:
                    name = dotted(handler.type) if handler.type is not None else None
                    if name and (table.qualify(name) or name).endswith(("Retry", "TaskPredicate")):
                        break  # Retry is let through first
                    if exception_kind(handler.type, table) == "broad":
                        catcher = handler
                        break
                if catcher is None:
                    continue
                inner = [c for c in retries if any(c is n for n in body_nodes(node.body))]
                again = [c for c in retries if any(c is n for n in body_nodes(catcher.body))]
                if not inner or not again:
                    continue
                report(
                    self.finding(
                        node_location(fn.module.path, inner[0]),
                        f"`{ast.unparse(inner[0].func)}()` in task `{fn.display}` raises `Retry` (an `Exception`) "
                        f"after sending the retry, and the `{handler_label(catcher)}` below catches it and retries again: "
                        f"every failure schedules two retries",
                        hint="Put `except Retry: raise` (from celery.exceptions) before the broad clause, "
                        "or move the first retry out of the `try`.",
                        evidence=[
                            Evidence(
                                f"`{handler_label(catcher)}` retries again", node_location(fn.module.path, again[0])
                            ),
                        ],
                    )
                )


def _kwargs_bound(project: Project, fn: FunctionInfo) -> bool:
    """``retry_kwargs={"max_retries": 5}``: autoretry's ``retry()`` calls pass a bound of their own."""
    found = task_attr(project, fn, "retry_kwargs")
    if found is None or not isinstance(found[0], ast.Dict):
        return False
    return any(
        isinstance(k, ast.Constant)
        and k.value == "max_retries"
        and not (isinstance(v, ast.Constant) and v.value is None)
        for k, v in zip(found[0].keys, found[0].values)
    )
