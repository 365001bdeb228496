"""SQLAlchemy integration: statement counts, time, rows and call sites.

Hooks engines with ``event.listen`` in ``init_app``; classes are never
patched.  Two hook styles, both documented SQLAlchemy event APIs:

* ``dialect`` (default): the ``do_execute`` / ``do_executemany`` /
  ``do_execute_no_params`` dialect events.  Our listener times the
  dialect's own ``do_execute`` and returns True.  It costs one Python call
  per statement.
* ``cursor``: ``before_cursor_execute`` / ``after_cursor_execute`` on the
  engine.  Any engine-level listener sets ``Engine._has_events``, after
  which SQLAlchemy dispatches four event collections per statement (and
  more per connection and transaction): measured at ~11 µs per ORM
  statement even with no-op listeners, more than the whole overhead budget
  allows (docs/runtime.md, "Overhead").  Used automatically when another
  ``do_execute`` listener is already installed on the engine (ours would
  otherwise shadow it), or with ``FLASK_DOCTOR_SQL_EVENTS=cursor``.

Per statement the listeners count the statement and its time on the trace.
Only traces sampled for detail (a traffic-adaptive sample of requests,
see ``Doctor``; every job) also keep counters per raw statement text
(SQLAlchemy hands the same compiled string object to every execution of
the same query, so the dict lookup hashes a cached hash) and walk the stack
where it pays: the first run of a SELECT, the second and third runs of a
statement (the loop that repeats it), slow or huge ones.  Pool
``checkout``/``checkin`` listeners attribute connections to requests and
jobs; they are connected on demand.
"""

from __future__ import annotations

import weakref
from contextvars import ContextVar
from time import perf_counter
from typing import TYPE_CHECKING, Any

from flask_doctor.redaction import redact_params, redact_text, redact_url
from flask_doctor.runtime.guard import Part
from flask_doctor.runtime.records import QStat, Trace
from flask_doctor.runtime.sites import user_site
from flask_doctor.runtime.stacks import capture, first_site, loop_site

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask
    from sqlalchemy.engine import Engine

try:  # jobs and scripts may use the SQL collector without Flask
    from flask.globals import _cv_request
except ImportError:  # pragma: no cover
    _cv_request = None  # type: ignore[assignment]

try:
    from sqlalchemy import event
except ImportError as exc:  # pragma: no cover - the doctor still watches requests
    raise ImportError("flask-doctor's SQL collector needs SQLAlchemy: pip install sqlalchemy") from exc

MAX_STATEMENTS_PER_TRACE = 500
#: Statements that read rows (whose first run is located, see QStat.first).
_READS = frozenset({"SELECT", "WITH "})
_OWNER = "_flask_doctor_owner"


class CannotHook(Exception):
    """The engines of an app cannot be found: the SQL collector says so instead of showing nothing."""


def app_engines(app: Flask) -> list[Engine]:
    """The engines of the app's Flask-SQLAlchemy extension (every bind); [] without the extension.

    * Flask-SQLAlchemy 3.x creates them in ``init_app`` and keeps them per app
      (``db._app_engines[app]``).
    * Flask-SQLAlchemy 2.x creates each lazily on first use through
      ``db.get_engine(app, bind)`` and re-creates it when the configured URL
      changes; asking for it here is what the app's first query would do.
    """
    ext = app.extensions.get("sqlalchemy")
    if ext is None:
        return []
    per_app = getattr(ext, "_app_engines", None)
    if per_app is not None:  # Flask-SQLAlchemy 3.x
        return list(per_app.get(app, {}).values())
    db = getattr(ext, "db", None)  # Flask-SQLAlchemy 2.x: app.extensions["sqlalchemy"] is a _SQLAlchemyState
    if db is not None and callable(getattr(db, "get_engine", None)):
        binds = [None, *(app.config.get("SQLALCHEMY_BINDS") or {})]
        try:
            return [db.get_engine(app, bind) for bind in binds]
        except Exception as exc:
            raise CannotHook(
                f"Flask-SQLAlchemy could not create the engines ({exc.__class__.__name__}: "
                f"{redact_text(str(exc))[:200]})"
            ) from exc
    raise CannotHook(
        f"app.extensions['sqlalchemy'] is a {type(ext).__module__}.{type(ext).__qualname__}, "
        "not a Flask-SQLAlchemy 2.x or 3.x extension; call doctor.watch_engine(engine) for each engine"
    )


class SqlCollector:
    def __init__(
        self,
        current: ContextVar[Trace | None],
        part: Part,
        *,
        slow_query_ms: float,
        unbounded_rows: int,
        capture_params: bool,
        style: str = "dialect",
    ) -> None:
        self.current = current
        self.part = part
        self.slow_s = slow_query_ms / 1000.0
        self.unbounded_rows = unbounded_rows
        self.capture_params = capture_params
        if style not in ("dialect", "cursor"):
            raise ValueError(f"FLASK_DOCTOR_SQL_EVENTS={style!r}: use dialect or cursor")
        self.style = style
        self.styles: dict[int, str] = {}
        self.engines: weakref.WeakSet[Engine] = weakref.WeakSet()
        #: Pool checkout/checkin listeners cost ~2 µs a request, so they are connected
        #: only where they pay: in job workers, on demand, or once the sampler sees
        #: more connections checked out than requests in flight (a leak).
        self.track_pool = False
        #: Set once a request leaked a connection: from then on checkouts record their call site.
        self.capture_conn_sites = False
        self._make_listeners()

    def configure(self, *, slow_query_ms: float, unbounded_rows: int, capture_params: bool) -> None:
        """New thresholds from the app's settings (``init_app`` after ``watch_engine``); engines stay watched."""
        self.slow_s = slow_query_ms / 1000.0
        self.unbounded_rows = unbounded_rows
        self.capture_params = capture_params

    # ------------------------------------------------------------------ setup
    def watch(self, engine: Engine) -> bool:
        """Listen on ``engine`` (idempotent). Returns True when newly watched."""
        if engine in self.engines:
            return False
        style = self.style
        if style == "dialect" and (
            engine.dialect.dispatch.do_execute
            or engine.dialect.dispatch.do_executemany
            or engine.dialect.dispatch.do_execute_no_params
        ):
            style = "cursor"  # someone else handles execution: never shadow their listener
        if style == "dialect":
            event.listen(engine, "do_execute", self._do_execute)
            event.listen(engine, "do_executemany", self._do_executemany)
            event.listen(engine, "do_execute_no_params", self._do_execute_no_params)
        else:
            event.listen(engine, "before_cursor_execute", self._before)
            event.listen(engine, "after_cursor_execute", self._after)
        self.styles[id(engine)] = style
        if self.track_pool:
            self._listen_pool(engine)
        self.engines.add(engine)
        return True

    def _listen_pool(self, engine: Engine) -> None:
        if not event.contains(engine.pool, "checkout", self._checkout):
            event.listen(engine.pool, "checkout", self._checkout)
            event.listen(engine.pool, "checkin", self._checkin)

    def enable_pool_tracking(self, capture_sites: bool = False) -> None:
        """Attribute checked-out connections to requests and jobs from now on."""
        self.track_pool = True
        if capture_sites:
            self.capture_conn_sites = True
        for engine in list(self.engines):
            self._listen_pool(engine)

    def watch_app(self, app: Flask) -> int:
        """Watch every engine of the app's Flask-SQLAlchemy extension, binds included; how many are new.

        Raises :class:`CannotHook` when the extension's engines cannot be read.
        """
        return sum(1 for e in app_engines(app) if self.watch(e))

    # ------------------------------------------------------------------ hot path
    def _make_listeners(self) -> None:
        """Closures over locals: the cheapest Python listeners (no attribute lookups per call).

        Every traced request pays one count and two clock readings per
        statement.  A request sampled for detail (``Trace.detail``) also keeps
        per-statement counts, times, rows, and, at the second and third
        executions of a statement, the stacks that name the loop repeating it
        (:mod:`flask_doctor.runtime.stacks`).
        """
        get = self.current.get
        part = self.part
        clock = perf_counter
        collector = self
        detail = self._detail

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            rec = get()
            if rec is not None and not part.disabled:
                rec.q_start = clock()

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            rec = get()
            if rec is None or part.disabled:
                return
            dt = clock() - rec.q_start
            rec.q_time += dt
            rec.nq += 1
            if rec.detail or (collector.wanted and rec.nq == 1 and collector._wants(rec)):
                with part:
                    detail(rec, cursor, statement, parameters, dt, executemany)

        def do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
            # The hottest function of the doctor.
            rec = get()
            if rec is None or part.disabled:
                return False
            t0 = clock()
            # Outside the guard on purpose: a database error belongs to the application.
            context.dialect.do_execute(cursor, statement, parameters, context)
            dt = clock() - t0
            rec.q_time += dt
            rec.nq += 1
            if rec.detail or (collector.wanted and rec.nq == 1 and collector._wants(rec)):
                with part:
                    detail(rec, cursor, statement, parameters, dt, False)
            return True

        def do_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
            rec = get()
            if rec is None or part.disabled:
                return False
            t0 = clock()
            context.dialect.do_executemany(cursor, statement, parameters, context)
            dt = clock() - t0
            rec.q_time += dt
            rec.nq += 1
            if rec.detail:
                with part:
                    detail(rec, cursor, statement, parameters, dt, True)
            return True

        def do_execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
            rec = get()
            if rec is None or part.disabled:
                return False
            t0 = clock()
            context.dialect.do_execute_no_params(cursor, statement, context)
            dt = clock() - t0
            rec.q_time += dt
            rec.nq += 1
            if rec.detail:
                with part:
                    detail(rec, cursor, statement, None, dt, False)
            return True

        self._before = before
        self._after = after
        self._do_execute = do_execute
        self._do_executemany = do_executemany
        self._do_execute_no_params = do_execute_no_params

    #: Endpoints that have had too few detailed requests lately (kept by the aggregator): the first
    #: statement of one of their requests switches that request to detail.
    wanted: frozenset[str] | set[str] = frozenset()

    def _wants(self, rec: Trace) -> bool:
        if _cv_request is None or rec.kind != "request":
            return False
        ctx = _cv_request.get(None)
        rule = ctx.request.url_rule if ctx is not None else None
        if rule is not None and rule.endpoint in self.wanted:
            rec.detail = True
            return True
        return False

    def _detail(self, rec: Trace, cursor: Any, statement: str, parameters: Any, dt: float, many: bool) -> None:
        """Per-statement detail of a sampled request (called from the listeners, stack depth fixed)."""
        queries = rec.queries
        q = queries.get(statement)
        if q is None:
            if not queries:
                queries = rec.queries = {}
            elif len(queries) >= MAX_STATEMENTS_PER_TRACE:
                return
            q = queries[statement] = QStat()  # type: ignore[index]
            q.seq = len(queries)
            if self.capture_params:
                q.params = redact_params(parameters, True)
            if statement[:6].upper() in _READS:
                q.first = first_site(skip=3)  # to name the query whose rows a later N+1 iterates
        count = q.count = q.count + 1
        q.time += dt
        if dt > q.max_time:
            q.max_time = dt
        if not many:
            rows = cursor.rowcount
            if rows and rows > 0:
                q.rows += rows
                if rows > q.max_rows:
                    q.max_rows = rows
        if count == 2:
            q.stack, q.origin = capture(skip=3)
            q.site = q.stack.innermost or q.first
            if rec.stacks is None:
                rec.stacks = []
            rec.stacks.append(q)
        elif count == 3 and q.stack is not None:
            q.loop, origin = loop_site(q.stack, skip=3)
            q.origin = q.origin or origin
            q.stack = None
        elif q.site is None and (dt >= self.slow_s or q.max_rows >= self.unbounded_rows):
            q.site = q.first or first_site(skip=3)

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
            out[redact_url(engine.url)] = info
        return out
