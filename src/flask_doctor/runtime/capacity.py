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
    # The one gunicorn reader (shared with the static checker and the audit):
    # argv over GUNICORN_CMD_ARGS over gunicorn.conf.py, as gunicorn applies them.
    from flask_doctor.static.deploy.gunicorn import load_options

    return load_options(argv[1:], environ).concurrency_per_worker()


__all__ = ["detect_capacity"]
