"""Rule ids only the runtime extension (``Doctor(app)``) raises (xx70-xx99).

The runtime sees what only a running application shows: percentiles over
many requests, bursts of errors, memory that follows the request count, a
worker at capacity.  These ids start in preview.  Problems the static
checker also finds (an N+1 seen 40 times in one request is FD202) keep the
static rule's id and page; ``ALSO_RAISES`` lists them.
"""

from __future__ import annotations

from flask_doctor.catalogue.base import Entry
from flask_doctor.findings import Severity

SURFACE = "runtime"
#: Ids the runtime raises whose page is a static rule's.
ALSO_RAISES = (
    "FD101",
    "FD102",
    "FD105",
    "FD106",
    "FD201",
    "FD202",
    "FD207",
    "FD209",
    "FD303",
    "FD304",
    "FD401",
    "FD501",
    "FD505",
    "FD507",
)


class Runtime(Entry):
    surfaces = ("runtime",)
    preview = True


class MemoryGrowth(Runtime):
    """
    ## What it does
    Samples the process RSS from a background thread together with the number
    of requests each endpoint served. When the RSS grew steadily by more than
    `FLASK_DOCTOR_MEMORY_GROWTH_BYTES` over the window (it follows the request
    count, and both halves of the window grew), it estimates each endpoint's
    share: a least-squares fit of the RSS increments between samples against
    the requests each endpoint served in between, weighted by the requests of
    each interval. An endpoint is blamed only when its share can be told
    apart: the endpoints' request counts do not move together, its share is at
    least `FLASK_DOCTOR_LEAK_BYTES_PER_REQUEST` and its 95 % confidence
    interval excludes zero (and half that threshold). Otherwise the growth is
    reported for the worker process, at warning severity, with the candidate
    endpoints and the advice to soak them one at a time. With
    `FLASK_DOCTOR_TRACEMALLOC=1` the top growing allocation sites are evidence,
    and the finding points at the one in the endpoint's file. It judges full
    windows of samples only (`FLASK_DOCTOR_MEMORY_WINDOW`, 60 samples every
    `FLASK_DOCTOR_MEMORY_INTERVAL`, 2 s): the first samples after a start
    carry warm-up growth that any endpoint's traffic can appear to explain.

    ## Why is this bad?
    Memory that survives requests grows until the worker is OOM-killed or
    swaps; gunicorn's `max_requests` only hides it. Storing on `g` is not a
    leak (Flask pops the app context every request); the usual causes are
    module-level caches written by views, contexts pushed and never popped,
    and references kept in globals.

    ## Example
    ```python
    _seen = []

    @app.get("/track")
    def track():
        _seen.append(request.get_json())
        return "", 204
    ```

    ## Use instead
    ```python
    cache = cachetools.TTLCache(maxsize=10_000, ttl=300)
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://docs.python.org/3/library/tracemalloc.html
    - https://docs.gunicorn.org/en/stable/settings.html#max-requests
    """

    code = "FD170"
    name = "memory-growth"
    severity = Severity.ERROR
    summary = "Process memory grows with the requests of an endpoint and is not released."
    catalog = ("S01", "S11", "S16")


class SlowQuery(Runtime):
    """
    ## What it does
    Keeps the duration of every execution of each statement fingerprint over a
    rolling window and reports fingerprints whose 95th percentile is above
    `FLASK_DOCTOR_SLOW_QUERY_MS` (default 500 ms), with the user's call site.

    ## Why is this bad?
    A slow statement holds a pooled connection and a worker thread for its whole
    duration; under load the pool and the workers run out and every endpoint
    slows down, not only the one that runs it. A percentile over many runs is a
    property of the query, not of one unlucky request.

    ## Example
    ```python
    Order.query.filter(func.lower(Order.email) == email).all()  # no index on lower(email)
    ```

    ## Use instead
    ```python
    # CREATE INDEX ix_order_email_lower ON orders (lower(email));
    Order.query.filter(func.lower(Order.email) == email).limit(50).all()
    ```

    ## Fix safety
    Display-only: indexes and query changes need a human.

    ## References
    - https://docs.sqlalchemy.org/en/20/faq/performance.html
    - https://www.postgresql.org/docs/current/using-explain.html
    """

    code = "FD270"
    name = "slow-query"
    severity = Severity.WARNING
    summary = "A statement's 95th percentile duration is over the threshold."
    catalog = ("S10",)


class SessionCookieTooLarge(Runtime):
    """
    ## What it does
    Measures the session cookie on real responses and reports one that comes
    close to the 4 KB per-cookie limit browsers enforce.

    ## Why is this bad?
    Flask's default session is a signed cookie. Browsers silently drop a cookie
    larger than about 4096 bytes (name, value and attributes together), so the
    user's session is lost without any error on the server: logins that do not
    stick, carts that empty themselves. Every request also carries the cookie.

    ## Example
    ```python
    session["history"] = session.get("history", []) + [request.path]
    ```

    ## Use instead
    ```python
    session["history_id"] = history.id   # keep the data server-side
    # or Flask-Session with SESSION_TYPE = "redis"
    ```

    ## Fix safety
    Display-only: moving data out of the session changes the application.

    ## References
    - https://flask.palletsprojects.com/en/stable/quickstart/#sessions
    - https://datatracker.ietf.org/doc/html/rfc6265#section-6.1
    """

    code = "FD370"
    name = "session-cookie-too-large"
    severity = Severity.WARNING
    summary = "The session cookie is close to the browsers' 4 KB limit."
    catalog = ("S03",)


class SlowEndpoint(Runtime):
    """
    ## What it does
    Reports an endpoint whose 95th percentile wall time over the last
    `FLASK_DOCTOR_WINDOW` requests is above `FLASK_DOCTOR_SLOW_ENDPOINT_MS`
    (default 1000 ms), splitting the time into CPU, SQL and waiting.

    ## Why is this bad?
    Each slow request occupies a worker thread or greenlet; a few slow endpoints
    exhaust the worker's capacity and queue every other request behind them
    (gunicorn then kills workers at its timeout).

    ## Example
    ```python
    @app.get("/report")
    def report():
        return render_template("report.html", rows=build_everything())
    ```

    ## Use instead
    ```python
    @app.post("/report")
    def report():
        job = build_report.delay()      # do the heavy work in a job
        return {"job": job.id}, 202
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://docs.gunicorn.org/en/stable/design.html
    - https://flask.palletsprojects.com/en/stable/patterns/celery/
    """

    code = "FD470"
    name = "slow-endpoint"
    severity = Severity.WARNING
    summary = "An endpoint's 95th percentile response time is over the threshold."
    catalog = ("S09", "S17")


class WorkerSaturated(Runtime):
    """
    ## What it does
    Samples the number of requests in flight in this worker from a background
    thread and compares it with the worker's capacity (threads or greenlets,
    from `FLASK_DOCTOR_CAPACITY` or the gunicorn command line). Reports a worker
    under sustained load: at capacity, with at least two requests in flight at
    once, in at least half of at least `FLASK_DOCTOR_MEMORY_MIN_SAMPLES`
    samples. One client sending requests one after another keeps a sync
    worker busy without ever queueing anyone, so a worker of capacity one is
    never reported from requests in flight alone.

    ## Why is this bad?
    A saturated worker queues new requests in the socket backlog: users wait
    before any of your code runs, health checks time out and the orchestrator
    restarts healthy processes.

    ## Example
    ```
    gunicorn -w 2 app:app        # 2 sync workers, views call slow APIs
    ```

    ## Use instead
    ```
    gunicorn -w 4 -k gthread --threads 8 --timeout 30 app:app
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://docs.gunicorn.org/en/stable/design.html#how-many-workers
    """

    code = "FD471"
    name = "worker-saturated"
    severity = Severity.WARNING
    summary = "Requests in flight reached the worker's capacity for a sustained time."
    catalog = ("S09",)


class ServerErrorBurst(Runtime):
    """
    ## What it does
    Counts 5xx responses per endpoint in a sliding window and reports an
    endpoint with at least `FLASK_DOCTOR_ERROR_BURST` (default 5) of them in
    `FLASK_DOCTOR_ERROR_WINDOW_S` seconds, with the first traceback.

    ## Why is this bad?
    Flask turns an unhandled exception into a 500 and goes on serving, so a
    broken endpoint does not crash anything: it just fails for every user until
    someone reads the logs. A burst is a bug in production right now.

    ## Example
    ```python
    @app.get("/orders/<int:id>")
    def order(id):
        return {"total": Order.query.get(id).total}   # AttributeError for unknown ids
    ```

    ## Use instead
    ```python
    @app.get("/orders/<int:id>")
    def order(id):
        return {"total": db.get_or_404(Order, id).total}
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://flask.palletsprojects.com/en/stable/errorhandling/
    """

    code = "FD570"
    name = "server-error-burst"
    severity = Severity.ERROR
    summary = "An endpoint answered many 5xx responses in a short window."
    catalog = ("S15",)


class TaskRetryStorm(Runtime):
    """
    ## What it does
    Counts Celery `task_retry` signals per task in a sliding window and reports
    a task retried at least `FLASK_DOCTOR_RETRY_STORM` (default 10) times in
    `FLASK_DOCTOR_RETRY_WINDOW_S` seconds.

    ## Why is this bad?
    Retries without backoff hammer the failing dependency while it is down,
    occupy the workers and delay every other task in the queue; with
    `max_retries=None` a permanent error retries forever.

    ## Example
    ```python
    @celery.task(bind=True, max_retries=None)
    def sync(self, id):
        try:
            push(id)
        except ConnectionError as exc:
            raise self.retry(exc=exc, countdown=0)
    ```

    ## Use instead
    ```python
    @celery.task(autoretry_for=(ConnectionError,), retry_backoff=True,
                 retry_jitter=True, max_retries=5)
    def sync(id):
        push(id)
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://docs.celeryq.dev/en/stable/userguide/tasks.html#automatic-retry-for-known-exceptions
    """

    code = "FD571"
    name = "task-retry-storm"
    severity = Severity.WARNING
    summary = "A task is retried many times in a short window."
    catalog = ("S04",)
