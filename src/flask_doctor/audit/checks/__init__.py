"""Audit checks, one module per area, loaded by
:meth:`flask_doctor.audit.registry.CheckRegistry.load` when an audit runs.

Their rule ids are documented by the static rules and by
:mod:`flask_doctor.catalogue.audit`; nothing here registers metadata, so
listing or documenting rules never imports the audit.
"""

from __future__ import annotations
