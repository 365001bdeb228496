"""Settings of the runtime doctor, read from ``app.config`` then the environment.

Every setting has a ``FLASK_DOCTOR_*`` name; ``app.config`` wins over the
environment so a factory can pin values, and keyword arguments to
``Doctor(...)`` win over both.  Defaults are chosen to stay inside the 3 %
overhead budget (docs/runtime.md, "Overhead").
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from flask_doctor.dataclass import dataclass

PREFIX = "FLASK_DOCTOR_"


@dataclass
class Settings:
    #: Kill switch: ``FLASK_DOCTOR_ENABLED=0`` installs nothing at all.
    enabled: bool = True
    #: Fraction of requests/jobs that are traced (0..1); the rest cost one random().
    sample_rate: float = 1.0
    #: Requests a second (per process) whose statements are recorded in detail (per statement,
    #: call sites, loops: N+1, slow and huge queries); the others only count statements and
    #: their time. Plus, each minute, the first requests of every endpoint. 0 = every request.
    detail_per_second: float = 10.0
    #: ``memory://`` (default, in-process) or ``redis://host:port/db``.
    store: str = "memory://"
    store_prefix: str = "flask_doctor:"
    #: Seconds a finding/request summary lives in the Redis store.
    store_ttl: int = 7 * 24 * 3600
    #: Seconds a Redis command may take before the store counts as unavailable (then it is
    #: not asked again for 5 s; the dashboard shows this worker's own data meanwhile).
    store_timeout: float = 0.5
    #: Bearer token for the dashboard/API/metrics; without it they exist only in debug mode.
    token: str = ""
    dashboard: bool = True
    url_prefix: str = "/_doctor"
    metrics: bool = True
    #: Seconds between background aggregation passes.
    flush_interval: float = 1.0
    #: Run the aggregator/sampler thread (tests may turn it off and call ``flush()``).
    background: bool = True
    #: Bounded queue between request threads and the aggregator.
    queue_size: int = 10_000
    # ---------------------------------------------------------------- store bounds
    max_findings: int = 500
    max_requests: int = 1_000
    max_endpoints: int = 300
    max_fingerprints: int = 1_000
    # ---------------------------------------------------------------- detectors
    n_plus_one: int = 5
    unbounded_rows: int = 1_000
    slow_query_ms: float = 500.0
    slow_endpoint_ms: float = 1_000.0
    min_samples: int = 5
    window: int = 100
    blocking_ms: float = 200.0
    blocking_ratio: float = 0.8
    error_burst: int = 5
    error_window_s: float = 60.0
    retry_storm: int = 10
    retry_window_s: float = 60.0
    # ---------------------------------------------------------------- memory
    memory_interval: float = 2.0
    memory_window: int = 60
    memory_min_samples: int = 10
    memory_growth_bytes: int = 8 * 1024 * 1024
    leak_bytes_per_request: int = 4096
    tracemalloc: bool = False
    tracemalloc_top: int = 10
    containers: bool = True
    #: Sample module-level container sizes every N traced requests/jobs.
    container_every: int = 1_000
    container_growth: int = 1_000
    container_min_samples: int = 5
    #: In-flight capacity of this worker (threads/greenlets); 0 = detect.
    capacity: int = 0
    #: SQL hook style: ``dialect`` (do_execute events, cheapest) or ``cursor`` (before/after_cursor_execute).
    sql_events: str = "dialect"
    #: Count app context pushes/pops with call sites and per thread (else on demand).
    context_signals: bool = False
    #: Attribute pooled connections to requests (else only in job workers or on suspicion).
    track_connections: bool = False
    # ---------------------------------------------------------------- privacy
    capture_params: bool = False
    #: Comma separated codes or prefixes not to report (``FD170,FD4``).
    ignore: tuple[str, ...] = ()
    log_findings: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        environ = os.environ if environ is None else environ
        config = config or {}
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            key = PREFIX + f.name.upper()
            raw: Any = None
            if key in config:
                raw = config[key]
            elif key in environ:
                raw = environ[key]
            if f.name in overrides:
                raw = overrides[f.name]
            if raw is None:
                continue
            values[f.name] = _coerce(f, raw)
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown Doctor setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)


def _coerce(f: dataclasses.Field[Any], raw: Any) -> Any:
    default = f.default if f.default is not dataclasses.MISSING else None
    kind = type(default) if default is not None else str
    name = PREFIX + f.name.upper()
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{name}={raw!r}: use 1/0, true/false")
    if f.name == "ignore":
        if isinstance(raw, str):
            return tuple(p.strip().upper() for p in raw.split(",") if p.strip())
        return tuple(str(p).upper() for p in raw)
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            value = float(raw)
            if f.name == "sample_rate" and not 0.0 <= value <= 1.0:
                raise ValueError
            return value
    except (TypeError, ValueError):
        raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    return str(raw)
