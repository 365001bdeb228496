"""Facts shared by the web security rules (moved from the family module).

FD308, FD311-FD313, FD321, FD322 — CSRF, proxies, TLS.  Taint lives in
:mod:`flask_doctor.static.facts.taint`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.model import BLUEPRINT_TYPES, FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)
from flask_doctor.static.facts.guards import mentions as _mentions
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.facts.config import (
    false_constant,
    is_test_path,
    live_in_production,
    settings,
)

def code_text(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolved(ctx: Context, node: ast.AST) -> str:
    name = dotted(node) or ""
    return ctx.qualified(node) or name


# ============================================================ FD321
HTTP_CLIENTS = ("requests.", "httpx.", "urllib3.", "aiohttp.")
HTTP_TYPES = ("requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient", "requests.session")


_OPT_IN = re.compile(r"verify|ssl|tls|insecure|skip|cert|unsafe|debug|testing", re.IGNORECASE)


# ============================================================ FD308
CSRF_TYPES = {
    "flask_wtf.csrf.CSRFProtect", "flask_wtf.CSRFProtect", "flask_wtf.csrf.CsrfProtect", "flask_wtf.CsrfProtect",
    "flask_seasurf.SeaSurf",
}
FORM_ATTRS = {"form", "files", "values"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_AUTH = ("flask_login", "flask_security", "flask_user", "flask_principal", "flask_praetorian_session")


@dataclass
class CsrfFacts:
    protected_at: Location | None
    exempt: set[str]
    exempt_blueprints: set[str]
    cookie_auth: bool
    samesite: str | None
    flask_wtf: bool = False
    jwt_cookies: bool = False  # Flask-JWT-Extended tokens in cookies with its CSRF check switched off


def csrf_facts(project: Project) -> CsrfFacts:
    cached = getattr(project, "_fd_web_csrf", None)
    if cached is not None:
        return cached
    protected_at: Location | None = None
    exempt: set[str] = set()
    exempt_blueprints: set[str] = set()
    csrf_types = set(CSRF_TYPES) | {q for q, cls in project.classes.items() if project.is_subtype(q, CSRF_TYPES)}
    csrf_objects = {o.qualname for o in project.objects.values() if o.type in csrf_types}
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
    cookie_auth = False
    for module, records in project.imports.items():
        if is_test_path(project.modules[module].path) if module in project.modules else False:
            continue
        for record in records:
            if record.module.split(".")[0] in SESSION_AUTH or (record.module == "flask" and "session" in record.names):
                cookie_auth = True
                break
        if cookie_auth:
            break
    samesite = None
    for setting in settings(project, ("SESSION_COOKIE_SAMESITE",)):
        if live_in_production(project, setting) and isinstance(setting.value, ast.Constant) and isinstance(setting.value.value, str):
            samesite = setting.value.value
    flask_wtf = any(r.module.split(".")[0] == "flask_wtf" for records in project.imports.values() for r in records)
    locations = [s for s in settings(project, ("JWT_TOKEN_LOCATION",)) if "cookies" in ast.unparse(s.value)]
    jwt_csrf_off = any(false_constant(s.value) for s in settings(project, ("JWT_COOKIE_CSRF_PROTECT",)))
    jwt_cookies = bool(locations) and jwt_csrf_off
    facts = CsrfFacts(protected_at, exempt, exempt_blueprints, cookie_auth or jwt_cookies, samesite, flask_wtf, jwt_cookies)
    project._fd_web_csrf = facts  # type: ignore[attr-defined]
    return facts


_AUTH_DECORATOR = re.compile(
    r"login_required|auth_required|roles?_(required|accepted)|permission|requires?_(auth|login|admin|role|user)|admin_required"
    r"|jwt_required|token_required|(^|[._])auth\.|has_access|protect",
    re.IGNORECASE,
)
_USER_WORDS = ("current_user", "login_user", "logout_user", "session[", "session.get", "session.pop", "g.user", "authenticated")


def _acts_as_user(project: Project, fn: FunctionInfo, facts: CsrfFacts) -> bool:
    """Does the view act with the user's cookie-borne authority (login decorator, session, current_user)?"""
    for deco in fn.decorators:
        if _AUTH_DECORATOR.search(deco):
            if "jwt_required" in deco and not facts.jwt_cookies:
                continue  # JWT in headers, or in cookies with Flask-JWT-Extended's own CSRF check
            return True
    if _mentions(fn, _USER_WORDS):
        return True
    owners = {r.owner for r in fn.routes}
    hooks = _auth_hooks(project)
    return bool(owners & hooks) or "*" in hooks


def _auth_hooks(project: Project) -> set[str]:
    """Blueprints whose ``before_request`` hook checks the login (an admin blueprint, say).

    An app-wide hook (``*``) counts only when it is a login wall: it turns
    away anonymous users (``if not current_user.is_authenticated: return
    redirect(...)``). Hooks that guard a list of protected endpoints would
    make every public form look authenticated.
    """
    cached = getattr(project, "_fd_web_auth_hooks", None)
    if cached is not None:
        return cached
    owners: set[str] = set()
    for hook in project.functions.values():
        if not ({"before_request", "before_app_request"} & hook.roles) or not _mentions(hook, (*_USER_WORDS, "abort(401", "abort(403")):
            continue
        for deco in hook.decorators:
            owner, _, attr = deco.rpartition(".")
            obj = project.objects.get(owner)
            if attr == "before_request" and obj is not None and project.is_subtype(obj.type, BLUEPRINT_TYPES):
                owners.add(owner)
            elif attr in ("before_request", "before_app_request") and _login_wall(hook):
                owners.add("*")
    project._fd_web_auth_hooks = owners  # type: ignore[attr-defined]
    return owners


_LOGIN_WALL = re.compile(r"not\s+[\w.]*current_user\.is_authenticated|not\s+[\w.]*session\.get\(|[\w.]*current_user\.is_anonymous")
_TURN_AWAY = ("redirect(", "abort(401", "abort(403", "unauthorized(", "Unauthorized", "Forbidden")


def _login_wall(hook: FunctionInfo) -> bool:
    start, end = hook.node.lineno, getattr(hook.node, "end_lineno", hook.node.lineno) or hook.node.lineno
    text = "\n".join(hook.module.lines[start - 1: end])
    return bool(_LOGIN_WALL.search(text)) and any(word in text for word in _TURN_AWAY)


_CROSS_SITE = re.compile(r"saml|(^|[^a-z])acs([^a-z]|$)|sso|oidc|oauth|callback|webhook|hook|ipn|notify|assertion", re.IGNORECASE)


def _cross_site_by_design(fn: FunctionInfo) -> bool:
    """SAML assertion consumers, OAuth callbacks and webhooks receive cross-site POSTs by design
    and authenticate them by signature, not by the session cookie."""
    names = [fn.name, fn.class_name or "", *(r.rule for r in fn.routes)]
    return any(_CROSS_SITE.search(n) for n in names if n)


def _form_read(fn: FunctionInfo) -> ast.Attribute | None:
    table = fn.imports
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and node.attr in FORM_ATTRS:
            base = dotted(node.value)
            if base and (table.qualify(base) or "") in REQUEST_NAMES:
                return node
    return None


def _accepts_unsafe_method(fn: FunctionInfo) -> bool:
    methods = {m for route in fn.routes for m in route.methods}
    if methods:
        return bool(methods & UNSAFE_METHODS)
    if fn.class_name and fn.name.upper() in UNSAFE_METHODS:
        return True
    return _mentions(fn, ('"POST"', "'POST'"))


# ============================================================ FD311
FORWARDED_HEADERS = {
    "x-forwarded-for": "X-Forwarded-For", "x-real-ip": "X-Real-IP", "x-client-ip": "X-Client-IP",
    "forwarded": "Forwarded", "x-forwarded-proto": "X-Forwarded-Proto", "x-forwarded-host": "X-Forwarded-Host",
    "x-forwarded-scheme": "X-Forwarded-Scheme", "x-forwarded-port": "X-Forwarded-Port",
}


def _forwarded_header(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        key = node.value.lower().replace("_", "-")
        key = key.removeprefix("http-")
        return FORWARDED_HEADERS.get(key)
    return None


def _is_last_index(node: ast.AST) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and node.operand.value == 1


# ============================================================ FD312 / FD313
PROXY_FIX = {"werkzeug.middleware.proxy_fix.ProxyFix", "werkzeug.contrib.fixers.ProxyFix", "flask_proxyfix.ProxyFix"}
PROXY_SENSITIVE_ATTRS = {"remote_addr": "the client address"}
REMOTE_ADDRESS_FUNCS = {"flask_limiter.util.get_remote_address", "flask_limiter.util.get_ipaddr"}


def proxy_fixes(project: Project) -> list[tuple[ast.Call, Location]]:
    cached = getattr(project, "_fd_web_proxyfix", None)
    if cached is None:
        cached = []
        for site in project.calls:
            if site.name in PROXY_FIX or site.name.endswith(".ProxyFix") or site.name == "ProxyFix":
                if not is_test_path(site.module.path):
                    cached.append((site.node, Location(site.module.path, site.node.lineno, site.node.col_offset + 1)))
        project._fd_web_proxyfix = cached  # type: ignore[attr-defined]
    return cached


def declared_proxies(project: Project) -> list:
    deploy = project.deploy
    if deploy is None:
        return []
    from flask_doctor.static.facts.config import production_deploy_path

    return [p for p in getattr(deploy, "proxies", ()) if production_deploy_path(p.source.path)]


def server_handles_proxy(project: Project) -> bool:
    """waitress ``--trusted-proxy``, uvicorn ``--proxy-headers``: the server already rewrites the address."""
    deploy = project.deploy
    for cmd in getattr(deploy, "commands", ()) if deploy is not None else ():
        text = " ".join(cmd.argv)
        if "--trusted-proxy" in text or "--proxy-headers" in text:
            return True
    return False


def _proxy_sensitive_uses(project: Project, module) -> Iterator[tuple[ast.AST, str]]:
    table = project.module_imports.get(module.name)
    if table is None:
        return
    text = module.text
    if not any(word in text for word in ("remote_addr", "get_remote_address", "get_ipaddr")):
        return
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and node.attr in PROXY_SENSITIVE_ATTRS:
            base = dotted(node.value)
            if base and _qualify_any(project, module, base) in REQUEST_NAMES:
                yield node, f"`request.{node.attr}` ({PROXY_SENSITIVE_ATTRS[node.attr]})"
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            name = _qualify_any(project, module, dotted(node) or "")
            if name in REMOTE_ADDRESS_FUNCS:
                yield node, f"Flask-Limiter's `{name.rsplit('.', 1)[-1]}` (rate-limit key)"


def _qualify_any(project: Project, module, name: str) -> str:
    """Qualify with the module table, falling back to any function table of the module (local imports)."""
    table = project.module_imports.get(module.name)
    found = table.qualify(name) if table is not None else None
    if found:
        return found
    head = name.split(".")[0]
    cache = getattr(module, "_fd_web_fn_aliases", None)
    if cache is None:
        cache = {}
        for fn in project.functions.values():
            if fn.module is module:
                for alias, target in fn.imports.aliases.items():
                    cache.setdefault(alias, target)
        module._fd_web_fn_aliases = cache
    target = cache.get(head)
    if target:
        rest = name[len(head):]
        return target + rest
    return name
