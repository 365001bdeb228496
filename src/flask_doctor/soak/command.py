"""``flask-doctor soak``: run the app under gunicorn and real load, hunt leaks and saturation."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from flask_doctor.cli_common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from flask_doctor.safe_text import printable

DEFAULT_OUT = "flask-doctor-soak"


def _doctor_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("flask_doctor.runtime.doctor") is not None
    except (ImportError, ValueError):
        return False


@click.command("soak")
@click.option(
    "--app",
    "app",
    required=True,
    metavar="IMPORT",
    help="The application, as for `flask --app` (module, module:app, module:create_app(), path/app.py).",
)
@click.option(
    "--requests",
    "requests",
    type=click.IntRange(50, 10_000_000),
    default=None,
    help="Requests per phase (each endpoint alone, then all mixed) [default: adapted to --budget].",
)
@click.option(
    "--budget",
    "budget",
    type=click.FloatRange(30, 7 * 86400),
    default=240.0,
    show_default=True,
    help="Seconds the whole soak should take: each endpoint gets as many requests (200..2,000) as fit "
    "(ignored with --requests).",
)
@click.option(
    "--duration",
    "duration",
    type=click.FloatRange(1, 86400),
    default=60.0,
    show_default=True,
    help="Seconds per phase at most (a phase stops at its requests or --duration).",
)
@click.option(
    "--users",
    type=click.IntRange(1, 1000),
    default=None,
    help="Concurrent simulated users in the leak phases [default: 4 for sync workers; 1 for gthread "
    "and gevent, so memory samples see an idle worker].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Gunicorn workers (one gives the cleanest memory series).",
)
@click.option("--worker-class", type=click.Choice(["sync", "gthread", "gevent"]), default="sync", show_default=True)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=4, show_default=True, help="Threads per gthread worker."
)
@click.option(
    "--locustfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own Locust user classes instead of discovered routes (one 'locustfile' phase).",
)
@click.option(
    "--scenario",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML or TOML file of requests: method, path, headers, body, weight, login step.",
)
@click.option(
    "--endpoints",
    "endpoint_patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only endpoints whose path, name or endpoint matches this glob (repeatable, comma-separated).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Directory for report.json, report.html and raw samples.",
)
@click.option("--fail-on-leak", is_flag=True, help="Exit 1 when a leak is found.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display (for CI); print only the summary.")
@click.option("--no-tracemalloc", is_flag=True, help="Measure RSS only (coarser: leaks below ~1 KB/request go unseen).")
@click.option("--no-vary-query", is_flag=True, help="Do not add a varying `?_soak=N` to GET requests.")
@click.option("--no-saturation", is_flag=True, help="Skip the step-load saturation phases.")
@click.option(
    "--only",
    type=click.Choice(["leaks", "saturation"]),
    default=None,
    help="Run only the leak-hunting phases or only the saturation steps.",
)
@click.option("--steps", default="1,2,4,8,16", show_default=True, help="Concurrent users of each saturation step.")
@click.option(
    "--step-duration",
    type=click.FloatRange(0.5, 3600),
    default=4.0,
    show_default=True,
    help="Seconds per saturation step.",
)
@click.option(
    "--warmup",
    type=click.IntRange(0, 1_000_000),
    default=0,
    help="Requests per phase excluded before fitting [default: 10% of --requests, 50..500].",
)
@click.option(
    "--doctor/--no-doctor",
    "with_doctor",
    default=False,
    show_default=True,
    help="Also run the runtime doctor in the workers and record its pool/context counts "
    "(its bounded buffers raise the memory noise floor while they fill).",
)
@click.option(
    "--server-name",
    "server_name",
    default=None,
    metavar="HOST",
    help="Host header to send [default: the app's SERVER_NAME when it has one, else 127.0.0.1:PORT].",
)
@click.option(
    "--discovery-timeout",
    type=click.FloatRange(1, 3600),
    default=60.0,
    show_default=True,
    help="Seconds the app may take to import when soak lists its routes.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def soak_command(
    app: str,
    requests: int | None,
    budget: float,
    server_name: str | None,
    discovery_timeout: float,
    duration: float,
    users: int | None,
    workers: int,
    worker_class: str,
    threads: int,
    locustfile: Path | None,
    scenario: Path | None,
    endpoint_patterns: tuple[str, ...],
    out_dir: Path,
    fail_on_leak: bool,
    quiet: bool,
    no_tracemalloc: bool,
    no_vary_query: bool,
    no_saturation: bool,
    steps: str,
    step_duration: float,
    warmup: int,
    with_doctor: bool,
    only: str | None,
    debug: bool,
) -> None:
    """Run APP under gunicorn on 127.0.0.1 with real load; find leaking, slow and saturating endpoints.

    Writes OUT/report.json and OUT/report.html.  Exit 1 with --fail-on-leak
    when a leak is found, 2 on usage or internal errors.
    """
    # Locust patches the process with gevent: do it before anything else
    # opens sockets or starts threads.
    from flask_doctor.soak import load

    _stop_on_sigterm()

    from flask_doctor.soak import report_html
    from flask_doctor.soak.login import describe, preflight
    from flask_doctor.soak.report_json import build_report
    from flask_doctor.soak.routes import (
        Scenario,
        SoakError,
        app_location,
        discover_app,
        filter_targets,
        load_scenario,
        targets_from_routes,
        with_host,
    )
    from flask_doctor.soak.runner import SoakRun, SoakSettings, run_soak, write_json
    from flask_doctor.soak.server import GunicornServer, ServerError

    if locustfile and scenario:
        raise UsageError("give --locustfile or --scenario, not both")
    try:
        step_users = tuple(sorted({int(s) for s in steps.split(",") if s.strip()}))
    except ValueError:
        raise UsageError(f"--steps must be comma-separated integers, not {steps!r}") from None
    if not step_users or min(step_users) < 1 or max(step_users) > 1000:
        raise UsageError("--steps must be between 1 and 1000 users")
    if users is None:
        users = 4 if worker_class == "sync" else 1
    spec, cwd = app_location(app)
    doctor = with_doctor and _doctor_available()
    settings = SoakSettings(
        requests=requests,
        seconds=duration,
        budget=budget,
        users=users,
        workers=workers,
        worker_class=worker_class,
        threads=threads,
        warmup=warmup,
        tracemalloc=not no_tracemalloc,
        vary_query=not no_vary_query,
        steps=step_users,
        step_seconds=step_duration,
        saturation=not no_saturation and only != "leaks",
        leaks=only != "saturation",
        doctor=doctor,
    )
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    display = _make_display(quiet)
    run = SoakRun()

    scenario_obj = Scenario()
    source = "discovered"
    factory = None
    host = server_name or ""
    try:
        if scenario is not None:
            scenario_obj, extra = load_scenario(scenario)
            source = str(scenario)
        elif locustfile is None:
            if display:
                display.start(f"importing {spec} to list its routes")
            info = discover_app(spec, cwd, timeout=discovery_timeout)
            scenario_obj = Scenario(targets=targets_from_routes(info.get("routes", [])))
            if not host and info.get("server_name"):
                host = str(info["server_name"])
                run.notes.append(f"the app's SERVER_NAME is {host!r}: every request carries Host: {host}")
            if info.get("host_matching"):
                run.notes.append("the app matches routes by host: each request carries its route's host")
        else:
            source = str(locustfile)
            path = locustfile.resolve()

            def factory(base_url: str, _path: Path = path) -> list[Any]:
                return load.load_locustfile(_path, base_url)
    except KeyboardInterrupt:
        if display:
            display.stop()
        click.echo("flask-doctor: soak interrupted while listing the app's routes; nothing was started", err=True)
        sys.exit(130)
    if server_name:
        run.notes.append(f"--server-name: every request carries Host: {server_name}")

    targets = filter_targets(scenario_obj.targets, endpoint_patterns)
    if host:
        targets = with_host(targets, host, override=bool(server_name))
    login = scenario_obj.login
    if login is not None and host and not login.target.host:
        from dataclasses import replace

        login = replace(login, target=replace(login.target, host=host))
    if locustfile is None and not targets:
        raise UsageError(
            "no endpoints to drive: the app has no GET route without URL parameters"
            + (" matching --endpoints" if endpoint_patterns else "")
            + "; describe requests in a --scenario file"
        )

    server = GunicornServer(
        spec,
        cwd,
        out_dir,
        workers=workers,
        worker_class=worker_class,
        threads=threads,
        agent_options={
            "tracemalloc": settings.tracemalloc,
            "nframes": settings.nframes,
            "warmup": settings.resolved_warmup(),
            "cadence": settings.resolved_cadence(),
            "snapshots": settings.tracemalloc,
            "doctor": doctor,
        },
    )
    t0 = time.time()
    interrupted = False
    try:
        if display:
            display.start(f"starting gunicorn ({workers} {worker_class} worker(s)) for {spec}")
        server.start()
        if login is not None:
            preflight(server.base_url, login, host)
        run.started = time.time()
        run_soak(server, targets, settings, login=login, locust_classes_factory=factory, progress=display, run=run)
    except ServerError as exc:
        hint = exc.lines[-1] if exc.lines else "gunicorn wrote nothing"
        raise SoakError(str(exc), f"last log line: {hint} (whole log: {server.agent_dir / 'gunicorn.out'})") from None
    except KeyboardInterrupt:
        interrupted = True
        _ignore_signals()  # a second Ctrl-C must not cut the clean-up and the report short
        run.partial.append("interrupted (Ctrl-C or SIGTERM) during the soak")
    finally:
        if display:
            display.stop()
        log_lines = server.log_lines(20)
        server.stop()

    if not run.phases:
        click.echo("flask-doctor: soak interrupted before any load; server stopped, no report written", err=True)
        sys.exit(130)
    run.ended = run.ended or time.time()
    server_info = {
        "worker_class": worker_class,
        "workers": workers,
        "threads": server.threads,
        "capacity": server.capacity,
        "bind": f"127.0.0.1:{server.port}",
        "host_header": host or None,
    }
    doc, findings = build_report(
        app=app,
        root=cwd,
        out_dir=out_dir,
        run=run,
        settings=settings,
        server_info=server_info,
        targets_source=source,
        doctor_available=doctor,
        log_lines=log_lines,
        login=describe(login),
    )
    write_json(out_dir / "report.json", doc)
    (out_dir / "report.html").write_text(report_html.render_html(doc), encoding="utf-8")
    if interrupted:
        click.echo(
            f"flask-doctor: soak interrupted; server stopped; partial report: {out_dir / 'report.html'}", err=True
        )
        sys.exit(130)
    _summary(doc, out_dir, time.time() - t0)
    verdicts = doc["soak"]["verdicts"]
    leaked = bool(verdicts["leaks"]) or verdicts["mixed_leak"]
    sys.exit(EXIT_FINDINGS if (fail_on_leak and leaked) else EXIT_OK)


def _ignore_signals() -> None:
    import signal

    import gevent

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gevent.signal_handler(signal.SIGTERM, lambda: None)
    except Exception:  # not in the main thread (embedded use)
        pass


def _stop_on_sigterm() -> None:
    """SIGTERM stops the soak like Ctrl-C does: server down, no orphans."""
    import signal

    import gevent

    main = gevent.getcurrent()
    try:
        gevent.signal_handler(signal.SIGTERM, lambda: main.throw(KeyboardInterrupt))
    except Exception:  # not in the main thread (embedded use): keep the default
        pass


def _summary(doc: dict[str, Any], out_dir: Path, seconds: float) -> None:
    soak = doc["soak"]
    v = soak["verdicts"]
    head = "flask-doctor soak" + (" (PARTIAL)" if soak.get("partial") else "")
    lines = [
        f"{head}: {len(soak['endpoints'])} endpoint(s) in {seconds:.0f}s; "
        f"noise floor {soak['noise_floor']['bytes_per_request']:.0f} B/request ({soak['measure']} memory)"
    ]
    lines += [f"  partial: {printable(reason)}" for reason in soak.get("partial_reasons", [])]
    lines += [f"  WARNING: {printable(w)}" for w in soak.get("warnings", [])]
    lines += [f"  note: {printable(n)}" for n in soak.get("notes", [])]
    for e in soak["endpoints"]:
        name = printable(e["name"])
        if e["verdict"] == "not-measured":
            lines.append(f"  {'NOT MEASURED':<12} {name:<40} {printable(e.get('not_measured') or '')}")
            continue
        mem = e.get("memory") or {}
        slope = (
            f"{mem.get('slope', 0):8.1f} B/req [{mem.get('low', 0):.1f}, {mem.get('high', 0):.1f}]" if mem else "n/a"
        )
        threshold = e.get("detectable_bytes_per_request")
        note = f"  ({printable(e['status_note'])})" if e.get("status_note") else ""
        lines.append(
            f"  {e['verdict'].upper():<12} {name:<40} {slope}  p95 {e['latency_ms']['p95']:.0f} ms  "
            f"errors {e['failures']}/{e['requests']}"
            + (f"  leaks >= {threshold:.0f} B/req visible" if threshold else "")
            + note
        )
    if soak.get("saturation"):
        s = soak["saturation"]
        lines.append(
            f"  saturation: {'SATURATED at ' + str(s['saturated_at_users']) + ' users' if s['saturated'] else 'not saturated'}"
            f" (capacity {s['capacity']})"
        )
    for f in doc["findings"]:
        where = f" {f['location']['path']}:{f['location']['line']}" if f.get("location") else ""
        lines.append(f"{f['code']} {f['severity']}{where}: {printable(f['message'])}")
    mixed = " (and the mixed phase)" if v["mixed_leak"] else ""
    lines.append(
        f"{len(doc['findings'])} finding(s); leaking endpoints: {len(v['leaks'])}{mixed}; "
        f"not measured: {len(v.get('not_measured', []))}; report: {out_dir / 'report.html'}"
    )
    click.echo("\n".join(lines))


def _make_display(quiet: bool) -> Any:
    """A live table on a terminal; progress lines (at a bounded rate) when stderr is not one."""
    if quiet:
        return None
    if sys.stderr.isatty():
        return _Display()
    return _Lines()


class _Lines:
    """Progress as plain lines for CI logs: each phase's start, then at most one line per 10 s."""

    INTERVAL = 10.0

    def __init__(self) -> None:
        self.last = 0.0
        self.phase = ""

    def start(self, status: str) -> None:
        click.echo(f"flask-doctor soak: {printable(status)}", err=True)

    def __call__(self, index: int, total: int, phase: Any, result: Any, rss: dict[int, int]) -> None:
        now = time.monotonic()
        new_phase = phase.name != self.phase
        if not new_phase and now - self.last < self.INTERVAL:
            return
        self.phase, self.last = phase.name, now
        target = phase.targets[0].name if len(phase.targets) == 1 else f"{len(phase.targets)} endpoints"
        done = result.requests if result else 0
        rate = f", {result.rps:.0f}/s" if result and result.seconds else ""
        errors = result.failures if result else 0
        click.echo(
            f"flask-doctor soak: [{index + 1}/{total}] {phase.name} {printable(target)}: "
            f"{done}/{phase.budget} requests{rate}, {errors} errors",
            err=True,
        )

    def stop(self) -> None:
        pass


class _Display:
    """Rich live progress: phase, requests, rate, errors, RSS per worker."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.live: Any = None
        self.status = ""

    def start(self, status: str) -> None:
        from rich.live import Live

        self.status = status
        if self.live is not None:
            self.live.update(self._render(None))
            return
        self.live = Live(self._render(None), console=self.console, refresh_per_second=4, transient=True)
        self.live.start()

    def _render(self, info: tuple[Any, ...] | None) -> Any:
        from rich.table import Table

        table = Table(title="flask-doctor soak", expand=False, show_edge=False)
        if info is None:
            table.add_column(printable(self.status))
            return table
        index, total, phase, result, rss = info
        for col in ("phase", "target", "requests", "rate", "errors", "RSS per worker"):
            table.add_column(col)
        target = (
            phase.targets[0].name if len(phase.targets) == 1 else f"{len(phase.targets)} endpoints, {phase.users} users"
        )
        rss_txt = "  ".join(f"{pid}: {v / 2**20:.0f} MiB" for pid, v in sorted(rss.items()))
        done = result.requests if result else 0
        table.add_row(
            f"{index + 1}/{total} {phase.name}",
            printable(target),
            f"{done}/{phase.budget}" if phase.budget else str(done),
            f"{result.rps:.0f}/s" if result else "",
            str(result.failures if result else 0),
            rss_txt,
        )
        return table

    def __call__(self, index: int, total: int, phase: Any, result: Any, rss: dict[int, int]) -> None:
        if self.live is not None:
            self.live.update(self._render((index, total, phase, result, rss)))

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


__all__ = ["EXIT_ERROR", "soak_command"]
