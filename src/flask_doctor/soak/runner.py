"""Orchestrate one soak: server up, phases, samples, server down.

Phases, in order:

0. ``warmup``    - every endpoint a little, not analysed (start-up costs);
1. ``control``   - a URL the app does not have (404 through the whole Flask
   request cycle): its memory slope calibrates the noise floor;
2. one phase per endpoint - only that endpoint, so growth is attributable;
3. ``mixed``     - every endpoint by weight, as real traffic interleaves them;
4. ``step-N``    - load raised in steps of N concurrent users, for saturation.

After each leak-hunting phase the runner fits the slope from the samples
the workers already wrote; only a suspicious phase asks the workers for the
(expensive) tracemalloc snapshot comparison.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_doctor.soak import analysis
from flask_doctor.soak.agent import SITES_SUFFIX
from flask_doctor.soak.routes import Target
from flask_doctor.soak.server import GunicornServer

CONTROL_PATH = "/__flask_doctor_control__/not-a-route"


@dataclass
class SoakSettings:
    requests: int = 2000
    seconds: float = 60.0
    users: int = 4
    workers: int = 1
    worker_class: str = "sync"
    threads: int = 4
    warmup: int = 0  # 0: automatic
    cadence: int = 0  # 0: automatic
    tracemalloc: bool = True
    nframes: int = 12
    sites_requests: int = 240
    vary_query: bool = True
    steps: tuple[int, ...] = (1, 2, 4, 8, 16)
    step_seconds: float = 4.0
    step_requests: int = 5000
    mixed: bool = True
    leaks: bool = True
    saturation: bool = True
    doctor: bool = True

    def resolved_warmup(self) -> int:
        return self.warmup or max(50, min(500, self.requests // 10))

    def resolved_cadence(self, requests: int | None = None) -> int:
        # about 60 samples per phase: enough points for Sen's interval (1,770
        # pairs), few enough that the full gc.collect() per sample stays cheap.
        n = self.requests if requests is None else requests
        return self.cadence or max(5, (n - self.resolved_warmup()) // 60)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()} | {
            "warmup": self.resolved_warmup(), "cadence": self.resolved_cadence()}


@dataclass
class PhaseRun:
    name: str
    kind: str  # control | endpoint | mixed | step | custom
    targets: list[Target]
    users: int
    result: Any = None  # load.PhaseResult
    started: float = 0.0
    ended: float = 0.0
    cpu_seconds: dict[int, float] = field(default_factory=dict)
    sites_requested: bool = False
    budget: int = 0


class Progress:
    """Called with (phase index, phase count, phase run, client result, worker RSS by pid)."""

    def __call__(self, index: int, total: int, run: PhaseRun, result: Any, rss: dict[int, int]) -> None:
        pass


def _worker_cpu(pids: list[int]) -> dict[int, float]:
    import psutil

    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            out[pid] = t.user + t.system
        except Exception:
            pass
    return out


def _worker_rss(pids: list[int]) -> dict[int, int]:
    import psutil

    out = {}
    for pid in pids:
        try:
            out[pid] = int(psutil.Process(pid).memory_info().rss)
        except Exception:
            pass
    return out


def plan_phases(targets: list[Target], settings: SoakSettings, custom: bool) -> list[PhaseRun]:
    phases = []
    if (settings.leaks and targets) or custom:
        # Warm the whole app first (imports, template compilation, routing
        # caches) so the control phase measures noise, not start-up.
        phases.append(PhaseRun("warmup", "warmup", list(targets) or
                               [Target("control (404)", CONTROL_PATH, accept=(404,))], settings.users))
    if settings.leaks or custom:
        phases.append(PhaseRun("control", "control", [Target("control (404)", CONTROL_PATH, accept=(404,))],
                               settings.users))
    if custom:
        phases.append(PhaseRun("locustfile", "custom", [], settings.users))
        return phases
    if settings.leaks:
        for i, t in enumerate(targets):
            phases.append(PhaseRun(f"ep{i:03d}", "endpoint", [t], settings.users))
        if settings.mixed and len(targets) > 1:
            phases.append(PhaseRun("mixed", "mixed", list(targets), settings.users))
    if settings.saturation:
        for users in settings.steps:
            phases.append(PhaseRun(f"step-{users:03d}", "step", list(targets), users))
    return phases


def run_soak(
    server: GunicornServer,
    targets: list[Target],
    settings: SoakSettings,
    *,
    login: Target | None = None,
    locust_classes_factory: Callable[[str], list[Any]] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every phase against a started server; returns the raw run data."""
    from flask_doctor.soak import load

    custom = locust_classes_factory is not None
    phases = plan_phases(targets, settings, custom)
    warmup = settings.resolved_warmup()
    rss_series: dict[int, list[tuple[float, int]]] = {}
    last_rss = [0.0]
    t_start = time.time()
    floor: dict[str, Any] | None = None

    for index, phase in enumerate(phases):
        pids = server.worker_pids()
        cpu0 = _worker_cpu(pids)
        phase.started = time.time()
        step = phase.kind == "step"
        requests = settings.step_requests if step else settings.requests
        if phase.kind == "warmup":
            requests = max(100, min(600, settings.requests // 4))
        elif phase.kind == "control":
            # capped: a shorter control only widens (raises) the floor
            requests = min(settings.requests, 5000)
        phase.budget = requests
        cadence = 10**9 if phase.kind == "warmup" else settings.resolved_cadence(requests)
        server.control(phase=phase.name, cadence=cadence)
        seconds = settings.step_seconds if step else settings.seconds

        def on_progress(result: Any, _phase: PhaseRun = phase, _index: int = index) -> None:
            now = time.time()
            if now - last_rss[0] >= 0.5:
                last_rss[0] = now
                rss = _worker_rss(server.worker_pids())
                for pid, value in rss.items():
                    rss_series.setdefault(pid, []).append((round(now - t_start, 2), value))
                if progress is not None:
                    progress(_index, len(phases), _phase, result, rss)

        if custom and phase.kind == "custom":
            assert locust_classes_factory is not None
            phase.result = load.run_phase(server.base_url, phase.name, user_classes=locust_classes_factory(server.base_url),
                                          requests=requests, seconds=seconds, users=phase.users,
                                          progress=on_progress)
        else:
            phase.result = load.run_phase(
                server.base_url, phase.name, targets=phase.targets, requests=requests, seconds=seconds,
                users=phase.users, vary_query=settings.vary_query and phase.kind != "step",
                login=login if phase.kind != "control" else None, progress=on_progress,
            )
        phase.ended = time.time()
        cpu1 = _worker_cpu(pids)
        phase.cpu_seconds = {pid: cpu1[pid] - cpu0[pid] for pid in cpu1 if pid in cpu0}
        if progress is not None:
            progress(index, len(phases), phase, phase.result, _worker_rss(server.worker_pids()))
        server.control(phase=phase.name, end=(phase.name,))
        # A suspicious endpoint is re-run briefly with deep tracebacks so
        # its growth can be charged to lines of the user's code.
        if phase.kind == "endpoint" and settings.tracemalloc:
            samples = analysis.read_samples(server.out_dir, phase.name)
            fit = analysis.memory_fit(samples, warmup, "traced")
            if fit is not None and fit.trend.low > 0 and fit.trend.slope > (floor or {}).get("bytes_per_request", 0) / 2:
                phase.sites_requested = True
                burst = phase.name + SITES_SUFFIX
                server.control(phase=burst, retrace=settings.nframes)
                load.run_phase(server.base_url, burst, targets=phase.targets, requests=settings.sites_requests,
                               seconds=seconds, users=phase.users, vary_query=settings.vary_query, login=login,
                               keep_records=False, progress=on_progress)
                server.control(phase=burst, end=(burst,), sites=(burst,), retrace=1)
        if phase.kind == "control":
            floor = analysis.noise_floor(analysis.read_samples(server.out_dir, "control"), warmup,
                                         "traced" if settings.tracemalloc else "rss")

    server.control(phase="idle")
    return {
        "phases": phases,
        "rss_series": rss_series,
        "started": t_start,
        "ended": time.time(),
        "worker_pids": server.worker_pids(),
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
