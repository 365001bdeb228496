"""A sick clinic: every production problem flask-doctor knows, in one small app."""

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.config.from_object("clinic.config.ProductionConfig")
app.secret_key = os.urandom(24)
db = SQLAlchemy(app)


def create_app():
    application = Flask(__name__)
    application.register_blueprint(views.bp)
    application.config.from_object("clinic.config.ProductionConfig")
    return application


from clinic import views  # noqa: E402
