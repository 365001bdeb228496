"""Metadata about every rule id, whichever surface raises it.

One problem has one id across surfaces: the static rule FD202 (N+1 in a
loop), the runtime detector that sees the same statement run 40 times and
any audit check about it share the id and this documentation.  Static rules
register their metadata from their class docstrings; audit checks and
runtime detectors register theirs with :func:`register_meta` (or reuse a
static id).  ``flask-doctor rules``, the SARIF ``tool.driver.rules`` array and
``docs/rules/`` are all generated from this registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from collections.abc import Iterable

from flask_doctor.findings import Evidence, Finding, Fix, Location, Severity

RULE_ID = re.compile(r"^FD\d{3}$")
#: The sections every rule docstring carries, in this order (ruff's rule pages).
DOC_SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix safety",
    "References",
)
FAMILIES = {
    "FD0": "internal",
    "FD1": "state and memory",
    "FD2": "database",
    "FD3": "security and config",
    "FD4": "server and concurrency",
    "FD5": "errors and tasks",
    "FD6": "structure",
    "FD7": "caching",
}


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str = ""
    catalog: tuple[str, ...] = ()
    surfaces: tuple[str, ...] = ("check",)
    fix_safety: str = "display-only"
    preview: bool = False
    sections: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "other")


_REGISTRY: dict[str, RuleMeta] = {}
SURFACE_ORDER = ("check", "audit", "runtime", "soak")


def _surface_rank(surface: str) -> int:
    return SURFACE_ORDER.index(surface) if surface in SURFACE_ORDER else len(SURFACE_ORDER)


def _rank(meta: RuleMeta) -> tuple[int, bool]:
    """Which registration owns the merged page: best surface, then documented."""
    return (min((_surface_rank(s) for s in meta.surfaces), default=len(SURFACE_ORDER)), not meta.doc)


def register_meta(meta: RuleMeta) -> RuleMeta:
    """Register (or extend with a new surface) the metadata of a rule id."""
    if not RULE_ID.match(meta.code):
        raise ValueError(f"rule id {meta.code!r} is not FD + three digits")
    existing = _REGISTRY.get(meta.code)
    if existing is not None:
        if existing.name != meta.name:
            raise ValueError(
                f"{meta.code} registered twice with different names: "
                f"{existing.name!r} and {meta.name!r}"
            )
        # The merge must not depend on import order: the surface that comes
        # first in SURFACE_ORDER (the static rule, when there is one) owns
        # the page and the metadata; the others only add their surface.
        primary, secondary = sorted((existing, meta), key=_rank)
        surfaces = tuple(sorted(set(existing.surfaces + meta.surfaces), key=_surface_rank))
        merged = RuleMeta(
            code=primary.code,
            name=primary.name,
            severity=primary.severity,
            summary=primary.summary or secondary.summary,
            doc=primary.doc or secondary.doc,
            catalog=primary.catalog or secondary.catalog,
            surfaces=surfaces,
            fix_safety=primary.fix_safety,
            # Preview is a status of the static rule; audit and runtime
            # registrations of the same id do not make it stable.
            preview=primary.preview if "check" in primary.surfaces else primary.preview and secondary.preview,
            sections=primary.sections or secondary.sections,
        )
        _REGISTRY[meta.code] = merged
        return merged
    _REGISTRY[meta.code] = meta
    return meta


def get_meta(code: str) -> RuleMeta | None:
    _load_all()
    return _REGISTRY.get(code)


def all_metas() -> list[RuleMeta]:
    _load_all()
    return [_REGISTRY[c] for c in sorted(_REGISTRY)]


class UnknownRule(KeyError):
    """A surface tried to raise an id that no rule or catalogue entry registers."""


def new_finding(
    code: str,
    *,
    surface: str,
    message: str,
    location: Location | None = None,
    obj: str = "",
    hint: str = "",
    evidence: Iterable[Evidence] = (),
    severity: Severity | None = None,
    fix: Fix | None = None,
    key: str = "",
) -> Finding:
    """The one way every surface builds a finding: name and catalog come from the rulebook.

    ``severity`` defaults to the registered one.  A surface may pass a lower
    one when its evidence is weaker (a note instead of a warning) or the
    user's configured override; never a made-up name or catalog.
    """
    meta = _REGISTRY.get(code) or get_meta(code)
    if meta is None:
        raise UnknownRule(f"{code} is not a registered rule id; add it to its rule or to flask_doctor.catalogue")
    return Finding(
        code=code,
        name=meta.name,
        severity=meta.severity if severity is None else severity,
        message=message,
        location=location,
        hint=hint,
        obj=obj,
        evidence=tuple(evidence),
        catalog=meta.catalog,
        fix=fix,
        surface=surface,
        key=key,
    )


def parse_doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its ``## Section`` parts."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for raw in doc.splitlines():
        line = raw.rstrip()
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip("\n")
            current = line[3:].strip()
            lines = []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip("\n")
    return sections


_loaded = False


def _load_all() -> None:
    """Import every surface's rule modules so their metadata is registered."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in (
        "flask_doctor.static.rules",
        "flask_doctor.audit.checks",
        "flask_doctor.runtime.detectors",
        "flask_doctor.soak.findings_meta",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # A surface that is not installed (or whose optional dependency
            # is missing) contributes no metadata; our own bugs still raise.
            if exc.name and exc.name.startswith("flask_doctor") and exc.name != module:
                raise
