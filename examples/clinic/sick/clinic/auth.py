import os

from flask import Blueprint, jsonify, redirect, render_template_string, request, session
from flask_login import current_user, login_required, login_user, logout_user

from clinic import db, login_manager
from clinic.models import User

bp = Blueprint("auth", __name__)
current_doctor = None

LOGIN_PAGE = """<!doctype html><title>Sign in</title>
<form method="post"><input name="email"><input name="password" type="password"><button>Sign in</button></form>"""


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


@login_manager.unauthorized_handler
def unauthorized():
    return redirect("/login")


@bp.before_app_request
def remember_doctor():
    global current_doctor
    current_doctor = session.get("doctor_id")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = User.query.filter_by(email=request.form["email"]).first()
        if user is not None and user.check_password(request.form["password"]):
            login_user(user)
            session["doctor_id"] = user.doctor_id
            return redirect("/dashboard")
        return render_template_string(LOGIN_PAGE), 401
    return render_template_string(LOGIN_PAGE)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect("/login")


@bp.route("/me")
@login_required
def me():
    return jsonify(id=current_user.id, name=current_user.name, email=current_user.email, worker=os.getpid())
