"""FD102 unbounded-lru-cache: Unbounded functools cache on a function that request code calls with arguments."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.caching import beaker_memory_cache
from flask_doctor.static.facts.flows import callers, fed_request_data
from flask_doctor.static.facts.state import fixed_choice, keyed_by_user
from flask_doctor.static.facts.taint import request_varied
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    FixExample,
    Invalid,
    Rule,
    Valid,
)

#: cachetools' memoising decorators: bounded only by the cache object they are given.
_CACHETOOLS_DECORATORS = ("cachetools.cached", "cachetools.cachedmethod")


_BOUND_HINT = "Give it a bound: functools.lru_cache(maxsize=1024), or cachetools.TTLCache for data that changes."
_BEAKER_HINT = (
    "Bound it: cachetools.TTLCache(maxsize=..., ttl=...) keyed the same way, or a shared backend "
    "(Beaker `ext:memcached`/`ext:redis`) that evicts on its own."
)


def _plain_dict(store: ast.expr | None, table) -> bool:  # type: ignore[no-untyped-def]
    """``{}`` or ``dict()``: a cache object that never evicts (not ``LRUCache(maxsize=...)``)."""
    if isinstance(store, ast.Dict):
        return not store.keys
    if isinstance(store, ast.Call) and not store.args and not store.keywords:
        name = dotted(store.func) or ""
        return (table.qualify(name) or name) in ("dict", "builtins.dict")
    return False


def _has_parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function takes arguments (besides ``self``/``cls``): a cache of it can hold more than one entry."""
    args = node.args
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg not in ("self", "cls")]
    return bool(params or args.vararg or args.kwarg)


def _unbounded_cache(deco: ast.expr, table) -> str | None:  # type: ignore[no-untyped-def]
    """How ``deco`` (a decorator, or the callable a function is passed to) caches without a bound, else None."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    name = table.qualify(dotted(target) or "") or dotted(target) or ""
    if name == "functools.cache":
        return "functools.cache"
    if name == "functools.lru_cache" and isinstance(deco, ast.Call):
        maxsize = next((kw.value for kw in deco.keywords if kw.arg == "maxsize"), deco.args[0] if deco.args else None)
        if isinstance(maxsize, ast.Constant) and maxsize.value is None:
            return "lru_cache(maxsize=None)"
    elif name in _CACHETOOLS_DECORATORS and isinstance(deco, ast.Call):
        store = next((kw.value for kw in deco.keywords if kw.arg == "cache"), deco.args[0] if deco.args else None)
        if _plain_dict(store, table):
            return f"{name.rsplit('.', 1)[-1]}(cache={ast.unparse(store)})"  # type: ignore[arg-type]
    return None


class UnboundedLruCache(Rule):
    """
    ## What it does
    Finds `functools.lru_cache(maxsize=None)`, `functools.cache`,
    cachetools' `@cached(cache={})` (a plain dict never evicts) and the
    `@manager.cache(...)` decorator of a Beaker `CacheManager` whose type is
    `memory` (the type it uses when none is given) on functions that request
    code calls with arguments. Beaker's memory backend is a plain dict per
    namespace that drops an expired entry only when the same key is read
    again, so an `expire=` bounds nothing. When request code reaches such a
    Beaker-cached function but the values of its arguments cannot be traced
    to the request (the caller is a backend chosen by configuration), it is
    a note.

    ## Why is this bad?
    An unbounded memoising cache keeps one entry per distinct argument
    tuple for the life of the process. Fed with request data (ids, search
    terms, paths) it grows without limit; on methods it also keeps every
    `self` alive (a method of a module-level object, `catalog.item(sku)`,
    counts like a function). A cache of a function without arguments holds
    one entry and is fine, as is `lru_cache()` with its default
    `maxsize=128`. So is one fed only the logged-in user's identity
    (`current_user.id`, `session["user_id"]`: one entry per account) or a
    value picked from a set written in the code (a member of an `Enum`).

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
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from functools import lru_cache
            from flask import Flask, request
            app = Flask(__name__)

            @lru_cache(maxsize=None)
            def search(term):
                return term.upper()

            @app.get("/search")
            def view():
                return search(request.args["q"])
            """,
        after="""
            from functools import lru_cache
            from flask import Flask, request
            app = Flask(__name__)

            @lru_cache(maxsize=1024)
            def search(term):
                return term.upper()

            @app.get("/search")
            def view():
                return search(request.args["q"])
            """,
    )

    VALID = (
        # Keyed by the logged-in account and by a member of an enumeration: one entry per user or per choice.
        Valid("""
            import enum
            import functools
            from flask import Flask, request
            from flask_login import current_user
            app = Flask(__name__)

            class Unit(enum.Enum):
                metric = "metric"
                imperial = "imperial"

            @functools.cache
            def dashboard_for(account_id, unit):
                return {"account": account_id, "unit": unit.value}

            @app.get("/dashboard")
            def dashboard():
                return dashboard_for(current_user.id, Unit(request.args.get("unit", "metric")))
            """),
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

            def _rate(currency):
                return currency

            rate = functools.lru_cache(maxsize=256)(_rate)

            @app.get("/search")
            def view():
                return search(request.args["q"]) + str(settings()) + rate(request.args["c"])
            """),
        # a Beaker manager that keeps its entries in Redis: the store evicts, the worker does not grow
        Valid("""
            from beaker.cache import CacheManager
            from beaker.util import parse_cache_config_options
            from flask import Flask, request
            app = Flask(__name__)
            shared = CacheManager(**parse_cache_config_options({"cache.type": "ext:redis", "cache.url": "redis://c"}))

            @shared.cache("totals", expire=600)
            def totals(team):
                return team.upper()

            @app.get("/totals")
            def view():
                return totals(request.args["team"])
            """),
        Valid("""
            from functools import cache

            @cache
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            """),
    )
    INVALID = (
        Invalid(
            """
            from functools import lru_cache
            from flask import Flask, request
            app = Flask(__name__)
            @lru_cache(maxsize=None)  # expect
            def search(term):
                return term.upper()

            @app.get("/search")
            def view():
                return search(request.args["q"])
            """,
            message="maxsize=None",
        ),
        Invalid(
            """
            import functools
            from flask import Flask
            app = Flask(__name__)
            @functools.cache  # expect
            def user_name(user_id):
                return str(user_id)

            @app.get("/u/<int:uid>")
            def view(uid):
                return user_name(uid)
            """,
            message="functools.cache",
        ),
        # cachetools' decorator with a plain dict, and lru_cache applied by a call instead of a decorator.
        Invalid(
            """
            import functools
            from cachetools import cached
            from flask import Flask, request
            app = Flask(__name__)

            @cached(cache={})  # expect
            def avatar(email):
                return email.lower()

            def _fetch(url):
                return url.upper()

            fetch = functools.lru_cache(maxsize=None)(_fetch)  # expect

            @app.get("/avatar")
            def view():
                return avatar(request.args["email"]) + fetch(request.args["url"])
            """,
            message="calls with request data",
        ),
        # a cached method of an object built once at import, reached from a view through a service function
        Invalid(
            """
            import functools
            from flask import Flask
            app = Flask(__name__)

            class PriceList:
                @functools.lru_cache(maxsize=None)  # expect
                def price(self, sku):
                    return len(sku) * 100

            prices = PriceList()

            def quote(sku):
                return prices.price(sku)

            @app.get("/quote/<sku>")
            def view(sku):
                return {"price": quote(sku)}
            """,
            message="calls with request data",
        ),
        # a Beaker cache manager with the memory backend (its default type), keyed by a query parameter
        Invalid(
            """
            from beaker.cache import CacheManager
            from flask import Flask, request
            app = Flask(__name__)
            memo = CacheManager(expire=3600)

            @memo.cache("digest")  # expect
            def digest(owner, days):
                return owner * days

            @app.get("/digest")
            def view():
                return digest(request.args["owner"], 7)
            """,
            message="Beaker's memory backend",
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> None:
        info = ctx.project.function_at.get((ctx.module.path, node.lineno, node.col_offset))
        if info is None or REQUEST not in info.contexts or ctx.is_test_code():
            return
        if not _has_parameters(node):
            return
        reaching: set[int] | None = None
        for deco in node.decorator_list:
            label, beaker = _unbounded_cache(deco, info.imports), False
            if label is None:
                manager = beaker_memory_cache(ctx.project, deco, ctx.module.name)
                label, beaker = (f"{manager}.cache(...)", True) if manager is not None else (None, False)
            if label is None:
                continue
            if reaching is None:
                # the calls that reach it, also through an object (``catalog.item(sku)`` on a module-level
                # instance); asked only for a cached function: the callers fact resolves every call of the project
                reaching = {id(call) for call, _caller in callers(ctx.project).get(info.qualname, ())}
            site = self._request_fed_call(
                lambda site, caller, reaching=reaching: (
                    id(site.node) in reaching or self._calls_function(site, caller, info)
                )
            )
            if site is not None:
                self._report(ctx, deco, label, f"`{info.display}`", site, beaker=beaker)
            elif beaker:
                self._untraced_beaker(ctx, deco, label, info)

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        """``fetch = functools.lru_cache(maxsize=None)(_fetch)`` at module level: the same cache, applied by a
        call instead of a decorator."""
        if ctx.function is not None or ctx.is_test_code() or len(node.targets) != 1:
            return
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call) and len(value.args) == 1):
            return
        table = ctx.import_table()
        label = _unbounded_cache(value.func, table) if table is not None else None
        wrapped = ctx.project.resolve_function(dotted(value.args[0]) or "", None, ctx.module)
        if label is None or wrapped is None or not _has_parameters(wrapped.node):
            return
        qualname = f"{ctx.module.name}.{target.id}"

        def calls_it(site, caller):  # type: ignore[no-untyped-def]
            if site.module is ctx.module and dotted(site.node.func) == target.id:
                return target.id not in caller.local_names
            return site.name == qualname

        site = self._request_fed_call(calls_it)
        if site is not None:
            self._report(ctx, value.func, label, f"`{target.id}` (`{wrapped.display}`)", site)

    def _report(self, ctx: Context, at: ast.AST, label: str, what: str, site, beaker: bool = False) -> None:  # type: ignore[no-untyped-def]
        caller, call = site
        kept = (
            "Beaker's memory backend keeps one entry per distinct value in a plain dict and drops an expired one "
            "only when the same key is read again"
            if beaker
            else "one entry per distinct value is kept for the life of the worker"
        )
        ctx.report(
            self.finding(
                ctx.location(at),
                f"`{label}` on {what}, which {caller.display} calls with request data "
                f"(`{ast.unparse(call)[:80]}`): {kept}",
                hint=_BEAKER_HINT if beaker else _BOUND_HINT,
                evidence=[
                    Evidence(
                        f"called with request data in `{caller.display}`",
                        Location(caller.module.path, call.lineno, call.col_offset + 1),
                    )
                ],
            )
        )

    def _untraced_beaker(self, ctx: Context, at: ast.AST, label: str, info) -> None:  # type: ignore[no-untyped-def]
        """A Beaker memory cache on a function request code reaches with arguments whose origin is not traced
        (the caller is dispatched through a configured backend): the growth is possible, not shown, so a note."""
        ctx.report(
            self.finding(
                ctx.location(at),
                f"`{label}` on `{info.display}`, which request code reaches with arguments: Beaker's memory backend "
                "keeps one entry per distinct argument tuple in a plain dict and drops an expired one only when the "
                "same key is read again; if the arguments come from the request (an id, a limit), it grows "
                "without bound",
                hint=_BEAKER_HINT,
                severity=Severity.NOTE,
            )
        )

    def _calls_function(self, site, caller, info) -> bool:  # type: ignore[no-untyped-def]
        if site.name.rsplit(".", 1)[-1] != info.name:
            return False
        return self.project.resolve_function(dotted(site.node.func) or "", caller, site.module) is info

    def _request_fed_call(self, matches):  # type: ignore[no-untyped-def]
        """The first call site in request code that ``matches`` and passes request data: read in the caller
        (more values than the app has routes), or passed in to the caller by its own caller."""
        for site in self.project.calls:
            caller = site.function
            if caller is None or REQUEST not in caller.contexts or not matches(site, caller):
                continue
            args = list(site.node.args) + [k.value for k in site.node.keywords]
            if any(
                (request_varied(self.project, a, caller) or fed_request_data(self.project, caller, a) is not None)
                # the logged-in user's identity, or one of a set of values written in the code: one entry per
                # account or per choice, not per request (as FD101 counts a dict keyed so)
                and not keyed_by_user(a)
                and not fixed_choice(self.project, caller, a)
                for a in args
            ):
                return caller, site.node
        return None

    visit_AsyncFunctionDef = visit_FunctionDef
