"""Facts for the JSON ``extra`` block, gathered in every mode (development too).

No findings here: the route table, session interface, middleware chain,
engines, extensions and Celery settings are what a reader of the report
needs to check the verdicts, whether or not deployment checks ran.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_doctor.audit.checks._common import qualname, safely
from flask_doctor.audit.checks.celery_checks import celery_facts, find_celery
from flask_doctor.audit.checks.extensions import app_engines, socketio_facts
from flask_doctor.audit.checks.middleware import describe, middleware_chain
from flask_doctor.audit.checks.routes import route_table
from flask_doctor.audit.checks.sessions import session_facts
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.redact import redact_url
from flask_doctor.audit.registry import register
from flask_doctor.findings import Finding


@register(tags=("facts",))
def collect_facts(audit: AuditContext) -> Iterator[Finding]:
    app = audit.app
    extra = audit.extra
    extra["routes"] = route_table(app)
    extra["session"] = session_facts(app)
    extra["middleware"] = [describe(layer) for layer in middleware_chain(app)]
    safely(lambda: app_engines(audit))  # fills extra["engines"]
    caches = app.extensions.get("cache")
    if isinstance(caches, dict) and caches:
        extra["caches"] = [
            {"backend": qualname(type(b)), "cache_type": app.config.get("CACHE_TYPE")} for b in caches.values()
        ]
    socketio = app.extensions.get("socketio")
    if socketio is not None and getattr(socketio, "server", None) is not None:
        extra["socketio"] = socketio_facts(socketio)
    manager = getattr(app, "login_manager", None)
    if manager is not None:
        extra["login"] = {"session_protection": manager.session_protection, "login_view": manager.login_view}
    limiters = app.extensions.get("limiter")
    if limiters:
        extra["limiters"] = [
            {
                "storage_uri": redact_url(
                    getattr(lim, "_storage_uri", None) or app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
                ),
                "enabled": getattr(lim, "enabled", True),
            }
            for lim in sorted(limiters, key=id)
        ]
    celery = find_celery(audit)
    if celery is not None:
        extra["celery"] = celery_facts(celery)
    extra["deploy"] = {
        "workers": audit.deploy_facts.workers,
        "threads": audit.deploy_facts.threads,
        "worker_class": audit.deploy_facts.worker_class,
        "source": audit.deploy_facts.source or None,
    }
    return iter(())
