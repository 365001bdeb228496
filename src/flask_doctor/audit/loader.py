"""Load the application exactly as ``flask --app`` does, and say clearly why not.

Resolution is Flask's own (:class:`flask.cli.ScriptInfo`, ``prepare_import``,
``locate_app``): ``module``, ``module:app``, ``module:create_app()``,
``module:create_app('production')``, ``FLASK_APP``, or ``wsgi.py``/``app.py``
in the working directory.  The app is built twice: a factory then returns a
second, independent app, which lets the audit see values generated at
start-up (a ``SECRET_KEY`` from ``os.urandom`` differs between the two, as it
differs between gunicorn workers).  The debug flag is *not* forced from
``FLASK_DEBUG`` (``set_debug_flag=False``): only ``flask run`` does that.
``.env``/``.flaskenv`` are read only when production runs ``flask run``
(:mod:`flask_doctor.audit.environment`).
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from flask_doctor.audit import sources as _sources
from flask_doctor.audit.environment import Environment, production_environment
from flask_doctor.dataclass import dataclass
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
    #: Where the environment variables the app saw came from.
    environment: Environment = field(default_factory=Environment)
    #: The factory that built the app (None for a module-level app).
    factory: Callable[..., Any] | None = None


def load(
    import_path: str | None = None,
    create_app: Callable[..., Any] | None = None,
    *,
    server: str = "gunicorn",
    dotenv_loaded: Mapping[str, str] | None = None,
) -> LoadedApp:
    """Import and build the app as ``server`` would; :class:`AppLoadError` says why not.

    ``dotenv_loaded``: variables a ``flask`` parent command already loaded
    from ``.env``/``.flaskenv`` (taken out again unless ``server`` reads them).
    """
    from flask.cli import NoAppException, ScriptInfo

    started = time.perf_counter()
    infos: list[Any] = []

    def build() -> Flask:
        info = ScriptInfo(app_import_path=import_path, create_app=create_app, set_debug_flag=False)
        infos.append(info)
        return info.load_app()

    with production_environment(server, dotenv_loaded) as environment, _sources.recording() as recorder:
        try:
            app = build()
        except NoAppException as exc:
            raise AppLoadError(_first_line(str(exc)), _hint_for_no_app(import_path), str(exc)) from exc
        except SystemExit as exc:
            raise AppLoadError(
                f"the application called sys.exit({exc.code}) while loading", _HINT_GENERIC, _user_traceback(exc)
            ) from exc
        except Exception as exc:
            raise AppLoadError(
                f"the application failed to load: {exc.__class__.__name__}: {exc}",
                _hint_for(exc, environment),
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
    factory = create_app or (_factory_of(import_path) if second is not None else None)
    return LoadedApp(app, second, import_path or "", sources, seconds, environment, factory)


def _factory_of(import_path: str | None) -> Callable[..., Any] | None:
    """The factory ``flask --app`` called: ``module:name(...)``, or ``create_app``/``make_app`` of the module."""
    import ast
    import sys

    if not import_path:
        for name in ("wsgi", "app"):
            module = sys.modules.get(name)
            if module is not None:
                break
        else:
            return None
        attr = ""
    else:
        from flask.cli import prepare_import

        path, _, attr = import_path.partition(":")
        module = sys.modules.get(prepare_import(path) if path.endswith(".py") or "/" in path else path)
        if module is None:
            return None
    if attr:
        try:
            expr = ast.parse(attr.strip(), mode="eval").body
        except SyntaxError:
            return None
        name = (
            expr.func.id
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            else (expr.id if isinstance(expr, ast.Name) else "")
        )
        candidate = getattr(module, name, None) if name else None
        return candidate if callable(candidate) and not hasattr(candidate, "wsgi_app") else None
    for name in ("create_app", "make_app"):
        candidate = getattr(module, name, None)
        if callable(candidate):
            return candidate  # type: ignore[no-any-return]
    return None


_HINT_GENERIC = "fix the error above, or point --app (or FLASK_APP) at the right module or factory"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "could not load the application"


def _hint_for_no_app(import_path: str | None) -> str:
    if not import_path:
        return "pass --app MODULE[:APP|:FACTORY()] or set FLASK_APP (no wsgi.py or app.py in the working directory)"
    return f"check --app {import_path!r}: it must name an importable module and an app or factory (module:app, module:create_app())"


def _hint_for(exc: BaseException, environment: Environment | None = None) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    name = exc.args[0] if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) else ""
    if name and re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
        where = environment.ignored_dotenv.get(name) if environment is not None else None
        if where:
            path, _, line = where.rpartition(":")
            return (
                f"the environment variable {name} is set only in {path} (line {line}), which "
                f"{environment.server} does not read: set it in the environment as production does, "  # type: ignore[union-attr]
                "or pass --server flask-run if production runs `flask run`"
            )
        if "environ" in text or "getenv" in text:
            return f"the environment variable {name} is missing: set it as production does before auditing"
        return f"the key {name} is missing (an environment variable or config key?)"
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
