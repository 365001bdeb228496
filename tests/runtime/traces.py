"""Named recorded traces: what the collectors write for known situations.

Detector tests feed these to one detector at a time (negatives first) and
compare whole findings.
"""

from __future__ import annotations

from flask_doctor.runtime.records import QStat, Site, Trace
from flask_doctor.runtime.stacks import Origin

LAZY_SQL = "SELECT book.id, book.title FROM book WHERE %(param_1)s = book.author_id"
LIST_SQL = "SELECT author.id, author.name FROM author"
SITE = Site("app/views.py", 42, "authors")


def request_trace(
    name: str = "authors.index", path: str = "/authors", status: int = 200, wall: float = 0.05, cpu: float | None = 0.01
) -> Trace:
    t = Trace("request", name)
    t.detail = True  # recorded in detail, as a sampled request is
    t.method = "GET"
    t.path = path
    t.status = status
    t.wall = wall
    t.cpu = cpu
    t.ts = 1000.0
    return t


def n_plus_one(count: int = 25) -> Trace:
    """A loop running one query per item, as recorded without knowing more (no loop, no origin)."""
    t = request_trace()
    t.queries = {LIST_SQL: QStat.of(1, 0.001), LAZY_SQL: QStat.of(count, 0.0004 * count, site=SITE)}
    return t


LIST_SITE = Site("app/views.py", 40, "authors")
LOOP_SITE = Site("app/templates/authors.html", 7, "authors.html")
BOOKS = Origin("relationship", "Author.books", "Author", ("author",), "one-to-many")


def lazy_relationship_in_a_template(count: int = 25) -> Trace:
    """A view lists authors (views.py:40); its template reads author.books per row (authors.html:7)."""
    t = request_trace()
    t.queries = {
        LIST_SQL: QStat.of(1, 0.001, seq=1, first=LIST_SITE, site=LIST_SITE),
        LAZY_SQL: QStat.of(count, 0.0004 * count, site=SITE, seq=2, first=SITE, loop=LOOP_SITE, origin=BOOKS),
    }
    return t


def eager_twin() -> Trace:
    """The same view with selectinload(): two statements, once each."""
    t = request_trace()
    in_list = LAZY_SQL.replace("%(param_1)s = book.author_id", "book.author_id IN (%(p_1)s, %(p_2)s)")
    t.queries = {LIST_SQL: QStat.of(1, 0.001), in_list: QStat.of(1, 0.001)}
    return t


def in_list_variants() -> Trace:
    """Statements that differ only in the length of an IN list share one fingerprint."""
    t = request_trace()
    t.queries = {
        f"SELECT a.id FROM a WHERE a.id IN ({', '.join(['%s'] * n)})": QStat.of(1, 0.001, site=SITE)
        for n in range(1, 7)
    }
    return t


def repeated_pings(count: int = 20) -> Trace:
    """pool_pre_ping's SELECT 1 is not an N+1 (no FROM)."""
    t = request_trace()
    t.queries = {"SELECT 1": QStat.of(count, 0.0001 * count)}
    return t


def huge_result(rows: int = 5000) -> Trace:
    t = request_trace("books.all", "/books")
    t.queries = {"SELECT book.id FROM book": QStat.of(1, 0.2, rows=rows, site=SITE)}
    return t


def job_holding_connection() -> Trace:
    t = Trace("job", "tasks.sync")
    t.detail = True
    t.state = "SUCCESS"
    t.wall = 0.02
    t.held = 1
    t.conn_sites = [Site("app/tasks.py", 12, "sync")]
    return t


def request_holding_connection() -> Trace:
    t = request_trace("conn.leak", "/conn")
    t.held = 2
    return t


def job_leaking_context() -> Trace:
    t = Trace("job", "tasks.report")
    t.detail = True
    t.state = "SUCCESS"
    t.ctx_pushed = 3
    t.ctx_popped = 1
    t.ctx_sites = [Site("app/tasks.py", 30, "report")]
    return t


def not_found_turned_500() -> Trace:
    t = request_trace("(no endpoint)", "/nope", status=500)
    t.routing_code = 404
    return t


def cookies(*set_cookies: str, secure: bool = False) -> Trace:
    t = request_trace("auth.login", "/login")
    t.headers = [("Content-Type", "text/html")] + [("Set-Cookie", c) for c in set_cookies]
    t.secure = secure
    return t


def failed_task(exc: str = "ConnectionError", policy: bool = False, retries: int = 0) -> Trace:
    t = Trace("job", "tasks.push")
    t.detail = True
    t.state = "FAILURE"
    t.exc_type = exc
    t.retries = retries
    t.extra = {"retry_policy": policy, "site": Site("app/tasks.py", 5, "push")}
    t.wall = 0.01
    return t
