"""Parse a server's command-line options by a table, the way its argparse/click parser would.

Every server reader (gunicorn, uWSGI, uvicorn, waitress, ``flask run``,
Celery) declares which options take a value and which are flags, and which
of them it cares about; one parser then reads ``--long=v``, ``--long v``,
``-s v``, ``-sv`` and flags for all of them.  Standard library only (the
gunicorn settings reader, imported by the runtime, uses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from flask_doctor.dataclass import dataclass

__all__ = ["OptionSpec", "ParsedOptions", "parse_options"]


@dataclass(frozen=True, eq=False)
class OptionSpec:
    """The options of one command.

    Both tables map an option (``-w``, ``--workers``) to the field it sets;
    ``""`` means "known, but not wanted": a value option still consumes its
    value so that the value is not taken for the application target.
    """

    values: dict[str, str]
    flags: dict[str, str]


class ParsedOptions(NamedTuple):
    """Field -> every value given, in order (flags give ``"true"``), and the positional words."""

    found: dict[str, list[str]]
    positionals: list[str]


def parse_options(args: Sequence[str], spec: OptionSpec) -> ParsedOptions:
    """Parse ``--long=v``, ``--long v``, ``-s v``, ``-sv``/``-s=v`` and flags by ``spec``.

    An unknown long option takes the next word as its value unless that word
    is another option or the last word looks like the ``module:app`` target;
    an unknown short option is skipped alone.  ``--`` ends the options.
    """
    found: dict[str, list[str]] = {}
    positionals: list[str] = []
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            positionals.extend(args[i + 1 :])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in spec.flags and not eq:
                if spec.flags[name]:
                    found.setdefault(spec.flags[name], []).append("true")
                i += 1
                continue
            if eq:
                if spec.values.get(name):
                    found.setdefault(spec.values[name], []).append(value)
                i += 1
                continue
            nxt = args[i + 1] if i + 1 < n else None
            known = name in spec.values
            # An unknown option takes the next word unless that word is the
            # final "module:app" target or another option.
            if nxt is not None and (known or (not nxt.startswith("-") and not (i + 2 == n and ":" in nxt))):
                if known and spec.values[name]:
                    found.setdefault(spec.values[name], []).append(nxt)
                i += 2
            else:
                i += 1
            continue
        if arg.startswith("-") and len(arg) > 1 and not arg[1].isdigit():
            short = arg[:2]
            if short in spec.flags and len(arg) == 2:
                if spec.flags[short]:
                    found.setdefault(spec.flags[short], []).append("true")
                i += 1
                continue
            if short in spec.values:
                if len(arg) > 2:
                    value = arg[2:].lstrip("=")
                    i += 1
                elif i + 1 < n:
                    value = args[i + 1]
                    i += 2
                else:
                    i += 1
                    continue
                if spec.values[short]:
                    found.setdefault(spec.values[short], []).append(value)
                continue
            i += 1
            continue
        positionals.append(arg)
        i += 1
    return ParsedOptions(found, positionals)
