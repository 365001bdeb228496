"""Everything the doctor keeps is bounded, whatever the traffic looks like."""

from __future__ import annotations

from flask_doctor.runtime.aggregate import Aggregator
from flask_doctor.runtime.detectors import DetectContext
from flask_doctor.runtime.records import QStat, Site
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.stats import MemorySample
from flask_doctor.runtime.store import MemoryStore
from tests.runtime.traces import request_trace


def test_cardinality_explosion_stays_bounded() -> None:
    settings = Settings(max_endpoints=50, max_fingerprints=40, window=20, max_requests=100, max_findings=30)
    agg = Aggregator(settings, DetectContext(settings=settings))
    store = MemoryStore(max_findings=settings.max_findings, max_requests=settings.max_requests)
    for batch in range(20):
        traces = []
        for i in range(250):
            n = batch * 250 + i
            t = request_trace(name=f"ep{n}", path=f"/p/{n}")
            t.queries = {f"SELECT t{n}.a FROM t{n} WHERE id = %(x)s": QStat.of(6, 0.001, site=Site("a.py", n))}
            traces.append(t)
        agg.process(traces, now=1000.0 + batch)
        findings, requests = agg.take()
        store.upsert(findings, "w", 1000.0 + batch)
        store.add_requests(requests)
        agg.add_sample(MemorySample(t=float(batch), rss=1, total=agg.total, per_endpoint=dict(agg.counts)))
    assert agg.total == 5000
    assert len(agg.endpoints) <= 50 and len(agg.queries) <= 40 and len(agg.counts) <= 100
    assert all(len(s.walls) <= 20 for s in agg.endpoints.values())
    assert len(store.findings()) == 30 and store.evicted == 5000 - 30
    assert len(store.requests(1000)) == 100
    assert agg.pending == {} and agg.pending_requests == []
