"""The parent side of the audit: start the child, bound its time, read its result.

The application is imported and audited in a child process
(:mod:`flask_doctor.audit.child`), never in the process that renders the
report:

* a fresh interpreter (``python -m flask_doctor.audit.child``) when the app
  is named by an import path, as ``flask --app`` names it;
* a fork of this process when ``flask doctor audit`` runs under a
  ``FlaskGroup(create_app=...)`` whose factory is a Python object, not a
  name (POSIX only; elsewhere it runs in this process, and says so).

The child gets its own session (process group), standard input from
``/dev/null`` (an ``input()`` at import fails at once instead of hanging),
and one file for its standard output and error, which the parent relays to
its own standard error afterwards.  Importing and building the app must
finish within ``import_timeout`` seconds; the checks and probes after that
within :data:`AUDIT_PHASE_SECONDS`.  When a limit passes, the whole process
group is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.audit.child import AuditRequest
from flask_doctor.dataclass import dataclass

#: Default of ``--import-timeout``: seconds allowed to import and build the app.
IMPORT_TIMEOUT = 60.0
#: Seconds allowed for the checks and probes once the app is built (a safety net: each probe has its own timeout).
AUDIT_PHASE_SECONDS = 300.0
#: Output of the app relayed to standard error at most (the rest is counted).
RELAY_MAX_CHARS = 20_000
_POLL = 0.02


class AuditFailed(Exception):
    """The audit produced no report: exit ``code`` after printing ``message``, ``details`` and ``hint``."""

    def __init__(
        self, message: str, hint: str = "", details: str = "", code: int = 2, traceback: str = "", output: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details
        self.code = code
        self.traceback = traceback
        #: What the app printed before the failure (relayed to standard error).
        self.output = output


@dataclass
class ChildOutcome:
    """What a successful child sent back, plus what the app printed."""

    findings: list[dict[str, Any]]
    extra: dict[str, Any]
    lines: dict[str, str]
    output: str = ""
    notes: list[str] = field(default_factory=list)


class _Child:
    """A started child: a subprocess or a fork, behind one small interface."""

    def __init__(self, pid: int, popen: subprocess.Popen[bytes] | None) -> None:
        self.pid = pid
        self.popen = popen
        self.status: int | None = None

    def poll(self) -> int | None:
        if self.status is not None:
            return self.status
        if self.popen is not None:
            self.status = self.popen.poll()
            return self.status
        pid, raw = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.status = os.waitstatus_to_exitcode(raw)
        return self.status

    def kill(self) -> None:
        """Kill the child's whole process group (the app may have started processes of its own)."""
        try:
            if hasattr(os, "killpg"):
                os.killpg(self.pid, signal.SIGKILL)
            elif self.popen is not None:  # pragma: no cover - Windows
                self.popen.kill()
        except (ProcessLookupError, PermissionError):
            pass
        deadline = time.monotonic() + 5
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(_POLL)


def _child_env() -> dict[str, str]:
    """The parent's environment, plus the path to this flask_doctor so that the child speaks the same protocol."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if here not in parts:
        parts.append(here)
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _spawn(request_path: str, output: Any) -> _Child:
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    popen = subprocess.Popen(
        [sys.executable, "-m", "flask_doctor.audit.child", request_path],
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        env=_child_env(),
        **kwargs,
    )
    return _Child(popen.pid, popen)


def _fork(request: AuditRequest, create_app: Callable[..., Any], output: Any) -> _Child:
    with warnings.catch_warnings():  # Python 3.12 warns about forking a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        return _Child(pid, None)
    try:  # the child: its own session, output to the file, no standard input
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
        from flask_doctor.audit.child import serve

        serve(request, create_app)
    finally:
        os._exit(3)  # serve() never returns; this is for a failure before it


def run_child(
    request: AuditRequest,
    create_app: Callable[..., Any] | None = None,
    import_timeout: float = IMPORT_TIMEOUT,
    audit_timeout: float = AUDIT_PHASE_SECONDS,
) -> ChildOutcome:
    """Audit in a child process; raise :class:`AuditFailed` when no report came back.

    ``KeyboardInterrupt`` (Ctrl-C in the parent, or raised by the app while
    it is imported) becomes ``AuditFailed(code=130)``.
    """
    import json

    with tempfile.TemporaryDirectory(prefix="flask-doctor-audit-") as tmp:
        request.status_path = os.path.join(tmp, "loaded")
        request.result_path = os.path.join(tmp, "result.json")
        request_path = os.path.join(tmp, "request.json")
        Path(request_path).write_text(request.to_json(), encoding="utf-8")
        with open(os.path.join(tmp, "output.txt"), "w+b") as output:
            notes: list[str] = []
            if create_app is None:
                child = _spawn(request_path, output)
            elif hasattr(os, "fork"):
                child = _fork(request, create_app, output)
            else:  # pragma: no cover - Windows: no fork, and the factory has no import name
                from flask_doctor.audit.child import audit as audit_here

                notes.append(
                    "the FlaskGroup factory has no import name and this system cannot fork: "
                    "the app was audited in this process, without an import time limit"
                )
                return _outcome(audit_here(request, create_app), "", notes)
            try:
                status = _wait(child, request, import_timeout, audit_timeout)
            except KeyboardInterrupt:
                child.kill()
                raise AuditFailed("interrupted", code=130, output=_read(output)) from None
            except AuditFailed as failed:
                failed.output = _read(output)
                raise
            text = _read(output)
            if not os.path.exists(request.result_path):
                loaded = os.path.exists(request.status_path)
                raise AuditFailed(
                    (
                        f"the audit process exited (status {status}) after loading the application, without a report"
                        if loaded
                        else f"the application exited during import without a report (exit status {status})"
                    ),
                    hint="something called os._exit() or the process was killed: run "
                    "`python -c 'import <your module>'` to see what the import does",
                    output=text,
                )
            outcome = json.loads(Path(request.result_path).read_text(encoding="utf-8"))
            return _outcome(outcome, text, notes)


def _wait(child: _Child, request: AuditRequest, import_timeout: float, audit_timeout: float) -> int:
    started = time.monotonic()
    loaded_at: float | None = None
    while True:
        status = child.poll()
        if status is not None:
            return status
        now = time.monotonic()
        if loaded_at is None and os.path.exists(request.status_path):
            loaded_at = now
        if loaded_at is None and now - started > import_timeout:
            child.kill()
            raise AuditFailed(
                f"the application did not finish importing within {import_timeout:g} s (--import-timeout)",
                hint="something at import waits (a sleep, a network call without a timeout, a lock): "
                "fix it, or raise --import-timeout",
            )
        if loaded_at is not None and now - loaded_at > audit_timeout:
            child.kill()
            raise AuditFailed(
                f"the audit did not finish within {audit_timeout:g} s after the application was loaded",
                hint="a check or probe hung (an error handler or a --sample-view view that blocks?): "
                "rerun with --debug, or narrow it with --tag",
            )
        time.sleep(_POLL)


def _read(output: Any) -> str:
    output.flush()
    output.seek(0)
    data = output.read(RELAY_MAX_CHARS + 1).decode("utf-8", "replace")
    if len(data) > RELAY_MAX_CHARS:
        output.seek(0, os.SEEK_END)
        data = data[:RELAY_MAX_CHARS] + f"\n... ({output.tell() - RELAY_MAX_CHARS} more bytes of output not shown)"
    return data.rstrip("\n")


def _outcome(outcome: dict[str, Any], output: str, notes: list[str]) -> ChildOutcome:
    if "interrupted" in outcome:
        during = "importing the application" if outcome["interrupted"] == "import" else "auditing it"
        raise AuditFailed(f"interrupted (KeyboardInterrupt) while {during}", code=130, output=output)
    if "error" in outcome:
        error = outcome["error"]
        if error["kind"] == "load":
            raise AuditFailed(
                error["message"],
                hint=error["hint"],
                details=error["details"],
                traceback=error.get("traceback", ""),
                output=output,
            )
        if error["kind"] == "usage":
            raise AuditFailed(error["message"], output=output)
        raise AuditFailed(
            f"internal error in the audit: {error['message']}",
            hint="this is a bug in flask-doctor: please report it (rerun with --debug for the traceback)",
            traceback=error.get("traceback", ""),
            output=output,
        )
    ok = outcome["ok"]
    return ChildOutcome(ok["findings"], ok["extra"], ok["lines"], output, notes)
