"""Deploy files real apps ship: supervisor programs, entry-point shell scripts, nginx ``*.conf``.

The fixture tree ``deploy_fixtures/supervised`` holds one of each; every
fact is checked with its line, because findings point at those lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flask_doctor.findings import Location
from flask_doctor.static.deploy import (
    DeployModel,
    ProxyDecl,
    WorkerDecl,
    deploy_kind,
    parse_deploy_files,
)

pytest.importorskip("bashlex")

FIXTURE = Path(__file__).resolve().parent / "deploy_fixtures" / "supervised"


@pytest.fixture()
def model(tmp_path: Path) -> DeployModel:
    root = tmp_path / "app"
    shutil.copytree(FIXTURE, root)
    paths = [p for p in sorted(root.rglob("*")) if p.is_file() and deploy_kind(p, at_root=p.parent == root)]
    return parse_deploy_files(paths, root)


def _commands(model: DeployModel) -> list[tuple[str, str, str, int | None]]:
    return [(c.server, c.process, f"{c.source.path}:{c.source.line}", c.workers) for c in model.commands]


def test_which_files_are_read() -> None:
    kinds = {
        str(p.relative_to(FIXTURE)): deploy_kind(p, at_root=p.parent == FIXTURE)
        for p in sorted(FIXTURE.rglob("*"))
        if p.is_file()
    }
    assert kinds == {
        "Dockerfile": "dockerfile",
        "boot.sh": "shell",
        "supervisord.conf": "supervisor",
        "supervisor/web.conf": "conf",
        "deploy/app.conf": "conf",
        "deploy/static-only.conf": "conf",
        "deploy/logging.conf": "conf",
        "scripts/launch.sh": None,  # not a known name: read because the Dockerfile's ENTRYPOINT runs it
    }
    assert deploy_kind(Path("etc/nginx/sites-available/shop")) == "nginx"
    assert deploy_kind(Path("src/app/settings.conf")) is None


def test_server_commands_from_supervisor_scripts_and_the_dockerfile(model: DeployModel) -> None:
    assert _commands(model) == [
        ("other", "ENTRYPOINT", "Dockerfile:5", None),
        ("flask-run", "script:boot.sh:dev", "boot.sh:5", None),
        ("uwsgi", "script:boot.sh:*", "boot.sh:6", 3),
        ("gunicorn", "ENTRYPOINT", "scripts/launch.sh:5", 2),
        ("gunicorn", "program:web", "supervisor/web.conf:3", 4),
        ("celery-worker", "program:worker", "supervisor/web.conf:10", None),
        ("flask-run", "program:admin", "supervisord.conf:5", None),
    ]
    web = next(c for c in model.commands if c.process == "program:web")
    assert (web.timeout, web.bind, web.app_target) == (30, "127.0.0.1:8000", "wsgi:app")
    launch = next(c for c in model.commands if c.source.path == "scripts/launch.sh")
    assert (launch.worker_class, launch.app_target) == ("gevent", "app:create_app()")
    admin = next(c for c in model.commands if c.process == "program:admin")
    assert admin.debug and admin.bind == "0.0.0.0:5000"
    assert model.files["shell"] == ["boot.sh", "scripts/launch.sh"]


def test_environment_from_supervisor_and_scripts(model: DeployModel) -> None:
    env = {(e.name, e.value, e.scope, e.source.line) for e in model.env}
    assert ("FLASK_ENV", "production", "program:web", 5) in env
    assert ("DATABASE_URL", "postgresql://app@db/app", "program:web", 5) in env
    assert ("FLASK_APP", "app.py", "script:boot.sh", 3) in env
    assert ("WORKERS", "2", "ENTRYPOINT", 3) in env  # ${WEB_CONCURRENCY:-2}, expanded as the shell would


def test_nginx_conf_in_a_config_directory(model: DeployModel) -> None:
    # static-only.conf proxies nothing; logging.conf is not nginx nor supervisor
    assert model.proxies == [
        ProxyDecl(
            "app.conf",
            Location("deploy/app.conf", 7, 1),
            kind="nginx",
            sets_headers=("host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"),
        )
    ]
    assert model.problems == []


def test_declared_workers(model: DeployModel) -> None:
    assert [(w.server, w.processes, f"{w.source.path}:{w.source.line}") for w in model.declared_workers()] == [
        ("uwsgi", 3, "boot.sh:6"),
        ("gunicorn", 2, "scripts/launch.sh:5"),
        ("gunicorn", 4, "supervisor/web.conf:3"),
    ]
    assert all(isinstance(w, WorkerDecl) for w in model.declared_workers())


def test_scripts_outside_the_root_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.sh").write_text("exec gunicorn -w 9 app:app\n")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "Dockerfile").write_text('FROM python\nCMD ["../outside.sh"]\n')
    model = parse_deploy_files([root / "Dockerfile"], root)
    assert [c.server for c in model.commands] == ["other"]


@pytest.mark.parametrize(
    "text",
    [
        "case $x in a) gunicorn ;; esac\n",
        "$((1+\n",
        "if then fi\n",
        "exec gunicorn -w $(nproc) app:app <<EOF\nbody\nEOF\n",
        "'unterminated\n",
        "\x00\x01",
    ],
)
def test_odd_shell_never_raises(tmp_path: Path, text: str) -> None:
    (tmp_path / "start.sh").write_text(text)
    model = parse_deploy_files([tmp_path / "start.sh"], tmp_path)
    assert all(not msg.startswith("internal error") for _, _, msg in model.problems), model.problems


APP = """
from flask import Flask, request
from flask_caching import Cache
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=1)
cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})


@app.get("/ip")
@cache.cached(timeout=60)
def ip():
    return request.remote_addr
"""


def test_rules_read_supervisor_scripts_and_nginx_conf(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    root = tmp_path / "app"
    shutil.copytree(FIXTURE, root)
    (root / "app.py").write_text(APP)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flask_doctor.cli import main; main()",
            "check",
            ".",
            "--preview",
            "--format",
            "json",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = sorted(
        (f["code"], f["location"]["path"], f["location"]["line"]) for f in json.loads(proc.stdout)["findings"]
    )
    assert found == [
        ("FD307", "supervisord.conf", 5),  # flask run --debug as a supervisor program
        ("FD313", "app.py", 7),  # x_for=2 behind the one nginx proxy of deploy/app.conf
        ("FD407", "boot.sh", 6),  # uwsgi without harakiri: no request timeout at all (a note)
        ("FD408", "boot.sh", 6),  # uwsgi without max-requests/reload-on-rss (a note)
        ("FD408", "scripts/launch.sh", 5),  # the Dockerfile's ENTRYPOINT script: gunicorn, no max_requests
        ("FD408", "supervisor/web.conf", 3),
        ("FD702", "app.py", 8),  # SimpleCache with uwsgi's 3 processes (boot.sh)
    ], proc.stdout + proc.stderr


def test_systemd_unit_exec_start_and_environment(tmp_path: Path) -> None:
    unit = tmp_path / "deploy" / "shop.service"
    unit.parent.mkdir()
    unit.write_text(
        "[Unit]\n"
        "Description=shop\n"
        "ExecStart=/bin/false\n"  # not in [Service]: systemd ignores it
        "\n"
        "[Service]\n"
        'Environment="FLASK_ENV=production" WORKERS=3\n'
        "ExecStart=/usr/bin/old-server\n"
        "ExecStart=\n"  # resets the list, as a drop-in does
        "# a comment\n"
        "ExecStart=-/usr/bin/env gunicorn3 --workers ${WORKERS} \\\n"
        "    --timeout 60 shop.wsgi:app\n"
        "ExecReload=/bin/kill -s HUP $MAINPID\n"
    )
    socket = tmp_path / "deploy" / "shop.socket"
    socket.write_text("[Socket]\nListenStream=/run/shop.sock\n")
    assert deploy_kind(unit) == "systemd"
    assert deploy_kind(socket) is None
    model = parse_deploy_files([unit, socket], tmp_path)
    assert [(c.server, c.process, c.source, c.workers, c.timeout, c.app_target) for c in model.commands] == [
        ("gunicorn", "unit:shop", Location("deploy/shop.service", 10, 11), 3, 60, "shop.wsgi:app")
    ]
    assert {(e.name, e.value, e.scope, e.source.line) for e in model.env} == {
        ("FLASK_ENV", "production", "unit:shop", 6),
        ("WORKERS", "3", "unit:shop", 6),
    }
    assert model.problems == []


def test_upstart_job_main_process_and_environment(tmp_path: Path) -> None:
    """The ``script`` block's command (through ``start-stop-daemon``) or an ``exec`` stanza; ``pre-start`` is not
    the main process; a ``*.conf`` that is no job, supervisor or nginx config stays unread."""
    job = tmp_path / "init" / "relay.conf"
    job.parent.mkdir()
    job.write_text(
        'description "relay"\n'
        "start on runlevel [2345]\n"
        "respawn\n"
        "env WORKERS=3\n"
        "pre-start script\n"
        "  mkdir -p /var/run/relay\n"
        "end script\n"
        "script\n"
        "  . /etc/default/relay\n"
        "  exec start-stop-daemon --start --chuid relay --exec /usr/bin/relay-server -- --config-file /etc/r.conf\n"
        "end script\n"
    )
    other = tmp_path / "init" / "web.conf"
    other.write_text("start on started relay\nexec gunicorn --workers $WORKERS shop:app\n")
    logging = tmp_path / "init" / "logging.conf"
    logging.write_text("[loggers]\nkeys=root\n")
    assert deploy_kind(job) == "conf"
    model = parse_deploy_files([job, other, logging], tmp_path)
    assert [(c.server, c.process, c.argv, c.source.line) for c in model.commands] == [
        ("other", "upstart:relay", ["/usr/bin/relay-server", "--config-file", "/etc/r.conf"], 10),
        ("gunicorn", "upstart:web", ["gunicorn", "--workers", "$WORKERS", "shop:app"], 2),
    ]
    assert [(e.name, e.value, e.scope) for e in model.env] == [("WORKERS", "3", "upstart:relay")]
    assert model.problems == []


def test_start_stop_daemon_runs_the_program_it_names() -> None:
    from flask_doctor.static.deploy.shell import strip_wrappers

    assert strip_wrappers(
        ["start-stop-daemon", "-S", "-x", "/usr/bin/python3", "-a", "/usr/bin/gunicorn", "--", "a:b"], {}
    ) == [["/usr/bin/gunicorn", "a:b"]]
    assert strip_wrappers(["start-stop-daemon", "--stop", "--exec", "/usr/bin/app"], {}) == [
        ["start-stop-daemon", "--stop", "--exec", "/usr/bin/app"]
    ]


def test_gunicorn_config_named_as_a_python_module(tmp_path: Path) -> None:
    (tmp_path / "tiles").mkdir()
    conf = tmp_path / "tiles" / "gunicorn_config.py"
    conf.write_text("max_requests = 500\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python\nCMD ["gunicorn", "-c", "python:tiles.gunicorn_config", "tiles:app"]\n')
    model = parse_deploy_files([dockerfile, conf], tmp_path)
    (command,) = model.commands
    found = model.gunicorn_config_for(command)
    assert found is not None and found.path == "tiles/gunicorn_config.py"


def test_secrets_of_yaml_configuration_files(tmp_path: Path) -> None:
    """Only string values under keys that name a signing secret are kept, with their line; bad YAML is no problem."""
    from flask_doctor.static.deploy.model import ConfigFileSecret

    root = tmp_path / "app"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "defaults.yml").write_text(
        "domain: localhost\n"
        "auth_api:\n"
        "  parameters:\n"
        "    secret: s3cr3t-shipped  # change this!\n"
        "    token_ttl_secs: 3600\n"
        "secret_key: ''\n"  # empty: nothing to leak
        "oauth:\n"
        "  secret: client-credential\n"  # a bare `secret` outside an auth/jwt/token section
        "JWT_SECRET_KEY: 42\n"  # not a string
    )
    (root / "config.yaml").write_text("{{ templated: [\n")
    assert deploy_kind(root / "pkg" / "defaults.yml") == "appconfig"
    assert deploy_kind(root / ".secrets.yml") == "appconfig"
    model = parse_deploy_files([root / "pkg" / "defaults.yml", root / "config.yaml"], root)
    assert model.config_secrets == [
        ConfigFileSecret(
            ("auth_api", "parameters", "secret"), "s3cr3t-shipped", Location("pkg/defaults.yml", 4, 13), "change this!"
        )
    ]
    assert model.problems == []


def test_continued_lines_are_one_command_when_read_line_by_line(tmp_path: Path) -> None:
    # bashlex cannot parse the arithmetic, so the script is read line by line; the backslash-continued gunicorn
    # command must still be read whole, at its first line, with its worker count
    (tmp_path / "entrypoint.sh").write_text(
        "#!/bin/sh\n"
        "N=$(( $(nproc) * 2 ))\n"
        "exec python3 -m gunicorn \\\n"
        "    --workers 5 \\\n"
        "    --bind 0.0.0.0:8080 \\\n"
        "    'app:create_app()'\n"
    )
    model = parse_deploy_files([tmp_path / "entrypoint.sh"], tmp_path)
    assert [(c.server, f"{c.source.path}:{c.source.line}", c.workers) for c in model.commands] == [
        ("gunicorn", "entrypoint.sh:3", 5)
    ]
