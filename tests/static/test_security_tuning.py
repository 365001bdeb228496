"""FD3xx behaviour learnt from real applications: how projects protect themselves, and severity by evidence.

Each test is a shape seen in real code (rewritten, never copied) where the
rules used to raise a false alarm or miss a real problem.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from flask_doctor.static.runner import analyse_sources


def run(select: str, files: dict[str, str]) -> list[tuple[str, int, Severity, str]]:
    sources = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    result = analyse_sources(sources, select=[select])
    assert not [f for f in result.findings if f.code in ("FD001", "FD004")], result.findings
    return [
        (f.location.path, f.location.line, f.severity, f.message)
        for f in result.findings
        if f.code == select and f.location
    ]


def lines(select: str, files: dict[str, str]) -> list[tuple[int, Severity]]:
    return [(line, severity) for _, line, severity, _ in run(select, files)]


# ----------------------------------------------------------------------------- FD308
JWT_CONFIG = """
    JWT_TOKEN_LOCATION = ["cookies", "headers"]
    JWT_COOKIE_CSRF_PROTECT = False
    JWT_COOKIE_SAMESITE = {samesite!r}
    """

JWT_VIEW = """
    from flask import Flask, request
    from flask_jwt_extended import jwt_required
    from flask_restful import Resource
    app = Flask(__name__)
    app.config.from_object("config")

    class UploadAttachment(Resource):
        @jwt_required()
        def post(self, comment_id):
            uploaded = request.files["file"]
            uploaded.save(f"/srv/attachments/{comment_id}")
            return {"ok": True}

    app.add_url_rule("/comments/<comment_id>/attachments", view_func=UploadAttachment.as_view("attach"))
    """


def test_jwt_cookie_with_samesite_lax_is_a_note() -> None:
    found = run("FD308", {"app.py": JWT_VIEW, "config.py": JWT_CONFIG.format(samesite="Lax")})
    assert [(line, severity) for _, line, severity, _ in found] == [(10, Severity.NOTE)]
    assert "JWT_COOKIE_SAMESITE='Lax'" in found[0][3]


def test_jwt_cookie_with_samesite_none_stays_a_warning() -> None:
    assert lines("FD308", {"app.py": JWT_VIEW, "config.py": JWT_CONFIG.format(samesite="None")}) == [
        (10, Severity.WARNING)
    ]


SESSION_VIEWS = """
    import os
    from flask import Flask, redirect, request
    from flask_login import LoginManager, current_user, login_required, login_user
    app = Flask(__name__)
    {config}
    LoginManager(app)

    @app.post("/signin")
    def signin():
        login_user(find_user(request.form["name"]), remember={remember})
        return redirect("/")

    @app.post("/profile")
    @login_required
    def profile():
        current_user.email = request.form["email"]
        db.session.commit()
        return redirect("/")

    @app.post("/avatar")
    @login_required
    def avatar():
        request.files["avatar"].save(f"/srv/avatars/{{current_user.id}}")
        return redirect("/")
    """


def session_views(config: str, remember: str = "False") -> dict[str, str]:
    return {"app.py": SESSION_VIEWS.format(config=config, remember=remember)}


def test_session_cookie_samesite_lax_softens_and_drops_the_app_wide_finding() -> None:
    found = run("FD308", session_views('app.config["SESSION_COOKIE_SAMESITE"] = "Lax"'))
    assert [(line, severity) for _, line, severity, _ in found] == [
        (10, Severity.NOTE),
        (16, Severity.NOTE),
        (23, Severity.NOTE),
    ]
    assert "login CSRF" in found[0][3]
    assert "SameSite is the remaining defence" in found[1][3]


def test_without_samesite_the_app_wide_finding_stays() -> None:
    assert sorted(lines("FD308", session_views(""))) == [
        (6, Severity.WARNING),
        (10, Severity.NOTE),
        (16, Severity.WARNING),
        (23, Severity.WARNING),
    ]


def test_remember_me_cookie_without_samesite_keeps_the_warning() -> None:
    # Flask-Login signs the user back in from the remember-me cookie, which a cross-site POST still carries
    config = 'app.config["SESSION_COOKIE_SAMESITE"] = "Lax"'
    assert sorted((line, sev) for line, sev in lines("FD308", session_views(config, "True")) if line != 10) == [
        (6, Severity.WARNING),
        (16, Severity.WARNING),
        (23, Severity.WARNING),
    ]
    both = config + '; app.config["REMEMBER_COOKIE_SAMESITE"] = "Strict"'
    found = run("FD308", session_views(both, "True"))
    assert [(line, severity) for _, line, severity, _ in found if line != 10] == [
        (16, Severity.NOTE),
        (23, Severity.NOTE),
    ]
    assert "REMEMBER_COOKIE_SAMESITE='Strict'" in found[1][3]


def test_samesite_from_the_environment_softens_through_its_default() -> None:
    config = 'app.config["SESSION_COOKIE_SAMESITE"] = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")'
    found = run("FD308", session_views(config))
    assert [(line, severity) for _, line, severity, _ in found if line != 10] == [
        (16, Severity.NOTE),
        (23, Severity.NOTE),
    ]
    assert "its default when the environment leaves it out" in found[1][3]
    unknown = 'app.config["SESSION_COOKIE_SAMESITE"] = os.environ["SESSION_COOKIE_SAMESITE"]'
    assert (16, Severity.WARNING) in lines("FD308", session_views(unknown))


def test_request_loader_only_login_is_a_note() -> None:
    files = {
        "app.py": """
            from flask import Flask, request
            from flask_login import LoginManager, login_required
            app = Flask(__name__)
            login_manager = LoginManager(app)

            @login_manager.request_loader
            def from_header(req):
                return Operator.by_name(req.environ.get("REMOTE_USER"))

            @app.post("/api/composes")
            @login_required
            def compose():
                db.session.add(Compose(source=request.get_json(force=True)["source"]))
                db.session.commit()
                return {"ok": True}
            """
    }
    found = run("FD308", files)
    assert [(line, severity) for _, line, severity, _ in found] == [(13, Severity.NOTE)]
    assert "client certificate" in found[0][3]


def test_csrf_protect_created_in_one_module_and_enabled_in_another_counts() -> None:
    files = {
        "shop/extensions.py": """
            from flask_wtf.csrf import CSRFProtect
            csrf = CSRFProtect()
            """,
        "shop/__init__.py": """
            from flask import Flask
            from .extensions import csrf

            def create_app():
                app = Flask(__name__)
                csrf.init_app(app)
                from .views import bp
                app.register_blueprint(bp)
                return app
            """,
        "shop/views.py": """
            from flask import Blueprint, request, session
            bp = Blueprint("shop", __name__)

            @bp.post("/cart")
            def add_to_cart():
                session["cart"] = request.form["item"]
                return "ok"
            """,
    }
    assert lines("FD308", files) == []


def test_seasurf_counts_as_csrf_protection() -> None:
    files = {
        "app.py": """
            from flask import Flask, request, session
            from flask_seasurf import SeaSurf
            app = Flask(__name__)
            csrf = SeaSurf(app)

            @app.post("/profile")
            def profile():
                session["name"] = request.form["name"]
                return "ok"
            """,
    }
    assert lines("FD308", files) == []


def test_blueprint_hook_comparing_a_session_nonce_protects_its_views_only() -> None:
    files = {
        "app.py": """
            from flask import Blueprint, Flask, abort, request, session
            app = Flask(__name__)
            admin = Blueprint("admin", __name__)
            public = Blueprint("public", __name__)

            def verify_csrf():
                if request.form.get("_csrf") != session.get("_csrf"):
                    abort(400)

            @admin.before_request
            def admin_checks():
                if request.method == "POST":
                    verify_csrf()

            @admin.post("/admin/users")
            def add_user():
                session["last_added"] = request.form["email"]
                return "ok"

            @public.post("/prefs")
            def prefs():
                session["theme"] = request.form["theme"]
                return "ok"
            """,
    }
    assert lines("FD308", files) == [(22, Severity.WARNING)]


def test_deliberate_exempt_with_a_comment_is_a_note() -> None:
    files = {
        "app.py": """
            from flask import Flask, request
            from flask_login import login_required
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            csrf = CSRFProtect(app)

            @csrf.exempt  # a bookmarklet posts here from the page being saved
            @app.post("/save")
            @login_required
            def save_link():
                Link(url=request.form["url"]).insert()
                return "saved"
            """,
    }
    found = run("FD308", files)
    assert [(line, severity) for _, line, severity, _ in found] == [(11, Severity.NOTE)]
    assert "bookmarklet" in found[0][3]


def test_flask_httpauth_token_auth_needs_no_csrf() -> None:
    files = {
        "app.py": """
            from flask import Flask, request, session
            from flask_httpauth import HTTPTokenAuth
            app = Flask(__name__)
            auth = HTTPTokenAuth(scheme="Bearer")

            @app.post("/api/notes")
            @auth.login_required
            def add_note():
                Note(text=request.form["text"]).save()
                return "ok"

            @app.get("/whoami")
            def whoami():
                return session.get("user", "")
            """,
    }
    assert lines("FD308", files) == []


def test_one_more_finding_where_the_login_extension_is_bound_when_the_app_has_no_protection() -> None:
    files = {
        "lab/extensions.py": """
            from flask_login import LoginManager
            login_manager = LoginManager()
            """,
        "lab/__init__.py": """
            from flask import Flask
            from .extensions import login_manager

            def create_app():
                app = Flask(__name__)
                login_manager.init_app(app)
                from .views import bp
                app.register_blueprint(bp)
                return app
            """,
        "lab/views.py": """
            from flask import Blueprint, flash, redirect, request
            from flask_login import current_user, login_required
            bp = Blueprint("lab", __name__)

            @bp.post("/samples/<sample_id>/status")
            @login_required
            def sample_status(sample_id):
                store.set_status(sample_id, request.form["status"], current_user.email)
                return redirect("/samples")

            @bp.post("/samples/<sample_id>/delete")
            @login_required
            def sample_delete(sample_id):
                store.delete_sample(sample_id)
                flash("deleted")
                return redirect("/samples")
            """,
    }
    found = run("FD308", files)
    assert sorted((path, line) for path, line, _, _ in found) == [
        ("lab/__init__.py", 6),
        ("lab/views.py", 8),
        ("lab/views.py", 13),
    ]
    summary = next(message for path, _, _, message in found if path == "lab/__init__.py")
    assert "the application has no CSRF protection" in summary and "2 views" in summary


def test_json_parsed_from_the_raw_body_is_forgeable() -> None:
    files = {
        "app.py": """
            import json
            from flask import Flask, request
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.post("/layout")
            @login_required
            def save_layout():
                body = request.get_data()
                current_user.layout = json.loads(body)
                db.session.commit()
                return "", 204
            """,
    }
    found = run("FD308", files)
    assert [(line, severity) for _, line, severity, _ in found] == [(10, Severity.WARNING)]
    assert "Content-Type" in found[0][3]


def test_bodyless_action_names_the_helper_it_hands_the_request_to() -> None:
    files = {
        "app.py": """
            from flask import Flask, redirect, request
            from flask_login import login_required
            from lab import controllers
            app = Flask(__name__)

            @app.post("/runs/<run_id>/close")
            @login_required
            def close_run(run_id):
                controllers.close_run(request, run_id)
                return redirect("/runs")
            """,
        "lab/controllers.py": """
            def close_run(request, run_id):
                runs.update_one({"_id": run_id}, {"$set": {"closed_by": request.form["who"]}})
            """,
    }
    found = run("FD308", files)
    assert [line for _, line, _, _ in found] == [8]
    assert "hands the request to `controllers.close_run`" in found[0][3]


def test_form_view_that_accepts_only_put_is_not_forgeable_by_a_form() -> None:
    files = {
        "app.py": """
            from flask import Flask, request
            from flask_login import current_user, login_required
            app = Flask(__name__)

            @app.put("/profile")
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """,
    }
    assert lines("FD308", files) == []


def test_old_flask_ext_login_spelling_counts_as_a_session_login() -> None:
    files = {
        "app.py": """
            from flask import Flask, request
            from flask.ext.login import current_user, login_required
            app = Flask(__name__)

            @app.route("/profile", methods=["POST"])
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """,
    }
    assert lines("FD308", files) == [(8, Severity.WARNING)]


def test_old_flask_ext_csrf_protect_spelling_protects() -> None:
    files = {
        "app.py": """
            from flask import Flask, request
            from flask.ext.login import current_user, login_required
            from flask.ext.wtf.csrf import CsrfProtect
            app = Flask(__name__)
            CsrfProtect(app)

            @app.route("/profile", methods=["POST"])
            @login_required
            def profile():
                current_user.email = request.form["email"]
                db.session.commit()
                return "ok"
            """,
    }
    assert lines("FD308", files) == []


# ----------------------------------------------------------------------------- FD302
def test_secret_that_a_startup_check_only_warns_about_is_a_note() -> None:
    files = {
        "budget/default_settings.py": """
            SECRET_KEY = "budget-secret"
            """,
        "budget/app.py": """
            import warnings
            from flask import Flask, session
            from budget import default_settings

            def create_app():
                app = Flask(__name__)
                app.config.from_object("budget.default_settings")
                if app.config["SECRET_KEY"] == default_settings.SECRET_KEY:
                    warnings.warn("Running with the default SECRET_KEY is insecure")
                return app
            """,
    }
    found = run("FD302", files)
    assert [(path, line, severity) for path, line, severity, _ in found] == [
        ("budget/default_settings.py", 1, Severity.NOTE)
    ]
    assert "warns at start-up" in found[0][3]


def test_placeholder_secret_in_a_defaults_module_is_a_note() -> None:
    files = {
        "portal/config.py": """
            SECRET_KEY = "CHANGE_ME"
            \"\"\"Each installation needs its own key.\"\"\"
            """,
    }
    assert lines("FD302", files) == [(1, Severity.NOTE)]


def test_session_holding_a_user_id_keeps_the_error() -> None:
    files = {
        "app.py": """
            from flask import Flask, session
            app = Flask(__name__)
            app.secret_key = "hunter2-hunter2"

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
    }
    assert lines("FD302", files) == [(3, Severity.ERROR)]


def test_secret_key_in_config_update_of_a_dict_call() -> None:
    files = {
        "app.py": """
            from flask import Flask, session
            app = Flask(__name__)
            app.config.update(dict(SECRET_KEY="plain-old-key-2016", DEBUG=False))

            @app.post("/login")
            def login():
                session["user_id"] = check_password()
                return "ok"
            """,
    }
    assert lines("FD302", files) == [(3, Severity.ERROR)]


# ----------------------------------------------------------------------------- FD306
def test_console_script_from_pyproject_running_the_debugger_is_an_error(tmp_path, monkeypatch) -> None:
    wiki = textwrap.dedent("""
        from flask import Flask
        app = Flask(__name__)

        def run_wiki():
            app.run(host=HOST, port=PORT, debug=True, use_reloader=False)
        """).lstrip("\n")
    (tmp_path / "wiki.py").write_text(wiki, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "wiki"\n\n[project.scripts]\nwiki = "wiki:run_wiki"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    found = run("FD306", {"wiki.py": wiki})
    assert [(line, severity) for _, line, severity, _ in found] == [(5, Severity.ERROR)]
    assert "pyproject.toml [project.scripts]" in found[0][3]


SERVE_ON_ALL_INTERFACES = textwrap.dedent("""
    from flask import Flask
    app = Flask(__name__)

    def main():
        app.run(host="0.0.0.0", port=8000)

    def extras():
        app.run(host="0.0.0.0", port=8001)
    """).lstrip("\n")


@pytest.mark.parametrize("metadata_dir", ["voice_box-1.2.dist-info", "voice_box.egg-info", "src/voice_box.egg-info"])
def test_console_script_from_the_entry_points_txt_of_built_metadata(tmp_path, monkeypatch, metadata_dir) -> None:
    # an unpacked wheel declares its commands only in its dist-info (an sdist in its egg-info)
    (tmp_path / "server.py").write_text(SERVE_ON_ALL_INTERFACES, encoding="utf-8")
    (tmp_path / metadata_dir).mkdir(parents=True)
    (tmp_path / metadata_dir / "entry_points.txt").write_text(
        "[console_scripts]\nvoice-box = server:main\n\n[voice_box.plugins]\nextra = server:extras\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    found = run("FD306", {"server.py": SERVE_ON_ALL_INTERFACES})
    assert [(line, severity) for _, line, severity, _ in found] == [(5, Severity.NOTE)]
    assert f"{metadata_dir}/entry_points.txt [console_scripts]" in found[0][3]


@pytest.mark.parametrize(
    ("metadata_file", "text", "reported"),
    [
        # an sdist whose setup.py reads install_requires from a file it does not ship: only requires.txt has them
        ("voice_box.egg-info/requires.txt", "flask>=2\ngunicorn\n\n[dev]\npytest\n", False),
        ("voice_box.egg-info/requires.txt", "flask>=2\n\n[server]\ngunicorn\n", True),  # an extra: not installed
        (
            "voice_box-1.2.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: voice-box\nRequires-Dist: flask\n"
            "Requires-Dist: waitress>=3\n\nServe with waitress.\n",
            False,
        ),
        (
            "voice_box-1.2.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: voice-box\nRequires-Dist: flask\n"
            'Requires-Dist: gunicorn ; extra == "prod"\n\nRequires-Dist: gunicorn\n',
            True,
        ),
    ],
)
def test_installed_command_beside_a_production_server_the_package_installs(
    tmp_path, monkeypatch, metadata_file, text, reported
) -> None:
    # the package hands its users gunicorn/waitress: the command serving app.run() is a convenience beside it
    (tmp_path / "server.py").write_text(SERVE_ON_ALL_INTERFACES, encoding="utf-8")
    metadata = tmp_path / metadata_file
    metadata.parent.mkdir(parents=True)
    metadata.write_text(text, encoding="utf-8")
    (metadata.parent / "entry_points.txt").write_text("[console_scripts]\nvoice-box = server:main\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = run("FD306", {"server.py": SERVE_ON_ALL_INTERFACES})
    assert bool(found) is reported


def test_entry_points_txt_outside_built_metadata_is_not_read(tmp_path, monkeypatch) -> None:
    (tmp_path / "server.py").write_text(SERVE_ON_ALL_INTERFACES, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "entry_points.txt").write_text("[console_scripts]\nvoice-box = server:main\n")
    monkeypatch.chdir(tmp_path)
    assert run("FD306", {"server.py": SERVE_ON_ALL_INTERFACES}) == []


def test_console_script_metadata_is_not_read_from_an_unrelated_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project.scripts]\nwiki = "wiki:run_wiki"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # wiki.py is not here: the metadata belongs to another project
    found = run(
        "FD306",
        {
            "wiki.py": """
        from flask import Flask
        app = Flask(__name__)

        def run_wiki():
            app.run(debug=True)
        """
        },
    )
    assert [(line, severity) for _, line, severity, _ in found] == [(5, Severity.NOTE)]


def test_deliberate_unsafe_werkzeug_entry_point_is_a_note() -> None:
    found = lines(
        "FD306",
        {
            "app.py": """
        from flask import Flask
        from flask_socketio import SocketIO
        app = Flask(__name__)
        socketio = SocketIO(app, async_mode="threading")

        def main():
            socketio.run(app, host="0.0.0.0", port=5000, allow_unsafe_werkzeug=True)
        """
        },
    )
    assert found == [(7, Severity.NOTE)]


# ----------------------------------------------------------------------------- FD321
def test_unverified_request_with_an_api_key_warns_and_an_anonymous_one_is_a_note() -> None:
    found = lines(
        "FD321",
        {
            "app.py": """
        import requests

        def lookup(url, key, value):
            return requests.post(url, json={"value": value}, headers={"Authorization": key}, verify=False, timeout=5)

        def check_version(version):
            session = requests.Session()
            session.verify = False
            return session.post("https://example.org/version", data={"version": version}, timeout=5)
        """
        },
    )
    assert found == [(4, Severity.WARNING), (8, Severity.NOTE)]


def test_unverified_request_after_an_opt_in_return_or_to_this_machine_is_not_reported() -> None:
    found = lines(
        "FD321",
        {
            "app.py": """
        import requests

        class Registry:
            def __init__(self, url, token, verify_tls=True):
                self.url, self.token, self.verify_tls = url, token, verify_tls

            def tags(self):
                if self.verify_tls:
                    return requests.get(self.url, headers={"Authorization": self.token})
                return requests.get(self.url, headers={"Authorization": self.token}, verify=False)

        def local_status(token):
            return requests.get(f"https://localhost:{9443}/status", headers={"Authorization": token}, verify=False)

        def upstream_status(token):
            return requests.get("https://status.example.net/", headers={"Authorization": token}, verify=False)
        """
        },
    )
    assert found == [(16, Severity.WARNING)]


def test_unverified_request_in_a_development_branch_or_an_example_is_not_reported() -> None:
    found = lines(
        "FD321",
        {
            "app.py": """
        import requests
        from flask import current_app

        def push(token, body):
            if current_app.config["ENV"] == "dev":
                return requests.post("https://staging.example.net/push", json=body, headers={"X-Key": token}, verify=False)
            return requests.post("https://push.example.net/push", json=body, headers={"X-Key": token})
        """,
            "examples/client.py": """
        import requests
        requests.post("https://demo.example.net/api", json={"password": "demo"}, verify=False)
        """,
        },
    )
    assert found == []


# ----------------------------------------------------------------------------- FD311: log-only uses
def test_forwarded_address_only_in_log_fields_is_not_reported_but_a_decision_through_g_is() -> None:
    found = lines(
        "FD311",
        {
            "app.py": """
        import logging
        from flask import Flask, abort, g, request
        app = Flask(__name__)

        class AddressFilter(logging.Filter):
            def filter(self, record):
                record.addr = request.headers.get("X-Forwarded-For", "-")
                return True

        @app.post("/upload")
        def upload():
            who = request.headers.get("X-Forwarded-For", request.remote_addr)
            with open("uploads.log", mode="a") as out:
                out.write(who + " upload\\n")
            return "ok"

        @app.before_request
        def remember():
            g.addr = request.headers.get("X-Forwarded-For", request.remote_addr)

        @app.before_request
        def gate():
            if g.addr.startswith("10."):
                abort(403)
        """
        },
    )
    assert found == [(19, Severity.WARNING)]


# ----------------------------------------------------------------------------- FD302: fallbacks after the key
FALLBACK_APP = """
    from flask import Flask, session

    app = Flask(__name__)
    app.config.from_envvar("PANTRY_SETTINGS", silent=True)
    {line}

    @app.post("/login")
    def login():
        session["user_id"] = check_password()
        return "ok"
    """


def test_fd302_literal_after_a_lookup_of_the_same_key_is_a_fallback():
    for line in (
        'app.secret_key = app.config.get("SECRET_KEY") or "pantry-fallback"',
        'app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or "pantry-fallback"',
        'app.config["SECRET_KEY"] = getattr(site, "SECRET_KEY", "pantry-fallback")',
    ):
        found = run("FD302", {"app.py": FALLBACK_APP.format(line=line)})
        assert [(n, s) for _, n, s, _ in found] == [(5, Severity.WARNING)], line
        assert "literal default 'pant…': when the settings leave it out" in found[0][3]


def test_fd302_or_after_another_setting_is_no_fallback_of_the_key():
    # the first operand reads a different setting: what follows `or` is not this key's default
    line = 'app.secret_key = app.config.get("SESSION_SIGNER") or load_signer()'
    assert run("FD302", {"app.py": FALLBACK_APP.format(line=line)}) == []


# ----------------------------------------------------------------------------- FD302/FD301: keys of signing calls
SIGNER_APP = """
    import os
    import secrets
    from flask import Flask, request
    from itsdangerous import URLSafeTimedSerializer
    app = Flask(__name__)
    {line}

    @app.get("/confirm/<token>")
    def confirm(token):
        return {{"email": links.loads(token, max_age=3600)}}
"""


def test_literal_key_of_a_link_signer_is_an_error_and_its_env_default_one_lower() -> None:
    direct = {"app.py": SIGNER_APP.format(line='links = URLSafeTimedSerializer("pebble-link-key")')}
    assert lines("FD302", direct) == [(6, Severity.ERROR)]
    fallback = {
        "app.py": SIGNER_APP.format(
            line='LINK_KEY = os.environ.get("LINK_KEY", "pebble-link-key"); links = URLSafeTimedSerializer(LINK_KEY)'
        )
    }
    assert lines("FD302", fallback) == [(6, Severity.WARNING)]


def test_env_default_of_a_signer_key_that_the_deploy_supplies_is_not_reported() -> None:
    files = {
        "app.py": SIGNER_APP.format(
            line='LINK_KEY = os.environ.get("LINK_KEY", "pebble-link-key"); links = URLSafeTimedSerializer(LINK_KEY)'
        ),
        "docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      LINK_KEY: ${LINK_KEY}\n",
        "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "-w", "4", "app:app"]\n',
    }
    assert lines("FD302", files) == []


def test_random_key_of_a_signer_is_reported_once_for_encode_and_decode() -> None:
    files = {
        "app.py": """
            import secrets
            import jwt
            from flask import Flask, request
            app = Flask(__name__)
            API_KEY = secrets.token_urlsafe(32)

            @app.post("/token")
            def token():
                return jwt.encode({"sub": request.json["u"]}, API_KEY, algorithm="HS256")

            @app.get("/me")
            def me():
                return jwt.decode(request.headers["X-Token"], API_KEY, algorithms=["HS256"])
            """,
        "Procfile": "web: gunicorn -w 4 app:app\n",
    }
    assert lines("FD301", files) == [(5, Severity.WARNING)]
    assert lines("FD302", files) == []


def test_random_key_made_in_a_view_function_is_not_a_start_up_key() -> None:
    files = {
        "app.py": SIGNER_APP.format(line="").replace(
            "return {", "links = URLSafeTimedSerializer(os.urandom(24))\n        return {"
        )
    }
    assert lines("FD301", files) == []


# ----------------------------------------------------------------------------- FD310: a session directory per worker
TEMP_SESSIONS_APP = """
    from tempfile import mkdtemp
    from flask import Flask
    from flask_session import Session
    app = Flask(__name__)
    app.config["SESSION_FILE_DIR"] = mkdtemp()
    app.config["SESSION_TYPE"] = "filesystem"
    Session(app)
"""


def test_temporary_session_directory_with_several_gunicorn_workers() -> None:
    files = {"app.py": TEMP_SESSIONS_APP, "Procfile": "web: gunicorn --workers=3 app:app\n"}
    found = run("FD310", files)
    assert [(path, line) for path, line, _, _ in found] == [("app.py", 5)]
    assert "gunicorn runs 3 workers" in found[0][3]


def test_temporary_session_directory_is_shared_when_the_app_is_loaded_before_the_fork() -> None:
    assert run("FD310", {"app.py": TEMP_SESSIONS_APP}) == []  # no deploy file: one process as far as we know
    uwsgi = {"app.py": TEMP_SESSIONS_APP, "uwsgi.ini": "[uwsgi]\nmodule = app:app\nprocesses = 4\nhttp = :8000\n"}
    assert run("FD310", uwsgi) == []
    one = {"app.py": TEMP_SESSIONS_APP, "Procfile": "web: gunicorn app:app\n"}
    assert run("FD310", one) == []


# ----------------------------------------------------------------------------- FD306: a tool's own server
def test_installed_command_serving_on_every_interface_is_a_note() -> None:
    """A self-hosted tool whose installed command runs Werkzeug on 0.0.0.0 does so by design: a note."""
    files = {
        "viewer.py": """
            from flask import Flask
            app = Flask(__name__)

            def main():
                app.run(host="0.0.0.0", port=7000)
            """,
        "setup.py": """
            from setuptools import setup
            setup(name="viewer", entry_points={"console_scripts": ["viewer = viewer:main"]})
            """,
    }
    found = run("FD306", files)
    assert [(path, line, severity) for path, line, severity, _ in found] == [("viewer.py", 5, Severity.NOTE)]
    assert "only server" in found[0][3]


_PING_APP = """
from contextlib import contextmanager
from flask import Flask, jsonify, request
from flask_login import LoginManager, login_required
app = Flask(__name__)
LoginManager(app)

@contextmanager
def work_scope():
    work = Session()
    try:
        yield work
        work.commit()
    finally:
        work.close()

def post_visit(page):
    requests.post(COUNTER_URL, json={"page": page}, timeout=1)
{pages}
@app.post("/api/totals")
@login_required
def totals():
    post_visit("totals")
    picked = json.loads(request.data)["ids"]
    with work_scope() as work:
        return jsonify(totals_of(work, picked))
"""

_PING_PAGE = """
@app.route("/page{n}")
@login_required
def page{n}():
    post_visit("page{n}")
    return "page {n}"
"""


def test_bookkeeping_call_that_get_pages_make_too_is_no_write_of_a_post() -> None:
    pages = "".join(_PING_PAGE.format(n=n) for n in range(3))
    assert run("FD308", {"app.py": _PING_APP.replace("{pages}", pages)}) == []


def test_a_call_that_only_two_get_pages_make_is_still_a_write() -> None:
    pages = "".join(_PING_PAGE.format(n=n) for n in range(2))
    assert [line for line, _ in lines("FD308", {"app.py": _PING_APP.replace("{pages}", pages)})]


def test_commit_on_exit_manager_writes_what_its_block_writes() -> None:
    source = """
        from contextlib import contextmanager
        from flask import Flask, request
        from flask_login import LoginManager, current_user, login_required
        app = Flask(__name__)
        LoginManager(app)

        @contextmanager
        def work_scope():
            work = Session()
            yield work
            work.commit()

        @app.post("/labels/lookup")
        @login_required
        def lookup():
            with work_scope() as work:
                return {"found": find_labels(work, request.form["q"])}

        @app.post("/labels")
        @login_required
        def add_label():
            with work_scope() as work:
                work.add(Label(text=request.form["text"], owner=current_user.id))
            return "ok"
    """
    found = run("FD308", {"app.py": source})
    assert [message.split("`")[1] for _, _, _, message in found] == ["add_label"]


def test_literal_key_set_again_in_the_same_factory_never_takes_effect() -> None:
    source = """
        import secrets
        from flask import Flask
        from flask_login import LoginManager

        def create_app():
            app = Flask(__name__)
            app.config.update({"SECRET_KEY": "quay-seven", "DEBUG": False})
            app.secret_key = secrets.token_hex(32)
            LoginManager(app)
            return app
    """
    assert run("FD302", {"app.py": source}) == []


def test_literal_key_replaced_only_in_a_try_is_still_reported() -> None:
    source = """
        from flask import Flask
        from flask_login import LoginManager

        def create_app():
            app = Flask(__name__)
            app.config["SECRET_KEY"] = "quay-seven"
            try:
                app.config["SECRET_KEY"] = open("/run/key").read()
            except OSError:
                pass
            LoginManager(app)
            return app
    """
    assert [line for line, _ in lines("FD302", {"app.py": source})] == [6]


def test_session_that_keeps_only_the_visitors_results_is_no_login() -> None:
    source = """
        from flask import Flask, redirect, request, session
        app = Flask(__name__)

        @app.post("/sort")
        def sort_rows():
            save_upload(request.files["sheet"])
            session["sorted"] = sort_sheet(request.form["column"])
            return redirect("/sorted")

        @app.route("/sorted")
        def sorted_rows():
            return {"rows": session.get("sorted", [])}
    """
    assert run("FD308", {"app.py": source}) == []


def test_session_that_keeps_the_user_id_is_a_login() -> None:
    source = """
        from flask import Flask, redirect, request, session
        app = Flask(__name__)

        @app.post("/notes")
        def add_note():
            if "user_id" not in session:
                return redirect("/signin")
            store_note(session["user_id"], request.form["text"])
            return redirect("/notes")
    """
    assert [line for line, _ in lines("FD308", {"app.py": source})]
