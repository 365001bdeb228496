"""Notifications sent by Celery: retried with backoff on transient failures (S04)."""

from datetime import datetime

import requests
from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from clinic.extensions import db, socketio
from clinic.models import Appointment, Notification

TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.HTTPError, OperationalError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=1, retry_backoff_max=30, retry_jitter=False, max_retries=5)
def send_reminder(notification_id: int) -> str:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.sent_at is not None:
        return "nothing to send"
    appointment = db.session.get(Appointment, notification.appointment_id)
    notification.attempts += 1
    db.session.commit()
    response = requests.post(
        current_app.config["UPSTREAM_URL"] + "/sms",
        json={"key": f"notification-{notification.id}", "to": appointment.patient.email},
        timeout=(3, 10),
    )
    response.raise_for_status()
    notification.sent_at = datetime.now()
    db.session.commit()
    return "sent"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def count_patients() -> int:
    """A task that only uses the database: it needs the application context FlaskTask gives it."""
    from clinic.models import Patient

    return db.session.query(Patient).count()


@shared_task(ignore_result=True)
def announce(room_message: str) -> None:
    """Tell the waiting room who is next; the message reaches every web worker through Redis (S08)."""
    socketio.emit("next_patient", {"message": room_message}, to="waiting-room")
