"""FD605 multiple-flask-apps: Two module-level Flask apps in modules that import each other."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.assembly import (
    app_is_used,
    is_flask_call,
    is_side,
    main_and_stray,
    mounts_apps_separately,
    top_level_statement,
)
from flask_doctor.static.facts.imports import module_display, reachable_modules
from flask_doctor.static.model import FLASK_TYPES, ObjectInfo, Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


# ==================================================================== FD605
class MultipleFlaskApps(Rule):
    """
    ## What it does
    Finds more than one `Flask(...)` object created at module level in the
    modules of one application (modules that import each other), outside
    tests, examples, docs and scripts.

    ## Why is this bad?
    Routes, extensions and configuration attach to the app object they are
    given. With two module-level apps, some views register on one and some
    settings on the other: routes 404, extensions report "not registered
    with this app", and the config a view reads is not the one that was
    loaded. It usually starts with a helper module that creates its own
    `app = Flask(__name__)` "just to get a context".

    Not reported: apps built by a factory (calling it twice is how tests
    work), projects that mount several apps at their own paths on purpose
    (`DispatcherMiddleware`, cherrypy `tree.graft`), apps in
    tests/examples/docs/scripts, separate apps whose modules never import
    each other, and a leftover `app = Flask(__name__)` that nothing uses (no
    route, setting, extension or import reaches it, so nothing can attach to
    the wrong app).

    ## Example
    ```python
    # app.py
    app = Flask(__name__)
    import tasks

    # tasks.py
    app = Flask(__name__)          # a second app "for the context"
    ```

    ## Use instead
    ```python
    # tasks.py
    from app import app
    ```
    or an application factory and `create_app()` where a context is needed.

    ## Fix safety
    No automatic fix.

    ## References
    - Flask docs: "Application Factories"
    - Flask docs: "Application Dispatching" (several apps on purpose)
    """

    code = "FD605"
    name = "multiple-flask-apps"
    severity = Severity.WARNING
    catalog = ("S05",)
    summary = "Two module-level Flask apps in modules that import each other."

    VALID = (
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            application = app
            """,
            files={
                "tests/test_app.py": """
            from flask import Flask
            app = Flask(__name__)
            """
            },
        ),
        Valid(
            """
            from flask import Flask
            from werkzeug.middleware.dispatcher import DispatcherMiddleware
            import admin
            frontend = Flask(__name__)
            app = DispatcherMiddleware(frontend, {"/admin": admin.app})
            """,
            files={
                "admin.py": """
            from flask import Flask
            app = Flask(__name__)
            """
            },
        ),
        # A helper module of response filters keeps a leftover app object that nothing touches.
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            import filters

            @app.get("/gzip")
            @filters.gzip
            def gzipped():
                return {"gzipped": True}
            """,
            files={
                "filters.py": """
            from functools import wraps
            from flask import Flask

            app = Flask(__name__)

            def gzip(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    return view(*args, **kwargs)
                return wrapper
            """
            },
        ),
        # Two apps grafted at their own paths of one cherrypy server.
        Valid(
            """
            import cherrypy
            from flask import Flask
            import api
            site = Flask(__name__)
            cherrypy.tree.graft(site, "/")
            cherrypy.tree.graft(api.app, "/api")
            """,
            files={
                "api.py": """
            from flask import Flask
            app = Flask("api")

            @app.get("/status")
            def status():
                return {"ok": True}
            """
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            import tasks

            @app.get("/")
            def index():
                return "ok"
            """,
            message="`tasks.py`",
            files={
                "tasks.py": """
            from flask import Flask
            app = Flask("worker")  # expect
            app.config.from_object("settings")

            def send_reminders():
                with app.app_context():
                    pass
            """
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if mounts_apps_separately(project):
            return
        apps: list[ObjectInfo] = []
        seen_calls: set[int] = set()
        for obj in project.objects_of(set(FLASK_TYPES)):
            if id(obj.call) in seen_calls or obj.in_function or is_side(obj.module):
                continue
            if not is_flask_call(project, obj.module, obj.call):
                continue
            if not top_level_statement(obj.module, obj.call) or not app_is_used(project, obj):
                continue
            seen_calls.add(id(obj.call))
            apps.append(obj)
        if len(apps) < 2:
            return
        reach = {a.module.name: reachable_modules(project, a.module.name) for a in apps}
        apps.sort(key=lambda o: (o.module.path, o.call.lineno))
        reported: set[str] = set()
        for i, first in enumerate(apps):
            for second in apps[i + 1 :]:
                a, b = first.module.name, second.module.name
                if a == b:
                    continue
                if b not in reach[a] and a not in reach[b]:
                    continue
                main, stray = main_and_stray(project, first, second, reach)
                if stray.qualname in reported:
                    continue
                reported.add(stray.qualname)
                report(
                    self.finding(
                        stray.location,
                        f"second Flask app `{stray.qualname.rsplit('.', 1)[-1]}` in "
                        f"`{module_display(project, stray.module.name)}`, "
                        f"a module of the same application as `{main.qualname.rsplit('.', 1)[-1]}` in "
                        f"`{module_display(project, main.module.name)}`: routes, extensions and config attach to "
                        f"whichever app they are given",
                        hint="Import the one app (or use an application factory and `current_app`) instead of "
                        "creating another.",
                        evidence=[Evidence("the other app", main.location)],
                    )
                )
