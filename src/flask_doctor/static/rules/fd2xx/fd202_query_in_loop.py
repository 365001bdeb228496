"""FD202 query-in-loop: A query runs once per item of a loop (N+1 queries)."""

from __future__ import annotations

import ast
from collections.abc import Set as AbstractSet

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.classes import method_called
from flask_doctor.static.facts.flows import returned_request_data, sink_source
from flask_doctor.static.facts.orm.assignments import assignments
from flask_doctor.static.facts.orm.loop_cost import capped_count, per_item_io
from flask_doctor.static.facts.orm.loops import (
    MAPPED_ITEM,
    Loop,
    directory_listing,
    enclosing_loop,
    fill_loops,
    fixed_collection,
    form_data,
    function_loop,
    item_names,
    kept_if_in,
    key_function_rows,
    loop_item,
    loop_names,
    outer_loop,
    stops_at_first_match,
    uses_any,
)
from flask_doctor.static.facts.orm.models import configuration_table, grows, relations, uses_sqlalchemy
from flask_doctor.static.facts.orm.mongo import (
    DocumentLookup,
    document_lookup,
    documents_evidence,
    loop_documents,
    method_lookup,
    uses_mongo,
    writes_documents,
)
from flask_doctor.static.facts.orm.params import (
    _flowing_from,
    cached_getter,
    filled_params,
    item_query,
    property_query,
    property_row_model,
)
from flask_doctor.static.facts.orm.queries import (
    BULK_DELETE,
    EXECUTE,
    SESSION_EXECUTE,
    Query,
    bound_reason,
    filters_by_list,
    helper_context,
    in_application_code,
    is_query_execution,
    loads_eagerly,
    loop_rows,
    query_label,
    query_of,
    rows_passed_in,
)
from flask_doctor.static.facts.orm.raw_sql import raw_inserts, raw_rows, raw_select, writes_select_text
from flask_doctor.static.facts.orm.usage import (
    DELETES,
    ParentCollection,
    UserCollection,
    cached_result,
    deletes_per_item,
    few_parents_table,
    few_rows,
    parent_collection,
    user_collection,
    user_facing_insert,
    writes_rows,
)
from flask_doctor.static.facts.records import (
    indexed_each,
    record_lookup,
    search_scan,
    uses_record_api,
    uses_search_dsl,
    writes_each,
)
from flask_doctor.static.facts.serializers import DUMP_CALLS, Dump, dump_of
from flask_doctor.static.facts.taint import request_derived
from flask_doctor.static.facts.templates import (
    RENDER_CALLS,
    RowCall,
    TemplateLoop,
    rendered_loops,
    template_call,
    template_row_calls,
)
from flask_doctor.static.model import (
    FunctionInfo,
    ModelInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)
from flask_doctor.static.syntax import all_child_nodes, walk


class QueryInLoop(Rule):
    """
    ## What it does
    Finds a query run once per item of a loop or comprehension —
    `Model.query.get(x)`, `db.session.get(M, x)`, `.filter_by(...).first()`,
    `session.execute(select(...).where(col == item.attr))`, iterating
    `Child.query.filter_by(parent=item)` (in a nested `for` or in a
    comprehension inside the loop) — also when the query sits in a
    helper the loop calls with the item, or one helper further down
    (`export_row(row)` → `owner_name(row.owner_id)` → query; a helper
    walking `Watch.query.filter_by(ticket_id=tid)` without `.all()` runs it
    too), or in a
    method of the row's model the loop calls on each row (`net.size()` →
    `Network.nodes` → a query built from `self.id`), or in a property of
    the one row each item leads to (`item.kind.features`, where `kind` is
    a many-to-one or a property returning `Kind.query.get(self.kind_id)`):
    the items that share a kind share its object, but the property's
    getter runs its query again for each of them, unless it keeps its
    result (`cached_property`). Applications writing
    SQL text through a DB-API connection (sqlite3, psycopg2, PyMySQL) get
    the same check: `for r in db.execute("SELECT ... FROM orders").fetchall():`
    (or a cursor's `fetchall()` after its `execute`, or the cursor itself)
    running `db.execute("SELECT ... WHERE id = ?", (r["customer_id"],))`
    per row, the row's value among its parameters or in the holes of a
    built string; a warning when request or job code inserts into the
    outer table (`INSERT INTO orders`) or when the loop walks what the
    client sent (`request.json["ids"]`), else a note with `--preview`; not
    a loop that `break`s, a write per row, or an outer `LIMIT` of five or
    fewer (a note). The query may be
    built by a helper that starts from what another returns, as database
    API layers do (`_events_matching(session, filters)` refining
    `_events(session)`), and the loop may walk a list of keys a helper
    reads from a query's rows (`[r[0] for r in q.values(M.uuid)]`). A loop over a
    list read from each row of an outer loop (`for a in Advisory.query.all():
    for name in a.packages: Package.query...`) runs the query per name of
    every row, and takes its evidence from the outer loop; so does a loop
    over a local list built item by item from a query's rows (`ids = []`,
    `for o in orders: ids.append(o.customer_id)`, or items of other data
    kept only when found among a query's rows: `if i in shelf_ids:
    ids.append(i)`), or over the collection
    of one object the function loads (`for c in post.comments:` after
    `post = Post.query...first()`, or after `shelf = fetch_one(Shelf, sid)`
    where the helper returns one row of the model class it is given:
    `return model.query.filter_by(id=key).first()`), whose rows come in one
    query and grow when the child table grows with use. A query of plain columns of one
    model (`select(Order.id, Order.customer_id)`, `session.query(Order.customer_id)`)
    returns one row per order, as `select(Order)` does, so a loop over it
    walks the table's rows too; not once it groups or de-duplicates them
    (`group_by`, `distinct`). A query narrowed through a second name is
    still the same query (`mine = q.filter(...)`, then `q = mine.union(...)`).
    A helper of a generic base class
    counts when it is called on a subclass: `UserRepository.find(pk)` runs
    `Repository.find`'s `cls.model.query.get(pk)` with the model
    `UserRepository` sets (`model`, `__model__`, `model_class`, read through
    `cls`, `self` or `type(self)`, also as `db.session.get(self.model, pk)`);
    on the base class itself the model is unknown, and nothing is guessed.
    A SELECT written as SQL text counts as a query too
    (`db.session.execute(text("SELECT ... WHERE post_id = :p"), {"p":
    post.id}).scalar()`), and so does a function named as the function of
    `map`/`filter` or the `key=` of `sorted`/`min`/`max` (`map(author_name,
    posts)`: a loop calling it with each row). A list endpoint that dumps
    the rows with a marshmallow schema (`PostSchema(many=True).dump(posts)`)
    runs each `fields.Method`/`fields.Function` once per row: one that
    queries with its object is reported at the dump. Building a model object counts when
    its constructor queries: the model's own `__init__`, or the `__new__` a
    class decorator of the project puts in its place (SQLAlchemy's "unique
    object" recipe, `Tag(name=n)` looking the tag up first).

    The same holds in the template a view renders with a query's rows
    (`render_template("dashboard.html", projects=Project.query.all())`): in
    `{% for p in projects %}`, a method of the row's model that returns a
    query run there (`{{ p.get_bills().count() }}`) or a template filter or
    global querying with the row (`{{ bills_paid(p.id) }}`, registered with
    `@app.template_filter`/`template_global`, `jinja_env.filters[...]` or a
    context processor) is reported at the template's line. A filter that
    loops over what the template passes (`{{ c.tags|tags_excerpt }}`) and
    queries per item is reported at its query, with the template's loop as
    the evidence that it runs per row. A loop written in a template the
    rendered one includes (`{% include "rows.html" %}`, which sees the
    view's variables) counts as if written in place, and so does a loop
    over the signed-in user's own collection (`shelves=current_user.shelves`,
    in a template or in the view): one person's rows, as many as they add.
    SQL text bound with `text(sql).params(shelf=self.id)` is a query too.

    Record APIs over a database (Invenio's `Record.get_record(uuid)`,
    `Item.get_record_by_pid(pid)`, `PersistentIdentifier.get(...)`) load one
    record per call although the project writes no query: such a read run
    with the loop's item, directly or in a project helper the item is handed
    to (`location_of(hit.item_pid)` → `Item.get_record_by_pid(...)`), is
    reported once per loop when the loop walks every hit of a search's
    `scan()` (elasticsearch-dsl, opensearch-dsl, Invenio: unpaged, so it is
    strong evidence of N for a SQL query per hit too), the rows of a query
    or what the client sent. A helper reading one record by a key the loop
    does not change, a loop that commits every record it loads anyway, or
    a reindex that hands every record it loads to the search indexer
    (`referenced.append(dict(record=loan))`, then `indexer.index(indexed,
    referenced)`, also in the task the function returns the list to: one
    index write per record, which batching the reads does not remove), is
    not (a note with `--preview`).

    A helper that loads a list of keys with `in_()` is a batched load, but
    not when the loop hands it a list of one key built from each item
    (`store.find(scopes=[scope.name])`): it then runs once per item. Helpers
    are also methods of an object the class keeps on `self`
    (`self.store = ScheduleStore()`, or a constructor parameter annotated
    with the class, then `self.store.find(...)`), and a caller filling the
    loop's list with request data may call the function as such a method
    (`self.devices.names(request.json["ids"])`).

    MongoDB apps (pymongo, Flask-PyMongo, mongoengine) get the same check
    for single-document reads: `coll.find_one({"_id": item["ref"]})`,
    `Author.objects(id=...).first()`, `.objects.get(...)`, directly or in a
    helper called with the item (`store.case(case_id=row["case_id"])` ->
    `self.case_collection.find_one(...)`), or in a method of each document
    the loop walks that reads with the document's own values
    (`entry.as_row()` -> `Report.objects(id=self.report_id).first()`:
    mongoengine keeps no identity map, so every call reads again). They are
    reported only when the loop walks the documents of a read (a cursor, an
    aggregate, a queryset, lists read from each of them, or such a cursor a
    caller passes) -- a warning when the collection grows -- or data the
    client sent (a note).

    What the client sent includes a file or body the view parses whole
    (`json.loads(request.files["layer"].read())`, `csv.DictReader(...)`): its
    lists are as long as the client made them. A loop that answers an
    error for a bad item (`return "unknown card", 400`) is no search that
    stops at a match: a valid request walks every item.

    ## Why is this bad?
    Each iteration is a database round trip: a page listing 200 orders that
    looks up each order's customer runs 201 queries (the "N+1" pattern).
    Latency grows with the data, and the database does far more work than
    one query fetching all the rows would.

    Not reported: loops over something fixed in the code (a literal tuple,
    `range(3)`, `config.PROVIDERS`, `current_app.config.get("ROLES", [])`,
    a module-level registry, the members of an `Enum`, a literal list a
    class keeps, a local list of model classes, a comprehension over one
    of these), loops that `break` at the first match, chunked
    `in_()` loads, `session.get(M, same_id)` with an id that does not
    change in the loop (the identity map answers after the first), and
    `session.get(M, row.x_id)` of objects the loop's query already loaded
    (its own rows, or a relationship it loads with `joinedload`/`selectinload`)
    or of a table whose rows are few (`Role.query.get(u.role_id)` where only
    a command adds roles, no timestamp or job shows them growing, and they
    are no people: one query per distinct role, then the identity map
    answers), and a helper's query under `if with_watchers:` when the parameter
    defaults to off and the loop's call leaves it so (`t.as_json()` over
    `def as_json(self, with_watchers=False)`): that branch never runs.

    Reported by default, as a warning, only on strong evidence: the loop
    walks the rows of a query on a table that grows (in the function, from
    a helper that returns the query, or passed in by a caller, or by a
    caller's caller handing them on: `report(rows)` -> `counts(rows)`) or what the
    client sends (`request.json["ids"]`, a submitted form's field, a
    parameter a caller fills with request data, or what a helper the view
    calls returns when each of its `return`s is request data: `for i in
    posted_ids():` over `return request.get_json()["ids"]`; a bulk endpoint
    runs as many queries as the request lists; but the words of one text
    field cut by `split` (`request.form["tags"].split(" ")`) are what a
    person types, a handful: a note), or the entries of a directory
    (`os.listdir`, `glob.glob`, `Path.iterdir`) looked up one by one in a
    table that grows (a log file per run: the files grow with the rows),
    the query reads with the item's value, and nothing cuts it to one
    run: no cache
    on the helper or the view (`@cache.memoize`, `lru_cache`), no dict memo
    the loop checks first, no `return` inside the loop, no get-or-create
    helper that writes per item anyway (rows it only `add`s under
    `session.no_autoflush` go out together at the commit). Weaker evidence is a note shown
    only with `--preview`, saying why: the loop walks a list the caller
    passes, one parent's rows (a task's files, the authors
    of one book), a list of chosen ids, it deletes each item with its own
    cascade, or the query's arguments do not change between iterations
    (hoist it above the loop, there is nothing to batch) -- also when the
    loop hands a helper its item but the helper's query reads only another
    argument (`card_row(card, board_id)` querying the board).

    A bulk delete keyed by the item counts as such a query
    (`session.query(BookStats).filter_by(book_id=book.id).delete()`, in
    the loop or in a helper it calls with each book, even one that commits
    after it): a DELETE per item where one `in_()` delete before a single
    commit does the same work. Not `session.delete(book)`, which marks a
    loaded row for the next flush; and a note when the loop deletes the
    very rows it walks (clearing orphans: each run starts from what is
    left), walks a table people configure (`ReportSchedule`: a handful),
    or sits in a function deleting a record table by table (`_delete_user`).

    Also a note, whatever the rows: the code caps the items at a few
    (`.limit(3)`, `paginate(per_page=5)`, `rows[:5]`: five at most), or each
    iteration already calls another service, costlier than one more query
    on the same connection: it sends an e-mail (also through Flask-User's
    `user_manager.email_manager.send_...`), calls an HTTP API or a
    third-party SDK's `...Client`, runs a command, moves or deletes a file,
    or sends a task to a queue (in the loop or in a project function it
    calls). A commit per item is not such a call: it is a database round
    trip like the query, and one grouped query with one commit is the fix.
    I/O under an `if` that tests what the lookup returned (`if not found:
    os.remove(path)`) runs only for some items and does not count.

    ## Example
    ```python
    for order in Order.query.filter_by(paid=False).limit(200):
        customer = db.session.get(Customer, order.customer_id)
    ```

    ## Use instead
    ```python
    orders = Order.query.filter_by(paid=False).limit(200).all()
    ids = {o.customer_id for o in orders}
    customers = {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    ```
    or load the relationship eagerly with `selectinload`.

    ## Fix safety
    No automatic fix.

    ## References
    - SQLAlchemy 2.0: "Relationship Loading Techniques"
    - SQLAlchemy 2.0: "Session.get" (the identity map answers a primary key already loaded)
    - Sentry: "N+1 Queries" performance issue
    """

    _TEMPLATE_MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Project(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

            def get_bills(self):
                return Bill.query.filter(Bill.project_id == self.id)

        class Bill(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            project_id = db.Column(db.ForeignKey("project.id"))

        class Tag(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
        """

    code = "FD202"
    name = "query-in-loop"
    severity = Severity.WARNING
    catalog = ("S12",)
    summary = "A query runs once per item of a loop (N+1 queries)."
    # In the default set for its strong evidence only; its weak evidence (small or caller-set N, hoistable,
    # cached) is reported with --preview (see ``_judge``).

    _COMMENT_MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            path = db.Column(db.String)
            comments = db.relationship("Comment")
            labels = db.relationship("Label")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
            user_id = db.Column(db.ForeignKey("user.id"))

        class Label(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
            user_id = db.Column(db.ForeignKey("user.id"))
        """

    # a database API in the OpenStack style: each level builds on the query the level below returns
    _EVENT_STORE = """
        from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
        from sqlalchemy.orm import declarative_base, sessionmaker

        Base = declarative_base()
        Session = sessionmaker(bind=create_engine("postgresql://db/app"))

        class Lease(Base):
            __tablename__ = "leases"
            id = Column(Integer, primary_key=True)

        class Event(Base):
            __tablename__ = "events"
            id = Column(Integer, primary_key=True)
            lease_id = Column(ForeignKey("leases.id"))
            kind = Column(String)

        def _events(session):
            return session.query(Event)

        def _events_matching(session, filters):
            query = _events(session)
            if "lease_id" in filters:
                query = query.filter(Event.lease_id == filters["lease_id"])
            return query.order_by(Event.id)

        def events_by_filters(filters):
            return _events_matching(Session(), filters).all()
        """

    # a store whose list helper narrows its query with a helper of a folder that has no ``__init__.py``
    _SCRIPT_STORE = {
        "rating/__init__.py": "",
        "rating/common/filters.py": """
        def narrowed(query, model, active=None):
            if active:
                query = query.filter(model.active.is_(True))
            return query
        """,
        "rating/models.py": """
        from sqlalchemy import Boolean, Column, Integer, String, create_engine
        from sqlalchemy.orm import declarative_base, sessionmaker

        Base = declarative_base()
        Session = sessionmaker(bind=create_engine("postgresql://db/rating"))

        class Script(Base):
            __tablename__ = "scripts"
            id = Column(Integer, primary_key=True)
            uuid = Column(String, unique=True)
            name = Column(String)
            active = Column(Boolean)
        """,
        "rating/store.py": """
        from rating.common.filters import narrowed
        from rating.models import Script, Session

        def script_ids(**kwargs):
            q = Session().query(Script)
            q = narrowed(q, Script, **kwargs)
            return [row[0] for row in q.values(Script.uuid)]

        def script(uuid):
            return Session().query(Script).filter(Script.uuid == uuid).one()

        def scripts(uuids):
            return Session().query(Script).filter(Script.uuid.in_(uuids)).all()
        """,
    }

    # a search module of an Invenio-style app: each function returns a search whose ``scan()`` yields every hit
    _RECORD_SEARCH = """
        from invenio_search.api import RecordsSearch

        def shelf_books(shelf_pid):
            return RecordsSearch(index="books").filter("term", shelf_pid=shelf_pid)

        def all_loans():
            return RecordsSearch(index="loans")
        """

    _UNIQUE_LABELS = {
        "models.py": """
            from flask_sqlalchemy import SQLAlchemy
            from unique import get_or_build
            db = SQLAlchemy()

            @get_or_build(lambda q, name: q.filter(Label.name == name))
            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(40), unique=True)

            class Note(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(40))
        """,
        "unique.py": """
            def _lookup(session, cls, narrow, build, args, kwargs):
                with session.no_autoflush:
                    q = session.query(cls)
                    q = narrow(q, *args, **kwargs)
                    row = q.first()
                    if row is None:
                        row = build(*args, **kwargs)
                        session.add(row)
                return row

            def get_or_build(narrow):
                def decorate(cls):
                    def __new__(cls, *args, **kwargs):
                        if not args and not kwargs:
                            return object.__new__(cls)
                        from models import db

                        def build(*a, **kw):
                            row = object.__new__(cls)
                            row._setup(*a, **kw)
                            return row

                        return _lookup(db.session, cls, narrow, build, args, kwargs)

                    cls._setup = cls.__init__
                    cls.__new__ = classmethod(__new__)
                    return cls

                return decorate
        """,
    }

    _RUN_LOGS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class RunLog(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            filename = db.Column(db.String(200))
            created_at = db.Column(db.DateTime, default=datetime.utcnow)

        class Plugin(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            filename = db.Column(db.String(200))
    """

    # an app's own data-access layer: a generic repository, a report builder, a schema's method field
    _DATA_LAYER = {
        "models.py": """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            author_id = db.Column(db.ForeignKey("user.id"))

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
        """,
        "repositories.py": """
        from models import db, User

        class Repository:
            model = None

            def find(self, pk):
                return db.session.get(self.model, pk)

        class UserRepository(Repository):
            model = User
        """,
        "reports.py": """
        from sqlalchemy import text
        from models import db

        def _comment_counts(posts):
            sql = text("SELECT count(*) FROM comment WHERE post_id = :p")
            return {p.id: db.session.execute(sql, {"p": p.id}).scalar() for p in posts}  # expect

        def build_report(posts):
            return {"total": len(posts), "comments": _comment_counts(posts)}
        """,
    }

    _LEASES = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Address(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            ip = db.Column(db.String(40))

        class Lease(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            address_id = db.Column(db.ForeignKey("address.id"))
            user_id = db.Column(db.ForeignKey("member.id"))

        class Member(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(200))
            leases = db.Column(db.Integer, default=0)
        """

    _SWITCHED_DETAIL = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Ticket(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            opened_at = db.Column(db.DateTime, default=datetime.utcnow)
            title = db.Column(db.String(120))

            def as_json(self, with_watchers=False):
                out = {"id": self.id, "title": self.title}
                if with_watchers:
                    out["watchers"] = db.session.query(Watch).filter(Watch.ticket_id == self.id).count()
                return out

        class Watch(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created_at = db.Column(db.DateTime, default=datetime.utcnow)
            ticket_id = db.Column(db.ForeignKey("ticket.id"))
            user_id = db.Column(db.Integer)
        """

    _SHELF_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Shelf(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            label = db.Column(db.String)

        class Book(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created_at = db.Column(db.DateTime, default=datetime.utcnow)
            shelf_id = db.Column(db.ForeignKey("shelf.id"))
        """

    _ROLE_MODELS = """
        import click
        from flask import Flask, request
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Role(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String, unique=True)

        class Member(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            joined = db.Column(db.DateTime)
            role_id = db.Column(db.ForeignKey("role.id"))

        @app.cli.command("add-role")
        @click.argument("name")
        def add_role(name):
            db.session.add(Role(name=name))
            db.session.commit()

        @app.post("/members")
        def join():
            db.session.add(Member(role_id=int(request.form["role"])))
            db.session.commit()
            return "ok"
        """

    VALID = (
        # ``session.delete(book)`` marks rows the loop already loaded: the flush sends them together, no query
        # per book; and a bulk delete per status of a literal tuple runs twice, whatever the data
        Valid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Book(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                archived = db.Column(db.Boolean, default=False)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class BookStats(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                book_id = db.Column(db.ForeignKey("book.id"))

            @app.post("/books")
            def add_book():
                db.session.add(Book())
                db.session.commit()
                return "ok"

            @app.post("/books/purge")
            def purge():
                for book in Book.query.filter_by(archived=True).all():
                    db.session.delete(book)
                for book_id in (1, 2):
                    BookStats.query.filter_by(book_id=book_id).delete()
                db.session.commit()
                return "ok"
            """
        ),
        # deleting the very rows the loop walks (stats left by deleted books: each run starts from what is
        # left), a loop over a table people configure (a few schedules, each with its own retention), and a
        # function deleting a book table by table
        Valid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Book(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                archived = db.Column(db.Boolean, default=False)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class BookStats(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                book_id = db.Column(db.ForeignKey("book.id"))

            @app.post("/books")
            def add_book():
                db.session.add(Book())
                db.session.commit()
                return "ok"

            class ReportSchedule(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                retention = db.Column(db.Integer)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/schedules")
            def add_schedule():
                db.session.add(ReportSchedule(retention=request.json["days"]))
                db.session.add(BookStats(book_id=request.json["book"]))
                db.session.commit()
                return "ok"

            @app.post("/prune")
            def prune():
                for s in ReportSchedule.query.all():
                    BookStats.query.filter(BookStats.book_id == s.id, BookStats.id > s.retention).delete()
                for orphan in BookStats.query.filter(BookStats.book_id.is_(None)).all():
                    BookStats.query.filter_by(id=orphan.id).delete()
                db.session.commit()
                return "ok"

            @app.post("/books/<int:book_id>/delete")
            def delete_book(book_id):
                for book in Book.query.filter_by(id=book_id).all():
                    BookStats.query.filter_by(book_id=book.id).delete()
                db.session.commit()
                return "ok"
            """
        ),
        # a loop over a settings file the app ships (not what the request sends), and a method of each
        # document that reads nothing more
        Valid(
            """
            import json
            from flask import Flask
            from mongoengine import Document, StringField
            app = Flask(__name__)

            class Region(Document):
                code = StringField()
                name = StringField()

                def label(self):
                    return f"{self.code}: {self.name}"

            @app.get("/regions")
            def regions():
                with open("regions.json") as f:
                    wanted = json.load(f)
                found = {r.code: r.label() for r in Region.objects(code__in=wanted["codes"])}
                for code in wanted["codes"]:
                    found.setdefault(code, Region.objects(code=code).first())
                return {"regions": list(found)}
            """,
        ),
        # roles are few (only a command adds them): `get` by key loads each distinct role once, then the
        # identity map answers the members that share it
        Valid(
            _ROLE_MODELS
            + """
        @app.get("/members")
        def members():
            return [(m.id, db.session.get(Role, m.role_id).name) for m in Member.query.all()]
        """
        ),
        # each parcel's route comes through a relationship, and the route's stops are kept by a
        # ``cached_property``: the parcels that share a route share its object, so the stops load once per route
        Valid("""
            from datetime import datetime
            from functools import cached_property
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Route(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                @cached_property
                def stops(self):
                    return Stop.query.filter(Stop.route_id == self.id).all()

            class Stop(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                route_id = db.Column(db.Integer, db.ForeignKey("route.id"))

            class Parcel(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                sent_at = db.Column(db.DateTime, default=datetime.utcnow)
                route_id = db.Column(db.Integer, db.ForeignKey("route.id"))
                route = db.relationship("Route")

            @app.post("/parcels")
            def send():
                db.session.add(Parcel(route_id=int(request.form["route"])))
                db.session.commit()
                return "ok"

            @app.get("/parcels")
            def parcels():
                return {p.id: len(p.route.stops) for p in Parcel.query.order_by(Parcel.id.desc()).all()}
            """),
        # SQL text: the related rows read once with `IN (...)`, a loop that stops at the first hit, a write per
        # row (not a read), and a loop over a table nothing in request code inserts into (with --preview a note)
        Valid(
            """
            import sqlite3
            from flask import Flask, g, request
            app = Flask(__name__)

            def conn():
                if "conn" not in g:
                    g.conn = sqlite3.connect("desk.db")
                return g.conn

            @app.post("/issues")
            def report_issue():
                conn().execute("INSERT INTO issue (title) VALUES (?)", (request.form["title"],))
                conn().commit()
                return "filed"

            @app.get("/issues")
            def issues():
                db = conn()
                rows = db.execute("SELECT id, title FROM issue ORDER BY id DESC LIMIT 20").fetchall()
                marks = ",".join("?" * len(rows))
                notes = db.execute(f"SELECT issue_id, body FROM remark WHERE issue_id IN ({marks})", [r[0] for r in rows])
                return {"rows": rows, "notes": notes.fetchall()}

            @app.get("/issues/first-open")
            def first_open():
                db = conn()
                for r in db.execute("SELECT id FROM issue ORDER BY id").fetchall():
                    if db.execute("SELECT 1 FROM remark WHERE issue_id = ?", (r[0],)).fetchone() is None:
                        return {"id": r[0]}
                    break
                return {}

            @app.post("/issues/archive")
            def archive():
                db = conn()
                for r in db.execute("SELECT id, title FROM issue").fetchall():
                    db.execute("INSERT INTO archived (issue_id, title) VALUES (?, ?)", (r[0], r[1]))
                db.commit()
                return "done"

            @app.get("/kinds")
            def kinds():
                db = conn()
                return {k[0]: db.execute("SELECT COUNT(*) FROM issue WHERE kind = ?", (k[0],)).fetchone() for k in db.execute("SELECT name FROM kind").fetchall()}
            """,
        ),
        # each shelf's books picked out of one batched load, in a comprehension inside the loop
        Valid(
            """
            from collections import defaultdict
            from flask import Flask
            from models import db, Book, Shelf
            app = Flask(__name__)

            @app.post("/books")
            def add_book():
                db.session.add(Shelf(label="new"))
                db.session.add(Book(shelf_id=1))
                db.session.commit()
                return "ok"

            @app.get("/shelves")
            def shelves():
                shelves = Shelf.query.all()
                books = Book.query.filter(Book.shelf_id.in_([s.id for s in shelves])).all()
                by_shelf = defaultdict(list)
                for b in books:
                    by_shelf[b.shelf_id].append(b.id)
                out = {}
                for shelf in shelves:
                    out[shelf.label] = [i for i in by_shelf[shelf.id]]
                return out
            """,
            files={"models.py": _SHELF_MODELS},
        ),
        # the same data-access layer used well: one repository lookup, a schema method that reads the object's
        # columns only, SQL text per item of a fixed tuple, the report builder over a fixed list, ``map`` of a
        # builtin
        Valid(
            """
            from flask import Flask
            from marshmallow import Schema, fields
            from sqlalchemy import text
            from models import db, Post
            from reports import build_report
            from repositories import UserRepository
            app = Flask(__name__)

            class PostSchema(Schema):
                id = fields.Int()
                url = fields.Method("url_of")

                def url_of(self, post):
                    return f"/posts/{post.id}"

            @app.get("/users/<int:uid>")
            def user(uid):
                return {"name": UserRepository().find(uid).name}

            @app.get("/posts")
            def posts():
                rows = Post.query.all()
                kinds = ("post", "comment")
                counts = {k: db.session.execute(text("SELECT count(*) FROM stats WHERE kind = :k"), {"k": k}).scalar() for k in kinds}
                return {"ids": list(map(str, (p.id for p in rows))), "items": PostSchema(many=True).dump(rows), "counts": counts}

            @app.get("/report")
            def report():
                return build_report([])
            """,
            files=_DATA_LAYER,
        ),
        # a helper that reads one record by a key the loop does not change (the same location for every hit),
        # and a loop that writes every record back anyway: no per-item read to batch
        Valid(
            """
            from celery import shared_task
            from invenio_db import db
            from invenio_records.api import Record
            from catalogue.search import all_loans

            class Location(Record):
                pass

            def next_open_day(location_pid, day):
                return Location.get_record_by_pid(location_pid)["calendar"].after(day)

            @shared_task
            def shift_loans(location_pid):
                for hit in all_loans().scan():
                    hit.end = next_open_day(location_pid, hit.end)

            @shared_task
            def expire_loans():
                for hit in all_loans().scan():
                    loan = Record.get_record_by_pid(hit.pid)
                    loan["state"] = "expired"
                    loan.commit()
                    db.session.commit()
            """,
            files={"catalogue/__init__.py": "", "catalogue/search.py": _RECORD_SEARCH},
        ),
        # a reindex task: every record the loop loads goes to the search indexer, one index write per record,
        # whether the list is indexed where it is built or returned to the task that indexes it
        Valid(
            """
            from celery import shared_task
            from invenio_indexer.api import RecordIndexer
            from invenio_records.api import Record
            from catalogue.search import shelf_books, all_loans

            class ReferencedIndexer:
                def index(self, referenced):
                    for ref in referenced:
                        RecordIndexer().index(ref["record"])

            def shelf_records(shelf_pid):
                referenced = []
                for hit in shelf_books(shelf_pid).scan():
                    book = Record.get_record_by_pid(hit["pid"])
                    referenced.append(dict(pid_type="book", record=book))
                return referenced

            @shared_task
            def index_shelf(shelf_pid):
                ReferencedIndexer().index(shelf_records(shelf_pid))

            @shared_task
            def index_loans():
                indexer = ReferencedIndexer()
                referenced = []
                for hit in all_loans().scan():
                    loan = Record.get_record_by_pid(hit.pid)
                    referenced.append(dict(pid_type="loan", record=loan))
                indexer.index(referenced)
            """,
            files={"catalogue/__init__.py": "", "catalogue/search.py": _RECORD_SEARCH},
        ),
        # a loop over what the code fixes (an Enum's members, a list kept on a class, a configured list read
        # with ``.get``, a comprehension over an Enum) that creates each missing row: a handful of queries at
        # setup, not N+1; and a helper that reads only the board the view was given, the same for every row
        # (hoist it: a note with --preview)
        Valid(
            """
            import enum
            from flask import Flask, current_app
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Stage(enum.Enum):
                TODO = "todo"
                DONE = "done"

            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                board_id = db.Column(db.Integer)
                DEFAULTS = ("bug", "idea")

            class Card(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer)
                stage = db.Column(db.String)

            def ensure_label(name):
                if Label.query.filter_by(name=name).first() is None:
                    db.session.add(Label(name=name))

            def card_row(card, board_id):
                labels = Label.query.filter_by(board_id=board_id).all()
                return {"id": card.id, "labels": [label.name for label in labels]}

            @app.post("/setup")
            def setup():
                for stage in Stage:
                    ensure_label(stage.value)
                for name in Label.DEFAULTS:
                    ensure_label(name)
                for name in current_app.config.get("EXTRA_LABELS", []):
                    ensure_label(name)
                for name in [stage.name.lower() for stage in Stage]:
                    ensure_label(name)
                db.session.commit()
                return "ok"

            @app.post("/boards/<int:board_id>/cards")
            def add_card(board_id):
                db.session.add(Card(board_id=board_id))
                db.session.commit()
                return "ok"

            @app.get("/boards/<int:board_id>")
            def board(board_id):
                cards = Card.query.filter(Card.stage != "done").all()
                return {"cards": [card_row(card, board_id) for card in cards]}
            """,
        ),
        # each lease already calls the network service's API client, and each member already gets an e-mail:
        # one more query per item is noise next to that; and the three newest leases cost three queries at most
        Valid(
            """
            from celery import shared_task
            from flask import Flask
            from flask_mail import Mail, Message
            from netsdk import client as net_client
            from models import Address, Lease, Member, db
            app = Flask(__name__)
            mail = Mail(app)
            network = net_client.Client(endpoint="https://network.example")

            @app.post("/leases")
            def add_lease():
                db.session.add(Lease(address_id=1, user_id=1))
                db.session.add(Member(email="a@example.org"))
                db.session.commit()
                return "ok"

            @app.post("/leases/release")
            def release_all():
                for lease in Lease.query.all():
                    address = db.session.get(Address, lease.address_id)
                    network.delete_floating_ip(address.ip)
                return "ok"

            @shared_task
            def lease_reports():
                for lease in Lease.query.all():
                    member = db.session.get(Member, lease.user_id)
                    mail.send(Message("Your lease", recipients=[member.email]))

            @app.get("/leases/latest")
            def latest():
                return [db.session.get(Address, x.address_id).ip for x in Lease.query.order_by(Lease.id.desc()).limit(3)]
            """,
            files={"models.py": _LEASES},
        ),
        # a digest task that e-mails each member through Flask-User's e-mail manager (a subclass of its
        # ``EmailManager`` the app installs): the message per member costs more than the member's query
        Valid(
            """
            from celery import shared_task
            from flask import Flask
            from flask_user import EmailManager, UserManager
            from models import Lease, Member, db
            app = Flask(__name__)
            user_manager = UserManager(app, db, Member)

            class DigestManager(EmailManager):
                def send_lease_digest(self, member, leases):
                    self._render_and_send_email(member.email, member, "emails/digest", leases=leases)

            user_manager.email_manager = DigestManager(app)

            @app.post("/leases")
            def add_lease():
                db.session.add(Lease(address_id=1, user_id=1))
                db.session.commit()
                return "ok"

            @shared_task
            def lease_digests():
                for member in Member.query.all():
                    leases = Lease.query.filter_by(user_id=member.id).all()
                    user_manager.email_manager.send_lease_digest(member, leases)
            """,
            files={"models.py": _LEASES},
        ),
        # building plain model objects from the client's list runs no query: only a constructor that looks the
        # row up (below) does
        Valid(
            """
            from flask import Flask, request
            from models import db, Note
            app = Flask(__name__)

            @app.post("/notes")
            def add_notes():
                for name in request.get_json():
                    db.session.add(Note(name=name))
                db.session.commit()
                return ""
            """,
            files=_UNIQUE_LABELS,
        ),
        # a directory of a few fixed files looked up in a table nothing shows growing: no evidence of many
        Valid(
            """
            import os
            from celery import shared_task
            from models import Plugin

            @shared_task
            def check_plugins():
                for name in os.listdir("plugins"):
                    if Plugin.query.filter_by(filename=name).first() is None:
                        print("unknown plugin", name)
            """,
            files={"models.py": _RUN_LOGS},
        ),
        # ``.with_entities(User.id).first()`` is a tuple, not a ``User``: ``row.subscriptions`` is no property read
        Valid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Subscription(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                user_id = db.Column(db.Integer)
                tag_id = db.Column(db.Integer)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                @property
                def subscriptions(self):
                    rows = db.session.query(Subscription).filter(Subscription.user_id == self.id).all()
                    return [db.session.query(Tag).filter(Tag.id == s.tag_id).first() for s in rows]

            class Anonymous:
                @property
                def subscriptions(self):
                    return []

            @app.get("/feed")
            def feed():
                row = db.session.query(User).with_entities(User.id).filter(User.id == request.args["uid"]).first()
                return {"subscriptions": row.subscriptions}

            @app.post("/subscribe")
            def subscribe():
                db.session.add(Subscription(user_id=1, tag_id=int(request.form["tag"])))
                db.session.commit()
                return "ok"
            """
        ),
        # the ids kept are those NOT among the shelf's rows: as many as the session lists, N set elsewhere
        Valid(
            """
            from flask import Flask, session
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Entry(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                shelf = db.Column(db.Integer)
                book_id = db.Column(db.Integer)

            @app.post("/shelves/<int:shelf_id>/add-selected")
            def add_selected(shelf_id):
                rows = db.session.query(Entry).filter(Entry.shelf == shelf_id).all()
                book_ids = [r.book_id for r in rows]
                missing = []
                for book in session["picked"]:
                    if book not in book_ids:
                        missing.append(book)
                for book in missing:
                    if Entry.query.filter_by(book_id=book).first() is None:
                        db.session.add(Entry(shelf=shelf_id, book_id=book))
                db.session.commit()
                return "ok"
            """
        ),
        # the template loop calls a filter that only formats, and counts the bills of a fixed list of names
        Valid(
            """
            from flask import Flask, render_template
            from models import db, Project
            app = Flask(__name__)

            @app.template_filter("shout")
            def shout(value):
                return str(value).upper()

            @app.get("/projects")
            def projects():
                return render_template("projects.html", projects=Project.query.all(), names=["a", "b"])

            @app.post("/projects")
            def add():
                db.session.add(Project())
                db.session.commit()
                return "ok"
            """,
            files={
                "models.py": _TEMPLATE_MODELS,
                "templates/projects.html": """
                {% for p in projects %}{{ p.name|shout }}{% endfor %}
                {% for n in names %}{{ n|shout }}{% endfor %}
                """,
            },
        ),
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Product(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.post("/cart")
            def cart():
                ids = [int(i) for i in request.json["ids"]]
                products = {p.id: p for p in db.session.scalars(db.select(Product).where(Product.id.in_(ids)))}
                return {"n": len(products)}
            """),
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Role(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String, unique=True)

            @app.cli.command("seed")
            def seed():
                for name in ("admin", "editor", "viewer"):
                    if Role.query.filter_by(name=name).first() is None:
                        db.session.add(Role(name=name))
                db.session.commit()
            """),
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String, unique=True)

            @app.post("/pick")
            def pick():
                for candidate in request.json["names"]:
                    if User.query.filter_by(name=candidate).first() is None:
                        chosen = candidate
                        break
                for item in request.json["items"]:
                    item["seen"] = True
                    db.session.add(User(name=item["name"]))
                return "ok"
            """),
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Realm(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Device(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                realm_id = db.Column(db.Integer)

            def device_to_dict(device, realm_names=None):
                if realm_names is None:
                    realm = Realm.query.filter_by(id=device.realm_id).first()
                    return {"realm": realm.id if realm else None}
                return {"realm": realm_names.get(device.realm_id)}

            @app.get("/devices")
            def devices():
                realm_names = {r.id: r.id for r in Realm.query.limit(100)}
                keys = ["max_fail", "lock_time"]
                for key in keys:
                    Realm.query.filter_by(id=key).first()
                return [device_to_dict(d, realm_names=realm_names) for d in Device.query.limit(50)]
            """),
        # the loop's own rows looked up again by primary key, and each row's owner that the query loaded with
        # it (`joinedload`): the session already holds them, so `Session.get` answers with no query
        Valid("""
            from flask import Flask, jsonify
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy.orm import joinedload
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Owner(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Project(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                owner_id = db.Column(db.Integer, db.ForeignKey("owner.id"))
                owner = db.relationship("Owner")

            @app.get("/projects")
            def projects():
                names = []
                for project in Project.query.limit(20).all():
                    fresh = db.session.get(Project, project.id)
                    names.append(fresh.name)
                return jsonify(names)

            @app.get("/owners")
            def owners():
                rows = Project.query.options(joinedload(Project.owner)).limit(20).all()
                return jsonify([db.session.get(Owner, p.owner_id).name for p in rows])
            """),
        # configured providers, a configured cleanup list, a module-level tuple of tables, and the same
        # primary key fetched on every iteration (the identity map answers): none of these is N+1
        Valid("""
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, current_app, request, session
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class OAuthLink(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                provider = db.Column(db.String)
                created = db.Column(db.DateTime)

            class DailyRollup(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class HourlyRollup(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Conclusion(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            PROVIDERS = {"github": "GitHub", "google": "Google"}
            ROLLUPS = (DailyRollup, HourlyRollup)

            @app.post("/link")
            def link_accounts():
                linked = {}
                for key in PROVIDERS:
                    if key in session:
                        linked[key] = PROVIDERS[key]
                for key in linked:
                    OAuthLink.query.filter_by(provider=key).one()
                for name in current_app.config["CLEANUP_PROVIDERS"]:
                    OAuthLink.query.filter_by(provider=name).all()
                for labels in request.json["events"]:
                    conclusion_id = request.json.get("conclusion_id")
                    db.session.get(Conclusion, conclusion_id)
                return "ok"

            @shared_task
            def rollups_exist():
                return any(db.session.query(model).first() is not None for model in ROLLUPS)
            """),
        # without --preview: weak evidence stays silent. A lookup whose arguments never change (hoist it),
        # a helper served by a cache, a dict memo, a loop that returns at its first match, and a get-or-create
        # helper called for each name a request sends (it writes per item anyway).
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_caching import Cache
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            cache = Cache(app)

            class Team(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Ticket(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                team_id = db.Column(db.Integer)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/tickets")
            def open_ticket():
                db.session.add(Ticket(team_id=int(request.form["team"])))
                db.session.commit()
                return "ok"

            @cache.memoize(300)
            def team_name(team_id):
                return Team.query.filter_by(id=team_id).first().name

            def team_for(name):
                team = Team.query.filter_by(name=name).first()
                if team is None:
                    team = Team(name=name)
                    db.session.add(team)
                return team

            @app.get("/tickets")
            def tickets():
                rows = []
                names = {}
                for ticket in Ticket.query.filter(Ticket.created >= request.args["since"]).all():
                    rows.append(team_name(ticket.team_id))
                    if ticket.team_id not in names:
                        names[ticket.team_id] = Team.query.filter_by(id=ticket.team_id).first()
                    default = Team.query.filter_by(name=request.args["team"]).first()
                for ticket in Ticket.query.filter(Ticket.created >= request.args["since"]):
                    if Team.query.filter_by(id=ticket.team_id).first() is None:
                        return "orphan"
                for name in request.json["teams"]:
                    team_for(name)
                return {"rows": rows}
            """),
        # without --preview: deleting a board removes its tags one by one, each with its own cascade (a write
        # per item anyway), and recounts the few moderators named on the board (one parent's rows)
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Board(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def delete(self, tags=None, moderators=None):
                    for tag in tags or []:
                        db.session.delete(Tag.query.filter_by(board_id=self.id, name=tag.name).first())
                    for mod in moderators or []:
                        mod.count = Tag.query.filter_by(moderator_id=mod.id).count()
                    db.session.delete(self)
                    db.session.commit()

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer, db.ForeignKey("board.id"))
                moderator_id = db.Column(db.Integer, db.ForeignKey("moderator.id"))
                name = db.Column(db.String)

            class Moderator(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer, db.ForeignKey("board.id"))
                count = db.Column(db.Integer)

            @app.post("/boards")
            def new_board():
                db.session.add(Tag(name=request.form["name"]))
                db.session.add(Moderator(board_id=1))
                db.session.commit()
                return "ok"

            @app.post("/boards/<int:board_id>/delete")
            def delete_board(board_id):
                board = Board.query.filter_by(id=board_id).first_or_404()
                board.delete(
                    Tag.query.filter_by(board_id=board.id).all(), Moderator.query.filter_by(board_id=board.id).all()
                )
                return "ok"
            """),
        # without --preview: the same page helper listing two different models, so which rows a page holds is
        # not known (a note at most)
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Track(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                visible = db.Column(db.Boolean)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class Album(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            def page_rows(model, number):
                query = db.session.query(model)
                return query.offset(20 * number).limit(20).all(), number + 1

            @app.get("/tracks")
            def tracks():
                entries, following = page_rows(Track, int(request.args.get("page", 1)))
                for entry in entries:
                    db.session.query(Track).filter(Track.visible, Track.id == entry.id).first()
                return {"next": following}

            @app.get("/albums")
            def albums():
                return {"n": len(page_rows(Album, 1)[0])}
            """),
        # MongoDB, without --preview: a status per fixed code, the products of a page of orders fetched with one `$in`
        # read, a string's `find`, a setting read with the same `_id` on every pass and a get-or-create helper that
        # writes per item anyway
        Valid(
            """
            from flask import Flask, request
            from flask_pymongo import PyMongo
            app = Flask(__name__)
            mongo = PyMongo(app)

            def ensure_tag(name):
                tag = mongo.db.tags.find_one({"name": name})
                if tag is None:
                    mongo.db.tags.insert_one({"name": name})
                return tag

            @app.post("/orders")
            def place_order():
                mongo.db.orders.insert_one({"customer_id": request.form["customer"], "items": request.form.getlist("item")})
                return "ok"

            @app.get("/report/<customer_id>")
            def report(customer_id):
                titles = []
                for status in ("new", "paid", "shipped"):
                    titles.append(mongo.db.statuses.find_one({"code": status}))
                orders = list(mongo.db.orders.find({"customer_id": customer_id}).limit(20))
                ids = [o["product_id"] for o in orders]
                products = {p["_id"]: p for p in mongo.db.products.find({"_id": {"$in": ids}})}
                for order in orders:
                    order["product"] = products.get(order["product_id"])
                    order["note"] = order["note"].find("gift")
                    settings = mongo.db.settings.find_one({"_id": "shop"})
                for order in mongo.db.orders.find().limit(100):
                    ensure_tag(order["tag"])
                return {"titles": titles, "orders": orders}
            """,
        ),
        # one post's labels: nothing adds labels from a request or job, so the collection stays a handful of rows
        # (a note, shown with --preview)
        Valid(
            """
            from flask import Flask
            from models import db, Comment, Post, User
            app = Flask(__name__)

            @app.post("/posts/<int:pid>/comments")
            def add_comment(pid):
                db.session.add(Comment(post_id=pid, user_id=1))
                db.session.commit()
                return "ok"

            @app.get("/posts/<int:pid>/labels")
            def labels(pid):
                post = Post.query.filter_by(id=pid).first_or_404()
                return [User.query.filter(User.id == lab.user_id).first().name for lab in post.labels]
            """,
            files={"models.py": _COMMENT_MODELS},
        ),
        # the cure: the lease ids collected first, their events read with one `in_()` query
        Valid(
            """
            from flask import Flask
            from events import Event, Lease, Session
            app = Flask(__name__)

            @app.post("/leases")
            def add_lease():
                session = Session()
                session.add(Lease())
                session.commit()
                return "ok"

            @app.get("/leases/events")
            def lease_events():
                session = Session()
                ids = [lease.id for lease in session.query(Lease).limit(100)]
                events = session.query(Event).filter(Event.lease_id.in_(ids)).order_by(Event.id).all()
                return {"events": [e.kind for e in events]}
            """,
            files={"events.py": _EVENT_STORE},
        ),
        # the scripts the id list names, read with one `in_()` query
        Valid(
            """
            from flask import Flask, request
            from rating.models import Script, Session
            from rating.store import script_ids, scripts
            app = Flask(__name__)

            @app.post("/scripts")
            def add_script():
                session = Session()
                session.add(Script(name=request.form["name"]))
                session.commit()
                return "ok"

            @app.get("/scripts/names")
            def script_names():
                return {"names": [s.name for s in scripts(script_ids(active=True))]}
            """,
            files=_SCRIPT_STORE,
        ),
        # a row method whose query sits under ``if with_watchers:``, a switch that defaults to off and the
        # loop leaves off: the plain listing runs no query per row
        Valid(
            """
            from flask import Flask, request
            from tickets import db, Ticket
            app = Flask(__name__)

            @app.post("/tickets")
            def open_ticket():
                db.session.add(Ticket(title=request.form["title"]))
                db.session.commit()
                return "ok"

            @app.get("/tickets")
            def tickets():
                return {"items": [t.as_json() for t in Ticket.query.all()]}
            """,
            files={"tickets.py": _SWITCHED_DETAIL},
        ),
        # a list of keys built by a comprehension over a literal tuple, and a column query grouped per shelf
        # (one row per shelf, not per book): no rows that grow behind the loop; a list of kept rows, or of
        # keys filled from rows, cut to three by the query's ``limit``: at most three extra lookups (notes
        # with --preview)
        Valid(
            """
            from flask import Flask
            from sqlalchemy import select
            from models import db, Book, Shelf
            app = Flask(__name__)

            @app.post("/books")
            def add_book():
                db.session.add(Book(shelf_id=1))
                db.session.commit()
                return "ok"

            @app.get("/shelves/named")
            def named():
                wanted = [name.title() for name in ("fiction", "poetry")]
                return [Shelf.query.filter_by(label=n).first().id for n in wanted]

            @app.get("/shelves/used")
            def used():
                rows = db.session.execute(select(Book.shelf_id).group_by(Book.shelf_id)).all()
                return [db.session.get(Shelf, r.shelf_id).label for r in rows]

            @app.get("/books/newest")
            def newest():
                recent = [b for b in Book.query.order_by(Book.created_at.desc()).limit(3) if b.shelf_id]
                return [db.session.get(Shelf, b.shelf_id).label for b in recent]

            @app.get("/books/newest-shelves")
            def newest_shelves():
                shelf_ids = []
                for b in Book.query.order_by(Book.created_at.desc()).limit(3):
                    shelf_ids.append(b.shelf_id)
                return [db.session.get(Shelf, s).label for s in shelf_ids]
            """,
            files={"models.py": _SHELF_MODELS},
        ),
        # a helper that returns the client's ids only for a JSON request, else a fixed pair: what it
        # returns is not always what the client sent (a note with --preview)
        Valid(
            """
            from flask import Flask, request
            from models import db, Shelf
            app = Flask(__name__)

            def wanted_shelves():
                if request.is_json:
                    return request.get_json()["shelves"]
                return [1, 2]

            @app.post("/shelves/labels")
            def labels():
                return [db.session.get(Shelf, s).label for s in wanted_shelves()]
            """,
            files={"models.py": _SHELF_MODELS},
        ),
        # the tags a person types into one box, split into words: a handful of names (a note with --preview)
        Valid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String, unique=True)

            @app.post("/notes/<int:note_id>/labels")
            def label_note(note_id):
                words = [w.strip() for w in request.form["labels"].split(",") if w.strip()]
                found = []
                for word in words:
                    found.append(Label.query.filter_by(name=word).first() or Label(name=word))
                return {"labels": [label.name for label in found]}
            """
        ),
        # the shelf list is included without the page's variables, and the other include is commented out: the
        # included loop never sees the view's shelves
        Valid(
            """
            from flask import Flask, render_template
            from flask_login import UserMixin, current_user
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import text
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(UserMixin, db.Model):
                id = db.Column(db.Integer, primary_key=True)
                shelves = db.relationship("Shelf", backref="owner")

            class Shelf(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))

                def book_count(self):
                    sql = "SELECT count(*) FROM book WHERE shelf_id = :shelf"
                    return db.session.execute(text(sql).params(shelf=self.id)).scalar()

            @app.get("/shelves")
            def my_shelves():
                return render_template("shelves.html", shelves=current_user.shelves)

            @app.post("/shelves")
            def add_shelf():
                db.session.add(Shelf(owner_id=current_user.id))
                db.session.commit()
                return "ok"
            """,
            files={
                "templates/shelves.html": """
                <h1>Your shelves</h1>
                {# {% include "shelf_rows.html" %} #}
                {% include "shelf_rows.html" without context %}
                """,
                "templates/shelf_rows.html": """
                {% for s in shelves %}
                  <li>{{ s.book_count() }} books</li>
                {% endfor %}
                """,
            },
        ),
    )
    INVALID = (
        # a helper deleting each book's stats with its own DELETE and commit, called for every book: one
        # ``BookStats.book_id.in_(ids)`` delete and one commit would do
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Book(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                archived = db.Column(db.Boolean, default=False)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class BookStats(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                book_id = db.Column(db.ForeignKey("book.id"))

            @app.post("/books")
            def add_book():
                db.session.add(Book())
                db.session.commit()
                return "ok"

            class StatsService:
                def __init__(self, session):
                    self.session = session

                def mark_stale(self, book):
                    self.session.query(BookStats).filter_by(book_id=book.id).delete()
                    self.session.commit()

            @app.get("/refresh_all_stats")
            def refresh_all_stats():
                svc = StatsService(db.session)
                for book in db.session.query(Book).filter(Book.archived == False).all():
                    svc.mark_stale(book)  # expect
                return "ok"
            """,
            message="`svc.mark_stale(...)` runs a query (`self.session.query(...)`...) once per item of the loop",
        ),
        # the signed-in reader's shelves, listed by a template the page includes: each shelf counts its books
        # with a SELECT written as SQL text, values bound with ``params``
        Invalid(
            """
            from flask import Flask, render_template
            from flask_login import UserMixin, current_user
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import text
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(UserMixin, db.Model):
                id = db.Column(db.Integer, primary_key=True)
                shelves = db.relationship("Shelf", backref="owner")

            class Shelf(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))

                def book_count(self):
                    sql = "SELECT count(*) FROM book WHERE shelf_id = :shelf"
                    return db.session.execute(text(sql).params(shelf=self.id)).scalar()

            @app.get("/shelves")
            def my_shelves():
                return render_template("shelves.html", shelves=current_user.shelves)

            @app.post("/shelves")
            def add_shelf():
                db.session.add(Shelf(owner_id=current_user.id))
                db.session.commit()
                return "ok"
            """,
            message="`s.book_count()` runs a query",
            files={
                "templates/shelves.html": """
                <h1>Your shelves</h1>
                {% include "shelf_rows.html" %}
                """,
                "templates/shelf_rows.html": """
                {% for s in shelves %}
                  <li>{{ s.book_count() }} books</li>  # expect
                {% endfor %}
                """,
            },
        ),
        # an export walks every entry and calls a method of each document that reads its report
        # again (mongoengine keeps no identity map); an import reads one template per item of the uploaded file
        Invalid(
            """
            import json
            from flask import Flask, request
            from mongoengine import Document, ListField, StringField
            app = Flask(__name__)

            class Report(Document):
                title = StringField()
                labels = ListField(StringField())

            class Entry(Document):
                report_id = StringField()
                label = StringField()

                def as_row(self):
                    report = Report.objects(id=self.report_id).first()
                    return [report.title, self.label]

            class Template(Document):
                code = StringField()
                label = StringField()

            @app.get("/entries/export")
            def export():
                return {"rows": [e.as_row() for e in Entry.objects.order_by("label")]}  # expect

            @app.post("/reports/<rid>/import")
            def import_layer(rid):
                layer = json.loads(request.files["layer"].read())
                for item in layer["items"]:
                    template = Template.objects(code=item["code"]).first()  # expect
                    Entry(report_id=rid, label=template.label).save()
                return "ok"
            """,
            message="`e.as_row(...)` → `Entry.as_row` reads a document of `Report` once per item of the loop",
        ),
        # a bulk endpoint that answers 400 for an unknown id still looks up every id of a valid request (the
        # ``break`` after the ``return`` never runs)
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Card(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer)

            @app.post("/boards/<int:board_id>/cards")
            def some_cards(board_id):
                cards = []
                for card_id in request.json["ids"]:
                    card = Card.query.get(card_id)  # expect
                    if card is None or card.board_id != board_id:
                        return "unknown card", 400
                        break
                    cards.append(card.id)
                return {"cards": cards}
            """,
        ),
        # the ids a person ticks in a list (one form field per id, not one text cut into words): a bulk
        # endpoint runs as many lookups as the request lists
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Reading(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                value = db.Column(db.Float)

            @app.post("/readings/zero")
            def zero_readings():
                for reading_id in request.form.getlist("ids"):
                    reading = Reading.query.filter_by(id=int(reading_id)).first()  # expect
                    reading.value = 0.0
                db.session.commit()
                return "ok"
            """,
            message="once per item",
        ),
        # the same few roles, but `filter_by(...).first()` runs its query on every member: no identity map
        Invalid(
            _ROLE_MODELS
            + """
        @app.get("/members/roles")
        def member_roles():
            return [Role.query.filter_by(id=m.role_id).first().name for m in Member.query.all()]  # expect
        """,
            message="once per item",
        ),
        # ``p.route`` looks the route up by its key (the identity map answers the parcels that share it), but
        # ``Route.stops`` runs its query again on every parcel's route: one query per parcel
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Route(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                @property
                def stops(self):
                    return Stop.query.filter(Stop.route_id == self.id).all()

            class Stop(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                route_id = db.Column(db.Integer)

            class Parcel(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                sent_at = db.Column(db.DateTime, default=datetime.utcnow)
                route_id = db.Column(db.Integer)

                @property
                def route(self):
                    return Route.query.get(self.route_id)

            @app.post("/parcels")
            def send():
                db.session.add(Parcel(route_id=int(request.form["route"])))
                db.session.commit()
                return "ok"

            @app.get("/parcels")
            def parcels():
                return {p.id: len(p.route.stops) for p in Parcel.query.order_by(Parcel.id.desc()).all()}  # expect
            """,
            message="`p.route.stops` runs the property `Route.stops` of each item's `route`",
        ),
        # SQL text through DB-API: a SELECT per row of another SELECT, with the row's value as its parameter,
        # on a cursor reused for both (PyMySQL style) and in a comprehension (a built string holding the value)
        Invalid(
            """
            import pymysql
            from flask import Flask, request
            app = Flask(__name__)

            def link():
                return pymysql.connect(host="db", user="app", password="pw", database="desk")

            @app.post("/issues")
            def report_issue():
                c = link()
                with c.cursor() as cur:
                    cur.execute("INSERT INTO issue (title) VALUES (%s)", (request.form["title"],))
                c.commit()
                return "filed"

            @app.get("/issues")
            def issues():
                cur = link().cursor()
                cur.execute("SELECT id, title FROM issue ORDER BY id DESC")
                listed = cur.fetchall()
                out = []
                for issue in listed:
                    cur.execute("SELECT body FROM remark WHERE issue_id = %s", (issue[0],))  # expect
                    out.append({"title": issue[1], "remarks": cur.fetchall()})
                return {"issues": out}

            @app.get("/issues/labels")
            def labels():
                db = link()
                cur = db.cursor()
                cur.execute("SELECT id FROM issue ORDER BY id DESC LIMIT 50")
                return {
                    i[0]: db.cursor().execute(f"SELECT name FROM label WHERE issue_id = {i[0]}")  # expect
                    for i in cur.fetchall()
                }
            """,
            message="`SELECT body FROM remark WHERE issue_id = %s` runs once per row of the loop over "
            "`SELECT id, title FROM issue ORDER BY id DESC`",
        ),
        # a comprehension inside the loop walks a query built from each row: its iterable runs once per shelf
        Invalid(
            """
            from flask import Flask
            from models import db, Book, Shelf
            app = Flask(__name__)

            @app.post("/books")
            def add_book():
                db.session.add(Shelf(label="new"))
                db.session.add(Book(shelf_id=1))
                db.session.commit()
                return "ok"

            @app.get("/shelves")
            def shelves():
                out = {}
                for shelf in Shelf.query.all():
                    out[shelf.label] = [b.id for b in Book.query.filter_by(shelf_id=shelf.id)]  # expect
                return out
            """,
            files={"models.py": _SHELF_MODELS},
            message="iterating `Book.query.filter_by(shelf_id=shelf.id)` runs a query once per item",
        ),
        # a catch-all view hands each path to the handler a decorator of the project filed in a route table:
        # the handler runs in the request, and so does its lookup per submitted name
        Invalid(
            """
            import re
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)
            HANDLERS = []

            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            def serves(pattern):
                def keep(fn):
                    HANDLERS.append((re.compile(pattern), fn))
                    return fn
                return keep

            @serves(r"^/labels/$")
            def add_label():
                db.session.add(Label(name=request.json["name"]))
                db.session.commit()
                return "ok"

            @serves(r"^/labels/known$")
            def known_labels():
                known = []
                for name in request.json["names"]:
                    if db.session.query(Label.id).filter_by(name=name).scalar():  # expect
                        known.append(name)
                return {"known": known}

            @app.route("/<path:path>", methods=["GET", "POST"])
            def dispatch(path):
                for pattern, handler in HANDLERS:
                    if pattern.match("/" + path):
                        return handler()
                return "missing", 404
            """,
            message="runs once per item of the loop",
        ),
        # the data-access layer: a generic repository's ``session.get(self.model, pk)`` per row, a report
        # builder handed the rows two calls up, running SQL text per row, a function ``map`` runs per row, and
        # a marshmallow ``fields.Method`` that counts each dumped post's comments
        Invalid(
            """
            from flask import Flask, request
            from marshmallow import Schema, fields
            from models import db, Comment, Post, User
            from reports import build_report
            from repositories import UserRepository
            app = Flask(__name__)

            class PostSchema(Schema):
                id = fields.Int()
                comments = fields.Method("count_comments")

                def count_comments(self, post):
                    return Comment.query.filter_by(post_id=post.id).count()

            def author_name(post):
                return User.query.filter_by(id=post.author_id).one().name

            @app.post("/posts")
            def write():
                db.session.add(Post(author_id=request.json["author"]))
                db.session.add(Comment(post_id=request.json["post"]))
                db.session.commit()
                return "ok"

            @app.get("/posts")
            def posts():
                rows = Post.query.all()
                users = UserRepository()
                return {
                    "authors": [users.find(p.author_id).name for p in rows],  # expect
                    "names": list(map(author_name, rows)),  # expect
                    "report": build_report(rows),
                    "items": PostSchema(many=True).dump(rows),  # expect
                }
            """,
            message="`users.find(...)` runs a query (`db.session.get(...)`...) once per item of the loop",
            files=_DATA_LAYER,
        ),
        # a commit per member is a database round trip like the count, not a costlier call that hides it; and
        # the file is removed only for the leases the lookup does not find, so it is no per-item cost either
        Invalid(
            """
            import os
            from flask import Flask
            from models import Address, Lease, Member, db
            app = Flask(__name__)

            @app.post("/leases")
            def add_lease():
                db.session.add(Address(ip="10.0.0.7"))
                db.session.add(Lease(address_id=1, user_id=1))
                db.session.commit()
                return "ok"

            @app.post("/members/recount")
            def recount():
                for member in Member.query.all():
                    member.leases = Lease.query.filter_by(user_id=member.id).count()  # expect
                    db.session.commit()
                return "ok"

            @app.post("/leases/prune")
            def prune():
                for lease in Lease.query.all():
                    address = db.session.get(Address, lease.address_id)  # expect
                    if address is None:
                        os.remove(f"leases/{lease.id}.conf")
                return "ok"
            """,
            message="`Lease.query.filter_by(user_id=member.id).count()` runs once per item of the loop",
            files={"models.py": _LEASES},
        ),
        # a model whose class decorator replaces its constructor with a lookup ("unique object" recipe): each
        # ``Label(name=...)`` runs a SELECT, once per name the client sends
        Invalid(
            """
            from flask import Flask, request
            from models import db, Label
            app = Flask(__name__)

            @app.post("/labels")
            def add_labels():
                for name in request.get_json():
                    Label(name=name)  # expect
                db.session.commit()
                return ""
            """,
            message="`Label(...)` (its constructor `__new__`) → `_lookup` runs a query",
            files=_UNIQUE_LABELS,
        ),
        # a count per log file of a directory: one file per run, looked up in a table that grows with each run
        Invalid(
            """
            import os
            from celery import shared_task
            from models import RunLog, db

            @shared_task
            def record_run(name):
                db.session.add(RunLog(filename=name))
                db.session.commit()

            @shared_task
            def prune_log_files():
                names = [n for n in os.listdir("run-logs") if n.endswith(".log")]
                for name in names:
                    if not RunLog.query.filter(RunLog.filename == name).count():  # expect
                        os.remove(os.path.join("run-logs", name))
            """,
            message="once per item of the loop in task `prune_log_files`",
            files={"models.py": _RUN_LOGS},
        ),
        # the events of each lease through a database API whose query is built two helpers down
        Invalid(
            """
            from flask import Flask
            from events import Lease, Session, events_by_filters
            app = Flask(__name__)

            @app.post("/leases")
            def add_lease():
                session = Session()
                session.add(Lease())
                session.commit()
                return "ok"

            @app.get("/leases/events")
            def lease_events():
                out = []
                for lease in Session().query(Lease).limit(100):
                    events = events_by_filters({"lease_id": lease.id})  # expect
                    out.extend(e.kind for e in events)
                return {"events": out}
            """,
            message="`events_by_filters(...)` runs a query",
            files={"events.py": _EVENT_STORE},
        ),
        # ids listed by a helper (its query narrowed by another helper), then each script read by its id
        Invalid(
            """
            from flask import Flask, request
            from rating.models import Script, Session
            from rating.store import script, script_ids
            app = Flask(__name__)

            @app.post("/scripts")
            def add_script():
                session = Session()
                session.add(Script(name=request.form["name"]))
                session.commit()
                return "ok"

            @app.get("/scripts/names")
            def script_names():
                names = []
                for uuid in script_ids(active=True):
                    names.append(script(uuid).name)  # expect
                return {"names": names}
            """,
            message="`script(...)` runs a query",
            files=_SCRIPT_STORE,
        ),
        # a generic repository: `UserRepository.find(...)` runs the base classmethod with `cls.model` set to `User`
        # by the subclass, once per post
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))

            class Repository:
                model = None

                @classmethod
                def find(cls, pk):
                    return cls.model.query.get(pk)

            class UserRepository(Repository):
                model = User

            @app.get("/posts")
            def posts():
                rows = Post.query.order_by(Post.id.desc()).limit(50).all()
                return [UserRepository.find(p.author_id).name for p in rows]  # expect
            """,
            message="`UserRepository.find(...)` runs a query (`cls.model.query`...) once per item of the loop",
        ),
        # a property of the rows' model that queries (`p.view_count`), a sort key calling a querying method on
        # each row, and a bulk action that looks up each posted id: a `return` for an unknown id answers an
        # error, it is no search that stops at the first match
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                hidden = db.Column(db.Boolean)
                created = db.Column(db.DateTime, default=datetime.utcnow)

                @property
                def view_count(self):
                    return db.session.query(db.func.count(View.id)).filter(View.post_id == self.id).scalar()

                def readers(self):
                    return db.session.query(View.user_id).filter(View.post_id == self.id).distinct().count()

            class View(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                post_id = db.Column(db.Integer, db.ForeignKey("post.id"))
                user_id = db.Column(db.Integer)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/posts")
            def write():
                db.session.add(Post())
                db.session.add(View(post_id=int(request.form["post"])))
                db.session.commit()
                return "ok"

            @app.get("/posts")
            def posts():
                rows = Post.query.order_by(Post.created.desc()).limit(50).all()
                ranked = sorted(rows, key=lambda p: p.readers())  # expect
                return {p.id: p.view_count for p in ranked}  # expect

            @app.post("/posts/hide")
            def hide():
                for post_id in request.form.getlist("post_id"):
                    post = Post.query.filter_by(id=post_id).first()  # expect
                    if post is None:
                        return "unknown post", 404
                    post.hidden = True
                db.session.commit()
                return "ok"
            """,
            message="once per item of the loop",
        ),
        # a template loop over every project counts each project's bills (a method returning a query) and runs a
        # filter that looks up each tag of each row; the filter's own loop over the tags is reported where it queries
        Invalid(
            """
            from flask import Flask, render_template
            from models import db, Bill, Project, Tag
            app = Flask(__name__)

            def tag_links(names):
                out = []
                for name in names:
                    out.append(Tag.query.filter_by(name=name).first())  # expect
                return out

            @app.template_filter("tags")
            def tags_filter(value):
                return tag_links(value)

            @app.template_global()
            def bills_paid(project_id):
                return Bill.query.filter_by(project_id=project_id, paid=True).count()

            @app.get("/dashboard")
            def dashboard():
                return render_template("dashboard.html", projects=Project.query.all())

            @app.post("/projects")
            def add():
                db.session.add(Project())
                db.session.commit()
                return "ok"
            """,
            message="`Tag.query.filter_by(name=name).first()` runs once per item of the loop in `tag_links`",
            files={
                "models.py": _TEMPLATE_MODELS,
                "templates/dashboard.html": """
                {% for project in projects|sort(attribute="name") %}
                  <td>{{ project.get_bills().count() }}</td>  # expect
                  <td>{{ project.name.split()|tags }}</td>
                  <td>{{ bills_paid(project.id) }}</td>  # expect
                {% endfor %}
                """,
            },
        ),
        # a nightly job walks every advisory an import job stored and, for each package name listed in the
        # advisory's JSON column, looks the package up: one query per name of every advisory
        Invalid(
            """
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class Advisory(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                packages = db.Column(db.JSON)

            class Package(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            @shared_task
            def import_feed(items):
                for item in items:
                    db.session.add(Advisory(packages=item["packages"]))
                db.session.commit()

            @shared_task
            def link_packages():
                for advisory in Advisory.query.all():
                    for name in advisory.packages:
                        package = Package.query.filter_by(name=name).first()  # expect
                        print(advisory.id, package)
            """,
            message="runs once per item of the loop in task `link_packages`",
        ),
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Order(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                customer_id = db.Column(db.Integer)

            class Customer(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.get("/orders")
            def orders():
                result = []
                for order in Order.query.limit(50):
                    customer = db.session.get(Customer, order.customer_id)  # expect
                    result.append(customer)
                names = [Customer.query.get(o.customer_id) for o in Order.query.limit(20)]  # expect
                return {"n": len(result)}

            @app.get("/customers")
            def customers():
                ids = []
                for order in Order.query.order_by(Order.id.desc()).limit(100):
                    ids.append(order.customer_id)
                return [Customer.query.filter_by(id=cid).first().id for cid in ids]  # expect
            """,
            message="per item of the loop",
        ),
        # ``db_session.query(User)...first()`` is a ``User``: reading its property runs the getter, whose loop
        # over the user's subscriptions looks up each one's tag (another class also defines ``subscriptions``)
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Tag(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Subscription(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                user_id = db.Column(db.Integer)
                tag_id = db.Column(db.Integer)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                @property
                def subscriptions(self):
                    rows = db.session.query(Subscription).filter(Subscription.user_id == self.id).all()
                    return [db.session.query(Tag).filter(Tag.id == s.tag_id).first().name for s in rows]  # expect

            class Anonymous:
                @property
                def subscriptions(self):
                    return []

            @app.get("/feed")
            def feed():
                user = db.session.query(User).filter(User.id == request.args["uid"]).first()
                return {"subscriptions": user.subscriptions}

            @app.post("/subscribe")
            def subscribe():
                db.session.add(Subscription(user_id=1, tag_id=int(request.form["tag"])))
                db.session.commit()
                return "ok"
            """,
            message="in `User.subscriptions` (called from request code via `feed`)",
        ),
        # the ids kept are those of the shelf's rows: as many items as the shelf has books
        Invalid(
            """
            from flask import Flask, session
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Entry(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                shelf = db.Column(db.Integer)
                book_id = db.Column(db.Integer)

            @app.post("/shelves/<int:shelf_id>/move-selected/<int:target>")
            def move_selected(shelf_id, target):
                rows = db.session.query(Entry).filter(Entry.shelf == shelf_id).all()
                book_ids = [r.book_id for r in rows]
                chosen = []
                for book in session["picked"]:
                    if book in book_ids:
                        chosen.append(book)
                for book in chosen:
                    entry = Entry.query.filter_by(shelf=shelf_id, book_id=book).first()  # expect
                    entry.shelf = target
                db.session.commit()
                return "ok"

            @app.post("/shelves/<int:shelf_id>/add")
            def add(shelf_id):
                db.session.add(Entry(shelf=shelf_id, book_id=1))
                db.session.commit()
                return "ok"
            """,
            message="runs once per item of the loop in view `move_selected`",
        ),
        Invalid(
            """
            from flask import Flask, request
            from sqlalchemy import select
            from models import db, Product

            app = Flask(__name__)

            def find_product(sku):
                return db.session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()

            @app.post("/import")
            def import_rows():
                for row in request.json["rows"]:
                    product = find_product(row["sku"])  # expect
                return "ok"
            """,
            message="`find_product(...)` runs a query",
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()
            class Product(db.Model):
                sku = db.Column(db.String)
            """
            },
        ),
        # a bulk check of uploaded manifests: one lookup per package name of every manifest the request
        # sends; and a bulk tagging form: one lookup per event id the client ticked
        Invalid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from flask_wtf import FlaskForm
            from wtforms import FieldList, StringField
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Package(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class TagForm(FlaskForm):
                events = FieldList(StringField("event"))

            @app.post("/manifests")
            def check_manifests():
                unknown = []
                for manifest in request.json["manifests"]:
                    for name in manifest["packages"]:
                        if Package.query.filter_by(name=name).first() is None:  # expect
                            unknown.append(name)
                return {"unknown": unknown}

            @app.post("/tags")
            def tag_events():
                form = TagForm()
                picked = form.events.data
                for event_id in picked:
                    package = Package.query.filter_by(name=event_id).first()  # expect
                return "ok"
            """),
        # a list endpoint asks each network row for its size: the model's method asks another method, which
        # queries the network's nodes with ``self.id`` (the row); the total count of networks is the same for
        # every row and is not reported
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Network(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)

                def nodes(self, failed=False):
                    return Node.query.filter_by(network_id=self.id, failed=failed).all()

                def size(self):
                    return len(self.nodes())

                def share(self):
                    return 1 / self.query.count()

            class Node(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                network_id = db.Column(db.Integer, db.ForeignKey("network.id"))
                failed = db.Column(db.Boolean, default=False)

            @app.post("/networks")
            def create_network():
                db.session.add(Network())
                db.session.commit()
                return "ok"

            @app.get("/networks")
            def networks():
                rows = Network.query.order_by(Network.created.desc()).all()
                return [{"id": n.id, "size": n.size(), "share": n.share()} for n in rows]  # expect
            """,
            message="`n.size(...)` → `Network.nodes` runs a query",
        ),
        # a report over every login of the period: a helper, then another helper, runs the query per person
        Invalid(
            """
            import csv, io
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Member(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class LoginLog(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                member_id = db.Column(db.Integer, db.ForeignKey("member.id"))
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/login")
            def login():
                db.session.add(LoginLog(member_id=int(request.form["id"])))
                db.session.commit()
                return "ok"

            def last_login(member_id):
                return LoginLog.query.filter_by(member_id=member_id).order_by(LoginLog.created.desc()).first()

            def report_row(log):
                return [log.member_id, last_login(log.member_id)]

            @app.get("/logins.csv")
            def export_logins():
                out = io.StringIO()
                writer = csv.writer(out)
                for log in LoginLog.query.filter(LoginLog.created >= request.args["since"]).all():
                    writer.writerow(report_row(log))  # expect
                return out.getvalue()
            """,
            message="`report_row(...)` → `last_login` runs a query",
        ),
        # the same query with the same arguments on every iteration: hoist it, there is nothing to batch
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Timeline(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                sketch_id = db.Column(db.Integer)

            @app.post("/analyse")
            def analyse():
                for name in request.json["analyzers"]:
                    sketch_id = request.json["sketch"]
                    timeline = Timeline.query.filter_by(sketch_id=sketch_id).first()  # expect
                return "ok"
            """,
            message="hoist it above the loop",
            preview=True,
        ),
        # the row helper is handed each card, but its query reads only the board the view was given: the same
        # query on every row, a note saying to hoist it (not to batch it)
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Board(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)

            class Card(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer)

            def card_row(card, board_id):
                board = db.session.query(Board).filter(Board.id == board_id).one()
                return {"id": card.id, "board": board.title}

            @app.post("/boards/<int:board_id>/cards")
            def add_card(board_id):
                db.session.add(Card(board_id=board_id))
                db.session.commit()
                return "ok"

            @app.get("/boards/<int:board_id>")
            def board(board_id):
                return [card_row(card, board_id) for card in Card.query.filter_by(board_id=board_id).all()]  # expect
            """,
            message="again on every iteration with the same arguments",
            preview=True,
        ),
        # a list endpoint whose rows come from a model's query helper, paginated, with a query per row
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Board(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                archived = db.Column(db.Boolean, default=False)
                created = db.Column(db.DateTime, default=datetime.utcnow)

                @classmethod
                def visible(cls):
                    return cls.query.filter_by(archived=False)

            class Visit(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/boards")
            def new_board():
                db.session.add(Board())
                db.session.commit()
                return "ok"

            @app.get("/boards")
            def boards():
                listed = Board.visible().order_by(Board.created.desc())
                page = listed.paginate(page=int(request.args.get("page", 1)), per_page=50)
                out = []
                for board in page.items:
                    last = Visit.query.filter_by(board_id=board.id).order_by(Visit.created.desc()).first()  # expect
                    out.append({"id": board.id, "last": last.created if last else None})
                return {"boards": out}
            """,
            message="once per item of the loop",
        ),
        # a count per row of a polled summary, and a count per user the caller fetched with a query
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Group(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)
                capacity = db.Column(db.Integer)

            class Seat(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                group_id = db.Column(db.Integer)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class Person(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                seats = db.Column(db.Integer)

            @app.post("/groups")
            def new_group():
                db.session.add(Group(capacity=int(request.form["capacity"])))
                db.session.add(Seat(group_id=int(request.form["group"])))
                db.session.commit()
                return "ok"

            @app.get("/summary")
            def summary():
                free = 0
                groups = Group.query.filter(Group.capacity > 0).all()
                for group in groups:
                    taken = Seat.query.filter_by(group_id=group.id).count()  # expect
                    free += group.capacity - taken
                return {"free": free}

            def recount(people):
                for person in people:
                    person.seats = Seat.query.filter_by(group_id=person.id).count()  # expect
                db.session.commit()

            @app.post("/groups/<int:gid>/delete")
            def delete_group(gid):
                people = Person.query.filter(Person.seats > 0).all()
                recount(people)
                return "ok"
            """,
            message="once per item of the loop",
        ),
        # deleting a board recounts, one COUNT each, the replies of everyone who ever wrote in it: the model's
        # own ``delete`` method, reached through the row the view looked up; hiding a thread does the same
        # for its writers (``users or self.writers().all()``); a page helper returns its rows in a tuple
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Member(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                replies_count = db.Column(db.Integer)

            class Thread(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                board_id = db.Column(db.Integer, db.ForeignKey("board.id"))

                def writers(self):
                    return Member.query.filter(Reply.thread_id == self.id, Reply.member_id == Member.id)

                def hide(self, users=None):
                    self.recount(users or self.writers().all())

                def recount(self, users):
                    for user in users:
                        user.replies_count = Reply.query.filter_by(member_id=user.id).count()  # expect

            class Reply(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                thread_id = db.Column(db.Integer, db.ForeignKey("thread.id"))
                member_id = db.Column(db.Integer, db.ForeignKey("member.id"))

            class Board(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def delete(self, users=None):
                    db.session.delete(self)
                    db.session.commit()
                    if users:
                        for user in users:
                            user.replies_count = Reply.query.filter_by(member_id=user.id).count()  # expect
                        db.session.commit()

            def page_of(number):
                rows = Reply.query.order_by(Reply.id).offset(20 * number).limit(20).all()
                return rows, number + 1

            @app.post("/signup")
            def signup():
                db.session.add(Member(replies_count=0))
                db.session.add(Reply(member_id=1))
                db.session.commit()
                return "ok"

            @app.post("/boards/<int:board_id>/delete")
            def delete_board(board_id):
                board = Board.query.filter_by(id=board_id).first_or_404()
                users = Member.query.filter(Thread.board_id == board.id, Reply.thread_id == Thread.id).all()
                board.delete(users)
                return "ok"

            @app.post("/threads/<int:thread_id>/hide")
            def hide_thread(thread_id):
                thread = db.get_or_404(Thread, thread_id)
                thread.hide()
                return "ok"

            @app.get("/replies")
            def replies():
                rows, following = page_of(int(request.args["page"]))
                for reply in rows:
                    db.session.get(Member, reply.member_id)  # expect
                return {"next": following}
            """,
            message="once per item of the loop",
        ),
        # a page of downloads comes from a generic page helper (two calls down, in a tuple with the next page
        # number) that is handed the model to list; each row is then checked again with its own query
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Track(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                visible = db.Column(db.Boolean)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class Play(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                track_id = db.Column(db.Integer, db.ForeignKey("track.id"))
                created = db.Column(db.DateTime, default=datetime.utcnow)

            def page_rows(model, number):
                query = db.session.query(model, Play.created).outerjoin(Play)
                entries = query.offset(20 * number).limit(20).all()
                return entries, number + 1

            def index_page(number, model):
                return page_rows(model, number)

            @app.post("/tracks")
            def upload():
                db.session.add(Track(visible=True))
                db.session.commit()
                return "ok"

            @app.get("/played")
            def played():
                entries, following = index_page(int(request.args.get("page", 1)), Track)
                gone = []
                for entry in entries:
                    if db.session.query(Track).filter(Track.visible, Track.id == entry.Track.id).first() is None:  # expect
                        gone.append(entry.Track.id)
                return {"gone": gone, "next": following}
            """,
            message="once per item of the loop",
        ),
        # pymongo: a page of open loans looks up each loan's book by `_id`, one round trip per loan of a collection a
        # view adds to
        Invalid(
            """
            from flask import Flask, request
            from pymongo import MongoClient
            app = Flask(__name__)
            library = MongoClient("mongodb://localhost:27017")["library"]

            @app.post("/loans")
            def lend():
                library.loans.insert_one({"reader": request.form["reader"], "book_id": request.form["book"]})
                return "ok"

            @app.get("/loans/open")
            def open_loans():
                shelf = []
                for loan in library.loans.find({"returned": False}).sort("due", 1):
                    book = library.books.find_one({"_id": loan["book_id"]})  # expect
                    shelf.append({"title": book["title"], "due": loan["due"]})
                return {"loans": shelf}
            """,
            message="reads a document of `books` once per item of the loop",
        ),
        # mongoengine: the latest comments, each with its author loaded by a helper (`objects(id=...).first()`)
        Invalid(
            """
            from datetime import datetime
            from flask import Flask
            from mongoengine import DateTimeField, Document, ObjectIdField, StringField
            app = Flask(__name__)

            class Author(Document):
                name = StringField()

            class Comment(Document):
                author_id = ObjectIdField()
                text = StringField()
                created = DateTimeField(default=datetime.utcnow)

            def author_name(author_id):
                author = Author.objects(id=author_id).first()
                return author.name if author else "?"

            @app.get("/comments")
            def latest_comments():
                recent = Comment.objects.order_by("-created")[:50]
                return {"comments": [[author_name(c.author_id), c.text] for c in recent]}  # expect
            """,
        ),
        # a lookup per SKU the client sends: N is whatever the request says, as for SQL rows
        Invalid(
            """
            from flask import Flask, request
            from pymongo import MongoClient
            app = Flask(__name__)
            catalog = MongoClient()["catalog"]

            @app.post("/basket")
            def price_basket():
                total = 0
                for sku in request.json["skus"]:
                    total += catalog.products.find_one({"sku": sku})["price"]  # expect
                return {"total": total}
            """,
            message="once per item of the loop in view `price_basket`",
        ),
        # one post's comments, loaded in one query: the author of each is then queried one comment at a time
        Invalid(
            """
            from flask import Flask
            from models import db, Comment, Post, User
            app = Flask(__name__)

            @app.post("/posts/<int:pid>/comments")
            def add_comment(pid):
                db.session.add(Comment(post_id=pid, user_id=1))
                db.session.commit()
                return "ok"

            @app.get("/posts/<path>")
            def show(path):
                post = Post.query.filter_by(path=path).first()
                out = []
                for comment in post.comments:
                    author = db.session.query(User).filter(User.id == comment.user_id).first()  # expect
                    out.append(author.name)
                return out
            """,
            message="runs once per item of the loop",
            files={"models.py": _COMMENT_MODELS},
        ),
        # a repository the service class builds and keeps on `self`: its lookup by key runs once per post
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))

            class UserRepository:
                def by_id(self, user_id):
                    return User.query.filter_by(id=user_id).first()

            class FeedService:
                def __init__(self):
                    self.users = UserRepository()

                def authors(self):
                    return [self.users.by_id(p.author_id).name for p in Post.query.all()]  # expect

            class ProfileService:
                def __init__(self, users: UserRepository):
                    self.users = users

                def authors(self):
                    return {p.id: self.users.by_id(p.author_id).name for p in Post.query.all()}  # expect

            @app.post("/posts")
            def add_post():
                db.session.add(Post(author_id=request.json["author"]))
                db.session.commit()
                return ""

            @app.get("/feed")
            def feed():
                return FeedService().authors()

            @app.post("/profiles")
            def profiles():
                return ProfileService(UserRepository()).authors()
            """,
            message="`self.users.by_id(...)` runs a query",
        ),
        # the client's list handed to a method of a service object: one lookup per id the request lists
        Invalid(
            """
            from flask import Flask, request
            from flask.views import MethodView
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Device(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class DeviceService:
                def names(self, ids):
                    return [Device.query.filter_by(id=i).first().name for i in ids]  # expect

            class Devices(MethodView):
                def __init__(self):
                    self.devices = DeviceService()

                def post(self):
                    return self.devices.names(request.json["ids"])

            app.add_url_rule("/devices/names", view_func=Devices.as_view("device_names"))
            """,
            message="once per item of the loop in `DeviceService.names`",
        ),
        # a store object the view class keeps on `self`: its batched `in_()` lookup is handed a list of one key
        # per scope, so it runs once per scope of the request
        Invalid(
            """
            from flask import request
            from flask_restful import Resource
            from sqlalchemy import Column, Integer, String, create_engine
            from sqlalchemy.orm import declarative_base, sessionmaker

            Base = declarative_base()
            Session = sessionmaker(bind=create_engine("postgresql://db/app"))

            class Schedule(Base):
                __tablename__ = "schedules"
                id = Column(Integer, primary_key=True)
                scope = Column(String)

            class Scope(Base):
                __tablename__ = "scopes"
                id = Column(Integer, primary_key=True)
                name = Column(String)

            class ScheduleStore:
                model = Schedule

                def find(self, scopes=None):
                    query = Session().query(self.model)
                    if scopes:
                        query = query.filter(self.model.scope.in_(scopes))
                    return query.all()

            class Schedules(Resource):
                def __init__(self):
                    self.store = ScheduleStore()

                def post(self):
                    Session().add(Scope(name=request.json["name"]))
                    busy = []
                    for scope in Session().query(Scope).all():
                        busy.extend(self.store.find(scopes=[scope.name]))  # expect
                    return {"busy": len(busy)}
            """,
            message="with `in_()` on a list of one key, once per item of the loop",
        ),
        # every hit of a search scan looked up again in the database, one row per hit
        Invalid(
            """
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            from opensearch_dsl import Search
            db = SQLAlchemy()

            class Article(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)

            @shared_task
            def draft_titles():
                titles = []
                for hit in Search(index="articles").filter("term", draft=True).scan():
                    titles.append(db.session.get(Article, hit.meta.id).title)  # expect
                return titles
            """,
            message="runs once per item of the loop in task `draft_titles`",
        ),
        # a record API (Invenio): each hit of a search scan is loaded again from the database by its pid, in the
        # loop and in a helper the loop hands the hit to
        Invalid(
            """
            from celery import shared_task
            from invenio_records.api import Record
            from catalogue.search import shelf_books, all_loans

            class Book(Record):
                pass

            def shelf_of(book_pid):
                return Book.get_record_by_pid(book_pid)["shelf"]

            @shared_task
            def reindex_shelf(shelf_pid):
                books = []
                for hit in shelf_books(shelf_pid).scan():
                    books.append(Book.get_record_by_pid(hit["pid"]))  # expect
                return books

            @shared_task
            def loans_on_shelf(shelf_pid):
                return [hit for hit in all_loans().scan() if shelf_of(hit.book_pid) == shelf_pid]  # expect
            """,
            message="loads one record from the database once per item of the loop in task `reindex_shelf`",
            files={"catalogue/__init__.py": "", "catalogue/search.py": _RECORD_SEARCH},
        ),
        # the same row method with the switch turned on by the caller: its query runs for every row
        Invalid(
            """
            from flask import Flask, request
            from tickets import db, Ticket
            app = Flask(__name__)

            @app.post("/tickets")
            def open_ticket():
                db.session.add(Ticket(title=request.form["title"]))
                db.session.commit()
                return "ok"

            @app.get("/tickets/full")
            def tickets_full():
                return {"items": [t.as_json(with_watchers=True) for t in Ticket.query.all()]}  # expect
            """,
            message="`t.as_json(...)` runs a query",
            files={"tickets.py": _SWITCHED_DETAIL},
        ),
        # a helper that walks a query built from the id it is given, without ``.all()``: iterating the query
        # runs it, once per ticket of the export
        Invalid(
            """
            from flask import Flask, request
            from tickets import db, Ticket, Watch
            app = Flask(__name__)

            def watcher_ids(ticket_id):
                return [w.user_id for w in Watch.query.filter_by(ticket_id=ticket_id)]

            @app.post("/tickets")
            def open_ticket():
                db.session.add(Ticket(title=request.form["title"]))
                db.session.commit()
                return "ok"

            @app.get("/tickets/export")
            def export():
                return {"rows": [[t.id, watcher_ids(t.id)] for t in Ticket.query.all()]}  # expect
            """,
            message="`watcher_ids(...)` runs a query (`Watch.query`...) once per item",
            files={"tickets.py": _SWITCHED_DETAIL},
        ),
        # a legacy query and a 2.0-style select of two plain columns: one row per book either way, a lookup
        # per row
        Invalid(
            """
            from flask import Flask
            from sqlalchemy import select
            from models import db, Book, Shelf
            app = Flask(__name__)

            @app.post("/books")
            def add_book():
                db.session.add(Book(shelf_id=1))
                db.session.commit()
                return "ok"

            @app.get("/books/shelf-labels")
            def shelf_labels():
                return [db.session.get(Shelf, s).label for _, s in db.session.query(Book.id, Book.shelf_id)]  # expect

            @app.get("/books/index")
            def index():
                out = []
                for row in db.session.execute(select(Book.id, Book.shelf_id)):
                    out.append((row.id, Shelf.query.filter_by(id=row.shelf_id).first().label))  # expect
                return out
            """,
            message="`db.session.get(Shelf, s)` runs once per item of the loop in view `shelf_labels`",
            files={"models.py": _SHELF_MODELS},
        ),
        # the ids the client posts, read by a small helper the view calls: a bulk endpoint runs as many lookups
        # as the request lists
        Invalid(
            """
            from flask import Flask, request
            from models import db, Shelf
            app = Flask(__name__)

            def posted_shelf_ids():
                body = request.get_json()
                return [int(i) for i in body["shelves"]]

            @app.post("/shelves/rename")
            def rename():
                for shelf_id in posted_shelf_ids():
                    db.session.get(Shelf, shelf_id).label = request.get_json()["label"]  # expect
                db.session.commit()
                return "ok"
            """,
            message="`db.session.get(Shelf, shelf_id)` runs once per item of the loop in view `rename`",
            files={"models.py": _SHELF_MODELS},
        ),
        # the rows of one shelf, loaded by a helper that returns one row of whichever model class it is given,
        # of a model declared on an alias of ``db.Model``: each book's ``as_json`` counts its loans with a query
        Invalid(
            """
            from flask import Flask, abort, request
            from models import db, Book, Loan, Shelf

            app = Flask(__name__)


            def fetch_one(model, key):
                row = model.query.filter_by(id=key).first()
                if row is None:
                    abort(404)
                return row


            @app.post("/shelves/<int:sid>/books")
            def add_book(sid):
                book = Book(shelf_id=sid)
                db.session.add(book)
                db.session.add(Loan(book_id=request.json["book"]))
                db.session.commit()
                return "ok"


            @app.get("/shelves/<int:sid>/books")
            def shelf_books(sid):
                shelf = fetch_one(Shelf, sid)
                return {"books": [b.as_json() for b in shelf.books]}  # expect
            """,
            message="`b.as_json(...)` runs a query (`Loan.query`...) once per item of the loop",
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            Record = db.Model


            class Shelf(Record):
                id = db.Column(db.Integer, primary_key=True)
                books = db.relationship("Book", backref="shelf")


            class Book(Record):
                id = db.Column(db.Integer, primary_key=True)
                shelf_id = db.Column(db.Integer, db.ForeignKey("shelf.id"))

                def as_json(self):
                    return {"id": self.id, "loans": Loan.query.filter_by(book_id=self.id).count()}


            class Loan(Record):
                id = db.Column(db.Integer, primary_key=True)
                book_id = db.Column(db.Integer, db.ForeignKey("book.id"))
            """
            },
            preview=True,
        ),
        # the query narrowed through a second name and united with another filter is still the crews query:
        # each crew's ``headcount`` counts its sailors with a query of its own
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)


            class Crew(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                owner_id = db.Column(db.Integer)
                public = db.Column(db.Boolean)

                def headcount(self):
                    return Sailor.query.filter_by(crew_id=self.id).count()


            class Sailor(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                crew_id = db.Column(db.Integer, db.ForeignKey("crew.id"))


            @app.post("/crews")
            def add_crew():
                db.session.add(Crew(owner_id=current_user.id, public=request.json["public"]))
                db.session.add(Sailor(crew_id=request.json["crew"]))
                db.session.commit()
                return "ok"


            @app.get("/crews")
            def crews():
                q = db.session.query(Crew)
                mine = q.filter(Crew.owner_id == current_user.id)
                q = mine.union(q.filter(Crew.public.is_(True)))
                return [{"id": c.id, "size": c.headcount()} for c in q.all()]  # expect
            """,
            message="`c.headcount(...)` runs a query (`Sailor.query`...) once per item of the loop in view `crews`",
        ),
    )

    def start(self) -> None:
        self._seen: set[tuple[str, int, str]] = set()
        self._key_loops: dict[int, ast.GeneratorExp] = {}
        self._over_data: dict[Loop, bool] = {}
        self._items: dict[Loop, dict[str, ModelInfo]] = {}

    def _loop_over_data(self, loop: Loop, ctx: Context) -> bool:
        """The loop walks data, not a fixed collection written in the code, and does not stop at a match.

        Answered once per loop (every call in its body asks; the loop and its function do not change).
        """
        answer = self._over_data.get(loop)
        if answer is None:
            answer = self._over_data[loop] = self._walks_data(loop, ctx)
        return answer

    def _row_items(self, loop: Loop, ctx: Context) -> dict[str, ModelInfo]:
        """:func:`_row_items`, answered once per loop (every call in its body asks, as for
        :meth:`_loop_over_data`). Not to be changed by the caller."""
        items = self._items.get(loop)
        if items is None:
            items = self._items[loop] = _row_items(loop, ctx)
        return items

    @staticmethod
    def _walks_data(loop: Loop, ctx: Context) -> bool:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            return not (
                fixed_collection(ctx.project, loop.iter, ctx.function) or stops_at_first_match(ctx.project, loop)
            )
        return not all(fixed_collection(ctx.project, g.iter, ctx.function) for g in loop.generators)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job):
            return
        if (
            isinstance(node.func, (ast.Name, ast.Attribute))
            and _last_name(node.func) in RENDER_CALLS
            and dotted(node.func) is not None  # spelled only for a render call's name: every call comes here
        ):
            self._template(node, ctx)
            return
        if uses_mongo(ctx.project) and self._document_per_item(node, ctx):
            return
        if uses_record_api(ctx.project) and self._record_per_item(node, ctx):
            return
        if not uses_sqlalchemy(ctx.project):
            return
        if isinstance(node.func, (ast.Name, ast.Attribute)) and _last_name(node.func) in DUMP_CALLS:
            dump = dump_of(ctx.project, ctx.module, ctx.function, node)
            if dump is not None and dump.serializer.calls:
                self._serialized(dump, ctx)
        mapped = function_loop(node)
        if mapped is not None and self._loop_over_data(mapped, ctx):
            # ``map(customer_email, orders)``: the named function runs once per item, as a loop's body would
            assert isinstance(mapped.elt, ast.Call)
            self._helper_per_item(mapped.elt, mapped, loop_names(ctx.project, mapped), ctx)
        loop = enclosing_loop(ctx, node) or self._key_function_loop(ctx)
        if loop is None or not self._loop_over_data(loop, ctx):
            return
        names = loop_names(ctx.project, loop)
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        grand = ctx.ancestors[-2] if len(ctx.ancestors) > 1 else None
        if isinstance(parent, ast.Attribute) and isinstance(grand, ast.Call) and grand.func is parent:
            return  # the outer call of the chain decides (``execute(...).scalars().first()``)
        query = is_query_execution(node, ctx, helpers=True)
        if query is not None:
            if filters_by_list(query) and _one_item_in(query, item_names(ctx.project, loop)) is not None:
                pass  # ``.filter(M.id.in_([row.id]))``: a list of one key, built anew for each item
            elif filters_by_list(query):
                self._one_item_batch(node, loop, ctx)  # ``store.get_all(ids=[row.id])``: the helper's in_() list
                return
            elif not uses_any(node, names):
                return
            if self._already_loaded(node, query, loop, ctx):
                return  # ``session.get(Project, project.id)`` over Project rows: the identity map answers
            if _parent_key_lookup(node, query, item_names(ctx.project, loop)) and few_parents_table(
                ctx.project, query.model
            ):
                # ``Role.query.get(u.role_id)`` of a reference table: one query per distinct role, then the
                # identity map answers the items that share one
                return
            self._judge(
                node,
                loop,
                ctx,
                f"{query_label(query, node)} runs once per item of the loop",
                [],
                pk_lookup=bool(query.names & {"get", "get_or_404"}),
                helper=None,
                queried=query.model,
                bulk_delete=query.outer == BULK_DELETE,
            )
            return
        self._helper_per_item(node, loop, names, ctx)

    def _serialized(self, dump: Dump, ctx: Context) -> None:
        """``PostSchema(many=True).dump(posts)`` whose ``fields.Method("get_likes")`` queries with its object:
        the schema runs the method once per row, as ``[schema.get_likes(p) for p in posts]`` would."""
        for field in dump.serializer.calls:
            item = ast.Name(id=MAPPED_ITEM, ctx=ast.Load())
            call = ast.copy_location(
                ast.Call(func=ast.Name(id=field.function.name, ctx=ast.Load()), args=[item]), dump.site
            )
            target = ast.Name(id=MAPPED_ITEM, ctx=ast.Store())
            loop = ast.copy_location(
                ast.GeneratorExp(elt=call, generators=[ast.comprehension(target, dump.rows, [], 0)]), dump.site
            )
            ast.fix_missing_locations(loop)
            if ctx.function is None or not self._loop_over_data(loop, ctx):
                continue
            found = item_query(ctx.project, ctx.function, call, callee=field.function)
            if found is None:
                continue
            qcall, query = found.found.call, found.found.query
            last = found.helpers[-1]
            self._judge(
                call,
                loop,
                ctx,
                f"{dump.text} runs `{field.function.display}` ({field.how}, field `{field.field}` of "
                f"`{dump.serializer.name}`) on every row it serializes, and that runs a query "
                f"(`{query.text}`...) once per row",
                [
                    Evidence(f"`{dump.serializer.name}.{field.field}` declared here", field.location),
                    Evidence(
                        f"query in `{last.display}`", Location(last.module.path, qcall.lineno, qcall.col_offset + 1)
                    ),
                ],
                pk_lookup=bool(query.names & {"get", "get_or_404"}),
                helper=found.helpers[0],
                helpers=found.helpers,
                queried=query.model,
                at=dump.site,
            )

    def _helper_per_item(self, node: ast.Call, loop: Loop, names: frozenset[str], ctx: Context) -> None:
        """``owner_name(row.owner_id)``: a project function the loop calls with the item, that queries with it."""
        if not uses_any(node, names) or ctx.function is None:
            return
        # a query under ``if realm_names is None:`` does not run when the loop passes realm_names
        rows = self._row_items(loop, ctx)
        found = item_query(ctx.project, ctx.function, node, items=rows, given=item_names(ctx.project, loop))
        same = False
        if found is None:
            # ``row_for(ticket, board_id)`` whose query reads only ``board_id``: the same query on every item
            found = item_query(ctx.project, ctx.function, node, items=rows)
            same = found is not None
        if found is None:
            self._one_item_batch(node, loop, ctx)
            return
        qcall, query = found.found.call, found.found.query
        helper = found.helpers[0]
        via = "".join(f" → `{h.display}`" for h in found.helpers[1:])
        if helper.name in ("__new__", "__init__"):
            via = f" (its constructor `{helper.name}`){via}"  # ``Tag(name=n)`` whose constructor looks the row up
        self._judge(
            node,
            loop,
            ctx,
            f"`{dotted(node.func) or _short(node.func)}(...)`{via} runs a query (`{query.text}`...) once per item of the loop",
            [
                Evidence(
                    f"query in `{found.helpers[-1].display}`",
                    Location(found.helpers[-1].module.path, qcall.lineno, qcall.col_offset + 1),
                )
            ],
            pk_lookup=bool(query.names & {"get", "get_or_404"}),
            helper=helper,
            helpers=found.helpers,
            queried=query.model,
            same_arguments=same,
            bulk_delete=query.outer == BULK_DELETE,
        )

    def _key_function_loop(self, ctx: Context) -> ast.GeneratorExp | None:
        """``sorted(jobs, key=lambda j: j.num_assigned_agents())``: the key function runs once per item.

        The lambda given as ``key=`` to ``sorted``/``min``/``max``/``list.sort`` (or as the function of
        ``map``/``filter``) is a loop body over what the call walks; returned as the comprehension it
        amounts to (``(j.num_assigned_agents() for j in jobs)``), one per lambda.
        """
        ancestors = ctx.ancestors
        for index in range(len(ancestors) - 1, 0, -1):
            node = ancestors[index]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return None
            if not isinstance(node, ast.Lambda):
                continue
            if id(node) in self._key_loops:
                return self._key_loops[id(node)]
            parent = ancestors[index - 1]
            call = ancestors[index - 2] if isinstance(parent, ast.keyword) and index >= 2 else parent
            rows = key_function_rows(node, parent, call)
            args = node.args
            if rows is None or len(args.args) != 1 or args.vararg or args.kwonlyargs:
                return None
            target = ast.copy_location(ast.Name(id=args.args[0].arg, ctx=ast.Store()), node)
            loop = ast.copy_location(
                ast.GeneratorExp(elt=node.body, generators=[ast.comprehension(target, rows, [], 0)]), node
            )
            self._key_loops[id(node)] = loop
            return loop
        return None

    def _template(self, render: ast.Call, ctx: Context) -> None:
        """``{% for p in projects %}{{ p.get_bills().count() }}``: a query per row of what the view renders.

        The template's loop walks the rows the view passes; a method of the row's model, a template filter
        or global (``p.tags|tags_excerpt``) called with the row there runs its query once per row.
        """
        if not uses_sqlalchemy(ctx.project) or ctx.function is None:
            return
        for loop in rendered_loops(ctx.project, (render, ctx.module.path)):
            found = loop_rows(loop.iterable, ctx, helpers=True)
            # ``categories=current_user.categories``: the signed-in user's own rows, as many as they add
            rows: Query | UserCollection | None = (
                found if found is not None and found.model is not None else user_collection(loop.iterable, ctx)
            )
            if rows is None:
                continue
            model = rows.model if isinstance(rows, Query) else rows.items
            assert model is not None
            items = {loop.var: model}
            lines: set[tuple[str, int]] = set()
            for part in loop.body:
                for call in walk(part):
                    if not isinstance(call, ast.Call) or not uses_any(call, {loop.var}):
                        continue
                    where = loop.location(call)
                    if (where.path, where.line) in lines:
                        continue
                    what = self._template_query(call, loop, model, items, ctx)
                    if what is None:
                        continue
                    lines.add((where.path, where.line))
                    self._template_report(call, loop, rows, what, ctx)

    @staticmethod
    def _template_query(
        call: ast.Call, loop: TemplateLoop, model: ModelInfo, items: dict[str, ModelInfo], ctx: Context
    ) -> tuple[str, list[Evidence], tuple[FunctionInfo, ...]] | None:
        """What query ``call`` in the template runs per row: the message, its evidence and the helpers."""
        assert ctx.function is not None
        query = is_query_execution(call, ctx, helpers=True) if not template_call(ctx.project, call) else None
        if query is not None and query.model is not None and not filters_by_list(query):
            return f"{query_label(query, call)} runs once per row", [], ()
        method_query = _row_method_query(call, loop.var, model, ctx)
        if method_query is not None:
            method, query = method_query
            return (
                f"`{_short(call)}` runs the query `{method.display}` returns (`{query.text}`...) once per row",
                [Evidence(f"`{method.display}` builds the query", method.location)],
                (method,),
            )
        helper = template_call(ctx.project, call)
        found = item_query(ctx.project, ctx.function, call, items=items, callee=helper)
        if found is None:
            return None
        qcall, query = found.found.call, found.found.query
        kind = "the template filter or global " if helper is not None else ""
        via = "".join(f" → `{h.display}`" for h in found.helpers[1:])
        evidence = [
            Evidence(
                f"query in `{found.helpers[-1].display}`",
                Location(found.helpers[-1].module.path, qcall.lineno, qcall.col_offset + 1),
            )
        ]
        return f"{kind}`{_short(call)}`{via} runs a query (`{query.text}`...) once per row", evidence, found.helpers

    def _template_report(
        self,
        call: ast.Call,
        loop: TemplateLoop,
        rows: Query | UserCollection,
        found: tuple[str, list[Evidence], tuple[FunctionInfo, ...]],
        ctx: Context,
    ) -> None:
        assert ctx.function is not None
        what, extra, helpers = found
        if isinstance(rows, UserCollection):
            model = rows.items
            less, owned = _owned_evidence(rows, loop.iterable, ctx, [])
            source = f"`{_short(loop.iterable)}`, the signed-in user's `{model.name}` rows"
            extra = [*owned[1:2], *extra]  # where the account's collection is declared
        else:
            assert rows.model is not None
            model = rows.model
            less = few_rows(rows, ctx)
            less = f"the loop walks {less}" if less is not None else None
            source = f"the rows of {query_label(rows, loop.iterable)}"
        if less is None:
            for fn in (ctx.function, *helpers):
                cached = cached_result(ctx.project, fn)
                if cached is not None:
                    less = f"{cached} caches the result, so the queries run only on a cache miss"
                    break
        if less is not None and not self.preview_enabled:
            return
        evidence = [
            Evidence("the loop", loop.location(loop.node)),
            Evidence(
                f"{describe_context(ctx)} renders `{loop.shown_name}` with {source} as `{loop.passed.arg}`",
                ctx.location(loop.passed.value),
            ),
            *extra,
        ]
        insert = user_facing_insert(ctx.project, model)
        if insert is not None:
            evidence.append(Evidence(f"`{insert.function.display}` adds `{model.name}` rows", insert.location))
        note = f" (a note: {less})" if less else ""
        ctx.report(
            self.finding(
                loop.location(call),
                f"{what} of the loop `{{% for {loop.var} in ... %}}` in template `{loop.shown_name}` (rendered by "
                f"{describe_context(ctx)}): N rows make N+1 database round trips{note}",
                hint="Load what each row needs with the rows (`selectinload`, a join, one grouped query passed to "
                "the template as a dict) instead of querying from the template.",
                evidence=evidence,
                severity=Severity.NOTE if less else None,
            )
        )

    def _document_per_item(self, node: ast.Call, ctx: Context) -> bool:
        """A MongoDB single-document read run per item (``find_one``, ``objects.get``): ``True`` once judged.

        Reported only when the loop walks the documents of a read (a warning when the collection grows) or
        data the client sent (a warning, as for SQL rows): a loop over anything else gives no evidence of N.
        """
        lookup = document_lookup(node, ctx) or _document_method(node, ctx)
        if lookup is None:
            return False
        loop = enclosing_loop(ctx, node)
        if loop is None or not self._loop_over_data(loop, ctx) or not uses_any(node, loop_names(ctx.project, loop)):
            return True
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        docs = loop_documents(iterable, ctx)
        sent = _client_sent(iterable, ctx) if docs is None else None
        if docs is None and sent is None:
            return True
        what = f"{lookup.describe(node)} once per item of the loop"
        if not uses_any(node, item_names(ctx.project, loop)):
            what = what.replace("once per item of the loop", "again on every iteration with the same arguments")
            less: str | None = "hoist it above the loop: the arguments do not change from one item to the next"
            evidence: list[Evidence] = []
        elif docs is None:
            less = _typed_words(iterable, ctx)
            evidence = [] if less else sent or []
        else:
            less, evidence = documents_evidence(docs)
        if less is None:
            less = self._served_once(node, loop, ctx, lookup.helpers)
        if less is None:
            less = _worth_little(node, loop, ctx, lookup.helpers)
        if less is None and any(writes_documents(fn, ctx.project) for fn in lookup.helpers):
            less = "the helper also writes per item (get-or-create), which batching a read does not remove"
        if less is None or self.preview_enabled:
            hint = (
                "Read all documents in one query before the loop (`{'_id': {'$in': ids}}`, "
                "`Model.objects(id__in=ids)`) or join them with an `$lookup` stage."
            )
            self._report(node, loop, ctx, what, [*evidence, *lookup.evidence()], less, None, hint=hint)
        return True

    def _one_item_batch(self, node: ast.Call, loop: Loop, ctx: Context) -> None:
        """``db.get_all(identifier=[scope.identifier])`` in a loop: the helper's query filters with ``in_()`` on
        the list it is given, a batched load, but the loop hands it a list of one key built from each item.

        The query runs once per item as a lookup by key would; reported as any helper query is (``_judge``).
        """
        given = [*node.args, *(kw.value for kw in node.keywords)]
        if not any(isinstance(arg, (ast.List, ast.Tuple, ast.Set)) and len(arg.elts) == 1 for arg in given):
            return  # no list of one element (checked first: the loop's item names cost a walk of the loop)
        items = item_names(ctx.project, loop)
        if not any(_one_item_list(arg, items) for arg in given):
            return
        helper = method_called(ctx, node)
        if helper is None or helper is ctx.function:
            return
        filled = _params_given_one_key(node, helper, items)
        if not filled:
            return
        keyed = _batch_query_on(ctx.project, helper, filled)
        if keyed is None:
            return
        qcall, query = keyed
        self._judge(
            node,
            loop,
            ctx,
            f"`{dotted(node.func) or _short(node.func)}(...)` runs a query (`{query.text}`...) with `in_()` on a list of one key, once per "
            "item of the loop",
            [
                Evidence(
                    f"query in `{helper.display}`, filtering with `in_()` on the list given",
                    Location(helper.module.path, qcall.lineno, qcall.col_offset + 1),
                )
            ],
            pk_lookup=False,
            helper=helper,
            helpers=(helper,),
            queried=query.model,
        )

    def _record_per_item(self, node: ast.Call, ctx: Context) -> bool:
        """A record API's one-record read run per item (``Item.get_record_by_pid(hit["pid"])``, directly or in a
        project helper the loop hands the item to): ``True`` once judged.

        Reported when the loop walks every hit of a search's ``scan()`` (unpaged), the rows of a query or
        data the client sent; a loop over anything else is a note for ``--preview``.
        """
        loop = enclosing_loop(ctx, node)
        if loop is None:
            return False
        lookup = record_lookup(node, ctx, item_names(ctx.project, loop))
        if lookup is None:
            return False
        if not self._loop_over_data(loop, ctx):
            return True
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        scan = _search_hits(iterable, ctx)
        if scan is not None:
            less: str | None = None
            evidence = [_hits_evidence(scan, ctx)]
        else:
            less, evidence = self._rows_evidence(iterable, loop, ctx, lookup.helpers[0] if lookup.helpers else None)
        if less is None:
            less = self._served_once(node, loop, ctx, lookup.helpers)
        if less is None and isinstance(loop, (ast.For, ast.AsyncFor)) and writes_each(loop.body) is not None:
            less = "the loop writes each record back (`.commit()` per item), which batching the reads does not remove"
        if less is None and isinstance(loop, (ast.For, ast.AsyncFor)) and ctx.function is not None:
            indexed = indexed_each(ctx.project, ctx.function, loop, node)
            if indexed is not None:
                less = (
                    f"the records loaded go to the search index one by one (`{_short(indexed)}`), a write per "
                    "record that batching the reads does not remove"
                )
        if less is not None and not self.preview_enabled:
            return True
        if lookup.helpers:
            where = lookup.helpers[-1]
            evidence.append(
                Evidence(
                    f"`{_short(lookup.call)}` in `{where.display}`",
                    Location(where.module.path, lookup.call.lineno, lookup.call.col_offset + 1),
                )
            )
        once = (ctx.module.path, loop.lineno, "one-record read")
        if once in self._seen:
            return True  # one finding per loop: its first per-item read names the cost
        self._seen.add(once)
        hint = (
            "Collect the ids first and load the records in one call (`Record.get_records(ids)`), or index what "
            "the loop needs so that the search hits carry it."
        )
        self._report(
            node, loop, ctx, f"{lookup.describe(node)} once per item of the loop", evidence, less, None, hint=hint
        )
        return True

    @staticmethod
    def _already_loaded(node: ast.Call, query: Query, loop: Loop, ctx: Context) -> bool:
        """A primary-key lookup of an object the loop's query already loaded: its own rows, or a relationship
        it loads eagerly.

        ``for p in Project.query.limit(20): db.session.get(Project, p.id)`` asks the session for
        an object it already holds; ``Session.get`` answers from the identity map with no query.
        """
        if not query.names & {"get", "get_or_404"} or query.model is None:
            return False
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        rows = loop_rows(iterable, ctx, helpers=True)
        if rows is None or rows.model is None:
            return False
        key = node.args[-1] if node.args else None
        if not (
            isinstance(key, ast.Attribute)
            and isinstance(key.value, ast.Name)
            and key.value.id in item_names(ctx.project, loop)
        ):
            return False
        if rows.model.qualname == query.model.qualname:
            return key.attr == "id"
        # ``for p in Post.query.options(joinedload(Post.author)): db.session.get(User, p.author_id)``: the query
        # already put every author in the session
        return any(
            rel.target.rsplit(".", 1)[-1] == query.model.name and loads_eagerly(rows, rel.attr)
            for rel in relations(ctx.project, rows.model).values()
        )

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        """``for row in Model.query.filter_by(parent=item):`` inside a loop over items runs the query per item."""
        self._iterated(node.iter, node, ctx)
        self._row_properties(node, list(node.body), ctx)
        self._raw_rows(node, list(node.body), ctx)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension, ctx: Context) -> None:
        comp = ctx.ancestors[-1] if ctx.ancestors else None
        first = (
            isinstance(comp, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) and comp.generators[0] is node
        )
        # the first generator's iterable runs once per run of the comprehension: its loop is the one around it
        self._iterated(node.iter, node.iter, ctx, scope=node if first else None)
        if first:
            assert isinstance(comp, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
            parts = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
            self._row_properties(comp, [*parts, *node.ifs, *comp.generators[1:]], ctx)
            self._raw_rows(comp, [*parts, *node.ifs], ctx)

    def _raw_rows(self, loop: Loop, body: list[ast.AST], ctx: Context) -> None:
        """``for r in db.execute("SELECT ... FROM orders").fetchall():`` running ``db.execute("SELECT ...
        WHERE id = ?", (r["customer_id"],))`` per row: the N+1 of an application writing SQL text (sqlite3,
        psycopg2, PyMySQL). A warning when request or job code adds rows to the outer table (``INSERT INTO``)
        and nothing cuts the loop short; else a note with ``--preview``."""
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job):
            return
        if not writes_select_text(ctx.project, ctx.module.name):
            return  # no SQL text in this module: nothing below can find a SELECT (and the taint of `sent` is dear)
        assert ctx.function is not None
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        selects = [found for part in body for sub in _outside_functions(part) if (found := raw_select(sub)) is not None]
        if not selects:
            return  # most loops run no SQL text: where their rows come from is not asked
        rows = raw_rows(iterable, ctx.function.node, iterable.lineno)
        if rows is not None:
            selects = [found for found in selects if found.call is not rows.call]
        names = item_names(ctx.project, loop)
        inner = next((found for found in selects if any(uses_any(i, names) for i in found.inputs)), None)
        if inner is None:
            return
        # what the client sent is asked last: its taint is dear, and only a loop running a SELECT per item needs it
        sent = _client_sent(iterable, ctx) if rows is None else None
        if rows is None and sent is None:
            return
        if isinstance(loop, (ast.For, ast.AsyncFor)) and stops_at_first_match(ctx.project, loop):
            return
        if rows is None:
            assert sent is not None
            # a bulk endpoint: as many SELECTs as the request lists
            self._raw_report(inner.call, loop, ctx, f"`{inner.label}` runs once per item of the loop", sent)
            return
        table = f"`{rows.table}`" if rows.table else "its table"
        evidence = [Evidence(f"the loop walks the rows of `{rows.label}`", ctx.location(rows.call))]
        added = raw_inserts(ctx.project).get(rows.table or "")
        less: str | None = None
        if rows.limit is not None and rows.limit <= 5:
            less = f"the SELECT caps the loop at {rows.limit} rows, so at most {rows.limit} extra queries run"
        elif added is None:
            less = f"nothing in request or job code adds rows to {table}, so the rows may stay few"
        else:
            evidence.append(Evidence(f"`{added[0].display}` adds rows to {table}", added[1]))
        what = f"`{inner.label}` runs once per row of the loop over `{rows.label}`"
        self._raw_report(inner.call, loop, ctx, what, evidence, less)

    def _raw_report(
        self, node: ast.Call, loop: Loop, ctx: Context, what: str, evidence: list[Evidence], less: str | None = None
    ) -> None:
        """Report a SELECT in SQL text run per item, unless a cache, a memo, a ``return`` or a costlier call per
        item makes it little (a note with ``--preview``)."""
        if less is None:
            less = self._served_once(node, loop, ctx, ())
        if less is None:
            less = _worth_little(node, loop, ctx, ())
        if less is not None and not self.preview_enabled:
            return
        self._report(
            node,
            loop,
            ctx,
            what,
            evidence,
            less,
            None,
            hint="Read the related rows in one query before the loop (a JOIN, or `WHERE id IN (...)` with every "
            "id) and match them up in Python.",
        )

    def _row_properties(self, loop: Loop, body: list[ast.AST], ctx: Context) -> None:
        """``{p.path: p.view_user_count for p in posts}``: a property of the rows' model whose getter runs a
        query built from ``self`` runs it once per row, as a method called on each row would."""
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job) or not uses_sqlalchemy(ctx.project):
            return
        items = self._row_items(loop, ctx)
        if not items or not self._loop_over_data(loop, ctx):
            return
        ((var, model),) = items.items()
        # ``syntax.walk``: ``ast.walk``'s nodes in its order, as lists (every loop over rows in a request comes here)
        called = {id(n.func) for part in body for n in walk(part) if isinstance(n, ast.Call)}
        # first: a query the related row's property runs on every item costs more than the lookup of that row
        # (the identity map answers it for the items that share the row), and one finding is said per line
        self._related_properties(var, model, loop, body, ctx, called)
        for part in body:
            for node in walk(part):
                if not (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == var
                    and isinstance(node.ctx, ast.Load)
                    and id(node) not in called
                ):
                    continue
                found = property_query(ctx.project, model, node.attr)
                if found is None:
                    continue
                qcall, query = found.found.call, found.found.query
                chain = " → ".join(f"`{h.display}`" for h in found.helpers)
                self._judge(
                    node,
                    loop,
                    ctx,
                    f"`{_short(node)}` runs the property {chain}, a query (`{query.text}`...), once per item of the loop",
                    [
                        Evidence(
                            f"query in `{found.helpers[-1].display}`",
                            Location(found.helpers[-1].module.path, qcall.lineno, qcall.col_offset + 1),
                        )
                    ],
                    pk_lookup=bool(query.names & {"get", "get_or_404"}),
                    helper=found.helpers[0],
                    helpers=found.helpers,
                )

    def _related_properties(
        self, var: str, model: ModelInfo, loop: Loop, body: list[ast.AST], ctx: Context, called: set[int]
    ) -> None:
        """``item.kind.features``: a property of the one row each item leads to (a property returning
        ``Kind.query.get(self.kind_id)``, or a many-to-one relationship) whose getter runs a query built from
        ``self``. The getter runs again on every item, even when the items share that row, unless it keeps
        its result (``cached_property``)."""
        for part in body:
            for node in walk(part):
                if not (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Attribute)
                    and isinstance(node.value.value, ast.Name)
                    and node.value.value.id == var
                    and isinstance(node.ctx, ast.Load)
                    and id(node) not in called
                ):
                    continue
                parent = property_row_model(ctx.project, model, node.value.attr)
                if parent is None or cached_getter(ctx.project, parent, node.attr):
                    continue
                found = property_query(ctx.project, parent, node.attr)
                if found is None:
                    continue
                qcall, query = found.found.call, found.found.query
                chain = " → ".join(f"`{h.display}`" for h in found.helpers)
                self._judge(
                    node,
                    loop,
                    ctx,
                    f"`{_short(node)}` runs the property {chain} of each item's `{node.value.attr}`, a query "
                    f"(`{query.text}`...), once per item of the loop",
                    [
                        Evidence(
                            f"query in `{found.helpers[-1].display}`",
                            Location(found.helpers[-1].module.path, qcall.lineno, qcall.col_offset + 1),
                        )
                    ],
                    pk_lookup=bool(query.names & {"get", "get_or_404"}),
                    helper=found.helpers[0],
                    helpers=found.helpers,
                )

    def _iterated(self, iterable: ast.expr, at: ast.AST, ctx: Context, scope: ast.AST | None = None) -> None:
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job) or not uses_sqlalchemy(ctx.project):
            return
        query = query_of(iterable, ctx)
        if query is None or query.model is None or query.outer in EXECUTE or bound_reason(query, ctx) == "in_()":
            return
        if query.root == "select" and not (query.names & SESSION_EXECUTE):
            return
        loop = enclosing_loop(ctx, scope or at)
        if loop is None or not self._loop_over_data(loop, ctx) or not uses_any(iterable, loop_names(ctx.project, loop)):
            return
        call = iterable if isinstance(iterable, ast.Call) else None
        what = f"iterating {query_label(query, iterable)} runs a query once per item of the loop"
        self._judge(call or at, loop, ctx, what, [], pk_lookup=False, helper=None, at=iterable)

    def _judge(
        self,
        node: ast.AST,
        loop: Loop,
        ctx: Context,
        what: str,
        extra: list[Evidence],
        *,
        pk_lookup: bool,
        helper: FunctionInfo | None,
        at: ast.AST | None = None,
        helpers: tuple[FunctionInfo, ...] = (),
        queried: ModelInfo | None = None,
        same_arguments: bool = False,
        bulk_delete: bool = False,
    ) -> None:
        """Decide how loud to be, and whether to speak without ``--preview``.

        Strong evidence (reported by default, a warning): the loop walks the
        rows of a query on a table that grows, the query reads with the
        item's value, and no cache, memo or early ``return`` cuts it to one
        run. Anything weaker is a note that only ``--preview`` shows.
        ``same_arguments``: the call reads the item, but the helper's query
        only reads what the call passes besides it (hoist it, as for a query
        that does not read the item at all). ``bulk_delete``: the statement is
        a ``Query.delete()``, a write that one ``in_()`` statement replaces.
        """
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        evidence: list[Evidence] = []
        less: str | None = None
        if same_arguments or not uses_any(node, item_names(ctx.project, loop)):
            if pk_lookup:
                return  # ``session.get(M, same_id)``: after the first iteration the identity map answers
            what = what.replace("once per item of the loop", "again on every iteration with the same arguments")
            less = "hoist it above the loop: the arguments do not change from one item to the next"
        else:
            less, evidence = self._rows_evidence(iterable, loop, ctx, helper, queried)
        if less is None and bulk_delete:
            less = _delete_not_batched(iterable, ctx, queried)
        if less is None:
            less = self._served_once(node, loop, ctx, helpers, bulk_delete=bulk_delete)
        if less is None:
            less = _worth_little(node, loop, ctx, helpers)
        if less is not None and not self.preview_enabled:
            return
        hint = (
            "Delete the rows of all items in one statement (`filter(Model.key.in_(keys)).delete()`) and commit "
            "once after the loop."
            if bulk_delete
            else None
        )
        self._report(node, loop, ctx, what, [*evidence, *extra], less, at, hint=hint)

    def _served_once(
        self,
        node: ast.AST,
        loop: Loop,
        ctx: Context,
        helpers: tuple[FunctionInfo, ...],
        *,
        bulk_delete: bool = False,
    ) -> str | None:
        """Why the per-item query may not really run per item, or be the cost to cut (a note), else ``None``.

        A helper whose only writes are the bulk delete it runs and a commit (``mark_stale(book)``: delete the
        book's stats, commit) writes nothing that one ``in_()`` delete before a single commit would not.
        """
        assert ctx.function is not None
        for fn in (ctx.function, *helpers):
            cached = cached_result(ctx.project, fn)
            if cached is not None:
                return f"{cached} caches the result, so the queries run only on a cache miss"
        for fn in helpers:
            if bulk_delete and not _writes_objects(fn):
                continue
            if writes_rows(ctx.project, fn):
                return f"`{fn.display}` also writes per item (get-or-create), which batching a read does not remove"
        if isinstance(loop, (ast.For, ast.AsyncFor)) and _returns_inside(loop, node):
            return "the loop can `return` at an item, so it may stop early like a search"
        if _memoised(node, loop):
            return "the result is kept in a dict the loop checks first, so each key is queried once"
        for fn in helpers[:1]:
            store = _instance_memo(fn)
            if store is not None:
                return f"`{fn.display}` checks `{store}` for the key first, so each key is queried once"
        return None

    @staticmethod
    def _rows_evidence(
        iterable: ast.expr, loop: Loop, ctx: Context, helper: FunctionInfo | None, queried: ModelInfo | None = None
    ) -> tuple[str | None, list[Evidence]]:
        """Why N is small (a note), or the evidence that N grows with the data (a warning)."""
        assert ctx.function is not None
        if (helper is not None and DELETES().search(helper.name)) or (
            DELETES().search(ctx.function.name) and deletes_per_item(loop)
        ):
            return "each item is deleted with its own cascade, which needs a write per item anyway", []
        rows = loop_rows(iterable, ctx, helpers=True)
        passed: list[Evidence] = []
        if rows is None:
            fed = rows_passed_in(iterable, ctx)
            if fed is not None:
                passed.extend(fed.evidence(ctx.function, "them"))
                rows, ctx, iterable = fed.query, fed.ctx, fed.value
        if rows is None:
            sent = _client_sent(iterable, ctx)
            if sent is not None:
                typed = _typed_words(iterable, ctx)
                return typed, ([] if typed else sent)
            filled = _filled_from(iterable, ctx)
            if filled is not None:
                rows, extra, source = filled
                if rows is None:
                    return None, extra
                passed.extend(extra)
                iterable = source
        if rows is None:
            # ``for cve in cves: for v in cve.vendors: Vendor.query...``: the inner list belongs to each row of
            # an outer loop over a query, so the query runs per inner item of every outer row
            outer = outer_loop(ctx, loop)
            if outer is not None and uses_any(iterable, item_names(ctx.project, outer)):
                outer_iter = outer.iter if isinstance(outer, (ast.For, ast.AsyncFor)) else outer.generators[0].iter
                outer_rows = loop_rows(outer_iter, ctx, helpers=True)
                if outer_rows is not None and outer_rows.model is not None:
                    passed.append(
                        Evidence(f"`{_short(iterable)}` is read from each row of an outer loop", ctx.location(loop))
                    )
                    rows, iterable = outer_rows, outer_iter
        if rows is None:
            # ``{{ change.tags|tags_excerpt }}`` in a template loop over a query's rows: the filter, and its loop
            # over what the template passes, runs once per rendered row
            row_call = _template_row_call(iterable, ctx)
            if row_call is not None:
                rows, iterable = row_call.rows, row_call.loop.iterable
                ctx = helper_context(ctx.project, row_call.view)
                passed.append(
                    Evidence(
                        f"the template filter or global `{row_call.function.name}` runs on each row of the loop "
                        f"`{{% for {row_call.loop.var} in ... %}}` in template `{row_call.loop.shown_name}`",
                        row_call.loop.location(row_call.call),
                    )
                )
        if rows is None:
            # ``for comment in post.comments``: one loaded object's collection, its rows loaded in one query
            held = parent_collection(iterable, ctx)
            if held is not None:
                return _collection_evidence(held, iterable, ctx, passed)
            # ``for b in current_user.bookmarks``: the signed-in user's own rows, one query, growing with their use
            owned = user_collection(iterable, ctx)
            if owned is not None:
                return _owned_evidence(owned, iterable, ctx, passed)
        if rows is None:
            # ``for hit in search.scan(): Item.query.get(hit.id)``: every hit of a search, unpaged
            scan = _search_hits(iterable, ctx)
            if scan is not None:
                return None, [*passed, _hits_evidence(scan, ctx)]
        if rows is None:
            # ``for name in os.listdir(LOG_DIR): TaskLog.query.filter_by(identifier=name)``: the files mirror
            # rows of a table that grows, so the directory grows with it
            files = _files_of_growing_table(iterable, ctx, queried)
            if files is not None:
                return None, [*passed, *files]
        if rows is None or rows.model is None:
            return f"the loop walks `{_short(iterable)}`, not the rows of a query, so N is set by the caller", []
        # one parent's rows count as many when its children grow (a job's tasks, a queue's jobs): a query per
        # row of them is the per-row work the catalogue calls N+1, unlike a many-to-one the identity map answers
        few = few_rows(rows, ctx, growing_children=True)
        if few is not None:
            return f"the loop walks {few}", []
        model = rows.model
        insert = user_facing_insert(ctx.project, model)
        evidence = [
            Evidence(f"the loop walks the rows of {query_label(rows, iterable)}", ctx.location(iterable)),
            *passed,
        ]
        if insert is not None:
            evidence.append(Evidence(f"`{insert.function.display}` adds `{model.name}` rows", insert.location))
        return None, evidence

    def _report(
        self,
        node: ast.AST,
        loop: Loop,
        ctx: Context,
        what: str,
        extra: list[Evidence],
        less: str | None,
        at: ast.AST | None,
        *,
        hint: str | None = None,
    ) -> None:
        where = at or node
        key = (ctx.module.path, where.lineno, "")
        same = (ctx.module.path, loop.lineno, what)
        if key in self._seen or same in self._seen:
            return
        self._seen.update((key, same))
        loop_node = loop if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        note = f" (a note: {less})" if less else ""
        cost = (
            "N items repeat one query N times" if "same arguments" in what else "N items make N+1 database round trips"
        )
        ctx.report(
            self.finding(
                ctx.location(where),
                f"{what} in {describe_context(ctx)}: {cost}{note}",
                hint=hint
                or "Load all rows in one query before the loop (`Model.id.in_(ids)`, a join) "
                "or eager-load the relationship with `selectinload`.",
                evidence=[Evidence("the loop", ctx.location(loop_node)), *extra],
                severity=Severity.NOTE if less else None,
            )
        )


def _worth_little(node: ast.AST, loop: Loop, ctx: Context, helpers: tuple[FunctionInfo, ...]) -> str | None:
    """Why batching the per-item query would save little, whatever the rows are (a note), else ``None``.

    The code caps the items at a few (``.limit(3)``, ``rows[:5]``), or each iteration already makes a call
    to another service (an e-mail, an HTTP or SDK client call, a command, a file change, a task sent to a
    queue) that costs far more than one more query on the same connection.
    """
    assert ctx.function is not None
    iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
    rows = loop_rows(iterable, ctx, helpers=True)
    filled = _filled_from(iterable, ctx) if rows is None and ctx.function is not None else None
    if filled is not None and filled[0] is not None:
        rows, _, iterable = filled  # ``for r in q.limit(3): ids.append(r.x)``: the cap of the rows it is filled from
    cap = capped_count(rows, iterable, ctx)
    if cap is not None:
        return f"the code caps the loop at {cap} items, so at most {cap} extra queries run"
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return None
    found = _derived(loop, _looked_up(loop, node))

    def read_result(test: ast.expr) -> bool:
        # ``if not referencing_count: os.remove(...)``: the I/O runs only for the items the query picks out
        return uses_any(test, found) or any(sub is node for sub in ast.walk(test))

    io = per_item_io(
        ctx.project, ctx.function, loop.body, helpers=helpers, items=_row_items(loop, ctx), read_result=read_result
    )
    if io is None:
        return None
    where = "" if io.function is ctx.function else f" (in `{io.function.display}`)"
    return f"each item already {io.what}{where}, which costs far more than the query"


def _delete_not_batched(iterable: ast.expr, ctx: Context, deleted: ModelInfo | None) -> str | None:
    """Why a bulk delete per item is no N+1 to batch (a note), else ``None``.

    A function that deletes a parent child table by child table (``_delete_user``) removes each item's rows
    as a cascade would; a delete of the loop's own rows (``for e in orphans: BookShelf...delete()`` over
    ``BookShelf`` rows) drains what the loop walks, each run starting from what is left; a loop over a table
    people configure (``for s in ReportSchedule...: prune logs older than s.retention``) walks a handful.
    """
    assert ctx.function is not None
    if DELETES().search(ctx.function.name):
        return "the function deletes a record's rows table by table, as a cascade would"
    rows = loop_rows(iterable, ctx, helpers=True)
    if rows is None or rows.model is None:
        return None
    if deleted is not None and rows.model.qualname == deleted.qualname:
        return f"the loop deletes the `{deleted.name}` rows it walks, so each run starts from what is left"
    word = configuration_table(rows.model)
    if word is not None:
        return f"the loop walks `{rows.model.name}` rows, a table people configure ({word}s): a handful"
    return None


#: Session calls that write objects one by one (``add``, ``merge``, ``delete(obj)``): not a commit or flush.
_OBJECT_WRITES = frozenset({"add", "add_all", "merge", "delete", "bulk_save_objects"})


def _writes_objects(fn: FunctionInfo) -> bool:
    """``fn`` itself hands objects to a session to write (``add``, ``delete(obj)``), besides committing."""
    for sub in walk(fn.node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _OBJECT_WRITES:
            receiver = (dotted(sub.func.value) or "").rsplit(".", 1)[-1].lower()
            if "session" in receiver or receiver in ("db", "sess"):
                return True
    return False


def _derived(loop: ast.For | ast.AsyncFor, names: set[str]) -> set[str]:
    """``names`` and the names the loop body reads out of them (``compose = composes[0]``, ``state =
    compose.state``); not what a call computes with them, which says nothing of what the query found."""
    found = set(names)
    assigns = [
        ({n.id for t in sub.targets for n in ast.walk(t) if isinstance(n, ast.Name)}, sub.value)
        for stmt in loop.body
        for sub in ast.walk(stmt)
        if isinstance(sub, ast.Assign)
    ]
    changed = True
    while changed:
        changed = False
        for stored, value in assigns:
            while isinstance(value, (ast.Attribute, ast.Subscript)):
                value = value.value
            if stored - found and isinstance(value, ast.Name) and value.id in found:
                found |= stored
                changed = True
    return found


def _row_method_query(call: ast.Call, var: str, model: ModelInfo, ctx: Context) -> tuple[FunctionInfo, Query] | None:
    """``row.get_bills().count()``: a method of the row's model returns a query that the chain runs.

    The method and the query it returns (every ``return`` a query), when ``call`` ends the chain with a
    method that runs it (``.all()``, ``.count()``, ``.first()``...).
    """
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in EXECUTE | {"count"}:
        return None
    node: ast.expr = call.func.value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id == var:
            method = ctx.project._method(model.qualname, node.func.attr)
            if method is None:
                return None
            inner = helper_context(ctx.project, method)
            found: Query | None = None
            for sub in ast.walk(method.node):
                if isinstance(sub, ast.Return) and sub.value is not None:
                    query = query_of(sub.value, inner, helpers=True)
                    if query is None or query.model is None:
                        return None
                    found = found or query
            return (method, found) if found is not None else None
        node = receiver
    return None


def _parent_key_lookup(node: ast.Call, query: Query, items: AbstractSet[str]) -> bool:
    """``Role.query.get(u.role_id)``, ``db.session.get(Role, u.role_id)``: a primary-key lookup by a key the
    loop's item points to (not the item itself, nor its own ``id``): the items that share a parent share the
    object the identity map keeps after the first load."""
    if query.model is None or not (query.names & {"get", "get_or_404"}) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr not in ("get", "get_or_404"):
        return False
    session_get = len(node.args) == 2  # ``session.get(Model, key)``
    key = node.args[1] if session_get else node.args[0] if len(node.args) == 1 else None
    return (
        isinstance(key, ast.Attribute)
        and isinstance(key.value, ast.Name)
        and key.value.id in items
        and key.attr != "id"
    )


def _instance_memo(fn: FunctionInfo) -> str | None:
    """``if dag_id not in self.dags: ...``: the helper tests its parameter against a dict it keeps on the
    instance before loading, so a repeated key costs no query (``DagBag.get_dag``)."""
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self"}
    for sub in ast.walk(fn.node):
        if (
            isinstance(sub, ast.Compare)
            and len(sub.ops) == 1
            and isinstance(sub.ops[0], (ast.In, ast.NotIn))
            and isinstance(sub.left, ast.Name)
            and sub.left.id in params
        ):
            store = dotted(sub.comparators[0]) or ""
            if store.startswith("self.") and store.count(".") == 1:
                return store
    return None


def _outside_functions(node: ast.AST) -> list[ast.AST]:
    """``node`` and every node under it, but not what a nested function, lambda or class holds (it runs later)."""
    found: list[ast.AST] = []
    stack = [node]
    while stack:
        sub = stack.pop()
        found.append(sub)
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(all_child_nodes(sub))
    return found


def _returns_inside(loop: ast.For | ast.AsyncFor, node: ast.AST | None = None) -> bool:
    """A ``return`` in the loop body (not in a nested function): the loop may end at the first item.

    Not a ``return`` under ``if not job:`` (``is None``) where ``job`` holds the looked-up row: that answers
    an error when an id is unknown, and every other request walks all the items.
    """
    missing = _looked_up(loop, node) if node is not None else set()
    stack: list[tuple[ast.AST, bool]] = [(stmt, False) for stmt in loop.body]
    while stack:
        sub, on_miss = stack.pop()
        if isinstance(sub, ast.Return) and not on_miss and not _error_response(sub):
            return True
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(sub, ast.If) and _tests_missing(sub.test, missing):
            stack.extend((child, True) for child in sub.body)
            stack.extend((child, on_miss) for child in sub.orelse)
            continue
        stack.extend((child, on_miss) for child in ast.iter_child_nodes(sub))
    return False


def _error_response(ret: ast.Return) -> bool:
    """``return "invalid request", 400``: the view answers an error for a bad item; a valid request walks every
    item (the loop is no search that stops at a match)."""
    value = ret.value
    return (
        isinstance(value, ast.Tuple)
        and len(value.elts) >= 2
        and isinstance(value.elts[1], ast.Constant)
        and isinstance(value.elts[1].value, int)
        and 400 <= value.elts[1].value < 600
    )


def _looked_up(loop: ast.For | ast.AsyncFor, node: ast.AST) -> set[str]:
    """Names the loop assigns the per-item query's result to (``job = Job.query.filter_by(id=i).first()``)."""
    names: set[str] = set()
    for sub in walk(loop):
        if isinstance(sub, ast.Assign) and any(n is node for n in ast.walk(sub.value)):
            names.update(t.id for t in sub.targets if isinstance(t, ast.Name))
    return names


def _tests_missing(test: ast.expr, names: set[str]) -> bool:
    """``not job``, ``job is None``, ``job == None``: the test that the lookup found nothing."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Name) and test.operand.id in names
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and isinstance(test.left, ast.Name)
        and test.left.id in names
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    )


def _memoised(node: ast.AST, loop: Loop) -> bool:
    """The loop stores results in a dict it tests first (``if key not in seen: seen[key] = lookup(key)``)."""
    stored: set[str] = set()
    tested: set[str] = set()
    for sub in ast.walk(loop):
        if isinstance(sub, ast.Assign) and any(n is node for n in ast.walk(sub.value)):
            stored.update(dotted(t.value) or "" for t in sub.targets if isinstance(t, ast.Subscript))
        if isinstance(sub, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in sub.ops):
            tested.update(dotted(c) or "" for c in sub.comparators)
    return bool((stored & tested) - {""})


def _row_items(loop: Loop, ctx: Context) -> dict[str, ModelInfo]:
    """The loop's item and the model of the rows it walks (``{"net": Network}``), when it walks a query's rows."""
    target, iterable = (
        (loop.target, loop.iter)
        if isinstance(loop, (ast.For, ast.AsyncFor))
        else (loop.generators[0].target, loop.generators[0].iter)
    )
    var, iterable = loop_item(target, iterable)
    if var is None:
        return {}
    rows = loop_rows(iterable, ctx, helpers=True)
    if rows is not None and rows.model is not None:
        return {var: rows.model}
    held = parent_collection(iterable, ctx)
    if held is not None:
        return {var: held.items}
    owned = user_collection(iterable, ctx)
    return {var: owned.items} if owned is not None else {}


def _collection_evidence(
    held: ParentCollection, iterable: ast.expr, ctx: Context, passed: list[Evidence]
) -> tuple[str | None, list[Evidence]]:
    """Why a loop over one object's collection (``post.comments``) is few rows (a note), or that it grows."""
    model = held.items
    insert = user_facing_insert(ctx.project, model)
    source = f"`{_short(held.source)}`, the `{model.name}` rows of one `{held.parent.name}`"
    if insert is None or grows(ctx.project, model) is None:
        # one parent's rows are many only when the child table grows and code adds to it (as in ``few_rows``)
        return f"the loop walks {source}, and nothing shows `{model.name}` growing with use: its rows are few", []
    evidence = [
        Evidence(f"the loop walks {source} (loaded in one query)", ctx.location(iterable)),
        Evidence(f"`{held.parent.name}.{held.relation.attr}` declared here", held.relation.location),
        *passed,
    ]
    if insert is not None:
        evidence.append(Evidence(f"`{insert.function.display}` adds `{model.name}` rows", insert.location))
    return None, evidence


def _document_method(node: ast.Call, ctx: Context) -> DocumentLookup | None:
    """``for case in TestCase.objects(...): case.to_json()``: a method of each document the loop walks that reads
    another document with the document's own values (:func:`method_lookup`)."""
    if not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
        return None
    loop = enclosing_loop(ctx, node)
    if loop is None:
        return None
    target, iterable = (
        (loop.target, loop.iter)
        if isinstance(loop, (ast.For, ast.AsyncFor))
        else (loop.generators[0].target, loop.generators[0].iter)
    )
    var, iterable = loop_item(target, iterable)
    if var != node.func.value.id:
        return None
    docs = loop_documents(iterable, ctx)
    if docs is None or docs.how or not docs.read.many or docs.read.collection.document is None:
        return None
    return method_lookup(node, docs.read.collection.document, ctx)


def _owned_evidence(
    owned: UserCollection, iterable: ast.expr, ctx: Context, passed: list[Evidence]
) -> tuple[str | None, list[Evidence]]:
    """Why a loop over the signed-in user's collection (``current_user.bookmarks``) is few rows (a note), or
    that it grows: one person's rows, loaded in one query, as many as that person adds."""
    model = owned.items
    insert = user_facing_insert(ctx.project, model)
    source = f"`{_short(iterable)}`, the signed-in user's `{model.name}` rows"
    if insert is None and grows(ctx.project, model) is None:
        return f"the loop walks {source}, and nothing shows `{model.name}` growing with use: its rows are few", []
    evidence = [
        Evidence(f"the loop walks {source} (loaded in one query)", ctx.location(iterable)),
        Evidence(f"`{owned.account.name}.{owned.relation.attr}` declared here", owned.relation.location),
        *passed,
    ]
    if insert is not None:
        evidence.append(Evidence(f"`{insert.function.display}` adds `{model.name}` rows", insert.location))
    return None, evidence


def _filled_from(iterable: ast.expr, ctx: Context) -> tuple[Query | None, list[Evidence], ast.expr] | None:
    """A local list the function builds item by item from the rows of a query or from what the client sent.

    ``ids = []``, ``for row in rows: ids.append(row.x)``, then ``for i in ids: query``: N is the number of
    rows. Returns the rows' query (``None`` for client data), the evidence and what the filling loop walks.
    """
    assert ctx.function is not None
    name = _unwrap_name(iterable)
    if name is None:
        return None
    for fill in fill_loops(ctx.project, ctx.function, name):
        where = Evidence(f"`{name}` is filled here, one item per item of `{_short(fill.iter)}`", ctx.location(fill))
        rows = loop_rows(fill.iter, ctx, helpers=True)
        if rows is not None and rows.model is not None:
            return rows, [where], fill.iter
        sent = _client_sent(fill.iter, ctx)
        if sent is not None:
            return None, [*sent, where], fill.iter
        # ``for i in searched: if i in book_ids: ids.append(i)``: no more items than ``book_ids`` has rows
        bound = kept_if_in(ctx.project, ctx.function, fill, name)
        rows = loop_rows(bound, ctx, helpers=True) if bound is not None else None
        if bound is not None and rows is not None and rows.model is not None:
            kept = Evidence(
                f"`{name}` is filled here with the items of `{_short(fill.iter)}` found in the rows of "
                f"`{_short(bound)}`",
                ctx.location(fill),
            )
            return rows, [kept], bound
    return None


def _template_row_call(iterable: ast.expr, ctx: Context) -> RowCall | None:
    """The loop walks a parameter of a template filter or global (or of a helper one calls with its own
    parameter) that a template calls on each row of a query a view renders."""
    fn = ctx.function
    name = _unwrap_name(iterable)
    if fn is None or name is None:
        return None
    params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs]
    if name not in params:
        return None
    uses = template_row_calls(ctx.project)
    if not uses:
        return None
    found = uses.get(fn.qualname)
    if found:
        return found[0]
    for _qualname, calls in sorted(uses.items(), key=lambda pair: pair[0]):
        caller = calls[0].function
        own = {a.arg for a in caller.node.args.posonlyargs + caller.node.args.args}
        for called, call in caller.calls:
            if (
                call.args
                and uses_any(call.args[0], own)
                and (ctx.project.resolve_function(called, caller, caller.module) is fn)
            ):
                return calls[0]
    return None


def _files_of_growing_table(iterable: ast.expr, ctx: Context, queried: ModelInfo | None) -> list[Evidence] | None:
    """The loop walks the entries of a directory (``os.listdir``, ``glob.glob``, ``Path.iterdir``) and looks
    each one up in a table that grows with use: the evidence, else ``None``.

    Files looked up one by one as rows (a log file per task run, a folder per build) are one per row of that
    table, so the directory grows as the table does; a directory of a few fixed files (plugins, templates)
    is looked up in a reference table, which is not reported.
    """
    if queried is None:
        return None
    listing = directory_listing(ctx.project, iterable, ctx.function)
    if listing is None:
        return None
    growth = grows(ctx.project, queried)
    insert = user_facing_insert(ctx.project, queried)
    if growth is None and insert is None:
        return None
    evidence = [
        Evidence(
            f"the loop walks the entries of a directory (`{_short(listing)}`), looked up one by one as "
            f"`{queried.name}` rows",
            ctx.location(listing),
        )
    ]
    if insert is not None:
        evidence.append(Evidence(f"`{insert.function.display}` adds `{queried.name}` rows", insert.location))
    return evidence


def _unwrap_name(node: ast.expr) -> str | None:
    """``ids``, ``sorted(ids)``, ``enumerate(ids)``: the local a loop walks."""
    while isinstance(node, ast.Call) and node.args and dotted(node.func) in ("enumerate", "sorted", "list", "set"):
        node = node.args[0]
    return node.id if isinstance(node, ast.Name) else None


def _client_sent(iterable: ast.expr, ctx: Context) -> list[Evidence] | None:
    """The loop walks what the client sent (a JSON list, a form's ids): N is whatever the request says.

    Read in the function, through a parameter a caller fills with request data, or from a field of a
    submitted form. ``None`` when the loop walks something else.
    """
    found = sink_source(ctx, iterable) or returned_request_data(ctx, iterable)
    if found is not None:
        what, via = found
        return [Evidence(f"the loop walks data the client sends: {what}", ctx.location(iterable)), *via]
    assert ctx.function is not None
    field = form_data(ctx.project, ctx.function, iterable)
    if field is not None:
        return [Evidence(f"the loop walks `{_short(field)}`, a field of the submitted form", ctx.location(iterable))]
    parsed = _parsed_upload(iterable, ctx)
    if parsed is not None:
        return [Evidence(f"the loop walks what `{_short(parsed)}` reads from the request", ctx.location(iterable))]
    return None


#: Parsers of a whole document: ``json.loads(request.files["f"].read())`` holds as many items as the client wrote.
_PARSERS = frozenset({"json.loads", "json.load", "yaml.safe_load", "yaml.load", "csv.reader", "csv.DictReader"})


def _parsed_upload(iterable: ast.expr, ctx: Context, depth: int = 0) -> ast.Call | None:
    """The parser call whose document the loop walks (a part of it), when the parsed text is request data.

    ``layer = json.loads(request.files["file"].read())``, then ``for t in layer["techniques"]``: an uploaded
    file or body parsed in the view, its lists as long as the client made them.
    """
    if depth > 3 or ctx.function is None:
        return None
    node = iterable
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value  # ``layer["techniques"]``
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "items", "values")
        ):
            node = node.func.value  # ``layer.get("techniques", [])``
        else:
            break
    if isinstance(node, ast.Name):
        for value in assignments(ctx.project, ctx.function).get(node.id, []):
            found = _parsed_upload(value, ctx, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(node, ast.Call) or ctx.qualified(node.func) not in _PARSERS or not node.args:
        return None
    return node if request_derived(ctx.project, node.args[0], ctx.function) else None


#: Calls that cut one text into words or lines: ``form["tags"].split(" ")``, ``re.split(",", text)``.
_SPLITS = frozenset({"split", "rsplit", "splitlines"})


def _typed_words(iterable: ast.expr, ctx: Context, depth: int = 0) -> str | None:
    """Why a loop over what the client sent is a note: it walks the words of one text field, cut by
    ``split`` (``request.form["tags"].split(" ")``, through locals and comprehensions tidying the words):
    what a person types in one box, a handful of names, not a list a script posts."""
    if depth > 3 or ctx.function is None:
        return None
    node = iterable
    while isinstance(node, ast.Call) and node.args and dotted(node.func) in ("set", "sorted", "list", "tuple"):
        node = node.args[0]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and len(node.generators) == 1:
        return _typed_words(node.generators[0].iter, ctx, depth + 1)
    if isinstance(node, ast.Name):
        # ``names = [n.strip() for n in names if n]``: a tidier pass over the same words, not another source
        values = [
            value
            for value in assignments(ctx.project, ctx.function).get(node.id, [])
            if not (
                isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp))
                and dotted(value.generators[0].iter) == node.id
            )
        ]
        if not values:
            return None
        found = [_typed_words(value, ctx, depth + 1) for value in values]
        return found[0] if all(found) else None
    if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr in _SPLITS) or dotted(node.func) == "re.split"
    ):
        return (
            f"the loop walks the words of one text value (`{_short(node)}`): names or ids written into one "
            "field or parameter, a handful"
        )
    return None


def _last_name(node: ast.expr) -> str:
    return (dotted(node) or "").rsplit(".", 1)[-1] if not isinstance(node, ast.Attribute) else node.attr


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_item_list(node: ast.expr, items: AbstractSet[str]) -> bool:
    """``[scope.identifier]``, ``(row.id,)``: a list literal of one element read from the loop's item."""
    return isinstance(node, (ast.List, ast.Tuple, ast.Set)) and len(node.elts) == 1 and uses_any(node, items)


def _one_item_in(query: Query, items: AbstractSet[str]) -> ast.Call | None:
    """The ``col.in_([row.id])`` of ``query`` whose list is one key read from the loop's item."""
    for _, step in query.methods:
        for sub in ast.walk(step):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr in ("in_", "any_")
                and len(sub.args) == 1
                and _one_item_list(sub.args[0], items)
            ):
                return sub
    return None


def _params_given_one_key(call: ast.Call, fn: FunctionInfo, items: AbstractSet[str]) -> frozenset[str]:
    """The parameters of ``fn`` that ``call`` fills with a one-element list read from the loop's item."""
    singles = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    shown = ast.Call(
        func=call.func,
        args=[a if _one_item_list(a, items) else ast.Constant(None) for a in singles],
        keywords=[kw for kw in call.keywords if kw.arg is not None and _one_item_list(kw.value, items)],
    )
    return filled_params(shown, fn, frozenset(items))


def _batch_query_on(project: Project, fn: FunctionInfo, params: frozenset[str]) -> tuple[ast.Call, Query] | None:
    """A query ``fn`` runs whose ``in_()`` list is one of ``params`` (or computed from it), outside loops."""
    tainted = _flowing_from(project, fn, set(params))
    inner = helper_context(project, fn)
    looped = {id(n) for loop in ast.walk(fn.node) if isinstance(loop, (ast.For, ast.AsyncFor)) for n in ast.walk(loop)}
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Call) or id(node) in looped:
            continue
        query = is_query_execution(node, inner, helpers=True)
        if query is None or not filters_by_list(query):
            continue
        for _, step in query.methods:
            for sub in ast.walk(step):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr in ("in_", "any_")
                    and any(uses_any(a, tainted) for a in sub.args)
                ):
                    return node, query
    return None


def _search_hits(iterable: ast.expr, ctx: Context) -> ast.Call | None:
    """The loop walks every hit of a search engine's ``scan()`` (elasticsearch-dsl, opensearch-dsl, Invenio):
    as many items as the index holds matches, unpaged."""
    return search_scan(iterable, ctx) if uses_search_dsl(ctx.project) else None


def _hits_evidence(scan: ast.Call, ctx: Context) -> Evidence:
    return Evidence(f"the loop walks every hit of `{_short(scan)}` (a search scan, unpaged)", ctx.location(scan))
