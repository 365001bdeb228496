"""Tests of the static checker's peripheral modules (config, files, noqa, baseline, deploy)."""
