"""Regular expressions compiled when a run first needs them, not when their module is imported.

Every ``check`` imports every rule and fact module, and most projects never reach most of their
patterns: the CSRF facts' words for login walls and state-changing endpoints, the MongoDB and SQL-text
patterns, the deploy-file grammars, the Python 2 hints of a file that does not parse. Compiled at
import, the ~120 module-level patterns cost about 2 % of a small application's cold run, and three in
four of them were never used on it.

A module names such a pattern with :func:`on_first_use` and calls the name to get the compiled
pattern (``_LOGIN_WALL().search(text)``): a plain function, cached, so each pattern is compiled once
per process and what the call returns is the real :class:`re.Pattern`. Patterns every run uses (the
``noqa`` scanner, the environment words of the model) stay compiled at import. A pattern that does not
compile no longer fails the import: the tests compile every one (:func:`every_pattern`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_ALL: list[Callable[[], re.Pattern[str]]] = []


def on_first_use(pattern: str, flags: int | re.RegexFlag = 0) -> Callable[[], re.Pattern[str]]:
    """A function that returns ``re.compile(pattern, flags)``, compiling it on its first call only."""

    @functools.cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    _ALL.append(compiled)
    return compiled


def every_pattern() -> tuple[Callable[[], re.Pattern[str]], ...]:
    """Every function :func:`on_first_use` made so far (in the modules imported so far), in creation order."""
    return tuple(_ALL)
