"""Error handlers: HTTP errors keep their status, unexpected errors are logged and answered 500 (S15)."""

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return jsonify(error=error.name, description=error.description), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        return jsonify(error="internal server error"), 500
