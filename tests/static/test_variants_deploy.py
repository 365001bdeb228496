"""Variant matrix for catalogue S22, S24 and S25 (stale pooled connections, proxies, the development server).

Rules: FD204 engine-without-stale-connection-guard, FD305 debug-in-production, FD306 development-server,
FD307 development-server-in-deploy-file, FD311 spoofable-forwarded-header, FD312 missing-proxy-fix (a note by
design), FD313 proxy-fix-count-mismatch (preview, selected here).

Each variant is a small project written from common Flask / SQLAlchemy / Flask-SQLAlchemy / Werkzeug / gunicorn /
Docker / Heroku idioms (not from the corpus): a bad shape must be reported by its rule (a warning or an error; a
note for FD312, which the catalogue makes advice), a good shape must draw none of these rules, and a shape the
catalogue calls "a note at most" (`app.run(debug=True)` under a main guard in a development script) must draw
nothing above a note.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD204", "FD305", "FD306", "FD307", "FD311", "FD312", "FD313"]

#: Rules whose findings are notes by design (the deploy files rarely show every hop): a note is enough.
NOTE_RULES = frozenset({"FD312"})

#: A factory project with config classes picked from the environment, production by default.
FACTORY = """
import os
from flask import Flask

from config import configs


def create_app(name=None):
    app = Flask(__name__)
    app.config.from_object(configs[name or os.environ.get("APP_CONFIG", "production")])
    return app
"""

CONFIG = """
import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True


class ProductionConfig(Config):
    pass


configs = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}
"""

WSGI = """
from app import create_app

app = create_app()
"""

REQUIREMENTS = "flask==3.0.3\ngunicorn==22.0.0\n"

NGINX = "server {\n  listen 80;\n  location / {\n    proxy_pass http://web:8000;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  }\n}\n"

GUNICORN_DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "wsgi:app"]\n'


#: A factory whose app class the caller may replace (so the app object's type is the factory's), configured
#: from a dotted settings path.
PLUGGABLE_FACTORY = """
from flask import Flask


def create_app(settings_path, app_class=None):
    app = app_class(__name__) if app_class is not None else Flask(__name__)
    app.config.from_object(settings_path)
    return app
"""

TWO_SETTINGS = """
import os


class LocalSettings:
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY")


class DeploySettings(LocalSettings):
    DEBUG = False
"""

#: A WSGI module named for its service; ``{default}`` is the settings used when the variable is unset.
WSGI_FALLING_BACK = """
import os

from app import create_app

application = create_app(os.getenv("INVENTORY_SETTINGS") or "{default}")

if __name__ == "__main__":
    application.run(port=5002)
"""


def _files(**extra: str) -> dict[str, str]:
    files = {"app": FACTORY, "config": CONFIG, "wsgi": WSGI, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD204 engine-without-stale-connection-guard
    (
        "module-engine-postgres-url-literal",
        "FD204",
        _files(
            db="""
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = create_engine("postgresql+psycopg2://app:secret@db:5432/app", pool_size=10)
            db_session = scoped_session(sessionmaker(bind=engine))
            """
        ),
    ),
    (
        "module-engine-mysql-url-from-config-class",
        "FD204",
        _files(
            settings="""
            import os

            class Settings:
                DATABASE_URL = os.environ.get("DATABASE_URL", "mysql+pymysql://app@localhost/app")
            """,
            db="""
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker
            from settings import Settings

            engine = create_engine(Settings.DATABASE_URL)
            SessionLocal = sessionmaker(bind=engine)
            """,
        ),
    ),
    (
        "aliased-create-engine-env-url-psycopg2-import",
        "FD204",
        _files(
            db="""
            import os
            import psycopg2
            from sqlalchemy import create_engine as make_engine
            from sqlalchemy.orm import sessionmaker

            engine = make_engine(os.environ["DATABASE_URL"], echo=False)
            Session = sessionmaker(bind=engine)
            """
        ),
    ),
    (
        "sqlalchemy-module-alias-settings-module-url",
        "FD204",
        _files(
            settings="""
            import os
            DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/shop")
            """,
            db="""
            import sqlalchemy as sa
            import settings

            engine = sa.create_engine(settings.DATABASE_URL, future=True)
            """,
        ),
    ),
    (
        "factory-keeps-engine-on-app",
        "FD204",
        _files(
            app="""
            from flask import Flask
            from sqlalchemy import create_engine

            def create_app():
                app = Flask(__name__)
                app.config["DATABASE_URL"] = "mysql+mysqldb://app@db/app"
                app.engine = create_engine(app.config["DATABASE_URL"])
                return app
            """
        ),
    ),
    (
        "extension-class-engine-in-init-app",
        "FD204",
        _files(
            ext="""
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            class Database:
                def __init__(self, app=None):
                    self.engine = None
                    self.session = None
                    if app is not None:
                        self.init_app(app)

                def init_app(self, app):
                    self.engine = create_engine(app.config["DATABASE_URI"])
                    self.session = scoped_session(sessionmaker(bind=self.engine))
                    app.teardown_appcontext(lambda exc: self.session.remove())

            db = Database()
            """,
            config="""
            class Config:
                DATABASE_URI = "postgresql://app@db/app"
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        "lru-cached-engine-getter",
        "FD204",
        _files(
            db="""
            import functools
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.dialects.postgresql import JSONB

            @functools.lru_cache(maxsize=None)
            def get_engine():
                return create_engine(os.environ["DATABASE_URL"])
            """,
            views="""
            from flask import Blueprint, jsonify
            from sqlalchemy import text
            from db import get_engine

            bp = Blueprint("stats", __name__)

            @bp.get("/stats")
            def stats():
                with get_engine().connect() as conn:
                    return jsonify(count=conn.execute(text("select count(*) from orders")).scalar())
            """,
        ),
    ),
    (
        "lazy-global-engine-singleton",
        "FD204",
        _files(
            db="""
            from flask import current_app
            from sqlalchemy import create_engine

            _engine = None

            def get_engine():
                global _engine
                if _engine is None:
                    _engine = create_engine(current_app.config["SQLALCHEMY_URL"])
                return _engine
            """,
            config="""
            class Config:
                SQLALCHEMY_URL = "mysql+pymysql://shop@mysql/shop"
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        "flask-sqlalchemy-mysql-recycle-above-wait-timeout",
        "FD204",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            class Config:
                SQLALCHEMY_DATABASE_URI = "mysql+pymysql://app@mysql/app"
                DEBUG = False

            configs = {"production": Config}
            """,
            **{
                "docker-compose.yml": (
                    "services:\n"
                    "  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "  mysql:\n    image: mysql:8\n    command: --wait_timeout=600\n"
                )
            },
        ),
    ),
    (
        "engine-options-spread-from-settings-module",
        "FD204",
        _files(
            settings="""
            DATABASE_URL = "mysql+pymysql://app@mysql/app"
            ENGINE_OPTIONS = {"pool_size": 20, "max_overflow": 5}
            """,
            db="""
            from sqlalchemy import create_engine
            import settings

            engine = create_engine(settings.DATABASE_URL, **settings.ENGINE_OPTIONS)
            """,
        ),
    ),
    (
        "engine-from-config-dict-literal",
        "FD204",
        _files(
            db="""
            from sqlalchemy import engine_from_config

            engine = engine_from_config({"sqlalchemy.url": "postgresql://app@db/app", "sqlalchemy.echo": "false"})
            """
        ),
    ),
    (
        "module-pymysql-connection-read-by-view",
        "FD204",
        _files(
            db="""
            import os
            import pymysql

            connection = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="app")
            """,
            views="""
            from flask import Blueprint, jsonify
            import db

            bp = Blueprint("items", __name__)

            @bp.get("/items")
            def items():
                with db.connection.cursor() as cur:
                    cur.execute("select id from item")
                    return jsonify(cur.fetchall())
            """,
        ),
    ),
    (
        "peewee-postgres-without-request-hooks",
        "FD204",
        _files(
            models="""
            from peewee import CharField, Model
            from playhouse.postgres_ext import PostgresqlExtDatabase

            database = PostgresqlExtDatabase("app", host="postgres", user="app")

            class Item(Model):
                name = CharField()

                class Meta:
                    database = database
            """,
            views="""
            from flask import Blueprint, jsonify
            from models import Item

            bp = Blueprint("items", __name__)

            @bp.get("/items")
            def items():
                return jsonify([i.name for i in Item.select()])
            """,
        ),
    ),
    # ------------------------------------------------------------------ FD305 debug-in-production
    (
        "production-config-class-debug-true",
        "FD305",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")

            class DevelopmentConfig(Config):
                DEBUG = True

            class ProductionConfig(Config):
                DEBUG = True

            configs = {"development": DevelopmentConfig, "production": ProductionConfig}
            """
        ),
    ),
    (
        "base-config-debug-true-production-inherits",
        "FD305",
        _files(
            config="""
            class Config:
                DEBUG = True
                SQLALCHEMY_TRACK_MODIFICATIONS = False

            class DevelopmentConfig(Config):
                pass

            class ProductionConfig(Config):
                SESSION_COOKIE_SECURE = True

            configs = {"development": DevelopmentConfig, "production": ProductionConfig}
            """
        ),
    ),
    (
        "config-update-debug-in-factory",
        "FD305",
        _files(
            app="""
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.update(DEBUG=True, SECRET_KEY="x" * 32)
                return app
            """
        ),
    ),
    (
        "from-object-module-debug-true",
        "FD305",
        _files(
            app="""
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_object("settings")
                return app
            """,
            settings="""
            import os
            DEBUG = True
            SECRET_KEY = os.environ["SECRET_KEY"]
            """,
        ),
    ),
    (
        "env-default-true-string",
        "FD305",
        _files(
            config="""
            import os

            class Config:
                DEBUG = os.getenv("DEBUG", "True") == "True"

            configs = {"production": Config}
            """
        ),
    ),
    (
        "dockerfile-env-flask-debug-with-flask-run",
        "FD307",
        _files(
            Dockerfile=(
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENV FLASK_APP=wsgi.py\nENV FLASK_DEBUG=1\n"
                'CMD ["flask", "run", "--host=0.0.0.0"]\n'
            )
        ),
    ),
    (
        "production-env-file-flask-debug",
        "FD305",
        _files(**{".env.production": "FLASK_APP=wsgi.py\nFLASK_DEBUG=1\nDATABASE_URL=postgresql://db/app\n"}),
    ),
    (
        "compose-environment-flask-env-development-with-flask-run",
        "FD307",
        _files(
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    ports:\n      - '80:5000'\n"
                    "    environment:\n      - FLASK_ENV=development\n"
                    "    command: flask run --host=0.0.0.0\n"
                )
            }
        ),
    ),
    # ------------------------------------------------------------------ FD306 development-server
    (
        "module-level-app-run-public",
        "FD306",
        _files(
            run="""
            from app import create_app

            app = create_app()
            app.run(host="0.0.0.0", port=5000)
            """
        ),
    ),
    (
        "module-level-socketio-run-debug",
        "FD306",
        _files(
            chat="""
            from flask import Flask
            from flask_socketio import SocketIO

            app = Flask(__name__)
            socketio = SocketIO(app)

            socketio.run(app, host="0.0.0.0", debug=True)
            """
        ),
    ),
    (
        "console-script-app-run-debug",
        "FD306",
        _files(
            cli="""
            from app import create_app

            def main():
                create_app().run(host="0.0.0.0", port=8080, debug=True)
            """,
            setup="""
            from setuptools import setup

            setup(name="shop", entry_points={"console_scripts": ["shop-server = cli:main"]})
            """,
        ),
    ),
    # ------------------------------------------------------------------ FD307 development-server-in-deploy-file
    (
        "dockerfile-cmd-flask-run-exec-form",
        "FD307",
        _files(
            Dockerfile=(
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
                'ENV FLASK_APP=wsgi.py\nCMD ["flask", "run", "--host=0.0.0.0", "--port=5000"]\n'
            )
        ),
    ),
    (
        "dockerfile-entrypoint-python-m-flask-run",
        "FD307",
        _files(
            Dockerfile=(
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                'ENTRYPOINT ["python", "-m", "flask", "--app", "app:create_app", "run", "--host", "0.0.0.0"]\n'
            )
        ),
    ),
    (
        "dockerfile-python-script-with-main-guard-app-run",
        "FD307",
        _files(
            run="""
            import os
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)))
            """,
            Dockerfile='FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 5000\nCMD ["python", "run.py"]\n',
        ),
    ),
    (
        "procfile-flask-run",
        "FD307",
        _files(Procfile="web: flask --app wsgi run --host=0.0.0.0 --port=$PORT\n"),
    ),
    (
        "procfile-python-app-py",
        "FD307",
        _files(
            server="""
            from app import create_app

            application = create_app()

            if __name__ == "__main__":
                application.run(host="0.0.0.0")
            """,
            Procfile="web: python server.py\n",
        ),
    ),
    (
        "compose-command-flask-run",
        "FD307",
        _files(
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    ports:\n      - '80:5000'\n"
                    "    command: flask run --host=0.0.0.0 --port=5000\n"
                    "  db:\n    image: postgres:16\n"
                )
            }
        ),
    ),
    (
        "entrypoint-script-exec-flask-run",
        "FD307",
        _files(
            Dockerfile='FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./entrypoint.sh"]\n',
            **{"entrypoint.sh": "#!/bin/sh\nset -e\nflask db upgrade\nexec flask run --host=0.0.0.0\n"},
        ),
    ),
    (
        "dockerfile-python-m-package-main",
        "FD307",
        _files(
            **{
                "shop/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
                "shop/__main__.py": (
                    "from shop import app\n\nif __name__ == '__main__':\n    app.run(host='0.0.0.0', port=8000)\n"
                ),
                "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "shop"]\n',
            }
        ),
    ),
    # ------------------------------------------------------------------ FD311 spoofable-forwarded-header
    (
        "limiter-key-func-first-forwarded-for",
        "FD311",
        _files(
            limits="""
            from flask import request
            from flask_limiter import Limiter

            def client_ip():
                return request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[0].strip()

            limiter = Limiter(key_func=client_ip, default_limits=["100 per hour"])
            """
        ),
    ),
    (
        "before-request-allow-list-environ",
        "FD311",
        _files(
            admin="""
            from flask import Blueprint, abort, request

            bp = Blueprint("admin", __name__, url_prefix="/admin")
            OFFICE = {"203.0.113.10", "203.0.113.11"}

            @bp.before_request
            def office_only():
                ip = request.environ.get("HTTP_X_FORWARDED_FOR", request.remote_addr)
                if ip not in OFFICE:
                    abort(403)
            """
        ),
    ),
    (
        "audit-record-stores-forwarded-for",
        "FD311",
        _files(
            audit="""
            from flask import Blueprint, request
            from flask_login import current_user, login_required
            from models import AuditEntry, db

            bp = Blueprint("account", __name__)

            @bp.post("/account/email")
            @login_required
            def change_email():
                current_user.email = request.form["email"]
                db.session.add(AuditEntry(user_id=current_user.id, action="email", ip=request.headers.get("X-Forwarded-For")))
                db.session.commit()
                return "", 204
            """
        ),
    ),
    (
        "helper-getlist-first-used-for-vote-dedup",
        "FD311",
        _files(
            util="""
            from flask import request

            def remote_ip():
                forwarded = request.headers.getlist("X-Forwarded-For")
                return forwarded[0] if forwarded else request.remote_addr
            """,
            polls="""
            from flask import Blueprint, abort
            from models import Vote, db
            from util import remote_ip

            bp = Blueprint("polls", __name__)

            @bp.post("/polls/<int:poll_id>/vote")
            def vote(poll_id):
                ip = remote_ip()
                if Vote.query.filter_by(poll_id=poll_id, ip=ip).first() is not None:
                    abort(409)
                db.session.add(Vote(poll_id=poll_id, ip=ip))
                db.session.commit()
                return "", 201
            """,
        ),
    ),
    (
        "access-route-first-in-method-view",
        "FD311",
        _files(
            api="""
            from flask import abort, request
            from flask.views import MethodView

            TRUSTED = ("10.", "192.168.")

            class MetricsView(MethodView):
                def get(self):
                    if not request.access_route[0].startswith(TRUSTED):
                        abort(403)
                    return {"ok": True}
            """
        ),
    ),
    (
        "restx-resource-forwarded-for-rate-limit",
        "FD311",
        _files(
            api="""
            from flask import request
            from flask_restx import Namespace, Resource
            from ratelimit import too_many

            ns = Namespace("auth")

            @ns.route("/otp")
            class SendOtp(Resource):
                def post(self):
                    ip = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
                    if too_many("otp", ip, limit=5):
                        return {"error": "slow down"}, 429
                    return {"sent": True}
            """
        ),
    ),
    (
        "forwarded-host-in-password-reset-link",
        "FD311",
        _files(
            auth="""
            from flask import Blueprint, request
            from mail import send_mail

            bp = Blueprint("auth", __name__)

            @bp.post("/forgot")
            def forgot():
                host = request.headers.get("X-Forwarded-Host", request.host)
                token = make_token(request.form["email"])
                send_mail(request.form["email"], "Reset", f"https://{host}/reset/{token}")
                return "sent"
            """
        ),
    ),
    # ------------------------------------------------------------------ FD312 missing-proxy-fix (a note)
    (
        "nginx-in-front-limiter-on-remote-address",
        "FD312",
        _files(
            limits="""
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            limiter = Limiter(get_remote_address, default_limits=["200 per day"])
            """,
            **{"nginx/app.conf": NGINX},
        ),
    ),
    (
        "compose-nginx-service-login-record-remote-addr",
        "FD312",
        _files(
            auth="""
            from flask import Blueprint, request
            from models import LoginEvent, db

            bp = Blueprint("auth", __name__)

            @bp.post("/login")
            def login():
                db.session.add(LoginEvent(name=request.form["name"], ip=request.remote_addr))
                db.session.commit()
                return "ok"
            """,
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "  nginx:\n    image: nginx:1.27\n    ports:\n      - '80:80'\n"
                    "    volumes:\n      - ./nginx.conf:/etc/nginx/conf.d/default.conf\n"
                ),
                "nginx.conf": NGINX,
            },
        ),
    ),
    # ------------------------------------------------------------------ FD313 proxy-fix-count-mismatch (preview)
    (
        "proxy-fix-two-hops-one-nginx",
        "FD313",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=1, x_host=1)
                return app
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "proxy-fix-aliased-three-hops-compose-nginx",
        "FD313",
        _files(
            wsgi="""
            from werkzeug.middleware.proxy_fix import ProxyFix as Fixer
            from app import create_app

            app = create_app()
            app.wsgi_app = Fixer(app.wsgi_app, x_for=3, x_proto=3)
            """,
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "  proxy:\n    image: nginx:alpine\n    ports:\n      - '80:80'\n"
                )
            },
        ),
    ),
    # ------------------------------------------------------------------ more shapes
    (
        "env-url-driver-only-in-requirements",
        "FD204",
        _files(
            db="""
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = create_engine(os.environ["DATABASE_URL"])
            db_session = scoped_session(sessionmaker(bind=engine))
            """,
            **{"requirements.txt": REQUIREMENTS + "SQLAlchemy==2.0.31\npsycopg2-binary==2.9.9\n"},
        ),
    ),
    (
        "url-create-mysql",
        "FD204",
        _files(
            db="""
            import os
            from sqlalchemy import URL, create_engine

            url = URL.create(
                "mysql+pymysql",
                username=os.environ["DB_USER"],
                password=os.environ["DB_PASSWORD"],
                host=os.environ.get("DB_HOST", "localhost"),
                database="shop",
            )
            engine = create_engine(url)
            """
        ),
    ),
    (
        "fstring-url-postgres",
        "FD204",
        _files(
            db="""
            import os
            from sqlalchemy import create_engine

            DB_URL = f"postgresql://{os.environ['PGUSER']}:{os.environ['PGPASSWORD']}@{os.environ['PGHOST']}/app"
            engine = create_engine(DB_URL, pool_size=20, max_overflow=0)
            """
        ),
    ),
    (
        "async-engine-asyncpg",
        "FD204",
        _files(
            db="""
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            engine = create_async_engine("postgresql+asyncpg://app@db/app")
            Session = async_sessionmaker(engine)
            """
        ),
    ),
    (
        "engine-url-from-app-config-in-factory-env-in-compose",
        "FD204",
        _files(
            app="""
            import os
            from flask import Flask
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            Session = sessionmaker()

            def create_app():
                app = Flask(__name__)
                app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
                Session.configure(bind=create_engine(app.config["DATABASE_URL"]))
                return app
            """,
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "    environment:\n      DATABASE_URL: postgresql://app:app@db/app\n"
                    "  db:\n    image: postgres:16\n"
                )
            },
        ),
    ),
    (
        "env-lower-in-truthy-default",
        "FD305",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")
                DEBUG = os.environ.get("FLASK_DEBUG", "true").lower() in ("1", "true", "yes")

            configs = {"production": Config}
            """
        ),
    ),
    (
        "app-debug-true-in-factory",
        "FD305",
        _files(
            app="""
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.debug = True
                return app
            """
        ),
    ),
    (
        "from-pyfile-config-debug-true",
        "FD305",
        _files(
            app="""
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=False)
                app.config.from_pyfile("settings.py")
                return app
            """,
            settings="""
            DEBUG = True
            SQLALCHEMY_DATABASE_URI = "sqlite:///app.db"
            """,
        ),
    ),
    (
        "dockerfile-env-debug-with-gunicorn",
        "FD305",
        _files(
            Dockerfile=(
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENV FLASK_DEBUG=1\n"
                'CMD ["gunicorn", "-b", "0.0.0.0:8000", "wsgi:app"]\n'
            )
        ),
    ),
    (
        "compose-environment-map-debug-with-gunicorn",
        "FD305",
        _files(
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    environment:\n      FLASK_DEBUG: 'true'\n"
                    "    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                )
            }
        ),
    ),
    (
        "module-level-app-run-debug-in-app-module",
        "FD306",
        _files(
            app="""
            from flask import Flask

            app = Flask(__name__)

            @app.get("/")
            def index():
                return "hi"

            app.run(debug=True)
            """
        ),
    ),
    (
        "dockerfile-shell-form-migrate-then-flask-run",
        "FD307",
        _files(
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD sh -c "flask db upgrade && flask run --host=0.0.0.0"\n'
        ),
    ),
    (
        "dockerfile-python3-unbuffered-script",
        "FD307",
        _files(
            main="""
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run("0.0.0.0", 8080)
            """,
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["python3", "-u", "main.py"]\n',
        ),
    ),
    (
        "compose-command-list-python-script",
        "FD307",
        _files(
            run="""
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=5000)
            """,
            **{"docker-compose.yml": 'services:\n  web:\n    build: .\n    command: ["python", "run.py"]\n'},
        ),
    ),
    (
        "dockerfile-poetry-run-flask-run",
        "FD307",
        _files(
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["poetry", "run", "flask", "run", "--host", "0.0.0.0"]\n'
        ),
    ),
    (
        "dockerfile-flask-run-host-from-env",
        "FD307",
        _files(Dockerfile='FROM python:3.12-slim\nCOPY . .\nENV FLASK_RUN_HOST=0.0.0.0\nCMD ["flask", "run"]\n'),
    ),
    (
        "supervisor-program-flask-run",
        "FD307",
        _files(
            **{
                "supervisord.conf": (
                    "[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=flask run --host 0.0.0.0 --port 80\n"
                    "directory=/app\n"
                )
            }
        ),
    ),
    (
        "limiter-lambda-forwarded-for",
        "FD311",
        _files(
            limits="""
            from flask import request
            from flask_limiter import Limiter

            limiter = Limiter(key_func=lambda: request.headers.get("X-Forwarded-For", request.remote_addr))
            """
        ),
    ),
    (
        "last-login-ip-stored-on-user",
        "FD311",
        _files(
            auth="""
            from flask import Blueprint, request
            from flask_login import login_user
            from models import User, db

            bp = Blueprint("auth", __name__)

            @bp.post("/login")
            def login():
                user = User.query.filter_by(email=request.form["email"]).first_or_404()
                user.last_login_ip = request.headers.get("X-Forwarded-For", request.remote_addr)
                db.session.commit()
                login_user(user)
                return "ok"
            """
        ),
    ),
    (
        "traefik-labels-remote-addr-allow-list",
        "FD312",
        _files(
            admin="""
            from flask import Blueprint, abort, request

            bp = Blueprint("admin", __name__)

            @bp.before_request
            def office_only():
                if request.remote_addr not in {"203.0.113.10"}:
                    abort(403)
            """,
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "    labels:\n      - traefik.enable=true\n      - traefik.http.routers.web.rule=Host(`example.com`)\n"
                    "  traefik:\n    image: traefik:v3.0\n    ports:\n      - '80:80'\n"
                )
            },
        ),
    ),
    (
        "from-file-json-debug-true",
        "FD305",
        _files(
            app="""
            import json
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.config.from_file("config.json", load=json.load)
                return app
            """,
            **{"config.json": '{"DEBUG": true, "SECRET_KEY": "from-vault"}\n'},
        ),
    ),
    (
        "wsgi-module-sets-debug-after-factory",
        "FD305",
        _files(
            wsgi="""
            from app import create_app

            app = create_app()
            app.config["DEBUG"] = True
            """,
            Procfile="web: gunicorn wsgi:app\n",
        ),
    ),
    (
        "systemd-unit-flask-run",
        "FD307",
        _files(
            **{
                "deploy/shop.service": (
                    "[Unit]\nDescription=shop\n\n[Service]\nWorkingDirectory=/srv/shop\n"
                    "ExecStart=/srv/shop/venv/bin/flask --app wsgi run --host 0.0.0.0 --port 80\nRestart=always\n"
                )
            }
        ),
    ),
    (
        "dockerfile-python-script-socketio-unsafe-werkzeug",
        "FD307",
        _files(
            server="""
            from flask_socketio import SocketIO
            from app import create_app

            app = create_app()
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0", port=5000, allow_unsafe_werkzeug=True)
            """,
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["python", "server.py"]\n',
        ),
    ),
    (
        "allow-list-ip-network-forwarded-for",
        "FD311",
        _files(
            hooks="""
            import ipaddress
            from flask import Blueprint, abort, request

            bp = Blueprint("hooks", __name__)
            GITHUB = ipaddress.ip_network("192.30.252.0/22")

            @bp.post("/hooks/github")
            def github_hook():
                sender = ipaddress.ip_address(request.headers["X-Forwarded-For"].split(",")[0])
                if sender not in GITHUB:
                    abort(403)
                return "ok"
            """
        ),
    ),
    (
        "celery-worker-process-init-global-engine",
        "FD204",
        _files(
            tasks="""
            from celery import Celery
            from celery.signals import worker_process_init
            from sqlalchemy import create_engine

            celery = Celery("jobs", broker="redis://redis:6379/0")
            engine = None

            @worker_process_init.connect
            def init_worker(**kwargs):
                global engine
                engine = create_engine("postgresql://app@db/app")

            @celery.task
            def count_orders():
                with engine.connect() as conn:
                    return conn.exec_driver_sql("select count(*) from orders").scalar()
            """
        ),
    ),
    (
        "bool-of-env-default-true",
        "FD305",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")
                DEBUG = bool(os.environ.get("DEBUG", True))

            configs = {"production": Config}
            """
        ),
    ),
    (
        "procfile-python-m-flask-run",
        "FD307",
        _files(Procfile="web: python -m flask run --host=0.0.0.0 --port=$PORT\n"),
    ),
    (
        "app-engine-entrypoint-flask-run",
        "FD307",
        _files(**{"app.yaml": "runtime: python312\nentrypoint: flask --app wsgi run --host=0.0.0.0 --port=$PORT\n"}),
    ),
    # ------------------------------------------------------------------ S22/S24: gateway proxies, kept cursors, pools
    (
        "mysql-connection-used-through-module-cursor",
        "FD204",
        _files(
            views="""
            import mysql.connector
            from flask import Blueprint, jsonify

            bp = Blueprint("catalogue", __name__)
            cnx = mysql.connector.connect(host="db", user="shop", password="x", database="shop")
            cursor = cnx.cursor(dictionary=True)

            @bp.get("/products")
            def products():
                cursor.execute("select id, name from product")
                return jsonify(cursor.fetchall())
            """
        ),
    ),
    (
        "psycopg2-threaded-pool-kept-for-requests",
        "FD204",
        _files(
            db="""
            import os
            from psycopg2.pool import ThreadedConnectionPool

            pool = ThreadedConnectionPool(2, 10, os.environ["DATABASE_URL"])
            """,
            views="""
            from flask import Blueprint, jsonify
            from db import pool

            bp = Blueprint("orders", __name__)

            @bp.get("/orders")
            def orders():
                conn = pool.getconn()
                try:
                    with conn.cursor() as cur:
                        cur.execute("select id from orders")
                        return jsonify(cur.fetchall())
                finally:
                    pool.putconn(conn)
            """,
        ),
    ),
]

GOOD: list[tuple[str, dict[str, str]]] = [
    (
        "named-wsgi-module-falls-back-to-deploy-config",
        {
            "app": PLUGGABLE_FACTORY,
            "settings": TWO_SETTINGS,
            "inventory_wsgi": WSGI_FALLING_BACK.format(default="settings.DeploySettings"),
            "requirements.txt": REQUIREMENTS,
        },
    ),
    # ------------------------------------------------------------------ S22: engines that cannot go stale
    (
        "engine-env-url-pool-pre-ping",
        _files(
            db="""
            import os
            import psycopg2
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True, pool_size=10)
            """
        ),
    ),
    (
        "mysql-engine-pool-recycle",
        _files(
            db="""
            from sqlalchemy import create_engine

            engine = create_engine("mysql+pymysql://app@db/app", pool_recycle=1800)
            """
        ),
    ),
    (
        "sqlite-engine",
        _files(
            db="""
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            engine = create_engine("sqlite:///instance/app.db", connect_args={"check_same_thread": False})
            Session = sessionmaker(bind=engine)
            """
        ),
    ),
    (
        "null-pool-engine",
        _files(
            db="""
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine("postgresql://app@pgbouncer:6432/app", poolclass=NullPool)
            """
        ),
    ),
    (
        "engine-options-dict-with-pre-ping",
        _files(
            db="""
            import os
            from sqlalchemy import create_engine

            ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
            engine = create_engine(os.getenv("DATABASE_URL", "postgresql://localhost/app"), **ENGINE_OPTIONS)
            """
        ),
    ),
    (
        "flask-sqlalchemy-mysql-defaults",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            class Config:
                SQLALCHEMY_DATABASE_URI = "mysql+pymysql://app@mysql/app"
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 20}
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        "flask-sqlalchemy-mysql-recycle-below-wait-timeout",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            class Config:
                SQLALCHEMY_DATABASE_URI = "mysql+pymysql://app@mysql/app"
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 280}
                DEBUG = False

            configs = {"production": Config}
            """,
            **{
                "docker-compose.yml": (
                    "services:\n"
                    "  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "  mysql:\n    image: mysql:8\n    command: --wait_timeout=300\n"
                )
            },
        ),
    ),
    (
        "engines-in-tests-migrations-and-cli",
        _files(
            **{
                "tests/__init__.py": "",
                "tests/conftest.py": (
                    "import pytest\nfrom sqlalchemy import create_engine\n\n\n@pytest.fixture\ndef engine():\n"
                    "    return create_engine('postgresql://test@localhost/test')\n"
                ),
                "migrations/env.py": (
                    "from alembic import context\nfrom sqlalchemy import create_engine\n\n"
                    "connectable = create_engine('postgresql://app@db/app')\n"
                    "with connectable.connect() as connection:\n"
                    "    context.configure(connection=connection)\n"
                ),
                "commands.py": (
                    "import click\nfrom sqlalchemy import create_engine, text\n\n\n@click.command()\n"
                    "@click.argument('url')\ndef vacuum(url):\n    engine = create_engine(url)\n"
                    "    with engine.connect() as conn:\n        conn.execute(text('vacuum'))\n"
                ),
            }
        ),
    ),
    (
        "engine-options-spread-from-settings-with-pre-ping",
        _files(
            settings="""
            DATABASE_URL = "mysql+pymysql://app@mysql/app"
            ENGINE_OPTIONS = {"pool_size": 20, "pool_pre_ping": True}
            """,
            db="""
            from sqlalchemy import create_engine
            import settings

            engine = create_engine(settings.DATABASE_URL, **settings.ENGINE_OPTIONS)
            """,
        ),
    ),
    (
        # PostgreSQL keeps idle connections open by default: without a pooler or server timeout in sight,
        # Flask-SQLAlchemy's engine without pool options is not reported
        "flask-sqlalchemy-postgres-config-class-no-pool-options",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            import os

            class Config:
                SQLALCHEMY_DATABASE_URI = os.getenv("DATABASE_URL", "postgresql://app@postgres/app")
                SQLALCHEMY_TRACK_MODIFICATIONS = False
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        # the URI is read at run time and only the requirements say PostgreSQL: no finding either
        "flask-sqlalchemy-env-uri-postgres-driver-required",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            import os

            class Config:
                SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
                DEBUG = False

            configs = {"production": Config}
            """,
            **{"requirements.txt": REQUIREMENTS + "Flask-SQLAlchemy==3.1.1\npsycopg2-binary==2.9.9\n"},
        ),
    ),
    (
        "flask-sqlalchemy-postgres-engine-options-in-config",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()
            """,
            config="""
            import os

            class Config:
                SQLALCHEMY_DATABASE_URI = os.getenv("DATABASE_URL", "postgresql://app@postgres/app")
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800, "pool_pre_ping": True}
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        "pymysql-connection-per-request",
        _files(
            db="""
            import pymysql
            from flask import current_app, g

            def get_db():
                if "db" not in g:
                    g.db = pymysql.connect(host=current_app.config["DB_HOST"], user="app", database="app")
                return g.db

            def close_db(exc=None):
                conn = g.pop("db", None)
                if conn is not None:
                    conn.close()
            """,
            views="""
            from flask import Blueprint, jsonify
            from db import get_db

            bp = Blueprint("items", __name__)

            @bp.get("/items")
            def items():
                with get_db().cursor() as cur:
                    cur.execute("select id from item")
                    return jsonify(cur.fetchall())
            """,
        ),
    ),
    (
        "peewee-wrapped-in-flaskdb",
        _files(
            models="""
            from peewee import CharField, Model, MySQLDatabase
            from playhouse.flask_utils import FlaskDB

            database = MySQLDatabase("app", host="mysql", user="app")
            db_wrapper = FlaskDB(database=database)

            class Item(db_wrapper.Model):
                name = CharField()
            """,
            views="""
            from flask import Blueprint, jsonify
            from models import Item

            bp = Blueprint("items", __name__)

            @bp.get("/items")
            def items():
                return jsonify([i.name for i in Item.select()])
            """,
        ),
    ),
    (
        "peewee-closed-in-teardown-under-an-import-alias",
        _files(
            models="""
            from peewee import MySQLDatabase

            db = MySQLDatabase("app", host="mysql", user="app")
            """,
            app="""
            from flask import Flask
            from models import db as database

            def create_app():
                app = Flask(__name__)

                @app.before_request
                def connect():
                    database.connect(reuse_if_open=True)

                @app.teardown_request
                def disconnect(exc):
                    if not database.is_closed():
                        database.close()

                return app
            """,
        ),
    ),
    (
        "dbapi-connection-in-a-cli-command",
        _files(
            commands="""
            import click
            import psycopg2

            conn = None

            @click.command()
            @click.argument("dsn")
            def reindex(dsn):
                global conn
                conn = psycopg2.connect(dsn)
                with conn, conn.cursor() as cur:
                    cur.execute("reindex database app")
            """
        ),
    ),
    # ------------------------------------------------------------------ S24: proxies handled
    (
        "forwarded-for-only-logged",
        _files(
            views="""
            from flask import Blueprint, current_app, request

            bp = Blueprint("main", __name__)

            @bp.get("/")
            def index():
                current_app.logger.info("visit from %s", request.headers.get("X-Forwarded-For", request.remote_addr))
                return "hello"
            """
        ),
    ),
    (
        "proxy-fix-in-factory-and-remote-addr",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
                return app
            """,
            limits="""
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            limiter = Limiter(get_remote_address, default_limits=["200 per day"])
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "proxy-fix-from-settings",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                app.config.from_prefixed_env()
                hops = app.config.get("PROXY_HOPS", 0)
                if hops:
                    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
                return app
            """,
            auth="""
            from flask import Blueprint, request
            from models import LoginEvent, db

            bp = Blueprint("auth", __name__)

            @bp.post("/login")
            def login():
                db.session.add(LoginEvent(name=request.form["name"], ip=request.remote_addr))
                db.session.commit()
                return "ok"
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "proxy-fix-in-wsgi-module",
        _files(
            wsgi="""
            from werkzeug.middleware.proxy_fix import ProxyFix
            from app import create_app

            app = create_app()
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
            """,
            limits="""
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            limiter = Limiter(get_remote_address)
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "last-forwarded-hop-and-tests-setting-header",
        _files(
            views="""
            from flask import Blueprint, abort, request

            bp = Blueprint("main", __name__)
            ALLOWED = {"10.0.0.5"}

            @bp.post("/hooks/deploy")
            def deploy_hook():
                ip = request.headers.get("X-Forwarded-For", request.remote_addr).split(",")[-1].strip()
                if ip not in ALLOWED:
                    abort(403)
                return "ok"
            """,
            **{
                "tests/__init__.py": "",
                "tests/test_hooks.py": (
                    "def test_hook(client):\n"
                    "    r = client.post('/hooks/deploy', headers={'X-Forwarded-For': '10.0.0.5'})\n"
                    "    assert r.status_code == 200\n"
                    "    ip = r.request.headers.get('X-Forwarded-For')\n"
                    "    assert ip == '10.0.0.5'\n"
                ),
            },
        ),
    ),
    (
        "proxy-fix-one-hop-nginx-and-compose",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
                return app
            """,
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 wsgi:app\n"
                    "  nginx:\n    image: nginx:1.27\n    ports:\n      - '80:80'\n"
                ),
                "nginx.conf": NGINX,
            },
        ),
    ),
    (
        "proxy-fix-counts-without-declared-proxy",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=2)
                return app
            """
        ),
    ),
    # ------------------------------------------------------------------ S25: production servers, dev files
    (
        "dockerfile-gunicorn",
        _files(Dockerfile=GUNICORN_DOCKERFILE),
    ),
    (
        "procfile-gunicorn-release-flask-db-upgrade",
        _files(Procfile="release: flask db upgrade\nweb: gunicorn wsgi:app --workers 3\n"),
    ),
    (
        "compose-dev-file-flask-run-debug",
        _files(
            Dockerfile=GUNICORN_DOCKERFILE,
            **{
                "docker-compose.dev.yml": (
                    "services:\n  web:\n    build: .\n    environment:\n      FLASK_DEBUG: '1'\n"
                    "    command: flask --app wsgi run --host=0.0.0.0 --debug\n    volumes:\n      - .:/app\n"
                )
            },
        ),
    ),
    (
        "compose-override-flask-run",
        _files(
            Dockerfile=GUNICORN_DOCKERFILE,
            **{
                "docker-compose.yml": "services:\n  web:\n    build: .\n    ports:\n      - '8000:8000'\n",
                "docker-compose.override.yml": (
                    "services:\n  web:\n    environment:\n      - FLASK_DEBUG=1\n"
                    "    command: flask --app wsgi run --host=0.0.0.0 --port=8000\n"
                ),
            },
        ),
    ),
    (
        "dockerfile-dev-flask-run",
        _files(
            Dockerfile=GUNICORN_DOCKERFILE,
            **{
                "Dockerfile.dev": 'FROM python:3.12-slim\nCOPY . .\nENV FLASK_DEBUG=1\nCMD ["flask", "run", "-h", "0.0.0.0"]\n'
            },
        ),
    ),
    (
        "python-script-serves-with-waitress",
        _files(
            serve="""
            import os
            from waitress import serve
            from app import create_app

            if __name__ == "__main__":
                serve(create_app(), host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))
            """,
            Dockerfile='FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "serve.py"]\n',
        ),
    ),
    (
        "flaskenv-debug-with-gunicorn-in-production",
        _files(
            Procfile="web: gunicorn wsgi:app\n",
            **{
                ".flaskenv": "FLASK_APP=wsgi.py\nFLASK_DEBUG=1\n",
                ".env.example": "FLASK_DEBUG=1\nSECRET_KEY=change-me\n",
            },
        ),
    ),
    (
        "debug-only-in-development-and-testing-config",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")

            class DevelopmentConfig(Config):
                DEBUG = True
                SQLALCHEMY_ECHO = True

            class TestingConfig(Config):
                DEBUG = True
                TESTING = True

            class ProductionConfig(Config):
                DEBUG = False

            configs = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}
            """
        ),
    ),
    (
        "debug-from-environment-off-by-default",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")
                DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"

            configs = {"production": Config}
            """
        ),
    ),
    # ------------------------------------------------------------------ more shapes
    (
        "cached-engine-getter-with-pre-ping",
        _files(
            db="""
            import functools
            import os
            import psycopg2
            from sqlalchemy import create_engine

            @functools.lru_cache(maxsize=None)
            def get_engine():
                return create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True, pool_recycle=1800)
            """
        ),
    ),
    (
        "async-engine-pre-ping",
        _files(
            db="""
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_pre_ping=True)
            """
        ),
    ),
    (
        "flask-sqlalchemy-postgres-engine-options-pre-ping",
        _files(
            ext="""
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"pool_pre_ping": True})
            """,
            config="""
            import os

            class Config:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql://localhost/app")
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 10}
                DEBUG = False

            configs = {"production": Config}
            """,
        ),
    ),
    (
        "env-url-no-server-database-in-sight",
        _files(
            db="""
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///data.db"))
            """
        ),
    ),
    (
        "compose-migrate-then-gunicorn",
        _files(
            **{
                "docker-compose.yml": (
                    "services:\n  web:\n    build: .\n"
                    '    command: sh -c "flask db upgrade && gunicorn -b 0.0.0.0:8000 wsgi:app"\n'
                )
            }
        ),
    ),
    (
        "procfile-worker-flask-command",
        _files(Procfile="web: gunicorn wsgi:app\nworker: flask rq worker\nclock: flask scheduler\n"),
    ),
    (
        "python-script-gevent-wsgiserver",
        _files(
            serve="""
            from gevent.pywsgi import WSGIServer
            from app import create_app

            if __name__ == "__main__":
                WSGIServer(("0.0.0.0", 8000), create_app()).serve_forever()
            """,
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["python", "serve.py"]\n',
        ),
    ),
    (
        "dockerfile-uv-run-gunicorn",
        _files(
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["uv", "run", "gunicorn", "-b", "0.0.0.0:8000", "wsgi:app"]\n'
        ),
    ),
    (
        "main-guard-app-run-without-debug-and-gunicorn-deploy",
        _files(
            run="""
            import os
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)))
            """,
            Procfile="web: gunicorn run:app\n",
        ),
    ),
    (
        "proxy-fix-old-contrib-import",
        _files(
            wsgi="""
            from werkzeug.contrib.fixers import ProxyFix
            from app import create_app

            app = create_app()
            app.wsgi_app = ProxyFix(app.wsgi_app)
            """,
            limits="""
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            limiter = Limiter(get_remote_address)
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "python-script-socketio-run-with-eventlet",
        _files(
            server="""
            import eventlet
            eventlet.monkey_patch()

            from flask_socketio import SocketIO
            from app import create_app

            app = create_app()
            socketio = SocketIO(app, async_mode="eventlet")

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0", port=5000)
            """,
            Dockerfile='FROM python:3.12-slim\nCOPY . .\nCMD ["python", "server.py"]\n',
            **{"requirements.txt": REQUIREMENTS + "flask-socketio==5.3.6\neventlet==0.36.1\n"},
        ),
    ),
    (
        "compose-local-file-and-dev-env-file",
        _files(
            Procfile="web: gunicorn wsgi:app\n",
            **{
                "docker-compose.local.yml": (
                    "services:\n  web:\n    build: .\n    environment:\n      - FLASK_DEBUG=1\n"
                    "    command: flask run --host=0.0.0.0 --debug\n"
                ),
                ".env.development": "FLASK_DEBUG=1\n",
            },
        ),
    ),
    (
        "dev-dockerfile-in-dev-folder",
        _files(
            Dockerfile=GUNICORN_DOCKERFILE,
            **{
                "docker/dev/Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["flask", "run", "--host=0.0.0.0", "--debug"]\n'
            },
        ),
    ),
    (
        "debug-env-compared-false-by-default",
        _files(
            config="""
            import os

            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY")
                DEBUG = os.environ.get("DEBUG", "False").lower() == "true"

            configs = {"production": Config}
            """
        ),
    ),
    (
        "proxy-fix-count-from-settings",
        _files(
            app="""
            from flask import Flask
            from werkzeug.middleware.proxy_fix import ProxyFix

            def create_app():
                app = Flask(__name__)
                hops = app.config.get("PROXY_COUNT", 1)
                app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
                return app
            """,
            **{"nginx.conf": NGINX},
        ),
    ),
    (
        "access-route-last-hop-through-a-local",
        _files(
            hooks="""
            from flask import Blueprint, abort, request

            bp = Blueprint("hooks", __name__)

            @bp.post("/hooks/deploy")
            def deploy_hook():
                hops = request.access_route
                if hops[-1] not in {"10.0.0.5"}:
                    abort(403)
                return "ok"
            """
        ),
    ),
    (
        "app-engine-entrypoint-gunicorn",
        _files(**{"app.yaml": "runtime: python312\nentrypoint: gunicorn -b :$PORT wsgi:app\n"}),
    ),
    (
        "nginx-uwsgi-pass-with-uwsgi-params-and-remote-addr",
        _files(
            limits="""
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            limiter = Limiter(get_remote_address, default_limits=["100 per hour"])
            """,
            **{
                "deploy/nginx.conf": (
                    "server {\n  listen 80;\n  location / {\n    include uwsgi_params;\n"
                    "    uwsgi_pass unix:/run/app.sock;\n  }\n}\n"
                ),
                "uwsgi.ini": "[uwsgi]\nmodule = wsgi:app\nsocket = /run/app.sock\nprocesses = 4\n",
            },
        ),
    ),
    (
        "mysql-connection-and-cursor-only-for-a-cli-command",
        _files(
            maintenance="""
            import click
            import mysql.connector
            from flask import current_app

            link = mysql.connector.connect(host="db", user="ops", database="ops")
            cur = link.cursor()

            @current_app.cli.command("vacuum-logs")
            def vacuum_logs():
                cur.execute("delete from log where created < now() - interval 30 day")
                link.commit()
                click.echo("done")
            """
        ),
    ),
    (
        "flask-sqlalchemy-postgres-celery-with-pre-ping",
        _files(
            extensions="""
            import os
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            class DatabaseSettings:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql+psycopg2://app@db/app")
                SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800}
            """,
            tasks="""
            from celery import shared_task
            from extensions import db

            @shared_task
            def purge_tokens():
                db.session.execute(db.text("delete from token where expires_at < now()"))
                db.session.commit()
            """,
        ),
    ),
]

#: Shapes that may draw a note and nothing more: the catalogue makes `app.run(debug=True)` under
#: `if __name__ == "__main__":` in a development script a note.
NOTE_AT_MOST: list[tuple[str, dict[str, str]]] = [
    (
        # `service_wsgi.py` (what the WSGI server imports, with a main block for local runs) falls back to the
        # local config, which turns debug on, when the variable naming the config is unset: a note, since the
        # deployment only gets it by leaving that variable out
        "named-wsgi-module-falls-back-to-debug-config",
        {
            "app": PLUGGABLE_FACTORY,
            "settings": TWO_SETTINGS,
            "inventory_wsgi": WSGI_FALLING_BACK.format(default="settings.LocalSettings"),
            "requirements.txt": REQUIREMENTS,
        },
    ),
    (
        "main-guard-app-run-debug-with-gunicorn-deploy",
        _files(
            run="""
            from app import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(debug=True)
            """,
            Dockerfile=GUNICORN_DOCKERFILE,
        ),
    ),
    (
        "dev-script-socketio-run-debug",
        _files(
            manage="""
            from flask_socketio import SocketIO
            from app import create_app

            app = create_app()
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, debug=True, use_reloader=True)
            """,
            Procfile="web: gunicorn --worker-class eventlet -w 1 manage:app\n",
        ),
    ),
    # the scheme is only compared with "http" to redirect: nothing to spoof (FD311 silent); the hand-made https
    # redirect does show a TLS-terminating proxy the app was not told about, which FD312 says as a note
    (
        "forwarded-proto-https-redirect",
        _files(
            app="""
            from flask import Flask, redirect, request

            def create_app():
                app = Flask(__name__)

                @app.before_request
                def force_https():
                    if request.headers.get("X-Forwarded-Proto", "http") == "http":
                        return redirect(request.url.replace("http://", "https://", 1), code=301)

                return app
            """
        ),
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        path = name if "." in name or name.rsplit("/", 1)[-1] in ("Dockerfile", "Procfile") else f"{name}.py"
        sources[path] = textwrap.dedent(text).lstrip("\n")
    return sources


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES, preview=True)


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
    least = Severity.NOTE if rule in NOTE_RULES else Severity.WARNING
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


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in NOTE_AT_MOST],
)
def test_development_script_is_a_note_at_most(files):
    found = _found(files)
    assert all(f.severity <= Severity.NOTE for f in found), [
        (f.code, f.severity.name, str(f.location), f.message) for f in found
    ]


#: Flask-SQLAlchemy's PostgreSQL pool kept by background job workers: a note (the deployment decides whether
#: something in between drops idle connections), never silent and never more.
CELERY_WORKER_POOL = _files(
    extensions="""
            import os
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy()

            class DatabaseSettings:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "postgresql+psycopg2://app@db/app")
            """,
    tasks="""
            from celery import shared_task
            from extensions import db

            @shared_task
            def purge_tokens():
                db.session.execute(db.text("delete from token where expires_at < now()"))
                db.session.commit()
            """,
)


def test_extension_pool_used_by_jobs_is_a_note():
    found = [f for f in _found(CELERY_WORKER_POOL) if f.code == "FD204"]
    assert [f.severity for f in found] == [Severity.NOTE], [(f.code, f.severity.name, f.message) for f in found]
