from datetime import datetime

from flask import Blueprint, jsonify, redirect, render_template_string, request
from flask_login import login_required

from clinic import app, db, tasks
from clinic.models import Appointment, Patient

bp = Blueprint("patients", __name__)
PAGE_SIZE = app.config["PAGE_SIZE"]

NEW_APPOINTMENT = """<!doctype html><form method="post">
<input name="patient_id"><input name="starts_at" type="datetime-local"><input name="reason">
<button>Book</button></form>"""


@bp.route("/patients")
@login_required
def list_patients():
    patients = Patient.query.order_by(Patient.id).all()
    return jsonify(
        patients=[
            {"id": p.id, "name": p.name, "appointments": [a.starts_at.isoformat() for a in p.appointments]}
            for p in patients
        ]
    )


@bp.route("/patients/lookup")
@login_required
def lookup():
    ids = request.args.getlist("id", type=int)
    found = [Patient.query.get(patient_id) for patient_id in ids]
    return jsonify([p.name for p in found if p])


@bp.route("/patients/<int:patient_id>")
@login_required
def show_patient(patient_id):
    patient = Patient.query.get_or_404(patient_id)
    return jsonify(id=patient.id, name=patient.name, doctor=patient.doctor.name)


@bp.route("/appointments/new", methods=["GET", "POST"])
@login_required
def new_appointment():
    if request.method == "POST":
        patient = Patient.query.get_or_404(int(request.form["patient_id"]))
        appointment = Appointment(
            patient_id=patient.id,
            doctor_id=patient.doctor_id,
            starts_at=datetime.fromisoformat(request.form["starts_at"]),
            reason=request.form.get("reason", ""),
        )
        db.session.add(appointment)
        db.session.commit()
        tasks.send_reminder.delay(patient.email, f"See you on {appointment.starts_at:%d %b %H:%M}")
        return redirect(f"/patients/{patient.id}")
    return render_template_string(NEW_APPOINTMENT)


@bp.route("/patients/register", methods=["POST"])
@login_required
def register_patient():
    patient = Patient(name=request.form["name"], email=request.form["email"], doctor_id=int(request.form["doctor_id"]))
    db.session.add(patient)
    db.session.commit()
    return redirect(f"/patients/{patient.id}")
