"""FD507 task-swallows-exceptions: Task catches Exception and returns normally: the failure is recorded as SUCCESS."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.errors import (
    exception_kind,
    handler_label,
    is_log_call,
)
from flask_doctor.static.facts.jobs.outcomes import (
    autoretried_catch,
    delegate,
    dropped_errors,
    forgotten_retries,
    loguru_catch,
    swallows,
    work_tries,
)
from flask_doctor.static.facts.jobs.retries import is_periodic
from flask_doctor.static.facts.jobs.tasks import celery_tasks, task_io
from flask_doctor.static.model import (
    FunctionInfo,
    Project,
)
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


class TaskSwallowsExceptions(Rule):
    """
    ## What it does
    Finds Celery tasks (class-based ones too: `run` of a `Task` subclass)
    and RQ jobs whose work runs inside a `try` with
    `except Exception:` (or a bare `except:`) that only passes or logs and
    then lets the task return normally.

    ## Why is this bad?
    A task that returns is recorded as `SUCCESS`. The failure never reaches
    Celery: no `task_failure` signal, no failed state in Flower or the
    result backend, no retry, no alert from monitoring that counts
    failures — at best a log line nobody searches for. Work silently stops
    happening. Re-raise after logging, `raise self.retry(exc=exc)` for
    transient errors, or `raise Reject(exc, requeue=False)` to dead-letter
    the message. Rolling the database session back in the handler
    (`db.session.rollback()`) only undoes the failed work, and a state set
    by hand (`self.update_state(state="FAILURE", ...)`) is replaced by
    `SUCCESS` as soon as the task returns: neither keeps the failure
    visible, so such a handler is reported like one that only logs (raise
    `Ignore()` after `update_state` to keep the hand-set state); a handler
    that only rolls back, in a task beat runs on a schedule, is a note: the
    next run repeats the work, though this failure leaves no trace. Not
    reported: handlers that re-raise, retry or do real
    recovery work, narrow `except SomeError:` clauses, and log-and-continue
    inside a loop over items (one bad item must not stop the batch). A
    narrow clause is reported when it catches a class the task's own
    `autoretry_for` lists (`autoretry_for=(OperationalError,)` and
    `except OperationalError: db.session.rollback()` in the body): Celery
    retries only what escapes the task, so the declared retry never fires. A task
    whose body is one call of a project helper (`_sync(account_id)`) is
    judged by that helper's `try`: its outcome is the task's.

    Also reported, wherever it is: a broad handler whose only work is to
    add the error to a local list that nothing reads afterwards
    (`errors.append(str(exc)); continue`, with `errors` never returned,
    logged or stored). It looks like bookkeeping, but the failure leaves no
    trace at all. A list the task returns, logs or raises on is real
    bookkeeping and is not reported.

    Also reported: a task function wrapped in loguru's `@logger.catch`
    (under the task decorator, bare or without `reraise=True`). The wrapper
    logs whatever the task raises and returns None, so the task ends as
    `SUCCESS` however it failed — with `max_retries` or `autoretry_for` on
    the task, no retry ever happens. A warning when the task does network or
    database I/O, a note when it does other work, nothing when it only logs;
    `@logger.catch(reraise=True)`, one with an `onerror` callback, and one
    that catches only the types it is given are not reported.

    Also reported, for any exception and anywhere in the task: a handler
    that tests the retry budget (`if self.request.retries <
    self.max_retries:`) but neither calls `self.retry(...)` nor raises. The
    test shows the error was meant to be retried; without the call it is
    only logged and the task ends as `SUCCESS` on the first failure.

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
        # the narrow handler catches an error the task does not ask to retry on, or hands the retried one back
        Valid("""
            from celery import shared_task
            from sqlalchemy.exc import IntegrityError, OperationalError
            from ledger.models import db, Entry

            @shared_task(autoretry_for=(OperationalError,), max_retries=3)
            def record_entry(payload):
                try:
                    db.session.add(Entry(**payload))
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()  # already recorded: nothing to retry

            @shared_task(autoretry_for=(OperationalError,), max_retries=3)
            def settle(entry_id):
                try:
                    Entry.query.get(entry_id).settle()
                    db.session.commit()
                except OperationalError:
                    db.session.rollback()
                    raise
            """),
        # loguru's catch that re-raises keeps the failure visible to Celery; a task that only logs has nothing
        # to lose.
        Valid("""
            import requests
            from celery import shared_task
            from loguru import logger

            @shared_task(autoretry_for=(requests.ConnectionError,), max_retries=4)
            @logger.catch(reraise=True)
            def ping_partner(url):
                requests.post(url, json={"ping": 1}, timeout=5).raise_for_status()

            @shared_task
            @logger.catch
            def tick():
                logger.info("beat")
            """),
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
        # the failures of a bulk action are collected and handed back, so the caller sees them
        Valid("""
            from celery import Celery
            celery = Celery(__name__)

            @celery.task
            def bulk_acknowledge(ticket_ids, note):
                done, failures = [], []
                for ticket_id in ticket_ids:
                    try:
                        acknowledge(ticket_id, note)
                    except Exception as exc:
                        failures.append(f"{ticket_id}: {exc}")
                        continue
                    done.append(ticket_id)
                return {"done": done, "failed": failures}
            """),
        # the handler weighs the retry budget and retries while it lasts, then gives up loudly
        Valid("""
            import logging
            import requests
            from celery import Celery
            celery = Celery(__name__)
            logger = logging.getLogger(__name__)

            @celery.task(bind=True, max_retries=5)
            def stop_on_agent(self, url):
                try:
                    requests.delete(url, timeout=10)
                except requests.ConnectionError as exc:
                    if self.request.retries < self.max_retries:
                        logger.warning("agent unreachable, retrying: %s", exc)
                        self.retry(exc=exc)
                    else:
                        logger.error("giving up on %s", url)
                        raise
            """),
        # the hand-set state is kept: `Ignore` stops Celery from recording the return over it
        Valid("""
            from celery import Celery, states
            from celery.exceptions import Ignore
            celery = Celery(__name__)

            @celery.task(bind=True)
            def transcode(self, clip_id):
                try:
                    send_to_encoder(clip_id)
                except Exception as exc:
                    self.update_state(state=states.FAILURE, meta={"reason": str(exc)})
                    raise Ignore()
            """),
    )
    INVALID = (
        # loguru's bare catch under the task decorator: the webhook's failure is logged and the task succeeds.
        Invalid(
            """
            import requests
            from celery import shared_task
            from loguru import logger

            @shared_task(bind=True, max_retries=4)
            @logger.catch  # expect
            def ping_partner(self, url):
                requests.post(url, json={"ping": 1}, timeout=5).raise_for_status()
            """,
            message="`@logger.catch` on task `ping_partner` logs every exception and returns None",
        ),
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
        # a bulk action collects each item's error in a list that is never read: failed items vanish
        Invalid(
            """
            from celery import Celery
            celery = Celery(__name__)

            @celery.task
            def bulk_acknowledge(ticket_ids, note):
                acknowledged = []
                problems = []
                for ticket_id in ticket_ids:
                    ticket = load_ticket(ticket_id)
                    try:
                        ticket = ticket.acknowledge(note)
                    except PermissionError as exc:
                        problems.append(str(exc))
                        continue
                    except Exception as exc:  # expect
                        problems.append(str(exc))
                        continue
                    acknowledged.append(ticket.id)
            """,
            message="puts the error in `problems`, which nothing reads",
        ),
        # the handler tests the retry budget, then only logs: the retry it meant to make never happens
        Invalid(
            """
            import logging
            import requests
            from celery import Celery
            celery = Celery(__name__)
            logger = logging.getLogger(__name__)

            @celery.task(bind=True, max_retries=5)
            def delete_on_agent(self, url, agent):
                if agent is not None:
                    try:
                        requests.delete(url, timeout=10)
                    except (requests.ConnectionError, requests.Timeout) as exc:  # expect
                        if self.request.retries < self.max_retries:
                            logger.warning("agent unreachable: %s", exc)
            """,
            message="tests the retry budget",
        ),
    )

    INVALID = INVALID + (
        # a class-based task's `run` swallows the failure the same way
        Invalid(
            """
            import logging
            from celery import Celery, Task

            logger = logging.getLogger(__name__)
            app = Celery("proj")

            class Reindex(Task):
                name = "search.reindex"

                def run(self, name):
                    try:
                        reindex(name)
                    except Exception:  # expect
                        logger.exception("reindex failed")

            app.register_task(Reindex())
            """,
            message="SUCCESS",
        ),
        # the task hands all its work to a helper whose handler only logs
        Invalid(
            """
            import logging
            from celery import shared_task

            logger = logging.getLogger(__name__)

            def _sync(account_id):
                try:
                    push_account(account_id)
                except Exception:  # expect
                    logger.exception("sync of %s failed", account_id)

            @shared_task
            def sync_account(account_id):
                _sync(account_id)
            """,
            message="hands all its work to",
        ),
        # rolling back the session undoes the failed work, but the task still ends as SUCCESS
        Invalid(
            """
            import logging
            from celery import shared_task
            from shop.models import db, Basket

            log = logging.getLogger(__name__)

            @shared_task
            def expire_basket(basket_id):
                try:
                    basket = db.session.get(Basket, basket_id)
                    basket.release_stock()
                    db.session.commit()
                except Exception as exc:  # expect
                    db.session.rollback()
                    log.warning("could not expire basket %s: %s", basket_id, exc)
            """,
            message="logs it and returns",
        ),
        # the handler keeps in the very error the task asks Celery to retry on
        Invalid(
            """
            from celery import shared_task
            from sqlalchemy.exc import OperationalError
            from ledger.models import db, Account

            @shared_task(autoretry_for=(OperationalError,), retry_backoff=True)
            def close_month():
                try:
                    for account in Account.query.filter_by(open=True):
                        account.balance_forward()
                    db.session.commit()
                except OperationalError:  # expect
                    db.session.rollback()
            """,
            message="can never fire",
        ),
        # a FAILURE state written by hand is overwritten by the normal return that follows
        Invalid(
            """
            from celery import Celery, states
            celery = Celery(__name__)

            @celery.task(bind=True)
            def transcode(self, clip_id):
                try:
                    send_to_encoder(clip_id)
                except Exception as exc:  # expect
                    self.update_state(state=states.FAILURE, meta={"reason": str(exc)})
            """,
            message="sets a state by hand",
        ),
        # a scheduled cleanup that only rolls back: the next run redoes it, but nothing records the failure
        Invalid(
            """
            from celery import Celery
            from shop.models import db, Hold

            celery = Celery(__name__)
            celery.conf.beat_schedule = {"purge": {"task": "purge_holds", "schedule": 600.0}}

            @celery.task(name="purge_holds")
            def purge_holds():
                try:
                    Hold.query.filter(Hold.expired.is_(True)).delete()
                    db.session.commit()
                except Exception:  # expect
                    db.session.rollback()
            """,
            message="next scheduled run",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        tasks = celery_tasks(project)
        task_names = {fn.qualname for fn, _ in tasks}
        seen: set[int] = set()  # a helper's handler, reported once for all the tasks that hand it their work
        for fn, framework in tasks:
            reported: set[int] = set()
            helper = delegate(project, fn)
            owners = [fn] + ([helper] if helper is not None and helper.qualname not in task_names else [])
            for owner in owners:
                table = owner.imports
                for stmt in work_tries(project, owner):
                    handler = next(
                        (
                            h
                            for h in stmt.handlers
                            if (exception_kind(h.type, table) == "broad" or autoretried_catch(h, table, fn))
                            and swallows(h, table)
                        ),
                        None,
                    )
                    if handler is None or id(handler) in seen:
                        continue
                    retried = autoretried_catch(handler, table, fn)
                    calls = [s.value for s in handler.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)]
                    logs = any(is_log_call(c, table) for c in calls)
                    by_hand = any(isinstance(c.func, ast.Attribute) and c.func.attr == "update_state" for c in calls)
                    what = "logs it and returns" if logs else "drops it"
                    if by_hand:
                        what = "sets a state by hand and returns (the return records SUCCESS over it)"
                    severity = self.effective_severity
                    if retried is not None:
                        # the task declares the retry itself: keeping the exception in defeats it on every run
                        what = (
                            f"{what}, though the task's own `autoretry_for` lists `{retried.rsplit('.', 1)[-1]}`: "
                            "the retry it declares can never fire"
                        )
                    elif not logs and not by_hand and calls and is_periodic(project, fn):
                        # only rolls back, in a task beat runs again: the next run redoes the work
                        severity = Severity.NOTE
                        what = "rolls back and drops it (the next scheduled run repeats the work, unseen)"
                    reported.add(id(handler))
                    seen.add(id(handler))
                    kind = "job" if framework == "rq" else "task"
                    where = f"{kind} `{fn.display}`"
                    evidence = [Evidence(f"{kind} `{fn.display}`", fn.location)]
                    if owner is not fn:
                        where = f"`{owner.display}`, which {kind} `{fn.display}` hands all its work to,"
                    report(
                        self.finding(
                            node_location(owner.module.path, handler),
                            f"`{handler_label(handler)}` in {where} {what}: the {kind} is recorded "
                            f"as SUCCESS, so failures never reach retries, failure signals or monitoring",
                            hint="Re-raise after logging, `raise self.retry(exc=exc)` for transient errors, or "
                            "`raise Reject(exc, requeue=False)`; catch only the exceptions you can really handle.",
                            evidence=evidence,
                            severity=severity,
                        )
                    )
            table = fn.imports
            self._check_loguru_catch(project, fn, framework, report)
            for handler, test in [f for f in forgotten_retries(fn) if id(f[0]) not in reported][:1]:
                kind = "job" if framework == "rq" else "task"
                report(
                    self.finding(
                        node_location(fn.module.path, handler),
                        f"`{handler_label(handler)}` in {kind} `{fn.display}` tests the retry budget "
                        f"(`{ast.unparse(test)}`) but never calls `self.retry(...)` or re-raises: the error is only "
                        f"logged and the {kind} is recorded as SUCCESS on the first failure",
                        hint="Call `raise self.retry(exc=exc)` inside the budget test and re-raise once it is spent.",
                        evidence=[
                            Evidence(f"{kind} `{fn.display}`", fn.location),
                            Evidence("the retry-budget test", node_location(fn.module.path, test)),
                        ],
                    )
                )
            dropped = dropped_errors(fn, table)
            if dropped:
                handler, container = dropped[0]
                kind = "job" if framework == "rq" else "task"
                report(
                    self.finding(
                        node_location(fn.module.path, handler),
                        f"`{handler_label(handler)}` in {kind} `{fn.display}` puts the error in `{container}`, "
                        f"which nothing reads (it is never returned, logged or stored): the failure vanishes and "
                        f"the {kind} is recorded as SUCCESS",
                        hint=f"Log each failure (`logger.exception(...)`), return `{container}` or raise once the "
                        "loop is done if it is not empty, so that monitoring sees failed items.",
                        evidence=[
                            Evidence(f"{kind} `{fn.display}`", fn.location),
                            *(
                                Evidence(f"`{handler_label(h)}` also drops the error", node_location(fn.module.path, h))
                                for h, _ in dropped[1:3]
                            ),
                        ],
                    )
                )

    def _check_loguru_catch(
        self, project: Project, fn: FunctionInfo, framework: str, report: Callable[[Finding], None]
    ) -> None:
        """A task wrapped in loguru's ``@logger.catch``: the wrapper logs whatever the task raises and returns
        None, so every failure is recorded as SUCCESS. A warning when the task does network or database I/O,
        a note when it only does other work, nothing when it only logs."""
        decorator = loguru_catch(project, fn)
        if decorator is None:
            return
        table = fn.imports
        calls = [
            node for node in ast.walk(fn.node) if isinstance(node, ast.Call) and node not in fn.node.decorator_list
        ]
        if all(is_log_call(call, table) for call in calls):
            return  # nothing in it can fail that anybody would retry
        io = task_io(project, fn)
        kind = "job" if framework == "rq" else "task"
        evidence = [Evidence(f"{kind} `{fn.display}`", fn.location)]
        if io is not None:
            label, call, owner = io
            evidence.append(Evidence(f"`{label}` can fail", node_location(owner.module.path, call)))
        report(
            self.finding(
                node_location(fn.module.path, decorator),
                f"`@{ast.unparse(decorator)}` on {kind} `{fn.display}` logs every exception and returns None: the "
                f"{kind} is recorded as SUCCESS, so failures never reach retries, failure signals or monitoring",
                hint="Pass `reraise=True` to `logger.catch` (it still logs the error), or drop it and let Celery "
                "record the failure.",
                evidence=evidence,
                severity=self.effective_severity if io is not None else min(self.effective_severity, Severity.NOTE),
            )
        )
