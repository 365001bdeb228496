"""Rules FD7xx."""
