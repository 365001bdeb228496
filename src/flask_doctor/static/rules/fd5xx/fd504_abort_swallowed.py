"""FD504 abort-swallowed: abort()/get_or_404() inside try/except Exception: the HTTP error is caught and replaced."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.errors import (
    ABORTING_METHODS,
    NOT_FOUND_RAISERS,
    contains_raise,
    exception_kind,
    handler_codes,
    handler_label,
    http_raisers,
    is_http_exception_class,
    is_inert,
    qualify,
    raised_code,
)
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context, node_location


class AbortSwallowed(Rule):
    """
    ## What it does
    Finds `abort(...)` (and `get_or_404()`/`first_or_404()`, `raise
    NotFound()`) inside a `try` whose `except Exception:` (or bare
    `except:`) catches the `HTTPException` it raises and does not re-raise
    it — and `send_from_directory(...)`, which raises `NotFound` (not
    `FileNotFoundError`) for a missing file, when the broad handler then
    answers with another status.

    ## Why is this bad?
    `abort(404)` works by raising `werkzeug.exceptions.NotFound`, a subclass
    of `Exception`. A broad `except` around it catches the 404 like any
    other error, so the carefully chosen "not found" or "forbidden" turns
    into whatever the handler does: a 500 page, a generic "something went
    wrong", or — with `pass` — the view simply carrying on past the access
    check. An `except HTTPException: raise` clause before the broad one,
    an `abort` outside the `try`, narrow handlers (`except ValueError:`),
    and handlers that answer with the same status anyway (`abort(404)`
    caught and answered 404, `abort(500)` answered with a 5xx) are fine and
    not reported.

    ## Example
    ```python
    @app.get("/post/<int:post_id>")
    def show(post_id):
        try:
            post = Post.query.get_or_404(post_id)
            return render_template("post.html", post=post)
        except Exception:
            return render_template("error.html"), 500
    ```

    ## Use instead
    ```python
    @app.get("/post/<int:post_id>")
    def show(post_id):
        try:
            post = Post.query.get_or_404(post_id)
            return render_template("post.html", post=post)
        except HTTPException:
            raise
        except SQLAlchemyError:
            current_app.logger.exception("loading post failed")
            return render_template("error.html"), 500
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask API, `flask.abort`: "Raise an HTTPException for the given status code"
    - Werkzeug docs, "HTTP Exceptions"
    """

    code = "FD504"
    name = "abort-swallowed"
    severity = Severity.WARNING
    catalog = ("S15",)
    summary = "abort()/get_or_404() inside try/except Exception: the HTTP error is caught and replaced."

    VALID = (
        Valid("""
            from flask import Flask, abort, current_app
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)

            @app.get("/post/<int:post_id>")
            def show(post_id):
                try:
                    post = load(post_id)
                    if post is None:
                        abort(404)
                    return post.title
                except HTTPException:
                    raise
                except Exception:
                    current_app.logger.exception("load failed")
                    return "error", 500
            """),
        Valid("""
            from flask import Flask, abort
            app = Flask(__name__)

            @app.get("/n/<v>")
            def number(v):
                try:
                    n = int(v)
                except Exception:
                    abort(400)
                return str(n)
            """),
        Valid("""
            from flask import Flask, abort
            app = Flask(__name__)

            @app.get("/n/<v>")
            def number(v):
                try:
                    n = int(v)
                    if n < 0:
                        abort(400)
                except ValueError:
                    return "bad", 400
                except Exception as e:
                    log_and_reraise(e)
                    raise
                return str(n)
            """),
        Valid("""
            from flask import Flask, abort, send_from_directory
            app = Flask(__name__)

            @app.get("/files/<path:name>")
            def download(name):
                try:
                    return send_from_directory("uploads", name)
                except Exception:
                    return "file not found", 404
            """),
        Valid("""
            from flask import Flask, abort
            app = Flask(__name__)

            @app.delete("/index/<name>")
            def drop(name):
                try:
                    if not delete_index(name):
                        abort(500, f"failed to delete {name}")
                except Exception as e:
                    abort(500, f"unexpected error: {e}")
                return "", 204
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, abort, render_template
            app = Flask(__name__)

            @app.get("/post/<int:post_id>")
            def show(post_id):
                try:
                    post = Post.query.get_or_404(post_id)  # expect
                    return render_template("post.html", post=post)
                except Exception:
                    return render_template("error.html"), 500
            """,
            message="get_or_404",
        ),
        Invalid(
            """
            from flask import Flask, abort, g
            app = Flask(__name__)

            @app.delete("/doc/<int:doc_id>")
            def delete(doc_id):
                try:
                    if not g.user.is_admin:
                        abort(403)  # expect
                    remove(doc_id)
                except:
                    pass
                return "", 204
            """,
            message="abort(403)",
        ),
        Invalid(
            """
            from flask import Flask, abort, send_from_directory
            app = Flask(__name__)

            @app.get("/<path:filename>")
            def serve_file(filename):
                try:
                    return send_from_directory("public", filename)  # expect
                except FileNotFoundError:
                    abort(404)
                except Exception as e:
                    return f"Error loading {filename}: {e}", 500
            """,
            message="not FileNotFoundError",
        ),
    )

    def visit_Try(self, node: ast.Try, ctx: Context) -> None:
        if ctx.function is None or ctx.is_test_code():
            return
        table = ctx.function.imports
        catcher: ast.ExceptHandler | None = None
        for handler in node.handlers:
            kind = exception_kind(handler.type, table)
            http_class = handler.type is not None and is_http_exception_class(handler.type, table)
            if kind == "http" or (http_class and kind != "broad"):
                return  # HTTP errors are dealt with before any broad clause
            if kind == "broad":
                catcher = handler
                break
        if catcher is None or contains_raise(catcher.body):
            return
        codes = handler_codes(catcher, table)
        for raiser in http_raisers(node.body, table):
            code = raised_code(raiser, table)
            if code is not None and codes and all(c == code or (code >= 500 and c >= 500) for c in codes):
                continue  # the handler answers with the same status (or a 5xx stays a 5xx): nothing is lost
            if isinstance(raiser, ast.Call) and (qualify(table, raiser.func) or "") in NOT_FOUND_RAISERS and not codes:
                continue  # a file lookup whose handler goes on searching: only an explicit other status is reported
            text = ast.unparse(
                raiser.func
                if isinstance(raiser, ast.Call)
                and isinstance(raiser.func, ast.Attribute)
                and raiser.func.attr in ABORTING_METHODS
                else raiser
            )
            if (
                isinstance(raiser, ast.Call)
                and isinstance(raiser.func, ast.Attribute)
                and raiser.func.attr in ABORTING_METHODS
            ):
                text = f"{raiser.func.attr}()"
            raises = "raises an HTTPException"
            if isinstance(raiser, ast.Call) and (qualify(table, raiser.func) or "") in NOT_FOUND_RAISERS:
                text = f"{ast.unparse(raiser.func)}(...)"
                raises = "raises `NotFound` (an HTTPException, not FileNotFoundError) for a missing file"
            if len(text) > 50:
                text = text[:47] + "..."
            silent = all(is_inert(s) for s in catcher.body)
            outcome = "silently ignores it" if silent else "replaces it with its own response"
            ctx.report(
                self.finding(
                    ctx.location(raiser),
                    f"`{text}` in {describe_context(ctx)} {raises} that the `{handler_label(catcher)}` "
                    f"below catches: the handler {outcome} instead of sending the HTTP error",
                    hint="Add `except HTTPException: raise` before the broad clause, move the abort out of the `try`, "
                    "or catch only the exceptions you expect.",
                    evidence=[
                        Evidence(f"caught by `{handler_label(catcher)}`", node_location(ctx.module.path, catcher))
                    ],
                )
            )

    visit_TryStar = visit_Try
