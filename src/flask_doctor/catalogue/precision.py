"""How often each rule is right on real code it was never tuned on.

The figures come from ``docs/precision/ledger.jsonl``: verdicts (true, wrong,
debatable) that a reader gave findings on the pinned corpus of real Flask
applications. Only the HELD half counts for the published level, because the
rules were adjusted while reading the TUNE half. ``scripts/precision_table.py``
turns the ledger into ``precision.json`` beside this module; a test keeps the
two in step, so the level a user reads is the level the ledger supports.

Levels, fixed before the held findings were judged:

- ``very-high``: at least 95 % of judged held findings true;
- ``high``: at least 90 %;
- ``medium``: at least 70 %;
- ``low``: under 70 %;
- ``unmeasured``: fewer than :data:`MIN_JUDGED` judged held findings.

"Debatable" (right in letter, but by design, in example code or not worth a
maintainer's time) counts against precision, as a false alarm does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Fewer judged findings than this say nothing about a rule.
MIN_JUDGED = 5

LEVELS = (("very-high", 0.95), ("high", 0.90), ("medium", 0.70), ("low", 0.0))


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
    """A rule's measured precision: the held tally decides the level."""

    code: str
    held: Tally
    tune: Tally

    @property
    def level(self) -> str:
        return level_of(self.held)

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
        code: Precision(code, Tally(**row.get("held", {})), Tally(**row.get("tune", {})))
        for code, row in rows.items()
    }


def precision_of(code: str) -> Precision:
    """The measured precision of ``code``; unmeasured when the ledger has no verdict on it."""
    return _table().get(code) or Precision(code, Tally(), Tally())
