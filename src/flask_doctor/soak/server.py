"""Run the user's app under a real gunicorn on a free loopback port.

Soak writes its own gunicorn config (the user's ``gunicorn.conf.py`` is not
read: its ``max_requests`` would recycle workers and hide the very leaks we
hunt).  Gunicorn is started in a new session, so it and its workers form one
process group that :meth:`GunicornServer.stop` ends as a whole - and only
that group.  A watchdog in the gunicorn master (see :mod:`agent`) also stops
it if the soak process dies without cleaning up.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flask_doctor.redaction import redact_text
from flask_doctor.safe_text import printable
from flask_doctor.soak import agent as agent_mod
from flask_doctor.soak.wsgi_entry import ENV_APP

HOST = "127.0.0.1"


#: How many requests one worker can have in flight, per worker class.
def capacity_per_worker(worker_class: str, threads: int, connections: int = 1000) -> int:
    if worker_class == "sync":
        return 1
    if worker_class == "gthread":
        return max(1, threads)
    return connections


_CONFIG = """# Written by flask-doctor soak for this run only; the app's own gunicorn
# config is not used (its max_requests would recycle workers and hide leaks).
from flask_doctor.soak import agent as _agent

bind = [{bind!r}]
workers = {workers!r}
worker_class = {worker_class!r}
threads = {threads!r}
worker_connections = {connections!r}
timeout = {timeout!r}
graceful_timeout = 3
keepalive = 5
backlog = 2048
max_requests = 0
preload_app = False
reload = False
daemon = False
accesslog = None
errorlog = {errorlog!r}
loglevel = "warning"
proc_name = "flask-doctor-soak"
post_fork = _agent.post_fork
post_worker_init = _agent.post_worker_init
worker_exit = _agent.worker_exit
when_ready = _agent.when_ready
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class ServerError(RuntimeError):
    """Gunicorn did not start; ``lines`` are the last log lines (redacted, printable)."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = list(lines or [])


class GunicornServer:
    def __init__(
        self,
        app: str,
        cwd: Path,
        out_dir: Path,
        *,
        workers: int = 1,
        worker_class: str = "sync",
        threads: int = 4,
        connections: int = 1000,
        timeout: int = 60,
        agent_options: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.cwd = cwd
        self.out_dir = out_dir
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads if worker_class == "gthread" else 1
        self.connections = connections
        self.timeout = timeout
        self.agent_options = dict(agent_options or {})
        self.port = 0
        self._seq = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.agent_dir = out_dir / "agent"
        self.log_path = self.agent_dir / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def capacity(self) -> int:
        return self.workers * capacity_per_worker(self.worker_class, self.threads, self.connections)

    def start(self, wait: float = 60.0, *, fresh: bool = True) -> None:
        """Start gunicorn; ``fresh=False`` restarts it after a crash, keeping what the workers wrote."""
        self.agent_dir.mkdir(parents=True, exist_ok=True)
        if fresh:
            for stale in self.agent_dir.iterdir():
                if stale.is_file():
                    stale.unlink()
        self.port = free_port()
        conf = self.agent_dir / "gunicorn_conf.py"
        conf.write_text(
            _CONFIG.format(
                bind=f"{HOST}:{self.port}",
                workers=self.workers,
                worker_class=self.worker_class,
                threads=self.threads,
                connections=self.connections,
                timeout=self.timeout,
                errorlog=str(self.log_path),
            ),
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")}
        env[ENV_APP] = self.app
        env[agent_mod.ENV_DIR] = str(self.out_dir)
        env[agent_mod.ENV_OPTS] = json.dumps(self.agent_options)
        env[agent_mod.ENV_PARENT] = str(os.getpid())
        env["PYTHONUNBUFFERED"] = "1"
        # Let the app's own modules import the way ``flask --app`` would.
        env["PYTHONPATH"] = os.pathsep.join(
            [str(self.cwd)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        )
        log = open(self.agent_dir / "gunicorn.out", "wb")
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(conf),
                    "--chdir",
                    str(self.cwd),
                    "flask_doctor.soak.wsgi_entry:application",
                ],
                cwd=str(self.cwd),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        self._wait_ready(wait)

    def _wait_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerError("gunicorn exited while starting", self.log_lines())
            if len(self.ready_pids()) >= self.workers and self._ping():
                return
            time.sleep(0.1)
        raise ServerError(f"gunicorn did not answer on {self.base_url} within {wait:.0f}s", self.log_lines())

    def _ping(self) -> bool:
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            conn.request("GET", agent_mod.CONTROL_PREFIX + "/ping")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def log_lines(self, lines: int = 15) -> list[str]:
        """The last lines gunicorn and the workers wrote, secrets masked, control characters escaped."""
        chunks: list[str] = []
        for p in (self.agent_dir / "gunicorn.out", self.log_path):
            try:
                chunks.extend(p.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                pass
        return [printable(redact_text(c))[:500] for c in chunks[-lines:] if c.strip()]

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join("  " + c for c in self.log_lines(lines)) or "  (no output)"

    def alive(self) -> bool:
        """Is the gunicorn master still running?"""
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def worker_pids(self) -> list[int]:
        """The workers the master runs now (from the master's children; zombies excluded)."""
        if self.proc is None:
            return []
        try:
            import psutil

            out = []
            for child in psutil.Process(self.proc.pid).children():
                try:
                    if child.status() != psutil.STATUS_ZOMBIE:
                        out.append(child.pid)
                except psutil.Error:
                    pass
            return sorted(out)
        except Exception:
            return []

    def ready_pids(self) -> list[int]:
        """Live workers whose agent is running (it wrote its ready-file)."""
        live = set(self.worker_pids())
        return sorted(pid for pid in live if (self.agent_dir / f"ready-{pid}").exists())

    def control(
        self,
        phase: str = "",
        end: tuple[str, ...] = (),
        sites: tuple[str, ...] = (),
        retrace: int = 0,
        cadence: int = 0,
        warmup: int = 0,
        wait: float = 120.0,
    ) -> None:
        """Tell every worker the default phase and which phases ended; wait for their acks."""
        self._seq += 1
        seq = self._seq
        path = self.agent_dir / "control.json"
        tmp = self.agent_dir / "control.json.tmp"
        tmp.write_text(
            json.dumps(
                {
                    "seq": seq,
                    "phase": phase,
                    "end": list(end),
                    "sites": list(sites),
                    "retrace": retrace,
                    "cadence": cadence,
                    "warmup": warmup,
                }
            ),
            encoding="utf-8",
        )
        os.replace(tmp, path)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not self.alive():
                return
            # Only the workers alive now: a dead worker never acknowledges, and
            # one that starts later reads the control file when its agent starts.
            pending = [pid for pid in self.ready_pids() if not self._acked(pid, seq)]
            if not pending:
                return
            time.sleep(0.05)

    def _acked(self, pid: int, seq: int) -> bool:
        try:
            return int((self.agent_dir / f"ack-{pid}").read_text() or -1) >= seq
        except (OSError, ValueError):
            return False

    def stop(self, grace: float = 8.0) -> None:
        """End gunicorn and its workers: TERM to our process group, then KILL.

        Only processes we started are touched: the group we created with
        ``start_new_session`` (while its leader is alive, so the id cannot
        have been reused) and the workers we listed before signalling.
        """
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        try:
            import psutil

            children = psutil.Process(proc.pid).children(recursive=True)
        except Exception:
            children = []
        own_group = False
        try:
            own_group = os.getpgid(proc.pid) == proc.pid
        except ProcessLookupError:
            pass
        try:
            if own_group:
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                proc.terminate()
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                if own_group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        for child in children:  # workers that outlived their master
            try:
                if child.is_running():
                    child.kill()
            except Exception:
                pass
        try:
            import psutil

            psutil.wait_procs(children, timeout=5)
        except Exception:
            pass
