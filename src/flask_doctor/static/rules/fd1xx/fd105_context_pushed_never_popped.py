"""FD105 context-pushed-never-popped: An app/request context is pushed and never popped."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.contexts import anonymous_pop, forks_per_job, is_context_call, pops_of
from flask_doctor.static.facts.devserver import console_scripts
from flask_doctor.static.model import CLI, FACTORY, JOB, MAIN, REQUEST, TEST, FunctionInfo
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)


class ContextPushedNeverPopped(Rule):
    """
    ## What it does
    Finds `app.app_context().push()`, `app.test_request_context().push()`
    and `ctx.push()` with no matching `pop()` — in threads, helpers, jobs and
    command code.

    ## Why is this bad?
    A pushed context stays on the context stack of its thread (or greenlet)
    until it is popped. Everything stored on it lives as long: `g` and its
    contents, and Flask-SQLAlchemy's session, which is scoped to the app
    context and removed only when the context is popped — so its connection
    stays checked out. A function that pushes on every call stacks up
    contexts and leaks memory and connections. `with app.app_context():`,
    a push followed by `pop()` (ideally in `finally`), a pytest fixture that
    pops after `yield`, a `setUp`/`tearDown` pair, and a context kept on an
    object that another function pops it from (Celery's `task_prerun` and
    `task_postrun` signal handlers) are not reported; test
    code is not checked. A push at the top of a worker module is reported as
    a note: the one context is then shared by every task the process runs.
    So is a push in an application factory or a command (it runs once per
    process). A push in an RQ job is not reported: RQ's worker forks a
    process for each job, and the context dies with it; nor, for the same
    reason, is one at the top of an RQ worker module. Nor is one in the
    function an installed command runs (a `console_scripts` entry point
    such as `mytool = "mytool.__main__:main"`): it runs once, when the
    process starts, and its context is meant to last as long.

    ## Example
    ```python
    def worker():
        app.app_context().push()
        while True:
            process(queue.get())
    ```

    ## Use instead
    ```python
    def worker():
        while True:
            item = queue.get()
            with app.app_context():
                process(item)
    ```

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "The Application Context" (lifetime, manually pushing a context)
    - Flask-SQLAlchemy 3.x: "Flask Application Context" (session removed on teardown)
    """

    code = "FD105"
    name = "context-pushed-never-popped"
    severity = Severity.WARNING
    catalog = ("S06", "S01")
    summary = "An app/request context is pushed and never popped."

    call_names = frozenset({"push"})

    VALID = (
        Valid("""
            import threading
            from flask import Flask
            app = Flask(__name__)

            def work(item):
                with app.app_context():
                    print(item)

            def work_manual(item):
                ctx = app.app_context()
                ctx.push()
                try:
                    print(item)
                finally:
                    ctx.pop()

            threading.Thread(target=work, args=(1,)).start()
            """),
        Valid("""
            import pytest
            from myapp import create_app

            @pytest.fixture
            def app():
                app = create_app()
                ctx = app.app_context()
                ctx.push()
                yield app
                ctx.pop()
            """),
        Valid("""
            import unittest
            from myapp import create_app

            class Base(unittest.TestCase):
                def setUp(self):
                    self.app = create_app()
                    self.ctx = self.app.test_request_context()
                    self.ctx.push()

                def tearDown(self):
                    self.ctx.pop()
            """),
        # An RQ job pushes the app's context for its ORM work: the forked job process ends with it.
        Valid("""
            from redis import Redis
            from rq import Queue
            from myapp import create_app

            queue = Queue(connection=Redis())

            def send_digest(user_id):
                app = create_app()
                app.app_context().push()
                deliver(user_id)

            def schedule(user_id):
                queue.enqueue(send_digest, user_id)
            """),
        # The tasks module of an RQ worker pushes a context when it is imported: every job is a fresh fork.
        Valid("""
            from rq import get_current_job
            from shop import create_app, db

            app = create_app()
            app.app_context().push()

            def rebuild_invoice(invoice_id):
                get_current_job().meta["step"] = "rebuild"
                db.session.commit()
            """),
        # The function the installed command runs pushes the one context of the process before dispatching.
        Valid(
            """
            from flask import Flask

            def run():
                app = Flask(__name__)
                app.app_context().push()
                import myservice.commands  # noqa: F401  (reads current_app at import)
                dispatch()
            """,
            files={
                "setup.py": 'from setuptools import setup\nsetup(entry_points={"console_scripts": ["mysvc = app:run"]})\n'
            },
        ),
        # Celery's signals: pushed before each task on the task object, popped after it.
        Valid("""
            from celery.signals import task_postrun, task_prerun
            from flask import Flask
            app = Flask(__name__)

            @task_prerun.connect
            def enter_app(task=None, **kwargs):
                task.app_ctx = app.app_context()
                task.app_ctx.push()

            @task_postrun.connect
            def leave_app(task=None, **kwargs):
                pushed = getattr(task, "app_ctx", None)
                if pushed is not None:
                    pushed.pop()
            """),
    )
    INVALID = (
        Invalid(
            """
            import threading
            from flask import Flask
            app = Flask(__name__)

            def poll(queue):
                app.app_context().push()  # expect
                while True:
                    print(queue.get())

            def handle(item):
                ctx = app.test_request_context("/")
                ctx.push()  # expect
                return str(item)

            threading.Thread(target=poll, args=(None,)).start()
            """,
            message="never popped",
        ),
        # Once per process, in the factory: a note.
        Invalid(
            """
            from flask import Flask

            def create_app():
                app = Flask(__name__)
                app.app_context().push()  # expect
                return app
            """,
            message="in `create_app`",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "push" and not node.args):
            return
        if ctx.is_test_code():
            return
        receiver = node.func.value
        label: str
        if is_context_call(receiver):
            label = f"`{ast.unparse(node)}`"
            target = None
        else:
            target = dotted(receiver)
            if not target or not self._context_variable(target, receiver, ctx):
                return
            label = f"`{target}.push()`"
        fn = ctx.function
        if fn is None:
            self._module_level(node, label, ctx)
            return
        scope: ast.AST = fn.node
        if target and target.startswith("self."):
            cls = ctx.project.classes.get(fn.qualname.rsplit(".", 1)[0])
            if cls is not None:
                scope = cls.node
        if target is not None and pops_of(scope, target):
            return
        if target is not None and self._escapes(target, fn):
            return  # returned or handed to the caller, who pops it
        if target is not None and self._popped_elsewhere(target, fn, ctx):
            return  # kept on an object another function pops it from (Celery's task_prerun/task_postrun pair)
        if anonymous_pop(scope):
            return
        contexts = fn.contexts
        if contexts and contexts <= {JOB, TEST} and JOB in contexts and forks_per_job(ctx.project):
            return  # an RQ worker forks a process per job: the pushed context dies with it
        if fn.qualname in console_scripts(ctx.project) and not contexts & {REQUEST, JOB}:
            return  # the installed command's own function: it runs once, and the context is the process's
        once = "factory" in fn.roles or (contexts and contexts <= {CLI, MAIN, FACTORY, TEST})
        severity = Severity.NOTE if once else None
        where = describe_context(ctx)
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} in {where} is never popped: the context (its `g`, and Flask-SQLAlchemy's session with its "
                f"connection) stays on the stack for the life of the thread, one more on every call",
                hint="Use `with app.app_context():` (or pop it in a `finally`).",
                severity=severity,
                evidence=(
                    ctx.chain_evidence(REQUEST if REQUEST in contexts else JOB) if contexts & {REQUEST, JOB} else []
                ),
            )
        )

    @staticmethod
    def _context_variable(target: str, receiver: ast.expr, ctx: Context) -> bool:
        """``ctx``/``self.ctx`` was assigned from ``app.app_context()``."""
        fn = ctx.function
        scopes: list[ast.AST] = []
        if fn is not None:
            scopes.append(fn.node)
            cls = ctx.project.classes.get(fn.qualname.rsplit(".", 1)[0]) if target.startswith("self.") else None
            if cls is not None:
                scopes.append(cls.node)
        else:
            scopes.append(ctx.module.tree)
        for scope in scopes:
            for node in ast.walk(scope):
                if (
                    isinstance(node, ast.Assign)
                    and is_context_call(node.value)
                    and any(dotted(t) == target for t in node.targets)
                ):
                    return True
        return False

    @staticmethod
    def _popped_elsewhere(target: str, fn: FunctionInfo, ctx: Context) -> bool:
        """``task._flask_ctx.push()``: the context is stored on an object (not ``self``), and another function
        of the module reads that attribute back and pops what it finds (``ctx = getattr(task, "_flask_ctx")``
        then ``ctx.pop()``)."""
        owner, _, attr = target.rpartition(".")
        if not owner or owner == "self":
            return False
        for other in ctx.project.functions.values():
            if other is fn or other.module is not fn.module:
                continue
            names = any(
                (isinstance(node, ast.Attribute) and node.attr == attr)
                or (isinstance(node, ast.Constant) and node.value == attr)
                for node in ast.walk(other.node)
            )
            if names and any(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "pop"
                and not node.args
                for node in ast.walk(other.node)
            ):
                return True
        return False

    @staticmethod
    def _escapes(target: str, fn: FunctionInfo) -> bool:
        for node in ast.walk(fn.node):
            if (
                isinstance(node, (ast.Return, ast.Yield))
                and node.value is not None
                and any(dotted(n) == target for n in ast.walk(node.value))
            ):
                return True
        return False

    def _module_level(self, node: ast.Call, label: str, ctx: Context) -> None:
        if ctx.in_main:
            return  # a script: one context for one run
        module = ctx.module
        if anonymous_pop(module.tree):
            return
        worker = any(
            r.module.startswith(("celery", "rq", "dramatiq", "huey")) for r in ctx.project.imports.get(module.name, [])
        ) or any("task" in f.roles for f in ctx.project.functions.values() if f.module is module)
        if not worker or forks_per_job(ctx.project):
            return  # RQ forks a process per job: each job has the module's context to itself
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label} at module level of a worker module is never popped: every task this process runs shares "
                f"one app context, its `g` and one Flask-SQLAlchemy session",
                hint=(
                    "Push a context per task (a Celery Task base class whose __call__ runs `with app.app_context():`)."
                ),
                severity=Severity.NOTE,
            )
        )
