"""The WSGI wrapper ``init_app`` installs (like ``ProxyFix``): the only code every request runs.

Per request it takes two clock readings, creates one small
:class:`~flask_doctor.runtime.records.Trace`, decides whether the request
is sampled for statement detail (a token bucket of
``FLASK_DOCTOR_DETAIL_PER_SECOND`` requests a second, plus the endpoints
that have had too few detailed requests lately), notes the endpoint when
Flask calls ``start_response`` inside the request context, and appends the
finished trace to a bounded deque.  It also keeps the dashboard hidden:
an unauthenticated request under its prefix, whatever its method or
slashes, is answered as the application answers an unknown URL.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time
from collections.abc import Callable
from time import perf_counter, thread_time
from typing import TYPE_CHECKING, Any

from flask.globals import _cv_request

from flask_doctor.runtime.records import KNOWN_METHODS, UNMATCHED, Trace

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.runtime.doctor import Doctor

_SLASHES = re.compile(r"/{2,}")
#: A trace without running ``__init__``: the request path sets ``start`` and nothing else.
new_trace = object.__new__
#: Where an unauthenticated request under the dashboard prefix is sent: no route of the
#: doctor matches it, so the application answers it as it answers any unknown URL.
HIDDEN_PATH = "/.not-found"
#: Linux: this thread's scheduler statistics; the second field is the time it spent ready to run
#: while waiting for a CPU (ns).
SCHEDSTAT = "/proc/thread-self/schedstat"


def run_delay() -> float:
    """Seconds this thread has waited for a CPU so far; -1.0 where the kernel does not tell.

    Wall time minus CPU time is time a request was not running: blocked on I/O, or ready but
    waiting for a CPU because others had them all. Only the first is a blocking call (FD401);
    under CPU contention a CPU-bound request would look blocked without this reading (~8 µs,
    taken for detailed requests only).
    """
    try:
        fd = os.open(SCHEDSTAT, os.O_RDONLY)
    except OSError:
        return -1.0
    try:
        return int(os.read(fd, 128).split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return -1.0
    finally:
        os.close(fd)


#: Read once: kernels without schedstat (or other systems) never pay for the attempt.
RUN_DELAY = run_delay() >= 0.0


class DoctorMiddleware:
    """Times the whole request; see the module docstring."""

    def __init__(self, wsgi_app: Callable[..., Any], doctor: Doctor) -> None:
        self.wsgi_app = wsgi_app
        self.doctor = doctor

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        d = self.doctor
        hide = d._hide
        if hide is not None:
            path = environ.get("PATH_INFO", "")
            if path.startswith(hide) or path.startswith("//"):
                environ = hidden(d, environ, path)
        part = d._p_requests
        if d._off or part.disabled or (d._rate < 1.0 and random.random() >= d._rate):
            return self.wsgi_app(environ, start_response)
        rec: Trace | None = None
        token = None
        # try/except instead of `with part:` on this path: a try block costs nothing in
        # Python 3.11+, a context manager two method calls (the guard's semantics are the same).
        try:
            if not d._ready:
                d._first_request(environ)
            every = d._detail_every  # one request in N, N adapted to the traffic (Doctor._adapt_detail)
            detail = every == 1 or not next(d._detail_seq) % every
            rec = new_trace(Trace)
            rec.start = perf_counter()
            if detail:
                rec.detail = True
                # CPU time only for detailed requests: the thread's CPU clock is a system call
                # (~1-2.5 µs), and the detectors that read it work on medians.
                if d._cpu_ok:
                    rec.cpu0 = thread_time()
                    if RUN_DELAY:
                        rec.runq0 = run_delay()
            token = d._current.set(rec)
            rs = environ.get("HTTP_X_REQUEST_START")
            if rs:
                rec.request_start = rs
                rec.arrival = time.time()
            next(d._started)  # itertools.count: atomic under the GIL, no lock
        except Exception as exc:
            part.swallow(exc)
            rec = None
        if rec is None:
            if token is not None:
                d._current.reset(token)
            return self.wsgi_app(environ, start_response)

        def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            # Flask calls start_response inside the request context: note the endpoint
            # here, cheaper than a teardown_request hook (Flask wraps each in ensure_sync).
            try:
                rec.status_line = status  # parsed by the aggregator
                rec.headers = headers
                if not rec.method:
                    ctx = _cv_request.get(None)
                    if ctx is not None:
                        describe(rec, ctx.request)
                        if not rec.detail and d._wanted and rec.name in d._wanted:
                            rec.detail = True  # for its headers: cookies, sizes
            except Exception as exc:
                part.swallow(exc)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, _start_response)
        finally:
            try:
                rec.wall = perf_counter() - rec.start  # the aggregator turns it into wall-clock time
                if rec.detail:
                    if rec.cpu0:
                        rec.cpu = thread_time() - rec.cpu0
                        if rec.runq0 >= 0.0:
                            rec.runq = max(0.0, run_delay() - rec.runq0)
                    if rec.stacks is not None:
                        rec.release_frames()
                    rec.secure = (
                        environ.get("wsgi.url_scheme") == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
                    )
                rec.held = rec.conns
                queue = d._queue
                if len(queue) == queue.maxlen:
                    d._dropped += 1  # the aggregator is behind: the oldest trace is dropped
                queue.append(rec)
            except Exception as exc:
                part.swallow(exc)
            d._current.reset(token)
            next(d._finished)


def hidden(doctor: Doctor, environ: dict[str, Any], path: str) -> dict[str, Any]:
    """An unauthenticated request under the dashboard prefix, whatever its method or slashes, is a plain 404.

    Werkzeug would otherwise answer 405 with an ``Allow`` header for other
    methods and 308 redirects for ``/_doctor`` or ``//`` paths, revealing
    the routes.  The request is handed to the application with a path no
    route of the doctor matches, so its own 404 (handler and all) answers.
    """
    hide = doctor._hide
    normal = _SLASHES.sub("/", path)
    if hide is None or not (normal == hide or normal.startswith(hide + "/")):
        return environ
    if doctor.dashboard_allowed(environ.get("HTTP_AUTHORIZATION", "")):
        return environ
    return dict(environ, PATH_INFO=hide + HIDDEN_PATH)


def count_value(counter: itertools.count[int]) -> int:
    """The next value of an ``itertools.count`` without advancing it (its repr is ``count(N)``)."""
    return int(repr(counter)[6:-1])


def describe(rec: Trace, req: Any) -> None:
    """Endpoint, method (closed set), URL rule of the request; the raw path only when no rule matched."""
    method = req.method
    rec.method = method if method in KNOWN_METHODS else "OTHER"
    rule = req.url_rule
    if rule is not None:
        endpoint = rule.endpoint
        rec.name = endpoint
        rec.path = rule.rule
        if endpoint.startswith("flask_doctor."):
            rec.skip = True
    else:
        rec.name = UNMATCHED
        rec.path = req.path[:1000]  # redacted and shortened by the aggregator, off the request thread
        routing = req.routing_exception
        if routing is not None:
            rec.routing_code = getattr(routing, "code", 0) or 0


__all__ = ["HIDDEN_PATH", "DoctorMiddleware", "count_value", "describe", "hidden"]
