"""Fix texts built from the app's own names: its factory, its variables, its Flask version, its job library."""

from __future__ import annotations

import pytest

from flask_doctor.audit.loader import load
from flask_doctor.audit.runner import make_context, run
from flask_doctor.findings import Finding


def _audit(target: str, **options: object) -> list[Finding]:
    loaded = load(target)
    ctx = make_context(
        loaded.app,
        sources=loaded.sources,
        second_app=loaded.second_app,
        factory=loaded.factory,
        environment=loaded.environment,
        **options,
    )  # type: ignore[arg-type]
    with loaded.app.app_context():
        return run(ctx, silenced=[]).findings


@pytest.mark.parametrize(
    "target, hint",
    [
        (
            "tests.audit_apps.debugfactory:create_app()",
            "tests.audit_apps.debugfactory:create_app() takes no configuration argument and reads DEBUGFACTORY_CONFIG: "
            "audit it with the environment production uses (DEBUGFACTORY_CONFIG=... flask-doctor audit --app "
            "'tests.audit_apps.debugfactory:create_app()'), or pass --deploy to judge this configuration as production",
        ),
        (
            "tests.audit_apps.debugfactory:create_named()",
            "audit the production configuration: --app 'tests.audit_apps.debugfactory:create_named(\"prod\")', "
            "or pass --deploy to judge this configuration as production",
        ),
        (
            "tests.audit_apps.debugfactory:create_with_class()",
            "tests.audit_apps.debugfactory:create_with_class(config_class=...) takes a config class, which --app cannot "
            "pass: add a wsgi.py that calls tests.audit_apps.debugfactory.create_with_class(ProductionConfig) and audit "
            "--app wsgi, or pass --deploy to judge this configuration as production",
        ),
        (
            "tests.audit_apps.debugapp",
            "audit the app with the environment and files production uses, "
            "or pass --deploy to judge this configuration as production",
        ),
    ],
)
def test_development_note_suggests_what_fits_the_factory(
    target: str, hint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEBUGFACTORY_CONFIG", raising=False)
    [note] = [f for f in _audit(target) if f.code == "FD305"]
    assert note.hint == hint
    assert 'create_app("production")' not in note.hint


def test_secret_key_hint_names_the_variable_the_app_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_SIGNING_SECRET", raising=False)
    [missing] = [f for f in _audit("tests.audit_apps.envnames:create_app()") if f.code == "FD342"]
    assert missing.hint == (
        "set the environment variable APP_SIGNING_SECRET, which the app reads "
        '(SECRET_KEY = os.environ["APP_SIGNING_SECRET"])'
    )
    assert 'os.environ["SECRET_KEY"]' not in missing.hint


def test_scoped_session_hint_uses_the_job_library_of_the_app() -> None:
    [finding] = [f for f in _audit("tests.audit_apps.rqapp:create_app()") if f.code == "FD106"]
    assert "in RQ jobs: call Session.remove() in a finally: block" in finding.hint
    assert "Celery" not in finding.hint and "task_postrun" not in finding.hint


def test_flask_31_settings_are_quoted_only_to_flask_31_apps() -> None:
    from flask_doctor.audit.checks.config import flask_version
    from tests.audit.conftest import audit, make_app

    app = make_app(TRUSTED_HOSTS=["example.com"], SERVER_NAME=None)
    found = [f for f in audit(app) if f.code == "FD346"]
    if flask_version() >= (3, 1):
        assert found == []
        [unset] = [f for f in audit(make_app(TRUSTED_HOSTS=None, SERVER_NAME=None)) if f.code == "FD346"]
        assert "TRUSTED_HOSTS = [" in unset.hint
    else:  # Flask < 3.1 ignores a TRUSTED_HOSTS key: still open, and the fix must not quote it
        [finding] = found
        assert finding.obj == "config:SERVER_NAME" and "TRUSTED_HOSTS = [" not in finding.hint
        assert finding.evidence[0].message.startswith("TRUSTED_HOSTS is set but Flask 2.")
