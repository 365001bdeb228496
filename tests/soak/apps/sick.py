"""A sick app for soak's own tests: workers that die, errors, redirects, 401/404 by design.

* ``/die``     kills its worker (``os._exit(1)``) on the 30th request the worker serves it;
* ``/halt``    exits with code 3 on its first request: gunicorn reads that as a boot failure and stops;
* ``/fail``    raises on every request (a 500 with a traceback; its message holds a password);
* ``/token``   401 to every request (a token API called without a token: by design);
* ``/gone``    404 to every request (by design);
* ``/limited`` 200 for 20 requests, then 429 (a 4xx that changes under load);
* ``/explore`` redirects to the login page, like ``@login_required``;
* ``/ok``      is healthy.
"""

from __future__ import annotations

import os

from flask import Flask, abort, redirect, request

app = Flask(__name__)
COUNTS = {"die": 0, "limited": 0}


@app.get("/ok")
def ok():
    return "ok"


@app.get("/die")
def die():
    COUNTS["die"] += 1
    if COUNTS["die"] == 30:
        os._exit(1)
    return "alive"


@app.get("/halt")
def halt():
    os._exit(3)


@app.get("/fail")
def fail():
    raise ValueError("cannot reach postgresql://app:hunter2@db/prod")  # line: fail-raise


@app.get("/token")
def token():
    abort(401)


@app.get("/gone")
def gone():
    abort(404)


@app.get("/limited")
def limited():
    COUNTS["limited"] += 1
    if COUNTS["limited"] > 20:
        abort(429)
    return "ok"


@app.get("/explore")
def explore():
    return redirect(f"/auth/login?next={request.full_path}")


@app.get("/auth/login")
def login_page():
    return '<form method="post"><input type="password" name="password"></form>'
