"""Facts shared by the tasks rules (moved from the family module).

FD505–FD508 — background tasks: failures nobody sees, retries that never stop.

The Celery facts these rules rely on (Celery 5.x, ``celery/app/task.py``):

* ``Task.max_retries`` defaults to 3; set to ``None`` on the task it "will
  **never** stop retrying".
* ``Task.retry(max_retries=None)`` does *not* mean forever: ``None`` there
  means "use the task's default" (``max_retries = self.max_retries if
  max_retries is None else max_retries``).
* ``retry()`` sends the retry message first and then raises ``Retry``, a
  subclass of ``Exception``: an ``except Exception`` around it catches the
  ``Retry``; if that handler retries again, a second message is sent.
* A task that returns normally is ``SUCCESS``; an exception it swallows is
  invisible to ``task_failure`` signals, Flower and result backends.
* ``ignore_result=True`` stores no state: ``AsyncResult.get()`` waits for a
  result that never comes and ``.state`` stays ``PENDING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from flask_doctor.static.model import (
    CELERY_TYPES,
    SQLALCHEMY_TYPES,
    FunctionInfo,
    Project,
)
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.context import node_location
from flask_doctor.static.facts.errors import (
    body_nodes,
    contains_raise,
    is_inert,
    is_log_call,
)

# ------------------------------------------------------------ task facts
RETRY_OPTIONS = {"autoretry_for", "retry_kwargs", "retry_backoff", "max_retries", "retry"}
NETWORK_PREFIXES = (
    "requests.", "httpx.", "urllib.request.", "urllib3.", "smtplib.", "aiohttp.", "boto3.", "botocore.",
    "redis.", "pika.", "paramiko.", "ftplib.", "http.client.", "socket.create_connection", "pymongo.",
    "psycopg2.connect", "pymysql.connect", "MySQLdb.connect", "kombu.", "googleapiclient.", "stripe.",
    "twilio.", "slack_sdk.", "sendgrid.", "openai.", "elasticsearch.",
)
NETWORK_TYPES = ("redis.", "flask_mail.Mail", "flask_mailman.", "requests.Session", "httpx.Client", "smtplib.", "boto3.")
DB_METHODS = {"commit", "execute", "add", "add_all", "delete", "merge", "flush", "scalars", "scalar", "get", "query"}


def task_framework(project: Project, fn: FunctionInfo) -> str | None:
    """'celery', 'rq', 'dramatiq', 'huey', 'scheduler' or None for a task function."""
    if "task" not in fn.roles:
        return None
    table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
    for deco, resolved in zip(fn.node.decorator_list, fn.decorators):
        if resolved in ("celery.shared_task", "celery.task", "celery.decorators.task", "celery.decorators.periodic_task"):
            return "celery"
        if resolved.startswith("dramatiq"):
            return "dramatiq"
        if resolved.startswith("huey"):
            return "huey"
        if resolved in ("rq.decorators.job", "rq.job", "flask_rq2.job"):
            return "rq"
        func = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(func, ast.Attribute) and func.attr in ("task", "periodic_task"):
            owner = dotted(func.value) or ""
            obj = project.objects.get(resolved.rsplit(".", 1)[0])
            if obj is None and table is not None:
                obj = project.objects.get(table.qualify(owner) or "")
            if obj is not None:
                if _is_celery_type(project, obj.type):
                    return "celery"
                if obj.type.startswith("huey"):
                    return "huey"
                return "scheduler" if "sched" in obj.type.lower() else None
            low = owner.lower()
            if "sched" in low or "huey" in low:
                return None
            if "celery" in low or _imports(project, "celery"):
                return "celery"
        if isinstance(func, ast.Attribute) and func.attr == "job" and "rq" in resolved.lower():
            return "rq"
    if not fn.node.decorator_list and _enqueue_sites(project, fn):
        return "rq"
    return None


def _is_celery_type(project: Project, type_name: str) -> bool:
    """A Celery (sub)class, or a project factory such as ``make_celery(app)`` that builds one."""
    if project.is_subtype(type_name, CELERY_TYPES):
        return True
    factory = project.functions.get(type_name)
    if factory is None:
        return False
    return any(project.is_subtype(t, CELERY_TYPES) for t in factory.local_types.values()) or any(
        (factory.imports.qualify(name) or name) in CELERY_TYPES for name, _call in factory.calls
    )


def _imports(project: Project, top: str) -> bool:
    key = f"_fd_imports_{top}"
    cached = getattr(project, key, None)
    if cached is None:
        cached = any(r.module.split(".")[0] == top for records in project.imports.values() for r in records)
        setattr(project, key, cached)
    return cached


def _enqueue_sites(project: Project, fn: FunctionInfo) -> list[ast.Call]:
    sites = []
    for site in project.calls:
        node = site.node
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("enqueue", "enqueue_call", "enqueue_in", "enqueue_at")):
            continue
        target = next((kw.value for kw in node.keywords if kw.arg in ("func", "f")), None)
        if target is None and node.args:
            target = node.args[-1] if node.func.attr in ("enqueue_in", "enqueue_at") and len(node.args) >= 2 else node.args[0]
        name = dotted(target) if target is not None else None
        if name and project.resolve_function(name, site.function, site.module) is fn:
            sites.append(node)
    return sites


def _bound_self(fn: FunctionInfo) -> str | None:
    """The name of the task instance argument (``self`` with ``bind=True``)."""
    bind = fn.task_options.get("bind")
    args = fn.node.args.posonlyargs + fn.node.args.args
    if isinstance(bind, ast.Constant) and bind.value is True and args:
        return args[0].arg
    return None


def retry_calls(fn: FunctionInfo) -> list[ast.Call]:
    """``self.retry(...)`` / ``<task>.retry(...)`` calls in the task body."""
    me = _bound_self(fn)
    found = []
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "retry":
            owner = dotted(node.func.value)
            if owner is not None and owner in {me, fn.name, "self", "current_task", "celery.current_task"}:
                found.append(node)
    return found


def _class_retry_policy(project: Project, class_name: str, table: ImportTable | None, module_name: str) -> bool | None:
    """True when the Task class (or a project base) sets a retry policy, None when unknown."""
    qual = (table.qualify(class_name) if table is not None else None) or f"{module_name}.{class_name}"
    cls = project.classes.get(qual)
    if cls is None:
        cls = next((c for c in project.classes.values() if c.name == class_name.rsplit(".", 1)[-1]), None)
    if cls is None:
        return None
    seen: set[str] = set()
    stack = [cls.qualname]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        c = project.classes.get(current)
        if c is None:
            continue
        for stmt in c.node.body:
            names: list[str] = []
            if isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                names = [stmt.target.id]
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [stmt.name]
            if set(names) & {"autoretry_for", "retry_kwargs", "retry_backoff", "on_failure", "on_retry"}:
                return True
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in ("__call__", "run") and any(
                isinstance(n, ast.Try) or (isinstance(n, ast.Attribute) and n.attr == "retry") for n in ast.walk(stmt)
            ):
                return True  # a wrapper that handles errors for every task
        stack.extend(c.bases)
    return False


POLICY_KEYS = {"autoretry_for", "retry_kwargs", "retry_backoff", "max_retries", "on_failure", "on_retry"}


def _annotation_sets_policy(value: ast.expr | None) -> bool:
    """A ``task_annotations`` value: literal dicts are searched for retry keys; anything else may hold one."""
    if value is None:
        return False
    if not isinstance(value, (ast.Dict, ast.List, ast.Tuple)):
        return True
    for node in ast.walk(value):
        if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value in POLICY_KEYS for k in node.keys):
            return True
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
            return True  # a value we cannot read may hold a policy
    return False


def _is_celery_app(project: Project, node: ast.expr, table: ImportTable | None, module_name: str) -> bool:
    name = dotted(node) or ""
    obj = project.objects.get((table.qualify(name) if table is not None else None) or f"{module_name}.{name}")
    if obj is not None:
        return _is_celery_type(project, obj.type)
    return "celery" in name.lower()


def _app_wide_policy(project: Project) -> bool:
    """``Celery(task_cls=X)``, ``celery.Task = X`` or ``task_annotations`` that set a retry policy for every task."""
    cached = getattr(project, "_fd_celery_policy", None)
    if cached is not None:
        return cached
    found = False
    for site in project.calls:
        for kw in site.node.keywords:
            if kw.arg == "task_cls" and site.name in CELERY_TYPES:
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                if _class_retry_policy(project, dotted(kw.value) or "?", table, site.module.name) is not False:
                    found = True
            elif kw.arg in ("task_annotations", "CELERY_ANNOTATIONS") and _annotation_sets_policy(kw.value):
                found = True
    found = found or any(
        c.key in ("task_annotations", "CELERY_ANNOTATIONS") and _annotation_sets_policy(c.value) for c in project.config
    )
    # a ``task_failure`` signal handler deals with every task's failures in one place
    found = found or any(
        isinstance(site.node.func, ast.Attribute) and site.node.func.attr == "connect"
        and (dotted(site.node.func.value) or "").rsplit(".", 1)[-1] == "task_failure"
        for site in project.calls
    ) or any(
        any((dotted(d.func if isinstance(d, ast.Call) else d) or "").endswith("task_failure.connect") for d in fn.node.decorator_list)
        for fn in project.functions.values() if fn.node.decorator_list
    )
    for module in project.modules.values():
        if found:
            break
        text = module.text
        if "task_annotations" not in text and "CELERY_ANNOTATIONS" not in text and ".Task" not in text:
            continue
        table = project.module_imports.get(module.name)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
                if name in ("task_annotations", "CELERY_ANNOTATIONS") and _annotation_sets_policy(node.value) or (
                    name == "Task" and isinstance(target, ast.Attribute)
                    and _is_celery_app(project, target.value, table, module.name)
                    and _class_retry_policy(project, dotted(node.value) or "?", table, module.name) is not False
                ):
                    found = True
    project._fd_celery_policy = found  # type: ignore[attr-defined]
    return found


def _periodic_names(project: Project) -> set[str]:
    """Task names scheduled by beat (``beat_schedule`` dicts, ``add_periodic_task``)."""
    cached = getattr(project, "_fd_periodic", None)
    if cached is not None:
        return cached
    names: set[str] = set()
    for module in project.modules.values():
        if "schedule" not in module.text and "periodic" not in module.text:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and k.value == "task" and isinstance(v, ast.Constant) and isinstance(v.value, str):
                        names.add(v.value)
                        names.add(v.value.rsplit(".", 1)[-1])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_periodic_task":
                for arg in list(node.args) + [kw.value for kw in node.keywords]:
                    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr in ("s", "si", "signature"):
                        names.add((dotted(arg.func.value) or "").rsplit(".", 1)[-1])
    project._fd_periodic = names  # type: ignore[attr-defined]
    return names


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
        if project.is_subtype(type_name, SQLALCHEMY_TYPES) and rest.startswith("session.") and rest.split(".")[-1] in DB_METHODS:
            return name
    parts = name.split(".")
    if len(parts) >= 3 and parts[1] == "query" and parts[0] in project.models:
        return f"{parts[0]}.query"
    if len(parts) >= 3 and parts[-2] == "session" and parts[-1] in ("commit", "execute", "flush") and parts[0] in ("db", "self", "database"):
        return name
    return None


def task_io(project: Project, fn: FunctionInfo) -> tuple[str, ast.Call, FunctionInfo] | None:
    """The first I/O call in the task or in a project helper it calls directly."""
    for _name, call in fn.calls:
        label = io_call(project, fn, call)
        if label:
            return label, call, fn
    for name, call in fn.calls:
        helper = project.resolve_function(name, fn, fn.module)
        if helper is None or helper is fn:
            continue
        for _n, inner in helper.calls:
            label = io_call(project, helper, inner)
            if label:
                return label, inner, helper
    return None


def _kw(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else ...


def _has_try(fn: FunctionInfo) -> bool:
    return any(isinstance(n, (ast.Try, getattr(ast, "TryStar", ast.Try))) for n in body_nodes(fn.node.body))


def _is_test(fn: FunctionInfo) -> bool:
    p = f"/{fn.module.path}"
    last = p.rsplit("/", 1)[-1]
    return "/tests/" in p or "/test/" in p or last.startswith("test_") or last == "conftest.py"


def celery_tasks(project: Project) -> Iterator[tuple[FunctionInfo, str]]:
    for fn in project.tasks():
        if _is_test(fn):
            continue
        framework = task_framework(project, fn)
        if framework in ("celery", "rq"):
            yield fn, framework


def _decorator_location(fn: FunctionInfo):
    for deco in fn.node.decorator_list:
        return node_location(fn.module.path, deco)
    return fn.location


# ------------------------------------------------------------------ FD506
def _base_attr(project: Project, fn: FunctionInfo, class_name: str, attr: str) -> ast.expr | None:
    """The value of ``attr`` on the task's ``base=`` class or its project bases."""
    table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
    qual = (table.qualify(class_name) if table is not None else None) or f"{fn.module.name}.{class_name}"
    stack, seen = [qual], set()
    while stack:
        cls = project.classes.get(stack.pop())
        if cls is None or cls.qualname in seen:
            continue
        seen.add(cls.qualname)
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                return stmt.value
        stack.extend(cls.bases)
    return None


def _polling(project: Project, fn: FunctionInfo, retries: list[ast.Call]) -> bool:
    """``autoretry_for=(JobNotFinished,)`` with only project-defined exceptions: a deliberate wait-until-done loop."""
    if retries:
        return False
    value = fn.task_options.get("autoretry_for")
    elts = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value] if value is not None else []
    if not elts:
        return False
    table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
    for elt in elts:
        name = dotted(elt) or ""
        qual = (table.qualify(name) if table is not None else None) or f"{fn.module.name}.{name}"
        if qual not in project.classes:
            return False
    return True


# ------------------------------------------------------------------ FD507
def _swallows(handler: ast.ExceptHandler, table: ImportTable) -> bool:
    """The handler only logs/passes and lets the task return normally."""
    if contains_raise(handler.body):
        return False
    for stmt in handler.body:
        if is_inert(stmt) and not isinstance(stmt, ast.Break):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and is_log_call(stmt.value, table):
            continue
        if isinstance(stmt, ast.Return) and (
            stmt.value is None
            or isinstance(stmt.value, (ast.Constant, ast.Name, ast.Dict, ast.JoinedStr))
            or (isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in ("str", "repr", "dict"))
        ):
            continue  # ``return "failed"`` / ``return str(e)``: a normal, successful return
        return False
    return True


def _work_tries(project: Project, fn: FunctionInfo) -> Iterator[ast.Try]:
    """``try`` blocks that hold the task's work: all of it, or its network/database I/O (not in a loop)."""
    top = [s for s in fn.node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    while len(top) == 1 and isinstance(top[0], (ast.With, ast.AsyncWith)):
        top = list(top[0].body)  # ``with app.app_context(): try: ...``
    for stmt in top:
        if not isinstance(stmt, ast.Try):
            continue
        rest = [s for s in top if s is not stmt and not isinstance(s, ast.Return)
                and not (isinstance(s, ast.Assign) and isinstance(s.value, (ast.Constant, ast.Name)))]
        if not rest:
            yield stmt
            continue
        calls = [n for n in body_nodes(stmt.body) if isinstance(n, ast.Call)]
        if any(io_call(project, fn, c) for c in calls):
            yield stmt


# ------------------------------------------------------------------ FD508
RESULT_READS = {"get", "ready", "successful", "failed", "wait", "join", "state", "status", "result", "info", "traceback"}


def _global_ignore_result(project: Project) -> ast.AST | None:
    for setting in project.config:
        if setting.key in ("task_ignore_result", "CELERY_IGNORE_RESULT", "CELERY_TASK_IGNORE_RESULT") and _kw(setting.value) is True:
            return setting.value
    for site in project.calls:
        for kw in site.node.keywords:
            if kw.arg in ("task_ignore_result", "CELERY_IGNORE_RESULT") and _kw(kw.value) is True:
                return kw.value
    for module in project.modules.values():
        if "ignore_result" not in module.text:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and _kw(node.value) is True:
                for t in node.targets:
                    if isinstance(t, ast.Attribute) and t.attr in ("task_ignore_result", "CELERY_IGNORE_RESULT"):
                        return node
    return None
