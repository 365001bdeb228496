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
from dataclasses import dataclass

from flask_doctor.static.context import Context, describe_context
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.model import REQUEST, FunctionInfo, Project
from flask_doctor.static.names import dotted

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
REQUESTS_FUNCTIONS = {f"requests.{v}" for v in HTTP_VERBS} | {f"requests.api.{v}" for v in HTTP_VERBS}
REQUESTS_SESSION_TYPES = {
    "requests.Session", "requests.sessions.Session", "requests.session", "requests.sessions.session",
}
HTTPX_FUNCTIONS = {f"httpx.{v}" for v in (*HTTP_VERBS, "stream")}
HTTPX_CLIENT_TYPES = {"httpx.Client", "httpx.AsyncClient"}
URLOPEN = {"urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"}
SUBPROCESS_BLOCKING = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
}
POPEN_TYPES = {"subprocess.Popen"}
SLEEP = {"time.sleep"}
#: Constant sleeps shorter than this are thread yields and short poll
#: intervals of a bounded handshake (``while not ready: time.sleep(0.01)``).
TINY_SLEEP = 0.1
SYNC_DB_CONNECT = {
    "psycopg2.connect", "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    "sqlite3.connect", "pymongo.MongoClient",
}
#: Where ``Session.request`` takes ``timeout`` positionally (method, url, params,
#: data, headers, cookies, files, auth, timeout).
SESSION_REQUEST_TIMEOUT_INDEX = 8


# ----------------------------------------------------------------- resolution
def _instance_type(ctx: Context, node: ast.expr) -> str | None:
    """The type of the receiver of a method call, as far as the code shows it."""
    if isinstance(node, ast.Call):
        return callee_name(ctx, node)
    known = ctx.type_of(node)
    if known:
        return known
    name = dotted(node)
    if not name:
        return None
    # ``with requests.Session() as s:`` / ``with Popen(...) as proc:``
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                target, value = item.optional_vars, item.context_expr
                if isinstance(target, ast.Name) and target.id == name and isinstance(value, ast.Call):
                    return callee_name(ctx, value)
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            break
    # ``self.session = requests.Session()`` anywhere in the class
    if name.startswith("self.") and name.count(".") == 1 and ctx.function is not None and ctx.function.class_name:
        return self_attribute_types(ctx.project, ctx.function.qualname.rsplit(".", 1)[0]).get(name[5:])
    return None


@keyed_fact
def self_attribute_types(project: Project, cls_qual: str) -> dict[str, str]:
    """``self.session = requests.Session()`` in any method of the class: attribute -> callee."""
    found: dict[str, str] = {}
    cls = project.classes.get(cls_qual)
    if cls is not None:
        for method in cls.methods.values():
            for node in ast.walk(method.node):
                if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and dotted(target.value) == "self":
                        callee = method.imports.qualify(dotted(node.value.func) or "")
                        if callee:
                            found[target.attr] = callee
    return found


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
            return f"{obj.type}.{func.attr}" if obj is not None else qualified
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


@dataclass(frozen=True)
class HttpCall:
    label: str  # ``requests.get`` / ``session.get`` (as written)
    library: str  # requests | httpx | urllib
    problem: str | None  # "no timeout" / "timeout=None" / None (has a timeout)


def _session_overrides_timeout(project: Project, type_name: str) -> bool:
    """A project Session subclass with its own ``request``/``send`` usually sets a default timeout."""
    cls = project.classes.get(type_name)
    if cls is not None:
        return any(m in cls.methods for m in ("request", "send"))
    return False


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
    return any(site.name == "socket.setdefaulttimeout" for site in project.calls)


def classify_http_call(ctx: Context, call: ast.Call) -> HttpCall | None:
    """An outgoing HTTP call and what is wrong with its timeout, if anything."""
    name = callee_name(ctx, call)
    if not name:
        return None
    label = dotted(call.func) or name
    timeout = _keyword(call, "timeout")
    owner, _, method = name.rpartition(".")
    if name in REQUESTS_FUNCTIONS or (method in HTTP_VERBS and ctx.project.is_subtype(owner, REQUESTS_SESSION_TYPES)):
        project_session = owner not in REQUESTS_SESSION_TYPES and owner not in ("requests", "requests.api")
        if project_session and _session_overrides_timeout(ctx.project, owner):
            return None
        session = name not in REQUESTS_FUNCTIONS
        if timeout is not None:
            return HttpCall(label, "requests", "timeout=None" if _is_none(timeout.value) else None)
        if _has_star_kwargs(call):
            return HttpCall(label, "requests", None)
        if session and method == "request" and len(call.args) > SESSION_REQUEST_TIMEOUT_INDEX:
            return HttpCall(label, "requests", None)
        if session and mounts_timeout_adapter(ctx.project):
            return HttpCall(label, "requests", None)
        return HttpCall(label, "requests", "no timeout")
    if name in HTTPX_FUNCTIONS or name in HTTPX_CLIENT_TYPES or (
        method in (*HTTP_VERBS, "stream", "send") and owner in HTTPX_CLIENT_TYPES
    ):
        # httpx defaults to a 5 s timeout: only an explicit ``timeout=None`` disables it.
        disabled = timeout is not None and (
            _is_none(timeout.value)
            or (isinstance(timeout.value, ast.Call) and (dotted(timeout.value.func) or "").endswith("Timeout")
                and timeout.value.args and _is_none(timeout.value.args[0]) and not timeout.value.keywords)
        )
        return HttpCall(label, "httpx", "timeout=None" if disabled else None)
    if name in URLOPEN:
        if timeout is not None:
            return HttpCall(label, "urllib", "timeout=None" if _is_none(timeout.value) else None)
        if len(call.args) >= 3 or _has_star_kwargs(call) or sets_socket_timeout(ctx.project):
            return HttpCall(label, "urllib", None)
        return HttpCall(label, "urllib", "no timeout")
    return None


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
    if fn is None or fn.roles & {"view", "task", "cli", "hook", "error_handler", "socket_handler"}:
        return base
    chain = ctx.project.chain(fn.qualname, context)
    if len(chain) < 2 or context not in fn.contexts:
        return base
    label = "request path" if context == REQUEST else "job path"
    root = ctx.project.functions.get(chain[0])
    roots = ("view", "task", "hook", "error_handler", "socket_handler")
    kind = next((k for k in roots if root is not None and k in root.roles), "")
    names = [ctx.project.display(q) for q in chain]
    first = f"{kind.replace('_', ' ')} `{names[0]}`" if kind else f"`{names[0]}`"
    return f"`{fn.display}` ({label}: {' → '.join([first, *(f'`{n}`' for n in names[1:])])})"


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
        stack.extend(ast.iter_child_nodes(node))
    return False
