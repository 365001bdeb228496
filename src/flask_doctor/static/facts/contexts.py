"""Facts shared by the contexts rules (moved from the family module).

FD105–FD106 — contexts and per-request resources: what a request or thread leaves open.
"""

from __future__ import annotations

import ast
from flask_doctor.static.model import FunctionInfo, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)

CONTEXT_METHODS = ("app_context", "test_request_context", "request_context")


def _is_context_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTEXT_METHODS


def _pops(scope: ast.AST, target: str) -> list[ast.Call]:
    """``<target>.pop()`` calls inside ``scope`` (``ctx.pop()``, ``self.ctx.pop()``)."""
    found = []
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("pop", "__exit__")
            and dotted(node.func.value) == target
        ):
            found.append(node)
    return found


def _anonymous_pop(scope: ast.AST) -> bool:
    """Something pops the current context without a name (``app_ctx.pop()``, ``_app_ctx_stack.pop()``)."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop" and not node.args:
            text = (dotted(node.func.value) or "").lower()
            if "ctx" in text or "context" in text:
                return True
    return False


# ===================================================================== FD106
RESOURCE_OPENERS = {
    "sqlite3.connect": "SQLite connection",
    "psycopg2.connect": "PostgreSQL connection",
    "psycopg.connect": "PostgreSQL connection",
    "pymysql.connect": "MySQL connection",
    "pymysql.connections.Connection": "MySQL connection",
    "MySQLdb.connect": "MySQL connection",
    "mysql.connector.connect": "MySQL connection",
    "mariadb.connect": "MariaDB connection",
    "pymongo.MongoClient": "MongoDB client",
    "redis.Redis": "Redis client",
    "redis.StrictRedis": "Redis client",
    "redis.from_url": "Redis client",
    "redis.Redis.from_url": "Redis client",
    "smtplib.SMTP": "SMTP connection",
    "smtplib.SMTP_SSL": "SMTP connection",
    "ftplib.FTP": "FTP connection",
    "pika.BlockingConnection": "RabbitMQ connection",
    "open": "file",
}
CLOSERS = ("close", "disconnect", "quit", "release", "shutdown", "dispose")


def teardown_closers(project: Project) -> list[FunctionInfo]:
    """Teardown functions (decorated or registered) that close something."""
    cached = getattr(project, "_fd_teardown_closers", None)
    if cached is not None:
        return cached
    teardowns: dict[str, FunctionInfo] = {}
    for fn in project.functions.values():
        if "teardown" in fn.roles or any(d.rsplit(".", 1)[-1].startswith("teardown") for d in fn.decorators):
            teardowns[fn.qualname] = fn
    for site in project.calls:
        if site.name.rsplit(".", 1)[-1] in ("teardown_appcontext", "teardown_request", "teardown_app_request") and site.node.args:
            name = dotted(site.node.args[0])
            if name:
                fn = project.resolve_function(name, site.function, site.module)
                if fn is not None:
                    teardowns[fn.qualname] = fn
    closing = []
    for fn in teardowns.values():
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOSERS:
                closing.append(fn)
                break
    project._fd_teardown_closers = closing  # type: ignore[attr-defined]
    return closing


def _with_item(ctx: Context) -> bool:
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, ast.withitem):
            return True
        if isinstance(ancestor, (ast.stmt,)):
            return False
    return False
