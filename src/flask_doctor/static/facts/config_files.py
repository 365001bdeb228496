"""Facts about the YAML configuration files a package ships and loads: which secrets production gets from them.

The deploy model (:mod:`flask_doctor.static.deploy.readers.appconfig`) keeps
the signing secrets written in ``defaults.yml``, ``config.yaml``,
``settings.yml``... This module says which of them the application loads:
code of the application (not a test, an example or a script) in the file's
directory, or a parent directory, names the file (``DEFAULT_CONFIG =
os.path.join(here, "defaults.yml")``). Such a file ships with every
installation, so its values are what production runs with whenever the
operator's own configuration leaves the key out.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.roles import FileRole, role_of, role_of_path
from flask_doctor.static.model.settings_files import is_file_setting

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy.model import ConfigFileSecret
    from flask_doctor.static.model import Project

__all__ = ["LoadedConfigSecret", "loaded_config_secrets"]


@dataclass(frozen=True, eq=False)
class LoadedConfigSecret:
    """A secret of a YAML configuration file, and where the application names that file."""

    secret: ConfigFileSecret
    named_at: Location


def _directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


@project_fact
def loaded_config_secrets(project: Project) -> list[LoadedConfigSecret]:
    """Secrets of YAML configuration files that the application's own code loads (see the module docstring)."""
    deploy = project.deploy
    if deploy is None or not deploy.config_secrets:
        return []
    wanted = {
        s.source.path.rsplit("/", 1)[-1]
        for s in deploy.config_secrets
        if role_of_path(s.source.path) is FileRole.APPLICATION
    }
    if not wanted:
        return []
    named: dict[str, list[Location]] = {}
    for module in project.modules.values():
        if role_of(project, module) is not FileRole.APPLICATION or not any(w in module.text for w in wanted):
            continue
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            base = node.value.replace("\\", "/").rsplit("/", 1)[-1]
            if base in wanted:
                at = Location(module.path, node.lineno, node.col_offset + 1)
                named.setdefault(base, []).append(at)
    # a top-level key of a file ``app.config.from_file`` loads is a setting like any other (the model reads it)
    as_settings = {(s.location.path, s.key) for s in project.config if is_file_setting(s)}
    found: list[LoadedConfigSecret] = []
    for secret in deploy.config_secrets:
        if role_of_path(secret.source.path) is not FileRole.APPLICATION:
            continue
        if len(secret.keys) == 1 and (secret.source.path, secret.keys[0]) in as_settings:
            continue
        directory = _directory(secret.source.path)
        for at in named.get(secret.source.path.rsplit("/", 1)[-1], []):
            here = _directory(at.path)
            if directory == here or directory.startswith(here + "/") or (here == "" and directory == ""):
                found.append(LoadedConfigSecret(secret, at))
                break
    return found
