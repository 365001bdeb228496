"""FD503 silenced-exception-in-view: except Exception/bare except hides a failed DB write or answers an error with
200 in request code."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.errors import (
    db_write,
    exception_kind,
    handler_label,
    is_inert,
    only_parses,
    view_success_return,
)
from flask_doctor.static.model import REQUEST
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context, node_location


class SilencedExceptionInView(Rule):
    """
    ## What it does
    Finds `except:`, `except Exception:` and `except BaseException:` blocks
    in request code (views, hooks and the helpers they call) that make a
    failed database write disappear (`try: ... db.session.commit()` /
    `except Exception: pass`), and views whose broad `except` answers an
    error with a normal 200 response and nothing else.

    ## Why is this bad?
    The exception disappears: nothing is logged, no error status is sent,
    and the request carries on as if the data had been saved. Lost writes
    and bugs in the code itself (a `NameError`, a `TypeError`) then show up
    only as "my change did not stick" reports, with no traceback anywhere;
    the failed session is also left un-rolled-back. A bare `except:` even
    catches `KeyboardInterrupt`/`SystemExit` and gevent's `Timeout`.

    Best-effort code is not reported: `except Exception: pass` around a
    cleanup (`close()`, removing a temp file), an optional notification, or
    a parse with a fallback after it is a deliberate choice in real
    applications, and so is a view answering a failed parse
    (`base64.urlsafe_b64decode(value)`, `int(...)`, `json.loads(...)`) with a
    fallback message: nothing was written, so nothing is lost. Neither are
    handlers that log (`logger.exception`,
    `current_app.logger.*`, `sentry_sdk.capture_exception`, `print`),
    re-raise, `abort(...)`, roll back, return an error status, nor narrow
    handlers such as `except KeyError: pass`.

    ## Example
    ```python
    @app.post("/profile")
    def save_profile():
        try:
            current_user.name = request.form["name"]
            db.session.commit()
        except Exception:
            pass
        return redirect(url_for("profile"))
    ```

    ## Use instead
    ```python
    @app.post("/profile")
    def save_profile():
        try:
            current_user.name = request.form["name"]
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.exception("profile update failed")
            abort(500)
        return redirect(url_for("profile"))
    ```

    ## Fix safety
    No automatic fix: catch the exceptions you expect, and log the rest.

    ## References
    - Python docs, "Handling Exceptions"; PEP 8 ("bare except: clauses")
    - Flask docs, "Handling Application Errors" and "Logging"
    - SQLAlchemy docs, "Session Basics": roll back after a failed flush/commit
    """

    code = "FD503"
    name = "silenced-exception-in-view"
    severity = Severity.WARNING
    catalog = ("S15",)
    summary = "except Exception/bare except hides a failed DB write or answers an error with 200 in request code."

    VALID = (
        Valid("""
            from flask import Flask, current_app, request
            app = Flask(__name__)

            @app.post("/hook")
            def hook():
                try:
                    count = int(request.form["count"])
                except (KeyError, ValueError):
                    count = 0
                try:
                    save(count)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    current_app.logger.exception("save failed")
                    return "failed", 500
                return "ok"
            """),
        Valid("""
            import os
            import click

            @click.command()
            def cleanup():
                try:
                    db.session.commit()
                except Exception:
                    pass
            """),
        Valid("""
            import mimetypes
            from flask import Flask, jsonify
            app = Flask(__name__)

            def mime_of(path):
                mime = None
                try:
                    import puremagic
                    mime = puremagic.from_file(path, mime=True)
                except Exception:
                    pass
                return mime or mimetypes.guess_type(path)[0]

            @app.post("/cancel/<uuid>")
            def cancel(uuid):
                stop(uuid)
                try:
                    broadcast_cancelled(uuid)
                except Exception:
                    pass
                return jsonify(ok=True, mime=mime_of(uuid))
            """),
        Valid("""
            from flask import Flask, abort
            app = Flask(__name__)

            @app.get("/item/<int:item_id>")
            def item(item_id):
                try:
                    return load(item_id)
                except Exception:
                    abort(404)
            """),
        # A decoding endpoint answers undecodable input with a hint: nothing was written, nothing is lost.
        Valid("""
            import base64
            from flask import Flask
            app = Flask(__name__)

            @app.get("/decode/<value>")
            def decode(value):
                try:
                    return base64.urlsafe_b64decode(value.encode("utf-8")).decode("utf-8")
                except:
                    return "Not valid base64; try aGVsbG8="
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, redirect, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            @app.post("/profile")
            def save_profile():
                try:
                    store(request.form)
                    db.session.commit()
                except Exception:  # expect
                    pass
                return redirect("/profile")
            """,
            message="`except Exception:` in view `save_profile`",
        ),
        Invalid(
            """
            from flask import Flask, jsonify
            app = Flask(__name__)

            def mark_all_read(items):
                for item in items:
                    try:
                        item.read = True
                        db.session.commit()
                    except:  # expect
                        continue

            @app.post("/notify")
            def notify():
                mark_all_read(load_items())
                try:
                    send_digest()
                except Exception:  # expect
                    return jsonify(ok=True)
                return jsonify(ok=True)
            """,
            message="called from",
        ),
    )

    def visit_Try(self, node: ast.Try, ctx: Context) -> None:
        if not ctx.in_request or ctx.function is None or ctx.is_test_code():
            return
        table = ctx.function.imports
        for handler in node.handlers:
            if exception_kind(handler.type, table) != "broad":
                continue
            body = handler.body
            silent = all(is_inert(s) for s in body)
            write = db_write(node.body) if silent else None
            returns_success = (
                not silent
                and all(is_inert(s) for s in body[:-1])
                and view_success_return(body[-1], ctx)
                and not only_parses(node.body)  # a parse with a fallback answer hides no lost work
            )
            if write is not None:
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} with only `{ast.unparse(body[0]).strip()}` "
                    f"hides a failed `{ast.unparse(write.func)}()`: the change is lost without a log and the session "
                    f"is not rolled back"
                )
                at = node_location(ctx.module.path, write)
                evidence = [Evidence(f"`{ast.unparse(write.func)}()` inside the `try`", at)]
            elif returns_success:
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} answers any error with "
                    f"`{ast.unparse(body[-1].value)[:50]}` (200 OK) and logs nothing: the failure vanishes"  # type: ignore[union-attr]
                )
                evidence = []
            else:
                continue
            ctx.report(
                self.finding(
                    node_location(ctx.module.path, handler),
                    message,
                    hint="Catch the exceptions you expect; for the rest roll back, log "
                    "(`current_app.logger.exception(...)`) and re-raise or return an error status.",
                    evidence=[*evidence, *ctx.chain_evidence(REQUEST)],
                )
            )

    visit_TryStar = visit_Try
