"""``flask-doctor soak``: a leak and saturation hunter under a real server and real load.

Layout: :mod:`server` (gunicorn on loopback), :mod:`agent` (inside each
worker), :mod:`load` (Locust as a library), :mod:`stats` (Theil-Sen),
:mod:`analysis` (verdicts and findings), :mod:`report_html`/:mod:`report_json`,
:mod:`command` (the click command).  The soak's rule ids are documented in
:mod:`flask_doctor.catalogue.soak`.
"""

from __future__ import annotations
