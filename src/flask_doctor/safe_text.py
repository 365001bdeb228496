"""Text that is safe to print: no control characters from file names or app data.

A file name or a config value can hold an ANSI escape (an OSC 52 clipboard
write, a screen clear), a newline that forges a GitHub workflow command in a
CI log, or a bidirectional override that reorders what the reader sees.
Every human-readable output passes such text through :func:`printable`,
which shows the characters as escapes (``\\x1b``) instead of sending them.
"""

from __future__ import annotations

import re

#: C0 controls but tab, DEL, C1 controls, and the Unicode bidi controls.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (tab stays a tab)."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def printable_lines(text: str) -> str:
    """Like :func:`printable` but keeps line breaks (for multi-line text we wrote)."""
    return "\n".join(printable(line) for line in text.split("\n"))


__all__ = ["printable", "printable_lines"]
