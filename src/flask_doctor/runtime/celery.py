"""Celery integration: every task is a traced job.

Connected to ``task_prerun``/``task_postrun``/``task_failure``/``task_retry``
(signals, not patches).  A job trace is put in the doctor's context variable
in ``task_prerun`` so SQL, pool checkouts and pushed contexts of the task
body are attributed to it; ``task_postrun`` closes it after Celery has run
the task (so connections still checked out then are held past the job).
ERROR log records emitted during a task are counted (a task that logs an
exception and returns normally swallowed it).

The collector talks to the doctor only through
:class:`~flask_doctor.runtime.protocols.JobRecorder` (``start_job``,
``fail_job``, ``end_job``...), never through ``doctor.py``.
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from flask_doctor.redaction import redact_text
from flask_doctor.runtime.protocols import JobRecorder, RunningJob
from flask_doctor.runtime.records import Site, exception_name
from flask_doctor.runtime.sites import function_site

try:
    from celery import signals
except ImportError as exc:  # pragma: no cover
    raise ImportError("flask-doctor's Celery support needs celery: pip install celery") from exc

_RETRY_CALL = re.compile(r"\.retry\s*\(")
MAX_RUNNING = 10_000


class _ErrorCounter(logging.Handler):
    def __init__(self, collector: CeleryCollector) -> None:
        super().__init__(level=logging.ERROR)
        self.collector = collector

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("celery", "flask_doctor")):
            return
        rec = self.collector.doctor.current_trace()
        if rec is not None and rec.kind == "job":
            rec.logged_errors += 1


class CeleryCollector:
    """Celery signal receivers that trace each task of ``celery_app`` as a job of ``doctor``."""

    def __init__(self, doctor: JobRecorder, celery_app: Any) -> None:
        self.doctor = doctor
        self.celery_app = celery_app
        self.part = doctor.guard.part("celery")
        self.running: dict[str, RunningJob] = {}
        self._policy: dict[str, tuple[bool, Site | None]] = {}
        self._handler = _ErrorCounter(self)

    def connect(self) -> None:
        signals.task_prerun.connect(self._prerun, weak=False)
        signals.task_postrun.connect(self._postrun, weak=False)
        signals.task_failure.connect(self._failure, weak=False)
        signals.task_retry.connect(self._retry, weak=False)
        signals.worker_process_shutdown.connect(self._shutdown, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)

    def _mine(self, task: Any) -> bool:
        return task is not None and (self.celery_app is None or getattr(task, "app", None) is self.celery_app)

    def _retry_policy(self, task: Any) -> tuple[bool, Site | None]:
        name = getattr(task, "name", "")
        known = self._policy.get(name)
        if known is not None:
            return known
        policy = bool(getattr(task, "autoretry_for", ()) or ())
        func = getattr(task, "run", None)
        site = function_site(func)
        if not policy and site is not None:
            try:
                policy = bool(_RETRY_CALL.search(inspect.getsource(inspect.unwrap(func))))
            except (OSError, TypeError, ValueError):
                pass
        if len(self._policy) < 5000:
            self._policy[name] = (policy, site)
        return policy, site

    def _prerun(self, sender: Any = None, task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        if self.part.disabled or not self._mine(task):
            return
        with self.part:
            job = self.doctor.start_job(getattr(task, "name", "?"), method="TASK")
            if job is None:
                return
            root = logging.getLogger()
            if self._handler not in root.handlers:
                root.addHandler(self._handler)
            policy, site = self._retry_policy(task)
            rec = job.trace
            rec.extra = {**(rec.extra or {}), "retry_policy": policy, "site": site}
            rec.retries = int(getattr(getattr(task, "request", None), "retries", 0) or 0)
            if len(self.running) < MAX_RUNNING:
                self.running[task_id] = job

    def _failure(
        self,
        sender: Any = None,
        task_id: str = "",
        exception: BaseException | None = None,
        einfo: Any = None,
        **kwargs: Any,
    ) -> None:
        job = self.running.get(task_id)
        if job is None or self.part.disabled:
            return
        with self.part:
            if exception is not None:
                self.doctor.fail_job(job, exception)
            else:
                job.trace.state = "FAILURE"

    def _retry(self, sender: Any = None, request: Any = None, reason: Any = None, **kwargs: Any) -> None:
        task_id = getattr(request, "id", None)
        job = self.running.get(task_id) if task_id else None
        if job is None or self.part.disabled:
            return
        with self.part:
            rec = job.trace
            rec.state = "RETRY"
            if isinstance(reason, BaseException):
                rec.exc_type = exception_name(reason)
            elif reason is not None:
                rec.exc_type = redact_text(str(reason))[:200]

    def _postrun(self, sender: Any = None, task_id: str = "", task: Any = None, state: str = "", **kwargs: Any) -> None:
        job = self.running.pop(task_id, None)
        if job is None:
            return
        rec = job.trace
        with self.part:
            self.doctor.end_job(job, "RETRY" if rec.state == "RETRY" else (state or rec.state))

    def _shutdown(self, *args: Any, **kwargs: Any) -> None:
        with self.part:
            self.doctor.stop(flush=True)
