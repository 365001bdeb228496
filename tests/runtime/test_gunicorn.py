"""Two gunicorn workers on a free loopback port report into one Redis store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli
from flask_doctor.runtime.store import RedisStore
from tests.runtime.apps import shop

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-token-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, token: str = "") -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def server(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    yield from serve(redis_url, tmp_path, ["-w", "2"])


@pytest.fixture
def gevent_server(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    yield from serve(redis_url, tmp_path, ["-w", "1", "-k", "gevent", "--worker-connections", "50"])


def serve(redis_url: str, tmp_path: Path, worker_args: list[str]) -> Iterator[tuple[str, str]]:
    db = tmp_path / "shop.db"
    seeded = shop.create_app(f"sqlite:///{db}")
    shop.seed(seeded, authors=8, books_each=2)
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    port = free_port()
    env = dict(
        os.environ,
        FD_TEST_DB=f"sqlite:///{db}",
        FD_TEST_REDIS=redis_url,
        FD_TEST_PREFIX=prefix,
        FD_TEST_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *worker_args,
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "tests.runtime.apps.served:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if get(base + "/hello")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not start")
        yield base, prefix
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        RedisStore(redis_url, prefix=prefix).clear()


@pytest.mark.slow
def test_two_workers_report_into_one_store(redis_url: str, server: tuple[str, str]) -> None:
    base, prefix = server
    store = RedisStore(redis_url, prefix=prefix)
    sent = 0
    workers: set[str] = set()
    # Which worker accepts a connection is up to the kernel: send batches (with slow
    # requests keeping one worker busy) until both workers have served the N+1 view.
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda p: get(base + p)[0], ["/sleep", "/authors/lazy", "/authors/lazy"] * 6))
        assert statuses == [200] * 18
        sent += 12
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            workers = {r["worker"] for r in store.requests(1000) if r["name"] == "authors_lazy"}
            if len([r for r in store.requests(1000) if r["name"] == "authors_lazy"]) >= sent:
                break
            time.sleep(0.1)
        if len(workers) == 2:
            break
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    stored = []
    while time.monotonic() < deadline:
        stored = [s for s in store.findings() if s.finding.code == "FD202"]
        if stored and stored[0].count == sent:
            break
        time.sleep(0.1)
    [n_plus_one] = stored
    assert (n_plus_one.count, set(n_plus_one.workers)) == (sent, workers)
    assert n_plus_one.finding.location is not None
    assert n_plus_one.finding.location.line == shop.site_line("lazy")

    # The dashboard API of either worker shows the shared view; unauthenticated it does not exist.
    assert get(base + "/_doctor/api/findings")[0] == 404
    status, body = get(base + "/_doctor/api/findings", TOKEN)
    assert status == 200 and "FD202" in [f["code"] for f in json.loads(body)["findings"]]
    # Prometheus multiprocess mode: one exposition sums both workers.
    status, body = get(base + "/_doctor/metrics", TOKEN)
    text = body.decode()
    line = next(
        row for row in text.splitlines() if row.startswith('flask_doctor_requests_total{endpoint="authors_lazy"')
    )
    assert float(line.rsplit(" ", 1)[1]) == sent
    # The report command reads the same view, from the store or the running app.
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--store", redis_url, "--prefix", prefix, "--format", "json"])
    assert "FD202" in [f["code"] for f in json.loads(result.output)["findings"]]
    result = runner.invoke(cli, ["report", "--url", base + "/_doctor", "--token", TOKEN])
    assert "FD202" in result.output and result.exit_code == 1


@pytest.mark.slow
def test_gevent_worker(redis_url: str, gevent_server: tuple[str, str]) -> None:
    base, prefix = gevent_server
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda p: get(base + p)[0], ["/authors/lazy", "/sleep"] * 8))
    assert statuses == [200] * 16
    store = RedisStore(redis_url, prefix=prefix)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not store.findings():
        time.sleep(0.2)
    assert [s.finding.code for s in store.findings()] == ["FD202"]
    requests = store.requests(50)
    assert {r["cpu_ms"] for r in requests} == {None}  # one OS thread runs every greenlet
    status, body = get(base + "/_doctor/api/snapshot", TOKEN)
    snap = json.loads(body)
    assert status == 200 and snap["capacity"] == 50 and snap["guard"]["requests"]["disabled"] is False
