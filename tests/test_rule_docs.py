"""docs/rules is generated from the code; fail when it is stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_rule_docs", ROOT / "scripts" / "generate_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_rule_pages_are_up_to_date() -> None:
    generator = load_generator()
    stale = []
    for name, text in generator.expected_pages().items():
        page = ROOT / "docs" / "rules" / name
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            stale.append(name)
    extra = {p.name for p in (ROOT / "docs" / "rules").glob("FD*.md")} - set(generator.expected_pages())
    assert not stale and not extra, (
        f"run `python scripts/generate_rule_docs.py` (stale: {stale}, extra: {sorted(extra)})"
    )


def test_readme_coverage_table_is_up_to_date() -> None:
    generator = load_generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generator.readme_with_coverage(readme) == readme, "run `python scripts/generate_rule_docs.py`"
