"""flask-doctor: find, explain and cure the production problems of Flask apps.

Surfaces: ``flask-doctor check`` (static), ``flask-doctor audit`` (loaded
app), ``Doctor(app)`` (runtime) and ``flask-doctor soak`` (load + memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.runtime.doctor import Doctor

__all__ = ["Doctor", "__version__"]


def __getattr__(name: str) -> Any:
    # The runtime doctor imports Flask; keep ``import flask_doctor`` (and so
    # the static checker) free of that dependency until it is asked for.
    if name == "Doctor":
        from flask_doctor.runtime.doctor import Doctor

        return Doctor
    raise AttributeError(name)
