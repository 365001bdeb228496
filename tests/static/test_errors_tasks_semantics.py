"""Pin the library behaviour FD501/FD502/FD503/FD506 rely on, with the real libraries.

The rules' docs make claims about Flask and Celery that the seed articles got
wrong or left vague; if a new Flask or Celery release changes them, these
tests fail before the rules start raising false alarms.
"""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint, Flask, abort
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound


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


def test_error_handler_returning_none_answers_500():
    app = Flask(__name__)
    app.register_error_handler(404, lambda e: None)  # FD501: the 404 handler that falls off its end
    assert app.test_client().get("/nope").status_code == 500


def test_http_exceptions_have_empty_args_and_a_500_handler_reading_them_escapes_flask():
    assert NotFound("with a description").args == ()
    assert InternalServerError(original_exception=ValueError("cause")).args == ()
    app = Flask(__name__)
    app.register_error_handler(500, lambda e: ("failed: " + e.args[0], 500))

    @app.get("/boom")
    def boom():
        raise ValueError("cause")

    with pytest.raises(IndexError):  # the WSGI server, not Flask, answers this request
        app.test_client().get("/boom")


def test_flask_logs_only_the_exceptions_that_reach_it():
    logging.disable(logging.NOTSET)
    app = Flask(__name__)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    app.logger.addHandler(handler)

    @app.get("/caught")
    def caught():
        try:
            raise ValueError("lost")
        except Exception:
            return {"error": "failed"}, 500

    @app.get("/uncaught")
    def uncaught():
        raise ValueError("kept")

    client = app.test_client()
    assert client.get("/caught").status_code == 500
    assert records == []  # FD503: the caught error left no trace
    assert client.get("/uncaught").status_code == 500
    assert len(records) == 1 and records[0].exc_info is not None


def test_restx_exception_handler_gets_http_errors_and_sends_them_as_500():
    restx = pytest.importorskip("flask_restx")
    app = Flask(__name__)
    api = restx.Api(app)

    @api.errorhandler(Exception)
    def failed(e):
        return {"message": "failed"}

    @api.route("/item")
    class Item(restx.Resource):
        def get(self):
            abort(404)

    client = app.test_client()
    assert client.get("/item").status_code == 500  # the handler's bare body goes out as 500, not 200
    assert client.post("/item").status_code == 500  # the 405 of an API route too
    assert client.get("/elsewhere").status_code == 404  # routing 404s outside the API stay Flask's


def test_restx_reraising_hands_the_http_error_back_and_the_first_handler_wins():
    restx = pytest.importorskip("flask_restx")

    def reraise(e):
        if isinstance(e, HTTPException):
            raise e
        return {"message": "failed"}, 500

    def build(*handlers) -> Flask:
        app = Flask(__name__)
        api = restx.Api(app)
        for exc, handler in handlers:
            api.errorhandler(exc)(handler)

        @api.route("/item")
        class Item(restx.Resource):
            def get(self):
                abort(403)

        return app

    assert build((Exception, reraise)).test_client().get("/item").status_code == 403
    late = build((Exception, lambda e: ({}, 500)), (HTTPException, lambda e: ({}, e.code)))
    assert late.test_client().get("/item").status_code == 500
    early = build((HTTPException, lambda e: ({}, e.code)), (Exception, lambda e: ({}, 500)))
    assert early.test_client().get("/item").status_code == 403


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
