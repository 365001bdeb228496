"""Variant matrix for catalogue S02 (unbounded queries) and S10 (slow extensions).

Rules: FD201 unbounded-query-materialised (off by default, selected here), FD205
sqlalchemy-track-modifications-enabled, FD206 sqlalchemy-echo-in-production, FD207
pool-smaller-than-concurrency.

Each variant is a small project written from common Flask / Flask-SQLAlchemy / SQLAlchemy / gunicorn idioms
(not from the corpus): a bad shape must be reported by its rule (a warning or an error; FD205 is a note by
design, a bounded cost per commit, so a note is enough there), a good shape must draw none of these rules.

For S02 the good shapes matter most: a query bounded by ``limit``/pagination/``first``/``one``/``get``/a unique
key, the small tables an administrator curates and views need whole, one parent's rows, and one-shot code
(scripts, commands, migrations, tests) must stay silent, or FD201 floods.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD201", "FD205", "FD206", "FD207"]

#: A shop on Flask-SQLAlchemy 3.x: customers place orders (so the order table grows with use), an administrator
#: curates the categories, and the roles are seeded once.
MODELS = """
from datetime import datetime

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120), unique=True, nullable=False)
    password_hash = db.Column(db.String(128))
    is_admin = db.Column(db.Boolean, default=False)


class Role(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(40), unique=True)


class Category(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), unique=True)


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(20), unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    category_id = db.Column(db.Integer, db.ForeignKey("category.id"))
    status = db.Column(db.String(20), default="new")
    total = db.Column(db.Numeric(10, 2))
    created_at = db.Column(db.DateTime, default=datetime.utcnow)
    user = db.relationship("User", backref="orders")
"""

#: The factory, and the checkout that adds an order per request (the evidence that the table grows).
APP = """
import os

from flask import Flask


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    from models import db

    db.init_app(app)
    from checkout import bp as checkout_bp

    app.register_blueprint(checkout_bp)
    return app
"""

CHECKOUT = """
from flask import Blueprint, request
from flask_login import current_user, login_required

from models import Order, db

bp = Blueprint("checkout", __name__)


@bp.post("/checkout")
@login_required
def checkout():
    order = Order(user_id=current_user.id, number=request.form["number"], total=request.form["total"])
    db.session.add(order)
    db.session.commit()
    return {"id": order.id}, 201
"""

REQUIREMENTS = "flask==3.0.3\nflask-sqlalchemy==3.1.1\nflask-login==0.6.3\ngunicorn==22.0.0\n"

#: A plain SQLAlchemy scoped session (no extension), as many Flask apps set it up.
DATABASE = """
import os

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, create_engine, func
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
Session = scoped_session(sessionmaker(bind=engine))
Base = declarative_base()
Base.query = Session.query_property()


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    reporter_id = Column(Integer, ForeignKey("users.id"))
    subject = Column(String(200))
    state = Column(String(20), default="open")
    opened_at = Column(DateTime, server_default=func.now())
"""

TICKET_APP = """
from flask import Flask, request

from database import Session, Ticket

app = Flask(__name__)


@app.teardown_appcontext
def remove_session(exc=None):
    Session.remove()


@app.post("/tickets")
def open_ticket():
    Session.add(Ticket(reporter_id=request.json["reporter"], subject=request.json["subject"]))
    Session.commit()
    return "", 201
"""


def _shop(**extra: str) -> dict[str, str]:
    files = {"models.py": MODELS, "app.py": APP, "checkout.py": CHECKOUT, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


def _tickets(**extra: str) -> dict[str, str]:
    files = {"database.py": DATABASE, "app.py": TICKET_APP, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


#: The classic config module of a factory app: a base class, one class per environment, a lookup table.
def _config(base: str = "", production: str = "", development: str = "", testing: str = "") -> str:
    return f"""
import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
{textwrap.indent(textwrap.dedent(base), "    ")}

class DevelopmentConfig(Config):
    DEBUG = True
{textwrap.indent(textwrap.dedent(development), "    ")}

class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
{textwrap.indent(textwrap.dedent(testing), "    ")}

class ProductionConfig(Config):
    DEBUG = False
{textwrap.indent(textwrap.dedent(production), "    ")}

config = {{
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
    "default": DevelopmentConfig,
}}
"""


CONFIG_FACTORY = """
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from config import config

db = SQLAlchemy()


def create_app(config_name=None):
    app = Flask(__name__)
    app.config.from_object(config[config_name or os.environ.get("FLASK_CONFIG", "production")])
    db.init_app(app)
    return app
"""


def _configured(config: str, **extra: str) -> dict[str, str]:
    files = {"config.py": config, "app.py": CONFIG_FACTORY, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


GUNICORN_THREADS = """
bind = "0.0.0.0:8000"
workers = 4
worker_class = "gthread"
threads = 16
"""

# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD201 unbounded-query-materialised
    (
        "query-handed-unrun-to-a-template-loop",
        "FD201",
        _shop(
            views="""
            from flask import render_template
            from app import app
            from models import Order

            @app.get("/orders")
            def orders():
                return render_template("orders.html", orders=Order.query.order_by(Order.id.desc()))
            """,
            **{"templates/orders.html": "{% for o in orders %}<p>{{ o.id }}</p>{% endfor %}\n"},
        ),
    ),
    (
        "scalars-result-dumped-by-a-many-schema",
        "FD201",
        _shop(
            views="""
            from marshmallow import Schema, fields
            from app import app
            from models import db, Order

            class OrderOut(Schema):
                id = fields.Integer()

            @app.get("/api/orders")
            def orders():
                rows = db.session.execute(db.select(Order)).scalars()
                return OrderOut(many=True).dump(rows)
            """,
        ),
    ),
    (
        "sqlite-tutorial-index-fetches-every-post",
        "FD201",
        {
            "app.py": """
            import sqlite3
            from flask import Flask, g, render_template, request

            app = Flask(__name__)

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("blog.sqlite")
                return g.db

            @app.route("/create", methods=["POST"])
            def create():
                get_db().execute("INSERT INTO post (title, body) VALUES (?, ?)", (request.form["t"], request.form["b"]))
                get_db().commit()
                return "ok"

            @app.route("/")
            def index():
                posts = get_db().execute(
                    "SELECT p.id, title, body, created FROM post p ORDER BY created DESC"
                ).fetchall()
                return render_template("index.html", posts=posts)
            """,
        },
    ),
    (
        "dao-list-optional-owner-filter-left-out-by-view",
        "FD201",
        _shop(
            services="""
            from models import Order

            def order_list(user_id=None):
                query = Order.query.order_by(Order.id)
                if user_id is not None:
                    query = query.filter_by(user_id=user_id)
                return query.all()
            """,
            views="""
            from flask import Blueprint, request

            from services import order_list

            bp = Blueprint("orders", __name__)

            @bp.get("/api/orders")
            def orders():
                return {"ids": [o.id for o in order_list(request.args.get("user", type=int))]}
            """,
        ),
    ),
    (
        "query-all-in-blueprint-view",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint, render_template

            from models import Order

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            def list_orders():
                orders = Order.query.order_by(Order.created_at.desc()).all()
                return render_template("orders.html", orders=orders)
            """
        ),
    ),
    (
        "scalars-select-all",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint, jsonify

            from models import Order, db

            bp = Blueprint("orders", __name__)

            @bp.get("/api/orders")
            def api_orders():
                orders = db.session.scalars(db.select(Order).order_by(Order.id)).all()
                return jsonify([{"id": o.id, "total": str(o.total)} for o in orders])
            """
        ),
    ),
    (
        "execute-select-scalars-all",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint
            from sqlalchemy import select

            from models import Order, db

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/open")
            def open_orders():
                rows = db.session.execute(select(Order).where(Order.status == "new")).scalars().all()
                return {"ids": [o.id for o in rows]}
            """
        ),
    ),
    (
        "session-query-filter-all-plain-sqlalchemy",
        "FD201",
        _tickets(
            views="""
            from app import app
            from database import Session, Ticket

            @app.get("/tickets/open")
            def open_tickets():
                tickets = Session.query(Ticket).filter(Ticket.state == "open").all()
                return {"tickets": [t.subject for t in tickets]}
            """
        ),
    ),
    (
        "helper-in-service-module",
        "FD201",
        _shop(
            services="""
            from models import Order

            def orders_by_status(status):
                return Order.query.filter_by(status=status).order_by(Order.created_at).all()
            """,
            views="""
            from flask import Blueprint, request

            from services import orders_by_status

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            def orders():
                return {"ids": [o.id for o in orders_by_status(request.args.get("status", "new"))]}
            """,
        ),
    ),
    (
        "method-view-get",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint
            from flask.views import MethodView

            from models import Order

            bp = Blueprint("orders", __name__)

            class OrderList(MethodView):
                def get(self):
                    return {"orders": [{"id": o.id, "status": o.status} for o in Order.query.all()]}

            bp.add_url_rule("/orders", view_func=OrderList.as_view("order_list"))
            """
        ),
    ),
    (
        "flask-restx-resource",
        "FD201",
        _shop(
            api="""
            from flask_restx import Namespace, Resource, fields

            from models import Order

            ns = Namespace("orders")
            order_model = ns.model("Order", {"id": fields.Integer, "status": fields.String})

            @ns.route("/")
            class OrderCollection(Resource):
                @ns.marshal_list_with(order_model)
                def get(self):
                    return Order.query.all()
            """
        ),
    ),
    (
        "flask-smorest-without-paginate",
        "FD201",
        _shop(
            api="""
            from flask.views import MethodView
            from flask_smorest import Blueprint
            from marshmallow import Schema, fields

            from models import Order

            blp = Blueprint("orders", __name__, url_prefix="/orders")

            class OrderSchema(Schema):
                id = fields.Int()
                status = fields.Str()

            @blp.route("/")
            class Orders(MethodView):
                @blp.response(200, OrderSchema(many=True))
                def get(self):
                    return Order.query.filter(Order.status != "cancelled").all()
            """
        ),
    ),
    (
        "iterating-a-query-in-a-view",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint

            from models import Order

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/revenue")
            def revenue():
                total = 0
                for order in Order.query.filter_by(status="paid"):
                    total += order.total
                return {"revenue": str(total)}
            """
        ),
    ),
    (
        "len-of-all-to-count",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint

            from models import Order

            bp = Blueprint("stats", __name__)

            @bp.get("/stats")
            def stats():
                return {"orders": len(Order.query.all())}
            """
        ),
    ),
    (
        "celery-task-sums-every-paid-order",
        "FD201",
        _shop(
            tasks="""
            from celery import shared_task

            from models import Order

            @shared_task
            def nightly_revenue_report():
                paid = Order.query.filter_by(status="paid").all()
                return {"count": len(paid), "revenue": str(sum(o.total for o in paid))}
            """
        ),
    ),
    (
        "purge-job-loads-every-old-order",
        "FD201",
        _shop(
            tasks="""
            from datetime import datetime, timedelta

            from celery import shared_task

            from models import Order, db

            @shared_task
            def purge_abandoned():
                cutoff = datetime.utcnow() - timedelta(days=30)
                for order in Order.query.filter(Order.status == "new", Order.created_at < cutoff).all():
                    db.session.delete(order)
                db.session.commit()
            """
        ),
    ),
    (
        "model-classmethod-builds-the-query",
        "FD201",
        _shop(
            queries="""
            from models import Order

            class OrderQueries:
                @classmethod
                def unpaid(cls):
                    return Order.query.filter(Order.status.in_(["new", "pending"]))
            """,
            views="""
            from flask import Blueprint

            from queries import OrderQueries

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/unpaid")
            def unpaid():
                return {"ids": [o.id for o in OrderQueries.unpaid().all()]}
            """,
        ),
    ),
    (
        "model-imported-under-another-name",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint

            from models import Order as OrderModel, db

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/all")
            def all_orders():
                return {"ids": [o.id for o in db.session.query(OrderModel).all()]}
            """
        ),
    ),
    (
        "search-by-substring",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint, request

            from models import Order

            bp = Blueprint("search", __name__)

            @bp.get("/search")
            def search():
                q = request.args.get("q", "")
                return {"ids": [o.id for o in Order.query.filter(Order.number.ilike(f"%{q}%")).all()]}
            """
        ),
    ),
    (
        "async-view",
        "FD201",
        _shop(
            views="""
            from flask import Blueprint

            from models import Order, db

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/async")
            async def orders_async():
                rows = db.session.query(Order).filter(Order.total > 0).all()
                return {"ids": [o.id for o in rows]}
            """
        ),
    ),
    (
        "pymongo-list-find",
        "FD201",
        {
            "app.py": """
            from flask import Flask, request
            from flask_pymongo import PyMongo

            app = Flask(__name__)
            mongo = PyMongo(app)

            @app.post("/events")
            def record():
                mongo.db.events.insert_one({"kind": request.json["kind"], "payload": request.json})
                return "", 201

            @app.get("/events")
            def events():
                return {"events": list(mongo.db.events.find({}, {"_id": 0}))}
            """
        },
    ),
    # ------------------------------------------------------------------ FD205 sqlalchemy-track-modifications-enabled
    (
        "track-mods-in-base-config-inherited-by-production",
        "FD205",
        _configured(_config(base="SQLALCHEMY_TRACK_MODIFICATIONS = True")),
    ),
    (
        "track-mods-in-production-config",
        "FD205",
        _configured(_config(production="SQLALCHEMY_TRACK_MODIFICATIONS = True")),
    ),
    (
        "track-mods-app-config-item-in-factory",
        "FD205",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "track-mods-config-update-keywords",
        "FD205",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.update(
                SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
                SQLALCHEMY_TRACK_MODIFICATIONS=True,
            )
            db = SQLAlchemy(app)
            """
        },
    ),
    (
        "track-mods-from-mapping-dict",
        "FD205",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config.from_mapping({
                    "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
                    "SQLALCHEMY_TRACK_MODIFICATIONS": True,
                })
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "track-mods-settings-module-from-object",
        "FD205",
        {
            "settings.py": """
            import os

            SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
            SQLALCHEMY_TRACK_MODIFICATIONS = True
            """,
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.from_object("settings")
            db = SQLAlchemy(app)
            """,
        },
    ),
    (
        "track-mods-base-named-base-config-two-levels",
        "FD205",
        {
            "config.py": """
            import os

            class BaseConfig:
                SQLALCHEMY_TRACK_MODIFICATIONS = True

            class Common(BaseConfig):
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")

            class ProdConfig(Common):
                DEBUG = False

            class DevConfig(Common):
                DEBUG = True
            """,
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            from config import ProdConfig

            db = SQLAlchemy()

            def create_app(config_object=ProdConfig):
                app = Flask(__name__)
                app.config.from_object(config_object)
                db.init_app(app)
                return app
            """,
        },
    ),
    # ------------------------------------------------------------------ FD206 sqlalchemy-echo-in-production
    (
        "echo-in-base-config-inherited-by-production",
        "FD206",
        _configured(_config(base="SQLALCHEMY_ECHO = True")),
    ),
    (
        "echo-in-production-config",
        "FD206",
        _configured(_config(production="SQLALCHEMY_ECHO = True")),
    ),
    (
        "echo-env-defaults-on",
        "FD206",
        _configured(_config(base='SQLALCHEMY_ECHO = os.environ.get("SQLALCHEMY_ECHO", "true").lower() == "true"')),
    ),
    (
        "echo-env-default-true-bool",
        "FD206",
        _configured(_config(production='SQLALCHEMY_ECHO = os.getenv("SQL_ECHO", True)')),
    ),
    (
        "echo-app-config-item-in-factory",
        "FD206",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config["SQLALCHEMY_ECHO"] = True
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "echo-config-update",
        "FD206",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], SQLALCHEMY_ECHO=True)
            db = SQLAlchemy(app)
            """
        },
    ),
    (
        "echo-from-mapping",
        "FD206",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config.from_mapping(SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], SQLALCHEMY_ECHO=True)
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "echo-settings-module-from-object",
        "FD206",
        {
            "settings.py": """
            import os

            SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
            SQLALCHEMY_ECHO = True
            """,
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.from_object("settings")
            db = SQLAlchemy(app)
            """,
        },
    ),
    (
        "echo-in-engine-options-config",
        "FD206",
        _configured(_config(base='SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "echo": True}')),
    ),
    (
        "echo-in-extension-engine-options",
        "FD206",
        {
            "extensions.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"echo": True, "pool_pre_ping": True})
            """,
            "app.py": """
            import os
            from flask import Flask

            from extensions import db

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                db.init_app(app)
                return app
            """,
        },
    ),
    (
        "create-engine-echo-module-level",
        "FD206",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = create_engine(os.environ["DATABASE_URL"], echo=True, pool_pre_ping=True)
            db_session = scoped_session(sessionmaker(bind=engine))
            """
        },
    ),
    (
        "create-engine-echo-through-module-alias",
        "FD206",
        {
            "db.py": """
            import os
            import sqlalchemy as sa

            engine = sa.create_engine(os.environ["DATABASE_URL"], echo=True, pool_pre_ping=True)
            """
        },
    ),
    (
        "create-engine-echo-renamed-import-in-factory",
        "FD206",
        {
            "app.py": """
            import os
            from flask import Flask
            from sqlalchemy import create_engine as make_engine

            def create_app():
                app = Flask(__name__)
                app.engine = make_engine(os.environ["DATABASE_URL"], echo=True, pool_pre_ping=True)
                return app
            """
        },
    ),
    (
        "echo-json-config-file-from-file",
        "FD206",
        {
            "config.json": '{"SQLALCHEMY_TRACK_MODIFICATIONS": false, "SQLALCHEMY_ECHO": true}\n',
            "app.py": """
            import json
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config.from_file("config.json", load=json.load)
                db.init_app(app)
                return app
            """,
        },
    ),
    (
        "echo-set-in-wsgi-after-the-factory",
        "FD206",
        _configured(
            _config(),
            wsgi="""
            from app import create_app

            app = create_app("production")
            app.config["SQLALCHEMY_ECHO"] = True
            """,
        ),
    ),
    # ------------------------------------------------------------------ FD207 pool-smaller-than-concurrency
    (
        "pool-in-base-config-vs-gunicorn-conf-threads",
        "FD207",
        _configured(
            _config(base='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 2, "pool_pre_ping": True}'),
            **{"gunicorn.conf.py": GUNICORN_THREADS},
        ),
    ),
    (
        "pool-create-engine-vs-procfile-threads",
        "FD207",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=0, pool_pre_ping=True)
            """,
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "Procfile": "web: gunicorn --workers 2 --threads 12 app:app\n",
        },
    ),
    (
        "pool-config-vs-dockerfile-threads",
        "FD207",
        _configured(
            _config(production='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 5, "max_overflow": 5}'),
            Dockerfile="""
            FROM python:3.12-slim
            COPY . /app
            WORKDIR /app
            RUN pip install -r requirements.txt
            CMD ["gunicorn", "-w", "4", "--threads", "20", "-b", "0.0.0.0:8000", "app:create_app()"]
            """,
        ),
    ),
    (
        "pool-in-extension-engine-options",
        "FD207",
        {
            "extensions.py": """
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"pool_size": 2, "max_overflow": 0, "pool_pre_ping": True})
            """,
            "app.py": """
            import os
            from flask import Flask

            from extensions import db

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                db.init_app(app)
                return app
            """,
            "gunicorn.conf.py": GUNICORN_THREADS,
        },
    ),
    (
        "pool-legacy-pool-size-keys",
        "FD207",
        _configured(
            _config(base="SQLALCHEMY_POOL_SIZE = 3\nSQLALCHEMY_MAX_OVERFLOW = 0"),
            **{"gunicorn.conf.py": GUNICORN_THREADS},
        ),
    ),
    (
        "pool-app-config-item-vs-compose-command",
        "FD207",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 2, "max_overflow": 1}
                db.init_app(app)
                return app
            """,
            "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -w 4 --threads 32 -b 0.0.0.0:8000 "app:create_app()"
                environment:
                  DATABASE_URL: postgresql://app:app@db/app
              db:
                image: postgres:16
            """,
        },
    ),
    (
        "default-pool-vs-many-threads",
        "FD207",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "postgresql://app@db/app")
                db.init_app(app)
                return app
            """,
            "gunicorn.conf.py": """
            workers = 2
            worker_class = "gthread"
            threads = 32
            """,
        },
    ),
    (
        "pool-vs-threads-from-env-default",
        "FD207",
        _configured(
            _config(base='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4, "max_overflow": 0, "pool_pre_ping": True}'),
            **{
                "gunicorn.conf.py": """
                import os

                workers = int(os.environ.get("WEB_CONCURRENCY", 2))
                threads = int(os.environ.get("GUNICORN_THREADS", "16"))
                """
            },
        ),
    ),
    (
        "pool-vs-uwsgi-ini-threads",
        "FD207",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], pool_size=4, max_overflow=4, pool_recycle=1800)
            """,
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "uwsgi.ini": """
            [uwsgi]
            module = app:app
            master = true
            processes = 4
            threads = 16
            enable-threads = true
            """,
        },
    ),
]

# name, files
GOOD: list[tuple[str, dict[str, str]]] = [
    # ------------------------------------------------------------------ S02: bounded queries
    (
        "template-gets-one-page-and-a-capped-query",
        _shop(
            views="""
            from flask import render_template
            from app import app
            from models import db, Order

            @app.get("/orders")
            def orders():
                page = db.paginate(db.select(Order).order_by(Order.id))
                latest = Order.query.order_by(Order.id.desc()).limit(10)
                return render_template("orders.html", page=page, latest=latest, every=Order.query)
            """,
            **{
                "templates/orders.html": (
                    "{% for o in page.items %}{{ o.id }}{% endfor %}{% for o in latest %}{{ o.id }}{% endfor %}"
                    "{{ every.count() }}\n"
                )
            },
        ),
    ),
    (
        "sqlite-reads-capped-filtered-or-counted",
        {
            "app.py": """
            import sqlite3
            from flask import Flask, g, request

            app = Flask(__name__)

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("blog.sqlite")
                return g.db

            @app.route("/create", methods=["POST"])
            def create():
                get_db().execute("INSERT INTO post (title) VALUES (?)", (request.form["t"],))
                get_db().commit()
                return "ok"

            @app.route("/")
            def index():
                db = get_db()
                latest = db.execute("SELECT id, title FROM post ORDER BY id DESC LIMIT 20").fetchall()
                one = db.execute("SELECT id, title FROM post WHERE id = ?", (request.args["id"],)).fetchall()
                total = db.execute("SELECT COUNT(*) FROM post").fetchall()
                people = db.execute("SELECT id, username FROM user").fetchall()
                return {"latest": latest, "one": one, "total": total, "people": people}
            """,
        },
    ),
    (
        "job-hands-each-row-to-a-delete-task-and-sweeps-ids",
        _shop(
            tasks="""
            from celery import shared_task

            from models import Order, db

            @shared_task
            def delete_order(order_id):
                db.session.delete(db.session.get(Order, order_id))
                db.session.commit()

            @shared_task
            def purge_cancelled():
                for order in Order.query.filter_by(status="cancelled").all():
                    delete_order.delay(order.id)

            @shared_task
            def order_ids():
                return [row.id for row in db.session.query(Order.id, Order.created_at).all()]
            """
        ),
    ),
    (
        "limit-and-offset",
        _shop(
            views="""
            from flask import Blueprint, request

            from models import Order

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/latest")
            def latest():
                page = request.args.get("page", 0, type=int)
                rows = Order.query.order_by(Order.created_at.desc()).offset(page * 20).limit(20).all()
                return {"ids": [o.id for o in rows]}
            """
        ),
    ),
    (
        "db-paginate-and-query-paginate",
        _shop(
            views="""
            from flask import Blueprint, render_template, request

            from models import Order, db

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            def orders():
                page = db.paginate(db.select(Order).order_by(Order.id), per_page=25, max_per_page=100)
                return render_template("orders.html", page=page)

            @bp.get("/orders/legacy")
            def legacy():
                page = Order.query.order_by(Order.id).paginate(page=request.args.get("page", 1, type=int), per_page=25)
                return {"ids": [o.id for o in page.items]}
            """
        ),
    ),
    (
        "first-one-get-and-count",
        _shop(
            views="""
            from flask import Blueprint, abort, request

            from models import Order, db

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/<int:order_id>")
            def show(order_id):
                order = db.session.get(Order, order_id) or abort(404)
                same = Order.query.get_or_404(order_id)
                first = Order.query.filter_by(status="new").first()
                one = db.session.execute(db.select(Order).filter_by(id=order_id)).scalar_one()
                by_number = Order.query.filter_by(number=request.args["n"]).one_or_none()
                total = Order.query.count()
                exists = db.session.query(Order.query.filter_by(status="new").exists()).scalar()
                return {"id": order.id, "n": total, "same": same.id, "first": first.id if first else None,
                        "one": one.id, "by_number": bool(by_number), "exists": exists}
            """
        ),
    ),
    (
        "filter-on-unique-key-and-primary-key",
        _shop(
            views="""
            from flask import Blueprint, request
            from sqlalchemy import select

            from models import Order, User, db

            bp = Blueprint("lookup", __name__)

            @bp.get("/lookup")
            def lookup():
                users = User.query.filter_by(email=request.args["email"]).all()
                orders = db.session.scalars(select(Order).where(Order.number == request.args["number"])).all()
                by_id = Order.query.filter(Order.id == request.args.get("id", type=int)).all()
                return {"users": len(users), "orders": len(orders), "by_id": len(by_id)}
            """
        ),
    ),
    (
        "one-customers-orders",
        _shop(
            views="""
            from flask import Blueprint
            from flask_login import current_user, login_required

            from models import Order

            bp = Blueprint("account", __name__)

            @bp.get("/account/orders")
            @login_required
            def my_orders():
                mine = Order.query.filter_by(user_id=current_user.id).order_by(Order.created_at.desc()).all()
                return {"ids": [o.id for o in mine]}
            """
        ),
    ),
    (
        "ids-picked-by-the-client",
        _shop(
            views="""
            from flask import Blueprint, request

            from models import Order

            bp = Blueprint("orders", __name__)

            @bp.get("/orders/picked")
            def picked():
                ids = request.args.getlist("id", type=int)[:50]
                return {"ids": [o.id for o in Order.query.filter(Order.id.in_(ids)).all()]}
            """
        ),
    ),
    (
        "aggregate-grouped-by-status",
        _shop(
            views="""
            from flask import Blueprint
            from sqlalchemy import func

            from models import Order, db

            bp = Blueprint("stats", __name__)

            @bp.get("/stats/by-status")
            def by_status():
                rows = db.session.query(Order.status, func.count(Order.id)).group_by(Order.status).all()
                return dict(rows)
            """
        ),
    ),
    (
        "admin-curated-categories-for-a-form",
        _shop(
            views="""
            from flask import Blueprint, abort, render_template, request
            from flask_login import current_user, login_required

            from models import Category, db

            bp = Blueprint("catalog", __name__)

            def admin_required(view):
                def wrapped(*args, **kwargs):
                    if not current_user.is_admin:
                        abort(403)
                    return view(*args, **kwargs)
                return wrapped

            @bp.post("/admin/categories")
            @login_required
            @admin_required
            def add_category():
                db.session.add(Category(name=request.form["name"]))
                db.session.commit()
                return "", 201

            @bp.get("/new-order")
            def new_order_form():
                categories = Category.query.order_by(Category.name).all()
                return render_template("new_order.html", categories=categories)
            """
        ),
    ),
    (
        "roles-seeded-by-a-command",
        _shop(
            commands="""
            import click
            from flask import Blueprint

            from models import Role, db

            cli = Blueprint("cli", __name__)

            @cli.cli.command("seed-roles")
            def seed_roles():
                for name in ("admin", "staff", "customer"):
                    db.session.add(Role(name=name))
                db.session.commit()
                click.echo("roles seeded")
            """,
            views="""
            from flask import Blueprint

            from models import Role

            bp = Blueprint("roles", __name__)

            @bp.get("/roles")
            def roles():
                return {"roles": [r.name for r in Role.query.all()]}
            """,
        ),
    ),
    (
        "one-shot-script",
        _shop(
            **{
                "scripts/backfill_totals.py": """
                from app import create_app
                from models import Order, db

                app = create_app()
                with app.app_context():
                    for order in Order.query.all():
                        order.total = order.total or 0
                    db.session.commit()
                """
            }
        ),
    ),
    (
        "cli-export-command",
        _shop(
            commands="""
            import csv
            import sys

            import click
            from flask import Blueprint

            from models import Order

            cli = Blueprint("export", __name__)

            @cli.cli.command("export-orders")
            @click.option("--status", default="paid")
            def export_orders(status):
                writer = csv.writer(sys.stdout)
                for order in Order.query.filter_by(status=status).order_by(Order.id).all():
                    writer.writerow([order.id, order.number, order.total])
            """
        ),
    ),
    (
        "tests-and-fixtures",
        _shop(
            **{
                "tests/test_checkout.py": """
                from models import Order

                def test_checkout_adds_an_order(client, login):
                    login()
                    client.post("/checkout", data={"number": "A1", "total": "9.99"})
                    assert [o.number for o in Order.query.all()] == ["A1"]
                """
            }
        ),
    ),
    (
        "data-migration",
        _shop(
            **{
                "migrations/versions/3f2a_fill_numbers.py": """
                import sqlalchemy as sa
                from alembic import op

                revision = "3f2a"
                down_revision = "1b7c"

                def upgrade():
                    bind = op.get_bind()
                    session = sa.orm.Session(bind=bind)
                    orders = sa.table("order", sa.column("id"), sa.column("number"))
                    for row in session.execute(sa.select(orders.c.id).where(orders.c.number.is_(None))).all():
                        session.execute(orders.update().where(orders.c.id == row.id).values(number=f"N{row.id}"))
                    session.commit()
                """
            }
        ),
    ),
    (
        "job-streams-with-yield-per",
        _shop(
            tasks="""
            from celery import shared_task
            from sqlalchemy import select

            from models import Order, db

            @shared_task
            def recompute_totals():
                for order in Order.query.yield_per(500):
                    order.total = order.total or 0
                stmt = select(Order).where(Order.status == "paid").execution_options(yield_per=500)
                for order in db.session.scalars(stmt):
                    order.status = "archived"
                db.session.commit()
            """
        ),
    ),
    (
        "job-takes-a-batch",
        _shop(
            tasks="""
            from celery import shared_task

            from models import Order, db

            @shared_task
            def ship_next_batch():
                batch = Order.query.filter_by(status="paid").order_by(Order.id).limit(100).all()
                for order in batch:
                    order.status = "shipped"
                db.session.commit()
            """
        ),
    ),
    (
        "recent-window",
        _shop(
            views="""
            from datetime import datetime, timedelta

            from flask import Blueprint

            from models import Order

            bp = Blueprint("live", __name__)

            @bp.get("/live")
            def live():
                since = datetime.utcnow() - timedelta(minutes=5)
                return {"ids": [o.id for o in Order.query.filter(Order.created_at >= since).all()]}
            """
        ),
    ),
    (
        "client-page-size-capped",
        _shop(
            views="""
            from flask import Blueprint, request

            from models import Order

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            def orders():
                size = min(request.args.get("size", 20, type=int), 100)
                return {"ids": [o.id for o in Order.query.order_by(Order.id).limit(size).all()]}
            """
        ),
    ),
    (
        "all-on-things-that-are-not-queries",
        _shop(
            views="""
            from flask import Blueprint, request

            bp = Blueprint("misc", __name__)
            FLAGS = {"beta": True, "dark": False}

            @bp.post("/validate")
            def validate():
                values = request.json.get("values", [])
                return {"ok": all(v is not None for v in values), "flags": list(FLAGS.items())}
            """
        ),
    ),
    (
        "smorest-paginated",
        _shop(
            api="""
            from flask.views import MethodView
            from flask_smorest import Blueprint, Page
            from marshmallow import Schema, fields

            from models import Order

            blp = Blueprint("orders", __name__, url_prefix="/orders")

            class OrderSchema(Schema):
                id = fields.Int()

            class CursorPage(Page):
                @property
                def item_count(self):
                    return self.collection.count()

            @blp.route("/")
            class Orders(MethodView):
                @blp.response(200, OrderSchema(many=True))
                @blp.paginate(CursorPage)
                def get(self):
                    return Order.query.order_by(Order.id)
            """
        ),
    ),
    (
        "plain-sqlalchemy-one-reporters-tickets",
        _tickets(
            views="""
            from flask import request

            from app import app
            from database import Session, Ticket

            @app.get("/tickets/mine")
            def my_tickets():
                reporter = int(request.headers["X-User"])
                return {"tickets": [t.subject for t in Session.query(Ticket).filter_by(reporter_id=reporter).all()]}
            """
        ),
    ),
    (
        "flask-admin-managed-plans-on-pricing-page",
        _shop(
            plans="""
            from datetime import datetime

            from flask import Blueprint, render_template
            from flask_admin import Admin
            from flask_admin.contrib.sqla import ModelView

            from models import db

            class Plan(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(40))
                price = db.Column(db.Numeric(8, 2))
                active = db.Column(db.Boolean, default=True)
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            admin = Admin(name="shop")
            admin.add_view(ModelView(Plan, db.session))
            bp = Blueprint("pricing", __name__)

            @bp.get("/pricing")
            def pricing():
                plans = Plan.query.filter_by(active=True).order_by(Plan.price).all()
                return render_template("pricing.html", plans=plans)
            """
        ),
    ),
    (
        "admin-curated-pages-in-every-menu",
        _shop(
            pages="""
            from datetime import datetime

            from flask import Blueprint, abort, request
            from flask_login import current_user, login_required

            from models import db

            class Page(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(80))
                position = db.Column(db.Integer)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("pages", __name__)

            @bp.post("/pages")
            @login_required
            def add_page():
                if not current_user.is_admin:
                    abort(403)
                db.session.add(
                    Page(title=request.form["title"], position=int(request.form["position"]), author_id=current_user.id)
                )
                db.session.commit()
                return "", 201

            @bp.app_context_processor
            def menu():
                return {"menu": Page.query.order_by(Page.position).all()}
            """
        ),
    ),
    (
        "announcements-posted-by-role-admin",
        _shop(
            news="""
            from datetime import datetime

            from flask import Blueprint, request
            from flask_security import current_user, roles_required

            from models import db

            class Announcement(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                text = db.Column(db.String(500))
                visible = db.Column(db.Boolean, default=True)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                posted_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("news", __name__)

            @bp.post("/announcements")
            @roles_required("admin")
            def post_announcement():
                db.session.add(Announcement(text=request.form["text"], author_id=current_user.id))
                db.session.commit()
                return "", 201

            @bp.get("/announcements")
            def announcements():
                rows = Announcement.query.filter_by(visible=True).order_by(Announcement.posted_at.desc()).all()
                return {"announcements": [a.text for a in rows]}
            """
        ),
    ),
    (
        "wtforms-query-select-field-choices",
        _shop(
            forms="""
            from flask_wtf import FlaskForm
            from wtforms import StringField
            from wtforms_sqlalchemy.fields import QuerySelectField

            from models import Category

            def categories():
                return Category.query.order_by(Category.name).all()

            class OrderForm(FlaskForm):
                number = StringField("Number")
                category = QuerySelectField("Category", query_factory=categories, get_label="name")
            """,
            views="""
            from flask import Blueprint, render_template

            from forms import OrderForm

            bp = Blueprint("forms", __name__)

            @bp.get("/orders/new")
            def new_order():
                return render_template("new_order.html", form=OrderForm())
            """,
        ),
    ),
    (
        "webhooks-fanned-out-by-a-job",
        _shop(
            hooks="""
            import requests
            from celery import shared_task
            from flask import Blueprint, abort, request
            from flask_login import current_user, login_required

            from models import db

            class Webhook(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                url = db.Column(db.String(300))
                active = db.Column(db.Boolean, default=True)

            bp = Blueprint("hooks", __name__)

            @bp.post("/admin/webhooks")
            @login_required
            def add_webhook():
                if not current_user.is_admin:
                    abort(403)
                db.session.add(Webhook(url=request.form["url"]))
                db.session.commit()
                return "", 201

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=3)
            def notify(order_id):
                for hook in Webhook.query.filter_by(active=True).all():
                    requests.post(hook.url, json={"order": order_id}, timeout=5)
            """
        ),
    ),
    (
        "flask-script-manager-command",
        _shop(
            manage="""
            from flask_script import Manager

            from app import create_app
            from models import Order, db

            manager = Manager(create_app)

            @manager.command
            def recount():
                for order in Order.query.all():
                    order.total = order.total or 0
                db.session.commit()

            if __name__ == "__main__":
                manager.run()
            """
        ),
    ),
    (
        "click-group-added-to-the-app",
        _shop(
            commands="""
            import click
            from flask.cli import with_appcontext

            from models import Order

            @click.group()
            def reports():
                pass

            @reports.command("unpaid")
            @with_appcontext
            def unpaid():
                for order in Order.query.filter_by(status="new").all():
                    click.echo(order.number)
            """,
            wsgi="""
            from app import create_app
            from commands import reports

            app = create_app()
            app.cli.add_command(reports)
            """,
        ),
    ),
    (
        "seed-script-main-guard",
        _shop(
            seed="""
            from app import create_app
            from models import Category, Order, db

            def main():
                app = create_app()
                with app.app_context():
                    names = {c.name for c in Category.query.all()}
                    for order in Order.query.all():
                        order.status = order.status or "new"
                    db.session.commit()
                    print(len(names))

            if __name__ == "__main__":
                main()
            """
        ),
    ),
    (
        "helper-with-a-default-limit",
        _shop(
            services="""
            from models import Order

            def recent_orders(n=10):
                return Order.query.order_by(Order.created_at.desc()).limit(n)
            """,
            views="""
            from flask import Blueprint

            from services import recent_orders

            bp = Blueprint("home", __name__)

            @bp.get("/")
            def home():
                return {"recent": [o.number for o in recent_orders().all()]}
            """,
        ),
    ),
    (
        "distinct-statuses-and-sums-in-sql",
        _shop(
            views="""
            from flask import Blueprint
            from sqlalchemy import func

            from models import Order, db

            bp = Blueprint("stats", __name__)

            @bp.get("/stats/summary")
            def summary():
                statuses = [s for (s,) in db.session.query(Order.status).distinct().all()]
                revenue = db.session.query(func.sum(Order.total)).filter(Order.status == "paid").scalar()
                return {"statuses": statuses, "revenue": str(revenue or 0)}
            """
        ),
    ),
    (
        "lookup-table-cached-at-start-up",
        _shop(
            currencies="""
            from models import db

            class Currency(db.Model):
                code = db.Column(db.String(3), primary_key=True)
                rate = db.Column(db.Numeric(12, 6))

            RATES = {}

            def load_rates(app):
                with app.app_context():
                    RATES.update({c.code: c.rate for c in Currency.query.all()})
            """
        ),
    ),
    (
        "one-customers-orders-in-a-job",
        _shop(
            tasks="""
            from celery import shared_task

            from models import Order

            @shared_task
            def email_statement(user_id):
                orders = Order.query.filter_by(user_id=user_id, status="paid").all()
                return {"lines": [(o.number, str(o.total)) for o in orders]}
            """
        ),
    ),
    (
        "admin-blueprint-guarded-by-before-request",
        _shop(
            faq="""
            from datetime import datetime

            from flask import Blueprint, abort, request
            from flask_login import current_user

            from models import db

            class Faq(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                question = db.Column(db.String(200))
                answer = db.Column(db.Text)
                author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            manage_bp = Blueprint("faq_manage", __name__, url_prefix="/manage/faq")
            public_bp = Blueprint("faq", __name__)

            @manage_bp.before_request
            def require_admin():
                if not current_user.is_authenticated or not current_user.is_admin:
                    abort(403)

            @manage_bp.post("/")
            def add_faq():
                db.session.add(Faq(question=request.form["q"], answer=request.form["a"], author_id=current_user.id))
                db.session.commit()
                return "", 201

            @public_bp.get("/faq")
            def faq():
                return {"faq": [(f.question, f.answer) for f in Faq.query.order_by(Faq.id).all()]}
            """
        ),
    ),
    (
        "admin-decorator-from-another-module",
        _shop(
            auth="""
            from functools import wraps

            from flask import abort
            from flask_login import current_user

            def admin_required(view):
                @wraps(view)
                def wrapped(*args, **kwargs):
                    if not current_user.is_admin:
                        abort(403)
                    return view(*args, **kwargs)
                return wrapped
            """,
            shipping="""
            from datetime import datetime

            from flask import Blueprint, request

            from auth import admin_required
            from models import db

            class ShippingZone(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(60))
                fee = db.Column(db.Numeric(6, 2))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("shipping", __name__)

            @bp.post("/admin/zones")
            @admin_required
            def add_zone():
                db.session.add(ShippingZone(name=request.form["name"], fee=request.form["fee"]))
                db.session.commit()
                return "", 201

            @bp.get("/zones")
            def zones():
                return {"zones": [(z.name, str(z.fee)) for z in ShippingZone.query.all()]}
            """,
        ),
    ),
    (
        "cron-script-without-main-guard",
        _shop(
            **{
                "tools/close_stale_orders.py": """
                from datetime import datetime, timedelta

                from app import create_app
                from models import Order, db

                app = create_app()
                with app.app_context():
                    cutoff = datetime.utcnow() - timedelta(days=30)
                    for order in Order.query.filter(Order.status == "new", Order.created_at < cutoff).all():
                        order.status = "abandoned"
                    db.session.commit()
                """
            }
        ),
    ),
    (
        "admin-claim-checked-in-a-jwt-api",
        _shop(
            coupons="""
            from datetime import datetime

            from flask import Blueprint, request
            from flask_jwt_extended import get_jwt, get_jwt_identity, jwt_required

            from models import db

            class Coupon(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                code = db.Column(db.String(20))
                percent = db.Column(db.Integer)
                creator_id = db.Column(db.Integer, db.ForeignKey("user.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("coupons", __name__)

            @bp.post("/api/coupons")
            @jwt_required()
            def create_coupon():
                if not get_jwt().get("is_admin"):
                    return {"msg": "admins only"}, 403
                db.session.add(
                    Coupon(code=request.json["code"], percent=request.json["percent"], creator_id=get_jwt_identity())
                )
                db.session.commit()
                return {}, 201

            @bp.get("/api/coupons")
            def coupons():
                return {"coupons": [(c.code, c.percent) for c in Coupon.query.all()]}
            """
        ),
    ),
    (
        "role-required-decorator-with-argument",
        _shop(
            auth="""
            from functools import wraps

            from flask import abort
            from flask_login import current_user

            def role_required(role):
                def decorator(view):
                    @wraps(view)
                    def wrapped(*args, **kwargs):
                        if not current_user.is_authenticated or not current_user.has_role(role):
                            abort(403)
                        return view(*args, **kwargs)
                    return wrapped
                return decorator
            """,
            banners="""
            from datetime import datetime

            from flask import Blueprint, request

            from flask_login import current_user

            from auth import role_required
            from models import db

            class Banner(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                image = db.Column(db.String(200))
                uploaded_by = db.Column(db.Integer, db.ForeignKey("user.id"))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("banners", __name__)

            @bp.post("/banners")
            @role_required("admin")
            def add_banner():
                db.session.add(Banner(image=request.form["image"], uploaded_by=current_user.id))
                db.session.commit()
                return "", 201

            @bp.get("/banners")
            def banners():
                return {"banners": [b.image for b in Banner.query.order_by(Banner.id).all()]}
            """,
        ),
    ),
    (
        "flask-principal-admin-permission",
        _shop(
            regions="""
            from datetime import datetime

            from flask import Blueprint, request
            from flask_principal import Permission, RoleNeed

            from models import db

            admin_permission = Permission(RoleNeed("admin"))

            class Region(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(60))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            bp = Blueprint("regions", __name__)

            @bp.post("/regions")
            @admin_permission.require(http_exception=403)
            def add_region():
                db.session.add(Region(name=request.form["name"]))
                db.session.commit()
                return "", 201

            @bp.get("/regions")
            def regions():
                return {"regions": [r.name for r in Region.query.all()]}
            """
        ),
    ),
    (
        "restx-resource-with-admin-method-decorators",
        _shop(
            auth="""
            from functools import wraps

            from flask import abort
            from flask_login import current_user

            def admin_required(view):
                @wraps(view)
                def wrapped(*args, **kwargs):
                    if not current_user.is_admin:
                        abort(403)
                    return view(*args, **kwargs)
                return wrapped
            """,
            api="""
            from datetime import datetime

            from flask import request
            from flask_restx import Namespace, Resource

            from auth import admin_required
            from models import db

            ns = Namespace("carriers")

            class Carrier(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                name = db.Column(db.String(60))
                created_at = db.Column(db.DateTime, default=datetime.utcnow)

            @ns.route("/admin")
            class CarrierAdmin(Resource):
                method_decorators = [admin_required]

                def post(self):
                    db.session.add(Carrier(name=request.json["name"]))
                    db.session.commit()
                    return {}, 201

            @ns.route("/")
            class Carriers(Resource):
                def get(self):
                    return [c.name for c in Carrier.query.all()]
            """,
        ),
    ),
    # ------------------------------------------------------------------ S10: configuration that is fine
    (
        "track-mods-false-and-echo-off",
        _configured(_config(base="SQLALCHEMY_TRACK_MODIFICATIONS = False\nSQLALCHEMY_ECHO = False")),
    ),
    (
        "nothing-set-3x-defaults",
        _configured(_config()),
    ),
    (
        "track-mods-on-for-models-committed",
        _configured(
            _config(base="SQLALCHEMY_TRACK_MODIFICATIONS = True"),
            search="""
            from flask_sqlalchemy.track_modifications import models_committed

            from app import create_app

            def reindex(sender, changes):
                for obj, operation in changes:
                    print(operation, obj)

            app = create_app()
            models_committed.connect(reindex, sender=app)
            """,
        ),
    ),
    (
        "echo-only-in-development-and-testing",
        _configured(_config(development="SQLALCHEMY_ECHO = True", testing="SQLALCHEMY_ECHO = True")),
    ),
    (
        "track-mods-only-in-testing",
        _configured(_config(testing="SQLALCHEMY_TRACK_MODIFICATIONS = True")),
    ),
    (
        "base-echo-overridden-by-production",
        _configured(_config(base="SQLALCHEMY_ECHO = True", production="SQLALCHEMY_ECHO = False")),
    ),
    (
        "echo-from-env-default-off",
        _configured(
            _config(base='SQLALCHEMY_ECHO = os.environ.get("SQLALCHEMY_ECHO", "false").lower() in ("1", "true")')
        ),
    ),
    (
        "echo-follows-debug",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                app.config["SQLALCHEMY_ECHO"] = app.debug
                if app.debug:
                    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "echo-set-under-debug-switch",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
                if os.environ.get("FLASK_DEBUG") == "1":
                    app.config["SQLALCHEMY_ECHO"] = True
                db.init_app(app)
                return app
            """
        },
    ),
    (
        "engine-echo-from-settings",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine

            SQL_ECHO = os.environ.get("SQL_ECHO") == "1"
            engine = create_engine(os.environ["DATABASE_URL"], echo=SQL_ECHO, pool_pre_ping=True)
            """
        },
    ),
    (
        "engine-echo-in-scripts-tests-migrations-and-main",
        {
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "scripts/seed.py": """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], echo=True)
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO role (name) VALUES ('admin')")
            """,
            "tests/conftest.py": """
            import pytest
            from sqlalchemy import create_engine

            @pytest.fixture
            def engine():
                return create_engine("sqlite://", echo=True)
            """,
            "migrations/env.py": """
            from alembic import context
            from sqlalchemy import create_engine

            def run_migrations_online():
                connectable = create_engine(context.config.get_main_option("sqlalchemy.url"), echo=True)
                with connectable.connect() as connection:
                    context.configure(connection=connection)
                    with context.begin_transaction():
                        context.run_migrations()
            """,
            "inspect_db.py": """
            import os
            from sqlalchemy import create_engine, inspect

            if __name__ == "__main__":
                engine = create_engine(os.environ["DATABASE_URL"], echo=True)
                print(inspect(engine).get_table_names())
            """,
        },
    ),
    (
        "echo-in-development-settings-module",
        {
            "settings/__init__.py": "",
            "settings/development.py": """
            SQLALCHEMY_DATABASE_URI = "postgresql://localhost/app_dev"
            SQLALCHEMY_ECHO = True
            SQLALCHEMY_TRACK_MODIFICATIONS = True
            """,
            "settings/production.py": """
            import os

            SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
            """,
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config.from_object(f"settings.{os.environ.get('APP_ENV', 'production')}")
                db.init_app(app)
                return app
            """,
        },
    ),
    (
        "pool-large-enough-for-the-threads",
        _configured(
            _config(base='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 16, "max_overflow": 4, "pool_pre_ping": True}'),
            **{"gunicorn.conf.py": GUNICORN_THREADS},
        ),
    ),
    (
        "small-pool-sync-workers",
        _configured(
            _config(base='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 2, "max_overflow": 0, "pool_pre_ping": True}'),
            **{
                "gunicorn.conf.py": """
                bind = "0.0.0.0:8000"
                workers = 8
                timeout = 30
                """
            },
        ),
    ),
    (
        "overflow-covers-the-threads",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=10, pool_pre_ping=True)
            """,
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "Procfile": "web: gunicorn --workers 2 --threads 8 app:app\n",
        },
    ),
    (
        "null-pool-with-threads",
        {
            "db.py": """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
            """,
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "gunicorn.conf.py": GUNICORN_THREADS,
        },
    ),
    (
        "default-pool-covers-the-threads",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "postgresql://app@db/app")
                db.init_app(app)
                return app
            """,
            "gunicorn.conf.py": "workers = 4\nworker_class = 'gthread'\nthreads = 12\n",
        },
    ),
    (
        "default-pool-sqlite-file",
        {
            "db.py": """
            from sqlalchemy import create_engine

            engine = create_engine("sqlite:///app.db")
            """,
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            """,
            "gunicorn.conf.py": "workers = 1\nthreads = 32\n",
        },
    ),
    (
        "echo-follows-a-debug-setting-and-local-config",
        {
            "settings.py": """
            import os

            DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"
            SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
            SQLALCHEMY_ECHO = DEBUG
            """,
            "config/__init__.py": "",
            "config/local.py": """
            SQLALCHEMY_ECHO = True
            SQLALCHEMY_ENGINE_OPTIONS = {"echo": True, "pool_size": 1}
            """,
            "app.py": """
            import os
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.from_object("settings")
            if os.environ.get("APP_ENV") == "local":
                app.config.from_object("config.local")
            db = SQLAlchemy(app)
            """,
            "gunicorn.conf.py": GUNICORN_THREADS.replace("threads = 16", "threads = 8"),
        },
    ),
    (
        "track-mods-on-for-a-connect-via-receiver",
        _configured(
            _config(production="SQLALCHEMY_TRACK_MODIFICATIONS = True"),
            audit="""
            from flask_sqlalchemy.track_modifications import models_committed

            from app import create_app

            app = create_app()

            @models_committed.connect_via(app)
            def audit(sender, changes):
                for obj, operation in changes:
                    print(operation, obj)
            """,
        ),
    ),
    (
        "small-pool-only-in-testing",
        _configured(
            _config(testing='SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 1, "max_overflow": 0}'),
            **{"gunicorn.conf.py": GUNICORN_THREADS},
        ),
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        path = name if "." in name.rsplit("/", 1)[-1] or name in ("Procfile", "Dockerfile") else f"{name}.py"
        sources[path] = textwrap.dedent(text).lstrip("\n")
    return sources


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES)


#: FD205 is a note by design (track modifications costs a bounded amount per commit); the others warn.
LEAST = {"FD205": Severity.NOTE}
#: Variants that are notes by design: FD201 in a background job (no request waits on the load).
LEAST_BY_VARIANT = {"celery-task-sums-every-paid-order": Severity.NOTE}

#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {
    "purge-job-loads-every-old-order": (
        "a job that deletes the rows it selects reads as a work queue it drains (each run sees the backlog since "
        "the last); only the first run after a long pause loads many rows, so FD201 stays quiet (precision first)"
    ),
}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, files, least",
    [
        pytest.param(
            rule, files, LEAST_BY_VARIANT.get(name, LEAST.get(rule, Severity.WARNING)), id=name, marks=_mark(name)
        )
        for name, rule, files in BAD
    ],
)
def test_bad_variant_is_reported(rule, files, least):
    found = _found(files)
    assert any(f.code == rule and f.severity >= least for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]
