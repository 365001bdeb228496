"""Patients and appointments: two queries for the whole list, whatever its length (S12)."""

from flask import Blueprint, jsonify, redirect, render_template_string, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.extensions import db
from clinic.forms import AppointmentForm, PatientForm
from clinic.models import Appointment, Patient

bp = Blueprint("patients", __name__)

NEW_APPOINTMENT = """<!doctype html><form method="post">{{ form.csrf_token }}
<input name="patient_id"><input name="starts_at" type="datetime-local"><input name="reason">
<button>Book</button></form>"""


@bp.route("/patients")
@login_required
def list_patients():
    per_page = min(request.args.get("per_page", 50, type=int), 100)
    query = select(Patient).options(selectinload(Patient.appointments)).order_by(Patient.id)
    page = db.paginate(query, per_page=per_page, count=False)
    return jsonify(
        patients=[
            {"id": p.id, "name": p.name, "appointments": [a.starts_at.isoformat() for a in p.appointments]}
            for p in page.items
        ]
    )


@bp.route("/patients/<int:patient_id>")
@login_required
def show_patient(patient_id: int):
    patient = db.get_or_404(Patient, patient_id)
    return jsonify(id=patient.id, name=patient.name, doctor=patient.doctor.name)


@bp.route("/appointments/new", methods=["GET", "POST"])
@login_required
def new_appointment():
    form = AppointmentForm()
    if form.validate_on_submit():
        patient = db.get_or_404(Patient, form.patient_id.data)
        appointment = Appointment(
            patient_id=patient.id, doctor_id=patient.doctor_id, starts_at=form.starts_at.data, reason=form.reason.data
        )
        db.session.add(appointment)
        db.session.commit()
        return redirect(url_for("patients.show_patient", patient_id=patient.id))
    return render_template_string(NEW_APPOINTMENT, form=form), 400 if request.method == "POST" else 200


@bp.route("/patients/register", methods=["POST"])
@login_required
def register_patient():
    form = PatientForm()
    if not form.validate_on_submit():
        return jsonify(errors=form.errors), 400
    patient = Patient(name=form.name.data, email=form.email.data, doctor_id=form.doctor_id.data)
    db.session.add(patient)
    db.session.commit()
    return redirect(url_for("patients.show_patient", patient_id=patient.id))
