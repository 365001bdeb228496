"""Process-level detectors: samples of the whole worker process in, findings out.

A background thread samples RSS, requests in flight and the size of the
application's module-level containers; these detectors read the series and
report growth that follows the requests, and a worker at capacity.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.runtime.detectors.base import DetectContext, Detector, fmt_bytes, loc
from flask_doctor.runtime.records import Site
from flask_doctor.runtime.stats import ContainerSeries, MemorySample, Shares, least_squares, shares
from flask_doctor.userfiles import is_user_file


class MemoryGrowth(Detector):
    """RSS that grows steadily, blamed on an endpoint only when its share can be told apart.

    The share of each endpoint is a least-squares fit of the RSS increments
    between samples against the requests each endpoint served in between
    (:func:`~flask_doctor.runtime.stats.shares`), weighted by the requests
    of each interval.  An endpoint is blamed when the counts do not move
    together (condition number), its share is at least
    ``LEAK_BYTES_PER_REQUEST`` and its 95 % confidence interval excludes zero
    (and half that threshold).  Growth that is steady but cannot be pinned on one endpoint (a fixed
    traffic mix, a leak spread over many) is reported for the process, with
    the candidates and the advice to soak them one by one.  Both are judged on
    full windows of samples only.
    """

    code = "FD170"
    MAX_ENDPOINTS = 8
    #: Above this condition number the request counts of the endpoints move together.
    MAX_CONDITION = 1000.0
    #: The RSS must follow the request count (R^2) for growth to count as steady.
    MIN_R2 = 0.8
    #: An endpoint is blamed only with enough requests spread over enough intervals to weigh them.
    MIN_REQUESTS = 20
    MIN_INTERVALS = 5

    def detect(self, samples: Sequence[MemorySample], ctx: DetectContext) -> Iterator[Finding]:
        s = ctx.settings
        window = list(samples)[-s.memory_window :]
        if len(window) < max(s.memory_window, 4):
            # Only full windows are judged. The first samples after a start carry warm-up growth
            # (allocator arenas, the doctor's own bounded records filling) that any endpoint's
            # traffic can appear to explain: on a gunicorn worker a non-leaking endpoint was blamed
            # from 12 and from 30 samples, never from a full window of 60.
            return
        growth = window[-1].rss - window[0].rss
        if growth < s.memory_growth_bytes or not _steady(window, growth, self.MIN_R2):
            return
        first, last = window[0].per_endpoint, window[-1].per_endpoint
        deltas = {e: last.get(e, 0) - first.get(e, 0) for e in last}
        ranked = sorted(deltas.items(), key=lambda kv: (-kv[1], kv[0]))
        endpoints = [e for e, d in ranked if d > 0][: self.MAX_ENDPOINTS]
        if not endpoints:
            return
        pairs = list(zip(window, window[1:]))
        # Weighted by the requests of each interval: the noise of an increment grows with the requests
        # in it, and an interval the sampler was late for must not outweigh all the others.
        weights = [1.0 / max(1, b.total - a.total) ** 0.5 for a, b in pairs]
        dxs = [
            [w * (b.per_endpoint.get(e, 0) - a.per_endpoint.get(e, 0)) for e in endpoints]
            for w, (a, b) in zip(weights, pairs)
        ]
        dys = [w * (b.rss - a.rss) for w, (a, b) in zip(weights, pairs)]
        fit = shares(dxs, dys)
        separable = fit is not None and fit.condition <= self.MAX_CONDITION
        minutes = (window[-1].t - window[0].t) / 60.0
        rss_line = (
            f"RSS {fmt_bytes(window[0].rss)} -> {fmt_bytes(window[-1].rss)} (+{fmt_bytes(growth)}) "
            f"over {len(window)} samples, {minutes:.1f} min"
        )
        blamed = []
        if separable and fit is not None:
            # The interval must exclude zero, and even half the threshold: RSS moves in steps, and
            # increments of consecutive samples are not independent, so the interval is optimistic.
            seen = [sum(1 for row in dxs if row[j] > 0) for j in range(len(endpoints))]
            blamed = [
                j
                for j, slope in enumerate(fit.slopes)
                if slope >= s.leak_bytes_per_request
                and fit.lower95(j) >= s.leak_bytes_per_request / 2
                and deltas[endpoints[j]] >= self.MIN_REQUESTS
                and seen[j] >= self.MIN_INTERVALS
            ]
        for j in blamed:
            assert fit is not None
            endpoint = endpoints[j]
            site = ctx.view_site(endpoint)
            where = _allocation_in(ctx.allocation_sites, site) or loc(site)
            slope, low = fit.slopes[j], fit.lower95(j)
            high = 2 * slope - low
            yield self.finding(
                f"memory grows by {fmt_bytes(slope)} per request of endpoint:{endpoint} and is not released",
                obj=f"endpoint:{endpoint}",
                key=f"endpoint:{endpoint}|memory",
                location=where,
                evidence=[
                    Evidence(rss_line, loc(site)),
                    Evidence(
                        f"share of endpoint:{endpoint}: {fmt_bytes(slope)}/request (95 % CI {fmt_bytes(low)} "
                        f"to {fmt_bytes(high)}) over {deltas[endpoint]} requests, from how the mix of "
                        f"requests varied between {len(window)} samples"
                    ),
                    *_other_shares(endpoints, fit, j),
                    *_allocation_evidence(ctx.allocation_sites),
                ],
                hint="Find what keeps a reference after the request: module-level caches, "
                "contexts pushed and never popped, globals. FLASK_DOCTOR_TRACEMALLOC=1 shows the allocation sites.",
            )
        if blamed:
            return
        total = sum(deltas[e] for e in endpoints) or 1
        if separable and fit is not None:
            why = "no endpoint's share stands out"
            candidates = [
                Evidence(
                    f"candidate endpoint:{e}: {fmt_bytes(fit.slopes[j])}/request "
                    f"(95 % CI from {fmt_bytes(fit.lower95(j))}), {deltas[e]} requests"
                )
                for j, e in enumerate(endpoints)
            ]
        else:
            why = "the endpoints' request counts moved together, so their shares cannot be told apart"
            candidates = [Evidence(f"candidate endpoint:{e}: {deltas[e]} requests") for e in endpoints]
        top = _allocation_in(ctx.allocation_sites, None)
        yield self.finding(
            f"memory grew by {fmt_bytes(growth)} ({fmt_bytes(growth / total)} per request on average) and "
            f"is not released; {why}",
            obj=f"worker:{ctx.worker}" if ctx.worker else "process",
            key="process|memory",
            location=top,
            evidence=[Evidence(rss_line), *candidates, *_allocation_evidence(ctx.allocation_sites)],
            # weaker evidence than an endpoint's share: a warning, not an error
            severity=Severity.WARNING,
            hint="Soak the candidates one at a time: `flask-doctor soak --app IMPORT --endpoints PATTERN` "
            "measures the memory each endpoint keeps per request; FLASK_DOCTOR_TRACEMALLOC=1 shows the growing "
            "allocation sites here.",
        )


def _steady(window: Sequence[MemorySample], growth: float, min_r2: float) -> bool:
    """Growth that keeps its pace: RSS follows the request count (R^2), and both halves of the window grew.

    A one-off step (the allocator moving large blocks from mmap to the heap, a
    cache warming up) fails one of the two; noise fails the fit.
    """
    half = len(window) // 2
    if window[half].rss - window[0].rss < growth / 4 or window[-1].rss - window[half].rss < growth / 4:
        return False
    fit = least_squares([[float(smp.total)] for smp in window], [float(smp.rss) for smp in window])
    return fit is not None and fit.r2 >= min_r2


def _other_shares(endpoints: Sequence[str], fit: Shares, blamed: int) -> list[Evidence]:
    others = [f"endpoint:{e} {fmt_bytes(fit.slopes[j])}" for j, e in enumerate(endpoints) if j != blamed]
    return [Evidence("other endpoints' shares (per request): " + ", ".join(others))] if others else []


def _allocation_in(sites: Sequence[dict[str, object]], view: Site | None) -> Location | None:
    """The top growing allocation site in the view's file (or anywhere in the user's code without a view)."""
    for top in sites:
        path, _, line = str(top.get("site", "")).rpartition(":")
        if not path or not line.isdigit() or not is_user_file(path):
            continue
        if view is None or path == view.path:
            return Location(path, int(line))
    return None


def _allocation_evidence(sites: Sequence[dict[str, object]]) -> list[Evidence]:
    out = []
    for top in list(sites)[:5]:
        path, _, line = str(top.get("site", "")).rpartition(":")
        where = Location(path, int(line)) if path and line.isdigit() else None
        blocks = int(str(top.get("count_growth", 0) or 0))
        out.append(
            Evidence(
                f"growing allocation site {top.get('site')}: +{top.get('growth_bytes')} bytes ({blocks:+d} blocks)",
                where,
            )
        )
    return out


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
                Evidence(
                    f"sizes sampled every {ctx.settings.container_every} traces: "
                    + ", ".join(str(v) for v in values[-8:]),
                    loc(series.site),
                ),
            ],
            hint="Bound it (cachetools.LRUCache/TTLCache, lru_cache(maxsize=N)) or keep it in Redis with a TTL.",
            code=self.LRU_CODE if series.kind == "lru_cache" else self.code,
        )


class WorkerSaturated(Detector):
    """A worker under sustained load: at capacity, with concurrent requests, in most samples.

    One client sending requests one after another keeps a sync worker busy in
    most samples without anybody waiting: busy is not saturated.  So a
    sample counts only when every slot is busy *and* at least
    ``MIN_CONCURRENT`` requests are in flight at once, and the worker is
    reported only when that holds in at least ``MIN_SHARE`` of the samples.
    A worker of capacity one can therefore never be reported from requests
    in flight alone (its queue is the socket backlog, out of the process's
    sight).
    """

    code = "FD471"
    MIN_SHARE = 0.5
    MIN_CONCURRENT = 2

    def detect(self, samples: Sequence[MemorySample], ctx: DetectContext) -> Iterator[Finding]:
        window = list(samples)[-ctx.settings.memory_window :]
        if ctx.capacity < self.MIN_CONCURRENT or len(window) < ctx.settings.memory_min_samples:
            return
        full = sum(1 for smp in window if smp.in_flight >= ctx.capacity)
        if full / len(window) < self.MIN_SHARE:
            return
        yield self.finding(
            f"worker {ctx.worker or ''} had {ctx.capacity} of {ctx.capacity} slots busy in "
            f"{full} of {len(window)} samples".replace("worker  ", "worker "),
            obj=f"worker:{ctx.worker}",
            key="worker|saturated",
            evidence=[
                Evidence(
                    f"in flight at capacity in {full / len(window):.0%} of samples; "
                    f"max {max(s.in_flight for s in window)}"
                )
            ],
            hint="Add threads/greenlets or workers, and move slow I/O out of requests.",
        )
