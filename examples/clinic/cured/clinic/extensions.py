"""Extensions are created unbound and attached to the app in the factory (S05)."""

from flask_caching import Cache
from flask_doctor import Doctor
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_session import Session
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()
server_sessions = Session()
socketio = SocketIO()
doctor = Doctor()
