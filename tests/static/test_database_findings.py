"""Whole-finding tests for the database family (what users see, not counts)."""

from __future__ import annotations

import textwrap

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.runner import analyse_sources

MODELS = """
from datetime import datetime
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String, unique=True)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    created = db.Column(db.DateTime, default=datetime.utcnow)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    author = db.relationship("User", backref="posts")
"""


def _check(code: str, select: str, *, preview: bool = False) -> list[Finding]:
    sources = {"models.py": textwrap.dedent(MODELS).lstrip(), "app.py": textwrap.dedent(code).lstrip()}
    return [f for f in analyse_sources(sources, select=[select], preview=preview).findings if f.code == select]


def test_fd201_finding_names_the_query_the_view_and_why_the_table_grows() -> None:
    findings = _check(
        """
        from flask import Flask, request
        from models import Post, db
        app = Flask(__name__)

        @app.get("/export")
        def export():
            return {"n": len(Post.query.all())}

        @app.post("/posts")
        def write():
            db.session.add(Post(author_id=request.form["a"]))
        """,
        "FD201",
    )
    assert findings == [
        Finding(
            code="FD201",
            name="unbounded-query-materialised",
            severity=Severity.WARNING,
            message="`Post.query.all()` in view `export` loads the whole `Post` table, then only counts the rows: "
            "nothing bounds it (no limit, pagination or unique filter), so its cost grows with the table",
            location=Location("app.py", 7, 22, 7, 38),
            hint="Count in SQL: `q.count()`, or test `db.session.query(q.exists()).scalar()`: no row needs loading.",
            evidence=(Evidence("`write` adds `Post` rows", Location("app.py", 11, 20)),),
            catalog=("S02",),
            surface="check",
        )
    ]


def test_fd201_says_nothing_without_evidence_that_the_table_grows() -> None:
    """A timestamp column is no evidence: a release schedule has one too (the issue's false alarm). Judges of
    real applications found such notes wrong or by design, so without an insert from request or job code
    FD201 stays silent."""
    findings = _check(
        """
        from flask import Flask
        from models import Post
        app = Flask(__name__)

        @app.get("/export")
        def export():
            return {"n": len(Post.query.all())}
        """,
        "FD201",
    )
    assert findings == []


def test_fd201_ignores_all_on_things_that_are_not_queries() -> None:
    assert (
        _check(
            """
        from flask import Flask, request
        from models import User
        app = Flask(__name__)
        query = {"a": [1]}

        class Query:
            def all(self):
                return []

        @app.get("/")
        def index():
            items = Query().all() + list(query.values()) + request.args.getlist("x")
            rows = [r for r in query.items()]
            user = User.query.filter_by(email=request.args["e"]).all()
            return {"n": len(items) + len(rows) + len(user)}
        """,
            "FD201",
        )
        == []
    )


def test_fd201_generic_resource_names_the_served_model_and_the_create_handler() -> None:
    """A resource class a factory makes per table: the evidence is its own POST adding rows of that table."""
    findings = _check(
        """
        from flask import Flask, request
        from flask.views import MethodView
        from models import db
        app = Flask(__name__)

        class Collection(MethodView):
            __model__ = None

            def post(self):
                db.session.add(self.__model__(**request.json))
                db.session.commit()
                return "ok"

            def get(self):
                limit = None
                if "limit" in request.args:
                    limit = int(request.args["limit"])
                return {"n": len(self.__model__.query.limit(limit).all())}
        """,
        "FD201",
    )
    assert [(f.location.line, f.evidence[0].message, f.evidence[0].location.line) for f in findings] == [
        (18, "`Collection.post` adds rows of `self.__model__`", 10)
    ]
    assert "loads every row of the table `self.__model__` serves" in findings[0].message


def test_fd201_queries_a_helper_builds_on_a_session_of_any_name() -> None:
    """``Post.recent(dbs)`` returns a query on a session named ``dbs``; the caller runs it whole."""
    findings = _check(
        """
        from flask import Flask, request
        from models import Post, db
        app = Flask(__name__)

        def published(dbs):
            return dbs.query(Post).order_by(Post.id)

        def mine(dbs, author):
            return dbs.query(Post).filter(Post.author_id == author)

        @app.get("/feed")
        def feed():
            everything = published(db.session).all()
            own = mine(db.session, request.args["me"]).all()
            return {"n": len(everything) + len(own)}

        @app.post("/posts")
        def write():
            db.session.add(Post(author_id=request.form["a"]))
        """,
        "FD201",
    )
    assert [f.location.line for f in findings] == [13]


def test_fd202_evidence_points_at_the_loop_and_the_helper_query() -> None:
    code = """
        from flask import Flask, request
        from models import User, db
        app = Flask(__name__)

        def owner(uid):
            return db.session.get(User, uid)

        @app.post("/owners")
        def owners():
            return [owner(uid).email for uid in request.json["ids"]]
        """
    # a loop over the ids a request sends runs as many lookups as the client asks for: a warning by default
    findings = _check(code, "FD202")
    assert len(findings) == 1
    assert findings[0].severity is Severity.WARNING
    assert findings[0].location.line == 10
    assert [e.message for e in findings[0].evidence] == [
        "the loop",
        "the loop walks data the client sends: `request.json['ids']`",
        "query in `owner`",
    ]
    assert [e.location.line for e in findings[0].evidence if e.location] == [10, 10, 6]


def test_fd202_words_typed_into_one_field_are_a_note() -> None:
    code = """
        from flask import Flask, request
        from models import User, db
        app = Flask(__name__)

        @app.post("/team")
        def invite():
            {names}
            found = []
            for name in names:
                found.append(User.query.filter_by(email=name).first())
            return {"n": len(found)}
        """
    # the words of one text box (split, then tidied): what a person types, a note
    typed = code.replace(
        "{names}", 'names = request.form["emails"].split(",")\n            names = [n.strip() for n in names if n]'
    )
    assert _check(typed, "FD202") == []
    notes = _check(typed, "FD202", preview=True)
    assert [f.severity for f in notes] == [Severity.NOTE]
    assert "the words of one text value" in notes[0].message
    # a list the request sends item by item (checkboxes, a JSON array) still sets N: a warning
    listed = code.replace("{names}", 'names = request.form.getlist("emails")')
    assert [f.severity for f in _check(listed, "FD202")] == [Severity.WARNING]


def test_fd203_is_quiet_when_the_query_eager_loads_the_relationship() -> None:
    code = """
        from flask import Flask
        from sqlalchemy.orm import selectinload
        from models import Post
        app = Flask(__name__)

        @app.get("/")
        def index():
            posts = Post.query.options({options}).limit(10).all()
            return [p.author.email for p in posts]
        """
    assert _check(code.replace("{options}", "selectinload(Post.author)"), "FD203") == []
    flagged = _check(code.replace(".options({options})", ""), "FD203")
    assert [f.message.split(":")[0] for f in flagged] == [
        "`p.author` is a lazy relationship of `Post` read for every row of `posts` in view `index`"
    ]


def _check_mongo(code: str, select: str, *, preview: bool = False) -> list[Finding]:
    sources = {"app.py": textwrap.dedent(code).lstrip()}
    return [f for f in analyse_sources(sources, select=[select], preview=preview).findings if f.code == select]


def test_fd202_mongodb_lookup_per_document_names_the_loop_the_read_and_who_adds_documents() -> None:
    findings = _check_mongo(
        """
        from flask import Flask, request
        from pymongo import MongoClient
        app = Flask(__name__)
        shop = MongoClient()["shop"]

        def customer(customer_id):
            return shop.customers.find_one({"_id": customer_id})

        @app.post("/orders")
        def order():
            shop.invoices.insert_one({"customer_id": request.form["c"]})

        @app.get("/invoices")
        def invoices():
            return [customer(i["customer_id"]) for i in shop.invoices.find().limit(100)]
        """,
        "FD202",
    )
    assert [(f.severity, f.location.line) for f in findings] == [(Severity.WARNING, 15)]
    assert findings[0].message.startswith(
        "`customer(...)` reads a document of `customers` once per item of the loop in view `invoices`"
    )
    assert [(e.message, e.location.line if e.location else None) for e in findings[0].evidence] == [
        ("the loop", 15),
        ("the loop walks the documents of `shop.invoices.find().limit(100)`", 15),
        ("`order` adds `invoices` documents", 11),
        ("`shop.customers.find_one(...)` in `customer`", 7),
    ]
    assert "$in" in (findings[0].hint or "")


def test_fd202_mongodb_is_quiet_for_a_loop_over_anything_but_documents_or_request_data() -> None:
    code = """
        from flask import Flask
        from pymongo import MongoClient
        app = Flask(__name__)
        shop = MongoClient()["shop"]

        def names(ids):
            return [shop.customers.find_one({"_id": i}) for i in ids]

        @app.get("/a")
        def a():
            return names(shop.favourites.distinct("customer_id"))
        """
    assert _check_mongo(code, "FD202", preview=True)[0].severity == Severity.NOTE  # distinct values: a read
    quiet = code.replace('shop.favourites.distinct("customer_id")', "[1, 2, 3]")
    assert _check_mongo(quiet, "FD202", preview=True) == []


def test_fd201_mongodb_list_of_a_growing_collection_is_a_warning_with_the_insert() -> None:
    findings = _check_mongo(
        """
        from flask import Flask, request
        from mongoengine import Document, StringField
        app = Flask(__name__)

        class Message(Document):
            body = StringField()

        @app.post("/messages")
        def post():
            Message(body=request.form["body"]).save()

        @app.get("/messages")
        def messages():
            return {"all": [m.body for m in list(Message.objects.order_by("-id"))]}
        """,
        "FD201",
    )
    assert [(f.severity, f.location.line) for f in findings] == [(Severity.WARNING, 14)]
    assert findings[0].message == (
        "`Message.objects.order_by('-id')` in view `messages` loads every matching document: nothing bounds it "
        "(no limit, page, `_id` or `$in` filter), so its cost grows with the `Message` collection"
    )
    assert findings[0].evidence == (Evidence("`post` adds `Message` documents", Location("app.py", 10, 5)),)
