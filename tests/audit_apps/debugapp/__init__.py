"""A development app: DEBUG on, a placeholder key."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)
app.config.update(DEBUG=True, SECRET_KEY="dev")
