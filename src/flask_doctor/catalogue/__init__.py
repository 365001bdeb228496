"""The rule catalogue: metadata of every id that has no static rule class.

One module per surface (:mod:`.internal` for FD001-FD004, :mod:`.audit`,
:mod:`.runtime`, :mod:`.soak`) documents the ids only that surface raises,
each as an :class:`~flask_doctor.catalogue.base.Entry` whose docstring is the
rule page, and lists in ``ALSO_RAISES`` the ids it raises whose page belongs
to another owner (a static rule, or FD004).  That list is a declaration
only: name, severity and catalog are never retyped here.

The surfaces build their findings from these ids with
:func:`flask_doctor.rulebook.new_finding`; the catalogue imports nothing from
them, so ``flask-doctor check``, ``rules`` and SARIF output can list every
rule without importing Flask, the audit, the runtime or soak.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from flask_doctor.catalogue.base import ENTRIES, Entry

#: The surface modules, in the order their pages are owned: a static rule
#: first, then the catalogue entries of these modules.
SURFACE_MODULES = ("internal", "audit", "runtime", "soak")

__all__ = ["ENTRIES", "Entry", "SURFACE_MODULES", "also_raised", "entries"]


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in SURFACE_MODULES]


def entries() -> list[type[Entry]]:
    """Every catalogue entry, sorted by code."""
    _modules()
    return [ENTRIES[code] for code in sorted(ENTRIES)]


def also_raised() -> dict[str, tuple[str, ...]]:
    """Surface -> the ids it raises whose page another owner documents."""
    declared: dict[str, tuple[str, ...]] = {}
    for module in _modules():
        declared[module.SURFACE] = tuple(module.ALSO_RAISES)
    return declared
