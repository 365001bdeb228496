"""Redaction: nothing secret is shown, stored or logged.

Applied to everything that leaves the request thread: URLs (passwords),
header values (``Authorization``, ``Cookie``), SQL parameter values (dropped
unless ``FLASK_DOCTOR_CAPTURE_PARAMS=1``, and then keys that look secret are
still masked), and free text such as tracebacks (``password=...``, bearer
tokens, the app's own ``SECRET_KEY``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

MASK = "***"
SECRET_NAMES = re.compile(r"pass(word|wd)?|secret|token|api[_-]?key|auth|cookie|session|credential|private", re.I)
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"})
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_ASSIGN = re.compile(
    r"(?P<key>\b[\w\-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key)[\w\-]*\b)(?P<sep>['\"]?\s*[=:]\s*['\"]?)(?P<val>[^\s'\",;&)]+)",
    re.I,
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+")


def redact_url(url: str) -> str:
    """``postgresql://u:pw@h/db`` -> ``postgresql://u:***@h/db``."""
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask URL passwords, ``key=value`` secrets, bearer tokens and known secret values."""
    if not text:
        return text
    text = redact_url(text)
    text = _ASSIGN.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, MASK)
    return text


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers]


def redact_params(params: Any, capture: bool) -> Any:
    """Bound parameter values are never kept unless ``capture`` is on."""
    if not capture or params is None:
        return None
    if isinstance(params, Mapping):
        return {k: (MASK if SECRET_NAMES.search(str(k)) else _short(v)) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return [_short(v) for v in params][:20]
    return None


def _short(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = str(value)
    return text if len(text) <= 64 else text[:61] + "..."


def app_secrets(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Values from the app's config that must never appear in output."""
    found = []
    for key, value in config.items():
        if isinstance(value, (str, bytes)) and SECRET_NAMES.search(key) and not key.startswith("SESSION_COOKIE"):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            if len(text) >= 6:
                found.append(text)
    return tuple(found)
