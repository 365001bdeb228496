"""`flask clinic ...`: create the reporting tables and seed demo data."""

from datetime import datetime, timedelta

import click
from clinic.reports import reports_engine
from flask.cli import AppGroup

from clinic import db
from clinic.models import Appointment, Doctor, Notification, Patient, User
from clinic.reports import metadata

clinic_cli = AppGroup("clinic", help="Clinic maintenance commands.")


@clinic_cli.command("init-reports")
def init_reports() -> None:
    """Create the reporting tables in MariaDB."""
    metadata.create_all(reports_engine)
    click.echo("reporting tables ready")


@clinic_cli.command("seed")
@click.option("--patients", default=20, show_default=True)
def seed(patients: int) -> None:
    """Demo data: 4 doctors, PATIENTS patients with 2 appointments each, users alice and bob."""
    doctors = [Doctor(name=f"Dr. {name}", speciality=spec) for name, spec in
               (("Grey", "general"), ("House", "diagnostics"), ("Quinn", "family"), ("Watson", "surgery"))]
    db.session.add_all(doctors)
    db.session.flush()
    start = datetime(2030, 1, 7, 9, 0)
    for number in range(patients):
        doctor = doctors[number % len(doctors)]
        patient = Patient(name=f"Patient {number:03d}", email=f"patient{number}@clinic.test", doctor_id=doctor.id)
        db.session.add(patient)
        db.session.flush()
        for slot in range(2):
            db.session.add(Appointment(patient_id=patient.id, doctor_id=doctor.id,
                                       starts_at=start + timedelta(days=slot, minutes=15 * number), reason="check-up"))
    for email, name, doctor in (("alice@clinic.test", "Alice", doctors[0]), ("bob@clinic.test", "Bob", doctors[1])):
        user = User(email=email, name=name, doctor_id=doctor.id)
        user.set_password("clinic")
        db.session.add(user)
    db.session.commit()
    click.echo(f"seeded {len(doctors)} doctors, {patients} patients, 2 users")


@clinic_cli.command("add-notification")
@click.argument("appointment_id", type=int)
def add_notification(appointment_id: int) -> None:
    """Queue a reminder row for APPOINTMENT_ID and print its id."""
    notification = Notification(appointment_id=appointment_id)
    db.session.add(notification)
    db.session.commit()
    click.echo(notification.id)
