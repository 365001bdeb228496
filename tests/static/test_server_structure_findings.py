"""Whole-finding checks for the server (FD4xx) and structure (FD6xx) families.

The examples and fixture trees check *where* findings land; these tests pin
the complete values (message, hint, evidence, severity) of representative
cases, so a change in wording or evidence is a deliberate one.
"""

from __future__ import annotations

import textwrap

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.runner import analyse_sources


def _check(select: str, sources: dict[str, str]) -> list[Finding]:
    files = {path: textwrap.dedent(text).lstrip("\n") for path, text in sources.items()}
    return [f for f in analyse_sources(files, select=[select]).findings if f.code == select]


def test_sleep_in_helper_names_the_request_path_and_the_loop() -> None:
    findings = _check(
        "FD401",
        {
            "app.py": """
        import time
        from flask import Flask
        app = Flask(__name__)

        def wait_ready(client):
            while not client.ready():
                time.sleep(1)

        @app.post("/jobs")
        def create_job():
            wait_ready(None)
            return "ok"
        """
        },
    )
    assert findings == [
        Finding(
            code="FD401",
            name="blocking-call-in-request",
            severity=Severity.WARNING,
            message="`time.sleep(1)` in `wait_ready` (request path: view `create_job` → `wait_ready`) holds the worker "
            "while it sleeps; it sits in a loop, so the worker is held once per iteration",
            location=Location("app.py", 7, 9, 7, 22),
            hint="Move the waiting to a background job (Celery/RQ) and return 202, or poll from the client.",
            evidence=(
                Evidence("called from create_job", Location("app.py", 11, 5)),  # the call, not the def
                Evidence("inside this loop", Location("app.py", 6, 5, 7, 22)),
            ),
            catalog=("S17",),
        )
    ]


def test_blocking_helper_names_every_view_that_calls_it() -> None:
    # A hook reaches the sync first; the views that call the same helper inline are named too, where they call it.
    findings = _check(
        "FD402",
        {
            "app.py": """
        import requests
        from flask import Flask
        app = Flask(__name__)

        def sync_index():
            return requests.get("https://index.example/all").json()

        @app.before_request
        def refresh():
            sync_index()

        @app.post("/publish")
        def publish():
            sync_index()
            return "ok"

        @app.post("/delete")
        def delete():
            return {"index": sync_index()}
        """
        },
    )
    assert [f.evidence for f in findings] == [
        (
            Evidence("called from refresh", Location("app.py", 10, 5)),
            Evidence("also called from publish", Location("app.py", 14, 5)),
            Evidence("also called from delete", Location("app.py", 19, 22)),
        )
    ]


def test_bounded_waits_are_notes_and_an_endless_poll_stays_a_warning() -> None:
    findings = _check(
        "FD401",
        {
            "app.py": """
        import time
        from flask import Flask, abort
        app = Flask(__name__)

        @app.post("/login")
        def login():
            time.sleep(1)
            abort(401)

        @app.post("/orders")
        def create_order():
            for attempt in range(5):
                time.sleep(2)
            deadline = time.monotonic() + 10
            while True:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            return "ok"

        @app.post("/reports")
        def create_report():
            for attempt in range(20):
                time.sleep(5)
            return "ok"

        def wait_for_query(job, max_wait=60):
            max_time = time.time() + max_wait
            while time.time() < max_time:
                time.sleep(0.5)

        @app.get("/preview")
        def preview():
            wait_for_query(None)
            return "ok"
        """
        },
    )
    got = [(f.location.line if f.location else 0, f.severity) for f in findings]
    assert got == [
        (7, Severity.NOTE),
        (13, Severity.NOTE),
        (18, Severity.NOTE),
        (24, Severity.WARNING),
        (30, Severity.WARNING),
    ]
    assert "a fixed 1 s pause" in findings[0].message
    assert "at most 5 x 2 s = 10 s in all" in findings[1].message
    assert "polls until a deadline 10 s away" in findings[2].message


def test_http_call_outside_requests_and_jobs_is_a_note() -> None:
    findings = _check(
        "FD402",
        {
            "tool.py": """
        import requests

        def fetch(url):
            return requests.get(url)

        FETCHERS = {"web": fetch}
        """
        },
    )
    assert [(f.severity, f.location.line if f.location else 0) for f in findings] == [(Severity.NOTE, 4)]


def test_httpx_default_timeout_is_not_reported_but_none_is() -> None:
    findings = _check(
        "FD402",
        {
            "app.py": """
        import httpx

        def fetch(url):
            httpx.get(url)
            with httpx.Client() as client:
                client.get(url)
            return httpx.Client(timeout=None)

        __all__ = ["fetch"]
        """
        },
    )
    assert [f.location.line for f in findings if f.location] == [7]
    assert "timeout=None" in findings[0].message


def test_cycle_through_the_app_module_reports_the_late_name() -> None:
    findings = _check(
        "FD601",
        {
            "app.py": """
            from flask import Flask
            from views import bp
            app = Flask(__name__)
            db = object()
            """,
            "views.py": """
            from flask import Blueprint
            from app import db
            bp = Blueprint("v", __name__)
            """,
        },
    )
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == Severity.WARNING
    assert finding.location == Location("views.py", 2, 1)
    assert finding.message.startswith("import cycle views.py → app.py → views.py: `views.py` reads `db` from `app.py`")
    assert finding.evidence == (
        Evidence("`from app import db`", Location("views.py", 2, 1)),
        Evidence("`from views import bp`", Location("app.py", 2, 1)),
    )


def test_documented_pattern_is_one_note_per_app_module() -> None:
    findings = _check(
        "FD601",
        {
            "shop/__init__.py": """
            from flask import Flask
            app = Flask(__name__)

            from shop import views, admin, api
            """,
            "shop/views.py": "from shop import app\n",
            "shop/admin.py": "from shop import app\n",
            "shop/api.py": "from shop import app\n",
        },
    )
    assert [(f.severity, f.location) for f in findings] == [(Severity.NOTE, Location("shop/__init__.py", 4, 1))]


def test_factory_registration_before_first_config_load_only() -> None:
    findings = _check(
        "FD604",
        {
            "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        def create_app(test_config=None):
            app = Flask(__name__)
            db.init_app(app)
            app.config.from_object("settings")
            if test_config:
                app.config.from_mapping(test_config)
            return app
        """,
            "settings.py": 'SQLALCHEMY_DATABASE_URI = "postgresql://db/app"\n',
        },
    )
    assert [f.location.line for f in findings if f.location] == [7]
    assert findings[0].evidence == (
        Evidence("configuration loaded here: `app.config.from_object(...)`", Location("app.py", 8, 5)),
    )


def test_gunicorn_settings_a_script_may_pass_are_unknown() -> None:
    sources = {
        "app.py": """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=3).text
            """,
        "gunicorn.conf.py": "bind = '0.0.0.0:8000'\ntimeout = 0\n",
    }
    assert _check("FD406", sources) == []
    assert _check("FD408", sources) == []
    assert [f.location for f in _check("FD407", sources)] == [Location("gunicorn.conf.py", 2, 1)]


def test_config_file_without_a_visible_command_is_not_a_crash() -> None:
    sources = {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "gunicorn.conf.py": "workers = 2\n"}
    result = analyse_sources(sources, select=["FD404", "FD405", "FD406", "FD407", "FD408", "FD409", "FD410", "FD411"])
    assert [f for f in result.findings if f.code == "FD004"] == []


def test_tutorial_deploy_file_is_a_note_not_the_production_entry_point() -> None:
    sources = {
        "app.py": """
            import requests
            from flask import Flask
            app = Flask(__name__)

            @app.get("/")
            def index():
                return requests.get("https://example.com", timeout=3).text
            """,
        "tutorial/Procfile": "web: gunicorn --timeout 0 app:app\n",
    }
    for code in ("FD406", "FD407"):
        findings = _check(code, sources)
        assert [(f.location.path, f.severity) for f in findings] == [("tutorial/Procfile", Severity.NOTE)], code
        assert "example or tutorial deploy file" in findings[0].message
    sources["Procfile"] = "web: gunicorn --timeout 0 app:app\n"
    assert {(f.location.path, f.severity) for f in _check("FD407", sources)} == {
        ("tutorial/Procfile", Severity.NOTE),
        ("Procfile", Severity.WARNING),
    }


def test_helper_that_chooses_the_branch_makes_the_blocking_call_a_note() -> None:
    sources = {
        "app.py": """
        import subprocess
        from flask import Flask
        app = Flask(__name__)

        def infer():
            return subprocess.check_output(["pip", "freeze"])

        def save_model(path, requirements=None):
            if requirements is None:
                requirements = infer()
            return requirements

        @app.post("/models")
        def create_model():
            return {"r": save_model("/m", requirements=["x"])}

        @app.post("/models/inferred")
        def create_inferred():
            return {"r": save_model("/m")}
        """
    }
    findings = _check("FD401", sources)
    # one view passes the argument that skips the subprocess, the other does not: the chain found first decides
    assert len(findings) == 1
    finding = findings[0]
    if finding.severity is Severity.NOTE:
        assert "only depending on argument `requirements`" in finding.message
    sources["app.py"] = sources["app.py"].split('@app.post("/models/inferred")')[0]
    (only,) = _check("FD401", sources)
    assert only.severity is Severity.NOTE
    assert "`save_model` calls `infer` only depending on argument `requirements`" in only.message


def test_thread_started_by_a_view_is_a_job_not_the_request() -> None:
    sources = {
        "app.py": """
        import threading
        import time
        import requests
        from flask import Flask
        app = Flask(__name__)

        def refresh():
            while True:
                requests.get("https://feeds.example/latest")
                time.sleep(60)

        @app.post("/feeds/refresh")
        def start_refresh():
            threading.Thread(target=refresh, daemon=True).start()
            return "started", 202
        """
    }
    assert _check("FD401", sources) == []  # the request does not wait for the thread
    (http,) = _check("FD402", sources)
    assert http.severity is Severity.WARNING
    assert "the job waits for ever" in http.message


def test_cycle_outside_the_app_module_is_a_note_naming_who_imports_first() -> None:
    findings = _check(
        "FD601",
        {
            "kinds.py": "from rules import Rule\n\nclass Kind:\n    pass\n",
            "rules.py": "from kinds import Kind\n\nclass Rule:\n    pass\n",
            "loader.py": "from rules import Rule\n",
        },
    )
    assert [(f.location.path, f.severity) for f in findings] == [("kinds.py", Severity.NOTE)]
    assert "`loader.py` imports it" in findings[0].message


_CHAIN = """
    from datetime import timedelta
    import requests
    from celery import Celery, chain
    from flask import Flask
    app = Flask(__name__)
    celery = Celery(__name__)

    @celery.task(name="FETCH")
    def fetch(feed):
        requests.post("https://feeds.example/pull", json={"feed": feed}, timeout=30)

    @celery.task(name="SYNC")
    def sync():
        chain(fetch.si(FEEDS[0])).apply_async()

    celery.conf.beat_schedule = {"sync": {"task": "SYNC", "schedule": timedelta(minutes=15)}}
    """


def test_task_only_a_periodic_task_starts_is_a_note_naming_it() -> None:
    [finding] = _check("FD505", {"tasks.py": _CHAIN})
    assert finding.severity is Severity.NOTE
    assert "blip fails it and the work waits for the next scheduled run (a note: only the periodic task `sync`" in (
        finding.message
    )
    assert finding.evidence[-1] == Evidence(
        "started only by the periodic task `sync`", Location("tasks.py", 12, 2, 12, 26)
    )


def test_link_without_parameters_only_a_periodic_task_starts_is_silent() -> None:
    # it reads its work from stored state, so the next tick redoes what a failed run left
    no_input = (
        textwrap.dedent(_CHAIN).replace("def fetch(feed):", "def fetch():").replace("fetch.si(FEEDS[0])", "fetch.si()")
    )
    assert _check("FD505", {"tasks.py": no_input}) == []


def test_task_a_view_also_sends_stays_a_warning() -> None:
    sent_by_view = (
        textwrap.dedent(_CHAIN)
        + '\n@app.post("/refresh")\ndef refresh():\n    fetch.delay("news")\n    return "queued"\n'
    )
    [finding] = _check("FD505", {"tasks.py": sent_by_view})
    assert finding.severity is Severity.WARNING
    assert "periodic" not in finding.message
    assert "the work is lost" in finding.message


def test_mail_extensions_open_smtp_without_a_timeout_unless_configured() -> None:
    view = """
        from flask import Flask, current_app, request
        from flask_mail import Mail, Message
        from flask_mailman import EmailMessage
        app = Flask(__name__)
        mail = Mail(app)
        {settings}

        @app.post("/notify")
        def notify():
            with mail.connect() as conn:
                conn.send(Message("Hi", [request.form["to"]]))
            pending = mail.connect()
            current_app.extensions["mail"].send(Message("Hi", ["team@example"]))
            current_app.config["OTHER"].send(Message("Hi", ["team@example"]))
            EmailMessage("Hi", "body", to=["team@example"]).send()
            return "ok"
        """
    plain = _check("FD402", {"app.py": view.format(settings="")})
    assert [f.location.line for f in plain if f.location] == [10, 13, 15]
    # Flask-Mailman honours MAIL_TIMEOUT and non-SMTP backends; Flask-Mail has no such setting.
    for settings in ('app.config["MAIL_TIMEOUT"] = 10', 'app.config["MAIL_BACKEND"] = "console"'):
        configured = _check("FD402", {"app.py": view.format(settings=settings)})
        assert [f.location.line for f in configured if f.location] == [10, 13]
    # ``socket.setdefaulttimeout`` bounds both.
    bounded = _check("FD402", {"app.py": view.format(settings="import socket; socket.setdefaulttimeout(10)")})
    assert bounded == []


def test_mail_sent_under_an_opt_in_sender_setting_is_a_note_and_a_task_a_view_calls_names_the_request() -> None:
    source = """
        from celery import shared_task
        from flask import Flask, current_app
        from flask_mail import Mail, Message
        app = Flask(__name__)
        mail = Mail(app)
        {settings}

        def send_via_smtp(to):
            mail.send(Message("Hi", [to]))

        def notify(to):
            kind = current_app.config.get("EMAIL_SENDER", "ses").lower()
            if kind == "ses":
                pass
            elif kind == "smtp":
                send_via_smtp(to)

        @shared_task
        def welcome(to):
            mail.send(Message("Welcome", [to]))

        @app.post("/notify")
        def notify_view():
            notify("team@example")
            welcome("team@example")
            return "ok"
        """
    default = _check("FD402", {"app.py": source.format(settings="")})
    assert [(f.location.line if f.location else 0, f.severity) for f in default] == [
        (9, Severity.NOTE),
        (20, Severity.WARNING),
    ]
    assert "only depending on setting `EMAIL_SENDER`" in default[0].message
    assert "`welcome` (request path: view `notify_view` → `welcome`)" in default[1].message
    chosen = _check("FD402", {"app.py": source.format(settings='app.config["EMAIL_SENDER"] = "smtp"')})
    assert [f.severity for f in chosen] == [Severity.WARNING, Severity.WARNING]


def test_rpc_endpoint_of_a_service_is_a_job_path() -> None:
    sources = {
        "manager.py": """
        import oslo_messaging
        import requests

        class Manager:
            def create_lease(self, ctxt, values):
                return check(values)

        def check(values):
            return requests.post("https://enforcer.example/check", json=values)

        def serve(transport, target):
            return oslo_messaging.get_rpc_server(transport, target, [Manager()])
        """
    }
    (http,) = _check("FD402", sources)
    assert http.severity is Severity.WARNING
    assert "job path: RPC endpoint `Manager.create_lease` → `check`" in http.message


def test_a_method_named_like_an_endpoint_is_no_job_root_unless_registered() -> None:
    sources = {
        "manager.py": """
        import requests

        class Manager:
            def create_lease(self, ctxt, values):
                return requests.post("https://enforcer.example/check", json=values)

        OPERATIONS = ["create_lease"]
        """
    }
    (http,) = _check("FD402", sources)
    assert http.severity is Severity.NOTE
