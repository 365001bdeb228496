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
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import gevent
from locust import FastHttpUser, User, constant, task
from locust.env import Environment

from flask_doctor.soak.responses import (
    _DISTINCT,
    PhaseResult,
    Quarantine,
    RequestRecord,
    location_path,
)
from flask_doctor.soak.routes import Login, Target

PHASE_HEADER = "X-Flask-Doctor-Phase"
REQ_HEADER = "X-Flask-Doctor-Req"
#: the soak target a request belongs to (the agent counts requests per target)
TARGET_HEADER = "X-Flask-Doctor-Target"
#: query parameter soak adds so caches keyed by the raw URL see real-traffic variety
VARY_PARAM = "_soak"


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


def _send(
    client: Any, target: Target, phase: str, seq: int, vary_query: bool, extra_form: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Send one request (redirects are not followed); returns (status, Location, body text)."""
    path = _fill(target.path, seq)
    if vary_query and target.method == "GET":
        path += ("&" if "?" in path else "?") + f"{VARY_PARAM}={seq}"
    headers = {k: _fill(v, seq) for k, v in target.headers}
    headers[PHASE_HEADER] = phase
    headers[REQ_HEADER] = str(seq)
    headers[TARGET_HEADER] = quote(target.name, safe=" /:?&=,()")[:200]
    if target.host:
        headers["Host"] = target.host
    kwargs: dict[str, Any] = {
        "name": target.name,
        "headers": headers,
        "catch_response": True,
        "context": {"seq": seq, "accept": target.accept},
        "allow_redirects": False,
    }
    if target.json_body is not None:
        kwargs["json"] = _fill_any(target.json_body, seq)
        if extra_form:
            kwargs["json"] = {**kwargs["json"], **extra_form} if isinstance(kwargs["json"], dict) else kwargs["json"]
    elif target.form is not None or extra_form:
        kwargs["data"] = {**{k: _fill(v, seq) for k, v in (target.form or ())}, **(extra_form or {})}
    elif target.body is not None:
        kwargs["data"] = _fill(target.body, seq)
    with client.request(target.method, path, **kwargs) as resp:
        code = resp.status_code or 0
        if code:
            resp.success()  # the status is judged by the soak's analysis, not by Locust
        else:
            resp.failure(f"connection error: {resp.error!r}"[:120])
        location = ""
        text = ""
        if code:
            try:
                location = resp.headers.get("location") or resp.headers.get("Location") or ""
            except Exception:
                location = ""
            if phase.endswith(":login"):
                try:
                    text = resp.text or ""
                except Exception:
                    text = ""
        return code, location, text


def make_user_class(
    base_url: str,
    targets: list[Target],
    phase: str,
    budget: _Budget,
    vary_query: bool,
    login: Login | None = None,
    quarantine: Quarantine | None = None,
    result: PhaseResult | None = None,
) -> type[FastHttpUser]:
    weights = [max(t.weight, 0.0) for t in targets]
    skip = quarantine if quarantine is not None else Quarantine()

    class SoakUser(FastHttpUser):
        host = base_url
        wait_time = constant(0)
        network_timeout = 60.0
        connection_timeout = 60.0

        def on_start(self) -> None:
            if login is None:
                return
            from flask_doctor.soak.login import run_login

            def send(target: Target, extra: dict[str, str] | None) -> tuple[int, str, str]:
                return _send(self.client, target, phase + ":login", -1, False, extra)

            outcome = run_login(send, login)
            if not outcome.ok and result is not None:
                result.login_failures += 1
                result.login_reason = outcome.reason

        @task
        def hit(self) -> None:
            live = [t for t in targets if t.name not in skip] if skip.names else targets
            if not live:
                gevent.sleep(0.05)
                return
            seq = budget.take()
            if seq is None:
                gevent.sleep(0.05)
                return
            if len(live) == 1:
                target = live[0]
            else:
                target = random.choices(live, [max(t.weight, 0.0) for t in live] if skip.names else weights)[0]
            _send(self.client, target, phase, seq, vary_query)

    return SoakUser


def load_locustfile(path: Path, base_url: str) -> list[type[User]]:
    """User classes defined in a user's locustfile, pointed at our server."""
    spec = importlib.util.spec_from_file_location(f"flask_doctor_locustfile_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import locustfile {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, User)
        and v is not User
        and not getattr(v, "abstract", False)
        and v.__module__ == module.__name__
    ]
    if not classes:
        raise ValueError(f"{path} defines no Locust User class")
    for cls in classes:
        host = getattr(cls, "host", None)
        if host and urlsplit(host).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(
                f"{path}: {cls.__name__}.host is {host!r}; soak sends load only to its own loopback server"
            )
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
    login: Login | None = None,
    progress: Callable[[PhaseResult], None] | None = None,
    keep_records: bool = True,
    quarantine: Quarantine | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> PhaseResult:
    """Run one bounded phase and return what the clients saw.

    Stops at ``requests``, at ``seconds``, or as soon as ``should_stop()``
    returns a reason (the server died, every target is quarantined).
    """
    budget = _Budget(requests)
    result = PhaseResult(name=phase)
    if user_classes is None:
        assert targets, "a phase needs targets or user classes"
        user_classes = [make_user_class(base_url, targets, phase, budget, vary_query, login, quarantine, result)]
    env = Environment(user_classes=user_classes, host=base_url)
    start = time.time()

    def on_request(
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        exception: Any = None,
        context: Any = None,
        start_time: float | None = None,
        **kw: Any,
    ) -> None:
        ctx = context if isinstance(context, dict) else {}
        seq = int(ctx.get("seq", -1))
        if seq == -1 and "accept" in ctx:
            return  # a login step: not part of the phase's measurements
        response = kw.get("response")
        status = int(getattr(response, "status_code", 0) or 0)
        accept = tuple(ctx.get("accept", ()))
        # 4xx are judged by the analysis (by design, or a change under load);
        # a custom locustfile's own failure on a 2xx/3xx counts as one.
        failed = (
            status == 0
            or (status >= 500 and status not in accept)
            or (exception is not None and "accept" not in ctx and status < 400)
        )
        result.requests += 1
        by_status = (
            result.statuses.setdefault(name, {})
            if len(result.statuses) < 1000 or name in result.statuses
            else result.statuses.setdefault("(other)", {})
        )
        by_status[status] = by_status.get(status, 0) + 1
        if 300 <= status < 400 and response is not None:
            try:
                where = location_path(response.headers.get("location") or "")
            except Exception:
                where = "?"
            seen = result.redirects.setdefault(name, {}) if len(result.redirects) < 1000 else {}
            if len(seen) < _DISTINCT or where in seen:
                seen[where] = seen.get(where, 0) + 1
        if failed:
            result.failures += 1
            key = (f"HTTP {status}" if status else str(exception or "connection error"))[:160]
            if len(result.errors) < _DISTINCT or key in result.errors:
                result.errors[key] = result.errors.get(key, 0) + 1
        if keep_records:
            result.records.append(
                RequestRecord(
                    name, seq, start_time or time.time(), float(response_time), not failed, runner.user_count, status
                )
            )

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
            reason = should_stop() if should_stop is not None else None
            if reason:
                result.stopped_by = reason
                break
    finally:
        runner.quit()
        env.events.request.remove_listener(on_request)
    result.seconds = time.time() - start
    return result
