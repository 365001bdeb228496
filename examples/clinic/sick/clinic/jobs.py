from datetime import date

from redis import Redis
from rq import Queue
from sqlalchemy import func

from clinic import app, db
from clinic.models import Appointment, Doctor
from clinic.reports import write_daily_report


def report_queue(app) -> Queue:
    return Queue(app.config["CLINIC_PREFIX"] + "reports", connection=Redis.from_url(app.config["REDIS_URL"]))


def export_daily_report(day_iso):
    app.app_context().push()
    rows = (
        db.session.query(Doctor.name, func.count(Appointment.id))
        .join(Appointment, Appointment.doctor_id == Doctor.id)
        .group_by(Doctor.name)
        .all()
    )
    return write_daily_report(date.fromisoformat(day_iso), {name: count for name, count in rows})
