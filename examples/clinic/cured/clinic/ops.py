"""Operational endpoints: health, who am I, the insurer look-up, searches and visit counts."""

import os

import requests
from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import login_required
from redis import Redis
from sqlalchemy import select

from clinic.extensions import cache, db
from clinic.models import Patient

bp = Blueprint("ops", __name__)
#: A constant legend rendered under every result page (about 4 KB).
#: Only the staff network may ask for staff details.
STAFF_NETWORK = "10.20."
LEGEND = "<p>" + "Patients are listed by name; ask the front desk to correct a record. " * 60 + "</p>"


@bp.route("/health")
def health():
    return {"ok": True, "worker": os.getpid()}


@bp.route("/whoami")
def whoami():
    # ProxyFix (x_for=1) already replaced remote_addr with the address the one trusted proxy saw (S24).
    if request.args.get("staff") and not request.remote_addr.startswith(STAFF_NETWORK):
        return jsonify(error="staff network only"), 403
    return jsonify(
        remote_addr=request.remote_addr,
        client_ip=request.remote_addr,
        scheme=request.scheme,
        external_url=url_for("ops.whoami", _external=True),
        worker=os.getpid(),
    )


@bp.route("/insurance/<int:patient_id>")
@login_required
def insurance(patient_id: int):
    """Ask the insurer; a slow insurer costs this request at most 2 s, never a worker (S17)."""
    try:
        response = requests.get(f"{current_app.config['UPSTREAM_URL']}/insurer/{patient_id}", timeout=(1, 2))
        response.raise_for_status()
    except requests.RequestException:
        return jsonify(patient=patient_id, status="unknown", reason="insurer unavailable"), 504
    return jsonify(patient=patient_id, status=response.json().get("status"))


@cache.memoize(timeout=120)
def search_patients(term: str) -> dict:
    """Search results cached in Redis with a timeout: nothing grows in the worker (S11, S16)."""
    rows = db.session.scalars(select(Patient).where(Patient.name.ilike(f"%{term}%")).order_by(Patient.id).limit(20))
    names = [p.name for p in rows]
    items = "".join(f"<li>{name}</li>" for name in names)
    return {"html": f"<h2>Results for {term}</h2><ul>{items}</ul>" + LEGEND, "count": len(names)}


@bp.route("/search")
def search():
    term = request.args.get("q", "")[:100]
    return jsonify(search_patients(term))


@bp.route("/visits")
def visits():
    """Count visits in Redis: atomic across threads, greenlets, workers and hosts (S14)."""
    redis: Redis = current_app.config["SESSION_REDIS"]
    total = redis.incr(current_app.config["CLINIC_PREFIX"] + "visits")
    return {"visits": total}
