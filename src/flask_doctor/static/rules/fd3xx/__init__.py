"""Rules FD3xx."""
