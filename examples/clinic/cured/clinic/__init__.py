"""The cured clinic: an application factory, blueprints, and every extension bound with init_app."""

import os

import redis
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic.celery_app import celery_init_app
from clinic.extensions import cache, csrf, db, doctor, login_manager, migrate, server_sessions, socketio


def create_app(config_object: str = "clinic.config.ProductionConfig") -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_object)
    app.config.from_prefixed_env("CLINIC")
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: every worker must sign sessions with the same key")
    # Exactly one reverse proxy sits in front of the app (docker-compose.yml): trust one hop (S24).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.config["SESSION_REDIS"] = redis.Redis.from_url(app.config["REDIS_URL"])

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    cache.init_app(app)
    server_sessions.init_app(app)
    # Several workers and the Celery worker reach every client through Redis (S08).
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"],
        channel=app.config["CLINIC_PREFIX"] + "socketio",
        async_mode=os.environ.get("SOCKETIO_ASYNC_MODE", "gevent"),
    )
    doctor.init_app(app)
    celery_init_app(app)

    from clinic import auth, dashboard, errors, ops, patients, reports, waiting_room
    from clinic.cli import clinic_cli

    for blueprint in (auth.bp, patients.bp, dashboard.bp, reports.bp, waiting_room.bp, ops.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    reports.init_app(app)
    app.cli.add_command(clinic_cli)
    return app
