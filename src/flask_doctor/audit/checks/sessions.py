"""Session checks: which session interface, where sessions live, cookie size."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import qualname
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.probe import with_deadline
from flask_doctor.audit.registry import register
from flask_doctor.findings import Evidence, Finding, Severity

FILESYSTEM_SESSIONS = Message(
    "FD310",
    "Flask-Session stores sessions in files on this host ({where}): a request served by another host or a new container does not find the session",
    "use a shared store: SESSION_TYPE = \"redis\" with SESSION_REDIS = redis.from_url(os.environ[\"REDIS_URL\"])",
)
LOCAL_SESSIONS = Message(
    "FD347",
    "Flask-Session keeps sessions in a {backend} inside each worker process: {phrase}, a user is logged out whenever another worker serves the request, and every restart drops all sessions",
    "use a shared store: SESSION_TYPE = \"redis\" (or a FileSystemCache on one host)",
)
BIG_COOKIE = Message(
    "FD348",
    "the session cookie set by GET {path} is {size} bytes: browsers drop cookies above about 4096 bytes, silently losing the session",
    "keep only ids in the session and the data server-side (database, Redis, or Flask-Session)",
)

#: Bytes of Set-Cookie above which a signed-cookie session is reported.
COOKIE_WARN_BYTES = 3072
COOKIE_ERROR_BYTES = 4093
MAX_SAMPLED_ROUTES = 5
SAMPLE_BUDGET_SECONDS = 2.0


def session_facts(app: Any) -> dict[str, Any]:
    interface = app.session_interface
    facts: dict[str, Any] = {"interface": qualname(type(interface))}
    cls = type(interface).__name__
    if cls == "SecureCookieSessionInterface":
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
        yield LOCAL_SESSIONS(obj="session:interface", location=loc, evidence=facts, backend="cachelib SimpleCache",
                             phrase=audit.workers_phrase())


def _parameterless_get_rules(app: Any) -> list[Any]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)[:MAX_SAMPLED_ROUTES]


def _get(client: Any, path: str, base_url: str) -> Any:
    with warnings.catch_warnings():  # Werkzeug warns about the very cookies we measure
        warnings.simplefilter("ignore")
        return client.get(path, base_url=base_url)


def _base_url(app: Any) -> str:
    """A URL the app accepts: its SERVER_NAME or first TRUSTED_HOSTS entry."""
    host = app.config.get("SERVER_NAME")
    trusted = app.config.get("TRUSTED_HOSTS") or []
    if not host and trusted:
        host = str(trusted[0]).lstrip(".")
    scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{host or 'localhost'}"


@register(tags=("sessions",), deploy=True)
def check_session_cookie_size(audit: AuditContext) -> Iterator[Finding]:
    app = audit.app
    if type(app.session_interface).__name__ != "SecureCookieSessionInterface" or not app.secret_key:
        return
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    sizes: dict[str, int | str] = {}
    findings: list[Finding] = []
    deadline = time.monotonic() + SAMPLE_BUDGET_SECONDS
    # The app's own error logging would print tracebacks of views that need a
    # database or a login: the sample only wants the cookies.
    logger = app.logger
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        client = app.test_client()
        for rule in _parameterless_get_rules(app):
            if time.monotonic() > deadline:
                break
            try:
                response = with_deadline(lambda r=rule: _get(client, r.rule, _base_url(app)), SAMPLE_BUDGET_SECONDS)
            except Exception as exc:  # a view that needs services or arguments
                sizes[rule.rule] = f"error: {exc.__class__.__name__}"
                continue
            for header in response.headers.getlist("Set-Cookie"):
                if header.startswith(f"{cookie_name}="):
                    size = len(header)
                    sizes[rule.rule] = size
                    if size >= COOKIE_WARN_BYTES:
                        findings.append(BIG_COOKIE(
                            obj=f"endpoint:{rule.endpoint}", path=rule.rule, size=size,
                            severity=None if size >= COOKIE_ERROR_BYTES else Severity.WARNING,  # near the limit: not lost yet
                            evidence=[Evidence(f"Set-Cookie: {cookie_name}=... ({size} bytes, limit about 4096)")],
                        ))
            sizes.setdefault(rule.rule, 0)
    finally:
        logger.disabled = was_disabled
    audit.extra.setdefault("session", {})["sampled_cookie_bytes"] = sizes
    yield from findings
