"""Each detector alone, on named recorded traces; negatives first."""

from __future__ import annotations

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.runtime import detectors as D
from flask_doctor.runtime import sqltext
from flask_doctor.runtime.records import Site
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.stats import (
    ContainerSeries,
    EndpointStats,
    MemorySample,
    QueryStats,
    TaskStats,
    least_squares,
)
from tests.runtime import traces as T

CTX = D.DetectContext(settings=Settings(), now=1000.0)
VIEW = Site("app/views.py", 10, "index")


def run(detector: D.TraceDetector, trace: object, ctx: D.DetectContext = CTX) -> list[Finding]:
    return list(detector.detect(trace, ctx))  # type: ignore[arg-type]


# ------------------------------------------------------------------ N+1
def test_n_plus_one_negatives() -> None:
    det = D.NPlusOne()
    assert run(det, T.eager_twin()) == []
    assert run(det, T.n_plus_one(count=4)) == []  # below the default threshold of 5
    assert run(det, T.repeated_pings()) == []
    assert run(det, T.request_trace()) == []


def test_n_plus_one_positive() -> None:
    fp = sqltext.fingerprint(T.LAZY_SQL)
    assert run(D.NPlusOne(), T.n_plus_one(count=25)) == [
        Finding(
            code="FD202",
            name="query-in-loop",
            severity=Severity.WARNING,
            message="endpoint:authors.index ran the same query 25 times in one request (N+1)",
            location=Location("app/views.py", 42),
            hint="This query is not a relationship load: the loop at app/views.py:42 runs it once per item. "
            "Load what it needs in one query before the loop (filter with in_() on the ids, or a join), "
            "then look items up in a dict.",
            obj="endpoint:authors.index",
            evidence=(
                Evidence("25 executions in one request, 10.0 ms in total", Location("app/views.py", 42)),
                Evidence("not a relationship load: the loop runs this query itself"),
                Evidence("SQL: SELECT book.id, book.title FROM book WHERE ? = book.author_id"),
                Evidence("request GET /authors -> 200 in 50.0 ms, 26 queries"),
            ),
            catalog=("S12",),
            surface="runtime",
            key=f"endpoint:authors.index|{fp}",
        )
    ]


def test_n_plus_one_names_the_loop_the_relationship_and_the_query_to_fix() -> None:
    fp = sqltext.fingerprint(T.LAZY_SQL)
    [f] = run(D.NPlusOne(), T.lazy_relationship_in_a_template(count=25))
    assert f == Finding(
        code="FD202",
        name="query-in-loop",
        severity=Severity.WARNING,
        message="endpoint:authors.index ran the same query 25 times in one request (N+1): "
        "lazy load of relationship Author.books (one-to-many)",
        location=Location("app/templates/authors.html", 7),
        hint="Load Author.books with the rows: add .options(selectinload(Author.books)) to the query at "
        "app/views.py:40.",
        obj="endpoint:authors.index",
        evidence=(
            Evidence(
                "25 executions in one request, 10.0 ms in total, in the loop here",
                Location("app/templates/authors.html", 7),
            ),
            Evidence("each one is a lazy load of relationship Author.books (one-to-many), once per Author row"),
            Evidence(
                "the Author rows come from the query at app/views.py:40: SELECT author.id, author.name FROM author",
                Location("app/views.py", 40),
            ),
            Evidence("SQL: SELECT book.id, book.title FROM book WHERE ? = book.author_id"),
            Evidence("request GET /authors -> 200 in 50.0 ms, 26 queries"),
        ),
        catalog=("S12",),
        surface="runtime",
        key=f"endpoint:authors.index|{fp}",
    )


def test_in_lists_of_different_lengths_share_a_fingerprint() -> None:
    findings = run(D.NPlusOne(), T.in_list_variants())
    assert [f.message for f in findings] == ["endpoint:authors.index ran the same query 6 times in one request (N+1)"]


def test_threshold_is_a_setting() -> None:
    ctx = D.DetectContext(settings=Settings(n_plus_one=3))
    assert len(run(D.NPlusOne(), T.n_plus_one(count=4), ctx)) == 1


# ------------------------------------------------------------------ unbounded result
def test_unbounded_negative_and_positive() -> None:
    det = D.UnboundedResult()
    assert run(det, T.huge_result(rows=999)) == []
    assert run(det, T.n_plus_one()) == []
    [finding] = run(det, T.huge_result(rows=5000))
    assert (finding.code, finding.name, finding.message, finding.location) == (
        "FD201",
        "unbounded-query-materialised",
        "endpoint:books.all fetched 5000 rows in one query",
        Location("app/views.py", 42),
    )


# ------------------------------------------------------------------ connections and contexts
def test_connections_held() -> None:
    assert run(D.JobSessionHeld(), T.request_holding_connection()) == []
    assert run(D.ConnectionHeld(), T.job_holding_connection()) == []
    assert run(D.JobSessionHeld(), T.failed_task()) == []
    [job] = run(D.JobSessionHeld(), T.job_holding_connection())
    assert (job.code, job.name, job.severity, job.location, job.obj) == (
        "FD209",
        "job-session-never-removed",
        Severity.WARNING,
        Location("app/tasks.py", 12),
        "task:tasks.sync",
    )
    [req] = run(D.ConnectionHeld(), T.request_holding_connection())
    assert (req.code, req.message) == (
        "FD106",
        "endpoint:conn.leak left 2 pooled connection(s) checked out after the request ended",
    )


def test_context_leak() -> None:
    assert run(D.ContextLeak(), T.request_trace()) == []
    [f] = run(D.ContextLeak(), T.job_leaking_context())
    assert (f.code, f.name, f.message, f.location) == (
        "FD105",
        "context-pushed-never-popped",
        "task:tasks.report pushed 2 application context(s) that were never popped",
        Location("app/tasks.py", 30),
    )


# ------------------------------------------------------------------ errors
def test_error_handler_turning_404_into_500() -> None:
    det = D.ErrorHandlerSwallowsHttp()
    assert run(det, T.request_trace(status=404)) == []
    ok_404 = T.request_trace("(no endpoint)", "/nope", status=404)
    ok_404.routing_code = 404
    assert run(det, ok_404) == []
    assert run(det, T.request_trace(status=500)) == []  # a real 500 is FD570's business
    ctx = D.DetectContext(error_handler_site=lambda code: Site("app/errors.py", 7, "handle"))
    [f] = run(det, T.not_found_turned_500(), ctx)
    assert (f.code, f.message, f.location) == (
        "FD501",
        "a 404 for GET /nope was answered with 500",
        Location("app/errors.py", 7),
    )


def test_server_error_burst() -> None:
    det = D.ServerErrorBurst()
    stats = EndpointStats("orders.show")
    stats.count = 10
    stats.errors = 4
    stats.error_times.extend([990.0, 991.0, 992.0, 993.0])
    assert list(det.detect(stats, CTX)) == []
    stats.error_times.append(900.0)  # outside the 60 s window
    assert list(det.detect(stats, CTX)) == []
    stats.error_times.append(999.0)
    stats.first_traceback = "Traceback...\nZeroDivisionError: division by zero"
    stats.first_error = "ZeroDivisionError"
    [f] = list(det.detect(stats, CTX))
    assert (f.code, f.name, f.severity, f.message) == (
        "FD570",
        "server-error-burst",
        Severity.ERROR,
        "endpoint:orders.show answered 5 server errors in 60 s (ZeroDivisionError)",
    )
    assert "ZeroDivisionError: division by zero" in f.evidence[1].message


# ------------------------------------------------------------------ cookies
def test_cookies_negatives() -> None:
    good = T.cookies("session=abc; HttpOnly; Path=/; SameSite=Lax", "pref=1; Path=/")
    for det in (D.InsecureCookie(), D.SameSiteNone(), D.SessionCookieTooLarge()):
        assert run(det, good) == []
    deleted = T.cookies("session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")
    assert run(D.InsecureCookie(), deleted) == []


def test_cookies_positives() -> None:
    [httponly] = run(D.InsecureCookie(), T.cookies("session=abc; Path=/"))
    assert (httponly.code, httponly.message) == ("FD303", "cookie 'session' was set without the HttpOnly flag")
    [secure] = run(D.InsecureCookie(), T.cookies("pref=1; Path=/", secure=True))
    assert secure.message == "cookie 'pref' was set without the Secure flag"
    [samesite] = run(D.SameSiteNone(), T.cookies("track=1; Path=/; SameSite=None"))
    assert (samesite.code, samesite.name) == ("FD304", "samesite-none-without-secure")
    [big] = run(D.SessionCookieTooLarge(), T.cookies("session=" + "a" * 4000 + "; HttpOnly; Path=/"))
    assert (big.code, big.name) == ("FD370", "session-cookie-too-large")


# ------------------------------------------------------------------ tasks
def test_task_failures() -> None:
    det = D.TaskFailedWithoutRetry()
    assert run(det, T.failed_task(policy=True)) == []
    assert run(det, T.job_holding_connection()) == []
    [f] = run(det, T.failed_task())
    assert (f.code, f.name, f.severity, f.message, f.location) == (
        "FD505",
        "task-without-retry",
        Severity.WARNING,
        "task:tasks.push failed with ConnectionError and has no retry policy although the error is transient",
        Location("app/tasks.py", 5),
    )
    [g] = run(det, T.failed_task(exc="ValueError"))
    assert g.severity == Severity.NOTE  # a retry would not have saved a ValueError


def test_task_swallowing_exceptions() -> None:
    t = T.job_holding_connection()
    assert run(D.TaskSwallowsExceptions(), t) == []
    t.logged_errors = 2
    [f] = run(D.TaskSwallowsExceptions(), t)
    assert (f.code, f.message) == ("FD507", "task:tasks.sync logged 2 error(s) but finished as SUCCESS")


def test_retry_storm() -> None:
    stats = TaskStats("tasks.push")
    stats.retry_times.extend([995.0] * 9)
    assert list(D.RetryStorm().detect(stats, CTX)) == []
    stats.retry_times.append(999.0)
    [f] = list(D.RetryStorm().detect(stats, CTX))
    assert (f.code, f.message) == ("FD571", "task:tasks.push was retried 10 times in 60 s")


# ------------------------------------------------------------------ windows
def endpoint(walls: list[float], cpus: list[float], sql: float = 0.0) -> EndpointStats:
    stats = EndpointStats("reports.show")
    for w, c in zip(walls, cpus):
        stats.walls.append(w)
        stats.cpus.append(c)
        stats.sql_ms.append(sql)
        stats.queries.append(1)
        stats.waits.append(max(0.0, w - c - sql))
    return stats


def test_slow_endpoint_and_blocking() -> None:
    ctx = D.DetectContext(settings=Settings(slow_endpoint_ms=500, blocking_ms=200), view_site=lambda e: VIEW)
    fast = endpoint([50] * 10, [45] * 10)
    busy_cpu = endpoint([900] * 10, [880] * 10)
    waiting_on_db = endpoint([900] * 10, [10] * 10, sql=850)
    blocked = endpoint([900] * 10, [10] * 10)
    few = endpoint([900] * 4, [10] * 4)
    assert list(D.SlowEndpoint().detect(fast, ctx)) == []
    assert list(D.SlowEndpoint().detect(few, ctx)) == []
    assert list(D.BlockingRequest().detect(busy_cpu, ctx)) == []
    assert list(D.BlockingRequest().detect(waiting_on_db, ctx)) == []
    assert list(D.BlockingRequest().detect(few, ctx)) == []
    [slow] = list(D.SlowEndpoint().detect(blocked, ctx))
    assert (slow.code, slow.message, slow.location) == (
        "FD470",
        "endpoint:reports.show p95 is 900 ms over 10 requests (threshold 500 ms)",
        Location("app/views.py", 10),
    )
    [block] = list(D.BlockingRequest().detect(blocked, ctx))
    assert (block.code, block.name, block.message) == (
        "FD401",
        "blocking-call-in-request",
        "endpoint:reports.show waits 890 ms of its 900 ms median request outside CPU and SQL (blocking call)",
    )


def test_slow_query() -> None:
    ctx = D.DetectContext(settings=Settings(slow_query_ms=100))
    q = QueryStats("abc", "SELECT * FROM t")
    q.times.extend([5.0] * 20)
    assert list(D.SlowQuery().detect(q, ctx)) == []
    q.times.extend([300.0] * 5)
    q.labels["endpoint:a"] = 25
    [f] = list(D.SlowQuery().detect(q, ctx))
    assert (f.code, f.name, f.obj) == ("FD270", "slow-query", "endpoint:a")


def samples(leak: int, rss0: int = 100 << 20, noise: int = 0) -> list[MemorySample]:
    """Blocks of requests to /a and /b; /a leaves ``leak`` bytes per request."""
    out, a, b, rss = [], 0, 0, rss0
    pattern = "aabababbbaabbbababaaabbaabab"
    for i, which in enumerate(pattern):
        if which == "a":
            a += 10
            rss += 10 * leak
        else:
            b += 10
        out.append(
            MemorySample(t=float(i), rss=rss + (noise if i % 2 else -noise), total=a + b, per_endpoint={"a": a, "b": b})
        )
    return out


def test_memory_growth_negatives() -> None:
    det = D.MemoryGrowth()
    assert list(det.detect(samples(leak=0), CTX)) == []
    assert list(det.detect(samples(leak=0, noise=4 << 20), CTX)) == []  # noise, no trend
    assert list(det.detect(samples(leak=64 * 1024)[:5], CTX)) == []  # too few samples
    # less than a full window: the first samples after a start are not judged
    assert list(det.detect(samples(leak=64 * 1024), CTX)) == []
    assert list(det.detect(samples(leak=1024), CTX)) == []  # grows less than 8 MiB


def test_memory_growth_is_attributed_to_the_leaking_endpoint() -> None:
    window = samples(leak=64 * 1024)
    ctx = D.DetectContext(view_site=lambda e: VIEW, settings=Settings(memory_window=len(window)))
    [f] = list(D.MemoryGrowth().detect(window, ctx))
    assert (f.code, f.name, f.obj, f.location) == ("FD170", "memory-growth", "endpoint:a", Location("app/views.py", 10))
    assert f.message == "memory grows by 64.0 KiB per request of endpoint:a and is not released"


def mixed(leak: int, *, fixed: bool = False, seed: int = 3, noise: int = 20_000) -> list[MemorySample]:
    """Samples every 20 requests of a, b, c; only a keeps ``leak`` bytes; random mix unless ``fixed``."""
    import random

    rng = random.Random(seed)
    out, counts, rss = [], {"a": 0, "b": 0, "c": 0}, 100 << 20
    for i in range(60):
        batch = ["a"] * 7 + ["b"] * 7 + ["c"] * 6 if fixed else [rng.choice("abc") for _ in range(20)]
        for which in batch:
            counts[which] += 1
            rss += leak if which == "a" else 0
        rss += 500 * len(batch)  # everything allocates a little that stays (caches warming)
        out.append(
            MemorySample(
                t=float(i), rss=rss + rng.randint(-noise, noise), total=sum(counts.values()), per_endpoint=dict(counts)
            )
        )
    return out


def test_memory_growth_with_a_fixed_traffic_mix_is_reported_for_the_process() -> None:
    ctx = D.DetectContext(view_site=lambda e: VIEW, worker="h:1", settings=Settings(memory_growth_bytes=2 << 20))
    [f] = list(D.MemoryGrowth().detect(mixed(10_000, fixed=True), ctx))
    assert (f.code, f.obj, f.severity, f.location) == ("FD170", "worker:h:1", Severity.WARNING, None)
    assert f.message.endswith("the endpoints' request counts moved together, so their shares cannot be told apart")
    assert [e.message for e in f.evidence[1:]] == [
        "candidate endpoint:a: 413 requests",
        "candidate endpoint:b: 413 requests",
        "candidate endpoint:c: 354 requests",
    ]
    assert "flask-doctor soak" in f.hint


def test_memory_growth_in_a_random_mix_is_blamed_on_the_leaking_endpoint_only() -> None:
    ctx = D.DetectContext(view_site=lambda e: VIEW, settings=Settings(memory_growth_bytes=2 << 20))
    for seed in range(5):
        [f] = list(D.MemoryGrowth().detect(mixed(10_000, seed=seed), ctx))
        assert (f.obj, f.severity, f.location) == ("endpoint:a", Severity.ERROR, Location("app/views.py", 10))
        slope = float(f.message.split(" by ")[1].split(" KiB")[0]) * 1024
        assert 5_000 <= slope <= 20_000, f.message  # within 2x of the truth
    # nothing leaks: nothing is blamed, and steady growth below the threshold is not reported
    assert list(D.MemoryGrowth().detect(mixed(0), ctx)) == []


def test_memory_growth_is_judged_on_full_windows_only() -> None:
    """Recorded on a loaded gunicorn worker: on partial windows the non-leaking /fine was blamed too."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "data" / "fd170-gunicorn-samples.json").read_text())
    recorded = [MemorySample(s["t"], s["rss"], s["total"], s["per_endpoint"]) for s in data["samples"]]
    ctx = D.DetectContext(settings=Settings(memory_window=60, memory_growth_bytes=2 << 20))
    blamed: dict[str, int] = {}
    for end in range(1, len(recorded) + 1):
        for f in D.MemoryGrowth().detect(recorded[max(0, end - 60) : end], ctx):
            blamed.setdefault(f.obj, end)
    assert blamed == {"endpoint:leaky": 60}


def test_growing_container() -> None:
    ctx = D.DetectContext(settings=Settings(container_growth=100, container_min_samples=5, container_every=10))
    registry = ContainerSeries("app.views", "ROUTES", "dict", Site("app/views.py", 3))
    registry.sizes.extend((i * 10, 40) for i in range(10))
    cache = ContainerSeries("app.views", "_cache", "dict", Site("app/views.py", 4))
    cache.sizes.extend((i * 10, i * 50) for i in range(10))
    bounded = ContainerSeries("app.views", "_lru", "OrderedDict", None)
    bounded.sizes.extend((i * 10, (i * 50) % 200) for i in range(10))
    assert list(D.GrowingContainer().detect(registry, ctx)) == []
    assert list(D.GrowingContainer().detect(bounded, ctx)) == []
    [f] = list(D.GrowingContainer().detect(cache, ctx))
    assert (f.code, f.name, f.obj, f.location) == (
        "FD101",
        "unbounded-module-cache",
        "global:app.views._cache",
        Location("app/views.py", 4),
    )
    lru = ContainerSeries("app.views", "lookup", "lru_cache", None)
    lru.sizes.extend((i * 10, i * 50) for i in range(10))
    [g] = list(D.GrowingContainer().detect(lru, ctx))
    assert (g.code, g.name) == ("FD102", "unbounded-lru-cache")


def test_worker_saturated() -> None:
    quiet = [MemorySample(float(i), 1, i, in_flight=1) for i in range(20)]
    busy = [MemorySample(float(i), 1, i, in_flight=4 if i % 2 else 2) for i in range(20)]
    ctx = D.DetectContext(capacity=4, worker="h:1")
    assert list(D.WorkerSaturated().detect(quiet, ctx)) == []
    assert list(D.WorkerSaturated().detect(busy, D.DetectContext(capacity=0))) == []
    # one sequential client keeps a sync worker busy: busy is not saturated
    sequential = [MemorySample(float(i), 1, i, in_flight=1) for i in range(20)]
    assert list(D.WorkerSaturated().detect(sequential, D.DetectContext(capacity=1))) == []
    # at capacity now and then is not sustained
    bursts = [MemorySample(float(i), 1, i, in_flight=4 if i % 3 == 0 else 1) for i in range(20)]
    assert list(D.WorkerSaturated().detect(bursts, ctx)) == []
    [f] = list(D.WorkerSaturated().detect(busy, ctx))
    assert (f.code, f.message) == ("FD471", "worker h:1 had 4 of 4 slots busy in 10 of 20 samples")


# ------------------------------------------------------------------ maths and text
def test_least_squares_recovers_two_slopes() -> None:
    xs = [[float(i), float((i * 7) % 5)] for i in range(20)]
    ys = [3.0 + 2.0 * a - 1.5 * b for a, b in xs]
    fit = least_squares(xs, ys)
    assert fit is not None
    assert round(fit.intercept, 6) == 3.0 and [round(s, 6) for s in fit.slopes] == [2.0, -1.5]
    assert round(fit.r2, 6) == 1.0
    assert least_squares([[1.0]], [1.0]) is None


def test_sql_normalisation() -> None:
    assert sqltext.normalise("SELECT * FROM t WHERE a = 'x' AND b = 42 AND c IN (%s, %s, %s)") == (
        "SELECT * FROM t WHERE a = ? AND b = ? AND c IN (?)"
    )
    assert sqltext.normalise("select  *\n from t where id = :id_1 -- hi") == "select * from t where id = ?"
    assert sqltext.fingerprint("SELECT a FROM t WHERE id = 1") == sqltext.fingerprint("SELECT a FROM t WHERE id = 2")
