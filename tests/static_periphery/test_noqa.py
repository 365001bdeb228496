"""``# noqa`` parsing and application, including FD003 for stale directives."""

from __future__ import annotations

import pytest

from flask_doctor.findings import Finding, Location, Severity
from flask_doctor.static.noqa import apply_noqa, parse_noqa

KNOWN = {"FD003", "FD201", "FD202", "FD203", "FD301", "FD302"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # noqa", None),
        ("x = 1  # NOQA", None),
        ("x = 1  #noqa", None),
        ("x = 1  # noqa:", None),
        ("x = 1  # noqa: FD201", frozenset({"FD201"})),
        ("x = 1  # noqa:FD201,FD202", frozenset({"FD201", "FD202"})),
        ("x = 1  # noqa: FD201 FD202", frozenset({"FD201", "FD202"})),
        ("x = 1  # noqa: FD201, FD202  bounded by the form", frozenset({"FD201", "FD202"})),
        ("x = 1  # noqa : fd201", frozenset({"FD201"})),
        ("x = 1  # noqa: E501, FD302, S101", frozenset({"FD302"})),
        ("x = 1  # type: ignore  # noqa: FD201", frozenset({"FD201"})),
        ("x = 1  # noqa: FD999", frozenset({"FD999"})),
    ],
)
def test_parse_directives(line: str, expected: frozenset[str] | None) -> None:
    assert parse_noqa(line + "\n") == {1: expected}


@pytest.mark.parametrize(
    "line",
    [
        "x = 1  # noqa: E501",
        "x = 1  # noqa:S101,E731",
        "x = 1  # noqanything",
        "x = 1  # see the noqa docs",
        's = "# noqa"',
        "x = 1  # nothing to see",
    ],
)
def test_lines_without_our_directives_are_absent(line: str) -> None:
    assert parse_noqa(line + "\n") == {}


def test_strings_do_not_count_but_comments_after_them_do() -> None:
    source = 'MESSAGE = """\nuse # noqa to silence\n"""  # noqa: FD302\nurl = \'http://x/#noqa\'\n'
    assert parse_noqa(source) == {3: frozenset({"FD302"})}


SCANNED = [
    'x = "# noqa"  # noqa: FD302\n',
    "s = '''\n# noqa: FD201\n'''  # noqa: FD202\n",
    's = """a\\""" # noqa"""  # noqa\n',
    "s = r'\\' # noqa: FD201'  # noqa: FD202\n",
    "s = 'a\\\n# noqa' # noqa: FD203\n",
    "s = f'{x!r}#' + '''# noqa''''' ''  # noqa: FD301\n",
    "d = {'#': 1}  # NOQA : fd201, E501\n# noqa\n",
    "s = ''  # noqa: FD201\nt = '''''' # noqa: FD202\n",
    "x = 1\r\n# noqa: FD201\r\ns = '\\\r\n# noqa'  # noqa: FD202\r\n",
]


@pytest.mark.parametrize("source", SCANNED)
def test_scanned_comments_are_the_tokenized_ones(source: str) -> None:
    """A source known to parse has its comments found by a scan: the same directives as tokenize's."""
    compile(source, "<test>", "exec")
    assert parse_noqa(source, parsed=True) == parse_noqa(source) != {}


def test_regex_fallback_when_source_does_not_tokenize() -> None:
    source = "def broken(:\n    x = '''\n    y = 1  # noqa: FD201\n"
    assert parse_noqa(source) == {3: frozenset({"FD201"})}


def test_empty_source() -> None:
    assert parse_noqa("") == {}


def finding(code: str, line: int, end_line: int = 0, path: str = "app/views.py") -> Finding:
    return Finding(
        code=code,
        name="rule-" + code.lower(),
        severity=Severity.ERROR,
        message=f"problem {code}",
        location=Location(path, line, 5, end_line, 0),
    )


def unused(line: int, message: str, path: str = "app/views.py") -> Finding:
    hint = (
        "Check the id with `flask-doctor rules`, or remove it from the directive."
        if message.startswith("unknown")
        else f"Nothing on this line triggers {message.rsplit(' ', 1)[-1]} any more: remove it from the directive."
    )
    return Finding(
        code="FD003",
        name="unused-noqa",
        severity=Severity.WARNING,
        message=message,
        location=Location(path, line),
        hint=hint,
    )


SOURCE = """\
users = User.query.all()  # noqa: FD201
for user in users:
    user.orders  # noqa: FD203, E501
posts = Post.query.all()  # noqa
key = "dev"  # noqa: FD302, FD201, FD999
rows = db.session.execute(  # noqa: FD202
    text("select 1"),
)  # noqa: FD201
"""


def test_apply_noqa_suppresses_and_reports_stale_codes() -> None:
    findings = [
        finding("FD201", 1),
        finding("FD203", 3),
        finding("FD201", 4),
        finding("FD302", 5),
        finding("FD202", 6, 8),  # directive on the first line of the range
        finding("FD201", 6, 8),  # directive on the last line of the range
        finding("FD301", 2),
    ]
    result = apply_noqa(findings, {"app/views.py": parse_noqa(SOURCE)}, KNOWN)
    assert result == [
        findings[0].with_changes(suppressed=True),
        findings[1].with_changes(suppressed=True),
        findings[2].with_changes(suppressed=True),
        findings[3].with_changes(suppressed=True),
        findings[4].with_changes(suppressed=True),
        findings[5].with_changes(suppressed=True),
        findings[6],
        unused(5, "unused noqa directive for FD201"),
        unused(5, "unknown rule id FD999 in noqa"),
    ]


def test_foreign_codes_never_suppress_ours() -> None:
    result = apply_noqa([finding("FD201", 1)], {"app/views.py": parse_noqa("x = 1  # noqa: E501\n")}, KNOWN)
    assert result == [finding("FD201", 1)]


def test_unused_blanket_noqa_is_not_reported() -> None:
    assert apply_noqa([], {"app/views.py": parse_noqa("x = 1  # noqa\n")}, KNOWN) == []


def test_codes_of_rules_that_did_not_run_are_not_judged() -> None:
    noqa = {"app/views.py": parse_noqa("x = 1  # noqa: FD201, FD302\n")}
    result = apply_noqa([], noqa, KNOWN, enabled=lambda code, path: code.startswith("FD3"))
    assert result == [unused(1, "unused noqa directive for FD302")]


def test_noqa_fd003_silences_its_own_line() -> None:
    noqa = {"app/views.py": parse_noqa("x = 1  # noqa: FD201, FD003\n")}
    assert apply_noqa([], noqa, KNOWN) == []


def test_directive_in_other_file_or_line_does_not_apply() -> None:
    noqa = {"app/models.py": parse_noqa("x = 1  # noqa\n"), "app/views.py": {2: None}}
    result = apply_noqa([finding("FD201", 1), finding("FD201", 1, path="app/other.py")], noqa, KNOWN)
    assert [f.suppressed for f in result] == [False, False]


def test_findings_without_location_and_syntax_errors_are_untouched() -> None:
    objectless = Finding("FD301", "x", Severity.ERROR, "config", obj="config:SECRET_KEY")
    syntax = finding("FD001", 1)
    result = apply_noqa([objectless, syntax], {"app/views.py": {1: None}}, KNOWN)
    assert result == [objectless, syntax]


def test_already_suppressed_findings_still_use_their_directive() -> None:
    done = finding("FD201", 1).with_changes(suppressed=True)
    result = apply_noqa([done], {"app/views.py": {1: frozenset({"FD201"})}}, KNOWN)
    assert result == [done]
