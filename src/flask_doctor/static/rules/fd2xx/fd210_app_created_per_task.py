"""FD210 app-created-per-task: The Flask app factory runs inside every task call."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Severity
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.jobs.context import is_job_code, is_memoised, runs_per_task
from flask_doctor.static.model import (
    FACTORY,
    FLASK_TYPES,
    JOB,
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


class AppCreatedPerTask(Rule):
    """
    ## What it does
    Finds the application factory (`create_app()`) called inside a task body,
    so a whole Flask app is built for every task run; also a `Flask(...)`
    constructed in a task, and a factory called in the code Celery runs
    around every task (`__call__` of the app's `Task` class, a
    `task_prerun` handler). A factory called once per worker process
    (module level, `worker_process_init`) or cached is not reported.

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
        Valid(
            """
            from celery import Celery
            from factory import create_app

            celery = Celery(__name__)
            flask_app = create_app()

            @celery.task
            def rebuild_index():
                with flask_app.app_context():
                    pass
            """,
            files={"factory.py": _FACTORY},
        ),
        Valid(
            """
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
            """,
            files={"factory.py": _FACTORY},
        ),
    )
    INVALID = (
        Invalid(
            """
            from celery import Celery
            from factory import create_app

            celery = Celery(__name__)

            @celery.task
            def rebuild_index():
                app = create_app()  # expect
                with app.app_context():
                    pass
            """,
            message="create_app",
            files={"factory.py": _FACTORY},
        ),
    )

    INVALID = INVALID + (
        # the app's task class builds an app around every task it runs
        Invalid(
            """
            from celery import Celery, Task
            from factory import create_app

            class AppTask(Task):
                def __call__(self, *args, **kwargs):
                    with create_app().app_context():  # expect
                        return self.run(*args, **kwargs)

            celery = Celery(__name__, task_cls=AppTask)
            """,
            message="runs around every task",
            files={"factory.py": _FACTORY},
        ),
        # a task constructing a Flask app itself
        Invalid(
            """
            from celery import shared_task
            from flask import Flask

            @shared_task
            def render_report(report_id):
                app = Flask(__name__)  # expect
                with app.app_context():
                    pass
            """,
            message="constructs a new Flask app",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None:
            return
        name = dotted(node.func)
        if not name:
            return
        builders = _app_builders(ctx.project)
        if name.rpartition(".")[2] not in builders and name.partition(".")[0] not in _builder_aliases(ctx.project):
            return  # neither a factory of the project nor a Flask class (under any alias): nothing builds an app
        if ctx.is_test_code():  # after the name: every call of the project comes here, few build an app
            return
        wrapper = runs_per_task(ctx.project, fn)
        if not (wrapper or is_job_code(ctx)) or is_memoised(fn) or (FACTORY in fn.roles and "task" not in fn.roles):
            return
        target = ctx.project.resolve_function(name, fn, ctx.module)
        if target is not None:
            if FACTORY not in target.roles or target is fn:
                return
            evidence = [Evidence("the factory", target.location)]
            what = f"`{name}()` builds a whole Flask app"
        elif ctx.qualified(node.func) in FLASK_TYPES:
            evidence = []
            what = f"`{name}(...)` constructs a new Flask app"
        else:
            return
        where = f"`{fn.display}`, which Celery runs around every task" if wrapper else describe_context(ctx)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{what} on every call of {where}: config, blueprints, extensions and a new database engine per task",
                hint="Create the app once per worker process (module level of the worker, or worker_process_init) "
                "and push only `app.app_context()` per task.",
                evidence=[*evidence, *([] if wrapper else ctx.chain_evidence(JOB))],
            )
        )


@project_fact
def _app_builders(project: Project) -> frozenset[str]:
    """The names a call that builds an app ends with: the project's factories and the Flask classes."""
    names = {fn.name for fn in project.functions.values() if FACTORY in fn.roles}
    return frozenset(names | {qualified.rpartition(".")[2] for qualified in FLASK_TYPES})


@project_fact
def _builder_aliases(project: Project) -> frozenset[str]:
    """Local names an import gives a factory or a Flask class (``from app import create_app as make``)."""
    builders = _app_builders(project)
    return frozenset(
        local
        for table in project.module_imports.values()
        for local, target in table.aliases.items()
        if target.rpartition(".")[2] in builders
    )
