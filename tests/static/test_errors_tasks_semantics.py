"""Pin the library behaviour FD501/FD502/FD506 rely on, with the real libraries.

The rules' docs make claims about Flask and Celery that the seed articles got
wrong or left vague; if a new Flask or Celery release changes them, these
tests fail before the rules start raising false alarms.
"""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint, Flask, abort
from werkzeug.exceptions import HTTPException


@pytest.fixture(autouse=True)
def _quiet_flask_logs():
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def _app(handler) -> Flask:
    app = Flask(__name__)
    app.register_error_handler(Exception, handler)

    @app.get("/missing")
    def missing():
        abort(404)

    return app


def test_exception_handler_also_receives_http_errors():
    app = _app(lambda e: ("oops", 500))
    assert app.test_client().get("/missing").status_code == 500
    assert app.test_client().get("/no-such-url").status_code == 500


def test_returning_the_http_exception_keeps_its_status():
    app = _app(lambda e: e if isinstance(e, HTTPException) else ("oops", 500))
    assert app.test_client().get("/missing").status_code == 404


def test_reraising_from_an_error_handler_becomes_a_500():
    def handler(e):
        if isinstance(e, HTTPException):
            raise e
        return "oops", 500

    app = _app(handler)
    try:
        status = app.test_client().get("/missing").status_code
    except HTTPException as exc:  # the handler raised again for the InternalServerError
        status = exc.code
    assert status == 500


def test_blueprint_exception_handler_wins_over_app_http_handler():
    app = Flask(__name__)
    bp = Blueprint("bp", __name__)
    bp.register_error_handler(Exception, lambda e: ("bp", 500))
    app.register_error_handler(HTTPException, lambda e: ("app", e.code))

    @bp.get("/item")
    def item():
        abort(404)

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/item").status_code == 500  # FD501 keys HTTP handlers by app/blueprint
    assert client.get("/elsewhere").status_code == 404


def test_error_handler_without_status_answers_200():
    app = Flask(__name__)
    app.register_error_handler(404, lambda e: "not here")
    assert app.test_client().get("/nope").status_code == 200


def test_retry_max_retries_none_means_the_task_default():
    celery = pytest.importorskip("celery")
    from celery.exceptions import MaxRetriesExceededError, Retry

    assert issubclass(Retry, Exception)  # an ``except Exception`` around retry() catches it
    app = celery.Celery(__name__, set_as_current=False)
    calls = []

    @app.task(bind=True, max_retries=2, shared=False)
    def flaky(self):
        calls.append(1)
        raise self.retry(countdown=0, max_retries=None)

    result = flaky.apply()
    assert isinstance(result.result, MaxRetriesExceededError)
    assert len(calls) == 3  # the first run and the task's 2 retries: None did not mean "for ever"
