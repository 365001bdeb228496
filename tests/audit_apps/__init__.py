"""Small real Flask applications audited by tests/audit (good and sick twins)."""
