"""An app full of planted secrets: none of them may appear in any audit output.

* ``SECRET_KEY`` in ``config.yaml``, unquoted (YAML needs no quotes): a weak
  key, so FD341 points at that line and the text report prints it;
* database and Redis URLs whose passwords hold raw ``@`` and ``/``;
* ``MAIL_PASSWORD`` and a broker URL with a password;
* a session interface whose serializer fails with the key in its error, so a
  check crashes (FD004) with the secret in the exception text.
"""

from __future__ import annotations

import os

import yaml
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_sqlalchemy import SQLAlchemy

PLANTED = (
    "supersecretkey123",
    "Tr0ub4dor-p@ss/word",
    "M41l-passw0rd-planted",
    "R3dis-p@ss/w0rd",
    "Br0ker-p@ss/w0rd",
)
DB_PORT = os.environ.get("SECRETSAPP_DB_PORT", "1")  # nothing listens on port 1: the probe reports FD240

db = SQLAlchemy()


class LeakySessions(SecureCookieSessionInterface):
    def get_signing_serializer(self, app):  # type: ignore[no-untyped-def]
        raise ValueError(f"cannot sign with {app.secret_key} (password={app.config['MAIL_PASSWORD']})")


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_file("config.yaml", load=yaml.safe_load)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"postgresql+psycopg2://shop:Tr0ub4dor-p@ss/word@127.0.0.1:{DB_PORT}/shop"
    app.config["MAIL_PASSWORD"] = "M41l-passw0rd-planted"
    app.config["REDIS_URL"] = "redis://:R3dis-p@ss/w0rd@127.0.0.1:1/0"
    app.config["CELERY_BROKER_URL"] = "amqp://shop:Br0ker-p@ss/w0rd@127.0.0.1:1//"
    db.init_app(app)
    app.session_interface = LeakySessions()
    return app
