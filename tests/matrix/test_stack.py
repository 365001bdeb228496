"""Which stack this test run has: the support matrix runs the suite on the oldest and the newest."""

from __future__ import annotations

import flask
import flask_sqlalchemy
import sqlalchemy


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def test_the_stack_is_a_supported_one() -> None:
    assert _major_minor(flask.__version__) >= (2, 2)
    assert _major_minor(sqlalchemy.__version__) >= (1, 4)
    version = getattr(flask_sqlalchemy, "__version__", None)
    if version is None:  # Flask-SQLAlchemy 3.1 dropped __version__
        from importlib.metadata import version as dist_version

        version = dist_version("flask-sqlalchemy")
    assert _major_minor(version) >= (2, 5)
