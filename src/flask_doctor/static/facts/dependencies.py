"""Facts about declared dependencies: which versions of a library production installs.

The pins come from the deploy model (:class:`~flask_doctor.static.deploy.model.Requirement`:
requirements files, ``pyproject.toml``, ``setup.cfg``, ``setup.py``,
``Pipfile``); files for development, tests or docs (``requirements-dev.txt``,
``docs/requirements.txt``) are left out as :func:`.deploy_files.production_deploy_path`
says.  Declarations installed together all hold at once, so one pin below a
release is enough to say production runs below it, unless another pin
requires that release or later (the files then disagree and nothing is said).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from flask_doctor.dataclass import dataclass
from flask_doctor.static.deploy.versions import allows_only_below, requires_at_least
from flask_doctor.static.facts import keyed_fact
from flask_doctor.static.facts.deploy_files import production_deploy_path

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.static.deploy.model import Requirement
    from flask_doctor.static.model import Project

__all__ = ["VersionSide", "production_pins", "version_side"]


@keyed_fact
def production_pins(project: Project, name: str) -> tuple[Requirement, ...]:
    """Declarations of the distribution ``name`` with a version constraint, in production files."""
    if project.deploy is None:
        return ()
    return tuple(r for r in project.deploy.requirement(name) if r.spec and production_deploy_path(r.source.path))


@dataclass(frozen=True, eq=False)
class VersionSide:
    """On which side of a release the pins put a library: ``below``, ``at-least`` or ``unknown``."""

    side: Literal["below", "at-least", "unknown"]
    pin: Requirement | None = None


def version_side(project: Project, name: str, release: tuple[int, ...]) -> VersionSide:
    """Whether production installs ``name`` below ``release``, at ``release`` or later, or nobody says."""
    pins = production_pins(project, name)
    at_least = [p for p in pins if requires_at_least(p.spec, release)]
    below = [p for p in pins if allows_only_below(p.spec, release)]
    if at_least and not below:
        return VersionSide("at-least", at_least[0])
    if below and not at_least:
        return VersionSide("below", below[0])
    return VersionSide("unknown")
