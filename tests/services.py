"""Real services for tests: PostgreSQL, MariaDB, Redis, RabbitMQ on loopback.

A test that needs one asks for its fixture. When the service is absent the
test is skipped with the reason, unless FLASK_DOCTOR_REQUIRE_SERVICES=1 (CI),
where an absent service is a failure: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_URL = os.environ.get("FLASK_DOCTOR_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("FLASK_DOCTOR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("FLASK_DOCTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("FLASK_DOCTOR_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")

PORTS = {"postgresql": 5432, "mariadb": 3306, "redis": 6379, "rabbitmq": 5672}


def services_required() -> bool:
    return os.environ.get("FLASK_DOCTOR_REQUIRE_SERVICES") == "1"


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(service: str) -> None:
    """Skip (or fail under CI) when ``service`` does not answer on loopback."""
    port = PORTS[service]
    if port_open(port):
        return
    message = f"{service} is not reachable on 127.0.0.1:{port}"
    if services_required():
        pytest.fail(f"{message} and FLASK_DOCTOR_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)
