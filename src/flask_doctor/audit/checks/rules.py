'''Metadata of every id the audit raises.

Ids shared with the static checker use exactly the names of
``docs/rule-ids.md`` (``register_meta`` merges surfaces when the names agree)
and leave the documentation to the static rule.  Audit-only ids (FDx40-FDx69)
carry their full documentation here, in the house template.
'''

from __future__ import annotations

from flask_doctor.findings import Severity
from flask_doctor.rulebook import RuleMeta, parse_doc_sections, register_meta

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

#: Ids shared with static rules: (code, name, severity, summary, catalog).
SHARED = [
    ("FD106", "per-request-resource-not-closed", W, "A per-request resource has no teardown that closes it.", ("S06",)),
    ("FD204", "engine-without-stale-connection-guard", W, "Engine to MySQL/PostgreSQL without pool_pre_ping or a pool_recycle below the server's idle timeout.", ("S22",)),
    ("FD205", "sqlalchemy-track-modifications-enabled", W, "SQLALCHEMY_TRACK_MODIFICATIONS is explicitly True.", ("S10",)),
    ("FD206", "sqlalchemy-echo-in-production", W, "SQL echo is on in production.", ("S10",)),
    ("FD207", "pool-smaller-than-concurrency", W, "The connection pool is smaller than the concurrency of one worker.", ("S10",)),
    ("FD301", "secret-key-generated-at-startup", E, "SECRET_KEY is generated when the app starts, so every worker signs differently.", ("S03",)),
    ("FD302", "hardcoded-secret-key", E, "SECRET_KEY is written in the source code.", ("S20",)),
    ("FD303", "insecure-cookie-flag", W, "A session or remember-me cookie lacks Secure or HttpOnly in production.", ("S20",)),
    ("FD304", "samesite-none-without-secure", E, "SameSite=None cookie without Secure.", ("S20",)),
    ("FD305", "debug-in-production", E, "Debug mode or the Werkzeug debugger in production.", ("S25",)),
    ("FD308", "form-without-csrf", W, "A form-handling POST route without CSRF protection.", ("S20",)),
    ("FD309", "csrf-disabled-in-production", W, "CSRF protection is switched off in production.", ("S20",)),
    ("FD310", "filesystem-sessions-multi-host", W, "Server-side sessions stored on the local filesystem.", ("S03",)),
    ("FD312", "missing-proxy-fix", N, "No ProxyFix although the app is served behind a proxy.", ("S24",)),
    ("FD313", "proxy-fix-count-mismatch", W, "ProxyFix counts do not match the proxies in front of the app.", ("S24",)),
    ("FD322", "upload-without-size-limit", N, "Request bodies are not limited (MAX_CONTENT_LENGTH unset).", ()),
    ("FD404", "socketio-multi-worker-without-queue", W, "Flask-SocketIO with several workers and no message queue.", ("S08",)),
    ("FD405", "socketio-async-mode-mismatch", W, "Flask-SocketIO async_mode does not match the server's worker class.", ("S08",)),
    ("FD501", "error-handler-swallows-http-errors", W, "An error handler for Exception turns HTTP errors (404, 405) into another status.", ("S15",)),
    ("FD502", "error-handler-returns-success", W, "An error handler answers an error with a 2xx/3xx status.", ("S15",)),
    ("FD505", "task-without-retry", W, "A Celery task doing I/O has no retry policy and no error handling.", ("S04",)),
    ("FD506", "task-retries-forever", W, "A Celery task retries without a bound.", ("S04",)),
    ("FD702", "process-local-cache-multi-worker", W, "A process-local cache used with several worker processes.", ("S13",)),
]

_REFS_FLASK_CONFIG = "- Flask configuration: https://flask.palletsprojects.com/en/stable/config/"
_REFS_SECURITY = "- Flask security considerations: https://flask.palletsprojects.com/en/stable/web-security/"
_REFS_CELERY = "- Celery configuration: https://docs.celeryq.dev/en/stable/userguide/configuration.html"

#: Audit-only ids: (code, name, severity, catalog, doc).
AUDIT_ONLY: list[tuple[str, str, Severity, tuple[str, ...], str]] = [
    ("FD240", "database-unreachable", E, ("S22",), """
The configured database does not answer.

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
"""),
    ("FD340", "testing-in-production", W, ("S25",), f"""
TESTING is on in a production configuration.

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
{_REFS_FLASK_CONFIG}
"""),
    ("FD341", "weak-secret-key", E, ("S20", "S03"), f"""
SECRET_KEY is short, low-entropy or a well-known placeholder.

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
{_REFS_SECURITY}
- Flask SECRET_KEY: https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY
"""),
    ("FD342", "missing-secret-key", E, ("S05",), f"""
No SECRET_KEY is configured.

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
{_REFS_FLASK_CONFIG}
"""),
    ("FD343", "cookie-samesite-unset", N, ("S20",), f"""
SESSION_COOKIE_SAMESITE is not set.

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
{_REFS_SECURITY}
"""),
    ("FD344", "long-session-lifetime", N, ("S20",), f"""
Permanent sessions live longer than 31 days.

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
{_REFS_FLASK_CONFIG}
"""),
    ("FD345", "preferred-url-scheme-http", N, ("S24",), f"""
External URLs built outside a request use `http`.

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
{_REFS_FLASK_CONFIG}
"""),
    ("FD346", "host-header-not-restricted", N, (), """
Any Host header is accepted.

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
"""),
    ("FD347", "process-local-session-store", W, ("S03",), """
Server-side sessions are kept in one process's memory.

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
"""),
    ("FD348", "session-cookie-near-size-limit", W, ("S03",), """
The session cookie approaches the 4 KB browser limit.

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
"""),
    ("FD349", "profiler-in-production", W, ("S25",), """
A profiler or debug toolbar is active in production.

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
"""),
    ("FD350", "socketio-cors-any-origin", W, ("S08", "S20"), """
Socket.IO accepts connections from any origin.

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
"""),
    ("FD351", "login-session-protection-off", N, ("S20",), """
Flask-Login session protection is disabled.

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
"""),
    ("FD352", "rate-limit-storage-per-process", W, (), """
Flask-Limiter counts in process memory.

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
"""),
    ("FD440", "service-unreachable", E, ("S03", "S04", "S08", "S13"), """
A Redis server or Celery broker the app is configured for does not answer.

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
"""),
    ("FD441", "redis-evicts-app-data", W, ("S03", "S04"), """
Redis may evict keys the app cannot lose.

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
"""),
    ("FD540", "celery-task-lost-on-worker-crash", N, ("S04",), f"""
A task running when its worker dies is lost.

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
{_REFS_CELERY}
"""),
    ("FD541", "celery-broker-retry-on-startup-unset", N, ("S04",), f"""
`broker_connection_retry_on_startup` is not set.

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
{_REFS_CELERY}
"""),
    ("FD542", "celery-results-never-expire", N, ("S04",), f"""
Task results are stored forever.

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
{_REFS_CELERY}
"""),
    ("FD543", "celery-visibility-timeout-too-short", W, ("S04",), """
Tasks can wait or run longer than the broker's visibility timeout.

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
"""),
    ("FD544", "celery-task-without-time-limit", W, ("S04", "S17"), f"""
Tasks have no time limit.

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
{_REFS_CELERY}
"""),
    ("FD545", "celery-prefetch-with-long-tasks", N, ("S04",), """
Workers prefetch several long tasks.

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
"""),
]


def _register() -> None:
    for code, name, severity, summary, catalog in SHARED:
        register_meta(RuleMeta(code=code, name=name, severity=severity, summary=summary,
                               catalog=catalog, surfaces=("audit",)))
    for code, name, severity, catalog, doc in AUDIT_ONLY:
        text = doc.strip("\n")
        summary = text.splitlines()[0].strip()
        register_meta(RuleMeta(code=code, name=name, severity=severity, summary=summary, doc=text,
                               catalog=catalog, surfaces=("audit",), sections=parse_doc_sections(text)))
    try:  # the static checker may own FD004 under another name: keep theirs
        register_meta(RuleMeta(code="FD004", name="internal-error", severity=E,
                               summary="A check crashed; the other checks still ran.", surfaces=("audit",)))
    except ValueError:
        pass


_register()

#: name, default severity and catalog of every id, for message templates.
SPEC: dict[str, tuple[str, Severity, tuple[str, ...]]] = {
    **{code: (name, sev, cat) for code, name, sev, _summary, cat in SHARED},
    **{code: (name, sev, cat) for code, name, sev, cat, _doc in AUDIT_ONLY},
}
