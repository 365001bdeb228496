"""How often each rule is right on real code it was never tuned on.

The figures come from ``docs/precision/ledger.jsonl``: verdicts (true, wrong,
debatable) that a reader gave findings on the pinned corpus of real Flask
applications. Only the HELD half counts for the published level, because the
rules were adjusted while reading the TUNE half. ``scripts/precision_table.py``
turns the ledger into ``precision.json`` beside this module; a test keeps the
two in step, so the level a user reads is the level the ledger supports.

Levels, fixed before the held verdicts were read:

- ``very-high``: at least 95 % of judged held findings true;
- ``high``: at least 90 %;
- ``medium``: at least 70 %;
- ``low``: under 70 %;
- ``unmeasured``: fewer than :data:`MIN_JUDGED` judged held findings.

"Debatable" (right in letter, but by design, in example code or not worth a
maintainer's time) counts against precision, as a false alarm does.

Precision also decides the default severity (:func:`earns_warning`): a warning
is a claim a user should be able to trust without reading the code twice, so
``check`` shows a rule's findings as warnings only when real code supports it,
and as notes otherwise. A user who wants a rule's full severity back names it
in the ``severity`` setting.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from flask_doctor.dataclass import dataclass

#: Fewer judged findings than this say nothing about a rule.
MIN_JUDGED = 5

#: Set to 1 to report every rule at its own severity (how the corpus is measured).
OWN_SEVERITIES = "FLASK_DOCTOR_OWN_SEVERITIES"

LEVELS = (("very-high", 0.95), ("high", 0.90), ("medium", 0.70), ("low", 0.0))

#: The precision a warning promises.
TARGET = 0.90


@dataclass(frozen=True)
class Tally:
    """Verdict counts of one rule on one half of the corpus."""

    true: int = 0
    wrong: int = 0
    debatable: int = 0

    @property
    def judged(self) -> int:
        return self.true + self.wrong + self.debatable

    @property
    def ratio(self) -> float | None:
        return self.true / self.judged if self.judged else None


@dataclass(frozen=True)
class Precision:
    """A rule's measured precision: the held tally decides the level.

    ``held``/``tune`` count every judged finding of the rule; ``held_warnings``/
    ``tune_warnings`` only those the rule itself raised as a warning or an
    error, which decide whether it may keep doing so (:func:`earns_warning`).
    """

    code: str
    held: Tally
    tune: Tally
    held_warnings: Tally = Tally()
    tune_warnings: Tally = Tally()

    @property
    def level(self) -> str:
        return level_of(self.held)

    @property
    def pooled_warnings(self) -> Tally:
        """Warnings of both halves together: the only evidence for a rule that rarely warns."""
        held, tune = self.held_warnings, self.tune_warnings
        return Tally(held.true + tune.true, held.wrong + tune.wrong, held.debatable + tune.debatable)

    def describe(self) -> str:
        """One line for ``flask-doctor rule`` and the rule page."""
        held = self.held
        if held.judged == 0:
            shown = "no held findings judged"
        else:
            shown = f"{held.true} of {held.judged} held findings true"
        return f"{self.level} ({shown})"


def level_of(tally: Tally) -> str:
    """The published level of a held tally."""
    ratio = tally.ratio
    if ratio is None or tally.judged < MIN_JUDGED:
        return "unmeasured"
    return next(name for name, floor in LEVELS if ratio >= floor)


@cache
def _table() -> dict[str, Precision]:
    try:
        text = resources.files(__package__).joinpath("precision.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    rows = json.loads(text).get("rules", {})
    return {
        code: Precision(
            code,
            Tally(**row.get("held", {})),
            Tally(**row.get("tune", {})),
            Tally(**row.get("held_warnings", {})),
            Tally(**row.get("tune_warnings", {})),
        )
        for code, row in rows.items()
    }


def precision_of(code: str) -> Precision:
    """The measured precision of ``code``; unmeasured when the ledger has no verdict on it."""
    return _table().get(code) or Precision(code, Tally(), Tally())


def earns_warning(code: str) -> bool:
    """Whether ``check`` may show ``code`` above a note by default. Fixed rule, on the findings
    the rule itself raised as warnings or errors (its notes are notes anyway):

    1. enough held ones judged (:data:`MIN_JUDGED`): at least 90 % of them true;
    2. fewer: the warnings judged on both halves, pooled, if there are :data:`MIN_JUDGED` of
       them, at least 90 % true;
    3. fewer still, or none (the rule rarely or never warned on the corpus): not earned. Fewer
       judged warnings than :data:`MIN_JUDGED` say nothing about a rule, and an unmeasured rule
       was the largest source of wrong default warnings on a fresh sample of applications
       (docs/precision), so it speaks as a note until real code supports it.

    The internal ids (FD001-FD004: unparsable files, unreadable files, ``# noqa`` hygiene,
    crashed rules) are not claims about the application and always keep their severity.
    """
    if code.startswith("FD00"):
        return True
    precision = precision_of(code)
    for tally in (precision.held_warnings, precision.pooled_warnings):
        if tally.judged >= MIN_JUDGED:
            return (tally.ratio or 0.0) >= TARGET
    return False


#: A rule whose judged held findings are true less often than this is off by default ...
QUIET_FLOOR = 0.20
#: ... once at least this many of them were judged (fewer say too little to switch a rule off).
QUIET_MIN_JUDGED = 10


def off_by_default(code: str) -> bool:
    """Whether ``check`` leaves ``code`` out unless asked for (``--preview``, ``select``, a ``severity``).

    A note still costs a reader's time: a rule that was right on fewer than one in five of
    :data:`QUIET_MIN_JUDGED` or more judged findings (any severity) on held real code, code it
    was never tuned on, hides the findings that matter behind ones that do not. It keeps
    running where the corpus is measured (:data:`OWN_SEVERITIES`), so new verdicts can bring it
    back. Fixed rule, on the held tally only; the internal ids FD001-FD004 are never off.
    """
    if code.startswith("FD00"):
        return False
    held = precision_of(code).held
    return held.judged >= QUIET_MIN_JUDGED and (held.ratio or 0.0) < QUIET_FLOOR


def off_reason(code: str) -> str:
    """Why an off-by-default rule did not run, with the counts, and how to run it."""
    held = precision_of(code).held
    return (
        f"{held.true} of {held.judged} of its findings on held real code were judged true (docs/precision); "
        f"run it with --preview, or name it in `select`"
    )


def demotion_reason(code: str) -> str:
    """The evidence line a demoted finding carries, with the counts behind it."""
    precision = precision_of(code)
    raise_it = f'set severity = {{{code} = "warning"}} to raise it'
    if precision.held_warnings.judged >= MIN_JUDGED:
        tally, place = precision.held_warnings, "warnings on held real code"
    elif precision.pooled_warnings.judged >= MIN_JUDGED:
        tally, place = precision.pooled_warnings, "warnings on real code"
    else:
        judged = precision.pooled_warnings.judged
        return (
            f"shown as a note: not yet measured on real code ({judged} of its warnings judged, "
            f"{MIN_JUDGED} needed; docs/precision); {raise_it}"
        )
    return f"shown as a note: {tally.true} of {tally.judged} {place} of this rule were judged true (docs/precision); {raise_it}"
