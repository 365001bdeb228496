"""Rule ids only ``flask-doctor audit`` raises (FDx40-FDx69 of each family).

The audit looks at the loaded application (its live config, middleware,
extensions, Celery app) and, with ``--probe``, at the services it talks to.
Problems the static checker also finds keep the static rule's id and page;
``ALSO_RAISES`` lists them.
"""

from __future__ import annotations

from flask_doctor.catalogue.base import Entry
from flask_doctor.findings import Severity

SURFACE = "audit"
#: Ids the audit raises whose page is a static rule's (or FD004's, in :mod:`.internal`).
ALSO_RAISES = (
    "FD004",
    "FD106",
    "FD204",
    "FD205",
    "FD206",
    "FD207",
    "FD301",
    "FD302",
    "FD303",
    "FD304",
    "FD305",
    "FD308",
    "FD309",
    "FD310",
    "FD312",
    "FD313",
    "FD322",
    "FD404",
    "FD405",
    "FD501",
    "FD502",
    "FD505",
    "FD506",
    "FD702",
)


class Audit(Entry):
    surfaces = ("audit",)


class DatabaseUnreachable(Audit):
    """
    ## What it does
    With `--probe`, connects to every database the app is configured for (each
    Flask-SQLAlchemy bind and module-level engines) with a short timeout and runs
    `SELECT 1`.

    ## Why is this bad?
    Every request that touches the database will fail (or hang until the driver's
    connect timeout, which is unbounded for psycopg2 by default).

    ## Example
    ```python
    SQLALCHEMY_DATABASE_URI = "postgresql://app@db.internal/app"   # host not resolvable here
    ```

    ## Use instead
    Point the URI at a reachable server, and set a connect timeout:
    ```python
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"connect_timeout": 5}, "pool_pre_ping": True}
    ```

    ## Fix safety
    Display-only: the audit cannot know the right address.

    ## References
    - SQLAlchemy engine configuration: https://docs.sqlalchemy.org/en/20/core/engines.html
    """

    code = "FD240"
    name = "database-unreachable"
    severity = Severity.ERROR
    summary = "The configured database does not answer."
    catalog = ("S22",)


class TestingInProduction(Audit):
    """
    ## What it does
    Reports `TESTING = True` when the app is judged as production.

    ## Why is this bad?
    TESTING makes exceptions propagate instead of being handled, and extensions
    change behaviour under it (Flask-Login's `LOGIN_DISABLED` is often tied to
    it, Flask-Mail stops sending mail, Flask-WTF test setups disable CSRF).

    ## Example
    ```python
    class ProductionConfig(Config):
        TESTING = True
    ```

    ## Use instead
    ```python
    class ProductionConfig(Config):
        TESTING = False
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask configuration: https://flask.palletsprojects.com/en/stable/config/
    """

    code = "FD340"
    name = "testing-in-production"
    severity = Severity.WARNING
    summary = "TESTING is on in a production configuration."
    catalog = ("S25",)


class WeakSecretKey(Audit):
    """
    ## What it does
    Measures the live `SECRET_KEY` (length and Shannon entropy, never printing it)
    and compares it with placeholders from tutorials (`dev`, `change-me`,
    `secret`, `you-will-never-guess`...).

    ## Why is this bad?
    The key signs the session cookie. Whoever knows or guesses it can forge a
    session (log in as any user) — tools such as `flask-unsign` brute-force weak
    keys from a single cookie.

    ## Example
    ```python
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev")   # the fallback ships to production
    ```

    ## Use instead
    ```python
    SECRET_KEY = os.environ["SECRET_KEY"]   # python -c 'import secrets; print(secrets.token_hex(32))'
    ```

    ## Fix safety
    Display-only: rotating the key logs every user out.

    ## References
    - Flask security considerations: https://flask.palletsprojects.com/en/stable/web-security/
    - Flask SECRET_KEY: https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY
    """

    code = "FD341"
    name = "weak-secret-key"
    severity = Severity.ERROR
    summary = "SECRET_KEY is short, low-entropy or a well-known placeholder."
    catalog = ("S20", "S03")


class MissingSecretKey(Audit):
    """
    ## What it does
    Reports an app whose `SECRET_KEY` is unset or empty.

    ## Why is this bad?
    Every use of `session`, `flash()` or Flask-Login raises `RuntimeError: The
    session is unavailable because no secret key was set` — usually a missing
    environment variable in the production environment.

    ## Example
    ```python
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")   # unset in production
    ```

    ## Use instead
    ```python
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]   # fail loudly at start-up
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask configuration: https://flask.palletsprojects.com/en/stable/config/
    """

    code = "FD342"
    name = "missing-secret-key"
    severity = Severity.ERROR
    summary = "No SECRET_KEY is configured."
    catalog = ("S05",)


class CookieSamesiteUnset(Audit):
    """
    ## What it does
    Reports a production app whose session cookie carries no `SameSite` attribute.

    ## Why is this bad?
    Chrome treats a cookie without SameSite as `Lax`, but Firefox and Safari send
    it on cross-site requests, so cross-site request forgery relies entirely on
    CSRF tokens.

    ## Example
    ```python
    SESSION_COOKIE_SAMESITE = None   # Flask's default
    ```

    ## Use instead
    ```python
    SESSION_COOKIE_SAMESITE = "Lax"
    ```

    ## Fix safety
    Display-only: `Strict` or `Lax` can change how cross-site links behave.

    ## References
    - Flask security considerations: https://flask.palletsprojects.com/en/stable/web-security/
    """

    code = "FD343"
    name = "cookie-samesite-unset"
    severity = Severity.NOTE
    summary = "SESSION_COOKIE_SAMESITE is not set."
    catalog = ("S20",)


class LongSessionLifetime(Audit):
    """
    ## What it does
    Reports `PERMANENT_SESSION_LIFETIME` above 31 days (Flask's default).

    ## Why is this bad?
    A stolen cookie stays valid for as long: signed cookie sessions cannot be
    revoked on the server.

    ## Example
    ```python
    PERMANENT_SESSION_LIFETIME = timedelta(days=365)
    ```

    ## Use instead
    ```python
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask configuration: https://flask.palletsprojects.com/en/stable/config/
    """

    code = "FD344"
    name = "long-session-lifetime"
    severity = Severity.NOTE
    summary = "Permanent sessions live longer than 31 days."
    catalog = ("S20",)


class PreferredUrlSchemeHttp(Audit):
    """
    ## What it does
    Reports `PREFERRED_URL_SCHEME = "http"` when the app is served over HTTPS
    (its session cookie is `Secure`).

    ## Why is this bad?
    `url_for(..., _external=True)` outside a request (e-mails sent by Celery
    tasks, CLI commands) uses PREFERRED_URL_SCHEME: links point to `http://` and
    depend on a redirect, or break under HSTS preload rules.

    ## Example
    ```python
    SESSION_COOKIE_SECURE = True   # HTTPS, but PREFERRED_URL_SCHEME stays "http"
    ```

    ## Use instead
    ```python
    PREFERRED_URL_SCHEME = "https"
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask configuration: https://flask.palletsprojects.com/en/stable/config/
    """

    code = "FD345"
    name = "preferred-url-scheme-http"
    severity = Severity.NOTE
    summary = "External URLs built outside a request use `http`."
    catalog = ("S24",)


class HostHeaderNotRestricted(Audit):
    """
    ## What it does
    Reports a production app with neither `TRUSTED_HOSTS` (Flask 3.1+) nor
    `SERVER_NAME` set.

    ## Why is this bad?
    `url_for(..., _external=True)` builds links from the request's Host header. An
    attacker who sends `Host: evil.example` gets password-reset links pointing to
    their host (host header poisoning), unless the reverse proxy rejects unknown
    hosts.

    ## Example
    ```python
    app = Flask(__name__)   # no TRUSTED_HOSTS
    ```

    ## Use instead
    ```python
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.com"]
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask TRUSTED_HOSTS: https://flask.palletsprojects.com/en/stable/config/#TRUSTED_HOSTS
    """

    code = "FD346"
    name = "host-header-not-restricted"
    severity = Severity.NOTE
    summary = "Any Host header is accepted."


class ProcessLocalSessionStore(Audit):
    """
    ## What it does
    Reports Flask-Session with the `cachelib` backend on a `SimpleCache` (a dict in
    the worker process).

    ## Why is this bad?
    Each worker process has its own dict: a user logged in on one worker is
    logged out on the next request served by another, and every restart drops
    all sessions.

    ## Example
    ```python
    SESSION_TYPE = "cachelib"
    SESSION_CACHELIB = SimpleCache()
    ```

    ## Use instead
    ```python
    SESSION_TYPE = "redis"
    SESSION_REDIS = redis.from_url(os.environ["REDIS_URL"])
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask-Session: https://flask-session.readthedocs.io/
    """

    code = "FD347"
    name = "process-local-session-store"
    severity = Severity.WARNING
    summary = "Server-side sessions are kept in one process's memory."
    catalog = ("S03",)


class SessionCookieNearSizeLimit(Audit):
    """
    ## What it does
    Requests a few parameterless GET routes with the test client and measures the
    `Set-Cookie` header of the signed-cookie session.

    ## Why is this bad?
    Browsers silently drop cookies above about 4096 bytes: the session is lost
    with no error on the server.

    ## Example
    ```python
    session["cart"] = full_cart_objects
    ```

    ## Use instead
    Store an id in the session and the data server-side (database, Redis, or
    Flask-Session).

    ## Fix safety
    Display-only.

    ## References
    - RFC 6265 section 6.1 (limits): https://www.rfc-editor.org/rfc/rfc6265#section-6.1
    """

    code = "FD348"
    name = "session-cookie-near-size-limit"
    severity = Severity.ERROR
    summary = "The session cookie approaches the 4 KB browser limit."
    catalog = ("S03",)


class ProfilerInProduction(Audit):
    """
    ## What it does
    Unwraps `app.wsgi_app` and reports Werkzeug's `ProfilerMiddleware` or
    `LintMiddleware` and an enabled Flask-DebugToolbar.

    ## Why is this bad?
    Profiling every request slows it down several times and writes files or logs
    per request; the debug toolbar exposes configuration, SQL and templates.

    ## Example
    ```python
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, profile_dir="/tmp/prof")
    ```

    ## Use instead
    Wrap only in a development entry point, or behind a config flag that is off
    in production.

    ## Fix safety
    Display-only.

    ## References
    - Werkzeug profiler: https://werkzeug.palletsprojects.com/en/stable/middleware/profiler/
    """

    code = "FD349"
    name = "profiler-in-production"
    severity = Severity.WARNING
    summary = "A profiler or debug toolbar is active in production."
    catalog = ("S25",)


class SocketioCorsAnyOrigin(Audit):
    """
    ## What it does
    Reports Flask-SocketIO created with `cors_allowed_origins="*"`.

    ## Why is this bad?
    WebSocket connections carry the user's cookies: any web site the user visits
    can open a socket as that user (cross-site WebSocket hijacking).

    ## Example
    ```python
    socketio = SocketIO(app, cors_allowed_origins="*")
    ```

    ## Use instead
    ```python
    socketio = SocketIO(app, cors_allowed_origins=["https://example.com"])
    ```

    ## Fix safety
    Display-only.

    ## References
    - python-socketio server options: https://python-socketio.readthedocs.io/en/latest/api.html
    """

    code = "FD350"
    name = "socketio-cors-any-origin"
    severity = Severity.WARNING
    summary = "Socket.IO accepts connections from any origin."
    catalog = ("S08", "S20")


class LoginSessionProtectionOff(Audit):
    """
    ## What it does
    Reports `login_manager.session_protection = None`.

    ## Why is this bad?
    Flask-Login's session protection notices when a session identifier is used
    from another browser/IP and marks it non-fresh ("basic") or logs out
    ("strong"); disabling it makes a stolen cookie fully usable.

    ## Example
    ```python
    login_manager.session_protection = None
    ```

    ## Use instead
    ```python
    login_manager.session_protection = "strong"
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask-Login session protection: https://flask-login.readthedocs.io/en/latest/#session-protection
    """

    code = "FD351"
    name = "login-session-protection-off"
    severity = Severity.NOTE
    summary = "Flask-Login session protection is disabled."
    catalog = ("S20",)


class RateLimitStoragePerProcess(Audit):
    """
    ## What it does
    Reports a Flask-Limiter whose storage is `memory://` (the default).

    ## Why is this bad?
    Each worker process keeps its own counters: with N workers a limit of
    `10/minute` lets through up to N×10 requests, and counters reset on every
    restart — brute-force protection silently weakens.

    ## Example
    ```python
    limiter = Limiter(get_remote_address, app=app)
    ```

    ## Use instead
    ```python
    limiter = Limiter(get_remote_address, app=app, storage_uri=os.environ["REDIS_URL"])
    ```

    ## Fix safety
    Display-only.

    ## References
    - Flask-Limiter storage: https://flask-limiter.readthedocs.io/en/stable/#configuring-a-storage-backend
    """

    code = "FD352"
    name = "rate-limit-storage-per-process"
    severity = Severity.WARNING
    summary = "Flask-Limiter counts in process memory."


class ServiceUnreachable(Audit):
    """
    ## What it does
    With `--probe`, connects to every Redis URL in use (Flask-Session,
    Flask-Caching, Flask-Limiter, the Socket.IO message queue, the Celery result
    backend) and to the Celery broker (Redis or RabbitMQ, through kombu) with a
    short timeout.

    ## Why is this bad?
    Sessions, caches, rate limits or task queues fail on the first request that
    needs them.

    ## Example
    ```python
    CACHE_REDIS_URL = "redis://cache.internal:6379/0"   # not reachable
    ```

    ## Use instead
    Fix the address or credentials; use timeouts so an outage fails fast.

    ## Fix safety
    Display-only.

    ## References
    - redis-py: https://redis-py.readthedocs.io/
    - kombu connections: https://docs.celeryq.dev/projects/kombu/en/stable/userguide/connections.html
    """

    code = "FD440"
    name = "service-unreachable"
    severity = Severity.ERROR
    summary = "A Redis server or Celery broker the app is configured for does not answer."
    catalog = ("S03", "S04", "S08", "S13")


class RedisEvictsAppData(Audit):
    """
    ## What it does
    With `--probe`, reads `maxmemory` and `maxmemory-policy` of every Redis the app
    uses and reports an `allkeys-*` eviction policy with a memory limit on a
    server that also holds sessions, rate-limit counters, the Socket.IO queue or
    the Celery broker.

    ## Why is this bad?
    Under memory pressure `allkeys-lru` deletes *any* key: cached pages are fine
    to lose, but evicted sessions log users out, evicted rate-limit counters
    reset limits and evicted broker lists lose queued tasks, all silently.

    ## Example
    ```
    maxmemory 256mb
    maxmemory-policy allkeys-lru     # one Redis for cache, sessions and Celery
    ```

    ## Use instead
    A separate Redis (or database number on a `noeviction` server) for sessions
    and the broker, and `allkeys-lru` only for the cache:
    ```
    maxmemory-policy noeviction
    ```

    ## Fix safety
    Display-only.

    ## References
    - Redis key eviction: https://redis.io/docs/latest/develop/reference/eviction/
    """

    code = "FD441"
    name = "redis-evicts-app-data"
    severity = Severity.WARNING
    summary = "Redis may evict keys the app cannot lose."
    catalog = ("S03", "S04")


class CeleryTaskLostOnWorkerCrash(Audit):
    """
    ## What it does
    Reports Celery configurations where a task in progress is acknowledged even
    if the worker process is killed: `task_acks_late=False` (the default: the
    message is acknowledged before the task runs) or `task_acks_late=True`
    without `task_reject_on_worker_lost=True`.

    ## Why is this bad?
    Out-of-memory kills, deploys and autoscaling stop workers mid-task; the
    message is already acknowledged, so the work is never done.

    ## Example
    ```python
    celery.conf.task_acks_late = True   # but task_reject_on_worker_lost stays False
    ```

    ## Use instead
    ```python
    celery.conf.task_acks_late = True
    celery.conf.task_reject_on_worker_lost = True   # tasks must be idempotent
    ```

    ## Fix safety
    Display-only: redelivery runs a task twice if it is not idempotent.

    ## References
    - Celery configuration: https://docs.celeryq.dev/en/stable/userguide/configuration.html
    """

    code = "FD540"
    name = "celery-task-lost-on-worker-crash"
    severity = Severity.NOTE
    summary = "A task running when its worker dies is lost."
    catalog = ("S04",)


class CeleryBrokerRetryOnStartupUnset(Audit):
    """
    ## What it does
    Reports Celery apps that leave it unset (Celery 5.3+ warns; Celery 6 stops
    deriving it from `broker_connection_retry`) or set it to False.

    ## Why is this bad?
    When False (or in Celery 6 when unset) a worker started before the broker is
    up exits instead of retrying — typical in docker compose and rolling deploys.

    ## Example
    ```python
    celery = Celery(__name__, broker=BROKER_URL)
    ```

    ## Use instead
    ```python
    celery.conf.broker_connection_retry_on_startup = True
    ```

    ## Fix safety
    Display-only.

    ## References
    - Celery configuration: https://docs.celeryq.dev/en/stable/userguide/configuration.html
    """

    code = "FD541"
    name = "celery-broker-retry-on-startup-unset"
    severity = Severity.WARNING
    summary = "`broker_connection_retry_on_startup` is not set."
    catalog = ("S04",)


class CeleryResultsNeverExpire(Audit):
    """
    ## What it does
    Reports a result backend with `result_expires = None`.

    ## Why is this bad?
    Every task result stays in Redis or the database forever: memory or table
    growth until the backend is full.

    ## Example
    ```python
    celery.conf.result_expires = None
    ```

    ## Use instead
    ```python
    celery.conf.result_expires = 24 * 3600   # or ignore_result=True on tasks nobody awaits
    ```

    ## Fix safety
    Display-only.

    ## References
    - Celery configuration: https://docs.celeryq.dev/en/stable/userguide/configuration.html
    """

    code = "FD542"
    name = "celery-results-never-expire"
    severity = Severity.NOTE
    summary = "Task results are stored forever."
    catalog = ("S04",)


class CeleryVisibilityTimeoutTooShort(Audit):
    """
    ## What it does
    For Redis and SQS brokers, compares `broker_transport_options["visibility_timeout"]`
    (1 hour by default) with the longest retry delay and, with late acks, the
    longest time limit of the registered tasks.

    ## Why is this bad?
    A message not acknowledged within the visibility timeout is delivered again
    to another worker: ETA/countdown tasks and long late-acked tasks run twice
    (or many times).

    ## Example
    ```python
    @celery.task(bind=True, default_retry_delay=2 * 3600)
    def sync(self): ...
    ```

    ## Use instead
    ```python
    celery.conf.broker_transport_options = {"visibility_timeout": 3 * 3600}
    ```

    ## Fix safety
    Display-only.

    ## References
    - Celery Redis caveats: https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
    """

    code = "FD543"
    name = "celery-visibility-timeout-too-short"
    severity = Severity.WARNING
    summary = "Tasks can wait or run longer than the broker's visibility timeout."
    catalog = ("S04",)


class CeleryTaskWithoutTimeLimit(Audit):
    """
    ## What it does
    Reports a Celery app where neither `task_time_limit` nor
    `task_soft_time_limit` is set, listing user tasks without their own limit.

    ## Why is this bad?
    A task stuck on a network call without timeout holds its worker slot
    forever; a few of them and the queue stops moving.

    ## Example
    ```python
    celery = Celery(__name__)
    ```

    ## Use instead
    ```python
    celery.conf.task_soft_time_limit = 300
    celery.conf.task_time_limit = 360
    ```

    ## Fix safety
    Display-only.

    ## References
    - Celery configuration: https://docs.celeryq.dev/en/stable/userguide/configuration.html
    """

    code = "FD544"
    name = "celery-task-without-time-limit"
    severity = Severity.WARNING
    summary = "Tasks have no time limit."
    catalog = ("S04", "S17")


class CeleryPrefetchWithLongTasks(Audit):
    """
    ## What it does
    Reports `worker_prefetch_multiplier > 1` when tasks are long (a time limit of
    5 minutes or more) or acknowledged late.

    ## Why is this bad?
    A worker reserves multiplier × concurrency messages: they wait behind a long
    task while other workers sit idle.

    ## Example
    ```python
    celery.conf.worker_prefetch_multiplier = 4   # the default
    ```

    ## Use instead
    ```python
    celery.conf.worker_prefetch_multiplier = 1
    ```

    ## Fix safety
    Display-only.

    ## References
    - Celery optimizing, prefetch limits: https://docs.celeryq.dev/en/stable/userguide/optimizing.html#prefetch-limits
    """

    code = "FD545"
    name = "celery-prefetch-with-long-tasks"
    severity = Severity.NOTE
    summary = "Workers prefetch several long tasks."
    catalog = ("S04",)
