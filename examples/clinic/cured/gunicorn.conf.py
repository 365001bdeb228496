"""gunicorn for the cured clinic: gevent workers for an I/O-bound app, bounded time, recycled workers (S09)."""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Views wait on PostgreSQL, MariaDB, Redis and the insurer: greenlets keep serving while one waits (S17).
worker_class = "gevent"
# At most as many requests at once as the database pool has connections (pool_size + max_overflow).
worker_connections = 50
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak in a dependency cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Only the reverse proxy in front of us may set X-Forwarded-* (ProxyFix trusts one hop).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
