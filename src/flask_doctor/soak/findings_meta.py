"""Metadata of the soak-only rule ids (family xx80-xx89 of each family).

Soak reuses a static id when it knows the cause (FD101 unbounded-module-cache
for a module-level container that grows with requests, FD102 for an
unbounded ``lru_cache``, FD105 when the growth is allocated by pushing app
contexts); those ids are documented by the static rules.  These ids are for
what only a soak can see.
"""

from __future__ import annotations

from flask_doctor.findings import Severity
from flask_doctor.rulebook import RuleMeta, parse_doc_sections, register_meta

_FD180 = """## What it does
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

_FD182 = """## What it does
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

_FD480 = """## What it does
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

_FD481 = """## What it does
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

_FD580 = """## What it does
Counts failed responses (5xx and connection errors) per endpoint while soak
drives it.

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


def _meta(code: str, name: str, severity: Severity, summary: str, doc: str, catalog: tuple[str, ...]) -> RuleMeta:
    return register_meta(RuleMeta(code=code, name=name, severity=severity, summary=summary, doc=doc,
                                  catalog=catalog, surfaces=("soak",), sections=parse_doc_sections(doc)))


FD180 = _meta("FD180", "memory-leak-under-load", Severity.ERROR,
              "Memory kept per request keeps growing under load.", _FD180, ("S01", "S06", "S11", "S16"))
FD182 = _meta("FD182", "descriptors-grow-under-load", Severity.WARNING,
              "Open file descriptors keep growing under load.", _FD182, ("S06", "S23"))
FD480 = _meta("FD480", "worker-saturation", Severity.WARNING,
              "Workers saturate on waiting: requests queue while CPUs idle.", _FD480, ("S09", "S17"))
FD481 = _meta("FD481", "request-time-mostly-waiting", Severity.NOTE,
              "An endpoint spends most of its wall time waiting, not computing.", _FD481, ("S17",))
FD580 = _meta("FD580", "errors-under-load", Severity.WARNING,
              "An endpoint fails under load.", _FD580, ("S15",))

SOAK_CODES = ("FD180", "FD182", "FD480", "FD481", "FD580")

# Soak also raises these static ids when it knows the cause of a leak; the
# registry merges the surface into the static rule's page.
for _code, _name, _severity, _catalog in (
    ("FD101", "unbounded-module-cache", Severity.WARNING, ("S11", "S16")),
    ("FD102", "unbounded-lru-cache", Severity.WARNING, ("S16",)),
    ("FD105", "context-pushed-never-popped", Severity.WARNING, ("S06", "S01")),
):
    register_meta(RuleMeta(code=_code, name=_name, severity=_severity, summary="", catalog=_catalog, surfaces=("soak",)))
