"""Variant matrix for catalogue S03 (sessions across workers) and S13 (wrong caching).

Rules: FD301 secret-key-generated-at-startup (off by default, selected here), FD310
filesystem-sessions-multi-host, FD701 cached-view-varies-by-user, FD702 process-local-cache-multi-worker,
FD703 memoize-request-dependent-self (preview, selected here).

Each variant is a small project written from common Flask / Flask-Session / Flask-Caching / gunicorn /
compose idioms (not from the corpus): a bad shape must be reported by its rule (a warning or an error, not
a note), a good shape must draw none of these rules.

What is true (catalogue): Flask's session is a signed cookie that works across any number of workers and
hosts when they share one ``SECRET_KEY``; a key generated when each process starts breaks it. Flask-Session
``filesystem`` sessions are shared by the workers of one host but not by several hosts or containers.
``@cache.cached`` keys a view by ``request.path`` only (or by the constant ``key_prefix``), so a view that
reads the user, the session or the query string serves one visitor's page to another; ``SimpleCache`` lives
in one process.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD301", "FD310", "FD701", "FD702", "FD703"]

REQUIREMENTS = "flask==3.0.3\nflask-caching==2.3.0\nflask-session==0.8.0\nflask-login==0.6.3\ngunicorn==22.0.0\n"

#: Production deploy files: four gunicorn workers in a container, three replicas of it.
DOCKERFILE_4_WORKERS = """
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "app:app"]
"""
COMPOSE_3_REPLICAS = """
services:
  web:
    build: .
    command: gunicorn -w 2 -b 0.0.0.0:8000 app:app
    deploy:
      replicas: 3
  redis:
    image: redis:7
"""

#: A Flask-Caching ``cache`` object in its own module, initialised in the factory.
EXTENSIONS = """
from flask_caching import Cache
from flask_login import LoginManager

cache = Cache()
login_manager = LoginManager()
"""


def _files(**extra: str) -> dict[str, str]:
    files = {"requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


def _served(**extra: str) -> dict[str, str]:
    """FD301 warns only when the deploy files show the app served by several processes."""
    return _files(**{"Dockerfile": DOCKERFILE_4_WORKERS, **extra})


# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD301 secret-key-generated-at-startup
    (
        "factory-config-urandom",
        "FD301",
        _served(
            app="""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.urandom(24)
                return app
            """
        ),
    ),
    (
        "module-secret-key-token-hex",
        "FD301",
        _served(
            app="""
            import secrets
            from flask import Flask

            app = Flask(__name__)
            app.secret_key = secrets.token_hex(16)
            """
        ),
    ),
    (
        "config-class-from-object",
        "FD301",
        _served(
            config="""
            import os

            class Config:
                SECRET_KEY = os.urandom(32)
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
            """,
            app="""
            from flask import Flask
            from config import Config

            app = Flask(__name__)
            app.config.from_object(Config)
            """,
        ),
    ),
    (
        "config-module-from-object-string-aliased-import",
        "FD301",
        _served(
            settings="""
            from os import urandom as random_bytes

            SECRET_KEY = random_bytes(24)
            SESSION_COOKIE_SECURE = True
            """,
            app="""
            from flask import Flask

            app = Flask(__name__)
            app.config.from_object("settings")
            """,
        ),
    ),
    (
        "secrets-imported-as-alias",
        "FD301",
        _served(
            app="""
            import secrets as s
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = s.token_urlsafe(32)
            """
        ),
    ),
    (
        "production-config-uuid4",
        "FD301",
        _served(
            config="""
            import uuid

            class Config:
                DEBUG = False

            class ProductionConfig(Config):
                SECRET_KEY = str(uuid.uuid4())
            """
        ),
    ),
    (
        "config-update-kwarg",
        "FD301",
        _served(
            app="""
            import os
            from flask import Flask

            app = Flask(__name__)
            app.config.update(SECRET_KEY=os.urandom(16), SESSION_COOKIE_HTTPONLY=True)
            """
        ),
    ),
    (
        "from-mapping-in-factory",
        "FD301",
        _served(
            app="""
            import secrets
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_mapping(SECRET_KEY=secrets.token_hex(), DATABASE="app.sqlite")
                return app
            """
        ),
    ),
    (
        "local-variable-then-assigned",
        "FD301",
        _served(
            app="""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                key = os.urandom(24)
                app.secret_key = key
                return app
            """
        ),
    ),
    (
        "project-helper-one-call-away",
        "FD301",
        _served(
            utils="""
            import secrets

            def generate_secret(length=32):
                return secrets.token_hex(length)
            """,
            config="""
            from utils import generate_secret

            class Config:
                SECRET_KEY = generate_secret()
            """,
        ),
    ),
    (
        "base64-wrapped-urandom",
        "FD301",
        _served(
            app="""
            import base64
            import os
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = base64.b64encode(os.urandom(24)).decode()
            """
        ),
    ),
    (
        "jwt-secret-key-generated",
        "FD301",
        _served(
            config="""
            import os
            import secrets

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]
                JWT_SECRET_KEY = secrets.token_urlsafe(64)
            """
        ),
    ),
    (
        "random-choices-join",
        "FD301",
        _served(
            app="""
            import random
            import string
            from flask import Flask

            app = Flask(__name__)
            app.secret_key = "".join(random.choices(string.ascii_letters + string.digits, k=32))
            """
        ),
    ),
    (
        "config-init-self-attribute",
        "FD301",
        _served(
            config="""
            import os

            class Config:
                def __init__(self):
                    self.SECRET_KEY = os.urandom(32)
                    self.DATABASE_URL = os.environ.get("DATABASE_URL")
            """
        ),
    ),
    (
        "env-fallback-under-gunicorn-workers",
        "FD301",
        _served(
            app="""
            import os
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", os.urandom(24))
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "config-setdefault-random",
        "FD301",
        _served(
            app="""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_prefixed_env()
                app.config.setdefault("SECRET_KEY", os.urandom(24))
                return app
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "from-mapping-dict-literal",
        "FD301",
        _served(
            app="""
            import secrets
            from flask import Flask

            app = Flask(__name__)
            app.config.from_mapping({"SECRET_KEY": secrets.token_bytes(32), "JSON_SORT_KEYS": False})
            """
        ),
    ),
    (
        "settings-file-from-pyfile",
        "FD301",
        _served(
            **{
                "instance/settings.py": """
                import os

                SECRET_KEY = os.urandom(32)
                """
            },
            app="""
            from flask import Flask

            app = Flask(__name__, instance_relative_config=True)
            app.config.from_pyfile("settings.py")
            """,
        ),
    ),
    (
        "fernet-generate-key-in-config",
        "FD301",
        _served(
            config="""
            from cryptography.fernet import Fernet

            class Config:
                SECRET_KEY = Fernet.generate_key()
            """
        ),
    ),
    (
        "getenv-keyword-default",
        "FD301",
        _served(
            app="""
            import os
            import secrets
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.getenv("SECRET_KEY", default=secrets.token_hex())
            """
        ),
    ),
    (
        "configured-value-or-uuid-in-app-subclass",
        "FD301",
        _served(
            app="""
            import uuid
            from flask import Flask

            class WikiApp(Flask):
                def __init__(self, **settings):
                    super().__init__(__name__)
                    self.config.update(settings)
                    self.config["SECRET_KEY"] = self.config.get("SECRET_KEY") or str(uuid.uuid4())
            """
        ),
    ),
    # ------------------------------------------------------------------ FD310 filesystem-sessions-multi-host
    (
        "filesystem-sessions-set-in-compose-environment",
        "FD310",
        _files(
            config="""
            import os

            class Config:
                SESSION_TYPE = os.environ.get("SESSION_TYPE", "redis")
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 2 -b 0.0.0.0:8000 app:app
                    environment:
                      SESSION_TYPE: filesystem
                    deploy:
                      replicas: 3
                """
            },
        ),
    ),
    (
        "filesystem-sessions-compose-replicas",
        "FD310",
        _files(
            config="""
            class Config:
                SESSION_TYPE = "filesystem"
                SESSION_PERMANENT = False
            """,
            app="""
            from flask import Flask
            from flask_session import Session
            from config import Config

            app = Flask(__name__)
            app.config.from_object(Config)
            Session(app)
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "filesystem-sessions-factory-compose-scale",
        "FD310",
        _files(
            app="""
            from flask import Flask
            from flask_session import Session

            sess = Session()

            def create_app():
                app = Flask(__name__)
                app.config["SESSION_TYPE"] = "filesystem"
                app.config["SESSION_FILE_DIR"] = "/tmp/flask_session"
                sess.init_app(app)
                return app
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn "app:create_app()" -b 0.0.0.0:8000
                    scale: 2
                """
            },
        ),
    ),
    (
        "filesystem-sessions-config-update",
        "FD310",
        _files(
            app="""
            from flask import Flask
            from flask_session import Session

            app = Flask(__name__)
            app.config.update(SESSION_TYPE="filesystem", SESSION_USE_SIGNER=True)
            Session(app)
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "cachelib-filesystem-sessions-replicas",
        "FD310",
        _files(
            config="""
            from cachelib.file import FileSystemCache

            class Config:
                SESSION_TYPE = "cachelib"
                SESSION_CACHELIB = FileSystemCache(cache_dir="/var/lib/app/sessions", threshold=500)
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "filesystem-sessions-env-default",
        "FD310",
        _files(
            config="""
            import os

            class Config:
                SESSION_TYPE = os.environ.get("SESSION_TYPE", "filesystem")
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    # ------------------------------------------------------------------ FD701 cached-view-varies-by-user
    (
        "cached-dashboard-current-user",
        "FD701",
        _files(
            app="""
            from flask import Flask, render_template
            from flask_caching import Cache
            from flask_login import current_user, login_required

            app = Flask(__name__)
            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})

            @app.route("/dashboard")
            @cache.cached(timeout=60)
            @login_required
            def dashboard():
                return render_template("dashboard.html", projects=current_user.projects)
            """
        ),
    ),
    (
        # the page shows nothing of the member, but the sign-in check runs only on a cache miss
        "cached-members-page-above-login-required",
        "FD701",
        _files(
            app="""
            from flask import Flask, render_template
            from flask_caching import Cache
            from flask_login import login_required

            app = Flask(__name__)
            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})

            @app.route("/minutes")
            @cache.cached(timeout=900)
            @login_required
            def minutes():
                return render_template("minutes.html", meetings=load_meetings())
            """
        ),
    ),
    (
        # a Flask-WTF form page behind the cache: the POST never reaches the view
        "cached-wtform-page",
        "FD701",
        _files(
            app="""
            from flask import Flask, redirect, render_template
            from flask_caching import Cache
            from flask_wtf import FlaskForm
            from wtforms import StringField

            app = Flask(__name__)
            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})

            class FeedbackForm(FlaskForm):
                text = StringField("text")

            @app.route("/feedback", methods=["GET", "POST"])
            @cache.cached(timeout=120)
            def feedback():
                form = FeedbackForm()
                if form.validate_on_submit():
                    store_feedback(form.text.data)
                    return redirect("/")
                return render_template("feedback.html", form=form)
            """
        ),
    ),
    (
        "blueprint-cached-session-read",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify, session
            from extensions import cache

            bp = Blueprint("cart", __name__)

            @bp.get("/cart")
            @cache.cached(timeout=30)
            def cart():
                return jsonify(items=session.get("cart", []))
            """,
        ),
    ),
    (
        "cached-list-page-arg-without-query-string",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template, request
            from extensions import cache

            bp = Blueprint("posts", __name__)

            @bp.route("/posts")
            @cache.cached(timeout=300)
            def posts():
                page = request.args.get("page", 1, type=int)
                return render_template("posts.html", page=page)
            """,
        ),
    ),
    (
        "cached-view-g-user-from-before-request",
        "FD701",
        _files(
            app="""
            from flask import Flask, g, jsonify, session
            from flask_caching import Cache

            app = Flask(__name__)
            cache = Cache(app)

            @app.before_request
            def load_user():
                g.user = session.get("user_id")

            @app.get("/me/settings")
            @cache.cached(timeout=120)
            def my_settings():
                return jsonify(user=g.user)
            """
        ),
    ),
    (
        "cached-view-user-read-in-helper",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            services="""
            from flask_login import current_user

            def visible_orders():
                return [o for o in load_orders() if o.owner_id == current_user.id]
            """,
            views="""
            from flask import Blueprint, jsonify
            from extensions import cache
            from services import visible_orders

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            @cache.cached(timeout=60)
            def orders():
                return jsonify([o.to_dict() for o in visible_orders()])
            """,
        ),
    ),
    (
        "cache-imported-under-another-name",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify
            from flask_login import current_user
            from extensions import cache as app_cache

            bp = Blueprint("profile", __name__)

            @bp.get("/profile")
            @app_cache.cached(timeout=60)
            def profile():
                return jsonify(name=current_user.name, email=current_user.email)
            """,
        ),
    ),
    (
        "cached-view-jwt-identity",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            api="""
            from flask import Blueprint, jsonify
            from flask_jwt_extended import get_jwt_identity, jwt_required
            from extensions import cache

            bp = Blueprint("api", __name__)

            @bp.get("/api/notifications")
            @jwt_required()
            @cache.cached(timeout=30)
            def notifications():
                return jsonify(for_user=get_jwt_identity())
            """,
        ),
    ),
    (
        "cached-view-constant-key-prefix-user",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("home", __name__)

            @bp.route("/home")
            @cache.cached(timeout=300, key_prefix="home_page")
            def home():
                return render_template("home.html", unread=current_user.unread_count())
            """,
        ),
    ),
    (
        "cached-view-cookie-read",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template, request
            from extensions import cache

            bp = Blueprint("pages", __name__)

            @bp.route("/")
            @cache.cached(timeout=600)
            def index():
                theme = request.cookies.get("theme", "light")
                return render_template("index.html", theme=theme)
            """,
        ),
    ),
    (
        "query-string-true-but-reads-user",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify, request
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("search", __name__)

            @bp.get("/search")
            @cache.cached(timeout=60, query_string=True)
            def search():
                return jsonify(q=request.args.get("q"), saved=current_user.saved_searches)
            """,
        ),
    ),
    (
        "method-view-decorators-list",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify
            from flask.views import MethodView
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("account", __name__)

            class AccountAPI(MethodView):
                decorators = [cache.cached(timeout=60)]

                def get(self):
                    return jsonify(balance=current_user.balance)

            bp.add_url_rule("/account", view_func=AccountAPI.as_view("account"))
            """,
        ),
    ),
    (
        "restx-resource-get-cached-args",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            api="""
            from flask import request
            from flask_restx import Namespace, Resource
            from extensions import cache

            ns = Namespace("items")

            @ns.route("/items")
            class ItemList(Resource):
                @cache.cached(timeout=60)
                def get(self):
                    limit = int(request.args.get("limit", 20))
                    return {"limit": limit}
            """,
        ),
    ),
    (
        "constant-key-prefix-on-view-with-path-parameter",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from extensions import cache

            bp = Blueprint("products", __name__)

            @bp.route("/product/<int:product_id>")
            @cache.cached(timeout=300, key_prefix="product_page")
            def product(product_id):
                return render_template("product.html", product=load_product(product_id))
            """,
        ),
    ),
    (
        "cached-api-authorization-header",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            api="""
            from flask import Blueprint, jsonify, request
            from extensions import cache

            bp = Blueprint("api", __name__)

            def token_owner():
                return lookup_token(request.headers.get("Authorization", ""))

            @bp.get("/api/v1/me")
            @cache.cached(timeout=60)
            def me():
                return jsonify(token_owner())
            """,
        ),
    ),
    (
        "cached-view-babel-locale",
        "FD701",
        _files(
            extensions=EXTENSIONS,
            app="""
            from flask import Flask, request
            from flask_babel import Babel
            from extensions import cache

            babel = Babel()

            def select_locale():
                return request.accept_languages.best_match(["en", "de", "fr"])

            def create_app():
                app = Flask(__name__)
                cache.init_app(app)
                babel.init_app(app, locale_selector=select_locale)
                return app
            """,
            views="""
            from flask import Blueprint, render_template
            from flask_babel import get_locale
            from extensions import cache

            bp = Blueprint("pages", __name__)

            @bp.route("/pricing")
            @cache.cached(timeout=3600)
            def pricing():
                return render_template("pricing.html", prices=load_prices(str(get_locale())))
            """,
        ),
    ),
    # ------------------------------------------------------------------ FD702 process-local-cache-multi-worker
    (
        "simplecache-production-config-dockerfile-workers",
        "FD702",
        _files(
            config="""
            class Config:
                CACHE_DEFAULT_TIMEOUT = 300

            class ProductionConfig(Config):
                CACHE_TYPE = "SimpleCache"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "cache-constructor-config-gunicorn-conf-cpu",
        "FD702",
        _files(
            extensions="""
            from flask_caching import Cache

            cache = Cache(config={"CACHE_TYPE": "simple", "CACHE_DEFAULT_TIMEOUT": 60})
            """,
            **{
                "gunicorn.conf.py": """
                import multiprocessing

                bind = "0.0.0.0:8000"
                workers = multiprocessing.cpu_count() * 2 + 1
                """
            },
        ),
    ),
    (
        "init-app-config-procfile-workers",
        "FD702",
        _files(
            app="""
            from flask import Flask
            from flask_caching import Cache

            cache = Cache()

            def create_app():
                app = Flask(__name__)
                cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
                return app
            """,
            Procfile='web: gunicorn -w 3 "app:create_app()"\n',
        ),
    ),
    (
        "app-config-simple-uwsgi-processes",
        "FD702",
        _files(
            app="""
            from flask import Flask
            from flask_caching import Cache

            app = Flask(__name__)
            app.config["CACHE_TYPE"] = "simple"
            cache = Cache(app)
            """,
            **{"uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nthreads = 2\n"},
        ),
    ),
    (
        "filesystem-cache-compose-replicas",
        "FD702",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "FileSystemCache"
                CACHE_DIR = "/tmp/app-cache"
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "backend-class-path-simplecache",
        "FD702",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "flask_caching.backends.SimpleCache"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "simplecache-env-default-workers",
        "FD702",
        _files(
            config="""
            import os

            class Config:
                CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "simplecache-web-concurrency-env",
        "FD702",
        _files(
            config="""
            class ProductionConfig:
                CACHE_TYPE = "SimpleCache"
            """,
            Dockerfile="""
            FROM python:3.12-slim
            COPY . /app
            WORKDIR /app
            ENV WEB_CONCURRENCY=4
            CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
            """,
        ),
    ),
    (
        "simplecache-set-in-compose-environment",
        "FD702",
        _files(
            config="""
            import os

            class Config:
                CACHE_TYPE = os.environ.get("CACHE_TYPE", "NullCache")
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 4 -b 0.0.0.0:8000 app:app
                    environment:
                      CACHE_TYPE: SimpleCache
                """
            },
        ),
    ),
    (
        "simplecache-workers-in-entrypoint-script",
        "FD702",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "simple"
            """,
            **{
                "entrypoint.sh": """
                #!/bin/sh
                set -e
                flask db upgrade
                exec gunicorn --workers=4 --bind 0.0.0.0:8000 "app:create_app()"
                """,
                "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                ENTRYPOINT ["/app/entrypoint.sh"]
                """,
            },
        ),
    ),
    # ------------------------------------------------------------------ FD703 memoize-request-dependent-self
    (
        "memoize-on-restx-resource",
        "FD703",
        _files(
            extensions=EXTENSIONS,
            api="""
            from flask_restx import Namespace, Resource
            from extensions import cache

            ns = Namespace("stats")

            @ns.route("/stats")
            class Stats(Resource):
                @cache.memoize(timeout=60)
                def get(self):
                    return {"stats": expensive_stats()}
            """,
        ),
    ),
    (
        "memoize-method-of-object-built-in-view",
        "FD703",
        _files(
            extensions=EXTENSIONS,
            reports="""
            from extensions import cache

            class SalesReport:
                def __init__(self, shop_id):
                    self.shop_id = shop_id

                @cache.memoize(timeout=600)
                def totals(self):
                    return compute_totals(self.shop_id)
            """,
            views="""
            from flask import Blueprint, jsonify
            from reports import SalesReport

            bp = Blueprint("reports", __name__)

            @bp.get("/shops/<int:shop_id>/totals")
            def totals(shop_id):
                return jsonify(SalesReport(shop_id).totals())
            """,
        ),
    ),
    (
        "memoize-on-method-view",
        "FD703",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask.views import MethodView
            from extensions import cache

            class StatsView(MethodView):
                @cache.memoize(timeout=60)
                def get(self):
                    return {"stats": expensive_stats()}
            """,
        ),
    ),
    # a token key pair made at import when the environment lacks it, then used to sign and check JWTs
    (
        "jwt-key-pair-generated-into-environ-at-import",
        "FD301",
        _served(
            app="""
            import os
            import jwt
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from flask import Flask, request

            app = Flask(__name__)

            if not os.environ.get("API_TOKEN_KEY"):
                pair = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                os.environ["API_TOKEN_KEY"] = pair.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode()

            @app.post("/tokens")
            def issue():
                return {"token": jwt.encode({"sub": request.json["user"]}, os.environ["API_TOKEN_KEY"], "RS256")}
            """
        ),
    ),
]

# name, files
GOOD: list[tuple[str, dict[str, str]]] = [
    # the sign-in check above the cache runs on every request; the cached members' page shows no one
    (
        "login-required-above-cache",
        _files(
            app="""
            from flask import Flask, render_template
            from flask_caching import Cache
            from flask_login import login_required

            app = Flask(__name__)
            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})

            @app.route("/minutes")
            @login_required
            @cache.cached(timeout=900)
            def minutes():
                return render_template("minutes.html", meetings=load_meetings())
            """
        ),
    ),
    # the signing key comes from the deployment; a random value exported for something that signs nothing
    (
        "jwt-key-from-environment-only",
        _files(
            app="""
            import os
            import secrets
            import jwt
            from flask import Flask, request

            app = Flask(__name__)
            os.environ["REQUEST_ID_PREFIX"] = secrets.token_hex(4)

            @app.post("/tokens")
            def issue():
                return {"token": jwt.encode({"sub": request.json["user"]}, os.environ["API_TOKEN_KEY"], "RS256")}
            """
        ),
    ),
    # ------------------------------------------------------------------ FD301
    (
        "random-key-only-in-dev-and-test-configs",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]

            class DevelopmentConfig(Config):
                DEBUG = True
                SECRET_KEY = os.urandom(24)

            class TestingConfig(Config):
                TESTING = True
                SECRET_KEY = os.urandom(24)
            """
        ),
    ),
    (
        "random-key-behind-app-debug",
        _files(
            app="""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_prefixed_env()
                if app.debug:
                    app.secret_key = os.urandom(24)
                return app
            """
        ),
    ),
    (
        "random-key-under-main-guard",
        _files(
            app="""
            import secrets
            from flask import Flask

            app = Flask(__name__)
            app.config.from_envvar("APP_SETTINGS")

            if __name__ == "__main__":
                app.secret_key = secrets.token_hex()
                app.run(debug=True)
            """
        ),
    ),
    (
        "key-generated-once-by-setup-command-and-read-from-file",
        _files(
            app="""
            import os
            import secrets
            import click
            from flask import Flask

            KEY_FILE = os.path.join(os.path.dirname(__file__), "instance", "secret_key")

            def create_app():
                app = Flask(__name__)
                with open(KEY_FILE) as fh:
                    app.config["SECRET_KEY"] = fh.read().strip()
                return app

            @click.command("init-secret")
            def init_secret():
                with open(KEY_FILE, "w") as fh:
                    fh.write(secrets.token_hex(32))
            """
        ),
    ),
    (
        "load-or-create-key-file",
        _files(
            app="""
            import os
            from pathlib import Path
            from flask import Flask

            def _secret_key(instance_path):
                path = Path(instance_path) / "secret.key"
                if not path.exists():
                    path.write_bytes(os.urandom(32))
                return path.read_bytes()

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.secret_key = _secret_key(app.instance_path)
                return app
            """
        ),
    ),
    (
        "env-fallback-production-deploy-sets-the-key",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32)
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 4 -b 0.0.0.0:8000 app:app
                    environment:
                      SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}
                """
            },
        ),
    ),
    (
        "random-key-in-test-conftest",
        _files(
            **{
                "tests/conftest.py": """
                import os
                import pytest
                from app import create_app

                @pytest.fixture
                def app():
                    app = create_app()
                    app.config.update(TESTING=True, SECRET_KEY=os.urandom(16))
                    yield app
                """
            },
            app="""
            import os
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
                return app
            """,
        ),
    ),
    (
        "per-request-tokens-are-not-the-key",
        _files(
            app="""
            import os
            import secrets
            from flask import Flask, session

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

            @app.get("/form")
            def form():
                session["nonce"] = secrets.token_urlsafe(16)
                return {"nonce": session["nonce"]}
            """
        ),
    ),
    (
        "cli-command-prints-a-new-key",
        _files(
            app="""
            import os
            import secrets
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

            @app.cli.command("gen-secret")
            def gen_secret():
                print(secrets.token_hex(32))
            """
        ),
    ),
    (
        "random-key-when-flask-env-development",
        _files(
            app="""
            import os
            from flask import Flask

            app = Flask(__name__)
            if os.environ.get("FLASK_ENV") == "development":
                app.config["SECRET_KEY"] = os.urandom(24)
            else:
                app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            """
        ),
    ),
    (
        "env-fallback-refused-at-start-up-in-production",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32)
            """,
            app="""
            import os
            from flask import Flask
            from config import Config

            def create_app():
                app = Flask(__name__)
                app.config.from_object(Config)
                if not app.debug and not os.environ.get("SECRET_KEY"):
                    raise RuntimeError("SECRET_KEY must be set in production")
                return app
            """,
        ),
    ),
    (
        "env-fallback-in-base-config-production-requires-env",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32)

            class DevelopmentConfig(Config):
                DEBUG = True

            class ProductionConfig(Config):
                SECRET_KEY = os.environ["SECRET_KEY"]
            """
        ),
    ),
    (
        "script-writes-env-file-with-new-key",
        _files(
            **{
                "scripts/make_env.py": """
                import secrets

                def main():
                    with open(".env", "w") as fh:
                        fh.write(f"SECRET_KEY={secrets.token_hex(32)}\\n")

                if __name__ == "__main__":
                    main()
                """
            },
            app="""
            import os
            from flask import Flask

            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
            """,
        ),
    ),
    (
        "env-fallback-production-env-file-sets-the-key",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY") or os.urandom(32)
            """,
            **{".env.production": "SECRET_KEY=4f6b0c2d9e8a7f1b3c5d\nDATABASE_URL=postgresql://db/app\n"},
        ),
    ),
    # ------------------------------------------------------------------ FD310
    (
        "filesystem-sessions-one-host-many-workers",
        _files(
            config="""
            class Config:
                SESSION_TYPE = "filesystem"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "filesystem-sessions-only-in-development",
        _files(
            config="""
            import os

            class Config:
                SESSION_TYPE = "redis"

            class DevelopmentConfig(Config):
                SESSION_TYPE = "filesystem"

            class ProductionConfig(Config):
                SESSION_REDIS_URL = os.environ.get("REDIS_URL")
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "redis-sessions-with-replicas",
        _files(
            config="""
            import os
            import redis

            class Config:
                SESSION_TYPE = "redis"
                SESSION_REDIS = redis.from_url(os.environ.get("REDIS_URL", "redis://redis:6379"))
            """,
            **{"docker-compose.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "filesystem-sessions-replicas-only-in-dev-compose",
        _files(
            config="""
            class Config:
                SESSION_TYPE = "filesystem"
            """,
            **{"docker-compose.dev.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "filesystem-sessions-replicated-worker-service-only",
        _files(
            config="""
            class Config:
                SESSION_TYPE = "filesystem"
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 4 -b 0.0.0.0:8000 app:app
                  worker:
                    build: .
                    command: celery -A app.celery worker
                    deploy:
                      replicas: 4
                """
            },
        ),
    ),
    (
        "filesystem-sessions-default-overridden-by-compose",
        _files(
            config="""
            import os

            class Config:
                SESSION_TYPE = os.environ.get("SESSION_TYPE", "filesystem")
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 2 -b 0.0.0.0:8000 app:app
                    environment:
                      SESSION_TYPE: redis
                    deploy:
                      replicas: 3
                """
            },
        ),
    ),
    # ------------------------------------------------------------------ FD701
    (
        "cached-public-page",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from extensions import cache

            bp = Blueprint("pages", __name__)

            @bp.route("/about")
            @cache.cached(timeout=3600)
            def about():
                return render_template("about.html", team=load_team())
            """,
        ),
    ),
    (
        "cached-search-query-string-true",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify, request
            from extensions import cache

            bp = Blueprint("search", __name__)

            @bp.get("/search")
            @cache.cached(timeout=60, query_string=True)
            def search():
                q = request.args.get("q", "")
                page = request.args.get("page", 1, type=int)
                return jsonify(results=find(q, page))
            """,
        ),
    ),
    (
        "cached-view-key-prefix-includes-user",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("dash", __name__)

            def user_cache_key():
                return f"dashboard/{current_user.get_id()}"

            @bp.route("/dashboard")
            @cache.cached(timeout=60, key_prefix=user_cache_key)
            def dashboard():
                return render_template("dashboard.html", projects=current_user.projects)
            """,
        ),
    ),
    (
        "cached-view-make-cache-key-with-user",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify, request, session
            from extensions import cache

            bp = Blueprint("feed", __name__)

            def feed_key(*args, **kwargs):
                return f"feed/{session.get('user_id')}/{request.full_path}"

            @bp.get("/feed")
            @cache.cached(timeout=30, make_cache_key=feed_key)
            def feed():
                return jsonify(items=load_feed(session.get("user_id"), request.args.get("page")))
            """,
        ),
    ),
    (
        "cached-view-unless-authenticated",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("home", __name__)

            @bp.route("/")
            @cache.cached(timeout=120, unless=lambda: current_user.is_authenticated)
            def index():
                return render_template("index.html", user=current_user)
            """,
        ),
    ),
    (
        "memoize-helper-takes-user-id",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, jsonify
            from flask_login import current_user
            from extensions import cache

            bp = Blueprint("stats", __name__)

            @cache.memoize(timeout=300)
            def stats_for(user_id):
                return compute_stats(user_id)

            @bp.get("/stats")
            def stats():
                return jsonify(stats_for(current_user.id))
            """,
        ),
    ),
    (
        "cached-view-path-parameter-default-key",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from extensions import cache

            bp = Blueprint("products", __name__)

            @bp.route("/product/<int:product_id>")
            @cache.cached(timeout=300)
            def product(product_id):
                return render_template("product.html", product=load_product(product_id))
            """,
        ),
    ),
    (
        "cached-helper-with-constant-key-reads-nothing-per-user",
        _files(
            extensions=EXTENSIONS,
            views="""
            from flask import Blueprint, render_template
            from flask_login import current_user, login_required
            from extensions import cache

            bp = Blueprint("board", __name__)

            @cache.cached(timeout=600, key_prefix="leaderboard")
            def leaderboard():
                return load_top_players(limit=10)

            @bp.route("/board")
            @login_required
            def board():
                return render_template("board.html", top=leaderboard(), me=current_user)
            """,
        ),
    ),
    (
        "cached-view-babel-locale-from-url",
        _files(
            extensions=EXTENSIONS,
            app="""
            from flask import Flask, request
            from flask_babel import Babel
            from extensions import cache

            babel = Babel()

            def select_locale():
                return (request.view_args or {}).get("lang", "en")

            def create_app():
                app = Flask(__name__)
                cache.init_app(app)
                babel.init_app(app, locale_selector=select_locale)
                return app
            """,
            views="""
            from flask import Blueprint, render_template
            from flask_babel import get_locale
            from extensions import cache

            bp = Blueprint("pages", __name__)

            @bp.route("/<lang>/pricing")
            @cache.cached(timeout=3600)
            def pricing(lang):
                return render_template("pricing.html", prices=load_prices(str(get_locale())))
            """,
        ),
    ),
    (
        "cache-decorator-above-route-caches-nothing",
        _files(
            app="""
            from flask import Flask, jsonify
            from flask_caching import Cache
            from flask_login import current_user

            app = Flask(__name__)
            cache = Cache(app)

            @cache.cached(timeout=60)
            @app.route("/me")
            def me():
                return jsonify(name=current_user.name)
            """
        ),
    ),
    (
        "cached-view-in-tests",
        _files(
            extensions=EXTENSIONS,
            **{
                "tests/test_cache.py": """
                from flask import Flask, request
                from flask_caching import Cache

                def test_cached_view_ignores_query_string():
                    app = Flask(__name__)
                    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

                    @app.get("/")
                    @cache.cached()
                    def index():
                        return request.args.get("x", "")

                    client = app.test_client()
                    assert client.get("/?x=1").data == client.get("/?x=2").data
                """
            },
        ),
    ),
    # ------------------------------------------------------------------ FD702
    (
        "simplecache-only-in-testing-config",
        _files(
            config="""
            import os

            class Config:
                CACHE_TYPE = "RedisCache"
                CACHE_REDIS_URL = os.environ.get("REDIS_URL")

            class TestingConfig(Config):
                TESTING = True
                CACHE_TYPE = "SimpleCache"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "simplecache-one-worker-many-threads",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "SimpleCache"
            """,
            Dockerfile="""
            FROM python:3.12-slim
            COPY . /app
            WORKDIR /app
            CMD ["gunicorn", "--workers", "1", "--threads", "8", "-b", "0.0.0.0:8000", "app:app"]
            """,
        ),
    ),
    (
        "simplecache-without-deploy-files",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "SimpleCache"
            """
        ),
    ),
    (
        "filesystem-cache-one-host-many-workers",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "FileSystemCache"
                CACHE_DIR = "/var/cache/app"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "null-cache-with-workers",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "NullCache"
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "simplecache-in-test-fixture",
        _files(
            **{
                "tests/conftest.py": """
                import pytest
                from app import create_app

                @pytest.fixture
                def app():
                    return create_app({"TESTING": True, "CACHE_TYPE": "SimpleCache"})
                """
            },
            app="""
            import os
            from flask import Flask
            from flask_caching import Cache

            cache = Cache()

            def create_app(overrides=None):
                app = Flask(__name__)
                app.config["CACHE_TYPE"] = "RedisCache"
                app.config["CACHE_REDIS_URL"] = os.environ.get("REDIS_URL")
                app.config.update(overrides or {})
                cache.init_app(app)
                return app
            """,
            Dockerfile=DOCKERFILE_4_WORKERS,
        ),
    ),
    (
        "simplecache-workers-only-in-dev-compose",
        _files(
            config="""
            class Config:
                CACHE_TYPE = "SimpleCache"
            """,
            **{"docker-compose.dev.yml": COMPOSE_3_REPLICAS},
        ),
    ),
    (
        "simplecache-default-overridden-by-compose",
        _files(
            config="""
            import os

            class Config:
                CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
            """,
            **{
                "docker-compose.yml": """
                services:
                  web:
                    build: .
                    command: gunicorn -w 4 -b 0.0.0.0:8000 app:app
                    environment:
                      CACHE_TYPE: RedisCache
                """
            },
        ),
    ),
    # ------------------------------------------------------------------ FD703
    (
        "memoize-method-with-caching-id",
        _files(
            extensions=EXTENSIONS,
            reports="""
            from extensions import cache

            class SalesReport:
                def __init__(self, shop_id):
                    self.shop_id = shop_id

                def __caching_id__(self):
                    return f"SalesReport:{self.shop_id}"

                @cache.memoize(timeout=600)
                def totals(self):
                    return compute_totals(self.shop_id)
            """,
            views="""
            from flask import Blueprint, jsonify
            from reports import SalesReport

            bp = Blueprint("reports", __name__)

            @bp.get("/shops/<int:shop_id>/totals")
            def totals(shop_id):
                return jsonify(SalesReport(shop_id).totals())
            """,
        ),
    ),
    (
        "memoize-method-of-dataclass",
        _files(
            extensions=EXTENSIONS,
            reports="""
            from dataclasses import dataclass
            from extensions import cache

            @dataclass
            class SalesReport:
                shop_id: int

                @cache.memoize(timeout=600)
                def totals(self):
                    return compute_totals(self.shop_id)
            """,
            views="""
            from flask import Blueprint, jsonify
            from reports import SalesReport

            bp = Blueprint("reports", __name__)

            @bp.get("/shops/<int:shop_id>/totals")
            def totals(shop_id):
                return jsonify(SalesReport(shop_id).totals())
            """,
        ),
    ),
    (
        "memoize-method-of-module-singleton",
        _files(
            extensions=EXTENSIONS,
            catalog="""
            from flask import Blueprint, jsonify
            from extensions import cache

            bp = Blueprint("catalog", __name__)

            class Catalog:
                @cache.memoize(timeout=600)
                def categories(self):
                    return load_categories()

            catalog = Catalog()

            @bp.get("/categories")
            def categories():
                return jsonify(catalog.categories())
            """,
        ),
    ),
    (
        "memoize-classmethod",
        _files(
            extensions=EXTENSIONS,
            models="""
            from flask import Blueprint, jsonify
            from extensions import cache

            bp = Blueprint("rates", __name__)

            class Rates:
                @classmethod
                @cache.memoize(timeout=600)
                def for_currency(cls, code):
                    return fetch_rate(code)

            @bp.get("/rates/<code>")
            def rates(code):
                return jsonify(Rates().for_currency(code))
            """,
        ),
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        path = name if ("." in name or name[:1].isupper()) else f"{name}.py"
        sources[path] = textwrap.dedent(text).lstrip("\n")
    return sources


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
    assert any(f.code == rule and f.severity >= Severity.WARNING for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]
