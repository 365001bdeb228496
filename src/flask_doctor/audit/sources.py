"""Where does a config value come from?  A class, a file, a line, an env var.

While the app is built, :func:`recording` wraps ``flask.Config`` so that every
``config[key] = value`` (which ``from_object``, ``from_pyfile``,
``from_mapping`` and ``from_prefixed_env`` all go through) remembers its
origin.  Keys that were never written keep Flask's (or an extension's)
default.  When the app was imported before recording could start (``flask
doctor audit`` in a process that already loaded it), :func:`guess` searches the
user's modules for an assignment of the key instead.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Location
from flask_doctor.userfiles import is_user_file

_ENV_PATTERNS = (
    re.compile(r"environ(?:\.get)?\s*[\(\[]\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']"),
    re.compile(r"getenv\s*\(\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']"),
)


@dataclass(frozen=True)
class ConfigSource:
    """The origin of one config key."""

    how: str  # "object", "file", "env", "code"
    location: Location | None = None
    env_var: str = ""
    #: Said instead of the origin when the origin is uncertain (a guessed location).
    detail: str = ""
    #: What wrote the key: "config class ProductionConfig", "config file instance.cfg"...
    origin: str = ""

    def describe(self) -> str:
        """``"by config class ProductionConfig"``, ``"in config file instance.cfg"``, ``"by app code"``."""
        if self.origin:
            return self.origin
        return {"object": "by a config object", "file": "in a config file", "env": "from the environment"}.get(
            self.how, "by the app's code"
        )


@dataclass
class ConfigSources:
    """Origins of the keys of one app's config."""

    by_key: dict[str, ConfigSource] = field(default_factory=dict)

    def get(self, key: str) -> ConfigSource | None:
        return self.by_key.get(key)


# --------------------------------------------------------------- user files
# Which files are the user's is flask_doctor.userfiles.is_user_file (imported above; the checks
# import it from this module too).


def display_path(path: str) -> str:
    """Relative to the working directory when inside it, as linters print paths."""
    try:
        return os.path.relpath(path) if os.path.abspath(path).startswith(os.getcwd() + os.sep) else path
    except ValueError:  # pragma: no cover - other drive on Windows
        return path


def _line_of_key(lines: list[str], key: str) -> int:
    """0-based index of the first line assigning ``key`` (``KEY = ``, ``"KEY": ``, YAML ``KEY:``), or -1."""
    assign = re.compile(rf"^\s*{re.escape(key)}\s*(?::[^=]*)?=(?!=)")
    quoted = re.compile(rf"[\"']{re.escape(key)}[\"']\s*[:\]=]|\b{re.escape(key)}\s*=(?!=)")
    mapping = re.compile(rf"^\s*{re.escape(key)}\s*:(?!:)")  # YAML: KEY: value
    for pattern in (assign, quoted, mapping):
        for i, text in enumerate(lines):
            if pattern.search(text):
                return i
    return -1


def make_location(path: str, line: int, key: str = "") -> Location:
    """A location whose column (and end) spans ``key`` on that line, else the first non-blank."""
    if not line:
        return Location(display_path(path))
    lines = _read_lines(path)
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    start = text.find(key) if key else -1
    if start >= 0:
        return Location(display_path(path), line, start + 1, line, start + 1 + len(key))
    indent = len(text) - len(text.lstrip())
    return Location(display_path(path), line, indent + 1)


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def locate_in_object(obj: Any, key: str) -> Location | None:
    """The line assigning ``key`` in a config class (searching its MRO) or module."""
    try:
        if isinstance(obj, types.ModuleType):
            path = getattr(obj, "__file__", None)
            if not path:
                return None
            i = _line_of_key(_read_lines(path), key)
            return make_location(path, i + 1 if i >= 0 else 0, key)
        klass = obj if isinstance(obj, type) else type(obj)
        for k in klass.__mro__:
            if key in vars(k) and k is not object:
                path = inspect.getsourcefile(k)
                lines, start = inspect.getsourcelines(k)
                if not path:
                    return None
                i = _line_of_key(lines, key)
                return make_location(path, start + i if i >= 0 else start, key)
    except (OSError, TypeError):
        return None
    return None


def locate_in_file(path: str, key: str) -> Location:
    i = _line_of_key(_read_lines(path), key)
    return make_location(path, i + 1 if i >= 0 else 0, key)


def env_var_in_line(location: Location | None) -> str:
    """``SECRET_KEY = os.environ["APP_SECRET"]`` -> ``APP_SECRET``."""
    if location is None or not location.line:
        return ""
    lines = _read_lines(location.path)
    if not 1 <= location.line <= len(lines):
        return ""
    text = lines[location.line - 1]
    for pattern in _ENV_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return ""


def line_text(location: Location | None) -> str:
    if location is None or not location.line:
        return ""
    lines = _read_lines(location.path)
    return lines[location.line - 1] if 1 <= location.line <= len(lines) else ""


def _user_frame(frame: types.FrameType | None, key: str = "") -> Location | None:
    while frame is not None:
        path = frame.f_code.co_filename
        if is_user_file(path):
            return make_location(path, _key_line(path, frame.f_lineno, key), key)
        frame = frame.f_back
    return None


def _key_line(path: str, line: int, key: str) -> int:
    """The line of ``KEY=...`` or ``"KEY": ...`` inside the statement that spans ``line`` (a multi-line
    ``from_mapping(...)`` call), else ``line``."""
    tree = _parsed(path) if key and path.endswith(".py") else None
    if tree is None:
        return line
    spanning = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n.lineno <= line <= (n.end_lineno or n.lineno)]
    if spanning:  # the innermost statement: the call itself, not the function around it
        node = min(spanning, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
        for inner in ast.walk(node):
            if isinstance(inner, ast.keyword) and inner.arg == key:
                return inner.lineno
            if isinstance(inner, ast.Dict):
                for k in inner.keys:
                    if isinstance(k, ast.Constant) and k.value == key:
                        return k.lineno
    return line


# ---------------------------------------------------------------- recording
class _Recorder:
    def __init__(self) -> None:
        self.records: dict[int, ConfigSources] = {}
        self.local = threading.local()

    def stack(self) -> list[tuple[str, Any]]:
        if not hasattr(self.local, "stack"):
            self.local.stack = []
        return self.local.stack  # type: ignore[no-any-return]

    def note(self, config: Any, key: str, frame: types.FrameType | None) -> None:
        if not isinstance(key, str) or not key.isupper():
            return
        stack = self.stack()
        location: Location | None = None
        env_var = ""
        how = "code"
        origin = ""
        for kind, arg in reversed(stack):
            if kind == "object" and location is None:
                location = locate_in_object(arg, key)
                how = "object"
                origin = _object_origin(arg, key)
            elif kind == "file" and location is None:
                location = locate_in_file(arg, key)
                how = "file"
                origin = f"in config file {display_path(arg)}"
            elif kind == "env" and not env_var:
                env_var = f"{arg}_{key}" if arg else key
                how = "env" if location is None else how
            elif kind == "envvar" and not env_var:
                env_var = arg
        if any(kind == "file" for kind, _ in stack):
            how = "file"
        if not stack or (location is None and how != "env"):
            location = _user_frame(frame, key)
            if location is not None and how == "code":
                origin = "by the app's code"
        if how == "env":
            origin = "by app.config.from_prefixed_env()"
        if not env_var:
            env_var = env_var_in_line(location)
        self.records.setdefault(id(config), ConfigSources()).by_key[key] = ConfigSource(
            how, location, env_var, origin=origin
        )


def _object_origin(obj: Any, key: str) -> str:
    """``by config class ProductionConfig`` (the class of the MRO that defines ``key``) or ``by module settings``."""
    if isinstance(obj, types.ModuleType):
        return f"by config module {obj.__name__}"
    klass = obj if isinstance(obj, type) else type(obj)
    for k in klass.__mro__:
        if key in vars(k) and k is not object:
            return f"by config class {k.__qualname__}"
    return f"by config object {klass.__qualname__}"


@contextmanager
def recording() -> Iterator[_Recorder]:
    """Record the origin of every config write made while the app is built."""
    from flask import Config

    recorder = _Recorder()
    had_setitem = "__setitem__" in vars(Config)
    originals = {
        name: vars(Config)[name]
        for name in ("from_object", "from_pyfile", "from_file", "from_prefixed_env", "from_envvar")
    }
    base_setitem = Config.__setitem__

    def __setitem__(self: Any, key: str, value: Any) -> None:
        base_setitem(self, key, value)
        try:
            recorder.note(self, key, sys._getframe(1))
        except Exception:  # recording is best effort, never breaks the app
            pass

    def wrap(name: str, kind: str, arg_of: Any) -> Any:
        original = originals[name]

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            stack = recorder.stack()
            stack.append((kind, arg_of(self, *args, **kwargs)))
            try:
                return original(self, *args, **kwargs)
            finally:
                stack.pop()

        wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        return wrapper

    def obj_arg(self: Any, obj: Any, *a: Any, **k: Any) -> Any:
        if isinstance(obj, str):
            from werkzeug.utils import import_string

            return import_string(obj)
        return obj

    def file_arg(self: Any, filename: str, *a: Any, **k: Any) -> str:
        return os.path.join(self.root_path, filename)

    def env_arg(self: Any, prefix: str = "FLASK", *a: Any, **k: Any) -> str:
        return prefix

    def envvar_arg(self: Any, variable_name: str, *a: Any, **k: Any) -> str:
        return variable_name

    had_update = "update" in vars(Config)

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        # dict.update bypasses __setitem__: route it through so it is recorded
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    Config.__setitem__ = __setitem__  # type: ignore[method-assign,assignment]
    Config.update = update  # type: ignore[method-assign,assignment]
    Config.from_object = wrap("from_object", "object", obj_arg)  # type: ignore[method-assign]
    Config.from_pyfile = wrap("from_pyfile", "file", file_arg)  # type: ignore[method-assign]
    Config.from_file = wrap("from_file", "file", file_arg)  # type: ignore[method-assign]
    Config.from_prefixed_env = wrap("from_prefixed_env", "env", env_arg)  # type: ignore[method-assign]
    Config.from_envvar = wrap("from_envvar", "envvar", envvar_arg)  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        if had_setitem:  # pragma: no cover - Flask's Config has none today
            Config.__setitem__ = base_setitem  # type: ignore[method-assign]
        else:
            del Config.__setitem__
        if not had_update:
            del Config.update
        for name, original in originals.items():
            setattr(Config, name, original)


# ----------------------------------------------------------------- guessing
def guess(key: str, roots: list[str]) -> ConfigSource | None:
    """Find ``KEY = ...`` or ``config["KEY"] = ...`` in already imported user modules."""
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py") or not is_user_file(path):
            continue
        if roots and not any(os.path.abspath(path).startswith(r) for r in roots):
            continue
        line = _assignment_line(path, key)
        if line:
            loc = make_location(path, line, key)
            return ConfigSource(
                "code", loc, env_var_in_line(loc), "location guessed from the source (app imported before the audit)"
            )
    return None


@lru_cache(maxsize=256)
def _parsed(path: str) -> ast.AST | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None


def _assignment_line(path: str, key: str) -> int:
    tree = _parsed(path)
    if tree is None:
        return 0
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id == key:
                return node.lineno
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and t.slice.value == key:
                return node.lineno
        if isinstance(node, ast.Call) and any(kw.arg == key for kw in node.keywords):
            return node.lineno
    return 0
