"""Facts shared by the jobs db rules (moved from the family module).

FD208–FD210 — the database inside background jobs (Celery, RQ, Dramatiq, APScheduler).

A worker process is not a request: nothing pushes a Flask application
context for a task and nothing ends its SQLAlchemy session unless the code
says so.  These rules ask, for every function that runs as (or under) a job,
whether the project provides what the ORM needs: an app context for
Flask-SQLAlchemy (a ``with app.app_context():`` on the job's call chain, or a
Celery ``Task`` base class whose ``__call__`` pushes one — the Flask docs'
``celery_init_app``/``ContextTask`` pattern), and an end for plain
``scoped_session``/``sessionmaker`` sessions.
"""

from __future__ import annotations

import ast
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.model import (
    JOB,
    SQLALCHEMY_TYPES,
    FunctionInfo,
    ModelInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.context import (
    Context,
)

CONTEXT_INTEGRATIONS = ("flask_rq2", "flask_celeryext", "flask_celery", "celery_flask", "flask_apscheduler_ctx")
SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.scoped_session", "sqlalchemy.orm.session.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session", "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session",
    "sqlmodel.Session",
}
CLEANUP_METHODS = {"remove", "close", "rollback", "commit"}


def _walk_calls(fn_node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(fn_node) if isinstance(n, ast.Call)]


def _pushes_context(node: ast.AST) -> ast.Call | None:
    """The first ``x.app_context()`` / ``x.test_request_context()`` call inside ``node``."""
    cache_owner = node
    cached = getattr(cache_owner, "_fd_ctx_call", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found = None
    for call in _walk_calls(node):
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("app_context", "test_request_context"):
            found = call
            break
    cache_owner._fd_ctx_call = found  # type: ignore[attr-defined]
    return found


def _pushes_for_good(node: ast.AST) -> bool:
    """``app.app_context().push()`` (a ``with`` block ends before the task runs)."""
    for call in _walk_calls(node):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "push" and _pushes_context(call.func.value):
            return True
    return False


def project_context_provider(project: Project) -> Evidence | None:
    """Something that gives every task an app context (ContextTask, task_prerun hook, an integration)."""
    cached = getattr(project, "_fd_ctx_provider", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found: Evidence | None = None
    for cls in project.classes.values():
        for stmt in cls.node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            task_like = any("task" in b.rsplit(".", 1)[-1].lower() for b in cls.bases)
            if (stmt.name == "__call__" or (task_like and stmt.name in ("before_start", "run"))) and task_like and _pushes_context(stmt):
                found = Evidence(f"task base class `{cls.name}` pushes an app context in `{stmt.name}`", Location(cls.module.path, cls.node.lineno, cls.node.col_offset + 1))
                break
        if found:
            break
    if found is None:
        for fn in project.functions.values():
            if any("task_prerun" in d or "worker_process_init" in d or "task_pre_run" in d for d in fn.decorators) and _pushes_for_good(fn.node):
                found = Evidence(f"`{fn.display}` pushes an app context before each task", fn.location)
                break
    if found is None:
        for module_name, records in project.imports.items():
            for record in records:
                if record.module.startswith(CONTEXT_INTEGRATIONS):
                    module = project.modules.get(module_name)
                    found = Evidence(f"`{record.module}` runs jobs inside an app context", Location(module.path if module else module_name, record.line, record.column))
                    break
            if found:
                break
    if found is None:
        # a worker script: ``with app.app_context(): worker.work()`` or a module-level push
        for module in project.modules.values():
            for stmt in module.tree.body:
                target = stmt
                if isinstance(stmt, ast.If):  # if __name__ == "__main__":
                    for inner in stmt.body:
                        if _pushes_context(inner) and ("work" in ast.unparse(inner) or "push" in ast.unparse(inner)):
                            found = Evidence("the worker script runs inside an app context", Location(module.path, inner.lineno, inner.col_offset + 1))
                            break
                elif isinstance(target, (ast.Expr, ast.With)) and _pushes_context(target):
                    found = Evidence("an app context is pushed for the whole worker process", Location(module.path, stmt.lineno, stmt.col_offset + 1))
                if found:
                    break
            if found:
                break
    project._fd_ctx_provider = found  # type: ignore[attr-defined]
    return found


def _job_chain(project: Project, fn: FunctionInfo) -> list[FunctionInfo]:
    return [project.functions[q] for q in project.chain(fn.qualname, JOB) if q in project.functions]


def chain_pushes_context(project: Project, fn: FunctionInfo) -> bool:
    """A ``with app.app_context():`` (or push) in the task or any function between it and ``fn``."""
    probe: FunctionInfo | None = fn
    while probe is not None:  # closures run where their parent runs
        if _pushes_context(probe.node):
            return True
        probe = probe.parent
    return any(_pushes_context(f.node) for f in _job_chain(project, fn))


def _fsa_model(model: ModelInfo, project: Project) -> bool:
    """The model is a Flask-SQLAlchemy ``db.Model`` (its ``query`` needs an app context)."""
    stack, seen = [model.qualname], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.endswith(".Model"):
            owner = project.objects.get(current[: -len(".Model")])
            if owner is not None and project.is_subtype(owner.type, SQLALCHEMY_TYPES):
                return True
        cls = project.classes.get(current)
        if cls is not None:
            stack.extend(cls.bases)
            continue
        module_name, _, name = current.rpartition(".")
        module = project.modules.get(module_name)
        for stmt in module.tree.body if module is not None else []:
            value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
                text = dotted(value) or ""
                if text.endswith(".Model"):
                    owner = project.objects.get(f"{module_name}.{text[: -len('.Model')]}")
                    if owner is None or project.is_subtype(owner.type, SQLALCHEMY_TYPES):
                        return True
    return False


def _job_code(ctx: Context) -> bool:
    return ctx.function is not None and JOB in ctx.contexts and not ctx.is_test_code()


# ===================================================================== FD210
def _memoised(fn: FunctionInfo) -> bool:
    if any(d.endswith(("lru_cache", "cache", "cached_property")) for d in fn.decorators):
        return True
    return any(isinstance(n, ast.Global) for n in ast.walk(fn.node))


# ===================================================================== FD209
def session_factories(project: Project) -> dict[str, tuple[str, Location]]:
    """Module-level plain SQLAlchemy session factories: qualname -> (kind, where)."""
    cached = getattr(project, "_fd_session_factories", None)
    if cached is not None:
        return cached
    found: dict[str, tuple[str, Location]] = {}
    for obj in project.objects.values():
        kind = None
        if obj.type in SESSION_FACTORIES:
            kind = "scoped_session" if obj.type.endswith("scoped_session") else (
                "sessionmaker" if obj.type.endswith("sessionmaker") else "session"
            )
        if kind:
            found[obj.qualname] = (kind, obj.location)
    project._fd_session_factories = found  # type: ignore[attr-defined]
    return found


def project_session_cleanup(project: Project) -> Evidence | None:
    """A hook that ends sessions after each task (task_postrun, after_return, teardown + context)."""
    cached = getattr(project, "_fd_session_cleanup", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found: Evidence | None = None
    factories = session_factories(project)
    short = {q.rsplit(".", 1)[-1] for q in factories}

    def removes(node: ast.AST) -> bool:
        for call in _walk_calls(node):
            if isinstance(call.func, ast.Attribute) and call.func.attr in ("remove", "close", "close_all", "close_all_sessions"):
                base = dotted(call.func.value) or ""
                if base.rsplit(".", 1)[-1] in short or "session" in base.lower() or call.func.attr.startswith("close_all"):
                    return True
        return False

    for fn in project.functions.values():
        hook = any(k in d for d in fn.decorators for k in ("task_postrun", "task_post_run", "after_task_publish", "task_success", "task_failure", "worker_process_shutdown"))
        if (hook or fn.name in ("after_return", "on_success", "on_failure")) and removes(fn.node):
            found = Evidence(f"`{fn.display}` ends the session after each task", fn.location)
            break
    if found is None and project_context_provider(project) is not None:
        for fn in project.functions.values():
            if "teardown" in fn.roles and removes(fn.node):
                found = Evidence(f"`{fn.display}` removes the session when the task's app context pops", fn.location)
                break
    project._fd_session_cleanup = found  # type: ignore[attr-defined]
    return found
