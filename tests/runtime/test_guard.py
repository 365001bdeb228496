"""Fault injection: make each collector raise; the application never notices."""

from __future__ import annotations

from typing import Any

import pytest

from flask_doctor.runtime import guard
from flask_doctor.runtime.guard import Guard, Part
from tests.runtime.apps import shop
from tests.runtime.conftest import SIGNALS


class Boom:
    """Raises on call and on any attribute access."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("injected fault")


#: (part that must be disabled, object to patch, attribute)
FAULTS = [
    ("requests", "flask_doctor.runtime.middleware", "Trace"),
    ("requests", "flask_doctor.runtime.middleware", "describe"),
    ("sql", "flask_doctor.runtime.sql", "QStat"),
    ("sql", "flask_doctor.runtime.sql", "capture"),
    ("sql", "flask_doctor.runtime.sql", "first_site"),
    pytest.param(
        "contexts",
        "flask_doctor.runtime.contexts",
        "_cv_request",
        marks=pytest.mark.skipif(not SIGNALS, reason="no context signals without blinker on Flask < 2.3"),
    ),
    ("exceptions", "flask_doctor.runtime.doctor", "traceback_site"),
    ("exceptions", "flask_doctor.runtime.doctor", "request"),
    ("aggregate", "flask_doctor.runtime.aggregate", "summary_of"),
    ("aggregate", "flask_doctor.runtime.detectors.trace", "parse_set_cookies"),
    ("memory", "flask_doctor.runtime.doctor", "rss_bytes"),
    ("jobs", "flask_doctor.runtime.doctor", "Trace"),
    ("jobs", "flask_doctor.runtime.doctor", "leaked_since"),
]


def exercise(app: Any) -> list[int]:
    client = app.test_client()
    statuses = []
    for path in ("/hello", "/authors/lazy", "/authors/eager", "/boom?d=1", "/boom", "/login", "/conn/ok"):
        statuses.append(client.get(path).status_code)
    doctor = app.extensions["flask_doctor"]
    with doctor.job("job"):
        with app.app_context():
            pass
    doctor.sample_memory()
    doctor.snapshot()
    return statuses


@pytest.mark.fault_injection
@pytest.mark.parametrize(
    ("part", "module", "attr"),
    FAULTS,
    ids=[f"{p.values[0]}-{p.values[2]}" if hasattr(p, "values") else f"{p[0]}-{p[2]}" for p in FAULTS],
)
def test_a_failing_collector_never_fails_a_request(
    monkeypatch: pytest.MonkeyPatch, part: str, module: str, attr: str
) -> None:
    app = shop.create_app(config={"TESTING": False}, context_signals=True, track_connections=True)
    shop.seed(app, authors=6, books_each=1)
    monkeypatch.setattr(f"{module}.{attr}", Boom())
    assert exercise(app) == [200, 200, 200, 200, 500, 200, 200]
    doctor = app.extensions["flask_doctor"]
    assert doctor.guard.part(part).disabled, doctor.guard.status()
    assert part in {name for name, _ in guard.SWALLOWED}
    # Later requests still succeed with the part switched off.
    monkeypatch.undo()
    assert exercise(app) == [200, 200, 200, 200, 500, 200, 200]


@pytest.mark.fault_injection
@pytest.mark.parametrize("attr", ["QStat", "capture"])
def test_failing_cursor_style_sql_hooks(monkeypatch: pytest.MonkeyPatch, attr: str) -> None:
    app = shop.create_app(config={"TESTING": False}, sql_events="cursor")
    shop.seed(app, authors=6, books_each=1)
    monkeypatch.setattr(f"flask_doctor.runtime.sql.{attr}", Boom())
    assert exercise(app) == [200, 200, 200, 200, 500, 200, 200]
    assert app.extensions["flask_doctor"].guard.part("sql").disabled


@pytest.mark.fault_injection
@pytest.mark.parametrize("target", ["store", "metrics"])
def test_failing_store_or_metrics(target: str) -> None:
    app = shop.create_app(config={"TESTING": False})
    shop.seed(app, authors=6, books_each=1)
    doctor = app.extensions["flask_doctor"]
    if target == "store":
        doctor.store.upsert = Boom()
    else:
        doctor.metrics.observe = Boom()
    assert exercise(app) == [200, 200, 200, 200, 500, 200, 200]
    assert doctor.guard.part(target).disabled


@pytest.mark.fault_injection
def test_part_logs_once_and_disables_only_itself(caplog: pytest.LogCaptureFixture) -> None:
    g = Guard()
    sql, requests = g.part("sql"), g.part("requests")
    for _ in range(3):
        with sql:
            raise ValueError("x")
    with requests:
        pass
    assert sql.disabled and sql.errors == 3 and not requests.disabled
    assert [r.getMessage() for r in caplog.records].count(
        "flask-doctor: internal error in 'sql'; this part is now disabled, the application is not affected. "
        "Please report this with the traceback."
    ) == 1


def test_guard_does_not_swallow_base_exceptions() -> None:
    part = Part("x")
    with pytest.raises(KeyboardInterrupt):
        with part:
            raise KeyboardInterrupt
    assert not part.disabled
