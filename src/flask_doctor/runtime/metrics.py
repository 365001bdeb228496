"""Prometheus metrics at ``/_doctor/metrics``, also under gunicorn multiprocess mode.

Metrics are updated by the background aggregator from finished traces, never
on the request thread.  With ``PROMETHEUS_MULTIPROC_DIR`` set, values go to
the shared directory and the endpoint aggregates every worker's files (add
``prometheus_client.multiprocess.mark_process_dead(worker.pid)`` to
gunicorn's ``child_exit`` hook, as prometheus_client documents).
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from flask_doctor.runtime.records import KNOWN_METHODS, UNMATCHED, Trace

try:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        CollectorRegistry,
        Counter,
        Gauge,
        Histogram,
        generate_latest,
        multiprocess,
    )
except ImportError as exc:  # pragma: no cover
    raise ImportError("flask-doctor metrics need prometheus_client: pip install prometheus_client") from exc

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Every label value comes from a closed set (a label set is a time series that lives for ever):
#: methods below plus OTHER, endpoints of the URL map plus ``unmatched`` (and task names), at most
#: ``max_endpoints`` of them (then ``other``), status classes, job states.
METHODS = KNOWN_METHODS | {"JOB", "TASK"}
STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
JOB_STATES = frozenset({"SUCCESS", "FAILURE", "RETRY", "REVOKED", "REJECTED", "IGNORED"})
UNMATCHED_LABEL = "unmatched"


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or ""


class Metrics:
    def __init__(self, max_endpoints: int = 300) -> None:
        self.max_endpoints = max_endpoints
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "flask_doctor_requests", "Traced requests and jobs.", ["endpoint", "method", "status"], registry=r
        )
        self.duration = Histogram(
            "flask_doctor_request_duration_seconds",
            "Wall time of traced requests and jobs.",
            ["endpoint"],
            buckets=BUCKETS,
            registry=r,
        )
        self.queries = Counter(
            "flask_doctor_sql_queries", "SQL statements executed by traced requests and jobs.", ["endpoint"], registry=r
        )
        self.findings = Counter(
            "flask_doctor_findings", "Finding occurrences by rule id.", ["code", "severity"], registry=r
        )
        self.in_flight = Gauge(
            "flask_doctor_in_flight", "Requests in flight in this worker.", registry=r, multiprocess_mode="livesum"
        )
        self.rss = Gauge(
            "flask_doctor_rss_bytes", "Resident set size of this worker.", registry=r, multiprocess_mode="liveall"
        )
        #: endpoint label -> its duration histogram child (at most ``max_endpoints`` + 1)
        self._durations: dict[str, Any] = {}

    def endpoint_label(self, trace: Trace) -> str:
        """The trace's endpoint as a label: a URL rule's endpoint, ``unmatched``, ``task:NAME``, or ``other``."""
        if trace.kind == "request":
            name = UNMATCHED_LABEL if trace.name == UNMATCHED else trace.name
        else:
            name = f"task:{trace.name}"
        if name not in self._durations and len(self._durations) >= self.max_endpoints:
            return "other"
        return name

    def observe(self, traces: Iterable[Trace]) -> None:
        """Counts are summed per label set first: one ``inc`` per label set and batch."""
        counts: dict[tuple[str, str, str], int] = {}
        queries: dict[str, int] = {}
        #: endpoint label -> [sum of seconds, count per bucket...]: one inc per bucket and batch
        observed: dict[str, list[float]] = {}
        nbuckets = len(BUCKETS) + 1
        for t in traces:
            if t.skip:
                continue
            name = self.endpoint_label(t)
            method = t.method or t.kind.upper()
            if method not in METHODS:
                method = "OTHER"
            if t.status:
                status = STATUS_CLASSES.get(t.status // 100, "other")
            else:
                status = t.state if t.state in JOB_STATES else ("" if not t.state else "OTHER")
            key = (name, method, status)
            counts[key] = counts.get(key, 0) + 1
            acc = observed.get(name)
            if acc is None:
                acc = observed[name] = [0.0] * (nbuckets + 1)
            acc[0] += t.wall
            acc[1 + bisect_left(BUCKETS, t.wall)] += 1
            n = t.query_count
            if n:
                queries[name] = queries.get(name, 0) + n
        for name, acc in observed.items():
            child = self._durations.get(name)
            if child is None:
                child = self._durations[name] = self.duration.labels(name)
            _observe_many(child, acc)
        for key, n in counts.items():
            self.requests.labels(*key).inc(n)
        for name, n in queries.items():
            self.queries.labels(name).inc(n)

    def count_findings(self, items: Iterable[tuple[Any, int]]) -> None:
        for finding, count in items:
            self.findings.labels(finding.code, finding.severity.label).inc(count)

    def exposition(self) -> tuple[bytes, str]:
        if multiprocess_dir():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _observe_many(child: Any, acc: list[float]) -> None:
    """Add a batch of observations to a histogram child: its sum once and each bucket once.

    ``Histogram.observe`` takes two locks and scans the buckets per value
    (~1.5 µs); a batch of a second's requests needs one increment per
    bucket.  prometheus_client has no batch API, so this uses the child's
    value objects (``_sum``, ``_buckets``, also in multiprocess mode), and
    falls back to ``observe`` per bucket bound if they ever change.
    """
    total, counts = acc[0], acc[1:]
    buckets = getattr(child, "_buckets", None)
    value_sum = getattr(child, "_sum", None)
    if buckets is not None and value_sum is not None and len(buckets) == len(counts):
        value_sum.inc(total)
        for bucket, n in zip(buckets, counts):
            if n:
                bucket.inc(n)
        return
    # pragma: no cover - another prometheus_client layout: each value at its bucket's bound
    for bound, n in zip((*BUCKETS, 2 * BUCKETS[-1]), counts):
        for _ in range(int(n)):
            child.observe(bound)
