#!/bin/bash
# started by the Procfile-less platform
export FLASK_APP=app.py
case "$MODE" in
  dev) flask run --debug ;;
  *) exec uwsgi --http :8000 --processes 3 --module app:app ;;
esac
