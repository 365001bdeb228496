"""Sign in and out with Flask-Login; the session lives in Redis (Flask-Session)."""

import os
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template_string, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from clinic.extensions import db, login_manager
from clinic.forms import LoginForm
from clinic.models import User

bp = Blueprint("auth", __name__)

LOGIN_PAGE = """<!doctype html><title>Sign in</title>
<form method="post">{{ form.csrf_token }}
<input name="email" value="{{ form.email.data or '' }}"><input name="password" type="password">
<button>Sign in</button></form>"""


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: never send a user to another host after signing in."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalars(select(User).where(User.email == form.email.data)).first()
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        return render_template_string(LOGIN_PAGE, form=form), 401
    return render_template_string(LOGIN_PAGE, form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/me")
@login_required
def me():
    return jsonify(id=current_user.id, name=current_user.name, email=current_user.email, worker=os.getpid())
