"""FD208 orm-session-in-job-without-app-context: Flask-SQLAlchemy used in a background job that has no application context."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts.dependencies import version_side
from flask_doctor.static.facts.jobs.context import (
    app_context_provider,
    chain_pushes_context,
    is_job_code,
)
from flask_doctor.static.facts.orm.models import (
    bound_to_app,
    flask_sqlalchemy_before_3,
    is_db,
    is_flask_sqlalchemy_model,
    model_for,
)
from flask_doctor.static.model import (
    JOB,
)
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


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
    integrations that do it for you (Flask-RQ2, Flask-CeleryExt), nor a
    thread's function wrapped in `@copy_current_request_context` (it runs
    in a copy of the request's context). `with current_app.app_context():`
    in a task does not count as giving it a context: with none pushed,
    `current_app` itself raises the same error.

    Flask-SQLAlchemy 2.x is different when the extension is bound to one
    app, by `SQLAlchemy(app)` or `db.app = app`: its `get_app()` falls back
    to that app when no context is pushed, so the job works. 3.x dropped the
    fallback. Bound that way, the rule is silent when the project's
    requirements pin Flask-SQLAlchemy below 3 (`==2.5.1`, `<3`, `^2.5`)
    or the code imports it as `flask.ext.sqlalchemy` (Flask < 1.0),
    reports a note when nothing says which major version runs, and an
    error only when the pins require 3.0 or later. (On 2.x such a job's
    session is removed only when an app context pops: FD209.)

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
    - Flask-SQLAlchemy 2.5 source: `SQLAlchemy.get_app` (falls back to `self.app`)
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

    _BOUND_TASKS = """
        from celery import Celery
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)
        celery = Celery(__name__, broker="redis://localhost")

        class Report(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        @celery.task
        def purge_reports():
            Report.query.delete()  # expect
            db.session.commit()
        """

    attribute_names = frozenset({"session", "query"})

    VALID = (
        Valid(
            _BOUND_TASKS.replace("  # expect", ""),
            files={"requirements.txt": "Flask==1.1.4\nFlask-SQLAlchemy==2.5.1  # db.app fallback\n"},
        ),
        Valid(
            """
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
            """,
            files={"models.py": _MODELS},
        ),
        Valid(
            """
            from celery import Celery
            from models import db, User
            from factory import create_app

            celery = Celery(__name__)
            flask_app = create_app()

            @celery.task
            def count_users():
                with flask_app.app_context():
                    return User.query.count()
            """,
            files={
                "models.py": _MODELS,
                "factory.py": """
            from flask import Flask
            def create_app():
                return Flask(__name__)
            """,
            },
        ),
    )
    INVALID = (
        Invalid(
            _BOUND_TASKS,
            message="no application context",
            files={"pyproject.toml": '[project]\nname = "reports"\ndependencies = ["flask-sqlalchemy>=3.0.3"]\n'},
        ),
        Invalid(
            """
            from celery import Celery
            from flask import Flask
            from models import db, User

            app = Flask(__name__)
            db.init_app(app)
            db.app = app
            celery = Celery(__name__, broker="redis://localhost")

            @celery.task
            def rename(user_id, name):
                db.session.get(User, user_id).name = name  # expect
                db.session.commit()
            """,
            message="works on Flask-SQLAlchemy 2.x (falls back to the bound app), fails on 3.x",
            files={"models.py": _MODELS, "requirements.txt": "flask\nflask-sqlalchemy\n"},
        ),
        Invalid(
            """
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
            """,
            message="no application context",
            files={"models.py": _MODELS},
        ),
    )

    VALID = VALID + (
        # the thread's function carries a copy of the request context
        Valid(
            """
            import threading
            from flask import Flask, copy_current_request_context
            from models import User, db

            app = Flask(__name__)

            @app.post("/sync")
            def sync():
                @copy_current_request_context
                def mark_all():
                    User.query.update({User.synced: True})
                    db.session.commit()

                threading.Thread(target=mark_all).start()
                return "", 202
            """,
            files={"models.py": _MODELS, "requirements.txt": "flask\nflask-sqlalchemy>=3\n"},
        ),
    )

    INVALID = INVALID + (
        # `current_app` is only there once some context is: in the worker it raises before `app_context()` runs
        Invalid(
            """
            from celery import shared_task
            from flask import current_app
            from models import User, db

            @shared_task
            def touch(user_id):
                with current_app.app_context():
                    db.session.get(User, user_id)  # expect
            """,
            files={"models.py": _MODELS, "requirements.txt": "flask\nflask-sqlalchemy>=3\n"},
            message="no application context",
        ),
    )

    def start(self) -> None:
        self._reported: set[str] = set()

    def visit_Attribute(self, node: ast.Attribute, ctx: Context) -> None:
        if not is_job_code(ctx):
            return
        assert ctx.function is not None
        if ctx.function.qualname in self._reported:
            return
        if node.attr == "session" and is_db(node.value, ctx):
            what = f"`{ast.unparse(node)}`"
        elif node.attr == "query":
            model = model_for(node.value, ctx)
            if model is None or not is_flask_sqlalchemy_model(ctx.project, model):
                return
            what = f"`{ast.unparse(node)}`"
        else:
            return
        if app_context_provider(ctx.project) is not None or chain_pushes_context(ctx.project, ctx.function):
            return
        evidence = list(ctx.chain_evidence(JOB))
        message = (
            f"{what} in {describe_context(ctx)} runs in a worker with no application context: it raises "
            f'"Working outside of application context"'
        )
        note = False
        bound = bound_to_app(ctx.project)
        if bound is not None:
            # Flask-SQLAlchemy 2.x: ``get_app()`` falls back to the app the extension is bound to
            if flask_sqlalchemy_before_3(ctx.project) is not None:
                return  # 2.x: the job works (FD209 says whether its session is ever removed)
            pinned = version_side(ctx.project, "flask-sqlalchemy", (3, 0))
            evidence.append(Evidence("the extension is bound to an app here", bound))
            if pinned.side == "unknown":
                note = True
                message = (
                    f"{what} in {describe_context(ctx)} runs in a worker with no application context: it works on "
                    "Flask-SQLAlchemy 2.x (falls back to the bound app), fails on 3.x with "
                    '"Working outside of application context"; no requirement pins which version runs'
                )
            elif pinned.pin is not None:
                evidence.append(
                    Evidence(f"Flask-SQLAlchemy {pinned.pin.spec}: 3.x ignores `db.app`", pinned.pin.source)
                )
        self._reported.add(ctx.function.qualname)
        ctx.report(
            self.finding(
                ctx.location(node),
                message,
                hint="Give tasks an app context: a Celery Task base class whose __call__ runs "
                "`with app.app_context():` (Flask's celery_init_app pattern), "
                "or wrap the task body in `with app.app_context():`.",
                evidence=evidence,
                severity=Severity.NOTE if note else None,
            )
        )
