"""Variant matrix for S20 (CSRF and cookie security): FD302, FD303, FD304, FD308, FD309.

Each variant is a small project written from common Flask idioms (not from any
real application): the bad ones must be reported at warning level or above by
their rule, the good ones must produce no finding of that rule at all.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found

BAD = "bad"
GOOD = "good"
NOTE_OK = "note-ok"  # at most a note
REPORTED = "reported"  # at least a note: a default production gets only when a variable is missing


def _project(files):
    if isinstance(files, str):
        files = {"app.py": files}
    return {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}


def _findings(code, files):
    return found(_project(files), [code])


# --------------------------------------------------------------------------- FD308

LOGIN_APP = """
from flask import Flask, redirect, request, url_for, flash
from flask_login import LoginManager, login_required, current_user
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SECRET_KEY"] = __import__("os").environ["SECRET_KEY"]
db = SQLAlchemy(app)
login_manager = LoginManager(app)
"""

FD308 = {
    "confirmation-decorator-validates-flaskform": (
        GOOD,
        LOGIN_APP
        + """
from functools import wraps
from flask import render_template
from flask_wtf import FlaskForm

class SureForm(FlaskForm):
    pass

def ask_first(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        form = SureForm()
        if form.validate_on_submit():
            return view(*args, **kwargs)
        return render_template("sure.html", form=form)
    return wrapped

@app.route("/albums/<int:album_id>/remove", methods=["GET", "POST"])
@login_required
@ask_first
def remove_album(album_id):
    db.session.delete(Album.query.get_or_404(album_id))
    db.session.commit()
    return redirect(url_for("index"))
""",
    ),
    "hook-hands-token-to-helper": (
        GOOD,
        {
            "app.py": LOGIN_APP
            + """
from flask import abort
from guards import same_token

@app.before_request
def check_token():
    if request.method == "POST":
        if not same_token(request.headers.get("X-Token") or request.form.get("token")):
            abort(403)

@app.route("/posts/new", methods=["POST"])
@login_required
def new_post():
    db.session.add(Post(body=request.form["body"], author=current_user))
    db.session.commit()
    return redirect(url_for("index"))
""",
            "guards.py": """
import hmac
from flask import session

def same_token(given):
    expected = session.get("token", "")
    return hmac.compare_digest(given or "", expected)
""",
        },
    ),
    "helper-compares-uid-not-token": (
        BAD,
        LOGIN_APP
        + """
from flask import abort, session

def same_owner(uid):
    return uid == session.get("uid")

@app.before_request
def owner_only():
    if request.method == "POST" and not same_owner(request.form.get("uid")):
        abort(403)

@app.route("/posts/new", methods=["POST"])
@login_required
def new_post():
    db.session.add(Post(body=request.form["body"], author=current_user))
    db.session.commit()
    return redirect(url_for("index"))
""",
    ),
    "json-only-hook-on-blueprint": (
        GOOD,
        LOGIN_APP
        + """
from flask import Blueprint, abort, request
rest = Blueprint("rest", __name__)

@rest.before_request
def insist_on_json():
    if request.method == "POST" and not request.is_json:
        abort(415)

@rest.post("/albums")
@login_required
def add_album():
    data = request.get_json(force=True)
    db.session.add(Album(title=data["title"], owner=current_user))
    db.session.commit()
    return {"ok": True}

app.register_blueprint(rest)
""",
    ),
    "get-delete-route": (
        BAD,
        LOGIN_APP
        + """
@app.route("/delete/<int:post_id>")
@login_required
def delete_post(post_id):
    post = Post.query.get_or_404(post_id)
    db.session.delete(post)
    db.session.commit()
    return redirect(url_for("index"))
""",
    ),
    "blueprint-get-deactivate": (
        {
            "app.py": LOGIN_APP + "from admin import bp\napp.register_blueprint(bp)\n",
            "admin.py": """
from flask import Blueprint, redirect
from flask_login import login_required
from app import db

bp = Blueprint("admin", __name__)

@bp.get("/users/<int:uid>/deactivate")
@login_required
def deactivate_user(uid):
    user = User.query.get(uid)
    user.active = False
    db.session.commit()
    return redirect("/users")
""",
        },
        None,
    ),
    "post-request-form": (
        BAD,
        LOGIN_APP
        + """
@app.route("/settings", methods=["POST"])
@login_required
def settings():
    current_user.email = request.form["email"]
    db.session.commit()
    flash("saved")
    return redirect(url_for("settings_page"))
""",
    ),
    "post-request-files": (
        BAD,
        LOGIN_APP
        + """
@app.route("/avatar", methods=["GET", "POST"])
@login_required
def avatar():
    if request.method == "POST":
        f = request.files["avatar"]
        f.save(f"uploads/{current_user.id}.png")
        return redirect(url_for("avatar"))
    return "<form method=post enctype=multipart/form-data>...</form>"
""",
    ),
    "post-request-values-session-auth": (
        BAD,
        """
from flask import Flask, redirect, request, session
from flask_sqlalchemy import SQLAlchemy
import os

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
db = SQLAlchemy(app)

@app.post("/transfer")
def transfer():
    if "user_id" not in session:
        return redirect("/login")
    account = Account.query.get(session["user_id"])
    account.balance -= int(request.values["amount"])
    db.session.commit()
    return redirect("/")
""",
    ),
    "wtforms-form-not-flaskform": (
        BAD,
        LOGIN_APP
        + """
from wtforms import Form, StringField

class ProfileForm(Form):
    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(request.form)
    if request.method == "POST" and form.validate():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
    ),
    "flaskform-csrf-meta-off": (
        BAD,
        LOGIN_APP
        + """
from flask_wtf import FlaskForm
from wtforms import StringField

class ProfileForm(FlaskForm):
    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(meta={"csrf": False})
    if form.validate_on_submit():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
    ),
    "methodview-post": (
        BAD,
        LOGIN_APP
        + """
from flask.views import MethodView

class ProfileView(MethodView):
    decorators = [login_required]

    def get(self):
        return "form"

    def post(self):
        current_user.bio = request.form["bio"]
        db.session.commit()
        return redirect("/profile")

app.add_url_rule("/profile", view_func=ProfileView.as_view("profile"))
""",
    ),
    "restful-resource-form": (
        BAD,
        LOGIN_APP
        + """
from flask_restful import Api, Resource

api = Api(app)

class Comments(Resource):
    @login_required
    def post(self):
        db.session.add(Comment(user=current_user, text=request.form["text"]))
        db.session.commit()
        return redirect("/comments")

api.add_resource(Comments, "/comments")
""",
    ),
    "csrfprotect-exempt-form-view": (
        BAD,
        LOGIN_APP
        + """
from flask_wtf.csrf import CSRFProtect
csrf = CSRFProtect(app)

@app.route("/password", methods=["POST"])
@csrf.exempt
@login_required
def change_password():
    current_user.set_password(request.form["password"])
    db.session.commit()
    return redirect("/")
""",
    ),
    "factory-blueprint-login-init-app": (
        {
            "shop/__init__.py": """
from flask import Flask
from .extensions import db, login_manager

def create_app():
    app = Flask(__name__)
    app.config.from_object("shop.config.ProductionConfig")
    db.init_app(app)
    login_manager.init_app(app)
    from .views import bp
    app.register_blueprint(bp)
    return app
""",
            "shop/extensions.py": """
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
login_manager = LoginManager()
""",
            "shop/views.py": """
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required
from .extensions import db

bp = Blueprint("shop", __name__)

@bp.route("/cart/add", methods=["POST"])
@login_required
def add_to_cart():
    db.session.add(CartItem(user_id=current_user.id, product_id=int(request.form["product"])))
    db.session.commit()
    return redirect(url_for("shop.cart"))
""",
        },
        BAD,
    ),
    "blueprint-before-request-login": (
        {
            "app.py": LOGIN_APP + "from notes import bp\napp.register_blueprint(bp)\n",
            "notes.py": """
from flask import Blueprint, redirect, request, session, abort
from app import db

bp = Blueprint("notes", __name__)

@bp.before_request
def require_login():
    if "user_id" not in session:
        abort(401)

@bp.route("/notes", methods=["POST"])
def add_note():
    db.session.add(Note(owner=session["user_id"], body=request.form["body"]))
    db.session.commit()
    return redirect("/notes")
""",
        },
        BAD,
    ),
    # ---- good
    "token-json-api": (
        GOOD,
        """
from flask import Flask, jsonify, request, abort
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)

def current_client():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return Client.query.filter_by(token=token).first() or abort(401)

@app.post("/api/orders")
def create_order():
    client = current_client()
    db.session.add(Order(client=client, item=request.get_json()["item"]))
    db.session.commit()
    return jsonify(ok=True), 201
""",
    ),
    "csrfprotect-in-extensions-module": (
        {
            "shop/__init__.py": """
from flask import Flask
from .extensions import csrf, db, login_manager

def create_app():
    app = Flask(__name__)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .views import bp
    app.register_blueprint(bp)
    return app
""",
            "shop/extensions.py": """
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
csrf = CSRFProtect()
login_manager = LoginManager()
""",
            "shop/views.py": """
from flask import Blueprint, redirect, request
from flask_login import current_user, login_required
from .extensions import db

bp = Blueprint("shop", __name__)

@bp.route("/cart/add", methods=["POST"])
@login_required
def add_to_cart():
    db.session.add(CartItem(user_id=current_user.id, product_id=int(request.form["product"])))
    db.session.commit()
    return redirect("/cart")
""",
        },
        GOOD,
    ),
    "seasurf": (
        GOOD,
        LOGIN_APP
        + """
from flask_seasurf import SeaSurf
csrf = SeaSurf(app)

@app.route("/settings", methods=["POST"])
@login_required
def settings():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")
""",
    ),
    "global-before-request-token-check": (
        GOOD,
        LOGIN_APP
        + """
from flask import session, abort
import hmac

@app.before_request
def check_csrf():
    if request.method == "POST":
        sent = request.form.get("_csrf_token", "")
        if not hmac.compare_digest(sent, session.get("_csrf_token", "")):
            abort(400)

@app.route("/settings", methods=["POST"])
@login_required
def settings():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")
""",
    ),
    "flaskform-validate-on-submit": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf import FlaskForm
from wtforms import StringField

class ProfileForm(FlaskForm):
    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
    ),
    "methodview-flaskform": (
        GOOD,
        LOGIN_APP
        + """
from flask.views import MethodView
from flask_wtf import FlaskForm
from wtforms import StringField

class BioForm(FlaskForm):
    bio = StringField("bio")

class ProfileView(MethodView):
    decorators = [login_required]

    def post(self):
        form = BioForm()
        if form.validate_on_submit():
            current_user.bio = form.bio.data
            db.session.commit()
        return redirect("/profile")

app.add_url_rule("/profile", view_func=ProfileView.as_view("profile"))
""",
    ),
    "put-json-only": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/api/profile", methods=["PUT"])
@login_required
def update_profile():
    current_user.name = request.get_json()["name"]
    db.session.commit()
    return {"ok": True}
""",
    ),
    "get-read-only-list": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/posts/<int:page>")
@login_required
def list_posts(page):
    return {"posts": [p.title for p in Post.query.paginate(page=page).items]}
""",
    ),
    "exempt-webhook": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf.csrf import CSRFProtect
csrf = CSRFProtect(app)

@app.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    event = verify_signature(request.data, request.headers["Stripe-Signature"])
    db.session.add(Payment(event_id=event["id"]))
    db.session.commit()
    return "", 204
""",
    ),
    "restful-token-auth-reqparse": (
        GOOD,
        """
from flask import Flask, request
from flask_restful import Api, Resource, reqparse
from flask_httpauth import HTTPTokenAuth
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)
api = Api(app)
auth = HTTPTokenAuth(scheme="Bearer")

parser = reqparse.RequestParser()
parser.add_argument("text", location="json")

class Comments(Resource):
    @auth.login_required
    def post(self):
        args = parser.parse_args()
        db.session.add(Comment(text=args["text"]))
        db.session.commit()
        return {"ok": True}, 201

api.add_resource(Comments, "/comments")
""",
    ),
    "check-default-off-with-before-request-protect": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf.csrf import CSRFProtect
app.config["WTF_CSRF_CHECK_DEFAULT"] = False
csrf = CSRFProtect(app)

@app.before_request
def protect_forms():
    if not request.path.startswith("/api/"):
        csrf.protect()

@app.route("/settings", methods=["POST"])
@login_required
def settings():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")
""",
    ),
    "flaskform-class-meta-csrf-false": (
        BAD,
        LOGIN_APP
        + """
from flask_wtf import FlaskForm
from wtforms import StringField

class ProfileForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
    ),
    "restx-resource-form": (
        BAD,
        LOGIN_APP
        + """
from flask_restx import Api, Resource

api = Api(app)

@api.route("/comments")
class Comments(Resource):
    @login_required
    def post(self):
        db.session.add(Comment(user=current_user, text=request.form["text"]))
        db.session.commit()
        return redirect("/comments")
""",
    ),
    "get-toggle-flag": (
        BAD,
        LOGIN_APP
        + """
@app.route("/todo/<int:item_id>/toggle")
@login_required
def toggle_done(item_id):
    item = Todo.query.get_or_404(item_id)
    item.done = not item.done
    db.session.commit()
    return redirect(url_for("index"))
""",
    ),
    "get-remove-member": (
        BAD,
        LOGIN_APP
        + """
@app.get("/team/<int:team_id>/remove/<int:user_id>")
@login_required
def remove_member(team_id, user_id):
    Membership.query.filter_by(team_id=team_id, user_id=user_id).delete()
    db.session.commit()
    return redirect(url_for("team", team_id=team_id))
""",
    ),
    "get-logout-other-sessions": (
        BAD,
        LOGIN_APP
        + """
@app.route("/sessions/revoke-all")
@login_required
def revoke_all_sessions():
    UserSession.query.filter(UserSession.user_id == current_user.id).delete()
    db.session.commit()
    return redirect(url_for("index"))
""",
    ),
    "get-make-admin": (
        BAD,
        LOGIN_APP
        + """
@app.route("/users/<int:uid>/make-admin")
@login_required
def make_admin(uid):
    User.query.get_or_404(uid).is_admin = True
    db.session.commit()
    return redirect(url_for("users"))
""",
    ),
    "form-to-service-helper": (
        BAD,
        LOGIN_APP
        + """
def update_profile(user, data):
    user.name = data["name"]
    db.session.commit()

@app.route("/profile", methods=["POST"])
@login_required
def profile():
    update_profile(current_user, request.form.to_dict())
    return redirect(url_for("profile"))
""",
    ),
    "custom-admin-decorator": (
        BAD,
        """
from functools import wraps
from flask import Flask, abort, redirect, request
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
import os

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
db = SQLAlchemy(app)
login_manager = LoginManager(app)

def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped

@app.post("/admin/settings")
@admin_required
def admin_settings():
    Setting.query.get("motd").value = request.form["motd"]
    db.session.commit()
    return redirect("/admin")
""",
    ),
    "csrf-exempt-whole-blueprint": (
        {
            "app.py": LOGIN_APP
            + """
from flask_wtf.csrf import CSRFProtect
from account import bp
csrf = CSRFProtect(app)
csrf.exempt(bp)
app.register_blueprint(bp)
""",
            "account.py": """
from flask import Blueprint, redirect, request
from flask_login import current_user, login_required
from app import db

bp = Blueprint("account", __name__)

@bp.post("/account/email")
@login_required
def change_email():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/account")
""",
        },
        BAD,
    ),
    "get-post-without-method-check": (
        BAD,
        LOGIN_APP
        + """
@app.route("/post/<int:pid>/delete", methods=["GET", "POST"])
@login_required
def delete(pid):
    db.session.delete(Post.query.get_or_404(pid))
    db.session.commit()
    return redirect("/")
""",
    ),
    "wtforms-form-in-flask-wtf-project": (
        {
            "app.py": LOGIN_APP
            + """
from flask_wtf import FlaskForm
from wtforms import Form, StringField

class SearchForm(FlaskForm):
    q = StringField()

class ProfileForm(Form):
    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(request.form)
    if request.method == "POST" and form.validate():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
        },
        BAD,
    ),
    "get-follow-user": (
        BAD,
        LOGIN_APP
        + """
@app.route("/follow/<username>")
@login_required
def follow(username):
    current_user.following.append(User.query.filter_by(username=username).first_or_404())
    db.session.commit()
    return redirect(url_for("user", username=username))
""",
    ),
    "project-base-flaskform": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf import FlaskForm
from wtforms import StringField

class BaseForm(FlaskForm):
    pass

class ProfileForm(BaseForm):
    name = StringField("name")

@app.route("/profile", methods=["POST"])
@login_required
def profile():
    form = ProfileForm()
    if form.validate():
        current_user.name = form.name.data
        db.session.commit()
    return redirect(url_for("profile"))
""",
    ),
    "wtforms-session-csrf-meta": (
        GOOD,
        LOGIN_APP
        + """
from flask import session
from wtforms import Form, StringField
from wtforms.csrf.session import SessionCSRF

class ProfileForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF

    name = StringField("name")

@app.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(request.form, meta={"csrf_context": session})
    if request.method == "POST" and form.validate():
        current_user.name = form.name.data
        db.session.commit()
        return redirect(url_for("profile"))
    return "form"
""",
    ),
    "get-likes-list": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/users/<int:uid>/likes")
@login_required
def likes(uid):
    current_user.last_seen_likes = uid
    return {"likes": [l.post_id for l in Like.query.filter_by(user_id=uid)]}
""",
    ),
    "get-toggle-session-preference": (
        GOOD,
        LOGIN_APP
        + """
from flask import session

@app.route("/ui/toggle-sidebar")
@login_required
def toggle_sidebar():
    session["sidebar"] = not session.get("sidebar", True)
    return redirect(request.referrer or "/")
""",
    ),
    "get-logout": (
        GOOD,
        LOGIN_APP
        + """
from flask_login import logout_user

@app.route("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("index"))
""",
    ),
    "get-delete-account": (
        BAD,
        LOGIN_APP
        + """
@app.route("/account/delete")
@login_required
def delete_account():
    db.session.delete(current_user)
    db.session.commit()
    return redirect("/")
""",
    ),
    "csrfprotect-never-initialised": (
        {
            "shop/__init__.py": """
from flask import Flask
from .extensions import db, login_manager, csrf

def create_app():
    app = Flask(__name__)
    db.init_app(app)
    login_manager.init_app(app)
    from .views import bp
    app.register_blueprint(bp)
    return app
""",
            "shop/extensions.py": """
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
login_manager = LoginManager()
csrf = CSRFProtect()
""",
            "shop/views.py": """
from flask import Blueprint, redirect, request
from flask_login import current_user, login_required
from .extensions import db

bp = Blueprint("shop", __name__)

@bp.route("/cart/add", methods=["POST"])
@login_required
def add_to_cart():
    db.session.add(CartItem(user_id=current_user.id, product_id=int(request.form["product"])))
    db.session.commit()
    return redirect("/cart")
""",
        },
        BAD,
    ),
    "csrfprotect-bound-in-extension-loop": (
        {
            "shop/__init__.py": """
from flask import Flask
from .extensions import db, login_manager, csrf

def create_app():
    app = Flask(__name__)
    for extension in (db, login_manager, csrf):
        extension.init_app(app)
    from .views import bp
    app.register_blueprint(bp)
    return app
""",
            "shop/extensions.py": """
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
login_manager = LoginManager()
csrf = CSRFProtect()
""",
            "shop/views.py": """
from flask import Blueprint, redirect, request
from flask_login import current_user, login_required
from .extensions import db

bp = Blueprint("shop", __name__)

@bp.route("/cart/add", methods=["POST"])
@login_required
def add_to_cart():
    db.session.add(CartItem(user_id=current_user.id, product_id=int(request.form["product"])))
    db.session.commit()
    return redirect("/cart")
""",
        },
        GOOD,
    ),
    "add-url-rule-function-view": (
        BAD,
        LOGIN_APP
        + """
@login_required
def settings_view():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")

app.add_url_rule("/settings", "settings", settings_view, methods=["POST"])
""",
    ),
    "get-delete-confirm-page": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/post/<int:pid>/delete")
@login_required
def confirm_delete(pid):
    return f"<form method=post action='/post/{pid}/delete'>Really delete?</form>"
""",
    ),
    "flaskform-plain-validate": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf import FlaskForm
from wtforms import StringField

class ProfileForm(FlaskForm):
    name = StringField("name")

@app.route("/profile", methods=["POST"])
@login_required
def profile():
    form = ProfileForm()
    if form.validate():
        current_user.name = form.name.data
        db.session.commit()
    return redirect(url_for("profile"))
""",
    ),
    "csrf-protect-called-in-view": (
        GOOD,
        LOGIN_APP
        + """
from flask_wtf.csrf import CSRFProtect
app.config["WTF_CSRF_CHECK_DEFAULT"] = False
csrf = CSRFProtect(app)

@app.route("/settings", methods=["POST"])
@login_required
def settings():
    csrf.protect()
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")
""",
    ),
    "exempt-token-api-blueprint": (
        {
            "app.py": LOGIN_APP
            + """
from flask_wtf.csrf import CSRFProtect
from api import api_bp
csrf = CSRFProtect(app)
csrf.exempt(api_bp)
app.register_blueprint(api_bp, url_prefix="/api")
""",
            "api.py": """
from flask import Blueprint, request, abort, g
from app import db

api_bp = Blueprint("api", __name__)

@api_bp.before_request
def token_auth():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    g.client = ApiToken.query.filter_by(token=token).first() or abort(401)

@api_bp.post("/items")
def create_item():
    db.session.add(Item(owner=g.client.user_id, name=request.get_json()["name"]))
    db.session.commit()
    return {"ok": True}, 201
""",
        },
        GOOD,
    ),
    "login-form": (
        NOTE_OK,
        LOGIN_APP
        + """
from flask_login import login_user

@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = User.query.filter_by(email=request.form["email"]).first()
        if user and user.check_password(request.form["password"]):
            login_user(user)
            return redirect("/")
        flash("bad credentials")
    return "form"
""",
    ),
    "samesite-lax-production": (
        NOTE_OK,
        LOGIN_APP.replace(
            "login_manager = LoginManager(app)",
            'app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=True)\nlogin_manager = LoginManager(app)',
        )
        + """
@app.route("/settings", methods=["POST"])
@login_required
def settings():
    current_user.email = request.form["email"]
    db.session.commit()
    return redirect("/")
""",
    ),
    # ---- protections other than CSRFProtect (each GOOD one has a BAD twin that falls short)
    "origin-hook-blueprint": (
        GOOD,
        {
            "app.py": LOGIN_APP + "from notes import bp\napp.register_blueprint(bp)\n",
            "notes.py": """
from urllib.parse import urlparse
from flask import Blueprint, abort, request
from flask_login import current_user, login_required

bp = Blueprint("notes", __name__)

@bp.before_app_request
def check_origin():
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin is None or urlparse(origin).hostname != request.host.split(":")[0]:
            abort(403)

@bp.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
        },
    ),
    "origin-present-only": (
        BAD,
        LOGIN_APP
        + """
@app.before_request
def check_origin():
    if request.method == "POST" and "Origin" not in request.headers:
        return "missing origin", 403

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "referrer-startswith-in-view": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    if not (request.referrer or "").startswith(request.host_url):
        abort(403)
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "referrer-for-redirect-only": (
        BAD,
        LOGIN_APP
        + """
@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return redirect(request.referrer or url_for("index"))
""",
    ),
    "is-xhr-required-by-hook": (
        GOOD,
        LOGIN_APP
        + """
@app.before_request
def scripts_only():
    if request.method != "GET" and not request.is_xhr:
        raise Forbidden()

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "csrf-named-decorator": (
        GOOD,
        LOGIN_APP
        + """
from security import csrf_protect

@app.route("/notes", methods=["POST"])
@login_required
@csrf_protect
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "csrf-lifting-decorator": (
        BAD,
        LOGIN_APP
        + """
from security import skip_csrf

@app.route("/notes", methods=["POST"])
@login_required
@skip_csrf
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "other-csrf-package-init-app": (
        GOOD,
        LOGIN_APP
        + """
from flask_anticsrf import AntiCsrf

guard = AntiCsrf()
guard.init_app(app)

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
    ),
    "dynaconf-extensions-setting": (
        GOOD,
        {
            "app.py": LOGIN_APP.replace("login_manager = LoginManager(app)", "")
            + """
from dynaconf import FlaskDynaconf
import settings

FlaskDynaconf(app)
app.config.from_object(settings)
app.config.load_extensions()

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
            "settings.py": """
EXTENSIONS = [
    "flask_login:LoginManager",
    "flask_wtf.csrf:CSRFProtect",
]
""",
        },
    ),
    "secure-form-subclass-validated": (
        GOOD,
        LOGIN_APP
        + """
from flask_admin.form import SecureForm
from wtforms import StringField

class NoteForm(SecureForm):
    text = StringField()

@app.route("/notes", methods=["GET", "POST"])
@login_required
def add_note():
    form = NoteForm(request.form)
    if request.method == "POST" and form.validate():
        current_user.notes.append(form.text.data)
        db.session.commit()
    return "ok"
""",
    ),
    "plain-wtforms-validated": (
        BAD,
        LOGIN_APP
        + """
from wtforms import Form, StringField

class NoteForm(Form):
    text = StringField()

@app.route("/notes", methods=["GET", "POST"])
@login_required
def add_note():
    form = NoteForm(request.form)
    if request.method == "POST" and form.validate():
        current_user.notes.append(form.text.data)
        db.session.commit()
    return "ok"
""",
    ),
    "token-hook-api-blueprint": (
        GOOD,
        {
            "app.py": LOGIN_APP + "from api import bp\napp.register_blueprint(bp, url_prefix='/api')\n",
            "api.py": """
from flask import Blueprint, abort, g, request
from app import db

bp = Blueprint("api", __name__)

@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    g.user = ApiToken.owner_of(header.removeprefix("Bearer "))
    if g.user is None:
        abort(401)

@bp.route("/attachments", methods=["POST"])
def attach():
    request.files["file"].save(f"/srv/files/{g.user.id}")
    g.user.attachments += 1
    db.session.commit()
    return {"ok": True}
""",
        },
    ),
    "token-hook-falls-back-to-session": (
        BAD,
        {
            "app.py": LOGIN_APP + "from api import bp\napp.register_blueprint(bp, url_prefix='/api')\n",
            "api.py": """
from flask import Blueprint, abort, g, request
from flask_login import current_user
from app import db

bp = Blueprint("api", __name__)

@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    g.user = ApiToken.owner_of(header.removeprefix("Bearer ")) or current_user
    if not g.user.is_authenticated:
        abort(401)

@bp.route("/attachments", methods=["POST"])
def attach():
    request.files["file"].save(f"/srv/files/{g.user.id}")
    g.user.attachments += 1
    db.session.commit()
    return {"ok": True}
""",
        },
    ),
    "class-view-base-checks-login-only": (
        BAD,
        LOGIN_APP
        + """
from flask.views import MethodView

class MemberView(MethodView):
    def dispatch_request(self, *args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("login"))
        return super().dispatch_request(*args, **kwargs)

class Notes(MemberView):
    def post(self):
        current_user.notes.append(request.form["text"])
        db.session.commit()
        return redirect("/notes")

app.add_url_rule("/notes", view_func=Notes.as_view("notes"))
""",
    ),
    "class-view-csrf-decorators": (
        GOOD,
        LOGIN_APP
        + """
from flask.views import MethodView
from security import csrf_required

class Notes(MethodView):
    decorators = [login_required, csrf_required]

    def post(self):
        current_user.notes.append(request.form["text"])
        db.session.commit()
        return redirect("/notes")

app.add_url_rule("/notes", view_func=Notes.as_view("notes"))
""",
    ),
    "flask-security-form-subclass-validated": (
        GOOD,
        LOGIN_APP
        + """
from flask_security.forms import Form
from wtforms import StringField

class NoteForm(Form):
    text = StringField()

@app.route("/notes", methods=["GET", "POST"])
@login_required
def add_note():
    form = NoteForm(request.form)
    if request.method == "POST" and form.validate():
        current_user.notes.append(form.text.data)
        db.session.commit()
    return "ok"
""",
    ),
    "extensions-bound-through-getattr": (
        GOOD,
        {
            "app.py": LOGIN_APP
            + """
import extensions

for name in ("csrf",):
    getattr(extensions, name).init_app(app)

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(request.form["text"])
    db.session.commit()
    return "ok"
""",
            "extensions.py": "from flask_wtf.csrf import CSRFProtect\n\ncsrf = CSRFProtect()\n",
        },
    ),
    "authlib-resource-protector": (
        GOOD,
        LOGIN_APP
        + """
from authlib.integrations.flask_oauth2 import ResourceProtector

guard = ResourceProtector()

@app.before_request
def members_only():
    if not request.path.startswith(("/login", "/api/")) and not current_user.is_authenticated:
        return redirect(url_for("login"))

@app.route("/api/notes", methods=["POST"])
@guard("notes")
def add_note():
    current_token.user.notes.append(request.form["text"])
    db.session.commit()
    return {"ok": True}
""",
    ),
    "project-package-named-for-csrf": (
        BAD,
        {
            "csrf_lab/__init__.py": LOGIN_APP
            + """
from csrf_lab.models import Note

@app.route("/notes", methods=["POST"])
@login_required
def add_note():
    current_user.notes.append(Note(text=request.form["text"]))
    db.session.commit()
    return "ok"
""",
            "csrf_lab/models.py": "class Note:\n    def __init__(self, text):\n        self.text = text\n",
        },
    ),
    "api-key-checked-in-view": (
        GOOD,
        LOGIN_APP
        + """
@app.route("/api/notes", methods=["POST"])
@login_required
def add_note():
    account = Account.by_key(request.headers.get("X-API-Key", ""))
    if account is None:
        abort(401)
    account.notes.append(request.form["text"])
    db.session.commit()
    return {"ok": True}
""",
    ),
}


# --------------------------------------------------------------------------- FD309

FD309 = {
    "production-class": (
        BAD,
        """
class Config:
    SECRET_KEY = __import__("os").environ["SECRET_KEY"]

class ProductionConfig(Config):
    WTF_CSRF_ENABLED = False
""",
    ),
    "factory-item-assignment": (
        BAD,
        """
from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

def create_app():
    app = Flask(__name__)
    app.config["WTF_CSRF_ENABLED"] = False
    csrf.init_app(app)
    return app
""",
    ),
    "config-update": (
        BAD,
        """
from flask import Flask
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config.update(WTF_CSRF_ENABLED=False, SQLALCHEMY_DATABASE_URI="sqlite:///x.db")
csrf = CSRFProtect(app)
""",
    ),
    "config-from-mapping": (
        BAD,
        """
from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

def create_app():
    app = Flask(__name__)
    app.config.from_mapping(WTF_CSRF_ENABLED=False)
    csrf.init_app(app)
    return app
""",
    ),
    "check-default-off-no-protect": (
        BAD,
        """
from flask import Flask, request, redirect
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)

class ProductionConfig:
    WTF_CSRF_CHECK_DEFAULT = False

app.config.from_object(ProductionConfig)
csrf = CSRFProtect(app)
""",
    ),
    "base-class-inherited-by-production": (
        BAD,
        """
import os

class Config:
    SECRET_KEY = os.environ["SECRET_KEY"]
    WTF_CSRF_ENABLED = False

class ProductionConfig(Config):
    DEBUG = False

class TestingConfig(Config):
    TESTING = True
""",
    ),
    "config-update-dict-arg": (
        BAD,
        """
from flask import Flask
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config.update({"WTF_CSRF_ENABLED": False})
csrf = CSRFProtect(app)
""",
    ),
    "env-default-false": (
        REPORTED,
        """
import os
from flask import Flask
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
app.config["WTF_CSRF_ENABLED"] = os.environ.get("WTF_CSRF_ENABLED", "false").lower() == "true"
csrf = CSRFProtect(app)
""",
    ),
    # ---- good
    "testing-class": (
        GOOD,
        """
class Config:
    SECRET_KEY = __import__("os").environ["SECRET_KEY"]

class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
""",
    ),
    "test-fixture": (
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "tests/conftest.py": """
import pytest
from app import app

@pytest.fixture
def client():
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app.test_client()
""",
        },
        GOOD,
    ),
    "development-class": (
        GOOD,
        """
class Config:
    WTF_CSRF_ENABLED = True

class DevelopmentConfig(Config):
    DEBUG = True
    WTF_CSRF_ENABLED = False
""",
    ),
    "enabled-from-env": (
        GOOD,
        """
import os

class Config:
    WTF_CSRF_ENABLED = os.environ.get("WTF_CSRF_ENABLED", "1") == "1"
""",
    ),
}


# --------------------------------------------------------------------------- FD303

FD303 = {
    "production-class-secure-false": (
        BAD,
        """
class Config:
    SECRET_KEY = __import__("os").environ["SECRET_KEY"]

class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = False
""",
    ),
    "config-update-httponly-false": (
        BAD,
        """
from flask import Flask
app = Flask(__name__)
app.config.update(SESSION_COOKIE_HTTPONLY=False)
""",
    ),
    "from-mapping-httponly-false": (
        BAD,
        """
from flask import Flask

def create_app():
    app = Flask(__name__)
    app.config.from_mapping(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE="Lax")
    return app
""",
    ),
    "item-remember-httponly-false": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config["REMEMBER_COOKIE_HTTPONLY"] = False
login_manager = LoginManager(app)
""",
    ),
    "production-remember-secure-false": (
        BAD,
        """
class ProductionConfig:
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = False
""",
    ),
    "set-cookie-auth-httponly-false": (
        BAD,
        """
from flask import Flask, request, make_response, redirect, abort
import secrets

app = Flask(__name__)
SESSIONS = {}

@app.post("/login")
def login():
    user = check_password(request.form["user"], request.form["password"])
    token = secrets.token_urlsafe(32)
    SESSIONS[token] = user
    resp = make_response(redirect("/"))
    resp.set_cookie("session_token", token, httponly=False, secure=True)
    return resp

@app.get("/me")
def me():
    user = SESSIONS.get(request.cookies.get("session_token"))
    if user is None:
        abort(401)
    return {"user": user}
""",
    ),
    "config-update-dict-arg": (
        BAD,
        """
from flask import Flask
app = Flask(__name__)
app.config.update({"SESSION_COOKIE_HTTPONLY": False, "SESSION_COOKIE_SAMESITE": "Lax"})
""",
    ),
    "prod-named-class": (
        BAD,
        """
import os

class BaseConfig:
    SECRET_KEY = os.environ["SECRET_KEY"]

class ProdConfig(BaseConfig):
    SESSION_COOKIE_SECURE = False

config = {"prod": ProdConfig}
""",
    ),
    "production-env-default-off": (
        REPORTED,
        """
import os

class ProductionConfig:
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "False") == "True"
""",
    ),
    "set-cookie-jwt-defaults": (
        BAD,
        """
from functools import wraps
from flask import Flask, request, make_response, abort, g
import jwt, os

app = Flask(__name__)
KEY = os.environ["JWT_KEY"]

def auth_required(view):
    @wraps(view)
    def wrapped(*a, **kw):
        token = request.cookies.get("access_token")
        if not token:
            abort(401)
        g.user = jwt.decode(token, KEY, algorithms=["HS256"])["sub"]
        return view(*a, **kw)
    return wrapped

@app.post("/login")
def login():
    user = authenticate(request.form["user"], request.form["password"])
    resp = make_response({"ok": True})
    resp.set_cookie("access_token", jwt.encode({"sub": user.id}, KEY, algorithm="HS256"))
    return resp

@app.get("/me")
@auth_required
def me():
    return {"user": g.user}
""",
    ),
    # ---- good
    "development-class": (
        GOOD,
        """
class Config:
    SESSION_COOKIE_SECURE = True

class DevelopmentConfig(Config):
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
""",
    ),
    "testing-class": (
        GOOD,
        """
class TestingConfig:
    TESTING = True
    SESSION_COOKIE_SECURE = False
""",
    ),
    "secure-true": (
        GOOD,
        """
from flask import Flask
app = Flask(__name__)
app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
""",
    ),
    "non-auth-cookie": (
        GOOD,
        """
from flask import Flask, request, make_response

app = Flask(__name__)

@app.post("/theme")
def set_theme():
    resp = make_response("ok")
    resp.set_cookie("theme", request.form.get("theme", "light"), httponly=False)
    return resp
""",
    ),
    "secure-from-env": (
        GOOD,
        """
import os

class ProductionConfig:
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "true") == "true"
""",
    ),
}


# --------------------------------------------------------------------------- FD304

FD304 = {
    "production-class-none": (
        BAD,
        """
class ProductionConfig:
    SESSION_COOKIE_SAMESITE = "None"
""",
    ),
    "config-update-none": (
        BAD,
        """
from flask import Flask
app = Flask(__name__)
app.config.update(SESSION_COOKIE_SAMESITE="None")
""",
    ),
    "remember-none-only-session-secure": (
        BAD,
        """
class ProductionConfig:
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "None"
    REMEMBER_COOKIE_SAMESITE = "None"
""",
    ),
    "item-assignment-none-secure-false": (
        BAD,
        """
from flask import Flask
app = Flask(__name__)
app.config["SESSION_COOKIE_SAMESITE"] = "None"
app.config["SESSION_COOKIE_SECURE"] = False
""",
    ),
    "config-update-dict-lowercase": (
        BAD,
        """
from flask import Flask
app = Flask(__name__)
app.config.update({"SESSION_COOKIE_SAMESITE": "none"})
""",
    ),
    "set-cookie-auth-samesite-none": (
        BAD,
        """
from flask import Flask, request, make_response, abort
import secrets

app = Flask(__name__)
SESSIONS = {}

@app.post("/login")
def login():
    token = secrets.token_urlsafe(32)
    SESSIONS[token] = check_password(request.form["user"], request.form["password"])
    resp = make_response("ok")
    resp.set_cookie("sid", token, httponly=True, samesite="None")
    return resp

@app.get("/me")
def me():
    user = SESSIONS.get(request.cookies.get("sid"))
    if user is None:
        abort(401)
    return {"user": user}
""",
    ),
    # ---- good
    "set-cookie-samesite-none-secure": (
        GOOD,
        """
from flask import Flask, request, make_response, abort
import secrets

app = Flask(__name__)
SESSIONS = {}

@app.post("/login")
def login():
    token = secrets.token_urlsafe(32)
    SESSIONS[token] = check_password(request.form["user"], request.form["password"])
    resp = make_response("ok")
    resp.set_cookie("sid", token, httponly=True, secure=True, samesite="None")
    return resp

@app.get("/me")
def me():
    user = SESSIONS.get(request.cookies.get("sid"))
    if user is None:
        abort(401)
    return {"user": user}
""",
    ),
    "none-with-secure": (
        GOOD,
        """
class ProductionConfig:
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "None"
""",
    ),
    "python-none": (
        GOOD,
        """
from flask import Flask
app = Flask(__name__)
app.config["SESSION_COOKIE_SAMESITE"] = None
""",
    ),
    "lax": (
        GOOD,
        """
class ProductionConfig:
    SESSION_COOKIE_SAMESITE = "Lax"
""",
    ),
    "development-none": (
        GOOD,
        """
class DevelopmentConfig:
    SESSION_COOKIE_SAMESITE = "None"
""",
    ),
}


# --------------------------------------------------------------------------- FD302

LOGIN_TAIL = """
from flask_login import LoginManager
login_manager = LoginManager()
"""

FD302 = {
    "placeholder-environment-default": (
        BAD,
        """
import os
from flask import Flask, session
app = Flask(__name__)
app.config["SECRET_KEY"] = os.getenv("SECRET_KEY", "replace-with-a-random-string")

@app.post("/login")
def login():
    session["uid"] = 1
    return "ok"
""",
    ),
    "getter-names-the-variable": (
        GOOD,
        {
            "app.py": """
from flask import Flask, session
import conf
app = Flask(__name__)
app.config["SECRET_KEY"] = conf.SECRET_KEY

@app.post("/login")
def login():
    session["uid"] = 1
    return "ok"
""",
            "conf.py": """
import os, json

class Lookup:
    def __init__(self):
        self.data = json.load(open("site.json"))

    def get(self, key, variable=None, default=None):
        found = os.environ.get(variable) if variable else None
        return found if found is not None else self.data.get(key, default)

lookup = Lookup()
SECRET_KEY = lookup.get("secret_key", "SECRET_KEY")
""",
        },
    ),
    "base-config-class": (
        {
            "config.py": """
class Config:
    SECRET_KEY = "3f9a7c1e-our-signing-key"

class ProductionConfig(Config):
    DEBUG = False
""",
            "app.py": """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.from_object("config.ProductionConfig")
login_manager = LoginManager(app)
""",
        },
        BAD,
    ),
    "app-secret-key-attr": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager

def create_app():
    app = Flask(__name__)
    app.secret_key = "k8s-prod-key-4411"
    LoginManager(app)
    return app
""",
    ),
    "config-item-in-factory": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager

def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "another-literal-key-99"
    LoginManager(app)
    return app
""",
    ),
    "config-update": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.update(SECRET_KEY="update-literal-key", SQLALCHEMY_DATABASE_URI="sqlite:///x.db")
LoginManager(app)
""",
    ),
    "config-from-mapping": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager

def create_app():
    app = Flask(__name__)
    app.config.from_mapping(SECRET_KEY="mapping-literal-key")
    LoginManager(app)
    return app
""",
    ),
    "jwt-secret-production": (
        BAD,
        """
from flask import Flask
from flask_jwt_extended import JWTManager

class ProductionConfig:
    JWT_SECRET_KEY = "jwt-literal-signing-key"

app = Flask(__name__)
app.config.from_object(ProductionConfig)
jwt = JWTManager(app)
""",
    ),
    "config-update-dict-arg": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.update({"SECRET_KEY": "dict-literal-key-123"})
LoginManager(app)
""",
    ),
    "bytes-literal": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.secret_key = b"\\x8f\\x12\\xa0\\x9b\\x11\\x7c\\xee\\x01"
LoginManager(app)
""",
    ),
    "root-config-from-pyfile": (
        {
            "config.py": """
SECRET_KEY = "pyfile-literal-key-7781"
SQLALCHEMY_DATABASE_URI = "sqlite:///app.db"
""",
            "app.py": """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.from_pyfile("config.py")
LoginManager(app)
""",
        },
        BAD,
    ),
    "settings-module-from-object": (
        {
            "settings.py": """
SECRET_KEY = "module-literal-key-5521"
""",
            "app.py": """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.from_object("settings")
LoginManager(app)
""",
        },
        BAD,
    ),
    "or-fallback": (
        BAD,
        """
import os
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or "fallback-literal-key"
LoginManager(app)
""",
    ),
    "env-default-literal": (
        REPORTED,
        """
import os
from flask import Flask
from flask_login import LoginManager

class Config:
    SECRET_KEY = os.getenv("SECRET_KEY", "dev-secret-please-change")

app = Flask(__name__)
app.config.from_object(Config)
LoginManager(app)
""",
    ),
    "setdefault": (
        BAD,
        """
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.config.setdefault("SECRET_KEY", "setdefault-literal-key")
LoginManager(app)
""",
    ),
    # ---- good
    "random-at-startup-is-fd301": (
        GOOD,
        """
import os, secrets
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
LoginManager(app)
""",
    ),
    "environ-required": (
        GOOD,
        """
import os
from flask import Flask
from flask_login import LoginManager

class Config:
    SECRET_KEY = os.environ["SECRET_KEY"]

app = Flask(__name__)
app.config.from_object(Config)
LoginManager(app)
""",
    ),
    "environ-get-no-default": (
        GOOD,
        """
import os
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")
LoginManager(app)
""",
    ),
    "development-and-testing-classes": (
        GOOD,
        """
import os
from flask_login import LoginManager

class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")

class DevelopmentConfig(Config):
    SECRET_KEY = "dev"

class TestingConfig(Config):
    SECRET_KEY = "test"
""",
    ),
    "test-fixture": (
        {
            "app.py": """
import os
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
LoginManager(app)
""",
            "tests/conftest.py": """
import pytest
from app import app

@pytest.fixture
def client():
    app.config.update(TESTING=True, SECRET_KEY="testing")
    return app.test_client()
""",
        },
        GOOD,
    ),
    "dev-only-branch": (
        GOOD,
        """
import os
from flask import Flask
from flask_login import LoginManager

def create_app():
    app = Flask(__name__)
    if os.environ.get("FLASK_ENV") == "development":
        app.config["SECRET_KEY"] = "dev"
    else:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    LoginManager(app)
    return app
""",
    ),
    "secrets-file": (
        GOOD,
        """
from pathlib import Path
from flask import Flask
from flask_login import LoginManager
app = Flask(__name__)
app.secret_key = Path("/run/secrets/flask_key").read_text().strip()
LoginManager(app)
""",
    ),
}


MATRIX = {"FD302": FD302, "FD303": FD303, "FD304": FD304, "FD308": FD308, "FD309": FD309}

# Variants main does not handle yet, with the reason (xfail keeps them visible).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _cases():
    for code, variants in MATRIX.items():
        for name, (a, b) in variants.items():
            files, kind = (b, a) if isinstance(a, str) and a in (BAD, GOOD, NOTE_OK, REPORTED) else (a, b)
            if kind is None:
                kind = BAD
            marks = []
            if (code, name) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[code, name], strict=True))
            yield pytest.param(code, files, kind, id=f"{code}-{kind}-{name}", marks=marks)


@pytest.mark.parametrize("code, files, kind", list(_cases()))
def test_variant(code, files, kind):
    findings = _findings(code, files)
    if kind == BAD:
        assert any(f.severity >= Severity.WARNING for f in findings), [(f.severity.label, f.message) for f in findings]
    elif kind == REPORTED:
        assert findings, "no finding"
    elif kind == NOTE_OK:
        assert all(f.severity == Severity.NOTE for f in findings), [(f.severity.label, f.message) for f in findings]
    else:
        assert findings == [], [(f.severity.label, f.message) for f in findings]
