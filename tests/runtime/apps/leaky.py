"""One endpoint keeps ~10 KB per request, one raises, one is fine: served by gunicorn in the FD170 test."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from flask_doctor import Doctor

KEPT: list[bytes] = []

app = Flask(__name__)


@app.get("/leaky")
def leaky() -> str:
    KEPT.append(bytes(10_000))
    return "kept"


@app.get("/boom")
def boom() -> Any:
    raise ValueError("boom")


@app.get("/fine")
def fine() -> str:
    scratch = [bytes(10_000)]
    return f"{len(scratch)} freed"


@app.get("/hello")
def hello() -> str:
    return "hello"


Doctor(app, token=os.environ.get("FD_TEST_TOKEN", ""), containers=False, flush_interval=0.1,
       memory_interval=float(os.environ.get("FD_TEST_MEMORY_INTERVAL", "0.25")),
       memory_growth_bytes=2 << 20, memory_window=60)


@app.get("/samples")
def samples() -> Any:
    """The doctor's memory samples with per-endpoint counts (for the test's diagnostics)."""
    doctor = app.extensions["flask_doctor"]
    return {"samples": [{"t": s.t, "rss": s.rss, "total": s.total, "per_endpoint": s.per_endpoint}
                        for s in doctor.agg.samples]}
