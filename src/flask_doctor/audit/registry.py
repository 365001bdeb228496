"""The check registry, shaped like Django's ``django.core.checks.registry``.

A check is a plain function of the :class:`~flask_doctor.audit.context.AuditContext`
(the loaded app plus facts about how it is deployed) that returns findings::

    @register(tags=("config",), deploy=True)
    def check_debug(audit):
        if audit.app.debug:
            yield DEBUG_ON(obj="config:DEBUG", ...)

Unlike Django, :meth:`CheckRegistry.run` wraps every check: a check that
raises becomes one FD004 finding and the others still run.  Checks run in
registration order (built-in modules in a fixed order, then third-party
entry points sorted by name), so output is stable.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding
from flask_doctor.redaction import redact_text
from flask_doctor.rulebook import new_finding

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.audit.context import AuditContext

CheckFunc = Callable[["AuditContext"], "Iterable[Finding] | None"]

#: Entry point group through which other packages add checks.
ENTRY_POINT_GROUP = "flask_doctor.audit_checks"

#: Built-in check modules, in the order their checks run.
BUILTIN_MODULES = (
    "flask_doctor.audit.checks.facts",
    "flask_doctor.audit.checks.config",
    "flask_doctor.audit.checks.sessions",
    "flask_doctor.audit.checks.middleware",
    "flask_doctor.audit.checks.routes",
    "flask_doctor.audit.checks.extensions",
    "flask_doctor.audit.checks.celery_checks",
    "flask_doctor.audit.checks.teardown",
)


@dataclass(frozen=True)
class Check:
    func: CheckFunc
    name: str
    tags: tuple[str, ...]
    deploy: bool

    def __call__(self, audit: AuditContext) -> list[Finding]:
        return list(self.func(audit) or ())


class CheckRegistry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._loaded = False

    def register(self, func: CheckFunc | None = None, *, tags: Sequence[str] = (), deploy: bool = False) -> Any:
        """Register ``func``; usable bare (``@register``) or with arguments.

        ``deploy=True`` checks run only when the app is judged as production
        (it is not in debug mode, or ``--deploy`` was given).
        """

        def decorate(f: CheckFunc) -> CheckFunc:
            name = f"{f.__module__}.{getattr(f, '__qualname__', repr(f))}"
            base, n = name, 1
            while name in self._checks and self._checks[name].func is not f:  # two lambdas
                n += 1
                name = f"{base}#{n}"
            self._checks[name] = Check(f, name, tuple(tags), deploy)
            return f

        if func is not None:
            return decorate(func)
        return decorate

    def checks(self, *, deploy: bool = True, tags: Sequence[str] = ()) -> list[Check]:
        """Built-in checks in :data:`BUILTIN_MODULES` order, then the others, each in registration order."""
        rank = {module: i for i, module in enumerate(BUILTIN_MODULES)}
        ordered = sorted(self._checks.values(), key=lambda c: rank.get(c.func.__module__, len(rank)))
        chosen = []
        for check in ordered:
            if check.deploy and not deploy:
                continue
            if tags and not set(tags) & set(check.tags):
                continue
            chosen.append(check)
        return chosen

    def tags(self) -> list[str]:
        return sorted({t for c in self._checks.values() for t in c.tags})

    def skipped(self, audit: AuditContext, tags: Sequence[str] = ()) -> list[Check]:
        """The deployment checks an app judged as development does not get (with the same tag filter)."""
        if audit.deploy:
            return []
        return [c for c in self.checks(deploy=True, tags=tags) if c.deploy]

    def run(self, audit: AuditContext, *, tags: Sequence[str] = (), debug: bool = False) -> list[Finding]:
        """Run every enabled check; a crash is reported, never raised.

        The deployment checks skipped in development go to ``extra["skipped_checks"]``:
        an empty report must not read as "production-ready".
        """
        skipped = self.skipped(audit, tags)
        if skipped:
            audit.extra["skipped_checks"] = {
                "reason": "judged as a development configuration (DEBUG is on)",
                "checks": [{"check": c.name, "tags": list(c.tags)} for c in skipped],
            }
        findings: list[Finding] = []
        for check in self.checks(deploy=audit.deploy, tags=tags):
            try:
                findings.extend(check(audit))
            except Exception as exc:  # one broken check must not hide the others
                if debug:
                    traceback.print_exc(file=sys.stderr)
                findings.append(internal_error(check.name, exc))
        return findings

    def load(self) -> None:
        """Import the built-in checks and the ``flask_doctor.audit_checks`` entry points."""
        if self._loaded:
            return
        self._loaded = True
        for module in BUILTIN_MODULES:
            import_module(module)
        self._load_entry_points()

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                obj = ep.load()
            except Exception as exc:
                name = f"entry-point:{ep.name}"
                self._checks[name] = Check(_raiser(exc), name, ("third-party",), False)
                continue
            # A module registers its checks on import; a bare function is registered here.
            if callable(obj) and not any(c.func is obj for c in self._checks.values()):
                self.register(obj, tags=("third-party",))


def _raiser(exc: Exception) -> CheckFunc:
    def failed(audit: AuditContext) -> Iterable[Finding]:
        raise exc

    return failed


def internal_error(check_name: str, exc: BaseException) -> Finding:
    """FD004: a check crashed (a bug in flask-doctor or a plug-in, not in the app)."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else ""
    return new_finding(
        "FD004",
        surface="audit",
        message=f"audit check {check_name} crashed: {exc.__class__.__name__}: {redact_text(str(exc))}",
        hint="this is a bug in the check, not in your app: please report it (rerun with --debug for the traceback)",
        obj=f"check:{check_name}",
        evidence=(Evidence(f"raised{where}"),),
    )


REGISTRY = CheckRegistry()
register = REGISTRY.register
