"""Variant matrix for catalogue S05, S07, S08 and S09 (app structure and how the app is served).

Rules: FD601 circular-import; FD602 extension-bound-at-import, FD603 config-read-at-import, FD604
blueprint-registered-before-config, FD605 multiple-flask-apps, FD606 testing-config-fallback; FD404
socketio-multi-worker-without-queue, FD405 socketio-async-mode-mismatch (both preview, selected here); FD406
sync-workers-with-blocking-io, FD407 gunicorn-timeout-disabled, FD408 gunicorn-no-max-requests, FD409
gunicorn-worker-count, FD410 gunicorn-reload-in-production, FD411 preload-with-import-time-resources, FD412
wsgi-app-on-event-loop.

Each variant is a small project written from Flask, Flask-SocketIO and gunicorn documentation idioms (not
from the corpus). A bad shape must be reported by its rule as a warning or an error, except for the rules the
catalogue makes advice (FD408: recycling workers is a note). A good shape must draw none of these rules; the
few shapes the catalogue calls tolerated-but-worth-advice (Flask's documented ``__init__``/views cycle) may
draw notes and nothing stronger.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = [
    "FD404",
    "FD405",
    "FD406",
    "FD407",
    "FD408",
    "FD409",
    "FD410",
    "FD411",
    "FD412",
    "FD601",
    "FD602",
    "FD603",
    "FD604",
    "FD605",
    "FD606",
]

#: Rules whose findings are advice by design (the catalogue's "what is true"): a note is enough for a bad shape.
ADVICE = {"FD408"}

#: gunicorn options that keep FD408 quiet, for deploy files whose point is something else.
RECYCLE = "--max-requests 1000 --max-requests-jitter 100"

#: A factory project: extensions created unbound, configured in create_app.
FACTORY = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app(config_name=None):
    app = Flask(__name__)
    app.config.from_object(os.environ.get("APP_SETTINGS", "config.ProductionConfig"))
    db.init_app(app)
    return app
"""

CONFIG = """
import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")


class ProductionConfig(Config):
    PREFERRED_URL_SCHEME = "https"


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"


config = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "default": ProductionConfig,
}
"""

#: A Flask app whose view makes a blocking HTTP call (the thing sync workers are bad at).
BLOCKING_APP = """
import requests
from flask import Flask

app = Flask(__name__)


@app.get("/rates")
def rates():
    return requests.get("https://rates.example.com/latest", timeout=10).json()
"""

#: A plain Flask app with nothing in particular.
PLAIN_APP = """
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
"""

#: A Flask-SocketIO app without a message queue.
SOCKETIO_APP = """
from flask import Flask
from flask_socketio import SocketIO, emit

app = Flask(__name__)
socketio = SocketIO(app{options})


@socketio.on("chat")
def chat(message):
    emit("chat", message, broadcast=True)
"""


def _socketio(options: str = "") -> str:
    return SOCKETIO_APP.replace("{options}", options)


# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD601 circular-import (S07)
    (
        "app-imports-views-before-db-views-read-db",
        "FD601",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            import views
            db = SQLAlchemy(app)
            """,
            "views.py": """
            from app import app, db

            @app.get("/users")
            def users():
                return {"n": db.session.execute(db.text("select 1")).scalar()}
            """,
        },
    ),
    (
        "flat-app-run-as-script-imported-back",
        "FD601",
        {
            "app.py": """
            from flask import Flask

            app = Flask(__name__)

            import routes

            if __name__ == "__main__":
                app.run()
            """,
            "routes.py": """
            from app import app

            @app.route("/")
            def home():
                return "home"
            """,
        },
    ),
    (
        "package-init-imports-views-before-db-relative",
        "FD601",
        {
            "shop/__init__.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            from .views import bp
            db = SQLAlchemy(app)
            app.register_blueprint(bp)
            """,
            "shop/views.py": """
            from flask import Blueprint
            from . import db

            bp = Blueprint("shop", __name__)

            @bp.get("/items")
            def items():
                return {"n": db.session.execute(db.text("select 1")).scalar()}
            """,
        },
    ),
    (
        "models-read-db-from-app-that-imports-models-first",
        "FD601",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from models import User

            app = Flask(__name__)
            db = SQLAlchemy(app)

            @app.get("/users/<int:uid>")
            def user(uid):
                return {"email": db.session.get(User, uid).email}
            """,
            "models.py": """
            from app import db

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                email = db.Column(db.String(120))
            """,
        },
    ),
    # ------------------------------------------------------------------ FD602 extension-bound-at-import (S05)
    (
        "sqlalchemy-bound-to-module-app-next-to-factory",
        "FD602",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.from_object("config.ProductionConfig")
            db = SQLAlchemy(app)
            """,
            "factory.py": """
            from flask import Flask

            def create_app(config="config.ProductionConfig"):
                app = Flask(__name__)
                app.config.from_object(config)
                return app
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "login-manager-aliased-and-migrate-keyword-app",
        "FD602",
        {
            "app.py": """
            from flask import Flask
            from flask_login import LoginManager as Logins
            from flask_migrate import Migrate
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy()
            logins = Logins(app)
            migrate = Migrate(app=app, db=db)

            def create_app():
                new = Flask(__name__)
                db.init_app(new)
                return new
            """,
        },
    ),
    # ------------------------------------------------------------------ FD603 config-read-at-import (S05)
    (
        "current-app-config-at-blueprint-module-level",
        "FD603",
        {
            "app.py": FACTORY.replace("    db.init_app(app)\n", "    db.init_app(app)\n    from items import bp\n")
            + "\nimport items\n",
            "items.py": """
            from flask import Blueprint, current_app

            bp = Blueprint("items", __name__)
            PAGE_SIZE = current_app.config.get("PAGE_SIZE", 20)

            @bp.get("/items")
            def items():
                return {"size": PAGE_SIZE}
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "current-app-in-default-argument",
        "FD603",
        {
            "app.py": FACTORY + "\nfrom pager import paginate\n",
            "pager.py": """
            from flask import current_app

            def paginate(query, per_page=current_app.config["PER_PAGE"]):
                return query.limit(per_page)
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "current-app-aliased-in-restx-resource-class-body",
        "FD603",
        {
            "app.py": FACTORY + "\nimport api\n",
            "api.py": """
            from flask import current_app as flask_app
            from flask_restx import Namespace, Resource

            ns = Namespace("reports")

            @ns.route("/reports")
            class Reports(Resource):
                limit = flask_app.config["REPORT_LIMIT"]

                def get(self):
                    return {"limit": self.limit}
            """,
            "config.py": CONFIG,
        },
    ),
    # ------------------------------------------------------------------ FD604 blueprint-registered-before-config
    (
        "init-app-before-config-from-object-table",
        "FD604",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from config import config

            db = SQLAlchemy()

            def create_app(config_name="production"):
                app = Flask(__name__)
                db.init_app(app)
                app.config.from_object(config[config_name])
                return app
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "blueprint-registered-before-from-pyfile",
        "FD604",
        {
            "app.py": """
            from flask import Flask
            from api import api_bp

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.register_blueprint(api_bp, url_prefix="/api")
                app.config.from_pyfile("settings.cfg", silent=True)
                return app
            """,
            "api.py": """
            from flask import Blueprint

            api_bp = Blueprint("api", __name__)
            """,
        },
    ),
    (
        "init-app-before-from-prefixed-env",
        "FD604",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                app.config.from_prefixed_env()
                return app
            """,
            ".env": "FLASK_SQLALCHEMY_DATABASE_URI=postgresql://db/app\n",
        },
    ),
    # ------------------------------------------------------------------ FD605 multiple-flask-apps
    (
        "worker-module-makes-its-own-app-for-a-context",
        "FD605",
        {
            "app.py": PLAIN_APP + "\nimport tasks\n",
            "tasks.py": """
            from flask import Flask

            app = Flask("worker")
            app.config.from_object("config.ProductionConfig")

            def send_reminders():
                with app.app_context():
                    pass
            """,
            "config.py": CONFIG,
        },
    ),
    # ------------------------------------------------------------------ FD606 testing-config-fallback
    (
        "wsgi-falls-back-to-testing-name",
        "FD606",
        {
            "app.py": """
            from flask import Flask
            from config import config

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(config[name])
                return app
            """,
            "config.py": CONFIG,
            "wsgi.py": """
            import os
            from app import create_app

            application = create_app(os.environ.get("FLASK_CONFIG", "testing"))
            """,
        },
    ),
    (
        "setdefault-testing-class-path",
        "FD606",
        {
            "app.py": """
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object(os.environ["APP_SETTINGS"])
                return app
            """,
            "config.py": CONFIG,
            "wsgi.py": """
            import os
            os.environ.setdefault("APP_SETTINGS", "config.TestingConfig")
            from app import create_app

            application = create_app()
            """,
        },
    ),
    # ------------------------------------------------------------------ FD404 socketio-multi-worker-without-queue (S08)
    (
        "socketio-no-queue-dockerfile-four-eventlet-workers",
        "FD404",
        {
            "app.py": _socketio(', async_mode="eventlet"'),
            "Dockerfile": f"FROM python:3.12\nCMD gunicorn -k eventlet -w 4 {RECYCLE} app:app\n",
        },
    ),
    (
        "socketio-init-app-in-factory-compose-replicas",
        "FD404",
        {
            "app.py": """
            from flask import Flask
            from flask_socketio import SocketIO

            socketio = SocketIO()

            def create_app():
                app = Flask(__name__)
                socketio.init_app(app, async_mode="eventlet", cors_allowed_origins="*")
                return app
            """,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -k eventlet -w 1 {RECYCLE} "app:create_app()"
                deploy:
                  replicas: 3
            """,
        },
    ),
    (
        "socketio-no-queue-gunicorn-conf-cpu-workers",
        "FD404",
        {
            "app.py": _socketio(),
            "gunicorn.conf.py": """
            import multiprocessing

            worker_class = "eventlet"
            workers = multiprocessing.cpu_count() * 2 + 1
            max_requests = 1000
            max_requests_jitter = 100
            """,
            "Procfile": "web: gunicorn app:app\n",
        },
    ),
    # ------------------------------------------------------------------ FD405 socketio-async-mode-mismatch (S08)
    (
        "async-mode-eventlet-under-gevent-worker",
        "FD405",
        {
            "app.py": _socketio(', async_mode="eventlet"'),
            "Procfile": f"web: gunicorn -k gevent -w 1 {RECYCLE} app:app\n",
        },
    ),
    (
        "async-mode-gevent-under-sync-worker",
        "FD405",
        {
            "app.py": _socketio(', async_mode="gevent"'),
            "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "-w", "1", "--bind", "0.0.0.0:8000", "app:app"]\n',
        },
    ),
    (
        "async-mode-threading-under-eventlet-conf",
        "FD405",
        {
            "app.py": _socketio(', async_mode="threading"'),
            "gunicorn.conf.py": 'worker_class = "eventlet"\nworkers = 1\n',
            "Procfile": f"web: gunicorn -c gunicorn.conf.py {RECYCLE} app:app\n",
        },
    ),
    (
        "async-mode-eventlet-under-geventwebsocket-worker",
        "FD405",
        {
            "app.py": _socketio(', async_mode="eventlet"'),
            "Procfile": (
                "web: gunicorn -k geventwebsocket.gunicorn.workers.GeventWebSocketWorker -w 1 " + RECYCLE + " app:app\n"
            ),
        },
    ),
    (
        "socketio-default-mode-under-plain-sync-worker",
        "FD405",
        {
            "app.py": _socketio(),
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn --workers 1 {RECYCLE} app:app
            """,
        },
    ),
    # ------------------------------------------------------------------ FD406 sync-workers-with-blocking-io (S09)
    (
        "sync-workers-blocking-call-in-helper-of-blueprint",
        "FD406",
        {
            "app.py": """
            from flask import Flask
            from views import bp

            app = Flask(__name__)
            app.register_blueprint(bp)
            """,
            "views.py": """
            from flask import Blueprint
            from clients import fetch_profile

            bp = Blueprint("profile", __name__)

            @bp.get("/profile/<name>")
            def profile(name):
                return fetch_profile(name)
            """,
            "clients.py": """
            import requests

            def fetch_profile(name):
                return requests.get(f"https://api.example.com/users/{name}", timeout=5).json()
            """,
            "Procfile": f"web: gunicorn --workers 4 {RECYCLE} app:app\n",
        },
    ),
    (
        "sync-workers-from-gunicorn-conf",
        "FD406",
        {
            "app.py": BLOCKING_APP,
            "gunicorn.conf.py": (
                'bind = "0.0.0.0:8000"\nworkers = 4\nworker_class = "sync"\n'
                "max_requests = 1000\nmax_requests_jitter = 50\n"
            ),
            "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]\n',
        },
    ),
    (
        "sync-workers-restx-resource-http-call",
        "FD406",
        {
            "app.py": """
            import requests
            from flask import Flask
            from flask_restx import Api, Resource

            app = Flask(__name__)
            api = Api(app)

            @api.route("/weather/<city>")
            class Weather(Resource):
                def get(self, city):
                    return requests.get(f"https://weather.example.com/{city}", timeout=5).json()
            """,
            "Procfile": f"web: gunicorn -w 3 {RECYCLE} app:app\n",
        },
    ),
    # ------------------------------------------------------------------ FD407 gunicorn-timeout-disabled (S09)
    (
        "timeout-zero-in-gunicorn-conf",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": "workers = 4\ntimeout = 0\nmax_requests = 1000\nmax_requests_jitter = 50\n",
        },
    ),
    (
        "timeout-zero-dockerfile-exec-form",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "Dockerfile": (
                'FROM python:3.12\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "--timeout", "0", '
                '"--max-requests", "1000", "--max-requests-jitter", "100", "app:app"]\n'
            ),
        },
    ),
    (
        "timeout-zero-in-gunicorn-cmd-args-env",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "Dockerfile": (
                'FROM python:3.12\nENV GUNICORN_CMD_ARGS="--timeout 0 --max-requests 1000 --max-requests-jitter 50"\n'
                'CMD ["gunicorn", "app:app"]\n'
            ),
        },
    ),
    (
        "timeout-env-default-zero-in-conf",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": """
            import os

            workers = int(os.environ.get("WEB_CONCURRENCY", 4))
            timeout = int(os.environ.get("GUNICORN_TIMEOUT", 0))
            max_requests = 1000
            max_requests_jitter = 100
            """,
            "Procfile": "web: gunicorn -c gunicorn.conf.py app:app\n",
        },
    ),
    (
        "timeout-zero-in-compose-equals-form",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn --timeout=0 -w 2 {RECYCLE} app:app
            """,
        },
    ),
    # ------------------------------------------------------------------ FD408 gunicorn-no-max-requests (advice)
    (
        "procfile-never-recycles",
        "FD408",
        {"app.py": PLAIN_APP, "Procfile": "web: gunicorn -w 4 --threads 4 app:app\n"},
    ),
    (
        "conf-max-requests-without-jitter",
        "FD408",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": "workers = 4\nthreads = 4\nmax_requests = 1000\n",
            "Procfile": "web: gunicorn app:app\n",
        },
    ),
    # ------------------------------------------------------------------ FD409 gunicorn-worker-count
    (
        "compose-many-workers-on-one-cpu",
        "FD409",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn --workers=17 --threads 2 {RECYCLE} app:app
                deploy:
                  resources:
                    limits:
                      cpus: "2"
            """,
        },
    ),
    # ------------------------------------------------------------------ FD410 gunicorn-reload-in-production
    (
        "reload-in-procfile",
        "FD410",
        {"app.py": PLAIN_APP, "Procfile": f"web: gunicorn --reload -w 2 --threads 4 {RECYCLE} app:app\n"},
    ),
    (
        "reload-true-in-gunicorn-conf",
        "FD410",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": "workers = 2\nthreads = 4\nreload = True\nmax_requests = 500\nmax_requests_jitter = 50\n",
        },
    ),
    (
        "reload-in-systemd-unit",
        "FD410",
        {
            "app.py": PLAIN_APP,
            "deploy/app.service": (
                "[Unit]\nDescription=app\n\n[Service]\nUser=www-data\nWorkingDirectory=/srv/app\n"
                f"ExecStart=/srv/app/venv/bin/gunicorn --reload --workers 3 {RECYCLE} app:app\n\n"
                "[Install]\nWantedBy=multi-user.target\n"
            ),
        },
    ),
    (
        "reload-in-gunicorn-cmd-args-compose-env",
        "FD410",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 2 --threads 4 app:app
                environment:
                  GUNICORN_CMD_ARGS: "--reload {RECYCLE}"
            """,
        },
    ),
    # ------------------------------------------------------------------ FD411 preload-with-import-time-resources
    (
        "preload-with-scheduler-started-at-import",
        "FD411",
        {
            "app.py": """
            from apscheduler.schedulers.background import BackgroundScheduler
            from flask import Flask

            app = Flask(__name__)
            scheduler = BackgroundScheduler()

            def refresh():
                pass

            scheduler.add_job(refresh, "interval", minutes=5)
            scheduler.start()
            """,
            "Procfile": f"web: gunicorn --preload -w 4 {RECYCLE} app:app\n",
        },
    ),
    # ------------------------------------------------------------------ FD412 wsgi-app-on-event-loop
    (
        "tornado-wsgi-container-without-executor",
        "FD412",
        {
            "server.py": """
            import tornado.ioloop
            import tornado.web
            from tornado.wsgi import WSGIContainer
            from app import app

            container = WSGIContainer(app)
            application = tornado.web.Application([(r".*", tornado.web.FallbackHandler, {"fallback": container})])
            """,
            "app.py": PLAIN_APP,
        },
    ),
    # ------------------------------------------------------------------ harder shapes
    (
        "three-module-cycle-app-views-models",
        "FD601",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            from views import bp
            db = SQLAlchemy(app)
            app.register_blueprint(bp)
            """,
            "views.py": """
            from flask import Blueprint
            from models import Post

            bp = Blueprint("posts", __name__)

            @bp.get("/posts")
            def posts():
                return {"n": len(Post.query.limit(10).all())}
            """,
            "models.py": """
            from app import db

            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
            """,
        },
    ),
    (
        "csrf-and-cache-bound-at-import-with-factory-elsewhere",
        "FD602",
        {
            "extensions.py": """
            from flask_caching import Cache
            from flask_wtf.csrf import CSRFProtect
            from app import app

            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})
            csrf = CSRFProtect(app)
            """,
            "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "factory.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object("config.ProductionConfig")
                return app
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "current-app-in-decorator-argument",
        "FD603",
        {
            "app.py": FACTORY + "\nimport api\n",
            "api.py": """
            from flask import Blueprint, current_app
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            bp = Blueprint("api", __name__)
            limiter = Limiter(get_remote_address)

            @bp.get("/search")
            @limiter.limit(current_app.config["SEARCH_RATE"])
            def search():
                return {}
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "testing-class-as-from-object-default",
        "FD606",
        {
            "app.py": """
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object(os.getenv("APP_SETTINGS", "config.TestingConfig"))
                return app
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "socketio-no-queue-web-concurrency-env",
        "FD404",
        {
            "app.py": _socketio(', async_mode="eventlet"'),
            "Dockerfile": (
                "FROM python:3.12\nENV WEB_CONCURRENCY=4\n"
                'CMD ["gunicorn", "-k", "eventlet", "--max-requests", "1000", "--max-requests-jitter", "100", "app:app"]\n'
            ),
        },
    ),
    (
        "socketio-no-queue-uwsgi-processes",
        "FD404",
        {
            "app.py": _socketio(', async_mode="gevent"'),
            "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\ngevent = 1000\nhttp-websockets = true\n",
            "Dockerfile": 'FROM python:3.12\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
        },
    ),
    (
        "default-single-sync-worker-blocking-subprocess",
        "FD406",
        {
            "app.py": """
            import subprocess
            from flask import Flask

            app = Flask(__name__)

            @app.post("/thumbnails/<name>")
            def thumbnail(name):
                subprocess.run(["convert", name, "-resize", "200x200", f"thumb-{name}"], check=True, timeout=60)
                return "done"
            """,
            "Procfile": f"web: gunicorn {RECYCLE} app:app\n",
        },
    ),
    (
        "reload-in-entrypoint-script-of-dockerfile",
        "FD410",
        {
            "app.py": PLAIN_APP,
            "entrypoint.sh": f"#!/bin/sh\nset -e\nflask db upgrade\nexec gunicorn --reload -w 3 --threads 2 {RECYCLE} app:app\n",
            "Dockerfile": 'FROM python:3.12\nCOPY . /app\nENTRYPOINT ["/app/entrypoint.sh"]\n',
        },
    ),
    (
        "reload-in-dockerfile-sh-c-chain",
        "FD410",
        {
            "app.py": PLAIN_APP,
            "Dockerfile": (
                "FROM python:3.12\n"
                f'CMD ["sh", "-c", "flask db upgrade && gunicorn --reload -w 2 --threads 4 {RECYCLE} app:app"]\n'
            ),
        },
    ),
    (
        "timeout-zero-in-supervisor-program",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "deploy/supervisord.conf": (
                "[program:web]\n"
                f"command=/srv/venv/bin/gunicorn -t 0 -w 3 {RECYCLE} app:app\n"
                "directory=/srv/app\nautorestart=true\n"
            ),
        },
    ),
    (
        "preload-in-cmd-args-with-db-connection-at-import",
        "FD411",
        {
            "app.py": """
            import psycopg2
            from flask import Flask

            app = Flask(__name__)
            conn = psycopg2.connect("postgresql://db/app")
            """,
            "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -w 4 app:app
                environment:
                  GUNICORN_CMD_ARGS: "--preload --max-requests 1000 --max-requests-jitter 100"
            """,
        },
    ),
    (
        "conf-workers-far-above-compose-cpus",
        "FD409",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": "workers = 24\nthreads = 2\nmax_requests = 1000\nmax_requests_jitter = 100\n",
            "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -c gunicorn.conf.py app:app
                cpus: 1
            """,
        },
    ),
    (
        "factory-helpers-register-before-configure",
        "FD604",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from config import config

            db = SQLAlchemy()

            def create_app(config_name="production"):
                app = Flask(__name__)
                register_extensions(app)
                configure_app(app, config_name)
                return app

            def register_extensions(app):
                db.init_app(app)

            def configure_app(app, config_name):
                app.config.from_object(config[config_name])
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "make-app-factory-next-to-bound-extension",
        "FD602",
        {
            "app.py": """
            from flask import Flask
            from flask_mail import Mail

            app = Flask(__name__)
            mail = Mail(app)

            def make_app(settings="config.ProductionConfig"):
                new = Flask(__name__)
                new.config.from_object(settings)
                mail.init_app(new)
                return new
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "smorest-methodview-blocking-with-factory-sync-workers",
        "FD406",
        {
            "app.py": """
            from flask import Flask
            from flask_smorest import Api

            def create_app():
                app = Flask(__name__)
                app.config["API_TITLE"] = "shop"
                api = Api(app)
                from resources import blp
                api.register_blueprint(blp)
                return app
            """,
            "resources.py": """
            import requests
            from flask.views import MethodView
            from flask_smorest import Blueprint

            blp = Blueprint("stock", __name__)
            http = requests.Session()

            @blp.route("/stock/<sku>")
            class Stock(MethodView):
                def get(self, sku):
                    return http.get(f"https://warehouse.example.com/{sku}", timeout=5).json()
            """,
            "Dockerfile": f"FROM python:3.12\nCMD gunicorn --workers=4 {RECYCLE} 'app:create_app()'\n",
        },
    ),
    (
        "timeout-zero-in-named-config-file",
        "FD407",
        {
            "app.py": PLAIN_APP,
            "deploy/gunicorn_config.py": "workers = 3\ntimeout = 0\nmax_requests = 1000\nmax_requests_jitter = 50\n",
            "Procfile": "web: gunicorn -c deploy/gunicorn_config.py app:app\n",
        },
    ),
    (
        "factory-local-name-defaults-to-testing",
        "FD606",
        {
            "app.py": """
            import os
            from flask import Flask
            from config import config

            def create_app(config_name=None):
                config_name = config_name or os.getenv("FLASK_ENV", "testing")
                app = Flask(__name__)
                app.config.from_object(config[config_name])
                return app
            """,
            "config.py": CONFIG,
        },
    ),
]

# name, files: none of the rules may report anything
GOOD: list[tuple[str, dict[str, str]]] = [
    # eventlet workers holding WebSocket connections: the timeout never bounds a request there, and 0 is the
    # documented setting for long-lived connections
    (
        "timeout-zero-for-eventlet-socketio-worker",
        {
            "app.py": _socketio(', async_mode="eventlet"'),
            "Procfile": f"web: gunicorn -k eventlet -w 1 --timeout 0 {RECYCLE} app:app\n",
        },
    ),
    # threads select gthread workers, which keep notifying gunicorn while a request hangs
    (
        "timeout-zero-with-threads-in-supervisor-program",
        {
            "app.py": PLAIN_APP,
            "deploy/supervisord.conf": (
                "[program:web]\n"
                f"command=/srv/venv/bin/gunicorn -t 0 -w 3 --threads 2 {RECYCLE} app:app\n"
                "directory=/srv/app\nautorestart=true\n"
            ),
        },
    ),
    # ------------------------------------------------------------------ S07: cycles that never bite
    (
        "views-imported-inside-factory",
        {
            "app.py": """
            from flask import Flask
            from extensions import db

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                from views import bp
                app.register_blueprint(bp)
                return app
            """,
            "extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "views.py": """
            from flask import Blueprint
            from extensions import db

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                return {"n": db.session.execute(db.text("select 1")).scalar()}
            """,
        },
    ),
    (
        "import-back-inside-a-function",
        {
            "app.py": """
            from flask import Flask
            import services

            app = Flask(__name__)

            @app.get("/report")
            def report():
                return services.build_report()
            """,
            "services.py": """
            def build_report():
                from app import app
                return {"name": app.name}
            """,
        },
    ),
    (
        "type-checking-only-cycle",
        {
            "models.py": """
            from __future__ import annotations
            from typing import TYPE_CHECKING
            from extensions import db

            if TYPE_CHECKING:
                from services import Mailer

            class User(db.Model):
                id = db.Column(db.Integer, primary_key=True)

                def notify(self, mailer: Mailer) -> None:
                    mailer.send(self)
            """,
            "services.py": """
            from models import User

            class Mailer:
                def send(self, user: User) -> None:
                    pass
            """,
            "extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        },
    ),
    (
        "plain-import-cycle-used-only-in-functions",
        {
            "orders.py": """
            import payments

            def place(order):
                return payments.charge(order)

            def total(order):
                return sum(order)
            """,
            "payments.py": """
            import orders

            def charge(order):
                return orders.total(order)
            """,
            "app.py": PLAIN_APP + "\nimport orders\n",
        },
    ),
    # ------------------------------------------------------------------ S05: factories done right, or no factory
    (
        "single-module-app-binds-extensions-no-factory",
        {
            "app.py": """
            from flask import Flask
            from flask_login import LoginManager
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config.from_object("config.ProductionConfig")
            db = SQLAlchemy(app)
            login = LoginManager(app)
            PAGE_SIZE = app.config.get("PAGE_SIZE", 20)
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "run-script-binds-socketio-to-factory-app",
        {
            "shop/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object("config.ProductionConfig")
                return app
            """,
            "run.py": """
            from flask_socketio import SocketIO
            from shop import create_app

            app = create_app()
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app)
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "current-app-only-inside-functions-proxies-and-contexts",
        {
            "app.py": FACTORY + "\nimport items\n",
            "items.py": """
            from flask import Blueprint, current_app
            from werkzeug.local import LocalProxy

            bp = Blueprint("items", __name__)
            page_size = LocalProxy(lambda: current_app.config.get("PAGE_SIZE", 20))

            def per_page(default=None):
                return default or current_app.config["PAGE_SIZE"]

            @bp.get("/items")
            def items():
                return {"size": per_page(), "debug": current_app.debug}
            """,
            "manage.py": """
            from flask import current_app
            from app import create_app

            app = create_app()
            with app.app_context():
                print(current_app.config["SQLALCHEMY_DATABASE_URI"])
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "config-first-test-overrides-after-init",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            def create_app(test_config=None):
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_prefixed_env()
                if test_config is not None:
                    app.config.from_mapping(test_config)
                db.init_app(app)
                from views import bp
                app.register_blueprint(bp)
                return app
            """,
            "views.py": "from flask import Blueprint\n\nbp = Blueprint('v', __name__)\n",
        },
    ),
    (
        "apps-only-in-tests-and-dispatcher",
        {
            "app.py": """
            from flask import Flask
            from werkzeug.middleware.dispatcher import DispatcherMiddleware
            import admin

            frontend = Flask(__name__)
            application = DispatcherMiddleware(frontend, {"/admin": admin.app})
            """,
            "admin.py": "from flask import Flask\n\napp = Flask('admin')\n",
            "tests/test_app.py": """
            from flask import Flask

            app = Flask(__name__)

            def test_ok():
                assert app
            """,
        },
    ),
    (
        "development-fallback-and-testing-only-in-tests",
        {
            "app.py": """
            from flask import Flask
            from config import config

            def create_app(name):
                app = Flask(__name__)
                app.config.from_object(config[name])
                return app
            """,
            "config.py": CONFIG,
            "wsgi.py": """
            import os
            from app import create_app

            application = create_app(os.getenv("FLASK_CONFIG") or "default")
            """,
            "tests/conftest.py": """
            import os
            from app import create_app

            app = create_app(os.environ.get("FLASK_CONFIG", "testing"))
            """,
        },
    ),
    # ------------------------------------------------------------------ S08: Socket.IO deployed as documented
    (
        "socketio-no-ping-settings-one-eventlet-worker-with-queue",
        {
            "app.py": _socketio(', message_queue="redis://redis:6379/0", async_mode="eventlet"'),
            "Procfile": "web: gunicorn -k eventlet -w 1 --max-requests 1000 app:app\n",
        },
    ),
    (
        "socketio-single-worker-no-queue-needed",
        {
            "app.py": _socketio(),
            "Dockerfile": (
                'FROM python:3.12\nCMD ["gunicorn", "--worker-class", "eventlet", "-w", "1", "--max-requests", "1000", '
                '"app:app"]\n'
            ),
        },
    ),
    (
        "socketio-gevent-mode-with-geventwebsocket-worker",
        {
            "app.py": _socketio(', async_mode="gevent"'),
            "Procfile": (
                "web: gunicorn -k geventwebsocket.gunicorn.workers.GeventWebSocketWorker -w 1 --max-requests 1000 app:app\n"
            ),
        },
    ),
    (
        "socketio-threading-with-many-threads",
        {
            "app.py": _socketio(', async_mode="threading"'),
            "gunicorn.conf.py": "workers = 1\nthreads = 100\nmax_requests = 1000\n",
            "Procfile": "web: gunicorn -c gunicorn.conf.py app:app\n",
        },
    ),
    (
        "socketio-run-in-dev-script-only",
        {
            "app.py": _socketio() + '\n\nif __name__ == "__main__":\n    socketio.run(app, debug=True)\n',
        },
    ),
    (
        "socketio-factory-with-queue-from-env-compose-sticky",
        {
            "app.py": """
            import os
            from flask import Flask
            from flask_socketio import SocketIO

            socketio = SocketIO()

            def create_app():
                app = Flask(__name__)
                socketio.init_app(app, message_queue=os.environ["REDIS_URL"], async_mode="gevent")
                return app
            """,
            "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -k gevent -w 1 --max-requests 1000 "app:create_app()"
                deploy:
                  replicas: 3
            """,
        },
    ),
    # ------------------------------------------------------------------ S09: gunicorn set up well
    (
        "dev-compose-override-with-reload",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 2 --threads 4 {RECYCLE} app:app
            """,
            "docker-compose.override.yml": """
            services:
              web:
                command: gunicorn --reload --timeout 0 -w 1 app:app
                volumes:
                  - .:/app
            """,
        },
    ),
    (
        "dev-compose-file-and-procfile-dev",
        {
            "app.py": BLOCKING_APP,
            "docker-compose.dev.yml": """
            services:
              web:
                build: .
                command: gunicorn --reload -w 1 app:app
            """,
            "Procfile.dev": "web: gunicorn --reload --timeout 0 app:app\n",
            "Procfile": f"web: gunicorn -k gevent -w 4 --worker-connections 200 {RECYCLE} app:app\n",
        },
    ),
    (
        "gunicorn-conf-from-env-with-safe-defaults",
        {
            "app.py": BLOCKING_APP,
            "gunicorn.conf.py": """
            import multiprocessing
            import os

            bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
            workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
            threads = int(os.environ.get("GUNICORN_THREADS", 4))
            timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
            max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
            max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 100))
            reload = os.environ.get("GUNICORN_RELOAD", "false").lower() == "true"
            """,
            "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]\n',
        },
    ),
    (
        "gevent-workers-for-blocking-views",
        {
            "app.py": BLOCKING_APP,
            "Dockerfile": (
                'FROM python:3.12\nCMD ["gunicorn", "-k", "gevent", "--worker-connections", "500", "-w", "4", '
                '"--timeout", "120", "--max-requests", "2000", "--max-requests-jitter", "200", "app:app"]\n'
            ),
        },
    ),
    (
        "gthread-workers-from-conf",
        {
            "app.py": BLOCKING_APP,
            "gunicorn.conf.py": (
                'worker_class = "gthread"\nworkers = 3\nthreads = 8\ntimeout = 90\n'
                "max_requests = 1000\nmax_requests_jitter = 100\n"
            ),
            "Procfile": "web: gunicorn app:app\n",
        },
    ),
    (
        "threads-from-gunicorn-cmd-args",
        {
            "app.py": BLOCKING_APP,
            "Dockerfile": (
                f'FROM python:3.12\nENV GUNICORN_CMD_ARGS="--threads 8 --workers 3 {RECYCLE}"\n'
                'CMD ["gunicorn", "app:app"]\n'
            ),
        },
    ),
    (
        "cpu-sized-workers-match-compose-cpus",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 5 --threads 2 {RECYCLE} app:app
                deploy:
                  resources:
                    limits:
                      cpus: "2"
            """,
        },
    ),
    (
        "preload-with-lazy-engine-and-post-fork-hook",
        {
            "app.py": """
            import psycopg2
            from flask import Flask
            from sqlalchemy import create_engine

            app = Flask(__name__)
            engine = create_engine("postgresql://db/app", pool_pre_ping=True)
            """,
            "gunicorn.conf.py": """
            preload_app = True
            workers = 4
            threads = 4
            max_requests = 1000
            max_requests_jitter = 100


            def post_fork(server, worker):
                from app import engine
                engine.dispose(close=False)
            """,
        },
    ),
    (
        "dev-script-runs-gunicorn-reload",
        {
            "app.py": PLAIN_APP,
            "scripts/run_dev.sh": "#!/bin/sh\nexec gunicorn --reload --timeout 0 app:app\n",
        },
    ),
    (
        "tornado-container-with-executor-and-waitress",
        {
            "app.py": PLAIN_APP,
            "server.py": """
            from concurrent.futures import ThreadPoolExecutor
            from tornado.wsgi import WSGIContainer
            from app import app

            container = WSGIContainer(app, executor=ThreadPoolExecutor(32))
            """,
            "Procfile": "web: waitress-serve --threads=8 --port=$PORT app:app\n",
        },
    ),
    (
        "one-off-cli-with-sync-worker-and-tests-with-blocking-calls",
        {
            "app.py": PLAIN_APP,
            "cli.py": """
            import click
            import requests

            @click.command()
            def sync_rates():
                requests.get("https://rates.example.com", timeout=10)
            """,
            "tests/test_rates.py": """
            import requests

            def test_rates():
                assert requests.get("http://localhost:8000/", timeout=5).ok
            """,
            "Procfile": f"web: gunicorn -w 4 {RECYCLE} app:app\nrelease: flask db upgrade\n",
        },
    ),
    (
        "timeout-env-default-zero-but-image-sets-it",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": """
            import os

            workers = 3
            threads = 4
            timeout = int(os.environ.get("GUNICORN_TIMEOUT", 0))
            max_requests = 1000
            max_requests_jitter = 100
            """,
            "Dockerfile": 'FROM python:3.12\nENV GUNICORN_TIMEOUT=60\nCMD ["gunicorn", "app:app"]\n',
        },
    ),
    (
        "reload-in-dev-service-and-devcontainer",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 3 --threads 4 {RECYCLE} app:app
              dev:
                build: .
                command: gunicorn --reload --timeout 0 app:app
            """,
            ".devcontainer/docker-compose.yml": """
            services:
              app:
                build: .
                command: gunicorn --reload -w 1 app:app
            """,
            "Dockerfile.dev": 'FROM python:3.12\nCMD ["gunicorn", "--reload", "--timeout", "0", "app:app"]\n',
        },
    ),
    (
        "reload-only-under-compose-dev-profile",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 3 --threads 4 {RECYCLE} app:app
              web-dev:
                build: .
                profiles: ["dev"]
                command: gunicorn --reload app:app
            """,
        },
    ),
    (
        "package-init-imports-models-after-db",
        {
            "shop/__init__.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            from shop import models  # noqa: E402,F401

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                return app
            """,
            "shop/models.py": """
            from shop import db

            class Item(db.Model):
                id = db.Column(db.Integer, primary_key=True)
            """,
        },
    ),
    (
        "wsgi-reads-config-of-factory-built-app",
        {
            "app.py": FACTORY,
            "wsgi.py": """
            from app import create_app

            app = create_app()
            PORT = app.config.get("PORT", 8000)
            """,
            "config.py": CONFIG,
        },
    ),
    (
        "factory-project-binds-extension-in-tests-and-scripts",
        {
            "app.py": FACTORY,
            "config.py": CONFIG,
            "tests/conftest.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            db = SQLAlchemy(app)
            """,
            "scripts/seed.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            import app as project

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///seed.db"
            db = SQLAlchemy(app)
            """,
        },
    ),
    (
        "blocking-calls-only-in-celery-tasks-with-sync-workers",
        {
            "app.py": PLAIN_APP,
            "tasks.py": """
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=3)
            def refresh_rates():
                requests.get("https://rates.example.com", timeout=10)
            """,
            "Procfile": f"web: gunicorn -w 4 {RECYCLE} app:app\nworker: celery -A tasks worker\n",
        },
    ),
    (
        "cpu-based-workers-in-conf-with-compose-cpus",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": """
            import multiprocessing

            workers = multiprocessing.cpu_count() * 2 + 1
            threads = 2
            max_requests = 1000
            max_requests_jitter = 100
            """,
            "docker-compose.yml": """
            services:
              web:
                build: .
                command: gunicorn -c gunicorn.conf.py app:app
                cpus: 1
            """,
        },
    ),
    (
        "socketio-service-single-worker-next-to-multi-worker-api",
        {
            "app.py": _socketio(', message_queue="redis://redis:6379/0", async_mode="eventlet"'),
            "docker-compose.yml": f"""
            services:
              socket:
                build: .
                command: gunicorn -k eventlet -w 1 {RECYCLE} app:app
              api:
                build: .
                command: gunicorn -w 4 --threads 4 {RECYCLE} app:app
            """,
        },
    ),
    (
        "reload-from-env-flags-in-conf",
        {
            "app.py": PLAIN_APP,
            "gunicorn.conf.py": """
            import os

            workers = 2
            threads = 4
            max_requests = 1000
            max_requests_jitter = 100
            reload = os.getenv("GUNICORN_RELOAD", "False") == "True"
            if os.environ.get("ENV") == "development":
                reload = True
                timeout = 0
            """,
            "Procfile": "web: gunicorn app:app\n",
        },
    ),
    (
        "dev-compose-test-service-and-dev-shell-script",
        {
            "app.py": PLAIN_APP,
            "docker-compose.yml": f"""
            services:
              web:
                build: .
                command: gunicorn -w 2 --threads 4 {RECYCLE} app:app
              test:
                build: .
                command: gunicorn --reload --timeout 0 app:app
            """,
            "bin/start-dev.sh": "#!/bin/sh\ngunicorn --reload -t 0 app:app\n",
        },
    ),
    (
        "cycle-between-test-modules-only",
        {
            "app.py": PLAIN_APP,
            "tests/__init__.py": "",
            "tests/helpers.py": "from tests.fixtures import make_user\n\nDEFAULT = 1\n",
            "tests/fixtures.py": "from tests.helpers import DEFAULT\n\ndef make_user():\n    return DEFAULT\n",
        },
    ),
    (
        "factory-local-name-defaults-to-production",
        {
            "app.py": """
            import os
            from flask import Flask
            from config import config

            def create_app(config_name=None):
                config_name = config_name or os.getenv("FLASK_ENV", "production")
                app = Flask(__name__)
                app.config.from_object(config[config_name])
                return app
            """,
            "config.py": CONFIG,
            "tests/conftest.py": """
            from app import create_app

            app = create_app("testing")
            """,
        },
    ),
    (
        "talisman-before-config-loaded-by-helper",
        {
            "app.py": """
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            from flask_talisman import Talisman

            db = SQLAlchemy()

            def load_configuration(app):
                app.config.from_object("config.ProductionConfig")

            def create_app():
                app = Flask(__name__)
                Talisman(app, force_https=False, content_security_policy={"default-src": "'self'"})
                load_configuration(app)
                db.init_app(app)
                return app
            """,
            "config.py": CONFIG,
        },
    ),
]

# name, files: tolerated shapes the catalogue wants as advice at most (notes allowed, nothing stronger)
ADVICE_ONLY: list[tuple[str, dict[str, str]]] = [
    (
        "documented-package-init-imports-views-at-bottom",
        {
            "shop/__init__.py": """
            from flask import Flask

            app = Flask(__name__)
            app.config.from_object("shop.settings")

            from shop import views  # noqa: E402
            """,
            "shop/settings.py": "SECRET_KEY = 'from-env'\n",
            "shop/views.py": """
            from shop import app

            @app.route("/")
            def index():
                return "ok"
            """,
        },
    ),
    (
        "flat-app-imports-routes-at-bottom-no-main-guard",
        {
            "app.py": """
            from flask import Flask

            app = Flask(__name__)

            import routes  # noqa: E402,F401
            """,
            "routes.py": """
            from app import app

            @app.get("/")
            def home():
                return "home"
            """,
        },
    ),
    (
        "blueprint-views-import-package-blueprint-at-bottom",
        {
            "shop/__init__.py": """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                from shop.main import main
                app.register_blueprint(main)
                return app
            """,
            "shop/main/__init__.py": """
            from flask import Blueprint

            main = Blueprint("main", __name__)

            from shop.main import views  # noqa: E402,F401
            """,
            "shop/main/views.py": """
            from shop.main import main

            @main.get("/")
            def index():
                return "ok"
            """,
        },
    ),
    (
        "example-procfile-with-reload-and-no-timeout",
        {
            "app.py": PLAIN_APP,
            "examples/chat/app.py": PLAIN_APP,
            "examples/chat/Procfile": "web: gunicorn --reload --timeout 0 -w 2 --threads 4 app:app\n",
        },
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    return {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES)


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, files",
    [pytest.param(rule, files, id=name, marks=_mark(name)) for name, rule, files in BAD],
)
def test_bad_variant_is_reported(rule, files):
    found = _found(files)
    floor = Severity.NOTE if rule in ADVICE else Severity.WARNING
    assert any(f.code == rule and f.severity >= floor for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in ADVICE_ONLY],
)
def test_tolerated_variant_is_advice_at_most(files):
    found = _found(files)
    assert all(f.severity == Severity.NOTE for f in found), [(f.code, f.severity.name, f.message) for f in found]
