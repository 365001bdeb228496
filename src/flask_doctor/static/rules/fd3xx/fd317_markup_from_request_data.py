"""FD317 markup-from-request-data: Markup() marks request data as safe HTML (cross-site scripting)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.flows import sink_source
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

MARKUP_SINKS = {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.helpers.Markup"}


class MarkupFromRequestData(Rule):
    """
    ## What it does
    Finds `Markup(...)` (markupsafe, `flask.Markup`) wrapped around request
    data, directly or through an f-string, `+`, `%` or `.format`, in a view
    or in a helper a view calls with the value.

    ## Why is this bad?
    `Markup` tells Jinja "this string is already safe HTML, do not escape
    it". Wrapping user input in it switches autoescaping off for exactly
    the value that needs it: a comment containing `<script>` runs in every
    visitor's browser (stored or reflected XSS). `Markup("<b>%s</b>") % value`
    and `Markup("<b>{}</b>").format(value)` escape `value` and are fine, as
    is `escape(value)`.

    ## Example
    ```python
    flash(Markup(f"Welcome back, {request.form['name']}!"))
    ```

    ## Use instead
    ```python
    flash(Markup("Welcome back, {}!").format(request.form["name"]))
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - MarkupSafe docs: `Markup`, `escape`, formatting escapes its arguments
    - Flask docs, Security Considerations: Cross-Site Scripting
    """

    code = "FD317"
    name = "markup-from-request-data"
    severity = Severity.ERROR
    catalog = ()
    summary = "Markup() marks request data as safe HTML (cross-site scripting)."

    call_names = last_segments(MARKUP_SINKS)

    VALID = (
        Valid("""
            from flask import Flask, flash, request
            from markupsafe import Markup
            app = Flask(__name__)

            @app.post("/hello")
            def hello():
                flash(Markup("Welcome back, <b>{}</b>!").format(request.form["name"]))
                flash(Markup("<i>%s</i>") % request.form["name"])
                return "ok"
            """),
        Valid("""
            from markupsafe import Markup
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return Markup("<p>static</p>")
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, flash, request
            from markupsafe import Markup
            app = Flask(__name__)

            @app.post("/hello")
            def hello():
                name = request.form["name"]
                flash(Markup(f"Welcome back, <b>{name}</b>!"))  # expect
                return "ok"
            """,
            message="request.form['name']",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.function is None or ctx.is_test_code():
            return
        if ctx.resolve(node.func) not in MARKUP_SINKS:
            return
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        if isinstance(parent, ast.Attribute) and parent.attr in ("unescape", "striptags"):
            return  # Markup(text).unescape() turns entities back into plain text; nothing is rendered
        found = sink_source(ctx, node.args[0], ("escape", "bleach", "clean", "sanitize", "nh3"))
        if found is None:
            return
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`Markup({short(node.args[0], 50)})` in {describe_context(ctx)} marks {source} "
                f"as safe HTML: Jinja will not escape it, so a `<script>` in it runs in the visitor's browser",
                hint='Let Markup escape the value: Markup("<b>{}</b>").format(value), or use escape(value).',
                evidence=evidence,
            )
        )
