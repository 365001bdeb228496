"""Plugin entry points a project declares: ``[project.entry-points."ns"]`` and ``setup.cfg [entry_points]``.

Plugin managers (stevedore's ``ExtensionManager``, ``DriverManager``...) load the objects a namespace's
entry points name: ``blazar.resource.plugins = physical.host.plugin = blazar.plugins.oshosts.host_plugin:
PhysicalHostPlugin``.  The code never names those classes; only the packaging metadata does, so the model
reads it to know which project classes a manager of that namespace builds (``model.stevedore``).
Console scripts are left to ``facts.devserver``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask_doctor.static.deploy.readers.base import Reader
from flask_doctor.static.patterns import on_first_use

if sys.version_info >= (3, 11):  # pragma: no cover - depends on interpreter
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["read_entry_points", "setup_cfg_entry_points", "pyproject_entry_points"]

#: ``name = package.module:attr`` (extras ``[x]`` after it are ignored).
_SPEC = on_first_use(r"^\s*[^=\s][^=]*?\s*=\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)")
#: Namespaces that are not plugins a manager builds: scripts are entry points of their own (``facts.devserver``).
_NOT_PLUGINS = frozenset({"console_scripts", "gui_scripts"})


def read_entry_points(reader: Reader, path: Path, text: str) -> None:
    """Add the entry points of one ``pyproject.toml`` or ``setup.cfg`` to the deploy model."""
    found = pyproject_entry_points(text) if path.name == "pyproject.toml" else setup_cfg_entry_points(text)
    for namespace, targets in found.items():
        known = reader.model.entry_points.setdefault(namespace, [])
        known.extend(t for t in targets if t not in known)


def _target(spec: str) -> str | None:
    """``pkg.mod:Cls`` of one ``name = pkg.mod:Cls`` line, as ``pkg.mod.Cls``."""
    match = _SPEC().match(spec)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def pyproject_entry_points(text: str) -> dict[str, list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}  # reported by the requirements reader
    project = data.get("project")
    table = project.get("entry-points") if isinstance(project, dict) else None
    found: dict[str, list[str]] = {}
    if not isinstance(table, dict):
        return found
    for namespace, entries in table.items():
        if not isinstance(entries, dict) or namespace in _NOT_PLUGINS:
            continue
        for name, value in entries.items():
            target = _target(f"{name} = {value}") if isinstance(value, str) else None
            if target is not None:
                found.setdefault(namespace, []).append(target)
    return found


def setup_cfg_entry_points(text: str) -> dict[str, list[str]]:
    """The ``[entry_points]`` section: ``namespace =`` then indented ``name = module:attr`` lines."""
    found: dict[str, list[str]] = {}
    section = ""
    namespace = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section, namespace = stripped[1:-1].strip(), ""
            continue
        if section != "entry_points":
            continue
        if raw[:1] not in (" ", "\t"):
            key, _, rest = stripped.partition("=")
            namespace = key.strip()
            stripped = rest.strip()
            if not stripped:
                continue
        if namespace and namespace not in _NOT_PLUGINS:
            target = _target(stripped)
            if target is not None:
                found.setdefault(namespace, []).append(target)
    return found
