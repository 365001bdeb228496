"""Planted secrets never appear in any audit output: text (with its source snippets), JSON, SARIF, GitHub."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from flask_doctor.cli import cli
from tests.audit_apps.secretsapp import PLANTED

APP = "tests.audit_apps.secretsapp:create_app()"
#: Pieces a misparsed URL would expose (the part of the password after its raw "@").
FRAGMENTS = ("ss/word", "ss/w0rd", "Tr0ub4dor", "R3dis", "Br0ker", "M41l")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_planted_secret_in_any_format(fmt: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["audit", "--app", APP, "--deploy", "--probe", "--timeout", "1", "--format", fmt, "--no-color"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    everything = result.stdout + result.stderr
    for secret in (*PLANTED, *FRAGMENTS):
        assert secret not in everything, (secret, fmt)
    if fmt == "text":
        # the weak key's YAML line is printed under its finding, with the value masked
        assert "2 | SECRET_KEY: ***" in result.stdout
        assert "crashed: ValueError: cannot sign with *** (password=***)" in result.stdout
    if fmt == "json":
        doc = json.loads(result.stdout)
        weak = next(f for f in doc["findings"] if f["code"] == "FD341")
        assert weak["location"]["path"] == "tests/audit_apps/secretsapp/config.yaml" and weak["location"]["line"] == 2
        unreachable = {f["object"]: f["message"] for f in doc["findings"] if f["code"] in ("FD240", "FD440")}
        assert "percent-encode it" in unreachable["sqlalchemy:default"]
        assert any("percent-encode it" in m for o, m in unreachable.items() if o.startswith("redis:"))
