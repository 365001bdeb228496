"""FD314 template-injection: A Jinja template is built from request data (server-side template injection)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.flows import sink_source
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

TEMPLATE_SINKS = {
    "flask.render_template_string",
    "flask.templating.render_template_string",
    "jinja2.Template",
    "flask.stream_template_string",
    "flask.templating.stream_template_string",
}


class TemplateInjection(Rule):
    """
    ## What it does
    Finds `render_template_string` (and `jinja2.Template`,
    `jinja_env.from_string`) called with a template *built from* request
    data: an f-string, `+`, `%` or `.format` that puts `request.args[...]`,
    form fields or a URL variable into the template source, in the view or
    in a helper the view passes the value to.

    ## Why is this bad?
    Jinja evaluates expressions inside the template source, so whoever
    controls part of the source runs code on the server: `{{ 7*7 }}` in a
    query parameter comes back as `49`, and the well-known payloads reach
    `os.popen` from there (server-side template injection). Passing request
    data as a *context variable* of a constant template is safe, because
    Jinja escapes values and never evaluates them, and is not reported.

    ## Example
    ```python
    @app.get("/hello")
    def hello():
        name = request.args.get("name", "")
        return render_template_string(f"<h1>Hello {name}</h1>")
    ```

    ## Use instead
    ```python
    @app.get("/hello")
    def hello():
        name = request.args.get("name", "")
        return render_template_string("<h1>Hello {{ name }}</h1>", name=name)
    ```

    ## Fix safety
    No automatic fix: the template has to be rewritten with variables.

    ## References
    - Flask docs, Templates: `render_template_string`, autoescaping
    - Jinja docs, Sandbox (for templates that users really must write)
    - OWASP: Server-Side Template Injection
    """

    code = "FD314"
    name = "template-injection"
    severity = Severity.ERROR
    catalog = ()
    summary = "A Jinja template is built from request data (server-side template injection)."

    call_names = last_segments(TEMPLATE_SINKS, ["from_string"])

    VALID = (
        Valid("""
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/hello")
            def hello():
                return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args.get("name", ""))
            """),
        Valid("""
            from flask import Flask, render_template_string
            app = Flask(__name__)
            LAYOUT = "<main>{}</main>"

            @app.get("/about")
            def about():
                body = LAYOUT.format("{{ config.SITE_NAME }}")
                return render_template_string(body)
            """),
        Valid("""
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/page/<int:number>")
            def page(number):
                return render_template_string(f"<p>page {number}</p>")
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, render_template_string, request
            app = Flask(__name__)

            @app.get("/hello")
            def hello():
                name = request.args.get("name", "")
                return render_template_string(f"<h1>Hello {name}</h1>")  # expect
            """,
            message="request.args.get",
        ),
        Invalid(
            """
            import flask
            app = flask.Flask(__name__)

            @app.route("/greet/<user>")
            def greet(user):
                template = "<p>Hi %s</p>" % user
                return flask.render_template_string(template)  # expect
            """,
            message="<user>",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.function is None or ctx.is_test_code():
            return
        name = ctx.resolve(node.func)
        is_sink = name in TEMPLATE_SINKS
        if not is_sink and isinstance(node.func, ast.Attribute) and node.func.attr == "from_string":
            receiver = dotted(node.func.value) or ""
            is_sink = receiver.endswith("jinja_env") or (ctx.type_of(node.func.value) or "").startswith("jinja2.")
        if not is_sink:
            return
        found = sink_source(ctx, node.args[0])
        if found is None:
            return
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short(node.func)}(...)` in {describe_context(ctx)} renders a template whose source contains "
                f"{source}: request data in the template source is executed by Jinja "
                f"(server-side template injection)",
                hint="Keep the template constant and pass the value as a variable: "
                'render_template_string("... {{ name }} ...", name=name).',
                evidence=evidence,
            )
        )
