"""Run the audit on a loaded app: checks, then probes, then silencing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.audit import settings
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.deploy import DeployFacts
from flask_doctor.audit.environment import Environment
from flask_doctor.audit.registry import REGISTRY, CheckRegistry, internal_error
from flask_doctor.audit.sources import ConfigSources
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding


@dataclass
class AuditResult:
    findings: list[Finding]
    extra: dict[str, Any] = field(default_factory=dict)


def make_context(
    app: Any,
    *,
    deploy: bool = False,
    second_app: Any = None,
    sources: ConfigSources | None = None,
    celery: Any = None,
    probe: bool = False,
    timeout: float = 3.0,
    deploy_facts: DeployFacts | None = None,
    sample_views: tuple[str, ...] = (),
    environment: Environment | None = None,
    factory: Any = None,
) -> AuditContext:
    if celery is None:
        candidate = app.extensions.get("celery")
        # only a real Celery app (other extensions use the same key for helpers)
        celery = candidate if hasattr(candidate, "conf") and hasattr(candidate, "tasks") else None
    return AuditContext(
        app=app,
        deploy=bool(deploy or not app.debug),
        forced_deploy=deploy,
        second_app=second_app,
        deploy_facts=deploy_facts or DeployFacts(),
        sources=sources if sources is not None else ConfigSources(),
        guess_sources=sources is None,
        celery=celery,
        probe=probe,
        timeout=timeout,
        sample_views=tuple(sample_views),
        environment=environment,
        factory=factory,
    )


def run(
    audit: AuditContext,
    *,
    registry: CheckRegistry = REGISTRY,
    tags: Sequence[str] = (),
    debug: bool = False,
    silenced: list[str] | None = None,
    cwd: Path | None = None,
) -> AuditResult:
    """All checks (crash-safe), the probes when asked, silencing; stable order."""
    registry.load()
    findings = registry.run(audit, tags=tags, debug=debug)
    if audit.probe:
        try:
            from flask_doctor.audit.probe import run_probes

            measured = run_probes(audit)
            # a measured FD204 replaces the one inferred from the engine options
            replaced = {(f.code, f.obj) for f in measured}
            findings = [f for f in findings if (f.code, f.obj) not in replaced]
            findings.extend(measured)
        except Exception as exc:  # a broken probe is reported like a broken check
            findings.append(internal_error("flask_doctor.audit.probe.run_probes", exc))
    entries = silenced if silenced is not None else settings.silenced_for(audit.app, cwd)
    findings = settings.apply_silencing(findings, entries)
    return AuditResult(sorted(findings, key=_order), audit.extra)


def _order(f: Finding) -> tuple[Any, ...]:
    """Located findings by file and line; the others grouped by object kind (config, middleware...)."""
    loc = f.location
    if loc is not None:
        return (loc.path, loc.line, loc.column, "", f.code, f.obj, f.message)
    return ("", 0, 0, f.obj.split(":", 1)[0], f.code, f.obj, f.message)


def audit_app(app: Any, **options: Any) -> list[Finding]:
    """Audit an app object directly (tests, notebooks): the findings only."""
    run_options = {k: options.pop(k) for k in ("tags", "debug", "silenced", "cwd") if k in options}
    return run(make_context(app, **options), **run_options).findings
