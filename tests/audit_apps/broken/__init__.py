"""An app that cannot be imported without its environment."""

from __future__ import annotations

import os

from flask import Flask

DATABASE_URL = os.environ["BROKEN_APP_DATABASE_URL"]

app = Flask(__name__)
