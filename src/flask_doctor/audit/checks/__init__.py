"""Audit checks.  Importing this package registers every audit id's metadata.

It must stay cheap (``flask-doctor rules`` imports it): the check modules,
which import Flask and extensions, are loaded by
:meth:`flask_doctor.audit.registry.CheckRegistry.load` when an audit runs.
"""

from __future__ import annotations

from flask_doctor.audit.checks import rules as _rules  # noqa: F401  (registers metadata)
