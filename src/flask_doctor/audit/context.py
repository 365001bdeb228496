"""What every check receives: the loaded app and facts about its deployment."""

from __future__ import annotations

import os
from dataclasses import field
from typing import TYPE_CHECKING, Any

from flask_doctor.audit import sources as _sources
from flask_doctor.audit.deploy import DeployFacts
from flask_doctor.audit.environment import Environment
from flask_doctor.dataclass import dataclass
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
    #: Endpoints the user named with ``--sample-view``: the only views the audit may call.
    sample_views: tuple[str, ...] = ()
    #: Where the environment variables came from (None: the app was built outside the loader).
    environment: Environment | None = None
    #: The factory that built the app (None: a module-level app, or unknown).
    factory: Any = None
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
        if found is not None:
            return found.location
        env_var = self.flask_env_var(key)
        if env_var and self.environment is not None:
            return self.environment.location(env_var)
        return None

    def env_origin(self, name: str) -> str:
        """Where the environment variable ``name`` came from, as the app saw it."""
        if self.environment is not None:
            return self.environment.origin(name)
        return "set in the environment" if name in os.environ else "not set"

    def env_value(self, name: str) -> str | None:
        if self.environment is not None:
            return self.environment.values.get(name)
        return os.environ.get(name)

    def flask_env_var(self, key: str) -> str:
        """``FLASK_DEBUG`` for ``DEBUG``: the variable Flask itself reads into a key when the app is created."""
        value = self.env_value("FLASK_DEBUG")
        if key != "DEBUG" or self.sources.get(key) is not None or not value:
            return ""
        # Flask's get_debug_flag(): anything but 0/false/no is on; the variable explains the value only if they agree
        return (
            "FLASK_DEBUG" if bool(self.app.config.get("DEBUG")) == (value.lower() not in ("0", "false", "no")) else ""
        )

    def evidence(self, key: str, *more: Evidence) -> list[Evidence]:
        """Where the live value comes from, as evidence lines: environment, dotenv file, config class, default."""
        found = self.source(key)
        env_var = self.flask_env_var(key)
        if found is not None:
            facts = self._origin(key, found)
        elif env_var:
            facts = [
                Evidence(
                    f"value from environment variable {env_var} ({self.env_origin(env_var)}), "
                    "which Flask reads when the app is created",
                    self.location(key),
                )
            ]
        elif (
            key not in self.app.config
            or self.app.config[key] is None
            or self.app.config[key] == self.app.default_config.get(key, _MISSING)
        ):
            facts = [Evidence("not set: the default applies")]
        else:
            facts = [Evidence("set outside the config calls the audit traces (no source location)")]
        return [*facts, *more]

    def _origin(self, key: str, found: _sources.ConfigSource) -> list[Evidence]:
        facts: list[Evidence] = []
        if found.detail:
            facts.append(Evidence(found.detail))
        elif found.location is not None:
            facts.append(Evidence(f"set {found.describe()}", found.location))
        if found.env_var:
            name = found.env_var
            value = self.env_value(name)
            if value is None:
                if found.how == "env":
                    facts.append(Evidence(f"from environment variable {name} ({self.env_origin(name)})"))
                else:
                    facts.append(
                        Evidence(
                            f"environment variable {name} is {self.env_origin(name)}: "
                            "the value written in the source applies",
                            found.location,
                        )
                    )
            else:
                live = self.app.config.get(key)
                same = live == value or (isinstance(live, bytes) and live == value.encode())
                verb = "value from" if same else "value computed from"
                facts.append(
                    Evidence(
                        f"{verb} environment variable {name} ({self.env_origin(name)})",
                        self.environment.location(name) if self.environment is not None else None,
                    )
                )
        return facts

    def is_set(self, key: str) -> bool:
        return self.source(key) is not None

    def workers_phrase(self) -> str:
        return self.deploy_facts.workers_phrase()
