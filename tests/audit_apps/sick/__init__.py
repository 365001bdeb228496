"""A sick production app: one or more problems per audit check."""

from __future__ import annotations

import os

from flask import Flask, request, session
from werkzeug.middleware.profiler import ProfilerMiddleware


class Config:
    SECRET_KEY = "change-me"
    SESSION_COOKIE_HTTPONLY = False
    SQLALCHEMY_TRACK_MODIFICATIONS = True


class ProductionConfig(Config):
    DEBUG = False
    SESSION_COOKIE_SAMESITE = "None"


def create_app(config: str = "production") -> Flask:
    app = Flask(__name__)
    app.config.from_object(ProductionConfig if config == "production" else Config)
    app.config["TESTING"] = True
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, stream=None, profile_dir=None)  # type: ignore[method-assign]

    @app.get("/")
    def index() -> str:
        session["seen"] = True
        return "ok"

    @app.post("/comment")
    def comment() -> str:
        return request.form["text"]

    @app.errorhandler(Exception)
    def on_error(e: Exception):  # type: ignore[no-untyped-def]
        return "something went wrong", 500

    return app


def create_generated_key_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(32)
    return app


app = create_app()
