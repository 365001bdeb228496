"""Facts about options a service declares with oslo.config: credentials that ship with a default.

OpenStack services built on Flask declare their settings as option objects
(``cfg.StrOpt("admin_password", default="...", secret=True)``) registered
on a global ``CONF``; the operator's ``.conf`` file sets them. An option's
``default`` is what production runs with whenever that file leaves it out,
so a credential option with a literal default ships the same value to every
installation -- and oslo.config prints every option without ``secret=True``
when a service logs its configuration at start-up.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.static.facts import project_fact
from flask_doctor.static.facts.config_values import literal_secret
from flask_doctor.static.facts.roles import FileRole, role_of
from flask_doctor.static.facts.scopes import imports_at
from flask_doctor.static.names import dotted
from flask_doctor.static.patterns import on_first_use

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.model import Project

__all__ = ["CredentialOption", "credential_option_defaults"]

#: oslo.config option classes whose value is a string.
_STRING_OPTIONS = frozenset({"oslo_config.cfg.StrOpt", "oslo_config.cfg.Opt"})
#: Option names that hold a credential: ``admin_password``, ``auth_secret``, ``service_token``.
_CREDENTIAL_NAME = on_first_use(r"(^|_)(password|passwd|secret|secret_key|token)$")


@dataclass(frozen=True, eq=False)
class CredentialOption:
    """A credential option declared with a literal default."""

    name: str
    default: str
    location: Location  # the ``default=`` value
    masked: bool  # ``secret=True``: oslo.config prints it as ``****``


@project_fact
def credential_option_defaults(project: Project) -> list[CredentialOption]:
    """Credential options of the application's own code that declare a non-empty literal default."""
    found: list[CredentialOption] = []
    for module in project.modules.values():
        if "oslo_config" not in module.text or role_of(project, module) is not FileRole.APPLICATION:
            continue
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.args[0].value
            if not isinstance(name, str) or not _CREDENTIAL_NAME().search(name.replace("-", "_").lower()):
                continue
            called = dotted(node.func)
            table = imports_at(project, module.path, node.lineno)
            if not called or (table.qualify(called) or called) not in _STRING_OPTIONS:
                continue
            options = {k.arg: k.value for k in node.keywords if k.arg}
            default = options.get("default")
            text = literal_secret(default)
            if default is None or text is None:
                continue
            secret = options.get("secret")
            masked = isinstance(secret, ast.Constant) and secret.value is True
            at = Location(module.path, default.lineno, default.col_offset + 1)
            found.append(CredentialOption(name, text, at, masked))
    return found
