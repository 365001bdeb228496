"""What each piece of ``Doctor(app)`` costs, measured alone (µs), to explain the end-to-end figures.

A 2 ms request on a shared 2-core machine moves by tens of µs from one run
to the next, so the few µs the doctor adds are measured on the pieces:

* ``request``: a minimal Flask view (no SQL, no template) with and without
  the doctor, alternating request by request (the WSGI wrapper, the trace,
  the endpoint, the queue);
* ``statement``: one ORM ``SELECT`` by primary key on SQLite inside a trace,
  on an engine without listeners, with a no-op ``do_execute`` listener
  (SQLAlchemy's own event dispatch: the floor any listener pays), with the
  doctor's listener counting (an ordinary request) and recording detail (a
  sampled request);
* ``aggregate``: the background thread's work per finished trace, for an
  ordinary and a detailed one (``Aggregator.process`` plus ``Metrics.observe``).

Usage::

    python -m benchmarks.overhead.components [--rounds 40] [--out FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Column, Integer, String, create_engine, event, select
from sqlalchemy.orm import Session, declarative_base
from werkzeug.test import EnvironBuilder

from benchmarks.overhead.inprocess import ci, trim


def _wsgi_call(app: Any, path: str) -> Callable[[], None]:
    template = EnvironBuilder(path=path, base_url="http://localhost").get_environ()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        pass

    def call() -> None:
        for _ in app(dict(template), start_response):
            pass

    return call


def warm_up(bare: Callable[[], None], instrumented: Callable[[], None], doctor: Any, seconds: float = 3.0) -> None:
    """Steady state: caches warm, and the doctor has adapted its detail sampling to this traffic (2 s)."""
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        bare()
        instrumented()
        n += 1
        if n % 200 == 0:
            doctor.flush()
    doctor.flush()


def request_cost(pairs: int) -> dict[str, float]:
    """Added CPU µs per request of a minimal view: paired, alternating, 1 % trimmed, 95 % CI."""
    from flask_doctor import Doctor

    def make(doctor: bool) -> Flask:
        app = Flask(__name__)

        @app.get("/")
        def index() -> str:
            return "ok"

        if doctor:
            Doctor(app, background=False)
        return app

    bare, doc = make(False), make(True)
    b, d = _wsgi_call(bare, "/"), _wsgi_call(doc, "/")
    doctor = doc.extensions["flask_doctor"]
    warm_up(b, d, doctor)
    clock = time.thread_time
    diffs, base = [], []
    for i in range(pairs):
        first, second = (b, d) if i % 2 == 0 else (d, b)
        t0 = clock()
        first()
        t1 = clock()
        second()
        t2 = clock()
        bb, dd = (t1 - t0, t2 - t1) if i % 2 == 0 else (t2 - t1, t1 - t0)
        diffs.append((dd - bb) * 1e6)
        base.append(bb * 1e6)
        if (i + 1) % 1000 == 0:
            doctor.flush()
    mean, half = ci(trim(diffs, 0.01))
    return {"bare_us": round(statistics.median(base), 2), "added_us": round(mean, 2), "added_ci95": round(half, 2)}


Base = declarative_base()


class Item(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "fdbench_component_item"
    id = Column(Integer, primary_key=True)
    name = Column(String(40))


def statement_cost(rounds: int, per_round: int = 400) -> dict[str, Any]:
    """µs per ORM statement: no listener, a no-op listener, the doctor counting, the doctor recording detail."""
    from flask_doctor.runtime.guard import Part
    from flask_doctor.runtime.records import Trace
    from flask_doctor.runtime.sql import SqlCollector

    def engine(kind: str) -> tuple[Any, ContextVar[Any]]:
        e = create_engine("sqlite://")
        Base.metadata.create_all(e)
        with Session(e) as s:
            s.add_all([Item(id=i, name=f"n{i}") for i in range(1, 11)])
            s.commit()
        current: ContextVar[Any] = ContextVar(f"bench_{kind}", default=None)
        if kind == "noop":
            event.listen(e, "do_execute", lambda cursor, statement, parameters, context: False)
        elif kind == "doctor":
            SqlCollector(current, Part("sql"), slow_query_ms=500, unbounded_rows=1000, capture_params=False).watch(e)
        return e, current

    engines = {kind: engine(kind) for kind in ("none", "noop", "doctor")}

    def run(kind: str, detail: bool) -> float:
        e, current = engines["doctor" if kind.startswith("doctor") else kind]
        trace = Trace("request", "bench")
        trace.detail = detail
        token = current.set(trace)
        try:
            with Session(e) as s:
                stmt = select(Item.name).where(Item.id == 1)
                t0 = time.thread_time()
                for _ in range(per_round):
                    s.execute(stmt).scalar_one()
                return (time.thread_time() - t0) / per_round * 1e6
        finally:
            current.reset(token)
            trace.release_frames()

    variants = {"none": False, "noop listener": False, "doctor, counting": False, "doctor, detail": True}
    kinds = {"none": "none", "noop listener": "noop", "doctor, counting": "doctor", "doctor, detail": "doctor-detail"}
    results: dict[str, list[float]] = {v: [] for v in variants}
    for v, detail in variants.items():
        run(kinds[v], detail)
    for r in range(rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for v in order:
            results[v].append(run(kinds[v], variants[v]))
    base = statistics.median(results["none"])
    return {
        "per_round": per_round,
        "median_us": {v: round(statistics.median(x), 2) for v, x in results.items()},
        "added_us": {v: round(statistics.median(x) - base, 2) for v, x in results.items() if v != "none"},
    }


def aggregate_cost(traces: int = 20_000) -> dict[str, float]:
    """Background µs per finished trace: ordinary (counts only) and detailed (10 statements, one repeated)."""
    from flask_doctor.runtime.aggregate import Aggregator
    from flask_doctor.runtime.detectors import DetectContext
    from flask_doctor.runtime.metrics import Metrics
    from flask_doctor.runtime.records import QStat, Site, Trace
    from flask_doctor.runtime.settings import Settings

    def make(detail: bool, i: int) -> Trace:
        t = Trace("request", f"ep{i % 5}", start=1.0)
        t.method, t.path, t.status, t.wall, t.nq, t.q_time = "GET", "/x", 200, 0.002, 10, 0.001
        t.headers = [("Content-Type", "text/html"), ("Content-Length", "120")]
        if detail:
            t.detail = True
            t.cpu = 0.001
            t.queries = {"SELECT item.name FROM item WHERE item.id = ?": QStat.of(10, 0.001, site=Site("a.py", 3))}
        return t

    out = {}
    for detail in (False, True):
        settings = Settings()
        agg = Aggregator(settings, DetectContext(settings=settings))
        metrics = Metrics()
        spent = 0.0
        for k in range(traces // 1000 + 1):
            batch = [make(detail, i) for i in range(1000)]  # building traces is the request's work, not timed
            t0 = time.process_time()
            agg.process(batch, 1000.0 + k)
            metrics.observe(batch)
            agg.take()
            if k:  # the first batch warms up
                spent += time.process_time() - t0
        out["detail" if detail else "ordinary"] = round(spent / traces * 1e6, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    gc.collect()
    document = {
        "benchmark": "overhead-components",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "request_minimal_view": request_cost(args.pairs),
        "statement_orm_select_sqlite": statement_cost(args.rounds),
        "aggregate_per_trace_us": aggregate_cost(),
    }
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
