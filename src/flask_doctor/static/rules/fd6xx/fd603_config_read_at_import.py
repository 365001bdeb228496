"""FD603 config-read-at-import: `current_app`/`app.config` read while the module is imported, outside any app
context."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.assembly import (
    app_factories,
    built_by_helper,
    configured_in_module,
    eager_modules,
    import_path,
    is_side,
    read_expression,
    runs_at_import,
)
from flask_doctor.static.model import FLASK_TYPES
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class ConfigReadAtImport(Rule):
    """
    ## What it does
    Finds `current_app` used by code that runs when the module is imported
    (module level, class bodies, decorator arguments, default values), and
    `app.config[...]` read at import time from a module-level app that is
    never configured in that module, in a project with an application
    factory. An app the factory built (`app = create_app()` in `wsgi.py`)
    carries the factory's configuration, so reading its config is fine.

    ## Why is this bad?
    `current_app` only points at an app inside an application context.
    At import time there is none, so the import fails with `RuntimeError:
    Working outside of application context` — often only in production,
    where the import order differs from the test suite. Reading
    `app.config` from a module-level app in a factory project gets the
    values of an app nobody configured, not those of the app the factory
    builds.

    ## Example
    ```python
    from flask import current_app

    PAGE_SIZE = current_app.config["PAGE_SIZE"]

    @bp.get("/items")
    def items():
        return paginate(PAGE_SIZE)
    ```

    ## Use instead
    ```python
    @bp.get("/items")
    def items():
        return paginate(current_app.config["PAGE_SIZE"])
    ```

    ## Fix safety
    No automatic fix: the read must move into the code that uses it.

    ## References
    - Flask docs: "The Application Context" — "Purpose of the Context"
    - Flask docs: "Application Factories"
    """

    code = "FD603"
    name = "config-read-at-import"
    severity = Severity.ERROR
    catalog = ("S05",)
    summary = "`current_app`/`app.config` read while the module is imported, outside any app context."

    VALID = (
        Valid("""
            from flask import Blueprint, current_app
            from werkzeug.local import LocalProxy
            bp = Blueprint("items", __name__)
            page_size = LocalProxy(lambda: current_app.config["PAGE_SIZE"])

            @bp.get("/items")
            def items(size=None):
                return str(current_app.config.get("PAGE_SIZE"))
            """),
        Valid("""
            from flask import Flask, current_app
            app = Flask(__name__)
            app.config.from_object("settings")
            DEBUG = app.config["DEBUG"]

            with app.app_context():
                NAME = current_app.name

            if __name__ == "__main__":
                print(current_app.config)
            """),
        # the module-level app is the one the factory built, with the factory's configuration
        Valid(
            """
            from shop import create_app
            app = create_app()
            PORT = app.config.get("PORT", 8000)
            """,
            files={
                "shop/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object("shop.settings")
                return app
            """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            import pager

            def create_app():
                return Flask(__name__)
            """,
            message="Working outside of application context",
            files={
                "pager.py": """
            from flask import current_app

            PAGE_SIZE = current_app.config["PAGE_SIZE"]  # expect

            class Pager:
                size = current_app.config.get("PAGE_SIZE", 20)  # expect
            """
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            UPLOADS = app.config["UPLOAD_FOLDER"]  # expect

            def create_app():
                new = Flask(__name__)
                new.config.from_object("settings")
                return new
            """,
            message="create_app",
        ),
    )

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if not isinstance(node.ctx, ast.Load) or ctx.is_test_code():
            return
        if isinstance(node.value, ast.Name) and node.attr != "config":
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
            return
        value = node.value
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.attr == "current_app":
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
            return
        if node.attr == "config" and isinstance(node.value, ast.Name):
            if ctx.qualified(node.value) == "flask.current_app":
                self._current_app(node, ctx)
                return
            self._app_config(node, ctx)

    def _current_app(self, node: ast.Attribute, ctx: Context) -> None:
        if is_side(ctx.module) or not runs_at_import(ctx, node):
            return
        eager = eager_modules(ctx.project)
        if ctx.module.name not in eager:
            return  # imported lazily (inside functions, often under app_context()) or run by a tool
        path = import_path(ctx.project, eager, ctx.module.name)
        shown = ast.unparse(read_expression(ctx, node))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{shown}` runs when the module is imported, where there is no application context: the import "
                f"fails with RuntimeError: Working outside of application context",
                hint="Read it inside the view/function that needs it, or wrap it: "
                "`LocalProxy(lambda: current_app.config[...])`.",
                evidence=path,
            )
        )

    def _app_config(self, node: ast.Attribute, ctx: Context) -> None:
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        is_read = (isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load)) or (
            isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "get"
        )
        if not is_read or not runs_at_import(ctx, node):
            return
        app_type = ctx.type_of(node.value)
        if not app_type or not ctx.project.is_subtype(app_type, FLASK_TYPES) or is_side(ctx.module):
            return
        factories = app_factories(ctx.project)
        app_name = node.value.id if isinstance(node.value, ast.Name) else ""
        if not factories or configured_in_module(ctx, app_name, node.lineno) or built_by_helper(ctx, node.value):
            return  # configured here, or built by the factory (``app = create_app()``) with its configuration
        read = ctx.ancestors[-2] if isinstance(parent, ast.Attribute) and len(ctx.ancestors) >= 2 else parent
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{ast.unparse(read)}` reads the config of the module-level app at import time, but the project "
                f"configures the apps it builds in `{factories[0].display}`: this app was never configured",
                hint="Read the value from `current_app.config` inside the code that needs it.",
                evidence=[Evidence(f"application factory `{factories[0].display}`", factories[0].location)],
            )
        )
