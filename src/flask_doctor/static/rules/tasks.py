"""FD505–FD508 — background tasks: failures nobody sees, retries that never stop.

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
from collections.abc import Callable, Iterator

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.model import (
    CELERY_TYPES,
    SQLALCHEMY_TYPES,
    FunctionInfo,
    Project,
)
from flask_doctor.static.names import ImportTable, dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid, node_location
from flask_doctor.static.rules.errors import (
    body_nodes,
    contains_raise,
    exception_kind,
    handler_label,
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


# ------------------------------------------------------------------ FD505
class TaskWithoutRetry(Rule):
    """
    ## What it does
    Finds Celery tasks and RQ jobs that do network or database I/O (HTTP
    with `requests`/`httpx`, SMTP and Flask-Mail, boto3, Redis,
    `db.session`, `Model.query`, directly or in a helper they call) with no
    retry policy (`autoretry_for`, `self.retry`, RQ `retry=Retry(...)`) and
    no error handling at all.

    ## Why is this bad?
    Networks and databases fail briefly all the time: a DNS hiccup, a
    connection reset, a failover. Without a retry the first such blip marks
    the task `FAILURE` and the work — the e-mail, the webhook, the payment
    sync — is simply lost; somebody has to notice the traceback in the
    worker log and re-queue it by hand. Not reported: tasks with
    `autoretry_for`/`self.retry`, tasks that handle errors themselves
    (`try`/`except`), tasks whose `base=` class (or the app's `task_cls`
    / `task_annotations`, or a `task_failure` signal handler) sets the
    policy, periodic tasks (the next beat run repeats the work), and tasks
    without I/O.

    ## Example
    ```python
    @shared_task
    def send_welcome(user_id):
        user = db.session.get(User, user_id)
        requests.post(WEBHOOK_URL, json={"email": user.email}, timeout=10)
    ```

    ## Use instead
    ```python
    @shared_task(
        autoretry_for=(requests.RequestException,),
        retry_backoff=True,
        max_retries=5,
    )
    def send_welcome(user_id):
        user = db.session.get(User, user_id)
        requests.post(WEBHOOK_URL, json={"email": user.email}, timeout=10)
    ```

    ## Fix safety
    No automatic fix: retrying is only safe when the task is idempotent.

    ## References
    - Celery docs, Tasks: "Retrying" and "Automatic retry for known exceptions"
    - RQ docs, Jobs: "Retrying failed jobs" (`Retry(max=3, interval=[10, 30, 60])`)
    """

    code = "FD505"
    name = "task-without-retry"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task does network/database I/O with no retry policy and no error handling."

    VALID = (
        Valid("""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
            def send_welcome(url):
                requests.post(url, json={}, timeout=10)

            @shared_task(bind=True)
            def sync(self, url):
                try:
                    requests.get(url, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)

            @shared_task
            def add(x, y):
                return x + y
            """),
        Valid("""
            import requests
            from celery import Celery, Task

            class RetryingTask(Task):
                autoretry_for = (Exception,)
                max_retries = 5
                retry_backoff = True

            celery = Celery(__name__)

            @celery.task(base=RetryingTask)
            def ping(url):
                requests.get(url, timeout=5)

            @celery.task
            def nightly_report():
                requests.post("https://example.com/report", timeout=5)

            celery.conf.beat_schedule = {"nightly": {"task": "tasks.nightly_report", "schedule": 86400}}
            """),
    )
    INVALID = (
        Invalid("""
            import requests
            from celery import shared_task

            @shared_task  # expect
            def send_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """, message="requests.post"),
        Invalid("""
            from celery import Celery
            from flask_sqlalchemy import SQLAlchemy
            celery = Celery(__name__)
            db = SQLAlchemy()

            def mark_done(job_id):
                db.session.execute(db.text("UPDATE jobs SET done = 1 WHERE id = :id"), {"id": job_id})
                db.session.commit()

            @celery.task(ignore_result=True)  # expect
            def finish(job_id):
                mark_done(job_id)
            """, message="mark_done"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if _app_wide_policy(project):
            return
        periodic = _periodic_names(project)
        for fn, framework in celery_tasks(project):
            options = fn.task_options
            if set(options) & RETRY_OPTIONS or retry_calls(fn) or _has_try(fn):
                continue
            task_name = options.get("name")
            if "periodic_task" in " ".join(fn.decorators) or fn.name in periodic or (
                isinstance(task_name, ast.Constant) and str(task_name.value) in periodic
            ):
                continue
            base = options.get("base")
            if base is not None:
                table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
                if _class_retry_policy(project, dotted(base) or "", table, fn.module.name) is not False:
                    continue
            if framework == "rq" and any(any(kw.arg == "retry" for kw in site.keywords) for site in _enqueue_sites(project, fn)):
                continue
            found = task_io(project, fn)
            if found is None:
                continue
            label, call, where = found
            via = "" if where is fn else f" (through `{where.display}`)"
            kind = "job" if framework == "rq" else "task"
            evidence = [Evidence(f"`{label}(...)` here", node_location(where.module.path, call))]
            hint = (
                "Retry transient errors: `@shared_task(autoretry_for=(ConnectionError, ...), retry_backoff=True, max_retries=5)` "
                "or `raise self.retry(exc=exc)` in an `except` (make the task idempotent first)."
                if framework == "celery" else
                "Enqueue with a retry policy: `queue.enqueue(f, ..., retry=Retry(max=3, interval=[10, 30, 60]))`."
            )
            report(self.finding(
                _decorator_location(fn),
                f"{kind} `{fn.display}` calls `{label}`{via} with no retry policy and no error handling: "
                f"the first network or database blip fails it and the work is lost",
                hint=hint,
                evidence=evidence,
            ))


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


class TaskRetriesForever(Rule):
    """
    ## What it does
    Finds Celery tasks that retry without a limit — `max_retries=None` on
    the task (`@shared_task(max_retries=None, autoretry_for=...)`, or a
    `base=` class with `max_retries = None`) — and `self.retry()` calls
    inside a `try` whose `except Exception:`/bare `except:` catches the
    `Retry` exception and retries again.

    ## Why is this bad?
    `Task.max_retries` "if set to None, it will never stop retrying": a
    permanent error (a deleted record, a revoked API key, a bug) keeps the
    task cycling through the queue for ever, burning workers and hiding in
    the `RETRY` state instead of failing. Separately, `self.retry()` first
    sends the retry message and then raises `Retry` — a subclass of
    `Exception`. Inside a `try` with a broad `except` that calls
    `self.retry()` again, each failed attempt schedules *two* retries, and
    the copies multiply with every round.

    A task that retries only on its own exception classes
    (`autoretry_for=(JobNotFinished,)`) is a deliberate wait-until-done
    poll and is not reported.

    Note that `self.retry(max_retries=None)` on its own is not unlimited:
    there `None` means "use the task's default" (3), as the
    `Task.retry` documentation says; it is not reported. Neither is a
    bounded `max_retries`, nor `self.retry()` in the `except` clause of a
    `try` (the idiom from the Celery docs).

    ## Example
    ```python
    @shared_task(autoretry_for=(Exception,), max_retries=None)
    def sync_account(account_id):
        push(account_id)
    ```

    ## Use instead
    ```python
    @shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
    def sync_account(account_id):
        push(account_id)
    ```

    ## Fix safety
    No automatic fix: choose a limit and what happens after it.

    ## References
    - Celery API, `Task.max_retries` ("If set to None, it will never stop retrying") and `Task.retry`
      (`max_retries`: "A value of None, means 'use the default'")
    - Celery docs, Tasks: "Retrying"
    """

    code = "FD506"
    name = "task-retries-forever"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task retries without limit (max_retries=None) or retries twice per failure."

    VALID = (
        Valid("""
            from celery import shared_task

            @shared_task(bind=True, max_retries=5)
            def sync(self, account_id):
                try:
                    push(account_id)
                except ConnectionError as exc:
                    raise self.retry(exc=exc, countdown=30)

            @shared_task(bind=True)
            def poll(self, job_id):
                if not ready(job_id):
                    raise self.retry(countdown=10, max_retries=None)

            class JobNotFinished(Exception):
                pass

            @shared_task(bind=True, ignore_result=True, autoretry_for=(JobNotFinished,), retry_backoff=True, max_retries=None)
            def result_watcher(self, job_id):
                if not finished(job_id):
                    raise JobNotFinished(job_id)
            """),
        Valid("""
            from celery import shared_task
            from celery.exceptions import Retry

            @shared_task(bind=True, autoretry_for=(ConnectionError,), retry_kwargs={"max_retries": None})
            def push_all(self):
                try:
                    if not ready():
                        raise self.retry(countdown=5)
                    push()
                except Retry:
                    raise
                except Exception as exc:
                    raise self.retry(exc=exc)
            """),
    )
    INVALID = (
        Invalid("""
            from celery import shared_task

            @shared_task(autoretry_for=(Exception,), max_retries=None)  # expect
            def sync_account(account_id):
                push(account_id)
            """, message="never stop"),
        Invalid("""
            from celery import shared_task

            @shared_task(bind=True)
            def fetch(self, url):
                try:
                    response = get(url)
                    if response.status_code == 503:
                        raise self.retry(countdown=60)  # expect
                except Exception as exc:
                    raise self.retry(exc=exc)
            """, message="two"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        reported: set[tuple[str, int]] = set()
        for fn, framework in celery_tasks(project):
            if framework != "celery":
                continue
            retries = retry_calls(fn)
            options = fn.task_options
            max_retries = options.get("max_retries")
            where = "sets `max_retries=None`"
            if max_retries is None and options.get("base") is not None:
                max_retries = _base_attr(project, fn, dotted(options["base"]) or "", "max_retries")
                where = f"inherits `max_retries = None` from `{ast.unparse(options['base'])}`"
            retrying = "autoretry_for" in options or bool(retries) or (
                options.get("base") is not None
                and _base_attr(project, fn, dotted(options["base"]) or "", "autoretry_for") is not None
            )
            if (
                isinstance(max_retries, ast.Constant) and max_retries.value is None and retrying
                and not _polling(project, fn, retries) and (fn.module.path, max_retries.lineno) not in reported
            ):
                reported.add((fn.module.path, max_retries.lineno))
                how = "`self.retry()`" if retries else "`autoretry_for`"
                report(self.finding(
                    node_location(fn.module.path, max_retries),
                    f"task `{fn.display}` {where} and retries with {how}: it will never stop retrying, "
                    f"so a permanent error keeps it cycling through the queue instead of failing",
                    hint="Set a bound (`max_retries=5`) with `retry_backoff=True`, and handle the final failure "
                         "(`on_failure`, a dead-letter queue or an alert).",
                    evidence=[Evidence(f"task `{fn.display}`", fn.location)],
                ))
            if not retries:
                continue
            table = fn.imports
            for node in body_nodes(fn.node.body):
                if not isinstance(node, ast.Try):
                    continue
                catcher = None
                for handler in node.handlers:
                    name = dotted(handler.type) if handler.type is not None else None
                    if name and (table.qualify(name) or name).endswith(("Retry", "TaskPredicate")):
                        break  # Retry is let through first
                    if exception_kind(handler.type, table) == "broad":
                        catcher = handler
                        break
                if catcher is None:
                    continue
                inner = [c for c in retries if any(c is n for n in body_nodes(node.body))]
                again = [c for c in retries if any(c is n for n in body_nodes(catcher.body))]
                if not inner or not again:
                    continue
                report(self.finding(
                    node_location(fn.module.path, inner[0]),
                    f"`{ast.unparse(inner[0].func)}()` in task `{fn.display}` raises `Retry` (an `Exception`) after sending the retry, "
                    f"and the `{handler_label(catcher)}` below catches it and retries again: every failure schedules two retries",
                    hint="Put `except Retry: raise` (from celery.exceptions) before the broad clause, or move the first retry out of the `try`.",
                    evidence=[Evidence(f"`{handler_label(catcher)}` retries again", node_location(fn.module.path, again[0]))],
                ))


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


class TaskSwallowsExceptions(Rule):
    """
    ## What it does
    Finds Celery tasks and RQ jobs whose work runs inside a `try` with
    `except Exception:` (or a bare `except:`) that only passes or logs and
    then lets the task return normally.

    ## Why is this bad?
    A task that returns is recorded as `SUCCESS`. The failure never reaches
    Celery: no `task_failure` signal, no failed state in Flower or the
    result backend, no retry, no alert from monitoring that counts
    failures — at best a log line nobody searches for. Work silently stops
    happening. Re-raise after logging, `raise self.retry(exc=exc)` for
    transient errors, or `raise Reject(exc, requeue=False)` to dead-letter
    the message. Not reported: handlers that re-raise, retry or do real
    recovery work, narrow `except SomeError:` clauses, and log-and-continue
    inside a loop over items (one bad item must not stop the batch).

    ## Example
    ```python
    @shared_task
    def import_feed(url):
        try:
            items = fetch(url)
            save(items)
        except Exception:
            logger.exception("import failed")
    ```

    ## Use instead
    ```python
    @shared_task(bind=True, max_retries=5)
    def import_feed(self, url):
        try:
            items = fetch(url)
            save(items)
        except ConnectionError as exc:
            raise self.retry(exc=exc, countdown=60)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Celery docs, Tasks: "Retrying", "Reject", task states and the `task_failure` signal
    """

    code = "FD507"
    name = "task-swallows-exceptions"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task catches Exception and returns normally: the failure is recorded as SUCCESS."

    VALID = (
        Valid("""
            import logging
            from celery import shared_task
            logger = logging.getLogger(__name__)

            @shared_task(bind=True, max_retries=5)
            def import_feed(self, url):
                try:
                    save(fetch(url))
                except ConnectionError as exc:
                    raise self.retry(exc=exc, countdown=60)
                except Exception:
                    logger.exception("import failed")
                    raise

            @shared_task
            def notify_all(user_ids):
                for uid in user_ids:
                    try:
                        notify(uid)
                    except Exception:
                        logger.exception("notify %s failed", uid)
            """),
        Valid("""
            from celery import shared_task

            @shared_task
            def parse(raw):
                try:
                    value = int(raw)
                except ValueError:
                    return None
                return value * 2

            @shared_task
            def export(job_id):
                try:
                    run_export(job_id)
                except Exception as exc:
                    mark_failed(job_id, str(exc))
            """),
    )
    INVALID = (
        Invalid("""
            import logging
            from celery import shared_task
            logger = logging.getLogger(__name__)

            @shared_task
            def import_feed(url):
                try:
                    items = fetch(url)
                    save(items)
                except Exception:  # expect
                    logger.exception("import failed")
            """, message="SUCCESS"),
        Invalid("""
            from celery import Celery
            celery = Celery(__name__)

            @celery.task
            def cleanup(path):
                try:
                    remove_tree(path)
                except:  # expect
                    pass
                return True
            """, message="`except:`"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        for fn, framework in celery_tasks(project):
            table = fn.imports
            for stmt in _work_tries(project, fn):
                for handler in stmt.handlers:
                    if exception_kind(handler.type, table) != "broad":
                        continue
                    if not _swallows(handler, table):
                        continue
                    logs = any(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) for s in handler.body)
                    what = "logs it and returns" if logs else "drops it"
                    kind = "job" if framework == "rq" else "task"
                    report(self.finding(
                        node_location(fn.module.path, handler),
                        f"`{handler_label(handler)}` in {kind} `{fn.display}` {what}: the {kind} is recorded as SUCCESS, "
                        f"so failures never reach retries, failure signals or monitoring",
                        hint="Re-raise after logging, `raise self.retry(exc=exc)` for transient errors, or "
                             "`raise Reject(exc, requeue=False)`; catch only the exceptions you can really handle.",
                        evidence=[Evidence(f"{kind} `{fn.display}`", fn.location)],
                    ))
                    break


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


class TaskResultIgnoredButAwaited(Rule):
    """
    ## What it does
    Finds code that reads the result of a Celery task (`.get()`,
    `.ready()`, `.state`, `.result` on what `.delay()`/`.apply_async()`
    returned, or `task.AsyncResult(id)`) when that task is declared with
    `ignore_result=True` (or the app sets `task_ignore_result = True`).

    ## Why is this bad?
    With `ignore_result` the worker stores no state and no return value.
    The caller cannot tell: `.get()` waits for a result that never comes
    (for ever, without a `timeout`, tying up the web worker that called
    it), `.ready()` is always False and `.state` stays `PENDING` — a
    progress page polls for ever and users see "still running" for tasks
    that finished or failed long ago. Not reported: fire-and-forget calls
    whose result is not read, and calls that pass `ignore_result=False` to
    `apply_async`. A missing result backend is not reported from source:
    Celery also takes it from the `CELERY_RESULT_BACKEND` environment
    variable (`celery/app/utils.py`), which only the running app knows.

    ## Example
    ```python
    @celery.task(ignore_result=True)
    def render_report(report_id):
        return build(report_id)

    @app.post("/reports/<int:rid>")
    def make_report(rid):
        result = render_report.delay(rid)
        return {"url": result.get(timeout=30)}
    ```

    ## Use instead
    ```python
    @celery.task  # results stored in the configured result backend
    def render_report(report_id):
        return build(report_id)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Celery API, `Task.ignore_result` and the `task_ignore_result` setting
    - Celery docs, Tasks: "Result backends" / "Ignore results you don't want"
    """

    code = "FD508"
    name = "task-result-ignored-but-awaited"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Result of a task with ignore_result=True is read: .get() waits for ever, state stays PENDING."
    preview = True  # no occurrence in the real applications measured yet (docs/precision/errors_tasks.md)

    VALID = (
        Valid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def send_mail(to):
                deliver(to)

            @celery.task
            def render_report(rid):
                return rid

            def make_report(rid):
                send_mail.delay("a@example.com")
                result = render_report.delay(rid)
                return result.get(timeout=30)
            """),
        Valid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def render_report(rid):
                return rid

            def make_report(rid):
                result = render_report.apply_async((rid,), ignore_result=False)
                return result.get(timeout=30)
            """),
    )
    INVALID = (
        Invalid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")

            @celery.task(ignore_result=True)
            def render_report(rid):
                return rid

            def make_report(rid):
                result = render_report.delay(rid)
                return result.get(timeout=30)  # expect
            """, message="ignore_result=True"),
        Invalid("""
            from celery import Celery
            celery = Celery(__name__, backend="redis://localhost")
            celery.conf.task_ignore_result = True

            @celery.task
            def export(rid):
                return rid

            def status(task_id):
                return export.AsyncResult(task_id).state  # expect
            """, message="task_ignore_result"),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        tasks = {fn.qualname: fn for fn, framework in celery_tasks(project) if framework == "celery"}
        if not tasks:
            return
        global_ignore = _global_ignore_result(project)
        ignored: dict[str, str] = {}
        for qual, fn in tasks.items():
            option = fn.task_options.get("ignore_result")
            if option is not None:
                if _kw(option) is True:
                    ignored[qual] = "`ignore_result=True` on the task"
            elif global_ignore is not None:
                ignored[qual] = "`task_ignore_result = True` for the app"
        if not ignored:
            return
        for caller in project.functions.values():
            if _is_test(caller):
                continue
            for read, task, call in self._reads(project, caller, ignored):
                why = ignored[task.qualname]
                member = read.attr if isinstance(read, ast.Attribute) else ""
                effect = "waits for a result that is never stored" if member in ("get", "wait", "join") else "never changes from PENDING"
                report(self.finding(
                    node_location(caller.module.path, read),
                    f"`{ast.unparse(read)[:60]}` in `{caller.display}` reads the result of task `{task.display}`, which has {why}: "
                    f"it {effect}",
                    hint=(f"Remove `ignore_result=True` from `{task.display}`" if "on the task" in why
                          else f"Set `ignore_result=False` on `{task.display}` (it overrides `task_ignore_result`)")
                    + ", or pass `ignore_result=False` to `apply_async` where the result is read.",
                    evidence=[Evidence(f"task `{task.display}` sent here", node_location(caller.module.path, call)),
                              Evidence(f"task `{task.display}`", task.location)],
                ))

    def _reads(self, project: Project, caller: FunctionInfo, ignored: dict[str, str]) -> Iterator[tuple[ast.Attribute, FunctionInfo, ast.Call]]:
        results: dict[str, tuple[FunctionInfo, ast.Call]] = {}

        def task_of_send(call: ast.Call) -> FunctionInfo | None:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("delay", "apply_async", "AsyncResult")):
                return None
            if call.func.attr == "apply_async" and any(kw.arg == "ignore_result" and _kw(kw.value) is False for kw in call.keywords):
                return None
            target = project.resolve_function(dotted(call.func.value) or "", caller, caller.module)
            if target is None or target.qualname not in ignored:
                return None
            return target

        for node in body_nodes(caller.node.body):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                task = task_of_send(node.value)
                if task is not None:
                    results[node.targets[0].id] = (task, node.value)
        for node in body_nodes(caller.node.body):
            if not (isinstance(node, ast.Attribute) and node.attr in RESULT_READS):
                continue
            base = node.value
            if isinstance(base, ast.Call):
                task = task_of_send(base)
                if task is not None:
                    yield node, task, base
            elif isinstance(base, ast.Name) and base.id in results:
                task, call = results[base.id]
                yield node, task, call
