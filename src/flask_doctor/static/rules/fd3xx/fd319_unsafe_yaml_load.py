"""FD319 unsafe-yaml-load: yaml.load with a loader that builds arbitrary Python objects."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.context import last_segments
from flask_doctor.static.facts.deserialisers import (
    YAML_LOADS,
    YAML_UNSAFE_FUNCS,
    YAML_UNSAFE_LOADERS,
)
from flask_doctor.static.facts.flows import sink_source
from flask_doctor.static.facts.roles import FileRole, role_of_path
from flask_doctor.static.rules.base import Context, FixExample, Invalid, Rule, Valid


class UnsafeYamlLoad(Rule):
    """
    ## What it does
    Finds `yaml.load()` / `yaml.load_all()` without a safe `Loader`, with
    `Loader=yaml.Loader`, `UnsafeLoader` or `CLoader`, and
    `yaml.unsafe_load()`.

    ## Why is this bad?
    PyYAML's unsafe loader builds arbitrary Python objects from tags such as
    `!!python/object/apply:os.system`: loading a document an attacker wrote
    (an upload, an API body, a file in a shared volume) runs their code.
    `yaml.load(stream)` without `Loader` ran the unsafe loader before PyYAML
    5.1 and raises `TypeError` since PyYAML 6. `yaml.safe_load` and
    `Loader=yaml.SafeLoader`/`CSafeLoader` build only plain data and are not
    reported. Request data (read in the function or passed in by a caller)
    makes any of these an error; on other data (usually the app's own or the
    operator's files) the unsafe loaders are a note, and a missing `Loader` a
    warning (it crashes on PyYAML 6). A document that is a string literal of
    the module is not reported, nor a load of other data in example or
    docs code (`examples/`: the bundled sample files it ships).

    Nor are `yaml.full_load()` and `Loader=yaml.FullLoader`: PyYAML 5.4 fixed
    their last bypass (CVE-2020-14343) by moving the `python/object`,
    `/new`, `/apply` and `python/module` tags to `UnsafeLoader`, so they no
    longer construct arbitrary objects. (A project still pinned below 5.4
    has that CVE in its dependency, which a dependency audit reports.)

    ## Example
    ```python
    data = yaml.load(request.files["config"].read(), Loader=yaml.Loader)
    ```

    ## Use instead
    ```python
    data = yaml.safe_load(request.files["config"].read())
    ```

    ## Fix safety
    Replacing the loader by `SafeLoader` is safe unless the documents really
    use Python tags, which then fail to load.

    ## References
    - PyYAML docs, "yaml.load(input) Deprecation"
    - CVE-2017-18342, CVE-2020-1747, CVE-2020-14343
    - PyYAML CHANGES, 5.4: "Fix for CVE-2020-14343, moves arbitrary python tags to UnsafeLoader"
    """

    code = "FD319"
    name = "unsafe-yaml-load"
    severity = Severity.ERROR
    catalog = ()
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/import")
            def import_config():
                return yaml.load(request.data, Loader=yaml.UnsafeLoader)
            """,
        after="""
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/import")
            def import_config():
                return yaml.load(request.data, Loader=yaml.SafeLoader)
            """,
    )
    summary = "yaml.load with a loader that builds arbitrary Python objects."

    call_names = last_segments(YAML_UNSAFE_FUNCS, YAML_LOADS)

    VALID = (
        # an example loader reading the sample dashboards the project ships next to it
        Valid(
            """
            from flask import Flask
            app = Flask(__name__)
            """,
            files={
                "examples/load_samples.py": (
                    "import pathlib\n"
                    "import yaml\n\n\n"
                    "def load_samples():\n"
                    "    folder = pathlib.Path(__file__).parent / 'samples'\n"
                    "    return [yaml.load(p.read_text(), Loader=yaml.Loader) for p in folder.glob('*.yaml')]\n"
                )
            },
        ),
        Valid("""
            import yaml

            def read(path):
                with open(path) as fh:
                    return yaml.safe_load(fh)
            """),
        Valid("""
            import yaml
            from yaml import CSafeLoader

            def read(text):
                return yaml.load(text, Loader=yaml.SafeLoader), yaml.load(text, CSafeLoader)
            """),
        # the defaults are a YAML string in the same module
        Valid("""
            import yaml

            default_config = \"\"\"
            server:
              port: 5005
            \"\"\"

            def get_default_config():
                return yaml.load(default_config, Loader=yaml.Loader)
            """),
        # An assistant's skills file with includes, read with the full loader: since PyYAML 5.4 it builds no
        # Python objects, even from a request body.
        Valid("""
            import os
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            def read_skills(path):
                with open(path) as fh:
                    skills = yaml.full_load(fh)
                for entry in skills:
                    for extra in entry.get("include", []):
                        with open(os.path.join(os.path.dirname(path), extra)) as fh:
                            skills.extend(yaml.load(fh, Loader=yaml.FullLoader))
                return skills

            @app.post("/skills/preview")
            def preview():
                return {"skills": yaml.full_load(request.get_data(as_text=True))}
            """),
    )
    INVALID = (
        # a caller hands the request body to a helper that loads it
        Invalid(
            """
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            def parse_manifest(text):
                return yaml.load(text, Loader=yaml.Loader)  # expect

            @app.post("/manifests")
            def upload_manifest():
                return parse_manifest(request.get_data(as_text=True))
            """,
            message="upload_manifest",
        ),
        Invalid(
            """
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/import")
            def import_config():
                return yaml.load(request.data, Loader=yaml.UnsafeLoader)  # expect
            """,
            message="UnsafeLoader",
        ),
        # the operator's own rules file, read with the unsafe loader: a note
        Invalid(
            """
            import yaml

            def load_rules(path):
                with open(path) as fh:
                    return yaml.unsafe_load(fh)  # expect
            """,
            message="harmless on files only the app or its operator writes",
        ),
        Invalid(
            """
            from yaml import load

            def read(text):
                return load(text)  # expect
            """,
            message="TypeError",
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = ctx.resolve(node.func)
        label: str | None = None
        if name in YAML_UNSAFE_FUNCS:
            label = f"`{YAML_UNSAFE_FUNCS[name]}()`"
        elif name in YAML_LOADS:
            positional = node.args[1] if len(node.args) > 1 else None
            loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), positional)
            if loader is None:
                if node.keywords and any(kw.arg is None for kw in node.keywords):
                    return  # **kwargs may carry a Loader
                label = f"`{name}()` without `Loader`"
            else:
                loader_name = ctx.resolve(loader)
                if loader_name in YAML_UNSAFE_LOADERS:
                    label = f"`{name}(..., Loader={YAML_UNSAFE_LOADERS[loader_name]})`"
        if label is None:
            return
        if node.args and self._constant_text(node.args[0], ctx):
            return  # the document is a literal in the source: no attacker writes it
        found = sink_source(ctx, node.args[0]) if node.args else None
        if found is None and role_of_path(ctx.module.path) in (FileRole.EXAMPLE, FileRole.DOCS):
            return  # an example loader reading the project's bundled sample files: nobody else writes them
        origin = f" on {found[0]}" if found is not None else ""
        evidence = found[1] if found is not None else []
        if found is not None:
            severity = self.effective_severity
        elif "without" in label:
            severity = min(Severity.WARNING, self.effective_severity)  # a TypeError on PyYAML >= 6, whatever the data
        else:
            # the app's own or the operator's files: hygiene unless users can supply the document
            severity = Severity.NOTE
        if "without" in label:
            risk = "runs the unsafe loader on PyYAML < 5.1 and raises TypeError on PyYAML >= 6"
        elif found is None:
            risk = (
                "builds arbitrary Python objects: harmless on files only the app or its operator writes, code "
                "execution if users can ever supply the document"
            )
        else:
            risk = "builds arbitrary Python objects, so a crafted document runs code in the worker"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label}{origin} {risk}",
                hint="Use yaml.safe_load() (or Loader=yaml.SafeLoader / CSafeLoader).",
                severity=severity,
                evidence=evidence,
            )
        )

    @staticmethod
    def _constant_text(node: ast.expr, ctx: Context) -> bool:
        """A string literal, or a module-level name bound only to one (``yaml.load(DEFAULTS, ...)``)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            return True
        if not isinstance(node, ast.Name) or (ctx.function is not None and node.id in ctx.function.local_names):
            return False
        values = [
            stmt.value
            for stmt in ctx.module.tree.body
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets)
        ]
        return bool(values) and all(isinstance(v, ast.Constant) and isinstance(v.value, (str, bytes)) for v in values)
