"""A Flask-SQLAlchemy app that runs on 2.5 (SQLAlchemy 1.4) and on 3.x (SQLAlchemy 2.0).

The database comes from ``FSA_APP_DATABASE_URL`` (PostgreSQL or MariaDB), with
one bind (``reports``) to the same server.  No ``pool_pre_ping``: the probe's
stale-connection test must fail.  ``SQLALCHEMY_TRACK_MODIFICATIONS`` is left
unset, which 2.x treats as on.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from werkzeug.middleware.proxy_fix import ProxyFix

db = SQLAlchemy()


class Order(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "fsa_app_orders"
    id = db.Column(db.Integer, primary_key=True)


class ProductionConfig:
    SECRET_KEY = os.environ.get("FSA_APP_SECRET_KEY", "")
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_HOSTS = ["example.com"]
    MAX_CONTENT_LENGTH = 1024 * 1024
    SQLALCHEMY_DATABASE_URI = os.environ.get("FSA_APP_DATABASE_URL", "sqlite://")
    SQLALCHEMY_BINDS = {"reports": os.environ.get("FSA_APP_DATABASE_URL", "sqlite://")}


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_object(ProductionConfig)
    db.init_app(app)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app
