from __future__ import annotations

import inspect

from celery import Celery

from flask_doctor.audit.checks import celery_checks as cc
from flask_doctor.findings import Evidence, Location, Severity
from tests.audit.conftest import audit, audit_with_extra, make_app

HERE = "tests/audit/test_celery.py"

GOOD = dict(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    broker_connection_retry_on_startup=True,
    task_soft_time_limit=60,
    task_time_limit=90,
)


def _celery(**conf) -> Celery:  # type: ignore[no-untyped-def]
    celery = Celery("audit-test", broker="redis://127.0.0.1:6379/0", set_as_current=False)
    celery.conf.update(conf)
    return celery


def test_well_configured_celery_is_fine() -> None:
    celery = _celery(**GOOD)

    @celery.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5, shared=False)
    def sync(url: str) -> None:
        import requests

        requests.get(url, timeout=5)

    findings, extra = audit_with_extra(make_app(), celery=celery)
    assert findings == []
    assert extra["celery"]["tasks"] == [f"{__name__}.sync"]
    assert extra["celery"]["broker"] == "redis://127.0.0.1:6379/0"


def test_celery_found_in_app_extensions() -> None:
    app = make_app()
    app.extensions["celery"] = _celery()
    assert [f.code for f in audit(app)] == ["FD540", "FD541"]


def test_default_celery_config() -> None:
    findings = audit(make_app(), celery=_celery(result_backend="redis://:pw@127.0.0.1:6379/1", result_expires=None))
    assert findings == [
        cc.EARLY_ACK(obj="celery:task_acks_late"),
        cc.RETRY_ON_STARTUP(
            obj="celery:broker_connection_retry_on_startup",
            value=None,
            severity=Severity.NOTE,
            why="unset, Celery 5.3+ warns and Celery 6 will no longer retry the broker connection at start-up, so a worker started before the broker exits",
        ),
        cc.RESULTS_FOREVER(obj="celery:result_expires", backend="redis://:***@127.0.0.1:6379/1"),
    ]


def test_late_ack_without_reject() -> None:
    conf = dict(GOOD, task_reject_on_worker_lost=None)
    [finding] = audit(make_app(), celery=_celery(**conf))
    assert finding == cc.LATE_ACK_NO_REJECT(obj="celery:task_reject_on_worker_lost", value=None)


def test_tasks_without_retry_time_limit_or_bound() -> None:
    celery = _celery(**dict(GOOD, task_soft_time_limit=None, task_time_limit=None))

    @celery.task(shared=False)
    def notify(user_id: int) -> None:
        import requests

        requests.post("https://hooks.example.com", json={"id": user_id}, timeout=5)

    @celery.task(autoretry_for=(ConnectionError,), max_retries=None, shared=False)
    def forever() -> None:
        pass

    @celery.task(shared=False)
    def pure(a: int, b: int) -> int:
        return a + b

    @celery.task(bind=True, max_retries=3, shared=False)
    def handled(self) -> None:  # type: ignore[no-untyped-def]
        try:
            import requests

            requests.get("https://example.com", timeout=5)
        except ConnectionError as exc:
            raise self.retry(exc=exc) from exc

    findings = audit(make_app(), celery=celery)
    notify_line = notify.run.__code__.co_firstlineno + 1
    forever_line = inspect.unwrap(forever.run).__code__.co_firstlineno + 1
    assert findings == [
        cc.NO_TIME_LIMIT(
            obj="celery:task_time_limit",
            count=4,
            tasks=f"{__name__}.forever, {__name__}.handled, {__name__}.notify, {__name__}.pure",
        ),
        cc.NO_RETRY(
            obj=f"task:{__name__}.notify",
            location=Location(HERE, notify_line, 9, notify_line, 15),
            task=f"{__name__}.notify",
            calls="requests.post()",
        ),
        cc.RETRIES_FOREVER(
            obj=f"task:{__name__}.forever",
            location=Location(HERE, forever_line, 9, forever_line, 16),
            task=f"{__name__}.forever",
            evidence=[Evidence("autoretry_for=(<class 'ConnectionError'>,)")],
        ),
    ]


def test_visibility_timeout_and_prefetch() -> None:
    celery = _celery(**dict(GOOD, task_time_limit=7200, task_soft_time_limit=7000, worker_prefetch_multiplier=4))

    @celery.task(acks_late=True, shared=False)
    def report() -> None:
        pass

    findings = audit(make_app(), celery=celery)
    assert [(f.code, f.obj, f.severity) for f in findings] == [
        ("FD545", "celery:worker_prefetch_multiplier", Severity.NOTE),
        ("FD543", f"task:{__name__}.report", Severity.WARNING),
    ]
    assert "can stay unacknowledged for 7200s (time limit with late acknowledgement)" in findings[1].message
    celery.conf.broker_transport_options = {"visibility_timeout": 4 * 3600}
    celery.conf.worker_prefetch_multiplier = 1
    assert audit(make_app(), celery=celery) == []
