"""Measurements taken from the servers' side: PostgreSQL statistics, MariaDB process list, process RSS."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests
from stack.services import REDIS_URL, Run, mariadb_connect, pg_connect


def table_scans(schema: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Scans PostgreSQL started on each table (sequential + index): one per statement that reads it."""
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                "WHERE schemaname = %s AND relname = ANY(%s)",
                (schema, list(tables)),
            )
            return dict(cursor.fetchall())
    finally:
        connection.close()


def settled_scans(
    schema: str, tables: tuple[str, ...], since: dict[str, int] | None = None, timeout: float = 14
) -> dict[str, int]:
    """Read the counters once the server has reported them.

    A backend reports its table statistics when it goes idle, but at most once a second; inside that
    second it waits for its 10 s idle timer (PostgreSQL 15 ``PGSTAT_MIN_INTERVAL``/``PGSTAT_IDLE_INTERVAL``).
    So: with ``since``, wait until the counters move away from it (at most ``timeout``), then until two
    reads 1.2 s apart agree.
    """
    deadline = time.monotonic() + timeout
    last = table_scans(schema, tables)
    while since is not None and last == since and time.monotonic() < deadline:
        time.sleep(0.3)
        last = table_scans(schema, tables)
    while time.monotonic() < deadline:
        time.sleep(1.2)
        now = table_scans(schema, tables)
        if now == last:
            return now
        last = now
    return last


def terminate_postgres(application_name: str) -> int:
    connection = pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                (application_name,),
            )
            return cursor.fetchone()[0]
    finally:
        connection.close()


def kill_mariadb(database: str) -> int:
    db = mariadb_connect()
    try:
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()", (database,)
            )
            ids = [row[0] for row in cursor.fetchall()]
            for connection_id in ids:
                cursor.execute(f"KILL {int(connection_id)}")
            return len(ids)
    finally:
        db.close()


def open_transactions(database: str, pid: int) -> int:
    """Transactions InnoDB holds open for the connections process ``pid`` has to ``database``.

    The process list shows each connection's client address; psutil gives the local ports of ``pid``'s
    sockets to MariaDB, so only that process's connections are counted (S23: a job's session never ended).
    """
    ports = {c.laddr.port for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.port == 3306}
    db = mariadb_connect()
    try:
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT p.HOST FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
                "ON p.ID = t.trx_mysql_thread_id WHERE p.DB = %s",
                (database,),
            )
            hosts = [row[0] for row in cursor.fetchall()]
    finally:
        db.close()
    return sum(1 for host in hosts if host.rsplit(":", 1)[-1].isdigit() and int(host.rsplit(":", 1)[-1]) in ports)


def worker_pids(master_pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(master_pid).children(recursive=False)]


def rss(pids: list[int]) -> int:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids)


def hammer(url_for: Callable[[int], str], count: int, threads: int = 4, timeout: float = 10) -> list[int]:
    """``count`` GETs, ``threads`` at a time; returns the status codes."""

    def one(number: int) -> int:
        return requests.get(url_for(number), timeout=timeout).status_code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def celery_client(run: Run, variant: str):
    from celery import Celery

    client = Celery(f"clinic-e2e-{variant}", broker=REDIS_URL, backend=REDIS_URL)
    client.conf.broker_transport_options = {"global_keyprefix": run.prefix(variant)}
    client.conf.broker_connection_retry_on_startup = True
    return client


def send_task(run: Run, variant: str, name: str, *args: object):
    queue = run.prefix(variant) + "celery"
    return celery_client(run, variant).send_task(name, args=list(args), queue=queue, routing_key=queue, exchange=queue)
