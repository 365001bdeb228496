"""FD319: PyYAML loads with ``SafeLoader`` (unsafe: documents with Python tags stop loading).

``yaml.load(x)`` / ``yaml.load(x, Loader=yaml.Loader)`` get ``Loader=yaml.SafeLoader``;
``yaml.unsafe_load`` (and its ``_all`` form) becomes ``yaml.safe_load``.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import set_keyword

_RENAMES = {
    "unsafe_load": "safe_load",
    "unsafe_load_all": "safe_load_all",
}


def _safe_loader(call: cst.Call, loader: cst.BaseExpression) -> cst.Call:
    if len(call.args) >= 2 and call.args[1].keyword is None and call.args[1].star == "":
        args = list(call.args)
        args[1] = args[1].with_changes(value=loader)
        return call.with_changes(args=args)
    return set_keyword(call, "Loader", loader)


class YamlSafeLoader(Cure):
    code = "FD319"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        call = tree.at(finding, cst.Call)
        assert isinstance(call, cst.Call)
        func = call.func
        name = ""
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        elif isinstance(func, cst.Name):
            name = func.value
        if any(arg.star == "**" for arg in call.args):
            raise Skip("the call passes **kwargs")
        if name in _RENAMES:
            new_name = cst.Name(_RENAMES[name])
            if isinstance(func, cst.Attribute):
                return Plan([Change(func, lambda f: f.with_changes(attr=new_name))])
            return Plan([Change(func, lambda f: new_name)], imports=[("yaml", _RENAMES[name])])
        if name not in ("load", "load_all"):
            raise Skip(f"unrecognised YAML call `{name}`")
        if isinstance(func, cst.Attribute):
            loader: cst.BaseExpression = cst.Attribute(func.value, cst.Name("SafeLoader"))
            return Plan([Change(call, lambda c: _safe_loader(c, loader))])
        return Plan([Change(call, lambda c: _safe_loader(c, cst.Name("SafeLoader")))], imports=[("yaml", "SafeLoader")])
