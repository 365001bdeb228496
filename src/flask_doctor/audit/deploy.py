"""How the app will be served: worker processes, threads, worker class.

Several checks (process-local caches, Socket.IO without a message queue,
pool size) depend on it.  The audit reads what it can find without running
anything: ``--workers``, ``WEB_CONCURRENCY``, ``GUNICORN_CMD_ARGS`` and literal
settings in ``gunicorn.conf.py`` in the working directory.  When nothing says,
findings are phrased "if you run several workers".
"""

from __future__ import annotations

import ast
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

GUNICORN_FILES = ("gunicorn.conf.py", "gunicorn_config.py", "gunicorn.py")


@dataclass(frozen=True)
class DeployFacts:
    workers: int | None = None
    threads: int | None = None
    worker_class: str | None = None
    worker_connections: int | None = None
    source: str = ""

    def several_workers(self) -> bool | None:
        """True/False when known, None when nothing says."""
        return None if self.workers is None else self.workers > 1

    def workers_phrase(self) -> str:
        if self.workers is None:
            return "if you run several worker processes"
        return f"with {self.workers} worker processes ({self.source})"

    def concurrency_per_process(self) -> int | None:
        kind = (self.worker_class or "sync").lower()
        if "gevent" in kind or "eventlet" in kind:
            return self.worker_connections or 1000
        if self.threads:
            return self.threads
        if self.worker_class is not None or self.workers is not None:
            return 1
        return None


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _from_args(args: list[str], found: dict[str, object]) -> None:
    names = {"-w": "workers", "--workers": "workers", "--threads": "threads", "-k": "worker_class",
             "--worker-class": "worker_class", "--worker-connections": "worker_connections"}
    i = 0
    while i < len(args):
        arg = args[i]
        key, _, inline = arg.partition("=")
        if key in names:
            value = inline or (args[i + 1] if i + 1 < len(args) else "")
            found[names[key]] = value
            i += 1 if inline else 2
            continue
        i += 1


def _from_conf(path: Path, found: dict[str, object]) -> None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("workers", "threads", "worker_class", "worker_connections"):
                try:
                    found[name] = ast.literal_eval(node.value)
                except ValueError:
                    continue


def detect(workers_option: int | None = None, cwd: Path | None = None) -> DeployFacts:
    found: dict[str, object] = {}
    sources: list[str] = []
    cwd = cwd or Path.cwd()
    for name in GUNICORN_FILES:
        path = cwd / name
        if path.is_file():
            before = dict(found)
            _from_conf(path, found)
            if found != before:
                sources.append(name)
            break
    if os.environ.get("WEB_CONCURRENCY"):
        found["workers"] = os.environ["WEB_CONCURRENCY"]
        sources.append("WEB_CONCURRENCY")
    if os.environ.get("GUNICORN_CMD_ARGS"):
        before = dict(found)
        _from_args(shlex.split(os.environ["GUNICORN_CMD_ARGS"]), found)
        if found != before:
            sources.append("GUNICORN_CMD_ARGS")
    if workers_option is not None:
        found["workers"] = workers_option
        sources.append("--workers")
    worker_class = found.get("worker_class")
    return DeployFacts(
        workers=_int(found.get("workers")),
        threads=_int(found.get("threads")),
        worker_class=str(worker_class) if worker_class else None,
        worker_connections=_int(found.get("worker_connections")),
        source=", ".join(sources),
    )
