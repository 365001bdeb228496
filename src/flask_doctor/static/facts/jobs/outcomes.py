"""Facts about what a task's outcome looks like from outside: to monitoring and to the code awaiting it.

* A task that returns normally is ``SUCCESS``; an exception it swallows is
  invisible to ``task_failure`` signals, Flower and result backends.
* ``ignore_result=True`` stores no state: ``AsyncResult.get()`` waits for a
  result that never comes and ``.state`` stays ``PENDING``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.errors import (
    body_nodes,
    contains_raise,
    exception_kind,
    is_inert,
    is_log_call,
)
from flask_doctor.static.facts.jobs.tasks import celery_tasks, io_call, literal
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named, calls_with_keyword
from flask_doctor.static.model import REQUEST
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import FunctionInfo, Project
    from flask_doctor.static.names import ImportTable

#: What a caller of :func:`_result_reads` learns about an outcome handle (the task sent, or only that it is one).
_Handle = TypeVar("_Handle")

#: ``AsyncResult`` members that wait for or read the stored outcome.
RESULT_READS = {
    "get",
    "ready",
    "successful",
    "failed",
    "wait",
    "join",
    "state",
    "status",
    "result",
    "info",
    "traceback",
}
_IGNORE_RESULT_SETTINGS = ("task_ignore_result", "CELERY_IGNORE_RESULT", "CELERY_TASK_IGNORE_RESULT")
_SENDS = ("delay", "apply_async", "AsyncResult")


# ------------------------------------------------------------------ swallowed failures
def _cleanup_or_state(call: ast.Call) -> bool:
    """A call that tidies up or sets a state by hand, and recovers nothing: ``db.session.rollback()``,
    ``session.remove()``, ``self.update_state(state="FAILURE", ...)``.

    Rolling the session back only undoes the failed work. A state set with
    ``update_state`` is replaced by ``SUCCESS`` when the task then returns
    normally (Celery stores the return value's state last), so neither keeps
    the failure visible.
    """
    if not isinstance(call.func, ast.Attribute):
        return False
    attr = call.func.attr
    if attr == "update_state":
        return True
    if call.args or call.keywords:
        return False
    if attr == "rollback":
        return True
    receiver = dotted(call.func.value) or ""
    return attr in ("remove", "close") and receiver.split(".")[-1] in ("session", "db_session", "Session")


def swallows(handler: ast.ExceptHandler, table: ImportTable) -> bool:
    """The handler only logs/passes (or rolls back, or sets a state by hand) and lets the task return normally."""
    if contains_raise(handler.body):
        return False
    for stmt in handler.body:
        if is_inert(stmt) and not isinstance(stmt, ast.Break):
            continue
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and (is_log_call(stmt.value, table) or _cleanup_or_state(stmt.value))
        ):
            continue
        if isinstance(stmt, ast.Return) and (
            stmt.value is None
            or isinstance(stmt.value, (ast.Constant, ast.Name, ast.Dict, ast.JoinedStr))
            or (isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in ("str", "repr", "dict"))
        ):
            continue  # ``return "failed"`` / ``return str(e)``: a normal, successful return
        return False
    return True


def _exception_names(expr: ast.expr | None, table: ImportTable | None) -> set[str]:
    """The classes an ``except`` clause or an ``autoretry_for`` value names, qualified where imported."""
    if expr is None:
        return set()
    elts = expr.elts if isinstance(expr, (ast.Tuple, ast.List)) else [expr]
    names = set()
    for elt in elts:
        name = dotted(elt)
        if name is not None:
            names.add((table.qualify(name) if table is not None else None) or name)
    return names


def autoretried_catch(handler: ast.ExceptHandler, handler_table: ImportTable, task: FunctionInfo) -> str | None:
    """The class ``handler`` catches that the task's own ``autoretry_for`` lists (``@task(autoretry_for=
    (OperationalError,))`` and ``except OperationalError:`` in its body): Celery retries only what escapes the
    task, so a handler that keeps it in can never let the declared retry fire."""
    declared = _exception_names(task.task_options.get("autoretry_for"), task.imports)
    caught = _exception_names(handler.type, handler_table)
    both = sorted(declared & caught)
    return both[0] if both else None


def work_tries(project: Project, fn: FunctionInfo) -> Iterator[ast.Try]:
    """``try`` blocks that hold the task's work: all of it, or its network/database I/O (not in a loop)."""
    top = [s for s in fn.node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    while len(top) == 1 and isinstance(top[0], (ast.With, ast.AsyncWith)):
        top = list(top[0].body)  # ``with app.app_context(): try: ...``
    for stmt in top:
        if not isinstance(stmt, ast.Try):
            continue
        rest = [
            s
            for s in top
            if s is not stmt
            and not isinstance(s, ast.Return)
            and not (isinstance(s, ast.Assign) and isinstance(s.value, (ast.Constant, ast.Name)))
        ]
        if not rest:
            yield stmt
            continue
        calls = [n for n in body_nodes(stmt.body) if isinstance(n, ast.Call)]
        if any(io_call(project, fn, c) for c in calls):
            yield stmt


def delegate(project: Project, fn: FunctionInfo) -> FunctionInfo | None:
    """The project function a task hands all its work to: its body is one call (``_sync(account_id)``,
    ``return export(job_id)``, also inside ``with app.app_context():``), so the helper's outcome is the task's."""
    top = [s for s in fn.node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    while len(top) == 1 and isinstance(top[0], (ast.With, ast.AsyncWith)):
        top = list(top[0].body)
    if len(top) != 1 or not isinstance(top[0], (ast.Expr, ast.Return)):
        return None
    call = top[0].value
    if not isinstance(call, ast.Call):
        return None
    helper = project.resolve_function(dotted(call.func) or "", fn, fn.module)
    return helper if helper is not None and helper is not fn else None


#: Loguru's logger, as imported (``from loguru import logger``) or as a project module hands it on.
LOGURU_LOGGER = "loguru.logger"


def _is_loguru_logger(project: Project, fn: FunctionInfo, node: ast.expr) -> bool:
    """``logger`` in ``fn`` is loguru's: imported from ``loguru``, or from a project module that itself imports
    it from there (``from app.log import logger`` with ``from loguru import logger`` in ``app/log.py``)."""
    name = dotted(node)
    if not name:
        return False
    full = fn.imports.qualify(name) or ""
    if full == LOGURU_LOGGER:
        return True
    module, _, attr = full.rpartition(".")
    table = project.module_imports.get(module)
    return table is not None and table.qualify(attr) == LOGURU_LOGGER


def loguru_catch(project: Project, fn: FunctionInfo) -> ast.expr | None:
    """A task function decorated with loguru's ``@logger.catch`` (bare, or called without ``reraise=True``):
    the wrapper logs every exception and returns None, so the task returns normally. Not when it re-raises, has
    an ``onerror`` callback (which may raise), or catches only the exception types it is given."""
    for decorator in fn.node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if not (isinstance(func, ast.Attribute) and func.attr == "catch"):
            continue
        if not _is_loguru_logger(project, fn, func.value):
            continue
        if isinstance(decorator, ast.Call) and not _catch_swallows(decorator):
            continue
        return decorator
    return None


def _catch_swallows(call: ast.Call) -> bool:
    """``logger.catch(...)`` called with options that still swallow every exception: ``reraise=False`` or none,
    no ``onerror``, and no exception type narrower than ``Exception``."""
    for kw in call.keywords:
        if kw.arg == "reraise" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
            return False
        if kw.arg in ("onerror", "exception", None):
            return False
    return all(dotted(arg) in ("Exception", "BaseException") for arg in call.args)


def _reads_retry_budget(test: ast.expr) -> bool:
    """``self.request.retries`` or ``self.max_retries`` in a test: the code weighs the task's retry budget."""
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and (
            node.attr == "max_retries"
            or (node.attr == "retries" and isinstance(node.value, ast.Attribute) and node.value.attr == "request")
        ):
            return True
    return False


def forgotten_retries(fn: FunctionInfo) -> list[tuple[ast.ExceptHandler, ast.expr]]:
    """Handlers of ``fn`` that test the retry budget but never retry: (handler, the test).

    ``if self.request.retries < self.max_retries: logger.warning(...)`` with
    no ``self.retry(...)`` and no ``raise`` anywhere in the handler: the
    author meant to retry (the test says so) but the error is only logged,
    and the task ends as ``SUCCESS`` whatever the budget says.
    """
    found: list[tuple[ast.ExceptHandler, ast.expr]] = []
    for node in body_nodes(fn.node.body):
        if not isinstance(node, ast.Try):
            continue
        for handler in node.handlers:
            tests = [
                n.test
                for n in body_nodes(handler.body)
                if isinstance(n, (ast.If, ast.IfExp, ast.While)) and _reads_retry_budget(n.test)
            ]
            if not tests or contains_raise(handler.body):
                continue
            if any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "retry"
                for n in body_nodes(handler.body)
            ):
                continue
            found.append((handler, tests[0]))
    return found


#: Calls that put an item into a container (``errors.append(str(exc))``).
_RECORDS = frozenset({"append", "add", "extend", "insert", "update", "appendleft"})
_EMPTY_CONTAINERS = frozenset({"list", "set", "dict", "collections.deque", "deque"})


def _recorded_into(stmt: ast.AST) -> ast.Name | None:
    """The container ``stmt`` adds to: ``errors`` in ``errors.append(...)`` / ``errors[key] = ...``."""
    if (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr in _RECORDS
        and isinstance(stmt.value.func.value, ast.Name)
    ):
        return stmt.value.func.value
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Subscript)
        and isinstance(stmt.targets[0].value, ast.Name)
    ):
        return stmt.targets[0].value
    return None


def _empty_container(value: ast.expr) -> bool:
    """``[]``, ``{}``, ``set()``, ``list()``, ``deque()``."""
    if isinstance(value, (ast.List, ast.Set)):
        return not value.elts
    if isinstance(value, ast.Dict):
        return not value.keys
    return isinstance(value, ast.Call) and not value.args and dotted(value.func) in _EMPTY_CONTAINERS


def _unread_containers(fn: FunctionInfo) -> set[str]:
    """Local containers of ``fn`` (``errors = []``) that are only ever added to: nothing reads them."""
    created = {
        node.targets[0].id
        for node in body_nodes(fn.node.body)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and _empty_container(node.value)
    }
    if not created:
        return set()
    written = {id(name) for node in ast.walk(fn.node) if (name := _recorded_into(node)) is not None}
    unread = set(created)
    for node in ast.walk(fn.node):  # nested functions too: a closure that returns ``errors`` reads it
        if (
            isinstance(node, ast.Name)
            and node.id in unread
            and isinstance(node.ctx, ast.Load)
            and id(node) not in written
        ):
            unread.discard(node.id)
    return unread


def dropped_errors(fn: FunctionInfo, table: ImportTable) -> list[tuple[ast.ExceptHandler, str]]:
    """Broad handlers of ``fn`` that put the error into a local container nothing reads, with its name.

    ``errors.append(str(exc)); continue`` looks like bookkeeping, but when
    ``errors`` is never returned, logged or stored the failure is simply
    gone: no log line, no raise, and the task ends as ``SUCCESS``.  Handlers
    that also log, raise or do anything else are not these.
    """
    unread = _unread_containers(fn)
    if not unread:
        return []
    found: list[tuple[ast.ExceptHandler, str]] = []
    for node in body_nodes(fn.node.body):
        if not isinstance(node, ast.Try):
            continue
        for handler in node.handlers:
            if exception_kind(handler.type, table) != "broad":
                continue
            targets = [_recorded_into(stmt) for stmt in handler.body if not is_inert(stmt)]
            names = [t.id for t in targets if t is not None]
            if names and len(names) == len(targets) and set(names) <= unread:
                found.append((handler, names[0]))
    return found


# ------------------------------------------------------------------ results nobody stores
def global_ignore_result(project: Project) -> ast.AST | None:
    """Where ``task_ignore_result = True`` is set for the whole app (config, ``Celery(...)`` keyword, attribute)."""
    for setting in project.config:
        if setting.key in _IGNORE_RESULT_SETTINGS and literal(setting.value) is True:
            return setting.value
    for site in calls_with_keyword(project, ("task_ignore_result", "CELERY_IGNORE_RESULT")):
        for kw in site.node.keywords:
            if kw.arg in ("task_ignore_result", "CELERY_IGNORE_RESULT") and literal(kw.value) is True:
                return kw.value
    for module in project.modules.values():
        if "ignore_result" not in module.text:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and literal(node.value) is True:
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr in ("task_ignore_result", "CELERY_IGNORE_RESULT"):
                        return node
    return None


@project_fact
def ignored_result_tasks(project: Project) -> dict[str, str]:
    """Celery tasks whose results are never stored: qualname -> why (on the task, or for the whole app)."""
    tasks = {fn.qualname: fn for fn, framework in celery_tasks(project) if framework == "celery"}
    if not tasks:
        return {}
    app_wide = global_ignore_result(project)
    ignored: dict[str, str] = {}
    for qual, fn in tasks.items():
        option = fn.task_options.get("ignore_result")
        if option is not None:
            if literal(option) is True:
                ignored[qual] = "`ignore_result=True` on the task"
        elif app_wide is not None:
            ignored[qual] = "`task_ignore_result = True` for the app"
    return ignored


def ignored_result_reads(project: Project, caller: FunctionInfo) -> list[tuple[ast.Attribute, FunctionInfo, ast.Call]]:
    """Reads in ``caller`` of the result of a task that stores none: (read, task, the call that sent it)."""
    ignored = ignored_result_tasks(project)
    if not ignored:
        return []

    def task_of_send(call: ast.Call) -> FunctionInfo | None:
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in _SENDS):
            return None
        if call.func.attr == "apply_async" and any(
            kw.arg == "ignore_result" and literal(kw.value) is False for kw in call.keywords
        ):
            return None
        target = project.resolve_function(dotted(call.func.value) or "", caller, caller.module)
        if target is None or target.qualname not in ignored:
            return None
        return target

    return _result_reads(caller, task_of_send)


def _result_reads(
    caller: FunctionInfo, handle_of: Callable[[ast.Call], _Handle | None]
) -> list[tuple[ast.Attribute, _Handle, ast.Call]]:
    """Reads of an outcome (``.get()``, ``.state``...) in ``caller`` on a call ``handle_of`` accepts, directly
    (``task.delay(x).get()``) or through the one name it is assigned to (``r = task.delay(x); r.state``):
    (the read, what ``handle_of`` said of the call, the call)."""
    named: dict[str, tuple[_Handle, ast.Call]] = {}
    for node in body_nodes(caller.node.body):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            handle = handle_of(node.value)
            if handle is not None:
                named[node.targets[0].id] = (handle, node.value)
    found: list[tuple[ast.Attribute, _Handle, ast.Call]] = []
    for node in body_nodes(caller.node.body):
        if not (isinstance(node, ast.Attribute) and node.attr in RESULT_READS):
            continue
        base = node.value
        if isinstance(base, ast.Call):
            handle = handle_of(base)
            if handle is not None:
                found.append((node, handle, base))
        elif isinstance(base, ast.Name) and base.id in named:
            handle, call = named[base.id]
            found.append((node, handle, call))
    return found


#: The calls that send a task and return its handle (``AsyncResult``).
SENDS = ("delay", "apply_async")


def _bare_handle(project: Project, caller: FunctionInfo, call: ast.Call) -> bool:
    """``AsyncResult(task_id)`` of no particular task: ``celery.result.AsyncResult(...)`` or
    ``celery_app.AsyncResult(...)`` (not ``some_task.AsyncResult(...)``, which names its task)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "AsyncResult"
    if not (isinstance(func, ast.Attribute) and func.attr == "AsyncResult"):
        return False
    receiver = dotted(func.value) or ""
    if receiver.endswith("celery.result") or receiver == "result":
        return True
    return bool(receiver) and receiver != "self" and project.resolve_function(receiver, caller, caller.module) is None


def polled_bare_reads(project: Project, caller: FunctionInfo) -> list[ast.Attribute]:
    """Reads in ``caller`` of the outcome of an ``AsyncResult(task_id)`` built from a bare id
    (``AsyncResult(id).ready()``, ``r = AsyncResult(id); r.state``)."""
    reads = _result_reads(caller, lambda call: True if _bare_handle(project, caller, call) else None)
    return [read for read, _, _ in reads]


@project_fact
def polled_results(project: Project) -> dict[str, Evidence]:
    """Tasks a request starts and hands back for polling: ``t = task.delay(...); return jsonify(task_id=t.id)``.

    The user who started the task watches its outcome, sees a failure and can
    start it again: losing it to a blip is visible, not silent.
    """
    found: dict[str, Evidence] = {}
    # ``fn.calls`` holds every call of a function's body that has a name (``CallSite.name``)
    sending = {site.function for site in calls_named(project, SENDS) if site.name}
    for fn in project.functions.values():
        if is_test_path(fn.module.path) or (fn.contexts and REQUEST not in fn.contexts):
            continue  # request code, or code whose callers the model cannot see (a framework's handler classes)
        if fn not in sending:
            continue  # the model recorded every named call of the body: no send, no walk of it
        sent: dict[str, FunctionInfo] = {}
        for node in body_nodes(fn.node.body):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr in SENDS
            ):
                target = project.resolve_function(dotted(node.value.func.value) or "", fn, fn.module)
                if target is not None:
                    sent[node.targets[0].id] = target
        if not sent:
            continue
        for node in body_nodes(fn.node.body):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("id", "task_id")
                and isinstance(node.value, ast.Name)
                and node.value.id in sent
            ):
                task = sent[node.value.id]
                where = Location(fn.module.path, node.lineno, node.col_offset + 1)
                found.setdefault(task.qualname, Evidence(f"`{fn.display}` hands the task id back to poll", where))
    return found


__all__ = [
    "autoretried_catch",
    "loguru_catch",
    "RESULT_READS",
    "polled_bare_reads",
    "dropped_errors",
    "forgotten_retries",
    "polled_results",
    "global_ignore_result",
    "ignored_result_reads",
    "ignored_result_tasks",
    "swallows",
    "work_tries",
]
