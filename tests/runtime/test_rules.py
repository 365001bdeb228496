"""Runtime rule metadata: shared ids keep the static names, runtime-only ids carry full docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_doctor.rulebook import DOC_SECTIONS, get_meta
from flask_doctor.runtime import detectors as D

RULE_IDS = Path(__file__).resolve().parents[2] / "docs" / "rule-ids.md"


def allocated() -> dict[str, str]:
    return dict(re.findall(r"^\| (FD\d{3}) \| ([a-z0-9-]+) \|", RULE_IDS.read_text(), re.M))


@pytest.mark.parametrize("det", D.ALL_DETECTORS, ids=lambda d: type(d).__name__)
def test_ids_and_names_follow_the_plan(det: D.Detector) -> None:
    number = int(det.code[3:])
    if det.owns_docs:
        assert 70 <= number <= 99, f"{det.code}: runtime-only ids live in xx70-xx99"
        assert allocated().get(det.code, det.name) == det.name
    else:
        assert number <= 39
        assert allocated()[det.code] == det.name, "shared ids use the static rule's kebab name"


@pytest.mark.parametrize("det", [d for d in D.ALL_DETECTORS if d.owns_docs], ids=lambda d: d.code)
def test_runtime_only_ids_have_the_docstring_template(det: D.Detector) -> None:
    meta = get_meta(det.code)
    assert meta is not None and "runtime" in meta.surfaces
    assert list(meta.sections) == list(DOC_SECTIONS)
    assert all(meta.sections[s].strip() for s in DOC_SECTIONS)


def test_every_runtime_id_is_registered_for_the_runtime_surface() -> None:
    for code in {d.code for d in D.ALL_DETECTORS} | {"FD102"}:
        meta = get_meta(code)
        assert meta is not None and "runtime" in meta.surfaces, code
