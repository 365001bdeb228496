"""Human output: grouped by file, the offending line, rule, message and hint."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from flask_doctor.findings import Finding, Severity
from flask_doctor.safe_text import printable

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.report import RenderContext

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def render_text(findings: Sequence[Finding], ctx: RenderContext) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=ctx.color,
        no_color=not ctx.color,
        width=200,
        highlight=False,
        soft_wrap=True,
    )
    shown = [f for f in findings if not f.suppressed]
    silenced = len(findings) - len(shown)

    def group_key(f: Finding) -> str:
        if f.location is not None:
            return f.location.path
        return f.obj.split(":", 1)[0] if f.obj else "(application)"

    if not ctx.quiet:
        for group, items in groupby(shown, key=group_key):
            console.print(f"[bold]{_safe(group)}[/bold]")
            for f in items:
                _print_finding(console, f, ctx)
            console.print()
    if ctx.statistics and shown:
        console.print("[bold]Statistics[/bold]")
        names = {f.code: f.name for f in shown}
        for code, count in sorted(Counter(f.code for f in shown).items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(f"  {count:>5}  {code}  {_safe(names[code])}")
        console.print()
    noun = "finding" if len(shown) == 1 else "findings"
    where = f" in {ctx.files_checked} files" if ctx.files_checked else ""
    if shown:
        worst = max(f.severity for f in shown)
        console.print(f"[{_STYLE[worst]}]{len(shown)} {noun}[/{_STYLE[worst]}]{where} ({silenced} silenced)")
    else:
        console.print(f"[green]No findings[/green]{where} ({silenced} silenced)")
    return buffer.getvalue()


def _print_finding(console: Console, f: Finding, ctx: RenderContext) -> None:
    style = _STYLE[f.severity]
    where = ""
    if f.location is not None and f.location.line:
        where = f"{f.location.line}:{f.location.column or 1} "
    elif f.obj:
        where = f"{f.obj} "
    console.print(
        f"  {_safe(where)}[{style}]{f.severity.label}[/{style}] "
        f"[bold]{f.code}[/bold] [dim]{_safe(f.name)}[/dim]  {_safe(f.message)}"
    )
    line = ctx.text_of(f.location)
    if line.strip():
        console.print(f"      [dim]{f.location.line:>4} |[/dim] {_safe(line.rstrip())}")  # type: ignore[union-attr]
        if f.location is not None and f.location.column:
            width = 1
            if f.location.end_line == f.location.line and f.location.end_column > f.location.column:
                width = len(printable(line[f.location.column - 1 : f.location.end_column - 1])) or 1
            pad = " " * len(printable(line[: f.location.column - 1]))
            console.print(f"      [dim]     |[/dim] {pad}[{style}]{'^' * width}[/{style}]")
    for e in f.evidence:
        at = f" ({e.location.path}:{e.location.line})" if e.location is not None and e.location.line else ""
        console.print(f"      [dim]- {_safe(e.message)}{_safe(at)}[/dim]")
    if f.hint:
        # A hint may hold a code block: its lines are shown as lines, each made safe on its own
        # and behind a gutter, so no line of it can start a CI log line (`::error`) by itself.
        first, *rest = f.hint.split("\n")
        console.print(f"      [green]fix:[/green] {_safe(first)}")
        for more in rest:
            console.print(f"         [dim]|[/dim] {_safe(more)}")


def _safe(text: str) -> str:
    """Text from files or the app, shown as text: no markup, no control characters."""
    return escape(printable(text))
