"""FD402: give an outgoing HTTP call a timeout (safe: a call that hung for ever now raises instead)."""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.facts.calls import LDAP_LAST_NAMES
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import literal, set_keyword


class HttpTimeout(Cure):
    code = "FD402"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        call = tree.at(finding, cst.Call)
        assert isinstance(call, cst.Call)
        callee = call.func.attr.value if isinstance(call.func, cst.Attribute) else getattr(call.func, "value", "")
        if callee in LDAP_LAST_NAMES:
            raise Skip("an LDAP connection takes its timeouts from options (python-ldap) or its server (ldap3)")
        if any(arg.star == "**" for arg in call.args):
            raise Skip("the call passes **kwargs, which may hold a timeout")
        seconds = options.http_timeout
        value = literal(int(seconds) if float(seconds).is_integer() else float(seconds))
        return Plan([Change(call, lambda node: set_keyword(node, "timeout", value))])
