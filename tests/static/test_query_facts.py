"""Query facts (``facts.orm.queries``) on small projects: queries built and narrowed by helpers."""

from __future__ import annotations

import ast
import textwrap

from flask_doctor.static.facts.orm.queries import (
    bound_reason,
    helper_context,
    query_of,
    refining_steps,
    unknown_filter,
)
from flask_doctor.static.runner import analyse_sources

STORE = """
    from flask_sqlalchemy import SQLAlchemy
    db = SQLAlchemy()

    class Entry(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        feed_id = db.Column(db.Integer, db.ForeignKey("feed.id"))
        kind = db.Column(db.String)

    class Store:
        def _entries(self, feed_id):
            return db.session.query(Entry).filter(Entry.feed_id == feed_id)

        def _apply_kinds(self, query, kinds=None):
            if kinds is not None:
                query = query.filter(Entry.kind.in_(kinds))
            return query

        def _apply_limit(self, query, limit=None):
            if limit is None:
                return query, False
            return query.limit(limit), True

        def _swap(self, query):
            return Entry.query

        def _filtered(self, feed_id, limit=None, kinds=None):
            query = self._entries(feed_id)
            query = self._apply_kinds(query, kinds)
            query, more = self._apply_limit(query, limit)
            return query, more

        def everything(self, feed_id, limit=None):
            query, more = self._filtered(feed_id, limit=limit)
            return query.all()

        def page(self, feed_id):
            query, more = self._filtered(feed_id, limit=20)
            return query.all()

        def picked(self, feed_id, wanted):
            query, more = self._filtered(feed_id, kinds=wanted)
            return query.all()

        def unset(self, feed_id):
            query, more = self._filtered(feed_id, limit=None, kinds=None)
            return query.all()

        def swapped(self, feed_id):
            query = self._entries(feed_id)
            query = self._swap(query)
            return query.all()
"""


def _project():
    return analyse_sources({"store.py": textwrap.dedent(STORE).lstrip()}, select=[]).project


def _fn(project, name):
    return next(f for f in project.functions.values() if f.qualname.endswith(f"Store.{name}"))


def _query(project, name):
    fn = _fn(project, name)
    ctx = helper_context(project, fn)
    call = next(
        n
        for n in ast.walk(fn.node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "all"
    )
    return query_of(call, ctx, helpers=True), ctx


def test_refining_helpers_give_their_steps_with_the_parameters_that_guard_them():
    project = _project()
    kinds = refining_steps(project, (_fn(project, "_apply_kinds"), "query", None))
    assert [(m, g) for m, _, g in kinds] == [("filter", frozenset({"kinds"}))]
    limit = refining_steps(project, (_fn(project, "_apply_limit"), "query", 0))
    assert [(m, g) for m, _, g in limit] == [("limit", frozenset({"limit"}))]  # after an early return under a test
    assert refining_steps(project, (_fn(project, "_apply_limit"), "query", None)) is None  # returns a tuple
    assert refining_steps(project, (_fn(project, "_swap"), "query", None)) is None  # returns another query


def test_a_query_returned_in_a_tuple_is_followed_through_the_helpers_that_narrow_it():
    project = _project()
    query, ctx = _query(project, "everything")
    assert query is not None and query.model is not None and query.model.name == "Entry"
    assert [m for m, _ in query.methods] == ["all", "filter", "filter", "limit"]
    # the feed key compared in the helper is no criterion built elsewhere
    assert not unknown_filter(query, ctx)


def test_a_bound_applied_only_when_the_caller_passes_an_optional_argument_bounds_nothing_when_it_may_not():
    project = _project()
    assert bound_reason(*_query(project, "everything")) is None  # hands on its own ``limit=None``
    assert bound_reason(*_query(project, "unset")) is None  # passes None
    assert bound_reason(*_query(project, "page")) == "limit"  # always passes one
    assert bound_reason(*_query(project, "picked")) == "in_()"  # passes a list it was given


def test_a_helper_that_replaces_the_query_gives_another_query_not_a_narrowed_one():
    project = _project()
    query, _ = _query(project, "swapped")
    assert query is not None and query.root_node is None  # built in two places, as for two assignments


FACADE = {
    "pkg/__init__.py": "",
    "pkg/db/__init__.py": "",
    "pkg/db/api.py": """
from oslo_db import api as db_api

_BACKEND_MAPPING = {"sqlalchemy": "pkg.db.impl"}
IMPL = db_api.DBAPI("sqlalchemy", backend_mapping=_BACKEND_MAPPING)
OTHER = db_api.DBAPI("sqlalchemy", backend_mapping={"sqlalchemy": "elsewhere.api"})


def host_get(host_id):
    \"\"\"Return one host.\"\"\"
    return IMPL.host_get(host_id)


def host_name(host_id):
    return IMPL.host_get(host_id).name


def get_instance():
    return IMPL
""",
    "pkg/db/impl.py": """
def host_get(host_id):
    with reader() as session:
        return _host_get(session, host_id)


def _host_get(session, host_id):
    return session.query(Host).filter_by(id=host_id).first()
""",
}


def test_a_database_api_facade_forwards_to_the_backend_module_it_names():
    project = analyse_sources(FACADE, select=[]).project
    facade = project.functions["pkg.db.api.host_get"]
    reached = project.resolve_function("IMPL.host_get", facade, facade.module)
    assert reached is project.functions["pkg.db.impl.host_get"]
    # through ``get_instance()``, which returns the facade object
    assert project._forwarded("pkg.db.api.get_instance", "host_get") is reached
    # a backend module outside the project is not followed
    assert project._forwarded("pkg.db.api.OTHER", "host_get") is None


def test_a_function_that_only_hands_its_parameters_on_forwards():
    from flask_doctor.static.facts.orm.params import forwards

    project = analyse_sources(FACADE, select=[]).project
    assert forwards(project, project.functions["pkg.db.api.host_get"])
    assert forwards(project, project.functions["pkg.db.impl.host_get"])  # inside ``with <session>:``
    assert not forwards(project, project.functions["pkg.db.api.host_name"])  # reads the result
    assert not forwards(project, project.functions["pkg.db.impl._host_get"])


GENERIC = {
    "models.py": """
from flask_sqlalchemy import SQLAlchemy
db = SQLAlchemy()

class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)

class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
""",
    "base.py": """
from typing import Generic, TypeVar, get_args
from models import db
T = TypeVar("T")

class Controller:
    model = None

    @classmethod
    def rows(cls):
        return cls.model.query.all()

    @classmethod
    def listing(cls):
        return cls.build()

    @classmethod
    def build(cls):
        return cls.model.query.all()

class Service:
    def __init__(self, model):
        self.model = model

    def rows(self):
        return db.session.query(self.model).all()

class Dao(Generic[T]):
    model_cls = None

    def __init_subclass__(cls):
        cls.model_cls = get_args(cls.__orig_bases__[0])[0]

    @classmethod
    def rows(cls):
        return db.session.query(cls.model_cls).all()
""",
    "subs.py": """
from base import Controller, Dao, Service
from models import Author, Book

class BookController(Controller):
    model = Book

class PagedBookController(BookController):
    pass

class AuthorListing(Controller):
    model = Book

    @classmethod
    def build(cls):
        return Author.query.all()

class BookService(Service):
    def __init__(self):
        Service.__init__(self, Book)

class AuthorDao(Dao[Author]):
    pass

def calls():
    BookController.rows()
    PagedBookController.rows()
    Controller.rows()
    AuthorListing.listing()
    BookService().rows()
    service = BookService()
    service.rows()
    AuthorDao.rows()
""",
}


def _calls():
    project = analyse_sources(GENERIC, select=[]).project
    fn = project.functions["subs.calls"]
    ctx = helper_context(project, fn)
    calls = [s.value for s in fn.node.body if isinstance(s, ast.Expr)]
    return project, ctx, calls


def _rows_model(project, fn):
    from flask_doctor.static.facts.orm.queries import returned_rows

    rows = returned_rows(project, fn)
    return rows.model.name if rows is not None and rows.model is not None else None


def test_a_base_method_called_on_a_subclass_queries_the_model_the_subclass_sets():
    from flask_doctor.static.facts.classes import method_called

    project, ctx, calls = _calls()
    called = [method_called(ctx, c) for c in calls]
    assert [f.qualname for f in called] == [
        "base.Controller.rows",
        "base.Controller.rows",
        "base.Controller.rows",
        "base.Controller.listing",
        "base.Service.rows",
        "base.Service.rows",
        "base.Dao.rows",
    ]
    assert [f.bound for f in called] == [
        "subs.BookController",
        "subs.PagedBookController",
        None,  # the base itself: its model is unknown
        "subs.AuthorListing",
        "subs.BookService",
        "subs.BookService",
        "subs.AuthorDao",
    ]
    # the model set by the subclass (or a base between), by ``__init__``, by a generic argument; the subclass's
    # own override of a method the base calls on ``cls``
    assert [_rows_model(project, f) for f in called] == [
        "Book",
        "Book",
        None,
        "Author",
        "Book",
        "Book",
        "Author",
    ]


BRANCHES = """
    from flask_sqlalchemy import SQLAlchemy
    db = SQLAlchemy()

    class Vendor(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Product(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String)
        vendor_id = db.Column(db.ForeignKey("vendor.id"))
        vendor = db.relationship("Vendor")

    class Controller:
        def one_way_pinned(self, args):
            if "vendor" in args:
                query = Product.query.filter_by(vendor_id=args["vendor"])
            else:
                query = Product.query
            return query

        def every_way_pinned(self, args, vid):
            if args.get("named"):
                query = Product.query.filter_by(vendor_id=vid, name=args["named"])
            else:
                query = Product.query.filter_by(vendor_id=vid)
            return query

        def narrowed_on_request(self, args):
            query = Product.query
            if args.get("vendor"):
                query = query.filter_by(vendor_id=args["vendor"])
            if args.get("first"):
                query = query.limit(10)
            return query

        def narrowed_by_caller(self, vid=None):
            query = Product.query
            if vid is not None:
                query = query.filter_by(vendor_id=vid)
            return query

        def one_or_page(self, args):
            if args.get("id"):
                return Product.query.filter_by(id=args["id"])
            return Product.query.order_by(Product.id).limit(20)

        def one_or_all(self, args):
            if args.get("id"):
                return Product.query.filter_by(id=args["id"])
            return Product.query.order_by(Product.id)

        def run(self, args, vid):
            self.one_way_pinned(args).all()
            self.every_way_pinned(args, vid).all()
            self.narrowed_on_request(args).all()
            self.narrowed_by_caller(vid).all()
            self.one_or_page(args).all()
            self.one_or_all(args).all()
"""


def _branch_queries():
    from flask_doctor.static.facts.orm.queries import parent_key

    project = analyse_sources({"shop.py": textwrap.dedent(BRANCHES).lstrip()}, select=[]).project
    fn = next(f for f in project.functions.values() if f.qualname.endswith("Controller.run"))
    ctx = helper_context(project, fn)
    found = {}
    for call in ast.walk(fn.node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "all":
            helper = call.func.value.func.attr
            query = query_of(call, ctx, helpers=True)
            found[helper] = (query, parent_key(query, ctx), bound_reason(query, ctx))
    return found


def test_a_parent_filter_counts_only_when_every_way_the_query_is_built_applies_it():
    found = _branch_queries()
    assert found["one_way_pinned"][1] is None  # the `else` way lists every vendor's products
    assert len(found["one_way_pinned"][0].ways) == 2
    assert found["every_way_pinned"][1] == "vendor_id"  # both arms pin the vendor, with other conditions or not
    assert found["narrowed_on_request"][1] is None  # `if args.get("vendor"):` a request without it skips it
    assert found["narrowed_by_caller"][1] == "vendor_id"  # `if vid is not None:` the callers' choice, as before


def test_a_bound_counts_only_when_every_way_the_query_is_built_applies_one():
    found = _branch_queries()
    assert found["narrowed_on_request"][2] is None  # the limit only when the request asks for it
    assert found["one_or_page"][2] is not None  # one product, or the first page: bounded either way
    assert found["one_or_all"][2] is None  # the other `return` gives every product


TWINS = """
    from flask_sqlalchemy import SQLAlchemy
    db = SQLAlchemy()

    class Authority(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Cert(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        serial = db.Column(db.String)
        name = db.Column(db.String)
        authority_id = db.Column(db.ForeignKey("authority.id"))

    class Controller:
        def twins(self, cert):
            return Cert.query.filter(Cert.authority_id == cert.authority_id, Cert.serial == cert.serial)

        def namesakes(self, name):
            return Cert.query.filter_by(name=name)

        def of_authority(self, cert):
            return Cert.query.filter(Cert.authority_id == cert.authority_id)

        def joined(self, aid):
            return Cert.query.join(Authority).filter(Authority.id == aid)

        def by_kind(self):
            return Cert.query.filter_by(name="default")

        def run(self, cert, aid, name):
            self.twins(cert).all()
            self.namesakes(name).all()
            self.of_authority(cert).all()
            self.joined(aid).all()
            self.by_kind().all()
"""


def test_one_record_is_a_unique_identifying_or_naming_column_of_the_rows_own_model():
    from flask_doctor.static.facts.orm.queries import one_record

    project = analyse_sources({"certs.py": textwrap.dedent(TWINS).lstrip()}, select=[]).project
    fn = next(f for f in project.functions.values() if f.qualname.endswith("Controller.run"))
    ctx = helper_context(project, fn)
    found = {}
    for call in ast.walk(fn.node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "all":
            found[call.func.value.func.attr] = one_record(query_of(call, ctx, helpers=True), ctx)
    assert found == {
        "twins": "serial",  # the duplicates of one certificate
        "namesakes": "name",  # a name in hand
        "of_authority": None,  # one authority's certificates: many
        "joined": None,  # the key of a joined model pins the parent, not the rows
        "by_kind": None,  # a literal name is more often a kind of row
    }
