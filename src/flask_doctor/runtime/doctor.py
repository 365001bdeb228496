"""``Doctor(app)``: watch real requests and jobs, prove problems with evidence.

The request thread does the minimum (see docs/runtime.md, "Overhead"): a
WSGI wrapper takes two clock readings and puts a :class:`Trace` in a
context variable, SQLAlchemy listeners bump counters on it, a teardown hook
notes the endpoint, and the finished trace is appended to a bounded deque.
A background thread drains the deque, runs the detectors, samples memory
and writes the store.  Every hook runs inside its part's guard
(:mod:`flask_doctor.runtime.guard`): the application never sees our errors.
"""

from __future__ import annotations

import atexit
import contextlib
import hmac
import itertools
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar
from time import perf_counter, thread_time
from typing import TYPE_CHECKING, Any

from flask import Flask, got_request_exception, request
from flask.globals import _cv_request

from flask_doctor.findings import Finding
from flask_doctor.redaction import app_secrets, redact_text
from flask_doctor.runtime.aggregate import Aggregator
from flask_doctor.runtime.capacity import detect_capacity
from flask_doctor.runtime.contexts import current_app_context, leaked_since
from flask_doctor.runtime.detectors import DetectContext
from flask_doctor.runtime.guard import Guard
from flask_doctor.runtime.memory import ContainerScanner, Tracemalloc, rss_bytes
from flask_doctor.runtime.middleware import DoctorMiddleware, count_value, describe
from flask_doctor.runtime.protocols import RunningJob
from flask_doctor.runtime.records import UNMATCHED, Site, Trace, exception_name
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.shown import shown_finding
from flask_doctor.runtime.sites import function_site, traceback_site
from flask_doctor.runtime.stats import MemorySample
from flask_doctor.runtime.status import Collectors
from flask_doctor.runtime.store import (
    TRANSIENT_ERRORS,
    MemoryStore,
    RedisStore,
    StoredFinding,
    make_store,
    stored_sorted,
)

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

logger = logging.getLogger("flask_doctor")

SNAPSHOT_VERSION = 1
#: Seconds between looks for new engines of the app (Flask-SQLAlchemy 2.x makes one per URL change).
ENGINE_RECHECK_S = 10.0
#: Seconds between two scans of module-level containers at least (they also wait for CONTAINER_EVERY traces).
CONTAINER_MIN_INTERVAL_S = 5.0
#: Seconds of traffic over which the share of requests recorded in detail is adapted.
DETAIL_ADAPT_S = 2.0
_DOCTORS: weakref.WeakSet[Doctor] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for doctor in list(_DOCTORS):
        doctor._reset_process_state()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _signals_available() -> bool:
    """Flask < 2.3 sends signals only when blinker is installed (it is optional there)."""
    import flask.signals

    return bool(getattr(flask.signals, "signals_available", True))


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    try:
        return bool(monkey and monkey.is_module_patched("threading"))
    except Exception:  # pragma: no cover
        return False


class Doctor:
    """The runtime doctor of one Flask application.

    ``Doctor(app)``, or ``doctor = Doctor(); doctor.init_app(app)`` in a
    factory.  Keyword arguments override ``FLASK_DOCTOR_*`` settings
    (``Doctor(app, n_plus_one=3, store="redis://...")``).

    Its public API is all that integrations use (``runtime/protocols.py``):
    jobs through :class:`~flask_doctor.runtime.protocols.JobRecorder`
    (``job``, ``start_job``, ``fail_job``, ``end_job``, ``current_trace``,
    ``format_traceback``, ``stop``), reading through
    :class:`~flask_doctor.runtime.protocols.DashboardSource` (``settings``,
    ``store``, ``worker``, ``metrics``, ``stored_findings``, ``requests``,
    ``snapshot``, ``flush``), plus ``findings`` and ``sample_memory``.
    Underscored names are the request path's and may change.
    """

    def __init__(self, app: Flask | None = None, *, celery: Any = None, **settings: Any) -> None:
        self._overrides = settings
        self.settings = Settings.load({}, **settings)
        self.guard = Guard()
        self.collectors = Collectors(self.guard)
        self.app: Flask | None = None
        self.store: MemoryStore | RedisStore = MemoryStore()
        self._local: MemoryStore | None = None
        self._current: ContextVar[Trace | None] = ContextVar(f"flask_doctor_trace_{id(self)}", default=None)
        self._off = True
        self._rate = 1.0
        self._ready = False
        self._cpu_ok = True
        self._capacity = 0
        self._secrets: tuple[str, ...] = ()
        self._view_sites: dict[str, Site | None] = {}
        self._tb_seen: set[str] = set()
        self._celery: Any = None
        self.sql: Any = None
        self.contexts: Any = None
        self.metrics: Any = None
        self.tracemalloc: Tracemalloc | None = None
        self.scanner: ContainerScanner | None = None
        self._tick_lock = threading.RLock()
        #: The dashboard's URL prefix while it is mounted (see DoctorMiddleware and ``_hidden``).
        self._hide: str | None = None
        self._signals = True
        #: Detail sampling (see DoctorMiddleware): one request in ``_detail_every`` (adapted to the
        #: traffic by ``_adapt_detail``), and the endpoints short of detail.
        self._wanted: frozenset[str] = frozenset()
        self._reset_process_state()
        self._p_requests = self.guard.part("requests")
        self._p_errors = self.guard.part("exceptions")
        self._p_agg = self.guard.part("aggregate")
        self._p_memory = self.guard.part("memory")
        self._p_store = self.guard.part("store")
        self._p_metrics = self.guard.part("metrics")
        _DOCTORS.add(self)
        if app is not None:
            self.init_app(app)
        if celery is not None:
            self.init_celery(celery)

    @property
    def _in_flight(self) -> int:
        """Requests being handled now (two lock-free counters; read rarely)."""
        return max(0, count_value(self._started) - count_value(self._finished))

    @property
    def _jobs_running(self) -> int:
        """Jobs between ``start_job`` and ``end_job`` now."""
        return max(0, count_value(self._jobs_started) - count_value(self._jobs_ended))

    # ------------------------------------------------------------------ setup
    def _reset_process_state(self) -> None:
        """Per process: a forked gunicorn/Celery worker starts clean and starts its own thread."""
        self._lock = threading.Lock()
        self._queue: deque[Trace] = deque(maxlen=max(100, self.settings.queue_size))
        self._started = itertools.count()
        self._finished = itertools.count()
        self._jobs_started = itertools.count()
        self._jobs_ended = itertools.count()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid = os.getpid()
        self.worker = f"{socket.gethostname()}:{self._pid}"
        self._last_memory = 0.0
        self._last_containers = 0
        self._last_container_scan = 0.0
        self._dropped = 0
        self._store_error_logged = 0.0
        self._pool_suspicion = 0
        self._pending_memory: list[dict[str, Any]] = []
        self._engines_checked = 0.0
        self._detail_every = 1
        self._detail_seq = itertools.count()
        self._detail_t0 = time.monotonic()
        self._detail_n0 = 0
        self._ready = False
        self.agg = Aggregator(self.settings, self._detect_context())
        self.agg.on_leak = self._on_leak

    def init_app(self, app: Flask) -> None:
        settings = Settings.load(app.config, **self._overrides)
        self.settings = settings
        app.extensions["flask_doctor"] = self
        if not settings.enabled:
            self._off = True
            logger.info("flask-doctor is disabled (FLASK_DOCTOR_ENABLED=0)")
            return
        if self.app is not None and self.app is not app:
            raise RuntimeError("one Doctor watches one application: create a Doctor per app")
        self.app = app
        self._rate = settings.sample_rate
        self._secrets = app_secrets(app.config)
        self.store = make_store(
            settings.store,
            prefix=settings.store_prefix,
            ttl=settings.store_ttl,
            max_findings=settings.max_findings,
            max_requests=settings.max_requests,
            timeout=settings.store_timeout,
        )
        # With a shared store, this worker also keeps its own recent findings and requests, so
        # that the dashboard still shows something true while the store is unavailable.
        self._local = (
            MemoryStore(max_findings=min(100, settings.max_findings), max_requests=200)
            if isinstance(self.store, RedisStore)
            else None
        )
        self._capacity = settings.capacity or detect_capacity()
        self._reset_process_state()
        app.wsgi_app = DoctorMiddleware(app.wsgi_app, self)  # type: ignore[method-assign]
        signals = self._signals = _signals_available()
        if app.config.get("PROPAGATE_EXCEPTIONS") or app.testing or app.debug or not signals:
            app.teardown_request(self._teardown_request)
        if signals:
            got_request_exception.connect(self._on_exception, app, weak=False)
            self.collectors.on("exceptions")
        else:
            self.collectors.on(
                "exceptions",
                "from teardown_request (blinker is not installed: Flask < 2.3 sends no signals without it)",
            )
        self._init_sql(app)
        with self.guard.part("contexts"):
            from flask_doctor.runtime.contexts import ContextTracker

            self.contexts = ContextTracker(self._current, self.guard.part("contexts"))
            if not signals:
                self.contexts.available = False
                self.collectors.on(
                    "contexts",
                    "contexts leaked by jobs only, without call sites (blinker is "
                    "not installed: Flask < 2.3 sends no signals without it)",
                )
            elif settings.context_signals:
                self.contexts.connect(app)
        if settings.track_connections and self.sql is not None:
            self.sql.enable_pool_tracking()
        if settings.metrics:
            with self._p_metrics:
                from flask_doctor.runtime.metrics import Metrics

                self.metrics = Metrics(max_endpoints=settings.max_endpoints)
        if settings.tracemalloc:
            self.tracemalloc = Tracemalloc(top=settings.tracemalloc_top)
            self.tracemalloc.start()
        if settings.containers:
            roots = [app.root_path] + [r for r in settings.extra.get("roots", [])]
            self.scanner = ContainerScanner(roots)
        if settings.dashboard and (settings.token or app.debug):
            from flask_doctor.runtime.dashboard import make_blueprint

            app.register_blueprint(make_blueprint(self), url_prefix=settings.url_prefix)
            self._hide = settings.url_prefix.rstrip("/") or None
        celery_app = app.extensions.get("celery")
        if celery_app is not None and self._celery is None:
            self.init_celery(celery_app)
        self._off = False
        atexit.register(_flush_at_exit, weakref.ref(self))

    def _init_sql(self, app: Flask) -> None:
        if self.sql is not None:  # engines given to watch_engine() before init_app stay watched
            s = self.settings
            self.sql.configure(
                slow_query_ms=s.slow_query_ms, unbounded_rows=s.unbounded_rows, capture_params=s.capture_params
            )
        else:
            try:
                self._make_sql_collector()
            except ImportError:
                self.collectors.off("sql", "SQLAlchemy is not installed")
                return
        self._watch_app_engines(app)

    def _watch_app_engines(self, app: Flask) -> None:
        """Hook the app's Flask-SQLAlchemy engines (idempotent); say plainly when that is impossible."""
        from flask_doctor.runtime.sql import CannotHook

        sql = self.sql
        if sql is None or sql.part.disabled:
            return
        with sql.part:
            try:
                sql.watch_app(app)
            except CannotHook as exc:
                if not sql.engines:
                    self.collectors.off("sql", str(exc))
                    return
                logger.warning("flask-doctor: SQL collector: %s", exc)
            if sql.engines:
                self.collectors.on("sql", f"{len(sql.engines)} engine(s) watched")
            elif self._ready:
                self.collectors.off(
                    "sql",
                    "no SQLAlchemy engine found: Flask-SQLAlchemy is not initialised on "
                    "this app; call doctor.watch_engine(engine) for a plain create_engine() engine",
                    level=logging.INFO,
                )

    def watch_engine(self, engine: Engine) -> None:
        """Also watch a plain ``create_engine`` engine (jobs, scripts, other libraries)."""
        if self.sql is None:
            self._make_sql_collector()
        with self.sql.part:
            self.sql.watch(engine)
            self.collectors.on("sql", f"{len(self.sql.engines)} engine(s) watched")

    def _make_sql_collector(self) -> None:
        from flask_doctor.runtime.sql import SqlCollector

        s = self.settings
        self.sql = SqlCollector(
            self._current,
            self.guard.part("sql"),
            slow_query_ms=s.slow_query_ms,
            unbounded_rows=s.unbounded_rows,
            capture_params=s.capture_params,
            style=s.sql_events,
        )

    def init_celery(self, celery_app: Any) -> None:
        """Watch the tasks of a Celery app (prerun/postrun/failure/retry signals)."""
        with self.guard.part("celery"):
            from flask_doctor.runtime.celery import CeleryCollector

            self._celery = CeleryCollector(self, celery_app)
            self._celery.connect()
            if self._off and self.app is None and self.settings.enabled:
                # A worker without a Flask app: still trace jobs.
                self._off = False

    def _first_request(self, environ: dict[str, Any]) -> None:
        """Late setup, once per process: engines created after init_app, the sampler thread."""
        self._ready = True
        self._cpu_ok = not _gevent_patched()
        if self.app is not None and self.sql is not None:
            self._watch_app_engines(self.app)
        if not self._capacity and str(environ.get("SERVER_SOFTWARE", "")).startswith("gunicorn"):
            if not environ.get("wsgi.multithread") and self._cpu_ok:
                self._capacity = 1
        self.agg.ctx.capacity = self._capacity
        self.start()

    def _detect_context(self) -> DetectContext:
        app = getattr(self, "app", None)
        return DetectContext(
            settings=self.settings,
            session_cookie=str(app.config.get("SESSION_COOKIE_NAME", "session")) if app else "session",
            view_site=self._view_site,
            error_handler_site=self._error_handler_site,
            capacity=getattr(self, "_capacity", 0),
            worker=self.worker,
        )

    # ------------------------------------------------------------------ the dashboard's door
    def dashboard_allowed(self, authorization: str) -> bool:
        """Whether a request with this ``Authorization`` header may see the dashboard, API and metrics.

        With a token: ``Bearer <token>`` (constant-time comparison). Without
        one: only while the app is in debug mode.
        """
        token = self.settings.token
        if token:
            scheme, _, given = authorization.partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
        return bool(self.app is not None and self.app.debug)

    # ------------------------------------------------------------------ jobs (the JobRecorder API)
    @contextlib.contextmanager
    def job(self, name: str) -> Iterator[Trace | None]:
        """Trace a background job that is not a Celery task (RQ, a thread, a CLI loop).

        ``with doctor.job("sync-users"): ...`` records its SQL, pool checkouts
        and pushed contexts like a Celery task, and reports FD209/FD105/FD202
        for it.  An exception in the body marks the job failed and propagates.
        """
        part = self.guard.part("jobs")
        job: RunningJob | None = None
        if not part.disabled:
            with part:
                job = self.start_job(name)
        try:
            yield job.trace if job is not None else None
        except BaseException as exc:
            if job is not None:
                with part:
                    self.fail_job(job, exc)
            raise
        finally:
            if job is not None:
                with part:
                    self.end_job(job, job.trace.state or "SUCCESS")

    def current_trace(self) -> Trace | None:
        """The request or job trace of the running context, if it is being traced."""
        return self._current.get()

    def start_job(self, name: str, *, method: str = "JOB") -> RunningJob | None:
        """Open a job trace and make it current (see :class:`~flask_doctor.runtime.protocols.JobRecorder`)."""
        if self._off:
            return None
        self.start()  # a worker without requests: the background thread starts with its first job
        if self.sql is not None and not self.sql.track_pool:
            # Jobs are few and long: attribute pooled connections to them from the first one.
            self.sql.enable_pool_tracking()
        rec = Trace("job", name, perf_counter(), thread_time() if self._cpu_ok else 0.0)
        rec.detail = True  # jobs are few and long: every one is recorded in detail
        rec.method = method
        rec.path = name
        rec.extra = {"app_ctx": current_app_context()}
        job = RunningJob(rec, self._current.set(rec))
        next(self._jobs_started)
        return job

    def fail_job(self, job: RunningJob, exception: BaseException) -> None:
        """Mark the job failed by ``exception``: its type and its redacted traceback."""
        rec = job.trace
        rec.state = "FAILURE"
        rec.exc_type = exception_name(exception)
        rec.traceback = self.format_traceback(exception)

    def end_job(self, job: RunningJob, state: str) -> None:
        """Close the job, queue it for the detectors and make the previous trace current again."""
        try:
            self._close_job(job.trace, state)
        finally:
            try:
                self._current.reset(job.token)
            except (ValueError, RuntimeError):  # ended in another context (exotic Celery pools)
                self._current.set(None)
            next(self._jobs_ended)

    def _close_job(self, rec: Trace, state: str) -> None:
        rec.wall = perf_counter() - rec.start
        rec.cpu = thread_time() - rec.cpu0 if self._cpu_ok else None
        rec.release_frames()
        rec.state = state
        rec.held = rec.conns
        rec.ts = time.time()
        extra = rec.extra or {}
        if "app_ctx" in extra:
            leaked = leaked_since(extra.pop("app_ctx"))
            if leaked > rec.ctx_pushed - rec.ctx_popped:
                rec.ctx_pushed = rec.ctx_popped + leaked
        self._queue.append(rec)

    # ------------------------------------------------------------------ request hooks
    def _teardown_request(self, exc: BaseException | None) -> None:
        # Only for requests whose exception propagates (PROPAGATE_EXCEPTIONS, testing):
        # they never reach start_response, where the endpoint is normally noted.
        # Without signals (Flask < 2.3 without blinker) it also receives the exceptions.
        if exc is None:
            return
        rec = self._current.get()
        if rec is None:
            return
        if not self._signals and not rec.exc_type:
            self._on_exception(None, exc)
        if rec.method or self._p_requests.disabled:
            return
        with self._p_requests:
            describe(rec, _cv_request.get().request)  # the real object: no LocalProxy lookups

    def _on_exception(self, sender: Any, exception: BaseException, **kwargs: Any) -> None:
        rec = self._current.get()
        if rec is None or self._p_errors.disabled:
            return
        with self._p_errors:
            cls = type(exception)
            rec.exc_type = f"{cls.__module__}.{cls.__qualname__}"
            key = request.endpoint or UNMATCHED
            if key not in self._tb_seen and len(self._tb_seen) < 1000:
                self._tb_seen.add(key)
                rec.traceback = self.format_traceback(exception)
                rec.extra = {"error_site": traceback_site(exception)}
            if rec.exc_type == "sqlalchemy.exc.TimeoutError" and self.sql is not None:
                rec.extra = dict(rec.extra or {}, pool=json.dumps(self.sql.pools()))

    def format_traceback(self, exception: BaseException) -> str:
        text = "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
        return redact_text(text, self._secrets)[-4000:]

    def _on_leak(self, code: str) -> None:
        """Escalate after a first leak: record call sites from now on (adaptive, like Sentry)."""
        if code in ("FD106", "FD209") and self.sql is not None:
            self.sql.enable_pool_tracking(capture_sites=True)
        elif code == "FD105" and self.contexts is not None and self.app is not None:
            self.contexts.connect(self.app)

    # ------------------------------------------------------------------ resolvers
    def _view_site(self, endpoint: str) -> Site | None:
        if endpoint in self._view_sites:
            return self._view_sites[endpoint]
        site = None
        if self.app is not None:
            func = self.app.view_functions.get(endpoint)
            site = function_site(func) if func is not None else None
        if len(self._view_sites) < 2000:
            self._view_sites[endpoint] = site
        return site

    def _error_handler_site(self, code: int) -> Site | None:
        """The app-level handler Flask picks for a routing error ``code`` (by code, then by class).

        Flask's own lookup needs a request context on Flask < 2.3; this is the
        same order over ``app.error_handler_spec`` (routing failed, so no
        blueprint handler applies).
        """
        if self.app is None:
            return None
        try:
            from werkzeug.exceptions import default_exceptions

            exc_class = default_exceptions[code]
            spec = self.app.error_handler_spec.get(None, {})
            for key in (code, None):
                handlers = spec.get(key) or {}
                for cls in exc_class.__mro__:
                    handler = handlers.get(cls)
                    if handler is not None:
                        return function_site(handler)
        except Exception:
            return None
        return None

    # ------------------------------------------------------------------ background
    def start(self) -> None:
        """Start the aggregator/sampler thread of this process (idempotent)."""
        if not self.settings.background or (self._thread is not None and self._thread.is_alive()):
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="flask-doctor", daemon=True)
            self._thread.start()

    def stop(self, flush: bool = True) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None
        if flush:
            self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.flush_interval):
            self._tick(memory=True)

    def flush(self, *, memory: bool = False) -> None:
        """Process every finished trace now and write the store (tests, shutdown, snapshot)."""
        self._tick(memory=memory, force_memory=memory)

    def _tick(self, *, memory: bool, force_memory: bool = False) -> None:
        if self.app is None and self._celery is None:
            return
        with self._tick_lock:
            traces: list[Trace] = []
            queue = self._queue
            while True:
                try:
                    traces.append(queue.popleft())
                except IndexError:
                    break
            now = time.time()
            if not self._p_agg.disabled:
                with self._p_agg:
                    self.agg.process(traces, now)
                    wanted = self.agg.wanted(now)
                    if wanted != self._wanted:
                        self._wanted = wanted
                        if self.sql is not None:
                            self.sql.wanted = wanted
            self._adapt_detail()
            if self.app is not None and self._ready and now - self._engines_checked >= ENGINE_RECHECK_S:
                # Flask-SQLAlchemy 2.x creates a new engine when its configured URL changes.
                self._engines_checked = now
                self._watch_app_engines(self.app)
            if traces and self.metrics is not None and not self._p_metrics.disabled:
                with self._p_metrics:
                    self.metrics.observe(traces)
            if memory and not self._p_memory.disabled:
                if force_memory or now - self._last_memory >= self.settings.memory_interval:
                    with self._p_memory:
                        self._sample_memory(now)
            if self.scanner is not None and not self._p_memory.disabled:
                # Every CONTAINER_EVERY traces, but not more often than every few seconds under heavy
                # traffic (a scan walks the app's modules: ~0.5 ms), unless a memory sample is asked for.
                if self.agg.total - self._last_containers >= self.settings.container_every and (
                    force_memory or now - self._last_container_scan >= CONTAINER_MIN_INTERVAL_S
                ):
                    self._last_containers = self.agg.total
                    self._last_container_scan = now
                    with self._p_memory:
                        self.agg.add_containers(self.scanner.scan())
            self._write(now)

    def _adapt_detail(self) -> None:
        """Record statement detail for about ``DETAIL_PER_SECOND`` requests a second: one in N, N from the traffic.

        Until the first ``DETAIL_ADAPT_S`` seconds of traffic are measured,
        every request is detailed (a quiet app, a test, the first requests).
        """
        target = self.settings.detail_per_second
        if target <= 0:
            self._detail_every = 1
            return
        now = time.monotonic()
        elapsed = now - self._detail_t0
        if elapsed < DETAIL_ADAPT_S:
            return
        started = count_value(self._started)
        rate = (started - self._detail_n0) / elapsed
        self._detail_every = max(1, int(rate / target))
        self._detail_t0, self._detail_n0 = now, started

    def sample_memory(self) -> MemorySample | None:
        """Take one memory sample now (after processing finished traces)."""
        self.flush(memory=True)
        return self.agg.samples[-1] if self.agg.samples else None

    def _sample_memory(self, now: float) -> None:
        self._last_memory = now
        sample = MemorySample(
            t=now, rss=rss_bytes(), total=self.agg.total, per_endpoint=dict(self.agg.counts), in_flight=self._in_flight
        )
        top = self.tracemalloc.sample() if self.tracemalloc is not None else None
        self.agg.add_sample(sample, top)
        if self.metrics is not None and not self._p_metrics.disabled:
            with self._p_metrics:
                self.metrics.rss.set(sample.rss)
                self.metrics.in_flight.set(sample.in_flight)
        if self.contexts is not None and self.contexts.connected:
            self.agg.thread_leaks(self.contexts.leaking_threads())
        self._check_pools()
        self._pending_memory.append(sample.to_dict())

    def _check_pools(self) -> None:
        """More connections checked out than requests and jobs in flight, three samples running: a leak.

        Then (and only then) pool checkouts are attributed to requests, so the
        next leaking request is reported with its endpoint and call site.
        """
        if self.sql is None or self.sql.track_pool:
            return
        busy = self._in_flight + self._jobs_running
        checked_out = sum(int(p.get("checked_out", 0) or 0) for p in self.sql.pools().values())
        self._pool_suspicion = self._pool_suspicion + 1 if checked_out > busy else 0
        if self._pool_suspicion >= 3:
            logger.info(
                "flask-doctor: %d pooled connections checked out with %d requests in flight; "
                "tracking connections per request to find the leak",
                checked_out,
                busy,
            )
            self.sql.enable_pool_tracking(capture_sites=True)

    def _write(self, now: float) -> None:
        findings: list[tuple[Finding, int]] = []
        requests: list[dict[str, Any]] = []
        if not self._p_agg.disabled:
            with self._p_agg:
                findings, requests = self.agg.take()
        memory, self._pending_memory = self._pending_memory, []
        if self._p_store.disabled:
            return
        with self._p_store:
            try:
                self._write_store(findings, requests, memory, now)
            except TRANSIENT_ERRORS as exc:
                # The store is down for a moment (Redis restart): drop this batch, keep going.
                if now - self._store_error_logged >= 60:
                    self._store_error_logged = now
                    logger.warning(
                        "flask-doctor: store %s unavailable (%s); dropping %d findings",
                        self.store.url,
                        exc.__class__.__name__,
                        len(findings),
                    )

    def _write_store(
        self,
        findings: list[tuple[Finding, int]],
        requests: list[dict[str, Any]],
        memory: list[dict[str, Any]],
        now: float,
    ) -> None:
        local = self._local
        if local is not None:
            new_here = local.upsert(findings, self.worker, now) if findings else []
            if requests:
                local.add_requests(requests[-200:])
            try:
                self._write_shared(findings, requests, memory, now)
            except TRANSIENT_ERRORS:
                if self.settings.log_findings:  # the store cannot say what is new everywhere: say it here
                    for finding in new_here:
                        log_finding(finding)
                raise
            return
        self._write_shared(findings, requests, memory, now)

    def _write_shared(
        self,
        findings: list[tuple[Finding, int]],
        requests: list[dict[str, Any]],
        memory: list[dict[str, Any]],
        now: float,
    ) -> None:
        new = self.store.upsert(findings, self.worker, now) if findings else []
        if requests:
            self.store.add_requests(requests)
        if memory:
            self.store.add_memory(self.worker, memory)
            if isinstance(self.store, RedisStore):
                self.store.put_snapshot(self.worker, self._snapshot(findings=False))
        if findings and self.metrics is not None:
            self.metrics.count_findings(findings)
        if self.settings.log_findings:
            for finding in new:
                log_finding(finding)

    # ------------------------------------------------------------------ reading
    def findings(self) -> list[Finding]:
        """Current findings from the store (all workers with a Redis store), worst first."""
        return [s.finding for s in self.stored_findings()]

    def stored_findings(self) -> list[StoredFinding]:
        """Findings in the store; this worker's own while a shared store is unavailable (see ``store_error``)."""
        self.flush()
        try:
            return stored_sorted(self.store.findings())
        except TRANSIENT_ERRORS:
            if self._local is None:
                raise
            return stored_sorted(self._local.findings())

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        self.flush()
        try:
            return self.store.requests(limit)
        except TRANSIENT_ERRORS:
            if self._local is None:
                raise
            return self._local.requests(limit)

    def store_error(self) -> str:
        """Why the store is unavailable now, e.g. ``"TimeoutError: ..."``; empty when it works."""
        return self.store.error()

    def memory_series(self) -> dict[str, list[dict[str, Any]]]:
        """RSS samples per worker from the store (this worker's own while it is unavailable)."""
        try:
            memory = self.store.memory()
        except TRANSIENT_ERRORS:
            memory = {}
        if not memory and self.agg.samples:
            memory = {self.worker: [s.to_dict() for s in self.agg.samples]}
        return memory

    def worker_snapshots(self) -> dict[str, dict[str, Any]]:
        """Every worker's latest snapshot from the store (this worker's own while it is unavailable)."""
        try:
            return self.store.snapshots()
        except TRANSIENT_ERRORS:
            return {self.worker: self.snapshot()}

    def snapshot(self, *, flush: bool = True, findings: bool = True, queries: int = 20) -> dict[str, Any]:
        """This worker's numbers now; the stable API ``soak`` and the dashboard build on (docs/runtime.md).

        ``flush``: process the finished traces first; ``findings``: count the
        findings in the store (one store read); ``queries``: how many
        statement fingerprints to list, by total time.
        """
        if flush:
            self.flush()
        return self._snapshot(findings=findings, queries=queries)

    def _rss(self) -> int:
        if self._p_memory.disabled:
            return 0
        with self._p_memory:
            return rss_bytes()
        return 0  # pragma: no cover - only after a swallowed error

    def _snapshot(self, *, findings: bool, queries: int = 20) -> dict[str, Any]:
        agg = self.agg
        by_code: dict[str, int] = {}
        stored: list[StoredFinding] = []
        if findings:
            try:
                stored = self.store.findings()
            except TRANSIENT_ERRORS:
                pass
        for s in stored:
            by_code[s.finding.code] = by_code.get(s.finding.code, 0) + 1
        containers = [
            {
                "module": c.module,
                "name": c.name,
                "kind": c.kind,
                "size": c.sizes[-1][1] if c.sizes else 0,
                "site": str(c.site) if c.site else None,
            }
            for c in agg.containers.values()
        ]
        return {
            "version": SNAPSHOT_VERSION,
            "worker": self.worker,
            "pid": os.getpid(),
            "time": time.time(),
            "rss_bytes": self._rss(),
            "in_flight": self._in_flight,
            "capacity": self._capacity,
            "requests_total": agg.total,
            "queued": len(self._queue),
            "dropped": self._dropped,
            "endpoints": agg.endpoint_summaries(),
            "queries": agg.query_summaries(queries),
            "pool": self.sql.pools() if self.sql is not None else {},
            "tracemalloc": list(self.tracemalloc.last) if self.tracemalloc is not None else None,
            "containers": containers,
            "memory": [s.to_dict() for s in list(agg.samples)[-60:]],
            "findings": {"total": len(stored), "by_code": dict(sorted(by_code.items()))},
            "guard": self.guard.status(),
            "sample_rate": self._rate,
            "store": {"url": self.store.url, "available": not self.store.error(), "error": self.store.error()},
            "collectors": self.collectors.status(),
        }


def _flush_at_exit(ref: weakref.ReferenceType[Doctor]) -> None:
    doctor = ref()
    if doctor is None:
        return
    try:
        doctor.stop(flush=True)
    except Exception:  # pragma: no cover - never fail interpreter shutdown
        pass


def log_finding(finding: Finding) -> None:
    """One structured line per new finding (key=value; the dict is in ``record.flask_doctor``).

    Every value is app data (endpoint, task and thread names, messages): shown
    redacted and with control characters escaped, so that a name cannot forge
    a log line or drive a terminal.
    """
    shown = shown_finding(finding)
    where = str(shown.location) if shown.location else ""
    message = shown.message.replace("\\", "\\\\").replace('"', '\\"')
    logger.warning(
        'flask_doctor finding code=%s name=%s severity=%s object=%s location=%s fingerprint=%s message="%s"',
        shown.code,
        shown.name,
        shown.severity.label,
        shown.obj or "-",
        where or "-",
        finding.fingerprint(),
        message,
        extra={"flask_doctor": shown.to_dict()},
    )


__all__ = ["Doctor", "DoctorMiddleware"]
