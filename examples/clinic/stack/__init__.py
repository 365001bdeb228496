"""Start the clinic on the real stack on loopback: used by `make demo-stack`, `make demo` and tests/e2e.

Not part of either app: a launcher that gives one run its own PostgreSQL schema, MariaDB database and
Redis key prefix, migrates and seeds them, and starts gunicorn, Celery, RQ, uvicorn, a reverse proxy and
a stand-in for the clinic's partners, every one of them on 127.0.0.1.
"""
