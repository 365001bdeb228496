"""Deploy files -> DeployModel: commands, env, server settings, services, proxies.

Fixtures are small real-looking files written into ``tmp_path``; every fact
is checked with its line, because findings point at those lines.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from flask_doctor.findings import Location
from flask_doctor.static.deploy import (
    DeployModel,
    EnvSetting,
    ProxyDecl,
    ServerCommand,
    Setting,
    WorkerDecl,
    analyze_command,
    expand_vars,
    parse_deploy_files,
    parse_dotenv,
    split_shell,
)

SRC = Location("Procfile", 1, 6)


def one(command: str | list[str], env: dict[str, str | None] | None = None) -> ServerCommand:
    commands, _ = analyze_command(command, SRC, "web", env)
    assert len(commands) == 1, commands
    return commands[0]


def parse(tmp_path: Path, files: dict[str, str | bytes]) -> DeployModel:
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths.append(path)
    return parse_deploy_files(paths, tmp_path)


# ======================================================== command analysis
def test_gunicorn_long_and_short_options() -> None:
    cmd = one(
        "gunicorn --workers=4 --worker-class=gevent --threads 2 -t 120 --max-requests 1000 "
        "--max-requests-jitter 50 --reload --preload -b 0.0.0.0:8000 -b [::]:8000 "
        "-c config/gunicorn.conf.py --access-logfile - wsgi:app"
    )
    assert cmd == ServerCommand(
        server="gunicorn",
        argv=cmd.argv,
        source=SRC,
        process="web",
        workers=4,
        worker_class="gevent",
        threads=2,
        timeout=120,
        max_requests=1000,
        max_requests_jitter=50,
        reload=True,
        preload=True,
        bind="0.0.0.0:8000",
        config_file="config/gunicorn.conf.py",
        app_target="wsgi:app",
    )
    assert cmd.serves_http


def test_gunicorn_glued_short_options_and_factory_target() -> None:
    cmd = one("gunicorn -w4 -kuvicorn.workers.UvicornWorker -t0 'app:create_app()'")
    assert (cmd.workers, cmd.worker_class, cmd.timeout, cmd.app_target) == (
        4,
        "uvicorn.workers.UvicornWorker",
        0,
        "app:create_app()",
    )


def test_target_before_options_and_unknown_options() -> None:
    cmd = one("gunicorn app:app --log-level debug --workers 3 --some-new-flag value")
    assert cmd.app_target == "app:app" and cmd.workers == 3


@pytest.mark.parametrize(
    ("command", "env", "workers", "unresolved"),
    [
        ("gunicorn -w ${WEB_CONCURRENCY:-4} app:app", None, 4, {}),
        ("gunicorn -w ${WEB_CONCURRENCY-4} app:app", None, 4, {}),
        ("gunicorn -w ${WEB_CONCURRENCY:-4} app:app", {"WEB_CONCURRENCY": "8"}, 8, {}),
        ('gunicorn -w "$WORKERS" app:app', None, None, {"workers": "$WORKERS"}),
        ("gunicorn -w $WORKERS app:app", {"WORKERS": "6"}, 6, {}),
        ('gunicorn -w "${WORKERS:?set it}" app:app', None, None, {"workers": "${WORKERS:?set it}"}),
        ("gunicorn -w $(nproc) app:app", None, None, {"workers": "$(nproc)"}),
    ],
)
def test_env_expansion(
    command: str, env: dict[str, str | None] | None, workers: int | None, unresolved: dict[str, str]
) -> None:
    cmd = one(command, env)
    assert cmd.workers == workers
    assert cmd.unresolved == unresolved


def test_expand_vars() -> None:
    assert expand_vars("${A:-x}-${B}-$C", {"B": "b", "C": "c"}) == ("x-b-c", True)
    assert expand_vars("${A:+set}", {"A": "1"}) == ("set", True)
    assert expand_vars("${A:-}", {}) == ("", True)
    assert expand_vars("$MISSING", {}) == ("$MISSING", False)
    assert expand_vars("plain", {}) == ("plain", True)


@pytest.mark.parametrize(
    "command",
    [
        "exec gunicorn -w 2 app:app",
        "sh -c 'flask db upgrade && exec gunicorn -w 2 app:app'",
        '/bin/bash -ec "python manage.py migrate; gunicorn -w 2 app:app"',
        "poetry run gunicorn -w 2 app:app",
        "uv run --no-dev gunicorn -w 2 app:app",
        "tini -- gunicorn -w 2 app:app",
        "dumb-init gunicorn -w 2 app:app",
        "ddtrace-run gunicorn -w 2 app:app",
        "opentelemetry-instrument --traces_exporter console gunicorn -w 2 app:app",
        "newrelic-admin run-program gunicorn -w 2 app:app",
        "env PYTHONUNBUFFERED=1 gunicorn -w 2 app:app",
        "python -m gunicorn -w 2 app:app",
        "python3.12 -u -m gunicorn -w 2 app:app",
        "gunicorn -w 2 app:app > /var/log/app.log 2>&1",
        "./docker-entrypoint.sh gunicorn -w 2 app:app",
        "gosu app gunicorn -w 2 app:app",
        "pip install -r requirements.txt && gunicorn -w 2 app:app",
    ],
)
def test_wrappers_and_chains_are_seen_through(command: str) -> None:
    cmd = one(command)
    assert (cmd.server, cmd.workers, cmd.app_target) == ("gunicorn", 2, "app:app")
    assert cmd.argv[:3] == ["gunicorn", "-w", "2"]


def test_inline_environment() -> None:
    commands, inline = analyze_command("FLASK_ENV=production WEB_CONCURRENCY=3 gunicorn -e X=1 app:app", SRC, "web")
    assert inline == {"FLASK_ENV": "production", "WEB_CONCURRENCY": "3"}
    (cmd,) = commands
    assert cmd.workers == 3 and cmd.from_env == ["workers"]
    assert cmd.inline_env == {"X": "1", "FLASK_ENV": "production", "WEB_CONCURRENCY": "3"}


def test_gunicorn_cmd_args_fill_what_argv_leaves_open() -> None:
    cmd = one("gunicorn -t 30 app:app", {"GUNICORN_CMD_ARGS": "--timeout 90 --max-requests 500 -w 3"})
    assert (cmd.timeout, cmd.max_requests, cmd.workers) == (30, 500, 3)
    assert sorted(cmd.from_env) == ["max_requests", "workers"]


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        ("flask run", None, dict(debug=False, reload=False, bind="127.0.0.1:5000", app_target=None)),
        (
            "flask --app shop run --debug --host 0.0.0.0",
            None,
            dict(debug=True, reload=True, bind="0.0.0.0:5000", app_target="shop"),
        ),
        (
            "flask -A shop --debug run -p 8000 --no-reload",
            None,
            dict(debug=True, reload=False, bind="127.0.0.1:8000", app_target="shop"),
        ),
        (
            "python -m flask run --host=0.0.0.0 --port=80",
            {"FLASK_APP": "wsgi.py"},
            dict(debug=False, reload=False, bind="0.0.0.0:80", app_target="wsgi.py"),
        ),
        ("FLASK_DEBUG=1 flask run", None, dict(debug=True, reload=True, bind="127.0.0.1:5000", app_target=None)),
        (
            "flask run --no-debug",
            {"FLASK_DEBUG": "true"},
            dict(debug=False, reload=False, bind="127.0.0.1:5000", app_target=None),
        ),
    ],
)
def test_flask_run(command: str, env: dict[str, str | None] | None, expected: dict[str, object]) -> None:
    cmd = one(command, env)
    assert cmd.server == "flask-run"
    assert {k: getattr(cmd, k) for k in expected} == expected


def test_flask_subcommands_other_than_run_are_not_servers() -> None:
    cmd = one("flask db upgrade")
    assert cmd.server == "other" and not cmd.serves_http


@pytest.mark.parametrize(
    ("command", "server", "fields"),
    [
        ("python app.py", "python-script", dict(app_target="app.py")),
        ("python3 -u run.py --port 8000", "python-script", dict(app_target="run.py")),
        ("python -m shop", "python-script", dict(app_target="shop")),
        ("uwsgi --ini uwsgi.ini", "uwsgi", dict(config_file="uwsgi.ini")),
        ("uwsgi deploy/uwsgi.ini", "uwsgi", dict(config_file="deploy/uwsgi.ini")),
        (
            "uwsgi --http :8000 --module app:app --processes 4 --threads 2 --master --harakiri 30",
            "uwsgi",
            dict(bind=":8000", app_target="app:app", workers=4, threads=2, timeout=30),
        ),
        (
            "uwsgi --http-socket :9090 --wsgi-file wsgi.py -p 8 --py-autoreload 1",
            "uwsgi",
            dict(bind=":9090", app_target="wsgi.py", workers=8, reload=True),
        ),
        (
            "waitress-serve --threads=8 --listen=*:8080 shop:app",
            "waitress",
            dict(threads=8, bind="*:8080", app_target="shop:app"),
        ),
        (
            "waitress-serve --host 0.0.0.0 --port 8080 --call shop:create_app",
            "waitress",
            dict(bind="0.0.0.0:8080", app_target="shop:create_app"),
        ),
        (
            "uvicorn asgi:app --workers 4 --host 0.0.0.0 --port 8000 --reload",
            "uvicorn",
            dict(workers=4, bind="0.0.0.0:8000", app_target="asgi:app", reload=True),
        ),
        (
            "hypercorn -w 2 -k trio -b 0.0.0.0:8000 asgi:app",
            "hypercorn",
            dict(workers=2, worker_class="trio", bind="0.0.0.0:8000", app_target="asgi:app"),
        ),
        (
            "celery -A shop.celery worker -c 4 -P gevent --loglevel=info --max-tasks-per-child 100",
            "celery-worker",
            dict(workers=4, worker_class="gevent", app_target="shop.celery", max_requests=100),
        ),
        ("celery worker --app=shop.celery --concurrency=2", "celery-worker", dict(workers=2, app_target="shop.celery")),
        ("python -m celery -A shop beat", "other", dict(app_target="shop")),
        ("./bin/start-web", "other", dict(argv=["./bin/start-web"])),
        ("bin/start-nginx bin/start-pgbouncer", "other", dict()),
    ],
)
def test_other_servers(command: str, server: str, fields: dict[str, object]) -> None:
    cmd = one(command)
    assert cmd.server == server
    assert {k: getattr(cmd, k) for k in fields} == fields


def test_exec_form_argv() -> None:
    cmd = one(["gunicorn", "-w", "4", "--bind", "0.0.0.0:8000", "app:app"])
    assert (cmd.workers, cmd.bind, cmd.app_target) == (4, "0.0.0.0:8000", "app:app")


def test_python_script_only_counts_at_the_end_of_a_chain() -> None:
    commands, _ = analyze_command("python migrate.py && python seed.py && gunicorn app:app", SRC, "web")
    assert [c.server for c in commands] == ["gunicorn"]
    commands, _ = analyze_command("python migrate.py && python app.py", SRC, "web")
    assert [(c.server, c.app_target) for c in commands] == [("python-script", "app.py")]


def test_several_servers_in_one_command() -> None:
    commands, _ = analyze_command("celery -A app worker & gunicorn app:app", SRC, "web")
    assert [c.server for c in commands] == ["celery-worker", "gunicorn"]


@pytest.mark.parametrize("text", ['gunicorn "app:app', "sh -c 'unterminated", "", "   ", "&& ;", "sh -c"])
def test_broken_shell_never_raises(text: str) -> None:
    analyze_command(text, SRC, "web")


def test_split_shell() -> None:
    assert split_shell("a b && c 'd e' ; f | g # comment") == [["a", "b"], ["c", "d e"], ["f"], ["g"]]


# ================================================================ Dockerfile
DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG PYTHON=3.12
FROM python:${PYTHON}-slim AS builder
RUN pip wheel -r requirements.txt
CMD ["flask", "run", "--debug"]

FROM python:${PYTHON}-slim AS runtime
ENV PYTHONUNBUFFERED=1 \\
    WEB_CONCURRENCY=3 \\
    # comment inside a continuation
    APP_HOME=/srv/app
ENV LEGACY_FORM some value with spaces
ARG GIT_SHA
WORKDIR $APP_HOME
RUN <<EOT
echo "CMD inside a heredoc is not an instruction"
EOT
EXPOSE 8000
CMD gunicorn --bind 0.0.0.0:8000 \\
    --timeout 60 \\
    shop.wsgi:app
"""


def test_dockerfile_final_stage_cmd_and_env(tmp_path: Path) -> None:
    model = parse(tmp_path, {"Dockerfile": DOCKERFILE})
    assert model.problems == []
    (cmd,) = model.commands
    assert cmd.server == "gunicorn"
    assert cmd.process == "CMD"
    assert cmd.source == Location("Dockerfile", 19, 1)
    assert (cmd.workers, cmd.timeout, cmd.bind, cmd.app_target) == (3, 60, "0.0.0.0:8000", "shop.wsgi:app")
    assert cmd.from_env == ["workers"]  # from WEB_CONCURRENCY, which gunicorn reads
    assert model.env == [
        EnvSetting("PYTHON", "3.12", Location("Dockerfile", 2, 1), "build-arg"),
        EnvSetting("PYTHONUNBUFFERED", "1", Location("Dockerfile", 8, 1), "image"),
        EnvSetting("WEB_CONCURRENCY", "3", Location("Dockerfile", 8, 1), "image"),
        EnvSetting("APP_HOME", "/srv/app", Location("Dockerfile", 8, 1), "image"),
        EnvSetting("LEGACY_FORM", "some value with spaces", Location("Dockerfile", 12, 1), "image"),
        EnvSetting("GIT_SHA", None, Location("Dockerfile", 13, 1), "build-arg"),
    ]
    assert model.files == {"dockerfile": ["Dockerfile"]}


def test_dockerfile_entrypoint_script_with_cmd(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "docker/Dockerfile.prod": (
                "FROM python:3.12\n"
                'ENTRYPOINT ["/usr/bin/tini", "--", "/docker-entrypoint.sh"]\n'
                'CMD ["gunicorn", "-k", "gevent", "app:app"]\n'
            )
        },
    )
    (cmd,) = model.commands
    assert (cmd.server, cmd.process, cmd.source, cmd.worker_class) == (
        "gunicorn",
        "CMD",
        Location("docker/Dockerfile.prod", 3, 1),
        "gevent",
    )


def test_dockerfile_exec_entrypoint_takes_cmd_as_arguments(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Dockerfile": (
                'FROM python:3.12\nENTRYPOINT ["gunicorn", "--config", "gunicorn.conf.py"]\nCMD ["wsgi:app"]\n'
            )
        },
    )
    (cmd,) = model.commands
    assert (cmd.process, cmd.source.line, cmd.config_file, cmd.app_target) == (
        "ENTRYPOINT",
        2,
        "gunicorn.conf.py",
        "wsgi:app",
    )


def test_dockerfile_invalid_json_cmd_is_shell_form(tmp_path: Path) -> None:
    model = parse(tmp_path, {"Dockerfile": "FROM python\nCMD [gunicorn, app:app]\n"})
    (cmd,) = model.commands
    assert cmd.server == "other"  # "[gunicorn," is what /bin/sh would run


def test_dockerfile_entrypoint_resets_inherited_cmd(tmp_path: Path) -> None:
    model = parse(
        tmp_path, {"Dockerfile": ("FROM python AS base\nCMD flask run\nFROM base\nENTRYPOINT python app.py\n")}
    )
    assert [(c.server, c.process, c.app_target) for c in model.commands] == [("python-script", "ENTRYPOINT", "app.py")]


def test_dockerfile_inherits_cmd_from_named_stage(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {"Dockerfile": ("FROM python AS base\nENV FLASK_DEBUG=1\nCMD flask run --host=0.0.0.0\nFROM base\nRUN true\n")},
    )
    (cmd,) = model.commands
    assert (cmd.server, cmd.debug, cmd.source.line) == ("flask-run", True, 3)


def test_dockerfile_escape_directive(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Dockerfile": (
                "# escape=`\nFROM mcr.microsoft.com/windows/python\nCMD waitress-serve `\n  --threads=16 app:app\n"
            )
        },
    )
    (cmd,) = model.commands
    assert (cmd.server, cmd.threads, cmd.source.line) == ("waitress", 16, 3)


def test_dockerfile_without_cmd(tmp_path: Path) -> None:
    assert parse(tmp_path, {"Dockerfile": "FROM python:3.12\nRUN pip install flask\n"}).commands == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00CMD gunicorn", (0, "binary file; not read")),
        (b"FROM python\n# caf\xe9\nCMD gunicorn app:app\n", (2, "not valid UTF-8; read with replacement characters")),
    ],
)
def test_dockerfile_bad_bytes(tmp_path: Path, content: bytes, problem: tuple[int, str]) -> None:
    model = parse(tmp_path, {"Dockerfile": content})
    assert [(line, msg) for _, line, msg in model.problems] == [problem]
    assert model.problems[0][0] == tmp_path / "Dockerfile"


def test_non_utf8_file_is_still_read(tmp_path: Path) -> None:
    model = parse(tmp_path, {"Dockerfile": b"FROM python\n# caf\xe9\nCMD gunicorn app:app\n"})
    assert [c.server for c in model.commands] == ["gunicorn"]


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Procfile",
        "docker-compose.yml",
        "gunicorn.conf.py",
        "uwsgi.ini",
        ".env",
        "fly.toml",
        "app.yaml",
        "nginx.conf",
    ],
)
def test_empty_files(tmp_path: Path, name: str) -> None:
    model = parse(tmp_path, {name: ""})
    assert model.commands == [] and model.problems == [] and model.env == []


# ================================================================== Procfile
def test_procfile(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Procfile": (
                "# Heroku processes\n"
                "web: WEB_CONCURRENCY=2 gunicorn wsgi:app --preload --max-requests 1200\n"
                "worker:   celery -A shop.celery worker --concurrency 4\n"
                "release: flask db upgrade\n"
                "this line is wrong\n"
            )
        },
    )
    assert [(c.process, c.server, c.source) for c in model.commands] == [
        ("web", "gunicorn", Location("Procfile", 2, 6)),
        ("worker", "celery-worker", Location("Procfile", 3, 11)),
        ("release", "other", Location("Procfile", 4, 10)),
    ]
    web = model.commands[0]
    assert (web.workers, web.preload, web.max_requests) == (2, True, 1200)
    assert model.env == [EnvSetting("WEB_CONCURRENCY", "2", Location("Procfile", 2, 6), "process:web")]
    assert [(line, msg) for _, line, msg in model.problems] == [(5, "not a 'name: command' line; ignored")]
    assert [c.process for c in model.web_commands()] == ["web"]


# ======================================================================= .env
def test_dotenv(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            ".env.example": (
                "# copy to .env\n"
                "FLASK_APP=shop\n"
                "export SECRET_KEY='change-me'  # a comment\n"
                'DATABASE_URL="postgresql://u:p@db/shop" \n'
                "EMPTY=\n"
                "DEBUG=true # inline comment\n"
                'MULTI="line one\n'
                'line two"\n'
                "not an assignment\n"
                "URL=http://x/#anchor\n"
            )
        },
    )
    assert [(e.name, e.value, e.source.line, e.scope) for e in model.env] == [
        ("FLASK_APP", "shop", 2, "env-file"),
        ("SECRET_KEY", "change-me", 3, "env-file"),
        ("DATABASE_URL", "postgresql://u:p@db/shop", 4, "env-file"),
        ("EMPTY", "", 5, "env-file"),
        ("DEBUG", "true", 6, "env-file"),
        ("MULTI", "line one\nline two", 7, "env-file"),
        ("URL", "http://x/#anchor", 10, "env-file"),
    ]
    assert model.env_value("DEBUG") == EnvSetting("DEBUG", "true", Location(".env.example", 6, 1), "env-file")


def test_parse_dotenv_unterminated_quote() -> None:
    assert parse_dotenv("A='open\nB=2\n") == [(1, "A", "open"), (2, "B", "2")]


# =================================================================== compose
COMPOSE = """\
x-app: &app
  build:
    context: .
    dockerfile: docker/Dockerfile
  env_file:
    - .env
  environment:
    FLASK_DEBUG: "0"
    SQLALCHEMY_ECHO: false

services:
  web:
    <<: *app
    command: >
      sh -c "flask db upgrade &&
             gunicorn -w ${WEB_WORKERS:-4} --threads 2 -b 0.0.0.0:8000 shop.wsgi:app"
    deploy:
      replicas: 2
    ports:
      - "8000:8000"
      - target: 9000
        published: 9001
  worker:
    <<: *app
    command: ["celery", "-A", "shop.celery", "worker", "-P", "gevent"]
    environment:
      - C_FORCE_ROOT=1
      - SECRET_KEY
    scale: 3
  proxy:
    image: docker.io/library/nginx:1.25-alpine
    depends_on: [web]
  edge:
    image: traefik:v3.0
    command: --providers.docker
  db:
    image: postgres:16
  dev:
    image: python:3.12
    entrypoint: ["/entrypoint.sh"]
    command: flask run --debug
"""


def test_compose(tmp_path: Path) -> None:
    model = parse(tmp_path, {"docker-compose.yml": COMPOSE})
    assert model.problems == []
    assert [s.name for s in model.services] == ["web", "worker", "proxy", "edge", "db", "dev"]
    web, worker = model.services[:2]
    assert web.source == Location("docker-compose.yml", 12, 3)
    assert (web.build, web.replicas, web.ports, web.env_files) == (".", 2, ["8000:8000", "9001:9000"], [".env"])
    assert web.environment == {"FLASK_DEBUG": "0", "SQLALCHEMY_ECHO": "false"}
    assert (worker.scale, worker.environment) == (3, {"C_FORCE_ROOT": "1", "SECRET_KEY": None})
    assert [s.is_proxy for s in model.services] == [False, False, True, True, False, False]
    assert model.proxies == [
        ProxyDecl("proxy", Location("docker-compose.yml", 30, 3), kind="nginx"),
        ProxyDecl("edge", Location("docker-compose.yml", 33, 3), kind="traefik"),
    ]
    assert [(c.process, c.server, c.source.line) for c in model.commands] == [
        ("service:web", "gunicorn", 14),
        ("service:worker", "celery-worker", 25),
        ("service:dev", "flask-run", 41),
    ]
    gunicorn = model.commands[0]
    assert (gunicorn.workers, gunicorn.threads, gunicorn.app_target) == (4, 2, "shop.wsgi:app")
    assert model.commands[2].debug is True
    env = [(e.name, e.value, e.source.line, e.scope) for e in model.env]
    assert ("FLASK_DEBUG", "0", 8, "service:web") in env
    assert ("SECRET_KEY", None, 28, "service:worker") in env
    assert model.declared_workers() == [
        WorkerDecl("gunicorn", 4, gunicorn.source, threads=2, replicas=2),
    ]


def test_compose_dotenv_feeds_interpolation(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  web:\n    command: gunicorn -w ${WORKERS} app:app\n",
            ".env": "WORKERS=6\n",
        },
    )
    (cmd,) = model.commands
    assert cmd.workers == 6


def test_compose_v1_top_level_services(tmp_path: Path) -> None:
    model = parse(tmp_path, {"docker-compose.yml": "web:\n  image: shop\n  command: python app.py\n"})
    assert [(s.name, s.image) for s in model.services] == [("web", "shop")]
    assert [c.server for c in model.commands] == ["python-script"]


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [
        ("services:\n  web:\n    image: x\n   bad: indent\n", 4, "invalid YAML"),
        ("services: [unclosed\n", 2, "invalid YAML"),
        ("services:\n  web: &a\n    <<: *missing\n", 3, "invalid YAML"),
        ("- just\n- a list\n", 1, "compose file is not a mapping"),
    ],
)
def test_compose_bad_yaml_is_a_problem(tmp_path: Path, text: str, line: int, start: str) -> None:
    model = parse(tmp_path, {"compose.yaml": text})
    ((path, got_line, message),) = model.problems
    assert path == tmp_path / "compose.yaml"
    assert got_line == line
    assert message.startswith(start)


def test_compose_odd_shapes_do_not_raise(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n"
                "  a: null\n"
                "  b:\n    environment: 12\n    ports: 80\n    deploy: {replicas: many}\n    command: 42\n"
                "  c:\n    env_file: {path: ./c.env, required: false}\n    build: ./nginx\n"
            )
        },
    )
    assert model.problems == []
    assert [(s.name, s.replicas, s.env_files, s.is_proxy) for s in model.services] == [
        ("b", None, [], False),
        ("c", None, ["./c.env"], True),
    ]


# ============================================================ gunicorn.conf.py
GUNICORN_CONF = '''\
"""Gunicorn settings for production."""
import multiprocessing
import os

PORT = os.environ.get("PORT", "8000")
bind = f"0.0.0.0:{PORT}"
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
threads = int(os.getenv("GUNICORN_THREADS", 4))
timeout = 60 * 2
max_requests = int(os.environ.get("MAX_REQUESTS") or 1000)
max_requests_jitter: int = 100
preload_app = True
secret = os.environ["SECRET"]
accesslog = "-"
raw_env = ["FLASK_ENV=production"]

if os.environ.get("DEV"):
    reload = True

try:
    import gevent  # noqa: F401
except ImportError:
    worker_class = "sync"

keepalive = 2
keepalive += 1


def post_fork(server, worker):
    from shop import db
    db.engine.dispose()


def when_ready(server):
    server.log.info("ready")
'''


def test_gunicorn_conf(tmp_path: Path) -> None:
    model = parse(tmp_path, {"gunicorn.conf.py": GUNICORN_CONF})
    assert model.problems == []
    (conf,) = model.gunicorn

    def loc(line: int, col: int = 1) -> Location:
        return Location("gunicorn.conf.py", line, col)

    assert conf.settings["bind"] == Setting("bind", "0.0.0.0:8000", loc(6), expr="f'0.0.0.0:{PORT}'")
    assert conf.settings["workers"] == Setting(
        "workers", None, loc(7), expr="multiprocessing.cpu_count() * 2 + 1", cpu_based=True
    )
    assert conf.settings["threads"] == Setting(
        "threads", 4, loc(9), expr="int(os.getenv('GUNICORN_THREADS', 4))", env_var="GUNICORN_THREADS"
    )
    assert conf.settings["timeout"].value == 120
    assert conf.settings["max_requests"].value == 1000
    assert conf.settings["max_requests_jitter"].value == 100
    assert conf.settings["secret"] == Setting("secret", None, loc(14), expr="os.environ['SECRET']", env_var="SECRET")
    assert conf.settings["reload"] == Setting("reload", True, loc(19, 5), expr="True", conditional=True)
    # the later, conditional assignment is the one that is recorded
    assert conf.settings["worker_class"] == Setting("worker_class", "sync", loc(24, 5), expr="'sync'", conditional=True)
    assert conf.settings["keepalive"].value is None and conf.settings["keepalive"].expr == "keepalive += 1"
    assert "PORT" not in conf.settings and "multiprocessing" not in conf.settings
    assert conf.hooks == {"post_fork": loc(30), "when_ready": loc(35)}
    assert (conf.workers, conf.threads, conf.timeout, conf.preload, conf.reload, conf.bind) == (
        None,
        4,
        120,
        True,
        True,
        "0.0.0.0:8000",
    )
    assert conf.get("preload") is conf.settings["preload_app"]
    assert EnvSetting("FLASK_ENV", "production", loc(16), "gunicorn") in model.env


@pytest.mark.parametrize(
    ("source", "value", "cpu_based"),
    [
        ("workers = 4", 4, False),
        ("workers = '4'", "4", False),
        ("import os\nworkers = os.cpu_count()", None, True),
        ("from multiprocessing import cpu_count\nworkers = (2 * cpu_count()) + 1", None, True),
        ("import os\ncores = os.cpu_count() or 1\nworkers = cores * 2", None, True),
        ("import os\nworkers = max(2, len(os.sched_getaffinity(0)))", None, True),
        ("import os\nworkers = int(os.environ.get('WEB_CONCURRENCY', '3'))", 3, False),
        ("import os\nworkers = int(os.environ.get('WEB_CONCURRENCY', os.cpu_count()))", None, True),
        ("workers = compute()", None, False),
        ("n = 2\nworkers = n * 3", 6, False),
    ],
)
def test_gunicorn_worker_expressions(tmp_path: Path, source: str, value: object, cpu_based: bool) -> None:
    (conf,) = parse(tmp_path, {"gunicorn.conf.py": source + "\n"}).gunicorn
    setting = conf.settings["workers"]
    assert (setting.value, setting.cpu_based) == (value, cpu_based)


def test_gunicorn_conf_syntax_error(tmp_path: Path) -> None:
    model = parse(tmp_path, {"gunicorn.conf.py": "workers = 4\nbind = (\n"})
    assert model.gunicorn == []
    ((_, line, message),) = model.problems
    assert line in (2, 3) and message.startswith("syntax error")


def test_gunicorn_conf_never_runs_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    parse(tmp_path, {"gunicorn.conf.py": f"open({str(marker)!r}, 'w').write('x')\nworkers = 2\n"})
    assert not marker.exists()


# ================================================================== uwsgi.ini
def test_uwsgi_ini(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "deploy/uwsgi.ini": (
                "; production\n"
                "[uwsgi]\n"
                "module = shop.wsgi:app\n"
                "master = true\n"
                "processes = 4\n"
                "threads = 2\n"
                "enable-threads\n"
                "harakiri = 30\n"
                "max-requests = 5000\n"
                "lazy-apps = true\n"
                "http-socket = :8000\n"
                "env = FLASK_ENV=production\n"
                "env = DEBUG=0\n"
                "[other]\n"
                "processes = 99\n"
            )
        },
    )
    (ini,) = model.uwsgi
    assert ini.path == "deploy/uwsgi.ini"
    assert (
        ini.processes,
        ini.threads,
        ini.harakiri,
        ini.max_requests,
        ini.master,
        ini.lazy_apps,
        ini.enable_threads,
        ini.http_socket,
        ini.module,
        ini.wsgi_file,
    ) == (4, 2, 30, 5000, True, True, True, ":8000", "shop.wsgi:app", None)
    assert ini.get("processes") == Setting("processes", "4", Location("deploy/uwsgi.ini", 5, 1), expr="4")
    assert [e.name for e in ini.entries].count("env") == 2
    assert [(e.name, e.value, e.scope) for e in model.env] == [
        ("FLASK_ENV", "production", "uwsgi"),
        ("DEBUG", "0", "uwsgi"),
    ]
    assert model.declared_workers() == [WorkerDecl("uwsgi", 4, Location("deploy/uwsgi.ini", 5, 1), threads=2)]


# ========================================================= fly.toml / app.yaml
def test_fly_toml(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "fly.toml": (
                'app = "shop"\n'
                "\n"
                "[env]\n"
                '  FLASK_ENV = "production"\n'
                "  WEB_CONCURRENCY = 2\n"
                "\n"
                "[processes]\n"
                '  app = "gunicorn --bind :8080 shop.wsgi:app"\n'
                '  worker = "celery -A shop.celery worker"\n'
                "\n"
                "[deploy]\n"
                '  release_command = "flask db upgrade"\n'
            )
        },
    )
    assert [(c.process, c.server, c.source.line, c.workers) for c in model.commands] == [
        ("fly:app", "gunicorn", 8, 2),
        ("fly:worker", "celery-worker", 9, None),
    ]
    assert [(e.name, e.value, e.source.line) for e in model.env] == [
        ("FLASK_ENV", "production", 4),
        ("WEB_CONCURRENCY", "2", 5),
    ]


def test_fly_experimental_cmd_and_bad_toml(tmp_path: Path) -> None:
    model = parse(tmp_path, {"fly.toml": '[experimental]\ncmd = ["python", "app.py"]\n'})
    assert [(c.server, c.process, c.source.line) for c in model.commands] == [("python-script", "CMD", 2)]
    bad = parse(tmp_path / "b", {"fly.toml": "[env\n"})
    assert bad.problems[0][1] == 1 and bad.problems[0][2].startswith("invalid TOML")


def test_app_yaml(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "app.yaml": (
                "runtime: python312\n"
                "entrypoint: gunicorn -b :$PORT -w 2 main:app\n"
                "env_variables:\n"
                "  SECRET_KEY: dev\n"
                "  DEBUG: true\n"
            )
        },
    )
    (cmd,) = model.commands
    assert (cmd.process, cmd.source, cmd.workers, cmd.app_target) == (
        "entrypoint",
        Location("app.yaml", 2, 13),
        2,
        "main:app",
    )
    assert cmd.unresolved == {"bind": ":$PORT"}
    assert [(e.name, e.value, e.source.line, e.scope) for e in model.env] == [
        ("SECRET_KEY", "dev", 4, "appengine"),
        ("DEBUG", "true", 5, "appengine"),
    ]


def test_app_yaml_that_is_not_app_engine(tmp_path: Path) -> None:
    model = parse(tmp_path, {"app.yaml": "apiVersion: apps/v1\nkind: Deployment\n---\nkind: Service\n"})
    assert model.commands == [] and model.problems == []


# ===================================================================== nginx
def test_nginx_conf(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "deploy/nginx.conf": (
                "upstream app { server web:8000; }\n"
                "server {\n"
                "  listen 80;\n"
                "  location / {\n"
                "    # proxy_pass http://old;\n"
                "    proxy_pass http://app;\n"
                "    proxy_set_header Host $host;\n"
                "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                "    proxy_set_header X-Forwarded-Proto $scheme;\n"
                "  }\n"
                "}\n"
            )
        },
    )
    assert model.proxies == [
        ProxyDecl(
            "nginx.conf",
            Location("deploy/nginx.conf", 6, 1),
            kind="nginx",
            sets_headers=("host", "x-forwarded-for", "x-forwarded-proto"),
        )
    ]


# ============================================================= model helpers
def test_workers_from_config_file_and_defaults(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Procfile": "web: gunicorn -c config/gunicorn.conf.py app:app\nadmin: gunicorn admin:app\n",
            "config/gunicorn.conf.py": "workers = 5\nthreads = 2\n",
        },
    )
    web, admin = model.commands
    assert model.gunicorn_config_for(web) is model.gunicorn[0]
    assert model.gunicorn_config_for(admin) is None
    assert model.declared_workers() == [
        WorkerDecl("gunicorn", 1, admin.source, default=True),
        WorkerDecl("gunicorn", 5, Location("config/gunicorn.conf.py", 1, 1), threads=2),
    ]


def test_gunicorn_reads_conf_from_working_directory(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Dockerfile": "FROM python\nCMD gunicorn app:app\n",
            "gunicorn.conf.py": "import os\nworkers = os.cpu_count() * 2\n",
        },
    )
    (cmd,) = model.commands
    assert model.gunicorn_config_for(cmd) is model.gunicorn[0]
    (decl,) = model.declared_workers()
    assert (decl.processes, decl.cpu_based, decl.source) == (None, True, Location("gunicorn.conf.py", 2, 1))


def test_web_commands() -> None:
    def cmd(server: str, process: str) -> ServerCommand:
        return ServerCommand(server, [], SRC, process)

    model = DeployModel(
        commands=[
            cmd("gunicorn", "CMD"),
            cmd("celery-worker", "worker"),
            cmd("other", "web"),
            cmd("other", "release"),
            cmd("python-script", "CMD"),
            cmd("flask-run", "service:dev"),
        ]
    )
    assert [(c.server, c.process) for c in model.web_commands()] == [
        ("gunicorn", "CMD"),
        ("other", "web"),
        ("python-script", "CMD"),
        ("flask-run", "service:dev"),
    ]


def test_unknown_kinds_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("CMD gunicorn")
    model = parse_deploy_files([tmp_path / "README.md", tmp_path / "Procfile"], tmp_path)
    assert model.commands == []
    assert [(p.name, line, msg) for p, line, msg in model.problems] == [
        ("Procfile", 0, "cannot read file: No such file or directory")
    ]


KINDS = [
    "Dockerfile",
    "Procfile",
    "docker-compose.yml",
    "gunicorn.conf.py",
    "uwsgi.ini",
    ".env",
    "fly.toml",
    "app.yaml",
    "nginx.conf",
]


@pytest.mark.parametrize("name", KINDS)
def test_garbage_never_raises(tmp_path: Path, name: str) -> None:
    rng = random.Random(name)
    alphabet = "CMD ENV gunicorn -w $ { } [ ] \" ' : = \\ \n \t # & | ; services: - <<: *a &a ( ) % é".split(" ")
    for index in range(60):
        text = "".join(rng.choice(alphabet) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 80)))
        target = tmp_path / str(index)
        target.mkdir()
        (target / name).write_text(text, encoding="utf-8")
        model = parse_deploy_files([target / name], tmp_path)
        assert all(not msg.startswith("internal error") for _, _, msg in model.problems), model.problems
    data = bytes(rng.randrange(1, 256) for _ in range(2000))
    (tmp_path / name).write_bytes(data)
    parse_deploy_files([tmp_path / name], tmp_path)


def test_paths_outside_root_keep_their_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Procfile").write_text("web: gunicorn app:app\n")
    model = parse_deploy_files([tmp_path / "a" / "Procfile"], tmp_path / "b")
    assert model.commands[0].source.path == (tmp_path / "a" / "Procfile").as_posix()


def test_relative_paths_are_made_relative_to_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "Procfile").write_text("web: gunicorn app:app\n")
    monkeypatch.chdir(tmp_path / "deploy")
    model = parse_deploy_files([Path("Procfile")], tmp_path)
    assert model.commands[0].source == Location("deploy/Procfile", 1, 6)
    assert model.files == {"procfile": ["deploy/Procfile"]}


def test_dockerfile_arg_defaults_feed_env_but_not_cmd(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Dockerfile": (
                "FROM python:3.12\n"
                'ARG WORKERS=5 LABEL="two words"\n'
                "ENV WEB_CONCURRENCY=$WORKERS\n"
                "CMD gunicorn --threads ${WORKERS} app:app\n"
            )
        },
    )
    assert [(e.name, e.value, e.scope) for e in model.env] == [
        ("WORKERS", "5", "build-arg"),
        ("LABEL", "two words", "build-arg"),
        ("WEB_CONCURRENCY", "5", "image"),
    ]
    (cmd,) = model.commands
    assert (cmd.workers, cmd.threads, cmd.unresolved) == (5, None, {"threads": "${WORKERS}"})


def test_dockerfile_tabs_blank_continuation_lines_and_lowercase(tmp_path: Path) -> None:
    model = parse(
        tmp_path,
        {
            "Dockerfile": (
                "from python:3.12\nenv\tFLASK_DEBUG=0\ncmd gunicorn \\\n\n    # a comment\n    -w 3 app:app \\\n"
            )
        },
    )
    (cmd,) = model.commands
    assert (cmd.workers, cmd.app_target, cmd.source.line) == (3, "app:app", 3)
    assert [(e.name, e.value) for e in model.env] == [("FLASK_DEBUG", "0")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    """Windows tools save text as UTF-16 with a mark; its NUL bytes do not make it binary."""
    text = "FROM python:3.12\r\nCMD flask run --host=0.0.0.0\r\n"
    data = text.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + text.encode(encoding)
    model = parse(tmp_path, {"Dockerfile": data})
    assert model.problems == []
    assert [c.server for c in model.commands] == ["flask-run"]


def test_utf16_text_that_does_not_decode_is_read_with_replacements(tmp_path: Path) -> None:
    model = parse(tmp_path, {"Dockerfile": b"\xff\xfeC\x00M\x00D\x00 \x00\x00\xd8"})
    assert [(line, msg) for _, line, msg in model.problems] == [
        (0, "not valid UTF-16-LE; read with replacement characters")
    ]
