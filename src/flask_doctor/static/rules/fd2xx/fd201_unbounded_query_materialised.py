"""FD201 unbounded-query-materialised: A query without limit/pagination loads every matching row into memory."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.orm.models import configuration_table, grows, grows_by_name, link_tables
from flask_doctor.static.facts.orm.mongo import (
    MATERIALISING_CALLS,
    MongoRead,
    kept_whole,
    materialised_read,
    read_label,
    unbounded_evidence,
    unbounded_read,
    uses_mongo,
)
from flask_doctor.static.facts.orm.page_size import ClientSize
from flask_doctor.static.facts.orm.queries import (
    EXECUTE,
    MATERIALISE,
    SESSION_EXECUTE,
    Query,
    bound_reason,
    client_sized,
    column_model,
    columns_only,
    in_application_code,
    listed_rows,
    own_or_shared,
    per_parent,
    query_label,
    query_of,
    run_context,
    selection,
    unknown_filter,
)
from flask_doctor.static.facts.orm.raw_sql import raw_inserts, raw_rows
from flask_doctor.static.facts.orm.usage import (
    InsertSite,
    account_table,
    admin_curated,
    admin_only,
    cached_result,
    deleted_each,
    drained_by,
    export_view,
    few_parents,
    filled_by_jobs,
    generic_insert,
    grows_with_use,
    one_off_command,
    pruned_on_insert,
    user_facing_insert,
)
from flask_doctor.static.facts.serializers import DUMP_CALLS, dump_of
from flask_doctor.static.facts.templates import RENDER_CALLS, rendered_loops
from flask_doctor.static.model import (
    CLI,
    JOB,
    REQUEST,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.facts.orm.paging import PickedInPython

# The paging and work-queue facts are imported where this rule first needs them, not here: FD201 is off by
# default (catalogue/precision.py), and building their records' classes is a fixed cost of every run otherwise.

#: Why a purge is only a note: the rows it loads are the backlog since the last run, but a mass deletion can make
#: that backlog large, and a bulk ``delete()`` would load none of them.
_PURGE = "a purge that deletes each row it selects, so it loads the backlog since the last run"
#: Why a load in a background job is only a note: no request waits on it, and nothing shows how often it runs.
_IN_JOB = "in a background job: no request waits on it, though every row still sits in the worker's memory"


# ===================================================================== FD201
#: Builtins that run the query they are given and keep each row (``list(Post.query)``).
_LISTING = frozenset({"list", "tuple", "sorted", "set"})
#: Tables of SQL text that hold one row per person using the instance: they grow with headcount, not activity.
_ACCOUNT_TABLES = frozenset({"user", "users", "person", "people", "account", "accounts", "member", "members"})
#: Steps after which a query yields one row, a count or columns picked per row, not its rows.
_ONE_ROW = frozenset({"first", "one", "one_or_none", "scalar", "scalar_one", "count", "get", "exists", "values"})


def _only_counted(node: ast.AST, ctx: Context) -> bool:
    """The loaded rows are only counted or tested for any: ``len(q.all())``, ``if q.all():``, ``not q.all()``."""
    owner = ctx.ancestors[-1] if ctx.ancestors else None
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id in ("len", "bool"):
        return owner.args == [node]
    if isinstance(owner, (ast.If, ast.While, ast.IfExp)):
        return owner.test is node
    if isinstance(owner, ast.UnaryOp) and isinstance(owner.op, ast.Not):
        return True
    return (
        isinstance(owner, ast.BoolOp) and len(ctx.ancestors) > 1 and isinstance(ctx.ancestors[-2], (ast.If, ast.IfExp))
    )


class UnboundedQueryMaterialised(Rule):
    """
    ## What it does
    Finds SQLAlchemy queries that load every matching row into memory —
    `Model.query.all()`, `session.query(M).all()`,
    `db.session.scalars(select(M)).all()`, `list(Model.query)` (also
    `tuple`, `set`, `sorted` of a query), or `for row in Model.query:` —
    with nothing that bounds them, in request handlers, jobs and CLI
    commands. The query may be built by a helper (`Account.active(db).all()`,
    a method returning `self._db.query(Txn).filter(...)`), on a session kept
    under any name, or in a generic resource class that serves whichever model
    a factory gives it (`self.__model__.query`). A query handed on unrun
    is walked whole where it goes: to a template whose `{% for %}` loop
    iterates it (`render_template("index.html", posts=Post.query.order_by(...))`,
    or `posts = db.session.execute(select(Post)).scalars()` passed on),
    reported at the variable the view passes with the template's loop as
    evidence, or to a marshmallow schema's `dump` of many rows
    (`PostSchema(many=True).dump(db.session.execute(select(Post)).scalars())`).
    A pagination object's `items` is one page, and a template that only
    counts the rows runs no loop over them.
    Applications writing SQL text through a DB-API connection (sqlite3 as
    in Flask's tutorial, psycopg2, PyMySQL) get the same check for
    `db.execute("SELECT ... FROM post ORDER BY created DESC").fetchall()`
    (or a cursor's `fetchall()` after its `execute`): reported when the
    SELECT reads a whole table (no `WHERE`, `LIMIT`, parameter, aggregate,
    `GROUP BY` or `DISTINCT`) that request or job code inserts into
    (`INSERT INTO post ...`, not only from admin pages), in request code;
    not for a table of accounts (`user`) or in a cached view.
    The same for MongoDB: `list(coll.find(...))`, a list
    comprehension over a cursor, Motor's `to_list(None)`, and a loop over
    a mongoengine queryset (`for r in Remark.objects(...)`, which keeps every
    document it yields). A `for` loop over a pymongo cursor streams it and
    is not reported; `.limit()`, a slice, `.paginate()`, `skip/limit`, an
    `$limit`/`$group` stage, a filter on `_id`, an `$in` list the caller
    chose (not one built from other reads), one parent's documents
    (`{"case_id": x}`, a `ReferenceField` equal to one record) and a filter
    built elsewhere are bounded or unknown, as for SQLAlchemy. A collection
    grows by its name, a date field of its document, documents only jobs
    add, or reads of it that the code pages.

    ## Why is this bad?
    `.all()` (and iterating a query, which buffers the whole result first)
    builds one Python object per row. It works while the table is small and
    becomes a slow page, a timed-out request or an out-of-memory worker when
    it grows: the cost follows the data, not the code. Queries bounded by
    `.limit()`, `.paginate()`/`db.paginate()`, `.first()`, `.one()`,
    `.get()`, `.scalar()`, `.count()`, `.exists()`, `yield_per`, an `in_()`
    list, a filter on the primary key or a unique column, a lookup by name
    (`Project.name == name`, `index_name == other.index_name`, the numbered
    copies `name.ilike(f"{name}%")` when picking a free name), or a `group_by`
    aggregate (on a column: `group_by(Run)` is one row per run, and `group_by(View.created_at)` a row per moment,
    so about one per row) are not reported, nor is `.all()` on anything that is not a
    SQLAlchemy query. A literal list of states (`Task.state.in_([State.DONE, State.FAILED])`) picks every row in
    those states, not a list of keys, and in `or_(Task.agent == None, ...)` the rows without an owner are
    never one owner's rows. A negated condition bounds nothing (`~X.id.in_(hidden)`,
    `not_(...)`, `notin_()`: every row but a few), nor does one applied only
    in an `if` without `else` (`if ids: q = q.filter(X.id.in_(ids))`). A join's condition bounds nothing, and neither does a
    `.limit(n)` whose `n` stays `None` unless the client asks for one. Nor
    does a page size the client chooses: `.limit(n)` or `.paginate(page,
    per_page)` with `n` read from the request (`request.args.get("per_page",
    type=int)`, also by a helper handed the request or the value) and no
    `min(n, MAX)`, no check against an upper bound and no `max_per_page=`:
    `?per_page=100000000` fetches every row (on an admin-only page the
    administrator choosing the size is not reported). The
    query is followed through the helpers that build it: one returning it
    with a flag (`query, more = self._filtered(...)`) and ones given it and
    returning it narrowed (`query = self._apply_type(query, kinds)`). A
    `.limit()` or `in_()` such a helper applies only when given an optional
    argument (`if limit is not None: query = query.limit(limit)`) bounds
    nothing when the call may leave it unset: it omits it, passes `None` or
    `request.args.get(...)`, or hands on its own parameter that defaults to
    `None`. The same holds for a filter the function itself applies only when
    given its optional parameter (`if project_id is not None: q =
    q.filter_by(project_id=project_id)`) when every caller up to the request
    or job that reaches it hands the parameter on unset: an administrator's
    call without a project loads every project's rows.
    Reference tables (no creation timestamp and not a
    per-user/per-event entity such as `User`, `Order`, `Post`) are bounded
    in practice; a filter on a foreign key, an indexed key or an owner
    column (`author_email`, `user_id`, also on a joined model),
    `rel.contains(obj)`, `owner.has(user=u)`, `rel.any(id=x)`, or an `or_()` of such
    conditions loads one parent's rows, exactly like reading `user.notes`;
    so does the owner's rows plus the ones marked as shared. Such a filter
    bounds nothing when applied only in an `if` without `else` (`if not
    user.is_editor: q = q.filter(Post.user_id == user.id)`: editors load
    every post), and one parent's rows are not few when the code cuts them
    down in Python afterwards: a page sliced out of the list
    (`posts[start:start + size]`, also out of a relationship's collection
    such as `tag.posts`) or a loop keeping the first rows
    (`if len(batch) < job.batch: batch.append(task)`): the page or the cap
    belongs in the query. A filter built
    elsewhere (`filter(*conditions)`, `filter_by(**keys)`, a helper given the
    criterion) says nothing either way, unless it is applied only on some
    paths (`if args: q = q.filter(*conds)`): without it every row loads. A
    table whose rows only an administrator or an operator adds (registered
    API clients, stored secrets) holds a handful of rows by design. None of
    these are reported.

    A warning needs evidence that the table grows: code that runs per
    request or per job adds its rows (`db.session.add(Book(...))` in an
    upload view) — a timestamp column alone proves nothing. A table that
    only background jobs fill (a feed import, one row per scheduled run)
    grows run after run even when its name and columns say nothing, but rows
    a worker's RPC endpoint adds come with a client's call, as a form's do (an
    operator enrolling a machine); a table
    whose rows record their owner (`Sketch.user_id`) grows with every user's
    use when non-admin requests add them (a get-or-create by name adds one row
    per name, not per use). A table whose rows are named after another
    record's id (`Group(name=f"post_{self.id}")` in a `Post` method) grows
    with that record's table, and so does a table whose rows each belong, by
    a foreign key, to a record of a table that grows (a `Frame` per stamped
    `Render`, added with it) when the code cuts the loaded rows down in
    Python (a page sliced out). Columns selected next to a subquery's count
    (`session.query(Job.id, Job.title, counts.c.n)`) are rows of `Job`, and
    the pairs of an association table (`session.query(job_tags.c.job_id,
    Tag.name)`) grow with the side not named. A creation stamp is a date-time
    column or one named for it (`date_created`, `creation_time` in epoch
    milliseconds), a date-time by its type, not by a word of its
    description (`Column(Integer, doc="offset from the time server")` holds
    no time); a bare `Date` someone enters (a schedule's day) is not,
    nor a later moment of the row's life (`finished_at`, `closed_at`),
    and an `Account` without credentials is a ledger's account, not one row
    per person. One parent's rows are reported after all when the parents
    are a handful nothing shows growing (a few bank accounts a form adds)
    while the rows' own table grows (their statements, month after month),
    unless a time window narrows them or the parents are themselves the
    children of a growing record (a few `Slot`s proposed for each
    `Meeting`: one slot's votes are few). A whole table loaded only to be
    counted or tested for a row (`len(Quote.query.all()) > 0`, `if
    Quote.query.all():`) is a note even when nothing shows it growing, as
    long as request or job code adds its rows: `count()` or `exists()` loads
    none.

    Nothing is reported where loading everything is the purpose or the set
    stays small by design, as judged on real applications: a command's
    explicit `.all()` or `list(...)` (the operator asked for every row), an
    account table (`User`, `Person`: one row per person using the
    instance), a work queue that the job
    drains (it selects `~is_sent` or `due_at <= now` rows and then sets
    `is_sent` or deletes them), a job that hands every row it walks to a
    routine deleting it (`delete_job.delay(job.id)`: the next run sees only
    what came since), a selection the loop empties (see below), a job loading a few
    columns of every row (a sweep, as cheap as it gets), a recent or bounded time window
    (`lastseen >= now - 5 min`, `date >= start, date <= end`, also in a
    helper handed the column: `date_prop >= self.start`), a cached
    result, a table that nothing in request or job code adds rows to, or a
    table people configure by hand, named so (`Setting`, `Role`,
    `Category`, `ReportSchedule`, `AlertRule`, `EmailTemplate`): even with a
    creation stamp and a form its rows are a handful, unless a background job
    adds them run after run.
    Nor is the newest row of each group (an inner join to a subquery grouped
    by a column, `select(Run).join(latest, Run.dag_id == latest.c.dag_id)`
    with `latest` grouped by `dag_id`: one row per group), or a filter on a
    column the caller names (`getattr(Model, name) == value` over the
    keywords a `get_all_by_values(**kwargs)` helper is given).
    A table of people (`User`, `Person`, `Member`) grows with headcount, not
    with what they do, and is not reported, even for a few of its columns;
    nor is any load in a data migration command, which runs once with an
    upgrade (a command named `migrate...`, `...migration` or `backfill...`,
    or whose docstring says it "should only be run once" or is "one-off"),
    nor in an export (a view writing a `csv.writer` or answering
    `text/csv` or `Content-Disposition: attachment`; its name alone says
    nothing): every row in one file is what it is asked for. A table
    that every insert also trims (a bulk `delete()` of the rows past a
    cutoff, `Event.revoked_at < oldest`, in the inserting function or one it
    calls) holds a moving window, not the instance's history, and is not
    reported either.
    A warning needs both halves of the harm: a table that grows from what
    users or jobs add (the insert is named), and a request waiting on the
    load. The finding is only a note in a background job (no request waits
    on it, though every row still sits in the worker's memory), when only a
    few columns are loaded, on an admin-only page
    listing the rows (its purpose, though the page grows with the
    instance), and in a command that loops over a query or a mongoengine
    queryset: the loop reads as streaming, yet every row is buffered first
    (every document is kept, unless `no_cache()`).

    A selection the loop empties is a work queue or a delta, not the table,
    and is not reported either (not even as a note: each run loads the
    backlog since the previous one, which is exactly the work it has to do).
    The filter reads an attribute of the row (equality, `IS NULL`, a boolean
    column, `in_()` of written values, a negation, a relationship's `any()`,
    mongoengine keywords such as `deleted_at__ne=None` or
    `badges__kind__ne="x"`), and on every pass the loop over the rows (or
    the caller's loop over the rows a helper returns) moves the row out:
    it assigns that same attribute a value the filter does not keep
    (`state == "open"` left by `state = "settled"`; `archived_on != None`
    left only by `archived_on = None`), or changes the collection the filter
    reads (the documents lacking a badge, each given it with
    `update(push__badges=...)`, those having it, each losing it with
    `$pull`). A loop that instead deletes each row it selects
    (`session.delete(row)`, `row.delete()`: a purge of soft-deleted rows) is
    a note: it too loads only the backlog since its last run, but a mass
    deletion (a whole source's records soft-deleted at once) makes that
    backlog large, and a bulk `delete()` would load none of it.
    The write may sit in a function handed the row or in a method of the
    row's class, one or two calls down, and for
    `Cve.events.any(Event.review == False)` on the row's children, marked
    reviewed in a loop over them. A write of another attribute (the open
    invoices each get `reminded_at`, and stay open), a stamp on every row of
    an unfiltered query (`last_polled`), a value the filter keeps, or a
    write under an `if` (only some rows leave) empties nothing and the
    query is judged as any other.

    ## Example
    ```python
    @app.post("/upload")
    def upload():
        db.session.add(Book(title=request.form["title"]))
        db.session.commit()
        return "ok"

    @app.get("/formats")
    def formats():
        return {b.id: [f.name for f in b.formats] for b in Book.query.all()}
    ```

    ## Use instead
    ```python
    @app.get("/formats")
    def formats():
        page = db.paginate(db.select(Book).order_by(Book.id))
        return {b.id: [f.name for f in b.formats] for b in page.items}
    ```
    In jobs and commands, stream with
    `db.session.execute(select(Book).execution_options(yield_per=500))`,
    or use a bulk `update()`/`delete()` statement instead of loading rows.

    ## Fix safety
    No automatic fix: paging changes what the caller receives.

    ## References
    - Flask-SQLAlchemy: "Paging Query Results" (`db.paginate`)
    - SQLAlchemy 2.0: "Fetching Large Result Sets with Yield Per"
    """

    code = "FD201"
    name = "unbounded-query-materialised"
    severity = Severity.WARNING
    catalog = ("S02",)
    summary = "A query without limit/pagination loads every matching row into memory."

    _SHOP = """
        from datetime import datetime
        from flask import Flask, request
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        class Order(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            paid = db.Column(db.Boolean)
            created = db.Column(db.DateTime, default=datetime.utcnow)

        @app.post("/orders")
        def place_order():
            db.session.add(Order(paid=False))
            db.session.commit()
            return "ok"
        """

    _MEETINGS = """
        from datetime import datetime
        from flask import Flask, abort, request
        from flask.views import MethodView
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Meeting(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            group_id = db.Column(db.Integer)
            host = db.Column(db.String)
            starts = db.Column(db.DateTime)
            created = db.Column(db.DateTime, default=datetime.utcnow)

            @classmethod
            def listed_in(cls, group_id):
                return cls.group_id == group_id

        class Notice(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String)
            created = db.Column(db.DateTime, default=datetime.utcnow)

        @app.post("/meetings")
        def plan():
            db.session.add(Meeting(host=request.form["host"]))
            db.session.commit()
            return "ok"
        """

    _FEED = """
        from datetime import datetime
        from flask import Flask, request
        from flask.views import MethodView
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Entry(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            kind = db.Column(db.String)
            added = db.Column(db.DateTime, default=datetime.utcnow)

        @app.post("/entries")
        def add_entry():
            db.session.add(Entry(kind=request.form["kind"]))
            db.session.commit()
            return "ok"

        class Store:
            def _entries(self):
                return db.session.query(Entry).order_by(Entry.added)

            def _apply_ids(self, query, ids=None):
                if ids is not None:
                    query = query.filter(Entry.id.in_(ids))
                return query

            def _apply_limit(self, query, limit=None):
                if limit is None:
                    return query, False
                more = limit < query.count()
                return query.limit(limit), more

            def _filtered(self, limit=None, ids=None):
                query = self._entries()
                query = self._apply_ids(query, ids)
                query, more = self._apply_limit(query, limit)
                return query, more
        """

    _METERS = """
        from datetime import datetime
        from flask import Flask, request
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import and_, func, select
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Reading(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            meter_id = db.Column(db.Integer)
            taken = db.Column(db.DateTime, default=datetime.utcnow)

        @app.post("/readings")
        def add_reading():
            db.session.add(Reading(meter_id=request.form["meter"]))
            db.session.commit()
            return "ok"
        """

    _FARM = """
        from datetime import datetime
        from flask import Flask, request
        from flask_login import current_user
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        job_tags = db.Table(
            "job_tags",
            db.Column("job_id", db.Integer, db.ForeignKey("job.id")),
            db.Column("tag_id", db.Integer, db.ForeignKey("tag.id")),
        )

        class Tag(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String, unique=True)

        class Job(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String)
            batch = db.Column(db.Integer, default=1)
            day = db.Column(db.Date)
            submitted = db.Column(db.DateTime, default=datetime.utcnow)
            tags = db.relationship("Tag", secondary=job_tags, backref="jobs")

        class Task(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            job_id = db.Column(db.Integer, db.ForeignKey("job.id"))
            job = db.relationship("Job", backref="tasks")
            agent_id = db.Column(db.Integer)
            state = db.Column(db.String)
            frame = db.Column(db.Integer)
            created = db.Column(db.DateTime, default=datetime.utcnow)

        class WorkState:
            DONE = "done"
            FAILED = "failed"

        @app.post("/jobs")
        def submit():
            job = Job(title=request.form["title"])
            db.session.add(job)
            for frame in range(int(request.form["frames"])):
                db.session.add(Task(job=job, frame=frame))
            db.session.commit()
            return "ok"
        """

    #: ``x.all()``, and the MongoDB reads loaded whole (``list(cursor)``, ``cursor.to_list(None)``: ``materialised_read``)
    #: and what hands a query on to be walked whole: a template's loop (``render_template(..., posts=q)``) or a
    #: serializer's ``dump(q)`` of many rows
    call_names = frozenset(MATERIALISE) | MATERIALISING_CALLS | {"paginate"} | RENDER_CALLS | DUMP_CALLS | {"fetchall"}

    VALID = (
        # a capped query or one page handed to a template, a template that only counts the rows, a schema
        # dumping a capped result; SQL text that is capped, filtered by a parameter or an aggregate, and a
        # table nothing in request code inserts into
        Valid(
            """
            import sqlite3
            from datetime import datetime
            from flask import Flask, g, render_template, request
            from flask_sqlalchemy import SQLAlchemy
            from marshmallow import Schema, fields
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Recipe(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(120))
                added = db.Column(db.DateTime, default=datetime.utcnow)

            class RecipeOut(Schema):
                id = fields.Integer()

            def conn():
                if "conn" not in g:
                    g.conn = sqlite3.connect("guestbook.db")
                return g.conn

            @app.post("/recipes")
            def add_recipe():
                db.session.add(Recipe(name=request.form["name"]))
                conn().execute("INSERT INTO entry (name) VALUES (?)", (request.form["name"],))
                db.session.commit()
                return "ok"

            @app.get("/")
            def cookbook():
                newest = Recipe.query.order_by(Recipe.added.desc()).limit(20)
                page = db.paginate(db.select(Recipe).order_by(Recipe.id))
                return render_template("book.html", recipes=newest, page=page, everything=Recipe.query)

            @app.get("/api/recipes")
            def recipes_json():
                return RecipeOut(many=True).dump(db.session.execute(db.select(Recipe).limit(50)).scalars())

            @app.get("/entries")
            def entries():
                c = conn()
                latest = c.execute("SELECT name FROM entry ORDER BY id DESC LIMIT 30").fetchall()
                mine = c.execute("SELECT name FROM entry WHERE name = ?", (request.args["n"],)).fetchall()
                total = c.execute("SELECT COUNT(*) FROM entry").fetchall()
                kinds = c.execute("SELECT name FROM kind ORDER BY name").fetchall()
                return {"latest": latest, "mine": mine, "total": total, "kinds": kinds}
            """,
            files={
                "templates/book.html": """
                {% for r in recipes %}{{ r.name }}{% endfor %}
                {% for r in page.items %}{{ r.name }}{% endfor %}
                {{ everything.count() }}
                """,
            },
        ),
        # ``list()`` over a capped query keeps at most the cap
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Visit(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                path = db.Column(db.String(200))
                seen_at = db.Column(db.DateTime, default=datetime.utcnow)

            @app.before_request
            def count_visit():
                db.session.add(Visit(path=request.path))
                db.session.commit()

            @app.get("/recent")
            def recent():
                visits = list(Visit.query.order_by(Visit.seen_at.desc()).limit(50))
                return [v.path for v in visits]
            """),
        # page sizes the client chooses but the code caps: ``min(n, MAX)``, a check, ``max_per_page=``, a constant
        Valid(
            _SHOP
            + """
        PAGE_SIZE = 50

        @app.get("/orders")
        def orders():
            per_page = min(request.args.get("per_page", 20, type=int), 100)
            return {"ids": [o.id for o in Order.query.order_by(Order.id).limit(per_page).all()]}

        @app.get("/orders/checked")
        def checked_orders():
            limit = int(request.args.get("limit", 20))
            if limit > 100:
                return "too many", 400
            return {"ids": [o.id for o in Order.query.limit(limit).all()]}

        @app.get("/orders/pages")
        def order_pages():
            page = Order.query.paginate(page=request.args.get("page", 1, type=int), max_per_page=100)
            return {"ids": [o.id for o in page.items]}

        @app.get("/orders/fixed")
        def fixed_orders():
            page = db.paginate(db.select(Order), page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE)
            return {"ids": [o.id for o in page.items]}
        """
        ),
        # a store whose helpers narrow the query they are given: the client's page size is always passed (a constant),
        # one object's versions are picked by an `in_()` list the call always gives, and a search narrowed by the
        # criteria a helper builds from the request (a filter built elsewhere)
        Valid(
            _FEED
            + """
        def apply_criteria(query, criteria):
            for key, value in criteria.items():
                clause = getattr(Entry, key) == value
                query = query.filter(clause)
            return query

        @app.get("/search")
        def search():
            query = db.session.query(Entry)
            query = apply_criteria(query, request.args)
            return {"ids": [e.id for e in query.all()]}

        class Entries(Store, MethodView):
            def get(self):
                query, more = self._filtered(limit=50)
                return {"ids": [e.id for e in query.all()], "more": more}

            def put(self):
                query, _ = self._filtered(ids=[request.args["id"]])
                return {"versions": [e.id for e in query.all()]}

        app.add_url_rule("/entries", view_func=Entries.as_view("entries"))
        """
        ),
        # conditions built by the caller or by a helper, a model's own filter given one parent's key, and notices
        # only administrators post (through a handler class whose base checks the admin)
        Valid(
            _MEETINGS
            + """
        def visible_filter(group_id):
            return Meeting.group_id == group_id

        def find_meetings(host=None, since=None):
            criteria = []
            if host:
                criteria.append(Meeting.host == host)
            if since:
                criteria.append(Meeting.starts >= since)
            return Meeting.query.filter(db.and_(*criteria)).all()

        def feed(group_id, extra_criterion):
            return [m.id for m in Meeting.query.filter(Meeting.group_id > 0, extra_criterion)]

        @app.get("/groups/<int:group_id>/meetings")
        def group_meetings(group_id):
            cond = visible_filter(group_id)
            rows = Meeting.query.filter(cond).order_by(Meeting.starts).all()
            listed = Meeting.query.filter(Meeting.listed_in(group_id)).all()
            return {"n": len(rows) + len(listed), "h": find_meetings(request.args.get("host")),
                    "f": feed(group_id, Meeting.starts >= datetime.utcnow())}

        class AdminHandlerBase(MethodView):
            def dispatch_request(self, *args, **kwargs):
                if not request.headers.get("X-Admin"):
                    abort(403)
                return super().dispatch_request(*args, **kwargs)

        class ManageNotices(AdminHandlerBase):
            def post(self):
                db.session.add(Notice(text=request.form["text"]))
                db.session.commit()
                return "ok"

            def get(self):
                return {"notices": [n.text for n in Notice.query.order_by(Notice.created.desc()).all()]}

        @app.get("/notices")
        def notices():
            return {"notices": [n.text for n in Notice.query.order_by(Notice.created.desc()).all()]}

        app.add_url_rule("/admin/notices", view_func=ManageNotices.as_view("manage_notices"))
        """
        ),
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                email = db.Column(db.String, unique=True)

            @app.get("/users")
            def users():
                page = db.paginate(db.select(User).order_by(User.id))
                latest = User.query.order_by(User.id.desc()).limit(10).all()
                one = User.query.filter_by(email=request.args["e"]).all()
                first = User.query.first()
                total = User.query.count()
                picked = User.query.filter(User.id.in_([1, 2, 3])).all()
                return {"n": total}
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            ITEMS = {"a": 1}

            @app.get("/")
            def index():
                rows = [1, 2, 3]
                values = list(ITEMS.values())
                return {"all": all(rows), "v": values, "k": ITEMS.keys()}
            """),
        Valid(
            """
            from sqlalchemy import select, func
            from sqlalchemy.orm import Session
            from app_models import Post

            def page(session: Session, n):
                return session.scalars(select(Post).limit(20).offset(n * 20)).all()

            def stats(session):
                return session.query(Post.author_id, func.count(Post.id)).group_by(Post.author_id).all()
            """,
            files={
                "app_models.py": """
            from sqlalchemy.orm import DeclarativeBase
            class Base(DeclarativeBase):
                pass
            class Post(Base):
                __tablename__ = "post"
            """
            },
        ),
        Valid("""
            from datetime import datetime
            from flask import Flask
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Category(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(40))

            class Note(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))

            @app.get("/notes")
            def notes():
                # a reference table, and one parent's children (like reading user.notes)
                categories = Category.query.order_by(Category.name).all()
                mine = Note.query.filter_by(owner_id=current_user.id).all()
                return {"c": len(categories), "n": len(mine)}
            """),
        Valid("""
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            def test_users(client):
                assert User.query.all() == []
            """),
        # one user's proposals (submitted or co-authored), and a filter built by the caller: nothing to say
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Proposal(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime)
                submitter_id = db.Column(db.ForeignKey("user.id"))
                submitter = db.relationship("User")
                coauthors = db.relationship("Coauthor")

            class Coauthor(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                proposal_id = db.Column(db.ForeignKey("proposal.id"))
                person = db.relationship("Person")

            def proposal_ids(*conditions, **keys):
                return [row[0] for row in Proposal.query.with_entities(Proposal.id).filter(*conditions)
                        .filter_by(**keys).all()]

            @app.get("/my-proposals")
            def my_proposals():
                mine = Proposal.query.filter(db.or_(
                    Proposal.submitter == current_user,
                    Proposal.coauthors.any(Coauthor.person.has(user=current_user)),
                )).all()
                return {"mine": len(mine), "ids": proposal_ids(submitter_id=request.args["u"])}
            """),
        # one member's boards through a many-to-many relationship: `any(id=...)` names one related record
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            board_members = db.Table(
                "board_members",
                db.Column("board_id", db.ForeignKey("board.id")),
                db.Column("member_id", db.ForeignKey("member.id")),
            )

            class Board(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                opened = db.Column(db.DateTime, default=datetime.utcnow)
                members = db.relationship("Member", secondary=board_members)

            @app.post("/boards")
            def open_board():
                db.session.add(Board())
                db.session.commit()
                return "ok"

            @app.get("/members/<int:member_id>/boards")
            def boards_of(member_id):
                boards = Board.query.filter(Board.members.any(id=member_id)).all()
                return {"boards": [b.id for b in boards]}
            """),
        # schedules people set up in a form: the dispatching job visits each one, and they stay a handful
        Valid("""
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class DigestSchedule(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                cron = db.Column(db.String)
                enabled = db.Column(db.Boolean, default=True)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/digests")
            def add_schedule():
                db.session.add(DigestSchedule(cron=request.form["cron"]))
                db.session.commit()
                return "ok"

            @shared_task
            def dispatch_digests():
                for schedule in DigestSchedule.query.filter_by(enabled=True).all():
                    print(schedule.cron)
            """),
        # registered API clients: only an administrator adds them, so the table holds a handful of rows by design
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            def admin_required(view):
                return view

            class ApiClient(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/clients")
            @admin_required
            def register_client():
                db.session.add(ApiClient(name=request.json["name"]))
                db.session.commit()
                return "ok"

            @app.get("/clients")
            def list_clients():
                return [c.name for c in ApiClient.query.order_by(ApiClient.created_at).all()]
            """),
        # FAQ entries with their author: only the management blueprint adds them, and its `before_request` turns
        # away everyone who is not an administrator (either condition of the `or` is enough)
        Valid("""
            from datetime import datetime
            from flask import Blueprint, Flask, abort, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Faq(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                question = db.Column(db.String)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            manage = Blueprint("manage", __name__, url_prefix="/manage")

            @manage.before_request
            def require_admin():
                if not current_user.is_authenticated or not current_user.is_admin:
                    abort(403)

            @manage.post("/faq")
            def add_faq():
                db.session.add(Faq(question=request.form["q"], author_id=current_user.id))
                db.session.commit()
                return "ok"

            @app.get("/faq")
            def faq():
                return {"faq": [f.question for f in Faq.query.order_by(Faq.id).all()]}

            app.register_blueprint(manage)
            """),
        # labels: a reference table a settings form adds to (a request insert alone is no growth); the papers
        # tagged with one label (`any()` pinning one related record); and a count per shelf (grouped by a column)
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Paper(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                shelf_id = db.Column(db.Integer)
                labels = db.relationship("Label", secondary="paper_labels")

            @app.post("/labels")
            def add_label():
                db.session.add(Label(name=request.form["name"]))
                db.session.commit()
                return "ok"

            @app.get("/labels")
            def labels():
                names = [label.name for label in Label.query.order_by(Label.name).all()]
                tagged = Paper.query.filter(Paper.labels.any(Label.name == request.args["label"])).all()
                shelves = db.session.query(Paper.shelf_id, db.func.count(Paper.id)).group_by(Paper.shelf_id).all()
                return {"names": names, "tagged": len(tagged), "shelves": dict(shelves)}
            """),
        # a job that imports certificates: the ones with one serial number (identifies a certificate), the
        # distinct kinds of audit entries, and every organisation — a table whose one default row a
        # get-or-create adds with values written in the code
        Valid("""
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class Cert(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                serial = db.Column(db.String(128))

            class AuditEntry(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                kind = db.Column(db.String)

            class Org(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            def default_org():
                org = Org.query.first()
                if org is None:
                    org = Org(name="Main")
                    db.session.add(org)
                return org

            @shared_task
            def import_certs(items):
                default_org()
                for item in items:
                    db.session.add(Cert(serial=item["serial"]))
                    db.session.add(AuditEntry(kind=item["kind"]))
                db.session.commit()

            @shared_task
            def report(serial):
                twins = Cert.query.filter(Cert.serial == serial).all()
                kinds = AuditEntry.query.with_entities(db.distinct(AuditEntry.kind)).all()
                return {"twins": len(twins), "kinds": kinds, "orgs": [o.name for o in Org.query.all()]}
            """),
        # MongoDB: a page of orders, one customer's orders, the orders a request picks by `_id`, a summary per
        # customer (`$group`), a count, a filter built by the caller, a cursor streamed by a `for` loop, a reference
        # collection nothing adds to, a lookup on a unique code, and a string's `find`
        Valid(
            """
            from flask import Flask, request
            from flask_pymongo import PyMongo
            from mongoengine import Document, IntField, StringField
            app = Flask(__name__)
            mongo = PyMongo(app)

            class Country(Document):
                code = StringField(unique=True)
                population = IntField()

            def search(criteria):
                return list(mongo.db.orders.find(criteria))

            @app.post("/orders")
            def place_order():
                mongo.db.orders.insert_one({"customer_id": request.form["customer"], "total": request.form["total"]})
                return "ok"

            @app.get("/orders")
            def orders():
                page = int(request.args.get("page", 1))
                latest = list(mongo.db.orders.find().sort("_id", -1).skip((page - 1) * 20).limit(20))
                mine = list(mongo.db.orders.find({"customer_id": request.args["customer"]}))
                picked = list(mongo.db.orders.find({"_id": {"$in": request.args.getlist("id")}}))
                totals = list(mongo.db.orders.aggregate([{"$group": {"_id": "$customer_id", "n": {"$sum": 1}}}]))
                count = mongo.db.orders.count_documents({})
                streamed = 0
                for order in mongo.db.orders.find({}, {"total": 1}):
                    streamed += int(order["total"])
                countries = [c.code for c in Country.objects]
                first = Country.objects(code=request.args["c"]).first()
                return {"latest": latest, "mine": mine, "picked": picked, "totals": totals, "count": count,
                        "found": search(request.json), "countries": countries, "first": first.code,
                        "where": "order".find("r")}
            """,
        ),
        # a personal ledger: a handful of bank accounts (no sign-in, no timestamp), schedules dated by hand, shelves
        # of one reader plus the public ones, lookups by name (and the numbered copies of one shelf name), teams made
        # once per name, and one account's statements within two dates
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Account(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                label = db.Column(db.String(50))
                overdraft = db.Column(db.Numeric)

            class Standing(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                date = db.Column(db.Date)
                active = db.Column(db.Boolean)

            class Statement(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                account_id = db.Column(db.Integer, db.ForeignKey("account.id"))
                imported_at = db.Column(db.DateTime, default=datetime.utcnow)
                closed_on = db.Column(db.DateTime)

            class Shelf(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                public = db.Column(db.Boolean)

            class Team(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String, unique=True)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))

            def free_shelf_name(name):
                taken = {s.name for s in Shelf.query.filter(Shelf.name.ilike(f"{name}%")).all()}
                return next(f"{name}-{n}" for n in range(1, len(taken) + 2) if f"{name}-{n}" not in taken)

            @app.post("/setup")
            def setup():
                Team.get_or_create(name=request.form["team"])
                db.session.add(Account(label=request.form["label"]))
                db.session.add(Standing(date=request.form["date"], active=True))
                db.session.add(Statement(account_id=request.form["account"]))
                db.session.add(Shelf(name=free_shelf_name(request.form["shelf"]), owner_id=current_user.id))
                db.session.commit()
                return "ok"

            @app.get("/overview/<int:account_id>")
            def overview(account_id):
                start, end = request.args["from"], request.args["to"]
                return {
                    "accounts": [a.label for a in Account.query.all()],
                    "teams": [t.name for t in Team.query.all()],
                    "standing": len(Standing.query.filter(Standing.active.__eq__(True)).all()),
                    "shelves": len(Shelf.query.filter(db.or_(Shelf.owner_id == current_user.id,
                                                             Shelf.public == True)).all()),
                    "same_name": len(Shelf.query.filter(Shelf.name == request.args["name"]).all()),
                    "period": len(Statement.query.filter(Statement.account_id.__eq__(account_id),
                                                         Statement.closed_on >= start,
                                                         Statement.closed_on <= end).all()),
                }
            """),
        # a resource class whose subclass names its (reference) model, a helper narrowed by the criterion its caller
        # passes, and one episode's shots through an alias of the same table
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from flask.views import MethodView
            from sqlalchemy.orm import aliased
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Label(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)

            class Node(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                parent_id = db.Column(db.Integer, db.ForeignKey("node.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            def _subtree(criterion):
                return Node.query.filter(criterion).order_by(Node.id)

            class CollectionView(MethodView):
                def __init__(self, model):
                    self.model = model

                def post(self):
                    db.session.add(self.model.create(**request.json))
                    db.session.commit()
                    return "ok"

            class LabelsView(CollectionView):
                def __init__(self):
                    CollectionView.__init__(self, Label)

                def get(self):
                    return {"labels": [label.title for label in self.model.query.all()]}

            @app.post("/nodes")
            def add_node():
                db.session.add(Node(parent_id=request.form["parent"]))
                db.session.commit()
                return "ok"

            @app.get("/nodes/<int:episode>")
            def shots(episode):
                scene = aliased(Node)
                picked = _subtree(Node.id.in_(request.args.getlist("id"))).all()
                below = Node.query.join(scene, Node.parent_id == scene.id).filter(scene.parent_id == episode).all()
                return {"n": len(picked) + len(below)}

            app.add_url_rule("/labels", view_func=LabelsView.as_view("labels"))
            """),
        # each arm of the `if` narrows the orders to a list or to one
        Valid(
            _SHOP
            + """
        @app.get("/orders/some")
        def some_orders():
            query = Order.query
            if request.args.get("ids"):
                query = query.filter(Order.id.in_(request.args.getlist("ids")))
            else:
                query = query.filter(Order.id == request.args["id"])
            return {"ids": [o.id for o in query.all()]}
        """
        ),
        # a helper that builds the query in two ways, each bounded (one order, or the first page)
        Valid(
            _SHOP
            + """
        def one_or_page(args):
            if args.get("id"):
                return Order.query.filter_by(id=args["id"])
            return Order.query.order_by(Order.id).limit(20)

        @app.get("/orders/one-or-page")
        def one_or_page_view():
            return {"ids": [o.id for o in one_or_page(request.args).all()]}
        """
        ),
        # one job's tasks walked whole (no page, no cap in the loop), a tag's jobs read as the relationship holds
        # them, a few of the newest sliced with fixed ends, per-day counts, and the state list is the caller's ids
        Valid(
            _FARM
            + """
        @app.get("/jobs/<int:job_id>/tasks")
        def tasks(job_id):
            rows = Task.query.filter(Task.job_id == job_id).all()
            return {"frames": [t.frame for t in rows][:3]}

        @app.get("/tags/<int:tag_id>")
        def tag_page(tag_id):
            tag = Tag.query.get_or_404(tag_id)
            jobs = [j for j in tag.jobs if j.title]
            return {"jobs": [j.id for j in jobs[:10]]}

        @app.post("/jobs/<int:job_id>/export")
        def export(job_id):
            rows = Task.query.filter(Task.job_id == job_id).all()
            for i in range(0, len(rows), 100):
                db.session.bulk_save_objects([Task(frame=t.frame) for t in rows[i : i + 100]])
            return "ok"

        @app.get("/jobs/per-day")
        def per_day():
            rows = db.session.query(Job.day, db.func.count(Job.id)).group_by(Job.day).all()
            return {str(d): n for d, n in rows}

        @app.get("/jobs/picked")
        def picked():
            rows = Job.query.filter(Job.id.in_([int(i) for i in request.args.getlist("id")])).all()
            return {"ids": [j.id for j in rows]}
        """
        ),
        # loading every row is the purpose, or nothing shows the set growing: say nothing
        # a calendar page: the meetings between two dates the visitor picks, bounded by that window
        Valid(
            _MEETINGS
            + """
        @app.get("/calendar")
        def calendar():
            start = datetime.fromisoformat(request.args["start"])
            end = datetime.fromisoformat(request.args["end"])
            return {"ids": [m.id for m in Meeting.query.filter(Meeting.starts.between(start, end)).all()]}
        """,
        ),
        # a periodic job selects due reminders that are not sent yet, then marks each one sent: a queue it drains
        Valid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class Event(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Reminder(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                is_sent = db.Column(db.Boolean, default=False)
                send_at = db.Column(db.DateTime)

            @shared_task
            def send_due_reminders():
                due = Reminder.query.filter(~Reminder.is_sent, Reminder.send_at <= datetime.utcnow()).all()
                for reminder in due:
                    reminder.is_sent = True
                db.session.commit()
            """,
        ),
        # work queues and deltas: each job selects rows by an attribute that the loop over them then changes, so the
        # next run finds only what arrived since; the write may sit in a helper handed the row or in the row's method
        Valid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Invoice(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                state = db.Column(db.String, default="open")
                archived_on = db.Column(db.DateTime)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/invoices")
            def bill():
                db.session.add(Invoice(state=request.form.get("state", "open")))
                db.session.commit()
                return "ok"

            def settle(invoice):
                invoice.state = "settled"

            @shared_task
            def settle_open_invoices():
                for invoice in Invoice.query.filter(Invoice.state == "open").all():
                    settle(invoice)
                db.session.commit()

            """,
        ),
        # mongoengine: a badge job adding the badge to the documents tagged for it that lack it (a delta: after the
        # first run only new documents match)
        Valid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from mongoengine import DateTimeField, Document, EmbeddedDocument, EmbeddedDocumentField, ListField, StringField
            app = Flask(__name__)

            class Seal(EmbeddedDocument):
                kind = StringField()

            class Album(Document):
                title = StringField()
                labels = ListField(StringField())
                seals = ListField(EmbeddedDocumentField(Seal))
                trashed_at = DateTimeField()
                created = DateTimeField(default=datetime.utcnow)

                def stamp(self, kind):
                    self.update(push__seals=Seal(kind=kind))

            @app.post("/albums")
            def new_album():
                Album(title=request.form["title"]).save()
                return "ok"

            @shared_task
            def stamp_curated_albums():
                for album in Album.objects(labels="curated", seals__kind__ne="curated"):
                    album.stamp("curated")

            """,
        ),
        # the people of the instance, for a share dialog: one row per account
        Valid(
            _SHOP
            + """
        @app.get("/api/users")
        def user_names():
            return {"users": [u.id for u in User.query.all()]}
        """,
        ),
        # a command exporting every order (the operator asked for all of them), and snapshots that carry a
        # timestamp but that nothing in request or job code adds: no evidence the table grows
        Valid(
            _SHOP
            + """
        import click

        class Snapshot(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            taken = db.Column(db.DateTime, default=datetime.utcnow)

        @app.cli.command("export-orders")
        def export_orders():
            click.echo([o.id for o in Order.query.order_by(Order.id).all()])

        @app.get("/snapshots")
        def snapshots():
            return {"ids": [s.id for s in Snapshot.query.order_by(Snapshot.taken).all()]}
        """,
        ),
        # the newest reading of each meter (an inner join to a subquery grouped by the meter: one row per meter), and
        # the readings a helper filters by the columns its caller names (`by_values(meter_id=m)`): the caller's filter
        Valid(
            _METERS
            + """
        def by_values(**kwargs):
            query = db.session.query(Reading)
            for name, value in kwargs.items():
                column = getattr(Reading, name, None)
                if column:
                    query = query.filter(column == value)
            return query.all()

        @app.get("/meters/latest")
        def latest_readings():
            newest = select(Reading.meter_id, func.max(Reading.taken).label("taken")).group_by(Reading.meter_id).subquery()
            rows = db.session.scalars(
                select(Reading).join(newest, and_(Reading.meter_id == newest.c.meter_id, Reading.taken == newest.c.taken))
            ).all()
            return {"ids": [r.id for r in rows], "one": len(by_values(meter_id=request.args["meter"]))}
        """,
        ),
        # machines an operator enrolls through a worker's RPC endpoint: one call per machine, judged like a form
        # (no owner, no creation stamp), not rows a job adds run after run; a scheduled check walks them all
        Valid(
            """
            import oslo_messaging
            from oslo_service import periodic_task
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base, sessionmaker
            Base = declarative_base()
            Session = sessionmaker()

            class Machine(Base):
                __tablename__ = "machines"
                id = Column(Integer, primary_key=True)
                hostname = Column(String)

            def machine_add(values):
                session = Session()
                session.add(Machine(**values))
                session.commit()

            class Inventory:
                def enroll(self, ctxt, values):
                    machine_add(values)

            def serve(transport, target):
                return oslo_messaging.get_rpc_server(transport, target, [Inventory()])

            class Checks(periodic_task.PeriodicTasks):
                @periodic_task.periodic_task(spacing=60)
                def check_machines(self, context):
                    for machine in Session().query(Machine).all():
                        print(machine.hostname)
            """,
        ),
        # a nightly purge hands every upload it selects to the task that deletes it with its files (the next run
        # sees only the new orphans), a sweep loads two columns of every upload, and runs stamped only when they
        # finish (no creation stamp, no owner)
        Valid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Upload(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                added = db.Column(db.DateTime, default=datetime.utcnow)
                links = db.relationship("Link")

            class Link(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                upload_id = db.Column(db.Integer, db.ForeignKey("upload.id"))

            class Run(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                finished_at = db.Column(db.DateTime)

            @app.post("/uploads")
            def upload():
                db.session.add(Upload())
                db.session.add(Run())
                db.session.commit()
                return "ok"

            @shared_task
            def delete_upload(upload_id):
                db.session.delete(db.session.get(Upload, upload_id))
                db.session.commit()

            @shared_task
            def purge_orphans():
                for orphan in Upload.query.filter(~Upload.links.any()).all():
                    delete_upload.delay(orphan.id)

            @shared_task
            def sweep():
                stamps = db.session.query(Upload.id, Upload.added).all()
                return len(stamps)

            @app.get("/runs")
            def runs():
                return {"ids": [r.id for r in Run.query.all()]}
            """,
        ),
        # a column's description is no type: `skew` is an integer whatever its `doc` says about time, so the
        # printers a form enrols are a handful a job may poll whole; and one slot's votes are few, the slots being
        # each a meeting's children (meetings come with use), not a handful of parents
        Valid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from celery import shared_task
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Printer(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                skew = db.Column(db.Integer, default=0, doc="seconds this printer's clock is off the time server")

            class Meeting(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                opened = db.Column(db.DateTime, default=datetime.utcnow)

            class Slot(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                meeting_id = db.Column(db.Integer, db.ForeignKey("meeting.id"))

            class Vote(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                slot_id = db.Column(db.Integer, db.ForeignKey("slot.id"))
                voter_id = db.Column(db.Integer, db.ForeignKey("voter.id"))
                cast = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/printers")
            def enrol():
                db.session.add(Printer())
                db.session.commit()
                return "ok"

            @shared_task
            def ping_printers():
                for printer in Printer.query.all():
                    print(printer.id)

            @app.post("/meetings/<int:mid>/slots")
            def propose(mid):
                slot = Slot(meeting_id=mid)
                db.session.add(slot)
                db.session.add(Meeting())
                db.session.add(Vote(slot_id=slot.id, voter_id=request.form["me"]))
                db.session.commit()
                return "ok"

            @app.get("/slots/<int:sid>")
            def slot_votes(sid):
                return {"voters": [v.voter_id for v in Vote.query.filter_by(slot_id=sid).all()]}
            """,
        ),
        # a pay period's rows: a helper handed the column keeps it between the period's two ends
        Valid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Payment(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                made = db.Column(db.DateTime, default=datetime.utcnow)
                paid_on = db.Column(db.DateTime)

            class Period:
                def __init__(self, first, last):
                    self.first, self.last = first, last

                def narrow(self, query, day_col):
                    return query.filter(day_col >= self.first, day_col <= self.last)

                def _payments(self):
                    return self.narrow(db.session.query(Payment), Payment.paid_on)

                def payments(self):
                    return self._payments().all()

            @app.post("/payments")
            def pay():
                db.session.add(Payment(paid_on=datetime.utcnow()))
                db.session.commit()
                return "ok"

            @app.get("/period")
            def period():
                found = Period(request.args["from"], request.args["to"]).payments()
                return {"n": len(found)}
            """,
        ),
        # a data migration run once with an upgrade: loading every row is its work, and the cost does not come back
        Valid(
            _SHOP
            + """
        import click

        @app.cli.command("migrate-orders")
        def migrate_orders():
            \"\"\"Move the old `paid` flags to the new states. Should only be run once.\"\"\"
            for order in Order.query.order_by(Order.id):
                order.paid = bool(order.paid)
            db.session.commit()
        """,
        ),
        # a table trimmed each time a row is added: it keeps the last hour of revocations, not the instance's history
        Valid(
            """
            from datetime import datetime, timedelta
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Revocation(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                revoked_at = db.Column(db.DateTime, default=datetime.utcnow)

            def prune_expired():
                cutoff = datetime.utcnow() - timedelta(hours=1)
                Revocation.query.filter(Revocation.revoked_at < cutoff).delete()

            @app.post("/revocations")
            def revoke():
                db.session.add(Revocation())
                prune_expired()
                db.session.commit()
                return "ok"

            @app.get("/revocations")
            def revocations():
                return {"ids": [r.id for r in Revocation.query.order_by(Revocation.revoked_at).all()]}
            """,
        ),
        # an export: every order in one CSV file is what the view is asked for
        Valid(
            _SHOP
            + """
        import csv
        import io

        @app.get("/orders.csv")
        def orders_file():
            out = io.StringIO()
            writer = csv.writer(out)
            for order in Order.query.order_by(Order.id).all():
                writer.writerow([order.id, order.paid, order.created])
            return out.getvalue(), 200, {"Content-Type": "text/csv"}
        """,
        ),
        # a few columns of the table of people: it grows with headcount, not with what they do
        Valid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Person(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                is_guest = db.Column(db.Boolean, default=False)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/people")
            def invite():
                db.session.add(Person(is_guest=True))
                db.session.commit()
                return "ok"

            @app.get("/guests")
            def guests():
                return {"ids": [p.id for p in Person.query.filter_by(is_guest=True).with_entities(Person.id).all()]}
            """,
        ),
    )
    INVALID = (
        # a query handed to a template unrun: the template's loop runs it and walks every row, and a schema's
        # ``dump`` of many rows does the same with a ``.scalars()`` result
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, render_template, request
            from flask_sqlalchemy import SQLAlchemy
            from marshmallow import Schema, fields
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Recipe(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(120))
                added = db.Column(db.DateTime, default=datetime.utcnow)

            class RecipeOut(Schema):
                id = fields.Integer()
                name = fields.String()

            @app.post("/recipes")
            def add_recipe():
                db.session.add(Recipe(name=request.form["name"]))
                db.session.commit()
                return "ok"

            @app.get("/")
            def cookbook():
                return render_template("book.html", recipes=Recipe.query.order_by(Recipe.name))  # expect

            @app.get("/api/recipes")
            def recipes_json():
                found = db.session.execute(db.select(Recipe)).scalars()
                return RecipeOut(many=True).dump(found)  # expect
            """,
            files={
                "templates/book.html": """
                <ul>{% for r in recipes %}<li>{{ r.name }}</li>{% endfor %}</ul>
                """,
            },
            message="is handed to template `book.html`, which iterates the whole `Recipe` table",
        ),
        # SQL text through a DB-API connection (the sqlite3 tutorial shape): every row of a table the
        # request code inserts into, with no WHERE and no LIMIT
        Invalid(
            """
            import sqlite3
            from flask import Flask, g, render_template, request
            app = Flask(__name__)

            def conn():
                if "conn" not in g:
                    g.conn = sqlite3.connect("guestbook.db")
                return g.conn

            @app.teardown_appcontext
            def close(exc):
                c = g.pop("conn", None)
                if c is not None:
                    c.close()

            @app.post("/sign")
            def sign():
                conn().execute("INSERT INTO entry (name, said) VALUES (?, ?)", (request.form["n"], request.form["s"]))
                conn().commit()
                return "thanks"

            @app.get("/")
            def book():
                entries = conn().execute(  # expect
                    "SELECT e.name, e.said FROM entry e ORDER BY e.id DESC"
                ).fetchall()
                return render_template("book.html", entries=entries)
            """,
            message="loads every row of `entry`: nothing bounds it (no LIMIT, no WHERE)",
        ),
        # ``list()`` runs the query and keeps every row, as ``.all()`` does
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Visit(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                path = db.Column(db.String(200))
                seen_at = db.Column(db.DateTime, default=datetime.utcnow)

            @app.before_request
            def count_visit():
                db.session.add(Visit(path=request.path))
                db.session.commit()

            @app.get("/paths")
            def paths():
                visits = list(Visit.query.order_by(Visit.seen_at))  # expect
                return sorted({v.path for v in visits})
            """,
            message="`list(Visit.query.order_by(Visit.seen_at))` in view `paths` loads the whole `Visit` table",
        ),
        # bookings each user makes through a worker's RPC endpoint (each records its owner), listed by another
        # endpoint whose project filter applies only when the client names a project: an administrator's call
        # leaves it out and loads every booking
        Invalid(
            """
            import oslo_messaging
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base, sessionmaker
            Base = declarative_base()
            Session = sessionmaker()

            class Booking(Base):
                __tablename__ = "bookings"
                id = Column(Integer, primary_key=True)
                user_id = Column(String)
                project_id = Column(String)

            def booking_add(values):
                session = Session()
                session.add(Booking(**values))
                session.commit()

            def booking_list(project_id=None):
                query = Session().query(Booking)
                if project_id is not None:
                    query = query.filter_by(project_id=project_id)
                return query.all()  # expect

            class Bookings:
                def book(self, ctxt, values):
                    booking_add(values)

                def list_bookings(self, ctxt, project_id=None):
                    return booking_list(project_id)

            def serve(transport, target):
                return oslo_messaging.get_rpc_server(transport, target, [Bookings()])
            """,
            message="`query.all()` in `booking_list`",
        ),
        # the page size is the client's, uncapped: read in the view, or by a helper handed the request
        Invalid(
            _SHOP
            + """
        @app.get("/orders")
        def orders():
            per_page = request.args.get("per_page", 20, type=int)
            return {"ids": [o.id for o in Order.query.limit(per_page).all()]}  # expect

        def filter_orders(flask_request):
            per_page = flask_request.args.get("per_page", 10, type=int)
            return Order.query.paginate(page=1, per_page=per_page)  # expect

        @app.get("/orders/pages")
        def order_pages():
            return {"ids": [o.id for o in filter_orders(request).items]}
        """,
            message="the page size is the client's (`request.args.get('per_page', 20, type=int)`, with no upper bound",
        ),
        # one tag's jobs are few only until the page slices them out of the whole list: the code itself says they
        # are more than one page
        Invalid(
            _FARM
            + """
        @app.get("/tags/<int:tag_id>/jobs")
        def tag_jobs(tag_id):
            start, size = int(request.args.get("start", 0)), 20
            tag = Tag.query.get_or_404(tag_id)
            jobs = [j for j in tag.jobs if j.title]  # expect
            return {"total": len(jobs), "jobs": [j.id for j in jobs[start : start + size]]}
        """,
            message="and then pages it in Python",
        ),
        # a batch picked in Python out of one job's every pending task (a task without an agent is not one parent's
        # rows, nor is a literal list of states a list of keys): the batch size belongs in `.limit()`
        Invalid(
            _FARM
            + """
        @app.post("/agents/<int:agent_id>/work")
        def assign(agent_id):
            job = Job.query.order_by(Job.submitted).first()
            tasks = Task.query.filter(
                Task.job == job,
                ~Task.state.in_([WorkState.DONE, WorkState.FAILED]),
                db.or_(Task.agent_id == None, Task.state == None),
            )
            batch = []
            for task in tasks:  # expect
                if len(batch) < job.batch:
                    batch.append(task)
            return {"frames": [t.frame for t in batch]}
        """,
            message="keeps only the first rows it walks (`len(batch) < job.batch`)",
        ),
        # the owner filter applies to non-editors only: an editor loads every job; grouping by the moment of
        # submission is a group per job; the (job, tag) pairs of the association table and the columns next to a
        # subquery's count are rows of the growing `Job` table
        Invalid(
            _FARM
            + """
        @app.get("/jobs")
        def jobs():
            query = Job.query
            if not current_user.is_editor:
                query = query.filter(Job.tasks.any(Task.agent_id == current_user.id))
            return {"ids": [j.id for j in query.all()]}  # expect

        @app.get("/stats")
        def stats():
            per_moment = db.session.query(Job.submitted, db.func.count(Job.id)).group_by(Job.submitted).all()  # expect
            pairs = db.session.query(job_tags.c.job_id, Tag.name).join(Tag, job_tags.c.tag_id == Tag.id).all()  # expect
            counts = db.session.query(Task.job_id, db.func.count(Task.id).label("n")).group_by(Task.job_id).subquery()
            listed = db.session.query(Job.id, Job.title, counts.c.n).outerjoin(counts, Job.id == counts.c.job_id)
            return {"n": len(per_moment) + len(pairs) + len([1 for _ in listed])}  # expect
        """,
            message="view `jobs`",
        ),
        # one implicit group per post: a table whose form adds a few named rows still grows with the posts
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Group(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String, unique=True)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

                def share_with_author(self):
                    db.session.add(Group(name=f":post_group_{self.id}"))

            @app.post("/groups")
            def add_group():
                db.session.add(Group(name=request.form["name"]))
                db.session.commit()
                return "ok"

            @app.get("/groups")
            def all_groups():
                return {"names": [g.name for g in db.session.query(Group).all()]}  # expect
            """,
            message="loads the whole `Group` table",
        ),
        # the same store: without `?limit=` the helper never applies its limit, so every entry loads
        Invalid(
            _FEED
            + """
        class Entries(Store, MethodView):
            def get(self):
                query, more = self._filtered(limit=request.args.get("limit", type=int))
                rows = query.all()  # expect
                return {"ids": [e.id for e in rows], "more": more}

        app.add_url_rule("/entries", view_func=Entries.as_view("entries"))
        """,
            message="in view `Entries.get` loads the whole `Entry` table",
        ),
        # a sync job imports advisories from a feed, run after run; a second job loads every advisory that has an
        # unread note (a flag compared to a constant matches any advisory, not one record) — thousands after a burst
        Invalid(
            """
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class Advisory(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                notes = db.relationship("Note")

            class Note(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                advisory_id = db.Column(db.ForeignKey("advisory.id"))
                read = db.Column(db.Boolean, default=False)

            @shared_task
            def import_feed(items):
                for item in items:
                    db.session.add(Advisory(id=item["id"]))
                db.session.commit()

            @shared_task
            def mail_unread():
                pending = Advisory.query.filter(Advisory.notes.any(Note.read == False)).all()  # expect
                return [advisory.id for advisory in pending]
            """,
            message="in task `mail_unread` loads every matching row: nothing bounds it (no limit, pagination or unique "
            "filter), so its cost grows with the table (a note: in a background job",
        ),
        # one summary row per scheduled run (grouping by the run itself sums nothing away), on a page that lists
        # every run since the first one
        Invalid(
            """
            from celery import shared_task
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import func
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class SyncRun(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                changes = db.relationship("Change")

            class Change(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                run_id = db.Column(db.ForeignKey("sync_run.id"))

            @shared_task
            def sync():
                db.session.add(SyncRun())
                db.session.commit()

            @app.get("/runs")
            def runs():
                rows = (
                    db.session.query(SyncRun.id, func.count(Change.id))  # expect
                    .join(SyncRun.changes)
                    .group_by(SyncRun)
                    .all()
                )
                return {str(run_id): count for run_id, count in rows}
            """,
            message="a note: only a few columns are loaded",
        ),
        # every order but a few excluded ones; and, without `?ids=`, every order: the `in_()` that would bound
        # them is negated in one and applied only when the client sends ids in the other
        Invalid(
            _SHOP
            + """
        @app.get("/orders/listed")
        def listed_orders():
            hidden = request.args.getlist("hide")
            return {"ids": [o.id for o in Order.query.filter(~Order.id.in_(hidden)).all()]}  # expect

        @app.get("/orders/picked")
        def picked_orders():
            query = Order.query
            ids = request.args.getlist("ids")
            if ids:
                query = query.filter(Order.id.in_(ids))
            return {"ids": [o.id for o in query.all()]}  # expect
        """,
            message="loads every matching row",
        ),
        # a query bound on one way only: the other way (no `mine`, no `recent` in the request) loads every order
        Invalid(
            _SHOP
            + """
        @app.get("/orders/mine-or-all")
        def mine_or_all():
            if request.args.get("mine"):
                query = Order.query.filter_by(id=request.args["id"])
            else:
                query = Order.query
            return {"ids": [o.id for o in query.all()]}  # expect

        def recent(args):
            query = Order.query
            if args.get("recent"):
                query = query.limit(20)
            return query

        @app.get("/orders/recent")
        def recent_orders():
            return {"ids": [o.id for o in recent(request.args).all()]}  # expect
        """,
            message="loads every matching row",
        ),
        Invalid(
            _SHOP
            + """
        @app.get("/orders/unpaid")
        def unpaid_orders():
            return {"ids": [o.id for o in Order.query.filter_by(paid=False).all()]}  # expect
        """,
            message="view `unpaid_orders`",
        ),
        Invalid(
            """
            import click
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import select
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.cli.command("notify")
            def notify():
                for user in db.session.execute(select(User)).scalars():  # expect
                    print(user)
                emails = db.session.scalars(select(User).where(User.id > 10)).all()
                for user in User.query:  # expect
                    print(user)
            """,
            message="in command `notify` iterates the whole `User` table (the result is buffered first)",
        ),
        # pymongo: every event of a kind (an exclusion projection keeps the rest of each document), a list of every
        # unarchived event (a command that sorts them all asked for every one: nothing to say)
        Invalid(
            """
            import click
            from flask import Flask, request
            from pymongo import MongoClient
            app = Flask(__name__)
            db = MongoClient()["tracker"]

            @app.post("/events")
            def record_event():
                db.events.insert_one({"kind": request.json["kind"], "payload": request.json})
                return "ok"

            @app.get("/events/<kind>")
            def events_of_kind(kind):
                return {"events": list(db.events.find({"kind": kind}, {"_id": 0}))}  # expect

            @app.get("/events/kinds")
            def kinds():
                return {"kinds": [e["kind"] for e in db.events.find({"archived": False})]}  # expect

            @app.cli.command("dump-events")
            def dump_events():
                click.echo(sorted(db.events.find(), key=lambda e: e["kind"]))
            """,
            message="in view `events_of_kind` loads every matching document",
        ),
        # a job that deletes every orphaned upload it selects: a purge loads the backlog since its last run, a note (a
        # mass deletion can make that backlog large, and a bulk `delete()` would load none of it)
        Invalid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Upload(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                added = db.Column(db.DateTime, default=datetime.utcnow)
                links = db.relationship("Link")

            class Link(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                upload_id = db.Column(db.Integer, db.ForeignKey("upload.id"))

            @app.post("/uploads")
            def upload():
                db.session.add(Upload())
                db.session.commit()
                return "ok"

            @shared_task
            def expire():
                for item in Upload.query.filter(~Upload.links.any()).all():  # expect
                    db.session.delete(item)
                db.session.commit()
            """,
            message="(a note: a purge that deletes each row it selects",
        ),
        # not work queues: the loop writes a column the filter does not read (the open invoices stay open, and
        # every run loads them all again), or stamps every row of an unfiltered query (`last_polled` is no selection)
        Invalid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Invoice(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                state = db.Column(db.String, default="open")
                reminded_at = db.Column(db.DateTime)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            class Sensor(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                last_polled = db.Column(db.DateTime)
                created = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/invoices")
            def bill():
                db.session.add(Invoice())
                db.session.commit()
                return "ok"

            @app.post("/sensors")
            def enrol():
                db.session.add(Sensor())
                db.session.commit()
                return "ok"

            @shared_task
            def remind_open_invoices():
                for invoice in Invoice.query.filter(Invoice.state == "open").all():  # expect
                    invoice.reminded_at = datetime.utcnow()
                db.session.commit()

            @shared_task
            def poll_sensors():
                for sensor in Sensor.query.all():  # expect
                    sensor.last_polled = datetime.utcnow()
                db.session.commit()
            """,
        ),
        # mongoengine: the remarks on every project of a team, selected by an `$in` list built from another read (so
        # it is no list a caller chose): a team's whole history on one page
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from mongoengine import DateTimeField, Document, ReferenceField, StringField
            app = Flask(__name__)

            class Team(Document):
                name = StringField()

            class Project(Document):
                team = ReferenceField(Team)
                title = StringField()

            class Remark(Document):
                project = ReferenceField(Project)
                body = StringField()
                created = DateTimeField(default=datetime.utcnow)

            @app.post("/projects/<pid>/remarks")
            def add_remark(pid):
                Remark(project=pid, body=request.form["body"]).save()
                return "ok"

            @app.get("/teams/<tid>/remarks")
            def team_remarks(tid):
                projects = list(Project.objects(team=tid).only("id"))
                remarks = Remark.objects(project__in=projects).order_by("-created")
                return {"remarks": [r.body for r in remarks]}  # expect
            """,
        ),
        # a generic REST resource a factory makes for every table: its POST adds rows of whichever table it serves,
        # and a GET without arguments lists all of them (``limit`` stays None unless the client passes one)
        Invalid(
            """
            from flask import Flask, request
            from flask.views import MethodView
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class TableResource(MethodView):
                __model__ = None

                def post(self):
                    db.session.add(self.__model__(**request.get_json()))
                    db.session.commit()
                    return {"created": True}, 201

                def get(self):
                    rows = self.__model__.query
                    size = None
                    wanted = []
                    for key, value in request.args.items():
                        if key == "size":
                            size = int(value)
                        else:
                            wanted.append(getattr(self.__model__, key) == value)
                    if wanted:
                        rows = rows.filter(*wanted)
                    return {"items": [r.id for r in rows.limit(size).all()]}  # expect

            def expose(model):
                view = type(f"{model.__name__}Resource", (TableResource,), {"__model__": model})
                app.add_url_rule(f"/{model.__tablename__}", view_func=view.as_view(model.__tablename__))
            """,
            message="loads every row of the table `self.__model__` serves",
        ),
        # investigations each belong to the analyst who opened one, and runs stamped in epoch milliseconds: both read
        # whole through helpers (a query class method given the session, a report object keeping the session under its
        # own name)
        Invalid(
            """
            from flask import Flask, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Investigation(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)
                owner_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                archived = db.Column(db.Boolean, default=False)

                @staticmethod
                def open_ones(sess):
                    return sess.query(Investigation).filter(Investigation.archived.__eq__(False))

            class Run(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                creation_time = db.Column(db.BigInteger)

            class Digest:
                def __init__(self, store):
                    self._store = store

                def runs(self):
                    return self._store.query(Run).order_by(Run.id).all()  # expect

            @app.post("/investigations")
            def open_investigation():
                db.session.add(Investigation(title=request.form["title"], owner_id=current_user.id))
                db.session.add(Run())
                db.session.commit()
                return "ok"

            @app.get("/investigations")
            def investigations():
                rows = Investigation.open_ones(db.session).all()  # expect
                return {"ids": [i.id for i in rows], "runs": len(Digest(db.session).runs())}
            """,
            message="loads the whole `Run` table",
        ),
        # one bank account's statements: the accounts are a handful nothing but a form adds, while the upload adds
        # statements month after month, so one account's rows are most of a table that keeps growing
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Account(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                label = db.Column(db.String(50))

            class Statement(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                account_id = db.Column(db.Integer, db.ForeignKey("account.id"))
                imported_at = db.Column(db.DateTime, default=datetime.utcnow)

            @app.post("/accounts")
            def add_account():
                db.session.add(Account(label=request.form["label"]))
                db.session.commit()
                return "ok"

            @app.post("/statements")
            def upload():
                db.session.add(Statement(account_id=request.form["account"]))
                db.session.commit()
                return "ok"

            @app.get("/accounts/<int:account_id>/latest")
            def latest(account_id):
                for statement in Statement.query.filter(Statement.account_id.__eq__(account_id)).all():  # expect
                    return {"id": statement.id}
                return {}
            """,
            message="view `latest`",
        ),
        # a subquery grouped by the reading itself keeps one row per reading: joined to it, every reading loads
        Invalid(
            _METERS
            + """
        @app.get("/meters/counted")
        def counted_readings():
            per_row = select(Reading.id, func.count(Reading.meter_id).label("n")).group_by(Reading.id).subquery()
            rows = db.session.query(Reading).join(per_row, Reading.id == per_row.c.id).all()  # expect
            return {"ids": [r.id for r in rows]}
        """,
            message="in view `counted_readings` loads every matching row",
        ),
        # every order the shop ever took, on an admin-only dashboard: its purpose, but it grows with the shop
        Invalid(
            _SHOP
            + """
        def admin_required(view):
            return view

        @app.get("/dashboard")
        @admin_required
        def dashboard():
            return {"orders": len(Order.query.all())}  # expect
        """,
            message="(a note: on an admin-only page whose purpose is to list the rows)",
        ),
        # the model imported under another name is the same table
        Invalid(
            """
            from flask import Flask
            from shop_models import Order as OrderRow, db
            app = Flask(__name__)

            @app.post("/orders")
            def place_order():
                db.session.add(OrderRow(paid=False))
                db.session.commit()
                return "ok"

            @app.get("/orders")
            def orders():
                return {"ids": [o.id for o in db.session.query(OrderRow).all()]}  # expect
            """,
            files={
                "shop_models.py": """
            from datetime import datetime
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class Order(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                paid = db.Column(db.Boolean)
                created = db.Column(db.DateTime, default=datetime.utcnow)
            """
            },
            message="loads the whole `Order` table",
        ),
        # one render's frames (renders come with use: each is stamped, and a render has as many frames as it asks
        # for, though the frame table has no stamp of its own) paged in Python; and quotes loaded only to be
        # counted, where a count loads none
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Render(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                queued = db.Column(db.DateTime, default=datetime.utcnow)

            class Frame(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                render_id = db.Column(db.Integer, db.ForeignKey("render.id"))
                number = db.Column(db.Integer)

            @app.post("/renders")
            def submit():
                render = Render()
                db.session.add(render)
                for n in range(int(request.form["frames"])):
                    db.session.add(Frame(render_id=render.id, number=n))
                db.session.commit()
                return "ok"

            @app.get("/renders/<int:rid>/frames")
            def frames(rid):
                start = int(request.args.get("start", 0))
                rows = Frame.query.filter_by(render_id=rid).order_by(Frame.number).all()  # expect
                return {"frames": [f.number for f in rows[start : start + 20]]}
            """,
            message="and then pages it in Python",
        ),
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Quote(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                text = db.Column(db.String(200))

            @app.post("/quotes")
            def add_quote():
                db.session.add(Quote(text=request.form["text"]))
                db.session.commit()
                return "ok"

            @app.get("/quotes/any")
            def any_quote():
                return {"any": len(Quote.query.all()) > 0}  # expect
            """,
            message="then only counts the rows",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if uses_mongo(ctx.project) and self._documents(
            materialised_read(node), node, ctx, "loads every matching document"
        ):
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr == "paginate":
            self._paginated(node, ctx)
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr == "fetchall":
            self._raw(node, ctx)
            return
        if (dotted(node.func) or "").rsplit(".", 1)[-1] in RENDER_CALLS:
            self._rendered(node, ctx)
            return
        if (isinstance(node.func, ast.Attribute) and node.func.attr in DUMP_CALLS) or (
            isinstance(node.func, ast.Name) and node.func.id == "marshal"
        ):
            self._dumped(node, ctx)
            return
        if isinstance(node.func, ast.Name) and node.func.id in _LISTING and len(node.args) == 1:
            self._listed(node, ctx)
            return
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in MATERIALISE):
            return
        if node.args or not in_application_code(ctx) or run_context(ctx) is None:
            return
        query = query_of(node, ctx, helpers=True, generic=True)
        if query is not None and query.model is None and query.root == "session" and listed_rows(query, ctx):
            # ``session.query(Task.id, func.count(Change.id)).group_by(Task)`` (a summary row per task),
            # ``session.query(Job.id, Job.title, counts.c.n)``: the rows of that model's table, listed
            query.model = column_model(query, ctx)
        if query is None and node.func.attr == "all":
            self._collection(node, node, ctx)  # ``tag.posts_dynamic.all()``
            return
        if query is None or (query.model is None and query.generic is None):
            return
        unbounded, picked = self._unbounded(query, ctx, node, node)
        if unbounded:
            counted = _only_counted(node, ctx)
            what = "loads every matching row, then only counts the rows" if counted else "loads every matching row"
            self._report(node, node, query, ctx, what, picked, counted=counted)

    def _listed(self, node: ast.Call, ctx: Context) -> None:
        """``list(Post.query)``, ``sorted(db.session.scalars(select(Post)), key=...)``: a query run and kept whole.

        The query is not materialised yet (no ``.all()``, which is reported where it is called); ``list()`` runs
        it and keeps every row, as ``.all()`` would.
        """
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        query = query_of(node.args[0], ctx, helpers=True, generic=True)
        if query is None or (query.model is None and query.generic is None):
            return
        if query.outer in MATERIALISE or query.outer == "paginate" or query.outer.startswith("first"):
            return  # loaded where it is called (``list(q.all())``) or one page of it
        if query.root == "select" and not (query.names & SESSION_EXECUTE):
            return  # a statement object, not its rows
        if query.names & _ONE_ROW:
            return
        unbounded, picked = self._unbounded(query, ctx, node, node)
        if unbounded:
            self._report(node, node, query, ctx, "loads every matching row", picked)

    def _paginated(self, node: ast.Call, ctx: Context) -> None:
        """``query.paginate(page, per_page)`` whose ``per_page`` the client chooses: a page as big as it asks."""
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        size = client_sized(node, ctx)
        if size is None:
            return
        query = query_of(node, ctx, helpers=True, generic=True)
        if query is None or (query.model is None and query.generic is None):
            return
        unbounded, picked = self._unbounded(query, ctx, node, node)
        if unbounded:
            self._report(node, node, query, ctx, "pages every matching row", picked)

    @staticmethod
    def _client_size(query: Query, ctx: Context) -> ClientSize | None:
        """The client's page size, when a ``.limit(n)``/``.paginate()`` of the query takes one."""
        return next(
            (found for m, n in query.methods if m in ("limit", "paginate") and (found := client_sized(n, ctx))),
            None,
        )

    @staticmethod
    def _unbounded(query: Query, ctx: Context, load: ast.AST, at: ast.AST) -> tuple[bool, PickedInPython | None]:
        """Nothing visible bounds the rows (and the filter is not built somewhere we cannot see).

        One parent's rows are bounded, unless the parents are a handful nothing adds more of while the rows'
        own table grows (one bank account's statements, year after year), or the code cuts them down in Python
        afterwards (a page sliced out, the first few kept): then it says itself they are more than it needs.
        """
        if bound_reason(query, ctx) is not None or unknown_filter(query, ctx) or own_or_shared(query, ctx):
            return False, None
        if not per_parent(query, ctx, joined=True, always=True):
            return True, None
        from flask_doctor.static.facts.orm.paging import picked_in_python  # see the note at the top of the module

        cut = picked_in_python(load, at, ctx)
        if cut is not None:
            return True, cut
        picked = selection(query, ctx)  # a few parents, but a time window still narrows one parent's rows
        return few_parents(query, ctx) is not None and not (picked.window or picked.recent), None

    def _raw(self, node: ast.Call, ctx: Context) -> None:
        """``db.execute("SELECT ... FROM post ORDER BY created DESC").fetchall()``: a DB-API read of every row.

        Said only in request code, for a whole table (no ``WHERE``, ``LIMIT``, parameter or aggregate) that
        request or job code adds rows to with SQL text (``INSERT INTO post``, not only from admin pages),
        outside a cached view and a table of accounts; a note on an admin-only page.
        """
        if not in_application_code(ctx) or run_context(ctx) != REQUEST:
            return  # a job reading every row is a sweep, its purpose; a command's load is the operator's
        fn = ctx.function
        assert fn is not None
        rows = raw_rows(node, fn.node, node.lineno + 1)
        if rows is None or rows.table is None or not rows.whole_table or rows.table in _ACCOUNT_TABLES:
            return
        added = raw_inserts(ctx.project).get(rows.table)
        if added is None or cached_result(ctx.project, fn):
            return
        less = None
        if admin_only(ctx.project, fn):
            less = "on an admin-only page whose purpose is to list the rows"
        note = f" (a note: {less})" if less else ""
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{rows.label}` in {describe_context(ctx)} loads every row of `{rows.table}`: nothing bounds it "
                f"(no LIMIT, no WHERE), so its cost grows with the table{note}",
                hint="Page it in SQL (`LIMIT ? OFFSET ?`, or keyset paging on the ordering column), or in "
                "jobs iterate the cursor in batches with `fetchmany(500)`.",
                evidence=[
                    Evidence(f"`{added[0].display}` adds rows to `{rows.table}`", added[1]),
                    *ctx.chain_evidence(REQUEST),
                ],
                severity=Severity.NOTE if less else None,
            )
        )

    def _rendered(self, node: ast.Call, ctx: Context) -> None:
        """``render_template("index.html", posts=Post.query.order_by(...))``: a query handed to a template unrun.

        A ``{% for p in posts %}`` loop there runs it and walks every row, as a loop in the view would; the
        finding is at the variable the view passes (where the query is to be bounded), with the template's loop
        as evidence. A pagination object's ``items`` is one page, and a query the view already ran
        (``.all()``) is reported where it runs.
        """
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        seen: set[int] = set()
        for loop in rendered_loops(ctx.project, (node, ctx.module.path)):
            passed = loop.passed.value
            if loop.iterable is not passed or id(passed) in seen:
                continue  # ``page.items``: one page
            seen.add(id(passed))
            where = Evidence(f"the loop over `{loop.var}` in template `{loop.shown_name}`", loop.location(loop.node))
            self._iter(passed, passed, ctx, handed=(f"handed to template `{loop.shown_name}`, which", where))

    def _dumped(self, node: ast.Call, ctx: Context) -> None:
        """``PostSchema(many=True).dump(db.session.execute(select(Post)).scalars())``: a serializer walking a query.

        The dump iterates the rows it is given, running the query and keeping one object (and one dict) per row.
        """
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        dump = dump_of(ctx.project, ctx.module, ctx.function, node)
        if dump is None:
            return
        where = Evidence(f"{dump.text} serializes every row it is given", ctx.location(node))
        self._iter(dump.rows, dump.rows, ctx, handed=(f"handed to {dump.text}, which", where))

    def _iter(
        self, iterable: ast.expr, at: ast.AST, ctx: Context, *, handed: tuple[str, Evidence] | None = None
    ) -> None:
        """A loop over ``iterable`` (or, with ``handed``, a template's loop or a serializer given it: how the
        finding says so, and where that walk happens)."""
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        if (
            handed is None
            and uses_mongo(ctx.project)
            and self._documents(iterable, at, ctx, "iterates every matching document")
        ):
            return
        query = query_of(iterable, ctx, helpers=True, generic=True)
        if query is None:
            if handed is None:
                self._collection(iterable, at, ctx)
            return
        if query.outer in MATERIALISE or query.outer in EXECUTE or query.outer == "paginate":
            return  # reported where it runs (``.all()``, ``.paginate()``)
        if query.root == "select" and not (query.names & SESSION_EXECUTE):
            return  # iterating a statement object is not running it
        if query.model is None and query.root == "session" and listed_rows(query, ctx):
            query.model = column_model(query, ctx)  # ``session.query(Job.id, Job.title, counts.c.n)``: rows of `Job`
        if query.model is None and query.generic is None:
            return
        unbounded, picked = self._unbounded(query, ctx, iterable, at)
        if unbounded:
            what = "iterates every matching row (the result is buffered first)"
            if handed is not None:
                what = f"is {handed[0]} iterates every matching row"
            more = [handed[1]] if handed is not None else []
            self._report(iterable, at, query, ctx, what, picked, buffered=True, more=more)

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        self._iter(node.iter, node, ctx)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension, ctx: Context) -> None:
        self._iter(node.iter, node.iter, ctx)

    def _documents(self, expr: ast.expr | None, at: ast.AST, ctx: Context, what: str) -> bool:
        """A MongoDB read of many documents loaded whole (``list(coll.find())``, ``for d in Doc.objects``).

        ``True`` when ``expr`` is such a read (reported or not), so the SQLAlchemy checks need not look.
        """
        if expr is None or not in_application_code(ctx) or run_context(ctx) is None:
            return expr is not None
        read: MongoRead | None = unbounded_read(expr, ctx)
        if read is None:
            return False
        owner = ctx.ancestors[-1] if ctx.ancestors else None
        streamed = isinstance(at, (ast.For, ast.AsyncFor)) or isinstance(owner, ast.GeneratorExp)
        if not kept_whole(read, streamed=streamed):
            return True  # a loop over a pymongo cursor streams it
        if streamed:
            what += " (the queryset keeps each one it yields)"
        assert ctx.function is not None
        from flask_doctor.static.facts.orm.work_queue import latest_value, read_picks, self_limiting

        latest = latest_value(ctx.function, expr, at)  # ``rows`` assigned twice: the read this loop walks
        walked = (unbounded_read(latest, ctx) if latest is not None else None) or read
        drain = self_limiting(ctx.project, ctx.function, read_picks(walked), expr, at, read.collection.document)
        if drain is not None and not drain.purge:
            return True  # a work queue or a delta: the loop moves each document it walks out of the selection
        judged = unbounded_evidence(read, ctx, run_context(ctx) or REQUEST, implicit=streamed)
        if judged is None:
            return True  # small by design, or loading all of it is the purpose: no evidence of harm
        less, evidence = judged
        if drain is not None and less is None:
            less, evidence = _PURGE, [*evidence, drain.evidence]
        if less is None and run_context(ctx) == JOB:
            less = _IN_JOB
        note = f" (a note: {less})" if less else ""
        ctx.report(
            self.finding(
                ctx.location(at),
                f"{read_label(read, expr)} in {describe_context(ctx)} {what}: nothing bounds it (no limit, page, "
                f"`_id` or `$in` filter), so its cost grows with the `{read.collection.label}` collection{note}",
                hint="Page it (`.skip(n).limit(size)`, `.paginate(...)`), or in jobs/commands iterate the cursor with "
                "a projection of the fields needed instead of building a list.",
                evidence=[*evidence, *ctx.chain_evidence(run_context(ctx) or REQUEST)],
                severity=Severity.NOTE if less else None,
            )
        )
        return True

    @staticmethod
    def _why_less(
        query: Query,
        ctx: Context,
        context: str,
        insert: InsertSite | None,
        load: tuple[ast.AST, ast.AST],
        *,
        buffered: bool,
    ) -> tuple[str | None, list[Evidence]] | None:
        """How loud to be: ``None`` to say nothing, else ``(why it is only a note, evidence)`` (``None`` for a warning).

        Nothing is said where loading every row is the purpose or nothing shows the set growing: a command's
        explicit ``.all()`` (the operator asked for every row), a work queue the job drains (each run sees the
        backlog since the last one), a time window, a cached result, an account table (it grows with headcount,
        not activity), or a table nothing in request or job code adds to. A job that deletes each row it walks
        purges them (the next run sees only the backlog since), and one that loads a few columns of every row
        sweeps the table as cheaply as it can (the sweep is its purpose). Three cases stay notes: a command that
        iterates a query (the loop reads as streaming, yet every row is buffered first), a few columns of a
        table that grows, and an admin page listing a table that request or job code fills (the page grows
        with the instance, though listing the rows is its purpose). ``load`` is the expression that loads the
        rows and the node the finding is at. A selection the loop over the rows empties (it writes the attribute
        the filter reads: :func:`~flask_doctor.static.facts.orm.work_queue.self_limiting`) is silent too: each run
        loads the backlog since the previous one, the very work it has to do. One it empties by deleting each row
        is a note (a purge: a mass deletion makes the backlog large, and a bulk ``delete()`` loads no rows).
        """
        project, fn = ctx.project, ctx.function
        assert fn is not None and query.model is not None
        if context == CLI:
            if one_off_command(fn):
                return None  # a data migration: it loads every row once per upgrade, which is its work
            return ("in a command an operator runs by hand", []) if buffered else None
        if account_table(query.model):
            return None  # one row per person: the table grows with headcount, not with activity
        if context == REQUEST and export_view(project, fn):
            return None  # an export hands every row over as a file: that is what it is asked for
        picked = selection(query, ctx)
        if picked.columns or picked.keys:
            if drained_by(project, fn, query.model, context, list(picked.columns), set(picked.keys)) is not None:
                return None  # a work queue: the rows it selects are processed and leave the selection
        if picked.recent or picked.window:
            return None  # a time window bounds the rows
        from flask_doctor.static.facts.orm.work_queue import query_picks, self_limiting

        drain = self_limiting(project, fn, query_picks(query, ctx), *load, query.model.qualname)
        if drain is not None and not drain.purge:
            return None  # a work queue or a delta: the loop moves each row it walks out of the selection
        if context == JOB and deleted_each(*load, fn) is not None:
            return None  # a purge: each run deletes what it selects, so it sees the backlog since the last one
        if columns_only(query):
            if context == JOB:
                return None  # a job's sweep over every row, loading only the columns it needs
            return "only a few columns are loaded, not model instances", []
        if cached_result(project, fn) or insert is None:
            return None  # a cached result, or nothing shows the table growing
        if context == REQUEST and admin_only(project, fn):
            return "on an admin-only page whose purpose is to list the rows", []
        if drain is not None:
            return _PURGE, [drain.evidence]
        if context == JOB:
            return _IN_JOB, []
        return None, []

    def _report_generic(
        self,
        expr: ast.AST,
        at: ast.AST,
        query: Query,
        ctx: Context,
        what: str,
        *,
        buffered: bool,
        more: list[Evidence],
    ) -> None:
        """A generic resource class (``self.__model__.query``): the table is whichever one the class serves, and
        the evidence that it grows is the class's own create handler adding rows of it. Quiet where the
        SQLAlchemy judgement is (:meth:`_why_less`): a command's explicit load, a cached result."""
        assert query.generic is not None and ctx.function is not None
        insert = generic_insert(ctx.project, ctx.function, query.generic)
        if insert is None:
            return  # nothing in the class adds rows: no evidence either way
        context = run_context(ctx) or REQUEST
        less = None
        if context == CLI:
            if not buffered:
                return
            less = "in a command an operator runs by hand"
        elif cached_result(ctx.project, ctx.function) or (
            context == REQUEST and export_view(ctx.project, ctx.function)
        ):
            return
        elif context == REQUEST and admin_only(ctx.project, ctx.function):
            less = "on an admin-only page whose purpose is to list the rows"
        elif context == JOB:
            less = _IN_JOB
        note = f" (a note: {less})" if less else ""
        what = what.replace("every matching row", f"every row of the table `{query.generic}` serves")
        ctx.report(
            self.finding(
                ctx.location(at),
                f"{query_label(query, expr)} in {describe_context(ctx)} {what}: nothing bounds it "
                f"(no limit, pagination or unique filter), so its cost grows with the table{note}",
                hint=self._HINT,
                evidence=[
                    *more,
                    Evidence(f"`{insert.function.display}` adds rows of `{query.generic}`", insert.location),
                    *ctx.chain_evidence(context),
                ],
                severity=Severity.NOTE if less else None,
            )
        )

    _HINT = (
        "Page it (`db.paginate(...)`, `.limit(n)`), or in jobs/commands stream with "
        "`.execution_options(yield_per=500)` / `yield_per(500)`, or use a bulk `update()`/`delete()`."
    )

    def _collection(self, expr: ast.expr, at: ast.AST, ctx: Context) -> None:
        """One record's collection (``tag.posts``) loaded whole and then paged or cut down in Python."""
        from flask_doctor.static.facts.orm.paging import collection_read, picked_in_python

        found = collection_read(expr, ctx)
        if found is None:
            return
        cut = picked_in_python(expr, at, ctx, names=found.names)
        if cut is None:
            return  # one record's rows, like ``filter_by(tag_id=...)``: bounded by their parent
        items = found.items
        if grows_with_use(ctx.project, items) is None:
            return  # a reference table: a record holds few of them
        context = run_context(ctx) or REQUEST
        insert = user_facing_insert(ctx.project, items)
        if context == CLI or insert is None:
            return  # a command's own listing, or nothing shows the collection growing
        less = _IN_JOB if context == JOB else None
        if context == REQUEST and ctx.function is not None and admin_only(ctx.project, ctx.function):
            less = "on an admin-only page whose purpose is to list the rows"
        evidence = [
            Evidence(f"the code {cut.how}", ctx.location(cut.node)),
            Evidence(f"`{insert.function.display}` adds `{items.name}` rows", insert.location),
        ]
        note = f" (a note: {less})" if less else ""
        ctx.report(
            self.finding(
                ctx.location(at),
                f"`{ast.unparse(expr)}` in {describe_context(ctx)} loads every `{items.name}` of one "
                f"`{found.owner.name}` (`{found.owner.name}.{found.relation.attr}`) and then {cut.how}: the "
                f"collection's cost grows with the table, not with the page shown{note}",
                hint="Query the rows with the page in SQL (`Post.query.with_parent(tag).offset(start).limit(size)`, "
                'or a `lazy="dynamic"` relationship with `.limit()`), instead of slicing the loaded list.',
                evidence=[*evidence, *ctx.chain_evidence(context)],
                severity=Severity.NOTE if less else None,
            )
        )

    def _report(
        self,
        expr: ast.AST,
        at: ast.AST,
        query: Query,
        ctx: Context,
        what: str,
        cut: PickedInPython | None = None,
        *,
        buffered: bool = False,
        more: list[Evidence] | None = None,
        counted: bool = False,
    ) -> None:
        """Report ``query`` loaded whole; ``buffered`` when a loop walks it (the rows are all fetched first);
        ``more`` is evidence of that walk when it happens elsewhere (a template's loop, a serializer);
        ``counted`` when the rows are only counted or tested for existence (``len(q.all())``)."""
        if query.model is None:
            self._report_generic(expr, at, query, ctx, what, buffered=buffered, more=more or [])
            return
        # rows that belong to a growing record grow with it, but on real code that alone proved too weak (one
        # event's sessions, one form's sections): it counts where the code itself cuts the rows down in Python
        growth = grows_with_use(ctx.project, query.model, via_parent=cut is not None)
        insert = user_facing_insert(ctx.project, query.model)
        counted_only = None
        if growth is None and counted and insert is not None and not (query.names & {"filter", "filter_by", "where"}):
            # a whole table loaded only to be counted (``len(Book.query.all()) > 0``): no row is needed at all, so a
            # table request code adds to is enough for a note, though nothing shows it growing
            counted_only = "the rows are only counted, though nothing shows the table growing with use"
            growth = f"`{insert.function.display}` adds `{query.model.name}` rows"
        if growth is None:
            return  # a reference table (categories, settings): bounded in practice
        if not grows_by_name(query.model) and admin_curated(ctx.project, query.model) is not None:
            return  # only administrators add rows (registered clients, secrets): a few by design
        if configuration_table(query.model) and filled_by_jobs(ctx.project, query.model) is None:
            return  # settings, roles, categories, schedules: rows people set up by hand, a handful by design
        if pruned_on_insert(ctx.project, query.model) is not None:
            return  # each insert trims the table past a cutoff: it holds a moving window, not the instance's history
        context = run_context(ctx) or REQUEST
        applied = {m for m, n in query.methods if id(n) not in query.optional}  # not a helper's optional filter
        filtered = applied & {"filter", "filter_by", "where", "join"}
        table = f"the whole `{query.model.name}` table" if query.model and not filtered else "every matching row"
        link = next(
            (
                name
                for entity in query.entities
                if isinstance(entity, ast.Attribute) and isinstance(entity.value, ast.Attribute)
                for name in [(dotted(entity.value.value) or "").rsplit(".", 1)[-1]]
                if entity.value.attr == "c" and name in link_tables(ctx.project)
            ),
            None,
        )
        if link is not None:
            table = f"every row of the association table `{link}` (its links to each `{query.model.name}`)"
        what = what.replace("every matching row", table)
        hint = self._HINT
        judged = self._why_less(query, ctx, context, insert, (expr, at), buffered=buffered)
        if judged is None:
            return  # loading every row is the purpose, or nothing shows the set growing
        less, extra = judged
        if less is None and counted_only is not None:
            less = counted_only
        evidence: list[Evidence] = list(more or ())
        if insert is not None:
            evidence.append(Evidence(f"`{insert.function.display}` adds `{query.model.name}` rows", insert.location))
            if grows(ctx.project, query.model, typed=True) is None and counted_only is None:
                evidence.append(Evidence(growth, query.model.location))  # why a table with a form still grows
        elif growth is not None:
            evidence.append(Evidence(growth, query.model.location))
        evidence += extra
        if cut is not None:
            evidence.insert(0, Evidence(f"the code {cut.how}", ctx.location(cut.node)))
            what += f" and then {cut.how}"
        note = f" (a note: {less})" if less else ""
        bound = "nothing bounds it (no limit, pagination or unique filter)"
        if counted:
            hint = "Count in SQL: `q.count()`, or test `db.session.query(q.exists()).scalar()`: no row needs loading."
        client = self._client_size(query, ctx)
        if client is not None and context == REQUEST and ctx.function and admin_only(ctx.project, ctx.function):
            return  # an administrator choosing how many rows to list is the page's purpose, not an attack
        if client is not None:
            evidence = [*client.evidence, *evidence]
            bound = (
                f"the page size is the client's ({client.source}, with no upper bound: no `min(n, MAX)`, "
                "`max_per_page=` or check), so one request can ask for all of them"
            )
            hint = (
                "Cap the page size: `per_page = min(request.args.get('per_page', 20, type=int), 100)`, "
                "or `paginate(..., max_per_page=100)`."
            )
        ctx.report(
            self.finding(
                ctx.location(at),
                f"{query_label(query, expr)} in {describe_context(ctx)} {what}: {bound}, "
                f"so its cost grows with the table{note}",
                hint=hint,
                evidence=[*evidence, *ctx.chain_evidence(context)],
                severity=Severity.NOTE if less else None,
            )
        )
