"""FD312: the app reads the client's address from one proxy's ``X-Forwarded-*`` headers (unsafe).

Right after the project's one ``app = Flask(...)`` (module level or in its factory)::

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

with ``from werkzeug.middleware.proxy_fix import ProxyFix`` added once. The finding may be in a view of
another module; the rule names where the app is created, and that is the file edited. Every finding of
the project is cured by that one line.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import (
    Change,
    Cure,
    FixOptions,
    FixTree,
    Plan,
    Skip,
    evidence_location,
)
from flask_doctor.static.rules.fd3xx.fd312_missing_proxy_fix import APP_CREATED


def _then_proxy_fix(statement: cst.SimpleStatementLine, name: str) -> cst.FlattenSentinel:
    wrap = cst.parse_statement(f"{name}.wsgi_app = ProxyFix({name}.wsgi_app, x_for=1, x_proto=1)\n")
    return cst.FlattenSentinel([statement, wrap])


class ProxyFixAfterTheApp(Cure):
    code = "FD312"

    def target_path(self, finding: Finding) -> str | None:
        where = evidence_location(finding, APP_CREATED)
        return where.path if where is not None else None

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        where = evidence_location(finding, APP_CREATED)
        if where is None:
            raise Skip("the project creates no app or several: wrap the one behind the proxy in ProxyFix by hand")
        if where.path != tree.path:
            raise Skip("the app is created in another file")
        call = tree.node_at(where, cst.Call)
        statement = tree.statement_of(call)
        small = (
            statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        )
        if not (
            isinstance(small, cst.Assign)
            and small.value is call
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            raise Skip("the app is not created by a plain `app = Flask(...)` statement")
        name = small.targets[0].target.value
        return Plan(
            [Change(statement, lambda s: _then_proxy_fix(s, name))],
            imports=[("werkzeug.middleware.proxy_fix", "ProxyFix")],
        )
