"""FD601 circular-import: Modules import each other at import time; one sees the other half-initialised."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.static.facts.assembly import app_modules
from flask_doctor.static.facts.cycles import (
    MAX_ORDER_CYCLE,
    CycleVerdict,
    can_be_entered_first,
    has_main_guard,
    import_cycles,
    is_app,
    outside_importer,
)
from flask_doctor.static.facts.imports import Edge, definitions, import_graph, module_display, shortest_path
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.model import Project
from flask_doctor.static.rules.base import Invalid, Rule, Valid


# ==================================================================== FD601
class CircularImport(Rule):
    """
    ## What it does
    Finds cycles in the module import graph that run at import time, and
    reports each cycle once, with the modules in order (`app.py → views.py
    → app.py`) and the import lines that close it.

    ## Why is this bad?
    When module A imports B and B imports A, whichever is imported second
    sees the first *half-initialised*: only the names defined above A's
    import line exist yet. `from a import db` then fails with
    `ImportError: cannot import name 'db' from partially initialized
    module` as soon as someone reorders imports or a test imports B first.
    A cycle through the app object also runs twice when `app.py` is started
    as a script (`python app.py` loads it as `__main__`, `from app import
    app` loads a second copy, and the views register on the copy).

    Severity follows what can actually break:
    - *warning* when the cycle contains the module that builds the app and a
      name is read from it before it defines it: that module is the one
      every server, test and worker imports first, so the code does not load;
    - *note* for other (2–3-module) cycles where a name is read before it
      is defined: they fail only when that module is imported first, and
      whether any entry point does that the code does not show (a module
      outside the cycle must import it at all, or it is never entered there);
    - *warning* when a flat app module that is also run as a script
      (`if __name__ == "__main__"`) is imported back: it is loaded twice;
    - *note*, once per app module, for Flask's documented pattern (the
      module creates the app, then imports the views, which import the app
      back).

    Not reported: imports inside functions, under `TYPE_CHECKING`, under
    `if False:` or under a flag the module switches off through `globals()`
    (the "statica hack": they never run); cycles of plain `import x` statements whose
    modules are only used inside functions; and any other cycle that works
    in every order it can be entered in. Python always runs
    `pkg/__init__.py` before `pkg.sub`; when the package already imports
    into the cycle, the cycle is entered in the same order from every entry
    point, so a project that starts at all is not at risk.

    ## Example
    ```python
    # app.py
    from flask import Flask
    from views import bp          # views imports app before `db` exists
    app = Flask(__name__)
    db = SQLAlchemy(app)

    # views.py
    from app import db
    ```

    ## Use instead
    ```python
    # extensions.py
    db = SQLAlchemy()

    # views.py
    from extensions import db

    # app.py
    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        from views import bp
        app.register_blueprint(bp)
        return app
    ```

    ## Fix safety
    No automatic fix: breaking a cycle means moving code between modules.

    ## References
    - Flask docs: "Large Applications as Packages" (the circular import note)
    - Python docs: "The import system" — partially initialised modules
    """

    code = "FD601"
    name = "circular-import"
    severity = Severity.WARNING
    catalog = ("S07",)
    summary = "Modules import each other at import time; one sees the other half-initialised."

    VALID = (
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            def register():
                import views
            """,
            files={
                "views.py": """
            from app import app

            @app.route("/")
            def index():
                return "ok"
            """
            },
        ),
        Valid(
            """
            from typing import TYPE_CHECKING
            import helpers

            if TYPE_CHECKING:
                from models import User

            def name(user):
                return helpers.fmt(user)
            """,
            files={
                "helpers.py": """
            import app

            def fmt(user):
                return app.name(user)
            """
            },
        ),
        Valid(
            """
            from flask import Flask
            from extensions import db
            from views import bp

            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                app.register_blueprint(bp)
                return app
            """,
            files={
                "extensions.py": "db = object()\n",
                "views.py": """
            from flask import Blueprint
            from extensions import db
            bp = Blueprint("v", __name__)
            """,
            },
        ),
        # An import shown to static tools only: the flag is switched off through globals() before it is read.
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)

            class Pipeline:
                pass

            SHOW_TYPES = True
            globals()["SHOW_TYPES"] = False
            if SHOW_TYPES:
                from snapshots import Snapshot
            """,
            files={
                "snapshots.py": """
            from app import Pipeline

            class Snapshot(Pipeline):
                pass
            """
            },
        ),
        # Two modules that need each other, entered through the same one by every importer.
        Valid(
            """
            from kinds import Kind, standard_kinds
            from rules import Rule, standard_rules

            def plugin_setup():
                return standard_kinds(), standard_rules()
            """,
            files={
                "kinds.py": """
            from rules import Rule

            class Kind:
                rules: list[Rule] = []

            def standard_kinds():
                return [Kind()]
            """,
                "rules.py": """
            import kinds

            class Rule:
                def applies(self, kind: "kinds.Kind") -> bool:
                    return True

            def standard_rules():
                return [Rule()]
            """,
            },
        ),
    )
    INVALID = (
        Invalid(
            """
            from kinds import Kind
            """,
            message="`loader.py` imports it",
            files={
                "kinds.py": """
            from rules import Rule  # expect

            class Kind:
                pass
            """,
                "rules.py": """
            from kinds import Kind

            class Rule:
                pass
            """,
                "loader.py": """
            from rules import Rule
            """,
            },
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            from views import bp
            db = object()
            """,
            message="views.py → app.py → views.py",
            files={
                "views.py": """
            from flask import Blueprint
            bp = Blueprint("v", __name__)
            from app import db  # expect
            """
            },
        ),
        Invalid(
            """
            x = 1
            """,
            message="documented",
            files={
                "shop/__init__.py": """
            from flask import Flask
            app = Flask(__name__)

            from shop import views  # expect
            """,
                "shop/views.py": """
            from shop import app

            @app.route("/")
            def index():
                return "ok"
            """,
            },
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        graph = import_graph(project)
        for component in import_cycles(project):
            members = set(component)
            if all(is_test_path(project.modules[m].path) for m in component if m in project.modules):
                continue
            reported: set[frozenset[tuple[str, int]]] = set()
            culprits: set[object] = set()
            candidates = [e for m in component for e in graph.edges.get(m, []) if e.target in members]
            for edge in sorted(candidates, key=lambda e: (e.source, e.line, e.target)):
                back = shortest_path(graph, edge.target, edge.source, members)
                if back is None:
                    continue
                cycle = [edge, *back]
                key = frozenset((e.source, e.line) for e in cycle)
                if key in reported:
                    continue
                reported.add(key)
                verdict = self._judge(project, cycle, members)
                if verdict is None or (verdict.culprit.source, verdict.culprit.line) in culprits:
                    continue
                if verdict.dedupe is not None:
                    if verdict.dedupe in culprits:
                        continue
                    culprits.add(verdict.dedupe)  # type: ignore[arg-type]
                culprits.add((verdict.culprit.source, verdict.culprit.line))
                report(self._finding(project, cycle, verdict))

    # -------------------------------------------------------------- judging
    def _judge(self, project: Project, cycle: list[Edge], component: set[str]) -> CycleVerdict | None:
        outgoing = {e.source: e for e in cycle}  # each module's import that continues the cycle
        entries = app_modules(project)
        entry = next((e.source for e in cycle if e.source in entries), None)
        if entry is not None:
            # importing ``pkg.app`` runs ``pkg/__init__`` first: when the package
            # is part of the cycle, it is the module entered first
            parts = entry.split(".")
            ancestors = [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in component]
            if ancestors:
                entry = ancestors[0]
                if entry not in outgoing:
                    return None  # entered through a package outside this cycle: order unknown
            return self._judge_through_entry(project, cycle, entry, outgoing)
        # No module of the cycle builds the app, so any of them can be the
        # first one imported (a test, a worker, a script). Only short
        # cycles: along a long chain one conditional import is enough to
        # make the claim wrong.
        for edge in cycle if len(cycle) <= MAX_ORDER_CYCLE else ():
            if not edge.names or not can_be_entered_first(project, edge.target, component):
                continue
            target = project.modules.get(edge.target)
            continuing = outgoing.get(edge.target)
            if target is None or continuing is None:
                continue
            # the failing order needs ``target`` imported before the rest of the cycle: by whom?
            importer = outside_importer(project, edge.target, component)
            if importer is None:
                continue
            defs = definitions(project, edge.target)
            late = [n for n in edge.names if n in defs and defs[n] > continuing.line]
            if late:
                name = late[0]
                return CycleVerdict(
                    Severity.NOTE,
                    f"`{module_display(project, edge.source)}` reads `{name}` from "
                    f"`{module_display(project, edge.target)}`, which only defines it at line {defs[name]}, after its "
                    f"own import at line {continuing.line} that leads back: when "
                    f"`{module_display(project, edge.target)}` is imported first (`{module_display(project, importer)}` "
                    f"imports it; whether anything runs that first the code does not show) this raises ImportError "
                    f"(partially initialised module)",
                    edge,
                    "Move the shared object (db, config, helpers) into its own module that imports neither side, "
                    "or import inside the function that needs it.",
                )
        # Any other cycle works in every import order it can be entered in:
        # Python handles it, and reporting it would only be noise.
        return None

    def _judge_through_entry(
        self, project: Project, cycle: list[Edge], entry: str, outgoing: dict[str, Edge]
    ) -> CycleVerdict | None:
        """The cycle contains the module that builds the app, which servers,
        tests and workers all import first: only that module is ever seen
        half-initialised, so only names read *from it* matter."""
        continuing = outgoing[entry]
        into = next((e for e in cycle if e.target == entry), None)
        if into is None or not into.names:
            return None
        module = project.modules[entry]
        shown = module_display(project, entry)
        defs = definitions(project, entry)
        late = [n for n in into.names if n in defs and defs[n] > continuing.line]
        if late:
            name = late[0]
            return CycleVerdict(
                Severity.WARNING,
                f"`{module_display(project, into.source)}` reads `{name}` from `{shown}`, which only defines it at "
                f"line {defs[name]}, after the import at line {continuing.line} that leads back: importing `{shown}` "
                f"(which every server, test and worker does first) raises ImportError (partially initialised module)",
                into,
                "Define the shared object above that import, or better move it into its own module "
                "(extensions.py) that imports neither side.",
            )
        apps = [n for n in into.names if is_app(project, entry, n)]
        if not apps:
            return None  # works: the names exist before the cycle comes back
        if not module.is_package and has_main_guard(module):
            return CycleVerdict(
                Severity.WARNING,
                f'`{shown}` is also run as a script (`if __name__ == "__main__"`): `python {shown}` loads it as '
                f"`__main__`, and `from {entry} import {apps[0]}` in `{module_display(project, into.source)}` "
                f"loads a second copy with a second app object — the routes land on the copy",
                into,
                "Create the app in an application factory, register views through blueprints, and start it with "
                "`flask run`/gunicorn instead of running the module.",
            )
        return CycleVerdict(
            Severity.NOTE,
            f"this is Flask's documented pattern (the app module imports the views after creating `{apps[0]}`, and "
            f"the views import `{apps[0]}` back): it works, but breaks as soon as an import moves above `{apps[0]}`",
            continuing,
            "Prefer blueprints and an application factory (`create_app`) so views never import the app.",
            dedupe=f"documented:{entry}",
        )

    def _finding(self, project: Project, cycle: list[Edge], verdict: CycleVerdict) -> Finding:
        # rotate so the cycle starts at the culprit's source
        start = next(i for i, e in enumerate(cycle) if e is verdict.culprit)
        ordered = cycle[start:] + cycle[:start]
        chain = " → ".join(module_display(project, e.source) for e in ordered)
        chain += f" → {module_display(project, ordered[0].source)}"
        evidence = []
        for edge in ordered:
            module = project.modules[edge.source]
            text = module.lines[edge.line - 1].strip() if 0 < edge.line <= len(module.lines) else ""
            evidence.append(Evidence(f"`{text}`", Location(module.path, edge.line, edge.record.column)))
        module = project.modules[verdict.culprit.source]
        return self.finding(
            Location(module.path, verdict.culprit.line, verdict.culprit.record.column),
            f"import cycle {chain}: {verdict.reason}",
            hint=verdict.hint,
            evidence=evidence,
            severity=min(verdict.severity, self.effective_severity),
        )
