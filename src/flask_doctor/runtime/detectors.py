"""Runtime detectors: recorded traces and rolling statistics in, findings out.

Each detector is one small class: its id, kebab name, severity, catalog
problems and (for runtime-only ids) a docstring in the house template that
``flask-doctor rule`` renders.  Detectors are pure: they read a
:class:`~flask_doctor.runtime.records.Trace` or the rolling statistics and a
:class:`DetectContext`, and return :class:`~flask_doctor.findings.Finding`
values with evidence and a stable ``key``.  They never run on the request
thread (the aggregator calls them after the response).

Ids follow docs/rule-ids.md: a problem the static checker also finds keeps
its static id (FD202 for N+1), runtime-only problems use xx70-xx99.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Iterable, Iterator, Sequence

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.rulebook import RuleMeta, parse_doc_sections, register_meta
from flask_doctor.runtime import sqltext
from flask_doctor.runtime.records import Site, Trace
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.stats import (
    ContainerSeries,
    EndpointStats,
    MemorySample,
    QueryStats,
    TaskStats,
    least_squares,
    median,
    percentile,
)


@dataclass
class DetectContext:
    """What detectors may know beyond the trace: settings and resolvers into the app."""

    settings: Settings = field(default_factory=Settings)
    now: float = 0.0
    session_cookie: str = "session"
    #: endpoint name -> source site of its view function
    view_site: Callable[[str], Site | None] = lambda name: None
    #: HTTP status -> site of the error handler that answers it
    error_handler_site: Callable[[int], Site | None] = lambda code: None
    capacity: int = 0
    worker: str = ""


def loc(site: Site | None) -> Location | None:
    return Location(site.path, site.line) if site is not None else None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Detector:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    catalog: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""
    #: True when the id is runtime-only (xx70-xx99) and this class owns its docs.
    owns_docs: ClassVar[bool] = False

    def finding(
        self,
        message: str,
        *,
        obj: str,
        key: str,
        location: Location | None = None,
        evidence: Sequence[Evidence] = (),
        hint: str = "",
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            location=location,
            hint=hint,
            obj=obj,
            evidence=tuple(evidence),
            catalog=self.catalog,
            surface="runtime",
            key=key,
        )


class TraceDetector(Detector):
    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:  # pragma: no cover
        raise NotImplementedError


# =================================================================== per trace
class NPlusOne(TraceDetector):
    code = "FD202"
    name = "query-in-loop"
    catalog = ("S12",)
    summary = "The same query runs once per item of a loop (N+1)."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        threshold = ctx.settings.n_plus_one
        groups: dict[str, list[object]] = {}
        for statement, q in trace.queries.items():
            if q.count <= 0:
                continue
            norm = sqltext.normalise(statement)
            head = norm[:7].upper()
            if head != "SELECT " or " FROM " not in norm.upper():
                continue
            fp = sqltext.fingerprint(statement)
            g = groups.get(fp)
            if g is None:
                groups[fp] = [statement, q.count, q.time, q.site]
            else:
                g[1] += q.count  # type: ignore[operator]
                g[2] += q.time  # type: ignore[operator]
                g[3] = g[3] or q.site
        for fp, (statement, count, seconds, site) in sorted(groups.items()):
            if count < threshold:  # type: ignore[operator]
                continue
            where = "request" if trace.kind == "request" else "job"
            evidence = [
                Evidence(f"{count} executions in one {where}, {ms(seconds)} in total", loc(site)),  # type: ignore[arg-type]
                Evidence(f"SQL: {sqltext.short(statement)}"),  # type: ignore[arg-type]
                Evidence(_trace_line(trace)),
            ]
            yield self.finding(
                f"{trace.label} ran the same query {count} times in one {where} (N+1)",
                obj=trace.label,
                key=f"{trace.label}|{fp}",
                location=loc(site),  # type: ignore[arg-type]
                evidence=evidence,
                hint="Load the rows in one query: selectinload()/joinedload() for relationships, "
                "or one query with an in_() filter instead of a query per item.",
            )


class UnboundedResult(TraceDetector):
    code = "FD201"
    name = "unbounded-query-materialised"
    catalog = ("S02",)
    summary = "A query returned a huge result set that the code materialised."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        limit = ctx.settings.unbounded_rows
        seen: set[str] = set()
        for statement, q in trace.queries.items():
            if q.max_rows < limit:
                continue
            fp = sqltext.fingerprint(statement)
            if fp in seen:
                continue
            seen.add(fp)
            yield self.finding(
                f"{trace.label} fetched {q.max_rows} rows in one query",
                obj=trace.label,
                key=f"{trace.label}|{fp}",
                location=loc(q.site),
                evidence=[
                    Evidence(f"{q.max_rows} rows returned (threshold {limit})", loc(q.site)),
                    Evidence(f"SQL: {sqltext.short(statement)}"),
                    Evidence(_trace_line(trace)),
                ],
                hint="Page with .limit()/paginate(), stream with yield_per(), or use bulk "
                "update()/delete() instead of loading every row.",
            )


class ConnectionHeld(TraceDetector):
    """Pooled connections still checked out after the request or job ended."""

    code = "FD106"
    name = "per-request-resource-not-closed"
    severity = Severity.ERROR
    catalog = ("S06",)
    summary = "A pooled database connection stayed checked out after the request ended."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.kind != "request" or trace.held <= 0:
            return
        site = trace.conn_sites[0] if trace.conn_sites else None
        yield self.finding(
            f"{trace.label} left {trace.held} pooled connection(s) checked out after the request ended",
            obj=trace.label,
            key=f"{trace.label}|conn",
            location=loc(site),
            evidence=[
                Evidence(f"{trace.held} connection(s) not returned to the pool", loc(site)),
                Evidence(_trace_line(trace)),
            ],
            hint="Close connections and sessions you open (use `with engine.connect() as conn:`), "
            "or close them in a teardown_appcontext function.",
        )


class JobSessionHeld(TraceDetector):
    code = "FD209"
    name = "job-session-never-removed"
    severity = Severity.ERROR
    catalog = ("S23",)
    summary = "A job ended with pooled connections still checked out."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.kind != "job" or trace.held <= 0:
            return
        site = trace.conn_sites[0] if trace.conn_sites else None
        yield self.finding(
            f"{trace.label} ended with {trace.held} pooled connection(s) still checked out",
            obj=trace.label,
            key=f"{trace.label}|conn",
            location=loc(site),
            evidence=[
                Evidence(f"{trace.held} connection(s) held after the job, checked out here", loc(site)),
                Evidence(f"job {trace.name} {trace.state or 'finished'} in {ms(trace.wall)}"),
            ],
            hint="Call Session.remove() in a finally block or a task_postrun handler, "
            "or run the job inside `with app.app_context():` with Flask-SQLAlchemy.",
        )


class ContextLeak(TraceDetector):
    code = "FD105"
    name = "context-pushed-never-popped"
    severity = Severity.ERROR
    catalog = ("S06", "S01")
    summary = "An app or request context was pushed and never popped."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        leaked = trace.ctx_pushed - trace.ctx_popped
        if leaked <= 0:
            return
        site = trace.ctx_sites[-1] if trace.ctx_sites else None
        where = "request" if trace.kind == "request" else "job"
        yield self.finding(
            f"{trace.label} pushed {leaked} application context(s) that were never popped",
            obj=trace.label,
            key=f"{trace.label}|ctx",
            location=loc(site),
            evidence=[
                Evidence(f"{trace.ctx_pushed} pushed, {trace.ctx_popped} popped during one {where}", loc(site)),
                Evidence("everything stored on g and the context stays referenced until it is popped"),
            ],
            hint="Use `with app.app_context():` (or call .pop() in a finally block) instead of .push().",
        )


class ErrorHandlerSwallowsHttp(TraceDetector):
    code = "FD501"
    name = "error-handler-swallows-http-errors"
    severity = Severity.ERROR
    catalog = ("S15",)
    summary = "An error handler turned an HTTP error such as 404 into a 500."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.kind != "request" or trace.routing_code not in (404, 405) or trace.status < 500:
            return
        site = ctx.error_handler_site(trace.routing_code)
        yield self.finding(
            f"a {trace.routing_code} for {trace.method} {trace.path} was answered with {trace.status}",
            obj="app:error-handlers",
            key=f"handler|{trace.routing_code}|{trace.status}|{site}",
            location=loc(site),
            evidence=[
                Evidence(f"routing raised {trace.routing_code}, the response was {trace.status}", loc(site)),
                Evidence("an @errorhandler(Exception) also receives HTTPException subclasses"),
            ],
            hint="Register a separate handler for werkzeug.exceptions.HTTPException that returns "
            "the exception (or `return e`), or check isinstance(e, HTTPException) first.",
        )


class InsecureCookie(TraceDetector):
    code = "FD303"
    name = "insecure-cookie-flag"
    catalog = ("S20",)
    summary = "A real response set a cookie without Secure or HttpOnly."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        for cookie in parse_set_cookies(trace.headers):
            missing = []
            if cookie.name == ctx.session_cookie and not cookie.httponly:
                missing.append("HttpOnly")
            if trace.secure and not cookie.secure:
                missing.append("Secure")
            for flag in missing:
                yield self.finding(
                    f"cookie {cookie.name!r} was set without the {flag} flag",
                    obj=trace.label,
                    key=f"cookie|{cookie.name}|{flag}",
                    evidence=[
                        Evidence(f"Set-Cookie: {cookie.name}=...; {cookie.attributes or '(no attributes)'}"),
                        Evidence(_trace_line(trace)),
                    ],
                    hint=f"Set SESSION_COOKIE_{flag.upper()}=True (or {flag.lower()}=True in set_cookie()).",
                )


class SameSiteNone(TraceDetector):
    code = "FD304"
    name = "samesite-none-without-secure"
    catalog = ("S20",)
    summary = "A cookie with SameSite=None was sent without Secure."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        for cookie in parse_set_cookies(trace.headers):
            if cookie.samesite == "none" and not cookie.secure:
                yield self.finding(
                    f"cookie {cookie.name!r} has SameSite=None without Secure; browsers reject it",
                    obj=trace.label,
                    key=f"cookie|{cookie.name}|samesite",
                    evidence=[
                        Evidence(f"Set-Cookie: {cookie.name}=...; {cookie.attributes}"),
                        Evidence(_trace_line(trace)),
                    ],
                    hint="Add Secure (SESSION_COOKIE_SECURE=True) or use SameSite=Lax.",
                )


class SessionCookieTooLarge(TraceDetector):
    """## What it does
Measures the session cookie on real responses and reports one that comes
close to the 4 KB per-cookie limit browsers enforce.

## Why is this bad?
Flask's default session is a signed cookie. Browsers silently drop a cookie
larger than about 4096 bytes (name, value and attributes together), so the
user's session is lost without any error on the server: logins that do not
stick, carts that empty themselves. Every request also carries the cookie.

## Example
```python
session["history"] = session.get("history", []) + [request.path]
```

## Use instead
```python
session["history_id"] = history.id   # keep the data server-side
# or Flask-Session with SESSION_TYPE = "redis"
```

## Fix safety
Display-only: moving data out of the session changes the application.

## References
- https://flask.palletsprojects.com/en/stable/quickstart/#sessions
- https://datatracker.ietf.org/doc/html/rfc6265#section-6.1
"""

    code = "FD370"
    name = "session-cookie-too-large"
    catalog = ("S03",)
    summary = "The session cookie is close to the browsers' 4 KB limit."
    owns_docs = True
    LIMIT = 3800

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        for cookie in parse_set_cookies(trace.headers):
            if cookie.name == ctx.session_cookie and cookie.size >= self.LIMIT:
                yield self.finding(
                    f"the session cookie is {cookie.size} bytes; browsers drop cookies over 4096 bytes",
                    obj=trace.label,
                    key=f"cookie|{cookie.name}|size",
                    evidence=[Evidence(f"Set-Cookie {cookie.name}: {cookie.size} bytes"), Evidence(_trace_line(trace))],
                    hint="Keep only ids in the session and the data server-side (Flask-Session with Redis).",
                )


class TaskFailedWithoutRetry(TraceDetector):
    code = "FD505"
    name = "task-without-retry"
    catalog = ("S04",)
    summary = "A task failed on its first attempt and had no retry policy: the work is lost."
    TRANSIENT = re.compile(r"Connection|Timeout|OperationalError|Unavailable|BrokenPipe|socket|gaierror|OSError", re.I)

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.kind != "job" or trace.state != "FAILURE":
            return
        extra = trace.extra or {}
        if extra.get("retry_policy"):
            return
        site = extra.get("site")
        transient = bool(self.TRANSIENT.search(trace.exc_type or ""))
        evidence = [
            Evidence(f"failed with {trace.exc_type or 'an exception'} after {trace.retries} retries", loc(site)),
            Evidence("no autoretry_for, no self.retry(): the job is not run again"),
        ]
        if trace.traceback:
            evidence.append(Evidence("traceback:\n" + trace.traceback))
        yield self.finding(
            f"{trace.label} failed with {trace.exc_type or 'an exception'} and has no retry policy"
            + (" although the error is transient" if transient else ""),
            obj=trace.label,
            key=f"{trace.label}|{trace.exc_type}",
            location=loc(site),
            evidence=evidence,
            severity=Severity.ERROR if transient else Severity.WARNING,
            hint="Add autoretry_for=(ConnectionError, ...), retry_backoff=True and a bounded "
            "max_retries, and make failures visible (logging, result backend, alerts).",
        )


class TaskSwallowsExceptions(TraceDetector):
    code = "FD507"
    name = "task-swallows-exceptions"
    catalog = ("S04",)
    summary = "A task logged an error and still reported success."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.kind != "job" or trace.state != "SUCCESS" or trace.logged_errors <= 0:
            return
        site = (trace.extra or {}).get("site")
        yield self.finding(
            f"{trace.label} logged {trace.logged_errors} error(s) but finished as SUCCESS",
            obj=trace.label,
            key=f"{trace.label}|swallowed",
            location=loc(site),
            evidence=[Evidence(f"{trace.logged_errors} ERROR log record(s) during the task, state SUCCESS", loc(site))],
            hint="Re-raise after logging (or call self.retry()) so Celery records the failure.",
        )


class PoolExhausted(TraceDetector):
    code = "FD207"
    name = "pool-smaller-than-concurrency"
    severity = Severity.ERROR
    catalog = ("S10",)
    summary = "A request timed out waiting for a pooled connection."

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        if trace.exc_type != "sqlalchemy.exc.TimeoutError":
            return
        pool = (trace.extra or {}).get("pool", "")
        yield self.finding(
            f"{trace.label} waited for a pooled connection until the pool timed out",
            obj=trace.label,
            key="pool|timeout",
            evidence=[
                Evidence(f"sqlalchemy.exc.TimeoutError after {ms(trace.wall)}" + (f"; pool: {pool}" if pool else "")),
                Evidence(f"worker capacity {ctx.capacity or 'unknown'} concurrent requests"),
            ],
            hint="Size pool_size + max_overflow to at least the threads (or greenlets) per worker, "
            "and return connections promptly.",
        )


# =================================================================== windows
class SlowQuery(Detector):
    """## What it does
Keeps the duration of every execution of each statement fingerprint over a
rolling window and reports fingerprints whose 95th percentile is above
`FLASK_DOCTOR_SLOW_QUERY_MS` (default 500 ms), with the user's call site.

## Why is this bad?
A slow statement holds a pooled connection and a worker thread for its whole
duration; under load the pool and the workers run out and every endpoint
slows down, not only the one that runs it. A percentile over many runs is a
property of the query, not of one unlucky request.

## Example
```python
Order.query.filter(func.lower(Order.email) == email).all()  # no index on lower(email)
```

## Use instead
```python
# CREATE INDEX ix_order_email_lower ON orders (lower(email));
Order.query.filter(func.lower(Order.email) == email).limit(50).all()
```

## Fix safety
Display-only: indexes and query changes need a human.

## References
- https://docs.sqlalchemy.org/en/20/faq/performance.html
- https://www.postgresql.org/docs/current/using-explain.html
"""

    code = "FD270"
    name = "slow-query"
    catalog = ("S10",)
    summary = "A statement's 95th percentile duration is over the threshold."
    owns_docs = True

    def detect(self, stats: QueryStats, ctx: DetectContext) -> Iterator[Finding]:
        times = list(stats.times)
        if len(times) < ctx.settings.min_samples:
            return
        p95 = percentile(times, 95)
        if p95 < ctx.settings.slow_query_ms:
            return
        callers = ", ".join(sorted(stats.labels, key=lambda k: -stats.labels[k])[:3])
        yield self.finding(
            f"query p95 is {p95:.0f} ms over {len(times)} executions (threshold {ctx.settings.slow_query_ms:.0f} ms)",
            obj=callers.split(", ")[0] if callers else "sql",
            key=f"sql|{stats.fp}",
            location=loc(stats.site),
            evidence=[
                Evidence(f"p50 {percentile(times, 50):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms", loc(stats.site)),
                Evidence(f"SQL: {stats.sql}"),
                Evidence(f"run by {callers}"),
            ],
            hint="EXPLAIN the statement; add an index, select fewer columns or rows, or cache the result.",
        )


class SlowEndpoint(Detector):
    """## What it does
Reports an endpoint whose 95th percentile wall time over the last
`FLASK_DOCTOR_WINDOW` requests is above `FLASK_DOCTOR_SLOW_ENDPOINT_MS`
(default 1000 ms), splitting the time into CPU, SQL and waiting.

## Why is this bad?
Each slow request occupies a worker thread or greenlet; a few slow endpoints
exhaust the worker's capacity and queue every other request behind them
(gunicorn then kills workers at its timeout).

## Example
```python
@app.get("/report")
def report():
    return render_template("report.html", rows=build_everything())
```

## Use instead
```python
@app.post("/report")
def report():
    job = build_report.delay()      # do the heavy work in a job
    return {"job": job.id}, 202
```

## Fix safety
Display-only.

## References
- https://docs.gunicorn.org/en/stable/design.html
- https://flask.palletsprojects.com/en/stable/patterns/celery/
"""

    code = "FD470"
    name = "slow-endpoint"
    catalog = ("S09", "S17")
    summary = "An endpoint's 95th percentile response time is over the threshold."
    owns_docs = True

    def detect(self, stats: EndpointStats, ctx: DetectContext) -> Iterator[Finding]:
        walls = list(stats.walls)
        if stats.kind != "request" or len(walls) < ctx.settings.min_samples:
            return
        p95 = percentile(walls, 95)
        if p95 < ctx.settings.slow_endpoint_ms:
            return
        site = ctx.view_site(stats.name)
        split = f"SQL {median(stats.sql_ms):.1f} ms in {median(stats.queries):.0f} queries"
        if stats.cpus:
            split = f"CPU {median(stats.cpus):.1f} ms, " + split
        yield self.finding(
            f"endpoint:{stats.name} p95 is {p95:.0f} ms over {len(walls)} requests "
            f"(threshold {ctx.settings.slow_endpoint_ms:.0f} ms)",
            obj=f"endpoint:{stats.name}",
            key=f"endpoint:{stats.name}|slow",
            location=loc(site),
            evidence=[
                Evidence(f"p50 {percentile(walls, 50):.1f} ms, p95 {p95:.1f} ms, max {max(walls):.1f} ms", loc(site)),
                Evidence(f"median split: {split}"),
            ],
            hint="Move heavy work to a background job, cache it, or fix the slow queries it runs.",
        )


class BlockingRequest(Detector):
    code = "FD401"
    name = "blocking-call-in-request"
    catalog = ("S17",)
    summary = "Requests spend most of their time waiting outside the database (wall >> CPU)."

    def detect(self, stats: EndpointStats, ctx: DetectContext) -> Iterator[Finding]:
        if stats.kind != "request" or len(stats.waits) < ctx.settings.min_samples:
            return
        wait = median(stats.waits)
        wall = median(stats.walls)
        if wait < ctx.settings.blocking_ms or wall <= 0 or wait / wall < ctx.settings.blocking_ratio:
            return
        site = ctx.view_site(stats.name)
        yield self.finding(
            f"endpoint:{stats.name} waits {wait:.0f} ms of its {wall:.0f} ms median request "
            "outside CPU and SQL (blocking call)",
            obj=f"endpoint:{stats.name}",
            key=f"endpoint:{stats.name}|blocking",
            location=loc(site),
            evidence=[
                Evidence(
                    f"median wall {wall:.1f} ms, CPU {median(stats.cpus):.1f} ms, SQL {median(stats.sql_ms):.1f} ms "
                    f"over {len(stats.waits)} requests",
                    loc(site),
                ),
                Evidence(f"{wait / wall:.0%} of the time the worker thread was blocked"),
            ],
            hint="Give every outbound call a timeout, move slow I/O to a background job, "
            "or use gevent/threads so a blocked request does not hold a whole worker.",
        )


class ServerErrorBurst(Detector):
    """## What it does
Counts 5xx responses per endpoint in a sliding window and reports an
endpoint with at least `FLASK_DOCTOR_ERROR_BURST` (default 5) of them in
`FLASK_DOCTOR_ERROR_WINDOW_S` seconds, with the first traceback.

## Why is this bad?
Flask turns an unhandled exception into a 500 and goes on serving, so a
broken endpoint does not crash anything: it just fails for every user until
someone reads the logs. A burst is a bug in production right now.

## Example
```python
@app.get("/orders/<int:id>")
def order(id):
    return {"total": Order.query.get(id).total}   # AttributeError for unknown ids
```

## Use instead
```python
@app.get("/orders/<int:id>")
def order(id):
    return {"total": db.get_or_404(Order, id).total}
```

## Fix safety
Display-only.

## References
- https://flask.palletsprojects.com/en/stable/errorhandling/
"""

    code = "FD570"
    name = "server-error-burst"
    severity = Severity.ERROR
    catalog = ("S15",)
    summary = "An endpoint answered many 5xx responses in a short window."
    owns_docs = True

    def detect(self, stats: EndpointStats, ctx: DetectContext) -> Iterator[Finding]:
        window = ctx.settings.error_window_s
        recent = [t for t in stats.error_times if ctx.now - t <= window]
        if len(recent) < ctx.settings.error_burst:
            return
        evidence = [
            Evidence(f"{len(recent)} responses >= 500 in the last {window:.0f} s; "
                     f"{stats.errors} of {stats.count} requests failed in total", loc(stats.error_site)),
        ]
        if stats.first_traceback:
            evidence.append(Evidence("first traceback:\n" + stats.first_traceback, loc(stats.error_site)))
        yield self.finding(
            f"{_label(stats)} answered {len(recent)} server errors in {window:.0f} s"
            + (f" ({stats.first_error})" if stats.first_error else ""),
            obj=_label(stats),
            key=f"{_label(stats)}|5xx",
            location=loc(stats.error_site or ctx.view_site(stats.name)),
            evidence=evidence,
            hint="Fix the exception in the traceback; return 4xx for bad input (abort(404), get_or_404).",
        )


class RetryStorm(Detector):
    """## What it does
Counts Celery `task_retry` signals per task in a sliding window and reports
a task retried at least `FLASK_DOCTOR_RETRY_STORM` (default 10) times in
`FLASK_DOCTOR_RETRY_WINDOW_S` seconds.

## Why is this bad?
Retries without backoff hammer the failing dependency while it is down,
occupy the workers and delay every other task in the queue; with
`max_retries=None` a permanent error retries forever.

## Example
```python
@celery.task(bind=True, max_retries=None)
def sync(self, id):
    try:
        push(id)
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=0)
```

## Use instead
```python
@celery.task(autoretry_for=(ConnectionError,), retry_backoff=True,
             retry_jitter=True, max_retries=5)
def sync(id):
    push(id)
```

## Fix safety
Display-only.

## References
- https://docs.celeryq.dev/en/stable/userguide/tasks.html#automatic-retry-for-known-exceptions
"""

    code = "FD571"
    name = "task-retry-storm"
    catalog = ("S04",)
    summary = "A task is retried many times in a short window."
    owns_docs = True

    def detect(self, stats: TaskStats, ctx: DetectContext) -> Iterator[Finding]:
        window = ctx.settings.retry_window_s
        recent = [t for t in stats.retry_times if ctx.now - t <= window]
        if len(recent) < ctx.settings.retry_storm:
            return
        yield self.finding(
            f"task:{stats.name} was retried {len(recent)} times in {window:.0f} s",
            obj=f"task:{stats.name}",
            key=f"task:{stats.name}|retries",
            location=loc(stats.site),
            evidence=[
                Evidence(f"{len(recent)} retries in {window:.0f} s, {stats.retries} in total, "
                         f"{stats.failures} final failures", loc(stats.site)),
                Evidence(f"last reason: {stats.last_exc or 'unknown'}"),
            ],
            hint="Use retry_backoff=True with retry_jitter and a bounded max_retries.",
        )


class MemoryGrowth(Detector):
    """## What it does
Samples the process RSS from a background thread together with the number
of requests each endpoint served, fits a least-squares line of RSS against
the per-endpoint request counts over a window of samples, and reports
endpoints whose requests each leave memory behind (slope above
`FLASK_DOCTOR_LEAK_BYTES_PER_REQUEST`) when the RSS grew by more than
`FLASK_DOCTOR_MEMORY_GROWTH_BYTES` over the window. It never concludes
from a single sample.

## Why is this bad?
Memory that survives requests grows until the worker is OOM-killed or
swaps; gunicorn's `max_requests` only hides it. Storing on `g` is not a
leak (Flask pops the app context every request); the usual causes are
module-level caches written by views, contexts pushed and never popped,
and references kept in globals.

## Example
```python
_seen = []

@app.get("/track")
def track():
    _seen.append(request.get_json())
    return "", 204
```

## Use instead
```python
cache = cachetools.TTLCache(maxsize=10_000, ttl=300)
```

## Fix safety
Display-only.

## References
- https://docs.python.org/3/library/tracemalloc.html
- https://docs.gunicorn.org/en/stable/settings.html#max-requests
"""

    code = "FD170"
    name = "memory-growth"
    severity = Severity.ERROR
    catalog = ("S01", "S11", "S16")
    summary = "Process memory grows with the requests of an endpoint and is not released."
    owns_docs = True
    MAX_ENDPOINTS = 8

    def detect(self, samples: Sequence[MemorySample], ctx: DetectContext) -> Iterator[Finding]:
        s = ctx.settings
        window = list(samples)[-s.memory_window:]
        if len(window) < max(s.memory_min_samples, 3):
            return
        growth = window[-1].rss - window[0].rss
        if growth < s.memory_growth_bytes:
            return
        first, last = window[0].per_endpoint, window[-1].per_endpoint
        deltas = {e: last.get(e, 0) - first.get(e, 0) for e in last}
        endpoints = [e for e, d in sorted(deltas.items(), key=lambda kv: (-kv[1], kv[0])) if d > 0][: self.MAX_ENDPOINTS]
        if not endpoints:
            return
        xs = [[float(smp.per_endpoint.get(e, 0)) for e in endpoints] for smp in window]
        ys = [float(smp.rss) for smp in window]
        fit = least_squares(xs, ys)
        if fit is None or fit.r2 < 0.5:
            return
        # A leak keeps its pace; a one-off step (the allocator moving large
        # blocks from mmap to the heap, a cache warming up) does not. Require
        # the slope in both halves of the window, not just over the whole.
        half = len(window) // 2
        halves = [least_squares(xs[:half], ys[:half]), least_squares(xs[half:], ys[half:])] if half >= 3 else []
        minutes = (window[-1].t - window[0].t) / 60.0
        for index, (endpoint, slope) in enumerate(zip(endpoints, fit.slopes)):
            if slope < s.leak_bytes_per_request:
                continue
            if any(h is not None and h.slopes[index] < s.leak_bytes_per_request / 2 for h in halves):
                continue
            site = ctx.view_site(endpoint)
            yield self.finding(
                f"memory grows by {_bytes(slope)} per request of endpoint:{endpoint} and is not released",
                obj=f"endpoint:{endpoint}",
                key=f"endpoint:{endpoint}|memory",
                location=loc(site),
                evidence=[
                    Evidence(f"RSS {_bytes(window[0].rss)} -> {_bytes(window[-1].rss)} (+{_bytes(growth)}) "
                             f"over {len(window)} samples, {minutes:.1f} min", loc(site)),
                    Evidence(f"least-squares slope {_bytes(slope)}/request over {deltas[endpoint]} requests, "
                             f"R^2 {fit.r2:.2f}"),
                ],
                hint="Find what keeps a reference after the request: module-level caches, "
                "contexts pushed and never popped, globals. FLASK_DOCTOR_TRACEMALLOC=1 shows the allocation sites.",
            )


class GrowingContainer(Detector):
    code = "FD101"
    name = "unbounded-module-cache"
    catalog = ("S11", "S16")
    summary = "A module-level container of the application keeps growing across requests."

    def detect(self, series: ContainerSeries, ctx: DetectContext) -> Iterator[Finding]:
        sizes = list(series.sizes)
        if len(sizes) < ctx.settings.container_min_samples:
            return
        values = [size for _, size in sizes]
        grew = values[-1] - values[0]
        if grew < ctx.settings.container_growth:
            return
        # Growth that survives: never shrinks by more than 10 % along the way.
        peak = values[0]
        for v in values:
            if v < peak * 0.9:
                return
            peak = max(peak, v)
        code, name = (("FD102", "unbounded-lru-cache") if series.kind == "lru_cache" else (self.code, self.name))
        traces = sizes[-1][0] - sizes[0][0]
        finding = self.finding(
            f"module-level {series.kind} {series.module}.{series.name} grew from {values[0]} to "
            f"{values[-1]} entries over {traces} requests/jobs",
            obj=f"global:{series.module}.{series.name}",
            key=f"global:{series.module}.{series.name}",
            location=loc(series.site),
            evidence=[
                Evidence(f"sizes sampled every {ctx.settings.container_every} traces: "
                         + ", ".join(str(v) for v in values[-8:]), loc(series.site)),
            ],
            hint="Bound it (cachetools.LRUCache/TTLCache, lru_cache(maxsize=N)) or keep it in Redis with a TTL.",
        )
        yield finding.with_changes(code=code, name=name)


class WorkerSaturated(Detector):
    """## What it does
Samples the number of requests in flight in this worker from a background
thread and compares it with the worker's capacity (threads or greenlets,
from `FLASK_DOCTOR_CAPACITY` or the gunicorn command line). Reports a worker
that was at capacity in at least a fifth of the samples, with the queue
time the proxy reports in `X-Request-Start` when there is one.

## Why is this bad?
A saturated worker queues new requests in the socket backlog: users wait
before any of your code runs, health checks time out and the orchestrator
restarts healthy processes.

## Example
```
gunicorn -w 2 app:app        # 2 sync workers, views call slow APIs
```

## Use instead
```
gunicorn -w 4 -k gthread --threads 8 --timeout 30 app:app
```

## Fix safety
Display-only.

## References
- https://docs.gunicorn.org/en/stable/design.html#how-many-workers
"""

    code = "FD471"
    name = "worker-saturated"
    catalog = ("S09",)
    summary = "Requests in flight reached the worker's capacity for a sustained time."
    owns_docs = True

    def detect(self, samples: Sequence[MemorySample], ctx: DetectContext) -> Iterator[Finding]:
        window = list(samples)[-ctx.settings.memory_window:]
        if ctx.capacity <= 0 or len(window) < ctx.settings.memory_min_samples:
            return
        full = sum(1 for smp in window if smp.in_flight >= ctx.capacity)
        if full / len(window) < 0.2:
            return
        yield self.finding(
            f"worker {ctx.worker or ''} had {ctx.capacity} of {ctx.capacity} slots busy in "
            f"{full} of {len(window)} samples".replace("worker  ", "worker "),
            obj=f"worker:{ctx.worker}",
            key="worker|saturated",
            evidence=[Evidence(f"in flight at capacity in {full / len(window):.0%} of samples; "
                               f"max {max(s.in_flight for s in window)}")],
            hint="Add threads/greenlets or workers, and move slow I/O out of requests.",
        )


# =================================================================== registry
TRACE_DETECTORS: tuple[TraceDetector, ...] = (
    NPlusOne(), UnboundedResult(), ConnectionHeld(), JobSessionHeld(), ContextLeak(),
    ErrorHandlerSwallowsHttp(), InsecureCookie(), SameSiteNone(), SessionCookieTooLarge(),
    TaskFailedWithoutRetry(), TaskSwallowsExceptions(), PoolExhausted(),
)
SLOW_QUERY = SlowQuery()
ENDPOINT_DETECTORS: tuple[Detector, ...] = (SlowEndpoint(), BlockingRequest(), ServerErrorBurst())
RETRY_STORM = RetryStorm()
MEMORY_GROWTH = MemoryGrowth()
GROWING_CONTAINER = GrowingContainer()
WORKER_SATURATED = WorkerSaturated()

ALL_DETECTORS: tuple[Detector, ...] = (
    *TRACE_DETECTORS, SLOW_QUERY, *ENDPOINT_DETECTORS, RETRY_STORM, MEMORY_GROWTH, GROWING_CONTAINER, WORKER_SATURATED,
)


def _register() -> None:
    seen: set[str] = set()
    extra = [("FD102", "unbounded-lru-cache", "An unbounded functools cache keeps growing.", ("S16",))]
    for det in ALL_DETECTORS:
        if det.code in seen:
            continue
        seen.add(det.code)
        doc = inspect.cleandoc(type(det).__doc__ or "") if det.owns_docs else ""
        register_meta(
            RuleMeta(
                code=det.code,
                name=det.name,
                severity=det.severity,
                summary=det.summary,
                doc=doc,
                catalog=det.catalog,
                surfaces=("runtime",),
                preview=det.owns_docs,
                sections=parse_doc_sections(doc) if doc else {},
            )
        )
    for code, name, summary, catalog in extra:
        register_meta(RuleMeta(code=code, name=name, severity=Severity.WARNING, summary=summary,
                               catalog=catalog, surfaces=("runtime",)))


_register()


# =================================================================== helpers
@dataclass(frozen=True)
class SetCookie:
    name: str
    size: int
    secure: bool
    httponly: bool
    samesite: str
    attributes: str


def parse_set_cookies(headers: Iterable[tuple[str, str]] | None) -> list[SetCookie]:
    if not headers:
        return []
    found = []
    for key, value in headers:
        if key.lower() != "set-cookie":
            continue
        head, _, attrs = value.partition(";")
        name, _, _ = head.partition("=")
        flags = [a.strip().lower() for a in attrs.split(";") if a.strip()]
        samesite = next((f.split("=", 1)[1].strip() for f in flags if f.startswith("samesite=")), "")
        # Expiring a cookie (deleting it) sends no data: not worth flagging.
        if "max-age=0" in flags or any(f.startswith("expires=thu, 01 jan 1970") for f in flags):
            continue
        found.append(
            SetCookie(
                name=name.strip(),
                size=len(value.encode("utf-8", "replace")),
                secure="secure" in flags,
                httponly="httponly" in flags,
                samesite=samesite,
                attributes="; ".join(a.strip() for a in attrs.split(";") if a.strip()
                                     and not a.strip().lower().startswith(("expires=", "max-age="))),
            )
        )
    return found


def _trace_line(trace: Trace) -> str:
    if trace.kind == "request":
        return f"request {trace.method} {trace.path} -> {trace.status} in {ms(trace.wall)}, {trace.query_count} queries"
    return f"job {trace.name} {trace.state or ''} in {ms(trace.wall)}, {trace.query_count} queries".replace("  ", " ")


def _label(stats: EndpointStats) -> str:
    return f"endpoint:{stats.name}" if stats.kind == "request" else f"task:{stats.name}"


def _bytes(n: float) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover
