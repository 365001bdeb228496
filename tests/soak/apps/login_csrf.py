"""Flask-WTF (CSRF-protected form) + Flask-Login: the login soak must get through."""

from flask import Flask, redirect, request
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

app = Flask(__name__)
app.config["SECRET_KEY"] = "test-only-key-for-soak"
login_manager = LoginManager(app)
login_manager.login_view = "login"


class User(UserMixin):
    id = "demo"


@login_manager.user_loader
def load_user(user_id):
    return User() if user_id == "demo" else None


class LoginForm(FlaskForm):
    username = StringField("username")
    password = PasswordField("password")


@app.route("/auth/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit() and form.username.data == "demo" and form.password.data == "demo":
        login_user(User())
        return redirect(request.args.get("next") or "/explore")
    return (f'<form method="post">{form.csrf_token()}<input name="username">'
            f'<input type="password" name="password"></form>'), 200


@app.get("/explore")
@login_required
def explore():
    return "the real page"
