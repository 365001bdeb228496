"""Entry-point shell scripts (``boot.sh``, ``docker-entrypoint.sh``...) parsed with bashlex.

A container's ``CMD ["./boot.sh"]`` hides the server command inside a
script: ``flask db upgrade``, ``exec gunicorn -w ${WORKERS:-4} app:app``,
often under an ``if`` or a ``case``.  The script is parsed with bashlex (a
port of bash's own grammar) and never run: every simple command in it, at
any depth, goes through :func:`analyze_command`, with the variables the
script assigns (``WORKERS=4``, ``export X=1``) as its environment.  What
bashlex cannot parse (some ``case`` forms, arithmetic) is read line by line,
and a line it still cannot parse is tokenised with :mod:`shlex` instead.

A command under an ``if`` whose condition names development (``if [ -e
/debug ]``, ``if [ "$FLASK_ENV" = development ]``), or under the ``else``
of a condition that names production (``if [ "$APP_ENV" = production ];
then gunicorn ...; else flask run ...; fi``), belongs to a development
branch and is labelled like a ``case`` pattern named ``dev``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.kinds import DEV_WORDS, PRODUCTION_WORDS
from flask_doctor.static.deploy.model import EnvSetting, ServerCommand
from flask_doctor.static.deploy.readers.base import Reader, loc
from flask_doctor.static.deploy.shell import expand_vars, split_shell
from flask_doctor.static.patterns import on_first_use

__all__ = ["BRANCH_MARKER", "read_shell", "script_commands"]

_ASSIGN = on_first_use(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_LETTERS = on_first_use(r"[a-z]+")
#: Condition words that turn a test around (``!``, ``!=``, ``-ne``, ``-z "$DEBUG"``: true when it is *not* set).
_NEGATIONS = frozenset({"!", "!=", "-ne", "-z"})
#: Marks the words of a command that runs in a named branch (a ``case`` pattern, or ``dev`` for an ``if``).
BRANCH_MARKER = "@branch:"


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, max(0, pos)) + 1


def _condition_leaning(words: list[str]) -> str | None:
    """``"dev"`` or ``"prod"`` when the words of an ``if`` condition name development or production, else ``None``.

    ``[ -e /debug1 ]`` and ``[ "$FLASK_ENV" = development ]`` lean to development, ``[ "$APP_ENV" = production ]``
    to production; a negation (``!``, ``!=``, ``-z``) turns the leaning around.
    """
    if words and words[0] in ("test", "[", "[["):
        words = words[1:]  # the test command itself, not a word of the condition
    negated = sum(word in _NEGATIONS for word in words) % 2 == 1
    letters = {w for word in words for w in _LETTERS().findall(word.lower())}
    dev, prod = bool(letters & DEV_WORDS), bool(letters & PRODUCTION_WORDS)
    if dev == prod:
        return None  # neither, or both: cannot tell
    leaning = "dev" if dev else "prod"
    if negated:
        leaning = "prod" if leaning == "dev" else "dev"
    return leaning


def _line_words(text: str) -> list[str]:
    """The words of a condition written on one line (``[ "$DEBUG" = 1 ]``), never raising."""
    return [word for words in split_shell(text) for word in words]


def _node_words(node: Any) -> list[str]:
    """The words of a bashlex node (an ``if`` condition), in order."""
    words = [node.word] if getattr(node, "kind", "") == "word" else []
    for child in getattr(node, "parts", None) or getattr(node, "list", None) or ():
        words.extend(_node_words(child))
    return words


def _development_spans(node: Any) -> list[tuple[int, int]]:
    """Text spans of the branches of one ``if`` that run only in development.

    The body of a condition that leans to development; the ``else`` body when an earlier condition leans to
    production.
    """
    spans: list[tuple[int, int]] = []
    parts = list(node.parts)
    production_before = False
    index = 0
    while index < len(parts):
        part = parts[index]
        word = part.word if getattr(part, "kind", "") == "reservedword" else None
        if word in ("if", "elif") and index + 3 < len(parts):
            leaning = _condition_leaning(_node_words(parts[index + 1]))
            if leaning == "dev":
                spans.append(parts[index + 3].pos)
            production_before = production_before or leaning == "prod"
            index += 4
            continue
        if word == "else" and index + 1 < len(parts):
            if production_before:
                spans.append(parts[index + 1].pos)
            index += 2
            continue
        index += 1
    return spans


def _simple_commands(text: str) -> list[tuple[int, list[str]]]:
    """(line, words) of every simple command in ``text``; raises when bashlex cannot parse it.

    A command in a development branch of an ``if`` (:func:`_development_spans`) starts with ``@branch:dev``.
    """
    import bashlex  # a declared dependency; imported here so `check` loads it only for scripts

    found: list[tuple[int, tuple[int, int], list[str]]] = []
    development: list[tuple[int, int]] = []

    class Visitor(bashlex.ast.nodevisitor):  # type: ignore[misc]
        def visitif(self, node: Any, parts: Any) -> None:
            development.extend(_development_spans(node))

        def visitcommand(self, node: Any, parts: Any) -> None:
            words = [p.word for p in parts if getattr(p, "kind", "") in ("word", "assignment")]
            if words:
                found.append((_line_of(text, node.pos[0]), node.pos, words))

    for tree in bashlex.parse(text):
        Visitor().visit(tree)
    return [
        (line, [f"{BRANCH_MARKER}dev", *words] if any(a <= pos[0] and pos[1] <= b for a, b in development) else words)
        for line, pos, words in found
    ]


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


_IF_LINE = on_first_use(r"^(if|elif)\s+(.*?)(?:;?\s*then)?\s*$")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each logical line: a line ending in a backslash goes on with the next
    (``exec gunicorn \\`` then ``--workers 4 \\`` then ``app:app`` is one command, at its first line)."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            pending.append(line[:-1])
            continue
        out.append((start, " ".join([*pending, line])))
        pending = []
    if pending:
        out.append((start, " ".join(pending)))
    return out


def _commands_line_by_line(text: str) -> list[tuple[int, list[str]]]:
    found: list[tuple[int, list[str]]] = []
    pattern = ""
    # one frame per open ``if``: [this branch runs only in development, an earlier condition named production]
    branches: list[list[bool]] = []
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        opened = _IF_LINE().match(stripped)
        if opened is not None and not stripped.endswith("fi"):
            leaning = _condition_leaning(_line_words(opened.group(2)))
            if opened.group(1) == "if":
                branches.append([False, False])
            if branches:
                branches[-1][0] = leaning == "dev"
                branches[-1][1] = branches[-1][1] or leaning == "prod"
        elif stripped in ("else", "else;") and branches:
            branches[-1][0] = branches[-1][1]
        elif stripped in ("fi", "fi;") and branches:
            branches.pop()
        in_development = any(frame[0] for frame in branches)
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
            label = pattern or ("dev" if in_development else "")
            if words:
                found.append((number, [f"{BRANCH_MARKER}{label}"] + words if label else words))
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
        if words[0].startswith(BRANCH_MARKER):
            # a `case` branch, named after its pattern, or an `if` branch for development: `dev) flask run` and
            # `if [ "$DEBUG" = 1 ]; then flask run` count as development
            branch = f"{process}:{words[0][len(BRANCH_MARKER) :]}"
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
                        # the branch it is set in (``dev_server) export FLASK_DEBUG=1``): a development branch's variables
                        # are not production's
                        reader.model.env.append(EnvSetting(match.group(1), value, loc(rel, line), branch))
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
