"""The checker never raises, whatever the input: a seeded mutator over every
rule example and fixture file, plus Hypothesis-generated text."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_doctor.static.rules import all_rules
from flask_doctor.static.runner import analyse_sources

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def corpus() -> list[str]:
    texts = []
    for rule in all_rules().values():
        for example in list(rule.VALID) + list(rule.INVALID):
            texts.append(textwrap.dedent(example.code).lstrip("\n"))
    for path in sorted(FIXTURES.rglob("*.py")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines[i] = "    " + lines[i]
        elif op == 4:
            lines[i] = lines[i].lstrip()
        else:
            words = " ".join(lines).split()
            if words:
                lines[i] = lines[i].replace(rng.choice(words), rng.choice(words), 1)
    return "\n".join(lines) + "\n"


def test_seeded_mutations_never_crash_a_rule() -> None:
    rng = random.Random(20261127)
    texts = corpus()
    parsed = 0
    for _round in range(600):
        text = mutate(rng.choice(texts), rng)
        result = analyse_sources({"app.py": text, "pkg/__init__.py": mutate(rng.choice(texts), rng)})
        crashes = [f for f in result.findings if f.code == "FD004"]
        assert not crashes, (crashes, text)
        parsed += not any(f.code == "FD001" and f.location.path == "app.py" for f in result.findings)
    assert parsed > 150  # the mutator must exercise the rules, not just the parser


TOKENS = list("abcdefxyz_=()[]{}:.,'\"\n #@0123456789+-*/<>!") + [
    "def ",
    "class ",
    "for ",
    "in ",
    "if ",
    "return ",
    "import ",
    "from ",
    "with ",
    "global ",
    "app.",
    "request.",
    "    ",
    "query.all()",
    "@app.route('/')\n",
    "time.sleep(1)",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=120).map("".join))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = analyse_sources({"app.py": text})
    assert not [f for f in result.findings if f.code == "FD004"]
