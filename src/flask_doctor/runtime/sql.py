"""SQLAlchemy integration: statement counts, time, rows and call sites.

Hooks engines with ``event.listen`` (``before/after_cursor_execute`` on the
engine, ``checkout/checkin`` on its pool); classes are never patched.  The
listeners do almost nothing when no request or job is being traced, and per
statement they only bump counters in a dict keyed by the raw statement text
(SQLAlchemy hands the same compiled string object to every execution of the
same query, so the dict lookup hashes a cached hash).  The user's call site
is computed only for statements that repeat, are slow, or return many rows.
"""

from __future__ import annotations

import weakref
from contextvars import ContextVar
from time import perf_counter
from typing import TYPE_CHECKING, Any, Iterable

from flask_doctor.runtime.guard import Part
from flask_doctor.runtime.records import QStat, Trace
from flask_doctor.runtime.redact import redact_params, redact_url
from flask_doctor.runtime.sqltext import user_site

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask
    from sqlalchemy.engine import Engine

try:
    from sqlalchemy import event
except ImportError as exc:  # pragma: no cover - the doctor still watches requests
    raise ImportError("flask-doctor's SQL collector needs SQLAlchemy: pip install sqlalchemy") from exc

MAX_STATEMENTS_PER_TRACE = 500
_OWNER = "_flask_doctor_owner"


class SqlCollector:
    def __init__(
        self,
        current: ContextVar[Trace | None],
        part: Part,
        *,
        slow_query_ms: float,
        unbounded_rows: int,
        capture_params: bool,
    ) -> None:
        self.current = current
        self.part = part
        self.slow_s = slow_query_ms / 1000.0
        self.unbounded_rows = unbounded_rows
        self.capture_params = capture_params
        self.engines: weakref.WeakSet[Engine] = weakref.WeakSet()
        #: Set once a request leaked a connection: from then on checkouts record their call site.
        self.capture_conn_sites = False

    # ------------------------------------------------------------------ setup
    def watch(self, engine: Engine) -> bool:
        """Listen on ``engine`` (idempotent). Returns True when newly watched."""
        if engine in self.engines:
            return False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine.pool, "checkout", self._checkout)
        event.listen(engine.pool, "checkin", self._checkin)
        self.engines.add(engine)
        return True

    def unwatch_all(self) -> None:
        for engine in list(self.engines):
            for name, fn in (("before_cursor_execute", self._before), ("after_cursor_execute", self._after)):
                if event.contains(engine, name, fn):
                    event.remove(engine, name, fn)
            for name, fn in (("checkout", self._checkout), ("checkin", self._checkin)):
                if event.contains(engine.pool, name, fn):
                    event.remove(engine.pool, name, fn)
        self.engines = weakref.WeakSet()

    def watch_app(self, app: Flask) -> int:
        """Watch every engine of the app's Flask-SQLAlchemy extension, binds included."""
        db = app.extensions.get("sqlalchemy")
        if db is None:
            return 0
        engines: Iterable[Engine] = ()
        app_engines = getattr(db, "_app_engines", None)
        if app_engines is not None and app in app_engines:
            engines = list(app_engines[app].values())
        else:  # pragma: no cover - other Flask-SQLAlchemy versions
            with app.app_context():
                engines = list(db.engines.values())
        return sum(1 for e in engines if self.watch(e))

    # ------------------------------------------------------------------ hot path
    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        rec = self.current.get()
        if rec is None or self.part.disabled:
            return
        with self.part:
            rec.q_start = perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        rec = self.current.get()
        if rec is None or self.part.disabled:
            return
        with self.part:
            dt = perf_counter() - rec.q_start
            rec.q_time += dt
            queries = rec.queries
            q = queries.get(statement)
            if q is None:
                if len(queries) >= MAX_STATEMENTS_PER_TRACE:
                    return
                q = queries[statement] = QStat()
                if self.capture_params:
                    q.params = redact_params(parameters, True)
            q.count += 1
            q.time += dt
            if dt > q.max_time:
                q.max_time = dt
            rows = cursor.rowcount if not executemany else -1
            if rows is not None and rows > 0:
                q.rows += rows
                if rows > q.max_rows:
                    q.max_rows = rows
            if q.site is None and (q.count == 2 or dt >= self.slow_s or (rows or 0) >= self.unbounded_rows):
                q.site = user_site()

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        rec = self.current.get()
        if rec is None or self.part.disabled:
            return
        with self.part:
            rec.conns += 1
            record.info[_OWNER] = rec
            if rec.kind == "job" or self.capture_conn_sites:
                site = user_site()
                if site is not None:
                    if rec.conn_sites is None:
                        rec.conn_sites = []
                    if len(rec.conn_sites) < 4:
                        rec.conn_sites.append(site)

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        if self.part.disabled:
            return
        with self.part:
            owner = record.info.pop(_OWNER, None) if record is not None else None
            if owner is not None:
                owner.conns -= 1

    # ------------------------------------------------------------------ inspection
    def pools(self) -> dict[str, dict[str, Any]]:
        """Checked-out connections per watched engine (for ``snapshot()``)."""
        out: dict[str, dict[str, Any]] = {}
        for engine in list(self.engines):
            pool = engine.pool
            info: dict[str, Any] = {"class": type(pool).__name__}
            for attr in ("checkedout", "size", "overflow", "checkedin"):
                fn = getattr(pool, attr, None)
                if callable(fn):
                    try:
                        info[attr.replace("checkedout", "checked_out").replace("checkedin", "checked_in")] = fn()
                    except Exception:  # pragma: no cover - exotic pools
                        pass
            max_overflow = getattr(pool, "_max_overflow", None)
            if max_overflow is not None:
                info["max_overflow"] = max_overflow
            out[redact_url(engine.url.render_as_string(hide_password=True))] = info
        return out
