"""Prints at import (banners, debug prints): stdout must stay the report's."""

import os

from flask import Flask

print("Connecting to the database... {not json")
app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("IMPORTTIME_SECRET_KEY", "")
app.config["SESSION_COOKIE_SECURE"] = True
