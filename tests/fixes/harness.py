"""Run the real ``--fix`` pipeline on small trees written to a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from flask_doctor.config import Settings
from flask_doctor.static.engine import run_check
from flask_doctor.static.fixes.engine import FixReport, run_fix


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def read_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()
    }


def settings_for(root: Path, select: Iterable[str] | None = None) -> Settings:
    return Settings(root=root, select=list(select or []), preview=True, respect_gitignore=False)


def fix(root: Path, select: Iterable[str] | None = None, *, unsafe: bool = True, write: bool = True) -> FixReport:
    return run_fix([root], settings_for(root, select), unsafe=unsafe, write=write)


def findings(root: Path, select: Iterable[str] | None = None) -> list:
    return [f for f in run_check([root], settings_for(root, select)).findings if not f.suppressed]
