"""The WSGI entry point soak gives gunicorn.

It loads the user's application exactly as ``flask --app`` does
(``module``, ``module:app``, ``module:create_app()``, ``path/to/app.py``),
so ``flask-doctor soak --app X`` accepts what ``flask --app X`` accepts.
"""

from __future__ import annotations

import os
from typing import Any

ENV_APP = "FLASK_DOCTOR_SOAK_APP"


def load_app(import_path: str) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(app_import_path=import_path, set_debug_flag=False).load_app()


def __getattr__(name: str) -> Any:
    # Loaded lazily, when gunicorn asks for ``application`` in the worker.
    if name == "application":
        app = load_app(os.environ[ENV_APP])
        globals()["application"] = app
        return app
    raise AttributeError(name)
