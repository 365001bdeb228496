"""FD308 form-without-csrf: A form-handling POST view without CSRF protection in a cookie-session app."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.csrf import (
    accepts_unsafe_method,
    acts_as_user,
    checks_csrf_token,
    cross_site_by_design,
    csrf_exempt,
    csrf_home,
    csrf_setup,
    destructive_get,
    exempt_reason,
    forgeable_input,
    hook_checks_view,
    jwt_authority,
    reads_auth_cookie,
    request_only_login,
    samesite_defence,
    signs_in,
    validates_flask_wtf_form,
)
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.writes import action_write, lasting_write, view_write
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class FormWithoutCsrf(Rule):
    """
    ## What it does
    Finds views that accept POST, change something (a database commit, a
    saved or deleted file, a session write, a mail) and act as the
    logged-in user (a `login_required`-style decorator or a project
    decorator that checks the session, `current_user`, `session`, a login
    cookie the app sets and checks itself, a blueprint `before_request` hook
    that checks the login, or an app-wide login wall -- also one that lets
    the signed-in user, static files and views marked public return early
    and ends by redirecting everyone else to the sign-in page), with input a
    cross-site page can send: form data (`request.form`, `request.files`,
    `request.values`, in the view or in a helper it calls), a JSON body read
    without a Content-Type check (`request.get_json(force=True)`,
    `json.loads(request.data)`), or no body at all -- an action endpoint
    (`methods=["POST"]`, or an `if request.method == "POST":` branch) that
    answers a browser with a redirect, a flashed message or a page, or a
    plain function view a page's script posts to (`POST
    /api/reminders/<id>/snooze` answering JSON) when nothing could be
    parsing a body out of sight: its only decorators are its routes and
    login checks, its only parameters are the variables of its URL, and
    neither it nor a helper it calls reads the request body. The
    project has no CSRF protection: no `CSRFProtect`/SeaSurf anywhere, no
    Flask-WTF form validated in the view, and no hand-made check that
    compares a session nonce with a form field or `X-CSRF-Token` header (in
    the view or in a `before_request` hook, also through a helper it hands
    the sent token to). Also protection: another CSRF
    extension bound to the app (a class of a package named for CSRF),
    CSRFProtect named in Dynaconf's `EXTENSIONS` setting (it binds each one to
    the app), a hook, decorator or view that refuses a request whose `Origin`,
    `Referer` or `Sec-Fetch-Site` names another site or that lacks a custom
    header such as `X-Requested-With` (a cross-site form cannot add one, and a
    `fetch()` that does is preflighted), a project decorator named for CSRF
    (`@csrf_protect`), a project decorator that runs the view only once a
    Flask-WTF form validates (a confirmation step: the GET shows the form, the
    change happens on the POST whose token checked out), a Flask-WTF form
    validated through a method of its own class (`form.validate_or_flash()`
    that calls `self.validate_on_submit()`), a secret the deployment configures
    that the request must repeat (`if request.form["key"] !=
    app.config["API_KEY"]: return ..., 401`: another site cannot know it), the
    signed-in user's current password or a one-time code asked for again
    before the change (`if not current_user.check_password(request.form[
    "current_password"]): return ...`, OWASP's re-authentication defence; not
    the password of a user the request names, which a forged form brings as
    the attacker's own), a call named for the check either way round
    (`check_csrf()`, `csrf_check()`), and the token-checking
    forms of other extensions (Flask-Admin's `SecureForm`,
    Flask-AppBuilder's `DynamicForm`). Merely
    requiring some `Referer` is not: a forged form sends the attacker's page
    as its referrer. A `CSRFProtect()` made without
    an app and never bound to one (`csrf.init_app(app)`) protects nothing.
    A form built with its token
    check off (`ProfileForm(meta={"csrf": False})`, `class Meta: csrf =
    False`) or a plain WTForms `Form` (Flask-Admin's `BaseForm` too) is no protection, and validating it
    counts as reading the posted fields; a WTForms form that switches
    WTForms' own session CSRF on in its `Meta` is. Flask-JWT-Extended views count
    when tokens live in cookies with `JWT_COOKIE_CSRF_PROTECT = False`.
    Flask-AppBuilder signs users in with Flask-Login and does not bind
    `CSRFProtect` itself, so its `@expose(url, methods=["POST"])` views are
    read like routes; so are Flask-Admin's.
    Views marked with `csrf.exempt` are reported even when `CSRFProtect` is
    on. A view answering GET whose name or URL says it deletes (`GET
    /remove/<page>`) or publishes, approves, archives, revokes, bans,
    deactivates, toggles, clears, stops, restarts or moves something (`GET
    /editor/publish?path=...`, `GET /json/abort_link?id=7`, camelCase names
    too: `/api/toggleInterface`, `clearCache`), and that does
    change state, is reported too, also when
    it accepts POST and never tests `request.method` (nor calls Flask-WTF's
    `validate_on_submit()`). When two
    or more views are reported for want of any protection, one more finding
    points where the fix goes: the call that binds the login extension to
    the app (`LoginManager(app)`, `login_manager.init_app(app)`, or
    `app.login_manager.init_app(app)` when the factory hangs the manager on
    the app), else the creation of the app.

    ## Why is this bad?
    The browser attaches the session cookie to a form that *another* site
    submits to yours, so without a CSRF token that site can post as the
    logged-in user: change the email or password, delete data, make a
    purchase. Not reported: views that only read JSON (`request.get_json()`:
    Flask refuses a body not typed `application/json`, and browsers cannot
    send that type cross-site without a CORS preflight; so does
    `request.get_json(force=True)` after an `if not request.is_json:` that
    returns or aborts, `json.loads(request.data)` after an
    `if request.mimetype != "application/json":` that does, and any view whose app or blueprint `before_request`
    hook, or a decorator of the view or of that hook, turns away every POST
    not typed as JSON); views that accept
    only PUT, PATCH or DELETE (a form cannot send them, and `fetch()` from
    another origin is preflighted); signing in and out with no fields;
    views that use no login at all (a session that holds only the visitor's
    own data under constant keys, such as the last results or a theme, is
    no login: a forged request carries no one's authority), or authenticate with a token header
    (`@token_required`, also in a class-based view's `method_decorators`,
    Flask-HTTPAuth `HTTPTokenAuth` (also handed to APIFairy's
    `@authenticate(token_auth)`, its user read with `token_auth.current_user()`),
    Flask-JWT-Extended's `@jwt_required()` with tokens in headers, Flask-Security's
    `@auth_required("token")`, an Authlib `ResourceProtector`, a blueprint `before_request` hook that looks up
    an `Authorization` or `X-API-Key` header and refuses requests without it,
    a project decorator that accepts the session cookie only on GET
    (`if request.method == "GET" and "uid" in session:`) and asks every
    other request for a bearer token: browsers never add it to a forged
    form); endpoints that receive cross-site POSTs by design (SAML
    assertion consumers, OAuth callbacks, webhooks); and POSTs that change
    nothing (DataTables paging, a search that redirects to GET, a list of
    names), because a forged request that changes nothing gains nothing. When
    every cookie that carries the user's authority is `SameSite=Lax` or
    `Strict` in production configuration (`SESSION_COOKIE_SAMESITE`, and
    `REMEMBER_COOKIE_SAMESITE` too when Flask-Login's remember-me cookie is in
    use, since Flask-Login signs the user back in from it; `JWT_COOKIE_SAMESITE`;
    the `samesite=` of a hand-made login cookie; the default of an environment
    read counts as what production gets), browsers already withhold it from
    cross-site POSTs: the finding is a note that names SameSite as the remaining
    defence, and such views do not count toward the app-wide finding. Flask's
    own default sets no SameSite at all, so only an explicit `Lax`/`Strict`
    counts. It stays a note rather than silence because `Lax` is not a full
    defence: a page on a sibling subdomain is "same-site" and still gets the
    cookie, and browsers that predate SameSite ignore it. HTTP Basic
    authentication does not count as a token header: browsers resend cached
    Basic credentials with any request to the site, a forged one included. A `csrf.exempt` whose comment says why is a note too, and so is a
    sign-in form (a view named for signing in, `login`, `signin` or a bare `auth`, or that dispatches on a
    `"login"` action, and that calls `login_user` or stores into the session): a forged sign-in carries the attacker's own
    credentials, so it signs the victim in to the attacker's account (login
    CSRF) and changes nothing of theirs. When Flask-Login keeps no login in
    the session (a `request_loader`, and no `user_loader` nor `login_user`
    anywhere), the user is whoever the request's own credentials say: only
    those a browser adds by itself (a client certificate, a Kerberos ticket)
    go with a forged request, and the finding is a note. A state change on GET
    is not softened by `SameSite=Lax`: top-level navigations carry the cookie.
    A GET that only flips a value in the user's own session cookie (a
    display preference) is not reported unless it deletes. Nor is a POST
    whose only write is the project's bookkeeping, a call that three or more
    GET-only views make too (a usage ping, an activity log): any link to
    the site already runs it. A context manager that commits on exit
    (`with session_scope() as session:`) changes what its block changes.

    ## Example
    ```python
    @app.route("/settings", methods=["GET", "POST"])
    @login_required
    def settings():
        if request.method == "POST":
            current_user.email = request.form["email"]
            db.session.commit()
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
    - Flask-JWT-Extended docs, "JWT in Cookies": `JWT_COOKIE_CSRF_PROTECT`, `JWT_COOKIE_SAMESITE`
    - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    """

    code = "FD308"
    name = "form-without-csrf"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A form-handling POST view without CSRF protection in a cookie-session app."

    VALID = (
        # no login anywhere: the session only keeps the visitor's last results, which gives a forged post no one's
        # authority to act with
        Valid("""
            from flask import Flask, redirect, render_template, request, session
            app = Flask(__name__)

            @app.route("/")
            def index():
                return render_template("index.html")

            @app.post("/compare")
            def compare():
                for upload in request.files.getlist("sheets"):
                    upload.save(f"/srv/work/{upload.filename}")
                session["pairs"] = pair_rows(request.form.get("column", "id"))
                return redirect("/results")

            @app.route("/results")
            def results():
                return render_template("results.html", pairs=session.get("pairs", []))
            """),
        # the only write is the usage ping that the app's GET pages send as well: any link already runs it, and the
        # ``with`` block of the commit-on-exit helper only reads
        Valid("""
            from contextlib import contextmanager
            from flask import Flask, jsonify, request
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            LoginManager(app)

            @contextmanager
            def unit_of_work():
                work = Session()
                try:
                    yield work
                    work.commit()
                finally:
                    work.close()

            def post_usage_ping(page):
                if settings.share_usage:
                    requests.post(USAGE_URL, json={"page": page}, timeout=1)

            @app.route("/charts")
            @login_required
            def charts():
                post_usage_ping("charts")
                return render_template("charts.html")

            @app.route("/tables")
            @login_required
            def tables():
                post_usage_ping("tables")
                return render_template("tables.html")

            @app.route("/api/rooms")
            @login_required
            def rooms():
                post_usage_ping("rooms")
                return jsonify(room_names())

            @app.post("/api/room-load")
            @login_required
            def room_load():
                post_usage_ping("room_load")
                wanted = json.loads(request.data)["rooms"]
                with unit_of_work() as work:
                    return jsonify(load_of_rooms(work, wanted))
            """),
        # a confirmation decorator runs the view only once a Flask-WTF form validates: the GET shows the form,
        # the delete happens on a POST whose token checked out
        Valid("""
            from functools import wraps
            from flask import Flask, redirect, render_template
            from flask_login import LoginManager, login_required
            from flask_wtf import FlaskForm
            app = Flask(__name__)
            LoginManager(app)

            class ConfirmForm(FlaskForm):
                pass

            def confirm_first(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    form = ConfirmForm()
                    if form.validate_on_submit():
                        return view(*args, **kwargs)
                    return render_template("confirm.html", form=form)
                return wrapper

            @app.route("/shelves/<int:shelf_id>/delete", methods=["GET", "POST"])
            @login_required
            @confirm_first
            def delete_shelf(shelf_id):
                db.session.delete(Shelf.query.get_or_404(shelf_id))
                db.session.commit()
                return redirect("/shelves")
            """),
        # the app-wide hook hands what the request sent to a helper that compares it with the session's nonce
        Valid("""
            from flask import Flask, abort, redirect, request, session
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            def nonce_matches(sent):
                return bool(sent) and sent == session.get("form_nonce")

            @app.before_request
            def refuse_stale_forms():
                if request.method != "GET" and not nonce_matches(request.form.get("form_nonce")):
                    abort(403)

            @app.post("/pantry/items")
            @login_required
            def add_item():
                current_user.pantry.append(Item(name=request.form["name"]))
                db.session.commit()
                return redirect("/pantry")
            """),
        # the blueprint's hook, through a decorator, turns away every POST not typed as JSON: no cross-site
        # form (``text/plain`` included) gets as far as the forced JSON read
        Valid("""
            from functools import wraps
            from flask import Blueprint, Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)
            api = Blueprint("api", __name__)

            def json_bodies_only(hook):
                @wraps(hook)
                def wrapper(*args, **kwargs):
                    if request.method in ("POST", "PUT", "PATCH"):
                        if not request.is_json:
                            abort(415)
                    return hook(*args, **kwargs)
                return wrapper

            @api.before_request
            @json_bodies_only
            def before_api():
                pass

            @api.post("/plants")
            @login_required
            def add_plant():
                spec = request.get_json(force=True)
                db.session.add(Plant(name=spec["name"], owner=current_user))
                db.session.commit()
                return {"ok": True}

            app.register_blueprint(api)
            """),
        # ``force=True`` only after the view has turned away anything not typed as JSON
        Valid("""
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/api/alerts")
            @login_required
            def set_alerts():
                if not request.is_json:
                    abort(415)
                current_user.alert_email = request.get_json(force=True)["email"]
                db.session.commit()
                return {"saved": True}
            """),
        # Flask-JWT-Extended reads the token from the Authorization header; its ``current_user`` is the
        # token's user, not a session login
        Valid("""
            from flask import Flask, request
            from flask_jwt_extended import JWTManager, current_user, jwt_required
            from flask_login import LoginManager
            app = Flask(__name__)
            app.config["JWT_TOKEN_LOCATION"] = ["headers"]
            JWTManager(app)
            LoginManager(app)

            @app.post("/api/readings")
            @jwt_required()
            def add_reading():
                db.session.add(Reading(value=request.form["value"], sensor=current_user))
                db.session.commit()
                return {"stored": True}
            """),
        # a Flask-RESTful resource whose ``method_decorators`` ask for an API key header
        Valid("""
            from functools import wraps
            from flask import Flask, abort, g, request
            from flask_login import LoginManager
            from flask_restful import Api, Resource
            app = Flask(__name__)
            LoginManager(app)

            def key_required(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    key = request.headers.get("X-API-Key")
                    if not key:
                        abort(401)
                    g.owner = owner_of(key)
                    return view(*args, **kwargs)
                return wrapper

            class Readings(Resource):
                method_decorators = [key_required]

                def post(self):
                    db.session.add(Reading(value=request.form["value"], owner=g.owner))
                    db.session.commit()
                    return {"stored": True}

            Api(app).add_resource(Readings, "/api/readings")
            """),
        # an API that Flask-HTTPAuth authenticates by a bearer token, given to APIFairy's ``@authenticate``;
        # the view asks the token scheme, not Flask-Login, who the user is
        Valid("""
            from apifairy import authenticate
            from flask import Flask, request
            from flask_httpauth import HTTPTokenAuth
            from flask_login import LoginManager
            app = Flask(__name__)
            login_manager = LoginManager(app)
            bearer = HTTPTokenAuth()

            @app.post("/api/bookmarks")
            @authenticate(bearer)
            def add_bookmark():
                owner = bearer.current_user()
                db.session.add(Bookmark(url=request.form["url"], owner=owner))
                db.session.commit()
                return {"saved": True}
            """),
        # camelCase helpers that only read (``runQuery``, ``getShelf``) and a logger configured in memory
        Valid("""
            import logging
            from flask import Blueprint, jsonify, request
            from flask_login import login_required
            from storage.catalogue import getShelf, runQuery
            shelf = Blueprint("shelf", __name__)
            log = logging.getLogger(__name__)

            @shelf.route("/catalogue/search", methods=["POST"])
            @login_required
            def search_catalogue():
                log.setLevel(logging.DEBUG)
                rows = runQuery(getShelf(request.form["shelf"]), request.form["q"])
                return jsonify(rows)
            """),
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
        # a table widget pages through rows with POSTed parameters: nothing is written
        Valid("""
            from flask import Flask, jsonify, request
            from flask_login import login_required
            app = Flask(__name__)

            @app.route("/admin/rows", methods=["GET", "POST"])
            @login_required
            def rows():
                table = request.values.get("table", "orders")
                start = int(request.values.get("start", 0))
                length = int(request.values.get("length", 25))
                return jsonify(fetch_rows(table, start, length))
            """),
        # the POST branch only turns the form into a query string and redirects to GET
        Valid("""
            from urllib.parse import urlencode
            from flask import Flask, redirect, request, session, url_for
            app = Flask(__name__)

            @app.route("/find", methods=["GET", "POST"])
            def find():
                if request.method == "POST":
                    return redirect(url_for("find") + "?" + urlencode({"q": request.form["q"]}))
                session["last_query"] = request.args.get("q", "")
                return run_query(request.args.get("q", ""))
            """),
        # the app keeps a nonce in the session and checks it before every request
        Valid("""
            import hmac
            from flask import Flask, abort, request, session
            app = Flask(__name__)

            @app.before_request
            def check_csrf():
                if request.method in ("POST", "PUT", "DELETE"):
                    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
                    if not hmac.compare_digest(sent, session.get("csrf_nonce", "")):
                        abort(403)

            @app.post("/profile")
            def profile():
                session["nickname"] = request.form["nickname"]
                return "ok"
            """),
        # the view compares the header or form token with the session's itself
        Valid("""
            from flask import Flask, abort, request, session
            app = Flask(__name__)

            @app.route("/api/<path:name>", methods=["GET", "POST"])
            def legacy_api(name):
                if request.method == "POST" and session.get("user"):
                    token = request.headers.get("X-CSRF-Token", request.form.get("csrftoken"))
                    if token != session.get("csrf_token"):
                        abort(403)
                    store(name, request.form)
                return "ok"
            """),
        # an API authenticated by a bearer token: a forged form carries no Authorization header
        Valid("""
            from flask import Flask, request
            from .auth import token_required
            app = Flask(__name__)

            @app.post("/api/uploads")
            @token_required
            def upload():
                request.files["file"].save("/srv/uploads/new")
                return "ok"
            """),
        # an app-wide hook compares a nonce kept in the session with the one the form or header sends
        Valid("""
            from flask import Flask, abort, request, session
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.before_request
            def guard_forms():
                if request.method != "GET":
                    sent = request.form.get("_nonce") or request.headers.get("X-Nonce")
                    if not sent or sent != session.get("_nonce"):
                        abort(400)

            @app.post("/profile")
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """),
        # double submit: the hook compares a cookie with the X-CSRF-Token header in constant time
        Valid("""
            import hmac
            from flask import Flask, abort, request
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.before_request
            def double_submit():
                if request.method != "GET":
                    cookie = request.cookies.get("xsrf")
                    header = request.headers.get("X-CSRF-Token", "")
                    if not cookie or not hmac.compare_digest(cookie, header):
                        abort(403)

            @app.post("/profile")
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """),
        # the project's own decorator authenticates by the Authorization header and never reads the session
        Valid("""
            from functools import wraps
            from flask import Flask, abort, g, request
            app = Flask(__name__)

            def api_auth(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    header = request.headers.get("Authorization", "")
                    if not header.startswith("Bearer "):
                        abort(401)
                    g.user = find_token(header[7:])
                    return view(*args, **kwargs)
                return wrapper

            @app.post("/api/items")
            @api_auth
            def create_item():
                g.user.items.append(request.form["name"])
                db.session.commit()
                return {"ok": True}
            """),
        # the decorator takes the session cookie only for page views; anything else must carry a bearer token
        Valid("""
            from functools import wraps
            from flask import Flask, g, redirect, request, session
            app = Flask(__name__)

            def signed_in(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    if request.method == "GET" and "uid" in session:
                        g.current_user = load_user(session["uid"])
                        return view(*args, **kwargs)
                    bearer = request.headers.get("Authorization", "")
                    if not bearer.startswith("Bearer "):
                        return redirect("/login")
                    g.current_user = user_for_token(bearer[7:])
                    session["uid"] = g.current_user.id
                    return view(*args, **kwargs)
                return wrapper

            @app.post("/notes")
            @signed_in
            def add_note():
                g.current_user.notes.append(request.form["text"])
                db.session.commit()
                return {"ok": True}
            """),
        # sign-up in a blueprint whose module is named `auth`: `@bp.route` there is a route, not a login check
        Valid(
            """
            from flask import Flask
            from auth import bp
            app = Flask(__name__)
            app.register_blueprint(bp)
            """,
            files={
                "auth.py": (
                    "from flask import Blueprint, redirect, request, session\n"
                    "bp = Blueprint('accounts', __name__)\n\n\n"
                    "@bp.route('/signup', methods=['GET', 'POST'])\n"
                    "def signup():\n"
                    "    if request.method == 'POST':\n"
                    "        db.add(Member(name=request.form['name']))\n"
                    "        db.commit()\n"
                    "        return redirect('/welcome')\n"
                    "    return 'form'\n\n\n"
                    "@bp.get('/me')\n"
                    "def me():\n"
                    "    return session.get('uid', 'nobody')\n"
                )
            },
        ),
        # app factory: `csrf = CSRFProtect()` in an extensions module, `csrf.init_app(app)` in the factory,
        # the form view in a blueprint of a subpackage
        Valid(
            """
            from flask import Flask
            from shop.extensions import csrf, login

            def create_app():
                app = Flask(__name__)
                csrf.init_app(app)
                login.init_app(app)
                from shop.views.profile import bp
                app.register_blueprint(bp)
                return app
            """,
            files={
                "shop/__init__.py": "",
                "shop/extensions.py": """
            from flask_login import LoginManager
            from flask_wtf.csrf import CSRFProtect

            csrf = CSRFProtect()
            login = LoginManager()
            """,
                "shop/views/__init__.py": "",
                "shop/views/profile.py": """
            from flask import Blueprint, request
            from flask_login import current_user, login_required

            bp = Blueprint("profile", __name__)

            @bp.post("/profile")
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """,
            },
        ),
        # Flask-SeaSurf protects every POST of the app
        Valid("""
            from flask import Flask, request
            from flask_login import current_user, login_required
            from flask_seasurf import SeaSurf
            app = Flask(__name__)
            csrf = SeaSurf(app)

            @app.post("/profile")
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """),
        # helpers named like writes that only fill the view's own dict, build a header, or copy a URL:
        # the POSTs read, render and redirect, so a forged one gains nothing
        Valid("""
            from urllib.parse import urlencode, urlparse, urlunparse
            import requests
            from flask import Flask, flash, redirect, render_template, request, send_file
            from flask_login import login_required
            app = Flask(__name__)

            class Registry:
                def set_headers(self, key):
                    return {"Accept": "application/json", "X-Key": key}

                def status(self, ticket, key):
                    return requests.get(f"https://registry.example/{ticket}", headers=self.set_headers(key), timeout=5).json()

            registry = Registry()

            def set_entry_form(entry_id, data):
                entry = dict(lookup_entry(entry_id))
                entry["label"] = entry.get("name", "?")
                data["entry"] = entry

            def back(page):
                parts = urlparse(request.referrer or "/")
                target = urlunparse(parts._replace(query=urlencode({"page": page})))
                return redirect(target.replace("http://", "https://", 1))

            @app.post("/tickets/<ticket>/status")
            @login_required
            def ticket_status(ticket):
                flash(str(registry.status(ticket, request.form.get("key"))))
                return back(request.form.get("page", "1"))

            @app.post("/entries/form")
            @login_required
            def entry_form():
                data = {"kinds": ["a", "b"]}
                set_entry_form(request.form.get("entry_id"), data)
                return render_template("entry_form.html", **data)

            @app.post("/entries/export")
            @login_required
            def entry_export():
                pdf = render_pdf(request.form.get("entry_id"))
                return send_file(pdf, download_name="entry.pdf", mimetype="application/pdf")
            """),
        # a bodyless endpoint whose input a schema decorator reads as JSON, answering JSON: an API, not a form target
        Valid("""
            from flask import Flask
            from flask_login import login_required
            from webargs.flaskparser import use_args
            app = Flask(__name__)

            @app.post("/api/albums/<int:album_id>/archive")
            @login_required
            @use_args(ArchiveArgs(), location="json")
            def archive_album(args, album_id):
                Album.query.get_or_404(album_id).archived = args["archived"]
                db.session.commit()
                return {"ok": True}
            """),
        # DELETE only: a form cannot send it, and a cross-origin fetch() is preflighted
        Valid("""
            from flask import Flask, flash, redirect
            from flask_login import login_required
            app = Flask(__name__)

            @app.delete("/albums/<int:album_id>")
            @login_required
            def drop_album(album_id):
                db.session.delete(Album.query.get_or_404(album_id))
                db.session.commit()
                flash("Album deleted")
                return redirect("/albums")
            """),
        # signing out by a forged request gains the attacker nothing
        Valid("""
            from flask import Flask, redirect
            from flask_login import login_required, logout_user
            app = Flask(__name__)

            @app.post("/logout")
            @login_required
            def logout():
                logout_user()
                return redirect("/")
            """),
        # a page that also accepts POST writes on every visit, not because of the POST
        Valid("""
            from datetime import datetime
            from flask import Flask, render_template
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.route("/albums", methods=["GET", "POST"])
            @login_required
            def albums():
                current_user.last_seen = datetime.now()
                db.session.commit()
                return render_template("albums.html", albums=filtered_albums())
            """),
        # the helper the view hands the request to validates a FlaskForm, which checks the form's CSRF token
        Valid(
            """
            from flask import Flask, redirect, request
            from flask_login import login_required
            from lab import controllers
            app = Flask(__name__)

            @app.post("/samples/add")
            @login_required
            def add_sample():
                controllers.add_sample(request)
                return redirect("/samples")
            """,
            files={
                "lab/__init__.py": "",
                "lab/controllers.py": """
            from flask_wtf import FlaskForm
            from wtforms import StringField

            class SampleForm(FlaskForm):
                name = StringField()

            def add_sample(request):
                form = SampleForm(request.form)
                if form.validate():
                    samples.insert_one({"name": form.name.data})
            """,
            },
        ),
        # GET and POST, but only the POST branch deletes (from a JSON body a cross-site form cannot send):
        # the GET shows the confirmation page
        Valid("""
            from flask import Flask, render_template, request
            from flask_login import login_required
            app = Flask(__name__)

            @app.route("/notes/delete", methods=["GET", "POST"])
            @login_required
            def delete_note():
                if request.method == "POST":
                    Note.query.filter_by(id=request.get_json()["id"]).delete()
                    db.session.commit()
                    return {"ok": True}
                return render_template("confirm.html")
            """),
        # GET and POST, but Flask-WTF's validate_on_submit() is true only for a submitted POST (with
        # CSRFProtect or a FlaskForm, a valid token too): the GET shows the confirmation form
        Valid("""
            from flask import Flask, redirect, render_template
            from flask_login import login_required
            from flask_wtf import FlaskForm
            app = Flask(__name__)

            class ConfirmationForm(FlaskForm):
                pass

            @app.route("/project/<int:project_id>/delete", methods=["GET", "POST"])
            @login_required
            def delete_project(project_id):
                form = ConfirmationForm()
                if form.validate_on_submit():
                    Project.query.filter_by(id=project_id).delete()
                    db.session.commit()
                    return redirect("/")
                return render_template("confirm.html", form=form)
            """),
        # a page listing published posts counts its visits: the name says "published", not "publish"
        Valid("""
            from flask import Flask, render_template
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.route("/posts/published")
            @login_required
            def published_posts():
                current_user.visits += 1
                db.session.commit()
                return render_template("published.html")
            """),
        # a link flips a display preference kept in the user's own session cookie: nothing lasting changes
        Valid("""
            from flask import Flask, session
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.get("/reports/toggle_archived")
            @login_required
            def toggle_archived():
                session["show_archived"] = not session.get("show_archived")
                return "ok"
            """),
        # a plain WTForms form that switches WTForms' own session CSRF on in its Meta
        Valid("""
            from flask import Flask, redirect, request, session
            from flask_login import LoginManager, current_user, login_required
            from wtforms import Form, StringField
            from wtforms.csrf.session import SessionCSRF
            app = Flask(__name__)
            LoginManager(app)

            class AddressForm(Form):
                class Meta:
                    csrf = True
                    csrf_class = SessionCSRF

                street = StringField()

            @app.route("/address", methods=["GET", "POST"])
            @login_required
            def address():
                form = AddressForm(request.form, meta={"csrf_context": session})
                if request.method == "POST" and form.validate():
                    current_user.street = form.street.data
                    db.session.commit()
                    return redirect("/")
                return "form"
            """),
        # an app-wide hook refuses unsafe requests whose Origin (or, lacking it, Referer) is another host
        Valid("""
            from urllib.parse import urlsplit
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.before_request
            def same_origin_only():
                if request.method in ("GET", "HEAD", "OPTIONS"):
                    return None
                source = request.headers.get("Origin") or request.referrer or ""
                if urlsplit(source).netloc != request.host:
                    abort(403)
                return None

            @app.post("/garden/beds")
            @login_required
            def add_bed():
                current_user.beds.append(Bed(name=request.form["name"]))
                db.session.commit()
                return "ok"
            """),
        # the browser's Fetch Metadata: the blueprint's hook turns away requests another site started
        Valid("""
            from flask import Blueprint, abort, request
            from flask_login import current_user, login_required
            bp = Blueprint("ledger", __name__)

            @bp.before_request
            def refuse_cross_site():
                site = request.headers.get("Sec-Fetch-Site", "same-origin")
                if request.method == "POST" and site not in ("same-origin", "none"):
                    abort(403, "cross-site request refused")

            @bp.post("/ledger/entries")
            @login_required
            def add_entry():
                current_user.entries.append(Entry(amount=request.form["amount"]))
                db.session.commit()
                return "ok"
            """),
        # a project decorator insists on a custom header only the app's own scripts send
        Valid("""
            from functools import wraps
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            def from_our_scripts(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    if request.headers.get("X-Requested-With") != "XMLHttpRequest":
                        abort(400)
                    return view(*args, **kwargs)
                return wrapper

            @app.post("/kitchen/timers")
            @login_required
            @from_our_scripts
            def start_timer():
                current_user.timers.append(Timer(minutes=int(request.form["minutes"])))
                db.session.commit()
                return "ok"
            """),
        # Flask-Admin's SecureForm carries and checks a CSRF token of its own
        Valid("""
            from flask import Flask, redirect, request
            from flask_admin.form import SecureForm
            from flask_login import LoginManager, current_user, login_required
            from wtforms import StringField
            app = Flask(__name__)
            LoginManager(app)

            class ShelfForm(SecureForm):
                label = StringField()

            @app.route("/shelves/new", methods=["GET", "POST"])
            @login_required
            def new_shelf():
                form = ShelfForm(request.form)
                if request.method == "POST" and form.validate():
                    current_user.shelves.append(Shelf(label=form.label.data))
                    db.session.commit()
                    return redirect("/shelves")
                return "form"
            """),
        # Dynaconf binds every extension its EXTENSIONS setting names, CSRFProtect among them
        Valid("""
            from dynaconf import FlaskDynaconf
            from flask import Flask, request
            from flask_login import current_user, login_required
            app = Flask(__name__)
            FlaskDynaconf(app, EXTENSIONS=["flask_login:LoginManager", "flask_wtf.csrf:CSRFProtect"])
            app.config.load_extensions()

            @app.post("/reading-list")
            @login_required
            def add_book():
                current_user.books.append(Book(title=request.form["title"]))
                db.session.commit()
                return "ok"
            """),
        # the API blueprint authenticates every request by its X-API-Key header before the view runs, even
        # though the web pages of the same app log in with the session
        Valid("""
            from flask import Blueprint, abort, g, request
            from flask_login import LoginManager
            login_manager = LoginManager()
            bp = Blueprint("api", __name__)

            @bp.before_request
            def api_key():
                g.user = Account.by_api_key(request.headers.get("X-API-Key", ""))
                if g.user is None:
                    abort(401)

            @bp.post("/api/photos")
            def upload_photo():
                request.files["photo"].save(f"/srv/photos/{g.user.id}.jpg")
                g.user.photos += 1
                db.session.commit()
                return {"ok": True}
            """),
        # the project's base class view checks the nonce for every method of every subclass before dispatching
        Valid("""
            from flask import Flask, abort, request, session
            from flask.views import MethodView
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            class GuardedView(MethodView):
                def dispatch_request(self, *args, **kwargs):
                    if request.method != "GET":
                        sent = request.form.get("_token") or request.headers.get("X-Token", "")
                        if sent != session.get("_token"):
                            abort(400)
                    return super().dispatch_request(*args, **kwargs)

            class Recipes(GuardedView):
                decorators = [login_required]

                def post(self):
                    current_user.recipes.append(Recipe(title=request.form["title"]))
                    db.session.commit()
                    return "ok"

            app.add_url_rule("/recipes", view_func=Recipes.as_view("recipes"))
            """),
        # Flask-Security: this view takes only the Authentication-Token header, never the session
        Valid("""
            from flask import Flask, request
            from flask_security import Security, auth_required
            app = Flask(__name__)
            Security(app, user_datastore)

            @app.post("/api/readings")
            @auth_required("token")
            def add_reading():
                db.session.add(Reading(value=float(request.form["value"])))
                db.session.commit()
                return {"ok": True}
            """),
        # every form goes through a helper method of the project's Flask-WTF base class, which runs
        # validate_on_submit() (and so checks the token) before the view changes anything
        Valid("""
            from flask import Flask, abort, flash, redirect, request
            from flask_login import LoginManager, current_user, login_required
            from flask_wtf import FlaskForm
            from wtforms import StringField
            app = Flask(__name__)
            LoginManager(app)

            class BaseForm(FlaskForm):
                def submitted_ok(self):
                    if self.validate_on_submit():
                        return True
                    flash("please check the form")
                    return False

            class ShelfForm(BaseForm):
                label = StringField()

            @app.post("/shelves")
            @login_required
            def add_shelf():
                form = ShelfForm()
                if not form.submitted_ok():
                    return redirect("/shelves")
                current_user.shelves.append(Shelf(label=request.form["label"]))
                db.session.commit()
                return redirect("/shelves")

            @app.post("/shelves/<int:shelf_id>/remove")
            @login_required
            def remove_shelf(shelf_id):
                if not BaseForm().submitted_ok():
                    abort(400)
                db.session.delete(Shelf.query.get_or_404(shelf_id))
                db.session.commit()
                return redirect("/shelves")
            """),
        # the upload must repeat the deployment's API key in a form field: a page on another site cannot know
        # it, whatever session cookie the browser adds
        Valid("""
            from flask import Flask, jsonify, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/readings/upload")
            @login_required
            def upload_readings():
                sent_key = request.form.get("upload_key")
                if sent_key != app.config["METER_API_KEY"]:
                    return jsonify(error="bad key"), 401
                current_user.readings.append(Reading(raw=request.files["sheet"].read()))
                db.session.commit()
                return jsonify(ok=True)
            """),
        # the body is parsed by a decorator out of sight (it may insist on JSON), and the other view takes its input
        # as a parameter a framework hands in: neither is a bodyless action
        Valid("""
            from flask import Flask, jsonify
            from flask_login import LoginManager, current_user, login_required
            from webargs.flaskparser import use_args
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/api/reminders/<int:reminder_id>/move")
            @login_required
            @use_args(MoveSchema(), location="json")
            def move_reminder(args, reminder_id):
                Reminder.query.get_or_404(reminder_id).due = args["due"]
                db.session.commit()
                return jsonify(moved=True)

            @app.post("/api/reminders")
            @login_required
            def add_reminder(body):
                db.session.add(Reminder(owner=current_user, text=body["text"]))
                db.session.commit()
                return jsonify(added=True)
            """),
        # a hook that guards a few listed endpoints is no login wall: it ends without turning anyone away, and the
        # public view it leaves alone clears only an anonymous visitor's own list
        Valid("""
            from flask import Flask, redirect, request, session, url_for
            from flask_login import LoginManager, current_user
            app = Flask(__name__)
            LoginManager(app)
            PRIVATE = {"account", "billing"}

            @app.before_request
            def guard_private():
                if request.endpoint in PRIVATE and not current_user.is_authenticated:
                    return redirect(url_for("signin"))
                return None

            @app.get("/compare/clearList")
            def clearList():
                session.pop("compared", None)
                return redirect("/compare")
            """),
        # the change needs the signed-in user's current password: another site does not know it (re-authentication)
        Valid("""
            from flask import Flask, flash, redirect, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.route("/account/password", methods=["GET", "POST"])
            @login_required
            def change_password():
                if request.method == "POST":
                    if not current_user.check_password(request.form["current_password"]):
                        flash("Wrong password")
                        return redirect("/account/password")
                    current_user.set_password(request.form["new_password"])
                    db.session.commit()
                return redirect("/")
            """),
        # the view turns away any body not typed as JSON before it parses ``request.data``
        Valid("""
            import json
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/api/alerts")
            @login_required
            def set_alerts():
                if request.mimetype != "application/json":
                    abort(415)
                current_user.alert_email = json.loads(request.data)["email"]
                db.session.commit()
                return {"saved": True}
            """),
        # the same refusal written on the raw header: a cross-site form cannot send ``application/json``
        Valid("""
            import json
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/api/alerts")
            @login_required
            def set_alerts():
                if "application/json" not in request.headers.get("Content-Type", ""):
                    abort(415)
                current_user.alert_email = json.loads(request.data)["email"]
                db.session.commit()
                return {"saved": True}
            """),
        # the app-wide hook runs the framework's token check, named the other way round (``csrf_check``)
        Valid("""
            from flask import Flask, redirect, request
            from flask_login import LoginManager, current_user, login_required
            from portal.security import csrf_check
            app = Flask(__name__)
            LoginManager(app)

            @app.before_request
            def guard_forms():
                if request.method == "POST":
                    csrf_check(request)

            @app.route("/settings", methods=["GET", "POST"])
            @login_required
            def settings():
                if request.method == "POST":
                    current_user.email = request.form["email"]
                    db.session.commit()
                return redirect("/")
            """),
        # Flask-Admin's SecureForm switches WTForms' session CSRF on: validating it checks the token
        Valid("""
            from flask import Flask, redirect, request
            from flask_admin.form import SecureForm
            from flask_login import LoginManager, current_user, login_required
            from wtforms import StringField
            app = Flask(__name__)
            LoginManager(app)

            class EmailForm(SecureForm):
                email = StringField()

            @app.route("/settings", methods=["GET", "POST"])
            @login_required
            def settings():
                form = EmailForm(request.form)
                if request.method == "POST" and form.validate():
                    current_user.email = form.email.data
                    db.session.commit()
                return redirect("/")
            """),
    )

    INVALID = (
        # the ``with`` block of the commit-on-exit helper adds a row: that is the write, whatever the helper is
        Invalid(
            """
            from contextlib import contextmanager
            from flask import Flask, jsonify, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @contextmanager
            def unit_of_work():
                work = Session()
                yield work
                work.commit()

            @app.post("/api/rooms")
            @login_required
            def add_room():
                name = request.form["name"]  # expect
                with unit_of_work() as work:
                    work.add(Room(name=name, owner=current_user.id))
                return jsonify(ok=True)
            """,
            message="no CSRF protection",
        ),
        # the write is a camelCase helper of another package (``clearCatalogue`` starts with a write verb):
        # a forged upload replaces the stored list
        Invalid(
            """
            from flask import Blueprint, render_template, request
            from flask_login import login_required
            from storage.catalogue import clearCatalogue, loadCatalogue
            shelf = Blueprint("shelf", __name__)

            @shelf.route("/catalogue/upload", methods=["GET", "POST"])
            @login_required
            def upload_catalogue():
                upload = request.files["catalogue"]  # expect
                clearCatalogue()
                loadCatalogue(upload.stream)
                return render_template("shelf.html")
            """,
            message="upload_catalogue",
        ),
        # GET and POST alike delete (the view never tells them apart), on a blueprint a helper builds:
        # a link on another site deletes the comment
        Invalid("""
            from flask import Blueprint, request
            from flask_login import login_required

            def get_blueprint(name):
                return Blueprint(name, __name__, template_folder="../templates")

            blueprint = get_blueprint("comments")

            @blueprint.route("/delete_comment", methods=["GET", "POST"])  # expect
            @login_required
            def delete_comment():
                Comment.query.filter_by(id=request.args["id"]).delete()
                db.session.commit()
                return ""
            """),
        # nothing is named like a write, but the SQL the view runs drops a trigger
        Invalid(
            """
            from flask import Flask, redirect, request, session
            from storage import open_database
            app = Flask(__name__)
            app.secret_key = "from-env"

            @app.post("/tables/<table>/triggers/drop")
            def remove_trigger(table):
                if not session.get("authorized"):
                    return redirect("/login")
                database = open_database()
                name = request.form.get("name", "")  # expect
                database.query(f'DROP TRIGGER IF EXISTS "{name}"')
                return redirect(f"/tables/{table}")
            """,
            message="remove_trigger",
            files={"storage.py": "def open_database():\n    return None\n"},
        ),
        # a helper named like a setter writes through pymongo's find_one_and_update, two calls down
        Invalid(
            """
            from flask import Flask, redirect, request
            from flask_login import login_required
            from store import store
            app = Flask(__name__)

            def relabel_group(group_id, label):
                return store.group_label(group_id, label)

            def set_label(data, label):
                data["label"] = label

            @app.post("/groups/<group_id>/label")
            @login_required
            def group_label(group_id):
                data = {}
                set_label(data, request.form.get("label", ""))  # expect
                relabel_group(group_id, data["label"])
                return redirect("/groups")
            """,
            message="group_label",
            files={
                "store.py": """
            class Store:
                def group_label(self, group_id, label):
                    return self.groups.find_one_and_update({"_id": group_id}, {"$set": {"label": label}})

            store = Store()
            """
            },
        ),
        # a setter that puts the form into the session the caller hands it
        Invalid(
            """
            from flask import Flask, redirect, request, session
            from flask_login import login_required
            app = Flask(__name__)

            def set_preference(store, key, value):
                store[key] = value

            @app.post("/preferences")
            @login_required
            def preferences():
                set_preference(session, "theme", request.form["theme"])  # expect
                return redirect("/")
            """,
            message="preferences",
        ),
        # the decorator reads a token header but falls back to the session cookie: a forged form still works
        Invalid(
            """
            from functools import wraps
            from flask import Flask, abort, g, request, session
            app = Flask(__name__)

            def api_auth(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    token = request.headers.get("Authorization") or session.get("token")
                    if token is None:
                        abort(401)
                    g.user = find_token(token)
                    return view(*args, **kwargs)
                return wrapper

            @app.post("/items")
            @api_auth
            def create_item():
                g.user.items.append(request.form["name"])  # expect
                db.session.commit()
                return {"ok": True}
            """,
            message="create_item",
        ),
        # a hook that compares who the form names with who is logged in is not a CSRF token check
        Invalid(
            """
            from flask import Flask, abort, request, session
            app = Flask(__name__)

            @app.before_request
            def same_user():
                if request.method == "POST" and request.form.get("user") != session.get("user"):
                    abort(403)

            @app.post("/profile")
            def profile():
                session["email"] = request.form["email"]  # expect
                return "ok"
            """,
            message="profile",
        ),
        Invalid(
            """
            from flask import Flask, request, session
            app = Flask(__name__)

            @app.route("/settings", methods=["GET", "POST"])
            def settings():
                if request.method == "POST":
                    session["email"] = request.form["email"]  # expect
                return "ok"
            """,
            message="`settings`",
        ),
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user, login_required
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @app.post("/transfer")
            @csrf.exempt
            @login_required
            def transfer():
                current_user.balance -= int(request.form["amount"])  # expect
                db.session.commit()
                return "ok"
            """,
            message="exempt",
        ),
        Invalid(
            """
            from flask import Flask, redirect, request, url_for
            from flask_login import current_user
            app = Flask(__name__)

            @app.before_request
            def login_wall():
                if not current_user.is_authenticated and request.endpoint != "login":
                    return redirect(url_for("login"))

            @app.post("/notes/delete")
            def delete_note():
                Note.query.filter_by(id=request.form["note_id"]).delete()  # expect
                db.session.commit()
                return "ok"
            """,
            message="delete_note",
        ),
        # a login cookie the app sets and checks by hand: forms and a deleting GET under it
        Invalid(
            """
            import os
            import secrets
            from flask import Flask, make_response, redirect, request
            app = Flask(__name__)
            TOKENS = []

            def page_name():
                return request.form["title"]

            @app.route("/edit/<page>", methods=["GET", "POST"])
            def edit(page):  # expect
                if request.cookies.get("wiki_login") not in TOKENS:
                    return redirect("/login")
                if request.method == "POST":
                    save_page(page_name())
                return "editor"

            @app.route("/remove/<page>", methods=["GET"])  # expect
            def remove(page):
                if request.cookies.get("wiki_login") not in TOKENS:
                    return redirect("/")
                os.remove(f"/srv/wiki/{page}.md")
                return redirect("/")

            @app.post("/login")
            def login():
                token = secrets.token_urlsafe(32)
                response = make_response(redirect("/"))
                response.set_cookie("wiki_login", token)
                TOKENS.append(token)
                return response
            """,
            message="wiki_login",
        ),
        # publishing a post from a link: the GET with ?path= changes what every reader sees
        Invalid(
            """
            from flask import Blueprint, request
            from flask_login import login_required
            bp = Blueprint("editor", __name__)

            @bp.route("/ajax/editor/publish", methods=["GET", "POST"])  # expect
            @login_required
            def publish_post():
                post = Post.query.filter_by(path=request.args["path"]).first_or_404()
                post.status = "published"
                db.session.commit()
                return "OK"
            """,
            message="changes state on a GET request",
        ),
        # a delete button with no fields: the empty form another site auto-submits works as well
        Invalid(
            """
            from flask import Flask, flash, redirect, url_for
            from flask_login import login_required
            app = Flask(__name__)

            @app.post("/albums/<int:album_id>/archive")
            @login_required
            def archive_album(album_id):  # expect
                album = Album.query.get_or_404(album_id)
                album.archived = True
                db.session.commit()
                flash("Album archived")
                return redirect(url_for("albums"))
            """,
            message="needs no fields",
        ),
        # force=True parses a text/plain body too, which a cross-site form can shape into JSON
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.post("/settings/theme")
            @login_required
            def save_theme():
                prefs = request.get_json(force=True)  # expect
                current_user.theme = prefs["theme"]
                db.session.commit()
                return {"ok": True}
            """,
            message="Content-Type",
        ),
        # a hand-made login decorator keeps the user in the session; two forms and no protection anywhere:
        # one more finding where the app is created, which is where CSRFProtect goes
        Invalid(
            """
            from functools import wraps
            from flask import Flask, redirect, request, session
            app = Flask(__name__)  # expect

            def signed_in(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    if "member_id" not in session:
                        return redirect("/signin")
                    return view(*args, **kwargs)
                return wrapper

            @app.post("/notes")
            @signed_in
            def add_note():
                Note(text=request.form["text"]).save()  # expect
                return redirect("/notes")

            @app.post("/notes/<int:note_id>/pin")
            @signed_in
            def pin_note(note_id):
                note = Note.get(note_id)
                note.slot = request.form.get("slot", "1")  # expect
                note.save()
                return redirect("/notes")
            """,
            message="no CSRF protection",
        ),
        # the factory hangs the login manager on the app and binds it there: the app-wide finding goes to that
        # call, not to the bare app a command-line module builds for itself
        Invalid(
            """
            from flask import Blueprint, Flask, redirect, request
            from flask_login import LoginManager, current_user, login_required
            bp = Blueprint("shelf", __name__)

            def create_app():
                app = Flask(__name__)
                app.login_manager = LoginManager()
                app.login_manager.login_view = "signin"
                app.login_manager.init_app(app)  # expect
                app.register_blueprint(bp)
                return app

            @bp.post("/shelf/books")
            @login_required
            def add_book():
                current_user.books.append(request.form["isbn"])  # expect
                db.session.commit()
                return redirect("/shelf")

            @bp.post("/shelf/books/<int:book_id>/review")
            @login_required
            def review_book(book_id):
                current_user.review(book_id, request.form["stars"])  # expect
                db.session.commit()
                return redirect("/shelf")
            """,
            message="no CSRF protection",
            files={
                "tools.py": """
            import click
            from flask import Flask
            from flask.cli import FlaskGroup

            def bare_app():
                return Flask("shelf-tools")

            @click.group(cls=FlaskGroup, create_app=bare_app)
            def tools():
                pass
            """
            },
        ),
        # cookie JWTs without Flask-JWT-Extended's CSRF check, but SameSite=Lax: each upload is a note naming
        # that defence, and no app-wide finding asks for CSRFProtect
        Invalid(
            """
            from flask import Flask, request
            from flask_jwt_extended import JWTManager, jwt_required
            app = Flask(__name__)
            app.config["JWT_TOKEN_LOCATION"] = ["cookies", "headers"]
            app.config["JWT_COOKIE_CSRF_PROTECT"] = False
            app.config["JWT_COOKIE_SAMESITE"] = "Lax"
            JWTManager(app)

            @app.post("/shots/<shot_id>/thumbnail")
            @jwt_required()
            def thumbnail(shot_id):
                request.files["picture"].save(f"/srv/thumbs/{shot_id}.png")  # expect
                return {"ok": True}

            @app.post("/shots/<shot_id>/notes")
            @jwt_required()
            def attach_note(shot_id):
                request.files["note"].save(f"/srv/notes/{shot_id}.txt")  # expect
                return {"ok": True}
            """,
            message="SameSite is the remaining defence",
        ),
        # a sign-in form without a token: login CSRF only, a note
        Invalid(
            """
            from flask import Flask, redirect, render_template, request
            from flask_login import LoginManager, login_user
            app = Flask(__name__)
            LoginManager(app)

            @app.route("/login", methods=["GET", "POST"])
            def login_page():
                if request.method == "POST":
                    user = Account.find(request.form["username"])  # expect
                    if user and user.check_password(request.form["password"]):
                        login_user(user, remember=True)
                        return redirect("/")
                return render_template("login.html")
            """,
            message="login CSRF",
        ),
        # Flask-Login loads the user from the request's client certificate and keeps no login in the session:
        # only a browser that sends the certificate unasked carries it with a forged post, a note
        Invalid(
            """
            from flask import Flask, request
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            login_manager = LoginManager(app)

            @login_manager.request_loader
            def from_certificate(req):
                return Builder.by_subject(req.environ.get("SSL_CLIENT_S_DN"))

            @app.post("/api/builds")
            @login_required
            def queue_build():
                spec = request.get_json(force=True)  # expect
                db.session.add(Build(source=spec["source"]))
                db.session.commit()
                return {"queued": True}
            """,
            message="request_loader",
        ),
        # a Flask-WTF form whose token check is switched off for this use validates nothing against forgery
        Invalid(
            """
            from flask import Flask, redirect
            from flask_login import LoginManager, current_user, login_required
            from flask_wtf import FlaskForm
            from wtforms import StringField
            app = Flask(__name__)
            LoginManager(app)

            class AddressForm(FlaskForm):
                street = StringField()

            @app.route("/address", methods=["GET", "POST"])
            @login_required
            def address():
                form = AddressForm(meta={"csrf": False})  # expect
                if form.validate_on_submit():
                    current_user.street = form.street.data
                    db.session.commit()
                    return redirect("/")
                return "form"
            """,
            message="CSRF check is off",
        ),
        # the extension object is made but never bound to the app: nothing checks the token
        Invalid(
            """
            from flask import Blueprint, Flask, redirect, request
            from flask_login import LoginManager, current_user, login_required
            from flask_wtf.csrf import CSRFProtect
            csrf = CSRFProtect()
            login = LoginManager()
            bp = Blueprint("profile", __name__)

            def create_app():
                app = Flask(__name__)
                login.init_app(app)
                app.register_blueprint(bp)
                return app

            @bp.post("/profile/phone")
            @login_required
            def change_phone():
                current_user.phone = request.form["phone"]  # expect
                db.session.commit()
                return redirect("/profile")
            """,
            message="never bound to the app",
        ),
        # a link flips a flag: a GET that changes state
        Invalid(
            """
            from flask import Flask, redirect
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.route("/alerts/<int:alert_id>/toggle")  # expect
            @login_required
            def toggle_alert(alert_id):
                alert = Alert.query.get_or_404(alert_id)
                alert.muted = not alert.muted
                db.session.commit()
                return redirect("/alerts")
            """,
            message="on a GET request",
        ),
        # a hook that only asks for some Referer proves nothing: a forged form sends the attacker's page as one
        Invalid(
            """
            from flask import Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.before_request
            def need_referrer():
                if request.method == "POST" and not request.referrer:
                    abort(403)

            @app.post("/garden/beds")
            @login_required
            def add_bed():
                current_user.beds.append(Bed(name=request.form["name"]))  # expect
                db.session.commit()
                return "ok"
            """,
            message="no CSRF protection",
        ),
        # X-Requested-With read only to pick the answer's format: a plain form post still goes through
        Invalid(
            """
            from flask import Flask, jsonify, redirect, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/kitchen/timers")
            @login_required
            def start_timer():
                current_user.timers.append(Timer(minutes=int(request.form["minutes"])))  # expect
                db.session.commit()
                if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                    return jsonify(ok=True)
                return redirect("/kitchen")
            """,
            message="no CSRF protection",
        ),
        # a sign-in posted to ``/auth``: a forged one carries the attacker's credentials (login CSRF), a note
        Invalid(
            """
            from flask import Flask, redirect, request, session
            app = Flask(__name__)

            @app.post("/auth")
            def auth():
                account = Account.query.filter_by(name=request.form["name"]).first()
                if account and account.check_password(request.form["password"]):  # expect
                    session["account_id"] = account.id
                    return redirect("/")
                return redirect("/signin")
            """,
            message="sign-in view `auth`",
        ),
        # the JSON-only hook guards the API blueprint, not this view of the app itself
        Invalid(
            """
            from flask import Blueprint, Flask, abort, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)
            api = Blueprint("api", __name__)

            @api.before_request
            def before_api():
                if not request.is_json:
                    abort(415)

            @app.post("/garden/plants")
            @login_required
            def add_plant():
                spec = request.get_json(force=True)  # expect
                db.session.add(Plant(name=spec["name"], owner=current_user))
                db.session.commit()
                return {"ok": True}

            app.register_blueprint(api)
            """,
            message="without checking its Content-Type",
        ),
        # the decorator validates a form but runs the view whatever the outcome: a link still deletes
        Invalid(
            """
            from functools import wraps
            from flask import Flask, flash, redirect
            from flask_login import LoginManager, login_required
            from flask_wtf import FlaskForm
            app = Flask(__name__)
            LoginManager(app)

            class NoteForm(FlaskForm):
                pass

            def note_taken(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    if NoteForm().validate_on_submit():
                        flash("noted")
                    return view(*args, **kwargs)
                return wrapper

            @app.route("/notes/<int:note_id>/delete")  # expect
            @login_required
            @note_taken
            def delete_note(note_id):
                db.session.delete(Note.query.get_or_404(note_id))
                db.session.commit()
                return redirect("/notes")
            """,
            message="on a GET request",
        ),
        # Flask-Security with the session allowed as well as the token: a forged form carries the session cookie
        Invalid(
            """
            from flask import Flask, request
            from flask_security import Security, auth_required
            app = Flask(__name__)
            Security(app, user_datastore)

            @app.post("/api/readings")
            @auth_required("token", "session")
            def add_reading():
                db.session.add(Reading(value=float(request.form["value"])))  # expect
                db.session.commit()
                return {"ok": True}
            """,
            message="no CSRF protection",
        ),
        # one endpoint signs in and out by the action it is asked for: a sign-in, login CSRF at most, a note
        Invalid(
            """
            from flask import Flask, request, session
            from flask.views import MethodView
            app = Flask(__name__)

            class Account(MethodView):
                def post(self):
                    action = request.args.get("action")
                    if action == "login":
                        if password_ok(request.form.get("user"), request.form.get("password")):
                            session["user"] = request.form["user"]  # expect
                            return "", 204
                    elif action == "logout":
                        session.clear()
                        return "", 204
                    return "", 401

            app.add_url_rule("/account", view_func=Account.as_view("account"))
            """,
            message="sign-in view `Account.post`",
        ),
        # a sent value compared with a list of allowed sort keys is no secret: the forged form still goes through
        Invalid(
            """
            from flask import Flask, abort, redirect, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)
            SORT_KEYS = ("name", "date")

            @app.post("/prefs/sort")
            @login_required
            def save_sort():
                wanted = request.form["sort"]  # expect
                if wanted not in SORT_KEYS:
                    abort(400)
                current_user.sort_key = wanted
                db.session.commit()
                return redirect("/")
            """,
            message="no CSRF protection",
        ),
        # a hook that lets the signed-in user and public views through and sends everyone else to sign in is a login
        # wall; a link that clears the shared upload cache (``clearCache``, camelCase) changes state on a GET
        Invalid(
            """
            import glob
            import os
            from flask import Blueprint, Flask, redirect, request, url_for
            from flask_login import LoginManager, current_user
            app = Flask(__name__)
            LoginManager(app)
            board = Blueprint("board", __name__)

            @board.before_app_request
            def members_only():
                if current_user.is_authenticated or request.endpoint == "board.signin":
                    return None
                return redirect(url_for("board.signin"))

            @board.route("/uploads/clearCache")  # expect
            def clearCache():
                for leftover in glob.glob("/srv/board/cache/*"):
                    os.remove(leftover)
                return "cleared"

            app.register_blueprint(board)
            """,
            message="on a GET request",
        ),
        # an app-wide hook that answers 401 to anyone whose session holds no operator: a VPN tunnel toggled from a GET
        Invalid(
            """
            import subprocess
            import flask
            app = flask.Flask(__name__)

            @app.before_request
            def operators_only():
                if "operator" not in flask.session and flask.request.path != "/signin":
                    flask.abort(401)

            @app.post("/signin")
            def signin():
                if check_operator(flask.request.get_json()):
                    flask.session["operator"] = True
                return {"ok": True}

            @app.get("/api/toggleTunnel/<name>")  # expect
            def api_toggleTunnel(name):
                tunnel = Tunnel.query.filter_by(name=name).first_or_404()
                tunnel.up = not tunnel.up
                db.session.commit()
                subprocess.run(["wg-quick", "up" if tunnel.up else "down", name], check=True)
                return {"ok": True}
            """,
            message="on a GET request",
        ),
        # a link that stops a running download: the page's script calls it with a GET, and so can any other page
        Invalid(
            """
            from flask import Blueprint, Flask, current_app, jsonify, request
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            LoginManager(app)
            queue = Blueprint("queue", __name__)

            @queue.route("/queue/abort_download")  # expect
            @login_required
            def abort_download():
                current_app.config["FETCHER"].stop_transfers([int(request.args["id"])])
                return jsonify(stopped=True)

            app.register_blueprint(queue)
            """,
            message="on a GET request",
        ),
        # a page's script posts to it with no body and reads JSON back: an empty cross-site form does the same
        Invalid(
            """
            from flask import Flask, jsonify
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/api/reminders/<int:reminder_id>/snooze")
            @login_required
            def snooze_reminder(reminder_id):  # expect
                reminder = Reminder.query.filter_by(id=reminder_id, owner=current_user).first_or_404()
                reminder.snoozed = True
                db.session.commit()
                return jsonify(snoozed=True)
            """,
            message="needs no fields",
        ),
        # Flask-AppBuilder signs users in with Flask-Login and leaves CSRFProtect to the application
        Invalid(
            """
            from flask import Flask, redirect, request
            from flask_appbuilder import AppBuilder, BaseView, expose, has_access
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            appbuilder = AppBuilder(app, db.session)

            class Settings(BaseView):
                @expose("/save", methods=["POST"])
                @has_access
                def save(self):
                    user = self.appbuilder.sm.current_user
                    user.email = request.form["email"]  # expect
                    db.session.commit()
                    return redirect("/")

            appbuilder.add_view_no_menu(Settings())
            """,
            message="handles a form",
        ),
        # Flask-Admin's BaseForm is a plain WTForms form: no token (its SecureForm has one)
        Invalid(
            """
            from flask import Flask, redirect, request
            from flask_admin.form import BaseForm
            from flask_login import LoginManager, current_user, login_required
            from wtforms import StringField
            app = Flask(__name__)
            LoginManager(app)

            class EmailForm(BaseForm):
                email = StringField()

            @app.route("/settings", methods=["GET", "POST"])
            @login_required
            def settings():
                form = EmailForm(request.form)  # expect
                if request.method == "POST" and form.validate():
                    current_user.email = form.email.data
                    db.session.commit()
                return redirect("/")
            """,
            message="handles a form",
        ),
        # the password checked is that of a user the request names, so a forged form brings the attacker's own
        Invalid(
            """
            from flask import Flask, abort, redirect, request
            from flask_login import LoginManager, current_user, login_required
            app = Flask(__name__)
            LoginManager(app)

            @app.post("/team/transfer")
            @login_required
            def transfer_team():
                heir = User.query.filter_by(name=request.form["heir"]).first_or_404()
                if not heir.check_password(request.form["heir_password"]):  # expect
                    abort(403)
                current_user.team.owner = heir
                db.session.commit()
                return redirect("/team")
            """,
            message="handles a form",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        facts = csrf_setup(project)
        unprotected: list[Finding] = []
        for fn in list(project.views()):
            if is_test_path(fn.module.path):
                continue
            exempt = csrf_exempt(project, fn)
            if facts.protected_at is not None and not exempt:
                continue
            if not facts.cookie_auth and not exempt:
                continue
            if not acts_as_user(project, fn) or cross_site_by_design(fn):
                continue  # no login, no session: a forged request gains nothing the attacker lacks
            if hook_checks_view(project, fn) or checks_csrf_token(project, fn):
                continue  # the app compares a CSRF nonce with the form or header itself
            if accepts_unsafe_method(fn):
                found = self._form_view(project, fn, exempt)
                if found is not None:
                    finding, softened = found
                    report(finding)
                    if not exempt and not softened:
                        unprotected.append(finding)
                    continue
            action = None if exempt else destructive_get(fn)
            if action is not None:
                self._destructive_get(project, fn, action, report)
        if len(unprotected) >= 2 and not facts.checked_by_hooks:
            self._unprotected_app(project, unprotected, report)

    def _form_view(self, project: Project, fn: FunctionInfo, exempt: bool) -> tuple[Finding, bool] | None:
        """The finding for a forgeable POST view, and whether something already softens it (SameSite, a sign-in
        view, a commented exemption): such views do not call for the app-wide finding."""
        taken = forgeable_input(project, fn)
        if taken is None:
            return None  # a JSON API: a cross-site page cannot send it a JSON body
        if not exempt and validates_flask_wtf_form(project, fn, taken):
            return None  # a Flask-WTF form checks its CSRF token when it validates
        write = action_write(project, fn)
        if write is None:
            # pages, searches, lists: a forged request that changes nothing gains nothing; nor does one whose only
            # write is bookkeeping that GET-only views do too (any link to the site already runs it)
            return None
        read, reader = taken.node, taken.reader
        through = "" if reader is fn else f" (through `{reader.display}`)"
        if taken.kind == "form" and isinstance(read, ast.Call):
            what = f"validates a form whose CSRF check is off (`{ast.unparse(read.func)}`{through})"
        elif taken.kind == "form":
            attr = read.attr if isinstance(read, ast.Attribute) else "form"
            what = f"handles a form (`request.{attr}`{through})"
        elif taken.kind == "raw-json":
            what = "parses a JSON body without checking its Content-Type (a `text/plain` form can carry it)"
        elif taken.handed_to:
            what = (
                f"hands the request to `{taken.handed_to}` and changes state on a POST that reads no JSON body (a "
                "cross-site form reaches it)"
            )
        else:
            what = "changes state on a POST that needs no fields (an empty auto-submitted form reaches it)"
        severity = self.effective_severity
        softened = False
        if exempt:
            message = (
                f"view `{fn.display}` {what} but is exempt from CSRFProtect (`csrf.exempt`): another site can "
                "submit it with the user's session cookie"
            )
            reason = exempt_reason(fn)
            if reason is not None:
                severity, softened = Severity.NOTE, True
                message += f" (exempt on purpose: {reason!r}; make sure nothing else can post here)"
        elif signs_in(fn):
            severity, softened = Severity.NOTE, True
            message = (
                f"sign-in view `{fn.display}` {what} with no CSRF protection: another site can sign the visitor in "
                "to an account of its own choosing (login CSRF); nothing of the victim's is changed, but what they "
                "do next lands in that account"
            )
        else:
            unbound = csrf_setup(project).unbound_at
            missing = (
                "the project's CSRFProtect is never bound to the app with `init_app`"
                if unbound is not None
                else "no CSRFProtect in the project"
            )
            message = (
                f"view `{fn.display}` {what} with no CSRF protection ({missing}, no validated "
                f"FlaskForm here): another site can submit it with the user's {self._credential(project, fn)}"
            )
        if not exempt and self._credential(project, fn) == self.AMBIENT:
            severity, softened = Severity.NOTE, True  # no login cookie: only a deployment's ambient credentials
        # a forged sign-in needs no cookie of the victim's, so SameSite does not bear on it
        defence = None if signs_in(fn) and not exempt else samesite_defence(project, fn)
        if defence is not None:
            severity, softened = Severity.NOTE, True
            message += (
                f" (SameSite is the remaining defence: with {defence} browsers withhold the cookie from cross-site "
                "POSTs, though not from pages on the same site)"
            )
        if read is not None and reader is fn:
            at = Location(fn.module.path, getattr(read, "lineno", fn.node.lineno), getattr(read, "col_offset", 0) + 1)
        else:
            at = fn.location
        evidence = [Evidence(f"route {r.rule or '?'} {'/'.join(r.methods)}", r.location) for r in fn.routes[:2]]
        evidence.append(Evidence("changes state here", write))
        finding = self.finding(
            at,
            message,
            hint="Enable flask_wtf.csrf.CSRFProtect(app) and render {{ csrf_token() }} in the form, or "
            "validate a FlaskForm with form.validate_on_submit().",
            severity=severity,
            evidence=evidence,
        )
        return finding, softened

    def _unprotected_app(self, project: Project, views: list[Finding], report: Callable[[Finding], None]) -> None:
        """One finding where the fix goes: several views are forgeable because the app has no CSRF protection."""
        home = csrf_home(project)
        if home is None:
            return
        severity = max(f.severity for f in views)
        shown = ", ".join(f"`{f.location.path}:{f.location.line}`" for f in views[:3] if f.location)
        more = f" and {len(views) - 3} more" if len(views) > 3 else ""
        report(
            self.finding(
                home,
                f"the application has no CSRF protection (no CSRFProtect or SeaSurf, no token check in a "
                f"`before_request` hook), and {len(views)} views change state for the logged-in user on requests "
                f"another site can forge: {shown}{more}",
                hint="Add csrf = CSRFProtect(app) (or csrf.init_app(app)) here, render {{ csrf_token() }} in every "
                "form and send the X-CSRFToken header from scripts.",
                severity=severity,
                evidence=[Evidence("forgeable view", f.location) for f in views[:5] if f.location],
            )
        )

    def _destructive_get(
        self, project: Project, fn: FunctionInfo, action: str, report: Callable[[Finding], None]
    ) -> None:
        # a link that only flips a display preference in the user's own session cookie changes nothing lasting
        write = view_write(project, fn) if action == "deletes" else lasting_write(project, fn)
        if write is None:
            return
        route = fn.routes[0]
        credential = self._credential(project, fn)
        report(
            self.finding(
                route.location,
                f"view `{fn.display}` {action} on a GET request ({route.rule or '?'}) with the user's "
                f"{credential}: any page can trigger it with a link or an image, and "
                "SameSite=Lax does not stop top-level GET navigations",
                hint="Accept only POST (or DELETE) for state changes and protect the form with a CSRF token.",
                severity=Severity.NOTE if credential == self.AMBIENT else self.effective_severity,
                evidence=[Evidence("changes state here", write)],
            )
        )

    #: What a forged request carries when Flask-Login keeps no login in the session.
    AMBIENT = (
        "credentials, if the browser adds them by itself (a client certificate, a Kerberos ticket: Flask-Login "
        "loads the user from each request with `request_loader` and keeps no login in the session cookie)"
    )

    @classmethod
    def _credential(cls, project: Project, fn: FunctionInfo) -> str:
        cookie = reads_auth_cookie(project, fn)
        if cookie is not None:
            return f"`{cookie}` login cookie"
        if jwt_authority(project, fn):
            return "JWT cookie"
        if request_only_login(project):
            return cls.AMBIENT
        return "session cookie"
