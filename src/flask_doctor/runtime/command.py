"""``flask-doctor report`` / ``flask doctor report``: print the runtime findings.

Reads the configured store (``--store`` or ``FLASK_DOCTOR_STORE``; a Redis
store holds every worker's findings), or a running app's JSON API
(``--url https://host/_doctor`` with ``--token``/``FLASK_DOCTOR_TOKEN``).
Under ``flask doctor report`` without either, it uses the loaded app's
doctor and its store.  Output formats and exit codes are the ones every
command shares (``cli_common``).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import click

from flask_doctor.cli_common import (
    UsageError,
    emit,
    exit_code_for,
    filter_codes,
    output_options,
)
from flask_doctor.findings import Finding
from flask_doctor.report import RenderContext


def _from_store(url: str, prefix: str) -> list[Finding]:
    from flask_doctor.runtime.store import make_store, stored_sorted

    try:
        store = make_store(url, prefix=prefix)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if store.url == "memory://":
        raise UsageError(
            "the memory:// store lives inside each application process; use --url to read a running app's "
            "/_doctor API, or configure FLASK_DOCTOR_STORE=redis://... for a shared store"
        )
    try:
        return [s.finding for s in stored_sorted(store.findings())]
    except Exception as exc:
        raise UsageError(f"cannot read the store {store.url}: {exc.__class__.__name__}: {exc}") from None


def _from_url(url: str, token: str) -> list[Finding]:
    base = url.rstrip("/")
    if not base.endswith("/api/findings"):
        base += "/api/findings"
    req = urllib.request.Request(base, headers={"Accept": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            document = json.load(response)
    except Exception as exc:
        raise UsageError(f"cannot read {base}: {exc} (is the dashboard mounted and the token right?)") from None
    return [Finding.from_dict(item) for item in document.get("findings", [])]


def _from_flask_app() -> list[Finding] | None:
    ctx = click.get_current_context()
    try:
        from flask.cli import ScriptInfo
    except ImportError:  # pragma: no cover
        return None
    info = ctx.find_object(ScriptInfo)
    if info is None:
        return None
    try:
        app = info.load_app()
    except Exception:
        return None
    doctor = app.extensions.get("flask_doctor")
    if doctor is None:
        raise UsageError("this app has no flask-doctor: add `Doctor(app)` (from flask_doctor import Doctor)")
    if doctor.store.url == "memory://":
        raise UsageError(
            "this app keeps findings in the memory:// store of each running process; set "
            "FLASK_DOCTOR_STORE=redis://... or use --url to read a running app"
        )
    return doctor.findings()


@click.command("report")
@output_options
@click.option(
    "--store",
    "store_url",
    envvar="FLASK_DOCTOR_STORE",
    default=None,
    help="Store to read: redis://host:6379/0 [env: FLASK_DOCTOR_STORE].",
)
@click.option(
    "--prefix",
    envvar="FLASK_DOCTOR_STORE_PREFIX",
    default="flask_doctor:",
    show_default=True,
    help="Key prefix in the Redis store [env: FLASK_DOCTOR_STORE_PREFIX].",
)
@click.option(
    "--url", "api_url", default=None, help="A running app's dashboard URL, e.g. http://127.0.0.1:8000/_doctor."
)
@click.option(
    "--token", envvar="FLASK_DOCTOR_TOKEN", default="", help="Bearer token for --url [env: FLASK_DOCTOR_TOKEN]."
)
def report_command(
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_level: str | None,
    no_color: bool,
    quiet: bool,
    debug: bool,
    store_url: str | None,
    prefix: str,
    api_url: str | None,
    token: str,
) -> None:
    """Print the runtime doctor's current findings (from a Redis store or a running app)."""
    from flask_doctor.cli_common import split_codes

    findings: list[Finding] | None
    if api_url:
        findings = _from_url(api_url, token)
    elif store_url:
        findings = _from_store(store_url, prefix)
    else:
        findings = _from_flask_app()
        if findings is None:
            raise UsageError("nothing to read: pass --store redis://... (or set FLASK_DOCTOR_STORE) or --url")
    from flask_doctor.runtime.shown import shown_finding

    # A shared store holds what any worker (any version) wrote: redact again what is printed.
    findings = [shown_finding(f) for f in findings]
    findings = filter_codes(findings, split_codes(select), split_codes(ignore))
    ctx = RenderContext(surface="runtime", quiet=quiet)
    emit(findings, fmt=fmt, output=output, ctx=ctx, no_color=no_color)
    raise SystemExit(exit_code_for(findings, fail_level))
