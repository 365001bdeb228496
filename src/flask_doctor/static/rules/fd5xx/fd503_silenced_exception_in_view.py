"""FD503 silenced-exception-in-view: except Exception/bare except in request code hides a failed DB write, answers an
error with 200, or answers 500 and logs nothing."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.errors import (
    ABORT_FUNCTIONS,
    DB_WRITE_METHODS,
    answer_carries_exception,
    answer_error_code,
    body_nodes,
    contains_raise,
    db_write,
    exception_kind,
    explained_silence,
    handler_label,
    health_check_rule,
    is_inert,
    is_rollback,
    keeps_quiet,
    only_parses,
    only_parses_or_aborts,
    qualify,
    response_status,
    server_error_status,
    status_of,
    swallowed_read,
    view_success_return,
)
from flask_doctor.static.model import REQUEST, FunctionInfo
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid, describe_context, node_location


class SilencedExceptionInView(Rule):
    """
    ## What it does
    Finds `except:`, `except Exception:` and `except BaseException:` blocks
    in request code (views, hooks and the helpers they call) that make a
    failed database write disappear (`try: ... db.session.commit()` /
    `except Exception: pass`) or a failed read (a `try` in the view's body
    around `Order.query...all()` or `cur.fetchall()`, whose `except: pass`
    lets the view go on to its normal 200 answer without the rows; not
    when that answer also carries data the view built elsewhere, the read
    then filling an optional part of the page, such as a notes panel), views
    whose broad `except` answers an
    error with a normal 200 response and nothing else (a session rollback
    before it records nothing either; a `try` that writes nothing and whose
    `except` answers with the exception's own text, as a test-connection
    or validation endpoint does, reports its result and is not reported), views (or the
    decorators wrapped around them) whose broad `except` answers with a
    5xx but logs nothing, and health-check views (`/health`, `/healthz`,
    `/readyz`, ...) whose broad `except` answers with a 200, logged or not.

    ## Why is this bad?
    The exception disappears: nothing is logged, no error status is sent,
    and the request carries on as if the data had been saved. Lost writes
    and bugs in the code itself (a `NameError`, a `TypeError`) then show up
    only as "my change did not stick" reports, with no traceback anywhere;
    the failed session is also left un-rolled-back. A bare `except:` even
    catches `KeyboardInterrupt`/`SystemExit` and gevent's `Timeout`.
    Answering with `..., 500` keeps the status honest but not the cause:
    Flask logs a traceback (and signals `got_request_exception`, which
    error trackers listen to) only for the exceptions that reach it, so a
    caught one leaves the operators a 500 in the access log and nothing to
    debug it with.

    A health check is read by machines that look at the status alone:
    Kubernetes probes count any 2xx or 3xx as success, and load balancers
    keep an instance in rotation while it answers 200. A health view that
    catches the failure of its own check and answers it with a body only
    (`except Exception: log(...); return "db check failed"`) tells them the
    instance is healthy when it is not, however carefully it logs;
    answering the failure with 503 is what takes the instance out of
    rotation. An `except` that only logs and lets the view answer "ok" is
    not reported: a liveness check may ignore a failed dependency on
    purpose.

    Best-effort code is not reported: `except Exception: pass` around a
    cleanup (`close()`, removing a temp file), an optional notification, or
    a parse with a fallback after it is a deliberate choice in real
    applications, and so is a view answering a failed parse
    (`base64.urlsafe_b64decode(value)`, `int(...)`, `json.loads(...)`) with a
    fallback message: nothing was written, so nothing is lost. So is a
    silenced write of a side record: one in a request hook or an error
    handler (an access-log or error-log row, whose failure must not fail
    every request), or one made after the function has committed its own
    change outside any `try` (an activity entry, a counter), and a silent
    `except` whose comment gives the reason (`pass  # a convenience, never
    fail the page over it`; a `# TODO`, `# FIXME` or tool directive such as
    `# noqa` is no reason). Neither are
    handlers that log (`logger.exception`,
    `current_app.logger.*`, `sentry_sdk.capture_exception`, `print`, or a
    project helper that does), re-raise, `abort(...)`, nor narrow handlers
    such as `except KeyError: pass`. Rolling back or answering with a 4xx
    is not reported either; rolling back and answering 500 without a log
    line is.

    Nor is a broad `except` that blames the client, with one exception: a
    view whose `try` holds its whole work and answer and whose `except`
    answers any failure with a 404 (`return ..., 404` or `abort(404)`), and
    a decorator wrapped around views whose `except` answers every error of
    the view with a 401, 403 or 404, both logging nothing. A lost database
    connection or a `TypeError` then reaches the client as "not found" or
    "unauthorized": no 5xx for the error-rate alerts, no traceback in the
    logs, and a client told its token or its URL is wrong. A token check
    answering 401 in the view itself, or a parse with a 404 fallback, is
    what a catch-all is for and is not reported.

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
    - Kubernetes docs, "Configure Liveness, Readiness and Startup Probes": a status from 200 to 399 is success
    """

    code = "FD503"
    name = "silenced-exception-in-view"
    severity = Severity.WARNING
    catalog = ("S15",)
    summary = (
        "except Exception/bare except in request code hides a failed DB write, answers an error with 200, "
        "or answers 500 and logs nothing."
    )

    VALID = (
        # a token check in the view answering 401, a parse with a 404 fallback, a 404 that is logged
        Valid("""
            import logging
            import jwt
            from flask import Flask, abort, current_app, jsonify, request
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.get("/me")
            def me():
                try:
                    claims = jwt.decode(request.headers["Authorization"][7:], current_app.config["KEY"], ["HS256"])
                    return jsonify(user=claims["sub"])
                except Exception:
                    return jsonify(error="bad token"), 401

            @app.get("/day/<stamp>")
            def day(stamp):
                try:
                    return str(int(stamp) // 86400)
                except Exception:
                    abort(404)

            @app.get("/report/<key>")
            def report(key):
                try:
                    return jsonify(reports.load(key))
                except Exception:
                    log.exception("report %s", key)
                    return jsonify(error="no such report"), 404
            """),
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
        # the 500 comes with the traceback in the log (directly, or through the project's error helper)
        Valid("""
            import logging
            from flask import Flask, jsonify
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            def failure(message):
                log.exception(message)
                return jsonify(error=message), 500

            @app.get("/report/<int:year>")
            def report(year):
                try:
                    return jsonify(build_report(year))
                except Exception:
                    log.exception("report %s failed", year)
                    return jsonify(error="report failed"), 500

            @app.get("/summary")
            def summary():
                try:
                    return jsonify(build_summary())
                except Exception as exc:
                    return failure(f"summary failed: {exc}")
            """),
        # a health check that logs and answers its failure with 503; a liveness check that logs a failed
        # dependency and stays alive; a form endpoint whose script reads ``success`` answers a logged failure
        # with 200 by design
        Valid("""
            import logging
            from flask import Flask, jsonify
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.get("/management/healthcheck")
            def health_check():
                try:
                    check_database()
                except Exception:
                    log.exception("health check failed")
                    return "HEALTH_CHECK_FAILED", 503
                return "OK"

            @app.get("/-/readyz")
            def ready():
                healthy = True
                try:
                    check_queue()
                except Exception:
                    log.exception("queue unreachable")
                    healthy = False
                return jsonify(ready=healthy), 200 if healthy else 503

            @app.get("/livez")
            def live():
                try:
                    check_cache()
                except Exception:
                    log.exception("cache unreachable; the process itself is alive")
                return "alive"

            @app.post("/forms/budget")
            def submit_budget():
                try:
                    save_budget()
                except Exception as exc:
                    log.warning("budget form failed", exc_info=True)
                    return jsonify(success=False, error_message=str(exc))
                return jsonify(success=True)
            """),
        # rolled back and logged before the form is shown again with the error
        Valid("""
            import logging
            from flask import Flask, render_template, request
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.post("/rooms")
            def book_room():
                try:
                    db.session.add(Booking(room=request.form["room"]))
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    log.exception("booking failed")
                    return render_template("rooms.html", error="The booking could not be saved."), 409
                return render_template("rooms.html", booked=True)
            """),
        # side records: a visit row written by a hook, an error row by the 500 handler, an activity entry
        # after the post itself was saved; none of them may turn into a failed request
        Valid("""
            from flask import Flask, redirect, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            @app.before_request
            def count_visit():
                try:
                    db.session.add(Visit(path=request.path))
                    db.session.commit()
                except Exception:
                    pass

            @app.errorhandler(500)
            def server_error(error):
                try:
                    db.session.add(Failure(text=repr(error)))
                    db.session.commit()
                except Exception:
                    pass
                return "Something broke", 500

            @app.post("/posts")
            def publish():
                post = Post(body=request.form["body"])
                db.session.add(post)
                db.session.commit()
                try:
                    db.session.add(Activity(kind="published", post_id=post.id))
                    db.session.commit()
                except Exception:
                    pass
                return redirect("/")
            """),
        # the author wrote down why the failure may be dropped
        Valid("""
            from flask import Flask, redirect
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            @app.get("/lang/<code>")
            def switch_language(code):
                try:
                    db.session.get(Profile, 1).language = code
                    db.session.commit()
                except Exception:
                    pass  # the cookie below already switches the language; the saved choice is a bonus
                response = redirect("/")
                response.set_cookie("lang", code)
                return response
            """),
        # a connection test: the driver's error is the answer the admin asked for, and nothing was written
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            @app.post("/sources/<int:source_id>/probe")
            def probe_source(source_id):
                try:
                    load_source(source_id).connect_and_ping()
                except Exception as exc:
                    return {"ok": False, "message": str(exc)}
                return {"ok": True, "message": "reachable"}
            """),
        # the optional notes panel stays empty when its table cannot be read; the page's own rows come first
        Valid("""
            import logging
            from flask import Flask, flash, render_template
            app = Flask(__name__)
            log = logging.getLogger(__name__)

            @app.get("/racks")
            def racks():
                rows = []
                try:
                    rows = inventory_db().execute("SELECT * FROM racks").fetchall()
                except Exception:
                    log.exception("rack inventory unavailable")
                    flash("The rack inventory could not be read.")
                notes = {}
                try:
                    for rack_id, text in notes_db().execute("SELECT rack_id, text FROM notes").fetchall():
                        notes[rack_id] = text
                except Exception:
                    pass
                return render_template("racks.html", racks=rows, notes=notes)
            """),
        # a failed read falls through to an explicit error answer, not a success
        Valid("""
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Seat(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                free = db.Column(db.Boolean)

            @app.get("/seats/<int:seat_id>")
            def seat(seat_id):
                try:
                    found = Seat.query.filter_by(id=seat_id).first()
                    if found is not None:
                        return jsonify(free=found.free)
                except Exception:
                    pass
                return jsonify(error="seat unavailable"), 503
            """),
    )
    INVALID = (
        # a backend outage reaches the client as "not found", and a wrapped view's bug as "unauthorized"
        Invalid(
            """
            from functools import wraps
            from http import HTTPStatus
            from flask import Flask, abort, jsonify, request
            app = Flask(__name__)

            def signed_in(view):
                @wraps(view)
                def check(*args, **kwargs):
                    try:
                        account = accounts.lookup(request.headers["X-Token"])
                        return view(account, *args, **kwargs)
                    except Exception as exc:  # expect
                        return jsonify(reason=str(exc)), HTTPStatus.UNAUTHORIZED
                return check

            @app.get("/shelves/<name>")
            @signed_in
            def shelf(account, name):
                try:
                    books = catalogue.books_on(account, name)
                    return jsonify(books=[b.title for b in books])
                except Exception:  # expect
                    abort(404)
            """,
            message="answers every error of the views it wraps with a 401",
        ),
        # a numbered sqlite3 connection and a MongoDB update: both writes vanish behind ``except: pass``
        Invalid(
            """
            import sqlite3
            from flask import Flask, redirect, request, session
            from flask_pymongo import PyMongo

            app = Flask(__name__)
            mongo = PyMongo(app)

            @app.post("/confirm")
            def confirm():
                try:
                    link2 = sqlite3.connect("votes.db")
                    link2.execute("UPDATE ballots SET confirmed = 1 WHERE voter = ?", (session["voter"],))
                    link2.commit()
                except:  # expect
                    pass
                return redirect("/thanks")

            @app.post("/theme")
            def set_theme():
                try:
                    mongo.db.accounts.update_one({"name": session["name"]}, {"$set": {"theme": request.form["theme"]}})
                except Exception:  # expect
                    pass
                return redirect("/settings")
            """,
            message="hides a failed",
        ),
        # the query fails, the `except` says nothing, and the page shows "no invoices" with 200 OK
        Invalid(
            """
            from flask import Flask, render_template
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Invoice(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                total = db.Column(db.Integer)

            @app.get("/invoices")
            def invoices():
                shown = []
                try:
                    shown = Invoice.query.order_by(Invoice.id.desc()).limit(25).all()
                except Exception:  # expect
                    pass
                return render_template("invoices.html", invoices=shown)
            """,
            message="looks like an empty result",
        ),
        # the rollback undoes the write, but the answer is a 200 and nothing records why it failed
        Invalid(
            """
            from flask import Flask, jsonify, request
            app = Flask(__name__)

            @app.post("/api/rooms")
            def book_room():
                try:
                    db.session.add(Booking(room=request.json["room"]))
                    db.session.commit()
                    return jsonify(ok=True)
                except Exception as err:  # expect
                    db.session.rollback()
                    return jsonify(ok=False, reason=str(err))
            """,
            message="(200 OK) and logs nothing",
        ),
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
        Invalid(
            """
            from functools import wraps
            from http import HTTPStatus
            from flask import Flask, jsonify, make_response
            app = Flask(__name__)

            def json_errors(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    try:
                        return view(*args, **kwargs)
                    except Exception as exc:  # expect
                        return jsonify(error=str(exc)), 500
                return wrapper

            @app.get("/owners/<key>")
            @json_errors
            def owners(key):
                return jsonify(fetch_owners(key))

            @app.put("/description/<key>")
            def put_description(key):
                try:
                    store_description(key)
                    return jsonify(msg="saved")
                except Exception as exc:  # expect
                    body = jsonify(msg="could not save: " + str(exc))
                    return make_response(body, HTTPStatus.INTERNAL_SERVER_ERROR)
            """,
            message="answers any error with a 500",
        ),
        # Flask-AppBuilder's response helpers only build the JSON answer
        Invalid(
            """
            from flask_appbuilder.api import BaseApi, expose

            class ReportApi(BaseApi):
                @expose("/<int:pk>/export", methods=("GET",))
                def export(self, pk):
                    try:
                        return self.response(200, result=export_report(pk))
                    except PermissionError as exc:
                        return self.response_403()
                    except Exception as exc:  # expect
                        return self.response_500(message=str(exc))
            """,
            message="answers any error with a 500",
        ),
        # the probe sees 200 when the database is down: logged to Sentry, the answer still says "healthy"
        Invalid(
            """
            from flask import Blueprint
            from sentry_sdk import capture_exception

            health = Blueprint("health", __name__)

            @health.route("/healthcheck")
            def healthcheck():
                try:
                    if database_answers():
                        return "ok"
                except Exception:  # expect
                    capture_exception()
                    return "db check failed"
            """,
            message="answers a failed check with `'db check failed'` and status 200",
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
            failed_check = self._failed_health_check(handler, ctx)
            if failed_check is not None:
                rule, ret = failed_check
                ctx.report(
                    self.finding(
                        node_location(ctx.module.path, handler),
                        f"`{handler_label(handler)}` in health check {describe_context(ctx)} (`{rule}`) answers a "
                        f"failed check with `{ast.unparse(ret.value)[:50]}` and status 200: load balancers and "  # type: ignore[arg-type]
                        f"probes read only the status, so the instance stays in rotation while the check fails",
                        hint="Answer a failed check with 503 (`return ..., 503`); log the cause as well.",
                        evidence=[
                            Evidence("the 200 sent here", node_location(ctx.module.path, ret)),
                            *ctx.chain_evidence(REQUEST),
                        ],
                    )
                )
                continue
            silent = all(is_inert(s) for s in body)
            if silent and explained_silence(handler, ctx.module.lines):
                continue  # the author wrote down why the failure is dropped: best-effort by design
            write = db_write(node.body, ctx) if silent and not self._side_record(node, ctx) else None
            read = swallowed_read(node, ctx) if silent and write is None else None
            returns_success = (
                not silent
                and all(is_inert(s) or is_rollback(s) for s in body[:-1])
                and view_success_return(body[-1], ctx)
                and not only_parses(node.body)  # a parse with a fallback answer hides no lost work
                and not self._reports_a_probe(node, body[-1], handler, ctx)
            )
            quiet_5xx = (
                None
                if silent or returns_success or contains_raise(body)
                else self._quiet_server_error(node, handler, ctx)
            )
            blamed = (
                None
                if silent or returns_success or quiet_5xx is not None or contains_raise(body)
                else self._blames_the_client(node, handler, ctx)
            )
            if write is not None:
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} with only `{ast.unparse(body[0]).strip()}` "
                    f"hides a failed `{ast.unparse(write.func)}()`: the change is lost without a log"
                    + (" and the session is not rolled back" if write.func.attr in DB_WRITE_METHODS else "")  # type: ignore[attr-defined]
                )
                at = node_location(ctx.module.path, write)
                evidence = [Evidence(f"`{ast.unparse(write.func)}()` inside the `try`", at)]
            elif read is not None:
                query, answer = read
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} with only `{ast.unparse(body[0]).strip()}` "
                    f"hides a failed `{ast.unparse(query)[:60]}`: the view goes on to answer "
                    f"`{ast.unparse(answer.value)[:50]}` (200 OK) without its rows and logs nothing, so a database "  # type: ignore[arg-type]
                    "outage or a bug in the query looks like an empty result"
                )
                evidence = [
                    Evidence("the query inside the `try`", node_location(ctx.module.path, query)),
                    Evidence("the 200 sent after it", node_location(ctx.module.path, answer)),
                ]
            elif returns_success:
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} answers any error with "
                    f"`{ast.unparse(body[-1].value)[:50]}` (200 OK) and logs nothing: the failure vanishes"  # type: ignore[union-attr]
                )
                evidence = []
            elif quiet_5xx is not None:
                status, ret = quiet_5xx
                http_first = any(exception_kind(h.type, table) == "http" for h in node.handlers)
                wrapped = (
                    ""
                    if http_first or "view" in (ctx.function.roles if ctx.function else ())
                    else "; wrapped around views, it also turns their abort(404)/abort(403) into this 500"
                )
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} answers any error with a {status} "
                    f"(`{ast.unparse(ret.value)[:50]}`) and logs nothing: Flask logs only the exceptions it "  # type: ignore[arg-type]
                    f"handles itself, so the traceback of every such failure is lost{wrapped}"
                )
                evidence = [Evidence(f"the {status} sent here", node_location(ctx.module.path, ret))]
            elif blamed is not None:
                status, answer, wraps = blamed
                what = "every error of the views it wraps" if wraps else "any error"
                message = (
                    f"`{handler_label(handler)}` in {describe_context(ctx)} answers {what} with a {status} "
                    f"(`{ast.unparse(answer)[:50]}`) and logs nothing: a database outage or a bug in the code is "
                    f"reported to the client as {_CLIENT_ERRORS[status]}, never as a 5xx, and its traceback is lost"
                )
                evidence = [Evidence(f"the {status} sent here", node_location(ctx.module.path, answer))]
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

    @staticmethod
    def _side_record(node: ast.Try, ctx: Context) -> bool:
        """The silenced write records something beside the request's own work, by design best-effort: it runs in
        a hook or an error handler (an access-log or error-log row: a failure there must not fail every
        request), or after the function has already committed its own change outside any ``try`` (an
        activity entry, a counter, a notification row)."""
        fn = ctx.function
        if fn is None:
            return False
        if fn.roles & {"hook", "error_handler"}:
            return True
        guarded = {id(n) for t in body_nodes(fn.node.body) if isinstance(t, ast.Try) for n in body_nodes(t.body)}
        return any(
            isinstance(n, ast.Call) and n.lineno < node.lineno and id(n) not in guarded and db_write([ast.Expr(n)])
            for n in body_nodes(fn.node.body)
        )

    @staticmethod
    def _reports_a_probe(node: ast.Try, answer: ast.stmt, handler: ast.ExceptHandler, ctx: Context) -> bool:
        """A ``try`` that writes nothing and whose ``except`` answers with the exception itself: the failure is the
        result the client asked for (a test-connection or validation endpoint), and nothing is lost."""
        return (
            isinstance(answer, ast.Return)
            and answer_carries_exception(answer.value, handler)
            and db_write(node.body, ctx) is None
        )

    @staticmethod
    def _failed_health_check(handler: ast.ExceptHandler, ctx: Context) -> tuple[str, ast.Return] | None:
        """(rule, return) when a health-check view's broad ``except`` answers with a success status.

        Only the handler's own answer counts: one that logs and lets the view
        answer "ok" may keep an instance alive on purpose (a liveness probe
        should not fail on a dependency), and is not reported.
        """
        fn = ctx.function
        rule = health_check_rule(fn) if fn is not None and fn.routes else None
        if fn is None or rule is None or contains_raise(handler.body):
            return None
        last = handler.body[-1]
        if not isinstance(last, ast.Return) or any(isinstance(n, ast.Return) for n in body_nodes(handler.body[:-1])):
            return None  # no answer of its own, or a degraded mode that answers some failures otherwise
        if response_status(last.value, fn.imports, fn, ctx.project)[0] != "success":
            return None
        return rule, last

    @staticmethod
    def _quiet_server_error(node: ast.Try, handler: ast.ExceptHandler, ctx: Context) -> tuple[int, ast.Return] | None:
        """(status, return) when a view's (or a view decorator's) broad ``except`` answers with a 5xx and nothing
        in it logs, reports or re-raises; a ``try`` that only parses is a fallback, not a failure."""
        fn = ctx.function
        if fn is None or not ("view" in fn.roles or _wraps_a_view(node, fn)) or only_parses(node.body):
            return None
        for ret in (n for n in body_nodes(handler.body) if isinstance(n, ast.Return)):
            status = server_error_status(ret.value, fn.imports, fn, ctx.project)
            if status is not None:
                return (status, ret) if keeps_quiet(handler.body, fn, ctx.project) else None
        return None

    @staticmethod
    def _blames_the_client(
        node: ast.Try, handler: ast.ExceptHandler, ctx: Context
    ) -> tuple[int, ast.expr, bool] | None:
        """(status, answer, wraps a view) when a broad ``except`` ends the request with a 401/403/404 (a
        ``return`` or an ``abort``) for any error, logging nothing: in a decorator whose ``try`` calls the view
        it wraps, or in a view whose ``try`` holds its success answer and does more than parse (a token check
        answering 401 for any failure in the view itself does not count, nor does a parse with a 404 fallback)."""
        fn = ctx.function
        if fn is None or only_parses_or_aborts(node.body, fn, ctx.project):
            return None
        wraps = "view" not in fn.roles and _wraps_a_view(node, fn)
        if not wraps and not ("view" in fn.roles and any(isinstance(s, ast.Return) for s in node.body)):
            return None
        last = handler.body[-1]
        answer: ast.expr | None = None
        code: int | None = None
        if isinstance(last, ast.Return) and last.value is not None:
            answer, code = last.value, answer_error_code(last.value, fn.imports, fn, ctx.project)
        elif (
            isinstance(last, ast.Expr)
            and isinstance(last.value, ast.Call)
            and (qualify(fn.imports, last.value.func) or "") in ABORT_FUNCTIONS
            and last.value.args
        ):
            answer, code = last.value, status_of(last.value.args[0])
        if answer is None or code not in _CLIENT_ERRORS or (code != 404 and not wraps):
            return None
        if any(isinstance(n, (ast.Return, ast.If)) for n in body_nodes(handler.body[:-1])):
            return None  # the handler tells failures apart
        said = [last] if isinstance(last, ast.Return) else [ast.Expr(a) for a in answer.args]  # type: ignore[attr-defined]
        if not keeps_quiet([*handler.body[:-1], *said], fn, ctx.project):
            return None
        return code, answer, wraps

    visit_TryStar = visit_Try


#: Client-error statuses a catch-all must not answer server failures with, and what the client is told.
_CLIENT_ERRORS = {401: "'unauthorized'", 403: "'forbidden'", 404: "'not found'"}


def _wraps_a_view(node: ast.Try, fn: FunctionInfo) -> bool:
    """``try: return view(*args, **kwargs)`` in the inner function of a decorator (``view`` is its parameter),
    or ``try: return super().dispatch_request(...)`` in a class-based view."""
    if fn.node.name == "dispatch_request" and fn.class_name:
        return any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "dispatch_request"
            for n in body_nodes(node.body)
        )
    outer = fn.parent
    if outer is None:
        return False
    params = {a.arg for a in outer.node.args.posonlyargs + outer.node.args.args}
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in params for n in body_nodes(node.body)
    )
