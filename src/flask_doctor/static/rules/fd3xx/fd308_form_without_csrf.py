"""FD308 form-without-csrf: A form-handling POST view without CSRF protection in a cookie-session app."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.csrf import (
    accepts_unsafe_method,
    acts_as_user,
    cross_site_by_design,
    csrf_exempt,
    csrf_setup,
    form_read,
)
from flask_doctor.static.facts.guards import mentions
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class FormWithoutCsrf(Rule):
    """
    ## What it does
    Finds views that accept POST/PUT/PATCH/DELETE, read form data
    (`request.form`, `request.files`, `request.values`) and act as the
    logged-in user (a `login_required`-style decorator, `current_user`,
    `session`, a blueprint `before_request` hook that checks the login, or
    an app-wide login wall) in a
    project with no CSRF protection: no `CSRFProtect` anywhere, and no
    Flask-WTF form validated in the view. Flask-JWT-Extended views count
    when tokens live in cookies with `JWT_COOKIE_CSRF_PROTECT = False`. Views marked with
    `csrf.exempt` that read form data are reported even when `CSRFProtect`
    is on.

    ## Why is this bad?
    The browser attaches the session cookie to a form that *another* site
    submits to yours, so without a CSRF token that site can post as the
    logged-in user: change the email or password, delete data, make a
    purchase. Views that only read JSON (`request.get_json()`) are not
    reported: browsers cannot send a cross-site JSON body without a CORS
    preflight. Neither are views that use no login at all (a forged request
    gains nothing), nor endpoints that receive cross-site POSTs by design
    (SAML assertion consumers, OAuth callbacks, webhooks). When production sets `SESSION_COOKIE_SAMESITE` to `"Lax"` or
    `"Strict"`, browsers already withhold the cookie from cross-site POSTs
    and the finding is a note.

    ## Example
    ```python
    @app.route("/settings", methods=["GET", "POST"])
    @login_required
    def settings():
        if request.method == "POST":
            current_user.email = request.form["email"]
    ```

    ## Use instead
    ```python
    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect(app)  # and {{ csrf_token() }} in every form
    ```

    ## Fix safety
    No automatic fix: templates need the token field.

    ## References
    - Flask-WTF docs, "CSRF Protection"
    - Flask docs, Security Considerations: Cross-Site Request Forgery
    - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    """

    code = "FD308"
    name = "form-without-csrf"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A form-handling POST view without CSRF protection in a cookie-session app."

    VALID = (
        Valid("""
            from flask import Flask, request, session
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @app.route("/settings", methods=["GET", "POST"])
            def settings():
                session["email"] = request.form["email"]
                return "ok"
            """),
        Valid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.post("/api/items")
            def create_item():
                data = request.get_json()
                return {"name": data["name"], "user": session.get("uid")}
            """),
        Valid("""
            from flask import Flask, redirect
            from flask_login import login_required
            from .forms import ProfileForm
            app = Flask(__name__)

            @app.route("/profile", methods=["GET", "POST"])
            @login_required
            def profile():
                form = ProfileForm()
                if form.validate_on_submit():
                    return redirect("/")
                return form.errors
            """),
        Valid("""
            from flask import Flask, request
            from flask_login import LoginManager
            app = Flask(__name__)
            login_manager = LoginManager(app)

            @app.post("/newsletter")
            def subscribe():
                return f"subscribed {request.form['email']}"
            """),
        Valid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.post("/saml/acs")
            def saml_acs():
                session["user"] = parse_assertion(request.form["SAMLResponse"])
                return "ok"
            """),
    )
    INVALID = (
        Invalid("""
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.route("/settings", methods=["GET", "POST"])
            def settings():
                if request.method == "POST":
                    session["email"] = request.form["email"]  # expect
                return "ok"
            """, message="`settings`"),
        Invalid("""
            from flask import Flask, request
            from flask_login import login_required
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @app.post("/transfer")
            @csrf.exempt
            @login_required
            def transfer():
                return request.form["amount"]  # expect
            """, message="exempt"),
        Invalid("""
            from flask import Flask, redirect, request, url_for
            from flask_login import current_user
            app = Flask(__name__)

            @app.before_request
            def login_wall():
                if not current_user.is_authenticated and request.endpoint != "login":
                    return redirect(url_for("login"))

            @app.post("/notes/delete")
            def delete_note():
                return request.form["note_id"]  # expect
            """, message="delete_note"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        facts = csrf_setup(project)
        for fn in list(project.views()):
            if is_test_path(fn.module.path):
                continue
            exempt = csrf_exempt(project, fn)
            if facts.protected_at is not None and not exempt:
                continue
            if not facts.cookie_auth and not exempt:
                continue
            if not acts_as_user(project, fn):
                continue  # no login, no session: a forged request gains nothing the attacker lacks
            read = form_read(fn)
            if read is None or not accepts_unsafe_method(fn) or cross_site_by_design(fn):
                continue
            validates = mentions(fn, ("validate_on_submit",)) or (facts.flask_wtf and mentions(fn, (".validate(",)))
            if not exempt and validates:
                continue  # a Flask-WTF form checks its CSRF token when it validates
            attr = read.attr if isinstance(read, ast.Attribute) else "form"
            if exempt:
                message = (
                    f"view `{fn.display}` reads `request.{attr}` but is exempt from CSRFProtect (`csrf.exempt`): "
                    f"another site can submit this form with the user's session cookie"
                )
            else:
                message = (
                    f"view `{fn.display}` handles a form (`request.{attr}`) with no CSRF protection (no CSRFProtect "
                    f"in the project, no validated FlaskForm here): another site can submit it with the user's "
                    f"session cookie"
                )
            severity = self.effective_severity
            if facts.samesite and facts.samesite.lower() in ("lax", "strict"):
                severity = Severity.NOTE
                message += f" (softened by SESSION_COOKIE_SAMESITE={facts.samesite!r})"
            report(
                self.finding(
                    Location(fn.module.path, read.lineno, read.col_offset + 1),
                    message,
                    hint="Enable flask_wtf.csrf.CSRFProtect(app) and render {{ csrf_token() }} in the form, or "
                    "validate a FlaskForm with form.validate_on_submit().",
                    severity=severity,
                    evidence=[
                        Evidence(f"route {r.rule or '?'} {'/'.join(r.methods)}", r.location) for r in fn.routes[:2]
                    ],
                )
            )

