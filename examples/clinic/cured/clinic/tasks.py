import requests
from celery import Celery, Task
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from clinic import create_app, db
from clinic.models import Patient

flask_app = create_app()


class FlaskTask(Task):
    def __call__(self, *args, **kwargs):
        with flask_app.app_context():
            return self.run(*args, **kwargs)


celery = Celery("clinic", broker="redis://redis:6379/0", task_cls=FlaskTask)


@celery.task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
def send_reminder(patient_id: int) -> None:
    patient = db.session.get(Patient, patient_id)
    requests.post("https://sms.example/send", json={"to": patient.email}, timeout=5)


@celery.task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def queue_reminders() -> None:
    for patient_id in db.session.scalars(select(Patient.id).limit(1000)):
        send_reminder.delay(patient_id)
