"""Window detectors: rolling statistics of one endpoint, statement or task in, findings out.

They read what :mod:`flask_doctor.runtime.stats` keeps over the last
requests (percentiles of wall time and SQL time, error and retry times) and
never conclude from fewer than ``min_samples`` of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_doctor.findings import Evidence, Finding
from flask_doctor.percentiles import median, percentile
from flask_doctor.runtime.detectors.base import (
    DetectContext,
    Detector,
    endpoint_label,
    loc,
)
from flask_doctor.runtime.stats import EndpointStats, QueryStats, TaskStats


class SlowQuery(Detector):
    """A statement fingerprint whose 95th percentile over its rolling window is above the threshold."""

    code = "FD270"

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
                Evidence(
                    f"p50 {percentile(times, 50):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms", loc(stats.site)
                ),
                Evidence(f"SQL: {stats.sql}"),
                Evidence(f"run by {callers}"),
            ],
            hint="EXPLAIN the statement; add an index, select fewer columns or rows, or cache the result.",
        )


class SlowEndpoint(Detector):
    """An endpoint whose 95th percentile wall time is above the threshold, split into CPU, SQL and waiting."""

    code = "FD470"

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
    """Requests spend most of their time waiting outside the database (wall >> CPU)."""

    code = "FD401"

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
    """An endpoint that answered at least ``error_burst`` 5xx responses within the sliding window."""

    code = "FD570"

    def detect(self, stats: EndpointStats, ctx: DetectContext) -> Iterator[Finding]:
        window = ctx.settings.error_window_s
        recent = [t for t in stats.error_times if ctx.now - t <= window]
        if len(recent) < ctx.settings.error_burst:
            return
        evidence = [
            Evidence(
                f"{len(recent)} responses >= 500 in the last {window:.0f} s; "
                f"{stats.errors} of {stats.count} requests failed in total",
                loc(stats.error_site),
            ),
        ]
        if stats.first_traceback:
            evidence.append(Evidence("first traceback:\n" + stats.first_traceback, loc(stats.error_site)))
        yield self.finding(
            f"{endpoint_label(stats)} answered {len(recent)} server errors in {window:.0f} s"
            + (f" ({stats.first_error})" if stats.first_error else ""),
            obj=endpoint_label(stats),
            key=f"{endpoint_label(stats)}|5xx",
            location=loc(stats.error_site or ctx.view_site(stats.name)),
            evidence=evidence,
            hint="Fix the exception in the traceback; return 4xx for bad input (abort(404), get_or_404).",
        )


class RetryStorm(Detector):
    """A Celery task retried at least ``retry_storm`` times within the sliding window."""

    code = "FD571"

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
                Evidence(
                    f"{len(recent)} retries in {window:.0f} s, {stats.retries} in total, "
                    f"{stats.failures} final failures",
                    loc(stats.site),
                ),
                Evidence(f"last reason: {stats.last_exc or 'unknown'}"),
            ],
            hint="Use retry_backoff=True with retry_jitter and a bounded max_retries.",
        )
