"""RQ jobs: one Flask app per worker process, an application context per job (S21, S23)."""

from datetime import date

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from clinic import create_app
from clinic.extensions import db
from clinic.models import Appointment, Doctor
from clinic.reports import write_daily_report

_app = None


def worker_app():
    """The worker's app, created once per process (not once per job)."""
    global _app
    if _app is None:
        _app = create_app()
    return _app


def report_queue(app) -> Queue:
    connection = Redis.from_url(app.config["REDIS_URL"])
    return Queue(app.config["CLINIC_PREFIX"] + "reports", connection=connection)


def export_daily_report(day_iso: str) -> int:
    """Count each doctor's appointments and store them in the reporting database."""
    with worker_app().app_context():
        rows = db.session.execute(
            select(Doctor.name, func.count(Appointment.id))
            .join(Appointment, Appointment.doctor_id == Doctor.id)
            .group_by(Doctor.name)
        ).all()
        return write_daily_report(date.fromisoformat(day_iso), {name: count for name, count in rows})
