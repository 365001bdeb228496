"""Celery bound to the Flask app: every task runs inside an application context (S21)."""

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    prefix = app.config["CLINIC_PREFIX"]
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["REDIS_URL"],
        result_backend=app.config["REDIS_URL"],
        task_default_queue=prefix + "celery",
        task_default_exchange=prefix + "celery",
        task_default_routing_key=prefix + "celery",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_connection_retry_on_startup=True,
        result_expires=24 * 3600,
        task_time_limit=120,
        task_soft_time_limit=100,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": 3600, "global_keyprefix": prefix},
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
