"""What a catalogue entry is: one class whose docstring is the rule page.

Static rules carry their documentation on their own class
(:class:`flask_doctor.static.rules.base.Rule`).  An id that no static rule
owns (a problem only the audit, the runtime or soak can see, and the
internal ids FD001-FD004) is documented by an :class:`Entry` subclass in the
module of the surface that raises it, in the same shape: a docstring in the
fixed sections and the metadata as class attributes.  Defining the class
registers it in :data:`ENTRIES`; :mod:`flask_doctor.rulebook` turns the
entries into :class:`~flask_doctor.rulebook.RuleMeta`.

This package holds data only: it imports nothing from the surfaces.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_doctor.doctext import doc_text
from flask_doctor.findings import NO_FIX, FixExample, Severity

#: Every entry class, by code, in definition order.
ENTRIES: dict[str, type[Entry]] = {}


class Entry:
    """One rule id documented in the catalogue (subclass per surface, then per id)."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    #: One line; shown by ``flask-doctor rules``, in SARIF and above the page.
    summary: ClassVar[str] = ""
    catalog: ClassVar[tuple[str, ...]] = ()
    #: The surfaces that raise the id; set once per surface module's base class.
    surfaces: ClassVar[tuple[str, ...]] = ()
    #: "safe", "unsafe" or "none"; a fix has a before/after :class:`FixExample` that is also its test.
    fix_safety: ClassVar[str] = NO_FIX
    FIX_EXAMPLE: ClassVar[FixExample | None] = None
    preview: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if cls.code in ENTRIES and ENTRIES[cls.code] is not cls:
            raise ValueError(f"catalogue entry {cls.code} defined twice: {ENTRIES[cls.code].__name__}, {cls.__name__}")
        ENTRIES[cls.code] = cls

    @classmethod
    def doc(cls) -> str:
        """The page below the summary: the class docstring, dedented."""
        return doc_text(cls.__doc__)
