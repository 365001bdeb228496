"""FD205: ``SQLALCHEMY_TRACK_MODIFICATIONS = True`` becomes ``False`` (safe: nothing listens).

``False`` rather than deleting the line: Flask-SQLAlchemy 2.x still tracks (and warns) when the key is
absent, 3.x defaults to False; ``False`` means the same on both.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import setting_parts


class TrackModificationsOff(Cure):
    code = "FD205"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        _, value = setting_parts(tree, finding)
        if not (isinstance(value, cst.Name) and value.value == "True"):
            raise Skip("the value is not the literal True")
        return Plan([Change(value, lambda node: node.with_changes(value="False"))])
