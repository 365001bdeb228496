"""FD307: a Dockerfile/Procfile/compose start command runs gunicorn instead of Flask's development server.

A text edit of the one command (deploy files are not Python): ``flask --app pkg:app run --port 8000`` /
``python app.py`` becomes ``gunicorn --bind 0.0.0.0:PORT MODULE:APP``, keeping the port the development
server used (5000 when none is given) so the container's published port still answers.  A Procfile gets no
``--bind``: gunicorn listens on ``$PORT`` by itself.  Unsafe: gunicorn must be installed, and the import
path comes from the command (``--app``, ``FLASK_APP=``) or the script's ``X.run(...)`` call; when neither
says it, the finding is skipped rather than guessed.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence

from flask_doctor.findings import Finding
from flask_doctor.static.fixes.base import FixOptions, Skip, TextCure

_SHELL = re.compile(
    r"(?:\S*/)?(?:python3?(?:\.\d+)?[ \t]+(?:-m[ \t]+flask\b|[\w./-]+\.py\b)|flask\b)(?:[ \t]+(?![&|;#])\S+)*"
)
_RUN_VAR = re.compile(r"`(\w+)\.run\(")
_RUN_PORT = re.compile(r"\bport=(\d+)")
_ENV_APP = re.compile(r"FLASK_APP[= ][\"']?([\w.]+(?::[\w.()]+)?)")


def _gunicorn(argv: list[str], finding: Finding, text: str, procfile: bool) -> list[str]:
    app: str | None = None
    port = "5000"
    rest = list(argv)
    python = bool(rest) and re.fullmatch(r"(?:\S*/)?python3?(?:\.\d+)?", rest[0]) is not None
    if python and len(rest) > 1 and rest[1].endswith(".py"):
        var = _RUN_VAR.search(finding.message)
        if var is None:
            raise Skip("the script does not start a module-level app object (`app.run(...)`)")
        app = rest[1][:-3].lstrip("./").replace("/", ".") + ":" + var.group(1)
        found = _RUN_PORT.search(finding.message)
        port = found.group(1) if found else port
    else:
        for i, word in enumerate(rest):
            if word in ("--app", "-A") and i + 1 < len(rest):
                app = rest[i + 1]
            elif word.startswith("--app="):
                app = word.split("=", 1)[1]
            elif word in ("--port", "-p") and i + 1 < len(rest):
                port = rest[i + 1]
            elif word.startswith("--port="):
                port = word.split("=", 1)[1]
        if app is None:
            env = _ENV_APP.search(text)
            app = env.group(1) if env else None
        if app is None or ":" not in app:
            raise Skip("the file does not name the app's import path (`--app module:app`, FLASK_APP)")
    if not port.isdigit():
        raise Skip(f"the port `{port}` is not a number")
    return ["gunicorn", app] if procfile else ["gunicorn", "--bind", f"0.0.0.0:{port}", app]


class GunicornInDeployFile(TextCure):
    code = "FD307"

    def edit(
        self, path: str, text: str, findings: Sequence[Finding], options: FixOptions
    ) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
        lines = text.splitlines(keepends=True)
        procfile = path.rsplit("/", 1)[-1].startswith("Procfile")
        applied: list[Finding] = []
        skipped: list[tuple[Finding, str]] = []
        for finding in findings:
            line = finding.location.line if finding.location else 0
            if not 0 < line <= len(lines):
                skipped.append((finding, "the command is not on one line of the file"))
                continue
            raw = lines[line - 1]
            try:
                lines[line - 1] = self._rewrite(raw, finding, text, procfile)
            except Skip as exc:
                skipped.append((finding, str(exc)))
                continue
            applied.append(finding)
        return "".join(lines), applied, skipped

    @staticmethod
    def _rewrite(raw: str, finding: Finding, text: str, procfile: bool) -> str:
        start = raw.find("[")
        exec_form = re.match(r"\s*(CMD|ENTRYPOINT)\s*\[", raw)
        if exec_form and start >= 0:
            end = raw.rfind("]")
            try:
                argv = json.loads(raw[start : end + 1])
            except ValueError:
                raise Skip("the exec-form command is not a JSON array") from None
            if not all(isinstance(a, str) for a in argv):
                raise Skip("the exec-form command is not a list of strings")
            return raw[:start] + json.dumps(_gunicorn(argv, finding, text, procfile)) + raw[end + 1 :]
        match = _SHELL.search(raw)
        if match is None:
            raise Skip("the development-server command is not on this line")
        try:
            argv = shlex.split(match.group(0))
        except ValueError:
            raise Skip("the command's quoting is not plain") from None
        new = " ".join(shlex.quote(a) for a in _gunicorn(argv, finding, text, procfile))
        return raw[: match.start()] + new + raw[match.end() :]
