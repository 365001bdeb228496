"""FD318 sql-built-from-strings: SQL text built from request data with f-strings, +, % or .format (SQL injection)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.flows import parameter_source
from flask_doctor.static.facts.guards import validated
from flask_doctor.static.facts.sql_strings import (
    SQL_FUNCS,
    SQL_METHODS,
    SQL_START,
    SQL_WORDS,
    escaped,
    sql_template,
)
from flask_doctor.static.facts.taint import assignments, describe_source, taint
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class SqlBuiltFromStrings(Rule):
    """
    ## What it does
    Finds SQL strings built with f-strings, `%`, `+` or `.format` and
    passed to `text()`, `execute()`, `cursor.execute()` or
    `pandas.read_sql()`, when what is put in is request data: read in the
    same function, or passed in by a caller that got it from the request.

    ## Why is this bad?
    The database cannot tell the statement from the data: a value such as
    `' OR '1'='1` or `'; DROP TABLE users; --` becomes SQL (SQL injection),
    and reads or changes anything the database user may. Bound parameters
    (`text("... WHERE id = :id")` with `{"id": value}`, or
    `cursor.execute("... = %s", (value,))`) send the value separately and
    are safe. Constant-only f-strings and values the code itself chooses
    (table names, ids read from its own database) are not reported: flagging
    every f-string, as generic linters do, buries the real injections; pass
    identifiers through a whitelist anyway.

    ## Example
    ```python
    @app.get("/users")
    def users():
        name = request.args["name"]
        rows = db.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    ```

    ## Use instead
    ```python
    rows = db.session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - SQLAlchemy docs: "Using Textual SQL" and bound parameters
    - Python DB-API (PEP 249): `paramstyle`, parameters to `execute`
    - OWASP SQL Injection Prevention Cheat Sheet
    """

    code = "FD318"
    name = "sql-built-from-strings"
    severity = Severity.ERROR
    catalog = ()
    summary = "SQL text built from request data with f-strings, +, % or .format (SQL injection)."

    call_names = last_segments(SQL_FUNCS, SQL_METHODS)

    VALID = (
        Valid("""
            from flask import Flask, request
            from sqlalchemy import text
            from .db import db
            app = Flask(__name__)

            @app.get("/users")
            def users():
                rows = db.session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": request.args["name"]})
                return str(rows.all())
            """),
        Valid("""
            import sqlite3
            TABLES = {"users", "posts"}

            def count(conn, table):
                if table not in TABLES:
                    raise ValueError(table)
                return conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            """),
        Valid("""
            def cancel(cursor, pid):
                cursor.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = '{pid}'")

            def delete_many(cursor, ids):
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"DELETE FROM items WHERE id IN ({marks})", ids)
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, request
            from sqlalchemy import text
            from .db import db
            app = Flask(__name__)

            @app.get("/users")
            def users():
                name = request.args["name"]
                rows = db.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))  # expect
                return str(rows.all())
            """,
            message="request.args['name']",
        ),
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            def find_user(cursor, email):
                query = "SELECT id FROM users WHERE email = '%s'" % email
                cursor.execute(query)  # expect
                return cursor.fetchone()

            @app.post("/lookup")
            def lookup():
                return str(find_user(get_cursor(), request.form["email"]))
            """,
            message="request.form['email']",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.is_test_code():
            return
        func = node.func
        name = ctx.resolve(func)
        if name not in SQL_FUNCS and not (isinstance(func, ast.Attribute) and func.attr in SQL_METHODS):
            return
        arg = node.args[0]
        if isinstance(arg, ast.Call) and ctx.resolve(arg.func) in SQL_FUNCS:
            return  # execute(text(...)): the inner call is checked on its own
        pieces = self._pieces(arg, ctx)
        if not pieces:
            return
        state = taint(ctx.project, ctx.function) if ctx.function is not None else None
        for built in pieces:
            template, holes = sql_template(built)
            if template is None or not holes or not (SQL_START().search(template) or SQL_WORDS().search(template)):
                continue
            for hole, _quoted in holes:
                if escaped(hole) or (ctx.function is not None and validated(ctx.project, ctx.function, hole)):
                    continue  # ``if table not in TABLES: raise``: a whitelist
                source = state.source(hole) if state is not None else None
                evidence: list[Evidence] = []
                if source is not None:
                    message = (
                        f"`{short(func)}(...)` in {describe_context(ctx)} runs SQL built from "
                        f"{describe_source(source)}: a crafted value becomes part of the statement (SQL injection)"
                    )
                elif (
                    ctx.function is not None
                    and isinstance(hole, ast.Name)
                    and (via := parameter_source(ctx.project, ctx.function, hole.id)) is not None
                ):
                    origin, caller, call = via
                    message = (
                        f"`{short(func)}(...)` in `{ctx.function.display}` runs SQL built from its parameter "
                        f"`{hole.id}`, which `{caller.display}` fills with {describe_source(origin)}: a crafted value "
                        f"becomes part of the statement (SQL injection)"
                    )
                    evidence.append(
                        Evidence(
                            f"called with request data from {caller.display}",
                            Location(caller.module.path, call.lineno, call.col_offset + 1),
                        )
                    )
                else:
                    continue
                if built is not arg:
                    evidence.insert(0, Evidence("statement built here", ctx.location(built)))
                ctx.report(
                    self.finding(
                        ctx.location(node),
                        message,
                        hint='Pass values as bound parameters: text("... = :value") with {"value": v}, or '
                        'cursor.execute("... = %s", (v,)).',
                        evidence=evidence,
                    )
                )
                return

    def _pieces(self, arg: ast.expr, ctx: Context) -> list[ast.expr]:
        """The string expressions that make up the SQL (following a local variable)."""
        if isinstance(arg, ast.Name) and ctx.function is not None:
            line = arg.lineno
            pieces = [
                value
                for target, value in assignments(ctx.project, ctx.function)
                if target == arg.id and getattr(value, "lineno", 0) <= line
            ]
            return pieces
        return [arg]
