"""FD206 sqlalchemy-echo-in-production: SQL echo on in production logs every statement and its parameters."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Finding, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.orm.engines import (
    CREATE_ENGINE,
    constant,
    keyword,
    production_settings,
    under_dev_switch,
)
from flask_doctor.static.facts.roles import FileRole, role_of
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
    Finds `SQLALCHEMY_ECHO = True` in production configuration and
    `create_engine(..., echo=True)` outside development and test code.

    ## Why is this bad?
    Echo logs every SQL statement with its parameters through Python
    logging on every request. In production that is a large, steady cost in
    CPU and log volume, and it writes user data (emails, tokens, anything
    bound as a parameter) to the logs. Development and test configuration,
    one-shot scripts and migrations are not reported; an engine in an
    example or the docs is a note (it is live only for a deployer who copies
    it). A base config class that production inherits counts as production.

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
    - Flask-SQLAlchemy 3.x: "Configuration" (`SQLALCHEMY_ECHO`)
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

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for setting in production_settings(project, "SQLALCHEMY_ECHO"):
            if constant(setting.value) is True:
                report(
                    self.finding(
                        setting.location,
                        f"`SQLALCHEMY_ECHO = True` in `{setting.owner}` is live in production: every SQL statement and "
                        f"its parameters are logged on every request",
                        hint="Set it only in development configuration "
                        "(or enable the `sqlalchemy.engine` logger while debugging).",
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
