"""Entry-point shell scripts (``boot.sh``, ``docker-entrypoint.sh``...) parsed with bashlex.

A container's ``CMD ["./boot.sh"]`` hides the server command inside a
script: ``flask db upgrade``, ``exec gunicorn -w ${WORKERS:-4} app:app``,
often under an ``if`` or a ``case``.  The script is parsed with bashlex (a
port of bash's own grammar) and never run: every simple command in it, at
any depth, goes through :func:`analyze_command`, with the variables the
script assigns (``WORKERS=4``, ``export X=1``) as its environment.  What
bashlex cannot parse (some ``case`` forms, arithmetic) is read line by line,
and a line it still cannot parse is tokenised with :mod:`shlex` instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ServerCommand
from flask_doctor.static.deploy.readers.base import Reader, loc
from flask_doctor.static.deploy.shell import expand_vars, split_shell
from flask_doctor.static.patterns import on_first_use

__all__ = ["read_shell", "script_commands"]

_ASSIGN = on_first_use(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, max(0, pos)) + 1


def _simple_commands(text: str) -> list[tuple[int, list[str]]]:
    """(line, words) of every simple command in ``text``; raises when bashlex cannot parse it."""
    import bashlex  # a declared dependency; imported here so `check` loads it only for scripts

    found: list[tuple[int, list[str]]] = []

    class Visitor(bashlex.ast.nodevisitor):  # type: ignore[misc]
        def visitcommand(self, node: Any, parts: Any) -> None:
            words = [p.word for p in parts if getattr(p, "kind", "") in ("word", "assignment")]
            if words:
                found.append((_line_of(text, node.pos[0]), words))

    for tree in bashlex.parse(text):
        Visitor().visit(tree)
    return found


_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "for",
        "in",
        "case",
        "esac",
        "{",
        "}",
        "!",
        "select",
        "function",
    }
)


def _clean(words: list[str]) -> tuple[str, list[str]]:
    """Drop shell keywords and a ``case`` pattern (``dev)``) in front of a command; returns (pattern, words)."""
    pattern = ""
    while words and (words[0] in _RESERVED or words[0].endswith(")") and "(" not in words[0]):
        if words[0].endswith(")") and words[0] not in _RESERVED:
            pattern = words[0][:-1].strip("'\"")
        words = words[1:]
    return pattern, words


def _commands_line_by_line(text: str) -> list[tuple[int, list[str]]]:
    found: list[tuple[int, list[str]]] = []
    pattern = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            commands = [words for _, words in _simple_commands(stripped)]
        except Exception:  # noqa: BLE001 - bashlex raises several kinds of errors on what it cannot parse
            commands = split_shell(stripped)
        for words in commands:
            label, words = _clean(list(words))
            if label:
                pattern = label
            if stripped.startswith(("esac", ";;")) or stripped.endswith(";;") and not words:
                pattern = ""
            if words:
                found.append((number, [f"@case:{pattern}"] + words if pattern else words))
        if stripped.endswith(";;") or stripped.startswith("esac"):
            pattern = ""
    return found


def script_commands(text: str) -> list[tuple[int, list[str]]]:
    """Every simple command of a shell script with its line, never raising."""
    try:
        return _simple_commands(text)
    except ImportError:
        raise
    except Exception:  # noqa: BLE001
        return _commands_line_by_line(text)


def read_shell(reader: Reader, path: Path, text: str, process: str | None = None) -> None:
    rel = reader.rel(path)
    process = process or f"script:{path.name}"
    try:
        commands = script_commands(text)
    except ImportError:
        reader.problem(path, 0, "bashlex is not installed (pip install bashlex); shell script not read")
        return
    env: dict[str, str | None] = {}
    found: list[ServerCommand] = []
    for line, words in commands:
        branch = process
        if words[0].startswith("@case:"):
            # a `case` branch: named after its pattern, so that `dev) flask run` counts as development
            branch = f"{process}:{words[0][len('@case:') :]}"
            words = words[1:]
            if not words:
                continue
        head = words[0]
        if head in ("export", "readonly", "declare", "local") or _ASSIGN().match(head):
            assigns = words[1:] if not _ASSIGN().match(head) else words
            if all(_ASSIGN().match(w) or w.startswith("-") for w in assigns):
                for word in assigns:
                    match = _ASSIGN().match(word)
                    if match:
                        value, _ = expand_vars(match.group(2), env)  # WORKERS=${WEB_CONCURRENCY:-2} -> 2
                        env[match.group(1)] = value
                        reader.model.env.append(EnvSetting(match.group(1), value, loc(rel, line), process))
                continue
        cmds, _ = analyze_command(words, loc(rel, line), branch, env)
        found.extend(c for c in cmds if c.server != "other")
    reader.model.commands.extend(found)


def read_named_scripts(reader: Reader) -> None:
    """Read the entry-point scripts Dockerfiles named that were not read as deploy files already.

    Only a script inside the checked root is read; one that is not there
    (copied from elsewhere, generated at build time) is skipped.
    """
    root = reader.root.resolve()
    for candidates, process in reader.scripts:
        for candidate in candidates:
            try:
                resolved = candidate.resolve()
                resolved.relative_to(root)
            except (OSError, ValueError):
                continue
            if not resolved.is_file():
                continue
            if resolved in reader.done:
                break
            reader.done.add(resolved)
            text = reader.read(resolved)
            if text is not None and text.strip():
                reader.model.files.setdefault("shell", []).append(reader.rel(resolved))
                read_shell(reader, resolved, text, process)
            break
