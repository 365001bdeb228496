"""Load the application exactly as ``flask --app`` does, and say clearly why not.

Resolution is Flask's own (:class:`flask.cli.ScriptInfo`, ``prepare_import``,
``locate_app``): ``module``, ``module:app``, ``module:create_app()``,
``module:create_app('production')``, ``FLASK_APP``, or ``wsgi.py``/``app.py``
in the working directory.  The app is built twice: a factory then returns a
second, independent app, which lets the audit see values generated at
start-up (a ``SECRET_KEY`` from ``os.urandom`` differs between the two, as it
differs between gunicorn workers).  The debug flag is *not* forced from
``FLASK_DEBUG``: a production server such as gunicorn does not do that either.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_doctor.audit import sources as _sources
from flask_doctor.userfiles import is_user_file

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


class AppLoadError(Exception):
    """The app could not be imported or built; carries the user's own frames."""

    def __init__(self, message: str, hint: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details


@dataclass
class LoadedApp:
    app: Flask
    second_app: Flask | None
    import_path: str
    #: None when nothing was recorded (the app was imported before the audit).
    sources: _sources.ConfigSources | None
    seconds: float


def load(import_path: str | None = None, create_app: Callable[..., Any] | None = None) -> LoadedApp:
    from flask.cli import NoAppException, ScriptInfo, load_dotenv

    load_dotenv()
    started = time.perf_counter()

    def build() -> Flask:
        info = ScriptInfo(app_import_path=import_path, create_app=create_app, set_debug_flag=False)
        return info.load_app()

    with _sources.recording() as recorder:
        try:
            app = build()
        except NoAppException as exc:
            raise AppLoadError(_first_line(str(exc)), _hint_for_no_app(import_path), str(exc)) from exc
        except SystemExit as exc:
            raise AppLoadError(f"the application called sys.exit({exc.code}) while loading", _HINT_GENERIC, _user_traceback(exc)) from exc
        except Exception as exc:
            raise AppLoadError(
                f"the application failed to load: {exc.__class__.__name__}: {exc}",
                _hint_for(exc),
                _user_traceback(exc),
            ) from exc
        try:
            second: Flask | None = build()
        except Exception:  # the first build worked: a second failing is not the user's problem
            second = None
    if second is app:
        second = None
    seconds = time.perf_counter() - started
    sources = recorder.records.get(id(app.config))
    return LoadedApp(app, second, import_path or "", sources, seconds)


_HINT_GENERIC = "fix the error above, or point --app (or FLASK_APP) at the right module or factory"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "could not load the application"


def _hint_for_no_app(import_path: str | None) -> str:
    if not import_path:
        return "pass --app MODULE[:APP|:FACTORY()] or set FLASK_APP (no wsgi.py or app.py in the working directory)"
    return f"check --app {import_path!r}: it must name an importable module and an app or factory (module:app, module:create_app())"


def _hint_for(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", exc.args[0]):
        if "environ" in text or "getenv" in text:
            return f"the environment variable {exc.args[0]} is missing: set it (or add it to .env) before auditing"
        return f"the key {exc.args[0]} is missing (an environment variable or config key?)"
    if isinstance(exc, ModuleNotFoundError):
        return f"module {exc.name!r} is not installed or --app names the wrong package"
    return _HINT_GENERIC


def _user_traceback(exc: BaseException) -> str:
    """The traceback shortened to the application's own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_user_file(f.filename)]
    lines = ["Traceback (application frames only):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()
