"""Rules FD4xx."""
