"""Rule discovery: every module in this package is a rule family.

Importing the package imports each family module, and each :class:`Rule`
subclass registers itself; adding a rule touches one file.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask_doctor.static.rules.base import RULES, Rule

_loaded = False


def load_rules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def all_rules() -> dict[str, type[Rule]]:
    """Every rule class by code, sorted by code."""
    load_rules()
    return dict(sorted(RULES.items()))


load_rules()
