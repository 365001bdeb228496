"""Automatic fixes: ``flask-doctor check --fix`` / ``--unsafe-fixes`` / ``--diff`` (see :mod:`.engine`).

Each rule that can be cured says so on its class (``fix_safety``, ``FIX_EXAMPLE``); its cure is a small
class in :mod:`.cures`, keyed by the rule id (:mod:`.base`).  libcst is imported only here, so a plain
``check`` never pays for it.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["load_cures"]

_loaded = False


def load_cures() -> None:
    """Import every module of :mod:`.cures` once: defining a cure class registers it."""
    global _loaded
    if _loaded:
        return
    from flask_doctor.static.fixes import cures

    for info in pkgutil.iter_modules(cures.__path__):
        importlib.import_module(f"{cures.__name__}.{info.name}")
    _loaded = True
