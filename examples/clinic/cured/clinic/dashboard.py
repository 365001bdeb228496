"""Each user's dashboard, cached in Redis under a key that includes the user (S13)."""

from datetime import datetime

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from sqlalchemy import func, select

from clinic.extensions import cache, db
from clinic.models import Appointment, Patient

bp = Blueprint("dashboard", __name__)


@cache.memoize(timeout=60)
def dashboard_for(user_id: int, user_name: str, doctor_id: int | None) -> dict:
    upcoming = select(func.count(Appointment.id)).where(Appointment.starts_at >= datetime(2000, 1, 1))
    if doctor_id is not None:
        upcoming = upcoming.where(Appointment.doctor_id == doctor_id)
    patients = select(func.count(Patient.id))
    return {
        "user": user_name,
        "upcoming_appointments": db.session.scalar(upcoming),
        "patients": db.session.scalar(patients),
        "rendered_at": datetime.now().isoformat(timespec="seconds"),
    }


@bp.route("/dashboard")
@login_required
def dashboard():
    return jsonify(dashboard_for(current_user.id, current_user.name, current_user.doctor_id))
