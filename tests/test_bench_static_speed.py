"""benchmarks/static_speed.py: which semgrep ruleset a result was measured with, and how many rules it has."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def static_speed():
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.import_module("benchmarks.static_speed")
    finally:
        sys.path.remove(str(ROOT))


def test_local_ruleset_keeps_its_label_and_has_18_rules(static_speed):
    assert static_speed.count_rules(static_speed.RULES) == 18
    assert static_speed.semgrep_label(static_speed.RULES) == "semgrep (local Flask rules)"
    assert static_speed.semgrep_label(static_speed.RULES, "local Flask rules") == "semgrep (local Flask rules, 18)"


def test_a_directory_of_rule_files_is_counted_and_named(static_speed, tmp_path):
    rules = tmp_path / "registry"
    (rules / "python" / "flask").mkdir(parents=True)
    (rules / "python" / "flask" / "a.yaml").write_text(
        "rules:\n  - id: one\n    pattern: eval(...)\n  - id: two\n    pattern: exec(...)\n"
    )
    (rules / "python" / "b.yml").write_text("rules:\n- id: three\n  pattern: os.system(...)\n")
    (rules / "python" / "b.py").write_text("# - id: not a rule file\n")
    (rules / "SOURCES.txt").write_text("- id: nor this\n")
    assert static_speed.count_rules(rules) == 3
    assert static_speed.semgrep_label(rules, "registry Python rules") == "semgrep (registry Python rules, 3)"
    assert static_speed.semgrep_label(rules) == "semgrep (registry, 3)"


def test_results_name_a_ruleset_without_the_measuring_machines_paths(static_speed, tmp_path):
    assert static_speed.shown_config(static_speed.RULES) == "benchmarks/semgrep-flask.yml"
    outside = tmp_path / "semgrep-registry"
    outside.mkdir()
    assert static_speed.shown_config(outside) == "semgrep-registry"
