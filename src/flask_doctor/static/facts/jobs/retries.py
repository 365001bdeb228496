"""Facts about retry policies: per task, per ``Task`` base class, for the whole app, and beat schedules.

The Celery facts these rely on (Celery 5.x, ``celery/app/task.py``):

* ``Task.max_retries`` defaults to 3; set to ``None`` on the task it "will
  **never** stop retrying".
* ``Task.retry(max_retries=None)`` does *not* mean forever: ``None`` there
  means "use the task's default" (``max_retries = self.max_retries if
  max_retries is None else max_retries``).
* ``retry()`` sends the retry message first and then raises ``Retry``, a
  subclass of ``Exception``: an ``except Exception`` around it catches the
  ``Retry``; if that handler retries again, a second message is sent.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.jobs.tasks import default_task_classes, io_call, is_celery_type, task_class
from flask_doctor.static.facts.orm.queries import helper_context, loop_rows
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.sites import calls_named, calls_with_keyword
from flask_doctor.static.model import CELERY_TYPES
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.facts.orm.queries import Query
    from flask_doctor.static.model import FunctionInfo, Project
    from flask_doctor.static.names import ImportTable

#: Task options that give a task a retry policy.
RETRY_OPTIONS = {"autoretry_for", "retry_kwargs", "retry_backoff", "max_retries", "retry"}
#: Keys that set a retry policy (or failure handling) in ``task_annotations`` and on ``Task`` classes.
POLICY_KEYS = {"autoretry_for", "retry_kwargs", "retry_backoff", "max_retries", "on_failure", "on_retry"}
_CLASS_POLICY = {"autoretry_for", "retry_kwargs", "retry_backoff", "on_failure", "on_retry"}
_ANNOTATIONS = ("task_annotations", "CELERY_ANNOTATIONS")
#: Options that only tune retries something else starts (``autoretry_for`` or a ``retry()`` call): on their
#: own, Celery never retries.
RETRY_TUNING = frozenset({"max_retries", "retry_backoff", "retry_backoff_max", "retry_jitter", "retry_kwargs"})


def tuning_without_retry(fn: FunctionInfo) -> list[str]:
    """``@shared_task(max_retries=5)`` with no ``autoretry_for`` and no ``retry()`` in the task (nor the bound
    task handed to a helper, which may retry it): the options it sets, which start no retry."""
    options = fn.task_options
    tuning = sorted(set(options) & RETRY_TUNING)
    if not tuning or "autoretry_for" in options or "retry" in options or retry_calls(fn):
        return []
    me = _bound_self(fn)
    if me is not None and any(
        isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == me for a in node.args)
        for node in body_nodes(fn.node.body)
    ):
        return []
    return tuning


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


def retries_bounded(fn: FunctionInfo, retries: list[ast.Call]) -> bool:
    """Every ``self.retry(...)`` passes its own ``max_retries`` (and nothing retries automatically).

    ``Task.retry(max_retries=N)`` overrides the task's limit for that call, so
    a task declared ``max_retries=None`` still stops after N tries.
    """
    return (
        bool(retries)
        and "autoretry_for" not in fn.task_options
        and all(
            any(
                kw.arg == "max_retries" and not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
                for kw in call.keywords
            )
            for call in retries
        )
    )


def class_retry_policy(project: Project, class_name: str, table: ImportTable | None, module_name: str) -> bool | None:
    """True when the Task class (or a project base) sets a retry policy, None when unknown."""
    qual = (table.qualify(class_name) if table is not None else None) or f"{module_name}.{class_name}"
    cls = project.classes.get(qual)
    if cls is None:
        cls = next((c for c in project.classes.values() if c.name == class_name.rsplit(".", 1)[-1]), None)
    if cls is None:
        return None
    for current in project.lineage(cls.qualname):
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
            if set(names) & _CLASS_POLICY:
                return True
            if (
                isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                and stmt.name in ("__call__", "run")
                and any(
                    isinstance(n, ast.Try) or (isinstance(n, ast.Attribute) and n.attr == "retry")
                    for n in ast.walk(stmt)
                )
            ):
                return True  # a wrapper that handles errors for every task
    return False


def task_base_policy(project: Project, fn: FunctionInfo, base: ast.expr) -> bool | None:
    """:func:`class_retry_policy` of the task's ``base=`` class, resolved where the task is declared."""
    table = fn.parent.imports if fn.parent is not None else project.module_imports.get(fn.module.name)
    return class_retry_policy(project, dotted(base) or "", table, fn.module.name)


def _annotation_sets_policy(value: ast.expr | None) -> bool:
    """A ``task_annotations`` value: literal dicts are searched for retry keys; anything else may hold one."""
    if value is None:
        return False
    if not isinstance(value, (ast.Dict, ast.List, ast.Tuple)):
        return True
    for node in ast.walk(value):
        if isinstance(node, ast.Dict) and any(
            isinstance(k, ast.Constant) and k.value in POLICY_KEYS for k in node.keys
        ):
            return True
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
            return True  # a value we cannot read may hold a policy
    return False


def _is_celery_app(project: Project, node: ast.expr, table: ImportTable | None, module_name: str) -> bool:
    name = dotted(node) or ""
    obj = project.objects.get((table.qualify(name) if table is not None else None) or f"{module_name}.{name}")
    if obj is not None:
        return is_celery_type(project, obj.type)
    return "celery" in name.lower()


@project_fact
def app_wide_retry_policy(project: Project) -> bool:
    """``Celery(task_cls=X)``, ``celery.Task = X`` or ``task_annotations`` that set a retry policy for every task."""
    found = False
    for site in calls_with_keyword(project, ("task_cls", *_ANNOTATIONS)):
        for kw in site.node.keywords:
            if kw.arg == "task_cls" and site.name in CELERY_TYPES:
                table = site.function.imports if site.function else project.module_imports.get(site.module.name)
                if class_retry_policy(project, dotted(kw.value) or "?", table, site.module.name) is not False:
                    found = True
            elif kw.arg in _ANNOTATIONS and _annotation_sets_policy(kw.value):
                found = True
    found = found or any(c.key in _ANNOTATIONS and _annotation_sets_policy(c.value) for c in project.config)
    # a ``task_failure`` signal handler deals with every task's failures in one place
    found = (
        found
        or any(
            isinstance(site.node.func, ast.Attribute)
            and site.node.func.attr == "connect"
            and (dotted(site.node.func.value) or "").rsplit(".", 1)[-1] == "task_failure"
            for site in calls_named(project, ("connect",))
        )
        or any(
            any(
                (dotted(d.func if isinstance(d, ast.Call) else d) or "").endswith("task_failure.connect")
                for d in fn.node.decorator_list
            )
            for fn in project.functions.values()
            if fn.node.decorator_list
        )
    )
    for module in project.modules.values():
        if found:
            break
        text = module.text
        if "task_annotations" not in text and "CELERY_ANNOTATIONS" not in text and ".Task" not in text:
            continue
        table = project.module_imports.get(module.name)
        for node in walk(module.tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name):
                    name = target.id
                else:
                    name = target.attr if isinstance(target, ast.Attribute) else ""
                if (
                    name in _ANNOTATIONS
                    and _annotation_sets_policy(node.value)
                    or (
                        name == "Task"
                        and isinstance(target, ast.Attribute)
                        and _is_celery_app(project, target.value, table, module.name)
                        and class_retry_policy(project, dotted(node.value) or "?", table, module.name) is not False
                    )
                ):
                    found = True
    return found


@project_fact
def periodic_task_names(project: Project) -> set[str]:
    """Task names scheduled by beat (``beat_schedule`` dicts, ``add_periodic_task``)."""
    names: set[str] = set()
    for module in project.modules.values():
        if "schedule" not in module.text and "periodic" not in module.text:
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if not (isinstance(k, ast.Constant) and k.value == "task"):
                        continue
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        names.add(v.value)
                        names.add(v.value.rsplit(".", 1)[-1])
                    else:
                        built = _built_task_name(v)
                        if built:
                            names.add(built)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_periodic_task"
            ):
                for arg in list(node.args) + [kw.value for kw in node.keywords]:
                    if (
                        isinstance(arg, ast.Call)
                        and isinstance(arg.func, ast.Attribute)
                        and arg.func.attr in ("s", "si", "signature")
                    ):
                        names.add((dotted(arg.func.value) or "").rsplit(".", 1)[-1])
    return names


def _built_task_name(value: ast.expr) -> str | None:
    """The task's own name at the end of a name built from its module's: ``"{}.cleanup".format(ME)``,
    ``f"{__name__}.cleanup"`` -> ``cleanup``."""
    text: str | None = None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "format"
        and isinstance(value.func.value, ast.Constant)
        and isinstance(value.func.value.value, str)
    ):
        text = value.func.value.value
    elif isinstance(value, ast.JoinedStr) and value.values and isinstance(value.values[-1], ast.Constant):
        text = str(value.values[-1].value)
    if not text or "." not in text:
        return None
    last = text.rsplit(".", 1)[-1]
    return last if last.isidentifier() else None


def is_periodic(project: Project, fn: FunctionInfo) -> bool:
    """Beat runs the task on a schedule (``periodic_task``, ``beat_schedule``, ``add_periodic_task``)."""
    periodic = periodic_task_names(project)
    task_name = fn.task_options.get("name")
    return (
        "periodic_task" in " ".join(fn.decorators)
        or fn.name in periodic
        or (isinstance(task_name, ast.Constant) and str(task_name.value) in periodic)
    )


#: Methods of a Celery task that send it (or make the signature a chain or group sends).
_SENDERS = frozenset({"delay", "apply_async", "s", "si", "signature", "subtask", "map", "starmap", "chunks"})


@project_fact
def task_starters(project: Project) -> dict[str, list[FunctionInfo | None]]:
    """Project function (by qualname) -> the functions that call it, send it or put it in a chain (None: module
    level). Tests are left out: they are not how production runs a task."""
    found: dict[str, list[FunctionInfo | None]] = {}
    for site in project.calls:
        if is_test_path(site.module.path):
            continue
        func = site.node.func
        sends = isinstance(func, ast.Attribute) and func.attr in _SENDERS
        name = dotted(func.value) if sends and isinstance(func, ast.Attribute) else dotted(func)
        target = project.resolve_function(name, site.function, site.module) if name else None
        if target is None or target is site.function:
            continue
        found.setdefault(target.qualname, []).append(site.function)
    return found


@project_fact
def schedules_tasks(project: Project) -> bool:
    """Some function of the project can be :func:`is_periodic` (a beat schedule names a task, or a
    ``periodic_task`` decorator makes one): without one, nothing is started by a schedule."""
    return bool(periodic_task_names(project)) or any(
        "periodic_task" in " ".join(fn.decorators) for fn in project.function_at.values()
    )


def started_by_schedule(project: Project, fn: FunctionInfo, depth: int = 0) -> FunctionInfo | None:
    """The periodic task behind ``fn``: ``fn`` itself, or the beat task that is the only way it starts.

    ``chain(fetch.si(), notify.si()).apply_async()`` inside a task beat runs every 15 minutes:
    ``fetch`` and ``notify`` run again on the next tick even when one of them fails. ``None`` as soon
    as one starter is not scheduled (a view that also sends the task) or when nothing visible starts it.
    """
    if not schedules_tasks(project):
        return None  # no periodic task for a chain of starters to end at (and no call site to resolve)
    if is_periodic(project, fn):
        return fn
    starters = task_starters(project).get(fn.qualname, [])
    if depth >= 3 or not starters:
        return None
    found: FunctionInfo | None = None
    for starter in starters:
        origin = started_by_schedule(project, starter, depth + 1) if starter is not None else None
        if origin is None:
            return None
        found = found or origin
    return found


def takes_no_input(fn: FunctionInfo) -> bool:
    """The task has no parameters (but the bound ``self``): whatever it works on it reads from stored state,
    so a later run sees the same work a failed one left."""
    args = fn.node.args
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if _bound_self(fn) is not None:
        params = params[1:]
    return not params and args.vararg is None and args.kwarg is None


def _sent_task(project: Project, scope: FunctionInfo, call: ast.Call) -> FunctionInfo | None:
    """The project task ``call`` sends: ``task.delay(...)``, ``task.apply_async(...)``, ``task.s(...)``."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _SENDERS):
        return None
    name = dotted(func.value)
    return project.resolve_function(name, scope, scope.module) if name else None


_FILTERS = frozenset({"filter", "filter_by", "where"})
_CLOCK = on_first_use(r"\b(?:now|utcnow|today|timedelta|datetime|date|time|arrow|pendulum)\b")


def _time_window(fn: FunctionInfo, rows: Query) -> bool:
    """The sweep selects rows by time (``Upload.created > utcnow() - timedelta(hours=1)``): a row it missed
    once falls out of the window, so the next tick does not send it again."""
    values: dict[str, list[ast.expr]] = {}
    for node in body_nodes(fn.node.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
    for method, call in rows.methods:
        if method not in _FILTERS or not isinstance(call, ast.Call):
            continue
        for expr in [*call.args, *(kw.value for kw in call.keywords)]:
            if _reads_clock(expr, values) and not _older_than(expr, values):
                return True
    return False


def _reads_clock(node: ast.expr, values: dict[str, list[ast.expr]]) -> bool:
    """``node`` reads the clock, itself or through a local assigned from it (``since = utcnow() - ...``)."""
    return bool(_CLOCK().search(ast.unparse(node))) or any(
        isinstance(n, ast.Name) and any(_CLOCK().search(ast.unparse(v)) for v in values.get(n.id, []))
        for n in ast.walk(node)
    )


def _older_than(expr: ast.expr, values: dict[str, list[ast.expr]]) -> bool:
    """Every use of the clock in ``expr`` keeps rows older than a cutoff
    (``Repo.last_sync < now() - timedelta(hours=1)``, or ``< cutoff`` with the cutoff a local computed so):
    a staleness sweep, not a window. A row the task failed on stays older than the cutoff, so a later tick
    selects it again."""
    older = [
        n
        for n in ast.walk(expr)
        if isinstance(n, ast.Compare)
        and len(n.ops) == 1
        and isinstance(n.ops[0], (ast.Lt, ast.LtE))
        and _reads_clock(n.comparators[0], values)
        and not _reads_clock(n.left, values)
    ]
    if not older:
        return False
    rest = ast.unparse(expr)
    for node in older:
        rest = rest.replace(ast.unparse(node), "")
    try:
        remainder = ast.parse(rest or "None", mode="eval").body
    except SyntaxError:
        return False
    return not _reads_clock(remainder, values)


@project_fact
def sweeps(project: Project) -> dict[str, FunctionInfo]:
    """Task qualname -> the periodic task that sends it once for every row a filtered query selects.

    ``for job in Job.query.filter(Job.to_be_deleted == True): delete_job.delay(job.id)`` in a beat task:
    the rows stay in the state the filter selects until the task succeeds, so a failed run is sent again on
    the next tick, whoever sent it first.
    """
    found: dict[str, FunctionInfo] = {}
    if not schedules_tasks(project):
        return found
    for fn in project.functions.values():
        if not fn.decorators or not is_periodic(project, fn) or is_test_path(fn.module.path):
            continue
        ctx = helper_context(project, fn)
        for loop in body_nodes(fn.node.body):
            if not isinstance(loop, (ast.For, ast.AsyncFor)):
                continue
            rows = loop_rows(loop.iter, ctx)
            if rows is None or _time_window(fn, rows):
                continue
            for node in body_nodes(loop.body):
                if isinstance(node, ast.Call):
                    task = _sent_task(project, fn, node)
                    if task is not None and task is not fn:
                        found.setdefault(task.qualname, fn)
    return found


def _assigned_attrs(fn: FunctionInfo) -> set[str]:
    """Attribute names the function stores (``queue.fullpath = ...``)."""
    return {
        target.attr
        for node in body_nodes(fn.node.body)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute)
    }


def _cache_guard(project: Project, starter: FunctionInfo, task: FunctionInfo) -> str | None:
    """The attribute ``starter`` returns when set and otherwise sends ``task`` to fill:
    ``if self.fullpath: return self.fullpath`` then (in the ``else`` or after the ``if``)
    ``cache_path.delay(self.id)``."""
    sends = [
        node
        for node in body_nodes(starter.node.body)
        if isinstance(node, ast.Call) and _sent_task(project, starter, node) is task
    ]
    if not sends:
        return None
    for node in body_nodes(starter.node.body):
        if not isinstance(node, ast.If):
            continue
        tested = {n.attr for n in ast.walk(node.test) if isinstance(n, ast.Attribute)}
        for branch in (node.body, node.orelse):
            returned = {
                stmt.value.attr
                for stmt in branch
                if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Attribute)
            }
            attr = next(iter(sorted(tested & returned)), None)
            inside = {id(n) for n in body_nodes(branch)}
            # the branch that returns ``A`` ends the call: a send after the ``if`` (or in the other branch)
            # runs only while ``A`` is empty
            if attr is not None and all(id(s) not in inside and s.lineno > node.lineno for s in sends):
                return attr
    return None


def cache_fill(project: Project, fn: FunctionInfo) -> tuple[FunctionInfo, str] | None:
    """The reader that sends ``fn`` only to fill a cached attribute it returns when set, and the attribute.

    ``def path(self): if self.fullpath: return self.fullpath`` / ``cache_path.delay(self.id)`` and the task
    stores ``queue.fullpath = ...``: when it fails the value stays empty and the next read sends it again.
    Every starter must be such a reader (and the task must store the attribute).
    """
    # the task's own stores first: most tasks store no attribute, and then no starter can be such a reader
    # (which spares most projects the resolution of every call site that ``task_starters`` is)
    stored = _assigned_attrs(fn)
    if not stored:
        return None
    starters = task_starters(project).get(fn.qualname, [])
    if not starters or any(s is None for s in starters):
        return None
    found: tuple[FunctionInfo, str] | None = None
    for starter in starters:
        assert starter is not None
        attr = _cache_guard(project, starter, fn)
        if attr is None or attr not in stored:
            return None
        found = found or (starter, attr)
    return found


def endless_retry_loops(project: Project, fn: FunctionInfo) -> list[tuple[str, ast.If, ast.Continue]]:
    """Hand-written retries without a bound: a loop that calls the network and, when the answer is bad,
    only sleeps and goes round again (``if not resp.ok: time.sleep(10); continue``).

    Nothing changes between tries (the branch assigns nothing, and its test reads only what the call
    returned), so an error that does not go away (a 404, a revoked key) keeps the task looping for ever.
    Returned: the call's label, the ``if`` and its ``continue``.
    """
    found: list[tuple[str, ast.If, ast.Continue]] = []
    for loop in body_nodes(fn.node.body):
        if not isinstance(loop, ast.While):
            continue
        results: dict[str, str] = {}
        for node in body_nodes(loop.body):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and (label := io_call(project, fn, node.value)) is not None
            ):
                results[node.targets[0].id] = label
        if not results:
            continue
        for node in body_nodes(loop.body):
            if not (isinstance(node, ast.If) and node.body and isinstance(node.body[-1], ast.Continue)):
                continue
            read = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            if not read or not read <= set(results):
                continue  # the test also reads a counter or a deadline
            changes = any(
                isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.Raise, ast.Return))
                for n in body_nodes(node.body)
            )
            sleeps = any(
                isinstance(n, ast.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] == "sleep"
                for n in body_nodes(node.body)
            )
            if sleeps and not changes:
                found.append((results[sorted(read)[0]], node, node.body[-1]))
    return found


def base_attr(project: Project, fn: FunctionInfo, class_name: str, attr: str) -> ast.expr | None:
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


def _class_attr(project: Project, class_qual: str, attr: str) -> ast.expr | None:
    """``attr = value`` in the body of a project class or of its project bases (nearest first)."""
    for current in project.lineage(class_qual):
        cls = project.classes.get(current)
        if cls is None:
            continue
        for stmt in cls.node.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                return stmt.value
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
                return stmt.value
    return None


@project_fact
def annotated_for_all(project: Project) -> dict[str, ast.expr]:
    """Options ``task_annotations = {"*": {...}}`` sets on every task (literal dicts only)."""
    values: list[ast.expr] = [c.value for c in project.config if c.key in _ANNOTATIONS and c.value is not None]
    for site in calls_with_keyword(project, _ANNOTATIONS):
        values.extend(kw.value for kw in site.node.keywords if kw.arg in _ANNOTATIONS)
    for module in project.modules.values():
        if "task_annotations" not in module.text and "CELERY_ANNOTATIONS" not in module.text:
            continue
        for node in walk(module.tree):
            if isinstance(node, ast.Assign) and any(
                (t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else "") in _ANNOTATIONS
                for t in node.targets
            ):
                values.append(node.value)
    options: dict[str, ast.expr] = {}
    for value in values:
        if not isinstance(value, ast.Dict):
            continue
        for key, inner in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and key.value == "*" and isinstance(inner, ast.Dict):
                for k, v in zip(inner.keys, inner.values):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        options.setdefault(k.value, v)
    return options


def task_attr(project: Project, fn: FunctionInfo, attr: str) -> tuple[ast.expr, str] | None:
    """The value a Celery task runs with for the option ``attr``, and where it comes from: the decorator,
    the class of a class-based task, its ``base=`` class, the app's default task class, or the ``"*"`` entry
    of ``task_annotations`` (which Celery sets on every task, over the rest)."""
    everywhere = annotated_for_all(project).get(attr)
    if everywhere is not None:
        return everywhere, "`task_annotations` for every task"
    if attr in fn.task_options:
        return fn.task_options[attr], "the decorator"
    cls = task_class(project, fn)
    if cls is not None:
        value = _class_attr(project, cls.qualname, attr)
        if value is not None:
            return value, f"the task class `{cls.name}`"
    base = fn.task_options.get("base")
    if base is not None:
        name = dotted(base) or ""
        value = base_attr(project, fn, name, attr)
        return (value, f"`{ast.unparse(base)}`") if value is not None else None
    if cls is not None:
        return None  # a class-based task whose class does not set it: Celery's default
    for qual in default_task_classes(project):
        value = _class_attr(project, qual, attr)
        if value is not None:
            return value, f"the app's default task class `{qual.rsplit('.', 1)[-1]}`"
    return None


def is_polling(project: Project, fn: FunctionInfo, retries: list[ast.Call]) -> bool:
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


__all__ = [
    "POLICY_KEYS",
    "RETRY_OPTIONS",
    "tuning_without_retry",
    "app_wide_retry_policy",
    "base_attr",
    "cache_fill",
    "class_retry_policy",
    "endless_retry_loops",
    "is_periodic",
    "is_polling",
    "periodic_task_names",
    "retries_bounded",
    "retry_calls",
    "schedules_tasks",
    "started_by_schedule",
    "sweeps",
    "task_base_policy",
    "takes_no_input",
    "task_starters",
]
