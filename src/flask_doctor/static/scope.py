"""``check --files-only``: report on a few files, judged against the whole project.

pre-commit passes the staged files.  Checking only those files would break
every cross-file rule: a view that calls a blocking helper in another module,
an extension created in one file and bound by a factory in another, a
Dockerfile that starts the app a Python file builds.  So the model is built
from the project that encloses each file, exactly as ``flask-doctor check``
on that project would build it, and only the findings *located* in the given
files are reported.  The files are read from the working tree (pre-commit
stashes unstaged changes first, so that is the staged content).

Files the project's configuration excludes (``exclude``, ``.gitignore``) are
not reported either, since the walk of the project never reads them: a hook
must follow the project's settings whichever files the commit touches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flask_doctor.config import Settings, load_settings
from flask_doctor.dataclass import dataclass
from flask_doctor.static.deploy.kinds import deploy_kind
from flask_doctor.static.source import display_path

if TYPE_CHECKING:
    from flask_doctor.static.engine import CheckResult

__all__ = ["FileScope", "could_hold_findings"]


def could_hold_findings(path: Path) -> bool:
    """Whether a finding can be located in ``path``: a Python, deploy or script file, or a directory.

    A commit that touches only a README, a stylesheet or a lock file need not
    build the model at all; that keeps the hook unnoticeable.  Files without
    a suffix count, because a Dockerfile may start a script named ``bin/start``.
    """
    if path.is_dir() or path.suffix in (".py", ".sh", ""):
        return True
    return deploy_kind(path, at_root=True) is not None or deploy_kind(path) is not None


def _contains(outer: Path, inner: Path) -> bool:
    return outer == inner or outer in inner.parents


@dataclass(frozen=True)
class FileScope:
    """The directories to model and the paths whose findings are reported."""

    #: Project directories to check (none nested in another).
    model_roots: tuple[Path, ...]
    #: Given files, relative to the settings' root as findings name them.
    files: frozenset[str]
    #: Given directories, the same way, each ending with ``/``.
    directories: tuple[str, ...]

    @classmethod
    def of(cls, paths: Sequence[Path], settings: Settings) -> FileScope:
        """The scope of ``paths`` under ``settings``.

        Each path's project is the root the settings would have if it were
        checked alone (the directory of its configuration or its nearest
        ``pyproject.toml``); paths under the run's own root need no lookup.
        """
        root = settings.root.absolute()
        wanted = [p for p in paths if could_hold_findings(p)]
        roots: set[Path] = {root} if wanted else set()
        for path in wanted:
            absolute = path.absolute()
            if not _contains(root, absolute):
                roots.add(load_settings(path).root.absolute())
        outermost = tuple(sorted(r for r in roots if not any(o != r and _contains(o, r) for o in roots)))
        files = frozenset(display_path(p, settings.root) for p in wanted if not p.is_dir())
        directories = tuple(
            "" if rel == "." else rel.rstrip("/") + "/"
            for rel in (display_path(p, settings.root) for p in wanted if p.is_dir())
        )
        return cls(outermost, files, directories)

    @property
    def empty(self) -> bool:
        """Nothing given can hold a finding: no model needs building."""
        return not self.model_roots

    def covers(self, path: str | None) -> bool:
        """Whether a finding at ``path`` (relative to the root) is one of the given files."""
        if path is None:
            return False
        return path in self.files or any(path.startswith(d) for d in self.directories)

    def restrict(self, result: CheckResult) -> CheckResult:
        """``result`` with only the findings located in the scope.

        Stale baseline entries are restricted the same way: an entry for a
        file the hook did not look at is not known to be stale.
        """
        return dataclasses.replace(
            result,
            findings=[f for f in result.findings if self.covers(f.location.path if f.location else None)],
            stale_baseline=[e for e in result.stale_baseline if self.covers(e.path)],
            not_checked=[n for n in result.not_checked if self.covers(n.path)],
            files_checked=len(self.files) if not self.directories else result.files_checked,
        )
