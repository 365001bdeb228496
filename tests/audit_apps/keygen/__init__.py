"""A key generated when the config class is defined: one per worker process."""

from __future__ import annotations

import os
import secrets

from flask import Flask


class Config:
    SECRET_KEY = os.environ.get("KEYGEN_SECRET_KEY") or secrets.token_hex(32)


app = Flask(__name__)
app.config.from_object(Config)
