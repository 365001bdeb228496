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
import signal
import subprocess
import sys
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.cli_common import UsageError
from flask_doctor.dataclass import dataclass
from flask_doctor.redaction import redact_text


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
    #: Host header to send (the app's SERVER_NAME, a host-matched rule's host, --server-name)
    host: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "method": self.method,
            "path": self.path,
            "weight": self.weight,
            "endpoint": self.endpoint,
        }


@dataclass(frozen=True)
class Login:
    """A scenario's login step, run once by every simulated user before its requests.

    ``csrf_from``: a page to GET first; its CSRF token (a hidden input such
    as Flask-WTF's ``csrf_token``, or a ``<meta name="csrf-token">``) is sent
    with the login form.  ``check``: a page that must then answer without
    redirecting back to the login page.
    """

    target: Target
    csrf_from: str | None = None
    csrf_field: str | None = None
    check: str | None = None


@dataclass
class Scenario:
    targets: list[Target] = field(default_factory=list)
    login: Login | None = None
    source: str = "discovered"


_LIST_ROUTES = r"""
import json, os, sys, threading, time

def _watch(parent):
    # Exit when soak goes away, even if the import below hangs in Python code.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(3)

threading.Thread(target=_watch, args=(int(sys.argv[2]),), daemon=True).start()
from flask.cli import ScriptInfo
app = ScriptInfo(app_import_path=sys.argv[1], set_debug_flag=False).load_app()
out = []
for rule in app.url_map.iter_rules():
    out.append({"rule": rule.rule, "endpoint": rule.endpoint, "host": getattr(rule, "host", None),
                "methods": sorted(rule.methods or ()), "arguments": sorted(rule.arguments)})
info = {"routes": out, "server_name": app.config.get("SERVER_NAME"),
        "application_root": app.config.get("APPLICATION_ROOT"),
        "host_matching": bool(getattr(app.url_map, "host_matching", False))}
sys.stdout.write("\n@@ROUTES@@" + json.dumps(info, default=str))
sys.stdout.flush()
"""

#: Seconds the app may take to import and list its routes (``--discovery-timeout``).
DISCOVERY_TIMEOUT = 60.0


class SoakError(UsageError):
    """A soak problem the user can fix: one line, then a hint line; exit 2."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: Any = None) -> None:
        import click

        from flask_doctor.safe_text import printable

        click.echo(f"flask-doctor: error: {printable(self.format_message())}", err=True)
        if self.hint:
            click.echo(f"  hint: {printable(self.hint)}", err=True)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """End the discovery child and everything it started (its own session), then reap it."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - the session could not be created
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def discover_app(
    app: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = DISCOVERY_TIMEOUT
) -> dict[str, Any]:
    """The app's URL rules and host settings, listed by the app itself in a subprocess.

    The child runs in its own session so that it and whatever the app's
    import starts are ended together, on success, on a timeout, on Ctrl-C or
    SIGTERM; it also exits by itself when soak dies.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _LIST_ROUTES, app, str(os.getpid())],
        cwd=str(cwd),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SoakError(
            f"importing {app!r} to list its routes did not finish within {timeout:.0f}s",
            "something at import time waits (a database, a network call, input()); make the import "
            "finish, or give it longer with --discovery-timeout SECONDS",
        ) from None
    finally:
        _kill_group(proc)
    marker = stdout.rfind("@@ROUTES@@")
    if proc.returncode != 0 or marker < 0:
        tail = [line for line in (stderr or stdout).strip().splitlines() if line.strip()][-1:] or ["no output"]
        raise SoakError(
            f"could not load app {app!r} to list its routes: {redact_text(tail[0].strip())[:300]}",
            f"run `flask --app {app} routes` to see the whole error",
        )
    info = json.loads(stdout[marker + len("@@ROUTES@@") :])
    return dict(info)


def discover_routes(
    app: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = DISCOVERY_TIMEOUT
) -> list[dict[str, Any]]:
    """All URL rules of the app (see :func:`discover_app`)."""
    return list(discover_app(app, cwd, env, timeout)["routes"])


def targets_from_routes(routes: list[dict[str, Any]]) -> list[Target]:
    """GET routes without URL parameters (the static route has one, so it is out)."""
    targets = []
    for r in routes:
        if "GET" not in r["methods"] or r["arguments"]:
            continue
        targets.append(
            Target(name=f"GET {r['rule']}", path=r["rule"], endpoint=r["endpoint"], host=str(r.get("host") or ""))
        )
    return sorted(targets, key=lambda t: t.path)


def with_host(targets: list[Target], host: str, *, override: bool = False) -> list[Target]:
    """Targets that send ``Host: host`` (``override``: even those a host-matched rule gave a host)."""
    from dataclasses import replace

    return [t if (t.host and not override) else replace(t, host=host) for t in targets]


def filter_targets(targets: list[Target], patterns: tuple[str, ...]) -> list[Target]:
    """Keep targets whose path, name or endpoint matches one of the glob patterns."""
    if not patterns:
        return targets
    pats = [p for raw in patterns for p in raw.split(",") if p.strip()]
    return [
        t
        for t in targets
        if any(
            fnmatch.fnmatchcase(t.path.split("?")[0], p)
            or fnmatch.fnmatchcase(t.name, p)
            or (t.endpoint and fnmatch.fnmatchcase(t.endpoint, p))
            for p in pats
        )
    ]


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


def _login(item: Any) -> Login:
    if not isinstance(item, dict):
        raise UsageError("scenario: login must be a mapping with a path")
    item = dict(item)
    if "method" not in item and (item.get("form") is not None or item.get("json") is not None):
        item["method"] = "POST"
    target = _target(item, 0)
    csrf = item.get("csrf")
    csrf_from: str | None = None
    csrf_field: str | None = None
    if csrf is True:
        csrf_from = target.path
    elif isinstance(csrf, dict):
        csrf_from = str(csrf.get("from") or target.path)
        csrf_field = str(csrf["field"]) if csrf.get("field") else None
    elif csrf not in (None, False):
        raise UsageError("scenario: login.csrf is true or a mapping {from: /path, field: name}")
    check = item.get("check")
    for value in (csrf_from, check):
        if value is not None and not str(value).startswith("/"):
            raise UsageError(f"scenario: login path {value!r} must start with '/'")
    return Login(target, csrf_from, csrf_field, str(check) if check else None)


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
    login = _login(data["login"]) if data.get("login") else None
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
