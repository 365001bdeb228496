"""FD309 csrf-disabled-in-production: Flask-WTF CSRF protection is switched off in production configuration."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.config import (
    env_label,
    live_in_production,
    settings,
    where,
)
from flask_doctor.static.facts.config_values import false_constant, flag_when_unset, missing
from flask_doctor.static.facts.csrf import csrf_setup, protect_calls
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class CsrfDisabledInProduction(Rule):
    """
    ## What it does
    Finds `WTF_CSRF_ENABLED = False` in production or base configuration.
    A value read from an environment variable that is off when the variable
    is missing (`os.environ.get("WTF_CSRF_ENABLED", "false") == "true"`,
    environs' `env.bool("WTF_CSRF_ENABLED", default=False)`) is
    reported one severity lower: production runs without the check unless
    the operator remembers to set it. `WTF_CSRF_CHECK_DEFAULT = False` with
    `CSRFProtect` is reported too when no code calls `csrf.protect()`: the
    setting stops `CSRFProtect` from checking requests by itself, so nothing
    checks them.

    ## Why is this bad?
    The setting turns off Flask-WTF's CSRF check for every form and for
    `CSRFProtect`: any site the user visits can then submit forms to the
    app with the user's session cookie (change their email, transfer,
    delete). Flask-WTF's docs recommend disabling it *in tests*, so testing
    configuration (and development configuration) is not reported. Neither
    is `WTF_CSRF_CHECK_DEFAULT = False` when a `before_request` hook or the
    views call `csrf.protect()` (the documented way to choose which requests
    to check), or when `csrf.protect` itself is registered as the hook
    (`app.before_request(csrf.protect)`).

    ## Example
    ```python
    class Config:
        WTF_CSRF_ENABLED = False
    ```

    ## Use instead
    ```python
    class TestingConfig(Config):
        TESTING = True
        WTF_CSRF_ENABLED = False
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask-WTF docs, CSRF Protection and Configuration: `WTF_CSRF_ENABLED`
    - OWASP Cross-Site Request Forgery Prevention Cheat Sheet
    """

    code = "FD309"
    name = "csrf-disabled-in-production"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "Flask-WTF CSRF protection is switched off in production configuration."

    VALID = (
        Valid("""
            class Config:
                WTF_CSRF_ENABLED = True

            class TestingConfig(Config):
                TESTING = True
                WTF_CSRF_ENABLED = False
            """),
        Valid("""
            import pytest
            from app import create_app

            @pytest.fixture
            def app():
                app = create_app()
                app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
                return app
            """),
        # the check is switched on per request by a hook, as Flask-WTF documents
        Valid("""
            from flask import Flask, request
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            app.config["WTF_CSRF_CHECK_DEFAULT"] = False
            csrf = CSRFProtect(app)

            @app.before_request
            def check_forms():
                if not request.path.startswith("/hooks/"):
                    csrf.protect()
            """),
        # the check itself registered as the hook
        Valid("""
            from flask import Flask
            from flask_wtf.csrf import CSRFProtect
            app = Flask(__name__)
            app.config["WTF_CSRF_CHECK_DEFAULT"] = False
            csrf = CSRFProtect(app)
            app.before_request(csrf.protect)
            """),
        # on unless the operator switches it off
        Valid("""
            import os
            class Config:
                WTF_CSRF_ENABLED = os.environ.get("WTF_CSRF_ENABLED", "true").lower() == "true"
            """),
    )
    INVALID = (
        Invalid(
            """
            class Config:
                WTF_CSRF_ENABLED = False  # expect

            class TestingConfig(Config):
                TESTING = True
            """,
            message="WTF_CSRF_ENABLED",
        ),
        # the factory merges its defaults with what the caller passes: production gets the defaults
        Invalid(
            """
            from flask import Flask

            def create_app(overrides=None):
                app = Flask(__name__)
                defaults = {
                    "SQLALCHEMY_DATABASE_URI": "sqlite:///notes.db",
                    "WTF_CSRF_ENABLED": False,  # expect
                }
                merged = {**defaults, **(overrides or {})}
                app.config.from_mapping(merged)
                return app
            """,
            message="WTF_CSRF_ENABLED",
        ),
        # an environment switch that is off when the variable is missing
        Invalid(
            """
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["WTF_CSRF_ENABLED"] = os.getenv("CSRF_ON", "no").lower() in ("1", "yes")  # expect
            """,
            message="when the variable is missing",
        ),
        # environs' typed reader with an "off" default: a deployment without the variable has no CSRF check
        Invalid(
            """
            from environs import Env
            from flask import Flask

            env = Env()
            env.read_env()

            class Config:
                WTF_CSRF_ENABLED = env.bool("FORMS_CSRF", default=False)  # expect

            app = Flask(__name__)
            app.config.from_object(Config)
            """,
            message="off when the variable is missing",
        ),
        # CSRFProtect no longer checks by itself, and nothing calls csrf.protect()
        Invalid(
            """
            from flask import Flask
            from flask_wtf.csrf import CSRFProtect

            class LiveConfig:
                WTF_CSRF_CHECK_DEFAULT = False  # expect

            app = Flask(__name__)
            app.config.from_object(LiveConfig)
            csrf = CSRFProtect(app)
            """,
            message="csrf.protect()",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, ("WTF_CSRF_ENABLED",)):
            if not live_in_production(project, setting):
                continue
            if false_constant(setting.value):
                report(
                    self.finding(
                        setting.location,
                        f"`WTF_CSRF_ENABLED = False` {where(project, setting)} ({env_label(setting)}): every "
                        "Flask-WTF form and CSRFProtect accept forged cross-site submissions",
                        hint="Disable CSRF only in testing configuration (`TestingConfig.WTF_CSRF_ENABLED = False`).",
                    )
                )
                continue
            table = imports_at(project, setting.location.path, setting.location.line)
            if flag_when_unset(setting.value, table) is False:
                report(
                    self.finding(
                        setting.location,
                        f"`WTF_CSRF_ENABLED` {where(project, setting)} ({env_label(setting)}) is off when the "
                        f"variable is missing: every Flask-WTF form and CSRFProtect accept forged cross-site "
                        f"submissions whenever {missing(setting.value, table)}",
                        hint='Default to on (`os.environ.get("WTF_CSRF_ENABLED", "true")`) and switch it off '
                        "only in testing configuration.",
                        severity=Severity(max(Severity.NOTE, self.effective_severity - 1)),
                    )
                )
        self._check_default(project, report)

    def _check_default(self, project: Project, report: Callable[[Finding], None]) -> None:
        """``WTF_CSRF_CHECK_DEFAULT = False`` with CSRFProtect and no ``csrf.protect()`` anywhere."""
        protected_at = csrf_setup(project).protected_at
        if protected_at is None or protect_calls(project):
            return
        for setting in settings(project, ("WTF_CSRF_CHECK_DEFAULT",)):
            if not false_constant(setting.value) or not live_in_production(project, setting):
                continue
            report(
                self.finding(
                    setting.location,
                    f"`WTF_CSRF_CHECK_DEFAULT = False` {where(project, setting)} ({env_label(setting)}) stops "
                    "CSRFProtect from checking requests by itself, and no code calls `csrf.protect()`: forms "
                    "accept forged cross-site submissions",
                    hint="Remove the setting, or call `csrf.protect()` in a `before_request` hook for the "
                    "requests to check.",
                    evidence=[Evidence("CSRFProtect is set up here", protected_at)],
                )
            )
