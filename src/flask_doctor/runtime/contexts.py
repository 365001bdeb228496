"""Application contexts pushed vs popped, per request, job and thread.

At the end of every job the doctor compares the active application context
with the one active when the job started (:func:`leaked_since`): free, and
enough to prove a leak.  A context leaked inside a request cannot outlive
it (Flask 3 raises "Popped wrong app context" when the request ends), so
requests need no check.

For call sites and threads outside any job, :class:`ContextTracker`
listens to ``appcontext_pushed``/``appcontext_popped`` (on demand:
``FLASK_DOCTOR_CONTEXT_SIGNALS=1``, or automatically once a leak was
seen).  The request's own context (pushed before the request variable is
set) is not counted; any other push during a traced request or job is,
with the user's call site; pushes outside any traced request or job
(scripts, threads) are counted per thread.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar, Token
from typing import Any

from flask import Flask, appcontext_popped, appcontext_pushed
from flask.globals import _cv_app, _cv_request

from flask_doctor.runtime.guard import Part
from flask_doctor.runtime.records import Site, Trace
from flask_doctor.runtime.sites import user_site

MAX_THREADS = 256


def current_app_context() -> Any:
    return _cv_app.get(None)


def leaked_since(start: Any, limit: int = 100) -> int:
    """How many app contexts were pushed on top of ``start`` and are still active.

    Signal-free (free on the hot path): walks the context variable's chain
    of tokens back from the current context to the one active at ``start``.
    """
    ctx = _cv_app.get(None)
    depth = 0
    while ctx is not None and ctx is not start and depth < limit:
        depth += 1
        tokens = getattr(ctx, "_cv_tokens", None)
        if not tokens:
            break
        previous = tokens[0].old_value
        ctx = None if previous is Token.MISSING else previous
    return depth


class ContextTracker:
    def __init__(self, current: ContextVar[Trace | None], part: Part) -> None:
        self.current = current
        self.part = part
        #: thread ident -> [thread name, outstanding pushes, first call site]
        self.threads: dict[int, list[Any]] = {}
        self._lock = threading.Lock()

    connected = False
    #: False on Flask < 2.3 without blinker (no signals): only the free check at job end works.
    available = True

    def connect(self, app: Flask) -> None:
        """Count every push and pop with call sites (costs ~3 µs a request; on demand)."""
        if self.connected or not self.available:
            return
        self.connected = True
        appcontext_pushed.connect(self._pushed, app, weak=False)
        appcontext_popped.connect(self._popped, app, weak=False)

    def _pushed(self, sender: Any, **kwargs: Any) -> None:
        if self.part.disabled:
            return
        with self.part:
            rec = self.current.get()
            if rec is None:
                self._thread_delta(+1)
                return
            if rec.kind == "request" and _cv_request.get(None) is None:
                return  # the request's own context
            rec.ctx_pushed += 1
            site = user_site()
            if site is not None:
                if rec.ctx_sites is None:
                    rec.ctx_sites = []
                if len(rec.ctx_sites) < 4:
                    rec.ctx_sites.append(site)

    def _popped(self, sender: Any, **kwargs: Any) -> None:
        if self.part.disabled:
            return
        with self.part:
            rec = self.current.get()
            if rec is None:
                self._thread_delta(-1)
                return
            if rec.kind == "request" and _cv_request.get(None) is None:
                return
            rec.ctx_popped += 1

    def _thread_delta(self, delta: int) -> None:
        ident = threading.get_ident()
        with self._lock:
            entry = self.threads.get(ident)
            if entry is None:
                if delta < 0 or len(self.threads) >= MAX_THREADS:
                    return
                entry = self.threads[ident] = [threading.current_thread().name, 0, None]
            entry[1] += delta
            if delta > 0 and entry[2] is None:
                entry[2] = user_site(skip=2)
            if entry[1] <= 0:
                del self.threads[ident]

    def leaking_threads(self, minimum: int = 3) -> list[tuple[str, int, Site | None]]:
        """Threads holding at least ``minimum`` contexts they pushed and never popped."""
        alive = {t.ident for t in threading.enumerate()}
        with self._lock:
            out = []
            for ident, (name, outstanding, site) in list(self.threads.items()):
                if outstanding >= minimum or (ident not in alive and outstanding > 0):
                    out.append((name, outstanding, site))
            return out
