"""Facts about plain SQLAlchemy sessions in jobs: which factories exist, and what ends their sessions.

Flask-SQLAlchemy removes its session when the app context pops; a plain
``scoped_session``/``sessionmaker`` session lives until the code closes it.
In a worker that never happens by itself: the connection stays checked out,
idle in transaction, after the task.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.errors import body_nodes
from flask_doctor.static.facts.jobs.context import (
    app_context_provider,
    calls_in,
    chain_pushes_context,
    context_pops_after,
    forked_per_job,
    job_chain,
    job_context_app,
    pushed_context,
)
from flask_doctor.static.facts.jobs.tasks import default_task_classes
from flask_doctor.static.facts.orm.models import (
    bound_to_app,
    flask_sqlalchemy_before_3,
    is_db,
    is_flask_sqlalchemy_model,
    model_for,
)
from flask_doctor.static.facts.orm.queries import helper_context
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import JOB, REQUEST
from flask_doctor.static.model.dispatch import DispatchEdges
from flask_doctor.static.names import dotted
from flask_doctor.static.syntax import walk

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


@dataclass(frozen=True, eq=False)
class CleanupHook:
    """Something that ends sessions after tasks, and which tasks it serves.

    ``kind`` is ``"signal"`` (``task_postrun`` & co: every task), ``"base"``
    (``after_return`` on a task class: tasks of that class, ``scope`` its
    qualname) or ``"teardown"`` (a teardown on an app, run when a task's app
    context pops: ``scope`` is ``"object:<app qualname>"`` for a module-level
    app, ``"function:<qualname>"`` when registered inside a function, or
    empty when unknown).
    """

    evidence: Evidence
    kind: str
    scope: str = ""


_TEARDOWN_REGISTRARS = ("teardown_appcontext", "teardown_request", "teardown_app_request")


@project_fact
def session_cleanup_hooks(project: Project) -> list[CleanupHook]:
    """Hooks that end sessions after tasks (task_postrun, after_return, teardown)."""
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

    hooks: list[CleanupHook] = []
    for fn in project.functions.values():
        hook = any(k in d for d in fn.decorators for k in _POSTRUN_HOOKS)
        # ``after_return`` on a task class, or its ``__call__`` wrapping every run (``try: return
        # super().__call__(...)`` / ``finally: Session.remove()``, as a ContextTask does)
        if (hook or fn.name in ("after_return", "on_success", "on_failure", "__call__")) and removes(fn.node):
            evidence = Evidence(f"`{fn.display}` ends the session after each task", fn.location)
            if not hook and fn.class_name and fn.parent is None:
                hooks.append(CleanupHook(evidence, "base", fn.qualname.rsplit(".", 1)[0]))
            else:
                hooks.append(CleanupHook(evidence, "signal"))
    for fn, scope in _teardowns(project):
        if removes(fn.node):
            evidence = Evidence(f"`{fn.display}` removes the session when the task's app context pops", fn.location)
            hooks.append(CleanupHook(evidence, "teardown", scope))
    return hooks


def _teardowns(project: Project) -> list[tuple[FunctionInfo, str]]:
    """Teardown functions and where they are registered (see :class:`CleanupHook`)."""
    found: list[tuple[FunctionInfo, str]] = []
    for fn in project.functions.values():
        registrars = [d for d in fn.decorators if d.rsplit(".", 1)[-1] in _TEARDOWN_REGISTRARS]
        if not registrars and "teardown" not in fn.roles:
            continue
        found.append((fn, _registered_on(project, registrars[0].rsplit(".", 1)[0] if registrars else "", fn.parent)))
    for site in project.calls:
        if site.name.rsplit(".", 1)[-1] in _TEARDOWN_REGISTRARS and site.node.args:
            registered = project.resolve_function(dotted(site.node.args[0]) or "", site.function, site.module)
            if registered is not None:
                owner = site.name.rsplit(".", 1)[0] if "." in site.name else ""
                found.append((registered, _registered_on(project, owner, site.function)))
    return found


def _registered_on(project: Project, owner: str, scope: FunctionInfo | None) -> str:
    """``function:<q>`` inside a function, ``object:<app>`` on a module-level app, else empty."""
    if scope is not None:
        return f"function:{scope.qualname}"
    if owner and project.canonical(owner) in project.objects:
        return f"object:{project.canonical(owner)}"
    return ""


def session_cleanup_for(project: Project, fn: FunctionInfo) -> Evidence | None:
    """A hook that ends the session after the task running ``fn`` (None: nothing ends it).

    A ``task_postrun`` hook serves every task; an ``after_return`` on a task
    class serves the tasks built on that class (``base=`` or a subclass), or
    every task when the class is the app's default ``Task``; a teardown serves
    tasks whose app context (:func:`app_context_provider`) is the app it is
    registered on. When which task or app cannot be told, the hook counts.
    """
    hooks = session_cleanup_hooks(project)
    if not hooks:
        return None
    chain = project.chain(fn.qualname, JOB)
    root = project.functions.get(chain[0]) if chain else fn
    for hook in hooks:
        if hook.kind == "signal":
            return hook.evidence
        if hook.kind == "base" and _task_on_base(project, root or fn, hook.scope):
            return hook.evidence
    if app_context_provider(project) is not None:
        worker = job_context_app(project)
    elif chain_pushes_context(project, fn):
        worker = _pushed_app(project, [*job_chain(project, fn), fn])  # ``with app.app_context():`` in the job
    else:
        return None
    for hook in hooks:
        if hook.kind == "teardown" and _teardown_serves(hook.scope, worker):
            return hook.evidence
    return None


def _pushed_app(project: Project, chain: list[FunctionInfo]) -> tuple[str, str] | None:
    """``("object", qualname)`` when the job pushes the context of a module-level app (None: cannot tell)."""
    for fn in chain:
        call = pushed_context(project, fn.node)
        if call is None or not isinstance(call.func, ast.Attribute):
            continue
        name = dotted(call.func.value)
        factory = project.functions.get(fn.local_types.get(name or "", ""))
        if factory is not None and "factory" in factory.roles:
            return "new", factory.qualname  # ``app = create_app()`` in the job: only what the factory registers
        if not name or name in fn.local_names:
            return None
        qualified = (fn.imports.qualify(name) if fn.imports is not None else None) or f"{fn.module.name}.{name}"
        canonical = project.canonical(qualified)
        return ("object", canonical) if canonical in project.objects else None
    return None


def _task_on_base(project: Project, task: FunctionInfo, base: str) -> bool:
    """The task runs on task class ``base``: ``base=`` names it (or a subclass), the task is a method of one,
    or ``base`` is the default ``Task`` of the Celery app. True when the task's base cannot be resolved."""
    if base in _default_task_classes(project):
        return True
    if task.class_name and task.parent is None:
        return base in project.lineage(task.qualname.rsplit(".", 1)[0])
    given = task.task_options.get("base")
    if given is None:
        return False
    name = dotted(given)
    if not name:
        return True
    qualified = task.imports.qualify(name) if task.imports is not None else None
    for candidate in (qualified, f"{task.module.name}.{name}"):
        if candidate and project.canonical(candidate) in project.classes:
            return base in project.lineage(project.canonical(candidate))
    return True  # a base outside the project, or one not resolved: it may be the hook's class


@project_fact
def _default_task_classes(project: Project) -> set[str]:
    """Every task's default classes (:func:`default_task_classes`) with their bases."""
    found: set[str] = set()
    for qualname in default_task_classes(project):
        found.update(project.lineage(qualname))
    return found


def _teardown_serves(scope: str, worker: tuple[str, str] | None) -> bool:
    """A teardown registered at ``scope`` runs when the worker app's context pops (True when unsure)."""
    if worker is None or not scope:
        return True
    kind, app = worker
    if scope.startswith("object:"):
        # on a module-level app: a worker's own ``create_app()`` is another object
        return kind == "object" and scope == f"object:{app}"
    # registered inside a function: the factory (or something it calls) registers it on every app it makes
    return True


@project_fact
def first_session_uses(project: Project) -> dict[tuple[str, str, int], tuple[str, int, int]]:
    """(task, factory path, factory line) -> where the task's call chain first uses that scoped session.

    One task whose helpers use the session a dozen times leaks one session,
    not twelve: a use in a helper is reported only when it is the first of
    its task's (the task's own uses first, then the helpers nearest the task). Uses through a model's
    ``query`` property are not listed.
    """
    factories = {q: info for q, info in session_factories(project).items() if info[0] == "scoped_session"}
    found: dict[tuple[str, str, int], tuple[int, str, int, int]] = {}
    if not factories:
        return {}
    for site in project.calls:
        fn = site.function
        if fn is None or JOB not in fn.contexts or is_test_path(site.module.path):
            continue
        if not isinstance(site.node.func, ast.Attribute) or site.node.func.attr in CLEANUP_METHODS | {"configure"}:
            continue
        owner = site.name.rsplit(".", 1)[0]
        info = factories.get(owner) or factories.get(project.canonical(owner))
        if info is None:
            continue
        chain = project.chain(fn.qualname, JOB)
        root = chain[0] if chain else fn.qualname
        key = (root, info[1].path, info[1].line)
        rank = (len(chain), site.module.path, site.node.lineno, site.node.col_offset)
        if key not in found or rank < found[key]:
            found[key] = rank
    return {key: rank[1:] for key, rank in found.items()}


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


@dataclass(frozen=True, eq=False)
class ContextFreeSession:
    """Flask-SQLAlchemy 2.x's session used by a task that runs with no app context: nothing ever removes it."""

    task: FunctionInfo
    function: FunctionInfo  # the task, or the helper it calls that holds the use
    node: ast.expr  # ``db.session`` / ``Post.query``


@project_fact
def context_free_flask_sqlalchemy(project: Project) -> list[ContextFreeSession]:
    """The first use of Flask-SQLAlchemy's session in each task that no app context surrounds, in source order.

    Flask-SQLAlchemy 2.x, bound to its app (``SQLAlchemy(app)``, ``db.app =
    app``), answers ``db.session`` outside any context from the bound app.
    Its scoped session is keyed by thread and removed by the extension's
    ``teardown_appcontext`` only: with no app context in the worker, nothing
    removes it, and the worker thread keeps that session (and its connection,
    idle in transaction after a read) from one task to the next. Empty unless
    the project runs 2.x (:func:`flask_sqlalchemy_before_3`), every extension
    is bound, and no Task class, hook or integration gives tasks a context.
    """
    if (
        flask_sqlalchemy_before_3(project) is None
        or bound_to_app(project) is None
        or app_context_provider(project) is not None
    ):
        return []
    firsts: dict[str, tuple[tuple[int, str, int, int], ContextFreeSession]] = {}
    for fn in project.functions.values():
        if JOB not in fn.contexts or is_test_path(fn.module.path) or forked_per_job(project, fn):
            continue
        if chain_pushes_context(project, fn):
            continue
        ctx = helper_context(project, fn)
        ending: set[int] = set()
        use: ast.expr | None = None
        for node in body_nodes(fn.node.body):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLEANUP_METHODS
            ):
                ending.add(id(node.func.value))  # ``db.session.rollback()``: not what checks a connection out
            if not isinstance(node, ast.Attribute) or id(node) in ending:
                continue
            if (node.attr == "session" and is_db(node.value, ctx)) or (
                node.attr == "query"
                and (model := model_for(node.value, ctx)) is not None
                and is_flask_sqlalchemy_model(project, model)
            ):
                use = node
                break
        if use is None or session_ended(project, "db.session", fn) or session_cleanup_for(project, fn) is not None:
            continue
        if context_pops_after(project, fn, use.lineno):
            continue  # a context the task pushes later pops on this thread: its teardown removes the session
        chain = project.chain(fn.qualname, JOB)
        task = project.functions.get(chain[0]) if chain else fn
        if task is None:
            continue
        rank = (len(chain), fn.module.path, use.lineno, use.col_offset)
        if task.qualname not in firsts or rank < firsts[task.qualname][0]:
            firsts[task.qualname] = (rank, ContextFreeSession(task, fn, use))
    found = [entry for _, entry in firsts.values()]
    return sorted(found, key=lambda e: (e.task.module.path, e.task.node.lineno))


@dataclass(frozen=True, eq=False)
class HeldSessionLeak:
    """A job reaching a ``scoped_session`` an object holds (``self.session = scoped_session(...)``), never removed."""

    entry: FunctionInfo  # the job function the work starts in: a task, or a thread/process target
    call: ast.AST  # the call in ``entry`` that leads to the use (the use itself when ``entry`` holds it)
    use: FunctionInfo
    use_node: ast.Call
    owner: str  # the class whose instances hold the session
    attr: str
    created: Location
    ender: str | None = None  # the object's own method that removes the session (``session_end``)


def _held_sessions(project: Project) -> dict[str, dict[str, Location]]:
    """Classes whose methods store a plain ``scoped_session`` on ``self``: class -> {attribute: where}."""
    held: dict[str, dict[str, Location]] = {}
    for cls in project.classes.values():
        if "scoped_session" not in cls.module.text:
            continue
        for method in cls.methods.values():
            for node in walk(method.node):
                if not (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Attribute)
                    and dotted(node.targets[0].value) == "self"
                    and isinstance(node.value, ast.Call)
                ):
                    continue
                name = dotted(node.value.func) or ""
                qualified = (method.imports.qualify(name) if method.imports is not None else None) or name
                if qualified in SESSION_FACTORIES and qualified.endswith("scoped_session"):
                    where = Location(cls.module.path, node.lineno, node.col_offset + 1)
                    held.setdefault(cls.qualname, {})[node.targets[0].attr] = where
    return held


def _job_entry(project: Project, chain: list[FunctionInfo]) -> int:
    """Index in ``chain`` of the function the job's work starts in: the last thread/process target, else the root."""
    edges = DispatchEdges(project)
    for i in range(len(chain) - 1, 0, -1):
        if any(callee is chain[i] and background for callee, background in edges.of(chain[i - 1])):
            return i
    return 0


@project_fact
def held_session_leaks(project: Project) -> list[HeldSessionLeak]:
    """Jobs that reach a ``scoped_session`` held on an object and never remove it: one per job entry and session.

    Repositories and services often keep ``self.session = scoped_session(...)``
    and give a ``session_end()`` that removes it, which request hooks call.
    A job (a Celery task, or a loop on a thread or process) that reaches the
    object's queries keeps the thread's session, and its connection idle in
    transaction, for as long as the thread lives, unless something on the
    job's way calls that method (or ``remove()``), or a hook does.
    """
    held = _held_sessions(project)
    if not held:
        return []
    enders: dict[str, set[str]] = {}
    for owner, attrs in held.items():
        names = enders.setdefault(owner, set())
        for fn in project.functions.values():
            if not fn.class_name or owner not in project.lineage(fn.qualname.rsplit(".", 1)[0]):
                continue
            for call in calls_in(fn.node):
                if (
                    isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("remove", "close")
                    and dotted(call.func.value) in {f"self.{a}" for a in attrs}
                ):
                    names.add(fn.name)
    found: dict[tuple[str, str, str], tuple[tuple[int, str, int], HeldSessionLeak]] = {}
    for fn in project.functions.values():
        if not fn.class_name or JOB not in fn.contexts or is_test_path(fn.module.path):
            continue
        owner = next((q for q in project.lineage(fn.qualname.rsplit(".", 1)[0]) if q in held), None)
        if owner is None or forked_per_job(project, fn):
            continue
        attrs = held[owner]
        use = next(
            (
                call
                for call in calls_in(fn.node)
                if isinstance(call.func, ast.Attribute)
                and call.func.attr not in CLEANUP_METHODS | {"configure"}
                and isinstance(call.func.value, ast.Attribute)
                and dotted(call.func.value.value) == "self"
                and call.func.value.attr in attrs
            ),
            None,
        )
        if use is None:
            continue
        assert isinstance(use.func, ast.Attribute) and isinstance(use.func.value, ast.Attribute)
        attr = use.func.value.attr
        chain = job_chain(project, fn) or [fn]
        start = _job_entry(project, chain)
        entry = chain[start]
        ending = enders.get(owner, set())
        if any(
            isinstance(call.func, ast.Attribute)
            and (call.func.attr in ending or (call.func.attr == "remove" and "session" in ast.unparse(call.func.value)))
            for f in chain[start:]
            for call in calls_in(f.node)
        ):
            continue
        if session_cleanup_for(project, fn) is not None:
            continue
        step: ast.AST = use
        if start + 1 < len(chain):
            step = next(
                (
                    call
                    for name, call in entry.calls
                    if project.resolve_function(name, entry, entry.module) is chain[start + 1]
                ),
                entry.node,
            )
        key = (entry.qualname, owner, attr)
        rank = (len(chain), fn.module.path, use.lineno)
        if key not in found or rank < found[key][0]:
            found[key] = (
                rank,
                HeldSessionLeak(entry, step, fn, use, owner, attr, attrs[attr], min(ending, default=None)),
            )
    return sorted((leak for _, leak in found.values()), key=lambda x: (x.entry.module.path, x.call.lineno))  # type: ignore[attr-defined]


__all__ = [
    "CLEANUP_METHODS",
    "SESSION_FACTORIES",
    "CleanupHook",
    "ContextFreeSession",
    "HeldSessionLeak",
    "held_session_leaks",
    "context_free_flask_sqlalchemy",
    "first_session_uses",
    "session_cleanup_for",
    "session_cleanup_hooks",
    "session_ended",
    "session_factories",
    "session_factory",
    "query_properties",
    "query_property_session",
]


@dataclass(frozen=True)
class RequestSessionLeak:
    """A module-level plain ``scoped_session`` request code uses and nothing in the project removes."""

    factory: str  # the name as written where it is defined (``db_session``)
    where: Location  # the ``scoped_session(...)`` definition
    use: Location  # the first use in request code
    view: FunctionInfo  # the request-code function of that use
    sqlite: bool  # bound to a ``create_engine("sqlite...")`` of the same module


@project_fact
def request_session_leaks(project: Project) -> list[RequestSessionLeak]:
    """Plain ``scoped_session`` factories used in request code with no ``remove()``/``close()`` anywhere.

    Flask's docs pattern for plain SQLAlchemy (``db_session = scoped_session(...)``) removes the session in
    a ``teardown_appcontext`` function. Without it the thread-local session, with the connection it checked
    out and the transaction its first query began, carries from one request to the next on that thread. A
    ``remove()``/``close()`` on the factory anywhere in the project (a teardown, an ``after_request``, a
    helper), or ``close_all_sessions()``, counts as handled: only a factory nothing ends is listed.
    """
    factories = {q: info for q, info in session_factories(project).items() if info[0] == "scoped_session"}
    if not factories:
        return []
    ended: set[str] = set()
    first: dict[str, tuple[tuple[str, int, int], Location, FunctionInfo]] = {}
    # ``Base.query = db_session.query_property()``: ``User.query.get(uid)`` runs on ``db_session``
    by_place = {info[1]: qualified for qualified, info in factories.items()}
    property_of = {owner: by_place.get(info[2]) for owner, info in query_properties(project).items()}
    for site in project.calls:
        if is_test_path(site.module.path) or not isinstance(site.node.func, ast.Attribute):
            continue
        attr = site.node.func.attr
        if attr.startswith("close_all"):
            return []  # ``close_all_sessions()`` / ``Session.close_all()``: the project ends every session
        owner = site.name.rsplit(".", 1)[0]
        qualified = owner if owner in factories else project.canonical(owner)
        if qualified not in factories and property_of and ".query" in site.name:
            model = site.name.split(".query", 1)[0]
            qualified = next((q for c in project.lineage(model) if (q := property_of.get(c))), None) or ""
            attr = "query"
        if qualified not in factories:
            continue
        if attr in _ENDS:
            ended.add(qualified)
            continue
        fn = site.function
        if fn is None or REQUEST not in fn.contexts or attr in CLEANUP_METHODS | {"configure"}:
            continue
        rank = (site.module.path, site.node.lineno, site.node.col_offset)
        if qualified not in first or rank < first[qualified][0]:
            first[qualified] = (rank, Location(site.module.path, site.node.lineno, site.node.col_offset + 1), fn)
    leaks = []
    for qualified, (_rank, use, fn) in sorted(first.items()):
        if qualified in ended:
            continue
        where = factories[qualified][1]
        leaks.append(
            RequestSessionLeak(qualified.rsplit(".", 1)[-1], where, use, fn, _bound_to_sqlite(project, qualified))
        )
    return leaks


def _bound_to_sqlite(project: Project, qualified: str) -> bool:
    """Every ``create_engine(...)`` of the factory's module opens a SQLite URL (``"sqlite:///" + path``,
    ``"sqlite:///{0}".format(path)``, an f-string): SQLite keeps no server connection idle."""
    module = project.modules.get(qualified.rpartition(".")[0])
    if module is None or "create_engine" not in module.text:
        return False
    urls = [
        _url_prefix(node.args[0])
        for node in walk(module.tree)
        if isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "create_engine" and node.args
    ]
    return bool(urls) and all(url is not None and url.startswith("sqlite") for url in urls)


def _url_prefix(url: ast.expr) -> str | None:
    """The literal start of an engine URL expression, or None when it is not written out."""
    while True:
        if isinstance(url, ast.BinOp):
            url = url.left
        elif isinstance(url, ast.Call) and isinstance(url.func, ast.Attribute) and url.func.attr == "format":
            url = url.func.value
        elif isinstance(url, ast.JoinedStr) and url.values:
            url = url.values[0]
        else:
            break
    return url.value if isinstance(url, ast.Constant) and isinstance(url.value, str) else None
