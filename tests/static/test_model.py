"""The project model on small real-looking projects: apps, routes, jobs, contexts, config."""

from __future__ import annotations

import textwrap

from flask_doctor.static.model import CLI, FACTORY, JOB, MAIN, REQUEST
from flask_doctor.static.runner import analyse_sources


def project(files: dict[str, str]):
    return analyse_sources({path: textwrap.dedent(text).lstrip() for path, text in files.items()}, select=[]).project


SHOP = {
    "shop/__init__.py": """
        from flask import Flask
        from shop.extensions import db

        def create_app(config="shop.config.ProductionConfig"):
            app = Flask(__name__)
            app.config.from_object(config)
            db.init_app(app)
            from shop.views import bp
            from shop.api import ItemAPI
            app.register_blueprint(bp)
            app.add_url_rule("/items/<int:id>", view_func=ItemAPI.as_view("item"))
            return app
        """,
    "shop/extensions.py": """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()
        """,
    "shop/views.py": """
        import time
        from flask import Blueprint
        from .helpers import load

        bp = Blueprint("shop", __name__)

        @bp.get("/")
        def index():
            return load()

        @bp.before_app_request
        def before():
            pass

        @bp.app_errorhandler(404)
        def missing(e):
            return "missing", 404
        """,
    "shop/helpers.py": """
        def load():
            return deeper()

        def deeper():
            return "x"
        """,
    "shop/api.py": """
        from flask.views import MethodView

        class ItemAPI(MethodView):
            def get(self, id):
                return str(id)

            def _private(self):
                pass
        """,
    "shop/tasks.py": """
        from celery import shared_task
        import click
        from shop.helpers import deeper

        @shared_task(bind=True, max_retries=3)
        def sync(self):
            deeper()

        @click.command()
        def seed():
            deeper()

        if __name__ == "__main__":
            seed()
        """,
    "shop/config.py": """
        class Config:
            DEBUG = False

        class ProductionConfig(Config):
            SECRET_KEY = "x"

        class DevelopmentConfig(Config):
            DEBUG = True

        class TestingConfig(Config):
            TESTING = True
        """,
    "shop/models.py": """
        from shop.extensions import db

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String, unique=True)
            posts = db.relationship("Post", backref="author")
            roles = db.relationship("Role", lazy="selectin")
        """,
}


def test_routes_hooks_error_handlers_and_method_views() -> None:
    p = project(SHOP)
    views = {f.qualname for f in p.views()}
    assert views == {"shop.views.index", "shop.api.ItemAPI.get"}
    index = p.functions["shop.views.index"]
    assert [(r.rule, r.methods) for r in index.routes] == [("/", ("GET",))]
    assert "hook" in p.functions["shop.views.before"].roles
    assert "error_handler" in p.functions["shop.views.missing"].roles
    assert "view" not in p.functions["shop.api.ItemAPI._private"].roles


def test_contexts_propagate_through_helpers_with_the_chain() -> None:
    p = project(SHOP)
    deeper = p.functions["shop.helpers.deeper"]
    assert {REQUEST, JOB, CLI, MAIN} <= deeper.contexts
    assert p.chain("shop.helpers.deeper", REQUEST) == ["shop.views.index", "shop.helpers.load", "shop.helpers.deeper"]
    assert FACTORY in p.functions["shop.create_app"].roles
    assert p.has_factory()


def test_tasks_and_cli_commands() -> None:
    p = project(SHOP)
    sync = p.functions["shop.tasks.sync"]
    assert "task" in sync.roles and set(sync.task_options) == {"bind", "max_retries"}
    assert "cli" in p.functions["shop.tasks.seed"].roles


def test_config_environments() -> None:
    p = project(SHOP)
    envs = {(c.owner.rsplit(".", 1)[-1], c.key): c.env for c in p.config}
    assert envs[("ProductionConfig", "SECRET_KEY")] == "production"
    assert envs[("DevelopmentConfig", "DEBUG")] == "development"
    assert envs[("TestingConfig", "TESTING")] == "testing"
    base_debug = next(c for c in p.config if c.owner.endswith(".Config") and c.key == "DEBUG")
    assert base_debug.env == "base" and p.is_production(base_debug)


def test_models_and_relationships() -> None:
    p = project(SHOP)
    user = p.models["User"]
    assert user.unique_columns == {"id", "email"}
    assert user.relationships["posts"].lazy == "select"
    assert user.relationships["roles"].lazy == "selectin"


def test_typed_mappings_name_the_related_class_in_their_annotation() -> None:
    from flask_doctor.static.facts.orm.models import relations

    p = project(
        {
            "models.py": """
            from typing import List, Optional
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship

            class Base(DeclarativeBase):
                pass

            class Depot(Base):
                __tablename__ = "depot"
                id: Mapped[int] = mapped_column(primary_key=True)
                parcels: Mapped[List["Parcel"]] = relationship(back_populates="depot")
                archive: WriteOnlyMapped["Parcel"] = relationship(viewonly=True)

            class Parcel(Base):
                __tablename__ = "parcel"
                id: Mapped[int] = mapped_column(primary_key=True)
                depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
                depot: Mapped["Depot"] = relationship(back_populates="parcels")
                backup: Mapped[Optional[Depot]] = relationship(foreign_keys=[depot_id], viewonly=True)
                spare: Mapped["Depot | None"] = relationship(viewonly=True)
                named: Mapped["Depot"] = relationship("models.Depot", viewonly=True)
            """
        }
    )
    parcel = relations(p, p.models["Parcel"])
    depot = relations(p, p.models["Depot"])
    assert {name: (r.target, r.scalar) for name, r in parcel.items()} == {
        "depot": ("Depot", True),
        "backup": ("Depot", True),
        "spare": ("Depot", True),
        "named": ("models.Depot", True),
    }
    assert {name: (r.target, r.scalar) for name, r in depot.items()} == {
        "parcels": ("Parcel", False),
        "archive": ("Parcel", False),
    }


def test_a_single_column_constraint_in_table_args_makes_it_unique() -> None:
    p = project(
        {
            "models.py": """
            from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, UniqueConstraint
            from sqlalchemy.orm import declarative_base
            Base = declarative_base()

            class Run(Base):
                __tablename__ = "runs"
                run_uuid = Column(String(32), nullable=False)
                slug = Column(String)
                owner = Column(String)
                step = Column(Integer)
                __table_args__ = (
                    PrimaryKeyConstraint("run_uuid", name="run_pk"),
                    UniqueConstraint("slug"),
                    UniqueConstraint("owner", "step"),
                )
            """
        }
    )
    assert p.models["Run"].unique_columns == {"run_uuid", "slug"}


def test_columns_of_a_composite_primary_key_are_not_unique_alone() -> None:
    p = project(
        {
            "models.py": """
            from sqlalchemy import Column, Date, ForeignKey, Integer, String
            from sqlalchemy.orm import declarative_base
            Base = declarative_base()

            class Reading(Base):
                __tablename__ = "readings"
                region = Column(String, primary_key=True)
                release_id = Column(Integer, ForeignKey("releases.id"), primary_key=True)
                day = Column(Date, primary_key=True)
                code = Column(String, unique=True)
            """
        }
    )
    reading = p.models["Reading"]
    assert reading.unique_columns == {"code"}
    assert reading.primary_key == ("region", "release_id", "day")


def test_app_config_in_debug_branch_is_development() -> None:
    p = project(
        {
            "app.py": """
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "a"
            if app.debug:
                app.config["SQLALCHEMY_ECHO"] = True
            if not app.debug:
                app.config["SESSION_COOKIE_SECURE"] = True
            """,
        }
    )
    envs = {c.key: c.env for c in p.config}
    assert envs == {"SECRET_KEY": "base", "SQLALCHEMY_ECHO": "development", "SESSION_COOKIE_SECURE": "production"}


def test_import_graph_records_function_and_type_checking_imports() -> None:
    p = project(
        {
            "pkg/__init__.py": """
            from flask import Flask
            app = Flask(__name__)
            from pkg import views
            """,
            "pkg/views.py": """
            from typing import TYPE_CHECKING
            from pkg import app
            if TYPE_CHECKING:
                from pkg.models import User

            def f():
                from pkg import models
            """,
        }
    )
    records = {(r.module, r.in_function, r.in_type_checking) for r in p.imports["pkg.views"]}
    assert ("pkg", False, False) in records
    assert ("pkg.models", False, True) in records
    assert ("pkg", True, False) in records
    bottom = [r for r in p.imports["pkg"] if r.module == "pkg"]
    assert bottom and bottom[0].at_bottom


def test_helper_called_by_views_and_tests_is_application_code() -> None:
    """A test calling a helper does not make the view's call harmless (seen in real apps)."""
    from flask_doctor.static.runner import analyse_sources

    sources = {
        "shop/__init__.py": "",
        "shop/rates.py": "import requests\n\ndef fetch_rates():\n    return requests.get('https://rates.example').json()\n",
        "shop/views.py": (
            "from flask import Blueprint\nfrom shop.rates import fetch_rates\nbp = Blueprint('b', __name__)\n\n"
            "@bp.get('/rates')\ndef rates():\n    return fetch_rates()\n"
        ),
        "tests/test_rates.py": "from shop.rates import fetch_rates\n\ndef test_rates():\n    assert fetch_rates()\n",
        "shop/testlib.py": "import requests\n\ndef fake_server_up():\n    return requests.get('http://localhost:9')\n",
        "tests/test_server.py": "from shop.testlib import fake_server_up\n\ndef test_up():\n    fake_server_up()\n",
    }
    found = {(f.code, f.location.path) for f in analyse_sources(sources, select=["FD402"]).findings}
    assert ("FD402", "shop/rates.py") in found
    assert ("FD402", "shop/testlib.py") not in found


def test_a_module_too_deep_to_walk_is_reported_and_the_rest_modelled() -> None:
    import ast
    import sys

    from flask_doctor.static.runner import build_model
    from flask_doctor.static.source import SourceModule

    deep_text = "def f():\n    return " + " + ".join(f"'s{i}'" for i in range(600)) + "\n"
    good_text = "def g():\n    return 1\n"
    modules = [
        SourceModule("deep.py", "deep", deep_text, ast.parse(deep_text)),
        SourceModule("good.py", "good", good_text, ast.parse(good_text)),
    ]
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # as a Python without the deep limit would be
    try:
        project, kept, problems = build_model(modules)
    finally:
        sys.setrecursionlimit(previous)
    assert [m.path for m in kept] == ["good.py"]
    assert [(p.code, p.location.path) for p in problems] == [("FD002", "deep.py")]
    assert "good.g" in project.functions


# ------------------------------------------------------------- dispatch edges
PLUGINS = {
    "certs/__init__.py": "",
    "certs/bases/__init__.py": "from .issuer import IssuerPlugin\n",
    "certs/bases/issuer.py": """
        class IssuerPlugin:
            def create_certificate(self, csr):
                raise NotImplementedError
        """,
    "certs/digicert.py": """
        from certs.bases import IssuerPlugin

        class DigiCertIssuer(IssuerPlugin):
            def create_certificate(self, csr):
                return self._post(csr)

            def _post(self, csr):
                return csr
        """,
    "certs/registry.py": """
        class PluginManager:
            def get(self, name):
                return None

        plugins = PluginManager()
        """,
    "certs/dns/__init__.py": "",
    "certs/dns/route53.py": "def create_txt_record(domain):\n    return domain\n",
    "certs/dns/nsone.py": "def create_txt_record(domain):\n    return domain\n",
    "certs/acme.py": """
        from certs.dns import route53, nsone

        def provider(kind):
            return {"route53": route53, "nsone": nsone}[kind]

        def challenge(kind, domain):
            dns = provider(kind)
            dns.create_txt_record(domain)
        """,
    "certs/views.py": """
        import threading
        from flask import Blueprint
        from flask_login import LoginManager
        from certs.registry import plugins
        from certs.acme import challenge
        bp = Blueprint("certs", __name__)
        login_manager = LoginManager()

        @login_manager.user_loader
        def load_user(user_id):
            return user_id

        def audit():
            return 1

        @bp.post("/certificates")
        def issue():
            issuer = plugins.get("digicert")
            issuer.create_certificate("csr")
            challenge("nsone", "example.com")
            threading.Thread(target=audit).start()
            return "ok"
        """,
}


def test_plugins_behind_an_abstract_method_a_registry_of_modules_and_re_exports_are_reached() -> None:
    p = project(PLUGINS)
    assert p.classes["certs.digicert.DigiCertIssuer"].bases == ["certs.bases.issuer.IssuerPlugin"]
    assert REQUEST in p.functions["certs.digicert.DigiCertIssuer._post"].contexts
    assert p.chain("certs.digicert.DigiCertIssuer._post", REQUEST) == [
        "certs.views.issue",
        "certs.digicert.DigiCertIssuer.create_certificate",
        "certs.digicert.DigiCertIssuer._post",
    ]
    assert REQUEST in p.functions["certs.dns.nsone.create_txt_record"].contexts
    assert REQUEST in p.functions["certs.dns.route53.create_txt_record"].contexts


def test_extension_callbacks_run_in_requests_and_threads_a_view_starts_are_jobs() -> None:
    p = project(PLUGINS)
    load_user = p.functions["certs.views.load_user"]
    assert "callback" in load_user.roles and REQUEST in load_user.contexts
    assert p.functions["certs.views.audit"].contexts == {JOB}


def test_class_given_as_view_func_and_base_class_dispatch_to_overrides() -> None:
    p = project(
        {
            "rh.py": """
            class RH:
                def process(self):
                    return self._process()

                def _process(self):
                    raise NotImplementedError
            """,
            "controllers.py": """
            from rh import RH

            class RHVersionCheck(RH):
                def _process(self):
                    return check()

            def check():
                return "1.0"
            """,
            "blueprint.py": """
            from flask import Blueprint
            from controllers import RHVersionCheck
            bp = Blueprint("core", __name__)
            bp.add_url_rule("/version-check", "version_check", RHVersionCheck)
            """,
        }
    )
    assert "callback" in p.functions["rh.RH.process"].roles
    assert p.chain("controllers.check", REQUEST) == [
        "rh.RH.process",
        "controllers.RHVersionCheck._process",
        "controllers.check",
    ]


def test_a_project_decorator_that_enqueues_makes_a_job_and_keeps_the_request_out() -> None:
    p = project(
        {
            "app.py": """
        import functools
        from rq import Queue
        from flask import Flask
        app = Flask(__name__)
        queue = Queue()

        def background(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                return queue.enqueue(func, *args, **kwargs)
            return wrapper

        @background
        def sync_crm(user_id):
            return user_id

        @app.post("/users")
        def create_user():
            sync_crm(1)
            return "ok"
        """
        }
    )
    sync = p.functions["app.sync_crm"]
    assert "task" in sync.roles and sync.contexts == {JOB}
    assert REQUEST in p.functions["app.background.wrapper"].contexts


def test_a_star_import_binds_the_names_of_a_project_module() -> None:
    p = project(
        {
            "runners/__init__.py": """
        __all__ = ["BaseRunner", "register"]

        class BaseRunner:
            def check(self):
                raise NotImplementedError()

        class _Hidden:
            pass

        registry = {}

        def register(cls):
            registry[cls.__name__] = cls
        """,
            "runners/http.py": """
        from runners import *

        class HttpRunner(BaseRunner):
            def check(self):
                return "ok"

        register(HttpRunner)
        """,
            "runners/plain.py": """
        from runners.http import *

        class Other(HttpRunner):
            pass
        """,
        }
    )
    assert p.classes["runners.http.HttpRunner"].bases == ["runners.BaseRunner"]
    assert p.classes["runners.plain.Other"].bases == ["runners.http.HttpRunner"]
    assert "registry" not in p.module_imports.get("runners.http", p.functions["runners.register"].imports).aliases


def test_a_partial_of_a_job_decorator_class_makes_a_job() -> None:
    p = project(
        {
            "queueing.py": """
        from functools import partial
        from redis import Redis
        from rq.decorators import job as rq_job

        class CountingJob(rq_job):
            queue_class = None

        job = partial(CountingJob, connection=Redis())
        plain = partial(rq_job, connection=Redis())
        """,
            "celery_app.py": """
        from functools import partial
        from celery import Celery

        celery = Celery("work")
        bound_task = partial(celery.task, bind=True, acks_late=True)
        """,
            "billing.py": """
        from celery_app import bound_task

        @bound_task()
        def invoice(self, order_id):
            return order_id
        """,
            "work.py": """
        import requests
        from queueing import CountingJob, job, plain

        @job("default")
        def forward(event):
            requests.post("https://hooks.example.com", json=event)

        @plain("low")
        def ping(url):
            requests.get(url)

        @CountingJob("high")
        def purge(key):
            return key

        def helper(value):
            return value
        """,
        }
    )
    for name in ("work.forward", "work.ping", "work.purge", "billing.invoice"):
        assert "task" in p.functions[name].roles, name
    assert set(p.functions["billing.invoice"].task_options) == {"bind", "acks_late"}
    assert "task" not in p.functions["work.helper"].roles


def test_a_method_called_on_a_library_object_never_dispatches_into_the_project() -> None:
    p = project(
        {
            "app.py": """
        import re
        from flask import Flask
        app = Flask(__name__)

        class Matcher:
            def search(self, text):
                raise NotImplementedError

        class Words(Matcher):
            def search(self, text):
                return text

        @app.get("/")
        def index():
            pattern = re.compile("a")
            return str(pattern.search("abc"))
        """
        }
    )
    assert p.functions["app.Words.search"].contexts == set()


def test_a_signal_a_library_namespace_makes_in_another_module_never_dispatches_into_the_project() -> None:
    """``certificate_issued.send(...)`` is blinker's, not the notification plugins' ``send``: the module that
    builds the signal (``signals.signal(...)`` on a ``Namespace()`` of a third module) shows the library."""
    p = project(
        {
            "ext.py": """
        from blinker import Namespace
        signals = Namespace()
        """,
            "service.py": """
        from ext import signals
        certificate_issued = signals.signal("certificate_issued")

        def create(cert):
            certificate_issued.send(certificate=cert)
            return cert
        """,
            "plugins.py": """
        class NotificationPlugin:
            def send(self, data):
                raise NotImplementedError

        class EmailPlugin(NotificationPlugin):
            def send(self, data):
                return data
        """,
            "app.py": """
        from flask import Flask
        from service import create
        app = Flask(__name__)

        @app.post("/certs")
        def certs():
            return create("x")
        """,
        }
    )
    assert REQUEST in p.functions["service.create"].contexts
    assert p.functions["plugins.EmailPlugin.send"].contexts == set()


def test_a_class_a_function_returns_as_type_is_built_and_test_doubles_stay_out_of_production_paths() -> None:
    """``get_backend(name) -> type[BaseBackend]`` then ``Backend(source).harvest()`` runs the hierarchy's
    methods; a test's subclass of it is never reached from the job."""
    p = project(
        {
            "backends.py": """
        class BaseBackend:
            def __init__(self, source):
                self.source = source

            def harvest(self):
                return self.inner_harvest()

            def inner_harvest(self):
                raise NotImplementedError

        class DcatBackend(BaseBackend):
            def inner_harvest(self):
                return self.source

        def get_backend(name: str) -> type[BaseBackend]:
            return {"dcat": DcatBackend}[name]
        """,
            "tasks.py": """
        from celery import shared_task
        from backends import get_backend

        @shared_task
        def harvest(name, source):
            Backend = get_backend(name)
            backend = Backend(source)
            return backend.harvest()
        """,
            "tests/test_backends.py": """
        from backends import BaseBackend

        class FakeBackend(BaseBackend):
            def inner_harvest(self):
                return "fake"

        def test_harvest():
            assert FakeBackend("s").harvest() == "fake"
        """,
        }
    )
    assert JOB in p.functions["backends.BaseBackend.harvest"].contexts
    assert JOB in p.functions["backends.DcatBackend.inner_harvest"].contexts
    fake = next(f for q, f in p.functions.items() if q.endswith("FakeBackend.inner_harvest"))
    assert JOB not in fake.contexts


def test_a_row_looked_up_by_a_query_is_an_instance_of_its_model() -> None:
    """``forum = Forum.query...first_or_404()`` types ``forum``, so ``forum.delete()`` reaches ``Forum.delete``."""
    p = project(
        {
            "app.py": """
            from flask import Flask, session
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            class Forum(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def delete(self):
                    db.session.delete(self)

            class Topic(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def delete(self):
                    db.session.delete(self)

            @app.post("/forums/<int:fid>/delete")
            def delete_forum(fid):
                forum = Forum.query.filter_by(id=fid).first_or_404()
                topic = db.session.get(Topic, fid)
                seen = session.get("seen")
                forum.delete()
                return "ok"
            """
        }
    )
    view = p.functions["app.delete_forum"]
    assert view.local_types.get("forum") == "app.Forum"
    assert view.local_types.get("topic") == "app.Topic"
    assert view.local_types.get("seen") != "app.Forum"
    assert REQUEST in p.functions["app.Forum.delete"].contexts
    assert REQUEST not in p.functions["app.Topic.delete"].contexts


def test_a_property_read_runs_its_getter_and_an_ambiguous_name_reaches_none() -> None:
    """``self.total`` and ``row.effective_rate`` run getters (a setter of the same name does not hide
    the getter); ``row.status_text`` reaches nothing, as another class stores an attribute of that name."""
    p = project(
        {
            "app.py": """
            from flask import Flask
            app = Flask(__name__)

            class Loan:
                @property
                def effective_rate(self):
                    return self.total

                @effective_rate.setter
                def effective_rate(self, value):
                    self.fixed = value

                @property
                def total(self):
                    return 1

                @property
                def status_text(self):
                    return "open"

            class Payment:
                def __init__(self):
                    self.status_text = "paid"

            @app.get("/loans")
            def loans():
                rows = {"a": Loan()}
                return {k: (rows[k].effective_rate, rows[k].status_text) for k in rows}
            """
        }
    )
    assert p.chain("app.Loan.total", REQUEST) == ["app.loans", "app.Loan.effective_rate", "app.Loan.total"]
    assert p.functions["app.Loan.effective_rate.setter"].contexts == set()  # the setter is not read
    assert p.functions["app.Loan.status_text"].contexts == set()


def test_a_class_method_called_through_its_own_module_class_is_resolved() -> None:
    p = project(
        {
            "app.py": """
            from flask import Flask
            app = Flask(__name__)

            class Launcher:
                @classmethod
                def launch(cls, name):
                    return name

                @classmethod
                def start(cls, name):
                    return Launcher.launch(name)

            @app.get("/")
            def index():
                return Launcher.start("x")
            """
        }
    )
    assert REQUEST in p.functions["app.Launcher.launch"].contexts


def test_a_class_loaded_by_a_computed_name_is_any_plugin_class_and_a_thread_it_builds_runs_apart() -> None:
    plugin = """
        import threading

        class {name}:
            def __init__(self):
                self.ready = True

        class {name}Worker(threading.Thread):
            def run(self):
                return None
        """
    files = {
        "app.py": """
            from flask import Flask, request
            from core.loader import load
            app = Flask(__name__)

            @app.post("/run")
            def run_plugin():
                load(request.json["plugin"]).ready
                return "ok"
            """,
        "core/__init__.py": "",
        "core/loader.py": """
            def load(name):
                module = __import__("core.plugins." + name + "." + name, fromlist=[name.capitalize()])
                klass = getattr(module, name.capitalize())
                return klass()
            """,
        "core/plugins/__init__.py": "",
    }
    for name in ("alpha", "beta", "gamma"):
        files[f"core/plugins/{name}/__init__.py"] = ""
        files[f"core/plugins/{name}/{name}.py"] = plugin.format(name=name.capitalize())
    p = project(files)
    init = "core.plugins.beta.beta.Beta.__init__"
    assert REQUEST in p.functions[init].contexts
    # the view chooses the plugin (from the request): the edge, and the "configuration chooses" mark, are its
    assert ("app.run_plugin", init) in p.loaded_by_name
    assert p.functions["core.plugins.beta.beta.BetaWorker.run"].contexts == {JOB}


def _plugin_project(app: str, loader: str | None = None) -> dict[str, str]:
    """Neuron and TTS plugins loaded by a computed module path, and ``app`` using them."""
    files = {
        "app.py": app,
        "core/__init__.py": "",
        "core/loader.py": loader
        or """
            def load(package, name, folder=None):
                path = "core." + package + "." + name.lower() + "." + name.lower()
                module = __import__(path, fromlist=[name.capitalize()])
                klass = getattr(module, name.capitalize())
                return klass()
            """,
        "core/neuron.py": """
            class Neuron:
                def __init__(self, name, parameters=None):
                    self.name = name
                    self.parameters = parameters
            """,
        "core/neurons/__init__.py": "",
        "core/tts/__init__.py": "",
    }
    for package, names in (("neurons", ("install", "shell", "sleep")), ("tts", ("espeak", "pico", "marytts"))):
        for name in names:
            files[f"core/{package}/{name}/__init__.py"] = ""
            files[f"core/{package}/{name}/{name}.py"] = f"""
                class {name.capitalize()}:
                    def __init__(self):
                        self.ready = True

                    def say(self, words):
                        return words
                """
    return files


def test_a_loader_called_with_constants_builds_the_plugin_they_name_alone() -> None:
    p = project(
        _plugin_project("""
            from flask import Flask
            from core.loader import load
            app = Flask(__name__)

            @app.post("/install")
            def install():
                load("neurons", "install")
                return "ok"
            """)
    )
    assert REQUEST in p.functions["core.neurons.install.install.Install.__init__"].contexts
    for other in ("core.neurons.shell.shell.Shell", "core.tts.espeak.espeak.Espeak"):
        assert REQUEST not in p.functions[f"{other}.__init__"].contexts
    # the code names the plugin: no "configuration chooses" doubt
    assert not p.loaded_by_name


def test_a_plugin_name_passed_down_through_an_object_built_with_a_constant_is_chosen_by_the_first_caller() -> None:
    p = project(
        _plugin_project("""
            import click
            from flask import Flask, current_app
            from core.loader import load
            from core.neuron import Neuron
            app = Flask(__name__)

            class Launcher:
                @classmethod
                def launch(cls, neuron):
                    return load("neurons", neuron.name, folder=current_app.config.get("FOLDER"))

                @classmethod
                def start(cls, neuron):
                    return Launcher.launch(neuron)

            @app.post("/install")
            def install():
                neuron = Neuron(name="install", parameters={"sudo": True})
                Launcher.start(neuron)
                return "ok"

            @app.cli.command()
            def run_configured():
                Launcher.start(Neuron(name=current_app.config["NEURON"]))
            """)
    )
    neurons = "core.neurons"
    assert REQUEST in p.functions[f"{neurons}.install.install.Install.__init__"].contexts
    assert REQUEST not in p.functions[f"{neurons}.shell.shell.Shell.__init__"].contexts
    # the command reads the name from configuration: any neuron, but no TTS (the package is a constant)
    assert CLI in p.functions[f"{neurons}.shell.shell.Shell.__init__"].contexts
    assert CLI not in p.functions["core.tts.espeak.espeak.Espeak.__init__"].contexts
    assert ("app.run_configured", f"{neurons}.shell.shell.Shell.__init__") in p.loaded_by_name


def test_what_a_loader_returns_is_a_class_of_the_package_its_call_names() -> None:
    p = project(
        _plugin_project("""
            from flask import Flask, current_app
            from core.loader import load
            app = Flask(__name__)

            @app.post("/speak")
            def speak():
                load("tts", current_app.config["TTS"]).say("hello")
                return "ok"
            """)
    )
    assert REQUEST in p.functions["core.tts.espeak.espeak.Espeak.say"].contexts
    assert REQUEST not in p.functions["core.neurons.shell.shell.Shell.say"].contexts
    assert REQUEST not in p.functions["core.neurons.shell.shell.Shell.__init__"].contexts


def test_a_loader_handed_on_as_a_value_keeps_every_plugin_class() -> None:
    p = project(
        _plugin_project("""
            from concurrent.futures import ThreadPoolExecutor
            from flask import Flask
            from core.loader import load
            app = Flask(__name__)
            pool = ThreadPoolExecutor()

            @app.post("/install")
            def install():
                load("neurons", "install")
                pool.submit(load, "tts", "pico")
                return "ok"
            """)
    )
    # ``load`` runs without a call site that chooses: the loader keeps its edges to every plugin class
    assert ("core.loader.load", "core.neurons.shell.shell.Shell.__init__") in p.loaded_by_name


INTERFACES = """
    import abc
    from flask import Flask, request

    app = Flask(__name__)

    class DatasetSource(abc.ABC):
        @abc.abstractmethod
        def to_dict(self):
            raise NotImplementedError

    class HttpSource(DatasetSource):
        def to_dict(self):
            return {"url": self.url}

    class FileSource(DatasetSource):
        def to_dict(self):
            return {"path": self.path}

    class TraceLocation(abc.ABC):
        @abc.abstractmethod
        def to_dict(self):
            raise NotImplementedError

    class TableLocation(TraceLocation):
        def to_dict(self):
            return {"table": self.table}

    def lookup(key):
        return request.json[key]

    @app.get("/a")
    def unknown():
        return lookup("x").to_dict()

    @app.get("/b")
    def spelled():
        source = lookup("source")
        return source.to_dict()
    """


def test_a_method_name_unrelated_hierarchies_declare_reaches_only_the_one_the_receiver_spells() -> None:
    p = project({"app.py": INTERFACES})
    reached = {q for q, f in p.functions.items() if REQUEST in f.contexts and q.endswith(".to_dict")}
    # ``lookup(...).to_dict()`` says nothing about the object: no edge; ``source.to_dict()`` is a DatasetSource's
    assert reached == {"app.DatasetSource.to_dict", "app.HttpSource.to_dict", "app.FileSource.to_dict"}
    assert p.via[("app.HttpSource.to_dict", REQUEST)] == "app.spelled"


def test_a_method_name_one_hierarchy_declares_reaches_its_implementations_from_any_receiver() -> None:
    one = INTERFACES.replace(
        "class TableLocation(TraceLocation):\n        def to_dict(self):",
        "class TableLocation(TraceLocation):\n        def as_dict(self):",
    )
    one = one.replace(
        "class TraceLocation(abc.ABC):\n        @abc.abstractmethod\n        def to_dict(self):",
        "class TraceLocation(abc.ABC):\n        @abc.abstractmethod\n        def as_dict(self):",
    )
    p = project({"app.py": one})
    assert REQUEST in p.functions["app.HttpSource.to_dict"].contexts
    assert p.via[("app.HttpSource.to_dict", REQUEST)] == "app.unknown"


def test_a_receiver_spelling_two_hierarchies_class_names_alike_is_told_apart_by_their_packages() -> None:
    files = {
        "app.py": """
            from flask import Flask, g
            app = Flask(__name__)

            def current_store():
                return g.store

            @app.get("/scorers")
            def scorers():
                tracking_store = current_store()
                return tracking_store.list_scorers("1")
            """,
        "store/__init__.py": "",
        "store/tracking/__init__.py": "",
        "store/tracking/base.py": """
            class AbstractStore:
                def list_scorers(self, experiment_id):
                    raise NotImplementedError

            class SqlStore(AbstractStore):
                def list_scorers(self, experiment_id):
                    return [experiment_id]
            """,
        "scorers/__init__.py": "",
        "scorers/registry.py": """
            class AbstractScorerStore:
                def list_scorers(self, experiment_id):
                    raise NotImplementedError

            class DatabricksScorerStore(AbstractScorerStore):
                def list_scorers(self, experiment_id):
                    return []
            """,
    }
    p = project(files)
    assert REQUEST in p.functions["store.tracking.base.SqlStore.list_scorers"].contexts
    assert REQUEST not in p.functions["scorers.registry.DatabricksScorerStore.list_scorers"].contexts


def test_add_url_rule_gives_the_view_its_rule_and_methods() -> None:
    p = project(
        {
            "views.py": """
            def delete_job(job_id):
                return "deleted"

            def jobs():
                return "jobs"

            def edit(job_id):
                return "edited"
            """,
            "app.py": """
            from flask import Flask
            from views import delete_job, edit, jobs

            METHODS = ("GET", "POST")

            def register(app):
                app.add_url_rule("/jobs/<int:job_id>/delete", "delete_job", delete_job, methods=("POST",))
                app.add_url_rule("/jobs/", view_func=jobs)
                app.add_url_rule("/jobs/<int:job_id>/edit", "edit", edit, methods=METHODS)
            """,
        }
    )
    delete = p.functions["views.delete_job"]
    assert [(r.rule, r.methods) for r in delete.routes] == [("/jobs/<int:job_id>/delete", ("POST",))]
    assert [(r.rule, r.methods) for r in p.functions["views.jobs"].routes] == [("/jobs/", ("GET",))]
    edit = p.functions["views.edit"]
    assert "view" in edit.roles and edit.routes == []  # methods the code does not spell: not guessed


def test_blueprints_and_apps_a_project_helper_builds_route_views() -> None:
    """``blueprint = get_blueprint("tags", __name__)`` and ``app = create_app()``: what the helper returns
    (a ``Blueprint``, a ``Flask``) is what the name holds, so its routes are views. A helper that returns
    the app it is given builds nothing."""
    p = project(
        {
            "wiki/__init__.py": "from .factory import create_app\n",
            "wiki/factory.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                return app

            def configured(app):
                app.config["X"] = 1
                return app
            """,
            "wiki/shared.py": """
            from flask import Blueprint

            def get_blueprint(name, import_name):
                return Blueprint(name, import_name, template_folder="../templates")
            """,
            "wiki/tags.py": """
            from .shared import get_blueprint

            blueprint = get_blueprint("tags", __name__)

            @blueprint.route("/tags")
            def tags():
                return "tags"
            """,
            "wiki/wsgi.py": """
            from wiki import create_app

            app = create_app()

            @app.route("/health")
            def health():
                return "ok"
            """,
        }
    )
    assert p.objects["wiki.tags.blueprint"].type == "flask.Blueprint"
    assert p.objects["wiki.wsgi.app"].type == "flask.Flask"
    assert "view" in p.functions["wiki.tags.tags"].roles
    assert "view" in p.functions["wiki.wsgi.health"].roles
    assert "wiki.factory.configured" not in p.built_by


def test_a_def_decorated_by_an_attribute_of_its_own_name_keeps_the_first_def() -> None:
    """``@post_comment.object_extractor def post_comment(): ...`` registers a helper on the view and rebinds
    the name: the view keeps its qualified name and its route, the helper is ``post_comment.object_extractor``."""
    p = project(
        {
            "app.py": """
            from flask import Flask, request
            app = Flask(__name__)

            def logged(view):
                view.object_extractor = lambda f: view
                return view

            @app.post("/comment")
            @logged
            def post_comment():
                return "ok"

            @post_comment.object_extractor
            def post_comment():
                return {"id": request.args.get("id")}
            """
        }
    )
    assert p.functions["app.post_comment"].routes[0].rule == "/comment"
    assert "view" not in p.functions["app.post_comment.object_extractor"].roles


def test_config_a_flask_subclass_writes_on_self_is_the_app_config() -> None:
    """``self.config["SECRET_KEY"] = ...`` in a method of a ``Flask`` subclass sets the app's configuration;
    ``self.config[...]`` on any other class does not."""
    p = project(
        {
            "wiki/app.py": """
            import uuid
            from flask import Flask

            class WikiFlask(Flask):
                def __init__(self):
                    Flask.__init__(self, __name__)
                    self.config["SECRET_KEY"] = self.config["SECRET_KEY"] or str(uuid.uuid4())

            class Loader:
                def __init__(self):
                    self.config = {}
                    self.config["TIMEOUT"] = 5
            """
        }
    )
    keys = {s.key for s in p.config}
    assert "SECRET_KEY" in keys
    assert "TIMEOUT" not in keys


WORKERS = {
    "svc/__init__.py": "",
    "svc/rpc.py": """
        import oslo_messaging as messaging

        def get_server(target, endpoints):
            return messaging.get_rpc_server(TRANSPORT, target, endpoints, executor="threading")
        """,
    "svc/manager.py": """
        import cotyledon
        import requests
        from futurist import periodics
        from oslo_service import periodic_task
        from svc import rpc

        class Endpoint:
            def quote(self, ctxt, data):
                return fetch()

            def _private(self):
                return fetch()

        class Forwarder:
            def __init__(self, endpoint):
                self._endpoint = endpoint

            def __getattr__(self, name):
                return getattr(self._endpoint, name)

        class Server:
            def __init__(self):
                self.endpoint = Endpoint()
                endpoints = [self.endpoint]
                self.server = rpc.get_server(None, endpoints)
                self.other = rpc.get_server(None, endpoints=[Forwarder(self)])

        class Manager(Server):
            def create_lease(self, ctxt, values):
                return fetch()

            def start(self):
                return fetch()

            @periodic_task.periodic_task(spacing=60)
            def cleanup(self, ctxt):
                return fetch()

        class Processor(cotyledon.Service):
            def run(self):
                return fetch()

        def init():
            def sync():
                return fetch()

            return periodics.periodic(spacing=10)(sync)

        def fetch():
            return requests.get("https://example.org/rates")

        def unwired():
            return fetch()
        """,
    "svc/consumers.py": """
        from kombu.mixins import ConsumerMixin

        class Worker(ConsumerMixin):
            def get_consumers(self, Consumer, channel):
                return [Consumer(queues=[], callbacks=[self.on_task])]

            def on_task(self, body, message):
                return body

            def on_other(self, body, message):
                return body
        """,
}


def test_workers_a_messaging_or_scheduling_library_runs_are_job_roots() -> None:
    p = project(WORKERS)
    assert "rpc_endpoint" in p.functions["svc.manager.Endpoint.quote"].roles
    assert "rpc_endpoint" in p.functions["svc.manager.Manager.create_lease"].roles  # behind a forwarding endpoint
    assert not p.functions["svc.manager.Endpoint._private"].roles
    assert not p.functions["svc.manager.Manager.start"].roles  # a service's lifecycle, not a message
    assert "periodic_task" in p.functions["svc.manager.Manager.cleanup"].roles
    assert "periodic_task" in p.functions["svc.manager.init.sync"].roles
    assert "service" in p.functions["svc.manager.Processor.run"].roles
    assert "consumer" in p.functions["svc.consumers.Worker.on_task"].roles
    assert not p.functions["svc.consumers.Worker.on_other"].roles
    assert JOB in p.functions["svc.manager.fetch"].contexts
    assert not p.functions["svc.manager.unwired"].contexts


APP_ATTRIBUTE = """
from flask import Flask, current_app
from werkzeug.local import LocalProxy

class Store:
    def update(self):
        pass

class GitStore(Store):
    def update(self):
        pass

class Plain:
    def update(self):
        pass

class StoreApp(Flask):
    def __init__(self, store, other):
        super().__init__(__name__)
        self.store = store
        self.other = other
        {assertion}

current_store = LocalProxy(lambda: current_app.store)
current_other = LocalProxy(lambda: current_app.other)
app = StoreApp(GitStore(), Plain())

@app.post("/sync")
def sync():
    current_store.update()
    current_app.store.update()
    current_other.update()
    return "ok"
"""


def test_an_app_attribute_the_app_class_asserts_types_its_proxy() -> None:
    p = project({"app.py": APP_ATTRIBUTE.format(assertion="assert isinstance(self.store, Store)")})
    assert REQUEST in p.functions["app.GitStore.update"].contexts
    assert REQUEST in p.functions["app.Store.update"].contexts
    assert REQUEST not in p.functions["app.Plain.update"].contexts  # `other` is not typed: `update` is generic


def test_an_untyped_app_attribute_reaches_no_method_of_a_generic_name() -> None:
    p = project({"app.py": APP_ATTRIBUTE.format(assertion="pass")})
    assert not p.functions["app.GitStore.update"].contexts
    assert not p.functions["app.Plain.update"].contexts


def test_module_names_asking_each_folder_once_match_asking_the_disk(tmp_path) -> None:
    """``init_files()`` remembers each folder's answer for one run: the names are those of asking every time."""
    from flask_doctor.static.source import init_files, module_name_for

    (tmp_path / "shop" / "admin" / "reports").mkdir(parents=True)
    (tmp_path / "tools").mkdir()
    files = (
        "shop/__init__.py",
        "shop/views.py",
        "shop/admin/__init__.py",
        "shop/admin/forms.py",
        "shop/admin/reports/monthly.py",  # a namespace folder inside the package
        "tools/seed.py",
    )
    for path in files:
        (tmp_path / path).write_text("")
    has_init = init_files()
    for path in files:
        assert module_name_for(tmp_path / path, tmp_path, has_init) == module_name_for(tmp_path / path, tmp_path)
    assert module_name_for(tmp_path / "shop/admin/reports/monthly.py", tmp_path, has_init)[0] == (
        "shop.admin.reports.monthly"
    )
    # a later run asks again: a new ``__init__.py`` (``--watch``) is seen
    (tmp_path / "tools" / "__init__.py").write_text("")
    assert module_name_for(tmp_path / "tools/seed.py", tmp_path, init_files()) == ("tools.seed", False)


def test_a_folder_without_init_inside_a_package_is_a_namespace_package(tmp_path) -> None:
    """PEP 420: ``pkg/common/db/filters.py`` under ``pkg/__init__.py`` imports as ``pkg.common.db.filters``."""
    from flask_doctor.static.source import module_name_for

    (tmp_path / "pkg" / "common" / "db").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    for path in ("pkg/__init__.py", "pkg/common/db/__init__.py", "pkg/common/db/filters.py", "scripts/tool.py"):
        (tmp_path / path).write_text("")
    assert module_name_for(tmp_path / "pkg/common/db/filters.py", tmp_path) == ("pkg.common.db.filters", False)
    assert module_name_for(tmp_path / "scripts/tool.py", tmp_path) == ("tool", False)  # no package above it
    model = project(
        {
            "pkg/__init__.py": "",
            "pkg/common/helpers.py": "def narrowed(query):\n    return query\n",
            "pkg/views.py": "from pkg.common.helpers import narrowed\n",
        }
    )
    assert "pkg.common.helpers.narrowed" in model.functions


def test_a_class_given_to_add_resource_is_a_view_built_per_request() -> None:
    p = project(
        {
            "api/__init__.py": "",
            "api/base.py": """
        from restkit.resources import BaseEndpoint  # a library's Resource subclass the model does not know

        def open_store():
            return {}

        class StoreResource(BaseEndpoint):
            def __init__(self):
                self.store = open_store()

            def delete(self, key):
                return self.store.pop(key, None)
        """,
            "api/items.py": """
        from api.base import StoreResource

        class ItemEndpoint(StoreResource):
            def get(self, key):
                return self.lookup(key)

            def lookup(self, key):
                return self.store.get(key)
        """,
            "api/app.py": """
        from flask import Flask
        from flask_restful import Api
        from api.items import ItemEndpoint

        app = Flask(__name__)
        api = Api(app)
        api.add_resource(ItemEndpoint, "/items/<key>")
        """,
        }
    )
    assert "view" in p.functions["api.items.ItemEndpoint.get"].roles
    assert REQUEST in p.functions["api.items.ItemEndpoint.lookup"].contexts
    # the inherited verb and constructor run for every request to the registered class
    assert "view" in p.functions["api.base.StoreResource.delete"].roles
    assert REQUEST in p.functions["api.base.StoreResource.__init__"].contexts
    assert REQUEST in p.functions["api.base.open_store"].contexts


def test_a_function_handed_to_a_project_helper_that_enqueues_it_is_a_job() -> None:
    p = project(
        {
            "svc/__init__.py": "",
            "svc/queueing.py": """
        from multiprocessing import Process
        from rq import Queue
        from redis import Redis

        def _to_queue(queue, timeout, func, *args):
            queue.enqueue(func, *args, job_timeout=timeout)

        def submit(timeout, func, *args):
            _to_queue(Queue(connection=Redis()), timeout, func, *args)

        def in_process(func, *args):
            Process(target=func, args=args).start()

        def run_now(func, *args):
            return func(*args)
        """,
            "svc/jobs.py": """
        import time

        def rebuild(data):
            time.sleep(60)

        def spawn_report(data):
            time.sleep(60)

        def quick(data):
            return data
        """,
            "svc/views.py": """
        from flask import Flask
        from svc.queueing import in_process, run_now, submit
        from svc.jobs import quick, rebuild, spawn_report

        app = Flask(__name__)

        @app.post("/rebuild")
        def rebuild_view():
            submit(600, rebuild, {"a": 1})
            in_process(spawn_report, {})
            return run_now(quick, {})
        """,
        }
    )
    assert "task" in p.functions["svc.jobs.rebuild"].roles
    assert p.functions["svc.jobs.rebuild"].contexts == {JOB}
    assert p.functions["svc.jobs.spawn_report"].contexts == {JOB}
    # a helper that calls its parameter runs it right there, in the request
    assert "task" not in p.functions["svc.jobs.quick"].roles
    assert REQUEST in p.functions["svc.jobs.quick"].contexts
