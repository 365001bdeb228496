"""FD504 abort-swallowed: abort()/get_or_404() inside try/except Exception: the HTTP error is caught and replaced."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.error_handlers import except_passes_http
from flask_doctor.static.facts.errors import (
    ABORTING_METHODS,
    NOT_FOUND_RAISERS,
    contains_raise,
    exception_kind,
    handler_codes,
    handler_label,
    is_http_exception_class,
    is_inert,
    project_http_raisers,
    qualify,
    raised_code,
    wrapped_view_raisers,
)
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context, node_location


class AbortSwallowed(Rule):
    """
    ## What it does
    Finds `abort(...)` (and `get_or_404()`/`first_or_404()`, `raise
    NotFound()`, flask-restx's `api.abort(...)`/`ns.abort(...)`, and calls
    of project helpers that abort, two levels deep) inside a `try` whose
    `except Exception:` (or bare `except:`) catches the `HTTPException` it
    raises and does not re-raise it; a decorator whose wrapper calls the
    view inside such a `try` when a view it is applied to aborts; and `send_from_directory(...)`, which raises `NotFound` (not
    `FileNotFoundError`) for a missing file, when the broad handler then
    answers with another status. An abort reached through a helper or a
    wrapped view is reported only with `--preview`: on real code such an
    abort was often one the code never reaches (a check made earlier, a
    command-line path) or the catch was the design (a friendly message
    flashed instead), and none of the five on the tuning half was true.

    ## Why is this bad?
    `abort(404)` works by raising `werkzeug.exceptions.NotFound`, a subclass
    of `Exception`. A broad `except` around it catches the 404 like any
    other error, so the carefully chosen "not found" or "forbidden" turns
    into whatever the handler does: a 500 page, a generic "something went
    wrong", or — with `pass` — the view simply carrying on past the access
    check. An `except HTTPException: raise` clause before the broad one,
    an `abort` outside the `try`, narrow handlers (`except ValueError:`),
    handlers that answer with the HTTP error's own status (`if
    isinstance(e, HTTPException): return e`, `getattr(e, "code", 500)`),
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
        # the helper that aborts runs before the try; the decorator lets HTTP errors through
        Valid("""
            import functools
            from flask import Flask, abort, jsonify
            from werkzeug.exceptions import HTTPException
            app = Flask(__name__)
            INVOICES = {}

            def find_invoice(number):
                if number not in INVOICES:
                    abort(404)
                return INVOICES[number]

            def api_errors(view):
                @functools.wraps(view)
                def inner(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)
                    except HTTPException:
                        raise
                    except Exception:
                        app.logger.exception("api failure")
                        return jsonify(error="internal"), 500
                return inner

            @app.get("/invoices/<int:number>")
            @api_errors
            def invoice(number):
                found = find_invoice(number)
                try:
                    total = sum(line["amount"] for line in found["lines"])
                except Exception:
                    app.logger.exception("bad invoice")
                    return jsonify(error="bad invoice"), 500
                return jsonify(total=total)
            """),
    )
    VALID = VALID + (
        # the broad clause answers with the exception's own status: a 404 stays a 404
        Valid("""
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            STOCK = {}

            @app.get("/stock/<sku>")
            def stock(sku):
                try:
                    if sku not in STOCK:
                        abort(404)
                    return jsonify(count=STOCK[sku])
                except Exception as err:
                    app.logger.exception("stock lookup")
                    return jsonify(error=str(err)), getattr(err, "code", 500)
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
        # the abort sits in a helper the view calls inside its try (with --preview: through a helper the abort is
        # often one the code never reaches, or the catch is the design)
        Invalid(
            """
            from flask import Flask, abort, jsonify, request
            app = Flask(__name__)

            def check_token():
                if request.headers.get("X-Token") != "expected":
                    abort(401)

            @app.post("/exports")
            def start_export():
                try:
                    check_token()  # expect
                    return jsonify(queued=True), 202
                except Exception:
                    app.logger.exception("export failed")
                    return jsonify(error="export failed"), 500
            """,
            message="reaches `abort(401)` in `check_token`",
            preview=True,
        ),
        # flask-restx: ``api.abort`` raises an HTTPException as well
        Invalid(
            """
            from flask import Flask
            from flask_restx import Api, Resource
            app = Flask(__name__)
            api = Api(app)
            BOOKS = {}

            @api.route("/books/<int:book_id>")
            class Book(Resource):
                def get(self, book_id):
                    try:
                        if book_id not in BOOKS:
                            api.abort(404, "unknown book")  # expect
                        return BOOKS[book_id]
                    except Exception:
                        app.logger.exception("lookup failed")
                        return {"message": "lookup failed"}, 500
            """,
            message="api.abort(404",
        ),
        # a decorator's broad except around the views it wraps catches their aborts (with --preview, as above)
        Invalid(
            """
            import functools
            from flask import Flask, abort, jsonify
            app = Flask(__name__)
            INVOICES = {}

            def api_errors(view):
                @functools.wraps(view)
                def inner(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)  # expect
                    except Exception:
                        app.logger.exception("api failure")
                        return jsonify(error="internal"), 500
                return inner

            @app.get("/invoices/<int:number>")
            @api_errors
            def invoice(number):
                if number not in INVOICES:
                    abort(404)
                return jsonify(INVOICES[number])
            """,
            message="runs the views the decorator wraps",
            preview=True,
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
        if catcher is None or contains_raise(catcher.body) or except_passes_http(catcher, table):
            return  # re-raised, or answered with the HTTP error's own status (``return e``, ``e.code``)
        codes = handler_codes(catcher, table)
        # through a helper or a wrapped view, the abort is often one the code never reaches (a check made earlier,
        # a CLI path) or the catch is the design (a friendly flash): on the tuning half 0 of 5 such findings were
        # true, so they are looked for only with --preview
        follow = self.preview_enabled
        found = [
            (site, raiser, helper, False)
            for site, raiser, helper in project_http_raisers(ctx.project, ctx.function, node.body, follow=follow)
        ]
        # a decorator's wrapper: the views it is applied to raise inside its ``try`` (one finding per wrapper)
        wrapped = next(iter(wrapped_view_raisers(ctx.project, ctx.function, node.body)), None) if follow else None
        if wrapped is not None:
            found.append((*wrapped, True))
        for site, raiser, helper, via_view in found:
            rtable = helper.imports if helper is not None else table
            code = raised_code(raiser, rtable)
            if code is not None and codes and all(c == code or (code >= 500 and c >= 500) for c in codes):
                continue  # the handler answers with the same status (or a 5xx stays a 5xx): nothing is lost
            if isinstance(raiser, ast.Call) and (qualify(rtable, raiser.func) or "") in NOT_FOUND_RAISERS and not codes:
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
            if isinstance(raiser, ast.Call) and (qualify(rtable, raiser.func) or "") in NOT_FOUND_RAISERS:
                text = f"{ast.unparse(raiser.func)}(...)"
                raises = "raises `NotFound` (an HTTPException, not FileNotFoundError) for a missing file"
            if len(text) > 50:
                text = text[:47] + "..."
            evidence = []
            if via_view and helper is not None and isinstance(site, ast.Call):
                raises = f"runs the views the decorator wraps; `{text}` in view `{helper.display}` {raises}"
                text = f"{ast.unparse(site.func)}(...)"
                evidence.append(Evidence(f"raised in `{helper.display}`", node_location(helper.module.path, raiser)))
            elif helper is not None and isinstance(site, ast.Call):
                raises = f"reaches `{text}` in `{helper.display}`, which {raises}"
                text = f"{ast.unparse(site.func)}(...)"
                evidence.append(Evidence(f"raised in `{helper.display}`", node_location(helper.module.path, raiser)))
            silent = all(is_inert(s) for s in catcher.body)
            outcome = "silently ignores it" if silent else "replaces it with its own response"
            ctx.report(
                self.finding(
                    ctx.location(site),
                    f"`{text}` in {describe_context(ctx)} {raises} that the `{handler_label(catcher)}` "
                    f"below catches: the handler {outcome} instead of sending the HTTP error",
                    hint="Add `except HTTPException: raise` before the broad clause, move the abort out of the `try`, "
                    "or catch only the exceptions you expect.",
                    evidence=[
                        Evidence(f"caught by `{handler_label(catcher)}`", node_location(ctx.module.path, catcher)),
                        *evidence,
                    ],
                )
            )

    visit_TryStar = visit_Try
