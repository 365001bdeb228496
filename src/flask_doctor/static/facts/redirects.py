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

from flask_doctor.dataclass import dataclass
from flask_doctor.static.facts.guards import mentions, validated
from flask_doctor.static.facts.taint import USER_INPUT, Taint, assignments, taint
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

REDIRECT_SINKS = frozenset({"flask.redirect", "flask.helpers.redirect", "werkzeug.utils.redirect", "quart.redirect"})
REDIRECT_GUARDS = (
    "url_has_allowed_host_and_scheme",
    "is_safe_url",
    "is_safe_redirect",
    "safe_url",
    "is_safe_next",
    "url_is_safe",
    "is_local_url",
    "is_relative_url",
    "check_next",
    "validate_redirect",
    "safe_redirect",
    "is_internal_url",
    "url_for_security",
)
#: attributes that point back at this site (same host): never an open redirect.
SAME_SITE_ATTRS = frozenset(
    {
        "path",
        "full_path",
        "url",
        "base_url",
        "url_root",
        "host_url",
        "script_root",
        "referrer",
        "host",
    }
)
#: Client text that can name another site.
REDIRECT_TARGET = USER_INPUT.without(SAME_SITE_ATTRS)

_FIXED_URL = on_first_use(r"^(/(?![/\\])|https?://[^/{}%?#]+/|\.\.?/|[\w-]+/)", re.IGNORECASE)
_OWN_URL_ATTRS = ("url", "base_url", "url_root", "host_url", "path", "full_path", "script_root")


def fixed_host(node: ast.AST, fn: FunctionInfo, state: Taint, seen: set[str] | None = None) -> bool:
    """Does the code fix the scheme and host of this URL, so that request data only fills the path?"""
    seen = set() if seen is None else seen
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_FIXED_URL().match(node.value))
    if isinstance(node, ast.JoinedStr):
        if not node.values:
            return False
        if _stored_site([v.value if isinstance(v, ast.FormattedValue) else v for v in node.values], state):
            return True  # f"{agent.api_url()}/task_logs/{name}"
        first = node.values[0]
        if isinstance(first, ast.Constant):
            return fixed_host(first, fn, state, seen)
        if isinstance(first, ast.FormattedValue):
            return fixed_host(first.value, fn, state, seen)
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _stored_site(_added(node), state):
        return True  # ``agent.api_url() + "/task_logs/" + name``: a site the project stored, a path after it
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return fixed_host(node.left, fn, state, seen)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            return fixed_host(func.value, fn, state, seen)
        name = fn.imports.qualify(dotted(func) or "") or dotted(func) or ""
        if _operator_setting(node, fn):
            return True  # ``os.environ.get("FALLBACK_URL")``, ``app.config.get("BASE_URL")``: the operator's site
        if name in _PATH_JOINS and node.args and not node.keywords:
            # ``join(UPDATES_WEBDIR, "agent-%s.zip" % version)``: a relative piece cannot replace the base
            head, rest = node.args[0], node.args[1:]
            return (
                bool(rest)
                and fixed_host(head, fn, state, seen)
                and all(_relative(part, fn, set(seen)) for part in rest)
            )
        return name in ("flask.url_for", "flask.helpers.url_for")
    if isinstance(node, ast.Subscript) and _operator_setting(node, fn):
        return True
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
            n.value
            for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]  # ``url += "?" + qs`` only appends: it cannot change the host
        return bool(values) and all(fixed_host(v, fn, state, seen) for v in values)
    return False


#: ``os.path.join(base, piece)``: the base stays unless a later piece is absolute.
_PATH_JOINS = frozenset({"os.path.join", "posixpath.join"})


def _added(node: ast.expr) -> list[ast.expr]:
    """The pieces of ``a + b + c``, left to right."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_added(node.left), *_added(node.right)]
    return [node]


def _relative(node: ast.expr, fn: FunctionInfo, seen: set[str]) -> bool:
    """A path piece that starts with fixed text other than a slash, so a join keeps the base before it."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value) and node.value[0] not in "/\\"
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _relative(node.left, fn, seen)
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _relative(node.values[0], fn, seen)  # type: ignore[arg-type]
    if isinstance(node, ast.Name) and node.id not in seen:
        seen.add(node.id)
        values = [
            n.value
            for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]
        return bool(values) and all(_relative(v, fn, seen) for v in values)
    return False


#: A helper named for the site's own root (``getrooturl()``, ``base_url()``, ``site_url()``).
_SITE_ROOT_HELPER = on_first_use(r"^(get_?)?(root|base|site|host|server)_?url$", re.IGNORECASE)


def _site_root_helper(call: ast.Call) -> bool:
    """``getrooturl()``: a function named for the site's root URL, called with nothing from the request."""
    return (
        isinstance(call.func, ast.Name)
        and not call.args
        and not call.keywords
        and bool(_SITE_ROOT_HELPER().match(call.func.id))
    )


def _stored_site(pieces: list[ast.expr], state: Taint) -> bool:
    """``agent.api_url() + "/task_logs/" + name``: a method of an object the request did not give builds the
    site, and a fixed ``/`` closes it before any request text, so the client picks a path on it, not a site.

    The object is a row or setting the project keeps (a database record, a configured client): its method
    says where its own service lives.  A bare function call (``next_target()``) may hand back the client's
    own URL, and a request value in front decides the site itself: neither counts, except a helper named
    for the site's root URL and given no argument (``getrooturl() + "/" + project``).
    """
    first = pieces[0]
    if not isinstance(first, ast.Call) or state.source(first) is not None:
        return False
    if not isinstance(first.func, ast.Attribute) and not _site_root_helper(first):
        return False
    for piece in pieces[1:]:
        if isinstance(piece, ast.Constant) and isinstance(piece.value, str) and piece.value[:1] == "/":
            return True
        if state.source(piece) is not None:
            return False
    return False


# --------------------------------------------------------------------------- checks of the target
_PARSERS = frozenset({"urlparse", "urlsplit", "url_parse", "urllib.parse.urlparse", "urllib.parse.urlsplit"})
#: Prefixes that test only the scheme: a scheme-relative ``//evil.example`` passes either way.
_SCHEME_PREFIXES = frozenset({"http", "https", "http:", "https:", "http://", "https://"})
_HOST_ATTRS = frozenset({"host", "host_url", "url_root", "server_name", "SERVER_NAME"})


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def parses_target(fn: FunctionInfo, names: set[str]) -> bool:
    """``urlparse(target).netloc`` / ``urlsplit(target)``: the host is read from the parsed target."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] in _PARSERS:
            if any(_names_in(arg) & names for arg in node.args):
                return True
    return False


def _conditions(test: ast.expr) -> list[ast.expr]:
    """The atoms of an ``if`` test (``a and not b or c`` -> a, b, c)."""
    if isinstance(test, ast.BoolOp):
        return [atom for value in test.values for atom in _conditions(value)]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _conditions(test.operand)
    return [test]


#: Hosts without a trailing slash (``host_url`` and ``url_root`` end in ``/``, which closes the host).
_BARE_HOSTS = frozenset({"host", "server_name", "SERVER_NAME"})


def _ends_with_host(node: ast.expr) -> bool:
    """``"https://" + request.host``, ``f"https://{request.host}"``, ``config["SERVER_NAME"]``: a prefix
    that ends with a bare host name, which a longer host (``your.host.evil.example``) or a user name
    (``your.host@evil.example``) extends."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _ends_with_host(node.right)
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _ends_with_host(node.values[-1])  # type: ignore[arg-type]
    if isinstance(node, ast.FormattedValue):
        return node.format_spec is None and _ends_with_host(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr in _BARE_HOSTS
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in _BARE_HOSTS
    return False


def _weakness(atom: ast.expr, names: set[str]) -> str | None:
    """``"weak: ..."`` for a check that lets another site through, ``"strong"``, or None (says nothing)."""
    if not (_names_in(atom) & names):
        return None
    if isinstance(atom, ast.Name):
        return None  # truthiness
    if isinstance(atom, ast.Compare) and all(isinstance(c, ast.Constant) and c.value is None for c in atom.comparators):
        return None
    if (
        isinstance(atom, ast.Call)
        and isinstance(atom.func, ast.Attribute)
        and atom.func.attr == "startswith"
        and isinstance(atom.func.value, ast.Name)
        and atom.func.value.id in names
        and atom.args
    ):
        prefixes = atom.args[0]
        values = list(prefixes.elts) if isinstance(prefixes, (ast.Tuple, ast.List)) else [prefixes]
        texts = [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if texts and all(t == "/" for t in texts):
            return f"weak: `{ast.unparse(atom)}` also accepts `//evil.example` and `/\\evil.example`"
        if texts and all(t.lower() in _SCHEME_PREFIXES for t in texts):
            return f"weak: `{ast.unparse(atom)}` tests only the scheme; `//evil.example` has none"
        if values and all(_ends_with_host(v) for v in values):
            return (
                f"weak: `{ast.unparse(atom)}` compares the start of the unparsed URL with the host, which a "
                "longer host (`your.host.evil.example`) or a user name (`your.host@evil.example`) also starts with"
            )
        return "strong"
    if (
        isinstance(atom, ast.Compare)
        and len(atom.ops) == 1
        and isinstance(atom.ops[0], (ast.Eq, ast.NotEq))
        and isinstance(atom.left, ast.Subscript)
        and isinstance(atom.left.value, ast.Name)
        and atom.left.value.id in names
        and isinstance(atom.left.slice, ast.Constant)
        and atom.left.slice.value == 0
        and isinstance(atom.comparators[0], ast.Constant)
        and atom.comparators[0].value == "/"
    ):
        return f"weak: `{ast.unparse(atom)}` also accepts `//evil.example` and `/\\evil.example`"
    if isinstance(atom, ast.Compare) and len(atom.ops) == 1 and isinstance(atom.ops[0], (ast.In, ast.NotIn)):
        left, right = atom.left, atom.comparators[0]
        if isinstance(left, ast.Constant) and left.value in ("//", "://") and _names_in(right) & names:
            return f"weak: `{ast.unparse(atom)}` still accepts `/\\evil.example` and `https:evil.example`"
        if isinstance(left, ast.Attribute) and left.attr in _HOST_ATTRS and _names_in(right) & names:
            return (
                f"weak: `{ast.unparse(atom)}` looks for the host anywhere in the URL "
                "(`https://evil.example/?x=your.host` passes)"
            )
    return "strong"


def weak_redirect_check(fn: FunctionInfo, names: set[str]) -> str | None:
    """The check a redirect target gets when every check of it is one that another site passes.

    ``if nxt.startswith("/")`` lets ``//evil.example`` (scheme-relative) and
    ``/\\evil.example`` (browsers read the backslash as a slash) through;
    ``"//" not in nxt`` misses the backslash form; ``request.host in nxt``
    finds the host in a query string; ``nxt.startswith("https://" + request.host)``
    also accepts ``https://your.host.evil.example``.  Returns the description of the weak
    check, or None when a real check (or none at all) is there.
    """
    if not names or parses_target(fn, names):
        return None
    weak: str | None = None
    for node in ast.walk(fn.node):
        if not isinstance(node, (ast.If, ast.IfExp, ast.Assert, ast.While)):
            continue
        for atom in _conditions(node.test):
            verdict = _weakness(atom, names)
            if verdict == "strong":
                return None
            if verdict is not None and weak is None:
                weak = verdict[len("weak: ") :]
    return weak


@dataclass(frozen=True, eq=False)
class HelperTarget:
    """A project helper whose return value is the client's redirect target (``get_redirect_target()``)."""

    helper: FunctionInfo
    source: ast.AST | str
    returned: ast.expr
    weak: str | None  # the only check the helper makes, when another site passes it


def helper_target(project: Project, fn: FunctionInfo, node: ast.expr, depth: int = 0) -> HelperTarget | None:
    """The helper call in ``node`` that hands back a target the client chose and the helper never checks.

    ``redirect(get_redirect_target() or url_for("index"))`` where the helper
    returns ``request.args.get("next")`` (after a truthiness test, or a
    ``startswith("/")``) is as open as reading the argument in the view.  A
    helper that names a guard (``is_safe_url``), parses the target or tests
    it beyond truthiness hands back a checked value, so nothing is returned.
    """
    if depth > 2:
        return None
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            found = helper_target(project, fn, value, depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(node, ast.IfExp):
        return helper_target(project, fn, node.body, depth + 1) or helper_target(project, fn, node.orelse, depth + 1)
    if isinstance(node, ast.Name):
        values = [v for name, v in assignments(project, fn) if name == node.id]
        if len(values) != 1:
            return None
        return helper_target(project, fn, values[0], depth + 1)
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func)
    helper = project.resolve_function(name, fn, fn.module) if name else None
    if helper is None or helper is fn or mentions(helper, REDIRECT_GUARDS):
        return None
    state = taint(project, helper, REDIRECT_TARGET)
    for ret in ast.walk(helper.node):
        if not isinstance(ret, ast.Return) or ret.value is None:
            continue
        source = state.source(ret.value)
        if source is None or fixed_host(ret.value, helper, state):
            continue
        names = set(state.names) | _names_in(ret.value)
        weak = weak_redirect_check(helper, names)
        if weak is None and (parses_target(helper, names) or validated(project, helper, ret.value)):
            return None
        return HelperTarget(helper, source, ret.value, weak)
    return None


def _operator_setting(node: ast.Call | ast.Subscript, fn: FunctionInfo) -> bool:
    """A value the operator configures: an environment variable or a config key (not request data)."""
    if isinstance(node, ast.Call):
        base = dotted(node.func) or ""
        if not base.endswith((".get", "getenv")):
            return False
        base = base.rsplit(".", 1)[0]
    else:
        base = dotted(node.value) or ""
    qualified = fn.imports.qualify(base) or base
    return qualified in ("os", "os.environ") or qualified.endswith(("environ", "config", "settings"))


__all__ = [
    "REDIRECT_GUARDS",
    "REDIRECT_SINKS",
    "REDIRECT_TARGET",
    "SAME_SITE_ATTRS",
    "HelperTarget",
    "fixed_host",
    "helper_target",
    "parses_target",
    "weak_redirect_check",
]
