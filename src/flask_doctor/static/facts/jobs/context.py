"""Facts about job code and its application context.

Flask-SQLAlchemy's ``db.session`` and ``Model.query`` need an app context.
A job has one when something pushes it: a ``with app.app_context():`` in
the task or on the call chain to the code, a Celery ``Task`` base class
whose ``__call__`` pushes one (the Flask docs' ``celery_init_app`` /
``ContextTask`` pattern), a ``task_prerun`` hook, an integration such as
Flask-RQ2, or a worker script that runs inside one.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import keyed_fact, project_fact
from flask_doctor.static.model import FLASK_TYPES, JOB
from flask_doctor.static.model.workers import is_celery_task_class
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import walk

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

#: Integrations that run every job inside an app context.
CONTEXT_INTEGRATIONS = ("flask_rq2", "flask_celeryext", "flask_celery", "celery_flask", "flask_apscheduler_ctx")
_PRERUN_HOOKS = ("task_prerun", "worker_process_init", "task_pre_run")


def calls_in(node: ast.AST) -> list[ast.Call]:
    """Every call inside ``node`` (nested functions included)."""
    return [n for n in walk(node) if isinstance(n, ast.Call)]


def is_job_code(ctx: Context) -> bool:
    """Inside a function that runs as (or under) a job, outside the tests."""
    return ctx.function is not None and JOB in ctx.contexts and not ctx.is_test_code()


def job_chain(project: Project, fn: FunctionInfo) -> list[FunctionInfo]:
    """The functions from the job down to ``fn`` (the call chain that makes ``fn`` job code)."""
    return [project.functions[q] for q in project.chain(fn.qualname, JOB) if q in project.functions]


@keyed_fact
def pushed_context(project: Project, node: ast.AST) -> ast.Call | None:
    """The first ``x.app_context()`` / ``x.test_request_context()`` call inside ``node``."""
    for call in calls_in(node):
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("app_context", "test_request_context"):
            return call
    return None


def _pushes_for_good(project: Project, node: ast.AST) -> bool:
    """``app.app_context().push()`` (a ``with`` block ends before the task runs)."""
    for call in calls_in(node):
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "push"
            and pushed_context(project, call.func.value)
        ):
            return True
    return False


@project_fact
def app_context_provider(project: Project) -> Evidence | None:
    """Something that gives every task an app context (ContextTask, task_prerun hook, an integration)."""
    found = _context_provider(project)
    return found[0] if found is not None else None


@project_fact
def _context_provider(project: Project) -> tuple[Evidence, ast.Call | None, FunctionInfo | None] | None:
    """:func:`app_context_provider`, with the ``x.app_context()`` call and the function making it when known."""
    for cls in project.classes.values():
        for stmt in cls.node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            task_like = any("task" in b.rsplit(".", 1)[-1].lower() for b in cls.bases)
            runs_task = stmt.name == "__call__" or (task_like and stmt.name in ("before_start", "run"))
            call = pushed_context(project, stmt) if runs_task and task_like else None
            if call is not None:
                where = Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1)
                evidence = Evidence(f"task base class `{cls.name}` pushes an app context in `{stmt.name}`", where)
                return evidence, call, project.functions.get(f"{cls.qualname}.{stmt.name}")
    for fn in project.functions.values():
        hook = any(h in d for d in fn.decorators for h in _PRERUN_HOOKS)
        if hook and _pushes_for_good(project, fn.node):
            return Evidence(f"`{fn.display}` pushes an app context before each task", fn.location), None, None
    for module_name, records in project.imports.items():
        for record in records:
            if record.module.startswith(CONTEXT_INTEGRATIONS):
                module = project.modules.get(module_name)
                where = Location(module.path if module else module_name, record.line, record.column)
                return Evidence(f"`{record.module}` runs jobs inside an app context", where), None, None
    # a worker script: ``with app.app_context(): worker.work()`` or a module-level push
    for module in project.modules.values():
        for stmt in module.tree.body:
            if isinstance(stmt, ast.If):  # if __name__ == "__main__":
                for inner in stmt.body:
                    text = ast.unparse(inner)
                    if pushed_context(project, inner) and ("work" in text or "push" in text):
                        where = Location(module.path, inner.lineno, inner.col_offset + 1)
                        return Evidence("the worker script runs inside an app context", where), None, None
            elif isinstance(stmt, (ast.Expr, ast.With)) and pushed_context(project, stmt):
                where = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                return Evidence("an app context is pushed for the whole worker process", where), None, None
    return None


@project_fact
def job_context_app(project: Project) -> tuple[str, str] | None:
    """Which app the tasks' app context (:func:`app_context_provider`) belongs to, when it can be told.

    ``("new", factory)``: an app the provider's function builds itself
    (``app = create_app()`` next to a ``ContextTask``), a fresh object that
    only what ``factory`` registers applies to; ``("object", qualname)``: a
    module-level app. None when it cannot be told (a parameter, an
    integration, a hook).
    """
    found = _context_provider(project)
    if found is None or found[1] is None or found[2] is None:
        return None
    _, call, fn = found
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    name = dotted(receiver) if receiver is not None else None
    if not name or "." in name:
        return None
    probe: FunctionInfo | None = fn
    while probe is not None:  # a ContextTask defined inside ``create_celery_app`` sees its ``app``
        if name in probe.local_types:
            factory = project.functions.get(probe.local_types[name])
            if factory is not None and "factory" in factory.roles and _returns_new_app(factory):
                return "new", factory.qualname
            if project.is_subtype(probe.local_types[name], FLASK_TYPES):
                return "new", probe.local_types[name]
            return None
        if name in probe.local_names:
            return None
        probe = probe.parent
    table = fn.imports
    qualified = table.qualify(name) if table is not None else None
    for candidate in (qualified, f"{fn.module.name}.{name}"):
        if candidate and project.canonical(candidate) in project.objects:
            return "object", project.canonical(candidate)
    return None


def _returns_new_app(factory: FunctionInfo) -> bool:
    """The factory returns an app it builds (``return app`` of a local), not a module-level one it configures."""
    returns: list[ast.Return] = []
    stack: list[ast.AST] = list(factory.node.body)
    while stack:  # the factory's own statements, not those of functions nested in it
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            returns.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return bool(returns) and all(
        isinstance(r.value, ast.Name) and r.value.id in factory.local_names and r.value.id not in factory.global_names
        for r in returns
    )


#: RQ worker classes that run each job in the worker process itself (no fork).
_NO_FORK_WORKERS = ("SimpleWorker", "ThreadPoolWorker", "SpawnWorker")


@project_fact
def rq_forks_per_job(project: Project) -> bool:
    """RQ's default ``Worker`` forks a work horse per job, and the project does not pick a non-forking worker.

    In the forked child every connection, session and pushed context dies
    with the process when the job ends, so "never removed"/"never popped"
    does not leak across RQ jobs. ``SimpleWorker`` (or ``rq worker -w
    rq.SimpleWorker`` in a deploy file) runs jobs in one long-lived process
    instead.
    """
    for module in project.modules.values():
        if any(name in module.text for name in _NO_FORK_WORKERS):
            return False
    deploy = project.deploy
    for command in deploy.commands if deploy is not None else []:
        if any(name in " ".join(command.argv) for name in _NO_FORK_WORKERS):
            return False
    return True


def job_frameworks(project: Project, fn: FunctionInfo) -> set[str]:
    """The frameworks of the jobs that reach ``fn`` ('celery', 'rq', ...; empty when unknown)."""
    from flask_doctor.static.facts.jobs.tasks import task_framework

    chain = project.chain(fn.qualname, JOB)
    root = project.functions.get(chain[0]) if chain else None
    found = task_framework(project, root) if root is not None else None
    return {found} if found else set()


def forked_per_job(project: Project, fn: FunctionInfo) -> bool:
    """``fn`` runs in an RQ job whose worker forks a process per job (state dies with the job)."""
    return job_frameworks(project, fn) == {"rq"} and rq_forks_per_job(project)


def chain_pushes_context(project: Project, fn: FunctionInfo) -> bool:
    """A ``with app.app_context():`` (or push) in the task or any function between it and ``fn``.

    Not ``current_app.app_context()``: in a worker with no context yet, ``current_app`` itself raises
    "Working outside of application context"; it only re-enters a context that already exists.
    """
    probe: FunctionInfo | None = fn
    while probe is not None:  # closures run where their parent runs
        if _gives_context(project, probe):
            return True
        probe = probe.parent
    return any(_gives_context(project, f) for f in job_chain(project, fn))


def context_pops_after(project: Project, fn: FunctionInfo, line: int) -> bool:
    """After the job reaches line ``line`` of ``fn``, a function on its chain calls a project function that
    runs ``with app.app_context():`` (or pushes one).

    Flask-SQLAlchemy 2.x keys its scoped session by thread and removes it in the extension's
    ``teardown_appcontext``: a context the same task pushes and pops later, on the same thread, ends the
    session the earlier context-free query left open, so nothing carries over to the next task.
    """
    chain = job_chain(project, fn)
    if not chain or chain[-1] is not fn:
        chain = [*chain, fn]
    for index, caller in enumerate(chain):
        following = chain[index + 1] if index + 1 < len(chain) else None
        callees = [(project.resolve_function(name, caller, caller.module), call) for name, call in caller.calls]
        if following is None:
            after = line
        else:
            steps = [call.lineno for callee, call in callees if callee is following]
            if not steps:
                continue
            after = min(steps)
        for callee, call in callees:
            if callee is None or callee is following or callee is caller or call.lineno <= after:
                continue
            if _gives_context(project, callee):
                return True
    return False


def _gives_context(project: Project, fn: FunctionInfo) -> bool:
    for call in calls_in(fn.node):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("app_context", "test_request_context")):
            continue
        receiver = dotted(call.func.value) or ""
        if (fn.imports.qualify(receiver) if fn.imports is not None else None) != "flask.current_app":
            return True
    return False


#: Methods Celery's worker runs around every task of a ``Task`` class.
_PER_TASK_METHODS = ("__call__", "before_start")


def runs_per_task(project: Project, fn: FunctionInfo) -> bool:
    """Code Celery runs around every task: ``__call__``/``before_start`` of a ``Task`` subclass (the app's
    ``ContextTask``), or a ``task_prerun`` handler (``worker_process_init`` runs once per process)."""
    if fn.class_name is not None and fn.name in _PER_TASK_METHODS:
        cls = project.classes.get(fn.qualname.rsplit(".", 1)[0])
        if cls is not None and (
            is_celery_task_class(project, cls.qualname)
            or any("task" in b.rsplit(".", 1)[-1].lower() for b in cls.bases)
        ):
            return True
    return any(d.endswith(("task_prerun.connect", "task_pre_run.connect")) for d in fn.decorators)


def is_memoised(fn: FunctionInfo) -> bool:
    """``fn`` caches what it builds (``lru_cache``/``cache``, or a ``global`` it fills once)."""
    if any(d.endswith(("lru_cache", "cache", "cached_property")) for d in fn.decorators):
        return True
    return any(isinstance(n, ast.Global) for n in walk(fn.node))


__all__ = [
    "CONTEXT_INTEGRATIONS",
    "app_context_provider",
    "calls_in",
    "chain_pushes_context",
    "forked_per_job",
    "job_frameworks",
    "is_job_code",
    "is_memoised",
    "job_chain",
    "job_context_app",
    "pushed_context",
    "runs_per_task",
    "rq_forks_per_job",
]
