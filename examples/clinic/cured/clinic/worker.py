"""Celery worker entry point: `celery -A clinic.worker worker` (one Flask app per worker process)."""

from clinic import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

import clinic.tasks  # noqa: E402,F401  (registers the tasks)
