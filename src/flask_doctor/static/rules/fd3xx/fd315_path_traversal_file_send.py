"""FD315 path-traversal-file-send: send_file() of a path built from request data (path traversal)."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.flows import sink_source
from flask_doctor.static.facts.guards import allow_listed, mentions, one_segment_under
from flask_doctor.static.facts.taint import parameter_taint, route_parameters, taint
from flask_doctor.static.model import FunctionInfo
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

FILE_SINKS = {"flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file"}
PATH_GUARDS = ("commonpath", "is_relative_to", "safe_join", "secure_filename", "realpath", "basename")
#: URL converters whose value is one path segment: it cannot hold ``/``.
SEGMENT_CONVERTERS = frozenset({"string", "any"})


class PathTraversalFileSend(Rule):
    """
    ## What it does
    Finds `send_file(path)` where `path` is request data, or is built from
    it (`os.path.join(UPLOADS, filename)`, `f"{BASE}/{name}"`), with no
    `secure_filename`, `safe_join`, `basename` or containment check in the
    view, including helpers that a view calls with the request value.

    ## Why is this bad?
    `send_file` serves whatever path it is given. A filename such as
    `../../etc/passwd` (or an absolute path, which `os.path.join` lets win
    over the base directory) reads any file the worker can read: config
    files with secrets, the SQLite database, SSH keys.
    `send_from_directory(directory, filename)` is safe by design (it uses
    `werkzeug.security.safe_join` and answers 404 for paths outside the
    directory) and is not reported.

    ## Example
    ```python
    @app.get("/files/<path:name>")
    def download(name):
        return send_file(os.path.join(UPLOAD_DIR, name))
    ```

    ## Use instead
    ```python
    @app.get("/files/<path:name>")
    def download(name):
        return send_from_directory(UPLOAD_DIR, name)
    ```

    ## Fix safety
    Replacing `send_file(os.path.join(d, f))` by `send_from_directory(d, f)`
    changes the response for missing files (404); review before applying.

    ## References
    - Flask docs, API: `send_from_directory` ("This is a secure way to serve files from a folder")
    - Werkzeug docs: `werkzeug.security.safe_join`, `werkzeug.utils.secure_filename`
    """

    code = "FD315"
    name = "path-traversal-file-send"
    severity = Severity.ERROR
    catalog = ()
    summary = "send_file() of a path built from request data (path traversal)."

    call_names = last_segments(FILE_SINKS)

    VALID = (
        Valid("""
            from flask import Flask, send_from_directory
            app = Flask(__name__)

            @app.get("/files/<path:name>")
            def download(name):
                return send_from_directory("uploads", name)
            """),
        Valid("""
            import os
            from flask import Flask, request, send_file
            from werkzeug.utils import secure_filename
            app = Flask(__name__)

            @app.get("/export")
            def export():
                name = secure_filename(request.args["name"])
                return send_file(os.path.join("exports", name))
            """),
        Valid("""
            from flask import Flask, send_file
            app = Flask(__name__)

            @app.get("/report/<int:report_id>")
            def report(report_id):
                return send_file(f"reports/{report_id}.pdf")
            """),
        # only names on the allow-list, or names matched whole by a strict pattern, reach send_file
        Valid("""
            import re
            from flask import Flask, abort, send_file
            app = Flask(__name__)
            ASSETS = {"logo.png", "terms.pdf"}
            ICON = re.compile(r"[a-z0-9_-]+[.]png")

            @app.get("/assets/<name>")
            def asset(name):
                if name not in ASSETS:
                    abort(404)
                return send_file("/srv/assets/" + name)

            @app.get("/icons/<name>")
            def icon(name):
                if not ICON.fullmatch(name):
                    abort(404)
                return send_file(f"/srv/icons/{name}")

            @app.get("/docs/<name>")
            def doc(name):
                if re.match(r"^[a-z]+[.]pdf$", name) is None:
                    abort(404)
                return send_file("/srv/docs/" + name)
            """),
        # the version, the one client part of the file name, is matched whole by a compiled module pattern
        Valid("""
            import re
            from os.path import join
            from flask import Flask, send_file
            app = Flask(__name__)
            VERSION = re.compile(r"\\d+(\\.\\d+)*(-rc\\d)?$")

            @app.get("/updates/<path:version>")
            def update(version):
                if not VERSION.match(version):
                    return "bad version", 400
                filename = "agent-%s.zip" % version
                update_file = join("/srv/updates", filename)
                return send_file(update_file)
            """),
        # a `<name>` URL variable cannot hold `/`: appended last to a stored prefix it cannot leave the folder
        Valid("""
            import os
            from flask import Flask, send_file
            app = Flask(__name__)

            @app.get("/runs/<run_id>/charts/<chart>")
            def chart(run_id, chart):
                return serve_chart(run_id, chart)

            def serve_chart(run_id, chart):
                prefix = load_run(run_id)["chart_prefix"]
                return send_file(os.path.abspath(prefix) + chart.rsplit("_", 1)[-1])
            """),
        # the caller lets through only paths a project function found in the record's own list
        Valid("""
            from flask import Flask, abort, request, send_file
            app = Flask(__name__)

            @app.get("/stream")
            def stream():
                wanted = request.args.get("file", "")
                if known_file(wanted, current_record()) is False:
                    abort(403)
                return serve(wanted)

            def known_file(path, record):
                if path in record["attachments"]:
                    return True
                return any(path == extra["path"] for extra in record["extras"])

            def serve(path):
                return send_file(path)
            """),
        # the very expression the view sends was first found among the stored paths
        Valid("""
            import os
            from flask import Flask, request, send_file
            app = Flask(__name__)

            @app.get("/records/<record_id>/photo")
            def photo(record_id):
                stored = [p["path"] for p in load_record(record_id)["photos"]]
                if request.args.get("path") in stored:
                    return send_file(os.path.abspath(request.args.get("path")))
                return "not found", 404
            """),
    )
    INVALID = (
        # a `<name>` variable sent as a whole path still names any file of the working directory
        Invalid(
            """
            from flask import Flask, send_file
            app = Flask(__name__)

            @app.get("/raw/<name>")
            def raw(name):
                return send_file(name)  # expect
            """,
            message="<name>",
        ),
        # a deny-list helper: a path it does not know about goes through
        Invalid(
            """
            from flask import Flask, abort, request, send_file
            app = Flask(__name__)
            BLOCKED = {"/etc/passwd", "/etc/shadow"}

            def blocked(path):
                if path in BLOCKED:
                    return True
                return False

            @app.get("/open")
            def open_file():
                wanted = request.args.get("file", "")
                if blocked(wanted):
                    abort(403)
                return send_file(wanted)  # expect
            """,
            message="request.args.get",
        ),
        # a helper that only checks how the path starts is no allow-list: `/srv/media/../../etc/passwd`
        Invalid(
            """
            from flask import Flask, abort, request, send_file
            app = Flask(__name__)

            @app.get("/media")
            def media():
                wanted = request.args.get("file", "")
                if not under_media(wanted):
                    abort(403)
                return serve(wanted)

            def under_media(path):
                return path.startswith("/srv/media/")

            def serve(path):
                return send_file(path)  # expect
            """,
            message="media",
        ),
        Invalid(
            """
            import os
            from flask import Flask, send_file
            app = Flask(__name__)
            UPLOAD_DIR = "/srv/uploads"

            @app.get("/files/<path:name>")
            def download(name):
                return send_file(os.path.join(UPLOAD_DIR, name))  # expect
            """,
            message="<path:name>",
        ),
        Invalid(
            """
            from flask import Flask, request, send_file
            app = Flask(__name__)

            @app.get("/download")
            def download():
                path = request.args.get("file")
                return send_file(path, as_attachment=True)  # expect
            """,
            message="request.args.get",
        ),
        # a prefix check is not an allow-list: `icons/../../etc/passwd` starts with `icons/`
        Invalid(
            """
            import re
            from flask import Flask, abort, send_file
            app = Flask(__name__)

            @app.get("/static2/<path:name>")
            def asset(name):
                if re.match(r"icons/", name) is None:
                    abort(404)
                return send_file("/srv/" + name)  # expect
            """,
            message="<path:name>",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if not node.args or ctx.function is None or ctx.is_test_code():
            return
        if ctx.resolve(node.func) not in FILE_SINKS:
            return
        if mentions(ctx.function, PATH_GUARDS):
            return
        fn, project, target = ctx.function, ctx.project, node.args[0]

        def checked(param: str, caller: FunctionInfo, call: ast.Call, value: ast.expr) -> bool:
            """The caller holds the value to an allow-list, or passes one URL segment that lands last."""
            if allow_listed(project, caller, value):
                return True
            if not (isinstance(value, ast.Name) and route_parameters(caller).get(value.id) in SEGMENT_CONVERTERS):
                return False
            carried = parameter_taint(project, fn, param)
            return one_segment_under(project, fn, target, frozenset({param}), lambda p: carried.source(p) is None)

        found = sink_source(ctx, target, PATH_GUARDS, checked)
        if found is None or allow_listed(project, fn, target):
            return  # ``if name not in ALLOWED: abort(404)``: only names the project chose reach the sink
        segments = frozenset(n for n, c in route_parameters(fn).items() if c in SEGMENT_CONVERTERS)
        local = taint(project, fn)
        if segments and one_segment_under(project, fn, target, segments, lambda p: local.source(p) is None):
            return  # ``send_file(FOLDER + name)`` with ``<name>``: no ``/``, so no way out of FOLDER
        source, evidence = found
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`send_file({short(node.args[0], 50)})` in {describe_context(ctx)} serves a path built from "
                f"{source}: `../` or an absolute path reads any file the worker can read",
                hint="Use send_from_directory(directory, filename), which refuses paths outside the directory, "
                "or werkzeug.utils.secure_filename().",
                evidence=evidence,
            )
        )
