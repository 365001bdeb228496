"""Which gunicorn workers are alive, and which request killed the ones that died.

The live workers are the gunicorn master's children (never the ready-files
of workers that may be long dead).  A worker that disappears without having
written its ``exit-PID`` marker (the agent writes it from gunicorn's
``worker_exit`` hook on a clean shutdown) crashed: ``os._exit``, a segfault
in a C extension, the OOM killer, gunicorn's own ``WORKER TIMEOUT``.  Its
agent wrote each request in flight into fixed slots of ``inflight-PID``
before the app ran and blanked the slot after, so what is left there is the
request that was running when it died: its soak target, method and path,
and how many requests of that target the worker had served.
"""

from __future__ import annotations

import re
import time
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from flask_doctor.dataclass import dataclass
from flask_doctor.redaction import redact_text
from flask_doctor.safe_text import printable
from flask_doctor.soak.agent import INFLIGHT_WIDTH


@dataclass
class InFlight:
    """A request a worker was serving when it died."""

    phase: str
    target: str
    request: str  # "GET /path"
    count: int  # requests of this target the worker had started, this one included
    req_id: str
    started: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "target": self.target,
            "request": self.request,
            "count": self.count,
            "req_id": self.req_id,
        }


@dataclass
class Crash:
    pid: int
    seconds: float  # since the soak started
    phase: str  # the soak phase that was running
    inflight: list[InFlight] = field(default_factory=list)
    #: what gunicorn said about it ("exited with code 1", "was sent SIGKILL! Perhaps out of memory?")
    exit: str = ""
    log: list[str] = field(default_factory=list)
    master_died: bool = False

    @property
    def target(self) -> str | None:
        return self.inflight[0].target if self.inflight else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "seconds": round(self.seconds, 2),
            "phase": self.phase,
            "inflight": [r.to_dict() for r in self.inflight],
            "exit": self.exit,
            "log": self.log,
            "master_died": self.master_died,
        }


def read_inflight(agent_dir: Path, pid: int) -> list[InFlight]:
    """The requests left in a worker's in-flight slots (empty when it died idle)."""
    try:
        data = (agent_dir / f"inflight-{pid}").read_bytes()
    except OSError:
        return []
    out = []
    for i in range(0, len(data), INFLIGHT_WIDTH):
        line = data[i : i + INFLIGHT_WIDTH].decode("utf-8", "replace").strip()
        parts = line.split("\t")
        if len(parts) != 6:
            continue
        phase, target, request, count, req_id, started = parts
        try:
            out.append(
                InFlight(phase, printable(unquote(target)), printable(request), int(count), req_id, float(started))
            )
        except ValueError:
            continue
    return sorted(out, key=lambda r: r.started)


_EXIT_PATTERNS = (
    (re.compile(r"Worker \(pid:(\d+)\) (exited with code \d+)"), 2),
    (re.compile(r"Worker \(pid:(\d+)\) (was sent [A-Z]+!?(?: Perhaps out of memory\?)?)"), 2),
    (re.compile(r"WORKER TIMEOUT \(pid:(\d+)\)"), 0),
)


def gunicorn_exit(log_text: str, pid: int) -> tuple[str, list[str]]:
    """What gunicorn's log says about worker ``pid``: a short reason and the lines (masked, printable)."""
    reason = ""
    lines = []
    for line in log_text.splitlines():
        if f"pid:{pid})" not in line and f"[{pid}]" not in line:
            continue
        lines.append(printable(redact_text(line.strip()))[:300])
        for pattern, group in _EXIT_PATTERNS:
            match = pattern.search(line)
            if match and int(match.group(1)) == pid:
                reason = match.group(group) if group else "killed by gunicorn: WORKER TIMEOUT"
    return reason, lines[-6:]


def master_reason(log_text: str) -> str:
    """Why the gunicorn master stopped, from its log ("Worker failed to boot.")."""
    found = re.findall(r"Reason: (.+)", log_text)
    return printable(found[-1].strip())[:200] if found else ""


class WorkerWatch:
    """Notices workers that die during the run; polled by the runner a few times a second."""

    def __init__(self, server: Any, started: float) -> None:
        self.server = server
        self.started = started
        self.known: set[int] = set()
        self.crashes: list[Crash] = []
        self.phase = ""
        self._last = 0.0

    @property
    def agent_dir(self) -> Path:
        return Path(self.server.agent_dir)

    def poll(self, force: bool = False) -> list[Crash]:
        """New crashes since the last poll (at most every 0.25 s unless ``force``)."""
        now = time.time()
        if not force and now - self._last < 0.25:
            return []
        self._last = now
        live = set(self.server.worker_pids())
        master_dead = not self.server.alive()
        new = []
        for pid in sorted(self.known - live):
            if (self.agent_dir / f"exit-{pid}").exists():
                continue  # shut down cleanly
            crash = Crash(
                pid, now - self.started, self.phase, read_inflight(self.agent_dir, pid), master_died=master_dead
            )
            self.crashes.append(crash)
            new.append(crash)
        self.known = (self.known & live) | live
        return new

    def finish(self) -> None:
        """Fill in what gunicorn logged about each crash (it logs after reaping, so read it last)."""
        try:
            text = (self.agent_dir / "gunicorn.log").read_text(errors="replace")
        except OSError:
            text = ""
        for crash in self.crashes:
            if not crash.exit:
                crash.exit, crash.log = gunicorn_exit(text, crash.pid)
            if crash.exit in ("exited with code 3", "exited with code 4"):
                # gunicorn reads these as a boot / app-load failure and halts; the
                # worker may have been reaped before the master was seen to stop
                crash.master_died = True


__all__ = ["Crash", "InFlight", "WorkerWatch", "gunicorn_exit", "master_reason", "read_inflight"]
