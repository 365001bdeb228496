"""Job facts: what runs in a background job (Celery, RQ, Dramatiq, APScheduler) and what it is given.

A worker process is not a request: nothing pushes a Flask application
context for a task, nothing ends its SQLAlchemy session, and a failure is
only retried or seen when the code says so.  Split by kind:

``context``   which code runs as (or under) a job, and whether an app context
              is pushed for it (a ``with app.app_context():`` on the job's call
              chain, a Celery ``Task`` base class whose ``__call__`` pushes one,
              a ``task_prerun`` hook, an integration)
``sessions``  plain ``scoped_session``/``sessionmaker`` factories and what ends
              their sessions after a task
``tasks``     which functions are Celery/RQ tasks, their options and the I/O they do
``retries``   retry policies: per task, per ``Task`` base class, app-wide, beat schedules
``outcomes``  what the result backend and monitoring see: swallowed failures,
              results that are never stored
"""
