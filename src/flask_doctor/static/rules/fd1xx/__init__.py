"""Rules FD1xx."""
