from __future__ import annotations

from flask import jsonify, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.debug import DebuggedApplication
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.profiler import ProfilerMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_doctor.audit.checks import middleware as m
from flask_doctor.audit.checks import routes as r
from flask_doctor.findings import Evidence, Location, Severity
from tests.audit.conftest import audit, audit_with_extra, codes, make_app

HERE = "tests/audit/test_routes_and_middleware.py"


def _form_app():  # type: ignore[no-untyped-def]
    app = make_app()

    @app.route("/comment", methods=["GET", "POST"])
    def comment() -> str:
        return request.form.get("text", "")

    @app.post("/api/items")
    def create_item():  # type: ignore[no-untyped-def]
        return jsonify(request.get_json())

    return app, comment


def test_form_route_without_csrf() -> None:
    app, view = _form_app()
    line = view.__code__.co_firstlineno + 1
    assert audit(app) == [
        r.NO_CSRF(
            obj="endpoint:comment",
            location=Location(HERE, line, 9, line, 16),
            methods="POST",
            rule="/comment",
            endpoint="comment",
            reads="request.form",
            evidence=[Evidence("app.extensions has no 'csrf' (Flask-WTF CSRFProtect not installed)")],
        )
    ]


def test_json_api_and_csrf_protect_are_fine() -> None:
    app, _ = _form_app()
    CSRFProtect(app)
    assert audit(app) == []


def test_csrf_disabled_in_production() -> None:
    app, _ = _form_app()
    app.config["WTF_CSRF_ENABLED"] = False
    CSRFProtect(app)
    [finding] = audit(app)
    assert (finding.code, finding.obj) == ("FD309", "config:WTF_CSRF_ENABLED")
    assert "1 form routes (comment)" in finding.message


def test_route_table_in_extra() -> None:
    app, _ = _form_app()
    _, extra = audit_with_extra(app)
    assert extra["routes"] == [
        {
            "rule": "/api/items",
            "methods": ["POST"],
            "endpoint": "create_item",
            "view": f"{__name__}._form_app.<locals>.create_item",
        },
        {
            "rule": "/comment",
            "methods": ["GET", "POST"],
            "endpoint": "comment",
            "view": f"{__name__}._form_app.<locals>.comment",
        },
        {
            "rule": "/static/<path:filename>",
            "methods": ["GET"],
            "endpoint": "static",
            "view": "flask.app.Flask.__init__.<locals>.<lambda>",
        },
    ]


def test_catch_all_handler_swallowing_404() -> None:
    app = make_app()

    @app.errorhandler(Exception)
    def oops(e: Exception):  # type: ignore[no-untyped-def]
        return {"error": str(e)}, 500

    line = oops.__code__.co_firstlineno + 1
    assert audit(app) == [
        r.SWALLOWS_HTTP(
            obj="errorhandler:Exception",
            location=Location(HERE, line, 9, line, 13),
            handler=f"{__name__}.test_catch_all_handler_swallowing_404.<locals>.oops",
            exc="Exception",
            status=500,
            evidence=[
                Evidence("registered with @app.errorhandler(Exception)"),
                Evidence("called with NotFound() in a test request: status 500"),
            ],
        )
    ]


def test_handler_passing_http_errors_through_is_fine_even_in_development() -> None:
    app = make_app(DEBUG=True)

    @app.errorhandler(Exception)
    def fine(e: Exception):  # type: ignore[no-untyped-def]
        if isinstance(e, HTTPException):
            return e
        return "error", 500

    assert codes(audit(app)) == ["FD305"]  # the development note only


def test_specific_404_handler_shadows_catch_all() -> None:
    app = make_app()
    app.register_error_handler(404, lambda e: ("missing", 404))
    app.register_error_handler(Exception, lambda e: ("boom", 500))
    assert audit(app) == []


def test_handler_answering_errors_with_200() -> None:
    app = make_app()

    @app.errorhandler(Exception)
    def polite(e: Exception):  # type: ignore[no-untyped-def]
        if isinstance(e, HTTPException):
            return e
        return "all good"

    [finding] = audit(app)
    assert (finding.code, finding.severity) == ("FD502", Severity.WARNING)
    assert "status 200" in finding.message


def test_debugger_profiler_and_proxy_fix() -> None:
    app = make_app()
    app.wsgi_app = ProfilerMiddleware(DebuggedApplication(app.wsgi_app, evalex=True))  # type: ignore[method-assign]
    found = audit(app)
    assert [(f.code, f.obj, f.severity) for f in found] == [
        ("FD305", "middleware:DebuggedApplication", Severity.ERROR),
        ("FD349", "middleware:ProfilerMiddleware", Severity.WARNING),
    ]
    assert found[0].evidence[0] == Evidence("middleware chain: ProfilerMiddleware -> DebuggedApplication -> ProxyFix")


def test_missing_proxy_fix_is_a_note_when_served_over_https() -> None:
    app = make_app()
    app.wsgi_app = app.wsgi_app.app  # type: ignore[attr-defined,method-assign]
    [note] = audit(app)
    assert (note.code, note.obj, note.severity) == ("FD312", "middleware:ProxyFix", Severity.NOTE)
    assert "SESSION_COOKIE_SECURE = True" in note.message
    plain = make_app(SESSION_COOKIE_SECURE=False, PREFERRED_URL_SCHEME="http")
    plain.wsgi_app = plain.wsgi_app.app  # type: ignore[attr-defined,method-assign]
    assert codes(audit(plain)) == ["FD303"]  # no reason to think a proxy is in front


def test_proxy_fix_counts() -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=0)  # type: ignore[method-assign]
    [twice] = audit(app)
    assert twice == m.PROXY_FIX_TWICE(
        obj="middleware:ProxyFix",
        count=2,
        evidence=[
            Evidence("middleware chain: ProxyFix -> ProxyFix"),
            Evidence("ProxyFix(x_for=0, x_proto=0, x_host=0, x_port=0, x_prefix=0)"),
            Evidence("ProxyFix(x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)"),
        ],
    )
    app.wsgi_app = app.wsgi_app.app  # type: ignore[attr-defined,method-assign]
    app.wsgi_app = ProxyFix(app.wsgi_app.app, x_for=1, x_proto=0)  # type: ignore[attr-defined,method-assign]
    assert codes(audit(app)) == ["FD313"]
    _, extra = audit_with_extra(app)
    assert extra["middleware"] == [
        {
            "class": "werkzeug.middleware.proxy_fix.ProxyFix",
            "x_for": 1,
            "x_proto": 0,
            "x_host": 0,
            "x_port": 0,
            "x_prefix": 0,
        }
    ]
