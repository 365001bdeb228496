"""FD102 unbounded-lru-cache: Unbounded functools cache on a function that request code calls with arguments."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.taint import request_derived
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    FixExample,
    Invalid,
    Rule,
    Valid,
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
    )

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> None:
        info = ctx.project.function_at.get((ctx.module.path, node.lineno, node.col_offset))
        if info is None or REQUEST not in info.contexts or ctx.is_test_code():
            return
        params = [
            a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")
        ]
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
                maxsize = next(
                    (kw.value for kw in deco.keywords if kw.arg == "maxsize"), deco.args[0] if deco.args else None
                )
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
                    evidence=[
                        Evidence(
                            f"called with request data in `{caller.display}`",
                            Location(caller.module.path, call.lineno, call.col_offset + 1),
                        )
                    ],
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
            if any(request_derived(self.project, a, caller) for a in args):
                return caller, site.node
        return None

    visit_AsyncFunctionDef = visit_FunctionDef
