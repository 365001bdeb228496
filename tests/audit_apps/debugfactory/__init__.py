"""Development configurations built by factories of different shapes (for the FD305 note's hint)."""

from __future__ import annotations

import os

from flask import Flask


class DevelopmentConfig:
    DEBUG = True
    SECRET_KEY = "dev"


class ProductionConfig:
    DEBUG = False


CONFIGS = {"dev": DevelopmentConfig, "prod": ProductionConfig}


def create_app() -> Flask:
    """No argument: the environment picks the config."""
    app = Flask(__name__)
    app.config.from_object(CONFIGS[os.environ.get("DEBUGFACTORY_CONFIG", "dev")])
    return app


def create_named(config_name: str = "dev") -> Flask:
    """A name: --app can pass it."""
    app = Flask(__name__)
    app.config.from_object(CONFIGS[config_name])
    return app


def create_with_class(config_class: type = DevelopmentConfig) -> Flask:
    """A class: --app cannot pass it."""
    app = Flask(__name__)
    app.config.from_object(config_class)
    return app
