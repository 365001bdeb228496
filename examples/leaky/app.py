"""A small Flask app with known leaks, for ``flask-doctor soak``.

Run it the way soak does::

    flask-doctor soak --app examples.leaky.app:app

Every view is a real pattern from the catalog (docs/soak.md):

* ``/leak/list``   keeps 1 KB per request in a module-level list (S01, S11).
* ``/leak/cache``  memoises a result keyed by the raw query string, without
  bound (S16): every distinct URL real traffic sends adds an entry.
* ``/leak/context`` hands work to a long-lived thread that pushes an app
  context and never pops it (S06): each context stays chained to the
  previous one through the context variable's reset token.
* ``/drip/<n>``   keeps ``n`` bytes per request on average (for the detection-threshold
  benchmark; it has a URL parameter, so only a scenario file drives it).
* ``/slow``       blocks for 50 ms in ``time.sleep`` (S17): sync workers
  saturate, gevent workers do not.
* ``/``, ``/clean/json``, ``/clean/template``, ``/clean/bounded`` are clean:
  they allocate per request but keep nothing (the last one uses a bounded
  LRU cache, which must not be called a leak).
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app, g, jsonify, render_template_string, request

app = Flask(__name__)

#: S11: written by request code, never trimmed.
HISTORY: list[bytes] = []

#: S16: keyed by request data, never evicted.
RESULTS: dict[bytes, str] = {}

#: One long-lived background thread, like a mail or audit-log sender.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")

_DRIP: list[bytes] = []
_DRIP_N = 0

SLEEP_SECONDS = float(os.environ.get("LEAKY_SLEEP", "0.05"))


@app.get("/")
def index():
    return "leaky: a sick app for flask-doctor soak\n"


@app.get("/leak/list")
def leak_list():
    HISTORY.append(os.urandom(1024))
    return jsonify(kept=len(HISTORY))


def _expensive(query: bytes) -> str:
    return ("result for " + query.decode("latin-1")) * 8


@app.get("/leak/cache")
def leak_cache():
    key = request.query_string
    if key not in RESULTS:
        RESULTS[key] = _expensive(key)
    return jsonify(size=len(RESULTS[key]))


def _write_audit_record(app_obj: Flask, payload: dict) -> None:
    # The bug: a pushed context that is never popped.  Each push chains the
    # new context to the previous one, so nothing is ever freed.
    app_obj.app_context().push()
    g.audit = payload


@app.get("/leak/context")
def leak_context():
    payload = {"path": request.path, "agent": request.headers.get("User-Agent", "")}
    _EXECUTOR.submit(_write_audit_record, current_app._get_current_object(), payload).result()
    return jsonify(ok=True)


@app.get("/drip/<int:rate>")
def drip(rate: int):
    # Keep `rate` bytes per request on average, as small objects (what real
    # leaks are made of): one bytes object of ~rate*k bytes (its 33-byte
    # header and the 8-byte list slot included) every k requests.
    global _DRIP_N
    every = max(1, -(-49 // rate))  # the smallest bytes object costs ~49 bytes
    _DRIP_N += 1
    if _DRIP_N % every == 0:
        _DRIP.append(os.urandom(max(2, rate * every - 41)))
    return "ok"


@app.get("/slow")
def slow():
    time.sleep(SLEEP_SECONDS)
    return "slept\n"


@app.get("/clean/json")
def clean_json():
    rows = [{"id": i, "name": f"user{i}", "tags": ["a", "b"]} for i in range(50)]
    return jsonify(rows=rows, count=len(rows))


_TEMPLATE = """<ul>{% for r in rows %}<li>{{ r.id }}: {{ r.name|e }}</li>{% endfor %}</ul>"""


@app.get("/clean/template")
def clean_template():
    g.rows = [{"id": i, "name": f"<user {i}>"} for i in range(30)]
    return render_template_string(_TEMPLATE, rows=g.rows)


@functools.lru_cache(maxsize=64)
def _bounded(query: bytes) -> str:
    return _expensive(query)


@app.get("/clean/bounded")
def clean_bounded():
    return jsonify(size=len(_bounded(request.query_string)))


@app.post("/echo")
def echo():
    return jsonify(request.get_json(silent=True) or {})
