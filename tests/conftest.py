from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.services import AMQP_URL, MARIADB_URL, POSTGRES_URL, REDIS_URL, require

if TYPE_CHECKING:
    from flask_doctor.findings import Finding, Severity
    from flask_doctor.rulebook import RuleMeta

# Fixture projects are inputs to the checker, not tests.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture
def postgres_url() -> str:
    require("postgresql")
    return POSTGRES_URL


@pytest.fixture
def mariadb_url() -> str:
    require("mariadb")
    return MARIADB_URL


@pytest.fixture
def redis_url() -> str:
    require("redis")
    return REDIS_URL


@pytest.fixture
def amqp_url() -> str:
    require("rabbitmq")
    return AMQP_URL


# ------------------------------------------------------------ rulebook drift
#: surface -> codes emitted during this test session (see the summary line).
EMITTED: dict[str, set[str]] = {}


@pytest.fixture(autouse=True)
def findings_match_the_rulebook() -> Iterator[None]:
    """Every finding any surface builds in any test must agree with its rule's registered metadata.

    Name and catalog as registered, a surface that declares the id, and a
    severity no higher than the registered one (only the user's configured
    severity may be higher).  Fails the test that emitted the finding.
    """
    from flask_doctor import rulebook

    violations: list[str] = []

    def check(finding: Finding, meta: RuleMeta, configured: Severity | None) -> None:
        EMITTED.setdefault(finding.surface, set()).add(finding.code)
        where = f"{finding.surface} {finding.code}"
        if finding.name != meta.name:
            violations.append(f"{where}: name {finding.name!r}, registered {meta.name!r}")
        if finding.catalog != meta.catalog:
            violations.append(f"{where}: catalog {finding.catalog}, registered {meta.catalog}")
        if finding.surface not in meta.surfaces:
            violations.append(f"{where}: {finding.surface} is not among the surfaces that declare it {meta.surfaces}")
        if finding.severity > meta.severity and finding.severity != configured:
            violations.append(
                f"{where}: severity {finding.severity.label} above the registered "
                f"{meta.severity.label} ({finding.message})"
            )

    rulebook.EMISSION_HOOKS.append(check)
    try:
        yield
    finally:
        rulebook.EMISSION_HOOKS.remove(check)
    assert not violations, "findings disagree with the rulebook:\n" + "\n".join(dict.fromkeys(violations))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if EMITTED:
        counts = ", ".join(f"{surface} {len(codes)}" for surface, codes in sorted(EMITTED.items()))
        terminalreporter.write_line(f"rule ids emitted and checked against the rulebook: {counts}")
