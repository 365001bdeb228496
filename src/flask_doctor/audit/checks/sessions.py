"""sessions checks."""

from __future__ import annotations
