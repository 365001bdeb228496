"""FD323 upload-saved-under-client-filename: an uploaded file written to a path built from the name the client sent."""

from __future__ import annotations

import ast

from flask_doctor.findings import Evidence, Location, Severity
from flask_doctor.static.facts.config_values import short
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.rules.base import (
    Context,
    Invalid,
    Rule,
    Valid,
    describe_context,
)

#: ``open(path, mode)`` spellings, and the mode letters that write.
OPENS = frozenset({"open", "builtins.open", "io.open", "codecs.open"})
_WRITE_MODES = ("w", "a", "x", "+")
#: ``shutil`` calls whose second argument is the file written.
COPIES = frozenset({"shutil.copyfile", "shutil.copy", "shutil.copy2", "shutil.move"})
#: Roles whose code is not the deployed application.
_SIDE_ROLES = frozenset({FileRole.TEST, FileRole.EXAMPLE, FileRole.DOCS, FileRole.TEMPLATE})


class UploadSavedUnderClientFilename(Rule):
    """
    ## What it does
    Finds an uploaded file (`request.files[...]`, `.get()`, `.getlist()`,
    `.values()`, or a loop over them) written to a path that starts a segment
    with the file's `filename` as the client sent it: `f.save(os.path.join(
    FOLDER, f.filename))`, `open(f"{FOLDER}/{name}", "wb")`,
    `shutil.move(tmp, FOLDER + "/" + name)`, in a view or in a helper that a
    view calls with the file or its name. Not reported: a name passed
    through `secure_filename` or `os.path.basename`, a generated name
    (`uuid4()`, a hash, the record id), fixed text before the client's name
    in the same segment, `safe_join`, a containment check (`commonpath`,
    `is_relative_to`, a `realpath(...).startswith(...)` test), a refusal of
    names holding `..` or `/`, and a name held to an allow-list or a
    whole-name pattern.

    ## Why is this bad?
    `FileStorage.filename` is whatever the client put in the multipart
    body. `../../app.py`, or an absolute path (which `os.path.join` lets win
    over the folder), writes the upload over any file the worker can write:
    the application's code, its templates, a `.ssh/authorized_keys`, a
    cron file. Flask's "Uploading Files" pattern passes the name through
    `werkzeug.utils.secure_filename` for this reason.

    ## Example
    ```python
    @app.post("/invoices")
    def upload():
        for f in request.files.getlist("invoices"):
            f.save(os.path.join(INVOICE_FOLDER, f.filename))
    ```

    ## Use instead
    ```python
    from werkzeug.utils import secure_filename

    @app.post("/invoices")
    def upload():
        for f in request.files.getlist("invoices"):
            f.save(os.path.join(INVOICE_FOLDER, secure_filename(f.filename)))
    ```

    ## Fix safety
    No automatic fix: `secure_filename` can return an empty string or a name
    another upload already uses; decide what to store the file under.

    ## References
    - Flask docs, Patterns: "Uploading Files" (why `secure_filename`; never trust what the user sends)
    - Werkzeug docs, Data Structures: `FileStorage.filename` (the name of the file on the client), `FileStorage.save`
    - Werkzeug docs, Utilities: `werkzeug.utils.secure_filename` (a name safe to pass to `os.path.join`)
    """

    code = "FD323"
    name = "upload-saved-under-client-filename"
    severity = Severity.ERROR
    catalog = ()
    #: Preview: on the 169 applications of the corpus it found 4 uploads saved under the client's name, 2 true
    #: and 2 wrong (held code: the path is resolved and refused when it falls outside a fresh temporary
    #: directory, a containment check the rule does not read); too few judged findings, and wrong ones, to
    #: leave preview (docs/CONTRIBUTING.md, "Adding a static rule").
    preview = True
    summary = "An uploaded file is saved under the name the client sent (path traversal on write)."
    call_names = frozenset({"save", "open", "copyfile", "copy", "copy2", "move", "write_bytes", "write_text"})

    VALID = (
        # the name the Flask pattern uses: secure_filename drops separators and leading dots
        Valid("""
            import os
            from flask import Flask, request
            from werkzeug.utils import secure_filename
            app = Flask(__name__)
            FOLDER = "/srv/uploads"

            @app.post("/upload")
            def upload():
                f = request.files["document"]
                f.save(os.path.join(FOLDER, secure_filename(f.filename)))
                name = secure_filename(request.files["cover"].filename)
                request.files["cover"].save(f"{FOLDER}/{name}")
                return "ok"
            """),
        # a generated name: the client's name is kept only as a label, or for its extension
        Valid("""
            import os
            import uuid
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/photos/<int:photo_id>")
            def photo(photo_id):
                upload = request.files["photo"]
                extension = os.path.splitext(upload.filename)[1]
                upload.save(os.path.join("/srv/photos", f"{photo_id}{extension}"))
                store_label(photo_id, upload.filename)
                return "ok"

            @app.post("/attachments")
            def attachments():
                for upload in request.files.getlist("files"):
                    stored = uuid.uuid4().hex + "." + upload.filename.rsplit(".", 1)[-1]
                    upload.save(os.path.join("/srv/attachments", stored))
                return "ok"
            """),
        # fixed text before the client's name in the same segment: a climb needs a folder `<prefix>..`
        Valid("""
            import os
            import uuid
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/scans")
            def scans():
                scan = request.files["scan"]
                scan.save(os.path.join("/srv/scans", f"{uuid.uuid4()}_{scan.filename}"))
                return "ok"
            """),
        # basename keeps the last segment only, and the name is then checked
        Valid("""
            import os
            from flask import Flask, abort, request
            app = Flask(__name__)

            @app.post("/logs")
            def logs():
                log = request.files["log"]
                name = os.path.basename(log.filename)
                if not name.endswith(".log"):
                    abort(400)
                log.save(os.path.join("/srv/logs", name))
                return "ok"
            """),
        # containment: safe_join refuses names that leave the folder; a resolved prefix test does too
        Valid("""
            import os
            from flask import Flask, abort, request
            from werkzeug.security import safe_join
            app = Flask(__name__)
            ROOT = "/srv/files"

            @app.post("/files")
            def files():
                f = request.files["file"]
                target = safe_join(ROOT, f.filename)
                if target is None:
                    abort(400)
                f.save(target)
                return "ok"

            @app.post("/files2")
            def files2():
                f = request.files["file"]
                target = os.path.join(ROOT, f.filename)
                if not os.path.realpath(target).startswith(os.path.realpath(ROOT) + os.sep):
                    abort(400)
                f.save(target)
                return "ok"
            """),
        # the name is held to a whole-name pattern, or to the names the project expects, or refused with `..`
        Valid("""
            import os
            import re
            from flask import Flask, abort, request
            app = Flask(__name__)
            SAFE = re.compile(r"[A-Za-z0-9_-]+[.]csv")
            EXPECTED = {"prices.csv", "stock.csv"}

            @app.post("/imports")
            def imports():
                f = request.files["sheet"]
                if not SAFE.fullmatch(f.filename):
                    abort(400)
                f.save(os.path.join("/srv/imports", f.filename))
                return "ok"

            @app.post("/feeds")
            def feeds():
                feed = request.files["feed"]
                name = feed.filename
                if name not in EXPECTED:
                    abort(400)
                feed.save("/srv/feeds/" + name)
                return "ok"

            @app.post("/notes")
            def notes():
                note = request.files["note"]
                if ".." in note.filename or note.filename.startswith("/"):
                    abort(400)
                note.save(os.path.join("/srv/notes", note.filename))
                return "ok"
            """),
        # the upload written to a stream, or to a path the client does not name
        Valid("""
            import io
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/avatar")
            def avatar():
                buffer = io.BytesIO()
                request.files["avatar"].save(buffer)
                request.files["avatar"].save("/srv/avatars/current.png")
                return str(len(buffer.getvalue()))
            """),
        # test code saves what it uploads under the names it chose
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "tests/test_uploads.py": """
import os
from flask import request

def test_upload_roundtrip(tmp_path):
    f = request.files["file"]
    f.save(os.path.join(tmp_path, f.filename))
"""
            },
        ),
    )
    INVALID = (
        # the name the client sent, joined to the folder
        Invalid(
            """
            import os
            from flask import Flask, request
            app = Flask(__name__)
            INVOICE_FOLDER = "/srv/invoices"

            @app.post("/invoices")
            def invoices():
                for f in request.files.getlist("invoices"):
                    f.save(os.path.join(INVOICE_FOLDER, f.filename))  # expect
                return "ok"
            """,
            message="f.filename",
        ),
        # through a local, an f-string path, `.get()` and `.values()`
        Invalid(
            """
            from flask import Flask, current_app, request
            app = Flask(__name__)

            @app.post("/docs")
            def docs():
                doc = request.files.get("doc")
                name = doc.filename.lower()
                doc.save(f"{current_app.config['DOCS']}/{name}")  # expect
                for item in request.files.values():
                    item.save(current_app.config["DOCS"] + item.filename)  # expect
                return "ok"
            """,
            message="client sent",
        ),
        # the file opened for writing under the client's name, and a move into the folder
        Invalid(
            """
            import os
            import shutil
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/raw")
            def raw():
                upload = request.files["blob"]
                with open(os.path.join("/srv/raw", upload.filename), "wb") as out:  # expect
                    shutil.copyfileobj(upload.stream, out)
                shutil.move("/srv/staging/blob", os.path.join("/srv/raw", upload.filename))  # expect
                return "ok"
            """,
            message="../",
        ),
        # a helper the view hands the file to
        Invalid(
            """
            import os
            from flask import Flask, request
            app = Flask(__name__)

            def store(upload, folder):
                path = os.path.join(folder, upload.filename)
                upload.save(path)  # expect
                return path

            @app.post("/assets")
            def assets():
                store(request.files["asset"], "/srv/assets")
                return "ok"
            """,
            message="store",
        ),
        # an extension check is no name check: `../../static/x.png` passes it; normpath undoes the prefix
        Invalid(
            """
            import os
            from flask import Flask, abort, request
            app = Flask(__name__)
            ALLOWED = {"png", "jpg"}

            @app.post("/images")
            def images():
                image = request.files["image"]
                if image.filename.rsplit(".", 1)[-1].lower() not in ALLOWED:
                    abort(400)
                image.save(os.path.join("/srv/images", image.filename))  # expect
                image.save(os.path.normpath("/srv/images/img_" + image.filename))  # expect
                return "ok"
            """,
            message="image.filename",
        ),
        # sanitised, but the raw name is the one used
        Invalid(
            """
            import os
            from flask import Flask, request
            from werkzeug.utils import secure_filename
            app = Flask(__name__)

            @app.post("/reports")
            def reports():
                report = request.files["report"]
                safe = secure_filename(report.filename)
                report.save(os.path.join("/srv/reports", report.filename))  # expect
                return safe
            """,
            message="report.filename",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        fn = ctx.function
        if fn is None:
            return
        target = self._written_path(node, ctx)
        if target is None or ctx.is_test_code() or role_of(ctx.project, ctx.module) in _SIDE_ROLES:
            return
        # The upload facts are imported here, at the first write this rule considers, not at the top of the
        # module: FD323 is in preview, and building their records' classes is a fixed cost of every run otherwise.
        from flask_doctor.static.facts.uploads import client_name_path

        found = client_name_path(ctx.project, fn, target)
        if found is None:
            return
        read = ast.unparse(found.node)
        evidence: list[Evidence] = []
        where = ""
        if found.via is not None:
            caller, call = found.via
            where = f", which `{caller.display}` passes in"
            evidence.append(
                Evidence(
                    f"called with the uploaded file or its name from {caller.display}",
                    Location(caller.module.path, call.lineno, call.col_offset + 1),
                )
            )
        ctx.report(
            self.finding(
                ctx.location(node),
                f"`{short(node, 60)}` in {describe_context(ctx)} writes to a path built from `{read}`{where}, the "
                f"name the client sent for the uploaded file: `../` or an absolute path writes over any file the "
                f"worker can write",
                hint="Store the file under werkzeug.utils.secure_filename(name), or under a name you generate "
                "(a uuid, the record id), and keep the client's name as data.",
                evidence=evidence,
            )
        )

    def _written_path(self, node: ast.Call, ctx: Context) -> ast.expr | None:
        """The path ``node`` writes a file to, when it is one of the writes this rule knows."""
        func = node.func
        fn = ctx.function
        assert fn is not None
        if isinstance(func, ast.Attribute) and func.attr == "save":
            target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dst"), None)
            from flask_doctor.static.facts.uploads import upload_object  # see visit_Call

            if target is None or not upload_object(ctx.project, fn, func.value):
                return None
            return target
        if isinstance(func, ast.Attribute) and func.attr in ("write_bytes", "write_text"):
            return func.value
        name = ctx.resolve(func) or ""
        if name in OPENS and node.args:
            mode = (
                node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            )
            if (
                isinstance(mode, ast.Constant)
                and isinstance(mode.value, str)
                and any(c in mode.value for c in _WRITE_MODES)
            ):
                return node.args[0]
            return None
        if name in COPIES and len(node.args) > 1:
            return node.args[1]
        return None
