"""Never break the application: one guard around every hook.

Each part of the doctor (``requests``, ``sql``, ``memory``, ``celery`` ...)
has a :class:`Part`.  Hook bodies run inside ``with part:``; an exception is
swallowed, logged once through the ``flask_doctor`` logger, and that part
alone is switched off (``part.disabled``), like sentry-python's
``capture_internal_exceptions``.  The host request never sees it.

Tests must not hide our bugs that way: every swallowed exception is also
appended to :data:`SWALLOWED`, and ``tests/runtime/conftest.py`` re-raises
them after each test unless the test is a fault-injection test.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from types import TracebackType

logger = logging.getLogger("flask_doctor")

#: Every exception any guard swallowed in this process (bounded), for tests.
SWALLOWED: list[tuple[str, BaseException]] = []
_SWALLOWED_MAX = 100
_lock = threading.Lock()


class Part:
    """One independently disabled piece of the doctor; a reusable context manager.

    Class-based (not ``@contextmanager``) because it sits on the request
    hot path: entering costs one attribute read.
    """

    __slots__ = ("name", "disabled", "errors", "_logged")

    def __init__(self, name: str) -> None:
        self.name = name
        self.disabled = False
        self.errors = 0
        self._logged = False

    def __enter__(self) -> Part:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            return False
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit, GreenletExit
            return False
        self.swallow(exc)
        return True

    def swallow(self, exc: BaseException) -> None:
        self.errors += 1
        self.disabled = True
        with _lock:
            if len(SWALLOWED) < _SWALLOWED_MAX:
                SWALLOWED.append((self.name, exc))
        if not self._logged:
            self._logged = True
            logger.error(
                "flask-doctor: internal error in %r; this part is now disabled, "
                "the application is not affected. Please report this with the traceback.",
                self.name,
                exc_info=(type(exc), exc, exc.__traceback__),
            )

    def __repr__(self) -> str:
        state = "disabled" if self.disabled else "enabled"
        return f"<Part {self.name} {state}, {self.errors} errors>"


class Guard:
    """The parts of one Doctor, by name."""

    def __init__(self) -> None:
        self.parts: dict[str, Part] = {}

    def part(self, name: str) -> Part:
        part = self.parts.get(name)
        if part is None:
            part = self.parts[name] = Part(name)
        return part

    def __iter__(self) -> Iterator[Part]:
        return iter(self.parts.values())

    def status(self) -> dict[str, dict[str, object]]:
        return {p.name: {"disabled": p.disabled, "errors": p.errors} for p in self}
