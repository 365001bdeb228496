"""celery_checks checks."""

from __future__ import annotations
