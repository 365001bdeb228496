from __future__ import annotations

from pathlib import Path

import pytest

from flask_doctor.audit.deploy import DeployFacts, detect


@pytest.fixture(autouse=True)
def _no_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)


def test_nothing_known(tmp_path: Path) -> None:
    facts = detect(cwd=tmp_path)
    assert facts == DeployFacts()
    assert facts.workers_phrase() == "if you run several worker processes"
    assert facts.several_workers() is None
    assert facts.concurrency_per_process() is None


def test_gunicorn_conf_env_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gunicorn.conf.py").write_text(
        "import os\nworkers = 4\nthreads = 8\nworker_class = 'gthread'\nbind = os.environ['BIND']\n"
    )
    facts = detect(cwd=tmp_path)
    assert facts == DeployFacts(workers=4, threads=8, worker_class="gthread", source="gunicorn.conf.py")
    assert facts.concurrency_per_process() == 8
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "-k gevent --worker-connections=200")
    facts = detect(cwd=tmp_path)
    # WEB_CONCURRENCY is only gunicorn's default for ``workers``: the config file's 4 wins over it.
    assert (facts.workers, facts.worker_class, facts.concurrency_per_process()) == (4, "gevent", 200)
    assert facts.source == "gunicorn.conf.py, GUNICORN_CMD_ARGS"
    facts = detect(2, cwd=tmp_path)
    assert (facts.workers, facts.source) == (2, "gunicorn.conf.py, GUNICORN_CMD_ARGS, --workers")


def test_web_concurrency_when_the_config_does_not_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gunicorn_config.py").write_text("timeout = 60\n")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    facts = detect(cwd=tmp_path)
    assert facts == DeployFacts(workers=3, source="WEB_CONCURRENCY")
    assert facts.workers_phrase() == "with 3 worker processes (WEB_CONCURRENCY)"
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "-w5 --threads=2")
    assert detect(cwd=tmp_path) == DeployFacts(workers=5, threads=2, source="GUNICORN_CMD_ARGS")


def test_config_reads_this_machines_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gunicorn.conf.py").write_text(
        "import multiprocessing, os\n"
        "workers = int(os.environ.get('GUNICORN_WORKERS', 2))\n"
        "threads = multiprocessing.cpu_count() * 2\n"
    )
    facts = detect(cwd=tmp_path)
    # threads is set, to a CPU-count based value: unknown, not guessed.
    assert (facts.workers, facts.threads, facts.source) == (2, None, "gunicorn.conf.py")
    monkeypatch.setenv("GUNICORN_WORKERS", "6")
    assert detect(cwd=tmp_path).workers == 6


def test_config_named_in_gunicorn_cmd_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("workers = 2\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "prod.py").write_text("workers = 9\n")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "-c deploy/prod.py")
    facts = detect(cwd=tmp_path)
    assert (facts.workers, facts.source) == (9, "deploy/prod.py")


def test_unreadable_config_counts_as_absent(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("workers = (\n")
    assert detect(cwd=tmp_path) == DeployFacts()
