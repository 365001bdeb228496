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
from flask_doctor.static.model import JOB

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

#: Integrations that run every job inside an app context.
CONTEXT_INTEGRATIONS = ("flask_rq2", "flask_celeryext", "flask_celery", "celery_flask", "flask_apscheduler_ctx")
_PRERUN_HOOKS = ("task_prerun", "worker_process_init", "task_pre_run")


def calls_in(node: ast.AST) -> list[ast.Call]:
    """Every call inside ``node`` (nested functions included)."""
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


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
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "push"
                and pushed_context(project, call.func.value)):
            return True
    return False


@project_fact
def app_context_provider(project: Project) -> Evidence | None:
    """Something that gives every task an app context (ContextTask, task_prerun hook, an integration)."""
    for cls in project.classes.values():
        for stmt in cls.node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            task_like = any("task" in b.rsplit(".", 1)[-1].lower() for b in cls.bases)
            runs_task = stmt.name == "__call__" or (task_like and stmt.name in ("before_start", "run"))
            if runs_task and task_like and pushed_context(project, stmt):
                where = Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1)
                return Evidence(f"task base class `{cls.name}` pushes an app context in `{stmt.name}`", where)
    for fn in project.functions.values():
        hook = any(h in d for d in fn.decorators for h in _PRERUN_HOOKS)
        if hook and _pushes_for_good(project, fn.node):
            return Evidence(f"`{fn.display}` pushes an app context before each task", fn.location)
    for module_name, records in project.imports.items():
        for record in records:
            if record.module.startswith(CONTEXT_INTEGRATIONS):
                module = project.modules.get(module_name)
                where = Location(module.path if module else module_name, record.line, record.column)
                return Evidence(f"`{record.module}` runs jobs inside an app context", where)
    # a worker script: ``with app.app_context(): worker.work()`` or a module-level push
    for module in project.modules.values():
        for stmt in module.tree.body:
            if isinstance(stmt, ast.If):  # if __name__ == "__main__":
                for inner in stmt.body:
                    text = ast.unparse(inner)
                    if pushed_context(project, inner) and ("work" in text or "push" in text):
                        where = Location(module.path, inner.lineno, inner.col_offset + 1)
                        return Evidence("the worker script runs inside an app context", where)
            elif isinstance(stmt, (ast.Expr, ast.With)) and pushed_context(project, stmt):
                where = Location(module.path, stmt.lineno, stmt.col_offset + 1)
                return Evidence("an app context is pushed for the whole worker process", where)
    return None


def chain_pushes_context(project: Project, fn: FunctionInfo) -> bool:
    """A ``with app.app_context():`` (or push) in the task or any function between it and ``fn``."""
    probe: FunctionInfo | None = fn
    while probe is not None:  # closures run where their parent runs
        if pushed_context(project, probe.node):
            return True
        probe = probe.parent
    return any(pushed_context(project, f.node) for f in job_chain(project, fn))


def is_memoised(fn: FunctionInfo) -> bool:
    """``fn`` caches what it builds (``lru_cache``/``cache``, or a ``global`` it fills once)."""
    if any(d.endswith(("lru_cache", "cache", "cached_property")) for d in fn.decorators):
        return True
    return any(isinstance(n, ast.Global) for n in ast.walk(fn.node))


__all__ = [
    "CONTEXT_INTEGRATIONS",
    "app_context_provider",
    "calls_in",
    "chain_pushes_context",
    "is_job_code",
    "is_memoised",
    "job_chain",
    "pushed_context",
]
