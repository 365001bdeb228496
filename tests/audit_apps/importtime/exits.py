"""Ends the process at import without raising (a misbehaving library or a fork gone wrong)."""

import os

print("about to exit")
os._exit(0)
