"""FD208–FD210 — the database inside background jobs (Celery, RQ, Dramatiq, APScheduler).

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

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.model import (
    FACTORY,
    JOB,
    SQLALCHEMY_TYPES,
    FunctionInfo,
    ModelInfo,
    Project,
)
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)
from flask_doctor.static.rules.database import is_db, model_for

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


# ===================================================================== FD208
class OrmSessionInJobWithoutAppContext(Rule):
    """
    ## What it does
    Finds `db.session` and `Model.query` (Flask-SQLAlchemy) used in Celery,
    RQ, Dramatiq or scheduler jobs when nothing gives the job a Flask
    application context.

    ## Why is this bad?
    Flask-SQLAlchemy finds its engine and scopes its session through the
    current application context. A worker process runs tasks outside any
    request, so the first `db.session` or `User.query` raises `RuntimeError:
    Working outside of application context` — every time, often only in
    production where tasks really run in a worker. Not reported: jobs whose
    call chain has `with app.app_context():`, projects whose Celery `Task`
    base class pushes a context in `__call__` (Flask's `celery_init_app` /
    `ContextTask` pattern) or a `task_prerun` hook that does, and
    integrations that do it for you (Flask-RQ2, Flask-CeleryExt).

    ## Example
    ```python
    @shared_task
    def send_digest(user_id):
        user = db.session.get(User, user_id)
    ```

    ## Use instead
    ```python
    def celery_init_app(app):
        class FlaskTask(Task):
            def __call__(self, *args, **kwargs):
                with app.app_context():
                    return self.run(*args, **kwargs)

        celery_app = Celery(app.name, task_cls=FlaskTask)
        ...
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "Background Tasks with Celery" (`celery_init_app`, `FlaskTask`)
    - Flask-SQLAlchemy 3.x: "Flask Application Context"
    """

    code = "FD208"
    name = "orm-session-in-job-without-app-context"
    severity = Severity.ERROR
    catalog = ("S21",)
    summary = "Flask-SQLAlchemy used in a background job that has no application context."

    _MODELS = """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
        """

    VALID = (
        Valid("""
            from celery import Celery, Task, shared_task
            from flask import Flask
            from models import db, User

            def celery_init_app(app):
                class FlaskTask(Task):
                    def __call__(self, *args, **kwargs):
                        with app.app_context():
                            return self.run(*args, **kwargs)

                celery_app = Celery(app.name, task_cls=FlaskTask)
                celery_app.set_default()
                return celery_app

            @shared_task(ignore_result=False)
            def deactivate(user_id):
                user = db.session.get(User, user_id)
                db.session.commit()
            """, files={"models.py": _MODELS}),
        Valid("""
            from celery import Celery
            from models import db, User
            from factory import create_app

            celery = Celery(__name__)
            flask_app = create_app()

            @celery.task
            def count_users():
                with flask_app.app_context():
                    return User.query.count()
            """, files={"models.py": _MODELS, "factory.py": """
            from flask import Flask
            def create_app():
                return Flask(__name__)
            """}),
    )
    INVALID = (
        Invalid("""
            from celery import Celery
            from models import db, User

            celery = Celery(__name__, broker="redis://localhost")

            def load(user_id):
                return User.query.get(user_id)  # expect

            @celery.task
            def send_digest(user_id):
                user = load(user_id)
                db.session.add(user)  # expect
                db.session.commit()
            """, message="no application context", files={"models.py": _MODELS}),
    )

    def __init__(self, project: Project, severity: Severity | None = None) -> None:
        super().__init__(project, severity)
        self._reported: set[str] = set()

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if not _job_code(ctx):
            return
        assert ctx.function is not None
        if ctx.function.qualname in self._reported:
            return
        if node.attr == "session" and is_db(node.value, ctx):
            what = f"`{ast.unparse(node)}`"
        elif node.attr == "query":
            model = model_for(node.value, ctx)
            if model is None or not _fsa_model(model, ctx.project):
                return
            what = f"`{ast.unparse(node)}`"
        else:
            return
        if project_context_provider(ctx.project) is not None or chain_pushes_context(ctx.project, ctx.function):
            return
        self._reported.add(ctx.function.qualname)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what} in {describe_context(ctx)} runs in a worker with no application context: it raises "
                f"\"Working outside of application context\"",
                hint="Give tasks an app context: a Celery Task base class whose __call__ runs `with app.app_context():` "
                "(Flask's celery_init_app pattern), or wrap the task body in `with app.app_context():`.",
                evidence=ctx.chain_evidence(JOB),
            )
        )


# ===================================================================== FD210
def _memoised(fn: FunctionInfo) -> bool:
    if any(d.endswith(("lru_cache", "cache", "cached_property")) for d in fn.decorators):
        return True
    return any(isinstance(n, ast.Global) for n in ast.walk(fn.node))


class AppCreatedPerTask(Rule):
    """
    ## What it does
    Finds the application factory (`create_app()`) called inside a task body,
    so a whole Flask app is built for every task run.

    ## Why is this bad?
    Building the app loads configuration, registers every blueprint and
    extension and often creates a new SQLAlchemy engine with its own pool on
    each call. Per task that costs tens to hundreds of milliseconds, and the
    engines it leaves behind keep their connections until garbage collection
    — a slow leak of database connections. Create the app once per worker
    process (at import of the worker module, or in `worker_process_init`) and
    push only a context per task.

    ## Example
    ```python
    @celery.task
    def rebuild_index():
        app = create_app()
        with app.app_context():
            ...
    ```

    ## Use instead
    ```python
    flask_app = create_app()

    @celery.task
    def rebuild_index():
        with flask_app.app_context():
            ...
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "Background Tasks with Celery"
    - Flask docs: "Application Factories"
    """

    code = "FD210"
    name = "app-created-per-task"
    severity = Severity.WARNING
    catalog = ("S21",)
    summary = "The Flask app factory runs inside every task call."

    _FACTORY = """
        from flask import Flask
        def create_app():
            app = Flask(__name__)
            return app
        """

    VALID = (
        Valid("""
            from celery import Celery
            from factory import create_app

            celery = Celery(__name__)
            flask_app = create_app()

            @celery.task
            def rebuild_index():
                with flask_app.app_context():
                    pass
            """, files={"factory.py": _FACTORY}),
        Valid("""
            from celery import Celery
            from factory import create_app

            celery = Celery(__name__)
            _app = None

            def get_app():
                global _app
                if _app is None:
                    _app = create_app()
                return _app

            @celery.task
            def rebuild_index():
                with get_app().app_context():
                    pass
            """, files={"factory.py": _FACTORY}),
    )
    INVALID = (
        Invalid("""
            from celery import Celery
            from factory import create_app

            celery = Celery(__name__)

            @celery.task
            def rebuild_index():
                app = create_app()  # expect
                with app.app_context():
                    pass
            """, message="create_app", files={"factory.py": _FACTORY}),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not _job_code(ctx):
            return
        assert ctx.function is not None
        name = dotted(node.func)
        if not name:
            return
        target = ctx.project.resolve_function(name, ctx.function, ctx.module)
        if target is None or FACTORY not in target.roles or _memoised(ctx.function):
            return
        if target is ctx.function or FACTORY in ctx.function.roles:
            return
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{name}()` builds a whole Flask app on every call of {describe_context(ctx)}: config, blueprints, "
                f"extensions and a new database engine per task",
                hint="Create the app once per worker process (module level of the worker, or worker_process_init) and push only `app.app_context()` per task.",
                evidence=[Evidence("the factory", target.location), *ctx.chain_evidence(JOB)],
            )
        )


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


class JobSessionNeverRemoved(Rule):
    """
    ## What it does
    Finds plain SQLAlchemy sessions (`scoped_session`, `sessionmaker()`)
    used in background jobs with nothing that ends them: no `remove()` or
    `close()` in a `finally`, no `with Session() as session:` block, no
    `task_postrun` hook.

    ## Why is this bad?
    A session that has run a query holds a pooled connection in an open
    transaction until it is committed, rolled back or closed. In a worker,
    a `scoped_session` lives as long as the thread, so the next task reuses
    a session with stale objects and an idle-in-transaction connection;
    sessions created per task and dropped without `close()` keep their
    connections until garbage collection. With enough tasks the pool is
    exhausted (`QueuePool limit ... reached`) and PostgreSQL fills up with
    idle-in-transaction backends. Flask-SQLAlchemy's `db.session` inside
    `with app.app_context():` is removed when the context pops and is not
    reported.

    ## Example
    ```python
    Session = scoped_session(sessionmaker(bind=engine))

    @celery.task
    def recount(post_id):
        post = Session.get(Post, post_id)
        post.comment_count = len(post.comments)
        Session.commit()
    ```

    ## Use instead
    ```python
    @celery.task
    def recount(post_id):
        try:
            post = Session.get(Post, post_id)
            post.comment_count = len(post.comments)
            Session.commit()
        finally:
            Session.remove()
    ```
    or one hook for every task:
    `@task_postrun.connect` → `Session.remove()`.

    ## Fix safety
    No automatic fix.

    ## References
    - SQLAlchemy 2.0: "Contextual/Thread-local Sessions" (`scoped_session.remove()`)
    - SQLAlchemy 2.0: "Session Basics — Opening and Closing a Session"
    - Celery: "Signals" (`task_postrun`)
    """

    code = "FD209"
    name = "job-session-never-removed"
    severity = Severity.WARNING
    catalog = ("S23",)
    summary = "A plain SQLAlchemy session used in a job is never closed or removed."

    _DB = """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker
        engine = create_engine("postgresql://app@db/app", pool_pre_ping=True)
        Session = scoped_session(sessionmaker(bind=engine))
        SessionLocal = sessionmaker(bind=engine)
        """

    VALID = (
        Valid("""
            from celery import Celery
            from database import Session, SessionLocal

            celery = Celery(__name__)

            @celery.task
            def recount(post_id):
                try:
                    Session.execute("select 1")
                    Session.commit()
                finally:
                    Session.remove()

            @celery.task
            def archive(post_id):
                with SessionLocal() as session:
                    session.execute("select 1")
                    session.commit()
            """, files={"database.py": _DB}),
        Valid("""
            from celery import Celery
            from celery.signals import task_postrun
            from database import Session

            celery = Celery(__name__)

            @task_postrun.connect
            def end_session(*args, **kwargs):
                Session.remove()

            @celery.task
            def recount(post_id):
                Session.execute("select 1")
                Session.commit()
            """, files={"database.py": _DB}),
    )
    INVALID = (
        Invalid("""
            from celery import Celery
            from database import Session, SessionLocal

            celery = Celery(__name__)

            @celery.task
            def recount(post_id):
                Session.execute("select 1")  # expect
                Session.commit()

            @celery.task
            def archive(post_id):
                session = SessionLocal()  # expect
                session.execute("select 1")
                session.commit()
            """, message="never", files={"database.py": _DB}),
    )

    def __init__(self, project: Project, severity: Severity | None = None) -> None:
        super().__init__(project, severity)
        self._reported: set[tuple[str, str]] = set()

    def _factory(self, node: ast.AST, ctx: Context) -> tuple[str, str, Location] | None:
        name = dotted(node)
        if not name or "." in name:
            return None
        factories = session_factories(ctx.project)
        qualified = ctx.qualified(node) or f"{ctx.module.name}.{name}"
        found = factories.get(qualified)
        if found is None:
            return None
        return (name, *found)

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not _job_code(ctx) or not isinstance(node.func, (ast.Attribute, ast.Name)):
            return
        assert ctx.function is not None
        if isinstance(node.func, ast.Attribute):
            # Session.query(...) / Session.execute(...) on a scoped_session
            info = self._factory(node.func.value, ctx)
            if info is None or info[1] != "scoped_session" or node.func.attr in CLEANUP_METHODS | {"configure", "remove"}:
                return
            name = info[0]
            label = f"`{name}.{node.func.attr}(...)`"
        else:
            # session = SessionLocal()
            info = self._factory(node.func, ctx)
            if info is None or info[1] == "scoped_session":
                return
            name = info[0]
            parent = ctx.ancestors[-1] if ctx.ancestors else None
            if isinstance(parent, ast.withitem):
                return
            if isinstance(parent, ast.Attribute) and parent.attr == "begin":
                return
            label = f"`{name}()`"
            if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                name = parent.targets[0].id
            elif isinstance(parent, ast.Return):
                return  # a session factory helper: its caller owns the session
        key = (ctx.function.qualname, info[0])
        if key in self._reported or self._cleaned(name, ctx.function, ctx) or project_session_cleanup(ctx.project) is not None:
            return
        self._reported.add(key)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} in {describe_context(ctx)} uses a plain SQLAlchemy session that is never closed or removed: "
                f"its connection stays checked out (idle in transaction) after the task",
                hint=f"Call `{name}.remove()`/`.close()` in a `finally`, use `with {info[0]}() as session:`, "
                "or end sessions for every task in a `task_postrun` handler.",
                evidence=[Evidence(f"`{info[0]}` is a {info[1]}", info[2]), *ctx.chain_evidence(JOB)],
            )
        )

    def _cleaned(self, name: str, fn: FunctionInfo, ctx: Context) -> bool:
        """``name.remove()``/``close()`` in a ``finally`` (or at all) on the job's chain, or a ``with``."""
        scopes: list[ast.AST] = []
        for f in [fn, *_job_chain(ctx.project, fn)]:
            scopes.append(f.node)
            for deco in f.node.decorator_list:  # @scoped_session_decorator-style wrappers
                target = deco.func if isinstance(deco, ast.Call) else deco
                wrapper = ctx.project.resolve_function(dotted(target) or "", f, f.module)
                if wrapper is not None:
                    scopes.append(wrapper.node)
                    for call in _walk_calls(wrapper.node):  # ``with sessions_scope():`` inside the wrapper
                        inner = ctx.project.resolve_function(dotted(call.func) or "", wrapper, wrapper.module)
                        if inner is not None:
                            scopes.append(inner.node)
        for scope in scopes:
            for node in ast.walk(scope):
                if isinstance(node, ast.Try) and node.finalbody:
                    for call in _walk_calls(ast.Module(body=node.finalbody, type_ignores=[])):
                        if isinstance(call.func, ast.Attribute) and call.func.attr in ("remove", "close"):
                            return True
                if isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if isinstance(item.context_expr, ast.Name) and item.context_expr.id == name:
                            return True
                        if isinstance(item.context_expr, ast.Call) and dotted(item.context_expr.func) in ("contextlib.closing", "closing"):
                            return True
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("remove", "close") and dotted(node.func.value) == name:
                    return True
        return False
