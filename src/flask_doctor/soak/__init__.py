"""``flask-doctor soak``: a leak and saturation hunter under a real server and real load.

Layout: :mod:`server` (gunicorn on loopback), :mod:`agent` (inside each
worker), :mod:`load` (Locust as a library), :mod:`stats` (Theil-Sen),
:mod:`analysis` (verdicts and findings), :mod:`report_html`/:mod:`report_json`,
:mod:`command` (the click command).  Importing the package registers the
soak-only rule ids.
"""

from __future__ import annotations

# Registers FD180, FD182, FD480, FD481, FD580 in the rulebook.
from flask_doctor.soak import findings_meta as findings_meta
