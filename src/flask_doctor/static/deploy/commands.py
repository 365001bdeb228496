"""Which server a start command runs, and with which options.

:func:`analyze_command` turns one command (shell text or exec-form argv)
into :class:`~flask_doctor.static.deploy.model.ServerCommand` records:
gunicorn, uWSGI, uvicorn, hypercorn, waitress, ``flask run``, Celery
workers and ``python app.py`` scripts.  Option values are expanded from the
environment the deploy file sets; what cannot be resolved is kept as raw
text in :attr:`ServerCommand.unresolved` instead of being guessed.
Gunicorn's options come from :mod:`flask_doctor.static.deploy.gunicorn`,
the one definition shared with ``audit`` and the runtime.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from flask_doctor.findings import Location
from flask_doctor.static.deploy import gunicorn
from flask_doctor.static.deploy.model import ServerCommand
from flask_doctor.static.deploy.options import OptionSpec, parse_options
from flask_doctor.static.deploy.shell import (
    basename,
    expand_vars,
    split_shell,
    strip_wrappers,
)
from flask_doctor.static.deploy.values import as_bool, as_int

__all__ = ["analyze_command"]

_UVICORN = OptionSpec(
    values={
        "--workers": "workers",
        "--host": "host",
        "--port": "port",
        "--uds": "bind",
        "--limit-max-requests": "max_requests",
        "--timeout-keep-alive": "",
        "--timeout-graceful-shutdown": "",
        "--loop": "",
        "--http": "",
        "--ws": "",
        "--interface": "",
        "--log-level": "",
        "--root-path": "",
        "--app-dir": "",
        "--env-file": "",
        "--lifespan": "",
        "--forwarded-allow-ips": "",
        "--reload-dir": "",
        "--reload-include": "",
        "--reload-exclude": "",
        "--log-config": "",
        "--fd": "",
        "--backlog": "",
        "--limit-concurrency": "",
        "--ssl-keyfile": "",
        "--ssl-certfile": "",
        "--header": "",
    },
    flags={
        "--reload": "reload",
        "--factory": "",
        "--proxy-headers": "",
        "--no-proxy-headers": "",
        "--access-log": "",
        "--no-access-log": "",
        "--use-colors": "",
        "--no-use-colors": "",
        "--server-header": "",
        "--no-server-header": "",
        "--date-header": "",
        "--no-date-header": "",
    },
)
_HYPERCORN = OptionSpec(
    values={
        "-w": "workers",
        "--workers": "workers",
        "-k": "worker_class",
        "--worker-class": "worker_class",
        "-b": "bind",
        "--bind": "bind",
        "-c": "config_file",
        "--config": "config_file",
        "--max-requests": "max_requests",
        "--graceful-timeout": "",
        "--log-level": "",
        "--access-logfile": "",
        "--error-logfile": "",
        "--root-path": "",
        "--certfile": "",
        "--keyfile": "",
        "--keep-alive": "",
        "--backlog": "",
    },
    flags={"--reload": "reload", "--debug": "debug"},
)
_WAITRESS = OptionSpec(
    values={
        "--threads": "threads",
        "--listen": "bind",
        "--host": "host",
        "--port": "port",
        "--channel-timeout": "timeout",
        "--url-scheme": "",
        "--url-prefix": "",
        "--ident": "",
        "--backlog": "",
        "--recv-bytes": "",
        "--send-bytes": "",
        "--connection-limit": "",
        "--cleanup-interval": "",
        "--max-request-header-size": "",
        "--max-request-body-size": "",
        "--asyncore-loop-timeout": "",
        "--outbuf-overflow": "",
        "--inbuf-overflow": "",
        "--trusted-proxy": "",
        "--trusted-proxy-count": "",
        "--trusted-proxy-headers": "",
        "--unix-socket": "bind",
        "--unix-socket-perms": "",
    },
    flags={
        "--call": "",
        "--expose-tracebacks": "",
        "--no-expose-tracebacks": "",
        "--ipv4": "",
        "--ipv6": "",
        "--no-ipv4": "",
        "--no-ipv6": "",
        "--log-untrusted-proxy-headers": "",
        "--clear-untrusted-proxy-headers": "",
        "--asyncore-use-poll": "",
        "--help": "",
    },
)
_UWSGI = OptionSpec(
    values={
        "--ini": "config_file",
        "--processes": "workers",
        "--workers": "workers",
        "-p": "workers",
        "--threads": "threads",
        "--harakiri": "timeout",
        "-t": "timeout",
        "--max-requests": "max_requests",
        "--http": "bind",
        "--http-socket": "bind",
        "--socket": "bind",
        "-s": "bind",
        "--uwsgi-socket": "bind",
        "--module": "app_target",
        "-w": "app_target",
        "--wsgi": "app_target",
        "--wsgi-file": "app_target",
        "--file": "app_target",
        "--callable": "",
        "--chdir": "",
        "--home": "",
        "-H": "",
        "--virtualenv": "",
        "--uid": "",
        "--gid": "",
        "--buffer-size": "",
        "-b": "",
        "--logto": "",
        "--pidfile": "",
        "--env": "env",
        "--py-autoreload": "autoreload",
        "--python-autoreload": "autoreload",
        "--py-auto-reload": "autoreload",
        "--python-auto-reload": "autoreload",
        "--touch-reload": "",
        "--listen": "",
        "-l": "",
        "--stats": "",
        "--plugins": "",
        "--plugin": "",
        "--static-map": "",
        "--mount": "",
        "--cheaper": "",
        "--reload-on-rss": "",
        "--max-worker-lifetime": "",
        "--yaml": "config_file",
        "--json": "config_file",
        "--xml": "config_file",
        "-x": "config_file",
        "--xmlconfig": "config_file",
    },
    flags={
        "--master": "",
        "-M": "",
        "--enable-threads": "",
        "-T": "",
        "--die-on-term": "",
        "--vacuum": "",
        "--lazy-apps": "",
        "--lazy": "",
        "--single-interpreter": "",
        "--need-app": "",
        "--strict": "",
        "--thunder-lock": "",
        "--honour-stdin": "",
        "--disable-logging": "",
        "--log-master": "",
        "--no-orphans": "",
        "--manage-script-name": "",
    },
)
_FLASK_GROUP = OptionSpec(
    values={"--app": "app_target", "-A": "app_target", "-e": "", "--env-file": ""},
    flags={"--debug": "debug", "--no-debug": "no_debug", "--version": "", "--help": ""},
)
_FLASK_RUN = OptionSpec(
    values={
        "--host": "host",
        "-h": "host",
        "--port": "port",
        "-p": "port",
        "--cert": "",
        "--key": "",
        "--extra-files": "",
        "--exclude-patterns": "",
    },
    flags={
        "--reload": "reload",
        "--no-reload": "no_reload",
        "--debugger": "",
        "--no-debugger": "",
        "--with-threads": "",
        "--without-threads": "",
        "--eager-loading": "",
        "--lazy-loading": "",
        "--debug": "debug",
        "--no-debug": "no_debug",
    },
)
_CELERY_GLOBAL = OptionSpec(
    values={
        "-A": "app_target",
        "--app": "app_target",
        "-b": "",
        "--broker": "",
        "--result-backend": "",
        "--loader": "",
        "--config": "",
        "--workdir": "",
    },
    flags={"--quiet": "", "-q": "", "--no-color": ""},
)
_CELERY_WORKER = OptionSpec(
    values={
        "-c": "workers",
        "--concurrency": "workers",
        "-P": "worker_class",
        "--pool": "worker_class",
        "-A": "app_target",
        "--app": "app_target",
        "--max-tasks-per-child": "max_requests",
        "--time-limit": "timeout",
        "-l": "",
        "--loglevel": "",
        "-Q": "",
        "--queues": "",
        "-n": "",
        "--hostname": "",
        "--autoscale": "",
        "-X": "",
        "--exclude-queues": "",
        "--soft-time-limit": "",
        "--prefetch-multiplier": "",
        "--max-memory-per-child": "",
        "-s": "",
        "--schedule": "",
        "-f": "",
        "--logfile": "",
        "--pidfile": "",
        "-O": "",
        "-E": "",
        "-B": "",
    },
    flags={
        "-E": "",
        "--task-events": "",
        "-B": "",
        "--beat": "",
        "--without-gossip": "",
        "--without-mingle": "",
        "--without-heartbeat": "",
        "-D": "",
        "--detach": "",
    },
)
_PYTHON_VALUE_FLAGS = ("-X", "-W", "-Q")
#: gunicorn's program names: Debian and Ubuntu packaged it for Python 3 as ``gunicorn3``.
_GUNICORN_NAMES = frozenset({"gunicorn", "gunicorn3"})
_UWSGI_CONFIG_SUFFIXES = (".ini", ".yaml", ".yml", ".json", ".xml")


def _set_int(cmd: ServerCommand, name: str, raw: str, env: Mapping[str, str | None]) -> None:
    text, ok = expand_vars(raw, env)
    value = as_int(text) if ok else None
    if value is None:
        cmd.unresolved[name] = raw
    else:
        setattr(cmd, name, value)
        cmd.unresolved.pop(name, None)


def _set_str(cmd: ServerCommand, name: str, raw: str, env: Mapping[str, str | None]) -> None:
    text, ok = expand_vars(raw, env)
    if not ok:
        cmd.unresolved[name] = raw
    setattr(cmd, name, text)


_INT_FIELDS = ("workers", "threads", "timeout", "max_requests", "max_requests_jitter")
_STR_FIELDS = ("worker_class", "bind", "config_file", "app_target")


def _apply(cmd: ServerCommand, found: Mapping[str, list[str]], env: Mapping[str, str | None]) -> None:
    for name, values in found.items():
        raw = values[-1]
        if name in _INT_FIELDS:
            _set_int(cmd, name, raw, env)
        elif name == "bind":
            _set_str(cmd, "bind", values[0], env)
        elif name in _STR_FIELDS:
            _set_str(cmd, name, raw, env)
        elif name in ("reload", "preload", "debug"):
            setattr(cmd, name, True)
        elif name == "env":
            for item in values:
                key, _, value = item.partition("=")
                if key:
                    cmd.inline_env[key] = value
    if "host" in found or "port" in found:
        host = found.get("host", ["127.0.0.1"])[-1]
        port = found.get("port", [""])[-1]
        _set_str(cmd, "bind", f"{host}:{port}" if port else host, env)


def _python_target(args: list[str]) -> tuple[str | None, list[str]]:
    """``python -u -m flask run`` -> ("-m", ["flask", "run"]); ``python app.py`` -> (None, ["app.py"])."""
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-m":
            return "-m", args[i + 1 :]
        if arg.startswith("-m") and len(arg) > 2:
            return "-m", [arg[2:]] + args[i + 1 :]
        if arg == "-c":
            return "-c", args[i + 1 :]
        if arg in _PYTHON_VALUE_FLAGS:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return None, args[i:]
    return None, []


def _classify(
    argv: list[str], source: Location, process: str, env: Mapping[str, str | None], inline_env: dict[str, str]
) -> ServerCommand | None:
    """A :class:`ServerCommand` for one simple command, ``None`` if it is not a server start."""
    if not argv:
        return None
    head = basename(argv[0])
    args = argv[1:]
    scope_env: dict[str, str | None] = {**env, **inline_env}
    if re.fullmatch(r"python[0-9.]*w?", head):
        mode, rest = _python_target(argv)
        if mode == "-m" and rest:
            module = rest[0]
            mapped = {
                "gunicorn": "gunicorn",
                "flask": "flask",
                "uvicorn": "uvicorn",
                "hypercorn": "hypercorn",
                "waitress": "waitress-serve",
                "celery": "celery",
                "uwsgi": "uwsgi",
            }.get(module)
            if mapped:
                return _classify([mapped] + rest[1:], source, process, env, inline_env)
            script = ServerCommand("python-script", list(argv), source, process, app_target=module)
            script.inline_env.update(inline_env)
            return script
        if mode is None and rest:
            script = ServerCommand("python-script", list(argv), source, process, app_target=rest[0])
            script.inline_env.update(inline_env)
            return script
        return None
    cmd: ServerCommand
    if head in _GUNICORN_NAMES:
        cmd = ServerCommand("gunicorn", list(argv), source, process)
        found, positionals = gunicorn.parse_argv(args)
        _apply(cmd, found, scope_env)
        if positionals and cmd.app_target is None:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
        _gunicorn_env_defaults(cmd, scope_env)
    elif head in ("uvicorn", "hypercorn"):
        cmd = ServerCommand(head, list(argv), source, process)
        found, positionals = parse_options(args, _UVICORN if head == "uvicorn" else _HYPERCORN)
        _apply(cmd, found, scope_env)
        if positionals:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
    elif head == "waitress-serve":
        cmd = ServerCommand("waitress", list(argv), source, process)
        found, positionals = parse_options(args, _WAITRESS)
        _apply(cmd, found, scope_env)
        if positionals:
            _set_str(cmd, "app_target", positionals[-1], scope_env)
    elif head == "uwsgi":
        cmd = ServerCommand("uwsgi", list(argv), source, process)
        found, positionals = parse_options(args, _UWSGI)
        autoreload = found.pop("autoreload", None)
        if autoreload and autoreload[-1].strip() not in ("0", "false", "no", "off"):
            cmd.reload = True  # ``--py-autoreload N`` polls every N seconds; 0 turns it off
        _apply(cmd, found, scope_env)
        if positionals and cmd.config_file is None and positionals[0].endswith(_UWSGI_CONFIG_SUFFIXES):
            _set_str(cmd, "config_file", positionals[0], scope_env)
    elif head == "flask":
        found, positionals = parse_options(args, _FLASK_GROUP)
        if "run" not in positionals:
            return None
        run_args = args[args.index("run") + 1 :] if "run" in args else []
        run_found, _ = parse_options(run_args, _FLASK_RUN)
        cmd = ServerCommand("flask-run", list(argv), source, process)
        if "app_target" in found:
            _set_str(cmd, "app_target", found["app_target"][-1], scope_env)
        elif scope_env.get("FLASK_APP"):
            cmd.app_target = scope_env["FLASK_APP"]
        debug_env = as_bool(scope_env.get("FLASK_DEBUG")) is True or scope_env.get("FLASK_ENV") == "development"
        no_debug = "no_debug" in found or "no_debug" in run_found
        cmd.debug = ("debug" in found or "debug" in run_found or debug_env) and not no_debug
        cmd.reload = ("reload" in run_found or cmd.debug) and "no_reload" not in run_found
        host = run_found.get("host", [scope_env.get("FLASK_RUN_HOST") or "127.0.0.1"])[-1]
        port = run_found.get("port", [scope_env.get("FLASK_RUN_PORT") or "5000"])[-1]
        _set_str(cmd, "bind", f"{host}:{port}", scope_env)
    elif head == "celery":
        found, positionals = parse_options(args, _CELERY_GLOBAL)
        if not positionals or positionals[0] != "worker":
            cmd = ServerCommand("other", list(argv), source, process)
            if "app_target" in found:
                cmd.app_target = found["app_target"][-1]
            cmd.inline_env.update(inline_env)
            return cmd
        cmd = ServerCommand("celery-worker", list(argv), source, process)
        worker_args = args[args.index("worker") + 1 :]
        wfound, _ = parse_options(worker_args, _CELERY_WORKER)
        if "app_target" in found and "app_target" not in wfound:
            wfound["app_target"] = found["app_target"]
        _apply(cmd, wfound, scope_env)
    else:
        return None
    for key, value in inline_env.items():
        cmd.inline_env.setdefault(key, value)
    return cmd


def _gunicorn_env_defaults(cmd: ServerCommand, env: Mapping[str, str | None]) -> None:
    """Fold in ``GUNICORN_CMD_ARGS`` and ``WEB_CONCURRENCY`` (gunicorn reads both).

    The command line wins over ``GUNICORN_CMD_ARGS``, as in gunicorn.
    ``WEB_CONCURRENCY`` fills ``workers`` when neither sets it (the folded
    fields are listed in :attr:`ServerCommand.from_env`).
    """
    extra = env.get("GUNICORN_CMD_ARGS")
    if extra:
        found, _ = gunicorn.parse_argv(gunicorn.split_cmd_args(extra))
        argv_found, _ = gunicorn.parse_argv(cmd.argv[1:])
        for name, values in found.items():
            if name in argv_found:
                continue  # the command line wins
            probe = ServerCommand("gunicorn", [], cmd.source, cmd.process)
            _apply(probe, {name: values}, env)
            if name in _INT_FIELDS + _STR_FIELDS + ("reload", "preload"):
                setattr(cmd, name, getattr(probe, name))
                if name in probe.unresolved:
                    cmd.unresolved[name] = probe.unresolved[name]
                cmd.from_env.append(name)
    if cmd.workers is None and "workers" not in cmd.unresolved and env.get("WEB_CONCURRENCY"):
        value = as_int(expand_vars(env["WEB_CONCURRENCY"] or "", env)[0])
        if value is not None:
            cmd.workers = value
            cmd.from_env.append("workers")


def analyze_command(
    command: str | Sequence[str],
    source: Location,
    process: str,
    env: Mapping[str, str | None] | None = None,
) -> tuple[list[ServerCommand], dict[str, str]]:
    """Server commands in one start command (shell text or exec-form argv).

    Returns the commands and the inline environment (``VAR=x cmd``).  In a
    chain (``flask db upgrade && gunicorn app:app``) every server is kept;
    a ``python script.py`` counts only as the chain's last command (earlier
    ones are one-off jobs such as migrations).  When nothing is recognised,
    the last command is returned as ``server="other"`` so that a Procfile
    ``web: ./bin/start`` is still visible.
    """
    env = dict(env or {})
    inline_env: dict[str, str] = {}
    if isinstance(command, str):
        segments = split_shell(command)
    else:
        segments = [list(command)]
    simple: list[list[str]] = []
    for segment in segments:
        simple.extend(strip_wrappers(segment, inline_env))
    results: list[ServerCommand] = []
    for index, argv in enumerate(simple):
        cmd = _classify(argv, source, process, env, inline_env)
        if cmd is None:
            continue
        if cmd.server in ("python-script", "other") and index != len(simple) - 1:
            continue
        results.append(cmd)
    if not results and simple:
        last = simple[-1]
        cmd = ServerCommand("other", list(last), source, process)
        cmd.inline_env.update(inline_env)
        results.append(cmd)
    return results, inline_env
