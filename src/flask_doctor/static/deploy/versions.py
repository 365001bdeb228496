"""Which versions a dependency specifier allows: a small reader of PEP 440 and Poetry constraints.

Rules ask two questions of a pin (``Flask-SQLAlchemy==2.5.1``,
``flask-sqlalchemy = "^2.5"``): does it allow only versions below some
release (:func:`allows_only_below`), and does it require at least some
release (:func:`requires_at_least`)?  Both are answered from the interval
the specifier's clauses bound, so every unknown answers "no": a clause this
module cannot read (``!=``, ``${VERSION}``, a URL) never narrows it.

Supported: ``<``, ``<=``, ``>``, ``>=``, ``==`` and ``===`` (with ``.*``
wildcards), ``~=``, Poetry's ``^`` and ``~``, a bare Poetry version
(``"2.5.1"``, exact), ``*``, clauses separated by commas or spaces, and
Poetry's ``||`` (the answer must hold for every alternative).  Pre-, post-
and dev-release tags are ignored: ``3.0.0rc1`` counts as ``3.0.0`` (its code
is the 3.x code).  ``packaging`` is not a dependency of flask-doctor, hence
this module.
"""

from __future__ import annotations

import re

from flask_doctor.dataclass import dataclass

__all__ = ["Bounds", "allows_only_below", "bounds", "parse_release", "requires_at_least"]

Release = tuple[int, ...]

_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(\.\*)?")
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*([^\s,<>=!~^]+)")


def parse_release(text: str) -> tuple[Release, bool] | None:
    """The release numbers of ``text`` and whether it ends with ``.*`` (``"2.5.*"`` -> ``((2, 5), True)``)."""
    match = _RELEASE.match(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.group(1).split(".")), match.group(2) is not None


def _cmp(a: Release, b: Release) -> int:
    """Compare releases as PEP 440 does, padding the shorter one with zeros."""
    width = max(len(a), len(b))
    left, right = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (left > right) - (left < right)


def _bump(release: Release) -> Release:
    """The first release after every release starting with ``release`` (``(2, 5)`` -> ``(2, 6)``)."""
    return release[:-1] + (release[-1] + 1,)


@dataclass(frozen=True, eq=False)
class Bounds:
    """The interval of versions a specifier allows; ``None`` is unbounded on that side."""

    lower: Release | None = None
    lower_inclusive: bool = True
    upper: Release | None = None
    upper_inclusive: bool = False

    def with_lower(self, release: Release, inclusive: bool) -> Bounds:
        if self.lower is not None:
            order = _cmp(release, self.lower)
            if order < 0 or (order == 0 and (inclusive or not self.lower_inclusive)):
                return self  # the bound already there is as tight or tighter
        return Bounds(release, inclusive, self.upper, self.upper_inclusive)

    def with_upper(self, release: Release, inclusive: bool) -> Bounds:
        if self.upper is not None:
            order = _cmp(release, self.upper)
            if order > 0 or (order == 0 and (inclusive or not self.upper_inclusive)):
                return self
        return Bounds(self.lower, self.lower_inclusive, release, inclusive)


def _caret_upper(release: Release) -> Release:
    """Poetry's ``^``: the next release that changes the first non-zero part (``^0.2.3`` -> ``<0.3``)."""
    for index, part in enumerate(release):
        if part != 0:
            return _bump(release[: index + 1])
    return _bump(release)  # ``^0.0`` -> ``<0.1``, ``^0`` -> ``<1``


def _apply(result: Bounds, op: str, release: Release, wildcard: bool) -> Bounds:
    if op in ("==", "===", "="):
        if wildcard:
            return result.with_lower(release, True).with_upper(_bump(release), False)
        return result.with_lower(release, True).with_upper(release, True)
    if wildcard:
        return result  # ``>=2.*`` is not valid PEP 440: it does not narrow anything
    if op == "<":
        return result.with_upper(release, False)
    if op == "<=":
        return result.with_upper(release, True)
    if op == ">":
        return result.with_lower(release, False)
    if op == ">=":
        return result.with_lower(release, True)
    if op == "~=":
        if len(release) < 2:
            return result  # ``~=2`` is invalid
        return result.with_lower(release, True).with_upper(_bump(release[:-1]), False)
    if op == "^":
        return result.with_lower(release, True).with_upper(_caret_upper(release), False)
    if op == "~":
        # Poetry: ``~1.2.3`` -> ``<1.3``, ``~1.2`` -> ``<1.3``, ``~1`` -> ``<2``
        return result.with_lower(release, True).with_upper(_bump(release[:2]), False)
    return result  # ``!=`` never narrows the interval


def bounds(spec: str) -> list[Bounds]:
    """The interval each ``||`` alternative of ``spec`` allows (one for a PEP 440 specifier).

    An empty specifier or ``*`` allows everything (an unbounded :class:`Bounds`).
    """
    alternatives = []
    for alternative in spec.split("||"):
        result = Bounds()
        for match in _CLAUSE.finditer(alternative.strip().strip("()")):
            op, version = match.group(1) or "==", match.group(2)
            if version == "*":
                continue
            parsed = parse_release(version)
            if parsed is None:
                continue
            result = _apply(result, op, *parsed)
        alternatives.append(result)
    return alternatives


def allows_only_below(spec: str, release: Release) -> bool:
    """Every version ``spec`` allows is below ``release`` (``"==2.*"``, ``"<3"``, ``"^2.5"`` for ``(3, 0)``)."""
    for alternative in bounds(spec):
        if alternative.upper is None:
            return False
        order = _cmp(alternative.upper, release)
        if order > 0 or (order == 0 and alternative.upper_inclusive):
            return False
    return True


def requires_at_least(spec: str, release: Release) -> bool:
    """Every version ``spec`` allows is ``release`` or later (``">=3.0.1"``, ``"~=3.1"`` for ``(3, 0)``)."""
    return all(alt.lower is not None and _cmp(alt.lower, release) >= 0 for alt in bounds(spec))
