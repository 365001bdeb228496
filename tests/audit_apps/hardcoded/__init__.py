"""A strong key, but written in the repository; instance config from a file."""

from __future__ import annotations

import os

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "9f2c1e7a4b8d3f6e0a5c7b9d1e3f5a7c9b2d4f6a8c0e2b4d"
    app.config.from_pyfile(os.path.join(os.path.dirname(__file__), "instance.cfg"))
    return app
