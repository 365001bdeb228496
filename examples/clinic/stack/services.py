"""One isolated run of the clinic: its schema, database, key prefix, and the processes it starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

CLINIC = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER, PG_DB = "127.0.0.1", 5432, "postgres", "test"
MARIADB_HOST, MARIADB_PORT, MARIADB_USER = "127.0.0.1", 3306, "root"
REDIS_URL = os.environ.get("CLINIC_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "clinic-doctor-token"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def missing_services() -> list[str]:
    wanted = {"PostgreSQL": PG_PORT, "MariaDB": MARIADB_PORT, "Redis": 6379}
    return [f"{name} (127.0.0.1:{port})" for name, port in wanted.items() if not port_open(port)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_connect():
    import psycopg2

    connection = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DB)
    connection.autocommit = True
    return connection


def mariadb_connect(database: str | None = None):
    import pymysql

    return pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER, database=database,
                           autocommit=True)


@dataclass
class Proc:
    """A process we started, in its own process group, with its output in a log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Run:
    """Everything one run owns; ``drop()`` removes it all again."""

    logs: Path
    upstream_url: str = "http://127.0.0.1:9"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: list[Proc] = field(default_factory=list)

    @property
    def schema(self) -> str:
        return f"clinic_{self.run_id}"

    @property
    def reports_db(self) -> str:
        return f"clinic_{self.run_id}"

    def prefix(self, variant: str) -> str:
        return f"clinic-{self.run_id}-{variant}:"

    def app_name(self, variant: str, role: str) -> str:
        return f"clinic-{variant}-{role}-{self.run_id}"

    def database_url(self, variant: str, role: str) -> str:
        options = quote(f"-csearch_path={self.schema}")
        return (f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}"
                f"?options={options}&application_name={self.app_name(variant, role)}")

    def env(self, variant: str, role: str = "web", **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        paths = [str(CLINIC / variant)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env.update(
            PYTHONPATH=os.pathsep.join(paths),
            DATABASE_URL=self.database_url(variant, role),
            REPORTS_DATABASE_URL=f"mysql+pymysql://{MARIADB_USER}@{MARIADB_HOST}:{MARIADB_PORT}/{self.reports_db}",
            REDIS_URL=REDIS_URL,
            CLINIC_PREFIX=self.prefix(variant),
            UPSTREAM_URL=self.upstream_url,
            SECRET_KEY=f"clinic-{self.run_id}-{uuid.uuid4().hex}",
            FLASK_DOCTOR_TOKEN=TOKEN,
            PYTHONUNBUFFERED="1",
        )
        if variant == "sick":
            env.pop("SECRET_KEY")
        env.update(extra)
        return env

    # ------------------------------------------------------------ data
    def create(self) -> None:
        with pg_connect() as connection, connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{self.schema}"')
        connection.close()
        db = mariadb_connect()
        with db.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{self.reports_db}`")
        db.close()
        self.flask("cured", "db", "upgrade")
        self.flask("cured", "clinic", "seed", "--patients", "20")
        self.flask("cured", "clinic", "init-reports")

    def flask(self, variant: str, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=CLINIC / variant,
                                env=self.env(variant, "cli", SOCKETIO_ASYNC_MODE="threading"),
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def drop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        try:
            connection = pg_connect()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE %s",
                               (f"clinic-%-{self.run_id}",))
                cursor.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            connection.close()
        except Exception as exc:  # noqa: BLE001 - cleaning up: report, go on
            print(f"could not drop schema {self.schema}: {exc}", file=sys.stderr)
        try:
            db = mariadb_connect()
            with db.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.reports_db}`")
            db.close()
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop database {self.reports_db}: {exc}", file=sys.stderr)
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for variant in ("sick", "cured"):
                keys = list(client.scan_iter(match=f"{self.prefix(variant)}*", count=500))
                for start in range(0, len(keys), 500):
                    client.delete(*keys[start:start + 500])
        except Exception as exc:  # noqa: BLE001
            print(f"could not delete redis keys of {self.run_id}: {exc}", file=sys.stderr)

    # ------------------------------------------------------------ processes
    def start(self, name: str, variant: str, argv: list[str], env: dict[str, str]) -> Proc:
        log = self.logs / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(argv, cwd=CLINIC / variant, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def gunicorn(self, variant: str, workers: int, worker_class: str | None = None, **extra_env: str) -> Web:
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers)]
        if worker_class:
            argv += ["--worker-class", worker_class]
        argv.append("wsgi:app")
        proc = self.start(f"{variant}-web-{port}", variant, argv, self.env(variant, "web", **extra_env))
        web = Web(proc, f"http://127.0.0.1:{port}", port)
        web.wait()
        return web

    def uvicorn(self, variant: str) -> Web:
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log"]
        proc = self.start(f"{variant}-asgi-{port}", variant, argv,
                          self.env(variant, "web", SOCKETIO_ASYNC_MODE="threading"))
        web = Web(proc, f"http://127.0.0.1:{port}", port)
        web.wait()
        return web

    def celery(self, variant: str) -> Proc:
        module = "clinic.worker" if variant == "cured" else "clinic.tasks"
        argv = [sys.executable, "-m", "celery", "-A", module, "worker", "--pool", "solo", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{variant}-{self.run_id}@%h"]
        proc = self.start(f"{variant}-celery", variant, argv,
                          self.env(variant, "worker", SOCKETIO_ASYNC_MODE="threading"))
        return proc

    def rq(self, variant: str) -> Proc:
        argv = [sys.executable, "-m", "rq.cli", "worker", "--url", REDIS_URL, "--worker-class",
                "rq.worker.SimpleWorker", f"{self.prefix(variant)}reports"]
        return self.start(f"{variant}-rq", variant, argv,
                          self.env(variant, "rq", SOCKETIO_ASYNC_MODE="threading"))


@dataclass
class Web:
    proc: Proc
    url: str
    port: int

    def wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.popen.poll() is not None:
                raise RuntimeError(f"{self.proc.name} exited:\n{self.proc.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.proc.name} did not answer /health in {timeout}s:\n{self.proc.tail()}")
