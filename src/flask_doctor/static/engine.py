"""The ``check`` pipeline: discover, parse, model, run rules, suppress, filter.

Kept apart from the command so tests, benchmarks and the fixture harness
run exactly what users run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from flask_doctor.config import Settings
from flask_doctor.findings import Finding, Location, Severity, sort_findings
from flask_doctor.static.files import discover
from flask_doctor.static.model import Project, build_project
from flask_doctor.static.noqa import apply_noqa, parse_noqa
from flask_doctor.static.rules import all_rules
from flask_doctor.static.runner import load_modules, run_rules
from flask_doctor.static.source import SourceModule, display_path


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    root: Path = field(default_factory=Path.cwd)
    project: Project | None = None
    modules: list[SourceModule] = field(default_factory=list)


def known_codes() -> set[str]:
    """Every rule id any surface registers (for config validation)."""
    from flask_doctor.rulebook import all_metas

    return {m.code for m in all_metas()} | set(all_rules()) | {"FD001", "FD002", "FD003", "FD004"}


def enabled_rules(settings: Settings, project: Project) -> list:
    rules = []
    explicit = set(settings.select) | set(settings.extend_select)
    for code, cls in all_rules().items():
        if not settings.is_enabled(code):
            continue
        if cls.preview and not settings.preview and code not in explicit:
            continue
        rules.append(cls(project, severity=settings.severity_for(code, cls.severity)))
    return rules


def _deploy_model(paths: Sequence[Path], root: Path) -> tuple[object | None, list[Finding]]:
    try:
        from flask_doctor.static.deploy import parse_deploy_files
    except ImportError:  # pragma: no cover - deploy support is part of the package
        return None, []
    model = parse_deploy_files(list(paths), root)
    problems = [
        Finding(
            code="FD002",
            name="unreadable-file",
            severity=Severity.WARNING,
            message=message,
            location=Location(display_path(Path(path), root), line, 0),
            surface="check",
        )
        for path, line, message in getattr(model, "problems", [])
    ]
    return model, problems


def run_check(
    paths: Sequence[Path],
    settings: Settings,
    *,
    jobs: int | None = None,
    baseline: Path | None = None,
) -> CheckResult:
    root = settings.root
    discovery = discover(list(paths), settings)
    modules, findings = load_modules(discovery.python_files, root)
    for path, message in discovery.problems:
        findings.append(
            Finding(
                code="FD002",
                name="unreadable-file",
                severity=Severity.WARNING,
                message=message,
                location=Location(display_path(path, root)),
                surface="check",
            )
        )
    deploy, deploy_problems = _deploy_model(discovery.deploy_files, root)
    findings.extend(deploy_problems)
    project = build_project(
        modules,
        production_names=settings.production_configs,
        development_names=settings.development_configs,
        testing_names=settings.testing_configs,
    )
    project.deploy = deploy
    findings.extend(run_rules(modules, project, enabled_rules(settings, project), jobs=jobs))
    findings = [
        f for f in findings
        if f.code in ("FD001", "FD002", "FD004") or settings.is_enabled(f.code, f.location.path if f.location else None)
    ]
    noqa: dict[str, dict[int, frozenset[str] | None]] = {m.path: parse_noqa(m.text) for m in modules}
    for path in discovery.deploy_files:
        rel = display_path(path, root)
        if rel not in noqa:
            try:
                noqa[rel] = parse_noqa(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                pass
    findings = apply_noqa(findings, noqa, known_codes(), enabled=lambda code, path: settings.is_enabled(code, path))
    if baseline is not None:
        from flask_doctor.baseline import apply_baseline
        from flask_doctor.report import file_line_reader

        findings = apply_baseline(findings, baseline, file_line_reader(root))
    files = len(discovery.python_files) + len([p for p in discovery.deploy_files if p not in set(discovery.python_files)])
    return CheckResult(sort_findings(findings), files, root, project, modules)
