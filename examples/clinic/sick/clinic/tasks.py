import requests
from celery import Celery

from clinic.models import Patient

celery = Celery("clinic", broker="redis://redis:6379/0")


@celery.task
def send_reminders():
    for patient in Patient.query.all():
        requests.post("https://sms.example/send", json={"to": patient.email})


@celery.task(bind=True)
def sync_records(self, patient_id):
    try:
        requests.get(f"https://records.example/{patient_id}", timeout=5)
    except Exception:
        pass
