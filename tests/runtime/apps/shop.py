"""A small real shop: Flask-SQLAlchemy, lazy relationships, a leak, errors, cookies.

Lines marked ``# site: NAME`` are where the doctor must point; tests look
them up with :func:`site_line` instead of hard-coding numbers.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, make_response, request, session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from flask_doctor import Doctor

# Model declarations that Flask-SQLAlchemy 2.5 on SQLAlchemy 1.4 and Flask-SQLAlchemy 3.1 on
# SQLAlchemy 2.0 both accept: the support matrix runs these tests on both stacks.
db = SQLAlchemy()


class Author(db.Model):  # type: ignore[name-defined]
    __tablename__ = "fdrt_author"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    books = db.relationship("Book", back_populates="author", order_by="Book.id")


class Book(db.Model):  # type: ignore[name-defined]
    __tablename__ = "fdrt_book"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120))
    author_id = db.Column(db.Integer, db.ForeignKey("fdrt_author.id"))
    author = db.relationship("Author", back_populates="books")


def engines(database: SQLAlchemy, app: Flask) -> dict[str | None, Any]:
    """The app's engines by bind key, on Flask-SQLAlchemy 3 (``db.engines``) and 2 (``get_engine``)."""
    with app.app_context():
        if hasattr(database, "engines"):
            return dict(database.engines)
        binds = [None, *(app.config.get("SQLALCHEMY_BINDS") or {})]
        return {bind: database.get_engine(app, bind) for bind in binds}


#: Grows on every /leak request: the module-level cache of catalog problem S11.
LEAK: list[bytes] = []
LEAKED_CONNECTIONS: list[Any] = []


def site_line(marker: str) -> int:
    for number, line in enumerate(Path(__file__).read_text().splitlines(), 1):
        if line.rstrip().endswith(f"# site: {marker}"):
            return number
    raise LookupError(marker)


def create_app(url: str = "sqlite://", *, doctor_first: bool = False, config: dict[str, Any] | None = None,
               **settings: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="s3cr3t-key-for-tests-only", TESTING=True,
                      SQLALCHEMY_TRACK_MODIFICATIONS=False)
    app.config.update(config or {})
    settings.setdefault("background", False)
    if doctor_first:
        Doctor(app, **settings)
        db.init_app(app)
    else:
        db.init_app(app)
        Doctor(app, **settings)

    @app.get("/authors/lazy")
    def authors_lazy() -> Any:
        authors = db.session.scalars(select(Author).order_by(Author.id)).all()
        return jsonify([{"name": a.name, "books": [b.title for b in a.books]} for a in authors])  # site: lazy

    @app.get("/authors/eager")
    def authors_eager() -> Any:
        authors = db.session.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.id)).all()
        return jsonify([{"name": a.name, "books": [b.title for b in a.books]} for a in authors])

    @app.get("/books/all")
    def books_all() -> Any:
        books = db.session.scalars(select(Book)).all()  # site: all
        return {"count": len(books)}

    @app.get("/books/page")
    def books_page() -> Any:
        books = db.session.scalars(select(Book).order_by(Book.id).limit(50)).all()
        return {"count": len(books)}

    @app.get("/conn/leak")
    def conn_leak() -> Any:
        conn = db.engine.connect()  # site: conn
        conn.execute(text("SELECT 1"))
        LEAKED_CONNECTIONS.append(conn)
        return "leaked"

    @app.get("/conn/ok")
    def conn_ok() -> Any:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    @app.get("/leak")
    def leak() -> Any:
        LEAK.append(b"x" * (128 * 1024))  # site: leak
        return "kept"

    @app.get("/noleak")
    def noleak() -> Any:
        scratch = [b"x" * (128 * 1024)]
        return f"{len(scratch)} freed"

    @app.get("/sleep")
    def sleepy() -> Any:
        time.sleep(0.15)
        return "slept"

    @app.get("/cpu")
    def cpu() -> Any:
        end = time.thread_time() + 0.06
        n = 0
        while time.thread_time() < end:
            n += 1
        return str(n)

    @app.get("/boom")
    def boom() -> Any:
        return str(1 / int(request.args.get("d", "0")))  # site: boom

    @app.get("/login")
    def login() -> Any:
        session["user"] = "alice"
        return "in"

    @app.get("/big-session")
    def big_session() -> Any:
        session["history"] = secrets.token_urlsafe(4000)  # incompressible
        return "big"

    @app.get("/tracking")
    def tracking() -> Any:
        response = make_response("tracked")
        response.set_cookie("track", "1", samesite="None")
        return response

    @app.get("/hello")
    def hello() -> Any:
        return "hello"

    return app


def seed(app: Flask, authors: int = 8, books_each: int = 3) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        for i in range(authors):
            author = Author(name=f"author {i}")
            db.session.add(author)
            for j in range(books_each):
                db.session.add(Book(title=f"book {i}.{j}", author=author))
        db.session.commit()


def drop(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
    for engine in engines(db, app).values():
        engine.dispose()
