"""Gunicorn's settings from argv, GUNICORN_CMD_ARGS, WEB_CONCURRENCY and the config file.

One reader serves ``check``, ``audit`` and the runtime, so it is checked
against gunicorn itself where gunicorn is installed: the same command line,
environment and config file must give the settings gunicorn ends up with.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flask_doctor.static.deploy.gunicorn import (
    ConfigAssignment,
    ConfigFile,
    GunicornOptions,
    find_config,
    load_options,
    parse_argv,
    read_config,
    resolve_options,
    split_cmd_args,
    worker_concurrency,
)

NO_ENV: dict[str, str] = {}


def conf(text: str, path: str = "gunicorn.conf.py") -> ConfigFile:
    return read_config(text, path)


# ======================================================== command line
@pytest.mark.parametrize(
    "argv",
    [
        ["-w", "4", "app:app"],
        ["--workers=4", "app:app"],
        ["--workers", "4", "app:app"],
        ["-w4", "app:app"],
        ["-w=4", "app:app"],
        ["app:app", "-w", "4"],
    ],
)
def test_workers_spellings(argv: list[str]) -> None:
    options = resolve_options(argv, NO_ENV)
    assert options == GunicornOptions(
        workers=4, app_target="app:app", sources={"workers": "command line", "app_target": "command line"}
    )
    assert options.sources["workers"] == "command line"


def test_worker_class_gevent() -> None:
    options = resolve_options(["-k", "gevent", "app:app"], NO_ENV)
    assert (options.worker_class, options.effective_worker_class) == ("gevent", "gevent")
    assert options.concurrency_per_worker() == 1000  # gunicorn's default worker_connections
    options = resolve_options(["-kgevent", "--worker-connections=200", "app:app"], NO_ENV)
    assert (options.worker_class, options.worker_connections, options.concurrency_per_worker()) == ("gevent", 200, 200)


def test_gthread_with_threads() -> None:
    options = resolve_options(["--worker-class", "gthread", "--threads", "8", "app:app"], NO_ENV)
    assert (options.worker_class, options.threads, options.concurrency_per_worker()) == ("gthread", 8, 8)
    # A sync worker given threads is run as gthread.
    options = resolve_options(["--threads=4", "app:app"], NO_ENV)
    assert (options.worker_class, options.effective_worker_class, options.concurrency_per_worker()) == (
        None,
        "gthread",
        4,
    )


def test_other_options_and_flags() -> None:
    options = resolve_options(
        [
            "-t",
            "120",
            "--max-requests",
            "1000",
            "--max-requests-jitter=50",
            "-b",
            "0.0.0.0:8000",
            "--bind",
            "unix:/run/app.sock",
            "--preload",
            "--reload",
            "-c",
            "conf/gunicorn.py",
            "--log-level",
            "debug",
            "wsgi:app",
        ],
        NO_ENV,
    )
    assert (options.timeout, options.max_requests, options.max_requests_jitter) == (120, 1000, 50)
    assert options.bind == ("0.0.0.0:8000", "unix:/run/app.sock")
    assert (options.preload, options.reload, options.config_file, options.app_target) == (
        True,
        True,
        "conf/gunicorn.py",
        "wsgi:app",
    )


def test_nothing_said_is_none_not_a_default() -> None:
    options = resolve_options([], NO_ENV)
    assert options == GunicornOptions()
    assert options.effective_worker_class == "sync"
    assert options.concurrency_per_worker() == 1


def test_parse_argv_keeps_raw_words() -> None:
    found, positionals = parse_argv(["-w", "$WORKERS", "-e", "A=1", "--env=B=2", "app:app"])
    assert found == {"workers": ["$WORKERS"], "env": ["A=1", "B=2"]}
    assert positionals == ["app:app"]
    assert resolve_options(["-w", "$WORKERS"], NO_ENV).workers is None


def test_split_cmd_args() -> None:
    assert split_cmd_args("-w 3 --access-logformat '%(h)s %(r)s'") == ["-w", "3", "--access-logformat", "%(h)s %(r)s"]
    assert split_cmd_args("-w 3 'unbalanced") == ["-w", "3", "'unbalanced"]


# ======================================================== layering
def test_argv_wins_over_gunicorn_cmd_args_over_config_over_web_concurrency() -> None:
    config = conf("workers = 2\nthreads = 3\ntimeout = 60\nworker_class = 'gthread'\n")
    env = {"WEB_CONCURRENCY": "9", "GUNICORN_CMD_ARGS": "--threads 5 -t 90"}
    options = resolve_options(["-t", "120", "app:app"], env, config)
    assert (options.workers, options.threads, options.timeout, options.worker_class) == (2, 5, 120, "gthread")
    assert dict(options.sources) == {
        "workers": "gunicorn.conf.py",
        "threads": "GUNICORN_CMD_ARGS",
        "timeout": "command line",
        "worker_class": "gunicorn.conf.py",
        "app_target": "command line",
    }


def test_web_concurrency_is_only_the_default() -> None:
    assert resolve_options([], {"WEB_CONCURRENCY": "3"}).workers == 3
    assert resolve_options([], {"WEB_CONCURRENCY": "3"}, conf("timeout = 5\n")).workers == 3
    assert resolve_options([], {"WEB_CONCURRENCY": "3"}, conf("workers = 5\n")).workers == 5
    assert resolve_options([], {"WEB_CONCURRENCY": "many"}).sources == {}


def test_config_value_that_cannot_be_known_still_overrides() -> None:
    config = conf("import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n")
    options = resolve_options([], {"WEB_CONCURRENCY": "3"}, config)
    assert options.workers is None and options.sources == {"workers": "gunicorn.conf.py"}
    config = conf("import os\nif os.environ.get('DEV'):\n    workers = 1\nelse:\n    workers = 4\n")
    assert resolve_options([], NO_ENV, config).workers is None  # which branch runs is not known


def test_names_gunicorn_ignores_in_a_config_file() -> None:
    options = resolve_options([], NO_ENV, conf("preload = True\n_cores = 4\nWORKERS = 2\n"))
    assert options == GunicornOptions()
    options = resolve_options([], NO_ENV, conf("preload_app = True\nwsgi_app = 'app:app'\nbind = ['a:1', 'b:2']\n"))
    assert (options.preload, options.app_target, options.bind) == (True, "app:app", ("a:1", "b:2"))


# ======================================================== config file
def test_read_config_values_and_hooks() -> None:
    config = conf(
        "import os\n"
        "CORES = 2\n"
        "workers = int(os.environ.get('WEB_CONCURRENCY', CORES * 2))\n"
        "threads = max(2, 4)\n"
        "def post_fork(server, worker):\n"
        "    pass\n"
        "timeout += 5\n"
    )
    assert config.assignments == [
        ConfigAssignment(
            "workers", 4, 3, 1, "int(os.environ.get('WEB_CONCURRENCY', CORES * 2))", env_var="WEB_CONCURRENCY"
        ),
        ConfigAssignment("threads", 4, 4, 1, "max(2, 4)"),
        ConfigAssignment("timeout", None, 7, 1, "timeout += 5"),
    ]
    assert config.hooks == {"post_fork": (5, 1)}


def test_read_config_with_an_environment() -> None:
    text = "import os\nworkers = int(os.environ.get('W', 2))\nbind = os.environ['BIND']\n"
    assert read_config(text).settings["workers"].value == 2
    assert read_config(text).settings["bind"].value is None
    config = read_config(text, environ={"W": "7", "BIND": "0.0.0.0:80"})
    assert (config.settings["workers"].value, config.settings["bind"].value) == (7, "0.0.0.0:80")


def test_read_config_raises_for_invalid_python() -> None:
    with pytest.raises(SyntaxError):
        read_config("workers = (\n")


def test_find_config(tmp_path: Path) -> None:
    assert find_config([], NO_ENV, tmp_path) is None
    (tmp_path / "gunicorn.conf.py").write_text("workers = 2\n")
    assert find_config([], NO_ENV, tmp_path) == tmp_path / "gunicorn.conf.py"
    env = {"GUNICORN_CMD_ARGS": "-c deploy/g.py"}
    assert find_config([], env, tmp_path) == tmp_path / "deploy/g.py"
    assert find_config(["--config=file:/etc/g.py"], env, tmp_path) == Path("/etc/g.py")
    assert find_config(["-c", "python:settings.gunicorn"], NO_ENV, tmp_path) is None


def test_load_options_reads_the_config_gunicorn_reads(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("import os\nworkers = int(os.environ.get('W', 2))\nthreads = 4\n")
    options = load_options(["-w", "3"], {"W": "5"}, tmp_path)
    assert (options.workers, options.threads) == (3, 4)
    assert dict(options.sources) == {"workers": "command line", "threads": "gunicorn.conf.py"}
    assert load_options([], {"W": "5"}, tmp_path).workers == 5
    (tmp_path / "gunicorn.conf.py").write_text("workers = (\n")
    assert load_options([], NO_ENV, tmp_path) == GunicornOptions()


@pytest.mark.parametrize(
    ("worker_class", "threads", "connections", "expected"),
    [
        (None, None, None, 1),
        ("sync", 1, None, 1),
        ("sync", 8, None, 8),
        ("gthread", None, None, 1),
        ("gevent", 8, None, 1000),
        ("eventlet", None, 50, 50),
        ("egg:gunicorn#gevent", None, 10, 10),
        ("uvicorn.workers.UvicornWorker", None, None, 1),
    ],
)
def test_worker_concurrency(
    worker_class: str | None, threads: int | None, connections: int | None, expected: int
) -> None:
    assert worker_concurrency(worker_class, threads, connections) == expected


# ======================================================== against gunicorn
_GUNICORN_PROBE = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
app = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
cfg = app.cfg
print(json.dumps({"workers": cfg.workers, "threads": cfg.threads, "worker_class": cfg.worker_class_str,
                  "worker_connections": cfg.worker_connections, "timeout": cfg.timeout,
                  "max_requests": cfg.max_requests, "preload": cfg.preload_app}))
"""


@pytest.mark.parametrize(
    ("argv", "cmd_args", "config"),
    [
        (["-w", "4"], "", None),
        (["--workers=4"], "", None),
        (["-w4"], "", None),
        (["-k", "gevent"], "", None),
        (["--worker-class", "gthread", "--threads", "8"], "", None),
        (["--threads", "3"], "", None),
        (["-w", "5"], "", "workers = 2\nthreads = 3\n"),
        (["--worker-connections", "50"], "-w 7 -k eventlet", "workers = 2\ntimeout = 60\n"),
        (["-w", "3"], "-w 7 --max-requests 100", "workers = 2\npreload_app = True\n"),
        ([], "--workers 6", "workers = 2\n"),
        ([], "", "import os\nworkers = int(os.environ.get('NOT_SET_HERE', 3))\nworker_class = 'gevent'\n"),
    ],
)
def test_same_settings_as_gunicorn(tmp_path: Path, argv: list[str], cmd_args: str, config: str | None) -> None:
    pytest.importorskip("gunicorn")
    import json

    if config is not None:
        (tmp_path / "gunicorn.conf.py").write_text(config)
    env = {"PATH": "/usr/bin:/bin", "GUNICORN_CMD_ARGS": cmd_args} if cmd_args else {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _GUNICORN_PROBE, *argv, "app:app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    theirs = json.loads(done.stdout)
    ours = load_options([*argv, "app:app"], env, tmp_path)
    defaults = {"workers": 1, "threads": 1, "worker_connections": 1000, "timeout": 30, "max_requests": 0}
    mine = {
        name: getattr(ours, name) if getattr(ours, name) is not None else default for name, default in defaults.items()
    }
    mine["worker_class"] = ours.effective_worker_class
    mine["preload"] = ours.preload
    assert mine == theirs


# ======================================================== import cost
def test_gunicorn_reader_imports_nothing_heavy() -> None:
    """The runtime imports it inside a production worker: no YAML, TOML, static model or findings."""
    code = (
        "import sys, flask_doctor.static.deploy.gunicorn\n"
        "print(sorted(m for m in sys.modules if m.startswith(('flask_doctor', 'yaml', 'tomli'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == str(
        [
            "flask_doctor",
            "flask_doctor.bounded_read",
            "flask_doctor.dataclass",
            "flask_doctor.static",
            "flask_doctor.static.deploy",
            "flask_doctor.static.deploy.gunicorn",
            "flask_doctor.static.deploy.options",
            "flask_doctor.static.deploy.values",
        ]
    )


def test_package_exports_resolve() -> None:
    import flask_doctor.static.deploy as deploy

    assert sorted(deploy.__all__) == sorted(deploy._EXPORTS)
    for name in deploy.__all__:
        assert getattr(deploy, name) is not None
    with pytest.raises(AttributeError):
        deploy.no_such_name  # noqa: B018
