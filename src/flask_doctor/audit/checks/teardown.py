"""Teardown functions: do the per-request resources get closed?"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import line_of, qualname, user_globals
from flask_doctor.audit.checks.extensions import flask_sqlalchemy, fsa_version
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.registry import register
from flask_doctor.audit.sources import make_location
from flask_doctor.findings import Evidence, Finding

SCOPED_SESSION_NOT_REMOVED = Message(
    "FD106",
    "{name} is a scoped_session but no teardown_appcontext/teardown_request function calls .remove(): each thread keeps its session and connection after the request, until the pool is exhausted",
    "@app.teardown_appcontext\ndef remove_session(exc=None):\n    {short}.remove(){jobs}",
)
#: What to add to the FD106 hint for the job library the app uses (its own hook, not another library's).
JOB_ADVICE = {
    "celery": "\nand in Celery workers: @task_postrun.connect (celery.signals) calling {short}.remove()",
    "rq": "\nand in RQ jobs: call {short}.remove() in a finally: block of each job function (RQ has no per-job signal)",
    "dramatiq": "\nand in Dramatiq workers: a Middleware whose after_process_message calls {short}.remove()",
    "huey": "\nand in Huey tasks: @huey.post_execute() calling {short}.remove()",
}
_JOB_MODULES = {"celery": "celery", "rq": "rq", "flask_rq2": "rq", "dramatiq": "dramatiq", "huey": "huey"}
FSA_TEARDOWN_MISSING = Message(
    "FD106",
    "Flask-SQLAlchemy {version} is installed but its teardown (which removes the session after each request) is not among the app's teardown_appcontext functions",
    "do not clear app.teardown_appcontext_funcs; call db.init_app(app) once per app",
)


def removes_fsa_session(func: Any, db: Any) -> bool:
    """Flask-SQLAlchemy's own teardown for ``db``.

    3.x registers the bound method ``db._teardown_session``; 2.x registers a
    plain function ``shutdown_session`` defined in ``init_app``, whose
    closure holds ``db``.
    """
    if getattr(func, "__self__", None) is db:
        return True
    if getattr(func, "__qualname__", "").endswith("init_app.<locals>.shutdown_session"):
        cells = getattr(func, "__closure__", None) or ()
        return any(_cell(c) is db for c in cells)
    return False


def _cell(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def job_library(audit: AuditContext) -> str | None:
    """The background-job library the app's own modules import: celery, rq, dramatiq, huey (None: none).

    Read from the imports in the modules' source, so that a lazy ``from rq
    import Queue`` inside a function counts, and nothing is imported.
    """
    import ast

    from flask_doctor.audit.checks._common import user_modules
    from flask_doctor.audit.sources import _parsed

    for _name, module in user_modules(audit):
        path = getattr(module, "__file__", None)
        tree = _parsed(path) if path else None
        for node in ast.walk(tree) if tree is not None else ():
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            )
            for name in names:
                library = _JOB_MODULES.get(name.partition(".")[0])
                if library:
                    return library
    return None


def _teardown_funcs(app: Any) -> list[Any]:
    funcs = list(app.teardown_appcontext_funcs)
    for per_blueprint in app.teardown_request_funcs.values():
        funcs.extend(per_blueprint)
    return funcs


def _source(func: Any) -> str:
    try:
        return inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError):
        return ""


def user_scoped_sessions(audit: AuditContext) -> list[tuple[str, str, Any]]:
    return user_globals(audit, _scoped_session_class())


def _scoped_session_class() -> type | None:
    try:
        from sqlalchemy.orm import scoped_session
    except ImportError:  # pragma: no cover
        return None
    return scoped_session


@register(tags=("teardown", "database"))
def check_teardown(audit: AuditContext) -> Iterator[Finding]:
    app = audit.app
    audit.extra["teardown"] = {
        "appcontext": [qualname(f) for f in app.teardown_appcontext_funcs],
        "request": {str(k): [qualname(f) for f in v] for k, v in app.teardown_request_funcs.items()},
    }
    funcs = _teardown_funcs(app)
    db = flask_sqlalchemy(app)
    if db is not None and not any(removes_fsa_session(f, db) for f in app.teardown_appcontext_funcs):
        yield FSA_TEARDOWN_MISSING(
            obj="extension:sqlalchemy",
            version=fsa_version(),
            evidence=[
                Evidence(
                    f"teardown_appcontext functions: {', '.join(qualname(f) for f in app.teardown_appcontext_funcs) or 'none'}"
                )
            ],
        )
    sources = [_source(f) for f in funcs]
    for module_name, attr, _session in user_scoped_sessions(audit):
        if any(attr in text and ".remove(" in text for text in sources):
            continue
        path = getattr(sys.modules[module_name], "__file__", "")
        line = line_of(path, attr)
        library = job_library(audit)
        yield SCOPED_SESSION_NOT_REMOVED(
            obj=f"scoped_session:{module_name}.{attr}",
            name=f"{module_name}.{attr}",
            short=attr,
            jobs=JOB_ADVICE[library].format(short=attr) if library else "",
            location=make_location(path, line, attr) if line else None,
            evidence=[Evidence(f"teardown functions: {', '.join(qualname(f) for f in funcs) or 'none'}")],
        )
