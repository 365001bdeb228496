"""Celery integration: every task is a traced job.

Connected to ``task_prerun``/``task_postrun``/``task_failure``/``task_retry``
(signals, not patches).  A job trace is put in the doctor's context variable
in ``task_prerun`` so SQL, pool checkouts and pushed contexts of the task
body are attributed to it; ``task_postrun`` closes it after Celery has run
the task (so connections still checked out then are held past the job).
ERROR log records emitted during a task are counted (a task that logs an
exception and returns normally swallowed it).
"""

from __future__ import annotations

import inspect
import logging
import re
from time import perf_counter, thread_time
from typing import TYPE_CHECKING, Any

from flask_doctor.redaction import redact_text
from flask_doctor.runtime.contexts import current_app_context
from flask_doctor.runtime.records import Site, Trace

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.runtime.doctor import Doctor

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
        rec = self.collector.doctor._current.get()
        if rec is not None and rec.kind == "job":
            rec.logged_errors += 1


class CeleryCollector:
    def __init__(self, doctor: Doctor, celery_app: Any) -> None:
        self.doctor = doctor
        self.celery_app = celery_app
        self.part = doctor.guard.part("celery")
        self.running: dict[str, tuple[Trace, Any]] = {}
        self._policy: dict[str, tuple[bool, Site | None]] = {}
        self._handler = _ErrorCounter(self)

    def connect(self) -> None:
        signals.task_prerun.connect(self._prerun, weak=False)
        signals.task_postrun.connect(self._postrun, weak=False)
        signals.task_failure.connect(self._failure, weak=False)
        signals.task_retry.connect(self._retry, weak=False)
        signals.worker_process_shutdown.connect(self._shutdown, weak=False)
        signals.worker_shutdown.connect(self._shutdown, weak=False)

    def disconnect(self) -> None:
        signals.task_prerun.disconnect(self._prerun)
        signals.task_postrun.disconnect(self._postrun)
        signals.task_failure.disconnect(self._failure)
        signals.task_retry.disconnect(self._retry)
        signals.worker_process_shutdown.disconnect(self._shutdown)
        signals.worker_shutdown.disconnect(self._shutdown)

    def _mine(self, task: Any) -> bool:
        return task is not None and (self.celery_app is None or getattr(task, "app", None) is self.celery_app)

    def _retry_policy(self, task: Any) -> tuple[bool, Site | None]:
        name = getattr(task, "name", "")
        known = self._policy.get(name)
        if known is not None:
            return known
        policy = bool(getattr(task, "autoretry_for", ()) or ())
        site = None
        func = getattr(task, "run", None)
        try:
            func = inspect.unwrap(func)
            code = func.__code__
            from flask_doctor.runtime.doctor import def_line
            from flask_doctor.runtime.sites import relpath

            site = Site(relpath(code.co_filename), def_line(code), code.co_name)
            if not policy:
                policy = bool(_RETRY_CALL.search(inspect.getsource(func)))
        except (AttributeError, OSError, TypeError, ValueError):
            pass
        if len(self._policy) < 5000:
            self._policy[name] = (policy, site)
        return policy, site

    def _prerun(self, sender: Any = None, task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        d = self.doctor
        if self.part.disabled or d._off or not self._mine(task):
            return
        with self.part:
            root = logging.getLogger()
            if self._handler not in root.handlers:
                root.addHandler(self._handler)
            if not d._ready:
                d._ready = True
                d.start()
            d._job_started()
            rec = Trace("job", getattr(task, "name", "?"), perf_counter(), thread_time())
            policy, site = self._retry_policy(task)
            rec.extra = {"retry_policy": policy, "site": site, "app_ctx": current_app_context()}
            request = getattr(task, "request", None)
            rec.retries = int(getattr(request, "retries", 0) or 0)
            rec.method = "TASK"
            rec.path = rec.name
            token = d._current.set(rec)
            if len(self.running) < MAX_RUNNING:
                self.running[task_id] = (rec, token)

    def _failure(self, sender: Any = None, task_id: str = "", exception: BaseException | None = None,
                 einfo: Any = None, **kwargs: Any) -> None:
        entry = self.running.get(task_id)
        if entry is None or self.part.disabled:
            return
        with self.part:
            rec = entry[0]
            rec.state = "FAILURE"
            if exception is not None:
                cls = type(exception)
                rec.exc_type = f"{cls.__module__}.{cls.__qualname__}".replace("builtins.", "")
                rec.traceback = self.doctor.format_traceback(exception)

    def _retry(self, sender: Any = None, request: Any = None, reason: Any = None, **kwargs: Any) -> None:
        task_id = getattr(request, "id", None)
        entry = self.running.get(task_id) if task_id else None
        if entry is None or self.part.disabled:
            return
        with self.part:
            rec = entry[0]
            rec.state = "RETRY"
            if isinstance(reason, BaseException):
                cls = type(reason)
                rec.exc_type = f"{cls.__module__}.{cls.__qualname__}".replace("builtins.", "")
            elif reason is not None:
                rec.exc_type = redact_text(str(reason))[:200]

    def _postrun(self, sender: Any = None, task_id: str = "", task: Any = None, state: str = "",
                 **kwargs: Any) -> None:
        entry = self.running.pop(task_id, None)
        if entry is None:
            return
        rec, token = entry
        d = self.doctor
        with self.part:
            d.finish_job(rec, "RETRY" if rec.state == "RETRY" else (state or rec.state))
        try:
            d._current.reset(token)
        except (ValueError, RuntimeError):  # a different context (exotic pools)
            d._current.set(None)

    def _shutdown(self, *args: Any, **kwargs: Any) -> None:
        with self.part:
            self.doctor.stop(flush=True)
