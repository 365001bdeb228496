"""Project settings: ``[tool.flask-doctor]`` in ``pyproject.toml`` plus CLI options.

The semantics follow ruff, because that is what Flask projects already use
and what their maintainers expect:

* ``select`` picks rules by id or prefix (``FD201``, ``FD2``, ``FD``/``ALL``);
  empty means every rule.  ``extend-select`` adds to it, ``ignore`` removes.
  When a code is both selected and ignored, the *more specific* selector
  wins (``select = ["FD201"]`` beats ``ignore = ["FD2"]``); at equal
  specificity ``ignore`` wins.
* ``per-file-ignores`` maps globs (relative to the project root) to codes.
* ``exclude`` / ``extend-exclude`` add globs to the built-in skip list (unlike
  ruff, ``exclude`` never drops the built-in ``.venv``/``node_modules``/...
  list: replacing it is the classic foot-gun that makes a linter crawl a
  virtualenv).

A wrong key, a wrong type or an unknown rule id is an error naming the file
and the key, never a silent no-op: a typo in ``ignore`` that silently ignores
nothing is worse than a failing run.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.bounded_read import read_bounded
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Severity
from flask_doctor.globs import Glob

__all__ = [
    "CONFIG_FILENAMES",
    "ConfigError",
    "PathGlob",
    "Settings",
    "find_config_file",
    "load_settings",
    "merge_cli",
    "relative_posix",
]

#: Files searched in each directory, in order of precedence (ruff does the same
#: with ``.ruff.toml``, ``ruff.toml`` and ``pyproject.toml``).
CONFIG_FILENAMES = (".flask-doctor.toml", "flask-doctor.toml", "pyproject.toml")

_TOOL_TABLE = "flask-doctor"
_CODE_RE = re.compile(r"^FD\d{0,3}$")
_FAIL_LEVELS = ("error", "warning", "note")
#: A configuration file larger than this is refused, not read.
CONFIG_MAX_BYTES = 5_000_000

#: Sub-tables of other surfaces (``[tool.flask-doctor.audit]``) and the keys
#: each accepts; kept in :attr:`Settings.sections` once validated here.
SECTION_KEYS = ("audit", "runtime", "soak", "fix")
_SECTION_SCHEMA: dict[str, dict[str, str]] = {
    "audit": {
        "silenced": "an array of rule ids, prefixes or 'FDxxx:object' entries",
        "server": "how production runs the app: "
        + ", ".join(repr(s) for s in ("gunicorn", "uwsgi", "waitress", "mod_wsgi", "flask-run")),
    },
    "runtime": {},
    "soak": {},
    # values ``check --fix`` writes into the code (see docs/fixes.md)
    "fix": {
        "http-timeout": "a positive number of seconds (timeout= added to HTTP calls; default 10)",
        "pool-recycle": "a positive whole number of seconds (pool_recycle in engine options; default 1800)",
        "cache-maxsize": "a positive whole number (maxsize given to unbounded lru_cache; default 1024)",
        "task-max-retries": "a positive whole number (max_retries given to Celery tasks; default 5)",
    },
}
#: Values of ``[tool.flask-doctor.audit] server`` (and ``flask-doctor audit --server``).
AUDIT_SERVERS = ("gunicorn", "uwsgi", "waitress", "mod_wsgi", "flask-run")
_SILENCE_RE = re.compile(r"^(ALL|FD\d{0,3})(:.+)?$", re.IGNORECASE)
#: How much of a user's value an error message quotes back.
_QUOTE_LIMIT = 60


def clip(value: object, limit: int = _QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters: errors never echo a huge value whole."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


class ConfigError(Exception):
    """A configuration problem the user must fix; the message names file and key."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        prefix = ""
        if path is not None:
            prefix = f"{path}"
            if line:
                prefix += f":{line}"
            prefix += ": "
        super().__init__(prefix + message)
        self.path = path
        self.key = key
        self.line = line


# --------------------------------------------------------------------- globs
def compile_glob(pattern: str, *, star_crosses_slash: bool = True) -> Glob:
    """Compile a settings glob; ``.match(path)`` never backtracks (see :mod:`flask_doctor.globs`)."""
    return Glob(pattern, star_crosses_slash=star_crosses_slash)


@dataclass(frozen=True)
class PathGlob:
    """A settings glob (``exclude``, ``per-file-ignores``) matched like ruff.

    * a pattern without ``/`` (``__init__.py``, ``.mypy_cache``, ``test_*.py``)
      matches any path component, at any depth;
    * a pattern with ``/`` is relative to the project root
      (``tests/**``, ``app/legacy/*.py``, ``/migrations``);
    * matching a directory matches everything below it, so ``migrations`` or
      ``tests/fixtures`` is enough to cover a whole tree.
    """

    pattern: str

    def _regex(self) -> Glob:
        return _glob_cache(self.pattern)

    def matches(self, rel_path: str) -> bool:
        """``rel_path`` is a posix path relative to the project root."""
        rel = rel_path.strip("/")
        if rel.startswith("./"):
            rel = rel[2:]
        if not rel:
            return False
        regex = self._regex()
        parts = rel.split("/")
        body = self.pattern.strip("/")
        if "/" not in body:
            return any(regex.match(part) for part in parts)
        return any(regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))


_GLOBS: dict[str, Glob] = {}


def _glob_cache(pattern: str) -> Glob:
    regex = _GLOBS.get(pattern)
    if regex is None:
        body = pattern.strip()
        if body.startswith("./"):
            body = body[2:]
        regex = compile_glob(body.strip("/"), star_crosses_slash=True)
        _GLOBS[pattern] = regex
    return regex


def relative_posix(path: str | os.PathLike[str], root: Path) -> str:
    """``path`` relative to ``root`` as a posix string; as given when outside it.

    Findings and globs speak posix paths relative to the project root, so a
    ``per-file-ignores`` entry written on Linux also works on Windows.
    """
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix().removeprefix("./")
    for candidate, base in ((p, root.absolute()), (p.resolve(), root.resolve())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return p.as_posix()


# ------------------------------------------------------------------ settings
def _specificity(selector: str) -> int:
    """``ALL``/``FD`` < ``FD2`` < ``FD20`` < ``FD201``."""
    return 0 if selector == "ALL" else len(selector)


def _best_match(code: str, selectors: Iterable[str]) -> int:
    best = -1
    for sel in selectors:
        if sel == "ALL" or code.startswith(sel):
            best = max(best, _specificity(sel))
    return best


@dataclass
class Settings:
    """Effective settings of one run (file, then CLI on top: :func:`merge_cli`)."""

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    production_configs: list[str] = field(default_factory=list)
    development_configs: list[str] = field(default_factory=list)
    testing_configs: list[str] = field(default_factory=list)
    fail_level: str | None = None
    respect_gitignore: bool = True
    preview: bool = False
    audit_silenced: list[str] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    #: Raw ``[tool.flask-doctor.<surface>]`` tables (``runtime``, ``soak``,
    #: ``audit``) for the surfaces that own them.
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    # ----------------------------------------------------------- selection
    def is_enabled(self, code: str, path: str | os.PathLike[str] | None = None) -> bool:
        """Whether findings with ``code`` are reported (in ``path`` if given).

        ``path`` may be absolute or relative to :attr:`root`.  Preview status
        is not decided here: the runner knows which rules are in preview and
        checks :attr:`preview` itself.
        """
        selected = _best_match(code, (self.select or ["ALL"]) + self.extend_select)
        if selected < 0:
            return False
        ignored = _best_match(code, self.ignore)
        if ignored >= selected:
            return False
        if path is not None and self.per_file_ignores:
            rel = relative_posix(path, self.root)
            for pattern, codes in self.per_file_ignores.items():
                if _best_match(code, codes) >= 0 and PathGlob(pattern).matches(rel):
                    return False
        return True

    def is_excluded(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` (file or directory) matches ``exclude``/``extend-exclude``."""
        patterns = self.exclude + self.extend_exclude
        if not patterns:
            return False
        rel = relative_posix(path, self.root)
        return any(PathGlob(p).matches(rel) for p in patterns)

    def severity_configured(self, code: str) -> bool:
        """Whether the user's ``severity`` setting names ``code`` (by id, prefix or ALL)."""
        return any(selector == "ALL" or code.startswith(selector) for selector in self.severity)

    def severity_for(self, code: str, default: Severity) -> Severity:
        """The configured severity for ``code`` (longest matching prefix) or ``default``."""
        best: tuple[int, Severity] | None = None
        for selector, level in self.severity.items():
            if selector == "ALL" or code.startswith(selector):
                spec = _specificity(selector)
                if best is None or spec > best[0]:
                    best = (spec, level)
        return best[1] if best else default


# -------------------------------------------------------------------- loading
_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "production-configs": "production_configs",
    "development-configs": "development_configs",
    "testing-configs": "testing_configs",
    "audit-silenced": "audit_silenced",
}
_CODE_LIST_KEYS = {"select", "ignore", "extend-select", "audit-silenced"}
_BOOL_KEYS = {"respect-gitignore": "respect_gitignore", "preview": "preview"}
_OTHER_KEYS = {"per-file-ignores", "severity", "fail-level"}
KNOWN_KEYS = frozenset(_LIST_KEYS) | frozenset(_BOOL_KEYS) | _OTHER_KEYS


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = read_bounded(path, CONFIG_MAX_BYTES)
    except OSError as exc:  # FileRefused says why: a FIFO, a device, too large
        raise ConfigError(f"cannot read configuration: {exc.strerror or exc}", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not valid UTF-8 (byte {exc.start})", path=path) from None
    # Imported here, not at the top: most projects have no configuration file,
    # and ``check`` on them should not pay for the TOML parser (its regexes
    # are compiled at import).
    if sys.version_info >= (3, 11):  # pragma: no cover - depends on interpreter
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError(f"invalid TOML: {exc}", path=path, line=line) from None


def _tool_table(data: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    table = tool.get(_TOOL_TABLE)
    if table is None:
        if "flask_doctor" in tool:
            raise ConfigError(
                "the table is [tool.flask_doctor]; did you mean [tool.flask-doctor]?",
                path=path,
                key="tool.flask_doctor",
            )
        return None
    if not isinstance(table, dict):
        raise ConfigError("[tool.flask-doctor] must be a table", path=path, key="tool.flask-doctor")
    return table


def find_config_file(start: Path) -> Path | None:
    """The nearest config file at or above ``start`` that configures flask-doctor.

    A ``pyproject.toml`` counts only when it has ``[tool.flask-doctor]`` (so a
    sub-package's ``pyproject.toml`` does not hide the project's); the search
    stops at the directory holding ``.git`` (the repository root) or at the
    filesystem root.
    """
    current = start if start.is_dir() else start.parent
    current = current.absolute()
    while True:
        for name in CONFIG_FILENAMES:
            candidate = current / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml":
                return candidate
            try:
                if _tool_table(_read_toml(candidate), candidate) is not None:
                    return candidate
            except ConfigError:
                return candidate  # let load_settings report the error
        if (current / ".git").exists() or current.parent == current:
            return None
        current = current.parent


def _find_project_root(start: Path) -> Path | None:
    """The nearest directory with a ``pyproject.toml`` (below the repository root)."""
    current = (start if start.is_dir() else start.parent).absolute()
    while True:
        if (current / "pyproject.toml").is_file():
            return current
        if (current / ".git").exists() or current.parent == current:
            return None
        current = current.parent


def _default_root(start: Path) -> Path:
    """Without a project root: the working directory when it holds ``start``, else ``start``.

    Output paths are relative to the root, so they are never absolute even when
    a directory outside the working directory is checked.
    """
    cwd = Path.cwd()
    target = (start if start.is_dir() else start.parent).absolute()
    return cwd if target == cwd or cwd in target.parents else target


def load_settings(
    start: Path,
    explicit: Path | None = None,
    known_codes: Callable[[], set[str]] | None = None,
) -> Settings:
    """Read the settings that apply to ``start`` (a directory or a file).

    ``explicit`` is a ``--config`` file: a ``pyproject.toml`` (its
    ``[tool.flask-doctor]`` table) or a standalone TOML whose top-level table
    is the settings (or that has ``[tool.flask-doctor]``).  ``known_codes``
    returns the registered rule ids; when given, every id and prefix in the
    file must match one of them.  Without any file, the defaults apply and
    :attr:`Settings.root` is the nearest ``pyproject.toml`` directory, else
    the current directory.
    """
    if explicit is not None:
        path = explicit
        if not path.is_file():
            raise ConfigError("configuration file not found", path=path)
        data = _read_toml(path)
        table = _tool_table(data, path)
        if table is None:
            table = {} if path.name == "pyproject.toml" else dict(data)
        return _from_table(table, path, path.absolute().parent, known_codes)
    found = find_config_file(start)
    if found is None:
        return Settings(root=_find_project_root(start) or _default_root(start))
    data = _read_toml(found)
    table = _tool_table(data, found)
    if table is None:
        table = {} if found.name == "pyproject.toml" else dict(data)
    return _from_table(table, found, found.absolute().parent, known_codes)


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _string_list(value: Any, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        got = _type_name(value)
        hint = f' (write {key} = ["{value}"])' if isinstance(value, str) else ""
        raise ConfigError(f"'{key}' must be an array of strings, got {got}{hint}", path=path, key=key)
    return list(value)


def _check_codes(
    codes: Sequence[str],
    path: Path,
    key: str,
    known: set[str] | None,
) -> list[str]:
    """Upper-case, check the shape and (when known) the existence of rule selectors."""
    result = []
    for raw in codes:
        code = raw.strip().upper()
        if code != "ALL" and not _CODE_RE.match(code):
            raise ConfigError(
                f"'{key}': {clip(raw)} is not a rule id or prefix (expected FD + up to three digits, "
                "like FD201 or FD2, or ALL)",
                path=path,
                key=key,
            )
        if known is not None and code not in ("ALL", "FD") and not any(k.startswith(code) for k in known):
            import difflib  # only to suggest a spelling in an error message

            close = difflib.get_close_matches(code, sorted(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else "; run `flask-doctor rules` to list them"
            raise ConfigError(f"'{key}': unknown rule id {code}{hint}", path=path, key=key)
        result.append(code)
    return result


def validate_section(name: str, value: Any, path: Path, known: set[str] | None = None) -> dict[str, Any]:
    """Check ``[tool.flask-doctor.<name>]`` against the keys that surface reads."""
    where = f"tool.flask-doctor.{name}"
    if not isinstance(value, dict):
        raise ConfigError(f"[{where}] must be a table, got {_type_name(value)}", path=path, key=where)
    schema = _SECTION_SCHEMA[name]
    for key in value:
        if key not in schema:
            accepted = ", ".join(sorted(schema)) or "no keys yet"
            raise ConfigError(f"unknown key {clip(key)} in [{where}] (accepted: {accepted})", path=path, key=where)
    if "silenced" in value:
        entries = _string_list(value["silenced"], path, f"{where}.silenced")
        for entry in entries:
            if not _SILENCE_RE.match(entry.strip()):
                raise ConfigError(
                    f"'{where}.silenced': {clip(entry)} is not {schema['silenced']}",
                    path=path,
                    key=f"{where}.silenced",
                )
            _check_codes([entry.split(":", 1)[0]], path, f"{where}.silenced", known)
    if name == "fix":
        for key, item in value.items():
            whole = key != "http-timeout"
            ok = isinstance(item, int) if whole else isinstance(item, (int, float))
            if isinstance(item, bool) or not ok or item <= 0:
                raise ConfigError(
                    f"'{where}.{key}': {clip(item)} is not {schema[key]}", path=path, key=f"{where}.{key}"
                )
    if "server" in value and value["server"] not in AUDIT_SERVERS:
        raise ConfigError(
            f"'{where}.server': {clip(value['server'])} is not {schema['server']}", path=path, key=f"{where}.server"
        )
    return dict(value)


def _from_table(
    table: Mapping[str, Any],
    path: Path,
    root: Path,
    known_codes: Callable[[], set[str]] | None,
) -> Settings:
    known = set(known_codes()) if known_codes is not None else None
    settings = Settings(root=root, source=path)
    for key, value in table.items():
        if key in SECTION_KEYS:
            settings.sections[key] = validate_section(key, value, path, known)
            continue
        if key not in KNOWN_KEYS:
            candidates = sorted(KNOWN_KEYS) + [k.replace("-", "_") for k in KNOWN_KEYS]
            import difflib  # only to suggest a spelling in an error message

            close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean '{close[0].replace('_', '-')}'?"
            else:
                hint = f"; known keys: {', '.join(sorted(KNOWN_KEYS))}"
            raise ConfigError(
                f"unknown key {clip(key)} in [tool.flask-doctor]{hint}", path=path, key=key[:_QUOTE_LIMIT]
            )
        if key in _LIST_KEYS:
            items = _string_list(value, path, key)
            if key in _CODE_LIST_KEYS:
                items = _check_codes(items, path, key, known)
            setattr(settings, _LIST_KEYS[key], items)
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"'{key}' must be true or false, got {_type_name(value)}", path=path, key=key)
            setattr(settings, _BOOL_KEYS[key], value)
        elif key == "fail-level":
            if not isinstance(value, str):
                raise ConfigError(f"'fail-level' must be a string, got {_type_name(value)}", path=path, key=key)
            try:
                settings.fail_level = Severity.parse(value).label
            except ValueError:
                raise ConfigError(
                    f"'fail-level': unknown severity {value!r}; use one of {', '.join(_FAIL_LEVELS)}",
                    path=path,
                    key=key,
                ) from None
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"'per-file-ignores' must be a table of glob = [codes], got {_type_name(value)}",
                    path=path,
                    key=key,
                )
            pfi: dict[str, list[str]] = {}
            for glob, codes in value.items():
                sub = f"per-file-ignores.{glob!r}"
                pfi[glob] = _check_codes(_string_list(codes, path, sub), path, sub, known)
            settings.per_file_ignores = pfi
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"'severity' must be a table like {{FD201 = \"note\"}}, got {_type_name(value)}",
                    path=path,
                    key=key,
                )
            levels: dict[str, Severity] = {}
            for code, level in value.items():
                sub = f"severity.{code}"
                (checked,) = _check_codes([code], path, sub, known)
                if not isinstance(level, str):
                    raise ConfigError(f"'{sub}' must be a string, got {_type_name(level)}", path=path, key=sub)
                try:
                    levels[checked] = Severity.parse(level)
                except ValueError:
                    raise ConfigError(
                        f"'{sub}': unknown severity {level!r}; use one of {', '.join(_FAIL_LEVELS)}",
                        path=path,
                        key=sub,
                    ) from None
            settings.severity = levels
    return settings


# ------------------------------------------------------------------------ CLI
def merge_cli(
    settings: Settings,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    fail_level: str | None = None,
    known_codes: Callable[[], set[str]] | None = None,
) -> Settings:
    """Settings with the command-line options on top (a new object).

    Ruff semantics: ``--select`` replaces the file's ``select`` and
    ``extend-select`` and wins over file ``ignore`` entries naming exactly the
    same selector; ``--extend-select`` and ``--ignore`` add; ``--exclude``
    replaces the file's ``exclude`` (``extend-exclude`` and the built-in skip
    list still apply); ``--fail-level`` replaces.  Codes are upper-cased and,
    with ``known_codes``, validated (raising :class:`ConfigError` without a
    path, which the CLI shows as a usage error).
    """
    known = set(known_codes()) if known_codes is not None else None
    cli = Path("command line")

    def codes(values: Sequence[str] | None, option: str) -> list[str] | None:
        if not values:
            return None
        parts = [p for v in values for p in v.split(",") if p.strip()]
        try:
            return _check_codes(parts, cli, option, known)
        except ConfigError as exc:
            message = str(exc).split(": ", 1)[1].replace(f"'{option}'", option)
            raise ConfigError(message, key=option) from None

    changes: dict[str, Any] = {}
    new_select = codes(select, "--select")
    new_ignore = codes(ignore, "--ignore")
    new_extend = codes(extend_select, "--extend-select")
    ignore_list = list(settings.ignore)
    if new_select is not None:
        changes["select"] = new_select
        changes["extend_select"] = []
        ignore_list = [c for c in ignore_list if c not in new_select]
    if new_extend is not None:
        base = changes.get("extend_select", list(settings.extend_select))
        changes["extend_select"] = base + [c for c in new_extend if c not in base]
    if new_ignore is not None:
        ignore_list += [c for c in new_ignore if c not in ignore_list]
    changes["ignore"] = ignore_list
    if exclude:
        changes["exclude"] = list(exclude)
    if fail_level is not None:
        try:
            changes["fail_level"] = Severity.parse(fail_level).label
        except ValueError as exc:
            raise ConfigError(f"--fail-level: {exc}", key="--fail-level") from None
    return dataclasses.replace(settings, **changes)
