"""One reader per kind of deploy file (:data:`READERS`), each filling the shared :class:`DeployModel`.

Adding a format is one module here with a ``read_<kind>(reader, path,
text)`` function, one entry in :data:`READERS` and its names in
:mod:`flask_doctor.static.deploy.kinds`.

A reader module is imported when a file of its kind is first read
(:func:`reader_for`), not when this package is: most projects have two or
three kinds of deploy file, and the YAML readers alone would cost ``check``
the import of PyYAML (a fifth of its start-up on an empty directory).
"""

from __future__ import annotations

import importlib

from flask_doctor.static.deploy.kinds import DeployKind
from flask_doctor.static.deploy.readers.base import Reader, ReadFn

__all__ = ["READERS", "ReadFn", "Reader", "reader_for"]

#: Deploy-file kind -> the module (in this package) and the function that reads it.
READERS: dict[DeployKind, tuple[str, str]] = {
    "dockerfile": ("dockerfile", "read_dockerfile"),
    "procfile": ("procfile", "read_procfile"),
    "env": ("dotenv", "read_dotenv"),
    "compose": ("compose", "read_compose"),
    "appengine": ("appengine", "read_appengine"),
    "fly": ("fly", "read_fly"),
    "platform": ("platform", "read_platform"),
    "uwsgi": ("uwsgi", "read_uwsgi"),
    "gunicorn": ("gunicorn_conf", "read_gunicorn_conf"),
    "nginx": ("nginx", "read_nginx"),
    "supervisor": ("supervisor", "read_supervisor"),
    "shell": ("shell_script", "read_shell"),
    "conf": ("conf", "read_conf"),
    "systemd": ("systemd", "read_systemd"),
    "sysvinit": ("sysvinit", "read_sysvinit"),
    "requirements": ("requirements", "read_requirements"),
    "appconfig": ("appconfig", "read_appconfig"),
}


def reader_for(kind: DeployKind) -> ReadFn:
    """The function that reads deploy files of ``kind``, its module imported on first use."""
    module, function = READERS[kind]
    read: ReadFn = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return read
