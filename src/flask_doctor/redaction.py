"""Redaction: the one set of patterns for everything secret that every surface may print.

``audit`` prints config values and source lines, ``Doctor(app)`` stores
tracebacks, engine URLs and SQL parameters, ``soak`` writes reports; all of
them mask secrets through this module, so a secret one surface hides is not
shown by another.  Masking errs on the side of hiding: a password may hold
any character, so a URL's password runs to the *last* ``@`` of the URL
(``postgresql://u:p@ss/w0rd@host`` keeps nothing of ``p@ss/w0rd``), and a
``key=value`` secret in free text is masked whatever its key's spelling
(``password=``, ``PWD=``, ``api-key:``, ``session=<cookie>``).

What is secret, by name: :func:`is_secret_name` for the names of values in
data (SQL parameters, ``key=value`` text), :func:`is_secret_config_key` for
Flask config keys, where ``SESSION_*`` and ``*_COOKIE_*`` are settings, not
secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: What a secret is replaced with.
MASK = "***"

#: Words in a name that make its value a secret, wherever it is written.
_SECRET_WORDS = r"pass(?:word|wd)?|pwd|secret|token|api[_-]?key|_key|salt|credential|private"
#: Words that make a value secret in data (session ids, cookies, auth codes), not in Flask config keys.
_SESSION_WORDS = r"auth|cookie|session"

_SECRET_NAME = re.compile(f"{_SECRET_WORDS}|{_SESSION_WORDS}", re.I)
_SECRET_CONFIG_KEY = re.compile(_SECRET_WORDS, re.I)

# ---------------------------------------------------------------- URLs
# scheme://user:password@host: the password runs to the last "@" of the URL (it may hold "@" and "/").
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s'\"<>]*:)(?P<pw>[^\s'\"<>]*)@", re.I)
# redis://token@host: a bare userinfo is a password for Redis-style URLs; masked for every scheme.
_URL_TOKEN_ONLY = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://)(?P<pw>[^:/@\s'\"<>]+)@", re.I)

# ---------------------------------------------------------------- free text
_VALUE = r"(?P<val>\{[^}\n]*\}|[^\s'\",;&)\]}]+)"  # ODBC braces: PWD={se;cret}
# password=..., "token": "...", X-Api-Key: ..., PWD=...;  (any separator, quotes allowed)
_ASSIGN = re.compile(
    r"(?P<key>\b[\w\-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
    r"[\w\-]*)(?P<sep>['\"]?\s*[=:]\s*['\"]?)" + _VALUE,
    re.I,
)
# session=<cookie value>, remember_cookie=...: cookie syntax only ("=" without spaces) so that
# prose and code such as ``session: ...`` or ``session = Session()`` stay readable.
_COOKIE = re.compile(r"(?P<key>\b[\w\-]*(?:session|cookie)[\w\-]*)(?P<sep>=)" + _VALUE, re.I)
# Authorization: ..., Cookie: ... header lines: the whole value.
_HEADER = re.compile(
    r"(?P<key>\b(?:proxy-)?authorization|\bset-cookie|\bcookie)(?P<sep>\s*:[ \t]*)(?P<val>[^\r\n]+)", re.I
)
# SQLAlchemy's "[parameters: ('alice', 's3cret')]" line in database errors: bound values, often positional.
_SQL_PARAMS = re.compile(r"^\[parameters: .*\]$", re.M)
_BEARER = re.compile(r"\b(?P<scheme>bearer|basic)\s+(?P<val>[A-Za-z0-9._~+/=\-]+)", re.I)

# ---------------------------------------------------------------- source lines
_SECRET_LINE = re.compile(r"SECRET|PASSWORD|PASSWD|PWD|TOKEN|_KEY|SALT|CREDENTIAL|PRIVATE|API_?KEY", re.I)
_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>(?:(?!(?P=q))[^\n])*)(?P=q)""")
_NAME_LIKE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def is_secret_name(name: object) -> bool:
    """Whether a value named ``name`` in data is secret (SQL parameter, ``key=value``): ``user_password``, ``sid``..."""
    return bool(_SECRET_NAME.search(str(name)))


def is_secret_config_key(key: str) -> bool:
    """Whether a Flask config key holds a secret: ``SECRET_KEY``, ``MAIL_PASSWORD``, ``STRIPE_API_KEY``.

    ``SESSION_TYPE`` or ``SESSION_COOKIE_SECURE`` are settings: session and
    cookie words only mark secrets in data (:func:`is_secret_name`).
    """
    return bool(_SECRET_CONFIG_KEY.search(key))


def redact_url(url: Any) -> str:
    """``postgresql://app:s3cret@db/app`` -> ``postgresql://app:***@db/app`` (also URLs inside text).

    In text, a bare userinfo is masked too (``redis://token@host`` ->
    ``redis://***@host``, ``https://ghp_x@github.com``): it cannot be told
    from a user name.  An SQLAlchemy ``URL`` object knows which part is the
    user: it is rendered with only its password hidden.
    """
    render = getattr(url, "render_as_string", None)
    if callable(render):
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", str(render(hide_password=True)))
    text = str(url)
    if "://" not in text:
        return text
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    return _URL_TOKEN_ONLY.sub(lambda m: m[0] if m["pw"] == MASK else f"{m['head']}{MASK}@", text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text (a traceback, an error message) with every secret masked.

    URL passwords, ``key=value`` secrets, ``Authorization``/``Cookie`` header
    values, bearer/basic credentials, the bound values SQLAlchemy prints in
    database errors (``[parameters: ...]``), and each of ``secrets`` (known values,
    such as the app's ``SECRET_KEY``; see :func:`app_secrets`).
    """
    if not text:
        return text
    text = redact_url(text)
    text = _HEADER.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
    text = _ASSIGN.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
    text = _COOKIE.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m['scheme']} {MASK}", text)
    text = _SQL_PARAMS.sub(f"[parameters: {MASK}]", text)
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, MASK)
    return text


#: A path segment that looks like a credential: a UUID, a long hex string, or a long run of letters
#: and digits with mixed case or digits in it (base64, JWT parts, API keys); slugs and ids stay readable.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{16,}")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9_+=~]{16,}")
#: How long a request path may be where it is shown or stored.
PATH_LIMIT = 120


def _tokenish(run: str) -> bool:
    has_digit = any(c.isdigit() for c in run)
    has_lower = any(c.islower() for c in run)
    has_upper = any(c.isupper() for c in run)
    return (has_digit and (has_lower or has_upper)) or (has_lower and has_upper)


def _mask_segment(segment: str) -> str:
    segment = _UUID.sub(MASK, segment)
    segment = _HEX_RUN.sub(MASK, segment)
    return _ALNUM_RUN.sub(lambda m: MASK if _tokenish(m[0]) else m[0], segment)


def redact_path(path: str, limit: int = PATH_LIMIT) -> str:
    """A request path as it may be stored or shown: token-like segments masked, at most ``limit`` characters.

    ``/reset/9f86d081884c7d659a2feaa0c55ad015`` -> ``/reset/***``; ``/users/42`` and
    ``/blog/2024-01-15-my-trip`` stay as they are; ``;token=...`` and other
    ``key=value`` secrets are masked as in :func:`redact_text`.
    """
    text = redact_text(path)
    text = "/".join(_mask_segment(seg) if len(seg) >= 16 else seg for seg in text.split("/"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def redact_line(text: str) -> str:
    """A source line as a report may print it: URL passwords and secret literals masked.

    ``SECRET_KEY = "s3cr3t"`` -> ``SECRET_KEY = "***"``; names of environment
    variables and config keys (``os.environ["SECRET_KEY"]``) stay readable.
    """
    text = redact_url(text)
    if not _SECRET_LINE.search(text):
        return text

    def mask(match: re.Match[str]) -> str:
        body = match["body"]
        if not body or _NAME_LIKE.match(body) or body == MASK:
            return match[0]
        return f"{match['q']}{MASK}{match['q']}"

    return _LITERAL.sub(mask, text)


def redact_params(params: Any, capture: bool) -> Any:
    """Bound SQL parameters as they may be kept: nothing unless ``capture``, then secret-named ones masked."""
    if not capture or params is None:
        return None
    if isinstance(params, Mapping):
        return {k: (MASK if is_secret_name(k) else _short(v)) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return [_short(v) for v in params][:20]
    return None


def _short(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = str(value)
    return text if len(text) <= 64 else text[:61] + "..."


def app_secrets(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Values of the app's config that must never appear in output (for :func:`redact_text`)."""
    found = []
    for key, value in config.items():
        if isinstance(value, (str, bytes)) and is_secret_config_key(str(key)):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            if len(text) >= 6:
                found.append(text)
    return tuple(found)


__all__ = [
    "MASK",
    "app_secrets",
    "is_secret_config_key",
    "is_secret_name",
    "redact_line",
    "redact_params",
    "redact_path",
    "redact_text",
    "redact_url",
]
