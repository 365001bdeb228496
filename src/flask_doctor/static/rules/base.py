"""What a static rule is: one class, its documentation, its examples, its checks.

A rule is a small class in a family module under ``flask_doctor.static.rules``
(found automatically: subclassing :class:`Rule` registers it).  Its
docstring is the rule page, written in fixed sections (What it does / Why is
this bad? / Example / Use instead / Fix safety / References); ``VALID`` and
``INVALID`` examples are run as tests.

A rule looks at the code in one or both of two ways:

* ``visit_<NodeType>(self, node, ctx)``: called during the single walk of
  each module, only for the node types the rule asks for;
* ``check_project(self, project, report)``: called once with the whole
  project model (import cycles, deploy files, config across classes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from typing import Any, ClassVar

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import NO_FIX, Evidence, Finding, Fix, FixExample, Location, Severity
from flask_doctor.rulebook import (
    Ceiling,
    RuleMeta,
    new_finding,
    register_meta,
)
from flask_doctor.static.context import Context, describe_context, node_location
from flask_doctor.static.model import Project

__all__ = ["RULES", "Context", "FixExample", "Invalid", "Rule", "Valid", "describe_context", "node_location"]

#: Every rule class, by code, in definition order.
RULES: dict[str, type[Rule]] = {}


@dataclass(frozen=True, eq=False)
class Valid:
    """Code that must produce no finding of the rule (a good fixture)."""

    code: str
    files: dict[str, str] = field(default_factory=dict)  # extra files: path -> text
    #: Checked with ``--preview`` on (a rule's weak evidence must stay silent then too).
    preview: bool = False


@dataclass(frozen=True, eq=False)
class Invalid:
    """Code that must produce exactly the marked findings of the rule.

    Each line where a finding is expected ends with ``# expect`` (in the
    code and in the extra ``files``); the harness fails on a missing finding
    and on an unmarked one. ``message`` (optional) must appear in the first
    finding's message. The marks are stripped from the rule's docs.
    With ``preview`` the example runs with ``--preview`` on: how a rule's
    weak evidence, kept out of the default output, is reported.
    """

    code: str
    message: str = ""
    files: dict[str, str] = field(default_factory=dict)
    preview: bool = False


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    catalog: ClassVar[tuple[str, ...]] = ()
    #: "safe" (``--fix`` applies it), "unsafe" (only with ``--unsafe-fixes``) or "none". A rule with a fix
    #: has a cure registered under its code in :mod:`flask_doctor.static.fixes` and a ``FIX_EXAMPLE``
    #: whose ``before`` the fix must turn into ``after`` (a test runs it; the rule page shows it).
    fix_safety: ClassVar[str] = NO_FIX
    FIX_EXAMPLE: ClassVar[FixExample | None] = None
    preview: ClassVar[bool] = False
    #: One line; shown by ``flask-doctor rules`` and in SARIF.
    summary: ClassVar[str] = ""
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    #: The calls ``visit_Call`` can report or record anything for, by the last segment of the callee's
    #: name (:func:`~flask_doctor.static.context.callee_names`: ``get`` for ``session.get(...)``; ``sleep``
    #: for ``time.sleep(...)``; ``nap`` or ``sleep`` for ``nap(...)`` after ``from time import sleep as
    #: nap``); None: every call. The walker skips the handler for other calls (a dozen rules each looked
    #: at all of a project's calls to act on a handful of names).
    call_names: ClassVar[frozenset[str] | None] = None
    #: The same for ``visit_Attribute``: the attribute names (``node.attr``) it can act on; None: every one.
    attribute_names: ClassVar[frozenset[str] | None] = None
    meta: ClassVar[RuleMeta]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if cls.code in RULES and RULES[cls.code] is not cls:
            raise ValueError(f"rule {cls.code} defined twice ({RULES[cls.code].__name__}, {cls.__name__})")
        cls.meta = register_meta(
            RuleMeta(
                code=cls.code,
                name=cls.name,
                severity=cls.severity,
                summary=cls.summary,
                docstring=cls.__doc__ or "",
                catalog=cls.catalog,
                surfaces=("check",),
                fix_safety=cls.fix_safety,
                fix_example=cls.FIX_EXAMPLE,
                preview=cls.preview,
            )
        )
        RULES[cls.code] = cls

    def __init__(
        self,
        project: Project,
        severity: Severity | None = None,
        ceiling: Ceiling | None = None,
        *,
        preview: bool = False,
    ) -> None:
        self.project = project
        self.effective_severity = severity or self.severity
        self.ceiling = ceiling
        #: The run has ``--preview`` on. A default rule whose evidence comes in tiers reports its
        #: strong findings always and its weak ones (not yet measured precise) only then.
        self.preview_enabled = preview
        self.start()

    def start(self) -> None:
        """Set up per-run state (sets of what was already reported); rules override this, not ``__init__``."""

    @classmethod
    def node_handlers(cls) -> dict[str, str]:
        """``{"Call": "visit_Call", ...}`` for the node types this rule inspects."""
        return {
            attr[len("visit_") :]: attr
            for attr in dir(cls)
            if attr.startswith("visit_") and callable(getattr(cls, attr))
        }

    def project_call_names(self, project: Project) -> frozenset[str]:
        """More callee names for ``visit_Call`` that only this project shows (a parameter every caller fills with
        an HTTP session's method is called by the parameter's name); added to :attr:`call_names`."""
        return frozenset()

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        """Override for rules that need the whole project at once."""

    # ----------------------------------------------------------- helpers
    def finding(
        self,
        location: Location,
        message: str,
        *,
        hint: str = "",
        evidence: Iterable[Evidence] = (),
        severity: Severity | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        return new_finding(
            self.code,
            surface="check",
            severity=severity,
            configured=self.effective_severity,
            ceiling=self.ceiling,
            message=message,
            location=location,
            hint=hint,
            evidence=evidence,
            fix=fix,
        )
