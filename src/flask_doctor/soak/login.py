"""A scenario's login step: fetch the form's CSRF token, post the form, tell success from failure.

A failed login does not fail loudly: Flask-WTF answers a bad form (a wrong
password, a missing CSRF token) with the form again and ``200 OK``, and every
protected page then redirects to the login page.  Soak would measure the
login page under every endpoint's name.  So the login is judged: a 4xx/5xx
answer, a redirect back to a login page, or the password form shown again is
a failed login, and so is a ``check`` page that still redirects to the login
page afterwards.  Soak tries the login once before any load
(:func:`preflight`) and stops with the reason when it fails.

The HTTP calls go through a ``send(method, path, target, extra_form)``
callable, so the same flow runs in Locust's users and in the preflight.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.soak.routes import Login, SoakError, Target

#: hidden inputs that carry a CSRF token, by framework (Flask-WTF first)
CSRF_FIELDS = ("csrf_token", "_csrf_token", "csrfmiddlewaretoken", "authenticity_token", "_csrf", "csrf")
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE | re.DOTALL)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_META = re.compile(r"""<meta\b[^>]*name\s*=\s*["']csrf[-_]token["'][^>]*>""", re.IGNORECASE | re.DOTALL)
_PASSWORD_INPUT = re.compile(r"""<input\b[^>]*type\s*=\s*["']?password""", re.IGNORECASE | re.DOTALL)

#: ``send(method, path, target, extra_form) -> (status, location, body text)``
Send = Callable[[Target, dict[str, str] | None], tuple[int, str, str]]


class LoginFailed(Exception):
    """The scenario's login did not log in; the message says how it failed."""


def _attrs(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)
    }


def csrf_token(page: str, field: str | None = None) -> tuple[str, str] | None:
    """(field name, token) of the CSRF token in a form page, or ``None``.

    A hidden input named ``field`` (or one of :data:`CSRF_FIELDS`), else a
    ``<meta name="csrf-token" content=...>`` (sent as ``csrf_token``).
    """
    wanted = (field,) if field else CSRF_FIELDS
    found: dict[str, str] = {}
    for tag in _INPUT.findall(page):
        attrs = _attrs(tag)
        name = attrs.get("name", "")
        if name in wanted and "value" in attrs:
            found.setdefault(name, attrs["value"])
    for name in wanted:
        if name in found:
            return name, found[name]
    meta = _META.search(page)
    if meta is not None and not field:
        content = _attrs(meta.group(0)).get("content")
        if content:
            return "csrf_token", content
    return None


def judge(status: int, location: str, text: str, login: Login) -> str | None:
    """Why the login answer is a failure, or ``None`` when it looks logged in."""
    from flask_doctor.soak.responses import is_login_location, location_path

    path = login.target.path.split("?")[0]
    if status == 0:
        return "the login request got no answer (connection error)"
    if status >= 400:
        why = f"the login answered HTTP {status}"
        if status in (400, 403) and "csrf" in text.lower():
            why += " (the CSRF token is missing or invalid: add `csrf: true` to the login step)"
        return why
    if 300 <= status < 400 and location and (location_path(location) == path or is_login_location(location)):
        return f"the login redirected back to the login page ({location_path(location)})"
    if 200 <= status < 300 and _PASSWORD_INPUT.search(text or ""):
        hint = "" if login.csrf_from else ", a missing CSRF token (add `csrf: true` to the login step)"
        return (
            f"the login answered {status} with the password form again: wrong credentials{hint} or form "
            "field names that differ from the form's"
        )
    return None


@dataclass
class LoginResult:
    ok: bool
    reason: str = ""


def run_login(send: Send, login: Login) -> LoginResult:
    """Log in through ``send``: fetch the CSRF token when asked, post, judge, then check."""
    from flask_doctor.soak.responses import is_login_location, location_path

    extra: dict[str, str] | None = None
    if login.csrf_from:
        page = Target(
            name=login.target.name + " (form)",
            path=login.csrf_from,
            host=login.target.host,
            headers=login.target.headers,
        )
        status, _, text = send(page, None)
        if status != 200:
            return LoginResult(False, f"GET {login.csrf_from} (the login form) answered HTTP {status or 'nothing'}")
        token = csrf_token(text, login.csrf_field)
        if token is None:
            fields = login.csrf_field or ", ".join(CSRF_FIELDS)
            return LoginResult(
                False,
                f"no CSRF token in {login.csrf_from} (looked for inputs named {fields} and <meta name=csrf-token>)",
            )
        extra = {token[0]: token[1]}
    status, location, text = send(login.target, extra)
    reason = judge(status, location, text, login)
    if reason:
        return LoginResult(False, reason)
    if login.check:
        check = Target(
            name=login.target.name + " (check)", path=login.check, host=login.target.host, headers=login.target.headers
        )
        status, location, _ = send(check, None)
        if status in (401, 403) or (300 <= status < 400 and is_login_location(location)):
            where = f"redirects to {location_path(location)}" if location else f"answers HTTP {status}"
            return LoginResult(False, f"after the login, {login.check} still {where}")
    return LoginResult(True)


def preflight(base_url: str, login: Login, host: str = "") -> None:
    """Log in once before any load; raise :class:`SoakError` with the reason when it fails."""
    from locust.contrib.fasthttp import FastHttpSession
    from locust.event import EventHook

    session = FastHttpSession(base_url, request_event=EventHook(), user=None)
    if host and not login.target.host:
        login = replace(login, target=replace(login.target, host=host))

    def send(target: Target, extra: dict[str, str] | None) -> tuple[int, str, str]:
        from flask_doctor.soak.load import _send

        if host and not target.host:
            target = replace(target, host=host)
        return _send(session, target, "preflight:login", -1, False, extra)

    result = run_login(send, login)
    if not result.ok:
        raise SoakError(
            f"the scenario's login failed: {result.reason}",
            "check the login step of the scenario (path, form field names, credentials, `csrf: true` "
            "for a CSRF-protected form, `check:` a page that needs the login)",
        )


def describe(login: Login | None) -> dict[str, Any] | None:
    """The login step as the report shows it (never the form values: they hold the password)."""
    if login is None:
        return None
    return {
        "method": login.target.method,
        "path": login.target.path,
        "csrf_from": login.csrf_from,
        "check": login.check,
        "fields": sorted(k for k, _ in (login.target.form or ())),
    }
