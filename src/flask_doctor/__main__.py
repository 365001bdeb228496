"""``python -m flask_doctor``: the same commands as the ``flask-doctor`` script."""

from flask_doctor.cli import main

if __name__ == "__main__":
    main()
