"""FD322 upload-without-size-limit: File uploads with no MAX_CONTENT_LENGTH anywhere in the project."""

from __future__ import annotations

import ast
from collections.abc import Callable

from flask_doctor.findings import Finding, Location, Severity
from flask_doctor.static.facts.proxy import declared_proxies
from flask_doctor.static.facts.roles import is_test_path
from flask_doctor.static.facts.taint import REQUEST_NAMES
from flask_doctor.static.model import REQUEST, Project
from flask_doctor.static.names import dotted
from flask_doctor.static.rules.base import Invalid, Rule, Valid


class UploadWithoutSizeLimit(Rule):
    """
    ## What it does
    Finds views that read uploaded files (`request.files`) in a project that
    never sets `MAX_CONTENT_LENGTH` (in a config class, a config module or
    `app.config`) and has no reverse proxy declared (nginx limits bodies to
    1 MB by default).

    ## Why is this bad?
    Flask's default `MAX_CONTENT_LENGTH` is `None`: a client can upload a
    body of any size, which Werkzeug spools to memory and disk. A few large
    uploads fill the disk or memory of a worker and take the site down.
    `MAX_CONTENT_LENGTH` makes Flask answer 413 before reading the body.
    The rule is in preview: the limit that really applies is often set
    outside the repository (a proxy, an ingress, a platform), and most real
    uploads sit behind a login, so the finding is hardening advice rather
    than a defect.

    ## Example
    ```python
    @app.post("/avatar")
    def avatar():
        request.files["image"].save(path)
    ```
    with no `MAX_CONTENT_LENGTH` anywhere.

    ## Use instead
    ```python
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024  # 16 MB
    ```

    ## Fix safety
    No automatic fix: the limit depends on what users upload.

    ## References
    - Flask docs, "Uploading Files": "Improving Uploads" / `MAX_CONTENT_LENGTH`
    - Flask docs, Configuration: `MAX_CONTENT_LENGTH`, `MAX_FORM_MEMORY_SIZE`
    """

    code = "FD322"
    name = "upload-without-size-limit"
    severity = Severity.NOTE
    catalog = ()
    #: Preview: on 32 real applications every finding was hardening nobody would act on first (uploads behind
    #: login or upload roles, large files by design, limits set by a proxy or platform the repository does not
    #: declare); the rule cannot see the limit that really applies.
    preview = True
    summary = "File uploads with no MAX_CONTENT_LENGTH anywhere in the project."

    VALID = (
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)
            app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

            @app.post("/avatar")
            def avatar():
                request.files["image"].save("/tmp/avatar.png")
                return "ok"
            """),
        Valid("""
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/name")
            def name():
                return request.form["name"]
            """),
    )
    INVALID = (
        Invalid(
            """
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/avatar")
            def avatar():
                request.files["image"].save("/tmp/avatar.png")  # expect
                return "ok"
            """,
            message="MAX_CONTENT_LENGTH",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if any(s.key in ("MAX_CONTENT_LENGTH",) for s in project.config):
            return
        if any("MAX_CONTENT_LENGTH" in m.text or "max_content_length" in m.text for m in project.modules.values()):
            return
        if declared_proxies(project):
            return
        for fn in project.functions.values():
            if REQUEST not in fn.contexts or is_test_path(fn.module.path):
                continue
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Attribute) and node.attr == "files":
                    base = dotted(node.value)
                    if base and (fn.imports.qualify(base) or "") in REQUEST_NAMES:
                        report(
                            self.finding(
                                Location(fn.module.path, node.lineno, node.col_offset + 1),
                                f"`{fn.display}` reads uploaded files (`request.files`) and the project never sets "
                                f"MAX_CONTENT_LENGTH: a client can send a body of any size and fill the worker's "
                                f"memory or disk",
                                hint='Set app.config["MAX_CONTENT_LENGTH"] to the largest upload you accept '
                                "(Flask answers 413 above it).",
                            )
                        )
                        break
