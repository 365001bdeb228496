"""FD323: the shapes of an upload written under the client's name, and the shapes that keep it in its folder.

Each case marks the lines that must be reported with ``# BAD``; every other line must stay quiet.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.static.runner import analyse_sources

BAD = {
    "a helper writes under the name its caller passes": """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        def write(data, name):
            with open(os.path.join("/srv", name), "wb") as fh:  # BAD
                fh.write(data)

        @app.post("/u")
        def u():
            f = request.files["f"]
            write(f.read(), f.filename)
        """,
    "pathlib paths": """
        from pathlib import Path
        from flask import Flask, request
        app = Flask(__name__)
        UP = Path("/srv")

        @app.post("/u")
        def u():
            f = request.files["f"]
            f.save(UP / f.filename)  # BAD
            (UP / f.filename).write_bytes(f.read())  # BAD
            f.save(UP.joinpath(f.filename).resolve())  # BAD
            f.save(UP / Path(f.filename).name)
        """,
    "format strings": """
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/u")
        def u():
            f = request.files["f"]
            f.save("%s/%s" % ("/srv", f.filename))  # BAD
            f.save("/srv/{}".format(f.filename))  # BAD
            f.save("/".join(["/srv", f.filename]))  # BAD
            f.save("/srv/up_%s" % f.filename)
            f.save("/srv/up_{}".format(f.filename))
        """,
    "every way to reach the files": """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/u")
        def u():
            for key, f in request.files.items():
                f.save(os.path.join("/srv", f.filename))  # BAD
            for key in request.files:
                g = request.files[key]
                g.save(os.path.join("/srv", key, g.filename))  # BAD
            files = request.files.getlist("x")
            for h in files:
                name = h.filename
                name = name.replace("..", "")
                h.save(os.path.join("/srv", name))  # BAD
            request.files["y"].save(os.path.join("/srv", request.files["y"].filename))  # BAD
        """,
    "the stem keeps the separators": """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/u")
        def u():
            f = request.files["f"]
            stem = os.path.splitext(f.filename)[0]
            f.save(os.path.join("/srv", stem + ".png"))  # BAD
            f.save(os.path.join("/srv", stem[:40]))  # BAD
            f.save(os.path.join("/srv", f.filename.split("/")[-1]))
            f.save(os.path.join("/srv", f.filename.replace("/", "_")))
        """,
    "a class-based view's own helper": """
        import os
        from flask import request
        from flask.views import MethodView

        class Upload(MethodView):
            def post(self):
                f = request.files["f"]
                self.store(f)

            def store(self, f):
                f.save(os.path.join("/srv", f.filename))  # BAD
        """,
    "a conditional name": """
        import os
        from flask import Flask, request
        from werkzeug.utils import secure_filename
        app = Flask(__name__)

        @app.post("/u")
        def u():
            f = request.files["f"]
            name = secure_filename(f.filename) if request.args.get("safe") else f.filename
            f.save(os.path.join("/srv", name))  # BAD
            other = f.filename or "upload.bin"
            f.save(os.path.join("/srv", other))  # BAD
        """,
    "a deny-list of names is no allow-list": """
        import os
        from flask import Flask, abort, request
        app = Flask(__name__)
        RESERVED = {"index.html", "app.py"}

        @app.post("/u")
        def u():
            f = request.files["f"]
            if f.filename in RESERVED:
                abort(400)
            f.save(os.path.join("/srv", f.filename))  # BAD
        """,
}

GOOD = {
    "the caller sanitises the name it passes": """
        import os
        from flask import Flask, request
        from werkzeug.utils import secure_filename
        app = Flask(__name__)

        def write(f, name):
            f.save(os.path.join("/srv", name))

        @app.post("/u")
        def u():
            f = request.files["f"]
            write(f, secure_filename(f.filename))
        """,
    "the name is sanitised in place": """
        import os
        from flask import Flask, request
        from werkzeug.utils import secure_filename
        app = Flask(__name__)

        @app.post("/u")
        def u():
            f = request.files["f"]
            filename = f.filename
            filename = secure_filename(filename)
            f.save(os.path.join("/srv", filename))
        """,
    "a hash or the record id names the file": """
        import hashlib
        import os
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/docs/<int:doc_id>")
        def docs(doc_id):
            f = request.files["f"]
            digest = hashlib.sha256(f.read()).hexdigest()
            f.seek(0)
            f.save(os.path.join("/srv", digest))
            f.save(os.path.join("/srv", str(doc_id) + os.path.splitext(f.filename)[1]))
            f.save(os.path.join("/srv", "%d-%s" % (doc_id, f.filename)))
            f.save(os.path.join(os.path.abspath("/srv"), f"{doc_id}_{f.filename}"))
        """,
    "a path check before the write": """
        import os
        from pathlib import Path
        from flask import Flask, abort, request
        app = Flask(__name__)
        ROOT = Path("/srv")

        @app.post("/u")
        def u():
            f = request.files["f"]
            target = (ROOT / f.filename).resolve()
            if not target.is_relative_to(ROOT):
                abort(400)
            f.save(target)

        @app.post("/v")
        def v():
            f = request.files["f"]
            target = os.path.join("/srv", f.filename)
            if os.path.commonpath([os.path.realpath(target), "/srv"]) != "/srv":
                abort(400)
            f.save(target)
        """,
    "the name must match a pattern in a helper's caller": """
        import os
        import re
        from flask import Flask, abort, request
        app = Flask(__name__)

        def keep(f, name):
            f.save(os.path.join("/srv", name))

        @app.post("/u")
        def u():
            f = request.files["f"]
            if not re.fullmatch(r"[a-z0-9]+[.]txt", f.filename):
                abort(400)
            keep(f, f.filename)
        """,
    "files that are not uploads, and reads": """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        @app.post("/u")
        def u():
            name = request.form["title"]
            with open(os.path.join("/srv", request.files["f"].filename)) as fh:
                fh.read()
            log = open("/srv/uploads.log", "a")
            log.write(request.files["f"].filename)
            return name
        """,
    "an example folder": """
        from flask import Flask
        app = Flask(__name__)
        """,
}

EXTRA = {
    "an example folder": {
        "examples/upload.py": """
            import os
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/u")
            def u():
                f = request.files["f"]
                f.save(os.path.join("/srv/incoming", f.filename))
            """
    }
}


def _lines(code: str, extra: dict[str, str] | None = None) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    sources = {"app.py": textwrap.dedent(code).lstrip("\n")}
    sources.update({path: textwrap.dedent(text).lstrip("\n") for path, text in (extra or {}).items()})
    result = analyse_sources(sources, select=["FD323"])
    assert not [f for f in result.findings if f.code in ("FD001", "FD004")]
    got = sorted((f.location.path, f.location.line) for f in result.findings if f.code == "FD323" and f.location)
    want = sorted(
        (path, number)
        for path, text in sources.items()
        for number, line in enumerate(text.splitlines(), 1)
        if line.rstrip().endswith("# BAD")
    )
    return got, want


@pytest.mark.parametrize("name", sorted(BAD))
def test_upload_saved_under_client_name_is_reported(name: str) -> None:
    got, want = _lines(BAD[name])
    assert want and got == want


@pytest.mark.parametrize("name", sorted(GOOD))
def test_upload_kept_in_its_folder_is_not_reported(name: str) -> None:
    got, want = _lines(GOOD[name], EXTRA.get(name))
    assert want == [] and got == []


def test_helper_finding_points_at_the_caller() -> None:
    code = """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        def store(upload):
            upload.save(os.path.join("/srv", upload.filename))

        @app.post("/u")
        def u():
            store(request.files["f"])
        """
    result = analyse_sources({"app.py": textwrap.dedent(code).lstrip("\n")}, select=["FD323"])
    [finding] = [f for f in result.findings if f.code == "FD323"]
    assert finding.location is not None and finding.location.line == 6
    assert "`u`" in finding.message and "upload.filename" in finding.message
    assert [e.location.line for e in finding.evidence if e.location] == [10]


def test_a_loop_skips_names_that_do_not_match() -> None:
    code = """
        import os
        import re
        from flask import Flask, request
        app = Flask(__name__)
        NAME = re.compile(r"[a-z]+[.]pdf")

        @app.post("/u")
        def u():
            for f in request.files.getlist("pdfs"):
                if not NAME.fullmatch(f.filename):
                    continue
                f.save(os.path.join("/srv", f.filename))
            for f in request.files.getlist("pdfs"):
                if f.filename in ("a.pdf", "b.pdf"):
                    continue
                f.save(os.path.join("/srv", f.filename))  # BAD
        """
    got, want = _lines(code)
    assert got == want == [("app.py", 16)]
