"""Runtime rule metadata: shared ids keep the static names, runtime-only ids carry full docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_doctor.catalogue import runtime as runtime_catalogue
from flask_doctor.rulebook import DOC_SECTIONS, get_meta
from flask_doctor.runtime import detectors as D
from flask_doctor.static.rules import all_rules

RULE_IDS = Path(__file__).resolve().parents[2] / "docs" / "rule-ids.md"
CODES = sorted({d.code for d in D.ALL_DETECTORS} | {D.GROWING_CONTAINER.LRU_CODE})


def allocated() -> dict[str, str]:
    return dict(re.findall(r"^\| (FD\d{3}) \| ([a-z0-9-]+) \|", RULE_IDS.read_text(), re.M))


@pytest.mark.parametrize("code", CODES)
def test_ids_and_names_follow_the_plan(code: str) -> None:
    meta = get_meta(code)
    assert meta is not None and "runtime" in meta.surfaces
    if code in all_rules():
        assert int(code[3:]) <= 39
        assert code in runtime_catalogue.ALSO_RAISES
        assert allocated()[code] == meta.name, "shared ids use the static rule's kebab name"
    else:
        assert 70 <= int(code[3:]) <= 99, f"{code}: runtime-only ids live in xx70-xx99"
        assert allocated().get(code, meta.name) == meta.name
        assert meta.surfaces == ("runtime",) and meta.preview


@pytest.mark.parametrize("code", [c for c in CODES if c not in all_rules()])
def test_runtime_only_ids_have_the_docstring_template(code: str) -> None:
    meta = get_meta(code)
    assert meta is not None
    assert list(meta.sections) == list(DOC_SECTIONS)
    assert all(meta.sections[s].strip() for s in DOC_SECTIONS)


def test_the_catalogue_declares_exactly_the_static_ids_the_detectors_raise() -> None:
    assert set(runtime_catalogue.ALSO_RAISES) == {c for c in CODES if c in all_rules()}
