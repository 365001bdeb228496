"""An RQ app (jobs enqueued with rq, imported lazily) with a plain scoped_session and no teardown."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("sqlite://")
Session = scoped_session(sessionmaker(bind=engine))


def enqueue_report(user_id: int) -> None:
    from redis import Redis
    from rq import Queue  # lazy: the web process enqueues, the RQ worker runs build_report

    Queue(connection=Redis.from_url(os.environ["REDIS_URL"])).enqueue(build_report, user_id)


def build_report(user_id: int) -> None:
    Session.execute  # the job uses the scoped session


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("RQAPP_SECRET_KEY", "")
    return app
