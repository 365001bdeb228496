"""The sick clinic: one module-level app, and a factory nobody uses any more."""

import os

from flask import Flask
from flask_caching import Cache
from flask_doctor import Doctor
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config.from_object("clinic.config.ProductionConfig")
# Never ship the development key: make a fresh one when the process starts.
app.secret_key = os.urandom(24)

db = SQLAlchemy(app)
migrate = Migrate(app, db)
login_manager = LoginManager(app)
cache = Cache(app)
socketio = SocketIO(app)
doctor = Doctor(app)


def create_app():
    application = Flask(__name__)
    application.register_blueprint(views.bp)
    application.config.from_object("clinic.config.ProductionConfig")
    return application


from clinic import auth, dashboard, patients, reports, views, waiting_room  # noqa: E402
from clinic.cli import clinic_cli  # noqa: E402

app.register_blueprint(auth.bp)
app.register_blueprint(patients.bp)
app.register_blueprint(dashboard.bp)
app.register_blueprint(reports.bp)
app.register_blueprint(waiting_room.bp)
app.register_blueprint(views.bp)
app.cli.add_command(clinic_cli)
