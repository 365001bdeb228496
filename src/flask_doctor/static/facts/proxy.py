"""Proxy facts: the reverse proxies in front of the app, ProxyFix, and forwarded headers.

Behind a reverse proxy the WSGI server sees the proxy's connection; the
client's address, scheme and host arrive in ``X-Forwarded-*`` headers that
only Werkzeug's ``ProxyFix`` (with the right hop counts) or a server that
trusts the proxy turns back into ``request.remote_addr``/``scheme``/``host``.
These facts say what the deploy files declare, where ``ProxyFix`` is applied,
and which code reads the address or the forwarded headers itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.deploy_files import production_deploy_path
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.model import Project
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import ProxyDecl
    from flask_doctor.static.source import SourceModule

PROXY_FIX = {"werkzeug.middleware.proxy_fix.ProxyFix", "werkzeug.contrib.fixers.ProxyFix", "flask_proxyfix.ProxyFix"}
PROXY_SENSITIVE_ATTRS = {"remote_addr": "the client address"}
REMOTE_ADDRESS_FUNCS = {"flask_limiter.util.get_remote_address", "flask_limiter.util.get_ipaddr"}
FORWARDED_HEADERS = {
    "x-forwarded-for": "X-Forwarded-For", "x-real-ip": "X-Real-IP", "x-client-ip": "X-Client-IP",
    "forwarded": "Forwarded", "x-forwarded-proto": "X-Forwarded-Proto", "x-forwarded-host": "X-Forwarded-Host",
    "x-forwarded-scheme": "X-Forwarded-Scheme", "x-forwarded-port": "X-Forwarded-Port",
}


# ------------------------------------------------------------ deploy side
@project_fact
def declared_proxies(project: Project) -> list[ProxyDecl]:
    """Reverse proxies that production deploy files put in front of the app (nginx.conf, a compose service)."""
    deploy = project.deploy
    if deploy is None:
        return []
    return [p for p in deploy.proxies if production_deploy_path(p.source.path)]


@project_fact
def server_handles_proxy(project: Project) -> bool:
    """waitress ``--trusted-proxy``, uvicorn ``--proxy-headers``: the server already rewrites the address."""
    deploy = project.deploy
    if deploy is None:
        return False
    return any("--trusted-proxy" in text or "--proxy-headers" in text
               for text in (" ".join(cmd.argv) for cmd in deploy.commands))


# ------------------------------------------------------------- code side
@project_fact
def proxy_fixes(project: Project) -> list[tuple[ast.Call, Location]]:
    """Every ``ProxyFix(...)`` call in application code, with its location."""
    found: list[tuple[ast.Call, Location]] = []
    for site in project.calls:
        if site.name in PROXY_FIX or site.name.endswith(".ProxyFix") or site.name == "ProxyFix":
            if not is_test_path(site.module.path):
                found.append((site.node, Location(site.module.path, site.node.lineno, site.node.col_offset + 1)))
    return found


def proxy_sensitive_uses(project: Project, module: SourceModule) -> Iterator[tuple[ast.AST, str]]:
    """Reads of the client address a proxy hides: ``request.remote_addr``, Flask-Limiter's ``get_remote_address``."""
    if module.name not in project.module_imports:
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


def _qualify_any(project: Project, module: SourceModule, name: str) -> str:
    """Qualify with the module table, falling back to any function table of the module (local imports)."""
    table = project.module_imports.get(module.name)
    found = table.qualify(name) if table is not None else None
    if found:
        return found
    head = name.split(".")[0]
    target = _function_aliases(project, module.path).get(head)
    if target:
        return target + name[len(head):]
    return name


@keyed_fact
def _function_aliases(project: Project, path: str) -> dict[str, str]:
    """Names imported inside the functions of the module at ``path`` (the first import of each name wins)."""
    aliases: dict[str, str] = {}
    for fn in project.functions.values():
        if fn.module.path == path:
            for alias, target in fn.imports.aliases.items():
                aliases.setdefault(alias, target)
    return aliases


# ------------------------------------------------------- forwarded headers
def forwarded_header(node: ast.AST) -> str | None:
    """The header a ``headers.get("X-Forwarded-For")``/``environ["HTTP_X_REAL_IP"]`` key names, if forwarded."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        key = node.value.lower().replace("_", "-")
        key = key.removeprefix("http-")
        return FORWARDED_HEADERS.get(key)
    return None


def is_last_index(node: ast.AST) -> bool:
    """``[-1]``: the hop the nearest proxy appended."""
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
        and isinstance(node.operand, ast.Constant) and node.operand.value == 1


__all__ = [
    "FORWARDED_HEADERS", "declared_proxies", "forwarded_header", "is_last_index", "proxy_fixes",
    "proxy_sensitive_uses", "server_handles_proxy",
]
