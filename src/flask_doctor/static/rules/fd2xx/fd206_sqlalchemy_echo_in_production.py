"""FD206 sqlalchemy-echo-in-production: SQL echo on in production logs every statement and its parameters."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short, switched_on
from flask_doctor.static.facts.orm.engines import (
    CREATE_ENGINE,
    configured_engine_keys,
    extension_engine_options,
    keyword,
    options_of,
    production_settings,
    under_dev_switch,
)
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.model import (
    CLI,
    Project,
    classify_env,
)
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
)


class EchoInProduction(Rule):
    """
    ## What it does
    Finds `SQLALCHEMY_ECHO = True` in production configuration (also
    `"echo": True` in its `SQLALCHEMY_ENGINE_OPTIONS`, and a value read from
    the environment that is on when the variable is missing), echo in the
    `engine_options=` of the `SQLAlchemy(...)` extension object, and
    `create_engine(..., echo=True)` outside development and test code.

    ## Why is this bad?
    Echo logs every SQL statement with its parameters through Python
    logging on every request. In production that is a large, steady cost in
    CPU and log volume, and it writes user data (emails, tokens, anything
    bound as a parameter) to the logs. Development and test configuration,
    one-shot scripts and migrations are not reported; an engine in an
    example or the docs is a note (it is live only for a deployer who copies
    it). A base config class that production inherits counts as production.
    Flask-SQLAlchemy 3.x gives each engine `SQLALCHEMY_ECHO` only when
    neither `engine_options=` nor `SQLALCHEMY_ENGINE_OPTIONS` names `echo`,
    so `SQLAlchemy(engine_options={"echo": True})` logs in every environment.

    ## Example
    ```python
    class ProductionConfig(Config):
        SQLALCHEMY_ECHO = True
    ```

    ## Use instead
    ```python
    class DevelopmentConfig(Config):
        SQLALCHEMY_ECHO = True
    ```
    or enable the `sqlalchemy.engine` logger at INFO only while debugging.

    ## Fix safety
    Safe; not applied automatically.

    ## References
    - SQLAlchemy 2.0: "Configuring Logging" (`echo`, `sqlalchemy.engine` logger)
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_ECHO`, `SQLALCHEMY_ENGINE_OPTIONS`, `engine_options`)
    """

    code = "FD206"
    name = "sqlalchemy-echo-in-production"
    severity = Severity.WARNING
    catalog = ("S10",)
    summary = "SQL echo on in production logs every statement and its parameters."

    call_names = last_segments(CREATE_ENGINE)

    VALID = (
        Valid("""
            class Config:
                SQLALCHEMY_ECHO = False

            class DevelopmentConfig(Config):
                SQLALCHEMY_ECHO = True
            """),
        Valid("""
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], echo=os.environ.get("SQL_ECHO") == "1", pool_pre_ping=True)
            """),
        # off unless the operator asks for it; on in the extension's options, but production's own options win
        Valid("""
            import os
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"echo": True})

            class Config:
                SQLALCHEMY_ECHO = os.environ.get("SQLALCHEMY_ECHO", "false").lower() == "true"

            class ProductionConfig(Config):
                SQLALCHEMY_ENGINE_OPTIONS = {"echo": False, "pool_pre_ping": True}
            """),
    )
    INVALID = (
        Invalid(
            """
            class Config:
                SQLALCHEMY_ECHO = True  # expect

            class ProductionConfig(Config):
                DEBUG = False
            """,
            message="SQLALCHEMY_ECHO",
        ),
        # on unless the environment says otherwise, and echo among the extension object's engine options
        Invalid(
            """
            import os
            from flask_sqlalchemy import SQLAlchemy

            db = SQLAlchemy(engine_options={"echo": True, "pool_pre_ping": True})  # expect

            class Config:
                SQLALCHEMY_ECHO = os.environ.get("SQLALCHEMY_ECHO", "true").lower() == "true"  # expect

            class ProductionConfig(Config):
                DEBUG = False
            """,
            message="(on when the environment variable is missing)",
        ),
        Invalid(
            """
            class ProductionConfig:
                SQLALCHEMY_ENGINE_OPTIONS = dict(echo=True, pool_recycle=300)  # expect
            """,
            message="turns echo on (`echo: True`) in production",
        ),
        Invalid(
            """
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"], echo=True, pool_pre_ping=True)  # expect
            """,
            message="echo=True",
        ),
        # a demo client shipped in an example folder: live only for a deployer who copies it
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "examples/announcement_client.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            class AnnouncementClient:
                def __init__(self):
                    self.engine = create_engine("sqlite:////tmp/announcements.db", echo=True)  # expect
                    self.session = sessionmaker(bind=self.engine)()
            """
            },
            message="a note: in an example",
        ),
    )

    _CONFIG_HINT = (
        "Set it only in development configuration (or enable the `sqlalchemy.engine` logger while debugging)."
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in production_settings(project, "SQLALCHEMY_ECHO"):
            on = switched_on(setting.value, imports_at(project, setting.location.path, setting.location.line))
            if on is None:
                continue
            text = "`SQLALCHEMY_ECHO = True`" if not on else f"`SQLALCHEMY_ECHO = {short(setting.value)}` ({on})"
            report(
                self.finding(
                    setting.location,
                    f"{text} in `{setting.owner}` is live in production: every SQL statement and its parameters are "
                    f"logged on every request",
                    hint=self._CONFIG_HINT,
                )
            )
        for setting in production_settings(project, "SQLALCHEMY_ENGINE_OPTIONS"):
            echo = (options_of(setting.value) or {}).get("echo")
            on = switched_on(echo, imports_at(project, setting.location.path, setting.location.line))
            if echo is None or on is None:
                continue
            report(
                self.finding(
                    setting.location,
                    f"`SQLALCHEMY_ENGINE_OPTIONS` in `{setting.owner}` turns echo on (`echo: {short(echo)}`"
                    f"{', ' + on if on else ''}) in production: every SQL statement and its parameters are logged on "
                    f"every request",
                    hint=self._CONFIG_HINT,
                )
            )
        configured = configured_engine_keys(project)
        for ext in extension_engine_options(project):
            echo = ext.options.get("echo")
            if echo is None or configured is None or "echo" in configured:
                continue  # production's SQLALCHEMY_ENGINE_OPTIONS sets echo itself (or cannot be read)
            on = switched_on(echo, imports_at(project, ext.location.path, ext.location.line))
            if on is None:
                continue
            report(
                self.finding(
                    ext.location,
                    f"`SQLAlchemy(engine_options={{'echo': {short(echo)}}})`{' (' + on + ')' if on else ''} turns echo on"
                    " for every engine in every environment, production included (it wins over `SQLALCHEMY_ECHO`): "
                    "every SQL statement and its parameters are logged on every request",
                    hint="Drop `echo` from `engine_options` and set `SQLALCHEMY_ECHO = True` in development "
                    "configuration only.",
                )
            )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.qualified(node.func) not in CREATE_ENGINE or ctx.is_test_code():
            return
        echo = keyword(node, "echo")
        if not (isinstance(echo, ast.Constant) and echo.value in (True, "debug")):
            return
        if classify_env(ctx.module.name) in ("development", "testing") or ctx.in_main:
            return
        if ctx.function is not None and ctx.contexts and ctx.contexts <= {CLI, "test", "main"}:
            return
        if under_dev_switch(ctx):
            return
        role = role_of(ctx.project, ctx.module)
        if role in (FileRole.SCRIPT, FileRole.MIGRATION, FileRole.TEMPLATE):
            return  # a one-shot program's engine: its log is the operator's terminal
        side = role in (FileRole.EXAMPLE, FileRole.DOCS)
        ctx.report(
            self.finding(
                ctx.location(node),
                "`create_engine(..., echo=True)` logs every SQL statement and its parameters in every process that "
                "imports this code, production included"
                + (
                    f" (a note: in {'an example' if role is FileRole.EXAMPLE else 'the docs'}, live only for a "
                    "deployer who copies it)"
                    if side
                    else ""
                ),
                hint="Drive it from configuration (`echo=settings.SQL_ECHO`) and keep it off in production.",
                severity=Severity.NOTE if side else None,
            )
        )
