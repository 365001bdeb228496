"""Sleeps at import (as an app waiting for an unreachable service without a timeout would)."""

import os
import time

from flask import Flask

time.sleep(float(os.environ.get("IMPORTTIME_SLEEP", "30")))
app = Flask(__name__)
