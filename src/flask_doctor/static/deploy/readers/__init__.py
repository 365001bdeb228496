"""One reader per kind of deploy file (:data:`READERS`), each filling the shared :class:`DeployModel`.

Adding a format is one module here with a ``read_<kind>(reader, path,
text)`` function, one entry in :data:`READERS` and its names in
:mod:`flask_doctor.static.deploy.kinds`.
"""

from __future__ import annotations

from flask_doctor.static.deploy.kinds import DeployKind
from flask_doctor.static.deploy.readers.appconfig import read_appconfig
from flask_doctor.static.deploy.readers.appengine import read_appengine
from flask_doctor.static.deploy.readers.base import Reader, ReadFn
from flask_doctor.static.deploy.readers.compose import read_compose
from flask_doctor.static.deploy.readers.conf import read_conf
from flask_doctor.static.deploy.readers.dockerfile import read_dockerfile
from flask_doctor.static.deploy.readers.dotenv import parse_dotenv, read_dotenv
from flask_doctor.static.deploy.readers.fly import read_fly
from flask_doctor.static.deploy.readers.gunicorn_conf import read_gunicorn_conf
from flask_doctor.static.deploy.readers.nginx import read_nginx
from flask_doctor.static.deploy.readers.procfile import read_procfile
from flask_doctor.static.deploy.readers.requirements import read_requirements
from flask_doctor.static.deploy.readers.shell_script import read_shell
from flask_doctor.static.deploy.readers.supervisor import read_supervisor
from flask_doctor.static.deploy.readers.systemd import read_systemd
from flask_doctor.static.deploy.readers.uwsgi import read_uwsgi

__all__ = ["READERS", "ReadFn", "Reader", "parse_dotenv"]

#: Deploy-file kind -> its reader.
READERS: dict[DeployKind, ReadFn] = {
    "dockerfile": read_dockerfile,
    "procfile": read_procfile,
    "env": read_dotenv,
    "compose": read_compose,
    "appengine": read_appengine,
    "fly": read_fly,
    "uwsgi": read_uwsgi,
    "gunicorn": read_gunicorn_conf,
    "nginx": read_nginx,
    "supervisor": read_supervisor,
    "shell": read_shell,
    "conf": read_conf,
    "systemd": read_systemd,
    "requirements": read_requirements,
    "appconfig": read_appconfig,
}
