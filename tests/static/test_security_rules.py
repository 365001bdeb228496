"""Edge cases of the FD3xx security rules that the inline examples do not pin down:
severities chosen by context, taint through local assignments, guards."""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from flask_doctor.static.runner import analyse_sources


def findings(code: str, select: str, **files: str) -> list[tuple[int, Severity]]:
    sources = {"app.py": textwrap.dedent(code).lstrip("\n")}
    sources.update(
        {
            path.replace("__", "/").replace("_dot_", "."): textwrap.dedent(text).lstrip("\n")
            for path, text in files.items()
        }
    )
    result = analyse_sources(sources, select=[select])
    assert not [f for f in result.findings if f.code in ("FD001", "FD004")]
    return [(f.location.line, f.severity) for f in result.findings if f.code == select and f.location]


def test_secret_literal_overridden_by_instance_config_is_a_note() -> None:
    code = """
        from flask import Flask

        def create_app():
            app = Flask(__name__)
            app.config.from_mapping(SECRET_KEY="dev")
            app.config.from_pyfile("config.py", silent=True)
            return app
        """
    assert findings(code, "FD302") == [(5, Severity.NOTE)]


def test_default_config_class_loaded_then_overridden_is_a_note() -> None:
    code = """
        from flask import Flask

        class DefaultConfig:
            SECRET_KEY = "secret key"

        def create_app(config=None):
            app = Flask(__name__)
            app.config.from_object(DefaultConfig)
            app.config.from_envvar("APP_SETTINGS", silent=True)
            return app
        """
    assert findings(code, "FD302") == [(4, Severity.NOTE)]


def test_literal_secret_in_base_config_without_override_is_an_error() -> None:
    code = """
        class Config:
            SECRET_KEY = "hunter2-hunter2"
        """
    assert findings(code, "FD302") == [(2, Severity.ERROR)]


RANDOM_FALLBACK = """
    import os
    from flask import Flask
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", os.urandom(24))
    """


def test_random_key_fallback_without_a_visible_deployment_is_a_note() -> None:
    assert findings(RANDOM_FALLBACK, "FD301") == [(4, Severity.NOTE)]


def test_random_key_fallback_served_by_several_workers_is_a_warning() -> None:
    assert findings(RANDOM_FALLBACK, "FD301", Procfile="web: gunicorn -w 4 app:app\n") == [(4, Severity.WARNING)]


def test_random_key_shared_by_preloaded_workers_is_a_note() -> None:
    procfile = "web: gunicorn --preload -w 4 app:app\n"
    assert findings(RANDOM_FALLBACK, "FD301", Procfile=procfile) == [(4, Severity.NOTE)]


def test_random_key_of_an_app_behind_replicas_is_a_warning() -> None:
    compose = """
        services:
          web:
            build: .
            command: gunicorn --preload -w 2 app:app
            deploy:
              replicas: 3
        """
    assert findings(RANDOM_FALLBACK, "FD301", compose_dot_yml=compose) == [(4, Severity.WARNING)]


def test_random_key_through_a_local_variable() -> None:
    code = """
        import secrets
        from flask import Flask
        key = secrets.token_urlsafe(32)
        app = Flask(__name__)
        app.secret_key = key
        """
    assert findings(code, "FD301", Procfile="web: gunicorn -w 4 app:app\n") == [(5, Severity.WARNING)]


def test_app_debug_after_loading_production_config_is_live() -> None:
    code = """
        from flask import Flask

        class ProductionConfig:
            DEBUG = False

        app = Flask(__name__)
        app.config.from_object(ProductionConfig)
        app.debug = True
        """
    assert findings(code, "FD305") == [(8, Severity.ERROR)]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("app.run()", []),
        ("app.run(debug=True)", [(5, Severity.NOTE)]),
        ('app.run(host="0.0.0.0", debug=True)', [(5, Severity.NOTE)]),  # a dev script; the message names the host
    ],
)
def test_development_server_in_main_block(call: str, expected: list[tuple[int, Severity]]) -> None:
    code = f"""
        from flask import Flask
        app = Flask(__name__)

        if __name__ == "__main__":
            {call}
        """
    assert findings(code, "FD306") == expected


def test_run_on_something_that_is_not_flask_is_ignored() -> None:
    code = """
        import asyncio
        from celery import Celery
        celery = Celery()
        celery.run = lambda: None
        celery.run()
        asyncio.run(main())
        """
    assert findings(code, "FD306") == []


def test_redirect_taint_follows_local_chain_and_stops_at_calls() -> None:
    code = """
        from flask import Flask, redirect, request
        app = Flask(__name__)

        @app.get("/a")
        def a():
            raw = request.args.get("next", "")
            target = raw.strip()
            return redirect(target)

        @app.get("/b")
        def b():
            target = lookup(request.args.get("next", ""))
            return redirect(target)
        """
    assert findings(code, "FD316") == [(8, Severity.WARNING)]


def test_redirect_with_truthiness_test_only_is_still_reported() -> None:
    code = """
        from flask import Flask, redirect, request, url_for
        app = Flask(__name__)

        @app.get("/login")
        def login():
            nxt = request.args.get("next")
            if nxt:
                return redirect(nxt)
            return redirect(url_for("index"))
        """
    assert findings(code, "FD316") == [(8, Severity.WARNING)]


def test_int_converter_and_type_int_are_not_taint() -> None:
    code = """
        from flask import Flask, request
        from sqlalchemy import text
        app = Flask(__name__)

        @app.get("/items/<int:item_id>")
        def item(item_id):
            page = request.args.get("page", 1, type=int)
            return db.session.execute(text(f"SELECT * FROM items WHERE id = {item_id} OFFSET {page * 10}"))
        """
    assert findings(code, "FD318") == []


def test_forwarded_header_compared_for_auth_is_reported() -> None:
    code = """
        from flask import request

        def is_cron():
            return request.headers.get("X-Forwarded-For", "") == "0.1.0.1"
        """
    assert findings(code, "FD311") == [(4, Severity.WARNING)]


def test_tls_opt_in_branch_is_not_reported_but_plain_call_is() -> None:
    code = """
        import requests

        def fetch(url, token, insecure=False):
            if insecure:
                return requests.get(url, timeout=5, verify=False, headers={"Authorization": token})
            return requests.get(url, timeout=5, verify=False, headers={"Authorization": token})
        """
    assert findings(code, "FD321") == [(6, Severity.WARNING)]


def test_upload_limit_quiet_behind_declared_nginx() -> None:
    code = """
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/upload")
        def upload():
            request.files["f"].save("/tmp/f")
            return "ok"
        """
    assert findings(code, "FD322") == [(6, Severity.NOTE)]
    nginx = "server {\n  location / {\n    proxy_pass http://web:8000;\n  }\n}\n"
    assert findings(code, "FD322", nginx_dot_conf=nginx) == []


def test_send_file_in_a_helper_called_with_a_route_variable() -> None:
    code = """
        import os
        from flask import Flask, send_file
        app = Flask(__name__)

        def serve_export(name):
            path = os.path.join("/srv/exports", name)
            return send_file(path)

        @app.get("/exports/<path:name>")
        def export(name):
            return serve_export(name)

        def serve_report(report_id):
            return send_file(f"/srv/reports/{report_id}.pdf")

        @app.get("/reports/<int:report_id>")
        def report(report_id):
            return serve_report(report_id)
        """
    assert findings(code, "FD315") == [(7, Severity.ERROR)]


def test_markup_helper_fed_request_data_unless_the_caller_sanitises() -> None:
    code = """
        import bleach
        from flask import Flask, request
        from markupsafe import Markup
        app = Flask(__name__)

        def bold(text):
            return Markup("<b>" + text + "</b>")

        @app.post("/a")
        def a():
            return bold(request.form["title"])

        @app.post("/b")
        def b():
            return bold(bleach.clean(request.form["title"]))
        """
    assert findings(code, "FD317") == [(7, Severity.ERROR)]


def test_request_method_check_does_not_validate_a_redirect_target() -> None:
    code = """
        from flask import Flask, redirect, request, session
        app = Flask(__name__)

        @app.route("/login", methods=["GET", "POST"])
        def login():
            if request.method == "POST":
                session["name"] = request.form["name"]
                return redirect(request.args.get("next"))
            return "<form method=post></form>"
        """
    assert findings(code, "FD316") == [(8, Severity.WARNING)]
    assert findings(code, "FD308") == [(7, Severity.NOTE)]  # a sign-in form: login CSRF only


def test_forwarded_header_filed_under_its_own_name_is_not_an_address() -> None:
    code = """
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/visit")
        def visit():
            raw = {"X-Forwarded-For": request.headers.get("X-Forwarded-For"), "agent": request.user_agent.string}
            db.insert("visits", raw)
            record = {"ip": request.headers.get("X-Forwarded-For")}
            db.insert("visits", record)
            return "ok"
        """
    assert findings(code, "FD311") == [(8, Severity.WARNING)]


def test_session_read_outside_the_get_test_still_authenticates_a_forged_post() -> None:
    code = """
        from functools import wraps
        from flask import Flask, g, request, session
        app = Flask(__name__)

        def signed_in(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                if request.method == "GET" or "uid" in session:
                    g.current_user = load_user(session.get("uid"))
                    return view(*args, **kwargs)
                g.current_user = user_for_token(request.headers.get("Authorization", "")[7:])
                return view(*args, **kwargs)
            return wrapper

        @app.post("/notes")
        @signed_in
        def add_note():
            g.current_user.notes.append(request.form["text"])
            db.session.commit()
            return "saved"
        """
    assert [line for line, _ in findings(code, "FD308")] == [18]
