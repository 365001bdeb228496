"""Raises KeyboardInterrupt at import (what Ctrl-C during a slow import looks like)."""

raise KeyboardInterrupt
