"""Each cure, shown by behaviour: the same request against the sick app and the cured app."""

from __future__ import annotations

import http.client
import json
import queue
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from stack.proxy import ReverseProxy
from stack.services import Run, Web, pg_connect
from stack.upstream import Upstream

from tests.e2e.conftest import Client
from tests.e2e.helpers import (
    hammer,
    kill_mariadb,
    open_transactions,
    rss,
    send_task,
    settled_scans,
    terminate_postgres,
    worker_pids,
)


# ------------------------------------------------------------ S03 sessions, S14 counters (3 workers each)
@pytest.fixture(scope="module")
def three_workers(run: Run) -> Iterator[dict[str, Web]]:
    webs = {"sick": run.gunicorn("sick", 3), "cured": run.gunicorn("cured", 3)}
    yield webs
    for web in webs.values():
        web.proc.stop()


def _me_statuses(web: Web, cookie: str, count: int = 50) -> list[int]:
    def one(_: int) -> int:
        reply = requests.get(web.url + "/me", headers={"Cookie": cookie}, allow_redirects=False, timeout=10)
        return reply.status_code

    with ThreadPoolExecutor(3) as pool:  # three at a time, so every worker takes its share
        return list(pool.map(one, range(count)))


def test_s03_cured_login_survives_every_worker(three_workers: dict[str, Web]) -> None:
    client = Client(three_workers["cured"].url)
    client.login()
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
    statuses = _me_statuses(three_workers["cured"], cookie)
    assert statuses.count(200) == 50, statuses


def test_s03_sick_per_worker_key_logs_users_out(three_workers: dict[str, Web]) -> None:
    client = Client(three_workers["sick"].url)
    client.login()
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
    statuses = _me_statuses(three_workers["sick"], cookie)
    # Signed by one worker's os.urandom key: the other workers see no session and send the user to /login.
    assert statuses.count(302) > 0 and statuses.count(200) > 0, statuses


def test_s14_counter_in_redis_counts_every_visit(three_workers: dict[str, Web]) -> None:
    counts = {}
    for variant, web in three_workers.items():
        with ThreadPoolExecutor(3) as pool:
            replies = list(
                pool.map(lambda _, url=web.url: requests.get(url + "/visits", timeout=10).json()["visits"], range(30))
            )
        counts[variant] = max(replies)
    assert counts["cured"] == 30
    assert counts["sick"] < 30  # each worker process counts only its own visits


# ------------------------------------------------------------ S12 N+1, counted by PostgreSQL
def _scans_for_patient_list(run: Run, web: Web) -> int:
    client = Client(web.url)
    client.login()
    tables = ("patients", "appointments")
    before = settled_scans(run.schema, tables)
    reply = client.get("/patients")
    assert reply.status_code == 200
    patients = len(reply.json()["patients"])
    after = settled_scans(run.schema, tables, since=before)
    assert patients == 20
    return sum(after[t] - before.get(t, 0) for t in tables)


def test_s12_patient_list_queries_sick_1_plus_n_cured_2(run: Run, sick: Web, cured: Web) -> None:
    """Scans started on the two tables, from pg_stat_user_tables of this run's own schema."""
    assert _scans_for_patient_list(run, sick) == 1 + 20
    assert _scans_for_patient_list(run, cured) == 2


# ------------------------------------------------------------ S22 stale connections
def test_s22_postgres_connections_killed_on_the_server(run: Run, sick: Web, cured: Web) -> None:
    results = {}
    for variant, web in (("sick", sick), ("cured", cured)):
        client = Client(web.url)
        client.login()
        assert client.get("/patients").status_code == 200
        killed = terminate_postgres(run.app_name(variant, "web"))
        assert killed >= 1
        results[variant] = client.get("/patients").status_code
    assert results == {"sick": 500, "cured": 200}


def test_s22_mariadb_connections_killed_on_the_server(run: Run, sick: Web, cured: Web) -> None:
    clients = {"sick": Client(sick.url), "cured": Client(cured.url)}
    for client in clients.values():
        client.login()
        assert client.get("/reports/summary").status_code == 200
    assert kill_mariadb(run.reports_db) >= 2
    results = {variant: client.get("/reports/summary").status_code for variant, client in clients.items()}
    assert results == {"sick": 500, "cured": 200}


# ------------------------------------------------------------ S04 / S21 Celery
def _new_notification(run: Run) -> int:
    connection = pg_connect()
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{run.schema}".notifications (appointment_id) VALUES (1) RETURNING id')
        notification_id = cursor.fetchone()[0]
    connection.close()
    return notification_id


def test_s04_transient_failure_retried_cured_lost_sick(run: Run, upstream: Upstream, celery_workers) -> None:
    email = f"lost-{run.run_id}@clinic.test"
    upstream.fail_first[email] = 1
    result = send_task(run, "sick", "clinic.tasks.send_reminder", email, "See you tomorrow")
    assert result.get(timeout=30) is None and result.state == "SUCCESS"  # recorded as a success...
    time.sleep(2)
    assert upstream.attempts.get(email) == 1 and email not in upstream.delivered  # ...and never sent

    notification_id = _new_notification(run)
    key = f"notification-{notification_id}"
    upstream.fail_first[key] = 2
    result = send_task(run, "cured", "clinic.tasks.send_reminder", notification_id)
    assert result.get(timeout=30) == "sent"
    assert upstream.attempts[key] == 3 and upstream.delivered[key] == 1
    connection = pg_connect()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT attempts, sent_at IS NOT NULL FROM "{run.schema}".notifications WHERE id = %s', (notification_id,)
        )
        assert cursor.fetchone() == (3, True)
    connection.close()


def test_s21_db_session_in_task_needs_an_app_context(run: Run, celery_workers) -> None:
    assert send_task(run, "cured", "clinic.tasks.count_patients").get(timeout=30) == 20
    failed = send_task(run, "sick", "clinic.tasks.count_patients")
    with pytest.raises(Exception, match="application context"):
        failed.get(timeout=30)


# ------------------------------------------------------------ S23 RQ job sessions
def test_s23_rq_job_session_removed_cured_left_open_sick(run: Run) -> None:
    from redis import Redis
    from rq import Queue
    from stack.services import REDIS_URL

    connection = Redis.from_url(REDIS_URL)
    outcome = {}
    for variant in ("sick", "cured"):
        worker = run.rq(variant)
        try:
            job = Queue(run.prefix(variant) + "reports", connection=connection).enqueue(
                "clinic.jobs.export_daily_report", "2030-01-07"
            )
            deadline = time.monotonic() + 60
            while job.get_status(refresh=True) not in ("finished", "failed") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert job.get_status() == "finished", (job.get_status(), worker.tail())
            outcome[variant] = open_transactions(run.reports_db, worker.popen.pid)
        finally:
            worker.stop()
    # The sick job's scoped_session is never removed: its connection keeps a transaction open in InnoDB.
    assert outcome == {"sick": 1, "cured": 0}


# ------------------------------------------------------------ S08 Socket.IO across workers
def _listen(url: str, transports: list[str] | None) -> tuple[object, queue.Queue]:
    import socketio

    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("next_patient", lambda data: received.put(data["message"]))
    client.connect(url, transports=transports, wait_timeout=5)
    return client, received


def _drain(received: queue.Queue, wait: float) -> list[str]:
    messages, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            messages.append(received.get(timeout=0.2))
        except queue.Empty:
            continue
    return messages


def test_s08_cured_message_from_any_worker_and_from_celery_arrives(run: Run, cured: Web, celery_workers) -> None:
    listener, received = _listen(cured.url, ["websocket"])
    try:
        client = Client(cured.url)
        client.login()
        for ticket in range(6):  # six requests, spread over both gevent workers
            token = client.csrf_token("/waiting-room/call")
            assert client.post("/waiting-room/call", data={"ticket": str(ticket), "csrf_token": token}).ok
        send_task(run, "cured", "clinic.tasks.announce", "Ticket from the front desk")
        messages = _drain(received, 5)
    finally:
        listener.disconnect()
    assert sorted(messages) == sorted([f"Ticket {n}" for n in range(6)] + ["Ticket from the front desk"])


def test_s08_sick_message_from_celery_is_lost(run: Run, celery_workers) -> None:
    """Even on gevent workers (so sync workers are not the reason), the sick app's emits reach no one.

    The Celery worker's own Socket.IO server has no clients and no queue to pass the message on.
    """
    web = run.gunicorn("sick", 2, worker_class="gevent")
    try:
        listener, received = _listen(web.url, ["websocket"])
        try:
            assert listener.connected
            send_task(run, "sick", "clinic.tasks.announce", "Ticket from the front desk").get(timeout=30)
            messages = _drain(received, 4)
        finally:
            listener.disconnect()
    finally:
        web.proc.stop()
    assert messages == []


# ------------------------------------------------------------ S13 caching
def test_s13_each_user_gets_their_own_dashboard(sick: Web, cured: Web) -> None:
    for variant, web in (("sick", sick), ("cured", cured)):
        alice, bob = Client(web.url), Client(web.url)
        alice.login("alice@clinic.test")
        bob.login("bob@clinic.test")
        assert alice.get("/dashboard").json()["user"] == "Alice"
        seen_by_bob = bob.get("/dashboard").json()["user"]
        assert seen_by_bob == ("Alice" if variant == "sick" else "Bob"), variant


# ------------------------------------------------------------ S24 behind a proxy
def _through_proxy(web: Web, spoof: str | None) -> dict:
    proxy = ReverseProxy(web.port).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10, source_address=("127.0.0.2", 0))
        headers = {"Host": "clinic.test"}
        if spoof:
            headers["X-Forwarded-For"] = spoof
        connection.request("GET", "/whoami", headers=headers)
        reply = connection.getresponse()
        assert reply.status == 200
        return json.loads(reply.read())
    finally:
        proxy.stop()


def test_s24_client_address_behind_the_proxy(sick: Web, cured: Web) -> None:
    cured_seen = _through_proxy(cured, spoof="203.0.113.9")
    assert cured_seen["remote_addr"] == cured_seen["client_ip"] == "127.0.0.2"  # the real client, not the spoof
    assert cured_seen["scheme"] == "https" and cured_seen["external_url"].startswith("https://clinic.test/")
    sick_seen = _through_proxy(sick, spoof="203.0.113.9")
    assert sick_seen["remote_addr"] == "127.0.0.3"  # the proxy's address
    assert sick_seen["client_ip"] == "203.0.113.9"  # the header read by hand trusts whatever the client sent
    assert sick_seen["scheme"] == "http"


# ------------------------------------------------------------ S01 / S11 / S16 memory
def _growth(web: Web, tag: str) -> int:
    pids = worker_pids(web.proc.popen.pid)
    hammer(lambda n: f"{web.url}/search?q=warm-{tag}-{n % 50}", 200)
    before = rss(pids)
    statuses = hammer(lambda n: f"{web.url}/search?q={tag}-{n}", 2000)
    assert statuses.count(200) == 2000
    return rss(pids) - before


def test_s11_search_leak_grows_rss_sick_not_cured(sick: Web, cured: Web) -> None:
    sick_growth, cured_growth = _growth(sick, "s"), _growth(cured, "c")
    print(f"RSS growth over 2,000 searches: sick {sick_growth / 1e6:.1f} MB, cured {cured_growth / 1e6:.1f} MB")
    assert sick_growth > 8_000_000
    assert cured_growth < 3_000_000


# ------------------------------------------------------------ S17 / S09 blocking
def _health_latency_while_slow(web: Web, client: Client, slow: int) -> tuple[float, list[int]]:
    with ThreadPoolExecutor(slow + 1) as pool:
        slow_calls = [pool.submit(client.get, f"/insurance/{9000 + n + int(time.time())}") for n in range(slow)]
        time.sleep(0.4)
        start = time.monotonic()
        assert requests.get(web.url + "/health", timeout=15).status_code == 200
        latency = time.monotonic() - start
        statuses = [call.result().status_code for call in slow_calls]
    return latency, statuses


def test_s17_slow_upstream_starves_sync_worker_not_gevent(sick: Web, cured: Web, upstream: Upstream) -> None:
    upstream.insurer_delay = 3.0
    try:
        sick_client, cured_client = Client(sick.url), Client(cured.url)
        sick_client.login()
        cured_client.login()
        sick_latency, sick_statuses = _health_latency_while_slow(sick, sick_client, 1)
        cured_latency, cured_statuses = _health_latency_while_slow(cured, cured_client, 4)
    finally:
        upstream.insurer_delay = 0.0
    print(f"/health while the insurer hangs: sick {sick_latency:.2f}s, cured {cured_latency:.2f}s")
    assert sick_latency > 2.0 and sick_statuses == [200]
    assert cured_latency < 0.5 and cured_statuses == [504] * 4  # bounded by the 2 s timeout


# ------------------------------------------------------------ S18 async view
def test_s18_async_view_concurrent_only_on_asgi(run: Run, sick: Web) -> None:
    asgi = run.uvicorn("cured")
    try:
        timings = {}
        for variant, url in (("sick", sick.url), ("cured", asgi.url)):
            requests.get(url + "/availability", timeout=15)  # warm: imports, first connections
            start = time.monotonic()
            reply = requests.get(url + "/availability", timeout=15)
            timings[variant] = time.monotonic() - start
            assert reply.status_code == 200 and len(reply.json()["availability"]) == 4
        assert requests.get(asgi.url + "/health", timeout=5).status_code == 200  # the Flask app behind asgiref
    finally:
        asgi.proc.stop()
    print(f"/availability (4 calendars, 0.5 s each): sick {timings['sick']:.2f}s, cured {timings['cured']:.2f}s")
    assert timings["sick"] >= 1.9  # four calendars one after the other
    assert timings["cured"] < 1.2 and timings["cured"] < timings["sick"] / 2  # asked at once


# ------------------------------------------------------------ S20 CSRF and cookies
def test_s20_cross_site_post_refused_and_cookie_flags(sick: Web, cured: Web) -> None:
    outcome, cookies = {}, {}
    for variant, web in (("sick", sick), ("cured", cured)):
        client = Client(web.url)
        cookies[variant] = client.login().headers["Set-Cookie"]
        reply = client.post(
            "/appointments/new",
            allow_redirects=False,
            headers={"Origin": "https://evil.example", "Referer": "https://evil.example/form"},
            data={"patient_id": "1", "starts_at": "2030-02-01T10:00", "reason": "forged"},
        )
        outcome[variant] = reply.status_code
    assert outcome == {"sick": 302, "cured": 400}
    flags = {part.strip().lower() for part in cookies["cured"].split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert "samesite=none" in cookies["sick"].lower() and "secure" not in cookies["sick"].lower()
