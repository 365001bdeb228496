"""FD303: cookie flags switched on in production (unsafe: a Secure cookie is not sent over plain HTTP).

``SESSION_COOKIE_SECURE = False`` (and the HttpOnly / remember-me flags) become ``True``; a
``set_cookie(...)`` call without flags gets ``secure=True, httponly=True, samesite="Lax"``.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import literal, set_keyword, setting_parts


def _flags(call: cst.Call) -> cst.Call:
    call = set_keyword(call, "secure", cst.Name("True"))
    call = set_keyword(call, "httponly", cst.Name("True"))
    return set_keyword(call, "samesite", literal("Lax"), replace=False)


class SecureCookieFlags(Cure):
    code = "FD303"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        try:
            call = tree.at(finding, cst.Call)
        except Skip:
            call = None
        if isinstance(call, cst.Call):
            func = call.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
            if name != "set_cookie":
                raise Skip("not a set_cookie(...) call")
            if any(arg.star == "**" for arg in call.args):
                raise Skip("set_cookie(...) passes **kwargs")
            return Plan([Change(call, _flags)])
        _, value = setting_parts(tree, finding)
        if isinstance(value, cst.Name) and value.value in ("False", "None"):
            return Plan([Change(value, lambda node: cst.Name("True"))])
        if isinstance(value, cst.Integer) and value.value == "0":
            return Plan([Change(value, lambda node: cst.Name("True"))])
        raise Skip("the flag is not a literal False")
