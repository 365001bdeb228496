"""FD104 global-state-in-request: Request code assigns a module global (lost updates, one user's data in another request)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.calls import cooperative
from flask_doctor.static.facts.state import in_request_code, module_container_for
from flask_doctor.static.facts.taint import request_derived
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class GlobalStateInRequest(Rule):
    """
    ## What it does
    Finds request code that assigns module globals (`global counter;
    counter += 1` or `counter = counter + 1`, `global current_user;
    current_user = ...`) or updates a module-level dict in place
    (`STATS["hits"] += 1`, `COUNTS[k] = COUNTS.get(k, 0) + 1`).

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
        # a cache filled once per key (or-assignment), and a total computed from other entries
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            TOTALS = {"a": 1, "b": 2}
            LABELS = {}

            @app.get("/t")
            def totals():
                TOTALS["sum"] = TOTALS["a"] + TOTALS["b"]
                LABELS["x"] = LABELS.get("x") or "label"
                return str(TOTALS["sum"])
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            hits = 0

            @app.route("/")
            def index():
                global hits
                hits += 1  # expect
                return str(hits)
            """,
            message="lose updates",
        ),
        # Counters written the long way, and a module-level stats dict updated in place.
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            counter = 0
            STATS = {"downloads": 0}

            @app.get("/download")
            def download():
                global counter
                counter = counter + 1  # expect
                STATS["downloads"] += 1  # expect
                STATS["bytes"] = STATS.get("bytes", 0) + 512  # expect
                return str(counter)
            """,
            message="lose updates",
        ),
        Invalid(
            """
            from flask import Flask, session
            app = Flask(__name__)
            current_user = None

            @app.before_request
            def load_user():
                global current_user
                current_user = session.get("uid")  # expect
            """,
            message="another request",
        ),
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
            if not augmented and value is not None and _reads_itself(target.id, value):
                augmented = True  # ``hits = hits + 1``: the same read-modify-write as ``+=``
            if not augmented and (value is None or not request_derived(ctx.project, value, ctx.function)):
                # lazy singletons and caches set once are not request state
                continue
            if augmented:
                message = (
                    f"`global {target.id}` updated with `{ast.unparse(stmt)[:60]}` in {describe_context(ctx)}: "
                    f"{_lost_updates(ctx)}"
                )
                hint = "Count in Redis (INCR) or the database; keep per-request data on `g`."
            else:
                message = (
                    f"`global {target.id}` assigned in {describe_context(ctx)}: the value is shared by every request "
                    f"the worker serves, so another request can read this request's `{target.id}`"
                )
                hint = "Store per-request data on `flask.g` (or use flask_login.current_user)."
            quiet = augmented and cooperative(ctx.project)
            ctx.report(
                self.finding(
                    ctx.location(stmt),
                    message,
                    hint=hint,
                    evidence=ctx.chain_evidence(REQUEST),
                    severity=min(self.effective_severity, Severity.NOTE) if quiet else None,
                )
            )

    def visit_Assign(self, node: ast.Assign, ctx: Context) -> None:
        """``COUNTS[k] = COUNTS.get(k, 0) + 1``: the same read-modify-write as ``+=``, written the long way."""
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Subscript):
            return
        target = node.targets[0]
        name = dotted(target.value)
        if name and _reads_entry(name, target.slice, node.value):
            self._in_place(node, target, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: Context) -> None:
        """``STATS["hits"] += 1`` on a module-level dict: a read-modify-write without ``global``."""
        if isinstance(node.target, ast.Subscript):
            self._in_place(node, node.target, ctx)

    def _in_place(self, node: ast.AugAssign | ast.Assign, target: ast.Subscript, ctx: Context) -> None:
        if not in_request_code(ctx) or ctx.function is None:
            return
        container = module_container_for(ctx, target.value)
        if container is None or container.kind not in ("dict", "defaultdict", "Counter", "OrderedDict"):
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(node)[:60]}` in {describe_context(ctx)} updates module-level {container.kind} "
                f"`{container.name}` in place: {_lost_updates(ctx)}",
                severity=min(self.effective_severity, Severity.NOTE) if cooperative(ctx.project) else None,
                hint="Count in Redis (INCR/HINCRBY) or the database.",
                evidence=[
                    Evidence(f"`{container.name}` defined at module level", container.location),
                    *ctx.chain_evidence(REQUEST),
                ],
            )
        )


def _lost_updates(ctx: Context) -> str:
    """What goes wrong with a shared counter: lost updates under threads, per-process counts always."""
    if cooperative(ctx.project):
        return (
            "under gevent/eventlet nothing interrupts the update, but each worker process counts only its own "
            "requests (note: only wrong with several workers)"
        )
    return "concurrent requests lose updates, and each worker process counts only its own requests"


def _reads_itself(name: str, value: ast.expr) -> bool:
    """``name + 1`` / ``1 + name``: the new value is computed from the old one (``x = x or make()`` is a lazy
    initialisation, not a counter)."""
    return isinstance(value, ast.BinOp) and any(
        isinstance(side, ast.Name) and side.id == name for side in (value.left, value.right)
    )


def _reads_entry(name: str, key: ast.expr, value: ast.expr) -> bool:
    """``D.get(k, 0) + 1`` / ``D[k] + 1``: the new entry is computed from the old entry (same dict, same key)."""
    if not isinstance(value, ast.BinOp):
        return False
    wanted = ast.dump(key)
    for side in (value.left, value.right):
        if isinstance(side, ast.Subscript) and dotted(side.value) == name and ast.dump(side.slice) == wanted:
            return True
        if (
            isinstance(side, ast.Call)
            and isinstance(side.func, ast.Attribute)
            and side.func.attr == "get"
            and dotted(side.func.value) == name
            and side.args
            and ast.dump(side.args[0]) == wanted
        ):
            return True
    return False
