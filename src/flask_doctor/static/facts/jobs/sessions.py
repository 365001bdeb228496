"""Facts about plain SQLAlchemy sessions in jobs: which factories exist, and what ends their sessions.

Flask-SQLAlchemy removes its session when the app context pops; a plain
``scoped_session``/``sessionmaker`` session lives until the code closes it.
In a worker that never happens by itself: the connection stays checked out,
idle in transaction, after the task.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.jobs.context import (
    app_context_provider,
    calls_in,
    job_chain,
)
from flask_doctor.static.names import dotted

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.context import Context
    from flask_doctor.static.model import FunctionInfo, Project

SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.session.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session",
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlmodel.Session",
}
#: Methods that end (or settle) a session's transaction.
CLEANUP_METHODS = {"remove", "close", "rollback", "commit"}
_ENDS = ("remove", "close", "close_all", "close_all_sessions")
_POSTRUN_HOOKS = (
    "task_postrun",
    "task_post_run",
    "after_task_publish",
    "task_success",
    "task_failure",
    "worker_process_shutdown",
)


@project_fact
def session_factories(project: Project) -> dict[str, tuple[str, Location]]:
    """Module-level plain SQLAlchemy session factories: qualname -> (kind, where)."""
    found: dict[str, tuple[str, Location]] = {}
    for obj in project.objects.values():
        if obj.type in SESSION_FACTORIES:
            if obj.type.endswith("scoped_session"):
                kind = "scoped_session"
            else:
                kind = "sessionmaker" if obj.type.endswith("sessionmaker") else "session"
            found[obj.qualname] = (kind, obj.location)
    return found


def session_factory(node: ast.AST, ctx: Context) -> tuple[str, str, Location] | None:
    """(name, kind, where) when ``node`` is a module-level session factory: ``Session`` or ``db.session``.

    ``db.session`` counts when ``db`` is a project module holding a
    ``scoped_session`` (not Flask-SQLAlchemy's ``db.session``, which is not in
    :func:`session_factories`).
    """
    name = dotted(node)
    if not name:
        return None
    if "." in name:
        qualified = ctx.qualified(node)
        if qualified is None or qualified.rsplit(".", 1)[0] not in ctx.project.modules:
            return None
    else:
        qualified = ctx.qualified(node) or f"{ctx.module.name}.{name}"
    found = session_factories(ctx.project).get(qualified)
    if found is None:
        return None
    return (name, *found)


@project_fact
def query_properties(project: Project) -> dict[str, tuple[str, str, Location]]:
    """``Base.query = Session.query_property()``: class qualname -> (factory name, kind, where).

    Every model under that base runs ``Model.query`` on the scoped session.
    """
    found: dict[str, tuple[str, str, Location]] = {}
    factories = session_factories(project)
    if not factories:
        return found
    for module in project.modules.values():
        if "query_property" not in module.text:
            continue
        table = project.module_imports.get(module.name)
        for stmt in module.tree.body:
            if not (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Attribute)
                and stmt.value.func.attr == "query_property"
            ):
                continue
            factory = dotted(stmt.value.func.value) or ""
            qualified = (table.qualify(factory) if table is not None else None) or f"{module.name}.{factory}"
            info = factories.get(qualified)
            if info is None:
                continue
            for target in stmt.targets:
                if isinstance(target, ast.Attribute) and target.attr == "query":
                    owner = dotted(target.value) or ""
                    owner_q = (table.qualify(owner) if table is not None else None) or f"{module.name}.{owner}"
                    found[owner_q] = (factory, *info)
    return found


def query_property_session(node: ast.AST, ctx: Context) -> tuple[str, str, Location] | None:
    """``Post.query`` where a base of ``Post`` got ``query = Session.query_property()``: the scoped session used."""
    if not (isinstance(node, ast.Attribute) and node.attr == "query"):
        return None
    owners = query_properties(ctx.project)
    if not owners:
        return None
    name = dotted(node.value)
    model = ctx.project.models.get((name or "").rsplit(".", 1)[-1])
    if model is None:
        return None
    for qualname in ctx.project.lineage(model.qualname):
        if qualname in owners:
            return owners[qualname]
    return None


@project_fact
def session_cleanup_hook(project: Project) -> Evidence | None:
    """A hook that ends sessions after each task (task_postrun, after_return, teardown + context)."""
    short = {q.rsplit(".", 1)[-1] for q in session_factories(project)}

    def removes(node: ast.AST) -> bool:
        for call in calls_in(node):
            if isinstance(call.func, ast.Attribute) and call.func.attr in _ENDS:
                base = dotted(call.func.value) or ""
                if (
                    base.rsplit(".", 1)[-1] in short
                    or "session" in base.lower()
                    or call.func.attr.startswith("close_all")
                ):
                    return True
        return False

    for fn in project.functions.values():
        hook = any(k in d for d in fn.decorators for k in _POSTRUN_HOOKS)
        if (hook or fn.name in ("after_return", "on_success", "on_failure")) and removes(fn.node):
            return Evidence(f"`{fn.display}` ends the session after each task", fn.location)
    if app_context_provider(project) is not None:
        for fn in project.functions.values():
            if "teardown" in fn.roles and removes(fn.node):
                return Evidence(f"`{fn.display}` removes the session when the task's app context pops", fn.location)
    return None


def session_ended(project: Project, name: str, fn: FunctionInfo) -> bool:
    """``name.remove()``/``close()`` in a ``finally`` (or at all) on the job's chain, or a ``with``."""
    scopes: list[ast.AST] = []
    for f in [fn, *job_chain(project, fn)]:
        scopes.append(f.node)
        for node in ast.walk(f.node):  # ``with sessions_scope() as session:``: the helper's ``finally`` ends it
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.context_expr, ast.Call):
                        helper = project.resolve_function(dotted(item.context_expr.func) or "", f, f.module)
                        if helper is not None:
                            scopes.append(helper.node)
        for deco in f.node.decorator_list:  # @scoped_session_decorator-style wrappers
            target = deco.func if isinstance(deco, ast.Call) else deco
            wrapper = project.resolve_function(dotted(target) or "", f, f.module)
            if wrapper is not None:
                scopes.append(wrapper.node)
                for call in calls_in(wrapper.node):  # ``with sessions_scope():`` inside the wrapper
                    inner = project.resolve_function(dotted(call.func) or "", wrapper, wrapper.module)
                    if inner is not None:
                        scopes.append(inner.node)
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Try) and node.finalbody:
                for call in calls_in(ast.Module(body=node.finalbody, type_ignores=[])):
                    if isinstance(call.func, ast.Attribute) and call.func.attr in ("remove", "close"):
                        return True
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.context_expr, ast.Name) and item.context_expr.id == name:
                        return True
                    if isinstance(item.context_expr, ast.Call) and dotted(item.context_expr.func) in (
                        "contextlib.closing",
                        "closing",
                    ):
                        return True
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("remove", "close")
                and dotted(node.func.value) == name
            ):
                return True
    return False


__all__ = [
    "CLEANUP_METHODS",
    "SESSION_FACTORIES",
    "session_cleanup_hook",
    "session_ended",
    "session_factories",
    "session_factory",
    "query_properties",
    "query_property_session",
]
