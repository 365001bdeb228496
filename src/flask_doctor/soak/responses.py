"""What the load generator saw: per-request records, per-phase results, and how to read a redirect.

Plain data, with no Locust import (importing Locust monkey-patches the
process with gevent): the runner, the analysis, the login step and the
tests use these without starting a load generator.
"""

from __future__ import annotations

from dataclasses import field
from urllib.parse import urlsplit

from flask_doctor.dataclass import dataclass

#: a phase keeps at most this many distinct redirect locations / error texts per request name
_DISTINCT = 50


@dataclass
class RequestRecord:
    name: str
    seq: int
    start: float
    ms: float
    #: not a server error (5xx) nor a connection failure; 4xx are judged later (see analysis)
    ok: bool
    users: int
    #: HTTP status (0: no response: connection refused or reset, timeout)
    status: int = 0


@dataclass
class PhaseResult:
    name: str
    requests: int = 0
    #: 5xx answers and connection failures
    failures: int = 0
    seconds: float = 0.0
    records: list[RequestRecord] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    stopped_by: str = "requests"
    #: request name -> status -> count
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    #: request name -> redirect location path -> count (redirects are never followed)
    redirects: dict[str, dict[str, int]] = field(default_factory=dict)
    #: simulated users whose login step failed, and the last reason
    login_failures: int = 0
    login_reason: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Quarantine:
    """Request names soak stops sending (they killed a worker), shared by every phase's users."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def add(self, name: str) -> None:
        self.names.add(name)


def location_path(location: str) -> str:
    """The path of a ``Location`` header (absolute or relative), without its query."""
    parts = urlsplit(location or "")
    return parts.path or "/"


_LOGIN_SEGMENTS = frozenset(
    {"login", "signin", "sign-in", "sign_in", "log-in", "log_in", "logon", "authenticate", "sso", "session", "sessions"}
)
_NEXT_PARAMS = ("next=", "return_to=", "returnto=", "redirect=", "redirect_to=", "continue=", "came_from=")


def is_login_location(location: str) -> bool:
    """Does a redirect point at a login page (``/auth/login``, ``/accounts/signin?next=...``)?"""
    parts = urlsplit(location or "")
    segments = [seg.lower() for seg in parts.path.split("/") if seg]
    if any(seg in _LOGIN_SEGMENTS or seg.startswith(("login", "signin")) for seg in segments):
        return True
    query = parts.query.lower()
    return any(query.startswith(p) or "&" + p in query for p in _NEXT_PARAMS)


__all__ = ["PhaseResult", "Quarantine", "RequestRecord", "is_login_location", "location_path"]
