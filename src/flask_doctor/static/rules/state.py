"""FD1xx — state and memory: what request code leaves behind in the process."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.model import REQUEST, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)
from flask_doctor.static.taint import request_derived

GROWING_METHODS = {"append", "extend", "add", "update", "setdefault", "insert", "appendleft", "extendleft"}
SHRINKING_METHODS = {"pop", "popitem", "clear", "remove", "discard", "popleft"}
CONTAINER_CALLS = {
    "dict", "list", "set", "collections.defaultdict", "collections.OrderedDict",
    "collections.Counter", "collections.deque", "defaultdict", "OrderedDict", "Counter", "deque",
}


@dataclass
class ModuleContainer:
    qualname: str
    name: str
    kind: str
    location: Location
    evicted: bool = False  # something in the project removes entries


def module_containers(project: Project) -> dict[str, ModuleContainer]:
    """Module-level mutable containers, and whether anything ever evicts from them."""
    cached = getattr(project, "_fd_containers", None)
    if cached is not None:
        return cached
    found: dict[str, ModuleContainer] = {}
    for module in project.modules.values():
        table = project.module_imports.get(module.name)
        for stmt in module.tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            if value is None:
                continue
            kind = _container_kind(value, table)
            if kind is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    qual = f"{module.name}.{target.id}"
                    found[qual] = ModuleContainer(qual, target.id, kind, Location(module.path, stmt.lineno, stmt.col_offset + 1))
    # eviction anywhere (pop/clear/del/len-check) makes a container a bounded cache
    for module_name, name in project.evictions:
        for qual in (f"{module_name}.{name}", _qualify(project, module_name, name)):
            if qual in found:
                found[qual].evicted = True
    project._fd_containers = found  # type: ignore[attr-defined]
    return found


def _qualify(project: Project, module_name: str, name: str) -> str:
    table = project.module_imports.get(module_name)
    return (table.qualify(name) if table else None) or ""


def _container_kind(value: ast.expr, table: object) -> str | None:
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        qualified = table.qualify(name) if table is not None and name else None  # type: ignore[attr-defined]
        full = qualified or name
        if full in CONTAINER_CALLS or name in CONTAINER_CALLS:
            if full.endswith("deque") and any(kw.arg == "maxlen" for kw in value.keywords):
                return None
            if full.endswith("deque") and len(value.args) >= 2:
                return None
            return full.rsplit(".", 1)[-1]
    return None


def _container_for(ctx: Context, node: ast.expr) -> ModuleContainer | None:
    name = dotted(node)
    if not name or "." in name:
        return None
    # a local variable of the same name shadows the module-level one
    if ctx.function is not None and _is_local(ctx, name):
        return None
    containers = module_containers(ctx.project)
    found = containers.get(f"{ctx.module.name}.{name}")
    if found is None:
        qualified = ctx.qualified(node)
        if qualified:
            found = containers.get(qualified)
    return found


def _is_local(ctx: Context, name: str) -> bool:
    fn = ctx.function
    assert fn is not None
    return name in fn.local_names and name not in fn.global_names


def _request_code(ctx: Context) -> bool:
    if not ctx.in_request or ctx.is_test_code():
        return False
    fn = ctx.function
    return fn is None or "before_first_request" not in fn.roles


class UnboundedModuleCache(Rule):
    """
    ## What it does
    Finds module-level dicts, lists and sets that request code adds to and
    nothing ever removes from.

    ## Why is this bad?
    A module-level container lives as long as the worker process. When a
    view or a helper it calls stores something per request
    (`CACHE[user_id] = profile`, `SEEN.append(path)`), the container grows
    with every distinct request until the worker runs out of memory or is
    killed. Registries filled at import time, constants that views only
    read, and caches that evict entries are fine and are not reported.

    ## Example
    ```python
    _profiles = {}

    @app.get("/users/<int:user_id>")
    def profile(user_id):
        _profiles[user_id] = load_profile(user_id)
        return _profiles[user_id]
    ```

    ## Use instead
    ```python
    from cachetools import TTLCache

    _profiles = TTLCache(maxsize=10_000, ttl=300)
    ```
    or Flask-Caching / Redis with a timeout.

    ## Fix safety
    No automatic fix: choosing a bound and a lifetime is a design decision.

    ## References
    - Python docs: `functools.lru_cache` (maxsize), cachetools `TTLCache`
    - Flask-Caching: https://flask-caching.readthedocs.io/
    """

    code = "FD101"
    name = "unbounded-module-cache"
    severity = Severity.WARNING
    catalog = ("S11", "S16")
    summary = "Module-level container grows on every request and is never evicted."

    VALID = (
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            HANDLERS = {}

            def register(name):
                def deco(fn):
                    HANDLERS[name] = fn
                    return fn
                return deco

            @register("csv")
            def export_csv():
                pass

            @app.get("/export/<kind>")
            def export(kind):
                return HANDLERS[kind]()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            _cache = {}

            @app.get("/item/<key>")
            def item(key):
                if len(_cache) > 1000:
                    _cache.clear()
                _cache[key] = compute(key)
                return _cache[key]
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            STATS = {"hits": 0}

            @app.get("/")
            def index():
                seen = []
                seen.append(1)
                return str(STATS["hits"])
            """),
        Valid("""
            import logging
            from flask import Flask
            app = Flask(__name__)
            log = logging.getLogger(__name__)
            _warned = set()

            def warn_deprecated(endpoint):
                if endpoint not in _warned:
                    _warned.add(endpoint)
                    log.warning("%s is deprecated", endpoint)

            @app.get("/old")
            def old():
                warn_deprecated("old")
                return "ok"
            """),
        Valid("""
            import click
            LOADED = []

            @click.command()
            def load():
                LOADED.append(1)
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            _profiles = {}

            @app.get("/users/<int:user_id>")
            def profile(user_id):
                _profiles[user_id] = load(user_id)  # expect
                return _profiles[user_id]
            """, message="_profiles"),
        Invalid("""
            from flask import Flask, request
            app = Flask(__name__)
            REQUEST_LOG = []

            def remember(path):
                REQUEST_LOG.append(path)  # expect

            @app.route("/")
            def index():
                remember(request.path)
                return "ok"
            """, message="called from"),
        Invalid("""
            from flask import Flask, request
            from flask_login import current_user
            app = Flask(__name__)
            searched = {}
            terms = set()

            @app.get("/search")
            def search():
                terms.add(request.args["q"])  # expect
                searched[current_user.id] = request.args["q"]  # expect
                return "ok"
            """, message="terms"),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Constant):
                # A dict grows only with new keys: flag keys taken from the request.
                if request_derived(target.slice, ctx.function):
                    self._check(target.value, node, f"`{ast.unparse(target)} = ...`", ctx)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in GROWING_METHODS):
            return
        method = node.func.attr
        if method in ("append", "extend", "insert", "appendleft", "extendleft"):
            # A list grows on every call, unless a membership test dedupes it.
            guarded = self._membership_guarded(node.func.value, ctx)
            if guarded and not any(request_derived(a, ctx.function) for a in node.args):
                return
        elif not any(request_derived(a, ctx.function) for a in list(node.args[:1]) + [k.value for k in node.keywords]):
            # sets and dicts grow with new keys only; keys from the request are unbounded
            return
        self._check(node.func.value, node, f"`{ast.unparse(node.func)}(...)`", ctx)

    @staticmethod
    def _membership_guarded(container: ast.expr, ctx: Context) -> bool:
        name = dotted(container)
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, ast.If):
                for test in ast.walk(ancestor.test):
                    if isinstance(test, ast.Compare) and any(isinstance(op, (ast.NotIn, ast.In)) for op in test.ops):
                        if any(dotted(c) == name for c in test.comparators):
                            return True
        return False

    def _check(self, container_node: ast.expr, node: ast.AST, action: str, ctx: Context) -> None:
        if not _request_code(ctx):
            return
        container = _container_for(ctx, container_node)
        if container is None or container.evicted:
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{action} in {describe_context(ctx)} adds to module-level {container.kind} "
                f"`{container.name}` on every request and nothing removes entries: it grows until the worker dies",
                hint="Use a bounded cache (cachetools.TTLCache/LRUCache with maxsize), Flask-Caching or Redis with a timeout.",
                evidence=[Evidence(f"`{container.name}` defined at module level", container.location), *ctx.chain_evidence(REQUEST)],
            )
        )


class UnboundedLruCache(Rule):
    """
    ## What it does
    Finds `functools.lru_cache(maxsize=None)` and `functools.cache` on
    functions that request code calls with arguments.

    ## Why is this bad?
    An unbounded memoising cache keeps one entry per distinct argument
    tuple for the life of the process. Fed with request data (ids, search
    terms, paths) it grows without limit; on methods it also keeps every
    `self` alive. A cache of a function without arguments holds one entry
    and is fine, as is `lru_cache()` with its default `maxsize=128`.

    ## Example
    ```python
    @functools.cache
    def search(term):
        return expensive(term)

    @app.get("/search")
    def view():
        return search(request.args["q"])
    ```

    ## Use instead
    ```python
    @functools.lru_cache(maxsize=1024)
    def search(term):
        return expensive(term)
    ```

    ## Fix safety
    No automatic fix: the right bound depends on the data.

    ## References
    - Python docs: functools.lru_cache, functools.cache
    """

    code = "FD102"
    name = "unbounded-lru-cache"
    severity = Severity.WARNING
    catalog = ("S16",)
    summary = "Unbounded functools cache on a function that request code calls with arguments."

    VALID = (
        Valid("""
            import functools
            from flask import Flask, request
            app = Flask(__name__)

            @functools.lru_cache(maxsize=512)
            def search(term):
                return term.upper()

            @functools.cache
            def settings():
                return {}

            @app.get("/search")
            def view():
                return search(request.args["q"]) + str(settings())
            """),
        Valid("""
            from functools import cache

            @cache
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            """),
    )
    INVALID = (
        Invalid("""
            from functools import lru_cache
            from flask import Flask, request
            app = Flask(__name__)
            @lru_cache(maxsize=None)  # expect
            def search(term):
                return term.upper()

            @app.get("/search")
            def view():
                return search(request.args["q"])
            """, message="maxsize=None"),
        Invalid("""
            import functools
            from flask import Flask
            app = Flask(__name__)
            @functools.cache  # expect
            def user_name(user_id):
                return str(user_id)

            @app.get("/u/<int:uid>")
            def view(uid):
                return user_name(uid)
            """, message="functools.cache"),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> None:
        info = ctx.project.function_at.get((ctx.module.path, node.lineno, node.col_offset))
        if info is None or REQUEST not in info.contexts or ctx.is_test_code():
            return
        params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
        if not params and not node.args.vararg and not node.args.kwarg:
            return
        table = info.imports
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = table.qualify(dotted(target) or "") or dotted(target) or ""
            label = None
            if name in ("functools.cache",):
                label = "functools.cache"
            elif name == "functools.lru_cache" and isinstance(deco, ast.Call):
                maxsize = next((kw.value for kw in deco.keywords if kw.arg == "maxsize"), deco.args[0] if deco.args else None)
                if isinstance(maxsize, ast.Constant) and maxsize.value is None:
                    label = "lru_cache(maxsize=None)"
            if label is None:
                continue
            site = self._request_fed_call(info)
            if site is None:
                continue
            caller, call = site
            ctx.report(
                self.finding(
                    ctx.location(deco),
                    f"`{label}` on `{info.display}`, which {caller.display} calls with request data "
                    f"(`{ast.unparse(call)[:80]}`): one entry per distinct value is kept for the life of the worker",
                    hint="Give it a bound: functools.lru_cache(maxsize=1024), or cachetools.TTLCache for data that changes.",
                    evidence=[Evidence(f"called with request data in `{caller.display}`", Location(caller.module.path, call.lineno, call.col_offset + 1))],
                )
            )

    def _request_fed_call(self, info):  # type: ignore[no-untyped-def]
        """The first call site in request code that passes request data to ``info``."""
        for site in self.project.calls:
            caller = site.function
            if caller is None or REQUEST not in caller.contexts:
                continue
            if site.name.rsplit(".", 1)[-1] != info.name:
                continue
            if self.project.resolve_function(dotted(site.node.func) or "", caller, site.module) is not info:
                continue
            args = list(site.node.args) + [k.value for k in site.node.keywords]
            if any(request_derived(a, caller) for a in args):
                return caller, site.node
        return None

    visit_AsyncFunctionDef = visit_FunctionDef


class WeakValueDictImmortalValues(Rule):
    """
    ## What it does
    Finds values stored in a `weakref.WeakValueDictionary` that cannot be
    weakly referenced: `str`, `int`, `bytes`, `tuple`, `float`, `None`.

    ## Why is this bad?
    `WeakValueDictionary` holds weak references to its values, and CPython
    cannot create weak references to these built-in types: the assignment
    raises `TypeError: cannot create weak reference to 'str' object` at run
    time. It is sometimes suggested as a cure for unbounded caches; it does
    not work for such values.

    ## Example
    ```python
    names = weakref.WeakValueDictionary()
    names[user_id] = f"{first} {last}"
    ```

    ## Use instead
    ```python
    names = cachetools.LRUCache(maxsize=10_000)
    names[user_id] = f"{first} {last}"
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Python docs: weakref — "several built-in types such as list and dict do not directly support weak references"
    """

    code = "FD103"
    name = "weak-value-dict-immortal-values"
    severity = Severity.ERROR
    catalog = ("S16",)
    summary = "A str/int/tuple value stored in a WeakValueDictionary raises TypeError."

    VALID = (
        Valid("""
            import weakref

            class Session:
                pass

            live = weakref.WeakValueDictionary()

            def track(key):
                live[key] = Session()
            """),
    )
    INVALID = (
        Invalid("""
            import weakref
            names = weakref.WeakValueDictionary()

            def remember(uid, first, last):
                names[uid] = f"{first} {last}"  # expect
            """, message="TypeError"),
        Invalid("""
            from weakref import WeakValueDictionary

            def build():
                cache = WeakValueDictionary()
                cache["a"] = 42  # expect
                return cache
            """),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        kind = _immortal_kind(node.value)
        if kind is None:
            return
        for target in node.targets:
            if not isinstance(target, ast.Subscript):
                continue
            type_name = ctx.type_of(target.value)
            if type_name not in ("weakref.WeakValueDictionary",):
                continue
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"storing a {kind} in WeakValueDictionary `{ast.unparse(target.value)}` raises "
                    f"TypeError: cannot create weak reference to '{kind}' object",
                    hint="Use a bounded cache (cachetools.LRUCache/TTLCache) for plain values.",
                )
            )


def _immortal_kind(value: ast.expr) -> str | None:
    if isinstance(value, ast.Constant):
        return type(value.value).__name__ if value.value is not None else "NoneType"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Tuple):
        return "tuple"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("str", "int", "float", "tuple", "bytes"):
        return value.func.id
    return None


REQUEST_DATA = ("flask.request", "flask.session", "flask.g", "flask_login.current_user")


class GlobalStateInRequest(Rule):
    """
    ## What it does
    Finds request code that assigns module globals (`global counter;
    counter += 1`, `global current_user; current_user = ...`).

    ## Why is this bad?
    A worker serves many requests at once with threads or greenlets, and a
    deployment runs many workers. A global counter updated with `+=` loses
    updates under concurrency and only counts one process; a global set to
    the current user in `before_request` is read by *another* request
    running in the same process, which then acts as the wrong user.
    Assigning globals at import time, in CLI commands or in
    `if __name__ == "__main__":` blocks is fine and not reported.

    ## Example
    ```python
    current_user = None

    @app.before_request
    def load_user():
        global current_user
        current_user = User.query.get(session["uid"])
    ```

    ## Use instead
    ```python
    @app.before_request
    def load_user():
        g.user = User.query.get(session["uid"])
    ```
    and Redis `INCR` or a database counter for counts.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "The Application Context" / `flask.g`
    - Redis INCR: atomic counters shared by every worker
    """

    code = "FD104"
    name = "global-state-in-request"
    severity = Severity.WARNING
    catalog = ("S14", "S19")
    summary = "Request code assigns a module global (lost updates, one user's data in another request)."

    VALID = (
        Valid("""
            from flask import Flask, g
            app = Flask(__name__)
            VERSION = None

            def configure():
                global VERSION
                VERSION = "1.0"

            configure()

            @app.before_request
            def load():
                g.user = "x"
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            _client = None

            def client():
                global _client
                if _client is None:
                    _client = object()
                return _client

            @app.get("/")
            def index():
                return str(client())
            """),
        Valid("""
            import click
            counter = 0

            @click.command()
            def bump():
                global counter
                counter += 1

            if __name__ == "__main__":
                counter = 5
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            hits = 0

            @app.route("/")
            def index():
                global hits
                hits += 1  # expect
                return str(hits)
            """, message="lose updates"),
        Invalid("""
            from flask import Flask, session
            app = Flask(__name__)
            current_user = None

            @app.before_request
            def load_user():
                global current_user
                current_user = session.get("uid")  # expect
            """, message="another request"),
    )

    def visit_Global(self, node: ast.Global, ctx: Context) -> None:
        if not ctx.in_request or ctx.function is None or ctx.is_test_code():
            return
        names = set(node.names)
        for stmt in ast.walk(ctx.function.node):
            target: ast.expr | None = None
            augmented = False
            if isinstance(stmt, ast.AugAssign):
                target, augmented = stmt.target, True
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                target = next((t for t in targets if isinstance(t, ast.Name) and t.id in names), None)
            if not (isinstance(target, ast.Name) and target.id in names):
                continue
            value = getattr(stmt, "value", None)
            if not augmented and (value is None or not request_derived(value, ctx.function)):
                # lazy singletons and caches set once are not request state
                continue
            if augmented:
                message = (
                    f"`global {target.id}` updated with `{ast.unparse(stmt)}` in {describe_context(ctx)}: concurrent requests "
                    f"lose updates, and each worker process counts only its own requests"
                )
                hint = "Count in Redis (INCR) or the database; keep per-request data on `g`."
            else:
                message = (
                    f"`global {target.id}` assigned in {describe_context(ctx)}: the value is shared by every request the "
                    f"worker serves, so another request can read this request's `{target.id}`"
                )
                hint = "Store per-request data on `flask.g` (or use flask_login.current_user)."
            ctx.report(self.finding(ctx.location(stmt), message, hint=hint, evidence=ctx.chain_evidence(REQUEST)))
