"""Which collectors are on, and why one is off: said plainly wherever results are shown.

An empty result from a collector that could not hook (Flask-SQLAlchemy
engines it cannot read, signals without blinker) must never read as a clean
bill of health.  Each collector reports here when it cannot work or works
in a reduced way; the dashboard, ``snapshot()["collectors"]`` and the log
(one WARNING per new reason) show it.  A part the guard switched off after
an internal error counts as off too.
"""

from __future__ import annotations

import logging
import threading

from flask_doctor.runtime.guard import Guard

logger = logging.getLogger("flask_doctor")

#: Collector name -> how it is called in messages ("SQL collector off: ...").
LABELS = {
    "requests": "request",
    "sql": "SQL",
    "exceptions": "exception",
    "contexts": "context",
    "memory": "memory",
    "metrics": "metrics",
    "celery": "Celery",
}


class Collectors:
    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self._off: dict[str, str] = {}
        self._notes: dict[str, str] = {}
        self._lock = threading.Lock()

    def off(self, name: str, reason: str, level: int = logging.WARNING) -> None:
        """``name`` cannot record anything: why, in words a user can act on (logged once per reason).

        ``level``: INFO when there is simply nothing to watch (an app without a database).
        """
        with self._lock:
            if self._off.get(name) == reason:
                return
            self._off[name] = reason
        logger.log(level, "flask-doctor: %s collector off: %s", LABELS.get(name, name), reason)

    def on(self, name: str, note: str = "") -> None:
        """``name`` works (``note``: what it watches, or how it works in a reduced way)."""
        with self._lock:
            self._off.pop(name, None)
            if note:
                self._notes[name] = note

    def status(self) -> dict[str, dict[str, object]]:
        """Per collector: ``on`` and ``detail`` (why it is off, or what it watches)."""
        out: dict[str, dict[str, object]] = {}
        with self._lock:
            names = list(dict.fromkeys([*LABELS, *self._off, *self._notes]))
            for name in names:
                part = self.guard.parts.get(name)
                reason = self._off.get(name, "")
                if part is not None and part.disabled and not reason:
                    reason = "internal error; see the flask_doctor log"
                if part is None and not reason and name not in self._notes:
                    continue  # never set up (metrics off, no Celery): nothing to say
                out[name] = {"on": not reason, "detail": reason or self._notes.get(name, "")}
        return out

    def off_lines(self) -> list[str]:
        """``["SQL collector off: ...", ...]`` for every collector that is off."""
        return [
            f"{LABELS.get(name, name)} collector off: {s['detail']}" for name, s in self.status().items() if not s["on"]
        ]


__all__ = ["Collectors", "LABELS"]
