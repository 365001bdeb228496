"""What the variant matrices (``tests/static/test_variants_*.py``) share.

Each matrix writes small projects in memory: the shapes one catalogue problem
takes in real code (bad) and its safe look-alikes (good). These helpers run the
matrix's rules on one project and mark the variants the rules do not get right
yet, so a matrix file holds only its projects and what it expects of them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Mapping

import pytest

from flask_doctor.findings import Finding
from flask_doctor.static.runner import analyse_sources

#: A file the checker could not read or parse: the variant is broken, not the rule.
UNREADABLE = ("FD001", "FD004")


def dedented(files: Mapping[str, str]) -> dict[str, str]:
    """``files`` as the checker reads them: written indented in the test, dedented here."""
    return {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}


def found(sources: Mapping[str, str], rules: Collection[str], *, preview: bool = False) -> list[Finding]:
    """The findings of ``rules`` on the project ``sources`` (a variant that does not parse fails the test)."""
    result = analyse_sources(dict(sources), select=list(rules), preview=preview)
    problems = [f for f in result.findings if f.code in UNREADABLE]
    assert not problems, problems
    return [f for f in result.findings if f.code in rules]


def xfail_marks(xfail: Mapping[str, str], name: str) -> list[pytest.MarkDecorator]:
    """A strict xfail for a variant the rules do not get right yet (``xfail`` names it, with the reason)."""
    return [pytest.mark.xfail(reason=xfail[name], strict=True)] if name in xfail else []
