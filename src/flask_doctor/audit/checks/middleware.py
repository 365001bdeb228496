"""Middleware chain: what wraps ``app.wsgi_app`` (ProxyFix, debugger, profilers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import qualname
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.registry import register
from flask_doctor.findings import Evidence, Finding, Severity

DEBUGGER = Message(
    "FD305",
    "the Werkzeug debugger (DebuggedApplication) wraps the app: anyone who triggers an error gets a Python console on the server",
    "remove DebuggedApplication from the production entry point",
)
DEBUG_TOOLBAR = Message(
    "FD349",
    "Flask-DebugToolbar is enabled (DEBUG_TB_ENABLED): it shows config, SQL and templates to every visitor",
    "set DEBUG_TB_ENABLED = False in production or do not install the extension there",
)
PROFILER = Message(
    "FD349",
    "{name} wraps the app: every request is {what}",
    "wrap the app only in a development entry point",
)
NO_PROXY_FIX = Message(
    "FD312",
    "no ProxyFix in the middleware chain although {why}: behind a reverse proxy or load balancer request.remote_addr is the proxy's address and request.scheme is http",
    "app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1) with one count per proxy in front of the app (skip if clients reach it directly)",
    # a note: the loaded app shows no proxy itself (``check`` warns when the deploy files show one)
    severity=Severity.NOTE,
)
PROXY_FIX_USELESS = Message(
    "FD313",
    "ProxyFix is installed with every count at 0: it trusts no header, so it changes nothing",
    "set the counts to the number of proxies that set each header, e.g. ProxyFix(app.wsgi_app, x_for=1, x_proto=1)",
)
PROXY_FIX_TWICE = Message(
    "FD313",
    "ProxyFix wraps the app {count} times: each layer consumes forwarded headers again, so clients can spoof their address",
    "keep one ProxyFix whose counts equal the number of proxies",
)
PROXY_FIX_NO_PROTO = Message(
    "FD313",
    "ProxyFix has x_proto=0 although {why}: request.scheme stays http behind a TLS-terminating proxy, so redirects and url_for(_external=True) use http://",
    "ProxyFix(app.wsgi_app, x_for=1, x_proto=1)",
)

_NEXT_ATTRS = ("app", "_app", "wsgi_app", "application", "__wrapped__")


def middleware_chain(app: Any) -> list[Any]:
    """Outermost first; stops at Flask's own ``wsgi_app`` method."""
    chain: list[Any] = []
    current = app.wsgi_app
    seen: set[int] = set()
    while current is not None and id(current) not in seen and len(chain) < 32:
        seen.add(id(current))
        if getattr(current, "__self__", None) is app and getattr(current, "__name__", "") == "wsgi_app":
            break
        chain.append(current)
        nxt = None
        for attr in _NEXT_ATTRS:
            candidate = getattr(current, attr, None)
            if candidate is not None and callable(candidate) and candidate is not current:
                nxt = candidate
                break
        current = nxt
    return chain


def describe(layer: Any) -> dict[str, Any]:
    cls = type(layer)
    is_function = cls.__name__ in ("function", "method")
    info: dict[str, Any] = {"class": qualname(layer) if is_function else qualname(cls)}
    if cls.__name__ == "ProxyFix":
        info.update({k: getattr(layer, k, None) for k in ("x_for", "x_proto", "x_host", "x_port", "x_prefix")})
    return info


def https_signals(audit: AuditContext) -> list[str]:
    config = audit.app.config
    why = []
    if config.get("SESSION_COOKIE_SECURE"):
        why.append("SESSION_COOKIE_SECURE = True (the site is served over HTTPS)")
    if config.get("PREFERRED_URL_SCHEME") == "https":
        why.append("PREFERRED_URL_SCHEME = 'https'")
    return why


@register(tags=("middleware", "security"))
def check_debugger(audit: AuditContext) -> Iterator[Finding]:
    chain = middleware_chain(audit.app)
    audit.extra["middleware"] = [describe(layer) for layer in chain]
    names = " -> ".join(type(layer).__name__ for layer in chain) or "(none)"
    for layer in chain:
        if type(layer).__name__ == "DebuggedApplication":
            yield DEBUGGER(
                obj="middleware:DebuggedApplication",
                severity=Severity.ERROR if audit.deploy else Severity.NOTE,
                evidence=[
                    Evidence(f"middleware chain: {names}"),
                    Evidence(f"evalex={getattr(layer, 'evalex', '?')} (True: the interactive console is on)"),
                ],
            )


@register(tags=("middleware",), deploy=True)
def check_profilers(audit: AuditContext) -> Iterator[Finding]:
    chain = middleware_chain(audit.app)
    names = " -> ".join(type(layer).__name__ for layer in chain)
    for layer in chain:
        name = type(layer).__name__
        if name == "ProfilerMiddleware":
            yield PROFILER(
                obj="middleware:ProfilerMiddleware",
                name=name,
                what="profiled (several times slower) and its stats written out",
                evidence=[Evidence(f"middleware chain: {names}")],
            )
        elif name == "LintMiddleware":
            yield PROFILER(
                obj="middleware:LintMiddleware",
                name=name,
                what="checked against the WSGI spec, with warnings on every deviation",
                evidence=[Evidence(f"middleware chain: {names}")],
            )
    if "debugtoolbar" in audit.app.extensions and audit.app.config.get("DEBUG_TB_ENABLED", audit.app.debug):
        yield DEBUG_TOOLBAR(obj="extension:debugtoolbar", location=audit.location("DEBUG_TB_ENABLED"))


@register(tags=("middleware", "proxy"), deploy=True)
def check_proxy_fix(audit: AuditContext) -> Iterator[Finding]:
    chain = middleware_chain(audit.app)
    fixes = [layer for layer in chain if type(layer).__name__ == "ProxyFix"]
    names = " -> ".join(type(layer).__name__ for layer in chain) or "(none)"
    chain_fact = Evidence(f"middleware chain: {names}")
    why = https_signals(audit)
    if "limiter" in audit.app.extensions:
        why.append("Flask-Limiter keys limits on the client address")
    if not fixes:
        if why:
            yield NO_PROXY_FIX(obj="middleware:ProxyFix", why=" and ".join(why), evidence=[chain_fact])
        return
    counts = [
        Evidence(
            f"ProxyFix(x_for={f.x_for}, x_proto={f.x_proto}, x_host={f.x_host}, x_port={f.x_port}, x_prefix={f.x_prefix})"
        )
        for f in fixes
    ]
    if len(fixes) > 1:
        yield PROXY_FIX_TWICE(obj="middleware:ProxyFix", count=len(fixes), evidence=[chain_fact, *counts])
        return
    fix = fixes[0]
    if not any((fix.x_for, fix.x_proto, fix.x_host, fix.x_port, fix.x_prefix)):
        yield PROXY_FIX_USELESS(obj="middleware:ProxyFix", evidence=counts)
    elif not fix.x_proto and https_signals(audit):
        yield PROXY_FIX_NO_PROTO(obj="middleware:ProxyFix", why=" and ".join(https_signals(audit)), evidence=counts)
