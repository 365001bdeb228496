"""Second variant matrix for catalogue S12 (N+1 queries): the app's own data-access layer.

Rules: FD202 query-in-loop and FD203 lazy-relationship-in-loop. ``test_variants_n_plus_one.py`` holds the
textbook shapes (the query or the relationship read written in the loop of the view). These are the shapes
real apps spread over their own layers: repository / DAO / service classes whose method queries and is called
per item, a loop over a parameter whose callers pass a query's rows, model methods and properties
(``to_dict()``, ``serialize()``, ``as_json()``, ``@property``) that read a lazy relationship or run a query,
serializers (marshmallow, flask-restx) over a list, SQLAlchemy 2.0 ``session.scalar(select(...))`` and raw
``text()`` per item, generator pipelines, pagination, jobs. Each is written from the SQLAlchemy,
Flask-SQLAlchemy, marshmallow and flask-restx documentation and common idioms, not from the corpus.

A bad shape must be reported by its rule (a warning, in the default set); a good shape must draw neither rule.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

#: Flask-SQLAlchemy models; ``{post}``, ``{comment}`` and ``{order}`` take a variant's extra methods.
MODELS = """
from datetime import datetime
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import func, select

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
    editor_id = db.Column(db.ForeignKey("user.id"))
    editor = db.relationship("User", foreign_keys=[editor_id], lazy="joined")
{post}

class Comment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    post_id = db.Column(db.ForeignKey("post.id"))
    author_id = db.Column(db.ForeignKey("user.id"))
    author = db.relationship("User")
{comment}

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
    status = db.Column(db.String(20), default="new")
    customer_id = db.Column(db.ForeignKey("user.id"))
    customer = db.relationship("User", backref=db.backref("orders", lazy="dynamic"))
    lines = db.relationship("OrderLine", backref="order")
{order}

class OrderLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    order_id = db.Column(db.ForeignKey("order.id"))
    sku = db.Column(db.String(40))
    quantity = db.Column(db.Integer)
"""


def models(post: str = "", comment: str = "", order: str = "") -> str:
    """The models module, with extra methods indented into ``Post``, ``Comment`` and ``Order``."""

    def body(methods: str) -> str:
        return textwrap.indent(textwrap.dedent(methods).strip("\n"), "    ") + "\n" if methods else ""

    return MODELS.format(post=body(post), comment=body(comment), order=body(order)).lstrip("\n")


#: User-facing routes that add rows: the tables grow with use.
WRITES = """
from flask import Blueprint, request
from models import db, Comment, Like, Order, OrderLine, Post, Tag, User

bp = Blueprint("writes", __name__)


@bp.post("/things")
def create_things():
    db.session.add(User(name=request.json["name"]))
    db.session.add(Post(title=request.json["title"], author_id=request.json["author"]))
    db.session.add(Comment(body=request.json["body"], post_id=request.json["post"]))
    db.session.add(Like(post_id=request.json["post"], user_id=request.json["user"]))
    db.session.add(Tag(name=request.json["tag"], post_id=request.json["post"]))
    db.session.add(Order(customer_id=request.json["user"]))
    db.session.add(OrderLine(order_id=request.json["order"], sku=request.json["sku"]))
    db.session.commit()
    return {"ok": True}
"""

HEAD = """
from flask import Flask, Response, jsonify, request
from sqlalchemy import func, select, text
from sqlalchemy.orm import contains_eager, joinedload, raiseload, selectinload, subqueryload
from models import db, Comment, Like, Order, OrderLine, Post, Tag, User

app = Flask(__name__)
"""

#: A Celery app in the usual Flask shape: tasks run inside an app context.
CELERY = """
from celery import Celery

celery = Celery(__name__, broker="redis://localhost:6379/0")
"""

# (id, rule expected, app code, extra files)
BAD: list[tuple[str, str, str, dict[str, str]]] = [
    # --- repository / DAO / service classes -----------------------------------------------------
    (
        "202-repository-instance-method-per-row",
        "FD202",
        """
        from repositories import users

        @app.get("/posts")
        def list_posts():
            return jsonify([{"title": p.title, "author": users.get(p.author_id).name} for p in Post.query.all()])
        """,
        {
            "repositories.py": """
from models import db, User


class UserRepository:
    def get(self, user_id):
        return db.session.get(User, user_id)


users = UserRepository()
""",
        },
    ),
    (
        "202-dao-staticmethod-per-row",
        "FD202",
        """
        from dao import CommentDAO

        @app.get("/posts")
        def list_posts():
            out = []
            for post in Post.query.order_by(Post.created_at.desc()).all():
                out.append({"id": post.id, "comments": [c.body for c in CommentDAO.for_post(post.id)]})
            return jsonify(out)
        """,
        {
            "dao.py": """
from models import Comment


class CommentDAO:
    @staticmethod
    def for_post(post_id):
        return Comment.query.filter_by(post_id=post_id).order_by(Comment.created_at).all()
""",
        },
    ),
    (
        "202-service-classmethod-count-per-row",
        "FD202",
        """
        from services.stats import PostStats

        @app.get("/posts")
        def list_posts():
            return jsonify({p.id: PostStats.like_count(p) for p in Post.query.all()})
        """,
        {
            "services/__init__.py": "",
            "services/stats.py": """
from models import Like


class PostStats:
    @classmethod
    def like_count(cls, post):
        return Like.query.filter(Like.post_id == post.id).count()
""",
        },
    ),
    (
        "202-service-held-on-resource-self",
        "FD202",
        """
        from flask_restx import Api, Resource
        from services import OrderService

        api = Api(app)

        @api.route("/orders")
        class OrderList(Resource):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.service = OrderService()

            def get(self):
                orders = Order.query.all()
                return [{"id": o.id, "customer": self.service.customer_name(o.customer_id)} for o in orders]
        """,
        {
            "services.py": """
from sqlalchemy import select
from models import db, User


class OrderService:
    def customer_name(self, customer_id):
        return db.session.scalar(select(User.name).where(User.id == customer_id))
""",
        },
    ),
    (
        "202-generic-repository-subclass",
        "FD202",
        """
        from repositories import UserRepo

        @app.get("/orders")
        def list_orders():
            repo = UserRepo()
            return jsonify([repo.find(o.customer_id).email for o in Order.query.all()])
        """,
        {
            "repositories.py": """
from models import db, User


class BaseRepo:
    model = None

    def find(self, pk):
        return db.session.get(self.model, pk)


class UserRepo(BaseRepo):
    model = User
""",
        },
    ),
    (
        "202-service-module-imported-as-alias",
        "FD202",
        """
        import services.users as user_svc

        @app.get("/comments")
        def list_comments():
            return jsonify([[c.body, user_svc.display_name(c.author_id)] for c in Comment.query.all()])
        """,
        {
            "services/__init__.py": "",
            "services/users.py": """
from models import User


def display_name(user_id):
    user = User.query.filter_by(id=user_id).first()
    return user.name if user else "?"
""",
        },
    ),
    # --- a loop over a parameter the callers fill with a query's rows ---------------------------
    (
        "202-loop-over-parameter-one-call-up",
        "FD202",
        """
        def order_rows(orders):
            rows = []
            for o in orders:
                customer = User.query.get(o.customer_id)
                rows.append({"id": o.id, "customer": customer.name})
            return rows

        @app.get("/orders")
        def list_orders():
            return jsonify(order_rows(Order.query.order_by(Order.created_at.desc()).all()))
        """,
        {},
    ),
    (
        "202-loop-over-parameter-two-calls-up",
        "FD202",
        """
        from reports import build_report

        @app.get("/report")
        def report():
            orders = Order.query.filter(Order.status == "paid").all()
            return jsonify(build_report(orders))
        """,
        {
            "reports.py": """
from models import OrderLine


def _line_counts(orders):
    return {o.id: OrderLine.query.filter_by(order_id=o.id).count() for o in orders}


def build_report(orders):
    return {"lines": _line_counts(orders), "total": len(orders)}
""",
        },
    ),
    (
        "203-loop-over-parameter-lazy-read",
        "FD203",
        """
        from exporters import to_rows

        @app.get("/comments.json")
        def export_comments():
            return jsonify(to_rows(Comment.query.all()))
        """,
        {
            "exporters.py": """
def to_rows(comments):
    return [{"body": c.body, "author": c.author.name} for c in comments]
""",
        },
    ),
    # --- model methods and properties ---------------------------------------------------------
    (
        "202-serialize-method-runs-count",
        "FD202",
        """
        @app.get("/posts")
        def list_posts():
            return jsonify([p.serialize() for p in Post.query.all()])
        """,
        {
            "models.py": models(
                post="""
                def serialize(self):
                    return {
                        "id": self.id,
                        "comments": Comment.query.filter_by(post_id=self.id).count(),
                    }
                """
            ),
        },
    ),
    (
        "202-as-json-method-session-scalar",
        "FD202",
        """
        @app.get("/orders")
        def list_orders():
            return jsonify(list(map(lambda o: o.as_json(), Order.query.all())))
        """,
        {
            "models.py": models(
                order="""
                def as_json(self):
                    n = db.session.scalar(select(func.count(OrderLine.id)).where(OrderLine.order_id == self.id))
                    return {"id": self.id, "lines": n}
                """
            ),
        },
    ),
    (
        "202-property-runs-query",
        "FD202",
        """
        @app.get("/posts")
        def list_posts():
            return jsonify([{"id": p.id, "comments": p.comment_count} for p in Post.query.all()])
        """,
        {
            "models.py": models(
                post="""
                @property
                def comment_count(self):
                    return Comment.query.filter_by(post_id=self.id).count()
                """
            ),
        },
    ),
    (
        "203-to-dict-reads-lazy-collection",
        "FD203",
        """
        @app.get("/orders")
        def list_orders():
            return jsonify([o.to_dict() for o in Order.query.all()])
        """,
        {
            "models.py": models(
                order="""
                def to_dict(self):
                    return {"id": self.id, "lines": [{"sku": l.sku, "qty": l.quantity} for l in self.lines]}
                """
            ),
        },
    ),
    (
        "203-property-reads-many-to-one",
        "FD203",
        """
        @app.get("/comments")
        def list_comments():
            return jsonify([{"body": c.body, "by": c.author_name} for c in Comment.query.all()])
        """,
        {
            "models.py": models(
                comment="""
                @property
                def author_name(self):
                    return self.author.name if self.author else None
                """
            ),
        },
    ),
    (
        "203-to-dict-over-pagination-items-loop",
        "FD203",
        """
        @app.get("/comments")
        def list_comments():
            page = Comment.query.order_by(Comment.id).paginate(page=request.args.get("page", 1, type=int))
            items = []
            for c in page.items:
                items.append(c.to_json())
            return jsonify(items=items, total=page.total)
        """,
        {
            "models.py": models(
                comment="""
                def to_json(self):
                    return {"body": self.body, "author": self.author.name}
                """
            ),
        },
    ),
    # --- len() / dynamic count per row ---------------------------------------------------------
    (
        "203-dynamic-count-in-dict-comprehension",
        "FD203",
        """
        @app.get("/likes")
        def like_counts():
            return jsonify({p.id: p.likes.count() for p in db.session.scalars(select(Post))})
        """,
        {},
    ),
    (
        "203-len-collection-in-helper",
        "FD203",
        """
        def line_count(order):
            return len(order.lines)

        @app.get("/orders")
        def list_orders():
            return jsonify([[o.id, line_count(o)] for o in Order.query.all()])
        """,
        {},
    ),
    # --- SQLAlchemy 2.0 and raw SQL per item ----------------------------------------------------
    (
        "202-session-scalar-select-where-per-row",
        "FD202",
        """
        @app.get("/posts")
        def list_posts():
            out = []
            for post in db.session.execute(select(Post).order_by(Post.id)).scalars():
                author = db.session.scalar(select(User).where(User.id == post.author_id))
                out.append({"id": post.id, "author": author.name})
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-raw-text-per-row",
        "FD202",
        """
        @app.get("/posts")
        def list_posts():
            out = []
            for post in Post.query.all():
                n = db.session.execute(
                    text("SELECT count(*) FROM comment WHERE post_id = :pid"), {"pid": post.id}
                ).scalar()
                out.append({"id": post.id, "comments": n})
            return jsonify(out)
        """,
        {},
    ),
    (
        "202-exists-per-row",
        "FD202",
        """
        @app.get("/posts/liked")
        def liked():
            uid = request.args.get("user", type=int)
            return jsonify(
                [
                    {"id": p.id, "liked": db.session.query(Like.query.filter_by(post_id=p.id, user_id=uid).exists()).scalar()}
                    for p in Post.query.all()
                ]
            )
        """,
        {},
    ),
    # --- generator pipelines, streaming, set comprehensions --------------------------------------
    (
        "203-yield-csv-stream",
        "FD203",
        """
        def generate_csv():
            yield "id,customer\\n"
            for o in Order.query.yield_per(500):
                yield f"{o.id},{o.customer.name}\\n"

        @app.get("/orders.csv")
        def orders_csv():
            return Response(generate_csv(), mimetype="text/csv")
        """,
        {},
    ),
    (
        "202-map-with-helper-function",
        "FD202",
        """
        def customer_email(order):
            return User.query.get(order.customer_id).email

        @app.get("/emails")
        def emails():
            return jsonify(sorted(set(map(customer_email, Order.query.all()))))
        """,
        {},
    ),
    (
        "202-set-comprehension-first",
        "FD202",
        """
        @app.get("/first-tags")
        def first_tags():
            return jsonify(sorted({Tag.query.filter_by(post_id=p.id).first().name for p in Post.query.all()}))
        """,
        {},
    ),
    # --- serializers over a list --------------------------------------------------------------
    (
        "203-marshmallow-nested-over-paginate-items",
        "FD203",
        """
        from marshmallow import Schema, fields

        class CommentSchema(Schema):
            body = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            comments = fields.List(fields.Nested(CommentSchema))

        posts_schema = PostSchema(many=True)

        @app.get("/posts")
        def list_posts():
            page = Post.query.paginate(page=request.args.get("page", 1, type=int), per_page=50)
            return jsonify(posts_schema.dump(page.items))
        """,
        {},
    ),
    (
        "203-restx-marshal-list-with-nested",
        "FD203",
        """
        from flask_restx import Api, Namespace, Resource, fields

        api = Api(app)
        ns = Namespace("orders")
        api.add_namespace(ns)

        line_model = ns.model("Line", {"sku": fields.String, "quantity": fields.Integer})
        order_model = ns.model("Order", {"id": fields.Integer, "lines": fields.List(fields.Nested(line_model))})

        @ns.route("/")
        class OrderList(Resource):
            @ns.marshal_list_with(order_model)
            def get(self):
                return Order.query.all()
        """,
        {},
    ),
    # --- jobs ---------------------------------------------------------------------------------
    (
        "202-celery-task-service-per-user",
        "FD202",
        """
        """,
        {
            "worker.py": CELERY.lstrip("\n"),
            "tasks.py": """
from worker import celery
from models import db, Order, User


def open_orders(user_id):
    return Order.query.filter_by(customer_id=user_id, status="new").count()


@celery.task
def nightly_digest():
    for user in User.query.all():
        n = open_orders(user.id)
        if n:
            print(user.email, n)
""",
        },
    ),
    (
        "203-celery-task-to-dict-per-row",
        "FD203",
        """
        """,
        {
            "worker.py": CELERY.lstrip("\n"),
            "models.py": models(
                comment="""
                def to_dict(self):
                    return {"id": self.id, "body": self.body, "author": self.author.email}
                """
            ),
            "tasks.py": """
import json
from worker import celery
from models import Comment


@celery.task
def export_comments(path):
    with open(path, "w") as fh:
        json.dump([c.to_dict() for c in Comment.query.all()], fh)
""",
        },
    ),
    # --- more layers ---------------------------------------------------------------------------
    (
        "202-repository-with-injected-session",
        "FD202",
        """
        from repositories import CommentRepository

        @app.get("/posts")
        def list_posts():
            repo = CommentRepository(db.session)
            posts = db.session.scalars(select(Post)).all()
            return jsonify([{"id": p.id, "n": len(repo.for_post(p.id))} for p in posts])
        """,
        {
            "repositories.py": """
from sqlalchemy import select
from models import Comment


class CommentRepository:
    def __init__(self, session):
        self.session = session

    def for_post(self, post_id):
        return self.session.scalars(select(Comment).where(Comment.post_id == post_id)).all()
""",
        },
    ),
    (
        "202-active-record-classmethod-get-by-id",
        "FD202",
        """
        @app.get("/orders")
        def list_orders():
            return jsonify([{"id": o.id, "customer": User.get_by_id(o.customer_id).name} for o in Order.query.all()])
        """,
        {
            "models.py": models().replace(
                "    created_at = db.Column(db.DateTime, default=datetime.utcnow)\n\n\nclass Post",
                "    created_at = db.Column(db.DateTime, default=datetime.utcnow)\n\n"
                "    @classmethod\n    def get_by_id(cls, user_id):\n        return cls.query.get(user_id)\n\n\nclass Post",
            ),
        },
    ),
    (
        "202-service-function-takes-session",
        "FD202",
        """
        from crud import get_user

        @app.get("/comments")
        def list_comments():
            return jsonify([(c.body, get_user(db.session, c.author_id).name) for c in Comment.query.all()])
        """,
        {
            "crud.py": """
from models import User


def get_user(session, user_id):
    return session.get(User, user_id)
""",
        },
    ),
    (
        "202-marshmallow-method-field-runs-query",
        "FD202",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            comment_count = fields.Method("get_comment_count")

            def get_comment_count(self, obj):
                return Comment.query.filter_by(post_id=obj.id).count()

        @app.get("/posts")
        def list_posts():
            return jsonify(PostSchema(many=True).dump(Post.query.all()))
        """,
        {},
    ),
    (
        "203-restx-marshal-with-service-list",
        "FD203",
        """
        from flask_restx import Api, Resource, fields
        from services import OrderService

        api = Api(app)
        order_fields = api.model("Order", {"id": fields.Integer, "customer": fields.String(attribute="customer.name")})

        @api.route("/orders")
        class Orders(Resource):
            @api.marshal_with(order_fields, as_list=True)
            def get(self):
                return OrderService.list_all()
        """,
        {
            "services.py": """
from models import Order


class OrderService:
    @staticmethod
    def list_all():
        return Order.query.order_by(Order.created_at.desc()).all()
""",
        },
    ),
    (
        "203-generator-helper-over-parameter",
        "FD203",
        """
        def iter_rows(orders):
            for o in orders:
                yield {"id": o.id, "customer": o.customer.email}

        @app.get("/orders")
        def list_orders():
            return jsonify(list(iter_rows(Order.query.all())))
        """,
        {},
    ),
    (
        "203-sum-len-generator",
        "FD203",
        """
        @app.get("/orders/lines")
        def total_lines():
            return jsonify(sum(len(o.lines) for o in Order.query.all()))
        """,
        {},
    ),
    (
        "203-dict-comprehension-over-db-paginate",
        "FD203",
        """
        @app.get("/comments")
        def list_comments():
            page = db.paginate(select(Comment).order_by(Comment.id))
            return jsonify({c.id: c.author.name for c in page.items})
        """,
        {},
    ),
    (
        "202-plain-sqlalchemy-session-local-repo",
        "FD202",
        """
        from store import PostStore

        @app.get("/store/posts")
        def store_posts():
            store = PostStore()
            return jsonify([{"id": p.id, "author": store.author_name(p)} for p in store.all_posts()])
        """,
        {
            "store.py": """
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from models import Post, User

SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))


class PostStore:
    def __init__(self):
        self.session = SessionLocal()

    def all_posts(self):
        return self.session.scalars(select(Post)).all()

    def author_name(self, post):
        return self.session.execute(select(User.name).where(User.id == post.author_id)).scalar_one()
""",
        },
    ),
    (
        "202-rows-of-raw-select-then-get",
        "FD202",
        """
        @app.get("/recent")
        def recent():
            rows = db.session.execute(text("SELECT id, author_id FROM post ORDER BY id DESC")).all()
            return jsonify([db.session.get(User, r.author_id).name for r in rows])
        """,
        {},
    ),
    (
        "203-loop-over-parameter-two-calls-up",
        "FD203",
        """
        from exporters import export

        @app.get("/orders.json")
        def export_orders():
            return jsonify(export(Order.query.order_by(Order.id).all()))
        """,
        {
            "exporters.py": """
def _rows(orders):
    return [{"id": o.id, "customer": o.customer.name} for o in orders]


def export(orders):
    return {"count": len(orders), "rows": _rows(orders)}
""",
        },
    ),
    (
        "202-raw-text-in-dao-helper",
        "FD202",
        """
        from dao import comment_count

        @app.get("/posts")
        def list_posts():
            return jsonify([{"id": p.id, "comments": comment_count(p.id)} for p in Post.query.all()])
        """,
        {
            "dao.py": """
from sqlalchemy import text
from models import db


def comment_count(post_id):
    return db.session.execute(text("SELECT count(*) FROM comment WHERE post_id = :pid"), {"pid": post_id}).scalar()
""",
        },
    ),
    (
        "202-marshmallow-function-field-helper",
        "FD202",
        """
        from marshmallow import Schema, fields

        def like_count(post):
            return Like.query.filter_by(post_id=post.id).count()

        class PostSchema(Schema):
            id = fields.Int()
            likes = fields.Function(like_count)

        posts_schema = PostSchema(many=True)

        @app.get("/posts")
        def list_posts():
            return jsonify(posts_schema.dump(Post.query.order_by(Post.id.desc()).all()))
        """,
        {},
    ),
    (
        "203-map-named-helper",
        "FD203",
        """
        def comment_row(c):
            return {"body": c.body, "author": c.author.name}

        @app.get("/comments")
        def list_comments():
            return jsonify(list(map(comment_row, Comment.query.all())))
        """,
        {},
    ),
    (
        "203-sorted-key-named-function",
        "FD203",
        """
        def author_name(post):
            return post.author.name

        @app.get("/posts/by-author")
        def by_author():
            return jsonify([p.title for p in sorted(Post.query.all(), key=author_name)])
        """,
        {},
    ),
]

GOOD: list[tuple[str, str, dict[str, str]]] = [
    (
        "repository-bulk-in-then-dict-lookup",
        """
        from repositories import users

        @app.get("/posts")
        def list_posts():
            posts = Post.query.all()
            by_id = users.by_ids({p.author_id for p in posts})
            return jsonify([{"title": p.title, "author": by_id[p.author_id].name} for p in posts])
        """,
        {
            "repositories.py": """
from models import User


class UserRepository:
    def by_ids(self, ids):
        return {u.id: u for u in User.query.filter(User.id.in_(ids)).all()}


users = UserRepository()
""",
        },
    ),
    (
        "dao-selectinload-then-to-dict",
        """
        from dao import OrderDAO

        @app.get("/orders")
        def list_orders():
            return jsonify([o.to_dict() for o in OrderDAO.recent()])
        """,
        {
            "models.py": models(
                order="""
                def to_dict(self):
                    return {"id": self.id, "lines": [l.sku for l in self.lines]}
                """
            ),
            "dao.py": """
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from models import db, Order


class OrderDAO:
    @staticmethod
    def recent():
        stmt = select(Order).options(selectinload(Order.lines)).order_by(Order.created_at.desc())
        return db.session.scalars(stmt).all()
""",
        },
    ),
    (
        "joinedload-and-raiseload",
        """
        @app.get("/comments")
        def list_comments():
            stmt = select(Comment).options(joinedload(Comment.author), raiseload("*"))
            return jsonify([{"body": c.body, "by": c.author.name} for c in db.session.scalars(stmt)])
        """,
        {},
    ),
    (
        "subqueryload-with-restx-marshal",
        """
        from flask_restx import Api, Namespace, Resource, fields

        api = Api(app)
        ns = Namespace("orders")
        api.add_namespace(ns)

        line_model = ns.model("Line", {"sku": fields.String})
        order_model = ns.model("Order", {"id": fields.Integer, "lines": fields.List(fields.Nested(line_model))})

        @ns.route("/")
        class OrderList(Resource):
            @ns.marshal_list_with(order_model)
            def get(self):
                return Order.query.options(subqueryload(Order.lines)).all()
        """,
        {},
    ),
    (
        "contains-eager-in-service",
        """
        from services import comments_with_authors

        @app.get("/comments")
        def list_comments():
            return jsonify([[c.body, c.author.name] for c in comments_with_authors()])
        """,
        {
            "services.py": """
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from models import db, Comment, User


def comments_with_authors():
    stmt = select(Comment).join(Comment.author).options(contains_eager(Comment.author))
    return db.session.scalars(stmt).all()
""",
        },
    ),
    (
        "selectin-and-joined-relationships-in-to-dict",
        """
        @app.get("/posts")
        def list_posts():
            return jsonify([p.to_dict() for p in Post.query.all()])
        """,
        {
            "models.py": models(
                post="""
                def to_dict(self):
                    return {"id": self.id, "tags": [t.name for t in self.tags], "editor": self.editor.name}
                """
            ),
        },
    ),
    (
        "grouped-count-then-lookup",
        """
        @app.get("/posts")
        def list_posts():
            counts = dict(
                db.session.execute(select(Comment.post_id, func.count(Comment.id)).group_by(Comment.post_id)).all()
            )
            return jsonify([{"id": p.id, "comments": counts.get(p.id, 0)} for p in Post.query.all()])
        """,
        {},
    ),
    (
        "loop-over-literal-statuses",
        """
        from services import count_with_status

        @app.get("/orders/summary")
        def summary():
            return jsonify({s: count_with_status(s) for s in ("new", "paid", "shipped")})
        """,
        {
            "services.py": """
from models import Order


def count_with_status(status):
    return Order.query.filter_by(status=status).count()
""",
        },
    ),
    (
        "loop-over-config-list",
        """
        from flask import current_app

        @app.get("/featured")
        def featured():
            names = current_app.config["FEATURED_TAGS"]
            return jsonify([Tag.query.filter_by(name=n).first().id for n in names])
        """,
        {},
    ),
    (
        "session-get-of-joined-loaded-authors",
        """
        @app.get("/posts")
        def list_posts():
            posts = Post.query.options(joinedload(Post.author)).all()
            return jsonify([db.session.get(User, p.author_id).name for p in posts])
        """,
        {},
    ),
    (
        "comments-of-one-post-back-to-parent",
        """
        @app.get("/posts/<int:pid>/comments")
        def post_comments(pid):
            comments = Comment.query.filter_by(post_id=pid).all()
            return jsonify([{"body": c.body, "post": c.post.title} for c in comments])
        """,
        {},
    ),
    (
        "job-small-capped-batch",
        """
        """,
        {
            "worker.py": CELERY.lstrip("\n"),
            "tasks.py": """
from worker import celery
from models import db, Order, User


@celery.task
def ship_next_batch():
    for order in Order.query.filter_by(status="paid").order_by(Order.id).limit(5):
        customer = db.session.get(User, order.customer_id)
        order.status = "shipped"
        print(customer.email)
    db.session.commit()
""",
        },
    ),
    (
        "to-dict-columns-only",
        """
        @app.get("/comments")
        def list_comments():
            return jsonify([c.to_dict() for c in Comment.query.all()])
        """,
        {
            "models.py": models(
                comment="""
                def to_dict(self):
                    return {"id": self.id, "body": self.body, "author_id": self.author_id}
                """
            ),
        },
    ),
    (
        "property-column-only",
        """
        @app.get("/orders")
        def list_orders():
            return jsonify([{"id": o.id, "label": o.label} for o in Order.query.all()])
        """,
        {
            "models.py": models(
                order="""
                @property
                def label(self):
                    return f"#{self.id} ({self.status})"
                """
            ),
        },
    ),
    (
        "dynamic-count-of-one-post",
        """
        @app.get("/posts/<int:pid>")
        def show_post(pid):
            post = db.get_or_404(Post, pid)
            return jsonify({"id": post.id, "likes": post.likes.count(), "title": post.title})
        """,
        {},
    ),
    (
        "repository-called-once-outside-loop",
        """
        from repositories import users

        @app.get("/users/<int:uid>/posts")
        def user_posts(uid):
            user = users.get(uid)
            return jsonify({"user": user.name, "posts": [p.title for p in Post.query.filter_by(author_id=uid)]})
        """,
        {
            "repositories.py": """
from models import db, User


class UserRepository:
    def get(self, user_id):
        return db.session.get(User, user_id)


users = UserRepository()
""",
        },
    ),
    (
        "loop-over-parameter-callers-pass-literals",
        """
        def tag_ids(names):
            return [Tag.query.filter_by(name=n).first().id for n in names]

        @app.get("/defaults")
        def defaults():
            return jsonify(tag_ids(["news", "blog"]))
        """,
        {},
    ),
    (
        "marshmallow-method-reads-columns",
        """
        from marshmallow import Schema, fields

        class CommentSchema(Schema):
            id = fields.Int()
            preview = fields.Method("get_preview")

            def get_preview(self, obj):
                return obj.body[:40]

        @app.get("/comments")
        def list_comments():
            return jsonify(CommentSchema(many=True).dump(Comment.query.all()))
        """,
        {},
    ),
    (
        "tests-folder",
        """
        """,
        {
            "tests/__init__.py": "",
            "tests/test_posts.py": """
from models import db, Comment, Post, User


def test_authors(client):
    for p in Post.query.all():
        assert db.session.get(User, p.author_id) is not None
        assert p.author.name
        assert Comment.query.filter_by(post_id=p.id).count() >= 0
""",
        },
    ),
    (
        "migration-data-backfill",
        """
        """,
        {
            "migrations/versions/3f2a_backfill.py": """
from alembic import op
import sqlalchemy as sa

revision = "3f2a"
down_revision = "1b1b"


def upgrade():
    conn = op.get_bind()
    for (pid,) in conn.execute(sa.text("SELECT id FROM post")).fetchall():
        n = conn.execute(sa.text("SELECT count(*) FROM comment WHERE post_id = :p"), {"p": pid}).scalar()
        conn.execute(sa.text("UPDATE post SET n_comments = :n WHERE id = :p"), {"n": n, "p": pid})


def downgrade():
    pass
""",
        },
    ),
    (
        "scripts-one-shot",
        """
        """,
        {
            "scripts/fix_authors.py": """
from app import app
from models import db, Post, User

with app.app_context():
    for p in Post.query.all():
        user = db.session.get(User, p.author_id)
        if user is None:
            p.author_id = None
    db.session.commit()
""",
        },
    ),
    (
        "map-builtin-and-column-helper",
        """
        def title_of(post):
            return post.title.strip()

        @app.get("/titles")
        def titles():
            posts = Post.query.all()
            return jsonify({"titles": list(map(title_of, posts)), "ids": list(map(str, (p.id for p in posts)))})
        """,
        {},
    ),
    (
        "sorted-key-function-with-selectinload",
        """
        def author_name(post):
            return post.author.name

        @app.get("/posts/by-author")
        def by_author():
            posts = Post.query.options(selectinload(Post.author)).all()
            return jsonify([p.title for p in sorted(posts, key=author_name)])
        """,
        {},
    ),
    (
        "property-many-to-one-rows-share-parent",
        """
        @app.get("/posts/<int:pid>/comments")
        def post_comments(pid):
            return jsonify([{"body": c.body, "post": c.post_title} for c in Comment.query.filter_by(post_id=pid)])
        """,
        {
            "models.py": models(
                comment="""
                @property
                def post_title(self):
                    return self.post.title
                """
            ),
        },
    ),
    (
        "marshmallow-method-field-context-only",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            title = fields.Str()
            url = fields.Method("get_url")

            def get_url(self, obj):
                return f"/posts/{obj.id}"

        @app.get("/posts")
        def list_posts():
            return jsonify(PostSchema(many=True).dump(Post.query.all()))
        """,
        {},
    ),
    (
        "marshmallow-method-field-one-object",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            comment_count = fields.Method("get_comment_count")

            def get_comment_count(self, obj):
                return Comment.query.filter_by(post_id=obj.id).count()

        @app.get("/posts/<int:pid>")
        def show_post(pid):
            return jsonify(PostSchema().dump(db.get_or_404(Post, pid)))
        """,
        {},
    ),
    (
        "raw-text-over-literal-tables",
        """
        @app.get("/stats")
        def stats():
            return jsonify(
                {
                    name: db.session.execute(text("SELECT count(*) FROM stats WHERE kind = :k"), {"k": name}).scalar()
                    for name in ("post", "comment", "like")
                }
            )
        """,
        {},
    ),
    (
        "loop-over-parameter-two-calls-up-literal",
        """
        def _ids(names):
            return [Tag.query.filter_by(name=n).first().id for n in names]

        def defaults(names):
            return _ids(names)

        @app.get("/defaults")
        def default_tags():
            return jsonify(defaults(["news", "blog"]))
        """,
        {},
    ),
    (
        "generic-repository-get-once",
        """
        from repositories import UserRepo

        @app.get("/users/<int:uid>")
        def show_user(uid):
            return jsonify({"email": UserRepo().find(uid).email})
        """,
        {
            "repositories.py": """
from models import db, User


class BaseRepo:
    model = None

    def find(self, pk):
        return db.session.get(self.model, pk)


class UserRepo(BaseRepo):
    model = User
""",
        },
    ),
    (
        "marshmallow-method-query-over-five-rows",
        """
        from marshmallow import Schema, fields

        class PostSchema(Schema):
            id = fields.Int()
            comment_count = fields.Method("get_comment_count")

            def get_comment_count(self, obj):
                return Comment.query.filter_by(post_id=obj.id).count()

        @app.get("/posts/top")
        def top_posts():
            return jsonify(PostSchema(many=True).dump(Post.query.order_by(Post.id.desc()).limit(5).all()))
        """,
        {},
    ),
    (
        "map-helper-over-literal-ids",
        """
        def tag_name(tag_id):
            return db.session.get(Tag, tag_id).name

        @app.get("/pinned")
        def pinned():
            return jsonify(list(map(tag_name, (1, 2, 3))))
        """,
        {},
    ),
]


def _project(code: str, files: dict[str, str]) -> dict[str, str]:
    sources = {
        "models.py": models(),
        "writes.py": WRITES.lstrip("\n"),
        "app.py": HEAD.lstrip("\n") + textwrap.dedent(code),
    }
    sources.update({path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    return sources


def _found(code: str, files: dict[str, str]) -> list:
    return found(_project(code, files), ("FD202", "FD203"))


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {
    "202-rows-of-raw-select-then-get": "the rows of SQL text name a table, not a mapped class, and their bounds "
    "(LIMIT, a unique key in WHERE) are in the SQL: the checker does not parse SQL, so N is not known to grow",
}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, code, files",
    [pytest.param(rule, code, files, id=name, marks=_mark(name)) for name, rule, code, files in BAD],
)
def test_bad_variant_is_reported(rule, code, files):
    found = _found(code, files)
    assert any(f.code == rule and f.severity >= Severity.WARNING for f in found), [
        (f.code, f.severity, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "code, files",
    [pytest.param(code, files, id=name, marks=_mark(name)) for name, code, files in GOOD],
)
def test_good_variant_is_silent(code, files):
    found = _found(code, files)
    assert found == [], [(f.code, f.location, f.message) for f in found]
