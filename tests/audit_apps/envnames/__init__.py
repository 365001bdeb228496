"""An app that reads its key from APP_SIGNING_SECRET, not SECRET_KEY."""

from __future__ import annotations

import os

from flask import Flask


class Config:
    SECRET_KEY = os.environ.get("APP_SIGNING_SECRET", "")


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_object(Config)
    return app
