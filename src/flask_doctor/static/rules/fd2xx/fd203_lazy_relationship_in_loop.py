"""FD203 lazy-relationship-in-loop: A lazy relationship is read on every row of a query result (N+1 queries)."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.orm.loop_cost import capped_count, per_item_io
from flask_doctor.static.facts.orm.loops import (
    FUNCTION_LOOP_CALLS,
    always_read,
    changes_attribute,
    enclosing_loop,
    function_loop,
    item_changed_by,
    item_reads,
    key_function_rows,
    loop_item,
    preloaded_by,
    preloaded_by_processor,
    property_reads,
    touched_before,
)
from flask_doctor.static.facts.orm.models import (
    Relation,
    association_proxies,
    foreign_key_of,
    grows,
    model_for,
    relations,
    sign_in_account,
)
from flask_doctor.static.facts.orm.mongo import conditions as document_conditions
from flask_doctor.static.facts.orm.mongo import document_fields, growth, read_of, uses_mongo
from flask_doctor.static.facts.orm.mongo import parent_key as document_parent
from flask_doctor.static.facts.orm.queries import (
    LAZY_PER_ROW,
    Query,
    distinct_parents_by_key,
    filter_terms,
    in_application_code,
    iterated_query,
    loaded_parents,
    loads_eagerly,
    loop_rows,
    one_owner_keys,
    one_record,
    parent_key,
    parents_pinned,
    per_owner,
    query_label,
    rows_passed_in,
    run_context,
    selection,
    walks_instances,
)
from flask_doctor.static.facts.orm.usage import (
    DELETES,
    ParentCollection,
    UserCollection,
    drained_by,
    few_parents_table,
    few_rows,
    parent_collection,
    person_table,
    user_collection,
    user_facing_insert,
    writes_rows,
)
from flask_doctor.static.facts.serializers import (
    DUMP_CALLS,
    PYDANTIC_BUILDS,
    Dump,
    FieldRead,
    dump_of,
    marshalled_returns,
    mixin_serialized,
    pydantic_build,
)
from flask_doctor.static.facts.templates import RENDER_CALLS, TemplateLoop, rendered_collections, rendered_loops
from flask_doctor.static.model import REQUEST, FunctionInfo, ModelInfo, Project
from flask_doctor.static.rules.base import (
    Context,
    FixExample,
    Invalid,
    Rule,
    Valid,
    describe_context,
)
from flask_doctor.static.syntax import walk

#: The evidence that points at the query's root, where ``--fix`` adds ``.options(selectinload(...))``.
QUERY_ROOT = "the query the loop walks, built here"


#: A mongoengine field whose value is fetched when read (not ``LazyReferenceField``, ``CachedReferenceField``).
_DEREFERENCED = re.compile(r"^(?:[\w.]*\.)?((?:Generic)?ReferenceField)\(")


class LazyRelationshipInLoop(Rule):
    """
    ## What it does
    Finds lazy relationship attributes (`lazy="select"`, the default, or
    `lazy="dynamic"`) read on each row of a loop over a query result that
    does not load that relationship eagerly — the query written in the
    function, returned by a project helper (`self.get_bills()`, a function
    returning `q.all()`, one returning every row of the model class it is
    given: `every(Band)` over `return model.query.all()`, a generic base
    class's method called on a subclass
    that sets its model: `PostController.list_items()` where the base
    queries `cls.model.query` and `PostController` sets `model = Post`), or
    passed in by a caller (`csv_text(rows)`, with the caller's call as
    evidence, or by its own caller handing the rows on: `export(rows)` ->
    `_rows(rows)`). Some rows a comprehension keeps (`kept = [p for p in
    posts if p.public]`, then `for p in kept:`) are the same objects, with
    the same relationships still unloaded, and so are the items of a
    Flask-SQLAlchemy 3 page iterated directly (`for p in db.paginate(...)`);
    in a loop over the rows of a
    select of several entities (`for post, user in
    session.execute(select(Post, User).join(...))`) the first name holds
    a row of the first entity. A many-to-one to one of the other entities
    is not reported there: the join loaded those objects, and the identity
    map answers a many-to-one without a query. Reads in a helper the loop
    hands each row to count too (`csv_row(order)` -> `customer_label(order)`
    -> `order.customer`, or the model's own `to_dict()` reading
    `self.notes`), up to two helpers deep, unless the helper reads it only
    under an optional flag the call does not pass. Reading a property of
    the model (`@property`, `hybrid_property`) runs its getter on each row:
    its collection reads count, and so does a many-to-one it reads on every
    run (`return self.author.name`), not one read only for some rows (after
    `if self.hidden: return None`). A sort key or `map`
    function over the rows is a loop too (`sorted(rows, key=lambda p:
    p.author.name)`, or a named function: `map(to_row, rows)`), and so is a loop over each row's collection inside
    the loop over the rows (`for p in posts: for c in p.comments:
    c.author.name`, or `[c.author for p in posts for c in p.comments]`)
    when the child table grows with use: one query per child, unless the
    outer query loads it (`selectinload(Post.comments).selectinload(
    Comment.author)`) or it leads back to the outer row. A loop over the signed-in
    user's collection (`for r in current_user.watched: r.org.name`) counts
    too: the collection comes in one query, each item's relationship costs
    one more, and one person's items point to different parents; not the
    other side of that very collection (`post.author` for each of
    `current_user.posts`, paired by `back_populates`/`backref`): that is the
    signed-in user, already in the session. So does
    a loop over the collection of one object the function loads
    (`post = Post.query...first()`, then `for c in post.comments:
    c.author.name`, or `agent.tasks` of a `lazy="dynamic"` relationship run
    whole) when the child table grows with use: a many-to-one read there
    is reported only when the rows point to different parents (the
    authors of a post's comments, the jobs of an agent's tasks), not when
    it leads back to the loaded object's own model (`task.job` for each of
    `job.tasks`) or to a reference table. The related class is the one
    `relationship()` names, or for a typed mapping that names none
    (`depot: Mapped["Depot"] = relationship(back_populates="parcels")`)
    the one its annotation names.

    Templates count too: a view that renders `render_template("posts.html",
    posts=rows)` with the rows of such a query, and a `{% for p in posts %}`
    loop there (or over `page.items`, `posts|sort(...)`, or in a template it
    `{% include %}`s) reading `{{ p.author.name }}`, is reported at the
    template's line, with the view and its query as evidence. Templates are
    parsed with Jinja's parser only (nothing is rendered); one that does not
    parse is skipped, and macros called with the row are not followed. A
    template loop over the collection of one object the view loads and
    passes (`post = db.get_or_404(Post, pid)`, `{% for c in post.comments
    %}{{ c.author.name }}`) is judged as the same loop in the view, and
    is a note: the page lists what that one object holds, often a few.
    When what each row reads there is a many-to-one to anything but a
    person (a job's child jobs, each child's tool version), nothing is
    said: a few children sharing a few parents cost one query per distinct
    parent, and the identity map answers the rest.

    Serializers count too: an API list endpoint that dumps the rows of such
    a query with a marshmallow schema (`posts_schema.dump(rows)` of a
    `PostSchema(many=True)`, `PostSchema().dump(rows, many=True)`,
    flask-apispec's `@marshal_with(PostSchema(many=True))`, flask-smorest's
    `@blp.response(200, PostSchema(many=True))`, APIFlask's
    `@app.output(PostSchema(many=True))`) or a
    flask-restful/restx dict of fields (`marshal(rows, post_fields)`,
    `@marshal_with(post_fields)` on the view returning them) reads each
    field's attribute on every row: `fields.Nested`, `fields.List(
    fields.Nested(...))`, `fields.Pluck`, a dotted `attribute="author.name"`,
    what a `fields.Method`/`fields.Function` reads of its object, the names of
    `Meta.fields`, and every relationship of an auto schema with
    `include_relationships = True` (narrowed by `Meta.fields`/`exclude` and
    the instance's `only=`/`exclude=`). It is reported at the dump, one
    finding naming each lazy relationship the serializer loads. A pydantic
    model built from each row's attributes (`[PostOut.model_validate(p) for
    p in rows]` with `from_attributes`, or `PostOut.from_orm(p)`) reads the
    attribute of each of its annotated fields (or of the field's
    `validation_alias`/`alias`): a field named after a lazy relationship
    loads it per row. So does SQLAlchemy-serializer's `to_dict()` on a
    model mixing in its `SerializerMixin` (and defining no `to_dict` of
    its own): it serializes every relationship of the row, less those its
    `serialize_rules`/`rules=` exclude (`"-steps"`) and outside its
    `serialize_only`/`only=`. A dump of one
    object (`many` unset or `False`), a nested field over a column (a JSON
    dict) and a column-only schema are not reported; nor is a serializer
    over one object's collection (`schema.dump(post.comments)`).

    MongoDB apps using mongoengine get the same check for a `ReferenceField`
    (or `GenericReferenceField`) read on each document of a queryset
    (`for g in Gig.objects(...): g.band.name`): mongoengine fetches the
    referenced document when the attribute is read, one query per document
    (it keeps no identity map), unless the queryset asks for
    `select_related()` or `no_dereference()`. Said for a collection that
    grows; a note when the queryset is filtered (one parent's documents, or
    as many as a filter selects), and nothing in a purge or when each
    document already costs a call to another service.

    ## Why is this bad?
    Reading `post.comments` on a lazily loaded relationship runs one
    `SELECT` the first time it is touched on each object. A loop over 100
    posts that shows each post's comments runs 101 queries — invisible in
    the code, obvious in the database. Relationships loaded with
    `selectinload`/`joinedload`/`subqueryload` in the query's
    `options(...)`, or declared with `lazy="selectin"`/`"joined"`/
    `"subquery"`, are not reported; `lazyload(...)` and a chain's
    `defaultload(...)` step load nothing and do not count. Nor is a `lazy="dynamic"` relationship
    that is only tested for truth (`if post.comments:`, `[p for p in
    posts if p.likes]`,
    `{% if queue.children %}`): it is a query object, always true, and the
    test runs no SQL; what an `or` after it never reaches is not a read
    either. Nor is a relationship already in each row's state: assigned
    just before it is read (`self.hidden_by = user`, also in a `super()`
    method run first), or loaded by an earlier loop over the same rows, in
    the function or in the helper that returned them (that loop is
    reported instead), or by one of the app's context processors, which
    Flask runs before the template renders: a loop there over the same
    model's rows, picked by conditions the view's query applies too (every
    active account; the page's active cash accounts, passed as a list),
    reading it on each. Relationships declared on a mixin
    (`@declared_attr`) or by a `backref` count too.

    A many-to-one attribute (`post.author`) costs one query per *distinct*
    parent: SQLAlchemy's identity map answers the rows that share one. It
    is not reported when the query is filtered by that very parent
    (`filter_by(event=e)`, `with_parent(e)`) or to parents the code holds
    (`Track.event_id.in_(e.id for e in events)`, also when a helper
    returning the query builds that list: `ids = [m.id for m in
    self.members]`), nor
    when the parent is another row of the same table and the query loads
    the whole table (`Queue.query.all()` then `q.parent`: every parent is
    among the rows loaded), nor when the rows belong to one container (the
    events of one sketch point to its few search indexes, the tasks of one
    agent to a handful of jobs: one query per distinct parent; so do rows
    kept to the keys of one object's collection, the solves of one team's
    members: `Solve.user_id.in_(m.id for m in team.members)`). Among one
    container's rows, a person (someone who signs in: the submitters of one
    survey) is a note, each row likely a different one, but a ledger or bank
    `Account` nobody signs in with is not a person; and when the rows' table
    does not grow with use (a timestamp or growing name, and code adding rows
    per request or job: not the users notified of one job), one record's rows are a handful,
    whoever each points to, and nothing is said. It stays a warning
    when the parents are likely distinct (the authors of a list of posts,
    the sketches of a user's recent views). Nor is a many-to-one whose
    parents are few however many rows point to them: the query joins them
    and keeps those of one record (`Bill.payer_id == Person.id`,
    `Person.project_id == pid`: the payers among one project's members), or
    their table is one nothing shows growing, only an admin page or a
    command adds to, and not a table of people (a household's bank
    accounts, its cars, set up once). A table users add to through a form
    (their organisations, the templates of receipts) may hold a row for
    each of a list's rows, so it stays reported; unless nobody signs in to
    the application and it keeps no table of people (no users, friends or
    customers): its forms add one person's setup (the languages a reader
    reads, a household's cars), a handful. Nor is a many-to-one the loop
    groups its rows by (`by_template[r.template].append(r)`): the code
    expects several rows per parent, each parent loaded once. Nor is any
    read in a loop over one record and its rare twins: a query pinned on
    a unique or identifying column of its own rows, or a name in hand
    (`Cert.query.filter(Cert.serial == cert.serial)`: the loop runs once
    or twice). A one-to-many read over the rows of one parent is reported
    only when their table grows with use (a timestamp or growing name, and
    code adding rows per request or job: the certificates one authority
    issues, the events of one sketch); with less evidence they are the
    children of one record, a handful (the chart groups of one sketch, the
    sections of one form, the tracks of one event), and not reported; nor
    when their table is one nothing shows growing (rules an operator set
    up: no request or job adds them), when the loop deletes or rewrites each
    row anyway (a helper that commits per row: a batched read would leave
    the N writes), or when a job drains a queue (each row is worked on).

    Nothing is said, whatever the rows, when the code caps them at a few
    (`.limit(3)`, `paginate(per_page=5)`, `rows[:5]`: five at most; ten
    recent items each loading a relationship are still reported), or when
    each iteration of the loop already calls another service: sends an
    e-mail, calls an HTTP API or a third-party SDK's `...Client`, runs a
    command, moves or deletes a file, sends a task to a queue or reads a
    task's state from its result backend (`celery.AsyncResult(...)`), in the
    loop or in a project function it calls. One more query per row is
    noise next to that. A commit per row is not such a call (it is a
    database round trip like the load), nor is I/O under an `if` that
    tests the relationship the loop reads. Nor is a relationship the loop
    changes on each row anyway, itself or in a project function it hands
    the row to, up to three calls down (`request_rotation(endpoint, new)`
    -> `deploy(endpoint, new)` setting `endpoint.certificate`): loading it
    first is part of that change, one row at a time.

    ## Example
    ```python
    posts = Post.query.order_by(Post.created.desc()).limit(20).all()
    return [{"title": p.title, "author": p.author.name} for p in posts]
    ```

    ## Use instead
    ```python
    from sqlalchemy.orm import selectinload

    posts = (
        Post.query.options(selectinload(Post.author))
        .order_by(Post.created.desc()).limit(20).all()
    )
    ```

    ## Fix safety
    Unsafe: `--unsafe-fixes` adds `.options(selectinload(Model.rel))` to
    the query the loop walks, where it is built (`from sqlalchemy.orm
    import selectinload` added). The rows' relationship is then loaded in
    one more query for the whole page; behaviour stays the same unless the
    code relies on reading the relationship later than the query (changed
    rows in between). Skipped with a note for `lazy="dynamic"`
    relationships (they cannot be loaded eagerly) and for queries built in
    several places or in another function.

    ## References
    - SQLAlchemy 2.0: "Relationship Loading Techniques" (select IN loading)
    - Flask-SQLAlchemy: "Models and Tables" (`db.relationship`)
    """

    code = "FD203"
    name = "lazy-relationship-in-loop"
    severity = Severity.WARNING
    catalog = ("S12",)
    summary = "A lazy relationship is read on every row of a query result (N+1 queries)."
    call_names = RENDER_CALLS | DUMP_CALLS | FUNCTION_LOOP_CALLS

    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.order_by(Post.id).limit(20).all()
                return [{"title": p.id, "author": p.author.name} for p in posts]
            """,
        after="""
            from flask import Flask
            from models import db, Post
            from sqlalchemy.orm import selectinload

            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.options(selectinload(Post.author)).order_by(Post.id).limit(20).all()
                return [{"title": p.id, "author": p.author.name} for p in posts]
            """,
        files={
            "models.py": """
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                author_id = db.Column(db.ForeignKey("user.id"))
                author = db.relationship("User", backref="posts")
            """
        },
    )

    _MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            author_id = db.Column(db.ForeignKey("user.id"))
            author = db.relationship("User", backref="posts")
            tags = db.relationship("Tag", lazy="selectin")
            comments = db.relationship("Comment", lazy="dynamic")
        """

    #: A generic base controller and service whose queries read the model a subclass sets (``cls.model``).
    _CONTROLLERS = """
        from sqlalchemy.orm import selectinload
        from models import Post, User

        class BaseController:
            model = None

            @classmethod
            def build_query(cls, args):
                return cls.model.query, {}

            @classmethod
            def list(cls, args):
                query, metas = cls.build_query(args)
                objects = query.paginate(page=args.get("page", 1), per_page=20)
                return objects, metas

            @classmethod
            def list_items(cls, args):
                objects, _ = cls.list(args)
                return objects.items

        class PostController(BaseController):
            model = Post

        class UserController(BaseController):
            model = User

        class EagerPostController(BaseController):
            model = Post

            @classmethod
            def build_query(cls, args):
                return cls.model.query.options(selectinload(Post.author)), {}

        class BaseService:
            model = None

            def get_all(self):
                return self.model.query.order_by(self.model.id).limit(100).all()

        class PostService(BaseService):
            model = Post
        """

    _COLLECTION_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Kind(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            path = db.Column(db.String)
            comments = db.relationship("Comment", backref="post")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
            user_id = db.Column(db.ForeignKey("user.id"))
            kind_id = db.Column(db.ForeignKey("kind.id"))
            author = db.relationship("User")
            kind = db.relationship("Kind")

        class Agent(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            tasks = db.relationship("Task", backref="agent", lazy="dynamic")

        class Job(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String)
            submitted = db.Column(db.DateTime, default=datetime.utcnow)
            tasks = db.relationship("Task", backref="job")

        class Task(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            agent_id = db.Column(db.ForeignKey("agent.id"))
            job_id = db.Column(db.ForeignKey("job.id"))
            submitted = db.Column(db.DateTime, default=datetime.utcnow)
        """

    _HELD_PARENTS_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            created = db.Column(db.DateTime, default=datetime.utcnow)

        class Event(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String)
            created = db.Column(db.DateTime, default=datetime.utcnow)
            tracks = db.relationship("Track", backref="event")
            blocks = db.relationship("Block", backref=db.backref("event", lazy=False))

        class Hideable:
            def hide(self, user):
                self.hidden_by = user
                return self

        class Track(Hideable, db.Model):
            id = db.Column(db.Integer, primary_key=True)
            event_id = db.Column(db.ForeignKey("event.id"))
            user_id = db.Column(db.ForeignKey("user.id"))
            hidden_by_id = db.Column(db.ForeignKey("user.id"))
            created = db.Column(db.DateTime, default=datetime.utcnow)
            convener = db.relationship("User", foreign_keys=[user_id])
            hidden_by = db.relationship("User", foreign_keys=[hidden_by_id])
            reviews = db.relationship("Review")

            def hide(self, user):
                super().hide(user)
                self.log_hidden()
                db.session.commit()

            def log_hidden(self):
                print(self.hidden_by.name)

        class Review(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            track_id = db.Column(db.ForeignKey("track.id"))

        class Block(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            event_id = db.Column(db.ForeignKey("event.id"))
        """

    _SERIALIZED_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String)
            meta = db.Column(db.JSON)
            created = db.Column(db.DateTime, default=datetime.utcnow)
            author_id = db.Column(db.ForeignKey("user.id"))
            author = db.relationship("User", backref="posts")
            comments = db.relationship("Comment")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
            text = db.Column(db.String)
        """

    _SCHEMAS = """
        from marshmallow import Schema, fields
        from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
        from models import Post

        class UserSchema(Schema):
            id = fields.Int()
            name = fields.Str()

        class CommentSchema(Schema):
            id = fields.Int()
            text = fields.Str()

        class PostSchema(Schema):
            id = fields.Int()
            title = fields.Str()
            author = fields.Nested(UserSchema)
            comments = fields.List(fields.Nested(CommentSchema))
            meta = fields.Nested(UserSchema)

        class PostRowSchema(Schema):
            id = fields.Int()
            writer = fields.Method("get_writer")

            def get_writer(self, post):
                return [c.text for c in post.comments]

        class PostAutoSchema(SQLAlchemyAutoSchema):
            class Meta:
                model = Post
                include_relationships = True
                fields = ("id", "title", "comments")

        posts_schema = PostSchema(many=True)
        """

    #: Bank accounts whose latest statement a property reads from the lazy collection of all of them.
    _STATEMENT_MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            kind = db.Column(db.String)
            active = db.Column(db.Boolean)
            statements = db.relationship("Statement", order_by="Statement.id")

            @property
            def latest(self):
                if not self.statements:
                    return None
                return self.statements[-1]

        class Statement(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            balance = db.Column(db.Numeric)
            account_id = db.Column(db.ForeignKey("account.id"))
        """

    #: Certificates (uploaded with a timestamp; a serial shared by a duplicate) and receipts made from a few templates.
    _CERT_MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Authority(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            certs = db.relationship("Cert", backref="authority")

        class Cert(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            serial = db.Column(db.String)
            issued_at = db.Column(db.DateTime)
            authority_id = db.Column(db.ForeignKey("authority.id"))
            roles = db.relationship("Role")

        class Role(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            cert_id = db.Column(db.ForeignKey("cert.id"))

        class Template(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class Receipt(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            template_id = db.Column(db.ForeignKey("template.id"))
            template = db.relationship("Template")
        """

    #: Posts with comments that users add, each by its author; a post's likes are a dynamic query.
    _NESTED_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            created = db.Column(db.DateTime, default=datetime.utcnow)

        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String)
            created = db.Column(db.DateTime, default=datetime.utcnow)
            author_id = db.Column(db.ForeignKey("user.id"))
            author = db.relationship("User")
            comments = db.relationship("Comment", backref="post")
            likes = db.relationship("Like", lazy="dynamic")

        class Comment(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created = db.Column(db.DateTime, default=datetime.utcnow)
            post_id = db.Column(db.ForeignKey("post.id"))
            author_id = db.Column(db.ForeignKey("user.id"))
            author = db.relationship("User")

        class Like(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            post_id = db.Column(db.ForeignKey("post.id"))
        """

    #: Entries of one statement, each booked on a ledger account or entered by a person who signs in.
    _LEDGER_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Account(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String)
            password_hash = db.Column(db.String)

        class Entry(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            statement_id = db.Column(db.Integer, index=True)
            booked = db.Column(db.DateTime, default=datetime.utcnow)
            account_id = db.Column(db.ForeignKey("account.id"))
            clerk_id = db.Column(db.ForeignKey("user.id"))
            account = db.relationship("Account")
            clerk = db.relationship("User")
        """

    #: Views that open ledger accounts and statement entries from a form.
    _LEDGER_VIEWS = """
        from flask import Flask, request
        from models import db, Account, Entry
        app = Flask(__name__)

        @app.post("/accounts")
        def open_account():
            db.session.add(Account(name=request.form["name"]))
            db.session.commit()
            return "ok"

        @app.post("/statements/<int:sid>/entries")
        def book(sid):
            db.session.add(Entry(statement_id=sid, account_id=int(request.form["account"])))
            db.session.commit()
            return "ok"
        """

    _AUTHOR_MODELS = """
        from datetime import datetime
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Author(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created_at = db.Column(db.DateTime, default=datetime.utcnow)
            name = db.Column(db.String)
            active = db.Column(db.Boolean)
            books = db.relationship("Book")

        class Book(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created_at = db.Column(db.DateTime, default=datetime.utcnow)
            author_id = db.Column(db.ForeignKey("author.id"))
        """

    _TEAM_MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class Team(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            members = db.relationship("User", backref="team", lazy="joined")

            def member_solves(self):
                member_ids = [member.id for member in self.members]
                return Solve.query.filter(Solve.user_id.in_(member_ids)).order_by(Solve.at.desc()).all()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            email = db.Column(db.String, unique=True)
            password_hash = db.Column(db.String)
            created = db.Column(db.DateTime)
            team_id = db.Column(db.ForeignKey("team.id"))

        class Solve(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            at = db.Column(db.DateTime)
            user_id = db.Column(db.ForeignKey("user.id"))
            user = db.relationship("User", foreign_keys=[user_id])
            team_id = db.Column(db.ForeignKey("team.id"))
            team = db.relationship("Team")
            checker_id = db.Column(db.ForeignKey("user.id"))
            checker = db.relationship("User", foreign_keys=[checker_id])
        """

    _TEAM_VIEWS = """
        from flask import Flask, request
        from models import db, Team, User, Solve
        app = Flask(__name__)

        @app.post("/join")
        def join():
            db.session.add(User(name=request.form["name"]))
            db.session.add(Team(name=request.form["team"]))
            db.session.add(Solve())
            db.session.commit()
            return "ok"
        """

    VALID = (
        # the rows of one composite key's other columns plus the parent itself: every row has that one parent
        Valid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Release(db.Model):
                __tablename__ = "releases"
                id = db.Column(db.Integer, primary_key=True)
                notes = db.Column(db.String)
                figures = db.relationship("Figure", backref="release")

            class Figure(db.Model):
                region = db.Column(db.String, primary_key=True)
                release_id = db.Column(db.Integer, db.ForeignKey("releases.id"), primary_key=True)
                day = db.Column(db.Date, primary_key=True)
                value = db.Column(db.Integer)

            @app.post("/releases")
            def add_release():
                db.session.add(Release(notes="daily"))
                db.session.commit()
                return "", 201

            @app.get("/releases/<int:rid>/<region>")
            def region_figures(rid, region):
                rows = Figure.query.filter(Figure.release_id == rid, Figure.region == region).all()
                return [{"day": str(f.day), "notes": f.release.notes} for f in rows]
            """
        ),
        # the sections of one form: only a command adds them (a timestamp, but no request or job adding rows),
        # so one form's sections are a handful; reading each one's fields costs a few queries
        Valid(
            """
        import click
        from datetime import datetime
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Form(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        class Section(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            created = db.Column(db.DateTime, default=datetime.utcnow)
            form_id = db.Column(db.ForeignKey("form.id"))
            fields = db.relationship("Field")

        class Field(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            section_id = db.Column(db.ForeignKey("section.id"))

        @app.cli.command("add-section")
        @click.argument("form_id", type=int)
        def add_section(form_id):
            db.session.add(Section(form_id=form_id))
            db.session.commit()

        @app.get("/forms/<int:fid>")
        def form(fid):
            sections = Section.query.filter_by(form_id=fid).order_by(Section.id).all()
            return [[f.id for f in s.fields] for s in sections]
        """
        ),
        # a helper keeps the rows to one team's members (`user_id.in_` the ids of the members it holds):
        # each solve's `user` is one of those loaded members and its `team` that one team
        Valid(
            _TEAM_VIEWS
            + """
        @app.get("/teams/<int:tid>/solves")
        def team_solves(tid):
            team = db.get_or_404(Team, tid)
            return [(s.user.name, s.team.name) for s in team.member_solves()]
        """,
            files={"models.py": _TEAM_MODELS},
        ),
        # mongoengine: ``select_related()`` fetches the referenced bands together, after the page of gigs
        Valid("""
            from datetime import datetime
            from flask import Flask, request
            from mongoengine import DateTimeField, Document, ReferenceField, StringField
            app = Flask(__name__)

            class Band(Document):
                name = StringField()

            class Gig(Document):
                venue = StringField()
                played_at = DateTimeField(default=datetime.utcnow)
                band = ReferenceField(Band)

            @app.post("/gigs")
            def add_gig():
                Gig(venue=request.form["venue"], band=request.form["band"]).save()
                return "ok"

            @app.get("/gigs")
            def gigs():
                return [f"{g.band.name} at {g.venue}" for g in Gig.objects.order_by("-played_at")[:50].select_related()]
            """),
        # flask-smorest: one post dumped per request, and a list whose query joins each post's author
        Valid(
            """
            from flask.views import MethodView
            from flask_smorest import Blueprint
            from marshmallow import Schema, fields
            from sqlalchemy.orm import joinedload
            from models import db, Post

            blp = Blueprint("posts", __name__, url_prefix="/posts")

            class WriterOut(Schema):
                name = fields.Str()

            class PostOut(Schema):
                id = fields.Int()
                author = fields.Nested(WriterOut)

            @blp.route("/<int:pid>")
            @blp.response(200, PostOut)
            def one(pid):
                return db.get_or_404(Post, pid)

            @blp.route("/")
            class Posts(MethodView):
                @blp.response(200, PostOut(many=True))
                def get(self):
                    return Post.query.options(joinedload(Post.author)).order_by(Post.id).limit(50).all()
            """,
            files={"models.py": _MODELS},
        ),
        # the topic page shows the topic's own title beside each reply (the loaded topic itself), and an
        # explicit ``defaultload(...).selectinload(...)`` chain loads the authors of every post's comments
        Valid(
            """
            from datetime import datetime
            from flask import Flask, render_template, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Member(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                handle = db.Column(db.String(40))
                joined_at = db.Column(db.DateTime, default=datetime.utcnow)

            class Topic(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(200))
                replies = db.relationship("Reply", back_populates="topic")

            class Reply(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                text = db.Column(db.Text)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)
                topic_id = db.Column(db.ForeignKey("topic.id"))
                topic = db.relationship("Topic", back_populates="replies")
                member_id = db.Column(db.ForeignKey("member.id"))
                member = db.relationship("Member")

            @app.post("/join")
            def join():
                db.session.add(Member(handle=request.form["handle"]))
                db.session.commit()
                return "ok"

            @app.post("/topics/<int:tid>/replies")
            def reply(tid):
                db.session.add(Reply(topic_id=tid, member_id=current_user.id, text=request.form["text"]))
                db.session.commit()
                return "ok"

            @app.get("/topics/<int:tid>")
            def topic(tid):
                shown = db.get_or_404(Topic, tid)
                return render_template("topic.html", topic=shown)
            """,
            files={
                "templates/topic.html": """
                {% for r in topic.replies %}<p>{{ r.topic.title }}: {{ r.text }}</p>{% endfor %}
                """,
            },
        ),
        # a job's page lists that job's child jobs and each child's version: the children of one job are a
        # handful, and they share a few versions (not people), one query per distinct version
        Valid(
            """
            from datetime import datetime
            from flask import Flask, render_template, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class ToolVersion(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                number = db.Column(db.String(20))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            class Job(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(200))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)
                parent_id = db.Column(db.ForeignKey("job.id"))
                children = db.relationship("Job")
                version_id = db.Column(db.ForeignKey("tool_version.id"))
                version = db.relationship("ToolVersion")

            @app.post("/versions")
            def add_version():
                db.session.add(ToolVersion(number=request.form["number"]))
                db.session.commit()
                return "ok"

            @app.post("/jobs")
            def add_job():
                db.session.add(Job(title=request.form["title"], parent_id=request.form.get("parent")))
                db.session.commit()
                return "ok"

            @app.get("/jobs/<int:jid>")
            def job(jid):
                shown = db.get_or_404(Job, jid)
                return render_template("job.html", job=shown)
            """,
            files={
                "templates/job.html": """
                {% for child in job.children %}<p>{{ child.title }} ({{ child.version.number }})</p>{% endfor %}
                """,
            },
        ),
        # the page (Flask-SQLAlchemy 3 pages can be iterated) comes with each post's author in one more query
        Valid(
            """
            from flask import Flask
            from sqlalchemy.orm import selectinload
            from models import db, Post
            app = Flask(__name__)

            @app.get("/feed")
            def feed():
                page = db.paginate(db.select(Post).options(selectinload(Post.author)).order_by(Post.id.desc()))
                return [{"id": p.id, "by": p.author.name} for p in page]
            """,
            files={"models.py": _MODELS},
        ),
        # the author of each of the signed-in user's own posts is that user: the session already holds it
        Valid("""
            from flask import Flask
            from flask_login import current_user, login_required
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                drafts = db.relationship("Draft", back_populates="writer")

            class Draft(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                writer_id = db.Column(db.ForeignKey("user.id"))
                writer = db.relationship("User", back_populates="drafts")

            @app.post("/drafts")
            @login_required
            def new_draft():
                db.session.add(Draft(writer=current_user))
                db.session.commit()
                return "ok"

            @app.get("/my-drafts")
            @login_required
            def my_drafts():
                return [{"id": d.id, "by": d.writer.name} for d in current_user.drafts]
            """),
        # the entries of one statement, each with the ledger account it is booked on: bank or ledger accounts
        # nobody signs in with are few per statement, one query per distinct one (the identity map answers)
        Valid(
            """
            from flask import Flask
            from models import Entry
            from views import app

            @app.get("/statements/<int:sid>")
            def statement(sid):
                return [e.account.name for e in Entry.query.filter_by(statement_id=sid).all()]
            """,
            files={"models.py": _LEDGER_MODELS, "views.py": _LEDGER_VIEWS},
        ),
        # a moderation action archives each post with a helper that commits per post: the post's author read
        # there comes with a write per row anyway, and one batched read would leave the N commits in place
        Valid(
            """
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            def archive(post):
                post.archived_by = post.author.name
                db.session.commit()

            @app.post("/archive-all")
            def archive_all():
                for post in Post.query.order_by(Post.id).limit(100).all():
                    archive(post)
                return "done"
            """,
            files={"models.py": _MODELS},
        ),
        # the settings page lists every rule an operator configured, each with its options: nothing in the
        # project adds rules from a request or a job (only a command), so the rows are few
        Valid(
            """
            from flask import Flask
            from models import Rule
            app = Flask(__name__)

            @app.get("/admin/rules")
            def rules():
                return [{"name": r.name, "options": [o.value for o in r.options]} for r in Rule.query.all()]
            """,
            files={
                "models.py": """
                from flask_sqlalchemy import SQLAlchemy
                db = SQLAlchemy()

                class Rule(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    name = db.Column(db.String)
                    options = db.relationship("RuleOption")

                class RuleOption(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    rule_id = db.Column(db.ForeignKey("rule.id"))
                    value = db.Column(db.String)
                """,
                "cli.py": """
                import click
                from models import db, Rule

                @click.command()
                @click.argument("name")
                def add_rule(name):
                    db.session.add(Rule(name=name))
                    db.session.commit()
                """,
            },
        ),
        # a property that reads the many-to-one only for some rows, rows of one parent handed to ``map``, and a
        # sort key over rows that load the relationship with ``selectinload``
        Valid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy.orm import selectinload
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Comment(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                hidden = db.Column(db.Boolean)
                author_id = db.Column(db.ForeignKey("user.id"))
                author = db.relationship("User")

                @property
                def shown_author(self):
                    if self.hidden:
                        return None
                    return self.author.name

            def by(comment):
                return comment.author.name

            @app.post("/comments")
            def add():
                db.session.add(Comment(author_id=request.json["author"]))
                db.session.commit()
                return "ok"

            @app.get("/comments")
            def comments():
                return {
                    "shown": [c.shown_author for c in Comment.query.all()],
                    "mine": list(map(by, Comment.query.filter_by(author_id=request.args["user"]))),
                    "sorted": [c.id for c in sorted(Comment.query.options(selectinload(Comment.author)), key=by)],
                }
            """,
        ),
        # the comments' authors come with the posts (the chained loader), `c.post` is the outer row again,
        # and a dynamic relationship tested in a comprehension's condition is a query object, not a load
        Valid(
            """
            from flask import Flask, request
            from sqlalchemy.orm import selectinload
            from models import db, Comment, Post, User
            app = Flask(__name__)

            @app.post("/comments")
            def add():
                db.session.add(User(name=request.form["name"]))
                db.session.add(Comment(post_id=request.form["post"], author_id=request.form["user"]))
                db.session.commit()
                return "ok"

            @app.get("/threads")
            def threads():
                posts = Post.query.options(selectinload(Post.comments).selectinload(Comment.author)).all()
                return [[c.author.name for c in p.comments] for p in posts]

            @app.get("/titles")
            def titles():
                posts = Post.query.options(selectinload(Post.comments)).all()
                return [c.post.title for p in posts for c in p.comments]

            @app.get("/liked")
            def liked():
                return [p.id for p in Post.query.all() if p.likes]
            """,
            files={"models.py": _NESTED_MODELS},
        ),
        # each track already posts to a web hook or sends a mail (costlier than the query loading its reviews);
        # the five newest tracks load their reviews in five queries at most
        Valid(
            """
            import requests
            from celery import shared_task
            from flask import Flask
            from flask_mail import Mail, Message
            from models import db, Event, Track
            app = Flask(__name__)
            mail = Mail(app)

            @app.post("/tracks/new")
            def add():
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"

            @shared_task
            def push_reviews():
                for track in Track.query.all():
                    requests.post("https://hooks.example/reviews", json={"n": len(track.reviews)}, timeout=10)

            def mail_reviews(track):
                mail.send(Message(f"{len(track.reviews)} reviews", recipients=["chair@example.org"]))

            @shared_task
            def review_mails():
                for track in Track.query.all():
                    mail_reviews(track)

            @app.get("/tracks/newest")
            def newest():
                tracks = Track.query.order_by(Track.created.desc()).limit(5).all()
                return [len(t.reviews) for t in tracks]
            """,
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # parents the code already holds: `track.event` of `with_parent(event)` is that event, `track.event`
        # of rows filtered to `event_id.in_(e.id for e in events)` is one of those events (the identity map
        # answers a many-to-one on the primary key); `hide` assigns `hidden_by` before it is read;
        # `Block.event` is a `lazy=False` backref (joined with the blocks)
        Valid(
            """
            from flask import Flask
            from flask_login import current_user
            from models import db, Event, Track, Block, User
            app = Flask(__name__)

            @app.get("/events/<int:eid>/tracks")
            def tracks(eid):
                event = Event.query.filter_by(id=eid).first_or_404()
                rows = Track.query.with_parent(event).order_by(Track.id).all()
                return [t.event.title for t in rows]

            @app.get("/events")
            def events():
                events = Event.query.order_by(Event.created.desc()).limit(20).all()
                rows = Track.query.filter(Track.event_id.in_(e.id for e in events)).all()
                return {t.id: t.event.title for t in rows}

            @app.post("/tracks/hide")
            def hide_all():
                for track in Track.query.order_by(Track.id).limit(50).all():
                    track.hide(current_user)
                return "ok"

            @app.get("/blocks")
            def blocks():
                return [b.event.title for b in Block.query.order_by(Block.id).limit(50).all()]

            @app.post("/events/new")
            def add():
                db.session.add(Event(title="x"))
                db.session.add(User(name="x"))
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"
            """,
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # the template reads each post's author, loaded with the posts; a template that does not parse is skipped
        Valid(
            """
            from flask import Flask, render_template
            from sqlalchemy.orm import selectinload
            from models import db, Post
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.options(selectinload(Post.author)).order_by(Post.id).limit(20).all()
                return render_template("posts.html", posts=posts)

            @app.get("/broken")
            def broken():
                return render_template("broken.html", posts=Post.query.all())
            """,
            files={
                "models.py": _MODELS,
                "templates/posts.html": """
                {% for p in posts %}<li>{{ p.author.name }} {{ p.tags|length }}</li>{% endfor %}
                """,
                "templates/broken.html": """
                {% for p in posts %}{{ p.comments|count }}{% endfor
                """,
            },
        ),
        # `if p.comments` only tests a dynamic relationship's query object (always true, no SQL), so the
        # `or` never reaches `count()`; a queue's parent is another row of the whole table this query loaded
        Valid(
            """
            from flask import Flask, render_template
            from flask_sqlalchemy import SQLAlchemy
            from models import db, Post
            app = Flask(__name__)

            class Queue(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                parent_id = db.Column(db.ForeignKey("queue.id"))
                parent = db.relationship("Queue", remote_side=[id])

            @app.get("/")
            def index():
                posts = Post.query.order_by(Post.id).limit(20).all()
                flags = [1 for p in posts if not p.comments]
                return render_template("posts.html", posts=posts, flags=flags)

            @app.get("/queues")
            def queues():
                rows = Queue.query.order_by(Queue.name).all()
                return [(q.name, q.parent.name if q.parent else "") for q in rows]
            """,
            files={
                "models.py": _MODELS,
                "templates/posts.html": """
                {% for p in posts %}
                  {% if p.comments or p.comments.count() %}<a href="/p/{{ p.id }}">comments</a>{% endif %}
                {% endfor %}
                """,
            },
        ),
        # one organisation's repositories (one parent's children, usually a handful), and the signed-in user's
        # repositories read for a reference table's name (few distinct licences: the identity map answers)
        Valid("""
            from flask import Flask
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                repos = db.relationship("Repo")

            class Org(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                repos = db.relationship("Repo")

            class Repo(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                user_id = db.Column(db.ForeignKey("user.id"))
                org_id = db.Column(db.ForeignKey("org.id"))
                licence = db.relationship("Licence")
                stars = db.relationship("Star")

            class Licence(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Star(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            @app.get("/orgs/<int:org_id>")
            def org_page(org_id):
                org = db.get_or_404(Org, org_id)
                mine = [r.licence for r in current_user.repos]
                return {"stars": [len(r.stars) for r in org.repos], "n": len(mine)}
            """),
        Valid(
            """
            from flask import Flask
            from sqlalchemy.orm import selectinload
            from models import db, Post
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.options(selectinload(Post.author)).limit(20).all()
                return [{"t": p.id, "a": p.author.name, "tags": [t.name for t in p.tags]} for p in posts]
            """,
            files={"models.py": _MODELS},
        ),
        Valid(
            """
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            @app.get("/post/<int:pid>")
            def show(pid):
                post = db.get_or_404(Post, pid)
                names = [c.id for c in (1, 2)]
                return {"author": post.author.name, "ids": [p.author_id for p in Post.query.limit(5)]}
            """,
            files={"models.py": _MODELS},
        ),
        # SQLAlchemy 2.0 typed mappings name the related class only in the annotation
        # (``depot: Mapped["Depot"] = relationship(back_populates=...)``): a page of parcels points to a few
        # depots of a reference table nothing adds to, each loaded once, then the identity map answers
        Valid("""
            from datetime import datetime
            from typing import List
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import Mapped, mapped_column, relationship
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Depot(db.Model):
                id: Mapped[int] = mapped_column(primary_key=True)
                code: Mapped[str] = mapped_column(String(8), unique=True)
                parcels: Mapped[List["Parcel"]] = relationship(back_populates="depot")

            class Parcel(db.Model):
                id: Mapped[int] = mapped_column(primary_key=True)
                sent_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
                depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
                depot: Mapped["Depot"] = relationship(back_populates="parcels")

            @app.post("/parcels")
            def send():
                db.session.add(Parcel(depot_id=int(request.form["depot"])))
                db.session.commit()
                return "ok"

            @app.get("/parcels")
            def parcels():
                page = Parcel.query.order_by(Parcel.id.desc()).limit(25).all()
                return [{"id": p.id, "depot": p.depot.code} for p in page]
            """),
        # the timelines of one sketch all point to that sketch: the identity map answers; a purge job that
        # deletes each registration reads its data once per row anyway
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Sketch(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                timelines = db.relationship("Timeline", backref="sketch")

            class Timeline(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                sketch_id = db.Column(db.Integer, db.ForeignKey("sketch.id"))

            @app.get("/sketch/<int:sid>/timelines")
            def timelines(sid):
                return [t.sketch.id for t in Timeline.query.filter_by(sketch_id=sid).all()]
            """),
        # a schedule's slots nest under other slots of the same schedule, all loaded by the one query (the
        # identity map answers `slot.parent`); each slot's layout is one of a few layouts (a reference table)
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Layout(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Schedule(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Slot(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                schedule_id = db.Column(db.Integer, db.ForeignKey("schedule.id"))
                parent_id = db.Column(db.Integer, db.ForeignKey("slot.id"))
                children = db.relationship("Slot", backref=db.backref("parent", remote_side=[id]))
                layout_id = db.Column(db.Integer, db.ForeignKey("layout.id"))
                layout = db.relationship("Layout")

            @app.get("/schedule/<int:sid>")
            def schedule(sid):
                plan = db.get_or_404(Schedule, sid)
                out = []
                for slot in Slot.query.with_parent(plan, "slots"):
                    out.append({"id": slot.id, "in": slot.parent.id if slot.parent else None})
                return out

            @app.get("/slots")
            def slots():
                ids = [int(i) for i in request.args.getlist("id")]
                rows = Slot.query.filter(Slot.id.in_(ids)).order_by(Slot.layout_id).all()
                return [{"id": r.id, "layout": r.layout.name} for r in rows]
            """),
        # the row helper reads the comments only when asked to, and the list view does not ask; it reads columns
        Valid(
            """
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            def to_row(post, with_comments=None):
                row = {"id": post.id, "author": post.author_id}
                if with_comments:
                    row["comments"] = [c.id for c in post.comments]
                return row

            @app.get("/posts")
            def posts():
                return [to_row(p) for p in Post.query.order_by(Post.id).limit(50).all()]
            """,
            files={"models.py": _MODELS},
        ),
        # the project's own query helper loads each expense's sharers with it (`subqueryload`), so the export
        # that walks its rows reads them from memory
        Valid("""
            from datetime import datetime
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import orm
            app = Flask(__name__)
            db = SQLAlchemy(app)

            sharers = db.Table(
                "sharers",
                db.Column("expense_id", db.Integer, db.ForeignKey("expense.id")),
                db.Column("friend_id", db.Integer, db.ForeignKey("friend.id")),
            )

            class Friend(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Trip(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def expenses(self):
                    return Expense.query.options(orm.subqueryload(Expense.sharers)).filter(Expense.trip_id == self.id)

                def export(self):
                    return [[f.name for f in e.sharers] for e in self.expenses().order_by(Expense.created)]

            class Expense(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                trip_id = db.Column(db.Integer, db.ForeignKey("trip.id"))
                created = db.Column(db.DateTime, default=datetime.utcnow)
                sharers = db.relationship(Friend, secondary=sharers)

            @app.post("/trips/<int:tid>/expenses")
            def add_expense(tid):
                db.session.add(Expense(trip_id=tid))
                db.session.commit()
                return "ok"

            @app.get("/trips/<int:tid>/export")
            def export(tid):
                trip = Trip.query.get_or_404(tid)
                return {"rows": trip.export()}
            """),
        # the role helper reads the category only in its legacy form, which the JSON view turns off; the feed
        # helper reads speakers only when its caller passes `full=True`, and this listing does not; the calendar
        # query's loader strategy is built above (`contains_eager`), so it may load the booking's room
        Valid(
            """
            from flask import Flask
            from sqlalchemy.orm import contains_eager
            from models import db, Post, User
            app = Flask(__name__)

            def role_json(post, legacy=True):
                if legacy:
                    return {"id": post.id, "author": post.author.name}
                return {"id": post.id}

            def feed_item(post, full=False):
                data = {"id": post.id}
                if full and post.comments:
                    data["comments"] = [c.id for c in post.comments]
                return data

            def feed(posts, *, full=False):
                return [feed_item(p, full=full) for p in posts]

            @app.get("/roles")
            def roles():
                return [role_json(p, legacy=False) for p in Post.query.order_by(Post.id).all()]

            @app.get("/feed")
            def listing():
                return {"items": feed(Post.query.order_by(Post.id).all())}

            @app.get("/calendar")
            def calendar():
                strategy = contains_eager("author")
                rows = Post.query.join(User).options(strategy).all()
                return [p.author.name for p in rows]
            """,
            files={"models.py": _MODELS},
        ),
        # every task of one job's `tasks` reads that very job (the identity map answers), and each comment's kind
        # is one of a few rows of a reference table
        Valid(
            """
            from flask import Flask
            from models import db, Comment, Job, Post, Task, User
            app = Flask(__name__)

            @app.post("/posts/<int:pid>/comments")
            def add_comment(pid):
                db.session.add(Comment(post_id=pid, user_id=1))
                db.session.add(User(name="x"))
                db.session.commit()
                return "ok"

            @app.post("/jobs")
            def add_job():
                db.session.add(Job(title="x"))
                db.session.add(Task(job_id=1))
                db.session.commit()
                return "ok"

            @app.get("/jobs/<int:jid>/tasks")
            def job_tasks(jid):
                job = db.get_or_404(Job, jid)
                return [{"id": t.id, "job": t.job.title} for t in job.tasks]

            @app.get("/posts/<int:pid>/kinds")
            def comment_kinds(pid):
                post = Post.query.filter_by(id=pid).first_or_404()
                return [c.kind.name for c in post.comments]
            """,
            files={"models.py": _COLLECTION_MODELS},
        ),
        # the certificates that share one certificate's serial are that certificate and a rare duplicate (the loop
        # runs once or twice); the receipts are grouped by their template, a few templates loaded once each
        Valid(
            """
            from flask import Flask
            from models import db, Authority, Cert, Receipt, Role, Template
            app = Flask(__name__)

            @app.post("/certs")
            def upload():
                db.session.add(Cert(serial="1"))
                db.session.add(Role(name="x"))
                db.session.add(Template(name="x"))
                db.session.add(Receipt(template_id=1))
                db.session.commit()
                return "ok"

            @app.post("/certs/<int:cid>/revoke")
            def revoke(cid):
                cert = db.get_or_404(Cert, cid)
                twins = Cert.query.filter(Cert.authority_id == cert.authority_id, Cert.serial == cert.serial).all()
                return {"roles": [[r.name for r in c.roles] for c in twins]}

            @app.get("/receipts")
            def receipts():
                by_template = {}
                for receipt in Receipt.query.order_by(Receipt.template_id).limit(500).all():
                    by_template.setdefault(receipt.template, []).append(receipt.id)
                return {t.name: ids for t, ids in by_template.items()}
            """,
            files={"models.py": _CERT_MODELS},
        ),
        # the tasks of one agent come from a handful of jobs: each task's `job` is loaded once per distinct job,
        # then the identity map answers the rest of that agent's tasks
        Valid(
            """
            from flask import Flask
            from models import db, Job, Task
            app = Flask(__name__)

            @app.post("/jobs")
            def add_job():
                db.session.add(Job(title="x"))
                db.session.add(Task(job_id=1, agent_id=1))
                db.session.commit()
                return "ok"

            @app.get("/agents/<int:aid>/running")
            def running(aid):
                rows = Task.query.filter_by(agent_id=aid).order_by(Task.submitted.desc()).limit(50).all()
                return [{"id": t.id, "job": t.job.title} for t in rows]
            """,
            files={"models.py": _COLLECTION_MODELS},
        ),
        # serializers: the query loads what the schema's fields read (`selectinload`), one object is dumped
        # (`many` not set, or `many=False`), the nested field reads a JSON column (`meta`), the instance keeps
        # only the columns (`only=`), and a `@marshal_with` dict of column fields
        Valid(
            """
            from flask import Flask, jsonify
            from flask_restful import fields, marshal_with
            from sqlalchemy.orm import selectinload
            from models import db, Post, User
            from schemas import PostSchema, posts_schema
            app = Flask(__name__)

            post_fields = {"id": fields.Integer, "title": fields.String, "meta": fields.Raw}

            @app.get("/posts")
            def posts():
                rows = Post.query.options(selectinload(Post.author), selectinload(Post.comments)).limit(50).all()
                return jsonify(posts_schema.dump(rows))

            @app.get("/posts/<int:pid>")
            def show(pid):
                post = db.get_or_404(Post, pid)
                return {"post": PostSchema().dump(post), "again": posts_schema.dump(post, many=False)}

            @app.get("/titles")
            def titles():
                rows = Post.query.order_by(Post.created.desc()).limit(50).all()
                return PostSchema(only=("id", "title", "meta")).dump(rows, many=True)

            @app.get("/plain")
            @marshal_with(post_fields)
            def plain():
                return Post.query.order_by(Post.created.desc()).limit(50).all()

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.add(User())
                db.session.commit()
                return "ok"
            """,
            files={"models.py": _SERIALIZED_MODELS, "schemas.py": _SCHEMAS},
        ),
        # a generic base controller: called on the base itself its model is unknown (nothing is guessed), a
        # subclass serves a model whose rows are read for columns only, another loads the relationship eagerly
        Valid(
            """
            from flask import Flask
            from models import db, Post, User
            from controllers import BaseController, EagerPostController, UserController
            app = Flask(__name__)

            @app.get("/any")
            def any_rows():
                return [p.author.name for p in BaseController.list_items({})]

            @app.get("/users")
            def users():
                return [u.name for u in UserController.list_items({})]

            @app.get("/posts")
            def posts():
                return [p.author.name for p in EagerPostController.list_items({})]

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.add(User())
                db.session.commit()
                return "ok"
            """,
            files={"models.py": _MODELS, "controllers.py": _CONTROLLERS},
        ),
        # a household ledger: each payment's bank account, each refuelling's car and fuel station come from small
        # tables only a command fills (no timestamp, no form, no job, nobody signs in with them): a handful of
        # parents, each loaded once, also for one car's refuellings. A trip's expenses are joined to the payers
        # among that trip's own members: one query per member
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Account(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                reconciled = db.Column(db.Boolean)

            class Car(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                in_use = db.Column(db.Boolean)
                refuels = db.relationship("Refuel")

            class Payment(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created_at = db.Column(db.DateTime)
                account_id = db.Column(db.ForeignKey("account.id"))
                account = db.relationship("Account")

            class Station(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Refuel(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created_at = db.Column(db.DateTime)
                car_id = db.Column(db.ForeignKey("car.id"))
                car = db.relationship("Car")
                station_id = db.Column(db.ForeignKey("station.id"))
                station = db.relationship("Station")

            class Trip(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def totals(self):
                    paid = {}
                    rows = (
                        Expense.query.join(Member)
                        .filter(Expense.payer_id == Member.id)
                        .filter(Member.trip_id == Trip.id)
                        .filter(Trip.id == self.id)
                        .all()
                    )
                    for expense in rows:
                        paid[expense.payer.name] = paid.get(expense.payer.name, 0) + expense.amount
                    return paid

            class Member(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                trip_id = db.Column(db.ForeignKey("trip.id"))
                name = db.Column(db.String)
                expenses = db.relationship("Expense", backref="payer")

            class Expense(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created_at = db.Column(db.DateTime)
                amount = db.Column(db.Integer)
                payer_id = db.Column(db.ForeignKey("member.id"))

            @app.cli.command("setup")
            def setup():
                db.session.add(Account(name="x"))
                db.session.add(Car(name="x"))
                db.session.add(Station(name="x"))
                db.session.commit()

            @app.post("/refuels")
            def add_refuel():
                db.session.add(Refuel(car_id=1, station_id=1))
                db.session.add(Member(name="x"))
                db.session.commit()
                return "ok"

            @app.get("/payments/open")
            def open_payments():
                rows = Payment.query.filter(Payment.account.has(reconciled=False)).order_by(Payment.id).all()
                return [{"id": p.id, "account": p.account.name} for p in rows]

            @app.get("/fuel")
            def fuel():
                rows = Refuel.query.filter(Refuel.car.has(in_use=True)).order_by(Refuel.created_at).all()
                return [{"day": r.created_at.isoformat(), "car": r.car.name} for r in rows]

            @app.get("/trips/<int:tid>/totals")
            def totals(tid):
                trip = Trip.query.get_or_404(tid)
                return trip.totals()


            @app.get("/cars/<int:cid>/stations")
            def stations(cid):
                car = Car.query.get_or_404(cid)
                return [r.station.name for r in car.refuels]
            """),
        # every way the helper builds the query pins one event (the same filter in both arms, or one that
        # also narrows to a person), so each track's `event` is that one event: the identity map answers
        Valid(
            """
            from flask import Flask, request
            from models import db, Event, Track, User
            app = Flask(__name__)

            def event_tracks(args, eid):
                if args.get("mine"):
                    query = Track.query.filter_by(event_id=eid, user_id=1)
                else:
                    query = Track.query.filter_by(event_id=eid)
                if args.get("recent"):
                    query = query.order_by(Track.created.desc())
                return query

            @app.get("/events/<int:eid>/tracks")
            def tracks(eid):
                rows = event_tracks(request.args, eid).limit(50).all()
                return [t.event.title for t in rows]

            @app.post("/events/new")
            def add():
                db.session.add(Event(title="x"))
                db.session.add(User(name="x"))
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"
            """,
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # a reading tracker nobody signs in to: the languages its one reader adds through a form are a handful,
        # each loaded once however many books point to it
        Valid("""
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Language(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Book(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)
                language_id = db.Column(db.ForeignKey("language.id"))
                language = db.relationship("Language")

            @app.post("/languages")
            def add_language():
                db.session.add(Language(name=request.form["name"]))
                db.session.add(Book(title=request.form["title"], language_id=1))
                db.session.commit()
                return "ok"

            @app.get("/books")
            def books():
                return [{"title": b.title, "language": b.language.name} for b in Book.query.all()]
            """),
        # each row's task state is read from the task queue's result backend: one more query is noise next to it
        Valid("""
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from celery import Celery
            app = Flask(__name__)
            db = SQLAlchemy(app)
            celery = Celery(__name__)

            class Status(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                upload_id = db.Column(db.ForeignKey("upload.id"))

            class Upload(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                task_id = db.Column(db.String)
                statuses = db.relationship("Status")

            @app.get("/uploads/running")
            def running():
                found = []
                for upload in Upload.query.order_by(Upload.id).all():
                    states = [s.name for s in upload.statuses]
                    found.append({"states": states, "task": celery.AsyncResult(upload.task_id).state})
                return found
            """),
        # the rows kept by a comprehension come from a query that loads the collection with ``selectinload``;
        # each book's author read in a loop over ``(book, author)`` rows: the join loaded that very author, and
        # the identity map answers the many-to-one without a query
        Valid(
            """
            from flask import Flask
            from sqlalchemy import select
            from sqlalchemy.orm import selectinload
            from models import db, Author, Book
            app = Flask(__name__)

            @app.post("/authors")
            def add_author():
                db.session.add(Author(name="x", active=True))
                db.session.commit()
                return "ok"

            @app.get("/authors/active")
            def active_authors():
                kept = [a for a in Author.query.options(selectinload(Author.books)).all() if a.active]
                return {a.name: len(a.books) for a in kept}

            @app.get("/books/by-author")
            def books_by_author():
                rows = db.session.execute(select(Book, Author).join(Author, Book.author_id == Author.id)).all()
                return [(b.id, b.author.name) for b, a in rows]
            """,
            files={"models.py": _AUTHOR_MODELS},
        ),
        # the same pydantic model over rows that load ``gigs`` up front, and a model of columns only
        Valid(
            """
            from flask import Flask, request
            from pydantic import BaseModel, ConfigDict
            from sqlalchemy.orm import selectinload
            from models import db, Band, Gig

            app = Flask(__name__)


            class GigOut(BaseModel):
                model_config = ConfigDict(from_attributes=True)
                venue: str


            class BandOut(BaseModel):
                model_config = ConfigDict(from_attributes=True)
                name: str
                gigs: list[GigOut]


            class BandName(BaseModel):
                model_config = ConfigDict(from_attributes=True)
                name: str


            @app.post("/bands")
            def add_band():
                db.session.add(Band(name=request.json["name"]))
                db.session.add(Gig(venue=request.json["venue"], band_id=1))
                db.session.commit()
                return "ok"


            @app.get("/bands")
            def bands():
                rows = Band.query.options(selectinload(Band.gigs)).all()
                return [BandOut.model_validate(b).model_dump() for b in rows]


            @app.get("/bands/names")
            def band_names():
                return [BandName.model_validate(b).model_dump() for b in Band.query.all()]
            """,
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()


            class Band(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(80))
                gigs = db.relationship("Gig", backref="band")


            class Gig(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                venue = db.Column(db.String(80))
                band_id = db.Column(db.Integer, db.ForeignKey("band.id"))
            """
            },
            preview=True,
        ),
        # the mixin's ``to_dict()`` over rows that load ``steps`` up front, narrowed to columns by ``only=``, and
        # over a model whose ``serialize_rules`` leave its relationship out
        Valid(
            """
            from flask import Flask, request
            from sqlalchemy.orm import selectinload
            from models import db, Menu, Recipe, Step

            app = Flask(__name__)


            @app.post("/recipes")
            def add_recipe():
                db.session.add(Recipe(title=request.json["title"]))
                db.session.add(Menu())
                db.session.add(Step(recipe_id=1, text=request.json["step"]))
                db.session.commit()
                return "ok"


            @app.get("/recipes")
            def recipes():
                rows = Recipe.query.options(selectinload(Recipe.steps)).all()
                return [r.to_dict() for r in rows]


            @app.get("/recipes/titles")
            def titles():
                return [r.to_dict(only=("id", "title")) for r in Recipe.query.all()]


            @app.get("/menus")
            def menus():
                return [m.to_dict() for m in Menu.query.all()]
            """,
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy_serializer import SerializerMixin

            db = SQLAlchemy()


            class Recipe(db.Model, SerializerMixin):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(80))
                steps = db.relationship("Step", backref="recipe")


            class Menu(db.Model, SerializerMixin):
                serialize_rules = ("-dishes",)
                id = db.Column(db.Integer, primary_key=True)
                dishes = db.relationship("Step")


            class Step(db.Model, SerializerMixin):
                serialize_rules = ("-recipe",)
                id = db.Column(db.Integer, primary_key=True)
                recipe_id = db.Column(db.Integer, db.ForeignKey("recipe.id"))
                menu_id = db.Column(db.Integer, db.ForeignKey("menu.id"))
                text = db.Column(db.Text)
            """
            },
            preview=True,
        ),
        # the users notified of one job: rows of a table that does not grow with use (no timestamp) kept to that
        # one job, a handful whoever each one points to; the note about people is for a table that grows
        Valid(
            """
            from celery import shared_task
            from flask import Flask, request
            from flask_login import LoginManager, current_user
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)
            login = LoginManager(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                email = db.Column(db.String)
                password_hash = db.Column(db.String)

            class Job(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String)

            class JobNotifiedUser(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                user_id = db.Column(db.ForeignKey("user.id"))
                job_id = db.Column(db.ForeignKey("job.id"))
                user = db.relationship("User")

            @app.post("/signup")
            def signup():
                db.session.add(User(email=request.form["email"]))
                db.session.commit()
                return "", 201

            @app.post("/jobs/<int:jid>/notify")
            def notify_me(jid):
                db.session.add(JobNotifiedUser(user_id=current_user.id, job_id=jid))
                db.session.commit()
                return "", 201

            @shared_task
            def job_done(job_id):
                notified = JobNotifiedUser.query.filter_by(job_id=job_id).all()
                return [n.user.email for n in notified]
            """
        ),
        # a job rotates each pending endpoint to its certificate's replacement: the helper it hands each endpoint
        # to (two calls down) sets `endpoint.certificate` and commits, so each row is rewritten one by one anyway
        Valid(
            """
            from datetime import datetime
            from celery import shared_task
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Certificate(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)
                replacement_id = db.Column(db.ForeignKey("certificate.id"))
                replacement = db.relationship("Certificate", remote_side=[id])

            class Endpoint(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)
                pending = db.Column(db.Boolean, default=False)
                certificate_id = db.Column(db.ForeignKey("certificate.id"))
                certificate = db.relationship("Certificate")

            @app.post("/endpoints")
            def add_endpoint():
                db.session.add(Endpoint(certificate_id=int(request.form["cert"])))
                db.session.add(Certificate())
                db.session.commit()
                return "", 201

            def deploy(endpoint, cert):
                endpoint.certificate = cert
                db.session.commit()

            def request_rotation(endpoint, cert):
                deploy(endpoint, cert)

            @shared_task
            def rotate_all():
                for endpoint in Endpoint.query.filter_by(pending=True).all():
                    request_rotation(endpoint, endpoint.certificate.replacement)
            """
        ),
    )
    INVALID = (
        # the submissions of one survey, each by whoever filled it in: a table that grows with every answer
        # (a timestamp, a row added per request), so its rows point to many different people (a note)
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_login import LoginManager, current_user
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)
            login = LoginManager(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                email = db.Column(db.String)
                password_hash = db.Column(db.String)

            class Survey(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class Submission(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                submitted_dt = db.Column(db.DateTime, default=datetime.utcnow)
                survey_id = db.Column(db.ForeignKey("survey.id"))
                user_id = db.Column(db.ForeignKey("user.id"))
                user = db.relationship("User")

            @app.post("/surveys/<int:sid>/submit")
            def submit(sid):
                db.session.add(Submission(survey_id=sid, user_id=current_user.id))
                db.session.commit()
                return "", 201

            @app.get("/surveys/<int:sid>/export")
            def export(sid):
                rows = Submission.query.filter_by(survey_id=sid).all()
                return [{"by": s.user.email, "at": str(s.submitted_dt)} for s in rows]  # expect
            """,
            message="each may point to a different `user`",
        ),
        # the query pins every column of the composite key but the parent's: no two rows share a parent
        Invalid(
            """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Release(db.Model):
                __tablename__ = "releases"
                id = db.Column(db.Integer, primary_key=True)
                notes = db.Column(db.String)
                figures = db.relationship("Figure", backref="release")

            class Figure(db.Model):
                region = db.Column(db.String, primary_key=True)
                release_id = db.Column(db.Integer, db.ForeignKey("releases.id"), primary_key=True)
                day = db.Column(db.Date, primary_key=True)
                value = db.Column(db.Integer)

            @app.post("/releases")
            def add_release():
                db.session.add(Release(notes="daily"))
                db.session.commit()
                return "", 201

            @app.get("/history/<region>/<day>")
            def history(region, day):
                rows = Figure.query.filter(Figure.region == region, Figure.day == day).all()
                return [{"value": f.value, "notes": f.release.notes} for f in rows]  # expect
            """,
            message="the rows point to different ones",
        ),
        # the same team's solves, but each points to the person who checked it: anyone who signs in
        Invalid(
            _TEAM_VIEWS
            + """
        @app.get("/teams/<int:tid>/checkers")
        def team_checkers(tid):
            team = db.get_or_404(Team, tid)
            return [s.checker.name for s in team.member_solves()]  # expect
        """,
            message="`checker`",
            files={"models.py": _TEAM_MODELS},
        ),
        # the typed mapping names the sender only in its annotation (``Mapped[Optional["Sender"]]``), and
        # senders are added by every sign-up: the parcels of a page point to different ones
        Invalid(
            """
            from datetime import datetime
            from typing import Optional
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import Mapped, mapped_column, relationship
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Sender(db.Model):
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str] = mapped_column(String(80))
                joined_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

            class Parcel(db.Model):
                id: Mapped[int] = mapped_column(primary_key=True)
                sent_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
                sender_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sender.id"))
                sender: Mapped[Optional["Sender"]] = relationship()

            @app.post("/signup")
            def signup():
                db.session.add(Sender(name=request.form["name"]))
                db.session.commit()
                return "ok"

            @app.post("/parcels")
            def send():
                db.session.add(Parcel(sender_id=int(request.form["sender"])))
                db.session.commit()
                return "ok"

            @app.get("/parcels")
            def parcels():
                page = Parcel.query.order_by(Parcel.id.desc()).limit(25).all()
                return [{"id": p.id, "from": p.sender.name} for p in page]  # expect
            """,
            message="`p.sender` is a lazy relationship of `Parcel` read for every row",
        ),
        # mongoengine fetches each gig's band when ``g.band`` is read: one query per gig
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from mongoengine import DateTimeField, Document, ReferenceField, StringField
            app = Flask(__name__)

            class Band(Document):
                name = StringField()

            class Gig(Document):
                venue = StringField()
                played_at = DateTimeField(default=datetime.utcnow)
                band = ReferenceField(Band)

            @app.post("/gigs")
            def add_gig():
                Gig(venue=request.form["venue"], band=request.form["band"]).save()
                return "ok"

            @app.get("/gigs")
            def gigs():
                return [f"{g.band.name} at {g.venue}" for g in Gig.objects.order_by("-played_at")[:50]]  # expect
            """,
            message="`g.band` is a `ReferenceField` of `Gig` read for every document",
        ),
        # flask-smorest's ``@blp.response(200, Schema(many=True))`` dumps the returned rows with the schema
        Invalid(
            """
            from flask.views import MethodView
            from flask_smorest import Blueprint
            from marshmallow import Schema, fields
            from sqlalchemy.orm import joinedload
            from models import db, Post

            blp = Blueprint("posts", __name__, url_prefix="/posts")

            class WriterOut(Schema):
                name = fields.Str()

            class PostOut(Schema):
                id = fields.Int()
                author = fields.Nested(WriterOut)

            @blp.route("/")
            class Posts(MethodView):
                @blp.response(200, PostOut(many=True))
                def get(self):
                    return Post.query.order_by(Post.id).limit(50).all()  # expect
            """,
            files={"models.py": _MODELS},
            message="`@blp.response(200, PostOut(many=True))` in view `Posts.get` serializes every row",
        ),
        # each followed feed's publisher: ``Feed.publisher`` pairs with ``Publisher.feeds``, a namesake of the
        # user's ``feeds``, so it is another row per feed, not the signed-in user
        Invalid(
            """
            from flask import Flask
            from flask_login import current_user, login_required
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            follows = db.Table(
                "follows",
                db.Column("user_id", db.ForeignKey("user.id")),
                db.Column("feed_id", db.ForeignKey("feed.id")),
            )

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                feeds = db.relationship("Feed", secondary=follows)

            class Publisher(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                feeds = db.relationship("Feed", back_populates="publisher")

            class Feed(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                publisher_id = db.Column(db.ForeignKey("publisher.id"))
                publisher = db.relationship("Publisher", back_populates="feeds")

            @app.post("/publishers")
            @login_required
            def add_publisher():
                db.session.add(Publisher(name="x"))
                db.session.commit()
                return "ok"

            @app.get("/following")
            @login_required
            def following():
                return [f.publisher.name for f in current_user.feeds]  # expect
            """,
            message="read for every item of `current_user.feeds`",
        ),
        # a detail page: the view loads one topic, its template lists the replies with each reply's member
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, render_template, request
            from flask_login import current_user
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Member(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                handle = db.Column(db.String(40))
                joined_at = db.Column(db.DateTime, default=datetime.utcnow)

            class Topic(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(200))
                replies = db.relationship("Reply", back_populates="topic")

            class Reply(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                text = db.Column(db.Text)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)
                topic_id = db.Column(db.ForeignKey("topic.id"))
                topic = db.relationship("Topic", back_populates="replies")
                member_id = db.Column(db.ForeignKey("member.id"))
                member = db.relationship("Member")

            @app.post("/join")
            def join():
                db.session.add(Member(handle=request.form["handle"]))
                db.session.commit()
                return "ok"

            @app.post("/topics/<int:tid>/replies")
            def reply(tid):
                db.session.add(Reply(topic_id=tid, member_id=current_user.id, text=request.form["text"]))
                db.session.commit()
                return "ok"

            @app.get("/topics/<int:tid>")
            def topic(tid):
                shown = db.get_or_404(Topic, tid)
                return render_template("topic.html", topic=shown)
            """,
            files={
                "templates/topic.html": """
                <h1>{{ topic.title }}</h1>
                {% for r in topic.replies %}
                  <p>{{ r.member.handle }}: {{ r.text }}</p>  # expect
                {% endfor %}
                """,
            },
            message="`r.member` is a lazy relationship of `Reply` read for every row of `topic.replies`",
        ),
        # ``lazyload()`` asks for the per-row load it names: the author stays lazy
        Invalid(
            """
            from flask import Flask
            from sqlalchemy.orm import lazyload
            from models import db, Post
            app = Flask(__name__)

            @app.get("/feed")
            def feed():
                posts = Post.query.options(lazyload(Post.author)).order_by(Post.id.desc()).limit(30).all()
                return [p.author.name for p in posts]  # expect
            """,
            files={"models.py": _MODELS},
            message="`p.author` is a lazy relationship of `Post`",
        ),
        # iterating the page object itself (Flask-SQLAlchemy 3) walks its items, each reading its author
        Invalid(
            """
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            @app.get("/feed")
            def feed():
                page = db.paginate(db.select(Post).order_by(Post.id.desc()))
                return [{"id": p.id, "by": p.author.name} for p in page]  # expect
            """,
            files={"models.py": _MODELS},
            message="read for every row of `page`",
        ),
        # the app's context processor walks every active account and reads its statements before any template
        # renders: the queries run there. The home page's active cash accounts are among those rows, their
        # statements already loaded; the page listing every account, closed ones too, still loads some
        Invalid(
            """
            from flask import Flask, render_template
            from models import db, Account
            app = Flask(__name__)

            def stale_count():
                active = Account.query.filter(Account.active == True).all()  # noqa: E712
                return sum(1 if a.latest is None else 0 for a in active)  # expect

            @app.context_processor
            def banner():
                return {"stale": stale_count()}

            @app.get("/")
            def home():
                cash = Account.query.filter(Account.kind == "cash", Account.active == True).all()  # noqa: E712
                return render_template("home.html", accounts=cash)

            @app.get("/accounts")
            def every_account():
                return render_template("accounts.html", accounts=Account.query.order_by(Account.name).all())

            @app.post("/accounts")
            def open_account():
                db.session.add(Account(name="savings", kind="cash", active=True))
                db.session.commit()
                return "ok"
            """,
            files={
                "models.py": _STATEMENT_MODELS,
                "templates/home.html": """
                {% for a in accounts %}<li>{{ a.name }}: {{ a.latest.balance }}</li>{% endfor %}
                """,
                "templates/accounts.html": """
                {% for a in accounts %}<li>{{ a.name }}: {{ a.latest.balance }}</li>{% endfor %}  # expect
                """,
            },
        ),
        # the same entries, each with the person who entered it: people who sign in may all differ, a note (the
        # entries grow with use: a timestamp, a row booked per request)
        Invalid(
            """
            from flask import Flask
            from models import Entry
            from views import app

            @app.get("/statements/<int:sid>/clerks")
            def clerks(sid):
                return [e.clerk.email for e in Entry.query.filter_by(statement_id=sid).all()]  # expect
            """,
            message="but each may point to a different `clerk`",
            files={"models.py": _LEDGER_MODELS, "views.py": _LEDGER_VIEWS},
        ),
        # a property that reads a many-to-one on every run, a function ``map``/``sorted`` runs per row, and an
        # exporter handed the rows two calls up
        Invalid(
            """
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Comment(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                author_id = db.Column(db.ForeignKey("user.id"))
                author = db.relationship("User")

                @property
                def author_name(self):
                    return self.author.name if self.author else "?"

            def by(comment):
                return comment.author.name

            def _rows(comments):
                return [{"by": c.author.name} for c in comments]  # expect

            def export(comments):
                return {"count": len(comments), "rows": _rows(comments)}

            @app.post("/comments")
            def add():
                db.session.add(Comment(author_id=request.json["author"]))
                db.session.commit()
                return "ok"

            @app.get("/comments")
            def comments():
                rows = Comment.query.all()
                return {
                    "names": [c.author_name for c in rows],  # expect
                    "mapped": list(map(by, rows)),  # expect
                    "sorted": [c.id for c in sorted(Comment.query.all(), key=by)],  # expect
                    "export": export(Comment.query.order_by(Comment.id).all()),
                }
            """,
            message="`c.author` is a lazy relationship of `Comment` read for every row of `comments` in `_rows`",
        ),
        # every post's comments come in one query, but each comment's author is loaded on its own (the loops
        # nest, or one comprehension walks both); a sort key reading each post's author loads it per post
        Invalid(
            """
            from flask import Flask, request
            from sqlalchemy.orm import selectinload
            from models import db, Comment, Post, User
            app = Flask(__name__)

            @app.post("/comments")
            def add():
                db.session.add(User(name=request.form["name"]))
                db.session.add(Comment(post_id=request.form["post"], author_id=request.form["user"]))
                db.session.commit()
                return "ok"

            @app.get("/threads")
            def threads():
                names = []
                for p in Post.query.options(selectinload(Post.comments)).all():
                    for c in p.comments:
                        names.append(c.author.name)  # expect
                return names

            @app.get("/commenters")
            def commenters():
                posts = Post.query.options(selectinload(Post.comments)).all()
                return [c.author.name for p in posts for c in p.comments]  # expect

            @app.get("/by-author")
            def by_author():
                return [p.id for p in sorted(Post.query.all(), key=lambda p: p.author.name)]  # expect
            """,
            files={"models.py": _NESTED_MODELS},
        ),
        # a page of products, each with its vendor: vendors come from a feed a background job imports, so the
        # table grows and a page's products point to different ones; a team's expenses joined to the payers
        # among that team's users, who sign in (as many as the team has people)
        Invalid(
            """
            from celery import shared_task
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Vendor(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Product(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                vendor_id = db.Column(db.ForeignKey("vendor.id"))
                vendor = db.relationship("Vendor")

            class Team(db.Model):
                id = db.Column(db.Integer, primary_key=True)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                password_hash = db.Column(db.String)
                name = db.Column(db.String)
                team_id = db.Column(db.ForeignKey("team.id"))
                expenses = db.relationship("Expense", backref="payer")

            class Expense(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                amount = db.Column(db.Integer)
                payer_id = db.Column(db.ForeignKey("user.id"))

            @shared_task
            def import_feed(names):
                for name in names:
                    db.session.add(Vendor(name=name))
                    db.session.add(Product(name=name))
                db.session.commit()

            @app.post("/signup")
            def signup():
                db.session.add(User(name="x"))
                db.session.add(Expense(amount=1))
                db.session.commit()
                return "ok"

            @app.get("/products")
            def products():
                rows = Product.query.order_by(Product.name).limit(20).all()
                return [{"name": p.name, "vendor": p.vendor.name} for p in rows]  # expect

            @app.get("/teams/<int:tid>/spending")
            def spending(tid):
                rows = (
                    Expense.query.join(User)
                    .filter(Expense.payer_id == User.id, User.team_id == Team.id, Team.id == tid)
                    .all()
                )
                return [{"amount": e.amount, "payer": e.payer.name} for e in rows]  # expect
            """,
            message="`p.vendor` is a lazy relationship of `Product`",
        ),
        # ten recent tracks, each loading its reviews: eleven queries for a box shown on every page
        Invalid(
            """
            from flask import Flask
            from models import db, Track
            app = Flask(__name__)

            @app.post("/tracks/new")
            def add():
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"

            @app.get("/tracks/recent")
            def recent():
                return [len(t.reviews) for t in Track.query.order_by(Track.created.desc()).limit(10)]  # expect
            """,
            message="`t.reviews` is a lazy relationship of `Track`",
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # the first loop loads each track's reviews, one query per track; the second reads them loaded (and so
        # does the view's loop over the rows `recent_tracks` returns after loading their reviews). The
        # conveners of one event's tracks are a note: the rows share one event, not one convener
        Invalid(
            """
            from flask import Flask
            from models import db, Event, Track, User
            app = Flask(__name__)

            @app.get("/tracks")
            def listing():
                tracks = Track.query.order_by(Track.created.desc()).limit(20).all()
                counts = {t.id: len(t.reviews) for t in tracks}  # expect
                return [(t.id, counts[t.id], [r.id for r in t.reviews]) for t in tracks]

            def recent_tracks():
                tracks = Track.query.order_by(Track.created.desc()).limit(20).all()
                for track in tracks:
                    track.reviews  # expect
                return tracks, len(tracks)

            @app.get("/tracks/recent")
            def recent():
                tracks, count = recent_tracks()
                return {"n": count, "reviews": [len(t.reviews) for t in tracks]}

            @app.get("/events/<int:eid>/conveners")
            def conveners(eid):
                event = Event.query.filter_by(id=eid).first_or_404()
                return [t.convener.name for t in Track.query.with_parent(event).all()]  # expect

            @app.post("/events/new")
            def add():
                db.session.add(Event(title="x"))
                db.session.add(User(name="x"))
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"
            """,
            message="`t.reviews` is a lazy relationship of `Track` read for every row of `tracks`",
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # one post's comments, each with its author (different people comment), and one agent's tasks (a
        # `lazy="dynamic"` collection run whole), each with its job: one query per comment, per task
        Invalid(
            """
            from flask import Flask
            from models import db, Agent, Comment, Job, Post, Task, User
            app = Flask(__name__)

            @app.post("/posts/<int:pid>/comments")
            def add_comment(pid):
                db.session.add(Comment(post_id=pid, user_id=1))
                db.session.add(User(name="x"))
                db.session.commit()
                return "ok"

            @app.post("/jobs")
            def add_job():
                db.session.add(Job(title="x"))
                db.session.add(Task(job_id=1))
                db.session.commit()
                return "ok"

            @app.get("/posts/<path>")
            def show(path):
                post = Post.query.filter_by(path=path).first()
                if post is None:
                    post = Post.query.filter_by(path=path.lower()).first()
                comments = post.comments
                return [{"author": c.author.name} for c in comments]  # expect

            @app.get("/agents/<int:aid>/tasks")
            def agent_tasks(aid):
                agent = Agent.query.filter_by(id=aid).first()
                out = []
                for task in agent.tasks:
                    out.append({"id": task.id, "job": task.job.title})  # expect
                return out
            """,
            message="(the `Comment` rows of one `Post`, loaded in one query)",
            files={"models.py": _COLLECTION_MODELS},
        ),
        # `post.authors` runs a property whose getter reads an `association_proxy` of the lazy `_authors_assoc`:
        # one query per post of the page, as reading `post._authors_assoc` in the loop would be
        Invalid(
            """
            from datetime import datetime
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy.ext.associationproxy import association_proxy
            from sqlalchemy.ext.hybrid import hybrid_property
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class PostAuthor(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                post_id = db.Column(db.Integer, db.ForeignKey("post.id"))
                user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                author = db.relationship("User")

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime, default=datetime.utcnow)
                _authors_assoc = db.relationship("PostAuthor")
                _authors = association_proxy("_authors_assoc", "author")

                @hybrid_property
                def authors(self):
                    return self._authors

            @app.post("/posts")
            def write():
                db.session.add(Post())
                db.session.commit()
                return "ok"

            @app.get("/posts")
            def posts():
                page = Post.query.order_by(Post.created.desc()).limit(20).all()
                return {"authors": [[a.name for a in p.authors] for p in page]}  # expect
            """,
            message="runs the property `Post.authors` on every row",
        ),
        # past the truth test the template counts each post's comments; the queues of a filtered query point to
        # parents the query may not have loaded
        Invalid(
            """
            from flask import Flask, render_template
            from models import db, Post
            app = Flask(__name__)

            class Queue(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                parent_id = db.Column(db.ForeignKey("queue.id"))
                parent = db.relationship("Queue", remote_side=[id])

            @app.get("/")
            def index():
                return render_template("posts.html", posts=Post.query.order_by(Post.id).limit(20).all())

            @app.get("/queues")
            def queues():
                rows = Queue.query.filter(Queue.name != "default").all()
                return [(q.name, q.parent.name if q.parent else "") for q in rows]  # expect
            """,
            files={
                "models.py": _MODELS,
                "templates/posts.html": """
                {% for p in posts %}
                  {% if p.comments %}{{ p.comments.count() }}{% endif %}  # expect
                {% endfor %}
                """,
            },
            message="comments",
        ),
        # the view passes the posts to a template whose loop reads each post's lazy `comments`
        Invalid(
            """
            from flask import Flask, render_template
            from models import db, Post
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.order_by(Post.id.desc()).paginate(per_page=50)
                return render_template("posts.html", page=posts)

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.commit()
                return "ok"
            """,
            message="`p.comments` is a lazy relationship of `Post` read for every row of",
            files={
                "models.py": _MODELS,
                "templates/posts.html": """
                {% extends "layout.html" %}
                {% block body %}
                {% for p in page.items %}
                  <li>{{ p.id }}: {{ p.comments.count() }} comments</li>  # expect
                {% endfor %}
                {% endblock %}
                """,
            },
        ),
        # the signed-in user's watched repositories, each with its owner's name: the watch list comes in one
        # query, then each repository's owner costs one more
        Invalid(
            """
            from flask import Flask
            from flask_login import current_user, login_required
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                watched = db.relationship("Repo", secondary="watches")

            class Org(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Repo(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)
                org_id = db.Column(db.ForeignKey("org.id"))
                org = db.relationship("Org")
                licence_id = db.Column(db.ForeignKey("licence.id"))
                licence = db.relationship("Licence")

            class Licence(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            @app.post("/orgs")
            @login_required
            def new_org():
                db.session.add(Org(name="x"))
                db.session.commit()
                return "ok"

            @app.get("/watching")
            @login_required
            def watching():
                return [f"{r.org.name}/{r.name} ({r.licence.name})" for r in current_user.watched]  # expect
            """,
            message="read for every item of `current_user.watched`",
        ),
        Invalid(
            """
            from flask import Flask
            from models import db, Post, User
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.order_by(Post.id.desc()).limit(20).all()
                out = []
                for post in posts:
                    out.append({"author": post.author.name})  # expect
                return out

            @app.get("/users")
            def users():
                page = db.paginate(db.select(User))
                return [{"n": u.name, "posts": len(u.posts)} for u in page.items]  # expect
            """,
            message="`post.author`",
            files={"models.py": _MODELS},
        ),
        # an export of one sketch's events: each event's comments (declared on a mixin) is a query per event;
        # the events share the sketch's few indexes, so `event.index` costs one query per index, not per event
        Invalid(
            """
            from datetime import datetime
            from flask import Flask, request
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy.orm import declared_attr
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class CommentMixin:
                @declared_attr
                def comments(cls):
                    return db.relationship("Comment")

            class SearchIndex(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                events = db.relationship("Event", backref="index")

            class Event(CommentMixin, db.Model):
                id = db.Column(db.Integer, primary_key=True)
                sketch_id = db.Column(db.Integer, db.ForeignKey("sketch.id"))
                index_id = db.Column(db.Integer, db.ForeignKey("search_index.id"))

            class Comment(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                event_id = db.Column(db.Integer, db.ForeignKey("event.id"))
                text = db.Column(db.String)

            @app.post("/sketch/<int:sketch_id>/events")
            def annotate(sketch_id):
                db.session.add(Event(sketch_id=sketch_id))
                db.session.commit()
                return "ok"

            @app.get("/sketch/<int:sketch_id>/export")
            def export(sketch_id):
                lines = []
                for event in Event.query.filter_by(sketch_id=sketch_id).all():
                    for comment in event.comments:  # expect
                        lines.append({"index": event.index.id, "text": comment.text})
                return {"lines": lines}
            """,
            message="`event.comments` is a lazy relationship of `Event`",
        ),
        # a CSV export hands each order to a row helper, which asks another helper for the customer's name;
        # an API list serialises each post with the model's own method, which reads its comments
        Invalid(
            """
            import csv, io
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Customer(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Order(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                customer_id = db.Column(db.Integer, db.ForeignKey("customer.id"))
                customer = db.relationship("Customer", backref="orders")
                notes = db.relationship("Note")

                def to_dict(self):
                    return {"id": self.id, "notes": [n.text for n in self.notes]}

            class Note(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                order_id = db.Column(db.Integer, db.ForeignKey("order.id"))
                text = db.Column(db.String)

            def customer_label(order):
                return order.customer.name.title()

            def csv_row(order):
                return [order.id, customer_label(order)]

            @app.post("/orders")
            def create():
                db.session.add(Order(customer_id=1))
                db.session.add(Customer(name="x"))
                db.session.commit()
                return "ok"

            @app.get("/orders.csv")
            def export():
                out = io.StringIO()
                writer = csv.writer(out)
                for order in Order.query.order_by(Order.id).all():
                    writer.writerow(csv_row(order))  # expect
                return out.getvalue()

            @app.get("/api/orders")
            def api_orders():
                return {"orders": [o.to_dict() for o in Order.query.all()]}  # expect
            """,
            message="`csv_row` → `customer_label`, which reads `order.customer`",
        ),
        # the same export without the eager load: each expense's sharers cost one query; and a CSV helper
        # handed the rows of a query by its view reads each expense's payer (different friends pay)
        Invalid(
            """
            import csv, io
            from datetime import datetime
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            sharers = db.Table(
                "sharers",
                db.Column("expense_id", db.Integer, db.ForeignKey("expense.id")),
                db.Column("friend_id", db.Integer, db.ForeignKey("friend.id")),
            )

            class Friend(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String)

            class Trip(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def expenses(self):
                    return Expense.query.filter(Expense.trip_id == self.id)

                def export(self):
                    return [[f.name for f in e.sharers] for e in self.expenses().order_by(Expense.created)]  # expect

            class Expense(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                trip_id = db.Column(db.Integer, db.ForeignKey("trip.id"))
                payer_id = db.Column(db.Integer, db.ForeignKey("friend.id"))
                created = db.Column(db.DateTime, default=datetime.utcnow)
                sharers = db.relationship(Friend, secondary=sharers)
                payer = db.relationship(Friend, foreign_keys=[payer_id])

            def csv_text(expenses):
                out = io.StringIO()
                writer = csv.writer(out)
                for expense in expenses:
                    writer.writerow([expense.id, expense.payer.name])  # expect
                return out.getvalue()

            @app.post("/friends")
            def add_friend():
                db.session.add(Friend(name="x"))
                db.session.add(Expense(trip_id=1))
                db.session.commit()
                return "ok"

            @app.get("/trips/<int:tid>/export")
            def export(tid):
                trip = Trip.query.get_or_404(tid)
                return {"rows": trip.export()}

            @app.get("/expenses.csv")
            def expenses_csv():
                return csv_text(Expense.query.order_by(Expense.created.desc()).all())
            """,
            message="`e.sharers` is a lazy relationship of `Expense` read for every row of `self.expenses()",
        ),
        # every certificate of one authority (not the duplicates of one serial), each with its roles; and each
        # receipt's template read for a listing rather than grouped by: the people who sign in add templates,
        # which may differ for each receipt (one query per receipt)
        Invalid(
            """
            from flask import Flask
            from flask_login import login_required
            from models import db, Authority, Cert, Receipt, Role, Template
            app = Flask(__name__)

            @app.post("/certs")
            @login_required
            def upload():
                db.session.add(Cert(serial="1"))
                db.session.add(Role(name="x"))
                db.session.add(Template(name="x"))
                db.session.add(Receipt(template_id=1))
                db.session.commit()
                return "ok"

            @app.get("/authorities/<int:aid>/roles")
            def authority_roles(aid):
                certs = Cert.query.filter(Cert.authority_id == aid).all()
                return {"roles": [[r.name for r in c.roles] for c in certs]}  # expect

            @app.get("/receipts")
            def receipts():
                rows = Receipt.query.order_by(Receipt.id.desc()).limit(500).all()
                return [{"id": r.id, "template": r.template.name} for r in rows]  # expect
            """,
            message="`c.roles` is a lazy relationship of `Cert` read for every row of",
            files={"models.py": _CERT_MODELS},
        ),
        # an API list endpoint dumps a page of posts with a schema whose `author` and `comments` are nested
        # (one query per post for each), a schema method that reads each post's comments, and an auto schema
        # that includes relationships
        Invalid(
            """
            from flask import Flask, jsonify
            from models import db, Post, User
            from schemas import PostAutoSchema, PostRowSchema, posts_schema
            app = Flask(__name__)

            @app.get("/api/posts")
            def posts():
                rows = Post.query.order_by(Post.created.desc()).limit(50).all()
                return jsonify(posts_schema.dump(rows))  # expect

            @app.get("/api/rows")
            def post_rows():
                return PostRowSchema().dump(Post.query.order_by(Post.id).all(), many=True)  # expect

            @app.get("/api/auto")
            def auto():
                return PostAutoSchema(many=True).dump(Post.query.all())  # expect

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.add(User())
                db.session.commit()
                return "ok"
            """,
            message="`posts_schema.dump(rows)` in view `posts` serializes every row of `rows` with `PostSchema`, "
            "whose field `author` (`fields.Nested(...)`) reads `author`, a lazy relationship of `Post`",
            files={"models.py": _SERIALIZED_MODELS, "schemas.py": _SCHEMAS},
        ),
        # flask-restful: a list view marshals each post with its author's name (`attribute="author.name"`), and
        # `marshal` dumps each post's comments
        Invalid(
            """
            from flask import Flask
            from flask_restful import Resource, fields, marshal, marshal_with
            from models import db, Post, User
            app = Flask(__name__)

            comment_fields = {"id": fields.Integer, "text": fields.String}
            post_fields = {"id": fields.Integer, "author": fields.String(attribute="author.name")}
            full_fields = dict(post_fields, **{"comments": fields.List(fields.Nested(comment_fields))})

            class PostList(Resource):
                @marshal_with(post_fields)
                def get(self):
                    return Post.query.order_by(Post.created.desc()).limit(50).all()  # expect

            @app.get("/api/full")
            def full():
                return {"posts": marshal(Post.query.order_by(Post.id).all(), full_fields)}  # expect

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.add(User())
                db.session.commit()
                return "ok"
            """,
            message='with `post_fields`, whose field `author` (`fields.String(attribute="author.name")`) reads',
            files={"models.py": _SERIALIZED_MODELS},
        ),
        # a generic base controller and service: `PostController.list_items(...)` runs the base classmethods
        # with `cls.model` set to `Post` by the subclass (`cls.model.query`, paginated, its page's items);
        # `PostService().get_all()` the base method with `self.model` the subclass's
        Invalid(
            """
            from flask import Flask
            from models import db, Post, User
            from controllers import PostController, PostService
            app = Flask(__name__)

            @app.get("/posts")
            def posts():
                return [{"id": p.id, "author": p.author.name} for p in PostController.list_items({})]  # expect

            @app.get("/recent")
            def recent():
                return [p.author.name for p in PostService().get_all()]  # expect

            @app.post("/posts")
            def add():
                db.session.add(Post())
                db.session.add(User())
                db.session.commit()
                return "ok"
            """,
            message="`p.author` is a lazy relationship of `Post` read for every row of "
            "`PostController.list_items({})` in view `posts`",
            files={"models.py": _MODELS, "controllers.py": _CONTROLLERS},
        ),
        # the helper pins one event only when the request names one (`if "event" in args:`), and narrows to
        # one event only when the request asks (`if args.get("event_id"):`); the other way gives every event's
        # tracks, each with its own `event`: one query per distinct event
        Invalid(
            """
            from flask import Flask, request
            from models import db, Event, Track, User
            app = Flask(__name__)

            class TrackController:
                @classmethod
                def build_query(cls, args):
                    if "event" in args:
                        query = Track.query.filter_by(event_id=args["event"])
                    else:
                        query = Track.query
                    return query, {}

            def narrowed(args):
                query = Track.query
                if args.get("event_id"):
                    query = query.filter_by(event_id=args["event_id"])
                return query

            @app.get("/tracks")
            def tracks():
                query, _ = TrackController.build_query(request.args)
                return [t.event.title for t in query.order_by(Track.id).limit(50).all()]  # expect

            @app.get("/tracks/narrowed")
            def narrowed_tracks():
                return [t.event.title for t in narrowed(request.args).limit(50).all()]  # expect

            @app.post("/events/new")
            def add():
                db.session.add(Event(title="x"))
                db.session.add(User(name="x"))
                db.session.add(Track(event_id=1))
                db.session.commit()
                return "ok"
            """,
            message="`t.event` is a lazy relationship of `Track` read for every row of",
            files={"models.py": _HELD_PARENTS_MODELS},
        ),
        # a comprehension that keeps some rows of a query holds the same row objects: each one still loads
        # its collection on first access; so does the first object of each row of a two-entity select
        Invalid(
            """
            from flask import Flask
            from sqlalchemy import select
            from models import db, Author, Book
            app = Flask(__name__)

            @app.post("/authors")
            def add_author():
                db.session.add(Author(name="x", active=True))
                db.session.commit()
                return "ok"

            @app.get("/authors/active")
            def active_authors():
                kept = [a for a in Author.query.all() if a.active]
                counts = {}
                for a in kept:
                    counts[a.name] = len(a.books)  # expect
                return counts

            @app.get("/authors/with-first-book")
            def with_first_book():
                rows = db.session.execute(select(Author, Book).join(Book, Book.author_id == Author.id)).all()
                return [(a.name, len(a.books)) for a, b in rows]  # expect
            """,
            message="`a.books` is a lazy relationship of `Author` read for every row of `kept`",
            files={"models.py": _AUTHOR_MODELS},
        ),
        # pydantic builds each band's model from its attributes (``from_attributes``): the ``gigs`` field reads
        # the lazy relationship of every band
        Invalid(
            """
            from flask import Flask, request
            from pydantic import BaseModel, ConfigDict
            from models import db, Band, Gig

            app = Flask(__name__)


            class GigOut(BaseModel):
                model_config = ConfigDict(from_attributes=True)
                venue: str


            class BandOut(BaseModel):
                model_config = ConfigDict(from_attributes=True)
                name: str
                gigs: list[GigOut]


            @app.post("/bands")
            def add_band():
                db.session.add(Band(name=request.json["name"]))
                db.session.add(Gig(venue=request.json["venue"], band_id=1))
                db.session.commit()
                return "ok"


            @app.get("/bands")
            def bands():
                return [BandOut.model_validate(b).model_dump() for b in Band.query.all()]  # expect
            """,
            message="`BandOut.model_validate(b)` builds a pydantic model from every row of `Band.query.all()`",
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()


            class Band(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(80))
                gigs = db.relationship("Gig", backref="band")


            class Gig(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                venue = db.Column(db.String(80))
                band_id = db.Column(db.Integer, db.ForeignKey("band.id"))
            """
            },
        ),
        # a helper returning every row of the model class it is given: the rows are bands here
        Invalid(
            """
            from flask import Flask, request
            from models import db, Band, Gig

            app = Flask(__name__)


            def every(model):
                return model.query.order_by(model.id).all()


            @app.post("/bands")
            def add_band():
                db.session.add(Band(name=request.json["name"]))
                db.session.add(Gig(venue=request.json["venue"], band_id=1))
                db.session.commit()
                return "ok"


            @app.get("/bands/sizes")
            def sizes():
                return {b.name: len(b.gigs) for b in every(Band)}  # expect
            """,
            message="`b.gigs` is a lazy relationship of `Band` read for every row of `every(Band)`",
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()


            class Band(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(80))
                gigs = db.relationship("Gig", backref="band")


            class Gig(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                venue = db.Column(db.String(80))
                band_id = db.Column(db.Integer, db.ForeignKey("band.id"))
            """
            },
        ),
        # SQLAlchemy-serializer's ``to_dict()`` serializes every relationship of each recipe: its steps, one
        # query per recipe
        Invalid(
            """
            from flask import Flask, request
            from models import db, Recipe, Step

            app = Flask(__name__)


            @app.post("/recipes")
            def add_recipe():
                db.session.add(Recipe(title=request.json["title"]))
                db.session.add(Step(recipe_id=1, text=request.json["step"]))
                db.session.commit()
                return "ok"


            @app.get("/recipes")
            def recipes():
                return [r.to_dict() for r in Recipe.query.all()]  # expect
            """,
            message="`r.to_dict()` serializes (SQLAlchemy-serializer's `SerializerMixin`) every row of `Recipe.query.all()`",
            files={
                "models.py": """
            from flask_sqlalchemy import SQLAlchemy
            from sqlalchemy_serializer import SerializerMixin

            db = SQLAlchemy()


            class Recipe(db.Model, SerializerMixin):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(80))
                steps = db.relationship("Step", backref="recipe")


            class Menu(db.Model, SerializerMixin):
                serialize_rules = ("-dishes",)
                id = db.Column(db.Integer, primary_key=True)
                dishes = db.relationship("Step")


            class Step(db.Model, SerializerMixin):
                serialize_rules = ("-recipe",)
                id = db.Column(db.Integer, primary_key=True)
                recipe_id = db.Column(db.Integer, db.ForeignKey("recipe.id"))
                menu_id = db.Column(db.Integer, db.ForeignKey("menu.id"))
                text = db.Column(db.Text)
            """
            },
        ),
    )

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        self._loop(node.target, node.iter, node.body, node, ctx)

    visit_AsyncFor = visit_For

    def visit_ListComp(self, node: ast.ListComp, ctx: Context) -> None:
        first = node.generators[0]
        # ``[p for p in rows if p.likes]``: a comprehension's condition is a test, as an ``if`` statement's is
        # (a ``lazy="dynamic"`` relationship only tested runs no query)
        tests: list[ast.AST] = [ast.copy_location(ast.If(test=cond, body=[], orelse=[]), cond) for cond in first.ifs]
        if isinstance(node, ast.DictComp):
            body: list[ast.AST] = [node.key, node.value, *tests, *node.generators[1:]]
        else:
            body = [node.elt, *tests, *node.generators[1:]]
        self._loop(first.target, first.iter, body, node, ctx)
        # ``[c.author for p in posts for c in p.comments]``: the second generator walks each row's collection
        for index, gen in enumerate(node.generators[1:], 1):
            var, _ = loop_item(gen.target, gen.iter)
            if var is None:
                continue
            conds = [ast.copy_location(ast.If(test=cond, body=[], orelse=[]), cond) for cond in gen.ifs]
            head = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            inner = [*head, *conds, *node.generators[index + 1 :]]
            if in_application_code(ctx) and (ctx.in_request or ctx.in_job):
                self._nested_items(var, gen.iter, inner, node, ctx, outer=node.generators[index - 1])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp
    visit_DictComp = visit_ListComp

    def visit_Lambda(self, node: ast.Lambda, ctx: Context) -> None:
        """``sorted(rows, key=lambda p: p.author.name)``, ``map(lambda p: p.author, rows)``: the lambda runs
        once per row, as a loop's body does."""
        ancestors = ctx.ancestors
        if len(ancestors) < 2:
            return
        parent = ancestors[-1]
        call = ancestors[-2] if isinstance(parent, ast.keyword) else parent
        rows = key_function_rows(node, parent, call)
        args = node.args
        if rows is None or len(args.args) != 1 or args.vararg or args.kwonlyargs:
            return
        target = ast.copy_location(ast.Name(id=args.args[0].arg, ctx=ast.Store()), node)
        self._loop(target, rows, [node.body], node, ctx)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        """``render_template("posts.html", posts=rows)``: the template's loops over ``rows`` read per row;
        ``schema.dump(rows, many=True)`` / ``marshal(rows, spec)``: the serializer's fields read per row."""
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job):
            return
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in DUMP_CALLS
            or (isinstance(node.func, ast.Name) and node.func.id == "marshal")
        ):
            dump = dump_of(ctx.project, ctx.module, ctx.function, node)
            if dump is not None:
                self._serialized(dump, ctx)
            return
        mapped = function_loop(node)
        if mapped is not None:
            # ``map(to_row, rows)``, ``sorted(rows, key=author_name)``: the named function runs once per row
            self._loop(mapped.generators[0].target, mapped.generators[0].iter, [mapped.elt], node, ctx)
            return
        for loop in rendered_loops(ctx.project, (node, ctx.module.path)):
            # the template loop's body is converted only once its rows are known to be a query's (below)
            self._loop(ast.Name(id=loop.var, ctx=ast.Store()), loop.iterable, [], loop.node, ctx, template=loop)
        for loop in rendered_collections(ctx.project, (node, ctx.module.path)):
            # ``{% for c in post.comments %}`` over the object the view loaded: as the same loop in the view
            held = parent_collection(loop.iterable, ctx)
            if held is not None:
                self._parent_items(loop.var, loop.body, loop.node, held, ctx, template=loop)

    def visit_Return(self, node: ast.Return, ctx: Context) -> None:
        """``return rows`` from a view decorated with ``@marshal_with(spec)``: the fields read per row."""
        fn = ctx.function
        if fn is None or not fn.node.decorator_list or not in_application_code(ctx):
            return
        if not (ctx.in_request or ctx.in_job):
            return
        for dump in marshalled_returns(ctx.project, fn):
            if dump.site is node:
                self._serialized(dump, ctx)

    def _serialized(self, dump: Dump, ctx: Context) -> None:
        """The rows a serializer dumps, with its fields' reads as the body of a loop over them."""
        var = "_row"
        body: list[ast.AST] = []
        fields: dict[int, FieldRead] = {}
        for read in dump.serializer.reads:
            node = ast.copy_location(
                ast.Attribute(value=ast.Name(id=var, ctx=ast.Load()), attr=read.attr, ctx=ast.Load()), dump.site
            )
            ast.copy_location(node.value, dump.site)
            fields[id(node)] = read
            body.append(node)
        if body:
            self._loop(ast.Name(id=var, ctx=ast.Store()), dump.rows, body, dump.site, ctx, dump=(dump, fields))

    def _loop(
        self,
        target: ast.expr,
        iterable: ast.expr,
        body: list,
        loop: ast.AST,
        ctx: Context,
        *,
        template: TemplateLoop | None = None,
        dump: tuple[Dump, dict[int, FieldRead]] | None = None,
    ) -> None:
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job):
            return
        unpacked = _first_entity_rows(target, iterable, ctx) if template is None and dump is None else None
        joined: set[str] = set()  # the models of the other entities of each row (``User`` of ``(post, user)``)
        if unpacked is not None:
            var, query = unpacked  # ``for post, user in session.execute(select(Post, User))``: ``post`` is a Post
            joined = {m.name for m in (model_for(e, ctx) for e in query.entities[1:]) if m is not None}
        else:
            var, iterable = loop_item(target, iterable)
            if var is None:
                return
            query = iterated_query(iterable, ctx, helpers=True)
        at = template.location if template is not None else ctx.location
        rows_ctx, passed = ctx, []
        if template is not None:
            passed = [
                Evidence(
                    f"{describe_context(ctx)} renders `{template.shown_name}` with `{template.passed.arg}=...`",
                    ctx.location(template.passed.value),
                )
            ]
        if query is None and template is None:
            fed = rows_passed_in(iterable, ctx)
            if fed is not None and walks_instances(fed.query):
                assert ctx.function is not None
                query, rows_ctx, passed = fed.query, fed.ctx, fed.evidence(ctx.function, "the rows")
        if query is None:
            if template is None and dump is None and self._references(var, iterable, body, loop, ctx):
                return
            if dump is not None:
                return  # a serializer over one object's collection: not followed
            if template is None and self._nested_items(var, iterable, body, loop, ctx):
                return
            owned = user_collection(iterable, ctx) if template is None else None
            if owned is not None:
                self._user_items(var, iterable, body, loop, owned, ctx)
                return
            held = parent_collection(iterable, ctx) if template is None else None
            if held is not None:
                self._parent_items(var, body, loop, held, ctx)
            return
        if query.model is None:
            return
        if template is not None:
            body = template.body
        assert ctx.function is not None
        if passed and template is None and DELETES().search(ctx.function.name):
            return  # the caller's rows are deleted or rewritten one by one: read per row anyway
        if one_record(query, rows_ctx) is not None:
            return  # one record and its rare twins (``Cert.serial == cert.serial``): the loop runs once or twice
        model = query.model
        rels = relations(ctx.project, model)
        reported: set[str] = set()
        calls_reported: set[int] = set()
        dynamic = {name for name, r in rels.items() if r.lazy == "dynamic"}
        unloaded = _never_loaded(body, var, dynamic) if dynamic else set()
        dumped: list[tuple[Finding, str]] = []  # a serializer's reads: one finding for the dump
        for node, attr, helpers, read in self._reads(body, var, model, ctx):
            rel = _relation(rels, attr, ctx, model)
            if rel is None or rel.lazy not in LAZY_PER_ROW or rel.attr in reported or id(node) in unloaded:
                continue
            attr = rel.attr
            if (
                isinstance(node, ast.Attribute)
                and helpers
                and rel.scalar is not False
                and not (len(helpers) == 1 and read.attr in always_read(helpers[0], "self"))
            ):
                # a property's many-to-one read only under a condition (``if self.deleted: return None``), or by
                # a property it reads in turn: the identity map answers the rows that share a parent
                continue
            if helpers and (id(node) in calls_reported or any(DELETES().search(h.name) for h in helpers)):
                continue  # one finding per helper call; a helper that deletes each row reads it anyway
            if loads_eagerly(query, attr):
                continue
            if rel.scalar is not False and rel.target.rsplit(".", 1)[-1] in joined:
                continue  # ``for post, user in select(Post, User)``: the identity map holds each row's user
            if rel.scalar and template is None and _keys_groups(body, var, attr):
                continue  # ``by_template[receipt.template].append(receipt)``: the rows share few parents
            read_as = {attr, getattr(node, "attr", attr)}
            if _loaded_earlier(ctx, iterable, loop, read_as, in_template=bool(template)):
                continue  # an earlier loop over the same rows loaded it (and is reported there)
            if template is not None and preloaded_by_processor(ctx.project, query, rows_ctx, read_as) is not None:
                continue  # a context processor loaded it on these very rows before the template ran
            less = self._why_less(query, rel, rows_ctx)
            if less == "" or _worth_little(
                query, iterable, body, var, attr, helpers, model, ctx, rows_ctx, plain=not (template or dump)
            ):
                continue
            if less is None and _rewrites_rows(ctx, body, var, attr, helpers, read) is not None:
                continue  # each row is written one by one anyway: loading it first is part of that change
            reported.add(attr)
            if helpers:
                calls_reported.add(id(node))
            how = "a query per row" if rel.lazy == "select" else 'a new query per row (`lazy="dynamic"`)'
            if rel.scalar and not less:
                how = f"a query for each row whose `{attr}` is not loaded yet (the rows point to different ones)"
            note = f" (a note: {less})" if less else ""
            place = describe_context(ctx)
            if template is not None:
                place = f"template `{template.shown_name}` (rendered by {place})"
            proxy = "" if read.attr == attr else f" (an `association_proxy` of `{attr}`)"
            what = (
                f"`{var}.{read.attr}`{proxy} is a lazy relationship of `{model.name}` read for every row of "
                f"{query_label(query, iterable)} in {place}"
            )
            evidence = [
                Evidence("the loop", at(loop)),
                Evidence(f"`{model.name}.{attr}` declared here", rel.location),
                *([Evidence(QUERY_ROOT, ctx.location(query.root_node))] if _built_here(query, ctx) else []),
                *passed,
            ]
            if not helpers and isinstance(node, ast.Call):
                builds = (
                    "builds a pydantic model from"
                    if isinstance(node.func, ast.Attribute) and node.func.attr in PYDANTIC_BUILDS
                    else "serializes (SQLAlchemy-serializer's `SerializerMixin`)"
                )
                what = (
                    f"`{short(node, 50)}` {builds} every row of {query_label(query, iterable)} in {place}, "
                    f"which reads `{var}.{attr}`, a lazy relationship of `{model.name}`"
                )
            if helpers:
                chain = " → ".join(f"`{h.display}`" for h in helpers)
                via = "" if read.attr == attr else f" (through `{read.attr}`)"
                runs = "runs the property" if isinstance(node, ast.Attribute) else "hands every row of"
                what = (
                    f"`{short(node, 50)}` {runs} {chain} on every row of {query_label(query, iterable)} in "
                    f"{place}, which reads `{read.value.id}.{attr}`{via}, a lazy relationship of `{model.name}`"
                    if isinstance(node, ast.Attribute)
                    else f"`{short(node, 50)}` {runs} {query_label(query, iterable)} in "
                    f"{place} to {chain}, which reads `{read.value.id}.{attr}`{via}, a lazy "
                    f"relationship of `{model.name}`"
                )
                evidence.insert(
                    1,
                    Evidence(
                        f"`{read.attr}` read in `{helpers[-1].display}`",
                        Location(helpers[-1].module.path, read.lineno, read.col_offset + 1),
                    ),
                )
            if dump is not None:
                what, evidence = self._dump_words(dump, node, query, iterable, place, model, attr, helpers, read)
                evidence = [
                    *evidence,
                    Evidence(f"`{model.name}.{attr}` declared here", rel.location),
                    *([Evidence(QUERY_ROOT, ctx.location(query.root_node))] if _built_here(query, ctx) else []),
                    *passed,
                ]
            finding = self.finding(
                at(node),
                f"{what}: {how}{note}",
                hint=f"Add `.options(selectinload({model.name}.{attr}))` to the query "
                f'(or `joinedload` for a many-to-one), or declare the relationship with `lazy="selectin"`.',
                evidence=evidence,
                severity=Severity.NOTE if less else None,
            )
            if dump is not None:
                dumped.append((finding, attr))
            else:
                ctx.report(finding)
        if dumped:
            ctx.report(_one_per_dump(dumped, model))

    @staticmethod
    def _dump_words(
        dump: tuple[Dump, dict[int, FieldRead]],
        node: ast.expr,
        query: Query,
        iterable: ast.expr,
        place: str,
        model: ModelInfo,
        attr: str,
        helpers: tuple[FunctionInfo, ...],
        read: ast.Attribute,
    ) -> tuple[str, list[Evidence]]:
        """What a serializer's per-row read says, and its first evidence (the dump, the field)."""
        site, fields = dump
        field = fields[id(node)]
        name = site.serializer.name
        reads = f"`{attr}`, a lazy relationship of `{model.name}`"
        if helpers:
            chain = " → ".join(f"`{h.display}`" for h in helpers)
            reads = f"`{field.attr}`, the property {chain} that reads {reads}"
        what = (
            f"{site.text} in {place} serializes every row of {query_label(query, iterable)} with `{name}`, "
            f"whose field `{field.field}` ({field.how}) reads {reads}"
        )
        evidence = [
            Evidence(f"`{name}.{field.field}` reads `{field.attr}`", field.location),
            *(
                [
                    Evidence(
                        f"`{read.attr}` read in `{helpers[-1].display}`",
                        Location(helpers[-1].module.path, read.lineno, read.col_offset + 1),
                    )
                ]
                if helpers
                else []
            ),
        ]
        return what, evidence

    def _references(self, var: str, iterable: ast.expr, body: list, loop: ast.AST, ctx: Context) -> bool:
        """``for a in Article.objects(...): a.author.name``: a mongoengine ``ReferenceField`` read per document.

        mongoengine turns a reference into its document when the attribute is read, with one query per
        document (it keeps no identity map), unless the queryset asked for ``select_related()`` or
        ``no_dereference()``. Said only for a read of several documents of a collection that grows; ``True``
        when the loop walks such a read (reported or not), so the SQL checks need not look.
        """
        project = ctx.project
        if not uses_mongo(project):
            return False
        read = read_of(iterable, ctx, helpers=True)
        if read is None or read.root != "objects" or not read.many or read.collection.document is None:
            return False
        if read.names & {"select_related", "no_dereference", "scalar", "values_list", "as_pymongo"}:
            return True
        if growth(project, read.collection) is None:
            return True
        assert ctx.function is not None
        if DELETES().search(ctx.function.name) or per_item_io(project, ctx.function, body) is not None:
            return True  # a purge or a loop calling another service per document: one more read is noise
        one_parent = document_parent(read)
        note = ""  # every document of a growing collection: a warning
        if one_parent:
            note = f" (a note: the documents of one `{one_parent}`)"
        elif document_conditions(read) != []:
            note = " (a note: the documents a filter selects, as many as match)"
        fields = document_fields(project, read.collection.document)
        reported: set[str] = set()
        for part in body:
            for node in walk(part):
                if not (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == var
                    and isinstance(node.ctx, ast.Load)
                    and node.attr not in reported
                    and _DEREFERENCED.match(fields.get(node.attr, ""))
                ):
                    continue
                reported.add(node.attr)
                label = read.collection.label
                kind = _DEREFERENCED.match(fields[node.attr])
                assert kind is not None
                ctx.report(
                    self.finding(
                        ctx.location(node),
                        f"`{var}.{node.attr}` is a `{kind.group(1)}` of `{label}` read for every document of "
                        f"`{short(iterable, 50)}` in {describe_context(ctx)}: mongoengine fetches the referenced "
                        f"document with one query per document{note}",
                        hint="Add `.select_related()` to the queryset, or collect the ids and load them at once "
                        "(`Model.objects.in_bulk(ids)`).",
                        evidence=[Evidence("the loop", ctx.location(loop))],
                        severity=Severity.NOTE if note else None,
                    )
                )
        return True

    def _user_items(
        self, var: str, iterable: ast.expr, body: list, loop: ast.AST, owned: UserCollection, ctx: Context
    ) -> None:
        """``for p in current_user.products: p.vendor``: one query per item of the signed-in user's collection.

        The collection itself comes in one query; each item's lazy relationship then costs one more, and the
        items are one person's (their subscriptions), so they point to different parents and grow with use.
        """
        assert ctx.function is not None
        if DELETES().search(ctx.function.name):
            return
        model = owned.items
        rels = relations(ctx.project, model)
        reported: set[str] = set()
        for node, attr, helpers, _read in self._reads(body, var, model, ctx):
            rel = _relation(rels, attr, ctx, model)
            if rel is None or rel.lazy not in LAZY_PER_ROW or rel.attr in reported:
                continue
            attr = rel.attr
            if isinstance(node, ast.Attribute) and helpers and rel.scalar is not False:
                continue  # a property's many-to-one: often read under a condition, and the identity map answers
            back = rel.scalar is not False and rel.target.rsplit(".", 1)[-1] == owned.account.name
            if back and _reverse_of(ctx.project, owned, attr):
                continue  # ``post.author`` of each of ``current_user.posts``: the signed-in user, in the identity map
            target = ctx.project.models.get(rel.target.rsplit(".", 1)[-1]) if rel.target else None
            if target is None or (
                grows(ctx.project, target) is None and user_facing_insert(ctx.project, target) is None
            ):
                continue  # a reference table (few distinct rows, the identity map answers) or a model not known
            reported.add(attr)
            source = f"`{short(iterable, 40)}` (the signed-in user's `{model.name}` rows, loaded in one query)"
            what = f"`{var}.{attr}` is a lazy relationship of `{model.name}` read for every item of {source}"
            if helpers:
                chain = " → ".join(f"`{h.display}`" for h in helpers)
                what = f"`{short(node, 50)}` hands every item of {source} to {chain}, which reads `{attr}`"
            how = "a query per item" if rel.lazy == "select" else 'a new query per item (`lazy="dynamic"`)'
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"{what} in {describe_context(ctx)}: {how}",
                    hint=f"Query the items with the relationship loaded: `{model.name}.query.with_parent("
                    f"current_user, {owned.account.name}.{owned.relation.attr})"
                    f".options(selectinload({model.name}.{attr}))`, or declare `{model.name}.{attr}` with "
                    f'`lazy="selectin"`.',
                    evidence=[
                        Evidence("the loop", ctx.location(loop)),
                        Evidence(f"`{model.name}.{attr}` declared here", rel.location),
                        Evidence(
                            f"`{owned.account.name}.{owned.relation.attr}` declared here", owned.relation.location
                        ),
                    ],
                )
            )

    def _nested_items(
        self,
        var: str,
        iterable: ast.expr,
        body: list,
        loop: ast.AST,
        ctx: Context,
        *,
        outer: ast.For | ast.AsyncFor | ast.comprehension | None = None,
    ) -> bool:
        """``for p in posts: for c in p.comments: c.author.name``: the collection of each row of an outer loop
        over a query's rows, whose items' lazy relationships are read; ``True`` when a finding was reported.

        The inner rows are the children of every outer row (the comments of every post), so a relationship
        read on each of them costs one query per child. Said only where the child table grows with use and
        nothing loads the relationship with the outer query (``selectinload(Post.comments).selectinload(
        Comment.author)``); a many-to-one back to either model, or to a reference table, is answered by the
        identity map.
        """
        if not isinstance(iterable, ast.Attribute) or not isinstance(iterable.value, ast.Name):
            return False
        if outer is None:
            around = enclosing_loop(ctx, loop)
            if around is None:
                return False
            outer = around if isinstance(around, (ast.For, ast.AsyncFor)) else around.generators[0]
        target, rows = outer.target, outer.iter
        outer_var, rows = loop_item(target, rows)
        if outer_var is None or outer_var != iterable.value.id:
            return False
        query = iterated_query(rows, ctx, helpers=True)
        if query is None or query.model is None:
            return False
        project = ctx.project
        held = relations(project, query.model).get(iterable.attr)
        child = project.models.get(held.target.rsplit(".", 1)[-1]) if held is not None and held.target else None
        if held is None or held.scalar is not False or child is None:
            return False
        assert ctx.function is not None
        if DELETES().search(ctx.function.name):
            return False
        if grows(project, child) is None or user_facing_insert(project, child) is None:
            return False  # each row's children are few unless the child table grows and code adds to it
        if capped_count(query, rows, ctx) is not None:
            return False
        rels = relations(project, child)
        dynamic = {name for name, r in rels.items() if r.lazy == "dynamic"}
        unloaded = _never_loaded(body, var, dynamic) if dynamic else set()
        reported: set[str] = set()
        for node, attr, helpers, read in self._reads(body, var, child, ctx):
            rel = _relation(rels, attr, ctx, child)
            if rel is None or rel.lazy not in LAZY_PER_ROW or rel.attr in reported or id(node) in unloaded:
                continue
            attr = rel.attr
            if helpers and (rel.scalar is not False or any(DELETES().search(h.name) for h in helpers)):
                continue
            if loads_eagerly(query, attr):
                continue  # the outer query's options load it (``selectinload(Post.comments).selectinload(...)``)
            if rel.scalar is not False:
                parent = project.models.get(rel.target.rsplit(".", 1)[-1]) if rel.target else None
                if parent is None or parent is query.model or parent is child:
                    continue  # back to the outer row (or a sibling): the identity map answers
                if grows(project, parent) is None and user_facing_insert(project, parent) is None:
                    continue  # a reference table: a few distinct parents, each loaded once
            if per_item_io(project, ctx.function, body, helpers=helpers, items={var: child}) is not None:
                continue
            if _rewrites_rows(ctx, body, var, attr, helpers, read) is not None:
                continue
            reported.add(attr)
            source = f"`{short(iterable, 40)}` (the `{child.name}` rows of every row of {query_label(query, rows)})"
            what = (
                f"`{var}.{read.attr}` is a lazy relationship of `{child.name}` read for every item of {source} "
                f"in {describe_context(ctx)}"
            )
            if helpers:
                chain = " → ".join(f"`{h.display}`" for h in helpers)
                what = (
                    f"`{short(node, 50)}` hands every item of {source} in {describe_context(ctx)} to {chain}, "
                    f"which reads `{attr}`, a lazy relationship of `{child.name}`"
                )
            how = "a query per item" if rel.lazy == "select" else 'a new query per item (`lazy="dynamic"`)'
            if rel.scalar:
                how = f"a query for each item whose `{attr}` is not loaded yet (the items point to different ones)"
            ctx.report(
                self.finding(
                    ctx.location(node),
                    f"{what}: {how}",
                    hint=f"Add `.options(selectinload({query.model.name}.{held.attr})"
                    f".selectinload({child.name}.{attr}))` to the outer query, or declare "
                    f'`{child.name}.{attr}` with `lazy="selectin"`.',
                    evidence=[
                        Evidence("the loop", ctx.location(loop)),
                        Evidence("the outer loop, over the query's rows", ctx.location(rows)),
                        Evidence(f"`{child.name}.{attr}` declared here", rel.location),
                        Evidence(f"`{query.model.name}.{held.attr}` declared here", held.location),
                        *([Evidence(QUERY_ROOT, ctx.location(query.root_node))] if _built_here(query, ctx) else []),
                    ],
                )
            )
        return bool(reported)

    def _parent_items(
        self,
        var: str,
        body: list,
        loop: ast.AST,
        held: ParentCollection,
        ctx: Context,
        *,
        template: TemplateLoop | None = None,
    ) -> None:
        """``for comment in post.comments: comment.author.name``: one query per row of one object's collection.

        The collection comes in one query; each row's lazy relationship then costs one more. A many-to-one
        costs one per *distinct* parent: it is reported when the rows likely point to different ones (the
        authors of a post's comments, the jobs of an agent's tasks), not when it leads back to the loaded
        object's own model (every task of ``job.tasks`` reads that job: the identity map answers) nor to a
        reference table. The rows must grow with use: a growing child table (by name or timestamp) that a request or job adds to.
        """
        assert ctx.function is not None
        if DELETES().search(ctx.function.name):
            return
        model = held.items
        if grows(ctx.project, model) is None or user_facing_insert(ctx.project, model) is None:
            return  # one object's rows are many only when its children grow and code adds them (as `few_rows`)
        rels = relations(ctx.project, model)
        dynamic = {name for name, r in rels.items() if r.lazy == "dynamic"}
        unloaded = _never_loaded(body, var, dynamic) if dynamic else set()
        reported: set[str] = set()
        source = short(held.source, 40)
        if template is not None:
            source = f"{template.passed.arg}.{held.source.attr}"  # as the template names it
        for node, attr, helpers, read in self._reads(body, var, model, ctx):
            rel = _relation(rels, attr, ctx, model)
            if rel is None or rel.lazy not in LAZY_PER_ROW or rel.attr in reported or id(node) in unloaded:
                continue
            attr = rel.attr
            if (
                isinstance(node, ast.Attribute)
                and helpers
                and rel.scalar is not False
                and not (len(helpers) == 1 and read.attr in always_read(helpers[0], "self"))
            ):
                # a property's many-to-one read only under a condition (``if self.deleted: return None``), or by
                # a property it reads in turn: the identity map answers the rows that share a parent
                continue
            if helpers and any(DELETES().search(h.name) for h in helpers):
                continue
            target = ctx.project.models.get(rel.target.rsplit(".", 1)[-1]) if rel.target else None
            if rel.scalar is not False:
                if target is None or target is held.parent or target is model:
                    continue  # back to the loaded object (or a sibling row): the identity map answers
                if grows(ctx.project, target) is None and user_facing_insert(ctx.project, target) is None:
                    continue  # a reference table: a few distinct parents, each loaded once
            if _rewrites_rows(ctx, body, var, attr, helpers, read) is not None:
                continue  # each row is written one by one anyway: loading it first is part of that change
            if rel.scalar and template is not None and not person_table(ctx.project, target):
                # a detail page listing the one object's children (a job's parent jobs), each pointing to a
                # parent that is not a person (its job type version): the children are a handful and share a
                # few parents, one query per distinct one, then the identity map answers the rest
                continue
            reported.add(attr)
            place = describe_context(ctx)
            if template is not None:
                place = f"template `{template.shown_name}` (rendered by {place})"
            rows = f"`{source}` (the `{model.name}` rows of one `{held.parent.name}`, loaded in one query)"
            what = (
                f"`{var}.{read.attr}` is a lazy relationship of `{model.name}` read for every row of {rows} in {place}"
            )
            if helpers:
                chain = " → ".join(f"`{h.display}`" for h in helpers)
                what = (
                    f"`{short(node, 50)}` runs the property {chain} on every row of {rows} in {place}, which reads "
                    f"`{attr}`, a lazy relationship of `{model.name}`"
                    if isinstance(node, ast.Attribute)
                    else f"`{short(node, 50)}` hands every row of {rows} in {place} to {chain}, which reads "
                    f"`{attr}`, a lazy relationship of `{model.name}`"
                )
            if rel.scalar and template is not None:
                how = f"a query for each distinct `{attr}` among them"
            elif rel.scalar:
                how = f"a query for each row whose `{attr}` is not loaded yet (the rows point to different ones)"
            else:
                how = "a query per row" if rel.lazy == "select" else 'a new query per row (`lazy="dynamic"`)'
            insert = user_facing_insert(ctx.project, model)
            at = template.location if template is not None else ctx.location
            rendered = (
                [
                    Evidence(
                        f"{describe_context(ctx)} renders `{template.shown_name}` with `{template.passed.arg}=...`",
                        ctx.location(template.passed.value),
                    )
                ]
                if template is not None
                else []
            )
            # a detail page's list of the one object's children (a topic's replies, a job's parents): N is what
            # that object holds, often a handful, so the template's loop is a note
            note = f" (a note: the rows of the one `{held.parent.name}` the page shows)" if template else ""
            ctx.report(
                self.finding(
                    at(node),
                    f"{what}: {how}{note}",
                    hint=f"Query the rows with the relationship loaded: `{model.name}.query.with_parent("
                    f"{short(held.source.value, 20)}, {held.parent.name}.{held.relation.attr})"
                    f".options(selectinload({model.name}.{attr}))`, or declare `{model.name}.{attr}` with "
                    f'`lazy="selectin"`.',
                    evidence=[
                        Evidence("the loop", at(loop)),
                        Evidence(f"`{model.name}.{attr}` declared here", rel.location),
                        Evidence(f"`{held.parent.name}.{held.relation.attr}` declared here", held.relation.location),
                        *rendered,
                        *(
                            [Evidence(f"`{insert.function.display}` adds `{model.name}` rows", insert.location)]
                            if insert is not None
                            else []
                        ),
                    ],
                    severity=Severity.NOTE if template else None,
                )
            )

    @staticmethod
    def _reads(
        body: list,
        var: str,
        model: ModelInfo,
        ctx: Context,
    ) -> Iterator[tuple[ast.expr, str, tuple[FunctionInfo, ...], ast.Attribute]]:
        """Reads of ``var.attr`` in the loop body, then the ones of helpers the body hands ``var`` to."""
        calls: list[ast.Call] = []
        for part in body:
            for node in walk(part):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == var
                    and isinstance(node.ctx, ast.Load)
                ):
                    yield node, node.attr, (), node  # assigning ``post.author = x`` does not load it
                    # ``post.authors`` runs a property of the model: what its getter reads of ``self`` is read
                    # on every row too (``self._authors``, a proxy of the lazy ``_authors_assoc``)
                    for read in property_reads(ctx.project, model, node.attr):
                        yield node, read.attr, read.helpers, read.node
                elif isinstance(node, ast.Call):
                    calls.append(node)
        assert ctx.function is not None
        for call in calls:
            built = pydantic_build(ctx.project, ctx.module, call, var)
            # ``Out.model_validate(post)``: pydantic reads every field's attribute of the row; ``post.to_dict()``
            # of SQLAlchemy-serializer's mixin serializes every relationship of the row
            serialized = (
                [field.attr for field in built[1]] if built is not None else _mixin_reads(call, var, model, ctx)
            )
            if serialized is not None:
                for attr in serialized:
                    read = ast.Attribute(value=ast.Name(id=var, ctx=ast.Load()), attr=attr, ctx=ast.Load())
                    yield call, attr, (), ast.copy_location(read, call)
                continue
            for read in item_reads(ctx.project, ctx.function, call, var, model.qualname):
                yield call, read.attr, read.helpers, read.node

    @staticmethod
    def _why_less(query: Query, rel: Relation, ctx: Context) -> str | None:
        """``None``: warn; a reason: only a note; ``""``: say nothing."""
        fn = ctx.function
        assert fn is not None and query.model is not None
        key = parent_key(query, ctx)
        if rel.scalar:
            if distinct_parents_by_key(query, foreign_key_of(ctx.project, query.model, rel), ctx):
                return None  # the key leaves the parent the only column the rows differ in: one parent per row
            # a many-to-one load queries once per *distinct* parent; the identity map answers the rest
            if key in (rel.attr, f"{rel.attr}_id"):
                return ""  # every row has the parent the query is filtered by: one query in all
            if rel.attr in loaded_parents(query, ctx):
                return ""  # ``with_parent(event)`` / ``event_id.in_(e.id for e in events)``: parents held already
            target = ctx.project.models.get(rel.target.rsplit(".", 1)[-1]) if rel.target else None
            if target is query.model and (key or _whole_table(query, ctx)):
                # ``entry.parent`` is another row of the same container (or of the whole table), loaded by this
                # very query: the identity map answers without a query
                return ""
            if _few_parents(query, rel, target, ctx):
                return ""  # the parents are few however many rows point to them: one query per distinct one
            if key is None and one_owner_keys(query, ctx) and not (target and person_table(ctx.project, target)):
                # ``Solve.user_id.in_(m.id for m in self.members)``: the rows of the few children one object holds
                # (one team's members) share a handful of parents, as one container's rows do
                return ""
            if key and not per_owner(key):
                if target is None or not person_table(ctx.project, target):
                    # the rows of one parent share a few `rel` objects (one agent's tasks, a handful of jobs; one
                    # sketch's events, its few indexes; one statement's bank accounts): one query per distinct
                    # one, the identity map answers
                    return ""
                few = few_rows(query, ctx, growing_children=True)
                if few is not None and ("a table nothing shows growing" in few or "of a single parent" in few):
                    # one record's rows in a table that does not grow with use (the users notified of one job, a
                    # link table with no timestamp): a handful of rows, whoever each one points to
                    return ""
                shared = "parent (`with_parent`)" if key == "with_parent" else f"`{key}`"
                return (
                    f"the rows share one {shared}, but each may point to a different `{rel.attr}` (`{target.name}` "
                    f"has a row per person or account): one query per distinct one"
                )
            if (
                target is not None
                and target is not query.model
                and grows(ctx.project, target) is None
                and user_facing_insert(ctx.project, target) is None
            ):
                return ""  # a reference table: a few distinct parents, each loaded once, then the identity map
        if DELETES().search(fn.name):
            return ""  # each row is deleted or rewritten one by one anyway: a batched read is not the fix
        context = run_context(ctx) or REQUEST
        picked = selection(query, ctx)
        if (picked.columns or picked.keys) and drained_by(
            ctx.project, fn, query.model, context, list(picked.columns), set(picked.keys)
        ) is not None:
            return ""  # a job draining a queue: N is the backlog since the last run, each row worked on anyway
        if not rel.scalar:
            few = few_rows(query, ctx, growing_children=True)
            if few is not None and "a table nothing shows growing" in few:
                return ""  # a table nothing shows growing (set up by an admin or a command): its rows are few
            if few is not None and "of a single parent" in few:
                # the children of one record whose table does not both grow with use and get rows from requests
                # or jobs (a form's sections, a sketch's chart groups, one event's tracks): a handful per parent
                return ""
            if few is not None:
                return f"the loop walks {few}"
        return None


def _mixin_reads(call: ast.Call, var: str, model: ModelInfo, ctx: Context) -> list[str] | None:
    """``post.to_dict()`` on a row whose model mixes in SQLAlchemy-serializer's ``SerializerMixin``: the
    relationships it serializes (``None`` for any other call)."""
    if not (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "to_dict"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == var
    ):
        return None
    return mixin_serialized(ctx.project, model.qualname, call, list(relations(ctx.project, model)))


def _first_entity_rows(target: ast.expr, iterable: ast.expr, ctx: Context) -> tuple[str, Query] | None:
    """``for post, user in session.execute(select(Post, User).join(...))`` (or ``session.query(Post, User)``):
    each row holds one object per entity named, in that order, so the first name of the target is an
    instance of the first entity's model, and walks that model's rows. ``None`` for any other loop."""
    if not isinstance(target, ast.Tuple) or len(target.elts) < 2 or not isinstance(target.elts[0], ast.Name):
        return None
    query = loop_rows(iterable, ctx, helpers=True)
    if query is None or query.model is None or len(query.entities) != len(target.elts):
        return None
    if model_for(query.entities[0], ctx) is not query.model:
        return None
    return target.elts[0].id, query


def _few_parents(query: Query, rel: Relation, target: ModelInfo | None, ctx: Context) -> bool:
    """A many-to-one whose distinct parents are few, however many rows the loop walks.

    The identity map answers every row whose parent was loaded once, so the loads are one per distinct
    parent. They are few when the query keeps only the parents of one record (the payers among one
    project's members: ``Bill.payer_id == Person.id, Person.project_id == pid``; not accounts people sign
    in with, who may be many), or when the parent's table is one nothing shows growing, no user-facing
    form or job adds to, and no person's (a household's bank accounts or vehicles set up by a command).
    People stay reported (a table of persons, or accounts people sign in with,
    whose rows may be many even for one team): the authors of a list of posts are likely distinct.
    """
    if target is None or target is query.model:
        return False
    project = ctx.project
    if not sign_in_account(project, target) and parents_pinned(query, rel.attr, ctx) is not None:
        return True
    return few_parents_table(ctx.project, target)


def _worth_little(
    query: Query,
    iterable: ast.expr,
    body: list,
    var: str,
    attr: str,
    helpers: tuple[FunctionInfo, ...],
    model: ModelInfo,
    ctx: Context,
    rows_ctx: Context,
    *,
    plain: bool,
) -> bool:
    """Loading the relationship with the rows would save little, whatever the rows are: say nothing.

    The code caps the rows at a few (``.limit(3)``, ``rows[:5]``), or each iteration of a loop in the code
    (not a template's, not a serializer's) already makes a call to another service (an e-mail, an HTTP or
    SDK client call, a command, a file change, a task sent to a queue) that costs far more than one more
    query on the same connection.
    """
    if capped_count(query, iterable, ctx, query_ctx=rows_ctx) is not None:
        return True
    if not plain or ctx.function is None:
        return False

    def read_result(test: ast.expr) -> bool:
        # ``if cert.destinations: notify(...)``: the I/O runs only for the rows the relationship picks out
        return any(
            isinstance(sub, ast.Attribute)
            and sub.attr == attr
            and isinstance(sub.value, ast.Name)
            and sub.value.id == var
            for sub in ast.walk(test)
        )

    found = per_item_io(ctx.project, ctx.function, body, helpers=helpers, items={var: model}, read_result=read_result)
    return found is not None


def _one_per_dump(found: list[tuple[Finding, str]], model: ModelInfo) -> Finding:
    """The findings of one serialization, as one: the first's words, then each other relationship it loads.

    A warning among them speaks first, so the merged finding keeps the severity the rule gave it (no
    severity is rewritten here)."""
    found = sorted(found, key=lambda item: item[0].severity != Severity.WARNING)  # stable: warnings first
    first, _ = found[0]
    if len(found) == 1:
        return first
    also = "; ".join(f.message.split(" whose ", 1)[-1] for f, _ in found[1:])
    loaders = ", ".join(f"selectinload({model.name}.{attr})" for _, attr in found)
    evidence: list[Evidence] = []
    for finding, _ in found:
        evidence.extend(e for e in finding.evidence if e not in evidence)
    evidence.sort(key=lambda e: e.location is None)  # notes without a place (the severity's reason) last
    return dataclasses.replace(
        first,
        message=f"{first.message}; and {also}",
        hint=f'Add `.options({loaders})` to the query, or declare the relationships with `lazy="selectin"`.',
        evidence=tuple(evidence),
    )


def _loaded_earlier(ctx: Context, iterable: ast.expr, loop: ast.AST, attrs: set[str], *, in_template: bool) -> bool:
    """Every row's relationship (read as one of ``attrs``: itself, or the property the loop reads) was loaded
    before this loop: by an earlier loop of the function over the same rows, or by the helper that returned
    them. A loaded relationship stays in the object's state; the loading loop is where the queries run."""
    fn = ctx.function
    assert fn is not None
    for attr in attrs:
        if not in_template and touched_before(ctx.project, fn, iterable, attr, loop) is not None:
            return True
        if preloaded_by(ctx.project, fn, iterable, attr) is not None:
            return True
    return False


def _keys_groups(body: list, var: str, attr: str) -> bool:
    """``groups[row.parent].append(row)``, ``counts[row.parent] += 1``, ``groups.setdefault(row.parent, [])``:
    the loop groups its rows by the many-to-one ``var.attr``, so the code expects several rows per parent.
    SQLAlchemy loads each distinct parent once; its identity map answers the other rows of the group."""

    def is_read(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == attr
            and isinstance(node.value, ast.Name)
            and node.value.id == var
        )

    for part in body:
        for node in walk(part):
            if isinstance(node, ast.Subscript) and is_read(node.slice):
                return True
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setdefault"
                and node.args
                and is_read(node.args[0])
            ):
                return True
    return False


def _relation(rels: dict[str, Relation], attr: str, ctx: Context, model: ModelInfo) -> Relation | None:
    """The relationship reading ``row.attr`` loads: ``attr`` itself, or the one an ``association_proxy`` reads."""
    rel = rels.get(attr)
    if rel is None:
        proxied = association_proxies(ctx.project, model).get(attr)
        rel = rels.get(proxied) if proxied else None
    return rel


#: Query steps that keep every row of the table (``Queue.query.order_by(Queue.name).all()``).
_WHOLE_TABLE_STEPS = frozenset({"all", "order_by", "options", "execution_options", "scalars", "execute"})


def _whole_table(query: Query, ctx: Context) -> bool:
    """The query loads every row of its model: no filter, join, limit or page."""
    return (
        query.via is None
        and query.root in ("model", "session")
        and query.names <= _WHOLE_TABLE_STEPS
        and not filter_terms(query, ctx)
    )


def _never_loaded(body: list, var: str, dynamic: set[str]) -> set[int]:
    """The nodes of a loop body that run no query for a ``lazy="dynamic"`` relationship of ``var``.

    A dynamic relationship is a query object: it has no ``__bool__`` or ``__len__``, so it is always true
    and testing it (``if post.comments:``, ``{% if queue.children %}``, ``not post.tags``) runs no SQL.
    What only such a test reads is not a load; and in ``queue.children or queue.jobs.count()`` the
    operand after the always-true one never runs (nor after ``not queue.children`` in an ``and``).
    """
    parents: dict[int, ast.AST] = {}
    nodes: list[ast.AST] = []
    for part in body:
        for node in walk(part):
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node

    def relation(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == var
            and node.attr in dynamic
        )

    def tested(node: ast.AST) -> bool:
        # a loop up through ``and``/``or`` operands, not a call to itself: that cycle would keep ``parents``
        # until the run ends (the collector is paused)
        while True:
            parent = parents.get(id(node))
            if isinstance(parent, (ast.If, ast.IfExp, ast.While, ast.Assert)):
                return parent.test is node
            if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
                return True
            if not isinstance(parent, ast.BoolOp):
                return False
            node = parent

    found: set[int] = set()
    for node in nodes:
        if relation(node) and tested(node):
            found.add(id(node))
        if isinstance(node, ast.BoolOp):
            for index, value in enumerate(node.values):
                settled = (
                    relation(value)
                    if isinstance(node.op, ast.Or)
                    else isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not) and relation(value.operand)
                )
                if settled:
                    found.update(id(n) for later in node.values[index + 1 :] for n in walk(later))
                    break
    return found


def _built_here(query: Query, ctx: Context) -> bool:
    """The query's root is written in this function: where ``--fix`` can add ``.options(...)`` for this loop
    alone (a helper's query serves other callers too)."""
    root = query.root_node
    return root is not None and ctx.function is not None and any(n is root for n in ast.walk(ctx.function.node))


def _rewrites_rows(
    ctx: Context, body: list, var: str, attr: str, helpers: tuple[FunctionInfo, ...], read: ast.Attribute
) -> str | None:
    """Why the per-row load comes with a per-row write anyway (a note), else ``None``.

    A helper that writes each row through the session (``topic.hide(user)`` commits per topic), or code that
    changes the relationship it reads (``cert.sources.remove(source)``): the row is rewritten one by one, and
    loading the relationship first is part of that change.
    """
    writer = next((h for h in helpers if writes_rows(ctx.project, h)), None)
    if writer is not None:
        return f"`{writer.display}` writes each row anyway, one by one"
    if helpers and isinstance(read.value, ast.Name) and changes_attribute([helpers[-1].node], read.value.id, attr):
        return f"`{helpers[-1].display}` changes each row's `{attr}` anyway, one by one"
    if not helpers and changes_attribute(body, var, attr):
        return f"the loop changes each row's `{attr}` anyway, one by one"
    changer = item_changed_by(ctx.project, ctx.function, body, var, attr) if ctx.function is not None else None
    if changer is not None:
        return f"`{changer.display}`, handed each row, changes its `{attr}` anyway, one by one"
    return None


def _reverse_of(project: Project, owned: UserCollection, attr: str) -> bool:
    """``attr`` of the items is the other side of the account's collection (``Post.author`` for ``User.posts``).

    Declared as a pair: ``back_populates`` on either side, or the collection's ``backref``. Read on one of the
    signed-in user's items it is that user, whom the session already holds.
    """

    def declared(model: ModelInfo, name: str) -> ast.Call | None:
        for qualname in project.lineage(model.qualname):
            cls = project.classes.get(qualname)
            for stmt in cls.node.body if cls is not None else ():
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                if isinstance(stmt, ast.AnnAssign):
                    target = stmt.target
                value = getattr(stmt, "value", None)
                if isinstance(target, ast.Name) and target.id == name and isinstance(value, ast.Call):
                    return value
        return None

    def names(call: ast.Call | None, *keywords: str) -> set[str]:
        found: set[str] = set()
        for kw in call.keywords if call is not None else ():
            value = kw.value
            if kw.arg in keywords and isinstance(value, ast.Call) and value.args:
                value = value.args[0]  # ``backref=backref("author", lazy=...)``
            if kw.arg in keywords and isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
        return found

    collection = owned.relation.attr
    if attr in names(declared(owned.account, collection), "back_populates", "backref"):
        return True
    return collection in names(declared(owned.items, attr), "back_populates")
