"""Jobs through the doctor's JobRecorder API: ``doctor.job`` and the Celery hooks without a broker."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from flask_doctor.runtime.doctor import Doctor
from tests.runtime.apps import shop


@pytest.fixture
def doctor() -> Doctor:
    app = shop.create_app()
    return app.extensions["flask_doctor"]


def test_a_failing_job_is_recorded_and_the_context_restored(doctor: Doctor) -> None:
    with pytest.raises(ValueError), doctor.job("sync-users") as trace:
        assert trace is not None and doctor.current_trace() is trace and doctor._jobs_running == 1
        raise ValueError("boom")
    assert doctor.current_trace() is None and doctor._jobs_running == 0
    assert (trace.state, trace.exc_type, trace.method, trace.path) == ("FAILURE", "ValueError", "JOB", "sync-users")
    assert "ValueError: boom" in trace.traceback
    [summary] = doctor.requests()
    assert (summary["kind"], summary["name"], summary["status"]) == ("job", "sync-users", "FAILURE")


def test_a_switched_off_doctor_records_no_job() -> None:
    app = shop.create_app(enabled=False)
    doctor = app.extensions["flask_doctor"]
    assert doctor.start_job("x") is None
    with doctor.job("x") as trace:
        assert trace is None


class _Task:
    """The attributes of a Celery task the hooks read."""

    name = "shop.tasks.charge"
    app = None
    autoretry_for = ()

    class request:  # noqa: N801 - Celery's spelling
        retries = 2

    def run(self, order_id: int) -> None:
        self.retry(countdown=5)

    def retry(self, **kwargs: Any) -> None:
        raise RuntimeError("retry")


def test_celery_hooks_drive_the_job_api(doctor: Doctor) -> None:
    pytest.importorskip("celery")
    from flask_doctor.runtime.celery import CeleryCollector

    collector = CeleryCollector(doctor, celery_app=None)
    task = _Task()
    collector._prerun(task_id="t1", task=task)
    logging.getLogger().removeHandler(collector._handler)  # counts ERROR logs of tasks; not in this test process
    job = collector.running["t1"]
    assert doctor.current_trace() is job.trace
    assert (job.trace.method, job.trace.retries, job.trace.extra["retry_policy"]) == ("TASK", 2, True)
    assert job.trace.extra["site"].path == "tests/runtime/test_jobs.py"
    collector._failure(task_id="t1", exception=KeyError("order"))
    collector._postrun(task_id="t1", task=task, state="FAILURE")
    assert doctor.current_trace() is None and collector.running == {} and doctor._jobs_running == 0
    [summary] = doctor.requests()
    assert (summary["name"], summary["method"], summary["status"]) == ("shop.tasks.charge", "TASK", "FAILURE")
