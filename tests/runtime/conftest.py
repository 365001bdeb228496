"""Runtime tests: real apps, real services; the guard never hides our bugs here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flask_doctor.runtime import guard

#: Flask < 2.3 sends signals only with blinker installed; the oldest stack of the matrix has none.
SIGNALS = bool(getattr(__import__("flask.signals").signals, "signals_available", True))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fault_injection: the test makes doctor parts raise on purpose")


@pytest.fixture(autouse=True)
def _reraise_swallowed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Re-raise whatever a guard swallowed during the test (sentry-python's trick).

    In production the guard logs once and disables the failing part; in
    tests that would hide bugs, so any swallowed exception fails the test,
    except in fault-injection tests, which cause them on purpose.
    """
    guard.SWALLOWED.clear()
    yield
    swallowed = list(guard.SWALLOWED)
    guard.SWALLOWED.clear()
    if swallowed and request.node.get_closest_marker("fault_injection") is None:
        part, exc = swallowed[0]
        raise AssertionError(f"the {part!r} guard swallowed {len(swallowed)} exception(s)") from exc
