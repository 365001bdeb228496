"""A production app with a GET route that writes to PostgreSQL (a cron endpoint).

The audit must never call it on its own; only ``--sample-view purge_old_orders`` may.
The table name comes from ``CRONAPP_TABLE`` so that each test uses its own table.
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text
from werkzeug.middleware.proxy_fix import ProxyFix

DATABASE_URL = os.environ.get("FLASK_DOCTOR_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


class ProductionConfig:
    SECRET_KEY = os.environ["CRONAPP_SECRET_KEY"]
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_HOSTS = ["example.com"]
    MAX_CONTENT_LENGTH = 1024 * 1024


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_object(ProductionConfig)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    engine = create_engine(DATABASE_URL, pool_pre_ping=True)
    table = os.environ["CRONAPP_TABLE"]

    @app.get("/cron/purge-old-orders")
    def purge_old_orders() -> str:
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {table} (note) VALUES ('purged')"))
        return "purged"

    return app
