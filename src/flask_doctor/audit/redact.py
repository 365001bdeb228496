"""Show live config values without leaking them: secrets as length and entropy, URLs without passwords.

The patterns themselves live in :mod:`flask_doctor.redaction` (one set for
every surface); ``redact_url``, ``redact_line`` and ``redact_text`` are
re-exported here for the audit modules that import them from this module.

Everything the audit's child process sends to the report passes through
here once more, with the app's *known* secret values (every secret-named
config value, every password of a configured URL) masked wherever they
appear: in messages, hints, evidence, the JSON ``extra`` block and the
source lines the text report prints under a finding.  The parent never reads
a source line itself: it prints only the lines the child masked
(:func:`snippet_lines`), so an unquoted ``SECRET_KEY=...`` in ``.env`` or a
key spelled in an unusual way cannot reach the terminal.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_doctor.findings import Evidence, Finding
from flask_doctor.redaction import MASK, app_secrets, is_secret_config_key, redact_line, redact_text, redact_url


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


#: Shorter known values are not searched for in text (they would mask ordinary words);
#: the patterns of :mod:`flask_doctor.redaction` still mask them where they are assigned.
_MIN_KNOWN = 6


def _url_password(value: Any) -> str:
    """The password of a URL (string or SQLAlchemy ``URL``), "" when there is none."""
    password = getattr(value, "password", None)
    if password is None and isinstance(value, str) and "://" in value:
        scheme, _, rest = value.partition("://")
        userinfo = rest.rpartition("@")[0]
        if ":" in userinfo:
            password = userinfo.partition(":")[2]
        elif scheme.startswith(("redis", "rediss")):  # redis://token@host: the bare userinfo is a password
            password = userinfo
    return str(password) if password else ""


#: Why a URL is not probed when its password holds raw delimiters.
UNQUOTED_PASSWORD = (
    "not probed: the password in the URL holds a raw '@', '/', '?' or '#', which drivers read as "
    "part of the host (connecting would send pieces of the password to a DNS resolver); "
    "percent-encode it, e.g. urllib.parse.quote_plus(password)"
)


def password_needs_quoting(url: Any) -> bool:
    """A URL string whose userinfo holds a raw ``@``, ``/``, ``?`` or ``#`` (``postgresql://u:p@ss/w@host/db``).

    Parsers split such a URL at the first delimiter, so the host they
    connect to is a piece of the password.
    """
    if not isinstance(url, str) or "://" not in url:
        return False
    userinfo = url.partition("://")[2].rpartition("@")[0]
    return any(c in userinfo for c in "@/?#")


def known_secrets(app: Any) -> tuple[str, ...]:
    """Values of this app that must never appear in the audit's output.

    Secret-named config values (:func:`flask_doctor.redaction.app_secrets`),
    the password of every URL in the config, of every engine and of the
    Celery broker and result backend.  Longest first, so that a secret that
    contains another is masked whole.
    """
    found = set(app_secrets(app.config))
    urls: list[Any] = []
    for value in app.config.values():
        if isinstance(value, str):
            urls.append(value)
        elif isinstance(value, dict):  # SQLALCHEMY_BINDS, engine options
            urls.extend(v for v in value.values() if isinstance(v, str))
    celery = app.extensions.get("celery")
    conf = getattr(celery, "conf", None)
    if conf is not None:
        urls.extend(str(conf.get(k) or "") for k in ("broker_url", "result_backend"))
    for url in urls:
        password = _url_password(url)
        if len(password) >= _MIN_KNOWN:
            found.add(password)
    return tuple(sorted(found, key=len, reverse=True))


def _mask_url_passwords(text: str) -> str:
    """``user:password@`` of every URL in ``text`` masked; ``user@`` (a name we rendered ourselves) kept."""
    if "://" not in text or "@" not in text:
        return text
    parts = re.split(r"(\s+)", text)
    for i, part in enumerate(parts):
        if "://" in part and ":" in part.partition("://")[2].rpartition("@")[0]:
            parts[i] = redact_url(part)
    return "".join(parts)


def mask_known(text: str, secrets: Sequence[str]) -> str:
    """URL passwords and each known secret value masked; our own wording left intact."""
    if not text:
        return text
    text = _mask_url_passwords(text)
    for secret in secrets:
        if len(secret) >= _MIN_KNOWN and secret in text:
            text = text.replace(secret, MASK)
    return text


def finding(f: Finding, secrets: Sequence[str]) -> Finding:
    """``f`` with the known secrets masked in every text it carries."""
    return dataclasses.replace(
        f,
        message=mask_known(f.message, secrets),
        hint=mask_known(f.hint, secrets),
        evidence=tuple(Evidence(mask_known(e.message, secrets), e.location) for e in f.evidence),
    )


def deep(value: Any, secrets: Sequence[str]) -> Any:
    """A JSON value (the ``extra`` block) with every string masked."""
    if isinstance(value, str):
        return mask_known(value, secrets)
    if isinstance(value, list):
        return [deep(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: deep(v, secrets) for k, v in value.items()}
    return value


def snippet(text: str, path: str, secrets: Sequence[str]) -> str:
    """A source line as the report may print it under a finding.

    Known values masked, then quoted literals on secret-looking lines
    (:func:`flask_doctor.redaction.redact_line`); outside Python files
    (``.env``, ``.cfg``, YAML) ``KEY=value`` secrets are masked too, since
    their values need no quotes.
    """
    text = redact_line(mask_known(text, secrets))
    if not path.endswith(".py"):
        text = redact_text(text)
    return text


def snippet_lines(findings: Iterable[Finding], secrets: Sequence[str]) -> dict[str, str]:
    """``"path:line" -> masked text`` for the location of every finding (what the text report prints)."""
    lines: dict[str, str] = {}
    cache: dict[str, list[str]] = {}
    for f in findings:
        loc = f.location
        if loc is None or not loc.line:
            continue
        key = f"{loc.path}:{loc.line}"
        if key in lines:
            continue
        if loc.path not in cache:
            try:
                cache[loc.path] = Path(loc.path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                cache[loc.path] = []
        source = cache[loc.path]
        if 1 <= loc.line <= len(source):
            lines[key] = snippet(source[loc.line - 1], loc.path, secrets)
    return lines


__all__ = [
    "UNQUOTED_PASSWORD",
    "deep",
    "password_needs_quoting",
    "describe_secret",
    "entropy_bits",
    "finding",
    "known_secrets",
    "mask_known",
    "redact_line",
    "redact_text",
    "redact_url",
    "show_value",
    "snippet",
    "snippet_lines",
]
