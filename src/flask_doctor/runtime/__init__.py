"""The runtime doctor: ``Doctor(app)`` watches real requests and jobs.

See docs/runtime.md.  Importing this package imports Flask; the static
checker never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.runtime.doctor import Doctor

__all__ = ["Doctor"]


def __getattr__(name: str) -> Any:
    if name == "Doctor":
        from flask_doctor.runtime.doctor import Doctor

        return Doctor
    raise AttributeError(name)
