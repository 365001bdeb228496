"""``python -m flask_doctor`` is ``flask-doctor``."""

from flask_doctor.cli import main

main()
