"""CSRF facts: where the project enforces CSRF, what it exempts, and who acts as the logged-in user.

A forged cross-site form matters only when three things meet: the browser
sends a cookie that authenticates the user, the view acts with that
authority, and nothing checks a CSRF token.  :func:`csrf_setup` answers the
project-wide part once (``CSRFProtect``/SeaSurf, ``csrf.exempt``, session
or cookie-JWT authentication, ``SESSION_COOKIE_SAMESITE``); the view-level
questions (:func:`acts_as_user`, :func:`csrf_exempt`, :func:`form_read`)
read it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.config import live_in_production, settings
from flask_doctor.static.facts.config_values import false_constant
from flask_doctor.static.facts.guards import mentions, source_text
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.model import BLUEPRINT_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted

CSRF_TYPES = {
    "flask_wtf.csrf.CSRFProtect", "flask_wtf.CSRFProtect", "flask_wtf.csrf.CsrfProtect", "flask_wtf.CsrfProtect",
    "flask_seasurf.SeaSurf",
}
FORM_ATTRS = {"form", "files", "values"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_AUTH = ("flask_login", "flask_security", "flask_user", "flask_principal", "flask_praetorian_session")


@dataclass
class CsrfFacts:
    """The project's CSRF setup."""

    protected_at: Location | None  # the first CSRFProtect(...)/SeaSurf(...) outside tests
    exempt: set[str]  # views exempted by ``csrf.exempt(view)``: qualified and bare names
    exempt_blueprints: set[str]  # blueprints exempted by ``csrf.exempt(bp)``
    cookie_auth: bool  # the browser's cookie authenticates the user (session, Flask-Login, cookie JWT)
    samesite: str | None  # ``SESSION_COOKIE_SAMESITE`` live in production
    flask_wtf: bool = False
    jwt_cookies: bool = False  # Flask-JWT-Extended tokens in cookies with its CSRF check switched off
    extensions: frozenset[str] = field(default_factory=frozenset)  # objects that are CSRF extensions (``csrf``)


@project_fact
def csrf_setup(project: Project) -> CsrfFacts:
    """Where the project enforces CSRF, what it exempts, and how users authenticate."""
    protected_at: Location | None = None
    exempt: set[str] = set()
    exempt_blueprints: set[str] = set()
    csrf_types = set(CSRF_TYPES) | {q for q in project.classes if project.is_subtype(q, CSRF_TYPES)}
    csrf_objects = frozenset(o.qualname for o in project.objects.values() if o.type in csrf_types)
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        if site.name in csrf_types and protected_at is None:
            protected_at = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
        func = site.node.func
        if isinstance(func, ast.Attribute) and func.attr == "exempt" and site.node.args:
            owner = site.name.rsplit(".", 1)[0]
            if owner in csrf_objects or (dotted(func.value) or "").endswith("csrf"):
                target = dotted(site.node.args[0]) or ""
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                qualified = (table.qualify(target) if table else None) or f"{site.module.name}.{target}"
                obj = project.objects.get(qualified)
                if obj is not None and "Blueprint" in obj.type:
                    exempt_blueprints.add(qualified)
                else:
                    exempt.add(qualified)
                    exempt.add(target.rsplit(".", 1)[-1])
    cookie_auth = _session_auth(project)
    samesite = None
    for setting in settings(project, ("SESSION_COOKIE_SAMESITE",)):
        if live_in_production(project, setting) and isinstance(setting.value, ast.Constant) \
                and isinstance(setting.value.value, str):
            samesite = setting.value.value
    flask_wtf = any(r.module.split(".")[0] == "flask_wtf" for records in project.imports.values() for r in records)
    locations = [s for s in settings(project, ("JWT_TOKEN_LOCATION",)) if "cookies" in ast.unparse(s.value)]
    jwt_csrf_off = any(false_constant(s.value) for s in settings(project, ("JWT_COOKIE_CSRF_PROTECT",)))
    jwt_cookies = bool(locations) and jwt_csrf_off
    return CsrfFacts(
        protected_at, exempt, exempt_blueprints, cookie_auth or jwt_cookies, samesite, flask_wtf, jwt_cookies,
        csrf_objects,
    )


def _session_auth(project: Project) -> bool:
    """Application code imports a session-based login extension, or ``flask.session``."""
    for module, records in project.imports.items():
        if module in project.modules and is_test_path(project.modules[module].path):
            continue
        for record in records:
            if record.module.split(".")[0] in SESSION_AUTH or (record.module == "flask" and "session" in record.names):
                return True
    return False


def csrf_exempt(project: Project, fn: FunctionInfo) -> bool:
    """Is the view exempt from the project's CSRF check (``@csrf.exempt``, ``csrf.exempt(view)``, its blueprint)?"""
    facts = csrf_setup(project)
    for deco in fn.decorators:
        if deco.endswith(".exempt") and ("csrf" in deco.lower() or deco.rsplit(".", 1)[0] in facts.extensions):
            return True
    if fn.qualname in facts.exempt:
        return True
    if fn.parent is None and fn.class_name is None and fn.name in facts.exempt \
            and fn.qualname.rsplit(".", 1)[0] in {e.rsplit(".", 1)[0] for e in facts.exempt if "." in e}:
        return True
    return any(route.owner in facts.exempt_blueprints for route in fn.routes)


_AUTH_DECORATOR = re.compile(
    r"login_required|auth_required|roles?_(required|accepted)|permission|requires?_(auth|login|admin|role|user)"
    r"|admin_required|jwt_required|token_required|(^|[._])auth\.|has_access|protect",
    re.IGNORECASE,
)
_USER_WORDS = (
    "current_user", "login_user", "logout_user", "session[", "session.get", "session.pop", "g.user", "authenticated",
)


def acts_as_user(project: Project, fn: FunctionInfo) -> bool:
    """Does the view act with the user's cookie-borne authority (login decorator, session, current_user)?"""
    for deco in fn.decorators:
        if _AUTH_DECORATOR.search(deco):
            if "jwt_required" in deco and not csrf_setup(project).jwt_cookies:
                continue  # JWT in headers, or in cookies with Flask-JWT-Extended's own CSRF check
            return True
    if mentions(fn, _USER_WORDS):
        return True
    owners = {r.owner for r in fn.routes}
    hooks = auth_hooks(project)
    return bool(owners & hooks) or "*" in hooks


@project_fact
def auth_hooks(project: Project) -> frozenset[str]:
    """Blueprints whose ``before_request`` hook checks the login (an admin blueprint, say).

    An app-wide hook (``*``) counts only when it is a login wall: it turns
    away anonymous users (``if not current_user.is_authenticated: return
    redirect(...)``). Hooks that guard a list of protected endpoints would
    make every public form look authenticated.
    """
    owners: set[str] = set()
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) \
                or not mentions(hook, (*_USER_WORDS, "abort(401", "abort(403")):
            continue
        for deco in hook.decorators:
            owner, _, attr = deco.rpartition(".")
            obj = project.objects.get(owner)
            if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
                owners.add(owner)
            elif attr in ("before_request", "before_app_request") and _login_wall(hook):
                owners.add("*")
    return frozenset(owners)


_LOGIN_WALL = re.compile(
    r"not\s+[\w.]*current_user\.is_authenticated|not\s+[\w.]*session\.get\(|[\w.]*current_user\.is_anonymous"
)
_TURN_AWAY = ("redirect(", "abort(401", "abort(403", "unauthorized(", "Unauthorized", "Forbidden")


def _login_wall(hook: FunctionInfo) -> bool:
    text = source_text(hook)
    return bool(_LOGIN_WALL.search(text)) and any(word in text for word in _TURN_AWAY)


_CROSS_SITE = re.compile(
    r"saml|(^|[^a-z])acs([^a-z]|$)|sso|oidc|oauth|callback|webhook|hook|ipn|notify|assertion", re.IGNORECASE
)


def cross_site_by_design(fn: FunctionInfo) -> bool:
    """SAML assertion consumers, OAuth callbacks and webhooks receive cross-site POSTs by design
    and authenticate them by signature, not by the session cookie."""
    names = [fn.name, fn.class_name or "", *(r.rule for r in fn.routes)]
    return any(_CROSS_SITE.search(n) for n in names if n)


def form_read(fn: FunctionInfo) -> ast.Attribute | None:
    """The first ``request.form``/``request.files``/``request.values`` the function reads."""
    table = fn.imports
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and node.attr in FORM_ATTRS:
            base = dotted(node.value)
            if base and (table.qualify(base) or "") in REQUEST_NAMES:
                return node
    return None


def accepts_unsafe_method(fn: FunctionInfo) -> bool:
    """Does the view accept POST/PUT/PATCH/DELETE (its routes, its method name, or a ``"POST"`` check)?"""
    methods = {m for route in fn.routes for m in route.methods}
    if methods:
        return bool(methods & UNSAFE_METHODS)
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        return True
    return mentions(fn, ('"POST"', "'POST'"))


__all__ = [
    "CSRF_TYPES", "CsrfFacts", "accepts_unsafe_method", "acts_as_user", "auth_hooks", "cross_site_by_design",
    "csrf_exempt", "csrf_setup", "form_read",
]
