"""Every rule's VALID/INVALID examples are tests (the docs show the same code)."""

from __future__ import annotations

import textwrap

import pytest

from flask_doctor.rulebook import DOC_SECTIONS
from flask_doctor.static.rules import all_rules
from flask_doctor.static.runner import analyse_sources

RULES = all_rules()


def _cases(kind: str):
    for code, rule in RULES.items():
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{code}-{kind.lower()}-{i}")


def _run(rule, example):
    sources = {"app.py": textwrap.dedent(example.code).lstrip("\n")}
    sources.update({path: textwrap.dedent(text).lstrip("\n") for path, text in example.files.items()})
    result = analyse_sources(sources, select=[rule.code], preview=example.preview)
    problems = [f for f in result.findings if f.code in ("FD001", "FD004")]
    assert not problems, problems
    return [f for f in result.findings if f.code == rule.code]


def _marked(example):
    files = {"app.py": example.code, **example.files}
    marks = []
    for path, text in files.items():
        for number, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1):
            if line.rstrip().endswith("# expect"):
                marks.append((path, number))
    return sorted(marks)


@pytest.mark.parametrize("rule, example", list(_cases("VALID")))
def test_valid_examples_produce_no_finding(rule, example):
    assert _run(rule, example) == []


@pytest.mark.parametrize("rule, example", list(_cases("INVALID")))
def test_invalid_examples_produce_the_expected_findings(rule, example):
    findings = _run(rule, example)
    got = sorted((f.location.path, f.location.line) for f in findings if f.location)
    assert got == _marked(example), [f.message for f in findings]
    if example.message:
        assert example.message in findings[0].message, findings[0].message
    for f in findings:
        assert f.name == rule.name and f.catalog == rule.catalog and f.surface == "check"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_documentation_follows_the_template(code):
    rule = RULES[code]
    sections = rule.meta.sections
    assert list(sections) == list(DOC_SECTIONS), f"{code} docstring sections: {list(sections)}"
    assert all(sections[s].strip() for s in DOC_SECTIONS), f"{code} has an empty section"
    assert rule.summary and rule.name and rule.code.startswith("FD")
    assert len(rule.VALID) >= len(rule.INVALID) >= 1 or rule.check_project is not None


def test_rule_ids_and_names_are_unique():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
