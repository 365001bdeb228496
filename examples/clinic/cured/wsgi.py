"""WSGI entry point for gunicorn (gunicorn.conf.py, Procfile, Dockerfile)."""

from clinic import create_app

app = create_app()
