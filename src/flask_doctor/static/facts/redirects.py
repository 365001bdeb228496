"""Redirect targets: can the client choose the site a redirect sends users to?

A redirect is open only when the client picks the scheme and host.  Values
that point back at this site (``request.path``, ``request.referrer``) are not
sources for this question, and URLs whose host the code fixes
(``url_for(...)``, ``f"/books/{slug}"``, ``IMAGE_HOST + "/" + uuid``) only
let the client pick a path.
"""

from __future__ import annotations

import ast
import re

from flask_doctor.static.facts.taint import USER_INPUT, Taint
from flask_doctor.static.model import FunctionInfo
from flask_doctor.static.names import dotted

REDIRECT_SINKS = frozenset({"flask.redirect", "flask.helpers.redirect", "werkzeug.utils.redirect", "quart.redirect"})
REDIRECT_GUARDS = (
    "url_has_allowed_host_and_scheme", "is_safe_url", "is_safe_redirect", "safe_url", "is_safe_next",
    "netloc", "url_is_safe", "is_local_url", "is_relative_url", "check_next", "validate_redirect",
    "safe_redirect", "is_internal_url", "url_for_security",
)
#: attributes that point back at this site (same host): never an open redirect.
SAME_SITE_ATTRS = frozenset({
    "path", "full_path", "url", "base_url", "url_root", "host_url", "script_root", "referrer", "host",
})
#: Client text that can name another site.
REDIRECT_TARGET = USER_INPUT.without(SAME_SITE_ATTRS)

_FIXED_URL = re.compile(r"^(/(?![/\\])|https?://[^/{}%?#]+/|\.\.?/|[\w-]+/)", re.IGNORECASE)
_OWN_URL_ATTRS = ("url", "base_url", "url_root", "host_url", "path", "full_path", "script_root")


def fixed_host(node: ast.AST, fn: FunctionInfo, state: Taint, seen: set[str] | None = None) -> bool:
    """Does the code fix the scheme and host of this URL, so that request data only fills the path?"""
    seen = set() if seen is None else seen
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_FIXED_URL.match(node.value))
    if isinstance(node, ast.JoinedStr):
        if not node.values:
            return False
        first = node.values[0]
        if isinstance(first, ast.Constant):
            return fixed_host(first, fn, state, seen)
        if isinstance(first, ast.FormattedValue):
            return fixed_host(first.value, fn, state, seen)
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return fixed_host(node.left, fn, state, seen)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return fixed_host(func.value, fn, state, seen)
        name = fn.imports.qualify(dotted(func) or "") or dotted(func) or ""
        return name in ("flask.url_for", "flask.helpers.url_for")
    if isinstance(node, ast.Attribute):
        if state.is_request(node.value):
            return node.attr in _OWN_URL_ATTRS
        return node.attr.isupper()
    if isinstance(node, ast.Name):
        if node.id.isupper():
            return True  # a constant such as IMAGE_HOST
        if node.id in seen:
            return True  # ``url = f"{url}&x"`` keeps the prefix it already had
        seen.add(node.id)
        values = [
            n.value for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]  # ``url += "?" + qs`` only appends: it cannot change the host
        return bool(values) and all(fixed_host(v, fn, state, seen) for v in values)
    return False


__all__ = ["REDIRECT_GUARDS", "REDIRECT_SINKS", "REDIRECT_TARGET", "SAME_SITE_ATTRS", "fixed_host"]
