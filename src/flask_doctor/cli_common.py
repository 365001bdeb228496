"""Options and output handling shared by every command that reports findings.

``check``, ``audit``, ``report`` and ``soak`` all take ``--format``,
``--output``, ``--select``/``--ignore`` and ``--fail-level`` and exit with
0 (nothing at or above the fail level), 1 (findings) or 2 (usage or
internal error).  Keeping that here means the surfaces cannot drift apart.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from flask_doctor.findings import Finding, Severity
from flask_doctor.report import FORMATS, RenderContext, render
from flask_doctor.safe_text import printable

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def split_codes(values: Iterable[str]) -> list[str]:
    """``("FD2,FD301", "FD4")`` -> ``["FD2", "FD301", "FD4"]`` (upper-cased)."""
    codes: list[str] = []
    for value in values:
        codes.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return codes


def output_options(func: F) -> F:
    """Decorate a click command with the common reporting options."""
    options = [
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
        ),
        click.option(
            "--output",
            "-o",
            "output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the report to FILE instead of standard output.",
        ),
        click.option("--select", multiple=True, help="Only these rule ids or prefixes (FD2, FD301); comma-separated."),
        click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes; comma-separated."),
        click.option(
            "--fail-level",
            type=click.Choice(["error", "warning", "note"]),
            default=None,
            help="Exit 1 when a finding at or above this level remains [default: warning].",
        ),
        click.option("--no-color", is_flag=True, help="Never colour the text output."),
        click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (text format)."),
        click.option("--debug", is_flag=True, help="Show tracebacks of internal errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def code_matches(code: str, patterns: Sequence[str]) -> bool:
    return any(code.startswith(p) for p in patterns)


def filter_codes(findings: Iterable[Finding], select: Sequence[str], ignore: Sequence[str]) -> list[Finding]:
    kept = []
    for f in findings:
        if select and not code_matches(f.code, select):
            continue
        if ignore and code_matches(f.code, ignore):
            continue
        kept.append(f)
    return kept


def exit_code_for(findings: Iterable[Finding], fail_level: str | None) -> int:
    threshold = Severity.parse(fail_level or "warning")
    for f in findings:
        if not f.suppressed and f.severity >= threshold:
            return EXIT_FINDINGS
    return EXIT_OK


def emit(
    findings: Sequence[Finding],
    *,
    fmt: str,
    output: Path | None,
    ctx: RenderContext,
    no_color: bool = False,
) -> None:
    """Render and write; colour only for text on a terminal."""
    if fmt == "text" and output is None:
        ctx.color = (not no_color) and sys.stdout.isatty()
    text = render(findings, fmt, ctx)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


#: Set by the console script: a process that is about to exit need not free
#: millions of syntax-tree objects one by one (mypy exits the same way).
HARD_EXIT = False


def finish(code: int) -> None:
    """Exit with ``code``; from the console script, skip interpreter teardown."""
    if HARD_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


class UsageError(click.ClickException):
    """A problem the user can fix (bad option, bad config): exit 2, one line."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"flask-doctor: error: {printable(self.format_message())}", err=True)


def fail(message: str) -> None:
    raise UsageError(message)
