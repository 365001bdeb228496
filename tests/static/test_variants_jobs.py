"""Variant matrix for catalogue S04, S06, S21 and S23 (background jobs and contexts).

Rules: FD105 context-pushed-never-popped, FD106 per-request-resource-not-closed, FD208
orm-session-in-job-without-app-context (off by default, selected here), FD209 job-session-never-removed,
FD210 app-created-per-task, FD505 task-without-retry, FD506 task-retries-forever, FD507
task-swallows-exceptions.

Each variant is a small project written from common Celery / RQ / APScheduler / Flask / SQLAlchemy idioms
(not from the corpus): a bad shape must be reported by its rule (a warning or an error, not a note), a
good shape must draw none of these rules.
"""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.findings import Severity
from tests.static.variants import found, xfail_marks

RULES = ["FD105", "FD106", "FD208", "FD209", "FD210", "FD505", "FD506", "FD507"]

#: A Flask-SQLAlchemy 3.x project: a factory, the extension and one model.
EXT = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))
    synced = db.Column(db.Boolean, default=False)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://localhost/app"
    db.init_app(app)
    return app
"""

REQUIREMENTS = "flask==3.0.3\nflask-sqlalchemy==3.1.1\ncelery==5.4.0\nrequests==2.32.3\n"

#: A plain SQLAlchemy scoped session, as many Flask apps set it up without the extension.
DATABASE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker

engine = create_engine("postgresql://localhost/app", pool_size=5)
Session = scoped_session(sessionmaker(bind=engine))
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
Base.query = Session.query_property()
"""


def _files(**extra: str) -> dict[str, str]:
    files = {"ext.py": EXT, "database.py": DATABASE, "requirements.txt": REQUIREMENTS}
    files.update(extra)
    return files


# name, rule, files
BAD: list[tuple[str, str, dict[str, str]]] = [
    # ------------------------------------------------------------------ FD505 task-without-retry
    (
        # a module-level twilio client's resource call is network I/O like requests.post
        "shared-task-twilio-module-client",
        "FD505",
        _files(
            tasks="""
            import os
            from celery import shared_task
            from twilio.rest import Client

            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"])

            @shared_task
            def text_courier(number, address):
                texts.messages.create(to=number, from_="+15550100", body=f"Pick up at {address}")
            """
        ),
    ),
    (
        # loguru's bare @logger.catch returns None after logging (loguru docs, "logger.catch"): the task
        # succeeds whatever happens, so max_retries never comes into play
        "task-wrapped-in-loguru-catch",
        "FD507",
        _files(
            tasks="""
            import requests
            from celery import shared_task
            from loguru import logger

            @shared_task(bind=True, max_retries=5)
            @logger.catch
            def push_invoice(self, url, invoice):
                requests.post(url, json=invoice, timeout=10).raise_for_status()
            """
        ),
    ),
    (
        # the same with the logger handed on by a project module
        "task-wrapped-in-reexported-loguru-catch",
        "FD507",
        _files(
            logs="""
            import sys
            from loguru import logger

            logger.add(sys.stderr, serialize=True)
            """,
            tasks="""
            from celery import shared_task
            from ext import db
            from logs import logger

            @shared_task
            @logger.catch(level="ERROR")
            def close_accounts(ids):
                db.session.execute(db.text("update accounts set closed = true where id = any(:ids)"), {"ids": ids})
                db.session.commit()
            """,
        ),
    ),
    (
        "shared-task-requests-post",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task
            def notify_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "celery-task-smtplib",
        "FD505",
        _files(
            tasks="""
            import smtplib
            from email.message import EmailMessage
            from celery import Celery

            celery = Celery(__name__, broker="redis://localhost")

            @celery.task
            def send_mail(to, subject, body):
                msg = EmailMessage()
                msg["To"], msg["Subject"] = to, subject
                msg.set_content(body)
                with smtplib.SMTP("localhost", 25, timeout=30) as smtp:
                    smtp.send_message(msg)
            """
        ),
    ),
    (
        "app-task-bind-requests-get",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import Celery

            app = Celery("proj")

            @app.task(bind=True)
            def fetch_rates(self, currency):
                rates = requests.get(f"https://rates.example.com/{currency}", timeout=5).json()
                return rates["rate"]
            """
        ),
    ),
    (
        "class-based-task-run",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class PushNotification(Task):
                name = "push.notify"

                def run(self, device, text):
                    requests.post("https://push.example.com/send", json={"to": device, "text": text}, timeout=10)

            app.register_task(PushNotification())
            """
        ),
    ),
    (
        "flask-mail-in-shared-task",
        "FD505",
        _files(
            tasks="""
            from celery import shared_task
            from flask_mail import Mail, Message

            mail = Mail()

            @shared_task
            def send_reset(email, link):
                mail.send(Message("Reset your password", recipients=[email], body=link))
            """
        ),
    ),
    (
        "httpx-in-task",
        "FD505",
        _files(
            tasks="""
            import httpx
            from celery import shared_task

            @shared_task(ignore_result=True)
            def ping_partner(url):
                httpx.post(url, json={"ping": True}, timeout=5.0)
            """
        ),
    ),
    (
        "task-io-through-helper",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            def post_invoice(invoice_id):
                requests.post("https://billing.example.com/invoices", json={"id": invoice_id}, timeout=10)

            @shared_task
            def sync_invoice(invoice_id):
                post_invoice(invoice_id)
            """
        ),
    ),
    (
        "rq-enqueue-requests",
        "FD505",
        _files(
            jobs="""
            import requests

            def send_report(user_id):
                requests.post("https://reports.example.com", json={"user": user_id}, timeout=10)
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import send_report

            bp = Blueprint("reports", __name__)
            queue = Queue(connection=Redis())

            @bp.post("/reports/<int:user_id>")
            def start_report(user_id):
                queue.enqueue(send_report, user_id)
                return "", 202
            """,
        ),
    ),
    (
        "task-db-and-http-without-retry",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task
            from ext import User, db

            @shared_task
            def sync_user(user_id):
                user = db.session.get(User, user_id)
                requests.put(f"https://crm.example.com/users/{user.id}", json={"email": user.email}, timeout=10)
                user.synced = True
                db.session.commit()
            """
        ),
    ),
    # ------------------------------------------------------------------ FD506 task-retries-forever
    (
        "decorator-max-retries-none-autoretry",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=None)
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "decorator-max-retries-none-self-retry",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import Celery

            celery = Celery(__name__)

            @celery.task(bind=True, max_retries=None, default_retry_delay=30)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc)
            """
        ),
    ),
    (
        "class-attribute-max-retries-none",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class DeliveryTask(Task):
                autoretry_for = (requests.RequestException,)
                max_retries = None
                retry_backoff = True

            @app.task(base=DeliveryTask)
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    # ------------------------------------------------------------------ FD507 task-swallows-exceptions
    (
        "except-exception-logger-exception-return",
        "FD507",
        _files(
            tasks="""
            import logging
            import requests
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task
            def import_feed(url):
                try:
                    items = requests.get(url, timeout=10).json()
                    store(items)
                except Exception:
                    logger.exception("feed import failed")
                    return
            """
        ),
    ),
    (
        "except-exception-print",
        "FD507",
        _files(
            tasks="""
            from celery import Celery

            celery = Celery(__name__)

            @celery.task
            def rebuild_index(name):
                try:
                    reindex(name)
                except Exception as e:
                    print(e)
            """
        ),
    ),
    (
        "bind-logger-error-return-none",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import Celery

            logger = logging.getLogger(__name__)
            app = Celery("proj")

            @app.task(bind=True)
            def charge(self, order_id):
                try:
                    capture_payment(order_id)
                except Exception as exc:
                    logger.error("charge %s failed: %s", order_id, exc)
                    return None
                return "ok"
            """
        ),
    ),
    (
        "rq-job-bare-except-pass",
        "FD507",
        _files(
            jobs="""
            def resize_image(path):
                try:
                    make_thumbnail(path)
                except:
                    pass
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import resize_image

            bp = Blueprint("images", __name__)
            q = Queue(connection=Redis())

            @bp.post("/images/<path:path>")
            def upload(path):
                q.enqueue(resize_image, path)
                return "", 202
            """,
        ),
    ),
    (
        "shared-task-except-exception-warning-log",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import shared_task

            log = logging.getLogger("tasks")

            @shared_task(ignore_result=True)
            def send_digest(user_id):
                try:
                    build_and_send_digest(user_id)
                except Exception:
                    log.warning("digest for %s failed", user_id, exc_info=True)
            """
        ),
    ),
    # ------------------------------------------------------------------ FD105 context-pushed-never-popped
    (
        "thread-target-pushes-app-context",
        "FD105",
        _files(
            app="""
            import threading
            from flask import Flask, jsonify
            from ext import User, create_app, db

            app = create_app()

            def recount():
                app.app_context().push()
                db.session.execute(db.text("REFRESH MATERIALIZED VIEW stats"))
                db.session.commit()

            @app.post("/stats/refresh")
            def refresh():
                threading.Thread(target=recount).start()
                return jsonify(started=True)
            """
        ),
    ),
    (
        "helper-pushes-test-request-context",
        "FD105",
        _files(
            app="""
            from flask import Flask, render_template, url_for

            app = Flask(__name__)

            def render_email(template, **context):
                ctx = app.test_request_context()
                ctx.push()
                context["home"] = url_for("index", _external=True)
                return render_template(template, **context)

            @app.get("/")
            def index():
                return "hi"
            """
        ),
    ),
    (
        "thread-worker-loop-pushes",
        "FD105",
        _files(
            app="""
            import threading
            import time
            from ext import create_app, db

            app = create_app()

            def poll_forever():
                while True:
                    ctx = app.app_context()
                    ctx.push()
                    db.session.execute(db.text("DELETE FROM tokens WHERE expires < now()"))
                    db.session.commit()
                    time.sleep(60)

            @app.before_request
            def start_poller():
                threading.Thread(target=poll_forever, daemon=True).start()
            """
        ),
    ),
    (
        "apscheduler-job-pushes",
        "FD105",
        _files(
            app="""
            from apscheduler.schedulers.background import BackgroundScheduler
            from ext import create_app, db

            app = create_app()
            scheduler = BackgroundScheduler()

            def purge_sessions():
                app.app_context().push()
                db.session.execute(db.text("DELETE FROM sessions WHERE expired"))
                db.session.commit()

            scheduler.add_job(purge_sessions, "interval", minutes=10)
            scheduler.start()
            """
        ),
    ),
    # ------------------------------------------------------------------ FD106 per-request-resource-not-closed
    (
        "psycopg2-connect-in-view",
        "FD106",
        _files(
            app="""
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            @app.get("/users")
            def users():
                conn = psycopg2.connect("dbname=app")
                cur = conn.cursor()
                cur.execute("SELECT id, email FROM users")
                return jsonify(cur.fetchall())
            """
        ),
    ),
    (
        "sqlite-on-g-without-teardown",
        "FD106",
        _files(
            app="""
            import sqlite3
            from flask import Flask, g

            app = Flask(__name__)

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("app.db")
                return g.db

            @app.get("/count")
            def count():
                return str(get_db().execute("SELECT count(*) FROM items").fetchone()[0])
            """
        ),
    ),
    (
        "pymysql-connect-in-view",
        "FD106",
        _files(
            app="""
            import pymysql
            from flask import Flask

            app = Flask(__name__)

            @app.get("/health/db")
            def db_health():
                conn = pymysql.connect(host="db", user="app", password="x", database="app")
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                return "ok"
            """
        ),
    ),
    (
        "file-on-g-without-teardown",
        "FD106",
        _files(
            app="""
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def open_audit_log():
                g.audit = open("audit.log", "a")

            @app.post("/things")
            def create_thing():
                g.audit.write("created\\n")
                return "", 201
            """
        ),
    ),
    # ------------------------------------------------------------------ FD209 job-session-never-removed
    (
        # a task class whose ``__call__`` ends the session, but the task neither names it nor runs on it by default
        "call-removing-task-class-not-used",
        "FD209",
        _files(
            tasks="""
            from celery import Celery, Task
            from database import Session

            class SessionTask(Task):
                def __call__(self, *args, **kwargs):
                    try:
                        return super().__call__(*args, **kwargs)
                    finally:
                        Session.remove()

            celery = Celery("tasks")

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                order = Session.query(Order).get(order_id)
                order.paid = True
                Session.commit()
            """
        ),
    ),
    (
        "scoped-session-in-celery-task",
        "FD209",
        _files(
            tasks="""
            from celery import shared_task
            from database import Session

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                order = Session.query(Order).get(order_id)
                order.paid = True
                Session.commit()
            """
        ),
    ),
    (
        "sessionmaker-instance-not-closed-in-task",
        "FD209",
        _files(
            tasks="""
            from celery import shared_task
            from database import SessionLocal

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def archive(order_id):
                session = SessionLocal()
                order = session.get(Order, order_id)
                order.archived = True
                session.commit()
            """
        ),
    ),
    (
        "scoped-session-in-apscheduler-job",
        "FD209",
        _files(
            app="""
            from apscheduler.schedulers.background import BackgroundScheduler
            from database import Session

            scheduler = BackgroundScheduler()

            def expire_tokens():
                Session.execute(text("DELETE FROM tokens WHERE expires < now()"))
                Session.commit()

            scheduler.add_job(expire_tokens, "interval", minutes=5)
            scheduler.start()
            """
        ),
    ),
    (
        "scoped-session-in-thread-from-view",
        "FD209",
        _files(
            app="""
            import threading
            from flask import Flask
            from database import Session

            app = Flask(__name__)

            def rebuild(report_id):
                report = Session.get(Report, report_id)
                report.rows = compute(report)
                Session.commit()

            @app.post("/reports/<int:report_id>/rebuild")
            def start_rebuild(report_id):
                threading.Thread(target=rebuild, args=(report_id,)).start()
                return "", 202
            """
        ),
    ),
    # ------------------------------------------------------------------ FD210 app-created-per-task
    (
        "create-app-inside-shared-task",
        "FD210",
        _files(
            tasks="""
            from celery import shared_task
            from ext import User, create_app, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def deactivate(user_id):
                app = create_app()
                with app.app_context():
                    db.session.delete(db.session.get(User, user_id))
                    db.session.commit()
            """
        ),
    ),
    (
        "create-app-inside-rq-job",
        "FD210",
        _files(
            jobs="""
            from ext import User, create_app, db

            def recount(user_id):
                with create_app().app_context():
                    user = db.session.get(User, user_id)
                    user.synced = False
                    db.session.commit()
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import recount

            bp = Blueprint("users", __name__)
            q = Queue(connection=Redis())

            @bp.post("/users/<int:user_id>/recount")
            def start(user_id):
                q.enqueue(recount, user_id)
                return "", 202
            """,
        ),
    ),
    (
        "create-app-in-task-base-call",
        "FD210",
        _files(
            worker="""
            from celery import Celery, Task
            from ext import User, create_app, db

            class AppTask(Task):
                def __call__(self, *args, **kwargs):
                    with create_app().app_context():
                        return self.run(*args, **kwargs)

            celery = Celery(__name__, task_cls=AppTask)

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def touch(user_id):
                db.session.get(User, user_id).synced = True
                db.session.commit()
            """
        ),
    ),
    # ------------------------------------------------------------------ FD208 orm-session-in-job-without-app-context
    (
        "db-session-in-shared-task-no-context",
        "FD208",
        _files(
            tasks="""
            from celery import shared_task
            from ext import User, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                user = db.session.get(User, user_id)
                user.synced = True
                db.session.commit()
            """
        ),
    ),
    (
        "model-query-in-rq-job-no-context",
        "FD208",
        _files(
            jobs="""
            from ext import User, db

            def forget(email):
                User.query.filter_by(email=email).delete()
                db.session.commit()
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import forget

            bp = Blueprint("gdpr", __name__)
            q = Queue(connection=Redis())

            @bp.post("/forget/<email>")
            def start(email):
                q.enqueue(forget, email)
                return "", 202
            """,
        ),
    ),
    # ------------------------------------------------------------------ harder shapes
    (
        "celery-task-parens-boto3-upload",
        "FD505",
        _files(
            tasks="""
            import boto3
            from celery import Celery

            celery_app = Celery("proj")
            s3 = boto3.client("s3")

            @celery_app.task(name="uploads.push")
            def push_upload(path, key):
                s3.upload_file(path, "uploads", key)
            """
        ),
    ),
    (
        "task-try-finally-only",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task
            def fetch_avatar(url, dest):
                fh = open(dest, "wb")
                try:
                    fh.write(requests.get(url, timeout=10).content)
                finally:
                    fh.close()
            """
        ),
    ),
    (
        "task-except-data-error-only",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task
            def import_profile(url):
                try:
                    data = requests.get(url, timeout=10).json()
                except ValueError:
                    return None
                store(data)
            """
        ),
    ),
    (
        "class-based-task-celery-attr-run",
        "FD505",
        _files(
            tasks="""
            import smtplib
            from celery import Celery

            celery = Celery(__name__)

            class SendMail(celery.Task):
                name = "mail.send"

                def run(self, to, body):
                    with smtplib.SMTP("localhost", timeout=30) as smtp:
                        smtp.sendmail("noreply@example.com", [to], body)

            celery.register_task(SendMail())
            """
        ),
    ),
    (
        "task-annotations-max-retries-none",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import Celery

            celery = Celery(__name__)
            celery.conf.task_annotations = {"*": {"max_retries": None}}

            @celery.task(bind=True)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)
            """
        ),
    ),
    (
        "default-task-class-max-retries-none",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import Celery, Task

            class ForeverTask(Task):
                max_retries = None

            celery = Celery(__name__, task_cls=ForeverTask)

            @celery.task(bind=True)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)
            """
        ),
    ),
    (
        "swallow-inside-app-context",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import shared_task
            from ext import User, create_app, db

            logger = logging.getLogger(__name__)
            flask_app = create_app()

            @shared_task
            def mark_synced(user_id):
                with flask_app.app_context():
                    try:
                        db.session.get(User, user_id).synced = True
                        db.session.commit()
                    except Exception:
                        logger.exception("sync failed")
            """
        ),
    ),
    (
        "swallow-tuple-with-exception",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task
            def rebuild(name):
                try:
                    reindex(name)
                except (KeyError, Exception) as exc:
                    logger.warning("rebuild failed: %s", exc)
            """
        ),
    ),
    (
        "swallow-in-class-based-run",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import Celery, Task

            logger = logging.getLogger(__name__)
            app = Celery("proj")

            class Reindex(Task):
                name = "search.reindex"

                def run(self, name):
                    try:
                        reindex(name)
                    except Exception:
                        logger.exception("reindex failed")

            app.register_task(Reindex())
            """
        ),
    ),
    (
        "test-request-context-pushed-in-task",
        "FD105",
        _files(
            tasks="""
            from celery import shared_task
            from flask import render_template
            from ext import create_app

            flask_app = create_app()

            @shared_task
            def render_digest(user_id):
                flask_app.test_request_context("/").push()
                return render_template("digest.html", user_id=user_id)
            """
        ),
    ),
    (
        "thread-subclass-run-pushes",
        "FD105",
        _files(
            app="""
            import threading
            from ext import create_app, db

            app = create_app()

            class Cleaner(threading.Thread):
                def run(self):
                    app.app_context().push()
                    db.session.execute(db.text("DELETE FROM tokens"))
                    db.session.commit()

            @app.post("/clean")
            def clean():
                Cleaner().start()
                return "", 202
            """
        ),
    ),
    (
        "mongo-client-per-request",
        "FD106",
        _files(
            app="""
            from flask import Flask, jsonify
            from pymongo import MongoClient

            app = Flask(__name__)

            @app.get("/items")
            def items():
                client = MongoClient("mongodb://localhost:27017")
                return jsonify([i["name"] for i in client.shop.items.find()])
            """
        ),
    ),
    (
        "mysql-connector-on-g-without-teardown",
        "FD106",
        _files(
            app="""
            import mysql.connector
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def connect():
                g.conn = mysql.connector.connect(host="db", user="app", database="app")

            @app.get("/n")
            def n():
                cur = g.conn.cursor()
                cur.execute("SELECT 1")
                return str(cur.fetchone()[0])
            """
        ),
    ),
    (
        "helper-returns-connection-view-never-closes",
        "FD106",
        _files(
            app="""
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            def get_conn():
                return psycopg2.connect("dbname=app")

            @app.get("/orders")
            def orders():
                conn = get_conn()
                cur = conn.cursor()
                cur.execute("SELECT id FROM orders")
                return jsonify(cur.fetchall())
            """
        ),
    ),
    (
        "scoped-session-defined-in-task-module-called",
        "FD209",
        _files(
            tasks="""
            from celery import shared_task
            from sqlalchemy import create_engine
            from sqlalchemy.orm import scoped_session, sessionmaker

            engine = create_engine("postgresql://localhost/app")
            Session = scoped_session(sessionmaker(bind=engine))

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                session = Session()
                session.get(Order, order_id).paid = True
                session.commit()
            """
        ),
    ),
    (
        "flask-constructed-inside-task",
        "FD210",
        _files(
            tasks="""
            from celery import shared_task
            from flask import Flask
            from ext import User, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                app = Flask(__name__)
                app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://localhost/app"
                db.init_app(app)
                with app.app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """
        ),
    ),
    (
        "factory-with-other-name-inside-task",
        "FD210",
        _files(
            factory="""
            from flask import Flask
            from ext import db

            def build_app(config="production"):
                app = Flask(__name__)
                app.config.from_object(config)
                db.init_app(app)
                return app
            """,
            tasks="""
            from celery import shared_task
            from factory import build_app
            from ext import User, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                with build_app().app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """,
        ),
    ),
    (
        "flask-apscheduler-job-db-no-context",
        "FD208",
        _files(
            app="""
            from flask_apscheduler import APScheduler
            from ext import User, create_app, db

            scheduler = APScheduler()

            @scheduler.task("interval", id="unsync", minutes=30)
            def unsync():
                User.query.update({User.synced: False})
                db.session.commit()

            app = create_app()
            scheduler.init_app(app)
            scheduler.start()
            """
        ),
    ),
    (
        "thread-from-view-db-session-no-context",
        "FD208",
        _files(
            app="""
            import threading
            from ext import User, create_app, db

            app = create_app()

            def mark_all():
                User.query.update({User.synced: True})
                db.session.commit()

            @app.post("/sync")
            def sync():
                threading.Thread(target=mark_all).start()
                return "", 202
            """
        ),
    ),
    (
        "rq-job-decorator-requests",
        "FD505",
        _files(
            jobs="""
            import requests
            from redis import Redis
            from rq.decorators import job

            redis_conn = Redis()

            @job("default", connection=redis_conn)
            def send_report(user_id):
                requests.post("https://reports.example.com", json={"user": user_id}, timeout=10)
            """
        ),
    ),
    (
        "module-requests-session-in-task",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import Celery

            celery = Celery(__name__)
            http = requests.Session()

            @celery.task(bind=True, ignore_result=True)
            def post_event(self, event):
                http.post("https://events.example.com", json=event, timeout=5)
            """
        ),
    ),
    (
        "rq-enqueue-call-swallows",
        "FD507",
        _files(
            jobs="""
            import logging

            log = logging.getLogger(__name__)

            def rebuild_thumbnails(album_id):
                try:
                    regenerate(album_id)
                except Exception:
                    log.exception("thumbnails for %s failed", album_id)
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import rebuild_thumbnails

            bp = Blueprint("albums", __name__)
            q = Queue(connection=Redis())

            @bp.post("/albums/<int:album_id>/thumbnails")
            def start(album_id):
                q.enqueue_call(func=rebuild_thumbnails, args=(album_id,))
                return "", 202
            """,
        ),
    ),
    (
        "helper-pushes-per-request",
        "FD105",
        _files(
            app="""
            from flask import Flask, render_template

            app = Flask(__name__)

            def render_invoice(invoice_id):
                app.test_request_context("/invoices").push()
                return render_template("invoice.html", invoice_id=invoice_id)

            @app.get("/invoices/<int:invoice_id>/pdf")
            def invoice_pdf(invoice_id):
                return render_invoice(invoice_id)
            """
        ),
    ),
    (
        "flask-docs-db-session-in-celery-task",
        "FD209",
        _files(
            app="""
            from flask import Flask
            from database import Session

            app = Flask(__name__)

            @app.teardown_appcontext
            def shutdown_session(exception=None):
                Session.remove()
            """,
            tasks="""
            from celery import shared_task
            from database import Base, Session

            class Order(Base):
                __tablename__ = "orders"

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def expire_orders():
                for order in Order.query.filter_by(paid=False):
                    order.expired = True
                Session.commit()
            """,
        ),
    ),
    (
        "create-app-in-helper-of-rq-job",
        "FD210",
        _files(
            jobs="""
            from ext import User, create_app, db

            def _with_app(fn, *args):
                app = create_app()
                with app.app_context():
                    return fn(*args)

            def _recount(user_id):
                db.session.get(User, user_id).synced = False
                db.session.commit()

            def recount(user_id):
                return _with_app(_recount, user_id)
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue
            from jobs import recount

            bp = Blueprint("users", __name__)
            q = Queue(connection=Redis())

            @bp.post("/users/<int:user_id>/recount")
            def start(user_id):
                q.enqueue(recount, user_id)
                return "", 202
            """,
        ),
    ),
    (
        "urlopen-in-task",
        "FD505",
        _files(
            tasks="""
            from urllib.request import urlopen
            from celery import shared_task

            @shared_task
            def warm_cache(url):
                with urlopen(url, timeout=10) as resp:
                    resp.read()
            """
        ),
    ),
    (
        "model-query-read-in-task",
        "FD505",
        _files(
            worker="""
            from celery import Celery, Task
            from ext import create_app

            flask_app = create_app()
            celery = Celery(__name__)

            class ContextTask(celery.Task):
                def __call__(self, *args, **kwargs):
                    with flask_app.app_context():
                        return self.run(*args, **kwargs)

            celery.Task = ContextTask
            """,
            tasks="""
            import requests
            from worker import celery
            from ext import User

            @celery.task
            def export_emails(url):
                emails = [u.email for u in User.query.all()]
                requests.post(url, json=emails, timeout=30)
            """,
        ),
    ),
    (
        "self-retry-none-on-forever-task",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(bind=True, max_retries=None)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, max_retries=None, countdown=60)
            """
        ),
    ),
    (
        "swallow-in-helper-the-task-calls",
        "FD507",
        _files(
            tasks="""
            import logging
            from celery import shared_task

            logger = logging.getLogger(__name__)

            def _sync(account_id):
                try:
                    push_account(account_id)
                except Exception:
                    logger.exception("sync of %s failed", account_id)

            @shared_task
            def sync_account(account_id):
                _sync(account_id)
            """
        ),
    ),
    (
        "app-context-pushed-in-task",
        "FD105",
        _files(
            tasks="""
            from celery import shared_task
            from ext import User, create_app, db

            flask_app = create_app()

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                flask_app.app_context().push()
                db.session.get(User, user_id).synced = True
                db.session.commit()
            """
        ),
    ),
    (
        "smtp-in-view-never-quit",
        "FD106",
        _files(
            app="""
            import smtplib
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/contact")
            def contact():
                server = smtplib.SMTP("localhost", 25, timeout=10)
                server.sendmail("web@example.com", ["team@example.com"], request.form["message"])
                return "", 204
            """
        ),
    ),
    (
        "redis-on-g-without-teardown",
        "FD106",
        _files(
            app="""
            import redis
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def connect_cache():
                g.cache = redis.Redis(host="localhost")

            @app.get("/hits")
            def hits():
                return str(g.cache.incr("hits"))
            """
        ),
    ),
    (
        "sessionmaker-in-apscheduler-job-not-closed",
        "FD209",
        _files(
            app="""
            from apscheduler.schedulers.background import BackgroundScheduler
            from database import SessionLocal

            scheduler = BackgroundScheduler()

            def expire_tokens():
                session = SessionLocal()
                session.execute(text("DELETE FROM tokens WHERE expires < now()"))
                session.commit()

            scheduler.add_job(expire_tokens, "interval", minutes=5)
            scheduler.start()
            """
        ),
    ),
    (
        "current-app-context-in-worker-task",
        "FD208",
        _files(
            tasks="""
            from celery import shared_task
            from flask import current_app
            from ext import User, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                with current_app.app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """
        ),
    ),
    (
        "retry-kwargs-none-on-forever-task",
        "FD506",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=None, retry_kwargs={"max_retries": None})
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "max-retries-without-anything-that-retries",
        "FD505",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(max_retries=5, retry_backoff=True)
            def notify_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
]

# name, files
GOOD: list[tuple[str, dict[str, str]]] = [
    (
        # the view hands its connection to a helper of the project that commits and closes it
        "connection-closed-by-helper-it-is-handed-to",
        _files(
            app="""
            import psycopg2
            from flask import Flask

            app = Flask(__name__)

            def release(conn):
                conn.commit()
                conn.close()

            @app.post("/orders/<int:order_id>/paid")
            def mark_paid(order_id):
                conn = psycopg2.connect("dbname=shop")
                conn.cursor().execute("UPDATE orders SET paid = true WHERE id = %s", (order_id,))
                release(conn)
                return "", 204
            """
        ),
    ),
    (
        # beat re-sends every feed not refreshed for an hour: a failed refresh stays stale and is sent again
        "beat-sweep-of-stale-rows-resends",
        _files(
            tasks="""
            from datetime import datetime, timedelta
            from celery import Celery
            from ext import create_app, db

            celery = Celery(__name__)
            flask_app = create_app()

            class Feed(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                url = db.Column(db.String)
                refreshed_at = db.Column(db.DateTime)

            @celery.task
            def refresh_feed(feed_id):
                with flask_app.app_context():
                    feed = db.session.get(Feed, feed_id)
                    feed.refreshed_at = datetime.utcnow()
                    db.session.commit()
                    store_entries(feed, fetch_entries(feed.url))

            @celery.task
            def refresh_stale_feeds():
                cutoff = datetime.utcnow() - timedelta(hours=1)
                with flask_app.app_context():
                    for feed in Feed.query.filter(Feed.refreshed_at < cutoff):
                        refresh_feed.delay(feed.id)

            celery.conf.beat_schedule = {"feeds": {"task": "tasks.refresh_stale_feeds", "schedule": 300}}
            """
        ),
    ),
    (
        # an RQ worker module pushes a context on import: each job runs in a process forked for it alone
        "rq-worker-module-pushes-context",
        _files(
            tasks="""
            from rq import get_current_job
            from ext import User, create_app, db

            app = create_app()
            app.app_context().push()

            def mark_synced(user_id):
                job = get_current_job()
                job.meta["user"] = user_id
                job.save_meta()
                db.session.get(User, user_id).synced = True
                db.session.commit()
            """
        ),
    ),
    (
        # loguru's catch that re-raises logs and lets Celery see the failure and retry
        "task-wrapped-in-loguru-catch-reraise",
        _files(
            tasks="""
            import requests
            from celery import shared_task
            from loguru import logger

            @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
            @logger.catch(reraise=True)
            def push_invoice(url, invoice):
                requests.post(url, json=invoice, timeout=10).raise_for_status()
            """
        ),
    ),
    (
        "autoretry-for-with-backoff",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
            def notify_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "self-retry-in-except",
        _files(
            tasks="""
            import requests
            from celery import Celery

            celery = Celery(__name__)

            @celery.task(bind=True, max_retries=5, default_retry_delay=60)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc)
            """
        ),
    ),
    (
        "self-retry-max-retries-none-falls-back-to-default",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(bind=True)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=30, max_retries=None)
            """
        ),
    ),
    (
        "retry-kwargs-max-retries-none-falls-back-to-default",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), retry_kwargs={"max_retries": None})
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "base-class-with-retry-policy",
        _files(
            tasks="""
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class RetryingTask(Task):
                autoretry_for = (requests.RequestException,)
                max_retries = 5
                retry_backoff = True

            @app.task(base=RetryingTask)
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "log-and-reraise",
        _files(
            tasks="""
            import logging
            import requests
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=3)
            def import_feed(url):
                try:
                    store(requests.get(url, timeout=10).json())
                except Exception:
                    logger.exception("feed import failed")
                    raise
            """
        ),
    ),
    (
        "log-and-continue-per-item",
        _files(
            tasks="""
            import logging
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task
            def notify_all(user_ids):
                for uid in user_ids:
                    try:
                        notify(uid)
                    except Exception:
                        logger.exception("notify %s failed", uid)
            """
        ),
    ),
    (
        "task-without-io",
        _files(
            tasks="""
            from celery import shared_task

            @shared_task
            def add(x, y):
                return x + y
            """
        ),
    ),
    (
        "with-app-context-in-thread",
        _files(
            app="""
            import threading
            from flask import jsonify
            from ext import create_app, db

            app = create_app()

            def recount():
                with app.app_context():
                    db.session.execute(db.text("REFRESH MATERIALIZED VIEW stats"))
                    db.session.commit()

            @app.post("/stats/refresh")
            def refresh():
                threading.Thread(target=recount).start()
                return jsonify(started=True)
            """
        ),
    ),
    (
        "push-with-finally-pop",
        _files(
            app="""
            from flask import Flask, render_template, url_for

            app = Flask(__name__)

            def render_email(template, **context):
                ctx = app.test_request_context()
                ctx.push()
                try:
                    context["home"] = url_for("index", _external=True)
                    return render_template(template, **context)
                finally:
                    ctx.pop()

            @app.get("/")
            def index():
                return "hi"
            """
        ),
    ),
    (
        "task-postrun-removes-session",
        _files(
            tasks="""
            from celery import shared_task
            from celery.signals import task_postrun
            from database import Session

            @task_postrun.connect
            def close_session(*args, **kwargs):
                Session.remove()

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                order = Session.query(Order).get(order_id)
                order.paid = True
                Session.commit()
            """
        ),
    ),
    (
        # the Celery app's default task class wraps every run and ends the session in ``finally``
        "default-task-class-call-removes-session",
        _files(
            tasks="""
            from celery import Celery, Task
            from database import Session

            class SessionTask(Task):
                def __call__(self, *args, **kwargs):
                    try:
                        return super().__call__(*args, **kwargs)
                    finally:
                        Session.remove()

            celery = Celery("tasks", task_cls=SessionTask)

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                order = Session.query(Order).get(order_id)
                order.paid = True
                Session.commit()
            """
        ),
    ),
    (
        "try-finally-session-remove",
        _files(
            tasks="""
            from celery import shared_task
            from database import Session

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                try:
                    order = Session.query(Order).get(order_id)
                    order.paid = True
                    Session.commit()
                finally:
                    Session.remove()
            """
        ),
    ),
    (
        "with-session-block",
        _files(
            tasks="""
            from celery import shared_task
            from database import SessionLocal

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def archive(order_id):
                with SessionLocal() as session:
                    order = session.get(Order, order_id)
                    order.archived = True
                    session.commit()
            """
        ),
    ),
    (
        "teardown-appcontext-closes-g-db",
        _files(
            app="""
            import sqlite3
            from flask import Flask, g

            app = Flask(__name__)

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("app.db")
                return g.db

            @app.teardown_appcontext
            def close_db(exc):
                db = g.pop("db", None)
                if db is not None:
                    db.close()

            @app.get("/count")
            def count():
                return str(get_db().execute("SELECT count(*) FROM items").fetchone()[0])
            """
        ),
    ),
    (
        "connect-closed-in-finally",
        _files(
            app="""
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            @app.get("/users")
            def users():
                conn = psycopg2.connect("dbname=app")
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT id, email FROM users")
                        return jsonify(cur.fetchall())
                finally:
                    conn.close()
            """
        ),
    ),
    (
        "redis-client-at-import",
        _files(
            app="""
            import redis
            from flask import Flask

            app = Flask(__name__)
            cache = redis.Redis(host="localhost")

            @app.get("/hits")
            def hits():
                return str(cache.incr("hits"))
            """
        ),
    ),
    (
        "celery-init-app-context-task",
        _files(
            worker="""
            from celery import Celery, Task
            from flask import Flask

            def celery_init_app(app: Flask) -> Celery:
                class FlaskTask(Task):
                    def __call__(self, *args, **kwargs):
                        with app.app_context():
                            return self.run(*args, **kwargs)

                celery_app = Celery(app.name, task_cls=FlaskTask)
                celery_app.config_from_object(app.config["CELERY"])
                celery_app.set_default()
                app.extensions["celery"] = celery_app
                return celery_app
            """,
            wsgi="""
            from ext import create_app
            from worker import celery_init_app

            flask_app = create_app()
            celery_app = celery_init_app(flask_app)
            """,
            tasks="""
            from celery import shared_task
            from ext import User, db

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                db.session.get(User, user_id).synced = True
                db.session.commit()
            """,
        ),
    ),
    (
        "worker-level-app-context-per-task",
        _files(
            worker="""
            from celery import Celery
            from ext import User, create_app, db

            flask_app = create_app()
            celery = Celery(__name__)

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                with flask_app.app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """
        ),
    ),
    (
        "context-task-base-class-legacy",
        _files(
            worker="""
            from celery import Celery
            from ext import User, create_app, db

            flask_app = create_app()
            celery = Celery(flask_app.import_name)

            class ContextTask(celery.Task):
                def __call__(self, *args, **kwargs):
                    with flask_app.app_context():
                        return self.run(*args, **kwargs)

            celery.Task = ContextTask

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                db.session.get(User, user_id).synced = True
                db.session.commit()
            """
        ),
    ),
    (
        "except-exception-records-failure",
        _files(
            tasks="""
            from celery import shared_task

            @shared_task
            def export(job_id):
                try:
                    run_export(job_id)
                except Exception as exc:
                    mark_failed(job_id, str(exc))
            """
        ),
    ),
    (
        "except-exception-self-retry-bounded",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(bind=True, max_retries=4)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except Exception as exc:
                    raise self.retry(exc=exc, countdown=2 ** self.request.retries)
            """
        ),
    ),
    (
        "periodic-beat-task",
        _files(
            tasks="""
            import requests
            from celery import Celery

            celery = Celery(__name__)

            @celery.task
            def refresh_rates():
                requests.get("https://rates.example.com/all", timeout=10)

            celery.conf.beat_schedule = {"rates": {"task": "tasks.refresh_rates", "schedule": 3600}}
            """
        ),
    ),
    (
        "rq-job-with-retry",
        _files(
            jobs="""
            import requests

            def send_report(user_id):
                requests.post("https://reports.example.com", json={"user": user_id}, timeout=10)
            """,
            views="""
            from flask import Blueprint
            from redis import Redis
            from rq import Queue, Retry
            from jobs import send_report

            bp = Blueprint("reports", __name__)
            queue = Queue(connection=Redis())

            @bp.post("/reports/<int:user_id>")
            def start_report(user_id):
                queue.enqueue(send_report, user_id, retry=Retry(max=3, interval=[10, 30, 60]))
                return "", 202
            """,
        ),
    ),
    (
        "apscheduler-job-with-app-context",
        _files(
            app="""
            from apscheduler.schedulers.background import BackgroundScheduler
            from ext import create_app, db

            app = create_app()
            scheduler = BackgroundScheduler()

            def purge_sessions():
                with app.app_context():
                    db.session.execute(db.text("DELETE FROM sessions WHERE expired"))
                    db.session.commit()

            scheduler.add_job(purge_sessions, "interval", minutes=10)
            scheduler.start()
            """
        ),
    ),
    (
        "scoped-session-thread-removes-in-finally",
        _files(
            app="""
            import threading
            from flask import Flask
            from database import Session

            app = Flask(__name__)

            def rebuild(report_id):
                try:
                    report = Session.get(Report, report_id)
                    report.rows = compute(report)
                    Session.commit()
                finally:
                    Session.remove()

            @app.post("/reports/<int:report_id>/rebuild")
            def start_rebuild(report_id):
                threading.Thread(target=rebuild, args=(report_id,)).start()
                return "", 202
            """
        ),
    ),
    (
        "factory-app-in-worker-process-init",
        _files(
            worker="""
            from celery import Celery
            from celery.signals import worker_process_init
            from ext import User, create_app, db

            celery = Celery(__name__)
            flask_app = None

            @worker_process_init.connect
            def init_worker(**kwargs):
                global flask_app
                flask_app = create_app()

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                with flask_app.app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """
        ),
    ),
    (
        "cli-command-with-app-context",
        _files(
            manage="""
            import click
            from ext import User, create_app, db

            @click.command()
            def seed():
                app = create_app()
                with app.app_context():
                    db.session.add(User(email="admin@example.com"))
                    db.session.commit()

            if __name__ == "__main__":
                seed()
            """
        ),
    ),
    (
        "max-retries-none-without-any-retry",
        _files(
            tasks="""
            from celery import shared_task

            @shared_task(max_retries=None)
            def add(x, y):
                return x + y
            """
        ),
    ),
    (
        "max-retries-none-but-retry-call-bounded",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(bind=True, max_retries=None)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=30, max_retries=5)
            """
        ),
    ),
    (
        "reject-after-logging",
        _files(
            tasks="""
            import logging
            from celery import shared_task
            from celery.exceptions import Reject

            logger = logging.getLogger(__name__)

            @shared_task(bind=True, acks_late=True)
            def process(self, payload):
                try:
                    handle(payload)
                except Exception as exc:
                    logger.exception("cannot process")
                    raise Reject(exc, requeue=False)
            """
        ),
    ),
    (
        "update-state-failure-then-ignore",
        _files(
            tasks="""
            from celery import shared_task, states
            from celery.exceptions import Ignore

            @shared_task(bind=True)
            def convert(self, path):
                try:
                    run_converter(path)
                except Exception as exc:
                    self.update_state(state=states.FAILURE, meta={"exc_type": type(exc).__name__, "exc_message": str(exc)})
                    raise Ignore()
            """
        ),
    ),
    (
        "database-task-after-return-removes",
        _files(
            tasks="""
            from celery import Celery, Task
            from database import Session

            celery = Celery(__name__)

            class DatabaseTask(Task):
                abstract = True

                def after_return(self, *args, **kwargs):
                    Session.remove()

            @celery.task(base=DatabaseTask, autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                Session.get(Order, order_id).paid = True
                Session.commit()
            """
        ),
    ),
    (
        "sessionmaker-begin-block",
        _files(
            tasks="""
            from celery import shared_task
            from database import SessionLocal

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def archive(order_id):
                with SessionLocal.begin() as session:
                    session.get(Order, order_id).archived = True
            """
        ),
    ),
    (
        "closing-connection",
        _files(
            app="""
            from contextlib import closing
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            def get_conn():
                return psycopg2.connect("dbname=app")

            @app.get("/orders")
            def orders():
                with closing(get_conn()) as conn:
                    cur = conn.cursor()
                    cur.execute("SELECT id FROM orders")
                    return jsonify(cur.fetchall())
            """
        ),
    ),
    (
        "teardown-request-closes-g-conn",
        _files(
            app="""
            import mysql.connector
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def connect():
                g.conn = mysql.connector.connect(host="db", user="app", database="app")

            @app.teardown_request
            def disconnect(exc):
                conn = g.pop("conn", None)
                if conn is not None:
                    conn.close()

            @app.get("/n")
            def n():
                cur = g.conn.cursor()
                cur.execute("SELECT 1")
                return str(cur.fetchone()[0])
            """
        ),
    ),
    (
        "copy-current-request-context-thread",
        _files(
            app="""
            import threading
            from flask import copy_current_request_context
            from ext import User, create_app, db

            app = create_app()

            @app.post("/sync")
            def sync():
                @copy_current_request_context
                def mark_all():
                    User.query.update({User.synced: True})
                    db.session.commit()

                threading.Thread(target=mark_all).start()
                return "", 202
            """
        ),
    ),
    (
        "flask-apscheduler-job-with-context",
        _files(
            app="""
            from flask_apscheduler import APScheduler
            from ext import User, create_app, db

            scheduler = APScheduler()

            @scheduler.task("interval", id="unsync", minutes=30)
            def unsync():
                with scheduler.app.app_context():
                    User.query.update({User.synced: False})
                    db.session.commit()

            app = create_app()
            scheduler.init_app(app)
            scheduler.start()
            """
        ),
    ),
    (
        "unittest-setup-teardown-context",
        _files(
            **{
                "tests/test_users.py": """
            import unittest
            from ext import create_app, db

            class UsersTest(unittest.TestCase):
                def setUp(self):
                    self.app = create_app()
                    self.ctx = self.app.app_context()
                    self.ctx.push()
                    db.create_all()

                def tearDown(self):
                    db.drop_all()
                    self.ctx.pop()

                def test_nothing(self):
                    self.assertTrue(True)
            """
            }
        ),
    ),
    (
        "class-based-task-with-autoretry",
        _files(
            tasks="""
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class PushNotification(Task):
                name = "push.notify"
                autoretry_for = (requests.RequestException,)
                retry_backoff = True
                max_retries = 5

                def run(self, device, text):
                    requests.post("https://push.example.com/send", json={"to": device, "text": text}, timeout=10)

            app.register_task(PushNotification())
            """
        ),
    ),
    (
        "scoped-session-local-removed-in-finally",
        _files(
            tasks="""
            from celery import shared_task
            from database import Session

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                session = Session()
                try:
                    session.get(Order, order_id).paid = True
                    session.commit()
                finally:
                    Session.remove()
            """
        ),
    ),
    (
        "helper-connection-closed-by-caller",
        _files(
            app="""
            import psycopg2
            from flask import Flask, jsonify

            app = Flask(__name__)

            def get_conn():
                return psycopg2.connect("dbname=app")

            @app.get("/orders")
            def orders():
                conn = get_conn()
                try:
                    cur = conn.cursor()
                    cur.execute("SELECT id FROM orders")
                    return jsonify(cur.fetchall())
                finally:
                    conn.close()
            """
        ),
    ),
    (
        "rq-job-decorator-with-retry",
        _files(
            jobs="""
            import requests
            from redis import Redis
            from rq import Retry
            from rq.decorators import job

            redis_conn = Redis()

            @job("default", connection=redis_conn, retry=Retry(max=3, interval=[10, 30, 60]))
            def send_report(user_id):
                requests.post("https://reports.example.com", json={"user": user_id}, timeout=10)
            """
        ),
    ),
    (
        "pytest-fixture-push-yield-pop",
        _files(
            **{
                "tests/conftest.py": """
            import pytest
            from ext import create_app

            @pytest.fixture
            def app():
                app = create_app()
                ctx = app.app_context()
                ctx.push()
                yield app
                ctx.pop()
            """
            }
        ),
    ),
    (
        "flask-docs-db-session-task-in-app-context",
        _files(
            app="""
            from flask import Flask
            from database import Session

            app = Flask(__name__)

            @app.teardown_appcontext
            def shutdown_session(exception=None):
                Session.remove()
            """,
            tasks="""
            from celery import shared_task
            from app import app
            from database import Base, Session

            class Order(Base):
                __tablename__ = "orders"

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def expire_orders():
                with app.app_context():
                    for order in Order.query.filter_by(paid=False):
                        order.expired = True
                    Session.commit()
            """,
        ),
    ),
    (
        "class-based-run-logs-and-reraises",
        _files(
            tasks="""
            import logging
            from celery import Celery, Task

            logger = logging.getLogger(__name__)
            app = Celery("proj")

            class Reindex(Task):
                name = "search.reindex"
                autoretry_for = (ConnectionError,)
                max_retries = 5

                def run(self, name):
                    try:
                        reindex(name)
                    except Exception:
                        logger.exception("reindex failed")
                        raise

            app.register_task(Reindex())
            """
        ),
    ),
    (
        "retry-after-logging-warning",
        _files(
            tasks="""
            import logging
            import requests
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task(bind=True, max_retries=5)
            def deliver(self, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    logger.warning("delivery failed, retrying: %s", exc)
                    raise self.retry(exc=exc, countdown=60)
            """
        ),
    ),
    (
        "with-test-request-context-helper",
        _files(
            app="""
            from flask import Flask, render_template, url_for

            app = Flask(__name__)

            def render_email(template, **context):
                with app.test_request_context():
                    context["home"] = url_for("index", _external=True)
                    return render_template(template, **context)

            @app.get("/")
            def index():
                return "hi"
            """
        ),
    ),
    (
        "redis-on-g-closed-in-teardown",
        _files(
            app="""
            import redis
            from flask import Flask, g

            app = Flask(__name__)

            @app.before_request
            def connect_cache():
                g.cache = redis.Redis(host="localhost")

            @app.teardown_appcontext
            def close_cache(exc):
                cache = g.pop("cache", None)
                if cache is not None:
                    cache.close()

            @app.get("/hits")
            def hits():
                return str(g.cache.incr("hits"))
            """
        ),
    ),
    (
        "smtp-with-block",
        _files(
            app="""
            import smtplib
            from flask import Flask, request

            app = Flask(__name__)

            @app.post("/contact")
            def contact():
                with smtplib.SMTP("localhost", 25, timeout=10) as server:
                    server.sendmail("web@example.com", ["team@example.com"], request.form["message"])
                return "", 204
            """
        ),
    ),
    (
        "sessionmaker-with-in-apscheduler-job",
        _files(
            app="""
            from apscheduler.schedulers.background import BackgroundScheduler
            from database import SessionLocal

            scheduler = BackgroundScheduler()

            def expire_tokens():
                with SessionLocal() as session:
                    session.execute(text("DELETE FROM tokens WHERE expires < now()"))
                    session.commit()

            scheduler.add_job(expire_tokens, "interval", minutes=5)
            scheduler.start()
            """
        ),
    ),
    (
        "task-only-fans-out",
        _files(
            tasks="""
            from celery import shared_task

            @shared_task
            def notify(user_id):
                return user_id

            @shared_task(ignore_result=True)
            def notify_all(user_ids):
                for uid in user_ids:
                    notify.delay(uid)
            """
        ),
    ),
    (
        "factory-memoised-with-lru-cache",
        _files(
            worker="""
            from functools import lru_cache
            from celery import Celery
            from ext import User, create_app, db

            celery = Celery(__name__)

            @lru_cache(maxsize=1)
            def flask_app():
                return create_app()

            @celery.task(autoretry_for=(Exception,), max_retries=3)
            def mark_synced(user_id):
                with flask_app().app_context():
                    db.session.get(User, user_id).synced = True
                    db.session.commit()
            """
        ),
    ),
    (
        "forever-task-bounded-by-retry-kwargs",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), max_retries=None, retry_kwargs={"max_retries": 10})
            def deliver(url, payload):
                requests.post(url, json=payload, timeout=10)
            """
        ),
    ),
    (
        "wrap-and-raise",
        _files(
            tasks="""
            from celery import shared_task

            class ExportFailed(Exception):
                pass

            @shared_task(autoretry_for=(ConnectionError,), max_retries=3)
            def export(job_id):
                try:
                    run_export(job_id)
                except Exception as exc:
                    raise ExportFailed(job_id) from exc
            """
        ),
    ),
    (
        "with-scoped-session-call",
        _files(
            tasks="""
            from celery import shared_task
            from database import Session

            @shared_task(autoretry_for=(Exception,), max_retries=3)
            def mark_paid(order_id):
                with Session() as session:
                    session.get(Order, order_id).paid = True
                    session.commit()
            """
        ),
    ),
    (
        "max-retries-with-bound-task-handed-to-helper",
        _files(
            tasks="""
            import requests
            from celery import shared_task

            def deliver_or_retry(task, url, payload):
                try:
                    requests.post(url, json=payload, timeout=10)
                except requests.RequestException as exc:
                    raise task.retry(exc=exc)

            @shared_task(bind=True, max_retries=5)
            def notify_webhook(self, url, payload):
                deliver_or_retry(self, url, payload)
            """
        ),
    ),
]


def _project(files: dict[str, str]) -> dict[str, str]:
    sources = {}
    for name, text in files.items():
        path = name if "." in name else f"{name}.py"
        sources[path] = textwrap.dedent(text).lstrip("\n")
    return sources


def _found(files: dict[str, str]) -> list:
    return found(_project(files), RULES)


#: Variants the rules do not get right yet, with the reason.
XFAIL: dict[str, str] = {}


def _mark(name: str):
    return xfail_marks(XFAIL, name)


@pytest.mark.parametrize(
    "rule, files",
    [pytest.param(rule, files, id=name, marks=_mark(name)) for name, rule, files in BAD],
)
def test_bad_variant_is_reported(rule, files):
    found = _found(files)
    assert any(f.code == rule and f.severity >= Severity.WARNING for f in found), [
        (f.code, f.severity.name, f.message) for f in found
    ]


@pytest.mark.parametrize(
    "files",
    [pytest.param(files, id=name, marks=_mark(name)) for name, files in GOOD],
)
def test_good_variant_is_silent(files):
    found = _found(files)
    assert found == [], [(f.code, str(f.location), f.message) for f in found]
