"""Session checks: which session interface, where sessions live, cookie size."""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import qualname, safely
from flask_doctor.audit.checks.routes import uses_flask_form
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.probe import with_deadline
from flask_doctor.audit.registry import register
from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.redaction import redact_text

FILESYSTEM_SESSIONS = Message(
    "FD310",
    "Flask-Session stores sessions in files on this host ({where}): a request served by another host or a new container does not find the session",
    'use a shared store: SESSION_TYPE = "redis" with SESSION_REDIS = redis.from_url(os.environ["REDIS_URL"])',
)
LOCAL_SESSIONS = Message(
    "FD347",
    "Flask-Session keeps sessions in a {backend} inside each worker process: {phrase}, a user is logged out whenever another worker serves the request, and every restart drops all sessions",
    'use a shared store: SESSION_TYPE = "redis" (or a FileSystemCache on one host)',
)
BIG_COOKIE = Message(
    "FD348",
    "the session cookie set by GET {path} (sampled with --sample-view {endpoint}) is {size} bytes: browsers drop cookies above about 4096 bytes, silently losing the session",
    "keep only ids in the session and the data server-side (database, Redis, or Flask-Session)",
)
BIG_SYNTHETIC_COOKIE = Message(
    "FD348",
    "a session holding only what the installed extensions store ({keys}) already makes a {size}-byte session cookie: browsers drop cookies above about 4096 bytes, and every value a view adds makes it bigger",
    "keep only ids in the session and the data server-side (database, Redis, or Flask-Session)",
)

#: Bytes of Set-Cookie above which a signed-cookie session is reported.
COOKIE_WARN_BYTES = 3072
COOKIE_ERROR_BYTES = 4093
#: Time allowed for one view named with --sample-view.
SAMPLE_BUDGET_SECONDS = 2.0


def session_facts(app: Any) -> dict[str, Any]:
    interface = app.session_interface
    facts: dict[str, Any] = {"interface": qualname(type(interface))}
    cls = type(interface).__name__
    if is_cookie_session(app):
        facts["storage"] = "signed cookie"
    else:
        facts["storage"] = f"server-side ({app.config.get('SESSION_TYPE') or cls})"
        client = getattr(interface, "cache", None) or getattr(interface, "client", None)
        if client is not None:
            facts["client"] = qualname(type(client))
    return facts


@register(tags=("sessions",), deploy=True)
def check_session_store(audit: AuditContext) -> Iterator[Finding]:
    app = audit.app
    interface = app.session_interface
    audit.extra["session"] = session_facts(app)
    cls = type(interface).__name__
    cache = getattr(interface, "cache", None)
    cache_cls = type(cache).__name__ if cache is not None else ""
    loc = audit.location("SESSION_TYPE") or audit.location("SESSION_CACHELIB")
    facts = [Evidence(f"session interface: {qualname(type(interface))}"), *audit.evidence("SESSION_TYPE")]
    if cls == "FileSystemSessionInterface" or cache_cls == "FileSystemCache":
        directory = getattr(cache, "_path", None) or app.config.get("SESSION_FILE_DIR") or "flask_session"
        yield FILESYSTEM_SESSIONS(obj="session:interface", location=loc, evidence=facts, where=directory)
    elif cache_cls == "SimpleCache":
        several = audit.deploy_facts.several_workers()
        if several is False:
            return
        yield LOCAL_SESSIONS(
            obj="session:interface",
            location=loc,
            evidence=facts,
            backend="cachelib SimpleCache",
            phrase=audit.workers_phrase(),
        )


def _base_url(app: Any) -> str:
    """A URL the app accepts: its SERVER_NAME or first TRUSTED_HOSTS entry."""
    host = app.config.get("SERVER_NAME")
    trusted = app.config.get("TRUSTED_HOSTS") or []
    if not host and trusted:
        host = str(trusted[0]).lstrip(".")
    scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{host or 'localhost'}"


def is_cookie_session(app: Any) -> bool:
    """A signed-cookie session interface (Flask's own or a subclass): the data travels in the cookie."""
    return callable(getattr(app.session_interface, "get_signing_serializer", None))


def synthetic_session(app: Any, flask_forms: bool = False) -> tuple[dict[str, Any], list[str]]:
    """What the installed extensions put in the session of a logged-in user, and who put it there.

    Flask-Login's ``login_user`` stores ``_user_id``, ``_fresh`` and ``_id``
    (a SHA-512 hex digest of the client's address and user agent), Flask-WTF's
    ``generate_csrf`` stores a SHA-1 hex token under ``WTF_CSRF_FIELD_NAME``.
    The values have the shapes those extensions write (a UUID stands for the
    user id); nothing here calls a view.  ``flask_forms``: a view validates a
    ``FlaskForm``, which stores the token even without ``CSRFProtect``.
    """
    data: dict[str, Any] = {}
    who: list[str] = []
    manager = getattr(app, "login_manager", None)
    if manager is not None:
        generate = getattr(manager, "_session_identifier_generator", None)
        identifier = safely(generate) if callable(generate) else None
        data["_user_id"] = str(uuid.uuid4())
        data["_fresh"] = True
        data["_id"] = identifier if isinstance(identifier, str) else hashlib.sha512(b"flask-doctor").hexdigest()
        who.append("Flask-Login (_user_id, _fresh, _id)")
    if ("csrf" in app.extensions or flask_forms) and app.config.get("WTF_CSRF_ENABLED", True):
        field = app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        data[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        who.append(f"Flask-WTF ({field})")
    return data, who


def _set_cookie_headers(response: Any, cookie_name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{cookie_name}=")]


def measure_synthetic_cookie(app: Any, flask_forms: bool = False) -> tuple[int, list[str]]:
    """The bytes of the ``Set-Cookie`` header the app's own session interface writes for the synthetic session.

    ``save_session`` runs on an empty response in a test request context:
    the app's serializer, signer, cookie name and flags, but no view, no
    before/after-request function and no teardown of the app's own.
    """
    data, who = synthetic_session(app, flask_forms)
    if not data:  # an empty session sends no cookie
        return 0, who
    interface = app.session_interface
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    with warnings.catch_warnings():  # Werkzeug warns about the very cookies we measure
        warnings.simplefilter("ignore")
        with app.test_request_context("/", base_url=_base_url(app)):
            session = interface.session_class(data)
            session.modified = True
            response = app.response_class()
            interface.save_session(app, session, response)
    headers = _set_cookie_headers(response, cookie_name)
    return (len(headers[0]) if headers else 0), who


def _sample_view(app: Any, endpoint: str) -> tuple[str, Any]:
    """GET the URL of ``endpoint`` with the test client (only for views the user named)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    if not rules:
        raise LookupError(f"no URL rule has the endpoint {endpoint!r}")
    usable = [r for r in rules if not r.arguments and "GET" in (r.methods or ())]
    if not usable:
        raise LookupError(f"the rules of {endpoint!r} need arguments or do not accept GET")
    rule = sorted(usable, key=lambda r: r.rule)[0]
    client = app.test_client()

    def get() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return client.get(rule.rule, base_url=_base_url(app))

    return rule.rule, with_deadline(get, SAMPLE_BUDGET_SECONDS)


def _severity(size: int) -> Severity | None:
    return None if size >= COOKIE_ERROR_BYTES else Severity.WARNING  # near the limit: not lost yet


@register(tags=("sessions",), deploy=True)
def check_session_cookie_size(audit: AuditContext) -> Iterator[Finding]:
    """Measure the session cookie without dispatching the application's views.

    The audit never calls a view on its own (a ``GET /cron/purge`` route may
    write to the database): it signs a synthetic session with the app's own
    session interface.  Views run only when the user names them with
    ``--sample-view ENDPOINT``.
    """
    app = audit.app
    if not is_cookie_session(app) or not app.secret_key:
        return
    facts = audit.extra.setdefault("session", {})
    size, who = measure_synthetic_cookie(app, uses_flask_form(app))
    keys = ", ".join(who) or "no extension stores anything"
    facts["synthetic_cookie_bytes"] = size
    facts["synthetic_session"] = keys
    if size >= COOKIE_WARN_BYTES:
        yield BIG_SYNTHETIC_COOKIE(
            obj="session:cookie",
            keys=keys,
            size=size,
            severity=_severity(size),
            evidence=[
                Evidence(
                    f"synthetic session: {keys}, signed by {qualname(type(app.session_interface))}; "
                    f"no view was called ({size} bytes, limit about 4096)"
                )
            ],
        )
    yield from _sampled_views(audit, facts)


def _sampled_views(audit: AuditContext, facts: dict[str, Any]) -> Iterator[Finding]:
    app = audit.app
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    sizes: dict[str, int | str] = {}
    logger = app.logger  # the app's own error logging would print tracebacks of views that need a login
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        for endpoint in audit.sample_views:
            try:
                path, response = _sample_view(app, endpoint)
            except Exception as exc:
                sizes[endpoint] = f"error: {exc.__class__.__name__}: {redact_text(str(exc))}"
                continue
            headers = _set_cookie_headers(response, cookie_name)
            size = len(headers[0]) if headers else 0
            sizes[endpoint] = size
            if size >= COOKIE_WARN_BYTES:
                yield BIG_COOKIE(
                    obj=f"endpoint:{endpoint}",
                    path=path,
                    endpoint=endpoint,
                    size=size,
                    severity=_severity(size),
                    evidence=[
                        Evidence(
                            f"Set-Cookie: {cookie_name}=... ({size} bytes, limit about 4096), "
                            f"response of GET {path} sampled with --sample-view"
                        )
                    ],
                )
    finally:
        logger.disabled = was_disabled
    facts["sampled_views"] = sizes
