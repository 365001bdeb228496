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
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.deploy_files import production_deploy_path
from flask_doctor.static.facts.flows import callers
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import all_child_nodes, walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy import ProxyDecl
    from flask_doctor.static.source import SourceModule

PROXY_FIX = {"werkzeug.middleware.proxy_fix.ProxyFix", "werkzeug.contrib.fixers.ProxyFix", "flask_proxyfix.ProxyFix"}
PROXY_SENSITIVE_ATTRS = {"remote_addr": "the client address"}
#: Flask-Limiter key functions that read the connection's address. Not ``get_ipaddr``: it reads the last
#: ``X-Forwarded-For`` entry, the address the nearest proxy appended, which is the client behind one proxy.
REMOTE_ADDRESS_FUNCS = {"flask_limiter.util.get_remote_address"}
FORWARDED_HEADERS = {
    "x-forwarded-for": "X-Forwarded-For",
    "x-real-ip": "X-Real-IP",
    "x-client-ip": "X-Client-IP",
    "forwarded": "Forwarded",
    "x-forwarded-proto": "X-Forwarded-Proto",
    "x-forwarded-host": "X-Forwarded-Host",
    "x-forwarded-scheme": "X-Forwarded-Scheme",
    "x-forwarded-port": "X-Forwarded-Port",
}


# ------------------------------------------------------------ deploy side
@project_fact
def declared_proxies(project: Project) -> list[ProxyDecl]:
    """Reverse proxies that production deploy files put in front of the app (nginx.conf, a compose service).

    Platforms that route every request through their own proxy count too
    (kind ``platform``: a Procfile ``web`` process behind Heroku's router,
    Fly.io's ``[http_service]``, App Engine's ``app.yaml``, Render, Cloud
    Run), except in an example's or a tutorial's directory
    (``examples/chat/Procfile`` deploys the example, not this app).
    """
    from flask_doctor.static.facts.server import example_deploy_path

    deploy = project.deploy
    if deploy is None:
        return []
    return [
        p
        for p in deploy.proxies
        if production_deploy_path(p.source.path) and not (p.kind == "platform" and example_deploy_path(p.source.path))
    ]


#: Environment variables only a platform that routes every request through its own proxy sets, by platform:
#: code that reads one runs there (``if os.getenv("RENDER"):``), so the app sees the router's address.
PLATFORM_VARIABLES = {
    "Render": ("RENDER", "RENDER_SERVICE_ID", "RENDER_EXTERNAL_URL", "RENDER_EXTERNAL_HOSTNAME", "RENDER_INSTANCE_ID"),
    "Heroku": ("DYNO",),
    "Fly.io": ("FLY_APP_NAME", "FLY_ALLOC_ID", "FLY_REGION"),
    "Cloud Run": ("K_SERVICE", "K_REVISION"),
    "App Engine": ("GAE_ENV", "GAE_SERVICE", "GAE_APPLICATION"),
    "Railway": ("RAILWAY_ENVIRONMENT", "RAILWAY_ENVIRONMENT_NAME", "RAILWAY_PUBLIC_DOMAIN", "RAILWAY_SERVICE_NAME"),
    "Azure App Service": ("WEBSITE_SITE_NAME", "WEBSITE_HOSTNAME"),
}
_PLATFORM_OF = {variable: platform for platform, names in PLATFORM_VARIABLES.items() for variable in names}


@project_fact
def platform_in_code(project: Project) -> list[ProxyDecl]:
    """Platforms whose own variables application code reads (``os.getenv("RENDER")``, ``"DYNO" in
    os.environ``): the app runs behind that platform's router even when the repository has no deploy file
    for it (the service is set up in the platform's dashboard). Kind ``platform-code``; one per platform."""
    from flask_doctor.static.deploy import ProxyDecl
    from flask_doctor.static.facts.config_values import env_variables

    found: dict[str, ProxyDecl] = {}
    for module in project.modules.values():
        if is_test_path(module.path) or "environ" not in module.text and "getenv" not in module.text:
            continue
        if not any(variable in module.text for variable in _PLATFORM_OF):
            continue  # the name is read as written (a string in the call), so its text must be there
        table = project.module_imports.get(module.name)
        if table is None:
            continue
        for node in walk(module.tree):
            names: list[str] = []
            if isinstance(node, (ast.Call, ast.Subscript)):
                names = env_variables(node, table) if isinstance(node, ast.Subscript) or node.args else []
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
                and (dotted(node.comparators[0]) or "").endswith("environ")
            ):
                names = [node.left.value]
            for name in names:
                platform = _PLATFORM_OF.get(name)
                if platform is not None and platform not in found:
                    location = Location(module.path, node.lineno, node.col_offset + 1)
                    found[platform] = ProxyDecl(f"{platform}'s router", location, kind="platform-code")
    return list(found.values())


@project_fact
def address_hiding_proxies(project: Project) -> list[ProxyDecl]:
    """The declared proxies behind which the app sees the proxy's address rather than the client's.

    nginx reaching the app through ``uwsgi_pass`` (or FastCGI/SCGI) with the
    stock parameters sets ``REMOTE_ADDR`` and ``HTTPS`` from the client's own
    connection: that config, and an nginx service of compose that runs it
    (when every nginx config of the project does so), hide nothing.
    """
    proxies = declared_proxies(project)
    configs = [p for p in proxies if p.kind == "nginx" and not p.source.path.endswith((".yml", ".yaml"))]
    gateway_only = bool(configs) and all(p.passes_client for p in configs)
    hiding = [p for p in proxies if not p.passes_client and not (gateway_only and p.kind == "nginx")]
    return hiding or platform_in_code(project)


@project_fact
def server_handles_proxy(project: Project) -> bool:
    """waitress ``--trusted-proxy``, uvicorn ``--proxy-headers``: the server already rewrites the address."""
    deploy = project.deploy
    if deploy is None:
        return False
    return any(
        "--trusted-proxy" in text or "--proxy-headers" in text
        for text in (" ".join(cmd.argv) for cmd in deploy.commands)
    )


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


@project_fact
def proxy_fix_configured(project: Project) -> bool:
    """The app applies ``ProxyFix``, or imports it to apply it from its settings.

    ``if app.config["ENABLE_PROXY_FIX"]: app.wsgi_app = ProxyFix(...)`` and
    a middleware list read from config both leave the decision to the
    operator, who is the one who knows what is in front: that counts as
    configured.
    """
    if proxy_fixes(project) or address_rewrites(project):
        return True
    for module, records in project.imports.items():
        source = project.modules.get(module)
        if source is not None and is_test_path(source.path):
            continue
        if any(
            r.module.split(".")[0] in ("werkzeug", "flask_proxyfix")
            and ("ProxyFix" in r.names or r.module.endswith(("proxy_fix", "fixers")))
            for r in records
        ):
            return True
    return any(
        "ProxyFix" in m.text and not is_test_path(m.path)
        for m in project.modules.values()
        if "proxy_fix" in m.text.lower()
    )


@project_fact
def address_rewrites(project: Project) -> list[Location]:
    """Application code that stores ``environ["REMOTE_ADDR"]``: the project's own ProxyFix.

    A WSGI middleware (``def __call__(self, environ, start_response)``) that
    puts the client's address from the proxy's header into ``REMOTE_ADDR``
    does what ``ProxyFix(x_for=...)`` does, under the project's own name.
    """
    found: list[Location] = []
    for module in project.modules.values():
        if "REMOTE_ADDR" not in module.text or is_test_path(module.path):
            continue
        for node in walk(module.tree):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.slice, ast.Constant)
                and node.slice.value == "REMOTE_ADDR"
            ):
                found.append(Location(module.path, node.lineno, node.col_offset + 1))
    return found


def proxy_sensitive_uses(project: Project, module: SourceModule) -> Iterator[tuple[ast.AST, str]]:
    """Reads of the client address a proxy hides: ``request.remote_addr``, Flask-Limiter's ``get_remote_address``.

    A call of ``get_remote_address()`` is given as the call, whose value can be followed to where it goes;
    the bare function (``Limiter(key_func=get_remote_address)``) is a rate-limit key.
    """
    if module.name not in project.module_imports:
        return
    text = module.text
    if not any(word in text for word in ("remote_addr", "get_remote_address")):
        return
    nodes = walk(module.tree)
    # Flask-Limiter's function is only ever named after an import that spells it
    limiter = "get_remote_address" in text
    called = {id(n.func): n for n in nodes if n.__class__ is ast.Call} if limiter else {}
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr in PROXY_SENSITIVE_ATTRS:
            base = dotted(node.value)
            if base and _qualify_any(project, module, base) in REQUEST_NAMES:
                yield node, f"`request.{node.attr}` ({PROXY_SENSITIVE_ATTRS[node.attr]})"
        elif (
            limiter and isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load)
        ):
            name = _qualify_any(project, module, dotted(node) or "")
            if name in REMOTE_ADDRESS_FUNCS:
                short_name = name.rsplit(".", 1)[-1]
                call = called.get(id(node))
                if call is not None:
                    yield call, f"Flask-Limiter's `{short_name}()` (the client address)"
                else:
                    yield node, f"Flask-Limiter's `{short_name}` (rate-limit key)"


def _qualify_any(project: Project, module: SourceModule, name: str) -> str:
    """Qualify with the module table, falling back to any function table of the module (local imports)."""
    table = project.module_imports.get(module.name)
    found = table.qualify(name) if table is not None else None
    if found:
        return found
    head = name.split(".")[0]
    target = _function_aliases(project, module.path).get(head)
    if target:
        return target + name[len(head) :]
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


# ------------------------------------------------------- scheme rewritten by hand
#: The parts of the request that carry the scheme the WSGI server saw.
REQUEST_URL_ATTRS = frozenset({"url", "url_root", "host_url", "base_url", "root_url"})


@dataclass(frozen=True, eq=False)
class SchemeRewrite:
    """``request.url_root.replace("http", "https")``: code that forces the public scheme onto the request's URL."""

    node: ast.Call
    location: Location
    #: ``"http"`` without ``://``: an https URL becomes ``httpss://``.
    unanchored: bool


@project_fact
def scheme_rewrites(project: Project) -> list[SchemeRewrite]:
    """Application code that turns the request's own URL from http into https by hand.

    The author saw the app build ``http://`` URLs while users reach it over
    https: a proxy in front terminates TLS and the app is not told
    (``ProxyFix`` with ``x_proto``).  Only the request's URL attributes
    count; a URL from the settings or a third-party API rewritten to https
    says nothing about what is in front of the app.
    """
    found: list[SchemeRewrite] = []
    for site in calls_named(project, ("replace",)):  # every ``x.replace(...)`` is listed under ``replace``
        func = site.node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "replace") or is_test_path(site.module.path):
            continue
        target = func.value
        if not (isinstance(target, ast.Attribute) and target.attr in REQUEST_URL_ATTRS):
            continue
        base = dotted(target.value)
        if not base or _qualify_any(project, site.module, base) not in REQUEST_NAMES:
            continue
        args = site.node.args
        if len(args) < 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2]):
            continue
        old, new = str(args[0].value), str(args[1].value)  # type: ignore[attr-defined]
        if old.rstrip(":/") == "http" and new.rstrip(":/") == "https":
            where = Location(site.module.path, site.node.lineno, site.node.col_offset + 1)
            found.append(SchemeRewrite(site.node, where, unanchored="://" not in old))
    return found


# ------------------------------------------------------- forwarded headers
def forwarded_header(node: ast.AST) -> str | None:
    """The header a ``headers.get("X-Forwarded-For")``/``environ["HTTP_X_REAL_IP"]`` key names, if forwarded."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        key = node.value.lower().replace("_", "-")
        key = key.removeprefix("http-")
        return FORWARDED_HEADERS.get(key)
    return None


#: Headers that carry the client's address (not its scheme or host).
ADDRESS_HEADERS = frozenset({"X-Forwarded-For", "X-Real-IP", "X-Client-IP", "Forwarded"})


def _names_address_header(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and forwarded_header(n) in ADDRESS_HEADERS for n in walk(node))


def fallback_for_forwarded_address(project: Project, fn: FunctionInfo, node: ast.AST) -> bool:
    """``request.remote_addr`` taken only when the proxy's address header is missing.

    ``headers.get("X-Real-IP", request.remote_addr)``, ``headers.get("X-Real-IP") or request.remote_addr``,
    ``ip = headers.get(...)`` then ``if not ip: ip = request.remote_addr``, or a ``return request.remote_addr``
    after ``return headers["X-Real-IP"]``: the code takes the address from the proxy itself.
    """
    parents = _parents(project, fn)
    current = node
    parent = parents.get(id(current))
    if isinstance(parent, ast.Call) and current in parent.args[1:] and parent.args:
        return _names_address_header(parent.args[0])  # the default of ``headers.get("X-Real-IP", ...)``
    if isinstance(parent, ast.BoolOp):
        return any(_names_address_header(value) for value in parent.values if value is not current)
    if isinstance(parent, ast.IfExp) and current is not parent.test:
        return _names_address_header(parent.test)  # ``... if "X-Real-IP" in request.headers else remote_addr``
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        return any(
            isinstance(other, ast.Assign)
            and other is not parent
            and any(isinstance(t, ast.Name) and t.id == name for t in other.targets)
            and _names_address_header(other.value)
            for other in walk(fn.node)
        )
    if isinstance(parent, ast.Return):
        return any(
            isinstance(other, ast.Return)
            and other is not parent
            and other.value is not None
            and _names_address_header(other.value)
            for other in walk(fn.node)
        )
    return False


def is_last_index(node: ast.AST) -> bool:
    """``[-1]``: the hop the nearest proxy appended."""
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and node.operand.value == 1
    )


# ------------------------------------------------------- where a client address goes
#: What code does with a client address or URL part, from harmless to harmful.
ECHO, LOG, NOTIFY, AUDIT, FAILED_LOGIN_LOG, DECISION = "echo", "log", "notify", "audit", "failed-login-log", "decision"
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_ALERT_LEVELS = frozenset({"warning", "warn", "error", "exception", "critical"})
_FAILED_LOGIN = on_first_use(r"log\s*in|login|fail|denied|invalid|password|unauthori|brute|banned", re.IGNORECASE)
_NOTIFY = on_first_use(r"mail|notif|message|sms|translation", re.IGNORECASE)
_AUDIT = on_first_use(r"(^|_)(log|audit|history|event)s?($|_)", re.IGNORECASE)
_ECHO = frozenset({"jsonify", "make_response", "Response", "render_template", "render_template_string", "json.dumps"})
#: Calls whose result carries the value on (containers, string and URL builders).
_CARRY = frozenset(
    {
        "str",
        "dict",
        "list",
        "tuple",
        "set",
        "next",
        "iter",
        "sorted",
        "reversed",
        "repr",
        "format",
        "join",
        "urlunparse",
        "urlunsplit",
        "urljoin",
        "ip_address",
        "ip_network",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "partition",
        "rpartition",
        "lower",
        "upper",
        "encode",
        "decode",
        "replace",
        "get",
        "getlist",
        "to_dict",
        "copy",
    }
)
_MAX_HOPS = 6


@keyed_fact
def _parents(project: Project, fn: FunctionInfo) -> dict[int, ast.AST]:
    """``id(child) -> parent`` for every node of the function."""
    table: dict[int, ast.AST] = {}
    for node in ast.walk(fn.node):
        for child in all_child_nodes(node):
            table[id(child)] = node
    return table


def address_uses(project: Project, fn: FunctionInfo | None, node: ast.AST) -> dict[str, Location]:
    """Where the value read at ``node`` ends up: echoed back, logged, mailed, stored, or decided on.

    Follows the value through string methods, containers, local variables and
    ``return`` (to the callers, one level at a time); anything it cannot
    follow counts as a decision, so the answer errs towards reporting.
    """
    if fn is None:
        return {DECISION: Location("", getattr(node, "lineno", 0))}
    found: dict[str, Location] = {}
    _follow(project, fn, node, found, 0, set())
    return found


#: Text methods that keep a value what it was (``.lower()``) for a comparison.
_TEXT_STEPS = frozenset({"lower", "upper", "casefold", "strip", "lstrip", "rstrip"})


def only_compared_with_constants(project: Project, fn: FunctionInfo | None, node: ast.AST) -> bool:
    """The value read at ``node`` is only compared with fixed text (``== "http"``, ``in ("https", "wss")``) or
    tested for presence, through case and whitespace methods and local names: nothing is built from it.

    ``if request.headers.get("X-Forwarded-Proto") == "http": return redirect(https_url)`` is such a use.
    """
    if fn is None:
        return False
    return _compared_only(project, fn, node, 0)


def _fixed_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) or node.value is None
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    )


def _compared_only(project: Project, fn: FunctionInfo, node: ast.AST, hops: int) -> bool:
    parents = _parents(project, fn)
    current: ast.AST = node
    while True:
        parent = parents.get(id(current))
        if isinstance(parent, ast.Attribute) and parent.attr in _TEXT_STEPS:
            grand = parents.get(id(parent))
            if not (isinstance(grand, ast.Call) and grand.func is parent and not grand.args):
                return False
            current = grand
            continue
        if isinstance(parent, ast.BoolOp):
            current = parent  # ``get(...) or "http"``; ``if a and b``: a presence test
            continue
        if isinstance(parent, ast.Compare):
            operands = [parent.left, *parent.comparators]
            return all(_fixed_text(o) for o in operands if o is not current)
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and current is parent.test:
            return True
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return True
        if (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
            and hops < 3
        ):
            name = parent.targets[0].id
            uses = [
                n
                for n in ast.walk(fn.node)
                if isinstance(n, ast.Name)
                and n.id == name
                and isinstance(n.ctx, ast.Load)
                and n.lineno >= parent.lineno
            ]
            return bool(uses) and all(_compared_only(project, fn, use, hops + 1) for use in uses)
        return False


def last_hop_through_local(project: Project, fn: FunctionInfo | None, node: ast.AST) -> bool:
    """The value read at ``node`` is assigned to a local name whose every use takes the last hop:
    ``hops = request.access_route`` then ``hops[-1]`` (or ``xff.split(",")[-1]``)."""
    if fn is None:
        return False
    parents = _parents(project, fn)
    parent = parents.get(id(node))
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    uses = [
        n
        for n in walk(fn.node)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) and n.lineno >= parent.lineno
    ]
    return bool(uses) and all(_last_index_taken(parents, use) for use in uses)


def _last_index_taken(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    current = node
    for _step in range(4):  # ``x[-1]``, ``x.split(",")[-1]``, ``x.strip().split(",")[-1]``
        parent = parents.get(id(current))
        if isinstance(parent, ast.Subscript) and parent.value is current:
            return is_last_index(parent.slice)
        if isinstance(parent, ast.Attribute) and parent.attr in ("split", "rsplit", "strip"):
            grand = parents.get(id(parent))
            if not (isinstance(grand, ast.Call) and grand.func is parent):
                return False
            current = grand
            continue
        return False
    return False


def _follow(
    project: Project, fn: FunctionInfo, node: ast.AST, found: dict[str, Location], hops: int, seen: set[tuple[str, str]]
) -> None:
    parents = _parents(project, fn)

    def mark(kind: str, at: ast.AST) -> None:
        found.setdefault(
            kind, Location(fn.module.path, getattr(at, "lineno", fn.node.lineno), getattr(at, "col_offset", 0) + 1)
        )

    current: ast.AST = node
    while True:
        parent = parents.get(id(current))
        if parent is None:
            mark(DECISION, current)
            return
        if isinstance(parent, ast.keyword):
            current = parent
            continue
        if isinstance(
            parent,
            (
                ast.BoolOp,
                ast.JoinedStr,
                ast.FormattedValue,
                ast.BinOp,
                ast.Tuple,
                ast.List,
                ast.Set,
                ast.Dict,
                ast.Starred,
                ast.ListComp,
                ast.SetComp,
                ast.DictComp,
                ast.GeneratorExp,
                ast.comprehension,
            ),
        ):
            current = parent
            continue
        if isinstance(parent, ast.IfExp):
            if current is parent.test:
                return  # ``a if request.headers.get(...) else b``: only asks whether it is there
            current = parent
            continue
        if isinstance(parent, ast.Subscript):
            if current is parent.value:
                current = parent
                continue
            mark(DECISION, parent)  # used as a key
            return
        if isinstance(parent, ast.Attribute):
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                if parent.attr in ("startswith", "endswith", "__eq__", "__contains__"):
                    mark(DECISION, grand)
                    return
                current = grand  # ``.split(",")``, ``.strip()``: the same text
                continue
            current = parent
            continue
        if isinstance(parent, ast.Call):
            kind = _call_kind(parent)
            if kind == "carry":
                current = parent
                continue
            if kind == DECISION and _appends_to_file(fn, parent):
                kind = LOG  # ``fh.write(f"{ip} upload")`` on a file opened with "a": a log line
            mark(kind, parent)
            return
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            for target in targets:
                _follow_target(project, fn, target, found, hops, seen, mark)
            return
        if isinstance(parent, ast.Return):
            _follow_return(project, fn, parent, found, hops, seen, mark)
            return
        if isinstance(parent, ast.Compare):
            if all(isinstance(c, ast.Constant) and c.value is None for c in parent.comparators):
                return  # ``is None``: only asks whether a proxy is there
            mark(DECISION, parent)
            return
        if isinstance(parent, (ast.If, ast.While, ast.Assert)) and current is parent.test:
            return
        if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
            return
        if isinstance(parent, ast.Expr):
            return
        mark(DECISION, parent)
        return


def _follow_target(
    project: Project,
    fn: FunctionInfo,
    target: ast.expr,
    found: dict[str, Location],
    hops: int,
    seen: set[tuple[str, str]],
    mark,
) -> None:  # type: ignore[no-untyped-def]
    if isinstance(target, ast.Name):
        key = (fn.qualname, target.id)
        if key in seen or hops >= _MAX_HOPS:
            return
        seen.add(key)
        for use in ast.walk(fn.node):
            if (
                isinstance(use, ast.Name)
                and use.id == target.id
                and isinstance(use.ctx, ast.Load)
                and use.lineno >= target.lineno
            ):
                _follow(project, fn, use, found, hops + 1, seen)
        return
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _follow_target(project, fn, element, found, hops, seen, mark)
        return
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        owner = target.value.id
        if _log_record_parameter(fn, owner):
            mark(LOG, target)  # ``record.ip = ...`` in a logging filter/formatter: a field of the log line
            return
        if owner not in fn.local_names and (fn.imports.qualify(owner) or owner) == "flask.g":
            key = ("flask.g", target.attr)
            if key in seen or hops >= _MAX_HOPS:
                return
            seen.add(key)
            reads = g_attribute_reads(project, target.attr)
            if not reads:
                mark(DECISION, target)  # read nowhere the model sees (a template, a library): cannot tell
                return
            for reader, read in reads:
                _follow(project, reader, read, found, hops + 1, seen)  # ``g.client_ip`` where it is read
            return
    base = target
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    if (
        isinstance(base, ast.Name)
        and isinstance(target, ast.Subscript)
        and base.id in fn.local_names
        and base.id != "session"
    ):
        _follow_target(
            project, fn, ast.Name(id=base.id, ctx=ast.Store(), lineno=target.lineno), found, hops, seen, mark
        )  # ``url[0] = proto``: the local list now carries it
        return
    mark(AUDIT if isinstance(base, ast.Name) and base.id == "session" else DECISION, target)


#: Methods of ``logging.Filter``/``Formatter``/``Handler`` that receive the record being written.
_LOG_RECORD_METHODS = frozenset({"filter", "format", "emit"})


def _log_record_parameter(fn: FunctionInfo, name: str) -> bool:
    """``name`` is the record parameter of a logging filter's ``filter(self, record)`` (or ``format``/``emit``)."""
    params = fn.node.args.posonlyargs + fn.node.args.args
    return (
        fn.node.name in _LOG_RECORD_METHODS and len(params) >= 2 and params[0].arg == "self" and params[1].arg == name
    )


def _appends_to_file(fn: FunctionInfo, call: ast.Call) -> bool:
    """``fh.write(...)`` where ``fh`` is a file this function opened for appending (``open(path, "a")``)."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute) and func.attr in ("write", "writelines") and isinstance(func.value, ast.Name)
    ):
        return False
    handle = func.value.id
    for node in walk(fn.node):
        opened: ast.expr | None = None
        if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            opened = node.context_expr if node.optional_vars.id == handle else None
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == handle for t in node.targets):
            opened = node.value
        if not (isinstance(opened, ast.Call) and (dotted(opened.func) or "") in ("open", "io.open")):
            continue
        mode = (
            opened.args[1]
            if len(opened.args) > 1
            else next((k.value for k in opened.keywords if k.arg == "mode"), None)
        )
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "a" in mode.value:
            return True
    return False


@keyed_fact
def g_attribute_reads(project: Project, attr: str) -> tuple[tuple[FunctionInfo, ast.Attribute], ...]:
    """Every read of ``flask.g.<attr>`` in the project's functions (only modules whose text names it are walked)."""
    needle = f".{attr}"
    found: list[tuple[FunctionInfo, ast.Attribute]] = []
    for fn in project.functions.values():
        if needle not in fn.module.text:
            continue
        for node in walk(fn.node):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == attr
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
                and node.value.id not in fn.local_names
                and (fn.imports.qualify(node.value.id) or node.value.id) == "flask.g"
            ):
                found.append((fn, node))
    return tuple(found)


def _follow_return(
    project: Project,
    fn: FunctionInfo,
    ret: ast.Return,
    found: dict[str, Location],
    hops: int,
    seen: set[tuple[str, str]],
    mark,
) -> None:  # type: ignore[no-untyped-def]
    if fn.routes or "view" in fn.roles:
        mark(ECHO, ret)  # the view sends it back to the client that sent it
        return
    key = (fn.qualname, "<return>")
    if key in seen or hops >= _MAX_HOPS:
        return
    seen.add(key)
    sites = callers(project).get(fn.qualname, [])
    if not sites:
        mark(DECISION, ret)
        return
    for call, caller in sites:
        _follow(project, caller, call, found, hops + 1, seen)


def _call_kind(call: ast.Call) -> str:
    """What a call does with an argument: carry it on, log it, mail it, send it back, store it, decide."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    receiver = (dotted(func.value) or "") if isinstance(func, ast.Attribute) else ""
    if name in _CARRY:
        return "carry"
    if name == "print" or (name in _LOG_METHODS and "log" in receiver.lower()):
        if name in _ALERT_LEVELS and call.args and _FAILED_LOGIN().search(ast.unparse(call.args[0])):
            return FAILED_LOGIN_LOG
        return LOG
    if name in _ECHO or (dotted(func) or "") in _ECHO:
        return ECHO
    if _NOTIFY().search(name):
        return NOTIFY
    if _AUDIT().search(name):
        return AUDIT
    return DECISION


__all__ = [
    "AUDIT",
    "DECISION",
    "ECHO",
    "FAILED_LOGIN_LOG",
    "FORWARDED_HEADERS",
    "LOG",
    "NOTIFY",
    "address_hiding_proxies",
    "address_rewrites",
    "address_uses",
    "declared_proxies",
    "fallback_for_forwarded_address",
    "forwarded_header",
    "is_last_index",
    "last_hop_through_local",
    "only_compared_with_constants",
    "proxy_fix_configured",
    "proxy_fixes",
    "proxy_sensitive_uses",
    "server_handles_proxy",
]
