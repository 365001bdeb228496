"""FD510 error-detail-hidden-only-in-debug: an error handler hides the exception text only when debug is on."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.context import node_location
from flask_doctor.static.facts.error_handlers import (
    debug_polarity,
    error_handlers,
    exception_text,
    first_param,
    generic_text,
)
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class ErrorDetailHiddenOnlyInDebug(Rule):
    """
    ## What it does
    Finds error handlers that put the exception's text (`str(e)`,
    `repr(e)`, `f"{e}"`, `traceback.format_exc()`) in a variable, replace
    it with a generic message under a test of the debug flag that is true
    in *debug* mode (`if app.debug:`), and then send the variable to the
    client.

    ## Why is this bad?
    Hiding error details is meant for production, where the text of an
    unhandled exception carries SQL statements, file paths, host names or
    parts of other users' data. With the test the wrong way round the
    generic message is shown to the developer, and every production user
    (or attacker) gets the raw exception text. A handler that replaces the
    text when debug is *off* (`if not app.debug:`, or in the `else:` of `if
    app.debug:`), or that shows the text only under `if app.debug:`, is
    fine and not reported.

    ## Example
    ```python
    @app.errorhandler(Exception)
    def error_handler(e):
        error = str(e)
        if current_app.debug:
            error = "Internal error. Retry later."
        return jsonify(error=error), 500
    ```

    ## Use instead
    ```python
    @app.errorhandler(Exception)
    def error_handler(e):
        error = str(e)
        if not current_app.debug:
            error = "Internal error. Retry later."
        return jsonify(error=error), 500
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - OWASP: "Improper Error Handling" (error details disclosed to users)
    - CWE-209: Generation of Error Message Containing Sensitive Information
    """

    code = "FD510"
    name = "error-detail-hidden-only-in-debug"
    severity = Severity.WARNING
    catalog = ()
    summary = "An error handler hides the exception text only when debug is on: production users see it."

    VALID = (
        Valid("""
            from flask import Flask, current_app, jsonify
            app = Flask(__name__)

            @app.errorhandler(Exception)
            def error_handler(e):
                error = str(e) or repr(e)
                if not current_app.debug:
                    error = "Internal error. Retry later."
                return jsonify(error=error), 500

            @app.errorhandler(500)
            def server_error(e):
                message = f"{type(e).__name__}: {e}"
                if app.config["DEBUG"]:
                    message = message + " (debug)"
                else:
                    message = "Something went wrong"
                return jsonify(error=message), 500
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, current_app, jsonify, render_template
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            def error_handler(e):
                status_code = e.code if isinstance(e, HTTPException) else None
                error = str(e) or repr(e)
                if status_code is None:
                    status_code = 500
                    if current_app.debug:  # expect
                        error = "Internal error. Retry later or contact administrator."
                if current_app.config.get("JSON_ERRORS"):
                    return jsonify(error=error), status_code
                return render_template("error.html", message=error), status_code

            app.register_error_handler(Exception, error_handler)
            """,
            message="production",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        seen: set[str] = set()
        # a handler registered for ``Exception`` is described by that registration, not by a loop over codes
        for handler in sorted(error_handlers(project), key=lambda h: "broad" not in h.kinds()):
            fn = handler.function
            param = first_param(fn)
            if fn.qualname in seen or param is None:
                continue
            seen.add(fn.qualname)
            nodes = list(body_nodes(fn.node.body))
            details = {
                node.targets[0].id: node
                for node in nodes
                if isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and exception_text(node.value, param)
            }
            if not details:
                continue
            for node in nodes:
                if not isinstance(node, ast.If):
                    continue
                polarity = debug_polarity(node.test)
                if polarity is None:
                    continue
                hiding, showing = (node.body, node.orelse) if polarity else (node.orelse, node.body)
                for name, detail in details.items():
                    if detail.lineno > node.lineno or not _replaced(hiding, name) or _replaced(showing, name):
                        continue
                    if not _sent_after(nodes, name, node):
                        continue
                    test = ast.unparse(node.test)
                    report(
                        self.finding(
                            node_location(fn.module.path, node),
                            f"error handler `{fn.display}` replaces the exception text in `{name}` "
                            f"(`{ast.unparse(detail.value)[:40]}`) with a generic message only in debug mode (when "
                            f"`{test}` is {'true' if polarity else 'false'}): in production the raw text of "
                            f"every unhandled exception (SQL, paths, host names) is sent to the client. The test "
                            f"looks inverted",
                            hint=f"Hide the detail when debug is off: `if not ({test}): {name} = ...`.",
                            evidence=[
                                Evidence(f"`{name}` holds the exception text", node_location(fn.module.path, detail)),
                                Evidence(f"registered with {handler.describe()}", handler.location),
                            ],
                        )
                    )


def _replaced(stmts: list[ast.stmt], name: str) -> bool:
    """``name = "generic message"`` somewhere in ``stmts``."""
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        and generic_text(node.value)
        for node in body_nodes(stmts)
    )


def _sent_after(nodes: list[ast.AST], name: str, test: ast.If) -> bool:
    """``name`` is returned after the test (``return jsonify(error=name)``), directly or through a variable
    (``response = jsonify(error=name)`` ... ``return response``)."""
    end = test.end_lineno or test.lineno
    carriers = {name}
    for node in nodes:
        if isinstance(node, ast.Assign) and node.lineno > end and _reads(node.value, carriers):
            carriers.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return any(
        isinstance(node, ast.Return) and node.lineno > end and node.value is not None and _reads(node.value, carriers)
        for node in nodes
    )


def _reads(expr: ast.expr, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))
