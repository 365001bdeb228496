from urllib.parse import urlparse

import requests
from cachetools import TTLCache
from flask import Blueprint, jsonify, redirect, render_template_string, request, session, url_for
from sqlalchemy import select

from clinic import cache, db
from clinic.models import Doctor, Patient

bp = Blueprint("clinic", __name__)
_insurance = TTLCache(maxsize=10_000, ttl=300)


def insurance_status(patient_id: int) -> dict:
    if patient_id not in _insurance:
        response = requests.get(f"https://insurer.example/api/{patient_id}", timeout=3)
        _insurance[patient_id] = response.json()
    return _insurance[patient_id]


@bp.route("/patients")
def list_patients():
    page = db.paginate(select(Patient).order_by(Patient.id), per_page=50)
    return jsonify([{"name": p.name, "doctor": p.doctor.name} for p in page.items])


@bp.route("/doctors")
@cache.cached(timeout=60)
def list_doctors():
    doctors = db.session.scalars(select(Doctor).order_by(Doctor.id).limit(100))
    return jsonify([{"name": d.name, "patients": len(d.patients)} for d in doctors])


@bp.route("/patients/lookup")
def lookup():
    ids = request.args.getlist("id", type=int)
    found = db.session.scalars(select(Patient).where(Patient.id.in_(ids))).all()
    return jsonify([p.name for p in found])


@bp.route("/patients/<int:patient_id>/insurance")
def insurance(patient_id: int):
    return jsonify(insurance_status(patient_id))


@bp.route("/greet")
def greet():
    return render_template_string("Hello {{ name }}", name=request.args.get("name", ""))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        session["name"] = request.form["name"]
        target = request.args.get("next", "")
        if urlparse(target).netloc or not target.startswith("/"):
            target = url_for("clinic.list_patients")
        return redirect(target)
    return "<form method=post><input name=name></form>"
