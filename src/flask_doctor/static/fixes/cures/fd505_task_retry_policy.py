"""FD505: a Celery task gets a retry policy (unsafe: the task may now run more than once).

``@shared_task`` / ``@celery.task(...)`` gets ``autoretry_for=(Exception,), retry_backoff=True,
max_retries=N`` (N from ``[tool.flask-doctor.fix] task-max-retries``, 5 by default): a blip of the
network or the database is retried with exponential back-off instead of losing the work.  Only tasks
safe to run twice should keep it, which is why the fix is unsafe.
"""

from __future__ import annotations

import libcst as cst

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import Change, Cure, FixOptions, FixTree, Plan, Skip
from flask_doctor.static.fixes.cures._helpers import literal, set_keyword


def _policy(call: cst.Call, retries: int) -> cst.Call:
    call = set_keyword(call, "autoretry_for", cst.parse_expression("(Exception,)"), replace=False)
    call = set_keyword(call, "retry_backoff", cst.Name("True"), replace=False)
    return set_keyword(call, "max_retries", literal(retries), replace=False)


class TaskRetryPolicy(Cure):
    code = "FD505"

    def plan(self, tree: FixTree, finding: Finding, options: FixOptions) -> Plan:
        node = tree.at(finding, cst.CSTNode)
        decorator = tree.enclosing(node, cst.Decorator)
        if decorator is None:
            raise Skip("the task is not declared with a decorator")
        target = decorator.decorator
        retries = int(options.task_max_retries)
        if isinstance(target, cst.Call):
            if any(arg.star for arg in target.args):
                raise Skip("the decorator passes *args/**kwargs")
            if any(a.keyword is not None and a.keyword.value == "max_retries" for a in target.args):
                raise Skip("the task already sets max_retries")
            return Plan([Change(target, lambda c: _policy(c, retries))])
        if isinstance(target, (cst.Name, cst.Attribute)):
            return Plan([Change(target, lambda t: _policy(cst.Call(t), retries))])
        raise Skip("unrecognised task decorator")
