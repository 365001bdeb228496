"""What a runtime detector is, and the small helpers the detectors share.

A detector is one small class that declares the rule id it raises
(``code``) and a ``detect`` method.  Its name, severity, catalog problems
and documentation are the rule's, in the rulebook (a static rule's page,
or :mod:`flask_doctor.catalogue.runtime` for runtime-only ids), so
:meth:`Detector.finding` builds findings with
:func:`flask_doctor.rulebook.new_finding`.  Detectors are pure: they read a
:class:`~flask_doctor.runtime.records.Trace` or rolling statistics and a
:class:`DetectContext`, and return findings with evidence and a stable
``key``.  They never run on the request thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from typing import ClassVar

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding, Location, Severity
from flask_doctor.rulebook import new_finding
from flask_doctor.runtime.records import Site, Trace
from flask_doctor.runtime.settings import Settings
from flask_doctor.runtime.stats import EndpointStats


@dataclass
class DetectContext:
    """What detectors may know beyond the trace: settings and resolvers into the app."""

    settings: Settings = field(default_factory=Settings)
    now: float = 0.0
    session_cookie: str = "session"
    #: endpoint name -> source site of its view function
    view_site: Callable[[str], Site | None] = lambda name: None
    #: HTTP status -> site of the error handler that answers it
    error_handler_site: Callable[[int], Site | None] = lambda code: None
    capacity: int = 0
    worker: str = ""
    #: top growing allocation sites (tracemalloc, when on): ``site``, ``growth_bytes``, ``count_growth``
    allocation_sites: list[dict[str, object]] = field(default_factory=list)


def loc(site: Site | None) -> Location | None:
    return Location(site.path, site.line) if site is not None else None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Detector:
    #: The rule id this detector raises; everything else about the rule is in the rulebook.
    code: ClassVar[str]

    def finding(
        self,
        message: str,
        *,
        obj: str,
        key: str,
        location: Location | None = None,
        evidence: Sequence[Evidence] = (),
        hint: str = "",
        severity: Severity | None = None,
        code: str | None = None,
    ) -> Finding:
        """A runtime finding of ``code`` (default: the detector's); ``severity`` only to go lower."""
        return new_finding(
            code or self.code,
            surface="runtime",
            message=message,
            location=location,
            hint=hint,
            obj=obj,
            evidence=evidence,
            severity=severity,
            key=key,
        )


class TraceDetector(Detector):
    def detect(self, trace: Trace, ctx: DetectContext) -> Iterator[Finding]:  # pragma: no cover
        raise NotImplementedError


def trace_line(trace: Trace) -> str:
    if trace.kind == "request":
        return f"request {trace.method} {trace.path} -> {trace.status} in {ms(trace.wall)}, {trace.query_count} queries"
    return f"job {trace.name} {trace.state or ''} in {ms(trace.wall)}, {trace.query_count} queries".replace("  ", " ")


def endpoint_label(stats: EndpointStats) -> str:
    return f"endpoint:{stats.name}" if stats.kind == "request" else f"task:{stats.name}"


def fmt_bytes(n: float) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover
