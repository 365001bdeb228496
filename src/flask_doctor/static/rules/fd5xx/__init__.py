"""Rules FD5xx."""
