"""Rules FD6xx."""
