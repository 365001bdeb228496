"""A Celery app with the defaults (given with --celery)."""

from __future__ import annotations

from celery import Celery

celery = Celery(__name__, broker="redis://127.0.0.1:6379/0", set_as_current=False)
