"""A well-configured production app: the audit must report nothing for it."""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery
from flask import Flask, render_template_string, request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

REDIS_URL = os.environ.get("FLASK_DOCTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")
DATABASE_URL = os.environ.get("FLASK_DOCTOR_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")

db = SQLAlchemy()
cache = Cache()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(get_remote_address, storage_uri=REDIS_URL)
socketio = SocketIO()
celery = Celery(__name__)


class ProductionConfig:
    SECRET_KEY = os.environ["GOOD_APP_SECRET_KEY"]
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_HOSTS = ["example.com"]
    SERVER_NAME = "example.com"  # Flask < 3.1 has no TRUSTED_HOSTS
    SQLALCHEMY_DATABASE_URI = DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800}
    SQLALCHEMY_TRACK_MODIFICATIONS = False  # Flask-SQLAlchemy 2.x: unset means on
    CACHE_TYPE = "RedisCache"
    CACHE_REDIS_URL = REDIS_URL


class CeleryConfig:
    broker_url = REDIS_URL
    result_backend = REDIS_URL
    task_acks_late = True
    task_reject_on_worker_lost = True
    broker_connection_retry_on_startup = True
    task_soft_time_limit = 60
    task_time_limit = 90
    worker_prefetch_multiplier = 1


@celery.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5, shared=False)
def send_welcome(user_id: int) -> None:
    import requests

    requests.post("https://mail.example.com/send", json={"user": user_id}, timeout=5)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_object(ProductionConfig)
    db.init_app(app)
    cache.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    socketio.init_app(app, message_queue=REDIS_URL, cors_allowed_origins=["https://example.com"])
    celery.config_from_object(CeleryConfig)
    app.extensions["celery"] = celery
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    @login_manager.user_loader
    def load_user(user_id: str) -> None:
        return None

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.route("/contact", methods=["GET", "POST"])
    def contact() -> str:
        name = request.form.get("name", "")
        return render_template_string("thanks {{ name }}", name=name)

    @app.errorhandler(Exception)
    def on_error(e: Exception):  # type: ignore[no-untyped-def]
        if isinstance(e, HTTPException):
            return e
        return "internal error", 500

    return app
