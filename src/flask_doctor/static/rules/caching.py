"""FD701–FD703 — caching: a wrong cache is worse than none.

Flask-Caching's ``@cache.cached`` keys a view by ``request.path`` only, so a
view that reads the user, the session, headers or the query string serves
the first visitor's page to everyone. ``SimpleCache`` lives inside one
worker process. ``@cache.memoize`` on a method keys by ``repr(self)``, which
for an ordinary object is its memory address.

The facts come from Flask-Caching 2.x (``flask_caching/__init__.py``:
``cached``' ``_make_cache_key`` uses ``key_prefix % request.path`` unless
``query_string=True``/``make_cache_key``/a callable ``key_prefix``;
``memoize``' ``_memoize_kwargs_to_args`` uses ``get_id(self)`` =
``__caching_id__()`` or ``repr(self)``).
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.model import (
    REQUEST,
    VIEW_BASES,
    ConfigSetting,
    FunctionInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location
from flask_doctor.static.rules.errors import body_nodes

CACHE_TYPES = {"flask_caching.Cache", "flask_cache.Cache", "flask.ext.cache.Cache", "flask_caching.__init__.Cache"}


def _imports_flask_caching(project: Project) -> bool:
    cached = getattr(project, "_fd_uses_flask_caching", None)
    if cached is None:
        cached = any(
            r.module.split(".")[0] in ("flask_caching", "flask_cache") for records in project.imports.values() for r in records
        )
        project._fd_uses_flask_caching = cached  # type: ignore[attr-defined]
    return cached


_FLASK_CACHING_KWARGS = {"query_string", "key_prefix", "make_cache_key", "unless", "forced_update", "response_filter", "make_name"}


def cache_decorator(project: Project, fn: FunctionInfo, method: str) -> ast.expr | None:
    """The ``@cache.<method>(...)`` decorator of ``fn`` when ``cache`` is a Flask-Caching ``Cache``."""
    for deco, resolved in zip(fn.node.decorator_list, fn.decorators):
        func = deco.func if isinstance(deco, ast.Call) else deco
        if not (isinstance(func, ast.Attribute) and func.attr == method):
            continue
        owner = resolved.rsplit(".", 1)[0]
        obj = project.objects.get(owner)
        if obj is not None:
            if project.is_subtype(obj.type, CACHE_TYPES):
                return deco
            continue
        # ``cache`` built by a factory or passed in: trust the name only when Flask-Caching is in use
        # or the call uses keywords only Flask-Caching's decorators take
        if (dotted(func.value) or "").rsplit(".", 1)[-1] == "cache" and (
            _imports_flask_caching(project)
            or (isinstance(deco, ast.Call) and any(kw.arg in _FLASK_CACHING_KWARGS for kw in deco.keywords))
        ):
            return deco
    return None


# ------------------------------------------------------------------ FD701
USER_SOURCES = {
    "flask_login.current_user": "current_user",
    "flask_login.utils.current_user": "current_user",
    "flask_security.current_user": "current_user",
    "flask_security.core.current_user": "current_user",
    "flask_jwt_extended.current_user": "current_user",
    "flask_jwt_extended.get_jwt_identity": "get_jwt_identity()",
    "flask_jwt_extended.get_jwt": "get_jwt()",
    "flask.session": "session",
}
REQUEST_PARTS = {
    "args": "query", "values": "query", "headers": "header", "cookies": "header",
    "authorization": "header", "accept_languages": "header", "form": "body", "json": "body",
    "get_json": "body", "data": "body", "files": "body", "get_data": "body",
}
G_USERISH = ("user", "identity", "account", "member", "tenant")


@dataclass
class VaryingRead:
    what: str  # `current_user`, `request.args`...
    kind: str  # user | query | header | body
    function: FunctionInfo
    node: ast.AST


def _reads(project: Project, fn: FunctionInfo) -> list[VaryingRead]:
    """Request-varying reads in ``fn``'s own body (memoised on the function)."""
    cached = getattr(fn, "_fd_varying_reads", None)
    if cached is not None:
        return cached
    found: list[VaryingRead] = []
    table = fn.imports
    seen: set[str] = set()
    for node in body_nodes(fn.node.body):
        read: tuple[str, str] | None = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            full = table.qualify(node.id)
            if full in USER_SOURCES:
                read = (USER_SOURCES[full], "user")
        elif isinstance(node, ast.Attribute):
            base = table.qualify(dotted(node.value) or "") if isinstance(node.value, (ast.Name, ast.Attribute)) else None
            if base in ("flask.request", "flask.globals.request"):
                part = REQUEST_PARTS.get(node.attr)
                if part:
                    read = (f"request.{node.attr}", part)
            elif base in ("flask.g", "flask.globals.g") and any(k in node.attr.lower() for k in G_USERISH):
                read = (f"g.{node.attr}", "user")
            elif base in ("flask", ) and node.attr == "session":
                read = ("session", "user")
        if read is not None and read[0] not in seen:
            seen.add(read[0])
            found.append(VaryingRead(read[0], read[1], fn, node))
    fn._fd_varying_reads = found  # type: ignore[attr-defined]
    return found


def varying_reads(project: Project, root: FunctionInfo, max_depth: int = 3) -> list[tuple[VaryingRead, list[FunctionInfo]]]:
    """Reads in ``root`` and in the project functions it calls, with the call path."""
    results: list[tuple[VaryingRead, list[FunctionInfo]]] = []
    queue: deque[tuple[FunctionInfo, list[FunctionInfo]]] = deque([(root, [root])])
    visited = {root.qualname}
    while queue:
        fn, path = queue.popleft()
        for read in _reads(project, fn):
            results.append((read, path))
        if len(path) > max_depth:
            continue
        for name, _call in fn.calls:
            callee = project.resolve_function(name, fn, fn.module)
            if callee is None or callee.qualname in visited:
                continue
            visited.add(callee.qualname)
            queue.append((callee, [*path, callee]))
    return results


def _kwarg(deco: ast.expr, name: str) -> ast.expr | None:
    if not isinstance(deco, ast.Call):
        return None
    return next((kw.value for kw in deco.keywords if kw.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


class CachedViewVariesByUser(Rule):
    """
    ## What it does
    Finds `@cache.cached(...)` (Flask-Caching) on views and functions that
    read something the cache key does not contain: `current_user`,
    `session`, `g.user`, request headers or cookies, the request body, or
    the query string (`request.args`/`request.values`) without
    `query_string=True` — directly or in the helpers they call.

    ## Why is this bad?
    `@cache.cached` builds its key from `key_prefix`, by default
    `"view/" + request.path`, and nothing else. The first response for a
    path is stored and returned to *every* later request for that path
    until the timeout: one user's dashboard, name or permissions are shown
    to other users, a page rendered for `?page=2` is served for `?page=5`,
    and a permission check inside the view is skipped on a cache hit.
    Not reported: cached pages that read none of these, views cached with
    `query_string=True` that only read the query string, and caches with
    their own key (`make_cache_key=`, a callable `key_prefix=`) or an
    `unless=` condition. `@cache.memoize` keys by the function's arguments
    and is not concerned.

    ## Example
    ```python
    @app.route("/dashboard")
    @cache.cached(timeout=60)
    def dashboard():
        orders = Order.query.filter_by(user_id=current_user.id).all()
        return render_template("dashboard.html", orders=orders)
    ```

    ## Use instead
    ```python
    @cache.memoize(timeout=60)
    def orders_for(user_id):
        return Order.query.filter_by(user_id=user_id).all()

    @app.route("/dashboard")
    def dashboard():
        return render_template("dashboard.html", orders=orders_for(current_user.id))
    ```
    or `@cache.cached(query_string=True)` for pages that vary by query
    string only, or `make_cache_key=` that includes the user id.

    ## Fix safety
    No automatic fix: choose what the cache key must contain.

    ## References
    - Flask-Caching docs, "Caching View Functions" and `Cache.cached`
      (`key_prefix` default `view/%(request.path)s`, `query_string`, `make_cache_key`, `unless`)
    - Flask-Caching docs, "Memoization"
    """

    code = "FD701"
    name = "cached-view-varies-by-user"
    severity = Severity.ERROR
    catalog = ("S13",)
    summary = "@cache.cached view reads the user/session/headers/query string the cache key ignores."

    VALID = (
        Valid("""
            from flask import Flask, render_template
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/")
            @cache.cached(timeout=50)
            def index():
                return render_template("index.html")
            """),
        Valid("""
            from flask import Flask, request, jsonify
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/search")
            @cache.cached(timeout=60, query_string=True)
            def search():
                return jsonify(results=find(request.args.get("q", "")))
            """),
        Valid("""
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            def user_key():
                return f"dash/{current_user.id}"

            @app.route("/dashboard")
            @cache.cached(timeout=60, key_prefix=user_key)
            def dashboard():
                return render_template("dash.html", name=current_user.name)

            @app.route("/home")
            @cache.cached(timeout=60, unless=lambda: current_user.is_authenticated)
            def home():
                return render_template("home.html", user=current_user)
            """),
        Valid("""
            from flask import Flask
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @cache.memoize(timeout=60)
            def orders_for(user_id):
                return load_orders(user_id)

            @app.route("/orders")
            def orders():
                return {"orders": orders_for(current_user.id)}
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, render_template
            from flask_login import current_user
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @app.route("/dashboard")
            @cache.cached(timeout=60)  # expect
            def dashboard():
                orders = load_orders(current_user.id)
                return render_template("dashboard.html", orders=orders)
            """, message="current_user"),
        Invalid("""
            from flask import Flask, request, session
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            def page_number():
                return int(request.args.get("page", 1))

            @app.route("/posts")
            @cache.cached(timeout=300)  # expect
            def posts():
                return {"page": page_number()}

            @app.route("/prefs")
            @cache.cached(timeout=300, query_string=True)  # expect
            def prefs():
                return {"theme": session.get("theme"), "q": request.args.get("q")}
            """, message="query_string=True"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for fn in project.functions.values():
            if not fn.node.decorator_list:
                continue
            deco = cache_decorator(project, fn, "cached")
            if deco is None or _is_test(fn):
                continue
            if _kwarg(deco, "make_cache_key") is not None or _kwarg(deco, "unless") is not None:
                continue
            key_prefix = _kwarg(deco, "key_prefix")
            if key_prefix is not None and not isinstance(key_prefix, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                continue  # a callable key_prefix builds its own key
            query_ok = _is_true(_kwarg(deco, "query_string"))
            reads = [
                (read, path) for read, path in varying_reads(project, fn)
                if not (query_ok and read.kind == "query")
            ]
            if not reads:
                continue
            read, path = reads[0]
            where = "" if read.function is fn else f" (in `{read.function.display}`, called from `{fn.display}`)"
            others = sorted({r.what for r, _ in reads[1:]} - {read.what})
            also = f"; it also reads {', '.join(f'`{o}`' for o in others[:3])}" if others else ""
            key = "the constant `key_prefix`" if key_prefix is not None and "%s" not in ast.unparse(key_prefix) else (
                "the path and query string" if query_ok else "`request.path` only"
            )
            if read.kind == "query":
                consequence = "without `query_string=True` the page rendered for the first query string is served for every other one"
                hint = "Add `query_string=True` to `@cache.cached(...)`, or pass the values as URL path parts."
            elif read.kind == "body":
                consequence = "the response to the first request body is replayed for every other body"
                hint = "Do not cache views that read the request body; cache the expensive part with `@cache.memoize`."
            else:
                consequence = "the first visitor's page (their data, their permissions) is served to every other user"
                hint = (
                    "Cache only the user-independent part with `@cache.memoize(...)` on a helper that takes the user id, "
                    "or give `make_cache_key=`/a callable `key_prefix=` that includes the user, or `unless=`."
                )
            evidence = [Evidence(f"`{read.what}` read here", node_location(read.function.module.path, read.node))]
            evidence += [Evidence(f"calls `{step.display}`", step.location) for step in path[1:]]
            below = fn.node.decorator_list[fn.node.decorator_list.index(deco) + 1:]
            for inner in below:
                text = ast.unparse(inner)
                if any(k in text.lower() for k in ("login_required", "jwt_required", "auth_required", "roles_required",
                                                    "permission_required", "admin_required", "requires_auth")):
                    evidence.append(Evidence(f"`@{text}` sits below the cache decorator: a cache hit skips it",
                                             node_location(fn.module.path, inner)))
            label = "view" if "view" in fn.roles else "function"
            report(self.finding(
                node_location(fn.module.path, deco),
                f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on {label} `{fn.display}` keys the cache by "
                f"{key}, but the {label} reads `{read.what}`{where}{also}: {consequence}",
                hint=hint,
                evidence=evidence,
            ))


def _is_test(fn: FunctionInfo) -> bool:
    p = f"/{fn.module.path}"
    last = p.rsplit("/", 1)[-1]
    return "/tests/" in p or "/test/" in p or last.startswith("test_") or last == "conftest.py"


# ------------------------------------------------------------------ FD702
PROCESS_LOCAL = {
    "simple": "SimpleCache", "simplecache": "SimpleCache",
    "flask_caching.backends.simplecache": "SimpleCache", "flask_caching.backends.simple": "SimpleCache",
    "flask_caching.backends.simplecache.simplecache": "SimpleCache", "flask_caching.backends.simplecache.simple": "SimpleCache",
}
HOST_LOCAL = {
    "filesystem": "FileSystemCache", "filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystemcache.filesystemcache": "FileSystemCache",
    "flask_caching.backends.filesystem": "FileSystemCache",
}


def _backend(value: ast.expr) -> tuple[str, str] | None:
    """("process"|"host", class name) for a SimpleCache/FileSystemCache ``CACHE_TYPE`` literal."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return None
    text = value.value.strip().lower()
    if text in PROCESS_LOCAL:
        return ("process", PROCESS_LOCAL[text])
    if text in HOST_LOCAL:
        return ("host", HOST_LOCAL[text])
    return None


@dataclass
class CacheTypeSetting:
    value: ast.expr
    location: Location
    owner: str


def cache_type_settings(project: Project) -> list[CacheTypeSetting]:
    """``CACHE_TYPE`` in production config, ``Cache(config={...})`` and ``cache.init_app(app, config={...})``."""
    found: list[CacheTypeSetting] = []
    for setting in project.config_for("CACHE_TYPE"):
        if project.is_production(setting) and not _dev_or_test_path(setting.location.path):
            found.append(CacheTypeSetting(setting.value, setting.location, _owner_label(setting)))
    for site in project.calls:
        call = site.node
        is_ctor = site.name in CACHE_TYPES
        is_init = isinstance(call.func, ast.Attribute) and call.func.attr == "init_app" and _is_cache_object(project, site.name)
        if not (is_ctor or is_init) or _dev_or_test_path(site.module.path):
            continue
        config = next((kw.value for kw in call.keywords if kw.arg == "config"), None)
        if not isinstance(config, ast.Dict):
            continue
        for k, v in zip(config.keys, config.values):
            if isinstance(k, ast.Constant) and k.value == "CACHE_TYPE":
                found.append(CacheTypeSetting(v, node_location(site.module.path, k), f"`{ast.unparse(call.func)}(config=...)`"))
    return found


def _is_cache_object(project: Project, name: str) -> bool:
    owner = name.rsplit(".", 1)[0]
    obj = project.objects.get(owner)
    return obj is not None and project.is_subtype(obj.type, CACHE_TYPES)


def _owner_label(setting: ConfigSetting) -> str:
    if setting.owner == "app.config":
        return "`app.config`"
    return f"config `{setting.owner.rsplit('.', 1)[-1]}`"


def _dev_or_test_path(path: str) -> bool:
    p = f"/{path}".lower()
    last = p.rsplit("/", 1)[-1]
    return "/tests/" in p or "/test/" in p or last.startswith(("test_", "dev", "local")) or last == "conftest.py"


_DEV_PARTS = {"dev", "development", "local", "test", "tests", "example", "examples", "docs", "ci"}


def _production_deploy(path: str) -> bool:
    """Not ``docker-compose.dev.yml``, ``Procfile.dev``, ``examples/...``, ``tests/...``."""
    parts = path.lower().split("/")
    if any(p in _DEV_PARTS for p in parts[:-1]):
        return False
    words = set(re.split(r"[._-]", parts[-1]))
    return not (words & _DEV_PARTS)


def _is_worker_service(service: object) -> bool:
    """A compose service that runs Celery/RQ workers rather than the web app."""
    command = getattr(service, "command", None)
    text = " ".join(command) if isinstance(command, list) else str(command or "")
    name = str(getattr(service, "name", "")).lower()
    return any(w in text for w in ("celery", "rq worker", "dramatiq", "huey")) or any(w in name for w in ("worker", "celery", "beat", "redis", "db", "postgres"))


class ProcessLocalCacheMultiWorker(Rule):
    """
    ## What it does
    Finds a Flask-Caching `CACHE_TYPE` of `SimpleCache` (`"simple"`) in
    production configuration when the deploy files run several worker
    processes (gunicorn `-w 4`, `workers = ...` in `gunicorn.conf.py`, uWSGI
    `processes`, compose `replicas`), and `FileSystemCache` when the app
    runs on several hosts or containers.

    ## Why is this bad?
    `SimpleCache` is a dict inside one Python process. With four gunicorn
    workers there are four independent caches: each computes and stores
    everything again (a quarter of the hit ratio), and `cache.delete()` or
    `cache.clear()` after a change only reaches the worker that served that
    request — the other workers keep serving the stale value until it
    times out, so users see data flip between old and new from one request
    to the next. `FileSystemCache` is shared by the workers of one host,
    but every container or replica has its own directory. One worker
    (with any number of threads) is fine, as is `NullCache`, which caches
    nothing.

    ## Example
    ```python
    class ProductionConfig(Config):
        CACHE_TYPE = "SimpleCache"
    ```
    with `gunicorn -w 4 "app:create_app()"` in the Dockerfile.

    ## Use instead
    ```python
    class ProductionConfig(Config):
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = os.environ["REDIS_URL"]
    ```

    ## Fix safety
    No automatic fix: a shared cache needs a server.

    ## References
    - Flask-Caching docs, "Built-in Cache Backends": SimpleCache ("not really thread safe", per process), FileSystemCache
    - Gunicorn docs, "Design": workers are separate processes
    """

    code = "FD702"
    name = "process-local-cache-multi-worker"
    severity = Severity.WARNING
    catalog = ("S13",)
    summary = "SimpleCache (per process) or FileSystemCache (per host) with several workers or replicas."

    VALID = (
        Valid("""
            class Config:
                CACHE_TYPE = "SimpleCache"

            class ProductionConfig(Config):
                CACHE_TYPE = "RedisCache"
            """),
        Valid("""
            class ProductionConfig:
                CACHE_TYPE = "SimpleCache"
            """),
    )
    INVALID = (
        Invalid("""
            class ProductionConfig:
                CACHE_TYPE = "SimpleCache"  # expect
            """, files={"gunicorn.conf.py": "workers = 4\n"}),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        deploy = project.deploy
        if deploy is None or not hasattr(deploy, "declared_workers"):
            return
        decls = [d for d in deploy.declared_workers() if _production_deploy(d.source.path)]  # type: ignore[attr-defined]
        multi_process = [d for d in decls if (d.processes or 0) > 1 or d.cpu_based or (d.replicas or 1) > 1]
        multi_host = [d for d in decls if (d.replicas or 1) > 1]
        services = [
            s for s in getattr(deploy, "services", [])
            if ((s.replicas or s.scale or 1) > 1) and not s.is_proxy and _production_deploy(s.source.path)
            and not _is_worker_service(s)
        ]
        for setting in cache_type_settings(project):
            backend = _backend(setting.value)
            if backend is None:
                continue
            scope, cls_name = backend
            if scope == "process" and multi_process:
                decl = multi_process[0]
                count = "CPU-count-based" if decl.cpu_based and not decl.processes else str(decl.processes or "several")
                reps = f" × {decl.replicas} replicas" if (decl.replicas or 1) > 1 else ""
                message = (
                    f"`CACHE_TYPE = {ast.unparse(setting.value)}` in {setting.owner}: {cls_name} lives inside one process, and "
                    f"{decl.server} runs {count} worker processes{reps}: every worker has its own cache, so "
                    f"`cache.delete()`/`clear()` reaches one worker and the others keep serving stale data"
                )
                evidence = [Evidence(f"{decl.server} workers declared here", decl.source)]
            elif scope in ("process", "host") and (multi_host or services):
                where = multi_host[0].source if multi_host else services[0].source
                count = (multi_host[0].replicas if multi_host else (services[0].replicas or services[0].scale))
                message = (
                    f"`CACHE_TYPE = {ast.unparse(setting.value)}` in {setting.owner}: {cls_name} is local to one "
                    f"{'process' if scope == 'process' else 'host/container'}, and the app runs {count} replicas: each has "
                    f"its own cache, so invalidation on one leaves the others stale"
                )
                evidence = [Evidence("replicas declared here", where)]
            else:
                continue
            report(self.finding(
                setting.location,
                message,
                hint="Use a shared backend in production: CACHE_TYPE = \"RedisCache\" (CACHE_REDIS_URL) or \"MemcachedCache\".",
                evidence=evidence,
            ))


# ------------------------------------------------------------------ FD703
_PLAIN_BASES = {"object", *VIEW_BASES}


def _class_identity(project: Project, class_qual: str) -> str | None:
    """'custom' when the class (or a base) defines __repr__/__caching_id__, 'default' when none can, None when unknown."""
    seen: set[str] = set()
    stack = [class_qual]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        cls = project.classes.get(current)
        if cls is None:
            if current in _PLAIN_BASES or current.rsplit(".", 1)[-1] in ("MethodView", "View", "object"):
                continue
            return None  # an external base may define __repr__
        names = {s.name for s in cls.node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        names |= {t.id for s in cls.node.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)}
        if names & {"__repr__", "__caching_id__"}:
            return "custom"
        if any(isinstance(k, ast.keyword) and k.arg == "metaclass" for k in cls.node.keywords):
            return None
        stack.extend(cls.bases)
    return "default"


def _request_instantiations(project: Project, class_qual: str, class_name: str) -> list[tuple[FunctionInfo, ast.Call]]:
    sites = []
    for fn in project.functions.values():
        if REQUEST not in fn.contexts:
            continue
        for name, call in fn.calls:
            if name.rsplit(".", 1)[-1] != class_name:
                continue
            full = fn.imports.qualify(name) or f"{fn.module.name}.{name}"
            if full == class_qual or (name == class_name and f"{fn.module.name}.{class_name}" == class_qual):
                sites.append((fn, call))
    return sites


def _is_view_class(project: Project, class_qual: str) -> bool:
    cls = project.classes.get(class_qual)
    if cls is None:
        return False
    return any(project.is_subtype(b, VIEW_BASES) or b.endswith(("MethodView", ".View")) for b in cls.bases)


class MemoizeRequestDependentSelf(Rule):
    """
    ## What it does
    Finds `@cache.memoize` (Flask-Caching) on instance methods of classes
    that define neither `__repr__` nor `__caching_id__`, when the objects
    are created per request (instantiated in request code, or a
    `MethodView` that Flask instantiates for every request).

    ## Why is this bad?
    For methods, `memoize` puts `self` into the cache key as
    `self.__caching_id__()` or, without it, `repr(self)`. The default
    `repr` is `<module.Report object at 0x7f3a...>`: the object's memory
    address. Objects built per request get a fresh key every time, so the
    cache never hits and only fills up; worse, CPython reuses freed
    addresses, so a later request's object can land on the same address
    and receive the result cached for an earlier, different object — one
    user's report served to another. Methods on objects created once at
    import time, classmethods, and classes with a meaningful `__repr__` or
    `__caching_id__` are fine and not reported.

    ## Example
    ```python
    class Report:
        def __init__(self, user_id):
            self.user_id = user_id

        @cache.memoize(timeout=300)
        def totals(self):
            return expensive_totals(self.user_id)

    @app.get("/report")
    def report():
        return Report(current_user.id).totals()
    ```

    ## Use instead
    ```python
    class Report:
        def __init__(self, user_id):
            self.user_id = user_id

        def __caching_id__(self):
            return f"Report:{self.user_id}"

        @cache.memoize(timeout=300)
        def totals(self):
            return expensive_totals(self.user_id)
    ```

    ## Fix safety
    No automatic fix: the identity must name what the result depends on.

    ## References
    - Flask-Caching docs, "Memoization" (instance methods: "object uniqueness can be overridden by defining the __repr__ method")
    - Flask-Caching source, `flask_caching.utils.get_id` (`__caching_id__` or `repr`)
    """

    code = "FD703"
    name = "memoize-request-dependent-self"
    severity = Severity.WARNING
    catalog = ("S13",)
    summary = "@cache.memoize on a method of per-request objects keyed by their memory address."
    preview = True  # no occurrence in the real applications measured yet (docs/precision/caching.md)

    VALID = (
        Valid("""
            from flask import Flask
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            class Report:
                def __init__(self, user_id):
                    self.user_id = user_id

                def __caching_id__(self):
                    return f"Report:{self.user_id}"

                @cache.memoize(timeout=300)
                def totals(self):
                    return self.user_id * 2

            @app.get("/report/<int:uid>")
            def report(uid):
                return str(Report(uid).totals())
            """),
        Valid("""
            from flask import Flask
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            class Catalog:
                @cache.memoize(timeout=300)
                def categories(self):
                    return ["a", "b"]

            catalog = Catalog()

            @app.get("/categories")
            def categories():
                return {"items": catalog.categories()}
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            from flask_caching import Cache
            from flask_login import current_user
            app = Flask(__name__)
            cache = Cache(app)

            class Report:
                def __init__(self, user_id):
                    self.user_id = user_id

                @cache.memoize(timeout=300)  # expect
                def totals(self):
                    return self.user_id * 2

            @app.get("/report")
            def report():
                return str(Report(current_user.id).totals())
            """, message="memory address"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for fn in project.functions.values():
            if not fn.class_name or not fn.node.decorator_list:
                continue
            deco = cache_decorator(project, fn, "memoize")
            if deco is None or _is_test(fn):
                continue
            params = fn.node.args.posonlyargs + fn.node.args.args
            if not params or params[0].arg != "self":
                continue
            if any((dotted(d) or "").endswith(("classmethod", "staticmethod")) for d in fn.node.decorator_list):
                continue
            class_qual = fn.qualname.rsplit(".", 1)[0]
            if _class_identity(project, class_qual) != "default":
                continue
            sites = _request_instantiations(project, class_qual, fn.class_name)
            if sites:
                site_fn, call = sites[0]
                created = f"`{fn.class_name}(...)` is created in request code (`{site_fn.display}`)"
                evidence = [Evidence(f"`{fn.class_name}` instantiated per request", node_location(site_fn.module.path, call))]
            elif _is_view_class(project, class_qual):
                created = f"`{fn.class_name}` is a view class, which Flask instantiates for every request"
                evidence = []
            else:
                continue
            report(self.finding(
                node_location(fn.module.path, deco),
                f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on `{fn.display}` keys the cache by "
                f"`repr(self)`, and `{fn.class_name}` defines neither `__repr__` nor `__caching_id__`, so the key is the "
                f"object's memory address; {created}: the cache never hits, and a reused address returns another object's result",
                hint=f"Define `__caching_id__(self)` on `{fn.class_name}` returning what the result depends on "
                     "(e.g. the user or record id), or memoize a module-level function that takes those values.",
                evidence=evidence,
            ))
