"""The ``check`` pipeline: discover, parse, model, run rules, suppress, filter.

Kept apart from the command so tests, benchmarks and the fixture harness
run exactly what users run.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.catalogue.precision import OWN_SEVERITIES, demotion_reason, earns_warning, off_by_default
from flask_doctor.config import Settings
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding, Location, Severity, sort_findings
from flask_doctor.rulebook import Ceiling, new_finding
from flask_doctor.static.cache import ResultCache, file_digest
from flask_doctor.static.deploy import DeployModel, parse_deploy_files
from flask_doctor.static.deploy.readers.base import MAX_BYTES as DEPLOY_MAX_BYTES
from flask_doctor.static.facts.templates import read_template_files, template_paths
from flask_doctor.static.files import discover
from flask_doctor.static.model import Project
from flask_doctor.static.model.connexion import tree_reader
from flask_doctor.static.noqa import apply_noqa, parse_noqa
from flask_doctor.static.rules import all_rules
from flask_doctor.static.runner import NotChecked, build_model, deeper_recursion, load_modules, run_rules
from flask_doctor.static.source import display_path, init_files, module_name_for

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.baseline import BaselineEntry


@dataclass(eq=False)
class CheckResult:
    """What ``check`` found, with what the report and the cache need."""

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    root: Path = field(default_factory=Path.cwd)
    project: Project | None = None
    #: The paths of the modules parsed (not taken from the cache). Paths, not the modules: a module holds its
    #: syntax tree, and a run over several projects frees each project's trees once its rules have run.
    parsed: list[str] = field(default_factory=list)
    #: Baseline entries no finding used (``--show-stale-baseline``); empty without a baseline.
    stale_baseline: list[BaselineEntry] = field(default_factory=list)
    #: Files written for a newer Python than this one, left unchecked (not findings: the report lists them).
    not_checked: list[NotChecked] = field(default_factory=list)


def known_codes() -> set[str]:
    """Every rule id any surface registers (for config validation)."""
    from flask_doctor.rulebook import all_metas

    return {m.code for m in all_metas()} | set(all_rules()) | {"FD001", "FD002", "FD003", "FD004"}


def measured_ceiling(code: str, settings: Settings) -> Ceiling | None:
    """Warnings only from rules that real code shows to be right (catalogue/precision.py).

    A rule whose findings were often judged wrong, or not worth a maintainer's
    time, on applications it was never tuned on still speaks, as a note that
    says why, unless the user set its severity.
    """
    if earns_warning(code) or settings.severity_configured(code) or os.environ.get(OWN_SEVERITIES) == "1":
        return None
    return Ceiling(Severity.NOTE, demotion_reason(code))


def held_back(code: str, settings: Settings) -> bool:
    """A rule that is enabled but does not run unless asked for: still in preview, or off by
    default because real code it was never tuned on showed it rarely right (catalogue/precision.py).

    Asking is ``--preview``, naming the rule in ``select``/``extend-select``, or giving it a
    ``severity``; where the corpus is measured (``FLASK_DOCTOR_OWN_SEVERITIES=1``) the measured
    switch-off does not apply, so that new verdicts can bring a rule back.
    """
    cls = all_rules().get(code)
    if cls is None or settings.preview:
        return False
    explicit = set(settings.select) | set(settings.extend_select)
    if code in explicit:
        return False
    if cls.preview:
        return True
    return off_by_default(code) and not settings.severity_configured(code) and os.environ.get(OWN_SEVERITIES) != "1"


def held_back_rules(settings: Settings) -> list[str]:
    """The enabled rules this run leaves out because of their measured precision (not preview ones)."""
    return [
        code
        for code, cls in all_rules().items()
        if not cls.preview and settings.is_enabled(code) and held_back(code, settings)
    ]


def enabled_rules(settings: Settings, project: Project) -> list:
    rules = []
    for code, cls in all_rules().items():
        if not settings.is_enabled(code) or held_back(code, settings):
            continue
        rules.append(
            cls(
                project,
                severity=settings.severity_for(code, cls.severity),
                ceiling=measured_ceiling(code, settings),
                preview=settings.preview,
            )
        )
    return rules


def _deploy_model(paths: Sequence[Path], root: Path) -> tuple[DeployModel, list[Finding]]:
    """The deploy model of one project's deploy files, and an FD002 finding per file it could not read."""
    model = parse_deploy_files(list(paths), root)
    problems = [
        new_finding(
            "FD002", surface="check", message=message, location=Location(display_path(Path(path), root), line, 0)
        )
        for path, line, message in model.problems
    ]
    return model, problems


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg")


def _group_by_project(
    python_files: Sequence[Path], deploy_files: Sequence[Path], root: Path
) -> list[tuple[list[Path], list[Path]]]:
    """Split files by the nearest directory below ``root`` holding a project marker.

    A Python file is placed by its display path (as its module's path is
    shown), a deploy file by its own path.
    """
    top = root.absolute()
    cache: dict[Path, Path] = {}

    def project_of(directory: Path) -> Path:
        walked: list[Path] = []
        while True:
            if directory in cache:
                found = cache[directory]
                break
            walked.append(directory)
            if directory == top or directory.parent == directory or top not in directory.parents:
                found = top
                break
            if any((directory / marker).is_file() for marker in PROJECT_MARKERS):
                found = directory
                break
            directory = directory.parent
        for step in walked:
            cache[step] = found
        return found

    grouped: dict[Path, tuple[list[Path], list[Path]]] = {}
    for python_file in python_files:
        shown = Path(display_path(python_file, root))
        path = shown if shown.is_absolute() else top / shown
        grouped.setdefault(project_of(path.parent), ([], []))[0].append(python_file)
    for deploy_file in deploy_files:
        grouped.setdefault(project_of(deploy_file.absolute().parent), ([], []))[1].append(deploy_file)
    return [grouped[key] for key in sorted(grouped)]


def run_check(
    paths: Sequence[Path],
    settings: Settings,
    *,
    jobs: int | None = None,
    baseline: Path | None = None,
    cache: bool = False,
) -> CheckResult:
    """Check ``paths`` with ``settings``; the garbage collector is paused meanwhile.

    With ``cache``, projects whose files, settings and tool are unchanged
    since a run recorded in ``.flask-doctor-cache/`` are not checked again
    (:mod:`flask_doctor.static.cache`); their modules are then not in the
    result's ``parsed``.

    A run keeps every module's syntax tree alive (millions of objects on a
    large project) and frees them all at the end. With the collector on,
    each generational pass rescans them: on 200,000 lines that is 8x the
    time of parsing itself. Nothing in a run needs cycles collected early.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        with deeper_recursion():
            return _run_check(paths, settings, jobs=jobs, baseline=baseline, cache=cache)
    finally:
        if collecting:
            gc.enable()


def _group_key(
    store: ResultCache, files: Sequence[Path], deploy: DeployModel, root: Path, *, templates: bool = False
) -> str | None:
    """The cache key of one group, or None when its deploy model has no stable text.

    With ``templates`` the files of the ``templates/`` folders next to the group's modules count too
    (rules read the templates views render); a folder named by ``template_folder=`` is not looked for
    here, so an edit there alone is seen once a module changes.
    """
    deploy_state = repr(deploy)
    if " at 0x" in deploy_state:
        return None
    entries = []
    has_init = init_files()
    for path in files:
        name, is_package = module_name_for(path, root, has_init)
        entries.append((display_path(path, root), name, is_package, file_digest(path)))
    if templates:
        for folder in sorted({path.parent / "templates" for path in files}):
            if folder.is_dir():
                for template in template_paths(folder):
                    entries.append((display_path(template, root), "", False, file_digest(template)))
    return store.group_key(entries, deploy_state)


def _side_digests(root: Path) -> Callable[[Iterable[str]], dict[str, str]]:
    """How a cache entry checks the side files its build read (the OpenAPI files of a connexion app)."""

    def digests(paths: Iterable[str]) -> dict[str, str]:
        reader = tree_reader(root)
        for path in paths:
            reader(path)
        return reader.digests()

    return digests


def _run_check(
    paths: Sequence[Path],
    settings: Settings,
    *,
    jobs: int | None,
    baseline: Path | None,
    cache: bool = False,
) -> CheckResult:
    root = settings.root
    discovery = discover(list(paths), settings)
    store = ResultCache.open(root, settings) if cache else None
    findings: list[Finding] = []
    for path, message in discovery.problems:
        findings.append(
            new_finding("FD002", surface="check", message=message, location=Location(display_path(path, root)))
        )
    noqa: dict[str, dict[int, frozenset[str] | None]] = {}
    parsed: list[str] = []
    not_checked: list[NotChecked] = []
    # Several projects checked in one run (a monorepo, a folder of apps) each
    # get their own model: one app's factory must not make another app's
    # module-level extension a finding, and module names must not collide.
    project = None
    for group_files, group_deploy in _group_by_project(discovery.python_files, discovery.deploy_files, root):
        deploy, deploy_problems = _deploy_model(group_deploy, root)
        findings.extend(deploy_problems)
        key = _group_key(store, group_files, deploy, root, templates=True) if store is not None else None
        cached = store.load(key, _side_digests(root)) if store is not None and key is not None else None
        if cached is not None:
            findings.extend(cached.findings)
            noqa.update(cached.noqa)
            continue
        group_modules, group_findings, skipped = load_modules(group_files, root, discovery.deploy_files)
        not_checked.extend(skipped)
        parsed_all = len(group_modules) == len(group_files)
        group_noqa = {m.path: parse_noqa(m.text, parsed=True) for m in group_modules}
        parsed.extend(m.path for m in group_modules)
        side_files = tree_reader(root)
        project, group_modules, too_deep = build_model(
            group_modules,
            entry_points=deploy.entry_points,
            read_file=side_files,
            production_names=settings.production_configs,
            development_names=settings.development_configs,
            testing_names=settings.testing_configs,
        )
        group_findings.extend(too_deep)
        project.deploy = deploy
        project.templates = read_template_files(group_modules, root)
        group_findings.extend(run_rules(group_modules, project, enabled_rules(settings, project), jobs=jobs))
        if store is not None and key is not None and parsed_all:
            store.store(key, group_findings, group_noqa, side_files.digests())
        findings.extend(group_findings)
        noqa.update(group_noqa)
    findings = [
        f
        for f in findings
        if f.code in ("FD001", "FD002", "FD004") or settings.is_enabled(f.code, f.location.path if f.location else None)
    ]
    for path in discovery.deploy_files:
        rel = display_path(path, root)
        if rel not in noqa:
            try:
                noqa[rel] = parse_noqa(read_text_bounded(path, DEPLOY_MAX_BYTES))
            except OSError:  # FileRefused: already reported when the deploy file was read
                pass
    findings = apply_noqa(
        findings,
        noqa,
        known_codes(),
        enabled=lambda code, path: settings.is_enabled(code, path) and not held_back(code, settings),
    )
    stale: list[BaselineEntry] = []
    if baseline is not None:
        from flask_doctor.baseline import load_baseline, match_baseline
        from flask_doctor.report import file_line_reader

        findings, stale = match_baseline(findings, load_baseline(baseline), file_line_reader(root))
    files = len(discovery.python_files) + len(
        [p for p in discovery.deploy_files if p not in set(discovery.python_files)]
    )
    # project: the last group
    return CheckResult(
        sort_findings(findings),
        files,
        root,
        project,
        parsed,
        stale_baseline=stale,
        not_checked=sorted(not_checked, key=lambda n: n.path),
    )
