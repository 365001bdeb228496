"""FD703 memoize-request-dependent-self: @cache.memoize on a method of per-request objects keyed by their memory address."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.caching import (
    cache_decorator,
    is_view_class,
    memo_identity,
    request_instantiations,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location


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
    `__caching_id__` (including the one `@dataclass` and attrs write) are
    fine and not reported.

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
        # a dataclass writes a `__repr__` of its fields: the key names the shop, not the address
        Valid("""
            from flask_doctor.dataclass import dataclass
            from flask import Flask
            from flask_caching import Cache
            app = Flask(__name__)
            cache = Cache(app)

            @dataclass
            class Report:
                shop_id: int

                @cache.memoize(timeout=300)
                def totals(self):
                    return self.shop_id * 2

            @app.get("/report/<int:shop_id>")
            def report(shop_id):
                return str(Report(shop_id).totals())
            """),
    )
    INVALID = (
        Invalid(
            """
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
            """,
            message="memory address",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for fn in project.functions.values():
            if not fn.class_name or not fn.node.decorator_list:
                continue
            deco = cache_decorator(project, fn, "memoize")
            if deco is None or is_test_path(fn.module.path):
                continue
            params = fn.node.args.posonlyargs + fn.node.args.args
            if not params or params[0].arg != "self":
                continue
            if any((dotted(d) or "").endswith(("classmethod", "staticmethod")) for d in fn.node.decorator_list):
                continue
            class_qual = fn.qualname.rsplit(".", 1)[0]
            if memo_identity(project, class_qual) != "default":
                continue
            sites = request_instantiations(project, class_qual, fn.class_name)
            if sites:
                site_fn, call = sites[0]
                created = f"`{fn.class_name}(...)` is created in request code (`{site_fn.display}`)"
                where = node_location(site_fn.module.path, call)
                evidence = [Evidence(f"`{fn.class_name}` instantiated per request", where)]
            elif is_view_class(project, class_qual):
                created = f"`{fn.class_name}` is a view class, which Flask instantiates for every request"
                evidence = []
            else:
                continue
            report(
                self.finding(
                    node_location(fn.module.path, deco),
                    f"`@{ast.unparse(deco.func if isinstance(deco, ast.Call) else deco)}` on `{fn.display}` keys "
                    f"the cache by `repr(self)`, and `{fn.class_name}` defines neither `__repr__` nor `__caching_id__`, "
                    f"so the key is the object's memory address; {created}: the cache never hits, and a reused address "
                    f"returns another object's result",
                    hint=f"Define `__caching_id__(self)` on `{fn.class_name}` returning what the result depends on "
                    "(e.g. the user or record id), or memoize a module-level function that takes those values.",
                    evidence=evidence,
                )
            )
