import logging
import os

import requests
from celery import Celery

from clinic import patients, socketio
from clinic.models import Patient

log = logging.getLogger(__name__)
PREFIX = os.environ.get("CLINIC_PREFIX", "clinic:")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8025")

celery = Celery("clinic", broker=REDIS_URL, backend=REDIS_URL)
celery.conf.task_default_queue = PREFIX + "celery"
celery.conf.task_default_exchange = PREFIX + "celery"
celery.conf.task_default_routing_key = PREFIX + "celery"
celery.conf.broker_transport_options = {"global_keyprefix": PREFIX}


@celery.task
def send_reminder(email, text):
    try:
        response = requests.post(UPSTREAM_URL + "/sms", json={"key": email, "to": email, "text": text})
        response.raise_for_status()
    except Exception:
        log.error("could not send the reminder to %s", email)


@celery.task
def count_patients():
    return Patient.query.count()


@celery.task
def remind_everyone():
    for patient in Patient.query.all():
        send_reminder.delay(patient.email, "Please book your yearly check-up")
    return patients.PAGE_SIZE


@celery.task
def announce(room_message):
    socketio.emit("next_patient", {"message": room_message}, to="waiting-room")
