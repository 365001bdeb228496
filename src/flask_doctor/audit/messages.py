"""Message constants: one id, name, severity, text and hint per kind of problem.

Django keeps ``Warning("...", hint=..., id="security.W004")`` constants next
to its checks; here a :class:`Message` is the template and calling it builds
the :class:`~flask_doctor.findings.Finding` with the live values filled in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_doctor.findings import Evidence, Finding, Location, Severity


@dataclass(frozen=True)
class Message:
    code: str
    name: str
    severity: Severity
    text: str
    hint: str = ""
    catalog: tuple[str, ...] = ()

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
        message = (text if text is not None else self.text).format(**fields)
        advice = (hint if hint is not None else self.hint).format(**fields)
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity if severity is not None else self.severity,
            message=message,
            location=location,
            hint=advice,
            obj=obj,
            evidence=tuple(evidence),
            catalog=self.catalog,
            surface="audit",
        )
