"""How many requests one worker process serves at once, from the gunicorn command line.

The runtime judges saturation (FD476) against this number: threads for
gthread, greenlets (``--worker-connections``) for gevent/eventlet, else one.
``FLASK_DOCTOR_CAPACITY`` overrides it; 0 means unknown (not under gunicorn).
"""

from __future__ import annotations

import os
import sys


def detect_capacity(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    """Threads or greenlets per worker from the gunicorn command line, else 0 (unknown)."""
    argv = list(sys.argv if argv is None else argv)
    environ = dict(os.environ if environ is None else environ)
    if not argv or "gunicorn" not in argv[0]:
        return 0
    # SHARED GUNICORN READER: once flask_doctor.static.deploy.gunicorn is on main (h-deploy), the rest of
    # this function becomes
    #     from flask_doctor.static.deploy.gunicorn import load_options
    #     return load_options(argv[1:], environ).concurrency_per_worker()
    # which also reads gunicorn.conf.py and layers GUNICORN_CMD_ARGS under the command line as gunicorn does.
    args = argv[1:] + environ.get("GUNICORN_CMD_ARGS", "").split()
    threads, worker_class, connections = 1, "sync", 1000
    for i, arg in enumerate(args):
        value = args[i + 1] if i + 1 < len(args) else ""
        if arg.startswith("--threads="):
            value, arg = arg.split("=", 1)[1], "--threads"
        if arg.startswith(("--worker-class=", "--worker-connections=")):
            arg, value = arg.split("=", 1)
        if arg == "--threads" and value.isdigit():
            threads = int(value)
        elif arg in ("-k", "--worker-class"):
            worker_class = value
        elif arg == "--worker-connections" and value.isdigit():
            connections = int(value)
    if "gevent" in worker_class or "eventlet" in worker_class:
        return connections
    if worker_class in ("sync",) and threads > 1:
        worker_class = "gthread"
    return threads if "gthread" in worker_class or threads > 1 else 1


__all__ = ["detect_capacity"]
