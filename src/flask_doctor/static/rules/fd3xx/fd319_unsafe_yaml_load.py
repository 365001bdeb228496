"""FD319 unsafe-yaml-load: yaml.load with a loader that builds arbitrary Python objects."""

from __future__ import annotations

import ast

from flask_doctor.findings import Severity
from flask_doctor.static.facts.deserialisers import (
    YAML_UNSAFE_FUNCS,
    YAML_UNSAFE_LOADERS,
)
from flask_doctor.static.facts.taint import describe_source, taint
from flask_doctor.static.rules.base import Context, Invalid, Rule, Valid


class UnsafeYamlLoad(Rule):
    """
    ## What it does
    Finds `yaml.load()` / `yaml.load_all()` without a safe `Loader`, with
    `Loader=yaml.Loader`, `UnsafeLoader`, `FullLoader` or `CLoader`, and
    `yaml.unsafe_load()` / `yaml.full_load()`.

    ## Why is this bad?
    PyYAML's full and unsafe loaders build arbitrary Python objects from
    tags such as `!!python/object/apply:os.system`: loading a document an
    attacker wrote (an upload, an API body, a file in a shared volume) runs
    their code. `FullLoader` was meant to be safer but has had several
    bypasses (CVE-2020-1747, CVE-2020-14343). `yaml.load(stream)` without
    `Loader` ran the unsafe loader before PyYAML 5.1 and raises `TypeError`
    since PyYAML 6. `yaml.safe_load` and `Loader=yaml.SafeLoader`/`CSafeLoader`
    build only plain data and are not reported. Request data makes any of
    these an error; `FullLoader` on other data (usually the app's own files)
    is a note.

    ## Example
    ```python
    data = yaml.load(request.files["config"].read(), Loader=yaml.FullLoader)
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
    """

    code = "FD319"
    name = "unsafe-yaml-load"
    severity = Severity.ERROR
    catalog = ()
    fix_safety = "unsafe"
    summary = "yaml.load with a loader that builds arbitrary Python objects."

    VALID = (
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
    )
    INVALID = (
        Invalid("""
            import yaml
            from flask import Flask, request
            app = Flask(__name__)

            @app.post("/import")
            def import_config():
                return yaml.load(request.data, Loader=yaml.FullLoader)  # expect
            """, message="FullLoader"),
        Invalid("""
            from yaml import load

            def read(text):
                return load(text)  # expect
            """, message="TypeError"),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> None:
        if ctx.is_test_code():
            return
        name = ctx.resolve(node.func)
        label: str | None = None
        if name in YAML_UNSAFE_FUNCS:
            label = f"`{YAML_UNSAFE_FUNCS[name]}()`"
        elif name in ("yaml.load", "yaml.load_all"):
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
        fn = ctx.function
        source = taint(ctx.project, fn).source(node.args[0]) if fn is not None and node.args else None
        origin = f" on {describe_source(source)}" if source is not None else ""
        severity = self.effective_severity if source is not None else min(Severity.WARNING, self.effective_severity)
        if source is None and ("Full" in label or "full_load" in label):
            # FullLoader refuses the known gadgets since PyYAML 5.4; on the app's own files this is hygiene
            severity = Severity.NOTE
        if "without" in label:
            risk = "runs the unsafe loader on PyYAML < 5.1 and raises TypeError on PyYAML >= 6"
        else:
            risk = "builds arbitrary Python objects, so a crafted document runs code in the worker"
        ctx.report(
            self.finding(
                ctx.location(node),
                f"{label}{origin} {risk}",
                hint="Use yaml.safe_load() (or Loader=yaml.SafeLoader / CSafeLoader).",
                severity=severity,
            )
        )
