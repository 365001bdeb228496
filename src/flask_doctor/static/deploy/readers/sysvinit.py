"""SysV init scripts (``/etc/init.d/app``, ``contrib/centos/init.sh``): the daemon their ``start`` runs.

Distributions without systemd (and older packages) start a service with a
shell script that has an LSB ``### BEGIN INIT INFO`` header or a Red Hat
``# chkconfig:`` line and a ``start()`` function.  The command that function
starts in the background (``$exec &``, ``daemon $DAEMON``,
``start-stop-daemon --start --exec $DAEMON -- args``) is the production
command line, as a unit's ``ExecStart=`` is.  Variables assigned at the top
of the script (``exec="/usr/bin/app"``) are expanded; the first command of
``start()`` that is not a shell built-in or a helper of the init library is
the one kept (process ``sysvinit:<script>``).  A script without the header
is not an init script and is skipped.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.readers.base import Reader, loc

__all__ = ["is_init_script", "read_sysvinit"]

_HEADER = re.compile(r"^(### BEGIN INIT INFO|#\s*chkconfig:)", re.MULTILINE)
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$")
_START = re.compile(r"^\s*(?:function\s+)?(?:start|do_start)\s*(?:\(\s*\))?\s*\{?\s*$")
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
#: Words that begin a line of ``start()`` without starting the daemon: shell built-ins, tests, and the helpers of
#: the distributions' init libraries (``/etc/rc.d/init.d/functions``, ``/lib/lsb/init-functions``).
_NOT_DAEMON = frozenset(
    {
        "[",
        "[[",
        "test",
        "echo",
        "printf",
        "return",
        "exit",
        "local",
        "if",
        "then",
        "fi",
        "else",
        "elif",
        "case",
        "esac",
        "for",
        "while",
        "do",
        "done",
        "touch",
        "mkdir",
        "chown",
        "chmod",
        "rm",
        "sleep",
        "cd",
        "export",
        ".",
        "source",
        "success",
        "failure",
        "action",
        "killproc",
        "status",
        "log_daemon_msg",
        "log_end_msg",
        "log_success_msg",
        "log_failure_msg",
        "pidofproc",
        "true",
        "false",
        "{",
        "}",
    }
)
#: ``daemon`` (Red Hat's init library) options that take a value.
_DAEMON_VALUED = frozenset({"--user", "--pidfile", "--check", "--nice"})


def is_init_script(text: str) -> bool:
    """Does this script carry an LSB or chkconfig init header?"""
    return bool(_HEADER.search(text))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _daemon_words(words: list[str]) -> list[str]:
    """``daemon --user app $exec --opt`` -> ``$exec --opt``."""
    if not words or words[0] != "daemon":
        return words
    rest = words[1:]
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in _DAEMON_VALUED and "=" not in option and rest:
            rest.pop(0)
    return rest


def read_sysvinit(reader: Reader, path: Path, text: str) -> None:
    if not is_init_script(text):
        return
    rel = reader.rel(path)
    process = f"sysvinit:{path.name.removesuffix('.sh').removesuffix('.init')}"
    if process == "sysvinit:init":
        process = f"sysvinit:{path.parent.name}"  # ``contrib/centos/init.sh``: named by its folder
    env: dict[str, str | None] = {}
    lines = text.splitlines()
    in_start = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_start:
            match = _ASSIGN.match(line)
            if match and raw[0] not in " \t":
                env[match.group(1)] = _unquote(match.group(2))
            elif _START.match(raw):
                in_start = True
            continue
        if raw.startswith("}"):
            break
        expanded = _VAR.sub(lambda m: env.get(m.group(1)) or m.group(0), line)
        try:
            words = shlex.split(expanded, comments=True)
        except ValueError:
            continue
        words = [w for w in words if w not in ("&", "&&")]
        words = _daemon_words([w.rstrip("&") for w in words if w.rstrip("&")])
        if not words or words[0] in _NOT_DAEMON or "=" in words[0] or words[0].startswith("$"):
            continue
        commands, _ = analyze_command(words, loc(rel, number, raw.find(line[:1]) + 1), process, env)
        if commands:
            reader.model.commands.extend(commands)
            return
