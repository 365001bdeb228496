"""Runtime detectors: recorded traces and rolling statistics in, findings out.

* :mod:`.trace`: one request or job (N+1, connections held, cookies, task failures);
* :mod:`.windows`: rolling statistics of an endpoint, a statement or a task
  (slow percentiles, blocking, error bursts, retry storms);
* :mod:`.process`: samples of the worker process (memory growth, growing
  module-level containers, saturation).

Ids follow docs/rule-ids.md: a problem the static checker also finds keeps
its static id (FD202 for N+1), runtime-only problems use xx70-xx99 and are
documented in :mod:`flask_doctor.catalogue.runtime`.
"""

from __future__ import annotations

from flask_doctor import rulebook
from flask_doctor.runtime.detectors.base import (
    DetectContext,
    Detector,
    TraceDetector,
    loc,
    ms,
)
from flask_doctor.runtime.detectors.process import (
    GrowingContainer,
    MemoryGrowth,
    WorkerSaturated,
)
from flask_doctor.runtime.detectors.trace import (
    ConnectionHeld,
    ContextLeak,
    ErrorHandlerSwallowsHttp,
    InsecureCookie,
    JobSessionHeld,
    NPlusOne,
    PoolExhausted,
    SameSiteNone,
    SessionCookieTooLarge,
    SetCookie,
    TaskFailedWithoutRetry,
    TaskSwallowsExceptions,
    UnboundedResult,
    parse_set_cookies,
)
from flask_doctor.runtime.detectors.windows import (
    BlockingRequest,
    RetryStorm,
    ServerErrorBurst,
    SlowEndpoint,
    SlowQuery,
)

TRACE_DETECTORS: tuple[TraceDetector, ...] = (
    NPlusOne(),
    UnboundedResult(),
    ConnectionHeld(),
    JobSessionHeld(),
    ContextLeak(),
    ErrorHandlerSwallowsHttp(),
    InsecureCookie(),
    SameSiteNone(),
    SessionCookieTooLarge(),
    TaskFailedWithoutRetry(),
    TaskSwallowsExceptions(),
    PoolExhausted(),
)
SLOW_QUERY = SlowQuery()
ENDPOINT_DETECTORS: tuple[Detector, ...] = (SlowEndpoint(), BlockingRequest(), ServerErrorBurst())
RETRY_STORM = RetryStorm()
MEMORY_GROWTH = MemoryGrowth()
GROWING_CONTAINER = GrowingContainer()
WORKER_SATURATED = WorkerSaturated()

ALL_DETECTORS: tuple[Detector, ...] = (
    *TRACE_DETECTORS,
    SLOW_QUERY,
    *ENDPOINT_DETECTORS,
    RETRY_STORM,
    MEMORY_GROWTH,
    GROWING_CONTAINER,
    WORKER_SATURATED,
)

# Findings take their rule's name and severity from the rulebook, which
# loads the static rule classes.  Load it with the extension (once, shared by
# forked workers), not in the aggregator thread in the middle of traffic,
# where a burst of imports would skew the timings the detectors measure.
rulebook.all_metas()

__all__ = [
    "ALL_DETECTORS",
    "ENDPOINT_DETECTORS",
    "GROWING_CONTAINER",
    "MEMORY_GROWTH",
    "RETRY_STORM",
    "SLOW_QUERY",
    "TRACE_DETECTORS",
    "WORKER_SATURATED",
    "BlockingRequest",
    "ConnectionHeld",
    "ContextLeak",
    "DetectContext",
    "Detector",
    "ErrorHandlerSwallowsHttp",
    "GrowingContainer",
    "InsecureCookie",
    "JobSessionHeld",
    "MemoryGrowth",
    "NPlusOne",
    "PoolExhausted",
    "RetryStorm",
    "SameSiteNone",
    "ServerErrorBurst",
    "SessionCookieTooLarge",
    "SetCookie",
    "SlowEndpoint",
    "SlowQuery",
    "TaskFailedWithoutRetry",
    "TaskSwallowsExceptions",
    "TraceDetector",
    "UnboundedResult",
    "WorkerSaturated",
    "loc",
    "ms",
    "parse_set_cookies",
]
