"""Facts about task functions: which are Celery/RQ tasks, their options, the I/O they do.

A function is a task when a task decorator of a known framework wraps it
(``@shared_task``, ``@celery.task`` on a Celery app, ``@job`` from RQ, ...),
or, without decorator, when the code enqueues it with RQ's
``queue.enqueue(f, ...)``.  Test files are never task code.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from flask_doctor.static.context import node_location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named
from flask_doctor.static.model import CELERY_TYPES, SQLALCHEMY_TYPES
from flask_doctor.static.model.workers import is_celery_task_class
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.findings import Location
    from flask_doctor.static.model import ClassInfo, FunctionInfo, Project

NETWORK_PREFIXES = (
    "requests.",
    "httpx.",
    "urllib.request.",
    "urllib3.",
    "smtplib.",
    "aiohttp.",
    "boto3.",
    "botocore.",
    "redis.",
    "pika.",
    "paramiko.",
    "ftplib.",
    "http.client.",
    "socket.create_connection",
    "pymongo.",
    "psycopg2.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "kombu.",
    "googleapiclient.",
    "stripe.",
    "twilio.",
    "slack_sdk.",
    "sendgrid.",
    "openai.",
    "elasticsearch.",
    "opensearchpy.",
    # Invenio's mail task sends over SMTP; called as a plain function it runs without its own retry
    "invenio_mail.tasks.send_email",
)
NETWORK_TYPES = (
    "redis.",
    "flask_mail.Mail",
    "flask_mailman.",
    "requests.Session",
    "httpx.Client",
    "smtplib.",
    "boto3.",
    "elasticsearch.Elasticsearch",
    "opensearchpy.OpenSearch",
    # writes records to the search cluster (``index``, ``delete``, ``bulk_index`` through the broker)
    "invenio_indexer.api.RecordIndexer",
    # SDK clients kept in a module or a local: every resource call goes over HTTP (``client.messages.create``)
    "twilio.rest.Client",
    "twilio.rest.client.Client",
    "sendgrid.SendGridAPIClient",
    "sendgrid.sendgrid.SendGridAPIClient",
)
DB_METHODS = {"commit", "execute", "add", "add_all", "delete", "merge", "flush", "scalars", "scalar", "get", "query"}
_CELERY_DECORATORS = ("celery.shared_task", "celery.task", "celery.decorators.task", "celery.decorators.periodic_task")
_RQ_DECORATORS = ("rq.decorators.job", "rq.job", "flask_rq2.job")
_ENQUEUE = ("enqueue", "enqueue_call", "enqueue_in", "enqueue_at")


def literal(node: ast.expr | None) -> object:
    """The value of a literal option, else ``...`` (``None`` is a value here: ``max_retries=None``)."""
    return node.value if isinstance(node, ast.Constant) else ...


@keyed_fact
def task_framework(project: Project, fn: FunctionInfo) -> str | None:
    """'celery', 'rq', 'dramatiq', 'huey', 'scheduler' or None for a task function."""
    if "task" not in fn.roles:
        return None
    table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
    for deco, resolved in zip(fn.node.decorator_list, fn.decorators):
        if resolved in _CELERY_DECORATORS:
            return "celery"
        if resolved.startswith("dramatiq"):
            return "dramatiq"
        if resolved.startswith("huey"):
            return "huey"
        if resolved in _RQ_DECORATORS:
            return "rq"
        func = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(func, ast.Attribute) and func.attr in ("task", "periodic_task"):
            owner = dotted(func.value) or ""
            obj = project.objects.get(resolved.rsplit(".", 1)[0])
            if obj is None and table is not None:
                obj = project.objects.get(table.qualify(owner) or "")
            if obj is not None and obj.type in project.functions:
                obj = None  # made by a project factory (``celery = make_celery()``): judged by its name below
            if obj is not None:
                if is_celery_type(project, obj.type):
                    return "celery"
                if obj.type.startswith("huey"):
                    return "huey"
                return "scheduler" if "sched" in obj.type.lower() else None
            low = owner.lower()
            if "sched" in low or "huey" in low:
                return None
            if "celery" in low or imports_package(project, "celery"):
                return "celery"
        if isinstance(func, ast.Attribute) and func.attr == "job" and "rq" in resolved.lower():
            return "rq"
    if not fn.node.decorator_list and enqueue_sites(project, fn):
        return "rq"
    if task_class(project, fn) is not None:
        return "celery"
    return None


def task_class(project: Project, fn: FunctionInfo) -> ClassInfo | None:
    """The class of a class-based Celery task (``run`` of a ``Task`` subclass), else None."""
    if fn.name != "run" or fn.class_name is None or fn.parent is not None:
        return None
    cls = project.classes.get(fn.qualname.rsplit(".", 1)[0])
    if cls is None or cls.methods.get("run") is not fn or not is_celery_task_class(project, cls.qualname):
        return None
    return cls


def is_celery_type(project: Project, type_name: str) -> bool:
    """A Celery (sub)class, or a project factory such as ``make_celery(app)`` that builds one."""
    if project.is_subtype(type_name, CELERY_TYPES):
        return True
    factory = project.functions.get(type_name)
    if factory is None:
        return False
    return any(project.is_subtype(t, CELERY_TYPES) for t in factory.local_types.values()) or any(
        (factory.imports.qualify(name) or name) in CELERY_TYPES for name, _call in factory.calls
    )


@keyed_fact
def imports_package(project: Project, top: str) -> bool:
    """Some module of the project imports the top-level package ``top``."""
    return any(r.module.split(".")[0] == top for records in project.imports.values() for r in records)


def enqueue_sites(project: Project, fn: FunctionInfo) -> list[ast.Call]:
    """RQ ``queue.enqueue(fn, ...)`` (``enqueue_call``/``enqueue_in``/``enqueue_at``) calls that send ``fn``."""
    sites = []
    for site in calls_named(project, _ENQUEUE):  # ``x.enqueue(...)`` is listed under ``enqueue``
        node = site.node
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in _ENQUEUE):
            continue
        target = next((kw.value for kw in node.keywords if kw.arg in ("func", "f")), None)
        if target is None and node.args:
            delayed = node.func.attr in ("enqueue_in", "enqueue_at") and len(node.args) >= 2
            target = node.args[-1] if delayed else node.args[0]
        name = dotted(target) if target is not None else None
        if name and project.resolve_function(name, site.function, site.module) is fn:
            sites.append(node)
    return sites


@project_fact
def celery_tasks(project: Project) -> list[tuple[FunctionInfo, str]]:
    """Celery and RQ tasks outside the tests, with their framework ('celery' | 'rq')."""
    found = []
    for fn in project.tasks():
        if is_test_path(fn.module.path):
            continue
        framework = task_framework(project, fn)
        if framework in ("celery", "rq"):
            found.append((fn, framework))
    return found


@project_fact
def default_task_classes(project: Project) -> list[str]:
    """Project classes made every task's default class: ``celery.Task = X`` or ``Celery(..., task_cls=X)``
    (in the order the code names them; a class defined inside a function is found by its name)."""
    named: list[tuple[ast.expr, str]] = []
    for module in project.modules.values():
        if "Task" not in module.text and "task_cls" not in module.text:
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "Task" for t in node.targets
            ):
                named.append((node.value, module.name))
            elif isinstance(node, ast.Call):
                named.extend((kw.value, module.name) for kw in node.keywords if kw.arg == "task_cls")
    found: list[str] = []
    for value, module_name in named:
        name = dotted(value)
        if not name:
            continue
        table = project.module_imports.get(module_name)
        qualified = project.canonical((table.qualify(name) if table is not None else None) or f"{module_name}.{name}")
        candidates = [qualified] if qualified in project.classes else []
        candidates += [q for q in project.classes if q.endswith(f".{name}") and q != qualified]
        found.extend(q for q in candidates if q not in found)
    return found


def decorator_location(fn: FunctionInfo) -> Location:
    """Where the task is declared: its first decorator, else the ``def``."""
    for deco in fn.node.decorator_list:
        return node_location(fn.module.path, deco)
    return fn.location


#: Exceptions no network or database call raises: the data errors of the task's own code.
NOT_IO_ERRORS = frozenset(
    {
        "KeyError",
        "ValueError",
        "TypeError",
        "AttributeError",
        "IndexError",
        "LookupError",
        "StopIteration",
        "ZeroDivisionError",
        "ArithmeticError",
        "UnicodeError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "NotImplementedError",
        "AssertionError",
        "ImportError",
        "ModuleNotFoundError",
        "JSONDecodeError",
    }
)
#: Exceptions for an answer the server gave or a URL that cannot work (``raise_for_status()``'s ``HTTPError``,
#: ``InvalidURL``): catching only these leaves a dropped connection or a timeout unhandled.
STATUS_ERRORS = frozenset(
    {
        "requests.exceptions.HTTPError",
        "requests.HTTPError",
        "requests.exceptions.InvalidURL",
        "requests.exceptions.MissingSchema",
        "requests.exceptions.InvalidSchema",
        "urllib.error.HTTPError",
        "urllib.request.HTTPError",
        "httpx.HTTPStatusError",
        "httpx.InvalidURL",
    }
)
#: A lock held by another run of the task (``lockfile.AlreadyLocked``, ``LockTimeout``): contention, not I/O.
LOCK_CONTENTION = on_first_use(r"(?:Already)?Locked|Lock(?:Timeout|Error|Failed|NotAcquired)")


def handles_io_errors(handler: ast.ExceptHandler, fn: FunctionInfo) -> bool:
    """``handler`` may catch what a network or database call raises: anything but data errors, lock
    contention and HTTP status errors (``requests.exceptions.HTTPError``: the server answered; a dropped
    connection or a timeout still fails the task); an unknown project exception counts, as the code may raise
    it for a failed call."""
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for expr in types:
        if expr is None:
            return True  # bare ``except:``
        name = dotted(expr)
        if name is None:
            return True
        qualified = fn.imports.qualify(name) or name
        last = qualified.rsplit(".", 1)[-1]
        if qualified in STATUS_ERRORS:
            continue
        if last not in NOT_IO_ERRORS and not LOCK_CONTENTION().fullmatch(last):
            return True
    return False


def status_error_caught(fn: FunctionInfo) -> str | None:
    """The first HTTP status error (``HTTPError``) an ``except`` of ``fn`` names, or ``None``."""
    for node in body_nodes(fn.node.body):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        for expr in node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]:
            name = dotted(expr)
            if name and (fn.imports.qualify(name) or name) in STATUS_ERRORS:
                return name
    return None


def has_try(fn: FunctionInfo) -> bool:
    """The task handles errors somewhere on its main path: a ``try`` whose ``except`` can catch an I/O error.

    Not handling: ``try``/``finally``; an ``except`` of data errors only
    (``KeyError``) or of a lock another run holds (``except AlreadyLocked:``
    to skip the run); a ``try`` inside such an ``except`` (the recovery code
    reading a stale lock file). A failed call still fails the task.
    """
    stack: list[ast.AST] = list(reversed(fn.node.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            if any(handles_io_errors(h, fn) for h in node.handlers):
                return True
            stack.extend(reversed([*node.body, *node.orelse, *node.finalbody]))  # not the handlers: recovery code
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return False


def _catches_failure(helper: FunctionInfo) -> bool:
    """``helper`` has a ``try`` whose ``except`` catches an I/O failure and does not raise it again."""
    return any(
        isinstance(node, ast.Try)
        and any(
            handles_io_errors(handler, helper) and not any(isinstance(n, ast.Raise) for n in body_nodes(handler.body))
            for handler in node.handlers
        )
        for node in body_nodes(helper.node.body)
    )


def _hand_off(project: Project, helper: FunctionInfo) -> FunctionInfo | None:
    """The one project function ``helper``'s last statement calls: where it hands the work over."""
    if not helper.node.body:
        return None
    found: set[FunctionInfo] = set()
    for node in body_nodes(helper.node.body[-1:]):
        if isinstance(node, ast.Call) and (name := dotted(node.func)):
            target = project.resolve_function(name, helper, helper.module)
            if target is not None and target is not helper:
                found.add(target)
    return found.pop() if len(found) == 1 else None


def helper_handles_errors(project: Project, fn: FunctionInfo) -> FunctionInfo | None:
    """A project helper the task calls first that wraps its work in ``try``/``except`` (and marks the failure).

    Also one such helper's hand-off: the helper only claims the item (``compose.state = "generating"``) and
    ends by calling the function that does the work inside a ``try`` whose ``except`` records the failure
    (``compose.state = "failed"``) instead of raising it.
    """
    for name, _call in fn.calls:
        helper = project.resolve_function(name, fn, fn.module)
        if helper is None or helper is fn:
            continue
        if any(isinstance(n, ast.Try) and n.handlers for n in body_nodes(helper.node.body)):
            return helper
        worker = _hand_off(project, helper)
        if worker is not None and worker is not fn and _catches_failure(worker):
            return worker
        return None  # only the first helper the task hands its work to
    return None


def io_call(project: Project, fn: FunctionInfo, call: ast.Call) -> str | None:
    """A label such as ``requests.post`` (network) or ``db.session.commit`` (database) for an I/O call."""
    name = dotted(call.func)
    if not name:
        return None
    table = fn.imports
    full = table.qualify(name) or name
    if full.startswith(NETWORK_PREFIXES) and "." in full:
        if full.split(".")[-1][:1].isupper() and not full.startswith(("smtplib.SMTP", "boto3.")):
            return None  # exception classes, constructors of config objects
        return full
    head, _, rest = name.partition(".")
    type_name = fn.local_types.get(head)
    if type_name is None:
        obj = project.objects.get(table.qualify(head) or f"{fn.module.name}.{head}")
        type_name = obj.type if obj is not None else None
    if type_name and rest:
        if type_name.startswith(NETWORK_TYPES):
            return name
        if (
            project.is_subtype(type_name, SQLALCHEMY_TYPES)
            and rest.startswith("session.")
            and rest.split(".")[-1] in DB_METHODS
        ):
            return name
    parts = name.split(".")
    if len(parts) >= 3 and parts[1] == "query" and parts[0] in project.models:
        return f"{parts[0]}.query"
    if (
        len(parts) >= 3
        and parts[-2] == "session"
        and parts[-1] in ("commit", "execute", "flush")
        and parts[0] in ("db", "self", "database")
    ):
        return name
    return None


def task_io(project: Project, fn: FunctionInfo) -> tuple[str, ast.Call, FunctionInfo] | None:
    """The first I/O call in the task or in a project helper it calls directly."""
    for _name, call in fn.calls:
        label = io_call(project, fn, call)
        if label:
            return label, call, fn
    for name, _call in fn.calls:
        helper = project.resolve_function(name, fn, fn.module)
        if helper is None or helper is fn:
            continue
        for _n, inner in helper.calls:
            label = io_call(project, helper, inner)
            if label:
                return label, inner, helper
    return None


__all__ = [
    "DB_METHODS",
    "NETWORK_PREFIXES",
    "NETWORK_TYPES",
    "celery_tasks",
    "decorator_location",
    "enqueue_sites",
    "has_try",
    "helper_handles_errors",
    "imports_package",
    "io_call",
    "is_celery_type",
    "literal",
    "task_framework",
    "task_io",
]


@keyed_fact
def only_run_inline(project: Project, fn: FunctionInfo) -> list[ast.Call]:
    """The calls that run the Celery task ``fn`` as a plain function (``send_reset(data)``), when they are all the
    project does with it; else ``[]``.

    A task the project never sends -- no ``.delay``/``.apply_async``/``.s()``, no name in a string (``send_task``,
    a beat schedule), nothing passed on as a value -- runs in its caller: its failure is the caller's exception,
    and Celery's retry machinery never applies to such a call (``Task.retry`` re-raises when called directly).
    The test is on the words of the project's texts outside the tests, so it errs towards "sent": every
    occurrence of the name besides its ``def``, its imports and these calls (a comment included) keeps it a task.
    """
    if is_test_path(fn.module.path) or fn.class_name is not None or fn.parent is not None:
        return []
    name = fn.name
    # the plain calls first, from the call-site index: most tasks have none, and the text search below is dear
    calls = [
        site.node
        for site in calls_named(project, (name,))
        if not is_test_path(site.module.path)
        and isinstance(site.node.func, (ast.Name, ast.Attribute))
        and project.resolve_function(dotted(site.node.func) or "", site.function, site.module) is fn
    ]
    if not calls:
        return []
    word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    explained = 1  # the ``def``
    seen = 0
    for module in project.modules.values():
        if is_test_path(module.path) or name not in module.text:
            continue
        found = len(word.findall(module.text))
        if not found:
            continue  # the name only inside longer words: no import of it here either
        seen += found
        for node in walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == name:
                        if alias.asname not in (None, name):
                            return []  # used under another name: the counting below cannot see it
                        explained += 1
    if project.deploy is not None and any(name in " ".join(c.argv) for c in project.deploy.commands):
        return []
    if any(name in template.text for template in project.templates.values()):
        return []
    if seen != explained + len(calls):
        return []
    return calls
