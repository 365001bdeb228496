"""Shell command lines as a container or a Procfile runs them, without running a shell.

A start command is rarely just ``gunicorn app:app``: it is ``exec tini --
sh -c "flask db upgrade && gunicorn ..."``, ``poetry run``, ``env X=1``,
``${WORKERS:-4}``.  This module tokenises command lines with :mod:`shlex`,
splits chains, peels the wrappers off and expands variables from what the
deploy files set, so that :mod:`flask_doctor.static.deploy.commands` sees
the simple commands that start servers.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from flask_doctor.static.patterns import on_first_use

__all__ = ["basename", "expand_vars", "is_script", "only_wrappers", "split_shell", "strip_wrappers"]

_VAR = on_first_use(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-=?+])(?P<default>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand_vars(text: str, env: Mapping[str, str | None]) -> tuple[str, bool]:
    """Expand ``$VAR``/``${VAR:-default}`` from ``env``, else from the default.

    Returns the text and whether every variable was resolved.  A variable
    known in ``env`` (set by the same file) wins over the default, as it
    would in the container.
    """
    resolved = True

    def repl(match: re.Match[str]) -> str:
        nonlocal resolved
        name = match.group("braced") or match.group("plain")
        op = match.group("op") or ""
        default = match.group("default")
        value = env.get(name)
        if op.endswith("+"):
            return default or "" if value else ""
        if value is not None and (value != "" or not op.startswith(":")):
            return value
        if default is not None and op.rstrip("?") and not op.endswith("?"):
            return default
        resolved = False
        return match.group(0)

    if "$" not in text:
        return text, True
    return _VAR().sub(repl, text), resolved


_ASSIGN = on_first_use(r"^[A-Za-z_][A-Za-z0-9_]*=")
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&"})
_REDIRECT = on_first_use(r"(?<![\S])\d*(?:>>?|<|&>)&?\s*(?:&?\d+|\S+)")
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_RUNNERS = frozenset({"poetry", "pipenv", "uv", "pdm", "hatch", "rye", "conda"})
_WRAPPERS = frozenset({"exec", "nohup", "time", "command", "builtin"})
_INIT_WRAPPERS = frozenset({"tini", "tini-static", "dumb-init", "catatonit"})
_INSTRUMENTERS = frozenset({"ddtrace-run", "opentelemetry-instrument", "scout-apm", "sentry-run"})


def basename(token: str) -> str:
    """The program name of a command word (``/usr/local/bin/gunicorn`` -> ``gunicorn``)."""
    return token.rsplit("/", 1)[-1]


def split_shell(text: str) -> list[list[str]]:
    """Tokenise a shell command line into simple commands (split at ``&&``, ``;``, ``|``...).

    Redirections are dropped.  Unbalanced quotes fall back to a plain
    whitespace split rather than failing.
    """
    text = text.replace("\\\n", " ")
    text = _REDIRECT().sub(" ", text)
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    segments: list[list[str]] = [[]]
    for tok in tokens:
        if tok in _OPERATORS:
            segments.append([])
        else:
            segments[-1].append(tok)
    return [s for s in segments if s]


def is_script(token: str) -> bool:
    """An entrypoint script (``*.sh``, ``docker-entrypoint*``), which usually ends in ``exec "$@"``."""
    name = basename(token)
    return name.endswith(".sh") or name.startswith(("docker-entrypoint", "entrypoint"))


def strip_wrappers(argv: list[str], inline_env: dict[str, str]) -> list[list[str]]:
    """Remove ``exec``, ``env X=1``, ``tini --``, ``poetry run``... from the front.

    Returns the simple commands left: none, the one remaining argv, or
    several when a ``sh -c "..."`` string holds a chain.  Assignments found
    on the way go to ``inline_env``.
    """
    args = list(argv)
    for _ in range(20):  # wrappers nest, but not forever
        if not args:
            return [args] if args else []
        while args and _ASSIGN().match(args[0]):
            name, _, value = args[0].partition("=")
            inline_env[name] = value
            args = args[1:]
        if not args:
            return [args] if args else []
        head = basename(args[0])
        if head in _WRAPPERS:
            args = args[1:]
        elif head == "env":
            args = args[1:]
            while args and (args[0].startswith("-") or _ASSIGN().match(args[0])):
                if _ASSIGN().match(args[0]):
                    name, _, value = args[0].partition("=")
                    inline_env[name] = value
                elif args[0] in ("-u", "--unset", "-C", "--chdir") and len(args) > 1:
                    args = args[1:]
                args = args[1:]
        elif head in _INIT_WRAPPERS:
            args = args[1:]
            while args and args[0].startswith("-"):
                stop = args[0] == "--"
                args = args[1:]
                if stop:
                    break
        elif head in ("gosu", "su-exec") and len(args) > 2:
            args = args[2:]
        elif head == "chpst":
            args = args[1:]
            while args and args[0].startswith("-"):
                args = args[2:] if args[0] in ("-u", "-U", "-e", "-/", "-n", "-l", "-L") else args[1:]
        elif head in _RUNNERS and len(args) > 1 and args[1] == "run":
            args = args[2:]
            while args and args[0].startswith("-"):
                args = args[1:]
        elif head == "start-stop-daemon":
            started = _daemon_program(args)
            if started is None:
                return [args]
            args = started
        elif head == "doppler" and "--" in args:
            args = args[args.index("--") + 1 :]
        elif head == "newrelic-admin" and len(args) > 2 and args[1] == "run-program":
            args = args[2:]
        elif head in _INSTRUMENTERS:
            args = args[1:]
            while args and args[0].startswith("--"):
                takes_value = "=" not in args[0] and len(args) > 1 and not args[1].startswith("-")
                args = args[2:] if takes_value else args[1:]
        elif head in _SHELLS:
            rest = args[1:]
            command = None
            while rest:
                opt = rest.pop(0)
                if opt.startswith("-") and "c" in opt.lstrip("-") and not opt.startswith("--"):
                    command = rest[0] if rest else None
                    break
                if not opt.startswith("-"):
                    break
            if command is None:
                return [args] if args else []
            nested: list[list[str]] = []
            for segment in split_shell(command):
                nested.extend(strip_wrappers(segment, inline_env))
            return nested
        elif is_script(args[0]) and len(args) > 1:
            args = args[1:]  # entrypoint script that ends in exec "$@"
        else:
            return [args] if args else []
    return [args] if args else []


#: ``start-stop-daemon`` options naming the program it starts (``--startas`` wins over ``--exec``).
_DAEMON_PROGRAM = {"-a": 2, "--startas": 2, "-x": 1, "--exec": 1}


def _daemon_program(args: list[str]) -> list[str] | None:
    """``start-stop-daemon --start --exec /usr/bin/app -- --port 80`` -> ``["/usr/bin/app", "--port", "80"]``.

    The program is the one ``--startas`` (else ``--exec``) names; its arguments are the words after ``--``.
    ``None`` when no program is named or the daemon is not being started.
    """
    program, rank, rest = None, 0, []
    options = args[1:]
    for index, word in enumerate(options):
        if word == "--":
            rest = options[index + 1 :]
            break
        name, equals, value = word.partition("=")
        if not equals:
            value = options[index + 1] if index + 1 < len(options) else ""
        weight = _DAEMON_PROGRAM.get(name, 0)
        if weight > rank and value:
            program, rank = value, weight
    if program is None or not any(w in ("-S", "--start") for w in args[1:]):
        return None
    return [program, *rest]


def only_wrappers(entrypoint: list[str]) -> bool:
    """An entrypoint that only wraps its arguments (``tini --``, ``docker-entrypoint.sh``).

    Then the server is in CMD / ``command:`` and findings should point there.
    """
    left = strip_wrappers(entrypoint, {})
    return not left or (len(left) == 1 and len(left[0]) == 1 and is_script(left[0][0]))
