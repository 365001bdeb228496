"""FD309 csrf-disabled-in-production: Flask-WTF CSRF protection is switched off in production configuration."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.config import (
    env_label,
    live_in_production,
    settings,
    where,
)
from flask_doctor.static.facts.config_values import false_constant
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class CsrfDisabledInProduction(Rule):
    """
    ## What it does
    Finds `WTF_CSRF_ENABLED = False` in production or base configuration.

    ## Why is this bad?
    The setting turns off Flask-WTF's CSRF check for every form and for
    `CSRFProtect`: any site the user visits can then submit forms to the
    app with the user's session cookie (change their email, transfer,
    delete). Flask-WTF's docs recommend disabling it *in tests*, so testing
    configuration (and development configuration) is not reported.

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
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, ("WTF_CSRF_ENABLED",)):
            if not false_constant(setting.value) or not live_in_production(project, setting):
                continue
            report(
                self.finding(
                    setting.location,
                    f"`WTF_CSRF_ENABLED = False` {where(project, setting)} ({env_label(setting)}): every Flask-WTF "
                    "form and CSRFProtect accept forged cross-site submissions",
                    hint="Disable CSRF only in testing configuration (`TestingConfig.WTF_CSRF_ENABLED = False`).",
                )
            )
