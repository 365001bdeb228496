"""FD201 unbounded-query-materialised: A query without limit/pagination loads every matching row into memory."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.orm.models import grows
from flask_doctor.static.facts.orm.queries import (
    EXECUTE,
    MATERIALISE,
    SESSION_EXECUTE,
    Query,
    bound_reason,
    in_application_code,
    per_parent,
    query_label,
    query_of,
    run_context,
)
from flask_doctor.static.model import (
    CLI,
    REQUEST,
)
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


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
        if node.args or not in_application_code(ctx) or run_context(ctx) is None:
            return
        query = query_of(node, ctx)
        if query is None or query.model is None or bound_reason(query, ctx) is not None or per_parent(query, ctx):
            return
        self._report(node, node, query, ctx, "loads every matching row")

    def _iter(self, iterable: ast.expr, at: ast.AST, ctx: Context) -> None:
        if not in_application_code(ctx) or run_context(ctx) is None:
            return
        query = query_of(iterable, ctx)
        if query is None or query.outer in MATERIALISE or query.outer in EXECUTE:
            return
        if query.root == "select" and not (query.names & SESSION_EXECUTE):
            return  # iterating a statement object is not running it
        if query.model is None or bound_reason(query, ctx) is not None or per_parent(query, ctx):
            return
        self._report(iterable, at, query, ctx, "iterates every matching row (the result is buffered first)")

    def visit_For(self, node: ast.For, ctx: Context) -> None:
        self._iter(node.iter, node, ctx)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension, ctx: Context) -> None:
        self._iter(node.iter, node.iter, ctx)

    def _report(self, expr: ast.AST, at: ast.AST, query: Query, ctx: Context, what: str) -> None:
        assert query.model is not None
        growth = grows(ctx.project, query.model)
        if growth is None:
            return  # a reference table (categories, settings): bounded in practice
        context = run_context(ctx) or REQUEST
        filtered = query.names & {"filter", "filter_by", "where", "join"}
        table = f"the whole `{query.model.name}` table" if query.model and not filtered else "every matching row"
        what = what.replace("every matching row", table)
        hint = (
            "Page it (`db.paginate(...)`, `.limit(n)`), or in jobs/commands stream with "
            "`.execution_options(yield_per=500)` / `yield_per(500)`, or use a bulk `update()`/`delete()`."
        )
        ctx.report(
            self.finding(
                ctx.location(at),
                f"{query_label(query, expr)} in {describe_context(ctx)} {what}: nothing bounds it "
                f"(no limit, pagination or unique filter), so its cost grows with the table",
                hint=hint,
                evidence=[Evidence(growth, query.model.location), *ctx.chain_evidence(context)],
                severity=None if context != CLI else Severity.NOTE,
            )
        )
