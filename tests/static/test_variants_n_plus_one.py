"""Variant matrix for catalogue S12 (N+1 queries): FD202 query-in-loop and FD203 lazy-relationship-in-loop.

Each variant is a small project written from common Flask / Flask-SQLAlchemy / SQLAlchemy idioms (not from
the corpus): the bad shapes must be reported (a warning, in the default set), the good shapes not at all.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.static.variants import found, xfail_marks

#: Flask-SQLAlchemy models (2.5 and 3.x accept the same declarations); the posts and comments grow with use.
MODELS = """
from datetime import datetime
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    email = db.Column(db.String(120), unique=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    author_id = db.Column(db.ForeignKey("user.id"))
    author = db.relationship("User", backref="posts")
    comments = db.relationship("Comment", backref="post")
    likes = db.relationship("Like", lazy="dynamic")
    tags = db.relationship("Tag", lazy="selectin")

    def to_dict(self):
        return {"id": self.id, "title": self.title, "author": self.author.name}


class Comment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    post_id = db.Column(db.ForeignKey("post.id"))
    author_id = db.Column(db.ForeignKey("user.id"))
    author = db.relationship("User")


class Like(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    post_id = db.Column(db.ForeignKey("post.id"))
    user_id = db.Column(db.ForeignKey("user.id"))


class Tag(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(40))
    post_id = db.Column(db.ForeignKey("post.id"))


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    customer_id = db.Column(db.ForeignKey("user.id"))
    customer = db.relationship("User", backref=db.backref("orders", lazy="dynamic"))
    lines = db.relationship("OrderLine", backref="order", lazy=True)
    shipments = db.relationship("Shipment", lazy=False)


class OrderLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    order_id = db.Column(db.ForeignKey("order.id"))


class Shipment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    order_id = db.Column(db.ForeignKey("order.id"))
"""

#: SQLAlchemy 2.0 typed models, used with a Flask-SQLAlchemy 3.x ``db`` whose model class is the declarative base.
MODELS20 = """
from datetime import datetime
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Author(db.Model):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    articles: Mapped[list["Article"]] = relationship(back_populates="author")


class Article(db.Model):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped["Author"] = relationship(back_populates="articles")
    notes: Mapped[list["Note"]] = relationship(lazy="selectin")


class Note(db.Model):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
"""

#: User-facing routes that add rows: the tables grow with use.
WRITES = """
from flask import Blueprint, request
from models import db, Post, Comment, Like, User, Order, OrderLine, Shipment
from models20 import Article, Author

bp = Blueprint("writes", __name__)


@bp.post("/posts")
def create_post():
    db.session.add(User(name=request.json["name"]))
    db.session.add(Post(title=request.json["title"], author_id=request.json["author"]))
    db.session.add(Comment(body=request.json["body"], post_id=request.json["post"]))
    db.session.add(Like(post_id=request.json["post"], user_id=request.json["user"]))
    db.session.add(Order(customer_id=request.json["user"]))
    db.session.add(OrderLine(order_id=request.json["order"]))
    db.session.add(Shipment(order_id=request.json["order"]))
    db.session.add(Author(name=request.json["name"]))
    db.session.add(Article(title=request.json["title"], author_id=request.json["author"]))
    db.session.commit()
    return {"ok": True}
"""

HEAD = """
from flask import Flask, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload
from models import db, Comment, Like, Order, Post, Tag, User
from models20 import Article, Author

app = Flask(__name__)
"""

# (id, rule expected or None, app code, extra files)
BAD: list[tuple[str, str, str, dict[str, str]]] = [
    # --- FD202: a query per item --------------------------------------------------------------
    (
        "202-sqlite-select-per-row-of-a-select",
        "FD202",
        """
        import sqlite3

        def get_conn():
            return sqlite3.connect("shop.db")

        @app.post("/orders")
        def place_order():
            get_conn().execute("INSERT INTO orders (customer_id) VALUES (?)", (request.form["c"],))
            return "ok"

        @app.get("/orders")
        def list_orders():
            conn = get_conn()
            out = []
            for row in conn.execute("SELECT id, customer_id FROM orders ORDER BY id DESC").fetchall():
                who = conn.execute("SELECT name FROM customers WHERE id = ?", (row[1],)).fetchone()
                out.append((row[0], who))
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-sqlite-select-per-id-the-client-posts",
        "FD202",
        """
        import sqlite3

        @app.post("/prices")
        def prices():
            conn = sqlite3.connect("shop.db")
            found = {}
            for sku in request.get_json()["skus"]:
                found[sku] = conn.execute("SELECT price FROM product WHERE sku = ?", (sku,)).fetchone()
            return jsonify(found)
        """,
        {},
    ),
    (
        "202-psycopg-cursor-reused-per-row",
        "FD202",
        """
        import psycopg2

        @app.post("/orders")
        def place_order():
            with psycopg2.connect("dbname=shop") as conn, conn.cursor() as cur:
                cur.execute("INSERT INTO orders (customer_id) VALUES (%s)", (request.form["c"],))
            return "ok"

        @app.get("/orders")
        def list_orders():
            with psycopg2.connect("dbname=shop") as conn, conn.cursor() as cur:
                cur.execute("SELECT id FROM orders ORDER BY id DESC")
                orders = cur.fetchall()
                lines = {}
                for o in orders:
                    cur.execute("SELECT sku, qty FROM order_lines WHERE order_id = %(oid)s", {"oid": o[0]})
                    lines[o[0]] = cur.fetchall()
            return jsonify(lines)
        """,
        {},
    ),
    (
        "202-query-get-over-query-all",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.all():
                out.append(User.query.get(p.author_id).name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-session-get-over-scalars-select",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = []
            for p in db.session.scalars(select(Post)):
                out.append(db.session.get(User, p.author_id).name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-get-or-404-over-query-all",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify([db.get_or_404(User, p.author_id).name for p in Post.query.all()])
        """,
        {},
    ),
    (
        "202-execute-scalar-one-over-execute-scalars",
        "FD202",
        """
        @app.get("/a")
        def a():
            names = []
            for p in db.session.execute(select(Post)).scalars():
                user = db.session.execute(select(User).where(User.id == p.author_id)).scalar_one()
                names.append(user.name)
            return jsonify(names)
        """,
        {},
    ),
    (
        "202-scalars-first-over-paginate-items",
        "FD202",
        """
        @app.get("/a")
        def a():
            page = Post.query.paginate(page=request.args.get("page", 1, type=int), per_page=50)
            out = []
            for p in page.items:
                first = db.session.scalars(select(Comment).where(Comment.post_id == p.id)).first()
                out.append(first.body if first else None)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-db-paginate-select-items",
        "FD202",
        """
        @app.get("/a")
        def a():
            page = db.paginate(select(Post).order_by(Post.id), per_page=50)
            return jsonify([db.session.get(User, p.author_id).name for p in page.items])
        """,
        {},
    ),
    (
        "202-filter-by-first-over-query-all",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = {}
            for p in Post.query.order_by(Post.created_at.desc()).all():
                out[p.id] = Comment.query.filter_by(post_id=p.id).first()
            return jsonify(len(out))
        """,
        {},
    ),
    (
        "202-count-in-list-comprehension",
        "FD202",
        """
        @app.get("/a")
        def a():
            posts = Post.query.all()
            return jsonify([Comment.query.filter_by(post_id=p.id).count() for p in posts])
        """,
        {},
    ),
    (
        "202-count-in-dict-comprehension",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify({p.id: Like.query.filter_by(post_id=p.id).count() for p in Post.query.all()})
        """,
        {},
    ),
    (
        "202-request-json-ids",
        "FD202",
        """
        @app.post("/a")
        def a():
            titles = []
            for post_id in request.json["ids"]:
                titles.append(Post.query.get(post_id).title)
            return jsonify(titles)
        """,
        {},
    ),
    (
        "202-request-form-getlist",
        "FD202",
        """
        @app.post("/a")
        def a():
            for post_id in request.form.getlist("ids"):
                post = db.session.get(Post, int(post_id))
                db.session.delete(post)
            db.session.commit()
            return "", 204
        """,
        {},
    ),
    (
        "202-request-get-json-comprehension",
        "FD202",
        """
        @app.post("/a")
        def a():
            data = request.get_json()
            return jsonify([User.query.filter_by(id=i).first().name for i in data["user_ids"]])
        """,
        {},
    ),
    (
        "202-rows-from-project-helper",
        "FD202",
        """
        def recent_posts():
            return Post.query.order_by(Post.created_at.desc()).all()

        @app.get("/a")
        def a():
            out = []
            for p in recent_posts():
                out.append(User.query.filter_by(id=p.author_id).first().name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-sqla20-session-get-over-scalars",
        "FD202",
        """
        @app.get("/a")
        def a():
            articles = db.session.scalars(select(Article).order_by(Article.created_at)).all()
            return jsonify([db.session.get(Author, a.author_id).name for a in articles])
        """,
        {},
    ),
    # --- FD203: a lazy relationship per row -------------------------------------------------------
    (
        "203-many-to-one-over-query-all",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([{"title": p.title, "author": p.author.name} for p in Post.query.all()])
        """,
        {},
    ),
    (
        "203-len-one-to-many",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = Post.query.order_by(Post.created_at.desc()).all()
            return jsonify([len(p.comments) for p in posts])
        """,
        {},
    ),
    (
        "203-dynamic-count",
        "FD203",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.all():
                out.append({"id": p.id, "likes": p.likes.count()})
            return jsonify(out)
        """,
        {},
    ),
    (
        "203-execute-scalars-all",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = db.session.execute(select(Post)).scalars().all()
            return jsonify([p.author.name for p in posts])
        """,
        {},
    ),
    (
        "203-paginate-items-fsqla25-positional",
        "FD203",
        """
        @app.get("/a")
        def a():
            page = Post.query.paginate(request.args.get("page", 1, type=int), 20, False)
            return jsonify([p.author.name for p in page.items])
        """,
        {},
    ),
    (
        "203-jinja-template-loop",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = Post.query.order_by(Post.created_at.desc()).all()
            return render_template("posts.html", posts=posts)
        """,
        {"templates/posts.html": "{% for p in posts %}<li>{{ p.title }} by {{ p.author.name }}</li>{% endfor %}\n"},
    ),
    (
        "203-jinja-template-paginate-items",
        "FD203",
        """
        @app.get("/a")
        def a():
            page = Post.query.paginate(page=1, per_page=20)
            return render_template("posts.html", page=page)
        """,
        {"templates/posts.html": "{% for p in page.items %}<li>{{ p.author.name }}</li>{% endfor %}\n"},
    ),
    (
        "203-marshmallow-nested-many",
        "FD203",
        """
        from marshmallow import Schema, fields

        class UserSchema(Schema):
            id = fields.Int()
            name = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            title = fields.Str()
            author = fields.Nested(UserSchema)

        posts_schema = PostSchema(many=True)

        @app.get("/a")
        def a():
            return jsonify(posts_schema.dump(Post.query.all()))
        """,
        {},
    ),
    (
        "203-marshmallow-method-field",
        "FD203",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            author_name = fields.Method("get_author_name")

            def get_author_name(self, obj):
                return obj.author.name

        @app.get("/a")
        def a():
            return jsonify(PostSchema(many=True).dump(Post.query.all()))
        """,
        {},
    ),
    (
        "203-to-dict-method-in-comprehension",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([p.to_dict() for p in Post.query.all()])
        """,
        {},
    ),
    (
        "203-sqla20-mapped-many-to-one",
        "FD203",
        """
        @app.get("/a")
        def a():
            out = []
            for article in db.session.scalars(select(Article).order_by(Article.created_at.desc())):
                out.append({"title": article.title, "by": article.author.name})
            return jsonify(out)
        """,
        {},
    ),
    (
        "203-sqla20-mapped-one-to-many",
        "FD203",
        """
        @app.get("/a")
        def a():
            authors = db.session.scalars(select(Author)).all()
            return jsonify({a.name: len(a.articles) for a in authors})
        """,
        {},
    ),
    (
        "203-rows-from-project-helper",
        "FD203",
        """
        def all_comments():
            return Comment.query.order_by(Comment.created_at.desc()).all()

        @app.get("/a")
        def a():
            return jsonify([c.author.name for c in all_comments()])
        """,
        {},
    ),
    # --- more shapes ----------------------------------------------------------------------------
    (
        "202-generator-sum-count",
        "FD202",
        """
        @app.get("/a")
        def a():
            posts = Post.query.all()
            return jsonify(sum(Comment.query.filter_by(post_id=p.id).count() for p in posts))
        """,
        {},
    ),
    (
        "202-one-or-404-select",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify([db.one_or_404(select(User).filter_by(id=p.author_id)).name for p in Post.query.all()])
        """,
        {},
    ),
    (
        "202-filter-one",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = []
            for c in Comment.query.all():
                out.append(User.query.filter(User.id == c.author_id).one().name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-session-query-get",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify([db.session.query(User).get(c.author_id).name for c in Comment.query.all()])
        """,
        {},
    ),
    (
        "202-get-or-404-over-request-json",
        "FD202",
        """
        @app.post("/a")
        def a():
            posts = [Post.query.get_or_404(pid) for pid in request.json["ids"]]
            return jsonify([p.title for p in posts])
        """,
        {},
    ),
    (
        "202-scalar-one-or-none-over-json-items",
        "FD202",
        """
        @app.post("/a")
        def a():
            for item in request.get_json()["items"]:
                post = db.session.execute(select(Post).filter_by(id=item["id"])).scalar_one_or_none()
                if post is not None:
                    post.title = item["title"]
            db.session.commit()
            return "", 204
        """,
        {},
    ),
    (
        "202-request-args-getlist",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify([db.session.get(Post, i).title for i in request.args.getlist("id")])
        """,
        {},
    ),
    (
        "202-scalar-count-select",
        "FD202",
        """
        from sqlalchemy import func

        @app.get("/a")
        def a():
            counts = {}
            for p in db.session.scalars(select(Post)).all():
                counts[p.id] = db.session.scalar(select(func.count(Comment.id)).where(Comment.post_id == p.id))
            return jsonify(counts)
        """,
        {},
    ),
    (
        "202-iterate-pagination-object",
        "FD202",
        """
        @app.get("/a")
        def a():
            pagination = db.paginate(select(Post), per_page=50)
            return jsonify([db.session.get(User, p.author_id).name for p in pagination])
        """,
        {},
    ),
    (
        "203-iterate-query-object",
        "FD203",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.filter(Post.title != None).order_by(Post.id):
                out.append(p.author.name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "203-session-query-all",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([p.author.name for p in db.session.query(Post).all()])
        """,
        {},
    ),
    (
        "203-nested-loop-comment-author",
        "FD203",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.options(selectinload(Post.comments)).all():
                for c in p.comments:
                    out.append(c.author.name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "203-enumerate-scalars",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = db.session.scalars(select(Post).order_by(Post.id)).all()
            return jsonify({i: p.author.name for i, p in enumerate(posts)})
        """,
        {},
    ),
    (
        "203-map-lambda",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify(list(map(lambda p: p.author.name, Post.query.all())))
        """,
        {},
    ),
    (
        "203-serialize-helper",
        "FD203",
        """
        def serialize(post):
            return {"id": post.id, "author": post.author.name, "comments": len(post.comments)}

        @app.get("/a")
        def a():
            return jsonify([serialize(p) for p in Post.query.all()])
        """,
        {},
    ),
    (
        "203-restx-marshal-nested",
        "FD203",
        """
        from flask_restx import Api, Resource, fields

        api = Api(app)
        user_model = api.model("User", {"name": fields.String})
        post_model = api.model("Post", {"id": fields.Integer, "author": fields.Nested(user_model)})

        @api.route("/posts")
        class Posts(Resource):
            @api.marshal_list_with(post_model)
            def get(self):
                return Post.query.all()
        """,
        {},
    ),
    (
        "203-marshmallow-function-field",
        "FD203",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            author_name = fields.Function(lambda obj: obj.author.name)

        @app.get("/a")
        def a():
            return jsonify(PostSchema(many=True).dump(Post.query.all()))
        """,
        {},
    ),
    (
        "203-marshmallow-pluck",
        "FD203",
        """
        from marshmallow import Schema, fields

        class UserSchema(Schema):
            name = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            author = fields.Pluck(UserSchema, "name")

        @app.get("/a")
        def a():
            return jsonify(PostSchema().dump(Post.query.all(), many=True))
        """,
        {},
    ),
    (
        "203-jinja-length-filter",
        "FD203",
        """
        @app.get("/a")
        def a():
            return render_template("posts.html", posts=Post.query.all())
        """,
        {"templates/posts.html": "{% for p in posts %}<li>{{ p.comments|length }}</li>{% endfor %}\n"},
    ),
    (
        "203-jinja-nested-loop",
        "FD203",
        """
        @app.get("/a")
        def a():
            return render_template("posts.html", posts=Post.query.all())
        """,
        {"templates/posts.html": "{% for p in posts %}{% for c in p.comments %}{{ c.body }}{% endfor %}{% endfor %}\n"},
    ),
    (
        "203-plain-session-sqla20",
        "FD203",
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        engine = create_engine("postgresql://db/app")

        @app.get("/a")
        def a():
            with Session(engine) as session:
                return jsonify([a.author.name for a in session.scalars(select(Article))])
        """,
        {},
    ),
    (
        "203-to-dict-over-paginate-items",
        "FD203",
        """
        @app.get("/a")
        def a():
            page = db.paginate(select(Post).order_by(Post.id), per_page=20)
            return jsonify({"items": [p.to_dict() for p in page.items], "total": page.total})
        """,
        {},
    ),
    (
        "203-dynamic-all-per-row",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([[l.user_id for l in p.likes.all()] for p in Post.query.all()])
        """,
        {},
    ),
    (
        "203-sorted-key-lambda",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = sorted(Post.query.all(), key=lambda p: p.author.name)
            return jsonify([p.id for p in posts])
        """,
        {},
    ),
    (
        "203-nested-comprehension-two-generators",
        "FD203",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.comments)).all()
            return jsonify([c.author.name for p in posts for c in p.comments])
        """,
        {},
    ),
    (
        "202-nested-loop-query-per-comment",
        "FD202",
        """
        @app.get("/a")
        def a():
            names = []
            for p in Post.query.options(selectinload(Post.comments)).all():
                for c in p.comments:
                    names.append(User.query.get(c.author_id).name)
            return jsonify(names)
        """,
        {},
    ),
    (
        "202-db-select-fsqla3",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = []
            for p in db.session.execute(db.select(Post)).scalars():
                out.append(db.session.execute(db.select(User).filter_by(id=p.author_id)).scalar_one().name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-request-json-get-default",
        "FD202",
        """
        @app.post("/a")
        def a():
            return jsonify([Post.query.get(i).title for i in request.json.get("ids", [])])
        """,
        {},
    ),
    (
        "202-service-module-helper",
        "FD202",
        """
        from services import list_orders

        @app.get("/a")
        def a():
            return jsonify([User.query.get(o.customer_id).name for o in list_orders()])
        """,
        {
            "services.py": """
from models import Order


def list_orders():
    return Order.query.order_by(Order.created_at.desc()).all()
""",
        },
    ),
    (
        "203-db-select-fsqla3",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([p.author.name for p in db.session.execute(db.select(Post)).scalars()])
        """,
        {},
    ),
    (
        "203-lazy-true-fsqla25",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify([len(o.lines) for o in Order.query.all()])
        """,
        {},
    ),
    (
        "203-backref-lazy-dynamic-count",
        "FD203",
        """
        @app.get("/a")
        def a():
            return jsonify({u.name: u.orders.count() for u in User.query.all()})
        """,
        {},
    ),
    (
        "203-jinja-dynamic-count",
        "FD203",
        """
        @app.get("/a")
        def a():
            return render_template("posts.html", posts=Post.query.all())
        """,
        {"templates/posts.html": "{% for p in posts %}{{ p.likes.count() }}{% endfor %}\n"},
    ),
    (
        "203-method-view",
        "FD203",
        """
        from flask.views import MethodView

        class PostList(MethodView):
            def get(self):
                return jsonify([p.author.name for p in Post.query.all()])

        app.add_url_rule("/posts", view_func=PostList.as_view("posts"))
        """,
        {},
    ),
    (
        "202-helper-iterates-query-per-row",
        "FD202",
        """
        from texts import comment_bodies

        @app.get("/a")
        def a():
            return jsonify([comment_bodies(p.id) for p in Post.query.all()])
        """,
        {
            "texts.py": """
from models import Comment


def comment_bodies(post_id):
    return [c.body for c in Comment.query.filter_by(post_id=post_id)]
""",
        },
    ),
    (
        "202-helper-switch-turned-on",
        "FD202",
        """
        from rows import post_row

        @app.get("/a")
        def a():
            return jsonify([post_row(p, with_count=True) for p in Post.query.all()])
        """,
        {
            "rows.py": """
from models import Comment


def post_row(post, with_count=False):
    row = {"id": post.id}
    if with_count:
        row["comments"] = Comment.query.filter_by(post_id=post.id).count()
    return row
""",
        },
    ),
    # --- 2.0-style column selects and comprehension-built lists ---------------------------------
    (
        "202-session-get-over-select-of-columns",
        "FD202",
        """
        @app.get("/a")
        def a():
            out = []
            for row in db.session.execute(select(Post.id, Post.author_id)):
                out.append(db.session.get(User, row.author_id).name)
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-query-get-over-legacy-column-query",
        "FD202",
        """
        @app.get("/a")
        def a():
            return jsonify([User.query.get(uid).name for _pid, uid in db.session.query(Post.id, Post.author_id)])
        """,
        {},
    ),
    (
        "202-ids-from-request-through-helper",
        "FD202",
        """
        def chosen_posts():
            return request.get_json()["posts"]

        @app.post("/a")
        def a():
            return jsonify([db.session.get(Post, pid).title for pid in chosen_posts()])
        """,
        {},
    ),
    (
        "203-first-entity-of-two-entity-select",
        "FD203",
        """
        @app.get("/a")
        def a():
            out = []
            for post, user in db.session.execute(select(Post, User).join(User, Post.author_id == User.id)):
                out.append((user.name, len(post.comments)))
            return jsonify(out)
        """,
        {},
    ),
    (
        "203-rows-kept-by-comprehension",
        "FD203",
        """
        @app.get("/a")
        def a():
            titled = [p for p in Post.query.order_by(Post.created_at).all() if p.title]
            return jsonify([len(p.comments) for p in titled])
        """,
        {},
    ),
]

GOOD: list[tuple[str, str, dict[str, str]]] = [
    (
        "sqlite-related-rows-read-once-with-in",
        """
        import sqlite3

        def get_conn():
            return sqlite3.connect("shop.db")

        @app.post("/orders")
        def place_order():
            get_conn().execute("INSERT INTO orders (customer_id) VALUES (?)", (request.form["c"],))
            return "ok"

        @app.get("/orders")
        def list_orders():
            conn = get_conn()
            rows = conn.execute("SELECT id, customer_id FROM orders ORDER BY id DESC").fetchall()
            ids = sorted({r[1] for r in rows})
            marks = ",".join("?" for _ in ids)
            names = dict(conn.execute(f"SELECT id, name FROM customers WHERE id IN ({marks})", ids).fetchall())
            for r in rows:
                conn.execute("UPDATE orders SET seen = 1 WHERE id = ?", (r[0],))
            return jsonify([(r[0], names.get(r[1])) for r in rows])
        """,
        {},
    ),
    (
        "helper-switch-left-off",
        """
        from rows import post_row

        @app.get("/a")
        def a():
            return jsonify([post_row(p) for p in Post.query.all()])
        """,
        {
            "rows.py": """
from models import Comment


def post_row(post, with_count=False):
    row = {"id": post.id}
    if with_count:
        row["comments"] = Comment.query.filter_by(post_id=post.id).count()
    return row
""",
        },
    ),
    (
        "selectinload-option",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.author)).all()
            return jsonify([p.author.name for p in posts])
        """,
        {},
    ),
    (
        "joinedload-select-2.0",
        """
        @app.get("/a")
        def a():
            posts = db.session.scalars(select(Post).options(joinedload(Post.author))).unique().all()
            return jsonify([p.author.name for p in posts])
        """,
        {},
    ),
    (
        "subqueryload-one-to-many",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(subqueryload(Post.comments)).all()
            return jsonify([len(p.comments) for p in posts])
        """,
        {},
    ),
    (
        "lazy-selectin-relationship",
        """
        @app.get("/a")
        def a():
            return jsonify([[t.name for t in p.tags] for p in Post.query.all()])
        """,
        {},
    ),
    (
        "sqla20-mapped-lazy-selectin",
        """
        @app.get("/a")
        def a():
            return jsonify([len(a.notes) for a in db.session.scalars(select(Article))])
        """,
        {},
    ),
    (
        "in-bulk-load",
        """
        @app.get("/a")
        def a():
            posts = Post.query.all()
            ids = {p.author_id for p in posts}
            users = {u.id: u for u in User.query.filter(User.id.in_(ids)).all()}
            return jsonify([users[p.author_id].name for p in posts])
        """,
        {},
    ),
    (
        "in-bulk-load-request-ids",
        """
        @app.post("/a")
        def a():
            ids = request.json["ids"]
            posts = db.session.scalars(select(Post).where(Post.id.in_(ids))).all()
            return jsonify([p.title for p in posts])
        """,
        {},
    ),
    (
        "literal-list-loop",
        """
        @app.get("/a")
        def a():
            found = {}
            for name in ("news", "blog", "release"):
                found[name] = Tag.query.filter_by(name=name).first()
            return jsonify(len(found))
        """,
        {},
    ),
    (
        "config-list-loop",
        """
        app.config["DEFAULT_TAGS"] = ["news", "blog"]

        @app.get("/a")
        def a():
            return jsonify([Tag.query.filter_by(name=n).count() for n in app.config["DEFAULT_TAGS"]])
        """,
        {},
    ),
    (
        "limit-3",
        """
        @app.get("/a")
        def a():
            posts = Post.query.order_by(Post.created_at.desc()).limit(3).all()
            return jsonify([p.author.name for p in posts])
        """,
        {},
    ),
    (
        "identity-map-same-parent",
        """
        @app.get("/posts/<int:post_id>/comments")
        def a(post_id):
            comments = Comment.query.filter_by(post_id=post_id).all()
            return jsonify([{"body": c.body, "post": c.post.title} for c in comments])
        """,
        {},
    ),
    (
        "session-get-constant-id",
        """
        @app.get("/a")
        def a():
            uid = request.args.get("user", type=int)
            out = []
            for p in Post.query.all():
                out.append((p.title, db.session.get(User, uid).name))
            return jsonify(out)
        """,
        {},
    ),
    (
        "break-at-first-match",
        """
        @app.get("/a")
        def a():
            for p in Post.query.all():
                if Comment.query.filter_by(post_id=p.id).first() is None:
                    return jsonify(p.id)
            return jsonify(None)
        """,
        {},
    ),
    (
        "range-loop",
        """
        @app.get("/a")
        def a():
            return jsonify([Post.query.filter_by(id=i).count() for i in range(3)])
        """,
        {},
    ),
    (
        "dynamic-truth-test-only",
        """
        @app.get("/a")
        def a():
            return jsonify([p.id for p in Post.query.all() if p.likes])
        """,
        {},
    ),
    (
        "template-with-selectinload",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.author)).all()
            return render_template("posts.html", posts=posts)
        """,
        {"templates/posts.html": "{% for p in posts %}<li>{{ p.author.name }}</li>{% endfor %}\n"},
    ),
    (
        "marshmallow-single-object",
        """
        from marshmallow import Schema, fields

        class UserSchema(Schema):
            name = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            author = fields.Nested(UserSchema)

        @app.get("/posts/<int:pid>")
        def a(pid):
            return jsonify(PostSchema().dump(db.get_or_404(Post, pid)))
        """,
        {},
    ),
    (
        "marshmallow-nested-with-selectinload",
        """
        from marshmallow import Schema, fields

        class UserSchema(Schema):
            name = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            author = fields.Nested(UserSchema)

        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.author)).all()
            return jsonify(PostSchema(many=True).dump(posts))
        """,
        {},
    ),
    (
        "column-reads-only",
        """
        @app.get("/a")
        def a():
            return jsonify([{"id": p.id, "title": p.title, "author": p.author_id} for p in Post.query.all()])
        """,
        {},
    ),
    (
        "query-hoisted-above-loop",
        """
        @app.get("/a")
        def a():
            users = {u.id: u.name for u in User.query.all()}
            return jsonify([users.get(p.author_id) for p in Post.query.all()])
        """,
        {},
    ),
    (
        "joinedload-in-2.0-mapped",
        """
        @app.get("/a")
        def a():
            stmt = select(Article).options(joinedload(Article.author))
            return jsonify([a.author.name for a in db.session.scalars(stmt)])
        """,
        {},
    ),
    (
        "db-joinedload-fsqla25",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(db.joinedload(Post.author)).all()
            return jsonify([p.author.name for p in posts])
        """,
        {},
    ),
    (
        "chained-selectinload",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.comments).selectinload(Comment.author)).all()
            return jsonify([[c.author.name for c in p.comments] for p in posts])
        """,
        {},
    ),
    (
        "contains-eager-join",
        """
        from sqlalchemy.orm import contains_eager

        @app.get("/a")
        def a():
            stmt = select(Post).join(Post.author).options(contains_eager(Post.author))
            return jsonify([p.author.name for p in db.session.scalars(stmt)])
        """,
        {},
    ),
    (
        "tuple-rows-join",
        """
        @app.get("/a")
        def a():
            rows = db.session.execute(select(Post.title, User.name).join(User, Post.author_id == User.id)).all()
            return jsonify([{"title": t, "author": n} for t, n in rows])
        """,
        {},
    ),
    (
        "with-entities-join",
        """
        @app.get("/a")
        def a():
            rows = Post.query.join(User).with_entities(Post.title, User.name).all()
            return jsonify([list(r) for r in rows])
        """,
        {},
    ),
    (
        "limit-5-enumerate",
        """
        @app.get("/a")
        def a():
            return jsonify([(i, p.author.name) for i, p in enumerate(Post.query.limit(5))])
        """,
        {},
    ),
    (
        "session-get-literal-ids",
        """
        @app.get("/a")
        def a():
            return jsonify([db.session.get(Tag, i).name for i in (1, 2, 3)])
        """,
        {},
    ),
    (
        "one-post-comment-columns",
        """
        @app.get("/posts/<int:pid>")
        def a(pid):
            post = db.get_or_404(Post, pid)
            return jsonify([c.body for c in post.comments])
        """,
        {},
    ),
    (
        "selectinload-in-helper",
        """
        def posts_with_authors():
            return Post.query.options(selectinload(Post.author)).order_by(Post.id).all()

        @app.get("/a")
        def a():
            return jsonify([p.author.name for p in posts_with_authors()])
        """,
        {},
    ),
    (
        "dynamic-truth-test-in-for",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.all():
                if p.likes:
                    out.append(p.id)
            return jsonify(out)
        """,
        {},
    ),
    (
        "nested-loop-back-to-parent",
        """
        @app.get("/a")
        def a():
            out = []
            for p in Post.query.options(selectinload(Post.comments)).all():
                for c in p.comments:
                    out.append(c.post.title)
            return jsonify(out)
        """,
        {},
    ),
    (
        "nested-joinedload-chain",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(joinedload(Post.comments).joinedload(Comment.author)).all()
            return jsonify([c.author.name for p in posts for c in p.comments])
        """,
        {},
    ),
    (
        "sorted-key-column",
        """
        @app.get("/a")
        def a():
            return jsonify([p.id for p in sorted(Post.query.all(), key=lambda p: p.created_at)])
        """,
        {},
    ),
    (
        "sorted-key-with-selectinload",
        """
        @app.get("/a")
        def a():
            posts = Post.query.options(selectinload(Post.author)).all()
            return jsonify([p.id for p in sorted(posts, key=lambda p: p.author.name)])
        """,
        {},
    ),
    (
        "lazy-false-relationship",
        """
        @app.get("/a")
        def a():
            return jsonify([len(o.shipments) for o in Order.query.all()])
        """,
        {},
    ),
    (
        "chunked-in-loads",
        """
        @app.post("/a")
        def a():
            ids = request.json["ids"]
            found = []
            for start in range(0, len(ids), 500):
                found += Post.query.filter(Post.id.in_(ids[start : start + 500])).all()
            return jsonify([p.title for p in found])
        """,
        {},
    ),
    (
        "one-to-many-over-operator-configured-table",
        """
        from settings import Webhook

        @app.get("/admin/webhooks")
        def webhooks():
            return jsonify([{"url": w.url, "events": [e.name for e in w.events]} for w in Webhook.query.all()])
        """,
        {
            "settings.py": """
from models import db


class Webhook(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    url = db.Column(db.String(200))
    events = db.relationship("WebhookEvent")


class WebhookEvent(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    webhook_id = db.Column(db.ForeignKey("webhook.id"))
    name = db.Column(db.String(40))
""",
            "manage.py": """
import click
from models import db
from settings import Webhook


@click.command()
@click.argument("url")
def add_webhook(url):
    db.session.add(Webhook(url=url))
    db.session.commit()
""",
        },
    ),
    (
        "helper-commits-each-row-it-reads",
        """
        def close_thread(post):
            for c in post.comments:
                c.body = "[closed]"
            db.session.commit()

        @app.post("/close-all")
        def close_all():
            for p in Post.query.order_by(Post.id).all():
                close_thread(p)
            return jsonify(ok=True)
        """,
        {},
    ),
    (
        "query-per-item-limit-3",
        """
        @app.get("/a")
        def a():
            return jsonify([db.session.get(User, p.author_id).name for p in Post.query.limit(3)])
        """,
        {},
    ),
    (
        "many-to-one-to-a-joined-entity",
        """
        @app.get("/a")
        def a():
            rows = db.session.query(Post, User).join(User, Post.author_id == User.id).all()
            return jsonify([p.author.name for p, _u in rows])
        """,
        {},
    ),
    (
        "grouped-column-query",
        """
        @app.get("/a")
        def a():
            rows = db.session.execute(select(Post.author_id).group_by(Post.author_id)).all()
            return jsonify([db.session.get(User, r.author_id).name for r in rows])
        """,
        {},
    ),
    (
        "count-per-column-group-is-one-query",
        """
        @app.get("/a")
        def a():
            counts = db.session.execute(select(Comment.post_id, db.func.count()).group_by(Comment.post_id)).all()
            return jsonify({post_id: n for post_id, n in counts})
        """,
        {},
    ),
    (
        "keys-built-from-capped-rows",
        """
        @app.get("/a")
        def a():
            ids = []
            for p in Post.query.order_by(Post.created_at.desc()).limit(3):
                ids.append(p.author_id)
            return jsonify([db.session.get(User, uid).name for uid in ids])
        """,
        {},
    ),
    (
        "kept-rows-loaded-eagerly",
        """
        @app.get("/a")
        def a():
            titled = [p for p in Post.query.options(selectinload(Post.comments)).all() if p.title]
            return jsonify([len(p.comments) for p in titled])
        """,
        {},
    ),
    (
        "helper-returns-request-data-or-a-default",
        """
        def chosen_posts():
            if request.is_json:
                return request.get_json()["posts"]
            return [1]

        @app.post("/a")
        def a():
            return jsonify([db.session.get(Post, pid).title for pid in chosen_posts()])
        """,
        {},
    ),
]


def _project(code: str, files: dict[str, str]) -> dict[str, str]:
    sources = {
        "models.py": MODELS.lstrip("\n"),
        "models20.py": MODELS20.lstrip("\n"),
        "writes.py": WRITES.lstrip("\n"),
        "app.py": HEAD.lstrip("\n") + textwrap.dedent(code),
    }
    sources.update(files)
    return sources


def _found(code: str, files: dict[str, str], *, preview: bool = False) -> list:
    return found(_project(code, files), ("FD202", "FD203"), preview=preview)


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, code, files",
    [pytest.param(rule, code, files, id=name, marks=_mark(name)) for name, rule, code, files in BAD],
)
def test_bad_variant_is_reported(rule, code, files):
    found = _found(code, files)
    assert any(f.code == rule for f in found), [(f.code, f.message) for f in found]


@pytest.mark.parametrize(
    "code, files",
    [pytest.param(code, files, id=name, marks=_mark(name)) for name, code, files in GOOD],
)
def test_good_variant_is_silent(code, files):
    found = _found(code, files)
    assert found == [], [(f.code, f.location, f.message) for f in found]
