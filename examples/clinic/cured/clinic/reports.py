"""Reports live in a MariaDB reporting database reached with a plain SQLAlchemy engine."""

from datetime import date

from flask import Blueprint, Flask, current_app, jsonify
from flask_login import login_required
from flask_wtf import FlaskForm
from rq import Retry
from wtforms import DateField
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session, sessionmaker

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
#: Sessions for jobs; each job removes its session when it ends (S23).
ReportSession = scoped_session(sessionmaker())


def make_engine(url: str) -> Engine:
    # MariaDB closes idle connections after wait_timeout (8 h by default) and a restart or a failover
    # drops them all: test each connection before use and recycle well before the timeout (S22).
    return create_engine(url, pool_pre_ping=True, pool_recycle=280, pool_size=5)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["REPORTS_DATABASE_URL"])
    app.extensions["reports_engine"] = engine
    ReportSession.configure(bind=engine)

    @app.teardown_appcontext
    def remove_report_session(exc: BaseException | None = None) -> None:
        ReportSession.remove()


def engine() -> Engine:
    return current_app.extensions["reports_engine"]


@bp.route("/reports/summary")
@login_required
def summary():
    with engine().connect() as connection:
        rows = connection.execute(
            select(daily_report.c.doctor, func.sum(daily_report.c.appointments))
            .group_by(daily_report.c.doctor)
            .order_by(daily_report.c.doctor)
            .limit(100)
        ).all()
    return jsonify(doctors=[{"doctor": doctor, "appointments": int(total or 0)} for doctor, total in rows])


class ExportForm(FlaskForm):
    day = DateField("Day")


@bp.route("/reports/export", methods=["POST"])
@login_required
def export():
    from clinic.jobs import export_daily_report, report_queue

    form = ExportForm()
    if not form.validate_on_submit():
        return jsonify(errors=form.errors), 400
    day = form.day.data or date.today()
    job = report_queue(current_app).enqueue(export_daily_report, day.isoformat(), retry=Retry(max=3, interval=[10, 30, 60]))
    return jsonify(job=job.id), 202


def write_daily_report(day: date, counts: dict[str, int]) -> int:
    """Store one day's counts per doctor; called from the RQ job."""
    try:
        ReportSession.execute(daily_report.delete().where(daily_report.c.day == day))
        for doctor, appointments in counts.items():
            ReportSession.execute(daily_report.insert().values(day=day, doctor=doctor, appointments=appointments))
        ReportSession.commit()
        return len(counts)
    finally:
        ReportSession.remove()
