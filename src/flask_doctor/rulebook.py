"""Metadata about every rule id, whichever surface raises it: the one registry.

One problem has one id across surfaces: the static rule FD202 (N+1 in a
loop), the runtime detector that sees the same statement run 40 times and
any audit check about it share the id and this documentation.  Two places
define ids: static rule classes (their docstrings and class attributes) and
the catalogue (:mod:`flask_doctor.catalogue`) for ids no static rule owns;
the catalogue also declares which surfaces raise which static ids.  The
rulebook loads those two and nothing else (never the audit, the runtime or
soak), so every command can list and document every rule cheaply.

Every surface builds findings with :func:`new_finding`, which takes the name
and catalog from here, so a finding cannot disagree with its rule page.
``flask-doctor rules``, ``flask-doctor rule``, the SARIF ``tool.driver.rules``
array, ``docs/rules/`` and the README coverage table are all generated from
this registry.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING

from flask_doctor.dataclass import dataclass
from flask_doctor.doctext import doc_text
from flask_doctor.findings import Evidence, Finding, Fix, FixExample, Location, Severity

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.catalogue.base import Entry

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
    """What every surface knows of a rule or catalogue entry: id, name, severity, docs and fix safety."""

    code: str
    name: str
    severity: Severity
    summary: str
    #: The rule page as its class docstring holds it (indented); :attr:`doc` is the page text.
    docstring: str = ""
    catalog: tuple[str, ...] = ()
    surfaces: tuple[str, ...] = ("check",)
    #: "safe", "unsafe" (``--fix``/``--unsafe-fixes`` apply it) or "none".
    fix_safety: str = "none"
    preview: bool = False
    #: The before/after pair ``--fix`` is tested on; ``None`` for rules without a fix.
    fix_example: FixExample | None = field(default=None, compare=False, hash=False)

    # The page text and its sections are worked out when first read (``rules``, ``rule``, SARIF, the rule
    # pages): a ``check`` reads none, and dedenting and splitting the ~150 docstrings registered at start-up
    # cost ~4 % of the instructions of a ``check`` on an empty directory.
    @cached_property
    def doc(self) -> str:
        """The page text: the docstring dedented (:func:`~flask_doctor.doctext.doc_text`)."""
        return doc_text(self.docstring)

    @cached_property
    def sections(self) -> dict[str, str]:
        """The page's ``## Section`` parts (:func:`parse_doc_sections`)."""
        return parse_doc_sections(self.doc)

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "other")


_REGISTRY: dict[str, RuleMeta] = {}
SURFACE_ORDER = ("check", "audit", "runtime", "soak")


def _surface_rank(surface: str) -> int:
    return SURFACE_ORDER.index(surface) if surface in SURFACE_ORDER else len(SURFACE_ORDER)


@dataclass(frozen=True, eq=False)
class Ceiling:
    """The highest severity a surface lets an id reach, and the reason shown with it."""

    severity: Severity
    reason: str


class UnknownRule(KeyError):
    """A surface tried to raise an id that no rule or catalogue entry registers."""


def register_meta(meta: RuleMeta) -> RuleMeta:
    """Register the metadata of a new rule id (a static rule class, a catalogue entry, a plug-in).

    An id has one owner: registering it again with different metadata is an
    error, not a merge.  Other surfaces that raise it say so with
    :func:`declare_surface`.
    """
    if not RULE_ID.match(meta.code):
        raise ValueError(f"rule id {meta.code!r} is not FD + three digits")
    existing = _REGISTRY.get(meta.code)
    if existing is not None:
        if existing == meta:
            return existing
        raise ValueError(
            f"{meta.code} registered twice ({existing.name!r} for {', '.join(existing.surfaces)}, "
            f"{meta.name!r} for {', '.join(meta.surfaces)}); other surfaces declare the id in flask_doctor.catalogue"
        )
    _REGISTRY[meta.code] = meta
    return meta


def declare_surface(code: str, surface: str) -> RuleMeta:
    """Record that ``surface`` raises ``code`` too (the owner's name, severity and page stay)."""
    meta = _REGISTRY.get(code)
    if meta is None:
        raise UnknownRule(f"{surface} declares {code}, which no rule or catalogue entry registers")
    if surface in meta.surfaces:
        return meta
    surfaces = tuple(sorted({*meta.surfaces, surface}, key=_surface_rank))
    merged = dataclasses.replace(meta, surfaces=surfaces)
    _REGISTRY[code] = merged
    return merged


def get_meta(code: str) -> RuleMeta | None:
    _load_all()
    return _REGISTRY.get(code)


def all_metas() -> list[RuleMeta]:
    _load_all()
    return [_REGISTRY[c] for c in sorted(_REGISTRY)]


#: Called with every finding :func:`new_finding` builds, its rule's metadata
#: and the configured severity (if any).  The test suite records emissions
#: through it to prove that no surface drifts from the registered metadata.
EMISSION_HOOKS: list[Callable[[Finding, RuleMeta, Severity | None], None]] = []


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
    configured: Severity | None = None,
    ceiling: Ceiling | None = None,
    fix: Fix | None = None,
    key: str = "",
) -> Finding:
    """The one way every surface builds a finding: name and catalog come from the rulebook.

    The severity is, in order: ``severity`` when the surface passes one, the
    user's ``configured`` severity for the id (``check``'s per-rule
    setting), the registered one.  A surface passes a ``severity`` only to
    go lower than the registered one, when its evidence is weaker (a note
    instead of a warning); only the user's configuration may go higher.
    A ``ceiling`` caps the result and says why in an evidence line (``check``
    caps rules that real code does not show to be right, see
    :mod:`flask_doctor.catalogue.precision`).
    """
    meta = _REGISTRY.get(code) or get_meta(code)
    if meta is None:
        raise UnknownRule(f"{code} is not a registered rule id; add it to its rule or to flask_doctor.catalogue")
    if severity is None:
        severity = configured if configured is not None else meta.severity
    evidence = tuple(evidence)
    if ceiling is not None and severity > ceiling.severity:
        severity = ceiling.severity
        evidence = (*evidence, Evidence(ceiling.reason))
    finding = Finding(
        code=code,
        name=meta.name,
        severity=severity,
        message=message,
        location=location,
        hint=hint,
        obj=obj,
        evidence=evidence,
        catalog=meta.catalog,
        fix=fix,
        surface=surface,
        key=key,
    )
    for hook in EMISSION_HOOKS:
        hook(finding, meta, configured)
    return finding


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


def _catalogue_meta(entry: type[Entry]) -> RuleMeta:
    return RuleMeta(
        code=entry.code,
        name=entry.name,
        severity=entry.severity,
        summary=entry.summary,
        docstring=entry.__doc__ or "",
        catalog=entry.catalog,
        surfaces=tuple(sorted(entry.surfaces, key=_surface_rank)),
        fix_safety=entry.fix_safety,
        fix_example=entry.FIX_EXAMPLE,
        preview=entry.preview,
    )


_load_lock = threading.RLock()
_state = "new"  # "loading", "done"


def _load_all() -> None:
    """Register the static rules and the catalogue, once (thread-safe: detectors run off the request thread)."""
    global _state
    if _state == "done":
        return
    with _load_lock:
        if _state != "new":  # done meanwhile, or re-entered while this thread loads
            return
        _state = "loading"
        try:
            import flask_doctor.static.rules  # noqa: F401  (rule classes register themselves)
            from flask_doctor import catalogue

            for entry in catalogue.entries():
                register_meta(_catalogue_meta(entry))
            for surface, codes in catalogue.also_raised().items():
                for code in codes:
                    declare_surface(code, surface)
        except BaseException:
            _state = "new"
            raise
        _state = "done"
