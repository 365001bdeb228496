"""How the app will be served: worker processes, threads, worker class.

Several checks (process-local caches, Socket.IO without a message queue,
pool size) depend on it.  The audit reads what it can find without running
anything, with gunicorn's own reader of its settings
(:mod:`flask_doctor.static.deploy.gunicorn`, shared with ``check`` and the
runtime): ``WEB_CONCURRENCY``, the config file gunicorn would read
(``-c`` in ``GUNICORN_CMD_ARGS``, else ``gunicorn.conf.py``,
``gunicorn_config.py`` or ``gunicorn.py`` in the working directory),
``GUNICORN_CMD_ARGS``, layered as gunicorn layers them, then the audit's own
``--workers``.  When nothing says, findings are phrased "if you run several
workers".
"""

from __future__ import annotations

import os
from pathlib import Path

from flask_doctor.dataclass import dataclass
from flask_doctor.static.deploy import gunicorn

#: Config files the audit looks for in the working directory (gunicorn itself reads only the first).
GUNICORN_FILES = gunicorn.CONFIG_FILE_NAMES


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
        """Requests one worker serves at once, ``None`` when nothing is known about the server."""
        if not self.threads and self.worker_class is None and self.workers is None:
            return None
        return gunicorn.worker_concurrency(self.worker_class, self.threads, self.worker_connections)


def detect(workers_option: int | None = None, cwd: Path | None = None) -> DeployFacts:
    """What the environment and config file of this machine say about gunicorn's workers.

    ``workers_option`` (``flask-doctor audit --workers``) wins over everything.
    """
    options = gunicorn.load_options((), os.environ, cwd or Path.cwd(), GUNICORN_FILES)
    fields = ("workers", "threads", "worker_class", "worker_connections")
    sources = list(dict.fromkeys(options.sources[f] for f in fields if f in options.sources))
    workers = options.workers
    if workers_option is not None:
        workers = workers_option
        sources.append("--workers")
    return DeployFacts(
        workers=workers,
        threads=options.threads,
        worker_class=options.worker_class or None,
        worker_connections=options.worker_connections,
        source=", ".join(sources),
    )
