"""FD505 task-without-retry: Task does network/database I/O with no retry policy and no error handling."""

from __future__ import annotations

from collections.abc import Callable

from flask_doctor.findings import Evidence, Finding, Severity
from flask_doctor.static.facts.jobs.outcomes import loguru_catch, polled_results
from flask_doctor.static.facts.jobs.retries import (
    RETRY_OPTIONS,
    app_wide_retry_policy,
    cache_fill,
    class_retry_policy,
    retry_calls,
    started_by_schedule,
    sweeps,
    takes_no_input,
    task_base_policy,
    tuning_without_retry,
)
from flask_doctor.static.facts.jobs.tasks import (
    celery_tasks,
    decorator_location,
    enqueue_sites,
    has_try,
    helper_handles_errors,
    only_run_inline,
    status_error_caught,
    task_class,
    task_io,
)
from flask_doctor.static.model import (
    Project,
)
from flask_doctor.static.rules.base import FixExample, Invalid, Rule, Valid, node_location


# ------------------------------------------------------------------ FD505
class TaskWithoutRetry(Rule):
    """
    ## What it does
    Finds Celery tasks (decorated functions, and `run` of a class-based
    `Task` subclass) and RQ jobs that do network or database I/O (HTTP
    with `requests`/`httpx`, SMTP and Flask-Mail, boto3, Redis, a search
    cluster through OpenSearch/Elasticsearch or Invenio's `RecordIndexer`,
    twilio and sendgrid clients, `db.session`, `Model.query`, directly or in
    a helper they call) with no retry policy (`autoretry_for`, `self.retry`,
    RQ `retry=Retry(...)`) and no error handling at all (loguru's
    `@logger.catch` on the task swallows every error: FD507 reports that).

    ## Why is this bad?
    Networks and databases fail briefly all the time: a DNS hiccup, a
    connection reset, a failover. Without a retry the first such blip marks
    the task `FAILURE` and the work — the e-mail, the webhook, the payment
    sync — is simply lost; somebody has to notice the traceback in the
    worker log and re-queue it by hand. Not reported: tasks with
    `autoretry_for`/`self.retry` (or a class-based task whose class sets
    `autoretry_for`; `max_retries`, `retry_backoff` or `retry_kwargs` alone
    retry nothing and do not count, unless the bound task is handed to a
    helper that may call its `retry()`), tasks that handle errors themselves
    (a `try` whose `except` can catch an I/O failure: not `try`/`finally`,
    not an `except` of data errors only or of a lock another run holds,
    `except AlreadyLocked:`, nor a `try` in such an `except`'s recovery
    code), tasks whose `base=` class (or the app's `task_cls`
    / `task_annotations`, or a `task_failure` signal handler) sets the
    policy, periodic tasks (the next beat run repeats the work), tasks
    that hand their work to a helper which catches the failure (and marks
    it; also when that helper first claims the item and then hands the
    work to a function whose `except` records the failure instead of
    raising it), and tasks without I/O. Also not reported, because the
    work is sent again until it succeeds: a task without parameters that
    only a periodic task starts (a link of the `chain(fetch.si(),
    notify.si())` a beat task launches every 15 minutes: it reads its work
    from stored state, so the next tick redoes what a failed run left, as
    for the beat task itself); a task a periodic task sends for every row
    a query selects (`for job in Job.query.filter_by(marked=True):
    purge.delay(job.id)`: the row keeps its state until the task succeeds,
    whoever sent it first), unless the query picks rows by time (a row
    out of the window is not sent again; a filter that keeps the rows older
    than a cutoff, `Feed.refreshed_at < utcnow() - timedelta(hours=1)`, is
    no window: a row the task failed on stays older and is sent again); a task that only fills a cached
    attribute, sent by the reader that returns the attribute when it is
    set (`if self.fullpath: return self.fullpath`, else
    `cache_path.delay(self.id)`): the next read sends it again. A task a
    request starts and returns the id of for the page to poll is a note:
    the user sees the failure and can start it again. So is a task with
    parameters that only a periodic task starts: the next tick runs it
    again, but with what the tick picks then, so whether that loses
    nothing only its author can tell. Nor is a task the project only ever
    calls as a plain function (`send_reset(data)` in a view, never
    `.delay()`, `.apply_async()`, a signature or its name in a string):
    it runs in its caller, whose request or task sees the failure, and a
    retry policy would never apply (`Task.retry` re-raises when the task
    was called directly).

    ## Example
    ```python
    @shared_task
    def send_welcome(user_id):
        user = db.session.get(User, user_id)
        requests.post(WEBHOOK_URL, json={"email": user.email}, timeout=10)
    ```

    ## Use instead
    ```python
    @shared_task(
        autoretry_for=(requests.RequestException,),
        retry_backoff=True,
        max_retries=5,
    )
    def send_welcome(user_id):
        user = db.session.get(User, user_id)
        requests.post(WEBHOOK_URL, json={"email": user.email}, timeout=10)
    ```

    ## Fix safety
    No automatic fix: retrying is only safe when the task is idempotent.

    ## References
    - Celery docs, Tasks: "Retrying" and "Automatic retry for known exceptions"
    - RQ docs, Jobs: "Retrying failed jobs" (`Retry(max=3, interval=[10, 30, 60])`)
    """

    code = "FD505"
    name = "task-without-retry"
    severity = Severity.WARNING
    catalog = ("S04",)
    summary = "Task does network/database I/O with no retry policy and no error handling."
    fix_safety = "unsafe"
    FIX_EXAMPLE = FixExample(
        before="""
            import requests
            from celery import shared_task

            @shared_task
            def send_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """,
        after="""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
            def send_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """,
    )

    VALID = (
        Valid("""
            import requests
            from celery import shared_task

            @shared_task(autoretry_for=(requests.RequestException,), retry_backoff=True, max_retries=5)
            def send_welcome(url):
                requests.post(url, json={}, timeout=10)

            @shared_task(bind=True)
            def sync(self, url):
                try:
                    requests.get(url, timeout=10)
                except requests.RequestException as exc:
                    raise self.retry(exc=exc, countdown=60)

            @shared_task
            def add(x, y):
                return x + y
            """),
        Valid("""
            import requests
            from celery import Celery, Task

            class RetryingTask(Task):
                autoretry_for = (Exception,)
                max_retries = 5
                retry_backoff = True

            celery = Celery(__name__)

            @celery.task(base=RetryingTask)
            def ping(url):
                requests.get(url, timeout=5)

            @celery.task
            def nightly_report():
                requests.post("https://example.com/report", timeout=5)

            celery.conf.beat_schedule = {"nightly": {"task": "tasks.nightly_report", "schedule": 86400}}
            """),
    )
    VALID = VALID + (
        # the lock only guards the run; the mail's own failure is caught and recorded for a resend
        Valid("""
            import smtplib
            from celery import Celery
            from lockfile import AlreadyLocked, LockFile
            celery = Celery(__name__)

            @celery.task(ignore_result=True)
            def send_completion_mail(job_id, to, message):
                try:
                    with LockFile(f"/tmp/job-{job_id}"):
                        try:
                            smtplib.SMTP("localhost", timeout=30).sendmail("farm@localhost", to, message)
                        except (smtplib.SMTPException, OSError):
                            mark_unsent(job_id)
                except AlreadyLocked:
                    return
            """),
        # the export helper catches any failure, marks the request failed and tells the user
        Valid("""
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def build_export(request_id):
                export = db.session.get(Export, request_id)
                try:
                    export.data = collect(export)
                except Exception:
                    export.state = "failed"
                    notify_failure(export)
                db.session.commit()

            @shared_task
            def run_export(request_id):
                build_export(request_id)
            """),
        # beat starts a chain every 15 minutes; the links take nothing from it and read their work from
        # the database (a cursor, the entries not sent yet), so the next tick redoes what a failed run left
        Valid("""
            from datetime import timedelta
            import requests
            from celery import Celery, chain
            from flask_sqlalchemy import SQLAlchemy
            celery = Celery(__name__)
            db = SQLAlchemy()

            @celery.task(name="FETCH_ENTRIES")
            def fetch_entries():
                cursor = db.session.get(Cursor, 1)
                for entry in requests.get(FEED_URL, params={"after": cursor.value}, timeout=30).json():
                    db.session.add(Entry(**entry))
                    cursor.value = entry["id"]
                db.session.commit()

            @celery.task(name="SEND_DIGESTS")
            def send_digests():
                for entry in Entry.query.filter_by(sent=False):
                    mail_digest(entry)
                    entry.sent = True
                db.session.commit()

            @celery.task(name="SYNC_FEEDS")
            def sync_feeds():
                chain(fetch_entries.si(), send_digests.si()).apply_async()

            celery.conf.beat_schedule = {"sync": {"task": "SYNC_FEEDS", "schedule": timedelta(minutes=15)}}
            """),
        # a view marks the upload and sends the purge; a beat sweep sends it again for every upload still marked
        Valid("""
            import boto3
            from celery import Celery
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            celery = Celery(__name__)
            db = SQLAlchemy(app)
            s3 = boto3.client("s3")

            class Upload(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                key = db.Column(db.String(200))
                marked = db.Column(db.Boolean, default=False)

            @celery.task
            def purge_upload(upload_id):
                upload = db.session.get(Upload, upload_id)
                s3.delete_object(Bucket="uploads", Key=upload.key)
                db.session.delete(upload)
                db.session.commit()

            @celery.task
            def purge_marked():
                for upload in Upload.query.filter_by(marked=True):
                    purge_upload.delay(upload.id)

            @app.delete("/uploads/<int:upload_id>")
            def delete_upload(upload_id):
                db.session.get(Upload, upload_id).marked = True
                db.session.commit()
                purge_upload.delay(upload_id)
                return "", 202

            celery.conf.beat_schedule = {"purge": {"task": "tasks.purge_marked", "schedule": 300}}
            """),
        # the reader computes the size itself while the cached column is empty and sends the task to fill it:
        # when the task fails the column stays empty and the next read sends it again
        Valid("""
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            @shared_task
            def fill_size(folder_id):
                folder = db.session.get(Folder, folder_id)
                folder.size = folder.compute_size()
                db.session.commit()

            class Folder(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                size = db.Column(db.Integer, nullable=True)

                def total_size(self):
                    if self.size is not None:
                        return self.size
                    fill_size.delay(self.id)
                    return self.compute_size()
            """),
        # the helper claims the export, then hands the work to one that records a failure instead of raising
        Valid("""
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def render(export):
                try:
                    export.data = collect(export)
                except Exception as exc:
                    export.state = "failed"
                    export.reason = str(exc)
                db.session.commit()

            def start_export(export_id):
                export = db.session.get(Export, export_id)
                export.state = "running"
                db.session.commit()
                render(export)

            @shared_task
            def run_export(export_id):
                start_export(export_id)
            """),
        # the search-cluster write retries on connection errors
        Valid("""
            from celery import shared_task
            from opensearchpy import OpenSearch
            from opensearchpy.exceptions import ConnectionError as SearchDown

            search = OpenSearch(["http://search:9200"])

            @shared_task(ignore_result=True, autoretry_for=(SearchDown,), retry_backoff=True, max_retries=5)
            def reindex_book(book):
                search.index(index="books", id=book["id"], body=book)
            """),
    )
    INVALID = (
        # the app comes from a project factory; the ``except`` catches only an answer with an error status, so a
        # dropped connection or a timeout still fails the task and the thumbnail is never made
        Invalid(
            """
            import requests
            from flask_celeryext import FlaskCeleryExt

            def make_celery(app=None):
                return FlaskCeleryExt(app).celery

            celery_app = make_celery()

            @celery_app.task(name="thumbs.make")  # expect
            def make_thumbnail(photo_url):
                try:
                    response = requests.get(photo_url, timeout=20)
                    response.raise_for_status()
                except requests.exceptions.HTTPError:
                    return None
                store_thumbnail(response.content)
            """,
            message="no handling of a dropped connection or a timeout",
        ),
        # a text message through a twilio client the module keeps: one blip and the customer never hears
        Invalid(
            """
            import os
            from celery import shared_task
            from twilio.rest import Client

            texts = Client(os.environ["SMS_SID"], os.environ["SMS_TOKEN"])

            @shared_task  # expect
            def notify_pickup(number):
                texts.messages.create(to=number, from_="+15550100", body="Your order is ready")
            """,
            message="calls `texts.messages.create`",
        ),
        # a search-cluster write, through a project class that walks the linked records
        Invalid(
            """
            from celery import shared_task
            from invenio_indexer.api import RecordIndexer

            record_indexer = RecordIndexer()

            class LinkedRecords:
                def index(self, records):
                    for record in records:
                        record_indexer.index(record)

            @shared_task(ignore_result=True)  # expect
            def reindex_shelf(shelf):
                linked = LinkedRecords()
                linked.index(shelf["books"])
            """,
            message="through `LinkedRecords.index`",
        ),
        # a library's mail task called as a plain function runs once, without its own retry
        Invalid(
            """
            from celery import shared_task
            from invenio_mail.tasks import send_email

            @shared_task  # expect
            def send_reminder(message):
                send_email(message)
            """,
            message="invenio_mail.tasks.send_email",
        ),
        # beat hands each link the day it picked: the next tick picks another day, so whether the failed one
        # is redone only the author can tell (a note)
        Invalid(
            """
            from datetime import date, timedelta
            import requests
            from celery import Celery, chain
            celery = Celery(__name__)

            @celery.task(name="EXPORT_DAY")  # expect
            def export_day(day):
                requests.post(EXPORT_URL, json={"day": day}, timeout=30)

            @celery.task(name="NIGHTLY")
            def nightly():
                chain(export_day.si(str(date.today() - timedelta(days=1)))).apply_async()

            celery.conf.beat_schedule = {"nightly": {"task": "NIGHTLY", "schedule": timedelta(days=1)}}
            """,
            message="a note: only the periodic task `nightly` starts it",
        ),
        # the sweep picks the uploads of the last hour: one that failed falls out of the window (a note)
        Invalid(
            """
            from datetime import datetime, timedelta
            from celery import Celery
            from flask_sqlalchemy import SQLAlchemy
            celery = Celery(__name__)
            db = SQLAlchemy()

            class Upload(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                created = db.Column(db.DateTime)

            @celery.task  # expect
            def scan_upload(upload_id):
                upload = db.session.get(Upload, upload_id)
                upload.clean = antivirus(upload.path)
                db.session.commit()

            @celery.task
            def scan_recent():
                since = datetime.utcnow() - timedelta(hours=1)
                for upload in Upload.query.filter(Upload.created > since):
                    scan_upload.delay(upload.id)

            celery.conf.beat_schedule = {"scan": {"task": "tasks.scan_recent", "schedule": 3600}}
            """,
            message="a note",
        ),
        # the claimed export's worker logs the failure and raises it again: nothing records it
        Invalid(
            """
            from celery import shared_task
            from flask_sqlalchemy import SQLAlchemy
            db = SQLAlchemy()

            def render(export):
                try:
                    export.data = collect(export)
                except Exception:
                    log.exception("export failed")
                    raise
                db.session.commit()

            def start_export(export_id):
                export = db.session.get(Export, export_id)
                export.state = "running"
                db.session.commit()
                render(export)

            @shared_task  # expect
            def run_export(export_id):
                start_export(export_id)
            """,
            message="through `start_export`",
        ),
        # the task stores the value, but a view sends it once after saving: no reader sends it again
        Invalid(
            """
            from celery import shared_task
            from flask import Flask
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            db = SQLAlchemy(app)

            @shared_task  # expect
            def fill_size(folder_id):
                folder = db.session.get(Folder, folder_id)
                folder.size = folder.compute_size()
                db.session.commit()

            @app.post("/folders/<int:folder_id>")
            def save_folder(folder_id):
                fill_size.delay(folder_id)
                return "saved"
            """,
            message="fill_size",
        ),
        # the same chain link is also sent from a view: that run has no next tick to repeat it
        Invalid(
            """
            from datetime import timedelta
            import requests
            from celery import Celery, chain
            from flask import Flask
            app = Flask(__name__)
            celery = Celery(__name__)

            @celery.task(name="FETCH_ENTRIES")  # expect
            def fetch_entries():
                requests.post(FEED_URL, timeout=30)

            @celery.task(name="SYNC_FEEDS")
            def sync_feeds():
                chain(fetch_entries.si()).apply_async()

            @app.post("/refresh")
            def refresh():
                fetch_entries.delay()
                return "queued"

            celery.conf.beat_schedule = {"sync": {"task": "SYNC_FEEDS", "schedule": timedelta(minutes=15)}}
            """,
            message="fetch_entries",
        ),
        Invalid(
            """
            import requests
            from celery import shared_task

            @shared_task  # expect
            def send_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """,
            message="requests.post",
        ),
        Invalid(
            """
            from celery import Celery
            from flask_sqlalchemy import SQLAlchemy
            celery = Celery(__name__)
            db = SQLAlchemy()

            def mark_done(job_id):
                db.session.execute(db.text("UPDATE jobs SET done = 1 WHERE id = :id"), {"id": job_id})
                db.session.commit()

            @celery.task(ignore_result=True)  # expect
            def finish(job_id):
                mark_done(job_id)
            """,
            message="mark_done",
        ),
        # the `except` only skips the run when another holds the lock; the mail and the query still fail it
        Invalid(
            """
            import smtplib
            from celery import Celery
            from lockfile import AlreadyLocked, LockFile
            celery = Celery(__name__)

            @celery.task(ignore_result=True)  # expect
            def send_completion_mail(job_id, to, message):
                lock = LockFile(f"/tmp/job-{job_id}")
                try:
                    with lock:
                        smtp = smtplib.SMTP("localhost", timeout=30)
                        try:
                            smtp.sendmail("farm@localhost", to, message)
                        finally:
                            smtp.quit()
                except AlreadyLocked:
                    try:
                        with open(f"/tmp/job-{job_id}") as held:
                            stale = float(held.read()) < 60
                    except (OSError, ValueError):
                        stale = True
                    if stale:
                        lock.break_lock()
            """,
            message="smtplib.SMTP",
        ),
        # a user asks for a zip of the materials and the page polls the task: a failure reaches them
        Invalid(
            """
            from celery import Celery
            from flask import Flask, jsonify, request
            from flask_sqlalchemy import SQLAlchemy
            app = Flask(__name__)
            celery = Celery(__name__)
            db = SQLAlchemy(app)

            @celery.task(ignore_result=False)  # expect
            def build_package(ids):
                rows = db.session.execute(db.text("SELECT path FROM files WHERE id IN :ids"), {"ids": ids})
                return zip_files(rows)

            @app.post("/package")
            def package():
                job = build_package.delay(request.json["ids"])
                return jsonify(task_id=job.id)
            """,
            message="a note: a user starts it and polls its result",
        ),
    )

    INVALID = INVALID + (
        # a class-based task: `run` of a `Task` subclass is the task body, and the class sets no retry policy
        Invalid(
            """
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class PushNotification(Task):
                name = "push.notify"

                def run(self, device, text):  # expect
                    requests.post("https://push.example.com/send", json={"to": device}, timeout=10)

            app.register_task(PushNotification())
            """,
            message="requests.post",
        ),
    )
    INVALID = INVALID + (
        # `max_retries` and `retry_backoff` only tune retries: with no `autoretry_for` and no `self.retry()`,
        # nothing starts one
        Invalid(
            """
            import requests
            from celery import shared_task

            @shared_task(max_retries=5, retry_backoff=True)  # expect
            def notify_webhook(url, payload):
                requests.post(url, json=payload, timeout=10)
            """,
            message="but nothing that retries",
        ),
    )
    VALID = VALID + (
        # the class-based task's own class carries the policy
        Valid("""
            import requests
            from celery import Celery, Task

            app = Celery("proj")

            class PushNotification(Task):
                name = "push.notify"
                autoretry_for = (requests.RequestException,)
                max_retries = 5

                def run(self, device, text):
                    requests.post("https://push.example.com/send", json={"to": device}, timeout=10)

            app.register_task(PushNotification())
            """),
    )

    VALID = VALID + (
        # a task the project only ever calls as a function: the view runs it inline and sees the failure itself
        Valid("""
            import smtplib
            from celery import shared_task
            from flask import Flask, request

            app = Flask(__name__)

            @shared_task
            def mail_invoice(address, body):
                with smtplib.SMTP("mail.internal", 25, timeout=10) as smtp:
                    smtp.sendmail("billing@example.com", [address], body)

            @app.post("/invoices/resend")
            def resend_invoice():
                mail_invoice(request.form["address"], request.form["body"])
                return "sent"
            """),
    )
    INVALID = INVALID + (
        # called directly in one place, but also queued: the queued runs need a retry policy
        Invalid(
            """
            import smtplib
            from celery import shared_task
            from flask import Flask, request

            app = Flask(__name__)

            @shared_task  # expect
            def mail_invoice(address, body):
                with smtplib.SMTP("mail.internal", 25, timeout=10) as smtp:
                    smtp.sendmail("billing@example.com", [address], body)

            @app.post("/invoices/resend")
            def resend_invoice():
                mail_invoice(request.form["address"], request.form["body"])
                return "sent"

            @app.post("/invoices/resend-later")
            def resend_invoice_later():
                mail_invoice.delay(request.form["address"], request.form["body"])
                return "queued"
            """,
            message="smtplib.SMTP",
        ),
    )

    def check_project(self, project: Project, report: Callable[[Finding], None]) -> None:
        if app_wide_retry_policy(project):
            return
        for fn, framework in celery_tasks(project):
            options = fn.task_options
            idle = tuning_without_retry(fn) if framework == "celery" else []
            if (set(options) & RETRY_OPTIONS and not idle) or retry_calls(fn) or has_try(fn):
                continue
            if loguru_catch(project, fn) is not None:
                continue  # ``@logger.catch`` handles (swallows) every error: FD507 reports it
            scheduled = started_by_schedule(project, fn)
            if scheduled is fn:
                continue  # beat runs it again on the next tick
            if scheduled is not None and takes_no_input(fn):
                continue  # a link of the chain beat starts: it reads its work from stored state on the next tick
            if fn.qualname in sweeps(project):
                continue  # a periodic task sends it again for every row still waiting
            if cache_fill(project, fn) is not None:
                continue  # it fills a cache the next read fills again
            if framework == "celery" and only_run_inline(project, fn):
                continue  # never sent to a worker: its caller runs it and sees the failure
            base = options.get("base")
            if base is not None and task_base_policy(project, fn, base) is not False:
                continue
            own = task_class(project, fn)
            if own is not None and class_retry_policy(project, own.name, None, own.module.name) is not False:
                continue  # a class-based task whose class sets the policy
            if framework == "rq" and any(
                any(kw.arg == "retry" for kw in site.keywords) for site in enqueue_sites(project, fn)
            ):
                continue
            if helper_handles_errors(project, fn) is not None:
                continue  # ``export(...)`` catches the failure, marks the request failed and tells the user
            found = task_io(project, fn)
            if found is None:
                continue
            label, call, where = found
            polled = polled_results(project).get(fn.qualname)
            via = "" if where is fn else f" (through `{where.display}`)"
            kind = "job" if framework == "rq" else "task"
            evidence = [Evidence(f"`{label}(...)` here", node_location(where.module.path, call))]
            hint = (
                "Retry transient errors: "
                "`@shared_task(autoretry_for=(ConnectionError, ...), retry_backoff=True, max_retries=5)` "
                "or `raise self.retry(exc=exc)` in an `except` (make the task idempotent first)."
                if framework == "celery"
                else "Enqueue with a retry policy: `queue.enqueue(f, ..., retry=Retry(max=3, interval=[10, 30, 60]))`."
            )
            note = ""
            outcome = "the work is lost"
            if scheduled is not None:
                evidence.append(
                    Evidence(f"started only by the periodic task `{scheduled.display}`", decorator_location(scheduled))
                )
                outcome = "the work waits for the next scheduled run"
                note = (
                    f" (a note: only the periodic task `{scheduled.display}` starts it; nothing is lost if the task "
                    "picks up where it stopped)"
                )
            elif polled is not None:
                evidence.append(polled)
                note = (
                    " (a note: a user starts it and polls its result, so a failure reaches them and they can "
                    "start it again)"
                )
            status_only = status_error_caught(fn)
            handling = (
                "no error handling"
                if status_only is None
                else f"no handling of a dropped connection or a timeout (its `except` names only `{status_only}`-like "
                "status errors)"
            )
            policy = "no retry policy"
            if idle:
                policy = (
                    f"{', '.join(f'`{o}`' for o in idle)} but nothing that retries (Celery retries only with "
                    "`autoretry_for` or a `self.retry()` call)"
                )
            report(
                self.finding(
                    decorator_location(fn),
                    f"{kind} `{fn.display}` calls `{label}`{via} with {policy} and {handling}: "
                    f"the first network or database blip fails it and {outcome}{note}",
                    hint=hint,
                    evidence=evidence,
                    severity=Severity.NOTE if polled is not None or scheduled is not None else None,
                )
            )
