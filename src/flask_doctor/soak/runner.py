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
from dataclasses import field
from pathlib import Path
from typing import Any

from flask_doctor.dataclass import dataclass
from flask_doctor.soak import analysis
from flask_doctor.soak.agent import SITES_SUFFIX
from flask_doctor.soak.routes import Login, Target
from flask_doctor.soak.server import GunicornServer

CONTROL_PATH = "/__flask_doctor_control__/not-a-route"


@dataclass
class SoakSettings:
    #: requests per phase; None: adapted per endpoint to fit ``budget`` seconds
    requests: int | None = None
    #: seconds per phase at most
    seconds: float = 60.0
    #: seconds the whole soak should take when ``requests`` is None (the default)
    budget: float = 240.0
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
    #: the runtime doctor runs in the workers (only when asked and importable)
    doctor: bool = False
    #: fewest and most requests an endpoint phase gets when adapted to the budget
    min_requests: int = 200
    max_requests: int = 2000

    @property
    def adaptive(self) -> bool:
        return self.requests is None

    def resolved_warmup(self, requests: int | None = None) -> int:
        """Requests at the start of a phase left out of the fit (10%, 150..500, at most half the phase).

        At least 150: bounded caches fill in a phase's first requests (the
        standard library's ``urlsplit`` cache holds 128 URLs, and ``?_soak=N``
        makes every URL new), a growth that stops and must not be fitted.
        """
        n = requests if requests is not None else (self.requests or self.max_requests)
        return self.warmup or min(max(150, min(500, n // 10)), max(1, n // 2))

    def resolved_cadence(self, requests: int | None = None) -> int:
        # about 60 samples per phase: enough points for Sen's interval (1,770
        # pairs), few enough that the full gc.collect() per sample stays cheap.
        n = requests if requests is not None else (self.requests or self.max_requests)
        return self.cadence or max(5, (n - self.resolved_warmup(n)) // 60)

    def to_dict(self) -> dict[str, Any]:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        out["adaptive"] = self.adaptive
        if not self.adaptive:
            out["warmup"] = self.resolved_warmup()
            out["cadence"] = self.resolved_cadence()
        return out


@dataclass
class PhaseRun:
    name: str
    kind: str  # warmup | control | endpoint | mixed | step | custom
    targets: list[Target]
    users: int
    result: Any = None  # load.PhaseResult
    started: float = 0.0
    ended: float = 0.0
    cpu_seconds: dict[int, float] = field(default_factory=dict)
    sites_requested: bool = False
    budget: int = 0
    warmup: int = 0
    cadence: int = 0
    seconds: float = 0.0
    #: why the phase did not run or was cut short ("" when it ran)
    skipped: str = ""


@dataclass
class SoakRun:
    """Everything a soak did so far; filled as it goes, so an interrupted run still has a report."""

    phases: list[PhaseRun] = field(default_factory=list)
    rss_series: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    ended: float = 0.0
    worker_pids: list[int] = field(default_factory=list)
    crashes: list[Any] = field(default_factory=list)  # workers.Crash
    #: target name -> why it was not measured
    not_measured: dict[str, str] = field(default_factory=dict)
    partial: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    restarts: int = 0
    floor: dict[str, Any] | None = None


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


CONTROL = Target("control (404)", CONTROL_PATH, accept=(404,))


def plan_phases(targets: list[Target], settings: SoakSettings, custom: bool) -> list[PhaseRun]:
    phases = []
    if (settings.leaks and targets) or custom:
        # Warm the whole app first (imports, template compilation, routing
        # caches) so the control phase measures noise, not start-up.
        phases.append(PhaseRun("warmup", "warmup", list(targets) or [CONTROL], settings.users))
    if settings.leaks or custom:
        phases.append(PhaseRun("control", "control", [CONTROL], settings.users))
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


# ------------------------------------------------------------------ budget
def saturation_seconds(settings: SoakSettings) -> float:
    return (len(settings.steps) * (settings.step_seconds + 1.0)) if settings.saturation else 0.0


def warmup_requests(settings: SoakSettings, targets: int) -> int:
    if settings.requests is not None:
        return max(100, min(600, settings.requests // 4))
    return max(100, min(600, 25 * max(1, targets)))


def adapt_requests(phases: list[PhaseRun], warm: Any, settings: SoakSettings, elapsed: float) -> None:
    """Give each leak phase a request count that fits the time left of the budget.

    The rate of each endpoint is estimated from the warm-up (Little's law:
    users / mean latency); the leak phases share the time left after the
    saturation steps equally; each gets between ``min_requests`` and
    ``max_requests``.  A phase also stops at its share of the time (x1.15).
    """
    # only the phases still to run: called again after each phase, so a machine
    # that slows down shrinks what is left instead of overrunning the budget
    leak_phases = [
        p for p in phases if p.kind in ("control", "endpoint", "mixed") and not p.skipped and p.result is None
    ]
    if not leak_phases:
        return
    left = settings.budget - elapsed - saturation_seconds(settings)
    # the allocation-site bursts of suspicious endpoints and the per-phase overhead
    left *= 0.85
    per_phase = max(4.0, left / len(leak_phases) - 0.5)
    latency: dict[str, list[float]] = {}
    for rec in getattr(warm, "records", []) or []:
        latency.setdefault(rec.name, []).append(rec.ms)
    all_ms = [ms for values in latency.values() for ms in values]
    default_ms = sum(all_ms) / len(all_ms) if all_ms else 10.0
    for phase in leak_phases:
        names = [t.name for t in phase.targets]
        values = [ms for n in names for ms in latency.get(n, [])]
        if phase.kind == "control":
            mean_ms = min(default_ms, 5.0) if not values else sum(values) / len(values)
        else:
            mean_ms = sum(values) / len(values) if len(values) >= 3 else default_ms
        rate = phase.users / max(mean_ms / 1000.0, 1e-4)
        n = int(rate * per_phase)
        phase.budget = max(settings.min_requests, min(settings.max_requests, n))
        phase.seconds = min(settings.seconds, max(per_phase * 1.15, 4.0))


def _fixed_budget(phase: PhaseRun, settings: SoakSettings, n_targets: int) -> None:
    if phase.kind == "warmup":
        phase.budget = warmup_requests(settings, n_targets)
        phase.seconds = (
            min(settings.seconds, max(10.0, settings.budget * 0.1)) if settings.adaptive else settings.seconds
        )
    elif phase.kind == "step":
        phase.budget, phase.seconds = settings.step_requests, settings.step_seconds
    elif phase.kind == "control":
        # capped: a shorter control only widens (raises) the floor
        phase.budget, phase.seconds = min(settings.requests or settings.max_requests, 5000), settings.seconds
    else:
        phase.budget, phase.seconds = settings.requests or settings.max_requests, settings.seconds


# ------------------------------------------------------------------ the run
def run_soak(
    server: GunicornServer,
    targets: list[Target],
    settings: SoakSettings,
    *,
    login: Login | None = None,
    locust_classes_factory: Callable[[str], list[Any]] | None = None,
    progress: Progress | None = None,
    run: SoakRun | None = None,
) -> SoakRun:
    """Run every phase against a started server; fills and returns ``run``.

    Workers that die are reported and the request that killed them is not
    sent again; if gunicorn itself goes down it is restarted (twice at most)
    and the phases go on.  KeyboardInterrupt propagates, with ``run`` holding
    what was done.
    """
    from flask_doctor.soak import load
    from flask_doctor.soak.workers import WorkerWatch, master_reason

    run = run if run is not None else SoakRun()
    custom = locust_classes_factory is not None
    phases = plan_phases(targets, settings, custom)
    run.phases = phases
    for phase in phases:
        _fixed_budget(phase, settings, len(targets))
    quarantine = load.Quarantine()
    watch = WorkerWatch(server, run.started)
    watch.poll(force=True)
    run.crashes = watch.crashes
    last_rss = [0.0]

    def on_crashes(crashes: list[Any]) -> None:
        for crash in crashes:
            name = crash.target
            if name and name not in quarantine:
                quarantine.add(name)
                req = crash.inflight[0]
                run.not_measured.setdefault(
                    name, f"a worker died during request #{req.count} to it (see FD581); not sent again"
                )

    current: list[PhaseRun] = []

    def should_stop() -> str | None:
        on_crashes(watch.poll())
        if not server.alive():
            return "server-died"
        if current and current[0].targets and all(t.name in quarantine for t in current[0].targets):
            return "worker-crashed"
        return None

    def restart_if_dead(phase: PhaseRun) -> bool:
        """True when the server is (again) up."""
        if server.alive():
            return True
        watch.poll(force=True)
        on_crashes(watch.crashes)
        try:
            text = (server.agent_dir / "gunicorn.log").read_text(errors="replace")
        except OSError:
            text = ""
        why = master_reason(text) or f"exit code {server.exit_code()}"
        if run.restarts >= 2:
            run.partial.append(f"gunicorn stopped during phase {phase.name} ({why}) and was not restarted again")
            return False
        run.restarts += 1
        run.notes.append(f"gunicorn stopped during phase {phase.name} ({why}); restarted it")
        server.proc = None
        try:
            server.start(fresh=False)
        except Exception as exc:  # noqa: BLE001 - reported as the reason the report is partial
            run.partial.append(
                f"gunicorn stopped during phase {phase.name} ({why}) and could not be "
                f"restarted: {str(exc).splitlines()[0][:200]}"
            )
            return False
        watch.known = set(server.worker_pids())
        return True

    for index, phase in enumerate(phases):
        if phase.skipped:
            continue
        live = [t for t in phase.targets if t.name not in quarantine and t.name not in run.not_measured]
        if phase.kind != "custom" and not live:
            phase.skipped = "every target of this phase was left out (see not measured)"
            continue
        if phase.kind in ("endpoint", "mixed", "step", "warmup"):
            phase.targets = live
        pids = server.worker_pids()
        cpu0 = _worker_cpu(pids)
        phase.started = time.time()
        watch.phase = phase.name
        current[:] = [phase]
        requests = phase.budget
        phase.warmup = settings.resolved_warmup(requests)
        phase.cadence = 10**9 if phase.kind == "warmup" else settings.resolved_cadence(requests)
        server.control(phase=phase.name, cadence=phase.cadence, warmup=phase.warmup)

        def on_progress(result: Any, _phase: PhaseRun = phase, _index: int = index) -> None:
            now = time.time()
            if now - last_rss[0] >= 0.5:
                last_rss[0] = now
                rss = _worker_rss(server.worker_pids())
                for pid, value in rss.items():
                    run.rss_series.setdefault(pid, []).append((round(now - run.started, 2), value))
                if progress is not None:
                    progress(_index, len(phases), _phase, result, rss)

        if custom and phase.kind == "custom":
            assert locust_classes_factory is not None
            phase.result = load.run_phase(
                server.base_url,
                phase.name,
                user_classes=locust_classes_factory(server.base_url),
                requests=requests,
                seconds=phase.seconds,
                users=phase.users,
                progress=on_progress,
                should_stop=should_stop,
            )
        else:
            phase.result = load.run_phase(
                server.base_url,
                phase.name,
                targets=phase.targets,
                requests=requests,
                seconds=phase.seconds,
                users=phase.users,
                vary_query=settings.vary_query and phase.kind != "step",
                login=login if phase.kind != "control" else None,
                progress=on_progress,
                quarantine=quarantine,
                should_stop=should_stop,
            )
        phase.ended = time.time()
        on_crashes(watch.poll(force=True))
        cpu1 = _worker_cpu(pids)
        phase.cpu_seconds = {pid: cpu1[pid] - cpu0[pid] for pid in cpu1 if pid in cpu0}
        if progress is not None:
            progress(index, len(phases), phase, phase.result, _worker_rss(server.worker_pids()))
        if phase.result.stopped_by == "server-died" or not server.alive():
            phase.skipped = "gunicorn stopped during this phase"
            if not restart_if_dead(phase):
                break
            if phase.kind == "warmup" and settings.adaptive:
                adapt_requests(phases, phase.result, settings, time.time() - run.started)
            continue
        server.control(phase=phase.name, end=(phase.name,))
        if phase.kind == "warmup":
            _after_warmup(run, phases, phase, settings, targets)
            if settings.adaptive:
                adapt_requests(phases, phase.result, settings, time.time() - run.started)
        # A suspicious endpoint is re-run briefly with deep tracebacks so
        # its growth can be charged to lines of the user's code.
        if phase.kind == "endpoint" and settings.tracemalloc and phase.targets[0].name not in quarantine:
            samples = analysis.read_samples(server.out_dir, phase.name)
            fit = analysis.memory_fit(samples, phase.warmup, "traced")
            if (
                fit is not None
                and fit.trend.low > 0
                and fit.trend.slope > (run.floor or {}).get("bytes_per_request", 0) / 2
            ):
                phase.sites_requested = True
                burst = phase.name + SITES_SUFFIX
                server.control(phase=burst, retrace=settings.nframes)
                load.run_phase(
                    server.base_url,
                    burst,
                    targets=phase.targets,
                    requests=settings.sites_requests,
                    seconds=phase.seconds,
                    users=phase.users,
                    vary_query=settings.vary_query,
                    login=login,
                    keep_records=False,
                    progress=on_progress,
                    quarantine=quarantine,
                    should_stop=should_stop,
                )
                server.control(phase=burst, end=(burst,), sites=(burst,), retrace=1)
        if settings.adaptive and phase.kind in ("control", "endpoint", "mixed"):
            warm = next((p.result for p in phases if p.kind == "warmup"), None)
            adapt_requests(phases, warm, settings, time.time() - run.started)
        if phase.kind == "control":
            run.floor = analysis.noise_floor(
                analysis.read_samples(server.out_dir, "control"),
                phase.warmup,
                "traced" if settings.tracemalloc else "rss",
            )

    if server.alive():
        server.control(phase="idle")
    watch.poll(force=True)
    on_crashes(watch.crashes)
    watch.finish()
    run.ended = time.time()
    run.worker_pids = server.worker_pids()
    return run


def _after_warmup(
    run: SoakRun, phases: list[PhaseRun], warm: PhaseRun, settings: SoakSettings, targets: list[Target]
) -> None:
    """Leave out endpoints the warm-up showed cannot be measured as they are driven.

    Redirects are never followed: an endpoint that only redirects (to a
    login page above all) would measure the redirect, not the page.  One that
    only answers 401/403 measures the authentication check.  And when every
    request of every endpoint is a 404, the app does not answer to soak's
    Host (SERVER_NAME, host matching): nothing would be measured.
    """
    from flask_doctor.soak.responses import is_login_location

    result = warm.result
    statuses: dict[str, dict[int, int]] = getattr(result, "statuses", {}) or {}
    total = {name: sum(counts.values()) for name, counts in statuses.items()}
    measured = [t for t in targets if t.name not in run.not_measured]
    if measured and all(total.get(t.name, 0) >= 1 and set(statuses.get(t.name, {})) == {404} for t in measured):
        run.warnings.append(
            "every request to every endpoint answered 404 in the warm-up: the app does not answer to soak's "
            "requests (a SERVER_NAME or host-matched routes for another host, a URL prefix?); use "
            "--server-name HOST to send the Host header it expects"
        )
        for t in measured:
            run.not_measured[t.name] = "every request answered 404 (see the warning)"
        run.partial.append("nothing could be measured: every request answered 404")
        return
    for t in measured:
        counts = statuses.get(t.name, {})
        n = total.get(t.name, 0)
        if n < 3:
            continue
        redirects = sum(c for s, c in counts.items() if 300 <= s < 400)
        auth = sum(c for s, c in counts.items() if s in (401, 403))
        if redirects >= 0.9 * n:
            where = max((result.redirects.get(t.name) or {"?": 1}).items(), key=lambda kv: kv[1])[0]
            login = is_login_location(where)
            run.not_measured[t.name] = f"redirected to {where}" + (
                " (a login page: log in with a scenario's login step)"
                if login
                else " (soak does not follow redirects; drive the target itself)"
            )
        elif auth >= 0.9 * n:
            code = max((s for s in counts if s in (401, 403)), key=lambda s: counts[s])
            run.not_measured[t.name] = (
                f"every request answered {code} (authentication required: give credentials "
                "with a scenario's headers or login step)"
            )
    for phase in phases:
        if phase.kind == "endpoint" and phase.targets[0].name in run.not_measured:
            phase.skipped = run.not_measured[phase.targets[0].name]


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
