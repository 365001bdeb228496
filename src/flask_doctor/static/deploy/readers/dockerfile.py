"""Dockerfile / Containerfile: the final image's start command and environment.

Multi-stage builds are followed the way Docker builds them: a stage built
``FROM`` another inherits its ``ENV``, ``CMD`` and ``ENTRYPOINT``; an
``ENTRYPOINT`` resets an inherited ``CMD``; only the last stage is the image
that runs, so ``ENV`` lines of stages it does not descend from are marked
:attr:`EnvSetting.in_final_image` False.  ``ARG`` defaults are build-time
values (scope ``build-arg``).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import field
from pathlib import Path
from typing import TypeAlias

from flask_doctor.dataclass import dataclass
from flask_doctor.static.deploy.commands import analyze_command
from flask_doctor.static.deploy.model import EnvSetting, ServerCommand
from flask_doctor.static.deploy.readers.base import Reader, loc
from flask_doctor.static.deploy.shell import (
    basename,
    expand_vars,
    is_script,
    only_wrappers,
    split_shell,
)

__all__ = ["read_dockerfile"]

#: A ``CMD``/``ENTRYPOINT``: shell form (text) or exec form (argv).
CommandForm: TypeAlias = str | list[str]

_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


@dataclass(eq=False)
class _Stage:
    name: str
    env: dict[str, str | None] = field(default_factory=dict)
    cmd: tuple[int, CommandForm] | None = None  # (line, shell text | exec argv)
    entrypoint: tuple[int, CommandForm] | None = None
    #: CMD came from the parent stage (an ENTRYPOINT set here resets it).
    cmd_inherited: bool = False
    #: ARG defaults: substituted into ENV at build time, absent at run time.
    args: dict[str, str | None] = field(default_factory=dict)


def _dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    lines = text.splitlines()
    escape = "\\"
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = re.match(r"#\s*escape\s*=\s*(\S)", stripped)
        if match:
            escape = match.group(1)
    out: list[tuple[int, str, str]] = []
    i, n = 0, len(lines)
    while i < n:
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        buf = stripped
        while buf.endswith(escape) and i + 1 < n:
            buf = buf[: -len(escape)].rstrip()
            i += 1
            nxt = lines[i].strip()
            if not nxt or nxt.startswith("#"):
                # Comment and empty lines inside a continuation are skipped
                # and the instruction goes on.
                buf += escape
                continue
            buf = f"{buf} {nxt}"
        if buf.endswith(escape):
            buf = buf[: -len(escape)].rstrip()
        i += 1
        parts = buf.split(None, 1)
        instr = parts[0].upper()
        rest = parts[1] if len(parts) > 1 else ""
        heredoc = _HEREDOC.search(rest) if instr in ("RUN", "COPY", "ADD") else None
        if heredoc:
            terminator = heredoc.group(1)
            while i < n and lines[i].strip() != terminator:
                i += 1
            i += 1
        out.append((start, instr, rest.strip()))
    return out


def _exec_form(rest: str) -> list[str] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _parse_env_instruction(rest: str) -> list[tuple[str, str]]:
    try:
        tokens = shlex.split(rest, posix=True)
    except ValueError:
        tokens = rest.split()
    if not tokens:
        return []
    if "=" not in tokens[0]:
        # legacy form: ENV NAME value with spaces
        name, _, value = rest.partition(" ")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        return [(name, value)]
    pairs = []
    for tok in tokens:
        name, eq, value = tok.partition("=")
        if eq and name:
            pairs.append((name, value))
    return pairs


def read_dockerfile(reader: Reader, path: Path, text: str) -> None:
    rel = reader.rel(path)
    stages: list[_Stage] = []
    named: dict[str, _Stage] = {}
    parents: dict[int, _Stage] = {}  # id(stage) -> the stage it is built FROM
    stage_env: list[tuple[_Stage, EnvSetting]] = []
    copies: list[str] = []  # COPY/ADD sources (the build context is the Dockerfile's directory)
    targets: list[tuple[str, str]] = []  # (source, absolute destination) of each COPY/ADD into a directory
    for line, instr, rest in _dockerfile_instructions(text):
        if instr == "FROM":
            tokens = rest.split()
            image = next((t for t in tokens if not t.startswith("--")), "")
            alias = tokens[-1] if len(tokens) >= 3 and tokens[-2].lower() == "as" else str(len(stages))
            stage = _Stage(alias)
            parent = named.get(image.lower())
            if parent is not None:
                parents[id(stage)] = parent
                stage.env = dict(parent.env)
                stage.cmd, stage.entrypoint = parent.cmd, parent.entrypoint
                stage.cmd_inherited = parent.cmd is not None
            stages.append(stage)
            named[alias.lower()] = stage
            continue
        if not stages:
            stages.append(_Stage("0"))
        stage = stages[-1]
        if instr == "ENV":
            for name, value in _parse_env_instruction(rest):
                value, _ = expand_vars(value, {**stage.args, **stage.env})
                stage.env[name] = value
                env_setting = EnvSetting(name, value, loc(rel, line), "image")
                stage_env.append((stage, env_setting))
                reader.model.env.append(env_setting)
        elif instr == "ARG":
            try:
                tokens = shlex.split(rest)
            except ValueError:
                tokens = rest.split()
            for tok in tokens:
                name, eq, value = tok.partition("=")
                stage.args[name] = value if eq else None
                reader.model.env.append(EnvSetting(name, value if eq else None, loc(rel, line), "build-arg"))
        elif instr in ("COPY", "ADD"):
            exec_form = _exec_form(rest)
            tokens = exec_form if exec_form is not None else [t for t in rest.split() if not t.startswith("--")]
            copies.extend(tokens[:-1])
            if len(tokens) >= 2 and tokens[-1].startswith("/"):
                targets.extend((source, tokens[-1]) for source in tokens[:-1])
        elif instr == "CMD":
            exec_form = _exec_form(rest)
            stage.cmd = (line, exec_form if exec_form is not None else rest)
            stage.cmd_inherited = False
        elif instr == "ENTRYPOINT":
            exec_form = _exec_form(rest)
            stage.entrypoint = (line, exec_form if exec_form is not None else rest)
            if stage.cmd_inherited:
                # Docker: setting ENTRYPOINT resets a CMD inherited from the base.
                stage.cmd, stage.cmd_inherited = None, False
    if not stages:
        return
    final = stages[-1]
    lineage = {id(final)}
    ancestor = parents.get(id(final))
    while ancestor is not None and id(ancestor) not in lineage:
        lineage.add(id(ancestor))
        ancestor = parents.get(id(ancestor))
    for owner, env_setting in stage_env:
        env_setting.in_final_image = id(owner) in lineage
    env = final.env
    ep, cmd = final.entrypoint, final.cmd
    commands: list[ServerCommand] = []
    if ep is not None:
        ep_line, ep_value = ep
        if isinstance(ep_value, list):
            cmd_args: list[str] = []
            if cmd is not None:
                cmd_args = cmd[1] if isinstance(cmd[1], list) else ["/bin/sh", "-c", cmd[1]]
            if only_wrappers(list(ep_value)) and cmd is not None:
                commands, _ = analyze_command(cmd[1], loc(rel, cmd[0]), "CMD", env)
            else:
                commands, _ = analyze_command(list(ep_value) + cmd_args, loc(rel, ep_line), "ENTRYPOINT", env)
        else:
            commands, _ = analyze_command(ep_value, loc(rel, ep_line), "ENTRYPOINT", env)
    elif cmd is not None:
        commands, _ = analyze_command(cmd[1], loc(rel, cmd[0]), "CMD", env)
    reader.model.commands.extend(commands)
    _name_scripts(reader, path, [(ep, "ENTRYPOINT"), (cmd, "CMD")], copies, targets)


def _name_scripts(
    reader: Reader,
    path: Path,
    forms: list[tuple[tuple[int, CommandForm] | None, str]],
    copies: list[str],
    targets: list[tuple[str, str]],
) -> None:
    """Queue the entry-point scripts ENTRYPOINT/CMD run (``./boot.sh``), to be read as shell scripts.

    A script named by its path in the image (``/opt/app/docker/run.sh``) is the project's file under the source a
    ``COPY . /opt/app`` put there (``docker/run.sh``)."""
    here = path.parent
    for form, process in forms:
        if form is None:
            continue
        words = form[1] if isinstance(form[1], list) else [w for seg in split_shell(form[1]) for w in seg]
        for word in words:
            if not is_script(word) or "$" in word:
                continue
            name = basename(word)
            candidates = [here / word.lstrip("/"), here / name]
            candidates += [here / src.lstrip("./") for src in copies if basename(src.rstrip("/")) == name]
            candidates += [here / src.strip("./") / name for src in copies if not basename(src).count(".")]
            for source, target in targets:
                prefix = target.rstrip("/") + "/"
                if word.startswith(prefix) and not source.startswith(("http://", "https://")):
                    candidates.append(here / source.strip("./") / word[len(prefix) :])
            reader.scripts.append((candidates, process))
