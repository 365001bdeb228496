"""Show live config values without leaking them: secrets as length and entropy, URLs without passwords.

The patterns themselves live in :mod:`flask_doctor.redaction` (one set for
every surface); ``redact_url`` and ``redact_line`` are re-exported here for
the audit checks that import them from this module.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from flask_doctor.redaction import is_secret_config_key, redact_line, redact_url


def entropy_bits(secret: str | bytes) -> float:
    """Shannon entropy of the key's symbols times its length: a rough strength."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    n = len(secret)
    per_symbol = -sum(c / n * math.log2(c / n) for c in counts.values())
    return max(0.0, per_symbol * n)  # never print -0


def describe_secret(secret: Any) -> str:
    """``<str, 64 chars, ~256 bits>``: enough to judge, nothing to steal."""
    if secret is None:
        return "<unset>"
    if isinstance(secret, (str, bytes)):
        kind = "bytes" if isinstance(secret, bytes) else "chars"
        return f"<{type(secret).__name__}, {len(secret)} {kind}, ~{entropy_bits(secret):.0f} bits of entropy>"
    return f"<{type(secret).__name__}>"


def show_value(key: str, value: Any) -> str:
    """The live value of a config key as it may be printed."""
    if is_secret_config_key(key) and value is not None and not isinstance(value, bool):
        return describe_secret(value)
    if isinstance(value, str):
        return repr(redact_url(value))
    return repr(value)


__all__ = ["describe_secret", "entropy_bits", "redact_line", "redact_url", "show_value"]
