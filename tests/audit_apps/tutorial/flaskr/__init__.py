"""The Flask tutorial's layout: ``flaskr/`` with a factory, and ``.flaskenv`` beside it.

``.flaskenv`` holds ``FLASK_APP=flaskr`` and ``FLASK_DEBUG=1`` for ``flask run``;
gunicorn never reads it.
"""

import os

from flask import Flask


def create_app(test_config=None):  # type: ignore[no-untyped-def]
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("FLASKR_SECRET_KEY", "dev"),
        DATABASE=os.path.join(app.instance_path, "flaskr.sqlite"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    @app.route("/hello")
    def hello():  # type: ignore[no-untyped-def]
        return "Hello, World!"

    return app
