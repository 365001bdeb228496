"""Show settings without leaking them: passwords masked, secrets as length/entropy."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?P<at>@)", re.IGNORECASE)
_URL_TOKEN_ONLY = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://)(?P<pw>[^:/@\s]+)(?P<at>@)", re.IGNORECASE)
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "_KEY", "SALT", "CREDENTIAL", "PRIVATE")


def redact_url(url: Any) -> str:
    """``postgresql://app:s3cret@db/app`` -> ``postgresql://app:***@db/app``."""
    render = getattr(url, "render_as_string", None)
    if callable(render):  # an SQLAlchemy URL object
        return str(render(hide_password=True))
    text = str(url)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}", text)
    # redis://:token@host has an empty user; redis://token@host is a bare password
    return _URL_TOKEN_ONLY.sub(lambda m: f"{m['head']}***{m['at']}" if m["pw"] != "***" else m[0], text)


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


def is_secret_key(key: str) -> bool:
    upper = key.upper()
    return any(word in upper for word in SECRET_WORDS)


def show_value(key: str, value: Any) -> str:
    """The live value of a config key as it may be printed."""
    if is_secret_key(key) and value is not None and not isinstance(value, bool):
        return describe_secret(value)
    if isinstance(value, str):
        return repr(redact_url(value))
    return repr(value)


_SECRET_LINE = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY|SALT|CREDENTIAL|PRIVATE|API_?KEY", re.I)
_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>(?:(?!(?P=q))[^\n])*)(?P=q)""")
_NAME_LIKE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def redact_line(text: str) -> str:
    """A source line as the report may print it: URL passwords and secret literals masked.

    ``SECRET_KEY = "s3cr3t"`` -> ``SECRET_KEY = "***"``; names of environment
    variables and config keys (``os.environ["SECRET_KEY"]``) stay readable.
    """
    text = redact_url_in_text(text)
    if not _SECRET_LINE.search(text):
        return text

    def mask(match: re.Match[str]) -> str:
        body = match["body"]
        if not body or _NAME_LIKE.match(body) or body == "***":
            return match[0]
        return f"{match['q']}***{match['q']}"

    return _LITERAL.sub(mask, text)


def redact_url_in_text(text: str) -> str:
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}", text)
    return text
