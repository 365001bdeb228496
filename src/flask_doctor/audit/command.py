"""``flask-doctor audit`` and ``flask doctor audit``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from flask_doctor.audit.process import IMPORT_TIMEOUT
from flask_doctor.cli_common import (
    UsageError,
    emit,
    exit_code_for,
    filter_codes,
    output_options,
    split_codes,
)
from flask_doctor.config import AUDIT_SERVERS
from flask_doctor.findings import Finding
from flask_doctor.redaction import redact_text
from flask_doctor.report import RenderContext
from flask_doctor.safe_text import printable, printable_lines


def _script_info_target(app_option: str | None) -> tuple[str | None, Any]:
    """The import path (and FlaskGroup factory) to load.

    An explicit ``--app`` wins; inside ``flask ... doctor audit`` Flask's own
    ScriptInfo (``flask --app``, FLASK_APP, a FlaskGroup factory) comes next;
    then FLASK_APP; then ``FLASK_APP`` written in ``.flaskenv``/``.env`` (only
    to find the app, as ``flask`` finds it; the app's environment does not get
    those files unless ``--server flask-run``); then Flask's
    ``wsgi.py``/``app.py`` fallback.
    """
    ctx = click.get_current_context(silent=True)
    from_env = ctx is not None and ctx.get_parameter_source("app_path") == click.core.ParameterSource.ENVIRONMENT
    if app_option and not from_env:
        return app_option, None
    if ctx is not None:
        from flask.cli import ScriptInfo

        info = ctx.find_object(ScriptInfo)
        if info is not None and (info.app_import_path or info.create_app):
            return info.app_import_path, info.create_app
    if app_option:
        return app_option, None
    from flask_doctor.audit.environment import dotenv_assignments, skip_dotenv

    named = None if skip_dotenv() else dotenv_assignments().get("FLASK_APP")
    return (named[0] if named else None), None


@click.command("audit")
@click.option(
    "--app",
    "app_path",
    envvar="FLASK_APP",
    metavar="IMPORT",
    help="The application, as for `flask --app`: module, module:app, module:create_app('production').",
)
@click.option("--deploy", is_flag=True, help="Judge the app as production even if it says DEBUG.")
@click.option("--probe", is_flag=True, help="Also connect to the configured database, Redis and broker and test them.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=3.0,
    show_default=True,
    help="Seconds allowed for each probe connection.",
)
@click.option(
    "--import-timeout",
    type=click.FloatRange(min=0.1),
    default=IMPORT_TIMEOUT,
    show_default=True,
    help="Seconds allowed to import and build the app (in a child process) before it is stopped.",
)
@click.option(
    "--server",
    type=click.Choice(AUDIT_SERVERS),
    default=None,
    help="How production runs the app [default: gunicorn, or [tool.flask-doctor.audit] server]; "
    "only flask-run reads .env/.flaskenv.",
)
@click.option(
    "--sample-view",
    "sample_views",
    multiple=True,
    metavar="ENDPOINT",
    help="Call this view (GET, test client) to measure its session cookie; repeatable. No other view is ever called.",
)
@click.option(
    "--celery",
    "celery_path",
    metavar="IMPORT",
    help="The Celery app (module:celery) when it is not in app.extensions['celery'].",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes in production (else WEB_CONCURRENCY / gunicorn.conf.py).",
)
@click.option(
    "--tag", "tags", multiple=True, help="Only checks with this tag (config, security, sessions, database...)."
)
@output_options
def audit_command(
    app_path: str | None,
    deploy: bool,
    probe: bool,
    timeout: float,
    import_timeout: float,
    server: str | None,
    sample_views: tuple[str, ...],
    celery_path: str | None,
    workers: int | None,
    tags: tuple[str, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_level: str | None,
    no_color: bool,
    quiet: bool,
    debug: bool,
) -> None:
    """Load the application and check its live configuration, extensions and services.

    The application is imported and audited in a child process; this one
    only renders the report.  Exit codes: 0 nothing at or above
    --fail-level, 1 findings, 2 the app could not be loaded (or a usage
    error), 130 interrupted.
    """
    from flask_doctor.audit import settings
    from flask_doctor.audit.child import AuditRequest
    from flask_doctor.audit.process import AuditFailed, run_child
    from flask_doctor.config import ConfigError

    try:
        project = settings.project_settings(Path.cwd())
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    import_path, factory = _script_info_target(app_path)
    request = AuditRequest(
        import_path=import_path,
        deploy=deploy,
        probe=probe,
        timeout=timeout,
        celery_path=celery_path,
        workers=workers,
        tags=list(tags),
        debug=debug,
        sample_views=list(sample_views),
        silenced=project.silenced,
        server=server or project.server or "gunicorn",
        dotenv_loaded=_dotenv_loaded_by_flask_cli(),
    )
    try:
        outcome = run_child(request, factory, import_timeout=import_timeout)
    except AuditFailed as failed:
        _relay(failed.output)
        _explain(failed, debug)
        sys.exit(failed.code)
    except KeyboardInterrupt:
        click.echo("flask-doctor: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    _relay(outcome.output)
    for note in outcome.notes:
        click.echo(f"note: {printable(note)}", err=True)
    findings = filter_codes([Finding.from_dict(f) for f in outcome.findings], split_codes(select), split_codes(ignore))
    extra = outcome.extra
    if "skipped_checks" in extra:
        click.echo(skipped_note(extra["skipped_checks"]), err=True)
    if fmt == "text" and not quiet and "probes" in extra:
        from flask_doctor.audit.probe import describe

        click.echo(printable_lines(describe(extra["probes"])), err=True)
    lines = outcome.lines
    ctx = RenderContext(
        surface="audit",
        root=Path.cwd(),
        quiet=quiet,
        extra=extra,
        line_text=lambda loc: lines.get(f"{loc.path}:{loc.line}", ""),
    )
    emit(findings, fmt=fmt, output=output, ctx=ctx, no_color=no_color)
    sys.exit(exit_code_for(findings, fail_level))


def skipped_note(skipped: dict[str, Any]) -> str:
    """One stderr note: which deployment checks did not run, and that they matter for production."""
    checks = skipped["checks"]
    tags = sorted({t for c in checks for t in c["tags"]} - {"facts"})
    names = ", ".join(c["check"].rsplit(".", 1)[-1] for c in checks)
    return (
        f"note: {skipped['reason']}, so {len(checks)} deployment checks were skipped: {names} "
        f"({', '.join(tags)}). They decide whether the app is safe in production: "
        "pass --deploy to run them."
    )


#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def _relay(output: str) -> None:
    """What the app printed while it was imported and audited: to standard error, masked and escaped."""
    if output.strip():
        click.echo(printable_lines(redact_text(output)), err=True)


def _explain(failed: Any, debug: bool) -> None:
    click.echo(f"flask-doctor: error: {printable(failed.message)}", err=True)
    if failed.details and failed.details.strip() != failed.message:
        click.echo(printable_lines(failed.details), err=True)
    if failed.hint:
        click.echo(f"hint: {printable(failed.hint)}", err=True)
    if debug and failed.traceback:
        click.echo("full traceback (--debug):", err=True)
        click.echo(printable_lines(failed.traceback.rstrip()), err=True)


def _dotenv_loaded_by_flask_cli() -> dict[str, str]:
    """Under ``flask doctor audit``: the variables Flask's CLI loaded from ``.env``/``.flaskenv`` (name -> file:line).

    ``flask`` loads them into the environment before any command runs;
    gunicorn and uWSGI never do.  The child decides, by ``--server``,
    whether to keep them.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.find_root().command is ctx.command:
        return {}
    from flask.cli import FlaskGroup

    root = ctx.find_root().command
    if not isinstance(root, FlaskGroup) or not getattr(root, "load_dotenv", True):
        return {}
    from flask_doctor.audit.environment import dotenv_assignments, skip_dotenv

    if skip_dotenv():
        return {}
    return {name: where for name, (value, where) in dotenv_assignments().items() if os.environ.get(name) == value}
