"""FD471 under real gunicorn: sustained concurrent load, never one client's requests one after another."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.runtime.serving import get, gunicorn

TOKEN = "saturation-token-1234"


def _run(base: str, clients: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            assert get(base + "/sleep")[0] == 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _saturation(base: str) -> list[dict[str, object]]:
    time.sleep(0.5)
    status, body = get(base + "/_doctor/api/findings", TOKEN)
    assert status == 200
    return [f for f in json.loads(body)["findings"] if f["code"] == "FD471"]


def _env() -> dict[str, str]:
    return {"FD_TEST_TOKEN": TOKEN, "FD_TEST_MEMORY_INTERVAL": "0.1", "FD_TEST_PREFIX": f"fdsat:{uuid.uuid4().hex}:"}


@pytest.mark.slow
def test_one_sequential_client_does_not_saturate_a_sync_worker(tmp_path: Path) -> None:
    with gunicorn("tests.runtime.apps.served:app", _env(), ["-w", "1"], log=tmp_path / "g.log") as base:
        _run(base, clients=1, seconds=4)
        assert _saturation(base) == []


@pytest.mark.slow
def test_concurrent_clients_saturate_a_threaded_worker(tmp_path: Path) -> None:
    args = ["-w", "1", "-k", "gthread", "--threads", "2"]
    with gunicorn("tests.runtime.apps.served:app", _env(), args, log=tmp_path / "g.log") as base:
        _run(base, clients=8, seconds=4)
        [finding] = _saturation(base)
    assert str(finding["message"]).startswith("worker ") and "had 2 of 2 slots busy" in str(finding["message"])
