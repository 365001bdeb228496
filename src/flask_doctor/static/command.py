"""``flask-doctor check``, ``rules`` and ``rule``: the static surface's commands."""

from __future__ import annotations

import gc
import json
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from flask_doctor.catalogue.precision import Precision, off_by_default, off_reason, precision_of
from flask_doctor.cli_common import (
    EXIT_ERROR,
    UsageError,
    emit,
    exit_code_for,
    finish,
    output_options,
    split_codes,
)
from flask_doctor.config import ConfigError, load_settings, merge_cli
from flask_doctor.report import RenderContext, file_line_reader
from flask_doctor.rulebook import all_metas, get_meta
from flask_doctor.safe_text import printable

if TYPE_CHECKING:  # pragma: no cover
    from flask_doctor.baseline import BaselineEntry
    from flask_doctor.static.runner import NotChecked


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@output_options
@click.option("--extend-select", multiple=True, help="Add rule ids or prefixes to the selection.")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (replaces the configured list).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this TOML file instead of pyproject.toml.",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Treat findings recorded in this baseline file as silenced.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the current findings in FILE (adopt the tool on a legacy codebase) and exit 0.",
)
@click.option(
    "--show-stale-baseline",
    is_flag=True,
    help="With --baseline: list the baseline entries no finding matches any more (on stderr).",
)
@click.option(
    "--files-only",
    is_flag=True,
    help="Build the model from the whole project but report only findings located in PATHS "
    "(for pre-commit, which passes the staged files).",
)
@click.option("--watch", is_flag=True, help="Check again whenever a checked file changes (needs watchfiles).")
@click.option("--preview", is_flag=True, help="Also run rules still in preview.")
@click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    help="Processes for the rule walk: N-1 forked workers beside this one (Linux) [default: 1].",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour (implies --fix).")
@click.option(
    "--diff", is_flag=True, help="Print the fixes as a unified diff and write nothing; exit 1 when there is any."
)
@click.option(
    "--no-cache", is_flag=True, help="Neither read nor write .flask-doctor-cache/ (also: FLASK_DOCTOR_NO_CACHE=1)."
)
def check_command(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_level: str | None,
    no_color: bool,
    quiet: bool,
    debug: bool,
    extend_select: tuple[str, ...],
    exclude: tuple[str, ...],
    config_file: Path | None,
    statistics: bool,
    baseline: Path | None,
    write_baseline: Path | None,
    show_stale_baseline: bool,
    files_only: bool,
    watch: bool,
    preview: bool,
    jobs: int | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    no_cache: bool,
) -> None:
    """Check Python sources and deploy files without importing or running them.

    PATHS default to the current directory. Exit status: 0 when nothing at or
    above --fail-level remains, 1 when findings remain, 2 on usage or
    internal errors.
    """
    # The process ends after this command: keep the collector off until then,
    # or the first allocation after the run rescans every syntax tree (2 s on
    # 200,000 lines) for cycles nobody needs collected. Off before the engine
    # and the rules are imported too: their import makes no garbage, and the
    # ~50 collections it set off scanned the new classes and functions again
    # and again (~3 % of start-up).
    gc.disable()
    from flask_doctor.static.engine import known_codes, run_check

    targets = list(paths) or [Path(".")]
    for target in targets:
        if not target.exists():
            raise UsageError(f"{target}: no such file or directory")
    if show_stale_baseline and baseline is None:
        raise UsageError("--show-stale-baseline needs --baseline FILE")
    if files_only and not paths:
        raise UsageError("--files-only needs the files to report on")
    if watch and write_baseline is not None:
        raise UsageError("--watch cannot be combined with --write-baseline")
    try:
        settings = load_settings(targets[0], config_file, known_codes=known_codes)
        settings = merge_cli(
            settings,
            select=split_codes(select) or None,
            ignore=split_codes(ignore) or None,
            extend_select=split_codes(extend_select) or None,
            exclude=list(exclude) or None,
            fail_level=fail_level,
            known_codes=known_codes,
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if preview:
        settings.preview = True
    if watch:
        _watch(click.get_current_context(), targets, settings.root, baseline)
        return
    if fix or unsafe_fixes or diff:
        if write_baseline is not None:
            raise UsageError("--write-baseline cannot be combined with --fix, --unsafe-fixes or --diff")
        _fix(targets, settings, unsafe=unsafe_fixes, diff=diff, jobs=jobs, debug=debug, quiet=quiet)
    scope = None
    if files_only:
        from flask_doctor.static.scope import FileScope

        try:
            scope = FileScope.of(targets, settings)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    started = time.perf_counter()
    try:
        if scope is not None and scope.empty:
            from flask_doctor.static.engine import CheckResult

            result = CheckResult(root=settings.root)
        else:
            result = run_check(
                list(scope.model_roots) if scope else targets,
                settings,
                jobs=jobs,
                baseline=baseline,
                cache=not no_cache,
            )
        if scope is not None:
            result = scope.restrict(result)
    except Exception as exc:
        if debug:
            import traceback  # only for --debug (see cli.main)

            traceback.print_exc()
        from flask_doctor.baseline import BaselineError

        if isinstance(exc, BaselineError):
            raise UsageError(str(exc)) from None
        click.echo(
            f"flask-doctor: internal error: {exc.__class__.__name__}: {printable(str(exc))}"
            + ("" if debug else " (rerun with --debug for the traceback)"),
            err=True,
        )
        sys.exit(EXIT_ERROR)
    elapsed = time.perf_counter() - started
    line_text = file_line_reader(result.root)
    if write_baseline is not None:
        from flask_doctor.baseline import write_baseline as write

        count = write(write_baseline, result.findings, line_text)
        click.echo(f"Wrote {count} findings to {write_baseline}", err=True)
        sys.exit(0)
    from flask_doctor.static.engine import held_back_rules

    held_back = held_back_rules(settings)
    ctx = RenderContext(
        surface="check",
        root=result.root,
        statistics=statistics,
        quiet=quiet,
        files_checked=result.files_checked,
        line_text=line_text,
        # JSON readers learn which rules did not run and which files were not checked, as a text reader
        # does on stderr.
        extra=_run_notes(held_back, result.not_checked),
    )
    emit(result.findings, fmt=fmt, output=output, ctx=ctx, no_color=no_color)
    if not quiet and fmt == "text":
        _print_held_back(held_back)
        _print_not_checked(result.not_checked)
    if show_stale_baseline:
        _print_stale(result.stale_baseline, baseline)
    if debug:
        click.echo(f"checked {result.files_checked} files in {elapsed:.2f}s", err=True)
    finish(exit_code_for(result.findings, settings.fail_level))


def _fix(
    targets: list[Path], settings, *, unsafe: bool, diff: bool, jobs: int | None, debug: bool, quiet: bool
) -> None:
    """Run the cures; with ``diff`` print the patch and exit, else write and let the check report the rest."""
    from flask_doctor.static.fixes.base import FixOptions
    from flask_doctor.static.fixes.engine import run_fix

    table = settings.sections.get("fix", {})
    defaults = FixOptions()
    options = FixOptions(
        http_timeout=table.get("http-timeout", defaults.http_timeout),
        pool_recycle=table.get("pool-recycle", defaults.pool_recycle),
        cache_maxsize=table.get("cache-maxsize", defaults.cache_maxsize),
        task_max_retries=table.get("task-max-retries", defaults.task_max_retries),
    )
    try:
        report = run_fix(targets, settings, unsafe=unsafe, write=not diff, options=options, jobs=jobs)
    except Exception as exc:
        if debug:
            import traceback  # only for --debug (see cli.main)

            traceback.print_exc()
        click.echo(
            f"flask-doctor: internal error while fixing: {exc.__class__.__name__}: {printable(str(exc))}", err=True
        )
        sys.exit(EXIT_ERROR)
    if not quiet:
        for finding, reason in report.skipped:
            loc = finding.location
            click.echo(printable(f"skipped {finding.code} at {loc}: {reason}"), err=True)
        click.echo(printable(("Would fix: " if diff else "Fixed: ") + report.summary()), err=True)
    if diff:
        click.echo(report.diff(), nl=False)
        sys.exit(1 if report.changed else 0)


def _run_notes(held_back: list[str], not_checked: list[NotChecked]) -> dict[str, object]:
    """``extra`` of a check report: the rules left out, and the files written for a newer Python."""
    extra: dict[str, object] = {}
    if held_back:
        extra["rules_off_by_default"] = {code: off_reason(code) for code in held_back}
    if not_checked:
        extra["files_not_checked"] = [
            {"path": n.path, "line": n.line, "reason": n.reason, "hint": n.hint} for n in not_checked
        ]
    return extra


def _print_not_checked(files: list[NotChecked]) -> None:
    """Name the files no rule checked because this Python cannot parse their newer syntax, on stderr:
    nothing is wrong in them, but their absence from the report must not read as clean."""
    for item in files:
        click.echo(printable(f"Not checked: {item.path}: {item.reason}"), err=True)
    if files:
        click.echo(printable(files[0].hint), err=True)


def _print_held_back(codes: list[str]) -> None:
    """Say which rules did not run because of their measured precision, after a text report, on stderr
    (``--output`` keeps the report alone): a rule left out must not look like a clean result. A JSON
    report says it in ``extra.rules_off_by_default``; ``flask-doctor rules --format json`` marks them."""
    from flask_doctor.catalogue.precision import QUIET_FLOOR

    if not codes:
        return
    click.echo(
        f"Off by default: {', '.join(codes)}: under {QUIET_FLOOR:.0%} of their findings on real code they were "
        "never tuned on were judged true (docs/precision); --preview runs them, as does naming one in `select`",
        err=True,
    )


def _print_stale(entries: list[BaselineEntry], baseline: Path | None) -> None:
    """List stale baseline entries on stderr, so a JSON or SARIF report on stdout stays valid."""
    for entry in entries:
        click.echo(f"stale: {entry.fingerprint} {entry.code} {printable(entry.path)}", err=True)
    noun = "entry" if len(entries) == 1 else "entries"
    tail = "; refresh it with --write-baseline" if entries else ""
    click.echo(f"{len(entries)} stale baseline {noun} in {printable(str(baseline))}{tail}", err=True)


def _watch(ctx: click.Context, targets: list[Path], root: Path, baseline: Path | None) -> None:
    """Run this same command, without ``--watch``, now and after every change."""
    from flask_doctor.static.watch import watch_and_rerun, watch_paths

    params = {**ctx.params, "watch": False}
    watch_and_rerun(
        lambda: ctx.invoke(check_command, **params),
        watch_paths(targets, root),
        extra_files=[baseline] if baseline is not None else [],
    )


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: id, name, severity, surfaces, catalog problems, summary."""
    metas = [m for m in all_metas() if m.code not in ("FD001", "FD002", "FD003", "FD004")]
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "code": m.code,
                        "name": m.name,
                        "severity": m.severity.label,
                        "surfaces": list(m.surfaces),
                        "catalog": list(m.catalog),
                        "summary": m.summary,
                        "preview": m.preview,
                        "off_by_default": "check" in m.surfaces and off_by_default(m.code),
                        "precision": _precision_json(precision_of(m.code)) if "check" in m.surfaces else None,
                    }
                    for m in metas
                ],
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_lines=False)
    for column in ("id", "name", "severity", "surfaces", "catalog", "precision", "summary"):
        table.add_column(column, overflow="fold")
    for m in metas:
        precision = precision_of(m.code).level if "check" in m.surfaces else "-"
        table.add_row(
            m.code,
            m.name + (" (preview)" if m.preview else " (off by default)" if off_by_default(m.code) else ""),
            m.severity.label,
            ",".join(m.surfaces),
            " ".join(m.catalog),
            precision,
            m.summary,
        )
    Console(width=max(160, Console().width), soft_wrap=False).print(table)


def _precision_json(precision: Precision) -> dict[str, object]:
    held = precision.held
    return {"level": precision.level, "held_true": held.true, "held_judged": held.judged}


def strip_expect_marks(text: str) -> str:
    """Examples carry ``# expect`` marks for the tests; users need not see them."""
    return re.sub(r"[ \t]*# expect(?::[ \t]*[A-Z0-9, ]+)?[ \t]*$", "", text, flags=re.MULTILINE)


def rule_markdown(code: str) -> str:
    """The rule page, generated from the rule's own metadata and docstring."""
    meta = get_meta(code)
    if meta is None:
        raise KeyError(code)
    lines = [f"# {meta.code} {meta.name}", ""]
    lines.append(f"- **Severity:** {meta.severity.label}")
    lines.append(f"- **Surfaces:** {', '.join(meta.surfaces)}")
    if meta.catalog:
        lines.append(f"- **Catalog:** {', '.join(meta.catalog)}")
    lines.append(f"- **Fix:** {meta.fix_safety}" + (_FIX_FLAGS.get(meta.fix_safety, "")))
    if meta.preview:
        lines.append("- **Status:** preview")
    elif "check" in meta.surfaces and off_by_default(meta.code):
        lines.append(f"- **Status:** off by default: {off_reason(meta.code)}")
    if "check" in meta.surfaces and not meta.code.startswith("FD00"):
        lines.append(
            f"- **Precision on real code:** {precision_of(meta.code).describe()}"
            " ([how it is measured](../precision/README.md))"
        )
    lines += ["", meta.summary, ""]
    if meta.doc:
        lines.append(strip_expect_marks(meta.doc))
    example = meta.fix_example
    if example is not None:
        import textwrap

        lang = "python" if example.path.endswith(".py") else ""
        lines += [
            "",
            "## Automatic fix",
            "",
            f"`flask-doctor check {_FIX_FLAGS_CLI.get(meta.fix_safety, '--fix')}` rewrites this (`{example.path}`):",
            "",
            f"```{lang}",
            textwrap.dedent(example.before).strip("\n"),
            "```",
            "",
            "into:",
            "",
            f"```{lang}",
            textwrap.dedent(example.after).strip("\n"),
            "```",
        ]
    return "\n".join(lines).rstrip() + "\n"


_FIX_FLAGS = {"safe": " (applied by `--fix`)", "unsafe": " (applied by `--fix --unsafe-fixes`)"}
_FIX_FLAGS_CLI = {"safe": "--fix", "unsafe": "--fix --unsafe-fixes"}


@click.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Show the documentation of one rule (e.g. FD201)."""
    code = code.strip().upper()
    if get_meta(code) is None:
        known = [m.code for m in all_metas()]
        import difflib

        close = difflib.get_close_matches(code, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(f"unknown rule {code}{hint}; `flask-doctor rules` lists them")
    text = rule_markdown(code)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        click.echo(text, nl=False)
