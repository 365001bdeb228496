"""Extensions in ``app.extensions``: SQLAlchemy engines, caching, Socket.IO, Login, Limiter."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from flask_doctor.audit.checks._common import line_of, qualname, user_globals
from flask_doctor.audit.context import AuditContext
from flask_doctor.audit.messages import Message
from flask_doctor.audit.redact import redact_url
from flask_doctor.audit.registry import register
from flask_doctor.audit.sources import make_location
from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Evidence, Finding, Location, Severity

NO_STALE_GUARD = Message(
    "FD204",
    '{label} ({url}) has neither pool_pre_ping nor pool_recycle: after the server, a proxy or a firewall drops an idle connection, the next request fails with "{error}"',
    'SQLALCHEMY_ENGINE_OPTIONS = {{"pool_pre_ping": True, "pool_recycle": 1800}} (pool_recycle below the server\'s idle timeout)',
)
TRACK_MODIFICATIONS = Message(
    "FD205",
    "SQLALCHEMY_TRACK_MODIFICATIONS = True: every ORM change also fires Flask-SQLAlchemy's signal bookkeeping (memory and time per commit)",
    "remove the setting (Flask-SQLAlchemy 3.x defaults it to False)",
)
TRACK_MODIFICATIONS_UNSET = Message(
    "FD205",
    "SQLALCHEMY_TRACK_MODIFICATIONS is not set, and Flask-SQLAlchemy {version} treats unset as on: every ORM change also fires its signal bookkeeping (memory and time per commit)",
    "set SQLALCHEMY_TRACK_MODIFICATIONS = False (the default from Flask-SQLAlchemy 3.0 on)",
)
ECHO = Message(
    "FD206",
    "{label} logs every SQL statement (echo={echo}): slow, noisy, and it writes query parameters (personal data) to the logs",
    "set SQLALCHEMY_ECHO = False (or echo=False) in production",
)
SMALL_POOL = Message(
    "FD207",
    "{label} holds at most {capacity} connections (pool_size={size} + max_overflow={overflow}) but one worker serves {concurrency} requests at once ({how}): requests wait pool_timeout={timeout}s for a connection, then fail",
    'size the pool to the worker\'s concurrency: SQLALCHEMY_ENGINE_OPTIONS = {{"pool_size": {concurrency}, "max_overflow": 5}}',
)
LOCAL_CACHE = Message(
    "FD702",
    "Flask-Caching uses {backend} (CACHE_TYPE={cache_type!r}), a cache inside each worker process: {phrase}, each worker has its own copy, so cache.delete() and updates reach only one of them",
    'CACHE_TYPE = "RedisCache" with CACHE_REDIS_URL (or a single-process deployment)',
)
SOCKETIO_NO_QUEUE = Message(
    "FD404",
    "Flask-SocketIO has no message_queue: {phrase}, events emitted in one worker never reach clients connected to another",
    'SocketIO(app, message_queue=os.environ["REDIS_URL"]) and sticky sessions at the load balancer',
)
SOCKETIO_MODE = Message(
    "FD405",
    "Flask-SocketIO async_mode={mode!r} but gunicorn runs {worker_class} workers: {why}",
    "{fix}",
)
SOCKETIO_CORS = Message(
    "FD350",
    "Flask-SocketIO accepts connections from any origin (cors_allowed_origins={origins!r}): any web site can open a socket with the user's cookies",
    'SocketIO(app, cors_allowed_origins=["https://example.com"])',
)
LOGIN_UNPROTECTED = Message(
    "FD351",
    "Flask-Login session_protection = None: a stolen session cookie keeps working from any browser and address",
    'login_manager.session_protection = "strong" (or "basic", the default)',
)
LIMITER_MEMORY = Message(
    "FD352",
    "Flask-Limiter stores its counters in process memory ({uri}): {phrase}, each worker counts separately, so every limit is multiplied by the number of workers and resets on restart",
    'Limiter(..., storage_uri=os.environ["REDIS_URL"]) or RATELIMIT_STORAGE_URI',
)

_DISCONNECT = {
    "postgresql": "server closed the connection unexpectedly",
    "mysql": "MySQL server has gone away (2006)",
    "mariadb": "MySQL server has gone away (2006)",
}


# ----------------------------------------------------------------- engines
@dataclass
class EngineInfo:
    label: str
    engine: Any
    location: Location | None
    origin: str  # "flask-sqlalchemy" or "module"

    @property
    def dialect(self) -> str:
        return str(self.engine.dialect.name)

    @property
    def pool(self) -> Any:
        return self.engine.pool

    @property
    def pooled(self) -> bool:
        return type(self.pool).__name__ not in ("NullPool", "StaticPool")

    @property
    def pre_ping(self) -> bool:
        return bool(getattr(self.pool, "_pre_ping", False))

    @property
    def recycle(self) -> int:
        return int(getattr(self.pool, "_recycle", -1))

    def facts(self) -> dict[str, Any]:
        pool = self.pool
        size = pool.size() if hasattr(pool, "size") and type(pool).__name__ != "NullPool" else None
        return {
            "label": self.label,
            "url": redact_url(self.engine.url),
            "dialect": self.dialect,
            "driver": self.engine.dialect.driver,
            "pool": type(pool).__name__,
            "pool_size": size,
            "max_overflow": getattr(pool, "_max_overflow", None),
            "pool_timeout": getattr(pool, "_timeout", None),
            "pool_pre_ping": self.pre_ping,
            "pool_recycle": self.recycle,
            "echo": self.engine.echo or False,  # SQLAlchemy 1.4 leaves None for "off"
        }


def flask_sqlalchemy(app: Any) -> Any:
    """The app's ``SQLAlchemy`` object: ``app.extensions["sqlalchemy"]`` in 3.x, its ``.db`` in 2.x."""
    ext = app.extensions.get("sqlalchemy")
    if ext is None:
        return None
    if not hasattr(type(ext), "engines") and hasattr(ext, "db"):  # 2.x keeps a _SQLAlchemyState there
        return ext.db
    return ext


def fsa_version() -> str:
    try:
        from importlib.metadata import version

        return version("flask-sqlalchemy")
    except Exception:  # not installed as a distribution (vendored, source checkout)
        return "unknown"


def fsa_major() -> int:
    head = fsa_version().split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def fsa_engines(app: Any, db: Any) -> dict[str | None, Any]:
    """Every Flask-SQLAlchemy engine by bind key (None: the default engine).

    3.x creates them in ``init_app`` and lists them in ``db.engines``; 2.x
    creates each one on first use through ``db.get_engine(app, bind)`` (the
    engine is built, not connected).  Raises ``LookupError`` when neither API
    is there.
    """
    if hasattr(type(db), "engines"):
        with app.app_context():
            return dict(db.engines)
    if callable(getattr(db, "get_engine", None)):
        keys: list[str | None] = []
        if app.config.get("SQLALCHEMY_DATABASE_URI"):
            keys.append(None)
        keys.extend(sorted(app.config.get("SQLALCHEMY_BINDS") or {}))
        with app.app_context():
            return {key: db.get_engine(app, bind=key) for key in keys}
    raise LookupError(f"Flask-SQLAlchemy {fsa_version()} has neither db.engines (3.x) nor db.get_engine (2.x)")


def app_engines(audit: AuditContext) -> list[EngineInfo]:
    """Flask-SQLAlchemy engines (every bind) and Engine globals of the app's modules."""
    cached = audit.memo.get("engines")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    app = audit.app
    found: list[EngineInfo] = []
    db = flask_sqlalchemy(app)
    if db is not None:
        try:
            engines = fsa_engines(app, db)
        except LookupError as exc:  # say so: an empty list would read as "no database"
            audit.extra["engines_unreadable"] = str(exc)
            engines = {}
        where = audit.location("SQLALCHEMY_ENGINE_OPTIONS") or audit.location("SQLALCHEMY_DATABASE_URI")
        for key in sorted(engines, key=lambda k: (k is not None, str(k))):
            label = "sqlalchemy:default" if key is None else f"sqlalchemy:{key}"
            loc = where if key is None else (audit.location("SQLALCHEMY_BINDS") or where)
            found.append(EngineInfo(label, engines[key], loc, "flask-sqlalchemy"))
    try:
        from sqlalchemy.engine import Engine
    except ImportError:  # pragma: no cover
        Engine = None  # type: ignore[assignment,misc]
    known = {id(e.engine) for e in found}
    for module_name, attr, engine in user_globals(audit, Engine):
        if id(engine) in known:
            continue
        path = getattr(sys.modules[module_name], "__file__", "") or ""
        line = line_of(path, attr)
        found.append(
            EngineInfo(
                f"engine:{module_name}.{attr}", engine, make_location(path, line, attr) if line else None, "module"
            )
        )
    audit.memo["engines"] = found
    audit.extra["engines"] = [e.facts() for e in found]
    return found


@register(tags=("database",), deploy=True)
def check_engines(audit: AuditContext) -> Iterator[Finding]:
    for info in app_engines(audit):
        facts = info.facts()
        summary = Evidence(
            f"{facts['pool']}: pool_size={facts['pool_size']}, max_overflow={facts['max_overflow']}, "
            f"pool_pre_ping={facts['pool_pre_ping']}, pool_recycle={facts['pool_recycle']}, echo={facts['echo']}"
        )
        if info.dialect in _DISCONNECT and info.pooled and not info.pre_ping and info.recycle < 0:
            yield NO_STALE_GUARD(
                obj=info.label,
                location=info.location,
                label=info.label,
                url=facts["url"],
                error=_DISCONNECT[info.dialect],
                evidence=[summary],
            )
        if info.engine.echo and audit.deploy:
            yield ECHO(
                obj=info.label,
                location=audit.location("SQLALCHEMY_ECHO") or info.location,
                label=info.label,
                echo=info.engine.echo,
                evidence=[summary],
            )
        concurrency = audit.deploy_facts.concurrency_per_process()
        if type(info.pool).__name__ == "QueuePool" and concurrency:
            size, overflow = facts["pool_size"] or 0, facts["max_overflow"] or 0
            capacity = size + max(overflow, 0) if overflow >= 0 else None
            if capacity is not None and capacity < concurrency:
                how = f"{audit.deploy_facts.worker_class or 'sync'} worker, {audit.deploy_facts.source}"
                yield SMALL_POOL(
                    obj=info.label,
                    location=info.location,
                    label=info.label,
                    capacity=capacity,
                    size=size,
                    overflow=overflow,
                    concurrency=concurrency,
                    how=how,
                    timeout=facts["pool_timeout"],
                    evidence=[summary],
                )


@register(tags=("database", "config"), deploy=True)
def check_track_modifications(audit: AuditContext) -> Iterator[Finding]:
    if "sqlalchemy" not in audit.app.extensions:
        return
    key = "SQLALCHEMY_TRACK_MODIFICATIONS"
    value = audit.app.config.get(key)
    if value is True:
        yield TRACK_MODIFICATIONS(obj=f"config:{key}", location=audit.location(key), evidence=audit.evidence(key))
    elif value is None and fsa_major() == 2:  # 2.x: None registers the signal events, like True
        yield TRACK_MODIFICATIONS_UNSET(
            obj=f"config:{key}", location=audit.location(key), version=fsa_version(), evidence=audit.evidence(key)
        )


# ------------------------------------------------------ per-process stores
def _per_process_severity(audit: AuditContext) -> Severity | None:
    several = audit.deploy_facts.several_workers()
    if several is False:
        return None
    return Severity.WARNING if several else Severity.NOTE


@register(tags=("cache",), deploy=True)
def check_cache(audit: AuditContext) -> Iterator[Finding]:
    caches = audit.app.extensions.get("cache") or {}
    rows = []
    for _cache, backend in caches.items() if isinstance(caches, dict) else ():
        name = type(backend).__name__
        rows.append({"backend": qualname(type(backend)), "cache_type": audit.app.config.get("CACHE_TYPE")})
        if name != "SimpleCache":
            continue
        severity = _per_process_severity(audit)
        if severity is None:
            continue
        yield LOCAL_CACHE(
            obj="extension:cache",
            location=audit.location("CACHE_TYPE"),
            severity=severity,
            backend=name,
            cache_type=audit.app.config.get("CACHE_TYPE"),
            phrase=audit.workers_phrase(),
            evidence=audit.evidence("CACHE_TYPE"),
        )
    audit.extra["caches"] = rows


def socketio_facts(ext: Any) -> dict[str, Any]:
    server = getattr(ext, "server", None)
    manager = getattr(server, "manager", None)
    eio = getattr(server, "eio", None)
    queue = ext.server_options.get("message_queue") if hasattr(ext, "server_options") else None
    return {
        "async_mode": getattr(ext, "async_mode", None) or getattr(server, "async_mode", None),
        "client_manager": type(manager).__name__ if manager is not None else None,
        "message_queue": redact_url(queue) if queue else None,
        "cors_allowed_origins": getattr(eio, "cors_allowed_origins", None),
    }


_MODE_FOR_WORKER = {
    "gevent": ("gevent", "gevent_uwsgi"),
    "eventlet": ("eventlet",),
    "sync": ("threading",),
    "gthread": ("threading",),
}


@register(tags=("socketio",), deploy=True)
def check_socketio(audit: AuditContext) -> Iterator[Finding]:
    ext = audit.app.extensions.get("socketio")
    if ext is None or getattr(ext, "server", None) is None:
        return
    facts = socketio_facts(ext)
    audit.extra["socketio"] = facts
    described = Evidence(
        f"async_mode={facts['async_mode']!r}, client manager {facts['client_manager']}, message_queue={facts['message_queue']!r}"
    )
    if facts["client_manager"] in (None, "Manager", "BaseManager", "AsyncManager"):
        severity = _per_process_severity(audit)
        if severity is not None:
            yield SOCKETIO_NO_QUEUE(
                obj="extension:socketio", severity=severity, phrase=audit.workers_phrase(), evidence=[described]
            )
    worker_class = (audit.deploy_facts.worker_class or "").lower()
    if worker_class:
        kind = next((k for k in ("gevent", "eventlet", "gthread", "sync") if k in worker_class), None)
        expected = _MODE_FOR_WORKER.get(kind or "", ())
        if expected and facts["async_mode"] not in expected:
            yield SOCKETIO_MODE(
                obj="extension:socketio",
                mode=facts["async_mode"],
                worker_class=worker_class,
                why=f"WebSocket connections need async_mode {' or '.join(map(repr, expected))} under that worker class",
                fix=f"SocketIO(app, async_mode={expected[0]!r}) or change the gunicorn worker class",
                evidence=[described, Evidence(f"worker class from {audit.deploy_facts.source}")],
            )
    origins = facts["cors_allowed_origins"]
    if origins == "*" or (isinstance(origins, (list, tuple)) and "*" in origins):
        yield SOCKETIO_CORS(obj="extension:socketio", origins=origins, evidence=[described])


@register(tags=("flask-login", "security"), deploy=True)
def check_login(audit: AuditContext) -> Iterator[Finding]:
    manager = getattr(audit.app, "login_manager", None)
    if manager is None:
        return
    audit.extra["login"] = {"session_protection": manager.session_protection, "login_view": manager.login_view}
    if manager.session_protection is None:
        yield LOGIN_UNPROTECTED(obj="extension:login_manager", location=audit.location("SESSION_PROTECTION"))


@register(tags=("limiter",), deploy=True)
def check_limiter(audit: AuditContext) -> Iterator[Finding]:
    limiters = audit.app.extensions.get("limiter") or ()
    rows = []
    for limiter in sorted(limiters, key=id) if isinstance(limiters, (set, list, tuple)) else [limiters]:
        uri = getattr(limiter, "_storage_uri", None) or audit.app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        storage = getattr(limiter, "_storage", None)
        rows.append(
            {
                "storage_uri": redact_url(uri),
                "storage": type(storage).__name__ if storage is not None else None,
                "enabled": getattr(limiter, "enabled", True),
            }
        )
        if not getattr(limiter, "enabled", True):
            continue
        if str(uri).startswith("memory://") or type(storage).__name__ == "MemoryStorage":
            severity = _per_process_severity(audit)
            if severity is None:
                continue
            yield LIMITER_MEMORY(
                obj="extension:limiter",
                location=audit.location("RATELIMIT_STORAGE_URI"),
                severity=severity,
                uri=uri,
                phrase=audit.workers_phrase(),
            )
    audit.extra["limiters"] = rows
