"""Request collectors and detectors on a real app (SQLite, in-process)."""

from __future__ import annotations

import inspect
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException

from flask_doctor import Doctor
from flask_doctor.findings import Location
from flask_doctor.runtime.middleware import RUN_DELAY
from tests.runtime.apps import shop
from tests.runtime.conftest import SIGNALS

SHOP = "tests/runtime/apps/shop.py"


@pytest.fixture
def make_app() -> Iterator[Any]:
    apps: list[Flask] = []

    def make(**kwargs: Any) -> Flask:
        app = shop.create_app(**kwargs)
        apps.append(app)
        return app

    yield make
    shop.LEAK.clear()


def codes(app: Flask) -> list[str]:
    return sorted(f.code for f in app.extensions["flask_doctor"].findings())


def test_a_plain_request_is_recorded_without_findings(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/hello", headers={"X-Request-Start": f"t={int((time.time() - 0.05) * 1000)}"}).data == b"hello"
    doctor = app.extensions["flask_doctor"]
    assert doctor.findings() == []
    [r] = doctor.requests()
    assert (r["kind"], r["name"], r["method"], r["path"], r["status"], r["size"], r["queries"]) == (
        "request",
        "hello",
        "GET",
        "/hello",
        200,
        5,
        0,
    )
    assert r["cpu_ms"] is not None and r["wall_ms"] >= r["cpu_ms"] * 0.5
    assert 40 <= r["queue_ms"] < 5000  # the proxy stamped it 50 ms before the app saw it
    snap = doctor.snapshot()
    assert snap["endpoints"]["hello"]["count"] == 1
    assert snap["in_flight"] == 0


def test_server_error_burst_with_first_traceback(make_app: Any) -> None:
    app = make_app(config={"TESTING": False}, error_burst=3)
    client = app.test_client()
    assert client.get("/boom?d=1").status_code == 200
    for _ in range(2):
        assert client.get("/boom").status_code == 500
    assert codes(app) == []
    assert client.get("/boom").status_code == 500
    [f] = app.extensions["flask_doctor"].findings()
    assert (f.code, f.obj, f.location) == ("FD570", "endpoint:boom", Location(SHOP, shop.site_line("boom")))
    assert f.message == "endpoint:boom answered 3 server errors in 60 s (builtins.ZeroDivisionError)"
    assert "ZeroDivisionError: division by zero" in f.evidence[1].message
    assert "s3cr3t-key-for-tests-only" not in f.evidence[1].message


def test_error_handler_turning_404_into_500(make_app: Any) -> None:
    good = make_app(config={"TESTING": False})

    @good.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        return e

    @good.errorhandler(Exception)
    def good_handler(e: Exception) -> Any:
        return "oops", 500

    assert good.test_client().get("/nope").status_code == 404
    assert codes(good) == []

    bad = make_app(config={"TESTING": False})

    @bad.errorhandler(Exception)
    def catch_all(e: Exception) -> Any:  # turns every 404 into a 500
        return "oops", 500

    assert bad.test_client().get("/nope").status_code == 500
    [f] = bad.extensions["flask_doctor"].findings()
    assert (f.code, f.name, f.message) == (
        "FD501",
        "error-handler-swallows-http-errors",
        "a 404 for GET /nope was answered with 500",
    )
    assert f.location == Location("tests/runtime/test_requests.py", catch_all.__code__.co_firstlineno + 1)


@pytest.mark.filterwarnings("ignore:The 'session' cookie is too large")
def test_cookies_on_real_responses(make_app: Any) -> None:
    safe = make_app(config={"SESSION_COOKIE_SECURE": True})
    client = safe.test_client()
    client.get("/login")
    client.get("/login", base_url="https://localhost")
    assert codes(safe) == []

    unsafe = make_app(config={"SESSION_COOKIE_HTTPONLY": False})
    client = unsafe.test_client()
    client.get("/login", base_url="https://localhost")
    client.get("/tracking")
    client.get("/big-session")
    found = {(f.code, f.message.split(" is ")[0]) for f in unsafe.extensions["flask_doctor"].findings()}
    assert found == {
        ("FD303", "cookie 'session' was set without the HttpOnly flag"),
        ("FD303", "cookie 'session' was set without the Secure flag"),
        ("FD304", "cookie 'track' has SameSite=None without Secure; browsers reject it"),
        ("FD370", "the session cookie"),
    }


def test_blocking_and_slow_endpoints(make_app: Any) -> None:
    app = make_app(min_samples=3, blocking_ms=100, slow_endpoint_ms=40)
    client = app.test_client()
    for _ in range(3):
        client.get("/sleep")
        client.get("/cpu")
    found = {(f.code, f.obj) for f in app.extensions["flask_doctor"].findings()}
    assert found == {("FD401", "endpoint:sleepy"), ("FD470", "endpoint:sleepy"), ("FD470", "endpoint:cpu")}


@pytest.mark.skipif(
    not RUN_DELAY or not hasattr(os, "sched_setaffinity"),
    reason="the time a thread waits for a CPU is read from Linux's schedstat",
)
def test_cpu_contention_is_not_blocking(make_app: Any) -> None:
    """A CPU-bound view sharing its CPU with busy processes is slow, and waits, but blocks on nothing."""
    app = make_app(min_samples=3, blocking_ms=100, slow_endpoint_ms=40)
    client = app.test_client()
    before = os.sched_getaffinity(0)
    cpu = min(before)
    burn = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"
    os.sched_setaffinity(0, {cpu})  # this thread, which runs the requests, and five busy processes
    burners = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(5)]
    try:
        time.sleep(0.3)  # the burners are up and spinning
        for _ in range(3):
            client.get("/cpu")
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
        os.sched_setaffinity(0, before)
    doctor = app.extensions["flask_doctor"]
    walls = sorted(r["wall_ms"] for r in doctor.requests())
    cpus = sorted(r["cpu_ms"] for r in doctor.requests())
    # Wall minus CPU alone would call this blocking: most of each request was spent off the CPU.
    assert walls[1] - cpus[1] >= 100 and (walls[1] - cpus[1]) / walls[1] >= 0.8, (walls, cpus)
    found = {(f.code, f.obj) for f in doctor.findings()}
    assert found == {("FD470", "endpoint:cpu")}


def test_context_pushed_in_a_job_and_never_popped(make_app: Any) -> None:
    app = make_app()
    doctor = app.extensions["flask_doctor"]
    with doctor.job("clean"):
        with app.app_context():
            pass
    assert doctor.findings() == []
    leaked = [app.app_context(), app.app_context()]
    with doctor.job("leaky"):
        leaked[0].push()  # never popped
    [f] = doctor.findings()
    assert (f.code, f.obj, f.message, f.location) == (
        "FD105",
        "task:leaky",
        "task:leaky pushed 1 application context(s) that were never popped",
        None,
    )
    # The first leak switches on push/pop signals: the next one comes with its call site.
    with doctor.job("leaky"):
        leaked[1].push()  # never popped
    [f] = doctor.findings()
    if SIGNALS:
        assert f.location is not None and f.location.path == "tests/runtime/test_requests.py"
    else:  # Flask < 2.3 without blinker: no signals, no call sites, and the doctor says so
        assert f.location is None
        assert "blinker is not installed" in doctor.snapshot()["collectors"]["contexts"]["detail"]
    for ctx in reversed(leaked):  # leave the test process clean
        ctx.pop()


@pytest.mark.skipif(not SIGNALS, reason="threads are watched through signals: blinker is needed on Flask < 2.3")
def test_context_leak_in_a_thread(make_app: Any) -> None:
    app = make_app(context_signals=True)
    doctor = app.extensions["flask_doctor"]
    contexts = []

    def worker() -> None:
        for _ in range(3):
            ctx = app.app_context()
            ctx.push()
            contexts.append(ctx)

    thread = threading.Thread(target=worker, name="poller")
    thread.start()
    thread.join()
    doctor.sample_memory()
    [f] = doctor.findings()
    assert (f.code, f.obj) == ("FD105", "thread:poller")


def test_leaking_view_is_found_and_non_leaking_is_not(make_app: Any) -> None:
    # The leak keeps 128 KiB per request; allocator noise in a long test
    # process can reach a few KiB per request, so judge at 32 KiB.
    app = make_app(
        container_every=20,
        container_growth=50,
        container_min_samples=5,
        memory_window=40,
        memory_growth_bytes=8 << 20,
        leak_bytes_per_request=32 << 10,
    )
    doctor = app.extensions["flask_doctor"]
    client = app.test_client()
    rng = random.Random(5)
    for _block in range(40):
        path = "/leak" if rng.random() < 0.5 else "/noleak"
        for _ in range(10):
            client.get(path)
        doctor.sample_memory()
    found = {(f.code, f.obj) for f in doctor.findings()}
    assert found == {("FD170", "endpoint:leak"), ("FD101", "global:tests.runtime.apps.shop.LEAK")}, [
        (f.code, f.obj, [e.message for e in f.evidence]) for f in doctor.findings()
    ]
    by_code = {f.code: f for f in doctor.findings()}
    leak_line = next(n for n, line in enumerate(open(shop.__file__), 1) if line.startswith("LEAK:"))
    assert by_code["FD101"].location == Location(SHOP, leak_line)
    assert by_code["FD170"].location == Location(SHOP, app.view_functions["leak"].__code__.co_firstlineno + 1)


def test_sampling_rate_zero_traces_nothing(make_app: Any) -> None:
    app = make_app(sample_rate=0.0)
    app.test_client().get("/hello")
    assert app.extensions["flask_doctor"].requests() == []


def test_kill_switch_installs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DOCTOR_ENABLED", "0")
    app = Flask(__name__)
    app.debug = True
    wsgi = app.wsgi_app
    doctor = Doctor(app)
    assert app.wsgi_app == wsgi
    assert "flask_doctor" not in app.blueprints
    assert app.test_client().get("/_doctor/").status_code == 404
    assert doctor.findings() == []


def test_factory_pattern_init_app() -> None:
    doctor = Doctor(background=False)
    app = Flask(__name__)
    doctor.init_app(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    assert [r["name"] for r in doctor.requests()] == ["index"]
    assert app.extensions["flask_doctor"] is doctor


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["/usr/bin/python", "app.py"], {}, 0),
        (["/venv/bin/gunicorn", "app:app"], {}, 1),
        (["/venv/bin/gunicorn", "-w", "4", "--threads", "8", "app:app"], {}, 8),
        (["/venv/lib/python3.11/site-packages/gunicorn/__main__.py", "-k", "gevent", "app:app"], {}, 1000),
        (["/venv/bin/gunicorn", "app:app"], {"GUNICORN_CMD_ARGS": "--worker-class=gthread --threads=4"}, 4),
        (["/venv/bin/gunicorn", "-k", "gevent", "--worker-connections", "50", "app:app"], {}, 50),
    ],
)
def test_capacity_from_the_gunicorn_command_line(argv: list[str], env: dict[str, str], expected: int) -> None:
    from flask_doctor.runtime.capacity import detect_capacity

    assert detect_capacity(argv, env) == expected


def test_tracemalloc_top_growing_sites(make_app: Any) -> None:
    app = make_app(tracemalloc=True)
    doctor = app.extensions["flask_doctor"]
    try:
        client = app.test_client()
        doctor.sample_memory()  # the baseline
        for _ in range(20):
            client.get("/leak")
        doctor.sample_memory()
        top = doctor.snapshot()["tracemalloc"]
        assert top and top[0]["site"] == f"{SHOP}:{shop.site_line('leak')}"
        assert top[0]["growth_bytes"] >= 20 * 128 * 1024
    finally:
        doctor.tracemalloc.stop()


def test_flask_sqlalchemy_binds_are_watched() -> None:
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SQLALCHEMY_BINDS={"reports": "sqlite://"},
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
    )
    db = SQLAlchemy()  # its own instance: binds would leak into the shared shop.db
    db.init_app(app)
    doctor = Doctor(app, background=False)
    reports = shop.engines(db, app)["reports"]

    @app.get("/report")
    def report() -> Any:
        with reports.connect() as conn:
            return str(
                [conn.execute(text("SELECT 1 FROM (SELECT 1) AS t WHERE :i > 0"), {"i": i}).scalar() for i in range(6)]
            )

    assert app.test_client().get("/report").status_code == 200
    [f] = doctor.findings()
    assert (f.code, f.obj) == ("FD202", "endpoint:report")
    # the line of the statement, found in the source so layout changes do not move the target
    lines, first = inspect.getsourcelines(report)
    statement = first + next(i for i, line in enumerate(lines) if "conn.execute(" in line)
    assert f.location == Location("tests/runtime/test_requests.py", statement)
    assert len(doctor.sql.engines) == 2
