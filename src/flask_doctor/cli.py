"""Command line: ``flask-doctor ...`` and the ``flask doctor ...`` group.

Thin on purpose: parse options, call an engine, render.  Each surface keeps
its command in its own package (``audit/command.py``, ``runtime/command.py``,
``soak/command.py``) and is added here lazily so that ``check`` never pays for
importing Flask, gunicorn or Locust.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from flask_doctor import __version__
from flask_doctor.cli_common import EXIT_ERROR
from flask_doctor.safe_text import printable

#: command name -> "module:attribute" of a click command
LAZY_COMMANDS = {
    "check": "flask_doctor.static.command:check_command",
    "rules": "flask_doctor.static.command:rules_command",
    "rule": "flask_doctor.static.command:rule_command",
    "audit": "flask_doctor.audit.command:audit_command",
    "report": "flask_doctor.runtime.command:report_command",
    "soak": "flask_doctor.soak.command:soak_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in LAZY_COMMANDS:
            return command
        module_name, attr = LAZY_COMMANDS[name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("flask_doctor"):
                return None
            raise click.ClickException(
                f"`{name}` needs {exc.name}, which is not installed: pip install 'flask-doctor[dev]'"
            ) from exc
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flask-doctor")
def cli() -> None:
    """Find, explain and cure the production problems of Flask applications."""


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: clean one-line errors, exit code 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    from flask_doctor import cli_common

    cli_common.HARD_EXIT = True
    try:
        return cli.main(args=argv, prog_name="flask-doctor", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # an internal error: one line unless --debug
        if debug:
            import traceback  # only for --debug: traceback and textwrap are not needed otherwise

            traceback.print_exc()
        else:
            click.echo(
                f"flask-doctor: internal error: {exc.__class__.__name__}: {printable(str(exc))} "
                "(rerun with --debug for the traceback)",
                err=True,
            )
        sys.exit(EXIT_ERROR)


@click.group("doctor", cls=LazyGroup)
def flask_group() -> None:
    """flask-doctor: check, audit and watch this application."""


if __name__ == "__main__":  # python -m flask_doctor.cli
    main()
