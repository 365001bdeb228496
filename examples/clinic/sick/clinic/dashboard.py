from datetime import datetime

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from sqlalchemy import func, select

from clinic import cache, db
from clinic.models import Appointment, Patient

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@login_required
@cache.cached(timeout=60)
def dashboard():
    upcoming = select(func.count(Appointment.id)).where(Appointment.doctor_id == current_user.doctor_id)
    return jsonify(
        user=current_user.name,
        upcoming_appointments=db.session.scalar(upcoming),
        patients=db.session.scalar(select(func.count(Patient.id))),
        rendered_at=datetime.now().isoformat(timespec="seconds"),
    )
