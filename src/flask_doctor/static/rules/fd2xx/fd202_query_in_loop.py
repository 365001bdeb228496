"""FD202 query-in-loop: A query runs once per item of a loop (N+1 queries)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.orm.loops import (
    Loop,
    constant_iterable,
    enclosing_loop,
    loop_names,
    stops_at_first_match,
    uses_any,
)
from flask_doctor.static.facts.orm.models import uses_sqlalchemy
from flask_doctor.static.facts.orm.queries import (
    filters_by_list,
    in_application_code,
    is_query_execution,
    param_queries,
    passes,
    query_label,
)
from flask_doctor.static.model import (
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
        if not in_application_code(ctx) or not (ctx.in_request or ctx.in_job) or not uses_sqlalchemy(ctx.project):
            return
        loop = enclosing_loop(ctx, node)
        if loop is None:
            return
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            if constant_iterable(ctx.project, loop.iter, ctx.function) or stops_at_first_match(loop):
                return
        elif all(constant_iterable(ctx.project, g.iter, ctx.function) for g in loop.generators):
            return
        names = loop_names(loop)
        parent = ctx.ancestors[-1] if ctx.ancestors else None
        grand = ctx.ancestors[-2] if len(ctx.ancestors) > 1 else None
        if isinstance(parent, ast.Attribute) and isinstance(grand, ast.Call) and grand.func is parent:
            return  # the outer call of the chain decides (``execute(...).scalars().first()``)
        query = is_query_execution(node, ctx)
        if query is not None:
            if filters_by_list(query) or not uses_any(node, names):
                return
            self._report(node, loop, ctx, f"{query_label(query, node)} runs once per item of the loop", [])
            return
        name = dotted(node.func)
        if not name or not uses_any(node, names) or ctx.function is None:
            return
        helper = ctx.project.resolve_function(name, ctx.function, ctx.module)
        if helper is None or helper is ctx.function:
            return
        # a query under ``if realm_names is None:`` does not run when the loop passes realm_names
        queries = [found for found in param_queries(ctx.project, helper) if not passes(node, helper, found.guards)]
        if not queries:
            return
        qcall, query = queries[0].call, queries[0].query
        self._report(
            node, loop, ctx,
            f"`{name}(...)` runs a query (`{query.text}`...) once per item of the loop",
            [Evidence(f"query in `{helper.display}`",
                      Location(helper.module.path, qcall.lineno, qcall.col_offset + 1))],
        )

    def _report(self, node: ast.Call, loop: Loop, ctx: Context, what: str, extra: list[Evidence]) -> None:
        key = (ctx.module.path, node.lineno, "")
        same = (ctx.module.path, loop.lineno, what)
        if key in self._seen or same in self._seen:
            return
        self._seen.update((key, same))
        loop_node = loop if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what} in {describe_context(ctx)}: N items make N+1 database round trips",
                hint="Load all rows in one query before the loop (`Model.id.in_(ids)`, a join) "
                "or eager-load the relationship with `selectinload`.",
                evidence=[Evidence("the loop", ctx.location(loop_node)), *extra],
                severity=None,
            )
        )
