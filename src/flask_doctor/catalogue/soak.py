"""Rule ids only ``flask-doctor soak`` raises (xx80-xx89 of each family).

Soak drives endpoints under a real server and real load, so it sees what
only load shows: memory and descriptors that grow with the request count,
workers that saturate, errors that need concurrency.  When it knows the
cause of a leak it raises the static id instead (FD101 for a module-level
container that grows with requests, FD102 for an unbounded ``lru_cache``,
FD105 for app contexts pushed and never popped); ``ALSO_RAISES`` lists them.
"""

from __future__ import annotations

from flask_doctor.catalogue.base import Entry
from flask_doctor.findings import Severity

SURFACE = "soak"
#: Ids soak raises whose page is a static rule's.
ALSO_RAISES = ("FD101", "FD102", "FD105")


class Soak(Entry):
    surfaces = ("soak",)


class MemoryLeakUnderLoad(Soak):
    """
    ## What it does
    Drives one endpoint at a time under a real gunicorn and fits the memory each
    worker keeps (traced Python memory after a full garbage collection) against
    the number of requests it served.  A leak is reported when the robust
    (Theil-Sen) slope's 95% interval excludes zero, the slope is above the noise
    floor measured on a control endpoint, and the growth continues through the
    second half of the phase.

    ## Why is this bad?
    Memory that grows with every request never comes back: workers swell until
    the kernel's OOM killer or the platform restarts them, dropping the requests
    in flight.  `max_requests` only hides the leak.

    ## Example
    ```python
    HISTORY = []

    @app.get("/report")
    def report():
        HISTORY.append(build_report())  # kept forever
        return "ok"
    ```

    ## Use instead
    ```python
    @app.get("/report")
    def report():
        return build_report()  # let it go with the request
    ```

    ## Fix safety
    Display-only: the cure depends on why the data is kept.

    ## References
    - https://docs.python.org/3/library/tracemalloc.html
    - https://docs.gunicorn.org/en/stable/settings.html#max-requests
    """

    code = "FD180"
    name = "memory-leak-under-load"
    severity = Severity.ERROR
    summary = "Memory kept per request keeps growing under load."
    catalog = ("S01", "S06", "S11", "S16")


class DescriptorsGrowUnderLoad(Soak):
    """
    ## What it does
    Counts each worker's open file descriptors (sockets, files, pipes) over a
    phase and reports an endpoint after which the count keeps rising.

    ## Why is this bad?
    A descriptor opened per request and never closed (a file, a socket, a
    database connection kept in a list or checked out of a pool and never
    returned) exhausts `ulimit -n` or the pool: the worker starts failing every
    request with "Too many open files" or pool timeouts.

    ## Example
    ```python
    @app.get("/export")
    def export():
        fh = open(path)        # never closed, and kept
        OPEN.append(fh)
    ```

    ## Use instead
    ```python
    @app.get("/export")
    def export():
        with open(path) as fh:
            return fh.read()
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://flask.palletsprojects.com/en/stable/appcontext/#storing-data
    """

    code = "FD182"
    name = "descriptors-grow-under-load"
    severity = Severity.WARNING
    summary = "Open file descriptors keep growing under load."
    catalog = ("S06", "S23")


class WorkerSaturation(Soak):
    """
    ## What it does
    Raises load in steps (1, 2, 4, ... users) and watches requests in flight
    against the server's capacity (workers x threads), the time requests wait
    in the queue before a worker picks them up, and how busy the workers' CPUs
    are.  When requests queue while the workers are mostly idle - waiting, not
    working - the workers are saturated by blocking calls.

    ## Why is this bad?
    A sync worker handles one request at a time.  A view that sleeps or waits on
    the network holds the worker for the whole wait; a few slow requests fill
    every worker and everything behind them waits, times out or is dropped,
    while the CPUs are idle.

    ## Example
    ```python
    # gunicorn -w 2 app:app   (sync workers)
    @app.get("/quote")
    def quote():
        return requests.get(PRICE_API, timeout=5).json()
    ```

    ## Use instead
    ```python
    # gunicorn -w 2 -k gevent app:app   (or -k gthread --threads 8)
    ```
    or move the slow call to a background job and give it a short timeout.

    ## Fix safety
    Display-only.

    ## References
    - https://docs.gunicorn.org/en/stable/design.html#choosing-a-worker-type
    """

    code = "FD480"
    name = "worker-saturation"
    severity = Severity.WARNING
    summary = "Workers saturate on waiting: requests queue while CPUs idle."
    catalog = ("S09", "S17")


class RequestTimeMostlyWaiting(Soak):
    """
    ## What it does
    Compares each endpoint's wall time with the CPU time its thread used: an
    endpoint whose requests spend most of their time waiting (sleep, network,
    locks, database) is named.

    ## Why is this bad?
    Waiting time ties up a sync worker as much as work does; these endpoints are
    the ones that saturate the server first (see FD480).

    ## Example
    ```python
    @app.get("/slow")
    def slow():
        time.sleep(0.2)
    ```

    ## Use instead
    Timeouts, caching, async workers (gevent/gthread) or a background job.

    ## Fix safety
    Display-only.

    ## References
    - https://docs.gunicorn.org/en/stable/design.html
    """

    code = "FD481"
    name = "request-time-mostly-waiting"
    severity = Severity.NOTE
    summary = "An endpoint spends most of its wall time waiting, not computing."
    catalog = ("S17",)


class ErrorsUnderLoad(Soak):
    """
    ## What it does
    Counts failed responses per endpoint while soak drives it: 5xx answers and
    connection failures, and 4xx answers only when they changed during the run
    (the endpoint answered 2xx/3xx too: a 429 once a limit is hit, a 409 under
    races).  A 401 of a token API or a 404 answered from the first request to the
    last is the endpoint's design, not an error.  The first traceback of each
    exception the app raised is captured in the worker and shown with the
    finding, at the line of your code that raised it.

    ## Why is this bad?
    Errors that only appear under load (pool exhaustion, timeouts, races on
    shared state) never show up in a single-request test.

    ## Example
    ```python
    counter = 0
    @app.get("/next")
    def next_id():
        global counter
        counter += 1
    ```

    ## Use instead
    State in a database or Redis; handle the error the log shows.

    ## Fix safety
    Display-only.

    ## References
    - https://flask.palletsprojects.com/en/stable/errorhandling/
    """

    code = "FD580"
    name = "errors-under-load"
    severity = Severity.WARNING
    summary = "An endpoint fails under load."
    catalog = ("S15",)


class WorkerCrashed(Soak):
    """
    ## What it does
    Watches the gunicorn workers while soak drives the app.  A worker that
    disappears without shutting down cleanly crashed; soak reports the request
    it was serving (the endpoint, the method and path, and how many requests of
    that endpoint the worker had served, so "the 30th request" is reproducible),
    what gunicorn logged about it (exit code, signal, `WORKER TIMEOUT`), stops
    sending that request and goes on measuring the other endpoints once gunicorn
    has replaced the worker.

    ## Why is this bad?
    A worker that dies drops every request it had in flight and all of its
    memory, caches and connections; gunicorn forks a new one, which pays the
    start-up cost again.  Under real traffic a view that kills its worker turns
    into intermittent 502s at the proxy that no single-request test shows.  A
    worker that exits with code 3 or 4 makes gunicorn stop altogether.

    ## Example
    ```python
    @app.get("/export")
    def export():
        if broken():
            os._exit(1)          # or a segfault in a C extension, or the OOM killer
        return build()
    ```

    ## Use instead
    ```python
    @app.get("/export")
    def export():
        if broken():
            abort(503)           # fail the request, keep the worker
        return build()
    ```

    ## Fix safety
    Display-only.

    ## References
    - https://docs.gunicorn.org/en/stable/design.html#how-many-workers
    - https://docs.gunicorn.org/en/stable/settings.html#timeout
    """

    code = "FD581"
    name = "worker-crashed"
    severity = Severity.ERROR
    summary = "A gunicorn worker died while serving a request."
    catalog = ("S09", "S15")
