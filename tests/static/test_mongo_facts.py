"""MongoDB read facts (``facts.orm.mongo``) on small projects: what is a collection, a read, a bound."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.orm import mongo
from flask_doctor.static.facts.orm.queries import helper_context
from flask_doctor.static.runner import analyse_sources


def _project(files: dict[str, str]):
    return analyse_sources({path: textwrap.dedent(text).lstrip() for path, text in files.items()}, select=[]).project


def _at(project, function: str, text: str):
    """The context of ``function`` and the expression written ``text`` in it."""
    fn = next(f for f in project.functions.values() if f.qualname.endswith(function))
    node = next(n for n in ast.walk(fn.node) if isinstance(n, ast.expr) and ast.unparse(n) == text)
    return helper_context(project, fn), node


STORE = {
    "store/__init__.py": "",
    "store/adapter.py": """
        import pymongo

        class CaseMixin:
            def case(self, case_id=None, projection=None):
                query = {}
                if case_id:
                    query["_id"] = case_id
                return self.case_collection.find_one(query, projection=projection)

            def cases(self, owner):
                return self.case_collection.find({"owner": owner})

        class Adapter(CaseMixin):
            def setup(self, database):
                self.case_collection = database.case
                self.event_collection = database.event

            def timeline(self, user_id):
                return self.event_collection.aggregate([{"$match": {"user_id": user_id}}, {"$sort": {"when": -1}}])

            def log(self, user_id, what):
                self.event_collection.insert_one({"user_id": user_id, "what": what})
        """,
    "store/views.py": """
        from flask import Flask, request
        from flask_pymongo import PyMongo
        from mongoengine import DateTimeField, Document, ReferenceField, StringField
        from pymongo import MongoClient
        from store.adapter import Adapter

        app = Flask(__name__)
        mongo = PyMongo(app)
        client = MongoClient("mongodb://db")
        shop = client["shop"]
        store = Adapter()

        class Team(Document):
            name = StringField(unique=True)

        class Note(Document):
            team = ReferenceField(Team)
            created = DateTimeField()

        @app.get("/")
        def index():
            text = "needle".find("e")
            counted = [1, 2].count(1)
            one = shop.orders.find_one({"_id": request.args["id"]})
            page = list(shop.orders.find().skip(20).limit(20))
            every = list(client.shop["orders"].find({"paid": False}))
            users = mongo.db.users.find({"active": True})
            summary = shop.orders.aggregate([{"$group": {"_id": "$customer", "n": {"$sum": 1}}}])
            notes = Note.objects(team=request.args["team"])
            picked = Note.objects(id__in=request.args.getlist("id"))
            first = Note.objects(created__gte=request.args["since"]).first()
            team = Team.objects.get(name=request.args["name"])
            named = Team.objects(name=request.args["name"])
            unknown = shop.orders.find(request.json)
            return {"n": len(page) + len(every)}

        @app.get("/timeline")
        def timeline():
            rows = []
            for row in store.timeline(request.args["user"]):
                rows.append(store.case(case_id=row["case_id"]))
            store.log(request.args["user"], "timeline")
            return {"rows": rows}

        @app.get("/pages")
        def pages():
            cursor = shop.parcels.find({"sent": True})
            return render_page(cursor)

        def render_page(results):
            return [shop.customers.find_one({"_id": p["customer_id"]}) for p in results.skip(0).limit(50)]
        """,
}


def test_collections_are_known_from_clients_flask_pymongo_documents_and_data_access_attributes() -> None:
    project = _project(STORE)
    assert mongo.uses_mongo(project)
    for text, label in (
        ("shop.orders", "orders"),
        ("client.shop['orders']", "orders"),
        ("mongo.db.users", "users"),
        ("Note.objects", "Note"),
    ):
        ctx, node = _at(project, "views.index", text)
        found = mongo.collection_of(node, ctx)
        assert found is not None and found.label == label, text
    # a mixin's collection, set by the subclass from the database it is given
    ctx, node = _at(project, "CaseMixin.case", "self.case_collection")
    assert mongo.collection_of(node, ctx) == mongo.Collection("coll:case", "case")
    for text in ("'needle'.find('e')", "[1, 2].count(1)"):
        ctx, node = _at(project, "views.index", text)
        assert mongo.read_of(node, ctx) is None, text


def test_no_mongodb_import_no_collection_by_name() -> None:
    project = _project({"app.py": "def load(self):\n    return self.orders_collection.find_one({})\n"})
    ctx, node = _at(project, "app.load", "self.orders_collection.find_one({})")
    assert not mongo.uses_mongo(project)
    assert mongo.read_of(node, ctx) is None


def test_single_and_many_reads_and_what_bounds_them() -> None:
    project = _project(STORE)
    expected = {
        "shop.orders.find_one({'_id': request.args['id']})": (True, "one document"),
        "shop.orders.find().skip(20).limit(20)": (False, "limit"),
        "client.shop['orders'].find({'paid': False})": (False, None),
        "mongo.db.users.find({'active': True})": (False, None),
        "shop.orders.aggregate([{'$group': {'_id': '$customer', 'n': {'$sum': 1}}}])": (False, "a bounding stage"),
        "Note.objects(id__in=request.args.getlist('id'))": (False, "an $in list"),
        "Note.objects(created__gte=request.args['since']).first()": (True, "one document"),
        "Team.objects.get(name=request.args['name'])": (True, "one document"),
        "Team.objects(name=request.args['name'])": (False, "unique filter"),
    }
    for text, (single, bound) in expected.items():
        ctx, node = _at(project, "views.index", text)
        read = mongo.read_of(node, ctx)
        assert read is not None, text
        assert (read.single, mongo.bound_reason(read)) == (single, bound), text
    ctx, node = _at(project, "views.index", "Note.objects(team=request.args['team'])")
    read = mongo.read_of(node, ctx)
    assert read is not None and mongo.parent_key(read) == "team"  # a reference: one team's notes
    ctx, node = _at(project, "views.index", "shop.orders.find(request.json)")
    read = mongo.read_of(node, ctx)
    assert read is not None and mongo.unknown_filter(read)
    ctx, node = _at(project, "views.index", "client.shop['orders'].find({'paid': False})")
    assert mongo.unbounded_read(node, ctx) is not None


def test_a_loop_over_a_pymongo_cursor_streams_and_a_queryset_keeps_its_documents() -> None:
    project = _project(STORE)
    ctx, node = _at(project, "views.index", "mongo.db.users.find({'active': True})")
    cursor = mongo.read_of(node, ctx)
    ctx, node = _at(project, "views.index", "Note.objects(team=request.args['team'])")
    queryset = mongo.read_of(node, ctx)
    assert cursor is not None and queryset is not None
    assert not mongo.kept_whole(cursor, streamed=True) and mongo.kept_whole(cursor, streamed=False)
    assert mongo.kept_whole(queryset, streamed=True)


def test_a_lookup_in_a_helper_per_document_of_a_read_a_helper_returns() -> None:
    project = _project(STORE)
    ctx, node = _at(project, "views.timeline", "store.case(case_id=row['case_id'])")
    lookup = mongo.document_lookup(node, ctx)
    assert lookup is not None and lookup.read.collection.label == "case"
    assert [h.qualname for h in lookup.helpers] == ["store.adapter.CaseMixin.case"]
    ctx, node = _at(project, "views.timeline", "store.timeline(request.args['user'])")
    docs = mongo.loop_documents(node, ctx)
    assert docs is not None and docs.read.root == "aggregate" and docs.read.collection.label == "event"
    assert mongo.few_documents(docs) is None  # events grow, and a view adds them
    insert = mongo.user_facing_insert(project, docs.read.collection)
    assert insert is not None and insert.function.qualname == "store.adapter.Adapter.log"


def test_a_cursor_a_caller_passes_is_followed_to_its_read() -> None:
    project = _project(STORE)
    ctx, node = _at(project, "views.render_page", "results.skip(0).limit(50)")
    docs = mongo.loop_documents(node, ctx)
    assert docs is not None and docs.read.collection.label == "parcels"
    assert [text for text, _node, _ctx in docs.via] == ["`pages` passes them to `render_page`"]
    growth = mongo.growth(project, docs.read.collection)
    assert growth is not None and "paged" in growth
