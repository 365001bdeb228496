"""FD103 weak-value-dict-immortal-values: A str/int/tuple value stored in a WeakValueDictionary raises TypeError."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.state import immortal_kind
from flask_doctor.static.facts.taint import USER_INPUT, taint
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid

#: Request values that keep the client's text: strings, never objects a weak reference can point to
#: (uploaded files and the raw stream are objects).
_REQUEST_TEXT = USER_INPUT.without(frozenset({"files", "stream"}))


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
        Invalid(
            """
            import weakref
            names = weakref.WeakValueDictionary()

            def remember(uid, first, last):
                names[uid] = f"{first} {last}"  # expect
            """,
            message="TypeError",
        ),
        Invalid("""
            from weakref import WeakValueDictionary

            def build():
                cache = WeakValueDictionary()
                cache["a"] = 42  # expect
                return cache
            """),
        # text the client sent is a str
        Invalid("""
            import weakref
            from flask import Flask, request
            app = Flask(__name__)
            _names = weakref.WeakValueDictionary()

            @app.get("/name/<int:uid>")
            def name(uid):
                _names[uid] = request.args.get("display", "")  # expect
                return "ok"
            """),
    )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        weak = [
            target
            for target in node.targets
            if isinstance(target, ast.Subscript) and ctx.type_of(target.value) == "weakref.WeakValueDictionary"
        ]
        if not weak:
            return
        kind = immortal_kind(node.value)
        if kind is None and ctx.function is not None:
            # text the client sent (``request.args.get("name")``) is a str, or JSON made of str/list/dict
            if taint(ctx.project, ctx.function, _REQUEST_TEXT).source(node.value) is not None:
                kind = "str"
        if kind is None:
            return
        for target in weak:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"storing a {kind} in WeakValueDictionary `{ast.unparse(target.value)}` raises "
                    f"TypeError: cannot create weak reference to '{kind}' object",
                    hint="Use a bounded cache (cachetools.LRUCache/TTLCache) for plain values.",
                )
            )
