"""The shop served by gunicorn in the multi-worker test (configured by environment)."""

from __future__ import annotations

import os

from tests.runtime.apps.shop import create_app

app = create_app(
    os.environ.get("FD_TEST_DB", "sqlite://"),
    config={"TESTING": False},
    store=os.environ.get("FD_TEST_REDIS", "memory://"),
    store_prefix=os.environ.get("FD_TEST_PREFIX", "fdtest:served:"),
    token=os.environ.get("FD_TEST_TOKEN", ""),
    background=True,
    flush_interval=0.2,
    memory_interval=float(os.environ.get("FD_TEST_MEMORY_INTERVAL", "0.5")),
    # every request in detail: the multi-worker test counts N+1 occurrences request by request
    detail_per_second=float(os.environ.get("FD_TEST_DETAIL", "0")),
)
