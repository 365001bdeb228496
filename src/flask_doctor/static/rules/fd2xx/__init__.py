"""Rules FD2xx."""
