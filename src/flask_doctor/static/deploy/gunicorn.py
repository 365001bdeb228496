"""Gunicorn's settings from its command line, ``GUNICORN_CMD_ARGS`` and config file: the one reader.

Three surfaces ask how gunicorn will run an app.  ``check`` reads a
Dockerfile ``CMD`` and a ``gunicorn.conf.py`` without running them; ``audit``
reads the environment and config file of the machine it runs on; the runtime
reads the command line of the worker it runs in.  They all use this module,
so ``-w4``, ``--workers=4``, ``-k gevent`` or ``workers = int(os.environ.get(
"WEB_CONCURRENCY", 2))`` mean the same thing everywhere.

Gunicorn layers its settings, lowest first (``gunicorn/app/base.py``
``load_config``): built-in defaults (``workers`` defaults to
``$WEB_CONCURRENCY``), the config file (``-c FILE``, else ``./gunicorn.conf.py``),
``GUNICORN_CMD_ARGS``, the command line.  :func:`resolve_options` applies
exactly that order.

A config file is Python, but it is never imported or executed here: it is
read with :mod:`ast` and only literal values (and ``os.environ.get(X,
default)``, ``int()``, ``max()``...) are evaluated; a CPU-count based value is
marked, not computed.

This module is imported by the runtime inside a production worker: it must
stay standard-library only (``ast``, ``shlex``, ``dataclasses`` are loaded by
any Flask process anyway) and never import the static model.
"""

from __future__ import annotations

import ast
import os
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TypeAlias

from flask_doctor.bounded_read import read_text_bounded
from flask_doctor.dataclass import dataclass
from flask_doctor.static.deploy.options import OptionSpec, ParsedOptions, parse_options
from flask_doctor.static.deploy.values import as_bool, as_int

__all__ = [
    "ARGV_OPTIONS",
    "CONFIG_ALIASES",
    "CONFIG_FIELDS",
    "CONFIG_FILE_NAMES",
    "DEFAULT_CONFIG_FILE",
    "HOOKS",
    "ConfigAssignment",
    "ConfigFile",
    "ConfigScalar",
    "ConfigValue",
    "GunicornOptions",
    "find_config",
    "load_options",
    "parse_argv",
    "read_config",
    "read_config_tree",
    "resolve_options",
    "split_cmd_args",
    "worker_concurrency",
]

#: The file gunicorn reads from its working directory when no ``-c`` is given.
DEFAULT_CONFIG_FILE = "gunicorn.conf.py"
#: A gunicorn config file larger than this is not read.
_CONFIG_MAX_BYTES = 2_000_000
#: Config file names projects use (``-c gunicorn_config.py`` is common); ``audit`` guesses among them.
CONFIG_FILE_NAMES = (DEFAULT_CONFIG_FILE, "gunicorn_config.py", "gunicorn.py")

#: Command-line options -> the field they set (``""``: known, value ignored).
#: Field names are those of :class:`GunicornOptions` (and of the static
#: ``ServerCommand``); ``env`` collects ``-e KEY=VALUE``.
ARGV_OPTIONS = OptionSpec(
    values={
        "-w": "workers",
        "--workers": "workers",
        "-k": "worker_class",
        "--worker-class": "worker_class",
        "--threads": "threads",
        "--worker-connections": "worker_connections",
        "-t": "timeout",
        "--timeout": "timeout",
        "--max-requests": "max_requests",
        "--max-requests-jitter": "max_requests_jitter",
        "-b": "bind",
        "--bind": "bind",
        "-c": "config_file",
        "--config": "config_file",
        "-e": "env",
        "--env": "env",
        "--paste": "app_target",
        "-n": "",
        "-u": "",
        "-g": "",
        "-m": "",
        "-p": "",
        "--pid": "",
        "--chdir": "",
        "--log-level": "",
        "--access-logfile": "",
        "--error-logfile": "",
        "--log-file": "",
        "--graceful-timeout": "",
        "--keep-alive": "",
        "--backlog": "",
        "--forwarded-allow-ips": "",
        "--pythonpath": "",
        "--access-logformat": "",
        "--log-config": "",
        "--worker-tmp-dir": "",
        "--certfile": "",
        "--keyfile": "",
        "--name": "",
        "--statsd-host": "",
        "--reload-engine": "",
        "--reload-extra-file": "",
        "--proxy-allow-from": "",
        "--limit-request-line": "",
        "--limit-request-fields": "",
        "--limit-request-field_size": "",
        "--umask": "",
        "--user": "",
        "--group": "",
        "--log-syslog-to": "",
    },
    flags={
        "--reload": "reload",
        "--preload": "preload",
        "-D": "",
        "--daemon": "",
        "--check-config": "",
        "--print-config": "",
        "--spew": "",
        "--capture-output": "",
        "-R": "",
        "--enable-stdio-inheritance": "",
        "--no-sendfile": "",
        "--reuse-port": "",
        "--strip-header-spaces": "",
        "--suppress-ragged-eofs": "",
        "--do-handshake-on-connect": "",
        "--disable-redirect-access-to-syslog": "",
        "--permit-unconventional-http-method": "",
        "--permit-unconventional-http-version": "",
        "--casefold-http-method": "",
        "--permit-obsolete-folding": "",
        "--log-syslog": "",
        "-v": "",
        "--version": "",
        "-h": "",
        "--help": "",
        "--no-control-socket": "",
    },
)

#: Config-file setting name -> :class:`GunicornOptions` field, for the settings resolved here.
CONFIG_FIELDS = {
    "workers": "workers",
    "worker_class": "worker_class",
    "threads": "threads",
    "worker_connections": "worker_connections",
    "timeout": "timeout",
    "max_requests": "max_requests",
    "max_requests_jitter": "max_requests_jitter",
    "bind": "bind",
    "reload": "reload",
    "preload_app": "preload",
    "wsgi_app": "app_target",
}
#: Other spellings of config settings people write (command-line style) -> the setting gunicorn reads.
CONFIG_ALIASES = {"preload": "preload_app", "worker-class": "worker_class", "k": "worker_class"}
#: Server hooks a config file may define.
HOOKS = frozenset(
    {
        "on_starting",
        "on_reload",
        "when_ready",
        "pre_fork",
        "post_fork",
        "post_worker_init",
        "worker_int",
        "worker_abort",
        "pre_exec",
        "pre_request",
        "post_request",
        "child_exit",
        "worker_exit",
        "nworkers_changed",
        "on_exit",
        "ssl_context",
    }
)

ConfigScalar: TypeAlias = str | bytes | int | float | bool | None
#: A value a config file assigns, as far as it can be known without running it.
ConfigValue: TypeAlias = ConfigScalar | list["ConfigValue"] | dict[ConfigScalar, "ConfigValue"]


# ============================================================ command line
def parse_argv(args: Sequence[str]) -> ParsedOptions:
    """Gunicorn's options in ``args`` (the command line without the program name).

    ``found`` maps each :data:`ARGV_OPTIONS` field to every value given, in
    order (flags give ``"true"``); ``positionals`` ends with the app target.
    Values are the raw words: ``-w $WORKERS`` stays ``"$WORKERS"``.
    """
    return parse_options(args, ARGV_OPTIONS)


def split_cmd_args(text: str) -> list[str]:
    """The words of ``GUNICORN_CMD_ARGS`` (gunicorn splits it with :func:`shlex.split`).

    Unbalanced quotes fall back to a whitespace split instead of failing.
    """
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# ============================================================ config file
@dataclass
class ConfigAssignment:
    """One assignment to a setting in a config file.

    ``value`` is ``None`` when it cannot be known without running code;
    ``cpu_based`` marks ``multiprocessing.cpu_count() * 2 + 1`` style values,
    ``env_var`` the variable an ``os.environ.get("X", "4")`` reads (``value``
    is then its default, or the variable's value in the environment given to
    :func:`read_config`), ``conditional`` an assignment under ``if``/``try``.
    """

    name: str
    value: ConfigValue
    line: int
    column: int
    expr: str = ""
    cpu_based: bool = False
    env_var: str | None = None
    conditional: bool = False


@dataclass
class ConfigFile:
    """A gunicorn config file as read by :func:`read_config`."""

    #: Where it came from, as the caller names it (a relative path, a file name).
    path: str
    #: Assignments to settings in source order (helpers ``_x`` and constants ``X`` left out).
    assignments: list[ConfigAssignment] = field(default_factory=list)
    #: Server hooks defined (``post_fork``, ``when_ready``...) -> (line, column).
    hooks: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def settings(self) -> dict[str, ConfigAssignment]:
        """The last assignment of each setting: the one gunicorn ends up with."""
        return {a.name: a for a in self.assignments}


class _Unknown(Exception):
    """An expression whose value cannot be known without running code."""


#: The value of a CPU count: known to depend on the machine, so never computed.
_CPU = object()
_CPU_CALLS = frozenset({"cpu_count", "process_cpu_count", "sched_getaffinity", "nproc"})
_ENV_GETTERS = frozenset({"os.environ.get", "environ.get", "os.getenv", "getenv", "os.environ.setdefault"})
_LITERAL_TYPES = (str, bytes, int, float, bool, type(None))


def _dotted(node: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _binop(op: ast.operator, left: ConfigValue, right: ConfigValue) -> ConfigValue:
    if isinstance(op, ast.Add):
        return left + right  # type: ignore[operator]
    if isinstance(op, ast.Sub):
        return left - right  # type: ignore[operator]
    if isinstance(op, ast.Mult):
        if isinstance(left, (str, list)) and isinstance(right, int) and right > 10_000:
            raise _Unknown
        return left * right  # type: ignore[operator]
    if isinstance(op, ast.FloorDiv):
        return left // right  # type: ignore[operator]
    if isinstance(op, ast.Div):
        return left / right  # type: ignore[operator]
    if isinstance(op, ast.Mod):
        return left % right  # type: ignore[operator]
    raise _Unknown


class _Evaluator:
    """Evaluate the literal part of a config file's assignments, never calling anything.

    With an ``environ``, ``os.environ.get("X", d)`` and ``os.environ["X"]``
    read it (``audit`` runs where the server runs); without one they give the
    default, as a static reader must.
    """

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self.environ = environ
        self.names: dict[str, ConfigValue] = {}
        #: names assigned a CPU-count based value (``cores = cpu_count()``).
        self.cpu_names: set[str] = set()
        self.cpu_based = False
        self.env_var: str | None = None

    def eval(self, node: ast.expr) -> ConfigValue:
        self.cpu_based = False
        self.env_var = None
        value = self._eval_maybe_cpu(node)
        if value is _CPU:
            self.cpu_based = True
            raise _Unknown
        return value  # type: ignore[return-value]

    def _eval(self, node: ast.expr) -> ConfigValue:
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, _LITERAL_TYPES):
                raise _Unknown  # Ellipsis, complex: no setting takes them
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self._eval(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {
                self._eval(k): self._eval(v)  # type: ignore[misc]
                for k, v in zip(node.keys, node.values, strict=True)
                if k is not None
            }
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise _Unknown
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            value = self._eval(node.operand)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else value  # type: ignore[operator]
        if isinstance(node, ast.BinOp):
            left = self._eval_maybe_cpu(node.left)
            right = self._eval_maybe_cpu(node.right)
            if left is _CPU or right is _CPU:
                self.cpu_based = True
                raise _Unknown
            try:
                return _binop(node.op, left, right)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - whatever fails on literals, the value is unknown
                raise _Unknown from None
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                elif isinstance(part, ast.FormattedValue):
                    parts.append(str(self._eval(part.value)))
            return "".join(parts)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return self._or(node.values)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            if _dotted(node.value) in ("os.environ", "environ"):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.env_var = key.value
                    if self.environ is not None and key.value in self.environ:
                        return self.environ[key.value]
            raise _Unknown
        raise _Unknown

    def _or(self, values: Iterable[ast.expr]) -> ConfigValue:
        # os.environ.get("X") or "4": the default is the right-hand side.
        # os.cpu_count() or 1: CPU-based whatever the fallback.
        for value in values:
            try:
                result = self._eval_maybe_cpu(value)
            except _Unknown:
                if self.cpu_based:
                    raise
                continue
            if result is _CPU:
                self.cpu_based = True
                raise _Unknown
            if result:
                return result  # type: ignore[return-value]
        raise _Unknown

    def _eval_maybe_cpu(self, node: ast.expr) -> ConfigValue | object:
        if isinstance(node, ast.Name) and node.id in self.cpu_names:
            return _CPU
        if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in _CPU_CALLS:
            return _CPU
        if (
            isinstance(node, ast.Call)
            and _dotted(node.func) == "len"
            and node.args
            and isinstance(node.args[0], ast.Call)
            and _dotted(node.args[0].func).endswith("sched_getaffinity")
        ):
            return _CPU
        try:
            return self._eval(node)
        except _Unknown:
            if self.cpu_based:
                return _CPU
            raise

    def _call(self, node: ast.Call) -> ConfigValue:
        func = _dotted(node.func)
        if func.rsplit(".", 1)[-1] in _CPU_CALLS:
            self.cpu_based = True
            raise _Unknown
        if func in _ENV_GETTERS:
            return self._getenv(node)
        if func in ("int", "str", "float", "bool") and len(node.args) == 1:
            value = self._eval_maybe_cpu(node.args[0])
            if value is _CPU:
                self.cpu_based = True
                raise _Unknown
            if func == "bool" and isinstance(value, str):
                return as_bool(value)
            convert = {"int": int, "str": str, "float": float, "bool": bool}[func]
            try:
                return convert(value)  # type: ignore[no-any-return]
            except (TypeError, ValueError):
                raise _Unknown from None
        if func in ("max", "min") and node.args:
            values = [self._eval_maybe_cpu(a) for a in node.args]
            if any(v is _CPU for v in values):
                self.cpu_based = True
                raise _Unknown
            try:
                return max(values) if func == "max" else min(values)  # type: ignore[type-var,return-value]
            except TypeError:
                raise _Unknown from None
        raise _Unknown

    def _getenv(self, node: ast.Call) -> ConfigValue:
        name: str | None = None
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            name = node.args[0].value
            self.env_var = name
        if name is not None and self.environ is not None and name in self.environ:
            return self.environ[name]
        default: ast.expr | None = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg == "default":
                default = kw.value
        if default is None:
            raise _Unknown
        return self._eval(default)


def read_config(text: str, path: str = DEFAULT_CONFIG_FILE, environ: Mapping[str, str] | None = None) -> ConfigFile:
    """Read a gunicorn config file's settings and hooks with :mod:`ast`, never running it.

    ``environ``: the environment the server will see (``None``: unknown, use
    the defaults written in the file).  Raises :class:`SyntaxError` or
    :class:`ValueError` when ``text`` is not Python, :class:`RecursionError`
    when it nests too deeply.
    """
    return read_config_tree(ast.parse(text, filename=path), path, environ)


def read_config_tree(
    tree: ast.Module, path: str = DEFAULT_CONFIG_FILE, environ: Mapping[str, str] | None = None
) -> ConfigFile:
    """:func:`read_config` of an already parsed file (the static checker parses it once, with its own errors)."""
    conf = ConfigFile(path=path)
    evaluator = _Evaluator(environ)

    def visit(body: Iterable[ast.stmt], conditional: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in HOOKS:
                conf.hooks[stmt.name] = (stmt.lineno, stmt.col_offset + 1)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if stmt.value is not None:
                    record(targets, stmt.value, stmt, conditional)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                conf.assignments.append(
                    ConfigAssignment(
                        name,
                        None,
                        stmt.lineno,
                        stmt.col_offset + 1,
                        expr=ast.unparse(stmt),
                        conditional=conditional,
                    )
                )
                evaluator.names.pop(name, None)
            elif isinstance(stmt, ast.If):
                visit(stmt.body, True)
                visit(stmt.orelse, True)
            elif isinstance(stmt, ast.Try):
                visit(stmt.body, True)
                for handler in stmt.handlers:
                    visit(handler.body, True)
                visit(stmt.orelse, True)
                visit(stmt.finalbody, conditional)
            elif isinstance(stmt, ast.With):
                visit(stmt.body, conditional)

    def record(targets: Sequence[ast.expr], value_node: ast.expr, stmt: ast.stmt, conditional: bool) -> None:
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            try:
                value = evaluator.eval(value_node)
                known = True
            except (_Unknown, RecursionError):
                value, known = None, False
            cpu_based, env_var = evaluator.cpu_based, evaluator.env_var
            if known:
                evaluator.names[name] = value
                evaluator.cpu_names.discard(name)
            else:
                evaluator.names.pop(name, None)
                if cpu_based:
                    evaluator.cpu_names.add(name)
                else:
                    evaluator.cpu_names.discard(name)
            if name.startswith("_") or name.isupper():
                continue  # helpers and constants, not gunicorn settings
            conf.assignments.append(
                ConfigAssignment(
                    name,
                    value,
                    stmt.lineno,
                    stmt.col_offset + 1,
                    expr=ast.unparse(value_node),
                    cpu_based=cpu_based,
                    env_var=env_var,
                    conditional=conditional,
                )
            )

    try:
        visit(tree.body, False)
    finally:
        # they call themselves and each other: a cycle the paused collector would keep until the run ends
        visit = record = None  # type: ignore[assignment]
    return conf


# ============================================================ resolution
def worker_concurrency(worker_class: str | None, threads: int | None, worker_connections: int | None) -> int:
    """Requests one gunicorn worker process serves at once.

    Greenlets for gevent/eventlet (``worker_connections``, default 1000),
    threads for gthread (and for a sync worker given ``--threads``, which
    gunicorn runs as gthread), else one.
    """
    kind = (worker_class or "sync").lower()
    if "gevent" in kind or "eventlet" in kind:
        return worker_connections or 1000
    return threads if threads is not None and threads > 1 else 1


@dataclass(frozen=True)
class GunicornOptions:
    """The settings gunicorn ends up with, as far as the layers read say.

    ``None`` (``False``, ``()``) means no layer read sets it, so gunicorn's
    built-in default applies.  ``sources`` maps each field a layer set to the
    layer that won: ``"WEB_CONCURRENCY"``, the config file's path,
    ``"GUNICORN_CMD_ARGS"`` or ``"command line"``.  A field in ``sources``
    whose value is ``None`` was set to something that cannot be known without
    running code (``workers = cpu_count() * 2 + 1``).
    """

    workers: int | None = None
    worker_class: str | None = None
    threads: int | None = None
    worker_connections: int | None = None
    timeout: int | None = None
    max_requests: int | None = None
    max_requests_jitter: int | None = None
    bind: tuple[str, ...] = ()
    reload: bool = False
    preload: bool = False
    config_file: str | None = None
    app_target: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def effective_worker_class(self) -> str:
        """``sync`` when nothing says; ``gthread`` for a sync worker with several threads (gunicorn's rule)."""
        kind = self.worker_class or "sync"
        if (kind == "sync" or kind.endswith("SyncWorker")) and self.threads is not None and self.threads > 1:
            return "gthread"
        return kind

    def concurrency_per_worker(self) -> int:
        """Requests one worker serves at once (see :func:`worker_concurrency`)."""
        return worker_concurrency(self.worker_class, self.threads, self.worker_connections)


_INT_FIELDS = ("workers", "threads", "worker_connections", "timeout", "max_requests", "max_requests_jitter")
_STR_FIELDS = ("worker_class", "config_file", "app_target")
_BOOL_FIELDS = ("reload", "preload")
_LayerValue: TypeAlias = ConfigValue | list[str]


def _argv_layer(args: Sequence[str]) -> dict[str, _LayerValue]:
    found, positionals = parse_argv(args)
    layer: dict[str, _LayerValue] = {}
    for name, values in found.items():
        if name == "bind":
            layer[name] = list(values)  # -b may repeat: every address is bound
        elif name != "env":
            layer[name] = values[-1]
    if positionals and "app_target" not in layer:
        layer["app_target"] = positionals[-1]
    return layer


def _config_layer(config: ConfigFile) -> dict[str, _LayerValue]:
    layer: dict[str, _LayerValue] = {}
    for name, assignment in config.settings.items():
        if name in CONFIG_FIELDS:  # gunicorn ignores names that are not settings (``preload = True``)
            # Under if/try the branch taken is not known: set, but to an unknown value.
            layer[CONFIG_FIELDS[name]] = None if assignment.conditional else assignment.value
    return layer


def resolve_options(
    argv: Sequence[str] = (), environ: Mapping[str, str] | None = None, config: ConfigFile | None = None
) -> GunicornOptions:
    """Layer gunicorn's settings as gunicorn does: ``WEB_CONCURRENCY`` < config < ``GUNICORN_CMD_ARGS`` < argv.

    ``argv`` is gunicorn's command line without the program name
    (``sys.argv[1:]`` inside a worker); ``environ`` defaults to
    :data:`os.environ`; ``config`` is the config file gunicorn reads (see
    :func:`find_config`, :func:`read_config`), if any.  Reads no file.
    """
    env = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, _LayerValue]]] = []
    if as_int(env.get("WEB_CONCURRENCY")) is not None:
        layers.append(("WEB_CONCURRENCY", {"workers": env["WEB_CONCURRENCY"]}))
    if config is not None:
        layers.append((config.path, _config_layer(config)))
    if env.get("GUNICORN_CMD_ARGS"):
        layers.append(("GUNICORN_CMD_ARGS", _argv_layer(split_cmd_args(env["GUNICORN_CMD_ARGS"]))))
    if argv:
        layers.append(("command line", _argv_layer(argv)))
    values: dict[str, _LayerValue] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for name, value in layer.items():
            values[name] = value
            sources[name] = source
    kwargs: dict[str, object] = {}
    for name, value in values.items():
        if name in _INT_FIELDS:
            kwargs[name] = as_int(value)
        elif name in _STR_FIELDS:
            kwargs[name] = value if isinstance(value, str) else None
        elif name in _BOOL_FIELDS:
            kwargs[name] = as_bool(value) is True
        elif name == "bind":
            items = value if isinstance(value, list) else [value]
            kwargs[name] = tuple(str(item) for item in items if isinstance(item, str))
    return GunicornOptions(**kwargs, sources=sources)  # type: ignore[arg-type]


def find_config(
    argv: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    names: Sequence[str] = (DEFAULT_CONFIG_FILE,),
) -> Path | None:
    """The config file gunicorn reads: ``-c`` on the command line, else in ``GUNICORN_CMD_ARGS``, else ``./NAME``.

    ``names`` are tried in ``cwd`` in order (gunicorn itself only looks for
    :data:`DEFAULT_CONFIG_FILE`).  ``None`` for ``-c python:module`` (a module,
    not a file) and when no file is found.
    """
    env = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    for words in (argv, split_cmd_args(env.get("GUNICORN_CMD_ARGS") or "")):
        given = parse_argv(words).found.get("config_file")
        if given:
            location = given[-1]
            if location.startswith("python:"):
                return None
            path = Path(location.removeprefix("file:"))
            return path if path.is_absolute() else cwd / path
    for name in names:
        if (cwd / name).is_file():
            return cwd / name
    return None


def load_options(
    argv: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_names: Sequence[str] = (DEFAULT_CONFIG_FILE,),
) -> GunicornOptions:
    """:func:`resolve_options` with the config file gunicorn would read from ``cwd`` (:func:`find_config`).

    The config file is read with the real environment (``os.environ.get("X",
    d)`` gives ``$X`` when it is set).  An unreadable or invalid config file
    counts as absent.
    """
    env = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    path = find_config(argv, env, cwd, config_names)
    config = None
    if path is not None:
        try:
            label = path.relative_to(cwd).as_posix()
        except ValueError:
            label = str(path)
        try:
            config = read_config(read_text_bounded(path, _CONFIG_MAX_BYTES), label, environ=env)
        except (OSError, SyntaxError, ValueError, RecursionError):
            config = None
    return resolve_options(argv, env, config)
