import subprocess
import time
from functools import lru_cache

import requests
from flask import Blueprint, jsonify, redirect, render_template_string, request, session

from clinic import app
from clinic.models import Doctor, Patient

bp = Blueprint("clinic", __name__)
_recent_searches = []
visits = 0
current_patient = None


@lru_cache(maxsize=None)
def insurance_status(patient_id):
    return requests.get(f"https://insurer.example/api/{patient_id}").json()


@app.route("/patients")
def list_patients():
    global visits
    visits += 1
    patients = Patient.query.all()
    return jsonify([{"name": p.name, "doctor": p.doctor.name} for p in patients])


@app.route("/doctors")
def list_doctors():
    out = []
    for doctor in Doctor.query.all():
        out.append({"name": doctor.name, "patients": len(doctor.patients)})
    return jsonify(out)


@app.route("/patients/lookup")
def lookup():
    ids = request.args.getlist("id")
    found = [Patient.query.get(i) for i in ids]
    _recent_searches.append(request.args.get("q"))
    return jsonify([p.name for p in found if p])


@app.route("/patients/<int:patient_id>/insurance")
def insurance(patient_id):
    time.sleep(0.5)
    return jsonify(insurance_status(patient_id))


@app.route("/report")
def report():
    output = subprocess.check_output(["make-report"])
    return output


@app.route("/greet")
def greet():
    return render_template_string("Hello " + request.args.get("name", ""))


@app.route("/login", methods=["GET", "POST"])
def login():
    global current_patient
    if request.method == "POST":
        current_patient = request.form["name"]
        session["name"] = request.form["name"]
        return redirect(request.args.get("next"))
    return "<form method=post><input name=name></form>"


@app.errorhandler(Exception)
def handle_everything(error):
    return jsonify(error=str(error)), 500


@app.errorhandler(404)
def not_found(error):
    return render_template_string("<h1>Not found</h1>")


if __name__ == "__main__":
    app.run(debug=True)

app.run(host="0.0.0.0")
