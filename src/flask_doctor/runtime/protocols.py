"""What an integration may use of a :class:`~flask_doctor.runtime.doctor.Doctor`.

``doctor.py`` loads the Celery integration and the dashboard (lazily, when a
Celery app or the dashboard is enabled); they must not reach back into it.
They depend on these protocols instead, which ``Doctor`` implements and
which are the whole of its API for hooks: :class:`JobRecorder` for anything
that runs jobs (Celery signals, an RQ worker, a custom loop),
:class:`DashboardSource` for anything that shows what the doctor knows.  A
new integration needs nothing else, and a test can drive one with a fake.
"""

from __future__ import annotations

from contextvars import Token
from typing import TYPE_CHECKING, Any, Protocol

from flask_doctor.dataclass import dataclass
from flask_doctor.runtime.guard import Guard
from flask_doctor.runtime.records import Trace

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.runtime.metrics import Metrics
    from flask_doctor.runtime.settings import Settings
    from flask_doctor.runtime.store import Store, StoredFinding


@dataclass
class RunningJob:
    """A job trace that :meth:`JobRecorder.start_job` made current; hand it back to ``end_job``.

    ``trace`` is the record to annotate while the job runs (``retries``,
    ``state``, ``exc_type``); ``token`` restores the previous current trace.
    """

    trace: Trace
    token: Token[Trace | None]


class JobRecorder(Protocol):
    """Trace background jobs: the doctor's API for the Celery integration (and RQ, threads, loops).

    ``start_job`` and ``end_job`` may raise on an internal error: call them
    inside a :class:`~flask_doctor.runtime.guard.Part` of :attr:`guard`.
    """

    @property
    def guard(self) -> Guard:
        """The doctor's guard: run hooks inside ``guard.part(name)``."""

    def current_trace(self) -> Trace | None:
        """The request or job trace of the running context, if it is being traced."""

    def start_job(self, name: str, *, method: str = "JOB") -> RunningJob | None:
        """Open a job trace and make it current; ``None`` when the doctor is switched off.

        ``method`` labels the kind of job in summaries (``TASK`` for Celery).
        The caller may annotate ``job.trace`` for the detectors (``retries``,
        ``extra["retry_policy"]``, ``extra["site"]`` of the task function).
        """

    def fail_job(self, job: RunningJob, exception: BaseException) -> None:
        """Mark the job failed by ``exception`` (its type and redacted traceback)."""

    def end_job(self, job: RunningJob, state: str) -> None:
        """Close the job (``SUCCESS``, ``FAILURE``, ``RETRY``...), queue it for the detectors, restore the context."""

    def format_traceback(self, exception: BaseException) -> str:
        """The traceback of ``exception`` as it may be stored: redacted and bounded."""

    def stop(self, flush: bool = True) -> None:
        """Stop the background thread (worker shutdown), processing what is queued when ``flush``."""


class DashboardSource(Protocol):
    """Read what the doctor knows: its API for the ``/_doctor`` blueprint."""

    @property
    def settings(self) -> Settings:
        """The doctor's settings (``token``, ``url_prefix``...)."""

    @property
    def store(self) -> Store:
        """Where findings, request summaries, memory samples and snapshots are kept."""

    @property
    def worker(self) -> str:
        """``host:pid`` of this process."""

    @property
    def metrics(self) -> Metrics | None:
        """The Prometheus metrics, when enabled."""

    def stored_findings(self) -> list[StoredFinding]:
        """Findings in the store (every worker's with a Redis store), worst first."""

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        """The most recent request summaries."""

    def snapshot(self, *, flush: bool = True, findings: bool = True, queries: int = 20) -> dict[str, Any]:
        """This worker's numbers now (docs/runtime.md, "doctor.snapshot()")."""

    def flush(self, *, memory: bool = False) -> None:
        """Process every finished trace now and write the store."""

    def dashboard_allowed(self, authorization: str) -> bool:
        """Whether a request with this ``Authorization`` header may see the dashboard."""

    def store_error(self) -> str:
        """Why the store is unavailable now; empty when it works."""

    def memory_series(self) -> dict[str, list[dict[str, Any]]]:
        """RSS samples per worker (this worker's own while the store is unavailable)."""

    def worker_snapshots(self) -> dict[str, dict[str, Any]]:
        """Every worker's latest snapshot (this worker's own while the store is unavailable)."""


__all__ = ["DashboardSource", "JobRecorder", "RunningJob"]
