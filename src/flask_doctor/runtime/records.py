"""Compact records written on the hot path, read by the aggregator afterwards.

A :class:`Trace` is one request or one job.  Request threads only append
numbers to it (no span objects per statement, no serialisation); the
background aggregator turns finished traces into endpoint statistics and
findings.  Tests build traces by hand ("named recorded traces") and feed them
to the detectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from flask_doctor.dataclass import dataclass

#: The name of a request no URL rule matched (404, 405): one name, whatever the path.
UNMATCHED = "(no endpoint)"
#: Methods recorded as they are; any other method token a client sends is recorded as ``OTHER``,
#: so that no label, key or store grows with what clients choose to send.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


@dataclass(frozen=True)
class Site:
    """A user's call site: the first frame outside libraries."""

    path: str
    line: int
    function: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class QStat:
    """Per raw statement text within one trace sampled for detail: count, seconds, rows, where from.

    ``site``: the innermost user or template frame (of the second execution,
    or of a slow or huge one); ``loop``: the loop that repeats it
    (:mod:`flask_doctor.runtime.stacks`); ``first``: where a SELECT first
    ran (to name the query that produced the rows of an N+1); ``origin``:
    the lazy-loaded ORM attribute, if that is what ran it; ``seq``: its
    order of first execution in the trace.
    """

    __slots__ = (
        "count",
        "time",
        "max_time",
        "rows",
        "max_rows",
        "site",
        "params",
        "seq",
        "first",
        "loop",
        "origin",
        "stack",
    )

    def __init__(self) -> None:
        self.count = 0
        self.time = 0.0
        self.max_time = 0.0
        self.rows = 0
        self.max_rows = -1
        self.site: Site | None = None
        self.params: Any = None
        self.seq = 0
        self.first: Site | None = None
        self.loop: Site | None = None
        self.origin: Any = None
        #: frames of the second execution, held until the third (released at the end of the trace)
        self.stack: Any = None

    @classmethod
    def of(
        cls,
        count: int,
        time: float,
        rows: int = -1,
        site: Site | None = None,
        max_time: float | None = None,
        *,
        seq: int = 0,
        first: Site | None = None,
        loop: Site | None = None,
        origin: Any = None,
    ) -> QStat:
        q = cls()
        q.count = count
        q.time = time
        q.max_time = time / max(count, 1) if max_time is None else max_time
        q.rows = max(rows, 0) * count
        q.max_rows = rows
        q.site = site
        q.seq = seq
        q.first = first
        q.loop = loop
        q.origin = origin
        return q


class Trace:
    """One request (``kind="request"``) or background job (``kind="job"``).

    No ``__slots__`` on purpose: the defaults live on the class, so creating
    a trace on the request thread sets five attributes instead of thirty.
    """

    kind = "request"
    name = ""
    method = ""
    path = ""
    start = 0.0
    cpu0 = 0.0
    wall = 0.0
    cpu: float | None = None
    #: Seconds the thread waited for a CPU while ready to run (Linux schedstat), at the start
    #: (-1: not read) and over the trace: CPU contention, not blocking, though wall minus CPU counts it.
    runq0 = -1.0
    runq = 0.0
    status = 0
    #: The raw status line handed to ``start_response`` (the aggregator sets ``status`` from it).
    status_line = ""
    size = -1
    queue_ms: float | None = None
    q_start = 0.0
    q_time = 0.0
    #: Pool connections checked out by this trace and not yet returned.
    conns = 0
    #: Connections still checked out when the trace ended (snapshot of ``conns``).
    held = 0
    conn_sites: list[Site] | None = None
    #: Response headers as handed to ``start_response`` (parsed later).
    headers: list[tuple[str, str]] | None = None
    exc_type = ""
    traceback = ""
    routing_code = 0
    ctx_pushed = 0
    ctx_popped = 0
    ctx_sites: list[Site] | None = None
    state = ""
    retries = 0
    worker = ""
    ts = 0.0
    skip = False
    secure = False
    logged_errors = 0
    extra: dict[str, Any] | None = None
    #: Raw ``X-Request-Start`` header and the wall clock when the request arrived.
    request_start = ""
    arrival = 0.0
    #: Statements executed (every traced request); per-statement detail is in ``queries`` only
    #: when ``detail`` (a traffic-adaptive sample of requests, every job).
    nq = 0
    detail = False
    #: QStats holding frames of this trace (released when it ends).
    stacks: list[QStat] | None = None

    #: Per-statement detail; a read-only empty mapping until the first detailed statement
    #: (most requests are not sampled for detail: no dict to allocate for them).
    queries: Mapping[str, QStat] = MappingProxyType({})

    def __init__(self, kind: str = "request", name: str = "", start: float = 0.0, cpu0: float = 0.0) -> None:
        self.kind = kind
        self.name = name
        self.start = start
        self.cpu0 = cpu0

    @property
    def label(self) -> str:
        return f"endpoint:{self.name}" if self.kind == "request" else f"task:{self.name}"

    @property
    def query_count(self) -> int:
        return self.nq or sum(q.count for q in self.queries.values())

    def release_frames(self) -> None:
        """Drop the frames kept for loop attribution: they hold the request's locals."""
        stacks = self.stacks
        if stacks is not None:
            self.stacks = None
            for q in stacks:
                q.stack = None

    def __repr__(self) -> str:
        return f"<Trace {self.kind} {self.name} {self.status} {self.wall * 1000:.1f}ms q={self.query_count}>"


def exception_name(exception: BaseException) -> str:
    """``sqlalchemy.exc.OperationalError``, ``ValueError`` (builtins unqualified): a failed job's ``exc_type``."""
    cls = type(exception)
    return f"{cls.__module__}.{cls.__qualname__}".replace("builtins.", "")
