"""Call tables and facts about calls that block: what ties up a worker while a request waits.

The tables name the blocking functions (``time.sleep``, subprocess waits,
synchronous database drivers) and the HTTP clients (requests, httpx,
urllib) with where their timeouts go; the blocking rules (FD401-FD403) and
the server facts share them.

All users share one notion of "what is this call": names are resolved
through imports (``from time import sleep`` -> ``time.sleep``), local and
module-level instances (``s = requests.Session(); s.get(...)``), ``with
requests.Session() as s:`` blocks, and ``self.session = requests.Session()``
attributes set by the same class.  Nothing is matched on attribute names
alone: ``gevent.sleep``, ``asyncio.sleep`` and a project's own ``get`` method
are different functions from ``time.sleep`` and ``requests.get``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.context import Context, callee_names, describe_context, last_segments
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.apps import current_app_attribute
from flask_doctor.static.facts.guards import bound_arguments
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import CLI, FACTORY, JOB, MAIN, REQUEST, TEST, ClassInfo, FunctionInfo, Project
from flask_doctor.static.model.plugins import own_nodes
from flask_doctor.static.model.workers import WORKER_ROLES
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import all_child_nodes, walk

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_FUNCTIONS = {f"requests.{v}" for v in HTTP_VERBS} | {f"requests.api.{v}" for v in HTTP_VERBS}
#: OAuth clients built on ``requests.Session`` (requests-oauthlib, and Authlib's requests integration): their
#: HTTP verbs and token calls wait as long as a plain session, with no default timeout.
OAUTH_SESSION_TYPES = frozenset(
    {
        "requests_oauthlib.OAuth1Session",
        "requests_oauthlib.OAuth2Session",
        "requests_oauthlib.oauth1_session.OAuth1Session",
        "requests_oauthlib.oauth2_session.OAuth2Session",
        "authlib.integrations.requests_client.OAuth1Session",
        "authlib.integrations.requests_client.OAuth2Session",
        "authlib.integrations.requests_client.AssertionSession",
        "authlib.integrations.requests_client.oauth1_session.OAuth1Session",
        "authlib.integrations.requests_client.oauth2_session.OAuth2Session",
        "authlib.integrations.requests_client.assertion_session.AssertionSession",
    }
)
#: Authlib's sessions take ``default_timeout=`` when built, and then pass it to every request.
AUTHLIB_SESSION_PREFIX = "authlib."
#: The token calls of those clients, and where requests-oauthlib takes ``timeout`` positionally (Authlib and the
#: OAuth 1 calls take it only as a keyword passed on to ``request``).
OAUTH_TOKEN_METHODS = {
    "fetch_token": 9,
    "refresh_token": 4,
    "fetch_request_token": None,
    "fetch_access_token": None,
    "revoke_token": None,
    "introspect_token": None,
}
REQUESTS_SESSION_TYPES = {
    "requests.Session",
    "requests.sessions.Session",
    "requests.session",
    "requests.sessions.session",
    *OAUTH_SESSION_TYPES,
}
HTTPX_FUNCTIONS = {f"httpx.{v}" for v in (*HTTP_VERBS, "stream")}
HTTPX_CLIENT_TYPES = {"httpx.Client", "httpx.AsyncClient"}
URLOPEN = {"urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"}
#: feedparser's entry point: given a URL it fetches it with urllib, and it has no timeout parameter.
FEEDPARSER_PARSE = {"feedparser.parse", "feedparser.api.parse"}
#: Words of a name that holds a URL (``feed_url``, ``rss_link``, ``feed.url``, ``source["href"]``).
URL_WORDS = frozenset({"url", "uri", "link", "href", "urls"})
SUBPROCESS_BLOCKING = {
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
}
POPEN_TYPES = {"subprocess.Popen"}
#: Last segments of every wait :func:`blocking_subprocess` knows (``run``, ``communicate``...).
SUBPROCESS_WAIT_NAMES = last_segments(SUBPROCESS_BLOCKING) | {"communicate", "wait"}
SLEEP = {"time.sleep"}
#: Constant sleeps shorter than this are thread yields and short poll
#: intervals of a bounded handshake (``while not ready: time.sleep(0.01)``).
TINY_SLEEP = 0.1
SYNC_DB_CONNECT = {
    "psycopg2.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "sqlite3.connect",
    "pymongo.MongoClient",
}
#: Where ``Session.request`` takes ``timeout`` positionally (method, url, params,
#: data, headers, cookies, files, auth, timeout).
SESSION_REQUEST_TIMEOUT_INDEX = 8


# ----------------------------------------------------------------- resolution
def _instance_type(ctx: Context, node: ast.expr) -> str | None:
    """The type of the receiver of a method call, as far as the code shows it: a project function that builds
    and returns an HTTP session (``def http_session(): return GuardedSession(policy())``) stands for it."""
    found = _receiver_type(ctx, node)
    if found in ctx.project.functions:
        built = returned_type(ctx.project, found)
        if built and ctx.project.is_subtype(built, REQUESTS_SESSION_TYPES | HTTPX_CLIENT_TYPES):
            return built
    return found


@keyed_fact
def returned_type(project: Project, qualname: str) -> str | None:
    """What the project function ``qualname`` returns, when every ``return`` builds the same one type
    (``return requests.Session()``, ``return SSRFProtectedSession(policy)``): the callee, qualified."""
    fn = project.functions[qualname]
    found: set[str] = set()
    for node in own_nodes(fn.node):
        if isinstance(node, ast.Return):
            if not isinstance(node.value, ast.Call):
                return None
            callee = _qualified_callee(project, fn, node.value)
            if not callee or callee in project.functions:
                return None
            found.add(callee)
    return found.pop() if len(found) == 1 else None


def _qualified_callee(project: Project, fn: FunctionInfo, call: ast.Call) -> str | None:
    """The callee of ``call`` in ``fn``: through the imports, or a class or function of ``fn``'s own module."""
    name = dotted(call.func) or ""
    qualified = fn.imports.qualify(name)
    if qualified:
        return project.canonical(qualified)
    local = f"{fn.module.name}.{name}"
    return local if name and (local in project.classes or local in project.functions) else None


def _receiver_type(ctx: Context, node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        return callee_name(ctx, node)
    known = ctx.type_of(node)
    if known:
        return known
    name = dotted(node)
    if not name:
        return None
    # ``with requests.Session() as s:`` / ``with Popen(...) as proc:`` / ``with self.session as s:``
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                target, value = item.optional_vars, item.context_expr
                if not (isinstance(target, ast.Name) and target.id == name):
                    continue
                if isinstance(value, ast.Call):
                    return callee_name(ctx, value)
                if isinstance(value, (ast.Name, ast.Attribute)) and dotted(value) != name:
                    entered = _receiver_type(ctx, value)
                    return entered if entered and enters_itself(ctx.project, entered) else None
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            break
    # ``self.session = requests.Session()`` anywhere in the class, or ``session = requests.Session()`` in its body
    if name.startswith("self.") and name.count(".") == 1:
        owner = self_class(ctx.function)
        if owner is not None:
            return self_attribute_types(ctx.project, owner).get(name[5:])
    return None


def self_class(fn: FunctionInfo | None) -> str | None:
    """The class whose instance ``self`` is in ``fn``: its own class for a method, the enclosing method's for a
    function defined in a method (``def inner(link): with self.session as s: ...``) that does not bind ``self``."""
    while fn is not None and not fn.class_name:
        if "self" in fn.local_names:
            return None
        fn = fn.parent
    return fn.qualname.rsplit(".", 1)[0] if fn is not None else None


#: Library types whose ``__enter__`` returns the object itself: ``with session as s:`` makes ``s`` that session.
ENTERS_ITSELF = frozenset({"requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient"})


def enters_itself(project: Project, type_name: str) -> bool:
    """``with obj as name:`` binds ``obj`` itself: a requests session or an httpx client (or a project subclass
    of one that does not override ``__enter__``), or a project class whose ``__enter__`` returns ``self``."""
    for current in project.lineage(type_name):
        if current in ENTERS_ITSELF or current in OAUTH_SESSION_TYPES:
            return True
        cls = project.classes.get(current)
        method = cls.methods.get("__enter__") if cls is not None else None
        if method is not None:
            return _returns_self(method)
    return False


def _returns_self(method: FunctionInfo) -> bool:
    """Every ``return`` of ``method`` returns its first parameter (``return self``), and there is one."""
    arguments = method.node.args.posonlyargs + method.node.args.args
    if not arguments:
        return False
    returns = [node for node in own_nodes(method.node) if isinstance(node, ast.Return)]
    me = arguments[0].arg
    return bool(returns) and all(isinstance(r.value, ast.Name) and r.value.id == me for r in returns)


@keyed_fact
def self_attribute_types(project: Project, cls_qual: str) -> dict[str, str]:
    """``self.session = requests.Session()`` in any method of the class: attribute -> callee.

    ``self.session = session or requests.Session()`` counts too: the object the class builds when the
    caller passes none (:func:`self_attribute_fallbacks` names those attributes).
    """
    found: dict[str, str] = {}
    for current in reversed(list(project.lineage(cls_qual))):  # a subclass's assignment wins over its base's
        cls = project.classes.get(current)
        if cls is None:
            continue
        table = project.module_imports.get(cls.module.name)
        for stmt in cls.node.body:  # ``session = requests.Session()``: one object all instances share
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                callee = _class_body_callee(project, cls, table, stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and callee:
                        found[target.id] = callee
        for method in cls.methods.values():
            for node in walk(method.node):  # ``ast.walk``'s nodes and order, as a list (asked of every class)
                if not isinstance(node, ast.Assign):
                    continue
                built = node.value if isinstance(node.value, ast.Call) else _parameter_fallback(method, node.value)
                if built is None:
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and dotted(target.value) == "self":
                        callee = _qualified_callee(project, method, built)
                        if callee:
                            found[target.attr] = callee
    return found


def _class_body_callee(project: Project, cls: ClassInfo, table: ImportTable | None, call: ast.Call) -> str | None:
    """The callee of a call in the body of ``cls``: through the module's imports, or a class or function of
    the module."""
    name = dotted(call.func) or ""
    qualified = table.qualify(name) if table is not None and name else None
    if qualified:
        return project.canonical(qualified)
    local = f"{cls.module.name}.{name}"
    return local if name and (local in project.classes or local in project.functions) else None


@keyed_fact
def self_attribute_fallbacks(project: Project, cls_qual: str) -> frozenset[str]:
    """Attributes of the class set as ``self.x = x or Built()``: the caller may pass its own object."""
    found: set[str] = set()
    for current in project.lineage(cls_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for method in cls.methods.values():
            for node in ast.walk(method.node):
                if isinstance(node, ast.Assign) and _parameter_fallback(method, node.value) is not None:
                    found.update(
                        t.attr for t in node.targets if isinstance(t, ast.Attribute) and dotted(t.value) == "self"
                    )
    return frozenset(found)


def _parameter_fallback(method: FunctionInfo, value: ast.expr) -> ast.Call | None:
    """``session or requests.Session()`` where ``session`` is a parameter of ``method``: the built default."""
    if not (isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2):
        return None
    given, built = value.values
    params = {a.arg for a in method.node.args.args + method.node.args.kwonlyargs}
    if isinstance(given, ast.Name) and given.id in params and isinstance(built, ast.Call):
        return built
    return None


def callee_name(ctx: Context, call: ast.Call) -> str | None:
    """``requests.get`` / ``requests.Session.get`` / ``subprocess.Popen.communicate``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Call) or (dotted(receiver) and not ctx.qualified(receiver)):
            owner = _instance_type(ctx, receiver)
            if owner:
                return f"{owner}.{func.attr}"
            return None
        qualified = ctx.qualified(func)
        if qualified:
            # ``from .http import client; client.get(...)``: an imported instance
            obj = ctx.project.objects.get(qualified.rsplit(".", 1)[0])
            if obj is not None:
                return f"{obj.type}.{func.attr}"
            # ``current_app.http.get(...)`` where the factory set ``app.http = requests.Session()``
            held = current_app_attribute(ctx.project, qualified.rsplit(".", 1)[0])
            return f"{held}.{func.attr}" if held is not None else qualified
        owner = _instance_type(ctx, receiver)
        return f"{owner}.{func.attr}" if owner else None
    if isinstance(func, ast.Name):
        if ctx.function is not None and func.id in _local_names(ctx.function):
            return None
        return ctx.qualified(func)
    return None


def _local_names(fn: FunctionInfo) -> set[str]:
    """Parameters and names assigned in ``fn`` (they shadow imports)."""
    return fn.local_names


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((kw for kw in call.keywords if kw.arg == name), None)


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


@dataclass(frozen=True, eq=False)
class HttpCall:
    """An outgoing HTTP call and its timeout problem, if any."""

    label: str  # ``requests.get`` / ``session.get`` (as written)
    library: str  # requests | httpx | urllib
    #: "no timeout" / "timeout=None" / "client timeout=None" (an httpx client built so) / None (has a timeout)
    problem: str | None
    via: str = ""  # for a parameter called as a function: the HTTP method its callers pass (``self._sess.get``)
    #: the project session attribute that would bound the call but is ``None`` unless configured
    #: (``Session.default_timeout``): the fix is a default there, not a ``timeout=`` at each call
    configurable: str = ""


def _session_overrides_timeout(project: Project, type_name: str) -> bool:
    """A project Session subclass whose own ``request``/``send`` deals with ``timeout`` (``kwargs.setdefault(
    "timeout", 10)``) gives its calls a default; one that overrides them for something else (an address check,
    logging) does not, and neither does one whose default is an attribute left ``None`` unless the
    configuration sets it (:func:`_timeout_attribute_unset`)."""
    cls = project.classes.get(type_name)
    if cls is None:
        return False
    overrides = [cls.methods[name] for name in ("request", "send") if name in cls.methods]
    if not any("timeout" in ast.unparse(method.node) for method in overrides):
        return False
    return not any(_timeout_attribute_unset(project, cls, method) for method in overrides)


def _timeout_attribute_unset(project: Project, cls: ClassInfo, method: FunctionInfo) -> bool:
    """The override passes ``self.<attr>`` as the timeout only when it is set (``if self.default_timeout and
    ...``), the class declares ``<attr> = None``, and every assignment of ``.<attr>`` in the project sits under
    an ``if``: a session built without that configuration has no timeout, as a plain requests session."""
    declared_none = {
        target.id
        for node in cls.node.body
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_none(node.value)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    guarded = {
        dotted(sub)[5:]
        for node in ast.walk(method.node)
        if isinstance(node, ast.If)
        for sub in ast.walk(node.test)
        if isinstance(sub, ast.Attribute) and (dotted(sub) or "").count(".") == 1 and dotted(sub.value) == "self"
    }
    attrs = declared_none & guarded
    return bool(attrs) and all(not _set_unconditionally(project, attr) for attr in attrs)


def _configurable_timeout(project: Project, type_name: str) -> str:
    """``Session.default_timeout`` when the project Session subclass ``type_name`` injects that attribute as the
    timeout only when the configuration sets it (:func:`_timeout_attribute_unset`), else ``""``."""
    cls = project.classes.get(type_name)
    if cls is None:
        return ""
    for name in ("request", "send"):
        method = cls.methods.get(name)
        if method is None or "timeout" not in ast.unparse(method.node):
            continue
        if _timeout_attribute_unset(project, cls, method):
            attrs = sorted(
                sub.attr
                for node in ast.walk(method.node)
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Subscript)
                for sub in ast.walk(node.value)
                if isinstance(sub, ast.Attribute) and dotted(sub.value) == "self"
            )
            return f"{cls.name}.{attrs[0]}" if attrs else ""
    return ""


def _configurable_session(ctx: Context, call: ast.Call, owner: str, project_session: bool) -> str:
    """The configurable timeout (:func:`_configurable_timeout`) of the session the call goes through: its own
    class, or the project's Session subclass a caller may pass where the class falls back to a plain session."""
    if project_session:
        return _configurable_timeout(ctx.project, owner)
    receiver = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
    fn = ctx.function
    if not receiver or not receiver.startswith("self.") or receiver.count(".") != 1 or fn is None:
        return ""
    cls_owner = self_class(fn)
    if cls_owner is None or receiver[5:] not in self_attribute_fallbacks(ctx.project, cls_owner):
        return ""
    found = (
        _configurable_timeout(ctx.project, qualname)
        for qualname in ctx.project.classes
        if ctx.project.is_subtype(qualname, REQUESTS_SESSION_TYPES)
    )
    return next((name for name in found if name), "")


@keyed_fact
def _set_unconditionally(project: Project, attr: str) -> bool:
    """Some statement assigns ``<obj>.<attr> = <value>`` outside any ``if`` (the setting always applies)."""
    return any(
        not under_if
        for module in project.modules.values()
        for node, under_if in _statements(module.tree, under_if=False)
        if isinstance(node, ast.Assign)
        and not _is_none(node.value)
        and any(isinstance(t, ast.Attribute) and t.attr == attr for t in node.targets)
    )


def _statements(node: ast.AST, under_if: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node under ``node``, with whether an ``if`` statement encloses it."""
    for child in ast.iter_child_nodes(node):
        yield child, under_if
        yield from _statements(child, under_if or isinstance(child, ast.If))


def _may_be_given_timed_session(ctx: Context, call: ast.Call) -> bool:
    """``self.session.get(...)`` where ``self.session = session or requests.Session()`` and the project has a
    Session subclass that sets a timeout: the caller may pass one of those, so the call may well be bounded."""
    receiver = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
    fn = ctx.function
    if not receiver or not receiver.startswith("self.") or receiver.count(".") != 1 or fn is None:
        return False
    owner = self_class(fn)
    if owner is None or receiver[5:] not in self_attribute_fallbacks(ctx.project, owner):
        return False
    return any(
        ctx.project.is_subtype(qualname, REQUESTS_SESSION_TYPES) and _session_overrides_timeout(ctx.project, qualname)
        for qualname in ctx.project.classes
    )


def _forwards_kwargs_without_timeout(ctx: Context, call: ast.Call) -> bool:
    """``**kwargs`` passed on is the function's own ``**kwargs``, the function puts no ``timeout`` in it, and
    its callers in the application pass none: the wrapper's calls run without one."""
    fn = ctx.function
    if fn is None or fn.node.args.kwarg is None or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    own = fn.node.args.kwarg.arg
    stars = [kw.value for kw in call.keywords if kw.arg is None]
    if not stars or not all(isinstance(v, ast.Name) and v.id == own for v in stars):
        return False
    if "timeout" in ast.unparse(fn.node):
        return False  # ``kwargs.setdefault("timeout", ...)``, a ``timeout`` parameter: the wrapper decides
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    sites = [
        (site, caller)
        for site, caller in callers(ctx.project).get(fn.qualname, ())
        if not is_test_path(caller.module.path)
    ]
    return bool(sites) and not any(
        kw.arg is None or kw.arg == "timeout" for site, _caller in sites for kw in site.keywords
    )


def _authlib_default_timeout(project: Project, owner: str) -> bool:
    """An Authlib session, and the project builds its Authlib sessions with ``default_timeout=``."""
    lineage = list(project.lineage(owner))
    return any(t.startswith(AUTHLIB_SESSION_PREFIX) for t in lineage) and authlib_sessions_timed(project)


@project_fact
def authlib_sessions_timed(project: Project) -> bool:
    """``OAuth2Session(..., default_timeout=10)``: Authlib passes that timeout to every request of the session."""
    return any(
        any(kw.arg == "default_timeout" for kw in site.node.keywords)
        for site in project.calls
        if site.name.startswith(AUTHLIB_SESSION_PREFIX) or site.name.rsplit(".", 1)[-1].endswith("Session")
    )


#: Methods of a requests session that every verb goes through: a timeout bound to one of them bounds them all.
SESSION_FUNNELS = ("request", "send")


@project_fact
def partial_timed_sessions(project: Project) -> frozenset[tuple[str, str, str]]:
    """``session.request = functools.partial(session.request, timeout=10)``: each (scope, receiver, method) whose
    method is replaced by itself with a timeout bound. The scope is the class for ``self.<attr>`` receivers, the
    function for its local names, else the module."""
    found: set[tuple[str, str, str]] = set()

    def visit(node: ast.AST, scope: str, owner: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    wrapped = _partial_with_timeout(target, child.value)
                    if wrapped is None:
                        continue
                    receiver, method = wrapped
                    if receiver.startswith("self."):
                        if owner is not None:
                            found.add((owner, receiver, method))
                    else:
                        found.add((scope, receiver, method))
            visit(child, scope, owner)

    # only modules whose text says ``partial`` can hold such an assignment
    modules = {module.name for module in project.modules.values() if "partial" in module.text}
    for name in modules:
        module = project.modules[name]
        visit(module.tree, module.name, None)
    for fn in project.functions.values():
        if fn.module.name in modules:
            visit(fn.node, fn.qualname, self_class(fn))
    return frozenset(found)


def _partial_with_timeout(target: ast.expr, value: ast.expr) -> tuple[str, str] | None:
    """``<receiver>.<method> = partial(<receiver>.<method>, timeout=<not None>)``: (receiver, method)."""
    if not isinstance(target, ast.Attribute) or not isinstance(value, ast.Call) or not value.args:
        return None
    if (dotted(value.func) or "").rsplit(".", 1)[-1] != "partial":
        return None
    receiver = dotted(target.value)
    if not receiver or dotted(value.args[0]) != f"{receiver}.{target.attr}":
        return None
    timeout = _keyword(value, "timeout")
    if timeout is None or _is_none(timeout.value):
        return None
    return receiver, target.attr


def _bound_by_partial(ctx: Context, call: ast.Call, method: str) -> bool:
    """The call's session had its ``request``/``send`` (or this very method) replaced by a ``functools.partial``
    of itself with a timeout (:func:`partial_timed_sessions`): every call through it passes that timeout."""
    receiver = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
    if not receiver:
        return False
    fn = ctx.function
    if receiver.startswith("self."):
        scope = self_class(fn)
    elif fn is not None and receiver.split(".", 1)[0] in fn.local_names:
        scope = fn.qualname
    else:
        scope = ctx.module.name
    if scope is None:
        return False
    timed = partial_timed_sessions(ctx.project)
    return any((scope, receiver, name) in timed for name in (*SESSION_FUNNELS, method))


@project_fact
def mounts_timeout_adapter(project: Project) -> bool:
    """A project ``HTTPAdapter`` subclass that mentions ``timeout`` gives its sessions a default timeout."""
    return any(
        any(b.endswith("HTTPAdapter") for b in cls.bases) and "timeout" in ast.unparse(cls.node)
        for cls in project.classes.values()
    )


@project_fact
def sets_socket_timeout(project: Project) -> bool:
    """``socket.setdefaulttimeout(...)`` somewhere bounds every urllib call."""
    return any(site.name == "socket.setdefaulttimeout" for site in calls_named(project, ("setdefaulttimeout",)))


#: Last segments of every callee :func:`classify_http_call` knows. A method call's
#: callee name ends with the attribute as written (``qualify`` keeps the tail), so
#: ``x.commit()`` is no HTTP call whatever ``x`` is.
HTTP_LAST_NAMES = frozenset(
    {
        name.rsplit(".", 1)[-1]
        for name in (*REQUESTS_FUNCTIONS, *HTTPX_FUNCTIONS, *HTTPX_CLIENT_TYPES, *URLOPEN, *FEEDPARSER_PARSE)
    }
    | {*HTTP_VERBS, "stream", "send", *OAUTH_TOKEN_METHODS}
)


def classify_http_call(ctx: Context, call: ast.Call) -> HttpCall | None:
    """An outgoing HTTP call and what is wrong with its timeout, if anything."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr not in HTTP_LAST_NAMES:
        return None
    name = callee_name(ctx, call)
    if not name:
        return None
    label = dotted(call.func) or name
    timeout = _keyword(call, "timeout")
    owner, _, method = name.rpartition(".")
    oauth = method in OAUTH_TOKEN_METHODS and ctx.project.is_subtype(owner, OAUTH_SESSION_TYPES)
    if (
        name in REQUESTS_FUNCTIONS
        or (method in HTTP_VERBS and ctx.project.is_subtype(owner, REQUESTS_SESSION_TYPES))
        or oauth
    ):
        project_session = owner not in REQUESTS_SESSION_TYPES and owner not in ("requests", "requests.api")
        if project_session and _session_overrides_timeout(ctx.project, owner):
            return None
        if not project_session and _may_be_given_timed_session(ctx, call):
            return HttpCall(label, "requests", None)
        session = name not in REQUESTS_FUNCTIONS
        if timeout is not None:
            return HttpCall(label, "requests", "timeout=None" if _is_none(timeout.value) else None)
        if _has_star_kwargs(call) and not _forwards_kwargs_without_timeout(ctx, call):
            return HttpCall(label, "requests", None)
        if session and method == "request" and len(call.args) > SESSION_REQUEST_TIMEOUT_INDEX:
            return HttpCall(label, "requests", None)
        position = OAUTH_TOKEN_METHODS.get(method) if oauth else None
        if position is not None and len(call.args) > position:
            return HttpCall(label, "requests", None)
        if session and _authlib_default_timeout(ctx.project, owner):
            return HttpCall(label, "requests", None)
        if session and mounts_timeout_adapter(ctx.project):
            return HttpCall(label, "requests", None)
        if session and _bound_by_partial(ctx, call, method):
            return HttpCall(label, "requests", None)
        configurable = _configurable_session(ctx, call, owner, project_session) if session else ""
        return HttpCall(label, "requests", "no timeout", configurable=configurable)
    if (
        name in HTTPX_FUNCTIONS
        or name in HTTPX_CLIENT_TYPES
        or (method in (*HTTP_VERBS, "stream", "send") and owner in HTTPX_CLIENT_TYPES)
    ):
        # httpx defaults to a 5 s timeout: only an explicit ``timeout=None`` disables it, on the call or on the
        # client a module builds (``client = httpx.Client(timeout=None)``; ``client.get(url)`` then has none).
        if _httpx_timeout_disabled(timeout):
            return HttpCall(label, "httpx", "timeout=None")
        if timeout is None and name not in HTTPX_CLIENT_TYPES and _module_client_untimed(ctx, call):
            return HttpCall(label, "httpx", "client timeout=None")
        return HttpCall(label, "httpx", None)
    if name in URLOPEN:
        if timeout is not None:
            return HttpCall(label, "urllib", "timeout=None" if _is_none(timeout.value) else None)
        if len(call.args) >= 3 or _has_star_kwargs(call) or sets_socket_timeout(ctx.project):
            return HttpCall(label, "urllib", None)
        return HttpCall(label, "urllib", "no timeout")
    if name in FEEDPARSER_PARSE:
        keyword = _keyword(call, "url_file_stream_or_string")
        source = call.args[0] if call.args else (keyword.value if keyword is not None else None)
        if source is None or not names_a_url(source) or sets_socket_timeout(ctx.project):
            return None  # text or a file to parse, not a URL to fetch; or every socket has a default timeout
        return HttpCall(label, "feedparser", "no timeout")
    return None


def names_a_url(node: ast.expr) -> bool:
    """``node`` is a URL by its spelling: an ``http(s)://`` string (constant, f-string, ``"..." + x``), or a
    name, attribute or key whose words say URL (``feed_url``, ``feed.link``, ``source["href"]``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.lower().startswith(("http://", "https://"))
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return isinstance(first, ast.Constant) and str(first.value).lower().startswith(("http://", "https://"))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return names_a_url(node.left)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return _url_word(node.slice.value)
    if isinstance(node, ast.Name):
        return _url_word(node.id)
    if isinstance(node, ast.Attribute):
        return _url_word(node.attr)
    return False


def _url_word(name: str) -> bool:
    lowered = name.lower()
    return any(word in URL_WORDS for word in lowered.split("_")) or lowered.endswith(("url", "link"))


def _httpx_timeout_disabled(timeout: ast.keyword | None) -> bool:
    """``timeout=None`` or ``timeout=httpx.Timeout(None)``: httpx's 5 s default switched off."""
    if timeout is None:
        return False
    value = timeout.value
    return _is_none(value) or (
        isinstance(value, ast.Call)
        and (dotted(value.func) or "").endswith("Timeout")
        and bool(value.args)
        and _is_none(value.args[0])
        and not value.keywords
    )


def _module_client_untimed(ctx: Context, call: ast.Call) -> bool:
    """``client.get(url)`` on a module-level httpx client built with ``timeout=None``."""
    if not isinstance(call.func, ast.Attribute):
        return False
    name = dotted(call.func.value)
    if not name:
        return False
    if "." not in name and (ctx.function is None or name not in ctx.function.local_names):
        qualified = ctx.qualified(call.func.value) or f"{ctx.module.name}.{name}"
    else:
        qualified = ctx.qualified(call.func.value)
    obj = ctx.project.objects.get(qualified or "")
    return obj is not None and obj.type in HTTPX_CLIENT_TYPES and _httpx_timeout_disabled(_keyword(obj.call, "timeout"))


#: Standard-library network clients that connect without a timeout unless given one (the socket default is
#: none), with the index at which some Python version takes ``timeout`` positionally.
SOCKET_CLIENTS = {
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 5,
    "ftplib.FTP": 4,
    "ftplib.FTP_TLS": 7,
    "imaplib.IMAP4": 2,
    "imaplib.IMAP4_SSL": 5,
    "poplib.POP3": 2,
    "poplib.POP3_SSL": 4,
    "telnetlib.Telnet": 2,
    "socket.create_connection": 1,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 4,
}
#: The standard library's XML-RPC proxy, with the index at which it takes ``transport`` positionally. It has no
#: ``timeout`` parameter: its default ``Transport`` opens ``http.client.HTTPConnection(host)`` with none, so every
#: remote call waits as long as the server keeps silent (the socket default is none). A ``transport`` of the
#: project's (a ``Transport`` subclass whose ``make_connection`` sets a timeout) is how one bounds it.
TRANSPORT_CLIENTS = {
    "xmlrpc.client.ServerProxy": 1,
    "xmlrpc.client.Server": 1,
    "xmlrpclib.ServerProxy": 1,
    "xmlrpclib.Server": 1,
}
#: Last segments of :data:`SOCKET_CLIENTS` and :data:`TRANSPORT_CLIENTS` (``SMTP``, ``create_connection``...).
SOCKET_CLIENT_LAST_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in (*SOCKET_CLIENTS, *TRANSPORT_CLIENTS))


def classify_socket_client(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``smtplib.SMTP(host, port)``, ``ftplib.FTP(host)``, ``socket.create_connection(address)``... and what is
    wrong with its timeout: without one the connection and every later command wait as long as the server
    keeps silent, unless the project sets ``socket.setdefaulttimeout``."""
    if SOCKET_CLIENT_LAST_NAMES.isdisjoint(callee_names(ctx, call)):
        return None  # the cheap test first: :func:`callee_name` ends with one of these names
    name = callee_name(ctx, call)
    if name in TRANSPORT_CLIENTS:
        return _classify_transport_client(ctx, call, name)
    if name not in SOCKET_CLIENTS:
        return None
    label = dotted(call.func) or name
    library = name.split(".", 1)[0]
    timeout = _keyword(call, "timeout")
    if timeout is not None:
        return HttpCall(label, library, "timeout=None" if _is_none(timeout.value) else None)
    if len(call.args) > SOCKET_CLIENTS[name] or _has_star_kwargs(call) or sets_socket_timeout(ctx.project):
        return HttpCall(label, library, None)
    return HttpCall(label, library, "no timeout")


def _classify_transport_client(ctx: Context, call: ast.Call, name: str) -> HttpCall:
    """``xmlrpc.client.ServerProxy(url)``: no timeout unless the project hands it a ``transport`` of its own (which
    may set one; ``transport=None`` is the default one) or sets ``socket.setdefaulttimeout``."""
    label = dotted(call.func) or name
    transport = _keyword(call, "transport")
    index = TRANSPORT_CLIENTS[name]
    if transport is not None:
        given = not _is_none(transport.value)
    else:
        given = len(call.args) > index and not _is_none(call.args[index])
    if given or _has_star_kwargs(call) or sets_socket_timeout(ctx.project):
        return HttpCall(label, "xmlrpc", None)
    return HttpCall(label, "xmlrpc", "no timeout")


#: python-ldap's connection constructors (``flask_simpleldap`` re-exports the module). The object connects at its
#: first bind or search and then waits for every answer as long as the server keeps silent: libldap's
#: ``OPT_NETWORK_TIMEOUT`` and ``OPT_TIMEOUT`` and the object's ``timeout`` attribute all default to none (-1).
PYTHON_LDAP_CONNECTIONS = frozenset(
    {
        f"{package}.{name}"
        for package in ("ldap", "flask_simpleldap.ldap")
        for name in ("initialize", "ldapobject.SimpleLDAPObject", "ldapobject.ReconnectLDAPObject")
    }
)
#: The options that bound a python-ldap connection (``conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)``, or
#: ``ldap.set_option(...)`` for every later connection), and the attributes that set them (``conn.timeout = 10``).
LDAP_TIMEOUT_OPTIONS = frozenset({"OPT_NETWORK_TIMEOUT", "OPT_TIMEOUT"})
LDAP_TIMEOUT_ATTRIBUTES = frozenset({"timeout", "network_timeout"})
#: ldap3's connection and server: ``Connection(..., receive_timeout=None)`` and ``Server(..., connect_timeout=None)``
#: by default (ldap3 2.9), and the socket of a connection keeps the server's connect timeout when it has no
#: receive timeout. ``receive_timeout`` is the 22nd parameter of ``Connection``, ``connect_timeout`` the 8th of
#: ``Server``.
LDAP3_CONNECTIONS = frozenset({"ldap3.Connection", "ldap3.core.connection.Connection"})
LDAP3_SERVERS = frozenset({"ldap3.Server", "ldap3.core.server.Server", "ldap3.ServerPool"})
LDAP3_RECEIVE_TIMEOUT_INDEX = 21
LDAP3_CONNECT_TIMEOUT_INDEX = 7
#: Last segments of every LDAP client :func:`classify_ldap_client` knows.
LDAP_LAST_NAMES = last_segments(PYTHON_LDAP_CONNECTIONS | LDAP3_CONNECTIONS)


def classify_ldap_client(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``ldap.initialize(uri)`` (python-ldap) or ``ldap3.Connection(server, ...)`` and what is wrong with its
    timeout: without one, every bind and search on the connection waits as long as the directory keeps silent.

    python-ldap's is bounded by ``set_option(ldap.OPT_NETWORK_TIMEOUT | OPT_TIMEOUT, ...)`` anywhere in the
    project (on a connection, or globally with ``ldap.set_option``), or by a ``timeout``/``network_timeout``
    attribute given to this connection; ldap3's by ``receive_timeout=``, by the ``connect_timeout=`` of the
    server it is built on, or by ``socket.setdefaulttimeout`` (ldap3 opens plain Python sockets)."""
    if LDAP_LAST_NAMES.isdisjoint(callee_names(ctx, call)):
        return None  # the cheap test first: :func:`callee_name` ends with one of these names
    name = callee_name(ctx, call)
    if name in PYTHON_LDAP_CONNECTIONS:
        label = dotted(call.func) or name
        if ldap_timeout_option_set(ctx.project) or _ldap_attribute_timeout(ctx, call):
            return HttpCall(label, "python-ldap", None)
        return HttpCall(label, "python-ldap", "no timeout")
    if name not in LDAP3_CONNECTIONS:
        return None
    label = dotted(call.func) or name
    strategy = _keyword(call, "client_strategy")
    if strategy is not None and "MOCK" in ast.unparse(strategy.value).upper():
        return None  # ``client_strategy=MOCK_SYNC``: no network
    timeout = _keyword(call, "receive_timeout")
    if timeout is not None:
        return HttpCall(label, "ldap3", "no timeout" if _is_none(timeout.value) else None)
    if len(call.args) > LDAP3_RECEIVE_TIMEOUT_INDEX or _has_star_kwargs(call) or sets_socket_timeout(ctx.project):
        return HttpCall(label, "ldap3", None)
    server = _ldap3_server_call(ctx, call)
    if server is None and ldap3_servers_timed(ctx.project):
        return HttpCall(label, "ldap3", None)  # a server built elsewhere, and the project gives its servers one
    if server is not None and _ldap3_connect_timeout(server):
        return HttpCall(label, "ldap3", None)
    return HttpCall(label, "ldap3", "no timeout")


@project_fact
def ldap_timeout_option_set(project: Project) -> bool:
    """``ldap.set_option(ldap.OPT_NETWORK_TIMEOUT, ...)`` or ``conn.set_option(ldap.OPT_TIMEOUT, ...)`` somewhere:
    the project bounds its python-ldap connections (often from its configuration)."""
    return any(
        site.name.rsplit(".", 1)[-1] == "set_option"
        and site.node.args
        and (dotted(site.node.args[0]) or "").rsplit(".", 1)[-1] in LDAP_TIMEOUT_OPTIONS
        for site in calls_named(project, ("set_option",))
    )


@project_fact
def ldap3_servers_timed(project: Project) -> bool:
    """Some ``ldap3.Server(...)`` of the project passes ``connect_timeout=`` (or ``**options``)."""
    return any(site.name in LDAP3_SERVERS and _ldap3_connect_timeout(site.node) for site in project.calls)


def _ldap3_connect_timeout(server: ast.Call) -> bool:
    timeout = _keyword(server, "connect_timeout")
    if timeout is not None:
        return not _is_none(timeout.value)
    return len(server.args) > LDAP3_CONNECT_TIMEOUT_INDEX or _has_star_kwargs(server)


def _bound_name(ctx: Context, call: ast.Call) -> str | None:
    """``conn`` / ``self.conn`` of ``conn = ldap.initialize(...)``."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1:
            return dotted(targets[0])
    return None


def _scopes(ctx: Context, bound: str) -> list[ast.AST]:
    """Where the connection bound to ``bound`` is configured: the function, or every method of its class when the
    connection is kept on ``self``."""
    fn = ctx.function
    if fn is None:
        return [ctx.module.tree]
    if bound.startswith("self.") and fn.class_name:
        cls = ctx.project.classes.get(fn.qualname.rsplit(".", 1)[0])
        if cls is not None:
            return [method.node for method in cls.methods.values()]
    return [fn.node]


def _ldap_attribute_timeout(ctx: Context, call: ast.Call) -> bool:
    """``conn.timeout = 10`` / ``conn.network_timeout = 5`` for the connection this call builds."""
    bound = _bound_name(ctx, call)
    if not bound:
        return False
    for scope in _scopes(ctx, bound):
        for node in ast.walk(scope):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr in LDAP_TIMEOUT_ATTRIBUTES
                        and dotted(target.value) == bound
                    ):
                        return True
    return False


def _ldap3_server_call(ctx: Context, call: ast.Call) -> ast.Call | None:
    """The ``Server(...)`` call the connection is built on: inline, or bound to the name (``server = Server(...)``,
    ``self.server = Server(...)``) in the function or its class."""
    server = call.args[0] if call.args else (_keyword(call, "server").value if _keyword(call, "server") else None)
    if server is None:
        return None
    if isinstance(server, ast.Call):
        return server if callee_name(ctx, server) in LDAP3_SERVERS else None
    bound = dotted(server)
    if not bound:
        return None
    for scope in _scopes(ctx, bound):
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                if any(dotted(target) == bound for target in node.targets):
                    name = dotted(node.value.func) or ""
                    if name.rsplit(".", 1)[-1] in last_segments(LDAP3_SERVERS):
                        return node.value
    return None


#: Flask-Mail (``flask_mail``) opens ``smtplib.SMTP(server, port)`` without a timeout in every version, and has
#: no setting for one: these methods connect (``send``/``send_message`` inside, ``connect()`` on ``with``).
FLASK_MAIL_TYPES = frozenset({"flask_mail.Mail", "flask_mail._Mail", "flask_mail._MailMixin"})
FLASK_MAIL_SENDS = frozenset({"send", "send_message", "connect"})
#: Flask-Mailman (``flask_mailman``) connects through its SMTP backend, with ``MAIL_TIMEOUT`` (default none).
FLASK_MAILMAN_TYPES = frozenset({"flask_mailman.Mail", "flask_mailman._Mail", "flask_mailman._MailMixin"})
FLASK_MAILMAN_SENDS = frozenset({"send", "send_mail", "send_mass_mail", "mail_admins", "mail_managers"})
FLASK_MAILMAN_MESSAGES = frozenset(
    {
        "flask_mailman.EmailMessage",
        "flask_mailman.EmailMultiAlternatives",
        "flask_mailman.message.EmailMessage",
        "flask_mailman.message.EmailMultiAlternatives",
    }
)
#: The ``app.extensions`` key each extension registers its state under.
MAIL_EXTENSION_KEYS = {"mail": "flask_mail.Mail", "mailman": "flask_mailman.Mail"}
MAIL_SEND_LAST_NAMES = FLASK_MAIL_SENDS | FLASK_MAILMAN_SENDS


def _imports_module(project: Project, package: str) -> bool:
    return any(
        record.module == package or record.module.startswith(package + ".")
        for records in project.imports.values()
        for record in records
    )


@keyed_fact
def config_entry_type(project: Project, key: str) -> str | None:
    """``app.config["mail"] = Mail(app)``: the one type every assignment of the config entry ``key`` builds."""
    types = set()
    for setting in project.config_for(key):
        value = setting.value
        module = project.by_path.get(setting.location.path)
        table = project.module_imports.get(module.name) if module is not None else None
        if not isinstance(value, ast.Call) or table is None:
            return None
        types.add(table.qualify(dotted(value.func) or ""))
    return types.pop() if len(types) == 1 else None


def _mail_receiver_type(ctx: Context, receiver: ast.expr) -> str | None:
    """The mail object ``current_app.extensions["mail"]`` or ``current_app.config["mail"]`` holds, when the
    project shows it: the extension is imported, or every assignment of that config entry builds one type."""
    if not (isinstance(receiver, ast.Subscript) and isinstance(receiver.value, ast.Attribute)):
        return None
    key = receiver.slice
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return None
    holder = dotted(receiver.value.value) or ""
    if holder not in ("current_app", "app", "self.app", "flask.current_app"):
        return None
    if receiver.value.attr == "extensions" and key.value in MAIL_EXTENSION_KEYS:
        type_name = MAIL_EXTENSION_KEYS[key.value]
        return type_name if _imports_module(ctx.project, type_name.split(".", 1)[0]) else None
    if receiver.value.attr == "config":
        return config_entry_type(ctx.project, key.value)
    return None


def _configured_value(project: Project, key: str) -> list[ast.expr]:
    return [setting.value for setting in project.config_for(key) if setting.env != "testing"]


def classify_mail_send(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``mail.send(msg)`` of Flask-Mail / Flask-Mailman: the call opens an SMTP connection with smtplib.

    Flask-Mail passes no timeout to smtplib and has no setting for one; Flask-Mailman passes
    ``MAIL_TIMEOUT`` when the configuration sets it, and sends nothing over the network when
    ``MAIL_BACKEND`` names another backend. ``socket.setdefaulttimeout`` bounds both."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in MAIL_SEND_LAST_NAMES:
        return None
    name = callee_name(ctx, call)
    owner, _, method = (name or "").rpartition(".")
    if not name or not (ctx.project.is_subtype(owner, FLASK_MAIL_TYPES | FLASK_MAILMAN_TYPES)):
        owner = _mail_receiver_type(ctx, func.value) or owner
        method = func.attr
    label = dotted(func) or (ast.unparse(func) if len(ast.unparse(func)) <= 60 else f"{owner}.{method}")
    if ctx.project.is_subtype(owner, FLASK_MAIL_TYPES) and method in FLASK_MAIL_SENDS:
        if method == "connect" and not _opened_by_with(ctx, call):
            return None  # ``connect()`` connects in ``__enter__``: only a ``with`` block opens it here
        library = "flask_mail"
    elif (ctx.project.is_subtype(owner, FLASK_MAILMAN_TYPES) and method in FLASK_MAILMAN_SENDS) or (
        owner in FLASK_MAILMAN_MESSAGES and method == "send"
    ):
        library = "flask_mailman"
        if any(not _is_none(value) for value in _configured_value(ctx.project, "MAIL_TIMEOUT")):
            return HttpCall(label, library, None)
        backends = _configured_value(ctx.project, "MAIL_BACKEND")
        if backends and not any(
            not (isinstance(value, ast.Constant) and isinstance(value.value, str)) or value.value == "smtp"
            for value in backends
        ):
            return None  # ``MAIL_BACKEND = "console"``: no SMTP connection
    else:
        return None
    if sets_socket_timeout(ctx.project):
        return HttpCall(label, library, None)
    return HttpCall(label, library, "no timeout")


#: Message-broker producers whose ``flush()`` waits for every buffered message to be delivered or to expire.
#: Without ``timeout`` the wait is bounded only by the client's own expiry: kafka-python expires a batch after
#: ``request_timeout_ms`` (30 s), confluent-kafka a message after ``message.timeout.ms`` (5 minutes).
KAFKA_PRODUCERS = frozenset(
    {
        "kafka.KafkaProducer",
        "kafka.producer.KafkaProducer",
        "confluent_kafka.Producer",
        "confluent_kafka.SerializingProducer",
    }
)
KAFKA_FLUSH_LAST_NAMES = frozenset({"flush"})


def classify_broker_flush(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``producer.flush()`` of a Kafka producer without ``timeout``: the caller waits until the broker has
    acknowledged every buffered message, or the client gives them up (``problem="bounded"``: seconds to minutes,
    not for ever)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in KAFKA_FLUSH_LAST_NAMES:
        return None
    name = callee_name(ctx, call)
    owner = (name or "").rpartition(".")[0]
    if not name or not ctx.project.is_subtype(owner, KAFKA_PRODUCERS):
        return None
    label = dotted(func) or name
    library = owner.split(".", 1)[0]
    if call.args or _has_star_kwargs(call):
        return HttpCall(label, library, None)
    timeout = _keyword(call, "timeout")
    if timeout is not None:
        return HttpCall(label, library, None if not _is_none(timeout.value) else "bounded")
    return HttpCall(label, library, "bounded")


def producer_built_here(ctx: Context, call: ast.Call) -> ast.Call | None:
    """``producer = KafkaProducer(...)`` in the function that flushes it: a new producer (a new broker
    connection) on every call; the constructor call, or None."""
    func = call.func
    if ctx.function is None or not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return None
    for node in own_nodes(ctx.function.node):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(isinstance(t, ast.Name) and t.id == func.value.id for t in node.targets)
            and ctx.project.is_subtype(_qualified_callee(ctx.project, ctx.function, node.value), KAFKA_PRODUCERS)
        ):
            return node.value
    return None


def _opened_by_with(ctx: Context, call: ast.Call) -> bool:
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    return isinstance(parent, ast.withitem) or (
        isinstance(parent, (ast.With, ast.AsyncWith)) and any(item.context_expr is call for item in parent.items)
    )


@project_fact
def cooperative(project: Project) -> bool:
    """gevent/eventlet monkey-patching makes ``time.sleep`` yield instead of block."""
    if any(
        site.name in ("gevent.monkey.patch_all", "gevent.monkey.patch_time", "eventlet.monkey_patch")
        for site in project.calls
    ):
        return True
    deploy = project.deploy
    if deploy is None:
        return False
    workers = [command.worker_class for command in deploy.commands]
    workers += [settings.worker_class for settings in deploy.gunicorn]
    return any("gevent" in worker.lower() or "eventlet" in worker.lower() for worker in workers if worker)


def describe_where(ctx: Context, context: str) -> str:
    """``view `pay``` or ```charge`` (request path: `pay` → `charge`)`` for helpers."""
    fn = ctx.function
    base = describe_context(ctx)
    roots = {"view", "task", "cli", "hook", "error_handler", "socket_handler", "callback", *WORKER_ROLES}
    if context == REQUEST and fn is not None and fn.roles & roots == {"task"}:
        roots = roots - {"task"}  # a task a view also calls directly: name the request path it waits on
    if fn is None or fn.roles & roots:
        return base
    chain = ctx.project.chain(fn.qualname, context)
    if len(chain) < 2 or context not in fn.contexts:
        return base
    label = "request path" if context == REQUEST else "job path"
    root = ctx.project.functions.get(chain[0])
    roots = ("view", "task", "hook", "error_handler", "socket_handler", "callback", *WORKER_ROLES)
    kind = next((k for k in roots if root is not None and k in root.roles), "")
    names = [ctx.project.display(q) for q in chain]
    label_of = {"callback": "request callback", **WORKER_ROLES}
    first = f"{label_of.get(kind, kind.replace('_', ' '))} `{names[0]}`" if kind else f"`{names[0]}`"
    return f"`{fn.display}` ({label}: {' → '.join([first, *(f'`{n}`' for n in names[1:])])})"


#: The roles of the functions a request or a job starts in: where another entry to a blocking chain is named.
_ENTRY_ROLES = {
    REQUEST: frozenset({"view", "hook", "error_handler", "socket_handler"}),
    JOB: frozenset({"task"}),
}
#: How many other entries the evidence names at most.
OTHER_ENTRIES = 8


def other_entries(ctx: Context, context: str) -> list[Evidence]:
    """Other views (or tasks) than the chain's root that call one of its helpers themselves: each of them waits
    on the same call. ``update_index()`` that a hook and five editing views call inline is six ways in; the chain
    names one, these name the rest (where each view calls it)."""
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    fn = ctx.function
    roles = _ENTRY_ROLES.get(context)
    if fn is None or roles is None:
        return []
    chain = ctx.project.chain(fn.qualname, context)
    if len(chain) < 2:
        return []
    on_chain = set(chain)
    found: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for helper in chain[1:]:
        for call, caller in callers(ctx.project).get(helper, ()):
            place = (caller.module.path, call.lineno)
            if caller.qualname in on_chain or place in seen or not caller.roles & roles:
                continue
            if is_test_path(caller.module.path):
                continue
            seen.add(place)
            found.append(
                Evidence(
                    f"also called from {caller.display}",
                    Location(caller.module.path, call.lineno, call.col_offset + 1),
                )
            )
    return found[:OTHER_ENTRIES]


def enclosing_loop(ctx: Context) -> ast.AST | None:
    for node in reversed(ctx.ancestors):
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
            return node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return None
    return None


def in_request_code(ctx: Context) -> bool:
    return ctx.in_request and not ctx.is_test_code()


def sleep_seconds(call: ast.Call) -> float | None:
    arg = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "secs"), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, (int, float)) and not isinstance(arg.value, bool):
        return float(arg.value)
    return None


def blocking_subprocess(ctx: Context, call: ast.Call) -> str | None:
    """``subprocess.run(...)`` / ``proc.communicate()`` waiting without ``timeout=``."""
    name = callee_name(ctx, call)
    if not name:
        return None
    owner, _, method = name.rpartition(".")
    is_wait = owner in POPEN_TYPES and method in ("communicate", "wait")
    if name not in SUBPROCESS_BLOCKING and not is_wait:
        return None
    if _keyword(call, "timeout") is not None and not _is_none(_keyword(call, "timeout").value):  # type: ignore[union-attr]
        return None
    if _has_star_kwargs(call):
        return None
    if is_wait and ((method == "communicate" and len(call.args) >= 2) or (method == "wait" and call.args)):
        return None
    return name


def plainly_blocking(fn: FunctionInfo, name: str) -> bool:
    head, _, rest = name.partition(".")
    if head in fn.local_types:
        qualified = f"{fn.local_types[head]}.{rest}" if rest else fn.local_types[head]
    else:
        qualified = fn.imports.qualify(name) or ""
    owner, _, method = qualified.rpartition(".")
    return (
        qualified in SLEEP | SYNC_DB_CONNECT | SUBPROCESS_BLOCKING | URLOPEN | REQUESTS_FUNCTIONS | HTTPX_FUNCTIONS
        or (owner in REQUESTS_SESSION_TYPES and method in HTTP_VERBS)
        or (owner in POPEN_TYPES and method in ("communicate", "wait"))
    )


def awaits_something(fn: ast.AsyncFunctionDef) -> bool:
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(all_child_nodes(node))
    return False


#: How many plain ``def`` calls below an ``async def`` request function a call is still said to run on its loop.
LOOP_DEPTH = 3


def _called_inline(fn: FunctionInfo) -> set[int]:
    """Ids of the calls ``fn`` makes and waits for in its own body: not awaited (an awaited plain function
    returns an awaitable, as a ``run_in_executor`` wrapper does), not inside a lambda or a nested function
    (those run wherever they are handed: an executor, a thread)."""
    found: set[int] = set()
    stack: list[ast.AST] = list(fn.node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            stack.extend(all_child_nodes(node.value))  # its arguments run inline; the awaited call does not
            continue
        if isinstance(node, ast.Call):
            found.add(id(node))
        stack.extend(all_child_nodes(node))
    return found


@project_fact
def on_event_loop(project: Project) -> dict[str, tuple[str, ...]]:
    """Plain ``def`` project functions that an ``async def`` view, hook or awaited helper calls inline (through
    at most :data:`LOOP_DEPTH` plain calls): Flask runs them on the event loop it started for the request, so a
    blocking call in them stops that loop as one in the async function would. Each maps to the chain of
    qualnames from the async function down to it. Test code is left out."""
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    roots = [
        fn
        for fn in project.functions.values()
        if fn.is_async and REQUEST in fn.contexts and not is_test_path(fn.module.path)
    ]
    if not roots:  # most Flask projects have no async view: no call graph to build
        return {}
    called: dict[str, list[tuple[ast.Call, FunctionInfo]]] = {}
    for callee, sites in callers(project).items():
        target = project.functions.get(callee)
        for call, caller in sites if target is not None else ():
            called.setdefault(caller.qualname, []).append((call, target))
    found: dict[str, tuple[str, ...]] = {}
    frontier = [(fn, (fn.qualname,)) for fn in roots if fn.qualname in called]
    for _ in range(LOOP_DEPTH):
        following: list[tuple[FunctionInfo, tuple[str, ...]]] = []
        for fn, chain in frontier:
            inline = _called_inline(fn)
            for call, callee in called.get(fn.qualname, ()):
                if callee.is_async or id(call) not in inline or callee.qualname in found:
                    continue
                if is_test_path(callee.module.path):
                    continue
                found[callee.qualname] = (*chain, callee.qualname)
                following.append((callee, found[callee.qualname]))
        frontier = following
    return found


def only_on_event_loop(project: Project, qualname: str) -> bool:
    """Every application caller of the plain function ``qualname`` is an async function, or a plain function
    that is itself only on an event loop (:func:`on_event_loop`): FD403 reports its blocking calls, and no
    sync request waits on it through another path."""
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    loop = on_event_loop(project)
    if qualname not in loop:
        return False
    graph = callers(project)
    seen: set[str] = set()

    def only(name: str) -> bool:
        if name not in loop or name in seen:
            return False
        seen.add(name)
        sites = [caller for _call, caller in graph.get(name, ()) if not is_test_path(caller.module.path)]
        return bool(sites) and all(caller.is_async or only(caller.qualname) for caller in sites)

    return only(qualname)


# ----------------------------------------------------------- path conditions
def _terminates(body: list[ast.stmt]) -> bool:
    """The block always leaves: it ends in ``return``, ``raise``, ``continue`` or ``break``."""
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


@keyed_fact
def call_guards(project: Project, fn: FunctionInfo) -> dict[int, tuple[tuple[bool, ast.expr], ...]]:
    """For each call in ``fn`` (by node id): the tests that must hold for it to run.

    Each test comes with ``exit``: False for the test of an enclosing
    ``if``/ternary/``and``-``or`` operand, True for the test of an earlier
    early exit in an enclosing block (``if not flag: return``).  A ``while``
    test is the loop's condition, not a choice of path: it is not a guard.
    """
    del project
    Guards = tuple[tuple[bool, ast.expr], ...]
    found: dict[int, Guards] = {}

    def expression(node: ast.AST, guards: Guards) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(node, ast.Call):
            found[id(node)] = guards
        if isinstance(node, ast.IfExp):
            expression(node.test, guards)
            expression(node.body, (*guards, (False, node.test)))
            expression(node.orelse, (*guards, (False, node.test)))
            return
        if isinstance(node, ast.BoolOp):
            expression(node.values[0], guards)
            for value in node.values[1:]:
                expression(value, (*guards, (False, node.values[0])))
            return
        for child in all_child_nodes(node):
            expression(child, guards)

    def block(body: list[ast.stmt], guards: Guards) -> None:
        for stmt in body:
            statement(stmt, guards)
            if isinstance(stmt, ast.If) and _terminates(stmt.body) and not stmt.orelse:
                guards = (*guards, (True, stmt.test))  # what follows runs only when the exit was not taken

    def statement(stmt: ast.stmt, guards: Guards) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(stmt, ast.If):
            expression(stmt.test, guards)
            block(stmt.body, (*guards, (False, stmt.test)))
            # the ``else`` runs when the test fails: its guard is the negated test
            block(stmt.orelse, (*guards, (False, ast.UnaryOp(op=ast.Not(), operand=stmt.test))))
            return
        for value in (getattr(stmt, name) for name in stmt._fields):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                block(value, guards)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.excepthandler):
                        block(item.body, guards)
                    elif isinstance(item, ast.AST):
                        expression(item, guards)
            elif isinstance(value, ast.AST):
                expression(value, guards)

    try:
        block(list(fn.node.body), ())
    finally:
        # they call each other: a cycle the paused collector would keep until the run ends
        expression = block = statement = None  # type: ignore[assignment]
    return found


def _flag_test(fn: FunctionInfo, test: ast.expr, exit_guard: bool) -> tuple[str, str]:
    """What a guard in ``fn`` depends on: ("argument", name), ("setting", description) or ("", "").

    A setting is an environment read, or a CONSTANT tested for itself
    (``if FEATURE:``, ``if not LOCK_DEPS.get():``) -- not one compared with
    (``mode == SCRIPT_WAIT`` names a value, not a switch).  An early exit on
    an argument (``if not url: return``) is validation, not a choice of path:
    only settings count there.
    """
    arguments = fn.node.args
    parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs} - {"self", "cls"}
    for node in ast.walk(test):
        if not exit_guard and isinstance(node, ast.Name) and node.id in parameters:
            return "argument", node.id
        name = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if name and ("environ" in name or name.endswith("getenv")):
            return "setting", "an environment variable"
    switch = _switch(test)
    if switch is not None:
        return "setting", f"setting `{switch}`"
    return "", ""


def _config_get_default(node: ast.expr) -> tuple[str, object] | None:
    """``app.config.get("K", "default")`` (maybe with ``.lower()`` or the like after it): the key and default."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr != "get":
        node = node.func.value  # ``....lower()``
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"):
        return None
    holder = node.func.value
    if not (isinstance(holder, ast.Attribute) and holder.attr == "config") or len(node.args) != 2:  # noqa: PLR2004
        return None
    key, default = node.args
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(default, ast.Constant):
        return key.value, default.value
    return None


def _opt_in_choice(project: Project, fn: FunctionInfo, test: ast.expr) -> str | None:
    """``kind = current_app.config.get("SENDER", "ses").lower()`` then ``if kind == "smtp":`` in ``fn``: the branch
    runs only when the operator sets ``SENDER`` to a value other than its default, and the project's configuration
    never sets it to that value. The setting's name, else None."""
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.left, ast.Name)
        and isinstance(test.comparators[0], ast.Constant)
    ):
        return None
    wanted = test.comparators[0].value
    sources = [
        node.value
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == test.left.id for t in node.targets)
    ]
    if len(sources) != 1:
        return None
    read = _config_get_default(sources[0])
    if read is None or read[1] == wanted:
        return None
    key = read[0]
    configured = [setting.value for setting in project.config_for(key)]
    if any(not isinstance(value, ast.Constant) or value.value == wanted for value in configured):
        return None
    return key


def _switch(test: ast.expr) -> str | None:
    """``FLAG`` in ``if FLAG:``, ``if not FLAG:``, ``if FLAG.get():``, ``if A and not B:``."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.BoolOp):
        return next((found for value in test.values if (found := _switch(value))), None)
    if isinstance(test, ast.Call) and not test.args and isinstance(test.func, ast.Attribute):
        test = test.func.value  # ``LOCK_DEPS.get()``
    name = dotted(test) if isinstance(test, (ast.Name, ast.Attribute)) else None
    last = name.rsplit(".", 1)[-1] if name else ""
    return last if len(last) > 2 and last.isupper() else None


def path_condition(ctx: Context, node: ast.Call, context: str = REQUEST) -> str | None:
    """Why the chain from the root to ``node`` may not be taken, if a helper on it chooses.

    A helper below the view that calls the next one (or makes the call) only
    under an argument its caller passes, or under an opt-in setting, may never
    take that branch for this request (``save_model(pip_requirements=[...])``
    skips ``infer_pip_requirements``).  An argument the caller leaves to its
    default decides nothing here, and the view itself is not asked: its
    branches follow the request.
    """
    fn = ctx.function
    if fn is None:
        return None
    project = ctx.project
    found = [project.functions.get(q) for q in project.chain(fn.qualname, context)]
    chain = [f for f in found if f is not None]
    if len(chain) < 2 or len(chain) != len(found):
        return None
    steps: list[tuple[FunctionInfo, FunctionInfo, FunctionInfo | None, list[ast.Call]]] = []
    for before, caller, callee in zip(chain, chain[1:-1], chain[2:]):
        sites = [call for _name, call in caller.calls if _calls_name(call, callee.name)]
        steps.append((before, caller, callee, sites))
    steps.append((chain[-2], fn, None, [node]))
    for before, caller, callee, sites in steps:
        guards = call_guards(project, caller)
        reasons = [_first_flag(caller, before, guards.get(id(call), ()), project) for call in sites]
        if sites and all(reasons):
            if callee is None:
                return f"`{fn.display}` makes this call only depending on {reasons[0]}"
            return f"`{caller.display}` calls `{callee.display}` only depending on {reasons[0]}"
    return None


def _calls_name(call: ast.Call, name: str) -> bool:
    return (dotted(call.func) or "").rsplit(".", 1)[-1] == name


def _first_flag(
    fn: FunctionInfo, caller: FunctionInfo, guards: tuple[tuple[bool, ast.expr], ...], project: Project
) -> str | None:
    """The first guard that depends on an argument ``caller`` passes to ``fn``, or on a setting."""
    for exit_guard, test in guards:
        kind, name = _flag_test(fn, test, exit_guard)
        if not kind and not exit_guard:
            opt_in = _opt_in_choice(project, fn, test)
            if opt_in:
                return f"setting `{opt_in}`"
        if kind == "setting":
            return name
        if kind == "argument" and _passes(caller, fn, name):
            return f"argument `{name}`"
    return None


def _passes(caller: FunctionInfo, fn: FunctionInfo, parameter: str) -> bool:
    """``caller`` calls ``fn`` passing ``parameter`` (by keyword, position or ``**kwargs``)."""
    arguments = fn.node.args
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    if fn.class_name and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    index = positional.index(parameter) if parameter in positional else None
    for _name, call in caller.calls:
        if not _calls_name(call, fn.name):
            continue
        if any(k.arg == parameter or k.arg is None for k in call.keywords):
            return True
        if index is not None and (len(call.args) > index or any(isinstance(a, ast.Starred) for a in call.args)):
            return True
    return False


#: A chain at least this long (root, helpers..., here) with at least :data:`CONDITIONAL_LINKS`
#: conditional calls on it goes through enough choices that the model cannot tell the branch taken.
DEEP_CHAIN = 6
CONDITIONAL_LINKS = 2


def path_doubt(ctx: Context, node: ast.Call, context: str = REQUEST) -> str | None:
    """Why "this runs in every such request" may not hold: a choosing helper, or a long conditional chain.

    ``None`` when no helper on the chain chooses by an argument or a setting
    and the chain is short or mostly unconditional; else the reason, for the
    message of a finding that then says less (a note).
    """
    condition = path_condition(ctx, node, context)
    if condition:
        return condition
    fn = ctx.function
    if fn is None:
        return None
    project = ctx.project
    names = project.chain(fn.qualname, context)
    for caller, callee in zip(names, names[1:]):
        if (caller, callee) in project.loaded_by_name:
            what = "a request" if context == REQUEST else "a job"
            return (
                f"`{project.display(caller)}` reaches `{project.display(callee)}` through a class it loads by a "
                f"computed name: which plugin {what} runs is configuration the code does not show"
            )
    chain = [project.functions.get(q) for q in names]
    if len(chain) < DEEP_CHAIN or any(f is None for f in chain):
        return None
    conditional = 0
    for caller, callee in zip(chain, chain[1:]):
        guards = call_guards(project, caller)  # type: ignore[arg-type]
        sites = [call for _name, call in caller.calls if _calls_name(call, callee.name)]  # type: ignore[union-attr]
        if sites and all(guards.get(id(call)) for call in sites):
            conditional += 1
    if call_guards(project, fn).get(id(node)):
        conditional += 1
    if conditional >= CONDITIONAL_LINKS:
        root = project.display(chain[0].qualname)  # type: ignore[union-attr]
        what = "a request" if context == REQUEST else "a job"
        return (
            f"it is {len(chain) - 1} calls below `{root}`, {conditional} of them behind a condition: the code does "
            f"not show that {what} takes this branch"
        )
    return None


#: Words of a loop's header that make it a loop over failures (``while failed_downloads:``); a loop
#: that counts attempts (``while retries > 0``) is as often a poll waiting for something to be ready.
_RETRY_WORDS = ("fail", "backoff")


#: A wait whose whole length stays under this is bounded and short (gunicorn's default worker timeout).
SHORT_WAIT = 30.0
#: A lone fixed pause up to this long is a throttle or a grace period (a failed login's delay).
FIXED_PAUSE = 5.0
_CLOCK = on_first_use(
    r"(time\.)?(time|monotonic|perf_counter)\(\)|datetime\.(utc)?now\(|deadline|timeout|expires?", re.IGNORECASE
)


def bounded_wait(ctx: Context, call: ast.Call) -> str | None:
    """Why a ``time.sleep`` cannot hold the worker for long, when the code shows it; else None.

    - ``for attempt in range(5): ... time.sleep(2)``: at most 5 x 2 s;
    - ``while ...: if time.monotonic() > deadline: break; time.sleep(1)``: polling with a deadline;
    - ``time.sleep(1)`` on its own: a fixed short pause (login throttling).
    An unbounded poll (``while not job.done(): time.sleep(0.5)``) or a long total is not bounded.
    """
    seconds = sleep_seconds(call)
    loop = enclosing_loop(ctx)
    if loop is None:
        if seconds is not None and seconds <= FIXED_PAUSE:
            return f"a fixed {seconds:g} s pause (a throttle or grace period): bounded and short"
        return None
    if (
        isinstance(loop, ast.For)
        and isinstance(loop.iter, ast.Call)
        and dotted(loop.iter.func) == "range"
        and loop.iter.args
        and all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in loop.iter.args)
    ):
        count = len(range(*[a.value for a in loop.iter.args]))  # type: ignore[union-attr]
        if seconds is not None and count * seconds <= SHORT_WAIT:
            return f"at most {count} x {seconds:g} s = {count * seconds:g} s in all: a bounded wait"
        return None
    if isinstance(loop, ast.While) and ctx.function is not None:
        tests = [loop.test, *(n.test for n in ast.walk(loop) if isinstance(n, ast.If))]
        clocked = [t for t in tests if _CLOCK().search(ast.unparse(t))]
        limit = _deadline_seconds(ctx.function.node, clocked)
        if limit is not None and limit <= SHORT_WAIT:
            return f"the loop polls until a deadline {limit:g} s away: bounded and short"
    return None


#: Sleeps that add up to no more than this, in all, are a brief pause: no worker is held to speak of.
BRIEF_WAIT = 0.5


def bounded_total(ctx: Context, call: ast.Call) -> float | None:
    """The most a ``time.sleep`` can add up to, when the code bounds both its count and its lengths.

    - ``for attempt in range(3): ... time.sleep(0.1)``: 3 x 0.1 s;
    - a retry written as recursion (``def read(n=2): ... if n == 0: return ...; time.sleep(0.1 * (3 - n));
      return read(n - 1)``): the sleeps for every count from the first call's down to the stop, summed.

    None when either is the caller's choice or the code does not show it.
    """
    seconds = sleep_seconds(call)
    loop = enclosing_loop(ctx)
    if loop is not None:
        if seconds is None or not isinstance(loop, ast.For):
            return None
        count = _range_count(loop.iter)
        return count * seconds if count is not None else None
    fn = ctx.function
    if fn is None or not call.args:
        return None
    return _recursive_retry_total(ctx.project, fn, call.args[0])


def _range_count(node: ast.expr) -> int | None:
    if (
        isinstance(node, ast.Call)
        and dotted(node.func) == "range"
        and node.args
        and all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in node.args)
    ):
        return len(range(*[a.value for a in node.args]))  # type: ignore[union-attr]
    return None


def _recursive_retry_total(project: Project, fn: FunctionInfo, delay: ast.expr) -> float | None:
    """Total of the sleeps of ``fn`` when it is a retry by recursion with a counted stop, else None.

    ``fn`` calls itself again with a counter parameter one less (``attempts - 1``), returns without
    recursing once the counter reaches 0 (``if attempts == 0: return``), and every first call starts the
    counter at a number the code shows (a constant, or a default nobody overrides).
    """
    params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs]
    own = [n for n in own_nodes(fn.node) if isinstance(n, ast.Call)]
    recursive = [c for c in own if project.resolve_function(dotted(c.func) or "", fn, fn.module) is fn]
    if not recursive:
        return None
    for counter in params:
        steps = [bound_arguments(fn, c).get(counter) for c in recursive]
        if not all(_minus_one(step, counter) for step in steps):
            continue
        if not _stops_at_zero(fn.node, counter):
            continue
        starts = _first_counts(project, fn, counter, recursive)
        if starts is None:
            return None
        total = 0.0
        for value in range(1, max(starts, default=0) + 1):
            seconds = _evaluate(delay, counter, value)
            if seconds is None:
                return None
            total += max(seconds, 0.0)
        return total
    return None


def _minus_one(step: ast.expr | None, counter: str) -> bool:
    return (
        isinstance(step, ast.BinOp)
        and isinstance(step.op, ast.Sub)
        and isinstance(step.left, ast.Name)
        and step.left.id == counter
        and isinstance(step.right, ast.Constant)
        and step.right.value == 1
    )


def _stops_at_zero(node: ast.FunctionDef | ast.AsyncFunctionDef, counter: str) -> bool:
    """An ``if`` whose test compares ``counter`` with 0 (``== 0``, ``<= 0``, ``< 1``) and whose body returns."""
    for branch in ast.walk(node):
        if not isinstance(branch, ast.If) or not any(isinstance(s, (ast.Return, ast.Raise)) for s in branch.body):
            continue
        for test in ast.walk(branch.test):
            if (
                isinstance(test, ast.Compare)
                and len(test.ops) == 1
                and isinstance(test.left, ast.Name)
                and test.left.id == counter
                and isinstance(test.comparators[0], ast.Constant)
                and (
                    (isinstance(test.ops[0], (ast.Eq, ast.LtE)) and test.comparators[0].value == 0)
                    or (isinstance(test.ops[0], ast.Lt) and test.comparators[0].value == 1)
                )
            ):
                return True
    return False


def _first_counts(project: Project, fn: FunctionInfo, counter: str, recursive: list[ast.Call]) -> list[int] | None:
    """The counter's value at every call of ``fn`` from outside itself; None when one is not a number the code
    shows (a constant, a default, or the caller's own parameter left to its default by the caller's callers)."""
    starts: list[int] = []
    for site in project.calls:
        if site.function is None or site.node in recursive:
            continue
        if project.resolve_function(dotted(site.node.func) or "", site.function, site.module) is not fn:
            continue
        value = _counter_value(project, fn, bound_arguments(fn, site.node).get(counter), counter, site.function)
        if value is None:
            return None
        starts.append(value)
    return starts or None


def _counter_value(
    project: Project, fn: FunctionInfo, expr: ast.expr | None, param: str, caller: FunctionInfo
) -> int | None:
    if expr is None:  # left to ``fn``'s default
        return _int(_number(ast.Name(id=param), fn.node))
    if isinstance(expr, ast.Constant):
        return _int(_number(expr, caller.node))
    if not isinstance(expr, ast.Name) or _number(expr, caller.node) is None:
        return None
    default = _int(_number(expr, caller.node))  # the caller's parameter, left to its default...
    for site in project.calls:  # ...by every call of the caller that sets it, or the largest constant they pass
        if site.function is None:
            continue
        if project.resolve_function(dotted(site.node.func) or "", site.function, site.module) is not caller:
            continue
        passed = bound_arguments(caller, site.node).get(expr.id)
        if passed is not None:
            value = _int(_number(passed, caller.node)) if isinstance(passed, ast.Constant) else None
            if value is None or default is None:
                return None
            default = max(default, value)
    return default


def _int(value: float | None) -> int | None:
    return int(value) if value is not None and value == int(value) and 0 <= value <= 100 else None


def _evaluate(expr: ast.expr, name: str, value: int) -> float | None:
    """``expr`` (numbers, ``name`` and arithmetic) with ``name`` set to ``value``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        return float(expr.value)
    if isinstance(expr, ast.Name) and expr.id == name:
        return float(value)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _evaluate(expr.operand, name, value)
        return -inner if inner is not None else None
    if isinstance(expr, ast.BinOp):
        left, right = _evaluate(expr.left, name, value), _evaluate(expr.right, name, value)
        if left is None or right is None:
            return None
        try:
            if isinstance(expr.op, ast.Add):
                return left + right
            if isinstance(expr.op, ast.Sub):
                return left - right
            if isinstance(expr.op, ast.Mult):
                return left * right
            if isinstance(expr.op, ast.Div):
                return left / right
            if isinstance(expr.op, ast.Pow) and abs(right) <= 10:
                return float(left**right)
        except (ZeroDivisionError, OverflowError):
            return None
    return None


def _number(expr: ast.expr, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> float | None:
    """A constant number, or a parameter whose default is one (``max_wait: int = 60``)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
        return float(expr.value)
    if isinstance(expr, ast.Name):
        args = fn.args
        positional = args.posonlyargs + args.args
        defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults) :]], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        if expr.id in defaults:
            return _number(defaults[expr.id], fn)
    return None


def _deadline_seconds(fn: ast.FunctionDef | ast.AsyncFunctionDef, tests: list[ast.expr]) -> float | None:
    """How far away the loop's deadline is, when the code says (``deadline = time.monotonic() + 10``,
    ``time.time() - start > 10``); None when it does not, or the limit is a caller's choice."""
    if not tests:
        return None
    starts: dict[str, float | None] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and _CLOCK().search(ast.unparse(value)):
                sides = [value.left, value.right]
                numbers = [_number(side, fn) for side in sides if not _CLOCK().search(ast.unparse(side))]
                starts[node.targets[0].id] = numbers[0] if numbers else None
    limits: list[float] = []
    for test in tests:
        for compare in (n for n in ast.walk(test) if isinstance(n, ast.Compare)):
            operands = [compare.left, *compare.comparators]
            for operand in operands:
                if isinstance(operand, ast.Name) and operand.id in starts:
                    found = starts[operand.id]
                    if found is None:
                        return None
                    limits.append(found)
                elif isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.Sub):
                    others = [_number(o, fn) for o in operands if o is not operand]
                    if None in others or not others:
                        return None
                    limits.extend(n for n in others if n is not None)
    return max(limits) if limits else None


def in_retry_backoff(ctx: Context) -> bool:
    """The call sits in an ``except`` handler or in a retry loop of its function: it waits only after a failure."""
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if isinstance(ancestor, ast.ExceptHandler):
            return True
        if isinstance(ancestor, (ast.While, ast.For)):
            header = ancestor.test if isinstance(ancestor, ast.While) else ancestor.iter
            names = [dotted(n) or "" for n in ast.walk(header) if isinstance(n, (ast.Name, ast.Attribute))]
            if any(word in name.lower() for name in names for word in _RETRY_WORDS):
                return True
    return False


def pause_before_failure(ctx: Context, call: ast.Call) -> bool:
    """The call sits in an ``except`` handler, with no loop around it in its function, and the handler returns or
    raises after it: nothing is tried again, so the wait only delays the failure's answer (a failed login slowed
    down on purpose), it is no back-off between attempts."""
    handler = None
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
        if isinstance(ancestor, (ast.While, ast.For, ast.AsyncFor)):
            return False
        if isinstance(ancestor, ast.ExceptHandler) and handler is None:
            handler = ancestor
    if handler is None:
        return False
    after = [stmt for stmt in handler.body if stmt.lineno > call.lineno]
    return bool(after) and isinstance(after[-1], (ast.Return, ast.Raise))


def drained_before_wait(ctx: Context, call: ast.Call) -> bool:
    """``proc.wait()`` after ``proc.stdout`` was read to the end: the child has closed its output, so the wait
    returns with it (``for line in proc.stdout``, ``iter(proc.stdout.readline, b"")``, ``proc.stdout.read()``);
    or after ``proc.communicate()``, which already waited for the child to exit: the wait only reads its status."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "wait"):
        return False
    owner = dotted(func.value)
    fn = ctx.function
    if not owner or fn is None:
        return False
    stream = f"{owner}.stdout"
    for node in ast.walk(fn.node):
        if getattr(node, "lineno", 0) >= call.lineno:
            continue
        if isinstance(node, (ast.For, ast.comprehension)) and _mentions(node.iter, stream):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = dotted(node.func.value) or ""
            if target == stream and node.func.attr in ("read", "readlines"):
                return True
            if target == owner and node.func.attr == "communicate":
                return True
    return False


def _mentions(node: ast.AST, name: str) -> bool:
    return any(dotted(n) == name for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute)))


#: Local commands that finish at once on local input: waiting for them is not what holds workers.
QUICK_COMMANDS = frozenset(
    {
        "openssl",
        "ls",
        "cat",
        "echo",
        "whoami",
        "hostname",
        "uname",
        "id",
        "which",
        "stat",
        "sha256sum",
        "md5sum",
        "file",
        "du",
        "df",
        "date",
        "true",
        "false",
        "chmod",
        "chown",
        "mkdir",
        "cp",
        "mv",
        "rm",
        "ln",
        "touch",
        "readlink",
        "nproc",
        "getconf",
        "locale",
    }
)
#: ``git`` subcommands that only read the local repository.
QUICK_GIT = frozenset(
    {
        "rev-parse",
        "log",
        "show",
        "status",
        "diff",
        "describe",
        "config",
        "ls-files",
        "cat-file",
        "branch",
        "tag",
        "--version",
        "version",
    }
)


def quick_command(ctx: Context, call: ast.Call) -> str | None:
    """The command a blocking subprocess call runs, when it is a short local one (``openssl``, ``git rev-parse``).

    Follows the command to a list literal, a string (``shlex.split(CMD.format(...))`` of a module constant)
    or the ``Popen(...)`` a ``communicate()``/``wait()`` belongs to, inside the function; an argument or
    anything computed elsewhere stays unknown.
    """
    fn = ctx.function
    if fn is None:
        return None
    argv = _command_node(fn, call)
    words = _command_words(ctx, fn, argv, depth=8) if argv is not None else None
    if not words:
        return None
    head = words[0].rsplit("/", 1)[-1]
    if head in QUICK_COMMANDS or (head == "git" and len(words) > 1 and words[1] in QUICK_GIT):
        return " ".join(words[:2]) if head == "git" else head
    return None


VERSION_FLAGS = frozenset({"--version", "-version", "-V"})


def version_query(ctx: Context, call: ast.Call) -> str | None:
    """``prog --version`` when a subprocess call runs nothing but a program's version query.

    A program asked only for its version prints one line and exits: it reads no input and talks to
    nothing, so the wait cannot hang. Only a command written out in the call (or in a local name
    assigned once, possibly ``.split()``) with exactly the program and the flag counts: ``["ip", "-V"]``,
    ``"curl --version".split()``.
    """
    fn = ctx.function
    if fn is None:
        return None
    argv = _command_node(fn, call)
    if isinstance(argv, ast.Call) and isinstance(argv.func, ast.Attribute) and argv.func.attr == "split":
        argv = argv.func.value if not argv.args and not argv.keywords else None  # "curl --version".split()
    if isinstance(argv, ast.Name):
        assigned = [
            n.value
            for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == argv.id for t in n.targets)
        ]
        argv = assigned[0] if len(assigned) == 1 else None
    words: list[str] | None = None
    if isinstance(argv, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in argv.elts
    ):
        words = [e.value for e in argv.elts]  # type: ignore[attr-defined]
    elif isinstance(argv, ast.Constant) and isinstance(argv.value, str):
        words = argv.value.split()
    if words is None or len(words) != 2 or words[1] not in VERSION_FLAGS:
        return None
    return f"{words[0].rsplit('/', 1)[-1]} {words[1]}"


def _command_node(fn: FunctionInfo, call: ast.Call) -> ast.expr | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("communicate", "wait"):
        owner = dotted(func.value)
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Assign) and any(dotted(t) == owner for t in node.targets):
                if isinstance(node.value, ast.Call):
                    return _first_argument(node.value)
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if dotted(item.optional_vars) == owner and isinstance(item.context_expr, ast.Call):
                        return _first_argument(item.context_expr)
        return None
    return _first_argument(call)


def _first_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "args"), None)


def _command_words(ctx: Context, fn: FunctionInfo, node: ast.expr, depth: int) -> list[str] | None:
    if depth <= 0:
        return None
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        first = node.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            rest = [e.value for e in node.elts[1:2] if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            return [first.value, *rest]
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[:2] or None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _command_words(ctx, fn, node.func.value, depth - 1)
    if isinstance(node, ast.Call) and (dotted(node.func) or "").endswith("split") and node.args:
        return _command_words(ctx, fn, node.args[0], depth - 1)
    if isinstance(node, ast.Name):
        assigned = [
            n.value
            for n in ast.walk(fn.node)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
        ]
        if len(assigned) == 1:
            return _command_words(ctx, fn, assigned[0], depth - 1)
        if not assigned and node.id in fn.local_names:
            return _argument_words(ctx, fn, node.id, depth - 1)
        if not assigned:
            return _module_constant_words(fn.module.tree, node.id)
    return None


def _argument_words(ctx: Context, fn: FunctionInfo, parameter: str, depth: int) -> list[str] | None:
    """The command a parameter holds, when every caller passes the same short command (``run_process([...])``)."""
    arguments = fn.node.args
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    if fn.class_name and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]
    if parameter not in positional:
        return None
    index = positional.index(parameter)
    found: list[list[str]] = []
    for site in ctx.project.calls:
        if site.function is None or site.name.rsplit(".", 1)[-1] != fn.name:
            continue
        if ctx.project.resolve_function(dotted(site.node.func) or "", site.function, site.module) is not fn:
            continue
        value = (
            site.node.args[index]
            if len(site.node.args) > index
            else next((k.value for k in site.node.keywords if k.arg == parameter), None)
        )
        words = _command_words(ctx, site.function, value, depth) if value is not None else None
        if not words:
            return None
        found.append(words)
    return found[0] if found and all(w[:1] == found[0][:1] for w in found) else None


def _module_constant_words(tree: ast.Module, name: str) -> list[str] | None:
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            value = stmt.value
            while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                value = value.left  # ``"openssl ca " + "-gencrl"``
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value.split()[:2] or None
    return None


def client_library(ctx: Context) -> bool:
    """The code is a client SDK: its module's name or its class's name says ``client`` (``seldon_client.py``,
    ``class ScoringServerClient``) -- code the project ships for other programs to call."""
    fn = ctx.function
    module = ctx.module.name.rsplit(".", 1)[-1].lower()
    owner = (fn.class_name or "").lower() if fn is not None else ""
    return "client" in module or owner.endswith("client")


@project_fact
def classes_application_builds(project: Project) -> frozenset[str]:
    """Project classes that application code (not tests, not the class itself) instantiates."""
    from flask_doctor.static.facts.roles import FileRole, role_of  # noqa: PLC0415 (roles builds on the model only)

    built: set[str] = set()
    for fn in project.functions.values():
        if role_of(project, fn.module) is not FileRole.APPLICATION:
            continue
        for _name, call in fn.calls:
            qualified = _qualified_callee(project, fn, call)
            if qualified in project.classes and not fn.qualname.startswith(qualified + "."):
                built.add(qualified)
    return frozenset(built)


def application_builds_class(ctx: Context) -> bool:
    """The class of the current method is instantiated by the application's own code (not only by its tests):
    ``InfluxStorage.__init__`` builds ``InfluxClient(...)``, so that client is the app's, whatever its name says."""
    fn = ctx.function
    if fn is None or fn.class_name is None:
        return False
    return fn.qualname.rsplit(".", 1)[0] in classes_application_builds(ctx.project)


_RUNS_IN_APP = frozenset({REQUEST, JOB, CLI, MAIN, FACTORY})


def only_tests_call(ctx: Context) -> bool:
    """Only the test suite calls this method, although the application uses its class.

    ``ClinVarApi.get_clinvar_scv_accession`` that one test calls, on a class whose other methods views
    call: the model follows that class, and nothing of the app calls this method.  Not said to be
    test-only: a method of a class the app never touches as far as the code shows (a plugin loaded
    some way the model misses), a method that overrides a base class's (the app may call it through
    the base type, as ``provider.update(...)``), and a module-level function (a callback or a table
    entry the call graph does not follow).
    """
    fn = ctx.function
    if fn is None or not fn.contexts or not fn.contexts <= {TEST}:
        return False
    if fn.class_name is None:
        return False  # a module's function may be a callback or a table entry the call graph does not follow
    owner = fn.qualname.rsplit(".", 1)[0]
    cls = ctx.project.classes.get(owner)
    if cls is None or ctx.project.base_defines(owner, fn.name):
        return False  # ``provider.update(...)`` on a base-typed object runs this override: not test-only
    return any(s is not fn and s.contexts & _RUNS_IN_APP for s in cls.methods.values())


def _falsy_parameter(fn: FunctionInfo, test: ast.expr) -> str | None:
    """``P`` when ``test`` holds only for a falsy parameter ``P``: ``not P``, ``P is None``."""
    arguments = fn.node.args
    parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        if isinstance(inner, ast.Name):
            name = inner.id
        elif (  # ``not (P is not None)``: the ``else`` of ``if P is not None``
            isinstance(inner, ast.Compare)
            and isinstance(inner.left, ast.Name)
            and len(inner.ops) == 1
            and isinstance(inner.ops[0], ast.IsNot)
            and _is_none(inner.comparators[0])
        ):
            name = inner.left.id
        else:
            return None
    elif (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and _is_none(test.comparators[0])
    ):
        name = test.left.id
    else:
        return None
    return name if name in parameters else None


def branch_no_caller_takes(ctx: Context, node: ast.Call) -> str | None:
    """The parameter whose absence alone leads to ``node``, when every caller of the app passes it.

    ``if headers: ... else: requests.delete(url)`` in a helper that every
    view-side caller calls with ``headers=...``: the code shows no caller
    that takes the ``else``.  Callers in tests do not count; a ``None``
    passed explicitly, ``*args`` or ``**kwargs`` may take it.
    """
    fn = ctx.function
    if fn is None:
        return None
    project = ctx.project
    guards = call_guards(project, fn).get(id(node), ())
    needed = [p for exit_guard, test in guards if not exit_guard and (p := _falsy_parameter(fn, test))]
    if not needed:
        return None
    parameter = needed[0]
    if _flag_default(fn, parameter):
        return None  # ``tls=False``: a caller's value may be false as well, and take the branch
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if fn.class_name and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    index = positional.index(parameter) if parameter in positional else None
    sites = [
        call
        for caller in project.functions.values()
        if caller.contexts - {TEST}
        for name, call in caller.calls
        if _calls_name(call, fn.name) and project.resolve_function(name, caller, caller.module) is fn
    ]
    if not sites:
        return None
    for call in sites:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None
        value = next((k.value for k in call.keywords if k.arg == parameter), None)
        if value is None and index is not None and len(call.args) > index:
            value = call.args[index]
        if value is None or _is_none(value) or (isinstance(value, ast.Constant) and not value.value):
            return None
    return parameter


def timed_in_other_branch(ctx: Context, node: ast.Call) -> ast.Call | None:
    """The same call with a timeout on the other branch of an ``if`` about the timeout around ``node``: the
    project chose to wait without one on this branch.

    ``if not self.notimeout: socket.create_connection(addr, timeout=self.timeout) else:
    socket.create_connection(addr)``: the code bounds the call where it wants a bound and leaves it open, on
    purpose, for the operations it lets run as long as they need.  The same callee (its text) with a
    ``timeout=`` that is not ``None``, in the branch of the nearest ``if`` that does not hold ``node``, when
    that ``if`` tests a name that says timeout (``notimeout``, ``self.no_timeout``, ``timeout is None``).
    An ``if`` on something else (``if headers is not None:``) shows no choice: the bare branch may have lost its
    timeout by oversight.
    """
    callee = ast.unparse(node.func)
    child: ast.AST = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(ancestor, ast.If) and ancestor.orelse:
            if not _names_timeout(ancestor.test):
                return None
            other = ancestor.orelse if child in ancestor.body else ancestor.body if child in ancestor.orelse else []
            for stmt in other:
                for sibling in ast.walk(stmt):
                    if (
                        isinstance(sibling, ast.Call)
                        and ast.unparse(sibling.func) == callee
                        and (timeout := _keyword(sibling, "timeout")) is not None
                        and not _is_none(timeout.value)
                    ):
                        return sibling
            return None
        child = ancestor
    return None


def _names_timeout(test: ast.expr) -> bool:
    """The condition reads a name or attribute that says timeout (``not self.notimeout``, ``timeout is None``)."""
    return any(
        "timeout" in (sub.id if isinstance(sub, ast.Name) else sub.attr).lower()
        for sub in ast.walk(test)
        if isinstance(sub, (ast.Name, ast.Attribute))
    )


def _flag_default(fn: FunctionInfo, parameter: str) -> bool:
    """The parameter defaults to a false constant other than None (``tls=False``, ``retries=0``): a flag."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return any(
        a.arg == parameter and isinstance(d, ast.Constant) and d.value is not None and not d.value for a, d in pairs
    )


#: keystoneauth1's session: ``Session(auth=..., timeout=None)`` by default, and its ``request`` passes a timeout to
#: requests only when the session has one, so every call through it (``sess.get``, and the OpenStack clients built
#: on it: ``keystoneclient.v3.client.Client(session=sess)``) waits as long as the server keeps silent. A session
#: ``keystoneauth1.loading.load_session_from_conf_options`` loads reads the ``timeout`` option it registers, so the
#: operator's configuration bounds it: not one of these.
KEYSTONE_SESSIONS = frozenset({"keystoneauth1.session.Session"})
KEYSTONE_SESSION_LAST_NAMES = last_segments(KEYSTONE_SESSIONS)


def classify_keystone_session(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``session.Session(auth=auth)`` from keystoneauth1 and what is wrong with its timeout."""
    if KEYSTONE_SESSION_LAST_NAMES.isdisjoint(callee_names(ctx, call)):
        return None  # the cheap test first: :func:`callee_name` ends with one of these names
    if callee_name(ctx, call) not in KEYSTONE_SESSIONS:
        return None
    return _client_timeout(ctx, call, dotted(call.func) or "Session", "keystoneauth1")


def _client_timeout(ctx: Context, call: ast.Call, label: str, library: str, position: int | None = None) -> HttpCall:
    """What is wrong with the ``timeout`` a client constructor is given: by keyword, at ``position`` among the
    positional arguments, or in a spread of options (``Client(**options)``: none when the function never names
    ``timeout`` and, for a parameter, no caller's argument does)."""
    timeout = _keyword(call, "timeout")
    if timeout is None and position is not None and len(call.args) > position:
        return HttpCall(label, library, "timeout=None" if _is_none(call.args[position]) else None)
    if timeout is not None:
        return HttpCall(label, library, "timeout=None" if _is_none(timeout.value) else None)
    if any(isinstance(a, ast.Starred) for a in call.args):
        return HttpCall(label, library, None)
    spread = [kw.value for kw in call.keywords if kw.arg is None]
    if spread and not _spread_without_timeout(ctx, spread):
        return HttpCall(label, library, None)
    return HttpCall(label, library, "no timeout")


#: influxdb-python's (InfluxDB 1.x) clients: ``InfluxDBClient(host, port, ..., timeout=None)`` by default, and every
#: query and write goes through ``requests`` with that timeout, so a client built without one waits as long as the
#: server keeps silent. ``timeout`` is the eighth positional parameter. The 2.x client (``influxdb_client``) has a
#: 10 s default: not one of these.
INFLUXDB_CLIENTS = frozenset(
    {
        "influxdb.InfluxDBClient",
        "influxdb.client.InfluxDBClient",
        "influxdb.DataFrameClient",
        "influxdb._dataframe_client.DataFrameClient",
    }
)
INFLUXDB_CLIENT_LAST_NAMES = last_segments(INFLUXDB_CLIENTS)
INFLUXDB_TIMEOUT_INDEX = 7


def classify_influxdb_client(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``InfluxDBClient(host=..., database=...)`` of influxdb-python and what is wrong with its timeout."""
    if INFLUXDB_CLIENT_LAST_NAMES.isdisjoint(callee_names(ctx, call)):
        return None
    if callee_name(ctx, call) not in INFLUXDB_CLIENTS:
        return None
    return _client_timeout(ctx, call, dotted(call.func) or "InfluxDBClient", "influxdb", INFLUXDB_TIMEOUT_INDEX)


#: Third-party API clients that send every call through a ``requests.Session`` of their own with the client's
#: timeout, none by default: the type -> (the library, for the message and the hint; the keyword that sets a
#: timeout, or None when the constructor takes none at all). jira's ``JIRA(server, ..., timeout=None)`` hands its
#: timeout to each request of its session (and retries a failed one, waiting up to a minute between attempts);
#: apache-atlas's ``AtlasClient(host, auth)`` calls ``session.get/post/put/delete`` with no timeout and has no
#: setting for one.
API_CLIENTS: dict[str, tuple[str, str | None]] = {
    "jira.JIRA": ("jira", "timeout"),
    "jira.client.JIRA": ("jira", "timeout"),
    "apache_atlas.client.base_client.AtlasClient": ("apache-atlas", None),
    "zeep.Client": ("zeep", "transport"),
    "zeep.client.Client": ("zeep", "transport"),
    "zeep.CachingClient": ("zeep", "transport"),
    "zeep.client.CachingClient": ("zeep", "transport"),
}
API_CLIENT_LAST_NAMES = last_segments(frozenset(API_CLIENTS))
#: zeep's SOAP clients take their timeouts from their transport: ``Transport(cache=None, timeout=300,
#: operation_timeout=None, session=None)``, where ``timeout`` bounds only the loading of WSDL and XSD documents and
#: ``operation_timeout`` every operation the client sends, none by default (zeep docs, "Transports"). A client built
#: without a transport gets such a default one. ``transport`` is the third positional parameter of ``Client``, and
#: ``operation_timeout`` the third of ``Transport``.
ZEEP_TRANSPORTS = frozenset({"zeep.Transport", "zeep.transports.Transport"})
ZEEP_TRANSPORT_INDEX = 2
#: ``with client.settings(timeout=10):`` and the like bound the operations sent inside the block, and
#: ``client.transport.operation_timeout = 10`` every later one.
ZEEP_SCOPED_TIMEOUT = re.compile(r"\.(?:settings|options)\(\s*timeout\s*=|\.operation_timeout\s*=[^=]")
ZEEP_OPERATION_TIMEOUT_INDEX = 2
#: More positional arguments than this reach jira's ``timeout`` (its 15th or 16th parameter, by version): unknown.
JIRA_POSITIONAL_BEFORE_TIMEOUT = 13


def classify_api_client(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``JIRA(server=...)`` or ``AtlasClient(url, auth)``: a third-party API client built without a timeout, so
    every call through it waits as long as the server keeps silent (:data:`API_CLIENTS`)."""
    if API_CLIENT_LAST_NAMES.isdisjoint(callee_names(ctx, call)):
        return None  # the cheap test first: :func:`callee_name` ends with one of these names
    name = callee_name(ctx, call)
    if name not in API_CLIENTS:
        return None
    library, keyword = API_CLIENTS[name]
    label = dotted(call.func) or name.rsplit(".", 1)[-1]
    if library == "zeep":
        return HttpCall(label, library, "no timeout" if _zeep_operations_unbounded(ctx, call) else None)
    if keyword is None:
        if ".session.request" in ctx.module.text:
            return HttpCall(label, library, None)  # the project wraps the client's session with its own request
        return HttpCall(label, library, "no timeout")
    if len(call.args) > JIRA_POSITIONAL_BEFORE_TIMEOUT:
        return HttpCall(label, library, None)
    return _client_timeout(ctx, call, label, library)


#: SDK clients whose every call goes over HTTP with no timeout unless the project gives the client one, reported at
#: the call that waits (the client is often built once at import; the request or job is where a worker hangs): the
#: type -> the library. twilio's ``Client(sid, token)`` builds a ``TwilioHttpClient()`` whose ``timeout`` defaults
#: to none and hands that to its ``requests`` session (a client built with ``http_client=`` of the project's own may
#: set one); sendgrid's ``SendGridAPIClient(key)`` sends through python-http-client, which opens each request with
#: ``urllib`` and no timeout (so ``socket.setdefaulttimeout`` bounds it).
SDK_CLIENTS: dict[str, str] = {
    "twilio.rest.Client": "twilio",
    "twilio.rest.client.Client": "twilio",
    "sendgrid.SendGridAPIClient": "sendgrid",
    "sendgrid.sendgrid.SendGridAPIClient": "sendgrid",
    "ollama.Client": "ollama",
    "ollama._client.Client": "ollama",
}
#: ollama's client passes its ``timeout`` (none by default) to the ``httpx.Client`` it builds, which disables
#: httpx's own 5 s default; the module's functions (``ollama.chat(...)``) go through a default ``Client()``.
OLLAMA_METHODS = frozenset(
    {"chat", "generate", "embed", "embeddings", "pull", "push", "create", "show", "list", "ps", "copy", "delete"}
)
OLLAMA_FUNCTIONS = frozenset(f"ollama.{name}" for name in OLLAMA_METHODS)
#: The methods that send a request: twilio's resource verbs (``client.messages.create(...)``,
#: ``client.calls(sid).fetch()``), sendgrid's ``send`` and the verbs of its fluent ``client.<path>.post(...)``.
SDK_CALL_METHODS = {
    "twilio": frozenset({"create", "fetch", "update", "delete", "list", "stream", "page"}),
    "sendgrid": frozenset({"send", "get", "post", "put", "patch", "delete"}),
    "ollama": OLLAMA_METHODS,
}
SDK_CALL_LAST_NAMES = frozenset().union(*SDK_CALL_METHODS.values())


def classify_sdk_call(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``client.messages.create(...)`` on a twilio ``Client``, ``sg.send(message)`` on a ``SendGridAPIClient``: a
    call an SDK sends over HTTP with no timeout (:data:`SDK_CLIENTS`). The receiver is followed down its chain of
    attributes and calls (``client.verify.v2.services(sid).verifications.create``) to the object it starts from."""
    func = call.func
    if isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and func.attr in OLLAMA_METHODS):
        name = callee_name(ctx, call)
        if name in OLLAMA_FUNCTIONS:  # ``ollama.chat(...)``: the module's default client, never given a timeout
            return HttpCall(dotted(func) or name, "ollama", "no timeout")
    if not isinstance(func, ast.Attribute) or func.attr not in SDK_CALL_LAST_NAMES:
        return None
    root: ast.expr = func.value
    while True:
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute):
            root = root.func.value
        elif isinstance(root, ast.Attribute) and _receiver_type(ctx, root) not in SDK_CLIENTS:
            root = root.value
        else:
            break
    library = SDK_CLIENTS.get(_receiver_type(ctx, root) or "")
    if library is None or func.attr not in SDK_CALL_METHODS[library]:
        return None
    if root is func.value and library == "twilio":
        return None  # a method of the client itself (``client.request``), not of one of its resources
    label = dotted(func) or _chain_label(func)
    if library == "twilio" and _twilio_given_http_client(ctx.project):
        return HttpCall(label, library, None)
    if library == "sendgrid" and sets_socket_timeout(ctx.project):
        return HttpCall(label, library, None)
    if library == "ollama" and _ollama_client_given_timeout(ctx.project):
        return HttpCall(label, library, None)
    return HttpCall(label, library, "no timeout")


#: openai's SDK bounds every call, but by ten minutes: the 0.x module's resources (``openai.ChatCompletion.create``)
#: send through ``requests`` with ``request_timeout`` 600 s unless given one; the 1.x ``OpenAI()`` client (and the
#: module's default one, ``openai.chat.completions.create``) gives httpx a 600 s read timeout and retries twice.
OPENAI_LEGACY_RESOURCES = frozenset(
    {"ChatCompletion", "Completion", "Embedding", "Edit", "Image", "Moderation", "Audio", "FineTune"}
)
OPENAI_LEGACY_METHODS = frozenset({"create", "create_variation", "edit", "transcribe", "translate"})
OPENAI_CLIENT_TYPES = frozenset({"openai.OpenAI", "openai.AzureOpenAI", "openai._client.OpenAI"})
#: The resources of a 1.x client whose ``create`` waits for the model (``client.chat.completions.create``).
OPENAI_CLIENT_RESOURCES = frozenset({"completions", "embeddings", "responses", "images", "transcriptions"})
OPENAI_LAST_NAMES = OPENAI_LEGACY_METHODS
#: The timeout the SDK applies when given none, for the message.
OPENAI_DEFAULT = {
    "legacy": "openai<1.0 gives every call a `request_timeout` of 600 s unless given one",
    "client": "openai's client gives every call a 600 s read timeout and retries it twice unless given a `timeout`",
}


def classify_openai_call(ctx: Context, call: ast.Call) -> HttpCall | None:
    """A call to OpenAI's API that waits with the SDK's default timeout, ten minutes (``problem="slow default"``,
    ``via`` saying which SDK): ``openai.ChatCompletion.create(...)`` of the 0.x module without ``request_timeout``,
    and ``client.chat.completions.create(...)`` of a 1.x client (or ``openai.chat.completions.create``, the
    module's) without ``timeout``, when no client of the project is built with one, ``with_options(timeout=...)``
    is not in the chain and the project does not set ``openai.timeout``. A call given the keyword (or
    ``**kwargs``) has its own bound."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in OPENAI_LEGACY_METHODS:
        return None
    if _has_star_kwargs(call):
        return None
    name = callee_name(ctx, call) or ""
    owner = name.rpartition(".")[0]
    label = dotted(func) or _chain_label(func)
    if owner.startswith("openai.") and owner.count(".") == 1 and owner[7:] in OPENAI_LEGACY_RESOURCES:
        given = _keyword(call, "request_timeout") or _keyword(call, "timeout")
        if given is not None and not _is_none(given.value):
            return HttpCall(label, "openai", None)
        if _openai_module_timeout(ctx.project):
            return HttpCall(label, "openai", None)
        return HttpCall(label, "openai", "slow default", via="legacy")
    if func.attr != "create" or not isinstance(func.value, ast.Attribute):
        return None
    if func.value.attr not in OPENAI_CLIENT_RESOURCES:
        return None
    root: ast.expr = func.value
    client = False
    while isinstance(root, ast.Attribute):
        root = root.value
        client = _receiver_type(ctx, root) in OPENAI_CLIENT_TYPES
        if client:
            break
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr == "with_options":
        return None  # ``client.with_options(timeout=...)``: the project chose the bound for this call
    module_client = isinstance(root, ast.Name) and ctx.qualified(root) == "openai"
    if not (client or module_client):
        return None
    given = _keyword(call, "timeout")
    if given is not None and not _is_none(given.value):
        return HttpCall(label, "openai", None)
    if _openai_client_given_timeout(ctx.project) or (module_client and _openai_module_timeout(ctx.project)):
        return HttpCall(label, "openai", None)
    return HttpCall(label, "openai", "slow default", via="client")


@project_fact
def _openai_client_given_timeout(project: Project) -> bool:
    """The project builds an openai client with a ``timeout`` (or options that may hold one) somewhere: its clients
    may be that one."""
    return any(
        any(kw.arg in ("timeout", None) for kw in site.node.keywords)
        for site in calls_named(project, ("OpenAI", "AzureOpenAI"))
        if site.name in OPENAI_CLIENT_TYPES
    )


@project_fact
def _openai_module_timeout(project: Project) -> bool:
    """``openai.timeout = 30`` (1.x) or ``openai.requestssession = session`` (0.x, a session of the project's)
    somewhere: the module's calls have the project's bound."""
    return any(
        "openai.timeout" in module.text or "openai.requestssession" in module.text
        for module in project.modules.values()
    )


@project_fact
def _ollama_client_given_timeout(project: Project) -> bool:
    """The project builds an ollama ``Client`` with a ``timeout`` (or options that may hold one) somewhere: its
    clients may be that one."""
    return any(
        any(kw.arg in ("timeout", None) for kw in site.node.keywords)
        for site in calls_named(project, ("Client",))
        if site.name in ("ollama.Client", "ollama._client.Client")
    )


def _chain_label(node: ast.expr) -> str:
    """``sms.verify.v2.services(...).verification_checks.create``: a chain of attributes and calls as written,
    without the calls' arguments."""
    if isinstance(node, ast.Attribute):
        return f"{_chain_label(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_chain_label(node.func)}(...)"
    return dotted(node) or "..."


@project_fact
def _twilio_given_http_client(project: Project) -> bool:
    """The project builds a twilio client with an HTTP client of its own choosing (``http_client=``, or a
    ``TwilioHttpClient`` it configures): that client may set a timeout."""
    return any(
        "http_client=" in module.text or "TwilioHttpClient(" in module.text for module in project.modules.values()
    )


def _zeep_operations_unbounded(ctx: Context, call: ast.Call) -> bool:
    """A zeep client whose operations have no timeout: built without a transport (or with ``transport=None``),
    or with a ``Transport(...)`` (inline, or assigned once to a name in the same function or module) that is given
    no ``operation_timeout``. A transport the code builds any other way may bound them: not this, nor a client
    in a module that sets an operation timeout later (``client.transport.operation_timeout = 10``) or around its
    calls (``with client.settings(timeout=10):``, ``transport.settings(...)``, ``client.options(...)`` of old
    zeep)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords):
        return False
    if ZEEP_SCOPED_TIMEOUT.search(ctx.module.text):
        return False
    given = _keyword(call, "transport")
    transport = (
        given.value
        if given is not None
        else call.args[ZEEP_TRANSPORT_INDEX]
        if len(call.args) > ZEEP_TRANSPORT_INDEX
        else None
    )
    if transport is None or _is_none(transport):
        return True
    if isinstance(transport, ast.Name):
        transport = _assigned_once(ctx, transport.id)
    if not isinstance(transport, ast.Call) or callee_name(ctx, transport) not in ZEEP_TRANSPORTS:
        return False
    if _has_star_kwargs(transport):
        return False
    bound = _keyword(transport, "operation_timeout")
    if bound is not None:
        return _is_none(bound.value)
    return len(transport.args) <= ZEEP_OPERATION_TIMEOUT_INDEX or _is_none(transport.args[ZEEP_OPERATION_TIMEOUT_INDEX])


def _assigned_once(ctx: Context, name: str) -> ast.expr | None:
    """The value of the one plain assignment ``name = ...`` in the current function, else at the module's top
    level; None when there is none or more than one."""
    scopes = [ctx.function.node] if ctx.function is not None else []
    for scope in [*scopes, ctx.module.tree]:
        values = [
            node.value
            for node in (ast.walk(scope) if scope is not ctx.module.tree else scope.body)
            if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
        ]
        if values:
            return values[0] if len(values) == 1 else None
    return None


def _spread_without_timeout(ctx: Context, spread: list[ast.expr]) -> bool:
    """Every ``**options`` is a name the function builds or takes, none of them can hold ``timeout``."""
    fn = ctx.function
    if fn is None or "timeout" in ast.unparse(fn.node) or not all(isinstance(v, ast.Name) for v in spread):
        return False
    params = {a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs)}
    names = {v.id for v in spread if isinstance(v, ast.Name)}
    if not names & params:
        return True
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    sites = [site for site, caller in callers(ctx.project).get(fn.qualname, ()) if not is_test_path(caller.module.path)]
    return bool(sites) and not any(
        any(isinstance(a, ast.Starred) for a in site.args)
        or any(kw.arg is None for kw in site.keywords)
        or "timeout" in ast.unparse(site)
        for site in sites
    )


@project_fact
def http_method_parameters(project: Project) -> dict[str, dict[str, str]]:
    """Function qualname -> its parameters that every caller of the application fills with a requests method
    without a timeout of its own (``self._req(self._sess.get, url)``, ``fetch(requests.post, url)``) -> one such
    argument as written: ``method(url)`` inside is that HTTP call. A parameter a caller fills with anything else
    (a project function, a lambda, a method of another type) is not one."""
    from flask_doctor.static.facts.flows import callers  # noqa: PLC0415 (flows builds on these call facts)
    from flask_doctor.static.facts.roles import is_test_path  # noqa: PLC0415

    found: dict[str, dict[str, str]] = {}
    by_callee = None
    parameters: list[tuple[FunctionInfo, list[str], set[str]]] = []
    every_parameter: set[str] = set()
    for fn in project.functions.values():
        arguments = fn.node.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
        params = set(positional) | {a.arg for a in arguments.kwonlyargs}
        parameters.append((fn, positional, params))
        every_parameter |= params
    # Names each function calls as plain names, from the call-site list: a superset of its own body's calls
    # (a lambda's or a nested class's are counted for the enclosing function), so that only the few functions
    # that call a parameter have their body read. A plain name's call is listed under that name
    # (``facts.sites``), so the sites listed under some parameter's name hold every call of a parameter.
    called_names: dict[str, set[str]] = {}
    for site in calls_named(project, every_parameter):
        if site.function is not None and isinstance(site.node.func, ast.Name):
            called_names.setdefault(site.function.qualname, set()).add(site.node.func.id)
    for fn, positional, params in parameters:
        if not params & called_names.get(fn.qualname, set()):
            continue
        called = {
            node.func.id
            for node in own_nodes(fn.node)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in params
        }
        if not called:
            continue
        if by_callee is None:
            by_callee = callers(project)
        sites = [
            (site, caller) for site, caller in by_callee.get(fn.qualname, ()) if not is_test_path(caller.module.path)
        ]
        if not sites:
            continue
        for param in sorted(called):
            label = _every_caller_passes_http_method(project, fn, positional, param, sites)
            if label is not None:
                found.setdefault(fn.qualname, {})[param] = label
    return found


def _every_caller_passes_http_method(
    project: Project,
    fn: FunctionInfo,
    positional: list[str],
    param: str,
    sites: list[tuple[ast.Call, FunctionInfo]],
) -> str | None:
    index = positional.index(param) if param in positional else None
    if index is not None and fn.class_name and positional and positional[0] in ("self", "cls"):
        index -= 1
    labels: list[str] = []
    for site, caller in sites:
        value = next((kw.value for kw in site.keywords if kw.arg == param), None)
        if value is None and index is not None and 0 <= index < len(site.args):
            if any(isinstance(a, ast.Starred) for a in site.args[: index + 1]):
                return None
            value = site.args[index]
        if not isinstance(value, ast.Attribute):
            return None  # not passed, a lambda, a name: nothing shows an HTTP method
        probe = Context(caller.module, project, lambda _finding: None)
        probe.function = caller
        http = classify_http_call(probe, ast.Call(func=value, args=[], keywords=[]))
        if http is None or http.library != "requests" or http.problem != "no timeout":
            return None
        labels.append(ast.unparse(value))
    return labels[0] if labels else None


def classify_http_method_parameter(ctx: Context, call: ast.Call) -> HttpCall | None:
    """``method(url, ...)`` where ``method`` is a parameter every caller fills with a requests method
    (:func:`http_method_parameters`), and what is wrong with its timeout."""
    fn = ctx.function
    if fn is None or not isinstance(call.func, ast.Name):
        return None
    passed = http_method_parameters(ctx.project).get(fn.qualname, {}).get(call.func.id)
    if passed is None:
        return None
    label = call.func.id
    timeout = _keyword(call, "timeout")
    if timeout is not None:
        return HttpCall(label, "requests", "timeout=None" if _is_none(timeout.value) else None, passed)
    if _has_star_kwargs(call) or len(call.args) > SESSION_REQUEST_TIMEOUT_INDEX:
        return HttpCall(label, "requests", None, passed)
    return HttpCall(label, "requests", "no timeout", passed)
