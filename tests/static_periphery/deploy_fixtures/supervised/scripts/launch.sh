#!/bin/sh
set -e
WORKERS=${WEB_CONCURRENCY:-2}
flask db upgrade
exec gunicorn -w "$WORKERS" -k gevent --bind 0.0.0.0:8000 "app:create_app()"
