"""The audit's child process: import the application, audit it, write the result as JSON.

Importing an application runs its code: it may sleep, print, call
``os._exit``, raise ``KeyboardInterrupt`` or connect to services.  So the
``flask-doctor audit`` command (the parent, :mod:`flask_doctor.audit.process`)
never imports it: it starts this module in a fresh interpreter
(``python -m flask_doctor.audit.child REQUEST``), waits with a time limit and
renders what comes back.  Here the app's standard output goes to standard
error (the parent relays it there), so a ``print`` at import can never break
a JSON or SARIF report; and every text that leaves this process has its
secrets masked (:mod:`flask_doctor.audit.redact`).

The result file holds one JSON object: ``{"ok": {...}}`` (findings, extra,
the redacted source lines of the findings' locations), ``{"error": {...}}``
(the app did not load, or an option names something that does not exist) or
``{"interrupted": "import"}``.  A child that ends without writing it
(``os._exit`` at import, a crash) is reported by the parent.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, field
from pathlib import Path
from typing import Any

from flask_doctor.dataclass import dataclass


@dataclass
class AuditRequest:
    """Everything the child needs, as plain JSON-able values."""

    import_path: str | None = None
    deploy: bool = False
    probe: bool = False
    timeout: float = 3.0
    celery_path: str | None = None
    workers: int | None = None
    tags: list[str] = field(default_factory=list)
    debug: bool = False
    sample_views: list[str] = field(default_factory=list)
    #: Silencing entries from the project settings (the app's own config adds more).
    silenced: list[str] = field(default_factory=list)
    #: How production runs the app (decides whether ``.env``/``.flaskenv`` are read).
    server: str = "gunicorn"
    #: Environment variables a Flask CLI parent loaded from dotenv files (name -> file:line).
    dotenv_loaded: dict[str, str] = field(default_factory=dict)
    #: The child touches this file once the app is built (the import time limit ends there).
    status_path: str = ""
    result_path: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> AuditRequest:
        return cls(**json.loads(text))


class RequestError(Exception):
    """An option names something the loaded app does not have (exit 2, like a usage error)."""


def _load_celery(target: str) -> Any:
    from werkzeug.utils import ImportStringError, import_string

    module, _, attr = target.partition(":")
    try:
        obj = import_string(f"{module}:{attr}" if attr else module)
    except ImportStringError as exc:
        raise RequestError(f"--celery {target!r} cannot be imported: {exc.exception}") from exc
    if callable(obj) and not hasattr(obj, "conf"):
        obj = obj()
    if not hasattr(obj, "conf") or not hasattr(obj, "tasks"):
        raise RequestError(f"--celery {target!r} is not a Celery application (expected module:celery_app)")
    return obj


def audit(request: AuditRequest, create_app: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Load, audit and describe the app; the returned dict is what goes to the parent."""
    from flask_doctor.audit import deploy as deploy_facts
    from flask_doctor.audit import redact, settings
    from flask_doctor.audit.loader import AppLoadError, load
    from flask_doctor.audit.runner import make_context, run

    started = time.perf_counter()
    try:
        loaded = load(request.import_path, create_app, server=request.server, dotenv_loaded=request.dotenv_loaded)
    except AppLoadError as exc:
        return {
            "error": {
                "kind": "load",
                "message": redact.redact_text(exc.message),
                "hint": exc.hint,
                "details": redact.redact_text(exc.details),
                "traceback": redact.redact_text("".join(traceback.format_exception(exc.__cause__)))
                if request.debug and exc.__cause__ is not None
                else "",
            }
        }
    if request.status_path:
        Path(request.status_path).write_text("loaded", encoding="utf-8")
    app = loaded.app
    secrets = redact.known_secrets(app)
    try:
        celery = _load_celery(request.celery_path) if request.celery_path else None
        missing = [e for e in request.sample_views if e not in app.view_functions]
        if missing:
            raise RequestError(
                f"--sample-view {missing[0]!r}: the app has no such endpoint "
                f"(its endpoints: {', '.join(sorted(app.view_functions)[:20])})"
            )
    except RequestError as exc:
        return {"error": {"kind": "usage", "message": redact.redact_text(str(exc), secrets)}}
    ctx = make_context(
        app,
        deploy=request.deploy,
        second_app=loaded.second_app,
        sources=loaded.sources,
        celery=celery,
        probe=request.probe,
        timeout=request.timeout,
        deploy_facts=deploy_facts.detect(request.workers),
        sample_views=tuple(request.sample_views),
        environment=loaded.environment,
        factory=loaded.factory,
    )
    with app.app_context():
        result = run(
            ctx, tags=request.tags, debug=request.debug, silenced=[*request.silenced, *settings.app_entries(app)]
        )
    extra = dict(result.extra)
    extra["app"] = {
        "import": loaded.import_path or None,
        "name": app.import_name,
        "judged_as": "production" if ctx.deploy else "development",
        "factory_called_twice": loaded.second_app is not None,
        "load_seconds": round(loaded.seconds, 3),
        "audit_seconds": round(time.perf_counter() - started, 3),
    }
    extra["environment"] = loaded.environment.facts()
    findings = [redact.finding(f, secrets) for f in result.findings]
    return {
        "ok": {
            "findings": [f.to_dict() for f in findings],
            "extra": redact.deep(json.loads(json.dumps(extra, default=str)), secrets),
            "lines": redact.snippet_lines(findings, secrets),
        }
    }


def serve(request: AuditRequest, create_app: Callable[..., Any] | None = None) -> None:
    """Run :func:`audit` and write its result file; never returns (``os._exit``)."""
    code = 0
    try:
        outcome = audit(request, create_app)
    except KeyboardInterrupt:
        loaded = bool(request.status_path) and os.path.exists(request.status_path)
        outcome = {"interrupted": "audit" if loaded else "import"}
    except BaseException as exc:  # a bug in flask-doctor: say so, do not die silently
        outcome = {
            "error": {
                "kind": "internal",
                "message": f"{exc.__class__.__name__}: {exc}",
                "traceback": "".join(traceback.format_exception(exc)),
            }
        }
        code = 3
    tmp = request.result_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(outcome, handle, default=str)
    os.replace(tmp, request.result_path)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the app's atexit hooks, non-daemon threads and
    # hung probe threads must not keep the audit waiting.
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """``python -m flask_doctor.audit.child REQUEST_FILE``."""
    args = sys.argv[1:] if argv is None else argv
    request = AuditRequest.from_json(Path(args[0]).read_text(encoding="utf-8"))
    # The app's prints go to standard error: standard output is never the report's.
    os.dup2(2, 1)
    serve(request)


if __name__ == "__main__":
    main()
