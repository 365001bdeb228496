"""``flask-doctor audit`` and ``flask doctor audit``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from flask_doctor.audit.redact import redact_line
from flask_doctor.cli_common import (
    EXIT_ERROR,
    UsageError,
    emit,
    exit_code_for,
    filter_codes,
    output_options,
    split_codes,
)
from flask_doctor.report import RenderContext, file_line_reader
from flask_doctor.safe_text import printable, printable_lines


def _script_info_target(app_option: str | None) -> tuple[str | None, Any]:
    """The import path (and FlaskGroup factory) to load.

    An explicit ``--app`` wins; inside ``flask ... doctor audit`` Flask's own
    ScriptInfo (``flask --app``, FLASK_APP, a FlaskGroup factory) comes next;
    then FLASK_APP; then Flask's ``wsgi.py``/``app.py`` fallback.
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
    return app_option, None


def _load_celery(target: str) -> Any:
    from werkzeug.utils import ImportStringError, import_string

    module, _, attr = target.partition(":")
    try:
        obj = import_string(f"{module}:{attr}" if attr else module)
    except ImportStringError as exc:
        raise UsageError(f"--celery {target!r} cannot be imported: {exc.exception}") from exc
    if callable(obj) and not hasattr(obj, "conf"):
        obj = obj()
    if not hasattr(obj, "conf") or not hasattr(obj, "tasks"):
        raise UsageError(f"--celery {target!r} is not a Celery application (expected module:celery_app)")
    return obj


@click.command("audit")
@click.option("--app", "app_path", envvar="FLASK_APP", metavar="IMPORT",
              help="The application, as for `flask --app`: module, module:app, module:create_app('production').")
@click.option("--deploy", is_flag=True, help="Judge the app as production even if it says DEBUG.")
@click.option("--probe", is_flag=True, help="Also connect to the configured database, Redis and broker and test them.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=3.0, show_default=True, help="Seconds allowed for each probe connection.")
@click.option("--celery", "celery_path", metavar="IMPORT", help="The Celery app (module:celery) when it is not in app.extensions['celery'].")
@click.option("--workers", type=int, default=None, help="Worker processes in production (else WEB_CONCURRENCY / gunicorn.conf.py).")
@click.option("--tag", "tags", multiple=True, help="Only checks with this tag (config, security, sessions, database...).")
@output_options
def audit_command(
    app_path: str | None,
    deploy: bool,
    probe: bool,
    timeout: float,
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

    Exit codes: 0 nothing at or above --fail-level, 1 findings, 2 the app
    could not be loaded (or a usage error).
    """
    from flask_doctor.audit import deploy as deploy_facts
    from flask_doctor.audit.loader import AppLoadError, load
    from flask_doctor.audit.runner import make_context, run

    import_path, factory = _script_info_target(app_path)
    started = time.perf_counter()
    try:
        loaded = load(import_path, factory)
    except AppLoadError as exc:
        click.echo(f"flask-doctor: error: {printable(exc.message)}", err=True)
        if exc.details and exc.details.strip() != exc.message:
            click.echo(printable_lines(exc.details), err=True)
        click.echo(f"hint: {printable(exc.hint)}", err=True)
        if debug and exc.__cause__ is not None:
            import traceback

            click.echo("full traceback (--debug):", err=True)
            click.echo("".join(traceback.format_exception(exc.__cause__)).rstrip(), err=True)
        sys.exit(EXIT_ERROR)
    celery = _load_celery(celery_path) if celery_path else None
    app = loaded.app
    audit = make_context(
        app,
        deploy=deploy,
        second_app=loaded.second_app,
        sources=loaded.sources,
        celery=celery,
        probe=probe,
        timeout=timeout,
        deploy_facts=deploy_facts.detect(workers),
    )
    with app.app_context():
        result = run(audit, tags=tags, debug=debug)
    findings = filter_codes(result.findings, split_codes(select), split_codes(ignore))
    extra = dict(result.extra)
    extra["app"] = {
        "import": loaded.import_path or None,
        "name": app.import_name,
        "judged_as": "production" if audit.deploy else "development",
        "factory_called_twice": loaded.second_app is not None,
        "load_seconds": round(loaded.seconds, 3),
        "audit_seconds": round(time.perf_counter() - started, 3),
    }
    if fmt == "text" and not quiet and "probes" in extra:
        from flask_doctor.audit.probe import describe

        click.echo(describe(extra["probes"]), err=True)
    read_line = file_line_reader(Path.cwd())
    ctx = RenderContext(surface="audit", root=Path.cwd(), quiet=quiet, extra=extra,
                        line_text=lambda loc: redact_line(read_line(loc)))
    emit(findings, fmt=fmt, output=output, ctx=ctx, no_color=no_color)
    sys.exit(exit_code_for(findings, fail_level))
