"""Which files ``flask-doctor check`` reads.

Walking a real project must be fast (``os.scandir``, pruning skipped
directories before descending), deterministic (sorted output, so two runs
report in the same order) and must never crash: unreadable directories,
symlink loops and missing paths become :attr:`Discovery.problems` that the
runner reports as FD002 instead of tracebacks.

Python files and deploy files (Dockerfile, Procfile, compose, gunicorn and
uWSGI configs, ``.env*``, fly.toml, app.yaml, nginx configs) are collected in
one walk (which names are deploy files is defined in
:mod:`flask_doctor.static.deploy.kinds`).  ``gunicorn.conf.py`` is both: the
rules read it as Python *and* as the server's settings.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from flask_doctor.bounded_read import describe_kind, read_text_bounded
from flask_doctor.config import Settings, compile_glob, relative_posix
from flask_doctor.dataclass import dataclass
from flask_doctor.globs import Glob
from flask_doctor.static.deploy.kinds import deploy_kind, gunicorn_settings_candidate, is_gunicorn_settings_module

__all__ = [
    "DEFAULT_SKIP_DIRS",
    "Discovery",
    "GitIgnore",
    "deploy_kind",
    "discover",
    "is_python_file",
]

#: Directory names never descended into (they are environments, caches,
#: build output or VCS metadata, never application code).
DEFAULT_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "htmlcov",
    }
)
_SKIP_DIR_GLOBS = ("*.egg-info",)
#: A ``.gitignore`` larger than this is not read (real ones are a few KB).
GITIGNORE_MAX_BYTES = 1_000_000


def is_python_file(path: Path) -> bool:
    return path.suffix == ".py"


@dataclass
class Discovery:
    """What a walk found; every list sorted."""

    python_files: list[Path] = field(default_factory=list)
    deploy_files: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)


# ------------------------------------------------------------------ gitignore
@dataclass(frozen=True, eq=False)
class _IgnoreRule:
    """One pattern line of a ``.gitignore`` file."""

    regex: Glob
    negated: bool
    dir_only: bool
    anchored: bool


class GitIgnore:
    """The rules of one ``.gitignore`` file, matched relative to its directory.

    Supports what real projects use: comments, blank lines, ``!negation``,
    ``dir/`` (directories only), ``/anchored`` and any pattern containing a
    slash (anchored to the file's directory), ``*``/``?``/``[...]`` that never
    cross ``/``, and ``**`` (``**/x``, ``x/**``, ``a/**/b``), escapes of
    ``\\#``, ``\\!`` and trailing spaces.
    """

    def __init__(self, base: str, lines: Sequence[str]) -> None:
        #: Directory of the file, posix, relative to the walk's root ("" at root).
        self.base = base.strip("/")
        self.rules: list[_IgnoreRule] = []
        for raw in lines:
            rule = self._parse(raw)
            if rule is not None:
                self.rules.append(rule)

    @classmethod
    def from_file(cls, path: Path, base: str) -> GitIgnore:
        try:
            text = read_text_bounded(path, GITIGNORE_MAX_BYTES)
        except OSError:  # a FIFO, a device or a huge file: no rules from it
            text = ""
        return cls(base, text.splitlines())

    @staticmethod
    def _parse(raw: str) -> _IgnoreRule | None:
        line = raw.rstrip("\n\r")
        if not line or line.startswith("#"):
            return None
        # Trailing spaces are ignored unless escaped with a backslash.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        if not line:
            return None
        negated = False
        if line.startswith("!"):
            negated = True
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            return None
        anchored = "/" in line
        line = line.lstrip("/")
        return _IgnoreRule(Glob(line, star_crosses_slash=False), negated, dir_only, anchored)

    def match(self, rel: str, is_dir: bool) -> bool | None:
        """``True`` ignored, ``False`` re-included, ``None`` no rule applies.

        ``rel`` is relative to the walk's root; paths outside :attr:`base`
        never match.
        """
        if self.base:
            if not rel.startswith(self.base + "/"):
                return None
            rel = rel[len(self.base) + 1 :]
        name = rel.rsplit("/", 1)[-1]
        result: bool | None = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            target = rel if rule.anchored else name
            if rule.regex.match(target):
                result = not rule.negated
        return result


def _ignored(stack: Sequence[GitIgnore], rel: str, is_dir: bool) -> bool:
    """Deeper files override shallower ones; the last matching rule wins."""
    result = False
    for gi in stack:
        verdict = gi.match(rel, is_dir)
        if verdict is not None:
            result = verdict
    return result


def _repo_root(start: Path) -> Path | None:
    current = start
    while True:
        if (current / ".git").exists():
            return current
        if current.parent == current:
            return None
        current = current.parent


def _ancestor_ignores(top: Path) -> tuple[list[GitIgnore], str]:
    """``.gitignore`` files from the repository root down to ``top``'s parent.

    Returns them with bases relative to the repository root, plus ``top``'s
    own path relative to that root, so a walk started in a sub-directory
    honours the rules written above it.
    """
    absolute = top.absolute()
    repo = _repo_root(absolute)
    if repo is None:
        return [], ""
    stack: list[GitIgnore] = []
    exclude = repo / ".git" / "info" / "exclude"
    if exclude.is_file():
        stack.append(GitIgnore.from_file(exclude, ""))
    rel_top = absolute.relative_to(repo).as_posix()
    rel_top = "" if rel_top == "." else rel_top
    parts = rel_top.split("/") if rel_top else []
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        gi_path = repo.joinpath(*parts[:depth], ".gitignore")
        if gi_path.is_file():
            stack.append(GitIgnore.from_file(gi_path, base))
    return stack, rel_top


# ---------------------------------------------------------------------- walk
def _skip_dir(name: str, path: str) -> bool:
    if name in DEFAULT_SKIP_DIRS:
        return True
    if any(fnmatch.fnmatchcase(name, g) for g in _SKIP_DIR_GLOBS):
        return True
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


class _Excluder:
    """``exclude``/``extend-exclude`` compiled once for a walk.

    During a walk every directory is checked before it is entered, so a
    pattern without ``/`` only needs the entry's own name and a pattern with
    ``/`` only its full path (relative to the project root).
    """

    def __init__(self, settings: Settings) -> None:
        self.by_name: list[re.Pattern[str]] = []
        self.by_path: list[re.Pattern[str]] = []
        for pattern in settings.exclude + settings.extend_exclude:
            body = pattern.strip()
            body = body[2:] if body.startswith("./") else body
            body = body.strip("/")
            if body:
                (self.by_path if "/" in body else self.by_name).append(compile_glob(body))

    def __bool__(self) -> bool:
        return bool(self.by_name or self.by_path)

    def excluded(self, rel: str, name: str) -> bool:
        return any(r.match(name) for r in self.by_name) or any(r.match(rel) for r in self.by_path)


class _Walker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.excluder = _Excluder(settings)
        self.python: dict[str, Path] = {}
        self.deploy: dict[str, Path] = {}
        self.problems: list[tuple[Path, str]] = []
        self.seen_files: set[tuple[int, int]] = set()
        self.seen_dirs: set[tuple[int, int]] = set()
        #: Real paths of the checked directories: a link is followed only when
        #: its target stays inside one of them.
        self.roots: list[str] = []

    def inside_roots(self, path: str) -> bool:
        """True when the real location of ``path`` is inside a checked directory."""
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            return False
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def add_file(self, path: Path, *, at_root: bool, explicit: bool) -> None:
        try:
            st = path.stat()
        except OSError as exc:
            if explicit or is_python_file(path) or deploy_kind(path, at_root=at_root):
                self.problems.append((path, _os_message(exc, path)))
            return
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen_files:
            return  # the same file through another link: report it once
        is_py = is_python_file(path)
        kind = deploy_kind(path, at_root=at_root)
        if kind is None and gunicorn_settings_candidate(path.name) and _gunicorn_settings(path):
            # ``pkg/gunicorn.py`` loaded with ``gunicorn -c python:pkg.gunicorn``, ``deploy/app_gunicorn.py``
            # given to ``gunicorn -c``: named for gunicorn and made of its settings
            kind = "gunicorn"
        if not is_py and kind is None:
            if explicit:
                self.problems.append((path, "not a Python source or a known deploy file; skipped"))
            return
        if not stat.S_ISREG(st.st_mode):
            self.problems.append((path, f"{describe_kind(st.st_mode)}, not a regular file; not read"))
            return
        self.seen_files.add(ident)
        key = str(path)
        if is_py:
            self.python.setdefault(key, path)
        if kind is not None:
            self.deploy.setdefault(key, path)

    def walk(self, top: Path) -> None:
        try:
            st = top.stat()
        except OSError as exc:
            self.problems.append((top, _os_message(exc, top)))
            return
        self.seen_dirs.add((st.st_dev, st.st_ino))
        self.roots.append(os.path.realpath(top))
        settings = self.settings
        if settings.respect_gitignore:
            base_stack, rel_top = _ancestor_ignores(top)
        else:
            base_stack, rel_top = [], ""
        # Paths relative to the project root, built by string concatenation
        # (Path arithmetic per entry is the slow part of a big walk).
        top_str = str(top)
        root_rel = relative_posix(top.absolute(), settings.root)
        root_rel = "" if root_rel == "." else root_rel
        excluder = self.excluder

        def excluded(path: str, name: str) -> bool:
            if not excluder:
                return False
            tail = path[len(top_str) :].replace(os.sep, "/").lstrip("/")
            rel_root = f"{root_rel}/{tail}" if root_rel and tail else (tail or root_rel)
            return excluder.excluded(rel_root, name)

        # Each frame: directory, its path relative to the gitignore root,
        # gitignore stack, identities of the directories above (loop check).
        Frame = tuple[str, str, list[GitIgnore], frozenset[tuple[int, int]]]
        frames: list[Frame] = [(str(top), rel_top, base_stack, frozenset({(st.st_dev, st.st_ino)}))]
        # What is reached through a symbolic link waits until the real tree
        # has been walked, so a file reachable both ways is listed under its
        # real path, whatever the names sort like.
        linked_dirs: list[tuple[tuple[int, int], Frame]] = []
        linked_files: list[tuple[Path, bool]] = []
        while frames or linked_dirs:
            if not frames:
                ident, frame = linked_dirs.pop(0)
                if ident not in self.seen_dirs:
                    self.seen_dirs.add(ident)
                    frames.append(frame)
                continue
            dirpath, rel_dir, stack, ancestors = frames.pop()
            if settings.respect_gitignore:
                gi_file = os.path.join(dirpath, ".gitignore")
                if os.path.isfile(gi_file):
                    stack = stack + [GitIgnore.from_file(Path(gi_file), rel_dir)]
            try:
                with os.scandir(dirpath) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.problems.append((Path(dirpath), f"cannot read directory: {exc.strerror or exc}"))
                continue
            at_root = dirpath == str(top)
            subdirs: list[Frame] = []
            for entry in entries:
                name = entry.name
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    is_link = False
                try:
                    is_dir = entry.is_dir(follow_symlinks=True)
                except OSError:
                    is_dir = False
                if is_dir:
                    if _skip_dir(name, entry.path):
                        continue
                    if stack and _ignored(stack, rel, True):
                        continue
                    if excluded(entry.path, name):
                        continue
                    if is_link and not self.inside_roots(entry.path):
                        self.problems.append((Path(entry.path), _OUTSIDE))
                        continue
                    try:
                        dst = os.stat(entry.path)
                    except OSError as exc:
                        self.problems.append((Path(entry.path), _os_message(exc, Path(entry.path))))
                        continue
                    ident = (dst.st_dev, dst.st_ino)
                    if ident in ancestors:
                        target = os.path.realpath(entry.path)
                        self.problems.append((Path(entry.path), f"symbolic link loop to {target}; not followed"))
                        continue
                    frame = (entry.path, rel, stack, ancestors | {ident})
                    if is_link:
                        linked_dirs.append((ident, frame))
                    elif ident not in self.seen_dirs:
                        self.seen_dirs.add(ident)
                        subdirs.append(frame)
                    continue
                try:
                    is_file = entry.is_file(follow_symlinks=True)
                except OSError:
                    is_file = False
                path = Path(entry.path)
                wanted = is_python_file(path) or deploy_kind(path, at_root=at_root) is not None
                if not wanted:
                    continue
                if stack and _ignored(stack, rel, False):
                    continue
                if excluded(entry.path, name):
                    continue
                if is_link and not self.inside_roots(entry.path):
                    self.problems.append((path, _link_message(path)))
                    continue
                if not is_file:
                    self.problems.append((path, _special_message(path, is_link)))
                    continue
                if is_link:
                    linked_files.append((path, at_root))
                else:
                    self.add_file(path, at_root=at_root, explicit=False)
            frames.extend(reversed(subdirs))
            if not frames and not linked_dirs:
                for path, file_at_root in linked_files:
                    self.add_file(path, at_root=file_at_root, explicit=False)
                linked_files = []


_OUTSIDE = "symbolic link to a path outside the checked tree; not followed"


def _link_message(path: Path) -> str:
    """Why a link was not followed: a loop, a dangling target, or a target outside the tree."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop; not followed"
        return "broken symbolic link; skipped"
    return _OUTSIDE


def _special_message(path: Path, is_link: bool) -> str:
    """A wanted name that is not a regular file: a FIFO, a device, a socket, a broken link."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return _link_message(path) if is_link else "cannot read file"
    return f"{describe_kind(mode)}, not a regular file; not read"


def _os_message(exc: OSError, path: Path) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop; not followed"
    return exc.strerror or str(exc)


def _gunicorn_settings(path: Path) -> bool:
    """A ``gunicorn.py`` (or ``*gunicorn*.py``) outside the usual places whose content is gunicorn settings
    (read once, bounded)."""
    try:
        return is_gunicorn_settings_module(read_text_bounded(path))
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def discover(
    paths: Sequence[Path],
    settings: Settings,
    *,
    force_exclude: bool = False,
) -> Discovery:
    """Collect Python and deploy files under ``paths``.

    Files named explicitly are always checked, even when ``exclude`` or a
    ``.gitignore`` would skip them (ruff's behaviour), unless
    ``force_exclude``.  Directories named explicitly are always walked; what
    is below them is filtered.  No path is ever resolved into the output:
    ``Discovery`` lists the paths as reached from the arguments.
    """
    walker = _Walker(settings)
    for given in paths:
        path = Path(given)
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            walker.problems.append((path, _os_message(exc, path)))
            continue
        if stat.S_ISDIR(mode):
            if force_exclude and settings.is_excluded(path.absolute()):
                continue
            walker.walk(path)
        else:
            if force_exclude and settings.is_excluded(path.absolute()):
                continue
            walker.add_file(path, at_root=True, explicit=True)
    problems = sorted(set(walker.problems), key=lambda p: (str(p[0]), p[1]))
    return Discovery(
        python_files=sorted(walker.python.values()),
        deploy_files=sorted(walker.deploy.values()),
        problems=problems,
    )
