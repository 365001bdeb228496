"""FD2xx — database: what the ORM is asked to do per request, job and row.

The rules here share one question: *is this expression a SQLAlchemy query,
and what bounds it?*  :func:`query_of` answers it by walking a method chain
down to its root and accepting only three roots — ``Model.query`` where
``Model`` is a mapped class of the project, ``<session>.query(...)`` on a
session object, and ``select(...)`` from SQLAlchemy (or ``db.select``) —
so ``.all()`` on a list, a dict view or another library is never a query.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.model import (
    CLI,
    JOB,
    REQUEST,
    SQLALCHEMY_TYPES,
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

SELECT_FUNCTIONS = {
    "sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select",
    "sqlalchemy.sql.expression.select", "sqlmodel.select",
}
#: Methods after which the rows fetched are bounded (one row, a page, a count).
BOUNDING = {
    "limit", "first", "one", "one_or_none", "get", "scalar", "scalar_one", "scalar_one_or_none",
    "count", "paginate", "exists", "yield_per", "first_or_404", "one_or_404", "get_or_404",
    "fetchone", "fetchmany", "partitions", "slice", "__slice__", "stream", "stream_scalars",
    "group_by", "having", "subquery", "cte", "scalar_subquery", "delete", "update",
}
#: Methods that run the query and return rows.
MATERIALISE = {"all", "fetchall"}
#: Calls that execute a query and return something (used for per-item queries).
EXECUTE = {
    "all", "first", "one", "one_or_none", "get", "scalar", "scalar_one", "scalar_one_or_none",
    "count", "first_or_404", "one_or_404", "get_or_404", "fetchall", "fetchone",
}
SESSION_EXECUTE = {"execute", "scalars", "scalar"}
EAGER_TEXT = ("selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload", "noload", "defaultload")
LAZY_PER_ROW = {"select", "dynamic"}


@dataclass
class Query:
    """What :func:`query_of` learnt about a query expression."""

    root: str  # "model" | "session" | "select"
    text: str  # the root as written: "User.query", "db.session.query(User)", "select(User)"
    model: ModelInfo | None
    methods: list[tuple[str, ast.AST]] = field(default_factory=list)  # outermost first
    entities: list[ast.expr] = field(default_factory=list)
    scalars: bool = False  # rows are model instances (Query, .scalars())

    @property
    def names(self) -> set[str]:
        return {m for m, _ in self.methods}

    @property
    def outer(self) -> str:
        return self.methods[0][0] if self.methods else ""


# ------------------------------------------------------------------ roots
def _has_sqlalchemy(project: Project) -> bool:
    cached = getattr(project, "_fd_has_sqlalchemy", None)
    if cached is None:
        cached = bool(project.objects_of(SQLALCHEMY_TYPES)) or any(
            r.module.startswith(("flask_sqlalchemy", "sqlalchemy", "sqlmodel"))
            for records in project.imports.values() for r in records
        )
        project._fd_has_sqlalchemy = cached  # type: ignore[attr-defined]
    return cached


def model_for(node: ast.AST, ctx: Context) -> ModelInfo | None:
    """The mapped class ``node`` names (``User``, ``models.User``, ``cls`` in a model)."""
    name = dotted(node)
    if not name:
        return None
    project = ctx.project
    if name == "cls" and ctx.function is not None and ctx.function.class_name:
        return project.models.get(ctx.function.class_name)
    last = name.rsplit(".", 1)[-1]
    model = project.models.get(last)
    if model is None:
        return None
    qualified = ctx.qualified(node)
    if qualified:
        return model if qualified == model.qualname or qualified.endswith("." + last) else None
    if "." in name:
        return None
    if ctx.function is not None and name in _assignments(ctx.function):
        return None  # a local variable that happens to share the name
    return model


def is_db(node: ast.AST, ctx: Context) -> bool:
    """``db`` is a Flask-SQLAlchemy extension object."""
    type_name = ctx.type_of(node)
    if type_name:
        return ctx.project.is_subtype(type_name, SQLALCHEMY_TYPES)
    if dotted(node) != "db" or not ctx.project.objects_of(SQLALCHEMY_TYPES):
        return False
    qualified = ctx.qualified(node)
    if qualified is None:
        # a bare ``db`` that is neither imported nor typed: only when it is not a local/parameter
        return ctx.function is None or "db" not in _params_and_locals(ctx.function)
    # imported from somewhere we could not type: accept only the project's own extension object
    return any(o.qualname == qualified or qualified.endswith("." + o.qualname.rsplit(".", 1)[-1]) and qualified.rsplit(".", 1)[0] not in ctx.project.modules
               for o in ctx.project.objects_of(SQLALCHEMY_TYPES)) and qualified not in ctx.project.modules


def _params_and_locals(fn: FunctionInfo) -> set[str]:
    args = fn.node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} | set(_assignments(fn))


def is_session(node: ast.AST, ctx: Context) -> bool:
    """``db.session``, ``session``/``db_session``/``Session`` objects — never ``flask.session``."""
    name = dotted(node)
    if isinstance(node, ast.Call):  # Session() / get_session()
        callee = dotted(node.func) or ""
        return "session" in callee.rsplit(".", 1)[-1].lower()
    if not name:
        return False
    if isinstance(node, ast.Attribute) and node.attr == "session" and is_db(node.value, ctx):
        return True
    if ctx.qualified(node) in ("flask.session", "flask.globals.session"):
        return False
    last = name.rsplit(".", 1)[-1].lower()
    return ("session" in last or last in ("sess", "dbs")) and _has_sqlalchemy(ctx.project)


def is_select(call: ast.Call, ctx: Context) -> bool:
    resolved = ctx.qualified(call.func)
    if resolved in SELECT_FUNCTIONS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "select" and is_db(call.func.value, ctx)


def _assignments(fn: FunctionInfo) -> dict[str, list[ast.expr]]:
    """Every ``name = value`` in a function (its own body, nested blocks included)."""
    cached = getattr(fn, "_fd_assigns", None)
    if cached is None:
        cached = {}
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        cached.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                cached.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.NamedExpr)):
                pass
        fn._fd_assigns = cached  # type: ignore[attr-defined]
    return cached


def query_of(expr: ast.AST, ctx: Context, _seen: frozenset[str] = frozenset()) -> Query | None:
    """Walk ``expr``'s method chain down to a query root, or ``None`` if it is no query."""
    methods: list[tuple[str, ast.AST]] = []
    node = expr
    scalars = False
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = node.func.value
            if attr == "query" and is_session(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("session", f"{ast.unparse(node.func)}(...)", model, methods, list(node.args), scalars=model is not None)
            if attr in SESSION_EXECUTE | {"paginate", "first_or_404", "one_or_404", "stream", "stream_scalars"} and node.args:
                inner = query_of(node.args[0], ctx, _seen)
                if inner is not None and inner.root == "select" and (is_session(receiver, ctx) or is_db(receiver, ctx)):
                    methods.append((attr, node))
                    scalars = scalars or attr in ("scalars", "paginate", "first_or_404", "one_or_404", "stream_scalars")
                    inner.methods = methods + inner.methods
                    inner.scalars = scalars and inner.model is not None
                    return inner
            if attr == "scalars":
                scalars = True
            if attr == "select" and is_db(receiver, ctx):
                model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
                return Query("select", "db.select(...)", model, methods, list(node.args))
            methods.append((attr, node))
            node = receiver
            continue
        if isinstance(node, ast.Call) and is_select(node, ctx):
            model = model_for(node.args[0], ctx) if len(node.args) == 1 else None
            return Query("select", f"{dotted(node.func)}(...)", model, methods, list(node.args))
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            methods.append(("__slice__", node))
            node = node.value
            continue
        if isinstance(node, ast.Attribute) and node.attr == "query":
            model = model_for(node.value, ctx)
            if model is None:
                return None
            return Query("model", f"{ast.unparse(node)}", model, methods, [node.value], scalars=True)
        if isinstance(node, ast.Name) and ctx.function is not None and node.id not in _seen:
            values = _assignments(ctx.function).get(node.id, [])
            found: Query | None = None
            extra: list[tuple[str, ast.AST]] = []
            for value in values:
                sub = query_of(value, ctx, _seen | {node.id})
                if sub is None:
                    if not (isinstance(value, ast.Constant) and value.value is None):
                        return None  # sometimes something else: do not guess
                    continue
                if found is None:
                    found = sub
                else:
                    extra.extend(sub.methods)
            if found is None:
                return None
            found.methods = methods + found.methods + extra
            found.scalars = found.scalars or scalars
            return found
        return None


_OWNER_KEY = re.compile(r"(^|_)(user|author|owner|creator|account|member)(_|$)|_email$|_by$")


def parent_columns(model: ModelInfo | None, project: Project) -> set[str]:
    """Foreign keys, relationships, indexed keys and owner columns: ``filter_by(post_id=x)`` selects one parent's rows."""
    if model is None:
        return set()
    cached = getattr(model, "_fd_parent_cols", None)
    if cached is not None:
        return cached
    found = set(model.relationships)
    cls = project.classes.get(model.qualname)
    for stmt in cls.node.body if cls is not None else []:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            attr, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            attr, value = stmt.target.id, stmt.value
        else:
            continue
        text = ast.unparse(value)
        if "ForeignKey" in text or (attr.endswith("_id") and "olumn" in text):
            found.add(attr)
        elif "olumn" in text and ("index=True" in text or _OWNER_KEY.search(attr)):
            found.add(attr)  # an indexed lookup key or an owner (author_email): one key's rows, like a foreign key
    model._fd_parent_cols = found  # type: ignore[attr-defined]
    return found


def _per_parent(query: Query, ctx: Context) -> bool:
    """An equality filter on a foreign key: the rows of one parent (like reading ``post.comments``)."""
    parents = parent_columns(query.model, ctx.project)
    for method, node in query.methods:
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by" and any(kw.arg in parents or (kw.arg or "").endswith("_id") for kw in node.keywords):
            return True
        if method == "with_parent":
            return True
        if method in ("filter", "where"):
            for arg in node.args:
                if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "contains"
                        and isinstance(arg.func.value, ast.Attribute) and arg.func.value.attr in parents):
                    return True  # ``Comment.acknowledgements.contains(person)``: the other side of a relationship
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], ast.Eq):
                    for side in (arg.left, arg.comparators[0]):
                        if isinstance(side, ast.Attribute) and (side.attr in parents or side.attr.endswith("_id")):
                            model = model_for(side.value, ctx)
                            if model is not None and (side.attr in parent_columns(model, ctx.project) or side.attr.endswith("_id")):
                                return True
    return False


_SINGLETON = re.compile(r"(^|_)(default|primary|current|main|system_dark|active_version)($|_)")


def _singleton_flag(node: ast.AST) -> bool:
    """``Theme.is_system_default``: a boolean that marks one row by design."""
    return isinstance(node, ast.Attribute) and bool(_SINGLETON.search(node.attr))


def _unique_columns(model: ModelInfo | None) -> set[str]:
    return (model.unique_columns if model else set()) | {"id", "pk"}


def bound_reason(query: Query, ctx: Context) -> str | None:
    """Why ``query`` fetches a bounded number of rows, or ``None`` if nothing bounds it."""
    names = query.names
    hit = names & BOUNDING
    if hit:
        return min(hit)
    for method, node in query.methods:
        if method == "execution_options" and isinstance(node, ast.Call) and any(kw.arg in ("yield_per", "max_row_buffer", "stream_results") for kw in node.keywords):
            return "yield_per"
        if not isinstance(node, ast.Call):
            continue
        if method == "filter_by" and any(kw.arg in _unique_columns(query.model) for kw in node.keywords):
            return "unique filter"
        if method == "filter_by" and any(_SINGLETON.search(kw.arg or "") for kw in node.keywords):
            return "flag that marks one row"
        if method in ("filter", "where", "filter_by", "with_entities", "add_columns", "values", "distinct"):
            for arg in ast.walk(node):
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "in_":
                    return "in_()"
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "is_" and _singleton_flag(arg.func.value):
                    return "flag that marks one row"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)) and _singleton_flag(arg.left):
                    return "flag that marks one row"
                if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], (ast.Eq, ast.Is)):
                    for side in (arg.left, arg.comparators[0]):
                        if isinstance(side, ast.Attribute) and side.attr in _unique_columns(model_for(side.value, ctx) or query.model):
                            if model_for(side.value, ctx) is not None or side.attr in ("id",):
                                return "unique filter"
    for entity in query.entities + [a for m, n in query.methods if m in ("with_entities", "add_columns") and isinstance(n, ast.Call) for a in n.args]:
        text = dotted(entity.func) if isinstance(entity, ast.Call) else None
        if text and (text.startswith(("func.", "sa.func.", "sqlalchemy.func.", "db.func.")) or text in ("count", "max", "min", "sum")):
            return "aggregate"
    return None


GROWING_NAMES = {
    "user", "users", "account", "customer", "member", "person", "order", "post", "comment", "message",
    "event", "log", "transaction", "payment", "invoice", "bill", "entry", "notification", "project",
    "document", "file", "upload", "ticket", "issue", "activity", "audit", "auditlog", "session",
    "visit", "click", "download", "submission", "answer", "reply", "review", "record",
}
_TIME_TYPES = ("datetime", "date", "timestamp", "time")
_NOT_CREATION = ("last_", "updated", "modified", "expire", "deleted", "edited", "birth", "due", "start", "end", "until")


def grows(model: ModelInfo, project: Project) -> str | None:
    """Why the table behind ``model`` grows with use (rows per event/user), or ``None``.

    Reference tables (categories, groups, settings, plugins) are bounded in
    practice; loading all of them is normal.  A table grows when its rows
    record events (a creation timestamp) or when it is a well-known
    per-user/per-event entity.
    """
    cache = getattr(project, "_fd_grows", None)
    if cache is None:
        cache = {}
        project._fd_grows = cache  # type: ignore[attr-defined]
    if model.qualname in cache:
        return cache[model.qualname]
    reason: str | None = None
    if model.name.lower() in GROWING_NAMES or model.name.lower().rstrip("s") in GROWING_NAMES:
        reason = f"`{model.name}` rows are created per user/event"
    stack = [model.qualname]
    seen: set[str] = set()
    common = _common_bases(project)
    while stack and reason is None:
        cls = project.classes.get(stack.pop())
        if cls is None or cls.qualname in seen:
            continue
        seen.add(cls.qualname)
        stack.extend(cls.bases)
        if cls.qualname in common:
            continue  # a base every model shares (created_at on all tables) says nothing about this one
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                attr, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                attr, value = stmt.target.id, stmt.value if stmt.value is not None else stmt.annotation
            else:
                continue
            if value is None or attr.lower().startswith(_NOT_CREATION):
                continue
            text = ast.unparse(value).lower()
            if ("column" in text or "mapped" in text) and any(t in text for t in _TIME_TYPES):
                reason = f"`{model.name}.{attr}` timestamps each row, so the table grows with use"
                break
    cache[model.qualname] = reason
    return reason


def _common_bases(project: Project) -> set[str]:
    """Classes that are ancestors of (nearly) every model: the declarative base and its mixins."""
    cached = getattr(project, "_fd_common_bases", None)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    for model in project.models.values():
        stack, seen = [model.qualname], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            cls = project.classes.get(current)
            if cls is not None:
                stack.extend(cls.bases)
        for name in seen - {model.qualname}:
            counts[name] = counts.get(name, 0) + 1
    total = len(project.models)
    cached = {name for name, n in counts.items() if total >= 4 and n >= 0.8 * total}
    project._fd_common_bases = cached  # type: ignore[attr-defined]
    return cached


def _query_label(query: Query, call: ast.AST) -> str:
    text = ast.unparse(call)
    if len(text) > 90:
        text = f"{query.text}...{query.outer}()" if query.outer else query.text
    return f"`{text}`"


def _active_code(ctx: Context) -> bool:
    return ctx.function is not None and not ctx.is_test_code()


def _context_label(ctx: Context) -> str | None:
    contexts = ctx.contexts
    for context in (REQUEST, JOB, CLI):
        if context in contexts:
            return context
    return None


# ===================================================================== FD201
class UnboundedQueryMaterialised(Rule):
    """
    ## What it does
    Finds SQLAlchemy queries that load every matching row into memory —
    `Model.query.all()`, `session.query(M).all()`,
    `db.session.scalars(select(M)).all()`, or `for row in Model.query:` —
    with nothing that bounds them, in request handlers, jobs and CLI
    commands.

    ## Why is this bad?
    `.all()` (and iterating a query, which buffers the whole result first)
    builds one Python object per row. It works while the table is small and
    becomes a slow page, a timed-out request or an out-of-memory worker when
    it grows: the cost follows the data, not the code. Queries bounded by
    `.limit()`, `.paginate()`/`db.paginate()`, `.first()`, `.one()`,
    `.get()`, `.scalar()`, `.count()`, `.exists()`, `yield_per`, an `in_()`
    list, a filter on the primary key or a unique column, or a `group_by`
    aggregate are not reported, nor is `.all()` on anything that is not a
    SQLAlchemy query. Two judgement calls keep it quiet where loading
    everything is normal: reference tables (no creation timestamp and not a
    per-user/per-event entity such as `User`, `Order`, `Post`) are bounded in
    practice, and an equality filter on a foreign key, an indexed key or an
    owner column (`author_email`, `user_id`) — or `rel.contains(obj)` —
    loads one parent's rows, exactly like reading the relationship
    `user.notes`.

    ## Example
    ```python
    @app.get("/users")
    def users():
        return render_template("users.html", users=User.query.all())
    ```

    ## Use instead
    ```python
    @app.get("/users")
    def users():
        page = db.paginate(db.select(User).order_by(User.id))
        return render_template("users.html", page=page)
    ```
    In jobs and commands, stream with
    `db.session.execute(select(User).execution_options(yield_per=500))`,
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

    VALID = (
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
        Valid("""
            from sqlalchemy import select, func
            from sqlalchemy.orm import Session
            from app_models import Post

            def page(session: Session, n):
                return session.scalars(select(Post).limit(20).offset(n * 20)).all()

            def stats(session):
                return session.query(Post.author_id, func.count(Post.id)).group_by(Post.author_id).all()
            """, files={"app_models.py": """
            from sqlalchemy.orm import DeclarativeBase
            class Base(DeclarativeBase):
                pass
            class Post(Base):
                __tablename__ = "post"
            """}),
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
    )
    INVALID = (
        Invalid("""
            from flask import Flask, render_template
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                active = db.Column(db.Boolean)

            @app.get("/users")
            def export_users():
                users = User.query.filter_by(active=True).all()  # expect
                return render_template("users.html", users=users)
            """, message="view `export_users`"),
        Invalid("""
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
                emails = db.session.scalars(select(User).where(User.id > 10)).all()  # expect
                for user in User.query:  # expect
                    print(user)
            """, message="command `notify`"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in MATERIALISE):
            return
        if node.args or not _active_code(ctx) or _context_label(ctx) is None:
            return
        query = query_of(node, ctx)
        if query is None or query.model is None or bound_reason(query, ctx) is not None or _per_parent(query, ctx):
            return
        self._report(node, node, query, ctx, "loads every matching row")

    def _iter(self, iterable: ast.expr, at: ast.AST, ctx: Context) -> None:
        if not _active_code(ctx) or _context_label(ctx) is None:
            return
        query = query_of(iterable, ctx)
        if query is None or query.outer in MATERIALISE or query.outer in EXECUTE:
            return
        if query.root == "select" and not (query.names & SESSION_EXECUTE):
            return  # iterating a statement object is not running it
        if query.model is None or bound_reason(query, ctx) is not None or _per_parent(query, ctx):
            return
        self._report(iterable, at, query, ctx, "iterates every matching row (the result is buffered first)")

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        self._iter(node.iter, node, ctx)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension, ctx: Context) -> None:
        self._iter(node.iter, node.iter, ctx)

    def _report(self, expr: ast.AST, at: ast.AST, query: Query, ctx: Context, what: str) -> None:
        assert query.model is not None
        growth = grows(query.model, ctx.project)
        if growth is None:
            return  # a reference table (categories, settings): bounded in practice
        context = _context_label(ctx) or REQUEST
        table = f"the whole `{query.model.name}` table" if query.model and not (query.names & {"filter", "filter_by", "where", "join"}) else "every matching row"
        what = what.replace("every matching row", table)
        hint = (
            "Page it (`db.paginate(...)`, `.limit(n)`), or in jobs/commands stream with "
            "`.execution_options(yield_per=500)` / `yield_per(500)`, or use a bulk `update()`/`delete()`."
        )
        ctx.report(
            self.finding(
                ctx.location(at),
                f"{_query_label(query, expr)} in {describe_context(ctx)} {what}: nothing bounds it "
                f"(no limit, pagination or unique filter), so its cost grows with the table",
                hint=hint,
                evidence=[Evidence(growth, query.model.location), *ctx.chain_evidence(context)],
                severity=None if context != CLI else Severity.NOTE,
            )
        )


# ===================================================================== FD202
def is_query_execution(call: ast.Call, ctx: Context) -> Query | None:
    """``call`` runs a query for a result: ``.first()``, ``.get(x)``, ``session.get(M, x)``, ``execute(select)``."""
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    receiver = call.func.value
    if attr in ("get", "get_or_404") and len(call.args) >= 2 and (is_session(receiver, ctx) or is_db(receiver, ctx)):
        model = model_for(call.args[0], ctx)
        if model is not None:
            return Query("session", f"{ast.unparse(call.func)}(...)", model, [(attr, call)], [call.args[0]], scalars=True)
    if attr in EXECUTE or attr in SESSION_EXECUTE:
        query = query_of(call, ctx)
        if query is not None and (query.root != "select" or query.names & (SESSION_EXECUTE | {"first_or_404", "one_or_404"})):
            return query
    return None


def _loop_names(loop: ast.AST) -> set[str]:
    """Names that change per iteration: the loop targets and what the body assigns."""
    names: set[str] = set()
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        parts: list[ast.AST] = [loop.target, *loop.body]
    else:  # comprehension node
        parts = [g.target for g in loop.generators]  # type: ignore[attr-defined]
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _uses(node: ast.AST, names: set[str], ctx: Context, depth: int = 0) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names:
            return True
    return False


def _constant_iterable(node: ast.expr, fn: FunctionInfo | None = None) -> bool:
    if isinstance(node, ast.Name) and fn is not None:
        values = _assignments(fn).get(node.id, [])
        if len(values) != 1 or not isinstance(values[0], (ast.Tuple, ast.List, ast.Set)) or not values[0].elts:
            return False
        for sub in ast.walk(fn.node):  # filled later (``names.append(x)``): not a constant
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and dotted(sub.func.value) == node.id:
                return False
            if isinstance(sub, ast.AugAssign) and dotted(sub.target) == node.id:
                return False
        return _constant_iterable(values[0])
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Call) and dotted(node.func) == "range":
        return all(isinstance(a, ast.Constant) for a in node.args)
    if isinstance(node, ast.Call) and dotted(node.func) == "enumerate" and node.args:
        return _constant_iterable(node.args[0])
    return False


def _breaks(loop: ast.For | ast.AsyncFor) -> bool:
    """The loop stops at the first match (a search, not a per-item load)."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def enclosing_loop(ctx: Context, node: ast.AST) -> ast.AST | None:
    """The innermost ``for`` loop or comprehension whose *body* holds ``node``."""
    child: ast.AST = node
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child is not ancestor.target:
            if child in ancestor.orelse:
                child = ancestor
                continue
            return ancestor
        if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            first = ancestor.generators[0]
            if child is not first and child is not ancestor:  # not inside the first iterable
                return ancestor
        if isinstance(ancestor, ast.comprehension):
            # the first generator's iter runs once; ifs and later iters run per item
            if child is ancestor.iter:
                parent_comp = next(
                    (a for a in reversed(ctx.ancestors) if isinstance(a, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) and ancestor in a.generators),
                    None,
                )
                if parent_comp is not None and parent_comp.generators[0] is ancestor:
                    child = parent_comp
                    # skip up to the comprehension's parent
                    continue
        child = ancestor
    return None


def _helper_queries(fn: FunctionInfo, ctx: Context) -> list[tuple[ast.Call, Query]]:
    """Queries in ``fn`` whose arguments come from its parameters (``def load(uid): User.query.get(uid)``)."""
    cached = getattr(fn, "_fd_param_queries", None)
    if cached is not None:
        return cached
    found: list[tuple[ast.Call, Query]] = []
    fn._fd_param_queries = found  # type: ignore[attr-defined]
    params = {a.arg for a in fn.node.args.posonlyargs + fn.node.args.args + fn.node.args.kwonlyargs} - {"self", "cls"}
    if not params:
        return found
    helper_ctx = Context(fn.module, ctx.project, lambda f: None)
    helper_ctx.function = fn
    helper_ctx.functions = [fn]
    tainted = set(params)
    for name, values in _assignments(fn).items():
        if any(_uses(v, params, helper_ctx) for v in values):
            tainted.add(name)
    optional = _optional_params(fn)
    guards: dict[int, set[str]] = {}

    def visit(node: ast.AST, guard: frozenset[str]) -> None:
        if isinstance(node, ast.If):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} & optional
            visit(node.test, guard)
            for child in node.body + node.orelse:
                visit(child, guard | names)
            return
        if isinstance(node, ast.Call):
            query = is_query_execution(node, helper_ctx)
            if query is not None and _uses(node, tainted, helper_ctx) and not _has_in(query):
                found.append((node, query))
                guards[id(node)] = set(guard)
        for child in ast.iter_child_nodes(node):
            visit(child, guard)

    for stmt in fn.node.body:
        visit(stmt, frozenset())
    fn._fd_query_guards = guards  # type: ignore[attr-defined]
    return found


def _optional_params(fn: FunctionInfo) -> set[str]:
    """Parameters defaulting to ``None``: ``realm_names=None`` lets a caller pass prefetched data."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    names = set()
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        if isinstance(default, ast.Constant) and default.value is None:
            names.add(arg.arg)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(default, ast.Constant) and default.value is None:
            names.add(arg.arg)
    return names


def _passes(call: ast.Call, fn: FunctionInfo, names: set[str]) -> bool:
    """The call gives a value for one of ``names`` (by keyword or position)."""
    if any(kw.arg in names or kw.arg is None for kw in call.keywords):
        return True
    positional = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    return any(name in names for name in positional[: len(call.args)])


def _has_in(query: Query) -> bool:
    for _, node in query.methods:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr in ("in_", "any_"):
                return True
    return False


class QueryInLoop(Rule):
    """
    ## What it does
    Finds a query run once per item of a loop or comprehension —
    `Model.query.get(x)`, `db.session.get(M, x)`, `.filter_by(...).first()`,
    `session.execute(select(...).where(col == item.attr))` — also when the
    query sits in a helper that the loop calls with the item.

    ## Why is this bad?
    Each iteration is a database round trip: a page listing 200 orders that
    looks up each order's customer runs 201 queries (the "N+1" pattern).
    Latency grows with the data, and the database does far more work than
    one query fetching all the rows would. Loops over a constant tuple,
    loops that `break` at the first match, and chunked `in_()` loads are not
    reported.

    ## Example
    ```python
    for line in order.lines:
        product = db.session.get(Product, line.product_id)
    ```

    ## Use instead
    ```python
    ids = [line.product_id for line in order.lines]
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    ```
    or load the relationship eagerly with `selectinload`.

    ## Fix safety
    No automatic fix.

    ## References
    - SQLAlchemy 2.0: "Relationship Loading Techniques"
    - Sentry: "N+1 Queries" performance issue
    """

    code = "FD202"
    name = "query-in-loop"
    severity = Severity.WARNING
    catalog = ("S12",)
    summary = "A query runs once per item of a loop (N+1 queries)."
    preview = True  # one false alarm on real code: a loop over configured OAuth providers

    VALID = (
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
    )
    INVALID = (
        Invalid("""
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
                names = [Customer.query.get(o.customer_id) for o in Order.query.limit(5)]  # expect
                return {"n": len(result)}
            """, message="per item of the loop"),
        Invalid("""
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
            """, message="find_product", files={"models.py": """
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()
            class Product(db.Model):
                sku = db.Column(db.String)
            """}),
    )

    def __init__(self, project: Project, severity: Severity | None = None) -> None:
        super().__init__(project, severity)
        self._seen: set[tuple[str, int, str]] = set()

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not _active_code(ctx) or not (ctx.in_request or ctx.in_job) or not _has_sqlalchemy(ctx.project):
            return
        loop = enclosing_loop(ctx, node)
        if loop is None:
            return
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            if _constant_iterable(loop.iter, ctx.function) or _breaks(loop):
                return
        elif all(_constant_iterable(g.iter, ctx.function) for g in loop.generators):  # type: ignore[attr-defined]
            return
        names = _loop_names(loop)
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        grand = ctx.ancestors[-2] if len(ctx.ancestors) > 1 else None
        if isinstance(parent, ast.Attribute) and isinstance(grand, ast.Call) and grand.func is parent:
            return  # the outer call of the chain decides (``execute(...).scalars().first()``)
        query = is_query_execution(node, ctx)
        if query is not None:
            if _has_in(query) or not _uses(node, names, ctx):
                return
            self._report(node, loop, ctx, f"{_query_label(query, node)} runs once per item of the loop", [])
            return
        name = dotted(node.func)
        if not name or not _uses(node, names, ctx) or ctx.function is None:
            return
        helper = ctx.project.resolve_function(name, ctx.function, ctx.module)
        if helper is None or helper is ctx.function:
            return
        queries = _helper_queries(helper, ctx)
        guards = getattr(helper, "_fd_query_guards", {})
        # a query under ``if realm_names is None:`` does not run when the loop passes realm_names
        queries = [(q, info) for q, info in queries if not _passes(node, helper, guards.get(id(q), set()))]
        if not queries:
            return
        qcall, query = queries[0]
        self._report(
            node, loop, ctx,
            f"`{name}(...)` runs a query (`{query.text}`...) once per item of the loop",
            [Evidence(f"query in `{helper.display}`", Location(helper.module.path, qcall.lineno, qcall.col_offset + 1))],
        )

    def _report(self, node: ast.Call, loop: ast.AST, ctx: Context, what: str, extra: list[Evidence]) -> None:
        key = (ctx.module.path, node.lineno, "")
        same = (ctx.module.path, getattr(loop, "lineno", 0), what)
        if key in self._seen or same in self._seen:
            return
        self._seen.update((key, same))
        loop_node = loop.generators[0].iter if not isinstance(loop, (ast.For, ast.AsyncFor)) else loop  # type: ignore[attr-defined]
        severity = None
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what} in {describe_context(ctx)}: N items make N+1 database round trips",
                hint="Load all rows in one query before the loop (`Model.id.in_(ids)`, a join) or eager-load the relationship with `selectinload`.",
                evidence=[Evidence("the loop", ctx.location(loop_node)), *extra],
                severity=severity,
            )
        )


# ===================================================================== FD203
def _loop_target(target: ast.expr, iterable: ast.expr) -> tuple[str | None, ast.expr]:
    """(item variable, real iterable), seeing through ``enumerate``."""
    if isinstance(iterable, ast.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
        if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
            return target.elts[1].id, iterable.args[0]
        return None, iterable
    if isinstance(target, ast.Name):
        return target.id, iterable
    return None, iterable


def _iterated_query(iterable: ast.expr, ctx: Context) -> Query | None:
    """The query whose model instances a loop walks (``q.all()``, ``page.items``, ``scalars()``)."""
    if isinstance(iterable, ast.Attribute) and iterable.attr == "items":
        query = query_of(iterable.value, ctx)
        return query if query is not None and "paginate" in query.names else None
    if isinstance(iterable, ast.Name) and ctx.function is not None:
        values = _assignments(ctx.function).get(iterable.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Attribute):
            return _iterated_query(values[0], ctx)
    query = query_of(iterable, ctx)
    if query is None or query.model is None or not query.scalars:
        return None
    if query.names & {"with_entities", "add_columns", "values", "first", "one", "scalar", "count", "get", "one_or_none", "paginate", "scalar_one"}:
        return None
    if query.root == "select" and not (query.names & SESSION_EXECUTE):
        return None
    return query


def _eager(query: Query, attr: str) -> bool:
    for method, node in query.methods:
        if method != "options" and method not in ("join", "outerjoin"):
            continue
        text = ast.unparse(node)
        if method == "options" and ("'*'" in text or f".{attr}" in text or f"'{attr}'" in text or f'"{attr}"' in text):
            return True
    return False


class LazyRelationshipInLoop(Rule):
    """
    ## What it does
    Finds lazy relationship attributes (`lazy="select"`, the default, or
    `lazy="dynamic"`) read on each row of a loop over a query result that
    does not load that relationship eagerly.

    ## Why is this bad?
    Reading `post.author` on a lazily loaded relationship runs one `SELECT`
    the first time it is touched on each object. A loop over 100 posts that
    shows each author runs 101 queries — invisible in the code, obvious in
    the database. Relationships loaded with `selectinload`/`joinedload`/
    `subqueryload` in the query's `options(...)`, or declared with
    `lazy="selectin"`/`"joined"`/`"subquery"`, are not reported.

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
    No automatic fix; adding `options(selectinload(...))` is safe but is
    left to a human who knows which relationships the page needs.

    ## References
    - SQLAlchemy 2.0: "Relationship Loading Techniques" (select IN loading)
    - Flask-SQLAlchemy: "Models and Tables" (`db.relationship`)
    """

    code = "FD203"
    name = "lazy-relationship-in-loop"
    severity = Severity.WARNING
    catalog = ("S12",)
    summary = "A lazy relationship is read on every row of a query result (N+1 queries)."

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

    VALID = (
        Valid("""
            from flask import Flask
            from sqlalchemy.orm import selectinload
            from models import db, Post
            app = Flask(__name__)

            @app.get("/")
            def index():
                posts = Post.query.options(selectinload(Post.author)).limit(20).all()
                return [{"t": p.id, "a": p.author.name, "tags": [t.name for t in p.tags]} for p in posts]
            """, files={"models.py": _MODELS}),
        Valid("""
            from flask import Flask
            from models import db, Post
            app = Flask(__name__)

            @app.get("/post/<int:pid>")
            def show(pid):
                post = db.get_or_404(Post, pid)
                names = [c.id for c in (1, 2)]
                return {"author": post.author.name, "ids": [p.author_id for p in Post.query.limit(5)]}
            """, files={"models.py": _MODELS}),
    )
    INVALID = (
        Invalid("""
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
            """, message="`post.author`", files={"models.py": _MODELS}),
    )

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        self._loop(node.target, node.iter, node.body, node, ctx)

    visit_AsyncFor = visit_For

    def visit_ListComp(self, node: ast.ListComp, ctx: Context) -> None:
        first = node.generators[0]
        if isinstance(node, ast.DictComp):
            body: list[ast.AST] = [node.key, node.value, *first.ifs, *node.generators[1:]]
        else:
            body = [node.elt, *first.ifs, *node.generators[1:]]
        self._loop(first.target, first.iter, body, node, ctx)

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp
    visit_DictComp = visit_ListComp

    def _loop(self, target: ast.expr, iterable: ast.expr, body: list, loop: ast.AST, ctx: Context) -> None:
        if not _active_code(ctx) or not (ctx.in_request or ctx.in_job):
            return
        var, iterable = _loop_target(target, iterable)
        if var is None:
            return
        query = _iterated_query(iterable, ctx)
        if query is None or query.model is None:
            return
        model = query.model
        reported: set[str] = set()
        for part in body:
            for node in ast.walk(part):
                if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == var
                        and isinstance(node.ctx, ast.Load)):
                    continue  # assigning ``post.author = x`` does not load it
                rel = model.relationships.get(node.attr)
                if rel is None or rel.lazy not in LAZY_PER_ROW or node.attr in reported or _eager(query, node.attr):
                    continue
                reported.add(node.attr)
                how = "a query per row" if rel.lazy == "select" else "a new query per row (`lazy=\"dynamic\"`)"
                ctx.report(
                    self.finding(
                        ctx.location(node),
                        f"`{var}.{node.attr}` is a lazy relationship of `{model.name}` read for every row of "
                        f"{_query_label(query, iterable)} in {describe_context(ctx)}: {how}",
                        hint=f"Add `.options(selectinload({model.name}.{node.attr}))` to the query "
                        f"(or `joinedload` for a many-to-one), or declare the relationship with `lazy=\"selectin\"`.",
                        evidence=[Evidence("the loop", ctx.location(loop)), Evidence(f"`{model.name}.{node.attr}` declared here", rel.location)],
                    )
                )


# ===================================================================== engines
CREATE_ENGINE = {
    "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.engine.create.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
}
SAFE_POOLS = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")
_SCHEME = re.compile(r"^\s*([a-z][\w-]*)(?:\+[\w-]+)?://?", re.IGNORECASE)
SERVER_DIALECTS = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "cockroachdb": "PostgreSQL"}
DRIVER_MODULES = {
    "psycopg2": "PostgreSQL", "psycopg": "PostgreSQL", "asyncpg": "PostgreSQL", "pg8000": "PostgreSQL",
    "pymysql": "MySQL", "MySQLdb": "MySQL", "mysql.connector": "MySQL", "mariadb": "MariaDB", "aiomysql": "MySQL",
}


def _scheme(text: str) -> str | None:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def url_dialect(expr: ast.expr | None, ctx: Context, depth: int = 0) -> str | None:
    """The URL scheme of a database URL expression when it is written in the code."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return _scheme(expr.value)
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return _scheme(str(expr.values[0].value))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return url_dialect(expr.left, ctx, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("create", "format"):
        if expr.func.attr == "create" and expr.args:
            first = expr.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return _scheme(first.value + ":")
        if expr.func.attr == "format":
            return url_dialect(expr.func.value, ctx, depth + 1)
    if isinstance(expr, ast.Name):
        values: list[ast.expr] = []
        if ctx.function is not None:
            values = _assignments(ctx.function).get(expr.id, [])
        if not values:
            for stmt in ctx.module.tree.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == expr.id for t in stmt.targets):
                    values.append(stmt.value)
        found = {url_dialect(v, ctx, depth + 1) for v in values}
        found.discard(None)
        return found.pop() if len(found) == 1 else None
    return None


def server_db_hint(project: Project) -> tuple[str, Evidence] | None:
    """Does the project talk to PostgreSQL/MySQL?  (driver imports, URLs in code, deploy files)."""
    cached = getattr(project, "_fd_server_db", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    hint: tuple[str, Evidence] | None = None
    for module_name, records in sorted(project.imports.items()):
        module = project.modules.get(module_name)
        if module is None or _is_test_path(module.path):
            continue
        for record in records:
            for name in (record.module, *(f"{record.module}.{n}" for n in record.names)):
                dialect = DRIVER_MODULES.get(name)
                if dialect and hint is None:
                    hint = (dialect, Evidence(f"`{name}` (a {dialect} driver) is imported", Location(module.path, record.line, record.column)))
    if hint is None:
        for module in project.modules.values():
            if _is_test_path(module.path):
                continue
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
                    scheme = _scheme(node.value)
                    if scheme in SERVER_DIALECTS and "://" in node.value:
                        hint = (SERVER_DIALECTS[scheme], Evidence(f"a {SERVER_DIALECTS[scheme]} URL appears in the code", Location(module.path, node.lineno, node.col_offset + 1)))
                        break
            if hint:
                break
    deploy = project.deploy
    if hint is None and deploy is not None:
        for setting in getattr(deploy, "env", []):
            scheme = _scheme(setting.value or "")
            if scheme in SERVER_DIALECTS:
                hint = (SERVER_DIALECTS[scheme], Evidence(f"`{setting.name}` is a {SERVER_DIALECTS[scheme]} URL", setting.source))
                break
        for service in getattr(deploy, "services", []) if hint is None else []:
            image = (service.image or "").rsplit("/", 1)[-1].split(":")[0]
            if image in ("postgres", "postgis", "mysql", "mariadb"):
                name = {"postgres": "PostgreSQL", "postgis": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}[image]
                hint = (name, Evidence(f"compose service `{service.name}` runs {name}", service.source))
                break
    project._fd_server_db = hint  # type: ignore[attr-defined]
    return hint


_WAIT_TIMEOUT = re.compile(r"--wait[-_]timeout(?:=|\s+)(\d+)")


def declared_wait_timeout(project: Project) -> tuple[int, Evidence] | None:
    """A MySQL/MariaDB ``wait_timeout`` declared in the deploy files (compose ``command: --wait_timeout=600``)."""
    deploy = project.deploy
    for service in getattr(deploy, "services", []) if deploy is not None else []:
        image = (service.image or "").rsplit("/", 1)[-1].split(":")[0]
        if image not in ("mysql", "mariadb", "percona"):
            continue
        command = service.command if isinstance(service.command, str) else " ".join(service.command or [])
        match = _WAIT_TIMEOUT.search(command or "")
        if match:
            return int(match.group(1)), Evidence(f"compose service `{service.name}` sets wait_timeout={match.group(1)}", service.source)
    return None


def _is_test_path(path: str) -> bool:
    full = f"/{path}"
    last = path.rsplit("/", 1)[-1]
    return "/tests/" in full or "/test/" in full or last.startswith("test_") or last == "conftest.py"


def _stored_globally(call: ast.Call, ctx: Context) -> bool:
    """The engine goes into a global, the app (``app.extensions``/``app.engine``) or a class attribute."""
    assert ctx.function is not None
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    names = {dotted(t) for t in parent.targets} if isinstance(parent, ast.Assign) else set()
    declared = {n for node in ast.walk(ctx.function.node) if isinstance(node, ast.Global) for n in node.names}
    if names & declared:
        return True
    return any(n and n.split(".")[0] in ("app", "current_app", "cls") for n in names)


def _guarded_sibling(call: ast.Call, ctx: Context) -> bool:
    """Another ``create_engine`` in the same function sets the guard (this one is a dialect fallback)."""
    assert ctx.function is not None
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Call) and node is not call and ctx.qualified(node.func) in CREATE_ENGINE:
            if _truthy(_kw(node, "pool_pre_ping")) or _kw(node, "pool_recycle") is not None:
                return True
    return False


def _local_only(call: ast.Call, ctx: Context) -> bool:
    """``engine = create_engine(...)`` kept in a local variable that is neither returned nor stored."""
    parent = ctx.ancestors[-1] if ctx.ancestors else None
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    assert ctx.function is not None
    for node in ast.walk(ctx.function.node):
        if isinstance(node, ast.Global) and name in node.names:
            return False
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
        ):
            return False
        if isinstance(node, ast.Assign) and any(not isinstance(t, ast.Name) for t in node.targets) and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)
        ):
            return False  # self.engine = engine / app.extensions[...] = engine
    return True


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _truthy(expr: ast.expr | None) -> bool:
    return expr is not None and not (isinstance(expr, ast.Constant) and expr.value in (False, None, 0, -1))


class EngineWithoutStaleConnectionGuard(Rule):
    """
    ## What it does
    Finds `create_engine(...)` calls to MySQL, MariaDB or PostgreSQL that set
    neither `pool_pre_ping=True` nor `pool_recycle`.

    ## Why is this bad?
    The engine keeps connections in a pool. When a connection sits idle
    longer than the server (MySQL `wait_timeout`, 8 hours by default), a
    firewall, a load balancer or a PgBouncer allows, the other side closes
    it; the pool does not notice and hands the dead connection to the next
    request, which fails with "MySQL server has gone away" (2006/2013) or
    "server closed the connection unexpectedly". `pool_pre_ping` tests each
    connection on checkout and replaces dead ones; `pool_recycle` replaces
    connections older than a limit. SQLite, `NullPool` engines and
    Flask-SQLAlchemy's own engine for MySQL (which sets `pool_recycle=7200`
    itself) are not reported; an engine whose URL is read from the
    environment is reported only when the project shows it uses a server
    database (a driver import, a URL in code or deploy files). When the
    deploy files declare a MySQL `wait_timeout` (compose
    `command: --wait_timeout=600`), a `pool_recycle` — Flask-SQLAlchemy's
    7200 s default included — that is not below it is reported too.

    ## Example
    ```python
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10)
    ```

    ## Use instead
    ```python
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, pool_pre_ping=True, pool_recycle=1800)
    ```

    ## Fix safety
    Adding `pool_pre_ping=True` is safe (one cheap round trip per checkout)
    but is not applied automatically.

    ## References
    - SQLAlchemy 2.0: "Dealing with Disconnects" (pessimistic disconnect handling, `pool_pre_ping`, `pool_recycle`)
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_ENGINE_OPTIONS`, MySQL `pool_recycle` default)
    """

    code = "FD204"
    name = "engine-without-stale-connection-guard"
    severity = Severity.WARNING
    catalog = ("S22",)
    summary = "A MySQL/PostgreSQL engine without pool_pre_ping or pool_recycle hands out dead connections."

    VALID = (
        Valid("""
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
            reporting = create_engine("mysql+pymysql://u@db/reports", pool_recycle=3600)
            local = create_engine("sqlite:///app.db")
            batch = create_engine("postgresql://u@db/app", poolclass=NullPool)
            """),
        Valid("""
            import os
            from sqlalchemy import create_engine

            # the URL comes from the environment and nothing says it is a server database
            engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///dev.db"))
            """),
    )
    INVALID = (
        Invalid("""
            import os
            from sqlalchemy import create_engine

            engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=10)  # expect
            """, message="PostgreSQL"),
        Invalid("""
            import os
            import pymysql
            from sqlalchemy import create_engine

            DATABASE_URL = os.environ["DATABASE_URL"]
            engine = create_engine(DATABASE_URL)  # expect
            """, message="pymysql"),
    )

    def check_project(self, project: Project, report) -> None:  # type: ignore[override]
        """Pool recycling slower than a declared MySQL ``wait_timeout`` (Flask-SQLAlchemy's 7200 s default included)."""
        declared = declared_wait_timeout(project)
        if declared is None:
            return
        seconds, proof = declared
        options = [s for s in project.config_for("SQLALCHEMY_ENGINE_OPTIONS") if project.is_production(s) and not _is_test_path(s.location.path)]
        uris = [s for s in project.config_for("SQLALCHEMY_DATABASE_URI") if project.is_production(s) and not _is_test_path(s.location.path)]
        uses_fsa = bool(project.objects_of(SQLALCHEMY_TYPES))
        schemes = {_scheme(str(_const(u.value))) for u in uris if isinstance(_const(u.value), str)} - {None}
        if uses_fsa and not (schemes - {"mysql", "mariadb"}):
            recycle: object = 7200
            where: Location | None = uris[0].location if uris else None
            label = "Flask-SQLAlchemy's default `pool_recycle=7200`"
            pinged = False
            for setting in options:
                if not isinstance(setting.value, ast.Dict):
                    return  # built elsewhere: cannot tell
                opts = {k.value: v for k, v in zip(setting.value.keys, setting.value.values) if isinstance(k, ast.Constant)}
                pinged = pinged or _truthy(opts.get("pool_pre_ping"))
                if "pool_recycle" in opts:
                    recycle = _const(opts["pool_recycle"])
                    label = f"`pool_recycle={recycle}` in SQLALCHEMY_ENGINE_OPTIONS"
                where = setting.location
            if where is not None and not pinged and isinstance(recycle, int) and (recycle < 0 or recycle >= seconds):
                report(self._recycle_finding(where, label, seconds, proof))
        for site in project.calls:
            if site.name not in CREATE_ENGINE or _is_test_path(site.module.path):
                continue
            recycle_kw = _kw(site.node, "pool_recycle")
            if recycle_kw is None or _truthy(_kw(site.node, "pool_pre_ping")):
                continue
            value = _const(recycle_kw)
            if isinstance(value, int) and (value < 0 or value >= seconds):
                report(self._recycle_finding(Location(site.module.path, site.node.lineno, site.node.col_offset + 1),
                                             f"`pool_recycle={value}`", seconds, proof))

    def _recycle_finding(self, where: Location, label: str, seconds: int, proof: Evidence):
        return self.finding(
            where,
            f"{label} is not below the MySQL server's `wait_timeout` of {seconds} s: connections idle longer than "
            f"that are closed by the server while the pool still hands them out (\"MySQL server has gone away\")",
            hint=f"Set `pool_recycle` below {seconds} (e.g. {max(seconds // 2, 1)}) or add `pool_pre_ping=True`.",
            evidence=[proof],
        )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.qualified(node.func) not in CREATE_ENGINE or ctx.is_test_code():
            return
        path = f"/{ctx.module.path}"
        if "/migrations/" in path or "/alembic/" in path:
            return  # a migration run opens and closes its connection
        if ctx.function is not None and ctx.contexts and ctx.contexts <= {CLI, "test"}:
            return  # a command exits long before a connection goes stale
        if any(kw.arg is None for kw in node.keywords):
            return  # **options: cannot tell
        if ctx.function is not None and _local_only(node, ctx):
            return  # an engine made, used and dropped in one call lives too briefly to go stale
        if ctx.function is not None and not (ctx.contexts & {"factory", REQUEST, JOB}) and not _stored_globally(node, ctx):
            return  # a function nothing shows to run at start-up or per request/job: lifetime unknown
        if ctx.function is not None and _guarded_sibling(node, ctx):
            return  # ``except TypeError: create_engine(url)``: the fallback for SQLite, which rejects pool options
        if _truthy(_kw(node, "pool_pre_ping")) or _kw(node, "pool_recycle") is not None:
            return
        poolclass = _kw(node, "poolclass")
        if poolclass is not None and (dotted(poolclass) or "").endswith(SAFE_POOLS):
            return
        url = node.args[0] if node.args else _kw(node, "url")
        scheme = url_dialect(url, ctx)
        evidence: list[Evidence] = []
        if scheme is not None:
            dialect = SERVER_DIALECTS.get(scheme)
            if dialect is None:
                return
            where = f"to {dialect}"
        else:
            hint = server_db_hint(ctx.project)
            if hint is None:
                return
            dialect, proof = hint
            where = f"with a URL from `{ast.unparse(url)[:60] if url is not None else '?'}` ({dialect}: {proof.message})"
            evidence.append(proof)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`create_engine` {where} sets neither `pool_pre_ping` nor `pool_recycle`: after an idle period "
                f"the pool hands out connections the server already closed (\"server has gone away\")",
                hint="Pass `pool_pre_ping=True` (and `pool_recycle` below the server's idle timeout, e.g. 1800).",
                evidence=evidence,
            )
        )


# ===================================================================== config flags
def _const(expr: ast.expr | None) -> object:
    return expr.value if isinstance(expr, ast.Constant) else None


class TrackModificationsEnabled(Rule):
    """
    ## What it does
    Finds `SQLALCHEMY_TRACK_MODIFICATIONS = True` in configuration that is
    live in production.

    ## Why is this bad?
    With the setting on, Flask-SQLAlchemy records every change to every
    object in the session and sends its model signals on each commit, which
    costs memory and time on every write. Flask-SQLAlchemy 3.x already
    defaults it to `False` (2.x warned when it was missing), so a missing
    setting is fine and is not reported; only an explicit `True` is. Keep it
    on only if the application connects to `models_committed` or
    `before_models_committed`.

    ## Example
    ```python
    class ProductionConfig:
        SQLALCHEMY_TRACK_MODIFICATIONS = True
    ```

    ## Use instead
    ```python
    class ProductionConfig:
        SQLALCHEMY_TRACK_MODIFICATIONS = False  # or leave it out (3.x default)
    ```

    ## Fix safety
    Safe unless the application listens to Flask-SQLAlchemy's model
    signals; not applied automatically.

    ## References
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_TRACK_MODIFICATIONS`, default False)
    - Flask-SQLAlchemy: "Tracking Modifications" (`models_committed`)
    """

    code = "FD205"
    name = "sqlalchemy-track-modifications-enabled"
    severity = Severity.NOTE
    catalog = ("S10",)
    summary = "SQLALCHEMY_TRACK_MODIFICATIONS = True costs memory and time on every commit."

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = False
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"
            """),
        Valid("""
            from flask_sqlalchemy import SQLAlchemy
            from flask_sqlalchemy.track_modifications import models_committed

            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = True

            def on_commit(sender, changes):
                pass

            models_committed.connect(on_commit)
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = True  # expect
            """, message="SQLALCHEMY_TRACK_MODIFICATIONS"),
    )

    def check_project(self, project: Project, report) -> None:  # type: ignore[override]
        if _uses_model_signals(project):
            return
        for setting in project.config_for("SQLALCHEMY_TRACK_MODIFICATIONS"):
            if _const(setting.value) is True and project.is_production(setting) and not _is_test_path(setting.location.path):
                report(
                    self.finding(
                        setting.location,
                        f"`SQLALCHEMY_TRACK_MODIFICATIONS = True` in `{setting.owner}` makes Flask-SQLAlchemy track every "
                        f"object change and send model signals on each commit, and nothing listens to them",
                        hint="Remove it (Flask-SQLAlchemy 3.x defaults to False) or set it to False.",
                    )
                )


def _uses_model_signals(project: Project) -> bool:
    return any(
        c.name.rsplit(".", 2)[-2:] in (["models_committed", "connect"], ["before_models_committed", "connect"])
        or "models_committed" in c.name
        for c in project.calls
    )


class EchoInProduction(Rule):
    """
    ## What it does
    Finds `SQLALCHEMY_ECHO = True` in production configuration and
    `create_engine(..., echo=True)` outside development and test code.

    ## Why is this bad?
    Echo logs every SQL statement with its parameters through Python
    logging on every request. In production that is a large, steady cost in
    CPU and log volume, and it writes user data (emails, tokens, anything
    bound as a parameter) to the logs. Development and test configuration
    are not reported.

    ## Example
    ```python
    class ProductionConfig(Config):
        SQLALCHEMY_ECHO = True
    ```

    ## Use instead
    ```python
    class DevelopmentConfig(Config):
        SQLALCHEMY_ECHO = True
    ```
    or enable the `sqlalchemy.engine` logger at INFO only while debugging.

    ## Fix safety
    Safe; not applied automatically.

    ## References
    - SQLAlchemy 2.0: "Configuring Logging" (`echo`, `sqlalchemy.engine` logger)
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_ECHO`)
    """

    code = "FD206"
    name = "sqlalchemy-echo-in-production"
    severity = Severity.WARNING
    catalog = ("S10",)
    summary = "SQL echo on in production logs every statement and its parameters."

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_ECHO = False

            class DevelopmentConfig(Config):
                SQLALCHEMY_ECHO = True
            """),
        Valid("""
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], echo=os.environ.get("SQL_ECHO") == "1", pool_pre_ping=True)
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SQLALCHEMY_ECHO = True  # expect

            class ProductionConfig(Config):
                DEBUG = False
            """, message="SQLALCHEMY_ECHO"),
        Invalid("""
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], echo=True, pool_pre_ping=True)  # expect
            """, message="echo=True"),
    )

    def check_project(self, project: Project, report) -> None:  # type: ignore[override]
        for setting in project.config_for("SQLALCHEMY_ECHO"):
            if _const(setting.value) is True and project.is_production(setting) and not _is_test_path(setting.location.path):
                report(
                    self.finding(
                        setting.location,
                        f"`SQLALCHEMY_ECHO = True` in `{setting.owner}` is live in production: every SQL statement and "
                        f"its parameters are logged on every request",
                        hint="Set it only in development configuration (or enable the `sqlalchemy.engine` logger while debugging).",
                    )
                )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.qualified(node.func) not in CREATE_ENGINE or ctx.is_test_code():
            return
        echo = _kw(node, "echo")
        if not (isinstance(echo, ast.Constant) and echo.value in (True, "debug")):
            return
        from flask_doctor.static.model import classify_env

        if classify_env(ctx.module.name) in ("development", "testing") or ctx.in_main:
            return
        if ctx.function is not None and ctx.contexts and ctx.contexts <= {CLI, "test", "main"}:
            return
        for ancestor in ctx.ancestors:
            if isinstance(ancestor, ast.If) and re.search(r"debug|dev|local|test", ast.unparse(ancestor.test), re.IGNORECASE):
                return
        ctx.report(
            self.finding(
                ctx.location(node),
                "`create_engine(..., echo=True)` logs every SQL statement and its parameters in every process that "
                "imports this code, production included",
                hint="Drive it from configuration (`echo=settings.SQL_ECHO`) and keep it off in production.",
            )
        )


# ===================================================================== pool size
DEFAULT_POOL = 5
DEFAULT_OVERFLOW = 10


class PoolSmallerThanConcurrency(Rule):
    """
    ## What it does
    Compares the declared connection pool (`pool_size` + `max_overflow`, in
    `create_engine(...)` or `SQLALCHEMY_ENGINE_OPTIONS`) with the threads
    each server worker runs (gunicorn `--threads`, uWSGI `threads`), when
    both are declared.

    ## Why is this bad?
    Each worker process has its own pool, shared by its threads. When more
    threads than `pool_size + max_overflow` need the database at once, the
    extra requests wait up to `pool_timeout` (30 s) for a connection and then
    fail with `QueuePool limit of size N overflow M reached`. Under load
    this looks like a slow database when the database is idle. Pools that
    are not declared (SQLAlchemy's default of 5 + 10) are compared only with
    the threads; nothing is reported when either side is unknown.

    ## Example
    ```python
    # gunicorn.conf.py: threads = 16
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2}
    ```

    ## Use instead
    ```python
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 16, "max_overflow": 4}
    ```
    and keep `workers × (pool_size + max_overflow)` below the database's
    `max_connections`.

    ## Fix safety
    No automatic fix: the database's connection limit must allow it.

    ## References
    - SQLAlchemy 2.0: "Connection Pooling" (`QueuePool`, `pool_size`, `max_overflow`, `pool_timeout`)
    - Gunicorn: "Settings" (`threads`)
    """

    code = "FD207"
    name = "pool-smaller-than-concurrency"
    severity = Severity.WARNING
    catalog = ("S10",)
    summary = "The connection pool is smaller than the threads each worker runs."

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 5, "pool_pre_ping": True}
            """, files={"gunicorn.conf.py": """
            workers = 4
            threads = 8
            """}),
        Valid("""
            import os
            from sqlalchemy import create_engine
            engine = create_engine(os.environ["DATABASE_URL"], pool_size=2, pool_pre_ping=True)
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2}  # expect
            """, message="16 threads", files={"gunicorn.conf.py": """
            workers = 4
            threads = 16
            """}),
    )

    def _threads(self, project: Project) -> tuple[int, Location] | None:
        deploy = project.deploy
        best: tuple[int, Location] | None = None
        decls = deploy.declared_workers() if deploy is not None else []  # type: ignore[attr-defined]
        if not decls:
            # no deploy model: read ``threads = N`` from a gunicorn.conf.py among the sources
            for module in project.modules.values():
                if module.path.rsplit("/", 1)[-1] != "gunicorn.conf.py":
                    continue
                for stmt in module.tree.body:
                    if (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "threads" for t in stmt.targets)
                            and isinstance(_const(stmt.value), int)):
                        best = (int(_const(stmt.value)), Location(module.path, stmt.lineno, stmt.col_offset + 1))  # type: ignore[arg-type]
            return best if best and best[0] > 1 else None
        for decl in decls:
            if decl.threads and decl.threads > 1 and (best is None or decl.threads > best[0]):
                best = (decl.threads, decl.source)
        return best

    def check_project(self, project: Project, report) -> None:  # type: ignore[override]
        threads = self._threads(project)
        if threads is None:
            return
        count, where = threads
        pools: list[tuple[int, int, Location, str]] = []
        for setting in project.config_for("SQLALCHEMY_ENGINE_OPTIONS"):
            if isinstance(setting.value, ast.Dict) and not _is_test_path(setting.location.path) and project.is_production(setting):
                opts = {k.value: v for k, v in zip(setting.value.keys, setting.value.values) if isinstance(k, ast.Constant)}
                if None in setting.value.keys or "poolclass" in opts:
                    continue
                size, overflow = _const(opts.get("pool_size")), _const(opts.get("max_overflow"))
                if isinstance(size, int) or isinstance(overflow, int):
                    pools.append((size if isinstance(size, int) else DEFAULT_POOL, overflow if isinstance(overflow, int) else DEFAULT_OVERFLOW, setting.location, "SQLALCHEMY_ENGINE_OPTIONS"))
        sizes = {s.key: s for s in project.config_for("SQLALCHEMY_POOL_SIZE") if project.is_production(s)}
        if sizes:
            s = next(iter(sizes.values()))
            over = next((o for o in project.config_for("SQLALCHEMY_MAX_OVERFLOW") if project.is_production(o)), None)
            if isinstance(_const(s.value), int):
                ov = _const(over.value) if over is not None else DEFAULT_OVERFLOW
                pools.append((int(_const(s.value)), ov if isinstance(ov, int) else DEFAULT_OVERFLOW, s.location, "SQLALCHEMY_POOL_SIZE"))  # type: ignore[arg-type]
        for site in project.calls:
            if site.name not in CREATE_ENGINE or _is_test_path(site.module.path):
                continue
            call = site.node
            if any(kw.arg is None for kw in call.keywords) or _kw(call, "poolclass") is not None:
                continue
            size, overflow = _const(_kw(call, "pool_size")), _const(_kw(call, "max_overflow"))
            if isinstance(size, int) or isinstance(overflow, int):
                pools.append((size if isinstance(size, int) else DEFAULT_POOL, overflow if isinstance(overflow, int) else DEFAULT_OVERFLOW,
                              Location(site.module.path, call.lineno, call.col_offset + 1), "create_engine"))
        for size, overflow, location, label in pools:
            if overflow < 0 or size <= 0 or size + overflow >= count:
                continue
            report(
                self.finding(
                    location,
                    f"`{label}` allows {size} + {overflow} = {size + overflow} connections per worker but each worker runs "
                    f"{count} threads: under load the extra requests wait `pool_timeout` and fail with \"QueuePool limit reached\"",
                    hint=f"Raise `pool_size` (+ `max_overflow`) to at least {count}, within the database's max_connections.",
                    evidence=[Evidence(f"{count} threads per worker declared here", where)],
                )
            )
