"""A blog with Flask-Login and templates: where an N+1 really comes from.

``load_user`` runs the same ``SELECT`` as the lazy loads of ``Entry.author``
in the templates' loops, so the statement's executions come from two
places; loops sit in a page, in an included template, around an include,
and in Python around a helper.  Lines marked ``site: NAME`` (``# site:`` in
Python, ``{# site: #}`` in templates) are where the doctor must point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_doctor import Doctor

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates" / "blog"
db = SQLAlchemy()
login_manager = LoginManager()


class User(UserMixin, db.Model):  # type: ignore[name-defined, misc]
    __tablename__ = "fdblog_user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))


class Entry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "fdblog_entry"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120))
    author_id = db.Column(db.Integer, db.ForeignKey("fdblog_user.id"))
    author = db.relationship("User")


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    return db.session.get(User, int(user_id))  # site: load_user


def site_line(marker: str, file: Path | None = None) -> int:
    """The line of ``file`` (this module by default) that ends with the ``site: marker`` mark."""
    text = (file or Path(__file__)).read_text().splitlines()
    for number, line in enumerate(text, 1):
        stripped = line.rstrip()
        if stripped.endswith(f"# site: {marker}") or stripped.endswith(f"{{# site: {marker} #}}"):
            return number
    raise LookupError(marker)


def describe(entry: Entry) -> str:
    return f"{entry.title} by {entry.author.name}"  # site: helper-body


def create_app(url: str = "sqlite://", **settings: Any) -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False,
                      SECRET_KEY="blog-secret-key-for-tests")
    settings.setdefault("background", False)
    db.init_app(app)
    login_manager.init_app(app)
    Doctor(app, **settings)

    @app.get("/login/<int:user_id>")
    def login(user_id: int) -> Any:
        login_user(db.session.get(User, user_id))
        return redirect("/entries")

    @app.get("/entries")
    def entries() -> str:
        rows = Entry.query.order_by(Entry.id).all()  # site: entries-query
        return render_template("blog/entries.html", entries=rows)

    @app.get("/entries/included")
    def entries_included() -> str:
        rows = Entry.query.order_by(Entry.id).all()  # site: included-query
        return render_template("blog/page.html", entries=rows)

    @app.get("/entries/rows")
    def entries_rows() -> str:
        rows = Entry.query.order_by(Entry.id).all()
        return render_template("blog/rows.html", entries=rows)

    @app.get("/entries/helper")
    def entries_helper() -> Any:
        rows = Entry.query.order_by(Entry.id).all()
        return {"entries": [describe(e) for e in rows]}  # site: helper-loop

    @app.get("/entries/by-id")
    def entries_by_id() -> Any:
        names = []
        for user_id in range(2, 10):
            names.append(User.query.filter_by(id=user_id).one().name)  # site: by-id
        return {"names": names, "me": current_user.name if current_user.is_authenticated else ""}

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    return app


def seed(app: Flask, entries: int = 8) -> None:
    """User 1 reads; entries 1..N are written by users 2..N+1 (each author loaded lazily once)."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = [User(id=i, name=f"user {i}") for i in range(1, entries + 2)]
        db.session.add_all(users)
        db.session.add_all([Entry(id=i, title=f"entry {i}", author_id=i + 1) for i in range(1, entries + 1)])
        db.session.commit()


def drop(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
