"""What every check receives: the loaded app and facts about its deployment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_doctor.audit import sources as _sources
from flask_doctor.audit.deploy import DeployFacts
from flask_doctor.findings import Evidence, Location

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


_MISSING = object()


@dataclass
class AuditContext:
    app: Flask
    #: Judge as production (app not in debug mode, or ``--deploy``).
    deploy: bool = True
    #: ``--deploy`` was given explicitly.
    forced_deploy: bool = False
    #: A second app built by the same factory (None when the app is a module global).
    second_app: Flask | None = None
    deploy_facts: DeployFacts = field(default_factory=DeployFacts)
    sources: _sources.ConfigSources = field(default_factory=_sources.ConfigSources)
    #: Search the app's modules for keys not recorded while loading (app imported earlier).
    guess_sources: bool = True
    celery: Any = None
    probe: bool = False
    timeout: float = 3.0
    #: Facts for the JSON ``extra`` block (route table, engines, probes...).
    extra: dict[str, Any] = field(default_factory=dict)
    #: Values computed once and shared between checks (never rendered).
    memo: dict[str, Any] = field(default_factory=dict)

    # --------------------------------------------------------------- config
    def source(self, key: str) -> _sources.ConfigSource | None:
        found = self.sources.get(key)
        if found is None and self.guess_sources:
            roots = [os.path.abspath(self.app.root_path)]
            found = _sources.guess(key, roots)
            if found is not None:
                self.sources.by_key[key] = found
        return found

    def location(self, key: str) -> Location | None:
        found = self.source(key)
        return found.location if found else None

    def evidence(self, key: str, *more: Evidence) -> list[Evidence]:
        """Where the value comes from, as evidence lines."""
        found = self.source(key)
        if found is not None:
            facts = found.evidence()
        elif key not in self.app.config or self.app.config[key] == self.app.default_config.get(key, _MISSING):
            facts = [Evidence("not set: the default applies")]
        else:
            facts = [Evidence("set outside the config calls the audit traces (no source location)")]
        return [*facts, *more]

    def is_set(self, key: str) -> bool:
        return self.source(key) is not None

    def workers_phrase(self) -> str:
        return self.deploy_facts.workers_phrase()
