"""Facts about contexts and per-request resources: what a request or thread leaves open.

An app or request context pushed by hand stays on the thread's stack until
someone pops it; a connection opened per request stays open until someone
closes it.  These facts find the pops and the closers: ``ctx.pop()`` in the
same scope, anonymous pops of "the current context", and teardown
functions that close what requests stored on ``g``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts import project_fact
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

CONTEXT_METHODS = ("app_context", "test_request_context", "request_context")


def is_context_call(node: ast.AST) -> bool:
    """``app.app_context()``, ``app.test_request_context(...)``, ``app.request_context(environ)``."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTEXT_METHODS


def pops_of(scope: ast.AST, target: str) -> list[ast.Call]:
    """``<target>.pop()`` calls inside ``scope`` (``ctx.pop()``, ``self.ctx.pop()``)."""
    found: list[ast.Call] = []
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("pop", "__exit__")
            and dotted(node.func.value) == target
        ):
            found.append(node)
    return found


def anonymous_pop(scope: ast.AST) -> bool:
    """Something pops the current context without a name (``app_ctx.pop()``, ``_app_ctx_stack.pop()``)."""
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pop"
            and not node.args
        ):
            text = (dotted(node.func.value) or "").lower()
            if "ctx" in text or "context" in text:
                return True
    return False


#: Calls that open a connection or file a request must close, with what they open.
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
    "datajoint.Connection": "DataJoint (MySQL) connection",
    "open": "file",
}
#: Clients that own a connection pool and close it when they are freed (redis-py's ``__del__``):
#: one per request is churn, not a leak of connections.
POOLED_CLIENTS = frozenset({"Redis client"})
#: Methods that close what :data:`RESOURCE_OPENERS` open.
CLOSERS = ("close", "disconnect", "quit", "release", "shutdown", "dispose")
_TEARDOWN_REGISTRARS = ("teardown_appcontext", "teardown_request", "teardown_app_request")


@project_fact
def teardown_closers(project: Project) -> list[FunctionInfo]:
    """Teardown functions (decorated or registered) that close something."""
    teardowns: dict[str, FunctionInfo] = {}
    for fn in project.functions.values():
        if "teardown" in fn.roles or any(d.rsplit(".", 1)[-1].startswith("teardown") for d in fn.decorators):
            teardowns[fn.qualname] = fn
    for site in project.calls:
        if site.name.rsplit(".", 1)[-1] in _TEARDOWN_REGISTRARS and site.node.args:
            name = dotted(site.node.args[0])
            if name:
                registered = project.resolve_function(name, site.function, site.module)
                if registered is not None:
                    teardowns[registered.qualname] = registered
    closing: list[FunctionInfo] = []
    for fn in teardowns.values():
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOSERS:
                closing.append(fn)
                break
    return closing


@project_fact
def resource_helpers(project: Project) -> dict[str, str]:
    """Project functions that open a connection or client and hand it to their caller, qualname -> kind.

    ``def get_conn(): return psycopg2.connect(...)`` (or ``conn = ...; return conn``): the caller owns
    what it gets, as if it had called the opener itself. Files, generators and context managers are left
    out (a ``@contextmanager`` helper closes in its own ``finally``).
    """
    from flask_doctor.static.facts.sites import calls_named

    found: dict[str, str] = {}
    # only functions that call something named like an opener (``connect``, ``Redis``, ...) can return one
    openers = {name.rpartition(".")[2] for name in RESOURCE_OPENERS}
    callers = {site.function.qualname: site.function for site in calls_named(project, openers) if site.function}
    for fn in callers.values():
        if fn.decorators or "test" in fn.roles:
            continue
        opened: dict[str, str] = {}
        returned: list[str | None] = []
        for node in walk(fn.node):
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                returned = []
                break
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                kind = _opener_kind(fn, node.value)
                if kind is not None:
                    opened[node.targets[0].id] = kind
            if isinstance(node, ast.Return) and node.value is not None:
                kind = _opener_kind(fn, node.value)
                if kind is None and isinstance(node.value, ast.Name):
                    kind = opened.get(node.value.id)
                returned.append(kind)
        kinds = {k for k in returned if k is not None}
        if len(kinds) == 1 and "file" not in kinds and all(k is not None for k in returned):
            found[fn.qualname] = kinds.pop()
    return found


def _opener_kind(fn: FunctionInfo, node: ast.expr) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func) or ""
    return RESOURCE_OPENERS.get(fn.imports.qualify(name) or name) if name else None


#: Job frameworks whose workers run each job in a process of its own (RQ's default ``Worker`` forks).
FORKING_JOB_FRAMEWORKS = ("rq", "flask_rq2", "rq_scheduler")
#: Job frameworks whose workers run many jobs in one long-lived process or thread.
POOLED_JOB_FRAMEWORKS = ("celery", "dramatiq", "huey", "apscheduler", "flask_apscheduler")


@project_fact
def forks_per_job(project: Project) -> bool:
    """The project's jobs run on RQ (a forked process per job) and on no framework that reuses a process.

    Whatever a job leaves on the context stack dies with its process, so a
    context pushed in an RQ job cannot pile up.
    """
    heads = {record.module.split(".", 1)[0] for records in project.imports.values() for record in records}
    return bool(heads & set(FORKING_JOB_FRAMEWORKS)) and not heads & set(POOLED_JOB_FRAMEWORKS)


def in_with_item(ctx: Context) -> bool:
    """The node being visited is (part of) the context expression of a ``with`` statement."""
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, ast.withitem):
            return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False


__all__ = [
    "POOLED_CLIENTS",
    "resource_helpers",
    "FORKING_JOB_FRAMEWORKS",
    "POOLED_JOB_FRAMEWORKS",
    "forks_per_job",
    "CLOSERS",
    "CONTEXT_METHODS",
    "RESOURCE_OPENERS",
    "anonymous_pop",
    "in_with_item",
    "is_context_call",
    "pops_of",
    "teardown_closers",
]
