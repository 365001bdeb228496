"""Celery configuration and the user's tasks, read from the live Celery app."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask_doctor.audit.checks._common import user_globals, where
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.redact import redact_url
from flask_doctor.audit.registry import register
from flask_doctor.audit.sources import is_user_file
from flask_doctor.findings import Evidence, Finding, Severity

EARLY_ACK = Message(
    "FD540",
    "task_acks_late = False: a message is acknowledged before its task runs, so a task running when its worker dies (OOM kill, deploy) is lost",
    "for idempotent tasks: task_acks_late = True and task_reject_on_worker_lost = True",
)
LATE_ACK_NO_REJECT = Message(
    "FD540",
    "task_acks_late = True but task_reject_on_worker_lost = {value!r}: when the worker process is killed the message is still acknowledged and the task lost",
    "task_reject_on_worker_lost = True (tasks must be idempotent)",
)
RETRY_ON_STARTUP = Message(
    "FD541",
    "broker_connection_retry_on_startup = {value!r}: {why}",
    "celery.conf.broker_connection_retry_on_startup = True",
)
RESULTS_FOREVER = Message(
    "FD542",
    "result_expires = None with result backend {backend}: every task result is kept forever",
    "result_expires = 24 * 3600 (or ignore_result=True for tasks nobody waits for)",
)
VISIBILITY = Message(
    "FD543",
    "{task} can stay unacknowledged for {longest}s ({why}) but the {transport} broker redelivers after visibility_timeout={vt}s: the task runs again on another worker",
    'broker_transport_options = {{"visibility_timeout": {suggest}}} (above the longest ETA, countdown or late-acked run)',
)
NO_TIME_LIMIT = Message(
    "FD544",
    "neither task_time_limit nor task_soft_time_limit is set and {count} tasks have no limit of their own ({tasks}): a task stuck on a network call holds its worker slot forever",
    "task_soft_time_limit = 300 and task_time_limit = 360 (or per task: @celery.task(soft_time_limit=..., time_limit=...))",
)
PREFETCH = Message(
    "FD545",
    "worker_prefetch_multiplier = {value} with long tasks (up to {longest}s): each worker reserves {value}× its concurrency in messages that wait behind a long task while other workers idle",
    "worker_prefetch_multiplier = 1 for long tasks (with task_acks_late = True)",
)
NO_RETRY = Message(
    "FD505",
    "task {task} does I/O ({calls}) with no retry policy and no error handling: the first network or database blip loses the work",
    "@celery.task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)",
)
RETRIES_FOREVER = Message(
    "FD506",
    "task {task} retries with max_retries=None: a permanent failure retries forever and never surfaces",
    "set a bound: max_retries=5 (with retry_backoff=True)",
)

_IO_MODULES = {
    "requests",
    "httpx",
    "urllib",
    "urllib3",
    "smtplib",
    "db",
    "session",
    "redis",
    "boto3",
    "s3",
    "client",
    "conn",
    "connection",
    "cursor",
    "http",
    "socket",
    "ftplib",
    "mail",
}
_IO_ATTRS = {"urlopen", "execute", "commit", "sendmail", "send_message", "send_mail", "urlretrieve"}
LONG_TASK_SECONDS = 300
REDELIVERING_TRANSPORTS = ("redis", "rediss", "sqs")


def find_celery(audit: AuditContext) -> Any:
    if audit.celery is not None:
        return audit.celery
    try:
        from celery import Celery
    except ImportError:  # pragma: no cover
        return None
    found = user_globals(audit, Celery)
    return found[0][2] if found else None


def user_tasks(celery: Any) -> list[tuple[str, Any]]:
    tasks = []
    for name in sorted(celery.tasks.keys()):
        if name.startswith("celery."):
            continue
        task = celery.tasks[name]
        func = inspect.unwrap(getattr(task, "run", task))
        try:
            path = inspect.getsourcefile(func)
        except TypeError:
            continue
        if is_user_file(path):
            tasks.append((name, task))
    return tasks


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _task_source_facts(task: Any) -> tuple[list[str], bool, bool]:
    """(I/O calls, has try/except, calls self.retry) in the task's body."""
    func = inspect.unwrap(getattr(task, "run", task))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return [], True, False
    calls: list[str] = []
    handles = retries = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            handles = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            base = node.func.value
            base_name = (
                base.id if isinstance(base, ast.Name) else (base.attr if isinstance(base, ast.Attribute) else "")
            )
            if attr == "retry":
                retries = True
            elif base_name in _IO_MODULES or attr in _IO_ATTRS:
                text = f"{base_name}.{attr}()" if base_name else f".{attr}()"
                if text not in calls:
                    calls.append(text)
    return calls, handles, retries


def celery_facts(celery: Any) -> dict[str, Any]:
    conf = celery.conf
    return {
        "main": celery.main,
        "broker": redact_url(conf.broker_url) if conf.broker_url else None,
        "result_backend": redact_url(conf.result_backend) if conf.result_backend else None,
        "task_acks_late": conf.task_acks_late,
        "task_reject_on_worker_lost": conf.task_reject_on_worker_lost,
        "broker_connection_retry_on_startup": conf.broker_connection_retry_on_startup,
        "visibility_timeout": (conf.broker_transport_options or {}).get("visibility_timeout"),
        "task_time_limit": conf.task_time_limit,
        "task_soft_time_limit": conf.task_soft_time_limit,
        "worker_prefetch_multiplier": conf.worker_prefetch_multiplier,
        "result_expires": str(conf.result_expires) if conf.result_expires is not None else None,
        "tasks": [name for name, _ in user_tasks(celery)],
    }


@register(tags=("celery",), deploy=True)
def check_celery_config(audit: AuditContext) -> Iterator[Finding]:
    celery = find_celery(audit)
    if celery is None:
        return
    conf = celery.conf
    audit.extra["celery"] = celery_facts(celery)
    if not conf.task_acks_late:
        yield EARLY_ACK(obj="celery:task_acks_late")
    elif not conf.task_reject_on_worker_lost:
        yield LATE_ACK_NO_REJECT(obj="celery:task_reject_on_worker_lost", value=conf.task_reject_on_worker_lost)
    retry = conf.broker_connection_retry_on_startup
    if retry is None:
        # unset still retries on Celery 5: weaker than an explicit False
        yield RETRY_ON_STARTUP(
            obj="celery:broker_connection_retry_on_startup",
            value=retry,
            severity=Severity.NOTE,
            why="unset, Celery 5.3+ warns and Celery 6 will no longer retry the broker connection at start-up, so a worker started before the broker exits",
        )
    elif retry is False:
        yield RETRY_ON_STARTUP(
            obj="celery:broker_connection_retry_on_startup",
            value=retry,
            why="a worker started before the broker is reachable exits instead of waiting",
        )
    if conf.result_backend and conf.result_backend not in ("disabled",) and conf.result_expires is None:
        yield RESULTS_FOREVER(obj="celery:result_expires", backend=redact_url(conf.result_backend))


@register(tags=("celery",), deploy=True)
def check_celery_tasks(audit: AuditContext) -> Iterator[Finding]:
    celery = find_celery(audit)
    if celery is None:
        return
    conf = celery.conf
    tasks = user_tasks(celery)
    global_limit = _seconds(conf.task_time_limit) or _seconds(conf.task_soft_time_limit)
    unlimited: list[str] = []
    longest_limit = global_limit or 0.0
    transport = (conf.broker_url or "").split("://", 1)[0].split("+")[-1].lower()
    vt = float((conf.broker_transport_options or {}).get("visibility_timeout", 3600))
    for name, task in tasks:
        func = inspect.unwrap(getattr(task, "run", task))
        loc = where(func)
        own_limit = _seconds(task.time_limit) or _seconds(task.soft_time_limit)
        if own_limit is None and global_limit is None:
            unlimited.append(name)
        limit = own_limit or global_limit or 0.0
        longest_limit = max(longest_limit, limit)
        autoretry = tuple(getattr(task, "autoretry_for", ()) or ())
        calls, handles, self_retry = _task_source_facts(task)
        if (autoretry or self_retry) and task.max_retries is None:
            yield RETRIES_FOREVER(
                obj=f"task:{name}",
                location=loc,
                task=name,
                evidence=[Evidence(f"autoretry_for={autoretry!r}" if autoretry else "calls self.retry()")],
            )
        if calls and not autoretry and not self_retry and not handles:
            yield NO_RETRY(obj=f"task:{name}", location=loc, task=name, calls=", ".join(calls[:4]))
        if transport in REDELIVERING_TRANSPORTS:
            delays = []
            if autoretry or self_retry:
                if getattr(task, "retry_backoff", False):
                    delays.append((float(getattr(task, "retry_backoff_max", 600) or 600), "retry_backoff_max"))
                else:
                    delays.append((float(task.default_retry_delay or 0), "default_retry_delay"))
            if getattr(task, "acks_late", conf.task_acks_late) and limit:
                delays.append((limit, "time limit with late acknowledgement"))
            if delays:
                longest, why = max(delays)
                if longest > vt:
                    yield VISIBILITY(
                        obj=f"task:{name}",
                        location=loc,
                        task=name,
                        longest=int(longest),
                        why=why,
                        transport=transport,
                        vt=int(vt),
                        suggest=int(longest * 2),
                    )
    if unlimited:
        yield NO_TIME_LIMIT(obj="celery:task_time_limit", count=len(unlimited), tasks=", ".join(unlimited[:5]))
    prefetch = conf.worker_prefetch_multiplier
    if tasks and prefetch and prefetch > 1 and longest_limit >= LONG_TASK_SECONDS:
        yield PREFETCH(obj="celery:worker_prefetch_multiplier", value=prefetch, longest=int(longest_limit))
