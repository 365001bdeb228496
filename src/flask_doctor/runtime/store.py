"""Where findings go: a bounded in-process store, or Redis for many workers.

``FLASK_DOCTOR_STORE=memory://`` (default) keeps, per process, at most
``max_findings`` findings (least recently seen evicted first),
``max_requests`` request summaries and 720 memory samples.  With
``redis://host:port/db`` every worker and host writes into one view under
``FLASK_DOCTOR_STORE_PREFIX`` with ``FLASK_DOCTOR_STORE_TTL`` on every key.

Stores are written only by the doctor's background thread.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from flask_doctor.dataclass import dataclass
from flask_doctor.findings import Finding
from flask_doctor.redaction import redact_url

MEMORY_SAMPLES = 720


def _transient_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


#: A store that is down for a moment: drop the batch, retry next time, never disable.
TRANSIENT_ERRORS = _transient_errors()
#: After a failure the store is not asked again for this many seconds: a dashboard
#: request or a flush never waits on a store that just failed.
BREAKER_SECONDS = 5.0

F = TypeVar("F", bound=Callable[..., Any])


class StoreUnavailable(ConnectionError):
    """The store failed recently; it is not asked again until the breaker closes."""


def _breaker(method: F) -> F:
    """Fail fast while the store is known to be down; open the breaker on a transient error."""

    @functools.wraps(method)
    def wrapper(self: RedisStore, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if now < self.down_until:
            raise StoreUnavailable(
                f"store {self.url} unavailable ({self.last_error}); retrying in {self.down_until - now:.0f} s"
            )
        try:
            result = method(self, *args, **kwargs)
        except TRANSIENT_ERRORS as exc:
            self.down_until = time.monotonic() + BREAKER_SECONDS
            self.last_error = f"{exc.__class__.__name__}: {exc}"[:200]
            raise
        self.last_error = ""
        return result

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class StoredFinding:
    finding: Finding
    count: int
    first_seen: float
    last_seen: float
    workers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = self.finding.to_dict()
        data.update(
            fingerprint=self.finding.fingerprint(),
            count=self.count,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            workers=list(self.workers),
        )
        return data


class Store(Protocol):
    url: str

    def upsert(self, items: Sequence[tuple[Finding, int]], worker: str, now: float) -> list[Finding]:
        """Record occurrences; return the findings this store had never seen."""

    def findings(self) -> list[StoredFinding]: ...

    def add_requests(self, summaries: Sequence[dict[str, Any]]) -> None: ...

    def requests(self, limit: int = 100) -> list[dict[str, Any]]: ...

    def add_memory(self, worker: str, samples: Sequence[dict[str, Any]]) -> None: ...

    def memory(self) -> dict[str, list[dict[str, Any]]]: ...

    def put_snapshot(self, worker: str, snapshot: dict[str, Any]) -> None: ...

    def snapshots(self) -> dict[str, dict[str, Any]]: ...

    def clear(self) -> None: ...

    def error(self) -> str:
        """Why the store is unavailable now ("" when it answered last time)."""


class MemoryStore:
    """Bounded, thread-safe, per process."""

    def __init__(self, max_findings: int = 500, max_requests: int = 1000) -> None:
        self.url = "memory://"
        self.max_findings = max_findings
        self._findings: OrderedDict[str, list[Any]] = OrderedDict()
        self._requests: deque[dict[str, Any]] = deque(maxlen=max_requests)
        self._memory: dict[str, deque[dict[str, Any]]] = {}
        self._snapshots: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.evicted = 0

    def upsert(self, items: Sequence[tuple[Finding, int]], worker: str, now: float) -> list[Finding]:
        new = []
        with self._lock:
            for finding, count in items:
                fp = finding.fingerprint()
                entry = self._findings.get(fp)
                if entry is None:
                    self._findings[fp] = [finding, count, now, now, {worker}]
                    new.append(finding)
                    while len(self._findings) > self.max_findings:
                        self._findings.popitem(last=False)
                        self.evicted += 1
                else:
                    entry[0] = finding
                    entry[1] += count
                    entry[3] = now
                    if len(entry[4]) < 64:
                        entry[4].add(worker)
                    self._findings.move_to_end(fp)
        return new

    def findings(self) -> list[StoredFinding]:
        with self._lock:
            return [
                StoredFinding(f, c, first, last, tuple(sorted(w))) for f, c, first, last, w in self._findings.values()
            ]

    def add_requests(self, summaries: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            self._requests.extend(summaries)

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._requests)
        return items[::-1][:limit]

    def add_memory(self, worker: str, samples: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            ring = self._memory.get(worker)
            if ring is None:
                ring = self._memory[worker] = deque(maxlen=MEMORY_SAMPLES)
            ring.extend(samples)

    def memory(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {w: list(r) for w, r in self._memory.items()}

    def put_snapshot(self, worker: str, snapshot: dict[str, Any]) -> None:
        with self._lock:
            self._snapshots[worker] = snapshot

    def snapshots(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._snapshots)

    def error(self) -> str:
        return ""

    def clear(self) -> None:
        with self._lock:
            self._findings.clear()
            self._requests.clear()
            self._memory.clear()
            self._snapshots.clear()


class RedisStore:
    """One view for many workers and hosts; every key has a TTL and the prefix."""

    def __init__(
        self,
        url: str,
        prefix: str = "flask_doctor:",
        ttl: int = 7 * 24 * 3600,
        max_findings: int = 500,
        max_requests: int = 1000,
        timeout: float = 0.5,
    ) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = redact_url(url)
        # Short timeouts and no retries (redis-py 6 retries 3 times with backoff by default): a
        # hung store must cost the dashboard and the background thread at most one timeout,
        # after which the breaker answers for BREAKER_SECONDS without asking.
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
        )
        self.down_until = 0.0
        self.last_error = ""
        self.prefix = prefix
        self.ttl = int(ttl)
        self.max_findings = max_findings
        self.max_requests = max_requests

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @_breaker
    def upsert(self, items: Sequence[tuple[Finding, int]], worker: str, now: float) -> list[Finding]:
        if not items:
            return []
        pipe = self.client.pipeline(transaction=False)
        index = self._k("findings")
        for finding, count in items:
            fp = finding.fingerprint()
            key = self._k("f", fp)
            pipe.hsetnx(key, "first_seen", repr(now))
            pipe.hset(key, mapping={"finding": json.dumps(finding.to_dict()), "last_seen": repr(now)})
            pipe.hincrby(key, "count", count)
            pipe.sadd(self._k("w", fp), worker)
            pipe.expire(key, self.ttl)
            pipe.expire(self._k("w", fp), self.ttl)
            pipe.zadd(index, {fp: now})
        pipe.zremrangebyrank(index, 0, -self.max_findings - 1)
        pipe.expire(index, self.ttl)
        results = pipe.execute()
        return [finding for i, (finding, _) in enumerate(items) if results[i * 7]]

    @_breaker
    def findings(self) -> list[StoredFinding]:
        index = self._k("findings")
        fps = [fp.decode() for fp in self.client.zrevrange(index, 0, self.max_findings - 1)]
        if not fps:
            return []
        pipe = self.client.pipeline(transaction=False)
        for fp in fps:
            pipe.hgetall(self._k("f", fp))
            pipe.smembers(self._k("w", fp))
        raw = pipe.execute()
        out, gone = [], []
        for i, fp in enumerate(fps):
            data, workers = raw[2 * i], raw[2 * i + 1]
            if not data or b"finding" not in data:
                gone.append(fp)
                continue
            out.append(
                StoredFinding(
                    finding=Finding.from_dict(json.loads(data[b"finding"])),
                    count=int(data.get(b"count", b"0")),
                    first_seen=float(data.get(b"first_seen", b"0")),
                    last_seen=float(data.get(b"last_seen", b"0")),
                    workers=tuple(sorted(w.decode() for w in workers)),
                )
            )
        if gone:
            self.client.zrem(index, *gone)
        return out

    @_breaker
    def add_requests(self, summaries: Sequence[dict[str, Any]]) -> None:
        if not summaries:
            return
        key = self._k("requests")
        pipe = self.client.pipeline(transaction=False)
        pipe.lpush(key, *[json.dumps(s) for s in summaries])
        pipe.ltrim(key, 0, self.max_requests - 1)
        pipe.expire(key, self.ttl)
        pipe.execute()

    @_breaker
    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        return [json.loads(r) for r in self.client.lrange(self._k("requests"), 0, limit - 1)]

    @_breaker
    def add_memory(self, worker: str, samples: Sequence[dict[str, Any]]) -> None:
        if not samples:
            return
        key = self._k("mem", worker)
        pipe = self.client.pipeline(transaction=False)
        pipe.rpush(key, *[json.dumps(s) for s in samples])
        pipe.ltrim(key, -MEMORY_SAMPLES, -1)
        pipe.expire(key, self.ttl)
        pipe.zadd(self._k("workers"), {worker: time.time()})
        pipe.expire(self._k("workers"), self.ttl)
        pipe.execute()

    def _workers(self) -> list[str]:
        return [w.decode() for w in self.client.zrevrange(self._k("workers"), 0, 63)]

    @_breaker
    def memory(self) -> dict[str, list[dict[str, Any]]]:
        workers = self._workers()
        pipe = self.client.pipeline(transaction=False)
        for w in workers:
            pipe.lrange(self._k("mem", w), 0, -1)
        return {w: [json.loads(s) for s in raw] for w, raw in zip(workers, pipe.execute()) if raw}

    @_breaker
    def put_snapshot(self, worker: str, snapshot: dict[str, Any]) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self._k("snap", worker), json.dumps(snapshot, default=str), ex=max(60, min(self.ttl, 3600)))
        pipe.zadd(self._k("workers"), {worker: time.time()})
        pipe.expire(self._k("workers"), self.ttl)
        pipe.execute()

    @_breaker
    def snapshots(self) -> dict[str, dict[str, Any]]:
        workers = self._workers()
        if not workers:
            return {}
        raw = self.client.mget([self._k("snap", w) for w in workers])
        return {w: json.loads(r) for w, r in zip(workers, raw) if r}

    def error(self) -> str:
        return self.last_error if time.monotonic() < self.down_until else ""

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
        for i in range(0, len(keys), 500):
            self.client.delete(*keys[i : i + 500])


def make_store(
    url: str,
    *,
    prefix: str = "flask_doctor:",
    ttl: int = 7 * 24 * 3600,
    max_findings: int = 500,
    max_requests: int = 1000,
    timeout: float = 0.5,
) -> MemoryStore | RedisStore:
    """``memory://`` or ``redis://`` / ``rediss://`` / ``unix://``; anything else is an error."""
    url = (url or "memory://").strip()
    if url in ("memory", "memory://"):
        return MemoryStore(max_findings=max_findings, max_requests=max_requests)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(
            url, prefix=prefix, ttl=ttl, max_findings=max_findings, max_requests=max_requests, timeout=timeout
        )
    raise ValueError(f"FLASK_DOCTOR_STORE={redact_url(url)!r} is not supported: use memory:// or redis://host:6379/0")


def stored_sorted(items: Iterable[StoredFinding]) -> list[StoredFinding]:
    """Worst first, then most frequent."""
    return sorted(items, key=lambda s: (-int(s.finding.severity), -s.count, s.finding.code, s.finding.obj))
