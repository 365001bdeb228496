"""Read a project's deploy files into one :class:`DeployModel`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask_doctor.static.deploy.kinds import deploy_kind, gunicorn_settings_candidate
from flask_doctor.static.deploy.model import DeployModel
from flask_doctor.static.deploy.readers import Reader, reader_for
from flask_doctor.static.deploy.readers.shell_script import read_named_scripts

__all__ = ["parse_deploy_files"]


def parse_deploy_files(paths: Sequence[Path], root: Path) -> DeployModel:
    """Read every deploy file in ``paths`` into one :class:`DeployModel`.

    Files are read in sorted order; a file whose kind is unknown is ignored.
    Never raises for bad input: every problem is in ``model.problems`` as
    ``(path, line, message)`` (line 0 when unknown).
    """
    reader = Reader(root)
    for path in sorted(Path(p) for p in paths):
        kind = deploy_kind(path, at_root=True)
        if kind is None and gunicorn_settings_candidate(path.name):
            kind = "gunicorn"  # ``deploy/app_gunicorn.py``: discovery kept it for its gunicorn settings
        if kind is None:
            continue
        text = reader.read(path)
        if text is None:
            continue
        reader.done.add(path.resolve())
        reader.model.files.setdefault(kind, []).append(reader.rel(path))
        if not text.strip():
            continue
        try:
            reader_for(kind)(reader, path, text)
        except RecursionError:
            reader.problem(path, 0, "too deeply nested; not read")
        except Exception as exc:  # noqa: BLE001 - a reader bug must not abort the whole check
            reader.problem(path, 0, f"internal error reading {kind} file: {type(exc).__name__}: {exc}")
    read_named_scripts(reader)
    model = reader.model
    model.commands.sort(key=lambda c: c.source)
    model.problems.sort(key=lambda p: (str(p[0]), p[1], p[2]))
    return model
