"""Process-level detectors: samples of the whole worker process in, findings out.

A background thread samples RSS, requests in flight and the size of the
application's module-level containers; these detectors read the series and
report growth that follows the requests, and a worker at capacity.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from flask_doctor.findings import Evidence, Finding
from flask_doctor.runtime.detectors.base import DetectContext, Detector, fmt_bytes, loc
from flask_doctor.runtime.stats import ContainerSeries, MemorySample, least_squares


class MemoryGrowth(Detector):
    """RSS that follows an endpoint's request count: a least-squares slope over the window, in both halves."""

    code = "FD170"
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
        ranked = sorted(deltas.items(), key=lambda kv: (-kv[1], kv[0]))
        endpoints = [e for e, d in ranked if d > 0][: self.MAX_ENDPOINTS]
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
                f"memory grows by {fmt_bytes(slope)} per request of endpoint:{endpoint} and is not released",
                obj=f"endpoint:{endpoint}",
                key=f"endpoint:{endpoint}|memory",
                location=loc(site),
                evidence=[
                    Evidence(f"RSS {fmt_bytes(window[0].rss)} -> {fmt_bytes(window[-1].rss)} (+{fmt_bytes(growth)}) "
                             f"over {len(window)} samples, {minutes:.1f} min", loc(site)),
                    Evidence(f"least-squares slope {fmt_bytes(slope)}/request over {deltas[endpoint]} requests, "
                             f"R^2 {fit.r2:.2f}"),
                ],
                hint="Find what keeps a reference after the request: module-level caches, "
                "contexts pushed and never popped, globals. FLASK_DOCTOR_TRACEMALLOC=1 shows the allocation sites.",
            )


class GrowingContainer(Detector):
    """A module-level container of the application keeps growing across requests.

    FD101 for a dict, list or set; FD102 for an unbounded ``functools`` cache.
    """

    code = "FD101"
    LRU_CODE = "FD102"

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
        traces = sizes[-1][0] - sizes[0][0]
        yield self.finding(
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
            code=self.LRU_CODE if series.kind == "lru_cache" else self.code,
        )


class WorkerSaturated(Detector):
    """A worker with every slot busy in at least a fifth of the samples."""

    code = "FD471"

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
