"""A ``*.conf`` at the root or in a config directory: supervisor, nginx or an Upstart job, told by its content.

Anything else (``logging.conf``, ``redis.conf``) is not a deploy file soak or
the rules read, and is skipped without a problem.
"""

from __future__ import annotations

from pathlib import Path

from flask_doctor.static.deploy.readers.base import Reader
from flask_doctor.static.deploy.readers.nginx import is_nginx_config, read_nginx
from flask_doctor.static.deploy.readers.supervisor import (
    is_supervisor_config,
    read_supervisor,
)
from flask_doctor.static.deploy.readers.upstart import is_upstart_job, read_upstart

__all__ = ["read_conf"]


def read_conf(reader: Reader, path: Path, text: str) -> None:
    if is_supervisor_config(text):
        read_supervisor(reader, path, text)
    elif is_nginx_config(text):
        read_nginx(reader, path, text)
    elif is_upstart_job(text):
        read_upstart(reader, path, text)
