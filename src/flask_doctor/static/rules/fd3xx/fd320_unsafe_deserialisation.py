"""FD320 unsafe-deserialisation: pickle/marshal/jsonpickle loading request or cache data (code execution)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.deserialisers import (
    CACHE_NAME,
    CACHE_READS,
    CACHE_TYPES,
    PICKLE_FUNCS,
)
from flask_doctor.static.facts.taint import assignments, describe_source, taint
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class UnsafeDeserialisation(Rule):
    """
    ## What it does
    Finds `pickle.loads`/`pickle.load` (and `dill`, `cloudpickle`,
    `jsonpickle.decode`, `marshal.loads`, `pandas.read_pickle`) of request
    data (a body, an upload, a cookie, a header) or of bytes read from Redis
    or a cache.

    ## Why is this bad?
    Unpickling calls whatever the data asks for (`__reduce__` returns
    `os.system` and its argument): a client that can send pickle data, or
    write to the Redis the app reads, runs code in the worker. Request data
    is an error; cache and Redis data is a warning, because it takes a
    second foothold (network access to Redis, a cache key the user can
    write) to exploit.

    ## Example
    ```python
    @app.post("/restore")
    def restore():
        state = pickle.loads(request.get_data())
    ```

    ## Use instead
    ```python
    @app.post("/restore")
    def restore():
        state = json.loads(request.get_data())
    ```
    or sign what you must pickle (`itsdangerous`) and verify before loading.

    ## Fix safety
    No automatic fix: the data format changes.

    ## References
    - Python docs, pickle: "Warning: The pickle module is not secure. Only unpickle data you trust."
    - jsonpickle docs: "do not load untrusted data"
    """

    code = "FD320"
    name = "unsafe-deserialisation"
    severity = Severity.ERROR
    catalog = ()
    summary = "pickle/marshal/jsonpickle loading request or cache data (code execution)."

    call_names = last_segments(PICKLE_FUNCS)

    VALID = (
        Valid("""
            import json
            import pickle
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/restore")
            def restore():
                return json.loads(request.get_data())

            def load_model(path="model.pkl"):
                with open(path, "rb") as fh:
                    return pickle.load(fh)
            """),
        Valid("""
            import pickle

            def roundtrip(obj):
                return pickle.loads(pickle.dumps(obj))
            """),
    )
    INVALID = (
        Invalid(
            """
            import pickle
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/restore")
            def restore():
                state = pickle.loads(request.get_data())  # expect
                return str(state)
            """,
            message="request.get_data()",
        ),
        Invalid(
            """
            import pickle
            import redis
            r = redis.Redis()

            def cached_report(key):
                raw = r.get(key)
                return pickle.loads(raw) if raw else None  # expect
            """,
            message="Redis",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        name = ctx.resolve(node.func)
        label = PICKLE_FUNCS.get(name)
        if label is None:
            return
        arg = node.args[0]
        source = taint(ctx.project, ctx.function).source(arg) if ctx.function is not None else None
        if source is not None:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{label}()` in {describe_context(ctx)} deserialises {describe_source(source)}: the client "
                    f"chooses which callables run while loading (remote code execution)",
                    hint="Use JSON (or another data-only format) for data from clients.",
                )
            )
            return
        cache = self._cache_read(arg, ctx)
        if cache is not None:
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"`{label}()` deserialises `{short(cache, 50)}` read from Redis/a cache: whoever can write that "
                    f"key (anyone who reaches the Redis port) runs code in the worker",
                    hint="Store JSON in the cache, or sign pickled values (itsdangerous) and verify before loading.",
                    severity=min(Severity.WARNING, self.effective_severity),
                )
            )

    def _cache_read(self, arg: ast.expr, ctx: Context) -> ast.expr | None:
        candidates: list[ast.expr] = [arg]
        if isinstance(arg, ast.Name) and ctx.function is not None:
            candidates = [v for t, v in assignments(ctx.project, ctx.function) if t == arg.id]
        elif isinstance(arg, ast.Name):
            return None
        for value in candidates:
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in CACHE_READS:
                receiver = value.func.value
                type_name = ctx.type_of(receiver) or ""
                text = (dotted(receiver) or "").lower()
                if type_name.startswith(CACHE_TYPES) or CACHE_NAME().search(text):
                    return value
        return None
