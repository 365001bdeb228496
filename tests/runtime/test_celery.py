"""A real Celery worker (Redis broker) started as a subprocess reports silent failures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_doctor.findings import Location
from flask_doctor.runtime.store import RedisStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(redis_url: str) -> Iterator[tuple[str, str]]:
    token = uuid.uuid4().hex[:8]
    prefix, queue = f"fdtest:{token}:", f"fdtest-{token}"
    env = dict(
        os.environ,
        FD_TEST_REDIS=redis_url,
        FD_TEST_PREFIX=prefix,
        FD_TEST_QUEUE=queue,
        PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.runtime.apps.jobs:celery",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    os.environ.update(FD_TEST_REDIS=redis_url, FD_TEST_PREFIX=prefix, FD_TEST_QUEUE=queue)
    try:
        yield prefix, queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        RedisStore(redis_url, prefix=prefix).clear()
        for key in ("FD_TEST_REDIS", "FD_TEST_PREFIX", "FD_TEST_QUEUE"):
            os.environ.pop(key, None)


def wait_for(store: RedisStore, codes: set[str], timeout: float = 40.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    found: dict[str, object] = {}
    while time.monotonic() < deadline:
        found = {s.finding.code: s for s in store.findings()}
        if codes <= set(found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout}s for {codes}, store has {sorted(found)}")


@pytest.mark.slow
def test_silent_task_failures_are_reported(redis_url: str, worker: tuple[str, str]) -> None:
    prefix, queue = worker
    from tests.runtime.apps import jobs

    jobs.celery.conf.task_default_queue = queue
    for i in range(2):
        jobs.ok.apply_async((i,), queue=queue)
    jobs.push.apply_async((1,), queue=queue)
    jobs.push_with_retry.apply_async((2,), queue=queue)
    jobs.swallow.apply_async((3,), queue=queue)
    store = RedisStore(redis_url, prefix=prefix)
    found = wait_for(store, {"FD505", "FD507", "FD571"})
    assert set(found) == {"FD505", "FD507", "FD571"}
    failure = found["FD505"].finding  # type: ignore[attr-defined]
    line = next(
        n for n, text in enumerate(Path(jobs.__file__).read_text().splitlines(), 1) if text.startswith("def push(")
    )
    assert (failure.obj, failure.location) == (
        "task:tests.runtime.apps.jobs.push",
        Location("tests/runtime/apps/jobs.py", line),
    )
    assert failure.message == (
        "task:tests.runtime.apps.jobs.push failed with ConnectionError and has no retry "
        "policy although the error is transient"
    )
    assert "upstream refused item 1" in failure.evidence[-1].message
    assert found["FD507"].finding.obj == "task:tests.runtime.apps.jobs.swallow"  # type: ignore[attr-defined]
    assert found["FD571"].finding.obj == "task:tests.runtime.apps.jobs.push_with_retry"  # type: ignore[attr-defined]
    # The retrying task has a policy: its final failure is not "silent".
    assert all(
        s.finding.obj != "task:tests.runtime.apps.jobs.push_with_retry"
        for s in store.findings()
        if s.finding.code == "FD505"
    )
    requests = store.requests(50)
    assert {r["name"] for r in requests} >= {"tests.runtime.apps.jobs.ok", "tests.runtime.apps.jobs.push"}
