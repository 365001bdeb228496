"""The persistent cache of ``flask-doctor check``: ``.flask-doctor-cache/`` in the project root.

What is cached, and why at that grain.  Findings of one file depend on the
whole project model (a helper in another file makes a call "inside a
request"; a config class elsewhere makes a setting "production"), and the
model and the facts are built from every syntax tree.  A finding stored per
file could only be reused if we knew which other files it read, which the
rules do not record.  So an entry holds the findings of one *project group*
(the unit the engine builds one model for: the whole tree, or each project
of a monorepo or a folder of applications), keyed by everything that goes
into them:

* the tool: its version, the Python version and a hash of the source of the
  installed ``flask_doctor`` package (so a changed rule is a new key);
* the settings of the run (selection, severities, preview, config names...),
  and the working directory with its ``pyproject.toml``/``setup.cfg``
  (read for console scripts);
* each Python file of the group: its path, module name and a hash of its
  bytes;
* the deploy model of the group as read this run (Dockerfiles, compose,
  ``.env`` files, scripts they run), which is cheap to rebuild;
* the side files the model read while it was built (the OpenAPI files a
  connexion app registers): not known before the build, so the entry
  records a hash of each, and :meth:`ResultCache.load` is a miss when one of
  them changed, appeared or went away.

A run whose groups are all unchanged parses nothing and builds no model; a
group with one edited file is checked again as a whole, so findings are
always those of a cold run.  A group holding a file this Python cannot parse
is not stored (its result may depend on which other interpreters are
installed).

Entries are JSON (a cache in a checked repository must never be a way to
run code, so no pickle), written to a temporary file and moved into place
with :func:`os.replace`, so concurrent runs never see half an entry; an
unreadable, corrupt or foreign entry is a miss.  ``FLASK_DOCTOR_NO_CACHE=1``
or ``--no-cache`` turn the cache off; a root where nothing can be written
turns it off silently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from flask_doctor.atomic import write_atomically
from flask_doctor.bounded_read import FileRefused, read_bounded
from flask_doctor.catalogue.precision import OWN_SEVERITIES
from flask_doctor.config import Settings
from flask_doctor.findings import Finding
from flask_doctor.static.source import MAX_FILE_BYTES

CACHE_DIR_NAME = ".flask-doctor-cache"
#: Set to anything but ``""``/``0`` to run without reading or writing the cache.
DISABLE_ENV = "FLASK_DOCTOR_NO_CACHE"
#: Bumped whenever the shape of an entry changes.
FORMAT = 1
#: Entries kept; the oldest are removed beyond this (a monorepo has one per project).
MAX_ENTRIES = 2000

NoqaMap = dict[int, frozenset[str] | None]


def disabled_by_environment() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip() not in ("", "0")


@functools.lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """Version, interpreter, and every module and data file of the installed package, hashed once per process.

    Data files count: ``catalogue/precision.json`` decides severities.
    """
    import flask_doctor

    package = Path(flask_doctor.__file__).resolve().parent
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{flask_doctor.__version__}\0{sys.version}\0".encode())
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".json") and p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            digest.update(read_bounded(path, MAX_FILE_BYTES))
        except OSError:
            digest.update(b"?")
        digest.update(b"\0")
    return digest.hexdigest()


def settings_fingerprint(settings: Settings) -> str:
    """Every setting of the run, as stable text (paths and severities by their text), and whether the run
    measures the corpus (``FLASK_DOCTOR_OWN_SEVERITIES=1`` runs every rule at its own severity)."""
    data = {f.name: getattr(settings, f.name) for f in fields(settings)}
    data[OWN_SEVERITIES] = os.environ.get(OWN_SEVERITIES) == "1"
    return json.dumps(data, sort_keys=True, default=str)


#: An entry holds one project's findings; anything larger was not written by us.
MAX_ENTRY_BYTES = 256 * 1024 * 1024


def _side_files(cwd: Path) -> str:
    """The metadata files read relative to the working directory (console-script names)."""
    parts = [str(cwd)]
    for name in ("pyproject.toml", "setup.cfg"):
        try:
            parts.append(hashlib.sha256(read_bounded(cwd / name, MAX_FILE_BYTES)).hexdigest())
        except OSError:  # FileRefused included: a FIFO or device named like it is never opened for reading
            parts.append("-")
    return "\0".join(parts)


def file_digest(path: Path) -> str:
    """A hash of the file's bytes, or of the reason it cannot be read (that is a finding too)."""
    try:
        return hashlib.sha256(read_bounded(path, MAX_FILE_BYTES)).hexdigest()
    except FileRefused as exc:
        return f"refused:{exc}"


class CachedGroup:
    """What a cached group gives back: its findings and the ``noqa`` comments of its parsed modules."""

    __slots__ = ("findings", "noqa")

    def __init__(self, findings: list[Finding], noqa: dict[str, NoqaMap]) -> None:
        self.findings = findings
        self.noqa = noqa


class ResultCache:
    """Entries under ``<root>/.flask-doctor-cache/``; every failure is a miss, never an error."""

    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        self.entries = directory / "entries"
        self._base = hashlib.sha256(
            "\0".join([tool_fingerprint(), settings_fingerprint(settings), _side_files(Path.cwd())]).encode()
        ).hexdigest()
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, root: Path, settings: Settings) -> ResultCache | None:
        """The cache of ``root``, created with its ``.gitignore``; None when disabled or not writable."""
        if disabled_by_environment():
            return None
        directory = root / CACHE_DIR_NAME
        try:
            (directory / "entries").mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.is_file():
                write_atomically(
                    ignore, "# Created by flask-doctor: the check cache is never committed.\n*\n", follow_symlinks=False
                )
        except OSError:
            return None
        return cls(directory, settings)

    # ------------------------------------------------------------------ keys
    def group_key(self, python_files: Sequence[tuple[str, str, bool, str]], deploy_state: str) -> str:
        """The key of one group: ``(display path, module name, is package, digest)`` per file, and its deploy model."""
        digest = hashlib.sha256(self._base.encode())
        for rel, name, is_package, file_hash in sorted(python_files):
            digest.update(f"\0{rel}\0{name}\0{int(is_package)}\0{file_hash}".encode())
        digest.update(b"\0deploy\0" + deploy_state.encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key}.json"

    # ------------------------------------------------------------- entries
    def load(
        self, key: str, side_digests: Callable[[Iterable[str]], dict[str, str]] | None = None
    ) -> CachedGroup | None:
        """The entry of ``key``; a miss when ``side_digests`` (path -> hash now) differs from what it recorded."""
        try:
            # bounded: the cache directory sits in the checked tree, where anything may be committed
            data = json.loads(read_bounded(self._path(key), MAX_ENTRY_BYTES).decode("utf-8"))
            if data.get("format") != FORMAT or data.get("key") != key:
                raise ValueError("foreign entry")
            side = data.get("side", {})
            if not isinstance(side, dict):
                raise ValueError("foreign entry")
            if side and (side_digests is None or side_digests(list(side)) != side):
                raise ValueError("a side file changed")
            findings = [Finding.from_dict(item) for item in data["findings"]]
            noqa = {
                path: {int(line): (None if codes is None else frozenset(codes)) for line, codes in lines.items()}
                for path, lines in data["noqa"].items()
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.misses += 1
            return None
        self.hits += 1
        return CachedGroup(findings, noqa)

    def store(
        self, key: str, findings: Iterable[Finding], noqa: Mapping[str, NoqaMap], side: Mapping[str, str] | None = None
    ) -> None:
        """Write one entry atomically; skipped when a finding would not read back identical.

        ``side`` maps the side files the build read to their hash (see :meth:`load`)."""
        items = []
        for finding in findings:
            item = finding.to_dict()
            if Finding.from_dict(item) != finding:
                return
            items.append(item)
        data: dict[str, Any] = {
            "format": FORMAT,
            "key": key,
            "findings": items,
            "noqa": {
                path: {str(line): (None if codes is None else sorted(codes)) for line, codes in lines.items()}
                for path, lines in noqa.items()
            },
            "side": dict(side or {}),
        }
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, json.dumps(data, separators=(",", ":")), follow_symlinks=False)
        except (OSError, ValueError):
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the newest :data:`MAX_ENTRIES` entries (a cheap count first; a listing only when over)."""
        try:
            buckets = [p for p in self.entries.iterdir() if p.is_dir()]
            if len(buckets) < 16:
                return  # at most a few entries per bucket on average: far below the limit
            entries = [e for bucket in buckets for e in bucket.glob("*.json")]
            if len(entries) <= MAX_ENTRIES:
                return
            entries.sort(key=lambda p: p.stat().st_mtime)
            for old in entries[: len(entries) - MAX_ENTRIES]:
                old.unlink(missing_ok=True)
        except OSError:
            return
