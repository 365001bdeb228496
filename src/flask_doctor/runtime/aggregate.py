"""After the response: finished traces become statistics and findings.

Runs on the doctor's background thread (or in ``Doctor.flush()``).  Holds
only bounded state: LRU maps of endpoints, statement fingerprints and tasks,
each with rings of at most ``window`` values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.redaction import redact_path
from flask_doctor.runtime import detectors as D
from flask_doctor.runtime import sqltext
from flask_doctor.runtime.records import UNMATCHED, Trace
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.stats import (
    LRU,
    ContainerSeries,
    EndpointStats,
    MemorySample,
    QueryStats,
    TaskStats,
)

TRACEBACK_CHARS = 4000
REQUESTS_PER_FLUSH = 100
#: Every endpoint gets at least DETAIL_MIN requests recorded in detail per DETAIL_PERIOD seconds,
#: however rare it is next to the others (see ``wanted``).
DETAIL_MIN = 2
DETAIL_PERIOD = 60.0
_N_PLUS_ONE = D.NPlusOne()
_UNBOUNDED = D.UnboundedResult()
_CONN_HELD = D.ConnectionHeld()
_JOB_HELD = D.JobSessionHeld()
_CTX_LEAK = D.ContextLeak()
_HANDLER = D.ErrorHandlerSwallowsHttp()
_COOKIES = (D.InsecureCookie(), D.SameSiteNone(), D.SessionCookieTooLarge())
_TASKS = (D.TaskFailedWithoutRetry(), D.TaskSwallowsExceptions())
_POOL = D.PoolExhausted()


class Aggregator:
    def __init__(self, settings: Settings, ctx: D.DetectContext) -> None:
        self.settings = settings
        self.ctx = ctx
        self.endpoints: LRU[str, EndpointStats] = LRU(settings.max_endpoints)
        self.queries: LRU[str, QueryStats] = LRU(settings.max_fingerprints)
        self.tasks: LRU[str, TaskStats] = LRU(max(50, settings.max_endpoints // 2))
        self.containers: LRU[tuple[str, str], ContainerSeries] = LRU(1000)
        #: cumulative traced requests per endpoint (for the memory regression)
        self.counts: LRU[str, int] = LRU(settings.max_endpoints * 2)
        self.total = 0
        #: Only the regression window is kept here (each sample copies the per-endpoint
        #: counts); the store keeps the long RSS history for charts.
        self.samples: deque[MemorySample] = deque(maxlen=max(settings.memory_window, 10))
        self.pending: dict[str, list[Any]] = {}
        self.pending_requests: list[tuple[Trace, float | None]] = []
        self.on_leak: Callable[[str], None] | None = None
        #: Endpoints served and requests recorded in detail per endpoint, in the current period.
        self.served: set[str] = set()
        self.detailed: dict[str, int] = {}
        self.detail_period_start = 0.0

    def wanted(self, now: float) -> frozenset[str]:
        """Endpoints served in this period with fewer than DETAIL_MIN detailed requests: detail their next ones.

        Only endpoints that get traffic: a request of an endpoint nobody calls
        never costs the lookup, and a new endpoint waits for one request.
        """
        if now - self.detail_period_start >= DETAIL_PERIOD:
            self.detail_period_start = now
            served = self.served
            self.served = set()
            self.detailed = {}
            return frozenset(served)  # everything served last period wants detail again
        detailed = self.detailed
        return frozenset(n for n in self.served if detailed.get(n, 0) < DETAIL_MIN)

    # ------------------------------------------------------------------ findings
    def emit(self, finding: Finding) -> None:
        ignore = self.settings.ignore
        if ignore and any(finding.code.startswith(p) for p in ignore):
            return
        key = finding.fingerprint()
        entry = self.pending.get(key)
        if entry is None:
            self.pending[key] = [finding, 1]
        else:
            entry[0] = finding
            entry[1] += 1

    def take(self) -> tuple[list[tuple[Finding, int]], list[dict[str, Any]]]:
        findings = [(f, n) for f, n in self.pending.values()]
        # At most REQUESTS_PER_FLUSH summaries a flush: the ring shows recent requests,
        # building a dict for every one of 1000 requests a second is wasted work.
        keep = min(self.settings.max_requests, REQUESTS_PER_FLUSH)
        requests = [summary_of(t, q) for t, q in self.pending_requests[-keep:]]
        self.pending = {}
        self.pending_requests = []
        return findings, requests

    # ------------------------------------------------------------------ traces
    def process(self, traces: Iterable[Trace], now: float) -> None:
        """Statistics and findings from finished traces: per trace what needs it, per endpoint the rest.

        Most traces are neither sampled for detail nor remarkable (no error,
        no leak): they only add numbers to their endpoint's rings, in one
        batch per endpoint.
        """
        self.ctx.now = now
        touched_queries: set[str] = set()
        touched_tasks: set[str] = set()
        groups: dict[str, list[Trace]] = {}
        # Requests record perf_counter() only (no time.time() on the request thread): wall-clock
        # time of their end = their perf_counter end + this offset.
        offset = now - perf_counter()
        for trace in traces:
            if trace.skip:
                continue
            if not trace.ts:
                trace.ts = trace.start + trace.wall + offset
            line = trace.status_line
            if line:
                trace.status = int(line[:3]) if line[:3].isdigit() else 0
            if trace.kind == "request":
                key = trace.name
                if key == UNMATCHED:
                    # The client chose this path: never store or show it as sent (tokens, length).
                    trace.path = redact_path(trace.path)
            else:
                key = f"task:{trace.name}"
            group = groups.get(key)
            if group is None:
                groups[key] = [trace]
            else:
                group.append(trace)
            if (
                trace.detail
                or trace.exc_type
                or trace.held > 0
                or trace.ctx_pushed > trace.ctx_popped
                or trace.routing_code
                or trace.kind == "job"
            ):
                self._one(trace, touched_queries, touched_tasks)
        for key, group in groups.items():
            self._endpoint(key, group)
        for name in groups:
            stats = self.endpoints.get(name)
            if stats is not None:
                for det in D.ENDPOINT_DETECTORS:
                    for f in det.detect(stats, self.ctx):  # type: ignore[attr-defined]
                        self.emit(f)
        for fp in touched_queries:
            qs = self.queries.get(fp)
            if qs is not None:
                for f in D.SLOW_QUERY.detect(qs, self.ctx):
                    self.emit(f)
        for name in touched_tasks:
            ts = self.tasks.get(name)
            if ts is not None:
                for f in D.RETRY_STORM.detect(ts, self.ctx):
                    self.emit(f)

    def _endpoint(self, key: str, group: list[Trace]) -> None:
        """One endpoint's traces of this batch into its rolling statistics."""
        n = len(group)
        first = group[0]
        self.total += n
        counts = self.counts
        counts[key] = counts.get(key, 0) + n
        counts.move_to_end(key)
        if len(counts) > counts.limit:
            counts.popitem(last=False)
        if first.kind == "request" and key != UNMATCHED:
            detailed = sum(1 for t in group if t.detail)
            if detailed:
                self.detailed[key] = self.detailed.get(key, 0) + detailed
            if key not in self.served and len(self.served) < self.settings.max_endpoints:
                self.served.add(key)
        stats = self.endpoints.touch(key, EndpointStats, first.name, first.kind, self.settings.window)
        stats.count += n
        stats.last_seen = group[-1].ts
        window = self.settings.window
        recent = group[-window:]  # the rings keep the last `window` values anyway
        stats.walls.extend([t.wall * 1000.0 for t in recent])
        stats.sql_ms.extend([t.q_time * 1000.0 for t in recent])
        stats.queries.extend([t.nq for t in recent])
        worker = self.ctx.worker
        pending = self.pending_requests
        statuses = stats.statuses
        for t in group:
            if not t.worker:
                t.worker = worker
            status = t.status
            if status:
                statuses[status] += 1
            queue_ms = _queue_ms(t) if t.request_start else None
            if t.detail or queue_ms is not None or status >= 500 or t.state == "FAILURE":
                self._remarkable_stats(stats, t, queue_ms)
            pending.append((t, queue_ms))  # turned into dicts in take()
        if len(pending) > 2 * self.settings.max_requests:
            del pending[: -self.settings.max_requests]

    def _remarkable_stats(self, stats: EndpointStats, trace: Trace, queue_ms: float | None) -> None:
        if trace.size >= 0:
            stats.sizes.append(trace.size)
        if trace.cpu is not None:
            cpu_ms = trace.cpu * 1000.0
            stats.cpus.append(cpu_ms)
            # Waiting outside CPU and SQL, less the time the thread was ready but had no CPU
            # (contention, not a blocking call).
            stats.waits.append(max(0.0, (trace.wall - trace.q_time - trace.runq) * 1000.0 - cpu_ms))
        if queue_ms is not None:
            stats.queue_ms.append(queue_ms)
        if trace.status >= 500 or trace.state == "FAILURE":
            stats.errors += 1
            stats.error_times.append(trace.ts)
            if not stats.first_traceback and trace.traceback:
                stats.first_traceback = trace.traceback[-TRACEBACK_CHARS:]
                stats.first_error = trace.exc_type
                stats.error_site = (trace.extra or {}).get("error_site")

    def _one(self, trace: Trace, t_q: set[str], t_t: set[str]) -> None:
        """A detailed or remarkable trace: its headers, its detectors, its statements, its task."""
        ctx = self.ctx
        headers = trace.headers if trace.detail else None
        cookies = False
        if headers:
            for name, value in headers:
                n = len(name)  # compare lengths first: no lower() for most headers
                if n == 14 and trace.size < 0 and name.lower() == "content-length":
                    try:
                        trace.size = int(value)
                    except ValueError:
                        pass
                elif n == 10 and name.lower() == "set-cookie":
                    cookies = True
        nq = trace.nq
        if not nq and trace.queries:  # a trace built by hand (tests): count its statements
            nq = trace.nq = sum(q.count for q in trace.queries.values())
        for det in self._detectors_for(trace, nq, cookies):
            for f in det.detect(trace, ctx):
                self.emit(f)
                if f.code in ("FD105", "FD106", "FD209") and self.on_leak is not None:
                    self.on_leak(f.code)
        label = trace.label if trace.queries else ""
        for statement, q in trace.queries.items():
            fp = sqltext.fingerprint(statement)
            qs = self.queries.get(fp)
            if qs is None:
                qs = self.queries.touch(fp, QueryStats, fp, sqltext.short(statement), self.settings.window)
            else:
                self.queries.move_to_end(fp)
            qs.count += q.count
            qs.times.append(q.max_time * 1000.0)
            if q.site is not None and qs.site is None:
                qs.site = q.site
            if q.max_rows > qs.max_rows:
                qs.max_rows = q.max_rows
            if label in qs.labels or len(qs.labels) < 10:
                qs.labels[label] = qs.labels.get(label, 0) + q.count
            t_q.add(fp)
        if trace.kind == "job":
            ts = self.tasks.touch(trace.name, TaskStats, trace.name)
            ts.count += 1
            site = (trace.extra or {}).get("site")
            if site is not None:
                ts.site = site
            if trace.state == "RETRY":
                ts.retries += 1
                ts.retry_times.append(trace.ts)
                ts.last_exc = trace.exc_type
            elif trace.state == "FAILURE":
                ts.failures += 1
                ts.last_exc = trace.exc_type
            t_t.add(trace.name)

    def _detectors_for(self, trace: Trace, nq: int, cookies: bool) -> list[D.TraceDetector]:
        """Only the detectors that can fire on this trace (cheap attribute checks first)."""
        chosen: list[D.TraceDetector] = []
        if nq and trace.queries:
            if nq >= self.settings.n_plus_one:
                chosen.append(_N_PLUS_ONE)
            limit = self.settings.unbounded_rows
            if any(q.max_rows >= limit for q in trace.queries.values()):
                chosen.append(_UNBOUNDED)
        if trace.held > 0:
            chosen.append(_CONN_HELD if trace.kind == "request" else _JOB_HELD)
        if trace.ctx_pushed > trace.ctx_popped:
            chosen.append(_CTX_LEAK)
        if trace.kind == "request":
            if trace.routing_code and trace.status >= 500:
                chosen.append(_HANDLER)
            if cookies:
                chosen.extend(_COOKIES)
        else:
            chosen.extend(_TASKS)
        if trace.exc_type:
            chosen.append(_POOL)
        return chosen

    # ------------------------------------------------------------------ memory
    def add_sample(self, sample: MemorySample, tracemalloc_top: list[dict[str, Any]] | None = None) -> None:
        self.samples.append(sample)
        self.ctx.allocation_sites = list(tracemalloc_top or [])
        for f in D.MEMORY_GROWTH.detect(self.samples, self.ctx):
            self.emit(f)
        for f in D.WORKER_SATURATED.detect(self.samples, self.ctx):
            self.emit(f)

    def add_containers(self, found: Iterable[tuple[str, str, str, int, Any]]) -> None:
        for module, name, kind, size, site in found:
            series = self.containers.touch((module, name), ContainerSeries, module, name, kind, site)
            series.sizes.append((self.total, size))
            for f in D.GROWING_CONTAINER.detect(series, self.ctx):
                self.emit(f)

    def thread_leaks(self, leaks: Iterable[tuple[str, int, Any]]) -> None:
        det = D.ContextLeak()
        for name, outstanding, site in leaks:
            self.emit(
                det.finding(
                    f"thread {name!r} holds {outstanding} application context(s) it pushed and never popped",
                    obj=f"thread:{name}",
                    key=f"thread|ctx|{site}",
                    location=D.loc(site),
                    evidence=[
                        Evidence(
                            f"{outstanding} contexts outstanding in thread {name!r}, first pushed here", D.loc(site)
                        )
                    ],
                    hint="Use `with app.app_context():` in threads and scripts instead of .push().",
                )
            )

    def endpoint_summaries(self) -> dict[str, dict[str, Any]]:
        return {name: stats.summary() for name, stats in self.endpoints.items()}

    def query_summaries(self, limit: int = 50) -> list[dict[str, Any]]:
        items = sorted(self.queries.values(), key=lambda q: -sum(q.times))
        return [q.summary() for q in items[:limit]]


def _queue_ms(trace: Trace) -> float | None:
    """``X-Request-Start: t=1700000000.123`` (seconds, ms or µs since the epoch)."""
    raw = trace.request_start
    if not raw or not trace.arrival:
        return None
    text = raw.strip()
    if text.startswith("t="):
        text = text[2:]
    try:
        value = float(text)
    except ValueError:
        return None
    if value > 1e14:  # microseconds
        value /= 1e6
    elif value > 1e11:  # milliseconds
        value /= 1e3
    queue = (trace.arrival - value) * 1000.0
    return queue if 0 <= queue < 3_600_000 else None


def summary_of(trace: Trace, queue_ms: float | None = None) -> dict[str, Any]:
    return {
        "t": round(trace.ts, 3),
        "worker": trace.worker,
        "kind": trace.kind,
        "name": trace.name,
        "method": trace.method,
        "path": trace.path,
        "status": trace.status or (trace.state or ""),
        "wall_ms": round(trace.wall * 1000.0, 3),
        "cpu_ms": None if trace.cpu is None else round(trace.cpu * 1000.0, 3),
        "queries": trace.query_count,
        "sql_ms": round(trace.q_time * 1000.0, 3),
        "size": trace.size,
        "queue_ms": None if queue_ms is None else round(queue_ms, 3),
    }


__all__ = ["Aggregator", "summary_of", "Severity"]
