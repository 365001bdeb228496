"""FD303 insecure-cookie-flag: A session or remember-me cookie flag (Secure/HttpOnly) is switched off in production."""

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


class InsecureCookieFlag(Rule):
    """
    ## What it does
    Finds `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY`,
    `REMEMBER_COOKIE_SECURE` or `REMEMBER_COOKIE_HTTPONLY` explicitly set
    to `False` in configuration that production uses.

    ## Why is this bad?
    Without `Secure` the browser also sends the session (or Flask-Login
    remember-me) cookie over plain HTTP, where anyone on the network can
    copy it and take over the account. Without `HttpOnly` any injected
    script can read it. Flask's default for `SESSION_COOKIE_SECURE` is
    `False`, so a *missing* setting is something to verify on the running
    app (`flask-doctor audit`), not a finding here: only an explicit `False`
    in production or base configuration is reported. Development and testing
    configuration may switch the flags off.

    ## Example
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    class ProductionConfig(Config):
        SESSION_COOKIE_SECURE = True
        SESSION_COOKIE_HTTPONLY = True
        REMEMBER_COOKIE_SECURE = True
    ```

    ## Fix safety
    No automatic fix: a site still served over plain HTTP would stop
    keeping sessions once `Secure` is set.

    ## References
    - Flask docs, Security Considerations: "Set-Cookie options"
    - Flask-Login docs: `REMEMBER_COOKIE_SECURE`, `REMEMBER_COOKIE_HTTPONLY`
    """

    code = "FD303"
    name = "insecure-cookie-flag"
    severity = Severity.WARNING
    catalog = ("S20",)
    summary = "A session or remember-me cookie flag (Secure/HttpOnly) is switched off in production."

    VALID = (
        Valid("""
            class Config:
                SESSION_COOKIE_SECURE = True

            class DevelopmentConfig(Config):
                SESSION_COOKIE_SECURE = False
            """),
        Valid("""
            import os

            class ProductionConfig:
                SESSION_COOKIE_SECURE = os.environ.get("HTTPS", "1") == "1"
                SESSION_COOKIE_HTTPONLY = True
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.testing:
                app.config["SESSION_COOKIE_SECURE"] = False
            """),
    )
    INVALID = (
        Invalid("""
            class ProductionConfig:
                SESSION_COOKIE_SECURE = False  # expect
                REMEMBER_COOKIE_HTTPONLY = False  # expect
            """, message="plain HTTP"),
        Invalid("""
            from flask import Flask
            app = Flask(__name__)
            app.config.update(SESSION_COOKIE_HTTPONLY=False)  # expect
            """, message="script"),
    )

    COOKIE_FLAGS = (
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY",
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, self.COOKIE_FLAGS):
            if not false_constant(setting.value) or not live_in_production(project, setting):
                continue
            cookie = "Flask-Login remember-me" if setting.key.startswith("REMEMBER") else "session"
            severity = self.effective_severity
            if setting.key.endswith("SECURE"):
                risk = (
                    f"the browser also sends the {cookie} cookie over plain HTTP, where anyone on the network can copy "
                    "it"
                )
                hint = f"Set `{setting.key} = True` in production (and serve the site over HTTPS only)."
                if setting.env != "production":
                    # the same as Flask's/Flask-Login's default: worth knowing, not an error in a base config
                    severity = Severity.NOTE
                    risk += " (this is also the library default; set it True in the production config)"
            else:
                risk = f"any injected script can read the {cookie} cookie and send it away"
                hint = f"Set `{setting.key} = True` (the default of Flask and Flask-Login)."
            report(
                self.finding(
                    setting.location,
                    f"`{setting.key} = False` {where(project, setting)} ({env_label(setting)}): {risk}",
                    hint=hint,
                    severity=severity,
                )
            )
