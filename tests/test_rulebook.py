"""The rulebook is the only source of rule metadata.

* every id a surface's code names is registered, and declared for exactly
  the surfaces whose code names it;
* no surface builds a :class:`Finding` by hand or changes a finding's code,
  name, catalog or severity afterwards: :func:`rulebook.new_finding` is the
  one factory, and ``tests/conftest.py`` checks every finding it builds in
  every test (name, catalog, surface, severity);
* the catalogue is plain metadata: it imports no surface, and loading the
  rulebook loads no audit, runtime or soak module.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flask_doctor import catalogue, rulebook
from flask_doctor.findings import Finding, Location, Severity
from flask_doctor.rulebook import RuleMeta, all_metas, get_meta, new_finding
from flask_doctor.static.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "flask_doctor"
CODE = re.compile(r"FD\d{3}")
#: surface -> the package whose code raises its findings
PACKAGES = {"check": "static", "audit": "audit", "runtime": "runtime", "soak": "soak"}


def code_literals(package: str) -> dict[str, set[str]]:
    """Every string constant that is exactly a rule id, in the package's modules -> the modules."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
                found.setdefault(node.value, set()).add(str(path.relative_to(SRC)))
    return found


@pytest.mark.parametrize("surface", PACKAGES)
def test_every_code_a_surface_names_is_registered_for_it(surface: str) -> None:
    registered = {m.code: m for m in all_metas()}
    for code, modules in code_literals(PACKAGES[surface]).items():
        assert code in registered, f"{code} (named in {sorted(modules)}) is not registered"
        assert surface in registered[code].surfaces, (
            f"{code} is named in {sorted(modules)} but not declared for {surface}: "
            f"add it to flask_doctor.catalogue.{'internal' if surface == 'check' else surface}"
        )


@pytest.mark.parametrize("surface", ["audit", "runtime", "soak"])
def test_every_id_declared_for_a_surface_is_raised_by_its_code(surface: str) -> None:
    named = set(code_literals(PACKAGES[surface]))
    declared = {m.code for m in all_metas() if surface in m.surfaces}
    assert declared == named, f"declared but never raised: {sorted(declared - named)}"


def test_every_id_declared_for_check_has_a_rule_or_is_internal() -> None:
    declared = {m.code for m in all_metas() if "check" in m.surfaces}
    assert declared == set(all_rules()) | {"FD001", "FD002", "FD003", "FD004"}


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def test_no_surface_builds_or_rewrites_findings_by_hand() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.relative_to(SRC).as_posix() in ("findings.py", "rulebook.py"):
            continue
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = _callee(call)
            where = f"{path.relative_to(SRC)}:{call.lineno}"
            if name == "Finding":
                offenders.append(f"{where}: Finding(...) instead of rulebook.new_finding")
            if name in ("with_changes", "replace"):
                changed = {k.arg for k in call.keywords} & {"code", "name", "catalog", "severity"}
                if changed:
                    offenders.append(f"{where}: {name}() changes {sorted(changed)} of a finding")
    assert not offenders, "\n".join(offenders)


def test_the_catalogue_imports_no_surface() -> None:
    for path in sorted((SRC / "catalogue").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
            )
            for module in modules:
                assert module.startswith(
                    (
                        "__future__",
                        "flask_doctor.catalogue",
                        "flask_doctor.doctext",
                        "flask_doctor.findings",
                        "flask_doctor.dataclass",  # the standard decorator with shared methods: no surface
                    )
                ) or module in (
                    "dataclasses",
                    "functools",
                    "importlib",
                    "json",
                    "math",
                    "textwrap",
                    "types",
                    "typing",
                ), f"{path.name} imports {module}"


def test_loading_the_rulebook_imports_no_audit_runtime_or_soak_module() -> None:
    script = (
        "import sys\n"
        "from flask_doctor.rulebook import all_metas\n"
        "assert len(all_metas()) > 90\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert [m for m in out if m.startswith(("flask_doctor.audit", "flask_doctor.runtime", "flask_doctor.soak"))] == []
    assert "flask" not in out


def test_catalogue_entries_carry_the_page_template() -> None:
    for entry in catalogue.entries():
        meta = get_meta(entry.code)
        assert meta is not None and meta.name == entry.name and meta.summary == entry.summary
        assert list(meta.sections) == list(rulebook.DOC_SECTIONS), entry.code
        assert entry.code not in all_rules(), f"{entry.code} has a static rule: declare it in ALSO_RAISES instead"


def test_also_raised_ids_have_another_owner() -> None:
    own = {code for code in catalogue.ENTRIES}
    for surface, codes in catalogue.also_raised().items():
        for code in codes:
            assert code in all_rules() or (code in own and surface not in catalogue.ENTRIES[code].surfaces), code


def test_an_id_has_one_owner() -> None:
    meta = get_meta("FD202")
    assert meta is not None
    assert rulebook.register_meta(meta) is meta  # the same registration again is harmless
    with pytest.raises(ValueError, match="registered twice"):
        rulebook.register_meta(RuleMeta(code="FD202", name="n-plus-one", severity=Severity.ERROR, summary=""))
    with pytest.raises(rulebook.UnknownRule):
        rulebook.declare_surface("FD998", "audit")


def test_new_finding_takes_name_catalog_and_severity_from_the_rulebook() -> None:
    location = Location("app.py", 3)
    assert new_finding("FD202", surface="runtime", message="m", location=location) == Finding(
        code="FD202",
        name="query-in-loop",
        severity=Severity.WARNING,
        message="m",
        location=location,
        catalog=("S12",),
        surface="runtime",
    )
    assert new_finding("FD202", surface="check", message="m", configured=Severity.ERROR).severity == Severity.ERROR
    lower = new_finding("FD202", surface="check", message="m", severity=Severity.NOTE, configured=Severity.ERROR)
    assert lower.severity == Severity.NOTE
    with pytest.raises(rulebook.UnknownRule, match="FD998"):
        new_finding("FD998", surface="audit", message="m")


def test_the_drift_check_sees_every_surface(tmp_path: Path) -> None:
    """A real (small) run of each surface goes through the checked factory."""
    seen: list[Finding] = []
    rulebook.EMISSION_HOOKS.append(lambda finding, meta, configured: seen.append(finding))
    try:
        from flask_doctor.config import Settings
        from flask_doctor.static.engine import run_check

        (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n")
        # the dev-server rule (FD306) is off by default on its measured precision: name it
        run_check([tmp_path], Settings(root=tmp_path, extend_select=["FD306"]), jobs=1, baseline=None)

        from tests.audit.conftest import audit, make_app

        audit(make_app(DEBUG=True), deploy=True)

        from flask_doctor.runtime import detectors as D
        from tests.runtime import traces as T

        list(D.NPlusOne().detect(T.n_plus_one(), D.DetectContext()))

        from flask_doctor.soak import analysis

        analysis.error_findings({"name": "GET /", "requests": 100, "failures": 10, "errors": {"boom": 10}})
    finally:
        rulebook.EMISSION_HOOKS.pop()
    assert {f.surface for f in seen} == {"check", "audit", "runtime", "soak"}


def test_doc_text_is_textwrap_dedent_stripped():
    """``doc_text`` gives what ``textwrap.dedent(doc).strip()`` gives, on every docstring and odd margins."""
    import itertools
    import textwrap

    from flask_doctor.doctext import doc_text
    from flask_doctor.static.rules import all_rules

    docs = [rule.__doc__ for rule in all_rules().values()] + [entry.__doc__ for entry in catalogue.entries()]
    assert len(docs) > 100
    pieces = ["", " ", "\t", "  x", "\tx", " \t", "x", "\n", "\r", "\f", "\xa0y", "  ", "\t\t"]
    odd = ["".join(parts) for n in range(1, 5) for parts in itertools.product(pieces, repeat=n)]
    for doc in [*docs, None, *odd]:
        assert doc_text(doc) == textwrap.dedent(doc or "").strip(), repr(doc)
