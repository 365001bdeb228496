"""What the audit touches: no connection without ``--probe``, nothing left behind with it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from celery import Celery
from flask_caching import Cache
from flask_sqlalchemy import SQLAlchemy

from tests.audit.conftest import RedisKeys, audit_with_extra, make_app


class CountingListener:
    """A loopback socket that counts who connects and closes each connection at once."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    server = CountingListener()
    yield server
    server.close()


def _app_pointing_at(port: int):  # type: ignore[no-untyped-def]
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"postgresql://nobody@127.0.0.1:{port}/nothing",
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=f"redis://127.0.0.1:{port}/0",
    )
    SQLAlchemy(app)
    Cache(app)
    app.extensions["celery"] = Celery("footprint", broker=f"amqp://guest:guest@127.0.0.1:{port}//")
    return app


def test_without_probe_the_audit_opens_no_connection(listener: CountingListener) -> None:
    audit_with_extra(_app_pointing_at(listener.port))
    assert listener.accepted == 0


def test_with_probe_the_audit_does_connect(listener: CountingListener) -> None:
    # the counterpart that shows the listener sees a probe (so the test above can fail)
    _, extra = audit_with_extra(_app_pointing_at(listener.port), probe=True)
    assert listener.accepted >= 1
    assert extra["probes"]["databases"] and not extra["probes"]["databases"][0]["reachable"]


@pytest.mark.services
def test_probe_leaves_nothing_behind(postgres_url: str, redis_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    client = redis.Redis.from_url(redis_url)

    def tables() -> set[str]:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())

    tables_before, keys_before = tables(), RedisKeys(client)
    app = make_app(SQLALCHEMY_DATABASE_URI=postgres_url, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    SQLAlchemy(app)
    Cache(app)
    _, extra = audit_with_extra(app, probe=True)
    assert extra["probes"]["databases"][0]["reachable"] and extra["probes"]["redis"]
    assert tables() == tables_before
    assert keys_before.unchanged()
    engine.dispose()
