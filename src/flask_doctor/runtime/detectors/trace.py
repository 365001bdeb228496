"""Per-trace detectors: one recorded request or job in, findings out.

The aggregator runs them right after each response (or job), off the
request thread, on the :class:`~flask_doctor.runtime.records.Trace` it
recorded: N+1 and huge results, connections and contexts left behind,
error handlers that turn 404s into 500s, cookies, task failures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.runtime import sqltext, stacks
from flask_doctor.runtime.detectors.base import DetectContext, TraceDetector, loc, ms, trace_line
from flask_doctor.runtime.records import QStat, Site, Trace


class NPlusOne(TraceDetector):
    """The same query runs once per item of a loop (N+1).

    Points at the loop that repeats the statement (the innermost user or
    template frame shared by its repetitions, in the template's own file and
    line), names what it loads (a lazy relationship such as ``Entry.author``,
    or a deferred column), the query whose rows the loop iterates, and the
    loader option to add there.
    """

    code = "FD202"

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        threshold = ctx.settings.n_plus_one
        groups: dict[str, list[QStat]] = {}
        statements: dict[str, str] = {}
        for statement, q in trace.queries.items():
            if q.count <= 0 or not _is_select(statement):
                continue
            fp = sqltext.fingerprint(statement)
            groups.setdefault(fp, []).append(q)
            statements.setdefault(fp, statement)
        for fp, stats in sorted(groups.items()):
            count = sum(q.count for q in stats)
            if count < threshold:
                continue
            main = max(stats, key=lambda q: q.count)
            seconds = sum(q.time for q in stats)
            statement = statements[fp]
            loop = main.loop or next((q.loop for q in stats if q.loop), None)
            site = loop or main.site or next((q.site for q in stats if q.site), None)
            origin = main.origin or next((q.origin for q in stats if q.origin), None)
            producer = _producer(trace, origin, min(q.seq for q in stats)) if origin is not None else None
            where = "request" if trace.kind == "request" else "job"
            evidence = [
                Evidence(
                    f"{count} executions in one {where}, {ms(seconds)} in total"
                    + (", in the loop here" if loop else ""),
                    loc(site),
                )
            ]
            if origin is not None:
                evidence.append(Evidence(f"each one is a {stacks.describe(origin)}, once per {origin.owner} row"))
            else:
                evidence.append(Evidence("not a relationship load: the loop runs this query itself"))
            if producer is not None and origin is not None:
                evidence.append(
                    Evidence(
                        f"the {origin.owner} rows come from the query at {producer[0]}: "
                        f"{sqltext.short(producer[1], 160)}",
                        loc(producer[0]),
                    )
                )
            evidence += [Evidence(f"SQL: {sqltext.short(statement)}"), Evidence(trace_line(trace))]
            what = f": {stacks.describe(origin)}" if origin is not None else ""
            yield self.finding(
                f"{trace.label} ran the same query {count} times in one {where} (N+1){what}",
                obj=trace.label,
                key=f"{trace.label}|{fp}",
                location=loc(site),
                evidence=evidence,
                hint=_hint(origin, producer, site),
            )


def _is_select(statement: str) -> bool:
    norm = sqltext.normalise(statement)
    return norm[:7].upper() == "SELECT " and " FROM " in norm.upper()


def _producer(trace: Trace, origin: stacks.Origin, before: int) -> tuple[Site, str] | None:
    """The last SELECT before the loop that read the owner's table: the query whose rows the loop iterates."""
    if not origin.tables:
        return None
    tables = "|".join(re.escape(t) for t in origin.tables)
    pattern = re.compile(r"\b(?:FROM|JOIN)\s+(?:[\w\"`\[\]]+\.)?[\"`\[]?(?:" + tables + r")[\"`\]]?(?:\s|$|,|\))", re.I)
    best: tuple[int, Site, str] | None = None
    for statement, q in trace.queries.items():
        if q.seq >= before or q.first is None or not pattern.search(statement):
            continue
        if best is None or q.seq > best[0]:
            best = (q.seq, q.first, statement)
    return (best[1], best[2]) if best is not None else None


def _hint(origin: stacks.Origin | None, producer: tuple[Site, str] | None, site: Site | None) -> str:
    where = (
        f"the query at {producer[0]}"
        if producer is not None
        else (f"the query that loads the {origin.owner} rows" if origin is not None else "")
    )
    if origin is not None and origin.kind == "deferred":
        return (
            f"{origin.attribute} is a deferred column loaded row by row: add "
            f".options(undefer({origin.attribute})) to {where}."
        )
    if origin is not None:
        also = " (joinedload() also fits a many-to-one)" if origin.direction == "many-to-one" else ""
        return (
            f"Load {origin.attribute} with the rows: add .options(selectinload({origin.attribute})) to {where}{also}."
        )
    loop = f" at {site}" if site is not None else ""
    return (
        f"This query is not a relationship load: the loop{loop} runs it once per item. Load what it needs "
        "in one query before the loop (filter with in_() on the ids, or a join), then look items up in a dict."
    )


class UnboundedResult(TraceDetector):
    """A query returned a huge result set that the code materialised."""

    code = "FD201"

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
                    Evidence(trace_line(trace)),
                ],
                hint="Page with .limit()/paginate(), stream with yield_per(), or use bulk "
                "update()/delete() instead of loading every row.",
            )


class ConnectionHeld(TraceDetector):
    """Pooled connections still checked out after the request or job ended."""

    code = "FD106"

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
                Evidence(trace_line(trace)),
            ],
            hint="Close connections and sessions you open (use `with engine.connect() as conn:`), "
            "or close them in a teardown_appcontext function.",
        )


class JobSessionHeld(TraceDetector):
    """A job ended with pooled connections still checked out."""

    code = "FD209"

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
    """An app or request context was pushed and never popped."""

    code = "FD105"

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
    """An error handler turned an HTTP error such as 404 into a 500."""

    code = "FD501"

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
    """A real response set a cookie without Secure or HttpOnly."""

    code = "FD303"

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
                        Evidence(trace_line(trace)),
                    ],
                    hint=f"Set SESSION_COOKIE_{flag.upper()}=True (or {flag.lower()}=True in set_cookie()).",
                )


class SameSiteNone(TraceDetector):
    """A cookie with SameSite=None was sent without Secure."""

    code = "FD304"

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        for cookie in parse_set_cookies(trace.headers):
            if cookie.samesite == "none" and not cookie.secure:
                yield self.finding(
                    f"cookie {cookie.name!r} has SameSite=None without Secure; browsers reject it",
                    obj=trace.label,
                    key=f"cookie|{cookie.name}|samesite",
                    evidence=[
                        Evidence(f"Set-Cookie: {cookie.name}=...; {cookie.attributes}"),
                        Evidence(trace_line(trace)),
                    ],
                    hint="Add Secure (SESSION_COOKIE_SECURE=True) or use SameSite=Lax.",
                )


class SessionCookieTooLarge(TraceDetector):
    """A session cookie close to the 4 KB per-cookie limit browsers enforce."""

    code = "FD370"
    LIMIT = 3800

    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:
        for cookie in parse_set_cookies(trace.headers):
            if cookie.name == ctx.session_cookie and cookie.size >= self.LIMIT:
                yield self.finding(
                    f"the session cookie is {cookie.size} bytes; browsers drop cookies over 4096 bytes",
                    obj=trace.label,
                    key=f"cookie|{cookie.name}|size",
                    evidence=[Evidence(f"Set-Cookie {cookie.name}: {cookie.size} bytes"), Evidence(trace_line(trace))],
                    hint="Keep only ids in the session and the data server-side (Flask-Session with Redis).",
                )


class TaskFailedWithoutRetry(TraceDetector):
    """A task failed on its first attempt and had no retry policy: the work is lost."""

    code = "FD505"
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
            # a retry would not have saved a permanent error: weaker evidence
            severity=None if transient else Severity.NOTE,
            hint="Add autoretry_for=(ConnectionError, ...), retry_backoff=True and a bounded "
            "max_retries, and make failures visible (logging, result backend, alerts).",
        )


class TaskSwallowsExceptions(TraceDetector):
    """A task logged an error and still reported success."""

    code = "FD507"

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
    """A request timed out waiting for a pooled connection."""

    code = "FD207"

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


# ------------------------------------------------------------------ cookies
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
                attributes="; ".join(
                    a.strip()
                    for a in attrs.split(";")
                    if a.strip() and not a.strip().lower().startswith(("expires=", "max-age="))
                ),
            )
        )
    return found
