"""``flask-doctor audit``: checks on a loaded Flask application.

Like Django's ``manage.py check --deploy``: the application is loaded the way
``flask --app`` loads it and pure check functions inspect the live objects
(config, session interface, middleware chain, URL map, error handlers,
extensions, Celery).  ``--probe`` also talks to the configured database,
Redis and broker.  See ``docs/audit.md``.
"""

from __future__ import annotations

from flask_doctor.audit.messages import Message
from flask_doctor.audit.registry import REGISTRY, register

__all__ = ["REGISTRY", "Message", "register"]
