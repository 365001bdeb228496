"""Celery tasks for the real-worker test; configured from the environment the test sets."""

from __future__ import annotations

import logging
import os

from celery import Celery
from flask import Flask

from flask_doctor import Doctor

REDIS = os.environ.get("FD_TEST_REDIS", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("FD_TEST_PREFIX", "fdtest:jobs:")
QUEUE = os.environ.get("FD_TEST_QUEUE", "fdtest")

celery = Celery("jobs", broker=REDIS)
celery.conf.update(task_default_queue=QUEUE, broker_connection_retry_on_startup=True,
                   worker_hijack_root_logger=True)
app = Flask(__name__)
doctor = Doctor(app, celery=celery, store=REDIS, store_prefix=PREFIX, flush_interval=0.2, retry_storm=3)
log = logging.getLogger("jobs")


@celery.task(shared=False)
def ok(x: int) -> int:
    return x * 2


@celery.task(shared=False)
def push(x: int) -> None:
    """No retry policy: the first network blip loses the job."""
    raise ConnectionError(f"upstream refused item {x}")  # site: push


@celery.task(autoretry_for=(ConnectionError,), max_retries=3, default_retry_delay=0, retry_backoff=False, shared=False)
def push_with_retry(x: int) -> None:
    raise ConnectionError(f"upstream refused item {x}")


@celery.task(shared=False)
def swallow(x: int) -> None:
    try:
        raise ValueError(x)
    except ValueError:
        log.exception("could not sync %s", x)
