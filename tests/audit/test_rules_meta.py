"""Every audit id is registered, named as docs/rule-ids.md says, and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flask_doctor.audit.redact import describe_secret, redact_url, show_value
from flask_doctor.catalogue import audit as audit_catalogue
from flask_doctor.catalogue.base import Entry
from flask_doctor.rulebook import DOC_SECTIONS, get_meta

# the static allocations (the table of audit/runtime/soak ids below them is informative)
IDS_DOC = (Path(__file__).parents[2] / "docs" / "rule-ids.md").read_text().split("## Audit, runtime and soak ids")[0]
ALLOCATED = dict(re.findall(r"^\| (FD\d{3}) \| ([a-z0-9-]+) \|", IDS_DOC, re.MULTILINE))
AUDIT_ONLY = [e for e in vars(audit_catalogue).values() if isinstance(e, type) and issubclass(e, Entry) and e.code]


@pytest.mark.parametrize("code", [c for c in audit_catalogue.ALSO_RAISES if c != "FD004"])
def test_shared_ids_use_the_allocated_names(code: str) -> None:
    meta = get_meta(code)
    assert meta is not None and meta.name == ALLOCATED[code] and "audit" in meta.surfaces


@pytest.mark.parametrize("entry", AUDIT_ONLY, ids=lambda e: e.code)
def test_audit_only_ids_are_in_the_audit_range_and_documented(entry: type[Entry]) -> None:
    assert 40 <= int(entry.code[3:]) <= 69, "audit-only ids live in FDx40-FDx69"
    assert entry.code not in ALLOCATED
    meta = get_meta(entry.code)
    assert meta is not None and meta.name == entry.name and meta.surfaces == ("audit",)
    assert list(meta.sections) == list(DOC_SECTIONS)
    assert all(meta.sections[s].strip() for s in DOC_SECTIONS)
    assert meta.summary and not meta.summary.startswith("#")


def test_fd004_is_raised_by_check_and_audit() -> None:
    meta = get_meta("FD004")
    assert meta is not None and meta.surfaces == ("check", "audit")


def test_redaction() -> None:
    assert redact_url("postgresql://app:s3cret@db/app") == "postgresql://app:***@db/app"
    assert redact_url("redis://:tok@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact_url("redis://cache:6379/0") == "redis://cache:6379/0"
    assert redact_url("amqp://guest:guest@rabbit//") == "amqp://guest:***@rabbit//"
    assert describe_secret("a" * 32) == "<str, 32 chars, ~0 bits of entropy>"
    assert show_value("SECRET_KEY", "hunter2") == "<str, 7 chars, ~20 bits of entropy>"
    assert show_value("SQLALCHEMY_DATABASE_URI", "mysql://u:p@h/d") == "'mysql://u:***@h/d'"
    assert show_value("SESSION_COOKIE_SECURE", False) == "False"


def test_source_lines_are_printed_with_secrets_masked() -> None:
    from flask_doctor.audit.redact import redact_line

    assert redact_line('    SECRET_KEY = "change-me"') == '    SECRET_KEY = "***"'
    assert (
        redact_line('    SECRET_KEY = os.environ.get("APP_SECRET", "dev")')
        == '    SECRET_KEY = os.environ.get("APP_SECRET", "***")'
    )
    assert redact_line('DB = "postgresql://u:pw@h/d"') == 'DB = "postgresql://u:***@h/d"'
    assert redact_line('TITLE = "My blog"') == 'TITLE = "My blog"'
