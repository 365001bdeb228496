"""The cured clinic: the same app with every problem fixed."""

from flask import Flask
from flask_caching import Cache
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

db = SQLAlchemy()
cache = Cache()
csrf = CSRFProtect()


def create_app(config_object: str = "clinic.config.ProductionConfig") -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_object)
    app.config.from_prefixed_env()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    db.init_app(app)
    cache.init_app(app)
    csrf.init_app(app)

    from clinic import errors, views

    app.register_blueprint(views.bp)
    errors.register(app)
    return app
