"""The Redis store on a real Redis, and ``flask-doctor report`` reading it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli
from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.runtime.store import MemoryStore, RedisStore, make_store
from tests.runtime.apps import shop


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    yield prefix
    RedisStore(redis_url, prefix=prefix).clear()


def finding(n: int = 1, code: str = "FD202") -> Finding:
    return Finding(
        code=code,
        name="query-in-loop",
        severity=Severity.WARNING,
        message=f"m{n}",
        location=Location("app.py", 3),
        obj="endpoint:x",
        evidence=(Evidence("e", Location("app.py", 3)),),
        surface="runtime",
        key=f"endpoint:x|{n}",
    )


def test_memory_store_is_bounded() -> None:
    store = MemoryStore(max_findings=3, max_requests=5)
    for i in range(10):
        store.upsert([(finding(i), 1)], "w", float(i))
        store.add_requests([{"i": i}])
    assert [s.finding.message for s in store.findings()] == ["m7", "m8", "m9"]
    assert [r["i"] for r in store.requests()] == [9, 8, 7, 6, 5]
    assert store.evicted == 7


def test_redis_store_round_trip_with_ttl(redis_url: str, prefix: str) -> None:
    store = RedisStore(redis_url, prefix=prefix, ttl=120)
    assert store.upsert([(finding(1), 2)], "host:1", 10.0) == [finding(1)]
    assert store.upsert([(finding(1), 1)], "host:2", 20.0) == []  # not new: logged once only
    [s] = store.findings()
    assert (s.finding, s.count, s.first_seen, s.last_seen, s.workers) == (
        finding(1),
        3,
        10.0,
        20.0,
        ("host:1", "host:2"),
    )
    keys = list(store.client.scan_iter(match=prefix + "*"))
    assert keys and all(0 < store.client.ttl(k) <= 120 for k in keys)
    store.add_requests([{"n": 1}, {"n": 2}])
    assert store.requests() == [{"n": 2}, {"n": 1}]
    store.add_memory("host:1", [{"rss": 1}])
    assert store.memory() == {"host:1": [{"rss": 1}]}


def test_two_apps_report_into_one_redis_view(redis_url: str, prefix: str) -> None:
    apps = [shop.create_app(store=redis_url, store_prefix=prefix) for _ in range(2)]
    for app in apps:
        shop.seed(app, authors=6, books_each=1)
        app.test_client().get("/authors/lazy")
        app.extensions["flask_doctor"].flush()
    view = make_store(redis_url, prefix=prefix)
    [s] = view.findings()
    assert s.finding.code == "FD202" and s.count == 2


def test_report_command_reads_the_store(redis_url: str, prefix: str) -> None:
    RedisStore(redis_url, prefix=prefix).upsert([(finding(1), 1), (finding(2, "FD209"), 1)], "h:1", 1.0)
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--store", redis_url, "--prefix", prefix, "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["surface"] == "runtime"
    assert sorted(f["code"] for f in document["findings"]) == ["FD202", "FD209"]
    result = runner.invoke(
        cli, ["report", "--store", redis_url, "--prefix", prefix, "--select", "FD2", "--ignore", "FD209"]
    )
    assert "FD202" in result.output and "FD209" not in result.output
    result = runner.invoke(cli, ["report", "--store", "memory://"])
    assert result.exit_code == 2 and "memory:// store lives inside each application process" in result.output
