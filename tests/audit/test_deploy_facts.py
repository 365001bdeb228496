from __future__ import annotations

from pathlib import Path

import pytest

from flask_doctor.audit.deploy import DeployFacts, detect


def test_nothing_known(tmp_path: Path) -> None:
    facts = detect(cwd=tmp_path)
    assert facts == DeployFacts()
    assert facts.workers_phrase() == "if you run several worker processes"
    assert facts.several_workers() is None


def test_gunicorn_conf_env_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("import os\nworkers = 4\nthreads = 8\nworker_class = 'gthread'\nbind = os.environ['BIND']\n")
    facts = detect(cwd=tmp_path)
    assert facts == DeployFacts(workers=4, threads=8, worker_class="gthread", source="gunicorn.conf.py")
    assert facts.concurrency_per_process() == 8
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "-k gevent --worker-connections=200")
    facts = detect(cwd=tmp_path)
    assert (facts.workers, facts.worker_class, facts.concurrency_per_process()) == (3, "gevent", 200)
    assert facts.source == "gunicorn.conf.py, WEB_CONCURRENCY, GUNICORN_CMD_ARGS"
    assert detect(2, cwd=tmp_path).workers == 2
