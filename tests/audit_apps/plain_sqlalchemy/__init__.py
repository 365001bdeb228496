"""Plain SQLAlchemy (no Flask-SQLAlchemy): a module-level engine and scoped_session."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.audit.conftest import make_app

engine = create_engine(os.environ.get("FLASK_DOCTOR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test"))
Session = scoped_session(sessionmaker(bind=engine))
SESSION_LINE = 14


def create_app(remove: bool = True) -> Flask:
    app = make_app()
    app.root_path = os.path.dirname(__file__)
    if remove:
        @app.teardown_appcontext
        def remove_session(exc: BaseException | None = None) -> None:
            Session.remove()
    return app
