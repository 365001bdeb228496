"""Teardown functions: do the per-request resources get closed?"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import line_of, qualname, user_globals
from flask_doctor.audit.checks.extensions import flask_sqlalchemy, fsa_version
from flask_doctor.audit.messages import Message
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.registry import register
from flask_doctor.audit.sources import make_location
from flask_doctor.findings import Evidence, Finding

SCOPED_SESSION_NOT_REMOVED = Message(
    "FD106",
    "{name} is a scoped_session but no teardown_appcontext/teardown_request function calls .remove(): each thread keeps its session and connection after the request, until the pool is exhausted",
    "@app.teardown_appcontext\ndef remove_session(exc=None):\n    {short}.remove()",
)
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
            obj="extension:sqlalchemy", version=fsa_version(),
            evidence=[Evidence(f"teardown_appcontext functions: {', '.join(qualname(f) for f in app.teardown_appcontext_funcs) or 'none'}")],
        )
    sources = [_source(f) for f in funcs]
    for module_name, attr, _session in user_scoped_sessions(audit):
        if any(attr in text and ".remove(" in text for text in sources):
            continue
        path = getattr(sys.modules[module_name], "__file__", "")
        line = line_of(path, attr)
        yield SCOPED_SESSION_NOT_REMOVED(
            obj=f"scoped_session:{module_name}.{attr}", name=f"{module_name}.{attr}", short=attr,
            location=make_location(path, line, attr) if line else None,
            evidence=[Evidence(f"teardown functions: {', '.join(qualname(f) for f in funcs) or 'none'}")],
        )
