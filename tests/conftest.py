from __future__ import annotations

import pytest

from tests.services import AMQP_URL, MARIADB_URL, POSTGRES_URL, REDIS_URL, require

# Fixture projects are inputs to the checker, not tests.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture
def postgres_url() -> str:
    require("postgresql")
    return POSTGRES_URL


@pytest.fixture
def mariadb_url() -> str:
    require("mariadb")
    return MARIADB_URL


@pytest.fixture
def redis_url() -> str:
    require("redis")
    return REDIS_URL


@pytest.fixture
def amqp_url() -> str:
    require("rabbitmq")
    return AMQP_URL
