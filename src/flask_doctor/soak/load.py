"""Drive load with Locust used as a library.

One :func:`run_phase` call is one phase: a fresh ``locust.env.Environment``
with a generated ``FastHttpUser`` (or the user's own locustfile classes),
bounded both in requests and in seconds, talking only to the loopback
server soak started.  Every request carries the phase name and a sequence
number in headers so the agent in the worker can tag its samples and the
two sides' timings can be joined (client latency - server time = queueing).

Importing Locust monkey-patches the process with gevent, so this module is
imported only when a soak actually runs (see :mod:`command`).
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, User, constant, task
from locust.env import Environment

from flask_doctor.soak.routes import Target

PHASE_HEADER = "X-Flask-Doctor-Phase"
REQ_HEADER = "X-Flask-Doctor-Req"
#: query parameter soak adds so caches keyed by the raw URL see real-traffic variety
VARY_PARAM = "_soak"


@dataclass
class RequestRecord:
    name: str
    seq: int
    start: float
    ms: float
    ok: bool
    users: int


@dataclass
class PhaseResult:
    name: str
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    records: list[RequestRecord] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    stopped_by: str = "requests"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Budget:
    def __init__(self, total: int) -> None:
        self.total = total
        self.counter = itertools.count()

    def take(self) -> int | None:
        n = next(self.counter)
        return n if n < self.total else None


def _fill(text: str, seq: int) -> str:
    if "{" not in text:
        return text
    return text.replace("{n}", str(seq)).replace("{rand}", str(random.randrange(1 << 30)))


def _fill_any(value: Any, seq: int) -> Any:
    if isinstance(value, str):
        return _fill(value, seq)
    if isinstance(value, dict):
        return {k: _fill_any(v, seq) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_any(v, seq) for v in value]
    return value


def _send(client: Any, target: Target, phase: str, seq: int, vary_query: bool) -> None:
    path = _fill(target.path, seq)
    if vary_query and target.method == "GET":
        path += ("&" if "?" in path else "?") + f"{VARY_PARAM}={seq}"
    headers = {k: _fill(v, seq) for k, v in target.headers}
    headers[PHASE_HEADER] = phase
    headers[REQ_HEADER] = str(seq)
    kwargs: dict[str, Any] = {"name": target.name, "headers": headers, "catch_response": True,
                              "context": {"seq": seq}}
    if target.json_body is not None:
        kwargs["json"] = _fill_any(target.json_body, seq)
    elif target.form is not None:
        kwargs["data"] = {k: _fill(v, seq) for k, v in target.form}
    elif target.body is not None:
        kwargs["data"] = _fill(target.body, seq)
    with client.request(target.method, path, **kwargs) as resp:
        code = resp.status_code or 0
        if 200 <= code < 400 or code in target.accept:
            resp.success()
        else:
            resp.failure(f"HTTP {code}" if code else f"connection error: {resp.error!r}"[:120])


def make_user_class(base_url: str, targets: list[Target], phase: str, budget: _Budget, vary_query: bool,
                    login: Target | None = None) -> type[FastHttpUser]:
    weights = [max(t.weight, 0.0) for t in targets]

    class SoakUser(FastHttpUser):
        host = base_url
        wait_time = constant(0)
        network_timeout = 60.0
        connection_timeout = 60.0

        def on_start(self) -> None:
            if login is not None:
                _send(self.client, login, phase + ":login", -1, False)

        @task
        def hit(self) -> None:
            seq = budget.take()
            if seq is None:
                gevent.sleep(0.05)
                return
            target = targets[0] if len(targets) == 1 else random.choices(targets, weights)[0]
            _send(self.client, target, phase, seq, vary_query)

    return SoakUser


def load_locustfile(path: Path, base_url: str) -> list[type[User]]:
    """User classes defined in a user's locustfile, pointed at our server."""
    spec = importlib.util.spec_from_file_location(f"flask_doctor_locustfile_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import locustfile {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, User) and v is not User and not getattr(v, "abstract", False)
               and v.__module__ == module.__name__]
    if not classes:
        raise ValueError(f"{path} defines no Locust User class")
    for cls in classes:
        host = getattr(cls, "host", None)
        if host and urlsplit(host).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"{path}: {cls.__name__}.host is {host!r}; soak sends load only to its own loopback server")
        cls.host = base_url
    return classes


def run_phase(
    base_url: str,
    phase: str,
    *,
    targets: list[Target] | None = None,
    user_classes: list[type[User]] | None = None,
    requests: int,
    seconds: float,
    users: int,
    vary_query: bool = True,
    login: Target | None = None,
    progress: Callable[[PhaseResult], None] | None = None,
    keep_records: bool = True,
) -> PhaseResult:
    """Run one bounded phase and return what the clients saw."""
    budget = _Budget(requests)
    if user_classes is None:
        assert targets, "a phase needs targets or user classes"
        user_classes = [make_user_class(base_url, targets, phase, budget, vary_query, login)]
    env = Environment(user_classes=user_classes, host=base_url)
    result = PhaseResult(name=phase)
    start = time.time()

    def on_request(request_type: str, name: str, response_time: float, response_length: int,
                   exception: Any = None, context: Any = None, start_time: float | None = None, **kw: Any) -> None:
        ok = exception is None
        result.requests += 1
        if not ok:
            result.failures += 1
            key = str(exception)[:160]
            if len(result.errors) < 50 or key in result.errors:
                result.errors[key] = result.errors.get(key, 0) + 1
        if keep_records:
            seq = int(context.get("seq", -1)) if isinstance(context, dict) else -1
            result.records.append(RequestRecord(name, seq, start_time or time.time(), float(response_time), ok,
                                                runner.user_count))

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(float(users), 100.0))
    try:
        while True:
            gevent.sleep(0.1)
            result.seconds = time.time() - start
            if progress is not None:
                progress(result)
            if result.requests >= requests:
                result.stopped_by = "requests"
                break
            if result.seconds >= seconds:
                result.stopped_by = "time"
                break
    finally:
        runner.quit()
        env.events.request.remove_listener(on_request)
    result.seconds = time.time() - start
    return result
