"""``check --watch``: check again whenever a checked file changes.

The waiting is done by ``watchfiles`` (the Rust ``notify`` crate: inotify,
FSEvents, ReadDirectoryChangesW), which batches the writes an editor or a
``git checkout`` makes into one change set, so one save gives one run and
nothing here polls.  Each run is the ordinary ``check`` command invoked
again in this process with the same options, so ``--watch`` cannot drift
from a plain run: configuration is re-read, and a broken ``pyproject.toml``
is reported and waited out rather than ending the watch.

Only changes that can change a finding start a run: Python and deploy files,
scripts, flask-doctor's configuration, ``.gitignore`` and the baseline.
Ctrl-C (or SIGTERM) ends the watch with exit status 0.
"""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import click

from flask_doctor.config import CONFIG_FILENAMES
from flask_doctor.safe_text import printable
from flask_doctor.static.deploy.kinds import deploy_kind
from flask_doctor.static.files import DEFAULT_SKIP_DIRS

__all__ = ["MISSING_WATCHFILES", "relevant_change", "watch_and_rerun", "watch_paths"]

MISSING_WATCHFILES = "--watch needs the watchfiles package, which is not installed: pip install 'flask-doctor[watch]'"
_CLEAR = "\033[2J\033[H"
#: How long the watcher waits before saying "nothing changed" (its first answer means it is ready).
_READY_MS = 250


def relevant_change(path: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a change to ``path`` can change what ``check`` reports."""
    # The path may be gone (deleted or renamed away): judge it by its name only.
    candidate = Path(path)
    if path in extra or candidate.name in CONFIG_FILENAMES or candidate.name == ".gitignore":
        return True
    if candidate.suffix in (".py", ".sh"):
        return True
    return deploy_kind(candidate, at_root=True) is not None or deploy_kind(candidate) is not None


def watch_paths(targets: Sequence[Path], root: Path) -> list[Path]:
    """Directories to watch: each target (a file's directory) and the project root, none nested."""
    dirs = {root.absolute()}
    for target in targets:
        absolute = target.absolute()
        dirs.add(absolute if absolute.is_dir() else absolute.parent)
    return sorted(d for d in dirs if not any(o != d and o in d.parents for o in dirs))


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def watch_and_rerun(
    run_once: Callable[[], None],
    paths: Iterable[Path],
    *,
    extra_files: Iterable[Path] = (),
    clear: bool | None = None,
) -> None:
    """Call ``run_once`` now and after every relevant change below ``paths``, until Ctrl-C.

    ``run_once`` is a whole ``check`` run: it may end with ``SystemExit``
    (its exit status means nothing here) or a usage error, which is shown
    and waited out.  ``clear`` clears the terminal before each new report
    (default: when standard output is a terminal); otherwise a rule line
    separates the reports, which keeps a piped log readable.
    """
    try:
        import watchfiles
    except ImportError:
        from flask_doctor.cli_common import UsageError

        raise UsageError(MISSING_WATCHFILES) from None
    from flask_doctor import cli_common

    # A run ends by exiting; from the console script that exit is immediate
    # (os._exit), which would end the watch with it.
    cli_common.HARD_EXIT = False
    if clear is None:
        clear = sys.stdout.isatty()
    watched = [str(p) for p in paths]
    extra = frozenset(str(Path(p).absolute()) for p in extra_files)

    class _Filter(watchfiles.DefaultFilter):
        ignore_dirs = tuple(sorted(set(watchfiles.DefaultFilter.ignore_dirs) | DEFAULT_SKIP_DIRS))

        def __call__(self, change: Any, path: str) -> bool:
            return super().__call__(change, path) and relevant_change(path, extra)

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        # The watcher must exist before the first run reads the files, or an
        # edit made while that run prints is lost.  It is created by the first
        # step of the generator, which returns an empty set after
        # ``rust_timeout`` (watchfiles wakes every ``step`` ms anyway, so the
        # timeouts cost nothing) and keeps every change made during a run
        # for the next step.
        changes_seen = watchfiles.watch(
            *watched, watch_filter=_Filter(), raise_interrupt=True, yield_on_timeout=True, rust_timeout=_READY_MS
        )
        next(changes_seen)  # what changed before the first run, the first run sees
        _run(run_once)
        _waiting(watched)
        for changes in changes_seen:
            if not changes:
                continue
            names = sorted({_shown(path) for _, path in changes})
            if clear:
                click.echo(_CLEAR, nl=False)
            else:
                click.echo("-" * 78)
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            click.echo(f"flask-doctor: {', '.join(names[:3])}{more} changed; checking again", err=True)
            _run(run_once)
            _waiting(watched)
    except KeyboardInterrupt:
        click.echo("flask-doctor: stopped watching", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _shown(path: str) -> str:
    try:
        return printable(Path(path).relative_to(Path.cwd()).as_posix())
    except ValueError:
        return printable(path)


def _run(run_once: Callable[[], None]) -> None:
    try:
        run_once()
    except SystemExit:
        pass
    except click.ClickException as exc:  # a usage error now (a broken config): report, keep watching
        exc.show()
    finally:
        # A run switches the collector off for its own speed; a long watch
        # must give each run's syntax trees back before the next.
        gc.enable()
        gc.collect()
    sys.stdout.flush()
    sys.stderr.flush()


def _waiting(watched: Sequence[str]) -> None:
    where = ", ".join(_shown(p) for p in watched)
    click.echo(f"flask-doctor: watching {where} for changes (Ctrl-C to stop)", err=True)
    sys.stderr.flush()
