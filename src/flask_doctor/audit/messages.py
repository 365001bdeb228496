"""Message constants: one rule id, text and hint per kind of problem.

Django keeps ``Warning("...", hint=..., id="security.W004")`` constants next
to its checks; here a :class:`Message` is the template and calling it builds
the :class:`~flask_doctor.findings.Finding` with the live values filled in.
A message names its rule id only: the name, severity and catalog come from
the rulebook (:func:`flask_doctor.rulebook.new_finding`), so an audit finding
cannot disagree with the rule page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.rulebook import new_finding


@dataclass(frozen=True)
class Message:
    code: str
    text: str
    hint: str = ""
    #: Lower than the registered severity, for a variant whose evidence is
    #: weaker (None: the registered one).
    severity: Severity | None = None

    def __call__(
        self,
        *,
        obj: str = "",
        location: Location | None = None,
        evidence: Iterable[Evidence] = (),
        severity: Severity | None = None,
        text: str | None = None,
        hint: str | None = None,
        **fields: Any,
    ) -> Finding:
        """Build the finding; ``{field}`` placeholders come from ``fields``."""
        return new_finding(
            self.code,
            surface="audit",
            message=(text if text is not None else self.text).format(**fields),
            hint=(hint if hint is not None else self.hint).format(**fields),
            obj=obj,
            location=location,
            evidence=evidence,
            severity=severity if severity is not None else self.severity,
        )
