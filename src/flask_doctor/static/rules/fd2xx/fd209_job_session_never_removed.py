"""FD209 job-session-never-removed: A plain SQLAlchemy session used in a job is never closed or removed."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.jobs.context import forked_per_job, is_job_code
from flask_doctor.static.facts.jobs.sessions import (
    CLEANUP_METHODS,
    context_free_flask_sqlalchemy,
    first_session_uses,
    held_session_leaks,
    query_property_session,
    session_cleanup_for,
    session_ended,
    session_factory,
)
from flask_doctor.static.facts.orm.models import bound_to_app, flask_sqlalchemy_before_3
from flask_doctor.static.model import (
    JOB,
    Project,
)
from flask_doctor.static.rules.base import (
    Context,
    FixExample,
    Invalid,
    Rule,
    Valid,
    describe_context,
    node_location,
)


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
    reported, nor are RQ jobs run by RQ's default worker, which forks a
    process per job (everything the job opened ends with that process;
    `SimpleWorker` runs jobs in one process and is reported). The scoped
    session counts however it is reached: `Session`, `database.Session`,
    or `Post.query` under a base given `query = Session.query_property()`.
    A task reaching the session only through helpers gets one finding, at
    the helper use nearest the task.

    A scoped session an object keeps (`self.session =
    scoped_session(...)` in a repository or service class) counts too: a
    job (a task, or a loop on a thread or process a request starts) that
    reaches the object's queries and never calls its `remove()` (or the
    object's own method that does, such as `session_end()`) is reported
    once, at the call in the job that leads there.

    Flask-SQLAlchemy 2.x's own `db.session` is reported when tasks run
    without an app context. Bound to its app (`SQLAlchemy(app)`, `db.app =
    app`, or a helper such as `db = get_sqlalchemy(app=app)`), 2.x answers
    `db.session` outside a context from that app, but its scoped session is
    keyed by thread and removed only by the extension's
    `teardown_appcontext`: with no context nothing removes it, and each
    worker thread carries one session, often idle in transaction, from task
    to task (a `db.session.rollback()` at the top of every task is the usual
    symptom). Reported once for the project, at the first such task, when
    the project runs 2.x (a pin below 3.0, or the `flask.ext.sqlalchemy`
    import of Flask < 1.0). A task that, after the context-free query, calls
    a function running `with app.app_context():` is not reported: that
    context pops on the same thread, and the teardown removes the session.
    On 3.x the same task fails outright (FD208), and a task under
    `with app.app_context():` has its session removed when the context pops.

    What ends sessions is judged per task: an `after_return` that removes
    the session on a task class, or its `__call__` ending it around every
    run (`try: return super().__call__(...)` / `finally: Session.remove()`),
    covers the tasks declared with `base=` that
    class (or every task once it is the app's default `Task`), and a
    `teardown_appcontext` covers tasks whose app context is pushed for the
    app it is registered on: one registered on the app `wsgi.py` builds does
    not run for a worker that pushes contexts of its own `create_app()`
    result, while one the factory registers does. The context may be pushed
    for every task (a `ContextTask`) or by the task itself (`with
    app.app_context():` in its body, on the app the teardown is registered
    on). When the task's class or the worker's app cannot be told, the hook
    counts. Calling the scoped session (`session = Session()`) gives the
    thread's session: it counts as a use, ended by `session.close()` or
    `Session.remove()`.

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
    Unsafe: `--unsafe-fixes` wraps the job's body in `try: ... finally:
    Session.remove()` (a session from a `sessionmaker`: the statements
    after `session = SessionLocal()` in `try: ... finally: session.close()`).
    Objects the job returns are detached afterwards, and a job that relied
    on the session outliving it (a caller reading lazy attributes) changes.
    Skipped with a note when the session is used in a helper the job calls
    (it may serve requests too: end the session in the job), or when the
    scoped session is reached only through a model's `query` and is not
    imported in the job's module.

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

    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            @celery.task
            def recount(post_id):
                \"\"\"Count the post's comments again.\"\"\"
                Session.execute("select 1")
                Session.commit()
            """,
        after="""
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            @celery.task
            def recount(post_id):
                \"\"\"Count the post's comments again.\"\"\"
                try:
                    Session.execute("select 1")
                    Session.commit()
                finally:
                    Session.remove()
            """,
        files={
            "database.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker
            engine = create_engine("postgresql://app@db/app", pool_pre_ping=True)
            Session = scoped_session(sessionmaker(bind=engine))
            """
        },
    )

    _DB = """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker
        engine = create_engine("postgresql://app@db/app", pool_pre_ping=True)
        Session = scoped_session(sessionmaker(bind=engine))
        SessionLocal = sessionmaker(bind=engine)
        """

    VALID = (
        Valid(
            """
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
            """,
            files={"database.py": _DB},
        ),
        Valid(
            """
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
            """,
            files={"database.py": _DB},
        ),
    )
    VALID = VALID + (
        # RQ forks a work horse per job: the session and its connection end with the process
        Valid(
            """
            from redis import Redis
            from rq import Queue
            from database import Session

            def crunch(n):
                Session.execute("select 1")
                Session.commit()

            def schedule(n):
                Queue(connection=Redis()).enqueue(crunch, n)
            """,
            files={"database.py": _DB},
        ),
    )
    VALID = VALID + (
        # the job wraps its work in a project helper whose ``finally`` removes the scoped session
        Valid(
            """
            from contextlib import contextmanager
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            @contextmanager
            def session_scope():
                try:
                    yield Session
                    Session.commit()
                finally:
                    Session.remove()

            def mark_late(ids):
                Session.execute("select 1")

            @celery.task
            def sweep():
                with session_scope():
                    mark_late([1, 2])
            """,
            files={"database.py": _DB},
        ),
        # a job only a test module defines and enqueues: the helper it calls is not job code
        Valid(
            """
            from database import Session

            def load_user(user_id):
                return Session.execute("select 1")
            """,
            files={
                "database.py": _DB,
                "tests/test_jobs.py": """
            from celery import Celery
            from app import load_user

            celery = Celery(__name__)

            @celery.task
            def background_lookup(user_id):
                return load_user(user_id)

            def test_lookup():
                background_lookup.delay(1)
            """,
            },
        ),
    )
    # per-task excuses: a task on the class whose ``after_return`` removes the session, every task once that
    # class is the app's default ``Task``, and a teardown the factory registers on the app the worker builds
    _WEB = """
        from flask import Flask
        from database import Session

        def create_app():
            app = Flask(__name__)
            app.config.from_envvar("SETTINGS")
            return app
        """
    _WORKER = """
        from celery import Celery
        from web import create_app

        def make_celery():
            app = create_app()
            celery = Celery(app.import_name)

            class AppContextTask(celery.Task):
                def __call__(self, *args, **kwargs):
                    with app.app_context():
                        return super().__call__(*args, **kwargs)

            celery.Task = AppContextTask
            return celery
        """
    VALID = VALID + (
        Valid(
            """
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            class DbTask(celery.Task):
                abstract = True

                def after_return(self, *args, **kwargs):
                    Session.remove()

            @celery.task(base=DbTask)
            def ingest(upload_id):
                Session.execute("select 1")
                Session.commit()
            """,
            files={"database.py": _DB},
        ),
        Valid(
            """
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            class DbTask(celery.Task):
                def after_return(self, *args, **kwargs):
                    Session.remove()

            celery.Task = DbTask

            @celery.task
            def summarise(report_id):
                Session.execute("select 1")
            """,
            files={"database.py": _DB},
        ),
        Valid(
            """
            from worker import make_celery
            from database import Session

            celery = make_celery()

            @celery.task
            def summarise(report_id):
                Session.execute("select 1")
            """,
            files={
                "database.py": _DB,
                "worker.py": _WORKER,
                "web.py": """
            from flask import Flask
            from database import Session

            def create_app():
                app = Flask(__name__)

                @app.teardown_appcontext
                def end_session(exc):
                    Session.remove()

                return app
            """,
            },
        ),
        # the worker pushes contexts of the very app object the teardown is registered on
        Valid(
            """
            from celery import Celery
            from database import Session
            from wsgi import application

            celery = Celery(__name__)

            class AppContextTask(celery.Task):
                def __call__(self, *args, **kwargs):
                    with application.app_context():
                        return super().__call__(*args, **kwargs)

            celery.Task = AppContextTask

            @celery.task
            def summarise(report_id):
                Session.execute("select 1")
            """,
            files={
                "database.py": _DB,
                "web.py": _WEB,
                "wsgi.py": """
            from web import create_app
            from database import Session

            application = create_app()

            @application.teardown_appcontext
            def end_session(exc=None):
                Session.remove()
            """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
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
            """,
            message="never",
            files={"database.py": _DB},
        ),
        # the scoped session reached as a module attribute, and through ``Base.query = Session.query_property()``
        Invalid(
            """
            from celery import shared_task
            import database
            from models import Post

            @shared_task
            def recount(post_id):
                database.Session.execute("select 1")  # expect
                database.Session.commit()

            @shared_task
            def touch(post_id):
                post = Post.query.get(post_id)  # expect
                post.touched = True
            """,
            message="`database.Session.execute(...)`",
            files={
                "database.py": _DB,
                "models.py": """
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base
            from database import Session
            Base = declarative_base()
            Base.query = Session.query_property()

            class Post(Base):
                __tablename__ = "post"
                id = Column(Integer, primary_key=True)
            """,
            },
        ),
    )

    INVALID = INVALID + (
        # only tasks declared with ``base=DbTask`` get its ``after_return``; the teardown sits on the app
        # ``wsgi.py`` builds, while the worker pushes contexts of the app its own ``create_app()`` returns
        Invalid(
            """
            from worker import make_celery
            from database import Session

            celery = make_celery()

            class DbTask(celery.Task):
                def after_return(self, *args, **kwargs):
                    Session.remove()

            @celery.task(base=DbTask)
            def ingest(upload_id):
                Session.execute("select 1")
                Session.commit()

            @celery.task
            def run_analyser(sketch_id):
                Session.execute("select 1")  # expect
                Session.commit()
            """,
            message="in task `run_analyser`",
            files={
                "database.py": _DB,
                "worker.py": _WORKER,
                "web.py": _WEB,
                "wsgi.py": """
            from web import create_app
            from database import Session

            application = create_app()

            @application.teardown_appcontext
            def end_session(exc=None):
                Session.remove()
            """,
            },
        ),
        # the task reaches the session through two helpers: one leak, reported once at the first helper's use
        Invalid(
            """
            from celery import Celery
            from database import Session

            celery = Celery(__name__)

            def load_sketch(sketch_id):
                return Session.execute("select 1")  # expect

            def save_view(sketch_id):
                Session.execute("select 2")
                Session.commit()

            @celery.task
            def rebuild(sketch_id):
                load_sketch(sketch_id)
                save_view(sketch_id)
            """,
            files={"database.py": _DB},
        ),
    )

    # Flask-SQLAlchemy 2.x bound to its app by a helper; the tasks run with no app context
    _FSA2_DB = """
        from flask import Flask
        from flask.ext.sqlalchemy import SQLAlchemy

        def get_sqlalchemy(app=None):
            return SQLAlchemy(app=app)

        app = Flask(__name__)
        db = get_sqlalchemy(app=app)

        class Job(db.Model):
            id = db.Column(db.Integer, primary_key=True)
        """
    _FSA2_TASKS = """
        from celery import Celery
        from application import db, Job

        celery = Celery(__name__)

        @celery.task
        def finish(job_id):
            db.session.rollback()
            job = Job.query.get(job_id)  # expect
            job.done = True
            db.session.commit()

        @celery.task
        def reopen(job_id):
            Job.query.get(job_id).done = False
            db.session.commit()
        """
    VALID = VALID + (
        # one ``task_postrun`` handler removes the session after every task
        Valid(
            _FSA2_TASKS.replace("  # expect", "")
            + """
        from celery.signals import task_postrun

        @task_postrun.connect
        def end_session(*args, **kwargs):
            db.session.remove()
        """,
            files={"application.py": _FSA2_DB},
        ),
        # Flask-SQLAlchemy 3.x: every task runs in an app context, which removes the session when it pops
        Valid(
            """
            from celery import Celery, Task
            from application import app, db, Job

            class ContextTask(Task):
                def __call__(self, *args, **kwargs):
                    with app.app_context():
                        return self.run(*args, **kwargs)

            celery = Celery(__name__, task_cls=ContextTask)

            @celery.task
            def finish(job_id):
                db.session.get(Job, job_id).done = True
                db.session.commit()
            """,
            files={
                "application.py": _FSA2_DB.replace("flask.ext.sqlalchemy", "flask_sqlalchemy"),
                "requirements.txt": "flask-sqlalchemy>=3.1\n",
            },
        ),
        # pinned 2.x, and the task wraps its own work in ``with app.app_context():``
        Valid(
            """
            from celery import Celery
            from application import app, db, Job

            celery = Celery(__name__)

            @celery.task
            def finish(job_id):
                with app.app_context():
                    Job.query.get(job_id).done = True
                    db.session.commit()
            """,
            files={
                "application.py": _FSA2_DB.replace("flask.ext.sqlalchemy", "flask_sqlalchemy"),
                "requirements.txt": "Flask-SQLAlchemy==2.5.1\n",
            },
        ),
        # the task checks the row with no context, then hands the work to a function that runs in one: that
        # context pops on the same thread, and its teardown removes the session the check left open
        Valid(
            """
            from celery import Celery
            from application import app, db, Job

            celery = Celery(__name__)

            def build(job_id):
                with app.app_context():
                    Job.query.get(job_id).done = True
                    db.session.commit()

            @celery.task
            def finish(job_id):
                job = Job.query.get(job_id)
                if job is None:
                    raise RuntimeError("no such job")
                db.session.commit()
                build(job.id)
            """,
            files={
                "application.py": _FSA2_DB.replace("flask.ext.sqlalchemy", "flask_sqlalchemy"),
                "requirements.txt": "Flask-SQLAlchemy==2.5.1\n",
            },
        ),
    )
    INVALID = INVALID + (
        # reported once for the worker, at the first task: its thread-scoped session outlives every task
        Invalid(
            _FSA2_TASKS,
            message="(1 other task too: `reopen`)",
            files={"application.py": _FSA2_DB},
        ),
    )

    # a repository object keeps its own scoped session; requests end it, the background loop never does
    _REPO = """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import scoped_session, sessionmaker

        class PostRepository:
            def __init__(self, url):
                self.engine = create_engine(url, pool_pre_ping=True)
                self.session = scoped_session(sessionmaker(bind=self.engine))

            def session_end(self):
                self.session.remove()

            def revisions(self):
                return self.session.execute("select path, revision from posts").all()

        repo = PostRepository("postgresql://app@db/app")
        """
    VALID = VALID + (
        Valid(
            """
            import threading
            import time
            from flask import Flask
            from repository import repo

            app = Flask(__name__)

            def sync_loop():
                while True:
                    try:
                        repo.revisions()
                    finally:
                        repo.session_end()
                    time.sleep(300)

            @app.post("/index/start")
            def start_indexing():
                threading.Thread(target=sync_loop, daemon=True).start()
                return "", 202
            """,
            files={"repository.py": _REPO},
        ),
    )
    INVALID = INVALID + (
        Invalid(
            """
            import threading
            import time
            from flask import Flask
            from repository import repo

            app = Flask(__name__)

            def update_index():
                for path, revision in repo.revisions():
                    print(path, revision)

            def sync_loop():
                while True:
                    update_index()  # expect
                    time.sleep(300)

            @app.post("/index/start")
            def start_indexing():
                threading.Thread(target=sync_loop, daemon=True).start()
                return "", 202
            """,
            message="reaches `PostRepository.session`, a plain `scoped_session`",
            files={"repository.py": _REPO},
        ),
    )

    INVALID = INVALID + (
        # calling the scoped_session gives the thread's session; nothing closes it or removes the scope
        Invalid(
            """
            from celery import shared_task
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            Session = scoped_session(sessionmaker(bind=create_engine("postgresql://localhost/shop")))

            @shared_task
            def mark_paid(order_id):
                session = Session()  # expect
                session.get(Order, order_id).paid = True
                session.commit()
            """,
            message="never closed or removed",
        ),
    )
    VALID = VALID + (
        # Flask's "SQLAlchemy in Flask" pattern: the task runs in the context of the app whose teardown removes
        Valid(
            """
            from celery import shared_task
            from web import app
            from database import Base, Session

            class Order(Base):
                __tablename__ = "orders"

            @shared_task
            def expire_orders():
                with app.app_context():
                    for order in Order.query.filter_by(paid=False):
                        order.expired = True
                    Session.commit()
            """,
            files={
                "database.py": """
                    from sqlalchemy import create_engine
                    from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

                    Session = scoped_session(sessionmaker(bind=create_engine("sqlite://")))
                    Base = declarative_base()
                    Base.query = Session.query_property()
                    """,
                "web.py": """
                    from flask import Flask
                    from database import Session

                    app = Flask(__name__)

                    @app.teardown_appcontext
                    def shutdown_session(exception=None):
                        Session.remove()
                    """,
            },
        ),
        # the app's default task class wraps every run and ends the session in its ``finally``
        Valid(
            """
            from celery import Celery, Task
            from database import Session

            class Closing(Task):
                def __call__(self, *args, **kwargs):
                    try:
                        return super().__call__(*args, **kwargs)
                    finally:
                        Session.remove()

            celery = Celery(__name__)
            celery.Task = Closing

            @celery.task
            def recount(post_id):
                Session.execute("select 1")
                Session.commit()
            """,
            files={"database.py": _DB},
        ),
    )
    INVALID = INVALID + (
        # the same wrapping class, but never made the default nor named by ``base=``: the task does not run on it
        Invalid(
            """
            from celery import Celery, Task
            from database import Session

            class Closing(Task):
                def __call__(self, *args, **kwargs):
                    try:
                        return super().__call__(*args, **kwargs)
                    finally:
                        Session.remove()

            celery = Celery(__name__)

            @celery.task
            def recount(post_id):
                Session.execute("select 1")  # expect
                Session.commit()
            """,
            message="never closed or removed",
            files={"database.py": _DB},
        ),
    )

    def start(self) -> None:
        self._reported: set[tuple[str, str]] = set()

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        self._held_sessions(project, report)
        self._context_free(project, report)

    def _held_sessions(self, project: Project, report: Callable[[Finding], None]) -> None:
        """A job reaching a ``scoped_session`` an object holds (``self.session``), with nothing removing it."""
        for leak in held_session_leaks(project):
            owner = leak.owner.rsplit(".", 1)[-1]
            via = ""
            if leak.call is not leak.use_node and isinstance(leak.call, ast.Call):
                via = f"`{ast.unparse(leak.call.func)}(...)` in "
            where = "task" if "task" in leak.entry.roles else "background job"
            report(
                self.finding(
                    node_location(leak.entry.module.path, leak.call),
                    f"{via}{where} `{leak.entry.display}` reaches `{owner}.{leak.attr}`, a plain `scoped_session` "
                    f"(used in `{leak.use.display}`), and nothing on the way removes it: the job's thread keeps "
                    f"the session and its connection, idle in transaction, after the work is done",
                    hint="End the session when the job's work is done: "
                    + (f"call the object's `{leak.ender}()`" if leak.ender else f"`{owner}.{leak.attr}.remove()`")
                    + " in a `finally` around it (or in a `task_postrun` handler for tasks).",
                    evidence=[
                        Evidence(f"`{owner}.{leak.attr}` is a scoped_session", leak.created),
                        Evidence(f"used in `{leak.use.display}`", node_location(leak.use.module.path, leak.use_node)),
                        *(
                            Evidence(f"called from {project.display(q)}", project.functions[q].location)
                            for q in project.chain(leak.use.qualname, JOB)[:-1]
                            if q in project.functions
                        ),
                    ],
                )
            )

    def _context_free(self, project: Project, report: Callable[[Finding], None]) -> None:
        # Flask-SQLAlchemy 2.x bound to its app, tasks with no app context: one finding for the worker
        leaks = context_free_flask_sqlalchemy(project)
        if not leaks:
            return
        first = leaks[0]
        use = ast.unparse(first.node)
        where = f"task `{first.task.display}`"
        if first.function is not first.task:
            where = f"`{first.function.display}` (called from task `{first.task.display}`)"
        others = [leak.task.display for leak in leaks[1:]]
        also = ""
        if others:
            named = ", ".join(f"`{name}`" for name in others[:3]) + (", ..." if len(others) > 3 else "")
            also = f" ({len(others)} other task{'s' if len(others) > 1 else ''} too: {named})"
        version = flask_sqlalchemy_before_3(project)
        bound = bound_to_app(project)
        evidence = [Evidence(f"task `{first.task.display}`", first.task.location)]
        if version is not None:
            evidence.append(version)
        if bound is not None:
            evidence.append(Evidence("the extension is bound to its app here: 2.x falls back to it", bound))
        report(
            self.finding(
                node_location(first.function.module.path, first.node),
                f"`{use}` in {where} runs with no application context{also}: Flask-SQLAlchemy 2.x answers it from "
                "the bound app, but removes its thread-scoped session only when an app context pops, so the "
                "worker keeps the session and its connection (idle in transaction) from one task to the next",
                hint="Give every task an app context (a Task base class whose `__call__` runs "
                "`with app.app_context():`), or call `db.session.remove()` in a `task_postrun` handler.",
                evidence=evidence,
            )
        )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not is_job_code(ctx) or not isinstance(node.func, (ast.Attribute, ast.Name)):
            return
        assert ctx.function is not None
        if forked_per_job(ctx.project, ctx.function):
            return  # an RQ work horse is a process per job: its session and connection end with it
        if isinstance(node.func, ast.Attribute):
            # Session.query(...) / Session.execute(...) on a scoped_session, or Post.query.get(...) through
            # ``Base.query = Session.query_property()``
            info = session_factory(node.func.value, ctx)
            via_model = info is None and query_property_session(node.func.value, ctx)
            if via_model:
                info = via_model
                label = f"`{ast.unparse(node.func.value)}.{node.func.attr}(...)` (`{info[0]}.query_property()`)"
            if info is None or info[1] != "scoped_session" or node.func.attr in CLEANUP_METHODS | {"configure"}:
                return
            name = info[0]
            if not via_model:
                label = f"`{name}.{node.func.attr}(...)`"
        else:
            # session = SessionLocal(), or session = Session() on a scoped_session (the thread's session)
            info = session_factory(node.func, ctx)
            if info is None:
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
        if key in self._reported or session_ended(ctx.project, name, ctx.function):
            return
        if name != info[0] and session_ended(ctx.project, info[0], ctx.function):
            return  # ``session = Session()`` ended by ``Session.remove()``
        chain = ctx.project.chain(ctx.function.qualname, JOB)
        if chain and chain[0] != ctx.function.qualname:
            # a helper the task calls: one finding per task and session, at the chain's first use
            first = first_session_uses(ctx.project).get((chain[0], info[2].path, info[2].line))
            if first is not None and first != (ctx.module.path, node.lineno, node.col_offset):
                return
        if session_cleanup_for(ctx.project, ctx.function) is not None:
            return
        self._reported.add(key)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} in {describe_context(ctx, JOB)} uses a plain SQLAlchemy session that is never closed or removed: "
                f"its connection stays checked out (idle in transaction) after the task",
                hint=f"Call `{name}.remove()`/`.close()` in a `finally`, use `with {info[0]}() as session:`, "
                "or end sessions for every task in a `task_postrun` handler.",
                evidence=[Evidence(f"`{info[0]}` is a {info[1]}", info[2]), *ctx.chain_evidence(JOB)],
            )
        )
