"""Celery worker entry point: `celery -A clinic.worker worker` (one Flask app per worker process)."""

from clinic import create_app
from clinic.celery_app import celery_init_app

flask_app = create_app()
celery = celery_init_app(flask_app)

import clinic.tasks  # noqa: E402,F401  (registers the tasks)
