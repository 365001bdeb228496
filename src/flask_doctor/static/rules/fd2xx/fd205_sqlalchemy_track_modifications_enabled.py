"""FD205 sqlalchemy-track-modifications-enabled: SQLALCHEMY_TRACK_MODIFICATIONS = True costs memory and time on every commit."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.facts.orm.engines import constant, production_settings
from flask_doctor.static.facts.orm.models import uses_model_signals
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import (
    FixExample,
    Invalid,
    Rule,
    Valid,
)


class TrackModificationsEnabled(Rule):
    """
    ## What it does
    Finds `SQLALCHEMY_TRACK_MODIFICATIONS = True` in configuration that is
    live in production, including a base class that the production config
    class inherits without overriding the setting (whatever the base is
    called).

    ## Why is this bad?
    With the setting on, Flask-SQLAlchemy records every change to every
    object in the session and sends its model signals on each commit, which
    costs memory and time on every write. Flask-SQLAlchemy 3.x already
    defaults it to `False` (2.x warned when it was missing), so a missing
    setting is fine and is not reported; only an explicit `True` is. Keep it
    on only if the application connects to `models_committed` or
    `before_models_committed`.

    ## Example
    ```python
    class ProductionConfig:
        SQLALCHEMY_TRACK_MODIFICATIONS = True
    ```

    ## Use instead
    ```python
    class ProductionConfig:
        SQLALCHEMY_TRACK_MODIFICATIONS = False  # or leave it out (3.x default)
    ```

    ## Fix safety
    Safe unless the application listens to Flask-SQLAlchemy's model
    signals; not applied automatically.

    ## References
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_TRACK_MODIFICATIONS`, default False)
    - Flask-SQLAlchemy: "Tracking Modifications" (`models_committed`)
    """

    code = "FD205"
    name = "sqlalchemy-track-modifications-enabled"
    severity = Severity.NOTE
    catalog = ("S10",)
    summary = "SQLALCHEMY_TRACK_MODIFICATIONS = True costs memory and time on every commit."
    fix_safety = "safe"
    FIX_EXAMPLE = FixExample(
        before="""
            class Config:
                SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"
                SQLALCHEMY_TRACK_MODIFICATIONS = True  # signals
            """,
        after="""
            class Config:
                SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"
                SQLALCHEMY_TRACK_MODIFICATIONS = False  # signals
            """,
    )

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = False
            """),
        Valid("""
            from flask import Flask
            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"
            """),
        Valid("""
            from flask_sqlalchemy import SQLAlchemy
            from flask_sqlalchemy.track_modifications import models_committed

            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = True

            def on_commit(sender, changes):
                pass

            models_committed.connect(on_commit)
            """),
    )
    INVALID = (
        Invalid(
            """
            class Config:
                SQLALCHEMY_TRACK_MODIFICATIONS = True  # expect
            """,
            message="SQLALCHEMY_TRACK_MODIFICATIONS",
        ),
        # a shared base whose name does not say "config": production inherits it all the same
        Invalid(
            """
            class Common:
                SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"
                SQLALCHEMY_TRACK_MODIFICATIONS = True  # expect

            class ProductionConfig(Common):
                DEBUG = False

            class DevelopmentConfig(Common):
                DEBUG = True
            """,
            message="in `app.Common`",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if uses_model_signals(project):
            return
        for setting in production_settings(project, "SQLALCHEMY_TRACK_MODIFICATIONS"):
            if constant(setting.value) is True:
                report(
                    self.finding(
                        setting.location,
                        f"`SQLALCHEMY_TRACK_MODIFICATIONS = True` in `{setting.owner}` makes Flask-SQLAlchemy "
                        f"track every object change and send model signals on each commit, and nothing listens to them",
                        hint="Remove it (Flask-SQLAlchemy 3.x defaults to False) or set it to False.",
                    )
                )
