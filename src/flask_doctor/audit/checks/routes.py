"""URL rules, CSRF protection of form routes, error handlers."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from flask_doctor.audit.checks._common import qualname, where
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.registry import register
from flask_doctor.findings import Evidence, Finding, Severity

NO_CSRF = Message(
    "FD308",
    "{methods} {rule} ({endpoint}) reads {reads} and no CSRF protection is installed: another site can submit this form as the logged-in user",
    "install Flask-WTF's CSRFProtect: csrf = CSRFProtect(); csrf.init_app(app) (JSON APIs with token auth do not need it)",
)
CSRF_OFF = Message(
    "FD309",
    "WTF_CSRF_ENABLED = False in production: {what} accept forged cross-site submissions",
    "remove WTF_CSRF_ENABLED = False from the production config (keep it only in tests)",
)
SWALLOWS_HTTP = Message(
    "FD501",
    "the error handler {handler} for {exc} answers a 404 Not Found with status {status}: every missing page and wrong method becomes {status}",
    "register a separate handler for HTTPException (return e), or start the handler with: if isinstance(e, HTTPException): return e",
)
RETURNS_SUCCESS = Message(
    "FD502",
    "the error handler {handler} for {exc} answers {raised} with status {status}: clients, caches and monitoring see a success",
    "return an error status from error handlers, e.g. return render_template('500.html'), 500",
)

_STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
_FORM_ATTRS = {"form", "files", "values"}
_FORM_CALLS = {"validate_on_submit"}


def route_table(app: Any) -> list[dict[str, Any]]:
    rows = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions.get(rule.endpoint)
        rows.append(
            {
                "rule": rule.rule,
                "methods": sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}),
                "endpoint": rule.endpoint,
                "view": qualname(view) if view is not None else None,
            }
        )
    return rows


@lru_cache(maxsize=512)
def _form_usage(target: Any) -> tuple[frozenset[str], bool]:
    """(request attributes read among form/files/values, uses FlaskForm.validate_on_submit)."""
    try:
        source = textwrap.dedent(inspect.getsource(target))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return frozenset(), False
    reads: set[str] = set()
    flask_form = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in _FORM_ATTRS and isinstance(node.value, ast.Name) and node.value.id == "request":
                reads.add(f"request.{node.attr}")
            if node.attr in _FORM_CALLS:
                flask_form = True
    return frozenset(reads), flask_form


def _view_target(view: Any) -> Any:
    view_class = getattr(view, "view_class", None)
    return view_class if view_class is not None else inspect.unwrap(view)


def uses_flask_form(app: Any) -> bool:
    """Whether a view validates a Flask-WTF ``FlaskForm`` (read from the views' source, never called)."""
    return any(_form_usage(_view_target(view))[1] for view in app.view_functions.values())


@register(tags=("routes", "security"), deploy=True)
def check_csrf(audit: AuditContext) -> Iterator[Finding]:
    app = audit.app
    audit.extra["routes"] = route_table(app)
    csrf = app.extensions.get("csrf")
    enabled = app.config.get("WTF_CSRF_ENABLED", True)
    form_views: list[str] = []
    findings = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = (rule.methods or set()) & _STATE_CHANGING
        view = app.view_functions.get(rule.endpoint)
        if not methods or view is None:
            continue
        reads, uses_flask_form = _form_usage(_view_target(view))
        if uses_flask_form or (reads and csrf is not None):
            form_views.append(rule.endpoint)
            continue
        if reads and csrf is None:
            findings.append(
                NO_CSRF(
                    obj=f"endpoint:{rule.endpoint}",
                    location=where(_view_target(view)),
                    methods="/".join(sorted(methods)),
                    rule=rule.rule,
                    endpoint=rule.endpoint,
                    reads=", ".join(sorted(reads)),
                    evidence=[Evidence("app.extensions has no 'csrf' (Flask-WTF CSRFProtect not installed)")],
                )
            )
    yield from findings
    if not enabled and (csrf is not None or form_views):
        what = f"{len(form_views)} form routes ({', '.join(form_views[:5])})" if form_views else "all form routes"
        yield CSRF_OFF(
            obj="config:WTF_CSRF_ENABLED",
            location=audit.location("WTF_CSRF_ENABLED"),
            evidence=audit.evidence("WTF_CSRF_ENABLED"),
            what=what,
        )


def _status_of(app: Any, handler: Any, exc: Exception) -> str | int:
    """Call ``handler`` as Flask would and return the response status (or what it raised)."""
    try:
        rv = handler(exc)
        return int(app.make_response(rv).status_code)
    except Exception as raised:
        return f"500 (the handler raised {raised.__class__.__name__})"


def handler_for(app: Any, exc: Exception, blueprints: list[str]) -> Any:
    """The handler Flask picks for ``exc`` in ``blueprints`` (Flask's ``_find_error_handler`` order).

    Written out because the method's signature changed in Flask 2.3 (2.2
    reads the blueprints from the current request).
    """
    code = getattr(exc, "code", None)
    codes = (code, None) if code is not None else (None,)
    for code_ in codes:
        for name in (*blueprints, None):
            handlers = app.error_handler_spec.get(name, {}).get(code_) or {}
            for cls in type(exc).__mro__:
                handler = handlers.get(cls)
                if handler is not None:
                    return handler
    return None


def _catch_all_handlers(app: Any) -> list[tuple[str | None, type, Any]]:
    found = []
    for scope, by_code in app.error_handler_spec.items():
        for cls, handler in (by_code.get(None) or {}).items():
            if cls in (Exception, BaseException):
                found.append((scope, cls, handler))
    return found


@register(tags=("routes", "errors"))
def check_error_handlers(audit: AuditContext) -> Iterator[Finding]:
    from werkzeug.exceptions import HTTPException, NotFound

    app = audit.app
    handlers_table = []
    for scope, by_code in app.error_handler_spec.items():
        for code, mapping in by_code.items():
            for cls, handler in mapping.items():
                handlers_table.append(
                    {"blueprint": scope, "code": code, "exception": cls.__name__, "handler": qualname(handler)}
                )
    audit.extra["error_handlers"] = handlers_table
    with app.test_request_context("/__flask-doctor__/missing"):
        for scope, cls, handler in _catch_all_handlers(app):
            name = qualname(handler)
            obj = f"errorhandler:{scope + ':' if scope else ''}{cls.__name__}"
            blueprints = [scope] if scope else []
            facts = [
                Evidence(
                    f"registered with @{'bp' if scope else 'app'}.errorhandler({cls.__name__}) {'on blueprint ' + scope if scope else ''}".rstrip()
                )
            ]
            if handler_for(app, NotFound(), blueprints) is handler:
                status = _status_of(app, handler, NotFound())
                if status != 404:
                    yield SWALLOWS_HTTP(
                        obj=obj,
                        location=where(handler),
                        handler=name,
                        exc=cls.__name__,
                        status=status,
                        evidence=[*facts, Evidence(f"called with NotFound() in a test request: status {status}")],
                    )
                    continue
            status = _status_of(app, handler, RuntimeError("flask-doctor audit probe"))
            if isinstance(status, int) and status < 400:
                yield RETURNS_SUCCESS(
                    obj=obj,
                    location=where(handler),
                    handler=name,
                    exc=cls.__name__,
                    raised="RuntimeError",
                    status=status,
                    evidence=[*facts, Evidence(f"called with RuntimeError() in a test request: status {status}")],
                )
        # HTTPException handlers that answer 2xx/3xx
        for scope, by_code in app.error_handler_spec.items():
            handler = (by_code.get(None) or {}).get(HTTPException)
            if handler is None:
                continue
            status = _status_of(app, handler, NotFound())
            if isinstance(status, int) and status < 400:
                yield RETURNS_SUCCESS(
                    obj=f"errorhandler:{scope + ':' if scope else ''}HTTPException",
                    location=where(handler),
                    handler=qualname(handler),
                    exc="HTTPException",
                    raised="a 404 Not Found",
                    status=status,
                    severity=Severity.WARNING,
                    evidence=[Evidence(f"called with NotFound() in a test request: status {status}")],
                )
