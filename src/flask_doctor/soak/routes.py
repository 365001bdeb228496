"""What to request: the app's own GET routes, a scenario file, or nothing.

Discovery asks the application itself, in a subprocess (so the soak
process never imports user code): every rule that accepts GET and has no
URL parameters becomes a target.  Everything else (parameters, POST bodies,
headers, a login step, weights) comes from a scenario file in YAML or TOML::

    login:                      # optional, run once by every simulated user
      method: POST
      path: /login
      form: {user: demo, password: demo}
    endpoints:
      - path: /search?q={n}     # {n}: a per-request sequence number, {rand}: random
        weight: 3
      - name: create user
        method: POST
        path: /users
        json: {name: "u{n}"}
        headers: {Accept: application/json}
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_doctor.cli_common import UsageError


@dataclass(frozen=True)
class Target:
    """One kind of request soak sends."""

    name: str
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] | None = None
    json_body: Any = None
    body: str | None = None
    weight: float = 1.0
    #: HTTP statuses that count as success besides 2xx/3xx
    accept: tuple[int, ...] = ()
    endpoint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "method": self.method, "path": self.path, "weight": self.weight,
                "endpoint": self.endpoint}


@dataclass
class Scenario:
    targets: list[Target] = field(default_factory=list)
    login: Target | None = None
    source: str = "discovered"


_LIST_ROUTES = r"""
import json, sys
from flask.cli import ScriptInfo
app = ScriptInfo(app_import_path=sys.argv[1], set_debug_flag=False).load_app()
out = []
for rule in app.url_map.iter_rules():
    out.append({"rule": rule.rule, "endpoint": rule.endpoint,
                "methods": sorted(rule.methods or ()), "arguments": sorted(rule.arguments)})
sys.stdout.write("\n@@ROUTES@@" + json.dumps(out))
"""


def discover_routes(app: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60.0) -> list[dict[str, Any]]:
    """All URL rules of the app, listed by the app itself in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", _LIST_ROUTES, app],
        cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout,
    )
    marker = proc.stdout.rfind("@@ROUTES@@")
    if proc.returncode != 0 or marker < 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise UsageError(f"could not load app {app!r} to list its routes:\n  " + "\n  ".join(tail))
    return list(json.loads(proc.stdout[marker + len("@@ROUTES@@"):]))


def targets_from_routes(routes: list[dict[str, Any]]) -> list[Target]:
    """GET routes without URL parameters (the static route has one, so it is out)."""
    targets = []
    for r in routes:
        if "GET" not in r["methods"] or r["arguments"]:
            continue
        targets.append(Target(name=f"GET {r['rule']}", path=r["rule"], endpoint=r["endpoint"]))
    return sorted(targets, key=lambda t: t.path)


def filter_targets(targets: list[Target], patterns: tuple[str, ...]) -> list[Target]:
    """Keep targets whose path, name or endpoint matches one of the glob patterns."""
    if not patterns:
        return targets
    pats = [p for raw in patterns for p in raw.split(",") if p.strip()]
    return [t for t in targets
            if any(fnmatch.fnmatchcase(t.path.split("?")[0], p) or fnmatch.fnmatchcase(t.name, p)
                   or (t.endpoint and fnmatch.fnmatchcase(t.endpoint, p)) for p in pats)]


def _pairs(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise UsageError(f"scenario: {what} must be a mapping")
    return tuple((str(k), str(v)) for k, v in value.items())


def _target(item: Any, index: int) -> Target:
    if isinstance(item, str):
        item = {"path": item}
    if not isinstance(item, dict) or "path" not in item:
        raise UsageError(f"scenario: endpoint #{index + 1} needs a path")
    path = str(item["path"])
    if not path.startswith("/"):
        raise UsageError(f"scenario: path {path!r} must start with '/' (soak only talks to its own loopback server)")
    method = str(item.get("method", "GET")).upper()
    form = item.get("form")
    return Target(
        name=str(item.get("name") or f"{method} {path}"),
        path=path,
        method=method,
        headers=_pairs(item.get("headers"), "headers"),
        form=_pairs(form, "form") if form is not None else None,
        json_body=item.get("json"),
        body=None if item.get("body") is None else str(item["body"]),
        weight=float(item.get("weight", 1.0)),
        accept=tuple(int(s) for s in item.get("accept", ())),
        endpoint=str(item.get("endpoint", "")),
    )


def load_scenario(path: Path) -> tuple[Scenario, dict[str, Any]]:
    """Parse a YAML or TOML scenario; returns the scenario and its top-level settings."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        data = tomllib.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a scenario is a mapping with an 'endpoints' list")
    items = data.get("endpoints") or []
    if not isinstance(items, list) or not items:
        raise UsageError(f"{path}: 'endpoints' must be a non-empty list")
    targets = [_target(item, i) for i, item in enumerate(items)]
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise UsageError(f"{path}: endpoint names must be unique (give duplicates a 'name')")
    login = _target(data["login"], 0) if data.get("login") else None
    settings = {k: v for k, v in data.items() if k not in ("endpoints", "login")}
    return Scenario(targets=targets, login=login, source=str(path)), settings


def app_location(app: str) -> tuple[str, Path]:
    """Normalise ``--app``: a file path becomes (module spec, its directory)."""
    spec, _, attr = app.partition(":")
    cwd = Path.cwd()
    if spec.endswith(".py") or os.sep in spec:
        p = Path(spec)
        if p.suffix == ".py":
            p = p.with_suffix("")
        p = p.resolve()
        if p.name == "__init__":
            p = p.parent
        parts = [p.name]
        parent = p.parent
        while (parent / "__init__.py").exists():
            parts.insert(0, parent.name)
            parent = parent.parent
        return ".".join(parts) + (f":{attr}" if attr else ""), parent
    return app, cwd
