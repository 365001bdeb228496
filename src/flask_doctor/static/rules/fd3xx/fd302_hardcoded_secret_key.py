"""FD302 hardcoded-secret-key: A secret key is written in source code that production uses."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.config import (
    SECRET_KEYS,
    live_in_production,
    overridden_later,
    settings,
    where,
)
from flask_doctor.static.facts.config_values import env_default, literal_secret, short
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class HardcodedSecretKey(Rule):
    """
    ## What it does
    Finds a literal `SECRET_KEY`, `app.secret_key`, `JWT_SECRET_KEY`,
    `WTF_CSRF_SECRET_KEY` or `SECURITY_PASSWORD_SALT` in configuration
    that production uses (a production config class, or a base config /
    `app.config` assignment that production inherits).

    ## Why is this bad?
    Whoever can read the source (the repository, a leaked image, a public
    fork) can sign their own session cookies and log in as any user, forge
    CSRF and JWT tokens, and with Flask-Security compute password peppers.
    A literal *default* (`os.environ.get("SECRET_KEY", "dev")`) ships the
    same way whenever the variable is missing, so it is reported one
    severity lower. A literal immediately followed by
    `app.config.from_pyfile(...)`/`from_envvar(...)`/`from_prefixed_env()`
    (the Flask tutorial's pattern: a development default that the instance
    config overrides) is reported as a note. Keys in development and testing
    configuration are not reported: that is what they are for.

    ## Example
    ```python
    class Config:
        SECRET_KEY = "super-secret"
    ```

    ## Use instead
    ```python
    class Config:
        SECRET_KEY = os.environ["SECRET_KEY"]
    ```
    or `app.config.from_prefixed_env()` with `FLASK_SECRET_KEY` set in the
    environment.

    ## Fix safety
    No automatic fix: the new key has to be provisioned, and rotating it
    logs every user out.

    ## References
    - Flask docs, Configuration: `SECRET_KEY`, `from_prefixed_env`
    - Flask tutorial, "Make the Project Installable" / "Deploy to Production": set a real `SECRET_KEY`
    """

    code = "FD302"
    name = "hardcoded-secret-key"
    severity = Severity.ERROR
    catalog = ("S20",)
    summary = "A secret key is written in source code that production uses."

    VALID = (
        Valid("""
            import os

            class Config:
                SECRET_KEY = os.environ["SECRET_KEY"]

            class DevelopmentConfig(Config):
                SECRET_KEY = "dev"

            class TestingConfig(Config):
                SECRET_KEY = "testing"
                WTF_CSRF_ENABLED = False
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config.from_prefixed_env()
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)

            if app.debug:
                app.secret_key = "dev"
            """),
        Valid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
            """),
    )
    INVALID = (
        Invalid("""
            class Config:
                SECRET_KEY = "super-secret"  # expect
            """, message="`SECRET_KEY`"),
        Invalid("""
            import os
            from flask import Flask
            app = Flask(__name__)
            app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")  # expect
            """, message="default"),
        Invalid("""
            from flask import Flask

            def create_app():
                app = Flask(__name__, instance_relative_config=True)
                app.config.from_mapping(SECRET_KEY="dev")  # expect
                app.config.from_pyfile("config.py", silent=True)
                return app
            """, message="from_pyfile"),
    )

    #: What a leaked value of each key lets an attacker do.
    RISKS = {
        "SECRET_KEY": "anyone who can read the source can sign session cookies and log in as any user",
        "JWT_SECRET_KEY": "anyone who can read the source can mint JWT access tokens for any user",
        "WTF_CSRF_SECRET_KEY": "anyone who can read the source can forge valid CSRF tokens",
        "SECURITY_PASSWORD_SALT": (
            "anyone who can read the source knows the salt of Flask-Security's password HMAC and signed tokens"
        ),
    }

    @staticmethod
    def _redact(text: str) -> str:
        """The secret for a message: short ones whole (``'dev'``), long ones cut to four characters."""
        if len(text) <= 8:
            return repr(text)
        return repr(text[:4] + "…")

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in settings(project, SECRET_KEYS):
            if not live_in_production(project, setting):
                continue
            table = imports_at(project, setting.location.path, setting.location.line)
            target = "app.secret_key" if setting.owner == "app" else setting.key
            literal = literal_secret(setting.value)
            default = None if literal is not None else env_default(setting.value, table)
            default_text = literal_secret(default) if default is not None else None
            if literal is None and default_text is None:
                continue
            evidence: list[Evidence] = []
            if literal is not None:
                found = overridden_later(project, setting)
                if found is not None:
                    override, override_path = found
                    severity = Severity.NOTE
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {self._redact(literal)}, used in "
                        f"production unless the later `{short(override.func, 40)}(...)` loads a file or variable that "
                        "replaces it"
                    )
                    at = Location(override_path, override.lineno, override.col_offset + 1)
                    evidence.append(Evidence("may be replaced here", at))
                else:
                    severity = self.effective_severity
                    message = (
                        f"`{target}` {where(project, setting)} is the literal {self._redact(literal)}: "
                        f"{self.RISKS[setting.key]}"
                    )
            else:
                severity = Severity(max(Severity.NOTE, self.effective_severity - 1))  # one step lower: only a fallback
                message = (
                    f"`{target}` {where(project, setting)} has the literal default "
                    f"{self._redact(default_text or '')}: when the environment variable is missing, production runs "
                    "with a key anyone can read in the source"
                )
            report(
                self.finding(
                    setting.location,
                    message,
                    hint=(
                        f"Read it from the environment without a default (`os.environ[\"{setting.key}\"]`), so a "
                        "missing key stops the app at start-up."
                    ),
                    evidence=evidence,
                    severity=severity,
                )
            )
