from datetime import date

from flask import Blueprint, jsonify, request
from flask_login import login_required
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, func, select
from sqlalchemy.orm import scoped_session, sessionmaker

from clinic import app

bp = Blueprint("reports", __name__)
metadata = MetaData()
daily_report = Table(
    "daily_report",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("doctor", String(80), nullable=False),
    Column("appointments", Integer, nullable=False),
)
reports_engine = create_engine(app.config["REPORTS_DATABASE_URL"], pool_size=5)
ReportSession = scoped_session(sessionmaker(bind=reports_engine))


@bp.route("/reports/summary")
@login_required
def summary():
    with reports_engine.connect() as connection:
        rows = connection.execute(
            select(daily_report.c.doctor, func.sum(daily_report.c.appointments))
            .group_by(daily_report.c.doctor)
            .order_by(daily_report.c.doctor)
        ).all()
    return jsonify(doctors=[{"doctor": doctor, "appointments": int(total or 0)} for doctor, total in rows])


def write_daily_report(day: date, counts: dict) -> int:
    ReportSession.execute(daily_report.delete().where(daily_report.c.day == day))
    for doctor, appointments in counts.items():
        ReportSession.execute(daily_report.insert().values(day=day, doctor=doctor, appointments=appointments))
    ReportSession.commit()
    return ReportSession.execute(select(func.count()).select_from(daily_report)).scalar()


@bp.route("/reports/export", methods=["POST"])
@login_required
def export():
    from clinic.jobs import export_daily_report, report_queue

    job = report_queue(app).enqueue(export_daily_report, request.form.get("day", date.today().isoformat()))
    return jsonify(job=job.id), 202
