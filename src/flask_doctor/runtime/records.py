"""Compact records written on the hot path, read by the aggregator afterwards.

A :class:`Trace` is one request or one job.  Request threads only append
numbers to it (no span objects per statement, no serialisation); the
background aggregator turns finished traces into endpoint statistics and
findings.  Tests build traces by hand ("named recorded traces") and feed them
to the detectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Site:
    """A user's call site: the first frame outside libraries."""

    path: str
    line: int
    function: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class QStat:
    """Per raw statement text within one trace: count, seconds, rows, call site."""

    __slots__ = ("count", "time", "max_time", "rows", "max_rows", "site", "params")

    def __init__(self) -> None:
        self.count = 0
        self.time = 0.0
        self.max_time = 0.0
        self.rows = 0
        self.max_rows = -1
        self.site: Site | None = None
        self.params: Any = None

    @classmethod
    def of(cls, count: int, time: float, rows: int = -1, site: Site | None = None, max_time: float | None = None) -> QStat:
        q = cls()
        q.count = count
        q.time = time
        q.max_time = time / max(count, 1) if max_time is None else max_time
        q.rows = max(rows, 0) * count
        q.max_rows = rows
        q.site = site
        return q


class Trace:
    """One request (``kind="request"``) or background job (``kind="job"``)."""

    __slots__ = (
        "kind", "name", "method", "path", "start", "cpu0", "wall", "cpu", "status", "size",
        "queue_ms", "queries", "q_start", "q_time", "conns", "conn_sites", "headers",
        "exc_type", "traceback", "routing_code", "ctx_pushed", "ctx_popped", "ctx_sites",
        "state", "retries", "worker", "ts", "skip", "secure", "logged_errors", "extra", "held",
        "request_start", "arrival",
    )

    def __init__(self, kind: str = "request", name: str = "", start: float = 0.0, cpu0: float = 0.0) -> None:
        self.kind = kind
        self.name = name
        self.method = ""
        self.path = ""
        self.start = start
        self.cpu0 = cpu0
        self.wall = 0.0
        self.cpu: float | None = None
        self.status = 0
        self.size = -1
        self.queue_ms: float | None = None
        self.queries: dict[str, QStat] = {}
        self.q_start = 0.0
        self.q_time = 0.0
        #: Pool connections checked out by this trace and not yet returned.
        self.conns = 0
        self.conn_sites: list[Site] | None = None
        #: Response headers as handed to ``start_response`` (parsed later).
        self.headers: list[tuple[str, str]] | None = None
        self.exc_type = ""
        self.traceback = ""
        self.routing_code = 0
        self.ctx_pushed = 0
        self.ctx_popped = 0
        self.ctx_sites: list[Site] | None = None
        self.state = ""
        self.retries = 0
        self.worker = ""
        self.ts = 0.0
        self.skip = False
        self.secure = False
        self.logged_errors = 0
        self.extra: dict[str, Any] | None = None
        #: Connections still checked out when the trace ended (snapshot of ``conns``).
        self.held = 0
        #: Raw ``X-Request-Start`` header and the wall clock when the request arrived.
        self.request_start = ""
        self.arrival = 0.0

    @property
    def label(self) -> str:
        return f"endpoint:{self.name}" if self.kind == "request" else f"task:{self.name}"

    @property
    def query_count(self) -> int:
        return sum(q.count for q in self.queries.values())

    def __repr__(self) -> str:
        return f"<Trace {self.kind} {self.name} {self.status} {self.wall * 1000:.1f}ms q={self.query_count}>"
