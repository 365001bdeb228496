"""Rule discovery: one rule per module, in one package per id family.

``rules/fd3xx/fd308_form_without_csrf.py`` holds FD308 alone; importing this
package imports every such module, and each :class:`Rule` subclass registers
itself.  Adding a rule touches one file (plus its fixture).  Rule modules
import facts (``flask_doctor.static.facts``), never each other.
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
    for info in sorted(pkgutil.walk_packages(__path__, prefix=f"{__name__}."), key=lambda i: i.name):
        leaf = info.name.rsplit(".", 1)[-1]
        if not info.ispkg and leaf != "base" and not leaf.startswith("_"):
            importlib.import_module(info.name)


def all_rules() -> dict[str, type[Rule]]:
    """Every rule class by code, sorted by code."""
    load_rules()
    return dict(sorted(RULES.items()))


load_rules()
