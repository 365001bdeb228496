"""Config from FLASK-style prefixed environment variables."""

from __future__ import annotations

import os

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env(os.environ.get("FLASK_DOCTOR_TEST_FACTORY_PREFIX", "FLASK"))
    return app
