"""FD170 on a real app: blame an endpoint only when its share of the growth can be told apart."""

from __future__ import annotations

import ctypes
import gc
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from flask_doctor import Doctor
from flask_doctor.findings import Finding, Severity

KEPT: list[bytes] = []


def _return_free_heap_to_the_system() -> None:
    """Free memory of earlier tests in this process is reused first and would hide this test's growth from the
    process's RSS: hand it back to the system (glibc's ``malloc_trim``; elsewhere nothing to do)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@pytest.fixture
def app() -> Iterator[Flask]:
    _return_free_heap_to_the_system()
    app = Flask(__name__)
    app.config["TESTING"] = False  # /boom answers 500 like in production
    app.logger.handlers = [logging.NullHandler()]  # pytest would keep every logged traceback: a leak of its own
    app.logger.propagate = False
    Doctor(app, background=False, containers=False, memory_growth_bytes=2 << 20)

    @app.get("/leaky")
    def leaky() -> str:
        KEPT.append(bytes(10_000))  # ~10 KB kept per request
        return "kept"

    @app.get("/boom")
    def boom() -> Any:
        raise ValueError("boom")

    @app.get("/fine")
    def fine() -> str:
        scratch = [bytes(10_000)]
        return f"{len(scratch)} freed"

    yield app  # KEPT is never cleared: freed memory would be reused by the next test and hide its growth


def drive(app: Flask, batches: Any) -> list[Finding]:
    doctor = app.extensions["flask_doctor"]
    client = app.test_client()
    for batch in batches:
        for path in batch:
            client.get(path)
        doctor.sample_memory()
    return [f for f in doctor.findings() if f.code == "FD170"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_traffic_blames_only_the_leaking_endpoint(seed: int) -> None:
    import json
    import os
    import subprocess
    import sys

    from tests.runtime.serving import ROOT

    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = subprocess.run(
        [sys.executable, "-m", "tests.runtime.apps.mixed", str(seed)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert [(f["object"], f["severity"]) for f in found] == [("endpoint:leaky", "error")], [f["message"] for f in found]
    per_request = float(found[0]["message"].split(" by ")[1].split(" KiB")[0]) * 1024
    assert 5_000 <= per_request <= 20_000, found[0]["message"]  # within 2x of the ~10 KB kept


def test_fixed_proportions_are_reported_for_the_process_with_candidates(app: Flask) -> None:
    batch = ["/leaky"] * 7 + ["/boom"] * 7 + ["/fine"] * 6
    found = drive(app, (batch for _ in range(60)))
    assert [(f.obj.split(":")[0], f.severity) for f in found] == [("worker", Severity.WARNING)]
    [f] = found
    assert "cannot be told apart" in f.message
    assert {e.message.split(":")[1] for e in f.evidence if e.message.startswith("candidate")} == {
        "leaky",
        "boom",
        "fine",
    }
    assert "flask-doctor soak" in f.hint


@pytest.mark.slow
def test_under_gunicorn_with_random_traffic(tmp_path: Any) -> None:
    """The case seen in the field: one worker, a sequential client, time-based samples, /boom raising."""
    import http.client
    import json
    import time

    from tests.runtime.serving import get, gunicorn

    token = "fd170-token-1234"
    env = {"FD_TEST_TOKEN": token, "FD_TEST_MEMORY_INTERVAL": "0.2"}
    with gunicorn("tests.runtime.apps.leaky:app", env, ["-w", "1"], log=tmp_path / "gunicorn.log") as base:
        host, port = base[len("http://") :].split(":")
        rng = random.Random(11)
        paths = ["/leaky", "/boom", "/fine"]
        deadline = time.monotonic() + 16  # the 60-sample window takes 12 s
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("GET", rng.choice(paths))
            conn.getresponse().read()
            conn.close()
        time.sleep(0.5)
        status, body = get(base + "/_doctor/api/findings", token)
    found = [f for f in json.loads(body)["findings"] if f["code"] == "FD170"]
    assert [f["object"] for f in found] == ["endpoint:leaky"], [f["message"] for f in found]
    per_request = float(found[0]["message"].split(" by ")[1].split(" KiB")[0]) * 1024
    assert 5_000 <= per_request <= 20_000, found[0]["message"]
